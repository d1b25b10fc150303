"""Pareto analysis: what is the biggest problem, and did the mix change?"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import ColumnNotFoundError, InsufficientDataError, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["Pareto", "ParetoComparison", "compare", "pareto"]

MISSING = "(missing)"


def _require(data: pd.DataFrame, *cols: str | None) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    for c in cols:
        if c is not None and c not in data.columns:
            raise ColumnNotFoundError(c, [str(x) for x in data.columns])


def _totals(data: pd.DataFrame, category: str, measure: str | None) -> tuple[pd.Series, int]:
    """Sum of *measure* (or row count) per category, in order of first appearance."""
    cats = data[category].astype(object).where(data[category].notna(), MISSING)
    n_missing = int((cats == MISSING).sum())
    if measure is None:
        values = pd.Series(1.0, index=data.index)
    else:
        values = data[measure]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise SchemaError(f"column {measure!r} must be numeric to weigh a Pareto")
        values = values.astype(float)
        if values.isna().any():
            raise SchemaError(
                f"{int(values.isna().sum())} row(s) have no {measure!r}; fill or drop them "
                "first (a Pareto must not lose rows silently)"
            )
        inf = np.isinf(values.to_numpy())
        if inf.any():
            raise SchemaError(
                f"column {measure!r} has infinite values in row(s) "
                f"{data.index[inf][:5].tolist()}; a Pareto needs finite counts, costs or "
                "minutes (its percentages would be inf/NaN). Fix or drop those rows.")
        if (values < 0).any():
            raise SchemaError(f"column {measure!r} has negative values; a Pareto needs "
                              "counts, costs or minutes >= 0")
    with np.errstate(over="ignore", invalid="ignore"):
        totals = values.groupby(cats, sort=False).sum()
    if not np.isfinite(totals.to_numpy()).all() or not math.isfinite(float(totals.sum())):
        raise SchemaError(
            f"the totals of {measure!r} overflow float64 (values near 1e308); rescale the "
            "column (e.g. thousands instead of units) before the Pareto")
    return totals, n_missing


@dataclass(frozen=True, slots=True, kw_only=True)
class Pareto:
    """A Pareto table (one per group with ``by=``).

    Attributes
    ----------
    table : pandas.DataFrame
        ``[by...], category, value, percent, cumulative_percent, vital_few`` sorted by
        decreasing value within each group (ties keep their first-seen order; the
        "Other" bucket, if any, is last).
    measure : str
        What was summed (``"count"`` of rows, or the count/weight column).
    cutoff : float
        Cumulative share that defines the vital few (default 0.8).
    by : tuple of str
        Grouping columns (empty without ``by=``).
    notes : tuple of str
        Conventions and data notes (missing categories, "Other" bucket).
    """

    table: pd.DataFrame
    measure: str
    cutoff: float
    by: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The Pareto table (a copy)."""
        return self.table.copy()

    @property
    def vital_few(self) -> pd.DataFrame:
        """The categories up to the cutoff (the first ones that reach it)."""
        return self.table[self.table["vital_few"]].reset_index(drop=True)

    @property
    def top(self) -> str:
        """The largest category (of the first group with ``by=``)."""
        return str(self.table["category"].iloc[0])

    def __repr__(self) -> str:
        groups = f" by {', '.join(self.by)}" if self.by else ""
        nv = int(self.table["vital_few"].sum())
        return (f"<Pareto of {self.measure}{groups}: {self.table['category'].nunique()} "
                f"categories, top {self.top!r}, {nv} vital few>")

    def summary(self) -> Summary:
        """The table and the notes."""
        rows: list[tuple[str, object]] = [("measure", self.measure), ("top category", self.top),
                                          ("vital few (to %.0f %%)" % (100 * self.cutoff),
                                           ", ".join(self.vital_few["category"].astype(str)))]
        return Summary(title=repr(self), rows=tuple(rows),
                       tables=(("Pareto", self.table.round(2)),), notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """Bars, cumulative-percent line and the cutoff line (one panel per group)."""
        from leankit.rca._figures import pareto_figure

        return pareto_figure(self, **style)


def _one(totals: pd.Series, *, top_n: int | None, min_share: float | None, cutoff: float,
         other_label: str) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    total = float(totals.sum())
    order = pd.DataFrame({"category": totals.index.astype(str), "value": totals.to_numpy()})
    order["first_seen"] = np.arange(len(order))
    order = order.sort_values(["value", "first_seen"], ascending=[False, True], kind="stable")
    keep = np.ones(len(order), dtype=bool)
    if top_n is not None:
        keep &= np.arange(len(order)) < top_n
    if min_share is not None and total > 0:
        keep &= (order["value"] / total >= min_share).to_numpy()
    if not keep.all():
        rest = order[~keep]
        order = pd.concat([order[keep], pd.DataFrame(
            {"category": [other_label], "value": [rest["value"].sum()], "first_seen": [-1]})])
        notes.append(f"{len(rest)} categories grouped as {other_label!r}: "
                     + ", ".join(rest["category"].astype(str).head(12))
                     + (" ..." if len(rest) > 12 else ""))
    order = order.drop(columns="first_seen").reset_index(drop=True)
    order["percent"] = 100 * order["value"] / total if total > 0 else 0.0
    order["cumulative_percent"] = order["percent"].cumsum()
    if total > 0:
        order.loc[order.index[-1], "cumulative_percent"] = 100.0  # no rounding drift
    reach = np.flatnonzero(order["cumulative_percent"].to_numpy() >= 100 * cutoff - 1e-9)
    last = int(reach[0]) if len(reach) else len(order) - 1
    order["vital_few"] = np.arange(len(order)) <= last
    if total == 0:
        order["vital_few"] = False
        notes.append("all values are 0: there is nothing to rank")
    return order, notes


def pareto(
    data: pd.DataFrame,
    *,
    category: str,
    count: str | None = None,
    weight: str | None = None,
    by: str | Sequence[str] | None = None,
    top_n: int | None = None,
    min_share: float | None = None,
    cutoff: float = 0.8,
    other_label: str = "Other",
) -> Pareto:
    """Pareto analysis of counts (rows or a count column) or of a weight (cost, minutes).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation (or per category with ``count=``).
    category : str
        Column of the categories (defect type, downtime reason ...).
    count : str, optional
        Column of counts to sum (default: count rows).
    weight : str, optional
        Column to sum instead of counts (cost, minutes); ``count`` and ``weight`` are
        alternatives.
    by : str or list of str, optional
        Stratified Pareto: one table per group (e.g. per line).
    top_n : int, optional
        Keep the largest ``top_n`` categories; the rest become ``other_label``.
    min_share : float, optional
        Categories below this share (0-1) become ``other_label``.
    cutoff : float, default 0.8
        Cumulative share that defines the vital few.
    other_label : str, default "Other"
        Name of the bucket of small categories (always listed last).

    Returns
    -------
    Pareto
        ``table`` columns: ``[by...], category, value, percent, cumulative_percent,
        vital_few``.

    Raises
    ------
    ColumnNotFoundError
        A named column is not in the data.
    SchemaError
        A count/weight column that is not numeric, negative or missing.

    Notes
    -----
    Categories are sorted by decreasing value; ties keep the order in which the
    categories first appear (as R's stable sort in qcc). Percentages are of the group
    total; the vital few are the categories up to and including the first one at which
    the cumulative percentage reaches ``100 × cutoff``. Missing categories are kept as
    "(missing)".

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"defect": ["burr", "scratch", "burr", "crack", "burr"]})
    >>> pareto(df, category="defect").to_frame()[["category", "value", "percent"]]
      category  value  percent
    0     burr    3.0     60.0
    1  scratch    1.0     20.0
    2    crack    1.0     20.0
    """
    if count is not None and weight is not None:
        raise TypeError("give count= or weight=, not both")
    if not 0 < cutoff <= 1:
        raise ValueError(f"cutoff= must be in (0, 1], got {cutoff!r}")
    if top_n is not None and top_n < 1:
        raise ValueError(f"top_n= must be >= 1, got {top_n!r}")
    measure = count or weight
    by_cols = (by,) if isinstance(by, str) else tuple(by or ())
    _require(data, category, measure, *by_cols)
    if data.empty:
        raise InsufficientDataError("no rows to analyse (empty data)")
    notes: list[str] = []
    frames = []
    groups = data.groupby(list(by_cols), sort=True, dropna=False) if by_cols else [((), data)]
    n_missing = 0
    for key, part in groups:
        totals, miss = _totals(part, category, measure)
        n_missing += miss
        table, group_notes = _one(totals, top_n=top_n, min_share=min_share, cutoff=cutoff,
                                  other_label=other_label)
        values = key if isinstance(key, tuple) else (key,)
        for pos, (col, val) in enumerate(zip(by_cols, values, strict=False)):
            table.insert(pos, col, val)
        frames.append(table)
        prefix = (", ".join(f"{c}={v}" for c, v in zip(by_cols, values, strict=False)) + ": "
                  if by_cols else "")
        notes += [prefix + g for g in group_notes]
    if n_missing:
        notes.append(f"{n_missing} row(s) without a {category!r} are counted as {MISSING!r}")
    notes.append(f"Vital few: categories up to {100 * cutoff:.0f} % cumulative.")
    return Pareto(table=pd.concat(frames, ignore_index=True), measure=measure or "count",
                  cutoff=cutoff, by=by_cols, notes=tuple(notes),
                  parameters={"category": category, "count": count, "weight": weight,
                              "top_n": top_n, "min_share": min_share})


@dataclass(frozen=True, slots=True, kw_only=True)
class ParetoComparison:
    """Two periods' category mix side by side, with a test of whether it changed.

    Attributes
    ----------
    table : pandas.DataFrame
        ``category, before, after, before_percent, after_percent, change_points``
        (percentage points) and ``adjusted_residual`` (the after-cell's standardised
        residual of the chi-square test), sorted by the absolute change.
    chi2, dof, p_value : float
        Chi-square test of homogeneity of the two distributions.
    notes : tuple of str
        Conventions and warnings (small expected counts).
    """

    table: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    measure: str
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The comparison table (a copy)."""
        return self.table.copy()

    @property
    def movers(self) -> pd.DataFrame:
        """Categories whose share changed significantly (|adjusted residual| > 2)."""
        return self.table[self.table["adjusted_residual"].abs() > 2].reset_index(drop=True)

    def __repr__(self) -> str:
        verdict = "changed" if self.p_value < 0.05 else "no significant change"
        return (f"<ParetoComparison of {self.measure}: {verdict} (chi2={self.chi2:.3g}, "
                f"p={self.p_value:.3g}), {len(self.movers)} movers>")

    def summary(self) -> Summary:
        """Test result, movers and the table."""
        rows: list[tuple[str, object]] = [("chi-square", self.chi2), ("df", self.dof),
                                          ("p-value", self.p_value)]
        return Summary(title=repr(self), rows=tuple(rows),
                       tables=(("Mix", self.table.round(3)),), notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """Grouped bars of the two periods' shares, biggest movers first."""
        from leankit.rca._figures import comparison_figure

        return comparison_figure(self, **style)


def compare(before: pd.DataFrame, after: pd.DataFrame, *, category: str,
            count: str | None = None, weight: str | None = None) -> ParetoComparison:
    """Compare the category mix of two periods (e.g. last week vs this week).

    Parameters
    ----------
    before, after : pandas.DataFrame
        The two periods' rows.
    category, count, weight : str
        As in :func:`pareto`. A test of homogeneity needs counts: with ``weight=``
        (cost, minutes) the test is applied to the weights and the notes say so.

    Returns
    -------
    ParetoComparison

    Notes
    -----
    Chi-square test of homogeneity on the 2 × k table (scipy ``chi2_contingency``,
    no continuity correction); the adjusted residual of a category is
    ``(O − E)/√(E (1 − row share)(1 − column share))`` for the after period; |r| > 2
    marks a mover. With expected counts below 5 the notes warn that the p-value is
    approximate.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"d": ["x"] * 50 + ["y"] * 50})
    >>> b = pd.DataFrame({"d": ["x"] * 80 + ["y"] * 20})
    >>> res = compare(a, b, category="d")
    >>> res.p_value < 0.001, res.movers["category"].tolist()
    (True, ['x', 'y'])
    """
    if count is not None and weight is not None:
        raise TypeError("give count= or weight=, not both")
    measure = count or weight
    _require(before, category, measure)
    _require(after, category, measure)
    tb, _ = _totals(before, category, measure)
    ta, _ = _totals(after, category, measure)
    cats = list(dict.fromkeys([*tb.index, *ta.index]))
    b = tb.reindex(cats, fill_value=0.0).to_numpy(float)
    a = ta.reindex(cats, fill_value=0.0).to_numpy(float)
    if b.sum() == 0 or a.sum() == 0:
        raise InsufficientDataError("one of the periods has no counts; nothing to compare")
    notes: list[str] = []
    obs = np.vstack([b, a])
    nonzero = obs.sum(axis=0) > 0
    obs = obs[:, nonzero]
    if obs.shape[1] < 2:
        chi2, p, dof = 0.0, 1.0, 0
        resid = np.zeros(len(cats))
        notes.append("only one category: the mix cannot change")
    else:
        res = stats.chi2_contingency(obs, correction=False)
        chi2, p, dof = float(res.statistic), float(res.pvalue), int(res.dof)
        exp = res.expected_freq
        row_share = obs.sum(axis=1) / obs.sum()
        col_share = obs.sum(axis=0) / obs.sum()
        adj = (obs[1] - exp[1]) / np.sqrt(exp[1] * (1 - row_share[1]) * (1 - col_share))
        resid = np.zeros(len(cats))
        resid[nonzero] = adj
        if (exp < 5).any():
            notes.append(f"{int((exp < 5).sum())} expected count(s) below 5: the chi-square "
                         "p-value is approximate")
    if weight is not None:
        notes.append(f"the test treats {weight!r} as counts; read it as descriptive")
    table = pd.DataFrame({
        "category": [str(c) for c in cats], "before": b, "after": a,
        "before_percent": 100 * b / b.sum(), "after_percent": 100 * a / a.sum(),
    })
    table["change_points"] = table["after_percent"] - table["before_percent"]
    table["adjusted_residual"] = resid
    table = table.reindex(table["change_points"].abs().sort_values(
        ascending=False, kind="stable").index).reset_index(drop=True)
    return ParetoComparison(table=table, chi2=chi2, dof=dof, p_value=p,
                            measure=measure or "count", notes=tuple(notes))
