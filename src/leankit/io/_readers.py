"""Readers: split an export into records of text fields, with source row numbers.

A reader knows nothing about canonical tables. It offers a preview (the first rows,
for header and profile detection) and then yields :class:`RawBatch` objects: string
columns (one per header field), the physical row number of every record, a way to
recover each record's raw text, and the records it could not split (wrong field
count, malformed JSON) or skipped (blank and summary lines).

CSV files are cut into byte blocks at record boundaries (quote-aware), and each
block is parsed by pyarrow's CSV reader, so memory stays bounded by the block size.
"""

from __future__ import annotations

import abc
import codecs
import csv
import datetime as dt
import itertools
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from leankit.errors import InputFileError
from leankit.io import _sniff

PREVIEW_ROWS = 60
BLOCK_BYTES = 16 << 20
#: Longest record followed across blocks; a longer "record" is an unterminated quote.
MAX_RECORD_BYTES = 64 << 20
JSON_BATCH = 50_000
EXCEL_BATCH = 50_000

_SUMMARY_WORDS = (
    r"total|totals|sum|summe|gesamt|gesamtsumme|subtotal|zwischensumme|grand total|"
    r"anzahl|count|rows|records|average|mittelwert|end of (?:report|export|file)|ende"
)
_SUMMARY = re.compile(rf"^\W*({_SUMMARY_WORDS})\b", re.IGNORECASE)
#: words that may follow the summary word in a summary line's label ("Summe Messwerte")
_GENERIC = frozenset(
    "rows row records record lines line entries items values value measurements readings "
    "count sum total totals of all in the report export file data parts pieces pcs qty "
    "quantity zeilen zeile datensätze datensaetze einträge eintraege werte messwerte "
    "messungen stück stueck stk teile anzahl gesamt summe".split()
)
_NUMERIC = re.compile(r"^[\s+\-−]*[\d\s.,:'’%€$]*\d[\d\s.,:'’%€$]*$")
#: a regex for pyarrow (RE2): the first field starts with a summary word
SUMMARY_START = rf"(?i)^\W*({_SUMMARY_WORDS})\b"


def is_summary_fields(fields: Sequence[str | None]) -> bool:
    """True if a record's fields look like a summary/trailer line, not a data row.

    The first non-empty field is a summary word (``Total``, ``Summe``, ``Count``,
    ``End of report`` ...), optionally followed by generic words (``Summe Messwerte``,
    ``Total rows:``) and numbers; every other field is empty or a number. A data row
    whose label merely starts with such a word (``Total runout;2026-03-01;12.3;µm``)
    is not a summary line.

    Examples
    --------
    >>> is_summary_fields(["Summe Messwerte", "15135"])
    True
    >>> is_summary_fields(["Total", "", "1,169", "1.147,5"])
    True
    >>> is_summary_fields(["Total runout", "2026-03-01T08:00:00", "12.3", "µm"])
    False
    """
    texts = [(f or "").strip().strip('"').strip() for f in fields]
    nonempty = [t for t in texts if t]
    if not nonempty:
        return False
    label, rest = nonempty[0], nonempty[1:]
    m = _SUMMARY.match(label)
    if m is None:
        return False
    words = re.findall(r"[^\W\d_]+", label[m.end() :].casefold())
    if any(w not in _GENERIC for w in words):
        return False
    return all(_NUMERIC.match(t) for t in rest)


def is_summary_text(text: str) -> bool:
    """True if a whole line looks like a summary line (see :func:`is_summary_fields`).

    The line is split at any of the usual delimiters.

    Examples
    --------
    >>> is_summary_text("Summe;42")
    True
    >>> is_summary_text("Total runout;2026-03-01T08:00:00;12,3;µm")
    False
    """
    return is_summary_fields(re.split(r"[;,\t|]", text))


def excerpt(text: object, limit: int = 200) -> str:
    r"""A short, printable excerpt of file content for an error message.

    Control characters are shown escaped (as ``repr`` does) and the text is cut
    after *limit* characters, saying how long it was.

    Examples
    --------
    >>> excerpt("a\x00b")
    "'a\\x00b'"
    >>> excerpt("x" * 500, limit=5)
    "'xxxxx' ... (500 characters)"
    """
    s = str(text)
    shown = repr(s[:limit])
    return shown if len(s) <= limit else f"{shown} ... ({len(s):,} characters)"


@dataclass(slots=True)
class Problem:
    """A record that could not be split into the header's fields."""

    source_row: int
    raw: str
    code: str
    message: str


@dataclass(slots=True)
class Skip:
    """A line that is not a data record (title, blank, summary)."""

    source_row: int
    reason: str
    text: str


@dataclass(slots=True)
class RawBatch:
    """Records of one block of an export, as text columns."""

    table: pa.Table
    source_row: np.ndarray
    raw_text: Callable[[np.ndarray], list[str]]
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    @property
    def records(self) -> int:
        """Data records in this batch: parsed rows plus unsplittable ones."""
        return int(self.table.num_rows) + len(self.problems)


@dataclass(slots=True)
class Preview:
    """The first rows of an export, for header and profile detection."""

    rows: list[tuple[int, list[str]]]  # (physical row number, fields)
    format: str
    detail: dict[str, Any] = field(default_factory=dict)


class Source(abc.ABC):
    """An opened export file."""

    format = "?"

    def __init__(self, path: Path) -> None:
        self.path = path

    @abc.abstractmethod
    def preview(self) -> Preview:
        """The first rows of the export."""

    @abc.abstractmethod
    def batches(
        self, header_row: int, ncols: int, used: frozenset[int] | None = None
    ) -> Iterator[RawBatch]:
        """The records below the header, in batches (*used*: the mapped field positions)."""

    def before_header(self, header_row: int) -> list[Skip]:
        """Title and blank lines above the header row."""
        out = []
        for row, fields in self.preview().rows:
            if row >= header_row:
                break
            text = self._join(fields)
            out.append(Skip(row, "title_line" if text.strip() else "blank_line", text))
        return out

    @staticmethod
    def _join(fields: list[str]) -> str:
        return "\t".join(fields).rstrip("\t")

    def close(self) -> None:  # noqa: B027 - optional hook: most sources hold no temp files
        """Release temporary files."""


