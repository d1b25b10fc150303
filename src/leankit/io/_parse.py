"""Vectorised parsing of text columns: numbers, counts and timestamps.

Every parser returns the parsed values plus a boolean numpy mask of the entries that
were present but could not be parsed; the caller turns those into quarantine
entries. Nothing is coerced silently: ``31.02.2026`` is an error, not 3 March.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TS = pa.timestamp("us", tz="UTC")
NAIVE = pa.timestamp("us")
ISO = "ISO8601"

_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_ISO = (
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}([.,]\d+)?)?)?)?"
    r"\s?(Z|z|[+-]\d{2}(:?\d{2})?)?$"
)
# an offset after the time of day (a date alone, "2026-07-01", has none)
_ISO_OFFSET = r"[T ]\d{2}(:\d{2}(:\d{2}([.,]\d+)?)?)?\s?(Z|z|[+-]\d{2}(:?\d{2})?)$"


def mask(arr: pa.Array) -> np.ndarray:
    """A pyarrow boolean array as a numpy bool array (nulls -> False)."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def present(arr: pa.Array) -> np.ndarray:
    """True where *arr* has a value."""
    return mask(pc.is_valid(arr))


def _where(keep: np.ndarray, arr: pa.Array) -> pa.Array:
    """*arr* with entries outside *keep* set to null."""
    return pc.if_else(pa.array(keep, type=pa.bool_()), arr, pa.scalar(None, type=arr.type))


