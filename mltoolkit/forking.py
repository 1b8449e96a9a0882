"""Work shared with forked processes, for the commands that compute a report and exit.

Matplotlib draws and scikit-learn's tree code predicts in Python under the
GIL, so threads do not help; forked children inherit the data without
pickling it and send back only their results (PNG bytes, a small dataclass).

- :func:`run_forked`: many jobs (a report's charts); this process and its
  children take the next job from one shared counter until none is left.
- :func:`in_background`: one computation in a child while this process goes on
  (the domain classifier while the columns are compared). A block may start
  that child early (``fork_workers(preload=...)``): it imports the libraries
  the job needs while this process reads the data, and receives the job
  pickled when it is ready (a job too large to pickle cheaply gets a fresh fork).

Only used inside :func:`fork_workers`, which a command line process opens
where it is safe and pays (never a Jupyter kernel, whose threads should not be
forked), on a machine with more than one core. Everywhere else the work is
done here, in order, with the same results.
"""
from __future__ import annotations

import contextlib
import contextvars
import importlib
import io
import multiprocessing
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar

__all__ = ["MIN_JOBS", "Pending", "fork_workers", "in_background", "run_forked"]

T = TypeVar("T")

#: Fewer jobs than this run here: starting processes would cost more than it saves.
MIN_JOBS = 6
#: A job pickling to more than this goes to a fresh fork, which inherits its data, rather than to a preloaded child.
MAX_SENT_BYTES = 32 * 2**20

_WORKERS: contextvars.ContextVar[int] = contextvars.ContextVar("mltoolkit_fork_workers", default=1)
_MISSING = object()
#: Children of :func:`in_background` still computing: each holds one of the block's workers until its result is read.
_busy = 0
#: The :func:`in_background` children of the current :func:`fork_workers` block, stopped when it ends.
_STARTED: contextvars.ContextVar[list[Pending] | None] = contextvars.ContextVar("mltoolkit_started", default=None)
#: The block's preloaded child while it waits for a job.
_WARM: contextvars.ContextVar[Pending | None] = contextvars.ContextVar("mltoolkit_warm", default=None)


def _free_workers() -> int:
    return _WORKERS.get() - _busy


_MEANWHILE: contextvars.ContextVar[list[Callable[[], object]] | None] = contextvars.ContextVar("mltoolkit_meanwhile",
                                                                                              default=None)


@contextlib.contextmanager
def fork_workers(workers: int | None = None, *, meanwhile: Callable[[], object] | None = None,
                 preload: Sequence[str] = ()) -> Iterator[int]:
    """Within the block, :func:`run_forked` and :func:`in_background` may use up to ``workers`` processes, this one included.

    Parameters
    ----------
    workers : int, optional
        Default: the usable cores, at most 4.
    meanwhile : callable, optional
        Work this process does while its children work, the first time: in
        :func:`run_forked` before it takes jobs itself, in
        :meth:`Pending.result` before it waits (preparing what comes next,
        such as the report renderer). Not called when no child is started:
        it is work that would be done later anyway.
    preload : sequence of str
        Modules the first :func:`in_background` job needs: a child is started
        now and imports them on another core while this process goes on
        (reading the data). It holds one worker until its job's result is
        read, and is stopped when the block ends without using it.
    """
    n = workers if workers is not None else min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                                else os.cpu_count() or 1, 4)
    token = _WORKERS.set(max(1, int(n)))
    pending = _MEANWHILE.set([meanwhile] if meanwhile is not None else [])
    started = _STARTED.set([])
    warm = _WARM.set(_preloaded(preload) if preload and _free_workers() >= 2 and _can_fork() else None)
    try:
        yield _WORKERS.get()
    finally:
        for child in list(_STARTED.get() or ()):  # left unread (an error came first) or unused: not left running
            child.stop()
        _WARM.reset(warm)
        _STARTED.reset(started)
        _MEANWHILE.reset(pending)
        _WORKERS.reset(token)


