"""Rare-event charts: the g chart (number of cases or days between events) and the t chart
(time between events).

When events are rare (an infection in a thousand procedures, a line stop a month), a c or
p chart of events per period is mostly zeros and cannot show an improvement. Charting the
gap between consecutive events instead gives one point per event, and the gaps follow a
known skewed distribution:

* **g chart** (Benneyan 2001): the number of cases (opportunities, units, days) between
  events is geometric, ``P(X = x) = p (1−p)^x`` for ``x = 0, 1, …`` with mean
  ``ḡ = (1−p)/p`` and variance ``ḡ(ḡ+1)``; ``p̂ = 1/(ḡ+1)``.
* **t chart**: the time between events of a Poisson process is exponential; it is either
  fitted by a Weibull distribution (Minitab, JMP) or transformed by ``y = t^(1/3.6)``
  (Nelson 1994) to near-normal and charted as individuals.

On both charts **a low point is bad news**: a short gap means events came closer
together (the event rate went up); a high point means a longer gap than usual (an
improvement, or events not being reported).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from leankit.errors import InsufficientDataError, SchemaError
from leankit.spc._charts import Exclude, Missing, _by, _handle_missing, _require, build_chart
from leankit.spc._constants import d2
from leankit.spc._families import ChartFamily, ColumnArg, Panel, register_family
from leankit.spc._results import ChartCollection, ControlChart, Limits
from leankit.spc._rules import Rule, RuleError, evaluate

__all__ = [
    "T_EXPONENT",
    "g_chart",
    "g_limits",
    "geometric_quantile",
    "intervals_from_events",
    "t_chart",
    "t_estimate",
    "t_limits",
    "weibull_mle",
]

#: The Nelson (1994) exponent: ``y = t^(1/3.6)`` makes exponential gaps nearly normal.
T_EXPONENT = 3.6

GLimits = Literal["probability", "sigma"]
GCenter = Literal["median", "mean"]
TMethod = Literal["weibull", "transform"]


# --------------------------------------------------------------------------- intervals


def intervals_from_events(events: pd.Series, *, chart: Literal["g", "t"],
                          unit: str = "D") -> tuple[np.ndarray, np.ndarray]:
    """Gaps between consecutive events, from event dates/times or event positions.

    Parameters
    ----------
    events : pandas.Series
        One row per event: datetimes (dates or timestamps) or numbers (case numbers,
        cumulative operating hours …), in any order; they are sorted.
    chart : {"g", "t"}
        g: dates give the elapsed days between event dates (``unit`` ignored; the
        calendar-date difference, 0 for two events on the same day), whole numbers
        (case or opportunity numbers) give the number of cases strictly *between* two
        events (``x_i − x_(i−1) − 1``: consecutive cases give 0, Benneyan's "number
        between"). t: the elapsed time between events (datetimes in ``unit``).
    unit : str, default "D"
        A pandas time unit ("D", "h", "min", "s") for datetimes on a t chart.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The gaps (one fewer than the events) and the positions in *events* (after
        sorting, as index labels' order) of the event that closes each gap.

    Examples
    --------
    >>> import pandas as pd
    >>> gaps, _ = intervals_from_events(pd.Series([3, 10, 11, 30]), chart="g")
    >>> gaps.tolist()
    [6.0, 0.0, 18.0]
    >>> days = pd.Series(pd.to_datetime(["2026-01-01", "2026-01-05", "2026-01-05"]))
    >>> intervals_from_events(days, chart="g")[0].tolist()
    [4.0, 0.0]
    """
    if len(events) < 2:
        raise InsufficientDataError(
            f"a {chart} chart from event {'dates' if chart == 'g' else 'times'} needs at "
            f"least 2 events (the first event only starts the first gap); got {len(events)}"
        )
    order = np.argsort(events.to_numpy(), kind="stable")
    ev = events.iloc[order]
    if pd.api.types.is_datetime64_any_dtype(ev):
        if chart == "g":
            if isinstance(ev.dtype, pd.DatetimeTZDtype):
                ev = ev.dt.tz_localize(None)
            days = ev.dt.normalize()
            gaps = (days.diff().dt.days).to_numpy(dtype=float)[1:]
        else:
            gaps = (ev.diff() / pd.Timedelta(1, unit=unit)).to_numpy(dtype=float)[1:]
    elif pd.api.types.is_numeric_dtype(ev) and not pd.api.types.is_bool_dtype(ev):
        x = ev.to_numpy(dtype=float)
        if chart == "g":
            if np.any(x != np.round(x)):
                raise SchemaError(
                    "g_chart: event positions must be whole case/opportunity numbers; got "
                    f"fractions like {x[x != np.round(x)][:3].tolist()}. Give event dates, "
                    "or the counts between events with value="
                )
            gaps = np.diff(x) - 1.0
            if np.any(gaps < 0):
                dup = x[1:][gaps < 0][:3].tolist()
                raise SchemaError(
                    f"g_chart: case number(s) {dup} carry more than one event; a g chart "
                    "counts cases between events, so each case has at most one event "
                    "(count events per case with a c or u chart instead)"
                )
        else:
            gaps = np.diff(x)
    else:
        raise SchemaError(
            f"events= column {events.name!r} must hold datetimes or numbers (case numbers, "
            f"operating hours); got dtype {events.dtype}. Parse it first (pd.to_datetime)."
        )
    return gaps, order[1:]


# --------------------------------------------------------------------------- g chart


def geometric_quantile(p: float, alpha: float) -> float:
    """The α-quantile of the number *between* events, geometric with event probability p,
    linearly interpolated between the integers (Minitab's G chart convention).

    With ``Y = X + 1`` ("number until", ``F(y) = 1 − (1−p)^y``), ``y_b`` is the smallest
    integer with ``F(y_b) ≥ α`` and ``y_a = y_b − 1``; the quantile of Y is
    ``y_a + (α − F(y_a)) / (F(y_b) − F(y_a))`` and the quantile of X is one less
    (negative values mean 0: a limit below the smallest possible count).

    Examples
    --------
    >>> round(geometric_quantile(0.5, 0.5), 6)
    0.0
    >>> round(geometric_quantile(0.1, 0.99865), 4)
    61.7253
    """
    if not 0.0 < p <= 1.0:
        raise ValueError(f"p must be in (0, 1], got {p!r}")
    if p == 1.0:
        return alpha - 1.0
    log_q = math.log1p(-p)
    yb = max(1.0, math.ceil(math.log1p(-alpha) / log_q))

    def cdf(y: float) -> float:
        return -math.expm1(y * log_q) if y > 0 else 0.0

    while cdf(yb) < alpha:  # floating-point guard
        yb += 1.0
    while yb > 1.0 and cdf(yb - 1.0) >= alpha:
        yb -= 1.0
    ya = yb - 1.0
    fa, fb = cdf(ya), cdf(yb)
    return ya + (alpha - fa) / (fb - fa) - 1.0


def g_limits(gbar: float, *, k: float = 3.0, limits: GLimits = "probability",
             center: GCenter = "median") -> dict[str, float]:
    """Center line and limits of a g chart with mean gap ``gbar``.

    Parameters
    ----------
    gbar : float
        Mean number of cases between events (ḡ); ``p̂ = 1/(ḡ+1)``.
    k : float, default 3
        Width: probability limits at ``Φ(−k)`` and ``Φ(k)`` (0.00135 and 0.99865 for
        k = 3), or ``ḡ ± k√(ḡ(ḡ+1))``.
    limits : {"probability", "sigma"}, default "probability"
        ``"probability"``: quantiles of the fitted geometric distribution (Minitab);
        ``"sigma"``: Benneyan's (2001) ``ḡ ± k√(ḡ(ḡ+1))``, LCL clipped at 0.
    center : {"median", "mean"}, default "median"
        The fitted distribution's median (interpolated, Minitab) or ḡ (Benneyan).

    Returns
    -------
    dict
        ``center, lcl, ucl, sigma`` (``sigma = √(ḡ(ḡ+1))``, the distribution's sd).

    Examples
    --------
    >>> {k: round(v, 3) for k, v in g_limits(9.0, limits="sigma", center="mean").items()}
    {'center': 9.0, 'lcl': 0.0, 'ucl': 37.46, 'sigma': 9.487}
    """
    sigma = math.sqrt(gbar * (gbar + 1.0))
    p = 1.0 / (gbar + 1.0)
    if center == "median":
        cl = max(0.0, geometric_quantile(p, 0.5))
    else:
        cl = gbar
    if limits == "probability":
        lo = float(special.ndtr(-k))
        hi = float(special.ndtr(k))
        lcl = max(0.0, geometric_quantile(p, lo))
        ucl = max(0.0, geometric_quantile(p, hi))
    else:
        lcl = max(0.0, gbar - k * sigma)
        ucl = gbar + k * sigma
    return {"center": float(cl), "lcl": float(lcl), "ucl": float(ucl), "sigma": sigma}


# --------------------------------------------------------------------------- t chart


def weibull_mle(t: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood Weibull fit (location 0) of positive times: (shape, scale).

    The shape β solves ``Σ t^β ln t / Σ t^β − 1/β − mean(ln t) = 0`` (a monotone
    equation, solved by Brent's method on ln β); the scale is ``(mean(t^β))^(1/β)``.

    Examples
    --------
    >>> import numpy as np
    >>> shape, scale = weibull_mle(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> round(shape, 4), round(scale, 4)
    (2.4532, 2.8287)
    """
    t = np.asarray(t, dtype=float)
    if len(t) < 2 or np.all(t == t[0]):
        raise InsufficientDataError(
            "a Weibull fit needs at least 2 different times between events; got "
            f"{len(t)} value(s){' all equal' if len(t) >= 2 else ''}. Add events or use "
            "method='transform'"
        )
    logs = np.log(t)
    mean_log = float(logs.mean())
    x = logs - logs.max()  # scale-free: t^β / max(t)^β, no overflow

    def score(log_beta: float) -> float:
        beta = math.exp(log_beta)
        w = np.exp(beta * x)
        return float(np.sum(w * logs) / np.sum(w) - 1.0 / beta - mean_log)

    lo, hi = -1.0, 1.0
    while score(lo) > 0:
        lo -= 2.0
    while score(hi) < 0:
        hi += 2.0
    beta = math.exp(optimize.brentq(score, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500))
    scale = math.exp(logs.max()) * float(np.mean(np.exp(beta * x))) ** (1.0 / beta)
    return beta, scale


def t_estimate(t: np.ndarray, method: TMethod) -> dict[str, float]:
    """Phase I parameters of a t chart from the baseline times (in plotting order).

    ``"weibull"``: ``shape`` and ``scale`` (maximum likelihood). ``"transform"``: ``mu``
    and ``sigma`` of ``y = t^(1/3.6)``, sigma = MR̄(y)/d2(2).

    Examples
    --------
    >>> import numpy as np
    >>> est = t_estimate(np.array([1.0, 8.0, 27.0]), "transform")
    >>> round(est["mu"], 4), round(est["sigma"], 4)
    (1.7599, 0.6638)
    """
    t = np.asarray(t, dtype=float)
    if method == "weibull":
        shape, scale = weibull_mle(t)
        return {"shape": shape, "scale": scale}
    if len(t) < 2:
        raise InsufficientDataError(
            f"a t chart needs at least 2 baseline times to estimate sigma from the moving "
            f"range; got {len(t)}"
        )
    y = t ** (1.0 / T_EXPONENT)
    return {"mu": float(y.mean()), "sigma": float(np.mean(np.abs(np.diff(y))) / d2(2))}


def t_limits(params: dict[str, float], *, method: TMethod, k: float = 3.0) -> dict[str, float]:
    """Center line and limits of a t chart (in the units of the times).

    ``"weibull"``: the Weibull quantiles at ``Φ(−k)``, 0.5 and ``Φ(k)`` (Minitab, JMP).
    ``"transform"``: ``μ_y ± k σ_y`` on ``y = t^(1/3.6)``, back-transformed by ``^3.6``
    (a negative lower limit on the y scale gives LCL 0); the center is ``μ_y^3.6``.
    ``sigma`` is NaN: the times are not normal, so zone rules do not apply.

    Examples
    --------
    >>> out = t_limits({"shape": 1.0, "scale": 10.0}, method="weibull")
    >>> round(out["center"], 4), round(out["lcl"], 5), round(out["ucl"], 3)
    (6.9315, 0.01351, 66.077)
    """
    if method == "weibull":
        shape, scale = params["shape"], params["scale"]
        q = stats.weibull_min(shape, scale=scale)
        lo, hi = float(special.ndtr(-k)), float(special.ndtr(k))
        return {"center": float(q.ppf(0.5)), "lcl": float(q.ppf(lo)), "ucl": float(q.ppf(hi)),
                "sigma": math.nan}
    mu, sigma = params["mu"], params["sigma"]
    low = mu - k * sigma
    return {"center": mu**T_EXPONENT, "lcl": max(0.0, low) ** T_EXPONENT,
            "ucl": (mu + k * sigma) ** T_EXPONENT, "sigma": math.nan}



# --------------------------------------------------------------------------- families

GRules = Literal["limits", "below"]

_LOW = "low points = events closer together (worse)"


def _g_estimate(g: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
    x = g["value"].to_numpy(float)
    if len(x) == 0:
        raise InsufficientDataError("no baseline gaps to estimate the g chart from")
    return {"gbar": float(x.mean())}


def _g_arrays(panel: str, g: pd.DataFrame, p: Mapping[str, float], k: float,
              opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    lim = g_limits(float(p["gbar"]), k=k, limits=opts["method"], center=opts["center"])
    m = len(g)
    return {"statistic": g["value"].to_numpy(float), "center": np.full(m, lim["center"]),
            "sigma_statistic": np.full(m, lim["sigma"]), "lcl": np.full(m, lim["lcl"]),
            "ucl": np.full(m, lim["ucl"])}


def _g_check(groups: pd.DataFrame, rows: pd.DataFrame, opts: Mapping[str, Any]) -> None:
    x = groups["value"].to_numpy(float)
    neg = x < 0
    if neg.any():
        bad = rows[neg].head(5)
        raise SchemaError(
            f"g_chart: the counts between events must be >= 0; rows {bad.index.tolist()} have "
            f"{x[neg][:5].tolist()}. A g chart counts the cases (units, days) between "
            "consecutive events", failure_cases=bad)
    frac = x != np.round(x)
    if frac.any():
        bad = rows[frac].head(5)
        raise SchemaError(
            f"g_chart: the counts between events must be whole numbers; rows "
            f"{bad.index.tolist()} have {x[frac][:5].tolist()}. For continuous times between "
            "events use t_chart", failure_cases=bad)


def _t_estimate(method: TMethod) -> Any:
    def estimate(g: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
        x = g["value"].to_numpy(float)
        if len(x) == 0:
            raise InsufficientDataError("no baseline times to estimate the t chart from")
        return t_estimate(x, method)

    return estimate


def _t_arrays(method: TMethod) -> Any:
    def arrays(panel: str, g: pd.DataFrame, p: Mapping[str, float], k: float,
               opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
        lim = t_limits(dict(p), method=method, k=k)
        m = len(g)
        return {"statistic": g["value"].to_numpy(float), "center": np.full(m, lim["center"]),
                "sigma_statistic": np.full(m, math.nan), "lcl": np.full(m, lim["lcl"]),
                "ucl": np.full(m, lim["ucl"])}

    return arrays


def _t_check(groups: pd.DataFrame, rows: pd.DataFrame, opts: Mapping[str, Any]) -> None:
    x = groups["value"].to_numpy(float)
    bad_mask = x <= 0
    if bad_mask.any():
        bad = rows[bad_mask].head(5)
        raise SchemaError(
            f"t_chart: the times between events must be > 0; rows {bad.index.tolist()} have "
            f"{x[bad_mask][:5].tolist()}. Two events at the same time have no positive gap: "
            "record the times more precisely, merge them, or chart the days between events "
            "with g_chart", failure_cases=bad)


# --------------------------------------------------------------------------- helpers


def _below_rule(k: int) -> Rule:
    return Rule("g_below", "run", k=k,
                description="{k} points in a row below the center line (events more "
                            "frequent than usual)")


def _with_below_rule(chart: ControlChart, k: int) -> ControlChart:
    """Add the one-sided run rule (k points in a row strictly below the center) to a g
    chart: the engine's own run rule applied to min(statistic, center), so a point above
    the center ends a run exactly as a point on the center does."""
    pts = chart.points.copy()
    stat = pts["statistic"].to_numpy(float)
    center = pts["center"].to_numpy(float)
    seg = pd.factorize(pts["stage"])[0]
    nan = np.full(len(pts), np.nan)
    fired = evaluate([_below_rule(k)], np.minimum(stat, center), center, nan, nan, nan,
                     segment=seg)
    signals = chart.signals
    if len(fired):
        pos = fired["position"].to_numpy(dtype=np.int64)
        texts = pts["rules"].astype(object).to_numpy().copy()
        for i in pos:
            texts[i] = "g_below" if not texts[i] else f"{texts[i]},g_below"
        pts["rules"] = pd.array(texts.astype(str), dtype=pts["rules"].dtype)
        flags = pts["signal"].to_numpy(dtype=bool).copy()
        flags[pos] = True
        pts["signal"] = flags
        new = pd.DataFrame({
            "panel": pts["panel"].to_numpy()[pos], "subgroup": pts["subgroup"].to_numpy()[pos],
            "time": pts["time"].to_numpy()[pos], "position": pos,
            "stage": pts["stage"].to_numpy()[pos], "phase": pts["phase"].to_numpy()[pos],
            "statistic": stat[pos], "rule": fired["rule"].to_numpy(),
            "description": fired["description"].to_numpy()})
        frames = [f for f in (signals, new) if len(f)]
        signals = pd.concat(frames, ignore_index=True).sort_values(
            "position", kind="stable").reset_index(drop=True)
    params = dict(chart.parameters)
    params["rules"] = (*params.get("rules", ()), f"g_below (k={k})")
    return dataclasses.replace(chart, points=pts, signals=signals, parameters=params)


def _limits_text(chart: ControlChart) -> str:
    """How the limits of a rare-event chart were made (for ``limits`` and ``summary()``)."""
    p = chart.parameters
    k = float(p.get("nsigmas", 3.0))
    lo, hi = float(special.ndtr(-k)), float(special.ndtr(k))
    if chart.chart == "g":
        center = "median" if p.get("center", "median") == "median" else "mean gbar"
        if p.get("method", "probability") == "probability":
            return (f"geometric quantiles {lo:.5g} / {hi:.5g}, p = 1/(gbar+1); center: "
                    f"{center}")
        return f"gbar ± {k:g}·sqrt(gbar(gbar+1)) (Benneyan); center: {center}"
    if chart.chart == "t":
        return f"Weibull (ML) quantiles {lo:.5g} / 0.5 / {hi:.5g}"
    return f"individuals chart of t^(1/3.6), back-transformed (±{k:g} sigma)"


def _describe(chart: ControlChart) -> ControlChart:
    """Add ``limits_from`` and ``reading`` (low = worse) to ``chart.limits``."""
    lim = chart.limits
    lim["limits_from"] = _limits_text(chart)
    lim["reading"] = _LOW
    return dataclasses.replace(chart, limits=lim)


class _Wrapped:
    """``monitor`` of a rare-event chart: the engine's monitor, plus the gaps of new events
    (measured from the last event on the chart), the g chart's run-below rule and the
    limits description. A plain object, so a pickled chart can still monitor."""

    picklable = True
    __slots__ = ("below", "chart", "events", "gap", "inner", "last", "unit")

    def __init__(self, inner: Any, *, below: int | None, events: str | None, last: Any,
                 unit: str, chart: str, gap: str) -> None:
        self.inner, self.below, self.events, self.last = inner, below, events, last
        self.unit, self.chart, self.gap = unit, chart, gap

    def __call__(self, new_data: pd.DataFrame) -> ControlChart:
        data, last = new_data, self.last
        if self.events is not None:
            data = _events_table(self.chart, new_data, events=self.events, unit=self.unit,
                                 gap=self.gap, previous=self.last)[0]
            if len(new_data):
                last = new_data[self.events].dropna().max()
        out = self.inner(data)
        assert isinstance(out, ControlChart)
        return _finish(out, below=self.below, events=self.events, last=last, unit=self.unit,
                       chart=self.chart, gap=self.gap)

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for k in self.__slots__:
            setattr(self, k, state[k])


def _finish(out: ControlChart, *, below: int | None, events: str | None, last: Any, unit: str,
            chart: str, gap: str) -> ControlChart:
    """The engine's chart plus the run-below rule, the limits description and a monitor
    that keeps both (and continues the gaps of ``events=``)."""
    inner = out._monitor
    if below is not None:
        out = _with_below_rule(out, below)
    out = _describe(out)
    wrapped = None if inner is None else _Wrapped(inner, below=below, events=events, last=last,
                                                  unit=unit, chart=chart, gap=gap)
    return dataclasses.replace(out, _monitor=wrapped)


def _gap_name(data: pd.DataFrame) -> str:
    name = "gap"
    while name in data.columns:
        name = "_" + name
    return name


def _events_table(chart: str, data: pd.DataFrame, *, events: str, unit: str, gap: str,
                  previous: Any = None, missing: Missing = "raise"
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per gap: the input row of the event that closes it plus the gap column.

    With ``previous`` (monitoring), the first new gap is measured from that event."""
    _require(data, events=events)
    ev = data[events]
    df, excl = data, pd.DataFrame({"row": pd.Series(dtype="int64"),
                                   "reason": pd.Series(dtype=str)})
    if ev.isna().any():
        df, excl = _handle_missing(data, [events], missing)
        ev = df[events]
    if previous is not None:
        if len(ev) and (ev < previous).any():
            raise ValueError(
                f"monitor(): new events in {events!r} precede the last event on the chart "
                f"({previous}); pass only events after it")
        lead = pd.Series([previous], dtype=ev.dtype)
        gaps, closing = intervals_from_events(pd.concat([lead, ev], ignore_index=True),
                                              chart=chart, unit=unit)  # type: ignore[arg-type]
        closing = closing - 1
    else:
        gaps, closing = intervals_from_events(ev, chart=chart, unit=unit)  # type: ignore[arg-type]
    table = df.iloc[closing].copy()
    table[gap] = gaps
    return table, excl


def _check_rules(chart: str, rules: str, allowed: Sequence[str]) -> None:
    if rules not in allowed:
        raise RuleError(
            f"{chart}_chart: rules= must be one of {', '.join(map(repr, allowed))}, got "
            f"{rules!r}. The gaps between rare events are skewed (geometric or exponential), "
            "so zone and two-sided run rules have no stated false-alarm rate; only points "
            "beyond the limits" + (" and runs below the (median) center line" if chart == "g"
                                   else "") + " are valid. Use rules='limits' (on the command "
            "line: --rules limits)" + (" or rules='below'" if chart == "g" else ""))


def _rare(chart: str, family: str, data: pd.DataFrame, *, value: str | None,
          events: str | None, unit: str, subgroup: str | None, time: str | None,
          stage: str | None, exclude: Exclude, rules: str, below: int | None,
          standards: dict[str, float | None], nsigmas: float,
          limits: Limits | Mapping[str, Any] | None, missing: Missing,
          settings: dict[str, Any]) -> ControlChart:
    name = f"{chart}_chart"
    if (value is None) == (events is None):
        raise TypeError(
            f"{name} needs exactly one of value= (a column of the "
            f"{'counts' if chart == 'g' else 'times'} between events, one row per gap) or "
            "events= (a column of event dates/times or case numbers, one row per event)")
    common: dict[str, Any] = dict(subgroup=subgroup, stage=stage, exclude=exclude,
                  rules="limits" if rules == "below" else rules, dispersion_rules="none",
                  nsigmas=nsigmas, limits=limits, standards=standards, missing=missing,
                  **settings)
    if value is not None:
        out = build_chart(family, data, value=value, time=time, **common)
        return _finish(out, below=below, events=None, last=None, unit=unit, chart=chart,
                       gap=value)
    assert events is not None
    if time is not None:
        raise TypeError(f"{name}: with events= the events give the order and the time axis; "
                        "leave time= out")
    _require(data, events=events, subgroup=subgroup, stage=stage)
    gap = _gap_name(data)
    table, excl = _events_table(chart, data, events=events, unit=unit, gap=gap,
                                missing=missing)
    dated = pd.api.types.is_datetime64_any_dtype(data[events])
    out = build_chart(family, table, value=gap, time=events if dated else None,
                      **common)
    if len(excl):
        out = dataclasses.replace(out, exclusions=pd.concat([excl, out.exclusions],
                                                            ignore_index=True))
    return _finish(out, below=below, events=events, last=data[events].dropna().max(),
                   unit=unit, chart=chart, gap=gap)


# --------------------------------------------------------------------------- public


@overload
def g_chart(data: pd.DataFrame, *, value: str | None = None, events: str | None = None,
            subgroup: str | None = None, time: str | None = None, stage: str | None = None,
            exclude: Exclude = None, by: None = None,
            rules: GRules = "limits", rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            method: GLimits = "probability", center: GCenter = "median",
            gbar: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart: ...


@overload
def g_chart(data: pd.DataFrame, *, value: str | None = None, events: str | None = None,
            subgroup: str | None = None, time: str | None = None, stage: str | None = None,
            exclude: Exclude = None, by: str | Sequence[str],
            rules: GRules = "limits", rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            method: GLimits = "probability", center: GCenter = "median",
            gbar: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ChartCollection: ...


def g_chart(data: pd.DataFrame, *, value: str | None = None, events: str | None = None,
            subgroup: str | None = None, time: str | None = None, stage: str | None = None,
            exclude: Exclude = None, by: str | Sequence[str] | None = None,
            rules: GRules = "limits", rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            method: GLimits = "probability", center: GCenter = "median",
            gbar: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart | ChartCollection:
    """g chart: the number of cases (units, opportunities, days) between rare events.

    One point per event. **Low is bad**: a point below the LCL, or a run below the
    center line, means events came closer together (more frequent events); a point
    above the UCL is an unusually long gap (an improvement, or events not reported).

    Parameters
    ----------
    data : pandas.DataFrame
        Either one row per gap (``value=``) or one row per event (``events=``).
    value : str, optional
        Column of the counts between consecutive events (whole numbers >= 0).
    events : str, optional
        Column of event dates (gaps are the elapsed calendar days, 0 for two events on
        one day; the dates become the time axis) or case numbers (gaps are the cases
        strictly between two events, ``x_i − x_(i−1) − 1``); sorted first. Each gap is
        a row of the event that closes it (its index label is the default subgroup).
    subgroup, time, stage, exclude, by, nsigmas, missing
        As for :func:`leankit.spc.i_mr` (``time=`` only with ``value=``).
    rules : {"limits", "below"}, default "limits"
        ``"limits"``: points beyond the limits only. ``"below"``: also a run of k = 8
        points in a row strictly below the center line (rule ``g_below``;
        ``rule_params={"g_below": {"k": 7}}``); use it with ``center="median"``.
    rule_params : dict, optional
        ``{"g_below": {"k": ...}}``.
    method : {"probability", "sigma"}, default "probability"
        Probability limits (quantiles of the fitted geometric distribution at Φ(∓k),
        Minitab) or Benneyan's ``ḡ ± k√(ḡ(ḡ+1))``.
    center : {"median", "mean"}, default "median"
        Center line: the fitted distribution's median (Minitab) or ḡ (Benneyan).
    gbar : float, optional
        Known mean gap ḡ (a standard): every point is Phase II.
    limits : Limits, optional
        Frozen limits of an earlier g chart (its ``gbar``).

    Returns
    -------
    ControlChart
        One panel ``"g"``; ``to_frame()`` columns ``panel, subgroup, time, n, statistic,
        center, lcl, ucl, sigma_statistic`` (the geometric sd √(ḡ(ḡ+1))), ``phase, stage,
        excluded, exclude_reason, signal, rules``; ``limits`` has ``gbar``. With
        ``events=``, ``monitor(new_events)`` continues from the last event.

    Raises
    ------
    SchemaError
        A negative or fractional count, or two events on one case number.
    InsufficientDataError
        Fewer than 2 events (``events=``) or no baseline gap.

    Notes
    -----
    Gaps X are geometric, ``P(X = x) = p(1−p)^x``, ``p̂ = 1/(ḡ+1)``. Probability limits
    interpolate the "number until" quantile linearly between integers and subtract 1
    (Minitab), floored at 0; the UCL is exceeded with probability Φ(−k) = 0.00135 in
    control. Benneyan's sigma limits are exceeded with probability ≈ e^−(1+k) (1.8 %
    for k = 3): more false alarms.

    References
    ----------
    Benneyan, J. C. (2001), "Number-between g-type statistical quality control charts
    for monitoring adverse events", *Health Care Management Science* 4, 305-318.
    Kaminsky, F. C. et al. (1992), "Statistical control charts based on a geometric
    distribution", *Journal of Quality Technology* 24, 63-69. Minitab, "Methods and
    formulas for G Chart".

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import spc
    >>> cases = pd.DataFrame({"case": [12, 40, 41, 95, 160, 170, 260, 300, 301, 390]})
    >>> chart = spc.g_chart(cases, events="case")
    >>> chart.limits[["gbar", "center", "lcl", "ucl"]].round(2).values.tolist()
    [[41.0, 27.77, 0.0, 273.21]]
    """
    kwargs = dict(value=value, events=events, subgroup=subgroup, time=time, stage=stage,
                  exclude=exclude, rules=rules, rule_params=rule_params, method=method,
                  center=center, gbar=gbar, nsigmas=nsigmas, limits=limits, missing=missing)
    if by is not None:
        return _by(g_chart, data, by, kwargs)
    if method not in ("probability", "sigma"):
        raise ValueError(f"method= must be 'probability' or 'sigma', got {method!r}")
    if center not in ("median", "mean"):
        raise ValueError(f"center= must be 'median' or 'mean', got {center!r}")
    _check_rules("g", rules, ("limits", "below"))
    unknown = set(rule_params or {}) - {"g_below"}
    if unknown:
        raise ValueError(f"g_chart: rule_params= can only set 'g_below' (e.g. "
                         f"{{'g_below': {{'k': 7}}}}), got {sorted(unknown)}")
    below = None
    if rules == "below":
        below = (rule_params or {}).get("g_below", {}).get("k", 8)
        if not (isinstance(below, int) and below >= 2):
            raise ValueError(f"g_below k must be a whole number >= 2, got {below!r}")
    if gbar is not None and not (isinstance(gbar, (int, float)) and gbar >= 0
                                 and math.isfinite(gbar)):
        raise ValueError(f"gbar= must be a number >= 0 (the mean gap), got {gbar!r}")
    return _rare("g", "g", data, value=value, events=events, unit="D", subgroup=subgroup,
                 time=time, stage=stage, exclude=exclude, rules=rules, below=below,
                 standards={"gbar": gbar}, nsigmas=nsigmas, limits=limits, missing=missing,
                 settings={"method": method, "center": center})


@overload
def t_chart(data: pd.DataFrame, *, value: str | None = None, events: str | None = None,
            unit: str = "D", subgroup: str | None = None, time: str | None = None,
            stage: str | None = None, exclude: Exclude = None,
            by: None = None, rules: Literal["limits"] = "limits",
            method: TMethod = "weibull", shape: float | None = None,
            scale: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart: ...


@overload
def t_chart(data: pd.DataFrame, *, value: str | None = None, events: str | None = None,
            unit: str = "D", subgroup: str | None = None, time: str | None = None,
            stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str], rules: Literal["limits"] = "limits",
            method: TMethod = "weibull", shape: float | None = None,
            scale: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ChartCollection: ...


def t_chart(data: pd.DataFrame, *, value: str | None = None, events: str | None = None,
            unit: str = "D", subgroup: str | None = None, time: str | None = None,
            stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str] | None = None, rules: Literal["limits"] = "limits",
            method: TMethod = "weibull", shape: float | None = None,
            scale: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart | ChartCollection:
    """t chart: the time between rare events (Weibull or ``t^(1/3.6)`` limits).

    One point per event. **Low is bad**: a point below the LCL means the events came
    closer together (the event rate went up); a point above the UCL is an unusually
    long time without an event.

    Parameters
    ----------
    data : pandas.DataFrame
        Either one row per gap (``value=``) or one row per event (``events=``).
    value : str, optional
        Column of the times between consecutive events (> 0).
    events : str, optional
        Column of event timestamps (gaps in ``unit``; they become the time axis) or
        numeric event times (e.g. cumulative operating hours); sorted first. Each gap is
        a row of the event that closes it.
    unit : str, default "D"
        Unit of the gaps from timestamps: a pandas unit ("D", "h", "min", "s").
    subgroup, time, stage, exclude, by, nsigmas, missing
        As for :func:`leankit.spc.i_mr` (``time=`` only with ``value=``).
    rules : {"limits"}, default "limits"
        Only points beyond the limits are valid on a t chart (zone and run rules are
        refused: the times are skewed, so they have no stated false-alarm rate).
    method : {"weibull", "transform"}, default "weibull"
        ``"weibull"`` (chart id ``"t"``): maximum-likelihood Weibull fit, limits at its
        quantiles Φ(−k), 0.5, Φ(k) (Minitab, JMP). ``"transform"`` (chart id
        ``"t_transform"``): individuals chart of ``t^(1/3.6)`` (σ from MR̄/d2(2)),
        back-transformed (Nelson 1994; Montgomery; qicharts2).
    shape, scale : float, optional
        Known Weibull parameters (``method="weibull"``): every point is Phase II.
    limits : Limits, optional
        Frozen limits of an earlier t chart with the same method.

    Returns
    -------
    ControlChart
        One panel ``"t"``; ``to_frame()`` as for :func:`g_chart` (``sigma_statistic`` is
        NaN: the times are not normal); ``limits`` has ``shape, scale`` (weibull) or
        ``mu, sigma`` of the transformed times (transform).

    Raises
    ------
    SchemaError
        A time is zero or negative (two events at the same time).
    InsufficientDataError
        Fewer than 2 events, or too few (distinct) baseline times to fit.

    Notes
    -----
    Weibull: shape β solves ``Σt^β ln t/Σt^β − 1/β − mean(ln t) = 0``, scale
    ``(mean t^β)^(1/β)``; limits ``scale·(−ln(1−α))^(1/β)``. Transform: ``y = t^(1/3.6)``,
    limits ``(ȳ ± k MR̄/d2(2))^3.6`` (a negative lower value gives 0), center ``ȳ^3.6``.

    References
    ----------
    Nelson, L. S. (1994), "A control chart for parts-per-million nonconforming items",
    *Journal of Quality Technology* 26, 239-240. Montgomery, D. C., *Introduction to
    Statistical Quality Control*, 8th ed., sec. 7.3.5. Minitab, "Methods and formulas
    for T Chart".

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import spc
    >>> hours = pd.DataFrame({"h": [12.0, 40.5, 3.2, 95.0, 21.7, 60.1, 8.8, 33.3]})
    >>> spc.t_chart(hours, value="h").limits[["center", "lcl", "ucl"]].round(2).values.tolist()
    [[26.42, 0.12, 183.63]]
    """
    kwargs = dict(value=value, events=events, unit=unit, subgroup=subgroup, time=time,
                  stage=stage, exclude=exclude, rules=rules, method=method, shape=shape,
                  scale=scale, nsigmas=nsigmas, limits=limits, missing=missing)
    if by is not None:
        return _by(t_chart, data, by, kwargs)
    if method not in ("weibull", "transform"):
        raise ValueError(f"method= must be 'weibull' or 'transform', got {method!r}")
    _check_rules("t", rules, ("limits",))
    if method == "transform" and (shape is not None or scale is not None):
        raise ValueError("shape= and scale= are Weibull parameters; use method='weibull' or "
                         "leave them out")
    for name_, val in (("shape", shape), ("scale", scale)):
        if val is not None and not (isinstance(val, (int, float)) and val > 0
                                    and math.isfinite(val)):
            raise ValueError(f"{name_}= must be a positive number, got {val!r}")
    family = "t" if method == "weibull" else "t_transform"
    standards: dict[str, float | None] = (
        {"shape": shape, "scale": scale} if method == "weibull" else {})
    return _rare("t", family, data, value=value, events=events, unit=unit, subgroup=subgroup,
                 time=time, stage=stage, exclude=exclude, rules=rules, below=None,
                 standards=standards, nsigmas=nsigmas, limits=limits, missing=missing,
                 settings={})



def _notes(chart: ControlChart) -> list[str]:
    """``summary()`` notes of a rare-event chart: how its limits were made (not ±3 sigma)."""
    return [f"Limits: {_limits_text(chart)}.", f"Reading: {_LOW}."]


def _t_transform(data: pd.DataFrame, **kwargs: Any) -> ControlChart | ChartCollection:
    """:func:`t_chart` with ``method="transform"`` (the ``t_transform`` family's
    constructor, so ``spc.chart(type="t_transform")`` validates as ``t_chart`` does)."""
    if kwargs.get("method", "transform") != "transform":
        raise ValueError("the t_transform chart is t_chart(..., method='transform'); use "
                         "type='t' for the Weibull limits")
    kwargs.pop("method", None)
    out: ControlChart | ChartCollection = t_chart(data, method="transform", **kwargs)
    return out


_t_transform.__name__ = "t_chart"

#: ``events=``: the alternative to ``value=`` (one row per event instead of per gap).
_EVENTS = (ColumnArg(name="events", help="event dates/times or case numbers, one row per "
                     "event (instead of value=, the gaps)"),)

register_family(ChartFamily(
    id="g", title="g chart", constructor=g_chart, input="values", aliases=("g_chart",),
    description="rare events: cases (units, days) between events, geometric limits; "
                + _LOW,
    panels=(Panel(name="g", title="Cases between events", y_title="cases between events",
                  rules="limits_only"),),
    param_names=("gbar",), estimate=_g_estimate, arrays=_g_arrays, check=_g_check,
    settings={"method": "probability", "center": "median"},
    valid_rules=("limits", "below"), default_rules="limits", notes=_notes,
    optional_columns=("value", "subgroup"), extra_columns=_EVENTS,
    data_kind="events"))
register_family(ChartFamily(
    id="t", title="t chart", constructor=t_chart, input="values", aliases=("t_chart",),
    description="rare events: time between events, Weibull limits; " + _LOW,
    panels=(Panel(name="t", title="Time between events", y_title="time between events",
                  rules="limits_only"),),
    param_names=("shape", "scale"), estimate=_t_estimate("weibull"),
    arrays=_t_arrays("weibull"), check=_t_check, valid_rules=("limits",),
    default_rules="limits", notes=_notes, data_kind="events",
    optional_columns=("value", "subgroup"), extra_columns=_EVENTS))
register_family(ChartFamily(
    id="t_transform", title="t chart (t^(1/3.6) transform)", input="values",
    constructor=_t_transform,
    description="rare events: time between events, individuals limits on t^(1/3.6); " + _LOW,
    panels=(Panel(name="t", title="Time between events", y_title="time between events",
                  rules="limits_only"),),
    param_names=("mu", "sigma"), estimate=_t_estimate("transform"),
    arrays=_t_arrays("transform"), check=_t_check, valid_rules=("limits",),
    default_rules="limits", notes=_notes, data_kind="events",
    optional_columns=("value", "subgroup"), extra_columns=_EVENTS))
