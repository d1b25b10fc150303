"""How each leankit result is shown in a report: its figure, tables and plain words."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from leankit._text import isolate
from leankit.reports._report import REPORT_FIGURE, Block, Table, format_number, header_words

if TYPE_CHECKING:  # pragma: no cover
    from leankit.reports._report import Report

Adapted = tuple[str, str, list[Block], tuple[str, str] | None]


def _table(df: pd.DataFrame, **kw: Any) -> Block:
    return Block("table", Table.from_frame(df, **kw))


#: Chart panels in words (a panel not listed is shown by its name).
PANEL_WORDS = {
    "xbar": "X̄ (subgroup means)", "r": "R (subgroup ranges)", "s": "S (subgroup standard "
    "deviations)", "i": "individual values", "mr": "moving range", "ewma": "EWMA",
    "cusum": "CUSUM", "upper": "CUSUM upper", "lower": "CUSUM lower", "z": "z",
    "p": "p (fraction defective)", "np": "np (defectives)", "c": "c (defects)",
    "u": "u (defects per unit)", "g": "g (units between events)",
    "t": "t (time between events)", "run": "run chart",
}


_SIGMA_WORDS = {"sbar": "S-bar/c4", "rbar": "R-bar/d2", "mrbar": "MR-bar/1.128",
                "median_mr": "the median moving range", "pooled": "the pooled standard "
                "deviation", "mssd": "the mean square successive difference"}


def _family(family: Any) -> Any:
    from leankit import spc

    return next((f for f in spc.families() if f.id == family), None) if family else None


def chart_title(family: Any) -> str:
    """A chart family's title (``"xbar_s"`` is ``"X̄-S chart"``); unknown ids as given."""
    fam = _family(family)
    return str(fam.title) if fam is not None else f"{family} chart"


def panel_words(panel: Any, family: Any = None) -> str:
    """A chart panel in words: its title and axis in the chart family's registry (``"mr"``
    of ``"i_mr"``), else :data:`PANEL_WORDS` (``"mr"`` is ``"moving range"``)."""
    fam = _family(family)
    for pan in getattr(fam, "panels", ()):
        if pan.name == str(panel):
            return f"{pan.title} ({pan.y_title})" if pan.y_title and \
                str(pan.y_title).lower() != str(pan.title).lower() \
                else str(pan.title)
    return PANEL_WORDS.get(str(panel), str(panel))


def rule_words(rule: str) -> str:
    """A run rule in words: ``we_1`` is "Western Electric rule 1 (point outside the control
    limits)"; a rule that is not built in keeps its name.

    Examples
    --------
    >>> rule_words("nelson_2")
    'Nelson rule 2 (9 points in a row on the same side of the center line)'
    """
    from leankit.spc import RULES

    name = {"we": "Western Electric rule", "nelson": "Nelson rule"}
    head, _, num = str(rule).rpartition("_")
    words = f"{name[head]} {num}" if head in name and num.isdigit() else str(rule)
    known = RULES.get(str(rule))
    if known is None:
        return words
    text = known.describe()
    return f"{words} ({text[:1].lower() + text[1:]})"


