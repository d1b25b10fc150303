"""Plotly figures of control charts (built from a :class:`ControlChart` only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from leankit._text import LABEL_CHARS, fig_hover, fig_text, shorten
from leankit._theme import theme
from leankit.spc._families import FamilyError, Panel, get_family
from leankit.spc._results import chart_title

if TYPE_CHECKING:  # pragma: no cover
    from leankit.spc._capability import Capability
    from leankit.spc._results import ControlChart

__all__ = ["capability_figure", "chart_figure"]

_COLORS = {"point": "#1f77b4", "signal": "#d62728", "limit": "#d62728", "center": "#2ca02c",
           "zone": "#9e9e9e", "excluded": "#7f7f7f", "phase2": "rgba(31,119,180,0.07)"}
#: Marker colours of the points by the family's ``label_by`` column (e.g. Z-MR parts);
#: red is left to the signals.
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
            "#bcbd22")
WEBGL_THRESHOLD = 2000


#: Above this many points in a panel, the figure draws a decimated view.
MAX_POINTS = 10_000
#: Buckets of the decimated view (first, last, min and max of each are drawn).
BUCKETS = 2_000


def _times(time: pd.Series) -> tuple[np.ndarray, str]:
    """Times as wall-clock ``datetime64`` (what plotly shows; never an array of
    Timestamp objects, which costs ~1 µs and 100 bytes a point) and the time zone."""
    if isinstance(time.dtype, pd.DatetimeTZDtype):
        return time.dt.tz_localize(None).to_numpy(), str(time.dt.tz)
    if time.dtype.kind == "M":
        return time.to_numpy(), ""
    if time.isna().all():
        return time.to_numpy(), ""
    for utc in (False, True):  # mixed offsets parse only as UTC
        try:
            parsed = pd.to_datetime(time, utc=utc)
        except (TypeError, ValueError):
            continue
        if isinstance(parsed.dtype, pd.DatetimeTZDtype) or parsed.dtype.kind == "M":
            return _times(parsed)
    return time.to_numpy(), ""


def _x(time: np.ndarray | None, n: int) -> np.ndarray:
    """X values: wall-clock times (datetime64, no time zone) or positions 0..n-1."""
    if time is None:
        return np.arange(n)
    if time.dtype.kind == "M":
        return time
    t = pd.to_datetime(pd.Series(time, copy=False))
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_localize(None)  # the same wall-clock times plotly would show
    out: np.ndarray = t.to_numpy()
    return out


def _fmt_x(xs: np.ndarray, minutes: bool) -> np.ndarray:
    if not minutes:
        return xs
    out: np.ndarray = pd.DatetimeIndex(xs).strftime("%Y-%m-%d %H:%M").to_numpy()
    return out


def _hover(frame: pd.DataFrame, idx: np.ndarray, rule_text: dict[str, str],
           times: np.ndarray, tz: str = "") -> np.ndarray:
    """Hover text of the points at positions *idx* of one panel's *frame* (texts from
    data escaped), as an object array (plotly validates it ~15x faster than a list)."""
    sub = frame.iloc[idx]
    tsub = times[idx]
    stamp = (pd.DatetimeIndex(tsub).strftime("%Y-%m-%d %H:%M:%S").tolist()
             if tsub.dtype.kind == "M" else tsub.tolist())
    zone = f" {tz}" if tz and tsub.dtype.kind == "M" else ""
    out = []
    said: dict[str, list[str]] = {}  # rule ids -> their descriptions, bold (few distinct)
    for sg, t, v, n, lo, hi, ex, why, rules in zip(
            sub["subgroup"].tolist(), stamp, sub["statistic"].tolist(), sub["n"].tolist(),
            sub["lcl"].tolist(), sub["ucl"].tolist(), sub["excluded"].tolist(),
            sub["exclude_reason"].tolist(), sub["rules"].tolist(), strict=True):
        parts = [f"subgroup {fig_hover(sg, max_len=LABEL_CHARS)}"]
        if t is not None and not pd.isna(t):
            parts.append(fig_text(f"{t}{zone}"))
        parts.append(f"value {v:.6g}" if np.isfinite(v) else "no value")
        parts.append(f"n = {n:g}  ·  limits {lo:.6g} – {hi:.6g}")
        if ex:
            parts.append(f"excluded from limits: {fig_hover(why)}")
        if isinstance(rules, str) and rules:
            if rules not in said:
                said[rules] = [f"<b>{fig_hover(rule_text.get(r, r))}</b>"
                               for r in rules.split(",")]
            parts += said[rules]
        out.append("<br>".join(parts))
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return arr


def _steps(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep only the points where a piecewise-constant line changes (and its last point)."""
    if len(ys) < 3:
        return xs, ys
    y = np.asarray(ys, dtype=float)
    change = np.r_[True, ~np.isclose(y[1:], y[:-1], equal_nan=True)]
    change[-1] = True
    return xs[change], y[change]


