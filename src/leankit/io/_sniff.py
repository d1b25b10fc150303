"""Sniff the dialect of a delimited text export: encoding, delimiter, decimal mark.

Everything sniffed can be overridden in the profile's ``[csv]`` table.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

from leankit.errors import InputFileError

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class Dialect:
    """How a delimited text file is written."""

    encoding: str
    bom: int  # length of the byte-order mark to skip
    delimiter: str
    quotechar: str = '"'


def sniff_encoding(sample: bytes) -> tuple[str, int]:
    r"""Return ``(encoding, bom_length)`` for the first bytes of a file.

    A file whose non-ASCII lines are mostly valid UTF-8 (multi-byte sequences) is read
    as UTF-8, with or without BOM; its few lines that are not valid UTF-8 are
    quarantined later (``invalid_encoding``) rather than garbling every other line.
    Otherwise cp1252 (the Windows default of Western European exports) or, where
    cp1252 has holes, latin-1.

    Examples
    --------
    >>> sniff_encoding("Rundlauf_Ø;1\nMaß;2\n".encode() + "Prüfer;3\n".encode("cp1252"))
    ('utf-8', 0)
    >>> sniff_encoding("Prüfer;Maß\n".encode("cp1252"))
    ('cp1252', 0)
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name, len(bom)
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16, 0
    try:
        # a sample shorter than the sample size is the whole file: it must end cleanly
        final = len(sample) < SAMPLE_BYTES
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=final)
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(sample):
        return "utf-8", 0
    if any(b in sample for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")):
        return "latin-1", 0
    return "cp1252", 0


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``-be`` if the text is UTF-16 without BOM (NUL in every other byte)."""
    head = sample[:4096]
    if len(head) < 16:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _mostly_utf8(sample: bytes) -> bool:
    """True if at least as many non-ASCII lines are valid UTF-8 as are not."""
    good = bad = 0
    lines = sample.split(b"\n")
    if len(sample) >= SAMPLE_BYTES:
        lines = lines[:-1]  # the last line may be cut inside a character
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return good > 0 and good >= bad


def sample_lines(sample: bytes, encoding: str, bom: int) -> list[str]:
    """Decode the sample and split it into whole lines (the last partial line dropped)."""
    text = sample[bom:].decode(encoding, errors="replace")
    lines = text.splitlines()
    if sample and not sample.endswith(b"\n") and len(sample) >= SAMPLE_BYTES:
        lines = lines[:-1]
    return lines


def split_line(line: str, delimiter: str, quotechar: str = '"') -> list[str]:
    """Split one line into fields (a line the csv module refuses is one field)."""
    try:
        return next(csv.reader([line], delimiter=delimiter, quotechar=quotechar or None), [])
    except csv.Error:  # e.g. a field longer than csv.field_size_limit()
        return [line]


def sniff_delimiter(lines: list[str], quotechar: str = '"') -> str:
    """Pick the delimiter whose field count is most consistent across the sample lines."""
    best, best_score = ",", (-1, -1)
    body = [ln.replace("\r", "") for ln in lines[:400] if ln.strip()]
    if not body:
        return ","
    for delim in DELIMITERS:
        try:
            counts = Counter(
                len(row)
                for row in csv.reader(
                    io.StringIO("\n".join(body)), delimiter=delim, quotechar=quotechar or None
                )
            )
        except csv.Error:  # a field longer than csv.field_size_limit(): split line by line
            counts = Counter(len(split_line(ln, delim, quotechar)) for ln in body)
        if sum(counts.values()) < len(body) / 2:
            # quoted fields swallowed most lines: a stray quote, split line by line
            counts = Counter(len(split_line(ln, delim, quotechar)) for ln in body)
        fields, freq = counts.most_common(1)[0]
        if fields < 2:
            continue
        score = (freq, fields)
        if score > best_score:
            best, best_score = delim, score
    return best


def delimiters_seen(lines: list[str], quotechar: str = '"') -> Counter[str]:
    """How many non-blank sample lines each delimiter splits best (most fields).

    Used to explain a header that does not match: an export whose lines mix ``;``
    and ``,`` cannot be split with one sniffed delimiter.
    """
    seen: Counter[str] = Counter()
    for ln in lines[:400]:
        if not ln.strip():
            continue
        counts = {d: len(split_line(ln.replace("\r", ""), d, quotechar)) for d in DELIMITERS}
        top = max(counts.values())
        if top > 1:
            seen[max(counts, key=lambda d: counts[d])] += 1
    return seen


_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")
_DOT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_COMMA_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def sniff_number_format(values: list[str], delimiter: str) -> tuple[str, str | None]:
    """Return ``(decimal, thousands)`` from sample values of numeric columns.

    A comma delimiter implies a decimal point. Otherwise the decimal mark is the one
    that more values use; a thousands separator is only taken from values that
    cannot be read any other way (``1.234,5`` or ``12,345.6``).
    """
    comma = sum(
        bool(_COMMA_DECIMAL.match(v)) or bool(_DOT_THOUSANDS.match(v) and "," in v) for v in values
    )
    dot = sum(
        bool(_DOT_DECIMAL.match(v)) or bool(_COMMA_THOUSANDS.match(v) and "." in v) for v in values
    )
    decimal = "," if delimiter != "," and comma > dot else "."
    thousands = None
    if decimal == ",":
        if any(_DOT_THOUSANDS.match(v) and "," in v for v in values) or any(
            v.count(".") > 1 and _DOT_THOUSANDS.match(v) for v in values
        ):
            thousands = "."
    elif any(_COMMA_THOUSANDS.match(v) for v in values):
        thousands = ","
    return decimal, thousands


def check_encoding(encoding: str) -> str:
    """Validate a codec name from a profile."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputFileError(
            f"unknown encoding {encoding!r} in the profile's [csv] table "
            "(use e.g. 'utf-8', 'cp1252', 'latin-1')"
        ) from None
