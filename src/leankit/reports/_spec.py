"""Report specifications (TOML): what a scheduled report shows, validated with errors
that name the offending key."""

from __future__ import annotations

import hashlib
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leankit.errors import LeankitError, suggest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["CharacteristicSpec", "CountSpec", "GageStudySpec", "ReportSpec", "ReportSpecError",
           "load_spec"]

SECTIONS = ("summary", "attention", "actions", "spc", "capability", "pareto", "rootcause", "oee",
            "data_quality", "methods")
#: The built-in chart types of measurements (a spec's ``chart =`` accepts any registered
#: chart family whose input is measurements: see :func:`chart_types`).
CHARTS = ("xbar_r", "xbar_s", "i_mr")
#: ``chart = "auto"``: the chart advised by :func:`leankit.spc.advise`
AUTO = "auto"
KPIS = ("fpy", "scrap_rate", "oee", "dpmo", "out_of_control")


class ReportSpecError(LeankitError, ValueError):
    """A report specification is invalid; the message names the key (and file)."""


@dataclass(frozen=True, slots=True)
class CharacteristicSpec:
    """One characteristic to chart: name, chart type, subgroup column, optional specs.

    ``chart = "auto"``: the chart of :func:`leankit.spc.advise` on the baseline data
    (``rules`` then holds the rules the spec names for it, or ``()`` for the advised,
    calibrated rules)."""

    name: str
    chart: str = "xbar_s"
    subgroup: str | None = "subgroup"
    lsl: float | None = None
    usl: float | None = None
    target: float | None = None
    capability_target: float = 1.33
    rules: tuple[str, ...] = ("we_1", "nelson_2")
    #: extra column arguments of the chart family (``ChartFamily.extra_columns``), as
    #: (argument, column of the measurements table) pairs: ``(("part", "product"),)``
    columns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CountSpec:
    """One count series to chart (``[[counts]]``): defects of the defects table, filtered
    by ``where`` (column -> value or list of values), per ``period`` (``"day"``: defects
    and units inspected per UTC day; ``"lot"``: per inspection lot), charted with the
    advised attribute chart (u, Laney u′, g for rare events ...)."""

    name: str
    where: tuple[tuple[str, Any], ...] = ()
    period: str = "day"
    attribute: str = "defects"


@dataclass(frozen=True, slots=True)
class GageStudySpec:
    """A gage study of a characteristic (``[[gage_studies]]``): a study table (``file``,
    CSV or Parquet, one row per reading with ``part``, ``operator`` and ``value``
    columns) analysed with :func:`leankit.msa.gage_rr` against the characteristic's
    specification limits, or the results of a study made elsewhere
    (``percent_study_var``, optionally ``ndc``)."""

    characteristic: str
    file: Path | None = None
    part: str = "part"
    operator: str = "operator"
    value: str = "value"
    percent_study_var: float | None = None
    ndc: int | None = None


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """A validated weekly-report specification (see ``docs/reports.md``)."""

    title: str
    #: the dataset folder, or a connection string read through :mod:`leankit.data`
    data: Path | str
    week: str = "last"
    baseline: tuple[str, str] | None = None
    baseline_weeks: int = 6
    context_weeks: int = 4
    characteristics: tuple[CharacteristicSpec, ...] = ()
    counts: tuple[CountSpec, ...] = ()
    targets: dict[str, float] = field(default_factory=dict)
    opportunities: float = 1.0
    factors: tuple[str, ...] = ("line", "machine", "shift")
    sections: tuple[str, ...] = SECTIONS
    rules: tuple[str, ...] = ("we_1", "nelson_2")
    #: default chart of characteristics whose spec names none (``"auto"``: advised)
    chart: str = "auto"
    #: designed share of in-control weeks with a false signal, for ``chart = "auto"``
    alarm_rate: float = 0.02
    #: the plant's IANA time zone: weeks and days start at its midnight, times are shown
    #: in it (the JSON keeps UTC)
    timezone: str = "UTC"
    #: a characteristic with more values than this in the rows the report reads
    #: (baseline to report week) is charted from subgroup statistics computed in the
    #: engine, its capability from an engine summary (``docs/scale.md``)
    raw_values_limit: int = 500_000
    #: the actions file (CSV: about, action, owner, due, status), carried week to week
    actions: Path | None = None
    #: gage studies per characteristic (``[[gage_studies]]``): the capability section
    #: says how much of the variation is the gauge
    gage_studies: tuple[GageStudySpec, ...] = ()
    source: str = "<dict>"
    sha256: str = ""


