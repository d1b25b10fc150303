"""The A3 improvement report's specification (TOML): the team's words (title, problem,
goal, causes, 5 whys, countermeasures, sustain plan) and the data that proves them
(metrics, periods, evidence), validated with errors that name the offending key.

See ``docs/reports.md`` ("The A3 improvement report") and ``sample_data/a3.toml``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leankit.errors import suggest
from leankit.reports._spec import (
    ReportSpecError,
    _check_keys,
    _number,
    _timezone,
    data_location,
    read_toml,
    where_filter,
)

__all__ = ["A3Action", "A3Cause", "A3Evidence", "A3Metric", "A3Spec", "A3Sustain",
           "load_a3_spec"]

#: Metric kinds: a defect rate of the defects table, a characteristic of the
#: measurements table, a KPI of the production table.
METRIC_KINDS = ("defect_rate", "characteristic", "kpi")
A3_KPIS = ("fpy", "scrap_rate", "oee")
BETTER = ("lower", "higher", "target", "capability", "less_variation")
#: The statuses a team gives a candidate cause.
CAUSE_STATUS = ("verified", "refuted", "open")
EVIDENCE_KINDS = ("stratify", "signal", "change_point")
ACTION_STATUS = ("open", "in progress", "done")
#: The fishbone's default categories: the 6M.
SIX_M = ("Man", "Machine", "Method", "Material", "Measurement", "Environment")
#: Text fields are cut to this many characters (a spec is a page, not a book).
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class A3Metric:
    """One metric of the A3: what is measured, how it is filtered, the goal, and which
    direction is better.

    ``kind`` ``"defect_rate"``: defects per unit inspected of the defects rows matching
    ``where``; ``"characteristic"``: the values of ``characteristic`` (rows matching
    ``where``); ``"kpi"``: ``kpi`` (fpy, scrap_rate, oee) of the production rows
    matching ``where``.
    """

    name: str
    kind: str
    where: tuple[tuple[str, Any], ...] = ()
    characteristic: str | None = None
    kpi: str | None = None
    goal: float | None = None
    better: str = "lower"
    unit: str = ""
    subgroup: str | None = None


@dataclass(frozen=True, slots=True)
class A3Evidence:
    """The data a cause's status rests on.

    ``kind`` ``"stratify"``: the defect rate of the rows matching ``where`` against the
    rest of the metric's rows in the baseline (rate ratio, CI, p); ``"signal"``: a
    special cause on the control chart of characteristic ``target``; ``"change_point"``:
    a change point of ``target`` (a characteristic, or the metric when empty) within
    ``days`` of ``date``.
    """

    kind: str
    where: tuple[tuple[str, Any], ...] = ()
    target: str = ""
    date: dt.date | None = None
    days: float = 2.0


@dataclass(frozen=True, slots=True)
class A3Cause:
    """A candidate cause on the fishbone: its category, the team's status and the
    evidence linked to it (None: no evidence)."""

    category: str
    cause: str
    status: str
    evidence: A3Evidence | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class A3Action:
    """A countermeasure: action, owner, due date, done date and status."""

    action: str
    owner: str
    due: dt.date
    status: str = "open"
    done: dt.date | None = None
    cause: str = ""


@dataclass(frozen=True, slots=True)
class A3Sustain:
    """The sustain plan: the control plan's chart and rules, who reacts and how, the
    next review, and whether the new limits are frozen in the limits registry."""

    reaction: str = ""
    owner: str = ""
    review: dt.date | None = None
    chart: str = "auto"
    freeze: bool = False


@dataclass(frozen=True, slots=True)
class A3Spec:
    """A validated A3 specification (see ``docs/reports.md``)."""

    title: str
    #: the dataset folder, or a connection string read through :mod:`leankit.data`
    data: Path | str
    owner: str
    problem: str
    goal: str
    metrics: tuple[A3Metric, ...]
    change: dt.date
    baseline: tuple[dt.date, dt.date]
    improvement: tuple[dt.date, dt.date] | None = None
    team: tuple[str, ...] = ()
    started: dt.date | None = None
    as_of: dt.date | None = None
    timezone: str = "UTC"
    background: str = ""
    categories: tuple[str, ...] = SIX_M
    causes: tuple[A3Cause, ...] = ()
    whys: tuple[str, ...] = ()
    countermeasures: tuple[A3Action, ...] = ()
    sustain: A3Sustain = A3Sustain()
    cost_per_defect: float | None = None
    source: str = "<dict>"
    sha256: str = ""


def _at(source: str, key: str) -> str:
    return f"{source}: [{key}]"


def _text(v: Any, where: str, *, required: bool = False) -> str:
    if v is None:
        if required:
            raise ReportSpecError(f"{where} is missing: give it as text")
        return ""
    if not isinstance(v, str):
        raise ReportSpecError(f"{where} = {v!r}: give text (in quotes)")
    v = v.strip()
    if required and not v:
        raise ReportSpecError(f"{where} is empty: give it as text")
    return str(v[:MAX_TEXT])


def _date(v: Any, where: str) -> dt.date:
    """A TOML date (``2026-11-09``) or the same as text."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise ReportSpecError(f"{where} = {v!r}: give a date like 2026-11-09")


