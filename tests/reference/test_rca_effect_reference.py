"""Reference checks of the before/after effect checks (``rca.compare_rates``,
``rca.compare_measurements``) against published examples and independent computations.

* Rate ratio: R's documented example of ``poisson.test`` (``?poisson.test``, package
  stats; the eba1977 lung-cancer data of Andersen (1977) via ISwR: Fredericia vs the other
  three cities, age 55-59): ``poisson.test(c(11, 6+8+7), c(800, 1083+1050+878))`` prints
  ``p-value = 0.07967``, ``95 percent confidence interval: 0.8584264 4.2772659``,
  ``rate ratio 1.971488``. The p-value also against statsmodels'
  ``test_poisson_2indep(method="exact-cond")``; the interval against an independent root
  search on the binomial tail probabilities (scipy ``binom`` + ``brentq``).
* Means: scipy ``ttest_ind(equal_var=False)`` (Welch) and its ``confidence_interval``.
* Standard-deviation ratio: the F distribution (scipy ``f``) and the variance-ratio
  interval written out; Brown-Forsythe: scipy ``levene(center="median")``.
* Ppk: Bissell's (1990) standard error in Montgomery's closed form,
  ``Ĉpk [1 ± z sqrt(1/(9 n Ĉpk²) + 1/(2(n − 1)))]``, Montgomery, *Introduction to
  Statistical Quality Control* (sect. 8.3, confidence intervals on capability ratios: the
  worked Cpk example with n = 20, Ĉpk = 1.33 and the 95 % interval 0.88 to 1.78; its
  example number differs between editions); and against ``leankit.spc.capability`` (the
  package's capability study, implemented separately) for each period.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from statsmodels.stats import rates as sm_rates

from leankit import rca, spc
from leankit.rca._effect import _bissell_se

# ------------------------------------------------------------------ rates


def test_r_poisson_test_documented_example() -> None:
    """R ``?poisson.test``: the Fredericia rate (after) vs the other three cities (before)."""
    r = rca.compare_rates(6 + 8 + 7, 1083 + 1050 + 878, 11, 800)
    assert r.ratio == pytest.approx(1.971488, abs=5e-7)
    assert r.lower == pytest.approx(0.8584264, abs=5e-8)
    assert r.upper == pytest.approx(4.2772659, abs=5e-8)
    assert r.p_value == pytest.approx(0.07967, abs=5e-6)
    # the interval includes 1: a higher rate, but no evidence either way
    assert r.verdict == "no evidence of improvement"


@pytest.mark.parametrize(("x1", "e1", "x2", "e2"), [
    (101, 1000.0, 34, 1000.0), (11, 800.0, 21, 3011.0), (3, 50.0, 9, 75.5),
    (250, 12000.0, 180, 11000.0), (0, 100.0, 7, 120.0), (7, 100.0, 0, 120.0)])
def test_p_value_matches_statsmodels_exact_cond(x1: int, e1: float, x2: int, e2: float) -> None:
    """statsmodels 0.14+: ``test_poisson_2indep(method="exact-cond")`` (binomial, minlike)."""
    r = rca.compare_rates(x1, e1, x2, e2)
    with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels' ratio when x1 = 0
        ref = sm_rates.test_poisson_2indep(x2, e2, x1, e1, method="exact-cond").pvalue
    assert r.p_value == pytest.approx(float(ref), rel=1e-9)


def _root_ci(x1: int, e1: float, x2: int, e2: float, conf: float) -> tuple[float, float]:
    """The exact conditional interval by definition: the ratios at which the binomial tail
    of the observed after count is α/2 (solved by root search, not by beta quantiles)."""
    n, a = x1 + x2, 1 - conf

    def pi(r: float) -> float:
        return e2 * r / (e1 + e2 * r)

    lo = 0.0 if x2 == 0 else optimize.brentq(
        lambda lr: stats.binom.sf(x2 - 1, n, pi(math.exp(lr))) - a / 2, -30, 30, xtol=1e-14)
    hi = math.inf if x2 == n else optimize.brentq(
        lambda lr: stats.binom.cdf(x2, n, pi(math.exp(lr))) - a / 2, -30, 30, xtol=1e-14)
    return (math.exp(lo) if x2 else 0.0), (math.exp(hi) if x2 < n else math.inf)


@pytest.mark.parametrize(("x1", "e1", "x2", "e2", "conf"), [
    (101, 1000.0, 34, 1000.0, 0.95), (25, 1000.0, 25, 1000.0, 0.95),
    (3, 50.0, 9, 75.5, 0.90), (250, 12000.0, 180, 11000.0, 0.99), (0, 100.0, 7, 120.0, 0.95),
    (7, 100.0, 0, 120.0, 0.95), (1, 10.0, 1, 10.0, 0.8)])
def test_interval_matches_root_search(x1: int, e1: float, x2: int, e2: float,
                                      conf: float) -> None:
    r = rca.compare_rates(x1, e1, x2, e2, confidence=conf)
    lo, hi = _root_ci(x1, e1, x2, e2, conf)
    assert r.lower == pytest.approx(lo, rel=1e-8, abs=1e-12)
    assert r.upper == pytest.approx(hi, rel=1e-8)


# ------------------------------------------------------------------ measurements


@pytest.fixture(scope="module")
def samples() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2024)
    return rng.normal(10.02, 0.03, 40), rng.normal(10.00, 0.015, 35)


def test_welch_matches_scipy(samples: tuple[np.ndarray, np.ndarray]) -> None:
    before, after = samples
    m = rca.compare_measurements(before, after, confidence=0.9)
    ref = stats.ttest_ind(after, before, equal_var=False)
    ci = ref.confidence_interval(0.9)
    assert m.mean_p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert m.mean_df == pytest.approx(ref.df, rel=1e-12)
    assert (m.mean_lower, m.mean_upper) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert m.mean_diff == pytest.approx(after.mean() - before.mean(), rel=1e-12)


def test_sd_ratio_matches_f_distribution(samples: tuple[np.ndarray, np.ndarray]) -> None:
    """σ_a²/σ_b² interval: [F / F_{0.975}(na−1, nb−1), F / F_{0.025}(na−1, nb−1)]; the F test
    two-sided p = 2 min(P(F' ≤ F), P(F' ≥ F))."""
    before, after = samples
    m = rca.compare_measurements(before, after)
    f = after.var(ddof=1) / before.var(ddof=1)
    d1, d2 = len(after) - 1, len(before) - 1
    assert m.sd_ratio == pytest.approx(math.sqrt(f), rel=1e-12)
    assert m.sd_lower == pytest.approx(math.sqrt(f / stats.f.ppf(0.975, d1, d2)), rel=1e-10)
    assert m.sd_upper == pytest.approx(math.sqrt(f / stats.f.ppf(0.025, d1, d2)), rel=1e-10)
    p = 2 * min(stats.f.cdf(f, d1, d2), stats.f.sf(f, d1, d2))
    assert m.sd_p_value == pytest.approx(p, rel=1e-10)
    assert m.levene_p_value == pytest.approx(
        stats.levene(before, after, center="median").pvalue, rel=1e-12)


def test_bissell_montgomery_example() -> None:
    """Montgomery, sect. 8.3 worked example: n = 20, Ĉpk = 1.33 → 0.88 ≤ Cpk ≤ 1.78 (95 %)."""
    z = stats.norm.ppf(0.975)
    se = _bissell_se(1.33, 20)
    assert se == pytest.approx(1.33 * math.sqrt(1 / (9 * 20 * 1.33**2) + 1 / (2 * 19)),
                               rel=1e-14)
    assert round(1.33 - z * se, 2) == 0.88
    assert round(1.33 + z * se, 2) == 1.78


def test_ppk_and_intervals_match_spc_capability(samples: tuple[np.ndarray, np.ndarray]) -> None:
    """Each period's Ppk and its Bissell interval equal ``spc.capability``'s (overall
    sigma); the difference's SE is sqrt(se_b² + se_a²)."""
    before, after = samples
    lsl, usl = 9.93, 10.07
    m = rca.compare_measurements(before, after, lsl=lsl, usl=usl)
    for x, est, lo, hi in ((before, m.ppk_before, m.ppk_before_lower, m.ppk_before_upper),
                           (after, m.ppk_after, m.ppk_after_lower, m.ppk_after_upper)):
        study = spc.capability(pd.DataFrame({"x": x}), value="x", lsl=lsl, usl=usl)
        cap = study.to_frame().set_index("index")
        assert est == pytest.approx(cap.loc["ppk", "estimate"], rel=1e-12)
        assert (lo, hi) == pytest.approx((cap.loc["ppk", "lower"], cap.loc["ppk", "upper"]),
                                         rel=1e-10)
    z = stats.norm.ppf(0.975)
    se = math.hypot(_bissell_se(m.ppk_before, len(before)), _bissell_se(m.ppk_after, len(after)))
    assert (m.ppk_lower, m.ppk_upper) == pytest.approx(
        (m.ppk_diff - z * se, m.ppk_diff + z * se), rel=1e-12)
    assert m.ppk_p_value == pytest.approx(2 * stats.norm.sf(abs(m.ppk_diff) / se), rel=1e-10)


