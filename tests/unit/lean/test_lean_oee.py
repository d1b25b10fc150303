"""OEE: formulas, aggregation as ratios of sums, the loss tree, periods, degenerate input."""

from __future__ import annotations

import dataclasses
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from leankit import lean
from leankit.errors import (
    ColumnNotFoundError,
    DataQualityWarning,
    InsufficientDataError,
    SchemaError,
)


def test_hand_computed(small: pd.DataFrame) -> None:
    r = lean.oee(small, by="machine")
    m1 = r.to_frame().set_index("machine").loc["M1"]
    # M1: planned 900, run 870, ideal 60 s x 840 units = 840 min, good 826
    assert m1["availability"] == pytest.approx(870 / 900, rel=1e-15)
    assert m1["performance"] == pytest.approx(840 / 870, rel=1e-15)
    assert m1["quality"] == pytest.approx(826 / 840, rel=1e-15)
    assert m1["oee"] == pytest.approx(826 / 900, rel=1e-14)   # = ict x good / planned
    assert m1["availability_loss"] == 30.0
    assert m1["speed_loss"] == pytest.approx(30.0)
    assert m1["quality_loss"] == pytest.approx(14.0)        # 60 s x 14 bad units
    assert m1["fully_productive_time"] == pytest.approx(826.0)
    assert m1["note"] == ""


def test_components_multiply_to_oee(small: pd.DataFrame) -> None:
    t = lean.oee(small, by="machine").to_frame()
    for c in ("availability", "performance", "quality", "oee"):
        assert t[c].between(0, 1).all()
    np.testing.assert_allclose(t["availability"] * t["performance"] * t["quality"], t["oee"],
                               rtol=1e-15)


def test_ratio_of_sums_not_mean_of_ratios(small: pd.DataFrame) -> None:
    t = lean.oee(small, by="line").to_frame().iloc[0]
    s = small.sum(numeric_only=True)
    ideal = (small["ideal_cycle_time"] * small["total_count"]).sum() / 60
    assert t["availability"] == pytest.approx(s["run_time"] / s["planned_time"], rel=1e-14)
    assert t["performance"] == pytest.approx(ideal / s["run_time"], rel=1e-14)
    assert t["quality"] == pytest.approx(s["good_count"] / s["total_count"], rel=1e-14)
    mean_of_ratios = (small["good_count"] / small["total_count"]).mean()
    assert t["quality"] != pytest.approx(mean_of_ratios, rel=1e-9)


