"""How each leankit result is shown in a report: its figure, tables and plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from leankit._text import isolate
from leankit.reports._report import Block, Table

if TYPE_CHECKING:  # pragma: no cover
    from leankit.reports._report import Report

Adapted = tuple[str, str, list[Block], tuple[str, str] | None]


def _table(df: pd.DataFrame, **kw: Any) -> Block:
    return Block("table", Table.from_frame(df, **kw))


def signals_in_words(chart: Any, *, phase: str | None = None, limit: int = 12) -> list[str]:
    """One sentence per signalling point: when, which panel, which rules (in words)."""
    sig = chart.signals
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
        when = pd.Timestamp(t).strftime("%Y-%m-%d %H:%M UTC") if t is not None and pd.notna(t) \
            else f"subgroup {isolate(sub, 120)}"
        rules = "; ".join(dict.fromkeys(g["description"].astype(str)))
        out.append(f"{when} ({panel} panel, {isolate(sub, 120)}): {rules}")
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
    blocks.append(rep.figure(chart_figure(chart, compact=True), label=f"{chart.chart} chart"))
    limits = chart.limits.drop(columns=[c for c in ("method",) if c in chart.limits])
    blocks.append(_table(limits))
    p = chart.parameters
    blocks.append(Block("note", f"Sigma: {p.get('sigma_method') or 'per chart type'}; rules: "
                        f"{', '.join(p.get('rules', ()))}; limits ±{p.get('nsigmas', 3):g}σ."))
    badge = ("special cause", "bad") if words else ("common cause", "good")
    return "Control charts", f"{chart.chart} chart", blocks, badge


def capability_verdict(cap: Any, target: float = 1.33) -> tuple[str, str]:
    """``(verdict, badge level)`` of a capability result against a target."""
    val = cap.index(cap.headline)
    verdict = "capable" if val >= target else ("marginal" if val >= 1.0 else "not capable")
    return verdict, {"capable": "good", "marginal": "warn", "not capable": "bad"}[verdict]


def vital_few_text(p: Any) -> str:
    """The vital few of a Pareto in one sentence."""
    top = p.vital_few
    return (f"The vital few ({len(top)} of {p.table['category'].nunique()} categories) make "
            f"{top['percent'].sum():.0f} % of the {p.measure}: "
            + ", ".join(f"{isolate(c, 120)} ({v:.0f} %)"
                        for c, v in zip(top["category"], top["percent"], strict=True)) + ".")


def mix_text(c: Any) -> str:
    """Whether the mix changed between two periods, with the movers."""
    if c.p_value < 0.05:
        movers = ", ".join(f"{isolate(r.category, 120)} ({r.change_points:+.1f} points)"
                           for r in c.movers.itertuples())
        return f"The mix changed (χ² p = {c.p_value:.3g}). Biggest movers: {movers or 'none'}."
    return f"No significant change of the mix (χ² p = {c.p_value:.2g})."


def _capability(rep: Report, cap: Any) -> Adapted:
    key = cap.headline
    val = cap.index(key)
    lo = float(cap.indices.set_index("index").loc[key, "lower"])
    verdict, level = capability_verdict(cap)
    text = (f"{key.capitalize()} = {val:.2f}" + (f" (95 % lower bound {lo:.2f})"
                                                   if pd.notna(lo) else "")
            + f": {verdict}; expected {cap.dpmo:,.0f} PPM out of specification.")
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
    blocks = [Block("finding", d.finding()), _table(d.anova), _table(d.cells.head(10)),
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
        blocks = [rep.figure(result.figure(), label=type(result).__name__),
                  _table(result.to_frame())]
        return "Results", type(result).__name__, blocks, None
    raise TypeError(f"Report.add() does not know how to show a {type(result).__name__}; "
                    "add a DataFrame with add_table() or text with add_text()")
