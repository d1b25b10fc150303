"""spc.chart_from_stats for the EWMA, CUSUM and Laney p′/u′ charts: the chart built from
per-subgroup statistics (spc.subgroup_stats / spc.count_stats, computed by an in-process
DuckDB) is the chart the raw constructors build from the raw rows — limits, plotted
statistics, phases, stages, exclusions and signals (floats to 1e-12 relative, everything
else identical) — and monitor() (also after pickling) continues the recursion as the raw
chart's does. The raw charts themselves are held against Montgomery and qcc in
tests/reference/test_ewma_cusum_reference.py; Montgomery's Table 9.1/9.2 is checked
here once more through the statistics path."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leankit import datasets, spc
from leankit.errors import AssumptionWarning, ColumnNotFoundError, SchemaError
from spc_compare import assert_same_chart

TOL = 1e-12
RINGS = datasets.piston_rings()
BASE, NEW = RINGS[RINGS.trial], RINGS[~RINGS.trial]
#: The piston rings' statistics: samples 1-25 (Phase I) and 26-40.
STATS = spc.subgroup_stats(RINGS, value="diameter", subgroup="sample", time="sample")
STATS_BASE, STATS_NEW = STATS.head(25), STATS.tail(15)
MONT = json.loads((Path(__file__).resolve().parents[2] / "reference" / "data" / "ewma_cusum"
                   / "montgomery_table_9_1.json").read_text(encoding="utf-8"))


def one(chart: object) -> spc.ControlChart:
    """The chart a constructor returned without ``by=`` (a ControlChart)."""
    assert isinstance(chart, spc.ControlChart)
    return chart


def _individuals(m: int = 60, seed: int = 7) -> pd.DataFrame:
    """Individual readings, one per hour, with a step up after 3/4 of the series."""
    rng = np.random.default_rng(seed)
    x = rng.normal(20.0, 0.5, m).round(3)
    x[3 * m // 4:] += 0.6
    t = pd.date_range("2026-03-02 06:00", periods=m, freq="h", tz="UTC")
    return pd.DataFrame({"t": t, "x": x})


# --------------------------------------------------------------------------- EWMA


@pytest.mark.parametrize("limits", ["time_varying", "asymptotic"])
@pytest.mark.parametrize("sigma_method", [None, "sbar", "pooled"])
@pytest.mark.parametrize("lam", [0.2, 0.05, 1.0])
def test_ewma_subgroups_equal_raw(limits: str, sigma_method: str | None, lam: float) -> None:
    kw: dict[str, Any] = {"lam": lam, "limits": limits, "sigma_method": sigma_method}
    want = spc.ewma(RINGS, value="diameter", subgroup="sample", time="sample", **kw)
    got = spc.chart_from_stats(STATS, "ewma", **kw)
    assert isinstance(want, spc.ControlChart)
    assert_same_chart(got, want)


def test_ewma_piston_rings_phase_two_from_stats_and_pickled() -> None:
    # qcc's ewma() example on the piston rings (Phase I = samples 1-25): samples 37-40
    # beyond the limits (the raw chart is held to qcc's formulas in tests/reference)
    want = spc.ewma(BASE, value="diameter", subgroup="sample", time="sample")
    got = spc.chart_from_stats(STATS_BASE, "ewma")
    assert isinstance(want, spc.ControlChart)
    assert_same_chart(got, want)
    assert got.limits["sigma"].iloc[0] == pytest.approx(0.009785038693035299, rel=5e-4)
    week_raw = want.monitor(NEW)
    week = pickle.loads(pickle.dumps(got)).monitor(STATS_NEW)
    assert_same_chart(week, week_raw)
    assert week.signals["subgroup"].tolist() == [37, 38, 39, 40]
    assert (week.to_frame()["phase"] == "II").sum() == 15
    # the recursion continues into Phase II: the first new point smooths the last old one
    z = week.to_frame()["statistic"].to_numpy()
    assert z[25] == pytest.approx(0.2 * STATS_NEW["mean"].iloc[0] + 0.8 * z[24], rel=TOL)


@pytest.mark.parametrize("sigma_method", ["mrbar", "median_mr", "sd"])
@pytest.mark.parametrize("limits", ["time_varying", "asymptotic"])
def test_ewma_individuals_equal_raw(sigma_method: str, limits: str) -> None:
    raw = _individuals()
    stats = spc.subgroup_stats(raw, value="x", subgroup=None, time="t")
    assert (stats["n"] == 1).all()
    kw: dict[str, Any] = {"sigma_method": sigma_method, "limits": limits, "lam": 0.1,
                          "nsigmas": 2.7}
    want = spc.ewma(raw, value="x", time="t", **kw)
    got = spc.chart_from_stats(stats, "ewma", **kw)
    assert isinstance(want, spc.ControlChart)
    assert_same_chart(got, want, labels=False)  # labels: the times vs the row numbers
    assert got.n_signals == want.n_signals > 0
    # span=3 moving ranges as well
    assert_same_chart(spc.chart_from_stats(stats, "ewma", span=3),
                      one(spc.ewma(raw, value="x", time="t", span=3)), labels=False)


def test_ewma_montgomery_example_9_3_from_stats() -> None:
    """Montgomery Example 9.3 (Table 9.1, μ0 = 10, σ = 1, λ = 0.1, L = 2.7): asymptotic
    limits 9.38 / 10.62 (printed), first signal at observation 29, from the statistics
    of the 30 observations (n = 1 each)."""
    raw = pd.DataFrame({"obs": np.arange(1, 31), "x": MONT["data"]})
    stats = spc.subgroup_stats(raw, value="x", subgroup="obs", time="obs")
    e = MONT["ewma"]
    chart = spc.chart_from_stats(stats, "ewma", lam=e["lam"], nsigmas=e["L"], mu=10.0,
                                 sigma=1.0, limits="asymptotic")
    frame = chart.to_frame()
    assert round(frame["lcl"].iloc[0], 2) == e["asymptotic_lcl_printed"]
    assert round(frame["ucl"].iloc[0], 2) == e["asymptotic_ucl_printed"]
    assert (frame["phase"] == "II").all()  # known standards: nothing estimated
    exact = spc.chart_from_stats(stats, "ewma", lam=e["lam"], nsigmas=e["L"],
                                 standards={"mu": 10.0, "sigma": 1.0})
    assert exact.signals["subgroup"].iloc[0] == e["first_signal_observation"]
    assert_same_chart(exact, one(spc.ewma(raw, value="x", subgroup="obs", time="obs",
                                          lam=e["lam"], nsigmas=e["L"], mu=10.0, sigma=1.0)))


def _staged() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The piston rings in two stages (samples 1-20, 21-40), with the stage in both the
    raw rows and the statistics."""
    raw = RINGS.assign(stage=np.where(RINGS["sample"] <= 20, "before", "after"))
    stats = STATS.assign(stage=np.where(STATS["subgroup"] <= 20, "before", "after"))
    return raw, stats


