"""The lifecycle on real public tables: `mltoolkit init` + `mltoolkit run`, no other edit.

For each table of tests/pipeline/real_tables.py: the stage times of the run,
the test metric of the chosen model with its interval, and the same metric of
a default HistGradientBoosting model fitted on the run's own train split and
scored on its test split (categories from dtype, dates as numbers, ids left
out), so the lifecycle's model is judged against a strong default.

Usage::

    python benchmarks/bench_real_tables.py [--tables weather cars] [--budget 10] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "pipeline"))
from real_tables import TABLES  # noqa: E402

from mltoolkit.artifacts import read_artifact  # noqa: E402
from mltoolkit.data.schema import to_datetimes  # noqa: E402
from mltoolkit.framing import load_card  # noqa: E402


def _features(df: pd.DataFrame, drop: list[str], kinds: dict[str, str]) -> pd.DataFrame:
    """Dates as seconds, booleans and categories as pandas categories (codes when over HGB's 255), as a user would."""
    X = df.drop(columns=[c for c in drop if c in df.columns]).copy()
    for col in X.columns:
        s = X[col]
        if kinds.get(col) == "datetime" or pd.api.types.is_datetime64_any_dtype(s):
            X[col] = to_datetimes(s).dt.tz_localize(None).astype("int64").where(s.notna()) / 1e9
        elif not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            text = s.astype("string")
            X[col] = pd.Series(np.where(text.isna(), None, text.astype(object)), index=s.index).astype("category")
            if X[col].cat.categories.size > 250:
                X[col] = X[col].cat.codes.replace(-1, np.nan).astype(float)
    return X


def default_hgb_score(run_dir: Path) -> float:
    """The card's metric of a default HistGradientBoosting model on the run's own split."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import get_scorer

    from mltoolkit.evaluate.registry import METRICS

    card = load_card(run_dir / "project_card.yml")
    train, test = (pd.read_parquet(run_dir / "data" / f"{s}.parquet") for s in ("train", "test"))
    drop = [card.target, *card.id_columns, *card.drop_columns]
    schema = read_artifact(run_dir / "artifacts", "schema")
    kinds = {c.name: c.kind for c in schema.columns} if schema is not None else {}
    X_train, X_test = _features(train, drop, kinds), _features(test, drop, kinds)
    for col in X_train.select_dtypes("category"):
        cats = X_train[col].cat.categories
        values = X_test[col].astype(object)
        X_test[col] = pd.Categorical(values.where(values.isin(cats), None), categories=cats)
    y_train, y_test = train[card.target], test[card.target]
    if card.task_kind == "regression":
        model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=0)
    else:
        model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
        if card.task_kind == "binary":
            y_train, y_test = ((y.astype(str) == str(card.positive_class)).astype(int) for y in (y_train, y_test))
        else:
            y_train, y_test = y_train.astype(str), y_test.astype(str)
    model.fit(X_train, y_train)
    spec = METRICS[card.success.metric]
    scorer = get_scorer(spec.scorer if card.success.metric != "roc_auc" or card.task_kind == "binary"
                        else "roc_auc_ovr")
    value = float(scorer(model, X_test, y_test))
    return value if spec.higher_is_better else -value


def run_table(name: str, folder: Path, budget: float) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    args = TABLES[name](folder)
    cli = [sys.executable, "-m", "mltoolkit"]
    subprocess.run([*cli, "init", "proj", *args], cwd=folder, check=True, capture_output=True, text=True)
    t0 = time.perf_counter()
    run = subprocess.run([*cli, "run", "-p", f"training.time_budget_s={budget}", "-p",
                          f"retraining.time_budget_s={budget}"], cwd=folder / "proj", capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if run.returncode != 0:
        return {"table": name, "error": (run.stdout + run.stderr)[-600:]}
    run_dir = Path(run.stdout.strip().splitlines()[-1].split(": ", 1)[1])
    record = json.loads((run_dir / "run.json").read_text())
    verdict = read_artifact(run_dir / "artifacts", "evaluation")
    return {"table": name, "seconds": seconds, "stages": {s["stage"]: s["seconds"] for s in record["stages"]},
            "metric": verdict.metric, "value": verdict.value, "ci": (verdict.ci_low, verdict.ci_high),
            "verdict": verdict.verdict, "hgb": default_hgb_score(run_dir)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=sorted(TABLES), choices=sorted(TABLES))
    parser.add_argument("--budget", type=float, default=10.0, help="tuning seconds for training and retraining")
    parser.add_argument("--keep", type=Path, help="folder to keep the projects in (default: a temporary one)")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="mltoolkit-real-"))
    rows = [run_table(name, base / name, args.budget) for name in args.tables]
    stages = ["problem_framing", "data_collection", "eda", "data_preparation", "training", "evaluation",
              "deployment", "monitoring", "retraining"]
    print(f"{'table':<15}{'total s':>8}  " + " ".join(f"{s[:6]:>6}" for s in stages)
          + f"  {'metric':<9}{'model [95% CI]':<26}{'HGB':>7}  verdict")
    for r in rows:
        if "error" in r:
            print(f"{r['table']:<15}FAILED: {r['error']}")
            continue
        times = " ".join(f"{r['stages'].get(s) or float('nan'):6.1f}" for s in stages)
        ci = r["ci"]
        model = f"{r['value']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci[0] is not None else f"{r['value']:.3f}"
        print(f"{r['table']:<15}{r['seconds']:8.1f}  {times}  {r['metric']:<9}{model:<26}{r['hgb']:7.3f}  "
              f"{r['verdict']}")
    print(f"projects in {base}")


if __name__ == "__main__":
    main()
