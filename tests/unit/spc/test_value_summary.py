"""Value summaries computed in an engine, and capability from them: checked against
:func:`leankit.spc.capability` on the same raw values (an independent route through
numpy) and against numpy's quantiles and histograms."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leankit import datasets, spc
from leankit.errors import AssumptionWarning, ColumnNotFoundError, InsufficientDataError

IDX = ["estimate", "lower", "upper"]


def _frame(n: int = 3000, size: int = 5, seed: int = 1, dist: str = "normal") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(10.0, 0.1, n) if dist == "normal" else 9.6 + rng.gamma(2.0, 0.1, n)
    return pd.DataFrame({"value": x, "g": np.repeat(np.arange(n // size + 1), size)[:n],
                         "timestamp": pd.date_range("2026-01-05", periods=n, freq="min",
                                                    tz="UTC")})


def _same(a: spc.Capability, b: spc.Capability, tol: float = 1e-11) -> None:
    ia, ib = a.indices.set_index("index"), b.indices.set_index("index")
    assert list(ia.index) == list(ib.index)
    np.testing.assert_allclose(ia[IDX].to_numpy(float), ib[IDX].to_numpy(float), rtol=tol,
                               atol=tol, equal_nan=True)
    np.testing.assert_allclose(a.ppm.to_numpy(float), b.ppm.to_numpy(float), rtol=1e-9,
                               atol=1e-6, equal_nan=True)
    assert a.n == b.n and a.method == b.method


def test_moments_quantiles_and_counts_match_numpy() -> None:
    df = _frame()
    x = df["value"].to_numpy()
    s = spc.value_summary(df, lsl=9.8, usl=10.25)
    assert s.n == len(x)
    assert s.mean == pytest.approx(x.mean(), rel=1e-13)
    assert s.sd == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert (s.min, s.max) == (x.min(), x.max())
    assert s.below_lsl == int((x < 9.8).sum()) and s.above_usl == int((x > 10.25).sum())
    ps = s.quantiles["p"].to_numpy()
    np.testing.assert_allclose(s.quantiles["value"], np.quantile(x, ps, method="weibull"),
                               rtol=0, atol=1e-12)  # Hyndman-Fan type 6 (Minitab)
    assert s.histogram["count"].sum() == len(x)
    counts, _ = np.histogram(x, bins=np.r_[s.histogram["left"], s.histogram["right"].iloc[-1]])
    assert (counts == s.histogram["count"].to_numpy()).all()
    assert s.mr_mean == pytest.approx(np.abs(np.diff(x)).mean(), rel=1e-12)
    assert len(s.sample) == 3000  # every value: fewer than sample_size
    small = spc.value_summary(df, sample_size=500)
    assert len(small.sample) == 500
    np.testing.assert_array_equal(small.sample, x[::6])  # every 6th value in time order


def test_value_summary_of_a_column_with_missing_values_counts_only_values() -> None:
    df = _frame(100)
    df.loc[::10, "value"] = np.nan
    s = spc.value_summary(df)
    assert s.n == 90 and s.mean == pytest.approx(df["value"].mean(), rel=1e-13)


@pytest.mark.parametrize("method", ["auto", "pooled", "rbar", "sbar"])
def test_capability_from_summary_equals_raw_with_subgroups(method: str) -> None:
    df = _frame()
    s = spc.value_summary(df, subgroup="g", lsl=9.75, usl=10.3)
    raw = spc.capability(df, value="value", subgroup="g", lsl=9.75, usl=10.3, target=10.05,
                         sigma_method=method)  # type: ignore[arg-type]
    _same(spc.capability(s, target=10.05, sigma_method=method), raw)  # type: ignore[arg-type]


def test_capability_from_summary_equals_raw_for_individuals_and_one_sided() -> None:
    df = _frame(800)
    s = spc.value_summary(df, usl=10.3)
    _same(spc.capability(s), spc.capability(df, value="value", usl=10.3))
    s2 = spc.value_summary(df, lsl=9.7)
    _same(spc.capability(s2, target=10.0),
          spc.capability(df, value="value", lsl=9.7, target=10.0))


def test_piston_rings_from_summary_equal_montgomery_example() -> None:
    # Montgomery (2009) Example 6.1/8.x: trial rings, LSL 73.95, USL 74.05, R-bar/d2
    rings = datasets.piston_rings()
    trial = rings[rings.trial]
    s = spc.value_summary(trial, value="diameter", subgroup="sample", time="sample",
                          lsl=73.95, usl=74.05)
    cap = spc.capability(s, sigma_method="rbar")
    assert round(cap.index("cp"), 2) == 1.7  # Montgomery: Cp = 1.68 with sigma 0.0099
    _same(cap, spc.capability(trial, value="diameter", subgroup="sample", lsl=73.95,
                              usl=74.05, sigma_method="rbar"))


def test_nonparametric_and_auto_from_summary() -> None:
    df = _frame(4000, dist="gamma")
    s = spc.value_summary(df, lsl=9.55, usl=10.6)
    raw = spc.capability(df, value="value", lsl=9.55, usl=10.6, distribution="nonparametric")
    _same(spc.capability(s, distribution="nonparametric"), raw)
    auto = spc.capability(s, distribution="auto")
    assert auto.method == "nonparametric"  # the skewed sample is not normal
    assert any("not normal" in n for n in auto.notes)
    assert spc.capability(spc.value_summary(_frame(), lsl=9.7, usl=10.3),
                          distribution="auto").method == "normal"
    with pytest.warns(AssumptionWarning, match="do not look normal"):
        spc.capability(s)


def test_figure_uses_engine_bins_and_quantiles() -> None:
    df = _frame()
    cap = spc.capability(spc.value_summary(df, subgroup="g", lsl=9.7, usl=10.3, bins=30))
    fig = cap.figure(unit="mm")
    bars = fig.data[0]
    widths = np.asarray(bars.width, dtype=float)
    assert len(bars.y) == 30
    assert np.sum(np.asarray(bars.y) * widths) == pytest.approx(1.0)  # a density
    pp = [t for t in fig.data if t.name == "data vs model"][0]
    assert len(pp.y) == len(cap.probability)


def test_summary_results_pickle_and_are_frozen() -> None:
    s = spc.value_summary(_frame(200), subgroup="g", lsl=9.7, usl=10.3)
    again = pickle.loads(pickle.dumps(s))
    assert again.n == s.n and again.quantiles.equals(s.quantiles)
    with pytest.raises(AttributeError):
        s.n = 3  # type: ignore[misc]


def test_clear_errors() -> None:
    df = _frame(200)
    with pytest.raises(ColumnNotFoundError):
        spc.value_summary(df, value="nope")
    with pytest.raises(InsufficientDataError, match="no values"):
        spc.value_summary(df.assign(value=np.nan))
    with pytest.raises(ValueError, match="probabilities"):
        spc.value_summary(df, probabilities=[0.5, 1.0])
    s = spc.value_summary(df, lsl=9.7, usl=10.3)
    with pytest.raises(ValueError, match=r"needs the raw values.*normal, nonparametric"):
        spc.capability(s, distribution="weibull")
    with pytest.raises(ValueError, match=r"counted values against USL = 10.3.*usl=10.4"):
        spc.capability(s, usl=10.4)
    with pytest.raises(ValueError, match="lsl= and/or usl="):
        spc.capability(spc.value_summary(df))
    with pytest.raises(ValueError, match="mean moving range only"):
        spc.capability(s, sigma_method="rbar")
    with pytest.raises(InsufficientDataError, match="zero variation"):
        spc.capability(spc.value_summary(df.assign(value=1.0), usl=2.0))
    with pytest.raises(ValueError, match="same unit"):
        spc.capability(spc.value_summary(df, usl=10300.0))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(20, 400), size=st.integers(2, 6), seed=st.integers(0, 10**6),
       scale=st.floats(0.01, 100.0), shift=st.floats(-1e3, 1e3))
def test_summary_route_equals_raw_route(n: int, size: int, seed: int, scale: float,
                                        shift: float) -> None:
    df = _frame(n, size, seed)
    df["value"] = df["value"] * scale + shift
    lsl, usl = 9.7 * scale + shift, 10.3 * scale + shift
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = spc.capability(df, value="value", subgroup="g", lsl=lsl, usl=usl)
        got = spc.capability(spc.value_summary(df, subgroup="g", lsl=lsl, usl=usl))
    _same(got, raw, tol=1e-8)


@pytest.mark.parametrize("dist", ["lognormal", "exponential"])
def test_lognormal_and_exponential_from_the_moments_equal_raw(dist: str) -> None:
    rng = np.random.default_rng(7)
    x = rng.lognormal(0.5, 0.3, 3000) if dist == "lognormal" else rng.exponential(2.0, 3000)
    df = pd.DataFrame({"value": x, "timestamp": pd.date_range("2026-01-05", periods=3000,
                                                              freq="min", tz="UTC")})
    s = spc.value_summary(df, usl=8.0)
    assert s.log_mean == pytest.approx(np.log(x).mean(), rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = spc.capability(df, value="value", usl=8.0, distribution=dist)  # type: ignore[arg-type]
        got = spc.capability(s, distribution=dist)  # type: ignore[arg-type]
    _same(got, raw, tol=1e-7)  # scipy's lognorm.fit(floc=0) is the closed form to ~1e-9
    assert got.distribution == dist and got.method == "percentile"
    neg = spc.value_summary(df.assign(value=df["value"] - 1.0), usl=8.0)
    with pytest.raises(ValueError, match="positive data"):
        spc.capability(neg, distribution="lognormal")
