"""Plotly figures of the lean results (imported lazily: plotly is loaded only here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from leankit._text import LABEL_CHARS, fig_hover, fig_labels, fig_text
from leankit._theme import theme

if TYPE_CHECKING:  # pragma: no cover
    from leankit.lean._oee import OEE, DowntimePareto
    from leankit.lean._yield import YieldMetrics

__all__ = ["oee_figure", "pareto_figure", "yield_figure"]

_COLORS = {"fully productive": "#2ca02c", "quality": "#d62728", "speed": "#ff7f0e",
           "availability": "#7f7f7f"}


def _name(row: pd.Series, keys: tuple[str, ...]) -> str:
    """A group's raw name (escape it with ``fig_text``/``fig_labels`` before drawing)."""
    return "/".join(str(row[k]) for k in keys) or "all rows"


def _title(title: str | None, default: str) -> dict[str, str]:
    return {"text": fig_text(title if title is not None else default)}


def _groups(keys: tuple[str, ...], period: str | None = None) -> str:
    """ " by line, machine, per week": the grouping in words."""
    return (f" by {', '.join(keys)}" if keys else "") + (f", per {period}" if period else "")


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %" if pd.notna(x) else "undefined"


def _axes(fig: go.Figure) -> None:
    """Room for every axis title (a long one is not cut off at print width)."""
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)


def oee_figure(result: OEE, *, title: str | None = None, height: int | None = None) -> go.Figure:
    """The loss tree of an :class:`~leankit.lean.OEE` result.

    One group, no period: a waterfall from planned time through the availability
    losses (by reason), speed and quality loss to fully productive time. Several
    groups: stacked bars of the loss shares per group. With a period: the OEE trend
    per group (lines), above the loss bars of the whole range.
    """
    keys = result.by
    losses = result.losses
    if result.period is None and len(result.table) == 1:
        fig = _waterfall(result)
    else:
        rows = 2 if result.period else 1
        fig = make_subplots(rows=rows, cols=1, vertical_spacing=0.15,
                            subplot_titles=(["OEE per " + result.period] if result.period
                                            else []) + ["Share of planned time"])
        if result.period:
            groups = (result.table.groupby(list(keys), sort=True) if keys
                      else [((), result.table)])
            for key, g in groups:
                label = "/".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
                fig.add_trace(go.Scatter(x=g["period"], y=g["oee"], mode="lines+markers",
                                         name=fig_text(f"OEE {label or 'all rows'}",
                                                       max_len=LABEL_CHARS)), row=1, col=1)
            fig.update_yaxes(tickformat=".0%", title_text="OEE (%)", row=1, col=1)
            fig.update_xaxes(title_text=result.period, row=1, col=1)
        # loss shares per group over all periods (minutes summed, then / planned)
        agg = (losses.groupby([*keys, "category"], sort=False)["minutes"].sum().reset_index()
               if keys else losses.groupby("category", sort=False)["minutes"].sum().reset_index())
        planned = (agg.groupby(list(keys))["minutes"].transform("sum") if keys
                   else pd.Series(agg["minutes"].sum(), index=agg.index))
        agg["share"] = agg["minutes"] / planned
        raw = [_name(r, keys) for _, r in agg.iterrows()]
        agg["group"] = fig_labels(raw)
        agg["hover"] = [fig_hover(x) for x in raw]
        for cat in ("fully productive", "quality", "speed", "availability"):
            sub = agg[agg["category"] == cat]
            fig.add_trace(go.Bar(x=sub["group"], y=sub["share"], name=cat,
                                 marker_color=_COLORS[cat],
                                 customdata=sub["minutes"], hovertext=sub["hover"],
                                 hovertemplate="%{hovertext}: %{y:.1%} "
                                 "(%{customdata:.0f} min)"),
                          row=rows, col=1)
        fig.update_layout(barmode="stack")
        fig.update_xaxes(type="category", row=rows, col=1,
                         title_text=fig_text("/".join(keys) or "all rows",
                                             max_len=LABEL_CHARS))
        fig.update_yaxes(tickformat=".0%", title_text="share of planned time (%)",
                         row=rows, col=1)
    default = f"OEE{_groups(keys, result.period)}: overall {_pct(result.value)}"
    fig.update_layout(title=_title(title, default), height=height, **theme())
    _axes(fig)
    return fig


