"""Behaviour of spc.zmr (short-run Z-MR chart) and spc.run_chart (runs analysis):
results, stages, exclusions, Phase II, clear errors, summaries, figures, pickling."""

from __future__ import annotations

import itertools
import math
import pickle
import re
from collections import Counter

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from leankit import spc
from leankit.errors import AssumptionWarning, InsufficientDataError, SchemaError
from leankit.spc._results import FRAME_COLUMNS
from leankit.spc._run_chart import anhoej_limits, runs_analysis, swed_eisenhart_limits

SIGMA = next(c for c in FRAME_COLUMNS if c.startswith("sigma"))  # sigma of the statistic

# --------------------------------------------------------------------------- run chart

LEAD = [5, 7, 6, 8, 6, 7, 3, 2, 4, 3, 2, 3]


@pytest.fixture
def shift() -> pd.DataFrame:
    return pd.DataFrame({"week": range(1, 13), "lead_time": LEAD})


def test_run_chart_frame_and_analysis(shift: pd.DataFrame) -> None:
    chart = spc.run_chart(shift, value="lead_time", time="week")
    frame = chart.to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert frame["panel"].eq("run").all()
    assert frame[["lcl", "ucl", SIGMA]].isna().all().all()
    assert frame["center"].eq(4.5).all()  # median of the 12 values
    r = chart.runs.iloc[0]
    assert (r.n_useful, r.longest_run, r.longest_run_max, r.crossings, r.crossings_min) == (
        12, 6, 7, 1, 3)
    assert not r.long_run and r.few_crossings and r.signal
    # too few crossings flags every useful point of the stage
    assert chart.signals["rule"].eq("anhoej_few_crossings").all()
    assert len(chart.signals) == 12 and chart.n_signals == 12
    assert repr(chart) == "<RunChart: 12 points, non-random variation>"


def test_run_chart_long_run_flags_the_run_points() -> None:
    # 10 points alternating about a target of 0, then 9 in a row above it
    vals = [1.0, -1.0] * 5 + [2.0, 1.5, 3.0, 2.5, 1.0, 2.0, 3.5, 1.5, 2.0]
    chart = spc.run_chart(pd.DataFrame({"y": vals}), value="y", center=0.0)
    r = chart.runs.iloc[0]
    lr_max, _ = anhoej_limits(int(r.n_useful))
    assert r.longest_run > lr_max and r.long_run
    flagged = chart.signals.loc[chart.signals["rule"] == "anhoej_long_run", "position"]
    run = chart.runs.iloc[0].longest_run
    assert flagged.tolist() == list(range(len(vals) - run, len(vals)))


def test_points_on_the_median_neither_break_nor_count() -> None:
    # odd n: the middle value is on the median and is skipped
    out = runs_analysis([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    assert out["center"] == 6 and out["n_useful"] == 10
    assert out["longest_run"] == 5 and out["crossings"] == 1
    # a point on the center between two runs on the same side does not break the run
    out = runs_analysis([1, 1, 0, 1, 1, -1], center=0.0)
    assert out["n_useful"] == 5 and out["longest_run"] == 4 and out["crossings"] == 1


def test_run_chart_too_few_points_is_a_clear_error() -> None:
    df = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6, 5]})
    with pytest.raises(InsufficientDataError, match=r"at least 10 points.*got 7.*min_points="):
        spc.run_chart(df, value="y")
    chart = spc.run_chart(df, value="y", min_points=5)
    assert chart.runs.iloc[0].n_useful == 6  # the median point 4 is not useful
    assert chart.runs.iloc[0].longest_run_max == anhoej_limits(6)[0]


def test_run_chart_exclusions_stages_and_center() -> None:
    vals = list(np.tile([1.0, 3.0], 6)) + list(np.tile([11.0, 13.0], 6))
    df = pd.DataFrame({"y": vals, "phase": ["before"] * 12 + ["after"] * 12,
                       "why": [""] * 23 + ["gauge broken"]})
    chart = spc.run_chart(df, value="y", stage="phase", exclude="why")
    assert chart.runs["stage"].tolist() == ["before", "after"]
    assert chart.runs["center"].tolist() == [2.0, 11.0]  # 13 excluded: six 11s, five 13s
    assert chart.runs["n_points"].tolist() == [12, 11]
    assert chart.to_frame()["excluded"].sum() == 1
    assert "excluded from the median" in str(chart.summary())
    fixed = spc.run_chart(df, value="y", center=7.0)
    assert fixed.runs.iloc[0].longest_run == 12 and fixed.runs.iloc[0].long_run
    assert "given value 7.0" in str(fixed.summary())


