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
import io
import itertools
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from leankit.errors import InputFileError
from leankit.io import _sniff

PREVIEW_ROWS = 60
BLOCK_BYTES = 16 << 20
JSON_BATCH = 50_000
EXCEL_BATCH = 50_000

_SUMMARY = re.compile(
    r"^\W*(total|totals|sum|summe|gesamt|gesamtsumme|subtotal|zwischensumme|grand total|"
    r"anzahl|count|rows|records|average|mittelwert|end of (report|export|file)|ende)\b",
    re.IGNORECASE,
)


def is_summary_text(text: str) -> bool:
    """True if a line looks like a summary/trailer line (``Total;...``, ``Summe ...``)."""
    return bool(_SUMMARY.match(text.strip().strip('"')))


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
    def batches(self, header_row: int, ncols: int) -> Iterator[RawBatch]:
        """The records below the header, in batches."""

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
                (
                    no,
                    next(
                        csv.reader(
                            [t.replace("\r", "")],
                            delimiter=self.delimiter,
                            quotechar=self.quotechar,
                        ),
                        [],
                    ),
                )
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
        """Yield ``(block, first_line_number)``; each block ends at a record boundary."""
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
                if cut <= 0:
                    carry = buf  # one record longer than a block: read on
                    continue
                block, carry = buf[:cut], buf[cut:]
                yield block, line_no
                line_no += block.count(b"\n")

    def batches(self, header_row: int, ncols: int) -> Iterator[RawBatch]:
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

        problems: list[Problem] = []
        skipped = [Skip(int(lines[i]), "blank_line", "") for i in np.flatnonzero(empty)]
        for n, text, actual in bad:
            row_no = int(lines[nonempty[n - 1]])
            if not text.strip():
                skipped.append(Skip(row_no, "blank_line", text))
            elif is_summary_text(text):
                skipped.append(Skip(row_no, "summary_line", text))
            else:
                problems.append(
                    Problem(
                        row_no,
                        text,
                        "wrong_field_count",
                        f"expected {ncols} fields (as in the header), found {actual}",
                    )
                )
        idx = np.flatnonzero(valid)
        encoding = self.encoding

        def raw_text(positions: np.ndarray) -> list[str]:
            return [
                block[starts[idx[p]] : stops[idx[p]]].decode(encoding, errors="replace")
                for p in positions
            ]

        return RawBatch(table, lines[idx], raw_text, problems, skipped)

    def _parse_block_slow(self, block: bytes, first_line: int, ncols: int) -> RawBatch:
        """Exact fallback with the csv module (used when pyarrow cannot split a block).

        Bytes that are not valid in the file's encoding are kept as escapes while
        parsing; a record containing any is quarantined (``invalid_encoding``).
        """
        text = block.decode(self.encoding, errors="surrogateescape")
        lines = text.split("\n")
        reader = csv.reader(
            io.StringIO(text.replace("\r\n", "\n").replace("\r", ""), newline="\n"),
            delimiter=self.delimiter,
            quotechar=self.quotechar or None,
            doublequote=True,
            strict=False,
        )
        cols: list[list[str | None]] = [[] for _ in range(ncols)]
        rows: list[int] = []
        raws: list[str] = []
        problems: list[Problem] = []
        skipped: list[Skip] = []
        nulls = set(self.null_values)
        prev_line = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # pragma: no cover - csv with strict=False rarely raises
                problems.append(Problem(first_line + prev_line, "", "unreadable_record", str(exc)))
                continue
            row_no = first_line + prev_line
            raw = "\n".join(ln.rstrip("\r") for ln in lines[prev_line : reader.line_num])
            prev_line = reader.line_num
            if _has_escapes(raw):
                problems.append(
                    Problem(
                        row_no,
                        _visible(raw),
                        "invalid_encoding",
                        f"the record has bytes that are not valid {self.encoding}; "
                        "set encoding in the profile's [csv] table",
                    )
                )
            elif not fields or not "".join(fields).strip():
                skipped.append(Skip(row_no, "blank_line", raw))
            elif len(fields) != ncols:
                if is_summary_text(raw):
                    skipped.append(Skip(row_no, "summary_line", raw))
                else:
                    problems.append(
                        Problem(
                            row_no,
                            raw,
                            "wrong_field_count",
                            f"expected {ncols} fields (as in the header), found {len(fields)}",
                        )
                    )
            else:
                for i, v in enumerate(fields):
                    cols[i].append(None if v in nulls else v)
                rows.append(row_no)
                raws.append(raw)
        return _batch(cols, ncols, rows, raws, problems, skipped)

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


def _transcode_to_utf8(path: Path, encoding: str) -> Path:
    fd, name = tempfile.mkstemp(prefix="leankit-", suffix=".csv")
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(BLOCK_BYTES):
            dst.write(decoder.decode(chunk).lstrip("\ufeff").encode("utf-8"))
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))
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