def _where(source: str, key: str) -> str:
    return f"{source}: [{key}]" if source else f"[{key}]"


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for k in table:
        if k not in allowed:
            raise ReportSpecError(f"{where}: unknown key {k!r}{suggest(k, allowed)} "
                                  f"Allowed: {', '.join(allowed)}")


def _number(v: Any, where: str, *, low: float | None = None, high: float | None = None,
            open_low: bool = False) -> float:
    """A finite number (TOML allows nan and inf), optionally within [low, high]
    (``open_low``: strictly above *low*)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ReportSpecError(f"{where} must be a number, got {v!r}")
    x = float(v)
    if not math.isfinite(x):
        raise ReportSpecError(f"{where} = {v!r}: give a finite number")
    if low is not None and (x <= low if open_low else x < low):
        what = f"above {low:g}" if open_low else f">= {low:g}"
        raise ReportSpecError(f"{where} = {v!r}: give a number {what}"
                              + (f" and <= {high:g}" if high is not None else ""))
    if high is not None and x > high:
        raise ReportSpecError(f"{where} = {v!r}: give a number <= {high:g}"
                              + (" (a ratio: 0.97 means 97 %)" if high == 1 else ""))
    return x


#: Allowed ranges of the KPI targets: ratios in [0, 1], counts >= 0.
_TARGET_RANGES = {"fpy": (0.0, 1.0), "scrap_rate": (0.0, 1.0), "oee": (0.0, 1.0),
                  "dpmo": (0.0, 1e6), "out_of_control": (0.0, None)}


def _rules(value: Any, where: str, chart: str | None = None) -> tuple[str, ...]:
    """Validate ``rules``: against the chart family's rules (``ChartFamily.valid_rules``),
    or, for the report-wide default (*chart* None), as Shewhart rules or the rules of
    some chart family that a report can chart (``anhoej`` of the run chart)."""
    from leankit.spc import RuleError, families, get_family, resolve_rules

    if not (isinstance(value, str) or (isinstance(value, list)
                                       and all(isinstance(v, str) for v in value))):
        raise ReportSpecError(f"{where} rules = {value!r}: give a rule set or rule ids "
                              "(text or a list of text), e.g. [\"we_1\", \"nelson_2\"]")
    items = [value] if isinstance(value, str) else list(value)
    try:
        if chart is not None:
            get_family(chart).check_rules(items)
        else:
            try:
                resolve_rules(items)
            except RuleError:
                if not any(f.valid_rules is not None and all(i in f.valid_rules for i in items)
                           for f in families() if f.data_kind == "measurements"):
                    raise
    except RuleError as exc:
        raise ReportSpecError(f"{where} rules: {exc}") from None
    return tuple(str(v) for v in items)


def rules_for(chart: str, rules: tuple[str, ...]) -> tuple[str, ...]:
    """*rules* (the report-wide default) if they are valid on the chart family, else the
    family's ``default_rules`` (a g chart takes only ``limits``/``below``)."""
    from leankit.spc import RuleError, get_family

    fam = get_family(chart)
    try:
        fam.check_rules(list(rules))
    except RuleError:
        d = fam.default_rules
        return (d,) if isinstance(d, str) else tuple(d)
    return rules


def _columns(value: Any, chart: str, where: str) -> tuple[tuple[str, str], ...]:
    """A characteristic's ``columns = {part = "product"}``: the family's extra column
    arguments and the measurements columns that hold them."""
    from leankit.spc import get_family

    fam = get_family(chart)
    allowed = tuple(e.name for e in fam.extra_columns)
    if not isinstance(value, dict):
        raise ReportSpecError(f"{where} columns must be a table, e.g. columns = "
                              "{part = \"product\"}")
    for k, v in value.items():
        if k not in allowed:
            raise ReportSpecError(
                f"{where} columns: {k!r} is not a column argument of a {fam.title}"
                f"{suggest(k, allowed) or '.'} Its column arguments: "
                f"{', '.join(allowed) or 'none (remove columns)'}")
        if not isinstance(v, str) or not v:
            raise ReportSpecError(f"{where} columns: {k} = {v!r}: give a column name (text)")
    for e in fam.extra_columns:
        if e.required and e.name not in value:
            raise ReportSpecError(f"{where}: a {fam.title} needs columns = {{{e.name} = "
                                  f"\"COLUMN\"}} (the column of {e.help or e.name} in the "
                                  "measurements table)")
    return tuple((str(k), str(v)) for k, v in value.items())


