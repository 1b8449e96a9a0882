"""Demo A/B experiment log: users split between control and treatment, with conversions."""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["make_experiment_log"]


def make_experiment_log(n_users: int = 20_000, *, control_rate: float = 0.12, lift: float = 0.15,
                        treatment_share: float = 0.5, seed: int = 0, start: str = "2026-02-01",
                        days: int = 28) -> pd.DataFrame:
    """Generate one row per user of an online experiment.

    Parameters
    ----------
    n_users : int
    control_rate : float
        Conversion rate of the control group.
    lift : float
        Relative lift of the treatment (0.15 = 15% more conversions).
    treatment_share : float
        Share of users in the treatment group.
    seed : int
    start, days
        Users arrive uniformly over ``days`` days from ``start``.

    Returns
    -------
    pandas.DataFrame
        ``user_id, assigned_at, group ("control"/"treatment"), converted (0/1), revenue``.
    """
    rng = np.random.default_rng(seed)
    treated = rng.random(n_users) < treatment_share
    rate = np.where(treated, control_rate * (1 + lift), control_rate)
    converted = (rng.random(n_users) < rate).astype(int)
    revenue = np.where(converted == 1, rng.lognormal(mean=4.0, sigma=0.6, size=n_users), 0.0).round(2)
    seconds = rng.integers(0, days * 86_400, size=n_users)
    return pd.DataFrame({
        "user_id": np.arange(1, n_users + 1),
        "assigned_at": pd.Timestamp(start) + pd.to_timedelta(np.sort(seconds), unit="s"),
        "group": np.where(treated, "treatment", "control"),
        "converted": converted,
        "revenue": revenue,
    })