def _period(v: Any, where: str) -> tuple[dt.date, dt.date]:
    if not isinstance(v, list) or len(v) != 2:
        raise ReportSpecError(f"{where} = {v!r}: give [first day, day after the last], e.g. "
                              "[2026-09-28, 2026-11-09]")
    a, b = _date(v[0], where), _date(v[1], where)
    if b <= a:
        raise ReportSpecError(f"{where} = {v!r}: the end must be after the start")
    return a, b


def _metric(raw: Any, i: int, source: str) -> A3Metric:
    at = _at(source, f"metrics[{i}]")
    if not isinstance(raw, dict):
        raise ReportSpecError(f"{at} must be a table ([[metrics]])")
    _check_keys(raw, ("name", "kind", "where", "characteristic", "kpi", "goal", "better",
                      "unit", "subgroup"), at)
    kind = raw.get("kind", "defect_rate")
    if kind not in METRIC_KINDS:
        raise ReportSpecError(f"{at} kind = {kind!r}{suggest(str(kind), METRIC_KINDS)} "
                              f"Kinds: {', '.join(METRIC_KINDS)}")
    char = raw.get("characteristic")
    kpi = raw.get("kpi")
    if kind == "characteristic" and not (isinstance(char, str) and char):
        raise ReportSpecError(f"{at} kind = \"characteristic\" needs characteristic = "
                              "\"<name in the measurements table>\"")
    if kind == "kpi" and kpi not in A3_KPIS:
        raise ReportSpecError(f"{at} kind = \"kpi\" needs kpi = one of {', '.join(A3_KPIS)}"
                              f" (got {kpi!r})")
    default_better = {"defect_rate": "lower", "characteristic": "capability",
                      "kpi": "higher" if kpi in ("fpy", "oee") else "lower"}[kind]
    better = raw.get("better", default_better)
    allowed = {"defect_rate": ("lower",), "kpi": ("lower", "higher"),
               "characteristic": BETTER}[kind]
    if better not in allowed:
        raise ReportSpecError(f"{at} better = {better!r}: for kind = {kind!r} use one of "
                              f"{', '.join(allowed)}")
    goal = raw.get("goal")
    default_name = {"defect_rate": "defects per unit", "characteristic": str(char),
                    "kpi": str(kpi)}[kind]
    return A3Metric(
        name=_text(raw.get("name", default_name), f"{at} name", required=True),
        kind=kind, where=where_filter(raw.get("where"), f"{at} where"),
        characteristic=char if kind == "characteristic" else None,
        kpi=kpi if kind == "kpi" else None,
        goal=None if goal is None else _number(goal, f"{at} goal"), better=better,
        unit=_text(raw.get("unit"), f"{at} unit"),
        subgroup=_text(raw.get("subgroup"), f"{at} subgroup") or None)


def _evidence(raw: Any, where: str) -> A3Evidence | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ReportSpecError(f"{where} = {raw!r}: give a table, e.g. {{ stratify = "
                              "{ machine = \"L2-M2\" } } or { signal = \"bore_diameter\" } or "
                              "{ change_point = \"bore_diameter\", date = 2026-10-28 }")
    _check_keys(raw, (*EVIDENCE_KINDS, "date", "days"), where)
    kinds = [k for k in EVIDENCE_KINDS if k in raw]
    if len(kinds) != 1:
        raise ReportSpecError(f"{where}: give exactly one of {', '.join(EVIDENCE_KINDS)}")
    kind = kinds[0]
    if kind == "stratify":
        filt = where_filter(raw["stratify"], f"{where} stratify")
        if not filt:
            raise ReportSpecError(f"{where} stratify is empty: name the rows of the suspected "
                                  "cause, e.g. { machine = \"L2-M2\", shift = \"night\" }")
        return A3Evidence(kind=kind, where=filt)
    target = raw[kind]
    if not isinstance(target, str):
        raise ReportSpecError(f"{where} {kind} = {target!r}: give the name of a "
                              "characteristic (or \"\" for the A3's first metric)")
    date = None
    if kind == "change_point":
        if "date" not in raw:
            raise ReportSpecError(f"{where}: a change_point needs date = the day the cause "
                                  "started (e.g. 2026-10-28), to check that the data changed "
                                  "then")
        date = _date(raw["date"], f"{where} date")
    days = _number(raw.get("days", 2), f"{where} days", low=0)
    return A3Evidence(kind=kind, target=target, date=date, days=days)


