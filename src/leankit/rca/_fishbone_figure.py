"""The Ishikawa (fishbone) diagram as a plotly figure: shapes and annotations only.

Layout (in pixels, one axis unit = one pixel): a horizontal spine with an arrow into the
effect box at the right; one slanted rib per category, alternately above and below the
spine, its name in a box at the outer end; each cause a short horizontal twig off its rib
with the label to the left, coloured and marked by status (the full text and the
evidence on hover); a legend of the statuses under the diagram. Every text from data goes
through :mod:`leankit._text` (escaped, controls removed, shortened or wrapped).
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from leankit._text import fig_hover, fig_text, shorten
from leankit._theme import theme

if TYPE_CHECKING:  # pragma: no cover
    from leankit.rca._fishbone import Fishbone

__all__ = ["STATUS_STYLE", "fishbone_figure"]

#: colour, symbol and legend text of each status
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "verified": ("#1a9850", "✔", "verified (evidence supports it)"),
    "refuted": ("#969696", "✘", "refuted (evidence against it)"),
    "open": ("#2171b5", "○", "open (not yet checked)"),
    "not verified": ("#d95f02", "△", "not verified (claimed, no evidence)"),
}
_INK = "#252525"
_LINE_H = 1.25  # line height in font sizes


def _wrap(text: str, width: int, lines: int = 2) -> list[str]:
    """*text* (already cleaned) broken into at most *lines* lines of *width* characters,
    the last one shortened with an ellipsis."""
    parts = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=True)
    if len(parts) > lines:
        parts = parts[: lines - 1] + [shorten(" ".join(parts[lines - 1:]), width)]
    return parts or [""]


def _label(text: str, width: int, lines: int = 2) -> str:
    """Escaped, wrapped label text for an annotation."""
    return "<br>".join(fig_text(p, max_len=None) for p in _wrap(text, width, lines))


def fishbone_figure(fb: Fishbone, *, title: str | None = None, width: int | None = None,
                    height: int | None = None, wrap: int = 26, font_size: int = 11
                    ) -> go.Figure:
    """Draw a :class:`~leankit.rca.Fishbone` as an Ishikawa diagram.

    Parameters
    ----------
    fb : Fishbone
        The result to draw.
    title : str, optional
        Figure title (default: "Fishbone: <effect>").
    width, height : int, optional
        Figure size in pixels (default: what the causes need).
    wrap : int, default 26
        Characters per line of a cause label (two lines at most; the full text is on
        hover).
    font_size : int, default 11
        Font size of the labels.

    Returns
    -------
    plotly.graph_objects.Figure
        No traces: shapes (spine, ribs, twigs, effect box) and annotations (effect,
        categories, causes, legend), each named (``"spine"``, ``"rib"``, ``"twig"``,
        ``"effect"``, ``"category"``, ``"cause"``, ``"legend"``).
    """
    if wrap < 8:
        raise ValueError(f"wrap= must be at least 8 characters per line, got {wrap!r}")
    table = fb.table
    cats = list(fb.categories)
    by_cat = {c: table[table["category"] == c] for c in cats}
    fs = font_size
    line = fs * _LINE_H
    char_w = 0.58 * fs
    slot = 2 * line + 6                      # room for a two-line label
    label_w = wrap * char_w                  # widest cause label
    twig = 18.0
    col_w = twig + label_w + 28              # distance between neighbouring ribs
    top = cats[0::2]
    bottom = cats[1::2]
    n_cols = max(len(top), len(bottom), 1)

    def rib_h(side: list[str]) -> float:
        most = max((len(by_cat[c]) for c in side), default=0)
        return max(110.0, most * slot + 36)

    h_top, h_bot = rib_h(top), rib_h(bottom)
    slant_t, slant_b = 0.45 * h_top, 0.45 * h_bot
    slant = max(slant_t, slant_b)
    x_first = slant + twig + label_w + 16    # spine point of the first (leftmost) ribs
    x_last = x_first + (n_cols - 1) * col_w
    x_head = x_last + 46                     # the effect box starts here
    box_w = 190.0
    w_plot = x_head + box_w + 10
    cat_pad = 26.0                           # room for the category boxes
    y_max, y_min = h_top + cat_pad, -(h_bot + cat_pad)

    shapes: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    ink = {"color": _INK, "width": 2}
    shapes.append({"type": "line", "name": "spine", "x0": 4, "y0": 0, "x1": x_head - 6,
                   "y1": 0, "line": {"color": _INK, "width": 3}, "layer": "below"})
    # arrowhead into the effect box
    notes.append({"name": "arrow", "x": x_head, "y": 0, "ax": x_head - 40, "ay": 0,
                  "axref": "x", "ayref": "y", "xref": "x", "yref": "y", "text": "",
                  "showarrow": True, "arrowhead": 2, "arrowsize": 1.4, "arrowwidth": 3,
                  "arrowcolor": _INK})
    effect_lines = _wrap(fb.effect, 24, 4)
    notes.append({"name": "effect", "x": x_head + 4, "y": 0, "xref": "x", "yref": "y",
                  "xanchor": "left", "yanchor": "middle", "showarrow": False, "align": "left",
                  "text": "<b>" + "<br>".join(fig_text(p, max_len=None) for p in effect_lines)
                  + "</b>",
                  "font": {"size": fs + 2, "color": _INK}, "bordercolor": _INK,
                  "borderwidth": 2, "borderpad": 8, "bgcolor": "#fff7ec",
                  "hovertext": fig_hover(fb.effect)})

    for side, names, h, sl in ((1, top, h_top, slant_t), (-1, bottom, h_bot, slant_b)):
        for col, cat in enumerate(names):
            xs = x_first + col * col_w       # where the rib meets the spine
            xt = xs - sl                     # the rib's outer end
            shapes.append({"type": "line", "name": "rib", "x0": xt, "y0": side * h, "x1": xs,
                           "y1": 0, "line": ink, "layer": "below"})
            rows = by_cat[cat]
            n = len(rows)
            notes.append({"name": "category", "x": xt, "y": side * (h + 4), "xref": "x",
                          "yref": "y", "xanchor": "center",
                          "yanchor": "bottom" if side > 0 else "top", "showarrow": False,
                          "text": f"<b>{fig_text(cat, max_len=28)}</b>",
                          "font": {"size": fs + 1, "color": _INK}, "bgcolor": "#f0f0f0",
                          "bordercolor": _INK, "borderwidth": 1, "borderpad": 3,
                          "hovertext": fig_hover(f"{cat}: {n} cause(s)")})
            for k, (_, r) in enumerate(rows.iterrows()):
                # evenly spaced along the rib, the first cause at the outer end
                y = side * (h - 18 - (k + 0.5) * (h - 30) / max(n, 1))
                xr = xs - sl * abs(y) / h    # the rib at this height
                colour, symbol, _ = STATUS_STYLE[str(r["status"])]
                shapes.append({"type": "line", "name": "twig", "x0": xr - twig, "y0": y,
                               "x1": xr, "y1": y, "line": {"color": colour, "width": 1.5},
                               "layer": "below"})
                text = _label(str(r["cause"]), wrap)
                if r["status"] == "refuted":
                    text = f"<s>{text}</s>"
                hover = f"{r['cause']} — {r['status']}"
                hover += f": {r['evidence']}" if r["evidence"] else " (no evidence given)"
                notes.append({"name": "cause", "x": xr - twig - 2, "y": y, "xref": "x",
                              "yref": "y", "xanchor": "right", "yanchor": "middle",
                              "align": "right", "showarrow": False,
                              "text": f"{text} {symbol}",
                              "font": {"size": fs, "color": colour},
                              "hovertext": fig_hover(hover),
                              "hoverlabel": {"bgcolor": "white", "bordercolor": colour}})

    # legend of the statuses, under the diagram
    counts = table["status"].value_counts()
    legend = "     ".join(
        f"<span style='color:{c}'>{sym} {words} ({int(counts.get(s, 0))})</span>"
        for s, (c, sym, words) in STATUS_STYLE.items())
    notes.append({"name": "legend", "x": 0.5, "y": 0, "xref": "paper", "yref": "paper",
                  "xanchor": "center", "yanchor": "top", "yshift": -8, "showarrow": False,
                  "text": legend, "font": {"size": fs}})

    fig = go.Figure()
    px_h = y_max - y_min
    margin = {"l": 10, "r": 10, "t": 56, "b": 44}
    fig.update_layout(
        **theme(),
        title={"text": fig_text(title if title is not None else f"Fishbone: {fb.effect}")},
        width=width if width is not None else int(math.ceil(w_plot)) + 20,
        height=height if height is not None else int(math.ceil(px_h)) + 100,
        margin=margin, showlegend=False, shapes=shapes, annotations=notes,
        plot_bgcolor="white", hovermode="closest", dragmode=False)
    axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    fig.update_xaxes(range=[0, w_plot], **axis)
    fig.update_yaxes(range=[y_min, y_max], **axis)
    return fig
