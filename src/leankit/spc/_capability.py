"""Process capability: normal and non-normal data, confidence intervals, attribute data.

:func:`capability` returns a frozen :class:`Capability`; :func:`attribute_capability`
an :class:`AttributeCapability`; with ``by=`` a :class:`CapabilityTable`. Every formula
and convention is in ``docs/methods.md`` (Capability).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import (
    AssumptionWarning,
    ColumnNotFoundError,
    DataQualityWarning,
    InsufficientDataError,
    SchemaError,
)
from leankit.spc import _sigma
from leankit.spc._normality import (
    ad_pvalue_normal,
    ad_statistic,
    anderson_darling_normal,
    shapiro_wilk,
)
from leankit.spc._results import ControlChart
from leankit.spc._value_summary import ValueSummary

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["AttributeCapability", "Capability", "CapabilityTable", "attribute_capability",
           "capability"]

Distribution = Literal["normal", "auto", "boxcox", "johnson", "lognormal", "weibull", "gamma",
                       "exponential", "logistic", "nonparametric"]
FITTED = ("lognormal", "weibull", "gamma", "exponential", "logistic")
P_LO, P_HI = stats.norm.cdf(-3.0), stats.norm.cdf(3.0)  # 0.135 % and 99.865 %


# ------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True, kw_only=True)
class Capability:
    """Capability of one characteristic.

    Attributes
    ----------
    n : int
        Number of values used.
    mean, median : float
        Sample mean and median (original scale).
    sigma_within, sigma_overall : float or None
        Short-term (within-subgroup) and long-term (overall) sigma, on the scale the
        indices are computed on (``None`` where the method has no such sigma).
    lsl, usl, target : float or None
        Specifications (original scale).
    method : str
        ``"normal"``, ``"boxcox"``, ``"johnson"``, ``"percentile"`` (ISO 22514-2 with a
        fitted distribution) or ``"nonparametric"``.
    distribution : str
        The distribution behind the indices (``"normal"``, ``"weibull"`` ...).
    indices : pandas.DataFrame
        One row per index: ``index, estimate, lower, upper, basis`` (``within`` or
        ``overall``), CI bounds at ``confidence`` where a published approximation exists.
    ppm : pandas.DataFrame
        Rows ``observed``, ``expected within``, ``expected overall``; columns
        ``below_lsl, above_usl, total`` in parts per million.
    z_bench_within, z_bench_overall : float or None
        ``Φ⁻¹(1 − P(out of spec))`` with the within / overall model.
    dpmo : float
        Expected overall defects per million opportunities (one opportunity per unit).
    sigma_level : float
        ``z_bench_overall + shift`` (the sigma-level convention, stated in ``notes``).
    shift : float
        The assumed long-term shift in sigma (1.5 by convention, 0 for none).
    confidence : float
        Confidence level of the intervals.
    normality : pandas.DataFrame
        ``test, statistic, p_value`` (Anderson-Darling, Shapiro-Wilk) on the original data.
    fits : pandas.DataFrame or None
        With ``distribution="auto"``: every candidate with its Anderson-Darling statistic
        and whether it was chosen.
    stable : bool or None
        False when the data come from a control chart with signals.
    notes : tuple of str
        How the numbers were made, and every warning.
    parameters : dict
        Settings that produced the result.
    """

    n: int
    mean: float
    median: float
    sigma_within: float | None
    sigma_overall: float | None
    lsl: float | None
    usl: float | None
    target: float | None
    method: str
    distribution: str
    indices: pd.DataFrame
    ppm: pd.DataFrame
    z_bench_within: float | None
    z_bench_overall: float | None
    dpmo: float
    sigma_level: float
    shift: float
    confidence: float
    normality: pd.DataFrame
    fits: pd.DataFrame | None
    stable: bool | None
    notes: tuple[str, ...]
    parameters: Mapping[str, Any]
    values: np.ndarray = field(repr=False)
    model: Mapping[str, Any] = field(repr=False, default_factory=dict)
    #: from a :class:`~leankit.spc.ValueSummary`: the engine's bin counts (``left,
    #: right, count``) and quantile grid (``p, value``), drawn instead of ``values``
    #: (then a systematic sample, for the normality tests only)
    histogram: pd.DataFrame | None = field(repr=False, default=None)
    probability: pd.DataFrame | None = field(repr=False, default=None)

    def index(self, name: str) -> float:
        """The estimate of one index (``"cpk"``, ``"ppk"`` ...).

        Raises
        ------
        KeyError
            If the method does not define that index (e.g. Cpk for a fitted Weibull).
        """
        rows = self.indices[self.indices["index"] == name.lower()]
        if rows.empty:
            raise KeyError(f"{name!r} is not available with method {self.method!r}; "
                           f"available: {', '.join(self.indices['index'])}")
        return float(rows["estimate"].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """The indices table (one row per index, with confidence bounds)."""
        return self.indices.copy()

    @property
    def headline(self) -> str:
        """The index that summarises the result: ``"cpk"``, or ``"ppk"`` where the method
        has no within-subgroup indices."""
        return "cpk" if "cpk" in set(self.indices["index"]) else "ppk"

    def __repr__(self) -> str:
        key = self.headline
        val = self.index(key)
        flag = "" if self.stable is not False else ", UNSTABLE"
        return (f"<Capability {self.method} ({self.distribution}): n={self.n}, "
                f"{key.capitalize()}={val:.3g}{flag}>")

    def summary(self) -> Summary:
        """Minitab-style summary: data, specs, indices with CIs, PPM, notes."""
        rows: list[tuple[str, object]] = [
            ("method", f"{self.method} ({self.distribution})"), ("n", self.n),
            ("mean", self.mean), ("LSL", _txt(self.lsl)), ("target", _txt(self.target)),
            ("USL", _txt(self.usl)),
            ("sigma within", _txt(self.sigma_within)), ("sigma overall", _txt(self.sigma_overall)),
            ("Z.bench within", _txt(self.z_bench_within)),
            ("Z.bench overall", _txt(self.z_bench_overall)),
            ("DPMO (expected overall)", self.dpmo),
            (f"sigma level (Z.bench overall + {self.shift:g})", self.sigma_level),
        ]
        ci = f"{self.confidence:.0%} CI"
        table = self.indices.rename(columns={"lower": f"{ci} lower", "upper": f"{ci} upper"})
        tables = [("Indices", table.round(4)), ("PPM", self.ppm.reset_index().round(2)),
                  ("Normality", self.normality.round(4))]
        if self.fits is not None:
            tables.append(("Distributions tried", self.fits.round(4)))
        return Summary(title=repr(self), rows=tuple(rows), notes=self.notes, tables=tuple(tables))

    def figure(self, **style: Any) -> go.Figure:
        """Histogram (a density) with within/overall (or fitted) curves, spec limits and
        target, and a probability plot. Style options such as ``unit="mm"`` and
        ``value_label="bore_diameter"`` title the axes ("bore_diameter (mm)", "density");
        see :func:`leankit.spc.capability_figure`."""
        from leankit.spc._figures import capability_figure

        return capability_figure(self, **style)


def _txt(v: float | None) -> object:
    return "—" if v is None else v


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeCapability:
    """Capability from defective or defect counts.

    Attributes
    ----------
    kind : {"defectives", "defects"}
    units, count : float
        Units inspected and defectives (or defects) found.
    opportunities : float
        Opportunities for a defect per unit.
    table : pandas.DataFrame
        ``measure, estimate, lower, upper``: %defective / PPM / process Z (defectives),
        or DPU / DPMO (defects), with exact confidence bounds.
    sigma_level : float
        Process Z plus ``shift``.
    notes : tuple of str
        Conventions and warnings.
    """

    kind: str
    units: float
    count: float
    opportunities: float
    confidence: float
    shift: float
    table: pd.DataFrame
    sigma_level: float
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The measures table."""
        return self.table.copy()

    def __repr__(self) -> str:
        return (f"<AttributeCapability {self.kind}: {self.count:g} in {self.units:g} units, "
                f"sigma level {self.sigma_level:.2f}>")

    def summary(self) -> Summary:
        """The measures with their confidence bounds and notes."""
        return Summary(title=repr(self), tables=(("Measures", self.table.round(6)),),
                       notes=self.notes)


