"""A model package is checked as a whole at load: manifest schema, files, the model against its description, HMAC."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.deploy import build_package, load_package
from mltoolkit.deploy.package import KEY_ENV
from mltoolkit.errors import ModelPackageError
from mltoolkit.models import file_sha256


@pytest.fixture
def copy(package, tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(KEY_ENV, raising=False)
    out = tmp_path / "pkg"
    shutil.copytree(package, out)
    return out


def _edit_manifest(directory: Path, edit) -> None:
    manifest = json.loads((directory / "package.json").read_text())
    edit(manifest)
    (directory / "package.json").write_text(json.dumps(manifest))


def _swap_model(directory: Path, model) -> None:
    """Replace the model and rewrite every checksum to match, as someone with write access could."""
    import skops.io as sio

    sio.dump(model, directory / "model.skops")
    info = json.loads((directory / "model.json").read_text())
    info["sha256"] = file_sha256(directory / "model.skops")
    (directory / "model.json").write_text(json.dumps(info))
    _edit_manifest(directory, lambda m: m.update(files={p.name: file_sha256(p) for p in sorted(directory.iterdir())
                                                        if p.name != "package.json"}))


def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and isinstance(exc.value, ModelPackageError)
    return text


def test_manifest_that_is_not_json_is_refused_naming_the_file(copy):
    (copy / "package.json").write_text("{not json")
    with pytest.raises(ModelPackageError) as exc:
        load_package(copy)
    assert "package.json: not valid JSON" in _one_line(exc) and exc.value.path == str(copy / "package.json")


@pytest.mark.parametrize(("manifest", "expected"), [
    ({}, "key 'mltoolkit_version' is missing"),
    ([], "must hold a JSON object"),
    ("files", "must hold a JSON object"),
])
def test_manifest_is_checked_against_its_schema(copy, manifest, expected):
    (copy / "package.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelPackageError) as exc:
        load_package(copy)
    assert expected in _one_line(exc)


def test_manifest_keys_of_the_wrong_type_are_named(copy):
    _edit_manifest(copy, lambda m: m.update(files=["model.skops"]))
    with pytest.raises(ModelPackageError, match="key 'files' must be an object, got list"):
        load_package(copy)
    _edit_manifest(copy, lambda m: m.update(files={}, decision_threshold="high"))
    with pytest.raises(ModelPackageError, match="key 'decision_threshold' must be a number or null"):
        load_package(copy)


@pytest.mark.parametrize("name", ["../outside.json", "/etc/hostname", "sub/inner.json"])
def test_manifest_entries_outside_the_package_are_refused(copy, name):
    _edit_manifest(copy, lambda m: m["files"].update({name: "0" * 64}))
    with pytest.raises(ModelPackageError) as exc:
        load_package(copy)
    assert "not a file inside the package folder" in _one_line(exc)


def test_a_listed_link_out_of_the_package_is_refused(copy, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text((copy / "model_card.md").read_text())
    (copy / "model_card.md").unlink()
    (copy / "model_card.md").symlink_to(outside)
    with pytest.raises(ModelPackageError, match="points outside the package folder"):
        load_package(copy)


def test_unlisted_files_are_refused(copy):
    (copy / "run_me.py").write_text("print('hello')\n")
    with pytest.raises(ModelPackageError) as exc:
        load_package(copy)
    assert "['run_me.py'], not listed in package.json" in _one_line(exc)


def test_a_model_without_column_names_is_refused(copy):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    _swap_model(copy, LogisticRegression().fit(rng.random((40, 13)), np.arange(40) % 2))
    with pytest.raises(ModelPackageError) as exc:
        load_package(copy)
    assert "model.skops: the model does not record the columns it was fitted on" in _one_line(exc)


def test_a_model_fitted_on_other_columns_is_refused(copy):
    from sklearn.linear_model import LogisticRegression

    df = make_trial_conversion(80, seed=2)
    _swap_model(copy, LogisticRegression().fit(df[["website_visits", "pages_per_visit"]].fillna(0), df["converted"]))
    with pytest.raises(ModelPackageError) as exc:
        load_package(copy)
    assert "do not match input_schema.json" in _one_line(exc)


def test_a_model_with_other_classes_is_refused(copy):
    from sklearn.dummy import DummyClassifier

    df = make_trial_conversion(80, seed=2)
    labels = np.where(df["converted"].astype(int) == 1, "yes", "no")
    _swap_model(copy, DummyClassifier().fit(df.drop(columns="converted"), labels))
    with pytest.raises(ModelPackageError) as exc:
        load_package(copy)
    assert "the model's classes ['no', 'yes'] do not match model.json" in _one_line(exc)


def test_serve_refuses_a_swapped_model_instead_of_starting_unhealthy(copy):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    _swap_model(copy, LogisticRegression().fit(rng.random((40, 13)), np.arange(40) % 2))
    # Port 9 (discard) is never bound: the command must stop before it listens.
    proc = subprocess.run([sys.executable, "-m", "mltoolkit", "serve", str(copy), "--port", "9"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "model.skops" in errors[0] and "Traceback" not in proc.stderr


@pytest.fixture
def signed(package, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(KEY_ENV, "a long and random secret")
    root = package.parent
    return build_package(tmp_path / "signed", model_path=root / "models" / "model.skops", data_dir=root / "data",
                         artifacts_dir=root / "artifacts")


def test_signed_package_loads_only_with_its_key(signed, monkeypatch):
    manifest = json.loads((signed / "package.json").read_text())
    assert manifest["signature"]["algorithm"] == "hmac-sha256" and len(manifest["signature"]["value"]) == 64
    assert load_package(signed).version
    monkeypatch.setenv(KEY_ENV, "another secret")
    with pytest.raises(ModelPackageError, match=f"signature does not match the key in {KEY_ENV}"):
        load_package(signed)
    monkeypatch.delenv(KEY_ENV)
    assert load_package(signed).version  # without a key, checksums only (documented)


def test_signature_catches_rewritten_checksums(signed):
    from sklearn.linear_model import LogisticRegression

    df = make_trial_conversion(80, seed=2)
    _swap_model(signed, LogisticRegression().fit(df[["website_visits"]].fillna(0), df["converted"]))
    with pytest.raises(ModelPackageError, match="signature does not match"):
        load_package(signed)


def test_with_a_key_set_an_unsigned_package_is_refused(copy, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "a long and random secret")
    with pytest.raises(ModelPackageError, match="not signed"):
        load_package(copy)
    monkeypatch.setenv(KEY_ENV, " ")
    with pytest.raises(ModelPackageError, match="set but empty"):
        load_package(copy)
