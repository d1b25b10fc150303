"""Run rules as a Markov chain (Champ & Woodall 1987) and as a simulation, for :func:`arl`.

A Shewhart chart with supplementary run rules is a finite Markov chain when every rule
only needs a bounded summary of the past *classes* of points, a class being the interval
of the real line a point falls in between the zone boundaries (0, ±zone of each zone
rule, ±nsigmas). That holds for ``beyond_limits``, ``k_of_m``, ``run``, ``within`` and
``outside``. ``trend`` and ``alternating`` compare a point with the previous *value*, so
they need a continuous state; they are simulated with the charts' own rule engine.

The state of the chain is the tuple of the per-rule states; the chain is built by a
breadth-first search over the states reachable from the empty history, so only reachable
states are kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.special import ndtr

from leankit.spc._rules import Rule, _Chart, _fire

__all__ = ["MARKOV_KINDS", "ShewhartChain", "build_chain", "first_signals", "region_probs"]

#: Rule kinds with an exact finite-state representation.
MARKOV_KINDS = frozenset({"beyond_limits", "k_of_m", "run", "within", "outside"})

_FloatArray = npt.NDArray[np.float64]
_IntArray = npt.NDArray[np.int64]

# A per-rule state is a small tuple of ints; a chain state is the tuple of those.
_RuleState = tuple[int, ...]
_State = tuple[_RuleState, ...]


@dataclass(frozen=True, slots=True)
class ShewhartChain:
    """The transient part of the chain, for one rule set (independent of the shift).

    ``moves[j]`` lists (from, to) pairs of the non-signalling transitions taken when a
    point falls in region *j*; the probabilities of the regions depend on the shift.
    """

    boundaries: _FloatArray
    n_states: int
    moves: tuple[tuple[_IntArray, _IntArray], ...]
    can_signal: bool = True  # False: no sequence of points ever fires a rule

    def matrix(self, mean: float) -> sp.csr_matrix:
        """Transient transition matrix Q for points ~ N(mean, 1); state 0 is the start."""
        probs = region_probs(self.boundaries, mean)
        rows, cols, vals = [], [], []
        for p, (src, dst) in zip(probs, self.moves, strict=True):
            if p > 0 and src.size:
                rows.append(src)
                cols.append(dst)
                vals.append(np.full(src.size, p))
        if not rows:
            return sp.csr_matrix((self.n_states, self.n_states))
        q = sp.coo_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(self.n_states, self.n_states),
        )
        return q.tocsr()  # duplicates are summed


def region_probs(boundaries: _FloatArray, mean: float) -> _FloatArray:
    """Probabilities of the intervals between *boundaries* for N(mean, 1), tail-accurate."""
    edges = np.concatenate(([-np.inf], boundaries, [np.inf])) - mean
    lo, hi = edges[:-1], edges[1:]
    upper = lo >= 0  # both edges above the mean: use the upper tail for precision
    with np.errstate(invalid="ignore"):
        p = np.where(upper, ndtr(-lo) - ndtr(-hi), ndtr(hi) - ndtr(lo))
    return np.asarray(np.clip(p, 0.0, 1.0), dtype=np.float64)


def _boundaries(rules: Sequence[Rule], nsigmas: float) -> _FloatArray:
    cuts = {0.0}
    for rule in rules:
        if rule.kind == "beyond_limits":
            cuts |= {nsigmas, -nsigmas}
        elif rule.kind in ("k_of_m", "within", "outside"):
            cuts |= {rule.zone, -rule.zone}
    return np.array(sorted(cuts), dtype=np.float64)


def _representatives(boundaries: _FloatArray) -> list[float]:
    b = boundaries.tolist()
    reps = [b[0] - 1.0]
    reps += [(lo + hi) / 2 for lo, hi in zip(b[:-1], b[1:], strict=True)]
    reps.append(b[-1] + 1.0)
    return reps


def _initial(rule: Rule) -> _RuleState:
    if rule.kind == "k_of_m":
        return (0,) * (rule.m - 1)
    if rule.kind == "outside":
        return (0, 0, 0)  # run length (capped at k-1), age of last point above, below
    if rule.kind in ("run", "within"):
        return (0,)
    return ()


def _step(rule: Rule, state: _RuleState, x: float, nsigmas: float) -> _RuleState | None:
    """Next state of one rule after a point at *x* (sigma units), or None if it signals.

    Mirrors :func:`leankit.spc._rules._fire` (strict inequalities; first signal only).
    """
    k = rule.k
    if rule.kind == "beyond_limits":
        return None if abs(x) > nsigmas else state
    if rule.kind == "run":
        side = 1 if x > 0 else -1
        run = state[0]
        run = run + side if run * side > 0 else side
        return None if abs(run) >= k else (run,)
    if rule.kind == "within":
        count = state[0] + 1 if abs(x) < rule.zone else 0
        return None if count >= k else (count,)
    cls = 1 if x > rule.zone else (-1 if x < -rule.zone else 0)
    if rule.kind == "k_of_m":
        # state: classes of the previous m-1 points, newest first
        if cls and 1 + sum(1 for c in state if c == cls) >= k:
            return None
        return ((cls, *state[:-1]) if state else ())
    # outside: k in a row beyond the zone with points on both sides within the last k
    run, age_hi, age_lo = state
    if not cls:
        return (0, 0, 0)
    other = age_lo if cls > 0 else age_hi  # age (1 = previous point) of the other side, 0 = none
    if run + 1 >= k and other:
        return None

    def older(age: int) -> int:
        return age + 1 if age and age + 1 <= k - 1 else 0

    newest = 1 if k > 1 else 0  # with k = 1 no earlier point is in the window
    new_hi = newest if cls > 0 else older(age_hi)
    new_lo = newest if cls < 0 else older(age_lo)
    return (min(run + 1, k - 1), new_hi, new_lo)


def build_chain(rules: Sequence[Rule], nsigmas: float, max_states: int = 200_000) -> ShewhartChain:
    """Enumerate the reachable states of the rules' joint chain (all kinds in MARKOV_KINDS)."""
    boundaries = _boundaries(rules, nsigmas)
    reps = _representatives(boundaries)
    start: _State = tuple(_initial(r) for r in rules)
    index: dict[_State, int] = {start: 0}
    queue: list[_State] = [start]
    moves: list[tuple[list[int], list[int]]] = [([], []) for _ in reps]
    signalling: set[int] = set()  # states with a region that fires a rule
    head = 0
    while head < len(queue):
        state = queue[head]
        src = index[state]
        head += 1
        for j, x in enumerate(reps):
            nxt: list[_RuleState] = []
            for rule, sub in zip(rules, state, strict=True):
                s = _step(rule, sub, x, nsigmas)
                if s is None:
                    signalling.add(src)
                    break
                nxt.append(s)
            else:
                key = tuple(nxt)
                dst = index.get(key)
                if dst is None:
                    dst = index[key] = len(queue)
                    queue.append(key)
                    if len(queue) > max_states:
                        raise MemoryError  # caught by the caller, reported as a clear error
                moves[j][0].append(src)
                moves[j][1].append(dst)
    return ShewhartChain(
        boundaries=boundaries,
        n_states=len(queue),
        moves=tuple(
            (np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)) for a, b in moves
        ),
        can_signal=bool(signalling),  # every state is reachable, so any signal is too
    )


