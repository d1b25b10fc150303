"""Regression tests for loader reliability bugs found by attack testing.

Each test names the issue item it covers. Every load checks the accounting
invariant ``rows_read == rows_loaded + rows_quarantined``.
"""

from __future__ import annotations

import io
import json
import re
import resource
import time
import zipfile
from pathlib import Path

import pytest

from leankit.errors import InputFileError, LeankitError, ProfileError
from leankit.io import Profile, read_export

HEADER = "timestamp;characteristic;value;unit\n"


def load(path: Path, kind: str = "measurements", **kw: object):
    res = read_export(path, kind=kind, **kw)
    acc = res.accounting
    assert acc.rows_read == acc.rows_loaded + acc.rows_quarantined
    assert len(res.data) == acc.rows_loaded
    assert len(res.quarantine) == acc.rows_quarantined
    return res


def reasons(res) -> dict[int, str]:
    return dict(zip(res.quarantine["source_row"], res.quarantine["reason_code"], strict=True))


# ----------------------------------------------------------------- item 3: late JSON keys


def _defect(i: int, **extra: object) -> str:
    rec = {
        "ts": f"2026-08-31T06:{i % 60:02d}:00+02:00",
        "defect": "Scratch",
        "qty": 1,
        "inspected": 100,
        **extra,
    }
    return json.dumps(rec)


def test_item3_jsonl_key_first_seen_after_record_1000_is_loaded(w):
    lines = [_defect(i) for i in range(1500)]
    lines[1200] = _defect(1200, note="late description", operator_badge="B-17")
    res = load(w("d.jsonl", "\n".join(lines) + "\n"), "defects")
    assert res.accounting.rows_loaded == 1500
    desc = res.data.set_index("source_row")["description"]
    assert desc[1201] == "late description"
    assert desc.drop(1201).isna().all()
    assert res.source.mapping["description"] == "note"
    assert res.source.unmapped == ["operator_badge"]


# ----------------------------------------------------------- item 4: summary-like data rows


def test_item4_total_runout_rows_with_a_problem_are_quarantined(w):
    text = (
        HEADER
        + "2026-03-01T08:00:00;Total runout;12,5;µm\n"  # 2 fine
        + "2026-03-01T08:01:00;Total runout;kaputt;µm\n"  # 3 bad value
        + "2026-03-01T08:02:00;bore;1,5;mm\n"  # 4
        + "2026-03-01T08:03:00;Total runout;12,5\n"  # 5 wrong field count
        + "2026-03-01T08:04:00;Total runout;;µm\n"  # 6 missing value (last line)
    )
    # put the characteristic first: the "summary word" then starts the line
    text = "\n".join(
        ";".join([f[1], f[0], *f[2:]]) if len(f) > 1 else ";".join(f)
        for f in (ln.split(";") for ln in text.splitlines())
    )
    res = load(w("t.csv", text + "\n"))
    assert res.accounting.rows_read == 5
    assert res.data["source_row"].tolist() == [2, 4]
    assert reasons(res) == {3: "unparseable_number", 5: "wrong_field_count", 6: "missing_value"}
    assert res.accounting.lines_skipped == {}


def test_item4_count_row_with_text_fields_is_data_not_summary(w):
    text = "characteristic,value,unit,timestamp\nCount,x,mm,2026-03-01T08:00:00\n"
    res = load(w("c.csv", text))
    assert reasons(res) == {2: "unparseable_number"}
    assert res.skipped.empty


def test_item4_real_trailers_are_still_skipped(w):
    text = HEADER + "2026-03-01T08:00:00;a;1,5;mm\nSumme Messwerte;1\nTotal;;1,5;\nEnde\n"
    res = load(w("t.csv", text))
    assert res.accounting.rows_read == 1
    assert res.skipped["reason"].tolist() == ["summary_line"] * 3


