"""Attribute agreement analysis: within appraisers, between appraisers and against a
standard, with Fleiss' and Cohen's kappa and (for ordinal ratings) Kendall's coefficients.

:func:`attribute_agreement` returns a frozen :class:`AttributeAgreement`; the kappa and
concordance statistics are also available on their own (:func:`fleiss_kappa`,
:func:`cohen_kappa`, :func:`kendall_w`). Every formula is in ``docs/msa-studies.md``
(Methods).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import InsufficientDataError, SchemaError
from leankit.msa._type1 import check_level, require_columns

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["AttributeAgreement", "CohenKappa", "FleissKappa", "KendallW",
           "attribute_agreement", "cohen_kappa", "fleiss_kappa", "kendall_w"]

#: AIAG MSA 4th ed. (attribute study): effectiveness ≥ 90 % acceptable, ≥ 80 % marginal
EFFECTIVE, MARGINAL = 90.0, 80.0
#: AIAG: kappa above 0.75 indicates good agreement, below 0.40 poor agreement
KAPPA_GOOD, KAPPA_POOR = 0.75, 0.40

_ASSESS_COLS = ["section", "appraiser", "inspected", "matched", "percent", "lower", "upper"]


# ------------------------------------------------------------------- the statistics


@dataclass(frozen=True, slots=True, kw_only=True)
class FleissKappa:
    """Fleiss' kappa of ``n`` subjects each rated by ``m`` raters.

    Attributes
    ----------
    kappa, se, z, p_value : float
        Overall kappa, its standard error under H0 (kappa = 0), ``z = kappa/se`` and the
        one-sided p-value ``P(Z ≥ z)`` (Minitab's "P(vs > 0)").
    per_category : pandas.DataFrame
        ``category, proportion, kappa, se, z, p_value`` (kappa is NaN for a category that
        is never or always used).
    subjects, raters : int
        ``n`` and ``m``.
    observed, expected : float
        ``P̄`` (mean pairwise agreement) and ``P̄e = Σ p_j²``.
    """

    kappa: float
    se: float
    z: float
    p_value: float
    per_category: pd.DataFrame
    subjects: int
    raters: int
    observed: float
    expected: float


def fleiss_kappa(counts: np.ndarray | Sequence[Sequence[float]],
                 categories: Sequence[object] | None = None) -> FleissKappa:
    """Fleiss' kappa from a subjects × categories table of counts.

    Parameters
    ----------
    counts : array-like, shape (n, k)
        ``n_ij``: how many of the ``m`` raters put subject ``i`` in category ``j`` (every
        row sums to the same ``m ≥ 2``).
    categories : sequence, optional
        Names of the ``k`` categories (default ``0..k-1``).

    Returns
    -------
    FleissKappa

    Raises
    ------
    ValueError
        Rows with different totals, negative counts, fewer than 2 raters or subjects.

    Notes
    -----
    ``p_j = Σ_i n_ij / (n·m)``, ``P_i = (Σ_j n_ij² − m) / (m(m − 1))``,
    ``P̄ = mean P_i``, ``P̄e = Σ p_j²``, ``κ = (P̄ − P̄e) / (1 − P̄e)``;
    per category ``κ_j = 1 − Σ_i n_ij(m − n_ij) / (n·m(m − 1)·p_j q_j)``. Standard
    errors under H0 (Fleiss, Nee & Landis 1979; Fleiss, Levin & Paik 2003, eqs 18.14 and
    18.15): ``se(κ_j) = √(2 / (n·m(m − 1)))`` and
    ``se(κ) = √2 / (Σ p_j q_j·√(n·m(m − 1)))·√((Σ p_j q_j)² − Σ p_j q_j (q_j − p_j))``.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin* 76(5), 378–382.
    Fleiss, J. L., Nee, J. C. M. & Landis, J. R. (1979). Large sample variance of kappa in
    the case of different sets of raters. *Psychological Bulletin* 86(5), 974–977.

    Examples
    --------
    The Wikipedia example (10 subjects, 14 raters, 5 categories):

    >>> table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    ...          [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    ...          [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    >>> round(fleiss_kappa(table).kappa, 3)
    0.21
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim != 2 or c.shape[0] < 2 or c.shape[1] < 1:
        raise ValueError("counts must be a 2-d table with at least 2 subjects (rows)")
    if (c < 0).any() or not np.isfinite(c).all():
        raise ValueError("counts must be finite and >= 0")
    totals = c.sum(axis=1)
    m = float(totals[0])
    if not np.allclose(totals, m):
        raise ValueError("every subject must be rated by the same number of raters (the rows "
                         f"of counts sum to {sorted(set(totals.tolist()))[:5]})")
    if m < 2:
        raise ValueError(f"Fleiss' kappa needs at least 2 ratings per subject, got {m:g}")
    n, k = c.shape
    names = list(categories) if categories is not None else list(range(k))
    p = c.sum(axis=0) / (n * m)
    q = 1 - p
    p_i = (np.sum(c * c, axis=1) - m) / (m * (m - 1))
    observed = float(p_i.mean())
    expected = float(np.sum(p * p))
    pq = p * q
    spq = float(pq.sum())
    nmm = n * m * (m - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (observed - expected) / (1 - expected) if expected < 1 else float("nan")
        kj = np.where(pq > 0, 1 - np.sum(c * (m - c), axis=0) / (nmm * np.where(pq > 0, pq, 1)),
                      np.nan)
    se_j = math.sqrt(2 / nmm)
    inner = spq ** 2 - float(np.sum(pq * (q - p)))
    se = math.sqrt(2) / (spq * math.sqrt(nmm)) * math.sqrt(max(inner, 0.0)) if spq > 0 else (
        float("nan"))
    z = kappa / se if se > 0 else float("nan")
    zj = kj / se_j
    per = pd.DataFrame({"category": names, "proportion": p, "kappa": kj, "se": se_j,
                        "z": zj, "p_value": stats.norm.sf(zj)})
    return FleissKappa(kappa=float(kappa), se=float(se), z=float(z),
                       p_value=float(stats.norm.sf(z)) if math.isfinite(z) else float("nan"),
                       per_category=per, subjects=n, raters=int(round(m)), observed=observed,
                       expected=expected)


@dataclass(frozen=True, slots=True, kw_only=True)
class CohenKappa:
    """Cohen's kappa of two raters.

    Attributes
    ----------
    kappa : float
        ``(p_o − p_e) / (1 − p_e)``.
    se : float
        Large-sample standard error (Fleiss, Cohen & Everitt 1969), for the interval.
    lower, upper : float
        ``kappa ∓ z(1 − (1 − confidence)/2)·se``, clipped to [−1, 1].
    se0, z, p_value : float
        Standard error under H0 (kappa = 0), ``z = kappa/se0`` and the one-sided
        ``P(Z ≥ z)``.
    n : int
        Number of paired ratings.
    observed, expected : float
        ``p_o`` and ``p_e``.
    """

    kappa: float
    se: float
    lower: float
    upper: float
    se0: float
    z: float
    p_value: float
    n: int
    observed: float
    expected: float


def cohen_kappa(table: np.ndarray | Sequence[Sequence[float]], *,
                confidence: float = 0.95) -> CohenKappa:
    """Cohen's kappa from a k × k table of counts (rows: rater 1, columns: rater 2).

    Parameters
    ----------
    table : array-like, shape (k, k)
        Counts of the paired ratings, the same categories in the same order on both axes.
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    CohenKappa

    Raises
    ------
    ValueError
        A table that is not square, negative counts or an empty table.

    Notes
    -----
    With cell proportions ``p_ij``, margins ``p_i.`` and ``p_.j``:
    ``p_o = Σ p_ii``, ``p_e = Σ p_i. p_.i``, ``κ = (p_o − p_e)/(1 − p_e)``;
    ``var(κ) = [Σ_i p_ii(1 − (p_i. + p_.i)(1 − κ))² + (1 − κ)² Σ_{i≠j} p_ij(p_.i + p_j.)²
    − (κ − p_e(1 − κ))²] / (n(1 − p_e)²)`` (Fleiss, Cohen & Everitt 1969) and under H0
    ``var₀(κ) = [p_e + p_e² − Σ_i p_i. p_.i (p_i. + p_.i)] / (n(1 − p_e)²)``.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
    Psychological Measurement* 20, 37–46.
    Fleiss, J. L., Cohen, J. & Everitt, B. S. (1969). Large sample standard errors of
    kappa and weighted kappa. *Psychological Bulletin* 72(5), 323–327.

    Examples
    --------
    >>> round(cohen_kappa([[20, 5], [10, 15]]).kappa, 3)  # Wikipedia's example
    0.4
    """
    check_level("confidence", confidence)
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise ValueError(f"table must be square (k × k), got shape {t.shape}")
    if (t < 0).any() or not np.isfinite(t).all():
        raise ValueError("table counts must be finite and >= 0")
    n = float(t.sum())
    if n <= 0:
        raise ValueError("table is empty")
    p = t / n
    r = p.sum(axis=1)
    c = p.sum(axis=0)
    po = float(np.trace(p))
    pe = float(np.sum(r * c))
    if pe >= 1:  # both raters always use one and the same category
        nan = float("nan")
        return CohenKappa(kappa=nan, se=nan, lower=nan, upper=nan, se0=nan, z=nan,
                          p_value=nan, n=int(round(n)), observed=po, expected=pe)
    kappa = (po - pe) / (1 - pe)
    diag = np.diag(p)
    a = float(np.sum(diag * (1 - (r + c) * (1 - kappa)) ** 2))
    off = p.copy()
    np.fill_diagonal(off, 0.0)
    b = (1 - kappa) ** 2 * float(np.sum(off * (c[:, None] + r[None, :]) ** 2))
    cc = (kappa - pe * (1 - kappa)) ** 2
    var = max(a + b - cc, 0.0) / (n * (1 - pe) ** 2)
    var0 = max(pe + pe ** 2 - float(np.sum(r * c * (r + c))), 0.0) / (n * (1 - pe) ** 2)
    se, se0 = math.sqrt(var), math.sqrt(var0)
    zq = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    z = kappa / se0 if se0 > 0 else float("nan")
    # the interval is clipped to kappa's range [-1, 1]
    return CohenKappa(kappa=kappa, se=se, lower=max(kappa - zq * se, -1.0),
                      upper=min(kappa + zq * se, 1.0), se0=se0,
                      z=z, p_value=float(stats.norm.sf(z)) if math.isfinite(z) else float("nan"),
                      n=int(round(n)), observed=po, expected=pe)


@dataclass(frozen=True, slots=True, kw_only=True)
class KendallW:
    """Kendall's coefficient of concordance of ``m`` judges ranking ``n`` objects.

    Attributes
    ----------
    w : float
        W, corrected for ties.
    chi2, df, p_value : float
        ``χ² = m(n − 1)·W`` on ``n − 1`` degrees of freedom and its upper-tail p-value.
    objects, judges : int
        ``n`` and ``m``.
    """

    w: float
    chi2: float
    df: int
    p_value: float
    objects: int
    judges: int


def kendall_w(scores: np.ndarray | Sequence[Sequence[float]]) -> KendallW:
    """Kendall's W from an objects × judges table of scores (ranked within each judge).

    Parameters
    ----------
    scores : array-like, shape (n, m)
        Score (or rank) of object ``i`` by judge ``j``; ties get average ranks.

    Returns
    -------
    KendallW

    Raises
    ------
    ValueError
        Fewer than 2 objects or judges, or missing scores.

    Notes
    -----
    ``R_i`` = the sum of object ``i``'s ranks, ``S = Σ (R_i − R̄)²``,
    ``W = 12 S / (m²(n³ − n) − m Σ_j T_j)`` with ``T_j = Σ (t³ − t)`` over the groups of
    ``t`` ties of judge ``j``; ``χ² = m(n − 1) W`` with ``n − 1`` degrees of freedom
    (Kendall & Babington Smith 1939; Siegel & Castellan 1988, section 9.4).

    References
    ----------
    Kendall, M. G. & Babington Smith, B. (1939). The problem of m rankings. *Annals of
    Mathematical Statistics* 10(3), 275–287.
    Siegel, S. & Castellan, N. J. (1988). *Nonparametric Statistics for the Behavioral
    Sciences*, 2nd ed., McGraw-Hill.

    Examples
    --------
    >>> round(kendall_w([[1, 1], [2, 2], [3, 3]]).w, 3)  # two judges who agree
    1.0
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError("scores must be an objects × judges table with at least 2 of each")
    if not np.isfinite(x).all():
        raise ValueError("scores must be finite")
    n, m = x.shape
    ranks = np.column_stack([stats.rankdata(x[:, j]) for j in range(m)])
    ties = 0.0
    for j in range(m):
        _, t = np.unique(x[:, j], return_counts=True)
        ties += float(np.sum(t ** 3 - t))
    rs = ranks.sum(axis=1)
    s = float(np.sum((rs - rs.mean()) ** 2))
    denom = m ** 2 * (n ** 3 - n) - m * ties
    w = 12 * s / denom if denom > 0 else float("nan")
    chi2 = m * (n - 1) * w
    p = float(stats.chi2.sf(chi2, n - 1)) if math.isfinite(chi2) else float("nan")
    return KendallW(w=float(w), chi2=float(chi2), df=n - 1, p_value=p, objects=n, judges=m)


def _clopper_pearson(k: int, n: int, confidence: float) -> tuple[float, float]:
    a = 1 - confidence
    lo = float(stats.beta.ppf(a / 2, k, n - k + 1)) if k > 0 else 0.0
    hi = float(stats.beta.ppf(1 - a / 2, k + 1, n - k)) if k < n else 1.0
    return lo, hi


# ------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeAgreement:
    """An attribute agreement analysis (appraisers × parts × trials, with an optional
    standard).

    Attributes
    ----------
    categories : tuple
        The rating categories (in order when ``ordinal``).
    ordinal : bool
        Whether the ratings are ordered (Kendall's coefficients computed).
    appraisers : tuple
        The appraisers, in order of appearance.
    n_parts, n_trials : int
        Parts rated, and how often each appraiser rated each part.
    within : pandas.DataFrame
        One row per appraiser (2+ trials): ``appraiser, inspected, matched, percent, lower,
        upper``: parts on which all the appraiser's trials agree, in % with the exact
        (Clopper–Pearson) interval.
    vs_standard : pandas.DataFrame
        One row per appraiser (with a standard): the same columns, a part matched when every
        trial agrees with the standard, plus ``mixed`` (parts where the appraiser's own
        trials disagree).
    between : pandas.DataFrame
        One row (2+ appraisers): parts on which all appraisers agree on all trials.
    all_vs_standard : pandas.DataFrame
        One row (with a standard): parts on which every rating agrees with the standard.
    fleiss : pandas.DataFrame
        Fleiss' kappa: ``section`` (``within``, ``vs standard``, ``between``,
        ``all vs standard``), ``appraiser`` (``"all"`` for the pooled sections),
        ``category`` (``"overall"`` or the category), ``kappa, se, z, p_value``.
    cohen : pandas.DataFrame
        Cohen's kappa of every pair of two raters: ``section, appraiser, other, n, kappa,
        se, lower, upper, se0, z, p_value``.
    kendall_w : pandas.DataFrame
        Ordinal only: ``section, appraiser, objects, judges, w, chi2, df, p_value``.
    kendall_tau : pandas.DataFrame
        Ordinal with a standard: ``section, appraiser, n, tau, p_value`` (Kendall's tau-b of
        the ratings with the standard).
    confidence : float
        Confidence level of the intervals.
    notes : tuple of str
        Conventions and warnings in words.
    parameters : dict
        Settings that produced the result.
    """

    categories: tuple[object, ...]
    ordinal: bool
    appraisers: tuple[object, ...]
    n_parts: int
    n_trials: int
    within: pd.DataFrame
    vs_standard: pd.DataFrame
    between: pd.DataFrame
    all_vs_standard: pd.DataFrame
    fleiss: pd.DataFrame
    cohen: pd.DataFrame
    kendall_w: pd.DataFrame
    kendall_tau: pd.DataFrame
    confidence: float
    has_standard: bool
    notes: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def kappa(self, section: str, appraiser: object = "all",
              category: object = "overall") -> float:
        """One Fleiss' kappa, e.g. ``kappa("vs standard", "Ann")`` or
        ``kappa("between")``.

        Raises
        ------
        KeyError
            If the analysis has no such kappa.
        """
        f = self.fleiss
        rows = f[(f["section"] == section) & (f["appraiser"].astype(str) == str(appraiser))
                 & (f["category"].astype(str) == str(category))]
        if rows.empty:
            have = sorted(set(f["section"]))
            raise KeyError(f"no Fleiss' kappa for section={section!r}, appraiser={appraiser!r}, "
                           f"category={category!r}; sections: {have}")
        return float(rows["kappa"].iloc[0])

    @property
    def verdict(self) -> str:
        """The result in plain words, against the AIAG attribute-study guidelines
        (effectiveness ≥ 90 % acceptable, 80–90 % marginal; kappa > 0.75 good)."""
        def grade(pct: float) -> str:
            if pct >= EFFECTIVE:
                return "acceptable"
            return "marginal" if pct >= MARGINAL else "unacceptable"

        parts: list[str] = []
        if self.has_standard:
            vs = self.vs_standard
            worst = vs.loc[vs["percent"].idxmin()]
            k_all = self.kappa("all vs standard")
            parts.append(
                f"appraisers agree with the standard on {worst['percent']:.0f}–"
                f"{vs['percent'].max():.0f} % of parts (weakest: {worst['appraiser']}, "
                f"{grade(float(worst['percent']))} by AIAG's 90/80 % guideline); kappa vs "
                f"standard {k_all:.2f}")
        if not self.within.empty:
            w = self.within
            worst = w.loc[w["percent"].idxmin()]
            parts.append(f"least consistent appraiser: {worst['appraiser']} "
                         f"({worst['percent']:.0f} % of parts the same on every trial)")
        if not self.between.empty:
            b = self.between.iloc[0]
            parts.append(f"all appraisers agree on {b['percent']:.0f} % of parts (kappa "
                         f"{self.kappa('between'):.2f})")
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."

    def to_frame(self) -> pd.DataFrame:
        """The assessment agreement tables stacked: ``section, appraiser, inspected,
        matched, percent, lower, upper`` (percent and bounds in %)."""
        frames = []
        for name, f in (("within", self.within), ("vs standard", self.vs_standard),
                        ("between", self.between), ("all vs standard", self.all_vs_standard)):
            if not f.empty:
                frames.append(f.assign(section=name)[_ASSESS_COLS])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=_ASSESS_COLS)

    def __repr__(self) -> str:
        std = ", with standard" if self.has_standard else ""
        return (f"<AttributeAgreement: {len(self.appraisers)} appraisers × {self.n_parts} "
                f"parts × {self.n_trials} trials, {len(self.categories)} categories{std}>")

    def summary(self) -> Summary:
        """Assessment agreement tables, kappa (and Kendall) tables and the verdict."""
        tables: list[tuple[str, pd.DataFrame]] = [("Assessment agreement (%)",
                                                    self.to_frame().round(2))]
        overall = self.fleiss[self.fleiss["category"] == "overall"]
        tables.append(("Fleiss' kappa (overall)", overall.round(4)))
        if not self.cohen.empty:
            tables.append(("Cohen's kappa", self.cohen.round(4)))
        if not self.kendall_w.empty:
            tables.append(("Kendall's coefficient of concordance", self.kendall_w.round(4)))
        if not self.kendall_tau.empty:
            tables.append(("Kendall's tau-b vs standard", self.kendall_tau.round(4)))
        return Summary(title=repr(self), rows=(("verdict", self.verdict),),
                       tables=tuple(tables), notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """Percent matched with its confidence interval per appraiser: within appraisers
        and appraiser vs standard panels (Minitab's "Assessment Agreement" plot).
        Style options: ``title=``, ``height=``."""
        from leankit.msa._figures_studies import agreement_figure

        return agreement_figure(self, **style)


# ------------------------------------------------------------------------- compute


def _labels_order(values: pd.Series, ordinal: bool) -> list[object]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        if ordinal and not values.cat.ordered:
            raise SchemaError("ordinal=True with an unordered categorical rating; make it "
                              "ordered (pd.Categorical(..., ordered=True)) or give numbers")
        used = set(values.dropna().tolist())
        return [c for c in values.cat.categories if c in used]
    uniq = pd.unique(values.dropna())
    if ordinal:
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise SchemaError(
                "ordinal=True needs numeric ratings (e.g. 1–5) or an ordered pandas "
                f"Categorical so that their order is known; got {values.dtype} values "
                f"{[str(u) for u in uniq[:5]]}")
        return sorted(uniq.tolist())
    try:
        return sorted(uniq.tolist())
    except TypeError:
        return list(uniq)


def _assess(section: str, who: object, matched: int, inspected: int,
            confidence: float) -> dict[str, Any]:
    lo, hi = _clopper_pearson(matched, inspected, confidence)
    return {"section": section, "appraiser": who, "inspected": inspected, "matched": matched,
            "percent": 100 * matched / inspected, "lower": 100 * lo, "upper": 100 * hi}


def _counts(codes: np.ndarray, k: int) -> np.ndarray:
    """Subjects × categories counts from a subjects × raters array of category codes."""
    return np.stack([(codes == j).sum(axis=1) for j in range(k)], axis=1)


def _fleiss_rows(section: str, who: object, codes: np.ndarray,
                 categories: Sequence[object]) -> list[dict[str, Any]]:
    fk = fleiss_kappa(_counts(codes, len(categories)), categories)
    rows = [{"section": section, "appraiser": who, "category": "overall", "kappa": fk.kappa,
             "se": fk.se, "z": fk.z, "p_value": fk.p_value}]
    for r in fk.per_category.itertuples(index=False):
        rows.append({"section": section, "appraiser": who, "category": r.category,
                     "kappa": r.kappa, "se": r.se, "z": r.z, "p_value": r.p_value})
    return rows


def _cohen_row(section: str, who: object, other: object, a: np.ndarray, b: np.ndarray,
               k: int, confidence: float) -> dict[str, Any]:
    table = np.zeros((k, k))
    np.add.at(table, (a, b), 1)
    ck = cohen_kappa(table, confidence=confidence)
    return {"section": section, "appraiser": who, "other": other, "n": ck.n,
            "kappa": ck.kappa, "se": ck.se, "lower": ck.lower, "upper": ck.upper,
            "se0": ck.se0, "z": ck.z, "p_value": ck.p_value}


def _w_row(section: str, who: object, scores: np.ndarray) -> dict[str, Any]:
    kw = kendall_w(scores)
    return {"section": section, "appraiser": who, "objects": kw.objects, "judges": kw.judges,
            "w": kw.w, "chi2": kw.chi2, "df": kw.df, "p_value": kw.p_value}


def _tau_row(section: str, who: object, a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    if np.unique(a).size < 2 or np.unique(b).size < 2:
        tau, p = float("nan"), float("nan")
    else:
        res = stats.kendalltau(a, b, variant="b")
        tau, p = float(res.statistic), float(res.pvalue)
    return {"section": section, "appraiser": who, "n": len(a), "tau": tau, "p_value": p}


def attribute_agreement(data: pd.DataFrame, *, part: str, appraiser: str, rating: str,
                        standard: str | None = None, trial: str | None = None,
                        ordinal: bool = False, confidence: float = 0.95
                        ) -> AttributeAgreement:
    """Attribute agreement analysis: how consistently appraisers rate parts, how they agree
    with each other and with a known standard.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per rating (long format): every appraiser rates every part the same
        number of times (trials).
    part : str
        Column naming the part (sample) rated.
    appraiser : str
        Column naming the appraiser (inspector).
    rating : str
        Column of the rating (``"pass"``/``"fail"``, a defect class, a 1–5 score).
    standard : str, optional
        Column of the known correct rating of the part (the same on every row of a part).
    trial : str, optional
        Column numbering the trials; without it, a part's ratings by an appraiser are
        numbered in row order.
    ordinal : bool, default False
        The ratings are ordered (numbers, or an ordered Categorical): Kendall's
        coefficient of concordance and Kendall's tau-b vs the standard are added.
    confidence : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    AttributeAgreement
        ``to_frame()`` has the columns ``section, appraiser, inspected, matched, percent,
        lower, upper`` (sections ``within``, ``vs standard``, ``between``,
        ``all vs standard``).

    Raises
    ------
    ColumnNotFoundError
        If a named column is missing.
    SchemaError
        Missing ratings or labels, an appraiser who did not rate some part, unequal trial
        counts per appraiser × part (the cells are named), a standard that differs between
        rows of one part, a repeated trial label, or ``ordinal=True`` with unordered
        ratings.
    InsufficientDataError
        Fewer than 2 parts, or nothing to compare (one appraiser, one trial and no
        standard).

    See Also
    --------
    fleiss_kappa, cohen_kappa, kendall_w : the statistics on their own.

    Notes
    -----
    *Percent matched* (Minitab / AIAG "assessment agreement"): within an appraiser, a part
    matches when all the appraiser's trials agree; vs the standard, when all trials equal
    the standard; between appraisers, when every rating of the part agrees; all vs
    standard, when every rating equals the standard. Intervals are exact
    (Clopper–Pearson): ``[B(α/2; x, n − x + 1), B(1 − α/2; x + 1, n − x)]``.

    *Fleiss' kappa* (see :func:`fleiss_kappa`) is computed with these subjects and
    raters: within an appraiser, the parts rated by the trials; each appraiser vs
    standard, the part × trial ratings each paired with the standard (2 raters); between
    appraisers, the parts rated by every appraiser × trial; all vs standard, every rating
    paired with the standard. *Cohen's kappa* (see :func:`cohen_kappa`) is given for the
    two-rater comparisons: each appraiser vs the standard and each pair of appraisers
    (ratings paired by part and trial), and within an appraiser when there are exactly
    2 trials. With ``ordinal=True``, *Kendall's W* (see :func:`kendall_w`) ranks the parts
    by each trial (within) or by each appraiser × trial (between), and *Kendall's tau-b*
    (``scipy.stats.kendalltau``, asymptotic two-sided test with ties) correlates the
    ratings with the standard over the part × trial pairs.

    References
    ----------
    AIAG, *Measurement Systems Analysis Reference Manual*, 4th ed. (2010), chapter III
    section C (attribute measurement systems study).
    Fleiss, J. L., Levin, B. & Paik, M. C. (2003). *Statistical Methods for Rates and
    Proportions*, 3rd ed., Wiley, chapter 18.
    Minitab, "Methods and formulas for Attribute Agreement Analysis".

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import msa
    >>> rows = [(p, a, t, r, s) for p, s, ratings in [
    ...     (1, "pass", {"A": "pass pass", "B": "pass pass"}),
    ...     (2, "fail", {"A": "fail fail", "B": "fail pass"}),
    ...     (3, "pass", {"A": "pass pass", "B": "pass pass"}),
    ...     (4, "fail", {"A": "fail fail", "B": "fail fail"})]
    ...     for a, rs in ratings.items() for t, r in enumerate(rs.split(), 1)]
    >>> df = pd.DataFrame(rows, columns=["part", "appraiser", "trial", "rating", "std"])
    >>> aa = msa.attribute_agreement(df, part="part", appraiser="appraiser", rating="rating",
    ...                              standard="std", trial="trial")
    >>> aa.vs_standard[["appraiser", "matched", "percent"]]
      appraiser  matched  percent
    0         A        4    100.0
    1         B        3     75.0
    """
    require_columns(data, {"part": part, "appraiser": appraiser, "rating": rating,
                           "standard": standard, "trial": trial})
    check_level("confidence", confidence)
    if not isinstance(ordinal, bool):
        raise TypeError(f"ordinal= must be True or False, got {ordinal!r}")
    if data.empty:
        raise InsufficientDataError("no rows (empty data)")
    for arg, col in (("part", part), ("appraiser", appraiser), ("rating", rating),
                     ("standard", standard), ("trial", trial)):
        if col is not None and data[col].isna().any():
            rows = data.index[data[col].isna().to_numpy()][:5].tolist()
            raise SchemaError(f"column {col!r} ({arg}) is missing in "
                              f"{int(data[col].isna().sum())} row(s), e.g. {rows}; every "
                              "rating needs its part, appraiser, rating"
                              + (", standard" if standard else "")
                              + ". Fill or drop those rows.")
    frame = pd.DataFrame({"part": data[part].to_numpy(), "appraiser": data[appraiser]
                          .to_numpy(), "rating": data[rating].to_numpy()})
    # the categories (ratings and standard together)
    if isinstance(data[rating].dtype, pd.CategoricalDtype):
        # the categorical's order; standard values outside it are reported below
        categories = _labels_order(data[rating], ordinal)
        if standard is not None:
            extra = set(data[standard].tolist()) - set(categories)
            categories = [c for c in data[rating].cat.categories
                          if c in set(categories) or c in extra]
    else:
        pool = data[rating] if standard is None else pd.concat(
            [data[rating], data[standard]], ignore_index=True)
        categories = _labels_order(pool, ordinal)
    code_of = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    frame["code"] = frame["rating"].map(code_of)
    if standard is not None:
        frame["std"] = data[standard].to_numpy()
        frame["std_code"] = frame["std"].map(code_of)
        per_part = frame.groupby("part", sort=False)["std"].nunique()
        if (per_part > 1).any():
            bad = per_part[per_part > 1].index.tolist()
            detail = "; ".join(
                f"part {p!r}: " + ", ".join(str(v) for v in pd.unique(
                    frame.loc[frame["part"] == p, "std"])) for p in bad[:5])
            raise SchemaError(f"the standard must be the same on every row of a part; "
                              f"{len(bad)} part(s) have several: {detail}. Fix the "
                              f"{standard!r} column.")
    for col, what in (("code", rating), ("std_code", standard)):
        if col in frame and frame[col].isna().any():
            bad = frame.loc[frame[col].isna(), "rating" if col == "code" else "std"]
            raise SchemaError(f"value(s) {[str(v) for v in pd.unique(bad)[:5]]} of {what!r} are "
                              f"not among the rating categories {[str(c) for c in categories]}; "
                              "add them to the ordered Categorical's categories or fix them")
    if trial is None:
        frame["trial"] = frame.groupby(["appraiser", "part"], sort=False).cumcount() + 1
    else:
        frame["trial"] = data[trial].to_numpy()
        dup = frame.duplicated(["appraiser", "part", "trial"], keep=False)
        if dup.any():
            d = frame.loc[dup, ["appraiser", "part", "trial"]].drop_duplicates().head(5)
            cells = ", ".join(f"({a}, {p}, trial {t})" for a, p, t in d.itertuples(index=False))
            raise SchemaError(f"a trial is repeated for the same appraiser and part: {cells}; "
                              "each appraiser rates each part once per trial")
    appraisers = list(pd.unique(frame["appraiser"]))
    parts = list(pd.unique(frame["part"]))
    n_a, n_p = len(appraisers), len(parts)
    if n_p < 2:
        raise InsufficientDataError(f"an attribute agreement study needs at least 2 parts, got "
                                    f"{n_p}; AIAG suggests 50")
    cell = frame.groupby(["appraiser", "part"], sort=False).size()
    full = pd.MultiIndex.from_product([appraisers, parts], names=["appraiser", "part"])
    cell = cell.reindex(full, fill_value=0)
    missing = cell[cell == 0]
    if not missing.empty:
        cells = ", ".join(f"({a}, {p})" for a, p in missing.index[:8])
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        raise SchemaError(f"every appraiser must rate every part; {len(missing)} appraiser × "
                          f"part cell(s) have no rating: {cells}{more}. Add the ratings or "
                          "drop those parts.", failure_cases=missing.reset_index(name="n"))
    n_t = int(cell.mode().iloc[0])
    uneven = cell[cell != n_t]
    if not uneven.empty:
        cells = ", ".join(f"({a}, {p}): {n}" for (a, p), n in uneven.head(8).items())
        more = f" and {len(uneven) - 8} more" if len(uneven) > 8 else ""
        raise SchemaError(f"every appraiser must rate every part the same number of times; "
                          f"most cells have {n_t} trial(s), but (appraiser, part): n = {cells}"
                          f"{more}. Add or drop ratings so that the trials are balanced.",
                          failure_cases=uneven.reset_index(name="n"))
    if n_a < 2 and n_t < 2 and standard is None:
        raise InsufficientDataError(
            "nothing to compare: one appraiser with one trial and no standard. Give 2 or more "
            "appraisers, 2 or more trials, or standard=")
    # codes[a, p, t]
    a_idx = {a: i for i, a in enumerate(appraisers)}
    p_idx = {p: i for i, p in enumerate(parts)}
    try:
        by_trial = frame.sort_values("trial", kind="stable")
    except TypeError as exc:
        raise SchemaError(f"the trial labels in {trial!r} cannot be ordered (mixed types?); "
                          "use numbers or strings of one kind") from exc
    t_idx = by_trial.groupby(["appraiser", "part"], sort=False).cumcount().reindex(frame.index)
    codes = np.empty((n_a, n_p, n_t), dtype=int)
    codes[frame["appraiser"].map(a_idx).to_numpy(), frame["part"].map(p_idx).to_numpy(),
          t_idx.to_numpy()] = frame["code"].to_numpy(dtype=int)
    std_codes = None
    if standard is not None:
        std_codes = (frame.drop_duplicates("part").set_index("part")["std_code"]
                     .reindex(parts).to_numpy(dtype=int))
    notes: list[str] = []
    within_rows, vs_rows, fleiss_rows, cohen_rows, w_rows, tau_rows = [], [], [], [], [], []
    # ranks and tau depend on the order only: the category positions serve as scores
    values = np.arange(k, dtype=float) if ordinal else None
    for i, a in enumerate(appraisers):
        c = codes[i]  # parts × trials
        if n_t >= 2:
            same = int((c == c[:, :1]).all(axis=1).sum())
            within_rows.append(_assess("within", a, same, n_p, confidence))
            fleiss_rows += _fleiss_rows("within", a, c, categories)
            if n_t == 2:
                cohen_rows.append(_cohen_row("within", a, "trial 2", c[:, 0], c[:, 1], k,
                                             confidence))
            if values is not None:
                w_rows.append(_w_row("within", a, values[c]))
        if std_codes is not None:
            ok = int((c == std_codes[:, None]).all(axis=1).sum())
            row = _assess("vs standard", a, ok, n_p, confidence)
            row["mixed"] = int((~(c == c[:, :1]).all(axis=1)).sum()) if n_t >= 2 else 0
            vs_rows.append(row)
            pairs = np.column_stack([c.ravel(), np.repeat(std_codes, n_t)])
            fleiss_rows += _fleiss_rows("vs standard", a, pairs, categories)
            cohen_rows.append(_cohen_row("vs standard", a, "standard", pairs[:, 0],
                                         pairs[:, 1], k, confidence))
            if values is not None:
                tau_rows.append(_tau_row("vs standard", a, values[pairs[:, 0]],
                                         values[pairs[:, 1]]))
    between = pd.DataFrame(columns=_ASSESS_COLS[1:])
    all_vs = pd.DataFrame(columns=_ASSESS_COLS[1:])
    allc = np.transpose(codes, (1, 0, 2)).reshape(n_p, n_a * n_t)  # parts × (appraiser, trial)
    if n_a >= 2:
        same = int((allc == allc[:, :1]).all(axis=1).sum())
        between = pd.DataFrame([_assess("between", "all", same, n_p, confidence)]).drop(
            columns="section")
        fleiss_rows += _fleiss_rows("between", "all", allc, categories)
        for (i, a), (j, b) in itertools.combinations(enumerate(appraisers), 2):
            cohen_rows.append(_cohen_row("between", a, b, codes[i].ravel(), codes[j].ravel(),
                                         k, confidence))
        if values is not None:
            w_rows.append(_w_row("between", "all", values[allc]))
    if std_codes is not None:
        ok = int((allc == std_codes[:, None]).all(axis=1).sum())
        all_vs = pd.DataFrame([_assess("all vs standard", "all", ok, n_p, confidence)]).drop(
            columns="section")
        pairs = np.column_stack([allc.ravel(), np.repeat(std_codes, n_a * n_t)])
        fleiss_rows += _fleiss_rows("all vs standard", "all", pairs, categories)
        if values is not None:
            tau_rows.append(_tau_row("all vs standard", "all", values[pairs[:, 0]],
                                     values[pairs[:, 1]]))
    within = pd.DataFrame(within_rows, columns=_ASSESS_COLS).drop(columns="section")
    vs = pd.DataFrame(vs_rows, columns=[*_ASSESS_COLS, "mixed"]).drop(columns="section")
    fleiss = pd.DataFrame(fleiss_rows, columns=["section", "appraiser", "category", "kappa",
                                                "se", "z", "p_value"])
    cohen = pd.DataFrame(cohen_rows, columns=["section", "appraiser", "other", "n", "kappa",
                                              "se", "lower", "upper", "se0", "z", "p_value"])
    kw = pd.DataFrame(w_rows, columns=["section", "appraiser", "objects", "judges", "w",
                                       "chi2", "df", "p_value"])
    kt = pd.DataFrame(tau_rows, columns=["section", "appraiser", "n", "tau", "p_value"])
    if n_t < 2:
        notes.append("one trial per appraiser: within-appraiser agreement is not assessed")
    if n_a < 2:
        notes.append("one appraiser: between-appraiser agreement is not assessed")
    if standard is None:
        notes.append("no standard given: agreement with the standard is not assessed")
    if n_p < 20:
        notes.append(f"only {n_p} parts: the percentages have wide intervals (AIAG suggests "
                     "50 parts, Minitab at least 20)")
    notes += [
        f"percent matched with exact (Clopper–Pearson) {100 * confidence:g} % intervals",
        "Fleiss' kappa with standard errors under H0 (kappa = 0) and one-sided p-values "
        "(Fleiss, Nee & Landis 1979); vs the standard, each rating is paired with the "
        "standard as a second rater",
        "Cohen's kappa for two-rater comparisons: interval from the large-sample standard "
        "error (Fleiss, Cohen & Everitt 1969)",
        f"AIAG guidelines: effectiveness ≥ {EFFECTIVE:g} % acceptable, ≥ {MARGINAL:g} % "
        f"marginal; kappa > {KAPPA_GOOD:g} good agreement, < {KAPPA_POOR:g} poor",
    ]
    if ordinal:
        notes.append("ordinal ratings: Kendall's coefficient of concordance W (tie-corrected, "
                     "chi-square test) and Kendall's tau-b with the standard")
    return AttributeAgreement(
        categories=tuple(categories), ordinal=ordinal, appraisers=tuple(appraisers),
        n_parts=n_p, n_trials=n_t, within=within, vs_standard=vs, between=between,
        all_vs_standard=all_vs, fleiss=fleiss, cohen=cohen, kendall_w=kw, kendall_tau=kt,
        confidence=confidence, has_standard=standard is not None, notes=tuple(notes),
        parameters={"part": part, "appraiser": appraiser, "rating": rating,
                    "standard": standard, "trial": trial, "ordinal": ordinal,
                    "confidence": confidence})
