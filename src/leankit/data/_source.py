"""Sources of canonical tables, read lazily through an engine (Ibis expressions).

:func:`connect` opens one of three kinds of source and returns a :class:`Source`
whose :meth:`Source.scan` gives a lazy Ibis table expression: nothing is read until
the expression is executed (``.to_pandas()``, or by :func:`leankit.spc.subgroup_stats`),
and then the engine reads only the rows and columns the expression needs.

- a leankit dataset folder (the default): embedded DuckDB over its Parquet files, no
  server. With a partitioned copy (:func:`partition`) a scan of a period lists only the
  files of the weeks it overlaps (and, partitioned by site too, of the sites its
  ``where={"site": ...}`` names);
- a SQL database: a ``postgresql://user:password@host:port/db`` URL (tables named like
  the canonical kinds, or ``tables=`` / ``queries=`` and ``rename=``);
- Apache Spark: a ``SparkSession``, or a master string (``local[2]``, ``spark://host:7077``).

Errors of the drivers (a bad URL, an unreachable server, a missing table, a failed
query) come back as :class:`SourceError` saying what to fix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.parse
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from leankit import schema as _schema
from leankit import units as _units
from leankit.errors import (
    ColumnNotFoundError,
    DatasetError,
    LeankitError,
    OutputFileError,
    SchemaError,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "PartitionReport",
    "Source",
    "SourceError",
    "connect",
    "partition",
    "week_of",
]

#: The time column of each kind that has one (partitions and period filters use it).
TIME_COLUMNS: Mapping[str, str] = {
    "measurements": "timestamp",
    "defects": "timestamp",
    "production": "period_start",
}

#: Seconds a database connection may take before it is given up (unless the URL says).
CONNECT_TIMEOUT = 15

PARTITIONED = "partitioned"
_BUILT_FROM = "_built_from.json"
#: The keys a partitioned copy can be split by, in folder order.
PARTITION_KEYS = ("week", "site")
#: The folder name DuckDB (and Hive, Spark) give a missing partition value.
_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MASTER = re.compile(r"^(local(\[(\d+|\*)(,\s*\d+)?\])?|spark://.+|yarn|k8s://.+)$")
_PG = ("postgresql://", "postgres://", "postgresql+psycopg://")

Where = Mapping[str, Any] | Callable[["ir.Table"], Any] | None
Period = str | tuple[Any, Any] | None


class SourceError(LeankitError, ValueError):
    """A data source cannot be opened or read: a bad connection string, an unreachable
    server, a missing table, a failed query. The message names what to fix."""


@contextlib.contextmanager
def quiet_engine(spark: bool | None = None) -> Iterator[None]:
    """Silence the engines' own deprecation warnings about each other (Ibis 12 calls
    DuckDB 2's deprecated ``fetch_arrow_table``, PySpark 4.0 pandas 3's ``copy=``): not
    the user's to act on. *spark*: whether the work inside ran on Spark (then a garbage
    collection closes its result sockets under the filter); ``None``: whenever PySpark
    is loaded."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"fetch_arrow_table\(\) is deprecated",
                                category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"The 'future\.infer_string' option",
                                category=Warning)
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            # e.g. PySpark 4.0's toPandas passing copy= to pandas 3
            warnings.filterwarnings("ignore", category=category,
                                    module=r"^(ibis|pyspark|py4j|sqlglot)(\.|$)")
        # PySpark drops the local sockets it fetched results through without closing
        warnings.filterwarnings("ignore", message=r"unclosed <socket",
                                category=ResourceWarning)
        try:
            yield
        finally:
            if spark is None:
                spark = "pyspark" in sys.modules
            if spark:
                gc.collect()  # ... so they are collected here, under this filter


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


# ------------------------------------------------------------------ periods


def week_of(ts: Any) -> str:
    """The ISO week (``2026-W44``) of a time, in UTC (a naive time is taken as UTC).

    Examples
    --------
    >>> week_of("2026-11-01 23:30")
    '2026-W44'
    >>> week_of("2026-11-02T00:10:00+01:00")
    '2026-W44'
    """
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    year, week, _ = t.isocalendar()
    return f"{year}-W{week:02d}"


def _utc(value: Any, what: str) -> pd.Timestamp:
    try:
        t = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"period {what} {value!r} is not a date or time ({exc})") from None
    if t is pd.NaT:
        raise ValueError(f"period {what} is missing (NaT)")
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def period_bounds(period: Period) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """``[start, end)`` in UTC of an ISO week (``"2026-W44"``) or a ``(start, end)`` pair.

    Examples
    --------
    >>> [str(t) for t in period_bounds("2026-W44")]
    ['2026-10-26 00:00:00+00:00', '2026-11-02 00:00:00+00:00']
    """
    if period is None:
        return None
    if isinstance(period, str):
        m = _WEEK.match(period.strip())
        if not m:
            raise ValueError(
                f"period={period!r} is not an ISO week; give 'YYYY-Www' (e.g. '2026-W44') "
                "or a (start, end) pair of dates or times (end excluded)"
            )
        try:
            monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError as exc:
            raise ValueError(f"period={period!r}: {exc}") from None
        start = pd.Timestamp(monday, tz="UTC")
        return start, start + pd.Timedelta(days=7)
    if isinstance(period, (tuple, list)) and len(period) == 2:
        start, end = _utc(period[0], "start"), _utc(period[1], "end")
        if end <= start:
            raise ValueError(f"period end {end} is not after its start {start}")
        return start, end
    raise TypeError(
        f"period= must be an ISO week 'YYYY-Www' or a (start, end) pair, got {period!r}"
    )