def test_item4_summary_detection_rules():
    from leankit.io._readers import is_summary_fields, is_summary_text

    assert is_summary_fields(["Total", "", "567,300", "1.5"])
    assert is_summary_fields(["", "Grand Total", "3"])
    assert is_summary_fields(["End of report"])
    assert is_summary_text("Count: 42 rows")
    assert not is_summary_fields(["Total runout", "2026-03-01", "12.3", "µm"])
    assert not is_summary_fields(["Total", "HX-200", "3"])
    assert not is_summary_text("Summary of the day")


# ------------------------------------------------- item 5: one cp1252 line in a UTF-8 file


@pytest.mark.parametrize("at", [1, 500])
def test_item5_utf8_file_with_one_cp1252_line(w, at):
    rows = [f"2026-03-01T08:{i % 60:02d}:00;Rundlauf_Ø;{i},5;µm\n".encode() for i in range(600)]
    rows[at] = "2026-03-01T09:00:00;Prüfer;1,5;µm\n".encode("cp1252")
    res = load(w("u.csv", HEADER.encode() + b"".join(rows)))
    assert res.source.dialect["encoding"] == "utf-8"
    assert set(res.data["characteristic"]) == {"Rundlauf_Ø"}
    assert res.accounting.rows_loaded == 599
    assert reasons(res) == {at + 2: "invalid_encoding"}


def test_item5_plain_cp1252_file_is_still_cp1252(w):
    text = "timestamp;characteristic;value;unit\n2026-03-01T08:00:00;Maß;1,5;µm\n"
    res = load(w("c.csv", text.encode("cp1252")))
    assert res.source.dialect["encoding"] == "cp1252"
    assert res.data["characteristic"].tolist() == ["Maß"]
    assert res.data["unit"].tolist() == ["mm"]


# ------------------------------------------------------------- item 7: JSON Lines details


def test_item7_jsonl_invalid_utf8_is_quarantined(w):
    good = _defect(1, note="Grat ß").encode()
    bad = _defect(2, note="Grat X").encode().replace(b"X", b"\xdf")  # cp1252 ß
    res = load(w("d.jsonl", good + b"\n" + bad + b"\n" + good + b"\n"), "defects")
    assert res.data["description"].tolist() == ["Grat ß", "Grat ß"]
    assert reasons(res) == {2: "invalid_encoding"}
    assert "\ufffd" in res.quarantine["raw"].iloc[0]


def test_item7_big_integers_keep_their_text_in_text_columns(w):
    rec = json.loads(_defect(1))
    rec["lot"] = 12345678901234567891
    text = json.dumps(rec) + "\n" + json.dumps({**rec, "lot": 0}).replace(": 0", ": 1.10") + "\n"
    res = load(w("d.jsonl", text), "defects")
    assert res.data["lot"].tolist() == ["12345678901234567891", "1.10"]


def test_item7_underflow_is_quarantined_not_zero(w):
    text = HEADER + "2026-03-01T08:00:00;a;1e-400;mm\n2026-03-01T08:01:00;a;0e-400;mm\n"
    res = load(w("u.csv", text.replace(";", ",")))
    assert reasons(res) == {2: "unparseable_number"}
    assert res.data["value"].tolist() == [0.0]


def test_item7_duplicate_header_is_a_profile_error(w):
    text = "timestamp,characteristic,value,Value,unit\n2026-03-01T08:00:00,a,1,2,mm\n"
    with pytest.raises(ProfileError, match=r"more than one field for the value column.*'Value'"):
        read_export(w("d.csv", text), kind="measurements")


def test_item7_duplicate_json_key_is_quarantined(w):
    dup = _defect(1)[:-1] + ', "qty": 5}'
    res = load(w("d.jsonl", _defect(0) + "\n" + dup + "\n"), "defects")
    assert reasons(res) == {2: "malformed_json"}
    assert "duplicate key 'qty'" in res.quarantine["reason"].iloc[0]


