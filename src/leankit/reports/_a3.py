"""The A3 improvement report's analysis: every claim of the A3 spec computed or checked
against the dataset — the metric's baseline and goal gap, the current condition, the
evidence for each candidate cause, the before/after effect check with its verdict, and
the limits of the improved state.

:func:`analyse_a3` returns an :class:`A3Analysis` (data only); the section builders in
``_a3_sections.py`` render it. Uses the public API of ``leankit.spc``, ``leankit.rca``
and ``leankit.lean`` only.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from leankit._days import day_start_utc, local_day
from leankit.errors import LeankitError, suggest
from leankit.reports._a3spec import A3Cause, A3Metric, A3Spec
from leankit.reports._analysis import KINDS, _Failures, open_source, specs_of
from leankit.reports._spec import CharacteristicSpec, ReportSpecError
from leankit.reports._verdicts import count_series

__all__ = ["A3Analysis", "CauseCheck", "MetricCheck", "analyse_a3"]

#: Significance level of the evidence for a cause (stratification, change point).
EVIDENCE_ALPHA = 0.05
#: Shown statuses of a cause.
SHOWN = ("verified", "refuted", "open", "not verified")
#: A change point more than this many days before the countermeasure is pointed out.
EARLY_DAYS = 3
#: ... when a test of the data before against after it (quasi-Poisson rate ratio, Welch)
#: confirms it at this level.
CONFIRM_ALPHA = 0.01



@dataclass(frozen=True, kw_only=True)
class MetricCheck:
    """One metric of the A3, before and after the countermeasure.

    ``series`` has one row per point of the chart (a local day for rates and KPIs, a
    value or subgroup for characteristics) with a ``stage`` column (``before`` /
    ``after`` / ``between``); ``effect`` is a :class:`~leankit.rca.RateRatio` (rates)
    or :class:`~leankit.rca.MeasurementChange` (characteristics, OEE)."""

    metric: A3Metric
    before_value: float
    after_value: float
    value_label: str
    unit: str
    chart_before: Any = None
    chart_staged: Any = None
    chart_family: str = ""
    effect: Any = None
    verdict: str = "no evidence of improvement"
    evidence: str = ""
    goal_met_before: bool | None = None
    goal_met_after: bool | None = None
    capability_before: Any = None
    capability_after: Any = None
    pareto_before: Any = None
    comparison: Any = None
    cost_per_week: float | None = None
    events_per_week: float | None = None
    early_change: str = ""
    specs: tuple[float | None, float | None, float | None] = (None, None, None)
    error: str = ""
    series: pd.DataFrame | None = None
    #: what the charts plot and its unit, when it is not the metric's value
    #: (a characteristic's values for a Ppk metric, the share of units not right
    #: first time for first-pass yield)
    chart_label: str = ""
    chart_unit: str = ""

    @property
    def ok(self) -> bool:
        """The metric was computed (``error`` empty)."""
        return not self.error

    def fmt(self, x: float) -> str:
        """A value of this metric for reading (rates 4 significant digits, ratios as %)."""
        if x is None or not np.isfinite(x):
            return "—"
        if self.metric.kind == "kpi":
            return f"{100 * x:.1f} %"
        if self.metric.kind == "defect_rate":
            return f"{x:.4f}"
        return f"{x:.4g}"


@dataclass(frozen=True, kw_only=True)
class CauseCheck:
    """A candidate cause with the team's status, the status shown (checked against the
    evidence) and the evidence in words."""

    cause: A3Cause
    shown: str
    evidence: str
    reason: str = ""
    ratio: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    p_value: float = math.nan


@dataclass(frozen=True, kw_only=True)
class A3Analysis:
    """Everything the A3 report shows, computed from the spec and the dataset."""

    spec: A3Spec
    tz: str
    before: tuple[pd.Timestamp, pd.Timestamp]
    after: tuple[pd.Timestamp, pd.Timestamp]
    change: pd.Timestamp
    as_of: dt.date
    metrics: tuple[MetricCheck, ...]
    causes: tuple[CauseCheck, ...]
    fishbone: Any
    actions: pd.DataFrame
    limits_text: str
    limits_table: pd.DataFrame | None
    failures: tuple[Any, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()
    #: where the data came from: the dataset folder, or the connection without password
    data_label: str = ""

    @property
    def headline(self) -> MetricCheck:
        """The first metric: it gives the A3's verdict."""
        return self.metrics[0]

    @property
    def verdict(self) -> str:
        """``improved``, ``no evidence of improvement`` or ``worse`` (the first
        metric's), or ``not assessed`` when it could not be computed."""
        m = self.headline
        return m.verdict if m.ok else "not assessed"

    def to_json(self) -> dict[str, Any]:
        """The verdicts as JSON-ready data (written beside the HTML)."""
        def num(x: Any) -> float | None:
            try:
                f = float(x)
            except (TypeError, ValueError):
                return None
            return f if math.isfinite(f) else None

        mets = []
        for m in self.metrics:
            e = m.effect
            d: dict[str, Any] = {"name": m.metric.name, "kind": m.metric.kind,
                                 "verdict": m.verdict if m.ok else "not assessed",
                                 "evidence": m.evidence, "error": m.error or None,
                                 "before": num(m.before_value), "after": num(m.after_value),
                                 "goal": num(m.metric.goal),
                                 "goal_met_after": m.goal_met_after}
            if e is not None and hasattr(e, "ratio"):
                d.update(ratio=num(e.ratio), lower=num(e.lower), upper=num(e.upper),
                         p_value=num(e.p_value), dispersion=num(e.dispersion))
            elif e is not None:
                d.update(mean_diff=num(e.mean_diff), ppk_before=num(e.ppk_before),
                         ppk_after=num(e.ppk_after), ppk_diff=num(e.ppk_diff),
                         ppk_lower=num(e.ppk_lower), ppk_upper=num(e.ppk_upper))
            mets.append(d)
        return {
            "schema": "leankit.a3/1", "title": self.spec.title, "verdict": self.verdict,
            "change": str(self.spec.change), "before": [str(t) for t in self.before],
            "after": [str(t) for t in self.after], "metrics": mets,
            "causes": [{"category": c.cause.category, "cause": c.cause.cause,
                        "status_given": c.cause.status, "status_shown": c.shown,
                        "evidence": c.evidence, "reason": c.reason,
                        "ratio": num(c.ratio), "lower": num(c.lower), "upper": num(c.upper),
                        "p_value": num(c.p_value)} for c in self.causes],
            "overdue_actions": int(self.actions["overdue"].sum()) if len(self.actions) else 0,
        }


