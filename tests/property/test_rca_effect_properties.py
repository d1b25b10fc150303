"""Property-based tests of the before/after effect checks (hypothesis, profile from
tests/conftest.py): symmetry under swapping the periods, intervals that contain their
estimate, invariance under shifting and scaling the values, verdicts consistent with the
intervals, and the coverage of the exact rate-ratio interval (seeded simulation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from leankit import rca

COUNTS = st.integers(0, 400)
EXPOSURES = st.floats(0.5, 1e5, allow_nan=False, allow_infinity=False)
CONF = st.sampled_from([0.8, 0.9, 0.95, 0.99])


def _close(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-12)


@given(COUNTS, EXPOSURES, COUNTS, EXPOSURES, CONF)
def test_swap_inverts_ratio_and_interval(x1: int, e1: float, x2: int, e2: float,
                                         conf: float) -> None:
    assume(x1 + x2 > 0)
    r = rca.compare_rates(x1, e1, x2, e2, confidence=conf)
    s = rca.compare_rates(x2, e2, x1, e1, confidence=conf)

    def inv(v: float) -> float:
        return math.inf if v == 0 else 1 / v

    assert _close(s.ratio, inv(r.ratio))
    assert _close(s.lower, inv(r.upper))
    assert _close(s.upper, inv(r.lower))
    assert math.isclose(s.p_value, r.p_value, rel_tol=1e-9)


@given(COUNTS, EXPOSURES, COUNTS, EXPOSURES, CONF, st.sampled_from(["lower", "higher"]))
def test_interval_contains_ratio_and_verdict_follows_it(x1: int, e1: float, x2: int, e2: float,
                                                        conf: float, better: str) -> None:
    r = rca.compare_rates(x1, e1, x2, e2, confidence=conf, better=better)  # type: ignore[arg-type]
    assert 0 <= r.lower <= r.upper
    assert 0 <= r.p_value <= 1
    if x1 + x2 == 0:
        assert r.verdict == "no evidence of improvement"
        return
    assert r.lower <= r.ratio <= r.upper
    below, above = r.upper < 1, r.lower > 1
    expect = ("improved" if (below if better == "lower" else above)
              else "worse" if (above if better == "lower" else below)
              else "no evidence of improvement")
    assert r.verdict == expect
    # a wider confidence never gives a narrower interval
    wide = rca.compare_rates(x1, e1, x2, e2, confidence=0.999)
    assert wide.lower <= r.lower + 1e-12 and wide.upper >= r.upper * (1 - 1e-9)


@given(COUNTS, COUNTS, st.floats(0.01, 100.0))
def test_common_exposure_scale_changes_nothing(x1: int, x2: int, k: float) -> None:
    r = rca.compare_rates(x1, 100.0, x2, 250.0)
    s = rca.compare_rates(x1, 100.0 * k, x2, 250.0 * k)
    assert _close(r.lower, s.lower) and _close(r.upper, s.upper)
    assert r.verdict == s.verdict


@pytest.mark.parametrize(("mu1", "e1", "ratio", "e2"), [
    (2.0, 1.0, 0.5, 1.0), (20.0, 100.0, 0.7, 80.0), (5.0, 1.0, 2.0, 3.0)])
def test_rate_interval_coverage(mu1: float, e1: float, ratio: float, e2: float) -> None:
    """The exact conditional interval covers the true ratio in at least 95 % of simulated
    experiments (it is conservative); 1500 draws, Monte Carlo SE about 0.006."""
    rng = np.random.default_rng(11)
    lam1 = mu1 / e1
    lam2 = lam1 * ratio
    x1s = rng.poisson(lam1 * e1, 1500)
    x2s = rng.poisson(lam2 * e2, 1500)
    hit = n = 0
    for x1, x2 in zip(x1s, x2s, strict=True):
        if x1 + x2 == 0:
            continue  # nothing to condition on: the interval is (0, inf) and covers trivially
        r = rca.compare_rates(int(x1), e1, int(x2), e2)
        n += 1
        hit += r.lower <= ratio <= r.upper
    assert hit / n >= 0.94


# ------------------------------------------------------------------ measurements


@st.composite
def two_samples(draw: st.DrawFn, min_n: int = 3) -> tuple[np.ndarray, np.ndarray]:
    seed = draw(st.integers(0, 2**32 - 1))
    nb, na = draw(st.integers(min_n, 40)), draw(st.integers(min_n, 40))
    rng = np.random.default_rng(seed)
    b = rng.normal(draw(st.floats(-5, 5)), draw(st.floats(0.1, 3)), nb)
    a = rng.normal(draw(st.floats(-5, 5)), draw(st.floats(0.1, 3)), na)
    return b, a


@given(two_samples(), st.floats(-1e3, 1e3), st.floats(0.01, 100.0))
def test_measurements_shift_and_scale(ab: tuple[np.ndarray, np.ndarray], shift: float,
                                      scale: float) -> None:
    """Shifting all values (and the limits) changes no p-value, ratio or Ppk; scaling
    scales the mean difference."""
    b, a = ab
    lsl, usl = -8.0, 8.0
    m = rca.compare_measurements(b, a, lsl=lsl, usl=usl)
    t = rca.compare_measurements(b * scale + shift, a * scale + shift, lsl=lsl * scale + shift,
                                 usl=usl * scale + shift)
    assert math.isclose(t.mean_diff, scale * m.mean_diff, rel_tol=1e-6, abs_tol=1e-6 * scale)
    assert math.isclose(t.mean_p_value, m.mean_p_value, rel_tol=1e-5, abs_tol=1e-9)
    assert math.isclose(t.sd_ratio, m.sd_ratio, rel_tol=1e-7)
    assert math.isclose(t.sd_p_value, m.sd_p_value, rel_tol=1e-6, abs_tol=1e-12)
    assert math.isclose(t.ppk_diff, m.ppk_diff, rel_tol=1e-6, abs_tol=1e-6)
    assert t.verdict == m.verdict


@given(two_samples(min_n=10), st.sampled_from(["normal", "bootstrap"]))
def test_measurement_intervals_contain_estimates(ab: tuple[np.ndarray, np.ndarray],
                                                 method: str) -> None:
    """(10 values or more: with 3 values a ninth of the bootstrap resamples are constant
    and the bootstrap is refused with a clear error.)"""
    b, a = ab
    m = rca.compare_measurements(b, a, lsl=-8.0, usl=8.0, method=method,  # type: ignore[arg-type]
                                 n_boot=200)
    assert m.mean_lower <= m.mean_diff <= m.mean_upper
    assert m.sd_lower <= m.sd_ratio <= m.sd_upper
    assert 0 <= m.mean_p_value <= 1 and 0 <= m.sd_p_value <= 1
    if method == "normal":
        assert m.ppk_lower <= m.ppk_diff <= m.ppk_upper
    verdict = ("improved" if m.ppk_lower > 0 else "worse" if m.ppk_upper < 0
               else "no evidence of improvement")
    assert m.verdict == verdict


@given(two_samples())
def test_measurements_swap(ab: tuple[np.ndarray, np.ndarray]) -> None:
    """Swapping the periods negates the differences and inverts the sd ratio; improved and
    worse trade places."""
    b, a = ab
    m = rca.compare_measurements(b, a, lsl=-8.0, usl=8.0)
    s = rca.compare_measurements(a, b, lsl=-8.0, usl=8.0)
    assert math.isclose(s.mean_lower, -m.mean_upper, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(s.sd_upper, 1 / m.sd_lower, rel_tol=1e-9)
    assert math.isclose(s.ppk_lower, -m.ppk_upper, rel_tol=1e-9, abs_tol=1e-12)
    swap = {"improved": "worse", "worse": "improved"}
    assert s.verdict == swap.get(m.verdict, m.verdict)
