"""spc.subgroup_stats / count_stats in the engine against independent pandas
computations, and spc.chart_from_stats against the chart built from the raw rows
(limits, points and signals to 1e-12)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import leankit.io as lio
from leankit import data, spc
from leankit.errors import ColumnNotFoundError, DataQualityWarning
from leankit.reports._verdicts import count_series
from leankit.spc import UnsupportedSubgroupError

TOL = 1e-12


def _pandas_stats(raw: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The statistics by pandas alone (the independent computation)."""
    g = raw.groupby([*by, "subgroup"])
    out = pd.DataFrame({"n": g["value"].count(),
                        "missing": g["value"].size() - g["value"].count(),
                        "mean": g["value"].mean(),
                        "sd": g["value"].std(ddof=1), "min": g["value"].min(),
                        "max": g["value"].max(), "first": g["timestamp"].min(),
                        "last": g["timestamp"].max()}).reset_index()
    out["range"] = out["max"] - out["min"]
    return out


def test_subgroup_stats_equal_pandas(dataset: Path) -> None:
    raw = lio.read_table(dataset, "measurements")
    with pytest.warns(DataQualityWarning, match="have no subgroup id"):
        got = spc.subgroup_stats(data.connect(dataset).scan("measurements"),
                                 by=["characteristic", "line"])
    want = _pandas_stats(raw.dropna(subset=["subgroup"]), ["characteristic", "line"])
    key = ["characteristic", "line", "subgroup"]
    got_k = got.sort_values(key).reset_index(drop=True)
    want_k = want.sort_values(key).reset_index(drop=True)[got.columns]
    pd.testing.assert_frame_equal(got_k, want_k, check_dtype=False, rtol=1e-13)
    assert got["first"].is_monotonic_increasing
    assert got["n"].sum() == raw["subgroup"].notna().sum()


def test_missing_values_are_counted_not_used() -> None:
    t = pd.to_datetime(["2026-01-05 08:00"] * 3 + ["2026-01-05 09:00"] * 2, utc=True)
    raw = pd.DataFrame({"timestamp": t, "subgroup": ["a", "a", "a", "b", "b"],
                        "value": [1.0, np.nan, 3.0, np.nan, np.nan]})
    got = spc.subgroup_stats(raw).set_index("subgroup")
    assert got.loc["a", ["n", "missing", "mean"]].tolist() == [2, 1, 2.0]
    assert got.loc["b", "n"] == 0 and got.loc["b", "missing"] == 2
    assert np.isnan(got.loc["b", "mean"])
    assert int(got["n"].sum() + got["missing"].sum()) == len(raw)  # every row accounted for


def test_subgroup_none_makes_each_time_a_subgroup() -> None:
    t = pd.to_datetime(["2026-01-05 08:00", "2026-01-05 09:00", "2026-01-05 10:00"], utc=True)
    raw = pd.DataFrame({"timestamp": t, "value": [1.0, 4.0, 2.0], "subgroup": None})
    got = spc.subgroup_stats(raw, subgroup=None)
    assert got["n"].tolist() == [1, 1, 1] and got["mean"].tolist() == [1.0, 4.0, 2.0]
    assert got["sd"].isna().all() and (got["subgroup"] == got["first"]).all()


def test_count_stats_reproduce_the_weekly_reports_count_series(dataset: Path) -> None:
    # reports._verdicts.count_series is the pandas reference (days in a zone, lots once)
    raw = lio.read_table(dataset, "defects")
    scan = data.connect(dataset).scan("defects")
    for tz in ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"):
        want = count_series(raw, where={}, period="day", tz=tz)
        got = spc.count_stats(scan, period="day", tz=tz)
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
    want = count_series(raw, where={"line": "L2"}, period="lot")
    got = spc.count_stats(scan.filter(scan.line == "L2"), period="lot")
    pd.testing.assert_frame_equal(got, want[got.columns], check_dtype=False)