def spec_from_dict(doc: dict[str, Any], *, base: Path, source: str = "<dict>",
                   sha256: str = "") -> ReportSpec:
    """Validate a parsed specification; relative paths are taken from *base*."""
    _check_keys(doc, ("report", "characteristics", "counts", "targets", "defects", "sections",
                      "actions", "gage_studies"), source)
    rep = doc.get("report")
    if not isinstance(rep, dict):
        raise ReportSpecError(f"{source}: the [report] table is missing; it needs at least "
                              "title and data (the dataset folder)")
    _check_keys(rep, ("title", "data", "week", "baseline", "baseline_weeks", "context_weeks",
                      "rules", "chart", "alarm_rate", "timezone", "raw_values_limit"),
                _where(source, "report"))
    default_rules = _rules(rep.get("rules", ["we_1", "nelson_2"]), _where(source, "report"))
    default_chart = _chart(rep.get("chart", AUTO), _where(source, "report"))
    alarm_rate = _number(rep.get("alarm_rate", 0.02), f"{_where(source, 'report')} alarm_rate",
                         low=0, open_low=True, high=0.5)
    timezone = _timezone(rep.get("timezone", "UTC"), _where(source, "report"))
    if "data" not in rep:
        raise ReportSpecError(f"{_where(source, 'report')} data is missing: give the dataset "
                              "folder written by `leankit ingest`")
    data = data_location(rep["data"], base, _where(source, "report"))
    week = str(rep.get("week", "last"))
    import re

    if week != "last" and not re.fullmatch(r"\d{4}-W\d{2}", week):
        raise ReportSpecError(f"{_where(source, 'report')} week = {week!r}: use an ISO week "
                              "like \"2026-W47\" or \"last\"")
    if week != "last":
        import datetime as _dt

        try:
            _dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
        except ValueError:
            raise ReportSpecError(f"{_where(source, 'report')} week = {week!r}: year "
                                  f"{week[:4]} has no week {week[6:]}") from None
    baseline = rep.get("baseline")
    if baseline is not None:
        if not (isinstance(baseline, list) and len(baseline) == 2):
            raise ReportSpecError(f"{_where(source, 'report')} baseline must be "
                                  "[\"start\", \"end\"] dates (the Phase I period)")
        import pandas as _pd

        try:
            b0, b1 = (_pd.Timestamp(str(v)) for v in baseline)
        except ValueError:
            raise ReportSpecError(f"{_where(source, 'report')} baseline = {baseline!r}: give "
                                  "two dates like \"2026-08-31\"") from None
        if not b0 < b1:
            raise ReportSpecError(f"{_where(source, 'report')} baseline: the start must be "
                                  "before the end")
        baseline = (str(baseline[0]), str(baseline[1]))
    defaults = {"baseline_weeks": 6, "context_weeks": 4, "raw_values_limit": 500_000}
    for key, low in (("baseline_weeks", 1), ("context_weeks", 0), ("raw_values_limit", 1)):
        v = rep.get(key, defaults[key])
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ReportSpecError(f"{_where(source, 'report')} {key} = {v!r}: give a whole "
                                  f"number >= {low}")
    chars = []
    raw_chars = doc.get("characteristics", [])
    if not isinstance(raw_chars, list):
        raise ReportSpecError(f"{source}: characteristics must be an array of tables "
                              "([[characteristics]])")
    for i, c in enumerate(raw_chars):
        where = _where(source, f"characteristics[{i}]")
        if not isinstance(c, dict) or "name" not in c:
            raise ReportSpecError(f"{where}: every [[characteristics]] needs a name")
        _check_keys(c, ("name", "chart", "subgroup", "lsl", "usl", "target",
                        "capability_target", "rules", "columns"), where)
        chart = _chart(c.get("chart", default_chart), where)
        kw: dict[str, Any] = {k: _number(c[k], f"{where} {k}") for k in
                              ("lsl", "usl", "target") if k in c}
        if "capability_target" in c:
            kw["capability_target"] = _number(c["capability_target"],
                                              f"{where} capability_target", low=0, open_low=True)
        if "lsl" in kw and "usl" in kw and not kw["lsl"] < kw["usl"]:
            raise ReportSpecError(f"{where}: lsl = {kw['lsl']:g} must be below usl = "
                                  f"{kw['usl']:g}")
        if not isinstance(c.get("subgroup", "subgroup"), (str, type(None))):
            raise ReportSpecError(f"{where} subgroup must be a column name (text), got "
                                  f"{c['subgroup']!r}")
        if chart == AUTO:
            rules = _rules(c["rules"], where) if "rules" in c else ()
            if "columns" in c:
                raise ReportSpecError(f"{where}: columns need a named chart (chart = "
                                      "\"auto\" advises from value, subgroup and time only)")
            columns: tuple[tuple[str, str], ...] = ()
        else:
            rules = (_rules(c["rules"], where, chart) if "rules" in c
                     else rules_for(chart, default_rules))
            columns = _columns(c.get("columns", {}), chart, where)
        chars.append(CharacteristicSpec(name=str(c["name"]), chart=chart,
                                        subgroup=c.get("subgroup", "subgroup"),
                                        rules=rules, columns=columns, **kw))
    counts = _counts(doc.get("counts", []), source)
    actions = None
    act = doc.get("actions", {})
    if not isinstance(act, dict):
        raise ReportSpecError(f"{_where(source, 'actions')} must be a table with file = "
                              "\"actions.csv\"")
    _check_keys(act, ("file",), _where(source, "actions"))
    if "file" in act:
        if not isinstance(act["file"], str) or not act["file"]:
            raise ReportSpecError(f"{_where(source, 'actions')} file must be a path (text)")
        actions = Path(act["file"])
        if not actions.is_absolute():
            actions = (base / actions).resolve()
        if not actions.is_file():
            raise ReportSpecError(f"{_where(source, 'actions')} file = {act['file']!r}: "
                                  f"{str(actions)!r} does not exist (a CSV with columns "
                                  "about, action, owner, due, status)")
    gage_studies = _gage_studies(doc.get("gage_studies", []), base, source)
    targets_raw = doc.get("targets", {})
    _check_keys(targets_raw, KPIS, _where(source, "targets"))
    targets = {k: _number(v, f"{_where(source, 'targets')} {k}", low=_TARGET_RANGES[k][0],
                          high=_TARGET_RANGES[k][1]) for k, v in targets_raw.items()}
    defects = doc.get("defects", {})
    if not isinstance(defects, dict):
        raise ReportSpecError(f"{_where(source, 'defects')} must be a table")
    _check_keys(defects, ("opportunities", "factors"), _where(source, "defects"))
    opportunities = _number(defects.get("opportunities", 1),
                            f"{_where(source, 'defects')} opportunities", low=0, open_low=True)
    factors = defects.get("factors", ["line", "machine", "shift"])
    if isinstance(factors, str):
        factors = [factors]
    if not isinstance(factors, list) or not all(isinstance(f, str) and f for f in factors):
        raise ReportSpecError(f"{_where(source, 'defects')} factors = {factors!r}: give a "
                              "list of column names of the defects table, e.g. "
                              "[\"line\", \"machine\", \"shift\"]")
    secs = doc.get("sections", {})
    _check_keys(secs, ("include",), _where(source, "sections"))
    include = tuple(secs.get("include", SECTIONS))
    for s in include:
        if s not in SECTIONS:
            raise ReportSpecError(f"{_where(source, 'sections')} include: unknown section "
                                  f"{s!r}{suggest(s, SECTIONS)} Sections: {', '.join(SECTIONS)}")
    return ReportSpec(
        title=str(rep.get("title", "Weekly quality report")), data=data, week=week,
        rules=default_rules, chart=default_chart, alarm_rate=alarm_rate, timezone=timezone,
        baseline=baseline, baseline_weeks=int(rep.get("baseline_weeks", 6)),
        context_weeks=int(rep.get("context_weeks", 4)), characteristics=tuple(chars),
        raw_values_limit=int(rep.get("raw_values_limit", 500_000)),
        counts=counts, actions=actions, gage_studies=gage_studies,
        targets=targets, opportunities=opportunities,
        factors=tuple(dict.fromkeys(factors)), sections=include,
        source=source, sha256=sha256)


