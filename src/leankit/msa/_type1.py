"""Type-1 gage study (VDA 5 / Bosch booklet 10 "procedure 1"): Cg, Cgk and the bias test.

:func:`type1` returns a frozen :class:`Type1Study`. Every formula and convention is in
``docs/msa-studies.md`` (Methods).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["Type1Study", "type1"]

#: VDA 5 / Bosch booklet 10 / Minitab: a gauge is capable when Cg and Cgk reach 1.33
MIN_INDEX = 1.33
#: VDA 5 and Minitab: the resolution should not exceed 5 % of the tolerance
MAX_RESOLUTION_SHARE = 0.05
#: VDA 5 / Bosch booklet 10 ask for at least 25 (preferably 50) repeated readings
MIN_READINGS = 25


# --------------------------------------------------------------------- shared checks


def require_columns(data: object, columns: Mapping[str, str | None]) -> pd.DataFrame:
    """Check that *data* is a DataFrame holding every named column (``{argument: column}``).

    Raises
    ------
    TypeError
        If *data* is not a DataFrame or a column argument is not a string.
    ColumnNotFoundError
        If a column is missing (the message suggests close names).
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame (long format, one row per reading), "
                        f"got {type(data).__name__}")
    for arg, col in columns.items():
        if col is None:
            continue
        if not isinstance(col, str):
            raise TypeError(f"{arg}= must be a column name (str), got {col!r}")
        if col not in data.columns:
            raise ColumnNotFoundError(col, [str(c) for c in data.columns])
    return data


def numeric_column(data: pd.DataFrame, column: str, *, what: str = "value") -> np.ndarray:
    """The column as float64; non-numeric, missing or infinite entries raise a SchemaError
    that names the rows."""
    col = data[column]
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        conv = pd.to_numeric(col, errors="coerce")
        bad = conv.isna() & col.notna()
        if bad.any():
            rows = data.index[bad.to_numpy()][:5].tolist()
            shown = col[bad].astype(str).head(3).tolist()
            raise SchemaError(f"column {column!r} ({what}) must be numeric; row(s) {rows} hold "
                              f"{shown}. Fix those entries or convert the column with "
                              "pd.to_numeric.", failure_cases=data.loc[bad])
        col = conv
    arr: np.ndarray = np.asarray(col.to_numpy(dtype=float, na_value=np.nan), dtype=float)
    bad_mask = ~np.isfinite(arr)
    if bad_mask.any():
        rows = data.index[bad_mask][:5].tolist()
        raise SchemaError(f"column {column!r} ({what}) has {int(bad_mask.sum())} missing or "
                          f"infinite value(s), e.g. in row(s) {rows}; a gage study needs every "
                          "reading. Drop or fix those rows (and say why).",
                          failure_cases=data.loc[bad_mask])
    return arr


def check_level(name: str, level: float) -> None:
    """A probability strictly between 0 and 1 (``alpha=``, ``confidence=``)."""
    if not (isinstance(level, (int, float)) and not isinstance(level, bool) and 0 < level < 1):
        raise ValueError(f"{name}= must be a number strictly between 0 and 1, got {level!r}")


def positive(name: str, x: float | None, *, allow_none: bool = True) -> float | None:
    """A finite number > 0 (or None when allowed)."""
    if x is None:
        if allow_none:
            return None
        raise TypeError(f"{name}= is required")
    if isinstance(x, bool) or not isinstance(x, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name}= must be a number, got {x!r}")
    if not (math.isfinite(float(x)) and float(x) > 0):
        raise ValueError(f"{name}= must be a finite number > 0, got {x!r}")
    return float(x)


