"""Actions carried week to week, next steps and owners on the attention list, KPI
trends (sparklines) and the downtime's top reason with its machine."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import report_helpers
from hypothesis import given, settings
from hypothesis import strategies as st

from leankit.reports import ReportSpecError, load_spec, weekly_report
from leankit.reports._analysis import read_actions, week_bounds
from leankit.reports._sections import sparkline
from leankit.reports._spec import spec_from_dict

demo_dir = report_helpers.demo_dir
demo_data = report_helpers.demo_data

ACTIONS = """about,action,owner,due,status
bore_diameter,Check the boring tool,M. Keller,2026-10-30,open
hardness,Check the furnace,A. Petrov,2026-11-06,in progress
Feeder jam,Replace the feeder rail,T. Öz,2026-10-23,done
"""


def _actions(tmp_path: Path, text: str = ACTIONS) -> Path:
    p = tmp_path / "actions.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_actions_are_carried_across_weeks_and_flagged_when_overdue(tmp_path):
    """One file, two weeks (Berlin time): the bore action due Fri 30 Oct is open and not
    overdue in W43 (ends Sun 25 Oct) but overdue in W44 (ends Sun 1 Nov); a done action
    is never overdue, an action due after the week is not."""
    path = _actions(tmp_path)
    flags = {}
    for week in ("2026-W43", "2026-W44"):
        _, end = week_bounds(week, "Europe/Berlin")
        acts = read_actions(path, week_end=end, tz="Europe/Berlin")
        flags[week] = dict(zip(acts["about"], acts["overdue"], strict=True))
    assert flags["2026-W43"] == {"bore_diameter": False, "hardness": False,
                                 "Feeder jam": False}
    assert flags["2026-W44"] == {"bore_diameter": True, "hardness": False,
                                 "Feeder jam": False}


@pytest.mark.parametrize("text, match", [
    ("about,action,owner,due\nx,y,z,2026-10-30\n", "missing column"),
    ("about,action,owner,due,status\nx,y,z,30.10.2026,open\n", "row 2: due"),
    ("about,action,owner,due,status\nx,y,z,2026-10-30,later\n", "row 2: status"),
])
def test_bad_actions_files_name_the_problem(tmp_path, text, match):
    with pytest.raises(ReportSpecError, match=match):
        read_actions(_actions(tmp_path, text), week_end=pd.Timestamp("2026-11-02", tz="UTC"),
                     tz="UTC")


def test_a_missing_actions_file_is_a_spec_error(demo_data, tmp_path):
    with pytest.raises(ReportSpecError, match=r"\[actions\] file = 'nope.csv'"):
        spec_from_dict({"report": {"data": str(demo_data)}, "actions": {"file": "nope.csv"}},
                       base=tmp_path)


def test_summary_shows_top_problems_with_next_steps_and_owners(demo_dir):
    """The demo spec (Berlin time, actions.csv): the summary's top three problems start
    with the new bore signal, its next step is the open action and its owner; an overdue
    action is on the attention list; the tiles carry 12-week sparklines and a status word."""
    rep = weekly_report(load_spec(demo_dir / "weekly.toml"))
    summary = rep.sections[0]
    assert summary.title == "Summary"
    top = next(b for b in summary.blocks if b.kind == "attention").content
    assert len(top) == 3
    assert top[0]["label"] == "NEW signal" and top[0]["text"].startswith("bore_diameter:")
    assert top[0]["owner"] == "M. Keller" and "OVERDUE" in top[0]["next"]
    assert all(item.get("next") for item in top)
    att = next(b for b in next(s for s in rep.sections if s.title == "What needs attention")
               .blocks if b.kind == "attention").content
    assert any(a["label"] == "overdue" and "boring tool" in a["text"] for a in att)
    downtime = [a for a in att if a["label"] == "downtime"]
    assert downtime and downtime[0]["text"].startswith("Feeder jam on L1-M2:")
    tiles = next(b for b in summary.blocks if b.kind == "tiles").content
    assert {t["status"] for t in tiles} <= {"on target", "near target", "off target",
                                            "no target"}
    spark = [t for t in tiles if t["spark"]]
    # W36..W44: the 9 weeks with data of the last 12
    assert len(spark) >= 4 and all("9-week trend" in t["trend"] for t in spark)
    html = rep.to_html()
    assert html.count('class="lk-spark"') == len(spark)
    assert "Owner:</strong> <bdi>M. Keller</bdi>" in html


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(math.nan)), min_size=0,
                max_size=20))
def test_sparkline_points_stay_in_the_box(values):
    pts = sparkline(values)
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 2:
        assert pts == ""
        return
    xy = [tuple(map(float, p.split(","))) for p in pts.split()]
    assert len(xy) == len(finite)
    assert all(0 <= x <= 100 and 1.9 <= y <= 22.1 for x, y in xy)
    # the highest value is drawn highest (smallest y)
    hi = max(range(len(finite)), key=lambda i: finite[i])
    assert xy[hi][1] == min(y for _, y in xy)


def test_warnings_of_the_analysis_become_notes_in_their_section(demo_dir, monkeypatch):
    """A warning raised while the week is analysed (here: the stratification's) is not
    swallowed: it is a note of its section, once, naming the analysis."""
    import warnings

    from leankit import rca
    from leankit.errors import DataQualityWarning

    real = rca.stratify

    def warn_then_stratify(*args, **kwargs):
        warnings.warn("3 lots have no units inspected", DataQualityWarning, stacklevel=2)
        warnings.warn("3 lots have no units inspected", DataQualityWarning, stacklevel=2)
        return real(*args, **kwargs)

    monkeypatch.setattr(rca, "stratify", warn_then_stratify)
    rep = weekly_report(load_spec(demo_dir / "weekly.toml"))
    sec = next(s for s in rep.sections if s.title == "Root causes")
    notes = [b.content for b in sec.blocks if b.kind == "note" and "no units" in b.content]
    assert notes == ["Note — stratification and driver model: 3 lots have no units "
                     "inspected"]
