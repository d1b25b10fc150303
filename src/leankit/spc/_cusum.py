"""Tabular CUSUM chart of subgroup means or individual values, in standardised units.

z_i = (x̄_i − μ0)/(σ/√n_i); the upper and lower one-sided sums
C⁺_i = max(0, z_i − k + C⁺_{i−1}) and C⁻_i = max(0, −z_i − k + C⁻_{i−1}), started at the
head start, signal when they exceed the decision interval h. At a signal the shift is
dated (the point after the sum was last 0) and sized (Montgomery, sec. 9.1.3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from leankit.spc._charts import Exclude, Missing, Rules, _by
from leankit.spc._ewma import (
    SIGNAL_COLUMNS,
    Series,
    SmoothingChartError,
    SmoothMonitor,
    _real,
    base_options,
    baseline_mask,
    block_size,
    check_finite,
    check_positive,
    data_table,
    family_estimate,
    family_prepare,
    first_position,
    first_series,
    frame,
    limit_rows,
    new_block,
    parameters,
    stage_blocks,
    stage_parameters,
    stage_table,
    summarizer,
)
from leankit.spc._families import ChartFamily, Panel, register_family
from leankit.spc._results import ChartCollection, ControlChart, Limits, lazy_table
from leankit.spc._rules import resolve_rules

__all__ = ["cusum", "tabular_cusum"]

_FloatArray = npt.NDArray[np.float64]

CUSUM_PANELS = ("upper", "lower")
CUSUM_RULES = ("cusum_upper", "cusum_lower")
_RULE_TEXT = {
    "upper": "Upper cumulative sum above the decision interval: the mean shifted up",
    "lower": "Lower cumulative sum above the decision interval: the mean shifted down",
}


def _describe(name: str, start: np.ndarray, length: np.ndarray, mean: np.ndarray
              ) -> list[str]:
    """The plain-language description of each signal, with the shift's start and size
    (so ``summary()`` shows them too)."""
    base = _RULE_TEXT[name]
    return [f"{base} since subgroup {s} ({n:d} points), estimated mean {m:.6g}"
            for s, n, m in zip(start.tolist(), length.tolist(), mean.tolist(), strict=True)]

#: Points per block of the vectorised recursion (bounds the rounding of the running sums).
_BLOCK = 1 << 16


def tabular_cusum(y: npt.ArrayLike, start: float = 0.0,
                  out: _FloatArray | None = None) -> _FloatArray:
    """One-sided sums C_t = max(0, C_{t−1} + y_t), C_0 = *start*, without a Python loop
    over points (written into *out* if given).

    Uses the Lindley form C_t = S_t − min(−C_0, min_{j≤t} S_j) with S_t = Σ_{j≤t} y_j,
    in blocks of 65,536 points (each block restarts from the last sum, so rounding never
    accumulates over a long series). The sums are never negative, and exactly 0 where the
    recursion resets.

    Examples
    --------
    >>> tabular_cusum([1.0, 0.0, 0.1, -2.0, 0.5]).tolist()
    [1.0, 1.0, 1.1, 0.0, 0.5]
    """
    ys = np.asarray(y, dtype=float)
    res: _FloatArray = np.empty(len(ys)) if out is None else out
    c = float(start)
    low = np.empty(min(len(ys), _BLOCK))
    for a in range(0, len(ys), _BLOCK):
        part = res[a:a + _BLOCK]
        np.cumsum(ys[a:a + _BLOCK], out=part)
        lo = low[:len(part)]
        np.minimum.accumulate(part, out=lo)
        np.minimum(lo, -c, out=lo)
        part -= lo
        c = float(part[-1])
    return res


def _standardised_sums(x: _FloatArray, mu: float, se: Any, k: float, sign: float,
                       start: float, out: _FloatArray) -> None:
    """:func:`tabular_cusum` of y = sign·(x − μ0)/se − k into *out* (the same numbers,
    block by block), with y computed per block instead of stored for the whole series."""
    c = float(start)
    m = len(x)
    y = np.empty(min(m, _BLOCK))
    low = np.empty(min(m, _BLOCK))
    per_point = not np.isscalar(se)
    for a in range(0, m, _BLOCK):
        b = min(a + _BLOCK, m)
        yb = y[:b - a]
        np.subtract(x[a:b], mu, out=yb)
        np.divide(yb, se[a:b] if per_point else se, out=yb)
        if sign < 0:
            np.negative(yb, out=yb)
        yb -= k
        part = out[a:b]
        np.cumsum(yb, out=part)
        lo = low[:b - a]
        np.minimum.accumulate(part, out=lo)
        np.minimum(lo, -c, out=lo)
        part -= lo
        c = float(part[-1])


def _excursion_start(c: _FloatArray, used: npt.NDArray[np.bool_],
                     stage_first: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Position of the first point of the current excursion of a sum at every point: the
    point after it was last 0, or the stage's first point if it has not been 0 since."""
    idx = np.arange(len(c), dtype=np.int64)
    last = np.where((c == 0.0) & used, idx, -1)
    last[stage_first] = np.maximum(last[stage_first], stage_first - 1)
    np.maximum.accumulate(last, out=last)
    out: npt.NDArray[np.int64] = last + 1
    return out


