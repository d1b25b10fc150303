"""Average run length (ARL) and run-length distribution of Shewhart, EWMA and CUSUM charts.

:func:`arl` computes, for one or more shifts of the process mean, how many points a chart
plots until its first signal: the mean (ARL), standard deviation (SDRL) and quantiles of
that run length, and the probability of at least one signal within *N* points (the
false-alarm probability when the process is in control).

Methods (recorded on the result, per rule for Shewhart charts):

* Shewhart charts with rules that need only the classes of recent points (beyond the
  limits, *k* of *m* beyond a zone, runs on one side, runs within / outside a zone):
  the exact Markov chain of Champ & Woodall (1987).
* Rules that compare a point with the previous value (trends, alternation): seeded
  Monte Carlo simulation with the charts' own rule engine, using the exact chain of the
  other rules as a control variate (``method="markov+simulation"``).
* EWMA (asymptotic limits) and one-sided CUSUM: the integral equation of the run length
  solved by Gauss-Legendre (Nyström) quadrature, the continuous-state limit of the
  Markov chain of Brook & Evans (1972) / Lucas & Saccucci (1990).
* Two-sided CUSUM: ARL from the one-sided ARLs by 1/ARL = 1/ARL⁺ + 1/ARL⁻ (Lucas &
  Crosier 1982); SDRL, quantiles and signal probabilities by simulation.
* EWMA with exact (time-varying) limits: simulation, with the asymptotic-limit chain as
  a control variate.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.special import ndtr

from leankit._summary import Summary
from leankit.errors import LeankitError
from leankit.spc._arl_rules import (
    MARKOV_KINDS,
    ShewhartChain,
    build_chain,
    default_block,
    first_signals,
)
from leankit.spc._rules import Rule, resolve_rules

__all__ = ["RunLength", "RunLengthError", "arl"]

_FloatArray = npt.NDArray[np.float64]
_IntArray = npt.NDArray[np.int64]

ChartKind = Literal["shewhart", "ewma", "cusum"]
Sides = Literal["two", "upper", "lower"]
EwmaLimits = Literal["asymptotic", "time_varying"]

#: Columns of :meth:`RunLength.to_frame` before the quantile columns.
_LEAD_COLUMNS = ("shift", "chart_shift", "arl", "arl_se", "sdrl")

_DEFAULT_SEED = 20_261_204
_GL_PER_PANEL = 8
_MAX_NODES = 2000
_MAX_ITER = 200_000
_MAX_ARL = 1e12
_SIM_POINTS = 5e7  # budget of simulated points per shift
_MIN_SIM = 200
_SHEWHART_POINTS = 2e7  # simulated points per shift scored by the rule engine


class RunLengthError(LeankitError, ValueError):
    """A parameter of :func:`arl` is invalid (λ outside (0, 1], h <= 0, ...).

    Examples
    --------
    >>> from leankit import spc
    >>> try:
    ...     spc.arl("ewma", lam=1.5)
    ... except spc.RunLengthError as exc:
    ...     print(exc)
    lam= must be in (0, 1] (the EWMA weight of the newest point); got 1.5
    """


# --------------------------------------------------------------------------- distributions


@dataclass(frozen=True, slots=True)
class _Exact:
    """Run-length distribution from a chain: P(T > t) for t = 0..len-1, geometric beyond."""

    survival: _FloatArray
    ratio: float

    def sf(self, t: int) -> float:
        last = self.survival.size - 1
        if t <= last:
            return float(self.survival[max(t, 0)])
        return float(self.survival[last] * self.ratio ** (t - last))

    def quantile(self, q: float) -> float:
        target = 1.0 - q
        hits = np.flatnonzero(self.survival <= target * (1 + 1e-12))
        if hits.size:
            return float(max(int(hits[0]), 1))
        last = self.survival.size - 1
        s_last = float(self.survival[last])
        if not 0 < self.ratio < 1:
            return math.inf
        extra = math.log(target / s_last) / math.log(self.ratio)
        return float(last + max(1, math.ceil(extra - 1e-9)))


@dataclass(frozen=True, slots=True)
class _Simulated:
    """Run-length distribution from simulated run lengths (optionally with a control)."""

    run_lengths: _IntArray
    control: _IntArray | None = None
    control_dist: _Exact | None = None
    control_cap: int | None = None  # the control is min(T_M, cap)

    def sf(self, t: int) -> float:
        y = (self.run_lengths > t).astype(np.float64)
        if self.control is None or self.control_dist is None:
            return float(y.mean())
        if self.control_cap is not None:
            t = min(t, self.control_cap - 1)
        c = (self.control > t).astype(np.float64)
        return min(1.0, max(0.0, _control_variate(y, c, self.control_dist.sf(t))[0]))

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.run_lengths, q, method="inverted_cdf"))


@dataclass(frozen=True, slots=True)
class _Missing:
    """No distribution (too long to simulate)."""

    def sf(self, t: int) -> float:
        return math.nan

    def quantile(self, q: float) -> float:
        return math.nan


_Dist = _Exact | _Simulated | _Missing


def _control_variate(y: _FloatArray, c: _FloatArray | None, c_mean: float) -> tuple[float, float]:
    """Mean of *y* (and its standard error), using *c* with known mean *c_mean* as control."""
    n = y.size
    if c is None or n < 3 or float(np.var(c)) == 0.0:
        return float(y.mean()), float(y.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    cov = np.cov(y, c)
    beta = cov[0, 1] / cov[1, 1]
    adj = y - beta * (c - c_mean)
    return float(adj.mean()), float(adj.std(ddof=2) / math.sqrt(n))


# --------------------------------------------------------------------------- chains


def _chain_moments(
    q: sp.spmatrix | _FloatArray, first: _FloatArray, quantile_max: float, min_steps: int = 20
) -> tuple[float, float, _Exact]:
    """ARL, SDRL and distribution of a chain.

    *q* is the transient transition (or Nyström kernel) matrix, *first* the row of
    probabilities (densities x weights) of the transient states after the first point.
    The survival function is iterated for at least *min_steps* points (run rules cannot
    signal before their k-th point, so the ratio may look constant before that).
    """
    size = first.size
    ones = np.ones(size)
    try:
        # SuperLU for both kinds: LAPACK's multithreaded dense solve stalls on busy machines
        # (100x slower for a 160-node kernel with 2 cores shared), SuperLU does not.
        if not sp.issparse(q):
            # kernel entries below 1e-20 change no ARL digit; dropping them makes the
            # kernel of a small-λ EWMA banded (fast LU and iteration)
            dense = np.asarray(q, dtype=np.float64)
            exits = 1.0 - dense.sum(axis=1)
            q = sp.csr_matrix(np.where(dense < 1e-20, 0.0, dense))
        else:
            exits = 1.0 - np.asarray(q.sum(axis=1)).ravel()
        lu = spla.splu(sp.csc_matrix(sp.identity(size) - q))
        v = lu.solve(ones)
        w = lu.solve(2 * v - ones)
        qt = sp.csr_matrix(q.T)
    except (RuntimeError, np.linalg.LinAlgError):  # I - Q singular: (almost) never signals
        v = np.full(size, math.inf)
        w = v
        qt, exits = None, v
    mean = 1.0 + float(first @ v)
    if not (math.isfinite(mean) and 1.0 <= mean <= _MAX_ARL):
        raise RunLengthError(
            f"the run length is too long to compute in double precision (ARL beyond "
            f"{_MAX_ARL:.0e} points: a signal per point is rarer than about 1e-12); use "
            "narrower limits (smaller nsigmas, L or h)"
        )
    second = 1.0 + 2.0 * float(first @ v) + float(first @ w)
    sdrl = math.sqrt(max(second - mean * mean, 0.0))
    return mean, sdrl, _survival(qt, first, np.clip(exits, 0.0, 1.0), quantile_max, min_steps)


def _survival(
    qt: Any, first: _FloatArray, exits: _FloatArray, quantile_max: float, min_steps: int
) -> _Exact:
    """P(T > t) by iterating the chain until the tail is geometric (or negligible).

    *exits* is the signal probability from each transient state (1 - row sums of Q); the
    hazard P(T = t+1 | T > t) is computed from it directly (no cancellation near 1), and
    the tail is taken as geometric once the hazard is constant to 1e-9 for 3 steps.
    """
    values = [1.0]
    p = first.copy()
    s = float(p.sum())
    values.append(s)
    hazard, previous, steady = 1.0, math.nan, 0
    stop = min(1e-14, (1.0 - quantile_max) * 1e-3)
    for _ in range(_MAX_ITER):
        if s <= stop:
            break
        hazard = min(max(float(p @ exits) / s, 0.0), 1.0) if s > 0 else 1.0
        p = qt @ p
        s = float(p.sum())
        values.append(s)
        flat = hazard > 0 and abs(hazard - previous) <= 1e-9 * hazard
        steady = steady + 1 if flat else 0  # hazard 0: nothing can signal yet, keep going
        previous = hazard
        if steady >= 3 and len(values) > min_steps:
            break
    return _Exact(survival=np.asarray(values, dtype=np.float64), ratio=1.0 - hazard)


def _gauss_legendre(lo: float, hi: float, panels: int) -> tuple[_FloatArray, _FloatArray]:
    x, w = np.polynomial.legendre.leggauss(_GL_PER_PANEL)
    edges = np.linspace(lo, hi, panels + 1)
    half = (edges[1:] - edges[:-1]) / 2
    mid = (edges[1:] + edges[:-1]) / 2
    nodes = (mid[:, None] + half[:, None] * x[None, :]).reshape(-1)
    weights = (half[:, None] * w[None, :]).reshape(-1)
    return nodes, weights


def _panels(width: float, scale: float, states: int | None) -> int:
    if states is not None:
        return max(1, math.ceil(states / _GL_PER_PANEL))
    return min(max(2, math.ceil(width / scale)), _MAX_NODES // _GL_PER_PANEL)


def _phi(z: _FloatArray) -> _FloatArray:
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _ewma_chain(
    lam: float, limit: float, mean: float, states: int | None, quantile_max: float
) -> tuple[float, float, _Exact]:
    nodes, weights = _gauss_legendre(-limit, limit, _panels(2 * limit, lam, states))

    def row(u: _FloatArray) -> _FloatArray:
        z = (nodes[None, :] - (1 - lam) * u[:, None]) / lam - mean
        return weights[None, :] * _phi(z) / lam

    return _chain_moments(row(nodes), row(np.zeros(1))[0], quantile_max)


def _cusum_chain(
    k: float, h: float, start: float, mean: float, states: int | None, quantile_max: float
) -> tuple[float, float, _Exact]:
    """Upper one-sided CUSUM C = max(0, C + x - k), signal when C > h; x ~ N(mean, 1)."""
    nodes, weights = _gauss_legendre(0.0, h, _panels(h, 0.5, states))

    def row(u: _FloatArray) -> _FloatArray:
        atom = ndtr(k - u - mean)
        dens = weights[None, :] * _phi(nodes[None, :] + k - u[:, None] - mean)
        return np.concatenate([atom[:, None], dens], axis=1)

    q = row(np.concatenate([[0.0], nodes]))
    return _chain_moments(q, row(np.array([start]))[0], quantile_max)


# --------------------------------------------------------------------------- simulation


def _simulate_shewhart(
    rules: Sequence[Rule],
    nsigmas: float,
    mean: float,
    n_sim: int,
    rng: np.random.Generator,
    markov_idx: Sequence[int],
    block: int,
) -> tuple[_IntArray, _IntArray | None]:
    """Simulated run lengths T with all rules, and min(T_M, block) with the Markov rules.

    Every chart is simulated for *block* points, and longer (doubling) until all rules
    signal; the Markov rules' run length is only needed up to *block* (its truncated
    mean is known exactly), so it never prolongs a simulation.
    """
    groups = [list(range(len(rules))), list(markov_idx)]
    out_all = np.zeros(n_sim, dtype=np.int64)
    out_markov = np.full(n_sim, block, dtype=np.int64)
    chunk = max(1, 2_000_000 // block)
    used = 0
    for begin in range(0, n_sim, chunk):
        rows = min(chunk, n_sim - begin)
        x = rng.normal(mean, 1.0, size=(rows, block))
        used += x.size
        todo = np.arange(rows)
        first = True
        while todo.size:
            found = first_signals(rules, x, nsigmas, groups)
            if first:
                hit = found[1] > 0
                out_markov[begin + todo[hit]] = found[1][hit]
                first = False
            done = found[0] > 0
            out_all[begin + todo[done]] = found[0][done]
            todo, x = todo[~done], x[~done]
            if todo.size:
                x = np.concatenate([x, rng.normal(mean, 1.0, size=x.shape)], axis=1)
                used += x.size
                if used > _SHEWHART_POINTS:
                    raise RunLengthError(
                        f"the simulated run lengths at shift {mean:g} are too long (over "
                        f"{_SHEWHART_POINTS:.0e} simulated points); lower n_sim= or use rules "
                        "that signal sooner"
                    )
    return out_all, (out_markov if markov_idx else None)


def _simulate_ewma_tv(
    lam: float, limit: float, mean: float, n_sim: int, rng: np.random.Generator
) -> tuple[_IntArray, _IntArray]:
    """EWMA with exact limits (and asymptotic limits as control), simulated."""
    z = np.zeros(n_sim)
    t_tv = np.zeros(n_sim, dtype=np.int64)
    t_as = np.zeros(n_sim, dtype=np.int64)
    active = np.arange(n_sim)
    t = 0
    while active.size:
        t += 1
        z = (1 - lam) * z + lam * rng.normal(mean, 1.0, size=active.size)
        h_t = limit * math.sqrt(1 - (1 - lam) ** (2 * t))
        hit_tv = (np.abs(z) > h_t) & (t_tv[active] == 0)
        t_tv[active[hit_tv]] = t
        hit_as = np.abs(z) > limit
        t_as[active[hit_as]] = t
        keep = ~hit_as
        active, z = active[keep], z[keep]
    return t_tv, t_as


def _simulate_cusum(
    k: float, h: float, start: float, mean: float, n_sim: int, rng: np.random.Generator,
    arl_hint: float = 256.0,
) -> _IntArray:
    """Two-sided CUSUM run lengths, simulated in blocks of points.

    Within a block the Lindley form C_t = S_t - min(-C_0, min_{j<=t} S_j) (S the partial
    sums of x - k) gives every step at once.
    """
    block = int(min(max(16, arl_hint), 1024))
    chunk = max(1, 2_000_000 // block)
    out = np.zeros(n_sim, dtype=np.int64)
    for begin in range(0, n_sim, chunk):
        active = np.arange(begin, min(begin + chunk, n_sim))
        hi = np.full(active.size, start)
        lo = np.full(active.size, start)
        t0 = 0
        while active.size:
            x = rng.normal(mean, 1.0, size=(active.size, block))
            s_hi = np.cumsum(x - k, axis=1)
            s_lo = np.cumsum(-x - k, axis=1)
            c_hi = s_hi - np.minimum(-hi[:, None], np.minimum.accumulate(s_hi, axis=1))
            c_lo = s_lo - np.minimum(-lo[:, None], np.minimum.accumulate(s_lo, axis=1))
            fired = (c_hi > h) | (c_lo > h)
            hit = fired.any(axis=1)
            out[active[hit]] = t0 + np.argmax(fired[hit], axis=1) + 1
            keep = ~hit
            active, hi, lo = active[keep], c_hi[keep, -1], c_lo[keep, -1]
            t0 += block
    return out


def _sim_budget(n_sim: int, arl_hint: float) -> int:
    """Number of charts to simulate within about _SIM_POINTS simulated points (0: none)."""
    if not math.isfinite(arl_hint):
        return 0
    n = min(n_sim, int(_SIM_POINTS / max(arl_hint, 1.0)))
    return n if n >= _MIN_SIM else 0


# --------------------------------------------------------------------------- result


def _quantile_name(q: float) -> str:
    pct = q * 100
    text = f"{pct:g}".replace(".", "_")
    return f"q{text:0>2}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunLength:
    """Run-length properties of a control chart for one or more shifts (see :func:`arl`).

    Attributes
    ----------
    chart : str
        ``"shewhart"``, ``"ewma"`` or ``"cusum"``.
    table : pandas.DataFrame
        One row per shift (see :meth:`to_frame` for the columns).
    method : str
        ``"markov"`` (exact chain or its integral equation), ``"markov+simulation"``
        (chain for part of the answer, seeded Monte Carlo for the rest) or
        ``"simulation"``.
    rule_methods : dict
        Shewhart charts: rule id -> ``"markov"`` or ``"simulation"``; empty otherwise.
    parameters : dict
        The settings that produced the result (rules, nsigmas, n, lam, L, k, h, ...).
    notes : tuple of str
        How each number was computed, in plain language.
    """

    chart: str
    table: pd.DataFrame
    method: str
    rule_methods: dict[str, str]
    parameters: dict[str, Any]
    notes: tuple[str, ...]
    _dists: tuple[_Dist, ...] = field(repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per shift, as a new DataFrame.

        Columns: ``shift`` (of the process mean, in process sigmas), ``chart_shift`` (of
        the plotted statistic, in its sigmas: shift·√n), ``arl``, ``arl_se`` (Monte Carlo
        standard error; NaN where exact), ``sdrl``, one column per quantile (``q05``,
        ``q50``, ``q95`` by default: the smallest t with P(T <= t) >= q) and ``method``.
        """
        return self.table.copy()

    def __repr__(self) -> str:
        rows = self.table
        zero = rows[rows["shift"] == 0.0]
        arl0 = f", ARL0 {float(zero['arl'].iloc[0]):.4g}" if len(zero) else ""
        what = self.chart
        if self.chart == "shewhart":
            what += " (" + ", ".join(self.parameters["rules"]) + ")"
        shifts = f"{len(rows)} shift" + ("" if len(rows) == 1 else "s")
        return f"<RunLength {what}: {shifts}{arl0}, {self.method}>"

    def signal_probability(self, n_points: int) -> pd.Series:
        """P(at least one signal within the first *n_points* points), per shift.

        Parameters
        ----------
        n_points : int
            Number of plotted points (e.g. subgroups per week).

        Returns
        -------
        pandas.Series
            Indexed by shift. From the exact distribution where the method is Markov,
            otherwise from the simulated run lengths (control-variate estimate).
        """
        n = _count("n_points", n_points, minimum=0)
        values = [1.0 - d.sf(n) for d in self._dists]
        return pd.Series(values, index=pd.Index(self.table["shift"], name="shift"),
                         name=f"p_signal_{n}")

    def false_alarm_probability(self, n_points: int) -> float:
        """P(at least one false signal within *n_points* in-control points).

        Needs shift 0 among the computed shifts. For a chart restarted every period (e.g.
        84 subgroups a week), this is the share of periods with a false signal. Exact for
        Markov methods; where the run length is simulated (trend/alternation rules,
        two-sided CUSUM, time-varying EWMA limits) its Monte Carlo standard error is at
        most √(p(1−p)/n_sim) (smaller with a control variate).

        Examples
        --------
        >>> from leankit import spc
        >>> round(spc.arl("shewhart", rules="we_1").false_alarm_probability(84), 4)
        0.2032
        """
        zero = np.flatnonzero(self.table["shift"].to_numpy() == 0.0)
        if not zero.size:
            raise RunLengthError(
                "false_alarm_probability needs the in-control run length; include 0 in "
                f"shift= (computed shifts: {', '.join(f'{s:g}' for s in self.table['shift'])})"
            )
        n = _count("n_points", n_points, minimum=0)
        return 1.0 - self._dists[int(zero[0])].sf(n)

    def summary(self) -> Summary:
        """Settings, the run-length table and numbered notes on the method."""
        p = self.parameters
        rows: list[tuple[str, object]] = [("chart", self.chart), ("method", self.method)]
        if self.chart == "shewhart":
            rows += [("rules", ", ".join(p["rules"]) or "(none)"), ("nsigmas", p["nsigmas"])]
        elif self.chart == "ewma":
            rows += [("lambda", p["lam"]), ("L", p["L"]), ("limits", p["limits"])]
        else:
            rows += [("k", p["k"]), ("h", p["h"]), ("head start", p["head_start"]),
                     ("sides", p["sides"])]
        rows.append(("subgroup size n", p["n"]))
        return Summary(title=repr(self), rows=tuple(rows), notes=self.notes,
                       tables=(("Run length", self.to_frame()),))


