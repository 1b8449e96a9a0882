"""A two-year table split into its early and late halves: stable features, a day index, an id, a drifting target."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def two_years() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    days, per_day = 730, 6
    n = days * per_day
    day = np.repeat(np.arange(days), per_day)
    df = pd.DataFrame({
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
        "day_index": day,  # an undeclared counter: it alone tells early from late
        "customer_number": rng.permutation(n) + 10_000,  # an undeclared id: whole numbers, once each
        "income": rng.normal(50_000, 8_000, n).round(),
        "visits": rng.poisson(4, n),
        "plan": rng.choice(["basic", "pro", "team"], n, p=[0.5, 0.3, 0.2]),
        "churned": rng.random(n) < np.where(day < days // 2, 0.15, 0.35),  # the target moves
    })
    return df.iloc[: n // 2].reset_index(drop=True), df.iloc[n // 2:].reset_index(drop=True)