# ---------------------------------------------------------------- items 10, 11, 15: Excel

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
    'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WBRELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _s(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def make_xlsx(path: Path, rows: str) -> Path:
    """A minimal workbook written by hand (sheet "Data"); *rows* is the sheetData XML."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        f'.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WBRELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


XLSX_HEADER = (
    '<row r="1">' + _s("A1", "timestamp") + _s("B1", "characteristic") + _s("C1", "value")
    + _s("D1", "unit") + "</row>"
)


def _xrow(r: int, value_cell: str) -> str:
    return (
        f'<row r="{r}">' + _s(f"A{r}", f"2026-03-01T08:0{r}:00") + _s(f"B{r}", "bore")
        + value_cell + _s(f"D{r}", "mm") + "</row>"
    )


@pytest.mark.parametrize("far", ["XFD1048576", "CV1048576"])
def test_item10_absurd_used_range_is_refused_quickly(tmp_path, far):
    row = re.sub(r"^[A-Z]+", "", far)
    rows = XLSX_HEADER + _xrow(2, '<c r="C2"><v>1.5</v></c>') + (
        f'<row r="{row}"><c r="{far}"><v>1</v></c></row>'
    )
    path = make_xlsx(tmp_path / "far.xlsx", rows)
    assert path.stat().st_size < 2000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match=r"used range of 1,048,576 rows.*Ctrl\+End"):
        read_export(path, kind="measurements")
    assert time.perf_counter() - t0 < 5
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100


def test_item10_styled_empty_cell_far_away_does_not_count(tmp_path):
    rows = XLSX_HEADER + _xrow(2, '<c r="C2"><v>1.5</v></c>')
    rows += '<row r="9"><c r="XFD9" s="1"/></row>'
    res = load(make_xlsx(tmp_path / "styled.xlsx", rows))
    assert res.data["value"].tolist() == [1.5]


def test_item15_excel_errors_and_uncached_formulas_have_their_own_reason(tmp_path):
    rows = (
        XLSX_HEADER
        + _xrow(2, '<c r="C2"><v>1.5</v></c>')
        + _xrow(3, '<c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
        + _xrow(4, '<c r="C4" t="e"><v>#N/A</v></c>')
        + _xrow(5, '<c r="C5"><f>SUM(X1:X9)</f></c>')
        + _xrow(6, '<c r="C6"><v>2.5</v></c>' + '<c r="F6" t="e"><v>#REF!</v></c>')  # unmapped
    )
    res = load(make_xlsx(tmp_path / "err.xlsx", rows))
    assert res.data["source_row"].tolist() == [2, 6]
    assert reasons(res) == {3: "excel_error", 4: "excel_error", 5: "excel_error"}
    why = dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True))
    assert why[3] == "cell C3 holds the Excel error #DIV/0!"
    assert why[4] == "cell C4 holds the Excel error #N/A"
    assert why[5].startswith("cell C5 has a formula without a cached result")


def _sample_xlsx_with(tmp_path: Path, change) -> Path:
    src = Path(__file__).resolve().parents[2] / "sample_data/measurements/line2_cmm.xlsx"
    out = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = change(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item, data)
    return out


CORRUPTIONS = {
    "sheet_truncated": lambda n, d: d[: len(d) // 2] if "worksheets/sheet" in n else d,
    "sheet_garbage": lambda n, d: b"\x00garbage<<" if "worksheets/sheet" in n else d,
    "sheet_missing": lambda n, d: None if "worksheets/sheet" in n else d,
    "strings_truncated": lambda n, d: d[: len(d) // 3] if "sharedStrings" in n else d,
    "strings_missing": lambda n, d: None if "sharedStrings" in n else d,
    "styles_garbage": lambda n, d: b"<styleSheet" if "styles" in n else d,
    "bad_cell_ref": lambda n, d: d.replace(b'r="B', b'r="B0x', 5) if "worksheets/s" in n else d,
    "bad_number": lambda n, d: d.replace(b"<v>", b"<v>1e999999x", 3) if "worksheets/" in n else d,
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_item11_corrupted_workbooks_raise_input_file_error_or_load(tmp_path, name):
    path = _sample_xlsx_with(tmp_path, CORRUPTIONS[name])
    outcome = _load_or_error(path)  # any other exception fails the test
    assert outcome == "loaded" or len(outcome) < 2000, outcome  # a short message


def _load_or_error(path: Path) -> str:
    """``"loaded"`` (with balanced accounting, see :func:`load`) or the LeankitError's text."""
    try:
        load(path)
    except LeankitError as exc:
        return str(exc)
    return "loaded"


