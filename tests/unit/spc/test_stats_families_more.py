"""spc.chart_from_stats for the run, Z-MR, g and t charts: the chart built from engine
statistics (spc.subgroup_stats / spc.count_stats, computed by an in-process DuckDB) is
the chart the raw constructors build on the same data — limits, plotted statistics,
phases, stages, exclusions and signals (floats to 1e-12 relative, everything else
identical) — and monitor() and pickling work as for the raw chart.

Each family is also run once through the statistics path on a published reference case
already held against the raw constructors in tests/reference: qicharts2's printed runs
analysis (run chart), the Minitab Z-MR formulas recomputed in plain numpy (Z-MR),
Minitab's G chart formulas and Benneyan's limits (g chart), and qicharts2's stored t
chart of Montgomery's valve failures (t chart)."""

from __future__ import annotations

import importlib.util
import json
import math
import pickle
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from leankit import datasets, spc
from leankit.errors import ColumnNotFoundError, InsufficientDataError, SchemaError
from leankit.spc._advise import _event_gaps
from leankit.spc._constants import UnsupportedSubgroupError
from leankit.spc._rare_events import g_limits
from leankit.spc._rules import RuleError
from leankit.spc._subgroup_stats import STATS_TYPES
from spc_compare import assert_same_chart, numpy_zmr

TOL = 1e-12
REFERENCE = Path(__file__).resolve().parents[2] / "reference"


