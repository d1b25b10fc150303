"""The sample gage study (sample_data/gage_study): deterministic, and leankit finds the
planted components (scripts/make_gage_study.py, truth.json)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pandas as pd
import pytest

from conftest import REPO
from leankit import msa

FOLDER = REPO / "sample_data" / "gage_study"


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((FOLDER / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "bore_gauge_rr.csv")


def test_generator_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_gage_study.py"), "--out",
                    str(tmp_path)], check=True)
    for name in ("bore_gauge_rr.csv", "truth.json"):
        assert (tmp_path / name).read_bytes() == (FOLDER / name).read_bytes(), name


def test_layout_matches_truth_and_specs(truth, data):
    d = truth["design"]
    assert len(data) == d["rows"] == d["parts"] * len(d["operators"]) * d["trials"]
    assert sorted(data["operator"].unique()) == sorted(d["operators"])
    assert set(data["characteristic"]) == {"bore_diameter"} and set(data["unit"]) == {"mm"}
    specs = pd.read_csv(REPO / "sample_data" / "specs.csv").set_index("characteristic")
    assert (specs.loc["bore_diameter", "lsl"], specs.loc["bore_diameter", "usl"]) == (
        truth["spec"]["lsl"], truth["spec"]["usl"])
    assert data["value"].between(24.95, 25.05).all()


def test_full_model_intervals_cover_the_planted_components(truth, data):
    """With the interaction kept (alpha_interaction=1), every 95 % interval covers its
    planted variance: repeatability, operator, operator × part, part, gage R&R, total."""
    r = msa.gage_rr(data, part="part", operator="operator", value="value",
                    alpha_interaction=1.0)
    planted = truth["planted_variance_mm2"]
    want = dict(planted)
    want["gage_rr"] = planted["repeatability"] + planted["operator"] + planted["operator_part"]
    want["total"] = want["gage_rr"] + planted["part"]
    c = r.components.set_index("component")
    for name, v in want.items():
        assert c.loc[name, "var_lower"] <= v <= c.loc[name, "var_upper"], name


def test_default_study_finds_the_planted_gauge(truth, data):
    """The default analysis (interaction pooled: p = 0.15) covers the planted gage R&R,
    part and total variances; the pooled repeatability estimates repeatability plus the
    small interaction, and its interval covers that sum. %GRR within 3 points of the
    planted 18.4 %, %tolerance within 1 point of the planted 9.0 %, ndc within 1 of 7."""
    r = msa.gage_rr(data, part="part", operator="operator", value="value",
                    lsl=truth["spec"]["lsl"], usl=truth["spec"]["usl"])
    assert r.interaction_pooled
    p = truth["planted_variance_mm2"]
    c = r.components.set_index("component")
    grr = p["repeatability"] + p["operator"] + p["operator_part"]
    for name, v in {"gage_rr": grr, "part": p["part"], "total": grr + p["part"],
                    "repeatability": p["repeatability"] + p["operator_part"]}.items():
        assert c.loc[name, "var_lower"] <= v <= c.loc[name, "var_upper"], name
    planted = truth["planted_gage_rr"]
    assert r.pct_study_var == pytest.approx(planted["pct_study_var"], abs=3)
    assert r.pct_tolerance == pytest.approx(planted["pct_tolerance"], abs=1)
    assert abs(r.ndc - planted["ndc"]) <= 1
    assert r.verdict == "conditional"
    assert math.isclose(r.tolerance, 0.1)
