"""Change-point detection: when did the level (or spread) of a series change?

The segmentation is done by the ``ruptures`` library (PELT or binary segmentation);
leankit chooses the penalty from a robust noise estimate, then measures each change:
its size, a Welch t-test of the two segments, and a bootstrap interval for its time.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from leankit._summary import Summary
from leankit.errors import ColumnNotFoundError, InsufficientDataError, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["ChangePoints", "change_points"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePoints:
    """Detected changes of a series.

    Attributes
    ----------
    changes : pandas.DataFrame
        One row per change: ``position`` (index of the first point after the change),
        ``time``, ``time_lower``, ``time_upper`` (bootstrap interval of the change's
        location at ``confidence``), ``before``, ``after`` (segment means), ``shift``
        (after − before), ``shift_sigma`` (in noise sigmas), ``sd_before``, ``sd_after``,
        ``p_value`` (Welch t-test of the two adjacent segments; ``p_spread`` for the
        variance with ``spread=True``), ``confidence`` (share of bootstrap replicates
        within ± ``tolerance`` points of the estimate).
    segments : pandas.DataFrame
        ``start, end, start_time, end_time, n, mean, sd``.
    sigma : float
        Robust noise sigma (from the median absolute successive difference).
    penalty : float
        The penalty given to ruptures.
    notes : tuple of str
        Method and conventions.
    """

    changes: pd.DataFrame
    segments: pd.DataFrame
    sigma: float
    penalty: float
    method: str
    notes: tuple[str, ...]
    values: np.ndarray = field(repr=False)
    times: np.ndarray = field(repr=False)
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The changes table (a copy)."""
        return self.changes.copy()

    def __repr__(self) -> str:
        if self.changes.empty:
            return f"<ChangePoints {self.method}: no change in {len(self.values)} points>"
        first = self.changes.iloc[0]
        return (f"<ChangePoints {self.method}: {len(self.changes)} change(s) in "
                f"{len(self.values)} points; first at {first['time']} "
                f"(shift {first['shift']:+.4g})>")

    def finding(self) -> str:
        """The largest change in one sentence."""
        if self.changes.empty:
            return "No change in level was detected."
        c = self.changes.loc[self.changes["shift_sigma"].abs().idxmax()]
        return (f"The level changed at {_when(c['time'])} by {c['shift']:+.4g} "
                f"({c['shift_sigma']:+.1f} sigma; between {_when(c['time_lower'])} and "
                f"{_when(c['time_upper'])} with "
                f"{self.parameters.get('confidence', 0.95) * 100:g} % confidence).")

    def summary(self) -> Summary:
        """Changes, segments and notes."""
        return Summary(title=repr(self), rows=(("finding", self.finding()),
                                               ("noise sigma", self.sigma)),
                       tables=(("Changes", self.changes), ("Segments", self.segments)),
                       notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """The series with its segment means and the change intervals shaded."""
        from leankit.rca._figures import change_points_figure

        return change_points_figure(self, **style)


def _when(t: Any) -> str:
    """A change's time for a sentence: ``2026-10-28 14:00 UTC`` (seconds only when not
    zero, the zone's abbreviation when known); a position as is."""
    if isinstance(t, (pd.Timestamp, np.datetime64)) and not pd.isna(t):
        ts = pd.Timestamp(t)
        text = ts.strftime("%Y-%m-%d %H:%M" + (":%S" if ts.second else ""))
        return f"{text} {ts.tzname()}" if ts.tzinfo is not None and ts.tzname() else text
    return str(t)


def _robust_sigma(x: np.ndarray) -> float:
    d = np.abs(np.diff(x))
    s = float(np.median(d) / (stats.norm.ppf(0.75) * np.sqrt(2)))
    return s if s > 0 else float(np.std(x, ddof=1))


def _best_split(x: np.ndarray) -> int:
    """Position (1..n-1) that minimises the two-segment sum of squares."""
    n = len(x)
    c1 = np.cumsum(x)
    c2 = np.cumsum(x**2)
    k = np.arange(1, n)
    left = c2[k - 1] - c1[k - 1] ** 2 / k
    right = (c2[-1] - c2[k - 1]) - (c1[-1] - c1[k - 1]) ** 2 / (n - k)
    return int(k[np.argmin(left + right)])


def change_points(
    data: pd.DataFrame,
    *,
    value: str,
    time: str | None = None,
    method: Literal["pelt", "binseg"] = "pelt",
    spread: bool = False,
    penalty: float | None = None,
    min_size: int = 5,
    max_changes: int | None = None,
    confidence: float = 0.95,
    tolerance: int = 5,
    n_boot: int = 200,
    seed: int = 0,
) -> ChangePoints:
    """Find the times where the level (and optionally the spread) of a series changed.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation.
    value : str
        Column of the values.
    time : str, optional
        Column to order by and to report times in (default: row order and positions).
    method : {"pelt", "binseg"}, default "pelt"
        ruptures' PELT (exact, penalised) or binary segmentation.
    spread : bool, default False
        Detect changes in mean *and* variance (ruptures' "normal" cost) instead of the
        mean only ("l2" cost).
    penalty : float, optional
        Penalty per change; default ``2 σ² ln(n)`` (BIC-like) for the mean, ``2 ln(n)``
        for mean and variance, with σ the robust noise sigma.
    min_size : int, default 5
        Minimum number of points between changes.
    max_changes : int, optional
        Keep at most this many changes (the largest shifts; binary segmentation stops
        there).
    confidence : float, default 0.95
        Level of the bootstrap interval of each change's time.
    tolerance : int, default 5
        Points around the estimate counted as "the same location" for ``confidence``.
    n_boot : int, default 200
        Bootstrap replicates per change.
    seed : int, default 0
        Random seed of the bootstrap (results are reproducible).

    Returns
    -------
    ChangePoints

    Raises
    ------
    ColumnNotFoundError, SchemaError, InsufficientDataError
        Unknown or non-numeric column, or fewer than ``2 × min_size`` values.

    Notes
    -----
    Each change is re-located by a residual bootstrap: the segment means are kept, the
    residuals resampled within the two adjacent segments, and the best single split
    between the neighbouring changes found again; the interval is the central
    ``confidence`` share of those locations. ``p_value`` is a Welch t-test of the two
    adjacent segments; it is computed after the change was chosen from the same data,
    so it overstates the evidence (read it as a size measure, not a formal test).

    References
    ----------
    Killick, R., Fearnhead, P., Eckley, I. A. (2012), "Optimal detection of changepoints
    with a linear computational cost", *JASA* 107, 1590-1598. Truong, C., Oudre, L.,
    Vayatis, N. (2020), "Selective review of offline change point detection methods",
    *Signal Processing* 167 (the ruptures library).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"x": np.r_[rng.normal(10, 1, 100), rng.normal(13, 1, 100)]})
    >>> cp = change_points(df, value="x")
    >>> cp.changes["position"].tolist()
    [100]
    """
    import ruptures as rpt

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, got {type(data).__name__}")
    for c in (value, time):
        if c is not None and c not in data.columns:
            raise ColumnNotFoundError(c, [str(x) for x in data.columns])
    if not pd.api.types.is_numeric_dtype(data[value]) or pd.api.types.is_bool_dtype(data[value]):
        raise SchemaError(f"value= column {value!r} must be numeric")
    if not (isinstance(confidence, (int, float)) and not isinstance(confidence, bool)
            and 0 < confidence < 1):
        raise ValueError(f"confidence= must be a number strictly between 0 and 1, "
                         f"got {confidence!r}")
    inf = np.isinf(data[value].to_numpy(dtype=float, na_value=np.nan))
    if inf.any():
        raise SchemaError(f"value= column {value!r} has infinite values in row(s) "
                          f"{data.index[inf][:5].tolist()}; fix or drop them")
    df = data[[c for c in (time, value) if c]].dropna()
    notes: list[str] = []
    if len(df) < len(data):
        notes.append(f"{len(data) - len(df)} row(s) with a missing value or time left out")
    if time is not None:
        df = df.sort_values(time, kind="stable")
    x = df[value].to_numpy(dtype=float)
    times = df[time].to_numpy() if time is not None else np.arange(len(x))
    n = len(x)
    if n < 2 * min_size:
        raise InsufficientDataError(f"need at least {2 * min_size} values for min_size="
                                    f"{min_size}, got {n}")
    sigma = _robust_sigma(x)
    if sigma == 0:
        raise InsufficientDataError("the series is constant: there is no change to find")
    penalty_given = penalty is not None
    if penalty is None:
        penalty = 2 * np.log(n) * (1.0 if spread else sigma**2)
    cost = "normal" if spread else "l2"
    jump = max(1, n // 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "pelt" and not spread:
            # ruptures' compiled PELT for the linear kernel (= the l2 cost of mean shifts)
            algo = rpt.KernelCPD(kernel="linear", min_size=min_size).fit(x.reshape(-1, 1))
            bkps = algo.predict(pen=penalty)
        else:
            cls = rpt.Pelt if method == "pelt" else rpt.Binseg
            algo = cls(model=cost, min_size=min_size, jump=jump).fit(x.reshape(-1, 1))
            if method == "binseg" and max_changes is not None:
                bkps = algo.predict(n_bkps=max_changes)
            else:
                bkps = algo.predict(pen=penalty)
    cuts = sorted(int(b) for b in bkps if b < n)
    if jump > 1 and not (method == "pelt" and not spread):
        # refine each change to the exact best split between its neighbours
        edges = [0, *cuts, n]
        cuts = [edges[i] + _best_split(x[edges[i]:edges[i + 2]]) for i in range(len(cuts))]
    bounds = [0, *cuts, n]
    seg_rows = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        seg = x[a:b]
        seg_rows.append({"start": a, "end": b - 1, "start_time": times[a], "end_time": times[b - 1],
                         "n": b - a, "mean": float(seg.mean()),
                         "sd": float(seg.std(ddof=1)) if b - a > 1 else np.nan})
    segments = pd.DataFrame(seg_rows)
    rng = np.random.default_rng(seed)
    lo_q, hi_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    change_rows = []
    for i, cut in enumerate(cuts):
        a, b = bounds[i], bounds[i + 2]
        left, right = x[a:cut], x[cut:b]
        fit = np.r_[np.full(len(left), left.mean()), np.full(len(right), right.mean())]
        resid = np.r_[left - left.mean(), right - right.mean()]
        locs = np.empty(n_boot, dtype=int)
        for r in range(n_boot):
            boot = fit + rng.choice(resid, size=len(resid), replace=True)
            locs[r] = a + _best_split(boot)
        qlo, qhi = np.quantile(locs, [lo_q, hi_q], method="inverted_cdf")
        welch = stats.ttest_ind(right, left, equal_var=False)
        row = {
            "position": cut, "time": times[cut], "time_lower": times[int(qlo)],
            "time_upper": times[min(int(qhi), n - 1)], "before": float(left.mean()),
            "after": float(right.mean()), "shift": float(right.mean() - left.mean()),
            "shift_sigma": float((right.mean() - left.mean()) / sigma),
            "sd_before": float(left.std(ddof=1)), "sd_after": float(right.std(ddof=1)),
            "p_value": float(welch.pvalue),
            "confidence": float(np.mean(np.abs(locs - cut) <= tolerance)),
        }
        if spread:
            row["p_spread"] = float(stats.levene(left, right, center="median").pvalue)
        change_rows.append(row)
    changes = pd.DataFrame(change_rows, columns=[
        "position", "time", "time_lower", "time_upper", "before", "after", "shift",
        "shift_sigma", "sd_before", "sd_after", "p_value", "confidence",
        *(["p_spread"] if spread else [])])
    if max_changes is not None and len(changes) > max_changes:
        keep = changes["shift_sigma"].abs().nlargest(max_changes).index
        changes = changes.loc[sorted(keep)].reset_index(drop=True)
    engine = ("KernelCPD (linear kernel, compiled PELT)" if method == "pelt" and not spread
              else f"{method.upper()} with the {cost!r} cost")
    notes.append(f"ruptures {engine}, penalty {penalty:.4g} "
                 f"({'given' if penalty_given else '2·ln(n)' + ('' if spread else '·σ²')}), "
                 f"min_size {min_size}; σ = {sigma:.4g} from the median successive difference.")
    notes.append(f"Time intervals: {confidence:.0%} residual-bootstrap intervals of each "
                 f"change's location ({n_boot} replicates, seed {seed}).")
    notes.append("p_value: Welch t-test of the adjacent segments, computed after the change "
                 "was chosen from the same data (optimistic).")
    return ChangePoints(changes=changes, segments=segments, sigma=sigma, penalty=float(penalty),
                        method=method, notes=tuple(notes), values=x, times=times,
                        parameters={"value": value, "time": time, "spread": spread,
                                    "confidence": confidence, "min_size": min_size})