def test_run_chart_monitor_uses_the_frozen_median(shift: pd.DataFrame) -> None:
    chart = spc.run_chart(shift, value="lead_time", time="week")
    new = pd.DataFrame({"week": [13, 14], "lead_time": [100.0, 200.0]}, index=[20, 21])
    more = chart.monitor(new)
    frame = more.to_frame()
    assert frame["center"].eq(4.5).all()
    assert frame["phase"].tolist()[-2:] == ["II", "II"]
    assert more.runs.iloc[0].n_points == 14
    with pytest.raises(ValueError, match="already on the chart"):
        chart.monitor(shift.iloc[:2])


def test_swed_eisenhart_matches_enumeration() -> None:
    # the exact distribution of the number of runs, against brute-force enumeration
    for n1, n2 in ((6, 5), (4, 4), (7, 3)):
        counts: Counter[int] = Counter()
        for pos in itertools.combinations(range(n1 + n2), n1):
            seq = np.zeros(n1 + n2, dtype=int)
            seq[list(pos)] = 1
            counts[1 + int((seq[1:] != seq[:-1]).sum())] += 1
        total = math.comb(n1 + n2, n1)
        low, high, expected = swed_eisenhart_limits(n1, n2)
        below = sum(c for r, c in counts.items() if r < low) / total
        above = sum(c for r, c in counts.items() if r > high) / total
        assert below <= 0.025 and above <= 0.025
        assert sum(c for r, c in counts.items() if r <= low) / total > 0.025
        assert sum(c for r, c in counts.items() if r >= high) / total > 0.025
        assert expected == pytest.approx(sum(r * c for r, c in counts.items()) / total)


def test_run_chart_classic_tests() -> None:
    alternating = pd.DataFrame({"y": np.tile([1.0, 2.0], 10)})
    chart = spc.run_chart(alternating, value="y", tests=["anhoej", "swed_eisenhart"])
    r = chart.runs.iloc[0]
    assert (r.n_runs, r.runs_min, r.runs_max) == (20, 7, 15)  # too many runs
    assert r.signal and set(chart.signals["rule"]) == {"swed_eisenhart"}
    assert "expected 11.0, limits 7..15" in str(chart.summary())
    trend = pd.DataFrame({"y": [5.0, 3, 6, 2, 1, 2, 3, 4, 5, 6, 7, 4, 5]})
    chart = spc.run_chart(trend, value="y", tests=("trend",))
    assert chart.signals["position"].tolist() == [9, 10]  # 6th and 7th rising point
    assert chart.signals["rule"].eq("trend").all()
    with pytest.raises(ValueError, match="unknown test 'tend'; did you mean 'trend'"):
        spc.run_chart(trend, value="y", tests="tend")


def test_run_chart_result_object(shift: pd.DataFrame) -> None:
    chart = spc.run_chart(shift, value="lead_time", time="week")
    text = str(chart.summary())
    assert re.search(r"longest run +6 \(limit 7: not unusual\)", text)
    assert re.search(r"crossings +1 \(limit 3: too few\)", text)
    assert re.search(r"anhoej_few_crossings .* 12 +0 +11", text)  # one line per finding
    assert isinstance(chart.figure(), go.Figure)
    again = pickle.loads(pickle.dumps(chart))
    assert isinstance(again, spc.RunChart)
    pd.testing.assert_frame_equal(again.runs, chart.runs)
    with pytest.raises(SchemaError, match="one row per point"):
        spc.run_chart(pd.DataFrame({"y": range(12), "k": [1] * 12}), value="y", subgroup="k")
    with pytest.raises(ValueError, match="center= must be 'median' or a finite number"):
        spc.run_chart(shift, value="lead_time", center="mean")  # type: ignore[arg-type]


# -------------------------------------------------------------------------------- Z-MR


@pytest.fixture
def short_runs() -> pd.DataFrame:
    return pd.DataFrame({
        "part": ["A"] * 5 + ["B"] * 5 + ["A"] * 5,
        "bore": [10.1, 10.0, 10.2, 9.9, 10.0, 25.3, 25.0, 25.4, 25.1, 25.2,
                 10.1, 9.8, 10.0, 10.2, 10.1]})


def test_zmr_frame_has_part_and_standard_limits(short_runs: pd.DataFrame) -> None:
    chart = spc.zmr(short_runs, value="bore", part="part")
    frame = chart.to_frame()
    assert tuple(frame.columns) == (*FRAME_COLUMNS, "part")
    z = frame[frame["panel"] == "z"]
    assert z[["center", "lcl", "ucl", SIGMA]].drop_duplicates().values.tolist() == [
        [0.0, -3.0, 3.0, 1.0]]
    mr = frame[frame["panel"] == "mr"]
    assert mr["center"].iloc[0] == pytest.approx(2 / math.sqrt(math.pi))  # d2(2)
    assert mr["ucl"].iloc[0] == pytest.approx(3.686, abs=5e-4)
    assert np.isnan(mr["statistic"].iloc[0])
    # each part's baseline z values have mean 0
    assert z.groupby("part")["statistic"].mean().abs().max() < 1e-12
    assert z["part"].tolist() == short_runs["part"].tolist()


