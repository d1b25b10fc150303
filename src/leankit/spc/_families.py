"""The chart-family registry: what each control-chart type is, declared once.

A :class:`ChartFamily` says everything the rest of leankit needs to know about one
chart type: its panels (titles, which run rules are valid on each, drawing hints), the
kind of input it takes (individual values, subgrouped values or counts), how it
estimates its parameters from a Phase I baseline, how it computes its statistic,
center, sigma of the statistic and limits per stage, whether its parameters include a
within-subgroup process sigma (for :func:`leankit.spc.capability`), and its
constructor. The generic engine (``_charts._build``), the result objects, the figure
builder, capability, the CLI (``leankit chart --type``) and the weekly report spec
all read the registry, so a new chart type is one new module that calls
:func:`register_family` (see "Adding a chart family" in ``docs/spc.md``).

This module only holds the declarations and the registry; it imports no plotting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from leankit.errors import LeankitError, suggest

__all__ = ["ChartFamily", "ColumnArg", "FamilyError", "Panel", "families", "get_family",
           "register_family"]

#: Which run rules apply on a panel: the chart's ``rules=`` ("main"), its
#: ``dispersion_rules=`` ("dispersion"), or only the points beyond the limits
#: ("limits_only": sequential statistics such as EWMA or CUSUM, whose successive points
#: are correlated, so zone and run rules do not have their usual false-alarm rates).
RuleKind = Literal["main", "dispersion", "limits_only"]

#: What a family's input table looks like: one row per individual value ("values"),
#: raw values with a subgroup column ("subgroups"), or one row per subgroup with a
#: count and (usually) a size ("counts").
InputKind = Literal["values", "subgroups", "counts"]

#: The column arguments each input kind requires and accepts (the keyword names of the
#: constructor, the CLI's ``--value/--subgroup/--count/--size``).
_REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "values": ("value",), "subgroups": ("value", "subgroup"), "counts": ("count", "size")}
_OPTIONAL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "values": ("subgroup",), "subgroups": (), "counts": ("subgroup",)}

#: What a family charts, for callers that pick charts by their data (the weekly report
#: charts "measurements"): measured values, counts per subgroup, or the gaps between
#: rare events (cases or times between events: g and t charts).
DataKind = Literal["measurements", "counts", "events"]
_DATA_KIND: Mapping[str, str] = {"values": "measurements", "subgroups": "measurements",
                                 "counts": "counts"}
_BASE_COLUMNS = ("value", "subgroup", "count", "size")

Estimate = Callable[[pd.DataFrame, Mapping[str, Any]], dict[str, float]]
Arrays = Callable[[str, pd.DataFrame, Mapping[str, float], float, Mapping[str, Any]],
                  Mapping[str, np.ndarray]]
Prepare = Callable[[pd.DataFrame, Mapping[str, Any]], Mapping[str, np.ndarray]]
Check = Callable[[pd.DataFrame, pd.DataFrame, Mapping[str, Any]], None]


class FamilyError(LeankitError, ValueError):
    """A chart family is unknown, or a family declaration is invalid."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Panel:
    """One panel of a chart family (e.g. the X̄ or the R panel of an X̄-R chart).

    Attributes
    ----------
    name : str
        Panel id: the ``panel`` column of ``to_frame()`` and ``chart.panel(name)``
        (``"xbar"``, ``"r"``, ``"mr"`` ...). Lower case, a valid Python name.
    title : str
        Short title: the figure's subplot title and the name of the plotted trace.
    y_title : str, default ""
        Y-axis title of the figure (none when empty).
    rules : {"main", "dispersion", "limits_only"}, default "main"
        Which run rules are valid on this panel (see :data:`RuleKind`).
    show_center, show_lcl, show_ucl : bool, default True
        Whether the figure draws the center line and each limit (a one-sided chart
        leaves out a limit; a run chart draws only its center, the median).
    reference : float, optional
        A horizontal reference line the figure draws (e.g. 0 of a CUSUM).
    allow_missing : bool, default False
        The statistic may be missing (NaN) at some points by design, e.g. the first
        moving range of each stage; otherwise a missing statistic is an error.
    """

    name: str
    title: str
    y_title: str = ""
    rules: RuleKind = "main"
    show_center: bool = True
    show_lcl: bool = True
    show_ucl: bool = True
    reference: float | None = None
    allow_missing: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.name, str) and self.name.isidentifier()
                and self.name == self.name.lower()):
            raise FamilyError(f"Panel name must be a lower-case Python name, got {self.name!r}")
        if self.rules not in ("main", "dispersion", "limits_only"):
            raise FamilyError(f"Panel {self.name!r}: rules= must be 'main', 'dispersion' or "
                              f"'limits_only', got {self.rules!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnArg:
    """A column argument of a family beyond ``value/subgroup/count/size`` (e.g. ``part=``
    of a Z-MR chart): its constructor keyword, the CLI's ``--column NAME=COL`` and a
    report spec's ``columns = {NAME = "COL"}``.

    Attributes
    ----------
    name : str
        The keyword (a lower-case Python name).
    help : str, default ""
        What the column holds ("part numbers"): error messages, ``--help``, docs.
    required : bool, default False
        The chart cannot be built without it.
    """

    name: str
    help: str = ""
    required: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.name, str) and self.name.isidentifier()
                and self.name == self.name.lower()):
            raise FamilyError(f"ColumnArg name must be a lower-case Python name, got "
                              f"{self.name!r}")
        if self.name in _BASE_COLUMNS:
            raise FamilyError(f"ColumnArg {self.name!r}: value, subgroup, count and size "
                              "are declared with columns= / optional_columns=")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartFamily:
    """Declaration of one control-chart type (register it with :func:`register_family`).

    Attributes
    ----------
    id : str
        Chart id: ``chart.chart``, ``Limits.chart``, ``leankit chart --type`` and a
        report spec's ``chart =`` (``"xbar_r"``, ``"p"`` ...).
    title : str
        Display name ("X̄-R chart"): summaries, figure titles, reports.
    description : str
        One line: when to use it (listings such as ``spc.families()``, docs).
    panels : tuple of Panel
        The panels, top to bottom; the first is the main panel.
    input : {"values", "subgroups", "counts"}
        What the input table holds (see :data:`InputKind`).
    param_names : tuple of str
        Parameters estimated from the Phase I baseline or given as known standards
        (``("mu", "sigma")``, ``("p",)`` ...); they become the ``Limits.params`` and
        columns of ``chart.limits``.
    estimate : callable
        ``estimate(baseline, opts) -> {param: value}``: the parameters from one stage's
        Phase I, non-excluded subgroups (a table with the columns of the input kind:
        ``n, value`` / ``n, mean, range, sd, values`` / ``n, count, size``, plus the
        ``prepare`` columns computed over that baseline sequence).
    arrays : callable
        ``arrays(panel, stage_table, params, nsigmas, opts) -> {statistic, center,
        sigma_statistic, lcl, ucl}``: one float array per key, one value per row of the
        stage's table (all its subgroups in plotting order: Phase I, then Phase II), so
        a sequential statistic (EWMA, CUSUM) runs its recursion here.
        ``sigma_statistic`` is the standard deviation of the plotted statistic (the
        zone width of the run rules); NaN where it has none.
    prepare : callable, optional
        ``prepare(stage_table, opts) -> {column: array}``: derived per-stage columns
        computed before estimation and limits (the moving range of an I-MR chart).
        The engine calls it on each stage's rows and on each baseline sequence.
    check : callable, optional
        ``check(subgroups, rows, opts)``: validate the summarised subgroup table (and
        the input rows it came from); raise a project error with a clear message.
    columns : tuple of str, optional
        Required column arguments (default from ``input``: ``("value",)``,
        ``("value", "subgroup")`` or ``("count", "size")``).
    optional_columns : tuple of str, optional
        Accepted optional column arguments (default from ``input``: ``("subgroup",)``
        for values and counts). A column of the input kind named here is not required
        (the g chart takes ``value=`` or its extra column ``events=``).
    min_size : int, default 1
        Smallest subgroup size for ``input="subgroups"``.
    settings : mapping, optional
        Family-specific keyword settings and their defaults (e.g. ``{"lam": 0.2}``),
        passed to ``estimate``/``arrays`` in ``opts`` and recorded in
        ``chart.parameters``; the generic :func:`leankit.spc.chart` accepts them.
    aliases : tuple of str
        Other accepted ids (``"p_chart"`` for ``"p"``).
    process_sigma : bool, default False
        Whether ``Limits.params["sigma"]`` is a within-subgroup process sigma that
        :func:`leankit.spc.capability` may use (X̄-R, X̄-S, I-MR).
    constructor : callable, optional
        The public function that builds this chart from a DataFrame and column names
        (``spc.xbar_r``); ``None``: the generic :func:`leankit.spc.chart` builds it.
    default_rules : str or tuple of str, default "we"
        The ``rules=`` used when none is given (:func:`leankit.spc.chart`, the CLI's
        ``--rules``, a report characteristic without ``rules``): ``"limits"`` for the
        g and t charts, ``"anhoej"`` for the run chart.
    valid_rules : tuple of str, optional
        The rule sets and ids ``rules=`` accepts on this family (``("limits",
        "below")``); ``None``: every Shewhart rule set, rule id and custom
        :class:`~leankit.spc.Rule`. Report specs and the CLI check ``rules`` against it.
    notes : callable, optional
        ``notes(chart) -> list of str``: how this family's limits are made, shown by
        ``summary()`` in place of the generic "Limits at ±3 sigma of the plotted
        statistic." (probability limits of a g chart, the σ_z reading of Laney charts).
    extra_columns : tuple of ColumnArg
        Column arguments beyond value/subgroup/count/size (``part=`` of Z-MR): the
        constructor takes them as keywords, the CLI as ``--column NAME=COL``, a report
        spec as ``columns = {NAME = "COL"}``.
    data_kind : {"measurements", "counts", "events"}, optional
        What the family charts (default from ``input``: values and subgroups are
        measurements, counts are counts); ``"events"`` for the gaps between rare events
        (g, t charts). The weekly report charts measurement families only.
    label_by : str, optional
        Drawing hint: the column argument whose values colour and label the points
        (``"part"`` on a Z-MR chart); the figure's hover shows it.
    """

    id: str
    title: str
    description: str
    panels: tuple[Panel, ...]
    input: InputKind
    param_names: tuple[str, ...]
    estimate: Estimate
    arrays: Arrays
    prepare: Prepare | None = None
    check: Check | None = None
    columns: tuple[str, ...] = ()
    optional_columns: tuple[str, ...] | None = None
    min_size: int = 1
    settings: Mapping[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    process_sigma: bool = False
    constructor: Callable[..., Any] | None = None
    default_rules: str | tuple[str, ...] = "we"
    valid_rules: tuple[str, ...] | None = None
    notes: Callable[[Any], Sequence[str]] | None = None
    extra_columns: tuple[ColumnArg, ...] = ()
    data_kind: DataKind | None = None
    label_by: str | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.id, str) and self.id.isidentifier()):
            raise FamilyError(f"ChartFamily id must be a Python name, got {self.id!r}")
        if self.input not in _REQUIRED_COLUMNS:
            raise FamilyError(f"ChartFamily {self.id!r}: input= must be 'values', "
                              f"'subgroups' or 'counts', got {self.input!r}")
        if not self.panels or not all(isinstance(p, Panel) for p in self.panels):
            raise FamilyError(f"ChartFamily {self.id!r}: panels= must be a non-empty tuple "
                              "of Panel objects")
        names = [p.name for p in self.panels]
        if len(set(names)) != len(names):
            raise FamilyError(f"ChartFamily {self.id!r}: panel names repeat: {names}")
        if self.optional_columns is None:
            object.__setattr__(self, "optional_columns", _OPTIONAL_COLUMNS[self.input])
        if not self.columns:  # the input kind's, less those declared optional
            object.__setattr__(self, "columns", tuple(
                c for c in _REQUIRED_COLUMNS[self.input] if c not in (self.optional_columns or ())))
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))
        if self.data_kind is None:
            object.__setattr__(self, "data_kind", _DATA_KIND[self.input])
        elif self.data_kind not in ("measurements", "counts", "events"):
            raise FamilyError(f"ChartFamily {self.id!r}: data_kind= must be 'measurements', "
                              f"'counts' or 'events', got {self.data_kind!r}")
        if not all(isinstance(c, ColumnArg) for c in self.extra_columns):
            raise FamilyError(f"ChartFamily {self.id!r}: extra_columns= must be a tuple of "
                              "ColumnArg objects")
        extra = [c.name for c in self.extra_columns]
        if len(set(extra)) != len(extra):
            raise FamilyError(f"ChartFamily {self.id!r}: extra column names repeat: {extra}")
        if self.label_by is not None and self.label_by not in (*self.column_args, *extra):
            raise FamilyError(f"ChartFamily {self.id!r}: label_by={self.label_by!r} is not "
                              f"one of its column arguments ({', '.join(self.column_args)}"
                              f"{', ' if extra else ''}{', '.join(extra)})")
        if isinstance(self.valid_rules, str):
            object.__setattr__(self, "valid_rules", (self.valid_rules,))
        if self.valid_rules is not None:
            bad = [r for r in _rule_items(self.default_rules) if r not in self.valid_rules]
            if bad:
                raise FamilyError(f"ChartFamily {self.id!r}: default_rules {bad} are not in "
                                  f"valid_rules {list(self.valid_rules)}")

    def panel(self, name: str) -> Panel:
        """The panel called *name*.

        Raises
        ------
        FamilyError
            If the family has no such panel.
        """
        for p in self.panels:
            if p.name == name:
                return p
        raise FamilyError(f"{self.id} has no panel {name!r}; its panels are "
                          f"{', '.join(p.name for p in self.panels)}")

    @property
    def panel_names(self) -> tuple[str, ...]:
        """The panel ids, top to bottom."""
        return tuple(p.name for p in self.panels)

    @property
    def column_args(self) -> tuple[str, ...]:
        """All column arguments the family accepts (required first)."""
        return (*self.columns, *(self.optional_columns or ()))

    @property
    def extra_column_names(self) -> tuple[str, ...]:
        """The names of :attr:`extra_columns` (required first)."""
        return tuple(c.name for c in sorted(self.extra_columns, key=lambda c: not c.required))

    def check_rules(self, rules: Any) -> None:
        """Raise :class:`leankit.spc.RuleError` if *rules* are not valid on this family.

        *rules* is what ``rules=`` takes: a set name or rule id, a :class:`Rule`, or a
        list of them. Families without :attr:`valid_rules` check them as Shewhart rules.

        Examples
        --------
        >>> from leankit import spc
        >>> fam = spc.get_family("g")
        >>> fam.default_rules, fam.valid_rules
        ('limits', ('limits', 'below'))
        >>> fam.check_rules(["limits", "below"])  # valid: no error
        """
        from leankit.spc._rules import RuleError, resolve_rules

        if self.valid_rules is None:
            resolve_rules(rules)
            return
        bad = [r for r in _rule_items(rules) if not (isinstance(r, str)
                                                     and r in self.valid_rules)]
        if bad:
            shown = bad[0] if len(bad) == 1 else bad
            default = self.default_rules
            raise RuleError(
                f"rules={shown!r} is not valid on a {self.title}; its rules are "
                f"{', '.join(map(repr, self.valid_rules))} (default {default!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        # families hold functions: pickle them by id (the registry holds the object)
        return (get_family, (self.id,))


def _rule_items(rules: Any) -> tuple[Any, ...]:
    """``rules=`` as a tuple of items (a string or a single Rule is one item)."""
    if rules is None:
        return ()
    if isinstance(rules, str) or not isinstance(rules, (list, tuple)):
        return (rules,)
    return tuple(rules)


_LOCK = threading.Lock()
_REGISTRY: dict[str, ChartFamily] = {}
_ALIASES: dict[str, str] = {}


def register_family(family: ChartFamily, *, replace: bool = False) -> ChartFamily:
    """Add a chart family to the registry (usually at the bottom of its module).

    Parameters
    ----------
    family : ChartFamily
        The declaration.
    replace : bool, default False
        Allow replacing a family already registered under the same id (tests, reloads).

    Returns
    -------
    ChartFamily
        *family*, so a module can write ``FAMILY = register_family(ChartFamily(...))``.

    Raises
    ------
    FamilyError
        The id or an alias is taken by another family (and ``replace`` is false).

    Examples
    --------
    >>> from leankit import spc
    >>> spc.get_family("p_chart").id
    'p'
    """
    if not isinstance(family, ChartFamily):
        raise TypeError(f"register_family() takes a ChartFamily, got {type(family).__name__}")
    with _LOCK:
        taken = {family.id, *family.aliases}
        for name in taken:
            owner = _REGISTRY.get(name) or _REGISTRY.get(_ALIASES.get(name, ""))
            if owner is not None and owner.id != family.id:
                raise FamilyError(f"chart id {name!r} is already used by the {owner.id!r} "
                                  "family; choose another id or alias")
        if family.id in _REGISTRY and not replace and not _same(_REGISTRY[family.id], family):
            raise FamilyError(f"a chart family {family.id!r} is already registered; pass "
                              "replace=True to replace it")
        old = _REGISTRY.get(family.id)
        if old is not None:
            for a in old.aliases:
                _ALIASES.pop(a, None)
        _REGISTRY[family.id] = family
        for a in family.aliases:
            _ALIASES[a] = family.id
    return family


def _same(a: ChartFamily, b: ChartFamily) -> bool:
    """The same declaration (e.g. its module imported again, as doctest collection does)."""
    return a is b or (a.title, a.panels, a.input, a.param_names, a.aliases) == (
        b.title, b.panels, b.input, b.param_names, b.aliases)


def unregister_family(id: str) -> None:
    """Remove a family (tests only); unknown ids are ignored."""
    with _LOCK:
        fam = _REGISTRY.pop(id, None)
        if fam is not None:
            for a in fam.aliases:
                _ALIASES.pop(a, None)


def get_family(id: str | ChartFamily) -> ChartFamily:
    """The registered family with this id or alias.

    Raises
    ------
    FamilyError
        No family has this id (the message lists the registered ids and suggests the
        closest).

    Examples
    --------
    >>> from leankit import spc
    >>> fam = spc.get_family("xbar_r")
    >>> fam.title, fam.panel_names, fam.process_sigma
    ('X̄-R chart', ('xbar', 'r'), True)
    """
    if isinstance(id, ChartFamily):
        return id
    fam = _REGISTRY.get(id) or _REGISTRY.get(_ALIASES.get(id, ""))
    if fam is None:
        known = sorted(_REGISTRY)
        raise FamilyError(f"unknown chart type {id!r}{suggest(str(id), known + sorted(_ALIASES))}"
                          f" Registered chart types: {', '.join(known)}")
    return fam


def families() -> tuple[ChartFamily, ...]:
    """All registered chart families, in registration order.

    Examples
    --------
    >>> from leankit import spc
    >>> [f.id for f in spc.families()][:7]
    ['xbar_r', 'xbar_s', 'i_mr', 'p', 'np', 'c', 'u']
    """
    return tuple(_REGISTRY.values())
