"""Canonical Parquet datasets: atomic writes, a manifest of loaded files, reading back.

Layout of a dataset folder::

    DIR/manifest.json                       what was loaded, from which file (by hash)
    DIR/<kind>/part-<sha16>.parquet         canonical rows of one source file
    DIR/quarantine/<kind>/part-<sha16>.parquet   rows that could not be loaded

Every file is written to a temporary name in the same folder, flushed to disk and
then renamed, so a crash never leaves a half-written file under its final name.
The manifest is updated last: a part that is not in the manifest is not part of
the dataset (and is overwritten by the next load of the same file).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from leankit import __version__
from leankit import schema as _schema
from leankit.errors import DatasetError, InputFileError
from leankit.io._convert import QUARANTINE_SCHEMA
from leankit.io._load import Accounting, Load, file_sha256
from leankit.io._profiles import Profile

MANIFEST = "manifest.json"


def _default_mode(path: Path | str) -> None:
    """Give a temporary file the permissions a normal new file would get (umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write *data* to *path* atomically (temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class AtomicParquetWriter:
    """A ParquetWriter on a temporary file that is renamed into place on :meth:`commit`."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.writer = pq.ParquetWriter(self.tmp, schema, compression="snappy")
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        """Append a batch of rows."""
        if table.num_rows:
            self.writer.write_table(table)
            self.rows += table.num_rows

    def commit(self) -> None:
        """Close, flush to disk and rename into place."""
        self.writer.close()
        with open(self.tmp, "rb") as f:
            os.fsync(f.fileno())
        _default_mode(self.tmp)
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        """Discard the temporary file."""
        try:
            self.writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def write_parquet(table: pa.Table, path: str | Path) -> Path:
    """Write an Arrow table to Parquet atomically; returns the path."""
    path = Path(path)
    w = AtomicParquetWriter(path, table.schema)
    try:
        w.write(table)
        w.commit()
    except BaseException:
        w.abort()
        raise
    return path


@dataclass(frozen=True, slots=True)
class FileReport:
    """The outcome of ingesting one file."""

    path: str
    kind: str
    status: str  # "loaded" or "already loaded"
    accounting: Accounting
    profile: str
    sha256: str

    def __str__(self) -> str:
        tag = (
            "already loaded (same content hash), nothing to do"
            if self.status != "loaded"
            else str(self.accounting)
        )
        return f"{self.path} [{self.kind}, profile {self.profile}]: {tag}"


@dataclass(frozen=True, slots=True)
class IngestReport:
    """The outcome of :func:`ingest`: one :class:`FileReport` per input file."""

    out: str
    files: tuple[FileReport, ...] = field(default=())

    @property
    def rows_loaded(self) -> int:
        """Rows added to the dataset by this run."""
        return sum(f.accounting.rows_loaded for f in self.files if f.status == "loaded")

    @property
    def rows_quarantined(self) -> int:
        """Rows quarantined by this run."""
        return sum(f.accounting.rows_quarantined for f in self.files if f.status == "loaded")

    def __str__(self) -> str:
        lines = [str(f) for f in self.files]
        lines.append(
            f"total: {self.rows_loaded:,} rows loaded, {self.rows_quarantined:,} quarantined "
            f"-> {self.out}"
        )
        return "\n".join(lines)


class Dataset:
    """A folder of canonical Parquet tables with its manifest.

    Examples
    --------
    >>> import tempfile
    >>> ds = Dataset(tempfile.mkdtemp())
    >>> ds.files()
    []
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise DatasetError(f"output path {str(self.root)!r} exists and is not a folder")

    @property
    def manifest_path(self) -> Path:
        """Path of ``manifest.json``."""
        return self.root / MANIFEST

    def _manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {
                "leankit_version": __version__,
                "schema_version": _schema.SCHEMA_VERSION,
                "files": [],
            }
        try:
            doc: dict[str, Any] = json.loads(self.manifest_path.read_text("utf-8"))
        except ValueError as exc:
            raise DatasetError(
                f"{self.manifest_path}: manifest is not valid JSON ({exc}); "
                "restore it from a backup or start a new output folder"
            ) from None
        if doc.get("schema_version", "").split(".")[0] != _schema.SCHEMA_VERSION.split(".")[0]:
            raise DatasetError(
                f"{self.root}: dataset has schema version {doc.get('schema_version')}, this "
                f"leankit writes {_schema.SCHEMA_VERSION}; load the exports into a new folder"
            )
        return doc

    def files(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Manifest entries (one per loaded file), optionally of one kind."""
        return [f for f in self._manifest()["files"] if kind is None or f["kind"] == kind]

    def _save(self, doc: dict[str, Any]) -> None:
        doc["leankit_version"] = __version__
        atomic_write_bytes(
            self.manifest_path, json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")
        )

    def ingest_file(
        self,
        path: str | Path,
        *,
        kind: str,
        profile: str | Path | Profile | None = None,
        sheet: str | int | None = None,
        progress: Any = None,
    ) -> FileReport:
        """Load one export into the dataset (see :func:`leankit.io.ingest`)."""
        path = Path(path)
        if not path.is_file():
            raise InputFileError(f"input file {str(path)!r} does not exist")
        sha = file_sha256(path)
        for entry in self.files(kind):
            if entry["sha256"] == sha:
                acc = Accounting(
                    **{
                        k: entry[k]
                        for k in (
                            "rows_read",
                            "rows_loaded",
                            "rows_quarantined",
                            "lines_skipped",
                            "reasons",
                        )
                    }
                )
                return FileReport(str(path), kind, "already loaded", acc, entry["profile"], sha)
        units = self.canonical_units() if kind == "measurements" else {}
        load = Load(
            path, kind=kind, profile=profile, sheet=sheet, canonical_units=units, sha256=sha
        )
        part = Path(kind) / f"part-{sha[:16]}.parquet"
        qpart = Path("quarantine") / kind / f"part-{sha[:16]}.parquet"
        schema = _schema.arrow_schema(kind).with_metadata(
            {
                **_schema.schema_metadata(kind),
                b"leankit.source": json.dumps(load.info.to_dict(), ensure_ascii=False).encode(),
            }
        )
        writer = AtomicParquetWriter(self.root / part, schema)
        qwriter = AtomicParquetWriter(self.root / qpart, QUARANTINE_SCHEMA)
        try:
            for table, quarantine in load.batches():
                writer.write(table.replace_schema_metadata(schema.metadata))
                qwriter.write(quarantine)
                if progress is not None:
                    progress(load.accounting)
            writer.commit()
            qwriter.commit()
        except BaseException:
            writer.abort()
            qwriter.abort()
            raise
        acc = load.accounting
        doc = self._manifest()
        doc["files"] = [f for f in doc["files"] if not (f["sha256"] == sha and f["kind"] == kind)]
        doc["files"].append(
            {
                "kind": kind,
                "sha256": sha,
                "name": path.name,
                "path": str(path.resolve()),
                "size": load.info.size,
                "format": load.info.format,
                "profile": load.info.profile,
                "header_row": load.info.header_row,
                "dialect": load.info.dialect,
                "mapping": load.info.mapping,
                "unmapped": load.info.unmapped,
                "part": part.as_posix(),
                "quarantine": qpart.as_posix(),
                "loaded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "leankit_version": __version__,
                "schema_version": _schema.SCHEMA_VERSION,
                "skipped_lines": [
                    {"source_row": s.source_row, "reason": s.reason, "text": s.text[:200]}
                    for s in load.skipped
                ],
                **acc.to_dict(),
            }
        )
        self._save(doc)
        return FileReport(str(path), kind, "loaded", acc, load.info.profile, sha)

    def _parts(self, kind: str, key: str) -> list[Path]:
        return [self.root / f[key] for f in self.files(kind)]

    def read_arrow(self, kind: str, *, quarantine: bool = False) -> pa.Table:
        """Read a table (or its quarantine) as one Arrow table."""
        sch = QUARANTINE_SCHEMA if quarantine else _schema.arrow_schema(kind)
        parts = self._parts(_schema.get(kind).kind, "quarantine" if quarantine else "part")
        if not parts:
            if not self.manifest_path.exists():
                raise DatasetError(
                    f"{self.root}: no dataset here (no {MANIFEST}); run `leankit ingest ... "
                    f"--out {self.root}` first"
                )
            return sch.empty_table()
        tables = []
        for p in parts:
            if not p.exists():
                raise DatasetError(f"{p}: listed in the manifest but missing; re-ingest its source")
            t = pq.read_table(p)
            meta = t.schema.metadata or {}
            if not quarantine:
                version = meta.get(b"leankit.schema_version", b"?").decode()
                if version.split(".")[0] != _schema.SCHEMA_VERSION.split(".")[0]:
                    raise DatasetError(
                        f"{p}: schema version {version}, expected {_schema.SCHEMA_VERSION}"
                    )
            tables.append(t.replace_schema_metadata(None).cast(sch.remove_metadata()))
        return pa.concat_tables(tables).replace_schema_metadata(sch.metadata)

    def canonical_units(self) -> dict[str, str]:
        """Characteristic -> unit, from the dataset's specs table (if one was loaded)."""
        if not self.files("specs"):
            return {}
        specs = self.read_arrow("specs").to_pylist()
        return {r["characteristic"]: r["unit"] for r in specs if r.get("unit")}


def ingest(
    paths: str | Path | Iterable[str | Path],
    *,
    kind: str,
    out: str | Path,
    profile: str | Path | Profile | None = None,
    sheet: str | int | None = None,
    progress: Any = None,
) -> IngestReport:
    """Load exports into a canonical Parquet dataset folder.

    Each file becomes one Parquet part (written atomically) plus its quarantine;
    the manifest records its content hash, so loading the same file again does
    nothing, and a new export is appended as a new part.

    Parameters
    ----------
    paths : path or iterable of paths
        Export files (CSV/TSV/TXT, XLSX, JSON Lines).
    kind : {"measurements", "defects", "production", "specs"}
        Canonical table to load into.
    out : path
        Dataset folder (created if needed).
    profile : str, path or Profile, optional
        Built-in profile name or TOML file; default: the built-in profile that fits.
    sheet : str or int, optional
        Excel sheet (default: the first sheet that fits the profile).
    progress : callable, optional
        Called with the running :class:`Accounting` after each batch.

    Returns
    -------
    IngestReport
        Per-file accounting (``rows_read == rows_loaded + rows_quarantined``).

    Raises
    ------
    InputFileError, ProfileError, DatasetError
        On a fatal problem (missing file, no profile fits, broken dataset).

    Examples
    --------
    >>> import tempfile, leankit.io as lio
    >>> rep = lio.ingest("sample_data/specs.csv", kind="specs", out=tempfile.mkdtemp())
    >>> rep.files[0].accounting.rows_loaded
    5
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    ds = Dataset(out)
    reports = []
    for p in paths:
        reports.append(
            ds.ingest_file(p, kind=kind, profile=profile, sheet=sheet, progress=progress)
        )
    return IngestReport(str(out), tuple(reports))


def read_table(out: str | Path, kind: str, *, quarantine: bool = False) -> pd.DataFrame:
    """Read a canonical table (or its quarantine) from a dataset folder as a DataFrame.

    Timestamps come back as ``datetime64[us, UTC]``.

    Examples
    --------
    >>> import tempfile, leankit.io as lio
    >>> d = tempfile.mkdtemp()
    >>> _ = lio.ingest("sample_data/specs.csv", kind="specs", out=d)
    >>> list(lio.read_table(d, "specs").columns[:3])
    ['characteristic', 'product', 'lsl']
    """
    return Dataset(out).read_arrow(kind, quarantine=quarantine).to_pandas()
