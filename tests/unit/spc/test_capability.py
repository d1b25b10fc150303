"""Behaviour of ``spc.capability`` / ``spc.attribute_capability``: degenerate input, warnings,
one-sided specs, charts, non-normal methods, sigma methods, ``by=``, attribute data,
summaries, figures and the ``leankit capability`` command.

Numbers are checked against independent closed-form computations with numpy/scipy.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from scipy import stats

from leankit import datasets, spc
from leankit.cli import main
from leankit.errors import (
    AssumptionWarning,
    DataQualityWarning,
    InsufficientDataError,
    LeankitWarning,
)
from leankit.spc import _sigma
from leankit.spc._capability import P_HI, P_LO

REPO = Path(__file__).resolve().parents[3]


def frame(x: np.ndarray | list[float], groups: np.ndarray | None = None) -> pd.DataFrame:
    d = pd.DataFrame({"x": np.asarray(x, dtype=float)})
    if groups is not None:
        d["g"] = groups
    return d


def quiet_cap(*args: object, **kwargs: object) -> spc.Capability:
    """capability() with leankit's warnings silenced (for tests about something else)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LeankitWarning)
        cap = spc.capability(*args, **kwargs)  # type: ignore[arg-type]
    assert isinstance(cap, spc.Capability)
    return cap


@pytest.fixture
def normal25() -> np.ndarray:
    """60 values in mm around 25 (normal scores, so the normality tests pass)."""
    z = stats.norm.ppf((np.arange(1, 61) - 0.375) / 60.25)
    return 25.0 + 0.01 * np.random.default_rng(7).permutation(z)


@pytest.fixture
def skewed() -> np.ndarray:
    return np.random.default_rng(11).lognormal(1.0, 0.5, 300)


# ------------------------------------------------------------------ degenerate input


def test_zero_variance_is_insufficient_data() -> None:
    with pytest.raises(InsufficientDataError, match="identical"):
        spc.capability(frame([5.0] * 10), value="x", lsl=4, usl=6)


@pytest.mark.parametrize("values", [[], [5.0], [5.0, np.nan], [np.nan, np.inf, 5.0]])
def test_fewer_than_two_values(values: list[float]) -> None:
    with pytest.raises(InsufficientDataError, match="at least 2 values"):
        spc.capability(frame(values), value="x", lsl=4, usl=6)


def test_zero_within_sigma_with_subgroups() -> None:
    """Subgroups without internal variation: the within sigma is 0 -> error, not inf."""
    x = np.repeat([10.0, 10.2, 9.9, 10.1], 5)
    with pytest.raises(InsufficientDataError, match="within"):
        quiet_cap(frame(x, np.repeat(np.arange(4), 5)), value="x", subgroup="g", lsl=9, usl=11)


@pytest.mark.parametrize("lsl,usl", [(25.05, 24.95), (25.0, 25.0)])
def test_lsl_not_below_usl(normal25: np.ndarray, lsl: float, usl: float) -> None:
    with pytest.raises(ValueError, match="must be below"):
        spc.capability(frame(normal25), value="x", lsl=lsl, usl=usl)


def test_no_specs(normal25: np.ndarray) -> None:
    with pytest.raises(ValueError, match="lsl= and/or usl="):
        spc.capability(frame(normal25), value="x")


@pytest.mark.parametrize("target", [25.2, 24.8])
def test_target_outside_specs(normal25: np.ndarray, target: float) -> None:
    with pytest.raises(ValueError, match="target.*outside"):
        spc.capability(frame(normal25), value="x", lsl=24.9, usl=25.1, target=target)


