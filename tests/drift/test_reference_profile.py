"""Reference profiles: built once, saved, and giving the same drift as the raw reference."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mltoolkit.data import make_trial_conversion
from mltoolkit.drift import build_reference, detect_drift, load_reference
from mltoolkit.drift.reference import PROFILE_VERSION
from mltoolkit.errors import DataError, SchemaError

NUMERIC = ["website_visits", "pages_per_visit", "days_in_trial", "support_tickets"]
CATEGORICAL = ["location", "company_size", "seniority", "role", "demo_taken", "plan_type", "notes", "converted"]


def _same(a, b) -> None:
    """Same tests, verdicts and statistics (sums merged in another order may differ in the last bits)."""
    assert [(c.column, c.test, c.drifted, c.n_current) for c in a.columns] == \
        [(c.column, c.test, c.drifted, c.n_current) for c in b.columns]
    for x, y in zip(a.columns, b.columns):
        if x.test == "wasserstein":
            assert x.statistic == pytest.approx(y.statistic, rel=1e-9)
        else:
            assert (x.statistic, x.p_value) == (y.statistic, y.p_value)


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return make_trial_conversion(8_000, seed=0)


@pytest.fixture(scope="module", params=[0.0, 1.0], ids=["no-drift", "drift"])
def cur(request) -> pd.DataFrame:
    return make_trial_conversion(6_000, seed=1, drift=request.param)


@pytest.fixture(scope="module")
def profile(ref):
    return build_reference(ref)


@pytest.mark.parametrize("test", ["psi", "jensenshannon"])
def test_binned_numeric_measures_are_identical_to_raw(ref, cur, profile, test):
    tests = {c: test for c in NUMERIC}
    raw, prof = detect_drift(ref, cur, tests=tests), detect_drift(profile, cur, tests=tests)
    for c in NUMERIC:
        assert prof.column(c).statistic == raw.column(c).statistic
        assert prof.column(c).summary == raw.column(c).summary


@pytest.mark.parametrize("test", ["chisquare", "jensenshannon", "psi", "tvd"])
def test_categorical_measures_are_identical_to_raw(ref, cur, profile, test):
    tests = {c: test for c in CATEGORICAL}
    raw, prof = detect_drift(ref, cur, tests=tests), detect_drift(profile, cur, tests=tests)
    for c in CATEGORICAL:
        a, b = raw.column(c), prof.column(c)
        assert (b.statistic, b.p_value, b.drifted, b.n_reference, b.n_current) == \
            (a.statistic, a.p_value, a.drifted, a.n_reference, a.n_current)
        assert b.missing_reference == a.missing_reference and b.missing_current == a.missing_current
    assert raw.schema_changes == prof.schema_changes


def test_binary_ztest_identical(ref, cur, profile):
    raw = detect_drift(ref, cur, tests={"demo_taken": "ztest"})
    prof = detect_drift(profile, cur, tests={"demo_taken": "ztest"})
    assert prof.column("demo_taken").statistic == raw.column("demo_taken").statistic
    assert prof.column("demo_taken").p_value == raw.column("demo_taken").p_value


def test_default_verdicts_agree_and_wasserstein_within_tolerance(ref, cur, profile):
    raw, prof = detect_drift(ref, cur), detect_drift(profile, cur)
    assert [c.drifted for c in raw.columns] == [c.drifted for c in prof.columns]
    assert raw.dataset_drift == prof.dataset_drift
    for c in NUMERIC:
        assert raw.column(c).test == prof.column(c).test == "wasserstein"
        assert prof.column(c).statistic == pytest.approx(raw.column(c).statistic, abs=2e-3)


@pytest.mark.parametrize("shift", [0.0, 0.1, 0.5])
def test_sketch_measures_on_continuous_data_match_scipy(shift):
    rng = np.random.default_rng(3)
    r = pd.DataFrame({"x": rng.normal(size=40_000), "y": rng.lognormal(size=40_000)})
    c = pd.DataFrame({"x": rng.normal(shift, 1.2, size=700), "y": rng.lognormal(shift, 1.0, size=700)})
    profile = build_reference(r)
    for col in "xy":
        prof = detect_drift(profile, c, tests={col: "ks"}, columns=[col]).column(col)
        exact = stats.ks_2samp(r[col], c[col])
        assert prof.statistic == pytest.approx(exact.statistic, abs=2e-3)
        assert prof.p_value == pytest.approx(exact.pvalue, rel=0.25, abs=1e-3)
        w = detect_drift(profile, c, tests={col: "wasserstein"}, columns=[col]).column(col).statistic
        assert w == pytest.approx(stats.wasserstein_distance(r[col], c[col]) / r[col].std(ddof=0), abs=2e-3)


def test_streamed_profile_agrees_with_in_memory(tmp_path, ref, cur, profile):
    folder = tmp_path / "ref"
    folder.mkdir()
    for i in range(4):
        ref.iloc[i * 2_000:(i + 1) * 2_000].to_parquet(folder / f"part-{i}.parquet")
    streamed = build_reference(folder, batch_rows=900)
    assert not streamed.exact and 0 < streamed.rank_error < 0.01
    assert streamed.fingerprint == profile.fingerprint  # batching and files do not change the content hash
    for a, b in zip(profile.columns, streamed.columns):
        assert (a.name, a.kind, a.n, a.n_missing, a.categories) == (b.name, b.kind, b.n, b.n_missing, b.categories)
        if a.kind == "numeric":
            assert b.min == a.min and b.max == a.max
            assert b.mean == pytest.approx(a.mean, rel=1e-12) and b.std == pytest.approx(a.std, rel=1e-9)
    raw, prof = detect_drift(ref, cur), detect_drift(streamed, cur)
    assert [c.drifted for c in raw.columns] == [c.drifted for c in prof.columns]
    for c in NUMERIC:
        assert prof.column(c).statistic == pytest.approx(raw.column(c).statistic, abs=0.01)


def test_current_batches_from_parquet_give_the_same_result(tmp_path, cur, profile):
    folder = tmp_path / "cur"
    folder.mkdir()
    cur.iloc[:2_500].to_parquet(folder / "a.parquet")
    cur.iloc[2_500:].to_parquet(folder / "b.parquet")
    in_memory = detect_drift(profile, cur)
    streamed = detect_drift(profile, folder, batch_rows=700)
    _same(streamed, in_memory)
    assert streamed.n_current == len(cur)


def test_save_load_round_trip_and_json_is_documented_shape(tmp_path, ref, profile):
    path = profile.save(tmp_path / "reference.json")
    loaded = load_reference(path)
    assert loaded == profile
    body = json.loads(path.read_text())
    assert body["format"] == "mltoolkit.reference-profile" and body["version"] == PROFILE_VERSION
    assert body["n_rows"] == len(ref) and body["fingerprint"]["n_rows"] == len(ref)
    with pytest.raises(Exception, match="exists"):
        profile.save(path)
    cur = make_trial_conversion(3_000, seed=9, drift=1.0)
    assert detect_drift(str(path), cur).drifted_columns == detect_drift(profile, cur).drifted_columns


def test_older_format_version_gets_an_upgrade_message(tmp_path, profile):
    body = profile.to_dict()
    body["version"] = PROFILE_VERSION - 1
    from mltoolkit.drift.reference import _checksum

    body["checksum"] = _checksum(body)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(body))
    with pytest.raises(DataError, match=r"format version 0.*rebuild it .*mltoolkit reference"):
        load_reference(path)


def test_corrupted_profiles_are_refused(tmp_path, profile):
    path = profile.save(tmp_path / "reference.json")
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(DataError, match="corrupted"):
        load_reference(path)
    body = profile.to_dict()
    body["columns"][6]["mean"] = 123.0  # edited by hand
    path.write_text(json.dumps(body))
    with pytest.raises(DataError, match="checksum"):
        load_reference(path)
    with pytest.raises(DataError, match="does not exist"):
        load_reference(tmp_path / "nope.json")


def test_batch_with_a_different_schema_is_refused(profile):
    cur = make_trial_conversion(500, seed=2)
    with pytest.raises(SchemaError, match=r"missing column\(s\): 'role'"):
        detect_drift(profile, cur.drop(columns=["role"]))
    changed = cur.assign(days_in_trial=np.where(cur["days_in_trial"].notna(), "x", None))
    with pytest.raises(SchemaError, match="'days_in_trial' was numeric in the reference"):
        detect_drift(profile, changed)
    extra = detect_drift(profile, cur.assign(new_feature=1.0))
    assert [(s.change, s.column) for s in extra.schema_changes if s.change == "added"] == [("added", "new_feature")]


@pytest.mark.slow
def test_dask_current_and_reference_equal_in_memory(dask_client, ref, profile):
    dd = pytest.importorskip("dask.dataframe")
    cur = make_trial_conversion(6_000, seed=1, drift=1.0)
    in_memory = detect_drift(profile, cur)
    on_cluster = detect_drift(profile, dd.from_pandas(cur, npartitions=4))
    _same(on_cluster, in_memory)
    streamed = build_reference(dd.from_pandas(ref, npartitions=3))
    assert streamed.fingerprint["content_hash"] == profile.fingerprint["content_hash"]
    assert [c.categories for c in streamed.columns] == [c.categories for c in profile.columns]
    assert [c.n for c in streamed.columns] == [c.n for c in profile.columns]


def test_ks_against_a_profile_keeps_nominal_level_on_tied_counts():
    # Before, the profile used the continuous Kolmogorov p-value: about 0.5% false alarms on such a column.
    rng = np.random.default_rng(12)
    p = [detect_drift(build_reference(pd.DataFrame({"x": rng.poisson(0.7, 300).astype(float)})),
                      pd.DataFrame({"x": rng.poisson(0.7, 300).astype(float)}), tests={"x": "ks"}).column("x").p_value
         for _ in range(300)]
    assert 0.02 <= np.mean(np.array(p) < 0.05) <= 0.085


def test_ks_on_tied_counts_agrees_between_profile_and_raw_reference():
    rng = np.random.default_rng(13)
    r = pd.DataFrame({"x": rng.poisson(2.0, 3_000).astype(float)})
    for shift in (0.0, 0.1, 0.2):
        c = pd.DataFrame({"x": rng.poisson(2.0 + shift, 800).astype(float)})
        raw = detect_drift(r, c, tests={"x": "ks"}).column("x")
        prof = detect_drift(build_reference(r), c, tests={"x": "ks"}).column("x")
        assert prof.statistic == pytest.approx(stats.ks_2samp(r["x"], c["x"]).statistic, abs=1e-12)
        assert prof.statistic == pytest.approx(raw.statistic, abs=1e-12)
        assert prof.p_value == pytest.approx(raw.p_value, abs=0.03)  # two Monte Carlo estimates of one p-value