def _lister(raws: list[str]) -> Callable[[np.ndarray], list[str]]:
    """A ``raw_text`` function over a list of record texts."""

    def raw_text(positions: np.ndarray) -> list[str]:
        return [raws[p] for p in positions]

    return raw_text


def _value(text: str | None, nulls: set[str]) -> str | None:
    """A cell's text, or None when it is empty or a null marker."""
    return None if text is None or text.strip() in nulls else text


def _batch(cols: list[list[str | None]], ncols: int, rows: list[int], raws: list[str],
           problems: list[Problem], skipped: list[Skip]) -> RawBatch:
    """A batch from per-column text lists (the Excel and JSON readers)."""
    return RawBatch(_strings(cols, ncols), np.asarray(rows, dtype=np.int64), _lister(raws),
                    problems, skipped)


def _strings(columns: list[list[str | None]], ncols: int) -> pa.Table:
    return pa.table({f"c{i}": pa.array(columns[i], type=pa.string()) for i in range(ncols)})


def skip_summaries(batch: RawBatch, split: Callable[[str], list[str]]) -> RawBatch:
    """Move the batch's summary lines (see :func:`is_summary_fields`) to ``skipped``.

    Records with the header's field count and records that could not be split
    (``wrong_field_count``) are both checked; any other record stays a record, so a
    data row with a problem is quarantined with its reason, never skipped.
    """
    problems: list[Problem] = []
    for prob in batch.problems:
        if prob.code == "wrong_field_count" and _SUMMARY.match(prob.raw.strip().strip('"')):
            if is_summary_fields(split(prob.raw)):
                batch.skipped.append(Skip(prob.source_row, "summary_line", prob.raw))
                continue
        problems.append(prob)
    batch.problems = problems
    table = batch.table
    if not table.num_rows:
        return batch
    cand = np.zeros(table.num_rows, dtype=bool)
    for i in range(min(3, table.num_columns)):
        col = table.column(i)
        hit = pc.match_substring_regex(col, SUMMARY_START)
        cand |= np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)
    if not cand.any():
        return batch
    drop = np.zeros(table.num_rows, dtype=bool)
    pos = np.flatnonzero(cand)
    rows = table.take(pa.array(pos)).to_pylist()
    for p, row in zip(pos, rows, strict=True):
        drop[p] = is_summary_fields(list(row.values()))
    if not drop.any():
        return batch
    dropped = np.flatnonzero(drop)
    for p, raw in zip(dropped, batch.raw_text(dropped), strict=True):
        batch.skipped.append(Skip(int(batch.source_row[p]), "summary_line", raw))
    keep = np.flatnonzero(~drop)
    old_raw = batch.raw_text

    def raw_text(positions: np.ndarray) -> list[str]:
        return old_raw(keep[np.asarray(positions, dtype=np.int64)])

    batch.table = table.take(pa.array(keep, type=pa.int64()))
    batch.source_row = batch.source_row[keep]
    batch.raw_text = raw_text
    return batch


# --------------------------------------------------------------------------- CSV


