"""EWMA control chart (exponentially weighted moving average) of subgroup means or
individual values.

The plotted statistic is z_i = λ x̄_i + (1 − λ) z_{i−1}, started at the center
(z_0 = μ0) of each stage; its limits are μ0 ± L σ_{z_i}, with the exact (time-varying)
standard deviation of z_i or its asymptote. The parameters μ0 and σ are estimated from
the Phase I baseline as the matching Shewhart chart does (X̄-R/S estimators for
subgroups, MR̄/d2 for individuals) or given as known standards. The input handling
shared with :mod:`leankit.spc._cusum` lives here too.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow.compute as pc
from scipy.signal import lfilter

from leankit.errors import InsufficientDataError, LeankitError, SchemaError
from leankit.spc._charts import (
    Exclude,
    Missing,
    Rules,
    _attach_values,
    _by,
    _finish_groups,
    _gather_values,
    _handle_missing,
    _imr_estimate,
    _numeric,
    _options,
    _require,
    _text_column,
    _tile,
    _values_per_group,
    _var_estimate,
    one_per_row,
)
from leankit.spc._constants import UnsupportedSubgroupError
from leankit.spc._families import ChartFamily, Panel, register_family
from leankit.spc._results import FRAME_COLUMNS, ChartCollection, ControlChart, Limits, lazy_table
from leankit.spc._rules import resolve_rules

__all__ = ["SmoothingChartError", "ewma"]

_FloatArray = npt.NDArray[np.float64]

EwmaLimits = Literal["time_varying", "asymptotic"]

#: Sigma estimators for subgroups (as X̄-R / X̄-S) and for individuals (as I-MR).
SUBGROUP_METHODS = ("rbar", "sbar", "pooled")
INDIVIDUAL_METHODS = ("mrbar", "median_mr", "sd")

#: The rule reported for a point beyond the EWMA limits (the only valid rule on an EWMA).
EWMA_RULE = "we_1"
EWMA_RULE_TEXT = "Point outside the control limits"

SIGNAL_COLUMNS = ["panel", "subgroup", "time", "position", "stage", "phase", "statistic",
                  "rule", "description"]


class SmoothingChartError(LeankitError, ValueError):
    """A parameter of :func:`ewma` or :func:`cusum` is invalid (λ outside (0, 1],
    L <= 0, h <= 0, k < 0, a head start outside [0, h) ...).

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> try:
    ...     spc.ewma(datasets.piston_rings(), value="diameter", subgroup="sample", lam=0)
    ... except spc.SmoothingChartError as err:
    ...     print(str(err)[:52])
    lam= (the EWMA weight λ) must be a number in (0, 1];
    """


# --------------------------------------------------------------------------- checks


def _real(name: str, value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(
            float(value)):
        raise SmoothingChartError(f"{name}= ({what}) must be a finite number; got {value!r}")
    return float(value)


def check_lam(lam: object) -> float:
    """λ in (0, 1] (a clear :class:`SmoothingChartError` otherwise)."""
    value = _real("lam", lam, "the EWMA weight λ")
    if not 0.0 < value <= 1.0:
        raise SmoothingChartError(
            f"lam= (the EWMA weight λ) must be a number in (0, 1]; got {lam!r}. Typical values "
            "are 0.05 to 0.25 (smaller detects smaller shifts)")
    return value


def check_positive(name: str, value: object, what: str) -> float:
    """A finite number > 0."""
    out = _real(name, value, what)
    if out <= 0.0:
        raise SmoothingChartError(f"{name}= ({what}) must be positive; got {value!r}")
    return out


# ---------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Series:
    """The summarised points of a smoothing chart (EWMA, CUSUM) and how to make more."""

    groups: pd.DataFrame  # subgroup, n, mean, (range, sd, values), time, stage, phase ...
    exclusions: pd.DataFrame
    #: rows -> (points, exclusions): a :class:`Summarizer` of raw rows, or the summariser
    #: of :func:`leankit.spc.chart_from_stats` (per-subgroup statistics)
    summarize: Callable[..., tuple[pd.DataFrame, pd.DataFrame]]


class Summarizer:
    """Raw rows -> one row per point (subgroup means, or individual values) and the rows
    not used; a plain object (no closure), so a pickled chart can still monitor."""

    __slots__ = ("exclude", "missing", "stage", "subgroup", "time", "value")

    def __init__(self, *, value: str, subgroup: str | None, time: str | None,
                 stage: str | None, exclude: Exclude, missing: Missing) -> None:
        self.value, self.subgroup, self.time, self.stage = value, subgroup, time, stage
        self.exclude, self.missing = exclude, missing

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for k in self.__slots__:
            setattr(self, k, state[k])

    def __call__(self, df: pd.DataFrame, use_exclude: bool = True
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
        exclude = self.exclude if use_exclude else None
        keep = [c for c in (self.value, self.subgroup, self.time, self.stage) if c]
        if isinstance(exclude, str):
            keep.append(exclude)
        _require(df, **{c: c for c in keep})
        # a missing stage label is missing data too: no stage to chart the row in
        check = [c for c in keep if c not in (self.time or "",
                                              exclude if isinstance(exclude, str) else "")]
        df, excl = _handle_missing(df, check, self.missing)
        if df.empty:
            raise InsufficientDataError("no rows left to chart (all missing or empty data)")
        return self._groups(df, exclude), excl

    def _groups(self, df: pd.DataFrame, exclude: Exclude) -> pd.DataFrame:
        subgroup, time, stage = self.subgroup, self.time, self.stage
        x = _numeric(df[self.value], "value")
        key = df[subgroup] if subgroup else pd.Series(df.index, index=df.index)
        # individual values: one row per point, no group-by
        if df.index.is_unique if subgroup is None else key.is_unique:
            groups = one_per_row(x, key, "mean")
            return _finish_groups(groups, df, key=key, time=time, stage=stage,
                                  exclude=exclude, sub_col=subgroup, one_row_each=True)
        grp = x.groupby(key, sort=False)
        groups = pd.DataFrame({"n": grp.count(), "mean": grp.mean(),
                               "range": grp.max() - grp.min(), "sd": grp.std(ddof=1)})
        _attach_values(groups, *_values_per_group(x.to_numpy(), key, groups.index, grp))
        return _finish_groups(groups, df, key=key, time=time, stage=stage, exclude=exclude,
                              sub_col=subgroup)


def summarizer(chart: str, data: pd.DataFrame, *, value: str, subgroup: str | None,
               time: str | None, stage: str | None, exclude: Exclude,
               missing: Missing) -> Summarizer:
    """Check the column names against *data*; the summariser of the chart's points."""
    _require(data, value=value, subgroup=subgroup, time=time, stage=stage)
    if missing not in ("raise", "exclude"):
        raise ValueError(f"missing= must be 'raise' or 'exclude', got {missing!r}")
    return Summarizer(value=value, subgroup=subgroup, time=time, stage=stage, exclude=exclude,
                      missing=missing)