def _reference_module(name: str) -> ModuleType:
    """A reference test module, for its data helpers (e.g. R's generator)."""
    spec = importlib.util.spec_from_file_location(f"_leankit_reference_{name}",
                                                  REFERENCE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load(name: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads((REFERENCE / "data" / "laney_rare" / name).read_text())
    return out


def one(chart: object) -> spc.ControlChart:
    assert isinstance(chart, spc.ControlChart)
    return chart


# --------------------------------------------------------------------------- run chart


RINGS = datasets.piston_rings()
RING_STATS = spc.subgroup_stats(RINGS, value="diameter", subgroup="sample", time="sample")
RING_MEANS = RINGS.groupby("sample", as_index=False)["diameter"].mean()


def _hourly(values: np.ndarray, **columns: Any) -> pd.DataFrame:
    t = pd.date_range("2026-03-02 06:00", periods=len(values), freq="h", tz="UTC")
    return pd.DataFrame({"timestamp": t, "x": values, **columns})


def test_run_chart_of_subgroup_means_equals_run_chart_of_the_means() -> None:
    # run_chart refuses repeated labels (it charts one value per point), so the raw
    # chart of subgroups is the run chart of their means
    with pytest.raises(SchemaError, match="one row per point"):
        spc.run_chart(RINGS, value="diameter", subgroup="sample")
    for tests in ("anhoej", ("anhoej", "swed_eisenhart", "trend")):
        got = spc.chart_from_stats(RING_STATS, "run", tests=tests)
        want = spc.run_chart(RING_MEANS, value="diameter", subgroup="sample", time="sample",
                             tests=tests)
        assert isinstance(got, spc.RunChart)
        assert_same_chart(got, want)
        pd.testing.assert_frame_equal(got.runs, want.runs, rtol=TOL)
    # rules= names the tests too, as for spc.chart(type="run")
    assert_same_chart(spc.chart_from_stats(RING_STATS, "run", rules="trend"),
                      spc.run_chart(RING_MEANS, value="diameter", subgroup="sample",
                                    time="sample", tests="trend"))


def test_run_chart_of_individual_values_with_stages_and_exclusions_equals_raw() -> None:
    rng = np.random.default_rng(11)
    x = np.round(rng.normal(5.0, 1.0, 40), 3)
    x[24:] += 2.0
    raw = _hourly(x, stage=["before"] * 20 + ["after"] * 20)
    stats = spc.subgroup_stats(raw, value="x", subgroup=None, by="stage")
    assert (stats["n"] == 1).all()
    drop = {raw["timestamp"][3]: "gauge swap", raw["timestamp"][30]: "test piece"}
    kw: dict[str, Any] = dict(stage="stage", exclude=drop, trend_points=5)
    got = spc.chart_from_stats(stats, "run", tests=("anhoej", "trend"), **kw)
    want = spc.run_chart(raw, value="x", time="timestamp", subgroup="timestamp",
                         tests=("anhoej", "trend"), **kw)
    assert_same_chart(got, want)
    pd.testing.assert_frame_equal(got.runs, want.runs, rtol=TOL)
    assert got.to_frame()["excluded"].sum() == 2 and got.runs["stage"].tolist() == [
        "before", "after"]
    fixed = spc.chart_from_stats(stats, "run", center=5.0)
    assert_same_chart(fixed, spc.run_chart(raw, value="x", time="timestamp",
                                           subgroup="timestamp", center=5.0))


def test_run_chart_from_stats_monitors_and_pickles_as_the_raw_chart() -> None:
    got = spc.chart_from_stats(RING_STATS.head(25), "run")
    want = spc.run_chart(RING_MEANS.head(25), value="diameter", subgroup="sample",
                         time="sample")
    more = got.monitor(RING_STATS.tail(15))
    assert_same_chart(more, want.monitor(RING_MEANS.tail(15)))
    assert (more.to_frame()["phase"] == "II").sum() == 15
    back = pickle.loads(pickle.dumps(got))  # a RunChart pickles without its monitor
    assert_same_chart(back, want)


def test_run_chart_qicharts2_vignette_runs_analysis_through_statistics() -> None:
    """qicharts2 vignette, 'The Anhøj rules' (tests/reference/test_zmr_run_reference.py):
    24 points, n.useful 24, longest.run 13 (max 8), n.crossings 4 (min 8), from the
    statistics of the 24 values (one per hour, subgroup=None)."""
    ref = _reference_module("test_zmr_run_reference")
    y = ref._vignette_y()
    stats = spc.subgroup_stats(_hourly(y), value="x", subgroup=None)
    chart = spc.chart_from_stats(stats, "run", center=float(y.mean()))
    r = chart.runs.iloc[0]
    assert (r.n_useful, r.longest_run, r.longest_run_max, r.crossings, r.crossings_min) == (
        24, 13, 8, 4, 8)
    assert r.long_run and r.few_crossings
    long_pts = chart.signals.loc[chart.signals["rule"] == "anhoej_long_run", "position"]
    assert long_pts.tolist() == list(range(13))


def test_run_chart_from_stats_errors() -> None:
    with pytest.raises(TypeError, match="unexpected setting.*lam"):
        spc.chart_from_stats(RING_STATS, "run", lam=0.2)
    with pytest.raises(TypeError, match="no standards"):
        spc.chart_from_stats(RING_STATS, "run", standards={"mu": 74.0})
    with pytest.raises(ValueError, match="nsigmas=2.0 does not apply"):
        spc.chart_from_stats(RING_STATS, "run", nsigmas=2.0)
    with pytest.raises(ColumnNotFoundError, match="statistics table"):
        spc.chart_from_stats(RING_STATS.drop(columns="mean"), "run")
    doubled = pd.concat([RING_STATS.assign(line="A"), RING_STATS.assign(line="B")])
    with pytest.raises(SchemaError, match="one row per point.*filter one"):
        spc.chart_from_stats(doubled, "run")
    with pytest.raises(ValueError, match="unknown test"):
        spc.chart_from_stats(RING_STATS, "run", tests="nelson")


# --------------------------------------------------------------------------- Z-MR


def _short_runs(seed: int = 20261204) -> pd.DataFrame:
    """The short-run data of tests/reference/test_zmr_run_reference.py, one reading an
    hour."""
    rng = np.random.default_rng(seed)
    parts = ["P1"] * 6 + ["P2"] * 4 + ["P3"] * 5 + ["P1"] * 4 + ["P2"] * 5 + ["P3"] * 3
    size = {"P1": 10.0, "P2": 40.0, "P3": 120.0}
    x = [size[p] * (1 + 0.01 * rng.standard_normal()) for p in parts]
    return _hourly(np.round(x, 4), part=parts)


@pytest.mark.parametrize("method", ["by_part", "pooled", "relative_to_size"])
def test_zmr_minitab_formulas_through_statistics(method: str) -> None:
    """Minitab's Z-MR formulas (independent numpy loops, as in the reference test) on
    the statistics of the readings (subgroup_stats(..., subgroup=None, by="part"))."""
    raw = _short_runs()
    stats = spc.subgroup_stats(raw, value="x", subgroup=None, by="part")
    chart = spc.chart_from_stats(stats, "zmr", part="part", sigma_method=method)
    assert isinstance(chart, spc.ZmrChart)
    z_ref, params = numpy_zmr(raw, method)
    frame = chart.to_frame()
    np.testing.assert_allclose(frame.loc[frame["panel"] == "z", "statistic"], z_ref,
                               rtol=TOL, atol=TOL)
    got = {r.part: (r.mean, r.sigma) for r in chart.parts.itertuples()}
    for p, (m, s) in params.items():
        assert got[p] == pytest.approx((m, s), rel=TOL)


@pytest.mark.parametrize(("sigma_method", "mr_method", "span"), [
    ("by_part", "mrbar", 2), ("pooled", "median_mr", 2), ("relative_to_size", "mrbar", 3)])
def test_zmr_from_stats_equals_raw(sigma_method: str, mr_method: str, span: int) -> None:
    raw = _short_runs(3)
    stats = spc.subgroup_stats(raw, value="x", subgroup=None, by="part")
    kw: dict[str, Any] = dict(sigma_method=sigma_method, mr_method=mr_method, span=span,
                              rules="nelson")
    got = spc.chart_from_stats(stats, "zmr", part="part", **kw)
    want = spc.zmr(raw, value="x", part="part", time="timestamp", subgroup="timestamp", **kw)
    assert_same_chart(got, want)
    pd.testing.assert_frame_equal(got.parts, want.parts, rtol=TOL)
    # without subgroup= the raw chart's labels are the row numbers: the same chart
    assert_same_chart(got, spc.zmr(raw, value="x", part="part", time="timestamp", **kw),
                      labels=False)


def test_zmr_from_stats_stages_exclusions_nominal_equal_raw() -> None:
    raw = pd.concat([_short_runs(5), _short_runs(6)], ignore_index=True)
    raw["timestamp"] = pd.date_range("2026-03-02", periods=len(raw), freq="h", tz="UTC")
    raw["stage"] = ["before"] * 27 + ["after"] * 27
    raw.loc[40, "x"] *= 1.05  # a shift of P-something in the second stage
    stats = spc.subgroup_stats(raw, value="x", subgroup=None, by=["part", "stage"])
    drop = {raw["timestamp"][2]: "setup piece"}
    kw: dict[str, Any] = dict(stage="stage", exclude=drop, sigma_method="pooled")
    got = spc.chart_from_stats(stats, "zmr", part="part", **kw)
    want = spc.zmr(raw, value="x", part="part", time="timestamp", subgroup="timestamp", **kw)
    assert_same_chart(got, want)
    pd.testing.assert_frame_equal(got.parts, want.parts, rtol=TOL)
    assert got.parts["stage"].nunique() == 2 and got.to_frame()["excluded"].sum() == 2
    nominal = want.frozen_parts()
    assert_same_chart(
        spc.chart_from_stats(stats, "zmr", part="part", nominal=nominal),
        spc.zmr(raw, value="x", part="part", time="timestamp", subgroup="timestamp",
                nominal=nominal))


def test_zmr_from_stats_monitor_checks_new_statistics() -> None:
    raw = _short_runs(8)
    stats = spc.subgroup_stats(raw, value="x", subgroup=None, by="part")
    got = spc.chart_from_stats(stats.head(20), "zmr", part="part")
    want = spc.zmr(raw.head(20), value="x", part="part", time="timestamp",
                   subgroup="timestamp")
    more = got.monitor(stats.tail(7))
    assert_same_chart(more, want.monitor(raw.tail(7)))
    assert (more.z.to_frame()["phase"] == "II").sum() == 7
    again = more.monitor(stats.tail(7).assign(
        first=lambda d: d["first"] + pd.Timedelta(days=1),
        subgroup=lambda d: d["subgroup"] + pd.Timedelta(days=1)))
    assert (again.z.to_frame()["phase"] == "II").sum() == 14
    with pytest.raises(UnsupportedSubgroupError, match="individual values"):
        got.monitor(stats.tail(7).assign(n=2))
    # a ZmrChart pickles without its monitor, as the raw chart does
    assert_same_chart(pickle.loads(pickle.dumps(got)), want)


def test_zmr_from_stats_errors() -> None:
    raw = _short_runs()
    stats = spc.subgroup_stats(raw, value="x", subgroup=None, by="part")
    with pytest.raises(TypeError, match="needs part="):
        spc.chart_from_stats(stats, "zmr")
    with pytest.raises(UnsupportedSubgroupError, match=r"individual values.*n = \[2"):
        spc.chart_from_stats(stats.assign(n=2), "zmr", part="part")
    with pytest.raises(TypeError, match="does not take limits="):
        spc.chart_from_stats(stats, "zmr", part="part",
                             limits=spc.chart_from_stats(stats, "zmr", part="part")
                             .frozen_limits())
    with pytest.raises(TypeError, match="nominal="):
        spc.chart_from_stats(stats, "zmr", part="part", standards={"mu": 1.0})
    with pytest.raises(TypeError, match="did you mean 'span'"):
        spc.chart_from_stats(stats, "zmr", part="part", spam=3)
    with pytest.raises(ValueError, match="sigma_method= must be one of"):
        spc.chart_from_stats(stats, "zmr", part="part", sigma_method="constant")
    with pytest.raises(ColumnNotFoundError, match="'product'.*statistics table"):
        spc.chart_from_stats(stats, "zmr", part="product")
    # two parts measured at one time: two rows share a time label
    clash = stats.copy()
    clash.loc[1, ["subgroup", "first"]] = clash.loc[0, ["subgroup", "first"]].to_numpy()
    with pytest.raises(SchemaError, match="one row per point"):
        spc.chart_from_stats(clash, "zmr", part="part")


# --------------------------------------------------------------------------- g chart


def _days(counts: list[int] | np.ndarray, start: str = "2026-03-02") -> pd.DataFrame:
    """A defect log of one inspection a day (10:00 UTC) with its event count."""
    t = pd.date_range(f"{start} 10:00", periods=len(counts), freq="D", tz="UTC")
    return pd.DataFrame({"timestamp": t, "count": np.asarray(counts, dtype=np.int64),
                         "inspected": 50})


def _rare_counts(m: int, seed: int, rate: float = 0.15) -> np.ndarray:
    return np.random.default_rng(seed).poisson(rate, m)


def test_g_from_counts_equals_the_advisors_event_gaps_chart() -> None:
    counts = _rare_counts(120, 4)
    counts[[10, 50]] = [2, 3]  # periods with several events: gaps of 0 between them
    log = _days(counts)
    days = spc.count_stats(log, period="day")
    advice = spc.advise(days, count="count", time="timestamp")
    assert advice.family == "g" and advice.transformation == "event_gaps"
    want = advice.chart(days)
    options: list[dict[str, Any]] = [{}, {"method": "sigma", "center": "mean"},
                                     {"rules": "below"}]
    for kw in options:
        got = spc.chart_from_stats(days, "g", **kw)
        assert_same_chart(got, one(spc.g_chart(_event_gaps(days, count="count",
                                                          time="timestamp"),
                                               value="gap", **kw)), labels=False)
    got = spc.chart_from_stats(days, "g")
    assert_same_chart(got, want, labels=False)
    # points are labelled by the period of the event that closes the gap
    labels = got.to_frame()["subgroup"].tolist()
    day10, day50 = days["label"][10], days["label"][50]
    assert labels.count(day10) == 1 and f"{day10} (2)" in labels
    assert f"{day50} (3)" in labels
    assert got.to_frame()["time"].is_monotonic_increasing


@pytest.mark.parametrize(("kw"), [{}, {"method": "sigma", "center": "mean"},
                                  {"rules": "below", "rule_params": {"g_below": {"k": 5}}},
                                  {"gbar": 4.0}, {"nsigmas": 2.5}])
def test_g_from_counts_equals_g_chart_of_period_numbers(kw: dict[str, Any]) -> None:
    # at most one event per period: g_chart(events=<period number>) counts the periods
    # strictly between two events, as the statistics path does
    counts = np.minimum(_rare_counts(150, 9, 0.25), 1)
    days = spc.count_stats(_days(counts), period="day")
    events = pd.DataFrame({"period": np.flatnonzero(counts)})
    got = spc.chart_from_stats(days, "g", **kw)
    want = one(spc.g_chart(events, events="period", **kw))
    assert_same_chart(got, want, labels=False)
    assert got.to_frame()["subgroup"].tolist() == days["label"].to_numpy()[
        events["period"].to_numpy()[1:]].tolist()


def _g_reference_lots(between: list[int]) -> pd.DataFrame:
    """One lot an hour; a defect in the lots that end the reference gaps."""
    pos = np.concatenate([[0], np.cumsum(np.asarray(between) + 1)])
    count = np.zeros(int(pos[-1]) + 1, dtype=np.int64)
    count[pos] = 1
    t = pd.date_range("2026-01-05", periods=len(count), freq="h", tz="UTC")
    return pd.DataFrame({"lot": [f"L{i:05d}" for i in range(len(count))], "timestamp": t,
                         "count": count, "inspected": 1})


def test_g_minitab_and_benneyan_limits_through_count_statistics() -> None:
    """Minitab's G chart formulas (center and limits at 0.5, Φ(∓3) of the interpolated
    'number until' geometric − 1, p̂ = 1/(ḡ+1)) and Benneyan's ḡ ± 3√(ḡ(ḡ+1)), on the
    reference gaps of tests/reference/test_laney_rare_reference.py, counted per lot."""
    between = _load("g_synthetic.json")["between"]
    lots = spc.count_stats(_g_reference_lots(between), period="lot")
    chart = spc.chart_from_stats(lots, "g")
    assert chart.to_frame()["statistic"].tolist() == between
    gbar = sum(between) / len(between)
    p = 1 / (gbar + 1)

    def minitab(alpha: float) -> float:
        dist = sps.geom(p)
        gb = float(dist.ppf(alpha))
        ga = gb - 1.0
        pa = float(dist.cdf(ga)) if ga >= 1 else 0.0
        return ga + (alpha - pa) / (float(dist.cdf(gb)) - pa) - 1.0

    lim = chart.limits.iloc[0]
    assert lim["gbar"] == pytest.approx(gbar, rel=TOL)
    assert lim["center"] == pytest.approx(minitab(0.5), rel=1e-10)
    assert lim["ucl"] == pytest.approx(minitab(float(sps.norm.cdf(3))), rel=1e-10)
    assert lim["lcl"] == 0.0
    sigma = spc.chart_from_stats(lots, "g", method="sigma", center="mean").limits.iloc[0]
    assert sigma["center"] == pytest.approx(gbar, rel=TOL)
    assert sigma["ucl"] == pytest.approx(gbar + 3 * math.sqrt(gbar * (gbar + 1)), rel=TOL)


def test_g_from_counts_stages_and_exclusions_equal_raw() -> None:
    counts = np.minimum(_rare_counts(160, 21, 0.2), 1)
    log = _days(counts).assign(stage=["before"] * 80 + ["after"] * 80)
    days = spc.count_stats(log, period="day", by="stage")
    ev = np.flatnonzero(counts)
    events = pd.DataFrame({"period": ev, "stage": log["stage"].to_numpy()[ev],
                           "label": days["label"].to_numpy()[ev]}).set_index("label")
    first_closing = events.index[1]
    kw: dict[str, Any] = dict(stage="stage")
    got = spc.chart_from_stats(days, "g", exclude={first_closing: "audit week"}, **kw)
    want = one(spc.g_chart(events, events="period",
                           exclude={first_closing: "audit week"}, **kw))
    assert_same_chart(got, want, labels=False)
    assert got.to_frame()["subgroup"].tolist() == want.to_frame()["subgroup"].tolist()
    assert got.limits["stage"].tolist() == ["before", "after"]
    assert got.to_frame()["exclude_reason"].tolist().count("audit week") == 1
    # a period with two events: excluding the period excludes both of its gaps
    two = counts.copy()
    two[ev[3]] = 2
    days2 = spc.count_stats(_days(two), period="day")
    lab = days2["label"][ev[3]]
    ex = spc.chart_from_stats(days2, "g", exclude=[lab]).to_frame()
    assert ex.loc[ex["excluded"], "subgroup"].tolist() == [lab, f"{lab} (2)"]
    # an exclusion column of the table marks the gaps its periods close
    marked = days2.assign(why=np.where(days2["label"] == lab, "gauge swap", ""))
    by_col = spc.chart_from_stats(marked, "g", exclude="why").to_frame()
    assert by_col["excluded"].tolist() == ex["excluded"].tolist()
    assert by_col.loc[by_col["excluded"], "exclude_reason"].tolist() == ["gauge swap"] * 2


def test_g_from_counts_monitor_continues_from_the_last_event_and_pickles() -> None:
    counts = np.minimum(_rare_counts(200, 2, 0.2), 1)
    counts[120:126] = 0  # the new periods start without an event
    days = spc.count_stats(_days(counts), period="day")
    ev = np.flatnonzero(counts)
    head = pd.DataFrame({"period": ev[ev < 120]})
    tail = pd.DataFrame({"period": ev[ev >= 120]}, index=range(len(head), len(ev)))
    want = one(spc.g_chart(head, events="period")).monitor(tail)
    got = spc.chart_from_stats(days.head(120), "g")
    back = pickle.loads(pickle.dumps(got))
    more = back.monitor(days.tail(80))
    assert_same_chart(more, want, labels=False)
    n2 = int((more.to_frame()["phase"] == "II").sum())
    assert n2 == len(tail)
    # the first new gap counts the old chart's trailing event-free days and the new ones
    last_old = int(ev[ev < 120][-1])
    assert more.to_frame()["statistic"].iloc[-n2] == ev[ev >= 120][0] - last_old - 1
    # in two steps: the second continues from the first's last event
    step = got.monitor(days.iloc[120:160]).monitor(days.iloc[160:])
    assert_same_chart(step, want, labels=False)
    with pytest.raises(InsufficientDataError, match="no event"):
        got.monitor(days.iloc[120:126])


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.sampled_from([0, 0, 0, 0, 0, 1, 1, 2, 3]), min_size=3,
                       max_size=60))