def decimate(y: np.ndarray, *, buckets: int = BUCKETS, keep: np.ndarray | None = None
             ) -> np.ndarray:
    """Positions of a faithful decimated view of the series *y*.

    *y* is cut into *buckets* runs of consecutive points; the first, last, lowest and
    highest point of each run are kept (the "M4" reduction: a line through them draws
    the same pixels as the full series at that width), plus every position in *keep*
    (signals, exclusions, stage changes) and the first missing value of each run (so
    gaps stay gaps). Returns sorted unique positions.

    >>> decimate(np.array([0., 5, 1, 2, -3, 4, 0, 0, 9, 1, 1, 1]), buckets=2).tolist()
    [0, 1, 4, 5, 6, 8, 11]
    """
    n = len(y)
    if n <= 4 * buckets:
        return np.arange(n)
    k = -(-n // buckets)
    rows = -(-n // k)
    y = np.asarray(y, dtype=float)
    pad = np.full(rows * k, np.nan)
    pad[:n] = y
    grid = pad.reshape(rows, k)
    nan = np.isnan(grid)
    base = np.arange(rows) * k
    lo = np.argmin(np.where(nan, np.inf, grid), axis=1)
    hi = np.argmax(np.where(nan, -np.inf, grid), axis=1)
    gap = nan[:, :].copy()
    gap[-1, n - base[-1]:] = False  # the padding is no gap
    has_gap = gap.any(axis=1)
    first_gap = np.argmax(gap, axis=1)
    parts = [base, np.minimum(base + k - 1, n - 1), base + lo, base + hi,
             (base + first_gap)[has_gap]]
    if keep is not None and len(keep):
        parts.append(np.asarray(keep, dtype=np.int64))
    idx = np.unique(np.concatenate(parts))
    out: np.ndarray = idx[idx < n]
    return out


def _line(y: np.ndarray, decimated: bool, must: np.ndarray, buckets: int = BUCKETS
          ) -> np.ndarray:
    """Positions to draw of a limit/center line (piecewise constant): where it changes,
    or a decimated view of it when it changes at almost every point (varying n)."""
    n = len(y)
    if n < 3:
        return np.arange(n)
    change = np.r_[True, ~np.isclose(y[1:], y[:-1], equal_nan=True)]
    change[-1] = True
    idx = np.flatnonzero(change)
    if decimated and len(idx) > 4 * buckets:
        return decimate(y, keep=must, buckets=buckets)
    return idx


#: What the advisor's transformations make of the value: (label template, unit template).
TRANSFORMATIONS: dict[str, tuple[str, str]] = {
    "log": ("log of {v}", "log {u}"),
    "ar1_residuals": ("AR(1) residual of {v}", "{u}"),
    "subgroup_means": ("subgroup mean of {v}", "{u}"),
    "event_gaps": ("{v}", "{u}"),
}
#: Y-axis titles of the built-in families' panels, by (family, panel): the plotted
#: statistic ({v}: the value's label) and its unit ("{u}": the value's unit; other text:
#: a fixed unit, which ``unit=`` replaces on the attribute charts).
_STATISTICS: dict[tuple[str, str], tuple[str, str]] = {
    ("xbar_r", "xbar"): ("X̄ of {v}", "{u}"), ("xbar_r", "r"): ("R", "{u}"),
    ("xbar_s", "xbar"): ("X̄ of {v}", "{u}"), ("xbar_s", "s"): ("S", "{u}"),
    ("i_mr", "i"): ("{v}", "{u}"), ("i_mr", "mr"): ("MR", "{u}"),
    ("run", "run"): ("{v}", "{u}"),
    ("ewma", "ewma"): ("EWMA of {v}", "{u}"),
    ("cusum", "upper"): ("C⁺", "sigmas of the mean"),
    ("cusum", "lower"): ("C⁻", "sigmas of the mean"),
    ("p", "p"): ("p", "fraction defective"), ("laney_p", "p"): ("p", "fraction defective"),
    ("np", "np"): ("np", "defective units"), ("c", "c"): ("c", "defects"),
    ("u", "u"): ("u", "defects per unit"), ("laney_u", "u"): ("u", "defects per unit"),
    ("g", "g"): ("g", "{c} between events"),
    ("t", "t"): ("time between events", "{c}"),
    ("t_transform", "t"): ("time between events", "{c}"),
    ("zmr", "z"): ("z of {v}", "standardised"), ("zmr", "mr"): ("MR of z", "standardised"),
}
#: A horizontal legend at the foot of the figure, below the x-axis title (plotly makes
#: room for it in the bottom margin).
BOTTOM_LEGEND: dict[str, Any] = {"orientation": "h", "yref": "container", "y": 0,
                                 "yanchor": "bottom", "x": 0}
#: Longest axis title on one line; a longer one breaks before its unit (or mid-way).
AXIS_TITLE_CHARS = 34


def quantity(label: str, unit: str | None) -> str:
    """An axis title: the quantity and, when known, its unit in parentheses.

    >>> quantity("X̄ of bore_diameter", "mm"), quantity("subgroup", None)
    ('X̄ of bore_diameter (mm)', 'subgroup')
    """
    return f"{label} ({unit})" if unit else label


def axis_title(text: str, *, width: int = AXIS_TITLE_CHARS) -> str:
    """*text* as a plotly axis title: escaped (see ``leankit._text``) and, longer than
    *width* characters, on two lines (broken before the unit, else at the space nearest
    the middle) so that it fits beside a short panel.

    >>> axis_title("AR(1) residual of bath_temperature (°C)")
    'AR(1) residual of bath_temperature<br>(°C)'
    """
    text = shorten(text, 2 * width)
    if len(text) <= width:
        return fig_text(text)
    cut = text.rfind(" (")
    if not 0 < cut <= width or len(text) - cut > width:
        spaces = [i for i, ch in enumerate(text) if ch == " "]
        if not spaces:
            return fig_text(text)
        cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return f"{fig_text(text[:cut])}<br>{fig_text(text[cut + 1:])}"


def chart_axis_titles(chart: ControlChart, *, unit: str | None = None,
                      value_label: str | None = None, transformation: str | None = None
                      ) -> dict[str, str]:
    """The y-axis title of each panel of *chart* (plain text, not escaped): the plotted
    statistic, of what, and its unit.

    Parameters
    ----------
    chart : ControlChart
        The chart.
    unit : str, optional
        Unit of the measured value ("mm"; none: no parentheses). On the np, c, u,
        Laney u′, g and t charts it replaces the counted unit ("defects per unit",
        "cases"); p, CUSUM and Z charts keep theirs (fraction, sigmas).
    value_label : str, optional
        Name of the measured value (default: the chart's value column).
    transformation : {"log", "ar1_residuals", "subgroup_means", "event_gaps"}, optional
        The advisor's transformation of the charted data (:attr:`Advice.transformation`):
        "log of runout (log µm)", "AR(1) residual of bath_temperature (°C)".

    Returns
    -------
    dict
        Panel name -> title.

    Raises
    ------
    ValueError
        An unknown *transformation*.

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import spc
    >>> df = pd.DataFrame({"d": [10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 10.1, 10.3]})
    >>> chart_axis_titles(spc.i_mr(df, value="d"), unit="mm", value_label="bore")
    {'i': 'bore (mm)', 'mr': 'MR (mm)'}
    >>> chart_axis_titles(spc.i_mr(df, value="d"), unit="mm", transformation="log")
    {'i': 'log of d (log mm)', 'mr': 'MR (log mm)'}
    """
    if transformation is not None and transformation not in TRANSFORMATIONS:
        raise ValueError(f"transformation= must be one of {', '.join(TRANSFORMATIONS)} or "
                         f"None (the advice's transformation), got {transformation!r}")
    raw = value_label or chart.parameters.get("value") or chart.parameters.get("count")
    v = shorten(str(raw or "value"), 24)
    u = unit or None
    if transformation is not None:
        label_t, unit_t = TRANSFORMATIONS[transformation]
        v = label_t.format(v=v)
        u = unit_t.format(u=u) if u else None
    hints = _panels(chart)
    out: dict[str, str] = {}
    for panel in chart.panel_names:
        known = _STATISTICS.get((chart.family, panel))
        if known is None:  # a family registered elsewhere: its own hint, with the unit
            hint = hints[panel]
            out[panel] = quantity(hint.y_title or hint.title, u)
            continue
        label, unit_of = known
        if (chart.family, panel) == ("ewma", "ewma") and _subgroups_of_several(chart):
            label = "EWMA of the means"
        if "{u}" in unit_of:  # the value's unit
            shown = u
        elif "{c}" in unit_of:  # counted unit: cases (subgroups) between events; time
            if chart.family == "g":
                counted = unit or ("subgroups" if transformation == "event_gaps" else "cases")
                shown = unit_of.format(c=counted)
            else:
                shown = unit
        elif chart.family in ("cusum", "zmr", "p", "laney_p"):  # standardised, fraction
            shown = unit_of
        else:  # np, c, u charts: the counted unit
            shown = unit or unit_of
        out[panel] = quantity(label.format(v=v), shown)
    return out


def _subgroups_of_several(chart: ControlChart) -> bool:
    """Whether the chart's subgroups hold more than one value (an EWMA of the means)."""
    n = chart.points["n"] if "n" in chart.points else None
    return n is not None and bool(len(n)) and float(np.nanmax(n.to_numpy(dtype=float))) > 1


def chart_figure(chart: ControlChart, *, title: str | None = None, show_zones: bool = False,
                 height: int | None = None, webgl: bool | None = None,
                 x: str = "auto", compact: bool = False,
                 max_points: int | None = MAX_POINTS, unit: str | None = None,
                 value_label: str | None = None, time_label: str | None = None,
                 transformation: str | None = None, phase: str | None = None,
                 tz: str | None = None) -> go.Figure:
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
        Use WebGL traces (default: when a panel draws more than 2000 points).
    x : {"auto", "time", "subgroup"}, default "auto"
        X axis: time when the chart has times, else subgroup order.
    compact : bool, default False
        Smaller figure for reports: limits drawn only where they change, times to the
        minute, hover details only on signals.
    max_points : int or None, default 10000
        A panel with more points draws a decimated view: the first, last, lowest and
        highest point of each of min(2,000, max_points/4) buckets, plus every signal,
        excluded point and stage change (the figure says so in a note under the title).
        ``None`` draws every point. Only the drawing is decimated; the chart's numbers
        are not.
    unit : str, optional
        Unit of the measured value ("mm"): each panel's y axis says what it plots and in
        which unit ("X̄ of bore_diameter (mm)", "S (mm)", "MR (mm)"; none: no unit).
        On the np, c, u, g and t charts it replaces the counted unit ("u (defects per
        unit)"); see :func:`chart_axis_titles`.
    value_label : str, optional
        Name of the measured value on the axes and in the default title (default:
        the chart's value column).
    time_label : str, optional
        Title of the x axis (default: "time", with the time zone of zone-aware times,
        or "subgroup" / "observation" when the x axis is the order).
    transformation : {"log", "ar1_residuals", "subgroup_means", "event_gaps"}, optional
        The advisor's transformation of the charted data (``Advice.transformation``),
        named on the axes: "log of runout (log µm)", "AR(1) residual of
        bath_temperature (°C)". See :func:`chart_axis_titles`.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    ValueError
        An unknown *transformation*.

    Notes
    -----
    Text from the data (subgroup and stage labels, exclusion reasons, the value
    column's name, the title) is escaped so plotly shows it literally, controls are
    removed, and long labels are shortened (see ``leankit._text``).
    """
    panels = chart.panel_names
    hints = _panels(chart)
    y_titles = chart_axis_titles(chart, unit=unit, value_label=value_label,
                                 transformation=transformation)
    zone = ""
    try:
        label_by = get_family(chart.family).label_by
    except FamilyError:
        label_by = None
    points = chart.points
    if phase is not None:  # e.g. only the monitored (Phase II) points of a report
        points = points[points["phase"] == phase].reset_index(drop=True)
    if tz is not None and "time" in points and isinstance(points["time"].dtype,
                                                          pd.DatetimeTZDtype):
        # wall-clock time of the zone on the axis (the time_label names the zone)
        points = points.assign(time=points["time"].dt.tz_convert(tz).dt.tz_localize(None))
    if label_by is not None and label_by not in points:
        data = chart.data  # the engine keeps a family's extra columns there
        if label_by in data:
            first = data.drop_duplicates("subgroup")
            labels = dict(zip(first["subgroup"].tolist(), first[label_by].tolist(),
                              strict=True))
            points = points.assign(**{label_by: points["subgroup"].map(labels)})
    if label_by is not None and label_by in points:  # "subgroup 7 · part B" in the hover
        points = points.assign(subgroup=[
            f"{sg} · {label_by} {v}" for sg, v in zip(
                points["subgroup"].tolist(), points[label_by].tolist(), strict=True)])
    panel_col = points["panel"].to_numpy()
    has_time = bool(points["time"].notna().any()) if len(points) else False
    use_time = x == "time" or (x == "auto" and has_time)
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[hints[p].title for p in panels])
    rule_text = dict(zip(chart.signals["rule"], chart.signals["description"], strict=True))
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    drawn_note: list[str] = []
    main_sub: pd.Series | None = None
    for row, panel in enumerate(panels, start=1):
        where = np.flatnonzero(panel_col == panel)
        sel: slice | np.ndarray = (slice(where[0], where[-1] + 1) if len(where) and
                                   where[-1] - where[0] + 1 == len(where) else where)
        # columns stay in pandas (arrow strings are never turned into object arrays of
        # millions of values); only the drawn positions are taken out
        frame = points.iloc[sel] if isinstance(sel, slice) else points.take(sel)
        times, tz = _times(frame["time"])
        zone = zone or tz
        n = len(frame)
        if main_sub is None:
            main_sub = frame["subgroup"]
        stat = frame["statistic"].to_numpy(dtype=float)
        sig = frame["signal"].to_numpy(dtype=bool)
        exc = frame["excluded"].to_numpy(dtype=bool)
        stages = pd.factorize(frame["stage"], use_na_sentinel=True)[0]
        phase2 = frame["phase"].eq("II").to_numpy(dtype=bool)
        bounds = np.flatnonzero((stages[1:] != stages[:-1]) | (phase2[1:] != phase2[:-1])) \
            if n > 1 else np.array([], dtype=np.int64)
        must = np.concatenate([np.flatnonzero(sig), np.flatnonzero(exc), bounds, bounds + 1])
        decimated = max_points is not None and n > max_points
        buckets = min(BUCKETS, max(1, (max_points or 4 * BUCKETS) // 4))
        keep = decimate(stat, keep=must, buckets=buckets) if decimated else np.arange(n)
        raw_x = _x(times if use_time else None, n)

        full = None if decimated else _fmt_x(raw_x, compact and use_time)

        def at(i: np.ndarray, raw_x: np.ndarray = raw_x, full: np.ndarray | None = full
               ) -> np.ndarray:
            return full[i] if full is not None else _fmt_x(raw_x[i], compact and use_time)

        xs = at(keep) if full is None else full
        hint = hints[panel]
        if decimated:
            drawn_note.append(f"{hint.title} {len(keep):,} of {n:,}")
        gl = webgl if webgl is not None else len(keep) > WEBGL_THRESHOLD
        scatter = go.Scattergl if gl else go.Scatter
        for name, col, dash in (("UCL", "ucl", "dash"), ("Center", "center", "solid"),
                                ("LCL", "lcl", "dash")):
            if not {"ucl": hint.show_ucl, "center": hint.show_center, "lcl": hint.show_lcl}[col]:
                continue
            yv = frame[col].to_numpy(dtype=float)
            if compact or decimated:
                li = _line(yv, decimated, must, buckets)
                lx, ly = at(li), yv[li]
            else:
                lx, ly = xs, yv
            fig.add_trace(go.Scatter(
                x=lx, y=ly, mode="lines", line={"shape": "hv" if compact else "hvh",
                                                "dash": dash, "width": 1.2,
                "color": _COLORS["center" if col == "center" else "limit"]},
                name=name, legendgroup=name, showlegend=row == 1, hoverinfo="skip"), row=row, col=1)
        if show_zones:
            center = frame["center"].to_numpy(dtype=float)
            sigma = frame["sigma_statistic"].to_numpy(dtype=float)
            for z in (1, 2):
                for sign in (1, -1):
                    zy = center + sign * z * sigma
                    zx = xs
                    if decimated:
                        zi = _line(zy, True, must)
                        zx, zy = at(zi), zy[zi]
                    fig.add_trace(go.Scatter(
                        x=zx, y=zy, mode="lines",
                        line={"shape": "hvh", "dash": "dot", "width": 0.8,
                              "color": _COLORS["zone"]},
                        name=f"±{z}σ", legendgroup=f"zone{z}", showlegend=row == 1 and sign == 1,
                        hoverinfo="skip"), row=row, col=1)
        sig_idx = np.flatnonzero(sig)
        sig_hover = _hover(frame, sig_idx, rule_text, times, tz)
        ys = stat[keep] if decimated else stat
        mode = "lines" if decimated else "lines+markers"
        marker: dict[str, Any] = {"size": 4 if compact else 5}
        if label_by is not None and label_by in frame and not decimated:
            codes = pd.factorize(frame[label_by], use_na_sentinel=True)[0]  # e.g. Z-MR parts
            marker["color"] = np.asarray(_PALETTE, dtype=object)[codes % len(_PALETTE)]
        if compact:
            fig.add_trace(scatter(
                x=xs, y=np.round(ys, 7), mode=mode, name=hint.title,
                line={"color": _COLORS["point"], "width": 1}, marker=marker,
                hovertemplate="%{x}: %{y:.6g}<extra></extra>", showlegend=False),
                row=row, col=1)
        elif decimated:  # details on the signals; the line shows where and how much
            fig.add_trace(scatter(
                x=xs, y=ys, mode=mode, name=hint.title,
                line={"color": _COLORS["point"], "width": 1},
                hovertemplate="%{x}<br>value %{y:.6g}<extra></extra>", showlegend=False),
                row=row, col=1)
        else:
            fig.add_trace(scatter(
                x=xs, y=ys, mode=mode, name=hint.title,
                line={"color": _COLORS["point"], "width": 1}, marker=marker,
                text=_hover(frame, keep, rule_text, times, tz),
                hovertemplate="%{text}<extra></extra>", showlegend=False), row=row, col=1)
        if len(sig_idx):
            fig.add_trace(scatter(
                x=at(sig_idx), y=stat[sig_idx], mode="markers", name="Signal",
                legendgroup="signal", showlegend=row == 1,
                marker={"color": _COLORS["signal"], "size": 9, "symbol": "circle"},
                text=sig_hover, hovertemplate="%{text}<extra></extra>"), row=row, col=1)
        exc_idx = np.flatnonzero(exc)
        if len(exc_idx):
            fig.add_trace(scatter(
                x=at(exc_idx), y=stat[exc_idx], mode="markers", name="Excluded",
                legendgroup="excluded", showlegend=row == 1,
                marker={"color": "white", "size": 9, "symbol": "circle-open",
                        "line": {"color": _COLORS["excluded"], "width": 2}},
                hoverinfo="skip"), row=row, col=1)
        if hint.reference is not None:
            xref, yref = _axis(row)
            shapes.append({"type": "line", "xref": f"{xref} domain", "yref": yref,
                           "x0": 0, "x1": 1, "y0": hint.reference, "y1": hint.reference,
                           "line": {"dash": "dot", "color": _COLORS["zone"], "width": 1}})
        fig.update_yaxes(title_text=axis_title(y_titles[panel]), automargin=True,
                         row=row, col=1)
        _stage_and_phase(stages, frame["stage"], phase2, at, row, shapes, notes)
    if time_label is None:
        time_label = (quantity("time", zone) if use_time else
                      "subgroup" if chart.parameters.get("subgroup")
                      or _subgroups_of_several(chart) else "observation")
    fig.update_xaxes(title_text=axis_title(time_label, width=4 * AXIS_TITLE_CHARS),
                     automargin=True, row=len(panels), col=1)
    if not use_time and main_sub is not None:
        step = max(1, len(main_sub) // 25)
        fig.update_xaxes(tickmode="array", tickvals=list(range(0, len(main_sub), step)),
                         ticktext=[fig_text(s, max_len=LABEL_CHARS)
                                   for s in main_sub.iloc[::step].tolist()],
                         row=len(panels), col=1)
    if drawn_note:
        nsig = int(np.asarray(points["signal"], dtype=bool).sum())
        notes.append({"x": 0, "y": 1.0, "xref": "paper", "yref": "paper", "yanchor": "bottom",
                      "xanchor": "left", "yshift": 22, "showarrow": False,
                      "font": {"size": 11, "color": "#555"},
                      "text": f"Decimated view, points drawn: {'; '.join(drawn_note)} (first, "
                              f"last, min and max of {buckets:,} buckets; all {nsig:,} "
                              "signals). Every point was computed."})
    value = value_label or chart.parameters.get("value") or chart.parameters.get("count") or ""
    default_title = chart_title(chart) + (f": {value}" if value else "")
    fig.update_layout(
        shapes=shapes, annotations=[*fig.layout.annotations, *notes],
        title={"text": fig_text(title if title is not None else default_title)},
        height=height or 380 * len(panels), **theme(),
        margin={"l": 60, "r": 20, "t": 90 if drawn_note else 70, "b": 40},
        hovermode="closest", legend=BOTTOM_LEGEND,
    )
    return fig


def _panels(chart: ControlChart) -> dict[str, Panel]:
    """The drawing hints of each panel, from the chart's family (defaults, titled by
    the panel name, for a chart whose family is not registered)."""
    try:
        declared = {p.name: p for p in get_family(chart.family).panels}
    except FamilyError:
        declared = {}
    return {p: declared.get(p) or Panel(name="panel", title=p) for p in chart.panel_names}


def _axis(row: int) -> tuple[str, str]:
    return ("x", "y") if row == 1 else (f"x{row}", f"y{row}")


def _stage_and_phase(stages: np.ndarray, labels: pd.Series, phase2_mask: np.ndarray,
                     at: Callable[[np.ndarray], np.ndarray], row: int,
                     shapes: list[dict[str, Any]], notes: list[dict[str, Any]]) -> None:
    """Vertical lines at stage changes and a shaded Phase II region (collected as layout
    shapes and annotations, set once: adding them one by one is slow in plotly)."""
    xref, yref = _axis(row)
    if len(stages) > 1:
        change = np.flatnonzero(stages[1:] != stages[:-1]) + 1
        starts = np.concatenate(([0], change)).astype(np.int64)
        xs_at = dict(zip(starts.tolist(), at(starts), strict=True))
        for i in change.tolist():
            shapes.append({"type": "line", "xref": xref, "yref": f"{yref} domain",
                           "x0": xs_at[i], "x1": xs_at[i], "y0": 0, "y1": 1,
                           "line": {"dash": "dot", "color": "#555", "width": 1}})
        if len(change):
            for i in starts.tolist():
                notes.append({"x": xs_at[i], "y": 1.0, "xref": xref, "yref": f"{yref} domain",
                              "text": fig_text(labels.iloc[i], max_len=LABEL_CHARS),
                              "showarrow": False, "xanchor": "left",
                              "font": {"size": 10, "color": "#555"}})
    phase2 = np.flatnonzero(phase2_mask)
    if len(phase2):
        x0, x1 = at(np.array([phase2[0], phase2[-1]]))
        shapes.append({"type": "rect", "xref": xref, "yref": f"{yref} domain",
                       "x0": x0, "x1": x1, "y0": 0, "y1": 1,
                       "fillcolor": _COLORS["phase2"], "line": {"width": 0}, "layer": "below"})
        if row == 1:
            notes.append({"x": x0, "y": 1.0, "xref": xref, "yref": f"{yref} domain",
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
                      height: int = 430, unit: str | None = None,
                      value_label: str | None = None) -> go.Figure:
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
    unit : str, optional
        Unit of the value ("mm"): the x axis of the histogram and the data axis of
        the probability plot say it ("bore_diameter (mm)").
    value_label : str, optional
        Name of the value on the axes and in the default title (default: the value
        column the capability was computed from, else "value").

    Returns
    -------
    plotly.graph_objects.Figure

    Notes
    -----
    The histogram is always a density (bar areas add up to 1, whatever the method or
    the fitted distribution), drawn with the model's densities, so histograms of
    different characteristics share one kind of y axis: "density", per unit of the
    value.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from leankit import spc
    >>> df = pd.DataFrame({"d": np.random.default_rng(1).normal(10, 0.1, 50)})
    >>> fig = capability_figure(spc.capability(df, value="d", lsl=9.6, usl=10.4), unit="mm")
    >>> fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
    ('d (mm)', 'density')
    """
    x = np.sort(cap.values)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.12,
                        subplot_titles=["Capability histogram", "Probability plot"])
    if cap.histogram is not None:  # binned in the engine (a value summary)
        h = cap.histogram
        edges = np.r_[h["left"].to_numpy(dtype=float), float(h["right"].iloc[-1])]
        counts = h["count"].to_numpy(dtype=float)
        dens = counts / (counts.sum() * np.diff(edges))
    else:
        edges = np.histogram_bin_edges(x, bins=bins or "fd")
        if len(edges) > 121:  # at most 120 bars, whatever the data
            edges = np.linspace(edges[0], edges[-1], 121)
        dens, edges = np.histogram(x, bins=edges, density=True)
    if cap.probability is not None:  # the engine's quantile grid
        x = cap.probability["value"].to_numpy(dtype=float)
        x = np.r_[edges[0], x, edges[-1]]
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
    if cap.probability is not None:
        x = cap.probability["value"].to_numpy(dtype=float)
        pp = cap.probability["p"].to_numpy(dtype=float)
    elif n > 400:  # draw at most 400 order statistics (extremes always kept)
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
    value = str(value_label or cap.parameters.get("value") or "value")
    fig.update_xaxes(title_text=axis_title(quantity(value, unit)), automargin=True,
                     row=1, col=1)
    fig.update_yaxes(title_text="density", automargin=True, row=1, col=1)
    fig.update_xaxes(title_text=axis_title(quantity("model quantile", unit)),
                     automargin=True, row=1, col=2)
    fig.update_yaxes(title_text=axis_title(quantity(shorten(value, 24), unit)),
                     automargin=True, row=1, col=2)
    idx = cap.indices.set_index("index")["estimate"]
    shown = ", ".join(f"{k.capitalize()} {idx[k]:.2f}" for k in ("cp", "cpk", "pp", "ppk")
                      if k in idx.index)
    names = {"weibull": "Weibull", "johnson": "Johnson", "boxcox": "Box-Cox"}
    dist, method = (names.get(x, x) for x in (cap.distribution, cap.method))
    model = (f"{dist} model" if cap.method in ("normal", cap.distribution)
             else f"{dist} model, {method} method")
    default = f"Capability of {shorten(value, 40)} ({model}): {shown}"
    if cap.stable is False:
        default += " — process NOT stable"
    fig.update_layout(title={"text": fig_text(title if title is not None else default)},
                      shapes=shapes, annotations=[*fig.layout.annotations, *notes],
                      height=height, **theme(), bargap=0.02,
                      margin={"l": 60, "r": 20, "t": 70, "b": 40},
                      legend=BOTTOM_LEGEND)
    return fig
