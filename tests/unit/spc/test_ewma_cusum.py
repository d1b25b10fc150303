"""Unit tests of spc.ewma and spc.cusum: errors, options, stages, exclusions, tables."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from leankit import datasets, spc
from leankit.errors import AssumptionWarning, ColumnNotFoundError, InsufficientDataError
from leankit.spc._cusum import tabular_cusum
from leankit.spc._ewma import ewma_sigma, ewma_statistic

RINGS = datasets.piston_rings()
BASE, NEW = RINGS[RINGS.trial], RINGS[~RINGS.trial]


def series(values: list[float] | np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"x": np.asarray(values, dtype=float)})


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("lam", [0, -0.1, 1.5, float("nan"), "0.2", True])
def test_ewma_rejects_bad_lambda(lam: object) -> None:
    with pytest.raises(spc.SmoothingChartError, match=r"lam= .*\(0, 1\]|lam= .*finite"):
        spc.ewma(BASE, value="diameter", subgroup="sample", lam=lam)  # type: ignore[arg-type]


@pytest.mark.parametrize("nsigmas", [0, -1, float("inf")])
def test_ewma_rejects_bad_nsigmas(nsigmas: float) -> None:
    with pytest.raises(spc.SmoothingChartError, match="nsigmas="):
        spc.ewma(BASE, value="diameter", subgroup="sample", nsigmas=nsigmas)


def test_ewma_rejects_bad_limits_and_method() -> None:
    with pytest.raises(spc.SmoothingChartError, match="limits= must be"):
        spc.ewma(BASE, value="diameter", subgroup="sample", limits="exact")  # type: ignore[arg-type]
    with pytest.raises(spc.SmoothingChartError, match="sigma_method="):
        spc.ewma(BASE, value="diameter", subgroup="sample",
                 sigma_method="mad")  # type: ignore[arg-type]
    with pytest.raises(spc.SmoothingChartError, match="is for individual values"):
        spc.ewma(BASE, value="diameter", subgroup="sample", sigma_method="mrbar")
    with pytest.raises(spc.SmoothingChartError, match="is for subgroups"):
        spc.ewma(series(np.arange(30.0) % 7), value="x", sigma_method="rbar")


@pytest.mark.parametrize(("kw", "match"), [
    ({"h": 0}, "h= .*positive"), ({"h": -2}, "h= .*positive"),
    ({"k": -0.1}, "k= .*>= 0"), ({"head_start": -1}, r"head_start= must be in \[0, h\)"),
    ({"head_start": 5}, r"head_start= must be in \[0, h\)"),
    ({"h": 4, "head_start": 4.5}, r"\[0, 4\)"), ({"k": float("nan")}, "finite"),
])
def test_cusum_rejects_bad_parameters(kw: dict[str, float], match: str) -> None:
    with pytest.raises(spc.SmoothingChartError, match=match):
        spc.cusum(BASE, value="diameter", subgroup="sample", **kw)


def test_errors_are_value_errors_and_columns_checked() -> None:
    assert issubclass(spc.SmoothingChartError, ValueError)
    with pytest.raises(ColumnNotFoundError, match="did you mean 'diameter'"):
        spc.ewma(BASE, value="diamter", subgroup="sample")
    with pytest.raises(ValueError, match="sigma= must be positive"):
        spc.cusum(BASE, value="diameter", subgroup="sample", sigma=0.0, mu=74.0)


def test_zero_sigma_and_empty_baseline() -> None:
    with pytest.raises(InsufficientDataError, match="sigma estimate is 0"):
        spc.ewma(series([1.0] * 25), value="x")
    df = series(np.arange(10.0)).assign(ex="bad")
    with pytest.raises(InsufficientDataError, match="no baseline points"):
        spc.cusum(df, value="x", exclude="ex")


def test_mixed_individuals_and_subgroups_refused() -> None:
    df = pd.DataFrame({"s": [1, 1, 2, 3, 3], "x": [1.0, 2.0, 3.0, 4.0, 4.5]})
    with pytest.raises(spc.UnsupportedSubgroupError, match="mixes individual values"):
        spc.ewma(df, value="x", subgroup="s")


# ------------------------------------------------------------------ computation


def test_ewma_statistic_and_sigma_helpers() -> None:
    assert ewma_statistic([], 0.2, 1.0).tolist() == []
    # unequal n: the exact variance is the sum of the weighted variances
    n = np.array([5, 3, 4, 5, 2])
    lam, sigma = 0.3, 2.0
    brute = [sum(lam**2 * (1 - lam) ** (2 * (i - j)) * sigma**2 / n[j] for j in range(i + 1))
             for i in range(len(n))]
    np.testing.assert_allclose(ewma_sigma(sigma, n, lam, "time_varying") ** 2, brute,
                               rtol=1e-12)
    np.testing.assert_allclose(ewma_sigma(sigma, n, lam, "asymptotic"),
                               sigma / np.sqrt(n) * np.sqrt(lam / (2 - lam)))
    # λ = 1: the Shewhart sigma from the first point on
    np.testing.assert_allclose(ewma_sigma(sigma, [4, 4], 1.0, "time_varying"), [1.0, 1.0])


def test_tabular_cusum_long_series_blocks() -> None:
    """Across the 65,536-point blocks the vectorised sums equal the plain recursion."""
    rng = np.random.default_rng(7)
    y = rng.normal(-0.3, 1.0, 200_001)
    got = tabular_cusum(y, 1.5)
    c, out = 1.5, np.empty(len(y))
    for i, v in enumerate(y.tolist()):
        c = max(0.0, c + v)
        out[i] = c
    np.testing.assert_allclose(got, out, rtol=1e-9, atol=1e-9)
    assert (got >= 0).all() and tabular_cusum([], 0.0).size == 0


def test_ewma_frame_columns_and_raw_mean() -> None:
    chart = spc.ewma(BASE, value="diameter", subgroup="sample")
    f = chart.to_frame()
    for col in ("subgroup", "n", "statistic", "center", "lcl", "ucl", "phase", "stage",
                "excluded", "signal", "mean"):
        assert col in f
    np.testing.assert_allclose(f["mean"], BASE.groupby("sample")["diameter"].mean())
    assert f["statistic"].iloc[0] == pytest.approx(
        0.2 * f["mean"].iloc[0] + 0.8 * chart.limits.loc[0, "mu"])
    # time-varying limits widen towards the asymptote
    width = (f["ucl"] - f["center"]).to_numpy()
    assert (np.diff(width) > 0).all()
    asym = spc.ewma(BASE, value="diameter", subgroup="sample", limits="asymptotic").to_frame()
    assert width[-1] == pytest.approx((asym["ucl"] - asym["center"]).iloc[0], rel=1e-5)
    assert chart.panel_names == ("ewma",) and chart.chart == "ewma"
    assert chart.parameters["lam"] == 0.2 and chart.parameters["limits_kind"] == "time_varying"


def test_cusum_panels_and_signal_columns() -> None:
    chart = spc.cusum(BASE, value="diameter", subgroup="sample").monitor(NEW)
    assert chart.panel_names == ("upper", "lower")
    up = chart.panel("upper")
    assert up.chart == "upper" and len(up.to_frame()) == 40
    assert (chart.to_frame()["ucl"] == 5.0).all() and chart.to_frame()["lcl"].isna().all()
    sig = chart.signals
    for col in ("shift_start", "run_length", "estimated_mean", "shift", "shift_sigmas"):
        assert col in sig
    first = sig.iloc[0]
    # μ̂ = μ0 + σ/√n (k + C/N)
    lim = chart.frozen_limits().params
    assert first["estimated_mean"] == pytest.approx(
        lim["mu"] + lim["sigma"] / np.sqrt(5) * (0.5 + first["statistic"] / first["run_length"]))
    assert first["shift"] == pytest.approx(first["estimated_mean"] - lim["mu"])
    assert first["shift_start_position"] == first["position"] - first["run_length"] + 1
    # the summary shows the shift's start and size (in each signal's description)
    assert (f"since subgroup {first['shift_start']} ({first['run_length']} points), "
            f"estimated mean {first['estimated_mean']:.6g}") in str(chart.summary())


def test_cusum_head_start_not_counted_in_shift() -> None:
    """An excursion that began with the head start: μ̂ uses (C − H)/N (the FIR start is
    not evidence of a shift)."""
    chart = spc.cusum(series([12.0, 12.0, 12.0]), value="x", mu=10.0, sigma=1.0, h=4.0,
                      head_start=2.0)
    up = chart.panel("upper").to_frame()["statistic"].tolist()
    assert up == [3.5, 5.0, 6.5]
    first = chart.signals.iloc[0]
    assert first["run_length"] == 2 and first["shift_start_position"] == 0
    assert first["estimated_mean"] == pytest.approx(12.0)
    assert first["shift_sigmas"] == pytest.approx(2.0)


def test_lower_signal_estimates_downward_shift() -> None:
    chart = spc.cusum(series([10.0] * 5 + [8.5] * 8), value="x", mu=10.0, sigma=1.0)
    sig = chart.signals
    assert set(sig["panel"]) == {"lower"}
    assert sig["estimated_mean"].iloc[0] == pytest.approx(8.5)
    assert sig["shift_start"].iloc[0] == 5


def test_stages_restart_and_get_own_limits() -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": np.r_[rng.normal(10, 1, 30), rng.normal(20, 2, 30)],
                       "st": ["a"] * 30 + ["b"] * 30})
    e = spc.ewma(df, value="x", stage="st")
    lim = e.limits
    assert lim["stage"].tolist() == ["a", "b"]
    assert lim["mu"].iloc[1] == pytest.approx(df.x[30:].mean())
    f = e.to_frame()
    # the recursion restarts at the new center, with the narrow first-point limits
    assert f["statistic"].iloc[30] == pytest.approx(0.2 * df.x.iloc[30] + 0.8 * lim["mu"].iloc[1])
    sd = f["sigma_statistic"]
    assert sd.iloc[30] == pytest.approx(sd.iloc[0] * lim["sigma"].iloc[1] / lim["sigma"].iloc[0])
    c = spc.cusum(df, value="x", stage="st", head_start=2.0).to_frame()
    up = c[c.panel == "upper"]
    assert up["statistic"].iloc[30] == pytest.approx(
        max(0.0, 2.0 + (df.x.iloc[30] - lim["mu"].iloc[1]) / lim["sigma"].iloc[1] - 0.5))


def test_exclusions_skip_the_recursion() -> None:
    x = [10.0, 10.5, 9.5, 30.0, 10.2, 9.8, 10.1, 9.9, 10.3, 9.7] * 3
    df = pd.DataFrame({"x": x, "why": ""})
    df.loc[3, "why"] = "gauge slipped"
    e = spc.ewma(df, value="x", exclude="why", mu=10.0, sigma=0.3)
    f = e.to_frame()
    assert bool(f["excluded"].iloc[3]) and f["exclude_reason"].iloc[3] == "gauge slipped"
    assert f["statistic"].iloc[3] == f["statistic"].iloc[2]  # carried over
    assert not f["signal"].iloc[3]
    clean = spc.ewma(df.drop(index=3), value="x", mu=10.0, sigma=0.3).to_frame()
    np.testing.assert_allclose(f["statistic"].drop(index=3), clean["statistic"])
    np.testing.assert_allclose(f["ucl"].drop(index=3), clean["ucl"])
    # estimated: the excluded point is not in the baseline either
    est = spc.ewma(df, value="x", exclude="why")
    assert est.limits.loc[0, "mu"] == pytest.approx(np.mean(np.delete(x, 3)))
    c = spc.cusum(df, value="x", exclude="why", mu=10.0, sigma=0.3).to_frame()
    up = c[c.panel == "upper"]
    assert up["statistic"].iloc[3] == up["statistic"].iloc[2] and not up["signal"].iloc[3]


def test_missing_values_excluded_with_record() -> None:
    df = series([10.0, np.nan, 10.4, 9.6, 10.1, 9.9, 10.2, 9.8])
    with pytest.raises(spc.SmoothingChartError.__mro__[2]):  # SchemaError is a ValueError
        spc.ewma(df, value="x")
    chart = spc.ewma(df, value="x", missing="exclude")
    assert len(chart.to_frame()) == 7 and len(chart.exclusions) == 1


def test_known_standards_and_frozen_limits() -> None:
    chart = spc.ewma(BASE, value="diameter", subgroup="sample", mu=74.0, sigma=0.01)
    assert (chart.to_frame()["phase"] == "II").all()
    assert chart.frozen_limits().method == "standard"
    base = spc.ewma(BASE, value="diameter", subgroup="sample")
    again = spc.ewma(RINGS, value="diameter", subgroup="sample", limits=base.frozen_limits())
    np.testing.assert_allclose(again.to_frame()["statistic"],
                               base.monitor(NEW).to_frame()["statistic"])
    with pytest.raises(ValueError, match="are for a cusum chart"):
        spc.ewma(RINGS, value="diameter", subgroup="sample",
                 limits=spc.cusum(BASE, value="diameter", subgroup="sample").frozen_limits())


def test_monitor_refuses_repeated_ids() -> None:
    chart = spc.cusum(BASE, value="diameter", subgroup="sample")
    with pytest.raises(ValueError, match="already on the chart"):
        chart.monitor(BASE.head(10))


def test_individuals_sigma_from_moving_range() -> None:
    visc = datasets.viscosity().head(20)
    e = spc.ewma(visc, value="viscosity", subgroup="batch")
    i = spc.i_mr(visc, value="viscosity", subgroup="batch")
    assert e.limits.loc[0, "sigma"] == pytest.approx(i.limits.loc[0, "sigma"], rel=1e-12)
    assert e.limits.loc[0, "method"] == "mrbar"
    med = spc.ewma(visc, value="viscosity", subgroup="batch", sigma_method="median_mr")
    assert med.limits.loc[0, "method"] == "median_mr"


def test_sbar_and_pooled_match_xbar_s() -> None:
    for method in ("sbar", "pooled"):
        e = spc.ewma(BASE, value="diameter", subgroup="sample", sigma_method=method)
        x = spc.xbar_s(BASE, value="diameter", subgroup="sample", sigma_method=method)
        assert e.limits.loc[0, "sigma"] == pytest.approx(x.limits.loc[0, "sigma"], rel=1e-12)


def test_by_summary_figure_pickle_and_inputs_unchanged() -> None:
    df = RINGS.assign(line=np.where(RINGS["sample"] % 2 == 0, "A", "B"))
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        coll = spc.cusum(df, value="diameter", subgroup="sample", by="line")
    assert isinstance(coll, spc.ChartCollection) and sorted(coll) == ["A", "B"]
    pd.testing.assert_frame_equal(df, before)
    for chart in (spc.ewma(BASE, value="diameter", subgroup="sample").monitor(NEW),
                  spc.cusum(BASE, value="diameter", subgroup="sample").monitor(NEW)):
        text = str(chart.summary())
        assert "Limits" in text and "Signals" in text
        assert len(chart.figure().data) > 0
        back = pickle.loads(pickle.dumps(chart))
        pd.testing.assert_frame_equal(back.to_frame(), chart.to_frame())
        assert repr(chart).startswith(f"<ControlChart {chart.chart}: 40 subgroups, n=5")


# ------------------------------------------------------------------------- registry


def test_registered_families_round_trip() -> None:
    """The registry knows both families; spc.chart(type=...) calls the constructors; the
    generic engine (build_chart) gives the same numbers; monitor() survives pickling."""
    from leankit.spc._charts import build_chart

    ew, cs = spc.get_family("ewma"), spc.get_family("cusum")
    assert ew.constructor is spc.ewma and cs.constructor is spc.cusum
    assert ew.panel_names == ("ewma",) and cs.panel_names == ("upper", "lower")
    assert {p.rules for p in (*ew.panels, *cs.panels)} == {"limits_only"}
    assert ew.columns == ("value",) and "subgroup" in (ew.optional_columns or ())
    for kind, fn in (("ewma", spc.ewma), ("cusum", spc.cusum)):
        direct = fn(BASE, value="diameter", subgroup="sample")
        generic = spc.chart(BASE, type=kind, value="diameter", subgroup="sample",
                            rules="we", nsigmas=3.0 if kind == "ewma" else None)
        pd.testing.assert_frame_equal(direct.to_frame(), generic.to_frame())
        engine = build_chart(kind, BASE, value="diameter", subgroup="sample")
        for col in ("statistic", "center", "ucl", "sigma_statistic"):
            np.testing.assert_allclose(engine.to_frame()[col], direct.to_frame()[col],
                                       rtol=1e-12)
        restored = pickle.loads(pickle.dumps(direct))
        pd.testing.assert_frame_equal(restored.monitor(NEW).to_frame(),
                                      direct.monitor(NEW).to_frame())
        panel = direct.panel(direct.panel_names[0])
        assert len(panel.monitor(NEW).to_frame()) == 40
    coll = spc.chart_by(RINGS.assign(half=RINGS["sample"] > 20), by="half", type="ewma",
                        value="diameter", subgroup="sample")
    assert len(coll) == 2


def test_unknown_rule_is_an_error() -> None:
    with pytest.raises(spc.RuleError):
        spc.ewma(BASE, value="diameter", subgroup="sample", rules="nelsen")
