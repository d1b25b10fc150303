"""``chart = "auto"`` in report specs: the chart advised by ``spc.advise`` on the
baseline, calibrated so that a stable characteristic shows a false special cause in
about ``alarm_rate`` of the weeks; individuals data are charted, never skipped."""

from __future__ import annotations

import csv
import html as _html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import report_helpers  # tests/unit/reports/report_helpers.py: shared fixtures (below)

from leankit.reports import ReportSpecError, weekly_report
from leankit.reports._spec import spec_from_dict

demo_dir = report_helpers.demo_dir
demo_data = report_helpers.demo_data

T0 = pd.Timestamp("2026-03-02T00:00Z")  # a Monday: ISO week 2026-W10
WEEKS = 26  # 6 baseline weeks + 20 report weeks


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)


@pytest.fixture(scope="module")
def stable_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded, stable (in-control, normal, independent) process over 26 weeks: "bore"
    in subgroups of 5 every 2 h (84 a week) and "temp", one reading every 2 h without a
    subgroup (individuals)."""
    from leankit.io import ingest

    root = tmp_path_factory.mktemp("stable")
    rng = np.random.default_rng(20261204)
    meas, defects, prod = [], [], []
    for k in range(WEEKS * 7 * 12):
        t = T0 + pd.Timedelta(hours=2 * k)
        for j in range(5):
            meas.append({"timestamp": (t + pd.Timedelta(minutes=j)).isoformat(), "line": "L1",
                         "machine": "M1", "characteristic": "bore",
                         "value": round(float(rng.normal(25, 0.01)), 6), "subgroup": f"s{k}"})
        meas.append({"timestamp": (t + pd.Timedelta(minutes=30)).isoformat(), "line": "L1",
                     "machine": "M1", "characteristic": "temp",
                     "value": round(float(rng.normal(60, 0.5)), 5), "subgroup": ""})
    for d in range(WEEKS * 7):
        day = T0 + pd.Timedelta(days=d)
        defects.append({"timestamp": (day + pd.Timedelta(hours=7)).isoformat(), "line": "L1",
                        "machine": "M1", "shift": "early", "lot": f"M1-{d}",
                        "defect_type": "Burr", "count": int(rng.poisson(4)),
                        "inspected": 200})
        prod.append({"period_start": (day + pd.Timedelta(hours=6)).isoformat(),
                     "period_end": (day + pd.Timedelta(hours=14)).isoformat(), "line": "L1",
                     "machine": "M1", "shift": "early", "planned_time": 450.0,
                     "run_time": 420.0, "downtime": 30.0, "downtime_reason": "Jam",
                     "ideal_cycle_time": 60.0, "total_count": 400, "good_count": 390,
                     "scrap_count": 10})
    specs = [{"characteristic": "bore", "lsl": 24.95, "usl": 25.05, "target": 25.0}]
    out = root / "data"
    for kind, rows in (("measurements", meas), ("defects", defects), ("production", prod),
                       ("specs", specs)):
        path = root / f"{kind}.csv"
        _write(path, rows)
        rep = ingest(path, kind=kind, out=out, profile="canonical")
        assert rep.rows_quarantined == 0, str(rep)
    return out


def _week(k: int) -> str:
    y, w, _ = (T0 + pd.Timedelta(weeks=k)).isocalendar()
    return f"{y}-W{w:02d}"


def _spec(data: Path, week: str, chars: list[dict[str, Any]] | None = None,
          **report: Any) -> Any:
    doc: dict[str, Any] = {"report": {"data": str(data), "week": week, "context_weeks": 0,
                                      **report},
                           "sections": {"include": ["summary", "spc", "methods"]}}
    if chars is not None:
        doc["characteristics"] = chars
    return spec_from_dict(doc, base=data)


def _item(rep: Any, name: str) -> Any:
    sec = next(s for s in rep.sections if s.title == "Control charts")
    return next(it for it in sec.items if it.heading == name)


def test_individuals_characteristic_is_charted_with_its_advice(stable_data):
    rep = weekly_report(_spec(stable_data, _week(8)))
    item = _item(rep, "temp")
    assert item.badge[0] in ("common cause", "special cause")  # charted, not "no chart"
    notes = [b.content for b in item.blocks if b.kind == "note"]
    assert len(notes) == 1 and notes[0].startswith("Chart advised: i_mr")
    assert "beyond-limits only" in notes[0]  # the calibration reason of spc.advise
    assert "Not charted" not in " ".join(str(b.content) for b in item.blocks)
    # the subgrouped characteristic gets the X-bar/S chart, with its own reason
    bore = [b.content for b in _item(rep, "bore").blocks if b.kind == "note"]
    assert bore[0].startswith("Chart advised: xbar_s")
    doc = rep.to_html()
    assert _html.escape(notes[0], quote=False) in doc
    methods = " ".join(next(s for s in rep.sections if s.title == "Methods").blocks[0].content)
    assert "false special cause in about 1 week in 50" in methods


def test_auto_flags_far_fewer_stable_weeks_than_western_electric(stable_data):
    """A stable process, 20 report weeks of 84 points, limits from the first 6 weeks:
    with ``alarm_rate = 0.02`` the advised charts flag about 2 % of the weeks (at most
    10 % asserted; the exact Markov-chain rate is in spc.advise's reasons), the full
    Western Electric rules on an X-bar/S chart most weeks (53 % per spc.advise)."""
    def flagged(chars: list[dict[str, Any]] | None) -> list[bool]:
        out = []
        for k in range(6, WEEKS):
            rep = weekly_report(_spec(stable_data, _week(k), chars))
            out += [it.badge[0] == "special cause" for it in
                    next(s for s in rep.sections if s.title == "Control charts").items]
        return out

    auto = flagged(None)
    we = flagged([{"name": "bore", "chart": "xbar_s", "rules": "we"}])
    assert len(auto) == 40 and len(we) == 20
    assert np.mean(auto) <= 0.10
    assert np.mean(we) >= 0.25 and np.mean(we) > 3 * np.mean(auto)


def test_explicit_chart_keeps_its_rules_and_is_not_advised(stable_data):
    rep = weekly_report(_spec(stable_data, _week(8), [
        {"name": "bore", "chart": "xbar_s", "rules": ["we_1", "nelson_2"]}]))
    assert not [b for b in _item(rep, "bore").blocks if b.kind == "note"]


def test_auto_with_rules_named_uses_them(stable_data):
    spec = _spec(stable_data, _week(8), [{"name": "temp", "chart": "auto", "rules": "we"}])
    assert spec.characteristics[0].rules == ("we",)
    rep = weekly_report(spec)
    assert [b for b in _item(rep, "temp").blocks if b.kind == "note"]


def test_spec_chart_auto_and_alarm_rate(demo_data):
    spec = spec_from_dict({"report": {"data": str(demo_data)},
                           "characteristics": [{"name": "bore_diameter"},
                                               {"name": "runout", "chart": "auto"},
                                               {"name": "length", "chart": "xbar_r"}]},
                          base=demo_data)
    assert spec.chart == "auto" and spec.alarm_rate == 0.02
    assert [c.chart for c in spec.characteristics] == ["auto", "auto", "xbar_r"]
    assert spec.characteristics[0].rules == ()  # advised (calibrated) rules
    assert spec.characteristics[2].rules == ("we_1", "nelson_2")  # as before
    spec = spec_from_dict({"report": {"data": str(demo_data), "chart": "i_mr",
                                      "alarm_rate": 0.01},
                           "characteristics": [{"name": "length"}]}, base=demo_data)
    assert spec.alarm_rate == 0.01 and spec.characteristics[0].chart == "i_mr"


@pytest.mark.parametrize(("report", "char", "needle"), [
    ({"alarm_rate": 0}, {}, "alarm_rate = 0: give a number above 0"),
    ({"alarm_rate": 0.7}, {}, "alarm_rate = 0.7: give a number <= 0.5"),
    ({"alarm_rate": "2%"}, {}, "alarm_rate must be a number"),
    ({"chart": "autto"}, {}, "did you mean 'auto'"),
    ({}, {"chart": "Auto"}, "chart = 'Auto'"),
    ({}, {"chart": "auto", "rules": "nelsn"}, "'nelsn'"),
    ({}, {"chart": "auto", "columns": {"part": "product"}}, "columns need a named chart"),
])
def test_spec_auto_and_alarm_rate_errors(demo_data, report, char, needle):
    with pytest.raises(ReportSpecError) as info:
        spec_from_dict({"report": {"data": str(demo_data), **report},
                        "characteristics": [{"name": "length", **char}]}, base=demo_data)
    assert needle in str(info.value)


def test_all_auto_still_flags_the_planted_bore_shift_in_w44(demo_data):
    """sample_data/README.md, planted phenomenon 1 (truth.json): bore_diameter shifts from
    the subgroup at 2026-10-28T14:00:00Z. Advised and calibrated, it is still the first
    NEW signal of W44, at that subgroup; the stable characteristics stay common cause."""
    spec = spec_from_dict({"report": {"data": str(demo_data), "week": "2026-W44"},
                           "sections": {"include": ["attention", "spc"]}}, base=demo_data)
    assert spec.chart == "auto" and not spec.characteristics
    rep = weekly_report(spec)
    badges = {it.heading: it.badge[0] for it in rep.sections[1].items}
    assert badges == {"bore_diameter": "special cause", "flange_thickness": "common cause",
                      "length": "common cause", "runout": "common cause",
                      "shaft_diameter": "common cause",
                      # line2_process_log.csv (truth.json special_cause_weeks): the hardness
                      # shift of W43 continues in W44; the bath fault was in W42 only
                      "bath_temperature": "common cause", "hardness": "special cause",
                      "surface_roughness": "common cause"}
    first = rep.sections[0].blocks[0].content[0]
    assert first["label"] == "NEW signal" and first["text"].startswith("bore_diameter:")
    assert "Wed 28 Oct 14:00 UTC" in first["text"]
