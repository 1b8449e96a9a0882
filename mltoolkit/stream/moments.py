"""Mergeable moments of numeric columns, vectorized across columns.

Per column: count of finite values, mean and central moment sums ``M2, M3, M4``,
minimum and maximum, and counts of zeros, negatives and infinities. Batches are
summarized with matrix operations and merged with the pairwise update of
Pébay (2008), "Formulas for robust, one-pass parallel computation of covariances
and arbitrary-order statistical moments", so merging two halves gives the
moments of the whole (up to floating-point rounding).
"""
from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["Moments"]


@dataclasses.dataclass
class Moments:
    """Moments of ``k`` columns (each field an array of length ``k``)."""

    n: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    m3: np.ndarray
    m4: np.ndarray
    min: np.ndarray
    max: np.ndarray
    n_zero: np.ndarray
    n_negative: np.ndarray
    n_infinite: np.ndarray

    @classmethod
    def of(cls, X: np.ndarray) -> Moments:
        """Moments of the finite values of each column of ``X`` (rows x columns, NaN = missing)."""
        X = np.asarray(X, dtype=np.float64)
        finite = np.isfinite(X)
        n = finite.sum(axis=0).astype(np.float64)
        total = np.where(finite, X, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, total / n, 0.0)
        dev = np.where(finite, X - mean, 0.0)
        dev2 = dev * dev
        m2 = dev2.sum(axis=0)
        m3 = (dev2 * dev).sum(axis=0)
        m4 = (dev2 * dev2).sum(axis=0)
        big = np.where(finite, X, np.inf).min(axis=0, initial=np.inf)
        small = np.where(finite, X, -np.inf).max(axis=0, initial=-np.inf)
        return cls(n=n, mean=mean, m2=m2, m3=m3, m4=m4, min=big, max=small,
                   n_zero=(X == 0).sum(axis=0).astype(np.float64),
                   n_negative=((X < 0) & finite).sum(axis=0).astype(np.float64),
                   n_infinite=np.isinf(X).sum(axis=0).astype(np.float64))

    def merge(self, other: Moments) -> Moments:
        """Moments of the two batches together."""
        na, nb = self.n, other.n
        n = na + nb
        with np.errstate(invalid="ignore", divide="ignore"):
            safe = np.where(n > 0, n, 1.0)
            delta = other.mean - self.mean
            mean = np.where(n > 0, self.mean + delta * nb / safe, 0.0)
            m2 = self.m2 + other.m2 + delta**2 * na * nb / safe
            m3 = (self.m3 + other.m3 + delta**3 * na * nb * (na - nb) / safe**2
                  + 3 * delta * (na * other.m2 - nb * self.m2) / safe)
            m4 = (self.m4 + other.m4 + delta**4 * na * nb * (na * na - na * nb + nb * nb) / safe**3
                  + 6 * delta**2 * (na * na * other.m2 + nb * nb * self.m2) / safe**2
                  + 4 * delta * (na * other.m3 - nb * self.m3) / safe)
        return Moments(n=n, mean=mean, m2=m2, m3=m3, m4=m4, min=np.minimum(self.min, other.min),
                       max=np.maximum(self.max, other.max), n_zero=self.n_zero + other.n_zero,
                       n_negative=self.n_negative + other.n_negative, n_infinite=self.n_infinite + other.n_infinite)

    def std(self, ddof: int = 0) -> np.ndarray:
        """Standard deviation per column (NaN where fewer than ``ddof + 1`` values)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n > ddof, np.sqrt(self.m2 / np.maximum(self.n - ddof, 1)), np.nan)

    def skewness(self) -> np.ndarray:
        """Bias-corrected sample skewness (as pandas ``Series.skew``); NaN where undefined."""
        n = self.n
        with np.errstate(invalid="ignore", divide="ignore"):
            g1 = (self.m3 / n) / (self.m2 / n) ** 1.5
            out = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        return np.where((n > 2) & (self.m2 > 0), out, np.nan)

    def kurtosis(self) -> np.ndarray:
        """Bias-corrected excess kurtosis (as pandas ``Series.kurt``); NaN where undefined."""
        n = self.n
        with np.errstate(invalid="ignore", divide="ignore"):
            g2 = (self.m4 / n) / (self.m2 / n) ** 2 - 3.0
            out = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
        return np.where((n > 3) & (self.m2 > 0), out, np.nan)
