"""Load one export: open it, match a profile, convert it batch by batch.

The batches are converted in a small thread pool (pyarrow releases the GIL) and
finalised in file order, so memory stays bounded by a few blocks whatever the
file size, and the row accounting is checked for every batch.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from leankit import schema as _schema
from leankit.errors import InputFileError, LeankitError, ProfileError
from leankit.io import _sniff
from leankit.io._convert import Finalizer, Options, convert
from leankit.io._mapping import AmbiguousProfileError, Mapping, resolve
from leankit.io._profiles import Profile, builtin_profiles, check_tz, load_profile
from leankit.io._readers import CsvSource, ExcelSource, RawBatch, Skip, Source, open_source

WORKERS = 2


@dataclass(frozen=True, slots=True)
class Accounting:
    """Where every record of an export went.

    ``rows_read == rows_loaded + rows_quarantined`` always holds (it is checked on
    every batch). Lines that are not data records (title lines above the header,
    blank lines, summary/trailer lines) are counted in ``lines_skipped`` by reason.

    The text form also names the columns of the export that no canonical column
    uses (``unmapped``) and, when timestamps without a UTC offset were read, the
    time zone they were taken to be in and where that zone came from.

    Attributes
    ----------
    rows_read, rows_loaded, rows_quarantined : int
        Data records read, loaded and quarantined.
    lines_skipped : dict
        Reason (``title_line``, ``blank_line``, ``summary_line``) -> lines skipped.
    reasons : dict
        Quarantine reason code -> rows.
    unmapped : tuple of str
        Header fields of the export that no canonical column uses (their values
        are not loaded).
    naive_rows : int
        Rows with a timestamp without UTC offset, read as local time in *timezone*.
    timezone : str or None
        Zone in which timestamps without UTC offset are read (None: such
        timestamps are quarantined).
    timezone_source : str
        Where *timezone* came from: ``"tz"`` (the caller's ``tz=``), ``"profile"``
        (the profile the caller named) or ``"auto"`` (the auto-detected profile).
    profile : str
        Name of the profile used (for the text form).
    """

    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    lines_skipped: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    unmapped: tuple[str, ...] = ()
    naive_rows: int = 0
    timezone: str | None = None
    timezone_source: str = ""
    profile: str = ""

    def __str__(self) -> str:
        text = (
            f"read {self.rows_read:,} rows: {self.rows_loaded:,} loaded, "
            f"{self.rows_quarantined:,} quarantined"
        )
        if self.reasons:
            text += " (" + ", ".join(f"{k}: {v:,}" for k, v in sorted(self.reasons.items())) + ")"
        if self.lines_skipped:
            text += "; skipped " + ", ".join(
                f"{v:,} {k.replace('_', ' ')}{'s' if v != 1 else ''}"
                for k, v in sorted(self.lines_skipped.items())
            )
        if self.naive_rows and self.timezone:
            text += f"; {self.timezone_note()}"
        if self.unmapped:
            text += "; unmapped columns: " + ", ".join(self.unmapped)
        return text

    def timezone_note(self) -> str:
        """Which zone times without UTC offset were read in, and why ("" if none were).

        Examples
        --------
        >>> acc = Accounting(2, 2, 0, naive_rows=2, timezone="Europe/Berlin",
        ...                  timezone_source="auto", profile="cmm-en")
        >>> print(acc.timezone_note())
        naive times (no UTC offset) in 2 rows read as Europe/Berlin (profile cmm-en, auto-detected)
        """
        if not (self.naive_rows and self.timezone):
            return ""
        why = {
            "tz": "tz given",
            "profile": f"profile {self.profile}",
            "auto": f"profile {self.profile}, auto-detected",
        }.get(self.timezone_source, self.timezone_source or "?")
        rows = f"{self.naive_rows:,} row{'s' if self.naive_rows != 1 else ''}"
        return f"naive times (no UTC offset) in {rows} read as {self.timezone} ({why})"

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (for the manifest and JSON output)."""
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "lines_skipped": dict(self.lines_skipped),
            "reasons": dict(self.reasons),
            "unmapped": list(self.unmapped),
            "naive_rows": self.naive_rows,
            "timezone": self.timezone,
            "timezone_source": self.timezone_source,
        }


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What was read and how it was interpreted.

    ``detection`` says how the profile was chosen (named by the caller, or why the
    auto-detection chose it); ``timezone`` is the zone of timestamps without UTC
    offset (the caller's ``tz=``, else the profile's).
    """

    path: str
    name: str
    format: str
    sha256: str
    size: int
    profile: str
    header_row: int
    mapping: dict[str, str]
    unmapped: list[str]
    dialect: dict[str, Any]
    detection: str = ""
    timezone: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (for the manifest and Parquet metadata)."""
        return {
            "path": self.path,
            "name": self.name,
            "format": self.format,
            "sha256": self.sha256,
            "size": self.size,
            "profile": self.profile,
            "header_row": self.header_row,
            "mapping": self.mapping,
            "unmapped": self.unmapped,
            "dialect": self.dialect,
            "detection": self.detection,
            "timezone": self.timezone,
        }


