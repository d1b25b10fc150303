"""Tests of ``spc.advise``: clear-cut simulated data of each kind (seeded), the false-alarm
calibration (against the closed form for beyond-limits-only, spc.arl and a seeded
simulation), ``advice.chart()`` and the validation errors.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr

from leankit import spc
from leankit.errors import ColumnNotFoundError, InsufficientDataError, SchemaError
from leankit.spc._advise import (
    ar1_residuals,
    calibrate,
    calibrate_ewma_steady,
    choose_lambda,
    ewma_steady_detection,
    ewma_steady_rate,
    simulate_combined_rate,
)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ar1(phi: float, n: int, seed: int) -> np.ndarray:
    e = _rng(seed).normal(size=n)
    x = np.zeros(n)
    x[0] = e[0] / math.sqrt(1 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x + 50.0


# --------------------------------------------------------------------------- choice of chart


def test_normal_subgroups_give_xbar_s() -> None:
    rng = _rng(1)
    df = pd.DataFrame({"x": rng.normal(5, 1, 250), "s": np.repeat(np.arange(50), 5)})
    advice = spc.advise(df, value="x", subgroup="s")
    assert advice.family == "xbar_s"
    assert advice.transformation is None
    assert advice.settings["subgroup"] == "s"
    assert advice.diagnostics["subgroups"] == 50
    assert "X̄-S" in advice.reasons[0]
    chart = advice.chart(df)
    assert repr(chart).startswith("<ControlChart xbar_s: 50 subgroups, n=5")


def test_normal_individuals_give_i_mr() -> None:
    df = pd.DataFrame({"x": _rng(2).normal(10, 1, 150)})
    advice = spc.advise(df, value="x")
    assert (advice.family, advice.transformation) == ("i_mr", None)
    assert advice.rules == "we" and advice.nsigmas == 3.0
    assert "I-MR" in advice.reasons[0]
    assert advice.diagnostics["anderson_darling_p"] > 0.01
    assert advice.diagnostics["ljung_box_p"] > 0.01


def test_lognormal_individuals_give_log_i_mr() -> None:
    x = _rng(3).lognormal(1.0, 0.8, 150)
    df = pd.DataFrame({"x": x})
    advice = spc.advise(df, value="x")
    assert (advice.family, advice.transformation) == ("i_mr", "log")
    assert advice.settings["value"] == "log_x"
    assert "lognormal fits" in advice.reasons[0] and "log scale" in advice.reasons[0]
    assert repr(advice) == "<Advice i_mr on log scale: rules 'we', nsigmas 3>"
    out = advice.transform(df)
    np.testing.assert_allclose(out["log_x"], np.log(x))
    assert "log_x" not in df.columns  # input untouched
    # the chart is the I-MR chart of log(x)
    direct = spc.i_mr(df.assign(log_x=np.log(x)), value="log_x")
    pd.testing.assert_frame_equal(advice.chart(df).to_frame(), direct.to_frame())


def test_log_transform_rejects_non_positive_new_data() -> None:
    df = pd.DataFrame({"x": _rng(3).lognormal(1.0, 0.8, 150)})
    advice = spc.advise(df, value="x")
    with pytest.raises(SchemaError, match="needs values > 0"):
        advice.chart(pd.DataFrame({"x": [1.0, -2.0, 3.0]}))


def test_ar1_gives_residual_chart() -> None:
    x = _ar1(0.7, 300, seed=4)
    df = pd.DataFrame({"x": x})
    advice = spc.advise(df, value="x")
    assert (advice.family, advice.transformation) == ("i_mr", "ar1_residuals")
    phi = advice.transform_params["phi"]
    assert abs(phi - 0.7) < 0.1
    assert "autocorrelated (lag-1 r = " in advice.reasons[0]
    assert "Alwan & Roberts 1988" in advice.reasons[0]
    # the residuals are white noise (Ljung-Box does not reject)
    assert advice.diagnostics["residual_ljung_box_p"] > 0.01
    # residuals by hand: e_t = (x_t - m) - phi (x_(t-1) - m)
    res = advice.transform(df)["x_ar1_residual"].to_numpy()
    m = x.mean()
    np.testing.assert_allclose(res[1:], (x[1:] - m) - phi * (x[:-1] - m))
    chart = advice.chart(df)
    assert repr(chart).startswith("<ControlChart i_mr: 300 subgroups")


def test_ar1_residuals_worked_example() -> None:
    # Prais-Winsten first value: (1 - 0) * sqrt(1 - 0.25) = 0.8660
    out = ar1_residuals(np.array([1.0, 2.0, 2.0]), phi=0.5, mean=0.0)
    np.testing.assert_allclose(out, [math.sqrt(0.75), 1.5, 1.0])


def test_ar1_residuals_follow_time_order() -> None:
    x = _ar1(0.7, 200, seed=5)
    df = pd.DataFrame({"x": x, "t": np.arange(200)})
    shuffled = df.sample(frac=1.0, random_state=1)
    a = spc.advise(df, value="x", time="t")
    b = spc.advise(shuffled, value="x", time="t")
    assert a.transform_params["phi"] == pytest.approx(b.transform_params["phi"])
    ra = a.transform(df)["x_ar1_residual"]
    rb = b.transform(shuffled)["x_ar1_residual"].sort_index()
    np.testing.assert_allclose(ra.to_numpy(), rb.to_numpy())


def test_overdispersed_counts_give_laney_u() -> None:
    rng = _rng(6)
    n = rng.integers(4000, 6000, 60)
    rate = 0.01 * rng.gamma(20, 1 / 20, 60)  # the rate varies 22 % between days
    df = pd.DataFrame({"c": rng.poisson(rate * n), "n": n})
    advice = spc.advise(df, count="c", size="n")
    assert advice.family == "laney_u"
    assert advice.settings == {"count": "c", "size": "n", "rules": "we", "nsigmas": 3.0}
    assert advice.diagnostics["sigma_z"] > 1.5
    assert "overdispersed (σ_z = " in advice.reasons[0] and "Laney u′" in advice.reasons[0]
    # sigma_z equals the chart's own (Laney 2002: MR of z-scores / d2)
    chart = advice.chart(df)
    assert chart.limits["sigma_z"].iloc[0] == pytest.approx(advice.diagnostics["sigma_z"])


def test_poisson_counts_give_u() -> None:
    rng = _rng(7)
    n = rng.integers(4000, 6000, 60)
    df = pd.DataFrame({"c": rng.poisson(0.01 * n), "n": n})
    advice = spc.advise(df, count="c", size="n")
    assert advice.family == "u"
    assert "classic u chart" in advice.reasons[0]
    assert repr(advice.chart(df)).startswith("<ControlChart u: 60 subgroups")


def test_defectives_give_p_or_laney_p() -> None:
    rng = _rng(8)
    n = rng.integers(2000, 3000, 50)
    df = pd.DataFrame({"d": rng.binomial(n, 0.05), "n": n})
    assert spc.advise(df, count="d", size="n", attribute="defectives").family == "p"
    p = np.clip(0.05 * rng.gamma(10, 1 / 10, 50), 0, 1)
    df = pd.DataFrame({"d": rng.binomial(n, p), "n": n})
    assert spc.advise(df, count="d", size="n", attribute="defectives").family == "laney_p"


def test_counts_without_size() -> None:
    rng = _rng(9)
    df = pd.DataFrame({"c": rng.poisson(12, 40)})
    assert spc.advise(df, count="c").family == "c"
    df = pd.DataFrame({"c": rng.poisson(12 * rng.gamma(5, 1 / 5, 40))})
    advice = spc.advise(df, count="c")
    assert advice.family == "i_mr" and advice.settings["value"] == "c"
    assert "I-MR chart of the counts" in advice.reasons[0]


def test_rare_events_give_g_chart() -> None:
    c = _rng(10).poisson(0.1, 365)
    df = pd.DataFrame({"c": c})
    advice = spc.advise(df, count="c")
    assert (advice.family, advice.transformation) == ("g", "event_gaps")
    assert advice.rules == "limits"
    assert "rare events" in advice.reasons[0]
    gaps = advice.transform(df)
    assert len(gaps) == c.sum() - 1
    # gaps by hand: zero-count days strictly between consecutive events
    days = np.repeat(np.arange(365), c)
    np.testing.assert_array_equal(gaps["gap"], np.maximum(np.diff(days) - 1, 0))
    assert repr(advice.chart(df)).startswith(f"<ControlChart g: {c.sum() - 1} subgroups")


def test_many_parts_few_points_give_zmr() -> None:
    rng = _rng(11)
    parts = np.repeat(np.arange(15), 6)
    mu = rng.normal(100, 20, 15)[parts]
    sd = rng.uniform(1, 3, 15)[parts]
    df = pd.DataFrame({"x": rng.normal(mu, sd), "part": parts})
    advice = spc.advise(df, value="x", part="part")
    assert advice.family == "zmr" and advice.settings["part"] == "part"
    assert "too few for a chart per part" in advice.reasons[0]
    assert isinstance(advice.chart(df), spc.ZmrChart)


def test_too_few_points_still_advises() -> None:
    df = pd.DataFrame({"x": [3.0, 4.1, 3.9, 4.4, 3.7, 4.0]})
    advice = spc.advise(df, value="x")
    assert advice.family == "i_mr"
    assert "too few points (6 < 20) to test normality or autocorrelation" in advice.reasons[0]
    assert math.isnan(advice.diagnostics["ljung_box_p"])
    assert repr(advice.chart(df)).startswith("<ControlChart i_mr: 6 subgroups")


def test_too_few_count_subgroups_still_advises() -> None:
    df = pd.DataFrame({"c": [4, 6, 5, 7], "n": [100, 100, 120, 90]})
    advice = spc.advise(df, count="c", size="n")
    assert advice.family == "u"
    assert "too few subgroups (4 < 10) to test for overdispersion" in advice.reasons[0]


# --------------------------------------------------------------------------- calibration


@pytest.mark.parametrize(("period_points", "alarm_rate"), [(84, 0.02), (20, 0.05), (500, 0.01)])
def test_calibration_meets_the_rate(period_points: int, alarm_rate: float) -> None:
    cal = calibrate(period_points, alarm_rate)
    k = cal["nsigmas"]
    # closed form for beyond-limits only: 1 - (1 - 2 Phi(-k))^N
    closed = 1.0 - (1.0 - 2.0 * float(ndtr(-k))) ** period_points
    assert cal["achieved_rate"] == pytest.approx(closed, rel=1e-9)
    # spc.arl gives the same number
    ref = spc.arl("shewhart", rules="we_1", nsigmas=k).false_alarm_probability(period_points)
    assert cal["achieved_rate"] == pytest.approx(ref, rel=1e-12)
    assert cal["achieved_rate"] <= alarm_rate
    assert cal["achieved_rate"] >= alarm_rate * 0.995  # k rounded up by < 0.001
    # 0.001 narrower would exceed the target
    narrower = spc.arl("shewhart", rules="we_1", nsigmas=k - 0.001)
    assert narrower.false_alarm_probability(period_points) > alarm_rate


def test_calibration_against_simulation() -> None:
    # 20,000 seeded in-control periods of 84 standard normal points
    cal = calibrate(84, 0.02)
    z = np.random.default_rng(2026).standard_normal((20_000, 84))
    share = float(np.mean((np.abs(z) > cal["nsigmas"]).any(axis=1)))
    se = math.sqrt(0.02 * 0.98 / 20_000)
    assert abs(share - cal["achieved_rate"]) < 4 * se


def test_advice_with_period_points() -> None:
    df = pd.DataFrame({"x": _rng(12).normal(10, 1, 120)})
    advice = spc.advise(df, value="x", period_points=84)
    assert advice.rules == "limits" and advice.settings["rules"] == "limits"
    assert advice.nsigmas == pytest.approx(3.673)
    assert advice.settings["dispersion_rules"] == "none"
    d = advice.diagnostics
    assert d["achieved_rate"] <= 0.02 and d["arl0"] > 4000
    assert d["we_rate_at_3sigma"] == pytest.approx(
        spc.arl("shewhart", rules="we").false_alarm_probability(84))
    assert any("beyond-limits only at ±3.673σ" in r for r in advice.reasons)
    assert any("about 300 or more (Quesenberry 1993" in r for r in advice.reasons)
    chart = advice.chart(df)
    lim = chart.limits
    row = lim[lim["panel"] == "i"].iloc[0]
    assert row["ucl"] - row["center"] == pytest.approx(3.673 * row["sigma"])
    assert row["center"] - row["lcl"] == pytest.approx(3.673 * row["sigma"])


def test_subgroup_baseline_rule() -> None:
    rng = _rng(13)
    df = pd.DataFrame({"x": rng.normal(size=100), "s": np.repeat(np.arange(20), 5)})
    advice = spc.advise(df, value="x", subgroup="s")
    assert advice.diagnostics["baseline_needed"] == 100  # 400 / (5 - 1)
    assert any("400/(n−1) subgroups" in r for r in advice.reasons)


# --------------------------------------------------------------------------- result object


def test_advice_is_frozen_and_presents() -> None:
    df = pd.DataFrame({"x": _rng(14).normal(size=60)})
    advice = spc.advise(df, value="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        advice.family = "p"  # type: ignore[misc]
    frame = advice.to_frame()
    assert list(frame.columns) == ["diagnostic", "value"]
    assert "ljung_box_p" in set(frame["diagnostic"])
    text = str(advice.summary())
    assert text.startswith("<Advice i_mr: rules 'we', nsigmas 3>")
    assert "Alwan, L. C., Roberts, H. V. (1988)" in text


def test_overrides_reach_the_chart() -> None:
    df = pd.DataFrame({"x": _rng(15).normal(size=60)})
    advice = spc.advise(df, value="x", period_points=50)
    chart = advice.chart(df, rules="we", nsigmas=3.0)
    assert repr(chart).startswith("<ControlChart i_mr: 60 subgroups")


# --------------------------------------------------------------------------- errors


def test_needs_value_or_count() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0], "c": [1, 2]})
    with pytest.raises(SchemaError, match="exactly one of value= .* got neither"):
        spc.advise(df)
    with pytest.raises(SchemaError, match="got both"):
        spc.advise(df, value="x", count="c")


def test_missing_column_suggests() -> None:
    df = pd.DataFrame({"diameter": [1.0, 2.0]})
    with pytest.raises(ColumnNotFoundError, match="did you mean 'diameter'"):
        spc.advise(df, value="diamter")


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, "0.02"])
def test_bad_alarm_rate(bad: object) -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(SchemaError, match="alarm_rate= must be in"):
        spc.advise(df, value="x", alarm_rate=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -5, 2.5, True])
def test_bad_period_points(bad: object) -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(SchemaError, match="period_points= must be a whole number"):
        spc.advise(df, value="x", period_points=bad)  # type: ignore[arg-type]


def test_no_numeric_values() -> None:
    with pytest.raises(InsufficientDataError, match="no numeric value"):
        spc.advise(pd.DataFrame({"x": [np.nan, np.nan]}), value="x")


def test_count_errors() -> None:
    with pytest.raises(SchemaError, match="negative counts"):
        spc.advise(pd.DataFrame({"c": [1, -1]}), count="c")
    with pytest.raises(SchemaError, match="sizes <= 0"):
        spc.advise(pd.DataFrame({"c": [1, 2], "n": [10, 0]}), count="c", size="n")
    with pytest.raises(SchemaError, match="needs size="):
        spc.advise(pd.DataFrame({"c": [1, 2]}), count="c", attribute="defectives")


# --------------------------------------------------------------------------- EWMA companion


def test_ewma_companion_splits_the_budget() -> None:
    df = pd.DataFrame({"x": _rng(16).normal(10, 1, 120)})
    advice = spc.advise(df, value="x", period_points=84, companion="ewma")
    assert repr(advice) == "<Advice i_mr + ewma: rules 'limits', nsigmas 3.847>"
    d = advice.diagnostics
    # each chart gets half of 0.02, from spc.arl (Shewhart: exact chain; EWMA: integral eq.)
    assert d["achieved_rate"] <= 0.01 and d["ewma_achieved_rate"] <= 0.01
    assert d["ewma_achieved_rate"] >= 0.0099
    # steady state (the chart runs on from the baseline): 1 - rho^84, rho the Perron root
    assert d["ewma_achieved_rate"] == pytest.approx(
        ewma_steady_rate(84, 0.2, d["ewma_L"]), rel=1e-12)
    # ... which is above the zero-start rate of the exact chain at the same L
    assert d["ewma_achieved_rate"] > spc.arl("ewma", lam=0.2, L=d["ewma_L"]
                                             ).false_alarm_probability(84)
    assert d["combined_rate_bound"] <= 0.02
    # the joint rate is below the Bonferroni bound (the charts share points)
    assert d["combined_rate_simulated"] <= d["combined_rate_bound"] + 4 * d[
        "combined_rate_simulated_se"]
    assert advice.companion is not None
    assert advice.companion["settings"] == {"value": "x", "lam": 0.2,
                                            "nsigmas": d["ewma_L"], "limits": "asymptotic"}
    chart = advice.companion_chart(df)
    assert repr(chart).startswith("<ControlChart ewma: 120 subgroups")
    assert any("combined rate is at most" in r for r in advice.reasons)


def test_simulated_rate_matches_ewma_chain() -> None:
    # Shewhart limits out of reach (k = 50): the simulation (EWMA after a burn-in of
    # 8/lambda points) estimates the EWMA alone, whose steady-state rate 1 - rho^N comes
    # from the Perron root of the integral-equation kernel
    for lam in (0.2, 0.05):
        ecal = calibrate_ewma_steady(84, 0.05, lam)
        p, se = simulate_combined_rate(84, 50.0, lam, ecal["L"], n_sim=20_000, seed=7)
        assert abs(p - ecal["achieved_rate"]) < 4 * se


def test_steady_state_detection_matches_simulation() -> None:
    """A sustained 1-sigma shift starting in the EWMA's steady state: the kernel's
    probability of a signal within 84 points against 20,000 simulated runs."""
    from scipy.signal import lfilter

    lam, big_l, n = 0.05, 3.577, 84
    p_chain = ewma_steady_detection(n, lam, big_l, 1.0)
    rng = np.random.default_rng(3)
    burn = 400
    z = rng.standard_normal((20_000, burn + n))
    z[:, burn:] += 1.0
    e = lfilter([lam], [1.0, -(1.0 - lam)], z, axis=1)
    width = big_l * np.sqrt(lam / (2 - lam))
    ok = ~(np.abs(e[:, :burn]) > width).any(axis=1)  # no signal before the shift
    hit = (np.abs(e[:, burn:]) > width).any(axis=1)[ok]
    se = np.sqrt(p_chain * (1 - p_chain) / hit.size)
    assert abs(hit.mean() - p_chain) < 4 * se


def test_lambda_auto_picks_a_small_lambda_for_small_shifts_in_long_weeks() -> None:
    """168 points a week and an AR(1) residual shift of 0.42 sigma: lambda 0.05 detects it
    far more often than 0.2 at the same steady-state false-alarm rate; subgroup means of
    5 (a 2.24-sigma shift) get the largest lambda tried on a tie."""
    lam, cal, scores = choose_lambda(168, 0.01, 0.42)
    assert lam == 0.05 and scores[0.05] > scores[0.2] + 0.2
    assert cal["achieved_rate"] <= 0.01
    df = pd.DataFrame({"x": _rng(16).normal(10, 1, 600)})
    advice = spc.advise(df, value="x", period_points=84, companion="ewma", lam="auto")
    assert advice.companion is not None and advice.companion["settings"]["lam"] == 0.05
    assert any("EWMA λ = 0.05 chosen" in r for r in advice.reasons)


def test_companion_on_log_scale_uses_the_log_column() -> None:
    df = pd.DataFrame({"x": _rng(3).lognormal(1.0, 0.8, 150)})
    advice = spc.advise(df, value="x", companion="ewma")
    assert advice.companion is not None
    assert advice.companion["settings"]["value"] == "log_x"
    assert repr(advice.companion_chart(df)).startswith("<ControlChart ewma: 150 subgroups")


def test_no_companion_for_counts() -> None:
    rng = _rng(7)
    n = rng.integers(4000, 6000, 60)
    df = pd.DataFrame({"c": rng.poisson(0.01 * n), "n": n})
    advice = spc.advise(df, count="c", size="n", companion="ewma")
    assert advice.companion is None
    assert any("no EWMA companion for a u chart" in r for r in advice.reasons)
    with pytest.raises(SchemaError, match="has no companion chart"):
        advice.companion_chart(df)


def test_companion_errors() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(SchemaError, match="companion= must be"):
        spc.advise(df, value="x", companion="cusum")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="lam= must be in"):
        spc.advise(df, value="x", companion="ewma", lam=0.0)


# --------------------------------------------------------------------------- edge cases


def test_missing_values_are_excluded_and_stated() -> None:
    x = _rng(17).normal(size=40)
    x[[3, 11]] = np.nan
    df = pd.DataFrame({"x": x})
    advice = spc.advise(df, value="x")
    assert advice.diagnostics["values_missing"] == 2
    assert advice.settings["missing"] == "exclude"
    assert advice.reasons[0].startswith("2 row(s) without a numeric 'x' are left out")
    chart = advice.chart(df)
    assert repr(chart).startswith("<ControlChart i_mr: 38 subgroups")
    assert chart.exclusions["row"].tolist() == [3, 11]


def test_missing_counts_are_excluded_and_stated() -> None:
    rng = _rng(18)
    n = rng.integers(400, 600, 30).astype(float)
    c = rng.poisson(0.05 * n).astype(float)
    c[5] = np.nan
    advice = spc.advise(pd.DataFrame({"c": c, "n": n}), count="c", size="n")
    assert advice.family == "u" and advice.settings["missing"] == "exclude"
    assert advice.diagnostics["counts_missing"] == 1


def test_constant_values_still_advise() -> None:
    advice = spc.advise(pd.DataFrame({"x": [2.0] * 30}), value="x")
    assert advice.family == "i_mr"
    assert advice.reasons[0].startswith("all 30 values are equal (2): nothing to test")


def test_single_value_still_advises() -> None:
    advice = spc.advise(pd.DataFrame({"x": [2.5]}), value="x")
    assert advice.family == "i_mr"
    assert "the chart itself needs at least 2 values" in advice.reasons[0]


def _kinds() -> dict[str, tuple[pd.DataFrame, dict[str, str]]]:
    rng = _rng(19)
    parts = np.repeat(np.arange(15), 6)
    n = rng.integers(4000, 6000, 60)
    return {
        "xbar_s": (pd.DataFrame({"x": rng.normal(5, 1, 250), "s": np.repeat(np.arange(50), 5),
                                 "t": np.arange(250)}),
                   {"value": "x", "subgroup": "s", "time": "t"}),
        "zmr": (pd.DataFrame({"x": rng.normal(rng.normal(100, 20, 15)[parts], 2),
                              "p": parts}), {"value": "x", "part": "p"}),
        "laney_u": (pd.DataFrame({"c": rng.poisson(0.01 * rng.gamma(20, 1 / 20, 60) * n),
                                  "n": n}), {"count": "c", "size": "n"}),
        "g": (pd.DataFrame({"c": rng.poisson(0.1, 365)}), {"count": "c"}),
        "c": (pd.DataFrame({"c": rng.poisson(12, 60)}), {"count": "c"}),
    }


@pytest.mark.parametrize("family", ["xbar_s", "zmr", "laney_u", "g", "c"])
def test_calibrated_advice_builds_every_family(family: str) -> None:
    df, cols = _kinds()[family]
    advice = spc.advise(df, period_points=84, **cols)  # type: ignore[arg-type]
    assert advice.family == family
    # a g chart adds the run-below rule: its LCL of 0 never flags a higher event rate
    assert (advice.rules, advice.nsigmas) == ("below" if family == "g" else "limits", 3.673)
    chart = advice.chart(df)
    assert isinstance(chart, spc.ControlChart)
