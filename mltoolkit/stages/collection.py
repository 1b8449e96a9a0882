"""Stage 02, data collection: load, validate against expectations, fingerprint, split, save.

The stage is six steps, each one cell of ``02_data_collection.ipynb``:
:func:`load_source` (the table and how it was read), :func:`drop_missing_labels`
(rows without a target), :func:`decide_schema` (the kind of every column, and
why), :func:`validate_data` (the expectations), :func:`split_data` (train,
validation and test) and :func:`save_collected` (the files and the data
version). :func:`collect_data` runs them in one call.
"""
from __future__ import annotations

import dataclasses
import json
import warnings
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
    load,
    save_splits,
    split_dataset,
)
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.framing import ProjectCard
from mltoolkit.stages._collection_steps import (
    CollectedSplit,
    DecidedSchema,
    LoadedData,
    class_balance,
    decided_kinds,
)

__all__ = ["CollectionResult", "collect_data", "resolve_expectations", "MISSING_TARGET_POLICIES", "LoadedData",
           "DecidedSchema", "CollectedSplit", "load_source", "drop_missing_labels", "decide_schema", "validate_data",
           "split_data", "save_collected"]

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


def _check_policy(missing_target: str) -> None:
    if missing_target not in MISSING_TARGET_POLICIES:
        raise ConfigError(f"missing_target must be one of {MISSING_TARGET_POLICIES}, got {missing_target!r}",
                          parameter="missing_target")


def _source(source: str | None, card: ProjectCard) -> str:
    source = source or (card.data.source if card.data else None)
    if not source:
        raise ConfigError("no data source: set data.source in mltoolkit.yml (or the stage's source parameter)",
                          parameter="data.source")
    return str(source)


def load_source(source: str | None, card: ProjectCard, *, table: str | None = None, query: str | None = None,
                encoding: str | None = None) -> LoadedData:
    """Read the data: ``source`` or the card's ``data.source`` (table, query and encoding likewise).

    How a file was read when it was not plain UTF-8 comma-separated text (a
    :class:`~mltoolkit.data.load.LoadWarning`) is kept in ``warnings`` of the
    result instead of being warned.

    Raises
    ------
    ConfigError
        No source given and none in the card.
    DataError
        The source cannot be read (see :func:`mltoolkit.data.load`).
    """
    from mltoolkit.data.load import LoadWarning

    data = card.data
    source = _source(source, card)
    if data is not None:
        table, query = table or data.table, query or data.query
        encoding = encoding or data.encoding
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load(source, table=table, query=query, encoding=encoding)
    for w in caught:  # only how the file was read is the step's to report; others go on as warnings
        if not issubclass(w.category, LoadWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, LoadWarning))
    return LoadedData(data=df, source=source, rows_read=len(df), table=table, query=query, warnings=notes)


def drop_missing_labels(loaded: LoadedData, card: ProjectCard, *, missing_target: str = "drop") -> LoadedData:
    """Leave out the rows whose target is missing (counted), then check the target fits the card.

    ``missing_target="refuse"`` refuses a table with any such row instead. A
    target that is not a column of the data is left to the expectations (the
    target is always required).

    Raises
    ------
    ConfigError
        An unknown ``missing_target``.
    DataError
        Rows without a target and ``missing_target="refuse"``, or no target value at all.
    SchemaError
        A target that does not fit the card (one class, a positive class that never occurs, ...).
    """
    _check_policy(missing_target)
    df, dropped = loaded.data, 0
    if card.target in df.columns:  # the target's own problems get the most specific message first
        missing = df[card.target].isna()
        if missing.any() and not missing.all() and missing_target == "drop":
            dropped = int(missing.sum())
            df = df.loc[~missing].reset_index(drop=True)
        card.check_target(df[card.target], source=loaded.source)
    return dataclasses.replace(loaded, data=df, missing_target_dropped=dropped, target=card.target,
                               target_present=card.target in df.columns)


def decide_schema(loaded: LoadedData, card: ProjectCard, *, time_column: str | None = None) -> DecidedSchema:
    """The kind of every column but the target: the card's column roles first, inference for the rest.

    ``time_column`` overrides the card's ``data.time_column``.

    Raises
    ------
    DataError
        The card names id, dropped, kind-forced or time columns the data does not have.
    """
    df, source = loaded.data, loaded.source
    for key, names in (("data.id_columns", card.id_columns), ("data.drop_columns", card.drop_columns),
                       ("data.column_kinds", tuple(card.column_kinds))):
        unknown = [n for n in names if n not in df.columns]
        if unknown:
            raise DataError(f"{key} in mltoolkit.yml names column(s) {unknown} that {source} does not have; "
                            f"its columns are: {', '.join(map(str, df.columns[:30]))}", column=unknown[0],
                            parameter=key)
    time_column = time_column or (card.data.time_column if card.data is not None else None)
    if time_column is not None and time_column not in df.columns:
        raise DataError(f"time column '{time_column}' is not a column of {source}; set data.time_column in "
                        f"mltoolkit.yml to one of: {', '.join(map(str, df.columns[:20]))}", column=time_column,
                        parameter="data.time_column")
    return decided_kinds(df, card, time_column)


