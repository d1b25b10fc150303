"""Behaviour of the chart functions: stages, exclusions, Phase II, standards, by=, rules,
errors, warnings, summaries, figures, result objects, and the sample plant data."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from leankit import datasets, spc
from leankit.errors import ColumnNotFoundError, DataQualityWarning, SchemaError

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def rings() -> pd.DataFrame:
    return datasets.piston_rings()


@pytest.fixture
def visc() -> pd.DataFrame:
    return datasets.viscosity()


@pytest.fixture
def oj() -> pd.DataFrame:
    return datasets.orange_juice()


def panel(chart: spc.ControlChart, name: str) -> pd.DataFrame:
    pts = chart.to_frame()
    return pts[pts["panel"] == name].reset_index(drop=True)


# ---------------------------------------------------------------------------- stages


def _staged(rings: pd.DataFrame) -> pd.DataFrame:
    return rings.assign(stage=np.where(rings["sample"] <= 20, "before", "after"))


def test_stages_recompute_limits_per_stage(rings: pd.DataFrame) -> None:
    chart = spc.xbar_r(_staged(rings), value="diameter", subgroup="sample", stage="stage")
    lim = chart.limits.set_index(["panel", "stage"])
    for name, part in (("before", rings[rings["sample"] <= 20]),
                       ("after", rings[rings["sample"] > 20])):
        alone = spc.xbar_r(part, value="diameter", subgroup="sample").limits.set_index("panel")
        for p in ("xbar", "r"):
            for col in ("center", "lcl", "ucl", "sigma"):
                assert lim.loc[(p, name), col] == pytest.approx(alone.loc[p, col], rel=1e-12)
        assert lim.loc[("xbar", name), "baseline_subgroups"] == 20
    assert set(chart.stage_limits) == {"before", "after"}
    assert chart.frozen_limits() == chart.stage_limits["after"]
    pts = panel(chart, "xbar")
    assert pts.groupby("stage")["center"].nunique().eq(1).all()
    assert pts.loc[pts["stage"] == "before", "center"].iloc[0] != pts.loc[
        pts["stage"] == "after", "center"].iloc[0]


def test_runs_never_cross_a_stage_boundary() -> None:
    # 5 high points at the end of stage A and 5 at the start of B: 10 in a row on the same
    # side overall, but never 8 within one stage
    values = [0.0, 0.2, -0.2, 0.1, -0.1, 1.0, 1.0, 1.0, 1.0, 1.0,
              1.0, 1.0, 1.0, 1.0, 1.0, -1.0, -1.1, -0.9, -1.0, -1.2]
    df = pd.DataFrame({"id": range(20), "x": values, "stage": ["A"] * 10 + ["B"] * 10})
    known = spc.Limits("i_mr", {"mu": 0.0, "sigma": 2.0})
    staged = spc.i_mr(df, value="x", subgroup="id", stage="stage", limits=known, rules="we_4")
    single = spc.i_mr(df, value="x", subgroup="id", limits=known, rules="we_4")
    assert set(single.signals["subgroup"]) >= {12, 13, 14}
    assert staged.signals.empty
    # figure draws stage separators
    fig = staged.figure()
    assert isinstance(fig, go.Figure)
    assert any(s.type == "line" for s in fig.layout.shapes)


def test_stage_figure_builds(rings: pd.DataFrame) -> None:
    chart = spc.xbar_r(_staged(rings), value="diameter", subgroup="sample", stage="stage")
    fig = chart.figure()
    texts = [a.text for a in fig.layout.annotations]
    assert "before" in texts and "after" in texts


def test_subgroup_in_two_stages_is_an_error(rings: pd.DataFrame) -> None:
    df = rings.assign(stage=np.where(rings.index % 2 == 0, "a", "b"))
    with pytest.raises(SchemaError, match="stage"):
        spc.xbar_r(df, value="diameter", subgroup="sample", stage="stage")


# ------------------------------------------------------------------------ exclusions


@pytest.mark.parametrize("how", ["list", "mapping", "column"])
def test_exclusions_visible_and_left_out_of_limits(oj: pd.DataFrame, how: str) -> None:
    trial = oj[oj["trial"]].copy()
    if how == "list":
        exclude: object = [15, 23]
        reasons = ["excluded", "excluded"]
    elif how == "mapping":
        exclude = {15: "new cardboard", 23: "new operator"}
        reasons = ["new cardboard", "new operator"]
    else:
        trial["why"] = ""
        trial.loc[trial["sample"] == 15, "why"] = "new cardboard"
        trial.loc[trial["sample"] == 23, "why"] = "new operator"
        exclude = "why"
        reasons = ["new cardboard", "new operator"]
    chart = spc.p_chart(trial, count="D", size="size", subgroup="sample", exclude=exclude)
    pts = chart.to_frame()
    assert len(pts) == 30
    ex = pts[pts["excluded"]]
    assert ex["subgroup"].tolist() == [15, 23]
    assert ex["exclude_reason"].tolist() == reasons
    assert (pts.loc[~pts["excluded"], "exclude_reason"] == "").all()
    without = spc.p_chart(trial[~trial["sample"].isin([15, 23])], count="D", size="size",
                          subgroup="sample")
    for col in ("p", "center", "lcl", "ucl"):
        assert chart.limits.iloc[0][col] == pytest.approx(without.limits.iloc[0][col], rel=1e-12)
    assert chart.limits.iloc[0]["baseline_subgroups"] == 28
    fig = chart.figure()
    assert "Excluded" in [t.name for t in fig.data]


def test_exclude_unknown_subgroup_is_an_error(oj: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="not in the data"):
        spc.p_chart(oj, count="D", size="size", subgroup="sample", exclude=[999])


# --------------------------------------------------------------------------- monitor


def test_monitor_phase2_against_frozen_limits(rings: pd.DataFrame) -> None:
    base = spc.xbar_r(rings[rings["trial"]], value="diameter", subgroup="sample")
    chart = base.monitor(rings[~rings["trial"]])
    pts = chart.to_frame()
    assert pts.loc[pts["subgroup"] <= 25, "phase"].eq("I").all()
    assert pts.loc[pts["subgroup"] > 25, "phase"].eq("II").all()
    assert chart.frozen_limits() == base.frozen_limits()
    for p in ("xbar", "r"):
        a, b = panel(base, p).iloc[0], panel(chart, p)
        assert b["ucl"].eq(a["ucl"]).all() and b["center"].eq(a["center"]).all()
    assert set(chart.signals.loc[chart.signals["phase"] == "II", "subgroup"]) >= {37, 38, 39}
    # a panel can monitor too
    xb = base.xbar.monitor(rings[~rings["trial"]])
    assert xb.panel_names == ("xbar",) and len(xb.to_frame()) == 40


def test_monitor_runs_straddle_the_boundary() -> None:
    base_vals = [0.5, -0.5, 0.4, -0.4, 0.3, -0.3, 0.5, 0.5, 0.5, 0.5]
    df = pd.DataFrame({"id": range(10), "x": base_vals})
    known = spc.Limits("i_mr", {"mu": 0.0, "sigma": 1.0})
    base = spc.i_mr(df, value="x", subgroup="id", limits=known, rules="we_4")
    new = pd.DataFrame({"id": range(10, 14), "x": [0.5, 0.5, 0.5, 0.5]})
    chart = base.monitor(new)
    # 4 high at the end of the baseline + 4 new = 8 in a row: fires at the 4th new point
    assert chart.signals["subgroup"].tolist() == [13]
    assert base.signals.empty


def test_i_mr_monitor_first_moving_range_spans_phases(visc: pd.DataFrame) -> None:
    base = spc.i_mr(visc[visc["trial"]], value="viscosity", subgroup="batch")
    chart = base.monitor(visc[~visc["trial"]])
    mr = panel(chart, "mr").set_index("subgroup")
    assert np.isnan(mr.loc[1, "statistic"])
    assert mr.loc[21, "statistic"] == pytest.approx(abs(34.39 - 34.05), rel=1e-12)
    assert mr.loc[21, "phase"] == "II"


def test_monitor_subgroup_clash_is_an_error(visc: pd.DataFrame) -> None:
    base = spc.i_mr(visc[visc["trial"]], value="viscosity", subgroup="batch")
    with pytest.raises(ValueError, match="already on the chart"):
        base.monitor(visc[visc["batch"] >= 20])


# ------------------------------------------------------------- standards and limits=


@pytest.mark.parametrize("which", ["xbar_r", "xbar_s", "i_mr", "p", "np", "c", "u"])
def test_known_standards_make_every_point_phase2(which: str) -> None:
    rings, visc = datasets.piston_rings(), datasets.viscosity()
    oj, cb = datasets.orange_juice(), datasets.circuit_boards()
    make = {
        "xbar_r": lambda: spc.xbar_r(rings, value="diameter", subgroup="sample", mu=74.0,
                                     sigma=0.01),
        "xbar_s": lambda: spc.xbar_s(rings, value="diameter", subgroup="sample", mu=74.0,
                                     sigma=0.01),
        "i_mr": lambda: spc.i_mr(visc, value="viscosity", subgroup="batch", mu=34.0, sigma=0.5),
        "p": lambda: spc.p_chart(oj, count="D", size="size", subgroup="sample", p=0.2),
        "np": lambda: spc.np_chart(oj, count="D", size="size", subgroup="sample", p=0.2),
        "c": lambda: spc.c_chart(cb, count="x", subgroup="sample", c=20.0),
        "u": lambda: spc.u_chart(cb, count="x", size="size", subgroup="sample", u=0.2),
    }
    chart = make[which]()
    assert (chart.to_frame()["phase"] == "II").all()
    assert chart.frozen_limits().method == "standard"


def test_known_standards_via_limits_make_every_point_phase2(rings: pd.DataFrame) -> None:
    lim = spc.Limits("xbar_s", {"mu": 74.0, "sigma": 0.01})
    chart = spc.xbar_s(rings, value="diameter", subgroup="sample", limits=lim)
    pts = panel(chart, "xbar")
    assert (chart.to_frame()["phase"] == "II").all()
    np.testing.assert_allclose(pts["center"], 74.0)
    np.testing.assert_allclose(pts["ucl"], 74.0 + 3 * 0.01 / np.sqrt(5), rtol=1e-12)


def test_one_standard_with_estimates_stays_phase1(rings: pd.DataFrame) -> None:
    chart = spc.xbar_r(rings, value="diameter", subgroup="sample", sigma=0.01)
    assert (chart.to_frame()["phase"] == "I").all()
    assert chart.frozen_limits().params["sigma"] == 0.01


@pytest.mark.parametrize("which", ["xbar_r", "xbar_s", "i_mr", "p", "np", "c", "u"])
def test_limits_round_trip_through_dict(which: str) -> None:
    rings, visc = datasets.piston_rings(), datasets.viscosity()
    oj, cb = datasets.orange_juice(), datasets.circuit_boards()
    make = {
        "xbar_r": lambda **k: spc.xbar_r(rings, value="diameter", subgroup="sample", **k),
        "xbar_s": lambda **k: spc.xbar_s(rings, value="diameter", subgroup="sample", **k),
        "i_mr": lambda **k: spc.i_mr(visc, value="viscosity", subgroup="batch", **k),
        "p": lambda **k: spc.p_chart(oj, count="D", size="size", subgroup="sample", **k),
        "np": lambda **k: spc.np_chart(oj, count="D", size="size", subgroup="sample", **k),
        "c": lambda **k: spc.c_chart(cb, count="x", subgroup="sample", **k),
        "u": lambda **k: spc.u_chart(cb, count="x", size="size", subgroup="sample", **k),
    }[which]
    first = make()
    lim = first.frozen_limits()
    d = json.loads(json.dumps(lim.to_dict()))
    again = spc.Limits.from_dict(d)
    assert again == lim
    for given in (again, d):
        second = make(limits=given)
        a, b = first.to_frame(), second.to_frame()
        for col in ("center", "lcl", "ucl", "sigma_statistic"):
            np.testing.assert_array_equal(b[col].to_numpy(), a[col].to_numpy())
        assert (b["phase"] == "II").all()


def test_limits_of_another_chart_type_rejected(oj: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="limits= are for a c chart"):
        spc.p_chart(oj, count="D", size="size", limits=spc.Limits("c", {"c": 3.0}))


# ------------------------------------------------------------------------------- by=


def test_by_collection(rings: pd.DataFrame) -> None:
    df = rings.assign(line=np.where(rings["sample"] <= 20, "A", "B"))
    extra = pd.DataFrame({"sample": [99], "diameter": [74.0], "line": ["C"], "trial": [True]})
    df = pd.concat([df, extra], ignore_index=True)
    coll = spc.xbar_r(df, value="diameter", subgroup="sample", by="line")
    assert isinstance(coll, spc.ChartCollection)
    assert list(coll) == ["A", "B"] and len(coll) == 2
    assert "C" in coll.failures and "at least 2" in coll.failures["C"]
    frame = coll.to_frame()
    assert frame.columns[0] == "line"
    assert frame.groupby("line")["subgroup"].nunique().to_dict() == {"A": 20, "B": 20}
    sig = coll.signals
    assert sig.columns[0] == "line" and set(sig["line"]) <= {"A", "B"}
    assert len(sig) == sum(len(coll[k].signals) for k in coll)
    alone = spc.xbar_r(rings[rings["sample"] > 20], value="diameter", subgroup="sample")
    pd.testing.assert_frame_equal(coll["B"].limits, alone.limits)
    assert "not charted" in repr(coll)
    assert "C" in str(coll.summary())


def test_by_two_columns_gives_tuple_keys(oj: pd.DataFrame) -> None:
    df = oj.assign(a=oj["sample"] % 2, b=np.where(oj["trial"], "t", "n"))
    coll = spc.p_chart(df, count="D", size="size", subgroup="sample", by=["a", "b"])
    assert set(coll) == {(0, "n"), (0, "t"), (1, "n"), (1, "t")}
    frame = coll.to_frame()
    assert set(frame.columns[:2]) == {"a", "b"}
    part = frame[(frame["a"] == 1) & (frame["b"] == "t")]
    assert part["subgroup"].tolist() == coll[(1, "t")].to_frame()["subgroup"].tolist()


def test_by_columns_keep_their_order(oj: pd.DataFrame) -> None:
    df = oj.assign(a=oj["sample"] % 2, b=np.where(oj["trial"], "t", "n"))
    coll = spc.p_chart(df, count="D", size="size", subgroup="sample", by=["a", "b"])
    assert coll.to_frame().columns[:2].tolist() == ["a", "b"]
    assert coll.limits.columns[:2].tolist() == ["a", "b"]


# ----------------------------------------------------------------------------- rules


def test_rule_selection_and_params(rings: pd.DataFrame) -> None:
    data = rings
    nel = spc.xbar_r(data, value="diameter", subgroup="sample", rules="nelson")
    assert nel.parameters["rules"] == tuple(f"nelson_{i}" for i in range(1, 9))
    mixed = spc.xbar_r(data, value="diameter", subgroup="sample", rules=["we_1", "nelson_3"])
    assert mixed.parameters["rules"] == ("we_1", "nelson_3")
    assert set(mixed.signals["rule"]) <= {"we_1", "nelson_3"}
    seven = spc.xbar_r(data, value="diameter", subgroup="sample", rules="nelson_2",
                       rule_params={"nelson_2": {"k": 7}})
    nine = spc.xbar_r(data, value="diameter", subgroup="sample", rules="nelson_2")
    assert set(nine.signals["subgroup"]) <= set(seven.signals["subgroup"])
    desc = set(seven.signals["description"])
    assert desc == {"7 points in a row on the same side of the center line"} or not desc
    with pytest.raises(spc.RuleError, match="did you mean"):
        spc.xbar_r(data, value="diameter", subgroup="sample", rules="nelsen_2")


def test_dispersion_panels_get_beyond_limits_only_by_default(visc: pd.DataFrame) -> None:
    chart = spc.i_mr(visc[visc["trial"]], value="viscosity", subgroup="batch")
    assert chart.parameters["dispersion_rules"] == ("we_1",)
    assert set(chart.signals.loc[chart.signals["panel"] == "mr", "rule"]) == {"we_1"}
    full = spc.i_mr(visc[visc["trial"]], value="viscosity", subgroup="batch",
                    dispersion_rules="we")
    assert "we_4" in set(full.signals.loc[full.signals["panel"] == "mr", "rule"])


# ---------------------------------------------------------------------------- errors


def test_misspelt_column_suggests(rings: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match="did you mean 'diameter'"):
        spc.xbar_r(rings, value="diamter", subgroup="sample")


def test_non_numeric_value(rings: pd.DataFrame) -> None:
    df = rings.assign(diameter=rings["diameter"].astype(str))
    df.loc[3, "diameter"] = "n.i.O."
    with pytest.raises(SchemaError, match="numeric"):
        spc.xbar_s(df, value="diameter", subgroup="sample")


def test_subgroup_of_one_in_xbar_r(rings: pd.DataFrame) -> None:
    df = pd.concat([rings, pd.DataFrame({"sample": [41], "diameter": [74.0]})])
    with pytest.raises(spc.UnsupportedSubgroupError, match=r"\[41\] have 1"):
        spc.xbar_r(df, value="diameter", subgroup="sample")
    with pytest.raises(spc.UnsupportedSubgroupError):
        spc.xbar_s(df, value="diameter", subgroup="sample")


def test_np_chart_with_varying_size(oj: pd.DataFrame) -> None:
    df = oj.copy()
    df.loc[0, "size"] = 60
    with pytest.raises(spc.UnsupportedSubgroupError, match="p_chart"):
        spc.np_chart(df, count="D", size="size", subgroup="sample")


def test_p_chart_count_above_size(oj: pd.DataFrame) -> None:
    df = oj.copy()
    df.loc[2, "D"] = 51
    with pytest.raises(SchemaError, match="more defectives than units"):
        spc.p_chart(df, count="D", size="size", subgroup="sample")


def test_duplicate_subgroup_rows_in_p_chart(oj: pd.DataFrame) -> None:
    df = pd.concat([oj, oj.head(2)], ignore_index=True)
    with pytest.raises(SchemaError, match="aggregate_counts"):
        spc.p_chart(df, count="D", size="size", subgroup="sample")


def test_missing_values_raise_or_are_excluded(rings: pd.DataFrame) -> None:
    df = rings.copy()
    df.loc[3, "diameter"] = np.nan
    df.loc[7, "diameter"] = np.inf
    with pytest.raises(SchemaError, match="missing='exclude'"):
        spc.xbar_s(df, value="diameter", subgroup="sample")
    chart = spc.xbar_s(df, value="diameter", subgroup="sample", missing="exclude")
    assert chart.exclusions["row"].tolist() == [3, 7]
    assert chart.exclusions["reason"].str.contains("diameter").all()
    ns = panel(chart, "xbar").set_index("subgroup")["n"]
    assert (ns.loc[1], ns.loc[2], ns.loc[3]) == (4, 4, 5)
    with pytest.warns(DataQualityWarning, match="subgroup sizes vary"):
        spc.xbar_r(df, value="diameter", subgroup="sample", missing="exclude")


@pytest.mark.parametrize("nsigmas", [0, -1, 0.0])
def test_nonpositive_nsigmas(rings: pd.DataFrame, nsigmas: float) -> None:
    with pytest.raises(ValueError, match="nsigmas"):
        spc.xbar_r(rings, value="diameter", subgroup="sample", nsigmas=nsigmas)


def test_unequal_n_warns_on_xbar_r_not_xbar_s(rings: pd.DataFrame) -> None:
    df = rings.drop(index=[0, 1])
    with pytest.warns(DataQualityWarning, match=r"subgroup sizes vary \(3\.\.5\)"):
        spc.xbar_r(df, value="diameter", subgroup="sample")
    spc.xbar_s(df, value="diameter", subgroup="sample")  # no warning (filterwarnings=error)


# -------------------------------------------------------------------- aggregate_counts


def test_aggregate_counts_counts_lot_size_once() -> None:
    log = pd.DataFrame({"day": [1, 1, 1, 2, 2], "lot": ["a", "a", "b", "c", "c"],
                        "qty": [2, 1, 0, 4, 1], "inspected": [400, 400, 380, 500, 500]})
    agg = spc.aggregate_counts(log, subgroup="day", count="qty", size="inspected", lot="lot")
    assert agg.to_dict("list") == {"day": [1, 2], "qty": [3, 5], "inspected": [780, 500]}
    naive = spc.aggregate_counts(log, subgroup="day", count="qty", size="inspected")
    assert naive["inspected"].tolist() == [1180, 1000]
    chart = spc.u_chart(agg, count="qty", size="inspected", subgroup="day")
    assert chart.limits.iloc[0]["u"] == pytest.approx(8 / 1280, rel=1e-12)
    bad = log.assign(inspected=[400, 401, 380, 500, 500])
    with pytest.raises(SchemaError, match="different"):
        spc.aggregate_counts(bad, subgroup="day", count="qty", size="inspected", lot="lot")


# ------------------------------------------------------------ summary, figure, results


def test_summary_renders_with_estimator(rings: pd.DataFrame) -> None:
    chart = spc.xbar_r(rings, value="diameter", subgroup="sample")
    text, html = str(chart.summary()), chart.summary().to_html()
    for out in (text, html):
        assert "R-bar/d2" in out
        assert "X̄-R chart" in out  # the family's title (spc.get_family("xbar_r").title)
    assert "<table" in html
    assert "Signals" in text  # the full data has signals
    imr = spc.i_mr(datasets.viscosity(), value="viscosity", subgroup="batch",
                   sigma_method="median_mr")
    assert "median MR" in str(imr.summary())


def test_figure_panels_traces_and_signal_markers(rings: pd.DataFrame) -> None:
    base = spc.xbar_r(rings[rings["trial"]], value="diameter", subgroup="sample")
    chart = base.monitor(rings[~rings["trial"]])
    fig = chart.figure()
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    # per panel: UCL, Center, LCL, the statistic (+ Signal markers where a rule fired)
    assert names == ["UCL", "Center", "LCL", "X̄", "Signal", "UCL", "Center", "LCL", "R"]
    assert {t.yaxis for t in fig.data} == {"y", "y2"}
    sig = next(t for t in fig.data if t.name == "Signal")
    assert sig.marker.color == "#d62728"
    assert sorted(np.asarray(sig.y).tolist()) == sorted(
        panel(chart, "xbar").query("signal")["statistic"].tolist())
    single = spc.c_chart(datasets.circuit_boards(), count="x", subgroup="sample").figure()
    assert {t.yaxis for t in single.data} == {"y"}


def test_results_are_frozen(rings: pd.DataFrame) -> None:
    chart = spc.xbar_r(rings, value="diameter", subgroup="sample")
    with pytest.raises(dataclasses.FrozenInstanceError):
        chart.chart = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        chart.frozen_limits().nsigmas = 2.0  # type: ignore[misc]
    before = chart.to_frame()
    frame = chart.to_frame()
    frame.loc[0, "center"] = -1.0
    pd.testing.assert_frame_equal(chart.to_frame(), before)


def test_limits_pickle() -> None:
    lim = spc.Limits("p", {"p": 0.2}, 3.0, "standard")
    assert pickle.loads(pickle.dumps(lim)) == lim


def test_chart_pickles(rings: pd.DataFrame) -> None:
    chart = spc.xbar_r(rings, value="diameter", subgroup="sample")
    again = pickle.loads(pickle.dumps(chart))
    pd.testing.assert_frame_equal(again.to_frame(), chart.to_frame())
    assert again.frozen_limits() == chart.frozen_limits()
    # an unpickled chart still monitors new data, with the same result as the original
    trial = spc.xbar_r(rings[rings.trial], value="diameter", subgroup="sample")
    new = rings[~rings.trial]
    restored = pickle.loads(pickle.dumps(trial)).monitor(new)
    pd.testing.assert_frame_equal(restored.to_frame(), trial.monitor(new).to_frame())
    with pytest.raises(ValueError, match="already on the chart"):
        again.monitor(rings)


# --------------------------------------------------------------------- sample plant


SHIFT = pd.Timestamp("2026-10-28T14:00:00Z")
PHASE1_END = pd.Timestamp("2026-10-14T00:00:00Z")


@pytest.fixture(scope="module")
def bore() -> pd.DataFrame:
    from leankit.io import read_export

    res = read_export(REPO / "sample_data/measurements/line1_gauge.csv", kind="measurements")
    df = res.data
    return df[df["characteristic"] == "bore_diameter"].reset_index(drop=True)


def test_sample_plant_mean_shift_is_flagged(bore: pd.DataFrame) -> None:
    truth = json.loads((REPO / "sample_data/truth.json").read_text("utf-8"))
    planted = next(p for p in truth["planted"] if p["id"] == "bore_mean_shift")
    assert pd.Timestamp(planted["first_shifted_subgroup_utc"]) == SHIFT
    first = bore.groupby("subgroup")["timestamp"].transform("min")
    phase1, phase2 = bore[first < PHASE1_END], bore[first >= PHASE1_END]
    base = spc.xbar_s(phase1, value="value", subgroup="subgroup", time="timestamp")
    chart = base.monitor(phase2)
    xb = panel(chart, "xbar")
    assert xb["time"].is_monotonic_increasing
    assert (xb.loc[xb["time"] < PHASE1_END, "phase"] == "I").all()
    assert (xb.loc[xb["time"] >= PHASE1_END, "phase"] == "II").all()
    # the Phase I center is the in-control mean (25.000 mm), unit-mixed rows converted
    assert chart.xbar.limits.iloc[0]["center"] == pytest.approx(25.0, abs=0.002)
    sig = chart.signals[chart.signals["panel"] == "xbar"]
    after = sig[sig["time"] >= SHIFT]
    assert len(after)
    first_signal = after["time"].min()
    assert first_signal - SHIFT <= pd.Timedelta(days=1)
    assert after.loc[after["time"] == first_signal, "subgroup"].iloc[0] == planted[
        "first_shifted_subgroup"]
    # beyond-limit points: none in the 7 days before the shift, nearly all after it
    beyond = sig[sig["rule"] == "we_1"]
    window = beyond[(beyond["time"] >= SHIFT - pd.Timedelta(days=7)) & (beyond["time"] < SHIFT)]
    assert window.empty
    post = xb[xb["time"] >= SHIFT]
    assert (post["rules"].str.contains("we_1")).mean() > 0.8
    # all WE rules: at most a couple of false alarms in the week before (2 here: a 4-of-5
    # and an 8-in-a-row below the center), against a signal at almost every point after
    pre = sig[(sig["time"] >= SHIFT - pd.Timedelta(days=7)) & (sig["time"] < SHIFT)]
    assert pre["subgroup"].nunique() <= 3
    assert post["signal"].mean() > 0.9


def test_sample_plant_limits_equal_stage_version(bore: pd.DataFrame) -> None:
    first = bore.groupby("subgroup")["timestamp"].transform("min")
    phase1 = bore[first < PHASE1_END]
    base = spc.xbar_s(phase1, value="value", subgroup="subgroup", time="timestamp")
    frozen = spc.xbar_s(bore[first >= PHASE1_END], value="value", subgroup="subgroup",
                        time="timestamp", limits=base.frozen_limits())
    assert frozen.xbar.limits.iloc[0]["ucl"] == base.xbar.limits.iloc[0]["ucl"]
    assert (frozen.to_frame()["phase"] == "II").all()
