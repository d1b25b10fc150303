"""The weekly quality report: KPIs, verdicts, attention list, control charts, capability,
defect Pareto, root causes, OEE, data quality, methods — from a report spec."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from leankit import __version__
from leankit._text import isolate, shorten
from leankit.errors import LeankitError, suggest
from leankit.reports._adapters import mix_text, signals_in_words, vital_few_text
from leankit.reports._report import Block, Report, Table
from leankit.reports._spec import (
    AUTO,
    CharacteristicSpec,
    ReportSpec,
    ReportSpecError,
    rules_for,
)
from leankit.reports._verdicts import (
    SeriesVerdict,
    Window,
    assess_counts,
    assess_measurement,
    count_series,
    replace,
)

__all__ = ["weekly_report"]

_GOOD, _WARN, _BAD, _NEUTRAL = "good", "warn", "bad", "neutral"
HIGHER_BETTER = {"fpy": True, "oee": True, "scrap_rate": False, "dpmo": False,
                 "out_of_control": False}
_KPI_NAMES = {"fpy": "First-pass yield", "scrap_rate": "Scrap rate", "oee": "OEE",
              "dpmo": "DPMO", "out_of_control": "Out-of-control characteristics"}


def _n(name: Any) -> str:
    """A name from data inside a sentence: isolated (its direction stays inside it) and
    cut to 120 characters (the tables show it whole)."""
    return isolate(name, 120)


def _failure_text(exc: BaseException) -> str:
    """``Type: message`` in one line of at most 200 characters."""
    msg = " ".join(str(exc).split()) or "(no message)"
    if len(msg) > 200:
        msg = msg[:199] + "…"
    return f"{type(exc).__name__}: {msg}"


def _debug() -> bool:
    import os

    return os.environ.get("LEANKIT_DEBUG", "") not in ("", "0")


class _Guard:
    """Runs one analysis of the report: an unexpected error is recorded on the report
    (``Report.failures``), the section says "This analysis failed: ...", and the rest
    of the report is still built. Out-of-memory and interrupts are not caught."""

    def __init__(self, rep: Report) -> None:
        self.rep = rep

    def record(self, what: str, exc: BaseException) -> str:
        if _debug():
            raise exc
        text = f"this analysis failed: {_failure_text(exc)}"
        self.rep.failures.append((what, _failure_text(exc)))
        return text

    @contextmanager
    def __call__(self, what: str, section: str) -> Iterator[None]:
        try:
            yield
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - one analysis must not kill the report
            if _debug():
                raise
            text = self.record(what, exc)
            self.rep.section(section).blocks.append(
                Block("note", f"{shorten(what, 200)}: {text}."))


def _week_bounds(week: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    year, w = week.split("-W")
    start = pd.Timestamp(dt.date.fromisocalendar(int(year), int(w), 1), tz="UTC")
    return start, start + pd.Timedelta(days=7)


def _iso(ts: pd.Timestamp) -> str:
    y, w, _ = ts.isocalendar()
    return f"{y}-W{w:02d}"


def _fmt(kpi: str, v: float) -> str:
    if v is None or not np.isfinite(v):
        return "—"
    if kpi in ("fpy", "oee", "scrap_rate"):
        return f"{100 * v:.1f} %"
    if kpi == "dpmo":
        return f"{v:,.0f}"
    return f"{v:.0f}"


def _delta(kpi: str, now: float, before: float) -> str:
    if not (np.isfinite(now) and np.isfinite(before)):
        return "no previous week"
    d = now - before
    if kpi in ("fpy", "oee", "scrap_rate"):
        txt = f"{100 * d:+.1f} pts"
    elif kpi == "dpmo":
        txt = f"{d:+,.0f}"
    else:
        txt = f"{d:+.0f}"
    arrow = "▲" if d > 0 else ("▼" if d < 0 else "=")
    return f"{arrow} {txt} vs last week"


def _status(kpi: str, value: float, target: float | None) -> str:
    if target is None or not np.isfinite(value):
        return _NEUTRAL
    better = HIGHER_BETTER[kpi]
    ok = value >= target if better else value <= target
    if ok:
        return _GOOD
    gap = abs(value - target) / (abs(target) if target else 1.0)
    return _WARN if gap < 0.05 else _BAD


class _Data:
    def __init__(self, spec: ReportSpec) -> None:
        from leankit.io import Dataset

        self.ds = Dataset(spec.data)
        if not self.ds.manifest_path.exists():
            raise ReportSpecError(f"{spec.source}: [report] data = {str(spec.data)!r} is not a "
                                  "leankit dataset (no manifest.json); run `leankit ingest`")
        self.tables = {k: self.ds.read_arrow(k).to_pandas() for k in
                       ("measurements", "defects", "production", "specs")}


def _limits_store(spec: ReportSpec) -> Any:
    """The dataset's limits registry when it holds any version, else None."""
    from leankit.spc import LimitsStore

    store = LimitsStore(spec.data)
    return store if store.path.exists() else None