def test_g_from_counts_property_gaps_are_the_event_free_periods(counts: list[int]) -> None:
    """For any counts per period: the points are the advisor's event gaps (event-free
    periods between consecutive events, 0 within a period), ḡ is their mean, and the
    limits are g_limits(ḡ)."""
    days = spc.count_stats(_days(counts), period="day")
    if sum(counts) < 2:
        with pytest.raises(InsufficientDataError, match="at least 2 events"):
            spc.chart_from_stats(days, "g")
        return
    chart = spc.chart_from_stats(days, "g")
    pos = np.repeat(np.arange(len(counts)), counts)
    gaps = np.diff(pos) - (np.diff(pos) > 0)
    assert chart.to_frame()["statistic"].tolist() == gaps.astype(float).tolist()
    assert gaps.tolist() == _event_gaps(days, count="count", time="timestamp")[
        "gap"].tolist()
    lim = chart.limits.iloc[0]
    assert lim["gbar"] == pytest.approx(gaps.mean(), rel=TOL, abs=TOL)
    want = g_limits(float(gaps.mean()))
    for key in ("center", "lcl", "ucl"):
        assert lim[key] == pytest.approx(want[key], rel=TOL, abs=TOL)


def test_g_from_counts_errors() -> None:
    days = spc.count_stats(_days([1, 0, 2, 0, 1]), period="day")
    with pytest.raises(SchemaError, match="whole numbers >= 0"):
        spc.chart_from_stats(days.assign(count=[1, 0, -1, 0, 1]), "g")
    with pytest.raises(SchemaError, match="whole numbers >= 0"):
        spc.chart_from_stats(days.assign(count=[1, 0, 0.5, 0, 1]), "g")
    with pytest.raises(InsufficientDataError, match="at least 2 events"):
        spc.chart_from_stats(days.assign(count=[0, 0, 1, 0, 0]), "g")
    with pytest.raises(SchemaError, match="missing"):
        spc.chart_from_stats(days.assign(count=[1, np.nan, 2, 0, 1]), "g")
    kept = spc.chart_from_stats(days.assign(count=[1, np.nan, 2, 0, 1]), "g",
                                missing="exclude")
    assert kept.exclusions["row"].tolist() == [1]
    # monitor(): a period without a count is left out and listed, as in the first table
    first = spc.chart_from_stats(days.head(3), "g", missing="exclude")
    more = first.monitor(days.tail(2).assign(count=[np.nan, 1.0]))
    assert more.exclusions["row"].tolist() == [3]
    assert more.to_frame()["statistic"].tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(ColumnNotFoundError, match="events counted per period"):
        spc.chart_from_stats(RING_STATS, "g")
    with pytest.raises(ValueError, match="method= must be"):
        spc.chart_from_stats(days, "g", method="exact")
    with pytest.raises(RuleError, match="rules= must be one of"):
        spc.chart_from_stats(days, "g", rules="we")
    with pytest.raises(TypeError, match="unexpected setting.*unit"):
        spc.chart_from_stats(days, "g", unit="h")
    with pytest.raises(ValueError, match="closes no gap"):
        spc.chart_from_stats(days, "g", exclude=[days["label"][1]])
    by_line = spc.count_stats(_days([1, 0, 2, 0, 1]).assign(line="A"), period="day",
                              by="line")
    both = pd.concat([by_line, by_line.assign(line="B")], ignore_index=True)
    with pytest.raises(SchemaError, match="one row per point"):
        spc.chart_from_stats(both, "g")