class CapabilityTable(Mapping[Any, Capability]):
    """Capability of many characteristics (``by=``): a mapping group -> :class:`Capability`."""

    def __init__(self, results: Mapping[Any, Capability], by: tuple[str, ...],
                 failures: Mapping[Any, str] | None = None) -> None:
        self._results: dict[Any, Capability] = dict(results)
        self.by = by
        #: Groups without a result, with the reason (no specs, too little data ...).
        self.failures = dict(failures or {})

    def __getitem__(self, key: Any) -> Capability:
        return self._results[key]

    def __iter__(self) -> Any:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def __repr__(self) -> str:
        fail = f", {len(self.failures)} without result" if self.failures else ""
        return f"<CapabilityTable by {', '.join(self.by)}: {len(self)} results{fail}>"

    def to_frame(self) -> pd.DataFrame:
        """One row per group: specs, n, sigmas, every index with its CI, PPM, flags."""
        rows = []
        for key, cap in self._results.items():
            values = key if isinstance(key, tuple) else (key,)
            row: dict[str, Any] = dict(zip(self.by, values, strict=True))
            row.update(n=cap.n, mean=cap.mean, lsl=cap.lsl, usl=cap.usl, target=cap.target,
                       sigma_within=cap.sigma_within, sigma_overall=cap.sigma_overall,
                       method=cap.method, distribution=cap.distribution)
            for r in cap.indices.itertuples():
                row[r.index] = r.estimate
                row[f"{r.index}_lower"] = r.lower
                row[f"{r.index}_upper"] = r.upper
            row["ppm_expected"] = float(cap.ppm.loc["expected overall", "total"])
            row["ppm_observed"] = float(cap.ppm.loc["observed", "total"])
            row["z_bench_overall"] = cap.z_bench_overall
            row["sigma_level"] = cap.sigma_level
            nrm = cap.normality.set_index("test")["p_value"]
            row["normality_p"] = float(nrm.get("Anderson-Darling", np.nan))
            row["stable"] = cap.stable
            row["notes"] = " | ".join(cap.notes)
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self) -> Summary:
        """The table in short form, plus the groups without a result."""
        cols = [*self.by, "n", "method", "cp", "cpk", "cpk_lower", "pp", "ppk", "ppm_expected",
                "stable"]
        frame = self.to_frame()
        table = frame[[c for c in cols if c in frame]]
        notes = tuple(f"{k}: {v}" for k, v in self.failures.items())
        return Summary(title=repr(self), tables=(("Capability", table.round(4)),), notes=notes)


# --------------------------------------------------------------------------- input


def _check_specs(lsl: float | None, usl: float | None, target: float | None) -> None:
    for name, v in (("lsl", lsl), ("usl", usl), ("target", target)):
        if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v)):
            raise ValueError(f"{name}= must be a finite number, got {v!r}")
    if lsl is None and usl is None:
        raise ValueError("give lsl= and/or usl= (at least one specification limit)")
    if lsl is not None and usl is not None and lsl >= usl:
        raise ValueError(f"lsl= ({lsl:g}) must be below usl= ({usl:g}); swap them?")
    if target is not None and ((lsl is not None and target < lsl) or
                               (usl is not None and target > usl)):
        raise ValueError(f"target= {target:g} lies outside the specifications")


def _check_settings(*, confidence: float, shift: float, alpha: float | None = None) -> None:
    """Refuse settings that would make every interval or the sigma level NaN."""
    if not (isinstance(confidence, (int, float)) and not isinstance(confidence, bool)
            and 0 < confidence < 1):
        raise ValueError(f"confidence= must be a number strictly between 0 and 1 (e.g. 0.95), "
                         f"got {confidence!r}")
    if not (isinstance(shift, (int, float)) and not isinstance(shift, bool)
            and math.isfinite(shift)):
        raise ValueError(f"shift= must be a finite number of sigmas (1.5 by convention, 0 for "
                         f"none), got {shift!r}")
    if alpha is not None and not (isinstance(alpha, (int, float)) and not isinstance(alpha, bool)
                                  and 0 < alpha < 1):
        raise ValueError(f"alpha= must be a number strictly between 0 and 1 (e.g. 0.05), "
                         f"got {alpha!r}")


