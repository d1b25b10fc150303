"""Goodness-of-fit statistics: Anderson-Darling (with the D'Agostino-Stephens p-value)
and Shapiro-Wilk.

Examples
--------
>>> import numpy as np
>>> x = np.array([2.1, 2.4, 1.9, 2.2, 2.6, 2.0, 2.3, 2.5, 1.8, 2.2])
>>> a2, p = anderson_darling_normal(x)
>>> round(a2, 4), round(p, 3)
(0.1246, 0.977)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import stats


def ad_statistic(x: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray],
                 sf: Callable[[np.ndarray], np.ndarray] | None = None) -> float:
    """Anderson-Darling statistic A² of sample *x* against a (fitted) CDF.

    ``A² = −n − (1/n) Σ (2i − 1) [ln F(x_(i)) + ln(1 − F(x_(n+1−i)))]``; pass the
    survival function ``sf`` to keep the upper tail exact far from the centre.
    """
    xs = np.sort(np.asarray(x, dtype=float))
    n = len(xs)
    log_f = np.log(np.clip(cdf(xs), 1e-300, 1.0))
    upper = sf(xs) if sf is not None else 1.0 - cdf(xs)
    log_s = np.log(np.clip(upper, 1e-300, 1.0))
    i = np.arange(1, n + 1)
    return float(-n - np.sum((2 * i - 1) * (log_f + log_s[::-1])) / n)


#: Where the D'Agostino-Stephens formula hands over to the asymptotic tail (A*² = 10,
#: p ≈ 4e-24): the quadratic term of the formula's last piece is a fitting artefact
#: that turns the p-value back up past A*² ≈ 153 (p = 1 at about 307, overflow at 420).
_AD_TAIL_FROM = 10.0
#: Exponential rate of the asymptotic upper tail of A² (normal, mean and sd estimated):
#: 1/(2 λ1), λ1 ≈ 0.09843 the largest eigenvalue of the limiting covariance kernel
#: (Stephens 1976); the tail is ``P(A² > a) ~ C a^(-1/2) exp(-a/(2 λ1))``.
_AD_TAIL_RATE = 5.0797
#: p-value of the middle piece at its upper end (A*² = 0.6); the last piece starts a
#: little above it, so it is capped here to keep the p-value non-increasing in A².
_AD_P_AT_06 = math.exp(0.9177 - 4.279 * 0.6 - 1.38 * 0.6**2)


def _ad_log_p_upper(a: float) -> float:
    """ln p for A*² >= 0.6: the formula up to :data:`_AD_TAIL_FROM`, then the asymptotic
    exponential tail continued from it (no overflow, monotone)."""
    if a <= _AD_TAIL_FROM:
        return 1.2937 - 5.709 * a + 0.0186 * a**2
    t = _AD_TAIL_FROM
    return (1.2937 - 5.709 * t + 0.0186 * t**2) - _AD_TAIL_RATE * (a - t)


def ad_pvalue_normal(a2: float, n: int) -> float:
    """p-value of A² for normality with estimated mean and sd.

    Uses the small-sample adjustment ``A*² = A² (1 + 0.75/n + 2.25/n²)`` and the
    piecewise approximation of D'Agostino & Stephens (1986, Table 4.9), as Minitab does,
    for ``A*² <= 10`` (p down to about 4e-24). Beyond, the formula's quadratic term would
    turn the p-value back up (p = 1 at A*² ≈ 307, overflow at 420), so the p-value
    continues with the asymptotic tail ``exp(-A*²/(2 λ1))`` (λ1 ≈ 0.0984 the largest
    eigenvalue of the limiting distribution), computed in log space: it is
    non-increasing in A², never overflows, and underflows to 0.0 past A*² ≈ 150.

    Examples
    --------
    >>> ad_pvalue_normal(1.0, 100) > ad_pvalue_normal(5.0, 100) > ad_pvalue_normal(400.0, 100)
    True
    >>> ad_pvalue_normal(1e6, 20000)
    0.0
    """
    if math.isnan(a2):
        return math.nan
    if a2 == math.inf:
        return 0.0
    a = max(float(a2), 0.0) * (1 + 0.75 / n + 2.25 / n**2)
    if a >= 0.6:
        # exp of a very negative number underflows to 0.0 (no overflow: ln p <= 0 here)
        p = min(math.exp(_ad_log_p_upper(a)), _AD_P_AT_06)
    elif a >= 0.34:
        p = math.exp(0.9177 - 4.279 * a - 1.38 * a**2)
    elif a >= 0.2:
        p = 1 - math.exp(-8.318 + 42.796 * a - 59.938 * a**2)
    else:
        p = 1 - math.exp(-13.436 + 101.14 * a - 223.73 * a**2)
    return float(min(max(p, 0.0), 1.0))


def anderson_darling_normal(x: np.ndarray) -> tuple[float, float]:
    """Anderson-Darling normality test: ``(A², p-value)`` (mean and sd estimated)."""
    x = np.asarray(x, dtype=float)
    mu, sd = float(np.mean(x)), float(np.std(x, ddof=1))
    a2 = ad_statistic(x, lambda v: stats.norm.cdf(v, mu, sd), lambda v: stats.norm.sf(v, mu, sd))
    return a2, ad_pvalue_normal(a2, len(x))


def shapiro_wilk(x: np.ndarray) -> tuple[float, float]:
    """Shapiro-Wilk test ``(W, p-value)`` (scipy; defined for 3 <= n <= 5000)."""
    res = stats.shapiro(np.asarray(x, dtype=float))
    return float(res.statistic), float(res.pvalue)