def file_sha256(path: Path) -> str:
    """Content hash of a file (read in 4 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


class Load:
    """One export being loaded: iterate :meth:`batches`, then read :attr:`accounting`."""

    def __init__(
        self,
        path: str | Path,
        *,
        kind: str,
        profile: str | Path | Profile | None = None,
        sheet: str | int | None = None,
        canonical_units: dict[str, str] | None = None,
        sha256: str | None = None,
        tz: str | None = None,
        source: Source | None = None,
    ) -> None:
        # source: rows that are not a file (a database query), already opened; *path*
        # then only names them, and *sha256* must be given (the rows' content hash)
        self.path = Path(path)
        self.name = self.path.name if source is None else str(path)
        self.kind = _schema.get(kind).kind
        if tz is not None:
            check_tz(tz)
        profiles = [load_profile(profile)] if profile is not None else _candidates(kind)
        if profile is not None and profiles[0].kind not in (None, kind):
            raise ProfileError(
                f"profile {profiles[0].name!r} is for {profiles[0].kind} tables, not {kind}; "
                "choose a matching --kind or profile"
            )
        # dialect overrides and the sheet only come from a profile the caller chose
        first = profiles[0] if profile is not None else Profile(name="auto")
        self.source: Source = source if source is not None else open_source(
            self.path, first.csv, sheet or first.excel_sheet, first.null_values
        )
        try:
            self.mapping = self._resolve(profiles, auto=profile is None)
            decimal, thousands = self._number_format()
        except BaseException:
            self.source.close()  # removes temporary (transcoded) copies
            raise
        prof = self.mapping.profile
        if tz is not None:
            prof = dataclasses.replace(prof, timezone=tz)
            self.mapping.profile = prof
        self.tz_source = "tz" if tz is not None else "auto" if self.mapping.auto else "profile"
        self.options = Options(
            source_file=self.name,
            decimal=decimal,
            thousands=thousands,
            canonical_units=dict(canonical_units or {}),
        )
        self.sha256 = sha256 or file_sha256(self.path)
        self.unmapped = tuple(self.mapping.unmapped)
        self._counts: Counter[str] = Counter()
        self._skipped: Counter[str] = Counter()
        self.skipped: list[Skip] = []
        self._done = False
        self.info = SourceInfo(
            path=str(self.path) if source is None else self.name,
            name=self.name,
            format=self.source.format,
            sha256=self.sha256,
            size=self.path.stat().st_size if source is None else 0,
            profile=prof.name,
            header_row=self.mapping.header_row,
            mapping=self.mapping.describe(),
            unmapped=self.mapping.unmapped,
            dialect=self._dialect(decimal, thousands),
            detection=self.mapping.detection,
            timezone=prof.timezone,
        )

    def _dialect(self, decimal: str, thousands: str | None) -> dict[str, Any]:
        d: dict[str, Any] = {"decimal": decimal, "thousands": thousands}
        if isinstance(self.source, CsvSource):
            d.update(
                encoding=self.source.encoding,
                delimiter=self.source.delimiter,
                bom=bool(self.source.bom),
            )
        if isinstance(self.source, ExcelSource):
            d["sheet"] = self.source.sheet
        return d

    def _resolve(self, profiles: list[Profile], auto: bool) -> Mapping:
        src = self.source
        if isinstance(src, ExcelSource) and src.sheet is None:
            errors: list[ProfileError] = []
            for _name, preview in src.previews():
                try:
                    return resolve(
                        preview, profiles, self.kind, file_name=self.name, auto=auto
                    )
                except AmbiguousProfileError:
                    raise  # this sheet fits: do not read another one instead
                except ProfileError as exc:
                    errors.append(exc)
            if not errors and src.unreadable:  # no sheet could be read at all
                raise next(iter(src.unreadable.values()))
            if not errors:
                raise InputFileError(f"{self.name}: the workbook has no sheets")
            unreadable = (
                f" Sheets that cannot be read: {', '.join(src.unreadable)} "
                f"({next(iter(src.unreadable.values()))})."
                if src.unreadable
                else ""
            )
            raise ProfileError(
                f"{self.name}: no sheet fits a {self.kind} table "
                f"(sheets: {', '.join(src.sheet_names)}). {errors[0]}{unreadable}"
            )
        try:
            return resolve(src.preview(), profiles, self.kind, file_name=self.name, auto=auto)
        except AmbiguousProfileError:
            raise
        except ProfileError as exc:
            if isinstance(src, CsvSource) and "delimiter" not in profiles[0].csv:
                hint = _delimiter_hint(src)
                if hint:
                    raise ProfileError(f"{exc} {hint}") from None
            raise

    def _number_format(self) -> tuple[str, str | None]:
        prof = self.mapping.profile
        decimal = prof.csv.get("decimal")
        thousands = prof.csv.get("thousands")
        src = self.source
        if not isinstance(src, CsvSource):
            return decimal or ".", thousands
        if decimal is None or (thousands is None and "thousands" not in prof.csv):
            sch = _schema.get(self.kind)
            numeric = [
                i
                for c, i in self.mapping.source_index.items()
                if sch.column(c).type in ("float", "count")
            ]
            body = [t for no, t in src.sample_lines if no > self.mapping.header_row][:2000]
            values = [
                row[i].strip()
                for row in (
                    _sniff.split_line(b.replace("\r", ""), src.delimiter, src.quotechar)
                    for b in body
                )
                for i in numeric
                if i < len(row)
            ]
            s_dec, s_thou = _sniff.sniff_number_format(values, src.delimiter)
            decimal = decimal or s_dec
            if "thousands" not in prof.csv:
                thousands = s_thou
        if thousands == decimal:
            raise ProfileError(
                f"profile {prof.name!r}: thousands separator and decimal mark are both "
                f"{decimal!r}; set them in the [csv] table"
            )
        return decimal, thousands

    def _tasks(self) -> Iterator[Callable[[], RawBatch]]:
        src, m = self.source, self.mapping
        if isinstance(src, CsvSource):
            for block, line_no in src.blocks(m.header_row):
                yield functools.partial(src.parse_block, block, line_no, m.ncols)
        else:
            used = frozenset(m.source_index.values()) | frozenset(m.time_index.values())
            for batch in src.batches(m.header_row, m.ncols, used):
                yield functools.partial(_identity, batch)

    def batches(self) -> Iterator[tuple[pa.Table, pa.Table]]:
        """Yield ``(canonical rows, quarantine rows)`` per batch, in file order."""
        if self._done:
            raise LeankitError("a Load can be iterated once")
        self._done = True
        head = self.source.before_header(self.mapping.header_row)
        self._note_skips(head)
        fin = Finalizer(self.mapping, self.options)

        def work(task: Callable[[], RawBatch]) -> Any:
            return convert(task(), self.mapping, self.options)

        try:
            with ThreadPoolExecutor(WORKERS, thread_name_prefix="leankit-load") as pool:
                pending: deque[Future[Any]] = deque()
                for task in self._tasks():
                    pending.append(pool.submit(work, task))
                    if len(pending) > WORKERS:
                        yield from self._finish(fin.push(pending.popleft().result()))
                while pending:
                    yield from self._finish(fin.push(pending.popleft().result()))
                yield from self._finish(fin.flush())
        finally:
            self.source.close()

    def _finish(
        self, done: list[tuple[Any, pa.Table, pa.Table, list[Skip]]]
    ) -> Iterator[tuple[pa.Table, pa.Table]]:
        for conv, table, quarantine, skipped in done:
            records = conv.batch.records
            reclassified = len(skipped) - len(conv.batch.skipped)  # summary lines among records
            read = records - reclassified
            if read != table.num_rows + quarantine.num_rows:
                raise LeankitError(
                    f"internal error: row accounting does not balance for {self.name} "
                    f"({read} read, {table.num_rows} loaded, {quarantine.num_rows} quarantined); "
                    "please report this with the file"
                )
            self._counts["read"] += read
            self._counts["loaded"] += table.num_rows
            self._counts["quarantined"] += quarantine.num_rows
            if conv.naive is not None:
                self._counts["naive"] += min(int(conv.naive.sum()), read)
            for code in quarantine.column("reason_code").to_pylist():
                self._counts["reason:" + code] += 1
            self._note_skips(skipped)
            yield table, quarantine

    def _note_skips(self, skipped: list[Skip]) -> None:
        for s in skipped:
            self._skipped[s.reason] += 1
        if len(self.skipped) < 1000:
            self.skipped.extend(skipped[: 1000 - len(self.skipped)])

    @property
    def accounting(self) -> Accounting:
        """Row accounting so far (complete once :meth:`batches` is exhausted)."""
        c = self._counts
        return Accounting(
            rows_read=c["read"],
            rows_loaded=c["loaded"],
            rows_quarantined=c["quarantined"],
            lines_skipped=dict(self._skipped),
            reasons={k[7:]: v for k, v in c.items() if k.startswith("reason:")},
            unmapped=self.unmapped,
            naive_rows=c["naive"],
            timezone=self.mapping.profile.timezone,
            timezone_source=self.tz_source,
            profile=self.mapping.profile.name,
        )


def _identity(batch: RawBatch) -> RawBatch:
    return batch


def _delimiter_hint(src: CsvSource) -> str:
    """Explain a sniffed delimiter that the file's lines do not agree on (or "")."""
    lines = [t for _, t in src.sample_lines]
    seen = _sniff.delimiters_seen(lines, src.quotechar)
    if len(seen) < 2:
        return ""
    # only when a line near the top (a header?) splits into 3+ fields with another
    # delimiter; a title line such as "Report, week 12" is no reason to blame it
    near = [t.replace("\r", "") for t in lines[:60] if t.strip()]
    if not any(
        len(_sniff.split_line(t, d, src.quotechar)) >= 3
        and len(_sniff.split_line(t, d, src.quotechar))
        > len(_sniff.split_line(t, src.delimiter, src.quotechar))
        for t in near
        for d in _sniff.DELIMITERS
        if d != src.delimiter
    ):
        return ""
    names = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
    counts = ", ".join(f"{names[d]} in {n:,} lines" for d, n in seen.most_common())
    other = next(d for d, _ in seen.most_common() if d != src.delimiter)
    shown = "\\t" if other == "\t" else other
    return (
        f"The lines of the file use different delimiters ({counts}); the guessed delimiter "
        f"was {names.get(src.delimiter, repr(src.delimiter))}, so the header may be split "
        f'wrongly. Set the delimiter in a profile\'s [csv] table (e.g. delimiter = "{shown}") '
        "and fix the lines that use another one."
    )


def _candidates(kind: str) -> list[Profile]:
    """Built-in profiles that can map a *kind* table, the specific ones first."""
    profs = list(builtin_profiles().values())
    return [p for p in profs if p.kind == kind] + [p for p in profs if p.kind is None]