def _cusum_arrays(g: pd.DataFrame, stage_limits: Mapping[Any, Limits], k: float,
                  head_start: float, upper: _FloatArray, lower: _FloatArray,
                  z_all: _FloatArray | None,
                  stages: tuple[np.ndarray, pd.Index, list[Any]]) -> None:
    """Fill the *upper* and *lower* sums (and the standardised means *z_all*, if given)."""
    m = len(g)
    x = g["mean"].to_numpy(dtype=float)
    n = g["n"].to_numpy()
    used_all = ~g["excluded"].to_numpy(dtype=bool)
    _, labels, blocks = stages
    for stage, idx in zip(labels, blocks, strict=True):
        p = stage_limits[stage].params
        mu, sigma = float(p["mu"]), float(p["sigma"])
        used = used_all[idx]
        ni = n[idx]
        se: Any = (sigma / math.sqrt(float(ni[0])) if len(ni) and ni.min() == ni.max()
                   else sigma / np.sqrt(ni.astype(float)))
        if z_all is None and isinstance(idx, slice) and used.all():
            for out, sign in ((upper, 1.0), (lower, -1.0)):  # no series-long temporaries
                _standardised_sums(x[idx], mu, se, k, sign, head_start, out[idx])
            continue
        z = (x[idx] - mu) / se
        if z_all is not None:
            z_all[idx] = z
        y = np.subtract(z, k)
        for out in (upper, lower):
            if out is lower:  # -z - k, in the buffers at hand
                y = np.negative(z, out=z)
                y -= k
            if used.all():
                if isinstance(idx, slice):
                    tabular_cusum(y, head_start, out=out[idx])
                else:
                    out[idx] = tabular_cusum(y, head_start)
                continue
            size = block_size(idx, m)
            c = np.empty(size)
            c[used] = tabular_cusum(y[used], head_start)
            # an excluded point carries the sum over
            last = np.maximum.accumulate(np.where(used, np.arange(size), -1))
            out[idx] = np.where(last >= 0, c[np.maximum(last, 0)], head_start)


def _standardised(g: pd.DataFrame, stage_limits: Mapping[Any, Limits],
                  stages: tuple[np.ndarray, pd.Index, list[Any]]) -> _FloatArray:
    """z_i = (x̄_i − μ0)/(σ/√n_i) of every point (as :func:`_cusum_arrays` computes it)."""
    m = len(g)
    x = g["mean"].to_numpy(dtype=float)
    n = g["n"].to_numpy()
    out: _FloatArray = np.empty(m)
    for stage, idx in zip(stages[1], stages[2], strict=True):
        p = stage_limits[stage].params
        mu, sigma = float(p["mu"]), float(p["sigma"])
        ni = n[idx]
        se: Any = (sigma / math.sqrt(float(ni[0])) if len(ni) and ni.min() == ni.max()
                   else sigma / np.sqrt(ni.astype(float)))
        out[idx] = (x[idx] - mu) / se
    return out


