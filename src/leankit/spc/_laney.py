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

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from leankit.errors import InsufficientDataError, SchemaError
from leankit.spc._charts import Exclude, Missing, Rules, _by, _require, build_chart
from leankit.spc._constants import d2
from leankit.spc._families import ChartFamily, Panel, register_family
from leankit.spc._results import ChartCollection, ControlChart, Limits

__all__ = [
    "LANEY_CLOSE",
    "laney_arrays",
    "laney_estimate",
    "laney_p",
    "laney_sigma_z",
    "laney_u",
    "sigma_z_note",
    "sigma_z_reading",
]

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


# ------------------------------------------------------------------- public functions


def _estimate(kind: str) -> Any:
    def estimate(g: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
        return laney_estimate(kind, g["count"].to_numpy(float), g["size"].to_numpy(float),
                              opts.get("standards"))

    return estimate


def _arrays(kind: str) -> Any:
    def arrays(panel: str, g: pd.DataFrame, p: Mapping[str, float], k: float,
               opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
        out = laney_arrays(kind, g["count"].to_numpy(float), g["size"].to_numpy(float), p, k)
        out["sigma_statistic"] = out.pop("sigma")
        return out

    return arrays


def _check(groups: pd.DataFrame, rows: pd.DataFrame, opts: Mapping[str, Any]) -> None:
    """Counting rules (the engine has already refused negative counts and sizes <= 0)."""
    chart = opts["chart"]
    cnt, sz = groups["count"].to_numpy(float), groups["size"].to_numpy(float)
    frac = cnt != np.round(cnt)
    if chart == "laney_p":
        frac |= sz != np.round(sz)
    if frac.any():
        bad = rows[frac].head(5)
        what = "counts and sizes" if chart == "laney_p" else "counts"
        raise SchemaError(
            f"{chart}: {what} must be whole numbers (defectives, defects and units inspected "
            f"are counted); rows {bad.index.tolist()} have fractions"
            + ("; a fractional area of opportunity belongs in laney_u's size="
               if chart == "laney_p" else ""), failure_cases=bad)
    if chart == "laney_p" and (cnt > sz).any():
        bad = rows[cnt > sz].head(5)
        raise SchemaError(f"laney_p: more defectives than units inspected in rows "
                          f"{bad.index.tolist()}; for defect counts use laney_u",
                          failure_cases=bad)


def check_standards(kind: str, standard: float | None, sigma_z: float | None) -> None:
    """Check the known rate (``p=`` / ``u=``) and ``sigma_z=`` of a Laney chart (the raw
    constructors and :func:`leankit.spc.chart_from_stats` give the same errors)."""
    if standard is not None and kind == "p" and not 0 < standard < 1:
        raise ValueError(f"p= must be between 0 and 1, got {standard!r}")
    if standard is not None and kind == "u" and not standard > 0:
        raise ValueError(f"u= must be positive, got {standard!r}")
    if sigma_z is not None and not (isinstance(sigma_z, (int, float)) and sigma_z > 0
                                    and math.isfinite(sigma_z)):
        raise ValueError(f"sigma_z= must be a positive number (1 gives the classic {kind} "
                         f"chart), got {sigma_z!r}")


def _laney(kind: str, data: pd.DataFrame, *, count: str, size: str, subgroup: str | None,
           time: str | None, stage: str | None, exclude: Exclude, rules: Rules,
           rule_params: Mapping[str, Mapping[str, Any]] | None, standard: float | None,
           sigma_z: float | None, nsigmas: float, limits: Limits | Mapping[str, Any] | None,
           missing: Missing) -> ControlChart:
    name = f"laney_{kind}"
    if size is None:
        raise TypeError(f"{name} needs size= (the column of units inspected per subgroup)")
    _require(data, count=count, size=size)
    sizes = pd.to_numeric(data[size], errors="coerce")
    zero = sizes.notna() & (sizes <= 0)
    if zero.any():
        bad = data[zero.to_numpy()].head(5)
        raise SchemaError(
            f"{name}: size= must be > 0 (units inspected); rows {bad.index.tolist()} have "
            f"{sizes[zero].head(5).tolist()}. A subgroup with nothing inspected has no rate: "
            "drop it or fix the export", failure_cases=bad)
    check_standards(kind, standard, sigma_z)
    chart = build_chart(name, data, count=count, size=size, subgroup=subgroup, time=time,
                        stage=stage, exclude=exclude, rules=rules, rule_params=rule_params,
                        dispersion_rules="none", nsigmas=nsigmas, limits=limits,
                        standards={kind: standard, "sigma_z": sigma_z}, missing=missing)
    return _with_reading(chart)


def sigma_z_reading(kind: str, sigma_z: float) -> str:
    """Short reading of σ_z for the limits table (:func:`sigma_z_note` says it in full).

    Examples
    --------
    >>> sigma_z_reading("u", 1.66)
    "overdispersion: limits 1.66 x the classic u chart's"
    """
    if not math.isfinite(sigma_z):
        return ""
    if abs(sigma_z - 1.0) <= LANEY_CLOSE:
        return f"close to 1: the classic {kind} chart is adequate"
    word = "overdispersion" if sigma_z > 1 else "underdispersion"
    return f"{word}: limits {sigma_z:.3g} x the classic {kind} chart's"


def _with_reading(chart: ControlChart) -> ControlChart:
    """Add the ``sigma_z_reading`` column to ``chart.limits`` (shown by ``summary()``), and
    keep it on the charts ``monitor`` returns."""
    kind = chart.panel_names[0]
    lim = chart.limits
    lim["sigma_z_reading"] = [sigma_z_reading(kind, float(v)) for v in lim["sigma_z"]]
    mon = chart._monitor
    return dataclasses.replace(chart, limits=lim,
                               _monitor=_Reading(mon) if mon is not None else None)


class _Reading:
    """``monitor`` of a Laney chart: the engine's, plus the σ_z reading (picklable)."""

    picklable = True
    __slots__ = ("inner",)

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, new_data: pd.DataFrame) -> ControlChart:
        out = self.inner(new_data)
        assert isinstance(out, ControlChart)
        return _with_reading(out)

    def __getstate__(self) -> dict[str, Any]:
        return {"inner": self.inner}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        self.inner = state["inner"]


@overload
def laney_p(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            p: float | None = None, sigma_z: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart: ...


@overload
def laney_p(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str], rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            p: float | None = None, sigma_z: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ChartCollection: ...


def laney_p(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str] | None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            p: float | None = None, sigma_z: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart | ChartCollection:
    """Laney p′ chart: fraction defective with limits widened (or narrowed) by σ_z.

    Use it instead of :func:`leankit.spc.p_chart` when subgroups are large (hundreds or
    thousands of units) and the classic limits flag most points: the rate then varies
    from subgroup to subgroup more than the binomial model allows (overdispersion).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subgroup; aggregate a defect log first with
        :func:`leankit.spc.aggregate_counts`.
    count, size : str
        Columns of the defectives and of the units inspected (> 0) per subgroup.
    subgroup : str, optional
        Column of subgroup labels (default: the row index).
    time, stage, exclude, by, rules, rule_params, nsigmas, missing
        As for :func:`leankit.spc.xbar_r` (default rules ``"we"``; zone rules use
        each point's σ_pi·σ_z).
    p : float, optional
        Known fraction defective (a standard); σ_z is then estimated about it.
    sigma_z : float, optional
        Known σ_z instead of the estimate; ``sigma_z=1`` gives the classic p chart.
    limits : Limits, optional
        Frozen limits of an earlier laney_p chart (p and σ_z): score all data as Phase II.

    Returns
    -------
    ControlChart
        One panel ``"p"``; ``to_frame()`` columns ``panel, subgroup, time, n, statistic,
        center, lcl, ucl, sigma, phase, stage, excluded, exclude_reason, signal, rules``
        (``sigma`` = σ_pi·σ_z); ``limits`` has ``p`` and ``sigma_z`` per stage. With
        ``by=``, a :class:`~leankit.spc.ChartCollection`.

    Raises
    ------
    SchemaError
        A size is 0 or negative, a count negative or fractional, or more defectives
        than units inspected.
    InsufficientDataError
        Fewer than 2 baseline subgroups (σ_z needs a moving range), or p̄ = 0.

    Notes
    -----
    ``z_i = (p_i − p̄)/σ_pi``, ``σ_pi = √(p̄(1−p̄)/n_i)``; ``σ_z = MR̄(z)/d2(2)`` over the
    stage's baseline sequence without excluded subgroups; limits ``p̄ ± k σ_pi σ_z``,
    LCL ≥ 0, UCL ≤ 1. σ_z near 1 means the classic p chart is adequate; σ_z < 1 is
    underdispersion (see :func:`sigma_z_note`).

    References
    ----------
    Laney, D. B. (2002), "Improved control charts for attributes", *Quality
    Engineering* 14(4), 531-537. Minitab, "Methods and formulas for Laney P′ Chart".

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> oj = datasets.orange_juice().head(30)
    >>> chart = spc.laney_p(oj, count="D", size="size", subgroup="sample")
    >>> chart.limits[["p", "sigma_z"]].round(4).values.tolist()
    [[0.2313, 1.6603]]
    """
    kwargs = dict(count=count, size=size, subgroup=subgroup, time=time, stage=stage,
                  exclude=exclude, rules=rules, rule_params=rule_params, p=p,
                  sigma_z=sigma_z, nsigmas=nsigmas, limits=limits, missing=missing)
    if by is not None:
        return _by(laney_p, data, by, kwargs)
    return _laney("p", data, count=count, size=size, subgroup=subgroup, time=time,
                  stage=stage, exclude=exclude, rules=rules, rule_params=rule_params,
                  standard=p, sigma_z=sigma_z, nsigmas=nsigmas, limits=limits,
                  missing=missing)


@overload
def laney_u(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            u: float | None = None, sigma_z: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart: ...


@overload
def laney_u(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str], rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            u: float | None = None, sigma_z: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ChartCollection: ...


def laney_u(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str] | None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            u: float | None = None, sigma_z: float | None = None, nsigmas: float = 3.0,
            limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart | ChartCollection:
    """Laney u′ chart: defects per unit with limits widened (or narrowed) by σ_z.

    Parameters are those of :func:`laney_p`, with ``count`` the defects per subgroup,
    ``size`` the units inspected (> 0, may be fractional) and ``u=`` a known rate.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subgroup.
    count, size : str
        Columns of the defects and of the units inspected (> 0) per subgroup.
    subgroup : str, optional
        Column of subgroup labels (default: the row index).
    time, stage, exclude, by, rules, rule_params, nsigmas, limits, missing
        As for :func:`laney_p`.
    u : float, optional
        Known defects per unit (a standard).
    sigma_z : float, optional
        Known σ_z; ``sigma_z=1`` gives the classic u chart.

    Returns
    -------
    ControlChart
        One panel ``"u"``; columns as for :func:`laney_p`; ``limits`` has ``u`` and
        ``sigma_z``.

    Raises
    ------
    SchemaError
        A size is 0 or negative, a count negative or fractional.
    InsufficientDataError
        Fewer than 2 baseline subgroups, or ū = 0.

    Notes
    -----
    ``z_i = (u_i − ū)/σ_ui``, ``σ_ui = √(ū/n_i)``; ``σ_z = MR̄(z)/d2(2)``; limits
    ``ū ± k σ_ui σ_z``, LCL ≥ 0.

    References
    ----------
    Laney, D. B. (2002), "Improved control charts for attributes", *Quality
    Engineering* 14(4), 531-537. Minitab, "Methods and formulas for Laney U′ Chart".

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> chart = spc.laney_u(datasets.circuit_boards().head(26), count="x", size="size")
    >>> chart.limits[["u", "sigma_z"]].round(4).values.tolist()
    [[0.1985, 1.4323]]
    """
    kwargs = dict(count=count, size=size, subgroup=subgroup, time=time, stage=stage,
                  exclude=exclude, rules=rules, rule_params=rule_params, u=u,
                  sigma_z=sigma_z, nsigmas=nsigmas, limits=limits, missing=missing)
    if by is not None:
        return _by(laney_u, data, by, kwargs)
    return _laney("u", data, count=count, size=size, subgroup=subgroup, time=time,
                  stage=stage, exclude=exclude, rules=rules, rule_params=rule_params,
                  standard=u, sigma_z=sigma_z, nsigmas=nsigmas, limits=limits,
                  missing=missing)


def _notes(chart: ControlChart) -> list[str]:
    """``summary()`` notes of a Laney chart: the limits and σ_z's reading per stage."""
    k = float(chart.parameters.get("nsigmas", 3.0))
    kind = chart.panel_names[0]
    lim = chart.limits
    many = lim["stage"].nunique() > 1 if "stage" in lim else False
    out = [f"Limits at ±{k:g} sigma_z times the classic {kind} chart's sigma of the "
           "plotted statistic (Laney 2002)."]
    for row in lim.itertuples(index=False):
        out.append(sigma_z_note(kind, float(row.sigma_z),
                                getattr(row, "stage", None) if many else None))
    return out


register_family(ChartFamily(
    id="laney_p", title="Laney p′ chart", constructor=laney_p, input="counts",
    aliases=("pp", "p_prime"),
    description="fraction defective with large subgroups: p limits widened (or narrowed) "
                "by the between-subgroup variation sigma_z",
    panels=(Panel(name="p", title="Proportion defective", y_title="fraction defective"),),
    param_names=("p", "sigma_z"), estimate=_estimate("p"), arrays=_arrays("p"),
    check=_check, notes=_notes))
register_family(ChartFamily(
    id="laney_u", title="Laney u′ chart", constructor=laney_u, input="counts",
    aliases=("up", "u_prime"),
    description="defects per unit with large subgroups: u limits widened (or narrowed) "
                "by the between-subgroup variation sigma_z",
    panels=(Panel(name="u", title="Defects per unit", y_title="defects per unit"),),
    param_names=("u", "sigma_z"), estimate=_estimate("u"), arrays=_arrays("u"),
    check=_check, notes=_notes))