# ----------------------------------------------------------------------------- helpers


def _local(d: dt.date, tz: str) -> pd.Timestamp:
    """Local midnight of *d* in *tz*, as UTC."""
    return pd.Timestamp(d).tz_localize(tz).tz_convert("UTC")


def _filter(df: pd.DataFrame, where: tuple[tuple[str, Any], ...], at: str, *,
            strict: bool = True) -> pd.DataFrame:
    """Rows of *df* matching *where*; *strict*: a value that matches no row of the table
    is a spec error listing the values there are (a typo), else an empty result."""
    for col, val in where:
        if col not in df.columns:
            cols = [str(c) for c in df.columns if not str(c).startswith("source_")]
            raise ReportSpecError(f"{at}: {col!r} is not a column of the table"
                                  f"{suggest(col, cols)} Columns: {', '.join(cols)}")
        vals = val if isinstance(val, tuple) else (val,)
        kept = df[df[col].astype(str).isin([str(v) for v in vals])]
        if strict and kept.empty and len(df):
            have = sorted(df[col].dropna().astype(str).unique())
            shown = ", ".join(have[:20]) + (" ..." if len(have) > 20 else "")
            raise ReportSpecError(f"{at}: {col} = {' or '.join(map(str, vals))!s} matches no "
                                  f"row{suggest(str(vals[0]), have) or '.'} Values of {col}: "
                                  f"{shown}")
        df = kept
    return df


def _subgroup_column(rows: pd.DataFrame) -> str | None:
    """``"subgroup"`` when every row has a subgroup id and some subgroup holds more than
    one value (subgrouped data), else None (individual values)."""
    if "subgroup" in rows and rows["subgroup"].notna().all() and len(rows) \
            and rows.groupby("subgroup").size().max() > 1:
        return "subgroup"
    return None


def _where_text(where: tuple[tuple[str, Any], ...]) -> str:
    parts = []
    for col, val in where:
        vals = val if isinstance(val, tuple) else (val,)
        parts.append(f"{col} {' or '.join(str(v) for v in vals)}")
    return ", ".join(parts) if parts else "all rows"


def _stage(ts: pd.Series, before: tuple[pd.Timestamp, pd.Timestamp],
           after: tuple[pd.Timestamp, pd.Timestamp]) -> np.ndarray:
    t = pd.to_datetime(ts, utc=True)
    return np.select([(t >= before[0]) & (t < before[1]), (t >= after[0]) & (t < after[1])],
                     ["before", "after"], "between")