@pytest.mark.parametrize("chart", ["ewma", "cusum"])
def test_stages_and_exclusions_equal_raw(chart: str) -> None:
    raw, stats = _staged()
    ctor = spc.ewma if chart == "ewma" else spc.cusum
    drop = {3: "gauge drift", 12: "new operator", 33: "power cut"}
    # both ways warn alike: 18 and 19 baseline subgroups are fewer than Montgomery's 20
    with pytest.warns(AssumptionWarning, match=r"only 1[89] baseline subgroups"):
        want = ctor(raw, value="diameter", subgroup="sample", time="sample", stage="stage",
                    exclude=drop)
    with pytest.warns(AssumptionWarning, match=r"only 1[89] baseline subgroups"):
        got = spc.chart_from_stats(stats, chart, stage="stage", exclude=drop)
    assert isinstance(want, spc.ControlChart)
    assert_same_chart(got, want)
    assert list(dict.fromkeys(got.limits["stage"])) == ["before", "after"]
    assert sorted(set(got.limits["baseline_subgroups"])) == [18, 19]
    frame = got.to_frame()
    assert sorted(frame.loc[frame["excluded"], "exclude_reason"].unique().tolist()) == [
        "gauge drift", "new operator", "power cut"]
    # an exclusion column of the statistics table works as the raw rows' column does
    why = stats["subgroup"].map(drop).fillna("")
    raw_why = raw["sample"].map(drop).fillna("")
    with pytest.warns(AssumptionWarning):
        by_column = spc.chart_from_stats(stats.assign(why=why), chart, stage="stage",
                                         exclude="why")
    with pytest.warns(AssumptionWarning):
        by_column_raw = ctor(raw.assign(why=raw_why), value="diameter", subgroup="sample",
                             time="sample", stage="stage", exclude="why")
    assert isinstance(by_column_raw, spc.ControlChart)
    assert_same_chart(by_column, by_column_raw)


