"""Canonical Parquet datasets: atomic writes, a manifest of loaded files, reading back.

Layout of a dataset folder::

    DIR/manifest.json                       what was loaded, from which file (by hash)
    DIR/manifest.lock                       lock taken by every write (never removed)
    DIR/<kind>/part-<sha16>.parquet         canonical rows of one source file
    DIR/quarantine/<kind>/part-<sha16>.parquet   rows that could not be loaded

Every file is written to a temporary name in the same folder (``.<name>.<host>-<pid>.
<random>.tmp``), flushed to disk and then renamed, so a crash never leaves a
half-written file under its final name. The manifest is updated last: a part that is
not in the manifest is not part of the dataset (and is overwritten by the next load of
the same file).

Concurrent writers: a file is read and its parts are written to temporary files
without any lock; then, holding an OS lock on ``manifest.lock`` (``flock`` on POSIX,
``msvcrt.locking`` on Windows) for the few milliseconds it takes, the writer re-reads
the manifest, renames its parts into place and writes the new manifest. Two ingests
of different files therefore both land in the manifest, and two ingests of the same
file load it once. Under the same lock, temporary files left by writers that were
killed (their process is gone) are removed.

Units: measured values are stored in the unit they were given in (with that unit in
the ``unit`` column); :meth:`Dataset.read_arrow` converts each characteristic to its
one unit in the dataset (the specs' unit, else the unit it got when first loaded), so
a table read back does not depend on the order in which files and specs were loaded.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import errno
import functools
import hashlib
import json
import os
import re
import socket
import stat
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from leankit import __version__
from leankit import schema as _schema
from leankit import units as _units
from leankit.errors import (
    DataQualityWarning,
    DatasetError,
    LeankitError,
    OutputFileError,
)
from leankit.io._convert import QUARANTINE_SCHEMA
from leankit.io._load import Accounting, Load, file_sha256
from leankit.io._profiles import Profile, check_tz
from leankit.io._readers import Source, check_input_file

MANIFEST = "manifest.json"
LOCK = "manifest.lock"

#: Seconds a write waits for another process's lock on a dataset before it gives up.
#: The lock is only held while the manifest is updated (milliseconds), not while a
#: file is read, so waiting this long means the other process is stuck.
LOCK_TIMEOUT = 60.0

#: Temporary files without an owner in their name (older leankit) are removed when
#: they have not been written to for this long (seconds); so are those of another host.
_LEGACY_TMP_AGE = 3600.0
_FOREIGN_TMP_AGE = 24 * 3600.0

_TMP_NAME = re.compile(r"^\.(manifest\.json|part-[0-9a-f]+\.parquet)\..+\.tmp$")
_TMP_OWNER = re.compile(r"\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)\.[^.]+\.tmp$")

_UNIT_COLUMNS = {"measurements": ("value",), "specs": ("lsl", "usl", "target")}


# ---------------------------------------------------------------- temporary files


@functools.cache
def _host_tag() -> str:
    """Eight hex digits naming this host in temporary file names."""
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _tmp_prefix(path: Path) -> str:
    """Prefix of a temporary file for *path*: says which process writes it."""
    return f".{path.name}.{_host_tag()}-{os.getpid()}."


def _pid_alive(pid: int) -> bool:
    """True if a process with this id runs on this host (or might: when unsure)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() != 87  # ERROR_INVALID_PARAMETER: no such process
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, under another user
        return True
    return True


def _stale(name: str, mtime: float, now: float) -> bool:
    """Is this temporary file left over by a writer that no longer runs?"""
    owner = _TMP_OWNER.search(name)
    if owner is None:
        return now - mtime > _LEGACY_TMP_AGE
    if owner["host"] != _host_tag():
        return now - mtime > _FOREIGN_TMP_AGE
    pid = int(owner["pid"])
    return pid != os.getpid() and not _pid_alive(pid)


# ---------------------------------------------------------------- output paths


def _blocking_file(path: Path) -> Path | None:
    """The nearest existing ancestor of *path* if it is not a folder (else None)."""
    for parent in path.parents:
        try:
            st = parent.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return None
        return None if stat.S_ISDIR(st.st_mode) else parent
    return None