@pytest.mark.parametrize("bad", [np.nan, np.inf, "25"])
def test_non_finite_spec(normal25: np.ndarray, bad: object) -> None:
    with pytest.raises(ValueError, match="finite number"):
        spc.capability(frame(normal25), value="x", lsl=bad, usl=25.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("lsl,usl", [(24950.0, 25050.0), (0.02495, 0.02505), (None, 25050.0)])
def test_specs_in_another_unit(normal25: np.ndarray, lsl: float | None, usl: float) -> None:
    """Data in mm around 25, specs in µm (or m): refused with a message about the unit."""
    with pytest.raises(ValueError, match="same unit"):
        spc.capability(frame(normal25), value="x", lsl=lsl, usl=usl)


def test_data_centered_on_zero_are_not_a_unit_error() -> None:
    """Deviations from nominal (mm), mean ~0, specs ±0.05 mm: a legitimate, common case."""
    z = stats.norm.ppf((np.arange(1, 101) - 0.375) / 100.25)
    x = 1e-5 + 0.01 * np.random.default_rng(3).permutation(z)
    cap = spc.capability(frame(x), value="x", lsl=-0.05, usl=0.05)
    assert cap.index("ppk") == pytest.approx((0.05 - abs(np.mean(x))) / (3 * np.std(x, ddof=1)))


def test_zero_bounded_one_sided_is_not_a_unit_error() -> None:
    x = np.abs(np.random.default_rng(0).normal(0, 0.6, 100)) + 0.01
    cap = quiet_cap(frame(x), value="x", usl=40.0)
    assert cap.index("ppu") > 10


def test_all_values_outside_specs(normal25: np.ndarray) -> None:
    with pytest.warns(DataQualityWarning, match="every value lies outside the specifications"):
        cap = spc.capability(frame(normal25), value="x", lsl=26.0, usl=27.0)
    assert np.isfinite(cap.indices["estimate"]).all()
    assert np.isfinite(cap.indices[["lower", "upper"]].to_numpy()).all()
    assert cap.index("cpk") < 0
    assert any("outside the specifications" in n for n in cap.notes)
    assert cap.ppm.loc["observed", "total"] == 1e6


def test_one_sided_upper_spec(normal25: np.ndarray) -> None:
    cap = spc.capability(frame(normal25), value="x", usl=25.05)
    assert set(cap.indices["index"]) == {"cpu", "cpk", "ppu", "ppk"}
    for name in ("cp", "pp", "cpl", "ppl"):
        with pytest.raises(KeyError, match="not available"):
            cap.index(name)
    so = np.std(normal25, ddof=1)
    assert cap.index("ppk") == pytest.approx((25.05 - normal25.mean()) / (3 * so), rel=1e-12)
    assert cap.index("cpk") == cap.index("cpu")
    assert (cap.ppm["below_lsl"] == 0).all()
    assert cap.ppm.loc["expected overall", "above_usl"] == pytest.approx(
        stats.norm.sf(25.05, normal25.mean(), so) * 1e6, rel=1e-9)


def test_one_sided_lower_spec_with_target(normal25: np.ndarray) -> None:
    """Cpm with one limit: min(T - LSL) / (3 tau) (Minitab)."""
    cap = spc.capability(frame(normal25), value="x", lsl=24.96, target=25.0)
    tau = math.sqrt(np.sum((normal25 - 25.0) ** 2) / (len(normal25) - 1))
    assert cap.index("cpm") == pytest.approx(0.04 / (3 * tau), rel=1e-12)
    assert "cpu" not in set(cap.indices["index"])


def test_non_normal_data_with_normal_method_warn(skewed: np.ndarray) -> None:
    with pytest.warns(AssumptionWarning, match="do not look normal"):
        cap = spc.capability(frame(skewed), value="x", lsl=0.5, usl=30)
    assert any(n.startswith("WARNING") and "normal" in n for n in cap.notes)
    ad = cap.normality.set_index("test").loc["Anderson-Darling"]
    assert ad["p_value"] < 0.05


def test_normal_data_do_not_warn(normal25: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cap = spc.capability(frame(normal25), value="x", lsl=24.95, usl=25.05)
    assert cap.stable is None
    assert not any(n.startswith("WARNING") for n in cap.notes)


def test_unstable_chart() -> None:
    x = np.random.default_rng(1).normal(10, 1, 100)
    x[50:] += 3
    d = frame(x, np.repeat(np.arange(20), 5))
    chart = spc.xbar_r(d, value="x", subgroup="g")
    assert chart.n_signals > 0
    with pytest.warns(AssumptionWarning) as rec:  # the shift also makes the data non-normal
        cap = spc.capability(chart, lsl=0, usl=20)
    assert any("not stable" in str(w.message) for w in rec)
    assert cap.stable is False
    assert any("not stable" in n and n.startswith("WARNING") for n in cap.notes)
    assert "UNSTABLE" in repr(cap)


def test_stable_chart_reuses_its_sigma() -> None:
    rings = datasets.piston_rings()
    chart = spc.xbar_s(rings[rings.trial], value="diameter", subgroup="sample")
    cap = spc.capability(chart, lsl=73.95, usl=74.05)
    assert cap.stable is True
    assert cap.sigma_within == pytest.approx(float(chart.frozen_limits().params["sigma"]))
    assert any("from the control chart" in n for n in cap.notes)


def test_attribute_chart_is_refused() -> None:
    d = pd.DataFrame({"c": [1, 2, 3, 2, 1, 4, 2, 3]})
    chart = spc.c_chart(d, count="c")
    with pytest.raises(ValueError, match="variables chart"):
        spc.capability(chart, lsl=0, usl=10)


# ------------------------------------------------------------------ distributions


def test_auto_on_lognormal_data_picks_non_normal(skewed: np.ndarray) -> None:
    cap = spc.capability(frame(skewed), value="x", lsl=0.5, usl=30, distribution="auto")
    assert cap.distribution != "normal"
    assert cap.method == "percentile"
    assert cap.fits is not None
    chosen = cap.fits.loc[cap.fits["chosen"], "distribution"].tolist()
    assert chosen == [cap.distribution]
    best = cap.fits.dropna(subset=["ad_statistic"])
    assert cap.distribution == best.loc[best["ad_statistic"].idxmin(), "distribution"]
    why = cap.notes[0]
    assert "not normal" in why and cap.distribution in why and "Anderson-Darling" in why


def test_auto_on_normal_data_keeps_normal(normal25: np.ndarray) -> None:
    cap = spc.capability(frame(normal25), value="x", lsl=24.95, usl=25.05, distribution="auto")
    assert (cap.method, cap.distribution) == ("normal", "normal")
    assert "adequate" in cap.notes[0] and "kept" in cap.notes[0]
    plain = spc.capability(frame(normal25), value="x", lsl=24.95, usl=25.05)
    pd.testing.assert_frame_equal(cap.indices, plain.indices)


@pytest.mark.parametrize("lam", [None, 0.0, 0.5, -0.5])
def test_boxcox_equals_normal_capability_of_transformed(skewed: np.ndarray,
                                                        lam: float | None) -> None:
    """Box-Cox: the indices are those of the normal method on (x^λ - 1)/λ (log x for λ = 0)
    with the specs transformed the same way; λ from scipy's MLE when not fixed."""
    lsl, usl, target = 0.5, 30.0, 3.0
    cap = spc.capability(frame(skewed), value="x", lsl=lsl, usl=usl, target=target,
                         distribution="boxcox", boxcox_lambda=lam)
    lam_ref = float(stats.boxcox_normmax(skewed, method="mle")) if lam is None else lam
    assert cap.model["lambda"] == pytest.approx(lam_ref, rel=1e-12)

    def tr(v: np.ndarray | float) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        return np.log(v) if lam_ref == 0 else (v**lam_ref - 1) / lam_ref

    t = tr(skewed)
    ref = quiet_cap(frame(t), value="x", lsl=float(tr(lsl)), usl=float(tr(usl)),
                    target=float(tr(target)))
    pd.testing.assert_frame_equal(cap.indices, ref.indices, rtol=1e-9)
    assert cap.method == "boxcox"
    assert any("Box-Cox" in n for n in cap.notes)


def test_boxcox_needs_positive_data() -> None:
    x = np.random.default_rng(0).normal(1, 1, 50)
    assert (x <= 0).any()
    with pytest.raises(ValueError, match="positive"):
        spc.capability(frame(x), value="x", lsl=-2, usl=4, distribution="boxcox")


def test_boxcox_estimated_lambda_far_from_zero() -> None:
    x = 100 + np.random.default_rng(1).normal(0, 0.05, 50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy/scipy warnings must not leak
        cap = spc.capability(frame(x), value="x", lsl=99.8, usl=100.2, distribution="boxcox")
    assert cap.index("pp") > 0.5


@pytest.mark.parametrize("name", ["lognormal", "weibull", "gamma", "exponential", "logistic"])
def test_fitted_distribution_iso_percentile_indices(skewed: np.ndarray, name: str) -> None:
    """Ppk of a fitted distribution = ISO 22514-2 with the scipy MLE fit's 0.135/50/99.865 %
    quantiles; expected PPM from its cdf; no within (C) indices."""
    lsl, usl = 0.5, 30.0
    cap = spc.capability(frame(skewed), value="x", lsl=lsl, usl=usl, distribution=name)
    x = skewed
    if name == "lognormal":
        s, _, scale = stats.lognorm.fit(x, floc=0)
        dist = stats.lognorm(s, 0, scale)
    elif name == "weibull":
        c, _, scale = stats.weibull_min.fit(x, floc=0)
        dist = stats.weibull_min(c, 0, scale)
    elif name == "gamma":
        a, _, scale = stats.gamma.fit(x, floc=0)
        dist = stats.gamma(a, 0, scale)
    elif name == "exponential":
        dist = stats.expon(0, x.mean())
    else:
        dist = stats.logistic(*stats.logistic.fit(x))
    assert (P_LO, P_HI) == pytest.approx((0.00135, 0.99865), rel=1e-3)
    lo, med, hi = dist.ppf([P_LO, 0.5, P_HI])
    assert cap.index("pp") == pytest.approx((usl - lsl) / (hi - lo), rel=1e-6)
    ppl, ppu = (med - lsl) / (med - lo), (usl - med) / (hi - med)
    assert cap.index("ppl") == pytest.approx(ppl, rel=1e-6)
    assert cap.index("ppu") == pytest.approx(ppu, rel=1e-6)
    assert cap.index("ppk") == pytest.approx(min(ppl, ppu), rel=1e-6)
    assert cap.ppm.loc["expected overall", "below_lsl"] == pytest.approx(
        dist.cdf(lsl) * 1e6, rel=1e-5, abs=1e-9)
    assert cap.ppm.loc["expected overall", "above_usl"] == pytest.approx(
        dist.sf(usl) * 1e6, rel=1e-5, abs=1e-9)
    assert (cap.method, cap.distribution) == ("percentile", name)
    assert cap.indices["lower"].isna().all()
    with pytest.raises(KeyError):
        cap.index("cpk")
    assert cap.z_bench_within is None


def test_positive_distribution_on_non_positive_data() -> None:
    x = np.random.default_rng(0).normal(1, 1, 50)
    with pytest.raises(ValueError, match="positive"):
        quiet_cap(frame(x), value="x", lsl=-2, usl=4, distribution="weibull")


@pytest.mark.parametrize("case", ["lognormal", "beta"])
def test_johnson_specs_beyond_support_give_finite_indices(skewed: np.ndarray,
                                                          case: str) -> None:
    if case == "lognormal":
        x, lsl, usl = skewed, 0.5, 30.0
    else:
        x, lsl, usl = np.random.default_rng(3).beta(2, 5, 300) * 10 + 5, 2.0, 20.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        cap = quiet_cap(frame(x), value="x", lsl=lsl, usl=usl, distribution="johnson")
    assert np.isfinite(cap.indices["estimate"]).all()


def test_johnson_transforms_data_and_specs(skewed: np.ndarray) -> None:
    """Johnson: z = Φ⁻¹(F(x)) with the chosen SU/SB fit; the indices are the normal ones of z
    with transformed specs (specs inside the fitted SB support [0.454, 15.99])."""
    cap = quiet_cap(frame(skewed), value="x", lsl=0.5, usl=12.0, distribution="johnson")
    dist = cap.model["johnson"]
    lo, hi = dist.support()
    assert lo < 0.5 and 12.0 < hi
    z = stats.norm.ppf(np.clip(dist.cdf(skewed), 1e-15, 1 - 1e-15))
    zl, zu = (float(stats.norm.ppf(dist.cdf(v))) for v in (0.5, 12.0))
    assert cap.index("ppk") == pytest.approx(
        min(zu - z.mean(), z.mean() - zl) / (3 * np.std(z, ddof=1)), rel=1e-9)


@pytest.mark.parametrize("n,warned", [(60, True), (1500, False)])
def test_nonparametric(n: int, warned: bool) -> None:
    x = np.random.default_rng(5).gamma(4.0, 2.0, n)
    lsl, usl = 0.5, 40.0
    cap = spc.capability(frame(x), value="x", lsl=lsl, usl=usl, distribution="nonparametric")
    assert any("1000 or more values" in n_ for n_ in cap.notes) is warned
    lo, med, hi = np.quantile(x, [P_LO, 0.5, P_HI], method="weibull")
    assert cap.index("pp") == pytest.approx((usl - lsl) / (hi - lo), rel=1e-12)
    assert cap.index("ppk") == pytest.approx(
        min((med - lsl) / (med - lo), (usl - med) / (hi - med)), rel=1e-12)
    assert cap.ppm.loc["expected overall", "total"] == cap.ppm.loc["observed", "total"]
    assert cap.distribution == "empirical"


def test_unknown_distribution(normal25: np.ndarray) -> None:
    with pytest.raises(ValueError, match="unknown distribution"):
        spc.capability(frame(normal25), value="x", lsl=24.9, usl=25.1,
                       distribution="cauchy")  # type: ignore[arg-type]


# ------------------------------------------------------------------ sigma methods


@pytest.fixture
def grouped() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    return frame(rng.normal(10, 1, 100), np.repeat(np.arange(20), 5))


@pytest.mark.parametrize("method", ["auto", "pooled", "rbar", "sbar"])
def test_sigma_methods_with_subgroups(grouped: pd.DataFrame, method: str) -> None:
    cap = spc.capability(grouped, value="x", subgroup="g", lsl=6, usl=14, sigma_method=method)
    g = grouped.groupby("g")["x"]
    sd, rng_, n = g.std(ddof=1).to_numpy(), (g.max() - g.min()).to_numpy(), g.size().to_numpy()
    expected = {"auto": _sigma.sigma_pooled(sd, n), "pooled": _sigma.sigma_pooled(sd, n),
                "rbar": _sigma.sigma_rbar(rng_, n), "sbar": _sigma.sigma_sbar(sd, n)}[method]
    assert cap.sigma_within == pytest.approx(expected, rel=1e-12)
    assert cap.index("cp") == pytest.approx(8 / (6 * expected), rel=1e-12)
    # Cp CI df: sum(n_i - 1) = 80
    r = cap.indices.set_index("index").loc["cp"]
    assert r["lower"] == pytest.approx(r["estimate"] * math.sqrt(stats.chi2.ppf(0.025, 80) / 80))


def test_pooled_sigma_closed_form(grouped: pd.DataFrame) -> None:
    cap = spc.capability(grouped, value="x", subgroup="g", lsl=6, usl=14, sigma_method="pooled")
    dof = 80
    sp = math.sqrt(grouped.groupby("g")["x"].var(ddof=1).sum() * 4 / dof)
    c4 = math.sqrt(2 / dof) * math.exp(math.lgamma((dof + 1) / 2) - math.lgamma(dof / 2))
    assert cap.sigma_within == pytest.approx(sp / c4, rel=1e-12)


@pytest.mark.parametrize("method", ["auto", "mrbar", "median_mr"])
def test_sigma_methods_individuals(grouped: pd.DataFrame, method: str) -> None:
    x = grouped["x"].to_numpy()
    cap = spc.capability(grouped, value="x", lsl=6, usl=14, sigma_method=method)
    mr = np.abs(np.diff(x))
    expected = (_sigma.sigma_median_mr(mr) if method == "median_mr" else _sigma.sigma_mrbar(mr))
    assert cap.sigma_within == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("subgroup,method", [("g", "mrbar"), (None, "pooled"), (None, "rbar")])
def test_sigma_method_not_matching_layout(grouped: pd.DataFrame, subgroup: str | None,
                                          method: str) -> None:
    with pytest.raises(ValueError, match="sigma_method"):
        spc.capability(grouped, value="x", subgroup=subgroup, lsl=6, usl=14, sigma_method=method)


# ------------------------------------------------------------------ by= and specs


def test_by_with_specs_table() -> None:
    rng = np.random.default_rng(4)
    data = pd.concat([
        pd.DataFrame({"characteristic": "bore", "x": rng.normal(25, 0.01, 80)}),
        pd.DataFrame({"characteristic": "runout", "x": rng.normal(20, 3, 80)}),
        pd.DataFrame({"characteristic": "length", "x": rng.normal(120, 0.05, 80)}),
        pd.DataFrame({"characteristic": "tiny", "x": [8.0]}),
    ], ignore_index=True)
    specs = pd.DataFrame({"characteristic": ["bore", "runout", "tiny", "unused"],
                          "product": ["A", "A", "A", "A"],
                          "lsl": [24.95, np.nan, 7.9, 1.0], "usl": [25.05, 40.0, 8.1, 2.0],
                          "target": [25.0, np.nan, np.nan, np.nan]})
    before = data.copy()
    table = _quiet_table(data, specs)
    pd.testing.assert_frame_equal(data, before)
    assert set(table) == {"bore", "runout"}
    assert "no specification" in table.failures["length"]
    assert "at least 2 values" in table.failures["tiny"]
    assert "unused" not in table.failures
    # each result equals the single-characteristic call
    bore = quiet_cap(data[data.characteristic == "bore"], value="x", lsl=24.95, usl=25.05,
                     target=25.0)
    pd.testing.assert_frame_equal(table["bore"].indices, bore.indices)
    assert table["runout"].lsl is None and table["runout"].usl == 40.0
    out = table.to_frame()
    assert list(out["characteristic"]) == ["bore", "runout"]
    assert np.isnan(out.loc[out.characteristic == "runout", "cp"]).all()
    assert out.loc[0, "cpk"] == pytest.approx(bore.index("cpk"))
    assert "length" in str(table.summary())
    assert "2 results, 2 without result" in repr(table)


def _quiet_table(data: pd.DataFrame, specs: pd.DataFrame) -> spc.CapabilityTable:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LeankitWarning)
        table = spc.capability(data, value="x", by="characteristic", specs=specs)
    assert isinstance(table, spc.CapabilityTable)
    return table


def test_by_specs_without_shared_column() -> None:
    data = pd.DataFrame({"characteristic": ["a"] * 5, "x": [1.0, 2, 3, 2, 1]})
    with pytest.raises(ValueError, match="shares none"):
        spc.capability(data, value="x", by="characteristic",
                       specs=pd.DataFrame({"name": ["a"], "lsl": [0], "usl": [4]}))


# ------------------------------------------------------------------ attribute capability


def test_attribute_defectives_clopper_pearson() -> None:
    lots = pd.DataFrame({"bad": [3, 5, 2, 0, 4], "n": [500, 480, 520, 500, 500]})
    res = spc.attribute_capability(lots, count="bad", size="n", confidence=0.9)
    k, n = 14, 2500
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="exact")
    t = res.table.set_index("measure")
    assert t.loc["% defective", "estimate"] == pytest.approx(100 * k / n)
    assert t.loc["% defective", "lower"] == pytest.approx(100 * ci.low, rel=1e-9)
    assert t.loc["% defective", "upper"] == pytest.approx(100 * ci.high, rel=1e-9)
    assert t.loc["PPM defective"].to_numpy() == pytest.approx(
        [1e6 * k / n, 1e6 * ci.low, 1e6 * ci.high], rel=1e-9)
    z = stats.norm.isf(k / n)
    assert t.loc["process Z", "estimate"] == pytest.approx(z)
    assert t.loc["process Z", "lower"] == pytest.approx(stats.norm.isf(ci.high), rel=1e-9)
    assert res.sigma_level == pytest.approx(z + 1.5)
    assert (res.units, res.count) == (n, k)


def test_attribute_defects_poisson() -> None:
    days = pd.DataFrame({"defects": [7, 3, 9, 4], "units": [50, 40, 60, 50]})
    res = spc.attribute_capability(days, count="defects", size="units", kind="defects",
                                   opportunities=8, shift=0)
    c, u = 23, 200
    lo, hi = stats.gamma.ppf(0.025, c) / u, stats.gamma.ppf(0.975, c + 1) / u
    t = res.table.set_index("measure")
    assert t.loc["DPU"].to_numpy() == pytest.approx([c / u, lo, hi], rel=1e-9)
    assert t.loc["DPMO"].to_numpy() == pytest.approx(
        [c / (u * 8) * 1e6, lo / 8 * 1e6, hi / 8 * 1e6], rel=1e-9)
    assert res.sigma_level == pytest.approx(stats.norm.isf(c / (u * 8)))
    assert "8 opportunities" in " ".join(res.notes)


def test_attribute_zero_defects_note() -> None:
    res = spc.attribute_capability(pd.DataFrame({"c": [0, 0], "n": [100, 100]}), count="c",
                                   size="n")
    t = res.table.set_index("measure")
    assert t.loc["% defective", "lower"] == 0
    assert t.loc["% defective", "upper"] == pytest.approx(100 * (1 - 0.025 ** (1 / 200)))
    assert any("no defects" in n for n in res.notes)
    assert np.isfinite(res.sigma_level)


@pytest.mark.parametrize("bad", [{"c": [-1], "n": [10]}, {"c": [11], "n": [10]},
                                 {"c": [1], "n": [0]}])
def test_attribute_bad_counts(bad: dict) -> None:
    with pytest.raises(ValueError):
        spc.attribute_capability(pd.DataFrame(bad), count="c", size="n")


# ------------------------------------------------------------------ summary, figure


def test_summary_text_and_html(normal25: np.ndarray) -> None:
    cap = spc.capability(frame(normal25), value="x", lsl=24.95, usl=25.05, target=25.0)
    text = str(cap.summary())
    for word in ("Capability normal", "Indices", "cpk", "95% CI lower", "PPM",
                 "Anderson-Darling", "Notes", "sigma level"):
        assert word in text, word
    html = cap.summary().to_html()
    assert html.startswith("<div") and "<table" in html and "cpm" in html
    assert cap.to_frame().equals(cap.indices) and cap.to_frame() is not cap.indices
    attr = spc.attribute_capability(pd.DataFrame({"c": [1], "n": [100]}), count="c", size="n")
    assert "% defective" in str(attr.summary()) and "<table" in attr.summary().to_html()


@pytest.mark.parametrize("distribution", ["normal", "lognormal", "nonparametric", "boxcox"])
def test_figure(skewed: np.ndarray, distribution: str) -> None:
    cap = quiet_cap(frame(skewed), value="x", lsl=0.5, usl=30.0, target=3.0,
                    distribution=distribution)
    fig = cap.figure()
    assert isinstance(fig, go.Figure)
    assert "xaxis2" in fig.layout and "xaxis3" not in fig.layout
    kinds = {type(t).__name__ for t in fig.data}
    assert {"Bar", "Scatter"} <= kinds  # histogram drawn as pre-binned bars
    vlines = sorted(s.x0 for s in fig.layout.shapes)
    assert vlines == [0.5, 3.0, 30.0]
    texts = {a.text for a in fig.layout.annotations}
    assert {"LSL", "USL", "Target"} <= texts
    fig.to_html(include_plotlyjs=False)


# ------------------------------------------------------------------ command line


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from leankit import io as lio

    out = tmp_path_factory.mktemp("plant") / "ds"
    data = REPO / "sample_data"
    lio.ingest(data / "specs.csv", kind="specs", out=out)
    lio.ingest([data / "measurements" / "line1_gauge.csv",
                data / "measurements" / "line2_cmm.xlsx"], kind="measurements", out=out)
    return out


def test_cli_capability_by_characteristic(plant: Path, capsys: pytest.CaptureFixture) -> None:
    from leankit import io as lio

    chars = sorted(lio.read_table(plant, "measurements")["characteristic"].unique())
    rc = main(["capability", str(plant), "--kind", "measurements", "--value", "value",
               "--by", "characteristic"])
    assert rc == 0
    out = capsys.readouterr().out
    table, _, notes = out.partition("\nnotes:\n")
    # warnings are notes naming the characteristic, not raw Python warnings
    assert "bore_diameter: the data do not look normal" in notes
    lines = table.strip().splitlines()
    assert lines[0].split()[:3] == ["characteristic", "n", "method"]
    body = [ln.split()[0] for ln in lines[1:]]
    assert body == chars
    assert len(body) == len(set(body))


def test_cli_capability_single_writes_figure(plant: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    html = tmp_path / "cap.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        rc = main(["capability", str(plant), "--kind", "measurements", "--value", "value",
                   "--where", "characteristic=flange_thickness", "--lsl", "7.9", "--usl", "8.1",
                   "--target", "8.0", "--out", str(html)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "Indices" in out and "cpk" in out and f"figure written to {html}" in out
    text = html.read_text("utf-8")
    assert "<html>" in text[:200] and "plotly" in text.lower()


def test_cli_capability_finds_the_specs_of_the_filtered_characteristic(
        plant: Path, capsys: pytest.CaptureFixture) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        rc = main(["capability", str(plant), "--kind", "measurements", "--value", "value",
                   "--where", "characteristic=flange_thickness"])
    assert rc == 0
    assert "LSL 7.9, target 8, USL 8.1" in capsys.readouterr().out
