"""The chunked computations behind long series give the same numbers as the whole-array
ones, bit for bit, and a chart never changes when the caller's data change afterwards.

Sources: the whole-array forms are the definitions (MR-bar = mean of |x_i - x_{i-1}|;
z_i = λx_i + (1 - λ)z_{i-1} by ``scipy.signal.lfilter`` in one call; the tabular CUSUM
of y = ±(x - μ0)/σ - k by :func:`tabular_cusum`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import lfilter

from leankit import spc
from leankit.spc import _sigma
from leankit.spc._charts import _moving_range
from leankit.spc._cusum import _standardised_sums, tabular_cusum
from leankit.spc._ewma import ewma_statistic

CHUNK = 1 << 16
# lengths around the chunk boundaries, where an off-by-one would show
LENGTHS = [2, 3, 7, CHUNK - 1, CHUNK, CHUNK + 1, CHUNK + 2, 2 * CHUNK + 3]


@pytest.mark.parametrize("m", LENGTHS)
@pytest.mark.parametrize("span", [2, 3, 5])
def test_mrbar_from_values_equals_mrbar_of_stored_moving_ranges(m: int, span: int) -> None:
    x = np.random.default_rng(m + span).normal(50.0, 2.0, m)
    if m < span:
        return
    assert _sigma.sigma_mrbar_of_values(x, span) == _sigma.sigma_mrbar(
        _moving_range(x, span), span)
    # and agrees with the definition (np.nanmean of the moving ranges) to rounding
    assert _sigma.sigma_mrbar_of_values(x, span) == pytest.approx(
        np.nanmean(_moving_range(x, span)) / spc.d2(span), rel=1e-13)


def test_mrbar_of_too_few_values_is_a_clear_error() -> None:
    from leankit.errors import InsufficientDataError

    with pytest.raises(InsufficientDataError, match="moving ranges"):
        _sigma.sigma_mrbar_of_values(np.array([1.0, 2.0]), 3)


@given(values=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=200),
       span=st.integers(2, 6))
@settings(max_examples=60)
def test_mrbar_property(values: list[float], span: int) -> None:
    x = np.asarray(values)
    if len(x) < span:
        return
    assert _sigma.sigma_mrbar_of_values(x, span) == _sigma.sigma_mrbar(
        _moving_range(x, span), span)


@pytest.mark.parametrize("m", LENGTHS)
def test_ewma_in_chunks_equals_one_filter_call(m: int) -> None:
    x = np.random.default_rng(m).normal(10.0, 1.0, m)
    lam, start = 0.2, 9.5
    whole, _ = lfilter([lam], [1.0, lam - 1.0], x, zi=[(1.0 - lam) * start])
    out = np.full(m, np.nan)
    ewma_statistic(x, lam, start, out=out)
    np.testing.assert_array_equal(out, whole)
    np.testing.assert_array_equal(ewma_statistic(x, lam, start), whole)


@pytest.mark.parametrize("m", LENGTHS)
@pytest.mark.parametrize("per_point_se", [False, True])
def test_cusum_blocks_equal_the_sums_of_the_stored_standardised_values(
        m: int, per_point_se: bool) -> None:
    rng = np.random.default_rng(m)
    x = rng.normal(10.0, 1.0, m)
    mu, k, start = 10.1, 0.5, 1.5
    se = rng.uniform(0.5, 1.5, m) if per_point_se else 0.9
    z = (x - mu) / se
    for sign, y in ((1.0, z - k), (-1.0, -z - k)):
        out = np.full(m, np.nan)
        _standardised_sums(x, mu, se, k, sign, start, out)
        np.testing.assert_array_equal(out, tabular_cusum(y, start))
        assert (out >= 0).all()


@pytest.mark.parametrize("build", [
    lambda d, **kw: spc.i_mr(d, value="x", **kw),
    lambda d, **kw: spc.ewma(d, value="x", **kw),
    lambda d, **kw: spc.cusum(d, value="x", **kw),
    lambda d, **kw: spc.run_chart(d, value="x", **kw),
    lambda d, **kw: spc.c_chart(d, count="c", **kw),
], ids=["i_mr", "ewma", "cusum", "run_chart", "c_chart"])
def test_chart_is_unchanged_when_the_callers_data_change_later(build) -> None:  # type: ignore[no-untyped-def]
    """The table of individual values shares the caller's value column (no copy);
    pandas' copy-on-write copies the caller's column before a later change writes to
    it. Time and stage columns are shared the same way; subgroup labels are copied."""
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"x": rng.normal(10.0, 1.0, 40), "c": rng.integers(0, 9, 40)})
    timed = data.assign(t=pd.date_range("2026-01-01", periods=40, freq="h"),
                        st=np.repeat([1, 2], 20), sg=np.arange(100, 140))
    for frame, extra in ((data, {}),
                         (timed, {"time": "t", "stage": "st", "subgroup": "sg"})):
        chart = build(frame, **extra)
        before = chart.points.copy()
        frame.loc[0, "x"] = 1e6
        frame.loc[0, "c"] = 10_000
        frame["x"] *= 2.0
        if extra:  # the time, stage and subgroup columns are not the caller's either
            frame.loc[0, "t"] = pd.Timestamp("2030-01-01")
            frame.loc[0, "st"] = 7
            frame.loc[0, "sg"] = -1
        pd.testing.assert_frame_equal(chart.points, before)
        assert frame.loc[0, "x"] == 2e6  # the caller's change took effect on their side


def test_constant_columns_read_as_before() -> None:
    """No time, one stage, nothing excluded: the points table reads as it always has
    (object None time, integer stage 1, empty exclusion reason, phase I, text dtypes)."""
    data = pd.DataFrame({"x": np.random.default_rng(4).normal(10.0, 1.0, 30)})
    for chart in (spc.i_mr(data, value="x"), spc.ewma(data, value="x")):
        pts = chart.points
        assert pts["time"].isna().all()
        assert pts["stage"].tolist() == [1] * len(pts)
        assert pts["phase"].tolist() == ["I"] * len(pts)
        assert (pts["exclude_reason"] == "").all()
        assert not pts["excluded"].any()
        for col in ("phase", "exclude_reason"):
            assert pts[col].dtype == pd.Series(["I"]).dtype
        assert pts["stage"].dtype == np.int64
        assert pts["time"].dtype == object
        assert chart.data["phase"].tolist() == ["I"] * len(data)