def _cause(raw: Any, i: int, source: str, categories: tuple[str, ...]) -> A3Cause:
    at = _at(source, f"causes[{i}]")
    if not isinstance(raw, dict):
        raise ReportSpecError(f"{at} must be a table ([[causes]])")
    _check_keys(raw, ("category", "cause", "status", "evidence", "note"), at)
    cat = _text(raw.get("category"), f"{at} category", required=True)
    match = {c.lower(): c for c in categories}.get(cat.lower())
    if match is None:
        raise ReportSpecError(f"{at} category = {cat!r} is not a fishbone category"
                              f"{suggest(cat, categories)} Categories: "
                              f"{', '.join(categories)} (set [a3] categories to change them)")
    status = str(raw.get("status", "open")).strip().lower()
    if status not in CAUSE_STATUS:
        raise ReportSpecError(f"{at} status = {raw.get('status')!r}: use one of "
                              f"{', '.join(CAUSE_STATUS)}")
    return A3Cause(category=match, cause=_text(raw.get("cause"), f"{at} cause", required=True),
                   status=status, evidence=_evidence(raw.get("evidence"), f"{at} evidence"),
                   note=_text(raw.get("note"), f"{at} note"))


def _action(raw: Any, i: int, source: str) -> A3Action:
    at = _at(source, f"countermeasures[{i}]")
    if not isinstance(raw, dict):
        raise ReportSpecError(f"{at} must be a table ([[countermeasures]])")
    _check_keys(raw, ("action", "owner", "due", "done", "status", "cause"), at)
    for key in ("action", "owner", "due"):
        if key not in raw:
            raise ReportSpecError(f"{at} {key} is missing: a countermeasure needs action, "
                                  "owner and due")
    done = None if raw.get("done") in (None, "") else _date(raw["done"], f"{at} done")
    status = str(raw.get("status", "done" if done else "open")).strip().lower()
    if status not in ACTION_STATUS:
        raise ReportSpecError(f"{at} status = {raw.get('status')!r}: use one of "
                              f"{', '.join(ACTION_STATUS)}")
    if done is not None and status != "done":
        raise ReportSpecError(f"{at}: done = {done} but status = {status!r}; set status = "
                              "\"done\" or remove done")
    return A3Action(action=_text(raw["action"], f"{at} action", required=True),
                    owner=_text(raw["owner"], f"{at} owner", required=True),
                    due=_date(raw["due"], f"{at} due"), status=status, done=done,
                    cause=_text(raw.get("cause"), f"{at} cause"))


def _sustain(raw: Any, source: str) -> A3Sustain:
    at = _at(source, "sustain")
    if raw is None:
        return A3Sustain()
    if not isinstance(raw, dict):
        raise ReportSpecError(f"{at} must be a table")
    _check_keys(raw, ("reaction", "owner", "review", "chart", "freeze"), at)
    freeze = raw.get("freeze", False)
    if not isinstance(freeze, bool):
        raise ReportSpecError(f"{at} freeze = {freeze!r}: give true or false")
    chart = raw.get("chart", "auto")
    if not isinstance(chart, str) or not chart:
        raise ReportSpecError(f"{at} chart = {chart!r}: give a chart family id or \"auto\"")
    return A3Sustain(reaction=_text(raw.get("reaction"), f"{at} reaction"),
                     owner=_text(raw.get("owner"), f"{at} owner"),
                     review=None if raw.get("review") is None else _date(raw["review"],
                                                                         f"{at} review"),
                     chart=chart, freeze=freeze)