@pytest.mark.parametrize("chart", ["ewma", "cusum"])
def test_known_standards_and_frozen_limits(chart: str) -> None:
    ctor = spc.ewma if chart == "ewma" else spc.cusum
    want = ctor(RINGS, value="diameter", subgroup="sample", time="sample", mu=74.0,
                sigma=0.01)
    got = spc.chart_from_stats(STATS, chart, mu=74.0, sigma=0.01)
    assert isinstance(want, spc.ControlChart)
    assert_same_chart(got, want)
    assert (got.to_frame()["phase"] == "II").all()
    # only mu known: sigma estimated (R̄/d2), mu taken as given
    part = spc.chart_from_stats(STATS_BASE, chart, standards={"mu": 74.0})
    assert_same_chart(part, ctor(BASE, value="diameter", subgroup="sample",  # type: ignore[arg-type]
                                 time="sample", mu=74.0))
    # frozen limits of the chart from statistics score the raw rows, and the reverse
    frozen = spc.chart_from_stats(STATS_BASE, chart).frozen_limits()
    assert_same_chart(spc.chart_from_stats(STATS, chart, limits=frozen),
                      ctor(RINGS, value="diameter", subgroup="sample",  # type: ignore[arg-type]
                           time="sample", limits=frozen))


# -------------------------------------------------------------------------- CUSUM


@pytest.mark.parametrize("kw", [
    {}, {"k": 0.25, "h": 4.0}, {"head_start": 2.5}, {"k": 1.0, "h": 2.0, "head_start": 1.0},
    {"sigma_method": "pooled"}, {"sigma_method": "sbar", "h": 3.0},
])
def test_cusum_subgroups_equal_raw(kw: dict[str, Any]) -> None:
    want = spc.cusum(BASE, value="diameter", subgroup="sample", time="sample", **kw)
    got = spc.chart_from_stats(STATS_BASE, "cusum", **kw)
    assert isinstance(want, spc.ControlChart)
    assert_same_chart(got, want)
    week_raw = want.monitor(NEW)
    week = pickle.loads(pickle.dumps(got)).monitor(STATS_NEW)
    assert_same_chart(week, week_raw)
    assert week.n_signals == week_raw.n_signals > 0
    # the shift is dated and sized as on the raw chart
    assert week.signals["shift_start"].tolist() == week_raw.signals["shift_start"].tolist()


def test_cusum_montgomery_table_9_2_from_stats() -> None:
    """Montgomery Table 9.2 (k = 0.5, h = 5, μ0 = 10, σ = 1) through the statistics of the
    30 observations of Table 9.1: the upper sums as printed, the first signal at
    observation 29 with N⁺ = 7 and μ̂ = 11.25."""
    raw = pd.DataFrame({"obs": np.arange(1, 31), "x": MONT["data"]})
    stats = spc.subgroup_stats(raw, value="x", subgroup="obs", time="obs")
    c = MONT["cusum"]
    chart = spc.chart_from_stats(stats, "cusum", mu=10.0, sigma=1.0, k=c["k"], h=c["h"])
    upper = chart.panel("upper").to_frame()["statistic"].to_numpy()
    assert np.round(upper, 2).tolist() == c["table_9_2_upper_sum_printed_2_decimals"]
    first = chart.signals.iloc[0]
    assert first["subgroup"] == c["first_signal_observation"]
    assert first["run_length"] == c["upper_count_at_signal_N_plus"]
    assert round(first["estimated_mean"], 2) == c["estimated_mean_printed"]


def test_cusum_individuals_equal_raw_and_monitor() -> None:
    raw = _individuals(80)
    stats = spc.subgroup_stats(raw, value="x", subgroup=None, time="t")
    for kw in ({}, {"head_start": 2.5, "h": 5.0}, {"sigma_method": "median_mr", "k": 0.25}):
        want = spc.cusum(raw.head(50), value="x", time="t", **kw)
        got = spc.chart_from_stats(stats.head(50), "cusum", **kw)
        assert isinstance(want, spc.ControlChart)
        assert_same_chart(got, want, labels=False)
        new_raw = raw.iloc[50:].set_axis(np.arange(50, 80))  # new labels for new points
        assert_same_chart(pickle.loads(pickle.dumps(got)).monitor(stats.iloc[50:]),
                          want.monitor(new_raw), labels=False)


