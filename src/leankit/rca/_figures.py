"""Plotly figures of root-cause results (built from result objects only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from leankit._text import LABEL_CHARS, fig_hover, fig_labels, fig_text, shorten
from leankit._theme import theme

if TYPE_CHECKING:  # pragma: no cover
    from leankit.rca._changepoints import ChangePoints
    from leankit.rca._drivers import DriverModel
    from leankit.rca._pareto import Pareto, ParetoComparison
    from leankit.rca._stratify import Stratification

__all__ = ["change_points_figure", "comparison_figure", "drivers_figure", "pareto_figure",
           "stratification_figure"]

_BAR = "#3182bd"
MAX_POINTS = 10_000  # above this, a series is drawn decimated (see spc._figures.decimate)
_VITAL = "#de2d26"
_LINE = "#636363"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": fig_text(title)}, height=height, **theme(),
                      margin={"l": 60, "r": 60, "t": 70, "b": 80}, showlegend=False)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def _quantity(label: object, unit: str | None = None) -> str:
    """An axis title (escaped; two lines when long): the quantity and its unit."""
    from leankit.spc._figures import axis_title, quantity

    return axis_title(quantity(shorten(label, LABEL_CHARS // 2), unit))


def pareto_figure(p: Pareto, *, title: str | None = None, height: int | None = None,
                  max_groups: int = 12, value_label: str | None = None,
                  unit: str | None = None) -> go.Figure:
    """Pareto chart: bars (vital few highlighted), cumulative-percent line, cutoff line.

    One panel per ``by`` group (at most ``max_groups``).

    Parameters
    ----------
    p : Pareto
        The result to draw.
    title : str, optional
        Figure title (default: "Pareto of <what was summed>").
    height : int, optional
        Figure height in pixels (default 360 per panel).
    max_groups : int, default 12
        Panels drawn at most.
    value_label : str, optional
        What the bars measure, on the left axis and in the default title ("defects";
        default: the Pareto's measure, "count" or the summed column).
    unit : str, optional
        Its unit ("count", "EUR"): the left axis reads "defects (count)".

    Returns
    -------
    plotly.graph_objects.Figure
    """
    table = p.table
    groups = [((), table)] if not p.by else list(table.groupby(list(p.by), sort=False))
    groups = groups[:max_groups]
    rows = len(groups)
    titles = [fig_text(", ".join(f"{c} {v}" for c, v in zip(
        p.by, k if isinstance(k, tuple) else (k,), strict=False)), max_len=2 * LABEL_CHARS)
        for k, _ in groups] if p.by else [""]
    measure = fig_text(value_label or p.measure, max_len=LABEL_CHARS)
    y_title = _quantity(value_label or p.measure, unit)
    x_title = _quantity(p.parameters.get("category") or "category")
    fig = make_subplots(rows=rows, cols=1, subplot_titles=titles, vertical_spacing=0.12,
                        specs=[[{"secondary_y": True}] for _ in range(rows)])
    for r, (_, t) in enumerate(groups, start=1):
        colors = [_VITAL if v else _BAR for v in t["vital_few"]]
        cats = fig_labels(t["category"])
        fig.add_trace(go.Bar(x=cats, y=t["value"], marker_color=colors, name=measure,
                             customdata=np.c_[t["percent"], t["cumulative_percent"]],
                             hovertext=[fig_hover(c) for c in t["category"]],
                             hovertemplate="%{hovertext}<br>%{y:.4g} (%{customdata[0]:.1f} %)"
                             "<br>cumulative %{customdata[1]:.1f} %<extra></extra>"),
                      row=r, col=1, secondary_y=False)
        fig.add_trace(go.Scatter(x=cats, y=t["cumulative_percent"], mode="lines+markers",
                                 line={"color": _LINE}, name="cumulative %",
                                 hoverinfo="skip"), row=r, col=1, secondary_y=True)
        fig.add_trace(go.Scatter(x=[cats[0], cats[-1]], y=[100 * p.cutoff] * 2, mode="lines",
                                 line={"color": _LINE, "dash": "dot", "width": 1},
                                 hoverinfo="skip"), row=r, col=1, secondary_y=True)
        fig.update_yaxes(range=[0, 105], ticksuffix=" %", title_text="cumulative %",
                         row=r, col=1, secondary_y=True)
        fig.update_yaxes(title_text=y_title, row=r, col=1, secondary_y=False)
        fig.update_xaxes(type="category", title_text=x_title, row=r, col=1)
    default = (f"Pareto of {value_label or p.measure}"
               + (f" by {', '.join(p.by)}" if p.by else ""))
    return _layout(fig, title if title is not None else default, height or 360 * rows)


def comparison_figure(c: ParetoComparison, *, title: str | None = None,
                      height: int = 420, value_label: str | None = None) -> go.Figure:
    """Shares before and after, categories ordered by the size of the change.

    Parameters
    ----------
    c : ParetoComparison
        The result to draw.
    title : str, optional
        Figure title (default: what moved and the χ² test's p-value).
    height : int, default 420
        Figure height in pixels.
    value_label : str, optional
        What the shares are of ("defects": the y axis reads "share of defects (%)").

    Returns
    -------
    plotly.graph_objects.Figure
    """
    t = c.table
    cats = fig_labels(t["category"])
    fig = go.Figure()
    fig.update_xaxes(type="category")
    fig.add_trace(go.Bar(x=cats, y=t["before_percent"], name="before", marker_color="#9ecae1"))
    fig.add_trace(go.Bar(x=cats, y=t["after_percent"], name="after",
                         marker_color=[_VITAL if abs(r) > 2 else _BAR
                                       for r in t["adjusted_residual"]]))
    fig.update_yaxes(ticksuffix=" %", title_text=_quantity(
        f"share of {value_label}" if value_label else "share", "%"))
    fig.update_xaxes(title_text="category")
    what = f"Mix of {value_label}" if value_label else "Mix"
    default = f"{what} before vs after (χ² p = {c.p_value:.3g}; red: significant movers)"
    fig = _layout(fig, title if title is not None else default, height)
    fig.update_layout(barmode="group", showlegend=True)
    return fig


def stratification_figure(s: Stratification, *, title: str | None = None,
                          height: int | None = None, max_factors: int = 6,
                          value_label: str | None = None, unit: str | None = None
                          ) -> go.Figure:
    """Rate (or mean) per level with its confidence interval, one panel per factor.

    Parameters
    ----------
    s : Stratification
        The result to draw.
    title : str, optional
        Figure title (default: what is compared, in words).
    height : int, optional
        Figure height in pixels (default 300 per factor).
    max_factors : int, default 6
        Factors drawn at most (the most significant first).
    value_label : str, optional
        Measurements: the value's name (default: its column), y axis "mean of
        <value> (<unit>)". Counts: the counted thing ("defects": "defects per unit").
    unit : str, optional
        Measurements: the value's unit ("mm"). Counts: the unit of the exposure
        ("unit" by default: "defects per unit inspected" reads "defects per unit").

    Returns
    -------
    plotly.graph_objects.Figure
    """
    factors = list(s.factors.sort_values("p_adjusted")["factor"])[:max_factors]
    if s.kind == "measurements":
        value = value_label or s.parameters.get("value") or "value"
        y_title = _quantity(f"mean of {shorten(value, LABEL_CHARS // 2)}", unit)
    elif s.kind == "defects":
        y_title = _quantity("rate", f"{value_label or 'defects'} per {unit or 'unit'}")
    else:
        y_title = _quantity("proportion defective")
    total = height or 300 * len(factors)
    gap = min(0.3, 90 / total) if len(factors) > 1 else 0.1  # room for the x titles
    fig = make_subplots(rows=len(factors), cols=1, vertical_spacing=gap)
    for r, f in enumerate(factors, start=1):
        lv = s.levels[s.levels["factor"] == f]
        names = fig_labels(lv["level"])
        if s.kind == "measurements":
            se = lv["sd"] / np.sqrt(lv["n"])
            y, lo, hi = lv["mean"], lv["mean"] - 1.96 * se, lv["mean"] + 1.96 * se
            ref = s.overall_rate
        else:
            y, lo, hi, ref = lv["rate"], lv["lower"], lv["upper"], s.overall_rate
        sig = (lv["p_adjusted"] < s.parameters.get("alpha", 0.05)).to_numpy()
        fig.add_trace(go.Scatter(
            x=names, y=y, mode="markers",
            marker={"size": 9, "color": [_VITAL if v else _BAR for v in sig]},
            error_y={"type": "data", "symmetric": False, "array": np.asarray(hi - y),
                     "arrayminus": np.asarray(y - lo), "color": _LINE},
            hovertext=[fig_hover(v) for v in lv["level"]],
            hovertemplate="%{hovertext}: %{y:.4g}<extra></extra>"), row=r, col=1)
        fig.update_xaxes(type="category", title_text=_quantity(f), row=r, col=1)
        fig.update_yaxes(title_text=y_title, row=r, col=1)
        if np.isfinite(ref):
            fig.add_hline(y=ref, line={"dash": "dot", "color": _LINE}, row=r, col=1)
    what = {"measurements": "Mean", "defects": "Defect rate"}.get(s.kind, "Defective rate")
    default = f"{what} per factor level (red: significant after adjustment)"
    return _layout(fig, title if title is not None else default, total)


def drivers_figure(d: DriverModel, *, title: str | None = None, height: int = 380) -> go.Figure:
    """Likelihood-ratio (or F) statistic per model term, strongest first."""
    t = d.anova.iloc[::-1]
    from leankit.rca._drivers import _term_words

    names = fig_labels(_term_words(str(x)) for x in t["term"])
    colors = [_VITAL if p < 0.05 else _BAR for p in t["p_adjusted"]]
    fig = go.Figure(go.Bar(x=t["statistic"], y=names, orientation="h", marker_color=colors,
                           customdata=t["p_adjusted"],
                           hovertext=[fig_hover(_term_words(str(x))) for x in t["term"]],
                           hovertemplate="%{hovertext}: %{x:.3g} (adj. p %{customdata:.2g})"
                           "<extra></extra>"))
    fig.update_yaxes(type="category", title_text="model term")
    fig.update_xaxes(title_text="likelihood-ratio χ²" if d.family != "gaussian"
                     else "F statistic")
    family = "Poisson" if d.family == "poisson" else d.family
    return _layout(fig, title if title is not None else f"Drivers ({family} model)", height)


def change_points_figure(c: ChangePoints, *, title: str | None = None,
                         height: int = 380, value_label: str | None = None,
                         unit: str | None = None, time_label: str | None = None
                         ) -> go.Figure:
    """The series, the segment means, and each change's time interval shaded.

    Parameters
    ----------
    c : ChangePoints
        The result to draw.
    title : str, optional
        Figure title (default: the finding in one sentence).
    height : int, default 380
        Figure height in pixels.
    value_label, unit : str, optional
        The value's name (default: its column) and unit, on the y axis.
    time_label : str, optional
        Title of the x axis (default "time", with the time zone of zone-aware times,
        or "observation").

    Returns
    -------
    plotly.graph_objects.Figure
    """
    x = pd.to_datetime(c.times) if np.issubdtype(np.asarray(c.times).dtype, np.datetime64) or \
        isinstance(c.times[0], pd.Timestamp) else c.times
    zone = ""
    if isinstance(x, pd.DatetimeIndex) and x.tz is not None:
        zone = str(x.tz)
        x = x.tz_localize(None)  # wall-clock datetime64: what plotly shows, 8 bytes a point
    if time_label is None:
        time_label = (f"time ({zone})" if zone else "time") if isinstance(
            x, pd.DatetimeIndex) else "observation"
    fig = go.Figure()
    y = np.asarray(c.values, dtype=float)
    n = len(y)
    if n > MAX_POINTS:  # draw a decimated view: every bucket's extremes, every change
        from leankit.spc._figures import decimate

        try:  # the points on both sides of each change stay
            if isinstance(x, pd.DatetimeIndex):
                pos = x.searchsorted(pd.DatetimeIndex(pd.to_datetime(c.changes["time"])))
            else:
                pos = np.searchsorted(np.asarray(x), np.asarray(c.changes["time"]))
            must = np.clip(np.r_[pos - 1, pos], 0, n - 1).astype(np.int64)
        except (TypeError, ValueError):
            must = None
        keep = decimate(y, keep=must)
        x = np.asarray(x)[keep]
        y = y[keep]
        fig.add_annotation(x=0, y=1, xref="paper", yref="paper", yanchor="bottom",
                           showarrow=False, font={"size": 11, "color": "#555"},
                           text=f"Decimated view: {len(keep):,} of {n:,} values drawn (first, "
                           "last, min and max of 2,000 buckets). Every value was analysed.")
    scatter = go.Scattergl if len(y) > 2000 else go.Scatter
    fig.add_trace(scatter(x=x, y=y, mode="markers", marker={"size": 3, "color": _BAR},
                          name="values", hoverinfo="skip"))
    for seg in c.segments.itertuples():
        fig.add_trace(go.Scatter(x=[seg.start_time, seg.end_time], y=[seg.mean, seg.mean],
                                 mode="lines", line={"color": _VITAL, "width": 3},
                                 hovertemplate=f"mean {seg.mean:.4g}<extra></extra>"))
    for ch in c.changes.itertuples():
        fig.add_vrect(x0=ch.time_lower, x1=ch.time_upper, fillcolor="rgba(222,45,38,0.12)",
                      line_width=0)
        fig.add_vline(x=ch.time, line={"color": _VITAL, "dash": "dash", "width": 1})
    fig.update_xaxes(title_text=_quantity(time_label))
    fig.update_yaxes(title_text=_quantity(value_label or c.parameters.get("value") or "value",
                                          unit))
    return _layout(fig, title if title is not None else c.finding(), height)
