"""Rate ratio of two groups of counts (before/after a countermeasure, a suspected cause
against the rest) that allows for overdispersion between units (days, lots).

The pooled counts give the exact conditional ratio, CI and test
(:func:`~leankit.rca.compare_rates`); but real defect counts vary more from lot to lot
than Poisson (material, set-up, the gamma lot factor of the sample data), and then the
exact Poisson CI is too narrow. :func:`rate_ratio` estimates the dispersion φ from the
units (Pearson χ² / (n − 2) around each group's rate) and, when φ > 1, widens the CI and
the test the quasi-Poisson way (the log-ratio's standard error × √φ, t on n − 2 degrees
of freedom: McCullagh & Nelder 1989, §6.2; R's ``glm(family = quasipoisson)``). The
verdict uses the widened interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from leankit._summary import Summary
from leankit.errors import ColumnNotFoundError, InsufficientDataError, LeankitError
from leankit.rca._effect import NO_EVIDENCE, RateChange, compare_rates, ratio_verdict

__all__ = ["RateRatio", "rate_ratio"]

Better = Literal["lower", "higher"]


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3g}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RateRatio:
    """The rate of a group ``after`` against a group ``before``, allowing for
    overdispersion between units.

    Attributes
    ----------
    exact : RateChange
        The exact conditional comparison of the pooled counts (Poisson).
    ratio, lower, upper, p_value : float
        Rate ratio after/before, its CI and two-sided p-value — quasi-Poisson when the
        dispersion is above 1, else the exact ones.
    dispersion : float
        Pearson χ² / (n − 2) of the units around their group's rate (1: Poisson; nan
        with fewer than 3 units).
    units_before, units_after : int
        Units (rows: days, lots) of each group.
    confidence : float
    better : {"lower", "higher"}
        Which direction of the rate is an improvement.
    method : str
        How the CI and p-value were made.
    verdict : str
        ``"improved"``, ``"no evidence of improvement"`` or ``"worse"``: the CI lies
        entirely on the better side of 1, straddles 1, or lies on the worse side.
    labels : tuple of str
        The names of the two groups (``("before", "after")``).
    """

    exact: RateChange
    ratio: float
    lower: float
    upper: float
    p_value: float
    dispersion: float
    units_before: int
    units_after: int
    confidence: float
    better: str
    method: str
    verdict: str
    labels: tuple[str, str] = ("before", "after")

    @property
    def before_rate(self) -> float:
        """Pooled rate of the first group (count / exposure)."""
        return float(self.exact.before_rate)

    @property
    def after_rate(self) -> float:
        """Pooled rate of the second group."""
        return float(self.exact.after_rate)

    @property
    def overdispersed(self) -> bool:
        """The dispersion is above 1 and the interval was widened for it."""
        return bool(np.isfinite(self.dispersion) and self.dispersion > 1.0)

    def ci_text(self) -> str:
        """``"ratio 0.71 (95 % CI 0.63 to 0.80, p < 0.001)"``."""
        return (f"ratio {self.ratio:.2f} ({100 * self.confidence:g} % CI {self.lower:.2f} "
                f"to {self.upper:.2f}, {_p_text(self.p_value)})")

    def to_frame(self) -> pd.DataFrame:
        """One row per group and one for the ratio: counts, exposure, rate; the ratio
        row carries the CI, p-value, dispersion and method."""
        e = self.exact
        return pd.DataFrame([
            {"group": self.labels[0], "count": e.before_count, "exposure": e.before_exposure,
             "rate": e.before_rate, "units": self.units_before},
            {"group": self.labels[1], "count": e.after_count, "exposure": e.after_exposure,
             "rate": e.after_rate, "units": self.units_after},
            {"group": f"ratio {self.labels[1]}/{self.labels[0]}", "rate": self.ratio,
             "lower": self.lower, "upper": self.upper, "p_value": self.p_value,
             "exact_lower": e.lower, "exact_upper": e.upper, "exact_p": e.p_value,
             "dispersion": self.dispersion}])

    def summary(self) -> Summary:
        """Rates, ratio with CI and the verdict, with the method as a note."""
        return Summary(
            title=f"Rate ratio {self.labels[1]}/{self.labels[0]}",
            rows=((f"rate ({self.labels[0]})", self.before_rate),
                  (f"rate ({self.labels[1]})", self.after_rate),
                  ("ratio", self.ratio), ("lower", self.lower), ("upper", self.upper),
                  ("p-value", self.p_value), ("dispersion", self.dispersion),
                  ("verdict", f"{self.verdict} ({self.better} is better)")),
            notes=(self.method,))

    def __repr__(self) -> str:
        return (f"<RateRatio {self.ratio:.3g} [{self.lower:.3g}, {self.upper:.3g}] "
                f"{self.verdict}>")


def _column(data: pd.DataFrame, col: str, what: str) -> np.ndarray:
    if col not in data.columns:
        raise ColumnNotFoundError(col, data.columns, what=what)
    v: np.ndarray = np.asarray(pd.to_numeric(data[col], errors="coerce"), dtype=float)
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise LeankitError(f"{what}: column {col!r} has {int(bad.sum())} value(s) that are "
                           f"not counts >= 0 (first: row {i}, {data[col].iloc[i]!r}); fix "
                           "or remove those rows")
    return v


def rate_ratio(before: pd.DataFrame, after: pd.DataFrame, *, count: str, exposure: str,
               better: Better = "lower", confidence: float = 0.95,
               labels: Sequence[str] = ("before", "after")) -> RateRatio:
    """Compare the rate (count per unit of exposure) of *after* with *before*, allowing
    for overdispersion between their rows (units: days, lots, shifts).

    Parameters
    ----------
    before, after : DataFrame
        One row per unit, with the *count* and its *exposure* (units inspected).
    count, exposure : str
        Column names.
    better : {"lower", "higher"}
        Which direction is an improvement (defect rates: lower).
    confidence : float
        Confidence level of the interval.
    labels : pair of str
        Names of the two groups in tables and text.

    Returns
    -------
    RateRatio

    Raises
    ------
    ColumnNotFoundError
        A column is missing.
    InsufficientDataError
        A group has no exposure.

    Notes
    -----
    φ = Σ (c − r̂ e)² / (r̂ e) / (n − 2) with r̂ each group's pooled rate. With φ > 1 the
    log-ratio's standard error √(1/C₁ + 1/C₀) is multiplied by √φ and the CI and test
    use Student's t on n − 2 degrees of freedom (quasi-Poisson). With φ ≤ 1, or a group
    without events, the exact conditional CI and test of the pooled counts are used.

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import rca
    >>> b = pd.DataFrame({"c": [30, 41, 25, 38, 29, 35], "n": [600] * 6})
    >>> a = pd.DataFrame({"c": [18, 22, 15, 20], "n": [600] * 4})
    >>> r = rca.rate_ratio(b, a, count="c", exposure="n")
    >>> round(r.ratio, 3), r.verdict
    (0.568, 'improved')
    """
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence = {confidence!r}: give a level in [0.5, 1), e.g. 0.95")
    if better not in ("lower", "higher"):
        raise ValueError(f"better = {better!r}: use 'lower' or 'higher'")
    lab = (str(labels[0]), str(labels[1]))
    cb, eb = (_column(before, c, f"the {lab[0]} rows") for c in (count, exposure))
    ca, ea = (_column(after, c, f"the {lab[1]} rows") for c in (count, exposure))
    for name, e in ((lab[0], eb), (lab[1], ea)):
        if e.sum() <= 0:
            raise InsufficientDataError(f"the {name} rows have no exposure (units inspected "
                                        "sum to 0): nothing to compare")
    exact = compare_rates(int(round(cb.sum())), float(eb.sum()), int(round(ca.sum())),
                          float(ea.sum()),
                          confidence=confidence, better=better)
    keep = np.r_[eb, ea] > 0
    c_all, e_all = np.r_[cb, ca][keep], np.r_[eb, ea][keep]
    rates = np.r_[np.full(len(cb), cb.sum() / eb.sum()), np.full(len(ca), ca.sum() / ea.sum())]
    mu = rates[keep] * e_all
    df = int(keep.sum()) - 2
    phi = float(np.sum(np.where(mu > 0, (c_all - mu) ** 2 / np.where(mu > 0, mu, 1), 0.0))
                / df) if df > 0 else math.nan
    if np.isfinite(phi) and phi > 1 and cb.sum() > 0 and ca.sum() > 0:
        from scipy import stats

        log_r = math.log(exact.ratio)
        se = math.sqrt(phi * (1 / cb.sum() + 1 / ca.sum()))
        t = float(stats.t.ppf(0.5 + confidence / 2, df))
        lo, hi = math.exp(log_r - t * se), math.exp(log_r + t * se)
        p = float(2 * stats.t.sf(abs(log_r) / se, df))
        ratio = exact.ratio
        method = (f"Quasi-Poisson: the counts vary {phi:.2f}× more between units than "
                  f"Poisson (Pearson χ² / {df} df), so the exact conditional interval "
                  f"({exact.lower:.3g} to {exact.upper:.3g}) is widened: SE of the log ratio "
                  f"× √{phi:.2f}, t on {df} df.")
    else:
        ratio, lo, hi, p = exact.ratio, exact.lower, exact.upper, exact.p_value
        why = ("no overdispersion between units (φ ≤ 1)" if np.isfinite(phi) and phi <= 1
               else "too few units to estimate the dispersion" if not np.isfinite(phi)
               else "a group without events")
        method = f"Exact conditional (binomial) CI and test of the pooled counts: {why}."
    verdict = (NO_EVIDENCE if cb.sum() == 0 and ca.sum() == 0
               else ratio_verdict(lo, hi, better))
    return RateRatio(exact=exact, ratio=float(ratio), lower=float(lo), upper=float(hi),
                     p_value=float(p), dispersion=phi, units_before=len(cb),
                     units_after=len(ca), confidence=confidence, better=better,
                     method=method, verdict=verdict, labels=lab)

