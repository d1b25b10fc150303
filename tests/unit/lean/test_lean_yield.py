"""FPY, RTY, DPU, DPMO, sigma level (against scipy and the published table), throughput."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leankit import lean
from leankit.errors import ColumnNotFoundError, DataQualityWarning, SchemaError

#: The published sigma table (1.5 sigma shift): sigma level -> DPMO, as printed
#: (rounded) in e.g. Breyfogle, Implementing Six Sigma, and the Motorola tables.
PUBLISHED = [(6.0, 3.4), (5.0, 233.0), (4.0, 6210.0), (3.0, 66807.0), (2.0, 308538.0),
             (1.0, 691462.0)]


@pytest.mark.parametrize(("sigma", "dpmo"), PUBLISHED)
def test_sigma_table(sigma: float, dpmo: float) -> None:
    # the printed DPMO values are rounded: the levels agree to 0.002
    assert lean.sigma_level(dpmo) == pytest.approx(sigma, abs=2e-3)
    assert lean.sigma_level(dpmo, shift=1.5) == pytest.approx(sigma, abs=2e-3)
    # the inverse reproduces the printed DPMO to its printed precision
    digits = 1 if dpmo < 10 else 0
    assert round(lean.dpmo_from_sigma(sigma), digits) == dpmo


@pytest.mark.parametrize("dpmo", [0.5, 3.4, 233.0, 1000.0, 66807.0, 308538.0, 500000.0, 9e5])
def test_sigma_level_matches_scipy(dpmo: float) -> None:
    expected = stats.norm.ppf(1 - dpmo / 1e6) + 1.5
    assert lean.sigma_level(dpmo) == pytest.approx(expected, rel=1e-9)
    assert lean.sigma_level(dpmo, shift=0.0) == pytest.approx(expected - 1.5, rel=1e-9,
                                                              abs=1e-12)
    assert lean.dpmo_from_sigma(lean.sigma_level(dpmo)) == pytest.approx(dpmo, rel=1e-9)


def test_sigma_level_exact_points() -> None:
    assert lean.sigma_level(500000.0) == 1.5           # Phi^-1(0.5) = 0
    assert lean.sigma_level(66807.0) == pytest.approx(3.0, abs=1e-5)
    assert lean.sigma_level(0.0) == math.inf
    assert lean.sigma_level(1e6) == -math.inf
    with pytest.raises(ValueError, match="at most"):
        lean.sigma_level(1e6 + 1)
    with pytest.raises(ValueError, match="at least"):
        lean.sigma_level(-1.0)
    with pytest.raises(TypeError):
        lean.sigma_level("3.4")  # type: ignore[arg-type]


def test_dpmo() -> None:
    assert lean.dpmo(34, 1000, 10) == 3400.0
    assert lean.dpmo(defects=0, units=5) == 0.0
    with pytest.raises(ValueError, match="positive"):
        lean.dpmo(1, 0)
    with pytest.raises(ValueError, match="positive"):
        lean.dpmo(1, 10, opportunities=0)
    with pytest.raises(ValueError, match="exceed the opportunities"):
        lean.dpmo(11, 10)
    with pytest.raises(ValueError, match="finite"):
        lean.dpmo(math.nan, 10)


def test_rty() -> None:
    assert lean.rty([0.98, 0.95, 0.99]) == pytest.approx(0.98 * 0.95 * 0.99, rel=1e-15)
    assert lean.rty(pd.Series([0.9])) == 0.9
    with pytest.raises(ValueError, match="at least one"):
        lean.rty([])
    with pytest.raises(ValueError, match="at most 1"):
        lean.rty([0.9, 1.2])
    with pytest.raises(ValueError, match="finite"):
        lean.rty([0.9, math.nan])


def test_fpy_rework_is_not_first_pass(small: pd.DataFrame) -> None:
    f = lean.fpy(small, by=None, step="machine")
    # M1: good 826 of 840 (scrap 8 and rework 6 are not good first time)
    assert f.loc["M1"] == pytest.approx(826 / 840, rel=1e-15)
    assert f.loc["M2"] == pytest.approx(1530 / 1560, rel=1e-15)
    assert lean.rty(f) == pytest.approx(826 / 840 * 1530 / 1560, rel=1e-15)
    whole = lean.fpy(small, by=None)
    assert whole.index.tolist() == ["all"]
    assert whole.iloc[0] == pytest.approx(2356 / 2400)
    by_line = lean.fpy(small, by="line", step="machine", period="week")
    assert by_line.index.names == ["line", "period", "machine"]


def test_yield_metrics_hand_computed(small: pd.DataFrame) -> None:
    y = lean.yield_metrics(small, step="machine", opportunities=4)
    t = y.to_frame().iloc[0]
    assert t["fpy"] == pytest.approx(2356 / 2400)
    assert t["rty"] == pytest.approx(826 / 840 * 1530 / 1560)
    assert t["defectives"] == 44
    assert t["dpu"] == pytest.approx(44 / 2400)
    assert t["dpmo"] == pytest.approx(44 / (2400 * 4) * 1e6)
    assert t["sigma_level"] == pytest.approx(lean.sigma_level(t["dpmo"], shift=1.5))
    assert t["scrap_rate"] == pytest.approx(24 / 2400)
    assert t["rework_rate"] == pytest.approx(20 / 2400)
    assert t["throughput_per_run_hour"] == pytest.approx(2356 / (1700 / 60))
    assert t["throughput_per_planned_hour"] == pytest.approx(2356 / (1800 / 60))
    steps = y.steps
    assert steps is not None and steps["machine"].tolist() == ["M1", "M2"]
    assert y.overall["rty"].iloc[0] == pytest.approx(t["rty"])
    text = str(y.summary())
    assert "shift 1.5" in text and "4 opportunities" in text
    assert any("shift 1.5" in n for n in y.notes)


def test_yield_shift_parameter(small: pd.DataFrame) -> None:
    a = lean.yield_metrics(small, shift=1.5).to_frame()["sigma_level"].iloc[0]
    b = lean.yield_metrics(small, shift=0.0).to_frame()["sigma_level"].iloc[0]
    assert a - b == pytest.approx(1.5)
    with pytest.raises(ValueError, match="opportunities"):
        lean.yield_metrics(small, opportunities=0)


def test_yield_degenerate(small: pd.DataFrame) -> None:
    extra = small.iloc[[0]].assign(line="L9", total_count=0, good_count=0, scrap_count=0,
                                   rework_count=0, run_time=0.0)
    with pytest.warns(DataQualityWarning, match="no units counted.*L9"):
        y = lean.yield_metrics(pd.concat([small, extra], ignore_index=True))
    l9 = y.to_frame().set_index("line").loc["L9"]
    assert np.isnan(l9["fpy"]) and "no units counted" in l9["note"]
    with pytest.raises(SchemaError, match="good_exceeds_total"):
        lean.yield_metrics(small.assign(good_count=[390, 740, 436, 900]))
    with pytest.raises(SchemaError, match="negative_value"):
        lean.yield_metrics(small.assign(scrap_count=[-1, 10, 2, 6]))
    with pytest.raises(ColumnNotFoundError, match="did you mean 'good_cnt'"):
        lean.yield_metrics(small.rename(columns={"good_count": "good_cnt"}))
    with pytest.raises(ValueError, match="step"):
        lean.yield_metrics(small, by="machine", step="machine")
    no_defect = lean.yield_metrics(small.assign(good_count=small["total_count"]))
    assert no_defect.to_frame()["sigma_level"].iloc[0] == math.inf
    assert "no defectives" in no_defect.to_frame()["note"].iloc[0]


def test_yield_optional_columns(small: pd.DataFrame) -> None:
    y = lean.yield_metrics(small[["line", "total_count", "good_count"]])
    t = y.to_frame().iloc[0]
    assert np.isnan(t["throughput_per_run_hour"]) and np.isnan(t["scrap_rate"])
    assert any("No run_time column" in n for n in y.notes)


def test_yield_result_object(small: pd.DataFrame) -> None:
    y = lean.yield_metrics(small, step="machine", period="week")
    assert repr(y).startswith("<YieldMetrics by line, steps 'machine', per week: 2 rows")
    assert type(y).__module__ == "leankit.lean"
    pytest.importorskip("plotly")
    assert len(y.figure().data) == 2
    assert lean.yield_metrics(small).figure().data[0].type == "bar"