def _check_scale(x: np.ndarray, lsl: float | None, usl: float | None) -> None:
    """Refuse specs that are in another unit than the data (e.g. µm vs mm).

    The symptom of a unit mix-up, far beyond any real process: a specification more than
    1000 standard deviations from the data (an index above 300).
    """
    med = float(np.median(x))
    spread = float(np.std(x, ddof=1))
    limits = [v for v in (lsl, usl) if v is not None]
    shown = ", ".join(f"{v:g}" for v in limits)
    hint = "are specs and data in the same unit (e.g. mm vs µm)? Convert one of them."
    if spread > 0:
        far = max(abs(v - med) for v in limits) / spread
        if far > 1000:
            raise ValueError(f"a specification ({shown}) is {far:.0f} standard deviations from "
                             f"the data (median {med:g}, sd {spread:.3g}): {hint}")


def _within_sigma(x: np.ndarray, groups: np.ndarray | None, method: str) -> tuple[float, int, str]:
    """Within sigma, its degrees of freedom (for the Cp CI) and a description."""
    if groups is None:
        mr = np.abs(np.diff(x))
        if method in ("mrbar", "auto"):
            return _sigma.sigma_mrbar(mr), len(x) - 1, _sigma.ESTIMATORS["mrbar"]
        if method == "median_mr":
            return _sigma.sigma_median_mr(mr), len(x) - 1, _sigma.ESTIMATORS["median_mr"]
        raise ValueError(f"sigma_method={method!r} needs subgroup=; without subgroups use "
                         "'mrbar' or 'median_mr'")
    frame = pd.DataFrame({"g": groups, "x": x})
    grp = frame.groupby("g", sort=False)["x"]
    return within_from_subgroups(grp.count().to_numpy(), grp.std(ddof=1).to_numpy(),
                                 (grp.max() - grp.min()).to_numpy(), method)


def within_from_subgroups(n: np.ndarray, sd: np.ndarray, rng: np.ndarray, method: str
                          ) -> tuple[float, int, str]:
    """Within sigma, its degrees of freedom Σ(n_i − 1) and a description, from the
    subgroups' sizes, standard deviations and ranges (subgroups of 1 left out)."""
    n = np.asarray(n, dtype=np.int64)
    keep = n >= 2
    if keep.sum() == 0:
        raise InsufficientDataError("no subgroup has 2 or more values; cannot estimate the "
                                    "within-subgroup sigma (use subgroup=None for individuals)")
    sd = np.asarray(sd, dtype=float)[keep]
    rng = np.asarray(rng, dtype=float)[keep]
    nk = n[keep]
    dof = int(np.sum(nk - 1))
    method = "pooled" if method == "auto" else method
    if method == "pooled":
        return _sigma.sigma_pooled(sd, nk), dof, _sigma.ESTIMATORS["pooled"]
    if method == "rbar":
        return _sigma.sigma_rbar(rng, nk), dof, _sigma.ESTIMATORS["rbar"]
    if method == "sbar":
        return _sigma.sigma_sbar(sd, nk), dof, _sigma.ESTIMATORS["sbar"]
    raise ValueError(f"sigma_method must be 'pooled', 'rbar' or 'sbar' with subgroups, "
                     f"got {method!r}")


# ------------------------------------------------------------------ normal indices


def _z(p: float) -> float:
    return float(stats.norm.isf(min(max(p, 1e-300), 1 - 1e-16)))


def _chi2_ci(est: float, dof: float, conf: float) -> tuple[float, float]:
    a = 1 - conf
    return (est * math.sqrt(stats.chi2.ppf(a / 2, dof) / dof),
            est * math.sqrt(stats.chi2.ppf(1 - a / 2, dof) / dof))


def _bissell_ci(est: float, n: int, dof: int, conf: float) -> tuple[float, float]:
    z = stats.norm.ppf(1 - (1 - conf) / 2)
    half = z * math.sqrt(1 / (9 * n) + est**2 / (2 * dof))
    return est - half, est + half


def _normal_indices(mu: float, sw: float | None, so: float, lsl: float | None,
                    usl: float | None, target: float | None, n: int, dof_w: int, conf: float,
                    x_for_cpm: np.ndarray) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(name: str, est: float, ci: tuple[float, float] | None, basis: str) -> None:
        rows.append({"index": name, "estimate": est, "lower": ci[0] if ci else np.nan,
                     "upper": ci[1] if ci else np.nan, "basis": basis})

    for basis, sig, dof, letter in (("within", sw, dof_w, "c"), ("overall", so, n - 1, "p")):
        if sig is None:
            continue
        two = lsl is not None and usl is not None
        if two:
            cp = (usl - lsl) / (6 * sig)  # type: ignore[operator]
            add(f"{letter}p", cp, _chi2_ci(cp, dof, conf), basis)
        if lsl is not None:
            cl = (mu - lsl) / (3 * sig)
            add(f"{letter}pl", cl, _bissell_ci(cl, n, dof, conf), basis)
        if usl is not None:
            cu = (usl - mu) / (3 * sig)
            add(f"{letter}pu", cu, _bissell_ci(cu, n, dof, conf), basis)
        ck = min(float(r["estimate"]) for r in rows
                 if r["basis"] == basis and r["index"][-1] in "lu")
        add(f"{letter}pk", ck, _bissell_ci(ck, n, dof, conf), basis)
    if target is not None:
        # Cpm (Minitab): min(T - LSL, USL - T) / (3 sqrt(Σ(x - T)² / (n - 1)));
        # CI with Boyles' (1991) chi-square degrees of freedom.
        tau = math.sqrt(float(np.sum((x_for_cpm - target) ** 2)) / (n - 1))
        reach = min(v for v in ((target - lsl) if lsl is not None else math.inf,
                                (usl - target) if usl is not None else math.inf))
        cpm = reach / (3 * tau)
        s = float(np.std(x_for_cpm, ddof=1))
        a = (float(np.mean(x_for_cpm)) - target) / s if s > 0 else 0.0
        dof_cpm = n * (1 + a**2) ** 2 / (1 + 2 * a**2)
        add("cpm", cpm, _chi2_ci(cpm, dof_cpm, conf), "overall")
    return rows


