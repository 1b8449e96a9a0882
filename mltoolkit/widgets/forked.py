"""Drawing many report charts at once, in forked processes, for the commands that write a report and exit.

Matplotlib draws in Python under the GIL, so threads do not help; forked
children inherit the data and the figures' inputs without pickling them and
send back only the PNG bytes. This process draws too: it and its children
take the next job from one shared counter until none is left, so no core
waits while another has work. Only used where it is safe and pays: a command
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
from multiprocessing.connection import Connection
from typing import Any, TypeVar

__all__ = ["chart_workers", "run_forked", "MIN_JOBS"]

T = TypeVar("T")

#: Fewer jobs than this run here: starting processes would cost more than it saves.
MIN_JOBS = 6

_WORKERS: contextvars.ContextVar[int] = contextvars.ContextVar("mltoolkit_chart_workers", default=1)
_MISSING = object()


_MEANWHILE: contextvars.ContextVar[list[Callable[[], object]] | None] = contextvars.ContextVar("mltoolkit_meanwhile",
                                                                                              default=None)


@contextlib.contextmanager
def chart_workers(workers: int | None = None, *, meanwhile: Callable[[], object] | None = None) -> Iterator[int]:
    """Within the block, :func:`run_forked` may use up to ``workers`` processes, this one included.

    Parameters
    ----------
    workers : int, optional
        Default: the usable cores, at most 4.
    meanwhile : callable, optional
        Work this process does once its first children are started, before it
        takes jobs itself (preparing what comes after the charts, such as
        the report renderer). Not called when no child is started: it is work
        that would be done later anyway.
    """
    n = workers if workers is not None else min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                                else os.cpu_count() or 1, 4)
    token = _WORKERS.set(max(1, int(n)))
    pending = _MEANWHILE.set([meanwhile] if meanwhile is not None else [])
    try:
        yield _WORKERS.get()
    finally:
        _MEANWHILE.reset(pending)
        _WORKERS.reset(token)


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
    """The results of ``jobs``, in order: shared with forked processes inside :func:`chart_workers`, here otherwise.

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
    workers = min(_WORKERS.get(), len(jobs))
    if workers < 2 or len(jobs) < MIN_JOBS or "fork" not in multiprocessing.get_all_start_methods():
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
    meanwhile = _MEANWHILE.get() or []
    try:
        while meanwhile:  # the children draw while this process prepares what comes next
            meanwhile.pop()()
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