def test_count_stats_weeks_and_by(dataset: Path) -> None:
    raw = lio.read_table(dataset, "defects")
    got = spc.count_stats(data.connect(dataset).scan("defects"), period="week",
                          tz="Europe/Berlin", by="line")
    lots = raw.groupby(["line", "lot"]).agg(t=("timestamp", "min"), c=("count", "sum"),
                                            i=("inspected", "max")).reset_index()
    local = lots["t"].dt.tz_convert("Europe/Berlin")
    iso = local.dt.isocalendar()
    lots["label"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    want = lots.groupby(["line", "label"]).agg(count=("c", "sum"),
                                               inspected=("i", "sum")).reset_index()
    merged = got.merge(want, on=["line", "label"], suffixes=("", "_want"), validate="1:1")
    assert len(merged) == len(got) == len(want)
    assert (merged["count"] == merged["count_want"]).all()
    assert (merged["inspected"] == merged["inspected_want"]).all()
    monday = got["timestamp"].dt.tz_convert("Europe/Berlin")
    assert (monday.dt.day_of_week == 0).all() and (monday.dt.hour == 0).all()


def test_count_stats_without_lots_counts_rows() -> None:
    t = pd.to_datetime(["2026-03-28 22:30", "2026-03-29 00:30", "2026-03-29 23:30"],
                       utc=True)  # Europe/Berlin switches to summer time on 2026-03-29
    log = pd.DataFrame({"timestamp": t, "count": [1, 2, 4], "inspected": [10, 20, 40]})
    got = spc.count_stats(log, tz="Europe/Berlin")
    want = count_series(log, where={}, period="day", tz="Europe/Berlin")
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert got["label"].tolist() == ["2026-03-28", "2026-03-29", "2026-03-30"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400 * 24), st.integers(0, 9), st.integers(1, 50),
                          st.sampled_from(["a", "b", "c", "d"])), min_size=1, max_size=40),
       st.sampled_from(["UTC", "Europe/Berlin", "America/Sao_Paulo", "Australia/Lord_Howe"]))
def test_count_stats_days_property(rows: list[tuple[int, int, int, str]], tz: str) -> None:
    # any defect log, any zone (DST changes, a half-hour shift): the engine's days are
    # count_series's days
    t0 = pd.Timestamp("2026-01-01", tz="UTC")
    log = pd.DataFrame({"timestamp": [t0 + pd.Timedelta(hours=h, minutes=17) for h, *_ in rows],
                        "count": [c for _, c, _, _ in rows],
                        "inspected": [i for *_, i, _ in rows]})
    want = count_series(log, where={}, period="day", tz=tz)
    pd.testing.assert_frame_equal(spc.count_stats(log, tz=tz), want, check_dtype=False)


# ------------------------------------------------------------------ charts from stats


def _same_chart(a: spc.ControlChart, b: spc.ControlChart, *, labels: bool = True) -> None:
    cols = ["center", "lcl", "ucl"]
    la, lb = a.limits, b.limits
    assert list(la["panel"]) == list(lb["panel"])
    np.testing.assert_allclose(la[cols].to_numpy(float), lb[cols].to_numpy(float),
                               rtol=TOL, atol=0)
    pa_, pb = a.points, b.points
    np.testing.assert_allclose(pa_["statistic"].to_numpy(float),
                               pb["statistic"].to_numpy(float), rtol=TOL, atol=1e-15,
                               equal_nan=True)
    np.testing.assert_allclose(pa_[["lcl", "ucl"]].to_numpy(float),
                               pb[["lcl", "ucl"]].to_numpy(float), rtol=TOL, atol=0)
    if labels:
        assert list(pa_["subgroup"]) == list(pb["subgroup"])
    assert list(pa_["signal"]) == list(pb["signal"])
    assert list(pa_["rules"]) == list(pb["rules"])


@pytest.mark.parametrize("chart,ctor", [("xbar_r", spc.xbar_r), ("xbar_s", spc.xbar_s)])
@pytest.mark.parametrize("sigma_method", [None, "pooled"])
def test_variables_chart_from_stats_equals_raw(dataset: Path, chart: str, ctor: object,
                                               sigma_method: str | None) -> None:
    raw = lio.read_table(dataset, "measurements")
    raw = raw[(raw["characteristic"] == "bore_diameter") & raw["subgroup"].notna()]
    stats = spc.subgroup_stats(data.connect(dataset).scan(
        "measurements", where={"characteristic": "bore_diameter"}).filter(
        lambda t: t.subgroup.notnull()))
    extra = {} if sigma_method is None else {"sigma_method": sigma_method}
    with pytest.warns() if chart == "xbar_r" else _nothing():  # sizes 4..5 warn on X̄-R
        want = ctor(raw, value="value", subgroup="subgroup", time="timestamp",  # type: ignore[operator]
                    **extra)
    with pytest.warns() if chart == "xbar_r" else _nothing():
        got = spc.chart_from_stats(stats, chart, **extra)
    _same_chart(got, want)
    assert got.n_signals == want.n_signals > 0


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_piston_rings_from_stats() -> None:
    # Montgomery's piston rings (Table 6.3), first 25 samples: X̄-R and X̄-S limits from
    # the statistics equal the raw-data charts' (those are checked against the book in
    # tests/reference)
    from leankit import datasets

    rings = datasets.piston_rings().head(125)
    stats = spc.subgroup_stats(rings, value="diameter", subgroup="sample", time="sample")
    for chart, ctor in (("xbar_r", spc.xbar_r), ("xbar_s", spc.xbar_s)):
        _same_chart(spc.chart_from_stats(stats, chart),
                    ctor(rings, value="diameter", subgroup="sample", time="sample"))
    r = spc.chart_from_stats(stats, "xbar_r").limits.set_index("panel")
    assert r.loc["xbar", "center"] == pytest.approx(74.00118, abs=5e-6)


