"""Laney p′ and u′ charts: attribute charts whose limits allow for between-subgroup
variation (Laney 2002).

A classic p or u chart assumes the binomial or Poisson model holds with one constant
parameter. With large subgroups (thousands of units a day) the real day-to-day variation
of the rate is far larger than the sampling variation, so the classic limits hug the
center line and nearly every point "signals" (overdispersion). Laney's chart measures the
extra variation with the moving range of the standardized points and widens (or, for
underdispersion, narrows) the limits by that factor, σ_z:

* ``z_i = (p_i − p̄) / σ_pi`` with ``σ_pi = √(p̄(1−p̄)/n_i)`` (u′: ``√(ū/n_i)``);
* ``σ_z = MR̄(z) / d2(2)``, ``MR_i = |z_i − z_(i−1)|`` over the baseline sequence;
* limits ``p̄ ± k σ_pi σ_z`` (p′: LCL ≥ 0, UCL ≤ 1; u′: LCL ≥ 0).

σ_z = 1 gives the classic chart exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from leankit.errors import InsufficientDataError
from leankit.spc._constants import d2

__all__ = ["LANEY_CLOSE", "laney_arrays", "laney_estimate", "laney_sigma_z", "sigma_z_note"]

#: σ_z within this distance of 1 counts as "close to 1": the classic chart's limits are
#: then within 10 % of the Laney limits, and the classic chart is adequate.
LANEY_CLOSE = 0.1

#: The moving-range constant d2(2) = 2/√π = 1.12838 (Laney, Minitab and qicharts2
#: print it rounded as 1.128; the relative difference is 3.4e-4).
D2_2 = d2(2)


def _rate(kind: str, count: np.ndarray, size: np.ndarray) -> float:
    total = float(np.sum(size))
    return float(np.sum(count) / total)


def _sigma_i(kind: str, center: float, size: np.ndarray) -> np.ndarray:
    """Sigma of the plotted rate under the classic model (binomial or Poisson)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "p":
            out: np.ndarray = np.sqrt(center * (1.0 - center) / size)
        else:
            out = np.sqrt(center / size)
    return out


def laney_sigma_z(statistic: np.ndarray, center: float | np.ndarray,
                  sigma: np.ndarray) -> float:
    """σ_z: the moving-range sigma of the z-scores ``(statistic − center)/sigma``.

    Parameters
    ----------
    statistic, sigma : numpy.ndarray
        The plotted rates of the baseline subgroups, in plotting order, and their
        sigmas under the classic model.
    center : float or numpy.ndarray
        The center line (p̄ or ū).

    Returns
    -------
    float
        ``mean(|z_i − z_(i−1)|) / d2(2)``.

    Raises
    ------
    InsufficientDataError
        Fewer than 2 subgroups (no moving range), or a zero sigma (p̄ of 0 or 1, ū of 0).

    Examples
    --------
    >>> import numpy as np
    >>> round(laney_sigma_z(np.array([0.1, 0.3, 0.2]), 0.2, np.array([0.1, 0.1, 0.1])), 4)
    1.3293
    """
    stat = np.asarray(statistic, dtype=float)
    sig = np.asarray(sigma, dtype=float)
    if len(stat) < 2:
        raise InsufficientDataError(
            f"sigma_z is the average moving range of the z-scores, so it needs at least 2 "
            f"baseline subgroups; got {len(stat)}. Add subgroups, or give sigma_z= (1 gives "
            "the classic chart) or limits= from an earlier chart"
        )
    if not np.all(sig > 0):
        raise InsufficientDataError(
            "the z-scores are undefined because the baseline rate is 0 (or a proportion of 1): "
            "every baseline subgroup has the same extreme count. There is no variation to "
            "scale; give p=/u= and sigma_z= as known standards, or collect more data"
        )
    z = (stat - center) / sig
    return float(np.mean(np.abs(np.diff(z))) / D2_2)


