"""Stratification: where do the defects (or the variation) come from?"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import (
    ColumnNotFoundError,
    DataQualityWarning,
    InsufficientDataError,
    SchemaError,
)
from leankit.rca._pareto import MISSING

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["Stratification", "benjamini_hochberg", "stratify"]

Factor = str | tuple[str, ...]
SEP = " × "


def benjamini_hochberg(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN entries stay NaN).

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    arr = np.asarray(p, dtype=float)
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    m = int(ok.sum())
    if m == 0:
        return out
    vals = arr[ok]
    order = np.argsort(vals)
    ranked = vals[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


def _num(x: float, *, count: bool = False) -> str:
    """A number for a sentence: a ratio with one decimal from 1 to 10 (3.0, 0.45 below 1),
    a count whole (with 2 significant digits below 10); 10 and more whole, with thousands
    separators (1,067)."""
    x = float(x)
    if not np.isfinite(x):
        return "∞" if x > 0 else "n/a"
    if abs(x) >= 10 or (count and float(x).is_integer()):
        return f"{round(x):,}"
    if count:
        return f"{x:.2g}"
    return f"{x:.1f}" if abs(x) >= 1 else f"{x:.2g}"


def _p(p: float) -> str:
    """``p < 0.001`` or ``p = 0.66`` (2 significant digits)."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def _name(f: Factor) -> str:
    return SEP.join(f) if isinstance(f, tuple) else f


