"""Run rules (tests for special causes) for Shewhart control charts.

A :class:`Rule` describes one pattern that is unlikely when only common-cause
variation is present: a point outside the control limits, a run on one side of
the center line, a trend, and so on. The Western Electric and Nelson rules are
built in (:data:`RULES`, grouped in :data:`RULE_SETS`); custom rules are plain
:class:`Rule` values or declarative dicts (:meth:`Rule.from_spec`).

:func:`evaluate` applies rules to a chart's plotted statistic, given per-point
center line, sigma of the plotted statistic and control limits, and returns one
row per point and rule that fired.

Conventions (all rules):

* "Same side" is relative to the center line; a point exactly on the center line
  counts for neither side and ends a same-side run.
* A point must be *strictly* beyond a limit or zone boundary to count as beyond
  it, and *strictly* inside a zone to count as inside it.
* A NaN statistic (or center) ends every run and window it falls in. A NaN or
  non-positive sigma means zone-based rules cannot be applied at that point, so it
  also ends zone-based runs and windows there.
* With ``segment`` (stages), runs and windows never cross a change of segment.
* Runs, trends and windows are flagged at the point that completes the pattern and
  at every later point while it continues (the qcc convention: only the 8th and
  later points of an 8-point run are flagged).

Examples
--------
>>> from leankit.spc._rules import evaluate, resolve_rules
>>> rules = resolve_rules("we")
>>> [r.id for r in rules]
['we_1', 'we_2', 'we_3', 'we_4']
>>> x = [0.5, 3.5, 0.2, 0.4, 0.1, 0.3, 0.6, 0.2, 0.9]
>>> out = evaluate(rules, x, center=0.0, sigma=1.0, lcl=-3.0, ucl=3.0)
>>> for row in out.itertuples(index=False):
...     print(row.position, row.rule, row.description)
1 we_1 Point outside the control limits
7 we_4 8 points in a row on the same side of the center line
8 we_4 8 points in a row on the same side of the center line
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from leankit.errors import LeankitError, suggest

__all__ = [
    "RULES",
    "RULE_KINDS",
    "RULE_SETS",
    "Rule",
    "RuleError",
    "RuleKind",
    "evaluate",
    "resolve_rules",
]

RuleKind = Literal["beyond_limits", "k_of_m", "run", "trend", "alternating", "within", "outside"]

#: Every kind of rule :func:`evaluate` understands.
RULE_KINDS: tuple[str, ...] = get_args(RuleKind)

#: Kinds that use ``zone`` (in sigmas of the plotted statistic).
_ZONE_KINDS = frozenset({"k_of_m", "within", "outside"})

#: Plain-language description used when a rule has none.
_DEFAULT_DESCRIPTIONS: dict[str, str] = {
    "beyond_limits": "Point outside the control limits",
    "k_of_m": "{k} of {m} points in a row more than {zone:g} sigma from the center line, "
    "on the same side",
    "run": "{k} points in a row on the same side of the center line",
    "trend": "{k} points in a row steadily increasing or decreasing",
    "alternating": "{k} points in a row alternating up and down",
    "within": "{k} points in a row within {zone:g} sigma of the center line",
    "outside": "{k} points in a row more than {zone:g} sigma from the center line, on either side",
}

_SPEC_KEYS: tuple[str, ...] = ("id", "kind", "k", "m", "zone", "description")

_FloatArray = npt.NDArray[np.float64]
_BoolArray = npt.NDArray[np.bool_]
_IntArray = npt.NDArray[np.int64]


def _hint(name: str, options: Sequence[str]) -> str:
    return suggest(name, options) or "."


class RuleError(LeankitError, ValueError):
    """A run rule is unknown or invalid, or the arrays given to :func:`evaluate` do not fit.

    Examples
    --------
    >>> try:
    ...     resolve_rules("nelsen_2")
    ... except RuleError as exc:
    ...     print(str(exc)[:61])
    unknown rule or rule set 'nelsen_2'; did you mean 'nelson_2',
    """


@dataclass(frozen=True, slots=True)
class Rule:
    """One run rule (test for special causes).

    Parameters
    ----------
    id : str
        Stable identifier reported in results, e.g. ``"we_1"``, ``"nelson_2"`` or your own.
    kind : str
        One of :data:`RULE_KINDS`:

        ``beyond_limits``
            a point strictly above the upper or below the lower control limit;
        ``k_of_m``
            *k* of *m* consecutive points strictly beyond ``center ± zone·sigma`` on the
            same side; flagged at the last point of the window, which must itself be one
            of the *k* (windows are cut short at the start of the data, of a segment, or
            after a point where zones cannot be applied);
        ``run``
            *k* or more consecutive points strictly on the same side of the center line;
        ``trend``
            *k* consecutive points steadily increasing or decreasing (*k* counts points,
            so ``k=6`` means 5 increases; equal neighbours end a trend);
        ``alternating``
            *k* consecutive points alternating up and down (a zero step ends it);
        ``within``
            *k* consecutive points strictly within ``center ± zone·sigma``;
        ``outside``
            *k* consecutive points strictly beyond ``center ± zone·sigma``, either side.

        ``run``, ``trend``, ``alternating``, ``within`` and ``outside`` flag the *k*-th
        point of the pattern and every later point while it continues.
    k : int, default 1
        Number of points that make the pattern (at least 1; at least 2 for ``trend`` and
        ``alternating``).
    m : int, default 1
        Window length for ``k_of_m`` (at least *k*); ignored by the other kinds.
    zone : float, default 3.0
        Zone boundary in sigmas of the plotted statistic, for ``k_of_m``, ``within`` and
        ``outside``; must be positive.
    description : str, default ""
        Plain-language template; may use ``{k}``, ``{m}`` and ``{zone}`` (e.g. ``{zone:g}``).
        Empty means a default text for the kind.

    Raises
    ------
    RuleError
        If a parameter is invalid.

    Examples
    --------
    >>> rule = Rule(id="my_3_of_4", kind="k_of_m", k=3, m=4, zone=1.5)
    >>> rule.describe()
    '3 of 4 points in a row more than 1.5 sigma from the center line, on the same side'
    >>> RULES["nelson_2"].with_params(k=7).describe()
    '7 points in a row on the same side of the center line'
    """

    id: str
    kind: RuleKind
    k: int = 1
    m: int = 1
    zone: float = 3.0
    description: str = ""

    def __post_init__(self) -> None:
        where = f"rule {self.id!r}" if isinstance(self.id, str) else "rule"
        if not isinstance(self.id, str) or not self.id.strip():
            raise RuleError(f"a rule needs a non-empty text id; got {self.id!r}")
        if self.kind not in RULE_KINDS:
            raise RuleError(
                f"{where}: unknown kind {self.kind!r}{_hint(str(self.kind), RULE_KINDS)}"
                f" Valid kinds: {', '.join(RULE_KINDS)}"
            )
        for name in ("k", "m"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise RuleError(f"{where}: {name} must be a whole number; got {value!r}")
            if value < 1:
                raise RuleError(f"{where}: {name} must be at least 1; got {value}")
            object.__setattr__(self, name, int(value))
        if self.kind in ("trend", "alternating") and self.k < 2:
            raise RuleError(
                f"{where}: kind {self.kind!r} needs k of at least 2 (got k={self.k}); "
                "k counts points, so k=2 is one step"
            )
        if self.kind == "k_of_m" and self.m < self.k:
            raise RuleError(
                f"{where}: the window m must hold at least k points; got k={self.k}, m={self.m}"
                f" (set m to {self.k} or more)"
            )
        zone = self.zone
        if isinstance(zone, bool) or not isinstance(zone, numbers.Real):
            raise RuleError(f"{where}: zone must be a number of sigmas; got {zone!r}")
        if not (math.isfinite(zone) and zone > 0):
            raise RuleError(f"{where}: zone must be a positive number of sigmas; got {zone!r}")
        object.__setattr__(self, "zone", float(zone))
        if not isinstance(self.description, str):
            raise RuleError(f"{where}: description must be text; got {self.description!r}")
        try:
            self.describe()
        except (KeyError, IndexError, ValueError) as exc:
            raise RuleError(
                f"{where}: description {self.description!r} cannot be filled in ({exc!r}); "
                "it may only use the placeholders {k}, {m} and {zone}"
            ) from None

    def describe(self) -> str:
        """Return the plain-language description with the parameters filled in.

        Examples
        --------
        >>> RULES["nelson_7"].describe()
        '15 points in a row within 1 sigma of the center line (stratification: less variation than expected)'
        """  # noqa: E501
        template = self.description or _DEFAULT_DESCRIPTIONS[self.kind]
        return template.format(k=self.k, m=self.m, zone=self.zone)

    def with_params(self, **changes: Any) -> Rule:
        """Return a copy with some parameters changed (``k``, ``m``, ``zone``, ...).

        Examples
        --------
        >>> RULES["nelson_2"].with_params(k=7).k
        7
        """
        unknown = [name for name in changes if name not in _SPEC_KEYS]
        if unknown:
            name = unknown[0]
            raise RuleError(
                f"rule {self.id!r}: {name!r} is not a rule parameter{_hint(name, _SPEC_KEYS)}"
                f" Parameters: {', '.join(_SPEC_KEYS)}"
            )
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Rule:
        """Build a rule from a plain mapping (e.g. a table read from TOML).

        Keys are the field names: ``id`` and ``kind`` (required), ``k``, ``m``, ``zone``
        and ``description`` (optional).

        Examples
        --------
        >>> Rule.from_spec({"id": "short_run", "kind": "run", "k": 6}).describe()
        '6 points in a row on the same side of the center line'
        """
        if not isinstance(spec, Mapping):
            raise RuleError(f"a rule spec must be a mapping of parameters; got {spec!r}")
        for key in spec:
            if key not in _SPEC_KEYS:
                raise RuleError(
                    f"rule spec key {key!r} is not a rule parameter"
                    f"{_hint(str(key), _SPEC_KEYS)} Valid keys: {', '.join(_SPEC_KEYS)}"
                )
        missing = [key for key in ("id", "kind") if key not in spec]
        if missing:
            raise RuleError(
                f"rule spec {dict(spec)!r} lacks {' and '.join(missing)}; "
                f"give at least 'id' and 'kind' (one of {', '.join(RULE_KINDS)})"
            )
        return cls(**dict(spec))

    def to_spec(self) -> dict[str, Any]:
        """Return the rule as a plain dict, the inverse of :meth:`from_spec`.

        Examples
        --------
        >>> RULES["we_4"].to_spec()["k"]
        8
        """
        return {key: getattr(self, key) for key in _SPEC_KEYS}


_K_OF_M = (
    "{k} of {m} points in a row more than {zone:g} sigma from the center line, on the same side"
)
_SHIFT = " (a shift in the process)"

#: Built-in rules by id: Western Electric (``we_1`` ... ``we_4``) and Nelson (``nelson_1`` ...
#: ``nelson_8``).
RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("we_1", "beyond_limits", description="Point outside the control limits"),
        Rule("we_2", "k_of_m", k=2, m=3, zone=2.0, description=_K_OF_M + _SHIFT),
        Rule("we_3", "k_of_m", k=4, m=5, zone=1.0, description=_K_OF_M + _SHIFT),
        Rule(
            "we_4",
            "run",
            k=8,
            description="{k} points in a row on the same side of the center line",
        ),
        Rule("nelson_1", "beyond_limits", description="Point outside the control limits"),
        Rule(
            "nelson_2",
            "run",
            k=9,
            description="{k} points in a row on the same side of the center line",
        ),
        Rule(
            "nelson_3",
            "trend",
            k=6,
            description="{k} points in a row steadily increasing or decreasing",
        ),
        Rule(
            "nelson_4",
            "alternating",
            k=14,
            description="{k} points in a row alternating up and down "
            "(over-adjustment or two alternating sources)",
        ),
        Rule("nelson_5", "k_of_m", k=2, m=3, zone=2.0, description=_K_OF_M + _SHIFT),
        Rule("nelson_6", "k_of_m", k=4, m=5, zone=1.0, description=_K_OF_M + _SHIFT),
        Rule(
            "nelson_7",
            "within",
            k=15,
            zone=1.0,
            description="{k} points in a row within {zone:g} sigma of the center line "
            "(stratification: less variation than expected)",
        ),
        Rule(
            "nelson_8",
            "outside",
            k=8,
            zone=1.0,
            description="{k} points in a row more than {zone:g} sigma from the center line, "
            "on both sides (mixture: none near the center)",
        ),
    )
}

_WE = ("we_1", "we_2", "we_3", "we_4")
_NELSON = tuple(f"nelson_{i}" for i in range(1, 9))

#: Named sets of built-in rule ids, usable wherever a rule id is.
RULE_SETS: dict[str, tuple[str, ...]] = {
    "we": _WE,
    "western_electric": _WE,
    "nelson": _NELSON,
    "limits": ("we_1",),
    "basic": ("we_1",),
    "none": (),
}


def _norm_name(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def _lookup(name: str) -> tuple[Rule, ...]:
    key = _norm_name(name)
    if key in RULE_SETS:
        return tuple(RULES[rid] for rid in RULE_SETS[key])
    if key in RULES:
        return (RULES[key],)
    options = [*RULE_SETS, *RULES]
    raise RuleError(
        f"unknown rule or rule set {name!r}{_hint(key, options)}"
        f" Rule sets: {', '.join(RULE_SETS)}. Rules: {', '.join(RULES)}"
    )


def resolve_rules(
    rules: str | Rule | Mapping[str, Any] | Sequence[str | Rule | Mapping[str, Any]] | None = "we",
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[Rule, ...]:
    """Turn a rule selection into a tuple of :class:`Rule`.

    Parameters
    ----------
    rules : str, Rule, mapping, sequence of these, or None, default "we"
        A rule-set name (see :data:`RULE_SETS`), a built-in rule id (see :data:`RULES`), a
        :class:`Rule`, a rule spec mapping (see :meth:`Rule.from_spec`), or a list mixing
        them. Names are case-insensitive. Duplicates are removed, the first order is kept.
        ``None`` selects no rules.
    params : mapping, optional
        Parameter changes by rule id, e.g. ``{"nelson_2": {"k": 7}}``. Keys must be
        selected rules or built-in rule ids (changes to built-ins that are not selected
        are ignored, so one ``params`` table can serve several selections).

    Returns
    -------
    tuple of Rule

    Raises
    ------
    RuleError
        For an unknown name (with close matches and the valid names), an invalid
        parameter, or two different rules with the same id.

    Examples
    --------
    >>> [r.id for r in resolve_rules(["we", "nelson_3", "we_1"])]
    ['we_1', 'we_2', 'we_3', 'we_4', 'nelson_3']
    >>> resolve_rules("nelson_2", params={"nelson_2": {"k": 7}})[0].k
    7
    """
    if rules is None:
        items: list[str | Rule | Mapping[str, Any]] = []
    elif isinstance(rules, (str, Rule, Mapping)):
        items = [rules]
    elif isinstance(rules, Sequence):
        items = list(rules)
    else:
        raise RuleError(
            f"rules must be a rule-set name, a rule id, a Rule, or a list of these; "
            f"got {type(rules).__name__}"
        )
    chosen: dict[str, Rule] = {}
    for item in items:
        if isinstance(item, Rule):
            found: tuple[Rule, ...] = (item,)
        elif isinstance(item, str):
            found = _lookup(item)
        elif isinstance(item, Mapping):
            found = (Rule.from_spec(item),)
        else:
            raise RuleError(
                f"each rule must be a rule-set name, a rule id, a Rule or a rule spec; got {item!r}"
            )
        for rule in found:
            previous = chosen.get(rule.id)
            if previous is None:
                chosen[rule.id] = rule
            elif previous != rule:
                raise RuleError(
                    f"two different rules share the id {rule.id!r}: {previous!r} and {rule!r}; "
                    "give custom rules their own id, or change built-ins with params="
                )
    for rid, changes in (params or {}).items():
        if rid in chosen:
            if not isinstance(changes, Mapping):
                raise RuleError(
                    f"params for rule {rid!r} must be a mapping such as {{'k': 7}}; got {changes!r}"
                )
            chosen[rid] = chosen[rid].with_params(**changes)
        elif rid not in RULES:
            options = [*chosen, *RULES]
            raise RuleError(
                f"params given for unknown rule {rid!r}{_hint(rid, options)}"
                f" Selected rules: {', '.join(chosen) or '(none)'}"
            )
    return tuple(chosen.values())


# --------------------------------------------------------------------------- evaluation


def _as_float(name: str, values: object, n: int | None) -> _FloatArray:
    """*values* as float64: 1-D of length *n* (None: any), or a single number, returned
    as one element that broadcasts over the points (as is a constant array, e.g. a
    broadcast view: no memory per point)."""
    to_numpy = getattr(values, "to_numpy", None)
    try:
        if to_numpy is not None:
            arr = np.asarray(to_numpy(dtype=float, na_value=np.nan), dtype=np.float64)
        else:
            arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RuleError(f"{name} must be numbers; could not convert it ({exc})") from None
    if n is None:
        if arr.ndim != 1:
            raise RuleError(f"{name} must be a 1-D array; got shape {arr.shape}")
        return arr
    if arr.ndim == 0:
        return arr.reshape(1)
    if arr.shape != (n,):
        raise RuleError(
            f"{name} must be a number or a 1-D array as long as statistic ({n}); "
            f"got shape {arr.shape}"
        )
    if n > 1 and arr.strides == (0,):  # one value spread over the points
        return arr[:1]
    return arr


def _segment_starts(segment: object, n: int) -> _BoolArray:
    starts = np.zeros(n, dtype=np.bool_)
    if n:
        starts[0] = True
    if segment is None:
        return starts
    to_numpy = getattr(segment, "to_numpy", None)
    seg = np.asarray(to_numpy() if to_numpy is not None else segment)
    if seg.shape != (n,):
        raise RuleError(
            f"segment must be a 1-D array as long as statistic ({n}); got shape {seg.shape}"
        )
    if n > 1:
        starts[1:] = np.asarray(seg[1:] != seg[:-1], dtype=np.bool_)
    return starts


def _run_length(cond: _BoolArray, starts: _BoolArray, idx: _IntArray | None = None,
                start_at: _IntArray | None = None) -> _IntArray:
    """Number of consecutive True values ending at each point (0 where False).

    Runs restart at every True in *starts*. *idx* (``arange(n)``) and *start_at* (the
    positions of *starts*) may be given when they are at hand.
    """
    n = cond.size
    if idx is None:
        idx = np.arange(n, dtype=np.int64)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if start_at is None:
        start_at = np.flatnonzero(starts)
    # last position before the current run: i where cond is False, i - 1 where a run
    # restarts at i (a start), -1 elsewhere; its running maximum, subtracted from i
    reset = np.where(cond, -1, idx)
    restart = start_at[cond[start_at]]
    reset[restart] = restart - 1
    np.maximum.accumulate(reset, out=reset)
    np.subtract(idx, reset, out=reset)
    reset[~cond] = 0
    return reset


def _steps(x: _FloatArray, starts: _BoolArray) -> _FloatArray:
    """Sign of each step x[i] - x[i-1] within a segment (0 for none, flat or NaN)."""
    sign = np.zeros(x.size, dtype=np.float64)
    if x.size > 1:
        d = np.sign(x[1:] - x[:-1])
        sign[1:] = np.where(np.isnan(d) | starts[1:], 0.0, d)
    return sign


class _Chart:
    """Per-point inputs, prepared once for all rules (with what several rules share,
    computed on first use). *center*-free: *dev* is statistic - center (NaN where either
    is NaN); *sigma*, *lcl* and *ucl* are as long as *x* or one value for all points."""

    __slots__ = ("_cache", "dev", "lcl", "sigma", "starts", "ucl", "x")

    def __init__(self, x: _FloatArray, dev: _FloatArray, sigma: _FloatArray,
                 lcl: _FloatArray, ucl: _FloatArray, starts: _BoolArray) -> None:
        self.x, self.dev, self.sigma, self.lcl, self.ucl = x, dev, sigma, lcl, ucl
        self.starts = starts  # True at the first point of the data and of each segment
        self._cache: dict[str, Any] = {}

    @property
    def n(self) -> int:
        return int(self.x.size)

    def _get(self, key: str, make: Any) -> Any:
        out = self._cache.get(key)
        if out is None:
            out = self._cache[key] = make()
        return out

    @property
    def idx(self) -> _IntArray:
        """``arange(n)``, in 32 bits when that holds n (half the memory of every run
        length computed from it)."""
        dtype = np.int32 if self.n < 2**31 - 1 else np.int64
        out: _IntArray = self._get("idx", lambda: np.arange(self.n, dtype=dtype))
        return out

    @property
    def start_at(self) -> _IntArray:
        out: _IntArray = self._get("start_at", lambda: np.flatnonzero(self.starts))
        return out

    def run_length(self, cond: _BoolArray) -> _IntArray:
        return _run_length(cond, self.starts, self.idx, self.start_at)

    @property
    def above(self) -> _BoolArray:
        out: _BoolArray = self._get("above", lambda: self.dev > 0)
        return out

    @property
    def below(self) -> _BoolArray:
        out: _BoolArray = self._get("below", lambda: self.dev < 0)
        return out

    @property
    def steps(self) -> _FloatArray:
        out: _FloatArray = self._get("steps", lambda: _steps(self.x, self.starts))
        return out

    @property
    def zone_ok(self) -> _BoolArray:
        """Where zone-based rules can be applied (statistic, center and sigma > 0 known)."""
        def make() -> _BoolArray:
            ok = ~np.isnan(self.dev)
            ok &= self.sigma > 0
            return ok
        out: _BoolArray = self._get("zone_ok", make)
        return out

    @property
    def stretch(self) -> _IntArray:
        """Start of the stretch each point is in: i + 1 after a point where zones do not
        apply, i at a start (the windows of k-of-m rules are cut there)."""
        def make() -> _IntArray:
            out = np.zeros(self.n, dtype=self.idx.dtype)
            out[self.start_at] = self.start_at
            bad = np.flatnonzero(~self.zone_ok)
            out[bad] = bad + 1
            np.maximum.accumulate(out, out=out)
            return out
        out: _IntArray = self._get("stretch", make)
        return out


def _fire(rule: Rule, c: _Chart) -> _BoolArray:
    k = rule.k
    if rule.kind == "beyond_limits":
        return (c.x > c.ucl) | (c.x < c.lcl)
    if rule.kind == "run":
        return (c.run_length(c.above) >= k) | (c.run_length(c.below) >= k)
    if rule.kind in ("trend", "alternating"):
        step = c.steps
        if rule.kind == "trend":
            up = c.run_length(step > 0) >= k - 1
            down = c.run_length(step < 0) >= k - 1
            return up | down
        if k == 2:
            return np.asarray(step != 0, dtype=np.bool_)
        flips = np.zeros(c.n, dtype=np.bool_)
        if c.n > 1:
            flips[1:] = step[1:] * step[:-1] < 0
        return c.run_length(flips) >= k - 2
    # zone-based kinds
    half = rule.zone * c.sigma
    ok = c.zone_ok
    if rule.kind == "within":
        return c.run_length(ok & (np.abs(c.dev) < half)) >= k
    hi = ok & (c.dev > half)
    lo = ok & (c.dev < -half)
    if rule.kind == "outside":
        # Nelson's rule 8: k in a row beyond the zone with points on BOTH sides of the
        # center (a mixture); k points all on one side are a shift, caught by other rules
        run = c.run_length(hi | lo) >= k
        idx = c.idx
        lo_start = np.maximum(idx - k + 1, 0)
        cum_hi = np.concatenate(([0], np.cumsum(hi, dtype=np.int64)))
        cum_lo = np.concatenate(([0], np.cumsum(lo, dtype=np.int64)))
        both = (cum_hi[idx + 1] - cum_hi[lo_start] > 0) & (cum_lo[idx + 1] - cum_lo[lo_start] > 0)
        return run & both
    # k_of_m: the window ending at i is cut short at the start of the current stretch
    # (start of data or segment, or just after a point where zones do not apply).
    if c.n == 0:
        return np.zeros(0, dtype=np.bool_)
    first = np.maximum(c.idx - (rule.m - 1), c.stretch)  # <= c.n
    fired = np.zeros(c.n, dtype=np.bool_)
    total = np.zeros(c.n + 1, dtype=np.int64)
    for side in (hi, lo):
        np.cumsum(side, dtype=np.int64, out=total[1:])
        fired |= side & (total[1:] - total[first] >= k)
    return fired


def evaluate(
    rules: str | Rule | Sequence[str | Rule | Mapping[str, Any]] | None,
    statistic: npt.ArrayLike,
    center: npt.ArrayLike,
    sigma: npt.ArrayLike,
    lcl: npt.ArrayLike,
    ucl: npt.ArrayLike,
    *,
    segment: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Apply run rules to a control chart and list the points where they fire.

    Parameters
    ----------
    rules : sequence of Rule (or anything :func:`resolve_rules` accepts)
        The rules to apply, in reporting order.
    statistic : array_like of float
        The plotted statistic, one value per point (NaN = no value).
    center, sigma, lcl, ucl : array_like of float
        Per point: center line, sigma of the plotted statistic, lower and upper control
        limits (1-D, as long as *statistic*, or a single number for all points). A NaN
        limit means no limit on that side; a NaN or non-positive sigma means zone-based
        rules cannot be applied at that point.
    segment : array_like, optional
        Segment (stage) label per point; runs and windows never cross a change of label.

    Returns
    -------
    pandas.DataFrame
        One row per (point, rule) that fired, with columns ``position`` (int64, 0-based
        index into the arrays), ``rule`` (id) and ``description`` (plain language),
        sorted by position and then by the order of *rules*.

    Raises
    ------
    RuleError
        If the arrays do not have matching lengths or are not numeric, or a rule is invalid.

    Examples
    --------
    >>> from leankit.spc._rules import RULES, evaluate
    >>> x = [0.0, 2.5, -1.0, 2.2, 3.4]
    >>> out = evaluate([RULES["nelson_1"], RULES["nelson_5"]], x, 0.0, 1.0, -3.0, 3.0)
    >>> list(zip(out["position"], out["rule"]))
    [(3, 'nelson_5'), (4, 'nelson_1'), (4, 'nelson_5')]
    """
    chosen, positions, which = fire(rules, statistic, center, sigma, lcl, ucl,
                                    segment=segment)
    ids = np.array([rule.id for rule in chosen] + [""], dtype=object)
    texts = np.array([rule.describe() for rule in chosen] + [""], dtype=object)
    return pd.DataFrame(
        {
            "position": positions,
            "rule": pd.array(ids[which], dtype="str"),
            "description": pd.array(texts[which], dtype="str"),
        }
    )


