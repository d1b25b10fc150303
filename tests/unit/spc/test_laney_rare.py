"""Unit tests: Laney p′/u′ and g/t rare-event charts (computations, public API, errors)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leankit.errors import InsufficientDataError, SchemaError
from leankit.spc._laney import (
    laney_arrays,
    laney_estimate,
    laney_sigma_z,
    sigma_z_note,
)
from leankit.spc._rare_events import (
    g_limits,
    geometric_quantile,
    intervals_from_events,
    t_estimate,
    t_limits,
    weibull_mle,
)

# ----------------------------------------------------------------- Laney core


def test_sigma_z_is_mean_moving_range_of_z_over_d2():
    z = np.array([0.5, -1.0, 2.0, 0.0])
    sig = np.full(4, 0.25)
    stat = 0.3 + z * sig
    expected = np.mean(np.abs(np.diff(z))) / (2 / math.sqrt(math.pi))
    assert laney_sigma_z(stat, 0.3, sig) == pytest.approx(expected, rel=1e-12)


def test_sigma_z_needs_two_subgroups():
    with pytest.raises(InsufficientDataError, match="at least 2 baseline subgroups"):
        laney_sigma_z(np.array([0.2]), 0.2, np.array([0.1]))


def test_sigma_z_refuses_zero_rate():
    with pytest.raises(InsufficientDataError, match="rate is 0"):
        laney_estimate("u", np.array([0, 0, 0]), np.array([10, 20, 30]))


def test_laney_estimate_uses_known_standards():
    est = laney_estimate("p", np.array([5, 9, 7]), np.array([100, 100, 100]),
                         {"p": 0.05, "sigma_z": 1.5})
    assert est == {"p": 0.05, "sigma_z": 1.5}
    est = laney_estimate("p", np.array([5, 9, 7]), np.array([100, 100, 100]), {"p": 0.05})
    z = (np.array([0.05, 0.09, 0.07]) - 0.05) / math.sqrt(0.05 * 0.95 / 100)
    assert est["sigma_z"] == pytest.approx(np.mean(np.abs(np.diff(z))) / 1.1283791670955126)


def test_laney_p_limits_are_clipped():
    out = laney_arrays("p", np.array([1, 45]), np.array([50, 50]), {"p": 0.5, "sigma_z": 5.0},
                       3.0)
    assert out["lcl"].min() == 0.0 and out["ucl"].max() == 1.0
    out = laney_arrays("u", np.array([1, 4]), np.array([50, 50]), {"u": 0.05, "sigma_z": 5.0},
                       3.0)
    assert out["lcl"].min() == 0.0 and out["ucl"].max() > 1.0 / 50


@pytest.mark.parametrize(("value", "words"), [(1.05, "close to 1"), (0.95, "close to 1"),
                                              (2.0, "overdispersion"),
                                              (0.6, "underdispersion")])
def test_sigma_z_note(value: float, words: str):
    assert words in sigma_z_note("p", value)


# ----------------------------------------------------------------- rare-event core


def test_intervals_from_case_numbers_count_cases_between():
    gaps, closing = intervals_from_events(pd.Series([30, 3, 11, 10]), chart="g")
    assert gaps.tolist() == [6.0, 0.0, 18.0]
    assert closing.tolist() == [3, 2, 0]  # positions of 10, 11, 30 in the input


def test_intervals_from_dates_are_elapsed_days():
    dates = pd.Series(pd.to_datetime(["2026-01-05 23:00", "2026-01-01 08:00",
                                      "2026-01-06 01:00"], utc=True))
    assert intervals_from_events(dates, chart="g")[0].tolist() == [4.0, 1.0]
    hours = intervals_from_events(dates, chart="t", unit="h")[0]
    assert hours.tolist() == [111.0, 2.0]


def test_intervals_refuse_two_events_on_one_case():
    with pytest.raises(SchemaError, match="more than one event"):
        intervals_from_events(pd.Series([3, 3, 8]), chart="g")


def test_intervals_need_two_events():
    with pytest.raises(InsufficientDataError, match="at least 2 events"):
        intervals_from_events(pd.Series([3]), chart="g")


def test_intervals_refuse_text():
    with pytest.raises(SchemaError, match="datetimes or numbers"):
        intervals_from_events(pd.Series(["a", "b"]), chart="t")


def _quantile_by_scipy(p: float, alpha: float) -> float:
    """Minitab's interpolated INVCDF of the 'number until' geometric, minus 1, with scipy."""
    dist = stats.geom(p)  # support 1, 2, ... ("number until")
    yb = float(dist.ppf(alpha))
    ya = yb - 1.0
    fa = float(dist.cdf(ya)) if ya >= 1 else 0.0
    return ya + (alpha - fa) / (float(dist.cdf(yb)) - fa) - 1.0


