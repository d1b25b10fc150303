"""Chart advisor: which control chart fits the data, and why (:func:`advise`).

The advisor runs a few diagnostics on the data (subgroup structure, normality and
skewness, lag-1 autocorrelation and the Ljung-Box test, overdispersion of counts, rarity
of events, number of part numbers), picks a registered chart family with its settings,
an optional transformation (log scale, AR(1) residuals, gaps between events) and — given
the number of points per reporting period — the width of the limits that keeps the
in-control rate of periods with a false alarm at or below ``alarm_rate``. The choice and
the diagnostics behind it are stored on a frozen :class:`Advice`; ``advice.chart(data)``
applies the transformation and builds the chart with :func:`leankit.spc.chart`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import ColumnNotFoundError, InsufficientDataError, SchemaError
from leankit.spc._arl import arl
from leankit.spc._laney import laney_estimate
from leankit.spc._normality import anderson_darling_normal
from leankit.spc._results import ControlChart

__all__ = ["Advice", "advise"]

Transformation = Literal["log", "ar1_residuals", "event_gaps", "subgroup_means"]
Attribute = Literal["defects", "defectives"]

_TRANSFORM_NAMES = {"log": "log scale", "ar1_residuals": "AR(1) residuals",
                    "event_gaps": "gaps between events",
                    "subgroup_means": "subgroup means"}

#: Significance level of the advisor's tests (normality, Ljung-Box, dispersion).
ALPHA = 0.01
#: A lognormal model "fits" when Anderson-Darling on log(x) does not reject it at the
#: advisor's level (p at least this): large rounded samples reject at 0.05 for resolution.
LOGNORMAL_FIT = 0.01
#: Or: the log scale's Anderson-Darling statistic is at least this many times smaller.
LOG_BETTER = 5.0
#: Fewest points (individuals or subgroup means) to test normality or autocorrelation.
MIN_TEST_POINTS = 20
#: Fewest subgroups to test counts for overdispersion.
MIN_COUNT_SUBGROUPS = 10
#: Counts are "rare events" when at least this share of subgroups has none.
RARE_ZERO_SHARE = 0.5
#: Laney sigma_z must exceed 1 by more than this to switch to p'/u' (Laney 2002).
LANEY_MARGIN = 0.1
#: Median values per part below which parts are "few points each" (Z-MR).
SHORT_RUN_POINTS = 20
#: A between-subgroup variance component at least this share of the within-subgroup
#: variance of a mean switches X̄-S to an I-MR chart of the subgroup means.
BETWEEN_SHARE = 0.1
#: Level of that F test: 0.05, since the cost of missing the component (a variance of
#: the means understated by 10-30 %, several times the designed false-alarm rate) is
#: larger than the cost of charting the means as individuals without it.
BETWEEN_ALPHA = 0.05
#: Quesenberry (1993): baseline of individuals for estimated limits.
BASELINE_INDIVIDUALS = 300

_REFERENCES = (
    "Alwan, L. C., Roberts, H. V. (1988), 'Time-series modeling for statistical process "
    "control', Journal of Business & Economic Statistics 6, 87-95.",
    "Montgomery, D. C., Introduction to Statistical Quality Control, 8th ed., Wiley, "
    "2019, section 10.4 (SPC with autocorrelated data).",
    "Laney, D. B. (2002), 'Improved control charts for attributes', Quality Engineering "
    "14, 531-537.",
    "Benneyan, J. C. (2001), 'Number-between g-type statistical quality control charts "
    "for monitoring adverse events', Health Care Management Science 4, 305-318.",
    "Quesenberry, C. P. (1993), 'The effect of sample size on estimated limits for X-bar "
    "and X control charts', Journal of Quality Technology 25, 237-247.",
    "Jensen, W. A., Jones-Farmer, L. A., Champ, C. W., Woodall, W. H. (2006), 'Effects "
    "of parameter estimation on control chart properties: a literature review', Journal "
    "of Quality Technology 38, 349-364.",
    "Champ, C. W., Woodall, W. H. (1987), 'Exact results for Shewhart control charts "
    "with supplementary runs rules', Technometrics 29, 393-399.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Advice:
    """The advised control chart, its settings and the diagnostics behind the choice.

    Attributes
    ----------
    family : str
        Registered chart family id (``"i_mr"``, ``"xbar_s"``, ``"laney_u"``, ...).
    settings : dict
        Keyword arguments for :func:`leankit.spc.chart` (columns, ``rules``,
        ``nsigmas`` ...), referring to the columns of the transformed data.
    transformation : {"log", "ar1_residuals", "event_gaps"} or None
        Applied by :meth:`transform` before charting.
    transform_params : dict
        Parameters of the transformation, estimated once from the advised data
        (``phi`` and ``mean`` of the AR(1) fit; the source column names).
    rules : str
        Rule set of the main panel.
    nsigmas : float
        Width of the limits in sigmas of the plotted statistic.
    diagnostics : dict
        Every figure the choice rests on (name -> value; NaN where not tested).
    reasons : tuple of str
        Why this chart, in plain words, one sentence per decision.
    notes : tuple of str
        Method, thresholds and references.
    companion : dict or None
        With ``companion="ewma"``: ``{"family": "ewma", "settings": {...}}``, an EWMA
        chart for small sustained shifts to read alongside (:meth:`companion_chart`).
    """

    family: str
    settings: dict[str, Any]
    transformation: Transformation | None
    transform_params: dict[str, Any] = field(default_factory=dict)
    rules: str
    nsigmas: float
    diagnostics: dict[str, Any]
    reasons: tuple[str, ...]
    notes: tuple[str, ...] = ()
    companion: dict[str, Any] | None = None

    def __repr__(self) -> str:
        how = f" on {_TRANSFORM_NAMES[self.transformation]}" if self.transformation else ""
        if self.companion is not None:
            how += f" + {self.companion['family']}"
        return (f"<Advice {self.family}{how}: rules {self.rules!r}, "
                f"nsigmas {self.nsigmas:.4g}>")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Advice:
        """Rebuild an advice from its stored form (the ``advice`` of a limits version,
        :func:`dataclasses.asdict` or JSON): lists become tuples again, ``None`` in the
        diagnostics becomes NaN.

        Examples
        --------
        >>> import dataclasses, numpy as np, pandas as pd
        >>> a = advise(pd.DataFrame({"x": np.arange(30.0) % 7}), value="x")
        >>> Advice.from_dict(dataclasses.asdict(a)) == a
        True
        """
        known = {f.name for f in fields(cls)}
        doc = {k: v for k, v in dict(d).items() if k in known}
        for key in ("reasons", "notes"):
            if key in doc and doc[key] is not None:
                doc[key] = tuple(doc[key])
        doc["diagnostics"] = {k: (math.nan if v is None else v)
                              for k, v in dict(doc.get("diagnostics") or {}).items()}
        doc["settings"] = dict(doc.get("settings") or {})
        doc["transform_params"] = dict(doc.get("transform_params") or {})
        if doc.get("companion") is not None:
            comp = dict(doc["companion"])
            comp["settings"] = dict(comp.get("settings") or {})
            doc["companion"] = comp
        return cls(**doc)

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        """The data the advised chart plots: a new DataFrame (the input is not changed).

        ``"log"`` adds the column ``log_<value>``; ``"ar1_residuals"`` adds
        ``<value>_ar1_residual`` (with the stored φ and mean, so new data are filtered
        with the baseline model); ``"event_gaps"`` returns one row per event with the
        column ``gap`` (event-free subgroups since the previous event) and
        ``closing_row`` (the index label of the subgroup of the event).

        Raises
        ------
        SchemaError
            Non-positive values for the log transform.
        """
        p = self.transform_params
        if self.transformation is None:
            return data.copy()
        if self.transformation == "log":
            x = pd.to_numeric(data[p["source"]], errors="coerce")
            if bool((x <= 0).any()):
                raise SchemaError(
                    f"the advice charts log({p['source']}), which needs values > 0; found "
                    f"{int((x <= 0).sum())} value(s) <= 0. Chart these data with their own "
                    "spc.advise(...) instead")
            return data.assign(**{p["column"]: np.log(x)})
        if self.transformation == "ar1_residuals":
            order = _order(data, p.get("time"))
            x = pd.to_numeric(data[p["source"]], errors="coerce").to_numpy(float)[order]
            res = ar1_residuals(x, phi=p["phi"], mean=p["mean"])
            out = np.empty_like(res)
            out[order] = res
            return data.assign(**{p["column"]: out})
        if self.transformation == "subgroup_means":
            return _subgroup_means(data, value=p["source"], subgroup=p["subgroup"],
                                   column=p["column"], time=p.get("time"))
        return _event_gaps(data, count=p["source"], time=p.get("time"))

    def chart(self, data: pd.DataFrame, **overrides: Any) -> ControlChart:
        """Transform *data* and build the advised chart with :func:`leankit.spc.chart`.

        Parameters
        ----------
        data : pandas.DataFrame
            The advised data, or new data of the same layout.
        **overrides
            Settings that replace the advised ones (e.g. ``rules="we"``).

        Returns
        -------
        ControlChart
        """
        from leankit.spc._charts import chart

        return chart(self.transform(data), type=self.family, **{**self.settings, **overrides})

    def companion_chart(self, data: pd.DataFrame, **overrides: Any) -> ControlChart:
        """Transform *data* and build the companion chart (``companion="ewma"``).

        Raises
        ------
        SchemaError
            The advice has no companion.
        """
        from leankit.spc._charts import chart

        if self.companion is None:
            raise SchemaError("this advice has no companion chart; call spc.advise(..., "
                              "companion='ewma') for an EWMA alongside the Shewhart chart")
        return chart(self.transform(data), type=self.companion["family"],
                     **{**self.companion["settings"], **overrides})

    def to_frame(self) -> pd.DataFrame:
        """The diagnostics as a new DataFrame with columns ``diagnostic, value``."""
        return pd.DataFrame({"diagnostic": list(self.diagnostics),
                             "value": list(self.diagnostics.values())})

    def summary(self) -> Summary:
        """Chart, settings and reasons; the diagnostics as a table; method notes."""
        rows: list[tuple[str, object]] = [
            ("chart", self.family),
            ("transformation", self.transformation or "none"),
            ("rules", self.rules), ("nsigmas", self.nsigmas),
        ]
        rows += [(f"reason {i}", r) for i, r in enumerate(self.reasons, 1)]
        return Summary(title=repr(self), rows=tuple(rows), notes=self.notes,
                       tables=(("Diagnostics", self.to_frame()),))


# --------------------------------------------------------------------------- helpers


def ar1_residuals(x: np.ndarray, *, phi: float, mean: float) -> np.ndarray:
    """One-step prediction errors of an AR(1) model, first value Prais-Winsten scaled.

    ``e_1 = (x_1 − μ)·√(1 − φ²)`` and ``e_t = (x_t − μ) − φ(x_(t−1) − μ)``: for an
    AR(1) process all of them have the innovation variance and are independent.

    Examples
    --------
    >>> ar1_residuals(np.array([1.0, 2.0, 2.0]), phi=0.5, mean=0.0).round(3).tolist()
    [0.866, 1.5, 1.0]
    """
    d = np.asarray(x, dtype=float) - mean
    out = np.empty_like(d)
    if d.size:
        out[0] = d[0] * math.sqrt(max(1.0 - phi * phi, 0.0))
        out[1:] = d[1:] - phi * d[:-1]
    return out


def _order(data: pd.DataFrame, time: str | None) -> np.ndarray:
    if time is None:
        return np.arange(len(data))
    return np.argsort(data[time].to_numpy(), kind="stable")


def _event_gaps(data: pd.DataFrame, *, count: str, time: str | None) -> pd.DataFrame:
    order = _order(data, time)
    c = pd.to_numeric(data[count], errors="coerce").to_numpy(float)[order]
    labels = data.index.to_numpy()[order]
    rows: list[int] = []
    for i, k in enumerate(c):
        if np.isfinite(k) and k > 0:
            rows += [i] * int(round(k))
    pos = np.asarray(rows, dtype=int)
    gaps = np.maximum(np.diff(pos) - 1, 0)
    return pd.DataFrame({"gap": gaps.astype(np.int64), "closing_row": labels[pos[1:]]})


def _subgroup_means(data: pd.DataFrame, *, value: str, subgroup: str, column: str,
                    time: str | None) -> pd.DataFrame:
    """One row per subgroup (labelled by the index of its first row, in time order): the
    subgroup's first row with *column* = the mean of its values."""
    x = pd.to_numeric(data[value], errors="coerce")
    means = x.groupby(data[subgroup].to_numpy(), sort=False).transform("mean")
    first = ~data[subgroup].duplicated(keep="first")
    out = data.loc[first.to_numpy()].assign(**{column: means[first.to_numpy()].to_numpy()})
    return out.iloc[_order(out, time)]


