"""One kernel for all the stages of a run: started once, each stage begins as in a fresh kernel.

A new kernel per stage costs its start and the imports every stage shares
(pandas, scikit-learn, skops' trusted-type scan, matplotlib): seconds a stage,
most of a short stage's time. :class:`StageKernel` starts one kernel for a run
and, before each stage, puts it back in the state a fresh kernel is in, as far
as a stage can see it:

- an empty user namespace and execution counts from 1 again (IPython's
  ``reset``, what ``%reset -f`` does, plus a new history session), so a stage
  cannot use another's variables and errors name the cell as they would alone;
- the working directory, environment variables, ``sys.path`` and warning
  filters the kernel started with, whatever a stage changed;
- widgets of earlier stages closed (they hold their data);
- the kernel's own output (start-up warnings, C-level output) written to this
  stage's log file.

Modules stay imported: that is the point. A stage that changes a module's
global state (``pd.set_option``, ``mlflow.set_experiment``) changes it for the
stages after it, as two cells of one notebook would.
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mltoolkit.errors import StageError

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

__all__ = ["StageKernel"]

#: Runs in the kernel before each stage. State kept across stages lives in a module of its own in
#: ``sys.modules`` (the user namespace is what gets cleared); the first call records the fresh state.
_BEGIN_STAGE = """
def _mltoolkit_begin_stage(log, cwd):
    import os, sys, types, warnings
    state = sys.modules.get("_mltoolkit_stage_kernel")
    if state is None:
        state = sys.modules["_mltoolkit_stage_kernel"] = types.ModuleType("_mltoolkit_stage_kernel")
        state.environ, state.path, state.filters = dict(os.environ), list(sys.path), list(warnings.filters)
    # ipykernel copies the process's stdout/stderr before capturing them; those copies are where the kernel's
    # own output goes (without fd capture: descriptors 1 and 2).
    targets = [getattr(s, "_original_stdstream_copy", None) for s in (sys.stdout, sys.stderr)]
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for target in targets if None not in targets else [1, 2]:
        os.dup2(fd, target)
    os.close(fd)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(state.environ)
    sys.path[:] = state.path
    warnings.filters[:] = state.filters
    getattr(warnings, "_filters_mutated", lambda: None)()  # as warnings.simplefilter does after a change
    if "ipywidgets" in sys.modules:
        sys.modules["ipywidgets"].Widget.close_all()
    get_ipython().reset(new_session=True)  # also collects the earlier stage's garbage (gc.collect)

_mltoolkit_begin_stage({log}, {cwd})
"""


class StageKernel:
    """A kernel shared by the stages of one run; started on first use, shut down by :meth:`close`.

    Parameters
    ----------
    startup_timeout : float, default 60
        Seconds to wait for the kernel to answer after it starts.

    Examples
    --------
    >>> with StageKernel() as kernel:  # doctest: +SKIP
    ...     execute_notebook("01_a.ipynb", "out/01_a.ipynb", cwd="out", kernel=kernel)
    ...     execute_notebook("02_b.ipynb", "out/02_b.ipynb", cwd="out", kernel=kernel)
    """

    def __init__(self, *, startup_timeout: float = 60) -> None:
        self.startup_timeout = startup_timeout
        self.kernel_name: str | None = None
        self.km: Any = None
        self.kc: Any = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(now=exc[0] is not None)

    def serves(self, kernel_name: str | None) -> bool:
        """Whether a notebook asking for ``kernel_name`` can run here (one kernel name per shared kernel)."""
        return kernel_name is not None and self.kernel_name in (None, kernel_name)

    def begin_stage(self, kernel_name: str, *, cwd: str | Path, log: str | Path) -> None:
        """Start the kernel if needed, then reset it for a new stage running in ``cwd`` and logging to ``log``."""
        from jupyter_core.utils import run_sync

        cwd, log = Path(cwd).resolve(), Path(log).resolve()
        if self.km is None:
            self._start(kernel_name, cwd, log)
        self._stop_stage_clients()
        code = _BEGIN_STAGE.format(log=json.dumps(str(log)), cwd=json.dumps(str(cwd)))
        errors: list[str] = []

        def on_output(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        reply = run_sync(self.kc.execute_interactive)(code, silent=True, store_history=False, allow_stdin=False,
                                                      timeout=self.startup_timeout, output_hook=on_output)
        if reply["content"]["status"] != "ok":
            detail = errors[0] if errors else f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}"
            raise StageError(f"the shared kernel could not be reset for the next stage ({detail}); see {log}",
                             path=str(log))

    def _start(self, kernel_name: str, cwd: Path, log: Path) -> None:
        from jupyter_client.session import Session
        from jupyter_core.utils import run_sync

        log.parent.mkdir(parents=True, exist_ok=True)
        km = _shared_kernel_manager(log)(kernel_name=kernel_name)
        # As nbclient starts its kernels: history in memory, not in the user's IPython profile.
        run_sync(km.start_kernel)(cwd=str(cwd), extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self.km, self.kernel_name = km, kernel_name
        # A session of its own: a client's shell socket is named after its session, and the kernel sends each
        # reply to the last socket connected under that name, the client papermill makes for each stage.
        kc = km.client(session=Session(key=km.session.key, signature_scheme=km.session.signature_scheme))
        km.handed_out.remove(kc)
        kc.start_channels()
        kc.allow_stdin = False
        self.kc = kc
        try:
            run_sync(kc.wait_for_ready)(timeout=self.startup_timeout)
        except RuntimeError as exc:
            self.close(now=True)
            raise StageError(f"the kernel {kernel_name!r} did not start ({exc}); see {log}", path=str(log)) from None

    def _stop_stage_clients(self) -> None:
        """Close the clients papermill opened for earlier stages (it leaves a kernel it did not start running)."""
        while self.km is not None and self.km.handed_out:
            self.km.handed_out.pop().stop_channels()

    def close(self, *, now: bool = False) -> None:
        """Stop the client and shut the kernel down (at once with ``now``, as after an interrupt)."""
        from jupyter_core.utils import ensure_event_loop, run_sync

        if now and not _loop_running():
            # An interrupt leaves papermill's request for the running cell pending on the event loop: end it
            # here, as asyncio.run ends leftover tasks, rather than let it wake up during the shutdown to find
            # the kernel gone ("Task exception was never retrieved ... Kernel died" on the console).
            loop = ensure_event_loop()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._stop_stage_clients()
        kc, km, self.kc, self.km, self.kernel_name = self.kc, self.km, None, None, None
        if kc is not None:
            kc.stop_channels()
        if km is not None and km.has_kernel:
            run_sync(km.shutdown_kernel)(now=now)


def _shared_kernel_manager(log: Path) -> type:
    """The logged kernel manager of :mod:`~mltoolkit.pipeline.execute`, remembering the clients it hands out."""
    from mltoolkit.pipeline.execute import _logged_kernel_manager

    class SharedKernelManager(_logged_kernel_manager(log)):
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.handed_out: list[Any] = []

        def client(self, **kw: Any) -> Any:
            kc = super().client(**kw)
            self.handed_out.append(kc)
            return kc

    return SharedKernelManager


def _loop_running() -> bool:
    """Whether this thread runs an event loop (a notebook calling us): then run_sync used a loop of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
