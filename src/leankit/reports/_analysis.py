"""The weekly analysis: everything the weekly report states, computed from the dataset
with the public API (``leankit.spc``, ``leankit.rca``, ``leankit.lean``) and returned as
one frozen :class:`WeeklyAnalysis`. The HTML report (:mod:`leankit.reports._sections`)
and the JSON verdicts render it; no section reads the dataset itself.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leankit import __version__
from leankit._text import isolate
from leankit.errors import LeankitError, suggest
from leankit.reports._large import (
    EngineStats,
    assess_large,
    inventory,
    is_large,
    raw_batches,
)
from leankit.reports._spec import (
    AUTO,
    CharacteristicSpec,
    ReportSpec,
    ReportSpecError,
    rules_for,
)
from leankit.reports._verdicts import (
    SeriesVerdict,
    Window,
    _in,
    assess_counts,
    assess_measurement,
    count_series,
    points_per_week,
)

__all__ = ["KPI_ORDER", "WeeklyAnalysis", "analyse_week", "designed_rate"]

#: KPIs of the summary, in display order.
KPI_ORDER = ("fpy", "scrap_rate", "oee", "dpmo", "out_of_control")
HIGHER_BETTER = {"fpy": True, "oee": True, "scrap_rate": False, "dpmo": False,
                 "out_of_control": False}
#: Format tag of the weekly report's JSON verdicts (``X.json`` beside ``X.html``).
JSON_FORMAT = "leankit.weekly-verdicts/1"
#: Weeks of KPI history shown as trends.
TREND_WEEKS = 12


def _n(name: Any) -> str:
    return isolate(name, 120)


def failure_text(exc: BaseException) -> str:
    """``Type: message`` in one line of at most 200 characters."""
    msg = " ".join(str(exc).split()) or "(no message)"
    if len(msg) > 200:
        msg = msg[:199] + "…"
    return f"{type(exc).__name__}: {msg}"


def debug() -> bool:
    """``LEANKIT_DEBUG=1``: stop at the first failing analysis with its traceback."""
    import os

    return os.environ.get("LEANKIT_DEBUG", "") not in ("", "0")


@dataclass(frozen=True, slots=True)
class Failure:
    """An analysis that failed unexpectedly: the section it belongs to, what, why."""

    section: str
    what: str
    message: str


class _Failures:
    """Runs one analysis; an unexpected error is recorded (the report still renders and
    says so in the section); out-of-memory and interrupts are not caught."""

    def __init__(self) -> None:
        self.items: list[Failure] = []
        self.notes: list[tuple[str, str]] = []

    @contextmanager
    def noting(self, what: str, section: str) -> Iterator[None]:
        """Warnings raised inside become notes of *section* ("what: message"), once."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for w in caught:
            text = f"{what}: {' '.join(str(w.message).split())}"
            if (section, text) not in self.notes:
                self.notes.append((section, text))

    def record(self, section: str, what: str, exc: BaseException) -> str:
        if debug():
            raise exc
        self.items.append(Failure(section, what, failure_text(exc)))
        return f"this analysis failed: {failure_text(exc)}"

    @contextmanager
    def __call__(self, what: str, section: str) -> Iterator[None]:
        try:
            yield
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - one analysis must not kill the report
            self.record(section, what, exc)


