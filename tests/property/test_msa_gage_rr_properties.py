"""Hypothesis properties of leankit.msa.gage_rr (bounded sizes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leankit import msa


@st.composite
def studies(draw: st.DrawFn, nested: bool = False) -> pd.DataFrame:
    """A balanced study: 2-6 parts, 2-4 operators, 2-4 trials, values on a 0.001 grid
    (as a gauge reads them) around a part effect."""
    parts = draw(st.integers(2, 6))
    ops = draw(st.integers(2, 4))
    trials = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    spread = draw(st.sampled_from([0.01, 0.1, 1.0]))
    rng = np.random.default_rng(seed)
    part_eff = rng.normal(0, 1, (ops, parts) if nested else parts)
    rows = []
    for o in range(ops):
        bias = rng.normal(0, spread)
        for p in range(parts):
            mu = part_eff[o, p] if nested else part_eff[p]
            for _ in range(trials):
                rows.append({"operator": f"O{o}", "part": f"O{o}-P{p}" if nested else f"P{p}",
                             "value": round(25 + mu + bias + rng.normal(0, spread), 3)})
    return pd.DataFrame(rows)


def run(df: pd.DataFrame, **kw: object) -> msa.GageRR:
    return msa.gage_rr(df, part="part", operator="operator", value="value", **kw)


SETTINGS = settings(max_examples=40)


@SETTINGS
@given(studies(), st.sampled_from(["anova", "xbar_r"]))
def test_components_non_negative_and_adding_up(df, method):
    r = run(df, method=method)
    c = r.components.set_index("component")
    assert (c["variance"] >= 0).all()
    assert c.loc["gage_rr", "variance"] == pytest.approx(
        c.loc["repeatability", "variance"] + c.loc["reproducibility", "variance"], rel=1e-9,
        abs=1e-15)
    assert c.loc["total", "variance"] == pytest.approx(
        c.loc["gage_rr", "variance"] + c.loc["part", "variance"], rel=1e-9, abs=1e-15)
    if c.loc["total", "variance"] > 0:
        assert c.loc["gage_rr", "pct_contribution"] + c.loc["part", "pct_contribution"] == (
            pytest.approx(100))
        assert ((c["pct_study_var"] >= 0) & (c["pct_study_var"] <= 100 + 1e-9)).all()
    if method == "anova":
        assert (c["var_lower"] <= c["variance"] + 1e-9 * (1 + c["variance"])).all()
        assert (c["variance"] <= c["var_upper"] + 1e-9 * (1 + c["variance"])).all()
        t = r.anova.set_index("source")
        assert t["ss"].iloc[:-1].sum() == pytest.approx(t.loc["Total", "ss"], rel=1e-9,
                                                        abs=1e-12)


@SETTINGS
@given(studies(), st.floats(-1000, 1000), st.floats(0.01, 100),
       st.sampled_from(["anova", "xbar_r"]))
def test_shift_and_scale(df, shift, scale, method):
    """a + b·x: variances scale by b², percentages, ndc, pooling and verdict unchanged."""
    a = run(df, method=method)
    b = run(df.assign(value=shift + scale * df["value"]), method=method)
    ca, cb = a.components, b.components
    np.testing.assert_allclose(cb["variance"], scale ** 2 * ca["variance"], rtol=1e-6,
                               atol=1e-9 * scale ** 2 * ca["variance"].max())
    np.testing.assert_allclose(cb["pct_study_var"], ca["pct_study_var"], rtol=1e-6, atol=1e-6)
    assert a.interaction_pooled == b.interaction_pooled
    if a.ndc is not None and b.ndc is not None:
        assert abs(a.ndc - b.ndc) <= 1  # floor() at a boundary may flip by rounding
    if method == "anova":
        np.testing.assert_allclose(cb["var_upper"], scale ** 2 * ca["var_upper"], rtol=1e-6,
                                   atol=1e-9 * scale ** 2 * ca["var_upper"].max())


@SETTINGS
@given(studies(), st.integers(0, 2**32 - 1))
def test_row_order_and_labels_do_not_matter(df, seed):
    """Shuffling the rows (trials stay within their cell) and renaming operators and
    parts changes no number."""
    a = run(df)
    shuffled = df.sample(frac=1, random_state=seed % 2**31).reset_index(drop=True)
    shuffled["operator"] = "appraiser " + shuffled["operator"]
    shuffled["part"] = shuffled["part"].str.lower()
    b = run(shuffled)
    np.testing.assert_allclose(b.components["variance"], a.components["variance"],
                               rtol=1e-9, atol=1e-14)
    assert (a.ndc, a.verdict, a.interaction_pooled) == (b.ndc, b.verdict,
                                                        b.interaction_pooled)


@SETTINGS
@given(studies(nested=True))
def test_nested_components(df):
    r = run(df, design="nested")
    c = r.components.set_index("component")["variance"]
    assert (c >= 0).all()
    assert c["reproducibility"] == c["operator"]
    assert c["total"] == pytest.approx(c["gage_rr"] + c["part"], rel=1e-9, abs=1e-15)


@SETTINGS
@given(studies())
def test_result_does_not_change_the_input(df):
    before = df.copy()
    run(df, tolerance=1.0)
    pd.testing.assert_frame_equal(df, before)