def test_zmr_pooled_and_relative(short_runs: pd.DataFrame) -> None:
    pooled = spc.zmr(short_runs, value="bore", part="part", sigma_method="pooled")
    assert pooled.parts["sigma"].nunique() == 1
    rel = spc.zmr(short_runs, value="bore", part="part", sigma_method="relative_to_size")
    assert rel.parts["scale"].eq("log").all()
    assert rel.parts["mean"].tolist() == pytest.approx(
        short_runs.assign(l=np.log(short_runs["bore"])).groupby("part", sort=False)["l"].mean())
    bad = short_runs.assign(bore=short_runs["bore"] - 12)
    with pytest.raises(SchemaError, match="positive values"):
        spc.zmr(bad, value="bore", part="part", sigma_method="relative_to_size")


def test_zmr_by_part_needs_two_values_and_says_pooled(short_runs: pd.DataFrame) -> None:
    one = pd.concat([short_runs, pd.DataFrame({"part": ["C"], "bore": [3.0]}, index=[99])])
    with pytest.raises(InsufficientDataError, match=r"part\(s\) \['C'\].*sigma_method='pooled'"):
        spc.zmr(one, value="bore", part="part")
    with pytest.warns(AssumptionWarning, match="single baseline value"):
        chart = spc.zmr(one, value="bore", part="part", sigma_method="pooled")
    assert chart.to_frame().query("part == 'C' and panel == 'z'")["statistic"].iloc[0] == 0
    flat = short_runs.assign(bore=np.where(short_runs["part"] == "B", 25.0, short_runs["bore"]))
    with pytest.raises(InsufficientDataError, match="part 'B'.*do not vary"):
        spc.zmr(flat, value="bore", part="part")


def test_zmr_nominal(short_runs: pd.DataFrame) -> None:
    chart = spc.zmr(short_runs, value="bore", part="part",
                    nominal={"A": (10.0, 0.1), "B": (25.0, 0.2)})
    z = chart.z.to_frame()["statistic"].to_numpy()
    expected = np.where(short_runs["part"] == "A", (short_runs["bore"] - 10) / 0.1,
                        (short_runs["bore"] - 25) / 0.2)
    np.testing.assert_allclose(z, expected)
    assert chart.to_frame()["phase"].eq("II").all()
    table = pd.DataFrame({"part": ["A", "B"], "mean": [10.0, 25.0], "sigma": [0.1, 0.2]})
    same = spc.zmr(short_runs, value="bore", part="part", nominal=table)
    pd.testing.assert_frame_equal(same.to_frame(), chart.to_frame())
    with pytest.raises(InsufficientDataError, match=r"part\(s\) \['B'\] are not in nominal="):
        spc.zmr(short_runs, value="bore", part="part", nominal={"A": (10.0, 0.1)})
    with pytest.raises(ValueError, match="sigma of part 'B' must be positive"):
        spc.zmr(short_runs, value="bore", part="part", nominal={"A": (10, 0.1), "B": (25, 0)})
    with pytest.raises(ValueError, match=r"must be \(mean, sigma\)"):
        spc.zmr(short_runs, value="bore", part="part", nominal={"A": 10, "B": (25, 1)})


def test_zmr_monitor_and_unknown_part(short_runs: pd.DataFrame) -> None:
    chart = spc.zmr(short_runs, value="bore", part="part")
    new = pd.DataFrame({"part": ["B", "A"], "bore": [26.5, 10.0]}, index=[20, 21])
    more = chart.monitor(new)
    z = more.z.to_frame()
    b = chart.parts.set_index("part").loc["B"]
    assert z["statistic"].iloc[-2] == pytest.approx((26.5 - b["mean"]) / b["sigma"])
    assert z["phase"].tolist()[-2:] == ["II", "II"]
    assert "we_1" in z["rules"].iloc[-2]
    pd.testing.assert_frame_equal(more.parts, chart.parts)
    with pytest.raises(InsufficientDataError, match=r"part\(s\) \['C'\] have no frozen mean"):
        chart.monitor(pd.DataFrame({"part": ["C"], "bore": [1.0]}, index=[30]))
    # the frozen table works as nominal= for a later run
    later = spc.zmr(new, value="bore", part="part", nominal=chart.frozen_parts())
    np.testing.assert_allclose(later.z.to_frame()["statistic"], z["statistic"].iloc[-2:])


