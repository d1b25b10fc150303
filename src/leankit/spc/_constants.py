"""Control-chart constants computed from their definitions, for any subgroup size.

For *n* independent N(0, 1) observations with range *W* and standard deviation *S*:

- ``d2(n) = E[W]``, ``d3(n) = sd[W]``, computed by numerical integration of the
  distribution of the range, ``F_W(w) = n ∫ φ(x) [Φ(x + w) − Φ(x)]^(n−1) dx``;
- ``c4(n) = E[S] = sqrt(2/(n−1)) Γ(n/2) / Γ((n−1)/2)`` (closed form);
- the derived factors ``A2 = 3/(d2 √n)``, ``A3 = 3/(c4 √n)``, ``D3 = max(0, 1 − 3 d3/d2)``,
  ``D4 = 1 + 3 d3/d2``, ``B3 = max(0, 1 − 3 √(1 − c4²)/c4)``, ``B4 = 1 + 3 √(1 − c4²)/c4``,
  ``E2 = 3/d2`` (individuals chart from moving ranges of span *n*);
- ``median_range(n)``: the median of *W* (for the median-moving-range sigma).

The results agree with an independent computation in R (numerical integration,
cross-checked with ``ptukey``) to 1e-12 for n = 2..25, and with the 3-decimal textbook
tables (Montgomery, Appendix VI) to within one unit of the last printed digit: the
tables derive some factors from rounded ``d2`` and ``d3`` (e.g. D4(3) = 2.5746 prints
as 2.574).

Examples
--------
>>> round(d2(5), 3), round(d3(5), 3), round(c4(5), 4)
(2.326, 0.864, 0.94)
>>> round(factors(5)["A2"], 3), round(factors(5)["D4"], 3)
(0.577, 2.114)
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from leankit.errors import LeankitError

__all__ = ["UnsupportedSubgroupError", "c4", "constants_table", "d2", "d3", "factors",
           "median_range"]


class UnsupportedSubgroupError(LeankitError, ValueError):
    """A subgroup size for which the requested constant or chart is not defined."""


def _check(n: int, minimum: int = 2) -> int:
    if isinstance(n, bool) or not float(n).is_integer() or n < minimum:
        raise UnsupportedSubgroupError(
            f"subgroup size must be a whole number >= {minimum}, got {n!r}"
            + (" (use an individuals chart, i_mr, for single observations)" if n == 1 else "")
        )
    return int(n)


def _gauss_legendre(a: float, b: float, panels: int, k: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of a composite Gauss-Legendre rule on [a, b]."""
    x, w = np.polynomial.legendre.leggauss(k)
    edges = np.linspace(a, b, panels + 1)
    width = (edges[1:] - edges[:-1])[:, None]
    return (width * (x + 1) / 2 + edges[:-1, None]).ravel(), (width * w / 2).ravel()


# Integration grids: x over [-12, 12] (the normal density is < 1e-31 beyond), range
# w over [0, 20]; 768 and 640 nodes give 1e-13 relative accuracy for n = 2..100.
_X, _WX = _gauss_legendre(-12.0, 12.0, 48)
_W, _WW = _gauss_legendre(0.0, 20.0, 40)
_PHI_X = stats.norm.cdf(_X)
_PDF_X = stats.norm.pdf(_X)


def _range_sf(w: np.ndarray, n: int) -> np.ndarray:
    """P(W > w) for the range W of n standard normals, for an array of w."""
    w = np.atleast_1d(np.asarray(w, dtype=float))
    diff = stats.norm.cdf(_X[None, :] + w[:, None]) - _PHI_X[None, :]
    cdf = n * (_PDF_X[None, :] * diff ** (n - 1)) @ _WX
    return np.where(w <= 0, 1.0, 1.0 - cdf)


@cache
def d2(n: int) -> float:
    """Mean of the range of *n* standard normal observations (``d2``).

    Examples
    --------
    >>> round(d2(2), 4)
    1.1284
    """
    n = _check(n)
    return float(np.sum((1.0 - _PHI_X**n - (1.0 - _PHI_X) ** n) * _WX))


@cache
def d3(n: int) -> float:
    """Standard deviation of the range of *n* standard normal observations (``d3``).

    Examples
    --------
    >>> round(d3(2), 4)
    0.8525
    """
    n = _check(n)
    ew2 = float(np.sum(2.0 * _W * _range_sf(_W, n) * _WW))
    return float(math.sqrt(ew2 - d2(n) ** 2))


@cache
def median_range(n: int) -> float:
    """Median of the range of *n* standard normal observations.

    For n = 2 this is ``sqrt(2) * 0.6745 = 0.9539``, the constant of the
    median-moving-range estimator (sigma = median MR / 0.954).

    Examples
    --------
    >>> round(median_range(2), 4)
    0.9539
    """
    n = _check(n)
    return float(optimize.brentq(lambda w: float(_range_sf(w, n)[0]) - 0.5, 1e-6, 20.0,
                                 xtol=1e-13))


@cache
def c4(n: int) -> float:
    """``E[S]/sigma`` for the sample standard deviation of *n* normal observations.

    Examples
    --------
    >>> round(c4(2), 4)
    0.7979
    """
    n = _check(n)
    return float(math.sqrt(2.0 / (n - 1)) * math.exp(special.gammaln(n / 2) -
                                                     special.gammaln((n - 1) / 2)))


def factors(n: int) -> dict[str, float]:
    """All control-chart factors for subgroup size *n*.

    Returns a dict with ``d2, d3, c4, A, A2, A3, B3, B4, B5, B6, D1, D2, D3, D4, E2``
    (3-sigma limits; ``A = 3/√n``, ``B5/B6`` and ``D1/D2`` are the known-sigma factors).

    Examples
    --------
    >>> round(factors(2)["E2"], 3)
    2.659
    """
    n = _check(n)
    _d2, _d3, _c4 = d2(n), d3(n), c4(n)
    s = math.sqrt(1.0 - _c4**2)
    return {
        "d2": _d2, "d3": _d3, "c4": _c4,
        "A": 3.0 / math.sqrt(n),
        "A2": 3.0 / (_d2 * math.sqrt(n)),
        "A3": 3.0 / (_c4 * math.sqrt(n)),
        "B3": max(0.0, 1.0 - 3.0 * s / _c4),
        "B4": 1.0 + 3.0 * s / _c4,
        "B5": max(0.0, _c4 - 3.0 * s),
        "B6": _c4 + 3.0 * s,
        "D1": max(0.0, _d2 - 3.0 * _d3),
        "D2": _d2 + 3.0 * _d3,
        "D3": max(0.0, 1.0 - 3.0 * _d3 / _d2),
        "D4": 1.0 + 3.0 * _d3 / _d2,
        "E2": 3.0 / _d2,
    }


def constants_table(sizes: range | list[int] = range(2, 26)) -> pd.DataFrame:
    """Table of the factors for several subgroup sizes (one row per ``n``).

    Examples
    --------
    >>> constants_table([2, 5]).loc[5, "D4"].round(3)
    np.float64(2.114)
    """
    return pd.DataFrame({n: factors(n) for n in sizes}).T.rename_axis("n")
