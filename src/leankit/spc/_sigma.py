"""Within-subgroup (short-term) sigma estimators, each named and documented.

=============  ==============================================================  =================
name           estimate                                                        charts
=============  ==============================================================  =================
``rbar``       R-bar/d2(n); unequal n: Σ f_i R_i/d2(n_i) / Σ f_i,              X-bar/R (default)
               f_i = d2(n_i)²/d3(n_i)²  (ASTM E2587, Minitab)
``sbar``       S-bar/c4(n); unequal n: Σ h_i S_i/c4(n_i) / Σ h_i,              X-bar/S (default)
               h_i = c4(n_i)²/(1 − c4(n_i)²)  (ASTM E2587, Minitab)
``pooled``     s_p / c4(d + 1), s_p² = Σ (n_i − 1) S_i² / d, d = Σ (n_i − 1)   X-bar/R, X-bar/S
``mrbar``      MR-bar/d2(span)  (span 2: MR-bar/1.128)                         I-MR (default)
``median_mr``  median(MR)/median_range(span)  (span 2: MR-median/0.954)        I-MR (robust)
``sd``         sample standard deviation of all values / c4(N)                 I-MR (overall)
=============  ==============================================================  =================

Examples
--------
>>> import numpy as np
>>> round(sigma_rbar(np.array([0.038, 0.019]), np.array([5, 5])), 6)
0.012253
"""

from __future__ import annotations

import numpy as np

from leankit.errors import InsufficientDataError
from leankit.spc._constants import c4, d2, d3, median_range

ESTIMATORS: dict[str, str] = {
    "rbar": "R-bar/d2 (unequal n: d2²/d3²-weighted mean of R_i/d2(n_i), ASTM E2587)",
    "sbar": "S-bar/c4 (unequal n: c4²/(1-c4²)-weighted mean of S_i/c4(n_i), ASTM E2587)",
    "pooled": "pooled standard deviation s_p/c4(d+1), d = sum(n_i - 1)",
    "mrbar": "MR-bar/d2(span)",
    "median_mr": "median MR/median range constant (0.954 for span 2)",
    "sd": "overall sample standard deviation/c4(N)",
}


def _need(values: np.ndarray, what: str, minimum: int = 1) -> None:
    if np.count_nonzero(np.isfinite(values)) < minimum:
        raise InsufficientDataError(
            f"cannot estimate sigma: need at least {minimum} {what} in the baseline, "
            f"got {np.count_nonzero(np.isfinite(values))}; add data or give sigma= explicitly"
        )


def sigma_rbar(ranges: np.ndarray, sizes: np.ndarray) -> float:
    """Sigma from subgroup ranges (R-bar/d2, weighted for unequal sizes)."""
    _need(ranges, "subgroups of size >= 2")
    ok = np.isfinite(ranges)
    r, n = ranges[ok], sizes[ok].astype(int)
    if np.all(n == n[0]):
        return float(r.mean() / d2(int(n[0])))
    dd2 = np.array([d2(int(k)) for k in n])
    f = dd2**2 / np.array([d3(int(k)) for k in n]) ** 2
    return float(np.sum(f * r / dd2) / np.sum(f))


def sigma_sbar(sds: np.ndarray, sizes: np.ndarray) -> float:
    """Sigma from subgroup standard deviations (S-bar/c4, weighted for unequal sizes)."""
    _need(sds, "subgroups of size >= 2")
    ok = np.isfinite(sds)
    s, n = sds[ok], sizes[ok].astype(int)
    if np.all(n == n[0]):
        return float(s.mean() / c4(int(n[0])))
    cc4 = np.array([c4(int(k)) for k in n])
    h = cc4**2 / (1.0 - cc4**2)
    return float(np.sum(h * s / cc4) / np.sum(h))


def sigma_pooled(sds: np.ndarray, sizes: np.ndarray) -> float:
    """Pooled standard deviation with the c4(d + 1) bias correction."""
    _need(sds, "subgroups of size >= 2")
    ok = np.isfinite(sds)
    s, n = sds[ok], sizes[ok].astype(int)
    dof = int(np.sum(n - 1))
    sp = float(np.sqrt(np.sum((n - 1) * s**2) / dof))
    return sp / c4(dof + 1)


def window_ranges(values: np.ndarray, span: int, out: np.ndarray | None = None
                  ) -> np.ndarray:
    """max − min of each window of *span* consecutive values (len(values) − span + 1 of
    them; written into *out* if given). For span 2, |x_i − x_{i−1}| without a temporary.

    Examples
    --------
    >>> window_ranges(np.array([1.0, 3.0, 2.0, 2.5]), 2).tolist()
    [2.0, 1.0, 0.5]
    """
    res: np.ndarray
    if span == 2:
        res = np.subtract(values[1:], values[:-1], out=out)
        np.abs(res, out=res)
    else:
        w = np.lib.stride_tricks.sliding_window_view(values, span)
        res = np.subtract(w.max(axis=1), w.min(axis=1), out=out)
    return res


#: Values per chunk of the moving-range sums: no temporary as long as the series.
_CHUNK = 1 << 16


def _nan_sum_count(part: np.ndarray) -> tuple[float, int]:
    ok = ~np.isnan(part)
    if ok.all():
        return float(part.sum()), len(part)
    return float(part[ok].sum()), int(ok.sum())


def sigma_mrbar(mrs: np.ndarray, span: int = 2) -> float:
    """Sigma from the average moving range, MR-bar/d2(span) (MR-bar over the moving
    ranges that are not NaN)."""
    _need(mrs, "moving ranges")
    mrs = np.asarray(mrs, dtype=float)
    total, count = 0.0, 0
    for a in range(0, len(mrs), _CHUNK):
        s, c = _nan_sum_count(mrs[a:a + _CHUNK])
        total += s
        count += c
    return float(total / count / d2(span))


def mean_moving_range(values: np.ndarray, span: int = 2) -> float:
    """MR-bar of *values* without storing their moving ranges: the same number as
    ``sigma_mrbar(moving ranges) * d2(span)`` (the same chunks, summed in the same order),
    computed chunk by chunk. NaN if there is no moving range.

    Examples
    --------
    >>> mean_moving_range(np.array([1.0, 3.0, 2.0, 2.5]))
    1.1666666666666667
    """
    x = np.asarray(values, dtype=float)
    total, count = 0.0, 0
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: inf, refused by callers
        for a in range(0, len(x), _CHUNK):
            b = min(a + _CHUNK, len(x))
            lo = max(a - (span - 1), 0)  # the window of the chunk's first moving range
            if b - lo < span:
                continue
            s, c = _nan_sum_count(window_ranges(x[lo:b], span))
            total += s
            count += c
    return total / count if count else float("nan")


def sigma_mrbar_of_values(values: np.ndarray, span: int = 2) -> float:
    """:func:`sigma_mrbar` of the moving ranges of *values* (the same number), without
    storing them."""
    mrbar = mean_moving_range(values, span)
    if np.isnan(mrbar):
        _need(np.zeros(0), "moving ranges")
    return float(mrbar / d2(span))


def sigma_median_mr(mrs: np.ndarray, span: int = 2) -> float:
    """Sigma from the median moving range, robust to isolated outliers."""
    _need(mrs, "moving ranges")
    return float(np.nanmedian(mrs) / median_range(span))


def sigma_sd(values: np.ndarray) -> float:
    """Overall sample standard deviation divided by c4(N)."""
    _need(values, "values", 2)
    v = values[np.isfinite(values)]
    return float(np.std(v, ddof=1) / c4(len(v)))