# --------------------------------------------------------------------------- t chart


def _event_log(gaps_h: np.ndarray | list[float], start: str = "2026-01-05") -> pd.DataFrame:
    """An event log: one row per event, its time (the first at *start*; whole
    microseconds, the engine's resolution) and a value."""
    us = np.round(np.concatenate([[0.0], np.cumsum(gaps_h)]) * 3.6e9).astype(np.int64)
    t = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(us, unit="us")
    return pd.DataFrame({"timestamp": t, "severity": 1.0})


@pytest.mark.parametrize("kind", ["t", "t_transform"])
def test_t_from_event_statistics_equals_raw(kind: str) -> None:
    gaps = np.round(np.random.default_rng(5).exponential(30.0, 30), 2)
    log = _event_log(gaps)
    stats = spc.subgroup_stats(log, value="severity", subgroup=None)
    got = spc.chart_from_stats(stats, kind, unit="h")
    want = one(spc.t_chart(log, events="timestamp", unit="h",
                           method="weibull" if kind == "t" else "transform"))
    assert_same_chart(got, want, labels=False)
    assert got.to_frame()["time"].tolist() == want.to_frame()["time"].tolist()
    assert got.to_frame()["subgroup"].tolist() == stats["subgroup"].tolist()[1:]
    np.testing.assert_allclose(got.to_frame()["statistic"], gaps, rtol=TOL)
    # in days (the default unit), with known Weibull parameters
    if kind == "t":
        kw: dict[str, Any] = {"shape": 1.0, "scale": 1.5}
        assert_same_chart(spc.chart_from_stats(stats, "t", **kw),
                          one(spc.t_chart(log, events="timestamp", **kw)), labels=False)
        assert_same_chart(spc.chart_from_stats(stats, "t", standards=kw),
                          one(spc.t_chart(log, events="timestamp", **kw)), labels=False)