# -------------------------------------------------------------------------- Laney


def _defect_log(days: int = 40, seed: int = 3) -> pd.DataFrame:
    """Inspection lots, three a day, with a day-to-day varying defect rate (over-
    dispersed: what Laney's charts are for); defectives never exceed the lot size."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2026-02-02 06:00", tz="UTC")
    for d in range(days):
        rate = rng.gamma(20.0, 0.02 / 20.0)
        for j in range(3):
            size = int(rng.integers(800, 1200))
            rows.append({"lot": f"L{d:03d}-{j}", "timestamp": start + pd.Timedelta(
                days=d, hours=4 * j), "inspected": size,
                "count": int(rng.binomial(size, rate))})
    return pd.DataFrame(rows)


def _pandas_days(log: pd.DataFrame) -> pd.DataFrame:
    """Defectives and units inspected per UTC day by pandas alone (independent of the
    engine's count_stats)."""
    day = log["timestamp"].dt.floor("D")
    out = log.groupby(day).agg(count=("count", "sum"), inspected=("inspected", "sum"))
    out = out.reset_index()
    out["label"] = out["timestamp"].dt.strftime("%Y-%m-%d")
    return out


@pytest.mark.parametrize("chart", ["laney_p", "laney_u"])
def test_laney_from_count_stats_equal_raw(chart: str) -> None:
    log = _defect_log()
    counts = spc.count_stats(log, period="day")
    days = _pandas_days(log)
    assert counts["count"].tolist() == days["count"].tolist()
    ctor = spc.laney_p if chart == "laney_p" else spc.laney_u
    want = ctor(days, count="count", size="inspected", subgroup="label", time="timestamp")
    got = spc.chart_from_stats(counts, chart)
    assert_same_chart(got, want)
    assert got.limits["sigma_z"].iloc[0] > 1.5  # overdispersed, as generated
    assert got.limits["sigma_z_reading"].tolist() == want.limits["sigma_z_reading"].tolist()
    assert "overdispersion" in str(got.summary())
    # Phase II after pickling: the next days against the frozen p̄ (ū) and sigma_z
    base = spc.chart_from_stats(counts.head(25), chart)
    week = pickle.loads(pickle.dumps(base)).monitor(counts.iloc[25:])
    week_raw = ctor(days.head(25), count="count", size="inspected", subgroup="label",
                    time="timestamp").monitor(days.iloc[25:])
    assert_same_chart(week, week_raw)
    assert "sigma_z_reading" in week.limits


@pytest.mark.parametrize("chart", ["laney_p", "laney_u"])
def test_laney_stages_exclusions_and_standards(chart: str) -> None:
    counts = spc.count_stats(_defect_log(), period="day")
    days = _pandas_days(_defect_log())
    stage = np.where(np.arange(len(counts)) < 20, "A", "B")
    drop = [counts["label"].iloc[4], counts["label"].iloc[30]]
    ctor = spc.laney_p if chart == "laney_p" else spc.laney_u
    want = ctor(days.assign(stage=stage), count="count", size="inspected", subgroup="label",
                time="timestamp", stage="stage", exclude=drop, rules="nelson")
    got = spc.chart_from_stats(counts.assign(stage=stage), chart, stage="stage",
                               exclude=drop, rules="nelson")
    assert_same_chart(got, want)
    kind = chart[-1]
    std: dict[str, Any] = {kind: 0.02, "sigma_z": 1.8}
    assert_same_chart(spc.chart_from_stats(counts, chart, **std),
                      ctor(days, count="count", size="inspected", subgroup="label",
                           time="timestamp", **std))
    known: dict[str, Any] = {kind: 0.02}
    assert_same_chart(spc.chart_from_stats(counts, chart, standards={kind: 0.02}),
                      ctor(days, count="count", size="inspected", subgroup="label",
                           time="timestamp", **known))


def test_laney_textbook_tables_from_stats() -> None:
    # the bundled orange-juice cans (Montgomery Table 7.1) and circuit boards (Table 7.7):
    # the tables are already one row per sample, as count_stats returns them
    oj = datasets.orange_juice().head(30)
    assert_same_chart(spc.chart_from_stats(oj, "laney_p", count="D", size="size",
                                           subgroup="sample"),
                      spc.laney_p(oj, count="D", size="size", subgroup="sample"))
    cb = datasets.circuit_boards().head(26)
    got = spc.chart_from_stats(cb, "laney_u", count="x", size="size")
    assert_same_chart(got, spc.laney_u(cb, count="x", size="size"))
    assert got.limits[["u", "sigma_z"]].round(4).values.tolist() == [[0.1985, 1.4323]]


# --------------------------------------------------------------- property, figures


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(2, 6), min_size=3, max_size=25),
       seed=st.integers(0, 2**32 - 1), lam=st.floats(0.05, 1.0),
       kind=st.sampled_from(["time_varying", "asymptotic"]),
       sigma_method=st.sampled_from([None, "sbar", "pooled"]))
