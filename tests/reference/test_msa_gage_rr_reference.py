"""Reference tests: leankit.msa.gage_rr against published worked examples.

Every test names its source. The data are typed from the published tables.

* **AIAG MSA manual, 4th edition (2010)**, the variable gage study of Chapter III B:
  10 parts × 3 appraisers (A, B, C) × 3 trials (the data of its Table III-B 6 /
  the Gage R&R data collection sheet; reproduced e.g. in W. McNeese, "Three Methods to
  Analyze Gage R&R Studies", SPC for Excel, 2015). The manual prints the ANOVA
  (Table III-B 7: SS 3.1673, 88.3619, 0.3590, 2.7589, 94.6471; F = 0.434 for the
  interaction) and the ANOVA components (Table III-B 8: EV 0.199933, AV 0.226838,
  INT 0, GRR 0.302373, PV 1.042327, TV 1.085; %TV 18.4, 20.9, 0, 27.9, 96.0;
  % contribution 3.4, 4.4, 0, 7.8, 92.2; ndc 4), and the average-and-range (X̄-R) report
  (R̄ = 0.3417, X̄DIFF = 0.4446, Rp = 3.511, K1 = 0.5908, K2 = 0.5231, K3 = 0.3146;
  EV = 0.20188, AV = 0.22963, GRR = 0.30575, PV = 1.10456, TV = 1.14610; %GRR 26.68;
  ndc 5). McNeese computes the same report without the form's rounding: %EV 17.61,
  %AV 20.04, %GRR 26.68, %PV 96.37.
* **Montgomery, Introduction to Statistical Quality Control, 6th ed., Section 8.7**
  (the thermal-impedance gauge study, Table 8.7: 10 parts × 3 inspectors × 3 tests; the
  example's number differs between editions): ANOVA SS 3935.96, 39.27, 48.51, 30.67,
  4054.40; MS 437.33, 19.63, 2.70, 0.51; F 162.27, 7.28, 5.27 (the interaction is
  significant and kept); σ̂²_repeatability 0.51, σ̂²_operator 0.56, σ̂²_P×O 0.73,
  σ̂²_part 48.29, σ̂²_gauge 1.80 (σ̂_gauge 1.34), P/T = 6·1.34/(58 − 18) = 0.20.
* **Montgomery, Design and Analysis of Experiments, Example 14.1** (two-stage nested
  design: 3 suppliers × 4 batches each × 3 purity determinations; Table 14.3 data,
  Table 14.4 ANOVA: SS 15.06, 69.92, 63.33, 148.31; MS 7.53, 7.77, 2.64; F 0.97, 2.94;
  P 0.42, 0.02; σ̂² = 2.64, σ̂²_batches = 1.71; the supplier component is negative,
  (7.53 − 7.77)/12 < 0). A nested gage study has the same model with operators for
  suppliers, parts for batches and trials for determinations (Minitab's nested gage R&R
  uses these expected mean squares).
* **Duncan, Quality Control and Industrial Statistics, Table D3 / AIAG MSA Appendix C**:
  d2* for g = 1 and g = 2 ranges; the AIAG report form's K constants.
* Independent routes: statsmodels' OLS ``anova_lm`` (sums of squares) and ``MixedLM``
  (REML variance components, which equal the ANOVA estimates for balanced data when
  none is negative).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leankit import msa
from leankit.msa._d2star import d2_star, k_constants
from leankit.msa._gage_rr import xbar_r_components

# AIAG MSA 4th ed., Chapter III B: appraiser -> trials 1-3 -> parts 1-10
AIAG = {
    "A": [[0.29, -0.56, 1.34, 0.47, -0.80, 0.02, 0.59, -0.31, 2.26, -1.36],
          [0.41, -0.68, 1.17, 0.50, -0.92, -0.11, 0.75, -0.20, 1.99, -1.25],
          [0.64, -0.58, 1.27, 0.64, -0.84, -0.21, 0.66, -0.17, 2.01, -1.31]],
    "B": [[0.08, -0.47, 1.19, 0.01, -0.56, -0.20, 0.47, -0.63, 1.80, -1.68],
          [0.25, -1.22, 0.94, 1.03, -1.20, 0.22, 0.55, 0.08, 2.12, -1.62],
          [0.07, -0.68, 1.34, 0.20, -1.28, 0.06, 0.83, -0.34, 2.19, -1.50]],
    "C": [[0.04, -1.38, 0.88, 0.14, -1.46, -0.29, 0.02, -0.46, 1.77, -1.49],
          [-0.11, -1.13, 1.09, 0.20, -1.07, -0.67, 0.01, -0.56, 1.45, -1.77],
          [-0.15, -0.96, 0.67, 0.11, -1.45, -0.49, 0.21, -0.49, 1.87, -2.16]],
}

# Montgomery, ISQC 6th ed., Table 8.7: inspector, then parts 1-10 (one line per test)
THERMAL = """1,37,42,30,42,28,42,25,40,25,35
1,38,41,31,43,30,42,26,40,25,34
1,37,43,31,42,29,43,27,40,25,34
2,41,42,31,43,29,45,28,43,27,35
2,41,42,31,43,30,45,28,42,29,35
2,40,42,31,43,29,45,30,42,28,34
3,41,43,29,42,31,44,29,43,26,35
3,42,42,30,42,29,46,27,43,26,34
3,41,43,28,42,29,45,27,41,26,35"""

# Montgomery, DAE, Example 14.1 (Table 14.3): supplier -> batches 1-4 -> 3 determinations
PURITY = {
    1: [[1, -1, 0], [-2, -3, -4], [-2, 0, 1], [1, 4, 0]],
    2: [[1, -2, -3], [0, 4, 2], [-1, 0, -2], [0, 3, 2]],
    3: [[2, 4, 0], [-2, 0, 2], [1, -1, 2], [3, 2, 1]],
}


def aiag() -> pd.DataFrame:
    return pd.DataFrame([{"appraiser": a, "trial": t + 1, "part": p + 1, "value": v}
                         for a, trials in AIAG.items() for t, row in enumerate(trials)
                         for p, v in enumerate(row)])


def thermal() -> pd.DataFrame:
    rows = []
    for line in THERMAL.splitlines():
        inspector, *values = line.split(",")
        rows += [{"inspector": int(inspector), "part": p + 1, "impedance": float(v)}
                 for p, v in enumerate(values)]
    return pd.DataFrame(rows)


def purity() -> pd.DataFrame:
    return pd.DataFrame([{"supplier": s, "batch": f"{s}-{b + 1}", "purity": float(v)}
                         for s, batches in PURITY.items() for b, dets in enumerate(batches)
                         for v in dets])


def _printed(x: float, digits: int) -> float:
    return round(float(x), digits)


# ------------------------------------------------------------------ AIAG, ANOVA method


def test_aiag_anova_table():
    """AIAG MSA 4th ed., Table III-B 7: the two-way ANOVA with interaction, at the
    printed digits (SS 4 decimals, MS 5, F 2 or 3)."""
    r = msa.gage_rr(aiag(), part="part", operator="appraiser", value="value")
    t = r.anova.set_index("source")
    assert t["df"].tolist() == [9, 2, 18, 60, 89]
    assert _printed(t.loc["Operator", "ss"], 4) == 3.1673
    assert _printed(t.loc["Part", "ss"], 4) == 88.3619
    assert _printed(t.loc["Operator × part", "ss"], 4) == 0.3590
    assert _printed(t.loc["Repeatability", "ss"], 4) == 2.7589
    assert _printed(t.loc["Total", "ss"], 4) == 94.6471
    assert _printed(t.loc["Operator", "ms"], 5) == 1.58363
    assert _printed(t.loc["Part", "ms"], 5) == 9.81799
    assert _printed(t.loc["Operator × part", "ms"], 5) == 0.01994
    assert _printed(t.loc["Repeatability", "ms"], 5) == 0.04598
    assert _printed(t.loc["Operator", "f"], 2) == 79.41
    assert _printed(t.loc["Part", "f"], 2) == 492.29
    assert _printed(t.loc["Operator × part", "f"], 3) == 0.434


def test_aiag_anova_components():
    """AIAG MSA 4th ed., Table III-B 8: the interaction is not significant and pooled;
    EV, AV, PV at the 6 printed decimals, GRR within one unit of the 6th decimal (the
    manual prints 0.302373, the square root of its rounded variances; the exact value is
    0.3023715), TV 1.085, %TV and % contribution at 1 decimal, ndc 4."""
    r = msa.gage_rr(aiag(), part="part", operator="appraiser", value="value")
    assert r.interaction_pooled and r.interaction_p > 0.05
    c = r.components.set_index("component")
    assert "operator_part" not in c.index  # INT = 0: pooled
    assert _printed(c.loc["repeatability", "sd"], 6) == 0.199933
    assert _printed(c.loc["repeatability", "variance"], 6) == 0.039973
    assert _printed(c.loc["reproducibility", "sd"], 6) == 0.226838
    assert _printed(c.loc["reproducibility", "variance"], 6) == 0.051455
    assert _printed(c.loc["part", "sd"], 6) == 1.042327
    assert _printed(c.loc["part", "variance"], 6) == 1.086447
    assert c.loc["gage_rr", "sd"] == pytest.approx(0.302373, abs=1.5e-6)
    assert _printed(c.loc["total", "sd"], 3) == 1.085
    pct_tv = {"repeatability": 18.4, "reproducibility": 20.9, "gage_rr": 27.9, "part": 96.0}
    pct_contrib = {"repeatability": 3.4, "reproducibility": 4.4, "gage_rr": 7.8, "part": 92.2}
    for k, v in pct_tv.items():
        assert _printed(c.loc[k, "pct_study_var"], 1) == v, k
        assert _printed(c.loc[k, "pct_contribution"], 1) == pct_contrib[k], k
    assert r.ndc == 4
    assert r.verdict == "unacceptable"  # 27.9 % and ndc 4 < 5


def test_aiag_anova_against_statsmodels_ols():
    """Independent route: statsmodels OLS ``anova_lm`` (type I, balanced) gives the same
    sums of squares and mean squares as leankit's balanced-ANOVA formulas."""
    from statsmodels.formula.api import ols
    from statsmodels.stats.anova import anova_lm

    df = aiag()
    fit = ols("value ~ C(part) * C(appraiser)", data=df).fit()
    sm = anova_lm(fit, typ=1)
    r = msa.gage_rr(df, part="part", operator="appraiser", value="value")
    t = r.anova.set_index("source")
    pairs = {"Part": "C(part)", "Operator": "C(appraiser)",
             "Operator × part": "C(part):C(appraiser)", "Repeatability": "Residual"}
    for ours, theirs in pairs.items():
        assert t.loc[ours, "ss"] == pytest.approx(sm.loc[theirs, "sum_sq"], rel=1e-10)
        assert t.loc[ours, "df"] == sm.loc[theirs, "df"]
    # statsmodels' F for the interaction uses the residual (as the gage R&R table does)
    assert t.loc["Operator × part", "f"] == pytest.approx(sm.loc["C(part):C(appraiser)", "F"],
                                                          rel=1e-10)