def validate_data(loaded: LoadedData, card: ProjectCard, *, expectations: Mapping[str, Any] | None = None,
                  artifacts_dir: str | Path = "artifacts") -> ValidationReport:
    """Check the data against its expectations (see :func:`resolve_expectations`); write ``data_validation.json``.

    Raises
    ------
    SchemaError
        Some check failed (listed in the message), after the report is written so every check can be read.
    """
    report = check_expectations(loaded.data, resolve_expectations(expectations, card), source=loaded.source)
    art = Path(artifacts_dir)
    art.mkdir(parents=True, exist_ok=True)
    (art / "data_validation.json").write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    report.raise_if_failed()
    return report


def split_data(loaded: LoadedData, card: ProjectCard, schema: DecidedSchema, *, strategy: str | None = None,
               validation_size: float = 0.2, test_size: float = 0.2, seed: int = 42) -> CollectedSplit:
    """Split into train, validation and test (see :func:`mltoolkit.data.split_dataset`).

    ``strategy`` None splits by time when there is a time column, else
    stratified on the target (random for regression: nothing to stratify).
    """
    time_column = schema.time_column
    if strategy is None:
        strategy = "time" if time_column else "stratified"
    if strategy == "stratified" and card.task_kind == "regression":
        strategy = "random"  # nothing to stratify on a continuous target
    split = split_dataset(loaded.data, target=card.target, strategy=strategy, time_column=time_column,
                          validation_size=validation_size, test_size=test_size, seed=seed)
    return CollectedSplit(split=split, target=card.target, time_column=time_column,
                          balance=class_balance(split, card.target, card.task_kind))


def save_collected(loaded: LoadedData, schema: DecidedSchema, validation: ValidationReport, split: CollectedSplit, *,
                   data_dir: str | Path = "data", artifacts_dir: str | Path = "artifacts") -> CollectionResult:
    """Save the splits as Parquet, and the data version, split summary and schema as JSON.

    Writes ``<data_dir>/{train,validation,test}.parquet`` and
    ``<artifacts_dir>/{data_fingerprint,split,schema}.json``.
    """
    parts = split.split
    fp = fingerprint(loaded.data)
    art = Path(artifacts_dir)
    art.mkdir(parents=True, exist_ok=True)
    paths = {k: str(v) for k, v in save_splits(parts, data_dir).items()}
    (art / "data_fingerprint.json").write_text(json.dumps({**fp.to_dict(), "source": loaded.source}, indent=2),
                                               encoding="utf-8")
    (art / "split.json").write_text(json.dumps(parts.summary.to_dict(), indent=2), encoding="utf-8")
    (art / "schema.json").write_text(json.dumps(schema.schema.to_dict(), indent=2), encoding="utf-8")
    return CollectionResult(source=loaded.source, validation=validation, fingerprint=fp, split=parts.summary,
                            paths=paths, rows_read=loaded.rows_read, missing_target_dropped=loaded.missing_target_dropped)


def collect_data(source: str | None, card: ProjectCard, *, table: str | None = None, query: str | None = None,
                 encoding: str | None = None, expectations: Mapping[str, Any] | None = None,
                 strategy: str | None = None, time_column: str | None = None, validation_size: float = 0.2,
                 test_size: float = 0.2, seed: int = 42, missing_target: str = "drop", data_dir: str | Path = "data",
                 artifacts_dir: str | Path = "artifacts") -> CollectionResult:
    """Load the data, check it, fingerprint it, decide its schema and save train/validation/test Parquet files.

    The six steps in one call: :func:`load_source`, :func:`drop_missing_labels`,
    :func:`decide_schema`, :func:`validate_data`, :func:`split_data` and
    :func:`save_collected`.

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
    _source(source, card)  # a missing source is named before a bad policy, as it always was
    _check_policy(missing_target)
    loaded = load_source(source, card, table=table, query=query, encoding=encoding)
    from mltoolkit.data.load import LoadWarning

    for note in loaded.warnings:  # the one-call stage warns as loading always did
        warnings.warn(note, LoadWarning, stacklevel=2)
    loaded = drop_missing_labels(loaded, card, missing_target=missing_target)
    schema = decide_schema(loaded, card, time_column=time_column)
    report = validate_data(loaded, card, expectations=expectations, artifacts_dir=artifacts_dir)
    split = split_data(loaded, card, schema, strategy=strategy, validation_size=validation_size, test_size=test_size,
                       seed=seed)
    return save_collected(loaded, schema, report, split, data_dir=data_dir, artifacts_dir=artifacts_dir)