def test_random_subgroups_give_the_same_ewma(sizes: list[int], seed: int, lam: float,
                                             kind: str, sigma_method: str | None) -> None:
    rng = np.random.default_rng(seed)
    sub = np.repeat(np.arange(len(sizes)), sizes)
    raw = pd.DataFrame({"s": sub, "x": rng.normal(50.0, 2.0, len(sub)).round(3)})
    stats = spc.subgroup_stats(raw, value="x", subgroup="s", time="s")
    kw: dict[str, Any] = {"lam": lam, "limits": kind, "sigma_method": sigma_method}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)  # fewer than 20 subgroups
        want = spc.ewma(raw, value="x", subgroup="s", time="s", **kw)
        got = spc.chart_from_stats(stats, "ewma", **kw)
    assert isinstance(want, spc.ControlChart)
    assert_same_chart(got, want)


def test_figures_summaries_and_data_from_stats() -> None:
    for chart in (spc.chart_from_stats(STATS, "ewma"), spc.chart_from_stats(STATS, "cusum"),
                  spc.chart_from_stats(datasets.circuit_boards(), "laney_u", count="x",
                                       size="size")):
        fig = chart.figure()
        assert len(fig.data) > 0
        assert str(chart.summary())
        assert len(chart.data) == len(chart.points) // len(chart.panel_names)
    ewma = spc.chart_from_stats(STATS, "ewma")
    # no raw values: one row per subgroup, its mean
    np.testing.assert_allclose(ewma.data["value"], STATS["mean"], rtol=0)
    assert ewma.parameters["value"] == "mean" and ewma.parameters["lam"] == 0.2


def test_generic_options_of_the_raw_constructors() -> None:
    # rules are checked (an EWMA only signals beyond its limits), missing means refused
    # or excluded with a record
    assert spc.chart_from_stats(STATS, "ewma", rules="nelson").n_signals == one(spc.ewma(
        RINGS, value="diameter", subgroup="sample", time="sample")).n_signals
    holes = STATS.assign(mean=STATS["mean"].where(STATS["subgroup"] != 5))
    with pytest.raises(SchemaError, match="missing='exclude'"):
        spc.chart_from_stats(holes, "cusum")
    chart = spc.chart_from_stats(holes, "cusum", missing="exclude")
    assert 5 not in chart.points["subgroup"].tolist()
    assert chart.exclusions["reason"].tolist() == ["missing mean"]


# ------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("chart", "kw"), [
    ("ewma", {"lam": 0}), ("ewma", {"lam": 1.5}), ("ewma", {"lam": float("nan")}),
    ("ewma", {"lam": True}), ("ewma", {"nsigmas": 0}), ("ewma", {"nsigmas": float("inf")}),
    ("ewma", {"limits": "exact"}), ("ewma", {"sigma_method": "mad"}),
    ("ewma", {"sigma_method": "mrbar"}), ("ewma", {"span": 1}),
    ("cusum", {"h": 0}), ("cusum", {"h": -2}), ("cusum", {"k": -0.1}),
    ("cusum", {"head_start": 5}), ("cusum", {"h": 4, "head_start": 4.5}),
    ("cusum", {"k": float("nan")}), ("cusum", {"nsigmas": -1}),
    ("cusum", {"sigma": 0.0, "mu": 74.0}), ("ewma", {"mu": float("inf")}),
])
def test_bad_settings_give_the_raw_constructors_errors(chart: str, kw: dict[str, Any]) -> None:
    ctor = spc.ewma if chart == "ewma" else spc.cusum
    with pytest.raises(Exception) as raw_err:
        ctor(BASE, value="diameter", subgroup="sample", time="sample", **kw)
    with pytest.raises(Exception) as stats_err:
        spc.chart_from_stats(STATS_BASE, chart, **kw)
    assert type(stats_err.value) is type(raw_err.value)
    assert isinstance(stats_err.value, ValueError)
    assert str(stats_err.value) == str(raw_err.value)


