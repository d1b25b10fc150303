"""Fuzz the loaders with mutated exports of every sample format.

Small prefixes of the sample exports (see ``SAMPLE_FILES``) are mutated (byte
flips, insertions of NULs, BOMs, invalid UTF-8, delimiters, quotes and line breaks,
deletions, truncations, swapped delimiters; for Excel also the zip bytes and the
cell values). Every load must end in a result whose row accounting balances, or
in a :class:`~leankit.errors.LeankitError`; never another exception. Where a
mutation stays inside one record, every other record must load unaltered.

The suite is bounded (``FUZZ_EXAMPLES`` examples per test, derandomised so CI is
reproducible). For a longer, random run::

    LEANKIT_FUZZ_EXAMPLES=2000 LEANKIT_FUZZ_RANDOM=1 pytest tests/reliability/test_fuzz_loaders.py
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leankit.errors import LeankitError
from leankit.io import read_export
from leankit.io._readers import CsvSource

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"
FUZZ_EXAMPLES = int(os.environ.get("LEANKIT_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("LEANKIT_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: text exports: (sample path, kind, lines kept from the top, whether the last line is kept)
TEXT_SAMPLES = {
    "gauge_csv": ("measurements/line1_gauge.csv", "measurements", 30, True),
    "erp_csv": ("production/erp_shift_log.csv", "production", 25, True),
    "mes_jsonl": ("defects/mes_defects.jsonl", "defects", 25, False),
    "specs_csv": ("specs.csv", "specs", 100, False),
    "mes_json_array": ("defects/mes_defects.jsonl", "defects", 12, False),
}
#: lines above the first data line, per sample
HEAD_LINES = {"gauge_csv": 4, "erp_csv": 1, "mes_jsonl": 0, "specs_csv": 1, "mes_json_array": 0}
SUFFIX = {
    "gauge_csv": ".csv",
    "erp_csv": ".csv",
    "mes_jsonl": ".jsonl",
    "specs_csv": ".csv",
    "mes_json_array": ".json",
}

INSERTS = [
    b"\x00",
    b"\x00\x00\x00\x00",
    b"\xef\xbb\xbf",  # UTF-8 BOM
    b"\xff\xfe",  # UTF-16 LE BOM
    b"\xfe\xff",
    b"\xc3",  # truncated UTF-8 sequence
    b"\xe2\x82",
    b"\xff",
    b"\x81",  # undefined in cp1252
    b"\xe9",  # cp1252/latin-1 letter
    "Ø".encode(),
    b";",
    b",",
    b"\t",
    b"|",
    b'"',
    b"\n",
    b"\r",
    b"\r\n",
    b"{",
    b"}",
    b"[",
    b":",
    b"\\",
    b"1e-400",
    b"1e400",
    b"123456789012345678901234",
    b"Total ",
    b"NaN",
    b"-",
]

_op = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 30), st.integers(1, 255)),
    st.tuples(
        st.just("insert"),
        st.integers(0, 1 << 30),
        st.sampled_from(INSERTS) | st.binary(min_size=1, max_size=6),
    ),
    st.tuples(st.just("delete"), st.integers(0, 1 << 30), st.integers(1, 12)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 30), st.just(0)),
    st.tuples(
        st.just("swap"),
        st.integers(0, 1 << 30),
        st.sampled_from([(b";", b","), (b",", b";"), (b",", b"\t"), (b";", b"|"), (b",", b"")]),
    ),
)


def mutate(data: bytes, ops: list[tuple[str, int, Any]]) -> bytes:
    """Apply mutation operations; positions are taken modulo the current length."""
    buf = bytearray(data)
    for kind, pos, arg in ops:
        n = len(buf)
        at = pos % (n + 1)
        if kind == "flip" and n:
            buf[at % n] ^= arg
        elif kind == "insert":
            buf[at:at] = arg
        elif kind == "delete":
            del buf[at : at + arg]
        elif kind == "truncate":
            del buf[at:]
        elif kind == "swap":
            old, new = arg
            if pos % 3 == 0:  # the whole file
                buf = bytearray(bytes(buf).replace(old, new))
            else:  # one line
                start = bytes(buf).rfind(b"\n", 0, at) + 1
                end = bytes(buf).find(b"\n", at)
                end = n if end < 0 else end
                buf[start:end] = bytes(buf[start:end]).replace(old, new)
    return bytes(buf)


def prefix(name: str) -> bytes:
    rel, _kind, keep, last = TEXT_SAMPLES[name]
    lines = (SAMPLE_DATA / rel).read_bytes().splitlines(keepends=True)
    out = lines[:keep] + (lines[-1:] if last and len(lines) > keep else [])
    if name == "mes_json_array":  # the same records as one JSON array, one per line
        return b"[" + b",\n".join(ln.rstrip(b"\r\n") for ln in out) + b"]\n"
    return b"".join(out)


def check(res: Any) -> None:
    """The accounting invariants of one load."""
    acc = res.accounting
    assert acc.rows_read == acc.rows_loaded + acc.rows_quarantined
    assert len(res.data) == acc.rows_loaded
    assert len(res.quarantine) == acc.rows_quarantined
    rows = res.data["source_row"].tolist() + res.quarantine["source_row"].tolist()
    rows += res.skipped["source_row"].tolist()
    assert len(rows) == len(set(rows)), "a line is both loaded/quarantined/skipped"
    assert sum(acc.reasons.values()) == acc.rows_quarantined


def attempt(path: Path, kind: str) -> Any:
    """Load *path*; return the result, or None for a LeankitError. Any other error fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # data-quality warnings are expected here
        try:
            res = read_export(path, kind=kind)
        except LeankitError as exc:
            assert len(str(exc)) < 5000, "error messages must stay short"
            return None
    check(res)
    return res


