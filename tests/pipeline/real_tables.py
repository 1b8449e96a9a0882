"""Real public tables that PyPI packages ship offline, written as a user would have them (CSV files).

Each entry writes its table (and, where it has one, a later part as current
production data) into a folder and returns the ``mltoolkit init`` arguments.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd


def penguins_sex(folder: Path) -> list[str]:
    """Binary target with string labels and missing labels (palmerpenguins); no current data."""
    import palmerpenguins

    palmerpenguins.load_penguins().to_csv(folder / "penguins.csv", index=False)
    return ["--data", "penguins.csv", "--target", "sex"]


def cancer_labels(folder: Path) -> list[str]:
    """Binary target as words (scikit-learn's breast cancer set), a random third held out as current data."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    df = bunch.frame.assign(diagnosis=bunch.target.map({0: "malignant", 1: "benign"})).drop(columns="target")
    later = df.sample(frac=0.3, random_state=1)
    df.drop(later.index).to_csv(folder / "cancer.csv", index=False)
    later.to_csv(folder / "cancer_later.csv", index=False)
    return ["--data", "cancer.csv", "--target", "diagnosis", "--current", "cancer_later.csv"]


def weather(folder: Path) -> list[str]:
    """Multiclass with a rare class and a date column (vega_datasets' Seattle weather), current split off by time."""
    from vega_datasets import data

    df = data.seattle_weather()
    df[df["date"] < "2015-01-01"].to_csv(folder / "weather.csv", index=False)
    df[df["date"] >= "2015-01-01"].to_csv(folder / "weather_2015.csv", index=False)
    return ["--data", "weather.csv", "--target", "weather", "--current", "weather_2015.csv", "--time-column", "date"]


def cars(folder: Path) -> list[str]:
    """Regression with missing targets and a date column (vega_datasets' cars), later model years as current."""
    from vega_datasets import data

    df = data.cars()
    df[df["Year"] < "1980-01-01"].to_csv(folder / "cars.csv", index=False)
    df[df["Year"] >= "1980-01-01"].to_csv(folder / "cars_1980s.csv", index=False)
    return ["--data", "cars.csv", "--target", "Miles_per_Gallon", "--current", "cars_1980s.csv"]


def grunfeld(folder: Path) -> list[str]:
    """Regression with an integer year as time column (statsmodels' Grunfeld investment data)."""
    import statsmodels.api as sm

    df = sm.datasets.grunfeld.load_pandas().data
    df["year"] = df["year"].astype(int)
    df[df["year"] < 1950].to_csv(folder / "grunfeld.csv", index=False)
    df[df["year"] >= 1950].to_csv(folder / "grunfeld_1950s.csv", index=False)
    return ["--data", "grunfeld.csv", "--target", "invest", "--current", "grunfeld_1950s.csv",
            "--time-column", "year"]


TABLES: dict[str, Callable[[Path], list[str]]] = {
    "penguins_sex": penguins_sex, "cancer_labels": cancer_labels, "weather": weather, "cars": cars,
    "grunfeld": grunfeld,
}
#: Words of the demo's story that must never appear in another project's report.
DEMO_WORDS = ("Trial conversion", "free-trial", "Head of Sales", "prospect", "signup_date", "converted",
              "Growth analytics")


def table_frame(name: str, folder: Path) -> pd.DataFrame:
    """The training table of ``name`` as written into ``folder``."""
    args = TABLES[name](folder)
    return pd.read_csv(folder / args[args.index("--data") + 1])


def penguins_messy(folder: Path) -> list[str]:
    """Every mess at once, on the penguins: yes/no text, ordinal labels, UTC 'Z' timestamps, an integer year as time
    column, missing labels and a rare class; the last year is the current data."""
    import numpy as np
    import palmerpenguins

    df = palmerpenguins.load_penguins()
    rng = np.random.default_rng(0)
    df["tagged"] = np.where(rng.random(len(df)) < 0.4, "Yes", "no")
    df.loc[rng.random(len(df)) < 0.05, "tagged"] = None
    df["nest_rank"] = pd.Series(rng.choice(["1st", "2nd", "3rd"], len(df)))
    stamps = pd.Timestamp("2007-11-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 3 * 365 * 24, len(df)), "h")
    df["observed_at"] = stamps.strftime("%Y-%m-%dT%H:%M:%SZ")
    df.loc[df.sample(4, random_state=1).index, "species"] = "Hybrid"  # a rare class
    df.loc[df.sample(9, random_state=2).index, "species"] = None  # labels not known yet
    df[df["year"] < 2009].to_csv(folder / "penguins_messy.csv", index=False)
    df[df["year"] == 2009].to_csv(folder / "penguins_2009.csv", index=False)
    return ["--data", "penguins_messy.csv", "--target", "species", "--current", "penguins_2009.csv",
            "--time-column", "year"]


TABLES["penguins_messy"] = penguins_messy
