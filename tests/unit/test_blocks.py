"""CSV files are read in byte blocks: results must not depend on the block size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leankit.io import read_export
from leankit.io._readers import CsvSource, _last_record_end


def tiny_blocks(monkeypatch, size: int) -> None:
    # ``block_bytes`` is bound as a default argument when the class is defined, so
    # patching the module constant BLOCK_BYTES would have no effect.
    monkeypatch.setattr(CsvSource.blocks, "__defaults__", (size,))


def build_file(n: int = 60, crlf: bool = False, blank_lines: bool = False) -> str:
    nl = "\r\n" if crlf else "\n"
    lines = ["Report title;;;", "", "timestamp;characteristic;value;unit;note"]
    for i in range(n):
        ts = f"2026-03-01T{i // 60:02d}:{i % 60:02d}:00"
        k = i % 10
        if k == 1:
            lines.append(f'{ts};"multi{nl}line {i}";{i},5;mm;"a ""quoted"" {nl}note; with delim"')
        elif k == 3:
            lines.append(f"{ts};c{i};kaputt;mm;")
        elif k == 5:
            lines.append(f"{ts};c{i};{i},5")  # wrong field count
        elif k == 7:
            lines.append(f"31.02.2026;c{i};{i},5;mm;")
        elif k == 8 and blank_lines:
            lines.append("")
        else:
            lines.append(f"{ts};c{i};{i},25;µm;plain")
    lines.append("Summe;42")
    return nl.join(lines) + nl


def snapshot(res):
    d = res.data.drop(columns=["source_file"]).reset_index(drop=True)
    q = res.quarantine.sort_values("source_row").reset_index(drop=True)
    s = res.skipped.sort_values("source_row").reset_index(drop=True)
    return d, q, s, res.accounting


def assert_same(a, b):
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    pd.testing.assert_frame_equal(a[2], b[2])
    assert a[3] == b[3]


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("size", [1, 7, 64, 200])
def test_tiny_blocks_give_identical_results(w, monkeypatch, crlf, size):
    path = w("b.csv", build_file(crlf=crlf), "cp1252")
    ref = snapshot(read_export(path, kind="measurements", profile="canonical"))
    tiny_blocks(monkeypatch, size)
    got = snapshot(read_export(path, kind="measurements", profile="canonical"))
    assert_same(ref, got)


def test_block_reference_result_is_right(w):
    path = w("b.csv", build_file(crlf=True))
    res = read_export(path, kind="measurements", profile="canonical")
    # physical lines: 3 header lines; rows with k == 1 take 3 physical lines
    expected_lines, line = {}, 4
    for i in range(60):
        expected_lines[i] = line
        line += 3 if i % 10 == 1 else 1
    d = res.data
    good = [i for i in range(60) if i % 10 not in (3, 5, 7)]
    assert d["source_row"].tolist() == [expected_lines[i] for i in good]
    assert d["characteristic"].tolist()[1] == "multi\r\nline 1"
    assert d["value"].tolist()[0] == pytest.approx(0.00025)
    q = res.quarantine.sort_values("source_row")
    bad = [i for i in range(60) if i % 10 in (3, 5, 7)]
    assert q["source_row"].tolist() == [expected_lines[i] for i in bad]
    codes = {3: "unparseable_number", 5: "wrong_field_count", 7: "unparseable_timestamp"}
    assert q["reason_code"].tolist() == [codes[i % 10] for i in bad]
    assert res.skipped["source_row"].tolist() == [1, 2, line]
    assert res.skipped["reason"].tolist() == ["title_line", "blank_line", "summary_line"]


@pytest.mark.parametrize("size", [1, 16, 64])
def test_tiny_blocks_with_blank_lines_are_accounted(w, monkeypatch, size):
    path = w("b.csv", build_file(blank_lines=True))
    ref = read_export(path, kind="measurements", profile="canonical")
    tiny_blocks(monkeypatch, size)
    got = read_export(path, kind="measurements", profile="canonical")
    assert got.accounting == ref.accounting
    acc = got.accounting
    assert acc.rows_read == acc.rows_loaded + acc.rows_quarantined == 54
    assert acc.lines_skipped["blank_line"] == 7


def test_blocks_end_at_record_boundaries(tmp_path):
    text = 'a,b\n1,"x\ny"\n2,"z"\n3,w\n'
    path = tmp_path / "r.csv"
    path.write_bytes(text.encode())
    src = CsvSource(path, {}, ("",))
    blocks = list(src.blocks(1, block_bytes=3))
    assert b"".join(b for b, _ in blocks) == text.split("\n", 1)[1].encode()
    assert [n for _, n in blocks] == [2, 4, 5]
    assert [b for b, _ in blocks] == [b'1,"x\ny"\n', b'2,"z"\n', b"3,w\n"]


@pytest.mark.parametrize(
    ("buf", "quote", "cut"),
    [
        (b"a\nb\nc", None, 4),
        (b"a\nb\n", ord('"'), 4),
        (b'a\n"b\nc', ord('"'), 2),
        (b'"a\nb', ord('"'), 0),
        (b"abc", ord('"'), 0),
        (b'"x""y"\nz', ord('"'), 7),
    ],
)
def test_last_record_end(buf, quote, cut):
    assert _last_record_end(buf, quote) == cut


def block_source(tmp_path: Path, text: str) -> tuple[CsvSource, bytes]:
    path = tmp_path / "s.csv"
    path.write_bytes(text.encode())
    src = CsvSource(path, {}, ("",))
    return src, b"".join(b for b, _ in src.blocks(1))


SLOW_TEXT = (
    "timestamp,characteristic,value,unit\n"
    '2026-03-01T08:00:00,"two\nlines",1.5,mm\n'
    '2026-03-01T08:01:00,"say ""hi""",x,mm\n'
    "2026-03-01T08:02:00,short\n"
    '2026-03-01T08:03:00,"a,b",2,mm\n'
)


def test_fast_and_slow_block_parsers_agree_on_rows(tmp_path):
    src, blk = block_source(tmp_path, SLOW_TEXT)
    fast = src.parse_block(blk, 2, 4)
    slow = src._parse_block_slow(blk, 2, 4)
    assert fast.table.equals(slow.table)
    assert fast.source_row.tolist() == slow.source_row.tolist() == [2, 4, 6]
    assert [(p.source_row, p.code, p.raw) for p in fast.problems] == [
        (p.source_row, p.code, p.raw) for p in slow.problems
    ]


def test_slow_parser_raw_text_is_the_source_text(tmp_path):
    src, blk = block_source(tmp_path, SLOW_TEXT)
    slow = src._parse_block_slow(blk, 2, 4)
    fast = src.parse_block(blk, 2, 4)
    pos = np.arange(slow.table.num_rows)
    assert slow.raw_text(pos) == fast.raw_text(pos)
