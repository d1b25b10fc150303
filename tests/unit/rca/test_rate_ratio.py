"""rca.rate_ratio: rate ratio of two groups of units with the quasi-Poisson widening for
overdispersion, checked against statsmodels' GLM (Poisson family, Pearson χ² scale,
Student t — R's ``glm(family = quasipoisson)``) and the exact conditional comparison."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leankit import rca
from leankit.errors import ColumnNotFoundError, InsufficientDataError, LeankitError


def _groups(seed: int = 3, shape: float = 4.0, ratio: float = 0.7, n0: int = 40,
            n1: int = 14) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    e0 = rng.integers(900, 1300, n0)
    e1 = rng.integers(900, 1300, n1)
    c0 = rng.poisson(0.04 * e0 * rng.gamma(shape, 1 / shape, n0))
    c1 = rng.poisson(0.04 * ratio * e1 * rng.gamma(shape, 1 / shape, n1))
    return (pd.DataFrame({"count": c0, "units": e0}), pd.DataFrame({"count": c1, "units": e1}))


def test_overdispersed_matches_statsmodels_quasi_poisson():
    import statsmodels.api as sm

    b, a = _groups()
    r = rca.rate_ratio(b, a, count="count", exposure="units")
    assert r.overdispersed and r.dispersion > 1.5
    y = np.r_[b["count"], a["count"]]
    x = sm.add_constant(np.r_[np.zeros(len(b)), np.ones(len(a))])
    off = np.log(np.r_[b["units"], a["units"]].astype(float))
    fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=off).fit(scale="X2", use_t=True)
    assert r.ratio == pytest.approx(math.exp(fit.params[1]), rel=1e-9)
    lo, hi = np.exp(fit.conf_int(alpha=0.05)[1])
    assert (r.lower, r.upper) == pytest.approx((lo, hi), rel=1e-7)
    assert r.p_value == pytest.approx(fit.pvalues[1], rel=1e-6)
    assert r.dispersion == pytest.approx(fit.scale, rel=1e-9)
    # wider than the exact Poisson interval of the pooled counts
    assert r.lower < r.exact.lower and r.upper > r.exact.upper
    assert "Quasi-Poisson" in r.method


def test_poisson_data_use_the_exact_interval():
    rng = np.random.default_rng(7)
    b = pd.DataFrame({"c": rng.poisson(40, 30), "n": 1000})
    a = pd.DataFrame({"c": rng.poisson(40, 30), "n": 1000})
    r = rca.rate_ratio(b, a, count="c", exposure="n")
    if r.dispersion <= 1:
        assert (r.lower, r.upper, r.p_value) == (r.exact.lower, r.exact.upper, r.exact.p_value)
        assert "Exact conditional" in r.method


def test_verdicts_follow_the_interval():
    b, a = _groups(ratio=0.5, n1=20)
    assert rca.rate_ratio(b, a, count="count", exposure="units").verdict == "improved"
    assert rca.rate_ratio(a, b, count="count", exposure="units").verdict == "worse"
    b, a = _groups(ratio=1.0, n1=6, seed=11)
    r = rca.rate_ratio(b, a, count="count", exposure="units")
    assert r.lower < 1 < r.upper and r.verdict == "no evidence of improvement"
    hi = rca.rate_ratio(b, a, count="count", exposure="units", better="higher")
    assert hi.verdict == "no evidence of improvement"
    up = rca.rate_ratio(*_groups(ratio=2.0, n1=20), count="count", exposure="units",
                        better="higher")
    assert up.verdict == "improved"


def test_table_summary_and_text():
    b, a = _groups()
    r = rca.rate_ratio(b, a, count="count", exposure="units", labels=("rest", "cell"))
    t = r.to_frame()
    assert list(t["group"]) == ["rest", "cell", "ratio cell/rest"]
    assert t["count"].iloc[0] == b["count"].sum()
    assert "ratio" in r.ci_text() and "CI" in r.ci_text()
    assert "Rate ratio cell/rest" in str(r.summary())


def test_errors_say_what_to_fix():
    b, a = _groups()
    with pytest.raises(ColumnNotFoundError):
        rca.rate_ratio(b, a, count="defects", exposure="units")
    bad = b.assign(count=b["count"].astype(float))
    bad.loc[3, "count"] = -1
    with pytest.raises(LeankitError, match="not counts >= 0.*row 3"):
        rca.rate_ratio(bad, a, count="count", exposure="units")
    with pytest.raises(InsufficientDataError, match="no exposure"):
        rca.rate_ratio(b.assign(units=0), a, count="count", exposure="units")
    with pytest.raises(ValueError, match="better"):
        rca.rate_ratio(b, a, count="count", exposure="units", better="down")  # type: ignore


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), ratio=st.floats(0.3, 3.0))
def test_swapping_the_groups_inverts_ratio_and_interval(seed: int, ratio: float):
    b, a = _groups(seed=seed, ratio=ratio, n0=12, n1=9)
    if b["count"].sum() == 0 or a["count"].sum() == 0:
        return
    r = rca.rate_ratio(b, a, count="count", exposure="units")
    s = rca.rate_ratio(a, b, count="count", exposure="units")
    assert s.ratio == pytest.approx(1 / r.ratio, rel=1e-9)
    assert s.lower == pytest.approx(1 / r.upper, rel=1e-6)
    assert s.upper == pytest.approx(1 / r.lower, rel=1e-6)
    assert r.lower <= r.ratio <= r.upper
    assert s.p_value == pytest.approx(r.p_value, rel=1e-6, abs=1e-12)
