"""Property: any mixed table goes through collection, preparation, a tiny training, evaluation and drift,
ending in results or in an MLToolkitError with a message, never in another exception."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mltoolkit.drift import detect_drift
from mltoolkit.errors import MLToolkitError
from mltoolkit.framing import make_card
from mltoolkit.stages import collect_data, evaluate_stage, prepare_data, train_stage

pytestmark = pytest.mark.slow

CRITERIA = {"binary_classification": ("roc_auc", 0.5), "multiclass_classification": ("f1_macro", 0.3),
            "regression": ("r2", 0.0)}
KINDS = ("number", "yes_no", "odd_text", "zoned_dates", "naive_dates", "constant", "all_missing", "ordinal_labels")


def _column(kind: str, n: int, rng: np.random.Generator) -> pd.Series:
    gaps = rng.random(n) < rng.uniform(0, 0.3)
    if kind == "number":
        s = pd.Series(rng.normal(size=n) * 10 ** rng.integers(0, 4))
    elif kind == "yes_no":
        s = pd.Series(rng.choice(["yes", "No", "Y", "n"], n), dtype=object)
    elif kind == "odd_text":
        s = pd.Series(rng.choice(["a<b>", "ünï", " ", "1,5", "N/A", "", "x;y"], n), dtype=object)
    elif kind == "zoned_dates":
        start = pd.Timestamp("2020-01-01", tz="UTC")
        s = pd.Series((start + pd.to_timedelta(rng.integers(0, 10_000, n), "h")).strftime("%Y-%m-%dT%H:%M:%SZ"))
    elif kind == "naive_dates":
        s = pd.Series(pd.Timestamp("2019-06-01") + pd.to_timedelta(rng.integers(0, 900, n), "D"))
    elif kind == "constant":
        s = pd.Series(["same"] * n, dtype=object)
    elif kind == "ordinal_labels":
        s = pd.Series(rng.choice(["1st", "2nd", "3rd"], n), dtype=object)
    else:
        return pd.Series([None] * n, dtype=object)
    return s.mask(gaps)


def _target(task: str, frame: pd.DataFrame, n: int, rng: np.random.Generator, missing: float) -> pd.Series:
    signal = frame.select_dtypes("number").sum(axis=1).fillna(0).to_numpy() if len(frame.columns) else np.zeros(n)
    noise = rng.normal(size=n)
    if task == "regression":
        y = pd.Series(np.tanh(signal * 0.01) + noise)
    elif task == "binary_classification":
        y = pd.Series(np.where(signal * 0.01 + noise > 0, "yes", "no"), dtype=object)
    else:
        y = pd.Series(np.array(["low", "mid", "high"])[np.digitize(noise, [-0.5, 0.5])], dtype=object)
    return y.mask(rng.random(n) < missing)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=6), n=st.integers(30, 160),
       task=st.sampled_from(sorted(CRITERIA)), missing=st.sampled_from([0.0, 0.05, 0.3]),
       seed=st.integers(0, 2**16))
def test_mixed_tables_end_in_results_or_a_clear_error(kinds, n, task, missing, seed, tmp_path_factory):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"{k}_{i}": _column(k, n, rng) for i, k in enumerate(kinds)})
    frame["y"] = _target(task, frame, n, rng, missing)
    work = tmp_path_factory.mktemp("mixed")
    frame.to_csv(work / "table.csv", index=False)
    metric, threshold = CRITERIA[task]
    card = make_card(project="P", task=task, target="y", metric=metric, threshold=threshold)
    dirs = {"data_dir": work / "data", "artifacts_dir": work / "artifacts"}
    try:
        collect_data(str(work / "table.csv"), card, expectations={}, **dirs)
        prepare_data(card, preprocessor_path=work / "models" / "pre.skops", **dirs)
        train_stage(card, preprocessor_path=work / "models" / "pre.skops", model_path=work / "models" / "m.skops",
                    reference_path=work / "models" / "ref.json", candidates=["linear"], cv_folds=2,
                    time_budget_s=0, track=False, **dirs)
        result = evaluate_stage(card, model_path=work / "models" / "m.skops", importance_repeats=0, n_boot=50,
                                **dirs)
        assert result.verdict.verdict in ("met", "not met", "not established")
        train, test = (pd.read_parquet(work / "data" / f"{s}.parquet") for s in ("train", "test"))
        drift = detect_drift(train, test, target="y")
        assert 0.0 <= drift.share_drifted <= 1.0
    except MLToolkitError as exc:
        assert str(exc).strip(), "an MLToolkitError must say what is wrong"
