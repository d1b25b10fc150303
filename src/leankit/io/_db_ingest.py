"""Ingest from a database: a table or a query, mapped like an export file.

:func:`ingest_database` reads rows through :func:`leankit.data.connect` (Ibis), writes
them to a temporary Arrow file while it hashes them, and then loads that file with the
same machinery as an export (a mapping profile, units, timestamps, validation and the
quarantine), appending one part to the dataset under its lock, like
:func:`leankit.io.ingest` does for a file.

- Incremental: with ``watermark=COLUMN`` only rows whose value in that column is above
  the highest value loaded by an earlier run of the same source are read (a ``WHERE``
  in the database), and the manifest entry records the new highest value.
- Idempotent: without a watermark, the content hash of the rows read (independent of
  their order) is recorded, and rows with a hash already loaded are not loaded again.
- Nothing is written when the source cannot be read, the profile does not fit or the
  watermark column does not exist.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from leankit import schema as _schema
from leankit.errors import (
    ColumnNotFoundError,
    DataQualityWarning,
    DatasetError,
    LeankitError,
    ProfileError,
)
from leankit.io._dataset import Dataset, FileReport, _Staged
from leankit.io._load import Accounting
from leankit.io._profiles import Profile, check_tz, load_profile
from leankit.io._readers import Preview, RawBatch, Skip
from leankit.io._readers import Source as _Reader

__all__ = ["DatabaseIngestReport", "ingest_database"]

#: Rows fetched from the database per batch (and converted per batch).
BATCH_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class DatabaseIngestReport:
    """The outcome of :func:`ingest_database`.

    Attributes
    ----------
    out : str
        The dataset folder.
    source : str
        The database URL without its password, and the table or the query's hash.
    kind : str
        The canonical table loaded into.
    status : {"loaded", "no new rows", "already loaded"}
        ``no new rows``: the watermark found nothing above the last value loaded (or the
        table is empty); ``already loaded``: the same rows (content hash) are in the
        dataset. In both cases nothing was written.
    accounting : Accounting
        ``rows_read == rows_loaded + rows_quarantined`` of this run (all 0 when nothing
        was read).
    profile : str
        The mapping profile used (empty when no row was read).
    sha256 : str
        Content hash of the rows read (independent of their order).
    watermark : str or None
        The watermark column.
    watermark_from, watermark_to : object
        Rows read had ``watermark_from < value <= watermark_to`` (None: no bound).
    rows_without_watermark : int
        Rows of the source whose watermark is empty (NULL): an incremental ingest cannot
        place them, so they are not read (a :class:`~leankit.errors.DataQualityWarning`
        says so).
    """

    out: str
    source: str
    kind: str
    status: str
    accounting: Accounting
    profile: str = ""
    sha256: str = ""
    watermark: str | None = None
    watermark_from: Any = None
    watermark_to: Any = None
    rows_without_watermark: int = 0

    @property
    def rows_loaded(self) -> int:
        """Rows added to the dataset by this run."""
        return self.accounting.rows_loaded if self.status == "loaded" else 0

    @property
    def rows_quarantined(self) -> int:
        """Rows quarantined by this run."""
        return self.accounting.rows_quarantined if self.status == "loaded" else 0

    def __str__(self) -> str:
        head = f"{self.source} [{self.kind}"
        head += f", profile {self.profile}]" if self.profile else "]"
        wm = ""
        if self.watermark is not None:
            wm = f"; watermark {self.watermark}"
            if self.watermark_from is not None:
                wm += f" > {_show(self.watermark_from)}"
            if self.status == "loaded":
                wm += f"{',' if self.watermark_from is not None else ''} up to "
                wm += _show(self.watermark_to)
        if self.status == "no new rows":
            tail = "no new rows, nothing to do"
        elif self.status == "already loaded":
            tail = "already loaded (same content hash), nothing to do"
        else:
            tail = str(self.accounting)
        text = f"{head}: {tail}{wm}"
        if self.rows_without_watermark:
            text += (f"; {self.rows_without_watermark:,} rows without a {self.watermark} "
                     "value not read")
        return text

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (for JSON output)."""
        return {
            "source": self.source, "kind": self.kind, "status": self.status,
            "profile": self.profile, "sha256": self.sha256, "watermark": self.watermark,
            "watermark_from": _jsonable(self.watermark_from),
            "watermark_to": _jsonable(self.watermark_to),
            "rows_without_watermark": self.rows_without_watermark,
            **self.accounting.to_dict(),
        }