def test_zmr_stages_and_exclusions(short_runs: pd.DataFrame) -> None:
    df = short_runs.assign(st=["1"] * 10 + ["2"] * 5,
                           why=[""] * 3 + ["setup"] + [""] * 11)
    df = pd.concat([df, pd.DataFrame({"part": ["B"] * 3, "bore": [25.1, 25.3, 25.2],
                                      "st": "2", "why": ""}, index=[40, 41, 42])])
    chart = spc.zmr(df, value="bore", part="part", stage="st", exclude="why")
    parts = chart.parts.set_index(["stage", "part"])
    a1 = df.iloc[[0, 1, 2, 4]]["bore"]
    assert parts.loc[("1", "A"), "mean"] == pytest.approx(a1.mean())
    assert parts.loc[("1", "A"), "baseline_points"] == 4
    assert parts.loc[("2", "A"), "mean"] == pytest.approx(df.iloc[10:15]["bore"].mean())
    mr = chart.mr.to_frame()
    assert np.isnan(mr["statistic"].iloc[10])  # the first moving range of stage 2
    assert "1 point(s) excluded" in str(chart.summary())


def test_zmr_result_object(short_runs: pd.DataFrame) -> None:
    chart = spc.zmr(short_runs.assign(bore=short_runs["bore"].where(
        short_runs.index != 7, 27.0)), value="bore", part="part", rules="nelson")
    assert repr(chart).startswith("<ZmrChart: 15 points, 2 parts")
    assert "part" in chart.signals.columns
    text = str(chart.summary())
    assert "Parts" in text and "by part" in text
    fig = chart.figure()
    assert isinstance(fig, go.Figure)
    hover = [str(t.text[7]) for t in fig.data if t.text is not None]
    assert hover and all(h.startswith("subgroup 7 · part B") for h in hover)
    again = pickle.loads(pickle.dumps(chart))
    assert isinstance(again, spc.ZmrChart)
    pd.testing.assert_frame_equal(again.to_frame(), chart.to_frame())
    with pytest.raises(ValueError, match="sigma_method= must be one of"):
        spc.zmr(short_runs, value="bore", part="part", sigma_method="constant")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="one row per value"):
        spc.zmr(short_runs.assign(k=1), value="bore", part="part", subgroup="k")


# ---------------------------------------------------------------------------- registry


def test_families_are_registered(shift: pd.DataFrame, short_runs: pd.DataFrame) -> None:
    ids = [f.id for f in spc.families()]
    assert "run" in ids and "zmr" in ids
    run_fam, zmr_fam = spc.get_family("run_chart"), spc.get_family("zmr")
    assert run_fam.panel_names == ("run",) and zmr_fam.panel_names == ("z", "mr")
    hint = run_fam.panel("run")
    assert hint.show_center and not hint.show_lcl and not hint.show_ucl
    assert zmr_fam.panel("mr").rules == "dispersion" and zmr_fam.panel("mr").allow_missing
    assert not run_fam.process_sigma and not zmr_fam.process_sigma
    # the generic entry point (CLI, report specs) reaches the constructors
    chart = spc.chart(short_runs, type="zmr", value="bore", part="part")
    assert isinstance(chart, spc.ZmrChart) and chart.family == "zmr"
    with pytest.raises(spc.FamilyError, match="needs part="):
        spc.chart(short_runs, type="zmr", value="bore")
    # the family declares its rules: the Anhøj tests by default; Shewhart rules need
    # sigma limits, which a run chart does not have, so they are refused
    run = spc.chart(shift, type="run", value="lead_time", time="week", nsigmas=3.0)
    assert isinstance(run, spc.RunChart) and run.parameters["tests"] == ("anhoej",)
    assert run_fam.default_rules == "anhoej"
    with pytest.raises(spc.RuleError, match="rules='we' is not valid on a Run chart; its "
                                            "rules are 'anhoej', 'swed_eisenhart', 'trend'"):
        spc.chart(shift, type="run", value="lead_time", rules="we")
    assert spc.chart(shift, type="run", value="lead_time",
                     rules=["anhoej", "trend"]).parameters["tests"] == ("anhoej", "trend")
    with pytest.raises(ValueError, match="no sigma limits"):
        spc.chart(shift, type="run", value="lead_time", nsigmas=2.0)
    # the limits table carries the runs analysis (the CLI prints it)
    row = run.limits.iloc[0]
    assert (row.longest_run, row.longest_run_max, row.crossings, row.crossings_min) == (
        6, 7, 1, 3)
    assert [t.name for t in run.figure().data if t.name in ("UCL", "LCL")] == []
