"""Driver models: which factors (and interactions) drive defects or a measurement."""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import (
    AssumptionWarning,
    ColumnNotFoundError,
    InsufficientDataError,
    SchemaError,
)
from leankit.rca._pareto import MISSING

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["DriverModel", "drivers"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverModel:
    """A fitted multi-factor model and its Type II analysis-of-deviance table.

    Attributes
    ----------
    family : {"poisson", "negative binomial", "binomial", "gaussian"}
        The model: counts with an exposure offset, defectives, or measurements (OLS).
    formula : str
        The patsy formula that was fitted.
    anova : pandas.DataFrame
        Type II tests, one row per term: ``driver`` (the term in words: ``"machine"``,
        ``"machine × shift"``), ``term`` (as in the formula), ``df, statistic``
        (likelihood-ratio χ² for GLMs, F for OLS), ``p_value, p_adjusted``
        (Benjamini-Hochberg), sorted by statistic.
    cells : pandas.DataFrame
        Fitted rate (or mean) per combination of the factor levels, with the ratio to
        the overall rate: ``[factors...], observed, exposure, fitted, ratio``; count
        models also ``rate_ratio``: the fitted rate over the rate of all other cells
        (observed), the ratio :meth:`Stratification.finding` reports.
    dispersion : float
        Pearson χ²/df of the Poisson model (over-dispersion above ~1.5 switches to a
        negative-binomial model).
    n : int
        Number of rows the model was fitted on (after aggregation).
    notes : tuple of str
        What was done, in words.
    """

    family: str
    formula: str
    anova: pd.DataFrame
    cells: pd.DataFrame
    dispersion: float
    n: int
    factors: tuple[str, ...]
    notes: tuple[str, ...]
    result: Any = field(repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """The Type II table."""
        return self.anova.copy()

    @property
    def strongest(self) -> pd.Series:
        """The term with the largest test statistic."""
        return self.anova.iloc[0]

    @property
    def strongest_interaction(self) -> pd.Series | None:
        """The interaction term with the largest statistic (None without interactions)."""
        inter = self.anova[self.anova["term"].str.contains(":", regex=False)]
        return None if inter.empty else inter.iloc[0]

    def finding(self) -> str:
        """The strongest driver in plain words."""
        top = self.strongest
        words = str(top["driver"])
        if ":" in str(top["term"]):
            words = "the interaction " + words
        stat = "χ²" if self.family != "gaussian" else "F"
        text = (f"The strongest driver is {words} ({stat} = {top['statistic']:.1f}, "
                f"p {_p(top['p_adjusted'])}).")
        cell = self.cells.iloc[0] if not self.cells.empty else None
        if cell is not None:
            where = ", ".join(f"{f} {cell[f]}" for f in self.factors)
            what = {"poisson": "the defect rate", "negative binomial": "the defect rate",
                    "binomial": "the defective rate", "gaussian": "the mean"}[self.family]
            if self.family == "gaussian":
                text += f" The highest mean is at {where} ({cell['fitted']:.4g})."
            elif np.isfinite(cell["rate_ratio"]):
                text += (f" {what.capitalize()} at {where} is "
                         f"{_ratio(cell['rate_ratio'])}× the rest's rate (model fit).")
        inter = self.strongest_interaction
        if inter is not None and inter["p_adjusted"] < 0.05 and inter["term"] != top["term"]:
            text += (f" The interaction {inter['driver']} is significant too "
                     f"(p {_p(inter['p_adjusted'])}).")
        return text

    def __repr__(self) -> str:
        return f"<DriverModel {self.family}: {self.finding()}>"

    def summary(self) -> Summary:
        """Finding, Type II table and the top cells."""
        return Summary(title=f"<DriverModel {self.family}: {self.formula}>",
                       rows=(("finding", self.finding()), ("rows", self.n),
                             ("dispersion (Pearson χ²/df)", self.dispersion)),
                       tables=(("Type II tests", self.anova.round(4)),
                               ("Highest cells", self.cells.head(8).round(4))),
                       notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """Test statistic per term (bar chart), strongest first."""
        from leankit.rca._figures import drivers_figure

        return drivers_figure(self, **style)


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _ratio(x: float) -> str:
    return f"{round(x):,}" if x >= 10 else (f"{x:.1f}" if x >= 1 else f"{x:.2g}")


def _term_words(term: str) -> str:
    """A formula term in words: ``C(Q('machine')):C(Q('shift'))`` is ``machine × shift``.

    Examples
    --------
    >>> _term_words("C(Q('machine')):C(Q('shift'))"), _term_words("C(Q('shift'))")
    ('machine × shift', 'shift')
    """
    names = []
    for t in term.split(":"):
        m = re.fullmatch(r"C\(Q\('(.*)'\)\)", t) or re.fullmatch(r"C\((.*)\)", t) \
            or re.fullmatch(r"Q\('(.*)'\)", t)
        names.append(m.group(1) if m else t)
    return " × ".join(names)


def _q(col: str) -> str:
    return f"C(Q('{col}'))"


def drivers(
    data: pd.DataFrame,
    *,
    outcome: str,
    factors: Sequence[str],
    exposure: str | None = None,
    lot: str | None = None,
    kind: Literal["auto", "poisson", "negbin", "binomial", "ols"] = "auto",
    interactions: bool = True,
    max_levels: int = 50,
) -> DriverModel:
    """Fit a multi-factor model and rank the factors and interactions that drive the outcome.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation (defect rows, lots, measurements).
    outcome : str
        Counts of defects (or defectives), or measured values.
    factors : list of str
        Categorical factors (machine, shift, operator ...).
    exposure : str, optional
        Units inspected; counts are modelled as rates with ``log(exposure)`` as offset
        (binomial: the number of trials).
    lot : str, optional
        Inspection lot: rows are first summed per (factors, lot) and each lot's exposure
        counted once (a defect log repeats the lot size on every defect-type row).
    kind : {"auto", "poisson", "negbin", "binomial", "ols"}, default "auto"
        ``auto``: Poisson for counts with exposure (negative binomial when over-dispersed),
        OLS for measurements (no exposure).
    interactions : bool, default True
        Include all two-factor interactions.
    max_levels : int, default 50
        Refuse factors with more levels (the model would not be estimable reliably).

    Returns
    -------
    DriverModel
        ``anova`` (Type II), ``cells`` (fitted rates per level combination),
        ``finding()`` in plain words.

    Raises
    ------
    ColumnNotFoundError, SchemaError, InsufficientDataError
        Unknown columns, a factor with too many levels or a single level, no variation.

    Notes
    -----
    GLMs are fitted with statsmodels. Type II tests: each term is tested by a
    likelihood-ratio test of the model with all terms that do not contain it, with and
    without the term (for OLS, statsmodels' ``anova_lm(typ=2)``). p-values are
    Benjamini-Hochberg adjusted over the terms. Over-dispersion: Pearson χ²/df of the
    Poisson fit above 1.5 switches ``auto`` to a negative binomial GLM (NB2, α estimated
    by maximum likelihood).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"m": list("aabb") * 10, "s": list("dndn") * 10,
    ...                    "k": [2, 3, 2, 12] * 10, "n": [100] * 40})
    >>> model = drivers(df, outcome="k", factors=["m", "s"], exposure="n")
    >>> model.cells[["m", "s"]].iloc[0].tolist()
    ['b', 'n']
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, got {type(data).__name__}")
    factors = list(factors)
    if not factors:
        raise ValueError("factors= must name at least one column")
    for c in (outcome, exposure, lot, *factors):
        if c is not None and c not in data.columns:
            raise ColumnNotFoundError(c, [str(x) for x in data.columns])
    notes: list[str] = []
    if data.empty:
        raise InsufficientDataError("no rows to model (empty data)")
    df = data.copy()
    for f in factors:
        if df[f].isna().any():
            notes.append(f"{int(df[f].isna().sum())} row(s) without {f!r} form the level "
                         f"{MISSING!r}")
        df[f] = df[f].astype(object).where(df[f].notna(), MISSING).astype(str)
        nlev = df[f].nunique()
        if nlev < 2:
            raise InsufficientDataError(f"factor {f!r} has a single level ({df[f].iloc[0]!r}); "
                                        "it cannot drive anything — leave it out")
        if nlev > max_levels:
            raise SchemaError(f"factor {f!r} has {nlev} levels (more than max_levels="
                              f"{max_levels}); group rare levels or raise max_levels")
    if not pd.api.types.is_numeric_dtype(df[outcome]):
        raise SchemaError(f"outcome= column {outcome!r} must be numeric")
    for col in (outcome, exposure):
        if col is None:
            continue
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise SchemaError(f"column {col!r} must be numeric")
        inf = np.isinf(df[col].to_numpy(dtype=float, na_value=np.nan))
        if inf.any():
            raise SchemaError(f"column {col!r} has infinite values in row(s) "
                              f"{df.index[inf][:5].tolist()}; fix or drop those rows")
    if kind == "auto":
        kind = "poisson" if exposure is not None else "ols"
    if kind in ("poisson", "negbin", "binomial") and exposure is None:
        raise TypeError(f"kind={kind!r} needs exposure= (units inspected)")
    if exposure is not None:
        if lot is not None:
            sizes = df.drop_duplicates([*factors, lot])
            expo = sizes.groupby([*factors, lot], sort=False)[exposure].first()
            counts = df.groupby([*factors, lot], sort=False)[outcome].sum()
            df = pd.DataFrame({outcome: counts, exposure: expo}).reset_index()
            notes.append(f"rows summed per ({', '.join(factors)}, {lot}); each lot's "
                         f"{exposure!r} counted once")
        if (df[exposure] <= 0).any():
            raise SchemaError(f"{int((df[exposure] <= 0).sum())} row(s) have {exposure!r} <= 0;"
                              " exposure must be positive")
        if (df[outcome] < 0).any():
            raise SchemaError(f"{outcome!r} has negative counts")
        if df[outcome].sum() == 0:
            raise InsufficientDataError("there are no defects at all: nothing can drive them")
    elif df[outcome].std() == 0:
        raise InsufficientDataError(f"{outcome!r} does not vary: nothing can drive it")
    df = df.dropna(subset=[outcome])
    y = f"Q('{outcome}')"
    mains = [_q(f) for f in factors]
    terms = list(mains)
    if interactions and len(factors) > 1:
        terms += [f"{a}:{b}" for a, b in itertools.combinations(mains, 2)]

    def fit(ts: list[str]) -> Any:
        rhs = " + ".join(ts) if ts else "1"
        formula = f"{y} ~ {rhs}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "ols":
                return smf.ols(formula, data=df).fit()
            if kind == "binomial":  # proportions weighted by the units inspected
                return smf.glm(formula, data=df, family=sm.families.Binomial(),
                               var_weights=df[exposure]).fit()
            fam = (sm.families.NegativeBinomial(alpha=alpha_nb) if kind == "negbin"
                   else sm.families.Poisson())
            return smf.glm(formula, data=df, family=fam, offset=np.log(df[exposure])).fit()

    alpha_nb = 1.0
    if kind == "binomial":
        y = "_p"
        df = df.assign(_p=df[outcome] / df[exposure])
        if (df["_p"] > 1).any():
            raise SchemaError("more defectives than units in some rows; use kind='poisson'")
    full = fit(terms)
    dispersion = float(full.pearson_chi2 / full.df_resid) if kind != "ols" and full.df_resid > 0 \
        else float("nan")
    if kind == "poisson" and np.isfinite(dispersion) and dispersion > 1.5:
        from statsmodels.discrete.discrete_model import NegativeBinomial

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = NegativeBinomial.from_formula(f"{y} ~ {' + '.join(terms)}", data=df,
                                               offset=np.log(df[exposure])).fit(disp=0)
        alpha_nb = float(nb.params["alpha"])
        kind = "negbin"
        notes.append(f"the Poisson model is over-dispersed (Pearson χ²/df = {dispersion:.2f}); "
                     f"a negative binomial model (α = {alpha_nb:.3g}) is used instead")
        full = fit(terms)
    rows = []
    if kind == "ols":
        from statsmodels.stats.anova import anova_lm

        tab = anova_lm(full, typ=2)
        for term, r in tab.iterrows():
            if term == "Residual":
                continue
            rows.append({"term": term, "df": int(r["df"]), "statistic": float(r["F"]),
                         "p_value": float(r["PR(>F)"])})
    else:
        for t in terms:
            parts = set(t.split(":"))
            # Type II: the term against all terms that do not contain it
            others = [u for u in terms if u != t and not parts <= set(u.split(":"))]
            with_t = fit([*others, t])
            without = fit(others)
            lr = max(0.0, 2 * (with_t.llf - without.llf))
            ddf = int(round(with_t.df_model - without.df_model))
            rows.append({"term": t, "df": ddf, "statistic": lr,
                         "p_value": float(stats.chi2.sf(lr, ddf)) if ddf > 0 else np.nan})
    from leankit.rca._stratify import benjamini_hochberg

    anova = pd.DataFrame(rows)
    anova.insert(0, "driver", [_term_words(str(t)) for t in anova["term"]])
    anova["p_adjusted"] = benjamini_hochberg(anova["p_value"].to_numpy(float))
    anova = anova.sort_values("statistic", ascending=False, kind="stable").reset_index(drop=True)
    # fitted rate (or mean) per cell
    if kind == "ols":
        grid = df.groupby(factors, sort=True)[outcome].agg(["mean", "size"]).reset_index()
        grid["fitted"] = full.predict(grid[factors])
        overall = float(df[outcome].mean())
        grid = grid.rename(columns={"mean": "observed", "size": "n"})
        grid["ratio"] = grid["fitted"] / overall if overall else np.nan
        cells = grid.sort_values("fitted", ascending=False)
    else:
        agg = df.groupby(factors, sort=True).agg(observed=(outcome, "sum"),
                                                  exposure=(exposure, "sum")).reset_index()
        pred = full.predict(df, offset=np.zeros(len(df))) if kind != "binomial" else \
            full.predict(df)
        df = df.assign(_fit=np.asarray(pred))
        rate = df.groupby(factors, sort=True)["_fit"].mean().reset_index()
        cells = agg.merge(rate, on=factors)
        cells = cells.rename(columns={"_fit": "fitted"})
        overall = float(df[outcome].sum() / df[exposure].sum())
        cells["ratio"] = cells["fitted"] / overall
        rest_k = float(cells["observed"].sum()) - cells["observed"]
        rest_e = float(cells["exposure"].sum()) - cells["exposure"]
        with np.errstate(divide="ignore", invalid="ignore"):
            cells["rate_ratio"] = np.where(rest_e > 0, cells["fitted"] / (rest_k / rest_e),
                                           np.nan)
        cells = cells.sort_values("ratio", ascending=False)
    cells = cells.reset_index(drop=True)
    if kind in ("poisson", "negbin") and len(df) < 5 * len(full.params):
        warnings.warn(f"only {len(df)} rows for {len(full.params)} parameters: the model is "
                      "barely estimable; aggregate less or drop interactions",
                      AssumptionWarning, stacklevel=2)
    family = {"poisson": "poisson", "negbin": "negative binomial", "binomial": "binomial",
              "ols": "gaussian"}[kind]
    notes.append("Type II likelihood-ratio tests (F tests for OLS); p-values "
                 "Benjamini-Hochberg adjusted over the terms.")
    return DriverModel(family=family, formula=f"{y} ~ {' + '.join(terms)}", anova=anova,
                       cells=cells, dispersion=dispersion, n=len(df), factors=tuple(factors),
                       notes=tuple(notes), result=full)