def _normal_ppm(mu: float, sig: float, lsl: float | None, usl: float | None) -> tuple[float, float]:
    below = stats.norm.cdf((lsl - mu) / sig) if lsl is not None else 0.0
    above = stats.norm.sf((usl - mu) / sig) if usl is not None else 0.0
    return float(below) * 1e6, float(above) * 1e6


# -------------------------------------------------------------------- distributions


def _fit(name: str, x: np.ndarray) -> Any:
    """A frozen scipy distribution fitted by maximum likelihood (2-parameter forms with
    location 0 for the positive distributions, as Minitab's defaults)."""
    if name == "normal":
        return stats.norm(np.mean(x), np.std(x, ddof=1))
    if name == "logistic":
        return stats.logistic(*stats.logistic.fit(x))
    if np.any(x <= 0):
        raise ValueError(f"a {name} distribution needs positive data; {int(np.sum(x <= 0))} "
                         "value(s) are <= 0")
    if name == "lognormal":
        s, _, scale = stats.lognorm.fit(x, floc=0)
        return stats.lognorm(s, 0, scale)
    if name == "weibull":
        c, _, scale = stats.weibull_min.fit(x, floc=0)
        return stats.weibull_min(c, 0, scale)
    if name == "gamma":
        a, _, scale = stats.gamma.fit(x, floc=0)
        return stats.gamma(a, 0, scale)
    if name == "exponential":
        return stats.expon(0, float(np.mean(x)))
    raise ValueError(f"unknown distribution {name!r}")


def _describe_fit(name: str, dist: Any) -> str:
    args = ", ".join(f"{v:.6g}" for v in (*dist.args, *dist.kwds.values()))
    return f"{name}({args})"