def _show(v: Any) -> str:
    return str(_jsonable(v))


def _jsonable(v: Any) -> Any:
    """A watermark value as JSON (times and dates as ISO text, decimals as text)."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    return str(v)


def _from_json(v: Any, dtype: Any) -> Any:
    """A stored watermark value back in the column's type (for the ``WHERE``)."""
    if v is None:
        return None
    if dtype.is_timestamp():
        t = dt.datetime.fromisoformat(str(v))
        return t
    if dtype.is_date():
        return dt.date.fromisoformat(str(v))
    if dtype.is_decimal():
        return decimal.Decimal(str(v))
    return v


# ---------------------------------------------------------------- rows as a reader source


def _texts(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column as text, the way an export would write it (ISO times, exact numbers)."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col.cast(pa.string())
    if pa.types.is_timestamp(t) and t.tz is not None:
        col = col.cast(pa.timestamp("us", tz="UTC"))
        # "2026-01-02 03:04:05.000000Z": ISO 8601 with its UTC designator (exact)
        return pc.cast(col, pa.string())
    if pa.types.is_dictionary(t):
        return _texts(col.dictionary_decode())
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else json.dumps(_jsonable(v), default=str)
                         for v in col.to_pylist()], pa.string())


class _RowsSource(_Reader):
    """Rows of a database read into an Arrow IPC file, served as text columns."""

    format = "database"

    def __init__(self, path: Path, names: list[str], null_values: tuple[str, ...]) -> None:
        super().__init__(path)
        self.names = names
        self.nulls = {n.strip() for n in null_values}

    def preview(self) -> Preview:
        return Preview(rows=[(0, list(self.names))], format=self.format)

    def before_header(self, header_row: int) -> list[Skip]:
        return []

    def batches(
        self, header_row: int, ncols: int, used: frozenset[int] | None = None
    ) -> Iterator[RawBatch]:
        row = 1
        with pa.OSFile(str(self.path), "rb") as f:  # batches in memory (not a map)
            reader = ipc.open_stream(f)
            for batch in reader:
                if not batch.num_rows:
                    continue
                cols = {}
                for i in range(min(ncols, len(self.names))):
                    if used is not None and i not in used:
                        cols[f"c{i}"] = pa.nulls(batch.num_rows, pa.string())
                        continue
                    text = _texts(batch.column(i))
                    if self.nulls:
                        blank = pc.is_in(pc.utf8_trim_whitespace(text),
                                         pa.array(sorted(self.nulls), pa.string()))
                        text = pc.if_else(blank, pa.scalar(None, pa.string()), text)
                    cols[f"c{i}"] = text
                table = pa.table(cols)
                rows = np.arange(row, row + batch.num_rows, dtype=np.int64)
                full = batch

                def raw_text(positions: np.ndarray, full: pa.RecordBatch = full) -> list[str]:
                    picked = full.take(pa.array(positions, pa.int64()))
                    return [json.dumps({k: _jsonable(v) for k, v in r.items()},
                                       ensure_ascii=False, default=str)
                            for r in picked.to_pylist()]

                yield RawBatch(table, rows, raw_text)
                row += batch.num_rows


# ---------------------------------------------------------------- reading the database


@dataclass(slots=True)
class _Read:
    """Rows read from the database into a temporary file."""

    path: Path
    names: list[str]
    rows: int
    sha256: str
    high: Any = None
    after: Any = None
    wm_type: str = ""
    no_watermark: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _source_error(msg: str) -> LeankitError:
    from leankit.data import SourceError

    return SourceError(msg)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_MOD = 1 << 256


def _rows_sum(batch: pa.RecordBatch) -> int:
    """The sum (mod 2**256) of the rows' SHA-256 digests (of their values as text): a
    content hash that does not depend on the order of the rows, in constant memory."""
    cols = [_texts(batch.column(i)).to_pylist() for i in range(batch.num_columns)]
    total = 0
    sha, from_bytes = hashlib.sha256, int.from_bytes
    for values in zip(*cols, strict=True):
        text = "\x1f".join("\x00" if v is None else v for v in values)
        total += from_bytes(sha(text.encode("utf-8", "surrogatepass")).digest(), "big")
    return total % _MOD