@dataclass(frozen=True, kw_only=True)
class WeeklyAnalysis:
    """Everything the weekly report shows, for one ISO week.

    Attributes
    ----------
    spec : ReportSpec
    week : str
        ISO week, e.g. ``"2026-W44"``.
    window : Window
        Baseline, shown and report windows (UTC).
    series : tuple of SeriesVerdict
        One per characteristic and count series.
    kpis, kpis_previous : mapping
        KPI values of the week and of the week before (``fpy``, ``scrap_rate``, ``oee``,
        ``dpmo``, ``out_of_control``).
    kpi_trend : pandas.DataFrame
        ``week, kpi, value`` for the last 12 weeks up to the report week.
    pareto, comparison, stratification, drivers, oee, downtime
        Results of :mod:`leankit.rca` and :mod:`leankit.lean` for the week (None where
        there is no data; ``drivers`` may be the text of why no model was fitted).
    no_stratification : str
        Why there is no stratification (when ``stratification`` is None).
    files, quarantine : data quality: the dataset's file records and quarantined rows.
    scope, freshness : tuple of str
        Header lines.
    failures : tuple of Failure
        Analyses that failed unexpectedly.
    """

    spec: ReportSpec
    week: str
    window: Window
    series: tuple[SeriesVerdict, ...]
    kpis: Mapping[str, float]
    kpis_previous: Mapping[str, float]
    kpi_trend: pd.DataFrame = field(repr=False)
    pareto: Any = None
    pareto_cost: Any = None
    comparison: Any = None
    stratification: Any = None
    drivers: Any = None
    no_stratification: str = ""
    oee: Any = None
    downtime: Any = None
    downtime_top: Mapping[str, Any] | None = None
    actions: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    files: tuple[Mapping[str, Any], ...] = ()
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    scope: tuple[str, ...] = ()
    freshness: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()
    input_hashes: tuple[str, ...] = ()
    #: gage study per characteristic (``[[gage_studies]]``): ``pct_study_var``,
    #: ``pct_tolerance``, ``ndc``, ``verdict`` (AIAG), ``source``, ``finding``
    gage: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: where the data came from: the dataset folder, or the connection without password
    data_label: str = ""

    @property
    def start(self) -> pd.Timestamp:
        return self.window.start

    @property
    def end(self) -> pd.Timestamp:
        return self.window.end

    def to_json(self) -> dict[str, Any]:
        """The machine-readable verdicts (schema ``leankit.weekly-verdicts/1``,
        ``docs/reports.md``)."""
        def num(x: Any) -> float | None:
            return None if x is None or not np.isfinite(x) else float(x)

        spec, win = self.spec, self.window
        series = []
        rates = []
        for v in self.series:
            doc = v.to_json()
            r = designed_rate(v)
            doc["designed_false_alarm_rate"] = num(r)
            if np.isfinite(r):
                rates.append(r)
            series.append(doc)
        return {
            "format": JSON_FORMAT,
            "report": {"title": spec.title, "week": self.week,
                       "start": win.start.isoformat(), "end": win.end.isoformat(),
                       "baseline": [win.b0.isoformat(), win.b1.isoformat()],
                       "leankit_version": __version__,
                       "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(
                           timespec="seconds"),
                       "spec_sha256": spec.sha256 or None},
            "design": {"alarm_rate": spec.alarm_rate, "companion": "ewma",
                       "ewma_lambda": "auto",
                       "expected_false_special_causes": float(sum(rates)),
                       "series_with_design": len(rates)},
            "kpis": {k: {"value": num(self.kpis.get(k)),
                         "previous_week": num(self.kpis_previous.get(k)),
                         "target": spec.targets.get(k),
                         "status": status(k, self.kpis[k], spec.targets.get(k))}
                     for k in KPI_ORDER if k in self.kpis},
            "characteristics": [d for d in series if d["kind"] == "measurements"],
            "counts": [d for d in series if d["kind"] == "counts"],
            "gage_studies": {k: {kk: (num(vv) if isinstance(vv, float) else vv)
                                 for kk, vv in g.items()} for k, g in self.gage.items()},
            "failures": [{"analysis": f.what, "message": f.message} for f in self.failures],
        }

    @property
    def expected_false_special_causes(self) -> float:
        """Σ of the series' designed weekly false-alarm rates."""
        return float(np.nansum([designed_rate(v) for v in self.series]))


def status(kpi: str, value: float, target: float | None) -> str:
    """``good`` (on target), ``warn`` (within 5 % of it), ``bad``, ``neutral`` (no
    target)."""
    if target is None or not np.isfinite(value):
        return "neutral"
    better = HIGHER_BETTER[kpi]
    ok = value >= target if better else value <= target
    if ok:
        return "good"
    gap = abs(value - target) / (abs(target) if target else 1.0)
    return "warn" if gap < 0.05 else "bad"