def test_individuals_from_stats(dataset: Path) -> None:
    raw = lio.read_table(dataset, "measurements")
    raw = raw[raw["characteristic"] == "bore_diameter"].head(300)
    stats = spc.subgroup_stats(raw, subgroup=None)
    for method in ("mrbar", "median_mr", "sd"):
        want = spc.i_mr(raw, value="value", time="timestamp", sigma_method=method)
        _same_chart(spc.chart_from_stats(stats, "i_mr", sigma_method=method), want,
                    labels=False)


@pytest.mark.parametrize("chart", ["u", "p", "c", "np"])
def test_attribute_chart_from_count_stats(dataset: Path, chart: str) -> None:
    counts = spc.count_stats(data.connect(dataset).scan("defects"), period="day",
                             tz="Europe/Berlin")
    if chart == "p":  # defectives: at most the units inspected (here: defects ≤ units)
        counts = counts.assign(count=np.minimum(counts["count"], counts["inspected"]))
    if chart in ("c", "np"):  # constant size
        counts = counts.assign(inspected=500, count=np.minimum(counts["count"], 500))
    want = spc.chart(counts, type=chart, count="count",
                     size=None if chart == "c" else "inspected", subgroup="label",
                     time="timestamp")
    got = spc.chart_from_stats(counts, chart, size=None if chart == "c" else "inspected")
    _same_chart(got, want)


def test_chart_from_stats_stages_exclusions_monitor_pickle(dataset: Path) -> None:
    stats = spc.subgroup_stats(data.connect(dataset).scan(
        "measurements", where={"characteristic": "runout"}))
    raw = lio.read_table(dataset, "measurements")
    raw = raw[raw["characteristic"] == "runout"]
    cut = stats["first"].iloc[len(stats) // 2]
    stats["stage"] = np.where(stats["first"] < cut, "before", "after")
    raw = raw.assign(stage=np.where(raw["subgroup"].map(
        stats.set_index("subgroup")["first"]) < cut, "before", "after"))
    drop = list(stats["subgroup"].iloc[[3, 7]])
    want = spc.xbar_s(raw, value="value", subgroup="subgroup", time="timestamp",
                      stage="stage", exclude=drop)
    got = spc.chart_from_stats(stats, "xbar_s", stage="stage", exclude=drop)
    _same_chart(got, want)
    # Phase II: new statistics against the frozen limits, and a pickled chart still works
    old, new = stats.iloc[:40], stats.iloc[40:80]
    base = spc.chart_from_stats(old, "xbar_s")
    again = pickle.loads(pickle.dumps(base)).monitor(new)
    assert (again.points["phase"] == "II").sum() == 2 * len(new)
    np.testing.assert_allclose(again.limits["ucl"], base.limits["ucl"], rtol=0)


def test_chart_from_stats_errors() -> None:
    stats = pd.DataFrame({"subgroup": [1, 2, 3], "n": [1, 5, 5], "mean": [1.0, 2.0, 3.0],
                          "sd": [np.nan, 0.1, 0.2], "range": [0, 0.3, 0.4]})
    with pytest.raises(UnsupportedSubgroupError, match=r"at least 2 values.*i_mr"):
        spc.chart_from_stats(stats, "xbar_s")
    with pytest.raises(UnsupportedSubgroupError, match="n != 1"):
        spc.chart_from_stats(stats, "i_mr")
    with pytest.raises(TypeError, match="needs part="):
        spc.chart_from_stats(stats, "zmr")
    with pytest.raises(UnsupportedSubgroupError, match="individual values"):
        spc.chart_from_stats(stats.assign(part="A"), "zmr", part="part")
    with pytest.raises(ColumnNotFoundError, match="statistics table"):
        spc.chart_from_stats(stats.drop(columns="sd"), "xbar_s")
    with pytest.raises(TypeError, match="unexpected setting"):
        spc.chart_from_stats(stats, "xbar_s", span=3)
    with pytest.raises(ColumnNotFoundError, match="did you mean 'value'"):
        spc.subgroup_stats(stats.assign(timestamp=1, value=1.0), value="valeu")