def a3_spec_from_dict(doc: dict[str, Any], *, base: Path, source: str = "<dict>",
                      sha256: str = "") -> A3Spec:
    """Validate a parsed A3 specification; relative paths are taken from *base*.

    Raises
    ------
    ReportSpecError
        A missing or unknown key, a wrong value (the message names the key).
    """
    _check_keys(doc, ("a3", "metrics", "causes", "countermeasures", "sustain"), source)
    a3 = doc.get("a3")
    if not isinstance(a3, dict):
        raise ReportSpecError(f"{source}: the [a3] table is missing; it needs at least title, "
                              "owner, data, problem, goal and change (the countermeasure "
                              "date)")
    at = _at(source, "a3")
    _check_keys(a3, ("title", "owner", "team", "data", "timezone", "started", "as_of",
                     "problem", "goal", "background", "change", "baseline", "improvement",
                     "categories", "whys", "cost_per_defect"), at)
    if "data" not in a3:
        raise ReportSpecError(f"{at} data is missing: give the dataset folder written by "
                              "`leankit ingest`")
    data = data_location(a3["data"], base, at)
    if "change" not in a3:
        raise ReportSpecError(f"{at} change is missing: give the date the countermeasure "
                              "took effect (e.g. 2026-11-09); the effect check compares the "
                              "data before it with the data after it")
    change = _date(a3["change"], f"{at} change")
    baseline = (_period(a3["baseline"], f"{at} baseline") if "baseline" in a3 else
                (change - dt.timedelta(weeks=6), change))
    if baseline[1] > change:
        raise ReportSpecError(f"{at} baseline = {a3['baseline']!r} ends after change = "
                              f"{change}: the baseline is the state before the countermeasure")
    improvement = (_period(a3["improvement"], f"{at} improvement") if "improvement" in a3
                   else None)
    if improvement is not None and improvement[0] < change:
        raise ReportSpecError(f"{at} improvement = {a3['improvement']!r} starts before "
                              f"change = {change}")
    team = a3.get("team", [])
    if isinstance(team, str):
        team = [team]
    if not isinstance(team, list) or not all(isinstance(t, str) for t in team):
        raise ReportSpecError(f"{at} team = {team!r}: give a list of names")
    cats = a3.get("categories", list(SIX_M))
    if (not isinstance(cats, list) or not cats
            or not all(isinstance(c, str) and c.strip() for c in cats)):
        raise ReportSpecError(f"{at} categories = {cats!r}: give a list of category names, "
                              "e.g. [\"Man\", \"Machine\", \"Method\", \"Material\", "
                              "\"Measurement\", \"Environment\"]")
    categories = tuple(dict.fromkeys(c.strip()[:80] for c in cats))
    whys = a3.get("whys", [])
    if not isinstance(whys, list) or not all(isinstance(w, str) for w in whys):
        raise ReportSpecError(f"{at} whys = {whys!r}: give the 5-whys chain as a list of "
                              "text, from the problem to the root cause")
    metrics_raw = doc.get("metrics")
    if not isinstance(metrics_raw, list) or not metrics_raw:
        raise ReportSpecError(f"{source}: no [[metrics]]: give at least one metric (the first "
                              "is the A3's headline), e.g. [[metrics]] kind = \"defect_rate\" "
                              "where = {{ line = \"L2\" }}")
    causes_raw = doc.get("causes", [])
    acts_raw = doc.get("countermeasures", [])
    for key, val in (("causes", causes_raw), ("countermeasures", acts_raw)):
        if not isinstance(val, list):
            raise ReportSpecError(f"{source}: {key} must be an array of tables ([[{key}]])")
    cost = a3.get("cost_per_defect")
    return A3Spec(
        title=_text(a3.get("title"), f"{at} title", required=True),
        owner=_text(a3.get("owner"), f"{at} owner", required=True),
        problem=_text(a3.get("problem"), f"{at} problem", required=True),
        goal=_text(a3.get("goal"), f"{at} goal", required=True),
        background=_text(a3.get("background"), f"{at} background"),
        data=data, team=tuple(t.strip()[:200] for t in team if t.strip()),
        started=None if a3.get("started") is None else _date(a3["started"], f"{at} started"),
        as_of=None if a3.get("as_of") is None else _date(a3["as_of"], f"{at} as_of"),
        timezone=_timezone(a3.get("timezone", "UTC"), at),
        change=change, baseline=baseline, improvement=improvement, categories=categories,
        metrics=tuple(_metric(m, i, source) for i, m in enumerate(metrics_raw)),
        causes=tuple(_cause(c, i, source, categories) for i, c in enumerate(causes_raw)),
        whys=tuple(_text(w, f"{at} whys[{i}]") for i, w in enumerate(whys) if w.strip()),
        countermeasures=tuple(_action(c, i, source) for i, c in enumerate(acts_raw)),
        sustain=_sustain(doc.get("sustain"), source),
        cost_per_defect=None if cost is None else _number(cost, f"{at} cost_per_defect",
                                                          low=0),
        source=source, sha256=sha256)


def load_a3_spec(path: str | Path) -> A3Spec:
    """Read and validate an A3 specification file.

    Raises
    ------
    ReportSpecError
        The file is missing, not valid TOML (the message gives line and column), or a
        key is unknown or wrong (the message names it).
    """
    path = Path(path)
    doc, sha = read_toml(path, "A3 spec")
    return a3_spec_from_dict(doc, base=path.parent, source=str(path), sha256=sha)
