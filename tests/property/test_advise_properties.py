"""Properties of ``spc.advise`` (Hypothesis, bounded).

* Invariance: the advice (family, transformation, settings, rules, limit width) does not
  change when the values are shifted or scaled by a positive factor, for the cases not on
  log scale (every diagnostic except the lognormal fit is location-scale invariant:
  Anderson-Darling, skewness, lag-1 autocorrelation, Ljung-Box). Scale factors are powers
  of two and shifts whole numbers, so the test does not hinge on rounding.
* Determinism: the same data give the same advice.
* Calibration: for any period length and target rate the achieved false-alarm
  probability (spc.arl) is at most the target and within 1 % of it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from leankit import spc
from leankit.spc._advise import calibrate

_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


def _data(seed: int, n: int, phi: float, kind: str) -> tuple[pd.DataFrame, dict[str, str]]:
    rng = np.random.default_rng(seed)
    e = rng.normal(size=n)
    x = np.empty(n)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    if kind == "skewed":
        x = rng.gamma(2.0, 1.0, n)
    if kind == "subgroups":
        return (pd.DataFrame({"x": x, "s": np.repeat(np.arange(n // 4 + 1), 4)[:n]}),
                {"value": "x", "subgroup": "s"})
    return pd.DataFrame({"x": x}), {"value": "x"}


def _key(a: spc.Advice) -> tuple[object, ...]:
    return (a.family, a.transformation, a.settings, a.rules, a.nsigmas)


@_SETTINGS
@given(seed=st.integers(0, 10_000), n=st.integers(8, 120),
       phi=st.sampled_from([0.0, 0.3, 0.8]),
       kind=st.sampled_from(["normal", "skewed", "subgroups"]),
       shift=st.integers(-1000, 1000), log2_scale=st.integers(-4, 6),
       period_points=st.one_of(st.none(), st.integers(1, 200)))
def test_advice_invariant_to_shift_and_scale(seed: int, n: int, phi: float, kind: str,
                                             shift: int, log2_scale: int,
                                             period_points: int | None) -> None:
    df, cols = _data(seed, n, phi, kind)
    moved = df.assign(x=df["x"] * 2.0**log2_scale + shift)
    a = spc.advise(df, period_points=period_points, **cols)  # type: ignore[arg-type]
    b = spc.advise(moved, period_points=period_points, **cols)  # type: ignore[arg-type]
    if "log" in (a.transformation, b.transformation):
        return  # the lognormal fit depends on the origin
    assert _key(a) == _key(b)
    for name in ("skewness", "lag1_autocorrelation", "ljung_box_p", "anderson_darling_p"):
        if name in a.diagnostics and not math.isnan(a.diagnostics[name]):
            assert math.isclose(a.diagnostics[name], b.diagnostics[name],
                                rel_tol=1e-6, abs_tol=1e-9)


@_SETTINGS
@given(seed=st.integers(0, 10_000), n=st.integers(3, 120),
       phi=st.sampled_from([0.0, 0.8]),
       kind=st.sampled_from(["normal", "skewed", "subgroups"]))
def test_advice_is_deterministic(seed: int, n: int, phi: float, kind: str) -> None:
    df, cols = _data(seed, n, phi, kind)
    a = spc.advise(df, **cols)  # type: ignore[arg-type]
    b = spc.advise(df.copy(), **cols)  # type: ignore[arg-type]
    assert _key(a) == _key(b)
    assert a.reasons == b.reasons
    assert repr(a) == repr(b)
    assert str(a.summary()) == str(b.summary())


@settings(max_examples=15, deadline=None, derandomize=True)
@given(period_points=st.integers(1, 2000),
       alarm_rate=st.floats(0.001, 0.3, allow_nan=False))
def test_calibration_meets_any_target(period_points: int, alarm_rate: float) -> None:
    cal = calibrate(period_points, alarm_rate)
    ref = spc.arl("shewhart", rules="we_1",
                  nsigmas=cal["nsigmas"]).false_alarm_probability(period_points)
    assert math.isclose(cal["achieved_rate"], ref, rel_tol=1e-12)
    assert ref <= alarm_rate
    assert ref >= 0.99 * alarm_rate