def _can_fork() -> bool:
    """Linux only: macOS' system libraries (Accelerate, Objective-C) are not safe in a forked child, Windows has no fork.

    Never in a Jupyter kernel (a report function called from a notebook): its
    threads (heartbeat, output) hold locks a forked child would inherit held.
    """
    return (sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
            and not _in_kernel())


def _in_kernel() -> bool:
    """Whether this process is a running IPython kernel (importing ipykernel, as jupyter_client does, is not)."""
    app = sys.modules.get("ipykernel.kernelapp")
    return app is not None and app.IPKernelApp.initialized()


def _run_meanwhile() -> None:
    """The :func:`fork_workers` block's ``meanwhile`` work, the first time a child works for this process."""
    pending = _MEANWHILE.get() or []
    while pending:
        pending.pop()()


def _claimed(counter: Any, n: int) -> Iterator[int]:
    """Indices taken from the shared ``counter``, one at a time, until all ``n`` are taken."""
    while True:
        with counter.get_lock():
            index = counter.value
            counter.value = index + 1
        if index >= n:
            return
        yield index


def _child(jobs: Sequence[Callable[[], Any]], counter: Any, conn: Connection) -> None:
    done = []
    for index in _claimed(counter, len(jobs)):
        try:
            done.append((index, jobs[index]()))
        except Exception:  # noqa: BLE001 - left to the parent, which runs it again and raises where it is seen
            pass
    conn.send(done)
    conn.close()


def run_forked(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """The results of ``jobs``, in order: shared with forked processes inside :func:`fork_workers`, here otherwise.

    Parameters
    ----------
    jobs : sequence of callables
        Each takes no argument and returns something picklable (PNG bytes).

    Returns
    -------
    list
        ``[job() for job in jobs]``. A job that failed or was lost in a child
        runs again here, so its error is raised here.
    """
    workers = min(_free_workers(), len(jobs))
    if workers < 2 or len(jobs) < MIN_JOBS or not _can_fork():
        return [job() for job in jobs]
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("i", 0)
    children = []
    for _ in range(workers - 1):
        receive, send = ctx.Pipe(duplex=False)
        # Forked: the jobs and their data are inherited, not pickled.
        proc = ctx.Process(target=_child, args=(jobs, counter, send), daemon=True)
        proc.start()
        send.close()
        children.append((proc, receive))
    results: list[Any] = [_MISSING] * len(jobs)
    try:
        _run_meanwhile()  # the children draw while this process prepares what comes next
        for index in _claimed(counter, len(jobs)):
            results[index] = jobs[index]()
    finally:
        for proc, receive in children:
            try:
                for index, value in receive.recv():
                    results[index] = value
            except EOFError:  # the child died: its jobs run here below
                pass
            receive.close()
            proc.join()
    return [job() if value is _MISSING else value for job, value in zip(jobs, results)]


class Pending:
    """The result of :func:`in_background`: computed in a child, or already here."""

    def __init__(self, job: Callable[[], Any] | None, proc: Any = None, receive: Connection | None = None,
                 value: Any = _MISSING) -> None:
        self._job, self._proc, self._receive, self._value = job, proc, receive, value
        self._jobs: Connection | None = None  # a preloaded child's job pipe, and the folder of its job's pickle
        self._folder: str | None = None

    def result(self) -> Any:
        """The job's value (waiting for the child); a job that failed or was lost in the child runs here."""
        if self._receive is not None:
            try:
                _run_meanwhile()  # while the child computes
                status, value = self._receive.recv()
                if status == "ok":
                    self._value = value
            except EOFError:  # the child died: the job runs here below
                pass
            finally:  # also when the meanwhile work raised: the child is then stopped
                self.stop()
        if self._value is _MISSING:
            self._value = self._job()
        return self._value

    def stop(self) -> None:
        """End the child (at once if it is still computing) and give its worker back; its result is then computed here."""
        global _busy
        if self._receive is None:
            return
        if self._jobs is not None and not self._jobs.closed:
            self._jobs.close()  # a preloaded child never given a job: it ends reading nothing
        self._receive.close()
        if self._proc.is_alive():
            self._proc.join(timeout=0.05)  # it may be sending its result
            if self._proc.is_alive():
                self._proc.terminate()
        self._proc.join()
        self._receive = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        _busy -= 1
        started = _STARTED.get()
        if started is not None and self in started:
            started.remove(self)


def _background_child(job: Callable[[], Any], conn: Connection) -> None:
    try:
        reply = ("ok", job())
    except Exception:  # noqa: BLE001 - left to the parent, which runs it again and raises where it is seen
        reply = ("failed", None)
    try:
        conn.send(reply)
    except Exception:  # noqa: BLE001 - an unpicklable value: the parent computes it
        conn.send(("failed", None))
    conn.close()


def _preloaded_child(modules: Sequence[str], jobs: Connection, jobs_out: Connection, conn: Connection) -> None:
    """Import ``modules``, then run the job whose pickle file is named on ``jobs``."""
    jobs_out.close()  # only the parent writes: if it goes away without a job, reading ends here instead of waiting
    for module in modules:
        with contextlib.suppress(Exception):  # the job imports what it needs anyway
            importlib.import_module(module)
    try:
        path = jobs.recv()
    except (EOFError, OSError):  # closed unused: nothing to run
        return
    try:
        with open(path, "rb") as file:
            job = pickle.load(file)
    except Exception:  # noqa: BLE001 - the parent runs the job itself
        conn.send(("failed", None))
        return
    _background_child(job, conn)


def _preloaded(modules: Sequence[str]) -> Pending:
    """A child importing ``modules`` now, waiting for one job (a :class:`Pending` without one yet)."""
    global _busy
    ctx = multiprocessing.get_context("fork")
    jobs_in, jobs_out = ctx.Pipe(duplex=False)
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_preloaded_child, args=(tuple(modules), jobs_in, jobs_out, send), daemon=True)
    proc.start()
    jobs_in.close()
    send.close()
    _busy += 1  # it works (imports) from now on
    pending = Pending(None, proc, receive)
    pending._jobs = jobs_out
    pending._folder = tempfile.mkdtemp(prefix="mltoolkit-job-")
    _STARTED.get().append(pending)
    return pending


