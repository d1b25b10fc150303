"""Property tests for the EWMA and CUSUM charts (hypothesis, "ci" profile).

* EWMA with λ = 1 is the Shewhart chart (X̄ of xbar_r, I of i_mr) with the same sigma.
* CUSUM sums are never negative, reset to 0 exactly when the recursion says so, and
  equal a plain loop of the textbook recursion.
* Shifting / scaling the data shifts / scales every EWMA statistic and limit; the CUSUM
  sums are invariant (a sign flip swaps the upper and lower sums).
* ``monitor()`` after Phase I continues the recursion: the same as one chart over all
  points with the Phase I parameters given as standards.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from leankit import spc
from leankit.errors import AssumptionWarning
from leankit.spc._cusum import tabular_cusum
from strategies import individuals

RTOL = 1e-9


@pytest.fixture(autouse=True)
def _few_subgroups_ok() -> Iterator[None]:
    # short random baselines draw the "fewer than 20 subgroups" AssumptionWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        yield


@st.composite
def subgrouped(draw: st.DrawFn) -> pd.DataFrame:
    m = draw(st.integers(3, 30))
    n = draw(st.integers(2, 6))
    ints = draw(st.lists(st.integers(-5000, 5000), min_size=m * n, max_size=m * n))
    df = pd.DataFrame({"sg": np.repeat(np.arange(1, m + 1), n),
                       "x": 10.0 + np.array(ints, dtype=float) / 1000.0})
    assume(df.groupby("sg")["x"].nunique().max() > 1)
    return df




data_sets = st.one_of(subgrouped(), individuals(max_points=60))


def _sub(df: pd.DataFrame) -> str:
    return "sg" if "sg" in df else "id"


@given(df=data_sets, nsigmas=st.sampled_from([2.0, 2.7, 3.0]))
def test_ewma_lambda_one_is_shewhart(df: pd.DataFrame, nsigmas: float) -> None:
    if "sg" in df:
        ref = spc.xbar_r(df, value="x", subgroup="sg", nsigmas=nsigmas, rules="limits")
        main = ref.panel("xbar").to_frame()
    else:
        ref = spc.i_mr(df, value="x", subgroup="id", nsigmas=nsigmas, rules="limits")
        main = ref.panel("i").to_frame()
    for kind in ("time_varying", "asymptotic"):
        e = spc.ewma(df, value="x", subgroup=_sub(df), lam=1.0, nsigmas=nsigmas,
                     limits=kind).to_frame()
        for col in ("statistic", "center", "lcl", "ucl", "sigma_statistic"):
            np.testing.assert_allclose(e[col], main[col], rtol=RTOL, atol=1e-12)
        assert e["signal"].tolist() == main["signal"].tolist()


@given(df=data_sets, k=st.sampled_from([0.0, 0.25, 0.5, 1.0]),
       h=st.sampled_from([1.0, 4.0, 5.0]), fir=st.sampled_from([0.0, 0.5]))
def test_cusum_sums_nonnegative_and_recursive(df: pd.DataFrame, k: float, h: float,
                                              fir: float) -> None:
    chart = spc.cusum(df, value="x", subgroup=_sub(df), k=k, h=h, head_start=fir * h)
    f = chart.to_frame()
    up = f[f.panel == "upper"]
    low = f[f.panel == "lower"]
    lim = chart.frozen_limits().params
    means = df.groupby(_sub(df), sort=False)["x"].mean().to_numpy()
    n = df.groupby(_sub(df), sort=False)["x"].size().to_numpy()
    z = (means - lim["mu"]) / (lim["sigma"] / np.sqrt(n))
    cp = cm = fir * h
    exp_up, exp_low = [], []
    for zi in z:
        cp = max(0.0, zi - k + cp)
        cm = max(0.0, -zi - k + cm)
        exp_up.append(cp)
        exp_low.append(cm)
    for got, exp in ((up["statistic"].to_numpy(), np.asarray(exp_up)),
                     (low["statistic"].to_numpy(), np.asarray(exp_low))):
        assert (got >= 0).all()
        np.testing.assert_allclose(got, exp, rtol=1e-9, atol=1e-9)
        # the sum resets to 0 where the recursion does (up to rounding of the sums)
        assert (got[exp == 0] <= 1e-9).all() and (exp[got == 0] <= 1e-9).all()
        clear = np.abs(exp - h) > 1e-9
        assert ((got > h) == (exp > h))[clear].all()
    assert up["signal"].tolist() == (up["statistic"] > h).tolist()


@given(y=st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=300),
       start=st.floats(0, 4))
def test_tabular_cusum_matches_loop(y: list[float], start: float) -> None:
    c, out = start, []
    for v in y:
        c = max(0.0, c + v)
        out.append(c)
    got = tabular_cusum(y, start)
    assert (got >= 0).all()
    np.testing.assert_allclose(got, out, rtol=1e-12, atol=1e-12)


@given(df=data_sets, a=st.sampled_from([-50.0, 0.0, 3.5, 1000.0]),
       b=st.sampled_from([0.01, 0.5, 2.0, 100.0]), lam=st.sampled_from([0.05, 0.2, 0.6]))
def test_shift_scale(df: pd.DataFrame, a: float, b: float, lam: float) -> None:
    moved = df.assign(x=a + b * df["x"])
    sub = _sub(df)
    e0 = spc.ewma(df, value="x", subgroup=sub, lam=lam).to_frame()
    e1 = spc.ewma(moved, value="x", subgroup=sub, lam=lam).to_frame()
    for col in ("statistic", "center", "lcl", "ucl", "mean"):
        np.testing.assert_allclose(e1[col], a + b * e0[col], rtol=1e-9, atol=1e-9 * abs(b))
    np.testing.assert_allclose(e1["sigma_statistic"], b * e0["sigma_statistic"], rtol=1e-9)
    c0 = spc.cusum(df, value="x", subgroup=sub).to_frame()
    c1 = spc.cusum(moved, value="x", subgroup=sub).to_frame()
    np.testing.assert_allclose(c1["statistic"], c0["statistic"], rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(c1[["center", "ucl"]], c0[["center", "ucl"]])
    # a sign flip swaps the upper and lower sums
    flipped = spc.cusum(df.assign(x=-df["x"]), value="x", subgroup=sub).to_frame()
    np.testing.assert_allclose(flipped[flipped.panel == "upper"]["statistic"],
                               c0[c0.panel == "lower"]["statistic"], rtol=1e-9, atol=1e-9)


@given(df=data_sets, split=st.floats(0.3, 0.8), lam=st.sampled_from([0.1, 0.2, 1.0]),
       kind=st.sampled_from(["time_varying", "asymptotic"]))
def test_monitor_continues_the_recursion(df: pd.DataFrame, split: float, lam: float,
                                         kind: str) -> None:
    sub = _sub(df)
    keys = df[sub].unique()
    cut = max(2, int(len(keys) * split))
    assume(cut < len(keys))
    base = df[df[sub].isin(keys[:cut])]
    new = df[~df[sub].isin(keys[:cut])]
    assume(base.groupby(sub)["x"].nunique().max() > 1 if sub == "sg"
           else base["x"].diff().abs().sum() > 0)
    e = spc.ewma(base, value="x", subgroup=sub, lam=lam, limits=kind)
    p = e.frozen_limits().params
    whole = spc.ewma(df, value="x", subgroup=sub, lam=lam, limits=kind, mu=p["mu"],
                     sigma=p["sigma"]).to_frame()
    mon = e.monitor(new).to_frame()
    for col in ("statistic", "lcl", "ucl"):
        np.testing.assert_allclose(mon[col], whole[col], rtol=1e-12)
    assert mon["phase"].tolist() == ["I"] * cut + ["II"] * (len(keys) - cut)
    c = spc.cusum(base, value="x", subgroup=sub, head_start=1.0)
    cw = spc.cusum(df, value="x", subgroup=sub, head_start=1.0, mu=p["mu"],
                   sigma=p["sigma"]).to_frame()
    np.testing.assert_allclose(c.monitor(new).to_frame()["statistic"], cw["statistic"],
                               rtol=1e-12, atol=1e-12)
