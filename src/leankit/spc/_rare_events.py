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

import math
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from leankit.errors import InsufficientDataError, SchemaError
from leankit.spc._constants import d2

__all__ = [
    "T_EXPONENT",
    "g_limits",
    "geometric_quantile",
    "intervals_from_events",
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