def _johnson(x: np.ndarray, specs: Sequence[float | None] = ()) -> tuple[Any, str]:
    """Best of Johnson SU and SB fitted by maximum likelihood (by A²); an SB fit whose
    bounded support excludes a specification limit is not used (the limit could not be
    transformed)."""
    best: tuple[float, Any, str] | None = None
    for fam, name in ((stats.johnsonsu, "SU"), (stats.johnsonsb, "SB")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                params = fam.fit(x)
            except Exception:  # scipy may fail to converge for one family
                continue
        dist = fam(*params)
        lo, hi = dist.support()
        if any(v is not None and not (lo < v < hi) for v in specs):
            continue
        a2 = ad_statistic(x, dist.cdf, dist.sf)
        if np.isfinite(a2) and (best is None or a2 < best[0]):
            best = (a2, dist, name)
    if best is None:
        raise InsufficientDataError("no Johnson distribution could be fitted to the data with "
                                    "the specification limits inside its range")
    return best[1], best[2]


# ------------------------------------------------------------------------ public


def capability(
    data: pd.DataFrame | ControlChart | ValueSummary,
    *,
    value: str | None = None,
    subgroup: str | None = None,
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    by: str | Sequence[str] | None = None,
    specs: pd.DataFrame | None = None,
    sigma_method: Literal["auto", "pooled", "rbar", "sbar", "mrbar", "median_mr"] = "auto",
    distribution: Distribution = "normal",
    boxcox_lambda: float | None = None,
    quantile_method: str = "weibull",
    confidence: float = 0.95,
    shift: float = 1.5,
    alpha: float = 0.05,
) -> Capability | CapabilityTable:
    """Process capability of measurements, from a DataFrame or a :class:`ControlChart`.

    Parameters
    ----------
    data : pandas.DataFrame, ControlChart or ValueSummary
        Measurements (one row per value), or a variables control chart (its data and
        within-subgroup sigma are reused, and its signals make the result unstable),
        or a :func:`~leankit.spc.value_summary` computed in an engine when the values
        are too many for memory (``distribution`` ``"normal"`` or ``"nonparametric"``;
        see ``docs/methods.md``).
    value : str
        Column of the measurements (DataFrame input).
    subgroup : str, optional
        Column of subgroup ids; without it the values are individuals (sigma within
        from moving ranges).
    lsl, usl, target : float, optional
        Specification limits (one-sided specifications work) and target.
    by : str or list of str, optional
        Compute one result per group; returns a :class:`CapabilityTable`. Specs come
        from ``specs`` (joined on the ``by`` columns it shares) or from ``lsl/usl``.
    specs : pandas.DataFrame, optional
        Canonical specs table (``characteristic, product, lsl, usl, target``).
    sigma_method : {"auto", "pooled", "rbar", "sbar", "mrbar", "median_mr"}
        Within sigma: ``auto`` is the pooled standard deviation for subgroups (Minitab's
        default) and MR-bar/d2 for individuals.
    distribution : str, default "normal"
        ``"normal"``; ``"boxcox"`` (data and specs transformed; ``boxcox_lambda`` fixed
        or estimated by maximum likelihood); ``"johnson"`` (SU/SB by maximum likelihood);
        ``"lognormal"``, ``"weibull"``, ``"gamma"``, ``"exponential"``, ``"logistic"``
        (fitted; ISO 22514-2 percentile indices); ``"nonparametric"`` (empirical
        percentiles, ``quantile_method``); ``"auto"`` (the best fit, see Notes).
    quantile_method : str, default "weibull"
        numpy quantile method for ``"nonparametric"`` (``"weibull"`` is p·(n+1),
        Hyndman-Fan type 6, as Minitab).
    confidence : float, default 0.95
        Confidence level of the intervals.
    shift : float, default 1.5
        Sigma-level convention: ``sigma level = Z.bench overall + shift``.
    alpha : float, default 0.05
        Significance level of the normality check.

    Returns
    -------
    Capability
        Indices with confidence intervals (``to_frame()``: ``index, estimate, lower,
        upper, basis``), PPM, Z.bench, DPMO, sigma level, normality tests, notes.

    Raises
    ------
    InsufficientDataError
        Fewer than 2 values, or zero variation.
    ValueError
        No specification, LSL >= USL, target outside the specs, specs that look like
        another unit than the data, or a distribution that does not fit the data range.

    Warns
    -----
    AssumptionWarning
        The data do not look normal (normal method), or the chart has signals.
    DataQualityWarning
        Every value lies outside the specifications.

    Notes
    -----
    Normal: ``Cp = (USL − LSL)/6σw``, ``Cpk = min(USL − μ, μ − LSL)/3σw``; P-indices with
    the overall sample standard deviation. CIs: chi-square for Cp/Pp (df: Σ(n_i − 1)
    within, N − 1 overall), Bissell (1990) for Cpk/Ppk, Boyles (1991) for Cpm. Fitted
    distributions use the ISO 22514-2 percentile method with the 0.135 %, 50 % and
    99.865 % quantiles; they have overall indices only. ``"auto"`` keeps the normal
    model when its Anderson-Darling p-value is at least ``alpha``, else takes the
    candidate with the smallest Anderson-Darling statistic.

    References
    ----------
    Montgomery, D. C., *Introduction to Statistical Quality Control*, 8th ed., ch. 8.
    ISO 22514-2:2017, *Statistical methods in process management — Capability and
    performance — Part 2*. Bissell, A. F. (1990), *Applied Statistics* 39, 331-340.
    Boyles, R. A. (1991), *Journal of Quality Technology* 23, 17-26.

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> rings = datasets.piston_rings()
    >>> cap = spc.capability(rings[rings.trial], value="diameter", subgroup="sample",
    ...                      lsl=73.95, usl=74.05, sigma_method="rbar")
    >>> round(cap.index("cp"), 2)
    1.7
    """
    _check_settings(confidence=confidence, shift=shift, alpha=alpha)
    if boxcox_lambda is not None and not (isinstance(boxcox_lambda, (int, float))
                                          and math.isfinite(boxcox_lambda)):
        raise ValueError(f"boxcox_lambda= must be a finite number, got {boxcox_lambda!r}")
    if isinstance(data, ValueSummary):
        from leankit.spc._capability_stats import capability_from_summary

        return capability_from_summary(
            data, lsl=lsl, usl=usl, target=target, sigma_method=sigma_method,
            distribution=distribution, confidence=confidence, shift=shift, alpha=alpha,
            by=by, subgroup=subgroup)
    if by is not None:
        return _grouped(data, by=by, specs=specs, value=value, subgroup=subgroup, lsl=lsl,
                        usl=usl, target=target, sigma_method=sigma_method,
                        distribution=distribution, boxcox_lambda=boxcox_lambda,
                        quantile_method=quantile_method, confidence=confidence, shift=shift,
                        alpha=alpha)
    stable: bool | None = None
    notes: list[str] = []
    sigma_w_given: float | None = None
    if isinstance(data, ControlChart):
        chart = data
        from leankit.spc._families import FamilyError, get_family

        try:
            within = get_family(chart.family).process_sigma
        except FamilyError:
            within = False
        if not within or "sigma" not in chart.frozen_limits().params:
            raise ValueError(f"capability needs a variables chart whose limits give a "
                             f"within-subgroup process sigma (X̄-R, X̄-S, I-MR), not a "
                             f"{chart.family} chart; pass the measurements DataFrame "
                             "instead, or use attribute_capability for counts")
        last = list(chart.stage_limits)[-1]
        d = chart.data
        d = d[(d["stage"] == last) & (d["phase"] == "I") & ~d["excluded"].astype(bool)]
        if d.empty:
            raise InsufficientDataError("the chart has no baseline (Phase I) values to assess; "
                                        "pass the DataFrame instead")
        x_all = d["value"].to_numpy(dtype=float)
        groups = (d["subgroup"].to_numpy() if get_family(chart.family).input == "subgroups"
                  else None)
        sigma_w_given = float(chart.frozen_limits().params["sigma"])
        sigma_desc = (f"from the control chart ({chart.parameters.get('sigma_method')}, "
                      "baseline values of its last stage)")
        stable = chart.n_signals == 0
        if not stable:
            msg = (f"the control chart has {chart.n_signals} signal(s): the process is not "
                   "stable, so its capability is not meaningful (it describes no single "
                   "process); remove the special causes first")
            notes.append("WARNING: " + msg)
            warnings.warn(msg, AssumptionWarning, stacklevel=2)
    else:
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a DataFrame or a ControlChart, got "
                            f"{type(data).__name__}")
        if value is None:
            raise TypeError("capability() needs value= (the column of measurements)")
        for col in (value, subgroup):
            if col is not None and col not in data.columns:
                raise ColumnNotFoundError(col, [str(c) for c in data.columns])
        s = data[value]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            raise SchemaError(f"value= column {value!r} must be numeric")
        x_all = s.to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(x_all)
        if not ok.all():
            notes.append(f"{int((~ok).sum())} missing/non-finite value(s) left out.")
        groups = data[subgroup].to_numpy()[ok] if subgroup else None
        x_all = x_all[ok]
        sigma_desc = ""
    _check_specs(lsl, usl, target)
    x = x_all
    n = len(x)
    if n < 2:
        raise InsufficientDataError(f"capability needs at least 2 values, got {n}")
    so = float(np.std(x, ddof=1))
    if so == 0:
        raise InsufficientDataError(
            "all values are identical (zero variation): capability indices would be "
            "infinite. Check the gauge resolution or the data selection."
        )
    _check_scale(x, lsl, usl)
    if n < 30:
        notes.append(f"Only {n} values: the indices are imprecise (see the confidence "
                     "intervals); 100 or more are recommended.")
    outside = ((x < lsl) if lsl is not None else np.zeros(n, bool)) | (
        (x > usl) if usl is not None else np.zeros(n, bool))
    if outside.all():
        msg = "every value lies outside the specifications; check specs and units"
        notes.append("WARNING: " + msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=2)

    # normality of the original data
    a2, ad_p = anderson_darling_normal(x)
    norm_rows: list[dict[str, Any]] = [
        {"test": "Anderson-Darling", "statistic": a2, "p_value": ad_p}]
    sw_p = math.nan
    if 3 <= n <= 5000:
        w, sw_p = shapiro_wilk(x)
        norm_rows.append({"test": "Shapiro-Wilk", "statistic": w, "p_value": sw_p})
    normality = pd.DataFrame(norm_rows)
    decisive_p = ad_p if n >= 8 or math.isnan(sw_p) else sw_p

    fits = None
    chosen: str = distribution
    if distribution == "auto":
        chosen, fits, why = _choose(x, decisive_p, alpha)
        notes.append(why)
    if chosen not in ("normal", "boxcox", "johnson", "nonparametric", *FITTED):
        raise ValueError(f"unknown distribution {distribution!r}")

    obs_below = float(np.mean(x < lsl)) * 1e6 if lsl is not None else 0.0
    obs_above = float(np.mean(x > usl)) * 1e6 if usl is not None else 0.0
    model: dict[str, Any] = {}
    params = {"value": value, "subgroup": subgroup, "sigma_method": sigma_method,
              "distribution": distribution, "confidence": confidence, "shift": shift}

    if chosen in ("normal", "boxcox", "johnson"):
        t = x
        t_lsl, t_usl, t_target = lsl, usl, target
        if chosen == "boxcox":
            t, lam, t_lsl, t_usl, t_target = _boxcox(x, lsl, usl, target, boxcox_lambda)
            model["lambda"] = lam
            notes.append(f"Box-Cox transformation with lambda = {lam:.4g} "
                         f"({'fixed' if boxcox_lambda is not None else 'maximum likelihood'}); "
                         "data and specs transformed, indices on the transformed scale.")
        elif chosen == "johnson":
            dist, fam = _johnson(x, (lsl, usl, target))
            t = stats.norm.ppf(np.clip(dist.cdf(x), 1e-15, 1 - 1e-15))
            t_lsl = float(stats.norm.ppf(dist.cdf(lsl))) if lsl is not None else None
            t_usl = float(stats.norm.ppf(dist.cdf(usl))) if usl is not None else None
            t_target = float(stats.norm.ppf(dist.cdf(target))) if target is not None else None
            model["johnson"] = dist
            notes.append(f"Johnson {fam} transformation (maximum likelihood): z = Φ⁻¹(F(x)); "
                         "data and specs transformed, indices on the transformed scale.")
        elif decisive_p < alpha:
            msg = (f"the data do not look normal (Anderson-Darling p = {ad_p:.3g}); normal "
                   "capability indices may mislead. Try distribution='auto'.")
            notes.append("WARNING: " + msg)
            warnings.warn(msg, AssumptionWarning, stacklevel=2)
        t_so = float(np.std(t, ddof=1))
        if sigma_w_given is not None and chosen == "normal":
            t_sw: float | None = sigma_w_given
            dof_w = n - (len(pd.unique(groups)) if groups is not None else 1)
            notes.append(f"Sigma within {sigma_desc}.")
        else:
            t_sw, dof_w, desc = _within_sigma(t, groups, sigma_method)
            notes.append(f"Sigma within: {desc}.")
        if t_sw == 0:
            raise InsufficientDataError("the within-subgroup sigma is 0 (identical values "
                                        "within every subgroup); check the gauge resolution")
        mu = float(np.mean(t))
        rows = _normal_indices(mu, t_sw, t_so, t_lsl, t_usl, t_target, n, dof_w, confidence, t)
        wb, wa = _normal_ppm(mu, t_sw, t_lsl, t_usl)  # type: ignore[arg-type]
        ob, oa = _normal_ppm(mu, t_so, t_lsl, t_usl)
        sigma_within, sigma_overall = t_sw, t_so
        method = chosen
        dist_name = "normal"
        model.update(mu=mu, sigma_within=t_sw, sigma_overall=t_so, scale="transformed"
                     if chosen != "normal" else "original")
        notes.append("Sigma overall: sample standard deviation (n − 1).")
        notes.append("CIs: chi-square for Cp/Pp (df Σ(n_i − 1) within, N − 1 overall), "
                     "Bissell (1990) for Cpk/Ppk, Boyles (1991) for Cpm.")
    else:
        if chosen == "nonparametric":
            q = np.quantile(x, [P_LO, 0.5, P_HI], method=quantile_method)  # type: ignore[call-overload]
            ecdf_b = obs_below / 1e6
            ecdf_a = obs_above / 1e6
            wb = wa = np.nan
            ob, oa = ecdf_b * 1e6, ecdf_a * 1e6
            dist_name = "empirical"
            notes.append(f"Empirical percentiles (numpy method {quantile_method!r}); expected "
                         "PPM equals observed PPM.")
            if n < 1000:
                notes.append(f"WARNING: with n = {n}, the 0.135 % and 99.865 % percentiles lie "
                             "at the sample extremes; 1000 or more values are needed.")
        else:
            dist = _fit(chosen, x)
            q = dist.ppf([P_LO, 0.5, P_HI])
            ob = float(dist.cdf(lsl)) * 1e6 if lsl is not None else 0.0
            oa = float(dist.sf(usl)) * 1e6 if usl is not None else 0.0
            wb = wa = np.nan
            model["dist"] = dist
            dist_name = chosen
            notes.append(f"Fitted {_describe_fit(chosen, dist)} by maximum likelihood; "
                         "ISO 22514-2 percentile method (0.135 %, 50 %, 99.865 % quantiles).")
        rows = _percentile_indices(q, lsl, usl)
        notes.append("Only overall (P) indices are defined for this method; no confidence "
                     "intervals are given for percentile-based indices.")
        sigma_within, sigma_overall = None, so
        method = "nonparametric" if chosen == "nonparametric" else "percentile"
        model["quantiles"] = q

    return finish(rows, method=method, why=(
        " (e.g. a limit outside the fitted distribution's range); try another distribution"),
        ppm=((obs_below, obs_above), (wb, wa), (ob, oa)), shift=shift, notes=notes,
        n=n, mean=float(np.mean(x)), median=float(np.median(x)), sigma_within=sigma_within,
        sigma_overall=sigma_overall, lsl=lsl, usl=usl, target=target,
        distribution=dist_name, confidence=confidence, normality=normality, fits=fits,
        stable=stable, parameters=params, values=x, model=model)


