"""Retraining's first step: the newly labelled rows, or why retraining waits.

Public names are re-exported by :mod:`mltoolkit.stages.retraining`.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from mltoolkit.artifacts import read_artifact
from mltoolkit.data import load, load_split
from mltoolkit.data.schema import to_datetimes
from mltoolkit.errors import ConfigError, DataError, ModelPackageError, SchemaError
from mltoolkit.framing import ProjectCard
from mltoolkit.retrain.compare import MIN_HELDOUT_ROWS

__all__ = ["WINDOWS", "NewLabels", "check_new_data", "check_new_labels"]

#: What the challenger learns from: the old training rows plus the new ones, or the new ones only.
WINDOWS = ("full", "recent")


@dataclasses.dataclass(frozen=True, eq=False)
class NewLabels:
    """The newly labelled rows retraining uses, or why it waits.

    Attributes
    ----------
    note : str or None
        None when retraining can run; else why it does not (the sentence ``retraining.json`` records).
    reason : str
        Why retraining runs (or would run): monitoring's recommendation, or it was asked for.
    source : str or None
        Where the new rows were read.
    rows_read : int
        New rows read, labelled or not.
    new, new_train, holdout : pandas.DataFrame or None
        The labelled new rows, the part added to training and the part held out to compare the models.
    train : pandas.DataFrame or None
        The champion's training split.
    window, holdout_share, seed
        As given to :func:`~mltoolkit.stages.check_new_labels`.
    """

    note: str | None
    reason: str = ""
    source: str | None = None
    rows_read: int = 0
    new: pd.DataFrame | None = None
    new_train: pd.DataFrame | None = None
    holdout: pd.DataFrame | None = None
    train: pd.DataFrame | None = None
    window: str = "full"
    holdout_share: float = 0.3
    seed: int = 42

    @property
    def ready(self) -> bool:
        """Whether there are enough newly labelled rows to train and compare a challenger."""
        return self.note is None

    def __repr__(self) -> str:
        if not self.ready:
            return f"NewLabels(waiting: {self.note})"
        return (f"NewLabels({len(self.new):,} labelled rows from {self.source!r}: {len(self.new_train):,} to train, "
                f"{len(self.holdout):,} held out)")


def check_new_data(new: pd.DataFrame, train: pd.DataFrame, target: str, source: str) -> None:
    """Refuse new data without labels, or with other columns than the training data."""
    if target not in new.columns or new[target].isna().all():
        raise DataError(f"new data {source} has no labels (target '{target}' is missing or empty); retraining needs "
                        "labeled rows — wait for the outcomes, or join them in first", column=target, path=source)
    missing = sorted(set(train.columns) - set(new.columns))
    extra = sorted(set(new.columns) - set(train.columns))
    if missing or extra:
        raise SchemaError(f"new data {source} has other columns than the training data: missing {missing}, "
                          f"unexpected {extra}; align the columns (or retrain from scratch)", path=source,
                          column=(missing or extra)[0])



def like_training(new: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """``new`` with date-time columns read as the training rows hold them.

    New rows often come from another file type than the training data (a CSV
    of this month's outcomes next to a Parquet training split), so a column
    that training holds as dates may arrive as text; joined as they are, the
    two could not be saved or compared. Time zones follow training (UTC when
    it has one, none when it has none).
    """
    out = new.copy()
    for column in train.columns:
        kind = train[column].dtype
        if not isinstance(kind, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_any_dtype(kind):
            continue
        values = to_datetimes(out[column])
        aware = getattr(values.dt, "tz", None) is not None
        if isinstance(kind, pd.DatetimeTZDtype):
            values = values.dt.tz_convert(kind.tz) if aware else values.dt.tz_localize(kind.tz)
        elif aware:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        out[column] = values.astype(kind)
    return out


def check_new_labels(card: ProjectCard, *, new_data: str | None = None, new_table: str | None = None,
                     data_dir: str | Path = "data", models_dir: str | Path = "models",
                     artifacts_dir: str | Path = "artifacts", window: str = "full", holdout_share: float = 0.3,
                     only_if_recommended: bool = True, seed: int = 42) -> NewLabels:
    """Find the newly labelled rows and split off the ones that compare the models; or say why retraining waits.

    ``new_data`` None takes the project's current data (``data.current`` of
    ``mltoolkit.yml``); when there is none, or it carries no labels yet,
    retraining waits (``note`` says why). It also waits when monitoring found
    no reason to retrain (``only_if_recommended``, ``alerts.json``) and while
    the held-out share of the new rows is under
    :data:`~mltoolkit.retrain.compare.MIN_HELDOUT_ROWS`. New data given
    explicitly must be labelled.

    Raises
    ------
    ConfigError
        An unknown ``window``.
    ModelPackageError
        No champion in ``models_dir`` to compare with.
    DataError, SchemaError
        Explicit new data without labels, with other columns than the training data, or a target that does not fit.
    """
    art, models = Path(artifacts_dir), Path(models_dir)
    if window not in WINDOWS:
        raise ConfigError(f"window must be one of {', '.join(WINDOWS)}, got {window!r}", parameter="window")
    from_project = new_data is None
    if from_project and card.data is not None:
        new_data, new_table = card.data.current, new_table or card.data.current_table
    if new_data is None:
        return NewLabels("No retraining: the project has no current (production) data with labels. Add it with "
                         "data.current in mltoolkit.yml (or the retraining stage's new_data).")
    alerts = read_artifact(art, "alerts")
    if only_if_recommended and alerts is not None and alerts.retrain is False:
        return NewLabels("Monitoring found no reason to retrain; the production model stays.")
    reason = ("monitoring recommends it (alerts.json)" if alerts is not None and alerts.retrain
              else "asked for (only_if_recommended is off)" if not only_if_recommended
              else "no monitoring verdict yet (no alerts.json): the new labels decide")
    if not (models / "model.skops").exists():
        raise ModelPackageError(f"no champion model at {models / 'model.skops'}: there is nothing to compare a "
                                "challenger with yet; train the first model with 05_training (it becomes the champion)",
                                path=str(models / "model.skops"))
    train = load_split(data_dir, "train")
    new = load(new_data, table=new_table)
    rows_read = len(new)
    if from_project and (card.target not in new.columns or new[card.target].isna().all()):
        return NewLabels(f"No retraining: the current data has no labels yet (target '{card.target}' is "
                         "missing or empty); it runs once the outcomes are in.", reason, str(new_data), rows_read)
    check_new_data(new, train, card.target, str(new_data))
    new = like_training(new[new[card.target].notna()].reset_index(drop=True), train)
    card.check_target(new[card.target], source=str(new_data))
    rng = np.random.default_rng(seed)
    holdout_mask = rng.random(len(new)) < holdout_share
    holdout, new_train = new[holdout_mask].reset_index(drop=True), new[~holdout_mask].reset_index(drop=True)
    if len(holdout) < MIN_HELDOUT_ROWS:
        return NewLabels(f"No retraining yet: {len(new):,} newly labelled rows leave {len(holdout)} to compare "
                         f"the models on (at least {MIN_HELDOUT_ROWS} are needed); the production model stays "
                         f"until about {int(np.ceil(MIN_HELDOUT_ROWS / holdout_share)):,} labelled rows are in.",
                         reason, str(new_data), rows_read)
    return NewLabels(None, reason, str(new_data), rows_read, new, new_train, holdout, train, window, holdout_share,
                     seed)
