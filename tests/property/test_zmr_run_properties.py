"""Property tests for spc.zmr and spc.run_chart (hypothesis, bounded "ci" profile).

* Z-MR of a single part with given (μ, σ) is the I-MR chart with known standards, in
  standard units: z = (x − μ)/σ, MR(z) = MR(x)/σ, and the same rules fire at the same
  points.
* z is invariant under a per-part shift and positive scale of the values (by-part
  sigma), and under per-part shifts with one common scale (pooled sigma).
* The run chart's analysis (longest run, crossings, useful points, signals) is
  invariant under any strictly monotone transformation of the values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from leankit import spc

VALUES = st.integers(-5000, 5000).map(lambda i: i / 100)


@st.composite
def single_part(draw: st.DrawFn) -> tuple[pd.DataFrame, float, float]:
    x = draw(st.lists(VALUES, min_size=3, max_size=40))
    mu = draw(VALUES)
    sigma = draw(st.integers(1, 2000).map(lambda i: i / 100))
    return pd.DataFrame({"x": x, "part": "A"}), mu, sigma


@given(single_part())
def test_single_part_with_nominal_is_a_standardised_i_mr(case: tuple[pd.DataFrame, float,
                                                                     float]) -> None:
    df, mu, sigma = case
    z = spc.zmr(df, value="x", part="part", nominal={"A": (mu, sigma)}, rules="nelson")
    i = spc.i_mr(df, value="x", mu=mu, sigma=sigma, rules="nelson")
    zf, xf = z.to_frame(), i.to_frame()
    zz, xi = zf[zf["panel"] == "z"], xf[xf["panel"] == "i"]
    np.testing.assert_allclose(zz["statistic"], (xi["statistic"] - mu) / sigma,
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(zf.loc[zf["panel"] == "mr", "statistic"],
                               xf.loc[xf["panel"] == "mr", "statistic"] / sigma,
                               rtol=1e-9, atol=1e-9)
    assert zz["rules"].tolist() == xi["rules"].tolist()
    # the MR panel's limits are the I-MR chart's, in standard units
    np.testing.assert_allclose(
        z.limits.loc[z.limits["panel"] == "mr", ["center", "lcl", "ucl"]].to_numpy(),
        i.limits.loc[i.limits["panel"] == "mr", ["center", "lcl", "ucl"]].to_numpy() / sigma,
        rtol=1e-12)


@st.composite
def multi_part(draw: st.DrawFn) -> pd.DataFrame:
    n_parts = draw(st.integers(1, 4))
    parts = draw(st.lists(st.integers(0, n_parts - 1), min_size=2 * n_parts + 2,
                          max_size=40))
    # every part appears at least 3 times and varies (distinct consecutive values)
    labels = [f"P{p}" for p in parts] + [f"P{p}" for p in range(n_parts) for _ in range(3)]
    x = draw(st.lists(VALUES, min_size=len(labels), max_size=len(labels), unique=True))
    return pd.DataFrame({"x": x, "part": labels})


@given(multi_part(), st.data())
def test_z_invariant_under_per_part_shift_and_scale(df: pd.DataFrame,
                                                    data: st.DataObject) -> None:
    names = sorted(df["part"].unique())
    shift = {p: data.draw(VALUES, label=f"shift {p}") for p in names}
    scale = {p: data.draw(st.integers(1, 1000).map(lambda i: i / 10), label=f"scale {p}")
             for p in names}
    moved = df.assign(x=[shift[p] + scale[p] * v for p, v in zip(df["part"], df["x"],
                                                                 strict=True)])
    a = spc.zmr(df, value="x", part="part").to_frame()
    b = spc.zmr(moved, value="x", part="part").to_frame()
    np.testing.assert_allclose(a["statistic"], b["statistic"], rtol=1e-7, atol=1e-7)
    common = data.draw(st.integers(1, 1000).map(lambda i: i / 10), label="common scale")
    pooled = df.assign(x=[shift[p] + common * v for p, v in zip(df["part"], df["x"],
                                                                strict=True)])
    a = spc.zmr(df, value="x", part="part", sigma_method="pooled").to_frame()
    b = spc.zmr(pooled, value="x", part="part", sigma_method="pooled").to_frame()
    np.testing.assert_allclose(a["statistic"], b["statistic"], rtol=1e-7, atol=1e-7)


TRANSFORMS = {
    "cube": lambda v: v**3,
    "exp": lambda v: np.exp(v / 10),
    "arctan": lambda v: np.arctan(v / 7),
    "affine": lambda v: 3.5 * v - 12,
    "negate": lambda v: -v,  # decreasing: sides swap, the analysis does not change
}


@given(st.lists(st.integers(-30, 30), min_size=10, max_size=60),
       st.sampled_from(sorted(TRANSFORMS)))
def test_run_chart_invariant_under_monotone_transforms(values: list[int], name: str) -> None:
    x = np.asarray(values, dtype=float)
    y = TRANSFORMS[name](x)
    cols = ["n_points", "n_useful", "longest_run", "longest_run_max", "crossings",
            "crossings_min", "long_run", "few_crossings", "signal", "n_runs", "runs_min",
            "runs_max"]
    tests = ("anhoej", "swed_eisenhart")
    a = spc.run_chart(pd.DataFrame({"v": x}), value="v", tests=tests)
    b = spc.run_chart(pd.DataFrame({"v": y}), value="v", tests=tests)
    if a.runs.iloc[0]["n_useful"] == 0:  # all values on the median: nothing to analyse
        return
    pd.testing.assert_frame_equal(a.runs[cols], b.runs[cols])
    pd.testing.assert_frame_equal(a.signals[["position", "rule"]],
                                  b.signals[["position", "rule"]])
