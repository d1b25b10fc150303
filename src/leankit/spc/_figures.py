"""Plotly figures of control charts (built from a :class:`ControlChart` only)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from leankit._theme import theme

if TYPE_CHECKING:  # pragma: no cover
    from leankit.spc._capability import Capability
    from leankit.spc._results import ControlChart

__all__ = ["capability_figure", "chart_figure"]

_TITLES = {
    "xbar": "X̄", "r": "R", "s": "S", "i": "Individual value", "mr": "Moving range",
    "p": "Proportion defective", "np": "Number defective", "c": "Defects", "u": "Defects per unit",
}
_COLORS = {"point": "#1f77b4", "signal": "#d62728", "limit": "#d62728", "center": "#2ca02c",
           "zone": "#9e9e9e", "excluded": "#7f7f7f", "phase2": "rgba(31,119,180,0.07)"}
WEBGL_THRESHOLD = 2000


def _x(points: pd.DataFrame, use_time: bool) -> np.ndarray:
    if use_time:
        out: np.ndarray = pd.to_datetime(points["time"]).to_numpy()
        return out
    return np.arange(len(points))


def _hover(points: pd.DataFrame, rule_text: dict[str, str]) -> list[str]:
    out = []
    for row in points.itertuples(index=False):
        parts = [f"subgroup {html.escape(str(row.subgroup))}"]
        if row.time is not None and not (isinstance(row.time, float) and np.isnan(row.time)):
            parts.append(html.escape(str(row.time)))
        parts.append(f"value {row.statistic:.6g}" if np.isfinite(row.statistic) else "no value")
        parts.append(f"n = {row.n:g}  ·  limits {row.lcl:.6g} – {row.ucl:.6g}")
        if row.excluded:
            parts.append(f"excluded from limits: {html.escape(str(row.exclude_reason))}")
        if row.rules:
            parts += [f"<b>{html.escape(rule_text.get(r, r))}</b>" for r in row.rules.split(",")]
        out.append("<br>".join(parts))
    return out


def _steps(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep only the points where a piecewise-constant line changes (and its last point)."""
    if len(ys) < 3:
        return xs, ys
    y = np.asarray(ys, dtype=float)
    change = np.r_[True, ~np.isclose(y[1:], y[:-1], equal_nan=True)]
    change[-1] = True
    return xs[change], y[change]


