"""The package's metadata, conda environment and wheel stay consistent."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name_and_bound(spec: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", spec.strip())
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = dict(_name_and_bound(d) for d in project["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_name_and_bound(d) for d in env["dependencies"] if isinstance(d, str))
    conda.pop("pip", None)
    python_bound = conda.pop("python")
    assert python_bound == project["requires-python"]
    assert conda == runtime


def test_dependencies_have_lower_bounds_not_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dep in project["dependencies"]:
        assert ">=" in dep and "==" not in dep, dep


@pytest.mark.slow
def test_wheel_ships_notebooks_and_templates(tmp_path):
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("mltoolkit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"mltoolkit/_bundled/notebooks/{nb.name}" in names
    for tpl in (ROOT / "templates").rglob("*"):
        if tpl.is_file():
            assert f"mltoolkit/_bundled/templates/{tpl.relative_to(ROOT / 'templates').as_posix()}" in names
    assert "mltoolkit/cli.py" in names
    # JupyterLab saves widget state with notebooks by default where mltoolkit is installed.
    setting = next(n for n in names if n.endswith("share/jupyter/lab/settings/overrides.d/mltoolkit.json"))
    saved = json.loads(zipfile.ZipFile(wheel).read(setting))
    assert saved["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