def records(res: Any) -> dict[int, dict[str, Any]]:
    df = res.data.drop(columns=["source_file"])
    out = {}
    for rec in df.to_dict("records"):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        out[int(rec["source_row"])] = clean
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def baselines(workdir: Path) -> dict[str, tuple[bytes, dict[int, dict[str, Any]]]]:
    out = {}
    for name in TEXT_SAMPLES:
        data = prefix(name)
        path = workdir / f"base_{name}{SUFFIX[name]}"
        path.write_bytes(data)
        res = attempt(path, TEXT_SAMPLES[name][1])
        assert res is not None and res.accounting.rows_loaded > 0, name
        out[name] = (data, records(res))
    return out


# ----------------------------------------------------------------------- text formats


@pytest.mark.parametrize("name", sorted(TEXT_SAMPLES))
@FUZZ
@given(ops=st.lists(_op, min_size=1, max_size=4))
def test_mutated_text_exports_load_or_raise_a_leankit_error(name, ops, workdir, baselines):
    data = mutate(baselines[name][0], ops)
    path = workdir / f"any_{name}{SUFFIX[name]}"
    path.write_bytes(data)
    attempt(path, TEXT_SAMPLES[name][1])


#: bytes a one-record mutation may insert in a line (no line breaks; a quote that is
#: never closed quarantines its line only)
LOCAL = [b for b in INSERTS if not set(b) & {10, 13}] + [b"x", b"  ", b"0", b"."]


@pytest.mark.parametrize("name", sorted(TEXT_SAMPLES))
@FUZZ
@given(data=st.data())
def test_a_mutated_record_leaves_the_others_unaltered(name, data, workdir, baselines):
    base, expected = baselines[name]
    lines = base.splitlines(keepends=True)
    first = HEAD_LINES[name]
    i = data.draw(st.integers(first, len(lines) - 1), label="line index")
    body = lines[i].rstrip(b"\r\n")
    end = lines[i][len(body) :]
    ops = data.draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.sampled_from(LOCAL)),
                st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 6)),
                st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(1, 255)),
            ),
            min_size=1,
            max_size=3,
        ),
        label="ops",
    )
    new = mutate(body, ops)
    new = new.replace(b"\n", b"").replace(b"\r", b"")  # the record stays on its line
    lines[i] = new + end
    path = workdir / f"local_{name}{SUFFIX[name]}"
    path.write_bytes(b"".join(lines))
    # small CSV blocks: records cross block boundaries, blocks take the fast or slow path
    block = data.draw(st.sampled_from([None, 61, 500]), label="block bytes")
    old = CsvSource.blocks.__defaults__
    if block is not None:
        CsvSource.blocks.__defaults__ = (block,)
    try:
        res = attempt(path, TEXT_SAMPLES[name][1])
    finally:
        CsvSource.blocks.__defaults__ = old
    if res is None:
        return
    got = records(res)
    row = i + 1
    for r, rec in expected.items():
        if r != row:
            assert got.get(r) == rec, f"line {r} changed after mutating line {row}"
    assert set(got) - {row} <= set(expected), "a record appeared that was not loaded before"


