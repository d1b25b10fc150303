"""Smoke test of ``benchmarks/bench_signals.py`` (leankit issue 11): its plan, its
simulated data and one tiny run of the weekly report's verdict code, at a size that runs
in a few seconds. The benchmark's figures themselves are in ``benchmarks/README.md``."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[3]


def _load() -> ModuleType:
    name = "bench_signals"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "bench_signals.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


bs = _load()
BASE, WEEKS = 6, 4


@pytest.fixture(scope="module")
def tiny() -> dict[str, Any]:
    """Seed 1, one characteristic of every kind, 4 report weeks, both start modes."""
    out: dict[str, Any] = bs.run([1], n_chars=8, weeks=WEEKS, baseline_weeks=BASE)
    return out


def test_wilson_matches_newcombe_1998() -> None:
    """Newcombe, R. G. (1998), 'Two-sided confidence intervals for the single
    proportion: comparison of seven methods', Statistics in Medicine 17, 857-872,
    Table I, method 3 (score interval without continuity correction); the same values
    from statsmodels' ``proportion_confint(method="wilson")``."""
    for (k, n), (lo, hi) in {(81, 263): (0.2553, 0.3662), (15, 148): (0.0624, 0.1605),
                             (0, 20): (0.0, 0.1611), (1, 29): (0.0061, 0.1718)}.items():
        got = bs.wilson(k, n)
        assert got == pytest.approx((lo, hi), abs=5e-5), (k, n)
    assert all(math.isnan(x) for x in bs.wilson(0, 0))


def test_plan_covers_every_kind_and_event() -> None:
    plans = bs.plan_plant(1, 36, 20)
    assert len(plans) == 36 and len({p.name for p in plans}) == 36
    assert {p.kind for p in plans} == set(bs.KINDS)
    events = [p for p in plans if p.event]
    assert len(events) == 12  # a third
    for p in events:
        assert p.event in bs.KINDS[p.kind].events
        assert 3 <= p.start_week <= 19 and 0 <= p.offset < 1
    pairs = {(p.kind, p.event) for s in (1, 2, 3) for p in bs.plan_plant(s, 36, 20)
             if p.event}
    assert pairs == set(bs.COMBOS)  # the documented configuration covers all pairs
    assert bs.plan_plant(1, 36, 20) == plans  # seeded


def test_simulated_data_are_what_the_docstring_says() -> None:
    total = BASE + 20
    xbar = bs.CharPlan(seed=5, index=0, kind="xbar_normal")
    d = bs.simulate(xbar, baseline_weeks=BASE, weeks=20)
    assert list(d.columns) == ["timestamp", "value", "subgroup"]
    assert len(d) == 84 * 5 * total and str(d["timestamp"].dt.tz) == "UTC"
    assert d["timestamp"].iloc[0] == pd.Timestamp("2026-01-05", tz="UTC")
    assert d["value"].mean() == pytest.approx(10, abs=0.05)
    assert d["value"].std() == pytest.approx(1, abs=0.05)

    ar = bs.simulate(bs.CharPlan(seed=5, index=1, kind="ar1_1h"), baseline_weeks=BASE,
                     weeks=20)["value"].to_numpy()
    assert len(ar) == 168 * total
    assert np.corrcoef(ar[1:], ar[:-1])[0, 1] == pytest.approx(0.7, abs=0.05)
    assert ar.std() == pytest.approx(1, abs=0.1)  # the marginal sd is sigma

    ln = bs.simulate(bs.CharPlan(seed=5, index=2, kind="i_lognormal_2h"),
                     baseline_weeks=BASE, weeks=20)["value"]
    assert (ln > 0).all() and ln.mean() == pytest.approx(10, rel=0.05)
    assert ln.skew() > 1

    counts = bs.simulate(bs.CharPlan(seed=5, index=3, kind="counts_daily"),
                         baseline_weeks=BASE, weeks=20)
    assert list(counts.columns) == ["timestamp", "count", "inspected", "label"]
    assert len(counts) == 7 * total and counts["inspected"].min() >= 2400
    rate = counts["count"] / counts["inspected"]
    assert rate.mean() == pytest.approx(0.003, rel=0.1)
    mean = counts["count"].mean()
    assert counts["count"].var() > 1.5 * mean  # overdispersed (gamma day factor)

    rare = bs.simulate(bs.CharPlan(seed=5, index=4, kind="rare_shift"), baseline_weeks=BASE,
                       weeks=20)
    assert len(rare) == 21 * total
    assert rare["count"].mean() == pytest.approx(0.25, abs=0.05)