def _when(t: Any, tz: str | None) -> str:
    from leankit.reports._verdicts import local_text

    ts = pd.Timestamp(t)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    if tz is None:
        return str(ts.tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC"))
    return local_text(ts, tz)


def p_text(p: float) -> str:
    """A p-value in a sentence: ``p < 0.001`` or ``p = 0.0222`` (3 significant digits).

    Examples
    --------
    >>> p_text(9.85e-70), p_text(0.81234)
    ('p < 0.001', 'p = 0.812')
    """
    return "p < 0.001" if p < 0.001 else f"p = {format_number(p)}"


def signals_in_words(chart: Any, *, phase: str | None = None, limit: int = 12,
                     tz: str | None = None, signals: pd.DataFrame | None = None
                     ) -> list[str]:
    """One sentence per signalling point: when (in the zone *tz*, with its abbreviation;
    UTC without), which chart panel and subgroup, which rules (in words). *signals*: a
    subset of ``chart.signals`` to describe (e.g. the report week's)."""
    sig = chart.signals if signals is None else signals
    if phase is not None:
        sig = sig[sig["phase"] == phase]
    if sig.empty:
        return []
    out = []
    keys = ["panel", "subgroup"]
    first = ~sig.duplicated(keys)
    total = int(first.sum())
    if total > limit:  # describe only the points shown (a long chart has thousands)
        sig = sig.merge(sig.loc[first, keys].head(limit), on=keys, how="inner")
    for (panel, sub), g in sig.groupby(keys, sort=False, dropna=False):
        t = g["time"].iloc[0]
        when = _when(t, tz) + ", " if t is not None and pd.notna(t) else ""
        rules = "; ".join(dict.fromkeys(g["description"].astype(str)))
        words = panel_words(panel, getattr(chart, "family", None) or getattr(chart, "chart",
                                                                             None))
        out.append(f"{when}{words} chart, subgroup {isolate(sub, 120)}: {rules}")
    if total > limit:
        out = out[:limit] + [f"… and {total - limit:,} more signalling points."]
    return out


def _chart(rep: Report, chart: Any) -> Adapted:
    from leankit.spc._figures import chart_figure

    n2 = int((chart.points["phase"] == "II").sum())
    phase = "II" if n2 else None
    words = signals_in_words(chart, phase=phase)
    blocks: list[Block] = []
    if words:
        sig = chart.signals if phase is None else chart.signals[chart.signals["phase"] == phase]
        npts = len(sig.drop_duplicates(["panel", "subgroup"]))
        blocks.append(Block("finding", f"{npts} point(s) signal"
                            + (" in the monitored period" if phase else "") + "."))
        blocks.append(Block("list", words))
    else:
        blocks.append(Block("text", "No signals: the process behaves as in its baseline "
                            "(common-cause variation only)." if phase else "No signals."))
    blocks.append(rep.figure(chart_figure(chart, compact=True, **REPORT_FIGURE),
                             label=chart_title(chart.chart)))
    limits = chart.limits.drop(columns=[c for c in ("method",) if c in chart.limits])
    blocks.append(_table(limits))
    p = chart.parameters
    rules = "; ".join(rule_words(r) for r in p.get("rules", ())) or "none"
    method = p.get("sigma_method")
    sigma = _SIGMA_WORDS.get(str(method), str(method)) if method else "the chart type's usual"
    blocks.append(Block("note", f"Sigma estimated by {sigma}; run rules: {rules}; limits at "
                        f"±{p.get('nsigmas', 3):g} sigma."))
    badge = ("special cause", "bad") if words else ("common cause", "good")
    return "Control charts", chart_title(chart.chart), blocks, badge


def class_words(name: str) -> str:
    """A class name as words: ``DowntimePareto`` is "Downtime Pareto", ``OEE`` stays.

    Examples
    --------
    >>> class_words("DowntimePareto"), class_words("OEE"), class_words("FPYByLine")
    ('Downtime Pareto', 'OEE', 'FPY By Line')
    """
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+", name)
    return " ".join(words) or name


def capability_verdict(cap: Any, target: float = 1.33) -> tuple[str, str]:
    """``(verdict, badge level)`` of a capability result against a target."""
    val = cap.index(cap.headline)
    verdict = "capable" if val >= target else ("marginal" if val >= 1.0 else "not capable")
    return verdict, {"capable": "good", "marginal": "warn", "not capable": "bad"}[verdict]


def vital_few_text(p: Any) -> str:
    """The vital few of a Pareto in one sentence."""
    top = p.vital_few
    total = float(p.table["value"].sum()) if "value" in p.table else float("nan")
    of = f" ({format_number(total)})" if total == total else ""
    return (f"The vital few ({len(top)} of {p.table['category'].nunique():,} categories) make "
            f"{_pct(top['percent'].sum())} of the {header_words(str(p.measure))}{of}: "
            + ", ".join(f"{isolate(c, 120)} ({_pct(v)})"
                        for c, v in zip(top["category"], top["percent"], strict=True)) + ".")


def _pct(v: float) -> str:
    """A percentage in a sentence: whole from 10 %, 2 significant digits below."""
    return f"{v:.0f} %" if abs(v) >= 9.5 else f"{format_number(v, 2)} %"


def mix_text(c: Any) -> str:
    """Whether the mix changed between two periods, with the movers."""
    if c.p_value < 0.05:
        movers = ", ".join(f"{isolate(r.category, 120)} ({r.change_points:+.1f} percentage "
                           "points)" for r in c.movers.itertuples())
        return (f"The mix changed (χ² test, {p_text(c.p_value)}). Biggest movers: "
                f"{movers or 'none'}.")
    return f"No significant change of the mix (χ² test, {p_text(c.p_value)})."


def _capability(rep: Report, cap: Any) -> Adapted:
    key = cap.headline
    val = cap.index(key)
    lo = float(cap.indices.set_index("index").loc[key, "lower"])
    verdict, level = capability_verdict(cap)
    text = (f"{key.capitalize()} = {val:.2f}" + (f" (95 % lower bound {lo:.2f})"
                                                   if pd.notna(lo) else "")
            + f": {verdict}; expected {format_number(cap.dpmo)} ppm (parts per million) out "
            "of specification.")
    if cap.stable is False:
        text += " The process is not stable, so this number describes no single process."
        level = "warn"
    blocks = [Block("finding", text), _table(cap.indices)]
    blocks.append(rep.figure(cap.figure(), label="capability histogram"))
    blocks.append(Block("list", list(cap.notes)))
    return "Capability", "Capability", blocks, (verdict, level)


def _pareto(rep: Report, p: Any) -> Adapted:
    blocks = [Block("finding", vital_few_text(p)), rep.figure(p.figure(), label="Pareto chart"),
              _table(p.table)]
    return "Pareto", f"Pareto of {p.measure}", blocks, None


def _comparison(rep: Report, c: Any) -> Adapted:
    blocks = [Block("finding", mix_text(c)), rep.figure(c.figure(), label="Pareto comparison"),
              _table(c.table)]
    return "Pareto", "Change of the mix", blocks, None


def _stratification(rep: Report, s: Any) -> Adapted:
    blocks = [Block("finding", s.finding()), _table(s.ranking.head(10)),
              rep.figure(s.figure(), label="stratification"), _table(s.factors)]
    return "Root cause", "Stratification", blocks, None


def _drivers(rep: Report, d: Any) -> Adapted:
    blocks = [Block("finding", d.finding()), _table(d.anova.drop(columns="term")),
              _table(d.cells.head(10)),
              rep.figure(d.figure(), label="driver model"), Block("list", list(d.notes))]
    return "Root cause", "Driver model", blocks, None


def _change_points(rep: Report, c: Any) -> Adapted:
    blocks = [Block("finding", c.finding()), rep.figure(c.figure(), label="change points"),
              _table(c.changes)]
    return "Root cause", "Change points", blocks, None


def blocks_for(rep: Report, result: Any) -> Adapted:
    """Dispatch a result object to its adapter."""
    from leankit import rca, spc

    table = [
        (spc.ControlChart, _chart), (spc.Capability, _capability), (rca.Pareto, _pareto),
        (rca.ParetoComparison, _comparison), (rca.Stratification, _stratification),
        (rca.DriverModel, _drivers), (rca.ChangePoints, _change_points),
    ]
    for cls, fn in table:
        if isinstance(result, cls):
            return fn(rep, result)
    if isinstance(result, pd.DataFrame):
        return "Tables", "Table", [_table(result)], None
    if hasattr(result, "to_frame") and hasattr(result, "figure"):
        name = class_words(type(result).__name__)
        blocks = [rep.figure(result.figure(), label=name), _table(result.to_frame())]
        return "Results", name, blocks, None
    raise TypeError(f"Report.add() does not know how to show a {type(result).__name__}; "
                    "add a DataFrame with add_table() or text with add_text()")
