"""The ``leankit`` command line: a thin layer over the public API.

Commands
--------
``leankit ingest PATH... --kind KIND --out DIR [--profile NAME_OR_FILE]``
    Load exports into a canonical Parquet dataset and print the row accounting.
``leankit demo [--data DIR] --out DIR``
    Ingest the shipped ``sample_data/`` and write the weekly report (``DIR/weekly_report.html``).
``leankit report weekly --spec SPEC.toml --out FILE.html``
    The weekly quality report described by a spec file (and ``FILE.json``, its verdicts).
``leankit profiles``
    List the built-in mapping profiles.
``leankit chart PATH --type TYPE --value COL ... --out FILE.html``
    Control chart of a column of a Parquet file or dataset; prints the signals.
``leankit capability PATH --value COL [--by COL] [--lsl/--usl/--target | specs] ...``
    Process capability with confidence intervals; one row per group with ``--by``.
``leankit limits freeze | show | history | recompute DATASET ...``
    Frozen Phase I limits beside a dataset, versioned and audited.

Exit status: 0 on success, 1 when ``--strict`` and rows were quarantined,
2 on a fatal problem (the message says what to fix), 3 on an unexpected internal
error (a one-line message; ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from leankit import __version__
from leankit import schema as _schema
from leankit.errors import InputFileError, LeankitError

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


def _ingest(args: argparse.Namespace) -> int:
    from leankit import io as lio

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
    html = out / "weekly_report.html"
    failed = _write_weekly(spec_path, html, show)
    print(f"\nWeekly report: {html}  (spec: {spec_path})")
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


def _report(args: argparse.Namespace) -> int:
    show = sys.stderr.isatty() and not args.quiet
    return 3 if _write_weekly(Path(args.spec), Path(args.out), show) else 0


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


def _chart(args: argparse.Namespace) -> int:
    import pandas as pd

    from leankit import spc
    from leankit.io._dataset import atomic_write_bytes

    fam = spc.get_family(args.type)  # FamilyError (a LeankitError) names the known types
    df = _filtered(args)
    kwargs: dict[str, Any] = {"time": args.time, "stage": args.stage, "nsigmas": args.nsigmas}
    if args.rules is not None:  # else the family's default_rules (spc.chart)
        rules = args.rules.split(",") if "," in args.rules else args.rules
        try:
            fam.check_rules(rules)
        except ValueError as exc:  # RuleError: a LeankitError and ValueError
            raise LeankitError(f"--rules {args.rules}: {exc}") from None
        kwargs["rules"] = rules
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

    if args.baseline_until:
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
        if not new.empty:
            chart = chart.monitor(new)
    else:
        chart = fn(df, **kwargs)
    print(chart)
    print(chart.limits.drop(columns=["method"], errors="ignore").to_string(index=False))
    if len(chart.signals):
        cols = [c for c in ("panel", "subgroup", "time", "rule", "description")
                if c in chart.signals and chart.signals[c].notna().any()]
        print("\nSignals:")
        print(chart.signals[cols].to_string(index=False))
    else:
        print("\nNo signals.")
    if args.out:
        title = args.title or f"{args.type} chart of {kwargs.get('value') or kwargs.get('count')}"
        html = chart.figure(title=title).to_html(include_plotlyjs=True, full_html=True)
        atomic_write_bytes(Path(args.out), html.encode("utf-8"))
        print(f"\nfigure written to {args.out}")
    return 0


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
        df = df[df[col].astype(str) == val]
    if df.empty:
        raise LeankitError("no rows left after --where filters")
    return df


def _capability(args: argparse.Namespace) -> int:
    import pandas as pd

    from leankit import spc
    from leankit.io._dataset import atomic_write_bytes

    df = _filtered(args)
    common = {"value": args.value, "subgroup": args.subgroup, "distribution": args.distribution,
              "confidence": args.confidence, "shift": args.shift}
    if args.sigma_method:
        common["sigma_method"] = args.sigma_method
    if args.by:
        by = args.by.split(",")
        specs = None
        if args.specs:
            specs = _read_any(Path(args.specs), "specs")
        elif Path(args.path).is_dir():
            from leankit import io as lio

            specs = lio.read_table(args.path, "specs")
        if specs is None or specs.empty:
            raise LeankitError("--by needs specification limits: pass --specs FILE, or ingest a "
                               "specs table into the dataset")
        table = spc.capability(df, by=by, specs=specs, **common)
        assert isinstance(table, spc.CapabilityTable)
        frame = table.to_frame()
        cols = [c for c in (*by, "n", "method", "distribution", "lsl", "usl", "cp", "cpk",
                            "cpk_lower", "pp", "ppk", "ppk_lower", "ppm_expected",
                            "sigma_level") if c in frame]
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(frame[cols].round(4).to_string(index=False))
        for key, why in table.failures.items():
            print(f"{key}: no result ({why})")
        return 0
    if args.lsl is None and args.usl is None:
        raise LeankitError("give --lsl and/or --usl (or --by with a specs table)")
    cap = spc.capability(df, lsl=args.lsl, usl=args.usl, target=args.target, **common)
    assert isinstance(cap, spc.Capability)
    print(cap.summary())
    if args.out:
        html = cap.figure().to_html(include_plotlyjs=True, full_html=True)
        atomic_write_bytes(Path(args.out), html.encode("utf-8"))
        print(f"\nfigure written to {args.out}")
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
    ing.add_argument("paths", nargs="+", metavar="PATH", help="export files (CSV, XLSX, JSONL)")
    ing.add_argument("--kind", required=True, choices=_schema.KINDS, help="canonical table")
    ing.add_argument("--out", required=True, type=Path, help="dataset folder")
    ing.add_argument("--profile", help="built-in profile name or TOML file (default: auto)")
    ing.add_argument("--sheet", help="Excel sheet name or 0-based index")
    ing.add_argument("--strict", action="store_true", help="exit 1 if any row is quarantined")
    ing.add_argument("--json", action="store_true", help="print the accounting as JSON")
    ing.add_argument("--quiet", action="store_true", help="no progress output")
    ing.set_defaults(func=_ingest)

    demo = sub.add_parser("demo", help="ingest the sample data and write the weekly report")
    demo.add_argument("--data", default="sample_data", help="sample data folder")
    demo.add_argument("--out", required=True, type=Path, help="output folder")
    demo.set_defaults(func=_demo)

    ch = sub.add_parser("chart", help="control chart of a column of a Parquet table")
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
    ch.add_argument("--rules", default=None,
                    help="rule set or ids, e.g. nelson or we_1,we_4 (default: the chart "
                    "type's default rules: we for Shewhart charts, limits for g and t, "
                    "anhoej for run)")
    ch.add_argument("--nsigmas", type=float, default=3.0, help="limit width in sigmas")
    ch.add_argument("--title", help="figure title")
    ch.add_argument("--out", help="write the figure as a self-contained HTML file")
    ch.set_defaults(func=_chart)

    rep = sub.add_parser("report", help="write a report (HTML)")
    rep.add_argument("type", choices=("weekly",), help="report type")
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
    cap.add_argument("--by", help="group columns, comma-separated (specs joined on them)")
    cap.add_argument("--specs", help="specs table (default: the dataset's specs)")
    cap.add_argument("--lsl", type=float, help="lower specification limit")
    cap.add_argument("--usl", type=float, help="upper specification limit")
    cap.add_argument("--target", type=float, help="target")
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