def designed_rate(v: SeriesVerdict) -> float:
    """Designed probability that this series shows a false special cause in a stable
    week: the advised (calibrated) rate of chart = "auto", else the exact rate of the
    named chart's rules at its points per week (NaN where no design applies)."""
    from leankit import spc

    if not v.charted or v.chart is None:
        return math.nan
    if v.advice is not None:
        d = v.advice.diagnostics
        for key in ("combined_rate_simulated", "achieved_rate"):
            val = d.get(key)
            if val is not None and np.isfinite(val):
                return float(val)
        return math.nan
    pts = v.chart.points
    panel0 = pts["panel"].iloc[0]
    p1 = pts[(pts["panel"] == panel0) & (pts["phase"] == "I")]
    per = points_per_week(p1, None, time="time")
    rules = v.chart.parameters.get("rules", ())
    try:
        return float(spc.arl("shewhart", rules=list(rules),
                             nsigmas=float(v.chart.parameters.get("nsigmas", 3.0))
                             ).false_alarm_probability(per))
    except (LeankitError, ValueError):
        return math.nan


# --------------------------------------------------------------------------- data


def week_bounds(week: str, tz: str = "UTC") -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[Monday 00:00, next Monday 00:00)`` of an ISO week in the zone *tz*, as UTC
    instants (a week with a DST change has 167 or 169 hours)."""
    year, w = week.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(w), 1)
    start = pd.Timestamp(monday).tz_localize(tz)
    end = pd.Timestamp(monday + dt.timedelta(days=7)).tz_localize(tz)
    return start.tz_convert("UTC"), end.tz_convert("UTC")


def iso_week(ts: pd.Timestamp, tz: str = "UTC") -> str:
    """The ISO week of *ts* in the zone *tz*."""
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    y, w, _ = t.tz_convert(tz).isocalendar()
    return f"{y}-W{w:02d}"


TIME_COLUMN = {"measurements": "timestamp", "defects": "timestamp",
               "production": "period_start"}


def _limits_store(spec: ReportSpec) -> Any:
    from leankit.spc import LimitsStore

    if isinstance(spec.data, str):  # a database or cluster: no registry beside it
        return None
    store = LimitsStore(spec.data)
    return store if store.path.exists() else None


def specs_of(c: CharacteristicSpec, specs: pd.DataFrame
             ) -> tuple[float | None, float | None, float | None]:
    """(lsl, usl, target) of a characteristic: the spec file's, else the specs table's."""
    lsl, usl, target = c.lsl, c.usl, c.target
    srow = specs[specs["characteristic"] == c.name] if len(specs) else specs
    if len(srow):
        r0 = srow.iloc[0]

        def val(col: str) -> float | None:
            return None if pd.isna(r0[col]) else float(r0[col])

        lsl = lsl if lsl is not None else val("lsl")
        usl = usl if usl is not None else val("usl")
        target = target if target is not None else val("target")
    return lsl, usl, target


def _kpis(pr: pd.DataFrame, de: pd.DataFrame, opportunities: float) -> dict[str, float]:
    """FPY, scrap rate and OEE of production rows (``leankit.lean``), DPMO of defect rows
    (each inspection lot's units counted once)."""
    from leankit import lean

    out: dict[str, float] = {}
    if len(pr):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # quality notes are in the OEE section
            out["oee"] = float(lean.oee(pr, by=None, invalid="exclude").value)
            y = lean.yield_metrics(pr, by=None, invalid="exclude").to_frame().iloc[0]
        out["fpy"] = float(y["fpy"])
        out["scrap_rate"] = float(y["scrap_rate"])
    if len(de):
        units = (float(de.drop_duplicates("lot")["inspected"].sum()) if "lot" in de
                 and de["lot"].notna().all() else float(de["inspected"].sum()))
        defects = float(de["count"].sum())
        out["dpmo"] = lean.dpmo(defects, units, opportunities) if units > 0 else math.nan
    return out


ACTION_COLUMNS = ("about", "action", "owner", "due", "status")
ACTION_STATUS = ("open", "in progress", "done")


def read_actions(path: Any, *, week_end: pd.Timestamp, tz: str) -> pd.DataFrame:
    """The actions file: one row per action (``about, action, owner, due, status``),
    with ``overdue`` (not done and due before the end of the report week, local date).

    Raises
    ------
    ReportSpecError
        A missing column, a bad date or status (the message names the row).
    """
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ReportSpecError(f"[actions] file {str(path)!r}: cannot read it as CSV "
                              f"({exc})") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in ACTION_COLUMNS if c not in df.columns]
    if missing:
        raise ReportSpecError(f"[actions] file {str(path)!r}: missing column(s) "
                              f"{', '.join(missing)}; the columns are "
                              f"{', '.join(ACTION_COLUMNS)}")
    df = df[list(ACTION_COLUMNS)].apply(lambda s: s.str.strip())
    due = pd.to_datetime(df["due"], errors="coerce", format="%Y-%m-%d")
    for i in range(len(df)):
        if pd.isna(due.iloc[i]):
            raise ReportSpecError(f"[actions] file {str(path)!r}, row {i + 2}: due = "
                                  f"{df['due'].iloc[i]!r} is not a date like 2026-11-06")
        if df["status"].iloc[i].lower() not in ACTION_STATUS:
            raise ReportSpecError(f"[actions] file {str(path)!r}, row {i + 2}: status = "
                                  f"{df['status'].iloc[i]!r}; use one of "
                                  f"{', '.join(ACTION_STATUS)}")
    last_day = (week_end.tz_convert(tz) - pd.Timedelta(days=1)).tz_localize(None).normalize()
    out = df.assign(due=due.dt.date, status=df["status"].str.lower())
    # overdue: not done and due before the last day of the report week
    out["overdue"] = (out["status"] != "done") & (due < last_day).to_numpy()
    return out.reset_index(drop=True)


