"""Gage R&R: crossed (ANOVA or X̄-R) and nested studies of a measurement system.

:func:`gage_rr` returns a frozen :class:`GageRR`. The formulas, the pooling rule, the
confidence-interval method and the AIAG thresholds are in ``docs/msa.md`` (Methods).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import ColumnNotFoundError, InsufficientDataError, SchemaError
from leankit.msa._d2star import G_LIMIT, k_constants

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["GageRR", "gage_rr"]

Method = Literal["anova", "xbar_r"]
Design = Literal["crossed", "nested"]
Verdict = Literal["acceptable", "conditional", "unacceptable"]

#: Rows of the components table: stable id -> words.
SOURCES = {
    "gage_rr": "Total gage R&R",
    "repeatability": "Repeatability",
    "reproducibility": "Reproducibility",
    "operator": "Operator",
    "operator_part": "Operator × part",
    "part": "Part-to-part",
    "total": "Total variation",
}
COMPONENT_COLUMNS = ["component", "source", "variance", "sd", "study_var", "pct_contribution",
                     "pct_study_var", "pct_tolerance", "pct_process", "var_lower", "var_upper",
                     "sd_lower", "sd_upper"]
ANOVA_COLUMNS = ["source", "df", "ss", "ms", "f", "p_value"]
#: AIAG MSA (4th ed.) guidelines on %GRR and the number of distinct categories.
AIAG_ACCEPTABLE, AIAG_UNACCEPTABLE, AIAG_MIN_NDC = 10.0, 30.0, 5
CI_MLS = ("modified large-sample (MLS) intervals of Burdick, Borror & Montgomery (2005), "
          "the exact chi-square interval for repeatability")


# ------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True, kw_only=True)
class GageRR:
    """A gage repeatability and reproducibility study.

    Attributes
    ----------
    method : {"anova", "xbar_r"}
        ANOVA variance components, or the AIAG average-and-range (X̄-R) method.
    design : {"crossed", "nested"}
        Every operator measures every part, or each part is measured by one operator
        (destructive tests).
    part, operator, value : str
        The column names used.
    n_parts, n_operators, n_trials : int
        Distinct parts (in a nested study: parts per operator), operators and trials per
        part and operator.
    anova : pandas.DataFrame
        The ANOVA table of the full model: ``source, df, ss, ms, f, p_value`` (crossed:
        part, operator, operator × part, repeatability, total; nested: operator,
        part (operator), repeatability, total). Empty for the X̄-R method.
    anova_reduced : pandas.DataFrame
        The table without the interaction (pooled into repeatability) when it was
        removed; else empty.
    interaction_p : float
        p-value of the operator × part interaction (NaN when not tested).
    interaction_pooled : bool
        Whether the interaction was pooled into repeatability (p > ``alpha_interaction``).
    components : pandas.DataFrame
        One row per source of variation, columns ``component`` (stable id:
        ``gage_rr, repeatability, reproducibility, operator, operator_part, part,
        total``), ``source`` (in words), ``variance, sd, study_var`` (``study_var × sd``),
        ``pct_contribution`` (of the total variance), ``pct_study_var`` (of the total
        standard deviation), ``pct_tolerance``, ``pct_process`` (NaN without a
        tolerance or a historical sigma), ``var_lower, var_upper, sd_lower, sd_upper``
        (confidence interval at ``confidence``; NaN for the X̄-R method).
    ndc : int or None
        Number of distinct categories, ``floor(1.41 × sd_part / sd_grr)`` (at least 1;
        ``None`` when the gauge shows no variation at all).
    verdict : {"acceptable", "conditional", "unacceptable"}
        Against the AIAG guidelines (see :meth:`finding`).
    tolerance, historical_sigma : float or None
        Specification width and historical process sigma, when given.
    study_var : float
        Multiplier of the standard deviations (6, or 5.15 as in older AIAG editions).
    alpha_interaction, confidence : float
        Pooling level of the interaction test and confidence level of the intervals.
    ci_method : str
        How the confidence intervals were computed, in words.
    constants : dict
        X̄-R method: ``rbar, xdiff, rp, d2star_trials, d2star_operators, d2star_parts,
        K1, K2, K3`` (``K = 1/d2*``); empty for ANOVA.
    cells : pandas.DataFrame
        One row per (operator, part): ``operator, part, n, mean, range``.
    chart_limits : pandas.DataFrame
        Rows ``range`` and ``mean`` (the R and X̄ charts by operator): ``chart, center,
        lcl, ucl`` (Shewhart limits from R̄ with D3, D4, A2 for the trials per cell).
    measurements : pandas.DataFrame
        The values used: ``operator, part, value`` (in input order).
    exclusions : pandas.DataFrame
        Rows not used (always empty: a gage study needs every planned value; missing or
        non-numeric values raise).
    notes : tuple of str
        Conventions, pooling and warnings in words.
    """

    method: str
    design: str
    part: str
    operator: str
    value: str
    n_parts: int
    n_operators: int
    n_trials: int
    anova: pd.DataFrame
    anova_reduced: pd.DataFrame
    interaction_p: float
    interaction_pooled: bool
    components: pd.DataFrame
    ndc: int | None
    verdict: str
    tolerance: float | None
    historical_sigma: float | None
    study_var: float
    alpha_interaction: float
    confidence: float
    ci_method: str
    constants: dict[str, float] = field(default_factory=dict)
    cells: pd.DataFrame
    chart_limits: pd.DataFrame
    measurements: pd.DataFrame
    exclusions: pd.DataFrame
    notes: tuple[str, ...] = ()

    # -- lookups -------------------------------------------------------------------

    def component(self, name: str) -> pd.Series:
        """The components row of *name* (``"gage_rr"``, ``"repeatability"``, ``"part"`` ...).

        Raises
        ------
        KeyError
            When the study has no such row (e.g. ``"operator_part"`` after pooling).
        """
        rows = self.components[self.components["component"] == name]
        if rows.empty:
            have = ", ".join(self.components["component"])
            raise KeyError(f"no component {name!r} in this study; it has: {have}")
        return rows.iloc[0]

    @property
    def pct_study_var(self) -> float:
        """%GRR: the total gage R&R as a percentage of the total study variation."""
        return float(self.component("gage_rr")["pct_study_var"])

    @property
    def pct_tolerance(self) -> float:
        """The total gage R&R's study variation as a percentage of the tolerance (NaN
        without one)."""
        return float(self.component("gage_rr")["pct_tolerance"])

    # -- presentation --------------------------------------------------------------

    def finding(self) -> str:
        """The verdict in plain words, with the figures behind it."""
        grr = self.component("gage_rr")
        basis = f"{_pct(grr['pct_study_var'])} of the study variation"
        if np.isfinite(grr["pct_tolerance"]):
            basis += f" and {_pct(grr['pct_tolerance'])} of the tolerance"
        ndc = ("no measurable gauge variation" if self.ndc is None else
               f"{self.ndc} distinct categor{'y' if self.ndc == 1 else 'ies'} of parts")
        word = {"acceptable": "Acceptable", "conditional": "Conditionally acceptable",
                "unacceptable": "Unacceptable"}[self.verdict]
        why = {
            "acceptable": "under 10 % and at least 5 categories",
            "conditional": ("10-30 %: acceptable for some uses, depending on the importance "
                            "of the measurement and the cost of a better gauge"),
            "unacceptable": ("AIAG asks for under 30 % and at least 5 categories; improve "
                             "the gauge or the method before trusting capability or charts"),
        }[self.verdict]
        rep = self.component("repeatability")["variance"]
        rpd = self.component("reproducibility")["variance"]
        larger = ("" if rep + rpd <= 0 else
                  " Most of the gauge variation is repeatability (the instrument)." if rep >= rpd
                  else " Most of the gauge variation is reproducibility (between operators).")
        return (f"{word} (AIAG): the gauge takes {basis}; it tells {ndc} apart ({why})."
                f"{larger}")

    def to_frame(self) -> pd.DataFrame:
        """The components of variation (a copy of :attr:`components`)."""
        return self.components.copy()

    def __repr__(self) -> str:
        grr = _pct(self.pct_study_var)
        ndc = "∞" if self.ndc is None else str(self.ndc)
        return (f"<GageRR {self.method} {self.design}: {self.n_parts} parts × "
                f"{self.n_operators} operators × {self.n_trials} trials; %GRR {grr} of study "
                f"variation, ndc {ndc}: {self.verdict}>")

    def summary(self) -> Summary:
        """Key figures, the ANOVA table(s), the components table and the notes."""
        grr = self.component("gage_rr")
        rows: list[tuple[str, object]] = [
            ("method", f"{self.method} ({self.design})"),
            ("study", f"{self.n_parts} parts × {self.n_operators} operators × "
                      f"{self.n_trials} trials"),
            ("%GRR (study variation)", round(float(grr["pct_study_var"]), 2)),
        ]
        if np.isfinite(grr["pct_tolerance"]):
            rows.append(("%GRR (tolerance)", round(float(grr["pct_tolerance"]), 2)))
        if np.isfinite(grr["pct_process"]):
            rows.append(("%GRR (process)", round(float(grr["pct_process"]), 2)))
        rows += [("number of distinct categories", "∞" if self.ndc is None else self.ndc),
                 ("verdict", self.verdict), ("finding", self.finding())]
        tables: list[tuple[str, pd.DataFrame]] = []
        if not self.anova.empty:
            tables.append(("ANOVA" + (" (with interaction)" if self.design == "crossed"
                                      else ""), _sig(self.anova)))
        if not self.anova_reduced.empty:
            tables.append(("ANOVA without the interaction", _sig(self.anova_reduced)))
        shown = self.components.drop(columns=["component"])
        tables.append(("Components of variation", _sig(shown)))
        return Summary(title=repr(self), rows=tuple(rows), tables=tuple(tables),
                       notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """The six-panel gage R&R figure (components of variation, R and X̄ charts by
        operator, values by part, by operator, operator × part interaction)."""
        from leankit.msa._figures import gage_rr_figure

        return gage_rr_figure(self, **style)


def _sig(table: pd.DataFrame, digits: int = 6) -> pd.DataFrame:
    """A copy for display, float columns as text with *digits* significant digits
    (variances of a gauge read in mm are of the order of 1e-6: fixed decimals would show
    them as 0); p-values below 0.001 as "< 0.001", missing values blank."""
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = ["" if not np.isfinite(v) else "< 0.001" if col == "p_value" and v < 1e-3
                        else f"{v:.{digits}g}" for v in out[col]]
    return out


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.1f} %"


# ------------------------------------------------------------------------- validation


def _columns(data: pd.DataFrame, names: dict[str, str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    for arg, col in names.items():
        if not isinstance(col, str):
            raise TypeError(f"{arg}= must be a column name (str), got {col!r}")
        if col not in data.columns:
            raise ColumnNotFoundError(col, [str(c) for c in data.columns])
    if len(set(names.values())) < len(names):
        raise SchemaError(f"part=, operator= and value= must be three different columns, got "
                          f"{names}")


def _numeric(data: pd.DataFrame, value: str) -> pd.Series:
    raw = data[value]
    if pd.api.types.is_bool_dtype(raw):
        raise SchemaError(f"column {value!r} holds booleans; a gage study needs measured "
                          "numbers")
    num = pd.to_numeric(raw, errors="coerce").astype(float)
    bad = num.isna() & raw.notna()
    if bad.any():
        cases = pd.DataFrame({"row": data.index[bad], "value": raw[bad].astype(str)})
        shown = ", ".join(f"row {r}: {v!r}" for r, v in cases.head(5).itertuples(index=False))
        raise SchemaError(f"column {value!r} has {int(bad.sum())} value(s) that are not numbers "
                          f"({shown}); fix or remove them (a gage study needs every "
                          "planned measurement)", failure_cases=cases)
    missing = num.isna() | ~np.isfinite(num)
    if missing.any():
        cases = pd.DataFrame({"row": data.index[missing], "value": raw[missing]})
        rows = ", ".join(str(r) for r in cases["row"].head(10))
        raise SchemaError(f"column {value!r} has {int(missing.sum())} missing or infinite "
                          f"value(s) (rows {rows}); repeat those measurements or drop the "
                          "whole part, so the design stays balanced", failure_cases=cases)
    return num


def _labels(data: pd.DataFrame, col: str, what: str) -> pd.Series:
    s = data[col]
    if s.isna().any():
        rows = ", ".join(str(r) for r in data.index[s.isna()][:10])
        raise SchemaError(f"column {col!r} ({what}) is missing on {int(s.isna().sum())} row(s) "
                          f"({rows}); every measurement needs its {what}",
                          failure_cases=pd.DataFrame({"row": data.index[s.isna()]}))
    return s


def _levels(s: pd.Series) -> list[Any]:
    """Levels in order of first appearance (how the study sheet lists them)."""
    return list(dict.fromkeys(s.tolist()))


def _crossed_array(df: pd.DataFrame, parts: list[Any], ops: list[Any]) -> np.ndarray:
    counts = df.groupby(["operator", "part"], sort=False).size()
    per_part = df.groupby("part", sort=False)["operator"].nunique()
    if len(ops) >= 2:
        lonely = [p for p in parts if per_part[p] == 1]
        if lonely:
            who = {p: df.loc[df["part"] == p, "operator"].iloc[0] for p in lonely[:5]}
            shown = ", ".join(f"part {p!r} only by {o!r}" for p, o in who.items())
            raise SchemaError(
                f"{len(lonely)} part(s) were measured by only one operator in a crossed study "
                f"({shown}); in a crossed study every operator measures every part. If each "
                "part can be measured by one operator only (destructive test), use "
                "design='nested'", failure_cases=pd.DataFrame({"part": lonely}))
    full = pd.MultiIndex.from_product([ops, parts], names=["operator", "part"])
    counts = counts.reindex(full, fill_value=0)
    missing = counts[counts == 0]
    if not missing.empty:
        shown = ", ".join(f"({o!r}, {p!r})" for o, p in missing.index[:8])
        raise SchemaError(
            f"unbalanced crossed study: {len(missing)} operator/part cell(s) have no "
            f"measurement: {shown}{' ...' if len(missing) > 8 else ''}. Measure them, or drop "
            "those parts (or operators) from the study",
            failure_cases=missing.reset_index(name="trials"))
    trials = int(counts.mode().iloc[0])
    odd = counts[counts != trials]
    if not odd.empty:
        shown = ", ".join(f"({o!r}, {p!r}): {n}" for (o, p), n in odd.head(8).items())
        raise SchemaError(
            f"unbalanced crossed study: most operator/part cells have {trials} trials but "
            f"{len(odd)} differ ({shown}). Balanced ANOVA and X̄-R need the same number of "
            "trials in every cell: repeat the missing trials or drop the extra ones",
            failure_cases=odd.reset_index(name="trials"))
    if trials < 2:
        raise InsufficientDataError(
            "each operator measured each part only once; repeatability needs at least 2 "
            "trials per part and operator")
    arr = np.empty((len(ops), len(parts), trials))
    oi = {o: i for i, o in enumerate(ops)}
    pi = {p: i for i, p in enumerate(parts)}
    fill = np.zeros((len(ops), len(parts)), dtype=int)
    for o, p, v in df[["operator", "part", "value"]].itertuples(index=False):
        i, j = oi[o], pi[p]
        arr[i, j, fill[i, j]] = v
        fill[i, j] += 1
    return arr


def _nested_array(df: pd.DataFrame, ops: list[Any]) -> tuple[np.ndarray, list[list[Any]]]:
    ops_per_part = df.groupby("part", sort=False)["operator"].unique()
    shared = ops_per_part[ops_per_part.map(len) > 1]
    if not shared.empty:
        shown = ", ".join(f"part {p!r} by {', '.join(map(repr, o))}"
                          for p, o in shared.head(5).items())
        raise SchemaError(
            f"{len(shared)} part(s) were measured by more than one operator ({shown}); in a "
            "nested study each part belongs to one operator. Use design='crossed' if every "
            "operator measured every part, or give each operator's parts their own labels",
            failure_cases=shared.reset_index(name="operators"))
    parts_of = [_levels(df.loc[df["operator"] == o, "part"]) for o in ops]
    sizes = {o: len(p) for o, p in zip(ops, parts_of, strict=True)}
    if len(set(sizes.values())) > 1:
        shown = ", ".join(f"{o!r}: {n}" for o, n in sizes.items())
        raise SchemaError(f"unbalanced nested study: operators measured different numbers of "
                          f"parts ({shown}); give every operator the same number of parts")
    n_parts = next(iter(sizes.values()))
    if n_parts < 2:
        raise InsufficientDataError("each operator measured a single part; a nested study "
                                    "needs at least 2 parts per operator")
    counts = df.groupby("part", sort=False).size()
    trials = int(counts.mode().iloc[0])
    odd = counts[counts != trials]
    if not odd.empty:
        shown = ", ".join(f"{p!r}: {n}" for p, n in odd.head(8).items())
        raise SchemaError(f"unbalanced nested study: most parts have {trials} trials but "
                          f"{len(odd)} differ ({shown}); every part needs the same number of "
                          "trials", failure_cases=odd.reset_index(name="trials"))
    if trials < 2:
        raise InsufficientDataError("each part was measured only once; repeatability needs "
                                    "at least 2 trials (samples) per part")
    arr = np.empty((len(ops), n_parts, trials))
    for i, (o, plist) in enumerate(zip(ops, parts_of, strict=True)):
        sub = df[df["operator"] == o]
        for j, p in enumerate(plist):
            arr[i, j, :] = sub.loc[sub["part"] == p, "value"].to_numpy()
    return arr, parts_of


# ------------------------------------------------------------------------- statistics


def _f_test(num: float, den: float, df1: float, df2: float) -> tuple[float, float]:
    if den > 0:
        f = num / den
        return f, float(stats.f.sf(f, df1, df2))
    if num > 0:
        return math.inf, 0.0
    return math.nan, math.nan


def _table(rows: list[tuple[str, float, float, float, float]]) -> pd.DataFrame:
    """ANOVA rows ``(source, df, ss, f, p)`` -> a table with ms (none for the total)."""
    return pd.DataFrame(
        [{"source": s, "df": int(d), "ss": ss,
          "ms": ss / d if d > 0 and s != "Total" else math.nan, "f": f,
          "p_value": p} for s, d, ss, f, p in rows], columns=ANOVA_COLUMNS)


def _mls(terms: list[tuple[float, float, float]], confidence: float) -> tuple[float, float]:
    """MLS interval of ``γ = Σ c_i E[S_i²]`` from ``(c_i, S_i², df_i)`` (c may be negative).

    Graybill & Wang (1980) for positive coefficients, Ting et al. (1990) for differences;
    as tabulated by Burdick, Borror & Montgomery (2005). Bounds are truncated at 0.
    """
    a = 1.0 - confidence
    pos = [(c, s, n) for c, s, n in terms if c > 0 and n > 0]
    neg = [(-c, s, n) for c, s, n in terms if c < 0 and n > 0]
    est = sum(c * s for c, s, _ in pos) - sum(c * s for c, s, _ in neg)

    def g(n: float) -> float:
        return 1.0 - n / float(stats.chi2.ppf(1 - a / 2, n))

    def h(n: float) -> float:
        return n / float(stats.chi2.ppf(a / 2, n)) - 1.0

    vl = sum((g(n) * c * s) ** 2 for c, s, n in pos) + sum((h(n) * c * s) ** 2
                                                           for c, s, n in neg)
    vu = sum((h(n) * c * s) ** 2 for c, s, n in pos) + sum((g(n) * c * s) ** 2
                                                           for c, s, n in neg)
    for cq, sq, nq in pos:
        for cr, sr, nr in neg:
            f1 = float(stats.f.ppf(1 - a / 2, nq, nr))
            f2 = float(stats.f.ppf(a / 2, nq, nr))
            gqr = ((f1 - 1) ** 2 - g(nq) ** 2 * f1 ** 2 - h(nr) ** 2) / f1
            hqr = ((1 - f2) ** 2 - h(nq) ** 2 * f2 ** 2 - g(nr) ** 2) / f2
            vl += gqr * cq * cr * sq * sr
            vu += hqr * cq * cr * sq * sr
    lo = est - math.sqrt(max(vl, 0.0))
    hi = est + math.sqrt(max(vu, 0.0))
    return max(lo, 0.0), max(hi, 0.0)


def _crossed_anova(y: np.ndarray, alpha: float, confidence: float
                   ) -> tuple[pd.DataFrame, pd.DataFrame, float, bool, dict[str, float],
                              dict[str, tuple[float, float]]]:
    o, p, r = y.shape
    grand = y.mean()
    m_o = y.mean(axis=(1, 2))
    m_p = y.mean(axis=(0, 2))
    cell = y.mean(axis=2)
    ss_o = p * r * float(((m_o - grand) ** 2).sum())
    ss_p = o * r * float(((m_p - grand) ** 2).sum())
    ss_op = r * float(((cell - m_o[:, None] - m_p[None, :] + grand) ** 2).sum())
    ss_e = float(((y - cell[:, :, None]) ** 2).sum())
    ss_t = float(((y - grand) ** 2).sum())
    df_o, df_p, df_op, df_e = o - 1, p - 1, (o - 1) * (p - 1), o * p * (r - 1)
    ms_o, ms_p, ms_op, ms_e = ss_o / df_o, ss_p / df_p, ss_op / df_op, ss_e / df_e
    f_p, p_p = _f_test(ms_p, ms_op, df_p, df_op)
    f_o, p_o = _f_test(ms_o, ms_op, df_o, df_op)
    f_op, p_op = _f_test(ms_op, ms_e, df_op, df_e)
    full = _table([("Part", df_p, ss_p, f_p, p_p), ("Operator", df_o, ss_o, f_o, p_o),
                   ("Operator × part", df_op, ss_op, f_op, p_op),
                   ("Repeatability", df_e, ss_e, math.nan, math.nan),
                   ("Total", df_p + df_o + df_op + df_e, ss_t, math.nan, math.nan)])
    pooled = bool(np.isfinite(p_op) and p_op > alpha) or (ms_op == 0 and ms_e == 0)
    var: dict[str, float] = {}
    ci: dict[str, tuple[float, float]] = {}
    if pooled:
        df_pool = df_op + df_e
        ms_pool = (ss_op + ss_e) / df_pool
        f_p, p_p = _f_test(ms_p, ms_pool, df_p, df_pool)
        f_o, p_o = _f_test(ms_o, ms_pool, df_o, df_pool)
        reduced = _table([("Part", df_p, ss_p, f_p, p_p), ("Operator", df_o, ss_o, f_o, p_o),
                          ("Repeatability", df_pool, ss_op + ss_e, math.nan, math.nan),
                          ("Total", df_p + df_o + df_pool, ss_t, math.nan, math.nan)])
        S = {"p": (ms_p, df_p), "o": (ms_o, df_o), "e": (ms_pool, df_pool)}
        lin = {
            "repeatability": {"e": 1.0},
            "operator": {"o": 1 / (p * r), "e": -1 / (p * r)},
            "part": {"p": 1 / (o * r), "e": -1 / (o * r)},
        }
        lin["reproducibility"] = lin["operator"]
        lin["gage_rr"] = {"o": 1 / (p * r), "e": 1 - 1 / (p * r)}
        lin["total"] = {"p": 1 / (o * r), "o": 1 / (p * r),
                        "e": 1 - 1 / (o * r) - 1 / (p * r)}
    else:
        reduced = pd.DataFrame(columns=ANOVA_COLUMNS)
        S = {"p": (ms_p, df_p), "o": (ms_o, df_o), "op": (ms_op, df_op), "e": (ms_e, df_e)}
        lin = {
            "repeatability": {"e": 1.0},
            "operator": {"o": 1 / (p * r), "op": -1 / (p * r)},
            "operator_part": {"op": 1 / r, "e": -1 / r},
            "part": {"p": 1 / (o * r), "op": -1 / (o * r)},
            "reproducibility": {"o": 1 / (p * r), "op": 1 / r - 1 / (p * r), "e": -1 / r},
            "gage_rr": {"o": 1 / (p * r), "op": (p - 1) / (p * r), "e": (r - 1) / r},
            "total": {"p": 1 / (o * r), "o": 1 / (p * r),
                      "op": (o * p - o - p) / (o * p * r), "e": (r - 1) / r},
        }
    for name in ("repeatability", "operator", "operator_part", "part"):
        if name in lin:
            var[name] = max(0.0, sum(c * S[k][0] for k, c in lin[name].items()))
    var["reproducibility"] = var["operator"] + var.get("operator_part", 0.0)
    var["gage_rr"] = var["repeatability"] + var["reproducibility"]
    var["total"] = var["gage_rr"] + var["part"]
    for name, coef in lin.items():
        ci[name] = _mls([(c, S[k][0], S[k][1]) for k, c in coef.items()], confidence)
    return full, reduced, p_op, pooled, var, ci


def _nested_anova(y: np.ndarray, confidence: float
                  ) -> tuple[pd.DataFrame, dict[str, float], dict[str, tuple[float, float]]]:
    o, p, r = y.shape
    grand = y.mean()
    m_o = y.mean(axis=(1, 2))
    cell = y.mean(axis=2)
    ss_o = p * r * float(((m_o - grand) ** 2).sum())
    ss_po = r * float(((cell - m_o[:, None]) ** 2).sum())
    ss_e = float(((y - cell[:, :, None]) ** 2).sum())
    ss_t = float(((y - grand) ** 2).sum())
    df_o, df_po, df_e = o - 1, o * (p - 1), o * p * (r - 1)
    ms_o, ms_po, ms_e = ss_o / df_o, ss_po / df_po, ss_e / df_e
    f_o, p_o = _f_test(ms_o, ms_po, df_o, df_po)
    f_po, p_po = _f_test(ms_po, ms_e, df_po, df_e)
    table = _table([("Operator", df_o, ss_o, f_o, p_o), ("Part (operator)", df_po, ss_po, f_po,
                                                          p_po),
                    ("Repeatability", df_e, ss_e, math.nan, math.nan),
                    ("Total", df_o + df_po + df_e, ss_t, math.nan, math.nan)])
    S = {"o": (ms_o, df_o), "po": (ms_po, df_po), "e": (ms_e, df_e)}
    lin = {
        "repeatability": {"e": 1.0},
        "operator": {"o": 1 / (p * r), "po": -1 / (p * r)},
        "part": {"po": 1 / r, "e": -1 / r},
        "gage_rr": {"o": 1 / (p * r), "po": -1 / (p * r), "e": 1.0},
        "total": {"o": 1 / (p * r), "po": 1 / r - 1 / (p * r), "e": 1 - 1 / r},
    }
    lin["reproducibility"] = lin["operator"]
    var = {k: max(0.0, sum(c * S[s][0] for s, c in lin[k].items()))
           for k in ("repeatability", "operator", "part")}
    var["reproducibility"] = var["operator"]
    var["gage_rr"] = var["repeatability"] + var["reproducibility"]
    var["total"] = var["gage_rr"] + var["part"]
    ci = {k: _mls([(c, S[s][0], S[s][1]) for s, c in coef.items()], confidence)
          for k, coef in lin.items()}
    return table, var, ci


def xbar_r_components(rbar: float, xdiff: float, rp: float, *, n_parts: int, n_trials: int,
                      k1: float, k2: float, k3: float) -> dict[str, float]:
    """Standard deviations of the AIAG average-and-range method from its summary figures.

    ``EV = R̄·K1``, ``AV = sqrt((X̄diff·K2)² − EV²/(n·r))`` (0 when negative),
    ``GRR = sqrt(EV² + AV²)``, ``PV = Rp·K3``, ``TV = sqrt(GRR² + PV²)``.

    Examples
    --------
    >>> sd = xbar_r_components(0.3417, 0.4446, 3.511, n_parts=10, n_trials=3,
    ...                        k1=0.5908, k2=0.5231, k3=0.3146)
    >>> {k: round(v, 5) for k, v in sd.items()}
    {'EV': 0.20188, 'AV': 0.22963, 'GRR': 0.30575, 'PV': 1.10456, 'TV': 1.1461}
    """
    ev = rbar * k1
    av2 = (xdiff * k2) ** 2 - ev ** 2 / (n_parts * n_trials)
    av = math.sqrt(av2) if av2 > 0 else 0.0
    grr = math.hypot(ev, av)
    pv = rp * k3
    return {"EV": ev, "AV": av, "GRR": grr, "PV": pv, "TV": math.hypot(grr, pv)}


# ------------------------------------------------------------------------- public


def gage_rr(
    data: pd.DataFrame,
    *,
    part: str,
    operator: str,
    value: str,
    tolerance: float | None = None,
    lsl: float | None = None,
    usl: float | None = None,
    historical_sigma: float | None = None,
    method: Method = "anova",
    design: Design = "crossed",
    study_var: float = 6.0,
    alpha_interaction: float = 0.05,
    confidence: float = 0.95,
) -> GageRR:
    """Gage repeatability and reproducibility: how much of the variation is the gauge?

    Parameters
    ----------
    data : pandas.DataFrame
        One row per measurement (long format).
    part, operator, value : str
        Columns of the part id, the operator (appraiser) and the measured value.
    tolerance : float, optional
        Specification width ``USL − LSL`` (for %tolerance); or give ``lsl`` and ``usl``.
    lsl, usl : float, optional
        Specification limits (both; their difference is the tolerance).
    historical_sigma : float, optional
        The process standard deviation from production (for %process).
    method : {"anova", "xbar_r"}, default "anova"
        ANOVA variance components (with the interaction) or the AIAG average-and-range
        method (crossed studies only).
    design : {"crossed", "nested"}, default "crossed"
        ``"nested"``: each part is measured by one operator only (destructive tests;
        parts nested within operators, ANOVA only).
    study_var : float, default 6
        Standard deviations in the study variation (5.15 in AIAG's 3rd edition).
    alpha_interaction : float, default 0.05
        The operator × part interaction is pooled into repeatability when its p-value is
        above this (Minitab's rule): 1 never pools, 0 pools unless p is 0.
    confidence : float, default 0.95
        Level of the confidence intervals of the variance components.

    Returns
    -------
    GageRR
        ``components`` (``to_frame()``: ``component, source, variance, sd, study_var,
        pct_contribution, pct_study_var, pct_tolerance, pct_process, var_lower,
        var_upper, sd_lower, sd_upper``), ``anova``, ``ndc``, ``verdict``, ``finding()``.

    Raises
    ------
    ColumnNotFoundError
        A named column is not in the data.
    SchemaError
        Non-numeric or missing values, an unbalanced design (the missing cells or the
        cells with a different number of trials are named), a part measured by only one
        operator in a crossed study (or by several in a nested one).
    InsufficientDataError
        Fewer than 2 operators, parts or trials.
    ValueError
        Invalid options (``tolerance`` with ``lsl``/``usl``, ``lsl >= usl``, X̄-R with a
        nested design, levels outside (0, 1)).

    Notes
    -----
    Crossed ANOVA (``o`` operators, ``p`` parts, ``r`` trials): with the interaction,
    ``σ²_E = MS_E``, ``σ²_OP = (MS_OP − MS_E)/r``, ``σ²_O = (MS_O − MS_OP)/(p·r)``,
    ``σ²_P = (MS_P − MS_OP)/(o·r)``; without it (pooled), ``MS_E`` is replaced by
    ``(SS_OP + SS_E)/(df_OP + df_E)`` and ``MS_OP`` by the same. Negative estimates are
    set to 0. Reproducibility ``= σ²_O + σ²_OP``, gage R&R ``= σ²_E + reproducibility``.
    Nested: ``σ²_P(O) = (MS_P(O) − MS_E)/r``, ``σ²_O = (MS_O − MS_P(O))/(p·r)``.
    ``ndc = floor(1.41·σ_P/σ_GRR)`` (at least 1). Confidence intervals: the modified
    large-sample (MLS) method (Burdick, Borror & Montgomery 2005); repeatability's is the
    exact chi-square interval. X̄-R: AIAG's ``K = 1/d2*`` (Duncan's d2*). Every formula
    is in ``docs/msa.md``.

    References
    ----------
    AIAG, *Measurement Systems Analysis*, 4th ed. (2010), Ch. III B and Appendix C.
    Burdick, R. K., Borror, C. M. & Montgomery, D. C. (2005), *Design and Analysis of
    Gauge R&R Studies*, SIAM/ASA. Duncan, A. J. (1986), *Quality Control and Industrial
    Statistics*, 5th ed., Table D3. Montgomery, D. C., *Design and Analysis of
    Experiments*, Ch. 14 (nested designs).

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import msa
    >>> df = pd.DataFrame({"part": [1, 1, 2, 2, 3, 3] * 2,
    ...                    "op": ["A"] * 6 + ["B"] * 6,
    ...                    "mm": [10.1, 10.2, 12.0, 12.1, 14.2, 14.1,
    ...                           10.3, 10.2, 12.2, 12.3, 14.2, 14.4]})
    >>> r = msa.gage_rr(df, part="part", operator="op", value="mm")
    >>> round(r.pct_study_var, 1), r.ndc, r.verdict
    (6.4, 22, 'acceptable')
    """
    if method not in ("anova", "xbar_r"):
        raise ValueError(f"method must be 'anova' or 'xbar_r', got {method!r}")
    if design not in ("crossed", "nested"):
        raise ValueError(f"design must be 'crossed' or 'nested', got {design!r}")
    if design == "nested" and method == "xbar_r":
        raise ValueError("the X̄-R method needs a crossed study; a nested (destructive) study "
                         "is analysed by ANOVA: use method='anova'")
    for name, level in (("alpha_interaction", alpha_interaction), ("confidence", confidence)):
        if not 0 <= level <= 1 or (name == "confidence" and level in (0, 1)):
            raise ValueError(f"{name} must be between 0 and 1, got {level!r}")
    if not (np.isfinite(study_var) and study_var > 0):
        raise ValueError(f"study_var must be a positive number (6, or 5.15), got {study_var!r}")
    tol = _tolerance(tolerance, lsl, usl)
    if historical_sigma is not None and not (np.isfinite(historical_sigma)
                                             and historical_sigma > 0):
        raise ValueError(f"historical_sigma must be a positive number, got {historical_sigma!r}")
    _columns(data, {"part": part, "operator": operator, "value": value})
    df = pd.DataFrame({"operator": _labels(data, operator, "operator").to_numpy(),
                       "part": _labels(data, part, "part").to_numpy(),
                       "value": _numeric(data, value).to_numpy()})
    ops = _levels(df["operator"])
    if len(ops) < 2:
        raise InsufficientDataError(f"the study has {len(ops)} operator(s) ({ops}); "
                                    "reproducibility needs at least 2 operators")
    notes: list[str] = []
    parts = _levels(df["part"])
    if design == "crossed":
        if len(parts) < 2:
            raise InsufficientDataError(f"the study has {len(parts)} part(s); part-to-part "
                                        "variation needs at least 2 parts")
        y = _crossed_array(df, parts, ops)
        part_labels = [[p for p in parts] for _ in ops]
    else:
        y, part_labels = _nested_array(df, ops)
    o, p, r = y.shape

    constants: dict[str, float] = {}
    anova = reduced = pd.DataFrame(columns=ANOVA_COLUMNS)
    p_int, pooled = math.nan, False
    ci: dict[str, tuple[float, float]] = {}
    if method == "xbar_r":
        ranges = np.ptp(y, axis=2)
        rbar = float(ranges.mean())
        xdiff = float(np.ptp(y.mean(axis=(1, 2))))
        rp = float(np.ptp(y.mean(axis=(0, 2))))
        k = k_constants(r, o, p)
        sd = xbar_r_components(rbar, xdiff, rp, n_parts=p, n_trials=r, k1=k["K1"],
                               k2=k["K2"], k3=k["K3"])
        var = {"repeatability": sd["EV"] ** 2, "reproducibility": sd["AV"] ** 2,
               "gage_rr": sd["GRR"] ** 2, "part": sd["PV"] ** 2, "total": sd["TV"] ** 2}
        g = p * o
        constants = {"rbar": rbar, "xdiff": xdiff, "rp": rp,
                     "d2star_trials": 1 / k["K1"], "d2star_operators": 1 / k["K2"],
                     "d2star_parts": 1 / k["K3"], **k}
        notes.append(
            f"X̄-R (average and range) method, AIAG: EV = R̄·K1, AV = √((X̄diff·K2)² − "
            f"EV²/(n·r)), PV = Rp·K3 with K = 1/d2* (K1 = {k['K1']:.4f} for {r} trials"
            + (f" and g = {g} > {G_LIMIT} ranges, i.e. 1/d2" if g > G_LIMIT else
               f" and g = {g} ranges") + f"; K2 = {k['K2']:.4f}; K3 = {k['K3']:.4f}); the "
            "operator × part interaction is not estimated (use method='anova' to test it); "
            "no confidence intervals")
        if sd["AV"] == 0:
            notes.append("(X̄diff·K2)² was smaller than EV²/(n·r): reproducibility set to 0")
    elif design == "crossed":
        anova, reduced, p_int, pooled, var, ci = _crossed_anova(y, alpha_interaction,
                                                                confidence)
        if pooled:
            notes.append(f"the operator × part interaction is not significant (p = "
                         f"{p_int:.3g} > α = {alpha_interaction:g}); it was pooled into "
                         "repeatability (the model without interaction, as Minitab and the "
                         "AIAG manual do)")
        else:
            notes.append(f"the operator × part interaction is significant (p = {p_int:.3g} ≤ "
                         f"α = {alpha_interaction:g}) and kept in reproducibility; operators "
                         "measure some parts differently from others")
        notes.append(f"confidence intervals ({confidence:.0%}): {CI_MLS}")
    else:
        anova, var, ci = _nested_anova(y, confidence)
        notes.append("nested design (parts within operators, as for destructive tests): "
                     "reproducibility is the operator component; part-to-part is the "
                     "part (operator) component; it assumes the samples of one part are "
                     "identical")
        notes.append(f"confidence intervals ({confidence:.0%}): {CI_MLS}")
    if method == "anova":
        negative = [k for k in ("operator", "operator_part", "part")
                    if k in ci and var.get(k, 1.0) == 0.0]
        if negative:
            notes.append("negative variance estimates set to 0: "
                         + ", ".join(SOURCES[k].lower() for k in negative))
    components = _components(var, ci, method=method, design=design, pooled=pooled,
                             study_var=study_var, tol=tol, hist=historical_sigma)
    sd_grr = math.sqrt(var["gage_rr"])
    sd_part = math.sqrt(var["part"])
    ndc = None if sd_grr == 0 else max(1, int(math.floor(1.41 * sd_part / sd_grr + 1e-12)))
    verdict, why = _verdict(components, ndc, tol is not None)
    notes.append(why)
    if tol is not None:
        notes.append(f"%tolerance = 100 × {study_var:g}·σ / tolerance ({tol:g})")
    if historical_sigma is not None:
        notes.append(f"%process = 100 × σ / historical process σ ({historical_sigma:g})")

    cells = pd.DataFrame([{"operator": ops[i], "part": part_labels[i][j], "n": r,
                           "mean": float(y[i, j].mean()), "range": float(np.ptp(y[i, j]))}
                          for i in range(o) for j in range(p)])
    from leankit.spc._constants import factors

    fac = factors(r)
    rbar_all = float(cells["range"].mean())
    grand = float(y.mean())
    limits = pd.DataFrame({"chart": ["range", "mean"], "center": [rbar_all, grand],
                           "lcl": [fac["D3"] * rbar_all, grand - fac["A2"] * rbar_all],
                           "ucl": [fac["D4"] * rbar_all, grand + fac["A2"] * rbar_all]})
    out_r = int((cells["range"] > limits.loc[0, "ucl"] + 1e-12).sum())
    if out_r:
        notes.append(f"{out_r} operator/part range(s) above the R chart's UCL: look for "
                     "reading or recording errors, or an unstable gauge")
    return GageRR(
        method=method, design=design, part=part, operator=operator, value=value,
        n_parts=p, n_operators=o, n_trials=r, anova=anova, anova_reduced=reduced,
        interaction_p=float(p_int), interaction_pooled=pooled, components=components,
        ndc=ndc, verdict=verdict, tolerance=tol, historical_sigma=historical_sigma,
        study_var=float(study_var), alpha_interaction=float(alpha_interaction),
        confidence=float(confidence),
        ci_method=("none (X̄-R method)" if method == "xbar_r" else CI_MLS),
        constants=constants, cells=cells, chart_limits=limits, measurements=df,
        exclusions=pd.DataFrame({"row": pd.Series(dtype=int), "reason": pd.Series(dtype=str)}),
        notes=tuple(notes))


def _tolerance(tolerance: float | None, lsl: float | None, usl: float | None) -> float | None:
    if tolerance is not None and (lsl is not None or usl is not None):
        raise ValueError("give either tolerance= or lsl= and usl=, not both")
    if (lsl is None) != (usl is None):
        raise ValueError("%tolerance needs both lsl= and usl= (or tolerance= = USL − LSL); "
                         "a one-sided specification has no tolerance width")
    if lsl is not None and usl is not None:
        if not usl > lsl:
            raise ValueError(f"usl ({usl}) must be greater than lsl ({lsl})")
        return float(usl) - float(lsl)
    if tolerance is not None:
        if not (np.isfinite(tolerance) and tolerance > 0):
            raise ValueError(f"tolerance must be a positive number (USL − LSL), got "
                             f"{tolerance!r}")
        return float(tolerance)
    return None


def _components(var: dict[str, float], ci: dict[str, tuple[float, float]], *, method: str,
                design: str, pooled: bool, study_var: float, tol: float | None,
                hist: float | None) -> pd.DataFrame:
    if method == "xbar_r":
        names = ["gage_rr", "repeatability", "reproducibility", "part", "total"]
    elif design == "nested" or pooled:
        names = ["gage_rr", "repeatability", "reproducibility", "operator", "part", "total"]
    else:
        names = list(SOURCES)
    total = var["total"]
    rows = []
    for k in names:
        v = var[k]
        sd = math.sqrt(v)
        lo, hi = ci.get(k, (math.nan, math.nan))
        rows.append({
            "component": k, "source": SOURCES[k], "variance": v, "sd": sd,
            "study_var": study_var * sd,
            "pct_contribution": 100 * v / total if total > 0 else math.nan,
            "pct_study_var": 100 * sd / math.sqrt(total) if total > 0 else math.nan,
            "pct_tolerance": 100 * study_var * sd / tol if tol else math.nan,
            "pct_process": 100 * sd / hist if hist else math.nan,
            "var_lower": lo, "var_upper": hi,
            "sd_lower": math.sqrt(lo) if np.isfinite(lo) else math.nan,
            "sd_upper": math.sqrt(hi) if np.isfinite(hi) else math.nan,
        })
    return pd.DataFrame(rows, columns=COMPONENT_COLUMNS)


def _verdict(components: pd.DataFrame, ndc: int | None, has_tol: bool) -> tuple[Verdict, str]:
    grr = components[components["component"] == "gage_rr"].iloc[0]
    pct = float(grr["pct_study_var"])
    basis = "%study variation"
    if has_tol and float(grr["pct_tolerance"]) > pct:
        pct, basis = float(grr["pct_tolerance"]), "%tolerance"
    if pct < AIAG_ACCEPTABLE:
        verdict: Verdict = "acceptable"
    elif pct <= AIAG_UNACCEPTABLE:
        verdict = "conditional"
    else:
        verdict = "unacceptable"
    if ndc is not None and ndc < AIAG_MIN_NDC:
        verdict = "unacceptable"
    why = (f"verdict against AIAG MSA (4th ed.): %GRR under {AIAG_ACCEPTABLE:g} % acceptable, "
           f"{AIAG_ACCEPTABLE:g}-{AIAG_UNACCEPTABLE:g} % conditional, over "
           f"{AIAG_UNACCEPTABLE:g} % unacceptable, judged on the larger of %study variation "
           f"and %tolerance (here {basis}, {pct:.1f} %); fewer than {AIAG_MIN_NDC} distinct "
           "categories is unacceptable")
    return verdict, why