def finish(rows: list[dict[str, Any]], *, method: str, why: str,
           ppm: tuple[tuple[float, float], ...], shift: float, notes: list[str],
           **fields: Any) -> Capability:
    """The :class:`Capability` of computed index rows: refuses non-finite indices (*why*
    ends the message), tabulates the PPM ((below, above) observed, expected within,
    expected overall), Z.bench, DPMO and the sigma level."""
    bad = [r["index"] for r in rows if not np.isfinite(r["estimate"])]
    if bad:
        raise InsufficientDataError(
            f"the {method} model gives non-finite {', '.join(bad)} for these data and "
            f"specs{why}")
    table = pd.DataFrame(
        {"below_lsl": [p[0] for p in ppm], "above_usl": [p[1] for p in ppm]},
        index=pd.Index(["observed", "expected within", "expected overall"], name="basis"))
    table["total"] = table["below_lsl"] + table["above_usl"]
    zw = None if not np.isfinite(table.loc["expected within", "total"]) else _z(
        table.loc["expected within", "total"] / 1e6)
    zo = _z(table.loc["expected overall", "total"] / 1e6)
    notes.append(f"Sigma level = Z.bench overall + {shift:g} (the conventional 1.5 sigma "
                 "long-term shift)" if shift else "Sigma level = Z.bench overall (no shift)")
    return Capability(
        method=method, indices=pd.DataFrame(rows), ppm=table, z_bench_within=zw,
        z_bench_overall=zo, dpmo=float(table.loc["expected overall", "total"]),
        sigma_level=zo + shift, shift=shift, notes=tuple(notes), **fields)