#: AIAG MSA (4th ed.) guideline on %GRR of the study variation.
GRR_ACCEPTABLE, GRR_UNACCEPTABLE = 10.0, 30.0


def gage_of(g: Any, specs: tuple[float | None, float | None, float | None]
            ) -> dict[str, Any]:
    """The gage study of a characteristic for the capability section: analysed with
    :func:`leankit.msa.gage_rr` (a study file, tolerance from the specifications) or as
    stated in the spec."""
    if g.file is None:
        pct = float(g.percent_study_var)
        verdict = ("acceptable" if pct < GRR_ACCEPTABLE else "unacceptable"
                   if pct > GRR_UNACCEPTABLE or (g.ndc is not None and g.ndc < 5)
                   else "conditional")
        return {"pct_study_var": pct, "pct_tolerance": math.nan, "ndc": g.ndc,
                "verdict": verdict, "source": "stated in the report spec",
                "finding": f"%GRR {pct:.1f} % of the study variation (stated), {verdict}."}
    from leankit import msa

    path = g.file
    data = (pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq")
            else pd.read_csv(path))
    lsl, usl, _ = specs
    kw: dict[str, Any] = {}
    if lsl is not None and usl is not None:
        kw = {"lsl": lsl, "usl": usl}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = msa.gage_rr(data, part=g.part, operator=g.operator, value=g.value, **kw)
    row = res.to_frame().set_index("component").loc["gage_rr"]
    return {"pct_study_var": float(row["pct_study_var"]),
            "pct_tolerance": float(row["pct_tolerance"]), "ndc": res.ndc,
            "verdict": str(res.verdict), "source": f"gage study {path.name}",
            "finding": res.finding()}


KINDS = ("measurements", "defects", "production", "specs")