def test_loss_minutes_add_up_to_planned(small: pd.DataFrame) -> None:
    r = lean.oee(small, by="machine", period="week")
    t = r.to_frame()
    total = t[["availability_loss", "speed_loss", "quality_loss", "fully_productive_time"]].sum(
        axis=1)
    np.testing.assert_allclose(total, t["planned_time"], rtol=1e-12)
    per_group = r.losses.groupby(["machine", "period"])["minutes"].sum()
    np.testing.assert_allclose(per_group.to_numpy(),
                               t.set_index(["machine", "period"])["planned_time"].to_numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(t["fully_productive_time"], t["oee"] * t["planned_time"],
                               rtol=1e-12)


def test_losses_by_reason_and_unexplained(small: pd.DataFrame) -> None:
    df = small.copy()
    df.loc[1, "downtime"] = 40.0        # 10 of M2's 50 lost minutes not explained
    r = lean.oee(df, by="machine")
    av = r.losses[r.losses["category"] == "availability"].set_index(["machine", "reason"])
    assert av.loc[("M2", "Changeover"), "minutes"] == 40.0
    assert av.loc[("M2", "Feeder jam"), "minutes"] == 20.0
    assert av.loc[("M2", "unexplained"), "minutes"] == 10.0
    assert av.xs("M2")["minutes"].sum() == r.to_frame().set_index("machine").loc[
        "M2", "availability_loss"]
    assert set(r.losses["category"]) == {"availability", "speed", "quality", "fully productive"}


def test_without_downtime_columns_everything_is_unexplained(small: pd.DataFrame) -> None:
    r = lean.oee(small.drop(columns=["downtime", "downtime_reason"]), by=None)
    av = r.losses[r.losses["category"] == "availability"]
    assert list(av["reason"]) == ["unexplained"]
    assert av["minutes"].iloc[0] == 100.0
    assert any("No downtime column" in n for n in r.notes)


def test_downtime_over_explained_warns(small: pd.DataFrame) -> None:
    df = small.copy()
    df.loc[0, "downtime"] = 45.0            # planned - run is 30
    with pytest.warns(DataQualityWarning, match=r"downtime exceeds planned − run.*rows 0"):
        r = lean.oee(df, by=None)
    av = r.losses[r.losses["category"] == "availability"].set_index("reason")
    assert av.loc["unexplained", "minutes"] == -15.0
    assert r.losses["minutes"].sum() == pytest.approx(1800.0)


def test_performance_above_one_is_reported_not_capped(small: pd.DataFrame) -> None:
    df = small.copy()
    df.loc[0, "ideal_cycle_time"] = 70.0      # 400 x 70 s = 466.7 min > 420 min run
    with pytest.warns(DataQualityWarning, match=r"performance above 1 in 1 row.*rows 0"):
        r = lean.oee(df, by="machine")
    m1 = r.to_frame().set_index("machine").loc["M1"]
    assert m1["performance"] > 1
    assert "performance above 1" in m1["note"]
    assert m1["speed_loss"] < 0


def test_zero_planned_time_group_is_reported(small: pd.DataFrame) -> None:
    extra = small.iloc[[0]].assign(machine="M9", planned_time=0.0, run_time=0.0, downtime=0.0,
                                   total_count=0, good_count=0, scrap_count=0, rework_count=0)
    df = pd.concat([small, extra], ignore_index=True)
    with pytest.warns(DataQualityWarning, match=r"M9 \(no planned time"):
        r = lean.oee(df, by="machine")
    m9 = r.to_frame().set_index("machine").loc["M9"]
    assert np.isnan(m9["availability"]) and np.isnan(m9["oee"])
    assert "no planned time" in m9["note"] and "no units counted" in m9["note"]
    # the other groups are unaffected, and the plant total ignores nothing
    assert r.overall["planned_time"].iloc[0] == 1800.0


def test_zero_total_count_group(small: pd.DataFrame) -> None:
    extra = small.iloc[[0]].assign(machine="M9", run_time=0.0, downtime=450.0,
                                   downtime_reason="No operator", total_count=0, good_count=0,
                                   scrap_count=0, rework_count=0)
    with pytest.warns(DataQualityWarning, match="no run time"):
        r = lean.oee(pd.concat([small, extra], ignore_index=True), by="machine")
    m9 = r.to_frame().set_index("machine").loc["M9"]
    assert m9["availability"] == 0.0 and m9["oee"] == 0.0
    assert np.isnan(m9["performance"]) and np.isnan(m9["quality"])
    assert "no units counted" in m9["note"]


def test_missing_column_suggests() -> None:
    df = pd.DataFrame({"line": ["L1"], "planned_time": [450.0], "runtime": [400.0],
                       "ideal_cycle_time": [60.0], "total_count": [1], "good_count": [1]})
    with pytest.raises(ColumnNotFoundError, match="did you mean 'runtime'"):
        lean.oee(df)
    with pytest.raises(ColumnNotFoundError, match="'lnie'"):
        lean.oee(df.rename(columns={"runtime": "run_time"}), by="lnie")


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [("run_time", -15.0, "negative_value"), ("total_count", np.nan, "missing_value"),
     ("good_count", 999, "good_exceeds_total"), ("run_time", 460.0, "run_exceeds_planned"),
     ("ideal_cycle_time", 0.0, "nonpositive_cycle_time")],
)
def test_invalid_rows_raise_or_are_excluded(small: pd.DataFrame, column: str, value: float,
                                            reason: str) -> None:
    df = small.copy()
    df[column] = df[column].astype("float64")
    df.loc[2, column] = value
    with pytest.raises(SchemaError, match=reason) as exc:
        lean.oee(df)
    assert exc.value.failure_cases["row"].tolist() == [2]
    with pytest.warns(DataQualityWarning, match=rf"1 row\(s\) of data excluded \({reason}"):
        r = lean.oee(df, invalid="exclude")
    assert r.exclusions["row"].tolist() == [2]
    assert r.exclusions["reason"].tolist() == [reason]
    assert r.to_frame()["rows"].sum() == 3


def test_all_rows_invalid_and_empty() -> None:
    df = pd.DataFrame({"line": ["L1"], "planned_time": [-1.0], "run_time": [0.0],
                       "ideal_cycle_time": [60.0], "total_count": [0], "good_count": [0]})
    with pytest.warns(DataQualityWarning), pytest.raises(InsufficientDataError):
        lean.oee(df, invalid="exclude")
    with pytest.raises(InsufficientDataError, match="no rows"):
        lean.oee(df.iloc[:0])


def test_wrong_types(small: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        lean.oee(small.to_dict())  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="must be numeric"):
        lean.oee(small.assign(run_time=small["run_time"].astype(str)))
    with pytest.raises(ValueError, match="period must be"):
        lean.oee(small, period="year")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="must hold timestamps"):
        lean.oee(small.assign(period_start="2026-10-26"), period="day")