def _percentile_indices(q: np.ndarray, lsl: float | None, usl: float | None
                        ) -> list[dict[str, Any]]:
    lo, med, hi = (float(v) for v in q)
    rows: list[dict[str, Any]] = []
    tied = [f"the {name} percentile equals the median ({med:g})" for name, v, needed in (
        ("0.135 %", lo, lsl is not None), ("99.865 %", hi, usl is not None))
        if needed and v == med]
    if tied:
        raise InsufficientDataError(
            f"percentile capability indices are undefined here: {' and '.join(tied)}, so "
            "the process spread on that side is zero (most values are tied, e.g. a coarse "
            "gauge resolution or very few values). Use distribution='normal' (or another "
            "fitted model), more values, or a finer measurement resolution.")

    def add(name: str, est: float) -> None:
        rows.append({"index": name, "estimate": est, "lower": np.nan, "upper": np.nan,
                     "basis": "overall"})

    if lsl is not None and usl is not None:
        add("pp", (usl - lsl) / (hi - lo))
    if lsl is not None:
        add("ppl", (med - lsl) / (med - lo))
    if usl is not None:
        add("ppu", (usl - med) / (hi - med))
    add("ppk", min(float(r["estimate"]) for r in rows if r["index"] in ("ppl", "ppu")))
    return rows


def _boxcox(x: np.ndarray, lsl: float | None, usl: float | None, target: float | None,
            lam: float | None) -> tuple[np.ndarray, float, float | None, float | None,
                                        float | None]:
    if np.any(x <= 0):
        raise ValueError(f"Box-Cox needs positive data; {int(np.sum(x <= 0))} value(s) are <= 0 "
                         "(add a constant, or use distribution='johnson')")
    if lam is None:
        # maximum likelihood within [-5, 5] (as Minitab); outside it the likelihood is flat
        # and the transformation numerically useless
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lam = float(stats.boxcox_normmax(x, method="mle", brack=(-2.0, 2.0)))
        lam = float(np.clip(lam, -5.0, 5.0))

    def tr(v: float | None) -> float | None:
        if v is None:
            return None
        if v <= 0:
            return None  # a lower spec at or below 0 cannot be violated by positive data
        return float(stats.boxcox(np.array([v]), lmbda=lam)[0])

    t = stats.boxcox(x, lmbda=lam)
    return np.asarray(t, dtype=float), float(lam), tr(lsl), tr(usl), tr(target)


def _choose(x: np.ndarray, normal_p: float, alpha: float) -> tuple[str, pd.DataFrame, str]:
    rows = []
    for name in ("normal", *FITTED):
        try:
            dist = _fit(name, x)
        except ValueError as exc:
            rows.append({"distribution": name, "ad_statistic": np.nan, "p_value": np.nan,
                         "note": str(exc)})
            continue
        a2 = ad_statistic(x, dist.cdf, dist.sf)
        p = normal_p if name == "normal" else (
            ad_pvalue_normal(ad_statistic(np.log(x), stats.norm(np.mean(np.log(x)),
                                          np.std(np.log(x), ddof=1)).cdf), len(x))
            if name == "lognormal" else np.nan)
        rows.append({"distribution": name, "ad_statistic": a2, "p_value": p, "note": ""})
    table = pd.DataFrame(rows)
    if normal_p >= alpha:
        chosen = "normal"
        why = (f"distribution='auto': the normal model is adequate (Anderson-Darling "
               f"p = {normal_p:.3g} >= {alpha:g}), so it is kept.")
    else:
        fitted = table.dropna(subset=["ad_statistic"])
        best = fitted.loc[fitted["ad_statistic"].idxmin()]
        chosen = str(best["distribution"])
        why = (f"distribution='auto': the data are not normal (Anderson-Darling p = "
               f"{normal_p:.3g} < {alpha:g}); {chosen} fits best (smallest Anderson-Darling "
               f"statistic, {best['ad_statistic']:.3g}, of {len(fitted)} candidates).")
    table["chosen"] = table["distribution"] == chosen
    return chosen, table, why