@dataclass
class DataSource:
    """Where a report's data come from: a leankit dataset folder (with its manifest,
    quarantine and limits registry) or a database / Spark connection string, read
    through :mod:`leankit.data` so each table is filtered to the rows a report needs in
    the engine (the dataset's partitioned copy, the database's WHERE)."""

    source: Any            #: the :class:`leankit.data.Source`
    dataset: Any | None    #: the :class:`leankit.io.Dataset` of a folder, else None
    label: str             #: the folder, or the URL without its password

    def span(self, kind: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None, int]:
        """First and last time and rows of a timed table (empty for a table the source
        does not have)."""
        from leankit.data import SourceError

        try:
            out: tuple[pd.Timestamp | None, pd.Timestamp | None, int] = self.source.span(kind)
        except SourceError:
            if self.dataset is not None:
                raise
            return None, None, 0
        return out

    def read(self, kind: str, since: pd.Timestamp | None = None,
             until: pd.Timestamp | None = None, where: Mapping[str, Any] | None = None
             ) -> pd.DataFrame:
        """The rows of *kind* in ``[since, until)`` (every row of specs), filtered by
        *where* in the engine; a table the database does not have is empty (with the
        canonical columns)."""
        from leankit import schema
        from leankit.data import SourceError

        period = (since, until) if since is not None and kind != "specs" else None
        try:
            frame: pd.DataFrame = self.source.read(kind, period=period, where=where)
        except SourceError:
            if self.dataset is not None:
                raise
            empty: pd.DataFrame = schema.arrow_schema(kind).empty_table().to_pandas()
            return empty
        return frame

    def has_rows(self, kind: str, start: pd.Timestamp, end: pd.Timestamp) -> bool:
        """Whether *kind* has a row in ``[start, end)`` (counted in the engine)."""
        from leankit.data._source import _execute

        t = self.source.scan(kind, period=(start, end))
        return bool(int(_execute(t.count().as_table(), f"rows of {kind}").iloc[0, 0]))


def _guarded(failures: _Failures, c: CharacteristicSpec,
             assess: Callable[..., SeriesVerdict], *args: Any, **kwargs: Any) -> SeriesVerdict:
    """``assess(*args, **kwargs)``, the verdict of one characteristic; an unexpected
    error is recorded instead."""
    try:
        return assess(*args, **kwargs)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - one analysis must not kill the report
        return SeriesVerdict(name=c.name, kind="measurements", charted=False, spec=c,
                             error=failures.record("Control charts",
                                                   f"control chart of {c.name}", exc))


def open_source(data: Any, where: str) -> DataSource:
    """A report's data source: a dataset folder or a connection string
    (``postgresql://...``, ``spark://...``, ``local[N]``).

    Raises
    ------
    ReportSpecError
        Not a dataset folder, a bad URL, an unreachable server (the message names the
        spec key).
    """
    from leankit import data as ldata
    from leankit.io import Dataset

    is_url = isinstance(data, str)
    if not is_url:
        ds = Dataset(data)
        if not ds.manifest_path.exists():
            raise ReportSpecError(f"{where} = {str(data)!r} is not a leankit dataset (no "
                                  "manifest.json); run `leankit ingest`")
    try:
        src = ldata.connect(data)
    except LeankitError as exc:
        raise ReportSpecError(f"{where}: {exc}") from None
    label = src.description if is_url else str(data)
    return DataSource(source=src, dataset=None if is_url else Dataset(data), label=label)