def _key(description: str, table: str | None, query: str | None) -> dict[str, Any]:
    if table is not None:
        return {"url": description, "table": table}
    assert query is not None
    return {"url": description,
            "query_sha256": hashlib.sha256(query.strip().encode("utf-8")).hexdigest()}


def _high_water(ds: Dataset, kind: str, key: dict[str, Any], watermark: str) -> Any:
    """The highest watermark value loaded from this source (as stored), or None."""
    high = None
    for e in ds.files(kind):
        src = e.get("source")
        if (isinstance(src, dict) and all(src.get(k) == v for k, v in key.items())
                and src.get("watermark") == watermark and src.get("watermark_max") is not None):
            high = src["watermark_max"]  # entries are in load order: the last is highest
    return high


def _expression(con: Any, description: str, table: str | None, query: str | None) -> Any:
    try:
        if query is not None:
            return con.sql(query)
        assert table is not None
        parts = table.split(".")
        if len(parts) == 2:
            return con.table(parts[1], database=parts[0])
        return con.table(table)
    except LeankitError:
        raise
    except Exception as exc:  # every driver has its own exception classes
        if query is not None:
            raise _source_error(
                f"{description}: the query failed: {_first_line(exc)}; check the SQL "
                f"and that its tables and columns exist (query: {query.strip()[:120]!r})"
            ) from None
        raise _source_error(
            f"{description}: cannot read table {table!r}: {_first_line(exc)}; check the "
            "table name (schema.table for a table outside the search path) and that the "
            "user may read it"
        ) from None


def _read(con: Any, description: str, *, table: str | None, query: str | None,
          watermark: str | None, after_json: Any, batch_rows: int, tmpdir: Path) -> _Read:
    """Run the table or query (above the watermark) into a temporary Arrow file."""
    import ibis

    from leankit.data._source import quiet_engine
    expr = _expression(con, description, table, query)
    names = list(expr.columns)
    no_wm = 0
    after = None
    wm_type = ""
    if watermark is not None:
        if watermark not in names:
            raise ColumnNotFoundError(
                watermark, names,
                what=f"the {'query' if query is not None else 'table ' + repr(table)} "
                "(the watermark column)")
        col = expr[watermark]
        wm_type = str(col.type())
        after = _from_json(after_json, col.type())
        try:
            with quiet_engine():
                no_wm = int(expr.filter(col.isnull()).count().to_pyarrow().as_py())
        except Exception as exc:  # noqa: BLE001 - a driver's error
            raise _source_error(
                f"{description}: the query failed: {_first_line(exc)}; check the SQL"
            ) from None
        expr = expr.filter(col.notnull())
        if after is not None:
            expr = expr.filter(col > ibis.literal(after, type=col.type()))
        expr = expr.order_by(watermark)
    fd, name = tempfile.mkstemp(prefix=".leankit-db-", suffix=".arrows", dir=tmpdir)
    os.close(fd)
    path = Path(name)
    total = 0
    high = None
    rows = 0
    try:
        with quiet_engine():
            reader = con.to_pyarrow_batches(expr, chunk_size=batch_rows)
            schema = reader.schema
            with pa.OSFile(str(path), "wb") as sink, ipc.new_stream(sink, schema) as writer:
                for batch in reader:
                    if not batch.num_rows:
                        continue
                    writer.write_batch(batch)
                    rows += batch.num_rows
                    total = (total + _rows_sum(batch)) % _MOD
                    if watermark is not None:
                        m = pc.max(batch.column(names.index(watermark))).as_py()
                        if m is not None and (high is None or m > high):
                            high = m
    except LeankitError:
        path.unlink(missing_ok=True)
        raise
    except Exception as exc:  # noqa: BLE001 - every driver has its own exceptions
        path.unlink(missing_ok=True)
        raise _source_error(
            f"{description}: the query failed while it ran: {_first_line(exc)}; check the "
            "SQL, the column types and the watermark column"
        ) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    h = hashlib.sha256(json.dumps(names).encode("utf-8"))
    h.update(rows.to_bytes(8, "big") + total.to_bytes(32, "big"))
    return _Read(path, names, rows, h.hexdigest(), high, after, wm_type, no_wm)


# ---------------------------------------------------------------- ingest