def _output_error(path: Path, exc: OSError) -> OutputFileError:
    """A clear error for a file that cannot be written."""
    blocker = _blocking_file(path)
    if blocker is not None:
        why = f"{blocker} is a regular file, not a folder; choose another output path"
    elif isinstance(exc, IsADirectoryError) or path.is_dir():
        why = "it is a folder; give the name of a file to write"
    elif isinstance(exc, PermissionError):
        why = f"permission denied in {path.parent}; choose a folder you can write to"
    elif exc.errno == errno.ENOSPC:
        why = "no space left on the device; free some space and retry"
    else:
        why = exc.strerror or str(exc)
    return OutputFileError(f"cannot write {path}: {why}")


def _prepare_parent(path: Path) -> None:
    """Create the folder *path* goes in, or raise a clear OutputFileError."""
    parent = path.parent
    if parent.is_dir():
        return
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(path, exc) from exc


def _replace(src: Path | str, dst: Path) -> None:
    """``os.replace``; on Windows, retried briefly while a reader has *dst* open."""
    deadline = time.monotonic() + 2.0
    while True:
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if sys.platform != "win32" or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _default_mode(path: Path | str) -> None:
    """Give a temporary file the permissions a normal new file would get (umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write *data* to *path* atomically (temporary file, fsync, rename).

    Raises
    ------
    OutputFileError
        If the file cannot be written (its folder is under a regular file, is not
        writable, the path is a folder, the disk is full ...).
    """
    path = Path(path)
    _prepare_parent(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _output_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _default_mode(tmp)
        _replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, LeankitError):
            raise _output_error(path, exc) from exc
        raise


class AtomicParquetWriter:
    """A ParquetWriter on a temporary file that is renamed into place on :meth:`commit`.

    :meth:`finish` closes and flushes the file; :meth:`publish` renames it (the two
    steps of :meth:`commit`, separate so a dataset renames under its lock only).
    File system errors are raised as :class:`~leankit.errors.OutputFileError`.
    """

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        path = Path(path)
        _prepare_parent(path)
        self.path = path
        try:
            fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise _output_error(path, exc) from exc
        os.close(fd)
        self.tmp = Path(tmp)
        try:
            self.writer = pq.ParquetWriter(self.tmp, schema, compression="snappy")
        except BaseException as exc:
            self.tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise _output_error(path, exc) from exc
            raise
        self.rows = 0
        self._open = True

    def write(self, table: pa.Table) -> None:
        """Append a batch of rows."""
        if table.num_rows:
            try:
                self.writer.write_table(table)
            except OSError as exc:
                raise _output_error(self.path, exc) from exc
            self.rows += table.num_rows

    def finish(self) -> None:
        """Close the temporary file and flush it to disk."""
        try:
            self._open = False
            self.writer.close()
            with open(self.tmp, "rb") as f:
                os.fsync(f.fileno())
            _default_mode(self.tmp)
        except OSError as exc:
            raise _output_error(self.path, exc) from exc

    def publish(self) -> None:
        """Rename the finished temporary file into place."""
        try:
            _replace(self.tmp, self.path)
        except OSError as exc:
            raise _output_error(self.path, exc) from exc

    def commit(self) -> None:
        """Close, flush to disk and rename into place."""
        self.finish()
        self.publish()

    def abort(self) -> None:
        """Discard the temporary file."""
        try:
            if self._open:
                self._open = False
                self.writer.close()
        except Exception:  # noqa: BLE001 - the file is discarded anyway
            pass
        finally:
            self.tmp.unlink(missing_ok=True)


def write_parquet(table: pa.Table, path: str | Path) -> Path:
    """Write an Arrow table to Parquet atomically; returns the path.

    Raises
    ------
    OutputFileError
        If the file cannot be written.
    """
    path = Path(path)
    w = AtomicParquetWriter(path, table.schema)
    try:
        w.write(table)
        w.commit()
    except BaseException:
        w.abort()
        raise
    return path


# ---------------------------------------------------------------- the dataset lock