def _specs_of(c: CharacteristicSpec, specs: pd.DataFrame
              ) -> tuple[float | None, float | None, float | None]:
    """(lsl, usl, target) of a characteristic: the spec file's, else the specs table's."""
    lsl, usl, target = c.lsl, c.usl, c.target
    srow = specs[specs["characteristic"] == c.name] if len(specs) else specs
    if len(srow):
        r0 = srow.iloc[0]

        def val(col: str) -> float | None:
            return None if pd.isna(r0[col]) else float(r0[col])

        lsl = lsl if lsl is not None else val("lsl")
        usl = usl if usl is not None else val("usl")
        target = target if target is not None else val("target")
    return lsl, usl, target


def _time_col(kind: str) -> str:
    return {"measurements": "timestamp", "defects": "timestamp",
            "production": "period_start"}[kind]


def _pick_week(spec: ReportSpec, data: _Data) -> str:
    if spec.week != "last":
        return spec.week
    latest = [t[_time_col(k)].max() for k, t in data.tables.items()
              if k != "specs" and len(t)]
    if not latest:
        raise ReportSpecError(f"{spec.source}: [report] week = \"last\" but the dataset is "
                              "empty")
    return _iso(max(latest))


def _in(df: pd.DataFrame, col: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    return df[(df[col] >= start) & (df[col] < end)]


def weekly_report(spec: ReportSpec, *, progress: Callable[[str], None] | None = None) -> Report:
    """Build the weekly quality report described by *spec*.

    Raises
    ------
    ReportSpecError
        Unknown characteristic, a week without data, an unreadable dataset (the message
        names the spec key).
    """
    from leankit._theme import default_theme

    with default_theme():
        return _weekly(spec, progress)


def _weekly(spec: ReportSpec, progress: Callable[[str], None] | None) -> Report:
    say = progress or (lambda _msg: None)
    data = _Data(spec)
    meas, defects, prod, specs = (data.tables[k] for k in
                                  ("measurements", "defects", "production", "specs"))
    week = _pick_week(spec, data)
    start, end = _week_bounds(week)
    prev_start = start - pd.Timedelta(days=7)
    has_week = any(len(_in(t, _time_col(k), start, end)) for k, t in data.tables.items()
                   if k != "specs")
    if not has_week:
        spans = [f"{k}: {t[_time_col(k)].min():%Y-%m-%d} to {t[_time_col(k)].max():%Y-%m-%d}"
                 for k, t in data.tables.items() if k != "specs" and len(t)]
        raise ReportSpecError(f"{spec.source}: [report] week = {week!r} has no data; the "
                              f"dataset covers {'; '.join(spans) or 'nothing'}")
    rep = Report(title=spec.title, subtitle=f"Week {week} ({start:%d %b %Y} – "
                 f"{end - pd.Timedelta(days=1):%d %b %Y}, UTC)")
    guard = _Guard(rep)
    freshness = [f"{k}: latest {t[_time_col(k)].max():%Y-%m-%d %H:%M} UTC" for k, t in
                 data.tables.items() if k != "specs" and len(t)]
    scope = []
    for col in ("site", "line"):
        if col in meas and meas[col].notna().any():
            scope.append(f"{col}s: " + ", ".join(
                _n(v) for v in sorted(meas[col].dropna().astype(str).unique())))
    rep.header_lines = [("Scope: " + "; ".join(scope)) if scope else "Scope: all data",
                        "Data freshness: " + "; ".join(freshness)]

    # ------------------------------------------------------------- control charts
    chars = list(spec.characteristics)
    available = sorted(meas["characteristic"].dropna().unique()) if len(meas) else []
    for i, c in enumerate(chars):
        if c.name not in available:
            raise ReportSpecError(
                f"{spec.source}: [characteristics[{i}]] name = {c.name!r} is not in the "
                f"measurements{suggest(c.name, available)} Characteristics: "
                f"{', '.join(available)}")
    if not chars:
        chars = [CharacteristicSpec(name=str(n), chart=spec.chart,
                                    rules=() if spec.chart == AUTO
                                    else rules_for(spec.chart, spec.rules))
                 for n in available]
    if spec.baseline is not None:
        b0, b1 = (pd.Timestamp(v, tz="UTC") for v in spec.baseline)
    else:
        t0 = meas["timestamp"].min() if len(meas) else start
        b0 = pd.Timestamp(t0).normalize() - pd.Timedelta(days=pd.Timestamp(t0).weekday())
        b1 = min(b0 + pd.Timedelta(weeks=spec.baseline_weeks), start)
    shown_from = max(start - pd.Timedelta(weeks=spec.context_weeks), b1)
    win = Window(b0=b0, b1=b1, shown_from=shown_from, start=start, end=end)
    store = _limits_store(spec)
    results: list[SeriesVerdict] = []
    for c in chars:
        say(f"chart {c.name}")
        rows = meas[meas["characteristic"] == c.name]
        try:
            v = assess_measurement(rows, c, win, alarm_rate=spec.alarm_rate,
                                   specs=_specs_of(c, specs), store=store)
        except Exception as exc:  # noqa: BLE001 - one analysis must not kill the report
            v = SeriesVerdict(name=c.name, kind="measurements", charted=False, spec=c,
                              error=guard.record(f"control chart of {c.name}", exc))
        results.append(v)
    for cs in spec.counts:
        say(f"chart {cs.name}")
        try:
            series = count_series(defects, where=dict(cs.where), period=cs.period)
            v = assess_counts(series, cs.name, win, attribute=cs.attribute,
                              alarm_rate=spec.alarm_rate, store=store, spec=cs)
        except Exception as exc:  # noqa: BLE001 - one analysis must not kill the report
            v = SeriesVerdict(name=cs.name, kind="counts", charted=False, spec=cs,
                              error=guard.record(f"count chart of {cs.name}", exc))
        results.append(v)
    rep.verdicts = list(results)

    # ----------------------------------------------------------------- capability
    cap_rows = []
    for v in results:
        cv = v.capability
        if not (v.charted and cv.assessed and cv.result is not None):
            continue
        cap: Any = cv.result
        cap_rows.append({
            "characteristic": v.name, "n": cap.n, "model": cv.model,
            "basis": cv.basis, "lsl": cap.lsl, "usl": cap.usl, "index": cv.index.upper()
            if cv.index else "", "estimate": cv.value, "lower": cv.lower,
            "upper": cv.upper, "worse side": cv.side or "—",
            "previous week": cv.previous, "ppm (expected)": cap.dpmo,
            "target": v.spec.capability_target,
            "stable": "yes" if not v.special_cause else "NO: current state only",
        })
    cap_table = pd.DataFrame(cap_rows)

    # -------------------------------------------------------------------- defects
    from leankit import lean, rca

    dwk = _in(defects, "timestamp", start, end)
    dpv = _in(defects, "timestamp", prev_start, start)
    pareto = comparison = strat = None
    model: Any = None
    unknown = [f for f in spec.factors if f not in defects.columns]
    if unknown:
        cols = [str(c) for c in defects.columns if not str(c).startswith("source_")]
        raise ReportSpecError(
            f"{spec.source}: [defects] factors: {unknown[0]!r} is not a column of the defects "
            f"table{suggest(unknown[0], cols)} Columns: {', '.join(cols)}")
    no_strat = "No defects to stratify this week."
    if len(dwk):
        say("defects")
        with guard("defect Pareto", "Defects: Pareto"):
            pareto = rca.pareto(dwk, category="defect_type", count="count")
        if len(dpv):
            with guard("change of the defect mix", "Defects: Pareto"):
                comparison = rca.compare(dpv, dwk, category="defect_type", count="count")
        factors = [f for f in spec.factors if dwk[f].nunique() > 1]
        if not factors:
            no_strat = ("Not stratified: each factor has a single level this week ("
                        + ", ".join(f"{f} = {_n(dwk[f].iloc[0])}" for f in spec.factors)
                        + ")." if spec.factors else "Not stratified: no factors in the spec "
                        "([defects] factors).")
        elif dwk["count"].sum() <= 0:
            no_strat = "No defects counted this week (all counts are 0)."
        else:
            lot = "lot" if "lot" in dwk and dwk["lot"].notna().all() else None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with guard("stratification of the defects", "Root causes"):
                    strat = rca.stratify(dwk, by=factors, count="count", size="inspected",
                                         lot=lot)
                try:
                    model = rca.drivers(dwk, outcome="count", factors=factors[-2:],
                                        exposure="inspected", lot=lot)
                except (LeankitError, ValueError) as exc:
                    model = str(exc)
                except Exception as exc:  # noqa: BLE001 - must not kill the report
                    model = guard.record("driver model", exc)

    # ------------------------------------------------------------------ KPI values
    say("KPIs")
    pwk = _in(prod, "period_start", start, end)
    ppv = _in(prod, "period_start", prev_start, start)

    def kpis(pr: pd.DataFrame, de: pd.DataFrame, sig_key: str) -> dict[str, float]:
        out: dict[str, float] = {}
        if len(pr):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out["oee"] = float(lean.oee(pr, by=None, invalid="exclude").value)
            tot = float(pr["total_count"].sum())
            out["fpy"] = float(pr["good_count"].sum()) / tot if tot else np.nan
            out["scrap_rate"] = float(pr["scrap_count"].sum()) / tot if tot else np.nan
        if len(de):
            units = float(de.drop_duplicates("lot")["inspected"].sum()) if "lot" in de and \
                de["lot"].notna().all() else float(de["inspected"].sum())
            out["dpmo"] = float(de["count"].sum()) / (units * spec.opportunities) * 1e6 \
                if units else np.nan
        out["out_of_control"] = float(sum(
            1 for r in results if r.charted and len(getattr(r, sig_key))))
        return out

    now: dict[str, float] = {}
    before: dict[str, float] = {}
    with guard("KPIs of the week", "Summary"):
        now = kpis(pwk, dwk, "week_signals")
    with guard("KPIs of the previous week", "Summary"):
        before = kpis(ppv, dpv, "prev_signals")
    oee_res = None
    if len(pwk):
        with warnings.catch_warnings(), guard("OEE", "OEE and downtime"):
            warnings.simplefilter("ignore")
            oee_res = lean.oee(pwk, by=["line", "machine"])

    # ------------------------------------------------------------------- sections
    include = set(spec.sections)
    with guard('summary', 'Summary'):
        if "summary" in include:
            sec = rep.section("Summary", intro="The week at a glance: each tile compares the week "
                              "with its target and with the previous week.")
            tiles, verdicts = [], []
            for k in KPI_ORDER:
                if k not in now:
                    continue
                tgt = spec.targets.get(k)
                lvl = _status(k, now[k], tgt)
                detail = (f"target {_fmt(k, tgt)} · " if tgt is not None else "") + _delta(
                    k, now[k], before.get(k, np.nan))
                tiles.append({"name": _KPI_NAMES[k], "value": _fmt(k, now[k]), "detail": detail,
                              "level": lvl})
            sec.blocks.append(Block("tiles", tiles))
            for v in results:
                if not v.charted:
                    verdicts.append({"metric": v.name, "icon": "no chart", "level": _NEUTRAL,
                                     "text": v.verdict})
                    continue
                cv = v.capability
                ok = (cv.value >= v.spec.capability_target if cv.assessed
                      and hasattr(v.spec, "capability_target") else None)
                level = _BAD if v.special_cause else (
                    _GOOD if ok or (ok is None and v.kind == "counts") else
                    (_WARN if ok is False else _NEUTRAL))
                verdicts.append({"metric": v.name, "icon": "special cause" if v.special_cause
                                 else "common cause", "level": level, "text": v.verdict})
            if pareto is not None:
                verdicts.append({"metric": "defects", "icon": "biggest problem", "level": _NEUTRAL,
                                 "text": f"{_n(pareto.top)} is the top defect type "
                                 f"({pareto.table['percent'].iloc[0]:.0f} % of "
                                 f"{int(pareto.table['value'].sum())} defects)."})
            if strat is not None:
                verdicts.append({"metric": "defect source", "icon": "where to look",
                                 "level": _WARN, "text": strat.finding()})
            sec.blocks.append(Block("verdicts", verdicts))

    # control-chart items (created before the attention list so it can link to them)
    chart_items: dict[str, str] = {}
    chart_blocks: list[tuple[str, list[Block], tuple[str, str]]] = []
    if "spc" in include:
        from leankit.spc._figures import chart_figure

        for v in results:
            if v.charted:
                try:
                    chart_blocks.append(_chart_item(rep, v, b0, b1, chart_figure))
                    continue
                except Exception as exc:  # noqa: BLE001 - one chart must not kill the report
                    v = replace(v, charted=False,
                                error=guard.record(f"control chart of {v.name}", exc))
            chart_blocks.append((v.name, [Block("note", f"Not charted: {v.error}")],
                                 ("no chart", _NEUTRAL)))

    pareto_anchor = strat_anchor = ""
    if "attention" in include:
        rep.section("What needs attention", intro="Ranked by severity: new special causes "
                    "first, then continuing ones, capability gaps, missed targets and shifts "
                    "of the defect mix. Each signal links to the defect mix and the ranked "
                    "causes of the week.")
    if "spc" in include:
        rep.section("Control charts", intro=f"One chart per characteristic. Limits from the "
                    f"baseline {b0:%d %b} – {b1 - pd.Timedelta(days=1):%d %b %Y} (Phase I), the "
                    f"last {spec.context_weeks} weeks and this week scored against them "
                    "(Phase II, shaded).")
        for name, blocks, badge in chart_blocks:
            it = rep.item("Control charts", name, blocks, badge=badge,
                          open=badge[1] == _BAD and len(chart_blocks) <= 20)
            chart_items[name] = "#" + it.anchor
    with guard('capability section', 'Capability'):
        if "capability" in include:
            sec = rep.section("Capability", intro="Capability against the specifications, "
                              "with 95 % confidence bounds, in the distribution model chosen "
                              "on the baseline and kept week after week. A week with a special "
                              "cause is assessed on its current state only (the data after the "
                              "change the chart detected), or not at all: an index over two "
                              "process states describes neither.")
            if len(cap_table):
                sec.blocks.append(Block("table", Table.from_frame(cap_table)))
            missing = [f"{_n(v.name)}: {v.capability.why_not}" for v in results
                       if v.charted and v.kind == "measurements" and not v.capability.assessed]
            if missing:
                sec.blocks.append(Block("note", "Not assessed — " + "; ".join(missing)))
            for v in results:
                cap = v.capability.result
                if cap is not None:
                    rep.item("Capability", f"{v.name} capability", [
                        Block("table", Table.from_frame(cap.indices)),
                        rep.figure(cap.figure(height=360),
                                   label=f"capability of {v.name}"),
                        Block("list", list(cap.notes))])
    with guard('defect Pareto', 'Defects: Pareto'):
        if "pareto" in include:
            sec = rep.section("Defects: Pareto", intro="The defect mix of the week and how it "
                              "changed from the previous week.")
            if pareto is None:
                sec.blocks.append(Block("note", "No defect data this week."))
            else:
                it = rep.item("Defects: Pareto", "Pareto of the week", [
                    Block("finding", vital_few_text(pareto)),
                    rep.figure(pareto.figure(height=380), label="defect Pareto"),
                    Block("table", Table.from_frame(pareto.table))], open=True)
                pareto_anchor = "#" + it.anchor
                if comparison is not None:
                    rep.item("Defects: Pareto", "Change vs the previous week", [
                        Block("finding", mix_text(comparison)),
                        rep.figure(comparison.figure(height=360), label="mix comparison"),
                        Block("table", Table.from_frame(comparison.table))])
    with guard('root causes', 'Root causes'):
        if "rootcause" in include:
            sec = rep.section("Root causes", intro="Where the defects of the week come from: "
                              "rates per unit inspected by factor, with interactions.")
            if strat is None:
                sec.blocks.append(Block("note", no_strat))
            else:
                sec.blocks.append(Block("finding", strat.finding()))
                it = rep.item("Root causes", "Where to look first", [
                    Block("table", Table.from_frame(strat.ranking.head(10)[
                        ["factor", "level", "defects", "exposure", "rate", "expected", "rate_ratio",
                         "p_adjusted"]])),
                    rep.figure(strat.figure(), label="stratification"),
                    Block("table", Table.from_frame(strat.factors))], open=True)
                strat_anchor = "#" + it.anchor
                if isinstance(model, str):
                    sec.blocks.append(Block("note", f"Driver model not fitted: {model}"))
                elif model is not None:
                    rep.item("Root causes", "Driver model", [
                        Block("finding", model.finding()),
                        Block("table", Table.from_frame(model.anova)),
                        Block("list", list(model.notes))])
    with guard('OEE and downtime', 'OEE and downtime'):
        if "oee" in include:
            sec = rep.section("OEE and downtime", intro="Availability × performance × quality per "
                              "machine, and where the minutes were lost.")
            if oee_res is None:
                sec.blocks.append(Block("note", "No production data this week."))
            else:
                rep.item("OEE and downtime", "OEE by machine", [
                    Block("table", Table.from_frame(oee_res.to_frame())),
                    rep.figure(oee_res.figure(), label="OEE")], open=True)
                dp = oee_res.downtime_pareto()
                rep.item("OEE and downtime", "Downtime Pareto", [
                    Block("finding", f"Top downtime reason: {_n(dp.to_frame().iloc[0, 0])}"),
                    rep.figure(dp.figure(), label="downtime Pareto"),
                    Block("table", Table.from_frame(dp.to_frame()))], open=True)
    # attention list (now that the anchors exist)
    if "attention" in include:
        att: list[dict[str, Any]] = []
        links = [(t, h) for t, h in (("defect mix", pareto_anchor),
                                      ("ranked causes", strat_anchor)) if h]
        for v in results:
            if not v.charted:
                continue
            if v.special_cause and v.first_signal is not None:
                new = v.new
                what = v.rules[0]["description"] if v.rules else "signal"
                att.append({"sev": 3 if new else 2, "label": "NEW signal" if new else "signal",
                            "level": _BAD if new else _WARN,
                            "text": f"{_n(v.name)}: {what} at "
                            f"{v.first_signal:%a %d %b %H:%M} UTC ({v.signalling_points} "
                            "signalling points this week).",
                            "href": chart_items.get(v.name, ""), "links": links})
            cv = v.capability
            if cv.assessed and cv.index is not None:
                k, val = cv.index, cv.value
                trend = ""
                if np.isfinite(cv.previous) and val < cv.previous - 0.1:
                    trend = f", down from {cv.previous:.2f} last week"
                side = f" at the {cv.side} specification" if cv.side else ""
                target = v.spec.capability_target
                if val < target:
                    att.append({"sev": 2 if val < 1.0 else 1, "label": "capability",
                                "level": _BAD if val < 1.0 else _WARN,
                                "text": f"{_n(v.name)}: {k.capitalize()} {val:.2f}{side} below "
                                f"the target {target:g}{trend}.", "href": "", "links": []})
        for k, kv in now.items():
            tgt = spec.targets.get(k)
            if tgt is not None and _status(k, kv, tgt) in (_BAD, _WARN):
                att.append({"sev": 1, "label": "target", "level": _status(k, kv, tgt),
                            "text": f"{_KPI_NAMES[k]} {_fmt(k, kv)} misses the target "
                            f"{_fmt(k, tgt)}.", "href": "", "links": []})
        if comparison is not None and comparison.p_value < 0.05:
            movers = ", ".join(f"{_n(r.category)} ({r.change_points:+.1f} pts)"
                               for r in comparison.movers.itertuples())
            att.append({"sev": 1, "label": "mix", "level": _WARN,
                        "text": f"The defect mix changed: {movers}.", "href": pareto_anchor,
                        "links": []})
        if strat is not None and len(strat.ranking) and strat.ranking.iloc[0]["p_adjusted"] < 0.05:
            att.append({"sev": 1, "label": "cause", "level": _WARN, "text": strat.finding(),
                        "href": strat_anchor, "links": []})
        att.sort(key=lambda a: -int(a["sev"]))
        sec = rep.section("What needs attention")
        if att:
            sec.blocks.append(Block("attention", att))
        else:
            sec.blocks.append(Block("text", "Nothing needs attention this week."))
        # keep the attention list right after the summary
        rep.sections.insert(1 if "summary" in include else 0,
                            rep.sections.pop(rep.sections.index(sec)))
    if "methods" in include:
        with guard("methods", "Methods"):
            _methods(rep, spec, b0, b1, any(getattr(r.spec, "chart", AUTO) == AUTO
                                            for r in results),
                     expected=float(np.nansum([designed_rate(r) for r in results])))
    if "data_quality" in include:
        with guard("data quality", "Data quality"):
            _data_quality(rep, data)
        if "methods" in include:  # keep Methods last
            rep.sections.append(rep.sections.pop(
                next(i for i, x in enumerate(rep.sections) if x.title == "Methods")))
    if rep.failures:
        rep.header_lines.append(
            f"{len(rep.failures)} analys{'is' if len(rep.failures) == 1 else 'es'} failed "
            "(see Data quality): the report is incomplete.")
        sec = rep.section("Data quality")
        sec.blocks.insert(0, Block("attention", [
            {"level": _BAD, "label": "failed", "text": f"{shorten(what, 200)}: {msg}",
             "href": "", "links": []} for what, msg in rep.failures]))
    rep.data = _verdicts_json(spec, week, win, results, now, before, rep.failures)
    hashes = [f"{f['name']} sha256 {f['sha256'][:16]}…" for f in data.ds.files()]
    rep.footer_lines = [
        f"Generated by leankit {__version__} on "
        f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC} from spec {spec.source}"
        + (f" (sha256 {spec.sha256[:16]}…)" if spec.sha256 else "") + ".",
        f"Dataset {spec.data}; inputs: " + "; ".join(hashes) + ".",
    ]
    return rep