def chart_figure(chart: ControlChart, *, title: str | None = None, show_zones: bool = False,
                 height: int | None = None, webgl: bool | None = None,
                 x: str = "auto", compact: bool = False) -> go.Figure:
    """Draw a control chart.

    Parameters
    ----------
    chart : ControlChart
        The chart (one or two panels).
    title : str, optional
        Figure title (default: the chart type and value column).
    show_zones : bool, default False
        Draw the ±1 and ±2 sigma zone lines of the plotted statistic.
    height : int, optional
        Figure height in pixels (default 380 per panel).
    webgl : bool, optional
        Use WebGL traces (default: when a panel has more than 2000 points).
    x : {"auto", "time", "subgroup"}, default "auto"
        X axis: time when the chart has times, else subgroup order.
    compact : bool, default False
        Smaller figure for reports: limits drawn only where they change, times to the
        minute, hover details only on signals.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    panels = chart.panel_names
    use_time = x == "time" or (x == "auto" and chart.points["time"].notna().any())
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[_TITLES.get(p, p) for p in panels])
    rule_text = dict(zip(chart.signals["rule"], chart.signals["description"], strict=True))
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for row, panel in enumerate(panels, start=1):
        pts = chart.points[chart.points["panel"] == panel].reset_index(drop=True)
        xs = _x(pts, use_time)
        if compact and use_time:
            xs = pd.to_datetime(xs).strftime("%Y-%m-%d %H:%M").to_numpy()
        gl = webgl if webgl is not None else len(pts) > WEBGL_THRESHOLD
        scatter = go.Scattergl if gl else go.Scatter
        for name, col, dash in (("UCL", "ucl", "dash"), ("Center", "center", "solid"),
                                ("LCL", "lcl", "dash")):
            lx, ly = _steps(xs, pts[col].to_numpy()) if compact else (xs, pts[col])
            fig.add_trace(go.Scatter(
                x=lx, y=ly, mode="lines", line={"shape": "hv" if compact else "hvh",
                                                "dash": dash, "width": 1.2,
                "color": _COLORS["center" if col == "center" else "limit"]},
                name=name, legendgroup=name, showlegend=row == 1, hoverinfo="skip"), row=row, col=1)
        if show_zones:
            for z in (1, 2):
                for sign in (1, -1):
                    fig.add_trace(go.Scatter(
                        x=xs, y=pts["center"] + sign * z * pts["sigma"], mode="lines",
                        line={"shape": "hvh", "dash": "dot", "width": 0.8,
                              "color": _COLORS["zone"]},
                        name=f"±{z}σ", legendgroup=f"zone{z}", showlegend=row == 1 and sign == 1,
                        hoverinfo="skip"), row=row, col=1)
        sig = pts["signal"].to_numpy(dtype=bool)
        hover = (_hover(pts[sig].reset_index(drop=True), rule_text) if compact
                 else _hover(pts, rule_text))
        stat = pts["statistic"].to_numpy(dtype=float)
        if compact:
            fig.add_trace(scatter(
                x=xs, y=np.round(stat, 7), mode="lines+markers", name=_TITLES.get(panel, panel),
                line={"color": _COLORS["point"], "width": 1}, marker={"size": 4},
                hovertemplate="%{x}: %{y:.6g}<extra></extra>", showlegend=False),
                row=row, col=1)
        else:
            fig.add_trace(scatter(
                x=xs, y=stat, mode="lines+markers", name=_TITLES.get(panel, panel),
                line={"color": _COLORS["point"], "width": 1}, marker={"size": 5},
                text=hover, hovertemplate="%{text}<extra></extra>", showlegend=False),
                row=row, col=1)
        if sig.any():
            fig.add_trace(scatter(
                x=xs[sig], y=pts["statistic"][sig], mode="markers", name="Signal",
                legendgroup="signal", showlegend=row == 1,
                marker={"color": _COLORS["signal"], "size": 9, "symbol": "circle"},
                text=hover if compact else [hover[i] for i in np.flatnonzero(sig)],
                hovertemplate="%{text}<extra></extra>"), row=row, col=1)
        exc = pts["excluded"].to_numpy(dtype=bool)
        if exc.any():
            fig.add_trace(scatter(
                x=xs[exc], y=pts["statistic"][exc], mode="markers", name="Excluded",
                legendgroup="excluded", showlegend=row == 1,
                marker={"color": "white", "size": 9, "symbol": "circle-open",
                        "line": {"color": _COLORS["excluded"], "width": 2}},
                hoverinfo="skip"), row=row, col=1)
        _stage_and_phase(pts, xs, row, shapes, notes)
    if not use_time:
        main = chart.points[chart.points["panel"] == panels[0]]
        step = max(1, len(main) // 25)
        fig.update_xaxes(tickmode="array", tickvals=list(range(0, len(main), step)),
                         ticktext=[str(s) for s in main["subgroup"].iloc[::step]],
                         row=len(panels), col=1)
    value = chart.parameters.get("value") or chart.parameters.get("count") or ""
    default_title = f"{_chart_name(chart.chart)}" + (f": {value}" if value else "")
    fig.update_layout(
        shapes=shapes, annotations=[*fig.layout.annotations, *notes],
        title={"text": html.escape(title if title is not None else default_title)},
        height=height or 380 * len(panels), **theme(),
        margin={"l": 60, "r": 20, "t": 70, "b": 40}, hovermode="closest",
        legend={"orientation": "h", "y": -0.12},
    )
    return fig


def _chart_name(chart: str) -> str:
    return {"xbar_r": "X̄-R chart", "xbar_s": "X̄-S chart", "i_mr": "I-MR chart",
            "p": "p chart", "np": "np chart", "c": "c chart", "u": "u chart"}.get(
        chart, _TITLES.get(chart, chart) + " chart")


def _axis(row: int) -> tuple[str, str]:
    return ("x", "y") if row == 1 else (f"x{row}", f"y{row}")


def _stage_and_phase(pts: pd.DataFrame, xs: np.ndarray, row: int, shapes: list[dict[str, Any]],
                     notes: list[dict[str, Any]]) -> None:
    """Vertical lines at stage changes and a shaded Phase II region (collected as layout
    shapes and annotations, set once: adding them one by one is slow in plotly)."""
    xref, yref = _axis(row)
    stages = pts["stage"].to_numpy()
    if len(pd.unique(stages)) > 1:
        change = np.flatnonzero(stages[1:] != stages[:-1]) + 1
        for i in change:
            shapes.append({"type": "line", "xref": xref, "yref": f"{yref} domain", "x0": xs[i],
                           "x1": xs[i], "y0": 0, "y1": 1,
                           "line": {"dash": "dot", "color": "#555", "width": 1}})
        for i in np.concatenate(([0], change)):
            notes.append({"x": xs[i], "y": 1.0, "xref": xref, "yref": f"{yref} domain",
                          "text": html.escape(str(stages[i])), "showarrow": False,
                          "xanchor": "left", "font": {"size": 10, "color": "#555"}})
    phase2 = np.flatnonzero(pts["phase"].to_numpy() == "II")
    if len(phase2):
        shapes.append({"type": "rect", "xref": xref, "yref": f"{yref} domain",
                       "x0": xs[phase2[0]], "x1": xs[phase2[-1]], "y0": 0, "y1": 1,
                       "fillcolor": _COLORS["phase2"], "line": {"width": 0}, "layer": "below"})
        if row == 1:
            notes.append({"x": xs[phase2[0]], "y": 1.0, "xref": xref, "yref": f"{yref} domain",
                          "text": "Phase II", "showarrow": False, "xanchor": "left",
                          "yanchor": "bottom", "font": {"size": 10, "color": "#1f77b4"}})



def _model_pdf(cap: Capability, grid: np.ndarray, basis: str) -> np.ndarray | None:
    """Density of the capability model on the original scale (None if not defined)."""
    from scipy import stats

    m = cap.model
    if cap.method == "normal":
        sig = cap.sigma_within if basis == "within" else cap.sigma_overall
        if sig is None:
            return None
        out: np.ndarray = stats.norm.pdf(grid, cap.mean, sig)
        return out
    if cap.method == "boxcox" and "lambda" in m:
        lam = m["lambda"]
        sig = m["sigma_within"] if basis == "within" else m["sigma_overall"]
        pos = grid > 0
        t = np.full_like(grid, np.nan)
        t[pos] = np.log(grid[pos]) if lam == 0 else (grid[pos] ** lam - 1) / lam
        dens = stats.norm.pdf(t, m["mu"], sig) * np.where(pos, grid, np.nan) ** (lam - 1)
        out2: np.ndarray = np.nan_to_num(np.asarray(dens, dtype=float))
        return out2
    if basis == "within":
        return None
    if cap.method == "johnson":
        return np.asarray(m["johnson"].pdf(grid), dtype=float)
    if "dist" in m:
        return np.asarray(m["dist"].pdf(grid), dtype=float)
    return None


def _theoretical(cap: Capability, pp: np.ndarray) -> np.ndarray:
    from scipy import stats

    m = cap.model
    if "dist" in m:
        return np.asarray(m["dist"].ppf(pp), dtype=float)
    if cap.method == "johnson":
        return np.asarray(m["johnson"].ppf(pp), dtype=float)
    if cap.method == "nonparametric":
        return np.asarray(np.quantile(cap.values, pp, method="weibull"), dtype=float)
    if cap.method == "boxcox":
        lam = m["lambda"]
        t = stats.norm.ppf(pp, m["mu"], m["sigma_overall"])
        back = np.exp(t) if lam == 0 else np.power(np.maximum(lam * t + 1, 1e-12), 1 / lam)
        return np.asarray(back, dtype=float)
    sig = cap.sigma_overall or 1.0
    return np.asarray(stats.norm.ppf(pp, cap.mean, sig), dtype=float)


def capability_figure(cap: Capability, *, title: str | None = None, bins: int | None = None,
                      height: int = 430) -> go.Figure:
    """Capability histogram (with the model's within and overall curves, specification
    limits and target) beside a probability plot of the data against the model.

    Parameters
    ----------
    cap : Capability
        The result to draw.
    title : str, optional
        Figure title (default: method and the main indices).
    bins : int, optional
        Number of histogram bins (default: Freedman-Diaconis).
    height : int, default 430
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    x = np.sort(cap.values)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.08,
                        subplot_titles=["Capability histogram", "Probability plot"])
    edges = np.histogram_bin_edges(x, bins=bins or "fd")
    if len(edges) > 121:  # at most 120 bars, whatever the data
        edges = np.linspace(edges[0], edges[-1], 121)
    dens, edges = np.histogram(x, bins=edges, density=True)
    mids = (edges[:-1] + edges[1:]) / 2
    fig.add_trace(go.Bar(x=mids, y=dens, width=np.diff(edges), name="data",
                         marker={"color": "#9ecae1", "line": {"color": "#6baed6", "width": 0.5}},
                         hovertemplate="%{x:.5g}: %{y:.4g}<extra></extra>"), row=1, col=1)
    specs = [v for v in (cap.lsl, cap.usl, cap.target) if v is not None]
    lo = min([x[0], *specs])
    hi = max([x[-1], *specs])
    pad = 0.08 * (hi - lo)
    grid = np.linspace(lo - pad, hi + pad, 400)
    for basis, dash, color in (("overall", "solid", "#08519c"), ("within", "dash", "#de2d26")):
        curve = _model_pdf(cap, grid, basis)
        if curve is not None:
            fig.add_trace(go.Scatter(x=grid, y=curve, mode="lines", name=f"{basis} model",
                                     line={"dash": dash, "color": color, "width": 2},
                                     hoverinfo="skip"), row=1, col=1)
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for name, v, color in (("LSL", cap.lsl, "#d62728"), ("USL", cap.usl, "#d62728"),
                           ("Target", cap.target, "#2ca02c")):
        if v is not None:
            shapes.append({"type": "line", "xref": "x", "yref": "y domain", "x0": v, "x1": v,
                           "y0": 0, "y1": 1, "line": {"color": color, "width": 2,
                                                      "dash": "dot" if name == "Target" else
                                                      "dash"}})
            notes.append({"x": v, "y": 1.02, "xref": "x", "yref": "y domain", "text": name,
                          "showarrow": False, "font": {"color": color, "size": 11}})
    n = len(x)
    pp = (np.arange(1, n + 1) - 0.3) / (n + 0.4)  # median ranks (Benard)
    if n > 400:  # draw at most 400 order statistics (extremes always kept)
        keep = np.unique(np.r_[np.linspace(0, n - 1, 400).round().astype(int), 0, n - 1])
        x, pp = x[keep], pp[keep]
    theo = _theoretical(cap, pp)
    fig.add_trace(go.Scatter(x=theo, y=x, mode="markers", name="data vs model",
                             marker={"size": 4, "color": "#08519c"},
                             hovertemplate="model %{x:.4g}<br>data %{y:.4g}<extra></extra>",
                             showlegend=False), row=1, col=2)
    ends = [float(np.nanmin([theo[0], x[0]])), float(np.nanmax([theo[-1], x[-1]]))]
    fig.add_trace(go.Scatter(x=ends, y=ends, mode="lines", line={"color": "#888", "dash": "dot"},
                             name="perfect fit", showlegend=False, hoverinfo="skip"), row=1, col=2)
    fig.update_xaxes(title_text="model quantile", row=1, col=2)
    fig.update_yaxes(title_text="data", row=1, col=2)
    idx = cap.indices.set_index("index")["estimate"]
    shown = ", ".join(f"{k.capitalize()} {idx[k]:.2f}" for k in ("cp", "cpk", "pp", "ppk")
                      if k in idx.index)
    default = f"Capability ({cap.method}, {cap.distribution}): {shown}"
    if cap.stable is False:
        default += " — process NOT stable"
    fig.update_layout(title={"text": html.escape(title if title is not None else default)},
                      shapes=shapes, annotations=[*fig.layout.annotations, *notes],
                      height=height, **theme(), bargap=0.02,
                      margin={"l": 60, "r": 20, "t": 70, "b": 40},
                      legend={"orientation": "h", "y": -0.15})
    return fig