class CsvSource(Source):
    """A delimited text export (CSV, semicolon, tab)."""

    format = "csv"

    def __init__(self, path: Path, overrides: dict[str, Any], null_values: tuple[str, ...]):
        super().__init__(path)
        self._tmp: Path | None = None
        with open(path, "rb") as f:
            sample = f.read(_sniff.SAMPLE_BYTES)
        if "encoding" in overrides:
            encoding = _sniff.check_encoding(overrides["encoding"])
            bom = len(codecs.BOM_UTF8) if sample.startswith(codecs.BOM_UTF8) else 0
        else:
            encoding, bom = _sniff.sniff_encoding(sample)
        self.file_encoding = encoding  # as declared or sniffed (before transcoding)
        if encoding.replace("_", "-").startswith("utf-16"):
            self._tmp = _transcode_to_utf8(path, encoding)
            self.read_path = self._tmp
            encoding, bom = "utf-8", 0
            with open(self.read_path, "rb") as f:
                sample = f.read(_sniff.SAMPLE_BYTES)
        elif b"\r" in sample and b"\n" not in sample:  # classic Mac line endings (CR only)
            self._tmp = _copy_with_newlines(path)
            self.read_path = self._tmp
            with open(self.read_path, "rb") as f:
                sample = f.read(_sniff.SAMPLE_BYTES)
        else:
            self.read_path = path
        self.encoding = encoding
        self.bom = bom
        self.quotechar = str(overrides.get("quotechar", '"'))
        lines = self._lines(sample)
        self.delimiter = overrides.get("delimiter") or _sniff.sniff_delimiter(
            [t for _, t in lines], self.quotechar
        )
        if self.delimiter == "\\t":
            self.delimiter = "\t"
        self.null_values = null_values
        self._sample = sample
        self._preview = Preview(
            rows=[
                (no, _sniff.split_line(t.replace("\r", ""), self.delimiter, self.quotechar))
                for no, t in lines[:PREVIEW_ROWS]
            ],
            format="csv",
            detail={"encoding": encoding, "delimiter": self.delimiter, "bom": bool(bom)},
        )
        self.sample_lines = lines

    def _lines(self, sample: bytes) -> list[tuple[int, str]]:
        parts = sample[self.bom :].split(b"\n")
        if len(sample) >= _sniff.SAMPLE_BYTES:
            parts = parts[:-1]
        elif parts and parts[-1] == b"":
            parts = parts[:-1]
        return [
            (i + 1, p.rstrip(b"\r").decode(self.encoding, errors="replace"))
            for i, p in enumerate(parts)
        ]

    def preview(self) -> Preview:
        return self._preview

    def before_header(self, header_row: int) -> list[Skip]:
        return [
            Skip(no, "title_line" if text.strip() else "blank_line", text)
            for no, text in self.sample_lines
            if no < header_row
        ]

    def _data_offset(self, header_row: int) -> int:
        """Byte offset of the line after the header line."""
        pos = self.bom
        for _ in range(header_row):
            nxt = self._sample.find(b"\n", pos)
            if nxt < 0:
                return len(self._sample)
            pos = nxt + 1
        return pos

    def blocks(
        self, header_row: int, block_bytes: int = BLOCK_BYTES
    ) -> Iterator[tuple[bytes, int]]:
        """Yield ``(block, first_line_number)``; each block ends at a record boundary.

        A quoted field is not followed across more than :data:`MAX_RECORD_BYTES`
        (64 MiB): beyond that the quote is taken as stray (an unterminated ``"``) and the block is
        cut at the last line break, so memory stays bounded; the lines it swallowed are
        quarantined by the parser, and reading resumes at the next line.
        """
        quote = self.quotechar.encode()[0] if self.quotechar else None
        line_no = header_row + 1
        with open(self.read_path, "rb") as f:
            f.seek(self._data_offset(header_row))
            carry = b""
            while True:
                chunk = f.read(block_bytes)
                buf = carry + chunk if carry else chunk
                if not chunk:
                    if buf:
                        yield buf, line_no
                    return
                cut = _last_record_end(buf, quote)
                if cut <= 0 and len(buf) > MAX_RECORD_BYTES:
                    cut = buf.rfind(b"\n") + 1  # an unterminated quote: stop following it
                if cut <= 0:
                    carry = buf  # one record longer than a block: read on
                    continue
                block, carry = buf[:cut], buf[cut:]
                yield block, line_no
                line_no += block.count(b"\n")

    def batches(
        self, header_row: int, ncols: int, used: frozenset[int] | None = None
    ) -> Iterator[RawBatch]:
        for block, line_no in self.blocks(header_row):
            yield self.parse_block(block, line_no, ncols)

    def parse_block(self, block: bytes, first_line: int, ncols: int) -> RawBatch:
        """Parse one block of whole records into a :class:`RawBatch`."""
        arr = np.frombuffer(block, dtype=np.uint8)
        nl = np.flatnonzero(arr == 10)
        quote = self.quotechar.encode()[0] if self.quotechar else None
        if quote is not None and block.find(bytes([quote])) >= 0:
            q = np.flatnonzero(arr == quote)
            ends = nl[np.searchsorted(q, nl) % 2 == 0]
        else:
            ends = nl
        if len(block) and block[-1] != 10:
            ends = np.append(ends, len(block))
        starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
        lines = first_line + np.searchsorted(nl, starts)
        cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 13)
        stops = ends - cr
        empty = stops == starts

        bad: list[tuple[int, str, int]] = []

        def handler(row: Any) -> str:
            bad.append((row.number, row.text, row.actual_columns))
            return "skip"

        if self.encoding.replace("-", "").lower() in ("utf8", "utf8sig") and (
            len(block) and int(arr.max()) >= 0x80  # pure ASCII is valid UTF-8
        ):
            try:
                block.decode("utf-8")
            except UnicodeDecodeError:
                return self._parse_block_slow(block, first_line, ncols)
        names = [f"c{i}" for i in range(ncols)]
        try:
            table = pcsv.read_csv(
                pa.py_buffer(block),
                read_options=pcsv.ReadOptions(
                    column_names=names,
                    use_threads=False,
                    block_size=max(len(block) + 1, 1 << 20),
                    encoding=self.encoding,
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=self.delimiter,
                    quote_char=self.quotechar or False,
                    double_quote=True,
                    newlines_in_values=True,
                    ignore_empty_lines=True,
                    invalid_row_handler=handler,
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    null_values=list(self.null_values),
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) or "utf8" in str(exc).lower():
                raise InputFileError(
                    f"{self.path.name}: text after line {first_line} is not valid "
                    f"{self.encoding}; set encoding in the profile's [csv] table "
                    '(e.g. encoding = "cp1252")'
                ) from None
            return self._parse_block_slow(block, first_line, ncols)
        except pa.ArrowException:
            return self._parse_block_slow(block, first_line, ncols)

        # pyarrow numbers rows from 1 without counting the empty lines it skips
        nonempty = np.flatnonzero(~empty)
        invalid = np.zeros(len(starts), dtype=bool)
        numbers_ok = all(n is not None and 1 <= n <= len(nonempty) for n, _, _ in bad)
        if numbers_ok and bad:
            invalid[nonempty[np.array([n - 1 for n, _, _ in bad])]] = True
        valid = ~empty & ~invalid
        if not numbers_ok or int(valid.sum()) != table.num_rows:
            return self._parse_block_slow(block, first_line, ncols)
        # records over several lines: a quote that is never closed is recovered there
        multi = np.flatnonzero(np.searchsorted(nl, stops) > np.searchsorted(nl, starts))
        if len(multi) and (
            invalid[multi].any()
            or any(
                self._swallowed(
                    block[starts[k] : stops[k]].decode(self.encoding, "replace").split("\n")[1:],
                    ncols,
                )
                for k in multi
            )
        ):
            return self._parse_block_slow(block, first_line, ncols)

        problems: list[Problem] = []
        skipped = [Skip(int(lines[i]), "blank_line", "") for i in np.flatnonzero(empty)]
        for n, text, actual in bad:
            row_no = int(lines[nonempty[n - 1]])
            if not text.strip():
                skipped.append(Skip(row_no, "blank_line", text))
            else:
                problems.append(
                    Problem(
                        row_no,
                        text,
                        "wrong_field_count",
                        self._field_count_message(text, ncols, actual),
                    )
                )
        idx = np.flatnonzero(valid)
        encoding = self.encoding

        def raw_text(positions: np.ndarray) -> list[str]:
            return [
                block[starts[idx[p]] : stops[idx[p]]].decode(encoding, errors="replace")
                for p in positions
            ]

        return skip_summaries(
            RawBatch(table, lines[idx], raw_text, problems, skipped), self._split
        )

    def _field_count_message(self, text: str, ncols: int, actual: int) -> str:
        """Why a record is not split into the header's fields (with a delimiter hint)."""
        msg = f"expected {ncols} fields (as in the header), found {actual}"
        for d in _sniff.DELIMITERS:
            if d != self.delimiter and len(_sniff.split_line(text, d, self.quotechar)) == ncols:
                shown = "tab" if d == "\t" else repr(d)
                return f"{msg}; the line seems to use {shown} as delimiter, not {self.delimiter!r}"
        return msg

    def _split(self, text: str) -> list[str]:
        return _sniff.split_line(text.replace("\r", ""), self.delimiter, self.quotechar)

    def _parse_block_slow(self, block: bytes, first_line: int, ncols: int) -> RawBatch:
        """Exact fallback with the csv module (used when pyarrow cannot split a block).

        Bytes that are not valid in the file's encoding are kept as escapes while
        parsing; a record containing any is quarantined (``invalid_encoding``).

        A quote that is never closed (``2026-03-01;"stray;1,5;mm``) would swallow the
        following lines into one field. A record that spans several lines is taken as
        such when its field count is wrong or one of its continuation lines is a whole
        record by itself: then only its first line is quarantined and parsing resumes
        on the next line, so the other records load unaltered.
        """
        text = block.decode(self.encoding, errors="surrogateescape")
        lines = [ln.rstrip("\r") for ln in text.split("\n")]
        cols: list[list[str | None]] = [[] for _ in range(ncols)]
        rows: list[int] = []
        raws: list[str] = []
        problems: list[Problem] = []
        skipped: list[Skip] = []
        nulls = set(self.null_values)
        if lines and lines[-1] == "":
            lines.pop()  # the block ends with a line break
        start = 0  # index of the line the current reader starts at

        def feed(first: int) -> Iterator[str]:
            for j in range(first, len(lines)):
                yield lines[j].replace("\r", "") + "\n"

        while start < len(lines):
            reader = csv.reader(
                feed(start),
                delimiter=self.delimiter,
                quotechar=self.quotechar or None,
                doublequote=True,
                strict=False,
            )
            prev = 0
            restart = None
            while True:
                try:
                    fields: list[str] | None = next(reader)
                    error = None
                except StopIteration:
                    break
                except csv.Error as exc:  # e.g. a field longer than csv.field_size_limit()
                    fields, error = None, exc
                at = start + prev
                span = lines[at : start + reader.line_num]
                prev = reader.line_num
                row_no = first_line + at
                raw = "\n".join(span)
                if len(span) > 1 and (
                    fields is None or len(fields) != ncols or self._swallowed(span[1:], ncols)
                ):
                    problems.append(
                        Problem(
                            row_no,
                            _visible(span[0]),
                            "wrong_field_count",
                            f"a quote ({self.quotechar}) opened on this line is not closed: "
                            "the line cannot be split into fields",
                        )
                    )
                    restart = at + 1
                    break
                if error is not None or fields is None:
                    problems.append(
                        Problem(
                            row_no,
                            _visible(raw),
                            "unreadable_record",
                            f"the record cannot be split into fields: {error}",
                        )
                    )
                elif _has_escapes(raw):
                    problems.append(
                        Problem(
                            row_no,
                            _visible(raw),
                            "invalid_encoding",
                            f"the record has bytes that are not valid {self.file_encoding}; "
                            "set encoding in the profile's [csv] table",
                        )
                    )
                elif not fields or not "".join(fields).strip():
                    skipped.append(Skip(row_no, "blank_line", raw))
                elif len(fields) != ncols:
                    problems.append(
                        Problem(
                            row_no,
                            raw,
                            "wrong_field_count",
                            self._field_count_message(raw, ncols, len(fields)),
                        )
                    )
                else:
                    for i, v in enumerate(fields):
                        cols[i].append(None if v in nulls else v)
                    rows.append(row_no)
                    raws.append(raw)
            if restart is None:
                break
            start = restart
        return skip_summaries(_batch(cols, ncols, rows, raws, problems, skipped), self._split)

    def _swallowed(self, continuation: list[str], ncols: int) -> bool:
        """True if a line inside a multi-line field is a whole record by itself.

        A line with an odd number of quote characters is not: it closes (or opens) the
        quoted field, as ``,0",0`` ends the field ``"c<newline>,0"``.
        """
        quote = self.quotechar
        return any(
            ln.count(self.delimiter) >= ncols - 1
            and not (quote and ln.count(quote) % 2)
            and len(_sniff.split_line(ln, self.delimiter, self.quotechar)) == ncols
            for ln in continuation
        )

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None


def _has_escapes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _visible(text: str) -> str:
    """Text with undecodable bytes (surrogate escapes) shown as U+FFFD."""
    return "".join("\ufffd" if "\udc80" <= ch <= "\udcff" else ch for ch in text)


def _last_record_end(buf: bytes, quote: int | None) -> int:
    """Offset just after the last newline in *buf* that ends a record (quote-aware)."""
    pos = buf.rfind(b"\n")
    if pos < 0 or quote is None or buf.find(bytes([quote])) < 0:
        return pos + 1
    arr = np.frombuffer(buf, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    q = np.flatnonzero(arr == quote)
    even = nl[np.searchsorted(q, nl) % 2 == 0]
    return int(even[-1]) + 1 if len(even) else 0


def _copy_with_newlines(path: Path) -> Path:
    """Copy a file with CR line endings, turning each CR into LF."""
    fd, name = tempfile.mkstemp(prefix="leankit-", suffix=".csv")
    with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(BLOCK_BYTES):
            dst.write(chunk.replace(b"\r", b"\n"))
    return Path(name)


def _mark_invalid(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: undecodable input becomes one escaped byte 0xFF.

    Written out with ``surrogateescape`` that is a byte no UTF-8 text contains, so
    the record holding it is quarantined as ``invalid_encoding``.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "\udcff", exc.end


codecs.register_error("leankit.invalid", _mark_invalid)


def _transcode_to_utf8(path: Path, encoding: str) -> Path:
    """Copy a (UTF-16) file as UTF-8; undecodable bytes become invalid UTF-8 bytes."""
    fd, name = tempfile.mkstemp(prefix="leankit-", suffix=".csv")
    decoder = codecs.getincrementaldecoder(encoding)(errors="leankit.invalid")
    try:
        with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
            first = True
            while chunk := src.read(BLOCK_BYTES):
                text = decoder.decode(chunk)
                if first and text:
                    text, first = text.removeprefix("\ufeff"), False
                dst.write(text.encode("utf-8", "surrogateescape"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8", "surrogateescape"))
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


# ------------------------------------------------------------------------- Excel


def _cell_text(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v.total_seconds())
    return str(v)


#: Largest sheet (rows x columns of its used range, from A1) the Excel reader reads.
#: The reader holds the whole range in memory (about 40 bytes a cell), so a stray
#: cell at XFD1048576 would cost hundreds of GB; such sheets are refused.
MAX_EXCEL_CELLS = 20_000_000
#: Excel error cells and formulas without a cached value remembered per sheet.
_MAX_SPECIAL = 100_000

_XLSX_SCAN = 4 << 20
_NS = r"(?:[A-Za-z_][\w.-]*:)?"
_CELL_REF = re.compile(
    rb"<" + _NS.encode() + rb"c\s[^>]*?\br=\"\$?([A-Za-z]{1,3})\$?(\d{1,7})\"[^>/]*>"
)
_CELL_OPEN = re.compile(rb"<" + _NS.encode() + rb"c[\s/>]")
_ERROR_CELL = re.compile(
    rb"<" + _NS.encode() + rb"c\s([^>]*\bt=\"e\"[^>/]*)>\s*(?:<" + _NS.encode()
    + rb"f\b[^>]*?(?:/>|>[^<]*</" + _NS.encode() + rb"f>))?\s*<" + _NS.encode()
    + rb"v>([^<]*)<"
)
_FORMULA_ONLY = re.compile(
    rb"<" + _NS.encode() + rb"c\s([^>]*?)>\s*<" + _NS.encode() + rb"f\b[^>]*?(?:/>|>[^<]*</"
    + _NS.encode() + rb"f>)\s*</" + _NS.encode() + rb"c>"
)
_R_ATTR = re.compile(rb"\br=\"\$?([A-Za-z]{1,3})\$?(\d{1,7})\"")


def _col_number(letters: bytes | str) -> int:
    """1-based column number of Excel column letters (``A`` -> 1, ``XFD`` -> 16384)."""
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass(slots=True)
class SheetScan:
    """What a pass over a worksheet's XML found: its extent and its special cells."""

    rows: int = 0  # last row with a value (1-based)
    cols: int = 0  # last column with a value (1-based)
    special: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) -> reason

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part name, from ``xl/workbook.xml`` and its relationships."""
    import xml.etree.ElementTree as ET

    def root(name: str) -> ET.Element:
        with zf.open(name) as f:
            return ET.fromstring(f.read(16 << 20))

    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    targets: dict[str, str] = {}
    for rel in root("xl/_rels/workbook.xml.rels"):
        target = rel.get("Target", "")
        target = target[1:] if target.startswith("/") else "xl/" + target
        targets[rel.get("Id", "")] = target
    out: dict[str, str] = {}
    for el in root("xl/workbook.xml").iter():
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = el.get(f"{{{rel_ns}}}id") or next(
                (v for k, v in el.attrib.items() if k.endswith("}id")), ""
            )  # transitional or strict OOXML namespace
            if rid in targets:
                out[el.get("name", "")] = targets[rid]
    return out


def scan_xlsx_sheet(stream: Any) -> SheetScan:
    """Find a worksheet's used range and its error/formula-only cells, streaming its XML.

    Memory stays bounded (4 MiB pieces, cut after whole rows). Cells are placed by
    their ``r`` reference; cells without one (rare writers) are placed by counting.
    Empty cells that only carry a style (``<c r="XFD1" s="1"/>``) hold no value and
    do not extend the range.
    """
    scan = SheetScan()
    buf = b""
    counting = False  # some cells have no r attribute: count rows and cells
    row_count = 0
    while True:
        chunk = stream.read(_XLSX_SCAN)
        buf = buf + chunk if buf else chunk
        if chunk:
            cut = buf.rfind(b"row>")
            cut = cut + 4 if cut >= 0 else buf.rfind(b">") + 1
            if cut <= 0:
                continue
            part, buf = buf[:cut], buf[cut:]
        else:
            part, buf = buf, b""
        refs = _fast_refs(part)
        if refs is None:  # attributes in another order, namespace prefixes, cells without r
            refs = _CELL_REF.findall(part)
            if not counting and len(_CELL_OPEN.findall(part)) > len(_R_ATTR.findall(part)):
                counting = True
        if refs:
            cols, rows = zip(*refs, strict=True)
            scan.rows = max(scan.rows, max(map(int, set(rows))))
            scan.cols = max(scan.cols, max(map(_col_number, set(cols))))
        if counting:
            for row in re.split(rb"<" + _NS.encode() + rb"row\b", part)[1:]:
                row_count += 1
                scan.rows = max(scan.rows, row_count)
                scan.cols = max(scan.cols, len(_CELL_OPEN.findall(row)))
        if len(scan.special) < _MAX_SPECIAL:
            if b't="e"' in part:
                for attrs, value in _ERROR_CELL.findall(part):
                    _note_special(scan, attrs, "cell {ref} holds the Excel error "
                                  + value.decode("utf-8", "replace"))
            if b"f>" in part or b"f/>" in part:
                for attrs in _FORMULA_ONLY.findall(part):
                    _note_special(scan, attrs, "cell {ref} has a formula without a cached "
                                  "result (the workbook was saved without calculating: open "
                                  "and save it in Excel, or export values)")
        if not chunk:
            return scan


_FAST_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"[^>/]*>')
_FAST_EMPTY = re.compile(rb'<c r="[A-Z]{1,3}\d{1,7}"[^>]*/>')


def _fast_refs(part: bytes) -> list[tuple[bytes, bytes]] | None:
    """References of the cells holding a value, if every cell is written ``<c r="A1" ...>``.

    The common layout (r first, no namespace prefix) is matched by one cheap pattern;
    None when some cell is written otherwise (the caller then uses the general scan).
    Self-closing cells (``<c r="XFD1" s="1"/>``) hold no value and are left out.
    """
    refs: list[tuple[bytes, bytes]] = _FAST_REF.findall(part)
    total = part.count(b"<c ") + part.count(b"<c>") + part.count(b"<c/>")
    if b":c " in part or b":c>" in part:
        return None
    if len(refs) != total and len(refs) + len(_FAST_EMPTY.findall(part)) != total:
        return None
    return refs


_ODS_TAG = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>"
)
_ODS_REPEAT = re.compile(rb'number-(?:rows|columns)-repeated="(\d{1,10})"')
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')


def scan_ods_content(stream: Any) -> dict[str, SheetScan]:
    """The used range of every sheet of an ``.ods`` ``content.xml``, streaming it.

    Repeated rows and cells (``table:number-rows-repeated``) count as often as they
    repeat once they hold a value; empty repeats at the end of a row or a sheet (as
    LibreOffice writes them) do not extend the range.
    """
    from xml.sax.saxutils import unescape

    out: dict[str, SheetScan] = {}
    name: str | None = None
    row = last_row = width = col = row_width = 0
    row_rep = 1
    buf = b""
    while True:
        chunk = stream.read(_XLSX_SCAN)
        buf = buf + chunk if buf else chunk
        if chunk:
            cut = buf.rfind(b">") + 1
            if cut <= 0:
                continue
            part, buf = buf[:cut], buf[cut:]
        else:
            part, buf = buf, b""
        for m in _ODS_TAG.finditer(part):
            closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
            rep_m = _ODS_REPEAT.search(attrs) if not closing else None
            rep = int(rep_m.group(1)) if rep_m else 1
            if tag == b"table":
                if closing:
                    if name is not None:
                        out[name] = SheetScan(rows=last_row, cols=width)
                    name = None
                else:
                    nm = _ODS_NAME.search(attrs)
                    name = unescape(nm.group(1).decode("utf-8", "replace")) if nm else ""
                    row = last_row = width = 0
            elif tag == b"table-row":
                if not closing:
                    row_rep, col, row_width = rep, 0, 0
                    if empty:  # <table:table-row/>: an empty row
                        row += rep
                else:
                    if row_width:
                        last_row = row + row_rep
                        width = max(width, row_width)
                    row += row_rep
            elif not closing:  # a cell
                col += rep
                if not empty or b"value-type" in attrs:
                    row_width = col
        if not chunk:
            return out


def _note_special(scan: SheetScan, attrs: bytes, message: str) -> None:
    m = _R_ATTR.search(attrs)
    if m is None or len(scan.special) >= _MAX_SPECIAL:
        return
    col, row = _col_number(m.group(1)), int(m.group(2))
    scan.special[(row - 1, col - 1)] = message.format(ref=f"{_col_letters(col)}{row}")


class ExcelSource(Source):
    """A sheet of an ``.xlsx`` (or ``.xls``/``.ods``) workbook, read with calamine.

    For ``.xlsx``/``.xlsm`` the sheet's XML is scanned first: a used range of more
    than :data:`MAX_EXCEL_CELLS` cells is refused (calamine would hold all of it in
    memory), and cells holding an Excel error (``#DIV/0!``) or a formula without a
    cached result are quarantined as ``excel_error``. Every failure of the workbook
    library is reported as :class:`~leankit.errors.InputFileError`.
    """

    format = "excel"

    def __init__(self, path: Path, sheet: str | int | None, null_values: tuple[str, ...]):
        super().__init__(path)
        from python_calamine import CalamineWorkbook

        self._ods = path.suffix.lower() == ".ods"
        self._ods_scans: dict[str, SheetScan] | None = None
        if self._ods:  # calamine reads every sheet of an .ods when it opens it
            self._check_ods(path)
        try:
            self._wb = CalamineWorkbook.from_path(str(path))
            self.sheet_names = [str(n) for n in self._wb.sheet_names]
        except BaseException as exc:  # calamine raises its own types (and Rust panics)
            _reraise_fatal(exc)
            raise InputFileError(
                f"{path.name}: cannot open as a workbook: {excerpt(exc)}. Check that the file "
                "is a complete .xlsx/.xls/.ods workbook (re-export or re-save it)"
            ) from None
        self._zip = path.suffix.lower() in (".xlsx", ".xlsm")
        self._parts: dict[str, str] | None = None
        self.null_values = set(null_values)
        self.requested_sheet = sheet
        self.sheet: str | None = None
        self.unreadable: dict[str, InputFileError] = {}
        self._rows: list[list[Any]] | None = None
        self._special: dict[tuple[int, int], str] = {}
        if sheet is not None:
            self.select(sheet)

    def _check_ods(self, path: Path) -> None:
        """Refuse an .ods whose sheets together exceed :data:`MAX_EXCEL_CELLS` cells."""
        try:
            with zipfile.ZipFile(path) as zf, zf.open("content.xml") as f:
                self._ods_scans = scan_ods_content(f)
        except Exception as exc:
            raise InputFileError(
                f"{path.name}: cannot open as a workbook: the file is damaged "
                f"({type(exc).__name__}: {excerpt(exc)}). Re-export or re-save it"
            ) from None
        total = sum(sc.cells for sc in self._ods_scans.values())
        if total > MAX_EXCEL_CELLS:
            name, big = max(self._ods_scans.items(), key=lambda kv: kv[1].cells)
            raise InputFileError(
                f"{path.name}: the sheets have a used range of {total:,} cells (sheet {name!r}: "
                f"{big.rows:,} rows x {big.cols:,} columns, up to cell "
                f"{_col_letters(big.cols)}{big.rows}), more than the {MAX_EXCEL_CELLS:,} cells "
                "leankit reads from a workbook. Delete the stray cells far from the data and "
                "save again, or export the sheet as CSV"
            )

    def _scan(self, sheet: str) -> SheetScan | None:
        """Scan the sheet's XML (``.xlsx``/``.xlsm``/``.ods``); None for other formats."""
        if not self._zip and not self._ods:
            return None
        try:
            with zipfile.ZipFile(self.path) as zf:
                if self._ods:
                    if self._ods_scans is None:
                        with zf.open("content.xml") as f:
                            self._ods_scans = scan_ods_content(f)
                    return self._ods_scans.get(sheet)
                if self._parts is None:
                    self._parts = _xlsx_sheet_parts(zf)
                part = self._parts.get(sheet)
                if part is None:
                    return None  # calamine found the sheet elsewhere: it reports any error
                with zf.open(part) as f:
                    return scan_xlsx_sheet(f)
        except Exception as exc:
            raise InputFileError(
                f"{self.path.name}: cannot read sheet {sheet!r}: the workbook is damaged "
                f"({type(exc).__name__}: {excerpt(exc)}). Re-export or re-save it"
            ) from None

    def select(self, sheet: str | int) -> None:
        """Choose the sheet to read.

        Raises
        ------
        InputFileError
            No such sheet, a used range above :data:`MAX_EXCEL_CELLS`, or a damaged
            workbook.
        """
        if isinstance(sheet, int):
            if not 0 <= sheet < len(self.sheet_names):
                raise InputFileError(
                    f"{self.path.name}: sheet index {sheet} out of range; the workbook has "
                    f"{len(self.sheet_names)} sheets: {', '.join(self.sheet_names)}"
                )
            sheet = self.sheet_names[sheet]
        if sheet not in self.sheet_names:
            from leankit.errors import suggest

            raise InputFileError(
                f"{self.path.name}: no sheet {sheet!r}{suggest(sheet, self.sheet_names)} "
                f"Sheets: {', '.join(self.sheet_names)}"
            )
        self.sheet = sheet
        self._rows = None
        scan = self._scan(sheet)
        if scan is not None and scan.cells > MAX_EXCEL_CELLS:
            raise InputFileError(
                f"{self.path.name}: sheet {sheet!r} has a used range of {scan.rows:,} rows x "
                f"{scan.cols:,} columns (up to cell {_col_letters(scan.cols)}{scan.rows}), "
                f"more than the {MAX_EXCEL_CELLS:,} cells leankit reads from a sheet. Delete "
                "the stray cells far from the data (Ctrl+End shows the last used cell) and "
                "save again, or export the sheet as CSV"
            )
        self._special = scan.special if scan is not None else {}
        try:
            self._rows = self._wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except BaseException as exc:
            _reraise_fatal(exc)
            raise InputFileError(
                f"{self.path.name}: cannot read sheet {sheet!r}: the workbook is damaged "
                f"({type(exc).__name__}: {excerpt(exc)}). Re-export or re-save it"
            ) from None

    def previews(self) -> Iterator[tuple[str, Preview]]:
        """A preview of every readable sheet (for choosing the sheet that fits a profile).

        Sheets that cannot be read are left out and listed in :attr:`unreadable`.
        """
        for name in self.sheet_names if self.sheet is None else [self.sheet]:
            try:
                self.select(name)
            except InputFileError as exc:
                self.unreadable[name] = exc
                continue
            yield name, self.preview()

    def preview(self) -> Preview:
        assert self._rows is not None
        rows = []
        for i, row in enumerate(self._rows[:PREVIEW_ROWS]):
            cells = [_cell_text(v) or "" for v in row]
            while cells and not cells[-1].strip():  # calamine pads rows to the sheet width
                cells.pop()
            rows.append((i + 1, cells))
        return Preview(rows=rows, format="excel", detail={"sheet": self.sheet})

    def batches(
        self, header_row: int, ncols: int, used: frozenset[int] | None = None
    ) -> Iterator[RawBatch]:
        assert self._rows is not None
        data = self._rows[header_row:]
        special: dict[int, list[tuple[int, str]]] = {}
        for (r, c), msg in self._special.items():
            if r >= header_row and (used is None or c in used):
                special.setdefault(r, []).append((c, msg))
        for off in range(0, len(data), EXCEL_BATCH):
            chunk = data[off : off + EXCEL_BATCH]
            cols: list[list[str | None]] = [[] for _ in range(ncols)]
            rows: list[int] = []
            raws: list[str] = []
            skipped: list[Skip] = []
            problems: list[Problem] = []
            for j, row in enumerate(chunk):
                row_no = header_row + off + j + 1
                texts = [_cell_text(v) for v in row]
                raw = "\t".join(t or "" for t in texts).rstrip("\t")
                errors = special.get(row_no - 1)
                if not raw.strip() and not errors:
                    skipped.append(Skip(row_no, "blank_line", ""))
                    continue
                extra = [t for t in texts[ncols:] if t]
                if extra:
                    problems.append(
                        Problem(
                            row_no,
                            raw,
                            "wrong_field_count",
                            f"values beyond the header's {ncols} columns: "
                            + ", ".join(excerpt(t, 50) for t in extra[:3]),
                        )
                    )
                    continue
                if errors:
                    problems.append(
                        Problem(row_no, raw, "excel_error", "; ".join(m for _, m in sorted(errors)))
                    )
                    continue
                texts += [None] * (ncols - len(texts))
                for i in range(ncols):
                    cols[i].append(_value(texts[i], self.null_values))
                rows.append(row_no)
                raws.append(raw)
            yield skip_summaries(
                _batch(cols, ncols, rows, raws, problems, skipped), lambda t: t.split("\t")
            )


def _reraise_fatal(exc: BaseException) -> None:
    """Re-raise interrupts; everything else (including Rust panics) becomes an input error."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


# ---------------------------------------------------------------------- JSON Lines

#: Most distinct keys the JSON reader accepts across a file's records.
MAX_JSON_KEYS = 2000


class _Num(str):
    """A JSON number kept as its exact source text (no float rounding)."""

    __slots__ = ()


class _DuplicateKey(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _DuplicateKey(f"duplicate key {dup!r} in one object")
    return out


def _loads(text: str | bytes) -> Any:
    """Parse JSON keeping numbers as their source text and refusing duplicate keys."""
    return json.loads(
        text, parse_float=_Num, parse_int=_Num, parse_constant=_Num, object_pairs_hook=_object
    )


def _dump(v: Any) -> str:
    """JSON text of a parsed value (numbers written as they were)."""
    if isinstance(v, _Num):
        return str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_dump(x)}"
                               for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_dump(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def _json_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return str(v)  # numbers included: their exact text (12345678901234567891 stays)
    return _dump(v)


class JsonLinesSource(Source):
    """A JSON Lines file (one JSON object per line), or a JSON array of objects.

    For JSON Lines, ``source_row`` is the line number; for an array, the 1-based
    position of the object in the array. The keys of every record (the whole file
    is scanned) make the header, so a key that first appears late is mapped or
    reported as unmapped like any other. Numbers keep their exact text until a
    canonical column parses them. Lines that are not valid UTF-8, not valid JSON,
    nested too deeply, or repeat a key are quarantined.
    """

    format = "jsonl"

    def __init__(self, path: Path, null_values: tuple[str, ...]):
        super().__init__(path)
        self.null_values = set(null_values)
        self._array: list[Any] | None = None
        with open(path, "rb") as f:
            head = f.read(4096)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise InputFileError(
                f"{path.name}: the file is UTF-16; JSON and JSON Lines files must be UTF-8. "
                "Re-save it as UTF-8"
            )
        self._bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        if head[self._bom :].lstrip().startswith(b"["):
            self.format = "json"
            try:
                doc = _loads(path.read_bytes()[self._bom :].decode("utf-8"))
            except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
                raise InputFileError(
                    f"{path.name}: not valid JSON: {excerpt(exc)}"
                ) from None
            if not isinstance(doc, list):
                raise InputFileError(f"{path.name}: expected an array of objects")
            self._array = doc
        keys: dict[str, None] = {}
        for obj in self._objects():
            if isinstance(obj, dict):
                keys.update(dict.fromkeys(obj))
                if len(keys) > MAX_JSON_KEYS:
                    raise InputFileError(
                        f"{path.name}: the records have more than {MAX_JSON_KEYS:,} distinct "
                        "keys; this is not a table export (one object of named fields per "
                        "record)"
                    )
        self.keys = list(keys)

    def _objects(self) -> Iterator[Any]:
        """Every record parsed quickly (for the keys only: numbers and duplicates unchecked)."""
        if self._array is not None:
            yield from self._array
            return
        with open(self.path, "rb") as f:
            for i, line in enumerate(f):
                try:
                    yield json.loads(line[self._bom :] if i == 0 else line)
                except (ValueError, RecursionError):
                    continue  # quarantined when the batches are read

    def _records(self) -> Iterator[tuple[int, Any, Problem | None, str]]:
        """``(row, object or None, problem or None, text)``; blank: (row, None, None, "")."""
        if self._array is not None:
            for i, obj in enumerate(self._array):
                try:
                    text = _dump(obj)
                except RecursionError:
                    text = ""
                if isinstance(obj, dict):
                    yield i + 1, obj, None, text
                else:
                    msg = "an array element must be a JSON object"
                    yield i + 1, None, Problem(i + 1, text, "malformed_json", msg), text
            return
        with open(self.path, "rb") as f:
            for i, line in enumerate(f):
                if i == 0:
                    line = line[self._bom :]
                yield (i + 1, *_parse_line(i + 1, line.rstrip(b"\r\n")))

    def preview(self) -> Preview:
        return Preview(rows=[(0, self.keys)], format=self.format)

    def before_header(self, header_row: int) -> list[Skip]:
        return []

    def batches(
        self, header_row: int, ncols: int, used: frozenset[int] | None = None
    ) -> Iterator[RawBatch]:
        keys = self.keys[:ncols]
        records = self._records()
        while True:
            chunk = list(itertools.islice(records, JSON_BATCH))
            if not chunk:
                return
            cols: list[list[str | None]] = [[] for _ in range(ncols)]
            rows: list[int] = []
            raws: list[str] = []
            problems: list[Problem] = []
            skipped: list[Skip] = []
            for line_no, obj, problem, text in chunk:
                if problem is not None:
                    problems.append(problem)
                    continue
                if obj is None:
                    skipped.append(Skip(line_no, "blank_line", ""))
                    continue
                try:
                    texts = [_json_text(obj.get(k)) for k in keys]
                except RecursionError:
                    problems.append(
                        Problem(line_no, "", "malformed_json", "the record is nested too deeply")
                    )
                    continue
                for i, t in enumerate(texts):
                    cols[i].append(_value(t, self.null_values))
                rows.append(line_no)
                raws.append(text)
            yield _batch(cols, ncols, rows, raws, problems, skipped)


def _parse_line(line_no: int, line: bytes) -> tuple[Any, Problem | None, str]:
    """Parse one JSON Lines record: ``(object, None, text)`` or ``(None, problem, text)``.

    A blank line gives ``(None, None, text)``.
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        shown = _visible(line.decode("utf-8", "surrogateescape"))
        problem = Problem(
            line_no,
            shown,
            "invalid_encoding",
            "the record has bytes that are not valid UTF-8 (JSON Lines files must be UTF-8)",
        )
        return None, problem, shown
    if not text.strip():
        return None, None, text
    try:
        obj = _loads(text)
    except RecursionError:
        msg = "not valid JSON: the record is nested too deeply"
        return None, Problem(line_no, text, "malformed_json", msg), text
    except ValueError as exc:
        msg = f"not valid JSON: {excerpt(exc)}"
        return None, Problem(line_no, text, "malformed_json", msg), text
    if not isinstance(obj, dict):
        msg = "a record must be a JSON object"
        return None, Problem(line_no, text, "malformed_json", msg), text
    return obj, None, text


def open_source(
    path: Path, profile_csv: dict[str, Any], sheet: str | int | None, null_values: tuple[str, ...]
) -> Source:
    """Open an export by its extension (``.csv``/``.txt``/``.tsv``, ``.xlsx``, ``.jsonl``)."""
    check_input_file(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return ExcelSource(path, sheet, null_values)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return JsonLinesSource(path, null_values)
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty")
    return CsvSource(path, profile_csv, null_values)


def check_input_file(path: Path) -> None:
    """Raise :class:`InputFileError` unless *path* is an existing regular file.

    The message says when the path is a directory (and how to load the files in it).
    """
    if path.is_dir():
        raise InputFileError(
            f"{str(path)!r} is not a file but a directory. Give one export file, or load "
            f"every export in it with a pattern, e.g. leankit ingest {path / '*.csv'} "
            "(or, in Python, ingest(sorted(Path(folder).glob('*.csv')), ...))"
        )
    if not path.exists():
        raise InputFileError(f"input file {str(path)!r} does not exist")
    if not path.is_file():
        raise InputFileError(f"{str(path)!r} is not a regular file")
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputFileError(f"cannot read input file {str(path)!r}: {reason}") from None
