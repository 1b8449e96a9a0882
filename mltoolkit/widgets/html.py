"""Static HTML building blocks shared by all widgets and their report fallbacks.

Every user-provided string (column names, category values, messages quoting
them) goes through :func:`esc`: data is never markup.
"""
from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence

from matplotlib.figure import Figure

from mltoolkit.plots.style import COLORS

__all__ = ["esc", "figure_png", "img_tag", "table", "section", "badge", "WIDGET_CSS", "wrap"]

#: Scoped CSS for static widget output; inline-safe for e-mail clients.
WIDGET_CSS = f"""
.mlt {{ font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; font-size: 13px;
        color: {COLORS['text']}; max-width: 1100px; }}
.mlt h3 {{ font-size: 15px; margin: 14px 0 6px; border-bottom: 2px solid {COLORS['primary']}; padding-bottom: 2px; }}
.mlt h4 {{ font-size: 13px; margin: 10px 0 4px; }}
.mlt table.mlt-t {{ border-collapse: collapse; margin: 4px 0 8px; }}
.mlt table.mlt-t th, .mlt table.mlt-t td {{ border-bottom: 1px solid {COLORS['grid']}; padding: 3px 8px;
        text-align: left; vertical-align: top; }}
.mlt table.mlt-t td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
.mlt table.mlt-t th {{ background: #f4f6f8; }}
.mlt .mlt-row {{ display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }}
.mlt .mlt-badge {{ display: inline-block; padding: 1px 7px; border-radius: 9px; color: #fff; font-size: 11px; }}
.mlt .mlt-info {{ background: {COLORS['primary']}; }}
.mlt .mlt-warning {{ background: {COLORS['warning']}; }}
.mlt .mlt-critical {{ background: {COLORS['critical']}; }}
.mlt .mlt-good {{ background: {COLORS['good']}; }}
.mlt .mlt-note {{ color: #5b6672; font-size: 12px; }}
.mlt img {{ max-width: 100%; height: auto; }}
"""


def esc(value: object) -> str:
    """HTML-escape any value's text (quotes included)."""
    return html.escape(str(value), quote=True)


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """Render a matplotlib figure to PNG bytes.

    A figure laid out by hand (matplotlib's placeholder layout engine, as the
    per-column charts of :mod:`mltoolkit.plots.eda`) is drawn once on an Agg
    canvas and its pixels taken as they are: ``savefig`` would draw it twice
    (any layout engine gets a measuring pass first) and encode a PNG only to
    decode it again. A figure with a real layout engine
    (``layout="constrained"``) is saved as is; others are cropped to their
    content (``bbox_inches="tight"``), which draws them twice.
    """
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.layout_engine import PlaceHolderLayoutEngine
    from PIL import Image

    engine = fig.get_layout_engine()
    if dpi is None and isinstance(engine, PlaceHolderLayoutEngine) and type(fig.canvas) in (FigureCanvasBase,
                                                                                              FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        image = Image.frombuffer("RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba(), "raw",
                                 "RGBA", 0, 1)
    else:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches=None if engine is not None else "tight")
        buf.seek(0)
        image = Image.open(buf)
    # Charts are a few flat colours plus anti-aliasing: a 256-colour palette looks the same and weighs a third
    # of RGBA, which keeps the report of a wide table small enough to e-mail.
    with image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    # The fast quantizer averages the background with light anti-aliasing into a grey: make it white again.
    colors = palette.getpalette() or []
    for i in range(0, len(colors) - 2, 3):
        if min(colors[i:i + 3]) >= 240:
            colors[i:i + 3] = [255, 255, 255]
    palette.putpalette(colors)
    out = io.BytesIO()
    palette.save(out, format="png", optimize=False)
    return out.getvalue()


def img_tag(fig: Figure | bytes, alt: str, dpi: int | None = None) -> str:
    """An ``<img>`` with the figure embedded as a base64 PNG data URI."""
    png = fig if isinstance(fig, bytes) else figure_png(fig, dpi)
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def table(rows: Iterable[Sequence[object]], header: Sequence[str] | None = None,
          numeric: Sequence[bool] | None = None) -> str:
    """A plain HTML table; every cell is escaped; ``numeric`` columns align right."""
    parts = ['<table class="mlt-t">']
    if header:
        parts.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = ' class="num"' if numeric and i < len(numeric) and numeric[i] else ""
            cells.append(f"<td{cls}>{esc(cell)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table>")
    return "".join(parts)


def badge(text: str, level: str) -> str:
    """A coloured label; ``level`` is info, warning, critical or good."""
    return f'<span class="mlt-badge mlt-{esc(level)}">{esc(text)}</span>'


def section(title: str, body_html: str) -> str:
    """A titled block of already-built HTML."""
    return f"<h3>{esc(title)}</h3>{body_html}"


def wrap(body_html: str) -> str:
    """Wrap static widget HTML with its scoped stylesheet."""
    return f'<div class="mlt"><style>{WIDGET_CSS}</style>{body_html}</div>'