def _scale(g: pd.DataFrame, stage_limits: Mapping[Any, Limits],
           stages: tuple[np.ndarray, pd.Index, list[Any]]) -> _FloatArray:
    """σ/√n_i of every point (the sigma of each plotted mean)."""
    codes, labels, _ = stages
    sigmas = np.array([float(stage_limits[s].params["sigma"]) for s in labels])
    out: _FloatArray = sigmas[codes] / np.sqrt(g["n"].to_numpy(dtype=float))
    return out


def _cusum_build(series: Series, opts: Mapping[str, Any],
                 given: Mapping[Any, Limits] | None = None) -> ControlChart:
    g = series.groups
    check_finite("cusum", g)
    k, h, hs = opts["k"], opts["h"], opts["head_start"]
    base = baseline_mask(g)
    stages = stage_blocks(g)
    frozen = stage_parameters("cusum", g, opts, given, base, stages)
    m = len(g)
    block, arrays = new_block(2, m)
    _cusum_arrays(g, frozen, k, hs, arrays[0]["statistic"], arrays[1]["statistic"], None,
                  stages)
    mu_of = np.array([float(frozen[s].params["mu"]) for s in stages[1]])
    excluded = g["excluded"].to_numpy(dtype=bool)
    used = ~excluded
    signal = []
    for j in range(len(CUSUM_PANELS)):
        fired = arrays[j]["statistic"] > h
        if excluded.any():
            fired &= used
        signal.append(fired)

    def signals() -> pd.DataFrame:
        return _signals_table(g, frozen, stages, arrays, signal, used, k, hs, mu_of)

    # the constant columns: written into the block when the points table is built (the
    # limit rows read them from one point per stage)
    constant = {"center": 0.0, "lcl": np.nan, "ucl": h, "sigma_statistic": 1.0}
    limits = limit_rows(CUSUM_PANELS, g, frozen, [
        {**a, **{key: np.broadcast_to(np.float64(v), (m,)) for key, v in constant.items()}}
        for a in arrays], {"k": k, "h": h, "head_start": hs}, stages, base)

    def points() -> pd.DataFrame:
        for a in arrays:
            for key, v in constant.items():
                a[key][:] = v
        out = frame(CUSUM_PANELS, g, block, signal, list(CUSUM_RULES))
        out["z"] = np.tile(_standardised(g, frozen, stages), 2)
        return out

    params = parameters(opts)
    params["rules"] = CUSUM_RULES
    panel_signals = {name: int(s.sum()) for name, s in zip(CUSUM_PANELS, signal, strict=True)}
    return ControlChart(
        chart="cusum", family="cusum",
        points=lazy_table(points, n_signals=sum(panel_signals.values()), main=g,
                          panel_signals=panel_signals),
        limits=limits, signals=lazy_table(signals),
        exclusions=series.exclusions, data=lazy_table(lambda: data_table(g)), parameters=params,
        stage_limits=frozen, panel_names=CUSUM_PANELS,
        _monitor=SmoothMonitor("cusum", series, opts, frozen))


