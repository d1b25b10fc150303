"""The A3 improvement report: the sample story's verdict against truth.json, specs whose
countermeasure had no effect or made things worse, causes checked against their evidence,
hostile text, spec errors, the sustain plan's frozen limits and the CLI."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from report_helpers import REPO, demo_data, demo_dir, spec_file  # noqa: F401

from leankit.reports import ReportSpecError, a3_report, load_a3_spec

SAMPLE = REPO / "sample_data" / "a3.toml"


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((REPO / "sample_data" / "truth.json").read_text("utf-8"))


def _story(truth: dict) -> dict:
    return next(p for p in truth["planted"] if p["id"] == "L2M2_night_countermeasure")


def _sample_text(data: Path, *, freeze: bool = False) -> str:
    text = SAMPLE.read_text("utf-8").replace('data = "../demo_out/data"',
                                             f'data = "{data.as_posix()}"')
    return text if freeze else text.replace("freeze = true", "freeze = false")


@pytest.fixture(scope="module")
def sample_report(demo_dir: Path) -> object:  # noqa: F811
    """The A3 report ``leankit demo`` writes (its spec beside the dataset)."""
    return a3_report(load_a3_spec(demo_dir / "a3.toml"))


def test_demo_writes_the_a3_report(demo_dir: Path):  # noqa: F811
    html = demo_dir / "a3_report.html"
    assert html.is_file() and (demo_dir / "a3_report.json").is_file()
    doc = json.loads((demo_dir / "a3_report.json").read_text("utf-8"))
    assert doc["schema"] == "leankit.a3/1" and doc["verdict"] == "improved"


def test_sample_verdict_is_improved_with_the_planted_effect_inside_its_ci(sample_report,
                                                                         truth):
    doc = sample_report.data  # type: ignore[attr-defined]
    assert doc["verdict"] == "improved"
    story = _story(truth)["observed"]
    l2, cell, fpy = doc["metrics"]
    # line L2: planted ratio 0.747 given the exposures (truth.json)
    assert l2["verdict"] == "improved"
    assert l2["lower"] <= story["line_L2"]["planted_rate_ratio"] <= l2["upper"]
    assert l2["ratio"] == pytest.approx(story["line_L2"]["observed_rate_ratio"], abs=5e-4)
    assert l2["before"] == pytest.approx(story["line_L2"]["before"]["dpu"], abs=5e-6)
    assert l2["after"] == pytest.approx(story["line_L2"]["after"]["dpu"], abs=5e-6)
    # the L2-M2 night cell itself: planted 1/3
    assert cell["verdict"] == "improved"
    assert cell["lower"] <= 1 / 3 <= cell["upper"]
    assert cell["goal_met_after"] is True
    assert fpy["verdict"] == "improved" and fpy["after"] > fpy["before"]
    assert not doc["failures"]


def test_sample_causes_follow_their_evidence(sample_report):
    causes = {c["cause"]: c for c in sample_report.data["causes"]}  # type: ignore[attr-defined]
    crew = causes["Night crew on L2-M2 skips the deburring check"]
    assert crew["status_shown"] == "verified" and crew["lower"] > 1
    assert 2.5 < crew["ratio"] < 3.5          # the x3 of the baseline, against the rest of L2
    night = causes["Night shift in general (fatigue, fewer checks)"]
    assert night["status_shown"] == "refuted" and night["lower"] < 1 < night["upper"] or \
        night["upper"] < 1
    assert causes["Casting lots with more flash"]["status_shown"] == "open"
    html = sample_report.to_html()  # type: ignore[attr-defined]
    assert "5 whys" in html and "OVERDUE" in html   # one action due 20 Nov, not done
    assert "Fishbone" in html or "fishbone" in html


def _spec(spec_file: Callable[..., Path], demo_data: Path, **repl: str) -> Path:  # noqa: F811
    text = _sample_text(demo_data)
    for old, new in repl.items():
        assert old in text, old
        text = text.replace(old, new)
    return spec_file(text, name="a3.toml")


def test_no_effect_gives_no_evidence_of_improvement(spec_file, demo_data, truth):  # noqa: F811
    """The same countermeasure date on line L1, where nothing was planted (ratio 1)."""
    path = _spec(spec_file, demo_data, **{
        'where = { line = "L2" }\ngoal = 0.035': 'where = { line = "L1" }\ngoal = 0.035'})
    doc = a3_report(load_a3_spec(path)).data
    m = doc["metrics"][0]
    assert m["verdict"] == "no evidence of improvement" == doc["verdict"]
    assert m["lower"] < 1 < m["upper"]
    assert m["ratio"] == pytest.approx(_story(truth)["observed"]["line_L1"]["observed_rate_ratio"],
                                       abs=5e-4)


def test_a_worse_characteristic(spec_file, demo_data):  # noqa: F811
    """bore_diameter around the planted +0.020 mm shift of 28 Oct: Ppk falls."""
    path = _spec(spec_file, demo_data, **{
        '[[metrics]]                    # the headline metric (the first one gives the '
        'verdict)\nname = "Line L2 defects per unit"\nkind = "defect_rate"\nwhere = '
        '{ line = "L2" }\ngoal = 0.035':
        '[[metrics]]\nname = "Bore diameter"\nkind = "characteristic"\n'
        'characteristic = "bore_diameter"\ngoal = 1.33',
        "change = 2026-11-09": "change = 2026-10-29",
        "baseline = [2026-09-28, 2026-11-09]": "baseline = [2026-09-14, 2026-10-28]",
        "improvement = [2026-11-09, 2026-11-23]": "improvement = [2026-10-29, 2026-11-23]"})
    rep = a3_report(load_a3_spec(path))
    m = rep.data["metrics"][0]
    assert rep.data["verdict"] == "worse" == m["verdict"]
    assert m["ppk_after"] < m["ppk_before"] and m["ppk_upper"] < 0
    assert m["mean_diff"] == pytest.approx(0.020, abs=0.003)
    html = rep.to_html()
    assert "WORSE" in html


def test_a_verified_cause_without_evidence_is_not_verified(spec_file, demo_data):  # noqa: F811
    path = _spec(spec_file, demo_data, **{
        'cause = "Casting lots with more flash"\nstatus = "open"':
        'cause = "Casting lots with more flash"\nstatus = "verified"'})
    rep = a3_report(load_a3_spec(path))
    c = next(x for x in rep.data["causes"] if x["cause"] == "Casting lots with more flash")
    assert c["status_given"] == "verified" and c["status_shown"] == "not verified"
    assert "no evidence" in c["reason"]
    html = rep.to_html()
    assert re.search(r">not verified</span> <span class=\"lk-given\">\(marked verified\)", html)


def test_a_verified_cause_the_data_contradict_is_not_verified(
        spec_file, demo_data):  # noqa: F811
    path = _spec(spec_file, demo_data, **{
        'cause = "Night shift in general (fatigue, fewer checks)"\nstatus = "refuted"':
        'cause = "Night shift in general (fatigue, fewer checks)"\nstatus = "verified"'})
    c = next(x for x in a3_report(load_a3_spec(path)).data["causes"]
             if x["cause"].startswith("Night shift in general"))
    assert c["status_shown"] == "not verified" and "do not show" in c["reason"]


def test_a_change_point_before_the_countermeasure_is_pointed_out(
        spec_file, demo_data):  # noqa: F811
    """A countermeasure dated a week after the real change (9 Nov): the report says the
    data changed before it."""
    path = _spec(spec_file, demo_data, **{
        "change = 2026-11-09": "change = 2026-11-16",
        "baseline = [2026-09-28, 2026-11-09]": "baseline = [2026-09-28, 2026-11-16]",
        "improvement = [2026-11-09, 2026-11-23]": "improvement = [2026-11-16, 2026-11-23]",
        'where = { line = "L2" }\ngoal = 0.035':
        'where = { machine = "L2-M2", shift = "night" }\ngoal = 0.035'})
    rep = a3_report(load_a3_spec(path))
    html = rep.to_html()
    assert "The data changed already around" in html
    assert re.search(r"around (0[89]|1[01]) Nov 2026", html)


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_hostile_text_in_every_spec_field_renders_as_text(spec_file, demo_data):  # noqa: F811
    h = HOSTILE
    text = f'''
[a3]
title = "{h} title"
owner = "{h} owner"
team = ["{h} team"]
data = "{demo_data.as_posix()}"
timezone = "Europe/Berlin"
background = "{h} background"
problem = "{h} problem"
goal = "{h} goal"
change = 2026-11-09
baseline = [2026-09-28, 2026-11-09]
categories = ["{h} cat", "Machine"]
whys = ["{h} why"]

[[metrics]]
name = "{h} metric"
kind = "defect_rate"
where = {{ line = "L2" }}
unit = "{h}"

[[causes]]
category = "{h} cat"
cause = "{h} cause"
status = "verified"
note = "{h} note"

[[causes]]
category = "Machine"
cause = "{h} cause 2"
status = "verified"
evidence = {{ stratify = {{ machine = "L2-M2", shift = "night" }} }}

[[countermeasures]]
action = "{h} action"
owner = "{h} who"
due = 2026-11-09
cause = "{h} cm cause"

[sustain]
reaction = "{h} reaction"
owner = "{h} sustain owner"
review = 2026-12-14
'''
    rep = a3_report(load_a3_spec(spec_file(text, name="hostile.toml")))
    html = rep.to_html()
    assert "<script>alert" not in html and "<img src=x" not in html
    for field in ("title", "owner", "team", "background", "problem", "goal", "why",
                  "cause", "note", "action", "who", "reaction", "sustain owner"):
        assert f"&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; {field}" \
            in html, field
    # text inside figures (fishbone labels, titles) is escaped JSON, never markup
    for script in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html,
                             re.S):
        assert "<" not in script and ">" not in script


@pytest.mark.parametrize(("edit", "message"), [
    (("change = 2026-11-09", "# no change"), r"change is missing"),
    (('status = "verified"', 'status = "proven"'), r"status = 'proven'"),
    (('category = "Material"', 'category = "Materiel"'),
     r"not a fishbone category.*Material"),
    (("[sustain]", "[sustain]\ncolour = 1"), r"unknown key 'colour'"),
    (('kind = "kpi"', 'kind = "kpis"'), r"kind = 'kpis'"),
    (("baseline = [2026-09-28, 2026-11-09]", "baseline = [2026-09-28, 2026-11-19]"),
     r"ends after change"),
    (('where = { line = "L2" }\ngoal = 0.035', 'where = { lane = "L2" }\ngoal = 0.035'),
     r"'lane' is not a column.*line"),
    (("due = 2026-11-20", 'due = "20.11.2026"'), r"due = '20.11.2026': give a date"),
    (('where = { line = "L2" }\ngoal = 0.035', 'where = { line = "L9" }\ngoal = 0.035'),
     r"line = L9 matches no row\. Values of line: L1, L2"),
])
def test_spec_errors_name_the_key(spec_file, demo_data, edit, message):  # noqa: F811
    text = _sample_text(demo_data).replace(*edit, 1)
    with pytest.raises(ReportSpecError, match=message):
        a3_report(load_a3_spec(spec_file(text, name="bad.toml")))


def test_sustain_freezes_the_improved_limits_once(tmp_path: Path, demo_data: Path):  # noqa: F811
    from leankit.spc import LimitsStore

    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    spec = tmp_path / "a3.toml"
    spec.write_text(_sample_text(data, freeze=True), encoding="utf-8")
    rep = a3_report(load_a3_spec(spec))
    store = LimitsStore(data)
    history = store.history("Line L2 defects per unit")
    assert len(history) == 1
    v = history[0]
    assert "A3" in v.reason and v.chart in ("u", "laney_u")
    assert "Frozen in the limits registry" in rep.to_html()
    a3_report(load_a3_spec(spec))            # a second run adds no version
    assert len(store.history("Line L2 defects per unit")) == 1


def test_kpi_oee_metric(spec_file, demo_data):  # noqa: F811
    path = _spec(spec_file, demo_data, **{
        'kpi = "fpy"\nwhere = { line = "L2" }\ngoal = 0.965':
        'kpi = "oee"\nwhere = { line = "L2" }\ngoal = 0.85'})
    m = a3_report(load_a3_spec(path)).data["metrics"][2]
    assert m["kind"] == "kpi" and m["error"] is None
    assert 0.5 < m["before"] < 1 and 0.5 < m["after"] < 1
    assert m["verdict"] in ("improved", "no evidence of improvement", "worse")


def test_cli_report_a3(tmp_path: Path, demo_dir: Path, capsys):  # noqa: F811
    from leankit.cli import main

    out = tmp_path / "a3.html"
    spec = tmp_path / "a3.toml"
    spec.write_text(_sample_text(demo_dir / "data"), encoding="utf-8")
    assert main(["report", "a3", "--spec", str(spec), "--out", str(out), "--quiet"]) == 0
    assert out.is_file() and out.with_suffix(".json").is_file()
    assert "did it work? improved" in capsys.readouterr().out
    assert main(["report", "a3", "--spec", str(tmp_path / "missing.toml"), "--out",
                 str(out)]) != 0


def _bore_spec(spec_file, demo_data, evidence: str, status: str = "verified"):  # noqa: F811
    """The bore story (shift of +0.020 mm on Wed 28 Oct 15:00 CET) with one cause whose
    evidence is a chart signal or a change point of bore_diameter."""
    return _spec(spec_file, demo_data, **{
        "change = 2026-11-09": "change = 2026-10-29",
        "baseline = [2026-09-28, 2026-11-09]": "baseline = [2026-09-14, 2026-10-28]",
        "improvement = [2026-11-09, 2026-11-23]": "improvement = [2026-10-29, 2026-11-23]",
        'cause = "Colder hall at night"\nstatus = "open"':
        f'cause = "Tool change offset"\nstatus = "{status}"\nevidence = {evidence}'})


def _cause(rep, name: str) -> dict:
    return next(c for c in rep.data["causes"] if c["cause"] == name)


def test_change_point_evidence_matches_the_planted_date(spec_file, demo_data):  # noqa: F811
    rep = a3_report(load_a3_spec(_bore_spec(
        spec_file, demo_data, '{ change_point = "bore_diameter", date = 2026-10-28 }')))
    c = _cause(rep, "Tool change offset")
    assert c["status_shown"] == "verified", c
    assert "Change point at 28 Oct 2026" in c["evidence"]
    wrong = a3_report(load_a3_spec(_bore_spec(
        spec_file, demo_data, '{ change_point = "bore_diameter", date = 2026-10-05 }')))
    c = _cause(wrong, "Tool change offset")
    assert c["status_shown"] == "not verified" and "No change point within 2 days" in \
        c["evidence"]


def test_signal_evidence(spec_file, demo_data):  # noqa: F811
    rep = a3_report(load_a3_spec(_bore_spec(spec_file, demo_data,
                                            '{ signal = "bore_diameter" }')))
    c = _cause(rep, "Tool change offset")
    assert c["status_shown"] == "verified" and "beyond the limits" in c["evidence"]
    assert "28 Oct 2026" in c["evidence"]           # the first shifted subgroup signals
    stable = a3_report(load_a3_spec(_bore_spec(spec_file, demo_data,
                                               '{ signal = "flange_thickness" }',
                                               status="refuted")))
    c = _cause(stable, "Tool change offset")
    assert c["status_shown"] == "refuted" and c["evidence"].startswith("No point beyond")
    with pytest.raises(ReportSpecError, match="'bore_diam', which is not a characteristic"):
        a3_report(load_a3_spec(_bore_spec(spec_file, demo_data,
                                          '{ signal = "bore_diam" }')))
