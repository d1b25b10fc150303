"""Property tests: Laney p′/u′ and g/t rare-event charts (hypothesis, bounded sizes).

- Laney with σ_z forced to 1 is the classic p/u chart (``spc.p_chart``/``spc.u_chart``),
  point by point; the Laney limits are the classic half-widths times σ_z.
- g chart: the limits depend on the gaps only through ḡ (order does not matter), grow
  with ḡ, and scale with the data (multiplying the gaps by c multiplies center and UCL by
  about c; exact up to the geometric distribution's discreteness, < 5 % for ḡ ≥ 20).
- t chart: shifting all event times by a constant changes nothing; multiplying the times
  by c multiplies center and limits by c exactly (both methods).
- Inputs are not mutated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from leankit import spc

RTOL = 1e-9


@st.composite
def attribute_days(draw: st.DrawFn, kind: str) -> pd.DataFrame:
    m = draw(st.integers(3, 30))
    sizes = draw(st.lists(st.integers(20, 5000), min_size=m, max_size=m))
    fractions = draw(st.lists(st.floats(0.0, 0.3), min_size=m, max_size=m))
    counts = [int(round(f * n)) for f, n in zip(fractions, sizes, strict=True)]
    assume(0 < sum(counts) < sum(sizes))
    return pd.DataFrame({"day": np.arange(m), "count": counts, "size": sizes})


@pytest.mark.parametrize("kind", ["p", "u"])
@given(data=st.data())
def test_laney_with_sigma_z_1_is_the_classic_chart(kind: str, data: st.DataObject):
    df = data.draw(attribute_days(kind))
    before = df.copy()
    laney_fn = spc.laney_p if kind == "p" else spc.laney_u
    classic_fn = spc.p_chart if kind == "p" else spc.u_chart
    laney = laney_fn(df, count="count", size="size", subgroup="day", sigma_z=1)
    classic = classic_fn(df, count="count", size="size", subgroup="day")
    a, b = laney.to_frame(), classic.to_frame()
    for col in ("statistic", "center", "lcl", "ucl", "sigma_statistic"):
        np.testing.assert_allclose(a[col], b[col], rtol=RTOL, atol=1e-15)
    assert a["signal"].tolist() == b["signal"].tolist()
    assert a["rules"].tolist() == b["rules"].tolist()
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("kind", ["p", "u"])
@given(data=st.data())
def test_laney_half_widths_are_classic_times_sigma_z(kind: str, data: st.DataObject):
    df = data.draw(attribute_days(kind))
    laney_fn = spc.laney_p if kind == "p" else spc.laney_u
    classic_fn = spc.p_chart if kind == "p" else spc.u_chart
    laney = laney_fn(df, count="count", size="size", subgroup="day")
    classic = classic_fn(df, count="count", size="size", subgroup="day")
    sz = float(laney.limits.loc[0, "sigma_z"])
    a, b = laney.to_frame(), classic.to_frame()
    np.testing.assert_allclose(a["sigma_statistic"], sz * b["sigma_statistic"], rtol=RTOL)
    upper = np.minimum(1.0 if kind == "p" else np.inf, a["center"] + 3 * a["sigma_statistic"])
    np.testing.assert_allclose(a["ucl"], upper, rtol=RTOL)


gaps = st.lists(st.integers(0, 400), min_size=2, max_size=40)


@given(g=gaps, seed=st.integers(0, 2**32 - 1),
       method=st.sampled_from(["probability", "sigma"]))
def test_g_limits_depend_only_on_the_mean_gap(g: list[int], seed: int, method: str):
    assume(sum(g) > 0)
    df = pd.DataFrame({"g": g})
    before = df.copy()
    shuffled = pd.DataFrame({"g": np.random.default_rng(seed).permutation(g)})
    a = spc.g_chart(df, value="g", method=method).limits  # type: ignore[arg-type]
    b = spc.g_chart(shuffled, value="g", method=method).limits  # type: ignore[arg-type]
    for col in ("gbar", "center", "lcl", "ucl"):
        assert a.loc[0, col] == pytest.approx(b.loc[0, col], rel=1e-12, abs=1e-12)
    pd.testing.assert_frame_equal(df, before)


@given(g=st.lists(st.integers(0, 400), min_size=2, max_size=40), c=st.integers(2, 10),
       method=st.sampled_from(["probability", "sigma"]))
def test_g_limits_scale_with_the_data(g: list[int], c: int, method: str):
    assume(np.mean(g) >= 20)
    one = spc.g_chart(pd.DataFrame({"g": g}), value="g", method=method).limits  # type: ignore[arg-type]
    big = spc.g_chart(pd.DataFrame({"g": [c * x for x in g]}), value="g",
                      method=method).limits  # type: ignore[arg-type]
    assert big.loc[0, "gbar"] == pytest.approx(c * one.loc[0, "gbar"], rel=1e-12)
    for col in ("center", "ucl"):
        assert big.loc[0, col] == pytest.approx(c * one.loc[0, col], rel=0.05)
        assert big.loc[0, col] > one.loc[0, col]


times = st.lists(st.floats(0.05, 500.0, allow_nan=False), min_size=3, max_size=30)


@settings(max_examples=50)
@given(t=times, shift=st.floats(-1e4, 1e4, allow_nan=False),
       method=st.sampled_from(["weibull", "transform"]))
def test_t_chart_of_event_times_ignores_a_shift(t: list[float], shift: float, method: str):
    assume(len(set(t[1:])) > 1)  # the first value places the first event
    events = np.cumsum(t)
    a = spc.t_chart(pd.DataFrame({"at": events}), events="at", method=method)  # type: ignore[arg-type]
    b = spc.t_chart(pd.DataFrame({"at": events + shift}), events="at",
                    method=method)  # type: ignore[arg-type]
    fa, fb = a.to_frame(), b.to_frame()
    for col in ("statistic", "center", "lcl", "ucl"):
        np.testing.assert_allclose(fa[col], fb[col], rtol=1e-6)
    assert fa["signal"].tolist() == fb["signal"].tolist()


@settings(max_examples=50)
@given(t=times, start=st.integers(0, 10**6),
       method=st.sampled_from(["weibull", "transform"]))
def test_t_chart_of_timestamps_ignores_a_shift(t: list[float], start: int, method: str):
    assume(len(set(np.round(t[1:], 3))) > 1 and min(np.round(t[1:], 3)) > 0)
    base = pd.Timestamp("2026-01-01", tz="UTC")
    offsets = pd.to_timedelta(np.round(np.cumsum(t), 3), unit="h")
    a = spc.t_chart(pd.DataFrame({"at": base + offsets}), events="at", unit="h",
                    method=method)  # type: ignore[arg-type]
    b = spc.t_chart(pd.DataFrame({"at": base + pd.Timedelta(minutes=start) + offsets}),
                    events="at", unit="h", method=method)  # type: ignore[arg-type]
    for col in ("statistic", "center", "lcl", "ucl"):
        np.testing.assert_allclose(a.to_frame()[col], b.to_frame()[col], rtol=1e-9)


@settings(max_examples=50)
@given(t=times, c=st.floats(0.01, 100.0), method=st.sampled_from(["weibull", "transform"]))
def test_t_limits_scale_with_the_times(t: list[float], c: float, method: str):
    assume(len(set(t)) > 1)
    a = spc.t_chart(pd.DataFrame({"h": t}), value="h", method=method).limits  # type: ignore[arg-type]
    b = spc.t_chart(pd.DataFrame({"h": [c * x for x in t]}), value="h",
                    method=method).limits  # type: ignore[arg-type]
    for col in ("center", "lcl", "ucl"):
        assert b.loc[0, col] == pytest.approx(c * a.loc[0, col], rel=1e-6, abs=1e-12)
