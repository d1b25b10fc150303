"""Reference tests: Laney p′/u′, g and t charts against their documented formulas.

No printed Laney, g or t chart results were found in reach (see
``data/laney_rare/SOURCES.md``), so each test recomputes the documented formulas
independently, in plain Python (``math``) or with scipy, and says which document it
follows. One test holds a printed textbook value: Montgomery's p chart, which the Laney
p′ chart must reproduce with σ_z = 1.

Tolerances: ``TIGHT = 1e-12`` relative where the recomputation is exact arithmetic;
``FIT = 1e-5`` where scipy's numerical maximum-likelihood fit is the reference (its
optimizer stops about 1e-6 relative from the optimum; leankit solves the likelihood
equation to ~1e-15 and its log-likelihood is checked to be at least scipy's);
Montgomery's printed values at their 4 decimals.
Minitab and qicharts2 print d2(2) = 1.128; leankit uses 2/√π = 1.1283792, so leankit's
σ_z is compared with ``MR̄/1.128 × 1.128/(2/√π)``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leankit import spc

DATA = Path(__file__).parent / "data" / "laney_rare"
TIGHT = 1e-12
FIT = 1e-5
D2_MINITAB = 1.128
D2_EXACT = 2.0 / math.sqrt(math.pi)


def _load(name: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads((DATA / name).read_text())
    return out


def _laney_by_hand(counts: list[float], sizes: list[float], kind: str
                   ) -> tuple[float, float, list[float], list[float]]:
    """Minitab's Laney P′/U′ formulas, in plain Python: (rate, σ_z with d2 = 1.128, LCLs, UCLs)."""
    rate = sum(counts) / sum(sizes)
    sig = [math.sqrt(rate * (1 - rate) / n) if kind == "p" else math.sqrt(rate / n)
           for n in sizes]
    z = [(c / n - rate) / s for c, n, s in zip(counts, sizes, sig, strict=True)]
    mr = [abs(z[i] - z[i - 1]) for i in range(1, len(z))]
    sigma_z = sum(mr) / len(mr) / D2_MINITAB
    exact = sigma_z * D2_MINITAB / D2_EXACT
    lcl = [max(0.0, rate - 3 * s * exact) for s in sig]
    ucl = [min(1.0, rate + 3 * s * exact) if kind == "p" else rate + 3 * s * exact
           for s in sig]
    return rate, sigma_z, lcl, ucl


def test_laney_p_orange_juice_matches_minitab_formulas():
    """Laney p′ on Montgomery's orange-juice cans (Table 7.1, samples 1-30) against
    Minitab's "Methods and formulas for Laney P′ Chart", recomputed by hand."""
    d = _load("orange_juice_p.json")
    df = pd.DataFrame({"sample": d["sample"], "D": d["D"], "size": d["size"]})
    chart = spc.laney_p(df, count="D", size="size", subgroup="sample")
    rate, sigma_z_minitab, lcl, ucl = _laney_by_hand(d["D"], d["size"], "p")
    lim = chart.limits.iloc[0]
    assert lim["p"] == pytest.approx(rate, rel=TIGHT)
    assert lim["sigma_z"] == pytest.approx(sigma_z_minitab * D2_MINITAB / D2_EXACT, rel=TIGHT)
    # the value Minitab would print (d2 = 1.128) differs by 3.4e-4, relative
    assert lim["sigma_z"] / sigma_z_minitab == pytest.approx(0.99966, abs=1e-5)
    frame = chart.to_frame()
    np.testing.assert_allclose(frame["ucl"], ucl, rtol=TIGHT)
    np.testing.assert_allclose(frame["lcl"], lcl, rtol=TIGHT, atol=0)


def test_laney_p_with_sigma_z_1_is_montgomerys_printed_p_chart():
    """σ_z = 1 gives the classic p chart: Montgomery, ISQC Example 7.1 prints p̄ = 0.2313,
    UCL = 0.4102 and LCL = 0.0524 for the 30 orange-juice samples."""
    d = _load("orange_juice_p.json")
    df = pd.DataFrame({"sample": d["sample"], "D": d["D"], "size": d["size"]})
    chart = spc.laney_p(df, count="D", size="size", subgroup="sample", sigma_z=1)
    lim = chart.limits.iloc[0]
    assert round(lim["center"], 4) == 0.2313
    assert round(lim["ucl"], 4) == 0.4102
    assert round(lim["lcl"], 4) == 0.0524
    # and the classic chart's signals (samples 15 and 23, Montgomery)
    assert sorted(chart.signals.query("rule == 'we_1'")["subgroup"]) == [15, 23]


def test_laney_u_dyed_cloth_matches_minitab_formulas():
    """Laney u′ on Montgomery's dyed cloth (non-integer inspection units, qcc's data)
    against Minitab's "Methods and formulas for Laney U′ Chart", recomputed by hand."""
    d = _load("dyed_cloth_u.json")
    df = pd.DataFrame({"roll": d["roll"], "x": d["x"], "size": d["size"]})
    chart = spc.laney_u(df, count="x", size="size", subgroup="roll")
    rate, sigma_z_minitab, lcl, ucl = _laney_by_hand(d["x"], d["size"], "u")
    assert chart.limits.loc[0, "u"] == pytest.approx(rate, rel=TIGHT)
    assert chart.limits.loc[0, "sigma_z"] == pytest.approx(
        sigma_z_minitab * D2_MINITAB / D2_EXACT, rel=TIGHT)
    frame = chart.to_frame()
    np.testing.assert_allclose(frame["ucl"], ucl, rtol=TIGHT)
    np.testing.assert_allclose(frame["lcl"], lcl, rtol=TIGHT, atol=1e-15)


