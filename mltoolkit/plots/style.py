"""One look for every mltoolkit figure: colours, sizes and number formats."""
from __future__ import annotations

import math

import matplotlib

#: Colours shared by plots, widgets and report templates.
COLORS = {
    "primary": "#1f5fa8",
    "reference": "#8a96a3",
    "current": "#e07b39",
    "good": "#2e7d4f",
    "warning": "#c98a0b",
    "critical": "#b3261e",
    "grid": "#e6e9ed",
    "text": "#1d2733",
}
#: Width x height in inches of a small chart; at ``DPI`` it fits beside a table on a laptop.
SMALL = (5.0, 3.0)
WIDE = (7.5, 3.4)
DPI = 90

RC = {
    "axes.edgecolor": "#c5ccd3",
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": COLORS["grid"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    # A fixed title height: matplotlib's default (None) measures the top axis' tick labels for every figure to lift
    # the title over them, a fifth of a small chart's drawing; no mltoolkit chart has ticks on top.
    "axes.titley": 1.0,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "font.size": 9,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "text.color": COLORS["text"],
    "axes.labelcolor": COLORS["text"],
}


def style_context() -> matplotlib.rc_context:
    """Context manager applying mltoolkit's matplotlib style."""
    return matplotlib.rc_context(RC)


def format_number(value: float | int | None, digits: int = 3) -> str:
    """Format a number the same way everywhere: thousands separators, ``digits`` significant digits.

    Examples
    --------
    >>> format_number(1234567)
    '1,234,567'
    >>> format_number(0.012345)
    '0.0123'
    >>> format_number(None)
    '–'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    magnitude = abs(value)
    if magnitude >= 1e6 or magnitude < 1e-4:
        return f"{value:.{digits}g}"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}" if magnitude < 1 else f"{value:,.{max(digits - len(str(int(magnitude))), 0)}f}"


def format_share(value: float | None) -> str:
    """Format a share in [0, 1] as a percentage with one decimal ('12.5%')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.1f}%"
