"""Plotly figures of measurement-system results (built from result objects only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from leankit._text import fig_labels, fig_text
from leankit._theme import theme

if TYPE_CHECKING:  # pragma: no cover
    from leankit.msa._gage_rr import GageRR

__all__ = ["gage_rr_figure"]

_COLORS = ["#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#d6616b", "#8c6d31",
           "#17becf"]
_LIMIT = "#de2d26"
_CENTER = "#636363"


def _axis(label: str, unit: str | None = None) -> str:
    from leankit.spc._figures import axis_title, quantity

    return axis_title(quantity(label, unit))


def gage_rr_figure(r: GageRR, *, title: str | None = None, height: int | None = None,
                   unit: str | None = None, value_label: str | None = None) -> go.Figure:
    """The six-panel gage R&R figure.

    Panels: components of variation (% contribution, % study variation and, with a
    tolerance, % tolerance), R chart by operator, X̄ chart by operator, values by part,
    values by operator (box plots), operator × part interaction (mean per part and
    operator).

    Parameters
    ----------
    r : GageRR
        The study to draw.
    title : str, optional
        Figure title (default: "Gage R&R of <value>").
    height : int, optional
        Height in pixels (default 900).
    unit : str, optional
        Unit of the measured values, shown on the value axes.
    value_label : str, optional
        Name of the measured quantity (default: the value column).
    """
    label = value_label or r.value
    many = r.measurements["part"].nunique() > 12  # rotated part labels need more room
    fig = make_subplots(
        rows=3, cols=2, vertical_spacing=0.17 if many else 0.13, horizontal_spacing=0.1,
        subplot_titles=[fig_text(t) for t in (
            "Components of variation", "R chart by operator", "X̄ chart by operator",
            f"{label} by part", f"{label} by operator",
            "Operator × part interaction" if r.design == "crossed"
            else "Part means by operator (nested)")])
    ops = list(dict.fromkeys(r.cells["operator"]))
    color = {o: _COLORS[i % len(_COLORS)] for i, o in enumerate(ops)}
    op_names = dict(zip(ops, fig_labels(ops), strict=True))

    # 1. components of variation
    comp = r.components[r.components["component"].isin(
        ["gage_rr", "repeatability", "reproducibility", "part"])]
    names = fig_labels(comp["source"])
    measures = [("pct_contribution", "% contribution", "#3182bd"),
                ("pct_study_var", "% study variation", "#9ecae1")]
    if r.tolerance is not None:
        measures.append(("pct_tolerance", "% tolerance", "#fd8d3c"))
    for measure, name, c in measures:
        fig.add_trace(go.Bar(x=names, y=comp[measure], name=name, marker_color=c,
                             legendgroup="components",
                             hovertemplate="%{x}: %{y:.1f} %<extra>" + name + "</extra>"),
                      row=1, col=1)
    fig.update_yaxes(title_text=_axis("percent"), row=1, col=1)
    fig.update_xaxes(title_text=_axis("source of variation"), row=1, col=1)

    # 2, 3. R and X̄ charts by operator: cells in study order, grouped by operator
    cells = r.cells
    x = np.arange(len(cells))
    lim = r.chart_limits.set_index("chart")
    for panel, chart in enumerate(("range", "mean")):
        row, col = (1, 2) if panel == 0 else (2, 1)
        for o in ops:
            sel = (cells["operator"] == o).to_numpy()
            fig.add_trace(go.Scatter(
                x=x[sel], y=cells.loc[sel, chart], mode="lines+markers",
                line={"color": color[o], "width": 1}, marker={"size": 5},
                name=op_names[o], legendgroup=f"op-{o}", showlegend=False,
                customdata=fig_labels(cells.loc[sel, "part"]),
                hovertemplate=(f"{op_names[o]}, part %{{customdata}}: %{{y:.5g}}"
                               "<extra></extra>")), row=row, col=col)
        for key, dash, c in (("center", "solid", _CENTER), ("ucl", "dash", _LIMIT),
                             ("lcl", "dash", _LIMIT)):
            v = float(lim.loc[chart, key])
            fig.add_trace(go.Scatter(x=[x[0] - 0.5, x[-1] + 0.5], y=[v, v], mode="lines",
                                     line={"color": c, "dash": dash, "width": 1},
                                     showlegend=False, hoverinfo="skip"), row=row, col=col)
        ticks = [int(np.flatnonzero((cells["operator"] == o).to_numpy()).mean()) for o in ops]
        fig.update_xaxes(tickvals=ticks, ticktext=[op_names[o] for o in ops],
                         title_text=_axis("operator (parts in study order)"), row=row,
                         col=col)
    fig.update_yaxes(title_text=_axis(f"range of {label}", unit), row=1, col=2)
    fig.update_yaxes(title_text=_axis(f"mean of {label}", unit), row=2, col=1)

    # 4. by part: every value, and the part means
    m = r.measurements
    parts = list(dict.fromkeys(m["part"]))
    part_names = dict(zip(parts, fig_labels(parts), strict=True))
    fig.add_trace(go.Scatter(x=[part_names[p] for p in m["part"]], y=m["value"],
                             mode="markers", marker={"color": "#9ecae1", "size": 5},
                             showlegend=False, name="value",
                             hovertemplate="part %{x}: %{y:.5g}<extra></extra>"), row=2, col=2)
    pm = m.groupby("part", sort=False)["value"].mean()
    fig.add_trace(go.Scatter(x=[part_names[p] for p in pm.index], y=pm.to_numpy(),
                             mode="lines+markers", line={"color": _CENTER},
                             showlegend=False, name="part mean",
                             hovertemplate="part %{x} mean: %{y:.5g}<extra></extra>"),
                  row=2, col=2)
    fig.update_xaxes(type="category", title_text=_axis("part"), row=2, col=2)
    fig.update_yaxes(title_text=_axis(label, unit), row=2, col=2)

    # 5. by operator: box plots
    for o in ops:
        fig.add_trace(go.Box(y=m.loc[m["operator"] == o, "value"], name=op_names[o],
                             marker_color=color[o], boxmean=True, showlegend=False,
                             legendgroup=f"op-{o}"), row=3, col=1)
    fig.update_xaxes(title_text=_axis("operator"), row=3, col=1)
    fig.update_yaxes(title_text=_axis(label, unit), row=3, col=1)

    # 6. operator × part interaction (crossed); nested: each operator's own parts
    for o in ops:
        sel = cells[cells["operator"] == o]
        fig.add_trace(go.Scatter(x=[part_names.get(p, fig_text(p)) for p in sel["part"]],
                                 y=sel["mean"], mode="lines+markers", name=op_names[o],
                                 line={"color": color[o]}, legendgroup=f"op-{o}",
                                 hovertemplate=(f"{op_names[o]}, part %{{x}}: %{{y:.5g}}"
                                                "<extra></extra>")), row=3, col=2)
    fig.update_xaxes(type="category", title_text=_axis("part"), row=3, col=2)
    fig.update_yaxes(title_text=_axis(f"mean of {label}", unit), row=3, col=2)

    grr = r.component("gage_rr")
    head = title or f"Gage R&R of {label}"
    sub = (f"{r.method} {r.design}: %GRR {grr['pct_study_var']:.1f} % of study variation"
           + ("" if r.ndc is None else f", ndc {r.ndc}") + f" ({r.verdict})")
    fig.update_layout(title={"text": fig_text(f"{head} — {sub}")},
                      height=height or (1050 if many else 900), barmode="group", **theme(),
                      margin={"l": 70, "r": 40, "t": 90, "b": 110},
                      legend={"orientation": "h", "y": -0.12, "x": 0})
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig
