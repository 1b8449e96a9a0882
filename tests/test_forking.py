"""Work shared with forked processes gives the same results, in the same order, as done here."""
from __future__ import annotations

import functools
import os
import time

import numpy as np
import pytest

from mltoolkit.forking import MIN_JOBS, fork_workers, in_background, run_forked


def _pid_and(value: int, seconds: float = 0.0) -> tuple[int, int]:
    time.sleep(seconds)  # long enough for a child to start and take jobs
    return os.getpid(), value


def _fails_in_children(parent: int) -> int:
    if os.getpid() != parent:
        raise RuntimeError("lost in a child")
    return os.getpid()


def test_jobs_run_here_outside_fork_workers_and_in_forks_inside():
    jobs = [functools.partial(_pid_and, i) for i in range(MIN_JOBS * 2)]
    here = run_forked(jobs)
    assert [v for _, v in here] == list(range(MIN_JOBS * 2)) and {p for p, _ in here} == {os.getpid()}
    with fork_workers(2):
        forked = run_forked([functools.partial(_pid_and, i, 0.05) for i in range(MIN_JOBS * 2)])
        few = run_forked(jobs[: MIN_JOBS - 1])
    assert [v for _, v in forked] == list(range(MIN_JOBS * 2))
    assert len({p for p, _ in forked} - {os.getpid()}) == 1  # one child, and this process takes jobs too
    assert {p for p, _ in few} == {os.getpid()}  # too few to be worth a process


@pytest.mark.slow
def test_eda_charts_are_the_same_drawn_in_forks(tmp_path):
    import pandas as pd

    from mltoolkit.eda import profile
    from mltoolkit.widgets import EDAWidget

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b<i>"], 300), "k": rng.integers(0, 5, 300),
                       "y": rng.integers(0, 2, 300)})
    result = profile(df, target="y")
    serial = EDAWidget(result, data=df).static_html()
    with fork_workers(2):
        forked = EDAWidget(result, data=df).static_html()
    assert forked == serial


def test_a_job_failing_in_a_child_runs_again_here():
    jobs = [functools.partial(_fails_in_children, os.getpid()) for _ in range(MIN_JOBS * 3)]
    with fork_workers(3):
        assert run_forked(jobs) == [os.getpid()] * len(jobs)


def test_an_error_is_raised_here():
    jobs = [functools.partial(_pid_and, i) for i in range(MIN_JOBS)] + [functools.partial(int, "not a number")]
    with fork_workers(2), pytest.raises(ValueError, match="not a number"):
        run_forked(jobs)


def test_meanwhile_runs_here_once_children_are_started():
    seen = []
    jobs = [functools.partial(_pid_and, i, 0.02) for i in range(MIN_JOBS * 2)]
    with fork_workers(2, meanwhile=lambda: seen.append(os.getpid())):
        assert [v for _, v in run_forked(jobs)] == list(range(MIN_JOBS * 2))
        run_forked(jobs)
    assert seen == [os.getpid()]  # once, here
    with fork_workers(1, meanwhile=lambda: seen.append("serial")):
        run_forked(jobs)
    assert seen == [os.getpid()]  # no child started: left for later


def _pid_unless_child(parent: int) -> int:
    if os.getpid() != parent:
        raise RuntimeError("failed in the child")
    return os.getpid()


def test_in_background_runs_in_a_child_inside_fork_workers_and_here_otherwise():
    here = in_background(os.getpid)
    assert here.result() == os.getpid()
    with fork_workers(2):
        pending = in_background(os.getpid)
        assert pending.result() not in (None, os.getpid())
        assert pending.result() == pending.result()  # read once, kept
        # A job failing in the child runs again here, where its error (or its value) is seen.
        assert in_background(functools.partial(_pid_unless_child, os.getpid())).result() == os.getpid()
        with pytest.raises(ValueError, match="not a number"):
            in_background(functools.partial(int, "not a number")).result()


@pytest.mark.slow
def test_monitoring_gives_the_same_report_with_its_domain_classifier_and_chunks_in_a_child():
    from mltoolkit.data import make_trial_conversion
    from mltoolkit.monitor import run_monitoring

    reference, current = make_trial_conversion(600, seed=0), make_trial_conversion(600, seed=1, drift=0.5)
    here = run_monitoring(reference, current, time_column="signup_date")
    seen = []
    with fork_workers(2):
        # The per-column drift is handed over while the classifier and the chunks are computed in the child.
        forked = run_monitoring(reference, current, time_column="signup_date", on_drift=seen.append)
    assert seen == [forked.drift]
    assert forked.domain is not None and forked.domain == here.domain and forked.chunks == here.chunks
    timeless = [{**r.to_dict(), "drift": {**r.to_dict()["drift"], "elapsed_seconds": None}} for r in (here, forked)]
    assert timeless[0] == timeless[1]


def test_a_background_child_holds_a_worker_until_its_result_is_read():
    jobs = [functools.partial(_pid_and, i, 0.02) for i in range(MIN_JOBS * 2)]
    with fork_workers(2):
        pending = in_background(functools.partial(time.sleep, 0.3))
        # Its core is taken: charts drawn meanwhile are drawn here, leaving it to the child.
        assert {p for p, _ in run_forked(jobs)} == {os.getpid()}
        pending.result()
        assert len({p for p, _ in run_forked(jobs)} - {os.getpid()}) == 1  # given back