def laney_estimate(kind: str, count: np.ndarray, size: np.ndarray,
                   standards: Mapping[str, float] | None = None) -> dict[str, float]:
    """Phase I parameters of a Laney chart: the rate (``p`` or ``u``) and ``sigma_z``.

    Parameters
    ----------
    kind : {"p", "u"}
        p′ (proportions) or u′ (rates per unit).
    count, size : numpy.ndarray
        Counts and sizes of the baseline subgroups, in plotting order (excluded
        subgroups left out).
    standards : mapping, optional
        Known values of ``p``/``u`` and ``sigma_z``; the others are estimated (σ_z from
        the z-scores about the known rate).

    Returns
    -------
    dict
        ``{"p" or "u": rate, "sigma_z": σ_z}``.

    Examples
    --------
    >>> import numpy as np
    >>> est = laney_estimate("u", np.array([10, 30, 20]), np.array([100, 100, 100]))
    >>> round(est["u"], 3), round(est["sigma_z"], 4)
    (0.2, 2.9725)
    """
    standards = dict(standards or {})
    count = np.asarray(count, dtype=float)
    size = np.asarray(size, dtype=float)
    if len(count) == 0:
        raise InsufficientDataError("no baseline subgroups to estimate the limits from")
    rate = standards.get(kind)
    if rate is None:
        rate = _rate(kind, count, size)
    sigma_z = standards.get("sigma_z")
    if sigma_z is None:
        sigma_z = laney_sigma_z(count / size, rate, _sigma_i(kind, rate, size))
    return {kind: float(rate), "sigma_z": float(sigma_z)}


def laney_arrays(kind: str, count: np.ndarray, size: np.ndarray, params: Mapping[str, float],
                 k: float) -> dict[str, np.ndarray]:
    """Plotted statistic, center, sigma and limits of every subgroup of a Laney chart.

    Parameters
    ----------
    kind : {"p", "u"}
        p′ or u′.
    count, size : numpy.ndarray
        Counts and sizes of the subgroups.
    params : mapping
        ``{"p" or "u": rate, "sigma_z": σ_z}``.
    k : float
        Width of the limits in sigmas.

    Returns
    -------
    dict of numpy.ndarray
        ``statistic, center, sigma, lcl, ucl``; ``sigma = σ_i σ_z`` is the sigma of the
        plotted rate (what zone rules use).

    Examples
    --------
    >>> import numpy as np
    >>> out = laney_arrays("p", np.array([5, 9]), np.array([100, 100]),
    ...                    {"p": 0.07, "sigma_z": 2.0}, 3.0)
    >>> out["ucl"].round(4).tolist()
    [0.2231, 0.2231]
    """
    count = np.asarray(count, dtype=float)
    size = np.asarray(size, dtype=float)
    rate = float(params[kind])
    sigma_z = float(params["sigma_z"])
    m = len(count)
    stat = count / size
    center = np.full(m, rate)
    sig = _sigma_i(kind, rate, size) * sigma_z
    upper_cap = 1.0 if kind == "p" else np.inf
    return {"statistic": stat, "center": center, "sigma": sig,
            "lcl": np.maximum(0.0, center - k * sig),
            "ucl": np.minimum(upper_cap, center + k * sig)}


def sigma_z_note(kind: str, sigma_z: float, stage: Any = None) -> str:
    """Plain-language reading of σ_z: close to 1, over- or underdispersion.

    Examples
    --------
    >>> sigma_z_note("u", 0.97)
    'sigma_z = 0.97 is close to 1: the counts vary about as much as the Poisson model expects, so the classic u chart is adequate (its limits are within 10 % of these).'
    """  # noqa: E501
    where = f"stage {stage!r}: " if stage is not None else ""
    model = "binomial" if kind == "p" else "Poisson"
    classic = f"classic {kind} chart"
    if not math.isfinite(sigma_z):
        return f"{where}sigma_z is not finite; check the data."
    text = f"{where}sigma_z = {sigma_z:.3g}"
    if abs(sigma_z - 1.0) <= LANEY_CLOSE:
        return (f"{text} is close to 1: the counts vary about as much as the {model} model "
                f"expects, so the {classic} is adequate (its limits are within "
                f"{LANEY_CLOSE * 100:g} % of these).")
    if sigma_z > 1.0:
        return (f"{text} > 1: overdispersion — the rate varies from subgroup to subgroup "
                f"more than the {model} model allows, so the limits are {sigma_z:.3g} times "
                f"as wide as the {classic}'s (which would flag common-cause variation).")
    return (f"{text} < 1: underdispersion — the subgroups vary less than the {model} model "
            "expects (counts that are not independent, smoothed, capped or stratified data); "
            f"the limits are narrower than the {classic}'s. Check how the data are collected.")