def test_item11_corrupted_zip_bytes(tmp_path):
    data = bytearray(
        (Path(__file__).resolve().parents[2] / "sample_data/measurements/line2_cmm.xlsx")
        .read_bytes()
    )
    refused = 0
    for k, pos in enumerate(range(200, len(data), len(data) // 25)):
        bad = bytearray(data)
        bad[pos] ^= 0x5A
        path = tmp_path / f"z{k}.xlsx"
        path.write_bytes(bytes(bad))
        outcome = _load_or_error(path)  # any other exception fails the test
        refused += outcome != "loaded"
    assert refused > 0  # flipped bytes in a compressed workbook are noticed, not loaded


# ------------------------------------------------------------------- item 12: tracebacks


def test_item12_utf16_with_odd_trailing_byte(w):
    text = HEADER + "2026-03-01T08:00:00;a;1,5;mm\n2026-03-01T08:01:00;b;2,5;mm"
    res = load(w("u.csv", text.encode("utf-16") + b"\x0a"))
    assert res.data["characteristic"].tolist() == ["a"]
    assert reasons(res) == {3: "invalid_encoding"}
    assert "utf-16" in res.quarantine["reason"].iloc[0]


def test_item12_deeply_nested_json_line_is_quarantined(w):
    deep = '{"ts": ' + "[" * 100_000 + "]" * 100_000 + "}"
    res = load(w("d.jsonl", _defect(0) + "\n" + deep + "\n"), "defects")
    assert reasons(res) == {2: "malformed_json"}
    assert "nested too deeply" in res.quarantine["reason"].iloc[0]


def test_item12_deeply_nested_json_array_is_an_input_error(w):
    with pytest.raises(InputFileError, match="not valid JSON"):
        read_export(w("d.json", "[" * 100_000 + "]" * 100_000), kind="defects")


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("delimiter", ";;", "delimiter = ';;' is not allowed; use one character"),
        ("delimiter", "", "delimiter = '' is not allowed"),
        ("quotechar", "", "quotechar = '' is not allowed; use one character"),
        ("quotechar", "ab", "quotechar = 'ab' is not allowed"),
        ("thousands", "..", "thousands = '..' is not allowed"),
        ("header_row", 0, "header_row = 0 is not allowed"),
    ],
)
def test_item12_bad_csv_overrides_are_profile_errors(w, profile_file, key, value, match):
    toml = f'[profile]\nname = "p"\nkind = "measurements"\n[csv]\n{key} = {json.dumps(value)}\n'
    with pytest.raises(ProfileError, match=match):
        read_export(w("x.csv", HEADER), kind="measurements", profile=profile_file(toml))
    with pytest.raises(ProfileError, match=match):
        Profile(name="p", csv={key: value})


# -------------------------------------------------------------- item 15: unclear errors


def test_item15_nul_file_gives_a_short_message(w):
    with pytest.raises(LeankitError) as info:
        read_export(w("nul.csv", b"\x00" * 400_000), kind="measurements")
    assert len(str(info.value)) < 1000
    assert "\\x00" in str(info.value)


def test_item15_long_header_is_truncated(w):
    text = "x" * 300_000 + ";" + "y" * 300_000 + "\n1;2\n"
    with pytest.raises(ProfileError) as info:
        read_export(w("long.csv", text), kind="measurements")
    assert len(str(info.value)) < 1500


def test_item15_directory_says_directory_and_suggests_a_glob(tmp_path):
    with pytest.raises(InputFileError, match=r"is not a file but a directory.*\*\.csv"):
        read_export(tmp_path, kind="measurements")


def test_item15_mixed_delimiters_are_explained(w):
    lines = [HEADER] + [f"2026-03-01T08:0{i}:00,a,1.5,mm\n" for i in range(6)]
    with pytest.raises(ProfileError, match=r"different delimiters \(',' in 6 lines, ';' in 1"):
        read_export(w("m.csv", "".join(lines)), kind="measurements")