def fire(
    rules: str | Rule | Sequence[str | Rule | Mapping[str, Any]] | None,
    statistic: npt.ArrayLike,
    center: npt.ArrayLike,
    sigma: npt.ArrayLike,
    lcl: npt.ArrayLike,
    ucl: npt.ArrayLike,
    *,
    segment: npt.ArrayLike | None = None,
) -> tuple[tuple[Rule, ...], _IntArray, _IntArray]:
    """:func:`evaluate` as arrays: the rules, and the position and the rule (index into
    the rules) of every (point, rule) that fired, sorted by position, then rule order."""
    chosen = resolve_rules(rules)
    x = _as_float("statistic", statistic, None)
    n = x.size
    with np.errstate(invalid="ignore"):
        chart = _Chart(
            x,
            x - _as_float("center", center, n),
            _as_float("sigma", sigma, n),
            _as_float("lcl", lcl, n),
            _as_float("ucl", ucl, n),
            _segment_starts(segment, n),
        )
        hits = [np.flatnonzero(_fire(rule, chart)) for rule in chosen]
    positions = np.concatenate([np.zeros(0, dtype=np.int64), *hits]).astype(np.int64)
    which = np.concatenate(
        [np.zeros(0, dtype=np.int64)]
        + [np.full(h.size, j, dtype=np.int64) for j, h in enumerate(hits)]
    )
    if len(hits) > 1:
        order = np.lexsort((which, positions))
        positions, which = positions[order], which[order]
    return chosen, positions, which
