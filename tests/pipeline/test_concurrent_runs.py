"""Two ``mltoolkit run`` started together in a new project share one MLflow store without breaking it."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the helper beside this file (pytest's importlib mode)
from fake_project import make_project, mltoolkit_command  # noqa: E402

pytestmark = pytest.mark.slow

# Both kernels wait for the same instant, then create the store and log a run, as the training stage does.
TRACK = """import time
time.sleep(max(0.0, start_at - time.time()))
import mlflow
from mltoolkit.train.tracking import use_experiment
use_experiment('fake')
with mlflow.start_run():
    mlflow.log_metric('score', 1.0)
"""


def test_two_runs_started_together_both_create_and_use_the_mlflow_store(tmp_path):
    project = make_project(tmp_path / "proj", {"track": ("start_at = 0.0  # when to start (epoch seconds)", TRACK)})
    start_at = time.time() + 15  # after both kernels have started and imported mlflow
    procs = [subprocess.Popen([mltoolkit_command(), "run", "-p", f"track.start_at={start_at}"], cwd=project,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _ in results] == [0, 0], "\n".join(err for _, err in results)
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("fake")
    assert len(client.search_runs([experiment.experiment_id])) == 2