def _gage_studies(raw: Any, base: Path, source: str) -> tuple[GageStudySpec, ...]:
    """``[[gage_studies]]``: a study file (analysed) or a stated %GRR, per characteristic."""
    if not isinstance(raw, list):
        raise ReportSpecError(f"{source}: gage_studies must be an array of tables "
                              "([[gage_studies]])")
    out = []
    for i, g in enumerate(raw):
        at = _where(source, f"gage_studies[{i}]")
        if not isinstance(g, dict):
            raise ReportSpecError(f"{at} must be a table")
        _check_keys(g, ("characteristic", "file", "part", "operator", "value",
                        "percent_study_var", "ndc"), at)
        name = g.get("characteristic")
        if not isinstance(name, str) or not name:
            raise ReportSpecError(f"{at} characteristic is missing: name the characteristic "
                                  "the gauge measures")
        if ("file" in g) == ("percent_study_var" in g):
            raise ReportSpecError(f"{at}: give either file = \"<study table>\" (analysed "
                                  "with leankit.msa.gage_rr) or percent_study_var = <%GRR of "
                                  "a study made elsewhere>, not both or neither")
        path = None
        if "file" in g:
            if not isinstance(g["file"], str) or not g["file"]:
                raise ReportSpecError(f"{at} file must be a path (text)")
            path = Path(g["file"])
            if not path.is_absolute():
                path = (base / path).resolve()
            if not path.is_file():
                raise ReportSpecError(f"{at} file = {g['file']!r}: {str(path)!r} does not "
                                      "exist (a CSV or Parquet table with part, operator and "
                                      "value columns)")
        for key in ("part", "operator", "value"):
            if key in g and (not isinstance(g[key], str) or not g[key]):
                raise ReportSpecError(f"{at} {key} must be a column name (text)")
        pct = g.get("percent_study_var")
        ndc = g.get("ndc")
        if ndc is not None and (isinstance(ndc, bool) or not isinstance(ndc, int) or ndc < 1):
            raise ReportSpecError(f"{at} ndc = {ndc!r}: give a whole number >= 1")
        out.append(GageStudySpec(
            characteristic=name, file=path, part=g.get("part", "part"),
            operator=g.get("operator", "operator"), value=g.get("value", "value"),
            percent_study_var=None if pct is None else _number(
                pct, f"{at} percent_study_var", low=0, open_low=True),
            ndc=ndc))
    return tuple(out)