@pytest.mark.parametrize("p", [0.5, 0.1, 0.02, 0.001, 1e-5])
@pytest.mark.parametrize("alpha", [0.00135, 0.5, 0.99865])
def test_geometric_quantile_matches_scipy(p: float, alpha: float):
    assert geometric_quantile(p, alpha) == pytest.approx(_quantile_by_scipy(p, alpha),
                                                         rel=1e-9, abs=1e-9)


def test_g_sigma_limits_are_benneyans():
    out = g_limits(20.0, limits="sigma", center="mean")
    s = math.sqrt(20 * 21)
    assert out == pytest.approx({"center": 20.0, "lcl": 0.0, "ucl": 20 + 3 * s, "sigma": s})


def test_g_probability_limits_are_quantiles():
    out = g_limits(49.0)  # p = 0.02
    assert out["center"] == pytest.approx(_quantile_by_scipy(0.02, 0.5))
    assert out["ucl"] == pytest.approx(_quantile_by_scipy(0.02, stats.norm.cdf(3)))
    assert out["lcl"] == 0.0


def test_weibull_mle_matches_scipy():
    rng = np.random.default_rng(7)
    t = rng.weibull(0.8, 40) * 100
    shape, scale = weibull_mle(t)
    c, _, s = stats.weibull_min.fit(t, floc=0)
    assert shape == pytest.approx(c, rel=1e-5)
    assert scale == pytest.approx(s, rel=1e-5)


def test_weibull_needs_two_different_times():
    with pytest.raises(InsufficientDataError, match="at least 2 different"):
        weibull_mle(np.array([3.0, 3.0]))


def test_t_transform_limits_back_transform():
    est = t_estimate(np.array([1.0, 8.0, 27.0, 64.0]), "transform")
    y = np.array([1.0, 8.0, 27.0, 64.0]) ** (1 / 3.6)
    assert est["mu"] == pytest.approx(y.mean())
    out = t_limits(est, method="transform")
    assert out["center"] == pytest.approx(y.mean() ** 3.6)
    assert out["ucl"] == pytest.approx((est["mu"] + 3 * est["sigma"]) ** 3.6)
    assert math.isnan(out["sigma"])


# ----------------------------------------------------------------- public: Laney

from leankit import datasets, spc  # noqa: E402
from leankit.spc._results import FRAME_COLUMNS  # noqa: E402


