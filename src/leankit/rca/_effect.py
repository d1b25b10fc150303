"""Before/after effect checks: did the countermeasure work?

Two questions an improvement team must answer with a test, not an opinion:

* :func:`compare_rates` — did a defect (or event) rate change? Counts over exposure
  (units inspected, hours run) before and after, an exact rate ratio with its
  confidence interval and p-value.
* :func:`compare_measurements` — did a measured characteristic change? The mean
  (Welch), the spread (F ratio, Brown-Forsythe) and the capability (Ppk, with a CI
  for the difference).

Each returns a frozen result with a ``verdict`` ("improved", "no evidence of
improvement" or "worse") and an ``evidence`` sentence a production leader reads.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import InsufficientDataError, LeankitError

__all__ = ["EffectInputError", "MeasurementChange", "RateChange", "compare_measurements",
           "compare_rates"]

Verdict = Literal["improved", "no evidence of improvement", "worse"]
IMPROVED: Verdict = "improved"
NO_EVIDENCE: Verdict = "no evidence of improvement"
WORSE: Verdict = "worse"

#: Columns of both results' ``to_frame()``.
FRAME_COLUMNS = ["statistic", "before", "after", "change", "change_kind", "lower", "upper",
                 "p_value", "test"]


class EffectInputError(LeankitError, ValueError):
    """An input of a before/after check is invalid (the message says how to fix it)."""


# ------------------------------------------------------------------ number words


def _pct(confidence: float) -> str:
    """``"95 %"`` (or ``"99.5 %"``)."""
    return f"{100 * confidence:.10g} %"


def _p(p: float) -> str:
    """``"p < 0.001"`` or ``"p = 0.08"`` (2 significant digits)."""
    if not math.isfinite(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def _ratio(x: float) -> str:
    """A ratio for a sentence: ``0.33``, ``1.97``, ``0.034``, ``123``, ``∞``."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞"
    if x == 0:
        return "0"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.3g}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.2g}"


def _decimals(*values: float, sig_max: int = 3, sig_min: int = 2) -> int:
    """Decimals that show the largest value with *sig_max* and the smallest non-zero one
    with *sig_min* significant digits (at most 8)."""
    finite = [abs(v) for v in values if math.isfinite(v) and v != 0]
    if not finite:
        return 0
    d_max = sig_max - 1 - math.floor(math.log10(max(finite)))
    d_min = sig_min - 1 - math.floor(math.log10(min(finite)))
    return int(min(max(d_max, d_min, 0), 8))


def _num(x: float, d: int) -> str:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    return f"{x:,.{d}f}"


# ------------------------------------------------------------------ validation


def _confidence(confidence: Any) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float, np.floating)) \
            or not 0 < float(confidence) < 1:
        raise EffectInputError(f"confidence= must be a number strictly between 0 and 1 (e.g. "
                               f"0.95 for a 95 % interval), got {confidence!r}")
    return float(confidence)