def test_t_valve_failures_through_event_statistics_match_qicharts2() -> None:
    """Montgomery's valve failures (Example 7.6), as event times an engine summarises:
    the center qicharts2 stores for qic(chart = 't') (430.0410; no d2 in it) at 1e-13,
    its UCL once leankit's σ is rescaled to d2 = 1.128, LCL 0, no signal (as in
    tests/reference/test_laney_rare_reference.py)."""
    d = _load("t_valve_failures.json")
    stats = spc.subgroup_stats(_event_log(d["hours"]), value="severity", subgroup=None)
    chart = spc.chart_from_stats(stats, "t_transform", unit="h")
    assert chart.to_frame()["statistic"].tolist() == [float(h) for h in d["hours"]]
    ref, lim = d["qicharts2"], chart.limits.iloc[0]
    assert lim["center"] == pytest.approx(ref["cl"], rel=1e-13)
    sigma_qicharts2 = lim["sigma"] * (2.0 / math.sqrt(math.pi)) / 1.128
    assert (lim["mu"] + 3 * sigma_qicharts2) ** 3.6 == pytest.approx(ref["ucl"], rel=1e-12)
    assert lim["lcl"] == ref["lcl"] == 0.0
    assert chart.signals.empty


def test_t_from_event_statistics_stages_exclusions_monitor_pickle() -> None:
    gaps = np.round(np.random.default_rng(12).exponential(20.0, 40), 3)
    gaps[30:] /= 6.0  # events come closer together
    log = _event_log(gaps).assign(stage=["before"] * 21 + ["after"] * 20)
    log["severity"] = np.arange(len(log), dtype=float)
    stats = spc.subgroup_stats(log, value="severity", subgroup=None, by="stage")
    drop = {stats["subgroup"][5]: "duplicate report"}
    kw: dict[str, Any] = dict(unit="h", stage="stage", exclude=drop)
    got = spc.chart_from_stats(stats, "t", **kw)
    want = one(spc.t_chart(log.set_index("timestamp", drop=False), events="timestamp",
                           **kw))
    assert_same_chart(got, want)
    assert got.to_frame()["excluded"].sum() == 1
    # monitor: the first new gap is measured from the last event on the chart
    head, tail = stats.head(25), stats.tail(16)
    base = spc.chart_from_stats(head, "t", unit="h")
    raw_base = one(spc.t_chart(log.head(25).set_index("timestamp", drop=False),
                               events="timestamp", unit="h"))
    more = pickle.loads(pickle.dumps(base)).monitor(tail)
    assert_same_chart(more, raw_base.monitor(log.tail(16).set_index("timestamp", drop=False)))
    assert (more.to_frame()["phase"] == "II").sum() == 16
    assert more.to_frame()["statistic"].iloc[24] == pytest.approx(gaps[24], rel=TOL)
    with pytest.raises(SchemaError, match="one row per event"):
        base.monitor(tail.assign(n=2))