def _days(n: int = 30, seed: int = 1, size: int = 5000) -> pd.DataFrame:
    """Overdispersed daily defect counts: the rate itself varies from day to day."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(size - 500, size + 500, n)
    rate = rng.gamma(50, 0.02 / 50, n)  # mean 0.02, cv 14 %
    return pd.DataFrame({"day": np.arange(1, n + 1), "defects": rng.poisson(rate * sizes),
                         "units": sizes})


def test_laney_u_overdispersed_days_widen_the_limits():
    df = _days()
    classic = spc.u_chart(df, count="defects", size="units", subgroup="day")
    laney = spc.laney_u(df, count="defects", size="units", subgroup="day")
    sz = float(laney.limits.loc[0, "sigma_z"])
    assert sz > 1.2
    f_l, f_c = laney.to_frame(), classic.to_frame()
    width_l = (f_l["ucl"] - f_l["center"]).to_numpy()
    width_c = (f_c["ucl"] - f_c["center"]).to_numpy()
    np.testing.assert_allclose(width_l, sz * width_c, rtol=1e-12)
    assert tuple(f_l.columns) == FRAME_COLUMNS
    assert laney.chart == "laney_u" and laney.panel_names == ("u",)


def test_laney_p_frozen_in_phase_two():
    oj = datasets.orange_juice()
    chart = spc.laney_p(oj.head(30), count="D", size="size", subgroup="sample")
    later = chart.monitor(oj.iloc[30:])
    ph2 = later.to_frame().query("phase == 'II'")
    assert len(ph2) == len(oj) - 30
    lim = chart.frozen_limits()
    assert set(lim.params) == {"p", "sigma_z"}
    half = 3 * np.sqrt(lim.params["p"] * (1 - lim.params["p"]) / ph2["n"]) * lim.params["sigma_z"]
    np.testing.assert_allclose(ph2["ucl"], lim.params["p"] + half, rtol=1e-12)
    again = spc.laney_p(oj.iloc[30:], count="D", size="size", subgroup="sample", limits=lim)
    np.testing.assert_allclose(again.to_frame()["ucl"], ph2["ucl"].to_numpy(), rtol=1e-12)


def test_laney_stages_and_exclusions_estimate_per_stage():
    oj = datasets.orange_juice().assign(stage=lambda d: np.where(d["trial"], "a", "b"))
    chart = spc.laney_p(oj, count="D", size="size", subgroup="sample", stage="stage",
                        exclude={15: "new batch of cardboard", 23: "operator"})
    assert chart.limits["stage"].tolist() == ["a", "b"]
    base = oj[(oj.stage == "a") & ~oj["sample"].isin([15, 23])]
    pbar = base.D.sum() / base["size"].sum()
    z = (base.D / base["size"] - pbar) / np.sqrt(pbar * (1 - pbar) / base["size"])
    expected = np.mean(np.abs(np.diff(z.to_numpy()))) / (2 / np.sqrt(np.pi))
    assert chart.limits.loc[0, "sigma_z"] == pytest.approx(expected, rel=1e-12)
    assert chart.to_frame()["excluded"].sum() == 2


def test_laney_summary_reports_sigma_z():
    chart = spc.laney_u(_days(), count="defects", size="units", subgroup="day")
    text = str(chart.summary())
    assert "sigma_z" in text and "overdispersion: limits" in text
    again = chart.monitor(_days(seed=9).assign(day=lambda d: d["day"] + 100))
    assert "sigma_z_reading" in again.limits


def test_laney_figure_builds():
    chart = spc.laney_u(_days(), count="defects", size="units", subgroup="day")
    fig = chart.figure()
    assert len(fig.data) >= 1


def test_laney_by_groups():
    df = pd.concat([_days(seed=2).assign(line="A"), _days(seed=3).assign(line="B")])
    charts = spc.laney_u(df, count="defects", size="units", subgroup="day", by="line")
    assert set(charts) == {"A", "B"}


def test_laney_size_zero_is_a_clear_error():
    df = _days().astype({"units": float})
    df.loc[3, "units"] = 0
    with pytest.raises(SchemaError, match=r"size= must be > 0.*\[3\]"):
        spc.laney_u(df, count="defects", size="units", subgroup="day")


def test_laney_one_subgroup_is_a_clear_error():
    with pytest.raises(InsufficientDataError, match="at least 2 baseline subgroups"):
        spc.laney_p(pd.DataFrame({"d": [3], "n": [100]}), count="d", size="n")


def test_laney_p_counts_must_be_whole_and_at_most_size():
    with pytest.raises(SchemaError, match="whole numbers"):
        spc.laney_p(pd.DataFrame({"d": [3.5, 4], "n": [100, 100]}), count="d", size="n")
    with pytest.raises(SchemaError, match="more defectives than units"):
        spc.laney_p(pd.DataFrame({"d": [300, 4], "n": [100, 100]}), count="d", size="n")


def test_laney_sigma_z_argument_is_checked():
    with pytest.raises(ValueError, match="sigma_z= must be a positive number"):
        spc.laney_u(_days(), count="defects", size="units", sigma_z=0)


def test_laney_limits_of_another_chart_are_refused():
    oj = datasets.orange_juice().head(30)
    lim = spc.p_chart(oj, count="D", size="size").frozen_limits()
    with pytest.raises(ValueError, match="limits= are for a p chart"):
        spc.laney_p(oj, count="D", size="size", limits=lim)


def test_laney_registered():
    assert spc.get_family("laney_p").param_names == ("p", "sigma_z")
    assert spc.get_family("up").id == "laney_u"


# ----------------------------------------------------------------- public: g and t


def test_g_chart_from_counts_and_from_case_numbers_agree():
    cases = pd.DataFrame({"case": [12, 40, 41, 95, 160, 170, 260, 300, 301, 390]})
    from_events = spc.g_chart(cases, events="case")
    gaps = pd.DataFrame({"between": np.diff(cases["case"]) - 1})
    from_counts = spc.g_chart(gaps, value="between")
    np.testing.assert_allclose(from_events.to_frame()["statistic"],
                               from_counts.to_frame()["statistic"])
    assert from_events.limits.loc[0, "gbar"] == from_counts.limits.loc[0, "gbar"] == 41.0
    assert from_events.to_frame()["subgroup"].tolist() == list(range(1, 10))


def test_g_chart_from_dates_uses_event_dates_as_time():
    ev = pd.DataFrame({"when": pd.to_datetime(["2026-01-01", "2026-01-09", "2026-01-09",
                                               "2026-02-10", "2026-03-01"])})
    chart = spc.g_chart(ev, events="when")
    frame = chart.to_frame()
    assert frame["statistic"].tolist() == [8.0, 0.0, 32.0, 19.0]
    assert pd.to_datetime(frame["time"]).dt.strftime("%m-%d").tolist() == [
        "01-09", "01-09", "02-10", "03-01"]


def test_g_chart_monitor_continues_from_the_last_event():
    cases = pd.DataFrame({"case": [12, 40, 41, 95, 160, 170, 260, 300, 301, 390]})
    chart = spc.g_chart(cases, events="case")
    later = chart.monitor(pd.DataFrame({"case": [391, 392, 500]}, index=[10, 11, 12]))
    ph2 = later.to_frame().query("phase == 'II'")
    assert ph2["statistic"].tolist() == [0.0, 0.0, 107.0]
    with pytest.raises(ValueError, match="precede the last event"):
        chart.monitor(pd.DataFrame({"case": [100]}, index=[20]))
    import pickle

    restored = pickle.loads(pickle.dumps(chart))
    assert repr(restored.monitor(pd.DataFrame({"case": [391]}, index=[10]))) == (
        "<ControlChart g: 10 subgroups, n=1, 1 in phase II, 0 signals>")


def test_g_chart_below_rule_flags_a_run_of_short_gaps():
    gaps = [60, 10, 90, 40, 120, 30, 70, 80, 2, 1, 3, 0, 1, 2, 0, 1, 50]
    chart = spc.g_chart(pd.DataFrame({"g": gaps}), value="g", rules="below",
                        rule_params={"g_below": {"k": 8}})
    sig = chart.signals
    assert sig["rule"].unique().tolist() == ["g_below"]
    assert sig["position"].tolist() == [15]  # the 8th short gap in a row
    assert "more frequent" in sig["description"].iloc[0]
    assert chart.to_frame()["signal"].sum() == 1


def test_g_chart_sigma_method_and_mean_center():
    chart = spc.g_chart(pd.DataFrame({"g": [10, 30, 20, 40]}), value="g", method="sigma",
                        center="mean")
    s = np.sqrt(25 * 26)
    assert chart.limits.loc[0, "center"] == 25.0
    assert chart.limits.loc[0, "ucl"] == pytest.approx(25 + 3 * s)
    assert chart.limits.loc[0, "lcl"] == 0.0


@pytest.mark.parametrize(("values", "match"), [([3, -1, 4], ">= 0"),
                                               ([3, 1.5, 4], "whole numbers")])
def test_g_chart_refuses_bad_counts(values: list[float], match: str):
    with pytest.raises(SchemaError, match=match):
        spc.g_chart(pd.DataFrame({"g": values}), value="g")


def test_g_chart_refuses_zone_rules():
    with pytest.raises(spc.RuleError, match="only points beyond the limits.*--rules limits"):
        spc.g_chart(pd.DataFrame({"g": [3, 1, 4]}), value="g", rules="we")  # type: ignore[arg-type]


def test_rare_charts_need_value_or_events():
    with pytest.raises(TypeError, match="exactly one of value= .* or events="):
        spc.g_chart(pd.DataFrame({"g": [3, 1, 4]}))
    with pytest.raises(TypeError, match="exactly one of"):
        spc.t_chart(pd.DataFrame({"g": [3, 1, 4]}), value="g", events="g")


def test_t_chart_refuses_non_positive_times():
    with pytest.raises(SchemaError, match=r"must be > 0.*\[1\]"):
        spc.t_chart(pd.DataFrame({"h": [3.0, 0.0, 4.0]}), value="h")
    ev = pd.DataFrame({"at": pd.to_datetime(["2026-01-01 08:00", "2026-01-01 08:00",
                                             "2026-01-03 10:00"])})
    with pytest.raises(SchemaError, match="same time"):
        spc.t_chart(ev, events="at")


def test_t_chart_from_timestamps_in_hours():
    ev = pd.DataFrame({"at": pd.to_datetime(["2026-01-01 08:00", "2026-01-02 08:00",
                                             "2026-01-02 20:00", "2026-01-05 08:00"])})
    chart = spc.t_chart(ev, events="at", unit="h")
    assert chart.to_frame()["statistic"].tolist() == [24.0, 12.0, 60.0]
    shape, scale = weibull_mle(np.array([24.0, 12.0, 60.0]))
    assert chart.limits.loc[0, "shape"] == pytest.approx(shape)
    assert chart.limits.loc[0, "scale"] == pytest.approx(scale)


def test_t_chart_transform_method_is_its_own_family():
    chart = spc.t_chart(pd.DataFrame({"h": [12.0, 40.5, 3.2, 95.0]}), value="h",
                        method="transform")
    assert chart.chart == "t_transform"
    assert set(chart.frozen_limits().params) == {"mu", "sigma"}
    with pytest.raises(ValueError, match="Weibull parameters"):
        spc.t_chart(pd.DataFrame({"h": [12.0, 40.5]}), value="h", method="transform", shape=1.0)


def test_t_chart_known_weibull_parameters_are_phase_two():
    chart = spc.t_chart(pd.DataFrame({"h": [12.0, 40.5, 3.2]}), value="h", shape=1.0,
                        scale=10.0)
    assert (chart.to_frame()["phase"] == "II").all()
    assert chart.limits.loc[0, "center"] == pytest.approx(10 * np.log(2))


def test_rare_charts_figure_builds():
    chart = spc.g_chart(pd.DataFrame({"g": [3, 10, 4, 50, 7]}), value="g")
    assert len(chart.figure().data) >= 1


# ----------------------------------------------------------------- registry round trip


def _round_trip_cases() -> list[tuple[str, pd.DataFrame, dict[str, str], pd.DataFrame]]:
    days = _days(40)
    gaps = pd.DataFrame({"g": [12, 40, 3, 95, 60, 17, 80, 33, 5, 41, 70, 22]})
    hours = gaps.astype(float) + 0.5
    return [
        ("laney_p", days.assign(defects=days["defects"] // 10, units=days["units"] // 10),
         {"count": "defects", "size": "units", "subgroup": "day"}, days.iloc[:0]),
        ("laney_u", days, {"count": "defects", "size": "units", "subgroup": "day"},
         days.iloc[:0]),
        ("g", gaps, {"value": "g"}, gaps.iloc[:0]),
        ("t", hours, {"value": "g"}, hours.iloc[:0]),
        ("t_transform", hours, {"value": "g"}, hours.iloc[:0]),
    ]


@pytest.mark.parametrize("case", _round_trip_cases(), ids=lambda c: c[0])
def test_registry_round_trip(case: tuple[str, pd.DataFrame, dict[str, str], pd.DataFrame]):
    import pickle

    family, data, cols, _ = case
    base, new = data.iloc[:-3], data.iloc[-3:]
    chart = spc.chart(base, type=family, **cols)
    assert chart.chart == family
    assert tuple(chart.to_frame().columns) == FRAME_COLUMNS
    restored = pickle.loads(pickle.dumps(chart))
    later = restored.monitor(new)
    assert (later.to_frame()["phase"] == "II").sum() == 3
    np.testing.assert_allclose(later.limits["center"], chart.limits["center"], rtol=1e-12)
    assert len(later.figure().data) >= 1
    assert spc.chart_by(data.assign(k=1), by="k", type=family, **cols)[1].chart == family