def test_one_sided_index(samples: tuple[np.ndarray, np.ndarray]) -> None:
    before, after = samples
    m = rca.compare_measurements(before, after, usl=10.07)
    assert m.index == "Ppu"
    assert m.ppk_before == pytest.approx((10.07 - before.mean()) / (3 * before.std(ddof=1)))
    m = rca.compare_measurements(before, after, lsl=9.93)
    assert m.index == "Ppl"
    assert m.ppk_after == pytest.approx((after.mean() - 9.93) / (3 * after.std(ddof=1)))


def test_bootstrap_percentiles_recomputed(samples: tuple[np.ndarray, np.ndarray]) -> None:
    """The percentile bootstrap, recomputed here with the same generator and draws."""
    before, after = samples
    m = rca.compare_measurements(before, after, lsl=9.93, usl=10.07, method="bootstrap",
                                 n_boot=500, seed=7)
    rng = np.random.default_rng(7)
    ib = rng.integers(0, len(before), size=(500, len(before)))
    ia = rng.integers(0, len(after), size=(500, len(after)))

    def ppk(x: np.ndarray) -> np.ndarray:
        mu, s = x.mean(axis=1), x.std(axis=1, ddof=1)
        out: np.ndarray = np.minimum(10.07 - mu, mu - 9.93) / (3 * s)
        return out

    d = ppk(after[ia]) - ppk(before[ib])
    assert (m.ppk_lower, m.ppk_upper) == pytest.approx(
        tuple(np.quantile(d, [0.025, 0.975])), rel=1e-12)
    # the bootstrap and Bissell intervals agree roughly for normal data of this size
    n = rca.compare_measurements(before, after, lsl=9.93, usl=10.07)
    assert abs(m.ppk_lower - n.ppk_lower) < 0.35 * (n.ppk_upper - n.ppk_lower)