def _lag1(x: np.ndarray) -> float:
    d = x - x.mean()
    den = float(d @ d)
    return float(d[1:] @ d[:-1] / den) if den > 0 else math.nan


def _ljung_box(x: np.ndarray) -> tuple[int, float]:
    from statsmodels.stats.diagnostic import acorr_ljungbox

    lags = max(1, min(10, x.size // 5))
    if np.ptp(x) == 0:
        return lags, math.nan
    table = acorr_ljungbox(x, lags=[lags])
    return lags, float(table["lb_pvalue"].iloc[-1])


def _skew(x: np.ndarray) -> float:
    if x.size < 3 or np.ptp(x) == 0:
        return math.nan
    return float(stats.skew(x, bias=False))


def _ad_p(x: np.ndarray) -> float:
    return _ad(x)[1]


def _ad(x: np.ndarray) -> tuple[float, float]:
    """Anderson-Darling statistic and p-value for normality (NaN, NaN when untestable)."""
    if x.size < 8 or np.ptp(x) == 0:
        return math.nan, math.nan
    a2, p = anderson_darling_normal(x)
    return float(a2), float(p)


def _log_fits(raw: np.ndarray, logged: np.ndarray) -> tuple[bool, float, float]:
    """Whether the log scale describes *raw* (rejected as normal): its Anderson-Darling
    test does not reject at LOGNORMAL_FIT, or its statistic is at most 1/LOG_BETTER of
    the raw values' (far closer to normal, as in large samples where both reject).
    Returns (fits, log p, ratio of the statistics raw/log)."""
    a_raw, _ = _ad(raw)
    a_log, p_log = _ad(logged)
    ratio = a_raw / a_log if np.isfinite(a_raw) and np.isfinite(a_log) and a_log > 0 \
        else math.nan
    fits = (np.isfinite(p_log) and p_log >= LOGNORMAL_FIT) or (
        np.isfinite(ratio) and ratio >= LOG_BETTER)
    return bool(fits), p_log, ratio


def _column(data: pd.DataFrame, name: str | None, what: str) -> None:
    if name is not None and name not in data.columns:
        raise ColumnNotFoundError(name, data.columns, what=f"the data ({what}=)")


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3g}"


# --------------------------------------------------------------------------- calibration


def _smallest_width(rate: Callable[[float], float], target: float, lo: float, hi: float,
                    *, steps: int) -> float:
    """The smallest limit width in [lo, hi] whose period rate (decreasing in the width)
    is at most *target*: *steps* bisection steps, then rounded up to 3 decimals so the
    achieved rate does not exceed the target."""
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if rate(mid) > target:
            lo = mid
        else:
            hi = mid
    return math.ceil(hi * 1000 - 1e-9) / 1000


def calibrate(period_points: int, alarm_rate: float) -> dict[str, float]:
    """Limit width k for beyond-limits-only so P(false alarm in a period) <= alarm_rate.

    Bisection on k of ``spc.arl("shewhart", rules="we_1", nsigmas=k)
    .false_alarm_probability(period_points)`` (exact Markov chain), then k rounded up to
    3 decimals so the achieved rate does not exceed the target.

    Examples
    --------
    >>> c = calibrate(84, 0.02)
    >>> c["nsigmas"], round(c["achieved_rate"], 4)
    (3.673, 0.0199)
    """

    return dict(_calibrate(int(period_points), float(alarm_rate)))


@functools.lru_cache(maxsize=256)
def _calibrate(period_points: int, alarm_rate: float) -> tuple[tuple[str, float], ...]:
    """:func:`calibrate`, computed once per (points, rate): a report advises many
    characteristics with the same points a week."""

    def rate(k: float) -> float:
        return arl("shewhart", rules="we_1", nsigmas=k).false_alarm_probability(period_points)

    k = _smallest_width(rate, alarm_rate, 0.5, 8.0, steps=60)
    res = arl("shewhart", rules="we_1", nsigmas=k)
    return (("nsigmas", k), ("achieved_rate", res.false_alarm_probability(period_points)),
            ("arl0", float(res.table["arl"].iloc[0])),
            ("we_rate_at_3", arl("shewhart", rules="we").false_alarm_probability(
                period_points)))


def _ewma_kernel(lam: float, big_l: float, shift: float) -> np.ndarray:
    """Nyström discretisation of the two-sided EWMA's in-control region (asymptotic
    limits ±L·√(λ/(2−λ)), units of the plotted statistic's sigma) for a mean *shift*:
    K[i, j] = w_j φ((u_j − (1−λ)u_i)/λ − shift)/λ (Gauss-Legendre nodes u, weights w),
    the kernel :func:`leankit.spc.arl` uses (Crowder 1987)."""
    from leankit.spc._arl import _gauss_legendre, _panels, _phi

    limit = big_l * math.sqrt(lam / (2.0 - lam))
    nodes, weights = _gauss_legendre(-limit, limit, _panels(2 * limit, lam, None))
    z = (nodes[None, :] - (1.0 - lam) * nodes[:, None]) / lam - shift
    return np.asarray(weights[None, :] * _phi(z) / lam, dtype=float)


def _quasi_stationary(k0: np.ndarray) -> tuple[float, np.ndarray]:
    """Perron root ρ and left eigenvector q (sum 1) of the in-control kernel: the EWMA's
    distribution after a long run without a signal, from which the run length is
    geometric, P(T > n) = ρ^n. Power iteration (the kernel is positive), to 1e-13."""
    q = np.full(k0.shape[0], 1.0 / k0.shape[0])
    rho = 0.0
    for _ in range(20_000):
        nxt = q @ k0
        r = float(nxt.sum())
        nxt /= r
        done = abs(r - rho) <= 1e-14 and float(np.abs(nxt - q).max()) <= 1e-12
        q, rho = nxt, r
        if done:
            break
    return rho, q


def ewma_steady_rate(period_points: int, lam: float, big_l: float) -> float:
    """P(at least one signal in a period of N points) of an EWMA that has run in control
    for long (quasi-stationary start): ``1 − ρ^N``, ρ the Perron root of the Nyström
    kernel. The weekly report's EWMA runs on from the baseline, so this, not the
    zero-start rate, is its weekly false-alarm rate.

    Examples
    --------
    >>> r = ewma_steady_rate(84, 0.2, 3.772)
    >>> 0.01 < r < 0.012
    True
    """
    rho, _ = _quasi_stationary(_ewma_kernel(lam, big_l, 0.0))
    return float(-math.expm1(period_points * math.log(max(min(rho, 1.0), 1e-300))))


def ewma_steady_detection(period_points: int, lam: float, big_l: float,
                          shift: float) -> float:
    """P(the EWMA signals within N points of a sustained *shift* that starts when the
    chart is in its in-control steady state (quasi-stationary start)).

    Examples
    --------
    >>> round(ewma_steady_detection(84, 0.2, 3.9, 0.0), 3) == round(
    ...     ewma_steady_rate(84, 0.2, 3.9), 3)
    True
    """
    _, q = _quasi_stationary(_ewma_kernel(lam, big_l, 0.0))
    k1 = _ewma_kernel(lam, big_l, shift)
    p = q.copy()
    for _ in range(int(period_points)):
        p = p @ k1
    return float(min(max(1.0 - p.sum(), 0.0), 1.0))


def calibrate_ewma_steady(period_points: int, alarm_rate: float, lam: float
                          ) -> dict[str, float]:
    """EWMA width L (asymptotic limits) so the steady-state rate of periods with a false
    alarm (:func:`ewma_steady_rate`) is at most *alarm_rate*; bisection, L rounded up to
    3 decimals.

    Examples
    --------
    >>> c = calibrate_ewma_steady(84, 0.01, 0.2)
    >>> c["L"], c["achieved_rate"] <= 0.01
    (3.789, True)
    """
    return dict(_calibrate_ewma_steady(int(period_points), float(alarm_rate), float(lam)))


@functools.lru_cache(maxsize=256)
def _calibrate_ewma_steady(period_points: int, alarm_rate: float, lam: float
                           ) -> tuple[tuple[str, float], ...]:
    big_l = _smallest_width(lambda w: ewma_steady_rate(period_points, lam, w), alarm_rate,
                            1.5, 7.0, steps=22)
    return (("L", big_l), ("achieved_rate", ewma_steady_rate(period_points, lam, big_l)),
            ("arl0", float(arl("ewma", lam=lam, L=big_l).table["arl"].iloc[0])))


#: λ values the advisor tries for the EWMA companion with ``lam="auto"``.
LAMBDAS = (0.05, 0.1, 0.2)


def choose_lambda(period_points: int, alarm_rate: float, design_shift: float
                  ) -> tuple[float, dict[str, float], dict[float, float]]:
    """The λ of :data:`LAMBDAS` whose EWMA, calibrated to *alarm_rate* per period in
    steady state, best catches a sustained shift of *design_shift* and of half of it
    within one period (mean of the two detection probabilities; ties to the larger λ).

    Returns ``(λ, calibration, {λ: score})``.
    """
    lam, cal, scores = _choose_lambda(int(period_points), float(alarm_rate),
                                      float(design_shift))
    return lam, dict(cal), dict(scores)


@functools.lru_cache(maxsize=256)
def _choose_lambda(period_points: int, alarm_rate: float, design_shift: float
                   ) -> tuple[float, tuple[tuple[str, float], ...],
                              tuple[tuple[float, float], ...]]:
    best: tuple[float, float, dict[str, float]] | None = None
    scores: dict[float, float] = {}
    for lam in LAMBDAS:
        cal = calibrate_ewma_steady(period_points, alarm_rate, lam)
        score = 0.5 * sum(ewma_steady_detection(period_points, lam, cal["L"], d)
                          for d in (design_shift, 0.5 * design_shift))
        scores[lam] = score
        if best is None or score >= best[1] - 1e-9:
            best = (lam, score, cal)
    assert best is not None
    return best[0], tuple(best[2].items()), tuple(scores.items())


def simulate_combined_rate(period_points: int, k: float, lam: float, big_l: float, *,
                           n_sim: int = 20_000, seed: int = 20_261_204,
                           ) -> tuple[float, float]:
    """Share of simulated in-control periods in which the Shewhart chart (±k) *or* the
    EWMA (λ, asymptotic ±L) signals, and its standard error.

    Standard normal points (known parameters); the EWMA runs in control for a burn-in
    of ⌈8/λ⌉ points before the period (its steady state, as in the weekly report);
    seeded.

    Examples
    --------
    >>> p, se = simulate_combined_rate(10, 3.0, 1.0, 3.0, n_sim=4000)
    >>> abs(p - (1 - (1 - 0.0027) ** 10)) < 4 * se
    True
    """
    return _simulate_combined_rate(int(period_points), float(k), float(lam), float(big_l),
                                   int(n_sim), int(seed))


@functools.lru_cache(maxsize=256)
def _simulate_combined_rate(period_points: int, k: float, lam: float, big_l: float,
                            n_sim: int, seed: int) -> tuple[float, float]:
    """:func:`simulate_combined_rate`, once per arguments (seeded: the same result)."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    width = big_l * math.sqrt(lam / (2.0 - lam))
    hits = 0
    burn = 0 if lam >= 1.0 else math.ceil(8.0 / lam)
    chunk = max(1, int(2_000_000 // max(period_points + burn, 1)))
    done = 0
    while done < n_sim:
        m = min(chunk, n_sim - done)
        z = rng.standard_normal((m, burn + period_points))
        e = lfilter([lam], [1.0, -(1.0 - lam)], z, axis=1)[:, burn:]
        hit = (np.abs(z[:, burn:]) > k).any(axis=1) | (np.abs(e) > width).any(axis=1)
        hits += int(hit.sum())
        done += m
    p = hits / n_sim
    return p, math.sqrt(max(p * (1.0 - p), 1e-12) / n_sim)


# --------------------------------------------------------------------------- advisor


def advise(
    data: pd.DataFrame,
    *,
    value: str | None = None,
    subgroup: str | None = None,
    time: str | None = None,
    count: str | None = None,
    size: str | None = None,
    part: str | None = None,
    attribute: Attribute = "defects",
    period_points: int | None = None,
    alarm_rate: float = 0.02,
    companion: Literal["none", "ewma"] = "none",
    lam: float | Literal["auto"] = 0.2,
) -> Advice:
    """Advise a control chart for the data: family, settings, transformation, limits.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data: one row per measurement (``value=``) or per subgroup of counts
        (``count=``), in time order unless ``time=`` is given.
    value : str, optional
        Column of measurements.
    subgroup : str, optional
        Column of subgroup labels: several rows with one label are a subgroup.
    time : str, optional
        Column to order the points by.
    count : str, optional
        Column of counts (defects or defectives) per subgroup.
    size : str, optional
        Column of units inspected per subgroup (the area of opportunity).
    part : str, optional
        Column of part numbers (short runs: several parts on one chart).
    attribute : {"defects", "defectives"}, default "defects"
        What the counts are: defects (Poisson: c/u charts) or defectives out of
        ``size`` (binomial: p charts).
    period_points : int, optional
        Points plotted per reporting period (e.g. 84 subgroups a week). With it the
        limits are calibrated: beyond-limits only, with the width that keeps
        P(at least one false alarm in a period) <= ``alarm_rate``. For a g chart the
        points are events (one point per event), not subgroups.
    alarm_rate : float, default 0.02
        Largest acceptable share of in-control periods with a false alarm (1 in 50).
    companion : {"none", "ewma"}, default "none"
        ``"ewma"``: also advise an EWMA chart (asymptotic limits) of the same values for
        small sustained shifts (I-MR and X̄-S only). With ``period_points`` each chart
        gets half of ``alarm_rate``, and the combined rate is bounded (Bonferroni) and
        simulated.
    lam : float or "auto", default 0.2
        λ of the companion EWMA, in (0, 1]. ``"auto"`` (with ``period_points``): the λ
        of 0.05, 0.1, 0.2 whose calibrated EWMA best catches, within one period, a
        sustained shift of 1 sigma of the individual values and of half of it
        (:func:`choose_lambda`; the shift in units of the plotted statistic depends on
        the chart: √n for subgroup means, √((1−φ)/(1+φ)) for AR(1) residuals).

    Returns
    -------
    Advice
        ``advice.chart(data)`` builds the advised chart.

    Raises
    ------
    SchemaError
        Neither or both of ``value=`` and ``count=``; negative counts; sizes <= 0;
        ``attribute="defectives"`` without ``size=``.
    ColumnNotFoundError
        A named column is missing.
    InsufficientDataError
        No usable value at all.

    Notes
    -----
    Decisions, in order (thresholds are module constants; tests at α = 0.01):

    * ``count=``: mostly zero counts (≥ 50 % of subgroups) → g chart of the event-free
      subgroups between events (Benneyan 2001). Otherwise the Poisson (binomial)
      dispersion statistic Σ(c − ū·n)²/(ū·n) ~ χ²(m − 1) and Laney's σ_z (moving
      range of the z-scores / d2, as the Laney charts compute it); overdispersed when
      the test has p < 0.01 and σ_z > 1.1 → Laney u′ (p′), else u (p), or c without
      sizes (with constant sizes the Laney chart equals an I-MR chart of the counts,
      which is advised then).
    * ``part=`` with several parts → Z-MR.
    * ``subgroup=`` with subgroups of 2 or more → X̄-S (any, also varying, sizes; for
      n ≤ 8 X̄-R is nearly as efficient). Within-subgroup deviations not normal
      (Anderson-Darling p < 0.01), positive values whose log deviations fit a normal
      (p ≥ 0.01) → X̄-S on log scale (means of a few skewed values keep a long tail).
    * Subgroups whose means vary more than within-subgroup sigma explains (one-way
      ANOVA F test p < 0.05 and a between-subgroup variance component ≥ 10 % of a
      mean's within variance) → I-MR chart of the subgroup means (``"subgroup_means"``).
    * Individuals: Ljung-Box (lags min(10, n/5)) p < 0.01 → AR(1) fitted by Yule-Walker
      (φ = lag-1 autocorrelation), I-MR chart of its residuals (Alwan & Roberts 1988;
      Montgomery 10.4); otherwise Anderson-Darling p < 0.01 with positive values and
      AD on log(x) p ≥ 0.01 → I-MR on log scale; otherwise I-MR.

    With ``period_points`` the rule set is beyond the limits only, with k from
    :func:`calibrate` (exact Markov chain of :func:`leankit.spc.arl`); the dispersion
    panel (MR, S) is shown without signals so the calibrated rate is the chart's rate.
    With ``companion="ewma"`` each chart gets ``alarm_rate/2`` (the EWMA width from
    :func:`calibrate_ewma_steady`, the EWMA's steady-state rate, as it runs on from the
    baseline); the combined rate is at most the sum (Bonferroni) and is estimated by
    :func:`simulate_combined_rate`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from leankit import spc
    >>> x = np.random.default_rng(1).normal(10, 1, 120)
    >>> advice = spc.advise(pd.DataFrame({"x": x}), value="x", period_points=84)
    >>> advice
    <Advice i_mr: rules 'limits', nsigmas 3.673>
    >>> advice.chart(pd.DataFrame({"x": x}))
    <ControlChart i_mr: 120 subgroups, n=1, 0 signals>
    """
    if not isinstance(data, pd.DataFrame):
        raise SchemaError(f"advise() needs a pandas DataFrame; got {type(data).__name__}")
    if (value is None) == (count is None):
        raise SchemaError(
            "advise() needs exactly one of value= (a column of measurements) and count= "
            "(a column of counts per subgroup); got "
            + ("neither" if value is None else "both"))
    for name, what in ((value, "value"), (subgroup, "subgroup"), (time, "time"),
                       (count, "count"), (size, "size"), (part, "part")):
        _column(data, name, what)
    if not (isinstance(alarm_rate, (int, float)) and 0 < alarm_rate < 1):
        raise SchemaError(f"alarm_rate= must be in (0, 1), e.g. 0.02 for 1 period in 50; "
                          f"got {alarm_rate!r}")
    if period_points is not None and (
            isinstance(period_points, bool) or not isinstance(period_points, (int, np.integer))
            or period_points < 1):
        raise SchemaError("period_points= must be a whole number >= 1 (points plotted per "
                          f"reporting period, e.g. 84); got {period_points!r}")
    if companion not in ("none", "ewma"):
        raise SchemaError(f"companion= must be 'none' or 'ewma'; got {companion!r}")
    if not (lam == "auto" or (isinstance(lam, (int, float)) and not isinstance(lam, bool)
                              and 0 < lam <= 1)):
        raise SchemaError(f"lam= must be in (0, 1] (the EWMA weight) or 'auto'; got {lam!r}")
    if attribute not in ("defects", "defectives"):
        raise SchemaError(f"attribute= must be 'defects' or 'defectives'; got {attribute!r}")

    ordered = data.iloc[_order(data, time)]
    diag: dict[str, Any] = {}
    reasons: list[str] = []
    params: dict[str, Any] = {}
    transformation: Transformation | None = None
    settings: dict[str, Any] = {}
    points: int
    sub_n = 1.0

    if count is not None:
        family, transformation, points = _advise_counts(
            ordered, count=count, size=size, attribute=attribute, diag=diag,
            reasons=reasons)
        if transformation == "event_gaps":
            settings = {"value": "gap"}
            params = {"source": count, "time": time}
        else:
            settings = {"value": count} if family == "i_mr" else {"count": count}
            if size is not None and family != "i_mr":
                settings["size"] = size
            if subgroup is not None:
                settings["subgroup"] = subgroup
            if time is not None:
                settings["time"] = time
            if diag["counts_missing"]:
                settings["missing"] = "exclude"
                reasons.append(
                    f"{diag['counts_missing']} subgroup(s) without a count or size are left "
                    "out of the diagnostics and of the chart (missing='exclude')")
    else:
        assert value is not None
        x_all = pd.to_numeric(ordered[value], errors="coerce")
        usable = x_all.notna().to_numpy() & np.isfinite(x_all.to_numpy(float, na_value=np.nan))
        diag["values_missing"] = int((~usable).sum())
        if not usable.any():
            raise InsufficientDataError(
                f"column {value!r} has no numeric value to advise on; check the column")
        frame = ordered.loc[usable]
        x = x_all[usable].to_numpy(float)
        settings = {"value": value}
        if diag["values_missing"]:
            settings["missing"] = "exclude"
            reasons.append(
                f"{diag['values_missing']} row(s) without a numeric {value!r} are left out "
                "of the diagnostics and of the chart (missing='exclude', listed in the "
                "chart's exclusions)")
        if time is not None:
            settings["time"] = time
        n_parts = int(frame[part].nunique()) if part is not None else 1
        sizes = (frame.groupby(subgroup, sort=False).size().to_numpy()
                 if subgroup is not None else np.ones(x.size, dtype=int))
        diag["values"] = int(x.size)
        if part is not None and n_parts >= 2:
            family, points = "zmr", int(x.size)
            per = frame.groupby(part, sort=False).size()
            diag["parts"] = n_parts
            diag["median_points_per_part"] = float(per.median())
            settings["part"] = part
            if subgroup is not None:
                settings["subgroup"] = subgroup
            few = per.median() < SHORT_RUN_POINTS
            reasons.append(
                f"{n_parts} part numbers with a median of {per.median():g} values each"
                + (": too few for a chart per part, so a Z-MR chart standardises each part "
                   "and plots them on one chart" if few else
                   ": Z-MR puts them on one chart (each part also has enough values for "
                   "its own chart: spc.chart_by(..., by=part))"))
        elif subgroup is not None and sizes.min() >= 2:
            family, points = "xbar_s", int(sizes.size)
            sub_n = float(np.median(sizes))
            settings["subgroup"] = subgroup
            if _subgroup_diagnostics(frame, x, value=value, subgroup=subgroup, sizes=sizes,
                                     diag=diag, reasons=reasons):
                transformation = "log"
                params = {"source": value, "column": f"log_{value}"}
                settings["value"] = params["column"]
            elif _between_component(frame, x, subgroup=subgroup, sizes=sizes, diag=diag,
                                    reasons=reasons):
                family, points, sub_n = "i_mr", int(sizes.size), 1.0
                transformation = "subgroup_means"
                params = {"source": value, "column": f"{value}_mean", "subgroup": subgroup,
                          "time": time}
                settings["value"] = params["column"]
                settings.pop("subgroup", None)
        else:
            if subgroup is not None:
                settings["subgroup"] = subgroup
                if sizes.max() >= 2:
                    reasons.append(
                        f"some subgroups have one value (sizes {sizes.min()}-{sizes.max()}): "
                        "charted as individuals; give equal subgroups for an X̄-S chart")
            points = int(x.size)
            family = "i_mr"
            transformation, params = _advise_individuals(x, value=value, time=time,
                                                         diag=diag, reasons=reasons)
            if transformation is not None:
                settings["value"] = params["column"]

    # rules and limits
    family_rules = "limits" if family == "g" else "we"
    nsigmas = 3.0
    pair = companion == "ewma" and family in ("i_mr", "xbar_s")
    if companion == "ewma" and not pair:
        reasons.append(f"no EWMA companion for a {family} chart (only for I-MR and X̄-S)")
    shewhart_rate = alarm_rate / 2.0 if pair else alarm_rate
    if period_points is not None:
        cal = calibrate(int(period_points), float(shewhart_rate))
        nsigmas = cal["nsigmas"]
        family_rules = "limits"
        if family == "g":
            # a g chart's LCL is 0: beyond the limits never flags MORE frequent events
            family_rules = "below"
            reasons.append(
                "g chart: a higher event rate shows as short gaps, which never fall below "
                "an LCL of 0, so the run-below rule (8 gaps in a row below the center) is "
                "added; its in-control rate (about 0.63^8 = 2.5 % per run start for "
                "geometric gaps) is not part of the calibration")
        diag.update(period_points=int(period_points), alarm_rate=float(alarm_rate),
                    achieved_rate=cal["achieved_rate"], arl0=cal["arl0"],
                    we_rate_at_3sigma=cal["we_rate_at_3"])
        reasons.append(
            f"{period_points} points a period and at most {shewhart_rate:.3g} of in-control "
            f"periods with a false alarm: beyond-limits only at ±{nsigmas:g}σ (ARL0 = "
            f"{cal['arl0']:,.0f} points, achieved rate {cal['achieved_rate']:.4g}; Western "
            f"Electric rules at ±3σ would alarm in {cal['we_rate_at_3']:.1%} of periods)")
        if family in ("i_mr", "xbar_s", "zmr"):
            settings["dispersion_rules"] = "none"
    else:
        res = arl("shewhart", rules=family_rules if family != "g" else "we_1")
        diag["arl0"] = float(res.table["arl"].iloc[0])
        reasons.append(
            f"no period_points= given: the family's default rules {family_rules!r} at ±3σ "
            f"(in-control ARL {diag['arl0']:.4g} points); give period_points= to calibrate "
            "the false-alarm rate per reporting period")
    settings["rules"] = family_rules
    settings["nsigmas"] = nsigmas
    companion_spec: dict[str, Any] | None = None
    if pair:
        big_l = 3.0
        if lam == "auto" and period_points is None:
            lam = 0.2
        if period_points is not None:
            if lam == "auto":
                d = _design_shift(family, transformation, params, diag, sub_n)
                lam, ecal, scores = choose_lambda(int(period_points), shewhart_rate, d)
                diag.update(ewma_design_shift=d, **{
                    f"ewma_detection_lambda_{k:g}": v for k, v in scores.items()})
                reasons.append(
                    f"EWMA λ = {lam:g} chosen of {', '.join(f'{x:g}' for x in LAMBDAS)}: "
                    f"it best catches, within one period, a sustained shift of 1 sigma of "
                    f"the individual values ({d:.2f} sigmas of the plotted statistic) and "
                    f"of half of it (mean probability {scores[lam]:.2f})")
            else:
                ecal = calibrate_ewma_steady(int(period_points), shewhart_rate, float(lam))
            big_l = ecal["L"]
            sim, se = simulate_combined_rate(int(period_points), nsigmas, float(lam), big_l)
            bound = diag["achieved_rate"] + ecal["achieved_rate"]
            diag.update(ewma_L=big_l, ewma_achieved_rate=ecal["achieved_rate"],
                        ewma_arl0=ecal["arl0"], combined_rate_bound=bound,
                        combined_rate_simulated=sim, combined_rate_simulated_se=se)
            reasons.append(
                f"paired with an EWMA (λ = {lam:g}, asymptotic limits ±{big_l:g}σ_EWMA, "
                f"ARL0 = {ecal['arl0']:,.0f}, steady-state rate {ecal['achieved_rate']:.4g}) "
                f"for small sustained shifts; each chart has half the budget, so the "
                f"combined rate is at most {bound:.4g} (Bonferroni); simulated {sim:.4g} ± "
                f"{se:.2g}")
        else:
            diag["ewma_arl0"] = float(arl("ewma", lam=float(lam), L=big_l).table["arl"].iloc[0])
            reasons.append(
                f"paired with an EWMA (λ = {lam:g}, asymptotic limits ±3σ_EWMA, ARL0 = "
                f"{diag['ewma_arl0']:,.0f}) for small sustained shifts")
        esettings = {k: v for k, v in settings.items()
                     if k in ("value", "subgroup", "time")}
        esettings.update(lam=float(lam), nsigmas=big_l, limits="asymptotic")
        companion_spec = {"family": "ewma", "settings": esettings}

    # baseline needed for estimated limits to hold the rate (Quesenberry 1993)
    if family == "xbar_s" and sub_n > 1:
        need = math.ceil(400 / (sub_n - 1))
    else:
        need = BASELINE_INDIVIDUALS
    diag["baseline_points"] = points
    diag["baseline_needed"] = need
    if points < need:
        reasons.append(
            f"the baseline has {points} points; estimated limits hold the false-alarm rate "
            f"only on average over baselines of about {need} or more (Quesenberry 1993"
            + ("; 400/(n−1) subgroups" if family == "xbar_s" else "") + "; Jensen et al. "
            "2006): treat the first limits as trial limits and recompute them later")

    notes = (
        f"Tests at α = {ALPHA}; a lognormal model fits when Anderson-Darling on log(x) has "
        f"p ≥ {LOGNORMAL_FIT}; normality and autocorrelation need ≥ {MIN_TEST_POINTS} "
        f"points, overdispersion ≥ {MIN_COUNT_SUBGROUPS} subgroups.",
        "False-alarm calibration: exact Markov chain of spc.arl (Champ & Woodall 1987) "
        "for independent normal points with known limits; for counts and g charts it is "
        "a normal (probability-limit) approximation.",
        *_REFERENCES,
    )
    return Advice(family=family, settings=settings, transformation=transformation,
                  transform_params=params, rules=family_rules, nsigmas=nsigmas,
                  diagnostics=diag, reasons=tuple(reasons), notes=notes,
                  companion=companion_spec)


def _advise_individuals(x: np.ndarray, *, value: str, time: str | None,
                        diag: dict[str, Any], reasons: list[str],
                        ) -> tuple[Transformation | None, dict[str, Any]]:
    n = x.size
    r1 = _lag1(x) if n >= 3 else math.nan
    diag["lag1_autocorrelation"] = r1
    diag["skewness"] = _skew(x)
    if n >= 2 and np.ptp(x) == 0:
        diag["ljung_box_p"] = diag["anderson_darling_p"] = math.nan
        reasons.append(
            f"all {n} values are equal ({x[0]:g}): nothing to test; I-MR chart, whose "
            "limits collapse onto the center (check the gauge resolution)")
        return None, {}
    if n < MIN_TEST_POINTS:
        diag["ljung_box_p"] = diag["anderson_darling_p"] = math.nan
        reasons.append(
            f"individual values: too few points ({n} < {MIN_TEST_POINTS}) to test "
            "normality or autocorrelation: I-MR chart (check again with more data"
            + ("; the chart itself needs at least 2 values" if n < 2 else "") + ")")
        return None, {}
    lags, lb_p = _ljung_box(x)
    diag["ljung_box_lags"] = lags
    diag["ljung_box_p"] = lb_p
    if np.isfinite(lb_p) and lb_p < ALPHA:
        phi = r1
        mean = float(x.mean())
        res = ar1_residuals(x, phi=phi, mean=mean)
        _, res_p = _ljung_box(res)
        diag["ar1_phi"] = phi
        diag["residual_ljung_box_p"] = res_p
        diag["anderson_darling_p"] = _ad_p(res)
        reasons.append(
            f"individual values, autocorrelated (lag-1 r = {r1:.2f}, Ljung-Box "
            f"{_fmt_p(lb_p)}): 3σ limits from the moving range would be "
            + ("too narrow (false alarms)" if phi > 0 else "too wide (missed shifts)")
            + f", so an AR(1) model (φ = {phi:.2f}, Yule-Walker) is fitted and its "
            "one-step residuals are charted on an I-MR chart (Alwan & Roberts 1988; "
            "Montgomery 10.4); a signal means a value the model did not predict")
        if np.isfinite(res_p) and res_p < ALPHA:
            reasons.append(
                f"the AR(1) residuals are still autocorrelated (Ljung-Box {_fmt_p(res_p)}): "
                "fit a fuller time-series model (ARIMA) before trusting the limits")
        return "ar1_residuals", {"source": value, "column": f"{value}_ar1_residual",
                                 "phi": phi, "mean": mean, "time": time}
    ad_p = _ad_p(x)
    diag["anderson_darling_p"] = ad_p
    skew = diag["skewness"]
    if np.isfinite(ad_p) and ad_p < ALPHA:
        if bool((x > 0).all()):
            fits, log_p, ratio = _log_fits(x, np.log(x))
            diag["lognormal_anderson_darling_p"] = log_p
            diag["anderson_darling_ratio_raw_to_log"] = ratio
            if fits:
                how = (f"lognormal fits, p = {log_p:.3g}" if log_p >= LOGNORMAL_FIT else
                       f"log scale far closer to normal: Anderson-Darling {ratio:.0f}× "
                       "smaller")
                reasons.append(
                    f"individual values, skewed (skewness {skew:.2f}, normal Anderson-"
                    f"Darling {_fmt_p(ad_p)}; {how}): I-MR on log scale")
                return "log", {"source": value, "column": f"log_{value}"}
        reasons.append(
            f"individual values, not normal (skewness {skew:.2f}, Anderson-Darling "
            f"{_fmt_p(ad_p)}) and no lognormal fit: I-MR, whose limits are then only "
            "approximate (more false alarms on the long tail); look for a mixture or "
            "a stratifying factor")
        return None, {}
    reasons.append(
        f"individual values, independent (lag-1 r = {r1:.2f}, Ljung-Box {_fmt_p(lb_p)}) "
        f"and consistent with normal (Anderson-Darling p = {ad_p:.3g}): I-MR chart")
    return None, {}


def _design_shift(family: str, transformation: str | None, params: dict[str, Any],
                  diag: dict[str, Any], sub_n: float) -> float:
    """A sustained shift of 1 sigma of the individual values, in sigmas of the plotted
    statistic."""
    if transformation == "ar1_residuals":
        phi = float(min(max(params.get("phi", 0.0), -0.95), 0.95))
        return math.sqrt((1.0 - phi) / (1.0 + phi))  # after the onset
    if transformation == "subgroup_means":
        return float(diag.get("means_design_shift", 1.0))
    if family == "xbar_s":
        return math.sqrt(max(sub_n, 1.0))
    return 1.0


def _between_component(frame: pd.DataFrame, x: np.ndarray, *, subgroup: str,
                       sizes: np.ndarray, diag: dict[str, Any], reasons: list[str]) -> bool:
    """One-way ANOVA of the subgroups: True when the subgroup means vary more than the
    within-subgroup sigma explains (F test p < BETWEEN_ALPHA and a between-subgroup variance
    component of at least BETWEEN_SHARE of the variance of a mean), so an X̄ chart's
    limits from within-subgroup sigma would be too narrow."""
    m = int(sizes.size)
    n_tot = int(sizes.sum())
    if m < MIN_TEST_POINTS or n_tot - m < 1:
        return False
    g = frame[subgroup].to_numpy()
    s = pd.Series(x)
    means = s.groupby(g, sort=False).mean().to_numpy(float)
    cnt = s.groupby(g, sort=False).size().to_numpy(float)
    grand = float(x.mean())
    ss_b = float(np.sum(cnt * (means - grand) ** 2))
    ss_w = float(np.sum((x - s.groupby(g, sort=False).transform("mean").to_numpy(float))
                        ** 2))
    ms_b, ms_w = ss_b / (m - 1), ss_w / (n_tot - m)
    if ms_w <= 0:
        return False
    f = ms_b / ms_w
    p = float(stats.f.sf(f, m - 1, n_tot - m))
    n0 = (n_tot - float(np.sum(cnt**2)) / n_tot) / (m - 1)
    var_b = max((ms_b - ms_w) / n0, 0.0)
    share = var_b / (ms_w / float(np.mean(cnt)))
    diag["anova_f"] = f
    diag["anova_p"] = p
    diag["between_share"] = share
    nbar = float(np.mean(cnt))
    diag["means_design_shift"] = math.sqrt((ms_w + var_b) / (ms_w / nbar + var_b))
    if p < BETWEEN_ALPHA and share >= BETWEEN_SHARE:
        reasons.append(
            f"the subgroup means vary more than the variation within subgroups explains "
            f"(one-way ANOVA F = {f:.2f}, {_fmt_p(p)}; a between-subgroup component "
            f"{share:.0%} of a mean's within variance): an X̄ chart's limits would be too "
            "narrow (false alarms), so the subgroup means are charted as individuals, "
            "with limits from their own moving range (I-MR of the means; Wheeler's "
            "three-way chart; Montgomery 6.4)")
        return True
    return False


def _subgroup_diagnostics(frame: pd.DataFrame, x: np.ndarray, *, value: str,
                          subgroup: str, sizes: np.ndarray, diag: dict[str, Any],
                          reasons: list[str]) -> bool:
    """Diagnostics of subgrouped data; True when the chart should be on log scale."""
    means = frame.groupby(subgroup, sort=False)[value].transform("mean").to_numpy(float)
    dev = x - pd.to_numeric(means, errors="coerce")
    sub_means = frame.groupby(subgroup, sort=False)[value].mean().to_numpy(float)
    diag["subgroups"] = int(sizes.size)
    diag["subgroup_size_min"] = int(sizes.min())
    diag["subgroup_size_max"] = int(sizes.max())
    diag["within_skewness"] = _skew(dev)
    diag["within_anderson_darling_p"] = _ad_p(dev)
    diag["lag1_autocorrelation_means"] = (_lag1(sub_means) if sub_means.size >= 3
                                          else math.nan)
    size_text = (f"n = {sizes.min()}" if sizes.min() == sizes.max()
                 else f"n = {sizes.min()}-{sizes.max()}")
    reasons.append(
        f"{sizes.size} subgroups of {size_text}: X̄-S chart (any and varying sizes; for "
        "n ≤ 8 an X̄-R chart is nearly as efficient)")
    skew = diag["within_skewness"]
    ad_p = diag["within_anderson_darling_p"]
    log_scale = False
    if np.isfinite(ad_p) and ad_p < ALPHA:
        log_p, fits = math.nan, False
        if bool((x > 0).all()):
            lx = np.log(x)
            lmeans = pd.Series(lx).groupby(frame[subgroup].to_numpy(), sort=False
                                           ).transform("mean").to_numpy(float)
            fits, log_p, ratio = _log_fits(dev, lx - lmeans)
            diag["within_lognormal_anderson_darling_p"] = log_p
            diag["within_anderson_darling_ratio_raw_to_log"] = ratio
        if fits:
            log_scale = True
            reasons.append(
                f"the values within subgroups are skewed (skewness {skew:.2f}, Anderson-"
                f"Darling {_fmt_p(ad_p)}; on log scale they are close to normal, p = "
                f"{log_p:.3g}): X̄-S on log scale, since means of a few skewed values keep "
                "a long tail that beyond-limits rules read as false alarms")
        else:
            reasons.append(
                f"the values within subgroups are skewed (skewness {skew:.2f}, Anderson-"
                f"Darling {_fmt_p(ad_p)}) and no lognormal fit: subgroup means are closer "
                "to normal, but the limits are approximate")
    if sub_means.size >= MIN_TEST_POINTS:
        lags, lb_p = _ljung_box(sub_means)
        diag["ljung_box_p_means"] = lb_p
        if np.isfinite(lb_p) and lb_p < ALPHA:
            reasons.append(
                f"the subgroup means are autocorrelated (lag-1 r = "
                f"{diag['lag1_autocorrelation_means']:.2f}, Ljung-Box {_fmt_p(lb_p)}): "
                "within-subgroup sigma understates the variation between subgroups; "
                "consider an I-MR chart of the subgroup means or residuals of a time-series "
                "model (Montgomery 10.4)")
    else:
        reasons.append(f"too few subgroups ({sub_means.size} < {MIN_TEST_POINTS}) to test "
                       "the subgroup means for autocorrelation")
    return log_scale


def _advise_counts(frame: pd.DataFrame, *, count: str, size: str | None,
                   attribute: Attribute, diag: dict[str, Any], reasons: list[str],
                   ) -> tuple[str, Transformation | None, int]:
    c = pd.to_numeric(frame[count], errors="coerce").to_numpy(float)
    if not np.isfinite(c).any():
        raise InsufficientDataError(f"column {count!r} has no numeric count to advise on")
    if (c[np.isfinite(c)] < 0).any():
        raise SchemaError(f"column {count!r} has negative counts; counts must be >= 0")
    if size is not None:
        n = pd.to_numeric(frame[size], errors="coerce").to_numpy(float)
        if (n[np.isfinite(n)] <= 0).any():
            raise SchemaError(f"column {size!r} has sizes <= 0; units inspected must be > 0")
    elif attribute == "defectives":
        raise SchemaError("attribute='defectives' needs size= (the number inspected per "
                          "subgroup) for a p chart")
    else:
        n = np.ones_like(c)
    ok = np.isfinite(c) & np.isfinite(n)
    diag["counts_missing"] = int((~ok).sum())
    c, n = c[ok], n[ok]
    m = int(c.size)
    kind = "p" if attribute == "defectives" else "u"
    diag["subgroups"] = m
    diag["zero_share"] = float(np.mean(c == 0))
    diag["events"] = int(c.sum())
    diag["median_size"] = float(np.median(n))
    if diag["zero_share"] >= RARE_ZERO_SHARE and c.sum() >= 3:
        reasons.append(
            f"rare events: {diag['zero_share']:.0%} of the {m} subgroups have none, so "
            f"{kind}/c limits degenerate (LCL 0, a few distinct values); g chart of the "
            "event-free subgroups between events (Benneyan 2001)"
            + ("; it assumes roughly equal subgroup sizes" if size is not None else ""))
        return "g", "event_gaps", int(c.sum()) - 1
    classic = {"p": "p", "u": "u" if size is not None else "c"}[kind]
    if m < MIN_COUNT_SUBGROUPS:
        reasons.append(f"counts: too few subgroups ({m} < {MIN_COUNT_SUBGROUPS}) to test "
                       f"for overdispersion: classic {classic} chart")
        return classic, None, m
    rate = float(c.sum() / n.sum())
    var = rate * (1.0 - rate) * n if kind == "p" else rate * n
    if rate <= 0 or (kind == "p" and rate >= 1):
        reasons.append(f"counts are all zero (or all defective): classic {classic} chart")
        return classic, None, m
    chi2 = float(np.sum((c - rate * n) ** 2 / var))
    disp_p = float(stats.chi2.sf(chi2, m - 1))
    sigma_z = float(laney_estimate(kind, c, n)["sigma_z"])
    diag["dispersion_ratio"] = chi2 / (m - 1)
    diag["dispersion_p"] = disp_p
    diag["sigma_z"] = sigma_z
    model = "binomial" if kind == "p" else "Poisson"
    units = f"with {np.median(n):,.0f} units a subgroup " if size is not None else ""
    if disp_p < ALPHA and sigma_z > 1.0 + LANEY_MARGIN:
        if size is None:
            reasons.append(
                f"counts are overdispersed (σ_z = {sigma_z:.2f}, dispersion test "
                f"{_fmt_p(disp_p)}): with a constant area of opportunity Laney's chart is "
                "an I-MR chart of the counts, advised here")
            return "i_mr", None, m
        reasons.append(
            f"counts {units}are overdispersed (σ_z = {sigma_z:.2f}, {model} dispersion "
            f"test {_fmt_p(disp_p)}): Laney {kind}′ (Laney 2002)")
        return f"laney_{kind}", None, m
    reasons.append(
        f"counts {units}vary as the {model} model expects (σ_z = {sigma_z:.2f}, "
        f"dispersion test p = {disp_p:.3g}): classic {classic} chart")
    return classic, None, m