def estimate(chart: str, rows: pd.DataFrame, sigma_method: str | None, span: int
             ) -> tuple[dict[str, float], str]:
    """μ0 and σ of one stage from its baseline rows, as the matching Shewhart chart
    estimates them; returns the parameters and the estimator used."""
    if len(rows) == 0:
        raise InsufficientDataError(
            f"{chart}: no baseline points to estimate the center and sigma from; give known "
            "standards (mu=, sigma=) or limits= from an earlier chart")
    sizes = rows["n"].to_numpy()
    if (sizes == 1).all():
        method = sigma_method or "mrbar"
        if method not in INDIVIDUAL_METHODS:
            raise SmoothingChartError(
                f"sigma_method={method!r} is for subgroups, but the baseline has individual "
                f"values; use one of {', '.join(INDIVIDUAL_METHODS)}")
        p = _imr_estimate(rows.assign(value=rows["mean"]),
                          {"span": span, "sigma_method": method})
        return {"mu": p["mu"], "sigma": p["sigma"]}, method
    if (sizes == 1).any():
        raise UnsupportedSubgroupError(
            f"{chart}: the baseline mixes individual values (subgroups of 1) with subgroups "
            f"of {int(sizes.max())}; sigma cannot be estimated from both. Chart them "
            "separately, or give sigma= (and mu=)")
    method = sigma_method or "rbar"
    if method not in SUBGROUP_METHODS:
        raise SmoothingChartError(
            f"sigma_method={method!r} is for individual values, but the baseline has "
            f"subgroups; use one of {', '.join(SUBGROUP_METHODS)}")
    p = _var_estimate(rows, {"chart": chart, "sigma_method": method})
    return {"mu": p["mu"], "sigma": p["sigma"]}, method