def test_item15_jsonl_utf16_is_refused_clearly(w):
    with pytest.raises(InputFileError, match="UTF-16"):
        read_export(w("d.jsonl", (_defect(0) + "\n").encode("utf-16")), kind="defects")


def test_csv_field_longer_than_the_csv_module_limit_is_quarantined(w):
    text = HEADER + "2026-03-01T08:00:00;a;1,5;mm\n" + '"' + "z" * 200_000 + "\n"
    res = load(w("big.csv", text))
    assert res.data["characteristic"].tolist() == ["a"]
    assert res.accounting.rows_quarantined == 1


@pytest.mark.parametrize(
    ("xml", "rows", "cols"),
    [
        ('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="1"/></row>', 1, 1),
        ('<row r="3"><c s="1" r="CV9" t="n"><v>1</v></c></row>', 9, 100),
        ('<x:row r="2"><x:c r="D7"><x:v>1</x:v></x:c></x:row>', 7, 4),
        ("<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>", 2, 2),
        ('<row r="1"><c r="B2"><v>1</v></c><c><v>2</v></c></row>', 2, 2),
    ],
)
def test_item10_used_range_scan_handles_every_cell_layout(xml, rows, cols):
    from leankit.io._readers import scan_xlsx_sheet

    doc = f"<worksheet><sheetData>{xml}</sheetData></worksheet>".encode()
    scan = scan_xlsx_sheet(io.BytesIO(doc))
    assert (scan.rows, scan.cols) == (rows, cols)


@pytest.mark.parametrize("data", [b"\x00" * 400_000, b"", b"\n\n", b"[1, 2]", b"1\n2\n"])
def test_item15_json_without_objects_is_a_short_profile_error(w, data):
    with pytest.raises(ProfileError, match="no record of the file is a JSON object") as info:
        read_export(w("d.jsonl", data), kind="defects")
    assert len(str(info.value)) < 700


def test_item15_a_data_line_with_another_delimiter_says_so(w):
    text = HEADER + "2026-03-01T08:00:00;a;1,5;mm\n2026-03-01T08:01:00,b,2.5,mm\n"
    res = load(w("m.csv", text))
    assert reasons(res) == {3: "wrong_field_count"}
    assert res.quarantine["reason"].iloc[0].endswith("seems to use ',' as delimiter, not ';'")


def test_unreadable_file_is_an_input_file_error(w):
    import os

    path = w("locked.csv", HEADER)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # running as root: permissions are not enforced
            pytest.skip("permissions are not enforced for this user")
        with pytest.raises(InputFileError, match="cannot read input file"):
            read_export(path, kind="measurements")
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised(w, codec):
    text = HEADER + "2026-03-01T08:00:00;Rundlauf_Ø;1,5;µm\n"
    res = load(w("u.csv", text.encode(codec)))
    assert res.data["characteristic"].tolist() == ["Rundlauf_Ø"]


def test_stray_quote_does_not_hold_the_rest_of_the_file_in_memory(w, monkeypatch):
    from leankit.io import _readers
    from leankit.io._readers import CsvSource

    monkeypatch.setattr(CsvSource.blocks, "__defaults__", (256,))
    monkeypatch.setattr(_readers, "MAX_RECORD_BYTES", 1024)
    rows = [f"2026-03-01T08:00:00;c{i};{i},5;mm\n" for i in range(400)]
    rows[2] = '2026-03-01T08:00:00;"stray;1,5;mm\n'
    path = w("q.csv", HEADER + "".join(rows))
    src = CsvSource(path, {}, ("",))
    sizes = [len(b) for b, _ in src.blocks(1)]
    src.close()
    assert max(sizes) <= 1024 + 256
    res = load(path)
    assert res.data["source_row"].min() == 2
    assert res.accounting.rows_loaded > 200  # reading resumed after the swallowed lines
    assert 4 in set(res.quarantine["source_row"])


