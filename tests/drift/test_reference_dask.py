"""Reference profiles and drift on a real Dask cluster that loses workers."""
from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.drift import build_reference, detect_drift
from mltoolkit.errors import DataError

dd = pytest.importorskip("dask.dataframe")
pytestmark = pytest.mark.slow


def _slow_copy(part: pd.DataFrame, marker_dir: str) -> pd.DataFrame:
    """Upstream step that takes a while and leaves a marker naming the worker process that runs it."""
    (Path(marker_dir) / f"{os.getpid()}-{uuid.uuid4().hex}").touch()
    time.sleep(0.7)
    return part


def _exit_on_flagged_rows(part: pd.DataFrame) -> pd.DataFrame:
    """Upstream step that kills its worker whenever the partition holds a flagged row."""
    if (part["website_visits"] == -12345).any():
        os._exit(1)
    return part


def test_profile_survives_a_worker_killed_mid_run(breakable_dask_client, tmp_path):
    ref = make_trial_conversion(3_000, seed=0)
    victim = sorted(breakable_dask_client.run(os.getpid).values())[0]
    markers = tmp_path / "markers"
    markers.mkdir()
    ddf = dd.from_pandas(ref, npartitions=6).map_partitions(_slow_copy, str(markers), meta=ref.head(0))
    killed, finished = threading.Event(), threading.Event()

    def kill_when_busy() -> None:
        while not finished.is_set():
            if any(p.name.startswith(f"{victim}-") for p in markers.iterdir()):
                os.kill(victim, signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_when_busy, daemon=True)
    killer.start()
    try:
        profile = build_reference(ddf)
    finally:
        finished.set()
        killer.join()
    assert killed.is_set()
    exact = build_reference(ref)
    assert profile.fingerprint["content_hash"] == exact.fingerprint["content_hash"]
    assert [(c.name, c.n, c.n_missing, c.categories, c.min, c.max) for c in profile.columns] == \
        [(c.name, c.n, c.n_missing, c.categories, c.min, c.max) for c in exact.columns]
    cur = make_trial_conversion(2_000, seed=4, drift=1.0)
    assert detect_drift(profile, cur).drifted_columns == detect_drift(exact, cur).drifted_columns


def test_workers_lost_for_good_give_a_clear_error_and_nothing_written(breakable_dask_client, tmp_path):
    ref = make_trial_conversion(3_000, seed=0)
    ref.loc[2_000, "website_visits"] = -12345
    ddf = dd.from_pandas(ref, npartitions=3).map_partitions(_exit_on_flagged_rows, meta=ref.head(0))
    out = tmp_path / "reference.json"
    with pytest.raises(DataError, match="workers were lost more often than the scheduler retries"):
        build_reference(ddf).save(out)
    assert not out.exists() and list(tmp_path.iterdir()) == []