class _TooLarge(Exception):
    pass


class _Bounded(io.BufferedWriter):
    def write(self, data: Any) -> int:
        if self.tell() + memoryview(data).nbytes > MAX_SENT_BYTES:
            raise _TooLarge
        return super().write(data)


def _pickled(job: Callable[[], Any], folder: str) -> str | None:
    """A file in ``folder`` holding ``job`` pickled; None when it cannot be, or only in more than
    :data:`MAX_SENT_BYTES` (pickling stops there). A file, so that this process never waits for the child to read."""
    fd, path = tempfile.mkstemp(prefix="job-", suffix=".pickle", dir=folder)
    try:
        with _Bounded(io.FileIO(fd, "wb")) as file:
            pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL).dump(job)
    except Exception:  # noqa: BLE001 - _TooLarge, or a job holding something unpicklable: forked instead
        os.unlink(path)
        return None
    return path


def in_background(job: Callable[[], T]) -> Pending:
    """Start ``job`` in a forked child inside :func:`fork_workers`; run it here at once otherwise.

    Parameters
    ----------
    job : callable
        Takes no argument and returns something picklable.

    Returns
    -------
    Pending
        ``.result()`` gives ``job()``; an error is raised there, from this process.
    """
    global _busy
    warm = _WARM.get()
    if warm is not None:  # the block's preloaded child takes it, pickled; a fresh fork otherwise
        _WARM.set(None)
        path = _pickled(job, warm._folder)
        if path is not None:
            warm._job = job
            warm._jobs.send(path)
            warm._jobs.close()
            return warm
        warm.stop()
    if _free_workers() < 2 or not _can_fork():
        return Pending(job, value=job())
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_background_child, args=(job, send), daemon=True)
    proc.start()
    send.close()
    _busy += 1  # until its result is read: charts drawn meanwhile leave its core to it
    pending = Pending(job, proc, receive)
    started = _STARTED.get()
    if started is not None:
        started.append(pending)
    return pending