def _signals_table(g: pd.DataFrame, frozen: Mapping[Any, Limits],
                   stages: tuple[np.ndarray, pd.Index, list[Any]],
                   arrays: Sequence[Mapping[str, _FloatArray]],
                   signal: Sequence[npt.NDArray[np.bool_]], used: npt.NDArray[np.bool_],
                   k: float, hs: float, mu_of: _FloatArray) -> pd.DataFrame:
    """``signals`` of a CUSUM chart: per signal, the start, length and size of the shift."""
    stage_code, _, blocks = stages
    stage_first = np.array([first_position(blk) for blk in blocks], dtype=np.int64)
    cs: _FloatArray | None = None
    frames = []
    for j, (name, rule) in enumerate(zip(CUSUM_PANELS, CUSUM_RULES, strict=True)):
        c = arrays[j]["statistic"]
        pos = np.flatnonzero(signal[j])
        length = np.zeros(0)
        se_mean = np.zeros(0)
        first = pos
        if len(pos):
            first = _excursion_start(c, used, stage_first)[pos]
            length = (pos - first + 1).astype(float)
            if cs is None:
                cs = np.concatenate([[0.0], np.cumsum(_scale(g, frozen, stages))])
            # the mean sigma of the plotted means over the excursion (σ/√n for constant n)
            se_mean = (cs[pos + 1] - cs[first]) / length
        # an excursion that began at the stage's start contains the head start: leave it
        # out of the estimated shift
        from_start = first == stage_first[stage_code[pos]]
        excess = (c[pos] - np.where(from_start, hs, 0.0)) / np.maximum(length, 1.0)
        sign = 1.0 if name == "upper" else -1.0
        shift_sigmas = sign * (k + excess)
        start_ids = g["subgroup"].take(first).to_numpy()
        estimated = mu_of[stage_code[pos]] + shift_sigmas * se_mean
        frames.append(pd.DataFrame({
            "panel": name, "subgroup": g["subgroup"].take(pos).to_numpy(),
            "time": g["time"].take(pos).to_numpy(), "position": pos,
            "stage": g["stage"].take(pos).to_numpy(), "phase": g["phase"].take(pos).to_numpy(),
            "statistic": c[pos], "rule": rule,
            "description": _describe(name, start_ids, length.astype(np.int64), estimated),
            "shift_start": start_ids,
            "shift_start_position": first, "run_length": length.astype(np.int64),
            "estimated_mean": estimated,
            "shift": shift_sigmas * se_mean, "shift_sigmas": shift_sigmas,
        }, columns=[*SIGNAL_COLUMNS, "shift_start", "shift_start_position", "run_length",
                    "estimated_mean", "shift", "shift_sigmas"]))
    signals = pd.concat(frames, ignore_index=True).sort_values(
        ["position", "panel"], kind="stable", ignore_index=True)
    return signals if len(signals) else frames[0]


def cusum_options(*, k: object, h: object, head_start: object, nsigmas: object,
                  limits: Limits | Mapping[str, Any] | None, mu: float | None,
                  sigma: float | None, sigma_method: str | None, span: int,
                  **columns: str | None) -> dict[str, Any]:
    """The validated settings of a CUSUM chart (:func:`cusum`, and
    :func:`leankit.spc.chart_from_stats` from subgroup statistics: the same checks and
    errors); *columns* are recorded in the chart's parameters."""
    if nsigmas is not None:
        check_positive("nsigmas", nsigmas, "not used by a CUSUM: its limit is h")
    h_ = check_positive("h", h, "the decision interval in sigmas")
    k_ = _real("k", k, "the reference value in sigmas")
    if k_ < 0:
        raise SmoothingChartError(
            f"k= (the reference value in sigmas) must be >= 0; got {k!r}. It is half the "
            "shift to detect quickly (0.5 for a 1-sigma shift)")
    hs = _real("head_start", head_start, "the starting value of the sums in sigmas")
    if not 0.0 <= hs < h_:
        raise SmoothingChartError(
            f"head_start= must be in [0, h) = [0, {h_:g}); got {head_start!r}. Use 0 for "
            "the standard CUSUM, or h/2 for a fast initial response")
    return base_options("cusum", nsigmas=h_, limits=limits, mu=mu, sigma=sigma,
                        sigma_method=sigma_method, span=span, k=k_, h=h_, head_start=hs,
                        **columns)