def _labels(data: pd.DataFrame, f: Factor) -> pd.Series:
    cols = f if isinstance(f, tuple) else (f,)
    parts = [data[c].astype(object).where(data[c].notna(), MISSING).astype(str) for c in cols]
    out = parts[0]
    for p in parts[1:]:
        out = out + " / " + p
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Stratification:
    """Rates (or measurement summaries) per factor level, tests and a ranking.

    Attributes
    ----------
    kind : {"defects", "defectives", "measurements"}
        Poisson counts with exposure, binomial defectives, or measured values.
    factors : pandas.DataFrame
        One row per factor (interactions named ``"machine × shift"``): ``factor,
        levels, test, statistic, df, p_value, p_adjusted`` (Benjamini-Hochberg over the
        factors), ``effect, effect_size``, ``note``.
    levels : pandas.DataFrame
        One row per (factor, level). Counts: ``defects, exposure, rate, lower, upper``
        (exact CI), ``expected, excess, rate_ratio`` (vs the rest of the data),
        ``rr_lower, rr_upper, p_value, p_adjusted``. Measurements: ``n, mean, sd,
        median``.
    ranking : pandas.DataFrame
        "Where to look first": the (factor, level) cells, significant ones with excess
        defects first, by ``score = excess × (1 − 1/rate_ratio)`` (the excess weighted by
        its concentration), or by the distance of the mean from the overall mean.
    pairs : pandas.DataFrame
        Measurements: Tukey HSD pairs for factors with a significant location test.
    notes : tuple of str
        Conventions and warnings in words.
    """

    kind: str
    factors: pd.DataFrame
    levels: pd.DataFrame
    ranking: pd.DataFrame
    pairs: pd.DataFrame
    overall_rate: float
    notes: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The ranking ("where to look first")."""
        return self.ranking.copy()

    @property
    def top(self) -> pd.Series:
        """The first row of the ranking."""
        return self.ranking.iloc[0]

    def finding(self) -> str:
        """The main finding in one plain sentence."""
        if self.ranking.empty:
            return "No factor level stands out."
        r = self.ranking.iloc[0]
        if self.kind == "measurements":
            if not r["p_adjusted"] < self.parameters.get("alpha", 0.05):
                return ("No factor shifts the mean significantly (smallest adjusted "
                        f"{_p(float(self.factors['p_adjusted'].min()))}).")
            return (f"{r['factor']} = {r['level']} has the most different mean "
                    f"({r['mean']:.6g} vs {r['overall_mean']:.6g} overall, adjusted "
                    f"{_p(r['p_adjusted'])}).")
        if not np.isfinite(r["rate_ratio"]) or r["defects"] == 0:
            return ("No factor level stands out (nothing to compare: a single level or no "
                    "defects).")
        what = "defects per unit" if self.kind == "defects" else "the defective rate"
        sig = "" if r["p_adjusted"] < self.parameters.get("alpha", 0.05) else (
            "; not statistically significant")
        conf = self.parameters.get("confidence", 0.95)
        ci = (f" ({conf * 100:g} % CI {_num(r['rr_lower'])}–{_num(r['rr_upper'])})"
              if np.isfinite(r["rr_lower"]) and np.isfinite(r["rr_upper"]) else "")
        unit = "defects" if self.kind == "defects" else "defectives"
        # the rest's rate applied to this level's exposure: defects / rate ratio
        predicted = float(r["defects"]) / float(r["rate_ratio"])
        return (f"{r['factor']} = {r['level']}: {what} {_num(r['rate_ratio'])}× the "
                f"rest's rate{ci}: {_num(r['defects'], count=True)} {unit} where the rest's rate "
                f"predicts {_num(predicted, count=True)}{sig}.")

    def __repr__(self) -> str:
        return (f"<Stratification {self.kind}: {len(self.factors)} factors, "
                f"{len(self.levels)} levels; {self.finding()}>")

    def summary(self) -> Summary:
        """Factor tests, the ranking's head and notes."""
        return Summary(title=repr(self), rows=(("finding", self.finding()),),
                       tables=(("Factors", self.factors.round(4)),
                               ("Where to look first", self.ranking.head(10).round(4))),
                       notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """Rate (or mean) per level with confidence intervals, one panel per factor."""
        from leankit.rca._figures import stratification_figure

        return stratification_figure(self, **style)


def _poisson_ci(k: np.ndarray, e: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    a = 1 - conf
    lo = np.where(k > 0, stats.chi2.ppf(a / 2, 2 * k) / 2, 0.0) / e
    hi = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2 / e
    return lo, hi


def _binom_ci(k: np.ndarray, n: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    a = 1 - conf
    lo = np.where(k > 0, stats.beta.ppf(a / 2, k, n - k + 1), 0.0)
    hi = np.where(k < n, stats.beta.ppf(1 - a / 2, k + 1, n - k), 1.0)
    return lo, hi


def _exposure(data: pd.DataFrame, labels: pd.Series, size: str, lot: str | None) -> pd.Series:
    if lot is None:
        return data[size].astype(float).groupby(labels, sort=False).sum()
    per = pd.DataFrame({"label": labels.to_numpy(), "lot": data[lot].to_numpy(),
                        "size": data[size].to_numpy(dtype=float)})
    per = per.drop_duplicates(["label", "lot"])
    return per.groupby("label", sort=False)["size"].sum()


def _count_factor(data: pd.DataFrame, f: Factor, *, count: str, size: str, lot: str | None,
                  kind: str, conf: float, max_levels: int) -> tuple[dict[str, Any],
                                                                   pd.DataFrame, list[str]]:
    notes: list[str] = []
    labels = _labels(data, f)
    defects = data[count].astype(float).groupby(labels, sort=False).sum()
    expo = _exposure(data, labels, size, lot).reindex(defects.index)
    name = _name(f)
    if (expo <= 0).any():
        bad = list(expo[expo <= 0].index[:5])
        raise SchemaError(f"factor {name!r}: level(s) {bad} have zero exposure (no units "
                          f"inspected); a rate needs units > 0 — fix or drop those rows")
    k = defects.to_numpy()
    e = expo.to_numpy()
    if kind == "defectives" and (k > e).any():
        over = list(defects.index[k > e][:5])
        raise SchemaError(f"factor {name!r}: level(s) {over} have more defectives than units "
                          "inspected (a rate above 1); check the lot sizes, or use "
                          "kind='defects' for defect counts")
    total_k, total_e = k.sum(), e.sum()
    rate = k / e
    lo, hi = _poisson_ci(k, e, conf) if kind == "defects" else _binom_ci(k, e, conf)
    rest_k, rest_e = total_k - k, total_e - e
    rest_rate = np.where(rest_e > 0, rest_k / np.where(rest_e > 0, rest_e, 1), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = rate / rest_rate
        # log rate ratio CI (0.5 added to empty cells)
        se = np.sqrt(1 / np.maximum(k, 0.5) + 1 / np.maximum(rest_k, 0.5))
        z = stats.norm.ppf(1 - (1 - conf) / 2)
        rr_lo = np.exp(np.log(np.maximum(k, 0.5) / e / (np.maximum(rest_k, 0.5) / rest_e)) - z * se)
        rr_hi = np.exp(np.log(np.maximum(k, 0.5) / e / (np.maximum(rest_k, 0.5) / rest_e)) + z * se)
    share = e / total_e
    expected = total_k * share
    # exact conditional test of a level against the rest: given the total, the level's
    # defects are Binomial(total, exposure share) under "same rate everywhere"
    p_cell = np.array([stats.binomtest(int(round(ki)), int(round(total_k)), si).pvalue
                       if total_k > 0 and 0 < si < 1 else np.nan for ki, si in zip(k, share,
                                                                                    strict=True)])
    levels = pd.DataFrame({
        "factor": name, "level": [str(i) for i in defects.index], "defects": k, "exposure": e,
        "rate": rate, "lower": lo, "upper": hi, "expected": expected, "excess": k - expected,
        "rate_ratio": rr, "rr_lower": rr_lo, "rr_upper": rr_hi, "p_value": p_cell,
    })
    row: dict[str, Any] = {"factor": name, "levels": len(levels)}
    if len(levels) < 2:
        row.update(test="none", statistic=np.nan, df=0, p_value=np.nan, effect="none",
                   effect_size=np.nan, note="a single level: nothing to compare")
        notes.append(f"factor {name!r} has a single level; it cannot explain anything")
        return row, levels, notes
    if total_k == 0:
        row.update(test="none", statistic=np.nan, df=len(levels) - 1, p_value=np.nan,
                   effect="none", effect_size=np.nan, note="no defects at all")
        return row, levels, notes
    if len(levels) > max_levels:
        notes.append(f"factor {name!r} has {len(levels)} levels (more than {max_levels}): "
                     "its test has little power and its ranking is noisy")
    # likelihood-ratio (G) test of "same rate in every level" with exposure offsets:
    # the deviance of the Poisson (or binomial) model with the factor vs without it
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "defects":
            g = 2 * np.sum(np.where(k > 0, k * np.log(k / expected), 0.0))
        else:
            nk = e - k
            en = e - expected
            g = 2 * np.sum(np.where(k > 0, k * np.log(k / expected), 0.0)
                           + np.where(nk > 0, nk * np.log(nk / en), 0.0))
    dof = len(levels) - 1
    p = float(stats.chi2.sf(g, dof))
    # Cramér's V of the 2 x k table (units with / without a defect)
    table = np.vstack([k, np.maximum(e - k, 0)])
    chi2 = float(stats.chi2_contingency(table, correction=False).statistic) if (
        table.sum(axis=1) > 0).all() else np.nan
    v = math.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))) if np.isfinite(chi2) else np.nan
    row.update(test=("Poisson" if kind == "defects" else "binomial") + " likelihood-ratio",
               statistic=float(g), df=dof, p_value=p, effect="Cramér's V", effect_size=v,
               note="")
    if kind == "defects" and (k > e).any():
        notes.append(f"factor {name!r}: some levels have more defects than units; Cramér's V "
                     "treats units with several defects as one")
    return row, levels, notes


def _measure_factor(data: pd.DataFrame, f: Factor, *, value: str, alpha: float
                    ) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, list[str]]:
    notes: list[str] = []
    labels = _labels(data, f)
    name = _name(f)
    x = data[value].astype(float)
    grp = x.groupby(labels, sort=False)
    levels = pd.DataFrame({"factor": name, "level": [str(i) for i in grp.size().index],
                           "n": grp.size().to_numpy(), "mean": grp.mean().to_numpy(),
                           "sd": grp.std(ddof=1).to_numpy(), "median": grp.median().to_numpy()})
    samples = [g.to_numpy() for _, g in grp]
    row: dict[str, Any] = {"factor": name, "levels": len(levels)}
    pairs = pd.DataFrame()
    if len(samples) < 2 or min(len(s) for s in samples) < 2:
        row.update(test="none", statistic=np.nan, df=np.nan, p_value=np.nan, effect="none",
                   effect_size=np.nan, welch_p=np.nan, kruskal_p=np.nan, levene_p=np.nan,
                   brown_forsythe_p=np.nan,
                   note="fewer than 2 levels with 2+ values: nothing to compare")
        notes.append(f"factor {name!r}: fewer than 2 levels with 2 or more values")
        return row, levels, pairs, notes
    anova = stats.f_oneway(*samples)
    from statsmodels.stats.oneway import anova_oneway

    welch = anova_oneway(x.to_numpy(), labels.to_numpy(), use_var="unequal")
    kw = stats.kruskal(*samples)
    lev = stats.levene(*samples, center="mean")
    bf = stats.levene(*samples, center="median")
    grand = x.mean()
    ss_between = float(sum(len(s) * (s.mean() - grand) ** 2 for s in samples))
    ss_total = float(((x - grand) ** 2).sum())
    eta2 = ss_between / ss_total if ss_total > 0 else np.nan
    row.update(test="one-way ANOVA", statistic=float(anova.statistic),
               df=len(samples) - 1, p_value=float(anova.pvalue), effect="eta squared",
               effect_size=eta2, welch_p=float(welch.pvalue), kruskal_p=float(kw.pvalue),
               levene_p=float(lev.pvalue), brown_forsythe_p=float(bf.pvalue), note="")
    if anova.pvalue < alpha:
        from statsmodels.stats.multicomp import pairwise_tukeyhsd

        res = pairwise_tukeyhsd(x.to_numpy(), labels.to_numpy(), alpha=alpha)
        a_idx, b_idx = np.triu_indices(len(res.groupsunique), 1)
        ci = np.asarray(res.confint)
        pairs = pd.DataFrame({
            "factor": name, "level_a": res.groupsunique[a_idx], "level_b": res.groupsunique[b_idx],
            "difference": np.asarray(res.meandiffs), "p_adjusted": np.asarray(res.pvalues),
            "lower": ci[:, 0], "upper": ci[:, 1], "different": np.asarray(res.reject),
        })
    return row, levels, pairs, notes


