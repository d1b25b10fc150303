"""Characteristics with more values than a report should bring into Python.

The weekly report asks the engine first how many values each characteristic has in the
rows it needs (:func:`inventory`). Characteristics within ``[report] raw_values_limit``
are read as raw rows, a batch of characteristics per query (:func:`raw_batches`), and
charted as always. A larger characteristic measured in subgroups is assessed here from
what the engine computes (:func:`assess_large`):

* the chart from :func:`leankit.spc.subgroup_stats` of the baseline and of the shown
  weeks (:func:`leankit.spc.chart_from_stats`: the same estimators, limits and rules as
  the chart of the raw rows);
* the advice (``chart = "auto"``) from the raw rows of a systematic sample of baseline
  subgroups (every k-th in time order, at most :data:`ADVICE_SUBGROUPS`), with the
  points per week of all of them;
* capability from :func:`leankit.spc.value_summary` of the week (or of the current
  state), its model chosen on the same baseline sample: the normal model, or the
  empirical percentiles of all values where the baseline rules normal out.

Memory is then bounded by the largest batch and the subgroup tables, not by the data.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leankit.errors import InsufficientDataError, LeankitError
from leankit.reports._spec import AUTO
from leankit.reports._verdicts import (
    MIN_STATE_SUBGROUPS,
    MIN_STATE_VALUES,
    CapabilityVerdict,
    SeriesVerdict,
    Window,
    _collect,
    _limits_version,
    _range,
    _state_start,
    assessed,
    baseline_model,
    points_per_week,
)

__all__ = ["ADVICE_SUBGROUPS", "EngineStats", "Inventory", "assess_large", "inventory",
           "raw_batches"]

#: Baseline subgroups whose raw rows the advisor and the capability model see.
ADVICE_SUBGROUPS = 400
#: Named charts (``chart = ...``) drawn from subgroup statistics as the raw path draws
#: them (the raw path charts every other family from the raw rows).
STATS_FAMILIES = ("xbar_r", "xbar_s")
#: Settings that name columns of the raw rows (not passed to chart_from_stats).
_COLUMN_SETTINGS = ("value", "subgroup", "time", "count", "size", "part")


@dataclass(frozen=True)
class Inventory:
    """What the measurements hold in the rows a report reads, computed in the engine.

    ``table``: one row per characteristic: ``characteristic, rows, values`` (non-missing),
    ``unit``, and per subgroup column C asked for, ``with_C`` (rows with an id in C) and
    ``groups_C`` (distinct ids).
    ``sites``, ``lines``: the distinct values (scope line of the header).
    """

    table: pd.DataFrame
    sites: tuple[str, ...]
    lines: tuple[str, ...]

    def rows(self, name: str) -> int:
        hit = self.table[self.table["characteristic"] == name]
        return int(hit["rows"].iloc[0]) if len(hit) else 0

    def row(self, name: str) -> pd.Series:
        return self.table[self.table["characteristic"] == name].iloc[0]


def inventory(source: Any, since: pd.Timestamp, end: pd.Timestamp,
              subgroups: Sequence[str] = ("subgroup",)) -> Inventory:
    """Per-characteristic counts of the measurements in ``[since, end)`` (one group-by in
    the engine) and the sites and lines they come from."""
    from leankit.data import SourceError
    from leankit.data._source import _execute

    try:
        t = source.scan("measurements", period=(since, end))
    except SourceError:
        empty = pd.DataFrame(columns=["characteristic", "rows", "values", "unit"])
        return Inventory(empty, (), ())
    cols = [c for c in dict.fromkeys(subgroups) if c in t.columns]
    aggs: dict[str, Any] = {"rows": t.count(), "values": t.value.count(),
                            "unit": t.unit.max()}
    for c in cols:
        aggs[f"with_{c}"] = t[c].count()
        aggs[f"groups_{c}"] = t[c].nunique()
    table = _execute(t.group_by("characteristic").aggregate(**aggs), "measurement inventory")
    table = table.dropna(subset=["characteristic"])
    for c in ("rows", "values", *(f"{k}_{c}" for c in cols for k in ("with", "groups"))):
        table[c] = pd.to_numeric(table[c]).fillna(0).astype("int64")
    table = table.sort_values("characteristic").reset_index(drop=True)
    scope = {}
    for col in ("site", "line"):
        if col in t.columns:
            vals = _execute(t.select(col).distinct(), f"{col}s of the measurements")[col]
            scope[col] = tuple(sorted(str(v) for v in vals.dropna()))
        else:
            scope[col] = ()
    return Inventory(table, scope["site"], scope["line"])


def is_large(inv: Inventory, name: str, c: Any, limit: int) -> bool:
    """Whether *name* is charted from engine statistics: more rows than *limit*, measured
    in subgroups (every row has a subgroup id, on average 2 or more values each) and
    charted with ``"auto"`` or a family built from statistics."""
    if inv.rows(name) <= limit or c.subgroup is None or c.columns:
        return False
    r = inv.row(name)
    col = c.subgroup
    if f"with_{col}" not in r.index or int(r[f"with_{col}"]) != int(r["rows"]):
        return False
    if int(r[f"groups_{col}"]) == 0 or int(r["rows"]) / int(r[f"groups_{col}"]) < 2:
        return False
    return bool(c.chart == AUTO or c.chart in STATS_FAMILIES)


def raw_batches(names: Sequence[str], inv: Inventory, limit: int) -> Iterator[list[str]]:
    """Characteristics in read batches of at most *limit* rows (a larger one alone)."""
    batch: list[str] = []
    rows = 0
    for name in names:
        n = inv.rows(name)
        if batch and rows + n > limit:
            yield batch
            batch, rows = [], 0
        batch.append(name)
        rows += n
    if batch:
        yield batch


# ----------------------------------------------------------------------- statistics


def _scan(source: Any, names: Sequence[str], start: pd.Timestamp, end: pd.Timestamp,
          subgroup: str = "subgroup", log: bool = False) -> Any:
    """The characteristics' ``timestamp, characteristic, subgroup, value`` in
    ``[start, end)``: their subgroup column (e.g. ``lot``) named ``subgroup``, the value
    as ln(value) with *log*."""
    t = source.scan("measurements", period=(start, end), where={"characteristic": list(names)},
                    columns=["timestamp", "characteristic", subgroup, "value"])
    t = t.select("timestamp", "characteristic", t[subgroup].name("subgroup"), "value")
    return t.mutate(value=t.value.ln()) if log else t


STATS_COLUMNS = ["subgroup", "n", "missing", "mean", "sd", "min", "max", "range", "first",
                 "last"]


class EngineStats:
    """Subgroup statistics of the large characteristics, one engine query per window for
    all of them (a scan of a week's files filters them all at once), split per
    characteristic and kept for the windows asked again (baseline, shown weeks)."""

    def __init__(self, source: Any, names: Mapping[str, str]) -> None:
        self.source = source
        self.columns = dict(names)  # characteristic -> its subgroup column
        self._done: dict[tuple[Any, ...], dict[str, pd.DataFrame]] = {}

    def get(self, name: str, start: pd.Timestamp, end: pd.Timestamp, log: bool = False
            ) -> pd.DataFrame:
        """The statistics of *name* in ``[start, end)`` (of ln(value) with *log*)."""
        from leankit import spc

        if end <= start:
            return pd.DataFrame(columns=STATS_COLUMNS)
        col = self.columns.get(name, "subgroup")
        names = [name] if log or name not in self.columns else [
            n for n, c in self.columns.items() if c == col]
        key = (start, end, log, name if log else col)
        if key not in self._done:
            t = _scan(self.source, names, start, end, col, log)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # rows without a value: counted in `missing`
                st = spc.subgroup_stats(t, value="value", subgroup="subgroup",
                                        time="timestamp", by="characteristic")
            self._done[key] = {str(k): g[STATS_COLUMNS].reset_index(drop=True)
                               for k, g in st.groupby("characteristic", sort=False)}
        return self._done[key].get(name, pd.DataFrame(columns=STATS_COLUMNS))


def _as_points(stats: pd.DataFrame, means: bool) -> pd.DataFrame:
    """Subgroup means as individual values (the advice's ``subgroup_means``)."""
    if not means:
        return stats
    return stats.assign(n=1, sd=np.nan, range=0.0)


def _settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k not in _COLUMN_SETTINGS}


def _sample_rows(source: Any, name: str, base: pd.DataFrame, b0: pd.Timestamp,
                 b1: pd.Timestamp, subgroup: str = "subgroup") -> pd.DataFrame:
    """Raw baseline rows of every k-th baseline subgroup (at most ADVICE_SUBGROUPS)."""
    step = max(1, math.ceil(len(base) / ADVICE_SUBGROUPS))
    ids = base.sort_values("first", kind="stable")["subgroup"].iloc[::step].tolist()
    rows: pd.DataFrame = source.read("measurements", period=(b0, b1),
                                     where={"characteristic": name, subgroup: ids},
                                     columns=["timestamp", subgroup, "value"])
    rows = rows.rename(columns={subgroup: "subgroup"})
    return rows.sort_values("timestamp", kind="stable").reset_index(drop=True)


def assess_large(source: Any, c: Any, w: Window, *, total: int, unit: str | None,
                 alarm_rate: float = 0.02,
                 specs: tuple[float | None, float | None, float | None] = (None, None, None),
                 store: Any = None, stats: EngineStats | None = None) -> SeriesVerdict:
    """Chart and assess one large subgrouped characteristic from engine statistics (see
    the module docstring); the verdict has the same fields as the raw path's. *stats*
    shares the engine queries between characteristics."""
    from leankit import spc

    col = c.subgroup or "subgroup"
    engine = stats if stats is not None else EngineStats(source, {c.name: col})
    name = c.name
    version = _limits_version(store, name)
    advice = None
    companion = None
    sample = pd.DataFrame()
    note = (f"{total:,} values: charted from subgroup statistics computed in the engine")
    try:
        if version is not None:
            limits_source = version.label
            advice = (spc.Advice.from_dict(version.advice) if version.advice is not None
                      else None)
            family = version.chart
            r0, r1 = _range(version)
            frozen_base = engine.get(name, r0, r1)
            if len(frozen_base):
                sample = _sample_rows(source, name, frozen_base, r0, r1, col)
            log = advice is not None and advice.transformation == "log"
            means = advice is not None and advice.transformation == "subgroup_means"
            recent = _as_points(engine.get(name, w.shown_from, w.end, log), means)
            from leankit.spc._limits_store import replay_settings

            kw = _settings(replay_settings(family, version.settings))
            chart = spc.chart_from_stats(recent, family, limits=version.limits, **kw)
            if advice is not None and advice.companion is not None:
                comp = advice.companion
                companion = spc.chart_from_stats(  # the advised asymptotic EWMA, frozen
                    recent, comp["family"], **_settings(comp["settings"]),
                    mu=float(version.limits.params["mu"]),
                    sigma=float(version.limits.params["sigma"]))
        else:
            base = engine.get(name, w.b0, w.b1)
            if base.empty:
                raise InsufficientDataError(f"no baseline data between {w.b0:%Y-%m-%d} and "
                                            f"{w.b1:%Y-%m-%d}")
            limits_source = (f"estimated from the baseline {w.b0:%Y-%m-%d} to "
                             f"{w.b1 - pd.Timedelta(days=1):%Y-%m-%d} (not frozen)")
            sample = _sample_rows(source, name, base, w.b0, w.b1, col)
            if c.chart == AUTO:
                per = points_per_week(base, None, time="first")
                advice = spc.advise(sample, value="value", subgroup="subgroup",
                                    time="timestamp", period_points=per,
                                    alarm_rate=alarm_rate, companion="ewma", lam="auto")
                family = advice.family
                log = advice.transformation == "log"
                means = advice.transformation == "subgroup_means"
                if log:
                    base = engine.get(name, w.b0, w.b1, log=True)
                kw = _settings(advice.settings)
                if c.rules:
                    kw["rules"] = list(c.rules)
            else:
                family, log, means = c.chart, False, False
                kw = {"rules": list(c.rules)}
            recent = _as_points(engine.get(name, w.shown_from, w.end, log), means)
            base = _as_points(base, means)
            chart = spc.chart_from_stats(base, family, **kw)
            if len(recent):
                chart = chart.monitor(recent)
            if advice is not None and advice.companion is not None:
                comp = advice.companion
                companion = spc.chart_from_stats(base, comp["family"],
                                                 **_settings(comp["settings"]))
                if len(recent):
                    companion = companion.monitor(recent)
    except (LeankitError, ValueError) as exc:
        return SeriesVerdict(name=name, kind="measurements", charted=False, error=str(exc),
                             spec=c, unit=unit, advice=advice, tz=w.tz)
    special = _collect(chart, companion, w)
    lsl, usl, target = specs
    cap = assess_capability_large(
        source, name, subgroup=col, sample=sample, lsl=lsl, usl=usl, target=target, w=w,
        chart=chart, special=special, prev_special=bool(len(special["prev_signals"])))
    if len(sample):
        note += (f"; {'advice and ' if advice is not None and version is None else ''}"
                 f"capability model from the raw values of {sample['subgroup'].nunique():,} "
                 "baseline subgroups (every k-th in time order)")
    return SeriesVerdict(
        name=name, kind="measurements", charted=True, family=family,
        transformation=advice.transformation if advice is not None else None,
        companion_family=(advice.companion["family"] if advice is not None and companion
                          is not None and advice.companion is not None else None),
        limits_source=limits_source, capability=cap, unit=unit, advice=advice, chart=chart,
        companion=companion, spec=c, tz=w.tz, scale_note=note,
        **{k: special[k] for k in ("special_cause", "new", "first_signal", "rules",
                                   "signalling_points", "week_signals", "prev_signals")})


class _Values:
    """One characteristic's rows of the previous and the report week, held by the
    engine (``Table.cache()``: a temporary table) so each value summary's queries read
    them, not the week's files of every characteristic again."""

    def __init__(self, source: Any, name: str, w: Window, subgroup: str = "subgroup"
                 ) -> None:
        from leankit.data._source import quiet_engine

        t = _scan(source, [name], w.prev_start, w.end, subgroup)
        try:
            with quiet_engine():
                self.table = t.cache()
            self.cached = True
        except Exception:  # noqa: BLE001 - an engine without temporary tables: scan again
            self.table, self.cached = t, False

    def summary(self, start: pd.Timestamp, end: pd.Timestamp, lsl: float | None,
                usl: float | None) -> Any:
        import ibis

        from leankit import spc

        t = self.table
        t = t.filter((t.timestamp >= ibis.timestamp(start.isoformat()))
                     & (t.timestamp < ibis.timestamp(end.isoformat())))
        return spc.value_summary(t, value="value", subgroup="subgroup", time="timestamp",
                                 lsl=lsl, usl=usl)

    def release(self) -> None:
        from leankit.data._source import quiet_engine

        if self.cached:
            try:
                with quiet_engine():
                    self.table.release()
            except Exception:  # noqa: BLE001 - dropped with the connection anyway
                pass


def assess_capability_large(source: Any, name: str, *, sample: pd.DataFrame,
                            subgroup: str = "subgroup",
                            lsl: float | None, usl: float | None, target: float | None,
                            w: Window, chart: Any, special: dict[str, Any],
                            prev_special: bool) -> CapabilityVerdict:
    """The capability gate of the raw path, on engine summaries."""

    if lsl is None and usl is None:
        return CapabilityVerdict(assessed=False,
                                 why_not="no specification limits (specs table or spec file)")
    dist, model = "normal", "normal"
    if len(sample):
        kw: dict[str, Any] = {"value": "value", "subgroup": "subgroup", "lsl": lsl,
                              "usl": usl, "target": target}
        try:
            chosen, _extra, desc = baseline_model(sample, **kw)
        except (LeankitError, ValueError) as exc:
            return CapabilityVerdict(assessed=False, why_not=f"no baseline model: {exc}")
        if chosen in ("lognormal", "exponential"):
            dist, model = chosen, desc
        elif chosen != "normal":
            dist = "nonparametric"
            model = (f"empirical percentiles (the baseline sample is not normal; {desc} "
                     "fits it better, but needs the raw values)")
    else:
        model = "normal (no baseline values to choose another model)"
    start, since, basis = w.start, w.start, "week"
    if special["special_cause"]:
        since = _state_start(chart, special["first_signal"], w)
        start = max(since, w.start)  # the week's values from the change on
        basis = f"current state since {w.local(since)}"
    values = _Values(source, name, w, subgroup)
    try:
        return _capability_of(values, start=start, since=since, basis=basis, model=model,
                              dist=dist, lsl=lsl, usl=usl, target=target, w=w,
                              special=special, prev_special=prev_special)
    finally:
        values.release()


def _capability_of(values: _Values, *, start: pd.Timestamp, since: pd.Timestamp,
                   basis: str, model: str, dist: str, lsl: float | None, usl: float | None,
                   target: float | None, w: Window, special: dict[str, Any],
                   prev_special: bool) -> CapabilityVerdict:
    from leankit.spc._capability_stats import capability_from_summary

    try:
        summ = values.summary(start, w.end, lsl, usl)
    except InsufficientDataError:
        return CapabilityVerdict(assessed=False, model=model,
                                 why_not="fewer than 2 values this week")
    n_sub = len(summ.subgroups) if summ.subgroups is not None else 0
    if special["special_cause"] and (summ.n < MIN_STATE_VALUES or n_sub < MIN_STATE_SUBGROUPS):
        return CapabilityVerdict(
            assessed=False, model=model,
            why_not=f"not stable (special cause; {summ.n} values since the change at "
                    f"{w.local(since)}, fewer than {MIN_STATE_VALUES})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cap = capability_from_summary(summ, target=target, distribution=dist)
    except (LeankitError, ValueError) as exc:
        return CapabilityVerdict(assessed=False, model=model, why_not=str(exc))
    k = cap.headline
    previous = math.nan
    if not prev_special:
        try:
            pv = values.summary(w.prev_start, w.start, lsl, usl)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pc = capability_from_summary(pv, target=target, distribution=dist)
            if k in set(pc.indices["index"]):
                previous = pc.index(k)
        except (LeankitError, ValueError):
            pass
    return assessed(cap, model=model, basis=basis, previous=previous)
