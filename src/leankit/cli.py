"""The ``leankit`` command line: a thin layer over the public API.

Commands
--------
``leankit ingest PATH... --kind KIND --out DIR [--profile NAME_OR_FILE] [--tz ZONE]``
    Load exports into a canonical Parquet dataset and print the row accounting.
``leankit demo [--data DIR] --out DIR``
    Ingest the shipped ``sample_data/`` and write the weekly report (``DIR/weekly_report.html``).
``leankit report weekly --spec SPEC.toml --out FILE.html``
    The weekly quality report described by a spec file (and ``FILE.json``, its verdicts).
``leankit profiles``
    List the built-in mapping profiles.
``leankit chart PATH --type TYPE --value COL ... [--out FILE.csv|.parquet|.html]``
    Control chart of one characteristic of a Parquet file or dataset: prints a short
    summary (limits, signals counted, the first and last); ``--out`` writes every point or
    the figure. Rules without ``--rules``: :data:`DEFAULT_RULES`, the weekly report's.
``leankit capability PATH --value COL [--by COL] [--lsl/--usl/--target | specs] ...``
    Process capability with confidence intervals; one row per group with ``--by`` (warnings
    as notes naming the group); without ``--lsl/--usl``, the specs table's limits.
``leankit limits freeze | show | history | recompute DATASET ...``
    Frozen Phase I limits beside a dataset, versioned and audited.
``leankit ingest postgresql://... --table T | --query SQL --kind KIND --out DIR``
    Load a database table or query (incremental with ``--watermark COL``).
``leankit data partition DIR [--by week|week,site]`` / ``leankit data info DIR``
    Write the dataset's copy partitioned by ISO week (and site); what the dataset holds.
``leankit msa gage-rr | type1 | linearity | agreement FILE ...``
    Measurement system analysis studies.
``leankit report a3 --spec A3.toml --out FILE.html``
    The A3 improvement report.

Exit status: 0 on success, 1 when ``--strict`` and rows were quarantined,
2 on a fatal problem (the message says what to fix), 3 on an unexpected internal
error (a one-line message; ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from leankit import __version__
from leankit import schema as _schema
from leankit.errors import InputFileError, LeankitError

_T = TypeVar("_T")

_DEMO_LAYOUT = (
    ("specs", "specs.csv"),
    ("measurements", "measurements"),
    ("defects", "defects"),
    ("production", "production"),
)
_EXPORT_SUFFIXES = {
    ".csv",
    ".txt",
    ".tsv",
    ".xlsx",
    ".xlsm",
    ".xls",
    ".ods",
    ".jsonl",
    ".ndjson",
    ".json",
}


def _progress(enabled: bool) -> Any:
    if not enabled:
        return None

    def show(acc: Any) -> None:
        sys.stderr.write(f"\r  {acc.rows_read:,} rows read ...")
        sys.stderr.flush()

    return show


def _clear_progress(enabled: bool) -> None:
    if enabled:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def _expand(paths: Sequence[str]) -> list[str]:
    """Paths with glob patterns (``exports/*.csv``) expanded, for shells that do not
    (Windows) or patterns given in quotes; a pattern that matches nothing is an error."""
    import glob

    out: list[str] = []
    for path in paths:
        if any(c in path for c in "*?[") and not Path(path).exists():
            found = sorted(glob.glob(path))
            if not found:
                raise InputFileError(f"no file matches the pattern {path!r}")
            out.extend(found)
        else:
            out.append(path)
    return out


_DB_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def _ingest(args: argparse.Namespace) -> int:
    from leankit import io as lio

    if args.paths[0].startswith(_DB_SCHEMES):
        return _ingest_database(args)
    if args.table is not None or args.query is not None or args.watermark is not None:
        raise LeankitError(
            "--table, --query and --watermark apply to a database: give its URL as the "
            "PATH (postgresql://user:password@host:port/database)"
        )
    show = sys.stderr.isatty() and not args.quiet
    reports: list[lio.FileReport] = []
    for path in _expand(args.paths):
        rep = lio.ingest(
            path,
            kind=args.kind,
            out=args.out,
            profile=args.profile,
            sheet=_sheet(args.sheet),
            progress=_progress(show),
            tz=args.tz,
        )
        _clear_progress(show)
        reports.extend(rep.files)
        if not args.json:
            for f in rep.files:
                print(f)
    total = lio.IngestReport(str(args.out), tuple(reports))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "path": f.path,
                        "kind": f.kind,
                        "status": f.status,
                        "profile": f.profile,
                        "sha256": f.sha256,
                        **f.accounting.to_dict(),
                    }
                    for f in reports
                ],
                indent=1,
            )
        )
    elif len(reports) > 1:
        print(str(total).splitlines()[-1])
    if total.rows_quarantined and not args.json:
        print(
            f"quarantined rows: leankit.io.read_table({str(args.out)!r}, {args.kind!r}, "
            "quarantine=True)"
        )
    return 1 if args.strict and total.rows_quarantined else 0


def _ingest_database(args: argparse.Namespace) -> int:
    from leankit import io as lio

    if len(args.paths) > 1:
        raise LeankitError("give one database URL (and --table or --query) per ingest")
    if (args.table is None) == (args.query is None):
        raise LeankitError(
            "a database ingest needs --table or --query (one of them): the table to read, "
            "or the SQL that gives the rows"
        )
    if args.sheet is not None:
        raise LeankitError("--sheet applies to Excel files, not to a database")
    rep = lio.ingest_database(
        args.paths[0], kind=args.kind, out=args.out, table=args.table, query=args.query,
        watermark=args.watermark, profile=args.profile, tz=args.tz,
    )
    if args.json:
        print(json.dumps([rep.to_dict()], indent=1))
    else:
        print(rep)
        if rep.rows_quarantined:
            print(
                f"quarantined rows: leankit.io.read_table({str(args.out)!r}, {args.kind!r}, "
                "quarantine=True)"
            )
    return 1 if args.strict and rep.rows_quarantined else 0


def _sheet(sheet: str | None) -> str | int | None:
    if sheet is None:
        return None
    return int(sheet) if sheet.isdigit() else sheet


def _demo(args: argparse.Namespace) -> int:
    from leankit import io as lio

    data = Path(args.data)
    if not data.is_dir():
        raise LeankitError(
            f"sample data folder {str(data)!r} not found; run from the repository root or "
            "pass --data PATH/TO/sample_data"
        )
    out = Path(args.out)
    show = sys.stderr.isatty()
    print(f"leankit {__version__}: ingesting {data} -> {out / 'data'}")
    for kind, rel in _DEMO_LAYOUT:
        target = data / rel
        files = [target] if target.is_file() else sorted(
            p for p in target.glob("*") if p.suffix.lower() in _EXPORT_SUFFIXES)
        for f in files:
            rep = lio.ingest(f, kind=kind, out=out / "data")
            for fr in rep.files:
                print(f"  {fr}")
    print("\nTables:")
    for kind in _schema.KINDS:
        table = lio.read_table(out / "data", kind)
        quar = lio.read_table(out / "data", kind, quarantine=True)
        print(f"  {kind:<13} {len(table):>8,} rows   {len(quar):>4,} quarantined")
    spec_path = out / "weekly.toml"
    template = data / "weekly.toml"
    text = template.read_text("utf-8") if template.is_file() else _DEMO_SPEC
    text = text.replace('data = "../demo_out/data"', 'data = "data"')
    from leankit.io._dataset import atomic_write_bytes

    atomic_write_bytes(spec_path, text.encode("utf-8"))
    for extra in ("actions.csv", "gage_study/bore_gauge_rr.csv"):  # files the sample spec
        if (data / extra).is_file():                                # refers to, beside it
            (out / extra).parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(out / extra, (data / extra).read_bytes())
    html = out / "weekly_report.html"
    failed = _write_weekly(spec_path, html, show)
    a3_template = data / "a3.toml"
    a3_html = None
    if a3_template.is_file():  # the improvement story: the A3 report of the same dataset
        a3_spec = out / "a3.toml"
        atomic_write_bytes(a3_spec, a3_template.read_text("utf-8").replace(
            'data = "../demo_out/data"', 'data = "data"').encode("utf-8"))
        a3_html = out / "a3_report.html"
        failed += _write_a3(a3_spec, a3_html, show)
    print(f"\nWeekly report: {html}  (spec: {spec_path})")
    if a3_html is not None:
        print(f"A3 report:     {a3_html}  (spec: {out / 'a3.toml'})")
    return 3 if failed else 0


_DEMO_SPEC = """[report]
title = "Weekly quality report — demo"
data = "data"
week = "last"
"""


def _write_weekly(spec_path: Path, out: Path, show: bool) -> int:
    """Write the weekly report; returns the number of analyses that failed (each is
    reported on stderr; the report still holds every other section)."""
    import time

    from leankit.reports import load_spec, weekly_report

    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        if show:
            sys.stderr.write(f"\r\033[K  report: {msg} ...")
            sys.stderr.flush()

    spec = load_spec(spec_path)
    rep = weekly_report(spec, progress=progress)
    path = rep.write(out)
    _clear_progress(show)
    size = path.stat().st_size / 1e6
    print(f"report written: {path} ({size:.1f} MB, {time.perf_counter() - t0:.1f} s)")
    if rep.data is not None:
        print(f"verdicts written: {path.with_suffix('.json')}")
    for what, msg in rep.failures:
        print(f"leankit: internal error: {what}: {_short(msg)} (the report shows the other "
              "sections; LEANKIT_DEBUG=1 stops at the error with its traceback)",
              file=sys.stderr)
    return len(rep.failures)


def _write_a3(spec_path: Path, out: Path, show: bool) -> int:
    """Write the A3 improvement report; returns the number of analyses that failed."""
    import time

    from leankit.reports import a3_report, load_a3_spec

    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        if show:
            sys.stderr.write(f"\r\033[K  A3 report: {msg} ...")
            sys.stderr.flush()

    rep = a3_report(load_a3_spec(spec_path), progress=progress)
    path = rep.write(out)
    _clear_progress(show)
    size = path.stat().st_size / 1e6
    verdict = rep.data["verdict"] if rep.data else "?"
    print(f"A3 report written: {path} ({size:.1f} MB, {time.perf_counter() - t0:.1f} s); "
          f"did it work? {verdict}")
    for what, msg in rep.failures:
        print(f"leankit: internal error: {what}: {_short(msg)} (the report shows the other "
              "sections; LEANKIT_DEBUG=1 stops at the error with its traceback)",
              file=sys.stderr)
    return len(rep.failures)


def _report(args: argparse.Namespace) -> int:
    show = sys.stderr.isatty() and not args.quiet
    write = _write_a3 if args.type == "a3" else _write_weekly
    return 3 if write(Path(args.spec), Path(args.out), show) else 0


def _profiles(_args: argparse.Namespace) -> int:
    from leankit.io import builtin_profiles

    for name, prof in builtin_profiles().items():
        print(f"{name:<16} {prof.kind or 'any kind':<13} {prof.source}")
    return 0


#: The built-in chart types (``--type`` accepts any registered family id or alias:
#: ``leankit.spc.families()``).
#: Listed here (not read from the registry) so ``leankit --help`` does not import the
#: analysis packages; a test keeps it equal to the shipped families.
_CHART_TYPES = ("xbar_r", "xbar_s", "i_mr", "p", "np", "c", "u", "laney_p", "laney_u", "ewma",
                "cusum", "g", "t", "t_transform", "run", "zmr")


def _read_any(path: Path, kind: str | None) -> Any:
    import pandas as pd

    from leankit import io as lio

    if path.is_dir():
        if kind is None:
            raise LeankitError(f"{path} is a dataset folder: say which table with --kind")
        return lio.read_table(path, kind)
    if not path.is_file():
        raise LeankitError(f"{path} does not exist")
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path)
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a non-Parquet file
        raise LeankitError(f"{path}: cannot read as Parquet ({exc})") from None


#: The run rules of ``leankit chart`` and ``leankit limits freeze`` without ``--rules``: the
#: weekly report's default (``ReportSpec.rules``, which a test keeps equal), so a chart on the
#: command line flags what the report flags. Chart types that do not take them use their
#: own default, as the report does: ``limits`` for g and t, ``anhoej`` for run charts.
DEFAULT_RULES: tuple[str, ...] = ("we_1", "nelson_2")
_RULES_HELP = ("rule set or rule ids, e.g. nelson or we_1,we_4 (default: we_1, nelson_2 — "
               "beyond the limits, 9 in a row on one side of the center line; the same as the "
               "weekly report. Chart types with rules of their own keep their default: limits "
               "for g and t, anhoej for run)")


def _default_rules(family: Any) -> tuple[str, ...]:
    """The rules of a chart of *family* without ``--rules``: :data:`DEFAULT_RULES` where the
    family takes them, else the family's ``default_rules`` (the report's ``rules_for``)."""
    from leankit.spc import RuleError

    try:
        family.check_rules(list(DEFAULT_RULES))
    except RuleError:
        d = family.default_rules
        return (d,) if isinstance(d, str) else tuple(d)
    return DEFAULT_RULES


def _noted(fn: Callable[..., _T], *args: Any, **kwargs: Any) -> tuple[_T, list[str]]:
    """``fn(*args, **kwargs)`` with its warnings (``UserWarning``: leankit's own) recorded
    instead of printed: the result and the messages, in order, without repeats. Other
    warnings (a library's deprecation ...) are issued again unchanged."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    notes: list[str] = []
    for w in caught:
        if issubclass(w.category, UserWarning):
            msg = str(w.message)
            if msg not in notes:
                notes.append(msg)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result, notes


def _cli_words(message: str) -> str:
    """A message of the Python API in the words of the command line
    (``distribution='auto'`` -> ``--distribution auto``), cut to one screen."""
    import re

    message = re.sub(r"\b(distribution|sigma_method)='([\w-]+)'",
                     lambda m: f"--{m.group(1).replace('_', '-')} {m.group(2)}", message)
    return _short(message, 500)


def _when(value: Any) -> str:
    """A time as ``2026-08-31 02:00 UTC`` (seconds when there are any); else ``str``."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return ""
    try:
        t = pd.Timestamp(value)
    except (ValueError, TypeError):
        return str(value)
    fmt = "%Y-%m-%d %H:%M" + (":%S" if t.second or t.microsecond else "")
    if t is pd.NaT:
        return ""
    if t.tzinfo is not None:
        return str(t.tz_convert("UTC").strftime(fmt)) + " UTC"
    return str(t.strftime(fmt))


#: How many rows of the limits table ``leankit chart`` prints (all are in ``--out FILE.csv``).
_LIMIT_ROWS = 4
_DETAIL_KINDS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".html": "html",
                 ".htm": "html"}


def _chart(args: argparse.Namespace) -> int:
    import pandas as pd

    from leankit import spc

    fam = spc.get_family(args.type)  # FamilyError (a LeankitError) names the known types
    outs = [Path(p) for p in args.out or []]
    for p in outs:
        if p.suffix.lower() not in _DETAIL_KINDS:
            raise LeankitError(f"--out {p}: give a .csv or .parquet file (every point with its "
                               "limits and signals) or an .html file (the figure)")
    df = _filtered(args)
    _one_characteristic(df, "--where characteristic=NAME (a chart is of one characteristic)")
    kwargs: dict[str, Any] = {"time": args.time, "stage": args.stage, "nsigmas": args.nsigmas}
    if args.rules is not None:
        rules: Any = args.rules.split(",") if "," in args.rules else args.rules
        try:
            fam.check_rules(rules)
        except ValueError as exc:  # RuleError: a LeankitError and ValueError
            raise LeankitError(f"--rules {args.rules}: {exc}") from None
        kwargs["rules"] = rules
    else:  # the report's default where the chart type takes it
        default = _default_rules(fam)
        if default == DEFAULT_RULES:
            kwargs["rules"] = list(default)
    given = {"value": args.value, "subgroup": args.subgroup, "count": args.count,
             "size": args.size}
    for col in fam.columns:
        if not given[col]:
            raise LeankitError(f"--{col} is required for a {args.type} chart")
    for col, name in given.items():
        if name and col not in fam.column_args:
            raise LeankitError(f"--{col} does not apply to a {args.type} chart; it takes "
                               + ", ".join(f"--{c}" for c in fam.column_args))
        if name:
            kwargs[col] = name
    extra = {e.name: e for e in fam.extra_columns}
    for item in args.column or []:
        key, sep, col = item.partition("=")
        key = key.strip().lstrip("-")
        if not sep or not key or not col:
            raise LeankitError(f"--column {item!r}: use NAME=COLUMN, e.g. --column part=part_no")
        if key not in extra:
            from leankit.errors import suggest

            takes = ", ".join(extra) or "none"
            raise LeankitError(f"--column {key}= does not apply to a {args.type} chart"
                               f"{suggest(key, list(extra)) or '.'} Its extra columns: {takes}"
                               + ("" if key not in given else f" (use --{key})"))
        kwargs[key] = col
    for e in fam.extra_columns:
        if e.required and e.name not in kwargs:
            raise LeankitError(f"--column {e.name}=COL is required for a {args.type} chart "
                               f"(the column of {e.help or e.name})")

    def fn(data: Any, **kw: Any) -> Any:
        try:
            return spc.chart(data, type=fam.id, **kw)
        except TypeError as exc:  # the chart's arguments, as given on the command line
            raise LeankitError(f"{exc} (on the command line: --value/--subgroup/--count/"
                               "--size, --column NAME=COL)") from None

    def build() -> Any:
        if not args.baseline_until:
            return fn(df, **kwargs)
        if not args.time:
            raise LeankitError("--baseline-until needs --time")
        cut = pd.Timestamp(args.baseline_until)
        times = pd.to_datetime(df[args.time])
        if times.dt.tz is not None and cut.tz is None:
            cut = cut.tz_localize("UTC")
        base, new = df[times < cut], df[times >= cut]
        if base.empty:
            raise LeankitError(f"no data before --baseline-until {args.baseline_until}")
        chart = fn(base, **kwargs)
        return chart.monitor(new) if not new.empty else chart

    chart, notes = _noted(build)
    for line in _chart_summary(chart, args, df, notes, _default_rules(fam)):
        print(line)
    for p in outs:
        kind = _DETAIL_KINDS[p.suffix.lower()]
        print(_write_detail(chart, p, kind, args))
    if not outs:
        print("detail: --out FILE.csv or FILE.parquet writes every point with its limits and "
              "signals, --out FILE.html the figure")
    return 0


def _write_detail(chart: Any, path: Path, kind: str, args: argparse.Namespace) -> str:
    """Write the figure (html) or the points table (csv, parquet); returns the line that
    says what was written."""
    import io

    from leankit.io._dataset import atomic_write_bytes

    if kind == "html":
        title = args.title or f"{args.type} chart of {args.value or args.count or 'the data'}"
        html = chart.figure(title=title).to_html(include_plotlyjs=True, full_html=True)
        atomic_write_bytes(path, html.encode("utf-8"))
        return f"figure written to {path}"
    frame = chart.to_frame()
    if kind == "csv":
        data = frame.to_csv(index=False).encode("utf-8")
    else:
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        data = buf.getvalue()
    atomic_write_bytes(path, data)
    flagged = int(frame["signal"].sum()) if "signal" in frame else 0
    return (f"detail written to {path}: {len(frame):,} rows (a point of a panel each), "
            f"{flagged:,} with a signal (columns signal, rules)")


def _chart_summary(chart: Any, args: argparse.Namespace, df: Any, notes: list[str],
                   default: tuple[str, ...]) -> list[str]:
    """The short account of a chart: what was charted, limits, signals (count, first, last),
    notes — at most about 20 lines, however long the series."""
    import pandas as pd

    lines = [repr(chart)]
    frame = chart.to_frame()
    data = f"data: {len(df):,} rows"
    if args.where:
        data += " where " + " and ".join(args.where)
    if args.time and args.time in df.columns and len(df):
        col = df[args.time]
        if pd.api.types.is_numeric_dtype(col):  # periods numbered 1, 2, ...
            data += f", {args.time} {col.min():g} to {col.max():g}"
        else:
            import warnings

            try:
                with warnings.catch_warnings():  # pandas guessing a format: not our note
                    warnings.simplefilter("ignore")
                    times = pd.to_datetime(col)
                data += f", {_when(times.min())} to {_when(times.max())}"
            except (ValueError, TypeError):  # an order the chart kept, not dates: no span
                pass
    lines.append(data)
    params = getattr(chart, "parameters", {}) or {}
    applied = tuple(str(r) for r in params.get("rules") or ())
    if args.rules is not None:
        rules = f"rules: {args.rules} (--rules)"
    elif default == DEFAULT_RULES:
        rules = (f"rules: {', '.join(DEFAULT_RULES)} (the default, the same as the weekly "
                 "report; --rules to change)")
        if applied and applied != DEFAULT_RULES:  # a family narrows them (EWMA: we_1)
            rules += f"; this chart type applies {', '.join(applied)}"
    else:
        rules = (f"rules: {', '.join(default)} (the {args.type} chart's own; the default "
                 f"{', '.join(DEFAULT_RULES)} does not apply to it)")
    lines.append(rules)
    lim = chart.limits
    keep = [c for c in lim.columns
            if c in ("panel", "stage") or pd.api.types.is_numeric_dtype(lim[c])]
    lim = lim[keep].dropna(axis=1, how="all")
    if len(lim):
        lines.append("limits:")
        text = lim.head(_LIMIT_ROWS).to_string(index=False)
        lines.extend("  " + ln for ln in text.splitlines())
        if len(lim) > _LIMIT_ROWS:
            lines.append(f"  ... {len(lim) - _LIMIT_ROWS} more rows (every point's limits: "
                         "--out FILE.csv)")
    lines.extend(_signal_lines(chart, frame))
    if notes:
        lines.append("notes:")
        lines.extend(f"  {_cli_words(n)}" for n in notes[:3])
        if len(notes) > 3:
            lines.append(f"  ... {len(notes) - 3} more notes")
    return lines


def _signal_lines(chart: Any, frame: Any) -> list[str]:
    """``signals: K of N points`` (per panel, per rule, per phase) and the first and last
    signal in time. Points count as in the chart's ``n_signals``: over all panels."""
    sig = chart.signals
    panels = list(dict.fromkeys(frame["panel"])) if "panel" in frame else []
    flagged = frame["signal"].astype(bool) if "signal" in frame else None
    if sig is None or sig.empty or flagged is None or not flagged.any():
        points = int((frame["panel"] == panels[0]).sum()) if panels else len(frame)
        return [f"signals: none ({points:,} points" + (f", {len(panels)} panels)"
                                                       if len(panels) > 1 else ")")]
    if len(panels) > 1:
        per = [f"{p} {int(flagged[frame['panel'] == p].sum()):,} of "
               f"{int((frame['panel'] == p).sum()):,}" for p in panels]
        head = f"signals: {int(flagged.sum()):,} points ({', '.join(per)})"
    else:
        head = f"signals: {int(flagged.sum()):,} of {len(frame):,} points"
    keys = [c for c in ("panel", "position") if c in sig]
    distinct = sig.drop_duplicates([*keys, "rule"]) if keys else sig
    rules = distinct.groupby("rule", sort=False).size()
    head += "; by rule: " + ", ".join(f"{r} {int(n):,}" for r, n in rules.items())
    if "phase" in frame and (frame["phase"] == "II").any():
        phases = frame.loc[flagged, "phase"].value_counts()
        head += "; " + ", ".join(f"Phase {ph} {int(phases.get(ph, 0)):,}" for ph in ("I", "II"))
    out = [head]
    if "position" in sig:
        order = sig["panel"].map({p: i for i, p in enumerate(panels)}) if "panel" in sig else 0
        sig = sig.assign(_order=order).sort_values(["position", "_order"], kind="stable")

    def one(label: str, row: Any) -> str:
        where = [str(row["subgroup"])] if "subgroup" in row else []
        when = _when(row.get("time"))
        if when:
            where.append(when)
        if len(panels) > 1:
            where.append(f"{row['panel']} panel")
        desc = str(row.get("description") or "").strip()
        return f"  {label} {', '.join(where)}: {row['rule']}" + (f" — {desc}" if desc else "")

    if len(sig) <= 3:
        out.extend(one("-", r) for _, r in sig.iterrows())
        return out
    out.append(one("first:", sig.iloc[0]))
    if "phase" in sig and sig["phase"].iloc[0] != "II" and (sig["phase"] == "II").any():
        out.append(one("first in Phase II:", sig[sig["phase"] == "II"].iloc[0]))
    out.append(one("last: ", sig.iloc[-1]))
    return out


def _filtered(args: argparse.Namespace) -> Any:
    """The table named on the command line, with the --where filters applied."""
    df = _read_any(Path(args.path), args.kind)
    for cond in args.where or []:
        if "=" not in cond:
            raise LeankitError(f"--where {cond!r}: use COLUMN=VALUE")
        col, val = cond.split("=", 1)
        if col not in df.columns:
            from leankit.errors import ColumnNotFoundError

            raise ColumnNotFoundError(col, [str(c) for c in df.columns])
        text = df[col].astype(str)
        kept = df[text == val]
        if kept.empty and len(df):
            from leankit.errors import suggest

            values = sorted(text[df[col].notna()].unique())
            raise LeankitError(f"--where {cond}: no rows with {col} = {val!r}"
                               f"{suggest(val, values) or '.'} Values of {col}: "
                               + ", ".join(values[:20]) + (" ..." if len(values) > 20 else ""))
        df = kept
    if df.empty:
        raise LeankitError(f"{args.path} has no rows" + (f" of --kind {args.kind}" if args.kind
                                                         else ""))
    return df


def _one_characteristic(df: Any, fix: str) -> str | None:
    """The one characteristic of *df* (``None`` without a characteristic column); an error
    naming them when the rows hold several (mixed in one chart they mean nothing)."""
    if "characteristic" not in df.columns:
        return None
    names = sorted(df["characteristic"].dropna().astype(str).unique())
    if len(names) > 1:
        raise LeankitError(f"the rows hold {len(names)} characteristics ("
                           + ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
                           + f"); choose one with {fix}")
    return names[0] if names else None


def _specs_table(args: argparse.Namespace) -> Any:
    """The specs of ``--specs FILE``, else of the dataset folder; ``None`` when neither."""
    if args.specs:
        return _read_any(Path(args.specs), "specs")
    if Path(args.path).is_dir():
        from leankit import io as lio

        return lio.read_table(args.path, "specs")
    return None


def _spec_limits(args: argparse.Namespace, df: Any, name: str | None
                 ) -> tuple[float | None, float | None, float | None, str]:
    """(lsl, usl, target, where they came from) of the one characteristic of *df*, from the
    specs table (``--specs``, else the dataset's), narrowed to its product when the table
    has a row per product."""
    import pandas as pd

    specs = _specs_table(args)
    source = args.specs or f"the specs table of {args.path}"
    if specs is None or specs.empty:
        raise LeankitError("give --lsl and/or --usl, or --specs FILE (a specs table: "
                           "characteristic, lsl, usl, target), or ingest one into the dataset "
                           "(leankit ingest specs.csv --kind specs)")
    if name is None or "characteristic" not in specs.columns:
        raise LeankitError(f"give --lsl and/or --usl: {source} is joined on the characteristic "
                           "column, and the data have none")
    rows = specs[specs["characteristic"].astype(str) == name]
    product = None
    if "product" in specs.columns and "product" in df.columns and len(rows) > 1:
        products = df["product"].dropna().astype(str).unique()
        if len(products) == 1:
            product = str(products[0])
            exact = rows[rows["product"].astype(str) == product]
            rows = exact if len(exact) else rows[rows["product"].isna()]
    if rows.empty:
        from leankit.errors import suggest

        known = sorted(specs["characteristic"].dropna().astype(str).unique())
        of = f"{name!r}" + (f" (product {product})" if product else "")
        raise LeankitError(f"no specification limits for {of} in {source}"
                           f"{suggest(name, known) or '.'} Give --lsl and/or --usl, or add a "
                           f"row for it. Characteristics with specs: {', '.join(known)}")
    if len(rows) > 1:
        prods = ", ".join(rows["product"].astype(str)) if "product" in rows else ""
        raise LeankitError(f"{source} has {len(rows)} rows for {name!r}"
                           + (f" (products {prods})" if prods else "")
                           + "; choose one with --where product=NAME, or give --lsl/--usl")
    r0 = rows.iloc[0]

    def val(col: str) -> float | None:
        v = r0.get(col)
        return None if v is None or pd.isna(v) else float(v)

    lsl, usl, target = val("lsl"), val("usl"), val("target")
    if lsl is None and usl is None:
        raise LeankitError(f"the specs row of {name!r} in {source} has neither lsl nor usl; "
                           "give --lsl and/or --usl")
    prod = r0.get("product")
    of = name + ("" if prod is None or pd.isna(prod) else f" ({prod})")
    told = ", ".join(f"{k} {v:g}" for k, v in (("LSL", lsl), ("target", target), ("USL", usl))
                     if v is not None)
    return lsl, usl, target, f"specs of {of} from {source}: {told}"


def _capability(args: argparse.Namespace) -> int:
    from leankit import spc
    from leankit.io._dataset import atomic_write_bytes

    df = _filtered(args)
    common = {"value": args.value, "subgroup": args.subgroup, "distribution": args.distribution,
              "confidence": args.confidence, "shift": args.shift}
    if args.sigma_method:
        common["sigma_method"] = args.sigma_method
    if args.by:
        return _capability_by(args, df, common)
    name = _one_characteristic(df, "--where characteristic=NAME, or --by characteristic for "
                               "a table of them all")
    lsl, usl, target = args.lsl, args.usl, args.target
    if lsl is None and usl is None:  # the specs of the (one) characteristic of the data
        lsl, usl, spec_target, told = _spec_limits(args, df, name)
        target = target if target is not None else spec_target
        print(told)
    cap, notes = _noted(spc.capability, df, lsl=lsl, usl=usl, target=target, **common)
    assert isinstance(cap, spc.Capability)
    print(cap.summary())
    for msg in notes:  # those the summary's notes do not already say
        if not any(msg in n for n in cap.notes):
            print(f"note: {name + ': ' if name else ''}{_cli_words(msg)}")
    if args.out:
        html = cap.figure().to_html(include_plotlyjs=True, full_html=True)
        atomic_write_bytes(Path(args.out), html.encode("utf-8"))
        print(f"\nfigure written to {args.out}")
    return 0


def _capability_by(args: argparse.Namespace, df: Any, common: dict[str, Any]) -> int:
    """``--by``: one row per group, specs joined from the specs table; each group's warnings
    and failures as notes naming the group."""
    import pandas as pd

    from leankit import spc
    from leankit.errors import ColumnNotFoundError

    by = [c.strip() for c in args.by.split(",") if c.strip()]
    for c in by:
        if c not in df.columns:
            raise ColumnNotFoundError(c, [str(x) for x in df.columns])
        if df[c].isna().all():
            raise LeankitError(f"--by {args.by}: the column {c!r} is empty in these rows")
    specs = _specs_table(args)
    if specs is None or specs.empty:
        raise LeankitError("--by needs specification limits: pass --specs FILE, or ingest a "
                           "specs table into the dataset")
    if ("characteristic" in specs.columns and "characteristic" in df.columns
            and "characteristic" not in by):  # specs are per characteristic: join on it
        names = sorted(df["characteristic"].dropna().astype(str).unique())
        if len(names) > 1:
            raise LeankitError(f"--by {args.by}: the rows hold {len(names)} characteristics ("
                               + ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
                               + f"), each with its own specs; use --by characteristic,{args.by}"
                               ", or choose one with --where characteristic=NAME")
        by = ["characteristic", *by]
    if not any(c in specs.columns for c in by):
        raise LeankitError(f"--by {args.by}: the specs are joined on the --by columns they "
                           f"share, and the specs table has none of them (its keys: "
                           + ", ".join(c for c in ("characteristic", "product") if c in specs)
                           + f"); add characteristic, e.g. "
                           f"--by characteristic,{by[0]}")
    results: dict[Any, Any] = {}
    failures: dict[Any, str] = {}
    notes: list[str] = []
    for _key, part in df.groupby(by if len(by) > 1 else by[0], sort=True):
        one, msgs = _noted(spc.capability, part, by=by, specs=specs, **common)
        assert isinstance(one, spc.CapabilityTable)
        results.update(one.items())
        failures.update(one.failures)
        for key in (*one, *one.failures):
            label = ", ".join(map(str, key)) if isinstance(key, tuple) else str(key)
            notes.extend(f"  {label}: {_cli_words(m)}" for m in msgs)
            if key in one.failures:
                why = one.failures[key]
                why = ("no specification limits in the specs table"
                       if why == "no specification in specs=" else _cli_words(why))
                notes.append(f"  {label}: no result ({why})")
    table = spc.CapabilityTable(results, tuple(by), failures)
    if len(table):
        frame = table.to_frame()
        cols = [c for c in (*by, "n", "method", "distribution", "lsl", "usl", "cp", "cpk",
                            "cpk_lower", "pp", "ppk", "ppk_lower", "ppm_expected",
                            "sigma_level") if c in frame]
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(frame[cols].round(4).to_string(index=False))
    else:
        print(f"no capability result for any {args.by}")
    if notes:
        print("\nnotes:")
        print("\n".join(notes))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``leankit`` command."""
    parser = argparse.ArgumentParser(prog="leankit", description="Lean / Six Sigma analytics.")
    parser.add_argument("--version", action="version", version=f"leankit {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the Python traceback of an unexpected error (also LEANKIT_DEBUG=1)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ing = sub.add_parser("ingest", help="load exports into a canonical Parquet dataset")
    ing.add_argument("paths", nargs="+", metavar="PATH", help="export files (CSV, XLSX, "
                     "JSONL), or a postgresql://user:password@host:port/db URL")
    ing.add_argument("--kind", required=True, choices=_schema.KINDS, help="canonical table")
    ing.add_argument("--out", required=True, type=Path, help="dataset folder")
    ing.add_argument("--profile", help="built-in profile name or TOML file (default: auto)")
    ing.add_argument("--sheet", help="Excel sheet name or 0-based index")
    ing.add_argument("--tz", metavar="ZONE", help="IANA time zone of the exports' times "
                     "without UTC offset, e.g. Europe/Berlin (overrides the profile's)")
    ing.add_argument("--strict", action="store_true", help="exit 1 if any row is quarantined")
    ing.add_argument("--json", action="store_true", help="print the accounting as JSON")
    ing.add_argument("--quiet", action="store_true", help="no progress output")
    ing.add_argument("--table", help="database: the table to read (schema.table allowed)")
    ing.add_argument("--query", metavar="SQL", help="database: a query giving the rows")
    ing.add_argument("--watermark", metavar="COLUMN", help="database: load only rows whose "
                     "COLUMN is above the highest value loaded before (an id, an insert time)")
    ing.set_defaults(func=_ingest)

    demo = sub.add_parser("demo", help="ingest the sample data and write the weekly and A3 "
                          "reports")
    demo.add_argument("--data", default="sample_data", help="sample data folder")
    demo.add_argument("--out", required=True, type=Path, help="output folder")
    demo.set_defaults(func=_demo)

    ch = sub.add_parser(
        "chart", help="control chart of a column of a Parquet table",
        description="A control chart of one characteristic. Prints a short summary (limits, "
        "how many points signal, the first and last signal); --out writes every point "
        "(.csv, .parquet) or the figure (.html).")
    ch.add_argument("path", help="Parquet (or CSV) file, or a dataset folder with --kind")
    ch.add_argument("--kind", choices=_schema.KINDS, help="table of a dataset folder")
    ch.add_argument("--type", required=True, metavar="TYPE",
                    help="chart type: a registered chart family id or alias ("
                    + ", ".join(_CHART_TYPES) + " and any added family)")
    ch.add_argument("--value", help="column of measured values (variables charts)")
    ch.add_argument("--subgroup", help="column of subgroup ids")
    ch.add_argument("--count", help="column of counts (attribute charts)")
    ch.add_argument("--size", help="column of sample sizes (p, np, u)")
    ch.add_argument("--time", help="column of times (ordering, --baseline-until)")
    ch.add_argument("--stage", help="column of stages (limits per stage)")
    ch.add_argument("--where", action="append", metavar="COL=VALUE", help="filter rows")
    ch.add_argument("--baseline-until", help="Phase I = data before this time; the rest Phase II")
    ch.add_argument("--column", action="append", metavar="NAME=COL",
                    help="a column argument of the chart type beyond --value/--subgroup/"
                    "--count/--size, e.g. --column part=part_no for zmr (repeatable)")
    ch.add_argument("--rules", default=None, help=_RULES_HELP)
    ch.add_argument("--nsigmas", type=float, default=3.0, help="limit width in sigmas")
    ch.add_argument("--title", help="figure title")
    ch.add_argument("--out", action="append", metavar="FILE",
                    help="write the detail: FILE.csv or FILE.parquet, every point with its "
                    "limits and signals (columns signal, rules); FILE.html, the figure as a "
                    "self-contained HTML file (repeatable; the terminal shows a short summary)")
    ch.set_defaults(func=_chart)

    rep = sub.add_parser("report", help="write a report (HTML)")
    rep.add_argument("type", choices=("weekly", "a3"),
                     help="report type: weekly (quality report) or a3 (improvement report)")
    rep.add_argument("--spec", required=True, help="report spec (TOML)")
    rep.add_argument("--out", required=True,
                     help="HTML file to write; the verdicts go to the same name with .json")
    rep.add_argument("--quiet", action="store_true", help="no progress output")
    rep.set_defaults(func=_report)

    cap = sub.add_parser("capability", help="process capability of a column")
    cap.add_argument("path", help="Parquet (or CSV) file, or a dataset folder with --kind")
    cap.add_argument("--kind", choices=_schema.KINDS, help="table of a dataset folder")
    cap.add_argument("--value", required=True, help="column of measured values")
    cap.add_argument("--subgroup", help="column of subgroup ids (else individuals)")
    cap.add_argument("--by", help="group columns, comma-separated, e.g. characteristic (specs "
                     "joined on them; warnings become notes naming the group)")
    cap.add_argument("--specs", help="specs table (default: the dataset's specs)")
    cap.add_argument("--lsl", type=float, help="lower specification limit (without --lsl and "
                     "--usl: the specs table's limits of the characteristic of the rows)")
    cap.add_argument("--usl", type=float, help="upper specification limit")
    cap.add_argument("--target", type=float, help="target (default: the specs table's when "
                     "its limits are used)")
    cap.add_argument("--where", action="append", metavar="COL=VALUE", help="filter rows")
    cap.add_argument("--distribution", default="normal",
                     choices=("normal", "auto", "boxcox", "johnson", "lognormal", "weibull",
                              "gamma", "exponential", "logistic", "nonparametric"))
    cap.add_argument("--sigma-method", choices=("pooled", "rbar", "sbar", "mrbar", "median_mr"))
    cap.add_argument("--confidence", type=float, default=0.95, help="confidence level")
    cap.add_argument("--shift", type=float, default=1.5, help="sigma-level shift (0 for none)")
    cap.add_argument("--out", help="write the figure as a self-contained HTML file")
    cap.set_defaults(func=_capability)

    prof = sub.add_parser("profiles", help="list the built-in mapping profiles")
    prof.set_defaults(func=_profiles)
    from leankit._cli_limits import add_parser as _add_limits_parser  # leankit limits ...
    _add_limits_parser(sub)
    from leankit._cli_msa import add_parser as _add_msa_parser  # leankit msa ...
    _add_msa_parser(sub)
    from leankit._cli_data import add_parser as _add_data_parser  # leankit data ...
    _add_data_parser(sub)
    return parser


#: Longest error message the command line prints (a corrupt file must not flood the terminal).
_MAX_MESSAGE = 2000


def _short(text: str, limit: int = _MAX_MESSAGE) -> str:
    """*text* cut to *limit* characters, control characters shown as escapes."""
    text = "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]} ... [{len(text) - limit:,} more characters]"


def _format_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    line: str | None = None,
) -> str:
    """A warning as one ``leankit: warning:`` line, without the source line."""
    label = "warning" if issubclass(category, UserWarning) else category.__name__
    return f"leankit: {label}: {_short(str(message))}\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Exit status: 0 success, 1 ``--strict`` with quarantined rows, 2 an error the message
    explains (bad input, missing file, invalid spec, unwritable output), 3 an unexpected
    internal error (a bug: ``--debug`` or ``LEANKIT_DEBUG=1`` shows the traceback),
    130 interrupted. The command never prints a Python traceback unless asked to.
    """
    import os
    import warnings

    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments or os.environ.get("LEANKIT_DEBUG", "") not in ("", "0")
    arguments = [a for a in arguments if a != "--debug"]  # accepted anywhere on the line
    parser = build_parser()
    args = parser.parse_args(arguments)
    previous = warnings.formatwarning
    if not debug:  # printed warnings are one line (recorded ones, e.g. by tests, unchanged)
        warnings.formatwarning = _format_warning
    try:
        return int(args.func(args))
    except LeankitError as exc:
        if debug:
            raise
        print(f"leankit: error: {_short(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:  # pragma: no cover
        print("leankit: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        if debug:
            raise
        print(
            "leankit: error: out of memory; filter the data (--where) or use a smaller period",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:  # the system refused a file operation (permissions, disk full ...)
        if debug:
            raise
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        reason = exc.strerror or str(exc) or type(exc).__name__
        print(f"leankit: error: {_short(reason)}{where}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if debug:
            raise
        print(
            f"leankit: internal error: {type(exc).__name__}: {_short(str(exc), 500)}\n"
            "This is a bug in leankit, not in your data or command. Run the command again "
            "with --debug to see the traceback, and report it with that output.",
            file=sys.stderr,
        )
        return 3
    finally:
        warnings.formatwarning = previous
