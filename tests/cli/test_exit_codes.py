"""Exit codes of the README's table, checked on the command as a user runs it."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "pipeline"))  # the fake project helper (pytest's importlib mode)
from fake_project import make_project, mltoolkit  # noqa: E402


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "proj", {"first": ("value = 1  # a number", "print(value)")})


@pytest.mark.parametrize("setting, message", [
    ("stages: 5", "error: stages in mltoolkit.yml must be a list of stage names"),
    ("parameters: {first: [1, 2]}", "error: parameters.first in mltoolkit.yml must be a mapping"),
])
def test_config_value_of_wrong_type_is_one_line_and_exit_2(project, setting, message):
    (project / "mltoolkit.yml").write_text(f"project: fake\ndata:\n  source: data.csv\n{setting}\n")
    run = mltoolkit("run", cwd=project)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1 and run.stderr.startswith(message), run.stderr


def test_usage_error_exits_2(project):
    run = mltoolkit("run", "-p", "no-dot-here", cwd=project)
    assert run.returncode == 2
    assert run.stderr.strip() == ("error: -p 'no-dot-here' must look like STAGE.KEY=VALUE, "
                                  "e.g. -p training.time_budget_s=30")


def test_readme_has_one_exit_code_table_matching_the_cli():
    from mltoolkit import cli

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert readme.count("| code | meaning | from |") == 1
    rows = [line.split("|")[1].strip() for line in readme.splitlines() if line.startswith("| ") and
            line.split("|")[1].strip().isdigit()]
    assert rows == ["0", "1", "2", "130"]
    assert (cli.EXIT_OK, cli.EXIT_CHECK_FAILED, cli.EXIT_ERROR, cli.EXIT_INTERRUPTED) == (0, 1, 2, 130)
