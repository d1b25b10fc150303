"""Reliability of figures and reports against hostile or odd data (leankit issue: attack
testing of figures and the weekly report).

* every figure builder (spc, rca, lean) shows text from data literally: no HTML that
  plotly would render (links, styled spans, scripts) survives into the figure JSON,
  bidi controls are removed, long names are shortened;
* the report's HTML isolates names (no direction override leaks into a sentence),
  wraps long text, and its templates escape everything;
* report specs are validated (positive opportunities, known factors);
* a failing analysis does not kill the weekly report;
* very long charts draw a decimated but faithful view.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

RLO = "\u202e"
HOSTILE = [
    '<a href="https://evil.example/login">click</a>',
    '<span style="font-size:200px">HUGE</span>',
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    "<b>bold</b><i>it</i><br><sub>x</sub><sup>y</sup><em>e</em>",
    f"gauge{RLO}evil",
    "A&amp;B &lt;a&gt; & <",
    "x" * 3000,
]
# tags plotly renders in text (and generic tag openers) that must never come from data
RENDERED = re.compile(r"<\s*/?\s*(a|span|script|img|i|em|sub|sup|style|svg|iframe)\b", re.I)


def _strings(obj: Any) -> list[str]:
    """Every string in a (JSON-like) figure spec."""
    out: list[str] = []
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            out += _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            out += _strings(v)
    return out


def assert_figure_safe(fig: Any, *, marker: str = "evil.example") -> None:
    """No rendered tag, no bidi control, no over-long label from data in *fig*; the
    hostile text did reach the figure (escaped), so the check is not vacuous."""
    spec = json.loads(fig.to_json())
    spec.get("layout", {}).pop("template", None)
    texts = _strings(spec)
    joined = "\n".join(texts)
    bad = [t[:120] for t in texts if RENDERED.search(t)]
    assert bad == [], bad
    assert RLO not in joined
    assert "&lt;" in joined, "hostile text did not reach the figure"
    assert marker in joined
    # no label of 3,000 characters: category labels, legend names and titles are cut
    for t in texts:
        if "xxxxxxxxxx" in t and "<br>" not in t:
            assert len(t) <= 200, len(t)


def _names(k: int) -> list[str]:
    return [HOSTILE[i % len(HOSTILE)] for i in range(k)]


# ---------------------------------------------------------------------------- spc
def test_control_chart_figure_escapes_every_text_from_data():
    from leankit import spc

    rng = np.random.default_rng(3)
    n = 40
    df = pd.DataFrame({
        HOSTILE[0]: rng.normal(10, 1, n),
        "sub": [f"{HOSTILE[i % 4]}#{i}" for i in range(n)],
        "stage": [HOSTILE[1]] * 20 + [HOSTILE[0]] * 20,
        "why": [HOSTILE[0] if i == 5 else "" for i in range(n)],
    })
    df.loc[30, HOSTILE[0]] = 30.0  # a signal
    chart = spc.i_mr(df, value=HOSTILE[0], subgroup="sub", stage="stage", exclude="why")
    for kw in ({}, {"compact": True}, {"show_zones": True}, {"x": "subgroup"}):
        assert_figure_safe(chart.figure(**kw))
    assert_figure_safe(chart.figure(title=HOSTILE[0] + HOSTILE[5]))


def test_capability_figure_escapes_its_title():
    from leankit import spc

    rng = np.random.default_rng(4)
    df = pd.DataFrame({"v": rng.normal(10, 1, 60)})
    cap = spc.capability(df, value="v", lsl=6, usl=14)
    assert_figure_safe(cap.figure(title=HOSTILE[0] + RLO))


# ---------------------------------------------------------------------------- rca
@pytest.fixture(scope="module")
def defects() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for lot in range(60):
        m = HOSTILE[lot % 3]
        s = HOSTILE[4 + lot % 2]
        for j, d in enumerate(_names(len(HOSTILE))):
            rows.append({HOSTILE[1]: m, "shift": s, "lot": lot, "defect": d,
                         "k": int(rng.poisson(1 + j + 3 * (lot % 3 == 0))), "n": 100})
    return pd.DataFrame(rows)


def test_rca_pareto_figures_escape_categories_groups_and_measure(defects):
    from leankit import rca

    p = rca.pareto(defects, category="defect", count="k")
    assert_figure_safe(p.figure())
    byp = rca.pareto(defects, category="defect", count="k", by=HOSTILE[1])
    assert_figure_safe(byp.figure())
    half = defects["lot"] < 30
    comp = rca.compare(defects[half], defects[~half], category="defect", count="k")
    assert_figure_safe(comp.figure())


def test_rca_stratification_and_driver_figures_escape_levels(defects):
    from leankit import rca

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = rca.stratify(defects, by=[HOSTILE[1], "shift"], count="k", size="n", lot="lot")
        d = rca.drivers(defects, outcome="k", factors=[HOSTILE[1], "shift"], exposure="n",
                        lot="lot")
    assert_figure_safe(s.figure(), marker="font-size:200px")
    assert_figure_safe(d.figure(), marker="HUGE")


def test_rca_change_points_figure_escapes_its_title():
    from leankit import rca

    rng = np.random.default_rng(6)
    y = np.r_[rng.normal(0, 1, 60), rng.normal(3, 1, 60)]
    df = pd.DataFrame({"t": pd.date_range("2026-01-01", periods=120, freq="h", tz="UTC"),
                       "v": y})
    cp = rca.change_points(df, value="v", time="t")
    assert_figure_safe(cp.figure(title=HOSTILE[0] + RLO))


# --------------------------------------------------------------------------- lean
def _production(machines: list[str], reasons: list[str], days: int = 3) -> pd.DataFrame:
    rows = []
    t0 = pd.Timestamp("2026-10-26 04:00", tz="UTC")
    for d in range(days):
        for i, m in enumerate(machines):
            rows.append({"period_start": t0 + pd.Timedelta(days=d), "line": "L1", "machine": m,
                         "planned_time": 450.0, "run_time": 420.0 - 5 * i, "downtime": 30.0 + 5 * i,
                         "downtime_reason": reasons[(d + i) % len(reasons)],
                         "ideal_cycle_time": 60.0, "total_count": 400, "good_count": 390,
                         "scrap_count": 6, "rework_count": 4})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("by,period", [(None, None), (["line", "machine"], None),
                                       (["machine"], "day")])
def test_oee_figure_escapes_machine_names_and_reasons(by, period):
    """The issue: machine names and downtime reasons reached plotly unescaped."""
    from leankit import lean

    prod = _production(_names(4), _names(len(HOSTILE)))
    if by is None:  # one group, no period: the waterfall of downtime reasons
        prod = prod[prod["machine"] == HOSTILE[0]]
    res = lean.oee(prod, by=by, period=period)
    assert_figure_safe(res.figure())


@pytest.mark.parametrize("by", [None, "machine"])
def test_downtime_pareto_figure_escapes_reasons_and_groups(by):
    from leankit import lean

    prod = _production(_names(4), _names(len(HOSTILE)))
    dp = lean.oee(prod, by=["line", "machine"]).downtime_pareto(by=by)
    fig = dp.figure()
    assert_figure_safe(fig)
    # two different 3,000-character reasons sharing a prefix stay two bars
    prod2 = _production(["M1"], ["y" * 3000 + "1", "y" * 3000 + "2"], days=2)
    bars = lean.oee(prod2, by=None).downtime_pareto().figure().data[0].x
    assert len(set(bars)) == 2 and all(len(b) <= 70 for b in bars)


@pytest.mark.parametrize("period", [None, "day"])
def test_yield_figure_escapes_group_names(period):
    from leankit import lean

    prod = _production(_names(4), ["r"])
    res = lean.yield_metrics(prod, by="machine", period=period)
    assert_figure_safe(res.figure())
