"""Report sections as plug-ins: a registry of section builders over a
:class:`~leankit.reports._analysis.WeeklyAnalysis`.

A report type is an ordered list of section names plus its analysis; :func:`render`
builds the requested sections (those a section links to first) and lays them out in
the requested order. A new section is one function::

    @register_section("scrap", "Scrap by machine")
    def _scrap(rep, analysis, links):
        rep.section("Scrap by machine").blocks.append(Block("text", "..."))

Builders only read the analysis (never the dataset) and add blocks to the report; an
unexpected error in one builder is recorded on ``Report.failures`` and the other
sections still render.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leankit import __version__
from leankit._text import isolate, shorten
from leankit.reports._adapters import mix_text, signals_in_words, vital_few_text
from leankit.reports._analysis import (
    GRR_UNACCEPTABLE,
    KPI_ORDER,
    WeeklyAnalysis,
    debug,
    failure_text,
    status,
)
from leankit.reports._report import REPORT_FIGURE, Block, Report, Table
from leankit.reports._spec import AUTO
from leankit.reports._verdicts import SeriesVerdict

__all__ = ["SectionBuilder", "register_section", "render", "section_builders"]

_GOOD, _WARN, _BAD, _NEUTRAL = "good", "warn", "bad", "neutral"
_KPI_NAMES = {"fpy": "First-pass yield", "scrap_rate": "Scrap rate", "oee": "OEE",
              "dpmo": "DPMO", "out_of_control": "Out-of-control characteristics"}

#: Links between sections: ``"chart:<series>"``, ``"pareto"``, ``"causes"`` -> ``#anchor``.
Links = dict[str, str]
#: A section builder: adds its blocks to the report from the report type's analysis
#: (a :class:`WeeklyAnalysis`, an :class:`~leankit.reports._a3.A3Analysis` ...).
Builder = Callable[[Report, Any, Links], None]


@dataclass(frozen=True, slots=True)
class SectionBuilder:
    """One registered section: its name (the spec's ``[sections] include`` id), the
    title it creates, the builder, and the sections it links to (built before it)."""

    name: str
    title: str
    build: Builder
    links_to: tuple[str, ...] = ()


_REGISTRY: dict[str, SectionBuilder] = {}


def register_section(name: str, title: str, *, links_to: Sequence[str] = ()
                     ) -> Callable[[Builder], Builder]:
    """Register a section builder under *name* (decorator)."""
    def deco(fn: Builder) -> Builder:
        _REGISTRY[name] = SectionBuilder(name, title, fn, tuple(links_to))
        return fn

    return deco


def section_builders() -> tuple[SectionBuilder, ...]:
    """The registered sections, in registration order."""
    return tuple(_REGISTRY.values())


def _n(name: Any) -> str:
    return isolate(name, 120)


def render(analysis: Any, sections: Sequence[str], *, title: str,
           subtitle: str) -> Report:
    """Build *sections* (registered names) of *analysis* into a new :class:`Report`,
    laid out in the given order.

    *analysis* is the report type's analysis object (the weekly report's
    :class:`WeeklyAnalysis`, the A3's ``A3Analysis``); its ``notes`` (section, text) and
    ``failures`` (with ``what``, ``message``, ``section``) become notes of their
    section."""
    rep = Report(title=title, subtitle=subtitle)
    links: Links = {}
    wanted = [s for s in sections if s in _REGISTRY]
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dep in _REGISTRY[name].links_to:
            if dep in wanted:
                visit(dep)
        order.append(name)

    for name in wanted:
        visit(name)
    made: dict[str, list[Any]] = {}
    for name in order:
        sb = _REGISTRY[name]
        before = list(rep.sections)
        try:
            sb.build(rep, analysis, links)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - one section must not kill the report
            if debug():
                raise
            rep.failures.append((f"{sb.title} section", failure_text(exc)))
            rep.section(sb.title).blocks.append(
                Block("note", f"This section failed: {failure_text(exc)}."))
        made[name] = [s for s in rep.sections if all(s is not b for b in before)]
    # warnings of the analysis: notes in their section (the data said something)
    for section, text in analysis.notes:
        sec = next((s for s in rep.sections if s.title == section), None)
        if sec is not None:
            sec.blocks.append(Block("note", f"Note — {shorten(text, 400)}"))
    # analyses that failed while the week was analysed: a note in their section
    for f in analysis.failures:
        rep.failures.append((f.what, f.message))
        sec = next((s for s in rep.sections if s.title == f.section), None)
        if sec is not None:
            sec.blocks.append(Block("note", f"{shorten(f.what, 200)}: this analysis "
                                            f"failed: {f.message}."))
    rep.sections[:] = [s for name in wanted for s in made.get(name, [])] + [
        s for s in rep.sections if not any(s is x for v in made.values() for x in v)]
    return rep


# ------------------------------------------------------------------- formatting


def _gauge_step(g: Any) -> str:
    """The gauge part of a capability gap's next step, from its gage study."""
    if not g:
        return "; no gage study: check the gauge's repeatability first."
    if g["pct_study_var"] > GRR_UNACCEPTABLE:
        return (f"; but first the gauge: its %GRR is {g['pct_study_var']:.0f} % "
                "(unacceptable), the index is read through it.")
    return f"; the gauge is {g['verdict']} (%GRR {g['pct_study_var']:.0f} %)."


def _gage_cell(g: Any) -> str:
    """A gage study in a table cell: ``20.8 % (conditional, ndc 6)``, or "no study"."""
    if not g:
        return "no study"
    ndc = f", ndc {g['ndc']}" if g.get("ndc") is not None else ""
    return f"{g['pct_study_var']:.1f} % ({g['verdict']}{ndc})"


def fmt_kpi(kpi: str, v: float | None) -> str:
    """A KPI value for reading: ratios as %, DPMO with thousands separators."""
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


def _advice_text(advice: Any) -> str:
    """The advice in one line: the chart and why."""
    how = f" on {advice.transformation.replace('_', ' ')}" if advice.transformation else ""
    return (f"Chart advised: {advice.family}{how}, beyond ±{advice.nsigmas:.3g} sigma "
            f"(rules {advice.rules}) — " + "; ".join(advice.reasons) + ".")


# --------------------------------------------------------------------- sections


_STATUS_WORDS = {_GOOD: "on target", _WARN: "near target", _BAD: "off target",
                 _NEUTRAL: "no target"}


def sparkline(values: Sequence[float], *, width: float = 100.0, height: float = 24.0
              ) -> str:
    """SVG polyline points (``"x,y x,y ..."``) of *values* scaled into the box; missing
    values are skipped; empty when fewer than 2 finite values."""
    pts = [(i, float(v)) for i, v in enumerate(values) if v is not None and np.isfinite(v)]
    if len(pts) < 2:
        return ""
    lo = min(v for _, v in pts)
    hi = max(v for _, v in pts)
    span = hi - lo or 1.0
    n = max(len(values) - 1, 1)
    return " ".join(f"{width * i / n:.1f},{height - 2 - (height - 4) * (v - lo) / span:.1f}"
                    for i, v in pts)


def _tiles(a: WeeklyAnalysis) -> list[dict[str, Any]]:
    spec = a.spec
    tiles = []
    trend = a.kpi_trend
    for k in KPI_ORDER:
        if k not in a.kpis:
            continue
        tgt = spec.targets.get(k)
        lvl = status(k, a.kpis[k], tgt)
        detail = (f"target {fmt_kpi(k, tgt)} · " if tgt is not None else "") + _delta(
            k, a.kpis[k], a.kpis_previous.get(k, np.nan))
        series = trend[trend["kpi"] == k] if len(trend) else trend
        values = [float(x) for x in series["value"]] if len(series) else []
        label = ""
        if len(values) >= 2:
            label = (f"{len(values)}-week trend of {_KPI_NAMES[k]}: from "
                     f"{fmt_kpi(k, values[0])} ({series['week'].iloc[0]}) to "
                     f"{fmt_kpi(k, values[-1])} ({series['week'].iloc[-1]}), lowest "
                     f"{fmt_kpi(k, min(values))}, highest {fmt_kpi(k, max(values))}")
        tiles.append({"name": _KPI_NAMES[k], "value": fmt_kpi(k, a.kpis[k]),
                      "detail": detail, "level": lvl, "status": _STATUS_WORDS[lvl],
                      "spark": sparkline(values), "trend": label})
    return tiles


@register_section("summary", "Summary", links_to=("spc", "pareto", "rootcause", "oee",
                                                  "actions"))
def _summary(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    sec = rep.section("Summary", intro="The week at a glance: each tile compares the week "
                      "with its target and the previous week, with its last 12 weeks; then "
                      "the three most urgent problems with their next steps, and one "
                      "verdict per characteristic.")
    sec.blocks.append(Block("tiles", _tiles(a)))
    top = attention_items(a, links)[:3]
    if top:
        sec.blocks.append(Block("finding", "Top problems this week:"))
        sec.blocks.append(Block("attention", top))
    else:
        sec.blocks.append(Block("finding", "No problems need attention this week."))
    verdicts = []
    for v in a.series:
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
        icon = "special cause" if v.special_cause else (
            "common cause · capability gap" if ok is False else "common cause")
        verdicts.append({"metric": v.name, "icon": icon, "level": level,
                         "text": v.verdict})
    if a.pareto is not None:
        verdicts.append({"metric": "defects", "icon": "biggest problem", "level": _NEUTRAL,
                         "text": f"{_n(a.pareto.top)} is the top defect type "
                         f"({a.pareto.table['percent'].iloc[0]:.0f} % of "
                         f"{int(a.pareto.table['value'].sum()):,} defects)."})
    if a.stratification is not None:
        verdicts.append({"metric": "defect source", "icon": "where to look",
                         "level": _WARN, "text": a.stratification.finding()})
    sec.blocks.append(Block("verdicts", verdicts))


@register_section("spc", "Control charts")
def _spc(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    from leankit.spc._figures import chart_figure

    w = a.window
    b0, b1 = (t.tz_convert(w.tz) for t in (w.b0, w.b1))
    rep.section("Control charts", intro=f"One chart per characteristic, times in {w.tz}. "
                f"Limits from the baseline {b0:%d %b} – "
                f"{b1 - pd.Timedelta(days=1):%d %b %Y} (Phase I) "
                "or frozen in the limits registry; the last "
                f"{a.spec.context_weeks} weeks and this week scored against them "
                "(Phase II, shaded).")
    blocks: list[tuple[str, list[Block], tuple[str, str]]] = []
    for v in a.series:
        if v.charted:
            try:
                blocks.append(_chart_item(rep, v, chart_figure, w.tz))
                continue
            except Exception as exc:  # noqa: BLE001 - one chart must not kill the report
                if debug():
                    raise
                rep.failures.append((f"control chart of {v.name}", failure_text(exc)))
                v = dataclasses.replace(v, charted=False,
                                        error=f"this analysis failed: {failure_text(exc)}")
        blocks.append((v.name, [Block("note", f"Not charted: {v.error}")],
                       ("no chart", _NEUTRAL)))
    for name, bl, badge in blocks:
        it = rep.item("Control charts", name, bl, badge=badge,
                      open=badge[1] == _BAD and len(blocks) <= 20)
        links[f"chart:{name}"] = "#" + it.anchor


def _chart_item(rep: Report, v: SeriesVerdict, chart_figure: Callable[..., Any],
                tz: str = "UTC") -> tuple[str, list[Block], tuple[str, str]]:
    """The control-chart item of one series: advice, findings, figure(s), limits."""
    from leankit.spc import get_family

    blocks: list[Block] = []
    if v.advice is not None:
        blocks.append(Block("note", shorten(_advice_text(v.advice), 600)))
    signalled = []
    for chart in (v.chart, v.companion):
        if chart is None or not len(v.week_signals):
            continue
        mine = v.week_signals[v.week_signals["panel"].isin(set(chart.points["panel"]))]
        if len(mine):
            signalled += signals_in_words(chart, signals=mine, tz=tz)
    if signalled:
        blocks.append(Block("finding", f"Signals this week ({v.signalling_points} points):"))
        blocks.append(Block("list", signalled))
    else:
        blocks.append(Block("text", "No signals this week: only common-cause variation."))
    blocks.append(Block("text", f"Limits: {v.limits_source}."))
    if v.scale_note:
        blocks.append(Block("note", f"Large data: {v.scale_note}."))
    for chart, what in ((v.chart, v.family), (v.companion, v.companion_family)):
        if chart is None:
            continue
        how = {"log": " on log scale", "ar1_residuals": " of AR(1) residuals",
               "subgroup_means": " of subgroup means", "event_gaps": " of gaps between "
               "events"}.get(v.transformation or "", "")
        kind = get_family(what).title if what else "chart"
        fig = chart_figure(chart, compact=True, title=f"{shorten(v.name)}: {kind}{how}",
                           unit=v.unit, value_label=v.name, time_label=f"time ({tz})",
                           transformation=v.transformation, phase="II", tz=tz,
                           **REPORT_FIGURE)
        blocks.append(rep.figure(fig, label=f"{what} chart of {v.name}"))
    lim = v.chart.limits.drop(columns=[x for x in ("method",) if x in v.chart.limits])
    in_unit = ("center", "lcl", "ucl", "mu", "sigma") if v.kind == "measurements" and \
        v.unit and not v.transformation else ()
    blocks.append(Block("table", Table.from_frame(
        lim, units={c: str(v.unit) for c in in_unit if c in lim} if in_unit else None)))
    badge = ("special cause", _BAD) if v.special_cause else ("common cause", _GOOD)
    return v.name, blocks, badge


@register_section("capability", "Capability")
def _capability(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    sec = rep.section("Capability", intro="Capability against the specifications, with "
                      "95 % confidence bounds, in the distribution model chosen on the "
                      "baseline and kept week after week. A week with a special cause is "
                      "assessed on its current state only (the data after the change the "
                      "chart detected), or not at all: an index over two process states "
                      "describes neither.")
    rows = []
    for v in a.series:
        cv = v.capability
        if not (v.charted and cv.assessed and cv.result is not None):
            continue
        cap: Any = cv.result
        rows.append({
            "characteristic": v.name, "unit": v.unit or "", "n": cap.n, "model": cv.model,
            "basis": cv.basis,
            "lsl": cap.lsl, "usl": cap.usl,
            "index": {"cpk": "Cpk", "ppk": "Ppk"}.get(cv.index or "", cv.index or ""),
            "estimate": cv.value, "lower": cv.lower, "upper": cv.upper,
            "worse side": cv.side or "—", "previous week": cv.previous,
            "ppm (expected)": cap.dpmo, "target": v.spec.capability_target,
            "stable": "yes" if not v.special_cause else "NO: current state only",
            "gauge (%GRR)": _gage_cell(a.gage.get(v.name))})
    if rows:
        sec.blocks.append(Block("table", Table.from_frame(pd.DataFrame(rows))))
    for name, g in a.gage.items():
        if g["pct_study_var"] > GRR_UNACCEPTABLE:
            sec.blocks.append(Block("finding", f"{_n(name)}: capability is read through a "
                                    f"gauge with %GRR {g['pct_study_var']:.0f} % of the study "
                                    "variation (unacceptable, AIAG > 30 %): much of the "
                                    "spread is the gauge, so the index understates the "
                                    "process; improve the gauge before acting on it."))
    measured = [v.name for v in a.series if v.kind == "measurements" and v.charted]
    studied = [f"{_n(n)}: {_gage_cell(g)} ({g['source']})" for n, g in a.gage.items()]
    without = [_n(n) for n in measured if n not in a.gage]
    if studied or without:
        sec.blocks.append(Block("note", "Gauges (AIAG: %GRR below 10 % acceptable, 10-30 % "
                                "conditional, above 30 % unacceptable; ndc >= 5) — "
                                + "; ".join(studied + ([f"no gage study: {', '.join(without)}"]
                                                       if without else [])) + "."))
    missing = [f"{_n(v.name)}: {v.capability.why_not}" for v in a.series
               if v.charted and v.kind == "measurements" and not v.capability.assessed]
    if missing:
        sec.blocks.append(Block("note", "Not assessed — " + "; ".join(missing)))
    for v in a.series:
        cap = v.capability.result
        if cap is not None:
            rep.item("Capability", f"{v.name} capability", [
                Block("table", Table.from_frame(cap.indices)),
                rep.figure(cap.figure(height=360, unit=v.unit, value_label=v.name),
                           label=f"capability of {v.name}"),
                Block("list", list(cap.notes))])


@register_section("pareto", "Defects: Pareto")
def _pareto(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    sec = rep.section("Defects: Pareto", intro="The defect mix of the week and how it "
                      "changed from the previous week.")
    if a.pareto is None:
        sec.blocks.append(Block("note", "No defect data this week."))
        return
    it = rep.item("Defects: Pareto", "Pareto of the week", [
        Block("finding", vital_few_text(a.pareto)),
        rep.figure(a.pareto.figure(height=380, value_label="defects", unit="count"),
                   label="defect Pareto"),
        Block("table", Table.from_frame(a.pareto.table))], open=True)
    links["pareto"] = "#" + it.anchor
    if a.pareto_cost is not None:
        rep.item("Defects: Pareto", "Pareto by cost", [
            Block("finding", vital_few_text(a.pareto_cost)),
            rep.figure(a.pareto_cost.figure(height=380, value_label="defect cost"),
                       label="defect Pareto by cost"),
            Block("table", Table.from_frame(a.pareto_cost.table))])
    if a.comparison is not None:
        rep.item("Defects: Pareto", "Change vs the previous week", [
            Block("finding", mix_text(a.comparison)),
            rep.figure(a.comparison.figure(height=360, value_label="defects"),
                       label="mix comparison"),
            Block("table", Table.from_frame(a.comparison.table))])


@register_section("rootcause", "Root causes")
def _rootcause(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    sec = rep.section("Root causes", intro="Where the defects of the week come from: "
                      "rates per unit inspected by factor, with interactions.")
    strat = a.stratification
    if strat is None:
        sec.blocks.append(Block("note", a.no_stratification))
        return
    sec.blocks.append(Block("finding", strat.finding()))
    it = rep.item("Root causes", "Where to look first", [
        Block("table", Table.from_frame(strat.ranking.head(10)[
            [c for c in ("factor", "level", "defects", "exposure", "rate", "rate_ratio",
                         "rr_lower", "rr_upper", "p_adjusted") if c in strat.ranking]])),
        rep.figure(strat.figure(), label="stratification"),
        Block("table", Table.from_frame(strat.factors))], open=True)
    links["causes"] = "#" + it.anchor
    model = a.drivers
    if isinstance(model, str):
        sec.blocks.append(Block("note", f"Driver model not fitted: {model}"))
    elif model is not None:
        rep.item("Root causes", "Driver model", [
            Block("finding", model.finding()),
            Block("table", Table.from_frame(model.anova.drop(
                columns=[c for c in ("term",) if c in model.anova and "driver" in model.anova]))),
            Block("list", list(model.notes))])


@register_section("oee", "OEE and downtime")
def _oee(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    sec = rep.section("OEE and downtime", intro="Availability × performance × quality per "
                      "machine, and where the minutes were lost.")
    if a.oee is None:
        sec.blocks.append(Block("note", "No production data this week."))
        return
    rep.item("OEE and downtime", "OEE by machine", [
        Block("table", Table.from_frame(a.oee.to_frame())),
        rep.figure(a.oee.figure(), label="OEE")], open=True)
    if a.downtime is not None:
        dp = a.downtime
        top = a.downtime_top
        finding = (f"Top downtime: {_n(top['reason'])} on {_n(top['machine'])}, "
                   f"{top['minutes']:,.0f} min ({100 * top['share']:.0f} % of the week's "
                   f"downtime, {top['events']} stops)." if top is not None else
                   f"Top downtime reason: {_n(dp.to_frame().iloc[0, 0])}")
        it = rep.item("OEE and downtime", "Downtime Pareto", [
            Block("finding", finding),
            rep.figure(dp.figure(), label="downtime Pareto"),
            Block("table", Table.from_frame(dp.to_frame()))], open=True)
        links["downtime"] = "#" + it.anchor


def _owner(a: WeeklyAnalysis, *subjects: str) -> dict[str, Any] | None:
    """The first open action of the actions file about one of *subjects*."""
    acts = a.actions
    if not len(acts):
        return None
    want = {x.lower() for x in subjects if x}
    for r in acts.itertuples():
        if r.status != "done" and str(r.about).lower() in want:
            return {"action": r.action, "owner": r.owner, "due": str(r.due),
                    "overdue": bool(r.overdue)}
    return None


def _with_action(item: dict[str, Any], a: WeeklyAnalysis, *subjects: str) -> dict[str, Any]:
    act = _owner(a, *subjects)
    if act is not None:
        item["next"] = f"{act['action']} (due {act['due']}" + (
            ", OVERDUE)" if act["overdue"] else ")")
        item["owner"] = act["owner"]
    return item


def attention_items(a: WeeklyAnalysis, links: Links) -> list[dict[str, Any]]:
    """The ranked attention list: each item with its severity, badge, text, the next
    step in plain words and (from the actions file) the owner."""
    spec = a.spec
    w = a.window
    att: list[dict[str, Any]] = []
    related = [(t, links[k]) for t, k in (("defect mix", "pareto"),
                                           ("ranked causes", "causes")) if k in links]
    for v in a.series:
        if not v.charted:
            continue
        if v.special_cause and v.first_signal is not None:
            what = v.rules[0]["description"] if v.rules else "signal"
            since = w.local(v.first_signal)
            if v.new:
                step = (f"Contain: check what was made since {since} against the "
                        "specification; find what changed then (tool, material, setting, "
                        "operator, gauge) and correct it.")
            else:
                step = ("Continuing from last week: confirm the cause is being worked on; "
                        "if the change was intended, freeze new limits (leankit limits "
                        "recompute) with the reason.")
            att.append(_with_action({
                "sev": 3 if v.new else 2, "label": "NEW signal" if v.new else "signal",
                "level": _BAD if v.new else _WARN,
                "text": f"{_n(v.name)}: {what} at {since} ({v.signalling_points} "
                        "signalling points this week).", "next": step,
                "href": links.get(f"chart:{v.name}", ""), "links": related}, a, v.name))
        cv = v.capability
        if cv.assessed and cv.index is not None:
            trend = ""
            if np.isfinite(cv.previous) and cv.value < cv.previous - 0.1:
                trend = f", down from {cv.previous:.2f} last week"
            side = f" at the {cv.side} specification" if cv.side else ""
            target = v.spec.capability_target
            if cv.value < target:
                toward = f" (re-centre away from the {cv.side} limit)" if cv.side else ""
                att.append(_with_action({
                    "sev": 2 if cv.value < 1.0 else 1, "label": "capability",
                    "level": _BAD if cv.value < 1.0 else _WARN,
                    "text": f"{_n(v.name)}: {cv.index.capitalize()} {cv.value:.2f}{side} "
                            f"below the target {target:g}{trend}.",
                    "next": "Reduce the variation or re-centre the process" + toward
                            + _gauge_step(a.gage.get(v.name)),
                    "href": "", "links": []}, a, v.name))
    for k, kv in a.kpis.items():
        tgt = spec.targets.get(k)
        st = status(k, kv, tgt)
        if tgt is not None and st in (_BAD, _WARN):
            step = {"fpy": "Work down the defect Pareto and the ranked causes below.",
                    "scrap_rate": "Work down the defect Pareto and the ranked causes below.",
                    "dpmo": "Work down the defect Pareto and the ranked causes below.",
                    "oee": "Start with the top downtime reason below.",
                    "out_of_control": "See the signals above."}.get(k, "")
            att.append(_with_action({
                "sev": 1, "label": "target", "level": st,
                "text": f"{_KPI_NAMES[k]} {fmt_kpi(k, kv)} misses the target "
                        f"{fmt_kpi(k, tgt)}.", "next": step, "href": "", "links": []},
                a, k, _KPI_NAMES[k]))
    top = a.downtime_top
    if top is not None and top["share"] >= 0.2:
        att.append(_with_action({
            "sev": 1, "label": "downtime", "level": _WARN,
            "text": f"{_n(top['reason'])} on {_n(top['machine'])}: {top['minutes']:,.0f} min, "
                    f"{100 * top['share']:.0f} % of the week's downtime "
                    f"({top['events']} stops).",
            "next": f"Find and remove the cause of the {top['reason'].lower()} stops on "
                    f"{top['machine']}.", "href": links.get("downtime", ""), "links": []},
            a, top["reason"], top["machine"], f"{top['reason']} on {top['machine']}"))
    cmp_ = a.comparison
    if cmp_ is not None and cmp_.p_value < 0.05:
        movers = ", ".join(f"{_n(r.category)} ({r.change_points:+.1f} pts)"
                           for r in cmp_.movers.itertuples())
        att.append({"sev": 1, "label": "mix", "level": _WARN,
                    "text": f"The defect mix changed: {movers}.",
                    "next": "Find where the rising defect types come from (ranked causes).",
                    "href": links.get("pareto", ""), "links": []})
    strat = a.stratification
    if strat is not None and len(strat.ranking) and strat.ranking.iloc[0]["p_adjusted"] < 0.05:
        lvl = strat.ranking.iloc[0]
        att.append(_with_action({
            "sev": 1, "label": "cause", "level": _WARN, "text": strat.finding(),
            "next": f"Go and see {lvl['level']} ({lvl['factor']}): compare its process "
                    "with the rest.", "href": links.get("causes", ""), "links": []},
            a, str(lvl["level"]), str(lvl["level"]).replace(" / ", "/")))
    for r in (a.actions.itertuples() if len(a.actions) else ()):
        if r.overdue:
            att.append({"sev": 2, "label": "overdue", "level": _BAD,
                        "text": f"Action overdue since {r.due}: {r.action} ({r.about}).",
                        "owner": r.owner, "next": "Close it or agree a new date.",
                        "href": links.get("actions", ""), "links": []})
    att.sort(key=lambda x: -int(x["sev"]))
    return att


@register_section("attention", "What needs attention",
                  links_to=("spc", "pareto", "rootcause", "oee", "actions"))
def _attention(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    sec = rep.section("What needs attention", intro="Ranked by severity: new special "
                      "causes first, then continuing ones, overdue actions, capability "
                      "gaps, missed targets, downtime and shifts of the defect mix; each "
                      "with the next step and, where the actions file names one, its "
                      "owner.")
    att = attention_items(a, links)
    if att:
        sec.blocks.append(Block("attention", att))
    else:
        sec.blocks.append(Block("text", "Nothing needs attention this week."))


@register_section("actions", "Actions")
def _actions(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    if a.spec.actions is None:
        return
    sec = rep.section("Actions", intro="The actions file, carried week to week: open "
                      "actions first; overdue ones (not done, due before the end of this "
                      "week) flagged.")
    acts = a.actions
    if not len(acts):
        sec.blocks.append(Block("text", "No actions recorded."))
        return
    order = acts.assign(_k=(acts["status"] == "done").astype(int)).sort_values(
        ["_k", "due"], kind="stable")
    table = order.assign(overdue=np.where(order["overdue"], "OVERDUE", ""))[
        ["about", "action", "owner", "due", "status", "overdue"]]
    it = rep.item("Actions", "Action list", [Block("table", Table.from_frame(table))],
                  open=True)
    links["actions"] = "#" + it.anchor


@register_section("data_quality", "Data quality")
def _data_quality(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    rows = []
    for f in a.files:
        # reason codes in words ("dst ambiguous time: 15"); the rows list the full reason
        reasons = ", ".join(f"{k.replace('_', ' ')}: {v}"
                            for k, v in sorted(f.get("reasons", {}).items()))
        skipped = ", ".join(f"{k.replace('_', ' ')}: {v}"
                            for k, v in sorted(f.get("lines_skipped", {}).items()))
        rows.append({"table": f["kind"], "source": f["name"], "profile": f["profile"],
                     "rows read": f["rows_read"], "loaded": f["rows_loaded"],
                     "quarantined": f["rows_quarantined"], "reasons": reasons or "—",
                     "skipped lines": skipped or "—", "loaded at": f["loaded_at"]})
    sec = rep.section("Data quality", intro="Every row of every source is either loaded or "
                      "quarantined with its reason; nothing is dropped silently.")
    if rows:
        sec.blocks.append(Block("table", Table.from_frame(pd.DataFrame(rows))))
    if len(a.quarantine):
        rep.item("Data quality", "Quarantined rows", [Block("table", Table.from_frame(
            a.quarantine, max_rows=100))])


@register_section("methods", "Methods")
def _methods(rep: Report, a: WeeklyAnalysis, links: Links) -> None:
    from leankit.spc import RULES

    spec, w = a.spec, a.window
    advised = any(getattr(v.spec, "chart", AUTO) == AUTO for v in a.series)
    large = [v for v in a.series if v.scale_note]
    expected = a.expected_false_special_causes
    sec = rep.section("Methods", intro="How every number in this report was made.")
    lines = [
        f"Control charts: Phase I limits from {w.b0:%Y-%m-%d %H:%M} to {w.b1:%Y-%m-%d %H:%M} "
        "UTC, or "
        "the version frozen in the dataset's limits registry (named under the chart); later "
        "subgroups scored against these frozen limits (Phase II). Sigma within subgroups: "
        "S-bar/c4 (X-bar/S), R-bar/d2 (X-bar/R), MR-bar/1.128 (I-MR); constants computed "
        "exactly.",
        "Run rules of charts named in the spec: " + "; ".join(
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
           "(large shifts) and an EWMA chart, λ 0.05 to 0.2 (small sustained shifts), each "
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
        *([f"Large data: {len(large)} characteristic(s) with more than "
           f"{spec.raw_values_limit:,} values in the rows this report reads ("
           + ", ".join(_n(v.name) for v in large[:8]) + ("…" if len(large) > 8 else "")
           + ") were charted from subgroup statistics computed in the data's engine (the "
           "same estimators, limits and rules as from the raw rows), their advice and "
           "capability model from the raw values of a systematic sample of baseline "
           "subgroups, and their capability from engine summaries: exact moments and "
           "within-subgroup sigma (normal model), the lognormal or exponential fit from "
           "the moments, else empirical percentiles (docs/scale.md)."] if large else []),
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
        f"Times are shown in the plant's time zone, {w.tz} (the abbreviation after each "
        "time says whether summer time applied); weeks are ISO weeks, Monday 00:00 to "
        "Monday 00:00 local time; days are local days. The JSON verdicts and this "
        "section give UTC.",
    ]
    sec.blocks.append(Block("list", lines))
    sec.blocks.append(Block("note", "Formulas and references: docs/methods.md of leankit "
                            f"{__version__}."))


def finish(rep: Report, a: WeeklyAnalysis) -> None:
    """Header, failure summary and footer of a weekly report."""
    rep.header_lines = [*a.scope, "Data freshness: " + "; ".join(a.freshness)]
    if rep.failures:
        rep.header_lines.append(
            f"{len(rep.failures)} analys{'is' if len(rep.failures) == 1 else 'es'} failed "
            "(see Data quality): the report is incomplete.")
        sec = rep.section("Data quality")
        sec.blocks.insert(0, Block("attention", [
            {"level": _BAD, "label": "failed", "text": f"{shorten(what, 200)}: {msg}",
             "href": "", "links": []} for what, msg in rep.failures]))
    spec = a.spec
    rep.footer_lines = [
        f"Generated by leankit {__version__} on "
        f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC} from spec {spec.source}"
        + (f" (sha256 {spec.sha256[:16]}…)" if spec.sha256 else "") + ".",
        (f"Dataset {a.data_label or spec.data}; inputs: " + "; ".join(a.input_hashes) + "."
         if a.input_hashes else f"Source: {a.data_label} (read in place: no load manifest, "
         "no quarantine)."),
    ]
