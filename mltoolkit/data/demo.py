"""Synthetic trial-conversion data for demos and tests (no internet needed).

Each row is a prospect on a free trial of a B2B software product; the target
``converted`` says whether they bought. The generator plants realistic mess:
missing values, heavy-tailed counts with outliers, a free-text column, and, with
``drift > 0``, production batches whose distributions have moved in known
columns (listed in :data:`DRIFTED_COLUMNS`) so the monitoring stage has
something real to find. With ``concept_shift > 0`` the way outcomes follow from
the inputs changes part-way through the batch (self-serve buying: small teams
start converting without a demo), so the model's performance really drops
there, a change only labels reveal.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd
import yaml

from mltoolkit.errors import ConfigError

__all__ = ["make_trial_conversion", "load_demo", "DRIFTED_COLUMNS", "TARGET", "DEMO_SCHEME", "DEMO_EXPECTATIONS"]

#: Prefix of data source URIs that name the bundled demo data.
DEMO_SCHEME = "demo://"

TARGET = "converted"
#: Columns whose distribution moves when ``drift > 0``.
DRIFTED_COLUMNS = ("website_visits", "location", "days_in_trial")
#: Expectations of the demo data (what a team would write for its CRM export), from the demo's own config.
DEMO_EXPECTATIONS: dict = yaml.safe_load((Path(__file__).with_name("demo_project.yml")).read_text(encoding="utf-8")
                                         )["data"]["expectations"]

_LOCATIONS = np.array(["United States", "United Kingdom", "Germany", "France", "India",
                       "Brazil", "Canada", "Australia", "Spain", "Japan", "Mexico", "Nigeria"])
_LOCATION_P = np.array([0.30, 0.12, 0.10, 0.08, 0.10, 0.06, 0.06, 0.05, 0.04, 0.04, 0.03, 0.02])
_LOCATION_P_DRIFT = np.array([0.15, 0.08, 0.07, 0.05, 0.25, 0.10, 0.04, 0.03, 0.03, 0.03, 0.07, 0.10])
_SIZES = np.array(["1-10", "11-50", "51-200", "201-1000", "1000+"])
_SIZE_P = np.array([0.30, 0.28, 0.22, 0.13, 0.07])
_SENIORITY = np.array(["junior", "mid", "senior", "director", "executive"])
_SENIORITY_P = np.array([0.22, 0.33, 0.25, 0.13, 0.07])
_ROLES = np.array(["engineering", "data", "marketing", "sales", "finance", "operations", "product", "hr"])
_ROLE_P = np.array([0.22, 0.14, 0.15, 0.14, 0.08, 0.10, 0.12, 0.05])
_PLANS = np.array(["starter", "team", "business", "enterprise"])
_PLAN_P = np.array([0.45, 0.30, 0.18, 0.07])
_NOTES = np.array([
    "asked about single sign-on", "wants a longer trial", "evaluating competitors",
    "budget approved for next quarter", "needs security review before purchase",
    "interested in the API and integrations", "small team, price sensitive",
    "requested a demo for their manager", "migrating from spreadsheets",
])


def make_trial_conversion(
    n_rows: int = 5000,
    *,
    seed: int = 0,
    drift: float = 0.0,
    start: str = "2025-01-01",
    days: int = 365,
    missing_rate: float = 0.03,
    concept_shift: float = 0.0,
) -> pd.DataFrame:
    """Generate a realistic trial-conversion table.

    Parameters
    ----------
    n_rows : int, default 5000
        Number of prospects.
    seed : int, default 0
        Random seed; the same arguments give the same table.
    drift : float, default 0.0
        0 gives the training distribution; values up to 1 shift
        ``website_visits`` up, ``days_in_trial`` down and the ``location`` mix
        toward new markets, proportionally. Other columns keep their
        distribution, so a drift detector should flag exactly
        :data:`DRIFTED_COLUMNS`.
    start : str, default "2025-01-01"
        First sign-up date; sign-ups spread uniformly over ``days`` days.
    days : int, default 365
    missing_rate : float, default 0.03
        Base share of missing values in columns that have gaps in real CRM
        exports (location, company_size, website_visits, days_in_trial, notes
        is mostly empty anyway).
    concept_shift : float, default 0.0
        0 keeps the training labelling rule. Up to 1: from 40% of the period
        on (fully from 60%), prospects of small companies (up to 50 people)
        who took no demo convert more often (a self-serve plan), proportionally.
        The inputs' distributions do not change, so drift detection cannot see
        it; the model, which scores these prospects low, misses more of the
        converters (its recall drops).

    Returns
    -------
    pandas.DataFrame
        Columns ``prospect_id``, ``signup_date``, ``location``,
        ``company_size``, ``seniority``, ``role``, ``website_visits``,
        ``pages_per_visit``, ``demo_taken``, ``days_in_trial``, ``plan_type``,
        ``support_tickets``, ``notes`` and the target ``converted`` (0/1).

    Examples
    --------
    >>> df = make_trial_conversion(100, seed=1)
    >>> df.shape
    (100, 14)
    """
    if not isinstance(n_rows, (int, np.integer)) or n_rows < 1:
        raise ConfigError(f"n_rows must be a positive whole number, got {n_rows!r}", parameter="n_rows")
    if not 0.0 <= drift <= 1.0:
        raise ConfigError(f"drift must be between 0 and 1, got {drift!r}", parameter="drift")
    if not 0.0 <= concept_shift <= 1.0:
        raise ConfigError(f"concept_shift must be between 0 and 1, got {concept_shift!r}", parameter="concept_shift")
    if not 0.0 <= missing_rate < 0.5:
        raise ConfigError(f"missing_rate must be in [0, 0.5), got {missing_rate!r}", parameter="missing_rate")
    rng = np.random.default_rng(seed)
    n = int(n_rows)

    loc_p = (1 - drift) * _LOCATION_P + drift * _LOCATION_P_DRIFT
    location = rng.choice(_LOCATIONS, n, p=loc_p / loc_p.sum())
    size_idx = rng.choice(len(_SIZES), n, p=_SIZE_P)
    seniority_idx = rng.choice(len(_SENIORITY), n, p=_SENIORITY_P)
    role = rng.choice(_ROLES, n, p=_ROLE_P)
    plan_idx = np.minimum(rng.choice(len(_PLANS), n, p=_PLAN_P) + (size_idx >= 3), len(_PLANS) - 1)

    # Engagement: heavy-tailed visit counts (negative binomial) plus rare bot-like outliers.
    visit_mean = 6.0 * (1 + 1.5 * drift) * (1 + 0.15 * seniority_idx)
    visits = rng.negative_binomial(2, 2 / (2 + visit_mean)).astype(float)
    outliers = rng.random(n) < 0.004
    visits[outliers] = rng.integers(300, 2000, outliers.sum())
    pages_per_visit = np.round(rng.lognormal(1.0, 0.45, n), 2)
    demo_taken = rng.random(n) < (0.18 + 0.05 * seniority_idx + 0.04 * size_idx)
    trial_len = 30 - 12 * drift
    days_in_trial = np.clip(np.round(rng.gamma(4.0, trial_len / 6.0, n)), 1, 45)
    tickets = rng.poisson(0.6 + 0.3 * demo_taken, n)

    logit = (
        -2.6 + 0.55 * demo_taken + 0.07 * np.log1p(visits) * 4 + 0.18 * size_idx
        + 0.12 * seniority_idx + 0.025 * (days_in_trial - 20) + 0.15 * np.log(pages_per_visit)
        + np.where(np.isin(role, ["data", "engineering"]), 0.35, 0.0)
        + np.where(location == "United States", 0.25, 0.0) - 0.2 * tickets
    )
    outcome = rng.random(n)  # drawn in the same order with or without a shift: same seed, same inputs
    seconds = np.sort(rng.integers(0, days * 86400, n))
    if concept_shift:
        ramp = np.clip((seconds / (days * 86400) - 0.4) / 0.2, 0.0, 1.0)
        logit = logit + concept_shift * ramp * 2.5 * ((~demo_taken) & (size_idx <= 1))
    converted = (outcome < 1 / (1 + np.exp(-logit))).astype(np.int64)

    signup = pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")
    notes = np.where(rng.random(n) < 0.35, rng.choice(_NOTES, n), None)

    df = pd.DataFrame({
        "prospect_id": np.arange(1, n + 1) + 100000 * int(seed % 1000),
        "signup_date": signup.floor("s"),
        "location": location.astype(object),
        "company_size": _SIZES[size_idx].astype(object),
        "seniority": _SENIORITY[seniority_idx],
        "role": role,
        "website_visits": visits,
        "pages_per_visit": pages_per_visit,
        "demo_taken": demo_taken,
        "days_in_trial": days_in_trial,
        "plan_type": _PLANS[plan_idx],
        "support_tickets": tickets,
        "notes": notes,
        TARGET: converted,
    })
    for col, rate in (("location", missing_rate), ("company_size", 1.7 * missing_rate),
                      ("website_visits", 0.7 * missing_rate), ("days_in_trial", 0.3 * missing_rate)):
        mask = rng.random(n) < rate
        df.loc[mask, col] = np.nan
    return df


#: Named variants: ``demo://trial_conversion/production`` is a later batch, drifted and with a concept shift.
PRESETS: dict[str, dict[str, object]] = {
    "": {},
    "production": {"n_rows": 5000, "seed": 7, "drift": 1.0, "start": "2026-01-01", "days": 90, "concept_shift": 1.0},
}


def load_demo(uri: str) -> pd.DataFrame:
    """Generate the demo table named by a ``demo://`` URI.

    ``demo://trial_conversion?rows=5000&seed=0&drift=0`` calls
    :func:`make_trial_conversion` with those arguments (all optional);
    ``demo://trial_conversion/production`` starts from the drifted
    production-batch preset (see :data:`PRESETS`), which options may override.

    Examples
    --------
    >>> load_demo("demo://trial_conversion?rows=50&drift=0.5").shape
    (50, 14)
    """
    parts = urlsplit(uri)
    if parts.netloc == "experiment":
        return _experiment(uri, parts.query)
    preset = parts.path.strip("/")
    if preset not in PRESETS:
        raise ConfigError(f"unknown demo preset {preset!r} in {uri!r}; presets are: "
                          f"{', '.join(p or '(none)' for p in PRESETS)}", parameter="source")
    if parts.netloc not in ("", "trial_conversion"):
        raise ConfigError(f"unknown demo dataset {parts.netloc!r} in {uri!r}; the demo datasets are "
                          "'demo://trial_conversion' and 'demo://experiment'", parameter="source")
    converters = {"rows": ("n_rows", int), "seed": ("seed", int), "drift": ("drift", float),
                  "start": ("start", str), "days": ("days", int), "missing_rate": ("missing_rate", float),
                  "concept_shift": ("concept_shift", float)}
    kwargs: dict[str, object] = dict(PRESETS[preset])
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in converters:
            raise ConfigError(f"unknown demo option {key!r} in {uri!r}; options are: {', '.join(converters)}",
                              parameter="source")
        name, convert = converters[key]
        try:
            kwargs[name] = convert(value)
        except ValueError:
            raise ConfigError(f"demo option {key}={value!r} in {uri!r} is not a valid {convert.__name__}",
                              parameter="source") from None
    return make_trial_conversion(**kwargs)


def _experiment(uri: str, query: str) -> pd.DataFrame:
    """``demo://experiment?users=20000&lift=0.15&seed=0``: an A/B experiment log."""
    from mltoolkit.data.experiment import make_experiment_log

    converters = {"users": ("n_users", int), "lift": ("lift", float), "seed": ("seed", int),
                  "control_rate": ("control_rate", float), "treatment_share": ("treatment_share", float)}
    kwargs: dict[str, object] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in converters:
            raise ConfigError(f"unknown option {key!r} in {uri!r}; options are: {', '.join(converters)}",
                              parameter="source")
        name, convert = converters[key]
        try:
            kwargs[name] = convert(value)
        except ValueError:
            raise ConfigError(f"option {key}={value!r} in {uri!r} is not a valid {convert.__name__}",
                              parameter="source") from None
    return make_experiment_log(**kwargs)
