"""Result objects of the control charts: :class:`ControlChart`, :class:`ChartCollection`
and :class:`Limits` (frozen parameters that carry Phase I limits into Phase II)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from leankit._summary import Summary
from leankit.errors import LeankitError

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["ChartCollection", "ControlChart", "FrozenParams", "Limits"]

#: Columns of ``ControlChart.to_frame()`` (one row per plotted point).
FRAME_COLUMNS = (
    "panel", "subgroup", "time", "n", "statistic", "center", "lcl", "ucl", "sigma_statistic",
    "phase", "stage", "excluded", "exclude_reason", "signal", "rules",
)

#: The tables a :class:`ControlChart` hands out as copies (mutating them leaves the chart
#: unchanged).
_COPIED = frozenset({"limits", "signals", "exclusions", "data"})

#: The table fields of a :class:`ControlChart` (any of them may be built on first use).
_TABLES = frozenset({"points", "limits", "signals", "exclusions", "data"})


class LazyTable:
    """A table of a :class:`ControlChart` that is built the first time it is read.

    The chart engines compute the statistics, limits and signal flags eagerly and hand
    the long tables (one row per point and panel, per signal, per value) over as a
    ``LazyTable``: a chart of 10^6 points that is only asked for its signals or limits
    never builds them. ``info`` carries what the chart can answer without the table:
    ``n_signals`` (points with a signal, all panels), ``panel_signals`` (the same per
    panel) and ``main`` (one row per point of the first panel with at least the columns
    ``n, stage, phase, excluded``, for ``repr`` and ``summary``).

    Not public: make one with :func:`lazy_table`.
    """

    __slots__ = ("_build", "_value", "info")

    def __init__(self, build: Any, info: Mapping[str, Any]) -> None:
        self._build = build
        self._value: pd.DataFrame | None = None
        self.info = dict(info)

    def get(self) -> pd.DataFrame:
        """The table (built once, then the same object)."""
        if self._value is None:
            value = self._build()
            if not isinstance(value, pd.DataFrame):  # pragma: no cover - engine bug
                raise TypeError(f"a lazy chart table built a {type(value).__name__}")
            self._value, self._build = value, None
        return self._value

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as the table it stands for
        return (_identity, (self.get(),))


def _identity(value: Any) -> Any:
    return value


def lazy_table(build: Any, **info: Any) -> pd.DataFrame:
    """A :class:`ControlChart` table built by ``build()`` when it is first read (typed as
    the DataFrame it stands for); ``info`` as :class:`LazyTable`.

    Examples
    --------
    >>> t = lazy_table(lambda: pd.DataFrame({"a": [1]}), n_signals=0)
    >>> type(t).__name__, t.get().shape
    ('LazyTable', (1, 1))
    """
    return cast(pd.DataFrame, LazyTable(build, info))


def _resolve(chart: object, name: str) -> Any:
    """The chart's own table *name* (built now if it was lazy; not a copy)."""
    value = object.__getattribute__(chart, name)
    if type(value) is LazyTable:
        value = value.get()
        object.__setattr__(chart, name, value)
    return value


def _lazy_info(chart: object, name: str = "points") -> Mapping[str, Any]:
    """The ``info`` of a table not built yet (empty once it is built)."""
    value = object.__getattribute__(chart, name)
    return value.info if type(value) is LazyTable else {}


class FrozenParams(Mapping[str, float]):
    """The parameters of :class:`Limits`: a read-only, hashable mapping name -> value.

    Examples
    --------
    >>> p = FrozenParams({"sigma": 0.5, "mu": 10.0})
    >>> p["mu"], list(p), hash(p) == hash(FrozenParams({"mu": 10.0, "sigma": 0.5}))
    (10.0, ['mu', 'sigma'], True)
    """

    __slots__ = ("_items",)

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self._items: tuple[tuple[str, float], ...] = tuple(sorted(
            (str(k), float(v)) for k, v in (params or {}).items()))

    def __getitem__(self, key: str) -> float:
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenParams):
            return self._items == other._items
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(dict(self._items))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenParams, (dict(self._items),))