def _minitab_g(p: float, alpha: float) -> float:
    """Minitab's G chart quantile: interpolated INVCDF of the "number until" geometric
    (scipy.stats.geom, support 1, 2, ...), minus 1."""
    dist = stats.geom(p)
    gb = float(dist.ppf(alpha))
    ga = gb - 1.0
    pa = float(dist.cdf(ga)) if ga >= 1 else 0.0
    pb = float(dist.cdf(gb))
    return ga + (alpha - pa) / (pb - pa) - 1.0


def test_g_probability_limits_match_minitab_formulas():
    """g chart probability limits against Minitab's "Methods and formulas for G Chart"
    (center G2 − 1, LCL G1 − 1, UCL G3 − 1 at 0.5, 0.00135, 0.99865; p̂ = 1/(ḡ + 1)),
    recomputed with scipy.stats.geom on synthetic geometric data."""
    between = _load("g_synthetic.json")["between"]
    chart = spc.g_chart(pd.DataFrame({"g": between}), value="g")
    gbar = sum(between) / len(between)
    p = 1 / (gbar + 1)
    lim = chart.limits.iloc[0]
    assert lim["gbar"] == pytest.approx(gbar, rel=TIGHT)
    assert lim["center"] == pytest.approx(_minitab_g(p, 0.5), rel=1e-10)
    # Minitab prints α = 0.99865; leankit uses Φ(3) = 0.998650102 (UCL 1.2e-5 apart)
    assert lim["ucl"] == pytest.approx(_minitab_g(p, 0.99865), rel=2e-5)
    assert lim["ucl"] == pytest.approx(_minitab_g(p, float(stats.norm.cdf(3))), rel=1e-10)
    assert lim["lcl"] == max(0.0, _minitab_g(p, 0.00135)) == 0.0


def test_g_sigma_limits_match_benneyan():
    """g chart with method="sigma", center="mean": Benneyan (2001) ḡ ± 3√(ḡ(ḡ+1)), LCL
    floored at 0 (qicharts2's qic.g computes the same limits)."""
    between = _load("g_synthetic.json")["between"]
    chart = spc.g_chart(pd.DataFrame({"g": between}), value="g", method="sigma",
                        center="mean")
    gbar = sum(between) / len(between)
    half = 3 * math.sqrt(gbar * (gbar + 1))
    lim = chart.limits.iloc[0]
    assert lim["center"] == pytest.approx(gbar, rel=TIGHT)
    assert lim["ucl"] == pytest.approx(gbar + half, rel=TIGHT)
    assert lim["lcl"] == 0.0


def test_t_weibull_limits_match_scipy_fit():
    """t chart (method="weibull") against Minitab's "Methods and formulas for T Chart":
    Weibull maximum likelihood (scipy.stats.weibull_min.fit with location 0), center at
    the median, limits at the Φ(−3) and Φ(3) quantiles."""
    hours = _load("t_synthetic.json")["hours"]
    chart = spc.t_chart(pd.DataFrame({"h": hours}), value="h")
    shape, _, scale = stats.weibull_min.fit(hours, floc=0)
    dist = stats.weibull_min(shape, scale=scale)
    lim = chart.limits.iloc[0]

    def loglik(a: float, b: float) -> float:
        return float(stats.weibull_min.logpdf(hours, a, scale=b).sum())

    assert loglik(lim["shape"], lim["scale"]) >= loglik(shape, scale) - 1e-9
    assert lim["shape"] == pytest.approx(shape, rel=FIT)
    assert lim["scale"] == pytest.approx(scale, rel=FIT)
    assert lim["center"] == pytest.approx(dist.median(), rel=FIT)
    assert lim["lcl"] == pytest.approx(dist.ppf(stats.norm.cdf(-3)), rel=FIT)
    assert lim["ucl"] == pytest.approx(dist.ppf(stats.norm.cdf(3)), rel=FIT)


def test_t_transform_limits_match_the_individuals_chart_of_t_to_the_1_over_3_6():
    """t chart (method="transform"): an I chart of y = t^(1/3.6) with σ = MR̄/d2(2),
    back-transformed by ^3.6 (Nelson 1994; Montgomery sec. 7.3.5; qicharts2's qic.t
    without its screening of large moving ranges), recomputed in plain Python."""
    hours = _load("t_synthetic.json")["hours"]
    chart = spc.t_chart(pd.DataFrame({"h": hours}), value="h", method="transform")
    y = [h ** (1 / 3.6) for h in hours]
    mean = sum(y) / len(y)
    mr = [abs(y[i] - y[i - 1]) for i in range(1, len(y))]
    sigma = sum(mr) / len(mr) / D2_EXACT
    lim = chart.limits.iloc[0]
    assert lim["center"] == pytest.approx(mean ** 3.6, rel=TIGHT)
    assert lim["ucl"] == pytest.approx((mean + 3 * sigma) ** 3.6, rel=TIGHT)
    assert lim["lcl"] == pytest.approx(max(0.0, mean - 3 * sigma) ** 3.6, rel=TIGHT)
    # the shortest gap (0.52 h) stays just above the LCL: no signal
    assert min(hours) > lim["lcl"] and chart.signals.empty