def _advised_chart(base: pd.DataFrame, both: pd.DataFrame, **cols: Any) -> tuple[Any, Any,
                                                                                str]:
    """The advised chart (spc.advise on the baseline) of the baseline alone and of both
    periods with limits per stage; a transformation the A3 does not draw falls back to
    the plain chart of the data (u/p or I-MR/X̄-S)."""
    from leankit import spc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        advice = spc.advise(base, **cols)
    family = advice.family
    settings = dict(advice.settings)
    if advice.transformation:  # log scale, AR(1) residuals, event gaps: not on an A3
        if "count" in cols:
            family = "u" if cols.get("attribute", "defects") == "defects" else "p"
        else:
            family = "xbar_s" if cols.get("subgroup") else "i_mr"
        settings = {}
    args = {k: v for k, v in cols.items() if k in ("value", "subgroup", "time", "count",
                                                   "size")}
    fam_cols = {*spc.get_family(family).column_args, "time"}
    args = {k: v for k, v in args.items() if k in fam_cols}
    keep = {k: v for k, v in settings.items() if k in ("rules", "nsigmas", "sigma_method")}
    before = spc.chart(base, type=family, **args, **keep)
    staged = spc.chart(both, type=family, **args, **keep, stage="stage")
    return before, staged, family


def _change_point_note(series: pd.DataFrame, value: str, change: pd.Timestamp,
                       tz: str, better: str = "lower") -> str:
    """A change point in the better direction found before the countermeasure (the
    improvement may have another cause), or ``""``. *better*: ``"lower"`` or
    ``"higher"`` values of *value* are better (others: either direction)."""
    from leankit import rca

    if len(series) < 12:
        return ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cp = rca.change_points(series, value=value, time="timestamp")
    ch = cp.changes
    if not len(ch):
        return ""
    early = ch[(ch["time_upper"] < change - pd.Timedelta(days=EARLY_DAYS))
               & (ch["p_value"] < EVIDENCE_ALPHA)]
    if better == "lower":
        early = early[early["after"] < early["before"]]
    elif better == "higher":
        early = early[early["after"] > early["before"]]
    if not len(early):
        return ""
    r = early.iloc[-1]
    # confirm it with a test that allows for the day-to-day variation of the data (the
    # change-point p-value assumes independent normal points and is chosen after looking)
    pre = series[series["timestamp"] < change]
    seg_a, seg_b = pre[pre["timestamp"] < r["time"]], pre[pre["timestamp"] >= r["time"]]
    if len(seg_a) < 3 or len(seg_b) < 3:
        return ""
    if {"count", "inspected"} <= set(series.columns):
        p_confirm = rca.rate_ratio(seg_a, seg_b, count="count", exposure="inspected").p_value
    else:
        from scipy import stats

        p_confirm = float(stats.ttest_ind(seg_a[value], seg_b[value], equal_var=False).pvalue)
    if not p_confirm < CONFIRM_ALPHA:
        return ""
    when = pd.Timestamp(r["time"]).tz_convert(tz)
    days = (change - pd.Timestamp(r["time"])) / pd.Timedelta(days=1)
    p = "< 0.001" if p_confirm < 0.001 else f"= {p_confirm:.2g}"
    return (f"The data changed already around {when:%d %b %Y} ({days:.0f} days before the "
            f"countermeasure; from {r['before']:.4g} to {r['after']:.4g}, p {p}): part of "
            "the improvement may have another cause.")


def _goal_met(m: A3Metric, x: float) -> bool | None:
    if m.goal is None or not np.isfinite(x):
        return None
    if m.better == "lower":
        return bool(x <= m.goal)
    if m.better in ("higher", "capability"):  # capability: the index against its goal
        return bool(x >= m.goal)
    return None


# ----------------------------------------------------------------------------- metrics