def test_events_change_only_what_they_should() -> None:
    kw = {"baseline_weeks": BASE, "weeks": 6}
    t_e = pd.Timestamp("2026-01-05", tz="UTC") + (BASE + 2) * pd.Timedelta(days=7)
    quiet = bs.simulate(bs.CharPlan(seed=2, index=0, kind="i_normal_2h"), **kw)
    transient = bs.simulate(bs.CharPlan(seed=2, index=0, kind="i_normal_2h",
                                        event="transient_4", start_week=3), **kw)
    diff = transient["value"] - quiet["value"]
    assert (diff != 0).sum() == 4 and np.allclose(diff[diff != 0], 4.0)
    assert (transient.loc[diff != 0, "timestamp"] >= t_e).all()

    drift = bs.simulate(bs.CharPlan(seed=2, index=0, kind="i_normal_2h", event="drift_2",
                                    start_week=3), **kw)
    dd = (drift["value"] - quiet["value"]).to_numpy()
    t = drift["timestamp"]
    assert np.allclose(dd[(t < t_e).to_numpy()], 0)
    assert np.allclose(dd[(t >= t_e + pd.Timedelta(days=7)).to_numpy()], 2.0)

    plan = bs.CharPlan(seed=2, index=3, kind="counts_daily", event="rate_x2", start_week=3,
                       offset=0.5)
    base = bs.simulate(bs.CharPlan(seed=2, index=3, kind="counts_daily"), **kw)
    week = bs.simulate(plan, **kw, start="week")
    rnd = bs.simulate(plan, **kw, start="random")
    before = (week["timestamp"] < t_e).to_numpy()
    assert (week["count"] >= base["count"]).all()  # the same uniforms, a doubled mean
    assert (week["count"][before] == base["count"][before]).all()
    assert week["count"][~before].sum() > 1.5 * base["count"][~before].sum()
    mid = (rnd["timestamp"] < t_e + pd.Timedelta(days=3)).to_numpy()  # offset 3.5 days
    assert (rnd["count"][mid] == base["count"][mid]).all()


def test_tiny_run_judges_every_week(tiny: dict[str, Any]) -> None:
    r = tiny["records"]
    wk = r[r["start"] == "week"]
    assert set(wk["kind"]) == set(bs.KINDS)
    assert (wk.groupby("name")["week"].apply(sorted).map(tuple)
            == tuple(range(1, WEEKS + 1))).all()  # every characteristic, every week
    for p in tiny["plans"]:
        mine = wk[wk["name"] == p.name].set_index("week")["phase"]
        if p.event is None:
            assert (mine == "in_control").all()
        else:
            assert mine[p.start_week] == "start"
            assert (mine[mine.index < p.start_week] == "in_control").all()
    rnd = r[r["start"] == "random"]
    assert len(rnd) == 2 * sum(1 for p in tiny["plans"] if p.event)
    assert r["charted"].all(), r.loc[~r["charted"], "error"].unique().tolist()
    ch = tiny["charts"].set_index("kind")
    assert ch.loc["xbar_normal", "family"] == "xbar_s"
    assert ch.loc["i_normal_8h", "points"] == 21 and ch.loc["ar1_1h", "points"] == 168
    assert ch.loc["ar1_1h", "transformation"] == "ar1_residuals"
    assert ch.loc["i_lognormal_2h", "transformation"] == "log"
    assert ch.loc["counts_daily", "points"] == 7
    assert ch.loc["rare_shift", "family"] == "g"


def test_tiny_run_summary_and_report(tiny: dict[str, Any]) -> None:
    s = bs.summarise(tiny)
    r = tiny["records"]
    ok = r[r["charted"]]
    k, n = s["false_alarm_overall"]
    assert n == ((ok["start"] == "week") & (ok["phase"] == "in_control")).sum() and k <= n
    assert sum(n for _, n in s["false_alarms"].values()) == n
    assert s["charted"] == (int(r["charted"].sum()), len(r))
    text = bs.report(tiny, wall=1.0, peak_mb=100.0)
    for heading in ("Charts advised", "False alarms per in-control characteristic-week",
                    "Detection in the week the event starts", "Secondary: events starting",
                    "Verdicts charted", "configured alarm_rate 0.02", "seeds 1"):
        assert heading in text


def test_a_large_shift_is_detected_in_its_start_week() -> None:
    """A 2-sigma shift of the values is 4.5 sigma of the means of 5: the X̄ chart (k about
    3.85) signals on most of the week's 84 subgroups."""
    plan = bs.CharPlan(seed=3, index=0, kind="xbar_normal", event="shift_2", start_week=3)
    out = bs.run_characteristic(plan, baseline_weeks=BASE, weeks=3, alarm_rate=0.02,
                                starts=("week",))
    rec = pd.DataFrame(out["records"]).set_index("week")
    assert rec.loc[3, "phase"] == "start" and rec.loc[3, "special"]
    assert rec.loc[3, "main"]
