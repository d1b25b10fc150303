"""The weekly report states each characteristic's gage study (issue: MSA): %GRR, ndc and
the AIAG verdict in the capability section and the JSON, and warns when capability is
read through a gauge with %GRR above 30 %."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from report_helpers import REPO, demo_data, demo_dir, spec_file  # noqa: F401

from leankit import msa
from leankit.reports import ReportSpecError, load_spec, weekly_report


def test_demo_states_the_bore_gauge_study(demo_dir: Path):  # noqa: F811
    doc = json.loads((demo_dir / "weekly_report.json").read_text("utf-8"))
    g = doc["gage_studies"]["bore_diameter"]
    study = pd.read_csv(REPO / "sample_data" / "gage_study" / "bore_gauge_rr.csv")
    direct = msa.gage_rr(study, part="part", operator="operator", value="value",
                         lsl=24.95, usl=25.05)
    row = direct.to_frame().set_index("component").loc["gage_rr"]
    assert g["pct_study_var"] == pytest.approx(row["pct_study_var"], rel=1e-9)
    assert g["pct_tolerance"] == pytest.approx(row["pct_tolerance"], rel=1e-9)
    assert g["ndc"] == direct.ndc and g["verdict"] == direct.verdict == "conditional"
    html = (demo_dir / "weekly_report.html").read_text("utf-8")
    assert "20.8 % (conditional, ndc 6)" in html
    assert "no gage study: flange_thickness" in html


SPEC = """
[report]
title = "Gauge check"
data = "{data}"
week = "2026-W44"
timezone = "Europe/Berlin"

[[characteristics]]
name = "flange_thickness"

[[gage_studies]]
characteristic = "flange_thickness"
percent_study_var = 35.0
ndc = 3

[sections]
include = ["capability"]
"""


def test_a_poor_gauge_is_warned_about(spec_file):  # noqa: F811
    rep = weekly_report(load_spec(spec_file(SPEC)))
    html = rep.to_html()
    assert "read through a gauge with %GRR 35 %" in html
    assert rep.data["gage_studies"]["flange_thickness"]["verdict"] == "unacceptable"


@pytest.mark.parametrize(("extra", "message"), [
    ('percent_study_var = 35.0\nfile = "nope.csv"', "not both or neither"),
    ("", "missing"),
])
def test_gage_spec_errors(spec_file, extra, message):  # noqa: F811
    text = SPEC.replace("percent_study_var = 35.0\nndc = 3", extra)
    if message == "missing":
        text = text.replace('characteristic = "flange_thickness"\n\n[sections]',
                            '\n[sections]').replace(
            '[[gage_studies]]\ncharacteristic = "flange_thickness"', "[[gage_studies]]\nndc = 3")
    with pytest.raises(ReportSpecError, match=message):
        load_spec(spec_file(text))


def test_a_missing_study_file_is_named(spec_file):  # noqa: F811
    text = SPEC.replace("percent_study_var = 35.0\nndc = 3", 'file = "no_such_study.csv"')
    with pytest.raises(ReportSpecError, match="no_such_study.csv.*does not exist"):
        load_spec(spec_file(text))
