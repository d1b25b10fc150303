"""The lean metrics on the sample plant: the planted Feeder jam and consistency checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leankit import lean


def test_feeder_jam_tops_downtime_pareto(production: pd.DataFrame, truth: dict) -> None:
    p = lean.downtime_pareto(production)
    t = p.to_frame()
    assert t["reason"].iloc[0] == "Feeder jam"
    expected = truth["planted"][3]["observed"]["downtime_min_by_reason"]
    assert dict(zip(t["reason"], t["minutes"], strict=True)) == pytest.approx(expected)
    assert t["reason"].tolist() == list(expected)          # truth lists them largest first
    assert t["cumulative_percent"].is_monotonic_increasing
    assert t["cumulative_percent"].iloc[-1] == 100.0
    # the same from the OEE loss tree (no unexplained minutes in the sample data)
    q = lean.oee(production).downtime_pareto().to_frame()
    pd.testing.assert_frame_equal(q, t)
    l1m2 = lean.downtime_pareto(production, by="machine").to_frame()
    l1m2 = l1m2[l1m2["machine"] == "L1-M2"]
    assert l1m2["reason"].iloc[0] == "Feeder jam"
    assert l1m2["minutes"].iloc[0] == truth["planted"][3]["observed"]["L1M2_feeder_jam_minutes"]


def test_l1m2_has_lowest_availability_on_l1(production: pd.DataFrame) -> None:
    t = lean.oee(production, by=["line", "machine"]).to_frame()
    l1 = t[t["line"] == "L1"].set_index("machine")["availability"]
    assert l1.idxmin() == "L1-M2"
    assert l1["L1-M2"] < l1.drop("L1-M2").min() - 0.03


@pytest.mark.parametrize("by", [["line"], ["machine"], ["line", "shift"], []])
def test_ratio_of_sums_on_sample(production: pd.DataFrame, by: list[str]) -> None:
    r = lean.oee(production, by=by or None)
    t = r.to_frame()
    d = production.assign(ideal=production["ideal_cycle_time"] * production["total_count"] / 60)
    cols = ["planned_time", "run_time", "ideal", "total_count", "good_count"]
    s = d.groupby(by)[cols].sum().reset_index() if by else d[cols].sum().to_frame().T
    np.testing.assert_allclose(t["availability"], s["run_time"] / s["planned_time"], rtol=1e-12)
    np.testing.assert_allclose(t["performance"], s["ideal"] / s["run_time"], rtol=1e-12)
    np.testing.assert_allclose(t["quality"], s["good_count"] / s["total_count"], rtol=1e-12)
    np.testing.assert_allclose(t["oee"], t["availability"] * t["performance"] * t["quality"],
                               rtol=1e-15)
    for c in ("availability", "performance", "quality", "oee"):
        assert t[c].between(0, 1).all()
    losses = t[["availability_loss", "speed_loss", "quality_loss",
                "fully_productive_time"]].sum(axis=1)
    np.testing.assert_allclose(losses, t["planned_time"], rtol=1e-12)
    assert r.losses["minutes"].sum() == pytest.approx(production["planned_time"].sum())


def test_weekly_sample(production: pd.DataFrame) -> None:
    r = lean.oee(production, by="line", period="week")
    periods = sorted(r.to_frame()["period"].unique())
    assert periods == [f"2026-W{w}" for w in range(36, 48)]
    tr = r.trend()
    assert set(tr["period"]) == {"2026-W47"} and set(tr["previous_period"]) == {"2026-W46"}
    assert r.to_frame()["rows"].sum() == len(production)


def test_yield_on_sample(production: pd.DataFrame) -> None:
    y = lean.yield_metrics(production, by="line", step="machine")
    t = y.to_frame().set_index("line")
    s = production.groupby("line")[["good_count", "total_count", "scrap_count"]].sum()
    np.testing.assert_allclose(t["fpy"], s["good_count"] / s["total_count"], rtol=1e-12)
    np.testing.assert_allclose(t["scrap_rate"], s["scrap_count"] / s["total_count"],
                               rtol=1e-12)
    assert y.steps is not None
    for line, g in y.steps.groupby("line"):
        assert t.loc[line, "rty"] == pytest.approx(lean.rty(g["fpy"]), rel=1e-12)
        assert t.loc[line, "rty"] <= g["fpy"].min()
    # the planted L2-M2 night-shift defects show in the scrap rate
    m = lean.yield_metrics(production, by=["machine", "shift"]).to_frame()
    worst = m.sort_values("scrap_rate").iloc[-1]
    assert (worst["machine"], worst["shift"]) == ("L2-M2", "night")
