"""Properties of the type-1, linearity-and-bias and attribute agreement studies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from leankit.msa._agreement import attribute_agreement, cohen_kappa, fleiss_kappa, kendall_w
from leankit.msa._linearity import linearity_bias
from leankit.msa._type1 import type1

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


@st.composite
def study(draw: st.DrawFn) -> tuple[np.ndarray, float, float]:
    n = draw(st.integers(25, 60))
    x = draw(arrays(float, n, elements=st.floats(-1, 1, allow_nan=False)))
    assume(np.std(x) > 1e-3)
    ref = draw(st.floats(-0.5, 0.5))
    tol = draw(st.floats(0.5, 50))
    return x, ref, tol


@settings(max_examples=60)
@given(study(), st.floats(1e-3, 1e3), finite)
def test_cg_cgk_invariant_to_units_and_origin(s, scale, shift):
    """Cg and Cgk are ratios: the same in mm or µm, wherever the origin sits."""
    x, ref, tol = s
    a = type1(pd.DataFrame({"v": x}), value="v", reference=ref, tolerance=tol)
    b = type1(pd.DataFrame({"v": x * scale + shift}), value="v", reference=ref * scale + shift,
              tolerance=tol * scale)
    assert b.cg == pytest.approx(a.cg, rel=1e-7)
    assert b.cgk == pytest.approx(a.cgk, rel=1e-7, abs=1e-7)
    assert b.bias_t == pytest.approx(a.bias_t, rel=1e-6, abs=1e-6)
    assert b.capable == a.capable or abs(a.cgk - a.min_index) < 1e-6 or abs(
        a.cg - a.min_index) < 1e-6


@settings(max_examples=60)
@given(study())
def test_cg_at_least_cgk_and_order_free(s):
    x, ref, tol = s
    a = type1(pd.DataFrame({"v": x}), value="v", reference=ref, tolerance=tol)
    b = type1(pd.DataFrame({"v": x[::-1]}), value="v", reference=ref, tolerance=tol)
    assert a.cgk <= a.cg + 1e-12
    assert b.cg == pytest.approx(a.cg) and b.cgk == pytest.approx(a.cgk)
    assert a.bias_lower <= a.bias <= a.bias_upper


@settings(max_examples=40)
@given(st.lists(st.floats(-0.2, 0.2), min_size=10, max_size=10), finite,
       st.floats(0.1, 100))
def test_linearity_shift_moves_intercept_only(noise, shift, scale):
    refs = np.repeat([1.0, 2.0, 3.0, 4.0, 5.0], 2)
    y = refs + np.asarray(noise)
    assume(all(abs(y[i] - y[i + 1]) > 1e-3 for i in range(0, 10, 2)))
    df = pd.DataFrame({"p": np.repeat(list("abcde"), 2), "r": refs, "y": y})
    a = linearity_bias(df, part="p", reference="r", value="y")
    b = linearity_bias(df.assign(y=df["y"] + shift), part="p", reference="r", value="y")
    assert b.slope == pytest.approx(a.slope, abs=1e-6)
    assert b.intercept == pytest.approx(a.intercept + shift, abs=1e-6)
    # scaling readings and references together leaves the slope and R² unchanged
    c = linearity_bias(df.assign(y=df["y"] * scale, r=df["r"] * scale), part="p",
                       reference="r", value="y")
    assert c.slope == pytest.approx(a.slope, abs=1e-6)
    assert c.r_squared == pytest.approx(a.r_squared, abs=1e-6)


@st.composite
def ratings(draw: st.DrawFn) -> pd.DataFrame:
    parts = draw(st.integers(2, 12))
    apps = draw(st.integers(1, 3))
    trials = draw(st.integers(1, 3))
    assume(apps * trials >= 2)
    k = draw(st.integers(2, 4))
    cats = [f"c{i}" for i in range(k)]
    std = draw(st.lists(st.sampled_from(cats), min_size=parts, max_size=parts))
    rows = []
    for a in range(apps):
        for t in range(trials):
            for p in range(parts):
                r = draw(st.sampled_from(cats))
                rows.append((p, f"A{a}", t, r, std[p]))
    return pd.DataFrame(rows, columns=["part", "app", "trial", "rating", "std"])


@settings(max_examples=50)
@given(ratings(), st.randoms(use_true_random=False))
def test_agreement_invariant_to_relabelling_categories(df, rnd):
    cats = sorted(set(df["rating"]) | set(df["std"]))
    new = [f"z{i}" for i in range(len(cats))]
    rnd.shuffle(new)
    mapping = dict(zip(cats, new, strict=True))
    a = attribute_agreement(df, part="part", appraiser="app", rating="rating",
                            standard="std", trial="trial")
    b = attribute_agreement(df.assign(rating=df["rating"].map(mapping),
                                      std=df["std"].map(mapping)),
                            part="part", appraiser="app", rating="rating", standard="std",
                            trial="trial")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    ka = a.fleiss[a.fleiss["category"] == "overall"]["kappa"].to_numpy()
    kb = b.fleiss[b.fleiss["category"] == "overall"]["kappa"].to_numpy()
    np.testing.assert_allclose(ka, kb, atol=1e-12)
    np.testing.assert_allclose(a.cohen["kappa"], b.cohen["kappa"], atol=1e-12)


@settings(max_examples=50)
@given(ratings())
def test_agreement_bounds_and_accounting(df):
    aa = attribute_agreement(df, part="part", appraiser="app", rating="rating",
                             standard="std", trial="trial")
    f = aa.to_frame()
    assert ((f["matched"] >= 0) & (f["matched"] <= f["inspected"])).all()
    assert ((f["lower"] <= f["percent"] + 1e-9) & (f["percent"] <= f["upper"] + 1e-9)).all()
    ok = aa.fleiss["kappa"].dropna()
    assert (ok <= 1 + 1e-12).all()
    # a part all appraisers rate right on every trial is matched in every section
    if not aa.between.empty:
        assert aa.all_vs_standard["matched"].iloc[0] <= aa.between["matched"].iloc[0]
        assert aa.all_vs_standard["matched"].iloc[0] <= aa.vs_standard["matched"].min()


@settings(max_examples=50)
@given(st.integers(2, 15), st.integers(2, 6), st.integers(2, 4), st.data())
def test_perfect_agreement_gives_kappa_one(n, m, k, data):
    truth = data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    assume(len(set(truth)) >= 2)
    counts = np.zeros((n, k))
    counts[np.arange(n), truth] = m
    fk = fleiss_kappa(counts)
    assert fk.kappa == pytest.approx(1.0)
    table = np.zeros((k, k))
    np.add.at(table, (truth, truth), 1)
    assert cohen_kappa(table).kappa == pytest.approx(1.0)
    rows = [(p, f"A{a}", truth[p], truth[p]) for a in range(2) for p in range(n)]
    aa = attribute_agreement(pd.DataFrame(rows, columns=["part", "app", "r", "s"]),
                             part="part", appraiser="app", rating="r", standard="s")
    assert aa.kappa("between") == pytest.approx(1.0)
    assert aa.kappa("all vs standard") == pytest.approx(1.0)
    assert (aa.to_frame()["percent"] == 100).all()


@settings(max_examples=50)
@given(arrays(float, st.tuples(st.integers(2, 5), st.integers(2, 5)),
              elements=st.integers(0, 10).map(float)))
def test_cohen_symmetric(table):
    assume(table.shape[0] == table.shape[1] and table.sum() > 0)
    a, b = cohen_kappa(table), cohen_kappa(table.T)
    if np.isnan(a.kappa):
        assert np.isnan(b.kappa)
    else:
        assert b.kappa == pytest.approx(a.kappa, abs=1e-12)
        assert b.se == pytest.approx(a.se, abs=1e-12)
        assert b.se0 == pytest.approx(a.se0, abs=1e-12)


@settings(max_examples=50)
@given(arrays(float, st.tuples(st.integers(2, 12), st.integers(2, 6)),
              elements=st.integers(1, 5).map(float)))
def test_kendall_w_between_0_and_1(scores):
    kw = kendall_w(scores)
    if np.isfinite(kw.w):
        assert -1e-12 <= kw.w <= 1 + 1e-12
        assert kw.chi2 == pytest.approx(kw.judges * (kw.objects - 1) * kw.w)
