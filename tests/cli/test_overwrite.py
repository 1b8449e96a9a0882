"""One overwrite policy: every command that writes a file refuses an existing one without --force, up front."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "pipeline"))  # the fake project helper (pytest's importlib mode)
from fake_project import mltoolkit  # noqa: E402

DEMO = "demo://trial_conversion?rows=300"


@pytest.fixture(scope="module")
def package(trained_project) -> Path:
    """A model package trained on 1,000 demo rows (as tests/deploy builds one)."""
    return trained_project(1000, "overwrite") / "package"


def _refused(run, path: Path) -> None:
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip() == f"error: {path} already exists; pass --force to overwrite it, or choose another " \
                                 f"{run.args[run.args.index(str(path)) - 1]}"


@pytest.mark.parametrize("command", [
    ["profile", DEMO, "--json"], ["profile", DEMO, "--html"], ["drift", DEMO, DEMO, "--json"],
    ["drift", DEMO, DEMO, "--html"], ["reference", DEMO, "--out"],
])
def test_existing_output_is_refused_without_force(tmp_path, command):
    out = tmp_path / "kept.out"
    out.write_text("keep me")
    _refused(mltoolkit(*command, out), out)
    assert out.read_text() == "keep me"


def test_profile_json_replaces_existing_file_with_force(tmp_path):
    out = tmp_path / "profile.json"
    out.write_text("old")
    run = mltoolkit("profile", DEMO, "--json", out, "--force")
    assert run.returncode == 0, run.stderr
    assert '"n_rows": 300' in out.read_text()


def test_predict_refuses_a_directory_as_out_before_scoring(tmp_path, package):
    folder = tmp_path / "scores.parquet"
    folder.mkdir()
    run = mltoolkit("predict", package, DEMO, "--out", folder)
    assert run.returncode == 2
    assert run.stderr.strip() == (f"error: --out {folder} is a directory; name the file to write, "
                                  f"e.g. {folder / 'predictions.parquet'}")
    assert not any(folder.iterdir()) and not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_predict_refuses_existing_file_without_force_and_replaces_it_with(tmp_path, package):
    out = tmp_path / "scores.csv"
    out.write_text("keep me")
    _refused(mltoolkit("predict", package, DEMO, "--out", out), out)
    assert out.read_text() == "keep me"
    run = mltoolkit("predict", package, DEMO, "--out", out, "--force")
    assert run.returncode == 0, run.stderr
    assert out.read_text().startswith("row,")