def _weeks(start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """ISO weeks that ``[start, end)`` overlaps."""
    monday = (start - pd.Timedelta(days=start.weekday())).normalize()
    out = []
    while monday < end:
        out.append(week_of(monday))
        monday += pd.Timedelta(days=7)
    return out


# ------------------------------------------------------------------ engines


def _ibis() -> Any:
    import ibis

    return ibis


def _duckdb() -> Any:
    ibis = _ibis()
    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    # a library prints nothing: DuckDB's progress bar would go to the caller's stdout
    con.raw_sql("SET enable_progress_bar = false")
    return con


def _is_spark_session(obj: object) -> bool:
    return any(c.__module__.startswith("pyspark.sql") and c.__name__ == "SparkSession"
               for c in type(obj).__mro__)


def _spark_session(master: str) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SourceError(
            f"{master!r} is a Spark master, but PySpark is not installed; install "
            "leankit[spark] (pip install 'leankit[spark]') and Java 17 or newer"
        ) from None
    try:
        return (SparkSession.builder.master(master).appName("leankit")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .getOrCreate())
    except Exception as exc:  # py4j / Java errors: no common base class
        raise SourceError(
            f"cannot start a Spark session on master {master!r} ({_first_line(exc)}); "
            "check the master URL (local[2], spark://host:7077) and that Java 17+ is "
            "installed (JAVA_HOME)"
        ) from None


@dataclass(frozen=True)
class _Table:
    """Where one kind comes from in a database or Spark: a table or a query."""

    table: str | None = None
    query: str | None = None


class Source:
    """An opened source of canonical tables (see :func:`connect`).

    Attributes
    ----------
    engine : str
        The Ibis backend that runs the queries: ``duckdb``, ``postgres`` or ``pyspark``.
    description : str
        What was opened (a folder, a URL without its password, a Spark master).
    backend : ibis backend
        The Ibis connection itself (for expressions of your own).
    """

    def __init__(self, backend: Any, *, engine: str, description: str,
                 dataset: Path | None = None,
                 tables: Mapping[str, _Table] | None = None,
                 rename: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.backend = backend
        self.engine = engine
        self.description = description
        self.dataset = dataset
        self._tables = dict(tables or {})
        self._rename = {k: dict(v) for k, v in (rename or {}).items()}
        self._conversions: dict[tuple[str, tuple[str, ...]], list[tuple[str, str, str]]] = {}

    def __repr__(self) -> str:
        return f"<Source {self.engine}: {self.description}>"

    # ------------------------------------------------------------ files

    def files(self, kind: str, *, period: Period = None, where: Where = None) -> list[Path]:
        """The Parquet files a scan of *kind* (and *period*, *where*) reads (dataset
        folders only).

        The partitioned copy's files when it is up to date with the dataset (see
        :func:`partition`): those of the ISO weeks the period overlaps, and in a copy
        partitioned by site too, those of the sites ``where["site"]`` names (a value or a
        list; ``None`` names the rows without a site). Else every canonical part.

        Parameters
        ----------
        kind : {"measurements", "defects", "production", "specs"}
            The canonical table.
        period : str or (start, end), optional
            As in :meth:`scan`.
        where : mapping or callable, optional
            As in :meth:`scan`; only a mapping's ``site`` entry prunes files (the other
            entries, and a callable, are filters the engine applies within the files).

        Returns
        -------
        list of pathlib.Path
            A site or week the dataset does not have gives no files (a scan of it is
            empty, not an error).

        Examples
        --------
        >>> import tempfile, leankit.io as lio
        >>> d = tempfile.mkdtemp()
        >>> _ = lio.ingest("sample_data/measurements/line2_process_log.csv",
        ...                kind="measurements", out=d)
        >>> _ = partition(d, by="week,site")
        >>> src = connect(d)
        >>> [f.relative_to(d).as_posix() for f in src.files(
        ...     "measurements", period="2026-W40", where={"site": "PLANT-N"})]
        ['partitioned/measurements/week=2026-W40/site=PLANT-N/part-0.parquet']
        >>> src.files("measurements", where={"site": "PLANT-X"})
        []
        """
        return self._files(_schema.get(kind).kind, period, where)[0]

    def _files(self, kind: str, period: Period, where: Where,
               ) -> tuple[list[Path], tuple[str, ...] | None]:
        """:meth:`files` and the keys of the partitioned copy they come from (``None``:
        the canonical parts)."""
        if self.dataset is None:
            raise SourceError(f"{self!r} is not a dataset folder: it has no files")
        bounds = period_bounds(period)
        layout = self._partition_layout(kind)
        if layout is None:
            return [self.dataset / e["part"] for e in _manifest_files(self.dataset, kind)], None
        part_dir, by = layout
        if bounds is None:
            weeks = sorted(p for p in part_dir.glob("week=*") if p.is_dir())
        else:
            weeks = [part_dir / f"week={w}" for w in _weeks(*bounds)]
        if "site" not in by:
            return [f for w in weeks for f in sorted(w.glob("*.parquet"))], by
        sites = _where_sites(where)
        out = []
        for w in weeks:
            for folder in sorted(w.glob("site=*")):
                if sites is None or any(_same_site(_hive_value(folder.name), v)
                                        for v in sites):
                    out.extend(sorted(folder.glob("*.parquet")))
        return out, by

    def _partition_layout(self, kind: str) -> tuple[Path, tuple[str, ...]] | None:
        """The partitioned copy of *kind* and its keys, if it is up to date with the
        manifest."""
        assert self.dataset is not None
        d = self.dataset / PARTITIONED / kind
        built = _read_built(d)
        if built is None or built.get("parts") != _parts_key(self.dataset, kind):
            return None  # none, or ingested since: the canonical files are the truth
        by = _built_by(built)
        return None if by is None else (d, by)

    def partition_status(self, kind: str) -> tuple[str, tuple[str, ...]]:
        """Whether *kind* has a partitioned copy (see :func:`partition`) and its keys.

        Returns
        -------
        (str, tuple of str)
            ``("up to date", keys)``: scans read the copy; ``("out of date", keys)``:
            ingested since, scans read the canonical files until :func:`partition` runs
            again; ``("none", ())``: no copy (or a table without time, like specs).

        Examples
        --------
        >>> import tempfile, leankit.io as lio
        >>> d = tempfile.mkdtemp()
        >>> _ = lio.ingest("sample_data/defects/mes_defects.jsonl", kind="defects", out=d)
        >>> src = connect(d)
        >>> src.partition_status("defects")
        ('none', ())
        >>> _ = partition(d, by=("week", "site"))
        >>> src.partition_status("defects")
        ('up to date', ('week', 'site'))
        """
        kind = _schema.get(kind).kind
        if self.dataset is None:
            raise SourceError(f"{self!r} is not a dataset folder: it has no partitioned copy")
        built = _read_built(self.dataset / PARTITIONED / kind)
        by = None if built is None else _built_by(built)
        if built is None or by is None:
            return "none", ()
        if built.get("parts") != _parts_key(self.dataset, kind):
            return "out of date", by
        return "up to date", by

    # ------------------------------------------------------------ scanning

    def scan(self, kind: str, *, period: Period = None, where: Where = None,
             columns: Sequence[str] | None = None) -> ir.Table:
        """A lazy table expression of one canonical table.

        Parameters
        ----------
        kind : {"measurements", "defects", "production", "specs"}
            The canonical table.
        period : str or (start, end), optional
            Rows of an ISO week (``"2026-W44"``, UTC) or of ``[start, end)`` (times
            without a zone are UTC), by the kind's time column (``timestamp``;
            ``period_start`` for production). Specs have no time: not allowed.
        where : mapping or callable, optional
            ``{column: value or list of values}`` (rows equal to one of them; ``None``
            stands for a missing value), or a function of the table returning an Ibis
            boolean expression. With a copy partitioned by site, ``{"site": ...}`` also
            limits the files read to those sites' (:meth:`files`).
        columns : list of str, optional
            Only these columns (projection pushdown).

        Returns
        -------
        ibis.expr.types.Table
            Lazy: run it with ``.to_pandas()`` or give it to :func:`leankit.spc.subgroup_stats`.

        Examples
        --------
        >>> import tempfile, leankit.io as lio
        >>> d = tempfile.mkdtemp()
        >>> _ = lio.ingest("sample_data/measurements/line1_gauge.csv", kind="measurements",
        ...                out=d)
        >>> t = connect(d).scan("measurements", period="2026-W44",
        ...                     columns=["timestamp", "value"])
        >>> t.columns
        ('timestamp', 'value')
        """
        kind = _schema.get(kind).kind
        bounds = period_bounds(period)
        if bounds is not None and kind not in TIME_COLUMNS:
            raise ValueError(f"{kind} has no time column, so period= does not apply to it")
        t = self._base(kind, period, where)
        if bounds is not None:
            tcol = TIME_COLUMNS[kind]
            if tcol not in t.columns:
                raise ColumnNotFoundError(tcol, t.columns, what=f"the {kind} table")
            ibis = _ibis()
            start = ibis.timestamp(bounds[0].isoformat())
            end = ibis.timestamp(bounds[1].isoformat())
            t = t.filter((t[tcol] >= start) & (t[tcol] < end))
        if where is not None:
            t = t.filter(_where(t, where, kind))
        if columns is not None:
            cols = [columns] if isinstance(columns, str) else list(columns)
            for c in cols:
                if c not in t.columns:
                    raise ColumnNotFoundError(c, t.columns, what=f"the {kind} table")
            t = t.select(*cols)
        return t

    def read(self, kind: str, *, period: Period = None, where: Where = None,
             columns: Sequence[str] | None = None) -> pd.DataFrame:
        """:meth:`scan` run into a pandas DataFrame (for tables that fit in memory).

        Examples
        --------
        >>> import tempfile, leankit.io as lio
        >>> d = tempfile.mkdtemp()
        >>> _ = lio.ingest("sample_data/specs.csv", kind="specs", out=d)
        >>> connect(d).read("specs", columns=["characteristic", "lsl", "usl"]).shape
        (5, 3)
        """
        t = self.scan(kind, period=period, where=where, columns=columns)
        return _execute(t, f"{kind} table")

    def span(self, kind: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None, int]:
        """First and last time and the number of rows of a timed table, computed in the
        engine (a report decides from them which rows it needs before it reads any).

        Returns ``(None, None, 0)`` for an empty table.

        Examples
        --------
        >>> import tempfile, leankit.io as lio
        >>> d = tempfile.mkdtemp()
        >>> _ = lio.ingest("sample_data/defects/mes_defects.jsonl", kind="defects", out=d)
        >>> first, last, n = connect(d).span("defects")
        >>> str(first), n
        ('2026-08-31 04:00:00+00:00', 10078)
        """
        kind = _schema.get(kind).kind
        if kind not in TIME_COLUMNS:
            raise ValueError(f"{kind} has no time column, so it has no span")
        tcol = TIME_COLUMNS[kind]
        t = self.scan(kind, columns=[tcol])
        row = _execute(t.aggregate(first=t[tcol].min(), last=t[tcol].max(), rows=t.count()),
                       f"time span of the {kind} table").iloc[0]
        n = int(row["rows"])
        if n == 0 or pd.isna(row["first"]):
            return None, None, n
        return _utc(row["first"], "first time"), _utc(row["last"], "last time"), n

    def _base(self, kind: str, period: Period, where: Where = None) -> ir.Table:
        if self.dataset is not None:
            return self._dataset_table(kind, period, where)
        return self._db_table(kind)

    def _dataset_table(self, kind: str, period: Period, where: Where = None) -> ir.Table:
        """The files of *kind* (pruned by *period* and *where*, which the caller still
        applies as filters), every canonical column, values in dataset units."""
        ibis = _ibis()
        assert self.dataset is not None
        arrow = _schema.arrow_schema(kind)
        sch = ibis.Schema.from_pyarrow(arrow.remove_metadata())
        files, by = self._files(kind, period, where)
        partitioned = by is not None
        if not files:
            return ibis.memtable(arrow.empty_table().replace_schema_metadata(None))
        missing = [f for f in files if not f.exists()]
        if missing:
            raise SourceError(
                f"{missing[0]}: listed in the manifest but missing; ingest its source "
                f"file again into {self.dataset}"
            )
        try:
            with quiet_engine():
                # the columns are the files' own: a folder named like key=value (the
                # partitioned copy's, or one the dataset sits in) adds and replaces none
                raw = self.backend.read_parquet([str(f) for f in files], union_by_name=True,
                                                hive_partitioning=False)
        except Exception as exc:  # duckdb.IOException, InvalidInputException ...
            raise SourceError(
                f"{self.dataset}: cannot read the {kind} Parquet files "
                f"({_first_line(exc)}); ingest the affected source files again"
            ) from None
        t = raw.select(*[(raw[c] if c in raw.columns and _same(raw[c].type(), sch[c])
                          else (raw[c] if c in raw.columns else ibis.null()).cast(sch[c])
                          ).name(c) for c in sch.names])
        if not partitioned and kind in ("measurements", "specs"):
            t = self._to_units(kind, t, tuple(str(f) for f in files))
        return t

    def _to_units(self, kind: str, t: ir.Table, key: tuple[str, ...]) -> ir.Table:
        """Values in each characteristic's unit in the dataset, as ``read_table`` gives."""
        from leankit.io import Dataset

        ibis = _ibis()
        assert self.dataset is not None
        if (kind, key) not in self._conversions:
            target = Dataset(self.dataset).canonical_units()
            pairs = _execute(t.select("characteristic", "unit").distinct(), "unit check")
            conv = []
            for char, label in zip(pairs["characteristic"], pairs["unit"], strict=True):
                goal = target.get(char) if isinstance(char, str) else None
                if (goal is None or not isinstance(label, str) or not _units.is_known(label)
                        or label == goal or not _units.convertible(label, goal)):
                    continue
                conv.append((char, label, goal))
            self._conversions[(kind, key)] = conv
        conv = self._conversions[(kind, key)]
        if not conv:
            return t
        cols = {"measurements": ("value",), "specs": ("lsl", "usl", "target")}[kind]
        changes: dict[str, Any] = {}
        match = [(t.characteristic == c) & (t.unit == u) for c, u, _ in conv]
        for col in cols:
            cases = []
            for (_c, u, goal), m in zip(conv, match, strict=True):
                scale, offset = _units.factor(u, goal)
                cases.append((m, t[col] * scale + offset))
            changes[col] = ibis.cases(*cases, else_=t[col])
        changes["unit"] = ibis.cases(*[(m, ibis.literal(g)) for (_, _, g), m in
                                       zip(conv, match, strict=True)], else_=t.unit)
        return t.mutate(**changes)

    def _db_table(self, kind: str) -> ir.Table:
        spec = self._tables.get(kind, _Table(table=kind))
        try:
            if spec.query is not None:
                t = self.backend.sql(spec.query)
            else:
                assert spec.table is not None
                name = spec.table.split(".")
                if len(name) == 2:
                    t = self.backend.table(name[1], database=name[0])
                else:
                    t = self.backend.table(spec.table)
        except LeankitError:
            raise
        except Exception as exc:
            what = (f"the query for {kind} ({spec.query[:80]!r})" if spec.query is not None
                    else f"table {spec.table!r} for {kind}")
            hint = ("check the SQL and that its tables exist" if spec.query is not None else
                    f"create it, or map {kind} to your table: connect(..., tables="
                    f"{{'{kind}': 'schema.table'}}) or queries={{'{kind}': 'SELECT ...'}}")
            raise SourceError(
                f"{self.description}: cannot read {what}: {_first_line(exc)}; {hint}"
            ) from None
        renames = self._rename.get(kind, {})
        for old in renames:
            if old not in t.columns:
                raise ColumnNotFoundError(old, t.columns, what=f"{kind} (rename=)")
        if renames:
            t = t.rename({new: old for old, new in renames.items()})
        ts = _schema.get(kind)
        absent = [c for c in ts.required if c not in t.columns]
        if absent:
            raise SchemaError(
                f"{self.description}: the {kind} table has no column(s) {', '.join(absent)} "
                f"(columns found: {', '.join(t.columns)}); map yours with rename="
                f"{{'{kind}': {{'your_column': '{absent[0]}'}}}}"
            )
        known = [c for c in (*ts.names, "source_file", "source_row") if c in t.columns]
        return t.select(*known)

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (a Spark session given by the caller stays open)."""
        if self.engine == "pyspark":
            return
        with contextlib.suppress(Exception):
            self.backend.disconnect()


def _same(a: Any, b: Any) -> bool:
    """Same type but for nullability (a cast would hide the column from pushdown)."""
    return bool(a.copy(nullable=True) == b.copy(nullable=True))


def _where(t: ir.Table, where: Where, kind: str) -> Any:
    if callable(where):
        return where(t)
    assert where is not None
    preds = []
    for col, val in where.items():
        if col not in t.columns:
            raise ColumnNotFoundError(col, t.columns, what=f"the {kind} table (where=)")
        if isinstance(val, (list, tuple, set, frozenset)):
            vals = list(val)
            known = [v for v in vals if v is not None]
            if len(known) == len(vals):
                preds.append(t[col].isin(vals))
            else:  # None: the rows without a value (SQL's IN never matches NULL)
                preds.append(t[col].isin(known) | t[col].isnull() if known
                             else t[col].isnull())
        else:
            preds.append(t[col] == val)  # == None is IS NULL in Ibis
    out = preds[0] if preds else _ibis().literal(True)
    for p in preds[1:]:
        out = out & p
    return out


def _execute(expr: Any, what: str) -> pd.DataFrame:
    """Run an expression; a driver's error becomes a :class:`SourceError`."""
    try:
        backend = expr._find_backend(use_default=True).name
    except Exception:  # noqa: BLE001 - unknown: collect as before
        backend = None
    try:
        # a full garbage collection only after a Spark query (its sockets), not after
        # every DuckDB or PostgreSQL query of a process that once imported PySpark
        with quiet_engine(spark=None if backend is None else backend == "pyspark"):
            out: pd.DataFrame = expr.to_pyarrow().to_pandas()
    except LeankitError:
        raise
    except Exception as exc:  # every driver has its own exception classes
        text = _first_line(exc)
        if isinstance(exc, MemoryError) or any(
                w in text.lower() for w in ("malloc", "out of memory", "memory limit")):
            raise SourceError(
                f"not enough memory to bring the {what} into Python ({text}); read a "
                "shorter period, fewer columns, or let the engine compute the subgroup "
                "statistics (leankit.spc.subgroup_stats / count_stats)"
            ) from None
        raise SourceError(
            f"the engine could not compute the {what}: {text}; check the "
            "source's table or query and the column names and types"
        ) from None
    return out


# ------------------------------------------------------------------ manifest


def _manifest_files(root: Path, kind: str) -> list[dict[str, Any]]:
    from leankit.io import Dataset

    return [e for e in Dataset(root).files(kind)]


def _parts_key(root: Path, kind: str) -> list[list[str]]:
    return sorted([e["part"], e["sha256"], str(e.get("timezone", ""))]
                  for e in _manifest_files(root, kind))


# ------------------------------------------------------------------ connect


def connect(source: Any, *, tables: Mapping[str, str] | None = None,
            queries: Mapping[str, str] | None = None,
            rename: Mapping[str, Mapping[str, str]] | None = None) -> Source:
    """Open a source of canonical tables.

    Parameters
    ----------
    source : path, str, SparkSession or Ibis backend
        - a leankit dataset folder (the output of ``leankit ingest``): read with an
          embedded DuckDB, no server;
        - ``postgresql://user:password@host:port/database``: a PostgreSQL database;
        - a ``SparkSession``, or a Spark master (``local[2]``, ``spark://host:7077``);
        - an Ibis backend you connected yourself (any engine Ibis supports).
    tables : mapping, optional
        Database and Spark sources: kind -> table name (``schema.table`` allowed);
        a kind not named here is read from the table of its name (``measurements`` ...).
    queries : mapping, optional
        kind -> a SQL query giving that table (instead of a table).
    rename : mapping, optional
        kind -> ``{your_column: canonical_column}`` when the table's names differ.

    Raises
    ------
    SourceError
        The folder is not a dataset, the URL is malformed, the server is unreachable
        or refuses the login, or the engine is not installed.

    Examples
    --------
    >>> import tempfile, leankit.io as lio
    >>> d = tempfile.mkdtemp()
    >>> _ = lio.ingest("sample_data/specs.csv", kind="specs", out=d)
    >>> connect(d).engine
    'duckdb'
    """
    if tables is not None and queries is not None:
        both = set(tables) & set(queries)
        if both:
            raise ValueError(f"{sorted(both)[0]!r} is in both tables= and queries=; give one")
    specs = {k: _Table(table=v) for k, v in (tables or {}).items()}
    specs.update({k: _Table(query=v) for k, v in (queries or {}).items()})
    for k in [*specs, *(rename or {})]:
        _schema.get(k)  # an unknown kind raises SchemaError with suggestions
    ibis = _ibis()
    if isinstance(source, ibis.BaseBackend):
        return Source(source, engine=source.name, description=f"{source.name} connection",
                      tables=specs, rename=rename)
    if _is_spark_session(source):
        return _spark(source, "the given SparkSession", specs, rename)
    if isinstance(source, os.PathLike):
        return _dataset(Path(source), specs, rename)
    if not isinstance(source, str):
        raise TypeError(
            "source must be a dataset folder, a postgresql:// URL, a Spark master or "
            f"SparkSession, or an Ibis backend; got {type(source).__name__}"
        )
    text = source.strip()
    if text.startswith(_PG):
        return _postgres(text, specs, rename)
    if _MASTER.match(text):
        return _spark(_spark_session(text), f"Spark master {text}", specs, rename)
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise SourceError(
            f"unsupported source URL scheme {scheme + '://'!r} in {_hide_password(text)!r}; "
            "give a dataset folder, postgresql://user:password@host:port/database, "
            "spark://host:port or local[N]"
        )
    return _dataset(Path(text), specs, rename)


def _dataset(root: Path, specs: Mapping[str, _Table],
             rename: Mapping[str, Mapping[str, str]] | None) -> Source:
    if specs or rename:
        raise ValueError("tables=, queries= and rename= apply to databases and Spark, "
                         "not to a dataset folder (its tables are canonical)")
    if not (root / "manifest.json").is_file():
        what = "does not exist" if not root.exists() else "has no manifest.json"
        raise SourceError(
            f"{str(root)!r} {what}, so it is not a leankit dataset folder; give the "
            "folder `leankit ingest ... --out DIR` wrote, a postgresql:// URL or a Spark "
            "master (local[2], spark://host:7077)"
        )
    try:
        from leankit.io import Dataset

        Dataset(root).files()  # validates the manifest (DatasetError says what to do)
    except LeankitError:
        raise
    return Source(_duckdb(), engine="duckdb", description=str(root), dataset=root)


def _postgres(url: str, specs: Mapping[str, _Table],
              rename: Mapping[str, Mapping[str, str]] | None) -> Source:
    ibis = _ibis()
    shown = _hide_password(url)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise SourceError(
            f"{shown} is a PostgreSQL URL, but the PostgreSQL driver is not installed; "
            "install leankit[postgres] (pip install 'leankit[postgres]')"
        ) from None
    target = url.replace("postgresql+psycopg://", "postgresql://", 1)
    if "connect_timeout=" not in target:  # a silent host fails in seconds, not minutes
        target += ("&" if "?" in target else "?") + f"connect_timeout={CONNECT_TIMEOUT}"
    try:
        con = ibis.connect(target)
    except Exception as exc:
        raise SourceError(
            f"cannot connect to {shown}: {_first_line(exc)}; check the host, port, "
            "database name, user and password in the URL "
            "(postgresql://user:password@host:port/database) and that the server runs"
        ) from None
    raw = getattr(con, "con", None)
    if raw is not None:  # closed with the backend (by GC too), never left dangling
        weakref.finalize(con, _close_quietly, raw)
    with contextlib.suppress(Exception):
        con.raw_sql("SET TIME ZONE 'UTC'")
    return Source(con, engine="postgres", description=shown, tables=specs, rename=rename)


def _close_quietly(con: Any) -> None:
    with contextlib.suppress(Exception):
        con.close()


def _spark(session: Any, description: str, specs: Mapping[str, _Table],
           rename: Mapping[str, Mapping[str, str]] | None) -> Source:
    ibis = _ibis()
    try:
        con = ibis.pyspark.connect(session)
    except Exception as exc:
        raise SourceError(f"cannot use {description}: {_first_line(exc)}") from None
    return Source(con, engine="pyspark", description=description, tables=specs,
                  rename=rename)


# ------------------------------------------------------------------ partitioning


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionReport:
    """What :func:`partition` did, per kind.

    Attributes
    ----------
    dataset : str
        The dataset folder.
    tables : pandas.DataFrame
        One row per kind: ``kind, status`` (``written``, ``up to date`` or ``empty``),
        ``weeks, sites`` (distinct sites, the rows without a site counting as one;
        ``<NA>`` unless partitioned by site), ``files, rows``.
    by : tuple of str
        The partition keys: ``("week",)`` or ``("week", "site")``.
    """

    dataset: str
    tables: pd.DataFrame
    by: tuple[str, ...] = ("week",)

    def to_frame(self) -> pd.DataFrame:
        """The per-kind table."""
        return self.tables.copy()

    def __str__(self) -> str:
        how = "ISO week, UTC" if "site" not in self.by else "ISO week (UTC) and site"
        lines = [f"partitioned copy of {self.dataset} (by {how}):"]
        for r in self.tables.itertuples():
            sites = ("" if "site" not in self.by
                     else f", {r.sites} site{'' if r.sites == 1 else 's'}")
            lines.append(f"  {r.kind}: {r.status}, {r.rows:,} rows in {r.files} files "
                         f"({r.weeks} weeks{sites})")
        return "\n".join(lines)


def partition(dataset: str | Path, *, by: str | Sequence[str] = "week") -> PartitionReport:
    """Write a copy of each timed table partitioned by ISO week (UTC), and by site.

    ``DIR/partitioned/<kind>/week=2026-W44/part-0.parquet`` for measurements, defects
    and production (specs have no time); with ``by="week,site"``,
    ``.../week=2026-W44/site=PLANT-A/part-0.parquet``. A site folder's name is the site
    percent-encoded (``site=Werk%20S%C3%BCd``) and the rows without a site are in
    ``site=__HIVE_DEFAULT_PARTITION__`` (DuckDB's, Hive's and Spark's name for a
    missing value); the files keep the ``site`` column itself, so they read back the
    same strings whatever the folder names. Values are in each characteristic's unit
    in the dataset, as :func:`leankit.io.read_table` gives them.

    The copy replaces the previous one atomically (written aside, checked, then
    renamed; a failure leaves the previous copy), and a kind whose canonical files and
    keys have not changed since is left as it is; a different *by* rewrites it. After
    an ingest the copy is out of date and scans read the canonical files until
    ``partition`` runs again. The canonical files are never changed.

    Parameters
    ----------
    dataset : path
        A leankit dataset folder.
    by : {"week", "week,site"} or sequence of str
        The partition keys: ``"week"``, or ``"week,site"`` (also ``("week", "site")``)
        for scans that read one site's files (``where={"site": ...}``).

    Returns
    -------
    PartitionReport

    Raises
    ------
    ValueError
        *by* names another key, or not ``week``.
    SourceError
        *dataset* is not a dataset folder.
    OutputFileError
        The copy cannot be written (permissions, a full disk, a site name too long
        for a folder name).

    Examples
    --------
    >>> import tempfile, leankit.io as lio
    >>> d = tempfile.mkdtemp()
    >>> _ = lio.ingest("sample_data/measurements/line1_gauge.csv", kind="measurements",
    ...                out=d)
    >>> print(partition(d).tables[["kind", "status"]].to_string(index=False))
            kind status
    measurements written
         defects   empty
      production   empty
    >>> print(partition(d, by="week,site"))  # doctest: +ELLIPSIS
    partitioned copy of ... (by ISO week (UTC) and site):
      measurements: written, 15,116 rows in 13 files (13 weeks, 1 site)
      defects: empty, 0 rows in 0 files (0 weeks, 0 sites)
      production: empty, 0 rows in 0 files (0 weeks, 0 sites)
    """
    keys = _partition_keys(by)
    root = Path(dataset)
    src = connect(root)
    rows = []
    try:
        for kind, tcol in TIME_COLUMNS.items():
            rows.append(_partition_kind(src, root, kind, tcol, keys))
    finally:
        src.close()
    tables = pd.DataFrame(rows)
    tables["sites"] = tables["sites"].astype("Int64")
    return PartitionReport(dataset=str(root), by=keys,
                           tables=tables[["kind", "status", "weeks", "sites", "files",
                                          "rows"]])


def _partition_keys(by: object) -> tuple[str, ...]:
    """*by* as the keys in folder order (``("week",)`` or ``("week", "site")``)."""
    if isinstance(by, str):
        items: list[object] = [p.strip() for p in by.split(",")]
    elif isinstance(by, Sequence):
        items = list(by)
    else:
        raise TypeError(f"by= must be a string like 'week,site' or a sequence of keys, got "
                        f"{type(by).__name__}")
    unknown = [i for i in items if i not in PARTITION_KEYS]
    if unknown:
        raise ValueError(
            f"by={by!r}: cannot partition by {unknown[0]!r}; give 'week' or 'week,site' "
            "(the ISO week of the UTC time, and the site)"
        )
    if len(set(items)) != len(items) or "week" not in items:
        raise ValueError(f"by={by!r}: give 'week' or 'week,site' (each key once, the week "
                         "always: a scan's period picks the weeks' folders)")
    return tuple(k for k in PARTITION_KEYS if k in items)


def _read_built(folder: Path) -> dict[str, Any] | None:
    """The ``_built_from.json`` of a partitioned copy (``None``: no readable copy)."""
    try:
        built = json.loads((folder / _BUILT_FROM).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return built if isinstance(built, dict) else None


def _built_by(built: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The keys a copy was built with (copies written before site existed say
    ``"week"``); ``None`` when they are not ones this version reads."""
    try:
        return _partition_keys(built.get("by", "week"))
    except (TypeError, ValueError):
        return None


def _hive_value(name: str) -> str | None:
    """The value of a partition folder ``site=<name>``: percent-decoded, DuckDB's
    missing-value name as ``None`` (``%5F_HIVE_...`` is that string itself)."""
    value = name.split("=", 1)[1] if "=" in name else name
    return None if value == _HIVE_NULL else urllib.parse.unquote(value)


def _where_sites(where: Where) -> list[Any] | None:
    """The sites a ``where=`` mapping names (``None``: no site filter, every site)."""
    if not isinstance(where, Mapping) or "site" not in where:
        return None
    val = where["site"]
    return list(val) if isinstance(val, (list, tuple, set, frozenset)) else [val]


def _same_site(folder: str | None, value: Any) -> bool:
    if folder is None or value is None:
        return folder is None and value is None
    return isinstance(value, str) and folder == value


def _partition_kind(src: Source, root: Path, kind: str, tcol: str,
                    by: tuple[str, ...] = ("week",)) -> dict[str, Any]:
    key = _parts_key(root, kind)
    target = root / PARTITIONED / kind
    built = _read_built(target)
    if built is not None and built.get("parts") == key and _built_by(built) == by:
        return {"kind": kind, "status": "up to date", **_count_copy(target, by),
                "rows": int(built.get("rows", 0))}
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{kind}.", suffix=".tmp", dir=parent))
    try:
        t = src._dataset_table(kind, None)  # canonical files, values in dataset units
        with quiet_engine():
            n = int(t.count().to_pyarrow().as_py())
        if n:
            _write_copy(src, t, tmp, kind, tcol, by)
            _check_copy(src, tmp, kind, by, n)
        counts = _count_copy(tmp, by)
        (tmp / _BUILT_FROM).write_text(
            json.dumps({"by": list(by), "parts": key, "rows": n}, indent=1), "utf-8")
        old = None
        if target.exists():
            old = parent / f".{kind}.old-{os.getpid()}"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:
            if old is not None:  # the previous copy back in place
                os.replace(old, target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"kind": kind, "status": "written" if n else "empty", **counts, "rows": n}


def _write_copy(src: Source, t: ir.Table, tmp: Path, kind: str, tcol: str,
                by: tuple[str, ...]) -> None:
    """DuckDB's partitioned ``COPY`` of *t* into *tmp* (the site column kept in the
    files: the folder names are for pruning, the values come from the files)."""
    ibis = _ibis()
    sql = ibis.to_sql(t.order_by(tcol), dialect="duckdb")
    week = (f"strftime(timezone('UTC', \"{tcol}\"), '%G') || '-W' || "
            f"strftime(timezone('UTC', \"{tcol}\"), '%V')")
    out = str(tmp).replace("'", "''")
    keep = ", WRITE_PARTITION_COLUMNS true" if "site" in by else ""
    try:
        src.backend.raw_sql(
            f"COPY (SELECT *, {week} AS week FROM ({sql})) TO '{out}' "
            f"(FORMAT parquet, PARTITION_BY ({', '.join(by)}){keep}, "
            "FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE true)"
        )
    except Exception as exc:  # duckdb.IOException ...: not a leankit error, say what to do
        text = _first_line(exc)
        hint = ("a site name is too long for a folder name (percent-encoded, at most "
                "255 bytes): shorten it in the exports, or partition by='week'"
                if "too long" in text.lower() else
                "check the free disk space and that the folder is writable")
        raise OutputFileError(
            f"cannot write the partitioned copy of {kind} in {tmp.parent}: "
            f"{text[:300]}{' ...' if len(text) > 300 else ''}; {hint}"
        ) from None


def _check_copy(src: Source, tmp: Path, kind: str, by: tuple[str, ...], rows: int) -> None:
    """The written files hold *rows* rows, each file one site: the one its folder
    name says (the folder names are what :meth:`Source.files` prunes by)."""
    glob = str(tmp / "**" / "*.parquet").replace("'", "''")
    site = ("min(site), max(site), count(site)" if "site" in by
            else "NULL, NULL, count(*)")
    got = src.backend.raw_sql(
        f"SELECT filename, {site}, count(*) FROM read_parquet('{glob}', filename=true, "
        "hive_partitioning=false) GROUP BY filename").fetchall()
    total = sum(int(r[4]) for r in got)
    if total != rows:
        raise DatasetError(f"the partitioned copy of {kind} holds {total:,} rows, not the "
                           f"dataset's {rows:,}; run partition again")
    if "site" not in by:
        return
    for name, low, high, known, _n in got:
        folder = _hive_value(Path(name).parent.name)
        expected = (folder is None and known == 0) or (low == high == folder
                                                      and known == _n)
        if not expected:
            raise DatasetError(
                f"the partitioned copy of {kind}: folder {Path(name).parent.name!r} reads "
                f"back as site {folder!r} but its file holds {low!r} to {high!r}; this "
                "DuckDB version names partition folders in a way leankit does not know: "
                "partition by='week'"
            )


def _count_copy(folder: Path, by: tuple[str, ...]) -> dict[str, Any]:
    """Weeks, sites and files of a partitioned copy, from its folder names."""
    files = sorted(folder.glob("week=*/site=*/*.parquet" if "site" in by
                               else "week=*/*.parquet"))
    weeks = {f.relative_to(folder).parts[0] for f in files}
    sites = ({f.relative_to(folder).parts[1] for f in files} if "site" in by else None)
    return {"weeks": len(weeks), "sites": None if sites is None else len(sites),
            "files": len(files)}