def _waterfall(result: OEE) -> go.Figure:
    losses = result.losses
    planned = float(result.table["planned_time"].iloc[0])
    labels, values, measures = ["planned time"], [planned], ["absolute"]
    for _, r in losses.iterrows():
        if r["category"] == "fully productive":
            continue
        name = r["reason"] if r["category"] == "availability" else f"{r['category']} loss"
        labels.append(str(name))
        values.append(-float(r["minutes"]))
        measures.append("relative")
    labels.append("fully productive")
    values.append(float(result.table["fully_productive_time"].iloc[0]))
    measures.append("total")
    fig = go.Figure(go.Waterfall(x=fig_labels(labels), y=values, measure=measures,
                                 hovertext=[fig_hover(x) for x in labels],
                                 texttemplate="%{y:.0f}", textposition="outside"))
    fig.update_xaxes(type="category", title_text="planned time, losses and productive time")
    fig.update_yaxes(title_text="time (min)")
    return fig


def pareto_figure(result: DowntimePareto, *, title: str | None = None,
                  height: int | None = None) -> go.Figure:
    """Pareto chart of a :class:`~leankit.lean.DowntimePareto`: bars of minutes per
    reason and the cumulative percent (right axis), one panel per group."""
    t = result.table
    keys = result.by
    groups: list[tuple[str, pd.DataFrame]]
    if keys and not t.empty:
        groups = [(_name(g.iloc[0], keys), g) for _, g in t.groupby(list(keys), sort=True)]
    else:
        groups = [("all rows", t)]
    fig = make_subplots(rows=len(groups), cols=1,
                        subplot_titles=[fig_text(n, max_len=2 * LABEL_CHARS) for n, _ in groups],
                        specs=[[{"secondary_y": True}] for _ in groups])
    for i, (_, g) in enumerate(groups, 1):
        reasons = fig_labels(g["reason"])
        fig.add_trace(go.Bar(x=reasons, y=g["minutes"], name="minutes",
                             hovertext=[fig_hover(x) for x in g["reason"]],
                             hovertemplate="%{hovertext}: %{y:.0f} min<extra></extra>",
                             showlegend=i == 1, marker_color="#1f77b4"), row=i, col=1)
        fig.add_trace(go.Scatter(x=reasons, y=g["cumulative_percent"],
                                 mode="lines+markers", name="cumulative %",
                                 showlegend=i == 1, line_color="#d62728"),
                      row=i, col=1, secondary_y=True)
        fig.update_yaxes(title_text="downtime (min)", row=i, col=1, secondary_y=False)
        fig.update_yaxes(range=[0, 105], ticksuffix=" %", title_text="cumulative %",
                         row=i, col=1, secondary_y=True)
        fig.update_xaxes(type="category", title_text="reason", row=i, col=1)
    if t.empty:
        default = "Downtime by reason: no downtime"
    else:
        top = t.iloc[0]
        default = (f"Downtime by reason{_groups(keys)}: {result.total_minutes:,.0f} min, "
                   f"top {top['reason']} ({top['percent']:.0f} %)")
    fig.update_layout(title=_title(title, default),
                      height=height or max(400, 320 * len(groups)), **theme())
    _axes(fig)
    return fig


def yield_figure(result: YieldMetrics, *, title: str | None = None,
                 height: int | None = None, **_: Any) -> go.Figure:
    """FPY and RTY per group (bars), or the FPY trend per group with a period."""
    t = result.table
    keys = result.by
    fig = go.Figure()
    if result.period:
        groups = t.groupby(list(keys), sort=True) if keys else [((), t)]
        for key, g in groups:
            label = "/".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
            fig.add_trace(go.Scatter(x=g["period"], y=g["fpy"], mode="lines+markers",
                                     name=fig_text(f"FPY {label or 'all rows'}",
                                                   max_len=LABEL_CHARS)))
            if result.step:
                fig.add_trace(go.Scatter(x=g["period"], y=g["rty"], mode="lines",
                                         line_dash="dot",
                                         name=fig_text(f"RTY {label or 'all rows'}",
                                                       max_len=LABEL_CHARS)))
    else:
        raw = [_name(r, keys) for _, r in t.iterrows()]
        names = fig_labels(raw)
        hover = [fig_hover(x) for x in raw]
        fig.add_trace(go.Bar(x=names, y=t["fpy"], name="FPY", hovertext=hover))
        if result.step:
            fig.add_trace(go.Bar(x=names, y=t["rty"], name="RTY", hovertext=hover))
        fig.update_layout(barmode="group")
        fig.update_xaxes(type="category")
    what = "FPY and RTY" if result.step else "first-pass yield"
    fig.update_yaxes(tickformat=".1%", title_text=f"{what} (%)")
    fig.update_xaxes(title_text=result.period if result.period else
                     fig_text("/".join(keys) or "all rows", max_len=LABEL_CHARS))
    o = result.overall.iloc[0]
    default = f"First-pass yield{_groups(keys, result.period)}: FPY {_pct(o['fpy'])}"
    if result.step:
        default += f", RTY {_pct(o['rty'])}"
    fig.update_layout(title=_title(title, default), height=height, **theme())
    _axes(fig)
    return fig
