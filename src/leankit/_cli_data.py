"""``leankit data``: what a dataset folder holds, and its partitioned copy.

Commands
--------
``leankit data partition DIR [--by week|week,site]``
    Write the partitioned copy of the timed tables (:func:`leankit.data.partition`):
    by ISO week (UTC), or by week and site; prints what was written and what was up to
    date already.
``leankit data info DIR``
    Per table: rows, first and last time (UTC), and whether the partitioned copy is up
    to date and how it is partitioned (computed in the engine: cheap).

The commands use only the public API (:mod:`leankit.data`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from leankit.errors import DatasetError

__all__ = ["add_parser"]

_BY = ("week", "week,site")


def add_parser(subparsers: Any) -> None:
    """Add ``leankit data`` (partition, info) to *subparsers*.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="leankit")
    >>> add_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["data", "partition", "demo_out/data", "--by", "week,site"]).by
    'week,site'
    """
    dat = subparsers.add_parser(
        "data", help="a dataset folder: what it holds (info), its partitioned copy "
        "(partition)", description="A dataset folder (leankit ingest --out): its tables "
        "and the copy of the timed tables partitioned by week (and site), from which a "
        "scan of a period (and site) reads only those files.")
    cmds = dat.add_subparsers(dest="data_command", required=True, metavar="COMMAND")

    part = cmds.add_parser(
        "partition", help="write the copy of the timed tables partitioned by ISO week "
        "(and site)", description="Write DIR/partitioned/<kind>/week=YYYY-Www/"
        "[site=NAME/]part-0.parquet for measurements, defects and production. Tables "
        "whose files and keys have not changed are left as they are; another --by "
        "rewrites the copy.")
    part.add_argument("dataset", metavar="DIR", help="dataset folder (leankit ingest --out)")
    part.add_argument("--by", default="week", choices=_BY, metavar="week|week,site",
                      help="partition keys: week (ISO week of the UTC time, the default) "
                      "or week,site (scans of one site read only its files)")
    part.set_defaults(func=_partition)

    info = cmds.add_parser(
        "info", help="rows, first and last time, partitioned copy of each table",
        description="Per table: rows, first and last time (UTC), and whether the "
        "partitioned copy is up to date and how it is partitioned.")
    info.add_argument("dataset", metavar="DIR", help="dataset folder (leankit ingest --out)")
    info.set_defaults(func=_info)


def _dataset(args: argparse.Namespace) -> Path:
    root = Path(args.dataset)
    if not (root / "manifest.json").is_file():
        what = "does not exist" if not root.exists() else "has no manifest.json"
        raise DatasetError(f"{str(root)!r} {what}, so it is not a dataset folder; give the "
                           "folder `leankit ingest ... --out DIR` wrote (the demo's is "
                           "demo_out/data)")
    return root


def _partition(args: argparse.Namespace) -> int:
    from leankit import data

    print(data.partition(_dataset(args), by=args.by))
    return 0


def _when(t: Any) -> str:
    return "-" if t is None else t.strftime("%Y-%m-%d %H:%M:%S")


def _info(args: argparse.Namespace) -> int:
    from leankit import data, schema

    with data.connect(_dataset(args)) as src:
        rows = []
        for kind in schema.KINDS:
            if kind in ("measurements", "defects", "production"):
                first, last, n = src.span(kind)
                status, by = src.partition_status(kind)
                copy = status if status == "none" else f"{status}, by {' and '.join(by)}"
                if status == "out of date":
                    copy += " (run leankit data partition)"
            else:  # no time: neither a span nor a partitioned copy
                first = last = None
                n = len(src.read(kind, columns=[schema.get(kind).required[0]]))
                copy = "- (no time column)"
            rows.append((kind, f"{n:,}", _when(first), _when(last), copy))
    head = ("table", "rows", "first (UTC)", "last (UTC)", "partitioned copy")
    width = [max(len(r[i]) for r in (head, *rows)) for i in range(4)]
    print(f"dataset {args.dataset}:")
    for r in (head, *rows):
        print(f"  {r[0]:<{width[0]}}  {r[1]:>{width[1]}}  {r[2]:<{width[2]}}  "
              f"{r[3]:<{width[3]}}  {r[4]}")
    return 0
