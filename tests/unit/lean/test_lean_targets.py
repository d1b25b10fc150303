"""Targets (traffic lights) and period-over-period trends."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from leankit import lean
from leankit.errors import ColumnNotFoundError


def test_against_statuses(small: pd.DataFrame) -> None:
    r = lean.oee(small, by="machine")
    t = r.against({"oee": 0.9, "availability_loss": 40.0})
    oee = t[t["metric"] == "oee"].set_index("machine")
    m1, m2 = r.to_frame().set_index("machine")["oee"]
    assert oee.loc["M1", "actual"] == m1 and oee.loc["M1", "target"] == 0.9
    assert oee.loc["M1", "gap"] == pytest.approx(m1 - 0.9)
    assert oee.loc["M1", "status"] == ("on target" if m1 >= 0.9 else "below target")
    assert oee.loc["M2", "status"] == ("on target" if m2 >= 0.9 else "below target")
    loss = t[t["metric"] == "availability_loss"].set_index("machine")
    assert loss.loc["M1", "status"] == "on target"            # 30 min <= 40
    assert loss.loc["M2", "status"] == "above target"         # 70 min > 40
    assert not loss["higher_is_better"].any()
    assert list(t.columns) == ["machine", "metric", "actual", "target", "gap",
                               "higher_is_better", "status", "note"]


def test_against_exact_and_direction_override(small: pd.DataFrame) -> None:
    r = lean.oee(small, by=None)
    a = float(r.to_frame()["availability"].iloc[0])
    assert r.against({"availability": a})["status"].iloc[0] == "on target"
    low = r.against({"availability": a + 0.01}, higher_is_better={"availability": False})
    assert low["status"].iloc[0] == "on target"
    high = r.against({"availability": a - 0.01}, higher_is_better=False)
    assert high["status"].iloc[0] == "above target"


def test_against_errors(small: pd.DataFrame) -> None:
    r = lean.oee(small)
    with pytest.raises(ColumnNotFoundError, match="did you mean 'oee'"):
        r.against({"oe": 0.85})
    with pytest.raises(ValueError, match="finite"):
        r.against({"oee": math.nan})
    with pytest.raises(ValueError, match="non-empty"):
        r.against({})
    with pytest.raises(ValueError, match="trend\\(\\) needs periods"):
        r.trend()


def test_against_no_data_status(small: pd.DataFrame) -> None:
    extra = small.iloc[[0]].assign(machine="M9", total_count=0, good_count=0, scrap_count=0,
                                   rework_count=0)
    with pytest.warns(Warning):
        y = lean.yield_metrics(pd.concat([small, extra], ignore_index=True), by="machine")
    t = y.against({"fpy": 0.98}).set_index("machine")
    assert t.loc["M9", "status"] == "no data"
    assert "no units counted" in t.loc["M9", "note"]


def test_week_over_week(small: pd.DataFrame) -> None:
    r = lean.oee(small, by="machine", period="week")
    frame = r.to_frame().set_index(["machine", "period"])
    t = r.against({"oee": 0.85})
    assert {"previous", "change"} <= set(t.columns)
    last = t[(t["machine"] == "M1") & (t["period"] == "2026-W45")].iloc[0]
    assert last["previous"] == frame.loc[("M1", "2026-W44"), "oee"]
    assert last["change"] == pytest.approx(frame.loc[("M1", "2026-W45"), "oee"]
                                           - frame.loc[("M1", "2026-W44"), "oee"])
    first = t[(t["machine"] == "M1") & (t["period"] == "2026-W44")].iloc[0]
    assert math.isnan(first["previous"])

    tr = r.trend().set_index(["machine", "metric"])
    row = tr.loc[("M1", "oee")]
    assert row["period"] == "2026-W45" and row["previous_period"] == "2026-W44"
    assert row["change"] == pytest.approx(last["change"])
    assert row["direction"] == ("up" if row["change"] > 0 else "down")
    assert row["verdict"] == ("better" if row["change"] > 0 else "worse")
    assert tr.loc[("M1", "availability"), "direction"] == "up"      # 420/450 -> 450/450
    assert tr.loc[("M1", "availability"), "verdict"] == "better"


def test_trend_yield_lower_is_better(small: pd.DataFrame) -> None:
    y = lean.yield_metrics(small, by="machine", period="week")
    tr = y.trend(["dpmo", "fpy"]).set_index(["machine", "metric"])
    # M1: 14/400 bad in W44, 4/440 in W45 -> DPMO down, which is better
    assert tr.loc[("M1", "dpmo"), "direction"] == "down"
    assert tr.loc[("M1", "dpmo"), "verdict"] == "better"
    assert tr.loc[("M1", "fpy"), "verdict"] == "better"
    with pytest.raises(ColumnNotFoundError):
        y.trend(["oee"])


def test_single_period_trend_is_na(small: pd.DataFrame) -> None:
    r = lean.oee(small.iloc[:2], by="machine", period="week")
    tr = r.trend()
    assert set(tr["direction"]) == {"n/a"} and tr["previous_period"].isna().all()