def parse_numbers(
    text: pa.Array, *, decimal: str = ".", thousands: str | None = None
) -> tuple[pa.Array, np.ndarray]:
    """Parse decimal numbers written with the given decimal mark and thousands separator.

    Returns float64 values and the mask of unparseable entries. Grouped digits are
    only accepted in the declared pattern (``1.234.567,8`` with decimal ``,``).
    Infinite and NaN texts are rejected, and so are numbers outside the float64
    range: ``1e400`` (overflow) and ``1e-400`` (a nonzero number that would become
    0.0). Other numbers are rounded to the nearest float64, as any decimal is:
    integers above 2**53 keep about 16 significant digits.

    Examples
    --------
    >>> values, bad = parse_numbers(pa.array(["1.5", "1e-400", "1e400", "0e-400", None]))
    >>> values.to_pylist(), bad.tolist()
    ([1.5, None, None, 0.0, None], [False, True, True, False, False])
    """
    s = text
    if thousands:
        d = "\\" + decimal if decimal == "." else decimal
        t = "\\" + thousands if thousands == "." else thousands
        grouped = rf"^[+-]?\d{{1,3}}({t}\d{{3}})+({d}\d+)?$"
        s = pc.if_else(
            pc.match_substring_regex(s, grouped), pc.replace_substring(s, thousands, ""), s
        )
    bad_extra = None
    if decimal == ",":
        bad_extra = mask(pc.match_substring(s, "."))
        s = pc.replace_substring(s, ",", ".")
    try:
        values = pc.cast(s, pa.float64())
        bad = np.zeros(len(s), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        ok = mask(pc.match_substring_regex(s, _NUMBER))
        bad = present(s) & ~ok
        values = pc.cast(_where(ok, s), pa.float64())
    if bad_extra is not None and bad_extra.any():
        bad |= bad_extra
        values = _where(~bad_extra, values)
    finite = mask(pc.is_finite(values))
    nonfinite = present(values) & ~finite  # "inf", "nan", and overflow such as 1e400
    # underflow: a nonzero mantissa that float64 rounds to 0.0 (1e-400) is out of range
    zero = mask(pc.equal(values, 0.0))
    if zero.any():
        nonfinite |= zero & mask(pc.match_substring_regex(s, r"^[+-]?[^eE]*[1-9]"))
    if nonfinite.any():
        bad |= nonfinite
        values = _where(~nonfinite, values)
    return values, bad


def parse_counts(
    text: pa.Array, *, decimal: str = ".", thousands: str | None = None
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Parse non-negative integer counts.

    Returns int64 values, the mask of unparseable or non-integral entries, and the
    mask of negative ones (kept apart so the reason can say "negative count").
    """
    values, bad = parse_numbers(text, decimal=decimal, thousands=thousands)
    frac = mask(pc.not_equal(values, pc.floor(values)))
    neg = mask(pc.less(values, 0.0))
    big = mask(pc.greater(pc.abs(values), 2.0**53))
    bad = bad | frac | big
    drop = bad | neg
    values = _where(~drop, values)
    return pc.cast(values, pa.int64()), bad, neg


def _tolerant_cast(arr: pa.Array, typ: pa.DataType) -> tuple[pa.Array, np.ndarray]:
    """Cast, nulling entries that fail; returns values and the mask of failures."""
    try:
        return pc.cast(arr, typ), np.zeros(len(arr), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    n = len(arr)
    if n <= 16:
        out = []
        bad = np.zeros(n, dtype=bool)
        for i in range(n):
            try:
                out.append(pc.cast(arr.slice(i, 1), typ))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                out.append(pa.nulls(1, typ))
                bad[i] = True
        return pa.concat_arrays(out), bad
    h = n // 2
    a, ba = _tolerant_cast(arr.slice(0, h), typ)
    b, bb = _tolerant_cast(arr.slice(h), typ)
    return pa.concat_arrays([a, b]), np.concatenate([ba, bb])


@dataclass(slots=True)
class Timestamps:
    """Parsed timestamps (UTC) and the entries that need attention."""

    values: pa.Array  # timestamp[us, UTC], null where bad or unresolved
    unparseable: np.ndarray
    no_zone: np.ndarray  # naive text but the profile gives no time zone
    gap: np.ndarray  # local time inside a DST gap (does not exist)
    ambiguous: np.ndarray  # local time inside a DST overlap (occurs twice)
    earliest: pa.Array | None = None  # candidates for ambiguous entries
    latest: pa.Array | None = None
    wall: pa.Array | None = None  # naive wall-clock times (for "infer")
    naive: np.ndarray | None = None  # naive text read as local time in the given zone


def _strptime(text: pa.Array, fmt: str) -> tuple[pa.Array, np.ndarray]:
    """Parse with one strptime format; returns naive (or UTC if %z) values and success mask.

    Arrow's strptime rolls impossible dates over (31.02. -> 03.03.), so each parsed
    value is formatted back and compared with the text; entries that differ (for
    example unpadded ``1.3.2026``) are re-checked with Python's strict strptime.
    """
    aware = "%z" in fmt
    if "%f" in fmt:  # Arrow's strptime has no %f: parse such formats in Python
        parsed = pa.nulls(len(text), pa.timestamp("s", tz="UTC") if aware else pa.timestamp("s"))
        ok = present(text)
        recheck = np.flatnonzero(ok)
    else:
        parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        ok = present(parsed)
    if "%f" in fmt:
        pass
    elif not aware:
        back = pc.strftime(parsed, format=fmt)
        same = mask(pc.equal(back, text))
        recheck = np.flatnonzero(ok & ~same)
    else:
        recheck = np.flatnonzero(ok)
    parsed_us = pc.cast(parsed, TS if aware else NAIVE)
    if len(recheck):
        strs = text.take(pa.array(recheck)).to_pylist()
        fixed: list[dt.datetime | None] = []
        for s in strs:
            try:
                v = dt.datetime.strptime(s, fmt)
                if v.tzinfo is not None:
                    v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
                fixed.append(v)
            except ValueError:
                fixed.append(None)
        ok[recheck] = [f is not None for f in fixed]
        arr = parsed_us.cast(NAIVE).to_numpy(zero_copy_only=False).astype("datetime64[us]").copy()
        for i, f in zip(recheck, fixed, strict=True):
            if f is not None:
                arr[i] = np.datetime64(f, "us")
        parsed_us = pa.array(arr, type=NAIVE)
        if aware:
            parsed_us = pc.assume_timezone(parsed_us, "UTC")
    parsed_us = _where(ok, parsed_us)
    return parsed_us, ok


def _iso(text: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray, np.ndarray]:
    """Parse ISO 8601; returns (aware values, naive values, aware ok, naive ok)."""
    n = len(text)
    try:
        v = pc.cast(text, TS)
        return v, pa.nulls(n, NAIVE), present(text), np.zeros(n, dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    norm = pc.replace_substring(pc.utf8_upper(text), ",", ".")
    norm = pc.replace_substring_regex(norm, r"\s(Z|[+-]\d)", r"\1")
    like = mask(pc.match_substring_regex(norm, _ISO, ignore_case=True))
    has_off = mask(pc.match_substring_regex(norm, _ISO_OFFSET))
    date_only = mask(pc.match_substring_regex(norm, r"^\d{4}-\d{2}-\d{2}$"))
    if date_only.any():
        norm = pc.if_else(
            pa.array(date_only), pc.binary_join_element_wise(norm, pa.scalar("00:00:00"), "T"), norm
        )
    aware, bad_a = _tolerant_cast(_where(like & has_off, norm), TS)
    naive, bad_n = _tolerant_cast(_where(like & ~has_off, norm), NAIVE)
    return aware, naive, like & has_off & ~bad_a, like & ~has_off & ~bad_n


def parse_timestamps(
    text: pa.Array,
    *,
    formats: tuple[str, ...],
    timezone: str | None,
    nonexistent: str = "quarantine",
    ambiguous: str = "quarantine",
) -> Timestamps:
    """Parse timestamps with the profile's formats, then convert local times to UTC.

    Formats are tried in order; ISO 8601 (with or without offset) is always tried
    for what is left. Texts with an offset are exact. Naive texts are local times in
    *timezone*: DST gaps and overlaps are resolved by the *nonexistent* and
    *ambiguous* policies ("quarantine" marks them; "infer" is resolved later, in
    file order, by the caller).
    """
    n = len(text)
    todo = present(text)
    aware_parts: list[tuple[np.ndarray, pa.Array]] = []
    naive_parts: list[tuple[np.ndarray, pa.Array]] = []
    order = [f for f in formats if f != ISO] + [ISO]
    for fmt in order:
        if not todo.any():
            break
        cand = text if todo.all() else _where(todo, text)
        if fmt == ISO:
            aware, naive, ok_a, ok_n = _iso(cand)
            ok_a &= todo
            ok_n &= todo
            if ok_a.any():
                aware_parts.append((ok_a, aware))
            if ok_n.any():
                naive_parts.append((ok_n, naive))
            todo &= ~(ok_a | ok_n)
        else:
            vals, ok = _strptime(cand, fmt)
            ok &= todo
            if ok.any():
                (aware_parts if "%z" in fmt else naive_parts).append((ok, vals))
            todo &= ~ok
    unparseable = todo

    def combine(
        parts: list[tuple[np.ndarray, pa.Array]], typ: pa.DataType
    ) -> tuple[pa.Array, np.ndarray]:
        if not parts:
            return pa.nulls(n, typ), np.zeros(n, dtype=bool)
        if len(parts) == 1:
            return parts[0][1], parts[0][0]
        out = parts[0][1]
        got = parts[0][0].copy()
        for ok, vals in parts[1:]:
            out = pc.if_else(pa.array(ok), vals, out)
            got |= ok
        return out, got

    aware, has_aware = combine(aware_parts, TS)
    naive, has_naive = combine(naive_parts, NAIVE)
    no_zone = np.zeros(n, dtype=bool)
    gap = np.zeros(n, dtype=bool)
    amb = np.zeros(n, dtype=bool)
    result = aware
    earliest = latest = wall = None
    if has_naive.any():
        if timezone is None:
            no_zone = has_naive
        elif timezone.upper() == "UTC":
            local = pc.assume_timezone(naive, "UTC")
            result = local if not has_aware.any() else pc.if_else(pa.array(has_naive), local, aware)
        else:
            e = pc.assume_timezone(naive, timezone, ambiguous="earliest", nonexistent="earliest")
            l_ = pc.assume_timezone(naive, timezone, ambiguous="latest", nonexistent="latest")
            e, l_ = pc.cast(e, TS), pc.cast(l_, TS)  # same instants, typed as UTC
            diff = pc.subtract(pc.cast(l_, pa.int64()), pc.cast(e, pa.int64()))
            diff_np = np.asarray(pc.fill_null(diff, 0).to_numpy(zero_copy_only=False))
            gap = (diff_np > 0) & (diff_np < 60_000_000)
            amb = diff_np >= 60_000_000
            local = e
            if gap.any():
                if nonexistent == "shift_forward":
                    local = pc.if_else(pa.array(gap), l_, local)
                    gap = np.zeros(n, dtype=bool)
                elif nonexistent == "shift_backward":
                    gap = np.zeros(n, dtype=bool)
            if amb.any():
                if ambiguous == "latest":
                    local = pc.if_else(pa.array(amb), l_, local)
                    amb = np.zeros(n, dtype=bool)
                elif ambiguous == "earliest":
                    amb = np.zeros(n, dtype=bool)
                else:
                    earliest, latest, wall = e, l_, naive
            local = _where(~(gap | amb), local)
            result = local if not has_aware.any() else pc.if_else(pa.array(has_naive), local, aware)
    result = _where(~(unparseable | no_zone | gap | amb), result)
    read_local = has_naive & ~no_zone
    return Timestamps(
        result, unparseable, no_zone, gap, amb, earliest, latest, wall, naive=read_local
    )