#: Connection strings a report's ``data =`` may give instead of a dataset folder.
_URL = re.compile(r"^(postgresql(\+\w+)?://|postgres://|spark://|local(\[(\d+|\*)\])?$)")


def data_location(value: Any, base: Path, where: str) -> Path | str:
    """A report spec's ``data =``: a dataset folder (relative to the spec) or a
    connection string (``postgresql://user:password@host/db``, ``spark://host:7077``,
    ``local[2]``) read through :mod:`leankit.data`."""
    if not isinstance(value, str) or not value.strip():
        raise ReportSpecError(f"{where} data = {value!r}: give the dataset folder written "
                              "by `leankit ingest`, or a postgresql:// URL or a Spark master")
    text = value.strip()
    if _URL.match(text):
        return text
    data = Path(text)
    if not data.is_absolute():
        data = (base / data).resolve()
    if not data.is_dir():
        raise ReportSpecError(f"{where} data = {value!r}: folder {str(data)!r} does not "
                              "exist (or give a postgresql:// URL or a Spark master)")
    return data


def _timezone(value: Any, where: str) -> str:
    """An IANA time zone name (``"Europe/Berlin"``), checked against the tz database."""
    import zoneinfo

    if not isinstance(value, str) or not value:
        raise ReportSpecError(f"{where} timezone = {value!r}: give an IANA time zone name, "
                              "e.g. \"Europe/Berlin\" (or \"UTC\")")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        known = sorted(zoneinfo.available_timezones())
        raise ReportSpecError(f"{where} timezone = {value!r} is not a time zone"
                              f"{suggest(value, known)} Use an IANA name such as "
                              "\"Europe/Berlin\"") from None
    return value