def first_signals(
    rules: Sequence[Rule], x: _FloatArray, nsigmas: float, groups: Sequence[Sequence[int]]
) -> _IntArray:
    """First signalling point (1-based) of each row of *x*, per group of rule indices.

    Each row is one simulated chart (points ~ the plotted statistic in sigma units, center
    0). Uses the charts' own rule engine (:func:`leankit.spc._rules._fire`), with the
    rows as separate segments. Returns shape (len(groups), rows); 0 = no signal in the row.
    """
    rows, length = x.shape
    flat = x.reshape(-1)
    starts = np.zeros(flat.size, dtype=np.bool_)
    starts[::length] = True
    chart = _Chart(
        flat,
        flat,
        np.ones(flat.size),
        np.full(flat.size, -nsigmas),
        np.full(flat.size, nsigmas),
        starts,
    )
    fired = [_fire(rule, chart).reshape(rows, length) for rule in rules]
    out = np.zeros((len(groups), rows), dtype=np.int64)
    for g, members in enumerate(groups):
        if not members:
            continue
        any_fired = np.zeros((rows, length), dtype=np.bool_)
        for i in members:
            any_fired |= fired[i]
        hit = any_fired.any(axis=1)
        out[g] = np.where(hit, np.argmax(any_fired, axis=1) + 1, 0)
    return out


def default_block(arl_hint: float) -> int:
    """Initial number of points simulated per chart (doubled for charts without a signal)."""
    if not math.isfinite(arl_hint):
        return 512
    return int(min(max(32, arl_hint), 4096))
