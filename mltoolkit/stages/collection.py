"""Stage 02, data collection: load, validate against expectations, fingerprint, split, save."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import (
    DatasetFingerprint,
    Expectations,
    SplitSummary,
    ValidationReport,
    check_expectations,
    fingerprint,
    infer_schema,
    load,
    save_splits,
    split_dataset,
)
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.framing import ProjectCard

__all__ = ["CollectionResult", "collect_data", "resolve_expectations", "MISSING_TARGET_POLICIES"]

#: What data collection does with rows whose target is missing: drop them (counted), or refuse the table.
MISSING_TARGET_POLICIES = ("drop", "refuse")


def resolve_expectations(expectations: Mapping[str, Any] | None, card: ProjectCard) -> Expectations:
    """The expectations to check: the given ones, else the project's (``data.expectations``), else none.

    The target is always required (its missing values are handled before the checks).
    """
    if expectations is None and card.data is not None:
        expectations = card.data.expectations
    return Expectations.from_dict(expectations).with_target(card.target)


@dataclasses.dataclass(frozen=True)
class CollectionResult:
    """What data collection produced (paths are relative to the working directory)."""

    source: str
    validation: ValidationReport
    fingerprint: DatasetFingerprint
    split: SplitSummary
    paths: dict[str, str]
    rows_read: int = 0
    missing_target_dropped: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = to_jsonable({k: v for k, v in dataclasses.asdict(self).items() if k != "fingerprint"})
        data["fingerprint"] = self.fingerprint.to_dict()
        return data


def collect_data(source: str | None, card: ProjectCard, *, table: str | None = None, query: str | None = None,
                 encoding: str | None = None, expectations: Mapping[str, Any] | None = None,
                 strategy: str | None = None, time_column: str | None = None, validation_size: float = 0.2,
                 test_size: float = 0.2, seed: int = 42, missing_target: str = "drop", data_dir: str | Path = "data",
                 artifacts_dir: str | Path = "artifacts") -> CollectionResult:
    """Load the data, check it, fingerprint it, decide its schema and save train/validation/test Parquet files.

    Parameters left at None come from the project card (``data`` section of
    ``mltoolkit.yml``): the source, table, query, encoding, expectations and
    time column. ``strategy`` None splits by time when there is a time column,
    else stratified (random for regression). Rows whose target is missing are
    dropped and counted (``missing_target="refuse"`` refuses the table instead).

    Writes ``<data_dir>/{train,validation,test}.parquet`` and
    ``<artifacts_dir>/{data_validation,data_fingerprint,split,schema}.json``. Data that
    fails its expectations is refused (:class:`~mltoolkit.errors.SchemaError`)
    after the validation report is written, so the failed checks can be read.
    """
    data = card.data
    source = source or (data.source if data else None)
    if not source:
        raise ConfigError("no data source: set data.source in mltoolkit.yml (or the stage's source parameter)",
                          parameter="data.source")
    if missing_target not in MISSING_TARGET_POLICIES:
        raise ConfigError(f"missing_target must be one of {MISSING_TARGET_POLICIES}, got {missing_target!r}",
                          parameter="missing_target")
    if data is not None:
        table, query = table or data.table, query or data.query
        encoding = encoding or data.encoding
        time_column = time_column or data.time_column
    df = load(source, table=table, query=query, encoding=encoding)
    rows_read, dropped = len(df), 0
    if card.target in df.columns:  # the target's own problems get the most specific message first
        missing = df[card.target].isna()
        if missing.any() and not missing.all() and missing_target == "drop":
            dropped = int(missing.sum())
            df = df.loc[~missing].reset_index(drop=True)
        card.check_target(df[card.target], source=str(source))
    for key, names in (("data.id_columns", card.id_columns), ("data.drop_columns", card.drop_columns),
                       ("data.column_kinds", tuple(card.column_kinds))):
        unknown = [n for n in names if n not in df.columns]
        if unknown:
            raise DataError(f"{key} in mltoolkit.yml names column(s) {unknown} that {source} does not have; "
                            f"its columns are: {', '.join(map(str, df.columns[:30]))}", column=unknown[0],
                            parameter=key)
    if time_column is not None and time_column not in df.columns:
        raise DataError(f"time column '{time_column}' is not a column of {source}; set data.time_column in "
                        f"mltoolkit.yml to one of: {', '.join(map(str, df.columns[:20]))}", column=time_column,
                        parameter="data.time_column")
    if strategy is None:
        strategy = "time" if time_column else "stratified"
    exp = resolve_expectations(expectations, card)
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
    kinds = {**card.column_kinds, **{c: "identifier" for c in card.id_columns if c in df.columns}}
    schema = infer_schema(df.drop(columns=[card.target]), overrides=kinds)
    (art / "schema.json").write_text(json.dumps(schema.to_dict(), indent=2), encoding="utf-8")
    return CollectionResult(source=str(source), validation=report, fingerprint=fp, split=split.summary, paths=paths,
                            rows_read=rows_read, missing_target_dropped=dropped)
