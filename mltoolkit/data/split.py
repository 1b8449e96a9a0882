"""Train / validation / test splits: random, stratified or by time, reproducible by seed."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import to_datetimes
from mltoolkit.errors import ConfigError, DataError, SchemaError

__all__ = ["STRATEGIES", "SPLIT_NAMES", "Split", "SplitSummary", "split_dataset", "save_splits", "load_split"]

STRATEGIES = ("random", "stratified", "time")
SPLIT_NAMES = ("train", "validation", "test")


@dataclasses.dataclass(frozen=True)
class SplitSummary:
    """Sizes and target balance of each part, for reports and ``split.json``.

    ``time_range`` gives each part's first and last time as text: dates and
    times as pandas prints them (UTC for zoned times), numbers such as years
    as numbers (``"1950"``), periods as periods (``"2020Q1"``).
    """

    strategy: str
    seed: int
    rows: dict[str, int]
    target_mean: dict[str, float | None]
    time_range: dict[str, tuple[str, str]] | None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    summary: SplitSummary

    def parts(self) -> dict[str, pd.DataFrame]:
        return {"train": self.train, "validation": self.validation, "test": self.test}


def _check_sizes(validation_size: float, test_size: float) -> None:
    for name, value in (("validation_size", validation_size), ("test_size", test_size)):
        if not 0 <= value < 1:
            raise ConfigError(f"{name} must be a share in [0, 1), got {value}", parameter=name)
    if validation_size + test_size >= 0.9:
        raise ConfigError(f"validation_size + test_size = {validation_size + test_size:g} leaves under 10% of rows "
                          "to train on; lower them", parameter="test_size")


def _stratification_groups(y: pd.Series, counts: pd.Series) -> pd.Series:
    """The groups a stratified split keeps in proportion: the classes, with those of fewer than 3 rows pooled.

    A stratified split needs every group in every part; a class of one or two
    rows cannot be, so rare classes share one group (or join the largest class
    when even together they are fewer than 3) and land wherever the split puts them.
    """
    rare = counts.index[counts < 3]
    if rare.empty:
        return y
    pooled = y.astype(object).where(~y.isin(rare), "(rare classes)")
    if counts[rare].sum() < 3:
        pooled = pooled.where(pooled != "(rare classes)", counts.idxmax())
    return pooled


def split_dataset(df: pd.DataFrame, *, target: str | None = None, strategy: str = "stratified",
                  validation_size: float = 0.2, test_size: float = 0.2, seed: int = 42,
                  time_column: str | None = None) -> Split:
    """Split ``df`` into train, validation and test parts.

    Parameters
    ----------
    df : pandas.DataFrame
    target : str, optional
        Target column; needed for ``stratified`` (keeps the class balance in every part).
    strategy : {"random", "stratified", "time"}
        ``time`` puts the oldest rows in train and the newest in test (no
        shuffling), as a model meets the future in production.
    validation_size, test_size : float
        Shares of all rows.
    seed : int
        Same seed, same data: same split.
    time_column : str, optional
        Required for ``time``. Dates and times (text or datetime; zoned times
        are ordered in UTC), numbers such as a ``year`` column, or periods.

    Returns
    -------
    Split

    Raises
    ------
    ConfigError
        Unknown strategy, bad sizes, a stratified split without target.
    SchemaError, DataError
        Missing columns; too few rows or classes to split.
    """
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown split strategy {strategy!r}; use one of {', '.join(STRATEGIES)}",
                          parameter="strategy")
    _check_sizes(validation_size, test_size)
    for col, name in ((target, "target"), (time_column, "time_column")):
        if col is not None and col not in df.columns:
            raise SchemaError(f"{name} '{col}' is not a column of the data (columns: {', '.join(map(str, df.columns))})",
                              column=col, parameter=name)
    n = len(df)
    if n < 10:
        raise DataError(f"only {n} rows: too few to split into train, validation and test", parameter="data")
    time_range = None
    if strategy == "time":
        if time_column is None:
            raise ConfigError("strategy 'time' needs time_column (the column that orders rows in time)",
                              parameter="time_column")
        times = _time_values(df[time_column], time_column)
        order = times.sort_values(kind="stable", na_position="first").index
        ordered = df.loc[order]
        n_test, n_val = int(round(test_size * n)), int(round(validation_size * n))
        positions = {"train": slice(0, n - n_val - n_test), "validation": slice(n - n_val - n_test, n - n_test),
                     "test": slice(n - n_test, n)}
        train, validation, test = (ordered.iloc[positions[name]] for name in SPLIT_NAMES)
        ordered_times = times.loc[order]
        time_range = {}
        for name in SPLIT_NAMES:
            part = ordered_times.iloc[positions[name]].dropna()
            if len(part):
                time_range[name] = (_time_text(part.min()), _time_text(part.max()))
    else:
        stratify = None
        if strategy == "stratified":
            if target is None:
                raise ConfigError("strategy 'stratified' needs the target column; pass target or use 'random'",
                                  parameter="strategy")
            y = df[target]
            if y.isna().any():
                raise DataError(f"target '{target}' has {int(y.isna().sum()):,} missing values; drop or fill them "
                                "before splitting", column=target)
            counts = y.value_counts()
            if len(counts) < 2:
                raise DataError(f"target '{target}' has a single class ({counts.index[0]!r}); nothing to stratify "
                                "or learn", column=target)
            stratify = _stratification_groups(y, counts)
        from sklearn.model_selection import train_test_split  # here: loading data never imports scikit-learn

        rest, test = train_test_split(df, test_size=test_size, random_state=seed, stratify=stratify) \
            if test_size else (df, df.iloc[:0])
        val_share = validation_size / (1 - test_size) if validation_size else 0
        rest_strat = _stratification_groups(rest[target], rest[target].value_counts()) if stratify is not None \
            else None
        train, validation = train_test_split(rest, test_size=val_share, random_state=seed + 1, stratify=rest_strat) \
            if validation_size else (rest, rest.iloc[:0])
    parts = {"train": train, "validation": validation, "test": test}
    means = {}
    for name, part in parts.items():
        if target is not None and len(part) and pd.api.types.is_numeric_dtype(part[target]):
            means[name] = float(part[target].astype(float).mean())
        else:
            means[name] = None
    summary = SplitSummary(strategy=strategy, seed=seed, rows={k: len(v) for k, v in parts.items()},
                           target_mean=means, time_range=time_range)
    return Split(train=train.reset_index(drop=True), validation=validation.reset_index(drop=True),
                 test=test.reset_index(drop=True), summary=summary)


def _time_values(values: pd.Series, column: str) -> pd.Series:
    """What orders the rows in time: numbers and periods as they are, anything else as dates (zoned ones in UTC)."""
    if isinstance(values.dtype, pd.PeriodDtype) or (pd.api.types.is_numeric_dtype(values.dtype)
                                                    and not pd.api.types.is_bool_dtype(values.dtype)):
        times = values
    else:
        times = to_datetimes(values)
        if isinstance(times.dtype, pd.DatetimeTZDtype):
            times = times.dt.tz_convert("UTC")
    if times.isna().all():
        raise SchemaError(f"time_column '{column}' holds no dates, times, numbers or periods "
                          f"(e.g. {values.dropna().astype(str).head(3).tolist()}); pass the column that orders "
                          "rows in time", column=column, parameter="time_column")
    return times


def _time_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year column with gaps is read as floats: 1974.0 is the year 1974
    return str(value)


def save_splits(split: Split, folder: str | Path, *, overwrite: bool = True) -> dict[str, Path]:
    """Write ``train/validation/test.parquet`` into ``folder``; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, part in split.parts().items():
        path = folder / f"{name}.parquet"
        if path.exists() and not overwrite:
            raise DataError(f"{path} exists; pass overwrite=True to replace it", path=str(path))
        part.to_parquet(path, index=False)
        paths[name] = path
    return paths


def load_split(folder: str | Path, name: str) -> pd.DataFrame:
    """Read one part written by :func:`save_splits`, with a clear error when it is missing."""
    if name not in SPLIT_NAMES:
        raise ConfigError(f"unknown split {name!r}; use one of {', '.join(SPLIT_NAMES)}", parameter="split")
    path = Path(folder) / f"{name}.parquet"
    if not path.exists():
        raise DataError(f"{path.absolute()} does not exist; run the data-collection stage (02_data_collection) "
                        "in this folder first, or open this notebook in a run's folder (runs/<run>/) to go on "
                        "from that run", path=str(path))
    return pd.read_parquet(path)
