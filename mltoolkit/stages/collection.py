"""Stage 02, data collection: load, validate against expectations, fingerprint, split, save."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import (
    DEMO_EXPECTATIONS,
    DatasetFingerprint,
    Expectations,
    SplitSummary,
    ValidationReport,
    check_expectations,
    fingerprint,
    load,
    save_splits,
    split_dataset,
)
from mltoolkit.framing import ProjectCard

__all__ = ["CollectionResult", "collect_data", "resolve_expectations"]


def resolve_expectations(expectations: Mapping[str, Any] | None, source: str, target: str | None) -> Expectations:
    """The expectations to check: the given ones, the demo's for demo data, else only the target's.

    The target is always required and must have no missing values.
    """
    if expectations is None and str(source).startswith("demo://"):
        expectations = DEMO_EXPECTATIONS
    return Expectations.from_dict(expectations).with_target(target)


@dataclasses.dataclass(frozen=True)
class CollectionResult:
    """What data collection produced (paths are relative to the working directory)."""

    source: str
    validation: ValidationReport
    fingerprint: DatasetFingerprint
    split: SplitSummary
    paths: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        data = to_jsonable({k: v for k, v in dataclasses.asdict(self).items() if k != "fingerprint"})
        data["fingerprint"] = self.fingerprint.to_dict()
        return data


def collect_data(source: str, card: ProjectCard, *, table: str | None = None, query: str | None = None,
                 encoding: str = "utf-8", expectations: Mapping[str, Any] | None = None,
                 strategy: str = "stratified", time_column: str | None = None, validation_size: float = 0.2,
                 test_size: float = 0.2, seed: int = 42, data_dir: str | Path = "data",
                 artifacts_dir: str | Path = "artifacts") -> CollectionResult:
    """Load ``source``, check it, fingerprint it and save train/validation/test Parquet files.

    Writes ``<data_dir>/{train,validation,test}.parquet`` and
    ``<artifacts_dir>/{data_validation,data_fingerprint,split}.json``. Data that
    fails its expectations is refused (:class:`~mltoolkit.errors.SchemaError`)
    after the validation report is written, so the failed checks can be read.
    """
    df = load(source, table=table, query=query, encoding=encoding)
    if card.target in df.columns:  # the target's own problems get the most specific message first
        card.check_target(df[card.target], source=str(source))
    exp = resolve_expectations(expectations, source, card.target)
    report = check_expectations(df, exp, source=str(source))
    art = Path(artifacts_dir)
    art.mkdir(parents=True, exist_ok=True)
    (art / "data_validation.json").write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    report.raise_if_failed()
    fp = fingerprint(df)
    if strategy == "stratified" and card.task_kind == "regression":
        strategy = "random"  # nothing to stratify on a continuous target
    split = split_dataset(df, target=card.target, strategy=strategy, time_column=time_column,
                          validation_size=validation_size, test_size=test_size, seed=seed)
    paths = {k: str(v) for k, v in save_splits(split, data_dir).items()}
    (art / "data_fingerprint.json").write_text(json.dumps({**fp.to_dict(), "source": str(source)}, indent=2),
                                               encoding="utf-8")
    (art / "split.json").write_text(json.dumps(split.summary.to_dict(), indent=2), encoding="utf-8")
    return CollectionResult(source=str(source), validation=report, fingerprint=fp, split=split.summary, paths=paths)