# --------------------------------------------------------------------------- validation


def _number(name: str, value: object, *, lo: float | None = None, hi: float | None = None,
            lo_open: bool = True, what: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise RunLengthError(f"{name}= must be a number{what}; got {value!r}")
    x = float(value)
    bad = not math.isfinite(x)
    if lo is not None:
        bad |= x <= lo if lo_open else x < lo
    if hi is not None:
        bad |= x > hi
    if bad:
        if lo is not None and hi is not None:
            rng = f"in ({lo:g}, {hi:g}]" if lo_open else f"in [{lo:g}, {hi:g}]"
        elif lo is not None:
            rng = f"greater than {lo:g}" if lo_open else f"at least {lo:g}"
        else:
            rng = "finite"
        raise RunLengthError(f"{name}= must be {rng}{what}; got {value!r}")
    return x


def _count(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise RunLengthError(f"{name}= must be a whole number >= {minimum}; got {value!r}")
    return int(value)


def _values(name: str, value: object) -> list[object]:
    if isinstance(value, numbers.Real):
        return [value]
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise RunLengthError(f"{name}= must be a number or a sequence of numbers; got {value!r}")
    return list(value)


def _shifts(shift: object) -> _FloatArray:
    values = _values("shift", shift)
    out = [_number("shift", v, what=" (mean shift in process sigmas)") for v in values]
    if not out:
        raise RunLengthError("shift= is empty; give at least one shift, e.g. shift=[0, 1, 2]")
    return np.asarray(out, dtype=np.float64)


def _choice(name: str, value: object, options: Sequence[str]) -> str:
    if value not in options:
        raise RunLengthError(
            f"{name}= must be one of {', '.join(repr(o) for o in options)}; got {value!r}"
        )
    return cast(str, value)


# --------------------------------------------------------------------------- public


def arl(
    chart: ChartKind = "shewhart",
    *,
    shift: float | Sequence[float] = 0.0,
    n: int = 1,
    rules: Any = "we_1",
    nsigmas: float = 3.0,
    lam: float = 0.2,
    L: float = 3.0,  # noqa: N803 - the textbook's name
    limits: EwmaLimits = "asymptotic",
    k: float = 0.5,
    h: float = 5.0,
    head_start: float = 0.0,
    sides: Sides = "two",
    states: int | None = None,
    quantiles: Sequence[float] = (0.05, 0.5, 0.95),
    n_sim: int = 10_000,
    seed: int = _DEFAULT_SEED,
) -> RunLength:
    """Average run length and run-length distribution of a control chart.

    The run length is the number of points plotted up to and including the first signal,
    for a process whose mean has shifted by ``shift`` process sigmas from the start
    (``shift=0``: the in-control run length, whose mean is ARL0).

    Parameters
    ----------
    chart : {"shewhart", "ewma", "cusum"}, default "shewhart"
        The chart family.
    shift : float or sequence of float, default 0
        Shift(s) of the process mean in process sigmas; one result row per shift.
    n : int, default 1
        Subgroup size: the chart plots subgroup means, so a process shift δ moves the
        plotted statistic by δ·√n of its own sigmas.
    rules : str, Rule or list, default "we_1"
        Shewhart only: run rules as the charts take them (``"we"``, ``"nelson"``, a rule
        id such as ``"we_2"``, a :class:`Rule`, or a list).
    nsigmas : float, default 3
        Shewhart only: control limits at ±nsigmas (zone rules use their own zones).
    lam : float, default 0.2
        EWMA only: the weight λ of the newest point, in (0, 1].
    L : float, default 3
        EWMA only: limits at ±L·σ·√(λ/(2−λ)) (asymptotic).
    limits : {"asymptotic", "time_varying"}, default "asymptotic"
        EWMA only: asymptotic limits (exact chain) or the exact limits
        ±L·σ·√(λ/(2−λ)·(1−(1−λ)^{2t})) (simulation).
    k : float, default 0.5
        CUSUM only: reference value in sigmas (half the shift to detect quickly), >= 0.
    h : float, default 5
        CUSUM only: decision interval in sigmas, > 0.
    head_start : float, default 0
        CUSUM only: starting value of the sums (fast initial response), in [0, h).
    sides : {"two", "upper", "lower"}, default "two"
        CUSUM only: both one-sided sums, or only the upper (lower) one.
    states : int, optional
        EWMA and CUSUM: number of quadrature nodes (default: enough for 6+ significant
        digits, chosen from λ and h).
    quantiles : sequence of float, default (0.05, 0.5, 0.95)
        Run-length quantiles to report, each in (0, 1).
    n_sim : int, default 10000
        Number of simulated charts where a part is simulated.
    seed : int, default 20261204
        Seed of the simulation (results are reproducible).

    Returns
    -------
    RunLength
        ``to_frame()`` columns: ``shift, chart_shift, arl, arl_se, sdrl``, the quantiles
        (``q05, q50, q95``) and ``method``; ``false_alarm_probability(N)`` and
        ``signal_probability(N)``.

    Raises
    ------
    RunLengthError
        For an invalid parameter (λ outside (0, 1], L <= 0, h <= 0, k < 0, ...).
    RuleError
        For an unknown rule id (the message lists the valid ids and sets).

    See Also
    --------
    leankit.spc.resolve_rules : The rule ids and named sets.

    Notes
    -----
    Shewhart rules beyond the limits, *k* of *m* beyond a zone, runs on one side and runs
    within / outside a zone form an exact finite Markov chain on the classes of recent
    points (Champ & Woodall 1987): ARL = p·(I − Q)⁻¹·1 from the transient matrix Q.
    Trend and alternation rules need the previous value: the run length with all rules
    is then simulated with the charts' rule engine, and the ARL is estimated with the
    run length of the Markov rules on the same simulated points as a control variate
    (its exact mean known), ``method="markov+simulation"``, with a Monte Carlo standard
    error.

    EWMA with asymptotic limits and one-sided CUSUM: the integral equation of the ARL
    (the continuous limit of Brook & Evans' 1972 chain) is solved by
    composite Gauss-Legendre quadrature (8 nodes per panel, panels of width λ for EWMA
    and 0.5 for CUSUM). Two-sided CUSUM: 1/ARL = 1/ARL⁺ + 1/ARL⁻ (Lucas & Crosier
    1982) for a zero start (the tests confirm it by simulation to 0.2 %), with SDRL and
    quantiles simulated; with a head start the formula is only approximate, so the
    two-sided run length is simulated.

    SDRL = √(E[T²] − ARL²) with E[T²] from (I − Q)⁻¹(2v − 1), v = (I − Q)⁻¹·1. Quantiles
    are the smallest t with P(T <= t) >= q, from P(T > t) = p·Qᵗ·1 (extended geometrically
    once the ratio P(T > t+1)/P(T > t) is constant to 1e-12).

    References
    ----------
    Champ, C. W., Woodall, W. H. (1987), "Exact results for Shewhart control charts with
    supplementary runs rules", *Technometrics* 29, 393-399.
    Brook, D., Evans, D. A. (1972), "An approach to the probability distribution of CUSUM
    run length", *Biometrika* 59, 539-549.
    Lucas, J. M., Saccucci, M. S. (1990), "Exponentially weighted moving average control
    schemes: properties and enhancements", *Technometrics* 32, 1-12.
    Lucas, J. M., Crosier, R. B. (1982), "Fast initial response for CUSUM quality-control
    schemes", *Technometrics* 24, 199-205.
    Montgomery, D. C., *Introduction to Statistical Quality Control*, 8th ed., Wiley,
    2019, chapter 9 (Tables 9.3, 9.11).

    Examples
    --------
    >>> from leankit import spc
    >>> res = spc.arl("shewhart", rules="we", shift=[0, 1])
    >>> res
    <RunLength shewhart (we_1, we_2, we_3, we_4): 2 shifts, ARL0 91.75, markov>
    >>> res.to_frame()[["shift", "arl", "q50"]].round(2)
       shift    arl   q50
    0    0.0  91.75  65.0
    1    1.0   9.22   8.0
    >>> round(float(spc.arl("cusum", k=0.5, h=4, shift=1.0).to_frame()["arl"][0]), 2)
    8.38
    """
    kind = _choice("chart", chart, ("shewhart", "ewma", "cusum"))
    shifts = _shifts(shift)
    size = _count("n", n, minimum=1)
    qs = _values("quantiles", quantiles)
    qv = [_number("quantiles", q, lo=0.0, hi=1.0, what=" (each a probability)") for q in qs]
    if any(q >= 1.0 for q in qv) or not qv:
        raise RunLengthError(f"quantiles= must be probabilities in (0, 1); got {quantiles!r}")
    n_sim_ = _count("n_sim", n_sim, minimum=100)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise RunLengthError(f"seed= must be a whole number; got {seed!r}")
    if states is not None:
        states = _count("states", states, minimum=_GL_PER_PANEL)
        if states > _MAX_NODES:
            raise RunLengthError(f"states= must be at most {_MAX_NODES}; got {states}")
    qmax = max(qv)
    rng = np.random.default_rng(int(seed))
    means = shifts * math.sqrt(size)
    params: dict[str, Any] = {"n": size, "quantiles": tuple(qv), "n_sim": n_sim_,
                              "seed": int(seed)}
    rule_methods: dict[str, str] = {}
    notes: list[str] = []
    results: list[tuple[float, float, float, _Dist, str]] = []

    if kind == "shewhart":
        chosen = resolve_rules(rules)
        ns = _number("nsigmas", nsigmas, lo=0.0)
        params.update(rules=tuple(r.id for r in chosen), nsigmas=ns)
        markov = [i for i, r in enumerate(chosen) if r.kind in MARKOV_KINDS]
        rule_methods = {r.id: ("markov" if r.kind in MARKOV_KINDS else "simulation")
                        for r in chosen}
        sub = [chosen[i] for i in markov]
        try:
            chain: ShewhartChain = build_chain(sub, ns)
        except MemoryError:
            raise RunLengthError(
                "these rules need more than 200000 Markov states; use fewer or shorter "
                "run rules"
            ) from None
        simulated = len(markov) < len(chosen)
        memory = 20 + 2 * max([max(r.k, r.m) for r in sub] or [1])
        if sub:
            notes.append(
                f"Exact Markov chain (Champ & Woodall 1987) with {chain.n_states} states for "
                + ", ".join(r.id for r in sub) + "."
            )
        if simulated:
            sim_ids = ", ".join(r.id for r in chosen if r.kind not in MARKOV_KINDS)
            notes.append(
                f"{sim_ids} compare a point with the previous value (not a finite Markov "
                f"chain): all rules simulated together with the charts' rule engine, "
                f"{n_sim_} charts per shift, seed {int(seed)}; ARL by control variate "
                "with the exact chain of the other rules; arl_se is the Monte Carlo "
                "standard error, SDRL and quantiles are empirical."
            )
        if not chain.can_signal:
            notes.append("The Markov rules can never signal (e.g. a mixture rule with k=1).")
        for mean in means:
            if sub and chain.can_signal:
                q = chain.matrix(float(mean))
                m_arl, m_sd, m_dist = _chain_moments(q, q.getrow(0).toarray()[0], qmax, memory)
            else:
                m_arl, m_sd, m_dist = math.inf, math.nan, _Exact(np.ones(1), 1.0)
            if not simulated:
                results.append((m_arl, math.nan, m_sd, m_dist, "markov"))
                continue
            block = default_block(m_arl)
            t_all, t_markov = _simulate_shewhart(
                chosen, ns, float(mean), n_sim_, rng, markov, block
            )
            y = t_all.astype(np.float64)
            c = None if t_markov is None else t_markov.astype(np.float64)
            # E[min(T_M, block)] = sum of P(T_M > t) for t < block
            c_mean = sum(m_dist.sf(t) for t in range(block))
            est, se = _control_variate(y, c, c_mean)
            dist = _Simulated(t_all, t_markov, m_dist if t_markov is not None else None,
                              block)
            results.append((est, se, float(y.std(ddof=1)), dist,
                            "markov+simulation" if sub else "simulation"))
    elif kind == "ewma":
        lam_ = _number("lam", lam, lo=0.0, hi=1.0,
                       what=" (the EWMA weight of the newest point)")
        L_ = _number("L", L, lo=0.0, what=" (limits at ±L sigma of the EWMA)")
        lim = _choice("limits", limits, ("asymptotic", "time_varying"))
        params.update(lam=lam_, L=L_, limits=lim)
        width = L_ * math.sqrt(lam_ / (2 - lam_))
        nodes = _GL_PER_PANEL * _panels(2 * width, lam_, states)
        notes.append(
            f"Integral equation of the run length (Brook & Evans 1972, Lucas & Saccucci "
            f"1990, continuous-state limit) by Gauss-Legendre quadrature, {nodes} nodes; "
            f"limits ±{width:.6g} (asymptotic, L·√(λ/(2−λ)))."
        )
        if lim == "time_varying":
            notes.append(
                f"Exact (time-varying) limits: simulated, {n_sim_} charts per shift, seed "
                f"{int(seed)}; ARL by control variate with the asymptotic-limit chain; "
                "arl_se is the Monte Carlo standard error."
            )
        for mean in means:
            a_arl, a_sd, a_dist = _ewma_chain(lam_, width, float(mean), states, qmax)
            if lim == "asymptotic":
                results.append((a_arl, math.nan, a_sd, a_dist, "markov"))
                continue
            if _sim_budget(n_sim_, a_arl) < min(n_sim_, _MIN_SIM):
                raise RunLengthError(
                    f"the EWMA run length at shift {mean:g} (ARL about {a_arl:.3g}) is too long "
                    "to simulate with time-varying limits; use limits='asymptotic' (exact) or "
                    "a smaller L"
                )
            t_tv, t_as = _simulate_ewma_tv(
                lam_, width, float(mean), _sim_budget(n_sim_, a_arl), rng
            )
            est, se = _control_variate(t_tv.astype(np.float64), t_as.astype(np.float64), a_arl)
            results.append((est, se, float(t_tv.std(ddof=1)), _Simulated(t_tv, t_as, a_dist),
                            "markov+simulation"))
    else:
        h_ = _number("h", h, lo=0.0, what=" (decision interval in sigmas)")
        k_ = _number("k", k, lo=0.0, lo_open=False, what=" (reference value in sigmas)")
        hs = _number("head_start", head_start, lo=0.0, lo_open=False,
                     what=" (starting value of the sums, in sigmas)")
        if hs >= h_:
            raise RunLengthError(
                f"head_start= must be below h={h_:g} (a start at h signals at once); got {hs:g}"
                " (the usual fast initial response is h/2)"
            )
        sd = _choice("sides", sides, ("two", "upper", "lower"))
        params.update(k=k_, h=h_, head_start=hs, sides=sd)
        nodes = 1 + _GL_PER_PANEL * _panels(h_, 0.5, states)
        notes.append(
            f"Integral equation of the one-sided run length (Brook & Evans 1972, "
            f"continuous-state limit) by Gauss-Legendre quadrature, {nodes} nodes "
            "including the atom at 0."
        )
        if sd == "two":
            if hs == 0:
                notes.append(
                    "Two-sided ARL from the one-sided ARLs: 1/ARL = 1/ARL+ + 1/ARL- (Lucas & "
                    "Crosier 1982), which holds for a zero start (checked against simulation "
                    "in leankit's tests to 0.2 %); SDRL, quantiles and signal probabilities "
                    f"simulated: {n_sim_} charts per shift, seed {int(seed)}."
                )
            else:
                notes.append(
                    "With a head start 1/ARL = 1/ARL+ + 1/ARL- is only an approximation (it "
                    "overstates the in-control ARL by about 6 % for k=0.5, h=4, head start 2), "
                    f"so the two-sided run length is simulated: {n_sim_} charts per shift, "
                    f"seed {int(seed)}; arl_se is the Monte Carlo standard error."
                )
        for mean in means:
            if sd == "lower":
                results.append((*_one_sided(k_, h_, hs, -float(mean), states, qmax), "markov"))
                continue
            try:
                up_arl, up_sd, up_dist = _cusum_chain(k_, h_, hs, float(mean), states, qmax)
            except RunLengthError:
                if sd == "upper":
                    raise
                up_arl, up_sd, up_dist = math.inf, math.nan, _Exact(np.ones(1), 1.0)
            if sd == "upper":
                results.append((up_arl, math.nan, up_sd, up_dist, "markov"))
                continue
            try:
                lo_arl = _cusum_chain(k_, h_, hs, -float(mean), states, qmax)[0]
            except RunLengthError:  # the lower sum practically never signals
                lo_arl = math.inf
            if math.isinf(up_arl) and math.isinf(lo_arl):
                raise RunLengthError(
                    f"the CUSUM run length at shift {mean:g} is too long to compute (ARL beyond"
                    f" {_MAX_ARL:.0e}); use a smaller h"
                )
            two = 1.0 / (1.0 / up_arl + 1.0 / lo_arl)
            n_run = _sim_budget(n_sim_, two)
            if n_run == 0:
                if hs > 0:
                    raise RunLengthError(
                        f"the two-sided CUSUM run length at shift {mean:g} (ARL about {two:.3g})"
                        " is too long to simulate with a head start; use a smaller h"
                    )
                notes.append(
                    f"Shift {mean:g}: ARL {two:.4g} is too long to simulate; SDRL, quantiles "
                    "and signal probabilities are not given (NaN) for it."
                )
                results.append((two, math.nan, math.nan, _Missing(), "markov"))
                continue
            if n_run < n_sim_:
                notes.append(f"Shift {mean:g}: {n_run} charts simulated (long run lengths).")
            t_two = _simulate_cusum(k_, h_, hs, float(mean), n_run, rng, two)
            sdrl = float(t_two.std(ddof=1))
            if hs == 0:
                results.append((two, math.nan, sdrl, _Simulated(t_two), "markov+simulation"))
            else:
                est, se = _control_variate(t_two.astype(np.float64), None, 0.0)
                results.append((est, se, sdrl, _Simulated(t_two), "simulation"))

    frame: dict[str, Any] = {
        "shift": shifts,
        "chart_shift": means,
        "arl": [r[0] for r in results],
        "arl_se": [r[1] for r in results],
        "sdrl": [r[2] for r in results],
    }
    for q in qv:
        frame[_quantile_name(q)] = [r[3].quantile(q) for r in results]
    frame["method"] = [r[4] for r in results]
    methods = sorted(set(frame["method"]))
    method = methods[0] if len(methods) == 1 else "markov+simulation"
    return RunLength(
        chart=kind,
        table=pd.DataFrame(frame),
        method=method,
        rule_methods=rule_methods,
        parameters=params,
        notes=tuple(notes),
        _dists=tuple(r[3] for r in results),
    )


def _one_sided(
    k: float, h: float, start: float, mean: float, states: int | None, quantile_max: float
) -> tuple[float, float, float, _Exact]:
    a, s, d = _cusum_chain(k, h, start, mean, states, quantile_max)
    return a, math.nan, s, d
