"""Property-based tests of ``leankit.rca``: Pareto tables, stratification rates and
Benjamini-Hochberg adjustment (hypothesis, profile from tests/conftest.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import assume, given
from hypothesis import strategies as st

from leankit import rca
from leankit.errors import DataQualityWarning

CATS = st.sampled_from(["a", "b", "c", "d", "e", "f", "g"])


@st.composite
def pareto_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    cats = draw(st.lists(CATS, min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["L1", "L2", "L3"]), min_size=n, max_size=n))
    counts = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    weights = draw(st.lists(st.floats(0, 1e4, allow_nan=False, allow_infinity=False),
                            min_size=n, max_size=n))
    return pd.DataFrame({"cat": cats, "grp": groups, "k": counts, "w": weights})


def _check_table(t: pd.DataFrame, total: float) -> None:
    assert np.isclose(t["value"].sum(), total, rtol=1e-12, atol=1e-9)
    vals = t["value"].to_numpy()
    if total > 0:
        cum = t["cumulative_percent"].to_numpy()
        assert (np.diff(cum) >= -1e-9).all()
        assert cum[-1] == 100.0
        assert np.isclose(t["percent"].sum(), 100.0, rtol=1e-9)
        assert (np.diff(vals) <= 0).all()  # decreasing (no "Other" bucket here)
    vf = t["vital_few"].to_numpy()
    # the vital few are a prefix of the table
    if vf.any():
        assert vf[: vf.sum()].all() and not vf[vf.sum():].any()


@given(pareto_frames(), st.sampled_from([None, "k", "w"]),
       st.floats(0.05, 1.0, allow_nan=False))
def test_pareto_invariants(df: pd.DataFrame, measure: str | None, cutoff: float) -> None:
    kw = {} if measure is None else ({"count": "k"} if measure == "k" else {"weight": "w"})
    t = rca.pareto(df, category="cat", cutoff=cutoff, **kw).table
    total = len(df) if measure is None else df[measure].sum()
    _check_table(t, total)
    assert sorted(t["category"]) == sorted(df["cat"].unique())
    if total > 0:
        # the vital few reach the cutoff, and without their last category they do not
        vf = t[t["vital_few"]]
        assert vf["cumulative_percent"].iloc[-1] >= 100 * cutoff - 1e-9
        if len(vf) > 1:
            assert vf["cumulative_percent"].iloc[-2] < 100 * cutoff - 1e-9


@given(pareto_frames())
def test_pareto_by_group_invariants(df: pd.DataFrame) -> None:
    t = rca.pareto(df, category="cat", count="k", by="grp").table
    assert sorted(t["grp"].unique()) == sorted(df["grp"].unique())
    for g, part in t.groupby("grp"):
        _check_table(part, df.loc[df["grp"] == g, "k"].sum())
    assert np.isclose(t["value"].sum(), df["k"].sum())


@given(pareto_frames(), st.integers(1, 5))
def test_pareto_top_n_keeps_total_and_other_last(df: pd.DataFrame, top_n: int) -> None:
    t = rca.pareto(df, category="cat", count="k", top_n=top_n).table
    assert np.isclose(t["value"].sum(), df["k"].sum())
    assert len(t) <= top_n + 1
    if len(t) == top_n + 1:
        assert t["category"].iloc[-1] == "Other"


@given(pareto_frames(), st.randoms(use_true_random=False))
def test_pareto_values_invariant_to_row_order(df: pd.DataFrame, rnd) -> None:
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    a = rca.pareto(df, category="cat", count="k").table.set_index("category")["value"]
    b = rca.pareto(df.iloc[perm], category="cat", count="k").table.set_index("category")["value"]
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index())


# ---------------------------------------------------------------- BH


@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=60))
def test_bh_properties(p: list[float]) -> None:
    raw = np.array(p)
    adj = rca.benjamini_hochberg(raw)
    assert adj.shape == raw.shape
    assert (adj >= raw - 1e-15).all()
    assert (adj <= 1.0).all()
    order = np.argsort(raw, kind="stable")
    assert (np.diff(adj[order]) >= -1e-15).all()
    # the smallest adjusted p-value is min(m * p_(i) / i)
    m = len(raw)
    assert np.isclose(adj.min(), min(1.0, (np.sort(raw) * m / np.arange(1, m + 1)).min()))


@given(st.lists(st.one_of(st.floats(0, 1, allow_nan=False), st.just(float("nan"))),
                min_size=1, max_size=30))
def test_bh_nan_stay_nan_and_others_unaffected(p: list[float]) -> None:
    raw = np.array(p)
    adj = rca.benjamini_hochberg(raw)
    nan = np.isnan(raw)
    assert np.isnan(adj[nan]).all()
    if (~nan).any():
        np.testing.assert_allclose(adj[~nan], rca.benjamini_hochberg(raw[~nan]))


# ---------------------------------------------------------------- stratify


@st.composite
def count_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(4, 40))
    m = draw(st.lists(st.sampled_from(["m1", "m2", "m3"]), min_size=n, max_size=n))
    s = draw(st.lists(st.sampled_from(["day", "night"]), min_size=n, max_size=n))
    units = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n))
    k = [draw(st.integers(0, u)) for u in units]
    df = pd.DataFrame({"machine": m, "shift": s, "units": units, "k": k})
    assume(df["machine"].nunique() > 1 and df["shift"].nunique() > 1 and df["k"].sum() > 0)
    return df


def _levels(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        s = rca.stratify(df, by=["machine", "shift"], count="k", size="units", kind=kind)
    return s.levels.sort_values(["factor", "level"]).reset_index(drop=True), s


@given(count_frames(), st.sampled_from(["defects", "defectives"]),
       st.randoms(use_true_random=False))
def test_stratify_levels_invariant_to_row_order(df: pd.DataFrame, kind: str, rnd) -> None:
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    a, sa = _levels(df, kind)
    b, sb = _levels(df.iloc[perm].reset_index(drop=True), kind)
    pd.testing.assert_frame_equal(a, b, rtol=1e-9, atol=1e-12)
    fa = sa.factors.set_index("factor").sort_index()
    fb = sb.factors.set_index("factor").sort_index()
    pd.testing.assert_frame_equal(fa, fb, rtol=1e-9, atol=1e-12)
    assert np.isclose(sa.overall_rate, sb.overall_rate, rtol=1e-12)


@given(count_frames(), st.sampled_from(["defects", "defectives"]))
def test_stratify_expected_sums_to_observed(df: pd.DataFrame, kind: str) -> None:
    lv, s = _levels(df, kind)
    total = df["k"].sum()
    for _, part in lv.groupby("factor"):
        assert np.isclose(part["expected"].sum(), total, rtol=1e-9)
        assert np.isclose(part["defects"].sum(), total)
        assert np.isclose(part["exposure"].sum(), df["units"].sum())
        assert np.isclose(part["excess"].sum(), 0, atol=1e-7 * max(1, total))
    assert np.isclose(s.overall_rate, total / df["units"].sum())
    assert (lv["lower"] <= lv["rate"] + 1e-12).all() and (lv["rate"] <= lv["upper"] + 1e-12).all()
    ps = lv["p_adjusted"].dropna()
    assert ((ps >= 0) & (ps <= 1)).all()
    assert set(s.factors["factor"]) == {"machine", "shift", "machine × shift"}


@given(count_frames())
def test_stratify_rates_scale_free(df: pd.DataFrame) -> None:
    """Doubling both counts and units leaves every rate unchanged."""
    a, _ = _levels(df, "defects")
    b, _ = _levels(df.assign(k=2 * df["k"], units=2 * df["units"]), "defects")
    np.testing.assert_allclose(a["rate"], b["rate"], rtol=1e-12)
    np.testing.assert_allclose(a["rate_ratio"], b["rate_ratio"], rtol=1e-12)