def _scalar(name: str, value: Any, *, count: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise EffectInputError(f"{name}= must be a number, got {type(value).__name__} "
                               f"{value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise EffectInputError(f"{name}= must be a finite number, got {value!r}; check the "
                               "totals (a division by zero or an empty cell upstream?)")
    if count:
        if v < 0:
            raise EffectInputError(f"{name}= must be a count >= 0, got {value!r}")
        if not v.is_integer():
            raise EffectInputError(f"{name}= must be a whole number of defects/events, got "
                                   f"{value!r}; pass the count, not a rate or a percentage")
    elif v <= 0:
        raise EffectInputError(
            f"{name}= must be > 0 (units inspected, hours run ...), got {value!r}; a rate "
            "needs a positive exposure")
    return v


# ------------------------------------------------------------------ rates


@dataclass(frozen=True, slots=True, kw_only=True)
class RateChange:
    """A before/after comparison of two Poisson rates (counts per exposure).

    Attributes
    ----------
    before_count, after_count : int
        Defects (events) counted in each period.
    before_exposure, after_exposure : float
        Exposure of each period (units inspected, hours run ...).
    before_rate, after_rate : float
        ``count / exposure``.
    ratio : float
        ``after_rate / before_rate`` (``inf`` when no defect before, NaN when none at all).
    lower, upper : float
        Exact conditional confidence interval of the ratio (0 and ``inf`` where the data
        give no bound).
    p_value : float
        Two-sided exact conditional test of ratio = 1.
    confidence : float
        Confidence level of the interval.
    better : {"lower", "higher"}
        Which direction of the rate is an improvement.
    what, per : str
        What the rate is ("defect rate") and its unit of exposure ("unit").
    method : str
        The method in one sentence.
    verdict : {"improved", "no evidence of improvement", "worse"}
        The conclusion from the interval.
    evidence : str
        One plain sentence with the numbers behind the verdict.
    """

    before_count: int
    before_exposure: float
    before_rate: float
    after_count: int
    after_exposure: float
    after_rate: float
    ratio: float
    lower: float
    upper: float
    p_value: float
    confidence: float
    better: Literal["lower", "higher"]
    what: str
    per: str
    method: str
    verdict: Verdict
    evidence: str

    def to_frame(self) -> pd.DataFrame:
        """One row: ``statistic, before, after, change, change_kind, lower, upper, p_value,
        test`` (the change is the rate ratio)."""
        return pd.DataFrame([{
            "statistic": "rate", "before": self.before_rate, "after": self.after_rate,
            "change": self.ratio, "change_kind": "ratio", "lower": self.lower,
            "upper": self.upper, "p_value": self.p_value, "test": "exact conditional (binomial)",
        }], columns=FRAME_COLUMNS)

    def __repr__(self) -> str:
        return (f"<RateChange {self.what}: {self.before_rate:.4g} -> {self.after_rate:.4g} per "
                f"{self.per}, ratio {_ratio(self.ratio)}, {self.verdict}>")

    def summary(self) -> Summary:
        """Counts, exposures, rates, the ratio with its interval, the verdict and how."""
        ci = _pct(self.confidence)
        rows: tuple[tuple[str, object], ...] = (
            ("before: count", self.before_count), ("before: exposure", self.before_exposure),
            (f"before: {self.what} per {self.per}", self.before_rate),
            ("after: count", self.after_count), ("after: exposure", self.after_exposure),
            (f"after: {self.what} per {self.per}", self.after_rate),
            ("ratio (after / before)", self.ratio),
            (f"{ci} CI lower", self.lower), (f"{ci} CI upper", self.upper),
            ("p-value (exact)", self.p_value), ("verdict", self.verdict),
        )
        return Summary(title=repr(self), rows=rows, notes=(self.evidence, self.method,
                       f"better = {self.better!r}: improved when the whole interval of the "
                       f"ratio lies {'below' if self.better == 'lower' else 'above'} 1, worse "
                       "when it lies on the other side, otherwise no evidence of improvement."))


def _rate_ci(x1: int, e1: float, x2: int, e2: float, conf: float) -> tuple[float, float]:
    """Clopper-Pearson interval for π = P(a defect is an 'after' one | N), mapped to the
    rate ratio R = π E1 / ((1 − π) E2)."""
    n = x1 + x2
    a = 1 - conf
    if n == 0:
        return 0.0, math.inf
    lo_pi = float(stats.beta.ppf(a / 2, x2, n - x2 + 1)) if x2 > 0 else 0.0
    hi_pi = float(stats.beta.ppf(1 - a / 2, x2 + 1, n - x2)) if x2 < n else 1.0

    def to_r(pi: float) -> float:
        return math.inf if pi >= 1 else pi * e1 / ((1 - pi) * e2)

    return to_r(lo_pi), to_r(hi_pi)


def ratio_verdict(lower: float, upper: float, better: str) -> Verdict:
    """The verdict of a ratio's interval (after/before): improved when it lies entirely
    on the better side of 1 (below for ``better="lower"``, above for ``"higher"``),
    worse when entirely on the other side, else no evidence of improvement."""
    if better == "lower":
        return IMPROVED if upper < 1 else WORSE if lower > 1 else NO_EVIDENCE
    return IMPROVED if lower > 1 else WORSE if upper < 1 else NO_EVIDENCE


def compare_rates(
    before_count: int,
    before_exposure: float,
    after_count: int,
    after_exposure: float,
    *,
    confidence: float = 0.95,
    better: Literal["lower", "higher"] = "lower",
    what: str = "defect rate",
    per: str = "unit",
) -> RateChange:
    """Did a defect rate change? An exact rate ratio (after / before) with CI and p-value.

    Parameters
    ----------
    before_count, after_count : int
        Defects (or events) counted before and after the change.
    before_exposure, after_exposure : float
        Their exposures: units inspected, hours run, kilometres ... (> 0).
    confidence : float, default 0.95
        Confidence level of the interval.
    better : {"lower", "higher"}, default "lower"
        Which direction of the rate is an improvement ("lower" for defects, "higher"
        for e.g. first-pass yield events).
    what : str, default "defect rate"
        Name of the rate in the evidence sentence.
    per : str, default "unit"
        Unit of exposure in the evidence sentence.

    Returns
    -------
    RateChange
        Rates, ``ratio = after_rate / before_rate``, its interval ``lower, upper``,
        ``p_value``, ``verdict`` and ``evidence``. ``to_frame()`` columns:
        ``statistic, before, after, change, change_kind, lower, upper, p_value, test``.

    Raises
    ------
    EffectInputError
        A count that is negative, not whole or not finite; an exposure <= 0; a
        confidence outside (0, 1); an unknown ``better``.

    See Also
    --------
    compare_measurements : the same question for measured values.

    Notes
    -----
    Given the total ``N = x1 + x2`` of both periods, the after count is
    ``x2 ~ Binomial(N, π)`` with ``π = E2 R / (E1 + E2 R)``, where ``R`` is the rate
    ratio. The Clopper-Pearson interval of ``π`` is mapped to ``R = π E1 / ((1 − π) E2)``
    (a bound of 0 or infinity where a period has no defect); the p-value is the
    two-sided exact binomial test of ``π = E2 / (E1 + E2)`` (``R = 1``, minimum-
    likelihood two-sided p as R's ``binom.test``). This is R's ``poisson.test`` for two
    samples. Verdict (``better="lower"``): improved if the upper bound is below 1,
    worse if the lower bound is above 1, otherwise no evidence of improvement
    (mirrored for ``"higher"``). With no defect in either period nothing can be
    concluded.

    References
    ----------
    .. [1] Clopper, C. J. and Pearson, E. S. (1934), *Biometrika* 26, 404-413.
    .. [2] Breslow, N. E. and Day, N. E. (1987), *Statistical Methods in Cancer
       Research II*, IARC, sect. 2.4 (conditional binomial test of two rates).
    .. [3] R Core Team, ``poisson.test`` (package stats).

    Examples
    --------
    >>> r = compare_rates(101, 1000, 34, 1000)
    >>> r.verdict
    'improved'
    >>> print(r.evidence)
    The defect rate fell from 0.101 to 0.034 per unit (ratio 0.34, 95 % CI 0.22 to 0.50,
    exact p < 0.001).
    """
    conf = _confidence(confidence)
    if better not in ("lower", "higher"):
        raise EffectInputError(f"better= must be 'lower' (fewer defects is better) or 'higher',"
                               f" got {better!r}")
    x1 = int(_scalar("before_count", before_count, count=True))
    e1 = _scalar("before_exposure", before_exposure, count=False)
    x2 = int(_scalar("after_count", after_count, count=True))
    e2 = _scalar("after_exposure", after_exposure, count=False)
    r1, r2 = x1 / e1, x2 / e2
    n = x1 + x2
    if n == 0:
        ratio, p = math.nan, 1.0
    else:
        ratio = math.inf if x1 == 0 else r2 / r1
        p = float(stats.binomtest(x2, n, e2 / (e1 + e2)).pvalue)
    lo, hi = _rate_ci(x1, e1, x2, e2, conf)
    verdict = NO_EVIDENCE if n == 0 else ratio_verdict(lo, hi, better)
    d = _decimals(r1, r2)
    if n == 0:
        evidence = (f"No defect was counted before or after (exposure {e1:,.6g} and "
                    f"{e2:,.6g} {per}s), so the data cannot show a change of the {what}; "
                    "collect more data.")
    else:
        move = "fell" if r2 < r1 else "rose" if r2 > r1 else "stayed"
        span = (f"at {_num(r1, d)}" if move == "stayed"
                else f"from {_num(r1, d)} to {_num(r2, d)}")
        evidence = (f"The {what} {move} {span} per {per} (ratio {_ratio(ratio)}, "
                    f"{_pct(conf)} CI {_ratio(lo)} to {_ratio(hi)}, exact {_p(p)}).")
    method = ("Exact conditional test: given the total count, the after count is binomial; "
              "the Clopper-Pearson interval is mapped to the rate ratio and the p-value is "
              "the two-sided exact binomial test of ratio 1 (as R's poisson.test).")
    return RateChange(before_count=x1, before_exposure=e1, before_rate=r1, after_count=x2,
                      after_exposure=e2, after_rate=r2, ratio=ratio, lower=lo, upper=hi,
                      p_value=p, confidence=conf, better=better, what=str(what), per=str(per),
                      method=method, verdict=verdict, evidence=evidence)


# ------------------------------------------------------------------ measurements


def _values(name: str, values: Any) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        raise EffectInputError(f"{name}= must be one column of values (a Series, list or "
                               f"array), got a DataFrame; pass data['column']")
    if isinstance(values, (str, bytes)) or np.isscalar(values):
        raise EffectInputError(f"{name}= must be a sequence of individual values, got "
                               f"{type(values).__name__} {values!r}")
    if isinstance(values, (pd.Series, pd.Index)) and pd.api.types.is_numeric_dtype(values) \
            and not pd.api.types.is_bool_dtype(values):
        arr: np.ndarray = values.to_numpy(dtype=float, na_value=np.nan)  # NA -> NaN
    else:
        arr = np.asarray(values)
    if arr.dtype.kind == "O":  # None is a missing value, not a non-numeric one
        arr = np.array([np.nan if v is None else v for v in arr.reshape(-1).tolist()],
                       dtype=object)
        if all(_is_number(v) for v in arr.tolist()):
            arr = arr.astype(float)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim > 1 else arr.reshape(1)
    if arr.dtype.kind == "b" or (arr.dtype.kind not in "iuf" and not _numeric_objects(arr)):
        bad = [v for v in arr.tolist() if not _is_number(v)][:3]
        raise EffectInputError(
            f"{name}= must hold numbers; found non-numeric value(s) {bad!r}. Convert the "
            "column first (e.g. pd.to_numeric(..., errors='raise')).")
    x = arr.astype(float)
    nan = np.isnan(x)
    if nan.any():
        raise EffectInputError(
            f"{name}= has {int(nan.sum())} missing value(s) (NaN) at position(s) "
            f"{np.flatnonzero(nan)[:5].tolist()}; drop them first (x[~np.isnan(x)]) and say "
            "so in the report — nothing is dropped silently.")
    if np.isinf(x).any():
        raise EffectInputError(f"{name}= has infinite value(s) at position(s) "
                               f"{np.flatnonzero(np.isinf(x))[:5].tolist()}; fix or drop them.")
    if len(x) < 2:
        raise InsufficientDataError(
            f"{name}= has {len(x)} value(s); a before/after check needs at least 2 values on "
            "each side (and about 30 for a useful capability interval)")
    if np.ptp(x) == 0:
        raise InsufficientDataError(
            f"all {len(x)} values of {name}= are equal ({x[0]:g}): a standard deviation of 0 "
            "gives no t test, no F ratio and no Ppk. Check the gauge resolution or whether the "
            "right column was passed.")
    return x


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _numeric_objects(arr: np.ndarray) -> bool:
    return arr.dtype.kind == "O" and all(_is_number(v) for v in arr.tolist())


def _spec(name: str, v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(v)):
        raise EffectInputError(f"{name}= must be a finite number or None, got {v!r}")
    return float(v)


def _ppk(x: np.ndarray, lsl: float | None, usl: float | None) -> np.ndarray:
    """Ppk of each row of *x* (overall sigma, ddof=1); the one-sided index with one limit."""
    mu = x.mean(axis=-1)
    s = x.std(axis=-1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        parts = []
        if usl is not None:
            parts.append((usl - mu) / (3 * s))
        if lsl is not None:
            parts.append((mu - lsl) / (3 * s))
        out: np.ndarray = np.minimum.reduce(parts) if len(parts) > 1 else parts[0]
    return out


def _boot_ppk(rng: np.random.Generator, x: np.ndarray, n_boot: int, lsl: float | None,
              usl: float | None, *, max_values: int = 4_000_000) -> np.ndarray:
    """Ppk of *n_boot* resamples of *x*, drawn in blocks of at most *max_values* values
    (the same draws as one ``rng.integers(0, n, size=(n_boot, n))``, in bounded memory)."""
    n = len(x)
    block = max(1, max_values // n)
    out = [_ppk(x[rng.integers(0, n, size=(min(block, n_boot - i), n))], lsl, usl)
           for i in range(0, n_boot, block)]
    return np.concatenate(out)


def _bissell_se(ppk: float, n: int) -> float:
    return math.sqrt(1 / (9 * n) + ppk**2 / (2 * (n - 1)))


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasurementChange:
    """A before/after comparison of measured values: mean, spread and capability.

    Attributes
    ----------
    n_before, n_after : int
        Number of values.
    mean_before, mean_after, mean_diff : float
        Means and ``mean_after − mean_before``.
    mean_lower, mean_upper, mean_p_value : float
        Welch t interval of the difference and two-sided p-value.
    mean_df : float
        Welch-Satterthwaite degrees of freedom.
    sd_before, sd_after, sd_ratio : float
        Standard deviations (n − 1) and ``sd_after / sd_before``.
    sd_lower, sd_upper, sd_p_value : float
        F-distribution interval of the ratio and two-sided F-test p-value.
    levene_p_value : float
        Brown-Forsythe test (Levene about the medians), the check robust to non-normal
        data.
    lsl, usl, target : float or None
        The specification limits and target used.
    index : {"Ppk", "Ppu", "Ppl"} or None
        The capability index (the one-sided one with one limit; None without limits).
    ppk_before, ppk_after, ppk_diff : float
        The index before, after and ``after − before`` (NaN without limits).
    ppk_before_lower, ppk_before_upper, ppk_after_lower, ppk_after_upper : float
        Intervals of each index (Bissell, or bootstrap percentiles).
    ppk_lower, ppk_upper, ppk_p_value : float
        Interval of the difference; its p-value (normal method only, else NaN).
    ppk_method : {"normal", "bootstrap"}
        How the capability intervals were made.
    n_boot, seed : int
        Bootstrap resamples and seed (recorded also for ``"normal"``).
    confidence : float
        Confidence level of all intervals.
    better : {"capability", "lower", "higher", "target", "less_variation"}
        The criterion the verdict used (``"auto"`` resolved).
    method : str
        The methods in words.
    verdict : {"improved", "no evidence of improvement", "worse"}
        The conclusion.
    evidence : str
        One plain sentence with the numbers behind the verdict.
    notes : tuple of str
        Conventions and warnings (e.g. bootstrap resamples dropped).
    """

    n_before: int
    n_after: int
    mean_before: float
    mean_after: float
    mean_diff: float
    mean_lower: float
    mean_upper: float
    mean_p_value: float
    mean_df: float
    sd_before: float
    sd_after: float
    sd_ratio: float
    sd_lower: float
    sd_upper: float
    sd_p_value: float
    levene_p_value: float
    lsl: float | None
    usl: float | None
    target: float | None
    index: str | None
    ppk_before: float
    ppk_after: float
    ppk_diff: float
    ppk_before_lower: float
    ppk_before_upper: float
    ppk_after_lower: float
    ppk_after_upper: float
    ppk_lower: float
    ppk_upper: float
    ppk_p_value: float
    ppk_method: Literal["normal", "bootstrap"]
    n_boot: int
    seed: int
    confidence: float
    better: Literal["capability", "lower", "higher", "target", "less_variation"]
    method: str
    verdict: Verdict
    evidence: str
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per statistic (mean, sd, and the capability index with limits):
        ``statistic, before, after, change, change_kind, lower, upper, p_value, test``."""
        rows: list[dict[str, Any]] = [
            {"statistic": "mean", "before": self.mean_before, "after": self.mean_after,
             "change": self.mean_diff, "change_kind": "difference", "lower": self.mean_lower,
             "upper": self.mean_upper, "p_value": self.mean_p_value, "test": "Welch t"},
            {"statistic": "sd", "before": self.sd_before, "after": self.sd_after,
             "change": self.sd_ratio, "change_kind": "ratio", "lower": self.sd_lower,
             "upper": self.sd_upper, "p_value": self.sd_p_value, "test": "F"},
        ]
        if self.index is not None:
            rows.append({"statistic": self.index.lower(), "before": self.ppk_before,
                         "after": self.ppk_after, "change": self.ppk_diff,
                         "change_kind": "difference", "lower": self.ppk_lower,
                         "upper": self.ppk_upper, "p_value": self.ppk_p_value,
                         "test": ("Bissell normal approximation" if self.ppk_method == "normal"
                                  else f"percentile bootstrap ({self.n_boot} resamples)")})
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)

    def __repr__(self) -> str:
        cap = (f", {self.index} {self.ppk_before:.3g} -> {self.ppk_after:.3g}"
               if self.index is not None else "")
        return (f"<MeasurementChange n={self.n_before}/{self.n_after}: mean "
                f"{self.mean_before:.5g} -> {self.mean_after:.5g}, sd {self.sd_before:.3g} -> "
                f"{self.sd_after:.3g}{cap}, {self.verdict}>")

    def summary(self) -> Summary:
        """Key figures, the table of changes, the verdict, evidence and methods."""
        rows: list[tuple[str, object]] = [
            ("n before / after", f"{self.n_before} / {self.n_after}"),
            ("criterion", self.better), ("verdict", self.verdict),
            ("Brown-Forsythe p (spread)", self.levene_p_value)]
        if self.index is not None:
            specs = ", ".join(f"{k} {v:g}" for k, v in (("LSL", self.lsl), ("USL", self.usl),
                                                       ("target", self.target))
                              if v is not None)
            rows.append(("specifications", specs))
        return Summary(title=repr(self), rows=tuple(rows),
                       tables=((f"Before vs after ({_pct(self.confidence)} intervals)",
                                self.to_frame()),),
                       notes=(self.evidence, self.method, *self.notes))


_BETTER = ("auto", "capability", "lower", "higher", "target", "less_variation")


def compare_measurements(
    before: Sequence[float] | np.ndarray | pd.Series,
    after: Sequence[float] | np.ndarray | pd.Series,
    *,
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    better: Literal["auto", "capability", "lower", "higher", "target",
                    "less_variation"] = "auto",
    confidence: float = 0.95,
    method: Literal["normal", "bootstrap"] = "normal",
    n_boot: int = 2000,
    seed: int = 0,
) -> MeasurementChange:
    """Did a measured characteristic improve? Mean, spread and capability, before vs after.

    Parameters
    ----------
    before, after : sequence of float
        Individual measured values of each period (at least 2 each, not all equal).
    lsl, usl : float, optional
        Specification limits; with one of them the capability index is one-sided
        (Ppl or Ppu).
    target : float, optional
        The target value (needed for ``better="target"``).
    better : {"auto", "capability", "lower", "higher", "target", "less_variation"}
        What counts as better: a higher capability index (``"capability"``, needs a
        limit), a lower or higher mean, a mean closer to ``target``, or less variation.
        ``"auto"`` (default) is ``"capability"`` when a limit is given, else
        ``"less_variation"``.
    confidence : float, default 0.95
        Confidence level of every interval.
    method : {"normal", "bootstrap"}, default "normal"
        Capability intervals: Bissell's normal approximation, or a percentile bootstrap.
    n_boot : int, default 2000
        Bootstrap resamples (``method="bootstrap"``).
    seed : int, default 0
        Seed of the bootstrap (the result is reproducible).

    Returns
    -------
    MeasurementChange
        All statistics, ``verdict`` and ``evidence``. ``to_frame()`` columns:
        ``statistic, before, after, change, change_kind, lower, upper, p_value, test``
        (rows ``mean``, ``sd`` and, with limits, ``ppk``/``ppu``/``ppl``).

    Raises
    ------
    EffectInputError
        Non-numeric, missing or infinite values; bad limits or options.
    InsufficientDataError
        Fewer than 2 values on a side, or all values of a side equal.

    See Also
    --------
    compare_rates : the same question for defect counts.
    leankit.spc.capability : the full capability study of one period.

    Notes
    -----
    *Mean*: Welch's t interval for ``after − before`` with Welch-Satterthwaite degrees
    of freedom. *Spread*: ``F = s_a² / s_b²`` with ``(n_a − 1, n_b − 1)`` degrees of
    freedom; the interval of ``σ_a / σ_b`` is ``sqrt(F / F_{1−α/2})`` to
    ``sqrt(F / F_{α/2})``; Brown-Forsythe (Levene about medians) is reported as the check
    that does not assume normality. *Capability*: ``Ppk = min(USL − x̄, x̄ − LSL) / (3s)``
    with the overall ``s``; Bissell's standard error
    ``sqrt(1 / (9n) + Ppk² / (2(n − 1)))`` per period, ``sqrt(se_b² + se_a²)`` for the
    difference of independent samples, or percentiles of ``n_boot`` bootstrap
    differences (each period resampled on its own). Verdicts: capability improved when
    the interval of the difference lies above 0, worse below 0; lower/higher mean from
    the Welch interval; target: the interval of the mean change toward the target lies
    above 0 and the after mean is closer to it (worse when the interval lies in the
    direction away from it); less variation: the interval of the sd ratio below 1
    (worse above 1). Otherwise: no evidence of improvement.

    References
    ----------
    .. [1] Welch, B. L. (1947), *Biometrika* 34, 28-35.
    .. [2] Brown, M. B. and Forsythe, A. B. (1974), *JASA* 69, 364-367.
    .. [3] Bissell, A. F. (1990), *Applied Statistics* 39, 331-340.
    .. [4] Montgomery, D. C., *Introduction to Statistical Quality Control*, sect. 8.3
       (confidence intervals for process capability ratios).
    .. [5] Efron, B. and Tibshirani, R. J. (1993), *An Introduction to the Bootstrap*.

    Examples
    --------
    >>> before = [10.02, 10.05, 9.98, 10.04, 10.01, 10.06, 9.99, 10.03, 10.05, 10.00]
    >>> after = [10.00, 10.01, 9.99, 10.00, 10.01, 10.00, 9.99, 10.01, 10.00, 10.00]
    >>> m = compare_measurements(before, after, better="less_variation")
    >>> m.verdict
    'improved'
    >>> print(m.evidence)
    The standard deviation fell from 0.0275 to 0.0074 (ratio 0.27, 95 % CI 0.13 to 0.54,
    F test p < 0.001; Brown-Forsythe p < 0.001).
    >>> print(compare_measurements(before, after, lsl=9.9, usl=10.1).evidence)
    Ppk rose from 0.93 to 4.47 (difference 3.54, 95 % CI 1.41 to 5.67, Bissell normal
    approximation).
    """
    conf = _confidence(confidence)
    if better not in _BETTER:
        raise EffectInputError(f"better= must be one of {', '.join(map(repr, _BETTER))}, got "
                               f"{better!r}")
    if method not in ("normal", "bootstrap"):
        raise EffectInputError(f"method= must be 'normal' (Bissell) or 'bootstrap', got "
                               f"{method!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
        raise EffectInputError(f"n_boot= must be a whole number >= 100 (2000 is usual), got "
                               f"{n_boot!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise EffectInputError(f"seed= must be a whole number, got {seed!r}")
    lo_spec, hi_spec, tgt = _spec("lsl", lsl), _spec("usl", usl), _spec("target", target)
    if lo_spec is not None and hi_spec is not None and lo_spec >= hi_spec:
        raise EffectInputError(f"lsl= ({lo_spec:g}) must be below usl= ({hi_spec:g}); swap "
                               "them?")
    has_specs = lo_spec is not None or hi_spec is not None
    crit = ("capability" if has_specs else "less_variation") if better == "auto" else better
    if crit == "capability" and not has_specs:
        raise EffectInputError("better='capability' needs a specification limit: give lsl= "
                               "and/or usl= (or choose 'lower', 'higher', 'target' or "
                               "'less_variation')")
    if crit == "target" and tgt is None:
        raise EffectInputError("better='target' needs target= (the nominal value)")
    xb, xa = _values("before", before), _values("after", after)
    nb, na = len(xb), len(xa)
    a = 1 - conf
    notes: list[str] = []

    # means (Welch)
    mb, ma = float(xb.mean()), float(xa.mean())
    vb, va = float(xb.var(ddof=1)), float(xa.var(ddof=1))
    se = math.sqrt(vb / nb + va / na)
    df = (vb / nb + va / na) ** 2 / ((vb / nb) ** 2 / (nb - 1) + (va / na) ** 2 / (na - 1))
    diff = ma - mb
    tq = float(stats.t.ppf(1 - a / 2, df))
    m_lo, m_hi = diff - tq * se, diff + tq * se
    m_p = float(2 * stats.t.sf(abs(diff) / se, df))

    # spread (F ratio, Brown-Forsythe)
    sb, sa = math.sqrt(vb), math.sqrt(va)
    f = va / vb
    d1, d2 = na - 1, nb - 1
    s_lo = math.sqrt(f / float(stats.f.ppf(1 - a / 2, d1, d2)))
    s_hi = math.sqrt(f / float(stats.f.ppf(a / 2, d1, d2)))
    s_p = float(min(1.0, 2 * min(stats.f.cdf(f, d1, d2), stats.f.sf(f, d1, d2))))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        lev_p = float(stats.levene(xb, xa, center="median").pvalue)

    # capability
    nan = math.nan
    index: str | None = None
    ppk_b = ppk_a = p_diff = nan
    b_lo = b_hi = a_lo = a_hi = c_lo = c_hi = c_p = nan
    if has_specs:
        index = "Ppk" if lo_spec is not None and hi_spec is not None else (
            "Ppu" if hi_spec is not None else "Ppl")
        ppk_b = float(_ppk(xb, lo_spec, hi_spec))
        ppk_a = float(_ppk(xa, lo_spec, hi_spec))
        p_diff = ppk_a - ppk_b
        if method == "normal":
            z = float(stats.norm.ppf(1 - a / 2))
            se_b, se_a = _bissell_se(ppk_b, nb), _bissell_se(ppk_a, na)
            b_lo, b_hi = ppk_b - z * se_b, ppk_b + z * se_b
            a_lo, a_hi = ppk_a - z * se_a, ppk_a + z * se_a
            se_d = math.sqrt(se_b**2 + se_a**2)
            c_lo, c_hi = p_diff - z * se_d, p_diff + z * se_d
            c_p = float(2 * stats.norm.sf(abs(p_diff) / se_d))
        else:
            rng = np.random.default_rng(int(seed))
            bb = _boot_ppk(rng, xb, int(n_boot), lo_spec, hi_spec)
            ba = _boot_ppk(rng, xa, int(n_boot), lo_spec, hi_spec)
            with np.errstate(invalid="ignore"):
                bd = ba - bb
            ok = np.isfinite(bd)
            if ok.sum() < 0.9 * n_boot:
                raise InsufficientDataError(
                    f"{int((~ok).sum())} of {n_boot} bootstrap resamples have all values "
                    "equal (too few distinct values); use method='normal' or more data")
            if not ok.all():
                notes.append(f"{int((~ok).sum())} of {n_boot} bootstrap resamples had all "
                             "values equal (no Ppk) and were left out.")
            q = [a / 2, 1 - a / 2]
            b_lo, b_hi = (float(v) for v in np.quantile(bb[np.isfinite(bb)], q))
            a_lo, a_hi = (float(v) for v in np.quantile(ba[np.isfinite(ba)], q))
            c_lo, c_hi = (float(v) for v in np.quantile(bd[ok], q))
        if min(nb, na) < 30:
            notes.append(f"Only {min(nb, na)} values in a period: capability intervals are "
                         "wide below about 30 values.")

    # verdict and evidence
    ci = f"{_pct(conf)} CI"
    dm = _decimals(sb, sa, sig_max=2, sig_min=1)
    if crit == "capability":
        verdict = IMPROVED if c_lo > 0 else WORSE if c_hi < 0 else NO_EVIDENCE
        dp = 2
        move = "rose" if p_diff > 0 else "fell" if p_diff < 0 else "stayed"
        how = ("Bissell normal approximation" if method == "normal"
               else f"bootstrap, {n_boot} resamples")
        evidence = (f"{index} {move} from {_num(ppk_b, dp)} to {_num(ppk_a, dp)} (difference "
                    f"{_num(p_diff, dp)}, {ci} {_num(c_lo, dp)} to {_num(c_hi, dp)}, {how}).")
    elif crit in ("lower", "higher"):
        up = crit == "higher"
        verdict = ((IMPROVED if m_lo > 0 else WORSE if m_hi < 0 else NO_EVIDENCE) if up else
                   (IMPROVED if m_hi < 0 else WORSE if m_lo > 0 else NO_EVIDENCE))
        move = "rose" if diff > 0 else "fell" if diff < 0 else "stayed"
        evidence = (f"The mean {move} from {_num(mb, dm)} to {_num(ma, dm)} (difference "
                    f"{_num(diff, dm)}, {ci} {_num(m_lo, dm)} to {_num(m_hi, dm)}, Welch "
                    f"{_p(m_p)}).")
    elif crit == "target" and tgt is not None:
        toward = float(np.sign(tgt - mb))
        closer = abs(ma - tgt) < abs(mb - tgt)
        if toward == 0:
            verdict = WORSE if (m_lo > 0 or m_hi < 0) else NO_EVIDENCE
        else:
            t_lo, t_hi = sorted((toward * m_lo, toward * m_hi))
            verdict = (IMPROVED if t_lo > 0 and closer else WORSE if t_hi < 0
                       else NO_EVIDENCE)
        dist = "closer to" if closer else "farther from" if abs(ma - tgt) > abs(mb - tgt) \
            else "as far from"
        evidence = (f"The mean moved from {_num(mb, dm)} to {_num(ma, dm)}, {dist} the target "
                    f"{_num(tgt, dm)} (difference {_num(diff, dm)}, {ci} {_num(m_lo, dm)} to "
                    f"{_num(m_hi, dm)}, Welch {_p(m_p)}).")
    else:
        verdict = IMPROVED if s_hi < 1 else WORSE if s_lo > 1 else NO_EVIDENCE
        ds = _decimals(sb, sa, sig_max=2, sig_min=2)
        move = "fell" if sa < sb else "rose" if sa > sb else "stayed"
        evidence = (f"The standard deviation {move} from {_num(sb, ds)} to {_num(sa, ds)} "
                    f"(ratio {_ratio(sa / sb)}, {ci} {_ratio(s_lo)} to {_ratio(s_hi)}, F test "
                    f"{_p(s_p)}; Brown-Forsythe {_p(lev_p)}).")
    parts = ["Mean: Welch t interval and test.",
             "Spread: F-distribution interval of the sd ratio and F test; Brown-Forsythe "
             "(Levene about the medians) as the robust check."]
    if has_specs:
        parts.append(
            f"Capability: {index} from the overall standard deviation, interval of the "
            + ("difference from Bissell's (1990) standard errors combined for independent "
               "samples." if method == "normal" else
               f"difference from a percentile bootstrap ({n_boot} resamples, seed {seed})."))
    parts.append(f"Verdict from the {crit.replace('_', ' ')} criterion.")
    return MeasurementChange(
        n_before=nb, n_after=na, mean_before=mb, mean_after=ma, mean_diff=diff,
        mean_lower=m_lo, mean_upper=m_hi, mean_p_value=m_p, mean_df=df, sd_before=sb,
        sd_after=sa, sd_ratio=sa / sb, sd_lower=s_lo, sd_upper=s_hi, sd_p_value=s_p,
        levene_p_value=lev_p, lsl=lo_spec, usl=hi_spec, target=tgt, index=index,
        ppk_before=ppk_b, ppk_after=ppk_a, ppk_diff=p_diff, ppk_before_lower=b_lo,
        ppk_before_upper=b_hi, ppk_after_lower=a_lo, ppk_after_upper=a_hi, ppk_lower=c_lo,
        ppk_upper=c_hi, ppk_p_value=c_p, ppk_method=method, n_boot=int(n_boot), seed=int(seed),
        confidence=conf, better=crit, method=" ".join(parts),
        verdict=verdict, evidence=evidence, notes=tuple(notes))