def test_unknown_settings_and_misplaced_options() -> None:
    with pytest.raises(TypeError, match=r"unexpected setting\(s\) lamda; did you mean 'lam'"):
        spc.chart_from_stats(STATS, "ewma", lamda=0.1)
    with pytest.raises(TypeError):  # the raw constructor: a keyword it does not take
        spc.ewma(RINGS, value="diameter", subgroup="sample", lamda=0.1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected setting"):
        spc.chart_from_stats(STATS, "cusum", lam=0.1)
    with pytest.raises(TypeError, match="limits of a CUSUM are h"):
        spc.chart_from_stats(STATS, "cusum", limits="asymptotic")
    with pytest.raises(TypeError, match="only an EWMA takes"):
        spc.chart_from_stats(STATS, "xbar_s", limits="asymptotic")
    with pytest.raises(ValueError, match="given twice"):
        spc.chart_from_stats(STATS, "ewma", mu=74.0, standards={"mu": 74.1})
    with pytest.raises(ValueError, match="may give mu, sigma"):
        spc.chart_from_stats(STATS, "ewma", standards={"p": 0.1})
    with pytest.raises(spc.RuleError):
        spc.chart_from_stats(STATS, "ewma", rules="no_such_rule")


def test_data_errors_match_the_raw_constructors() -> None:
    # a baseline mixing individual values and subgroups: refused both ways
    raw = pd.DataFrame({"s": [1, 1, 2, 3, 3], "x": [1.0, 2.0, 3.0, 4.0, 4.5]})
    stats = spc.subgroup_stats(raw, value="x", subgroup="s", time="s")
    for chart in ("ewma", "cusum"):
        ctor = spc.ewma if chart == "ewma" else spc.cusum
        with pytest.raises(spc.UnsupportedSubgroupError, match="mixes individual values"):
            ctor(raw, value="x", subgroup="s")
        with pytest.raises(spc.UnsupportedSubgroupError, match="mixes individual values"):
            spc.chart_from_stats(stats, chart)
    # the spread the sigma estimator reads must be in the table
    with pytest.raises(ColumnNotFoundError, match=r"'range' is not in the statistics table "
                                                  r"\(sigma_method='rbar'"):
        spc.chart_from_stats(STATS.drop(columns="range"), "ewma")
    with pytest.raises(ColumnNotFoundError, match=r"'sd' is not in .*'pooled'"):
        spc.chart_from_stats(STATS.drop(columns="sd"), "cusum", sigma_method="pooled")
    # ... but not when sigma is known, nor for individual values
    spc.chart_from_stats(STATS.drop(columns=["range", "sd"]), "ewma", mu=74.0, sigma=0.01)
    ind = spc.subgroup_stats(_individuals(), value="x", subgroup=None, time="t")
    spc.chart_from_stats(ind[["subgroup", "n", "mean", "first"]], "cusum")
    with pytest.raises(ColumnNotFoundError, match="did you mean 'mean'"):
        spc.chart_from_stats(STATS, "ewma", mean="meen")
    # monitor refuses subgroup ids already on the chart, as the raw chart does
    with pytest.raises(ValueError, match="already on the chart"):
        spc.chart_from_stats(STATS_BASE, "ewma").monitor(STATS_BASE.tail(3))


def test_laney_errors_match_the_raw_constructors() -> None:
    days = _pandas_days(_defect_log())
    bad: list[dict[str, Any]] = [{"p": 1.5}, {"sigma_z": 0.0}, {"sigma_z": float("nan")}]
    for kw in bad:
        with pytest.raises(ValueError) as raw_err:
            spc.laney_p(days, count="count", size="inspected", **kw)
        with pytest.raises(ValueError) as stats_err:
            spc.chart_from_stats(days, "laney_p", **kw)
        assert str(stats_err.value) == str(raw_err.value)
    with pytest.raises(TypeError, match="needs size="):
        spc.chart_from_stats(days, "laney_u", size=None)
    with pytest.raises(SchemaError, match="more defectives than units inspected"):
        spc.chart_from_stats(days.assign(count=days["inspected"] + 1), "laney_p")
    with pytest.raises(SchemaError, match="sizes > 0"):
        spc.chart_from_stats(days.assign(inspected=0), "laney_u")
    with pytest.raises(TypeError, match="unexpected setting"):
        spc.chart_from_stats(days, "laney_u", p=0.1)