def cusum(
    data: pd.DataFrame,
    *,
    value: str,
    subgroup: str | None = None,
    time: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: str | Sequence[str] | None = None,
    k: float = 0.5,
    h: float = 5.0,
    head_start: float = 0.0,
    sigma_method: Literal["rbar", "sbar", "pooled", "mrbar", "median_mr", "sd"] | None = None,
    span: int = 2,
    mu: float | None = None,
    sigma: float | None = None,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
    rules: Rules = None,
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    nsigmas: float | None = None,
) -> ControlChart | ChartCollection:
    """Tabular CUSUM chart of subgroup means or individual values (standardised units).

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data: one row per measured value.
    value : str
        Column of the measured values.
    subgroup : str, optional
        Column of the subgroup ids: the chart accumulates the standardised subgroup
        means. Without it (or when every id occurs once) each row is one value.
    time, stage, exclude, by, missing
        As for :func:`leankit.spc.xbar_r`. Excluded points are plotted but do not enter
        the baseline estimates nor the sums (which carry their last value over them).
    k : float, default 0.5
        Reference (allowance) value in sigmas of the plotted mean, >= 0: half the shift
        to detect quickly.
    h : float, default 5
        Decision interval in sigmas of the plotted mean, > 0.
    head_start : float, default 0
        Fast initial response: both sums start at this value (in sigmas; h/2 is usual),
        in [0, h), at the start of each stage.
    sigma_method, span, mu, sigma
        As for :func:`leankit.spc.ewma` (μ0 = ``mu`` is the target).
    limits : Limits, optional
        Frozen parameters of an earlier CUSUM chart (``chart.frozen_limits()``): score all
        data against them as Phase II.
    rules, rule_params, nsigmas : optional
        Accepted for the generic API (``spc.chart``, the CLI, report specs) and checked;
        not used: a CUSUM signals when a sum exceeds h, its only rule.

    Returns
    -------
    ControlChart
        Panels ``chart.panel("upper")`` (C⁺) and ``chart.panel("lower")`` (C⁻, also
        non-negative); ``to_frame()`` columns: panel, subgroup, time, n, statistic (the
        sum), center (0), lcl (NaN: no lower limit), ucl (h), sigma_statistic (1), phase,
        stage, excluded, exclude_reason, signal, rules, mean (the raw subgroup mean or value),
        z (the standardised mean). ``signals`` adds, per signal, ``shift_start`` (the
        first subgroup of the excursion), ``shift_start_position``, ``run_length`` (N),
        ``estimated_mean`` (μ̂), ``shift`` (μ̂ − μ0) and ``shift_sigmas`` (in σ/√n).

    Raises
    ------
    SmoothingChartError
        h <= 0, k < 0, head_start outside [0, h), an unknown ``sigma_method``.
    ColumnNotFoundError
        A named column is not in the data.
    InsufficientDataError
        No baseline points, or a sigma estimate of 0.

    See Also
    --------
    leankit.spc.ewma : EWMA chart, the other chart for small sustained shifts.
    leankit.spc.arl : ARL of a CUSUM scheme (k = 0.5, h = 5: ARL0 ≈ 465, 10.4 at 1σ).

    Notes
    -----
    z_i = (x̄_i − μ0)/(σ/√n_i); C⁺_i = max(0, z_i − k + C⁺_{i−1}),
    C⁻_i = max(0, −z_i − k + C⁻_{i−1}), C⁺_0 = C⁻_0 = head start; a point signals when a
    sum is strictly above h (as qcc). The sums are not reset after a signal (Montgomery's
    Table 9.2 and qcc keep accumulating). At a signal at point i, N = the number of
    points since the sum was last 0, and the new mean is estimated as
    μ̂ = μ0 ± σ_x̄ (k + C_i/N) (Montgomery eq. 9.6; σ_x̄ = σ/√n, averaged over the
    excursion for unequal n, and without the head start when the excursion began with
    it); the shift started at the first point of the excursion.

    References
    ----------
    Montgomery, D. C., *Introduction to Statistical Quality Control*, 8th ed., Wiley,
    2019, sec. 9.1 (Example 9.1, Tables 9.1-9.2).
    Page, E. S. (1954), "Continuous inspection schemes", *Biometrika* 41, 100-115.
    Lucas, J. M., Crosier, R. B. (1982), "Fast initial response for CUSUM quality-control
    schemes: give your CUSUM a head start", *Technometrics* 24, 199-205.

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> rings = datasets.piston_rings()
    >>> chart = spc.cusum(rings[rings.trial], value="diameter", subgroup="sample")
    >>> week = chart.monitor(rings[~rings.trial])
    >>> week
    <ControlChart cusum: 40 subgroups, n=5, 15 in phase II, 4 signals>
    >>> week.signals[["subgroup", "shift_start", "run_length"]].head(1)
       subgroup  shift_start  run_length
    0        37           31           7
    """
    kwargs = dict(value=value, subgroup=subgroup, time=time, stage=stage, exclude=exclude,
                  k=k, h=h, head_start=head_start, sigma_method=sigma_method, span=span,
                  mu=mu, sigma=sigma, limits=limits, missing=missing)
    if by is not None:
        return _by(cusum, data, by, kwargs)
    resolve_rules(rules, params=rule_params)  # unknown rule ids are an error, as elsewhere
    opts = cusum_options(k=k, h=h, head_start=head_start, nsigmas=nsigmas, limits=limits,
                         mu=mu, sigma=sigma, sigma_method=sigma_method, span=span,
                         value=value, subgroup=subgroup, time=time, stage=stage)
    summarize = summarizer("cusum", data, value=value, subgroup=subgroup, time=time,
                           stage=stage, exclude=exclude, missing=missing)
    return _cusum_build(first_series(data, summarize, opts), opts)