def _rate_metric(m: A3Metric, rows: pd.DataFrame, a: _Ctx) -> MetricCheck:
    from leankit import rca

    days = count_series(rows, where={}, period="day", tz=a.tz)
    days["stage"] = _stage(days["timestamp"], a.before, a.after)
    days["rate"] = days["count"] / days["inspected"].where(days["inspected"] > 0)
    b = days[days["stage"] == "before"]
    af = days[days["stage"] == "after"]
    if b.empty or af.empty:
        raise LeankitError(f"no {'baseline' if b.empty else 'improvement'} data for "
                           f"{_where_text(m.where)} in the defects table")
    eff = rca.rate_ratio(b, af, count="count", exposure="inspected", better="lower")
    both = days[days["stage"] != "between"].reset_index(drop=True)
    chart_b, chart_s, fam = _advised_chart(b.reset_index(drop=True), both, count="count",
                                           size="inspected", time="timestamp")
    rb = rows[_stage(rows["timestamp"], a.before, a.after) == "before"]
    ra = rows[_stage(rows["timestamp"], a.before, a.after) == "after"]
    pareto = comparison = None
    if "defect_type" in rows and rb["count"].sum() > 0:
        pareto = rca.pareto(rb, category="defect_type", count="count")
        if ra["count"].sum() > 0:
            comparison = rca.compare(rb, ra, category="defect_type", count="count")
    weeks = (a.before[1] - a.before[0]) / pd.Timedelta(days=7)
    per_week = float(b["count"].sum()) / weeks
    cost = None
    if a.spec.cost_per_defect is not None:
        cost = per_week * a.spec.cost_per_defect
    elif "cost" in rb and rb["cost"].notna().any():
        cost = float(rb["cost"].sum()) / weeks
    rate_b, rate_a = eff.before_rate, eff.after_rate
    change = (f"{'fell' if rate_a < rate_b else 'rose'} from {rate_b:.4f} to {rate_a:.4f} "
              "defects per unit")
    evidence = (f"The defect rate {change}: {eff.ci_text()}"
                + (f"; the days vary {eff.dispersion:.1f}× more than Poisson, allowed for "
                   f"(the exact Poisson CI, {eff.exact.lower:.2f} to {eff.exact.upper:.2f}, "
                   "would overstate the certainty)" if eff.overdispersed else "") + ".")
    return MetricCheck(
        metric=m, before_value=rate_b, after_value=rate_a, value_label="defects per unit",
        unit="defects/unit", chart_before=chart_b, chart_staged=chart_s, chart_family=fam,
        effect=eff, verdict=eff.verdict, evidence=evidence,
        goal_met_before=_goal_met(m, rate_b), goal_met_after=_goal_met(m, rate_a),
        pareto_before=pareto, comparison=comparison, cost_per_week=cost,
        events_per_week=per_week,
        early_change=_change_point_note(both, "rate", a.change, a.tz, "lower"), series=both)