def test_t_from_statistics_errors() -> None:
    log = _event_log([5.0, 7.5, 1.25, 9.0, 3.0])
    doubled = pd.concat([log, log.iloc[[2]]], ignore_index=True)
    stats = spc.subgroup_stats(doubled, value="severity", subgroup=None)
    with pytest.raises(SchemaError, match=r"one row per event.*\[2\].*0 apart"):
        spc.chart_from_stats(stats, "t")
    days = spc.count_stats(_days([1, 0, 2, 0, 1]), period="day")
    with pytest.raises(ColumnNotFoundError, match="count_stats.*type='g'"):
        spc.chart_from_stats(days, "t")
    ok = spc.subgroup_stats(log, value="severity", subgroup=None)
    with pytest.raises(RuleError, match="rules= must be one of 'limits'"):
        spc.chart_from_stats(ok, "t", rules="we")
    with pytest.raises(ValueError, match="Weibull parameters"):
        spc.chart_from_stats(ok, "t_transform", shape=1.0)
    with pytest.raises(ValueError, match="t_transform chart is"):
        spc.chart_from_stats(ok, "t_transform", method="weibull")
    with pytest.raises(TypeError, match="unexpected setting.*lam"):
        spc.chart_from_stats(ok, "t", lam=0.1)
    with pytest.raises(TypeError, match="needs each event's time"):
        spc.chart_from_stats(ok.drop(columns="first"), "t")
    with pytest.raises(InsufficientDataError, match="at least 2 events"):
        spc.chart_from_stats(ok.head(1), "t")