def _counts(raw: Any, source: str) -> tuple[CountSpec, ...]:
    """Validate ``[[counts]]``."""
    if not isinstance(raw, list):
        raise ReportSpecError(f"{source}: counts must be an array of tables ([[counts]])")
    out = []
    names: set[str] = set()
    for i, c in enumerate(raw):
        where = _where(source, f"counts[{i}]")
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not c["name"]:
            raise ReportSpecError(f"{where}: every [[counts]] needs a name (text), e.g. "
                                  "name = \"Leaks per day\"")
        _check_keys(c, ("name", "where", "period", "attribute"), where)
        if c["name"] in names:
            raise ReportSpecError(f"{where}: name = {c['name']!r} is used twice")
        names.add(c["name"])
        flt = where_filter(c.get("where"), f"{where} where",
                           example='{ defect_type = "Leak" }')
        period = c.get("period", "day")
        if period not in ("day", "lot"):
            raise ReportSpecError(f"{where} period = {period!r}: use \"day\" (defects and "
                                  "units per day) or \"lot\" (per inspection lot)")
        attribute = c.get("attribute", "defects")
        if attribute not in ("defects", "defectives"):
            raise ReportSpecError(f"{where} attribute = {attribute!r}: use \"defects\" "
                                  "(u, Laney u') or \"defectives\" (p, Laney p')")
        out.append(CountSpec(name=c["name"], where=flt, period=period, attribute=attribute))
    return tuple(out)


def where_filter(value: Any, where: str, example: str = '{ line = "L2" }'
                 ) -> tuple[tuple[str, Any], ...]:
    """A spec's ``where`` table (column = value, or a list of values: text or numbers) as
    ``((column, value or tuple of values), ...)``; the same rules for the weekly report's
    ``[[counts]]`` and the A3 report's ``[[metrics]]``.

    Examples
    --------
    >>> where_filter({"line": "L2", "shift": ["day", "night"]}, "counts[0] where")
    (('line', 'L2'), ('shift', ('day', 'night')))
    """
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ReportSpecError(f"{where} = {value!r}: give a table of column = value (or a "
                              f"list of values), e.g. where = {example}")
    out = []
    for col, val in value.items():
        vals = val if isinstance(val, list) else [val]
        if not vals or not all(isinstance(x, (str, int, float)) and not isinstance(x, bool)
                               for x in vals):
            raise ReportSpecError(f"{where}.{col} = {val!r}: give a value or a non-empty list "
                                  "of values (text or numbers)")
        out.append((str(col), tuple(vals) if isinstance(val, list) else val))
    return tuple(out)


def _chart(chart: Any, where: str) -> str:
    """A chart of a spec: ``"auto"`` or a chart family id (aliases resolved)."""
    if chart == AUTO:
        return AUTO
    known = chart_types()
    if not isinstance(chart, str) or chart_id(chart) not in known:
        kind = _data_kind(chart) if isinstance(chart, str) else None
        why = {"counts": " charts counts, not measurements;",
               "events": " charts the gaps between rare events, not measurements;"
               }.get(kind or "", "")
        raise ReportSpecError(f"{where}: chart = {chart!r}{why}"
                              f"{'' if why else suggest(str(chart), (AUTO, *known)) or ';'} "
                              f"use one of {', '.join(known)}, or \"auto\" (the advised chart)")
    return chart_id(chart)


def chart_types() -> tuple[str, ...]:
    """The chart ids a report spec accepts: every registered chart family that charts
    measurements (``ChartFamily.data_kind``; counts and rare-event gaps belong to other
    sections)."""
    from leankit.spc import families

    return tuple(f.id for f in families() if f.data_kind == "measurements")


def _data_kind(name: str) -> str | None:
    from leankit.spc import FamilyError, get_family

    try:
        return get_family(name).data_kind
    except FamilyError:
        return None


def chart_id(name: str) -> str:
    """The family id of a chart id or alias (*name* itself when it is not registered)."""
    from leankit.spc import FamilyError, get_family

    try:
        return get_family(name).id
    except FamilyError:
        return name


def load_spec(path: str | Path) -> ReportSpec:
    """Read and validate a report specification file.

    Raises
    ------
    ReportSpecError
        The file is missing, not valid TOML (the message gives line and column), or a
        key is unknown or wrong (the message names it).
    """
    path = Path(path)
    doc, sha = read_toml(path, "report spec")
    return spec_from_dict(doc, base=path.parent, source=str(path), sha256=sha)


def read_toml(path: Path, what: str) -> tuple[dict[str, Any], str]:
    """The parsed TOML file *path* and the SHA-256 of its bytes (reports state it).

    Raises
    ------
    ReportSpecError
        The file is missing, not UTF-8, or not valid TOML (line and column given).
    """
    if not path.is_file():
        raise ReportSpecError(f"{what} {str(path)!r} does not exist")
    raw = path.read_bytes()
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReportSpecError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReportSpecError(f"{path}: invalid TOML: {exc}") from None
    return doc, hashlib.sha256(raw).hexdigest()