def test_aiag_components_against_statsmodels_reml():
    """Independent route: statsmodels ``MixedLM`` REML fit of the model without the
    interaction (crossed random part and operator effects as variance components of one
    group). For balanced data with positive ANOVA estimates, REML equals the ANOVA
    (expected-mean-square) estimates: repeatability 0.039973, operator 0.051455, part
    1.086447."""
    import statsmodels.formula.api as smf

    df = aiag().assign(group=1)
    model = smf.mixedlm("value ~ 1", df, groups="group", re_formula="0",
                        vc_formula={"part": "0 + C(part)", "appraiser": "0 + C(appraiser)"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(reml=True, method="bfgs", maxiter=5000, gtol=1e-12)
    vc = dict(zip(model.exog_vc.names, fit.vcomp, strict=True))
    r = msa.gage_rr(df, part="part", operator="appraiser", value="value")
    c = r.components.set_index("component")["variance"]
    assert vc["part"] == pytest.approx(c["part"], rel=1e-5)
    assert vc["appraiser"] == pytest.approx(c["operator"], rel=1e-5)
    assert fit.scale == pytest.approx(c["repeatability"], rel=1e-5)


def test_repeatability_interval_is_the_exact_chi_square_interval():
    """Burdick, Borror & Montgomery (2005): the interval of σ²_E is
    ``[ν·MS_E/χ²(1−α/2; ν), ν·MS_E/χ²(α/2; ν)]`` (here the pooled MS with ν = 78)."""
    r = msa.gage_rr(aiag(), part="part", operator="appraiser", value="value")
    ms, nu = 3.117916 / 78, 78
    c = r.component("repeatability")
    assert c["var_lower"] == pytest.approx(nu * ms / stats.chi2.ppf(0.975, nu), rel=1e-5)
    assert c["var_upper"] == pytest.approx(nu * ms / stats.chi2.ppf(0.025, nu), rel=1e-5)


# ------------------------------------------------------------------ Montgomery, ISQC


def test_montgomery_thermal_impedance_interaction_kept():
    """Montgomery, ISQC 6th ed., Section 8.7 (thermal impedance, Table 8.7): the
    interaction is significant (F 5.27), so it stays in the model; ANOVA and variance
    components at the printed 2 decimals; P/T with LSL 18, USL 58 is 0.20."""
    r = msa.gage_rr(thermal(), part="part", operator="inspector", value="impedance",
                    lsl=18, usl=58)
    assert not r.interaction_pooled and r.interaction_p < 0.001
    t = r.anova.set_index("source")
    assert [_printed(t.loc[s, "ss"], 2) for s in t.index] == [3935.96, 39.27, 48.51, 30.67,
                                                               4054.40]
    assert [_printed(t.loc[s, "ms"], 2) for s in t.index[:4]] == [437.33, 19.63, 2.70, 0.51]
    assert [_printed(t.loc[s, "f"], 2) for s in t.index[:3]] == [162.27, 7.28, 5.27]
    c = r.components.set_index("component")
    assert _printed(c.loc["repeatability", "variance"], 2) == 0.51
    assert _printed(c.loc["operator", "variance"], 2) == 0.56
    assert _printed(c.loc["operator_part", "variance"], 2) == 0.73
    assert _printed(c.loc["part", "variance"], 2) == 48.29
    assert _printed(c.loc["gage_rr", "variance"], 2) == 1.80
    assert _printed(c.loc["gage_rr", "sd"], 2) == 1.34
    assert _printed(c.loc["gage_rr", "pct_tolerance"] / 100, 2) == 0.20


# ------------------------------------------------------------------ AIAG, X̄-R method


def test_aiag_xbar_r_form_reproduced_exactly():
    """AIAG MSA 4th ed., Gage R&R report (average and range method): from the form's
    rounded figures (R̄ = 0.3417, X̄DIFF = 0.4446, Rp = 3.511) and its K constants
    (0.5908, 0.5231, 0.3146) the formulas give the printed EV 0.20188, AV 0.22963,
    GRR 0.30575, PV 1.10456, TV 1.14610, %GRR 26.68 and ndc 5."""
    sd = xbar_r_components(0.3417, 0.4446, 3.511, n_parts=10, n_trials=3, k1=0.5908,
                           k2=0.5231, k3=0.3146)
    assert {k: _printed(v, 5) for k, v in sd.items()} == {
        "EV": 0.20188, "AV": 0.22963, "GRR": 0.30575, "PV": 1.10456, "TV": 1.14610}
    assert _printed(100 * sd["GRR"] / sd["TV"], 2) == 26.68
    assert math.floor(1.41 * sd["PV"] / sd["GRR"]) == 5


def test_aiag_xbar_r_from_the_data():
    """AIAG MSA 4th ed., the same report computed by ``gage_rr(method='xbar_r')`` from the
    raw data, without the form's intermediate rounding: R̄, X̄DIFF and Rp at the form's
    printed digits; the K constants (computed from d2*) at the form's 4 decimals; EV, AV,
    GRR, PV, TV within 1.2e-4 of the printed values (the form rounds R̄, X̄DIFF and the
    K's); %EV, %AV, %GRR, %PV at McNeese's (SPC for Excel, 2015) unrounded 17.61, 20.04,
    26.68, 96.37; ndc 5."""
    r = msa.gage_rr(aiag(), part="part", operator="appraiser", value="value",
                    method="xbar_r")
    k = r.constants
    assert _printed(k["rbar"], 4) == 0.3417
    assert _printed(k["xdiff"], 4) == 0.4447  # the form prints 0.4446 (0.444667 truncated)
    assert _printed(k["rp"], 3) == 3.511
    assert (_printed(k["K1"], 4), _printed(k["K2"], 4), _printed(k["K3"], 4)) == (
        0.5908, 0.5231, 0.3146)
    c = r.components.set_index("component")
    printed = {"repeatability": (0.20188, 17.61), "reproducibility": (0.22963, 20.04),
               "gage_rr": (0.30575, 26.68), "part": (1.10456, 96.37), "total": (1.14610, 100)}
    for name, (sd, pct) in printed.items():
        assert c.loc[name, "sd"] == pytest.approx(sd, abs=1.2e-4), name
        assert _printed(c.loc[name, "pct_study_var"], 2) == pct, name
    assert _printed(r.pct_study_var, 2) == 26.68
    assert r.ndc == 5
    assert r.verdict == "conditional"
    assert "operator_part" not in c.index and np.isnan(c["var_lower"]).all()


# ------------------------------------------------------------------ d2* and K constants


@pytest.mark.parametrize(("g", "row"), [
    (1, [1.41421, 1.91155, 2.23887, 2.48124, 2.67253, 2.82981, 2.96288, 3.07794, 3.17905]),
    (2, [1.27931, 1.80538, 2.15069, 2.40484, 2.60438, 2.76779, 2.90562, 3.02446, 3.12869]),
])
def test_d2_star_against_duncan_table(g, row):
    """Duncan, Table D3 / AIAG MSA Appendix C, d2* for m = 2..10 and g = 1, 2 (5
    decimals). leankit computes ``sqrt(d2² + d3²/g)`` from the exact d2 and d3; the table
    was computed from older d2, d3 values and differs by at most 1 in the 5th decimal."""
    for m, published in zip(range(2, 11), row, strict=True):
        assert d2_star(m, g) == pytest.approx(published, abs=1.5e-5), (m, g)


def test_d2_star_tends_to_d2():
    """Duncan: d2* falls towards d2 as g grows (d2(3) = 1.693)."""
    from leankit.spc import d2

    assert d2_star(3, 10**8) == pytest.approx(d2(3), rel=1e-8)
    assert d2_star(3, 1) > d2_star(3, 2) > d2_star(3, 15) > d2(3)


def test_k_constants_against_aiag_form():
    """AIAG MSA 4th ed. report form: K1 = 0.8862 (2 trials), 0.5908 (3 trials);
    K2 = 0.7071 (2 appraisers), 0.5231 (3); K3 = 0.7071, 0.5231, 0.4467, 0.4030, 0.3742,
    0.3534, 0.3375, 0.3249, 0.3146 for 2..10 parts."""
    assert _printed(k_constants(2, 3, 10)["K1"], 4) == 0.8862
    assert _printed(k_constants(3, 3, 10)["K1"], 4) == 0.5908
    assert _printed(k_constants(3, 2, 10)["K2"], 4) == 0.7071
    assert _printed(k_constants(3, 3, 10)["K2"], 4) == 0.5231
    k3 = [0.7071, 0.5231, 0.4467, 0.4030, 0.3742, 0.3534, 0.3375, 0.3249, 0.3146]
    for parts, published in zip(range(2, 11), k3, strict=True):
        assert _printed(k_constants(3, 3, parts)["K3"], 4) == published, parts


# ------------------------------------------------------------------ nested: Montgomery 14.1


def test_nested_montgomery_example_14_1():
    """Montgomery, DAE, Example 14.1 (Table 14.4): SS 15.06, 69.92, 63.33, 148.31; df 2, 9,
    24, 35; MS 7.53, 7.77, 2.64; F 0.97 and 2.94; P 0.42 and 0.02; σ̂² = 2.64 and
    σ̂²_batches = (7.77 − 2.64)/3 = 1.71; the supplier (operator) component is negative
    ((7.53 − 7.77)/12) and set to 0."""
    r = msa.gage_rr(purity(), part="batch", operator="supplier", value="purity",
                    design="nested")
    assert (r.n_operators, r.n_parts, r.n_trials) == (3, 4, 3)
    t = r.anova.set_index("source")
    assert [_printed(t.loc[s, "ss"], 2) for s in t.index] == [15.06, 69.92, 63.33, 148.31]
    assert t["df"].tolist() == [2, 9, 24, 35]
    assert [_printed(t.loc[s, "ms"], 2) for s in t.index[:3]] == [7.53, 7.77, 2.64]
    assert _printed(t.loc["Operator", "f"], 2) == 0.97
    assert _printed(t.loc["Part (operator)", "f"], 2) == 2.94
    assert _printed(t.loc["Operator", "p_value"], 2) == 0.42
    assert _printed(t.loc["Part (operator)", "p_value"], 2) == 0.02
    c = r.components.set_index("component")["variance"]
    assert _printed(c["repeatability"], 2) == 2.64
    assert _printed(c["part"], 2) == 1.71
    assert c["operator"] == 0.0 and c["reproducibility"] == 0.0
    assert c["gage_rr"] == c["repeatability"]
    assert any("negative variance" in n for n in r.notes)


def test_nested_against_statsmodels_ols():
    """Independent route: statsmodels OLS ``anova_lm`` of ``y ~ supplier / batch`` gives
    the nested sums of squares."""
    from statsmodels.formula.api import ols
    from statsmodels.stats.anova import anova_lm

    df = purity()
    df["b"] = df["batch"].str[-1]  # batch 1-4 within its supplier: a full-rank nested coding
    sm = anova_lm(ols("purity ~ C(supplier) + C(supplier):C(b)", data=df).fit(), typ=1)
    r = msa.gage_rr(df, part="batch", operator="supplier", value="purity", design="nested")
    t = r.anova.set_index("source")
    assert t.loc["Operator", "ss"] == pytest.approx(sm.loc["C(supplier)", "sum_sq"], rel=1e-10)
    assert t.loc["Part (operator)", "ss"] == pytest.approx(
        sm.loc["C(supplier):C(b)", "sum_sq"], rel=1e-10)
    assert t.loc["Repeatability", "ss"] == pytest.approx(sm.loc["Residual", "sum_sq"],
                                                         rel=1e-10)