def _chart_item(rep: Report, v: SeriesVerdict, b0: pd.Timestamp, b1: pd.Timestamp,
                chart_figure: Callable[..., Any]) -> tuple[str, list[Block], tuple[str, str]]:
    """The control-chart item of one series: advice, findings, figure(s), limits."""
    blocks: list[Block] = []
    if v.advice is not None:
        blocks.append(Block("note", shorten(_advice_text(v.advice), 600)))
    signalled = []
    for chart in (v.chart, v.companion):
        if chart is None or not len(v.week_signals):
            continue
        mine = v.week_signals[v.week_signals["panel"].isin(set(chart.points["panel"]))]
        if len(mine):
            signalled += signals_in_words(dataclasses.replace(chart, signals=mine))
    if signalled:
        blocks.append(Block("finding", f"Signals this week ({v.signalling_points} points):"))
        blocks.append(Block("list", signalled))
    else:
        blocks.append(Block("text", "No signals this week: only common-cause variation."))
    blocks.append(Block("text", f"Limits: {v.limits_source}."))
    for chart, what in ((v.chart, v.family), (v.companion, v.companion_family)):
        if chart is None:
            continue
        display = dataclasses.replace(
            chart, points=chart.points[chart.points["phase"] == "II"].reset_index(drop=True))
        how = f" of {v.transformation.replace('_', ' ')}" if v.transformation else ""
        fig = chart_figure(display, compact=True,
                           title=f"{shorten(v.name)} ({what}{how})")
        blocks.append(rep.figure(fig, label=f"{what} chart of {v.name}"))
    blocks.append(Block("table", Table.from_frame(v.chart.limits.drop(
        columns=[x for x in ("method",) if x in v.chart.limits]))))
    badge = ("special cause", _BAD) if v.special_cause else ("common cause", _GOOD)
    return v.name, blocks, badge


