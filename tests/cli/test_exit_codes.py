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


def test_the_command_exits_promptly_with_its_code_and_all_its_output(tmp_path):
    """``mltoolkit`` leaves without the interpreter's teardown (cli.run): same exit codes, nothing lost when piped."""
    import subprocess

    exe = [sys.executable, "-m", "mltoolkit"]
    version = subprocess.run([*exe, "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("mltoolkit ")
    assert subprocess.run([*exe, "no-such-command"], capture_output=True, text=True, timeout=120).returncode == 2
    # Many lines through a pipe: the buffered output is flushed before the process leaves.
    runs = subprocess.run([*exe, "runs", "--help"], capture_output=True, text=True, timeout=120)
    assert runs.returncode == 0 and runs.stdout.rstrip().endswith(runs.stdout.rstrip().splitlines()[-1])
    # Exit handlers still run: those registered by the command, and those of a script calling run() (which then
    # exits the usual way).
    during = ("import atexit, sys; from pathlib import Path; from mltoolkit import cli; "
              f"cli.main = lambda: atexit.register(lambda: Path({str(tmp_path / 'during')!r}).write_text('yes')) "
              "and 3; cli.run()")
    before = ("import atexit, sys; from pathlib import Path; sys.argv = ['mltoolkit', '--version']; "
              f"atexit.register(lambda: Path({str(tmp_path / 'before')!r}).write_text('yes')); "
              "from mltoolkit.cli import run; run()")
    assert subprocess.run([sys.executable, "-c", during], timeout=120).returncode == 3
    assert subprocess.run([sys.executable, "-c", before], capture_output=True, timeout=120).returncode == 0
    assert (tmp_path / "during").read_text() == "yes" and (tmp_path / "before").read_text() == "yes"
