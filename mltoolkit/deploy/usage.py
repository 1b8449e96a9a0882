"""How much the model is used: predictions served per day, from the prediction log."""
from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import SchemaError

__all__ = ["DailyUsage", "UsageSummary", "prediction_usage", "is_prediction_log"]

_LOG_COLUMNS = {"scored_at", "request_id", "model_version", "prediction"}


@dataclasses.dataclass(frozen=True)
class DailyUsage:
    day: str
    requests: int
    predictions: int
    positive_share: float | None  # share of predictions of the positive class (binary models)


@dataclasses.dataclass(frozen=True)
class UsageSummary:
    days: tuple[DailyUsage, ...]
    total_predictions: int
    total_requests: int
    model_versions: dict[str, int]
    idle_days: int  # days between the first and last day without a single prediction

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def is_prediction_log(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` looks like the prediction log written by ``mltoolkit serve``."""
    return _LOG_COLUMNS <= set(frame.columns)


def prediction_usage(log: pd.DataFrame, *, positive_label: str | None = "1") -> UsageSummary:
    """Predictions and requests per day (UTC), per model version, and the days nobody asked.

    Raises
    ------
    SchemaError
        When ``log`` is not a prediction log (names the missing columns).
    """
    missing = sorted(_LOG_COLUMNS - set(log.columns))
    if missing:
        raise SchemaError(f"not a prediction log: columns {missing} are missing (read it with "
                          "load('predictions.db', table='predictions'))", column=missing[0])
    day = pd.to_datetime(log["scored_at"], utc=True, errors="coerce").dt.strftime("%Y-%m-%d")
    frame = pd.DataFrame({"day": day, "request": log["request_id"],
                          "positive": log["prediction"].astype("string") == str(positive_label)})
    grouped = frame.groupby("day", sort=True)
    per_day = pd.DataFrame({"requests": grouped["request"].nunique(), "predictions": grouped.size(),
                            "positive": grouped["positive"].mean()})
    days = tuple(DailyUsage(str(d), int(r.requests), int(r.predictions),
                            float(r.positive) if positive_label is not None else None)
                 for d, r in per_day.iterrows())
    idle = 0
    if len(per_day):
        span = pd.date_range(per_day.index.min(), per_day.index.max(), freq="D").strftime("%Y-%m-%d")
        idle = int(len(set(span) - set(per_day.index)))
    return UsageSummary(days=days, total_predictions=int(len(log)), total_requests=int(log["request_id"].nunique()),
                        model_versions={str(k): int(v) for k, v in log["model_version"].value_counts().items()},
                        idle_days=idle)