#: Format tag of the weekly report's JSON verdicts (``X.json`` beside ``X.html``).
JSON_FORMAT = "leankit.weekly-verdicts/1"


def designed_rate(v: SeriesVerdict) -> float:
    """Designed probability that this series shows a false special cause in a stable
    week: the advised (calibrated) rate of chart = "auto", else the exact rate of the
    named chart's rules at its points per week (NaN where no design applies)."""
    from leankit import spc

    if not v.charted or v.chart is None:
        return math.nan
    if v.advice is not None:
        d = v.advice.diagnostics
        for key in ("combined_rate_simulated", "achieved_rate"):
            val = d.get(key)
            if val is not None and np.isfinite(val):
                return float(val)
        return math.nan
    pts = v.chart.points
    panel0 = pts["panel"].iloc[0]
    p1 = pts[(pts["panel"] == panel0) & (pts["phase"] == "I")]
    weeks = pd.to_datetime(p1["time"], utc=True).dt.tz_localize(None).dt.to_period("W-SUN")
    per = int(round(float(p1.groupby(weeks).size().median()))) if len(p1) else 0
    rules = v.chart.parameters.get("rules", ())
    try:
        return float(spc.arl("shewhart", rules=list(rules),
                             nsigmas=float(v.chart.parameters.get("nsigmas", 3.0))
                             ).false_alarm_probability(max(per, 1)))
    except (LeankitError, ValueError):
        return math.nan