def _grouped(data: pd.DataFrame | ControlChart, *, by: str | Sequence[str],
             specs: pd.DataFrame | None, **kwargs: Any) -> CapabilityTable:
    if not isinstance(data, pd.DataFrame):
        raise TypeError("by= needs a DataFrame (use ControlChart results one at a time)")
    cols = (by,) if isinstance(by, str) else tuple(by)
    for c in cols:
        if c not in data.columns:
            raise ColumnNotFoundError(c, [str(x) for x in data.columns])
    spec_lookup: dict[Any, dict[str, Any]] = {}
    join: tuple[str, ...] = ()
    if specs is not None:
        join = tuple(c for c in cols if c in specs.columns)
        if not join:
            raise ValueError(f"specs= shares none of the by columns {cols}; it has "
                             f"{list(specs.columns)}")
        for rec in specs.to_dict("records"):
            key = tuple(rec[c] for c in join)
            spec_lookup[key] = rec
    results: dict[Any, Capability] = {}
    failures: dict[Any, str] = {}
    for key, part in data.groupby(list(cols) if len(cols) > 1 else cols[0], sort=True):
        k = key if len(cols) > 1 else (key[0] if isinstance(key, tuple) else key)
        values = k if isinstance(k, tuple) else (k,)
        kw = dict(kwargs)
        if specs is not None:
            rec = spec_lookup.get(tuple(values[cols.index(c)] for c in join))
            if rec is None:
                failures[k] = "no specification in specs="
                continue
            for name in ("lsl", "usl", "target"):
                v = rec.get(name)
                kw[name] = None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)
        try:
            results[k] = capability(part, **kw)  # type: ignore[assignment]
        except (InsufficientDataError, ValueError) as exc:
            failures[k] = str(exc)
    return CapabilityTable(results, cols, failures)


# ------------------------------------------------------------------- attributes


def attribute_capability(
    data: pd.DataFrame,
    *,
    count: str,
    size: str,
    kind: Literal["defectives", "defects"] = "defectives",
    opportunities: float = 1.0,
    confidence: float = 0.95,
    shift: float = 1.5,
) -> AttributeCapability:
    """Capability from defectives (binomial) or defects (Poisson) counts.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per sample (lot, day ...).
    count, size : str
        Columns of defectives (or defects) and of units inspected.
    kind : {"defectives", "defects"}, default "defectives"
        Binomial (%defective, PPM, process Z) or Poisson (DPU, DPMO) measures.
    opportunities : float, default 1
        Opportunities for a defect per unit (for DPMO).
    confidence : float, default 0.95
        Level of the exact (Clopper-Pearson / Garwood) intervals.
    shift : float, default 1.5
        Sigma level = process Z + shift.

    Returns
    -------
    AttributeCapability

    Examples
    --------
    >>> import pandas as pd
    >>> lots = pd.DataFrame({"bad": [3, 5, 2], "n": [500, 500, 500]})
    >>> res = attribute_capability(lots, count="bad", size="n")
    >>> round(res.table.set_index("measure").loc["% defective", "estimate"], 3)
    np.float64(0.667)
    """
    for col in (count, size):
        if col not in data.columns:
            raise ColumnNotFoundError(col, [str(c) for c in data.columns])
    _check_settings(confidence=confidence, shift=shift)
    if kind not in ("defectives", "defects"):
        raise ValueError(f"kind= must be 'defectives' or 'defects', got {kind!r}")
    c = data[count].to_numpy(dtype=float, na_value=np.nan)
    m = data[size].to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(c) | ~np.isfinite(m)
    if np.any(bad):
        raise SchemaError(f"count and size must be finite numbers; rows "
                          f"{data.index[bad][:5].tolist()} have missing or infinite values")
    if np.any(c < 0) or np.any(m <= 0):
        raise SchemaError("counts must be >= 0 and sizes > 0")
    frac = c != np.round(c)
    if kind == "defectives":
        frac |= m != np.round(m)
    if np.any(frac):
        what = "counts and sizes" if kind == "defectives" else "counts"
        raise SchemaError(f"{what} must be whole numbers (units and defects are counted); rows "
                          f"{data.index[frac][:5].tolist()} have fractions")
    total, units = float(c.sum()), float(m.sum())
    if kind == "defectives" and np.any(c > m):
        raise SchemaError(f"rows {data.index[c > m][:5].tolist()} have more defectives than "
                          "units inspected; fix them, or use kind='defects' for defect counts")
    if not (isinstance(opportunities, (int, float)) and math.isfinite(opportunities)
            and opportunities > 0):
        raise ValueError(f"opportunities= must be a positive finite number, got "
                         f"{opportunities!r}")
    a = 1 - confidence
    notes = [f"Exact {confidence:.0%} intervals "
             + ("(Clopper-Pearson)." if kind == "defectives" else "(Garwood, chi-square).")]
    if kind == "defectives":
        p = total / units
        lo = stats.beta.ppf(a / 2, total, units - total + 1) if total > 0 else 0.0
        hi = stats.beta.ppf(1 - a / 2, total + 1, units - total) if total < units else 1.0
        rows = [("% defective", 100 * p, 100 * lo, 100 * hi),
                ("PPM defective", 1e6 * p, 1e6 * lo, 1e6 * hi),
                ("process Z", _z(p), _z(hi), _z(lo))]
        z = _z(p)
        notes.append("Process Z = Φ⁻¹(1 − p̄).")
    else:
        dpu = total / units
        lo = stats.chi2.ppf(a / 2, 2 * total) / 2 / units if total > 0 else 0.0
        hi = stats.chi2.ppf(1 - a / 2, 2 * total + 2) / 2 / units
        scale = 1e6 / opportunities
        rows = [("DPU", dpu, lo, hi), ("DPMO", dpu * scale, lo * scale, hi * scale)]
        p_opp = dpu / opportunities
        z = _z(min(p_opp, 1.0))
        rows.append(("process Z", z, _z(min(hi / opportunities, 1.0)),
                     _z(min(lo / opportunities, 1.0))))
        notes.append(f"DPMO = defects / (units × {opportunities:g} opportunities) × 10⁶; "
                     "process Z = Φ⁻¹(1 − DPMO/10⁶).")
    if total == 0:
        notes.append("WARNING: no defects observed: the estimate is 0 and only the upper "
                     "bound is informative.")
    notes.append(f"Sigma level = process Z + {shift:g}.")
    table = pd.DataFrame(rows, columns=["measure", "estimate", "lower", "upper"])
    return AttributeCapability(kind=kind, units=units, count=total, opportunities=opportunities,
                               confidence=confidence, shift=shift, table=table,
                               sigma_level=z + shift, notes=tuple(notes))