def tolerance_from(tolerance: float | None, lsl: float | None, usl: float | None
                   ) -> float | None:
    """The tolerance width ``T``: ``tolerance=`` or ``usl − lsl`` (both given: they must agree)."""
    for name, v in (("lsl", lsl), ("usl", usl)):
        if v is not None and (isinstance(v, bool) or not isinstance(
                v, (int, float, np.floating, np.integer)) or not math.isfinite(float(v))):
            raise TypeError(f"{name}= must be a finite number, got {v!r}")
    if (lsl is None) != (usl is None):
        raise ValueError("give both lsl= and usl= (the tolerance is usl − lsl), or tolerance= "
                         "alone; a one-sided specification has no tolerance width here")
    t = positive("tolerance", tolerance)
    if lsl is not None and usl is not None:
        width = float(usl) - float(lsl)
        if not width > 0:
            raise ValueError(f"usl= ({usl!r}) must be greater than lsl= ({lsl!r})")
        if t is not None and not math.isclose(t, width, rel_tol=1e-9, abs_tol=1e-12):
            raise ValueError(f"tolerance={t!r} disagrees with usl − lsl = {width!r}; give "
                             "either tolerance= or the two limits")
        t = width
    return t


def p_text(p: float) -> str:
    """``p < 0.001`` or ``p = 0.042`` (2 significant digits)."""
    if not math.isfinite(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


# ------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True, kw_only=True)
class Type1Study:
    """A type-1 gage study: repeated readings of one reference part by one operator.

    Attributes
    ----------
    n : int
        Number of readings.
    reference : float
        The reference (master) value ``x_m``.
    mean, sd : float
        Mean and sample standard deviation (``n − 1``) of the readings.
    tolerance : float or None
        Tolerance width ``T`` (``usl − lsl``); without it Cg and Cgk are not defined.
    lsl, usl : float or None
        Specification limits when given.
    k : float
        The share of the tolerance the gauge may use (``K``, 0.2 = 20 %).
    study_var : float
        Number of standard deviations spanning the gauge's spread (``L``, 6).
    bias : float
        ``mean − reference``.
    bias_t, bias_df, bias_p : float
        One-sample t-test of bias = 0: ``t = bias / (s/√n)``, ``n − 1`` degrees of
        freedom, two-sided p-value.
    bias_lower, bias_upper : float
        ``1 − alpha`` confidence interval of the bias.
    cg, cgk : float or None
        ``Cg = K·T / (L·s)``; ``Cgk = (K/2·T − |bias|) / (L/2·s)``.
    pct_var_repeatability, pct_var_repeatability_bias : float or None
        ``100·K / Cg`` and ``100·K / Cgk`` (Minitab's %Var; ``None`` when Cgk ≤ 0).
    pct_bias : float or None
        ``100·|bias| / T``.
    resolution : float or None
        The gauge's resolution, when given; ``resolution_ok`` says whether it is at most
        5 % of the tolerance.
    capable : bool or None
        Cg ≥ ``min_index`` and Cgk ≥ ``min_index`` (``None`` without a tolerance).
    min_index : float
        The acceptance limit (1.33 by VDA 5 / Bosch booklet 10).
    readings : pandas.DataFrame
        ``observation, value, deviation`` (from the reference), in study order.
    notes : tuple of str
        Conventions and warnings in words.
    parameters : dict
        Settings that produced the result.
    """

    n: int
    reference: float
    mean: float
    sd: float
    tolerance: float | None
    lsl: float | None
    usl: float | None
    k: float
    study_var: float
    alpha: float
    bias: float
    bias_t: float
    bias_df: int
    bias_p: float
    bias_lower: float
    bias_upper: float
    cg: float | None
    cgk: float | None
    pct_var_repeatability: float | None
    pct_var_repeatability_bias: float | None
    pct_bias: float | None
    resolution: float | None
    resolution_ok: bool | None
    capable: bool | None
    min_index: float
    readings: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """The result in one plain sentence."""
        sig = self.bias_p < self.alpha
        bias = (f"the bias {self.bias:.4g} is {'' if sig else 'not '}statistically "
                f"significant ({p_text(self.bias_p)})")
        if self.cg is None or self.cgk is None:
            return f"No tolerance given, so no Cg/Cgk; {bias}."
        lim = f"{self.min_index:g}"
        if self.capable:
            return (f"Capable: Cg = {self.cg:.2f} and Cgk = {self.cgk:.2f} both reach {lim}; "
                    f"{bias}.")
        why = []
        if self.cg < self.min_index:
            why.append(f"Cg = {self.cg:.2f} < {lim} (repeatability too large for the "
                       "tolerance)")
        if self.cgk < self.min_index:
            why.append(f"Cgk = {self.cgk:.2f} < {lim} (repeatability and bias together)")
        return f"Not capable: {'; '.join(why)}; {bias}."

    def to_frame(self) -> pd.DataFrame:
        """One row per statistic: ``statistic, estimate, lower, upper`` (the bias with its
        confidence interval; the other rows have no interval)."""
        nan = float("nan")

        def val(x: float | None) -> float:
            return nan if x is None else float(x)

        rows = [
            ("reference", self.reference, nan, nan), ("mean", self.mean, nan, nan),
            ("sd", self.sd, nan, nan), ("study_variation", self.study_var * self.sd, nan, nan),
            ("tolerance", val(self.tolerance), nan, nan),
            ("bias", self.bias, self.bias_lower, self.bias_upper),
            ("bias_t", self.bias_t, nan, nan), ("bias_p", self.bias_p, nan, nan),
            ("pct_bias", val(self.pct_bias), nan, nan),
            ("cg", val(self.cg), nan, nan), ("cgk", val(self.cgk), nan, nan),
            ("pct_var_repeatability", val(self.pct_var_repeatability), nan, nan),
            ("pct_var_repeatability_bias", val(self.pct_var_repeatability_bias), nan, nan),
        ]
        return pd.DataFrame(rows, columns=["statistic", "estimate", "lower", "upper"])

    def __repr__(self) -> str:
        if self.cg is None or self.cgk is None:
            idx = "no tolerance"
        else:
            idx = f"Cg={self.cg:.3g}, Cgk={self.cgk:.3g}"
        word = {True: "capable", False: "not capable", None: "no verdict"}[self.capable]
        return f"<Type1Study: n={self.n}, bias={self.bias:.4g}, {idx}, {word}>"

    def summary(self) -> Summary:
        """The Minitab-style table: basic statistics, bias test, capability, verdict."""
        def txt(x: float | None) -> object:
            return "—" if x is None else x

        conf = f"{(1 - self.alpha):.0%}"
        rows: list[tuple[str, object]] = [
            ("verdict", self.verdict), ("n", self.n), ("reference", self.reference),
            ("mean", self.mean), ("sd", self.sd),
            (f"study variation ({self.study_var:g}·s)", self.study_var * self.sd),
            ("tolerance", txt(self.tolerance)),
            ("bias", self.bias), (f"bias {conf} CI lower", self.bias_lower),
            (f"bias {conf} CI upper", self.bias_upper), ("t", self.bias_t),
            ("p (bias = 0)", self.bias_p), ("% bias of tolerance", txt(self.pct_bias)),
            ("Cg", txt(self.cg)), ("Cgk", txt(self.cgk)),
            ("%Var (repeatability)", txt(self.pct_var_repeatability)),
            ("%Var (repeatability and bias)", txt(self.pct_var_repeatability_bias)),
        ]
        if self.resolution is not None:
            rows.append(("resolution", self.resolution))
        return Summary(title=repr(self), rows=tuple(rows), notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """Run chart of the readings in study order with the reference and the
        reference ± K/2·T lines (± 0.1·T for K = 20 %), as Minitab's type 1 gage study.
        Style options: ``title=``, ``height=``, ``unit=``, ``value_label=``."""
        from leankit.msa._figures_studies import type1_figure

        return type1_figure(self, **style)


# ------------------------------------------------------------------------- compute


def type1(data: pd.DataFrame, *, value: str, reference: float, tolerance: float | None = None,
          lsl: float | None = None, usl: float | None = None, k: float = 0.2,
          study_var: float = 6, alpha: float = 0.05, resolution: float | None = None,
          min_index: float = MIN_INDEX) -> Type1Study:
    """Type-1 gage study: Cg, Cgk, %Var and the bias t-test from repeated readings of one
    reference part.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per reading of the reference part, in the order they were taken.
    value : str
        Column of the readings.
    reference : float
        The reference value ``x_m`` of the master part (from a calibration).
    tolerance : float, optional
        Tolerance width ``T`` of the characteristic the gauge will measure.
    lsl, usl : float, optional
        Specification limits (``T = usl − lsl``), instead of ``tolerance=``.
    k : float, default 0.2
        ``K``: the share of the tolerance the gauge's spread may take (VDA 5 / Bosch
        booklet 10 and Minitab: 20 %, given as 0.2).
    study_var : float, default 6
        ``L``: the number of standard deviations that span the gauge's spread (6 covers
        99.73 % of normal readings; Minitab's default too).
    alpha : float, default 0.05
        Level of the bias test; the bias interval has confidence ``1 − alpha``.
    resolution : float, optional
        The gauge's resolution (smallest display step); a warning when it exceeds 5 % of
        the tolerance.
    min_index : float, default 1.33
        Acceptance limit of Cg and Cgk.

    Returns
    -------
    Type1Study
        ``to_frame()`` has the columns ``statistic, estimate, lower, upper``; the rows are
        ``reference, mean, sd, study_variation, tolerance, bias, bias_t, bias_p, pct_bias,
        cg, cgk, pct_var_repeatability, pct_var_repeatability_bias``.

    Raises
    ------
    ColumnNotFoundError
        If ``value`` is not a column of *data*.
    SchemaError
        If a reading is missing, infinite or not numeric.
    InsufficientDataError
        If there are fewer than 2 readings, or all readings are equal (the resolution is
        too coarse to see the gauge's repeatability).
    TypeError, ValueError
        If ``reference`` is missing or not a number, or the tolerance, ``k``,
        ``study_var`` or ``alpha`` are out of range.

    Warns
    -----
    DataQualityWarning
        Fewer than 25 readings (VDA 5 / Bosch booklet 10 ask for at least 25, preferably
        50), or a resolution coarser than 5 % of the tolerance.

    See Also
    --------
    leankit.msa.linearity_bias : bias over the measuring range.
    leankit.msa.gage_rr : repeatability and reproducibility with operators and parts.

    Notes
    -----
    With ``x̄`` and ``s`` the mean and standard deviation (``n − 1``) of the ``n``
    readings, ``T`` the tolerance, ``K`` = ``k`` and ``L`` = ``study_var``:

    - ``Cg = K·T / (L·s)`` and ``Cgk = (K/2·T − |x̄ − x_m|) / (L/2·s)`` (VDA 5,
      Bosch booklet 10 procedure 1; K = 20 %, L = 6 by default, as Minitab's type 1
      gage study);
    - ``%Var(repeatability) = 100·K / Cg = 100·L·s / T`` and
      ``%Var(repeatability and bias) = 100·K / Cgk`` (Minitab);
    - bias ``= x̄ − x_m``, ``t = bias / (s/√n)`` with ``n − 1`` degrees of freedom,
      interval ``bias ± t(1 − α/2, n − 1)·s/√n``;
    - the gauge is capable when ``Cg ≥ 1.33`` and ``Cgk ≥ 1.33``.

    References
    ----------
    VDA Band 5, *Prüfprozesseignung* (2nd ed. 2010), section 4.1.
    Robert Bosch GmbH, *Booklet 10: Capability of Measurement and Test Processes*
    (2019), procedure 1.
    Minitab, "Methods and formulas for Type 1 Gage Study".

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from leankit import msa
    >>> readings = pd.DataFrame({"d": [10.002, 9.999, 10.001, 10.000, 9.998, 10.001,
    ...                                10.000, 10.002, 9.999, 10.000]})
    >>> with warnings.catch_warnings():  # 10 readings: fewer than VDA 5's 25
    ...     warnings.simplefilter("ignore")
    ...     study = msa.type1(readings, value="d", reference=10.0, tolerance=0.05)
    >>> round(study.cg, 2), round(study.cgk, 2), study.capable
    (1.27, 1.22, False)
    """
    require_columns(data, {"value": value})
    if isinstance(reference, bool) or not isinstance(
            reference, (int, float, np.floating, np.integer)) or not math.isfinite(
            float(reference)):
        raise TypeError(f"reference= must be the master part's reference value (a finite "
                        f"number), got {reference!r}")
    t = tolerance_from(tolerance, lsl, usl)
    kk = positive("k", k, allow_none=False)
    assert kk is not None
    if kk > 1:
        raise ValueError(f"k= is the share of the tolerance as a fraction (0.2 for 20 %), got "
                         f"{k!r}; did you mean k={kk / 100:g}?")
    L = positive("study_var", study_var, allow_none=False)
    assert L is not None
    check_level("alpha", alpha)
    res = positive("resolution", resolution)
    mi = positive("min_index", min_index, allow_none=False)
    assert mi is not None
    x = numeric_column(data, value, what="readings")
    n = len(x)
    if n < 2:
        raise InsufficientDataError(f"a type-1 study needs at least 2 readings of the "
                                    f"reference part, got {n}; VDA 5 asks for 25 or more")
    notes: list[str] = []
    if n < MIN_READINGS:
        msg = (f"only {n} readings: VDA 5 / Bosch booklet 10 ask for at least "
               f"{MIN_READINGS} (preferably 50); Cg and Cgk are uncertain")
        warnings.warn(msg, DataQualityWarning, stacklevel=2)
        notes.append(msg)
    mean = float(np.mean(x))
    sd = float(np.std(x, ddof=1))
    if not sd > 0:
        raise InsufficientDataError(
            f"all {n} readings are equal ({x[0]:g}): the gauge's resolution is too coarse "
            "to see its repeatability. Use a gauge with a finer resolution.")
    ref = float(reference)
    bias = mean - ref
    se = sd / math.sqrt(n)
    df = n - 1
    t_stat = bias / se
    p = float(2 * stats.t.sf(abs(t_stat), df))
    q = float(stats.t.ppf(1 - alpha / 2, df))
    cg = cgk = pv = pvb = pb = None
    if t is not None:
        cg = kk * t / (L * sd)
        cgk = (kk / 2 * t - abs(bias)) / (L / 2 * sd)
        pv = 100 * kk / cg
        pvb = 100 * kk / cgk if cgk > 0 else None
        pb = 100 * abs(bias) / t
        if cgk <= 0:
            notes.append("Cgk ≤ 0: the bias alone uses more than K/2 of the tolerance; "
                         "%Var(repeatability and bias) is not defined")
    res_ok = None
    if res is not None and t is not None:
        res_ok = res <= MAX_RESOLUTION_SHARE * t + 1e-15
        if not res_ok:
            msg = (f"the resolution {res:g} is {100 * res / t:.1f} % of the tolerance, more "
                   f"than the 5 % that VDA 5 and Minitab recommend; use a finer gauge")
            warnings.warn(msg, DataQualityWarning, stacklevel=2)
            notes.append(msg)
    elif res is not None:
        notes.append("a resolution was given without a tolerance: it cannot be judged")
    capable = None if cg is None or cgk is None else bool(cg >= mi and cgk >= mi)
    if t is None:
        notes.append("no tolerance given: Cg, Cgk and %Var need tolerance= or lsl=/usl=")
    notes += [
        f"Cg = K·T/(L·s), Cgk = (K/2·T − |x̄ − x_m|)/(L/2·s) with K = {kk:g} "
        f"({100 * kk:g} % of the tolerance) and L = {L:g} (VDA 5 / Bosch booklet 10 "
        "procedure 1; Minitab's type 1 gage study uses the same)",
        f"capable when Cg ≥ {mi:g} and Cgk ≥ {mi:g}",
        f"bias test: one-sample t-test of the readings against the reference ({n - 1} df), "
        f"two-sided, {100 * (1 - alpha):g} % confidence interval",
    ]
    readings = pd.DataFrame({"observation": np.arange(1, n + 1), "value": x,
                             "deviation": x - ref})
    return Type1Study(
        n=n, reference=ref, mean=mean, sd=sd, tolerance=t, lsl=None if lsl is None else
        float(lsl), usl=None if usl is None else float(usl), k=kk, study_var=L, alpha=alpha,
        bias=bias, bias_t=float(t_stat), bias_df=df, bias_p=p, bias_lower=bias - q * se,
        bias_upper=bias + q * se, cg=cg, cgk=cgk, pct_var_repeatability=pv,
        pct_var_repeatability_bias=pvb, pct_bias=pb, resolution=res, resolution_ok=res_ok,
        capable=capable, min_index=mi, readings=readings, notes=tuple(notes),
        parameters={"value": value, "reference": ref, "tolerance": tolerance, "lsl": lsl,
                    "usl": usl, "k": kk, "study_var": L, "alpha": alpha,
                    "resolution": resolution, "min_index": mi})
