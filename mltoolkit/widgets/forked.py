"""Drawing many report charts at once, in forked processes, for the commands that write a report and exit.

Matplotlib draws in Python under the GIL, so threads do not help; forked
children inherit the data and the figures' inputs without pickling them and
send back only the PNG bytes. Only used where it is safe and pays: a command
line process (not a Jupyter kernel, whose threads should not be forked), on a
machine with more than one core, for more than a handful of charts. Everywhere
else the jobs run here, one after another, with the same results.
"""
from __future__ import annotations

import contextlib
import contextvars
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["chart_workers", "run_forked", "MIN_JOBS"]

T = TypeVar("T")

#: Fewer jobs than this run here: starting processes would cost more than it saves.
MIN_JOBS = 6

_WORKERS: contextvars.ContextVar[int] = contextvars.ContextVar("mltoolkit_chart_workers", default=1)
_JOBS: Sequence[Callable[[], Any]] = ()


@contextlib.contextmanager
def chart_workers(workers: int | None = None) -> Iterator[int]:
    """Within the block, :func:`run_forked` may use up to ``workers`` processes (default: the usable cores, at most 4)."""
    n = workers if workers is not None else min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                                else os.cpu_count() or 1, 4)
    token = _WORKERS.set(max(1, int(n)))
    try:
        yield _WORKERS.get()
    finally:
        _WORKERS.reset(token)


def _run(index: int) -> Any:
    return _JOBS[index]()


def run_forked(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """The results of ``jobs``, in order: in forked processes inside :func:`chart_workers`, here otherwise.

    Parameters
    ----------
    jobs : sequence of callables
        Each takes no argument and returns something picklable (PNG bytes).

    Returns
    -------
    list
        ``[job() for job in jobs]``.
    """
    global _JOBS
    workers = min(_WORKERS.get(), len(jobs))
    if workers < 2 or len(jobs) < MIN_JOBS or "fork" not in multiprocessing.get_all_start_methods():
        return [job() for job in jobs]
    _JOBS = jobs  # inherited by the children at fork: nothing to pickle but the index
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run, range(len(jobs)), chunksize=max(1, len(jobs) // (workers * 3))))
    finally:
        _JOBS = ()
