"""Reference checks of the type-1, linearity-and-bias and attribute agreement studies.

Published examples (data typed from the sources named in each test, compared to the
printed digits):

* Fleiss' kappa: Fleiss (1971), *Psychological Bulletin* 76, 378-382, Table 1 (30
  patients x 6 psychiatrists x 5 diagnoses; kappa = .430 and the per-category kappas);
  the data as distributed in R's irr package (``diagnoses``), whose ``kappam.fleiss``
  prints z = 17.7; and Wikipedia's "Fleiss' kappa" worked example (10 x 14 raters,
  kappa = 0.210).
* Cohen's kappa: Wikipedia's "Cohen's kappa" example (kappa = 0.4), a SAS PROC FREQ
  "Simple Kappa Coefficient" printout (3 x 3 table, 19 subjects; quoted in statsmodels'
  test suite) and irr's ``kappa2(diagnoses[, 2:3])`` (kappa = 0.631, z = 7.56).
* Kendall's W: irr's ``kendall(anxiety, TRUE)`` (20 subjects x 3 raters; Wt = 0.54,
  chi2(19) = 30.8, p = 0.0429).
* Linearity: the AIAG MSA manual 4th ed. (2010) gage linearity example (5 masters x 12
  readings; slope -0.1317, intercept 0.7367, R^2 0.71, linearity 0.79 and %linearity
  13.17 with a process variation of 6.00).
* Exact intervals: Minitab's "Example of Attribute Agreement Analysis" (essay ratings,
  15 samples: 8/15 -> 26.59-78.73 %, 13/15 -> 59.54-98.34 %, 14/15 -> 68.05-99.83 %).
* Type 1: no published data set with printed Cg/Cgk was available, so the study is
  checked against the VDA 5 / Minitab closed forms recomputed here and scipy's
  one-sample t-test (independent route).

Independent routes: statsmodels ``fleiss_kappa`` / ``cohens_kappa``, scipy
``linregress`` / ``kendalltau`` / ``friedmanchisquare`` / ``ttest_1samp`` and
statsmodels OLS.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from leankit.msa._agreement import (
    _clopper_pearson,
    attribute_agreement,
    cohen_kappa,
    fleiss_kappa,
    kendall_w,
)
from leankit.msa._linearity import linearity_bias
from leankit.msa._type1 import type1

# Fleiss (1971) Table 1: diagnoses of 30 patients by 6 raters, 1 depression,
# 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other (irr's `diagnoses`).
FLEISS_1971 = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
])

# Wikipedia, "Fleiss' kappa", worked example: counts of 14 raters in 5 categories.
WIKI_FLEISS = np.array([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
])

# irr's `anxiety` (anxiety ratings of 20 subjects by 3 raters).
ANXIETY = np.array([
    [3, 3, 2], [3, 6, 1], [3, 4, 4], [4, 6, 4], [5, 2, 3], [5, 4, 2], [2, 2, 1], [3, 4, 6],
    [5, 3, 1], [2, 3, 1], [2, 2, 1], [6, 3, 2], [1, 3, 3], [5, 3, 3], [2, 2, 1], [2, 2, 1],
    [1, 1, 3], [2, 3, 3], [4, 3, 2], [3, 4, 2],
])

# AIAG MSA 4th ed., gage linearity example: 12 readings of each of 5 masters.
AIAG_LINEARITY = {
    2.0: [2.7, 2.5, 2.4, 2.5, 2.7, 2.3, 2.5, 2.5, 2.4, 2.4, 2.6, 2.4],
    4.0: [5.1, 3.9, 4.2, 5.0, 3.8, 3.9, 3.9, 3.9, 3.9, 4.0, 4.1, 3.8],
    6.0: [5.8, 5.7, 5.9, 5.9, 6.0, 6.1, 6.0, 6.1, 6.4, 6.3, 6.0, 6.1],
    8.0: [7.6, 7.7, 7.8, 7.7, 7.8, 7.8, 7.8, 7.7, 7.8, 7.5, 7.6, 7.7],
    10.0: [9.1, 9.3, 9.5, 9.3, 9.4, 9.5, 9.5, 9.5, 9.6, 9.2, 9.3, 9.4],
}


def _long(matrix: np.ndarray) -> pd.DataFrame:
    """A subjects x raters matrix as one rating per row (raters as appraisers, 1 trial)."""
    return pd.DataFrame([(i + 1, f"rater{j + 1}", matrix[i, j])
                         for i in range(matrix.shape[0]) for j in range(matrix.shape[1])],
                        columns=["part", "appraiser", "rating"])


def _from_counts(counts: np.ndarray) -> pd.DataFrame:
    """Long ratings realising a subjects x categories count table (rater j = j-th rating)."""
    rows = []
    for i, row in enumerate(counts):
        labels = np.repeat(np.arange(1, len(row) + 1), row)
        rows += [(i + 1, f"rater{j + 1}", int(v)) for j, v in enumerate(labels)]
    return pd.DataFrame(rows, columns=["part", "appraiser", "rating"])


def _aiag() -> pd.DataFrame:
    return pd.DataFrame([{"part": i + 1, "reference": r, "value": y}
                         for i, (r, ys) in enumerate(AIAG_LINEARITY.items()) for y in ys])


# ------------------------------------------------------------------------ Fleiss


def test_fleiss_1971_published_kappa_and_categories():
    """Fleiss (1971): kappa = .430; per category .245, .245, .520, .471, .566."""
    aa = attribute_agreement(_long(FLEISS_1971), part="part", appraiser="appraiser",
                             rating="rating")
    assert round(aa.kappa("between"), 3) == 0.430
    per = [round(aa.kappa("between", category=c), 3) for c in (1, 2, 3, 4, 5)]
    assert per == [0.245, 0.245, 0.520, 0.471, 0.566]
    # z as printed by irr's kappam.fleiss(diagnoses): 17.7 (Fleiss, Nee & Landis 1979 SE)
    overall = aa.fleiss.query("section == 'between' and category == 'overall'").iloc[0]
    assert round(overall["z"], 1) == 17.7
    # per-category SE under H0 is sqrt(2 / (n m (m-1))) = sqrt(2/900)
    cat = aa.fleiss.query("section == 'between' and category != 'overall'")
    np.testing.assert_allclose(cat["se"], math.sqrt(2 / 900))


def test_fleiss_matches_statsmodels_on_fleiss_1971():
    counts, _ = aggregate_raters(FLEISS_1971)
    assert fleiss_kappa(counts).kappa == pytest.approx(sm_fleiss(counts), abs=1e-12)


def test_fleiss_wikipedia_example():
    """Wikipedia "Fleiss' kappa": P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210."""
    fk = fleiss_kappa(WIKI_FLEISS)
    assert round(fk.observed, 3) == 0.378
    assert round(fk.expected, 3) == 0.213
    assert round(fk.kappa, 3) == 0.210
    aa = attribute_agreement(_from_counts(WIKI_FLEISS), part="part", appraiser="appraiser",
                             rating="rating")
    assert aa.kappa("between") == pytest.approx(fk.kappa, abs=1e-12)
    assert fk.kappa == pytest.approx(sm_fleiss(WIKI_FLEISS), abs=1e-12)


# ------------------------------------------------------------------------- Cohen


def test_cohen_wikipedia_example():
    """Wikipedia "Cohen's kappa": 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> 0.4."""
    ck = cohen_kappa([[20, 5], [10, 15]])
    assert ck.observed == pytest.approx(0.7)
    assert ck.expected == pytest.approx(0.5)
    assert ck.kappa == pytest.approx(0.4)


def test_cohen_sas_printout():
    """SAS PROC FREQ "Simple Kappa Coefficient" printout for the table
    [[0, 4, 1], [0, 8, 0], [0, 1, 5]]: Kappa 0.4842, ASE 0.1380, 95 % limits 0.2137 and
    0.7547, ASE under H0 0.1484, Z 3.2626, one-sided Pr > Z 0.0006 — reproduced through
    attribute_agreement (one appraiser against the standard)."""
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    rows = [(r, s) for r in range(3) for s in range(3) for _ in range(table[r][s])]
    df = pd.DataFrame([(k, "A", r, s) for k, (r, s) in enumerate(rows)],
                      columns=["part", "appraiser", "rating", "standard"])
    aa = attribute_agreement(df, part="part", appraiser="appraiser", rating="rating",
                             standard="standard")
    row = aa.cohen.query("section == 'vs standard'").iloc[0]
    got = [round(row[c], 4) for c in ("kappa", "se", "lower", "upper", "se0", "z", "p_value")]
    assert got == [0.4842, 0.1380, 0.2137, 0.7547, 0.1484, 3.2626, 0.0006]
    sm_res = cohens_kappa(np.asarray(table))
    assert row["kappa"] == pytest.approx(sm_res.kappa, abs=1e-12)
    assert row["se"] == pytest.approx(sm_res.std_kappa, abs=1e-12)
    assert row["se0"] == pytest.approx(sm_res.std_kappa0, abs=1e-12)


def test_cohen_irr_kappa2_diagnoses():
    """irr: kappa2(diagnoses[, 2:3]) -> Kappa = 0.631, z = 7.56."""
    aa = attribute_agreement(_long(FLEISS_1971), part="part", appraiser="appraiser",
                             rating="rating")
    row = aa.cohen.query("appraiser == 'rater2' and other == 'rater3'").iloc[0]
    assert round(row["kappa"], 3) == 0.631
    assert round(row["z"], 2) == 7.56


# ----------------------------------------------------------------------- Kendall


def test_kendall_w_irr_anxiety():
    """irr: kendall(anxiety, TRUE) -> Wt = 0.54, chisq(19) = 30.8, p-value = 0.0429."""
    kw = kendall_w(ANXIETY)
    assert round(kw.w, 2) == 0.54
    assert round(kw.chi2, 1) == 30.8 and kw.df == 19
    assert round(kw.p_value, 4) == 0.0429
    aa = attribute_agreement(_long(ANXIETY), part="part", appraiser="appraiser",
                             rating="rating", ordinal=True)
    row = aa.kendall_w.query("section == 'between'").iloc[0]
    assert row["w"] == pytest.approx(kw.w, abs=1e-12)


def test_kendall_w_chi2_is_friedmans_statistic():
    """Independent route: m(n-1)W equals Friedman's tie-corrected statistic with the
    subjects as treatments and the raters as blocks (scipy)."""
    kw = kendall_w(ANXIETY)
    fr = stats.friedmanchisquare(*ANXIETY)  # one sample per subject, raters as blocks
    assert kw.chi2 == pytest.approx(fr.statistic, rel=1e-12)
    assert kw.p_value == pytest.approx(fr.pvalue, rel=1e-9)


def test_kendall_tau_vs_standard_matches_scipy():
    rng = np.random.default_rng(7)
    std = rng.integers(1, 6, size=25)
    rows = []
    for a in ("A", "B"):
        for t in (1, 2):
            noisy = np.clip(std + rng.integers(-1, 2, size=25), 1, 5)
            rows += [(p, a, t, int(noisy[p]), int(std[p])) for p in range(25)]
    df = pd.DataFrame(rows, columns=["part", "appraiser", "trial", "rating", "standard"])
    aa = attribute_agreement(df, part="part", appraiser="appraiser", rating="rating",
                             standard="standard", trial="trial", ordinal=True)
    sub = df[df["appraiser"] == "A"].sort_values(["part", "trial"])
    ref = stats.kendalltau(sub["rating"], sub["standard"])
    row = aa.kendall_tau.query("appraiser == 'A'").iloc[0]
    assert row["tau"] == pytest.approx(ref.statistic, abs=1e-12)
    assert row["p_value"] == pytest.approx(ref.pvalue, abs=1e-12)


# ------------------------------------------------------------- exact intervals


@pytest.mark.parametrize(("matched", "lower", "upper"),
                         [(8, 26.59, 78.73), (13, 59.54, 98.34), (14, 68.05, 99.83)])
def test_clopper_pearson_minitab_essay_example(matched, lower, upper):
    """Minitab "Example of Attribute Agreement Analysis", Each Appraiser vs Standard
    (15 essays): the printed 95 % CIs."""
    lo, hi = _clopper_pearson(matched, 15, 0.95)
    assert (round(100 * lo, 2), round(100 * hi, 2)) == (lower, upper)


def test_clopper_pearson_all_matched_is_two_sided():
    """15/15: the two-sided exact bound (alpha/2)^(1/n) = 78.20 %; Minitab prints the
    one-sided 81.90 % (alpha^(1/n)) at the boundary — a documented difference."""
    lo, hi = _clopper_pearson(15, 15, 0.95)
    assert lo == pytest.approx(0.025 ** (1 / 15)) and hi == 1.0


# -------------------------------------------------------------------- linearity


def test_aiag_linearity_example():
    lb = linearity_bias(_aiag(), part="part", reference="reference", value="value",
                        process_variation=6.0)
    assert round(lb.slope, 4) == -0.1317
    assert round(lb.intercept, 4) == 0.7367
    assert round(lb.r_squared, 2) == 0.71
    assert [round(b, 6) for b in lb.biases["bias"]] == [0.491667, 0.125, 0.025, -0.291667,
                                                        -0.616667]
    assert round(lb.average_bias, 4) == -0.0533
    assert round(lb.linearity, 2) == 0.79
    assert round(lb.pct_linearity, 2) == 13.17
    assert not lb.linear_ok  # AIAG: the bias = 0 line is not inside the band


def test_linearity_matches_linregress_and_ols():
    df = _aiag()
    lb = linearity_bias(df, part="part", reference="reference", value="value")
    bias = df["value"] - df["reference"]
    ref = stats.linregress(df["reference"], bias)
    assert lb.slope == pytest.approx(ref.slope, rel=1e-12)
    assert lb.intercept == pytest.approx(ref.intercept, rel=1e-12)
    assert lb.r_squared == pytest.approx(ref.rvalue ** 2, rel=1e-12)
    coef = lb.coefficients.set_index("term")
    assert coef.loc["slope", "se"] == pytest.approx(ref.stderr, rel=1e-10)
    assert coef.loc["intercept", "se"] == pytest.approx(ref.intercept_stderr, rel=1e-10)
    ols = sm.OLS(bias.to_numpy(), sm.add_constant(df["reference"].to_numpy())).fit()
    ci = ols.conf_int(0.05)
    np.testing.assert_allclose(coef[["lower", "upper"]].to_numpy(), ci, rtol=1e-10)
    np.testing.assert_allclose(coef["p_value"], ols.pvalues, rtol=1e-8, atol=1e-300)
    # the band is the OLS confidence interval of the mean response
    pred = ols.get_prediction(sm.add_constant(lb.band["reference"].to_numpy()))
    np.testing.assert_allclose(lb.band[["lower", "upper"]].to_numpy(),
                               pred.conf_int(alpha=0.05), rtol=1e-10, atol=1e-12)
    # per-reference bias t-tests
    for r in lb.biases.itertuples():
        ys = np.asarray(AIAG_LINEARITY[r.reference])
        tt = stats.ttest_1samp(ys, r.reference)
        assert r.t == pytest.approx(tt.statistic, rel=1e-10)
        assert r.p_value == pytest.approx(tt.pvalue, rel=1e-8)


# ------------------------------------------------------------------------ type 1


def test_type1_closed_forms_and_scipy_ttest():
    """VDA 5 / Minitab closed forms recomputed directly; bias test vs scipy."""
    rng = np.random.default_rng(2024)
    x = 25.0 + 0.0008 + rng.normal(0, 0.0012, size=50)
    df = pd.DataFrame({"d": x})
    ref, tol = 25.0, 0.05
    st = type1(df, value="d", reference=ref, lsl=24.975, usl=25.025)
    s = x.std(ddof=1)
    bias = x.mean() - ref
    assert st.tolerance == pytest.approx(tol)
    assert st.cg == pytest.approx(0.2 * tol / (6 * s), rel=1e-12)
    assert st.cgk == pytest.approx((0.1 * tol - abs(bias)) / (3 * s), rel=1e-12)
    assert st.pct_var_repeatability == pytest.approx(100 * 6 * s / tol, rel=1e-12)
    assert st.pct_var_repeatability_bias == pytest.approx(20 / st.cgk, rel=1e-12)
    tt = stats.ttest_1samp(x, ref)
    assert st.bias_t == pytest.approx(tt.statistic, rel=1e-12)
    assert st.bias_p == pytest.approx(tt.pvalue, rel=1e-10)
    ci = tt.confidence_interval(0.95)
    assert st.bias_lower == pytest.approx(ci.low - ref, abs=1e-12)
    assert st.bias_upper == pytest.approx(ci.high - ref, abs=1e-12)


def test_type1_jasp_style_numbers():
    """The Minitab conventions on a summary that JASP's test prints (mean -3.946,
    s = 0.420014577, reference -4, tolerance 15): Cg 1.19, Cgk 1.15, %Var 16.8 and 17.43.
    Readings built with exactly that mean and standard deviation."""
    z = np.linspace(-1, 1, 50)
    z = (z - z.mean()) / z.std(ddof=1)
    x = -3.946 + 0.420014577006512 * z
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        st = type1(pd.DataFrame({"v": x}), value="v", reference=-4, tolerance=15)
    assert (round(st.cg, 2), round(st.cgk, 2)) == (1.19, 1.15)
    assert round(st.pct_var_repeatability, 1) == 16.8
    assert round(st.pct_var_repeatability_bias, 2) == 17.43
