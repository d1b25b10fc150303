"""Sources of canonical tables, read lazily through an engine (Ibis expressions).

:func:`connect` opens one of three kinds of source and returns a :class:`Source`
whose :meth:`Source.scan` gives a lazy Ibis table expression: nothing is read until
the expression is executed (``.to_pandas()``, or by :func:`leankit.spc.subgroup_stats`),
and then the engine reads only the rows and columns the expression needs.

- a leankit dataset folder (the default): embedded DuckDB over its Parquet files, no
  server. With a partitioned copy (:func:`partition`) a scan of a period lists only the
  files of the weeks it overlaps;
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
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from leankit import schema as _schema
from leankit import units as _units
from leankit.errors import ColumnNotFoundError, LeankitError, SchemaError

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
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MASTER = re.compile(r"^(local(\[(\d+|\*)(,\s*\d+)?\])?|spark://.+|yarn|k8s://.+)$")
_PG = ("postgresql://", "postgres://", "postgresql+psycopg://")

Where = Mapping[str, Any] | Callable[["ir.Table"], Any] | None
Period = str | tuple[Any, Any] | None


class SourceError(LeankitError, ValueError):
    """A data source cannot be opened or read: a bad connection string, an unreachable
    server, a missing table, a failed query. The message names what to fix."""


@contextlib.contextmanager
def quiet_engine() -> Iterator[None]:
    """Silence the engines' own deprecation warnings about each other (Ibis 12 calls
    DuckDB 2's deprecated ``fetch_arrow_table``, PySpark 4.0 pandas 3's ``copy=``): not
    the user's to act on."""
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
            if "pyspark" in sys.modules:
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

    def files(self, kind: str, *, period: Period = None) -> list[Path]:
        """The Parquet files a scan of *kind* (and *period*) reads (dataset folders only).

        The partitioned copy's files of the weeks the period overlaps when the copy is
        up to date with the dataset (see :func:`partition`), else every canonical part.
        """
        kind = _schema.get(kind).kind
        if self.dataset is None:
            raise SourceError(f"{self!r} is not a dataset folder: it has no files")
        part_dir = self._partitioned_dir(kind)
        bounds = period_bounds(period)
        if part_dir is not None:
            if bounds is None:
                return sorted(part_dir.glob("week=*/*.parquet"))
            return [f for w in _weeks(*bounds)
                    for f in sorted((part_dir / f"week={w}").glob("*.parquet"))]
        return [self.dataset / e["part"] for e in _manifest_files(self.dataset, kind)]

    def _partitioned_dir(self, kind: str) -> Path | None:
        """The partitioned copy of *kind* if it is up to date with the manifest."""
        assert self.dataset is not None
        d = self.dataset / PARTITIONED / kind
        try:
            built = json.loads((d / _BUILT_FROM).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if built.get("parts") != _parts_key(self.dataset, kind):
            return None  # ingested since: the canonical files are the truth
        return d

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
            ``{column: value or list of values}`` (rows equal to one of them), or a
            function of the table returning an Ibis boolean expression.
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
        t = self._base(kind, period)
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

    def _base(self, kind: str, period: Period) -> ir.Table:
        if self.dataset is not None:
            return self._dataset_table(kind, period)
        return self._db_table(kind)

    def _dataset_table(self, kind: str, period: Period) -> ir.Table:
        ibis = _ibis()
        assert self.dataset is not None
        arrow = _schema.arrow_schema(kind)
        sch = ibis.Schema.from_pyarrow(arrow.remove_metadata())
        partitioned = self._partitioned_dir(kind) is not None
        files = self.files(kind, period=period)
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
                raw = self.backend.read_parquet([str(f) for f in files], union_by_name=True)
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
            preds.append(t[col].isin(list(val)))
        else:
            preds.append(t[col] == val)
    out = preds[0] if preds else _ibis().literal(True)
    for p in preds[1:]:
        out = out & p
    return out


def _execute(expr: Any, what: str) -> pd.DataFrame:
    """Run an expression; a driver's error becomes a :class:`SourceError`."""
    try:
        with quiet_engine():
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
        ``weeks, files, rows``.
    """

    dataset: str
    tables: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The per-kind table."""
        return self.tables.copy()

    def __str__(self) -> str:
        lines = [f"partitioned copy of {self.dataset} (by ISO week, UTC):"]
        for r in self.tables.itertuples():
            lines.append(f"  {r.kind}: {r.status}, {r.rows:,} rows in {r.files} files "
                         f"({r.weeks} weeks)")
        return "\n".join(lines)


def partition(dataset: str | Path, *, by: str = "week") -> PartitionReport:
    """Write a copy of each timed table partitioned by ISO week (UTC).

    ``DIR/partitioned/<kind>/week=2026-W44/part-0.parquet`` for measurements, defects
    and production (specs have no time). Values are in each characteristic's unit in
    the dataset, as :func:`leankit.io.read_table` gives them. The copy replaces the
    previous one atomically (written aside, then renamed), and a kind whose canonical
    files have not changed since is left as it is. After an ingest the copy is out of
    date and scans read the canonical files until ``partition`` runs again. The
    canonical files are never changed.

    Parameters
    ----------
    dataset : path
        A leankit dataset folder.
    by : {"week"}
        The partition key (only ISO weeks so far).

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
    """
    if by != "week":
        raise ValueError(f"by={by!r}: only 'week' (ISO week of the UTC time) is supported")
    root = Path(dataset)
    src = connect(root)
    rows = []
    try:
        for kind, tcol in TIME_COLUMNS.items():
            rows.append(_partition_kind(src, root, kind, tcol))
    finally:
        src.close()
    return PartitionReport(dataset=str(root), tables=pd.DataFrame(rows))


def _partition_kind(src: Source, root: Path, kind: str, tcol: str) -> dict[str, Any]:
    key = _parts_key(root, kind)
    target = root / PARTITIONED / kind
    try:
        built = json.loads((target / _BUILT_FROM).read_text("utf-8"))
    except (OSError, ValueError):
        built = None
    if built is not None and built.get("parts") == key:
        files = sorted(target.glob("week=*/*.parquet"))
        return {"kind": kind, "status": "up to date", "weeks": len(files),
                "files": len(files), "rows": int(built.get("rows", 0))}
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{kind}.", suffix=".tmp", dir=parent))
    try:
        t = src._dataset_table(kind, None)  # canonical files, values in dataset units
        with quiet_engine():
            n = int(t.count().to_pyarrow().as_py())
        if n:
            ibis = _ibis()
            sql = ibis.to_sql(t.order_by(tcol), dialect="duckdb")
            week = (f"strftime(timezone('UTC', \"{tcol}\"), '%G') || '-W' || "
                    f"strftime(timezone('UTC', \"{tcol}\"), '%V')")
            out = str(tmp).replace("'", "''")
            src.backend.raw_sql(
                f"COPY (SELECT *, {week} AS week FROM ({sql})) TO '{out}' "
                "(FORMAT parquet, PARTITION_BY (week), FILENAME_PATTERN 'part-{i}', "
                "OVERWRITE_OR_IGNORE true)"
            )
        files = sorted(tmp.glob("week=*/*.parquet"))
        (tmp / _BUILT_FROM).write_text(
            json.dumps({"by": "week", "parts": key, "rows": n}, indent=1), "utf-8")
        old = None
        if target.exists():
            old = parent / f".{kind}.old-{os.getpid()}"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"kind": kind, "status": "written" if n else "empty",
            "weeks": len({f.parent.name for f in files}), "files": len(files), "rows": n}