def test_every_registered_family_is_built_from_statistics() -> None:
    # the refusal list is empty: each built-in family has a statistics path (families
    # registered at run time, e.g. by docs/spc.md's plug-in example, are not built in)
    built = set(STATS_TYPES)
    builtin = {f.id for f in spc.families()
               if f.constructor is not None and f.constructor.__module__.startswith("leankit.")}
    assert len(builtin) >= 16 and builtin <= built


@pytest.mark.parametrize(("alias", "kind", "kw"), [
    ("z_mr", "zmr", {"part": "part"}), ("run_chart", "run", {}), ("g_chart", "g", {}),
    ("t_chart", "t", {"unit": "h"})])
def test_family_aliases_build_from_statistics(alias: str, kind: str,
                                              kw: dict[str, Any]) -> None:
    # these families were refused ("needs the raw values") before they had a statistics
    # path; their aliases resolve to the same chart now
    if kind == "g":
        stats = spc.count_stats(_days([1, 0, 0, 1, 0, 2, 0, 1]), period="day")
    elif kind == "t":
        stats = spc.subgroup_stats(_event_log([5.0, 7.5, 1.25, 9.0, 3.0]),
                                   value="severity", subgroup=None)
    elif kind == "zmr":
        stats = spc.subgroup_stats(_short_runs(), value="x", subgroup=None, by="part")
    else:
        stats = RING_STATS
    got = spc.chart_from_stats(stats, alias, **kw)
    assert_same_chart(got, spc.chart_from_stats(stats, kind, **kw))
    assert got.family == kind