def test_a_child_left_unread_is_stopped_when_the_block_ends():
    with pytest.raises(KeyError), fork_workers(2):
        pending = in_background(functools.partial(time.sleep, 30))
        child = pending._proc
        raise KeyError("an error before the result is read")
    assert not child.is_alive()
    with fork_workers(2):  # the worker it held is free again
        jobs = [functools.partial(_pid_and, i, 0.02) for i in range(MIN_JOBS * 2)]
        assert len({p for p, _ in run_forked(jobs)} - {os.getpid()}) == 1


def _modules_loaded(names: tuple[str, ...]) -> tuple[int, list[bool]]:
    import sys

    return os.getpid(), [name in sys.modules for name in names]


def test_a_preloaded_child_imports_ahead_and_runs_the_job_sent_pickled():
    import sys

    wanted = ("email.mime.multipart", "xml.dom.minidom")  # light modules this test process has not imported
    assert not any(name in sys.modules for name in wanted)
    with fork_workers(2, preload=wanted):
        time.sleep(0.2)  # the child imports meanwhile
        pid, loaded = in_background(functools.partial(_modules_loaded, wanted)).result()
    assert pid != os.getpid() and loaded == [True, True]
    assert not any(name in sys.modules for name in wanted)  # imported there, not here


def _pid_and_size(array: np.ndarray) -> tuple[int, int]:
    return os.getpid(), array.size


def test_a_job_too_large_or_unpicklable_for_the_preloaded_child_gets_a_fresh_fork(monkeypatch):
    import mltoolkit.forking as forking

    big = np.zeros(100_000)
    with fork_workers(2, preload=("json",)):
        warm = forking._WARM.get()
        monkeypatch.setattr(forking, "MAX_SENT_BYTES", 10_000)
        pending = in_background(functools.partial(_pid_and_size, big))
        assert pending is not warm and not warm._proc.is_alive()  # stopped, its worker given back
        assert pending.result() != (os.getpid(), big.size) and pending.result()[1] == big.size
    with fork_workers(2, preload=("json",)):
        local = 7
        pending = in_background(lambda: (os.getpid(), local))  # a lambda does not pickle; forks inherit it
        assert pending.result()[0] != os.getpid() and pending.result()[1] == 7


def test_an_unused_preloaded_child_is_stopped_when_the_block_ends():
    import mltoolkit.forking as forking

    with fork_workers(2, preload=("json",)):
        child = forking._WARM.get()._proc
        assert child.is_alive()
    assert not child.is_alive() and forking._busy == 0
    with fork_workers(1, preload=("json",)):  # one worker: nothing is started
        assert forking._WARM.get() is None


def test_nothing_is_forked_in_a_jupyter_kernel(monkeypatch):
    import sys
    import types

    import mltoolkit.forking as forking

    import ipykernel.kernelspec  # noqa: F401 - imported, as jupyter_client does: forking goes on
    assert in_background(os.getpid).result() == os.getpid()  # outside a block: here
    with fork_workers(2):
        assert in_background(os.getpid).result() != os.getpid()
    kernelapp = types.ModuleType("ipykernel.kernelapp")  # a running kernel: a report called from a notebook
    kernelapp.IPKernelApp = types.SimpleNamespace(initialized=lambda: True)
    monkeypatch.setitem(sys.modules, "ipykernel.kernelapp", kernelapp)
    jobs = [functools.partial(_pid_and, i) for i in range(MIN_JOBS * 2)]
    with fork_workers(2, preload=("json",)):
        assert forking._WARM.get() is None
        assert in_background(os.getpid).result() == os.getpid()
        assert {p for p, _ in run_forked(jobs)} == {os.getpid()}


def test_a_preloaded_child_ends_when_its_parent_dies_without_sending_a_job(tmp_path):
    import signal
    import subprocess
    import sys

    code = ("import os, time\n"
            "from mltoolkit.forking import fork_workers\n"
            "import mltoolkit.forking as f\n"
            "with fork_workers(2, preload=('json',)):\n"
            f"    open({str(tmp_path / 'pid')!r}, 'w').write(str(f._WARM.get()._proc.pid))\n"
            "    time.sleep(60)\n")
    # Its job folder goes under tmp_path: a parent killed this way cannot remove it.
    parent = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "TMPDIR": str(tmp_path)})
    try:
        for _ in range(200):
            if (tmp_path / "pid").exists() and (tmp_path / "pid").read_text():
                break
            time.sleep(0.05)
        child = int((tmp_path / "pid").read_text())
    finally:
        parent.send_signal(signal.SIGKILL)  # no clean-up at all
        parent.wait()
    for _ in range(100):  # the child reads end-of-file and leaves
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{child}/stat") as stat:
            if stat.read().split()[2] == "Z":  # exited, waiting to be reaped by init
                return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    raise AssertionError("the preloaded child outlived its parent")