def _verdicts_json(spec: ReportSpec, week: str, win: Any, results: list[SeriesVerdict],
                   now: dict[str, float], before: dict[str, float],
                   failures: list[tuple[str, str]]) -> dict[str, Any]:
    """The report's machine-readable verdicts (schema: docs/reports.md)."""
    def num(x: Any) -> float | None:
        return None if x is None or not np.isfinite(x) else float(x)

    series = []
    rates = []
    for v in results:
        doc = v.to_json()
        r = designed_rate(v)
        doc["designed_false_alarm_rate"] = num(r)
        if np.isfinite(r):
            rates.append(r)
        series.append(doc)
    return {
        "format": JSON_FORMAT,
        "report": {"title": spec.title, "week": week, "start": win.start.isoformat(),
                   "end": win.end.isoformat(), "baseline": [win.b0.isoformat(),
                                                           win.b1.isoformat()],
                   "leankit_version": __version__,
                   "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(
                       timespec="seconds"),
                   "spec_sha256": spec.sha256 or None},
        "design": {"alarm_rate": spec.alarm_rate, "companion": "ewma",
                   "ewma_lambda": 0.2,
                   "expected_false_special_causes": float(sum(rates)),
                   "series_with_design": len(rates)},
        "kpis": {k: {"value": num(now.get(k)), "previous_week": num(before.get(k)),
                     "target": spec.targets.get(k),
                     "status": _status(k, now[k], spec.targets.get(k))}
                 for k in KPI_ORDER if k in now},
        "characteristics": [d for d in series if d["kind"] == "measurements"],
        "counts": [d for d in series if d["kind"] == "counts"],
        "failures": [{"analysis": w, "message": m} for w, m in failures],
    }