class _Lock:
    """An exclusive OS lock on a dataset's ``manifest.lock``, released when the
    process ends however it ends (so a killed writer never leaves it locked)."""

    _OFFSET = 1 << 20  # Windows locks a byte range (past the holder note)

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.fd = -1
        self.waited = 0.0

    def _try(self) -> bool:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(self.fd, self._OFFSET, os.SEEK_SET)
            try:
                msvcrt.locking(self.fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                return False
            return True
        import fcntl

        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(self) -> None:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(self.fd, self._OFFSET, os.SEEK_SET)
            msvcrt.locking(self.fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def _holder(self) -> str:
        try:
            note = self.path.read_text("utf-8", "replace").split()
        except OSError:
            return "another process"
        if len(note) >= 2 and note[0].isdigit():
            here = " on this host" if note[1] == socket.gethostname() else f" on {note[1]}"
            return f"pid {note[0]}{here}"
        return "another process"

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout`` seconds."""
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise DatasetError(
                f"cannot open the lock file {self.path}: {exc.strerror or exc}; the dataset "
                "folder must be writable"
            ) from exc
        t0 = time.monotonic()
        delay = 0.001
        try:
            while not self._try():
                self.waited = time.monotonic() - t0
                if self.waited >= self.timeout:
                    raise DatasetError(
                        f"cannot lock the dataset {self.path.parent} within {self.timeout:g} s: "
                        f"{self._holder()} is writing to it (lock file {self.path}). Wait for "
                        "it to finish and retry; if that process hangs, stop it (its lock is "
                        "released when it ends)"
                    )
                time.sleep(min(delay, self.timeout - self.waited))
                delay = min(delay * 2, 0.05)
        except OSError as exc:
            os.close(self.fd)
            raise DatasetError(
                f"cannot lock the dataset {self.path.parent} ({exc.strerror or exc}); its file "
                "system may not support file locks: write to a local folder instead"
            ) from exc
        except BaseException:
            os.close(self.fd)
            raise
        self.waited = time.monotonic() - t0
        with contextlib.suppress(OSError):  # who holds it: for the message of a waiting writer
            note = f"{os.getpid()} {socket.gethostname()}\n".encode()
            os.ftruncate(self.fd, 0)
            os.lseek(self.fd, 0, os.SEEK_SET)
            os.write(self.fd, note)

    def release(self) -> None:
        """Release the lock."""
        try:
            self._unlock()
        finally:
            os.close(self.fd)
            self.fd = -1


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


@dataclass(slots=True)
class _Staged:
    """A file read into temporary Parquet files, waiting to be committed."""

    load: Load
    writer: AtomicParquetWriter
    qwriter: AtomicParquetWriter
    part: Path
    qpart: Path
    registry: dict[str, str]  # the dataset's units when the file was read

    def abort(self) -> None:
        self.writer.abort()
        self.qwriter.abort()


_ACCOUNTING_KEYS = ("rows_read", "rows_loaded", "rows_quarantined", "lines_skipped", "reasons")
#: keys of newer manifests (older ones lack them: their accounting has the defaults)
_NOTE_KEYS = ("naive_rows", "timezone", "timezone_source")


class Dataset:
    """A folder of canonical Parquet tables with its manifest.

    Parameters
    ----------
    root : path
        The dataset folder (created by the first write).
    lock_timeout : float, default 60
        Seconds a write waits for another process that is updating the manifest.

    Examples
    --------
    >>> import tempfile
    >>> ds = Dataset(tempfile.mkdtemp())
    >>> ds.files()
    []
    """

    def __init__(self, root: str | Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        if self.root.exists() and not self.root.is_dir():
            raise DatasetError(f"output path {str(self.root)!r} exists and is not a folder")
        blocker = _blocking_file(self.root)
        if blocker is not None:
            raise DatasetError(
                f"dataset folder {str(self.root)!r} is under {blocker}, which is a regular "
                "file, not a folder; choose another output folder (--out)"
            )

    @property
    def manifest_path(self) -> Path:
        """Path of ``manifest.json``."""
        return self.root / MANIFEST

    # ---------------------------------------------------------------- manifest

    def _broken(self, what: str) -> DatasetError:
        return DatasetError(
            f"{self.manifest_path}: {what}. Restore manifest.json from a backup, or rebuild "
            f"the dataset: move {self.root} aside and ingest the source exports again "
            "into a new folder"
        )

    def _read_manifest(self) -> dict[str, Any] | None:
        """The validated manifest, or None if there is none."""
        try:
            text = self.manifest_path.read_text("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise DatasetError(f"{self.manifest_path}: cannot read the manifest ({exc})") from exc
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise DatasetError(
                f"{self.manifest_path}: manifest is not valid JSON ({exc}); "
                "restore it from a backup or start a new output folder"
            ) from None
        if not isinstance(doc, dict):
            raise self._broken(
                f"the manifest is not a JSON object with a 'files' list (found a JSON "
                f"{type(doc).__name__})"
            )
        version = doc.get("schema_version")
        if not isinstance(version, str):
            raise self._broken(f"'schema_version' is missing or not text (found {version!r})")
        if version.split(".")[0] != _schema.SCHEMA_VERSION.split(".")[0]:
            raise DatasetError(
                f"{self.root}: dataset has schema version {version}, this "
                f"leankit writes {_schema.SCHEMA_VERSION}; load the exports into a new folder"
            )
        files = doc.get("files")
        if not isinstance(files, list):
            raise self._broken("'files' is missing or not a list")
        for i, entry in enumerate(files, 1):
            if not isinstance(entry, dict):
                raise self._broken(f"entry {i} of 'files' is not an object")
            for key in ("kind", "sha256", "part", "quarantine"):
                if not isinstance(entry.get(key), str):
                    name = entry.get("name", "?")
                    raise self._broken(f"entry {i} of 'files' ({name}) has no {key!r}")
            if entry["kind"] not in _schema.KINDS:
                raise self._broken(f"entry {i} of 'files' has an unknown kind {entry['kind']!r}")
        return doc

    def _manifest(self) -> dict[str, Any]:
        doc = self._read_manifest()
        if doc is None:
            return {
                "leankit_version": __version__,
                "schema_version": _schema.SCHEMA_VERSION,
                "files": [],
            }
        return doc

    def files(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Manifest entries (one per loaded file), optionally of one kind."""
        return [f for f in self._manifest()["files"] if kind is None or f["kind"] == kind]

    def _save(self, doc: dict[str, Any]) -> None:
        doc["leankit_version"] = __version__
        atomic_write_bytes(self.manifest_path, _manifest_text(doc).encode("utf-8"))

    # ---------------------------------------------------------------- writing

    def _prepare_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatasetError(
                f"cannot create the dataset folder {self.root}: {exc.strerror or exc}; "
                "choose a folder you can write to (--out)"
            ) from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[_Lock]:
        """Hold the dataset's write lock (see :data:`LOCK_TIMEOUT`)."""
        self._prepare_root()
        lock = _Lock(self.root / LOCK, self.lock_timeout)
        lock.acquire()
        try:
            yield lock
        finally:
            lock.release()

    def _stale_tmp(self) -> list[Path]:
        """Temporary files of writers that no longer run."""
        folders = [self.root]
        for kind in _schema.KINDS:
            folders += [self.root / kind, self.root / "quarantine" / kind]
        now = time.time()
        stale = []
        for folder in folders:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for e in entries:
                if not _TMP_NAME.match(e.name):
                    continue
                try:
                    if e.is_file(follow_symlinks=False) and _stale(
                        e.name, e.stat(follow_symlinks=False).st_mtime, now
                    ):
                        stale.append(Path(e.path))
                except OSError:  # gone meanwhile
                    continue
        return stale

    def _remove_stale_tmp(self) -> list[Path]:
        """Remove temporary files of writers that no longer run (call under the lock)."""
        removed = []
        for p in self._stale_tmp():
            try:
                p.unlink()
            except OSError:  # gone meanwhile, or still open (Windows): next time
                continue
            removed.append(p)
        return removed

    def _tidy(self) -> None:
        """Remove stale temporary files, if there are any (best effort)."""
        if self._stale_tmp():
            with contextlib.suppress(LeankitError, OSError), self._locked():
                self._remove_stale_tmp()

    def _intact(self, entry: dict[str, Any]) -> bool:
        """True if both Parquet files of a manifest entry exist and have a footer."""
        for key in ("part", "quarantine"):
            try:
                pq.read_metadata(self.root / entry[key])
            except (OSError, pa.ArrowException):
                return False
        return True

    def _loaded(self, doc: dict[str, Any], kind: str, sha: str) -> dict[str, Any] | None:
        """The manifest entry of this file if it is loaded and its parts are intact.

        A file whose part is missing or truncated counts as not loaded, so ingesting
        it again repairs the dataset.
        """
        for entry in doc["files"]:
            if entry["kind"] == kind and entry["sha256"] == sha:
                return entry if self._intact(entry) else None
        return None

    def ingest_file(
        self,
        path: str | Path,
        *,
        kind: str,
        profile: str | Path | Profile | None = None,
        sheet: str | int | None = None,
        progress: Any = None,
        tz: str | None = None,
    ) -> FileReport:
        """Load one export into the dataset (see :func:`leankit.io.ingest`)."""
        path = Path(path)
        check_input_file(path)
        if tz is not None:
            check_tz(tz)
        kind = _schema.get(kind).kind
        sha = file_sha256(path)
        self._prepare_root()
        doc = self._manifest()
        entry = _unless_new_tz(self._loaded(doc, kind, sha), tz)
        if entry is not None:
            self._tidy()
            return _already(path, kind, entry, sha)
        args = (path, kind, profile, sheet, progress, sha, tz)
        # Read the file without holding the lock; commit under it. If another process
        # meanwhile gave a characteristic of this file another kind of unit, read it again.
        for _attempt in range(3):
            staged = self._stage(*args, doc)
            try:
                with self._locked():
                    doc = self._manifest()
                    entry = _unless_new_tz(self._loaded(doc, kind, sha), tz)
                    if entry is not None:
                        staged.abort()
                        return _already(path, kind, entry, sha)
                    if not self._conflicts(staged, doc):
                        return self._commit(staged, doc)
            except BaseException:
                staged.abort()
                raise
            staged.abort()
        with self._locked():  # the dataset keeps changing: read the file under the lock
            doc = self._manifest()
            entry = _unless_new_tz(self._loaded(doc, kind, sha), tz)
            if entry is not None:
                return _already(path, kind, entry, sha)
            staged = self._stage(*args, doc)
            try:
                return self._commit(staged, doc)
            except BaseException:
                staged.abort()
                raise

    def _stage(
        self,
        path: Path | str,
        kind: str,
        profile: str | Path | Profile | None,
        sheet: str | int | None,
        progress: Any,
        sha: str,
        tz: str | None,
        doc: dict[str, Any],
        source: Source | None = None,
    ) -> _Staged:
        """Read a file (or an opened *source* of rows named *path*) into temporary part
        files (nothing is visible in the dataset yet)."""
        registry = self._registry(doc)
        load = Load(path, kind=kind, profile=profile, sheet=sheet, sha256=sha, tz=tz,
                    source=source)
        opts = load.options
        opts.convert_units = False  # stored as given, converted on read
        opts.dataset_units = dict(registry)
        opts.canonical_units = self._spec_units(doc) if kind == "measurements" else {}
        part = Path(kind) / f"part-{sha[:16]}.parquet"
        qpart = Path("quarantine") / kind / f"part-{sha[:16]}.parquet"
        schema = _schema.arrow_schema(kind).with_metadata(
            {
                **_schema.schema_metadata(kind),
                b"leankit.source": json.dumps(load.info.to_dict(), ensure_ascii=False).encode(),
            }
        )
        try:
            writer = AtomicParquetWriter(self.root / part, schema)
        except BaseException:
            load.source.close()
            raise
        try:
            qwriter = AtomicParquetWriter(self.root / qpart, QUARANTINE_SCHEMA)
        except BaseException:
            writer.abort()
            load.source.close()
            raise
        staged = _Staged(load, writer, qwriter, part, qpart, registry)
        try:
            for table, quarantine in load.batches():
                writer.write(table.replace_schema_metadata(schema.metadata))
                qwriter.write(quarantine)
                if progress is not None:
                    progress(load.accounting)
            writer.finish()
            qwriter.finish()
        except BaseException:
            staged.abort()
            raise
        return staged

    def _conflicts(self, staged: _Staged, doc: dict[str, Any]) -> bool:
        """Did a characteristic new to the dataset get another kind of unit meanwhile?"""
        now = self._registry(doc)
        for char, unit in staged.load.options.file_units.items():
            if char in staged.registry or char not in now:
                continue
            if not _units.convertible(unit, now[char]):
                return True
        return False

    def _commit(
        self, staged: _Staged, doc: dict[str, Any], extra: dict[str, Any] | None = None
    ) -> FileReport:
        """Rename the staged parts into place and record them (under the lock).

        *extra*: manifest fields of a source that is not a file (they replace the
        file's ``name``, ``path`` and ``size``)."""
        self._remove_stale_tmp()
        load = staged.load
        sha = load.info.sha256
        kind = load.kind
        staged.writer.publish()
        staged.qwriter.publish()
        acc = load.accounting
        entry = {
            "kind": kind,
            "sha256": sha,
            "name": load.path.name,
            "path": str(load.path.resolve()),
            "size": load.info.size,
            "format": load.info.format,
            "profile": load.info.profile,
            "header_row": load.info.header_row,
            "dialect": load.info.dialect,
            "mapping": load.info.mapping,
            "unmapped": load.info.unmapped,
            "detection": load.info.detection,
            "part": staged.part.as_posix(),
            "quarantine": staged.qpart.as_posix(),
            "loaded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "leankit_version": __version__,
            "schema_version": _schema.SCHEMA_VERSION,
            "units": dict(load.options.file_units),
            "skipped_lines": [
                {"source_row": s.source_row, "reason": s.reason, "text": s.text[:200]}
                for s in load.skipped
            ],
            **acc.to_dict(),
        }
        entry.update(extra or {})
        files = doc["files"]
        for e in files:  # datasets of older versions: record their units once
            if e["kind"] in _UNIT_COLUMNS and not isinstance(e.get("units"), dict):
                e["units"] = self._units_of_part(e)
        same = [i for i, e in enumerate(files) if e["sha256"] == sha and e["kind"] == kind]
        if same:  # a broken part loaded again keeps its place (and its units' priority)
            files[same[0]] = entry
            doc["files"] = [e for i, e in enumerate(files) if i not in same[1:]]
        else:
            files.append(entry)
        self._save(doc)
        shown = str(load.path) if extra is None else str(entry["path"])
        return FileReport(shown, kind, "loaded", acc, load.info.profile, sha)

    # ---------------------------------------------------------------- units

    def _units_of_part(self, entry: dict[str, Any]) -> dict[str, str]:
        """Characteristic -> unit of its first row in a part (datasets of older versions)."""
        try:
            t = pq.read_table(self.root / entry["part"], columns=["characteristic", "unit"])
        except (OSError, pa.ArrowException, KeyError):
            return {}
        found: dict[str, str] = {}
        for char, unit in zip(
            t.column("characteristic").to_pylist(), t.column("unit").to_pylist(), strict=True
        ):
            if char is not None and char not in found and unit and _units.is_known(unit):
                found[char] = _units.canonical_label(unit)
        return found

    def _registry(self, doc: dict[str, Any]) -> dict[str, str]:
        """Characteristic -> the unit it got when it first came into the dataset."""
        registry: dict[str, str] = {}
        for entry in doc["files"]:
            if entry["kind"] not in _UNIT_COLUMNS:
                continue
            units = entry.get("units")
            if not isinstance(units, dict):
                units = self._units_of_part(entry)
            for char, unit in units.items():
                if isinstance(unit, str) and _units.is_known(unit):
                    registry.setdefault(str(char), _units.canonical_label(unit))
        return registry

    def _spec_units(self, doc: dict[str, Any]) -> dict[str, str]:
        """Characteristic -> unit of its specification limits (the most frequent one)."""
        if not any(e["kind"] == "specs" for e in doc["files"]):
            return {}
        specs = self._read_parts("specs", doc, quarantine=False)
        counts: dict[str, collections.Counter[str]] = {}
        for char, unit in zip(
            specs.column("characteristic").to_pylist(),
            specs.column("unit").to_pylist(),
            strict=True,
        ):
            if char is not None and unit and _units.is_known(unit):
                counts.setdefault(char, collections.Counter())[_units.canonical_label(unit)] += 1
        return {c: min(n.items(), key=lambda kv: (-kv[1], kv[0]))[0] for c, n in counts.items()}

    def _units(self, doc: dict[str, Any]) -> dict[str, str]:
        return {**self._registry(doc), **self._spec_units(doc)}

    def canonical_units(self) -> dict[str, str]:
        """Characteristic -> its unit in the dataset (the unit :meth:`read_arrow` gives).

        That is the unit of the characteristic's specification limits if the dataset
        has specs for it (the most frequent one if they differ), else the unit it got
        when it was first loaded (the profile's ``[units] canonical``, else the default
        unit of its kind: mm, g, s ...).
        """
        return self._units(self._manifest())

    # ---------------------------------------------------------------- reading

    def _read_parts(self, kind: str, doc: dict[str, Any], *, quarantine: bool) -> pa.Table:
        sch = QUARANTINE_SCHEMA if quarantine else _schema.arrow_schema(kind)
        key = "quarantine" if quarantine else "part"
        tables = []
        for entry in doc["files"]:
            if entry["kind"] != kind:
                continue
            p = self.root / entry[key]
            source = entry.get("path") or entry.get("name") or "its source file"
            again = (
                f"leankit ingest {source} --kind {kind} --out {self.root} (a missing or "
                "unreadable part is loaded again)"
            )
            if not p.exists():
                raise DatasetError(
                    f"{p}: listed in the manifest but missing; to restore it, ingest its "
                    f"source again: {again}"
                )
            try:
                t = pq.read_table(p)
            except (OSError, pa.ArrowException) as exc:
                detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
                raise DatasetError(
                    f"{p}: Parquet file is corrupt or truncated ({detail}); it holds the "
                    f"{'quarantined ' if quarantine else ''}rows of {entry.get('name', '?')}. "
                    f"To recover, delete it and ingest the source again: {again}"
                ) from exc
            meta = t.schema.metadata or {}
            if not quarantine:
                version = meta.get(b"leankit.schema_version", b"?").decode()
                if version.split(".")[0] != _schema.SCHEMA_VERSION.split(".")[0]:
                    raise DatasetError(
                        f"{p}: schema version {version}, expected {_schema.SCHEMA_VERSION}"
                    )
            try:
                tables.append(t.replace_schema_metadata(None).cast(sch.remove_metadata()))
            except (pa.ArrowException, ValueError) as exc:
                raise DatasetError(
                    f"{p}: columns do not match the {kind} table ({exc}); delete it and "
                    f"ingest the source again: {again}"
                ) from exc
        if not tables:
            return sch.empty_table()
        return pa.concat_tables(tables).replace_schema_metadata(sch.metadata)

    def read_arrow(self, kind: str, *, quarantine: bool = False) -> pa.Table:
        """Read a table (or its quarantine) as one Arrow table.

        Measured values and specification limits come back in each characteristic's
        unit in the dataset (see :meth:`canonical_units`), whatever unit they were
        loaded in.
        """
        kind = _schema.get(kind).kind
        doc = self._read_manifest()
        if doc is None:
            raise DatasetError(
                f"{self.root}: no dataset here (no {MANIFEST}); run `leankit ingest ... "
                f"--out {self.root}` first"
            )
        table = self._read_parts(kind, doc, quarantine=quarantine)
        if quarantine or kind not in _UNIT_COLUMNS or not table.num_rows:
            return table
        return _to_units(table, kind, self._units(doc))


def _manifest_text(doc: dict[str, Any]) -> str:
    """The manifest as JSON with one line per loaded file.

    Readable and diffable, and fast: each line is encoded by the C encoder (an
    ``indent`` makes :func:`json.dumps` fall back to pure Python: 5.0 ms instead of
    1.8 ms per write for 250 files, while the lock is held).
    """
    head = [
        f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
        for k, v in doc.items()
        if k != "files"
    ]
    files = [f"  {json.dumps(e, ensure_ascii=False)}" for e in doc["files"]]
    body = ' "files": [\n' + ",\n".join(files) + "\n ]" if files else ' "files": []'
    return "{\n" + ",\n".join([*head, body]) + "\n}\n"


def _unless_new_tz(entry: dict[str, Any] | None, tz: str | None) -> dict[str, Any] | None:
    """The manifest entry of a loaded file, or None if *tz* asks to read its times anew.

    A file whose times without UTC offset were read in another zone than the one the
    caller now gives (``tz=``) is loaded again and replaces its earlier part, so the
    accounting line's hint "give --tz" can be followed on the same dataset.
    """
    if entry is None or tz is None:
        return entry
    if entry.get("timezone") != tz and entry.get("naive_rows", 1) != 0:
        return None
    return entry


def _already(path: Path, kind: str, entry: dict[str, Any], sha: str) -> FileReport:
    defaults: dict[str, Any] = {"lines_skipped": {}, "reasons": {}}
    acc = Accounting(
        **{k: entry.get(k, defaults.get(k, 0)) for k in _ACCOUNTING_KEYS},
        **{k: entry[k] for k in _NOTE_KEYS if k in entry},
        unmapped=tuple(str(u) for u in entry.get("unmapped") or ()),
        profile=str(entry.get("profile", "")),
    )
    return FileReport(str(path), kind, "already loaded", acc, str(entry.get("profile", "?")), sha)


def _to_units(table: pa.Table, kind: str, units: dict[str, str]) -> pa.Table:
    """Convert every characteristic of a measurements or specs table to its unit."""
    columns = _UNIT_COLUMNS[kind]
    mismatched: collections.Counter[tuple[str, str, str]] = collections.Counter()
    batches = []
    for batch in table.to_batches():
        batches.append(_batch_to_units(batch, columns, units, mismatched))
    if mismatched:
        shown = "; ".join(
            f"{n:,} row{'s' if n != 1 else ''} of {c} in {u} (its unit is {t})"
            for (c, u, t), n in sorted(mismatched.items())[:5]
        )
        warnings.warn(
            f"{kind}: {shown}: another kind of unit, so these values are returned as "
            "they are. They were loaded by an older leankit, which did not check units; "
            "ingest the exports into a new dataset folder to quarantine them",
            DataQualityWarning,
            stacklevel=4,
        )
    return pa.Table.from_batches(batches, schema=table.schema)


def _batch_to_units(
    batch: pa.RecordBatch,
    columns: tuple[str, ...],
    units: dict[str, str],
    mismatched: collections.Counter[tuple[str, str, str]],
) -> pa.RecordBatch:
    chars = batch.column("characteristic")
    labels = batch.column("unit")
    c_enc = pc.dictionary_encode(chars)
    u_enc = pc.dictionary_encode(labels)
    c_dict = c_enc.dictionary.to_pylist()
    u_dict = u_enc.dictionary.to_pylist()
    if not c_dict or not u_dict:
        return batch
    ci = np.asarray(pc.fill_null(c_enc.indices, -1).to_numpy(zero_copy_only=False), np.int64)
    ui = np.asarray(pc.fill_null(u_enc.indices, -1).to_numpy(zero_copy_only=False), np.int64)
    width = len(c_dict) + 1
    combo = (ui + 1) * width + (ci + 1)  # 0 row/column: no unit or no characteristic
    counts = np.bincount(combo, minlength=(len(u_dict) + 1) * width)
    scale = np.ones(len(counts))
    offset = np.zeros(len(counts))
    convert = np.zeros(len(counts), dtype=bool)
    target_of = np.full(len(counts), -1, dtype=np.int64)
    targets: list[str] = []
    for code in np.flatnonzero(counts):
        u, c = divmod(int(code), width)
        if u == 0 or c == 0:
            continue
        char, label = c_dict[c - 1], u_dict[u - 1]
        target = units.get(char)
        if target is None or not _units.is_known(label) or label == target:
            continue
        if not _units.convertible(label, target):
            mismatched[(char, label, target)] += int(counts[code])
            continue
        scale[code], offset[code] = _units.factor(label, target)
        convert[code] = True
        if target not in targets:
            targets.append(target)
        target_of[code] = targets.index(target)
    if not convert.any():
        return batch
    rows = convert[combo]
    mask = pa.array(rows)
    arrays = dict(zip(batch.schema.names, batch.columns, strict=True))
    row_scale = pa.array(scale[combo])
    with_offset = bool(np.any(offset[convert] != 0.0))
    for name in columns:
        col = arrays[name]
        new = pc.multiply(col, row_scale)
        if with_offset:
            new = pc.add(new, pa.array(offset[combo]))
        arrays[name] = pc.if_else(mask, new, col)
    new_units = pc.take(pa.array(targets, pa.string()), pa.array(np.maximum(target_of[combo], 0)))
    arrays["unit"] = pc.if_else(mask, new_units, labels)
    return pa.RecordBatch.from_arrays(list(arrays.values()), schema=batch.schema)


def ingest(
    paths: str | Path | Iterable[str | Path],
    *,
    kind: str,
    out: str | Path,
    profile: str | Path | Profile | None = None,
    sheet: str | int | None = None,
    progress: Any = None,
    tz: str | None = None,
) -> IngestReport:
    """Load exports into a canonical Parquet dataset folder.

    Each file becomes one Parquet part (written atomically) plus its quarantine;
    the manifest records its content hash, so loading the same file again does
    nothing, and a new export is appended as a new part. Several processes may
    ingest into one folder at once: the manifest is updated under a file lock
    (``manifest.lock``), and temporary files of killed ingests are removed by the
    next one. Measured values are stored in the unit they were given in and
    converted to each characteristic's one unit when read (:func:`read_table`).

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
    tz : str, optional
        IANA time zone (``"Europe/Berlin"``) in which the exports' timestamps without
        a UTC offset were recorded; overrides the profile's ``[timestamp] timezone``
        (``leankit ingest --tz``). Timestamps with an offset are not affected.

    Returns
    -------
    IngestReport
        Per-file accounting (``rows_read == rows_loaded + rows_quarantined``).

    Raises
    ------
    InputFileError, ProfileError, DatasetError
        On a fatal problem (missing file, no profile fits, the header fits two
        built-in profiles equally well, *tz* is not a time zone, broken dataset, output
        folder under a regular file, dataset locked by another process for longer
        than :data:`LOCK_TIMEOUT` seconds).

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
            ds.ingest_file(p, kind=kind, profile=profile, sheet=sheet, progress=progress, tz=tz)
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
