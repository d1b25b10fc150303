"""Capability from a :class:`~leankit.spc.ValueSummary` (values summarised in an engine).

The normal indices need the mean, the overall standard deviation, the within sigma and
n: the summary has them exactly (the within sigma from its per-subgroup spreads, or its
mean moving range), so the indices and their confidence intervals equal those of
:func:`leankit.spc.capability` on the raw values. The percentile (nonparametric) indices
use the engine's exact quantiles (Hyndman-Fan type 6, as the raw path). The normality
tests run on the summary's systematic sample. The lognormal and exponential fits come
from the moments (of ln x) exactly; the other fitted and transformed models (Box-Cox,
Johnson, Weibull, gamma, logistic) need the raw values and are refused.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from leankit.errors import AssumptionWarning, DataQualityWarning, InsufficientDataError
from leankit.spc import _sigma
from leankit.spc._capability import (
    P_HI,
    P_LO,
    Capability,
    _check_specs,
    _describe_fit,
    _normal_indices,
    _normal_ppm,
    _percentile_indices,
    finish,
    within_from_subgroups,
)
from leankit.spc._normality import anderson_darling_normal, shapiro_wilk
from leankit.spc._value_summary import ValueSummary

__all__ = ["capability_from_summary"]

SUMMARY_DISTRIBUTIONS = ("normal", "nonparametric", "auto", "lognormal", "exponential")


def _spec(given: float | None, counted: float | None, name: str) -> float | None:
    if given is None:
        return counted
    if counted is None or not math.isclose(given, counted, rel_tol=0, abs_tol=0):
        raise ValueError(
            f"the summary counted values against {name.upper()} = {counted}, not {given:g}: "
            f"compute it again with spc.value_summary(..., {name}={given:g})")
    return given


def _within(s: ValueSummary, method: str) -> tuple[float, int, str]:
    if s.subgroups is None:
        if method not in ("auto", "mrbar"):
            raise ValueError(f"sigma_method={method!r}: a summary of individual values has "
                             "the mean moving range only; use 'auto' or 'mrbar'")
        if not math.isfinite(s.mr_mean):
            raise InsufficientDataError(
                "the summary has no moving ranges (value_summary(..., time=None)); give "
                "time= or subgroup= so the within sigma can be estimated")
        return _sigma.sigma_mrbar(np.array([s.mr_mean])), s.n - 1, _sigma.ESTIMATORS["mrbar"]
    g = s.subgroups
    if method not in ("auto", "pooled", "rbar", "sbar"):
        raise ValueError(f"sigma_method must be 'auto', 'pooled', 'rbar' or 'sbar' with "
                         f"subgroups, got {method!r}")
    return within_from_subgroups(g["n"].to_numpy(), g["sd"].to_numpy(),
                                 g["range"].to_numpy(), method)


def capability_from_summary(s: ValueSummary, *, lsl: float | None = None,
                            usl: float | None = None, target: float | None = None,
                            sigma_method: str = "auto", distribution: str = "normal",
                            confidence: float = 0.95, shift: float = 1.5,
                            alpha: float = 0.05, by: str | Sequence[str] | None = None,
                            subgroup: str | None = None) -> Capability:
    """Capability of summarised values (``spc.capability(summary, ...)``).

    ``lsl``/``usl`` default to the limits the summary counted against; other limits
    are an error (the observed PPM would be wrong). ``distribution="auto"`` keeps the
    normal model when the sample's Anderson-Darling p >= *alpha*, else the empirical
    percentiles.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from leankit import spc
    >>> df = pd.DataFrame({"value": np.random.default_rng(1).normal(10, 0.1, 500),
    ...                    "g": np.repeat(np.arange(100), 5)})
    >>> s = spc.value_summary(df, subgroup="g", time=None, lsl=9.6, usl=10.4)
    >>> raw = spc.capability(df, value="value", subgroup="g", lsl=9.6, usl=10.4)
    >>> abs(spc.capability(s).index("cpk") - raw.index("cpk")) < 1e-12
    True
    """
    if by is not None:
        raise TypeError("by= needs a DataFrame; summarise each group with its own "
                        "value_summary (a where= per group)")
    if subgroup is not None:
        raise TypeError("subgroup= is given to value_summary(..., subgroup=), not here")
    if distribution not in SUMMARY_DISTRIBUTIONS:
        raise ValueError(
            f"distribution={distribution!r} needs the raw values (a fit or a transformation "
            f"of each value); from a value summary use one of "
            f"{', '.join(SUMMARY_DISTRIBUTIONS)} (with many values the empirical percentiles "
            "describe any shape)")
    lsl = _spec(lsl, s.lsl, "lsl")
    usl = _spec(usl, s.usl, "usl")
    _check_specs(lsl, usl, target)
    n = s.n
    if n < 2:
        raise InsufficientDataError(f"capability needs at least 2 values, got {n}")
    if not s.sd > 0:
        raise InsufficientDataError(
            "all values are identical (zero variation): capability indices would be "
            "infinite. Check the gauge resolution or the data selection.")
    med = s.quantile(0.5)
    far = max(abs(v - med) for v in (lsl, usl) if v is not None) / s.sd
    if far > 1000:
        raise ValueError(f"a specification is {far:.0f} standard deviations from the data "
                         f"(median {med:g}, sd {s.sd:.3g}): are specs and data in the same "
                         "unit (e.g. mm vs µm)? Convert one of them.")
    notes = [f"Computed from a summary of {n:,} values ({s.engine or 'engine'}): moments, "
             "quantiles and counts in the engine, no raw values in memory."]
    if s.below_lsl + s.above_usl == n:
        msg = "every value lies outside the specifications; check specs and units"
        notes.append("WARNING: " + msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
    x = s.sample
    norm_rows: list[dict[str, Any]] = []
    decisive_p = math.nan
    if len(x) >= 3:
        a2, ad_p = anderson_darling_normal(x)
        norm_rows.append({"test": "Anderson-Darling", "statistic": a2, "p_value": ad_p})
        sw_p = math.nan
        if len(x) <= 5000:
            w, sw_p = shapiro_wilk(x)
            norm_rows.append({"test": "Shapiro-Wilk", "statistic": w, "p_value": sw_p})
        decisive_p = ad_p if len(x) >= 8 or math.isnan(sw_p) else sw_p
        notes.append(f"Normality tests on a systematic sample of {len(x):,} of the {n:,} "
                     "values (every k-th in time order).")
    normality = pd.DataFrame(norm_rows, columns=["test", "statistic", "p_value"])
    chosen = distribution
    if distribution == "auto":
        if math.isnan(decisive_p) or decisive_p >= alpha:
            chosen = "normal"
            notes.append(f"distribution='auto': the normal model is kept (sample "
                         f"Anderson-Darling p = {decisive_p:.3g}).")
        else:
            chosen = "nonparametric"
            notes.append(f"distribution='auto': the sample is not normal (Anderson-Darling "
                         f"p = {decisive_p:.3g} < {alpha:g}); empirical percentiles of all "
                         f"{n:,} values.")
    obs_below = s.below_lsl / n * 1e6 if lsl is not None else 0.0
    obs_above = s.above_usl / n * 1e6 if usl is not None else 0.0
    params = {"value": s.value, "subgroup": None, "sigma_method": sigma_method,
              "distribution": distribution, "confidence": confidence, "shift": shift,
              "summary": True}
    model: dict[str, Any] = {}
    if chosen == "normal":
        if decisive_p < alpha:
            msg = (f"the data do not look normal (Anderson-Darling p = {decisive_p:.3g} on "
                   "the sample); normal capability indices may mislead. Try "
                   "distribution='auto'.")
            notes.append("WARNING: " + msg)
            warnings.warn(msg, AssumptionWarning, stacklevel=3)
        sw, dof_w, desc = _within(s, sigma_method)
        if sw == 0:
            raise InsufficientDataError("the within-subgroup sigma is 0 (identical values "
                                        "within every subgroup); check the gauge resolution")
        notes.append(f"Sigma within: {desc}.")
        rows = _normal_indices(s.mean, sw, s.sd, lsl, usl, None, n, dof_w, confidence,
                               np.empty(0))
        if target is not None:
            rows.append(_cpm(s, target, lsl, usl, confidence))
        wb, wa = _normal_ppm(s.mean, sw, lsl, usl)
        ob, oa = _normal_ppm(s.mean, s.sd, lsl, usl)
        sigma_within: float | None = sw
        method = dist_name = "normal"
        model.update(mu=s.mean, sigma_within=sw, sigma_overall=s.sd, scale="original")
        notes.append("Sigma overall: sample standard deviation (n − 1).")
        notes.append("CIs: chi-square for Cp/Pp (df Σ(n_i − 1) within, N − 1 overall), "
                     "Bissell (1990) for Cpk/Ppk, Boyles (1991) for Cpm.")
    elif chosen in ("lognormal", "exponential"):
        dist = _fitted(s, chosen)
        q = np.asarray(dist.ppf([P_LO, 0.5, P_HI]), dtype=float)
        rows = _percentile_indices(q, lsl, usl)
        ob = float(dist.cdf(lsl)) * 1e6 if lsl is not None else 0.0
        oa = float(dist.sf(usl)) * 1e6 if usl is not None else 0.0
        wb = wa = math.nan
        sigma_within = None
        method, dist_name = "percentile", chosen
        model.update(dist=dist, quantiles=q)
        notes.append(f"Fitted {_describe_fit(chosen, dist)} by maximum likelihood from the "
                     "engine's moments (of ln x for the lognormal); ISO 22514-2 percentile "
                     "method (0.135 %, 50 %, 99.865 % quantiles).")
        notes.append("Only overall (P) indices are defined for this method; no confidence "
                     "intervals are given for percentile-based indices.")
    else:
        q = np.array([s.quantile(P_LO), med, s.quantile(P_HI)])
        rows = _percentile_indices(q, lsl, usl)
        wb = wa = math.nan
        ob, oa = obs_below, obs_above
        sigma_within = None
        method, dist_name = "nonparametric", "empirical"
        model["quantiles"] = q
        notes.append("Empirical percentiles computed in the engine (Hyndman-Fan type 6, "
                     "p(n + 1)); expected PPM equals observed PPM.")
        if n < 1000:
            notes.append(f"WARNING: with n = {n}, the 0.135 % and 99.865 % percentiles lie "
                         "at the sample extremes; 1000 or more values are needed.")
        notes.append("Only overall (P) indices are defined for this method; no confidence "
                     "intervals are given for percentile-based indices.")
    return finish(rows, method=method, why="", shift=shift, notes=notes,
                  ppm=((obs_below, obs_above), (wb, wa), (ob, oa)), n=n, mean=s.mean,
                  median=med, sigma_within=sigma_within, sigma_overall=s.sd, lsl=lsl,
                  usl=usl, target=target, distribution=dist_name, confidence=confidence,
                  normality=normality, fits=None, stable=None, parameters=params,
                  values=x, model=model, histogram=s.histogram.copy(),
                  probability=s.quantiles.copy())


def _fitted(s: ValueSummary, name: str) -> Any:
    """The maximum-likelihood fit of :func:`leankit.spc.capability` (location 0), from
    the summary's moments: lognormal σ̂ = sd(ln x)·√((n − 1)/n), scale e^mean(ln x);
    exponential scale x̄."""
    if not (s.min > 0 and math.isfinite(s.log_mean)):
        raise ValueError(f"a {name} distribution needs positive data; the smallest value "
                         f"is {s.min:g}")
    if name == "lognormal":
        sd = s.log_sd * math.sqrt((s.n - 1) / s.n)
        return stats.lognorm(sd, 0, math.exp(s.log_mean))
    return stats.expon(0, s.mean)


def _cpm(s: ValueSummary, target: float, lsl: float | None, usl: float | None,
         conf: float) -> dict[str, Any]:
    """Cpm (Minitab) with Boyles' (1991) degrees of freedom, from the moments:
    Σ(x − T)² = (n − 1)s² + n(x̄ − T)²."""
    from leankit.spc._capability import _chi2_ci

    n = s.n
    tau = math.sqrt(((n - 1) * s.sd**2 + n * (s.mean - target) ** 2) / (n - 1))
    reach = min((target - lsl) if lsl is not None else math.inf,
                (usl - target) if usl is not None else math.inf)
    cpm = reach / (3 * tau)
    a = (s.mean - target) / s.sd
    dof = n * (1 + a**2) ** 2 / (1 + 2 * a**2)
    lo, hi = _chi2_ci(cpm, dof, conf)
    return {"index": "cpm", "estimate": cpm, "lower": lo, "upper": hi, "basis": "overall"}