@pytest.mark.parametrize(
    "stray",
    [
        '2026-03-01T08:00:00;"stray;1,5;mm',  # wrong field count
        '2026-03-01T08:00:00;c;1,5;"mm',  # field count right: the next lines are records
    ],
)
@pytest.mark.parametrize("block", [None, 50])
def test_unclosed_quote_quarantines_only_its_line(w, monkeypatch, stray, block):
    from leankit.io._readers import CsvSource

    if block:
        monkeypatch.setattr(CsvSource.blocks, "__defaults__", (block,))
    rows = [f"2026-03-01T08:{i:02d}:00;c{i};{i},5;mm\n" for i in range(30)]
    rows[3] = stray + "\n"
    res = load(w("q.csv", HEADER + "".join(rows)))
    assert reasons(res) == {5: "wrong_field_count"}
    assert "is not closed" in res.quarantine["reason"].iloc[0]
    assert res.data["source_row"].tolist() == [r for r in range(2, 32) if r != 5]
    assert res.data["characteristic"].tolist() == [f"c{i}" for i in range(30) if i != 3]


def make_ods(path: Path, rows: str) -> Path:
    """A minimal OpenDocument spreadsheet (sheet "Data"); *rows* is the table's XML."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:'
        'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
        'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
        'text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table '
        f'table:name="Data">{rows}</table:table></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry'
        ' manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-'
        'type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return path


def _ods_cells(*texts: str) -> str:
    cells = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>'
        for t in texts
    )
    return f"<table:table-row>{cells}</table:table-row>"


ODS_ROWS = _ods_cells("timestamp", "characteristic", "value", "unit") + _ods_cells(
    "2026-03-01T08:00:00", "bore", "1.5", "mm"
)


def test_item10_ods_with_a_huge_repeated_range_is_refused(tmp_path):
    big = (
        '<table:table-row table:number-rows-repeated="50000"><table:table-cell '
        'office:value-type="float" office:value="1" table:number-columns-repeated="1000"/>'
        "</table:table-row>"
    )
    path = make_ods(tmp_path / "big.ods", ODS_ROWS + big)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match=r"50,002,000 cells .*50,002 rows x 1,000 col"):
        read_export(path, kind="measurements")
    assert time.perf_counter() - t0 < 5
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100  # calamine would hold 50 M cells (1.6 GB) when opening it


def test_item10_ods_with_trailing_empty_repeats_loads(tmp_path):
    trailing = (
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
    )
    res = load(make_ods(tmp_path / "lo.ods", ODS_ROWS + trailing))
    assert res.data["value"].tolist() == [1.5]


def test_json_array_elements_that_are_not_objects_are_quarantined(w):
    text = "[" + _defect(0) + ", 1, null, [2], " + _defect(1) + "]"
    res = load(w("d.json", text), "defects")
    assert res.data["source_row"].tolist() == [1, 5]
    assert reasons(res) == {2: "malformed_json", 3: "malformed_json", 4: "malformed_json"}


def test_item15_a_title_with_a_comma_does_not_blame_the_delimiter(w):
    text = "Report, week 12\ntime;feature;reading\n2026-03-01T08:00:00;a;1,5\n"
    with pytest.raises(ProfileError) as info:
        read_export(w("t.csv", text), kind="measurements")
    assert "different delimiters" not in str(info.value)


def test_quoted_field_whose_next_line_looks_like_a_record_is_kept(w):
    """Regression (found by the loader property test): the continuation line ``,0",0``
    splits into as many fields as a record, but its odd quote closes the field
    ``"c<newline>,0"``; the record is one, not an unclosed quote plus a stray line."""
    text = (
        "timestamp,characteristic,value\n"
        "2026-01-03T02:02:00,c,0\n"
        '2026-01-04T03:03:00,"c\n,0",0\n'
        "2026-01-05T03:03:00,c,1\n"
    )
    res = read_export(w("q.csv", text), kind="measurements", profile="canonical")
    acc = res.accounting
    assert (acc.rows_read, acc.rows_loaded, acc.rows_quarantined) == (3, 3, 0)
    assert res.data["characteristic"].tolist() == ["c", "c\n,0", "c"]