def stratify(
    data: pd.DataFrame,
    *,
    by: Sequence[Factor] | str,
    count: str | None = None,
    size: str | None = None,
    value: str | None = None,
    lot: str | None = None,
    kind: Literal["auto", "defects", "defectives", "measurements"] = "auto",
    interactions: bool = True,
    confidence: float = 0.95,
    alpha: float = 0.05,
    max_levels: int = 50,
) -> Stratification:
    """Stratify defects (with exposure) or measurements by factors: where to look first.

    Parameters
    ----------
    data : pandas.DataFrame
        Defect rows (``count`` and ``size``) or measurements (``value``).
    by : str or list
        Factors (columns); a tuple of columns is a combined factor (an interaction).
    count, size : str
        Columns of defects (or defectives) and of units inspected (the exposure).
    value : str
        Column of measured values (measurement mode).
    lot : str, optional
        Inspection-lot column: each lot's size is counted once per level (a defect log
        repeats the lot size on every defect-type row).
    kind : {"auto", "defects", "defectives", "measurements"}, default "auto"
        Poisson rates (defects per unit), binomial rates (defectives) or measurements;
        ``auto`` is "defects" with ``count``, "measurements" with ``value``.
    interactions : bool, default True
        Also test every pair of the ``by`` columns as a combined factor.
    confidence : float, default 0.95
        Level of the exact intervals.
    alpha : float, default 0.05
        Significance level (after Benjamini-Hochberg adjustment).
    max_levels : int, default 50
        Factors with more levels get a warning (low power, noisy ranking).

    Returns
    -------
    Stratification
        ``factors`` (tests), ``levels`` (rates with CIs, rate ratios), ``ranking``
        ("where to look first"), ``pairs`` (Tukey HSD), ``finding()``.

    Raises
    ------
    ColumnNotFoundError, SchemaError, InsufficientDataError
        Unknown column, zero exposure in a level, negative counts, no data.

    Warns
    -----
    DataQualityWarning
        A factor with a single level, all-zero counts, many levels, missing factor values.

    Notes
    -----
    Counts: rate = defects/exposure with exact Poisson (Garwood) or Clopper-Pearson
    intervals; a factor's test is the likelihood-ratio (G) test of equal rates given the
    exposures (the deviance test of a Poisson or binomial GLM with an exposure offset);
    a level's test is the exact conditional binomial test of its defects against its
    share of the exposure; rate ratio vs the rest with a log-normal CI. p-values are
    Benjamini-Hochberg adjusted over the factors and, separately, over all levels.
    Measurements: one-way ANOVA, Welch ANOVA, Kruskal-Wallis; Levene and
    Brown-Forsythe for spread; Tukey HSD pairs where the ANOVA is significant.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"machine": ["a", "a", "b", "b"], "shift": ["d", "n", "d", "n"],
    ...                    "defects": [2, 3, 2, 12], "units": [100, 100, 100, 100]})
    >>> res = stratify(df, by=["machine", "shift"], count="defects", size="units")
    >>> res.top[["factor", "level"]].tolist()
    ['machine × shift', 'b / n']
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, got {type(data).__name__}")
    factors: list[Factor] = [by] if isinstance(by, str) else [
        tuple(f) if isinstance(f, (list, tuple)) else f for f in by]
    if not factors:
        raise ValueError("by= must name at least one factor column")
    for f in factors:
        for c in (f if isinstance(f, tuple) else (f,)):
            if c not in data.columns:
                raise ColumnNotFoundError(c, [str(x) for x in data.columns])
    for opt in (count, size, value, lot):
        if opt is not None and opt not in data.columns:
            raise ColumnNotFoundError(opt, [str(x) for x in data.columns])
    if kind == "auto":
        kind = "measurements" if value is not None else "defects"
    if kind in ("defects", "defectives") and (count is None or size is None):
        raise TypeError(f"kind={kind!r} needs count= and size= (the exposure)")
    if kind == "measurements" and value is None:
        raise TypeError("kind='measurements' needs value=")
    if data.empty:
        raise InsufficientDataError("no rows to stratify (empty data)")
    if kind not in ("defects", "defectives", "measurements"):
        raise ValueError(f"kind= must be 'auto', 'defects', 'defectives' or 'measurements', "
                         f"got {kind!r}")
    for name, level in (("confidence", confidence), ("alpha", alpha)):
        if not (isinstance(level, (int, float)) and not isinstance(level, bool)
                and 0 < level < 1):
            raise ValueError(f"{name}= must be a number strictly between 0 and 1, "
                             f"got {level!r}")
    if interactions:
        singles = [f for f in factors if isinstance(f, str)]
        factors += [pair for pair in itertools.combinations(singles, 2) if pair not in factors]
    notes: list[str] = []
    for f in factors:
        for c in (f if isinstance(f, tuple) else (f,)):
            if data[c].isna().any():
                notes.append(f"{int(data[c].isna().sum())} row(s) have no {c!r}: they form the "
                             f"level {MISSING!r}")
    rows: list[dict[str, Any]] = []
    level_frames: list[pd.DataFrame] = []
    pair_frames: list[pd.DataFrame] = []
    overall = np.nan
    if kind in ("defects", "defectives"):
        assert count is not None and size is not None
        for col in (count, size):
            if not pd.api.types.is_numeric_dtype(data[col]):
                raise SchemaError(f"column {col!r} must be numeric")
            if data[col].isna().any():
                raise SchemaError(f"{int(data[col].isna().sum())} row(s) have no {col!r}")
        for col in (count, size):
            inf = np.isinf(data[col].to_numpy(dtype=float))
            if inf.any():
                raise SchemaError(f"column {col!r} has infinite values in row(s) "
                                  f"{data.index[inf][:5].tolist()}; counts and sizes must be "
                                  "finite. Fix or drop those rows.")
        if (data[count] < 0).any() or (data[size] < 0).any():
            raise SchemaError("counts and sizes must be >= 0")
        c_arr = data[count].to_numpy(dtype=float)
        s_arr = data[size].to_numpy(dtype=float)
        frac = c_arr != np.round(c_arr)
        if kind == "defectives":
            frac |= s_arr != np.round(s_arr)
        if frac.any():
            what = "counts and sizes" if kind == "defectives" else "counts"
            raise SchemaError(f"{what} must be whole numbers; row(s) "
                              f"{data.index[frac][:5].tolist()} have fractions. Fix them.")
        nothing = (s_arr == 0) & (c_arr > 0)
        if kind == "defectives" and (c_arr > s_arr).any() and not nothing.any():
            over = c_arr > s_arr
            raise SchemaError(
                f"row(s) {data.index[over][:5].tolist()} have more defectives ({count!r}) "
                f"than units inspected ({size!r}), e.g. {c_arr[over][0]:g} of "
                f"{s_arr[over][0]:g}; fix them, or use kind='defects' for defect counts")
        if data[count].sum() == 0:
            notes.append("there are no defects at all: every rate is 0 and nothing stands out")
        for f in factors:
            row, lev, more = _count_factor(data, f, count=count, size=size, lot=lot, kind=kind,
                                           conf=confidence, max_levels=max_levels)
            rows.append(row)
            level_frames.append(lev)
            notes += more
        if nothing.any():  # after the factors: a whole level without units is named there
            raise SchemaError(
                f"row(s) {data.index[nothing][:5].tolist()} report {count!r} > 0 with "
                f"{size!r} = 0 (defects found in no units inspected); fix the inspected "
                "quantity or drop those rows")
        labels = _labels(data, factors[0])
        tot_e = float(_exposure(data, labels, size, lot).sum())
        overall = float(data[count].sum()) / tot_e if tot_e > 0 else np.nan
    else:
        assert value is not None
        if not pd.api.types.is_numeric_dtype(data[value]):
            raise SchemaError(f"column {value!r} must be numeric")
        clean = data[np.isfinite(data[value].to_numpy(dtype=float, na_value=np.nan))]
        if len(clean) < len(data):
            notes.append(f"{len(data) - len(clean)} row(s) without a finite value left out")
        for f in factors:
            row, lev, pairs, more = _measure_factor(clean, f, value=value, alpha=alpha)
            rows.append(row)
            level_frames.append(lev)
            if not pairs.empty:
                pair_frames.append(pairs)
            notes += more
        overall = float(clean[value].mean())
    factor_table = pd.DataFrame(rows)
    factor_table["p_adjusted"] = benjamini_hochberg(factor_table["p_value"].to_numpy(float))
    levels = pd.concat(level_frames, ignore_index=True)
    if kind == "measurements":
        p_map = dict(zip(factor_table["factor"], factor_table["p_adjusted"], strict=True))
        levels["overall_mean"] = overall
        levels["difference"] = levels["mean"] - overall
        levels["p_adjusted"] = levels["factor"].map(p_map)
        ranking = levels.assign(_abs=levels["difference"].abs(),
                                _sig=levels["p_adjusted"] < alpha)
        ranking = ranking.sort_values(["_sig", "_abs"], ascending=[False, False])
    else:
        levels["p_adjusted"] = benjamini_hochberg(levels["p_value"].to_numpy(float))
        # attributable excess: the excess defects weighted by how concentrated they are,
        # so a specific cell (machine × shift) outranks the broader level that contains it
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(levels["excess"] > 0,
                             levels["excess"] * (1 - 1 / levels["rate_ratio"]), 0.0)
        levels["score"] = np.nan_to_num(score)
        ranking = levels.assign(_sig=(levels["p_adjusted"] < alpha) & (levels["excess"] > 0))
        ranking = ranking.sort_values(["_sig", "score"], ascending=[False, False])
    ranking = ranking.drop(columns=[c for c in ("_abs", "_sig") if c in ranking]).reset_index(
        drop=True)
    notes = list(dict.fromkeys(notes))  # a column shared by several factors is noted once
    for note in notes:
        if any(k in note for k in ("single level", "more than", "no defects", "form the level")):
            warnings.warn(note, DataQualityWarning, stacklevel=2)
    notes.append("p-values adjusted with Benjamini-Hochberg (false discovery rate) over the "
                 "factors and, separately, over all levels.")
    return Stratification(kind=kind, factors=factor_table, levels=levels, ranking=ranking,
                          pairs=pd.concat(pair_frames, ignore_index=True) if pair_frames
                          else pd.DataFrame(), overall_rate=overall, notes=tuple(notes),
                          parameters={"by": by, "count": count, "size": size, "value": value,
                                      "lot": lot, "alpha": alpha, "confidence": confidence})