# ------------------------------------------------------------------------- registry
# The constructor above builds the chart itself (shift start and size at each signal,
# excluded points skipped by the sums); these functions serve the generic engine too.


def _family_arrays(panel: str, table: pd.DataFrame, params: Mapping[str, float], k: float,
                   opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    g = stage_table(table)
    m = len(g)
    upper, lower, z = np.empty(m), np.empty(m), np.empty(m)
    _cusum_arrays(g, {0: Limits(chart="cusum", params=params)}, float(opts.get("k", 0.5)),
                  float(opts.get("head_start", 0.0)), upper, lower, z, stage_blocks(g))
    return {"statistic": upper if panel == "upper" else lower, "center": np.zeros(m),
            "sigma_statistic": np.ones(m), "lcl": np.full(m, np.nan),
            "ucl": np.full(m, float(opts.get("h", 5.0)))}


FAMILY = register_family(ChartFamily(
    id="cusum", title="CUSUM chart", constructor=cusum, input="subgroups",
    columns=("value",), optional_columns=("subgroup",), min_size=1,
    description="small sustained shifts of the mean, with their start and size: tabular "
                "CUSUM of standardised subgroup means or individual values",
    panels=(Panel(name="upper", title="Upper CUSUM C⁺", y_title="sigmas of the mean",
                  rules="limits_only", show_center=False, show_lcl=False, reference=0.0),
            Panel(name="lower", title="Lower CUSUM C⁻", y_title="sigmas of the mean",
                  rules="limits_only", show_center=False, show_lcl=False, reference=0.0)),
    param_names=("mu", "sigma"), estimate=family_estimate, arrays=_family_arrays,
    prepare=family_prepare,
    settings={"k": 0.5, "h": 5.0, "head_start": 0.0, "sigma_method": None, "span": 2},
    process_sigma=True))
