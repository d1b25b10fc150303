"""Yield metrics: first-pass yield (FPY), rolled throughput yield (RTY), DPU, DPMO,
sigma level, scrap and rework rates and throughput, plus the closed-form helpers
:func:`dpmo`, :func:`sigma_level` and :func:`dpmo_from_sigma`."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.lean._common import (
    Invalid,
    Period,
    normalize_by,
    prepare,
    require_columns,
    warn_quality,
)
from leankit.lean._results import MetricsMixin

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["YieldMetrics", "dpmo", "dpmo_from_sigma", "fpy", "rty", "sigma_level",
           "yield_metrics"]

#: Columns of :meth:`YieldMetrics.to_frame` (and of ``steps``) after the group columns.
YIELD_COLUMNS = (
    "rows", "total_count", "good_count", "defectives", "scrap_count", "rework_count",
    "fpy", "rty", "dpu", "dpmo", "sigma_level", "scrap_rate", "rework_rate",
    "run_time", "planned_time", "throughput_per_run_hour", "throughput_per_planned_hour",
    "note",
)


# ------------------------------------------------------------------ closed forms


def _check_number(name: str, value: object, *, low: float | None = None,
                  high: float | None = None, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if positive and v <= 0:
        raise ValueError(f"{name} must be positive, got {v:g}")
    if low is not None and v < low:
        raise ValueError(f"{name} must be at least {low:g}, got {v:g}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be at most {high:g}, got {v:g}")
    return v


def dpmo(defects: float, units: float, opportunities: float = 1.0) -> float:
    """Defects per million opportunities.

    Parameters
    ----------
    defects : float
        Defects found (>= 0).
    units : float
        Units inspected (> 0).
    opportunities : float, default 1
        Opportunities for a defect per unit (> 0).

    Returns
    -------
    float
        ``defects / (units × opportunities) × 10⁶``.

    Raises
    ------
    ValueError
        On a negative defect count, non-positive units or opportunities, or more
        defects than opportunities.

    Examples
    --------
    >>> from leankit import lean
    >>> lean.dpmo(defects=34, units=1000, opportunities=10)
    3400.0
    """
    d = _check_number("defects", defects, low=0.0)
    u = _check_number("units", units, positive=True)
    o = _check_number("opportunities", opportunities, positive=True)
    if d > u * o:
        raise ValueError(f"defects ({d:g}) exceed the opportunities (units × opportunities = "
                         f"{u * o:g}); check the counts or raise opportunities")
    return d / (u * o) * 1e6


def sigma_level(dpmo: float, shift: float = 1.5) -> float:
    """Sigma level of a defect rate: ``Φ⁻¹(1 − DPMO / 10⁶) + shift``.

    Parameters
    ----------
    dpmo : float
        Defects per million opportunities, in [0, 10⁶].
    shift : float, default 1.5
        Assumed long-term drift of the process mean, in sigmas (the Motorola 1.5
        convention; pass 0 for the short-term Z without shift).

    Returns
    -------
    float
        The sigma level; ``inf`` for 0 DPMO and ``-inf`` for 10⁶ DPMO.

    Notes
    -----
    Computed as ``norm.isf(dpmo / 1e6) + shift`` (the upper-tail inverse, exact for
    small rates). With the 1.5 shift: 3.4 DPMO -> 6.0, 233 -> 5.0, 6 210 -> 4.0,
    66 807 -> 3.0, 308 538 -> 2.0, 691 462 -> 1.0 (the published table, whose
    DPMO values are rounded, so the levels agree to about 10⁻³).

    References
    ----------
    .. [1] Harry, M. J. (1988). *The Nature of Six Sigma Quality*. Motorola.
    .. [2] Breyfogle, F. W. (2003). *Implementing Six Sigma*, 2nd ed., Wiley, Table S.

    Examples
    --------
    >>> from leankit import lean
    >>> round(lean.sigma_level(66807), 3)
    3.0
    >>> round(lean.sigma_level(3.4), 2)
    6.0
    """
    d = _check_number("dpmo", dpmo, low=0.0, high=1e6)
    s = _check_number("shift", shift)
    return float(stats.norm.isf(d / 1e6)) + s


def dpmo_from_sigma(sigma: float, shift: float = 1.5) -> float:
    """DPMO of a sigma level (the inverse of :func:`sigma_level`):
    ``(1 − Φ(sigma − shift)) × 10⁶``.

    Examples
    --------
    >>> from leankit import lean
    >>> round(lean.dpmo_from_sigma(6.0), 1)
    3.4
    """
    z = _check_number("sigma", sigma)
    s = _check_number("shift", shift)
    return float(stats.norm.sf(z - s)) * 1e6


def rty(fpy_values: Iterable[float]) -> float:
    """Rolled throughput yield: the product of the first-pass yields of the steps.

    Parameters
    ----------
    fpy_values : iterable of float
        FPY of each process step, each in [0, 1] (e.g. the result of :func:`fpy`).

    Returns
    -------
    float
        ``Π FPYᵢ``: the probability that a unit passes every step right first time.

    Raises
    ------
    ValueError
        If there are no values, or a value is missing or outside [0, 1].

    Examples
    --------
    >>> from leankit import lean
    >>> round(lean.rty([0.98, 0.95, 0.99]), 6)
    0.92169
    """
    if isinstance(fpy_values, Mapping):
        raise TypeError("fpy_values must be an iterable of numbers (e.g. a Series), not a "
                        "mapping")
    values = [_check_number("each FPY", v, low=0.0, high=1.0) for v in fpy_values]
    if not values:
        raise ValueError("rty() needs at least one FPY value")
    return math.prod(values)


# ------------------------------------------------------------------ table metrics


@dataclass(frozen=True, slots=True, kw_only=True)
class YieldMetrics(MetricsMixin):
    """First-pass yield, RTY, DPU, DPMO, sigma level, scrap rate and throughput.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group (and period), all steps pooled: see :meth:`to_frame`.
    steps : pandas.DataFrame or None
        With ``step=``: the same columns per group (and period) and step, ``rty``
        being the step's FPY there.
    overall : pandas.DataFrame
        One row: the same columns over all used rows.
    by : tuple of str
        Group columns.
    step : str or None
        Column naming the process step (RTY multiplies the steps' FPYs).
    period : {"day", "week", "month"} or None
        Period of the rows (UTC; ISO weeks).
    time : str
        Timestamp column assigning rows to periods.
    opportunities : float
        Opportunities for a defect per unit (DPMO denominator).
    shift : float
        Shift added to the Z value for the sigma level (1.5 by convention).
    exclusions : pandas.DataFrame
        Input rows not used (``row, column, value, reason``).
    notes : tuple of str
        How the numbers were made, and every warning.
    parameters : dict
        Settings that produced the result.
    """

    table: pd.DataFrame
    steps: pd.DataFrame | None
    overall: pd.DataFrame
    by: tuple[str, ...]
    step: str | None
    period: str | None
    time: str
    opportunities: float
    shift: float
    exclusions: pd.DataFrame
    notes: tuple[str, ...]
    parameters: Mapping[str, Any]

    METRICS = ("fpy", "rty", "dpu", "dpmo", "sigma_level", "scrap_rate", "rework_rate",
               "throughput_per_run_hour", "throughput_per_planned_hour", "total_count",
               "good_count")
    TREND_METRICS = ("fpy", "rty", "dpmo", "scrap_rate", "throughput_per_run_hour")

    def _keys(self) -> tuple[str, ...]:
        return self.by

    def to_frame(self) -> pd.DataFrame:
        """One row per group (and period), as a new DataFrame.

        Columns: the group columns, ``period`` (if set), ``rows``, ``total_count``,
        ``good_count``, ``defectives`` (total − good: scrapped or reworked),
        ``scrap_count``, ``rework_count``, ``fpy`` (good / total, steps pooled),
        ``rty`` (product of the steps' FPY; = fpy without ``step=``), ``dpu``
        (defectives / total), ``dpmo`` (defectives / (total × opportunities) × 10⁶),
        ``sigma_level`` (Φ⁻¹(1 − DPMO/10⁶) + shift), ``scrap_rate`` (scrap / total),
        ``rework_rate`` (rework / total), ``run_time``, ``planned_time`` [min],
        ``throughput_per_run_hour`` (good units per hour of run time),
        ``throughput_per_planned_hour`` (per planned hour) and ``note``.
        """
        return self.table.copy()

    @property
    def value(self) -> float:
        """Overall first-pass yield of all used rows."""
        return float(self.overall["fpy"].iloc[0])

    def __repr__(self) -> str:
        grp = f" by {', '.join(self.by)}" if self.by else ""
        stp = f", steps {self.step!r}" if self.step else ""
        per = f", per {self.period}" if self.period else ""
        o = self.overall.iloc[0]
        rty_text = f"{o['rty']:.2%}" if np.isfinite(o["rty"]) else "per group"
        return (f"<YieldMetrics{grp}{stp}{per}: {len(self.table)} rows, FPY {o['fpy']:.2%}, "
                f"RTY {rty_text}, sigma {o['sigma_level']:.2f} (shift {self.shift:g})>")

    def summary(self) -> Summary:
        """Overall figures, the per-group table and notes (shift stated)."""
        o = self.overall.iloc[0]
        rows: list[tuple[str, object]] = [
            ("units", int(o["total_count"])), ("good first time", int(o["good_count"])),
            ("FPY", float(o["fpy"])), ("RTY", float(o["rty"])), ("DPU", float(o["dpu"])),
            (f"DPMO ({self.opportunities:g} opportunities/unit)", float(o["dpmo"])),
            (f"sigma level (shift {self.shift:g})", float(o["sigma_level"])),
            ("scrap rate", float(o["scrap_rate"])),
            ("good units per run hour", float(o["throughput_per_run_hour"])),
        ]
        show = [c for c in (*self.by, "period", "fpy", "rty", "dpmo", "sigma_level",
                            "scrap_rate", "throughput_per_run_hour", "note")
                if c in self.table.columns]
        tables = [("Yield", self.table[show].round(4))]
        if self.steps is not None:
            cols = [c for c in (*self.by, "period", self.step, "fpy", "scrap_rate", "note")
                    if c in self.steps.columns]
            tables.append(("FPY per step", self.steps[cols].round(4)))
        return Summary(title=repr(self), rows=tuple(rows), notes=self.notes, tables=tuple(tables))

    def figure(self, **style: Any) -> go.Figure:
        """FPY and RTY per group (or their trend per period). See
        :func:`leankit.lean.yield_figure`."""
        from leankit.lean._figures import yield_figure

        return yield_figure(self, **style)


def _sigma_array(d: pd.Series, shift: float) -> pd.Series:
    return pd.Series(stats.norm.isf(d.to_numpy(dtype="float64") / 1e6) + shift, index=d.index)


def _yield_table(work: pd.DataFrame, keys: list[str], opportunities: float,
                 shift: float) -> pd.DataFrame:
    sums = [c for c in ("total_count", "good_count", "scrap_count", "rework_count",
                        "run_time", "planned_time") if c in work.columns]
    if keys:
        g = work.groupby(keys, sort=True, dropna=False)
        t = g[sums].sum()
        t["rows"] = g.size()
        t = t.reset_index()
    else:
        t = pd.DataFrame({c: [float(work[c].sum())] for c in sums})
        t["rows"] = len(work)
    for c in ("scrap_count", "rework_count", "run_time", "planned_time"):
        if c not in t.columns:
            t[c] = np.nan
    total, good = t["total_count"], t["good_count"]
    t["defectives"] = total - good
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = total > 0
        t["fpy"] = (good / total).where(ok)
        t["dpu"] = (t["defectives"] / total).where(ok)
        t["dpmo"] = (t["defectives"] / (total * opportunities) * 1e6).where(ok)
        t["sigma_level"] = _sigma_array(t["dpmo"], shift).where(ok)
        t["scrap_rate"] = (t["scrap_count"] / total).where(ok)
        t["rework_rate"] = (t["rework_count"] / total).where(ok)
        t["throughput_per_run_hour"] = (good / (t["run_time"] / 60.0)).where(t["run_time"] > 0)
        t["throughput_per_planned_hour"] = (good / (t["planned_time"] / 60.0)).where(
            t["planned_time"] > 0)
    t["rty"] = t["fpy"]
    for c in ("total_count", "good_count", "defectives"):
        t[c] = t[c].astype("int64")
    notes = []
    for i in range(len(t)):
        parts = []
        if not total.iloc[i] > 0:
            parts.append("no units counted: yields and rates undefined")
        elif t["defectives"].iloc[i] == 0:
            parts.append("no defectives: DPMO 0, sigma level infinite")
        if "run_time" in work.columns and not t["run_time"].iloc[i] > 0:
            parts.append("no run time: throughput per run hour undefined")
        if "planned_time" in work.columns and not t["planned_time"].iloc[i] > 0:
            parts.append("no planned time: throughput per planned hour undefined")
        notes.append("; ".join(parts))
    t["note"] = notes
    return t


def _compute(
    data: object, *, by: str | Sequence[str] | None, step: str | None, period: Period | None,
    time: str, opportunities: float, shift: float, invalid: Invalid,
) -> YieldMetrics:
    keys = normalize_by(by)
    if step is not None and not isinstance(step, str):
        raise TypeError(f"step must be a column name or None, got {step!r}")
    if step is not None and step in keys:
        raise ValueError(f"step={step!r} is also in by=: a step cannot be a group")
    opp = _check_number("opportunities", opportunities, positive=True)
    sh = _check_number("shift", shift)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    all_keys = keys + ((step,) if step else ())
    numeric = ("total_count", "good_count")
    require_columns(data, [*all_keys, *numeric] + ([time] if period is not None else []))
    good = data["good_count"]
    total = data["total_count"]
    checks = []
    if pd.api.types.is_numeric_dtype(good.dtype) and pd.api.types.is_numeric_dtype(total.dtype):
        with np.errstate(invalid="ignore"):
            mask = (good.to_numpy(dtype="float64", na_value=np.nan)
                    > total.to_numpy(dtype="float64", na_value=np.nan))
        checks.append(("good_exceeds_total", "good_count", mask))
    optional = ("scrap_count", "rework_count", "run_time", "planned_time")
    work, exclusions, notes = prepare(
        data, keys=all_keys, numeric=numeric, optional_numeric=optional, time=time,
        period=period, invalid=invalid, row_checks=checks, what="data")
    for c in optional:
        if c in work.columns and work[c].isna().any():
            n = int(work[c].isna().sum())
            notes.append(f"{n} row(s) have no {c}: it counts as 0 in the sums.")
            work[c] = work[c].fillna(0.0)
        elif c not in work.columns:
            notes.append(f"No {c} column: the metrics that need it are undefined.")
    gkeys = [*keys] + (["period"] if period else [])
    table = _yield_table(work, gkeys, opp, sh)
    overall = _yield_table(work, [], opp, sh)
    steps = None
    if step:
        steps = _yield_table(work, [*gkeys, step], opp, sh)
        rty_of = _rty_by_group(steps, gkeys)
        if gkeys:
            table = table.drop(columns="rty").merge(rty_of, on=gkeys, how="left")
        else:
            table["rty"] = rty_of["rty"].to_numpy()
        shared = True
        if gkeys:
            per_group = work.groupby(gkeys, sort=False)[step].agg(lambda v: frozenset(v))
            shared = per_group.nunique() == 1
        if shared:
            overall["rty"] = _rty_by_group(_yield_table(work, [step], opp, sh),
                                           [])["rty"].to_numpy()
        else:
            overall["rty"] = np.nan
            overall["note"] = "; ".join(x for x in (overall["note"].iloc[0], "steps differ "
                                        "between groups: RTY is defined per group only") if x)
            notes.append(f"The steps ({step!r}) differ between the groups, so there is no "
                         "overall RTY (overall rty is NaN); see the per-group rty.")
        undefined = steps[steps["fpy"].isna()]
        if len(undefined):
            names = ["/".join(str(r[c]) for c in [*gkeys, step]) for _, r in
                     undefined.iterrows()]
            msg = (f"{len(names)} step(s) have no units counted, so their FPY and the RTY of "
                   f"their group are undefined: {', '.join(names[:10])}")
            notes.append(msg[0].upper() + msg[1:] + ".")
            warn_quality(msg, stacklevel=3)
        notes.append(f"RTY = product over the steps ({step!r}) of FPY = good/total of the "
                     "step; the group's fpy pools the units of all steps.")
    else:
        notes.append("No step= given: each group is one step, so RTY = FPY.")
    empty = table[table["note"].str.contains("no units counted")]
    if len(empty):
        names = ["/".join(str(r[c]) for c in gkeys) or "all rows" for _, r in empty.iterrows()]
        msg = (f"{len(names)} group(s) have no units counted: yields and rates undefined for "
               f"{', '.join(names[:10])}")
        notes.append(msg[0].upper() + msg[1:] + ".")
        warn_quality(msg, stacklevel=3)
    notes.insert(0, "FPY = good/total (reworked and scrapped units are not first-pass good); "
                    "DPU = (total − good)/total, each unit not good first time counting as one "
                    f"defect; DPMO = DPU/{opp:g} × 10⁶ ({opp:g} opportunities per unit); "
                    f"sigma level = Φ⁻¹(1 − DPMO/10⁶) + {sh:g} (shift {sh:g}).")
    if period:
        notes.insert(1, f"Periods by {time!r} in UTC.")
    cols = [*gkeys, *YIELD_COLUMNS]
    return YieldMetrics(
        table=table[cols],
        steps=None if steps is None else steps[[*gkeys, step, *YIELD_COLUMNS]],
        overall=overall[list(YIELD_COLUMNS)], by=keys, step=step, period=period, time=time,
        opportunities=opp, shift=sh, exclusions=exclusions, notes=tuple(notes),
        parameters={"by": keys, "step": step, "period": period, "time": time,
                    "opportunities": opp, "shift": sh, "invalid": invalid},
    )


def _rty_by_group(steps: pd.DataFrame, gkeys: list[str]) -> pd.DataFrame:
    def prod(s: pd.Series) -> float:
        return float(np.prod(s.to_numpy())) if s.notna().all() else math.nan

    if gkeys:
        return steps.groupby(gkeys, sort=True, dropna=False)["fpy"].agg(prod).rename(
            "rty").reset_index()
    return pd.DataFrame({"rty": [prod(steps["fpy"])]})


def yield_metrics(
    data: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = ("line",),
    step: str | None = None,
    period: Period | None = None,
    time: str = "period_start",
    opportunities: float = 1.0,
    shift: float = 1.5,
    invalid: Invalid = "raise",
) -> YieldMetrics:
    """Yield, defect rates, sigma level and throughput from production counts.

    Parameters
    ----------
    data : pandas.DataFrame
        Production rows: ``total_count``, ``good_count``; optional ``scrap_count``,
        ``rework_count``, ``run_time`` and ``planned_time`` [min].
    by : str or sequence of str or None, default ("line",)
        Group columns; ``None`` for one overall group.
    step : str, optional
        Column naming the process step (e.g. ``"machine"`` on a serial line): RTY
        multiplies the steps' FPYs, and ``steps`` holds the metrics per step.
    period : {"day", "week", "month"}, optional
        Also group by UTC day, ISO week (``"2026-W44"``) or month of *time*.
    time : str, default "period_start"
        Timestamp column assigning rows to periods.
    opportunities : float, default 1
        Opportunities for a defect per unit (DPMO denominator).
    shift : float, default 1.5
        Long-term shift added to Z for the sigma level (stated in the notes).
    invalid : {"raise", "exclude"}, default "raise"
        Rows with a missing or negative count, or ``good_count > total_count``, raise
        :class:`~leankit.errors.SchemaError`, or are excluded and recorded.

    Returns
    -------
    YieldMetrics
        ``to_frame()`` columns: group columns, ``period`` (if set), ``rows,
        total_count, good_count, defectives, scrap_count, rework_count, fpy, rty, dpu,
        dpmo, sigma_level, scrap_rate, rework_rate, run_time, planned_time,
        throughput_per_run_hour, throughput_per_planned_hour, note``.

    Raises
    ------
    ColumnNotFoundError
        If a needed column is missing (the message suggests close matches).
    SchemaError
        If a column has the wrong type, or rows are invalid and ``invalid="raise"``.
    InsufficientDataError
        If *data* has no (valid) rows.

    Warns
    -----
    DataQualityWarning
        A group or step without units (its yields are undefined and the ``note``
        says so), or excluded rows.

    See Also
    --------
    fpy, rty, dpmo, sigma_level, oee

    Notes
    -----
    Ratios of sums per group: ``FPY = Σgood / Σtotal`` (a reworked unit is not
    first-pass good), ``RTY = Π FPY_step``, ``DPU = Σ(total − good) / Σtotal`` (each
    unit not good first time counts as one defect; use :func:`dpmo` with the
    ``defects`` table for defect counts), ``DPMO = DPU / opportunities × 10⁶``,
    ``sigma level = Φ⁻¹(1 − DPMO / 10⁶) + shift``, ``scrap rate = Σscrap / Σtotal``,
    throughput ``= Σgood / (Σrun_time / 60)`` units per hour.

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import lean
    >>> df = pd.DataFrame({"line": "L1", "machine": ["M1", "M2"],
    ...     "total_count": [1000, 1000], "good_count": [980, 950],
    ...     "scrap_count": [10, 30], "rework_count": [10, 20],
    ...     "run_time": [400.0, 420.0], "planned_time": [450.0, 450.0]})
    >>> y = lean.yield_metrics(df, step="machine")
    >>> y.to_frame()[["line", "fpy", "rty", "dpmo", "sigma_level"]].round(4)
      line    fpy    rty     dpmo  sigma_level
    0   L1  0.965  0.931  35000.0       3.3119
    """
    return _compute(data, by=by, step=step, period=period, time=time,
                    opportunities=opportunities, shift=shift, invalid=invalid)


def fpy(
    data: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = ("line",),
    step: str | None = None,
    period: Period | None = None,
    time: str = "period_start",
    invalid: Invalid = "raise",
) -> pd.Series:
    """First-pass yield ``Σgood / Σtotal`` per group (and step), as a Series.

    Parameters are those of :func:`yield_metrics`. Reworked units are not first-pass
    good (``good_count`` counts units good first time through).

    Returns
    -------
    pandas.Series
        Named ``fpy``, indexed by the group columns, ``period`` (if set) and the step
        (a one-element Series indexed ``"all"`` without any).

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import lean
    >>> df = pd.DataFrame({"machine": ["M1", "M2", "M3"], "total_count": [100, 100, 100],
    ...                    "good_count": [98, 95, 99]})
    >>> f = lean.fpy(df, by=None, step="machine")
    >>> f.round(2).tolist(), round(lean.rty(f), 6)
    ([0.98, 0.95, 0.99], 0.92169)
    """
    res = _compute(data, by=by, step=step, period=period, time=time, opportunities=1.0,
                   shift=1.5, invalid=invalid)
    frame = res.steps if res.steps is not None else res.table
    idx = [*res.by] + (["period"] if period else []) + ([step] if step else [])
    if not idx:
        return pd.Series([float(frame["fpy"].iloc[0])], index=["all"], name="fpy")
    return frame.set_index(idx)["fpy"].rename("fpy")
