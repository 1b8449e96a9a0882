"""Charts drawn in forked processes give the same bytes, in the same order, as drawn here."""
from __future__ import annotations

import functools
import os
import time

import numpy as np
import pytest

from mltoolkit.widgets.forked import MIN_JOBS, chart_workers, run_forked


def _pid_and(value: int, seconds: float = 0.0) -> tuple[int, int]:
    time.sleep(seconds)  # long enough for a child to start and take jobs
    return os.getpid(), value


def _fails_in_children(parent: int) -> int:
    if os.getpid() != parent:
        raise RuntimeError("lost in a child")
    return os.getpid()


def test_jobs_run_here_outside_chart_workers_and_in_forks_inside():
    jobs = [functools.partial(_pid_and, i) for i in range(MIN_JOBS * 2)]
    here = run_forked(jobs)
    assert [v for _, v in here] == list(range(MIN_JOBS * 2)) and {p for p, _ in here} == {os.getpid()}
    with chart_workers(2):
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
    with chart_workers(2):
        forked = EDAWidget(result, data=df).static_html()
    assert forked == serial


def test_a_job_failing_in_a_child_runs_again_here():
    jobs = [functools.partial(_fails_in_children, os.getpid()) for _ in range(MIN_JOBS * 3)]
    with chart_workers(3):
        assert run_forked(jobs) == [os.getpid()] * len(jobs)


def test_an_error_is_raised_here():
    jobs = [functools.partial(_pid_and, i) for i in range(MIN_JOBS)] + [functools.partial(int, "not a number")]
    with chart_workers(2), pytest.raises(ValueError, match="not a number"):
        run_forked(jobs)


def test_meanwhile_runs_here_once_children_are_started():
    seen = []
    jobs = [functools.partial(_pid_and, i, 0.02) for i in range(MIN_JOBS * 2)]
    with chart_workers(2, meanwhile=lambda: seen.append(os.getpid())):
        assert [v for _, v in run_forked(jobs)] == list(range(MIN_JOBS * 2))
        run_forked(jobs)
    assert seen == [os.getpid()]  # once, here
    with chart_workers(1, meanwhile=lambda: seen.append("serial")):
        run_forked(jobs)
    assert seen == [os.getpid()]  # no child started: left for later
