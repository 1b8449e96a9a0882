"""Batch prediction over a Dask DataFrame on a real local cluster (``dask_client`` in tests/conftest.py)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.deploy import load_package, predict_batch
from mltoolkit.deploy.batch_dask import _load_counts, _manifest_digest
from mltoolkit.errors import ConfigError, DataError, SchemaError

dd = pytest.importorskip("dask.dataframe")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """2,400 rows to score, with an extra column, unseen categories and new missing values in several partitions."""
    df = make_trial_conversion(2400, seed=9).drop(columns="converted").assign(extra_col=1)
    df.loc[[5, 700, 1300, 2399], "location"] = "Atlantis"
    return df


def _parquet_folder(df: pd.DataFrame, folder: Path, parts: int) -> Path:
    folder.mkdir()
    size = -(-len(df) // parts)
    for i in range(parts):
        df.iloc[i * size:(i + 1) * size].to_parquet(folder / f"part.{i}.parquet", index=False)
    return folder


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith(".removing"))


def _slow_copy(part: pd.DataFrame, marker_dir: str) -> pd.DataFrame:
    """Upstream step that takes a while and leaves a marker naming the worker process that runs it."""
    (Path(marker_dir) / f"{os.getpid()}-{uuid.uuid4().hex}").touch()
    time.sleep(1.0)
    return part


def _exit_on_flagged_rows(part: pd.DataFrame) -> pd.DataFrame:
    """Upstream step that kills the worker process running it whenever its partition holds a flagged row."""
    if (part["website_visits"] == -12345).any():
        os._exit(1)
    return part


def test_dask_predictions_equal_pandas_predictions(dask_client, package, rows, tmp_path):
    rows.to_parquet(tmp_path / "in.parquet", index=False)
    expected = predict_batch(package, str(tmp_path / "in.parquet"), tmp_path / "pandas.parquet", chunk_rows=600,
                             keep_columns=("prospect_id",))
    ddf = dd.read_parquet(str(_parquet_folder(rows, tmp_path / "in", parts=4)))
    out = tmp_path / "dask.parquet"
    result = predict_batch(package, ddf, out, keep_columns=("prospect_id",))

    assert result.rows == 2400 and result.chunks == ddf.npartitions and result.output == str(out.resolve())
    assert sorted(p.name for p in out.iterdir()) == [f"part.{i:05d}.parquet" for i in range(ddf.npartitions)]
    assert _leftovers(tmp_path) == []
    scored = pd.read_parquet(out).sort_values("row", ignore_index=True)
    reference = pd.read_parquet(tmp_path / "pandas.parquet")
    assert list(scored.columns) == list(reference.columns)
    assert scored["row"].tolist() == list(range(2400))
    assert scored["prospect_id"].tolist() == rows["prospect_id"].tolist()
    assert scored["prediction"].tolist() == reference["prediction"].tolist()
    assert scored["score"].to_numpy() == pytest.approx(reference["score"].to_numpy(), abs=1e-12)
    assert set(scored["model_version"]) == {load_package(package).version}
    assert scored["scored_at"].nunique() == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", scored["scored_at"].iloc[0])
    assert result.unseen_categories == expected.unseen_categories == {"location": 4}
    assert result.extra_columns == expected.extra_columns == ("extra_col",)
    assert result.new_missing == expected.new_missing
    assert result.warnings == expected.warnings
    # Scored on the workers, each loading the package at most once for all its partitions.
    key = (str(package.resolve()), _manifest_digest(package))
    loads = [counts.get(key, 0) for counts in dask_client.run(_load_counts).values()]
    assert 1 <= sum(loads) and max(loads) == 1


def test_without_a_cluster_partitions_are_scored_in_threads(package, rows, tmp_path):
    import dask

    with dask.config.set(scheduler="threads"):
        result = predict_batch(package, dd.from_pandas(rows, npartitions=3), tmp_path / "p.parquet")
    scored = pd.read_parquet(tmp_path / "p.parquet").sort_values("row", ignore_index=True)
    whole, _ = load_package(package).predict_frame(rows)
    assert result.rows == 2400 and result.chunks == 3
    assert scored["score"].to_numpy() == pytest.approx(whole["score"].to_numpy(), abs=1e-12)


def test_existing_output_is_replaced_only_when_asked(dask_client, package, rows, tmp_path):
    ddf = dd.from_pandas(rows.head(300), npartitions=2)
    out = tmp_path / "p.parquet"
    predict_batch(package, ddf, out)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir())
    with pytest.raises(ConfigError, match="already exists.*overwrite=True"):
        predict_batch(package, ddf, out)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir()) == before
    result = predict_batch(package, dd.from_pandas(rows.head(500), npartitions=3), out, overwrite=True)
    assert result.rows == 500 and len(pd.read_parquet(out)) == 500 and _leftovers(tmp_path) == []
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    with pytest.raises(ConfigError, match="holds other files than Parquet"):
        predict_batch(package, ddf, tmp_path / "notes", overwrite=True)
    assert (tmp_path / "notes" / "todo.txt").read_text() == "mine"


def test_bad_partition_fails_the_run_and_leaves_nothing(dask_client, package, rows, tmp_path):
    # Partition 2 (of 4) has text in a numeric column; the others are fine.
    bad = rows.iloc[1200:1800].assign(website_visits=lambda d: "many " + d["website_visits"].astype(str))
    parts = [dd.from_pandas(rows.iloc[:1200], npartitions=2), dd.from_pandas(bad, npartitions=1),
             dd.from_pandas(rows.iloc[1800:], npartitions=1)]
    ddf = dd.concat(parts)
    assert ddf.npartitions == 4
    out = tmp_path / "p.parquet"
    with pytest.raises(SchemaError, match=r"partition 2 of the Dask DataFrame does not fit the model's input schema: "
                                          r"'website_visits' must be a number") as info:
        predict_batch(package, ddf, out)
    assert info.value.column == "website_visits"
    assert info.value.__cause__ is None and info.value.__suppress_context__  # our message, not a remote traceback
    assert not out.exists() and _leftovers(tmp_path) == []
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['role'\]"):
        predict_batch(package, dd.from_pandas(rows.drop(columns="role"), npartitions=2), out)
    with pytest.raises(DataError, match="no rows"):
        predict_batch(package, dd.from_pandas(rows.head(0), npartitions=1), out)
    with pytest.raises(ConfigError, match="folder of Parquet files"):
        predict_batch(package, dd.from_pandas(rows, npartitions=2), tmp_path / "p.csv")
    assert not out.exists() and _leftovers(tmp_path) == []


def test_worker_killed_mid_run_still_gives_complete_output(breakable_dask_client, package, rows, tmp_path):
    pids = breakable_dask_client.run(os.getpid)
    victim = sorted(pids.values())[0]
    markers = tmp_path / "markers"
    markers.mkdir()
    ddf = dd.from_pandas(rows, npartitions=8).map_partitions(_slow_copy, str(markers), meta=rows.head(0))
    killed, finished = threading.Event(), threading.Event()

    def kill_when_busy() -> None:
        # Kill the victim while it runs a slow upstream task (1 s), so work in progress is lost for sure.
        while not finished.is_set():
            if any(p.name.startswith(f"{victim}-") for p in markers.iterdir()):
                os.kill(victim, signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_when_busy, daemon=True)
    killer.start()
    out = tmp_path / "p.parquet"
    try:
        result = predict_batch(package, ddf, out, keep_columns=("prospect_id",))
    finally:
        finished.set()
        killer.join()
    assert killed.is_set() and victim not in breakable_dask_client.run(os.getpid).values()
    assert len(list(markers.iterdir())) > 8  # the partition lost with the worker was computed again
    assert result.rows == 2400 and result.chunks == 8 and _leftovers(tmp_path) == []
    scored = pd.read_parquet(out).sort_values("row", ignore_index=True)
    assert scored["row"].tolist() == list(range(2400))
    assert scored["prospect_id"].tolist() == rows["prospect_id"].tolist()
    whole, _ = load_package(package).predict_frame(rows)
    assert scored["score"].to_numpy() == pytest.approx(whole["score"].to_numpy(), abs=1e-12)
    assert scored["prediction"].tolist() == whole["prediction"].tolist()


def test_workers_lost_for_good_give_a_clear_error_and_no_output(breakable_dask_client, package, rows, tmp_path):
    flagged = rows.copy()
    flagged.loc[1000, "website_visits"] = -12345
    ddf = dd.from_pandas(flagged, npartitions=3).map_partitions(_exit_on_flagged_rows, meta=rows.head(0))
    out = tmp_path / "p.parquet"
    with pytest.raises(DataError, match="workers were lost more often than the scheduler retries"):
        predict_batch(package, ddf, out)
    assert not out.exists() and _leftovers(tmp_path) == []


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mltoolkit", "predict", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def test_cli_predict_with_dask_scheduler(dask_client, package, rows, tmp_path):
    folder = _parquet_folder(rows, tmp_path / "in", parts=3)
    out = tmp_path / "p.parquet"
    address = dask_client.scheduler.address
    run = _cli(str(package), str(folder), "--out", str(out), "--dask", address, "--keep", "prospect_id")
    assert run.returncode == 0, run.stderr
    assert "2,400 rows scored" in run.stdout and "warning: 4 values of 'location'" in run.stderr
    scored = pd.read_parquet(out)
    assert sorted(scored["row"]) == list(range(2400)) and "prospect_id" in scored.columns
    again = _cli(str(package), str(folder), "--out", str(out), "--dask", address)
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    forced = _cli(str(package), str(folder), "--out", str(out), "--dask", address, "--force")
    assert forced.returncode == 0, forced.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    rows.assign(website_visits="many").to_parquet(bad / "part.0.parquet", index=False)
    failed = _cli(str(package), str(bad), "--out", str(tmp_path / "q.parquet"), "--dask", address)
    assert failed.returncode == 2 and "'website_visits' must be a number" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1 and not (tmp_path / "q.parquet").exists()


def test_cli_predict_with_local_dask_cluster(package, rows, tmp_path):
    rows.head(500).to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "p.parquet"
    run = _cli(str(package), str(tmp_path / "in.csv"), "--out", str(out), "--dask", "local")
    assert run.returncode == 0, run.stderr
    assert "500 rows scored" in run.stdout and len(pd.read_parquet(out)) == 500