def ingest_database(
    url: Any,
    *,
    kind: str,
    out: str | Path,
    table: str | None = None,
    query: str | None = None,
    watermark: str | None = None,
    profile: str | Path | Profile | None = None,
    tz: str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> DatabaseIngestReport:
    """Load a database table or query into a canonical Parquet dataset folder.

    The rows are mapped onto the canonical table exactly like an export file
    (:func:`leankit.io.ingest`): a mapping profile (auto-detected from the column names,
    or named), units, timestamps, validation, and rows that cannot be loaded go to the
    quarantine with their reason; ``rows_read == rows_loaded + rows_quarantined``. The
    rows become one new part of the dataset, written atomically under the dataset's
    lock, and the manifest entry records the source (URL without password, the table
    or the query's SHA-256), the watermark column and the highest value loaded.

    Parameters
    ----------
    url : str
        ``postgresql://user:password@host:port/database`` (or any source
        :func:`leankit.data.connect` opens that is not a dataset folder).
    kind : {"measurements", "defects", "production", "specs"}
        Canonical table to load into.
    out : path
        Dataset folder (created if needed).
    table : str, optional
        The table to read (``schema.table`` allowed).
    query : str, optional
        A SQL query to read instead of a table (give one of *table* and *query*).
    watermark : str, optional
        A column that grows with every new row (an id, an insertion time): each run
        reads only rows above the highest value loaded before (pushed down to the
        database as a ``WHERE``), so running again loads only new rows. Rows whose
        watermark is NULL are not read (counted in the report, with a warning).
        Without a watermark, a run whose rows (by content hash) are already loaded
        writes nothing.
    profile : str, path or Profile, optional
        Built-in profile name or TOML file; default: the built-in profile that fits the
        column names.
    tz : str, optional
        IANA time zone of times without a zone (``timestamp without time zone``);
        overrides the profile's ``[timestamp] timezone``.
    batch_rows : int, default 50,000
        Rows fetched from the database at a time (memory stays bounded by a few batches).

    Returns
    -------
    DatabaseIngestReport

    Raises
    ------
    leankit.data.SourceError
        A malformed URL, an unreachable server or a refused login, a missing table, a
        query that fails.
    ColumnNotFoundError
        The watermark column is not among the table's or query's columns.
    ProfileError
        No profile maps the columns (the message names the missing canonical columns
        and the columns found).
    DatasetError
        A broken dataset folder, or one locked by another writer for too long.

    Examples
    --------
    A database URL needs a server; the call looks like this::

        rep = ingest_database("postgresql://report@mes-db:5432/plant",
                              table="mes.defect_log", kind="defects",
                              out="data", watermark="id")
    """
    from leankit import data as _data

    kind = _schema.get(kind).kind
    if (table is None) == (query is None):
        raise ValueError("give one of table= and query= (the table to read, or the SQL)")
    if query is not None and not query.strip():
        raise ValueError("query= is empty; give the SQL to run")
    if batch_rows < 1:
        raise ValueError(f"batch_rows={batch_rows} must be at least 1")
    if tz is not None:
        check_tz(tz)
    if profile is not None:
        load_profile(profile)  # a bad profile fails before the database is asked
    if isinstance(url, (str, os.PathLike)) and "://" not in str(url):
        raise _source_error(
            f"{str(url)!r} is not a database URL; give postgresql://user:password@host:"
            "port/database (to load export files use leankit.io.ingest)"
        )
    src = _data.connect(url)
    try:
        if src.dataset is not None:  # pragma: no cover - excluded above
            raise _source_error(f"{src.description} is a dataset folder, not a database")
        return _ingest(src, kind=kind, out=Path(out), table=table, query=query,
                       watermark=watermark, profile=profile, tz=tz, batch_rows=batch_rows)
    finally:
        src.close()


def _ingest(src: Any, *, kind: str, out: Path, table: str | None, query: str | None,
            watermark: str | None, profile: str | Path | Profile | None, tz: str | None,
            batch_rows: int) -> DatabaseIngestReport:
    description = src.description
    key = _key(description, table, query)
    what = f"table {table}" if table is not None else f"query {key['query_sha256'][:12]}"
    shown = f"{description} {what}"
    ds = Dataset(out)
    # (reads and validates the manifest before the database is asked)
    after = _high_water(ds, kind, key, watermark) if watermark is not None else None
    tmpdir = Path(tempfile.gettempdir())
    empty = Accounting(0, 0, 0)
    for _attempt in range(3):
        read = _read(src.backend, description, table=table, query=query,
                     watermark=watermark, after_json=after, batch_rows=batch_rows,
                     tmpdir=tmpdir)
        try:
            if read.no_watermark:
                warnings.warn(
                    f"{shown}: {read.no_watermark:,} rows have no {watermark} value (NULL), "
                    "so an incremental ingest cannot place them and does not read them; "
                    "give them a value, or ingest without --watermark",
                    DataQualityWarning, stacklevel=3)
            base = dict(out=str(out), source=shown, kind=kind, watermark=watermark,
                        watermark_from=read.after, rows_without_watermark=read.no_watermark)
            if read.rows == 0:
                return DatabaseIngestReport(status="no new rows", accounting=empty, **base)
            done = _already(ds, kind, read.sha256)
            if done is not None:
                return DatabaseIngestReport(status="already loaded", accounting=done,
                                            sha256=read.sha256, profile=done.profile,
                                            **base)
            doc = ds._manifest()
            extra = {
                "name": shown, "path": shown, "size": 0, "format": "database",
                "source": {**key, **({"query": query} if query is not None else {}),
                           "watermark": watermark,
                           "watermark_type": read.wm_type or None,
                           "watermark_after": _jsonable(read.after),
                           "watermark_max": _jsonable(read.high)},
            }
            result = _stage_commit(ds, read, kind, shown, profile, tz, doc, extra,
                                   key, watermark, after)
            if isinstance(result, Accounting):  # another run loaded the same rows
                return DatabaseIngestReport(status="already loaded", accounting=result,
                                            sha256=read.sha256, profile=result.profile,
                                            **base)
            if result is None:  # another run loaded this source meanwhile: read again
                after = _high_water(ds, kind, key, watermark) if watermark else None
                continue
            return DatabaseIngestReport(status="loaded", accounting=result.accounting,
                                        profile=result.profile, sha256=read.sha256,
                                        watermark_to=read.high, **base)
        finally:
            read.path.unlink(missing_ok=True)
    raise DatasetError(  # pragma: no cover - three concurrent runs in a row
        f"{shown}: other runs kept loading this source into {out} while it was read; "
        "run the ingest again"
    )


def _already(ds: Dataset, kind: str, sha: str) -> Accounting | None:
    for e in ds.files(kind):
        if e["sha256"] == sha and ds._intact(e):
            return Accounting(
                e.get("rows_read", 0), e.get("rows_loaded", 0), e.get("rows_quarantined", 0),
                reasons=dict(e.get("reasons") or {}), profile=str(e.get("profile", "")))
    return None


def _stage_commit(ds: Dataset, read: _Read, kind: str, shown: str,
                  profile: str | Path | Profile | None, tz: str | None,
                  doc: dict[str, Any], extra: dict[str, Any], key: dict[str, Any],
                  watermark: str | None, after: Any) -> FileReport | Accounting | None:
    """Convert the rows into staged parts, then commit them under the lock.

    Returns the :class:`~leankit.io.FileReport`; the :class:`Accounting` of the entry
    when another run loaded the same rows meanwhile; None when another run loaded rows
    of this source above the same watermark or gave a characteristic another kind of
    unit (the caller reads again).
    """
    nulls = load_profile(profile).null_values if profile is not None else Profile(
        name="auto").null_values
    source = _RowsSource(read.path, read.names, nulls)
    try:
        staged: _Staged = ds._stage(shown, kind, profile, None, None, read.sha256, tz,
                                    doc, source=source)
    except ProfileError as exc:
        raise ProfileError(
            f"{exc} The columns of a table or query can also be renamed in SQL: "
            "SELECT your_column AS canonical_name, ... (use --query)"
        ) from None
    try:
        with ds._locked():
            now = ds._manifest()
            done = _already(ds, kind, read.sha256)
            if done is not None:
                staged.abort()
                return done
            moved = watermark is not None and _high_water(ds, kind, key, watermark) != after
            if moved or ds._conflicts(staged, now):
                staged.abort()
                return None
            return ds._commit(staged, now, extra)
    except BaseException:
        staged.abort()
        raise


with contextlib.suppress(AttributeError):  # documented under leankit.io
    DatabaseIngestReport.__module__ = "leankit.io"