@dataclass(frozen=True, slots=True)
class Limits:
    """Frozen chart parameters: the Phase I estimates (or known standards) of one chart.

    Pass them back with ``limits=`` to score new data as Phase II against them, e.g. in
    next week's run; :meth:`to_dict` / :meth:`from_dict` make them storable as JSON.

    Attributes
    ----------
    chart : str
        Chart family id (``"xbar_r"``, ``"i_mr"``, ``"p"`` ...).
    params : FrozenParams
        The parameters (``ChartFamily.param_names``): ``mu`` and ``sigma`` (process
        mean and within-subgroup process sigma of the variables charts), ``p``, ``c``
        or ``u``. Given as any mapping, stored read-only and hashable, so a
        :class:`Limits` is hashable (a dict key, a set member).
    nsigmas : float
        Width of the limits in sigmas of the plotted statistic.
    method : str
        How the parameters were obtained (sigma estimator or ``"standard"``).

    Examples
    --------
    >>> lim = Limits(chart="p", params={"p": 0.2}, nsigmas=3.0, method="standard")
    >>> Limits.from_json(lim.to_json()) == lim, len({lim, Limits.from_dict(lim.to_dict())})
    (True, 1)
    """

    chart: str
    params: Mapping[str, float]
    nsigmas: float = 3.0
    method: str = "standard"

    def __post_init__(self) -> None:
        if not isinstance(self.params, FrozenParams):
            object.__setattr__(self, "params", FrozenParams(self.params))
        object.__setattr__(self, "nsigmas", float(self.nsigmas))

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict (JSON-ready) form."""
        return {"chart": self.chart, "params": dict(self.params), "nsigmas": self.nsigmas,
                "method": self.method}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Limits:
        """Rebuild from :meth:`to_dict` output."""
        return cls(chart=str(d["chart"]), params={k: float(v) for k, v in d["params"].items()},
                   nsigmas=float(d.get("nsigmas", 3.0)), method=str(d.get("method", "standard")))

    def to_json(self) -> str:
        """JSON text (:meth:`from_json` reads it back)."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Limits:
        """Rebuild from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlChart:
    """A computed control chart (one or more panels).

    The tables it hands out (``limits``, ``signals``, ``exclusions``, ``data`` and
    :meth:`to_frame`) are copies, and ``parameters`` / ``stage_limits`` are read-only
    mappings: nothing a caller does to them changes the chart.

    Attributes
    ----------
    chart : str
        The chart family id (``"xbar_r"``, ``"i_mr"``, ``"p"`` ..., see
        :func:`leankit.spc.families`), or the panel name (``"xbar"``, ``"r"``, ``"mr"``
        ...) for one panel of a multi-panel chart (``chart.panel(name)``).
    family : str
        The chart family id, also for a one-panel view (default: ``chart``).
    points : pandas.DataFrame
        One row per plotted point and panel (see :meth:`to_frame` for the columns);
        the chart's own table: read it, or take a copy with :meth:`to_frame`.
    limits : pandas.DataFrame
        One row per (panel, stage): parameters, estimator and the limits at the typical
        subgroup size.
    signals : pandas.DataFrame
        One row per (point, rule) that fired: ``panel, subgroup, time, position, stage,
        phase, statistic, rule, description``.
    exclusions : pandas.DataFrame
        Input rows or subgroups not used for the limits, with the reason.
    data : pandas.DataFrame
        The values behind the chart, one row per value (``input`` "values" and
        "subgroups": ``subgroup, value``; "counts": ``subgroup, count, size``), with
        ``phase, stage, excluded``.
    parameters : mapping
        The settings that produced the chart (column names, estimator, rules, nsigmas ...).
    stage_limits : mapping
        Stage -> :class:`Limits` (the frozen parameters of each stage).
    panel_names : tuple of str
        The panels, top to bottom.
    """

    chart: str
    points: pd.DataFrame
    limits: pd.DataFrame
    signals: pd.DataFrame
    exclusions: pd.DataFrame
    data: pd.DataFrame
    parameters: Mapping[str, Any]
    stage_limits: Mapping[Any, Limits]
    panel_names: tuple[str, ...] = ()
    family: str = ""
    _monitor: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.family:
            object.__setattr__(self, "family", self.chart)
        for name in ("parameters", "stage_limits"):
            value = object.__getattribute__(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    def __getattribute__(self, name: str) -> Any:
        if name in _TABLES:
            value = _resolve(self, name)
            return value.copy() if name in _COPIED else value
        return object.__getattribute__(self, name)

    def __reduce__(self) -> tuple[Any, ...]:
        # An engine-built chart's monitor is a plain object (its subgroups, settings
        # and frozen limits) and is pickled with it; a closure (a chart built outside
        # the engine) is not picklable: such a chart unpickles without monitor().
        state = {f: _resolve(self, f) if f in _TABLES else object.__getattribute__(self, f)
                 for f in ("chart", "points", "limits", "signals", "exclusions", "data",
                           "panel_names", "family")}
        state["parameters"] = dict(self.parameters)
        state["stage_limits"] = dict(self.stage_limits)
        mon = self._monitor
        state["_monitor"] = mon if getattr(mon, "picklable", False) else None
        extra = {f.name: _resolve(self, f.name) if f.name in _TABLES
                 else object.__getattribute__(self, f.name)
                 for f in dataclasses.fields(self) if f.name not in state}
        return (_unpickled_chart, (type(self), {**state, **extra}))

    # ------------------------------------------------------------------ panels
    def panel(self, name: str) -> ControlChart:
        """One panel of the chart as a chart of its own (same interface).

        Raises
        ------
        AttributeError
            If the chart has no such panel.
        """
        if name not in self.panel_names:
            raise AttributeError(
                f"{self.chart} chart has no {name!r} panel; its panels are "
                f"{', '.join(self.panel_names)}"
            )
        if len(self.panel_names) == 1:
            return self

        def sub(df: pd.DataFrame) -> pd.DataFrame:
            return df[df["panel"] == name].reset_index(drop=True)

        parent = self
        mon = self._monitor
        info = _lazy_info(self)
        points = (sub(self.points) if not info else lazy_table(
            lambda: sub(parent.points), main=info.get("main"),  # the same subgroups
            n_signals=info.get("panel_signals", {}).get(name)))
        signals = object.__getattribute__(self, "signals")
        return ControlChart(
            chart=name, family=self.family, points=points,
            limits=sub(_resolve(self, "limits")),
            signals=(sub(signals) if type(signals) is not LazyTable else lazy_table(
                lambda: sub(_resolve(parent, "signals")))),
            exclusions=_resolve(self, "exclusions"),
            data=object.__getattribute__(self, "data"),  # shared, built at most once
            parameters=self.parameters,
            stage_limits=self.stage_limits, panel_names=(name,),
            _monitor=(mon.for_panel(name) if hasattr(mon, "for_panel")
                      else (lambda new: parent.monitor(new).panel(name))),
        )

    @property
    def xbar(self) -> ControlChart:
        """The X-bar panel."""
        return self.panel("xbar")

    @property
    def r(self) -> ControlChart:
        """The range panel."""
        return self.panel("r")

    @property
    def s(self) -> ControlChart:
        """The standard-deviation panel."""
        return self.panel("s")

    @property
    def i(self) -> ControlChart:
        """The individuals panel."""
        return self.panel("i")

    @property
    def mr(self) -> ControlChart:
        """The moving-range panel."""
        return self.panel("mr")

    # ------------------------------------------------------------------ views
    def to_frame(self) -> pd.DataFrame:
        """One row per plotted point (and panel), as a new DataFrame.

        Columns: ``panel, subgroup, time, n, statistic, center, lcl, ucl,
        sigma_statistic`` (the standard deviation of the plotted statistic at that point,
        the zone width of the run rules; not the process sigma of ``limits``), ``phase``
        ("I" baseline, "II" monitored),
        ``stage``, ``excluded``, ``exclude_reason``, ``signal`` (any rule fired) and
        ``rules`` (ids of the rules that fired, comma-separated).
        """
        return self.points.copy()

    @property
    def n_signals(self) -> int:
        """Number of points (over all panels) where at least one rule fired."""
        known = _lazy_info(self).get("n_signals")
        if known is not None:
            return int(known)
        return int(self.points["signal"].sum())

    def _main(self) -> pd.DataFrame:
        """The points of the first panel (at least ``n, stage, phase, excluded``)."""
        main = _lazy_info(self).get("main")
        if main is not None:
            return cast(pd.DataFrame, main)
        return self.points[self.points["panel"] == self.panel_names[0]]

    def __repr__(self) -> str:
        main = self._main()
        ns = main["n"].dropna()
        n_text = f"n={int(ns.iloc[0])}" if len(ns) and ns.nunique() == 1 else (
            f"n={int(ns.min())}..{int(ns.max())}" if len(ns) else "n=?")
        stages = main["stage"].nunique()
        extra = f", {stages} stages" if stages > 1 else ""
        ph2 = int((main["phase"] == "II").sum())
        extra += f", {ph2} in phase II" if ph2 else ""
        return (f"<ControlChart {self.chart}: {len(main)} subgroups, {n_text}{extra}, "
                f"{self.n_signals} signals>")

    def summary(self) -> Summary:
        """Key figures, limits per stage and the signals, with numbered notes."""
        p = self.parameters
        rows: list[tuple[str, object]] = [
            ("chart", chart_title(self)),
            ("points", len(self._main())),
            ("signals", self.n_signals),
        ]
        notes = _family_notes(self)
        if p.get("sigma_method"):
            from leankit.spc._sigma import ESTIMATORS

            method = p["sigma_method"]
            notes.append(f"Sigma estimator: {ESTIMATORS.get(method, method)}.")
        if p.get("standards"):
            notes.append(f"Known standards used: {p['standards']}.")
        notes.append(_rules_note(self))
        n_ex = int(self._main()["excluded"].sum())
        if n_ex:
            notes.append(f"{n_ex} subgroup(s) excluded from the limit calculation but plotted.")
        if len(self.exclusions):
            notes.append(f"{len(self.exclusions)} input row(s) not used: see .exclusions.")
        tables = [("Limits", self.limits.drop(columns=["params"], errors="ignore"))]
        if len(self.signals):
            cols = [c for c in ("panel", "subgroup", "rule", "description") if c in self.signals]
            tables.append(("Signals", self.signals[cols]))
        return Summary(title=repr(self), rows=tuple(rows), notes=tuple(notes), tables=tuple(tables))

    def frozen_limits(self, stage: Any = None) -> Limits:
        """The :class:`Limits` of a stage (default: the last stage) for later runs."""
        if stage is None:
            stage = list(self.stage_limits)[-1]
        return self.stage_limits[stage]

    def monitor(self, new_data: pd.DataFrame) -> ControlChart:
        """Score new data (Phase II) against this chart's frozen limits.

        The new subgroups are appended after the existing points with ``phase == "II"``,
        using the limits of the last stage; run rules are evaluated over the whole
        series, so a run may straddle the Phase I / Phase II boundary, and a sequential
        statistic (moving range, EWMA, CUSUM) continues from Phase I into Phase II.
        Works on an unpickled chart too.
        """
        if self._monitor is None:
            raise LeankitError(
                "this chart has no data to extend (it was not built by the chart engine); "
                "score the new data with the same function and limits=chart.frozen_limits()"
            )
        result = self._monitor(new_data)
        assert isinstance(result, ControlChart)
        return result

    def figure(self, **style: Any) -> go.Figure:
        """A plotly figure: center line, (stepped) limits, signals highlighted, stages
        separated, Phase II shaded. See :func:`leankit.spc.chart_figure` for options."""
        from leankit.spc._figures import chart_figure

        return chart_figure(self, **style)


def chart_title(chart: ControlChart) -> str:
    """Display title of a chart (its family's title; "..., X̄ panel" for a panel view)."""
    from leankit.spc._families import FamilyError, get_family

    try:
        fam = get_family(chart.family)
    except FamilyError:
        return chart.chart
    if chart.chart == fam.id:
        return fam.title
    try:
        return f"{fam.title}, {fam.panel(chart.chart).title} panel"
    except FamilyError:
        return chart.chart


def _family_notes(chart: ControlChart) -> list[str]:
    """How the limits were made: the family's ``notes(chart)`` hook, else the generic
    "Limits at ±k sigma" note."""
    from leankit.spc._families import FamilyError, get_family

    try:
        hook = get_family(chart.family).notes
    except FamilyError:
        hook = None
    if hook is not None:
        return [str(n) for n in hook(chart)]
    k = chart.parameters.get("nsigmas", 3)
    return [f"Limits at ±{k:g} sigma of the plotted statistic."]


def _rules_note(chart: ControlChart) -> str:
    """Which rules ran on which panel (from the family's panel declarations)."""
    from leankit.spc._families import FamilyError, get_family

    p = chart.parameters
    main = ", ".join(p.get("rules", ())) or "none"
    disp = ", ".join(p.get("dispersion_rules", ())) or "none"
    try:
        panels = get_family(chart.family).panels
    except FamilyError:
        return f"Rules: {main} (dispersion panels: {disp})."
    kinds = {pan.rules for pan in panels if pan.name in chart.panel_names}
    if kinds == {"main"}:
        return f"Rules: {main}."
    parts = []
    for pan in panels:
        if pan.name in chart.panel_names:
            used = {"main": main, "dispersion": disp, "limits_only": "beyond the limits only"}
            parts.append(f"{pan.title}: {used[pan.rules]}")
    if kinds == {"main", "dispersion"}:
        return f"Rules: {main} (dispersion panels: {disp})."
    return "Rules: " + "; ".join(parts) + "."


def _unpickled_chart(cls: Any, state: dict[str, Any] | None = None) -> ControlChart:
    if state is None:  # pickles written before the chart type was stored
        cls, state = ControlChart, cls
    out = cls(**state)
    assert isinstance(out, ControlChart)
    return out


class ChartCollection(Mapping[Any, ControlChart]):
    """Many charts at once (``by=``): a read-only mapping group key -> :class:`ControlChart`.

    Keys are tuples of the ``by`` values (a plain value when ``by`` is one column).
    """

    def __init__(self, charts: Mapping[Any, ControlChart], by: tuple[str, ...],
                 failures: Mapping[Any, str] | None = None) -> None:
        self._charts: dict[Any, ControlChart] = dict(charts)
        self.by = by
        #: Groups that could not be charted, with the reason (e.g. too little data).
        self.failures = dict(failures or {})

    def __getitem__(self, key: Any) -> ControlChart:
        return self._charts[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._charts)

    def __len__(self) -> int:
        return len(self._charts)

    def __repr__(self) -> str:
        sig = sum(1 for c in self._charts.values() if c.n_signals)
        fail = f", {len(self.failures)} not charted" if self.failures else ""
        return (f"<ChartCollection by {', '.join(self.by)}: {len(self)} charts, "
                f"{sig} with signals{fail}>")

    def _keyed(self, attr: str) -> pd.DataFrame:
        frames = []
        for key, chart in self._charts.items():
            df = getattr(chart, attr)
            df = df.copy() if attr != "points" else chart.to_frame()
            values = key if isinstance(key, tuple) else (key,)
            for pos, (col, val) in enumerate(zip(self.by, values, strict=True)):
                df.insert(pos, col, val)
            frames.append(df)
        if not frames:
            return pd.DataFrame(columns=list(self.by))
        return pd.concat(frames, ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        """All charts' points in one frame, with the ``by`` columns first."""
        return self._keyed("points")

    @property
    def signals(self) -> pd.DataFrame:
        """All charts' signals in one long frame, with the ``by`` columns first."""
        return self._keyed("signals")

    @property
    def limits(self) -> pd.DataFrame:
        """All charts' limits, with the ``by`` columns first."""
        return self._keyed("limits")

    def summary(self) -> Summary:
        """One row per chart: points, signals and the rules that fired."""
        rows = []
        for key, chart in self._charts.items():
            values = key if isinstance(key, tuple) else (key,)
            fired = sorted(set(chart.signals["rule"])) if len(chart.signals) else []
            rows.append({**dict(zip(self.by, values, strict=True)),
                         "points": len(chart._main()),
                         "signals": chart.n_signals, "rules fired": ", ".join(fired)})
        table = pd.DataFrame(rows)
        notes = tuple(f"{k}: not charted ({v})" for k, v in self.failures.items())
        return Summary(title=repr(self), tables=(("Charts", table),), notes=notes)