def analyse_week(spec: ReportSpec, *, progress: Callable[[str], None] | None = None
                 ) -> WeeklyAnalysis:
    """Analyse the week a report spec names.

    Raises
    ------
    ReportSpecError
        Unknown characteristic or defect factor, a week without data, an unreadable
        dataset (the message names the spec key).
    """
    from leankit import lean, rca

    say = progress or (lambda _msg: None)
    failures = _Failures()
    src = open_source(spec.data, f"{spec.source}: [report] data")
    ds = src.dataset
    # what the source holds, computed in the engine, decides which rows are read
    spans: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {}
    for kind in TIME_COLUMN:
        first, last, n = src.span(kind)
        if n and first is not None and last is not None:
            spans[kind] = (first, last)
    if spec.week != "last":
        week = spec.week
    else:
        if not spans:
            raise ReportSpecError(f"{spec.source}: [report] week = \"last\" but the dataset "
                                  "is empty")
        week = iso_week(max(b for _, b in spans.values()), spec.timezone)
    tz = spec.timezone
    start, end = week_bounds(week, tz)
    prev_start = week_bounds(iso_week(start - pd.Timedelta(days=3), tz), tz)[0]
    if spec.baseline is not None:
        b0, b1 = (pd.Timestamp(v).tz_localize(tz).tz_convert("UTC") for v in spec.baseline)
    else:
        t0 = spans["measurements"][0] if "measurements" in spans else start
        b0 = week_bounds(iso_week(t0, tz), tz)[0]
        b1 = min(week_bounds(iso_week(b0, tz), tz)[0] + pd.Timedelta(
            weeks=spec.baseline_weeks), start)
        b1 = week_bounds(iso_week(b1 + pd.Timedelta(hours=12), tz), tz)[0]  # local midnight
    # the rows read: from the baseline (or the KPI trend's weeks) to the end of the week
    since = min(b0, start - pd.Timedelta(weeks=TREND_WEEKS + 1), prev_start)
    say("reading")
    # measurements: counted per characteristic in the engine first; each is then read as
    # raw rows (in batches) or, when too large, assessed from engine statistics
    inv = inventory(src.source, since, end, subgroups=sorted(
        {c.subgroup for c in spec.characteristics if c.subgroup} | {"subgroup"}))
    tables = {k: src.read(k, since, end) for k in KINDS if k != "measurements"}
    defects, prod, specs = (tables[k] for k in ("defects", "production", "specs"))
    if not any(len(_in(t, TIME_COLUMN[k], start, end)) for k, t in tables.items()
               if k != "specs") and not ("measurements" in spans
                                         and src.has_rows("measurements", start, end)):
        covers = [f"{k}: {a:%Y-%m-%d} to {b:%Y-%m-%d}" for k, (a, b) in spans.items()]
        raise ReportSpecError(f"{spec.source}: [report] week = {week!r} has no data; the "
                              f"dataset covers {'; '.join(covers) or 'nothing'}")
    freshness = tuple(f"{k}: latest {b.tz_convert(tz):%Y-%m-%d %H:%M %Z}"
                      for k, (_, b) in spans.items())
    scope = [f"{col}s: " + ", ".join(_n(v) for v in vals)
             for col, vals in (("site", inv.sites), ("line", inv.lines)) if vals]

    # ------------------------------------------------------------- series
    chars = list(spec.characteristics)
    available = inv.table.loc[inv.table["rows"] > 0, "characteristic"].astype(str).tolist()
    for i, c in enumerate(chars):
        if c.name not in available:
            raise ReportSpecError(
                f"{spec.source}: [characteristics[{i}]] name = {c.name!r} is not in the "
                f"measurements{suggest(c.name, available)} Characteristics: "
                f"{', '.join(available)}")
    if not chars:
        chars = [CharacteristicSpec(name=str(n), chart=spec.chart,
                                    rules=() if spec.chart == AUTO
                                    else rules_for(spec.chart, spec.rules))
                 for n in available]
    shown_from = max(week_bounds(iso_week(start - pd.Timedelta(
        weeks=spec.context_weeks) + pd.Timedelta(hours=12), tz), tz)[0], b1)
    win = Window(b0=b0, b1=b1, shown_from=shown_from, start=start, end=end, tz=tz)
    store = _limits_store(spec)
    limit = spec.raw_values_limit
    large = {c.name for c in chars if is_large(inv, c.name, c, limit)}
    by_name: dict[str, SeriesVerdict] = {}
    engine_stats = EngineStats(src.source, {c.name: c.subgroup or "subgroup" for c in chars
                                            if c.name in large})
    for c in chars:
        if c.name not in large:
            continue
        say(f"chart {c.name} (engine statistics)")
        with failures.noting(c.name, "Control charts"):
            row = inv.row(c.name)
            by_name[c.name] = _guarded(
                failures, c, assess_large, src.source, c, win, total=int(row["rows"]),
                alarm_rate=spec.alarm_rate, specs=specs_of(c, specs), store=store,
                unit=None if pd.isna(row["unit"]) else str(row["unit"]), stats=engine_stats)
    small = [c for c in chars if c.name not in large]
    for batch in raw_batches(list(dict.fromkeys(c.name for c in small)), inv, limit):
        meas = src.read("measurements", since, end, where={"characteristic": batch})
        for c in small:
            if c.name not in batch:
                continue
            say(f"chart {c.name}")
            rows = meas[meas["characteristic"] == c.name]
            with failures.noting(c.name, "Control charts"):
                by_name[c.name] = _guarded(
                    failures, c, assess_measurement, rows, c, win,
                    alarm_rate=spec.alarm_rate, specs=specs_of(c, specs), store=store)
        del meas
    series: list[SeriesVerdict] = [by_name[c.name] for c in chars]
    for cs in spec.counts:
        say(f"chart {cs.name}")
        try:
            with failures.noting(cs.name, "Control charts"):
                cser = count_series(defects, where=dict(cs.where), period=cs.period, tz=tz)
                v = assess_counts(cser, cs.name, win, attribute=cs.attribute,
                                  alarm_rate=spec.alarm_rate, store=store, spec=cs)
        except LeankitError as exc:
            v = SeriesVerdict(name=cs.name, kind="counts", charted=False, spec=cs,
                              error=str(exc))
        except Exception as exc:  # noqa: BLE001 - one analysis must not kill the report
            v = SeriesVerdict(name=cs.name, kind="counts", charted=False, spec=cs,
                              error=failures.record("Control charts",
                                                    f"count chart of {cs.name}", exc))
        series.append(v)

    gage: dict[str, Mapping[str, Any]] = {}
    for g in spec.gage_studies:
        c = next((x for x in chars if x.name == g.characteristic),
                 CharacteristicSpec(name=g.characteristic))
        with failures(f"gage study of {g.characteristic}", "Capability"):
            gage[g.characteristic] = gage_of(g, specs_of(c, specs))

    # ------------------------------------------------------------- defects
    dwk = _in(defects, "timestamp", start, end)
    dpv = _in(defects, "timestamp", prev_start, start)
    pareto = pareto_cost = comparison = strat = None
    model: Any = None
    unknown = [f for f in spec.factors if f not in defects.columns]
    if unknown:
        cols = [str(c) for c in defects.columns if not str(c).startswith("source_")]
        raise ReportSpecError(
            f"{spec.source}: [defects] factors: {unknown[0]!r} is not a column of the defects "
            f"table{suggest(unknown[0], cols)} Columns: {', '.join(cols)}")
    no_strat = "No defects to stratify this week."
    if len(dwk):
        say("defects")
        with failures("defect Pareto", "Defects: Pareto"):
            pareto = rca.pareto(dwk, category="defect_type", count="count")
        if "cost" in dwk and dwk["cost"].notna().any():
            with failures("defect Pareto by cost", "Defects: Pareto"):
                pareto_cost = rca.pareto(dwk, category="defect_type", weight="cost")
        if len(dpv):
            with failures("change of the defect mix", "Defects: Pareto"):
                comparison = rca.compare(dpv, dwk, category="defect_type", count="count")
        factors = [f for f in spec.factors if dwk[f].nunique() > 1]
        if not factors:
            no_strat = ("Not stratified: each factor has a single level this week ("
                        + ", ".join(f"{f} = {_n(dwk[f].iloc[0])}" for f in spec.factors)
                        + ")." if spec.factors else "Not stratified: no factors in the spec "
                        "([defects] factors).")
        elif dwk["count"].sum() <= 0:
            no_strat = "No defects counted this week (all counts are 0)."
        else:
            lot = "lot" if "lot" in dwk and dwk["lot"].notna().all() else None
            with failures.noting("stratification and driver model", "Root causes"):
                with failures("stratification of the defects", "Root causes"):
                    strat = rca.stratify(dwk, by=factors, count="count", size="inspected",
                                         lot=lot)
                try:
                    model = rca.drivers(dwk, outcome="count", factors=factors[-2:],
                                        exposure="inspected", lot=lot)
                except (LeankitError, ValueError) as exc:
                    model = str(exc)
                except Exception as exc:  # noqa: BLE001 - must not kill the report
                    model = failures.record("Root causes", "driver model", exc)

    # ------------------------------------------------------------- KPIs
    say("KPIs")
    pwk = _in(prod, "period_start", start, end)
    ppv = _in(prod, "period_start", prev_start, start)
    now: dict[str, float] = {}
    before: dict[str, float] = {}
    with failures("KPIs of the week", "Summary"):
        now = _kpis(pwk, dwk, spec.opportunities)
    with failures("KPIs of the previous week", "Summary"):
        before = _kpis(ppv, dpv, spec.opportunities)
    now["out_of_control"] = float(sum(1 for v in series if v.charted and v.special_cause))
    before["out_of_control"] = float(sum(1 for v in series if v.charted
                                         and len(v.prev_signals)))
    trend_rows: list[dict[str, Any]] = []
    with failures("KPI trends", "Summary"):
        for k in range(TREND_WEEKS - 1, -1, -1):
            wk = iso_week(start - pd.Timedelta(weeks=k) + pd.Timedelta(hours=12), tz)
            s0, s1 = week_bounds(wk, tz)
            vals = _kpis(_in(prod, "period_start", s0, s1),
                         _in(defects, "timestamp", s0, s1), spec.opportunities)
            trend_rows += [{"week": wk, "kpi": kpi, "value": val}
                           for kpi, val in vals.items()]
    oee_res = downtime = None
    downtime_top: dict[str, Any] | None = None
    if len(pwk):
        with failures.noting("OEE", "OEE and downtime"), failures("OEE", "OEE and downtime"):
            oee_res = lean.oee(pwk, by=["line", "machine"])
            downtime = oee_res.downtime_pareto()
        if {"downtime_reason", "downtime", "machine"} <= set(pwk.columns):
            with failures.noting("downtime by machine", "OEE and downtime"), \
                    failures("downtime by machine", "OEE and downtime"):
                dm = lean.downtime_pareto(pwk, by=["machine"], invalid="exclude").to_frame()
                total = float(dm["minutes"].sum())
                if len(dm) and total > 0:
                    top = dm.sort_values("minutes", ascending=False).iloc[0]
                    downtime_top = {"reason": str(top["reason"]),
                                    "machine": str(top["machine"]),
                                    "minutes": float(top["minutes"]),
                                    "events": int(top["events"]),
                                    "share": float(top["minutes"]) / total}
    actions = pd.DataFrame()
    if spec.actions is not None:
        actions = read_actions(spec.actions, week_end=end, tz=tz)

    # ------------------------------------------------------------- data quality
    quarantine = []
    files: tuple[Mapping[str, Any], ...] = ()
    with failures("data quality", "Data quality"):
        # a database or cluster has no load manifest and no quarantine
        files = tuple(ds.files()) if ds is not None else ()
        for kind in (KINDS if ds is not None else ()):
            assert ds is not None
            q = ds.read_arrow(kind, quarantine=True).to_pandas()
            if len(q):
                q.insert(0, "table", kind)
                quarantine.append(q[["table", "source_file", "source_row", "reason_code",
                                     "reason", "raw"]])
    return WeeklyAnalysis(
        spec=spec, week=week, window=win, series=tuple(series), kpis=now,
        kpis_previous=before, kpi_trend=pd.DataFrame(trend_rows, columns=["week", "kpi",
                                                                           "value"]),
        pareto=pareto, pareto_cost=pareto_cost, comparison=comparison,
        stratification=strat, drivers=model, no_stratification=no_strat, oee=oee_res,
        downtime=downtime, downtime_top=downtime_top, actions=actions, files=files,
        quarantine=(pd.concat(quarantine, ignore_index=True) if quarantine
                    else pd.DataFrame()),
        scope=(("Scope: " + "; ".join(scope)) if scope else "Scope: all data",),
        freshness=freshness, failures=tuple(failures.items), notes=tuple(failures.notes),
        input_hashes=tuple(f"{f['name']} sha256 {f['sha256'][:16]}…" for f in files),
        gage=gage, data_label=src.label)