class ExcelSource(Source):
    """A sheet of an ``.xlsx`` (or ``.xls``/``.ods``) workbook, read with calamine."""

    format = "excel"

    def __init__(self, path: Path, sheet: str | int | None, null_values: tuple[str, ...]):
        super().__init__(path)
        from python_calamine import CalamineWorkbook

        try:
            self._wb = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types
            raise InputFileError(f"{path.name}: cannot open as a workbook: {exc}") from None
        self.sheet_names = list(self._wb.sheet_names)
        self.null_values = set(null_values)
        self.requested_sheet = sheet
        self.sheet: str | None = None
        self._rows: list[list[Any]] | None = None
        if sheet is not None:
            self.select(sheet)

    def select(self, sheet: str | int) -> None:
        """Choose the sheet to read."""
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
        self._rows = self._wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)

    def previews(self) -> Iterator[tuple[str, Preview]]:
        """A preview of every sheet (for choosing the sheet that fits a profile)."""
        for name in self.sheet_names if self.sheet is None else [self.sheet]:
            self.select(name)
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

    def batches(self, header_row: int, ncols: int) -> Iterator[RawBatch]:
        assert self._rows is not None
        data = self._rows[header_row:]
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
                if not raw.strip():
                    skipped.append(Skip(row_no, "blank_line", ""))
                    continue
                extra = [t for t in texts[ncols:] if t]
                if extra:
                    problems.append(
                        Problem(
                            row_no,
                            raw,
                            "wrong_field_count",
                            f"values beyond the header's {ncols} columns: {extra[:3]}",
                        )
                    )
                    continue
                texts += [None] * (ncols - len(texts))
                for i in range(ncols):
                    cols[i].append(_value(texts[i], self.null_values))
                rows.append(row_no)
                raws.append(raw)
            yield _batch(cols, ncols, rows, raws, problems, skipped)


# ---------------------------------------------------------------------- JSON Lines


def _json_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else str(v)
    if isinstance(v, (int, str)):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


class JsonLinesSource(Source):
    """A JSON Lines file (one JSON object per line), or a JSON array of objects.

    For JSON Lines, ``source_row`` is the line number; for an array, the 1-based
    position of the object in the array.
    """

    format = "jsonl"

    def __init__(self, path: Path, null_values: tuple[str, ...]):
        super().__init__(path)
        self.null_values = set(null_values)
        self._array: list[Any] | None = None
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            head = f.read(4096).lstrip()
        if head.startswith("["):
            self.format = "json"
            try:
                with open(path, encoding="utf-8-sig") as f:
                    doc = json.load(f)
            except (ValueError, UnicodeDecodeError) as exc:
                raise InputFileError(f"{path.name}: not valid JSON: {exc}") from None
            if not isinstance(doc, list):
                raise InputFileError(f"{path.name}: expected an array of objects")
            self._array = doc
        keys: dict[str, None] = {}
        for _, text in itertools.islice(self._records(), 1000):
            try:
                obj = json.loads(text)
            except ValueError:
                continue
            if isinstance(obj, dict):
                keys.update(dict.fromkeys(obj))
        self.keys = list(keys)

    def _records(self) -> Iterator[tuple[int, str]]:
        if self._array is not None:
            for i, obj in enumerate(self._array):
                yield i + 1, json.dumps(obj, ensure_ascii=False)
            return
        with open(self.path, encoding="utf-8-sig", errors="replace") as f:
            for i, line in enumerate(f):
                yield i + 1, line.rstrip("\r\n")

    def preview(self) -> Preview:
        return Preview(rows=[(0, self.keys)], format=self.format)

    def before_header(self, header_row: int) -> list[Skip]:
        return []

    def batches(self, header_row: int, ncols: int) -> Iterator[RawBatch]:
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
            for line_no, text in chunk:
                if not text.strip():
                    skipped.append(Skip(line_no, "blank_line", ""))
                    continue
                try:
                    obj = json.loads(text)
                except ValueError as exc:
                    problems.append(
                        Problem(line_no, text, "malformed_json", f"not valid JSON: {exc}")
                    )
                    continue
                if not isinstance(obj, dict):
                    problems.append(
                        Problem(line_no, text, "malformed_json", "a record must be a JSON object")
                    )
                    continue
                for i, k in enumerate(keys):
                    cols[i].append(_value(_json_text(obj.get(k)), self.null_values))
                rows.append(line_no)
                raws.append(text)
            yield _batch(cols, ncols, rows, raws, problems, skipped)


def open_source(
    path: Path, profile_csv: dict[str, Any], sheet: str | int | None, null_values: tuple[str, ...]
) -> Source:
    """Open an export by its extension (``.csv``/``.txt``/``.tsv``, ``.xlsx``, ``.jsonl``)."""
    if not path.exists():
        raise InputFileError(f"input file {str(path)!r} does not exist")
    if not path.is_file():
        raise InputFileError(f"{str(path)!r} is not a file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return ExcelSource(path, sheet, null_values)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return JsonLinesSource(path, null_values)
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty")
    return CsvSource(path, profile_csv, null_values)
