"""Subgroup statistics computed in the engine, and control charts built from them.

The one step of an analysis that touches every raw row is raw values -> subgroup
statistics. :func:`subgroup_stats` and :func:`count_stats` express it as an Ibis
group-by, so it runs where the data is (DuckDB over Parquet, PostgreSQL, Spark) and
only the small per-subgroup table comes back to pandas. :func:`chart_from_stats`
then builds a chart from that table (X̄-R, X̄-S, I-MR, EWMA, CUSUM, run, Z-MR and t
charts from the subgroup statistics; p, np, c, u, Laney p′ and u′ and g charts from the
counts) with the chart's own estimators, limit formulas and recursions, without the raw
values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import warnings
from collections.abc import Mapping, Sequence
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import pandas as pd

from leankit._days import day_start_utc
from leankit.errors import (
    ColumnNotFoundError,
    DataQualityWarning,
    InsufficientDataError,
    SchemaError,
    suggest,
)
from leankit.spc._charts import (
    Exclude,
    Missing,
    Rules,
    _finish_groups,
    _handle_missing,
    _make,
    _options,
)
from leankit.spc._constants import UnsupportedSubgroupError
from leankit.spc._cusum import _cusum_build, cusum_options
from leankit.spc._ewma import SUBGROUP_METHODS, _ewma_build, ewma_options, first_series
from leankit.spc._families import get_family
from leankit.spc._laney import _with_reading, check_standards
from leankit.spc._rare_events import g_chart, t_chart
from leankit.spc._results import ControlChart, Limits
from leankit.spc._rules import resolve_rules
from leankit.spc._run_chart import RunChart, _registry_run_chart
from leankit.spc._zmr import ZmrChart, _registry_zmr

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["chart_from_stats", "count_stats", "subgroup_stats"]

_C = TypeVar("_C", bound=ControlChart)

#: Chart types :func:`chart_from_stats` builds, by the input they need.
VARIABLE_TYPES = ("xbar_r", "xbar_s")
INDIVIDUAL_TYPES = ("i_mr",)
COUNT_TYPES = ("p", "np", "c", "u")
SMOOTHING_TYPES = ("ewma", "cusum")
LANEY_TYPES = ("laney_p", "laney_u")
#: Built by their raw constructors from rows made of the statistics (one row per point
#: or event; the g chart from the events counted per period).
POINT_TYPES = ("run", "zmr")
EVENT_TYPES = ("g", "t", "t_transform")
STATS_TYPES = (*VARIABLE_TYPES, *INDIVIDUAL_TYPES, *SMOOTHING_TYPES, *COUNT_TYPES,
               *LANEY_TYPES, *POINT_TYPES, *EVENT_TYPES)

def _as_table(table: Any) -> ir.Table:
    """An Ibis table: the expression itself, or a DataFrame as an in-process memtable."""
    import ibis
    import ibis.expr.types as ir

    if isinstance(table, ir.Table):
        return table
    if isinstance(table, pd.DataFrame):
        import pyarrow as pa

        # through Arrow: ibis's own pandas inference trips pandas 3 deprecation warnings
        return ibis.memtable(pa.Table.from_pandas(table, preserve_index=False))
    raise TypeError(
        "table must be an Ibis table expression (leankit.data.connect(...).scan(...)) "
        f"or a pandas DataFrame, got {type(table).__name__}"
    )


def _keys(by: str | Sequence[str] | None) -> list[str]:
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def _require(t: ir.Table, **cols: str | None) -> None:
    for c in cols.values():
        if c is not None and c not in t.columns:
            raise ColumnNotFoundError(c, t.columns)


def _run(expr: Any, what: str) -> pd.DataFrame:
    """Run an engine expression into pandas (a driver's error, or running out of memory,
    becomes a :class:`~leankit.data.SourceError` that says what to do)."""
    from leankit.data._source import _execute

    return _execute(expr, what)


def _utc(s: pd.Series) -> pd.Series:
    """Times as ``datetime64[us, UTC]`` whatever the engine returned (other columns, e.g.
    a sample number used as the time, as they are)."""
    if not pd.api.types.is_datetime64_any_dtype(s):
        if s.dtype != object or not s.map(lambda v: isinstance(v, dt.datetime)).all():
            return s
    s = pd.to_datetime(s)
    s = s.dt.tz_localize("UTC") if s.dt.tz is None else s.dt.tz_convert("UTC")
    return s.astype("datetime64[us, UTC]")


def subgroup_stats(table: Any, *, value: str = "value", subgroup: str | None = "subgroup",
                   time: str = "timestamp", by: str | Sequence[str] | None = None
                   ) -> pd.DataFrame:
    """Per-subgroup statistics of measured values, computed in the engine.

    Parameters
    ----------
    table : Ibis table expression or pandas.DataFrame
        Raw measurements, e.g. ``leankit.data.connect(DIR).scan("measurements")``. A
        DataFrame is computed by an in-process DuckDB.
    value, time : str
        Columns of the measured values and of their times.
    subgroup : str or None, default "subgroup"
        Column of the subgroup ids. Rows without one are left out (with a
        :class:`~leankit.errors.DataQualityWarning` saying how many). ``None``: every
        distinct time is a subgroup (individual values, for an I-MR chart).
    by : str or list of str, optional
        Further grouping columns (characteristic, line ...): one set of subgroups each.

    Returns
    -------
    pandas.DataFrame
        One row per subgroup, sorted by ``first`` (then by the keys): the *by*
        columns, ``subgroup``, ``n`` (non-missing values), ``missing`` (rows of the
        subgroup without a value, left out of the statistics), ``mean``, ``sd`` (n − 1
        denominator; NaN when n = 1), ``min``, ``max``, ``range``, ``first``, ``last``
        (times, UTC).

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"subgroup": ["a", "a", "b", "b"], "value": [1.0, 3.0, 2.0, 6.0],
    ...                     "timestamp": pd.to_datetime(["2026-01-05 08:00", "2026-01-05 08:01",
    ...                                                  "2026-01-05 09:00", "2026-01-05 09:02"],
    ...                                                 utc=True)})
    >>> subgroup_stats(raw)[["subgroup", "n", "mean", "sd", "range"]]
      subgroup  n  mean        sd  range
    0        a  2   2.0  1.414214    2.0
    1        b  2   4.0  2.828427    4.0
    """
    t = _as_table(table)
    keys = _keys(by)
    _require(t, value=value, time=time, subgroup=subgroup, **{f"by{i}": k for i, k in
                                                               enumerate(keys)})
    if subgroup is not None and subgroup in keys:
        raise ValueError(f"{subgroup!r} is both subgroup= and in by=")
    sub = subgroup if subgroup is not None else time
    x = t[value].cast("float64")
    agg = t.group_by([*keys, t[sub].name("subgroup")]).aggregate(
        n=x.count(), missing=x.isnull().sum(), mean=x.mean(), sd=x.std(how="sample"),
        min=x.min(), max=x.max(), first=t[time].min(), last=t[time].max())
    out = _run(agg, "subgroup statistics")
    if subgroup is not None:
        lost = out["subgroup"].isna()
        if lost.any():
            rows = int(pd.to_numeric(out.loc[lost, "n"]).sum()
                       + pd.to_numeric(out.loc[lost, "missing"]).fillna(0).sum())
            warnings.warn(
                f"{rows:,} row(s) have no subgroup id in {subgroup!r} and are left out "
                "of the subgroup statistics; give subgroup=None to treat each time as a "
                "subgroup of its own (individual values)", DataQualityWarning, stacklevel=2)
            out = out[~lost]
    out["n"] = out["n"].astype("int64")
    out["missing"] = pd.to_numeric(out["missing"]).fillna(0).astype("int64")
    for c in ("mean", "sd", "min", "max"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    out["range"] = out["max"] - out["min"]
    out["first"], out["last"] = _utc(out["first"]), _utc(out["last"])
    if subgroup is None:
        out["subgroup"] = _utc(out["subgroup"])
    cols = [*keys, "subgroup", "n", "missing", "mean", "sd", "min", "max", "range", "first",
            "last"]
    out = out[cols].sort_values(["first", *keys, "subgroup"], kind="stable")
    return out.reset_index(drop=True)


# ------------------------------------------------------------------ counts


def _offsets(tz: str, start: pd.Timestamp, end: pd.Timestamp
             ) -> tuple[list[pd.Timestamp], list[float]]:
    """The zone's UTC offsets (seconds) over ``[start, end]``: offset ``k`` applies from
    ``changes[k - 1]`` (inclusive) to ``changes[k]`` (exclusive)."""
    grid = pd.date_range(start.floor("D") - pd.Timedelta(days=2),
                         end.ceil("D") + pd.Timedelta(days=2), freq="15min", tz="UTC")
    local = grid.tz_convert(tz).tz_localize(None)
    off = (local - grid.tz_localize(None)).total_seconds().to_numpy(dtype=float)
    at = np.flatnonzero(off[1:] != off[:-1]) + 1
    return [grid[i] for i in at], [float(off[0]), *(float(off[i]) for i in at)]


def count_stats(table: Any, *, count: str = "count", size: str = "inspected",
                period: Literal["day", "week", "lot"] = "day",
                by: str | Sequence[str] | None = None, tz: str = "UTC",
                time: str = "timestamp", lot: str = "lot") -> pd.DataFrame:
    """Defect counts and units inspected per period, computed in the engine.

    The same numbers as the weekly report's count series: when every row has a
    *lot*, each inspection lot is one unit of account (its time is its earliest row,
    its count the sum of its rows, its units inspected the largest of its rows, so a
    lot's units are counted once); otherwise every row is a lot of its own. Lots are
    then summed per calendar day (or ISO week, Monday to Sunday) in the zone *tz*,
    or listed one per point (``period="lot"``).

    Parameters
    ----------
    table : Ibis table expression or pandas.DataFrame
        Defect rows, e.g. ``leankit.data.connect(DIR).scan("defects")``.
    count, size, time, lot : str
        Columns of the defect counts, units inspected, times and inspection lots.
    period : {"day", "week", "lot"}
        One point per local day, per local ISO week, or per lot.
    by : str or list of str, optional
        Further grouping columns (line, defect_type ...): one series each.
    tz : str, default "UTC"
        Time zone of the days and weeks (an IANA name such as ``Europe/Berlin``).

    Returns
    -------
    pandas.DataFrame
        The *by* columns, ``timestamp`` (start of the day or week in *tz*, as UTC; a
        lot's earliest time), ``count``, ``inspected``, ``label`` (``2026-11-02``,
        ``2026-W45`` or the lot id), sorted by time (then by the keys and label). A
        count or a number inspected with no value in the period is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"lot": ["a", "a", "b"], "count": [2, 1, 0],
    ...                     "inspected": [400, 400, 380],
    ...                     "timestamp": pd.to_datetime(["2026-01-05 08:00", "2026-01-05 08:00",
    ...                                                  "2026-01-05 23:30"], utc=True)})
    >>> count_stats(log, tz="Europe/Berlin")[["label", "count", "inspected"]]
            label  count  inspected
    0  2026-01-05      3        400
    1  2026-01-06      0        380
    """
    import ibis

    if period not in ("day", "week", "lot"):
        raise ValueError(f"period= must be 'day', 'week' or 'lot', got {period!r}")
    try:
        pd.Timestamp("2026-01-01", tz=tz)
    except Exception as exc:  # zoneinfo / pytz errors
        raise ValueError(f"tz={tz!r} is not a known time zone ({exc}); give an IANA name "
                         "such as 'Europe/Berlin' or 'UTC'") from None
    t = _as_table(table)
    keys = _keys(by)
    _require(t, count=count, size=size, time=time,
             **{f"by{i}": k for i, k in enumerate(keys)})
    has_lot = lot in t.columns
    facts = _run(t.aggregate(rows=t.count(), lots=(t[lot].count() if has_lot
                                                    else ibis.literal(0)),
                             start=t[time].min(), end=t[time].max()), "count summary")
    rows, lots_n = int(facts["rows"].iloc[0]), int(facts["lots"].iloc[0])
    out_cols = [*keys, "timestamp", "count", "inspected", "label"]
    if rows == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in out_cols})
    by_lot = has_lot and lots_n == rows
    if by_lot:
        lots = t.group_by([*keys, t[lot].name("label")]).aggregate(
            timestamp=t[time].min(), count=t[count].sum(), inspected=t[size].max())
    else:
        lots = t.select(*keys, timestamp=t[time], count=t[count], inspected=t[size])
    if period == "lot":
        out = _run(lots, "counts per lot")
        if not by_lot:
            out["timestamp"] = _utc(out["timestamp"])
            out = out.sort_values(["timestamp", *keys], kind="stable").reset_index(drop=True)
            out["label"] = [str(i) for i in range(len(out))]
        out["timestamp"] = _utc(out["timestamp"])
        out = _fill(out)
        return out[out_cols].sort_values(["timestamp", *keys, "label"], kind="stable"
                                         ).reset_index(drop=True)
    start, end = _utc(facts["start"]).iloc[0], _utc(facts["end"]).iloc[0]
    changes, offsets = _offsets(tz, start, end)
    ts = lots["timestamp"]
    if changes:
        offset: Any = ibis.cases(*[(ts < ibis.timestamp(c.isoformat()), o)
                                   for c, o in zip(changes, offsets, strict=False)],
                                 else_=offsets[-1])
    else:
        offset = ibis.literal(offsets[0])
    local_day = ((ts.epoch_seconds().cast("float64") + offset) / 86400.0).floor()
    bucket = ((local_day + 3) / 7).floor() if period == "week" else local_day
    per = lots.group_by([*keys, bucket.cast("int64").name("bucket")]).aggregate(
        count=lots["count"].sum(), inspected=lots["inspected"].sum())
    out = _fill(_run(per, f"counts per {period}"))
    days = out["bucket"].to_numpy(dtype=np.int64) * (7 if period == "week" else 1) - (
        3 if period == "week" else 0)
    local = pd.to_datetime(days, unit="D")
    fmt = "%G-W%V" if period == "week" else "%Y-%m-%d"
    out["label"] = local.strftime(fmt)
    out["timestamp"] = (day_start_utc(pd.Series(local), tz)
                        .astype("datetime64[us, UTC]").to_numpy())
    out["timestamp"] = _utc(out["timestamp"])
    return out[out_cols].sort_values(["timestamp", *keys, "label"], kind="stable"
                                     ).reset_index(drop=True)


def _fill(out: pd.DataFrame) -> pd.DataFrame:
    for c in ("count", "inspected"):
        col = pd.to_numeric(out[c], errors="coerce").fillna(0)
        whole = bool(np.all(np.mod(col.to_numpy(dtype=float), 1) == 0))
        out[c] = col.astype("int64") if whole else col.astype("float64")
    return out


# ------------------------------------------------------------------ charts


class _StatsSummariser:
    """Per-subgroup statistics -> the chart engine's subgroup table (no raw values).

    A plain object (like the engine's own summariser), so ``chart.monitor(new_stats)``
    works and a chart pickles.
    """

    def __init__(self, chart: str, columns: Mapping[str, str | None], time: str | None,
                 stage: str | None, exclude: Exclude, missing: Missing,
                 opts: Mapping[str, Any]) -> None:
        self.chart, self.columns, self.time, self.stage = chart, dict(columns), time, stage
        self.exclude, self.missing, self.opts = exclude, missing, opts

    def __call__(self, df: pd.DataFrame, use_exclude: bool = True
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
        if not isinstance(df, pd.DataFrame):
            raise TypeError("chart_from_stats needs the DataFrame of subgroup_stats or "
                            f"count_stats, got {type(df).__name__}")
        fam = get_family(self.chart)
        cols = self.columns
        need = [c for c in cols.values() if c]
        keep = [*need, *(c for c in (self.time, self.stage) if c)]
        if use_exclude and isinstance(self.exclude, str):
            keep.append(self.exclude)
        for c in keep:
            if c not in df.columns:
                raise ColumnNotFoundError(c, [str(x) for x in df.columns],
                                          what="the statistics table")
        # sd and range are not checked here: NaN for n = 1 (refused below as too small)
        check = [c for c in dict.fromkeys(need) if c not in (
            cols["subgroup"], cols.get("sd"), cols.get("range"))]
        df, excl = _handle_missing(df, check, self.missing)
        if df.empty:
            raise InsufficientDataError("no subgroups left to chart (all missing or empty)")
        key = df[cols["subgroup"]] if cols["subgroup"] else pd.Series(df.index, index=df.index)
        if not key.is_unique:
            dup = key[key.duplicated()].head(3).tolist()
            raise SchemaError(
                f"chart_from_stats needs one row per subgroup, but {dup} repeat in "
                f"{cols['subgroup'] or 'the index'}; give by= columns to subgroup_stats "
                "and chart each group on its own (or filter one first)")
        n = pd.to_numeric(df[cols["n"]], errors="coerce").to_numpy(dtype=float) if cols.get(
            "n") else None
        if fam.input == "subgroups":
            assert n is not None
            sd = (df[cols["sd"]].to_numpy(dtype=float) if cols.get("sd")
                  else np.full(len(df), np.nan))
            rng = (df[cols["range"]].to_numpy(dtype=float) if cols.get("range")
                   else np.full(len(df), np.nan))
            groups = pd.DataFrame({"n": n.astype(np.int64), "mean": df[cols["mean"]].to_numpy(
                dtype=float), "range": rng, "sd": sd}, index=key.to_numpy())
            small = groups.index[groups["n"] < fam.min_size]
            if len(small):
                raise UnsupportedSubgroupError(
                    f"{self.chart} needs subgroups of at least {fam.min_size} values; "
                    f"subgroup(s) {list(small[:5])} have fewer. Chart individual values "
                    "with type='i_mr' (subgroup_stats(..., subgroup=None)), or drop them.")
        elif fam.input == "values":
            assert n is not None
            if not bool(np.all(n == 1)):
                bad = key.to_numpy()[np.flatnonzero(n != 1)[:5]].tolist()
                raise UnsupportedSubgroupError(
                    f"i_mr charts one value per point, but subgroup(s) {bad} have n != 1; "
                    "use type='xbar_s' or 'xbar_r' for subgroups, or subgroup_stats(..., "
                    "subgroup=None) for individual values")
            groups = pd.DataFrame({"n": 1, "value": df[cols["mean"]].to_numpy(dtype=float)},
                                  index=key.to_numpy())
        else:
            cnt = pd.to_numeric(df[cols["count"]], errors="coerce")
            sz = (pd.to_numeric(df[cols["size"]], errors="coerce") if cols.get("size")
                  else pd.Series(1.0, index=df.index))
            if (cnt < 0).any() or (sz <= 0).any():
                bad = df[(cnt < 0) | (sz <= 0)].head(5)
                raise SchemaError(f"{self.chart}_chart: counts must be >= 0 and sizes > 0; "
                                  f"offending rows: {bad.index.tolist()}", failure_cases=bad)
            groups = pd.DataFrame({"n": sz.to_numpy(), "count": cnt.to_numpy(),
                                   "size": sz.to_numpy()}, index=key.to_numpy())
        if fam.check is not None:
            fam.check(groups, df, self.opts)
        out = _finish_groups(groups, df, key=key, time=self.time, stage=self.stage,
                             exclude=self.exclude if use_exclude else None,
                             sub_col=cols["subgroup"], one_row_each=True)
        return out, excl


def _known(chart: str, standards: Mapping[str, float | None] | None,
           settings: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """Known parameters of *chart* from ``standards=`` and the constructor-style settings
    (``mu=``, ``sigma=``, ``p=``, ``sigma_z=`` ...), popped from *settings*."""
    out = {k: v for k, v in (standards or {}).items() if v is not None}
    other = sorted(set(out) - set(names))
    if other:
        raise ValueError(f"standards= of a {chart} chart may give {', '.join(names)}; got "
                         f"{', '.join(other)}")
    for name in names:
        value = settings.pop(name, None)
        if value is None:
            continue
        if name in out and out[name] != value:
            raise ValueError(f"{name}= is given twice ({name}={value!r} and standards="
                             f"{{{name!r}: {out[name]!r}}}); give it once")
        out[name] = value
    return out


def _smoothing_chart(chart: str, stats: pd.DataFrame, *, columns: dict[str, str | None],
                     spreads: Mapping[str, str], time: str | None, stage: str | None,
                     exclude: Exclude, missing: Missing,
                     rules: Rules | EllipsisType,
                     rule_params: Mapping[str, Mapping[str, Any]] | None, nsigmas: float,
                     limits: Limits | Mapping[str, Any] | str | None,
                     standards: Mapping[str, float | None] | None,
                     settings: dict[str, Any]) -> ControlChart:
    """An EWMA or CUSUM chart from subgroup statistics: the raw constructor's settings
    checks, points (subgroup means, or individual values when every n is 1), estimators
    and build, with :class:`_StatsSummariser` in place of the raw rows' summariser."""
    known = _known(chart, standards, settings, ("mu", "sigma"))
    allowed = (("lam", "sigma_method", "span") if chart == "ewma"
               else ("k", "h", "head_start", "sigma_method", "span"))
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise TypeError(f"{chart} got unexpected setting(s) {', '.join(unknown)}"
                        f"{suggest(unknown[0], allowed)} Its settings: "
                        f"{', '.join(sorted((*allowed, 'mu', 'sigma')))}")
    resolve_rules(None if rules is ... else rules, params=rule_params)  # checked, as raw
    common: dict[str, Any] = dict(
        mu=known.get("mu"), sigma=known.get("sigma"),
        sigma_method=settings.get("sigma_method"), span=settings.get("span", 2),
        value=columns["mean"], subgroup=columns["subgroup"], time=time, stage=stage)
    if chart == "ewma":
        opts = ewma_options(lam=settings.get("lam", 0.2), nsigmas=nsigmas,
                            limits="time_varying" if limits is None else limits, **common)
    else:
        if isinstance(limits, str):
            raise TypeError(f"limits={limits!r}: the limits of a CUSUM are h; limits= takes "
                            "the frozen Limits of an earlier CUSUM (chart.frozen_limits())")
        opts = cusum_options(k=settings.get("k", 0.5), h=settings.get("h", 5.0),
                             head_start=settings.get("head_start", 0.0), nsigmas=nsigmas,
                             limits=limits, **common)
    summarize = _StatsSummariser(chart, columns, time, stage, exclude, missing, opts)
    series = first_series(stats, summarize, opts)
    g = series.groups
    if opts["limits"] is None and "sigma" not in opts["standards"]:
        # sigma is estimated from the baseline: the spread its estimator reads must be there
        base = (g["phase"] == "I").to_numpy(dtype=bool) & ~g["excluded"].to_numpy(dtype=bool)
        method = opts["sigma_method"] or "rbar"
        spread = "range" if method == "rbar" else "sd"
        if bool((g["n"].to_numpy()[base] > 1).any()) and method in SUBGROUP_METHODS and (
                columns.get(spread) is None):
            words = "ranges" if spread == "range" else "standard deviations"
            raise ColumnNotFoundError(
                spreads[spread], [str(c) for c in stats.columns],
                what=f"the statistics table (sigma_method={method!r} estimates sigma from "
                     f"the subgroups' {words})")
    build = _ewma_build if chart == "ewma" else _cusum_build
    return build(series, opts)


# ------------------------------------------------------------- run, Z-MR, g and t charts
# These families are built by their raw constructors (spc.run_chart, spc.zmr, spc.g_chart,
# spc.t_chart) from rows made of the statistics: a point's mean (run, Z-MR), an event's
# time (t), the event-free periods between events (g). A monitor() wrapper checks (and,
# for the g chart, turns into gaps) each further statistics table the same way.


def _need(stats: pd.DataFrame, *cols: str | None, why: str = "") -> None:
    for c in cols:
        if c is not None and c not in stats.columns:
            raise ColumnNotFoundError(c, [str(x) for x in stats.columns],
                                      what="the statistics table" + why)


def _one_per_point(chart: str, stats: pd.DataFrame, subgroup: str | None) -> None:
    """Point labels must be unique (one row per point), as the raw constructors need."""
    if subgroup is None:
        return
    key = stats[subgroup]
    if not key.is_unique:
        dup = key[key.duplicated()].head(3).tolist()
        raise SchemaError(
            f"a {chart} chart from statistics needs one row per point, but {dup} repeat "
            f"in {subgroup!r} (several rows of the table share a subgroup or time, e.g. "
            "one per by= group); chart each group on its own (filter one first) or give "
            "subgroup= a column that is unique")


def _check_settings(chart: str, settings: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise TypeError(f"{chart} got unexpected setting(s) {', '.join(unknown)}"
                        f"{suggest(unknown[0], allowed) or ';'} Its settings: "
                        f"{', '.join(sorted(allowed))}")


def _no_standards(chart: str, standards: Mapping[str, float | None] | None,
                  instead: str) -> None:
    if any(v is not None for v in (standards or {}).values()):
        raise TypeError(f"a {chart} chart takes no standards=: {instead}")


class _RowCheck:
    """The statistics rows a Z-MR or t chart accepts: at most ``most`` values (Z-MR: one
    reading) or exactly one raw row (t: one event) per row. A plain object (pickles)."""

    def __init__(self, chart: str, n: str, missing_col: str | None, subgroup: str | None
                 ) -> None:
        self.chart, self.n, self.missing_col, self.subgroup = chart, n, missing_col, subgroup

    def __call__(self, stats: pd.DataFrame) -> tuple[pd.DataFrame, _RowCheck, None]:
        if not isinstance(stats, pd.DataFrame):
            raise TypeError("chart_from_stats needs the DataFrame of subgroup_stats, got "
                            f"{type(stats).__name__}")
        if self.chart == "zmr":
            _need(stats, self.n, why=" (n: values per row; a Z-MR chart takes one each)")
        elif self.n not in stats.columns:
            hint = (": it looks like count_stats' counts per period; a t chart needs "
                    "each event's time, one row per event (subgroup_stats(event_log, "
                    "value=..., subgroup=None), first = the event's time), or chart the "
                    "event-free periods between events with type='g'"
                    if "count" in stats.columns else
                    " (n: rows per event; subgroup_stats(event_log, value=..., "
                    "subgroup=None) gives one row per event time)")
            raise ColumnNotFoundError(self.n, [str(x) for x in stats.columns],
                                      what="the statistics table" + hint)
        n = pd.to_numeric(stats[self.n], errors="coerce").fillna(0).to_numpy(dtype=float)
        key = (stats[self.subgroup] if self.subgroup else pd.Series(stats.index))
        if self.chart == "zmr":
            bad = np.flatnonzero(n > 1)
            if len(bad):
                raise UnsupportedSubgroupError(
                    f"a Z-MR chart plots individual values, but row(s) "
                    f"{key.to_numpy()[bad[:5]].tolist()} hold n = "
                    f"{n[bad[:5]].astype(int).tolist()} values (several readings of a part "
                    "at one time, or subgroups); build the statistics with "
                    "subgroup_stats(..., subgroup=None, by=PART) of individual readings, or "
                    "chart subgroups with type='xbar_s'")
            return stats, self, None
        rows = n + (pd.to_numeric(stats[self.missing_col], errors="coerce").fillna(0)
                    .to_numpy(dtype=float) if self.missing_col in stats.columns else 0.0)
        bad = np.flatnonzero(rows != 1)
        if len(bad):
            raise SchemaError(
                f"a t chart from statistics needs one row per event, but row(s) "
                f"{key.to_numpy()[bad[:5]].tolist()} stand for "
                f"{rows[bad[:5]].astype(int).tolist()} rows of the event log: events at "
                "one time are 0 apart, which a t chart cannot plot (t_chart refuses a gap "
                "of 0 too), and subgroups are not events. Record the times more precisely, "
                "merge simultaneous events, or chart the event-free periods between events "
                "with type='g' (count_stats)", failure_cases=stats.iloc[bad[:20]])
        return stats, self, None


class _GapRows:
    """Counts per period -> one row per gap between consecutive events (the g chart's
    points), as :func:`leankit.spc.advise`'s ``event_gaps`` computes them; ``lead`` is the
    number of event-free periods after the last event already on the chart (monitoring).
    A plain object, so a chart built from counts pickles and monitors."""

    def __init__(self, *, count: str, subgroup: str | None, time: str | None,
                 stage: str | None, exclude: str | None, missing: Missing, gap: str,
                 label: str, lead: int | None = None) -> None:
        self.count, self.subgroup, self.time, self.stage = count, subgroup, time, stage
        self.exclude, self.missing, self.gap, self.label = exclude, missing, gap, label
        self.lead = lead

    def gaps(self, stats: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int,
                                                 dict[Any, list[Any]]]:
        """(gap rows, exclusions, event-free periods after the last event, gap labels
        of each period label)."""
        if not isinstance(stats, pd.DataFrame):
            raise TypeError("chart_from_stats needs the DataFrame of count_stats, got "
                            f"{type(stats).__name__}")
        _need(stats, self.count, why=" (a g chart reads the events counted per period: "
                                     "count_stats(...)'s count column, or count=)")
        _need(stats, self.subgroup, self.time, self.stage, self.exclude)
        df, excl = _handle_missing(stats, [self.count], self.missing)
        c = pd.to_numeric(df[self.count], errors="coerce")
        if c.isna().any():
            bad = df[c.isna()].head(5)
            raise SchemaError(f"g chart: the counts in {self.count!r} must be numbers; rows "
                              f"{bad.index.tolist()} are not", failure_cases=bad)
        x = c.to_numpy(dtype=float)
        wrong = (x < 0) | (x != np.round(x))
        if wrong.any():
            bad = df[wrong].head(5)
            raise SchemaError(
                f"g chart: the events per period in {self.count!r} must be whole numbers "
                f">= 0; rows {bad.index.tolist()} have {x[wrong][:5].tolist()}",
                failure_cases=bad)
        if self.time is not None:
            df = df.iloc[np.argsort(df[self.time].to_numpy(), kind="stable")]
            x = pd.to_numeric(df[self.count]).to_numpy(dtype=float)
        _one_per_point("g", df, self.subgroup)
        m = len(df)
        pos = np.repeat(np.arange(m), x.astype(np.int64))
        if self.lead is not None:
            pos = np.concatenate([[-self.lead - 1], pos])
        elif len(pos) < 2:
            raise InsufficientDataError(
                f"a g chart needs at least 2 events (the first only starts the first gap); "
                f"the {m} period(s) of the table hold {len(pos)}. Chart a longer period")
        trailing = (m - 1 - int(pos[-1])) if len(pos) else (self.lead or 0) + m
        closing = pos[1:]
        periods = (df[self.subgroup] if self.subgroup else pd.Series(df.index, index=df.index)
                   ).to_numpy(dtype=object)
        labels: list[Any] = []
        of_period: dict[Any, list[Any]] = {}
        for i in closing:
            key = periods[i]
            have = of_period.setdefault(key, [])
            have.append(key if not have else f"{key} ({len(have) + 1})")
            labels.append(have[-1])
        rows = df.iloc[closing].copy()
        rows[self.gap] = np.maximum(np.diff(pos) - 1, 0).astype(np.int64)
        rows[self.label] = pd.Series(labels, index=rows.index, dtype=object)
        return rows.reset_index(drop=True), excl, trailing, of_period

    def __call__(self, stats: pd.DataFrame
                 ) -> tuple[pd.DataFrame, _GapRows, pd.DataFrame | None]:
        rows, excl, trailing, _ = self.gaps(stats)
        nxt = _GapRows(count=self.count, subgroup=self.subgroup, time=self.time,
                       stage=self.stage, exclude=self.exclude, missing=self.missing,
                       gap=self.gap, label=self.label, lead=trailing)
        return rows, nxt, excl


class _StatsMonitor:
    """``monitor()`` of a chart built from statistics by its raw constructor: the new
    statistics go through *rows* (checked; for a g chart turned into gaps) before the raw
    chart's own monitor scores them. Pickles when the raw chart's monitor does."""

    def __init__(self, inner: Any, rows: Any) -> None:
        self.inner, self.rows = inner, rows
        self.picklable = bool(getattr(inner, "picklable", False))

    def __call__(self, new_stats: pd.DataFrame) -> ControlChart:
        rows, nxt, excl = self.rows(new_stats)
        if len(rows) == 0:
            raise InsufficientDataError(
                "monitor(): the new statistics add no point (a g chart plots one point per "
                "event, and these periods hold no event); monitor them together with the "
                "next periods")
        out = self.inner(rows)
        assert isinstance(out, ControlChart)
        if excl is not None and len(excl):  # periods without a count (missing="exclude")
            out = dataclasses.replace(out, exclusions=pd.concat(
                [out.exclusions, excl], ignore_index=True))
        return _monitored(out, nxt)


def _monitored(chart: _C, rows: Any) -> _C:
    return dataclasses.replace(chart, _monitor=_StatsMonitor(chart._monitor, rows))


def _run_from_stats(stats: pd.DataFrame, *, mean: str, subgroup: str | None,
                    time: str | None, stage: str | None, exclude: Exclude,
                    rules: Rules | EllipsisType, rule_params: Any, dispersion_rules: Rules,
                    nsigmas: float, limits: Any, standards: Any, missing: Missing,
                    settings: dict[str, Any]) -> RunChart:
    """The run chart of the subgroup means (n = 1: of the values), by ``spc.run_chart``."""
    _check_settings("run", settings, ("center", "tests", "trend_points", "min_points"))
    _no_standards("run", standards, "give center= a number (a target, or an earlier "
                  "median) instead")
    _need(stats, mean, subgroup, time, stage)
    _one_per_point("run", stats, subgroup)
    if dispersion_rules != "limits":
        raise TypeError("a run chart has one panel: dispersion_rules= does not apply")
    chart = _registry_run_chart(
        stats, rules=None if rules is ... else rules, nsigmas=nsigmas,
        tests=settings.pop("tests", None), limits=limits, rule_params=rule_params,
        value=mean, time=time, subgroup=subgroup, stage=stage, exclude=exclude,
        missing=missing, **settings)
    return chart


def _zmr_from_stats(stats: pd.DataFrame, *, n: str, mean: str, subgroup: str | None,
                    time: str | None, stage: str | None, exclude: Exclude,
                    rules: Rules | EllipsisType, rule_params: Any, dispersion_rules: Rules,
                    nsigmas: float, limits: Any, standards: Any, missing: Missing,
                    settings: dict[str, Any]) -> ZmrChart:
    """The Z-MR chart of individual values (n = 1 per row), by ``spc.zmr``."""
    _check_settings("zmr", settings, ("part", "sigma_method", "mr_method", "span",
                                      "nominal"))
    _no_standards("zmr", standards, "its known part means and sigmas are nominal= "
                  "({part: (mean, sigma)} or chart.frozen_parts())")
    part = settings.pop("part", None)
    if part is None:
        raise TypeError("zmr needs part= (the column of part numbers): build the statistics "
                        "with subgroup_stats(table, subgroup=None, by=PART) and pass "
                        "part=PART")
    _need(stats, mean, part, subgroup, time, stage)
    rows, check, _ = _RowCheck("zmr", n, None, subgroup)(stats)
    _one_per_point("zmr", stats, subgroup)
    chart = _registry_zmr(
        rows, value=mean, part=part, time=time, subgroup=subgroup, stage=stage,
        exclude=exclude, rules="we" if rules is ... else rules, rule_params=rule_params,
        dispersion_rules=dispersion_rules, nsigmas=nsigmas, missing=missing, limits=limits,
        **settings)
    return _monitored(chart, check)


def _g_from_stats(stats: pd.DataFrame, *, count: str, subgroup: str | None,
                  time: str | None, stage: str | None, exclude: Exclude,
                  rules: Rules | EllipsisType, rule_params: Any, nsigmas: float,
                  limits: Any, standards: Any, missing: Missing,
                  settings: dict[str, Any]) -> ControlChart:
    """The g chart of the event-free periods between events, by ``spc.g_chart``."""
    _check_settings("g", settings, ("method", "center", "gbar"))
    known = _known("g", standards, settings, ("gbar",))
    taken = {str(c) for c in stats.columns}
    gap, label = "gap", "point"
    while gap in taken:
        gap = "_" + gap
    while label in taken or label == gap:
        label = "_" + label
    make = _GapRows(count=count, subgroup=subgroup, time=time, stage=stage,
                    exclude=exclude if isinstance(exclude, str) else None, missing=missing,
                    gap=gap, label=label)
    rows, excl, trailing, of_period = make.gaps(stats)
    if exclude is not None and not isinstance(exclude, str):
        # periods -> the gaps their events close
        items = (exclude.items() if isinstance(exclude, Mapping)
                 else ((k, "excluded") for k in exclude))
        expanded: dict[Any, str] = {}
        for key, reason in items:
            if key in of_period:
                expanded.update(dict.fromkeys(of_period[key], reason))
            elif key in set(rows[label]):
                expanded[key] = reason
            else:
                raise ValueError(
                    f"exclude= names {key!r}, which closes no gap between events (a period "
                    "without an event, the first event's period, or not in the table); "
                    "the g chart's points are the periods of the events "
                    f"(e.g. {list(rows[label][:5])!r})")
        exclude = expanded
    kwargs: dict[str, Any] = dict(
        value=gap, subgroup=label, time=time, stage=stage, exclude=exclude,
        rules="limits" if rules is ... else rules, rule_params=rule_params, nsigmas=nsigmas,
        limits=limits, gbar=known.get("gbar"), missing="raise", **settings)
    chart = g_chart(rows, **kwargs)
    assert isinstance(chart, ControlChart)
    if len(excl):
        chart = dataclasses.replace(chart, exclusions=pd.concat(
            [excl, chart.exclusions], ignore_index=True))
    nxt = _GapRows(count=count, subgroup=subgroup, time=time, stage=stage,
                   exclude=make.exclude, missing=missing, gap=gap, label=label,
                   lead=trailing)
    return _monitored(chart, nxt)


def _t_from_stats(chart_id: str, stats: pd.DataFrame, *, n: str, subgroup: str | None,
                  time: str | None, stage: str | None, exclude: Exclude,
                  rules: Rules | EllipsisType, rule_params: Any, nsigmas: float,
                  limits: Any, standards: Any, missing: Missing,
                  settings: dict[str, Any]) -> ControlChart:
    """The t chart of the times between events (one statistics row per event, its time
    ``first``), by ``spc.t_chart``."""
    _check_settings(chart_id, settings, ("unit", "method", "shape", "scale"))
    method = settings.pop("method", "weibull" if chart_id == "t" else "transform")
    if chart_id == "t_transform" and method != "transform":
        raise ValueError("the t_transform chart is t_chart(..., method='transform'); use "
                         "type='t' for the Weibull limits")
    known = _known(chart_id, standards, settings, ("shape", "scale"))
    if rule_params:
        raise TypeError("a t chart takes no rule_params=: its only rule is a point beyond "
                        "the limits")
    rows, check, _ = _RowCheck("t", n, "missing", subgroup)(stats)
    if time is None:
        raise TypeError("a t chart needs each event's time: give time= (subgroup_stats' "
                        "first column is the default)")
    _need(stats, time, subgroup, stage)
    _one_per_point(chart_id, stats, subgroup)
    kwargs: dict[str, Any] = dict(
        events=time, subgroup=subgroup, stage=stage, exclude=exclude,
        rules="limits" if rules is ... else rules, method=method, shape=known.get("shape"),
        scale=known.get("scale"), nsigmas=nsigmas, limits=limits, missing=missing,
        **settings)
    chart = t_chart(rows, **kwargs)
    assert isinstance(chart, ControlChart)
    return _monitored(chart, check)


def chart_from_stats(stats: pd.DataFrame, type: str, *, subgroup: str | None = None,
                     time: str | None = None, stage: str | None = None,
                     exclude: Exclude = None, rules: Rules | EllipsisType = ...,
                     rule_params: Mapping[str, Mapping[str, Any]] | None = None,
                     dispersion_rules: Rules = "limits", nsigmas: float = 3.0,
                     limits: Limits | Mapping[str, Any] | str | None = None,
                     standards: Mapping[str, float | None] | None = None,
                     missing: Missing = "raise", n: str = "n", mean: str = "mean",
                     sd: str = "sd", range: str = "range", count: str = "count",
                     size: str | None = "inspected", **settings: Any) -> ControlChart:
    """A control chart from per-subgroup statistics, without the raw values.

    The chart's own estimators, limit formulas, recursions and run rules are applied to
    the table of :func:`subgroup_stats` (``xbar_r``, ``xbar_s``, ``i_mr``, ``ewma``,
    ``cusum``, ``run``, ``zmr``, ``t``, ``t_transform``) or of :func:`count_stats`
    (``p``, ``np``, ``c``, ``u``, ``laney_p``, ``laney_u``, ``g``), so the chart is the
    one built from the raw rows (``spc.xbar_s(raw, ...)``, ``spc.ewma(raw, ...)`` ...) up
    to the rounding of the engine's sums (about 1e-15 relative). What needs the raw
    values is not available: ``chart.data`` holds one row per subgroup, not the values.

    The run, Z-MR, g and t charts are built by their own constructors
    (:func:`~leankit.spc.run_chart`, :func:`~leankit.spc.zmr`,
    :func:`~leankit.spc.g_chart`, :func:`~leankit.spc.t_chart`, with their settings and
    checks) from rows made of the statistics:

    * ``run``: the run chart of the subgroup means (``mean``; n = 1: of the values), in
      time order: ``run_chart(stats, value="mean", subgroup="subgroup", time="first")``
      (``run_chart`` itself refuses repeated labels; for subgroups it is the run chart
      of their means).
    * ``zmr``: individual values, one per row (n = 1, or 0 for a missing value; n > 1
      is refused), from ``subgroup_stats(table, subgroup=None, by=PART)`` and
      ``part=PART``: ``zmr(raw, value=, part=, time=)`` when each time holds one reading.
    * ``g``: the number of event-free periods (rows of ``count_stats``: days, weeks or
      lots) between consecutive events, ``count`` being the events of a period: a period
      with k events closes k gaps, the first measured from the previous event, the others
      0 (events in one period). The gaps of :meth:`Advice.transform`'s ``event_gaps``;
      with at most one event per period ``g_chart(events=<period number>)``. The units
      inspected are not used (the periods are assumed comparable); periods not in the
      table (no rows) are not counted. A point is labelled by its period (the k-th gap
      a period closes: ``"<label> (k)"``); ``exclude=`` names periods (all gaps their
      events close) or points.
    * ``t``, ``t_transform``: one row per event (n + missing = 1, e.g.
      ``subgroup_stats(event_log, value=..., subgroup=None)``), its time ``first``:
      ``t_chart(raw, events=time)`` on the same events. Rows of several events (0 apart)
      are refused, as ``t_chart`` refuses a gap of 0; counts per period have no event
      times and are refused too.

    Parameters
    ----------
    stats : pandas.DataFrame
        One row per subgroup (point), in any order: points are plotted by *time*.
    type : {"xbar_r", "xbar_s", "i_mr", "ewma", "cusum", "p", "np", "c", "u", \
"laney_p", "laney_u", "run", "zmr", "g", "t", "t_transform"}
        The chart. X̄-R reads ``n, mean, range``; X̄-S ``n, mean, sd``; I-MR ``n`` (all
        1) and ``mean``; EWMA and CUSUM ``n, mean`` and the spread their sigma
        estimator reads (``range`` for ``sigma_method="rbar"``, the default for
        subgroups; ``sd`` for ``"sbar"``/``"pooled"``; none for individual values, n
        all 1, with ``"mrbar"``, ``"median_mr"`` or ``"sd"``); attribute and Laney charts
        ``count`` and *size*; run ``mean``; Z-MR ``n, mean`` and the *part* column; g
        ``count``; t ``n`` (and ``missing``) and the event time.
    subgroup : str, optional
        Column of the point labels; default ``subgroup`` (variables, run, Z-MR, t) or
        ``label`` (counts, g) when the table has it, else the row index.
    time : str, optional
        Column that orders the points; default ``first`` (variables, run, Z-MR, t: the
        event time) or ``timestamp`` (counts, g) when the table has it.
    stage, exclude, rules, rule_params, dispersion_rules, nsigmas, missing
        As for :func:`leankit.spc.xbar_r` and the other constructors (EWMA: ``nsigmas``
        is L; CUSUM: its limit is ``h=``; run: ``rules=`` names its tests; g:
        ``"limits"`` or ``"below"``).
    limits : Limits, or {"time_varying", "asymptotic"} for an EWMA, optional
        Frozen limits of an earlier chart of the same type (all points Phase II); an
        EWMA's kind of limits, as for :func:`leankit.spc.ewma`. Run and Z-MR charts take
        none (``center=``, ``nominal=`` instead).
    standards : mapping, optional
        Known parameters (``{"mu": .., "sigma": ..}``, ``{"p": ..}``, ``{"gbar": ..}``,
        ``{"shape": .., "scale": ..}`` ...); the constructors' own names (``mu=``,
        ``sigma=``, ``p=``, ``u=``, ``sigma_z=``, ``gbar=``, ``shape=``, ``scale=``) work
        as settings too.
    n, mean, sd, range, count, size : str
        Column names of the statistics (``size=None`` for a c chart without sizes).
    **settings
        The family's settings, as for its constructor, e.g. ``sigma_method="pooled"``,
        ``span=3``, ``lam=0.1`` (EWMA), ``k=``, ``h=``, ``head_start=`` (CUSUM),
        ``center=``, ``tests=``, ``trend_points=``, ``min_points=`` (run), ``part=``
        (required), ``sigma_method=``, ``mr_method=``, ``span=``, ``nominal=`` (Z-MR),
        ``method=``, ``center=`` (g), ``unit=`` (t).

    Returns
    -------
    ControlChart
        As the family's constructor returns it (a :class:`~leankit.spc.RunChart`,
        :class:`~leankit.spc.ZmrChart` ...); ``monitor(new_stats)`` scores further
        statistics against the frozen limits (an EWMA or CUSUM continues its recursion;
        a g chart counts the event-free periods since its last event, a t chart the time
        since it).

    Raises
    ------
    ValueError
        A chart family that is not built from statistics (one registered by a plug-in).
    SmoothingChartError
        An invalid EWMA or CUSUM setting (λ outside (0, 1], h <= 0 ...), as the raw
        constructors raise it.
    ColumnNotFoundError
        A statistics column is not in the table.
    UnsupportedSubgroupError
        Subgroups too small for the chart (X̄-R, X̄-S), n != 1 for I-MR, n > 1 for Z-MR.
    SchemaError
        Negative or fractional event counts (g), rows of several events (t), repeated
        point labels.
    InsufficientDataError
        Fewer than 2 events (g), or new statistics without an event for a g chart's
        ``monitor()`` (it adds one point per event).

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> rings = datasets.piston_rings().head(125)
    >>> stats = spc.subgroup_stats(rings, value="diameter", subgroup="sample", time="sample")
    >>> chart = spc.chart_from_stats(stats, "xbar_r")
    >>> raw = spc.xbar_r(rings, value="diameter", subgroup="sample")
    >>> abs(chart.limits["ucl"] - raw.limits["ucl"]).max() < 1e-12
    np.True_

    An EWMA of the subgroup means (λ = 0.2, L = 3, sigma from R̄/d2), and the next
    15 samples' statistics scored against its frozen parameters:

    >>> rings = datasets.piston_rings()
    >>> every = spc.subgroup_stats(rings, value="diameter", subgroup="sample", time="sample")
    >>> ewma = spc.chart_from_stats(every.head(25), "ewma", lam=0.2)
    >>> ewma
    <ControlChart ewma: 25 subgroups, n=5, 0 signals>
    >>> ewma.monitor(every.tail(15)).signals["subgroup"].tolist()
    [37, 38, 39, 40]

    A g chart of the event-free days between events, from events counted per day:

    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "timestamp": pd.date_range("2026-03-02 10:00", periods=12, freq="D", tz="UTC"),
    ...     "count": [1, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 1], "inspected": 40})
    >>> days = spc.count_stats(log, period="day")
    >>> g = spc.chart_from_stats(days, "g")
    >>> g.to_frame()[["subgroup", "statistic"]].values.tolist()
    [['2026-03-05', 2.0], ['2026-03-10', 4.0], ['2026-03-10 (2)', 0.0], ['2026-03-13', 2.0]]
    """
    fam = get_family(type)
    if fam.id not in STATS_TYPES:
        raise ValueError(
            f"chart_from_stats builds {', '.join(STATS_TYPES)}; {type!r} needs the raw "
            f"values: build it with spc.chart(data, type={type!r}, ...)")
    if not isinstance(stats, pd.DataFrame):
        raise TypeError("stats must be the DataFrame of subgroup_stats or count_stats, got "
                        f"{stats.__class__.__name__}")
    attr = fam.input == "counts" or fam.id == "g"
    if subgroup is None:
        default = "label" if attr else "subgroup"
        subgroup = default if default in stats.columns else None
    if time is None:
        default = "timestamp" if attr else "first"
        time = default if default in stats.columns else None
    common: dict[str, Any] = dict(
        subgroup=subgroup, time=time, stage=stage, exclude=exclude, rules=rules,
        rule_params=rule_params, nsigmas=nsigmas, limits=limits, standards=standards,
        missing=missing, settings=dict(settings))
    if fam.id == "run":
        return _run_from_stats(stats, mean=mean, dispersion_rules=dispersion_rules,
                               **common)
    if fam.id == "zmr":
        return _zmr_from_stats(stats, n=n, mean=mean, dispersion_rules=dispersion_rules,
                               **common)
    if fam.id == "g":
        return _g_from_stats(stats, count=count, **common)
    if fam.id in ("t", "t_transform"):
        return _t_from_stats(fam.id, stats, n=n, **common)
    if fam.id == "c" and size is not None and size not in stats.columns:
        size = None
    if fam.id in SMOOTHING_TYPES:
        # the spreads the table has (the sigma estimator may read either; refused when
        # the one it needs is missing)
        smooth: dict[str, str | None] = {"subgroup": subgroup, "n": n, "mean": mean}
        for key, col in (("range", range), ("sd", sd)):
            smooth[key] = col if col in stats.columns else None
        return _smoothing_chart(
            fam.id, stats, columns=smooth, spreads={"range": range, "sd": sd}, time=time,
            stage=stage, exclude=exclude, missing=missing, rules=rules,
            rule_params=rule_params, nsigmas=nsigmas, limits=limits, standards=standards,
            settings=settings)
    if isinstance(limits, str):
        raise TypeError(f"limits={limits!r}: only an EWMA takes 'time_varying' or "
                        f"'asymptotic'; limits= of a {fam.id} chart are the frozen Limits "
                        "of an earlier chart (chart.frozen_limits())")
    if fam.id in LANEY_TYPES:
        kind = fam.id.removeprefix("laney_")
        if size is None:
            raise TypeError(f"{fam.id} needs size= (the column of units inspected per "
                            "subgroup)")
        standards = _known(fam.id, standards, settings, (kind, "sigma_z"))
        check_standards(kind, standards.get(kind), standards.get("sigma_z"))
        dispersion_rules = "none"  # one panel: as laney_p / laney_u
    if attr:
        columns: dict[str, str | None] = {"subgroup": subgroup, "count": count, "size": size}
    elif fam.id in VARIABLE_TYPES:
        # both spreads when the table has them (sigma_method= may use either), else the
        # one the chart plots
        columns = {"subgroup": subgroup, "n": n, "mean": mean}
        for key, col in (("range", range), ("sd", sd)):
            if col in stats.columns or key == ("range" if fam.id == "xbar_r" else "sd"):
                columns[key] = col
    else:
        columns = {"subgroup": subgroup, "n": n, "mean": mean}
    unknown = sorted(set(settings) - set(fam.settings))
    if unknown:
        raise TypeError(f"{fam.id} got unexpected setting(s) {', '.join(unknown)}; its "
                        f"settings: {', '.join(sorted(fam.settings)) or 'none'}")
    method = settings.get("sigma_method")
    if fam.id in VARIABLE_TYPES and method not in (None, "rbar", "sbar", "pooled"):
        raise ValueError(f"sigma_method= must be one of rbar, sbar, pooled, got {method!r}")
    if fam.id in INDIVIDUAL_TYPES and method not in (None, "mrbar", "median_mr", "sd"):
        raise ValueError(f"sigma_method= must be one of mrbar, median_mr, sd, got {method!r}")
    if rules is ...:
        rules = fam.default_rules
    if fam.valid_rules is not None and rules is not None:
        fam.check_rules(rules)
    if not (isinstance(nsigmas, (int, float)) and math.isfinite(nsigmas)):
        raise ValueError(f"nsigmas= must be a positive number, got {nsigmas!r}")
    used = {"value": mean if not attr else None, "subgroup": subgroup,
            "count": count if attr else None, "size": size if attr else None}
    opts = _options(fam.id, rules=rules, rule_params=rule_params,
                    dispersion_rules=dispersion_rules, nsigmas=nsigmas, limits=limits,
                    standards=dict(standards or {}), **{**fam.settings, **settings},
                    **{k: v for k, v in used.items() if k in fam.column_args},
                    time=time, stage=stage)
    summarize = _StatsSummariser(fam.id, columns, time, stage, exclude, missing, opts)
    chart = _make(fam.id, stats, summarize, opts)
    return _with_reading(chart) if fam.id in LANEY_TYPES else chart
