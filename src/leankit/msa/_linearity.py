"""Gage linearity and bias (AIAG MSA 4th ed., chapter III section B).

:func:`linearity_bias` returns a frozen :class:`LinearityBias`. Every formula and
convention is in ``docs/msa-studies.md`` (Methods).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import InsufficientDataError, SchemaError
from leankit.msa._type1 import check_level, numeric_column, p_text, positive, require_columns

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["LinearityBias", "linearity_bias"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LinearityBias:
    """Bias per reference value and the linearity regression ``bias = a + b·reference``.

    Attributes
    ----------
    biases : pandas.DataFrame
        One row per reference part: ``part, reference, n, mean, bias, sd, t, p_value,
        lower, upper`` (one-sample t-test of bias = 0 and its ``1 − alpha`` interval) and,
        with a process variation, ``pct_bias`` (``100·|bias| / PV``).
    average_bias : float
        Mean of the per-reference biases.
    average_bias_p : float
        Two-sided p-value of the t-test of all individual biases against 0 (pooled).
    intercept, slope : float
        Least-squares coefficients ``a`` and ``b`` of the individual biases on the
        reference values.
    coefficients : pandas.DataFrame
        ``term`` (``intercept``, ``slope``), ``estimate, se, t, p_value, lower, upper``.
    s : float
        Residual standard deviation of the regression (``N − 2`` degrees of freedom).
    r_squared : float
        Coefficient of determination of the regression.
    band : pandas.DataFrame
        ``reference, fit, lower, upper``: the ``1 − alpha`` confidence band of the fitted
        line over the reference range (200 points).
    process_variation : float or None
        The process variation ``PV`` (6 σ of the process, or the tolerance).
    linearity : float or None
        ``|b|·PV`` (AIAG's convention; ``None`` without a process variation).
    pct_linearity : float
        ``100·|b|`` (= ``100·linearity/PV``).
    pct_bias : float or None
        ``100·|average bias| / PV``.
    tolerance : float or None
        The tolerance when given (``pct_bias`` and ``pct_linearity`` are then shares of
        the process variation, which defaults to the tolerance).
    linear_ok : bool
        The bias = 0 line lies inside the confidence band over the whole reference range
        (AIAG: "the linearity is acceptable").
    bias_ok : bool
        No per-reference bias differs significantly from 0 at ``alpha``.
    alpha : float
        Level of the tests; intervals have confidence ``1 − alpha``.
    data : pandas.DataFrame
        ``part, reference, value, bias``: the individual readings.
    notes : tuple of str
        Conventions and warnings in words.
    parameters : dict
        Settings that produced the result.
    """

    biases: pd.DataFrame
    average_bias: float
    average_bias_p: float
    intercept: float
    slope: float
    coefficients: pd.DataFrame
    s: float
    r_squared: float
    band: pd.DataFrame = field(repr=False)
    process_variation: float | None
    linearity: float | None
    pct_linearity: float
    pct_bias: float | None
    tolerance: float | None
    linear_ok: bool
    bias_ok: bool
    alpha: float
    data: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """The result in one plain sentence."""
        slope_p = float(self.coefficients["p_value"].iloc[1])
        if self.linear_ok:
            lin = (f"Linearity acceptable: the zero-bias line lies inside the "
                   f"{1 - self.alpha:.0%} confidence band (slope {self.slope:.4g}, "
                   f"{p_text(slope_p)})")
        else:
            lin = (f"Linearity not acceptable: the bias changes with the reference value "
                   f"(slope {self.slope:.4g}, {p_text(slope_p)}; the zero-bias line leaves "
                   f"the {1 - self.alpha:.0%} confidence band)")
        sig = self.biases[self.biases["p_value"] < self.alpha]
        if sig.empty:
            bias = "no reference shows a significant bias"
        else:
            refs = ", ".join(f"{r:g}" for r in sig["reference"])
            bias = f"significant bias at reference {refs}"
        return f"{lin}; {bias}."

    def to_frame(self) -> pd.DataFrame:
        """The bias per reference (one row per reference part); see ``biases``."""
        return self.biases.copy()

    def __repr__(self) -> str:
        pct = f", %linearity={self.pct_linearity:.3g}"
        word = "linear" if self.linear_ok else "NOT linear"
        return (f"<LinearityBias: {len(self.biases)} references, slope={self.slope:.4g}, "
                f"R²={self.r_squared:.3g}{pct}, {word}>")

    def summary(self) -> Summary:
        """Gauge bias table, regression table, linearity figures and the verdict."""
        def txt(x: float | None) -> object:
            return "—" if x is None else x

        rows: list[tuple[str, object]] = [
            ("verdict", self.verdict), ("intercept", self.intercept), ("slope", self.slope),
            ("S", self.s), ("R²", self.r_squared),
            ("process variation", txt(self.process_variation)),
            ("linearity (|slope|·PV)", txt(self.linearity)),
            ("% linearity", txt(self.pct_linearity)), ("average bias", self.average_bias),
            ("p (average bias = 0)", self.average_bias_p), ("% bias", txt(self.pct_bias)),
        ]
        return Summary(title=repr(self), rows=tuple(rows),
                       tables=(("Gauge bias", self.biases.round(6)),
                               ("Regression", self.coefficients.round(6))),
                       notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """Bias against the reference value: the individual biases, the mean bias per
        reference, the fitted line with its confidence band and the zero line (the
        AIAG / Minitab gage linearity and bias plot). Style options: ``title=``,
        ``height=``, ``unit=``."""
        from leankit.msa._figures_studies import linearity_figure

        return linearity_figure(self, **style)


def linearity_bias(data: pd.DataFrame, *, part: str, reference: str, value: str,
                   tolerance: float | None = None, process_variation: float | None = None,
                   alpha: float = 0.05) -> LinearityBias:
    """Gage linearity and bias study: bias per reference part and the linearity regression.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per reading: reference parts (masters) spanning the operating range,
        each measured repeatedly.
    part : str
        Column naming the reference part.
    reference : str
        Column of the part's reference value (the same on every row of a part).
    value : str
        Column of the readings.
    tolerance : float, optional
        The tolerance width; used as the process variation when ``process_variation``
        is not given.
    process_variation : float, optional
        ``PV``: 6 σ of the process (e.g. from a gage R&R study's total variation) or the
        tolerance. ``linearity = |slope|·PV``, ``%linearity = 100·|slope|``,
        ``%bias = 100·|bias|/PV``.
    alpha : float, default 0.05
        Level of the t-tests; intervals and the band have confidence ``1 − alpha``.

    Returns
    -------
    LinearityBias
        ``to_frame()`` has the columns ``part, reference, n, mean, bias, sd, t, p_value,
        lower, upper`` (and ``pct_bias`` with a process variation).

    Raises
    ------
    ColumnNotFoundError
        If a named column is missing.
    SchemaError
        If a reading or reference value is missing or not numeric, or a part has
        different reference values on different rows.
    InsufficientDataError
        Fewer than 2 distinct reference values, or a part with fewer than 2 readings
        or with readings that are all equal.

    See Also
    --------
    leankit.msa.type1 : bias and repeatability at one reference value.

    Notes
    -----
    For reference part ``i`` with reference ``x_i`` and readings ``y_ij``
    (``j = 1..m_i``): ``bias_ij = y_ij − x_i``, ``bias_i = mean_j bias_ij``, tested
    against 0 with a one-sample t-test (``m_i − 1`` df). The linearity regression fits
    ``bias_ij = a + b·x_i`` by least squares over all ``N`` readings:
    ``b = Σ(x−x̄)(bias−bias̄)/Σ(x−x̄)²``, ``a = bias̄ − b·x̄``,
    ``s = √(Σ(bias − a − b·x)²/(N − 2))``, ``se(b) = s/√Σ(x−x̄)²``,
    ``se(a) = s·√(1/N + x̄²/Σ(x−x̄)²)``, t-tests with ``N − 2`` df, and the
    confidence band ``a + b·x₀ ± t(1 − α/2, N − 2)·s·√(1/N + (x₀−x̄)²/Σ(x−x̄)²)``.
    Linearity is acceptable when the bias = 0 line lies inside the band over the whole
    range (AIAG). ``%linearity = 100·|b|`` and ``linearity = |b|·PV`` follow the AIAG
    manual and Minitab; the average bias is the mean of the per-reference biases, its
    p-value from a t-test of all ``N`` individual biases.

    References
    ----------
    AIAG, *Measurement Systems Analysis Reference Manual*, 4th ed. (2010), chapter III
    section B, "Guidelines for Determining Linearity".
    Minitab, "Methods and formulas for Gage Linearity and Bias Study".

    Examples
    --------
    The AIAG MSA manual's linearity example (5 masters, 12 readings each):

    >>> import pandas as pd
    >>> from leankit import msa
    >>> readings = {2: [2.7, 2.5, 2.4, 2.5, 2.7, 2.3, 2.5, 2.5, 2.4, 2.4, 2.6, 2.4],
    ...             4: [5.1, 3.9, 4.2, 5.0, 3.8, 3.9, 3.9, 3.9, 3.9, 4.0, 4.1, 3.8],
    ...             6: [5.8, 5.7, 5.9, 5.9, 6.0, 6.1, 6.0, 6.1, 6.4, 6.3, 6.0, 6.1],
    ...             8: [7.6, 7.7, 7.8, 7.7, 7.8, 7.8, 7.8, 7.7, 7.8, 7.5, 7.6, 7.7],
    ...             10: [9.1, 9.3, 9.5, 9.3, 9.4, 9.5, 9.5, 9.5, 9.6, 9.2, 9.3, 9.4]}
    >>> df = pd.DataFrame([{"part": i + 1, "ref": r, "y": y}
    ...                    for i, (r, ys) in enumerate(readings.items()) for y in ys])
    >>> lb = msa.linearity_bias(df, part="part", reference="ref", value="y",
    ...                         process_variation=6.0)
    >>> round(lb.slope, 4), round(lb.intercept, 4), round(lb.r_squared, 2)
    (-0.1317, 0.7367, 0.71)
    """
    require_columns(data, {"part": part, "reference": reference, "value": value})
    check_level("alpha", alpha)
    tol = positive("tolerance", tolerance)
    pv = positive("process_variation", process_variation)
    notes: list[str] = []
    if pv is None and tol is not None:
        pv = tol
        notes.append("process variation taken as the tolerance (no process_variation= "
                     "given)")
    y = numeric_column(data, value, what="readings")
    x = numeric_column(data, reference, what="reference values")
    if data[part].isna().any():
        rows = data.index[data[part].isna().to_numpy()][:5].tolist()
        raise SchemaError(f"column {part!r} (part) is missing in row(s) {rows}; every reading "
                          "must name its reference part")
    frame = pd.DataFrame({"part": data[part].to_numpy(), "reference": x, "value": y})
    frame["bias"] = frame["value"] - frame["reference"]
    refs_per_part = frame.groupby("part", sort=False)["reference"].nunique()
    if (refs_per_part > 1).any():
        bad = refs_per_part[refs_per_part > 1].index.tolist()[:5]
        detail = "; ".join(
            f"{p!r}: " + ", ".join(f"{v:g}" for v in sorted(
                frame.loc[frame["part"] == p, "reference"].unique()))
            for p in bad)
        raise SchemaError(f"each part must have one reference value; part(s) with several: "
                          f"{detail}. Fix the reference column (or the part names).")
    grp = frame.groupby("part", sort=False)
    per = pd.DataFrame({"part": list(grp.groups), "reference": grp["reference"].first()
                        .to_numpy(), "n": grp.size().to_numpy(), "mean": grp["value"].mean()
                        .to_numpy(), "bias": grp["bias"].mean().to_numpy(),
                        "sd": grp["bias"].std(ddof=1).to_numpy()})
    few = per[per["n"] < 2]
    if not few.empty:
        raise InsufficientDataError(
            f"part(s) {few['part'].tolist()[:5]} have fewer than 2 readings; a bias t-test "
            "needs at least 2 readings per reference part (AIAG asks for 10 or more)")
    flat = per[~(per["sd"] > 0)]
    if not flat.empty:
        raise InsufficientDataError(
            f"part(s) {flat['part'].tolist()[:5]} have all readings equal: their bias cannot "
            "be tested (the gauge's resolution is too coarse for this study)")
    if per["reference"].nunique() < 2:
        raise InsufficientDataError(
            f"a linearity study needs at least 2 different reference values, got "
            f"{per['reference'].nunique()}; AIAG asks for 5 or more parts across the operating "
            "range")
    if per["reference"].nunique() < 5:
        notes.append(f"only {per['reference'].nunique()} reference values: AIAG asks for at "
                     "least 5 spanning the operating range")
    if per["reference"].duplicated().any():
        notes.append("several parts share a reference value; each is tested on its own")
    per = per.sort_values("reference", kind="stable").reset_index(drop=True)
    se_i = per["sd"] / np.sqrt(per["n"])
    dfi = per["n"] - 1
    per["t"] = per["bias"] / se_i
    per["p_value"] = 2 * stats.t.sf(np.abs(per["t"]), dfi)
    qi = stats.t.ppf(1 - alpha / 2, dfi)
    per["lower"] = per["bias"] - qi * se_i
    per["upper"] = per["bias"] + qi * se_i
    if pv is not None:
        per["pct_bias"] = 100 * per["bias"].abs() / pv
    # the linearity regression over the individual biases
    xs = frame["reference"].to_numpy()
    bs = frame["bias"].to_numpy()
    n = len(xs)
    if n < 3:  # pragma: no cover - 2 parts with 2 readings each already give 4
        raise InsufficientDataError("the linearity regression needs at least 3 readings")
    xbar = float(xs.mean())
    sxx = float(((xs - xbar) ** 2).sum())
    slope = float(((xs - xbar) * (bs - bs.mean())).sum() / sxx)
    intercept = float(bs.mean() - slope * xbar)
    resid = bs - intercept - slope * xs
    dfr = n - 2
    sse = float((resid ** 2).sum())
    s = math.sqrt(sse / dfr)
    sst = float(((bs - bs.mean()) ** 2).sum())
    r2 = 1 - sse / sst if sst > 0 else float("nan")
    se_b = s / math.sqrt(sxx)
    se_a = s * math.sqrt(1 / n + xbar ** 2 / sxx)
    q = float(stats.t.ppf(1 - alpha / 2, dfr))
    coef_rows = []
    for term, est, se in (("intercept", intercept, se_a), ("slope", slope, se_b)):
        with np.errstate(divide="ignore", invalid="ignore"):
            tv = float(np.float64(est) / np.float64(se))
        p = float(2 * stats.t.sf(abs(tv), dfr)) if not math.isnan(tv) else float("nan")
        coef_rows.append({"term": term, "estimate": est, "se": se, "t": tv, "p_value": p,
                          "lower": est - q * se, "upper": est + q * se})
    coefficients = pd.DataFrame(coef_rows)
    grid = np.linspace(float(xs.min()), float(xs.max()), 200)
    grid = np.union1d(grid, per["reference"].to_numpy())
    fit = intercept + slope * grid
    half = q * s * np.sqrt(1 / n + (grid - xbar) ** 2 / sxx)
    band = pd.DataFrame({"reference": grid, "fit": fit, "lower": fit - half,
                         "upper": fit + half})
    # the zero line inside the band everywhere: the band is a hyperbola, so the grid
    # (with the reference values and both ends) decides it up to its spacing
    linear_ok = bool(((band["lower"] <= 0) & (band["upper"] >= 0)).all())
    bias_ok = bool((per["p_value"] >= alpha).all())
    average_bias = float(per["bias"].mean())
    sd_all = float(np.std(bs, ddof=1))
    avg_p = float(2 * stats.t.sf(abs(bs.mean()) / (sd_all / math.sqrt(n)), n - 1)) if (
        sd_all > 0) else float("nan")
    linearity = None if pv is None else abs(slope) * pv
    pct_lin = 100 * abs(slope)
    pct_bias = None if pv is None else 100 * abs(average_bias) / pv
    if pv is None:
        notes.append("no process variation or tolerance given: linearity and %bias need one; "
                     "%linearity = 100·|slope| does not")
    notes += [
        "bias per reference: one-sample t-test of the readings against the reference value; "
        "average bias: mean of the per-reference biases, tested with all individual biases",
        "linearity: least-squares line of the individual biases on the reference values; "
        f"acceptable when the bias = 0 line stays inside the {100 * (1 - alpha):g} % "
        "confidence band over the whole range (AIAG MSA 4th ed.)",
        "linearity = |slope|·process variation and %linearity = 100·|slope| (AIAG MSA "
        "manual and Minitab convention)",
    ]
    return LinearityBias(
        biases=per, average_bias=average_bias, average_bias_p=avg_p, intercept=intercept,
        slope=slope, coefficients=coefficients, s=s, r_squared=r2, band=band,
        process_variation=pv, linearity=linearity, pct_linearity=pct_lin, pct_bias=pct_bias,
        tolerance=tol, linear_ok=linear_ok, bias_ok=bias_ok, alpha=alpha, data=frame,
        notes=tuple(notes),
        parameters={"part": part, "reference": reference, "value": value,
                    "tolerance": tolerance, "process_variation": process_variation,
                    "alpha": alpha})