def _advice_text(advice: Any) -> str:
    """The advice in one line: the chart and why."""
    how = f" on {advice.transformation.replace('_', ' ')}" if advice.transformation else ""
    return (f"Chart advised: {advice.family}{how}, beyond ±{advice.nsigmas:.3g} sigma "
            f"(rules {advice.rules}) — " + "; ".join(advice.reasons) + ".")


KPI_ORDER = ("fpy", "scrap_rate", "oee", "dpmo", "out_of_control")


def _data_quality(rep: Report, data: Any) -> None:
    rows = []
    for f in data.ds.files():
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(f.get("reasons", {}).items()))
        skipped = ", ".join(f"{k}: {v}" for k, v in sorted(f.get("lines_skipped", {}).items()))
        rows.append({"table": f["kind"], "source": f["name"], "profile": f["profile"],
                     "rows read": f["rows_read"], "loaded": f["rows_loaded"],
                     "quarantined": f["rows_quarantined"], "reasons": reasons or "—",
                     "skipped lines": skipped or "—", "loaded at": f["loaded_at"]})
    sec = rep.section("Data quality", intro="Every row of every source is either loaded or "
                      "quarantined with its reason; nothing is dropped silently.")
    if rows:
        sec.blocks.append(Block("table", Table.from_frame(pd.DataFrame(rows))))
    quarantine = []
    for kind in ("measurements", "defects", "production", "specs"):
        q = data.ds.read_arrow(kind, quarantine=True).to_pandas()
        if len(q):
            q.insert(0, "table", kind)
            quarantine.append(q[["table", "source_file", "source_row", "reason_code", "reason",
                                 "raw"]])
    if quarantine:
        rep.item("Data quality", "Quarantined rows", [Block("table", Table.from_frame(
            pd.concat(quarantine, ignore_index=True), max_rows=100))])


