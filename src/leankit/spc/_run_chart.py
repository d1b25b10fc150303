"""Run chart with runs analysis (Anhøj rules; optional Swed–Eisenhart runs count and trend).

A run chart plots the values in time order around their median. It needs no baseline
sigma, so it is the first chart to draw for a new measure: if the runs analysis finds
non-random variation (a shift), control limits computed over the whole series would be
meaningless.

The runs analysis (Anhøj & Olesen 2014) uses the *useful* points: the non-excluded
points that are not on the center line (points on the median neither break nor
contribute to a run). With ``n`` useful points:

* **unusually long run**: the longest run of useful points on one side of the center
  is longer than ``round(log2(n)) + 3``;
* **too few crossings**: the number of crossings (adjacent useful points on opposite
  sides, ``runs − 1``) is below ``qbinom(0.05, n − 1, 0.5)``, the lower 5 % quantile
  of Binomial(n − 1, ½).

The same formulas as qicharts2's ``qic()`` (its ``runs.analysis``); the numbers are
tested against Anhøj's table of limits for n = 10..100.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd

from leankit._summary import Summary
from leankit.errors import InsufficientDataError, SchemaError
from leankit.spc._charts import (
    Exclude,
    Missing,
    _finish_groups,
    _numeric,
    _prepare,
    _require,
    one_per_row,
)
from leankit.spc._results import FRAME_COLUMNS, ControlChart, Limits
from leankit.spc._rules import Rule, evaluate

#: The frame's column of the plotted statistic's sigma (NaN on a run chart).
_SIGMA_COL = "sigma_statistic"

__all__ = [
    "RUN_TESTS",
    "RunChart",
    "anhoej_limits",
    "run_chart",
    "runs_analysis",
    "swed_eisenhart_limits",
]

RunTest = Literal["anhoej", "swed_eisenhart", "trend"]

#: The runs tests :func:`run_chart` can apply (``tests=``).
RUN_TESTS: tuple[str, ...] = ("anhoej", "swed_eisenhart", "trend")

#: Fewer points than this (per stage) make :func:`run_chart` refuse the runs analysis:
#: Anhøj's limits are tabulated and validated from 10 useful points on.
MIN_POINTS = 10

#: Exact integer arithmetic for the binomial quantile and the runs distribution up to
#: this many useful points; above it the normal/scipy computation is used.
_EXACT_MAX = 2000

_DESCRIPTIONS = {
    "anhoej_long_run": "Unusually long run: {run} points in a row on one side of the median "
                       "(limit {limit})",
    "anhoej_few_crossings": "Too few crossings of the median: {crossings} (lower limit {limit})",
    "swed_eisenhart": "Number of runs {runs} outside the Swed–Eisenhart limits {lo}..{hi}",
    "trend": "{k} points in a row steadily increasing or decreasing",
}


# ------------------------------------------------------------------------- limits


def _qbinom_half(p: float, size: int) -> int:
    """Smallest x with P(X ≤ x) ≥ p for X ~ Binomial(size, 1/2) (R's ``qbinom``)."""
    if size <= 0:
        return 0
    if size <= _EXACT_MAX:
        target = Fraction(p) * (1 << size)  # compare counts with p·2^size exactly
        term, total = 1, 0
        for x in range(size + 1):
            total += term
            if total >= target:
                return x
            term = term * (size - x) // (x + 1)
        return size  # pragma: no cover - p <= 1 always stops above
    from scipy.stats import binom

    return int(binom.ppf(p, size, 0.5))


def anhoej_limits(n_useful: int) -> tuple[int, int]:
    """Anhøj's limits for ``n_useful`` useful points: (longest-run maximum, crossings minimum).

    Parameters
    ----------
    n_useful : int
        Number of useful points (not on the center line), at least 1.

    Returns
    -------
    tuple of int
        ``round(log2(n)) + 3`` (a longer run signals) and ``qbinom(0.05, n − 1, 0.5)``
        (fewer crossings signal).

    Raises
    ------
    ValueError
        If ``n_useful`` is not a positive whole number.

    References
    ----------
    Anhøj, J. and Olesen, A. V. (2014). Run charts revisited: a simulation study of run
    chart rules for detection of non-random variation in health care processes. PLoS ONE
    9(11): e113825.

    Examples
    --------
    >>> anhoej_limits(24)
    (8, 8)
    """
    if isinstance(n_useful, bool) or not isinstance(n_useful, (int, np.integer)) or n_useful < 1:
        raise ValueError(f"n_useful must be a whole number >= 1, got {n_useful!r}")
    n = int(n_useful)
    # log2(n) is an integer or irrational for whole n, so half-way ties cannot occur
    return math.floor(math.log2(n) + 0.5) + 3, _qbinom_half(0.05, n - 1)


def _runs_pmf(n1: int, n2: int) -> dict[int, Fraction]:
    """Exact distribution of the number of runs of n1 + n2 points in random order."""
    total = math.comb(n1 + n2, n1)
    out: dict[int, Fraction] = {}
    if n1 == 0 or n2 == 0:
        return {1: Fraction(1)}
    for r in range(2, 2 * min(n1, n2) + 2):
        k = r // 2
        if r % 2 == 0:
            ways = 2 * math.comb(n1 - 1, k - 1) * math.comb(n2 - 1, k - 1)
        else:
            ways = (math.comb(n1 - 1, k) * math.comb(n2 - 1, k - 1)
                    + math.comb(n1 - 1, k - 1) * math.comb(n2 - 1, k))
        if ways:
            out[r] = Fraction(ways, total)
    return out


def swed_eisenhart_limits(n_above: int, n_below: int, alpha: float = 0.05
                          ) -> tuple[int, int, float]:
    """Limits for the number of runs about the median (Swed & Eisenhart 1943).

    Parameters
    ----------
    n_above, n_below : int
        Useful points above and below the center line.
    alpha : float, default 0.05
        Two-sided level (``alpha/2`` in each tail).

    Returns
    -------
    tuple
        ``(lowest, highest, expected)``: numbers of runs from ``lowest`` to ``highest``
        are not significant; ``expected = 1 + 2 n1 n2 / (n1 + n2)``. Exact up to 2000
        useful points, normal approximation beyond.

    Examples
    --------
    >>> swed_eisenhart_limits(10, 10)
    (7, 15, 11.0)
    """
    n1, n2 = int(n_above), int(n_below)
    if n1 < 0 or n2 < 0:
        raise ValueError("n_above and n_below must be >= 0")
    n = n1 + n2
    if n == 0:
        raise ValueError("the runs test needs at least one useful point")
    expected = 1.0 + 2.0 * n1 * n2 / n
    if n1 == 0 or n2 == 0:
        return 1, 1, expected
    tail = Fraction(alpha) / 2
    if n <= _EXACT_MAX:
        pmf = _runs_pmf(n1, n2)
        rs = sorted(pmf)
        low, cum = rs[0], Fraction(0)
        for r in rs:  # the lowest r whose lower tail P(R <= r) exceeds alpha/2
            if cum + pmf[r] > tail:
                low = r
                break
            cum += pmf[r]
        high, cum = rs[-1], Fraction(0)
        for r in reversed(rs):
            if cum + pmf[r] > tail:
                high = r
                break
            cum += pmf[r]
        return low, high, expected
    from scipy.stats import norm

    var = 2.0 * n1 * n2 * (2.0 * n1 * n2 - n) / (n * n * (n - 1.0))
    z = float(norm.ppf(1 - alpha / 2))
    return (math.ceil(expected - z * math.sqrt(var)), math.floor(expected + z * math.sqrt(var)),
            expected)


# ---------------------------------------------------------------------- analysis


@dataclass(frozen=True, slots=True)
class _Runs:
    n_points: int
    n_useful: int
    n_above: int
    n_below: int
    longest_run: int
    longest_run_max: int
    n_runs: int
    crossings: int
    crossings_min: int
    long_run_points: np.ndarray  # positions (into the values) of points in too-long runs


def _analyse(values: np.ndarray, center: float) -> _Runs:
    side = np.sign(values - center)
    side[np.isnan(side)] = 0
    useful = np.flatnonzero(side != 0)
    s = side[useful]
    n = len(s)
    if n == 0:
        return _Runs(len(values), 0, 0, 0, 0, 0, 0, 0, 0, np.zeros(0, dtype=np.int64))
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    lengths = np.diff(np.r_[starts, n])
    run_max, cross_min = anhoej_limits(n)
    long_runs = np.flatnonzero(lengths > run_max)
    members = (np.concatenate([np.arange(starts[r], starts[r] + lengths[r]) for r in long_runs])
               if len(long_runs) else np.zeros(0, dtype=np.int64))
    return _Runs(
        n_points=len(values), n_useful=n, n_above=int((s > 0).sum()),
        n_below=int((s < 0).sum()), longest_run=int(lengths.max()), longest_run_max=run_max,
        n_runs=len(lengths), crossings=len(lengths) - 1, crossings_min=cross_min,
        long_run_points=useful[members],
    )


def runs_analysis(values: Sequence[float] | np.ndarray, center: float | None = None
                  ) -> dict[str, Any]:
    """Anhøj runs analysis of a sequence about a center line (default: its median).

    Parameters
    ----------
    values : array_like of float
        The values in time order (NaN values are skipped).
    center : float, optional
        The center line; default the median of the values.

    Returns
    -------
    dict
        ``center, n_points, n_useful, longest_run, longest_run_max, crossings,
        crossings_min, long_run`` (bool), ``few_crossings`` (bool), ``signal`` (bool).

    Examples
    --------
    >>> out = runs_analysis([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    >>> out["longest_run"], out["longest_run_max"], out["crossings"], out["crossings_min"]
    (6, 7, 1, 3)
    """
    x = np.asarray(values, dtype=float)
    c = float(np.nanmedian(x)) if center is None else float(center)
    r = _analyse(x, c)
    long_run = r.n_useful > 0 and r.longest_run > r.longest_run_max
    few = r.n_useful > 0 and r.crossings < r.crossings_min
    return {"center": c, "n_points": r.n_points, "n_useful": r.n_useful,
            "longest_run": r.longest_run, "longest_run_max": r.longest_run_max,
            "crossings": r.crossings, "crossings_min": r.crossings_min,
            "long_run": bool(long_run), "few_crossings": bool(few),
            "signal": bool(long_run or few)}


# ------------------------------------------------------------------------ result


@dataclass(frozen=True, slots=True, kw_only=True)
class RunChart(ControlChart):
    """A run chart: values around their median, with the runs analysis of each stage.

    Everything a :class:`ControlChart` has (``to_frame()`` with ``lcl``/``ucl``/``sigma``
    NaN, ``signals``, ``exclusions``, ``monitor()``, ``figure()``), plus ``runs``.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per stage: ``stage, center, n_points, n_useful, longest_run,
        longest_run_max, crossings, crossings_min, long_run, few_crossings, signal`` and,
        with the Swed–Eisenhart test, ``n_runs, runs_expected, runs_min, runs_max``.
    """

    runs: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

    def __reduce__(self) -> tuple[Any, ...]:
        # every field but the monitor closure (which cannot be pickled)
        state = {f.name: object.__getattribute__(self, f.name)
                 for f in dataclasses.fields(self) if f.name != "_monitor"}
        state["parameters"] = dict(state["parameters"])
        state["stage_limits"] = dict(state["stage_limits"])
        return (_unpickled_run_chart, (state,))

    def __repr__(self) -> str:
        main = self.points
        stages = main["stage"].nunique()
        extra = f", {stages} stages" if stages > 1 else ""
        ph2 = int((main["phase"] == "II").sum())
        extra += f", {ph2} in phase II" if ph2 else ""
        verdict = "non-random variation" if bool(self.runs["signal"].any()) else "random variation"
        return f"<RunChart: {len(main)} points{extra}, {verdict}>"

    def summary(self) -> Summary:
        """Longest run vs its limit and crossings vs their limit, per stage, with notes."""
        rows: list[tuple[str, object]] = [("chart", "Run chart"), ("points", len(self.points))]
        many = len(self.runs) > 1
        for r in self.runs.itertuples(index=False):
            pre = f"stage {r.stage}: " if many else ""
            rows += [
                (f"{pre}median" if self.parameters.get("center") == "median"
                 else f"{pre}center", r.center),
                (f"{pre}useful points", r.n_useful),
                (f"{pre}longest run", f"{r.longest_run} (limit {r.longest_run_max}: "
                 + ("unusually long" if r.long_run else "not unusual") + ")"),
                (f"{pre}crossings", f"{r.crossings} (limit {r.crossings_min}: "
                 + ("too few" if r.few_crossings else "not too few") + ")"),
            ]
            if "n_runs" in self.runs:
                rows.append((f"{pre}runs", f"{r.n_runs} (expected {r.runs_expected:.1f}, "
                             f"limits {r.runs_min}..{r.runs_max})"))
        notes = [
            "Center line: " + ("the median of the baseline points" if
                               self.parameters.get("center") == "median" else
                               f"the given value {self.parameters.get('center')}") + ".",
            "Anhøj rules (Anhøj & Olesen 2014): a run longer than round(log2(n)) + 3 or fewer "
            "crossings than qbinom(0.05, n - 1, 0.5) signals non-random variation; n counts "
            "the useful points (not on the center line, not excluded).",
        ]
        tests = self.parameters.get("tests", ())
        if "swed_eisenhart" in tests:
            notes.append("Swed–Eisenhart runs test: the number of runs outside its two-sided "
                         "5 % limits signals (too few: a shift; too many: over-adjustment or "
                         "alternating sources).")
        if "trend" in tests:
            notes.append(f"Trend: {self.parameters.get('trend_points', 6)} or more points in "
                         "a row steadily increasing or decreasing (equal neighbours end it).")
        n_ex = int(self.points["excluded"].sum())
        if n_ex:
            notes.append(f"{n_ex} point(s) excluded from the median and the runs analysis but "
                         "plotted.")
        if len(self.exclusions):
            notes.append(f"{len(self.exclusions)} input row(s) not used: see .exclusions.")
        tables = []
        if len(self.signals):
            # one line per finding (a long run or a stage-wide test flags many points)
            found = (self.signals.groupby(["stage", "rule", "description"], sort=False)
                     ["subgroup"].agg(["count", "first", "last"]).reset_index()
                     .rename(columns={"count": "points"}))
            tables.append(("Signals", found.drop(columns="stage") if not many else found))
        return Summary(title=repr(self), rows=tuple(rows), notes=tuple(notes),
                       tables=tuple(tables))


def _unpickled_run_chart(state: dict[str, Any]) -> RunChart:
    return RunChart(**state)


# ------------------------------------------------------------------------- build


def _build(groups: pd.DataFrame, opts: Mapping[str, Any], exclusions: pd.DataFrame,
           summarize: Callable[..., tuple[pd.DataFrame, pd.DataFrame]],
           frozen: Mapping[Any, Limits] | None = None) -> RunChart:
    g = groups.reset_index(drop=True)
    m = len(g)
    values = g["value"].to_numpy(dtype=float)
    excluded = g["excluded"].to_numpy(dtype=bool)
    stage_codes, stage_values = pd.factorize(g["stage"])
    center = np.full(m, np.nan)
    stage_limits: dict[Any, Limits] = {}
    runs_rows: list[dict[str, Any]] = []
    fired: list[pd.DataFrame] = []
    min_points = int(opts["min_points"])
    tests = opts["tests"]
    for j, stage in enumerate(stage_values):
        idx = np.flatnonzero(stage_codes == j)
        used = idx[~excluded[idx]]
        if frozen is not None and stage in frozen:
            lim = frozen[stage]
        elif opts["center"] != "median":
            lim = Limits(chart="run", params={"center": float(opts["center"])},
                         method="standard")
        else:
            base = used[(g["phase"].to_numpy()[used] == "I")]
            if len(base) == 0:
                raise InsufficientDataError(
                    f"stage {stage!r} has no baseline points to take the median of (all "
                    "excluded); include some points or give center=")
            lim = Limits(chart="run", params={"center": float(np.median(values[base]))},
                         method="median")
        stage_limits[stage] = lim
        c = float(lim.params["center"])
        center[idx] = c
        if len(used) < min_points:
            where = f" in stage {stage!r}" if len(stage_values) > 1 else ""
            raise InsufficientDataError(
                f"a run chart needs at least {min_points} points for its runs analysis; got "
                f"{len(used)}{where} (Anhøj's limits are defined from 10 useful points). "
                "Collect more points, pass min_points= a smaller number to run the analysis "
                "anyway (its limits are then less reliable), or plot the values as a plain "
                "line")
        r = _analyse(values[used], c)
        row: dict[str, Any] = {
            "stage": stage, "center": c, "n_points": int(len(used)), "n_useful": r.n_useful,
            "longest_run": r.longest_run, "longest_run_max": r.longest_run_max,
            "crossings": r.crossings, "crossings_min": r.crossings_min,
            "long_run": bool(r.n_useful > 0 and r.longest_run > r.longest_run_max),
            "few_crossings": bool(r.n_useful > 0 and r.crossings < r.crossings_min),
        }
        sig = row["long_run"] or row["few_crossings"]
        if "anhoej" in tests and row["long_run"]:
            pos = used[r.long_run_points]
            fired.append(pd.DataFrame({
                "position": pos, "rule": "anhoej_long_run",
                "description": _DESCRIPTIONS["anhoej_long_run"].format(
                    run=r.longest_run, limit=r.longest_run_max)}))
        if "anhoej" in tests and row["few_crossings"]:
            side = np.sign(values[used] - c)
            pos = used[side != 0]
            fired.append(pd.DataFrame({
                "position": pos, "rule": "anhoej_few_crossings",
                "description": _DESCRIPTIONS["anhoej_few_crossings"].format(
                    crossings=r.crossings, limit=r.crossings_min)}))
        if "anhoej" not in tests:
            sig = False
        if "swed_eisenhart" in tests and r.n_useful:
            lo, hi, expected = swed_eisenhart_limits(r.n_above, r.n_below)
            row.update(n_runs=r.n_runs, runs_expected=expected, runs_min=lo, runs_max=hi)
            if not lo <= r.n_runs <= hi:
                sig = True
                side = np.sign(values[used] - c)
                fired.append(pd.DataFrame({
                    "position": used[side != 0], "rule": "swed_eisenhart",
                    "description": _DESCRIPTIONS["swed_eisenhart"].format(
                        runs=r.n_runs, lo=lo, hi=hi)}))
        row["signal"] = bool(sig)
        runs_rows.append(row)
    if "trend" in tests:
        k = int(opts["trend_points"])
        trend_values = np.where(excluded, np.nan, values)
        out = evaluate([Rule(id="trend", kind="trend", k=k,
                             description=_DESCRIPTIONS["trend"])],
                       trend_values, center, np.nan, np.nan, np.nan, segment=stage_codes)
        if len(out):
            fired.append(out[["position", "rule", "description"]])
            for j in np.unique(stage_codes[out["position"].to_numpy()]):
                runs_rows[int(j)]["signal"] = True

    rule_order = {"anhoej_long_run": 0, "anhoej_few_crossings": 1, "swed_eisenhart": 2,
                  "trend": 3}
    if fired:
        sig_df = pd.concat(fired, ignore_index=True)
        sig_df["_o"] = sig_df["rule"].map(rule_order)
        sig_df = sig_df.sort_values(["position", "_o"], kind="stable").drop(columns="_o")
        sig_df = sig_df.reset_index(drop=True)
    else:
        sig_df = pd.DataFrame({"position": pd.Series(dtype=np.int64),
                               "rule": pd.Series(dtype=object),
                               "description": pd.Series(dtype=object)})
    pos = sig_df["position"].to_numpy(dtype=np.int64)
    signals = pd.DataFrame({
        "panel": "run", "subgroup": g["subgroup"].to_numpy()[pos],
        "time": g["time"].to_numpy()[pos], "position": pos,
        "stage": g["stage"].to_numpy()[pos], "phase": g["phase"].to_numpy()[pos],
        "statistic": values[pos], "rule": sig_df["rule"].to_numpy(),
        "description": sig_df["description"].to_numpy(),
    })
    rules_text = np.full(m, "", dtype=object)
    for p, grp in signals.groupby("position", sort=True):
        rules_text[int(p)] = ",".join(grp["rule"])
    points = pd.DataFrame({
        "panel": "run", "subgroup": g["subgroup"], "time": g["time"], "n": g["n"],
        "statistic": values, "center": center, "lcl": np.nan, "ucl": np.nan,
        _SIGMA_COL: np.nan, "phase": g["phase"], "stage": g["stage"],
        "excluded": excluded, "exclude_reason": g["exclude_reason"],
        "signal": rules_text != "", "rules": rules_text.astype(str),
    })
    assert tuple(points.columns) == FRAME_COLUMNS
    limits = pd.DataFrame([{
        "panel": "run", "stage": st, "n": 1, "center": lim.params["center"],
        "lcl": np.nan, "ucl": np.nan, "method": lim.method,
        "baseline_subgroups": int(((stage_codes == j) & ~excluded
                                   & (g["phase"].to_numpy() == "I")).sum()),
        # the runs analysis next to the center line (what the CLI prints)
        **{key: runs_rows[j][key] for key in ("n_useful", "longest_run", "longest_run_max",
                                              "crossings", "crossings_min")},
    } for j, (st, lim) in enumerate(stage_limits.items())])
    parameters = {k: v for k, v in opts.items()}
    frozen_now = dict(stage_limits)

    def monitor(new_data: pd.DataFrame) -> RunChart:
        new_groups, new_excl = summarize(new_data, use_exclude=False)
        last = list(frozen_now)[-1]
        new_groups = new_groups.assign(stage=last, phase="II", excluded=False,
                                       exclude_reason="")
        clash = set(new_groups["subgroup"]) & set(g["subgroup"])
        if clash:
            raise ValueError(
                f"monitor(): point id(s) {sorted(clash, key=str)[:5]} are already on the "
                "chart; give new points new ids")
        both = pd.concat([g, new_groups], ignore_index=True)
        excl = pd.concat([exclusions, new_excl], ignore_index=True)
        return _build(both, opts, excl, summarize, frozen_now)

    data = g[["subgroup", "value", "phase", "stage", "excluded"]].reset_index(drop=True)
    return RunChart(
        chart="run", points=points, limits=limits, signals=signals, exclusions=exclusions,
        data=data, parameters=parameters, stage_limits=frozen_now, panel_names=("run",),
        _monitor=monitor, runs=pd.DataFrame(runs_rows),
    )


def _resolve_tests(tests: str | Sequence[str]) -> tuple[str, ...]:
    items = (tests,) if isinstance(tests, str) else tuple(tests)
    for t in items:
        if t not in RUN_TESTS:
            from leankit.errors import suggest

            raise ValueError(f"tests= has unknown test {t!r}{suggest(str(t), RUN_TESTS) or '.'}"
                             f" Valid tests: {', '.join(RUN_TESTS)}")
    if not items:
        raise ValueError(f"tests= must name at least one of {', '.join(RUN_TESTS)}")
    return tuple(dict.fromkeys(items))


def run_chart(
    data: pd.DataFrame,
    *,
    value: str,
    time: str | None = None,
    subgroup: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    center: Literal["median"] | float = "median",
    tests: RunTest | Sequence[RunTest] = "anhoej",
    trend_points: int = 6,
    min_points: int = MIN_POINTS,
    missing: Missing = "raise",
) -> RunChart:
    """Run chart: the values in time order around their median, with a runs analysis.

    Use it where no baseline exists yet (a new measure, few points, an improvement
    project): it needs no sigma and no distribution, and tells whether the process
    shifted. If it finds non-random variation, do not compute control limits over the
    whole series.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per point (a value per day, week, batch ...).
    value : str
        Column of the values.
    time : str, optional
        Column to sort the points by (otherwise row order).
    subgroup : str, optional
        Column of point labels (default: the row index); must be unique.
    stage : str, optional
        Column of stage labels (before/after a change): each stage has its own median
        and its own runs analysis.
    exclude : str, mapping or sequence, optional
        Points left out of the median and the runs analysis but still plotted (a
        reason column, a mapping ``{label: reason}`` or a list of labels).
    center : "median" or float, default "median"
        The center line: the median of each stage's baseline points, or a given value
        (a target, or a median frozen from earlier data).
    tests : str or list of str, default "anhoej"
        ``"anhoej"`` (unusually long run, too few crossings), ``"swed_eisenhart"`` (the
        classic runs count: too few or too many runs about the median, exact two-sided
        5 % limits) and ``"trend"`` (``trend_points`` points steadily up or down).
    trend_points : int, default 6
        Points that make a trend for ``tests="trend"``.
    min_points : int, default 10
        Fewest non-excluded points per stage for a runs analysis.
    missing : {"raise", "exclude"}, default "raise"
        What to do with rows whose value is missing.

    Returns
    -------
    RunChart
        ``to_frame()`` columns: panel (``"run"``), subgroup, time, n, statistic (the
        value), center (the median), lcl, ucl, sigma (NaN: a run chart has no limits),
        phase, stage, excluded, exclude_reason, signal, rules (``anhoej_long_run``,
        ``anhoej_few_crossings``, ``swed_eisenhart``, ``trend``). ``runs``: the
        analysis per stage. ``monitor(new)`` scores new points against the frozen median.

    Raises
    ------
    InsufficientDataError
        Fewer than ``min_points`` points in a stage (the message says how to go on).
    ColumnNotFoundError
        A named column is not in the data.
    SchemaError
        Labels repeat, or the values are not numeric.

    Notes
    -----
    Useful points are the non-excluded points not on the center line; ``n`` is their
    number. A run is a maximal sequence of useful points on one side; crossings =
    runs − 1. Signals: longest run ``> round(log2(n)) + 3``; crossings
    ``< qbinom(0.05, n − 1, 0.5)``. A long run flags its points; too few crossings (or
    a runs count outside the Swed–Eisenhart limits) is a property of the whole stage and
    flags all its useful points. The analysis only depends on the order of the points
    and their side of the center, so it is unchanged by any increasing transformation of
    the values.

    References
    ----------
    Anhøj, J. and Olesen, A. V. (2014). Run charts revisited. PLoS ONE 9(11): e113825.
    Anhøj, J. (2015). Diagnostic value of run chart analysis. PLoS ONE 10(3): e0121349.
    Swed, F. S. and Eisenhart, C. (1943). Tables for testing randomness of grouping in a
    sequence of alternatives. Ann. Math. Statist. 14(1): 66–87.

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import spc
    >>> df = pd.DataFrame({"week": range(1, 13),
    ...                    "lead_time": [5, 7, 6, 8, 6, 7, 3, 2, 4, 3, 2, 3]})
    >>> chart = spc.run_chart(df, value="lead_time", time="week")
    >>> chart
    <RunChart: 12 points, non-random variation>
    >>> for item, val in chart.summary().rows[2:]:
    ...     print(f"{item}: {val}")
    median: 4.5
    useful points: 12
    longest run: 6 (limit 7: not unusual)
    crossings: 1 (limit 3: too few)
    """
    tests_t = _resolve_tests(tests)
    if center != "median" and not (isinstance(center, (int, float)) and not isinstance(
            center, bool) and math.isfinite(center)):
        raise ValueError(f"center= must be 'median' or a finite number, got {center!r}")
    if isinstance(min_points, bool) or not isinstance(min_points, int) or min_points < 1:
        raise ValueError(f"min_points= must be a whole number >= 1, got {min_points!r}")
    if isinstance(trend_points, bool) or not isinstance(trend_points, int) or trend_points < 2:
        raise ValueError(f"trend_points= must be a whole number >= 2, got {trend_points!r}")
    _require(data, value=value, time=time, subgroup=subgroup, stage=stage)
    keep = [c for c in (value, time, subgroup, stage) if c]
    if isinstance(exclude, str):
        keep.append(exclude)

    def to_groups(df: pd.DataFrame, exclude: Exclude) -> pd.DataFrame:
        x = _numeric(df[value], "value")
        key = df[subgroup] if subgroup else pd.Series(df.index, index=df.index)
        if key.duplicated().any():
            dup = key[key.duplicated()].head(3).tolist()
            raise SchemaError(
                f"run_chart needs one row per point, but labels {dup} repeat in "
                f"{subgroup or 'the index'}; aggregate first (e.g. the mean or median per "
                "period with DataFrame.groupby)")
        groups = one_per_row(x, key, "value")
        return _finish_groups(groups, df, key=key, time=time, stage=stage, exclude=exclude,
                              sub_col=subgroup, one_row_each=True)

    summarize = _prepare(time=time, stage=stage, exclude=exclude, rows_to_groups=to_groups,
                         keep=keep, missing=missing)

    opts = {"chart": "run", "value": value, "time": time, "subgroup": subgroup,
            "stage": stage, "center": center if center == "median" else float(center),
            "tests": tests_t, "trend_points": trend_points, "min_points": min_points,
            "rules": tests_t}
    groups, excl = summarize(data)
    return _build(groups, opts, excl, summarize)


# ------------------------------------------------------------------------- registry


def _registry_run_chart(data: pd.DataFrame, *, rules: Any = "anhoej",
                        nsigmas: float | None = None,
                        tests: RunTest | Sequence[RunTest] | None = None,
                        **kwargs: Any) -> RunChart:
    """:func:`run_chart` for generic callers (``spc.chart(type="run")``, the CLI, report
    specs), which pass the common arguments ``rules=`` and ``nsigmas=``.

    ``rules=`` names the run-chart tests (``"anhoej"``, ``"swed_eisenhart"``,
    ``"trend"``: the family's ``valid_rules``); Shewhart rules (``"we"`` ...) need sigma
    limits, which a run chart does not have, and are refused. ``nsigmas=`` other than 3
    is refused (there are no sigma limits to widen).
    """
    for name in ("limits", "dispersion_rules", "rule_params", "by"):
        if kwargs.get(name) not in (None, "limits"):
            raise TypeError(f"run_chart does not take {name}=: a run chart has no sigma "
                            "limits (see leankit.spc.run_chart)")
        kwargs.pop(name, None)
    if nsigmas is not None and float(nsigmas) != 3.0:
        raise ValueError(f"nsigmas={nsigmas!r} does not apply to a run chart: it has no sigma "
                         "limits, only the median and a runs analysis")
    if tests is None and rules is not None:
        from leankit.spc._families import get_family

        get_family("run").check_rules(rules)
        tests = (rules,) if isinstance(rules, str) else tuple(rules)  # type: ignore[assignment]
    return run_chart(data, tests=tests if tests is not None else "anhoej", **kwargs)


_registry_run_chart.__name__ = "run_chart"


def _run_estimate(baseline: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
    """Engine path: the center is the median of the baseline values."""
    x = baseline["value"].to_numpy(dtype=float)
    if len(x) == 0:
        raise InsufficientDataError("no baseline points to take the median of")
    return {"center": float(np.median(x))}


def _run_arrays(panel: str, g: pd.DataFrame, params: Mapping[str, float], k: float,
                opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Engine path: the values around the median, no limits (NaN)."""
    m = len(g)
    nan = np.full(m, np.nan)
    return {"statistic": g["value"].to_numpy(dtype=float),
            "center": np.full(m, float(params["center"])), "sigma_statistic": nan,
            "lcl": nan.copy(), "ucl": nan.copy()}


def _register() -> None:
    from leankit.spc._families import ChartFamily, Panel, register_family

    register_family(ChartFamily(
        id="run", title="Run chart", aliases=("run_chart",),
        description="no baseline yet, few points or a first look: values around their "
                    "median with the Anhøj runs analysis (no sigma limits)",
        panels=(Panel(name="run", title="Value", y_title="value", show_lcl=False,
                      show_ucl=False),),
        input="values", param_names=("center",), estimate=_run_estimate,
        arrays=_run_arrays, constructor=_registry_run_chart,
        default_rules="anhoej", valid_rules=RUN_TESTS,
        settings={"center": "median", "tests": "anhoej", "trend_points": 6,
                  "min_points": MIN_POINTS}), replace=True)


_register()
