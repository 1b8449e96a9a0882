"""Checks before release: package size, single-row latency, batch throughput, against the card's limits."""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.deploy.package import ModelPackage
from mltoolkit.errors import DataError
from mltoolkit.framing.card import RELEASE_LIMITS

__all__ = ["ReleaseCheck", "ReleaseReport", "release_checks"]


@dataclasses.dataclass(frozen=True)
class ReleaseCheck:
    name: str
    value: float
    limit: float
    unit: str
    passed: bool


@dataclasses.dataclass(frozen=True)
class ReleaseReport:
    checks: tuple[ReleaseCheck, ...]
    latency_p50_ms: float
    latency_p99_ms: float

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self) | {"passed": self.passed}


def release_checks(package: ModelPackage, sample: pd.DataFrame, *, limits: Mapping[str, float] | None = None,
                   n_single: int = 200, batch_rows: int = 20_000) -> ReleaseReport:
    """Measure the package on ``sample`` (rows like production's) and compare with the limits.

    Single-row latency is the time to check and score one row (``n_single``
    rows, one at a time, after a warm-up); throughput is rows per second when
    scoring up to ``batch_rows`` rows at once.
    """
    if sample.empty:
        raise DataError("the release-check sample has no rows; pass rows like the ones production will send",
                        parameter="sample")
    lim = {**RELEASE_LIMITS, **dict(limits or {})}
    size_mb = sum(p.stat().st_size for p in package.directory.iterdir() if p.is_file()) / 2**20
    rows = sample.sample(min(n_single, len(sample)), random_state=0, replace=len(sample) < n_single)
    package.predict_frame(rows.iloc[[0]], odd_values="score")  # warm-up; sample rows are measured, never refused
    times = np.empty(len(rows))
    for i in range(len(rows)):  # one request per row, as online traffic arrives
        t0 = time.perf_counter()
        package.predict_frame(rows.iloc[[i]], odd_values="score")
        times[i] = time.perf_counter() - t0
    p50, p99 = (float(np.percentile(times, q) * 1000) for q in (50, 99))
    batch = pd.concat([sample] * int(np.ceil(batch_rows / len(sample))), ignore_index=True).head(batch_rows)
    t0 = time.perf_counter()
    package.predict_frame(batch, odd_values="score")
    per_s = len(batch) / (time.perf_counter() - t0)
    checks = (
        ReleaseCheck("package size", size_mb, lim["max_package_mb"], "MB", size_mb <= lim["max_package_mb"]),
        ReleaseCheck("single-row latency p99", p99, lim["max_latency_p99_ms"], "ms", p99 <= lim["max_latency_p99_ms"]),
        ReleaseCheck("batch throughput", per_s, lim["min_batch_rows_per_s"], "rows/s",
                     per_s >= lim["min_batch_rows_per_s"]),
    )
    return ReleaseReport(checks=checks, latency_p50_ms=p50, latency_p99_ms=p99)