def _methods(rep: Report, spec: ReportSpec, b0: pd.Timestamp, b1: pd.Timestamp,
             advised: bool = False, expected: float = 0.0) -> None:
    from leankit.spc import RULES

    sec = rep.section("Methods", intro="How every number in this report was made.")
    lines = [
        f"Control charts: Phase I limits from {b0:%Y-%m-%d} to {b1:%Y-%m-%d} (UTC); later "
        "subgroups scored against these frozen limits (Phase II). Sigma within subgroups: "
        "S-bar/c4 (X-bar/S), R-bar/d2 (X-bar/R), MR-bar/1.128 (I-MR); constants computed "
        "exactly. Limits at ±3 sigma of the plotted statistic.",
        "Run rules: " + "; ".join(
            f"{r}: {RULES[r].describe()}" for r in spec.rules if r in RULES)
        + " (with one subgroup every few hours, the full Western Electric set would raise "
        "several false alarms per chart and week; other rules can be set per characteristic)"
        + ". Dispersion panels: beyond the limits only.",
        *([f"False-alarm design: charts are set so a stable characteristic shows a false "
           f"special cause in about 1 week in {1 / spec.alarm_rate:.0f} (alarm_rate "
           f"{spec.alarm_rate:g}); across this report's series about {expected:.2f} false "
           "special causes are expected this week. For characteristics with chart = "
           "\"auto\" the chart, any transformation and the limits are advised from the "
           "baseline data (leankit.spc.advise): a Shewhart chart beyond the limits only "
           "(large shifts) and an EWMA chart, λ = 0.2 (small sustained shifts), each "
           "calibrated exactly (Markov chain) to half of that rate for the typical number "
           "of points a week, instead of the run rules above; each chart states its advice "
           "under its heading. A sustained shift of 1 sigma of the individual values is "
           "caught within the week it starts."]
          if advised else []),
        "Capability: distribution model chosen on the baseline (normal unless the Anderson-"
        "Darling p-value is below 0.01 and another model fits materially better; fitted "
        "models use the ISO 22514-2 percentile method) and kept week after week. A week "
        "with a special cause is assessed only from the change the chart detected "
        "(maximum-likelihood change point, Samuel, Pignatiello & Calvin 1998), or not at "
        "all with fewer than 30 values since: an index is never fitted to two process "
        "states. The worse side is the specification the process is nearest to. Cp/Pp CIs "
        "chi-square, Cpk/Ppk Bissell (95 %).",
        "Sigma level = Z.bench + 1.5 (the conventional long-term shift); DPMO = defects / "
        f"(units inspected × {spec.opportunities:g} opportunities) × 10⁶.",
        "Pareto: defect counts of the week; change of the mix: chi-square test of homogeneity "
        "with adjusted residuals (|r| > 2 marks a mover).",
        "Root causes: defects per unit inspected (each inspection lot counted once) per "
        "factor and pair of factors; likelihood-ratio tests, exact conditional tests per "
        "level, Benjamini-Hochberg adjustment; driver model: Poisson/negative-binomial GLM "
        "with an exposure offset, Type II tests.",
        "OEE = availability × performance × quality as ratios of sums over the week; FPY = good"
        " / total; scrap rate = scrap / total.",
        "Times are UTC; weeks are ISO weeks (Monday to Sunday).",
    ]
    sec.blocks.append(Block("list", lines))
    sec.blocks.append(Block("note", "Formulas and references: docs/methods.md of leankit "
                            f"{__version__}."))