# ------------------------------------------------------------------------------ Excel


@pytest.fixture(scope="module")
def small_xlsx(workdir: Path) -> tuple[bytes, list[list[Any]]]:
    """The first rows of line2_cmm.xlsx (both sheets), rewritten small with openpyxl."""
    openpyxl = pytest.importorskip("openpyxl")
    src = openpyxl.load_workbook(SAMPLE_DATA / "measurements/line2_cmm.xlsx", read_only=True)
    out = openpyxl.Workbook()
    out.remove(out.active)
    data_rows: list[list[Any]] = []
    for ws in src.worksheets:
        new = out.create_sheet(ws.title)
        for k, row in enumerate(ws.iter_rows(values_only=True)):
            if k >= 30:
                break
            new.append(list(row))
            if ws.title == "Messdaten":
                data_rows.append(list(row))
    src.close()
    path = workdir / "small.xlsx"
    out.save(path)
    return path.read_bytes(), data_rows


@FUZZ
@given(ops=st.lists(_op.filter(lambda o: o[0] != "swap"), min_size=1, max_size=3))
def test_mutated_xlsx_bytes_load_or_raise_a_leankit_error(ops, workdir, small_xlsx):
    path = workdir / "any.xlsx"
    path.write_bytes(mutate(small_xlsx[0], ops))
    attempt(path, "measurements")


XML_INSERTS = [
    b"<",
    b">",
    b'"',
    b"&",
    b"\x00",
    b'<c r="XFD1048576"><v>1</v></c>',
    b'<c r="A2" t="e"><v>#DIV/0!</v></c>',
    b"<f>1/0</f>",
    b' t="e"',
    b' t="s"',
    b"<v>9e999</v>",
    b"<v>99999999</v>",
    b"</row>",
    b'<row r="0">',
]


@FUZZ
@given(
    part=st.integers(0, 50),
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("insert"), st.integers(0, 1 << 30), st.sampled_from(XML_INSERTS)),
            st.tuples(st.just("delete"), st.integers(0, 1 << 30), st.integers(1, 40)),
            st.tuples(st.just("flip"), st.integers(0, 1 << 30), st.integers(1, 255)),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_mutated_xlsx_xml_loads_or_raises_a_leankit_error(part, ops, workdir, small_xlsx):
    """Mutate one XML part inside a valid zip (reaches the XML parsers, not only the zip)."""
    src = zipfile.ZipFile(io.BytesIO(small_xlsx[0]))
    names = [n for n in src.namelist() if n.endswith(".xml") or n.endswith(".rels")]
    target = names[part % len(names)]
    path = workdir / "xml.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            out.writestr(item, mutate(data, ops) if item.filename == target else data)
    attempt(path, "measurements")


CELL_VALUES = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "=1/0",
            "=NA()",
            "=SUM(A1:A3)",
            "#DIV/0!",
            "#N/A",
            "Total",
            "Total runout",
            "1e-400",
            "NaN",
            "",
            " ",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
)


@FUZZ
@given(data=st.data())
def test_mutated_xlsx_cells_leave_the_other_rows_unaltered(data, workdir, small_xlsx):
    import openpyxl

    path = workdir / "cells.xlsx"
    base_path = workdir / "small.xlsx"
    base = attempt(base_path, "measurements")
    assert base is not None
    expected = records(base)
    wb = openpyxl.load_workbook(base_path)
    ws = wb["Messdaten"]
    header = 4  # line of the header in the sample sheet
    n = data.draw(st.integers(1, 3), label="cells")
    touched = set()
    for _ in range(n):
        r = data.draw(st.integers(header + 1, ws.max_row + 2), label="row")
        c = data.draw(st.integers(1, 11), label="column")
        v = data.draw(CELL_VALUES, label="value")
        if isinstance(v, str):
            v = "".join(ch for ch in v if ch.isprintable())  # openpyxl refuses control chars
        try:
            ws.cell(row=r, column=c, value=v)
        except (ValueError, TypeError):
            continue
        touched.add(r)
    wb.save(path)
    res = attempt(path, "measurements")
    if res is None:
        return
    got = records(res)
    for r, rec in expected.items():
        if r not in touched:
            assert got.get(r) == rec, f"row {r} changed after mutating rows {sorted(touched)}"