def baseline_mask(g: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """The baseline points: Phase I and not excluded."""
    out = is_phase_one(g["phase"])
    out &= ~g["excluded"].to_numpy(dtype=bool)
    return out


def is_phase_one(phase: pd.Series) -> npt.NDArray[np.bool_]:
    """``phase == "I"`` as a new numpy array (compared by Arrow where the text is
    Arrow-backed: no per-row Python strings, no pandas mask in between)."""
    arr = phase.array
    if hasattr(arr, "__arrow_array__"):
        eq = pc.equal(arr.__arrow_array__(), "I")
        out: npt.NDArray[np.bool_] = np.asarray(eq.to_numpy(zero_copy_only=False),
                                                dtype=bool)
        return out
    fallback: npt.NDArray[np.bool_] = (phase == "I").to_numpy(dtype=bool)
    return fallback


def stage_parameters(chart: str, g: pd.DataFrame, opts: Mapping[str, Any],
                     given: Mapping[Any, Limits] | None,
                     base: npt.NDArray[np.bool_] | None = None,
                     stages: tuple[np.ndarray, pd.Index, list[Any]] | None = None
                     ) -> dict[Any, Limits]:
    """Frozen :class:`Limits` (μ0, σ) of every stage: given, known standards, or estimated
    from the stage's Phase I points that are not excluded (*base* and *stages*, the
    :func:`stage_blocks`, if at hand)."""
    out: dict[Any, Limits] = {}
    standards = dict(opts["standards"])
    if base is None:
        base = baseline_mask(g)
    if stages is None:
        stages = stage_blocks(g)
    one_stage = len(stages[1]) <= 1
    for stage in stages[1]:
        if given is not None and stage in given:
            out[stage] = given[stage]
            continue
        if opts.get("limits") is not None:
            out[stage] = opts["limits"]
            continue
        if {"mu", "sigma"} <= set(standards):
            out[stage] = Limits(chart=chart, params=standards, nsigmas=opts["nsigmas"],
                                method="standard")
            continue
        # the baseline: the stage's Phase I points not excluded (all points: no copy)
        rows = g if one_stage and base.all() else g[(g["stage"] == stage).to_numpy(
            dtype=bool) & base]
        params, method = estimate(chart, rows, opts["sigma_method"], opts["span"])
        params.update(standards)
        if params["sigma"] <= 0.0 or not math.isfinite(params["sigma"]):
            raise InsufficientDataError(
                f"{chart}: stage {stage!r}: the sigma estimate is {params['sigma']:g} (all "
                "baseline values identical within subgroups / in a row); check the gauge "
                "resolution or give sigma=")
        out[stage] = Limits(chart=chart, params=params, nsigmas=opts["nsigmas"], method=method)
    return out


def base_options(chart: str, *, nsigmas: float, limits: Limits | Mapping[str, Any] | None,
                 mu: float | None, sigma: float | None, sigma_method: str | None, span: int,
                 **extra: Any) -> dict[str, Any]:
    """Validated settings shared by EWMA and CUSUM."""
    if sigma_method is not None and sigma_method not in (*SUBGROUP_METHODS,
                                                         *INDIVIDUAL_METHODS):
        raise SmoothingChartError(
            f"sigma_method= must be one of {', '.join((*SUBGROUP_METHODS, *INDIVIDUAL_METHODS))}"
            f" (or None: rbar for subgroups, mrbar for individuals); got {sigma_method!r}")
    if isinstance(span, bool) or not isinstance(span, int) or span < 2:
        raise UnsupportedSubgroupError(f"span= must be an integer >= 2, got {span!r}")
    try:
        opts = _options(chart, rules="limits", rule_params=None, dispersion_rules="limits",
                        nsigmas=nsigmas, limits=limits, standards={"mu": mu, "sigma": sigma},
                        sigma_method=sigma_method, span=span, **extra)
    except LeankitError:
        raise
    except ValueError as exc:
        raise SmoothingChartError(str(exc)) from exc
    return opts


def stage_blocks(g: pd.DataFrame) -> tuple[np.ndarray, pd.Index, list[Any]]:
    """Stage codes per point, the stage labels and the positions of each stage (a slice
    where the stage's points are contiguous, as they usually are)."""
    stage = g["stage"]
    arr = stage.to_numpy()
    if len(arr) and arr.dtype.kind in "iuf" and arr.min() == arr.max():  # one stage
        return np.zeros(len(arr), dtype=np.intp), pd.Index(arr[:1]), [slice(0, len(g))]
    codes, values = pd.factorize(stage)
    if len(values) == 1:
        return codes, pd.Index(values), [slice(0, len(g))]
    blocks: list[Any] = []
    for j in range(len(values)):
        idx = np.flatnonzero(codes == j)
        contiguous = len(idx) and idx[-1] - idx[0] + 1 == len(idx)
        blocks.append(slice(int(idx[0]), int(idx[-1]) + 1) if contiguous else idx)
    return codes, pd.Index(values), blocks


def first_position(idx: Any) -> int:
    """The first position of a stage block (slice or index array)."""
    return int(idx.start) if isinstance(idx, slice) else int(idx[0])


def block_size(idx: Any, m: int) -> int:
    return len(range(*idx.indices(m))) if isinstance(idx, slice) else len(idx)


#: The float columns of a smoothing chart's points table, stored as one block.
FLOAT_COLUMNS = ("statistic", "center", "lcl", "ucl", "sigma_statistic", "mean")


def new_block(n_panels: int, m: int) -> tuple[_FloatArray, list[dict[str, _FloatArray]]]:
    """One float block for all panels' points (no copy when it becomes the frame) and,
    per panel, a view of each of its columns to fill in place."""
    block = np.empty((len(FLOAT_COLUMNS), n_panels * m))
    views = [{key: block[r, j * m:(j + 1) * m] for r, key in enumerate(FLOAT_COLUMNS)}
             for j in range(n_panels)]
    return block, views


def carry_forward(values: _FloatArray, used: npt.NDArray[np.bool_], start: float
                  ) -> _FloatArray:
    """Spread the values at the *used* positions over the skipped positions after them
    (a skipped point carries the last used value, or *start* before the first)."""
    if used.all():
        return values
    last = np.maximum.accumulate(np.where(used, np.arange(len(used)), -1))
    out: _FloatArray = np.where(last >= 0, values[np.maximum(last, 0)], start)
    return out


def _tile_text(s: pd.Series, times: int) -> Any:
    """A text column repeated *times* times (through codes: no Python object per row)."""
    if times == 1:
        return s.reset_index(drop=True)
    codes, uniques = pd.factorize(s)
    return _text_column([str(u) for u in uniques], np.tile(codes, times))


def frame(panels: Sequence[str], g: pd.DataFrame, block: _FloatArray,
          signal: Sequence[npt.NDArray[np.bool_]], rule_id: Sequence[str]) -> pd.DataFrame:
    """The points table (:data:`FRAME_COLUMNS`, then ``mean``) of a smoothing chart, built
    around the filled float *block* without copying it."""
    m, n_panels = len(g), len(panels)
    means = g["mean"].to_numpy(dtype=float)
    for j in range(n_panels):
        block[FLOAT_COLUMNS.index("mean"), j * m:(j + 1) * m] = means
    points = pd.DataFrame(block.T, columns=list(FLOAT_COLUMNS), copy=False)
    codes = np.zeros(n_panels * m, dtype=np.int64)
    for j, fired in enumerate(signal):
        codes[j * m:(j + 1) * m][fired] = j + 1
    others: dict[str, Callable[[], Any]] = {
        "panel": lambda: _text_column(list(panels), np.repeat(np.arange(n_panels), m)),
        "subgroup": lambda: _tile(g["subgroup"], n_panels),
        "time": lambda: _tile(g["time"], n_panels),
        "n": lambda: _tile(g["n"], n_panels),
        "phase": lambda: _tile_text(g["phase"], n_panels),
        "stage": lambda: _tile(g["stage"], n_panels),
        "excluded": lambda: _tile(g["excluded"], n_panels),
        "exclude_reason": lambda: _tile_text(g["exclude_reason"], n_panels),
        "signal": lambda: codes > 0,
        "rules": lambda: _text_column(["", *rule_id], codes),
    }
    for pos, name in enumerate(FRAME_COLUMNS):
        if name in others:
            points.insert(pos, name, others[name]())
    return points


def data_table(g: pd.DataFrame) -> pd.DataFrame:
    """The values behind the chart, one row per value."""
    if "values" in g and g["values"].notna().all():
        rows = np.repeat(np.arange(len(g)), g["n"].to_numpy(dtype=np.int64))
        return pd.DataFrame({
            "subgroup": g["subgroup"].take(rows).reset_index(drop=True),
            "value": _gather_values(g),
            **{c: g[c].take(rows).reset_index(drop=True) for c in ("phase", "stage",
                                                                    "excluded")},
        })
    return g[["subgroup", "mean", "phase", "stage", "excluded"]].rename(
        columns={"mean": "value"}).reset_index(drop=True)


def monitor_groups(series: Series, new_data: pd.DataFrame, last_stage: Any) -> Series:
    """The chart's points plus *new_data* as Phase II points of the last stage."""
    new_groups, new_excl = series.summarize(new_data, use_exclude=False)
    new_groups = new_groups.assign(stage=last_stage, phase="II", excluded=False,
                                   exclude_reason="")
    clash = set(new_groups["subgroup"]) & set(series.groups["subgroup"])
    if clash:
        raise ValueError(
            f"monitor(): subgroup id(s) {sorted(clash, key=str)[:5]} are already on the "
            "chart; give new subgroups new ids")
    groups = pd.concat([series.groups, new_groups], ignore_index=True)
    excl = pd.concat([series.exclusions, new_excl], ignore_index=True)
    return Series(groups, excl, series.summarize)


class SmoothMonitor:
    """``chart.monitor(new_data)`` of an EWMA or CUSUM chart: the chart's points, settings
    and frozen parameters, re-built with the new points appended as Phase II (so the
    recursion continues). A plain object, so a pickled chart can still monitor."""

    picklable = True
    __slots__ = ("frozen", "kind", "opts", "panel", "series")

    def __init__(self, kind: str, series: Series, opts: Mapping[str, Any],
                 frozen: Mapping[Any, Limits], panel: str | None = None) -> None:
        self.kind, self.series, self.opts = kind, series, dict(opts)
        self.frozen, self.panel = dict(frozen), panel

    def for_panel(self, panel: str) -> SmoothMonitor:
        return SmoothMonitor(self.kind, self.series, self.opts, self.frozen, panel)

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for k in self.__slots__:
            setattr(self, k, state[k])

    def __call__(self, new_data: pd.DataFrame) -> ControlChart:
        series = monitor_groups(self.series, new_data, list(self.frozen)[-1])
        if self.kind == "ewma":
            chart = _ewma_build(series, self.opts, self.frozen)
        else:
            from leankit.spc._cusum import _cusum_build

            chart = _cusum_build(series, self.opts, self.frozen)
        return chart.panel(self.panel) if self.panel else chart


def first_series(data: pd.DataFrame, summarize: Callable[..., tuple[pd.DataFrame, pd.DataFrame]],
                 opts: Mapping[str, Any]) -> Series:
    groups, excl = summarize(data)
    if opts.get("limits") is not None or {"mu", "sigma"} <= set(opts["standards"]):
        groups["phase"] = "II"
    return Series(groups, excl, summarize)


def check_finite(chart: str, g: pd.DataFrame) -> None:
    bad = ~np.isfinite(g["mean"].to_numpy(dtype=float))
    if bad.any():
        raise SchemaError(
            f"{chart} chart: subgroup means are not finite at subgroup(s) "
            f"{g['subgroup'].to_numpy()[np.flatnonzero(bad)[:5]].tolist()}: the values are "
            "too large in magnitude for float64 arithmetic. Rescale the data (another unit, "
            "or subtract a reference value) before charting.")


# ---------------------------------------------------------------------- computation


def ewma_statistic(x: npt.ArrayLike, lam: float, start: float,
                   out: _FloatArray | None = None) -> _FloatArray:
    """z_i = λ x_i + (1 − λ) z_{i−1}, z_0 = *start* (a linear filter, no Python loop;
    written into *out* if given, chunk by chunk).

    Examples
    --------
    >>> ewma_statistic([11.0, 13.0, 12.0], 0.5, 10.0).tolist()
    [10.5, 11.75, 11.875]
    """
    xs = np.asarray(x, dtype=float)
    res: _FloatArray = np.empty(len(xs)) if out is None else out
    a = 1.0 - lam
    state = np.array([a * start])
    for i in range(0, len(xs), _CHUNK):  # the filter's state carried: the same numbers
        part, state = lfilter([lam], [1.0, -a], xs[i:i + _CHUNK], zi=state)
        res[i:i + _CHUNK] = part
    return res


def ewma_sigma(sigma: float, n: npt.ArrayLike, lam: float, limits: EwmaLimits,
               out: _FloatArray | None = None) -> _FloatArray:
    """Standard deviation of z_i for a process sigma *sigma* and subgroup sizes *n*
    (written into *out* if given).

    Exact: Var(z_i) = Σ_j λ²(1 − λ)^{2(i−j)} σ²/n_j (for constant n:
    σ²/n · λ/(2−λ) · (1 − (1 − λ)^{2i}), which equals its asymptote to the last bit once
    (1 − λ)^{2i} < 2⁻⁶⁰, so only that head is computed); asymptotic: σ/√n_i · √(λ/(2−λ)).

    Examples
    --------
    >>> ewma_sigma(2.0, [1, 1, 1], 0.5, "time_varying").round(6).tolist()
    [1.0, 1.118034, 1.145644]
    """
    raw = np.asarray(n)
    m = len(raw)
    res: _FloatArray = np.empty(m) if out is None else out
    if m == 0:
        return res
    constant = bool(raw.min() == raw.max())
    ratio = lam / (2.0 - lam)
    if limits == "asymptotic":
        if constant:
            res.fill(sigma / math.sqrt(float(raw[0])) * math.sqrt(ratio))
        else:
            np.multiply(1.0 / np.sqrt(raw.astype(float)), sigma * math.sqrt(ratio), out=res)
        return res
    a2 = (1.0 - lam) ** 2
    if constant:
        var = sigma**2 / float(raw[0]) * ratio
        if a2 == 0.0:  # λ = 1: the Shewhart sigma from the first point on
            res.fill(math.sqrt(sigma**2 / float(raw[0])))
            return res
        head = min(m, int(math.ceil(-60.0 * math.log(2.0) / math.log(a2))) + 1)
        i = np.arange(1, head + 1, dtype=float)
        res[:head] = np.sqrt(var * -np.expm1(i * math.log(a2)))
        res[head:] = math.sqrt(var)
        return res
    v, _ = lfilter([lam**2], [1.0, -a2], sigma**2 / raw.astype(float), zi=np.zeros(1))
    np.sqrt(np.asarray(v, dtype=float), out=res)
    return res


def _ewma_arrays(g: pd.DataFrame, stage_limits: Mapping[Any, Limits], lam: float,
                 nsigmas: float, limits: EwmaLimits, out: Mapping[str, _FloatArray],
                 stages: tuple[np.ndarray, pd.Index, list[Any]], center: bool = True,
                 limits_out: bool = True) -> None:
    """Fill *out* (statistic, sigma_statistic and, with *center*, the center, with
    *limits_out* lcl and ucl: see :func:`_limits_into`) for every stage."""
    m = len(g)
    x = g["mean"].to_numpy(dtype=float)
    n = g["n"].to_numpy()
    used_all = ~g["excluded"].to_numpy(dtype=bool)
    _, labels, blocks = stages
    for stage, idx in zip(labels, blocks, strict=True):
        p = stage_limits[stage].params
        mu, sigma = float(p["mu"]), float(p["sigma"])
        used = used_all[idx]
        if used.all():
            if isinstance(idx, slice):  # written in place
                ewma_statistic(x[idx], lam, mu, out=out["statistic"][idx])
                ewma_sigma(sigma, n[idx], lam, limits, out=out["sigma_statistic"][idx])
            else:
                out["statistic"][idx] = ewma_statistic(x[idx], lam, mu)
                out["sigma_statistic"][idx] = ewma_sigma(sigma, n[idx], lam, limits)
        else:
            size = block_size(idx, m)
            z = carry_forward(_fill(size, used, ewma_statistic(x[idx][used], lam, mu)), used,
                              mu)
            if limits == "asymptotic":
                s = ewma_sigma(sigma, n[idx], lam, limits)
            else:
                # an excluded point carries the variance of the last used one (before the
                # first used point: the first used point's, where z is still the center)
                s_used = ewma_sigma(sigma, n[idx][used], lam, limits)
                first = float(s_used[0]) if len(s_used) else sigma * lam
                s = carry_forward(_fill(size, used, s_used), used, first)
            out["statistic"][idx] = z
            out["sigma_statistic"][idx] = s
        if center:
            out["center"][idx] = mu
    if limits_out:
        _limits_into(out, stage_limits, nsigmas, stages)


def _limits_into(out: Mapping[str, _FloatArray], stage_limits: Mapping[Any, Limits],
                 nsigmas: float, stages: tuple[np.ndarray, pd.Index, list[Any]]) -> None:
    """lcl and ucl = μ0 ∓ L σ_z from the filled ``sigma_statistic`` of *out*."""
    _, labels, blocks = stages
    for stage, idx in zip(labels, blocks, strict=True):
        mu = float(stage_limits[stage].params["mu"])
        s = out["sigma_statistic"][idx]
        if isinstance(idx, slice):  # in place, no temporary arrays
            lcl, ucl = out["lcl"][idx], out["ucl"][idx]
            np.multiply(s, -nsigmas, out=lcl)
            lcl += mu
            np.multiply(s, nsigmas, out=ucl)
            ucl += mu
        else:
            out["lcl"][idx] = mu - nsigmas * s
            out["ucl"][idx] = mu + nsigmas * s


#: Points per chunk when the limits are compared without being stored.
_CHUNK = 1 << 16


def _beyond_limits(stat: _FloatArray, s: _FloatArray, stage_limits: Mapping[Any, Limits],
                   nsigmas: float, stages: tuple[np.ndarray, pd.Index, list[Any]]
                   ) -> npt.NDArray[np.bool_]:
    """Points outside μ0 ∓ L σ_z (the limits of :func:`_limits_into`, the same numbers),
    computed chunk by chunk instead of stored."""
    signal = np.zeros(len(stat), dtype=bool)
    _, labels, blocks = stages
    with np.errstate(invalid="ignore"):
        for stage, idx in zip(labels, blocks, strict=True):
            mu = float(stage_limits[stage].params["mu"])
            if not isinstance(idx, slice):
                si, zi = s[idx], stat[idx]
                signal[idx] = (zi > mu + nsigmas * si) | (zi < mu - nsigmas * si)
                continue
            start, stop, _ = idx.indices(len(stat))
            for a in range(start, stop, _CHUNK):
                b = min(a + _CHUNK, stop)
                lo = np.multiply(s[a:b], -nsigmas)
                lo += mu
                hi = np.multiply(s[a:b], nsigmas)
                hi += mu
                signal[a:b] = (stat[a:b] > hi) | (stat[a:b] < lo)
    return signal


class _LimitAt:
    """One limit (lcl or ucl) of a smoothing chart read at single points, computed there
    (for the limit rows, before the limits are stored)."""

    def __init__(self, s: _FloatArray, mu: _FloatArray, nsigmas: float) -> None:
        self.s, self.mu, self.nsigmas = s, mu, nsigmas

    def __getitem__(self, at: Any) -> Any:
        out = np.multiply(self.s[at:at + 1], self.nsigmas)
        out += self.mu[at:at + 1]
        return out[0]


def _fill(m: int, used: npt.NDArray[np.bool_], values: _FloatArray) -> _FloatArray:
    out = np.full(m, np.nan)
    out[used] = values
    return out


def limit_rows(panels: Sequence[str], g: pd.DataFrame, stage_limits: Mapping[Any, Limits],
               arrays: Sequence[Mapping[str, _FloatArray]], extra: Mapping[str, float],
               stages: tuple[np.ndarray, pd.Index, list[Any]],
               base: npt.NDArray[np.bool_] | None = None) -> pd.DataFrame:
    """One row per (panel, stage): limits at the stage's typical n (the last point's
    for time-varying limits, i.e. close to the asymptote), parameters, method. *base*:
    the baseline points (Phase I, not excluded), if at hand."""
    baseline = baseline_mask(g) if base is None else base
    sizes_all = g["n"].to_numpy()
    _, labels, blocks = stages
    per_stage = []  # typical n, the position of its last point, baseline points
    for idx in blocks:
        sizes = sizes_all[idx]
        if len(sizes) and sizes.min() == sizes.max():
            typical = sizes[0]
            at = len(sizes) - 1
        else:
            typical = pd.Series(sizes).mode().iloc[0] if len(sizes) else np.nan
            at = int(np.flatnonzero(sizes == typical)[-1]) if len(sizes) else 0
        at = at + first_position(idx) if isinstance(idx, slice) else int(idx[at])
        per_stage.append((typical, at, int(baseline[idx].sum())))
    rows = []
    for j, panel in enumerate(panels):
        for stage, (typical, at, n_base) in zip(labels, per_stage, strict=True):
            lim = stage_limits[stage]
            a = arrays[j]
            rows.append({
                "panel": panel, "stage": stage, "n": typical,
                "center": a["center"][at], "lcl": a["lcl"][at],
                "ucl": a["ucl"][at], "mu": lim.params.get("mu", np.nan),
                "sigma": lim.params.get("sigma", np.nan), **extra, "method": lim.method,
                "baseline_subgroups": n_base,
            })
    return pd.DataFrame(rows)


def parameters(opts: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in opts.items() if k not in ("rules", "dispersion_rules", "limits")}
    out["rules"] = (EWMA_RULE,) if opts["chart"] == "ewma" else ()
    out["dispersion_rules"] = ()
    return out


def _ewma_build(series: Series, opts: Mapping[str, Any],
                given: Mapping[Any, Limits] | None = None) -> ControlChart:
    g = series.groups
    check_finite("ewma", g)
    base = baseline_mask(g)
    stages = stage_blocks(g)
    frozen = stage_parameters("ewma", g, opts, given, base, stages)
    block, views = new_block(1, len(g))
    arrays = views[0]
    # the center (the stage's mu) is written when the points table is built
    # the center and the limits are written when the points table is built (the signals
    # compare with the same limits, computed chunk by chunk)
    nsig = opts["nsigmas"]
    _ewma_arrays(g, frozen, opts["lam"], nsig, opts["limits_kind"], arrays, stages,
                 center=False, limits_out=False)
    mus = np.array([float(frozen[s].params["mu"]) for s in stages[1]])
    stat = arrays["statistic"]
    signal = _beyond_limits(stat, arrays["sigma_statistic"], frozen, nsig, stages)
    excluded = g["excluded"].to_numpy(dtype=bool)
    if excluded.any():
        signal &= ~excluded
    center = (np.broadcast_to(mus[:1], (len(g),)) if len(mus) == 1 else mus[stages[0]])
    sig = arrays["sigma_statistic"]
    limits = limit_rows(("ewma",), g, frozen, [{
        **arrays, "center": center, "lcl": cast(_FloatArray, _LimitAt(sig, center, -nsig)),
        "ucl": cast(_FloatArray, _LimitAt(sig, center, nsig))}], {"lam": opts["lam"]},
        stages, base)
    n_signals = int(signal.sum())

    def points() -> pd.DataFrame:
        for mu, idx in zip(mus, stages[2], strict=True):
            arrays["center"][idx] = mu
        _limits_into(arrays, frozen, nsig, stages)
        return frame(("ewma",), g, block, [signal], [EWMA_RULE])

    def signals() -> pd.DataFrame:
        pos = np.flatnonzero(signal)
        return pd.DataFrame({
            "panel": "ewma", "subgroup": g["subgroup"].take(pos).to_numpy(),
            "time": g["time"].take(pos).to_numpy(), "position": pos,
            "stage": g["stage"].take(pos).to_numpy(), "phase": g["phase"].take(pos).to_numpy(),
            "statistic": stat[pos], "rule": EWMA_RULE, "description": EWMA_RULE_TEXT,
        }, columns=SIGNAL_COLUMNS)

    return ControlChart(
        chart="ewma", family="ewma",
        points=lazy_table(points, n_signals=n_signals, main=g, panel_signals={"ewma": n_signals}),
        limits=limits, signals=lazy_table(signals),
        exclusions=series.exclusions, data=lazy_table(lambda: data_table(g)),
        parameters=parameters(opts), stage_limits=frozen, panel_names=("ewma",),
        _monitor=SmoothMonitor("ewma", series, opts, frozen))


# --------------------------------------------------------------------------- public


def ewma_options(*, lam: object, nsigmas: object,
                 limits: EwmaLimits | Limits | Mapping[str, Any] | str, mu: float | None,
                 sigma: float | None, sigma_method: str | None, span: int,
                 **columns: str | None) -> dict[str, Any]:
    """The validated settings of an EWMA chart (:func:`ewma`, and
    :func:`leankit.spc.chart_from_stats` from subgroup statistics: the same checks and
    errors); *columns* are recorded in the chart's parameters."""
    lam_ = check_lam(lam)
    check_positive("nsigmas", nsigmas, "L, the width of the limits in sigmas of the EWMA")
    frozen: Limits | Mapping[str, Any] | None = None
    kind: str = "time_varying"
    if isinstance(limits, str):
        if limits not in ("time_varying", "asymptotic"):
            raise SmoothingChartError(
                f"limits= must be 'time_varying', 'asymptotic' or frozen Limits; got {limits!r}")
        kind = limits
    else:
        frozen = limits
    return base_options("ewma", nsigmas=cast(float, nsigmas), limits=frozen, mu=mu,
                        sigma=sigma, sigma_method=sigma_method, span=span, lam=lam_,
                        limits_kind=kind, **columns)


def ewma(
    data: pd.DataFrame,
    *,
    value: str,
    subgroup: str | None = None,
    time: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: str | Sequence[str] | None = None,
    lam: float = 0.2,
    nsigmas: float = 3.0,
    limits: EwmaLimits | Limits | Mapping[str, Any] = "time_varying",
    sigma_method: Literal["rbar", "sbar", "pooled", "mrbar", "median_mr", "sd"] | None = None,
    span: int = 2,
    mu: float | None = None,
    sigma: float | None = None,
    missing: Missing = "raise",
    rules: Rules = None,
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
) -> ControlChart | ChartCollection:
    """EWMA chart (exponentially weighted moving average) of subgroup means or
    individual values.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data: one row per measured value.
    value : str
        Column of the measured values.
    subgroup : str, optional
        Column of the subgroup (sample) ids: the chart smooths the subgroup means. Without
        it (or when every id occurs once) each row is one individual value.
    time, stage, exclude, by, missing
        As for :func:`leankit.spc.xbar_r`. Excluded points are plotted but do not enter
        the baseline estimates nor the recursion (the EWMA carries its last value over
        them).
    lam : float, default 0.2
        The weight λ of the newest point, in (0, 1]; λ = 1 is the Shewhart chart.
    nsigmas : float, default 3
        L: the limits are at ±L standard deviations of the EWMA statistic.
    limits : {"time_varying", "asymptotic"} or Limits, default "time_varying"
        Exact limits from the variance of z_i at each point (narrow at the start) or
        their asymptote; or frozen :class:`Limits` of an earlier EWMA chart
        (``chart.frozen_limits()``) to score all data against them as Phase II.
    sigma_method : str, optional
        Sigma estimator: ``"rbar"`` (default for subgroups), ``"sbar"``, ``"pooled"`` (as
        X̄-R / X̄-S), or ``"mrbar"`` (default for individuals), ``"median_mr"``, ``"sd"``
        (as I-MR).
    span : int, default 2
        Individuals: values per moving range for the MR̄ estimators.
    mu, sigma : float, optional
        Known standards (target and process sigma); with both, every point is Phase II.
    rules, rule_params : optional
        Accepted for the generic API (``spc.chart``, the CLI, report specs) and checked,
        but only the beyond-limits rule applies to an EWMA (its points are correlated).

    Returns
    -------
    ControlChart
        One panel ``"ewma"``; ``to_frame()`` columns: panel, subgroup, time, n, statistic
        (the EWMA z_i), center, lcl, ucl, sigma_statistic (of z_i), phase, stage,
        excluded, exclude_reason, signal, rules, mean (the raw subgroup mean or value). With
        ``by=``, a :class:`ChartCollection`.

    Raises
    ------
    SmoothingChartError
        λ outside (0, 1], nsigmas <= 0, an unknown ``limits`` or ``sigma_method``.
    ColumnNotFoundError
        A named column is not in the data.
    InsufficientDataError
        No baseline points, or a sigma estimate of 0.
    UnsupportedSubgroupError
        The baseline mixes individual values and subgroups.

    See Also
    --------
    leankit.spc.cusum : Tabular CUSUM, the other chart for small sustained shifts.
    leankit.spc.arl : In- and out-of-control ARL of an EWMA scheme (choose λ and L).

    Notes
    -----
    z_i = λ x̄_i + (1 − λ) z_{i−1}, z_0 = μ0 (the stage's center) — qcc's and
    Montgomery's convention. Exact limits μ0 ± L σ_{z_i} with
    σ²_{z_i} = Σ_{j≤i} λ²(1 − λ)^{2(i−j)} σ²/n_j, i.e. for constant n
    σ²/n · λ/(2 − λ) · [1 − (1 − λ)^{2i}] (Montgomery eq. 9.24); asymptotic limits
    μ0 ± L σ/√n_i · √(λ/(2 − λ)). Only points beyond the limits signal (successive EWMA
    values are correlated, so run rules do not apply). ``monitor()`` continues the
    recursion (and the time index of the exact limits) from Phase I into Phase II.

    References
    ----------
    Montgomery, D. C., *Introduction to Statistical Quality Control*, 8th ed., Wiley,
    2019, sec. 9.2 (Example 9.3).
    Roberts, S. W. (1959), "Control chart tests based on geometric moving averages",
    *Technometrics* 1, 239-250.
    Lucas, J. M., Saccucci, M. S. (1990), "Exponentially weighted moving average control
    schemes: properties and enhancements", *Technometrics* 32, 1-12.

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> rings = datasets.piston_rings()
    >>> chart = spc.ewma(rings[rings.trial], value="diameter", subgroup="sample")
    >>> chart
    <ControlChart ewma: 25 subgroups, n=5, 0 signals>
    >>> week = chart.monitor(rings[~rings.trial])
    >>> week.signals["subgroup"].tolist()
    [37, 38, 39, 40]
    """
    kwargs = dict(value=value, subgroup=subgroup, time=time, stage=stage, exclude=exclude,
                  lam=lam, nsigmas=nsigmas, limits=limits, sigma_method=sigma_method,
                  span=span, mu=mu, sigma=sigma, missing=missing)
    if by is not None:
        return _by(ewma, data, by, kwargs)
    resolve_rules(rules, params=rule_params)  # unknown rule ids are an error, as elsewhere
    opts = ewma_options(lam=lam, nsigmas=nsigmas, limits=limits, mu=mu, sigma=sigma,
                        sigma_method=sigma_method, span=span, value=value,
                        subgroup=subgroup, time=time, stage=stage)
    summarize = summarizer("ewma", data, value=value, subgroup=subgroup, time=time,
                           stage=stage, exclude=exclude, missing=missing)
    return _ewma_build(first_series(data, summarize, opts), opts)


# ------------------------------------------------------------------------- registry
# The constructor above builds the chart itself (it adds the raw means, skips excluded
# points in the recursion); these functions serve the generic engine (build_chart) too.


def family_estimate(baseline: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
    """μ0 and σ of one stage's baseline, as the matching Shewhart chart estimates them."""
    return estimate(str(opts.get("chart", "ewma")), baseline, opts.get("sigma_method"),
                    int(opts.get("span", 2)))[0]


def family_prepare(table: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Carry the exclusion flags into the engine's stage table (the recursion skips them)."""
    return {"skip": table["excluded"].to_numpy(dtype=float)}


def stage_table(table: pd.DataFrame) -> pd.DataFrame:
    """The engine's stage table as the points of one stage of this module's charts."""
    mean = table["mean"] if "mean" in table else table["value"]
    skip = table["skip"].to_numpy(dtype=float) if "skip" in table else np.zeros(len(table))
    return pd.DataFrame({"mean": mean.to_numpy(dtype=float), "n": table["n"].to_numpy(),
                         "excluded": skip > 0, "stage": 0})


def _family_arrays(panel: str, table: pd.DataFrame, params: Mapping[str, float], k: float,
                   opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    g = stage_table(table)
    _, views = new_block(1, len(g))
    _ewma_arrays(g, {0: Limits(chart="ewma", params=params)}, float(opts.get("lam", 0.2)),
                 k, opts.get("limits_kind", "time_varying"), views[0], stage_blocks(g))
    return {key: views[0][key] for key in ("statistic", "center", "sigma_statistic", "lcl",
                                           "ucl")}


FAMILY = register_family(ChartFamily(
    id="ewma", title="EWMA chart", constructor=ewma, input="subgroups",
    columns=("value",), optional_columns=("subgroup",), min_size=1,
    description="small sustained shifts of the mean: exponentially weighted moving average "
                "of subgroup means or individual values",
    panels=(Panel(name="ewma", title="EWMA", y_title="EWMA of the means",
                  rules="limits_only"),),
    param_names=("mu", "sigma"), estimate=family_estimate, arrays=_family_arrays,
    prepare=family_prepare,
    settings={"lam": 0.2, "limits_kind": "time_varying", "sigma_method": None, "span": 2},
    process_sigma=True))
