"""Property tests for the Shewhart charts (hypothesis, "ci" profile from tests/conftest.py).

Invariances that must hold for any data: location/scale equivariance, invariance under
permutations within a subgroup and under row order, p/u centers as pooled ratios,
non-negative lower limits for counts and dispersions, and no mutation of the input.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from leankit import spc
from leankit.errors import AssumptionWarning, DataQualityWarning
from strategies import individuals

RTOL = 1e-9


@st.composite
def subgrouped(draw: st.DrawFn, min_groups: int = 3, max_groups: int = 25) -> pd.DataFrame:
    """Tidy subgrouped data, constant n (2..8), values on a 1e-3 grid around 10."""
    m = draw(st.integers(min_groups, max_groups))
    n = draw(st.integers(2, 8))
    ints = draw(st.lists(st.integers(-5000, 5000), min_size=m * n, max_size=m * n))
    values = 10.0 + np.array(ints, dtype=float) / 1000.0
    df = pd.DataFrame({"sg": np.repeat(np.arange(1, m + 1), n), "x": values})
    # at least two distinct values within some subgroup (sigma > 0)
    assume(df.groupby("sg")["x"].nunique().max() > 1)
    return df




@st.composite
def counts(draw: st.DrawFn, variable: bool = True) -> pd.DataFrame:
    m = draw(st.integers(2, 30))
    if variable:
        sizes = draw(st.lists(st.integers(1, 400), min_size=m, max_size=m))
    else:
        sizes = [draw(st.integers(1, 400))] * m
    cnt = [draw(st.integers(0, s)) for s in sizes]
    assume(0 < sum(cnt) < sum(sizes))
    return pd.DataFrame({"sg": np.arange(1, m + 1), "d": cnt, "n": sizes})


VAR_CHARTS = {"xbar_r": ("r", spc.xbar_r), "xbar_s": ("s", spc.xbar_s)}


def build(kind: str, df: pd.DataFrame, **kw: object) -> spc.ControlChart:
    if kind == "i_mr":
        return spc.i_mr(df, value="x", subgroup="id", **kw)
    with warnings.catch_warnings():  # 3..25 subgroups: the few-subgroups warning is expected
        warnings.filterwarnings("ignore", ".* baseline subgroups;", AssumptionWarning)
        return VAR_CHARTS[kind][1](df, value="x", subgroup="sg", **kw)


def panels(kind: str) -> tuple[str, str]:
    return ("i", "mr") if kind == "i_mr" else ("xbar", VAR_CHARTS[kind][0])


def frame(chart: spc.ControlChart, panel: str) -> pd.DataFrame:
    pts = chart.to_frame()
    return pts[pts["panel"] == panel].reset_index(drop=True)


def signal_set(chart: spc.ControlChart) -> set[tuple]:
    s = chart.signals
    return set(zip(s["panel"], s["subgroup"], s["rule"], strict=True))


def data_for(kind: str) -> st.SearchStrategy[pd.DataFrame]:
    return individuals() if kind == "i_mr" else subgrouped()


@pytest.mark.parametrize("kind", ["xbar_r", "xbar_s", "i_mr"])
@given(data=st.data(), shift=st.integers(-10**6, 10**6))
def test_shift_moves_location_panel_and_leaves_dispersion(kind: str, data: st.DataObject,
                                                          shift: int) -> None:
    df = data.draw(data_for(kind))
    c = shift / 1000.0
    a, b = build(kind, df), build(kind, df.assign(x=df["x"] + c))
    loc, disp = panels(kind)
    fa, fb = frame(a, loc), frame(b, loc)
    scale = max(1.0, abs(c) + 20)
    for col in ("statistic", "center", "lcl", "ucl"):
        np.testing.assert_allclose(fb[col], fa[col] + c, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(fb["sigma_statistic"], fa["sigma_statistic"], rtol=1e-6,
                               atol=1e-9 * scale)
    da, db = frame(a, disp), frame(b, disp)
    for col in ("statistic", "center", "lcl", "ucl", "sigma_statistic"):
        np.testing.assert_allclose(db[col], da[col], rtol=1e-6, atol=1e-9 * scale)


@pytest.mark.parametrize("kind", ["xbar_r", "xbar_s", "i_mr"])
@given(data=st.data(), k=st.sampled_from([0.001, 0.5, 2.0, 3.0, 1000.0]))
def test_positive_scale_scales_everything(kind: str, data: st.DataObject, k: float) -> None:
    df = data.draw(data_for(kind))
    a, b = build(kind, df), build(kind, df.assign(x=df["x"] * k))
    for panel in panels(kind):
        fa, fb = frame(a, panel), frame(b, panel)
        for col in ("statistic", "center", "lcl", "ucl", "sigma_statistic"):
            np.testing.assert_allclose(fb[col], fa[col] * k, rtol=1e-9, atol=1e-12 * k)
    sa, sb = a.frozen_limits().params["sigma"], b.frozen_limits().params["sigma"]
    assert sb == pytest.approx(sa * k, rel=RTOL)


@pytest.mark.parametrize("kind", ["xbar_r", "xbar_s", "i_mr"])
@given(data=st.data(), shift=st.integers(-1000, 1000),
       k=st.sampled_from([0.25, 0.5, 2.0, 4.0]))
def test_signals_invariant_under_shift_and_scale(kind: str, data: st.DataObject, shift: int,
                                                 k: float) -> None:
    # power-of-two scales and shifts on the 1e-3 grid keep comparisons exact enough; points
    # within 1e-9 sigma of a limit or zone boundary are ruled out to avoid ties
    df = data.draw(data_for(kind))
    rules = "nelson"
    a = build(kind, df, rules=rules, dispersion_rules="we")
    b = build(kind, df.assign(x=df["x"] * k + shift), rules=rules, dispersion_rules="we")
    for panel in panels(kind):
        f = frame(a, panel).dropna(subset=["statistic"])
        z = ((f["statistic"] - f["center"]) / f["sigma_statistic"]).abs().to_numpy()
        bounds = np.array([0.0, 1.0, 2.0, 3.0])
        assume(np.all(np.abs(z[:, None] - bounds[None, :]) > 1e-7))
        assume(np.all(np.abs(f["statistic"] - f["lcl"]) > 1e-9 * f["sigma_statistic"]))
    assert signal_set(a) == signal_set(b)


@pytest.mark.parametrize("kind", ["xbar_r", "xbar_s"])
@given(data=st.data())
def test_permuting_within_subgroups_changes_nothing(kind: str, data: st.DataObject) -> None:
    df = data.draw(subgrouped())
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shuffled = (df.groupby("sg", group_keys=False)[["sg", "x"]]
                .apply(lambda g: g.iloc[rng.permutation(len(g))]).reset_index(drop=True))
    a, b = build(kind, df), build(kind, shuffled)
    fa, fb = a.to_frame(), b.to_frame()
    num = ["n", "statistic", "center", "lcl", "ucl", "sigma_statistic"]
    np.testing.assert_allclose(fb[num].to_numpy(float), fa[num].to_numpy(float), rtol=1e-12,
                               atol=1e-12)
    assert fa["rules"].tolist() == fb["rules"].tolist()


@pytest.mark.parametrize("chart", ["p", "u"])
@given(df=counts(), seed=st.integers(0, 2**32 - 1))
def test_pooled_center_and_row_order_with_time(chart: str, df: pd.DataFrame,
                                               seed: int) -> None:
    fn = spc.p_chart if chart == "p" else spc.u_chart
    df = df.assign(t=pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(df["sg"], "h"))
    a = fn(df, count="d", size="n", subgroup="sg", time="t")
    expected = df["d"].sum() / df["n"].sum()
    assert a.limits.iloc[0][chart] == pytest.approx(expected, rel=RTOL)
    np.testing.assert_allclose(a.to_frame()["center"], expected, rtol=RTOL)
    shuffled = df.sample(frac=1, random_state=seed % 2**32).reset_index(drop=True)
    b = fn(shuffled, count="d", size="n", subgroup="sg", time="t")
    fa, fb = a.to_frame(), b.to_frame()
    assert fb["subgroup"].tolist() == fa["subgroup"].tolist() == df["sg"].tolist()
    num = ["statistic", "center", "lcl", "ucl", "sigma_statistic"]
    np.testing.assert_allclose(fb[num].to_numpy(float), fa[num].to_numpy(float), rtol=1e-12)
    assert signal_set(a) == signal_set(b)


@given(df=counts(), which=st.sampled_from(["p", "u", "c", "np"]),
       nsig=st.sampled_from([1.0, 2.0, 3.0, 4.5]))
def test_attribute_lcl_nonnegative(df: pd.DataFrame, which: str, nsig: float) -> None:
    if which in ("c", "np"):
        df = df.assign(n=int(df["n"].max()))
        df = df.assign(d=np.minimum(df["d"], df["n"]))
        assume(0 < df["d"].sum() < df["n"].sum())
    fn = {"p": spc.p_chart, "u": spc.u_chart, "np": spc.np_chart, "c": spc.c_chart}[which]
    kw = {} if which == "c" else {"size": "n"}
    chart = fn(df, count="d", subgroup="sg", nsigmas=nsig, **kw)
    pts = chart.to_frame()
    assert (pts["lcl"] >= 0).all()
    assert (pts["lcl"] <= pts["center"]).all() and (pts["center"] <= pts["ucl"]).all()
    if which == "p":
        assert (pts["ucl"] <= 1).all()


@pytest.mark.parametrize("kind", ["xbar_r", "xbar_s", "i_mr"])
@given(data=st.data(), nsig=st.sampled_from([1.0, 2.0, 3.0, 6.0]))
def test_dispersion_lcl_nonnegative(kind: str, data: st.DataObject, nsig: float) -> None:
    df = data.draw(data_for(kind))
    chart = build(kind, df, nsigmas=nsig)
    disp = frame(chart, panels(kind)[1])
    assert (disp["lcl"] >= 0).all()
    assert (disp["statistic"].dropna() >= 0).all()


@pytest.mark.parametrize("kind", ["xbar_r", "xbar_s", "i_mr", "p", "u"])
@given(data=st.data())
def test_inputs_not_mutated(kind: str, data: st.DataObject) -> None:
    with warnings.catch_warnings():
        # excluding a point may leave a zero-sigma baseline: irrelevant to mutation
        warnings.simplefilter("ignore", DataQualityWarning)
        _check_not_mutated(kind, data)


def _check_not_mutated(kind: str, data: st.DataObject) -> None:
    if kind in ("p", "u"):
        df = data.draw(counts())
        df["flag"] = ""
        df.loc[df.index[0], "flag"] = "bad"
        before = copy.deepcopy(df)
        fn = spc.p_chart if kind == "p" else spc.u_chart
        chart = fn(df, count="d", size="n", subgroup="sg", exclude="flag")
        chart.monitor(df.assign(sg=df["sg"] + 10_000).drop(columns="flag"))
    else:
        df = data.draw(data_for(kind))
        key = "id" if kind == "i_mr" else "sg"
        before = copy.deepcopy(df)
        first = df[key].iloc[0]
        chart = build(kind, df, exclude=[first])
        chart.monitor(df.assign(**{key: df[key] + 10_000}))
        chart.to_frame()
    pd.testing.assert_frame_equal(df, before)
    assert df.columns.tolist() == before.columns.tolist()