def _kpi_metric(m: A3Metric, rows: pd.DataFrame, a: _Ctx) -> MetricCheck:
    from leankit import lean, rca

    if rows.empty:
        raise LeankitError(f"no production rows for {_where_text(m.where)}")
    rows = rows.assign(_day=day_start_utc(local_day(rows["period_start"], a.tz), a.tz))
    if m.kpi in ("fpy", "scrap_rate"):
        bad = (rows["total_count"] - rows["good_count"] if m.kpi == "fpy"
               else rows["scrap_count"])
        d = (rows.assign(bad=bad).groupby("_day")
             .agg(count=("bad", "sum"), inspected=("total_count", "sum"))
             .reset_index().rename(columns={"_day": "timestamp"}))
        d = d[d["inspected"] > 0]
        d["stage"] = _stage(d["timestamp"], a.before, a.after)
        b, af = d[d["stage"] == "before"], d[d["stage"] == "after"]
        if b.empty or af.empty:
            raise LeankitError(f"no {'baseline' if b.empty else 'improvement'} production "
                               f"data for {_where_text(m.where)}")
        eff = rca.rate_ratio(b, af, count="count", exposure="inspected", better="lower")
        both = d[d["stage"] != "between"].reset_index(drop=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            chart_b, chart_s, fam = _advised_chart(
                b.reset_index(drop=True), both, count="count", size="inspected",
                time="timestamp", attribute="defectives")
        vb = (1 - eff.before_rate) if m.kpi == "fpy" else eff.before_rate
        va = (1 - eff.after_rate) if m.kpi == "fpy" else eff.after_rate
        what = "units not right first time" if m.kpi == "fpy" else "scrapped units"
        word = "first-pass yield" if m.kpi == "fpy" else "scrap rate"
        evidence = (f"The {word} went from {100 * vb:.1f} % to {100 * va:.1f} %: "
                    f"{what} per unit {eff.ci_text()}"
                    + (f"; days vary {eff.dispersion:.1f}× more than binomial counts "
                       "allow, allowed for" if eff.overdispersed else "") + ".")
        both = both.assign(rate=both["count"] / both["inspected"])
        return MetricCheck(
            metric=m, before_value=vb, after_value=va, value_label=word, unit="%",
            chart_label=f"share of {what}", chart_unit="",
            chart_before=chart_b, chart_staged=chart_s, chart_family=fam, effect=eff,
            verdict=eff.verdict, evidence=evidence, goal_met_before=_goal_met(m, vb),
            goal_met_after=_goal_met(m, va), series=both,
            early_change=_change_point_note(both, "rate", a.change, a.tz, "lower"))
    # OEE: one value per day, compared as measurements (higher is better)
    vals = []
    for t, g in rows.groupby("_day"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vals.append({"timestamp": t, "value": float(lean.oee(g, by=None,
                                                                 invalid="exclude").value)})
    d = pd.DataFrame(vals)
    d = d[np.isfinite(d["value"])]
    d["stage"] = _stage(d["timestamp"], a.before, a.after)
    b, af = d[d["stage"] == "before"], d[d["stage"] == "after"]
    if len(b) < 2 or len(af) < 2:
        raise LeankitError("fewer than 2 days of OEE before or after the change")
    meff = rca.compare_measurements(b["value"], af["value"], better=cast(Any, m.better))
    both = d[d["stage"] != "between"].reset_index(drop=True)
    chart_b, chart_s, fam = _advised_chart(b.reset_index(drop=True), both, value="value",
                                           time="timestamp")
    return MetricCheck(
        metric=m, before_value=meff.mean_before, after_value=meff.mean_after,
        value_label="OEE", unit="%", chart_label="OEE (daily)", chart_unit="",
        chart_before=chart_b, chart_staged=chart_s,
        chart_family=fam, effect=meff, verdict=meff.verdict, evidence=meff.evidence,
        goal_met_before=_goal_met(m, meff.mean_before),
        goal_met_after=_goal_met(m, meff.mean_after), series=both,
        early_change=_change_point_note(both, "value", a.change, a.tz, "higher"))


def _char_metric(m: A3Metric, rows: pd.DataFrame, a: _Ctx) -> MetricCheck:
    from leankit import rca, spc

    rows = rows.copy()
    rows["stage"] = _stage(rows["timestamp"], a.before, a.after)
    b, af = rows[rows["stage"] == "before"], rows[rows["stage"] == "after"]
    if len(b) < 2 or len(af) < 2:
        raise LeankitError(f"fewer than 2 values of {m.characteristic} "
                           f"{'before' if len(b) < 2 else 'after'} the change")
    lsl, usl, target = a.specs_of(m.characteristic or "")
    sub = m.subgroup or _subgroup_column(rows)
    better = m.better
    if better == "capability" and lsl is None and usl is None:
        raise ReportSpecError(f"{a.spec.source}: metric {m.name!r}: better = \"capability\" "
                              f"needs specification limits for {m.characteristic!r} (the "
                              "specs table has none): set better = \"lower\", \"higher\", "
                              "\"target\" or \"less_variation\"")
    eff = rca.compare_measurements(b["value"], af["value"], lsl=lsl, usl=usl, target=target,
                                   better=cast(Any, better))
    both = rows[rows["stage"] != "between"].sort_values("timestamp").reset_index(drop=True)
    cols: dict[str, Any] = {"value": "value", "time": "timestamp"}
    if sub:
        cols["subgroup"] = sub
    chart_b, chart_s, fam = _advised_chart(b.sort_values("timestamp").reset_index(drop=True),
                                           both, **cols)
    cap_b = cap_a = None
    if lsl is not None or usl is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kw: dict[str, Any] = {"subgroup": sub} if sub else {}
            cap_b = spc.capability(b, value="value", lsl=lsl, usl=usl, target=target, **kw)
            cap_a = spc.capability(af, value="value", lsl=lsl, usl=usl, target=target, **kw)
    if better == "capability" and eff.index:
        vb, va, label = eff.ppk_before, eff.ppk_after, eff.index
    else:
        vb, va, label = eff.mean_before, eff.mean_after, f"mean {m.characteristic}"
    unit = m.unit or (str(rows["unit"].dropna().iloc[0]) if "unit" in rows
                      and rows["unit"].notna().any() else "")
    series = both.assign(rate=both["value"])
    return MetricCheck(
        metric=m, before_value=float(vb), after_value=float(va), value_label=label,
        chart_label=str(m.characteristic), chart_unit=unit,
        unit=unit, chart_before=chart_b, chart_staged=chart_s, chart_family=fam,
        effect=eff, verdict=eff.verdict, evidence=eff.evidence,
        goal_met_before=_goal_met(m, float(vb)), goal_met_after=_goal_met(m, float(va)),
        capability_before=cap_b, capability_after=cap_a, specs=(lsl, usl, target),
        early_change=_change_point_note(series, "value", a.change, a.tz,
                                        better if better in ("lower", "higher") else "any"),
        series=series)


# ----------------------------------------------------------------------------- causes


def _cause_check(c: A3Cause, a: _Ctx, metrics: list[MetricCheck]) -> CauseCheck:
    from leankit import rca

    ev = c.evidence
    if ev is None:
        shown = {"verified": "not verified", "refuted": "open", "open": "open"}[c.status]
        reason = {"verified": "marked verified, but no evidence is linked",
                  "refuted": "marked refuted, but no evidence is linked",
                  "open": ""}[c.status]
        return CauseCheck(cause=c, shown=shown, evidence=c.note or "No evidence linked.",
                          reason=reason)
    if ev.kind == "stratify":
        rate_metric = next((mc for mc in metrics if mc.metric.kind == "defect_rate"), None)
        scope = rate_metric.metric.where if rate_metric is not None else ()
        pool = _filter(a.defects, scope, "evidence", strict=False)
        pool = pool[_stage(pool["timestamp"], a.before, a.before) == "before"]
        sub = _filter(pool, ev.where, f"{a.spec.source}: [causes] {c.cause!r} evidence",
                      strict=False)
        mask = pool.index.isin(sub.index)
        if not mask.any() or mask.all():
            return CauseCheck(cause=c, shown="not verified" if c.status == "verified" else
                              "open", evidence=f"No baseline rows match {_where_text(ev.where)}"
                              if not mask.any() else "The evidence rows are all the rows: "
                              "nothing to compare with.", reason="the evidence selects "
                              "nothing to compare")
        lot_in = count_series(pool[mask], where={}, period="lot", tz=a.tz)
        lot_out = count_series(pool[~mask], where={}, period="lot", tz=a.tz)
        rr = rca.rate_ratio(lot_out, lot_in, count="count", exposure="inspected",
                            better="lower", labels=("the rest", "these rows"))
        raised = rr.lower > 1
        text = (f"Baseline defect rate of {_where_text(ev.where)}: {rr.after_rate:.4f} vs "
                f"{rr.before_rate:.4f} for the rest of {_where_text(scope)}, "
                f"{rr.ci_text()}.")
        if c.status == "verified":
            shown = "verified" if raised else "not verified"
            reason = "" if raised else "the data do not show a higher defect rate there"
        elif c.status == "refuted":
            shown = "refuted" if not raised else "open"
            reason = "" if not raised else ("the data show a higher defect rate there: "
                                            "the cause is not refuted")
        else:
            shown, reason = "open", ("the data show a higher defect rate there: consider "
                                     "verifying it" if raised else "")
        return CauseCheck(cause=c, shown=shown, evidence=text, reason=reason,
                          ratio=rr.ratio, lower=rr.lower, upper=rr.upper, p_value=rr.p_value)
    # signal / change point on a characteristic (or the headline metric)
    if ev.target:
        rows = a.measurements[a.measurements["characteristic"] == ev.target]
        if rows.empty:
            chars = sorted(a.measurements["characteristic"].dropna().unique())
            raise ReportSpecError(f"{a.spec.source}: [causes] {c.cause!r}: evidence names "
                                  f"{ev.target!r}, which is not a characteristic of the "
                                  f"measurements{suggest(ev.target, chars)}")
        series = rows[rows["timestamp"] < a.after[1]].sort_values("timestamp")
        value = "value"
    else:
        if metrics[0].series is None:
            return CauseCheck(cause=c, shown="not verified" if c.status == "verified"
                              else "open", evidence="The metric could not be computed.",
                              reason="no data")
        series, value = metrics[0].series, "rate"
    found, text = False, ""
    if ev.kind == "signal":
        found, text = _signal_evidence(series, value, a)
    else:
        found, text = _change_evidence(series, value, ev.date, ev.days, a)
    if c.status == "verified":
        shown, reason = ("verified", "") if found else (
            "not verified", "the data do not show it")
    elif c.status == "refuted":
        shown, reason = ("refuted", "") if not found else (
            "open", "the data show it: the cause is not refuted")
    else:
        shown, reason = "open", ""
    return CauseCheck(cause=c, shown=shown, evidence=text, reason=reason)


def _signal_evidence(series: pd.DataFrame, value: str, a: _Ctx) -> tuple[bool, str]:
    """A special cause after the baseline on the advised chart of the series: limits
    from the A3's baseline, their width calibrated (``spc.advise``) so that a stable
    series shows a point beyond them somewhere in the monitored window with probability
    :data:`EVIDENCE_ALPHA` only (with hundreds of points, plain 3-sigma limits flag a
    stable series by chance)."""
    from leankit import spc

    base = series[_stage(series["timestamp"], a.before, a.before) == "before"]
    rest = series[series["timestamp"] >= a.before[1]]
    if len(base) < 10 or rest.empty:
        return False, ("Too few baseline values to chart." if len(base) < 10 else
                       "No data after the baseline to look for a signal in.")
    sub = _subgroup_column(series)
    kw: dict[str, Any] = {"value": value, "time": "timestamp"}
    if sub:
        kw["subgroup"] = sub
    points = int(rest[sub].nunique()) if sub else len(rest)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        advice = spc.advise(base, **kw, period_points=max(points, 1),
                            alarm_rate=EVIDENCE_ALPHA)
        chart = advice.chart(base)
        new = advice.transform(rest) if advice.transformation else rest
        chart = chart.monitor(new)
    sig = chart.signals
    sig = sig[sig["phase"] == "II"] if "phase" in sig else sig
    title = spc.get_family(advice.family).title
    how = (f"the advised {title} chart (limits ±{advice.nsigmas:.2f} sigma from the "
           f"baseline, set so a stable series shows a point beyond them in these "
           f"{points} points with probability {EVIDENCE_ALPHA:g})")
    if not len(sig):
        return False, f"No point beyond the limits of {how}."
    first = pd.Timestamp(sig["time"].min()).tz_convert(a.tz)
    return True, (f"{len(sig)} point(s) beyond the limits of {how}, the first at "
                  f"{first:%d %b %Y %H:%M}.")


def _change_evidence(series: pd.DataFrame, value: str, date: dt.date | None, days: float,
                     a: _Ctx) -> tuple[bool, str]:
    from leankit import rca

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cp = rca.change_points(series, value=value, time="timestamp")
    ch = cp.changes
    if date is None or not len(ch):
        return False, "No change point in the data."
    when = _local(date, a.tz)
    tol = pd.Timedelta(days=days)
    near = ch[(ch["time_upper"] >= when - tol) & (ch["time_lower"] <= when + tol + pd.Timedelta(
        days=1)) & (ch["p_value"] < EVIDENCE_ALPHA)]
    if not len(near):
        times = ", ".join(f"{pd.Timestamp(t).tz_convert(a.tz):%d %b}" for t in ch["time"])
        return False, (f"No change point within {days:g} days of {date:%d %b %Y} "
                       f"(change points found: {times}).")
    r = near.iloc[0]
    t = pd.Timestamp(r["time"]).tz_convert(a.tz)
    p = "< 0.001" if r["p_value"] < 0.001 else f"= {r['p_value']:.2g}"
    lo, hi = (pd.Timestamp(r[k]).tz_convert(a.tz) for k in ("time_lower", "time_upper"))
    return True, (f"Change point at {t:%d %b %Y %H:%M} (CI {lo:%d %b} – {hi:%d %b}), from "
                  f"{r['before']:.4g} to {r['after']:.4g} (p {p}), matching {date:%d %b %Y}.")


# ----------------------------------------------------------------------------- analysis


@dataclass
class _Ctx:
    spec: A3Spec
    tz: str
    before: tuple[pd.Timestamp, pd.Timestamp]
    after: tuple[pd.Timestamp, pd.Timestamp]
    change: pd.Timestamp
    measurements: pd.DataFrame
    defects: pd.DataFrame
    production: pd.DataFrame
    specs: pd.DataFrame

    def specs_of(self, name: str) -> tuple[float | None, float | None, float | None]:
        """(lsl, usl, target) of a characteristic from the specs table."""
        return specs_of(CharacteristicSpec(name=name), self.specs)


def _sustain(spec: A3Spec, m: MetricCheck, store: Any) -> tuple[str, pd.DataFrame | None]:
    """The limits of the improved state: frozen in the limits registry (``[sustain]
    freeze = true``) or stated as recommended."""
    from leankit import spc

    if not m.ok or m.chart_staged is None:
        return "No limits: the metric could not be charted.", None
    after = m.series[m.series["stage"] == "after"] if m.series is not None else None
    if after is None or after.empty:
        return "No limits: no data after the change.", None
    fam = m.chart_family
    cols = {"value": "value", "time": "timestamp", "count": "count", "size": "inspected"}
    if m.metric.kind == "characteristic" and "subgroup" in after and fam.startswith("xbar"):
        cols["subgroup"] = "subgroup"
    fam_cols = {*spc.get_family(fam).column_args, "time"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chart = spc.chart(after.reset_index(drop=True), type=fam,
                          **{k: v for k, v in cols.items() if k in fam_cols})
    table = chart.limits.drop(columns=[c for c in ("method",) if c in chart.limits])
    points = len(chart.to_frame()[["subgroup"]].drop_duplicates())
    short = points < 20
    caveat = (f" They rest on {points} points only: recompute them at the review, when 20 "
              "or more points of the new state exist." if short else "")
    if not spec.sustain.freeze or store is None:
        return (f"Recommended limits of the improved state ({fam.replace('_', ' ')} chart of "
                f"the data after the change); freeze them with `leankit limits freeze`."
                + caveat), table
    key = m.metric.characteristic if m.metric.kind == "characteristic" else m.metric.name
    current = store.current(key)
    reason = f"A3 {spec.title!r}: the improved state after {spec.change}"
    if current is not None and current.reason == reason:
        return (f"Frozen in the limits registry as {current.label}." + caveat), table
    try:
        v = (store.recompute if current is not None else store.freeze)(
            key, chart, reason=reason, by=spec.owner)
    except (LeankitError, ValueError, OSError) as exc:
        return (f"Not frozen ({exc}); recommended limits below." + caveat), table
    return f"Frozen in the limits registry as {v.label}." + caveat, table


def analyse_a3(spec: A3Spec, *, progress: Callable[[str], None] | None = None
               ) -> A3Analysis:
    """Compute the A3 report of *spec*: metrics before/after, cause evidence, fishbone,
    countermeasures, limits of the improved state.

    Raises
    ------
    ReportSpecError
        The dataset is missing or empty, a filter names an unknown column.
    """
    from leankit import rca, spc

    say = progress or (lambda _m: None)
    failures = _Failures()
    src = open_source(spec.data, f"{spec.source}: [a3] data")
    tz = spec.timezone
    before = (_local(spec.baseline[0], tz), _local(spec.baseline[1], tz))
    change = _local(spec.change, tz)
    timed = [last for _, last, n in (src.span(k) for k in ("measurements", "defects",
                                                           "production"))
             if n and last is not None]
    if not timed:
        raise ReportSpecError(f"{spec.source}: [a3] data: the dataset is empty")
    if spec.improvement is not None:
        after = (_local(spec.improvement[0], tz), _local(spec.improvement[1], tz))
    else:
        last = pd.Timestamp(max(timed)).tz_convert(tz).tz_localize(None).normalize()
        after = (change, _local((last + pd.Timedelta(days=1)).date(), tz))
    as_of = spec.as_of or (after[1].tz_convert(tz) - pd.Timedelta(days=1)).date()
    # only the rows of the two periods are read (filtered in the engine)
    tables = {k: src.read(k, before[0], after[1]) for k in KINDS}
    ctx = _Ctx(spec=spec, tz=tz, before=before, after=after, change=change,
               measurements=tables["measurements"], defects=tables["defects"],
               production=tables["production"], specs=tables["specs"])
    metrics: list[MetricCheck] = []
    for i, m in enumerate(spec.metrics):
        say(f"metric {m.name}")
        at = f"{spec.source}: [metrics[{i}]] where"
        try:
            if m.kind == "defect_rate":
                mc = _rate_metric(m, _filter(ctx.defects, m.where, at), ctx)
            elif m.kind == "kpi":
                mc = _kpi_metric(m, _filter(ctx.production, m.where, at), ctx)
            else:
                meas = ctx.measurements
                names = sorted(meas["characteristic"].dropna().unique()) if len(meas) else []
                if m.characteristic not in names:
                    raise ReportSpecError(
                        f"{spec.source}: [metrics[{i}]] characteristic = "
                        f"{m.characteristic!r} is not in the measurements"
                        f"{suggest(str(m.characteristic), names)} Characteristics: "
                        f"{', '.join(names)}")
                rows = _filter(meas[meas["characteristic"] == m.characteristic], m.where, at)
                mc = _char_metric(m, rows, ctx)
        except ReportSpecError:
            raise
        except LeankitError as exc:
            mc = MetricCheck(metric=m, before_value=math.nan, after_value=math.nan,
                             value_label=m.name, unit="", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - one metric must not kill the report
            mc = MetricCheck(metric=m, before_value=math.nan, after_value=math.nan,
                             value_label=m.name, unit="",
                             error=failures.record("Effect check", f"metric {m.name}", exc))
        metrics.append(mc)
    say("causes")
    causes = []
    for c in spec.causes:
        try:
            causes.append(_cause_check(c, ctx, metrics))
        except ReportSpecError:
            raise
        except Exception as exc:  # noqa: BLE001
            msg = (str(exc) if isinstance(exc, LeankitError) else
                   failures.record("Root-cause analysis", f"evidence of {c.cause}", exc))
            causes.append(CauseCheck(cause=c, shown="not verified" if c.status == "verified"
                                     else "open", evidence=f"The evidence could not be "
                                     f"computed: {msg}", reason="evidence failed"))
    frame = pd.DataFrame([{"category": c.cause.category, "cause": c.cause.cause,
                           "status": c.shown, "evidence": c.evidence} for c in causes],
                         columns=["category", "cause", "status", "evidence"])
    fish = rca.fishbone(frame, effect=metrics[0].metric.name, categories=list(spec.categories))
    acts = pd.DataFrame([{"action": x.action, "owner": x.owner, "due": x.due,
                          "done": x.done, "status": x.status, "cause": x.cause}
                         for x in spec.countermeasures],
                        columns=["action", "owner", "due", "done", "status", "cause"])
    if len(acts):
        acts["overdue"] = (acts["status"] != "done") & (acts["due"] < as_of)
    else:
        acts["overdue"] = pd.Series(dtype=bool)
    say("sustain")
    store = None if isinstance(spec.data, str) else spc.LimitsStore(spec.data)
    limits_text, limits_table = _sustain(spec, metrics[0], store)
    return A3Analysis(spec=spec, tz=tz, before=before, after=after, change=change,
                      as_of=as_of, metrics=tuple(metrics), causes=tuple(causes),
                      fishbone=fish, actions=acts, limits_text=limits_text,
                      limits_table=limits_table, failures=tuple(failures.items),
                      notes=tuple(failures.notes), data_label=src.label)