def test_periods_are_utc_and_iso_weeks() -> None:
    ts = pd.to_datetime(["2026-10-28 00:30+02:00", "2026-12-31 12:00Z", "2027-01-01 12:00Z",
                         "2027-01-04 12:00Z"], utc=True)
    df = pd.DataFrame({"period_start": ts, "planned_time": 450.0, "run_time": 450.0,
                       "ideal_cycle_time": 60.0, "total_count": 400, "good_count": 400})
    days = lean.oee(df, by=None, period="day").to_frame()["period"].tolist()
    assert days == ["2026-10-27", "2026-12-31", "2027-01-01", "2027-01-04"]
    weeks = lean.oee(df, by=None, period="week").to_frame()["period"].tolist()
    assert weeks == ["2026-W44", "2026-W53", "2027-W01"]
    months = lean.oee(df, by=None, period="month").to_frame()["period"].tolist()
    assert months == ["2026-10", "2026-12", "2027-01"]


def test_naive_times_taken_as_utc(small: pd.DataFrame) -> None:
    df = small.assign(period_start=small["period_start"].dt.tz_localize(None))
    r = lean.oee(df, period="week")
    assert r.to_frame()["period"].tolist() == ["2026-W44", "2026-W45"]
    assert any("taken as UTC" in n for n in r.notes)


def test_row_order_and_input_unchanged(small: pd.DataFrame) -> None:
    before = small.copy()
    a = lean.oee(small, by="machine", period="week").to_frame()
    pd.testing.assert_frame_equal(small, before)
    b = lean.oee(small.iloc[::-1], by="machine", period="week").to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-14)


def test_result_object(small: pd.DataFrame) -> None:
    r = lean.oee(small, by="machine", period="week")
    assert repr(r).startswith("<OEE by machine, per week: 2 groups x 2 periods")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.by = ("line",)  # type: ignore[misc]
    assert r.to_frame() is not r.table
    text = str(r.summary())
    assert "OEE" in text and "Feeder jam" in text
    assert "<table" in r.summary().to_html()
    assert pickle.loads(pickle.dumps(r)).to_frame().equals(r.to_frame())
    assert type(r).__module__ == "leankit.lean"
    assert r.value == pytest.approx(r.overall["oee"].iloc[0])


def test_figures(small: pd.DataFrame) -> None:
    pytest.importorskip("plotly")
    one = lean.oee(small, by=None).figure()
    assert one.data[0].type == "waterfall"
    assert one.data[0].x[0] == "planned time" and one.data[0].x[-1] == "fully productive"
    many = lean.oee(small, by="machine").figure()
    assert {t.type for t in many.data} == {"bar"}
    trend = lean.oee(small, by="machine", period="week").figure()
    assert any(t.type == "scatter" for t in trend.data)
    assert lean.downtime_pareto(small).figure().data[0].type == "bar"


def test_downtime_pareto_function(small: pd.DataFrame) -> None:
    p = lean.downtime_pareto(small)
    t = p.to_frame()
    # Feeder jam 30 + 20 = 50 min ties with Changeover 50 min: ties go by name
    assert t["reason"].tolist() == ["Changeover", "Feeder jam"]
    assert t["minutes"].tolist() == [50.0, 50.0]
    assert t["events"].tolist() == [1, 2]
    assert t["percent"].tolist() == [50.0, 50.0]
    assert t["cumulative_percent"].iloc[-1] == 100.0
    by = lean.downtime_pareto(small, by="machine").to_frame()
    assert by.groupby("machine")["cumulative_percent"].last().tolist() == [100.0, 100.0]
    assert lean.oee(small).downtime_pareto().to_frame()["minutes"].sum() == 100.0


def test_downtime_pareto_edge_cases(small: pd.DataFrame) -> None:
    df = small.assign(downtime_reason=[None, "Changeover", None, "Feeder jam"])
    t = lean.downtime_pareto(df).to_frame()
    assert "no reason given" in set(t["reason"])
    with pytest.warns(DataQualityWarning, match="no downtime minutes"):
        empty = lean.downtime_pareto(small.assign(downtime=0.0))
    assert empty.to_frame().empty and "no downtime" in repr(empty)
    with pytest.warns(DataQualityWarning, match=r"no downtime recorded for 1 group\(s\): M1"):
        lean.downtime_pareto(small.assign(downtime=[0.0, 50.0, 0.0, 20.0]), by="machine")
    with pytest.raises(SchemaError, match="negative_value"):
        lean.downtime_pareto(small.assign(downtime=[-1.0, 50.0, 0.0, 20.0]))
    with pytest.raises(ColumnNotFoundError, match="did you mean 'downtime'"):
        lean.downtime_pareto(small, minutes="downtim")
    r = lean.oee(small, by="machine")
    with pytest.raises(ColumnNotFoundError):
        r.downtime_pareto(by="shift")


def test_no_plotly_at_import() -> None:
    import subprocess
    import sys

    code = ("import sys; import leankit.lean; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'plotly', 'jinja2'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_public_names() -> None:
    assert lean.__all__ == sorted(lean.__all__)
    for name in lean.__all__:
        assert getattr(lean, name) is not None
    public = {n for n in vars(lean) if not n.startswith("_")}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert public - set(lean.__all__) == set()
