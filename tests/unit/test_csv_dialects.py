"""Delimited text exports: delimiters, number formats, encodings, quoting, layout."""

from __future__ import annotations

import tempfile

import pandas as pd
import pytest

from leankit.io import read_export

HEADER = ["timestamp", "characteristic", "value", "unit"]


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    lines = [delimiter.join(HEADER)] + [delimiter.join(r) for r in rows]
    return newline.join(lines) + newline


def load(path, **kw):
    kw.setdefault("profile", "canonical")
    return read_export(path, kind="measurements", **kw)


ROWS = [
    ["2026-03-01T08:00:00", "diameter", "25.01", "mm"],
    ["2026-03-01T08:01:00", "diameter", "24.99", "mm"],
    ["2026-03-01T08:02:00", "width", "8.5", "mm"],
]


# ----------------------------------------------------------------- delimiters


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(w, delimiter):
    res = load(w("d.csv", csv_text(ROWS, delimiter)))
    assert res.source.dialect["delimiter"] == delimiter
    assert res.data["value"].tolist() == [25.01, 24.99, 8.5]
    assert res.data["characteristic"].tolist() == ["diameter", "diameter", "width"]
    assert res.data["source_row"].tolist() == [2, 3, 4]
    assert res.accounting.rows_read == 3 == res.accounting.rows_loaded
    assert res.quarantine.empty


def test_tab_separated_txt_file(w):
    res = load(w("export.txt", csv_text(ROWS, "\t")))
    assert res.source.dialect["delimiter"] == "\t"
    assert res.source.format == "csv"
    assert res.accounting.rows_loaded == 3


def test_delimiter_override_in_profile(w, profile_file):
    # every line also splits into 2 fields on ',' -- the profile decides
    rows = [["2026-03-01T08:00:00", "a,b", "1", "mm"], ["2026-03-01T08:01:00", "c,d", "2", "mm"]]
    prof = profile_file('[profile]\nname = "semi"\n[csv]\ndelimiter = ";"\n')
    res = load(w("x.csv", csv_text(rows, ";")), profile=prof)
    assert res.source.dialect["delimiter"] == ";"
    assert res.data["characteristic"].tolist() == ["a,b", "c,d"]


def test_tab_delimiter_written_as_backslash_t_in_profile(w, profile_file):
    prof = profile_file('[profile]\nname = "tab"\n[csv]\ndelimiter = "\\\\t"\n')
    res = load(w("x.tsv", csv_text(ROWS, "\t")), profile=prof)
    assert res.source.dialect["delimiter"] == "\t"
    assert res.accounting.rows_loaded == 3


# ------------------------------------------------------------- number formats


def test_decimal_comma_in_semicolon_file(w):
    rows = [
        ["2026-03-01T08:00:00", "d", "25,01", "mm"],
        ["2026-03-01T08:01:00", "d", "-0,5", "mm"],
        ["2026-03-01T08:02:00", "d", "7", "mm"],
    ]
    res = load(w("d.csv", csv_text(rows, ";")))
    assert res.source.dialect["decimal"] == ","
    assert res.data["value"].tolist() == [25.01, -0.5, 7.0]


def test_decimal_comma_in_tab_file(w):
    rows = [["2026-03-01T08:00:00", "d", "1,25", "mm"], ["2026-03-01T08:01:00", "d", "2,5", "mm"]]
    res = load(w("d.tsv", csv_text(rows, "\t")))
    assert res.source.dialect["decimal"] == ","
    assert res.data["value"].tolist() == [1.25, 2.5]


def test_comma_delimiter_implies_decimal_point_and_quoted_thousands(w):
    rows = [
        ["2026-03-01T08:00:00", "d", '"1,234"', "mm"],
        ["2026-03-01T08:01:00", "d", '"12,345.5"', "mm"],
        ["2026-03-01T08:02:00", "d", "17.25", "mm"],
        ["2026-03-01T08:03:00", "d", "999", "mm"],
    ]
    res = load(w("t.csv", csv_text(rows, ",")))
    assert res.source.dialect["decimal"] == "."
    assert res.source.dialect["thousands"] == ","
    assert res.data["value"].tolist() == [1234.0, 12345.5, 17.25, 999.0]


def test_thousands_dot_and_decimal_comma_in_semicolon_file(w):
    rows = [
        ["2026-03-01T08:00:00", "d", "1.234,5", "mm"],
        ["2026-03-01T08:01:00", "d", "2,5", "mm"],
        ["2026-03-01T08:02:00", "d", "1.234.567,25", "mm"],
        ["2026-03-01T08:03:00", "d", "12,75", "mm"],
    ]
    res = load(w("t.csv", csv_text(rows, ";")))
    assert res.source.dialect["decimal"] == ","
    assert res.source.dialect["thousands"] == "."
    assert res.data["value"].tolist() == [1234.5, 2.5, 1234567.25, 12.75]


def test_thousands_dot_decimal_comma_when_all_values_are_large(w):
    rows = [
        ["2026-03-01T08:00:00", "d", "1.234,5", "mm"],
        ["2026-03-01T08:01:00", "d", "2.345,75", "mm"],
    ]
    res = load(w("t.csv", csv_text(rows, ";")))
    assert res.data["value"].tolist() == [1234.5, 2345.75]


def test_number_format_overrides_in_profile(w, profile_file):
    prof = profile_file(
        '[profile]\nname = "de"\n[csv]\ndelimiter = ";"\ndecimal = ","\nthousands = "."\n'
    )
    rows = [["2026-03-01T08:00:00", "d", "1.000", "mm"], ["2026-03-01T08:01:00", "d", "1,5", "mm"]]
    res = load(w("t.csv", csv_text(rows, ";")), profile=prof)
    assert res.data["value"].tolist() == [1000.0, 1.5]
    assert res.source.dialect["thousands"] == "."


def test_same_thousands_and_decimal_is_a_profile_error(w, profile_file):
    from leankit.errors import ProfileError

    prof = profile_file('[profile]\nname = "bad"\n[csv]\ndecimal = ","\nthousands = ","\n')
    with pytest.raises(ProfileError, match="thousands"):
        load(w("t.csv", csv_text(ROWS, ";")), profile=prof)


def test_dot_decimal_in_decimal_comma_file_is_quarantined(w):
    rows = [
        ["2026-03-01T08:00:00", "d", "1,5", "mm"],
        ["2026-03-01T08:01:00", "d", "2,5", "mm"],
        ["2026-03-01T08:02:00", "d", "2.5", "mm"],
    ]
    res = load(w("t.csv", csv_text(rows, ";")))
    q = res.quarantine
    assert q["source_row"].tolist() == [4]
    assert q["reason_code"].tolist() == ["unparseable_number"]
    assert q["value"].tolist() == ["2.5"]


# ------------------------------------------------------------------ encodings


def test_utf8_with_bom(w):
    res = load(w("b.csv", "\ufeff" + csv_text([["2026-03-01T08:00:00", "Ø", "1.5", "µm"]])))
    assert res.source.dialect["bom"] is True
    assert res.source.dialect["encoding"] == "utf-8"
    assert res.source.mapping["timestamp"] == "timestamp"  # BOM not part of the header
    assert res.data["characteristic"].tolist() == ["Ø"]
    assert res.data["value"].tolist() == [pytest.approx(0.0015)]


def test_utf8_without_bom(w):
    res = load(w("b.csv", csv_text([["2026-03-01T08:00:00", "Größe", "3", "µm"]])))
    assert res.source.dialect["bom"] is False
    assert res.source.dialect["encoding"] == "utf-8"
    assert res.data["characteristic"].tolist() == ["Größe"]
    assert res.data["unit"].tolist() == ["mm"]


GERMAN = (
    "Datum;Uhrzeit;Merkmal;Messwert;Einheit;Prüfer\r\n"
    "01.03.2026;08:00:00;Rundlauf;12,5;µm;Müller\r\n"
    "01.03.2026;08:01:00;Durchmesser;25,01;mm;Jörg Weiß\r\n"
)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_single_byte_encodings(w, encoding):
    path = w("g.csv", GERMAN, encoding)
    assert b"\xb5m" in path.read_bytes() and b"Pr\xfcfer" in path.read_bytes()
    res = read_export(path, kind="measurements", profile="gauge-de")
    assert res.source.dialect["encoding"] in ("cp1252", "latin-1")
    assert res.source.mapping["operator"] == "Prüfer"
    assert res.data["operator"].tolist() == ["Müller", "Jörg Weiß"]
    assert res.data["value"].tolist() == [pytest.approx(0.0125), 25.01]
    assert res.data["unit"].tolist() == ["mm", "mm"]
    assert res.data["timestamp"].tolist() == [
        pd.Timestamp("2026-03-01 07:00:00", tz="UTC"),
        pd.Timestamp("2026-03-01 07:01:00", tz="UTC"),
    ]


def test_latin1_with_bytes_undefined_in_cp1252_is_sniffed_as_latin1(w):
    # 0x81 is undefined in cp1252: the sniffer must fall back to latin-1
    text = csv_text(
        [["2026-03-01T08:00:00", "x\x81y", "1", "mm"], ["2026-03-01T08:01:00", "ü", "2", "mm"]]
    )
    res = load(w("l.csv", text, "latin-1"))
    assert res.source.dialect["encoding"] == "latin-1"
    assert res.data["characteristic"].tolist() == ["x\x81y", "ü"]


def test_encoding_override_in_profile(w, profile_file):
    prof = profile_file('[profile]\nname = "l1"\n[csv]\nencoding = "latin-1"\n')
    res = load(
        w("l.csv", csv_text([["2026-03-01T08:00:00", "Maß", "1", "mm"]]), "latin-1"), profile=prof
    )
    assert res.data["characteristic"].tolist() == ["Maß"]


def test_unknown_encoding_in_profile_is_an_input_file_error(w, profile_file):
    from leankit.errors import InputFileError

    prof = profile_file('[profile]\nname = "x"\n[csv]\nencoding = "klingon-8"\n')
    with pytest.raises(InputFileError, match="klingon-8"):
        load(w("l.csv", csv_text(ROWS)), profile=prof)


def test_declared_utf8_but_file_is_cp1252_quarantines_the_undecodable_rows(w, profile_file):
    prof = profile_file('[profile]\nname = "u8"\n[csv]\nencoding = "utf-8"\n')
    rows = [["2026-03-01T08:00:00", "Müller", "1", "mm"], ["2026-03-01T09:00:00", "ok", "2", "mm"]]
    path = w("l.csv", csv_text(rows), "cp1252")
    res = load(path, profile=prof)
    assert res.data["value"].tolist() == [2.0]
    assert res.quarantine["reason_code"].tolist() == ["invalid_encoding"]
    assert res.quarantine["source_row"].tolist() == [2]
    assert "encoding" in res.quarantine["reason"].iloc[0]
    assert "\ufffd" in res.quarantine["raw"].iloc[0]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_tab_delimited(w, tmp_path, monkeypatch, encoding):
    # Excel's "Unicode text": UTF-16 with BOM, tab-delimited, CRLF
    temp = tmp_path / "tmpdir"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    text = csv_text(
        [
            ["2026-03-01T08:00:00", "Prüfmaß", "12,5", "µm"],
            ["2026-03-01T08:01:00", "漢字", "3", "mm"],
        ],
        "\t",
        "\r\n",
    )
    bom = {"utf-16": "", "utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}[encoding]
    path = w("u.txt", bom + text, encoding)
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    res = load(path)
    assert res.source.dialect["delimiter"] == "\t"
    assert res.data["characteristic"].tolist() == ["Prüfmaß", "漢字"]
    assert res.data["value"].tolist() == [pytest.approx(0.0125), 3.0]
    assert res.data["source_row"].tolist() == [2, 3]
    assert list(temp.iterdir()) == []  # the transcoded copy is removed


def test_utf16_temporary_copy_removed_when_no_profile_fits(w, tmp_path, monkeypatch):
    from leankit.errors import ProfileError

    temp = tmp_path / "tmpdir"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    path = w("u.txt", "foo\tbar\n1\t2\n", "utf-16")
    with pytest.raises(ProfileError):
        load(path)
    assert list(temp.iterdir()) == []


# -------------------------------------------------------------------- quoting


def test_quoted_field_with_embedded_delimiter_and_doubled_quotes(w):
    text = (
        "timestamp,characteristic,value,unit\n"
        '2026-03-01T08:00:00,"bore, left",1.5,mm\n'
        '2026-03-01T08:01:00,"say ""hi""",2.5,mm\n'
        '"2026-03-01T08:02:00","plain","3.5","mm"\n'
    )
    res = load(w("q.csv", text))
    assert res.data["characteristic"].tolist() == ["bore, left", 'say "hi"', "plain"]
    assert res.data["value"].tolist() == [1.5, 2.5, 3.5]
    assert res.data["source_row"].tolist() == [2, 3, 4]


def test_embedded_newline_keeps_physical_line_numbers(w):
    text = (
        "timestamp,characteristic,value,unit\n"  # 1
        '2026-03-01T08:00:00,"two\nlines",1.5,mm\n'  # 2-3
        '2026-03-01T08:01:00,"three\nphysical\nlines",2.5,mm\n'  # 4-6
        "2026-03-01T08:02:00,after,3.5,mm\n"  # 7
        "2026-03-01T08:03:00,bad,abc,mm\n"  # 8
        "2026-03-01T08:04:00,short\n"  # 9
        "2026-03-01T08:05:00,last,4.5,mm\n"  # 10
    )
    res = load(w("q.csv", text))
    assert res.data["source_row"].tolist() == [2, 4, 7, 10]
    assert res.data["characteristic"].tolist() == [
        "two\nlines",
        "three\nphysical\nlines",
        "after",
        "last",
    ]
    q = res.quarantine.sort_values("source_row")
    assert q["source_row"].tolist() == [8, 9]
    assert q["reason_code"].tolist() == ["unparseable_number", "wrong_field_count"]
    assert q["raw"].tolist() == ["2026-03-01T08:03:00,bad,abc,mm", "2026-03-01T08:04:00,short"]


def test_embedded_crlf_newline_in_quoted_field(w):
    text = (
        "timestamp,characteristic,value,unit\r\n"
        '2026-03-01T08:00:00,"a\r\nb",1.5,mm\r\n'
        "2026-03-01T08:01:00,c,x,mm\r\n"
    )
    res = load(w("q.csv", text))
    assert res.data["source_row"].tolist() == [2]
    assert res.quarantine["source_row"].tolist() == [4]
    assert res.quarantine["raw"].tolist() == ["2026-03-01T08:01:00,c,x,mm"]


def test_crlf_line_endings(w):
    text = csv_text(ROWS + [["2026-03-01T08:03:00", "width", "oops", "mm"]], ";", "\r\n")
    res = load(w("crlf.csv", text))
    assert res.data["unit"].tolist() == ["mm", "mm", "mm"]
    assert res.data["characteristic"].tolist() == ["diameter", "diameter", "width"]
    assert res.data["source_row"].tolist() == [2, 3, 4]
    q = res.quarantine
    assert q["raw"].tolist() == ["2026-03-01T08:03:00;width;oops;mm"]  # no trailing \r
    assert q["value"].tolist() == ["oops"]


def test_file_without_final_newline(w):
    text = csv_text(ROWS).rstrip("\n")
    res = load(w("nofinal.csv", text))
    assert res.data["value"].tolist() == [25.01, 24.99, 8.5]


def test_whitespace_around_fields_is_trimmed(w):
    text = "timestamp ; characteristic ; value ; unit\n 2026-03-01T08:00:00 ; bore ;  1,5 ; mm \n"
    res = load(w("ws.csv", text))
    assert res.data["characteristic"].tolist() == ["bore"]
    assert res.data["value"].tolist() == [1.5]
    assert res.data["unit"].tolist() == ["mm"]


# ------------------------------------------------------------- layout / lines


def test_title_lines_above_header(w):
    text = "Measurement report line 1\nExported 2026-03-02;;;\n\n" + csv_text(ROWS, ";")
    res = load(w("t.csv", text))
    assert res.source.header_row == 4
    assert res.data["source_row"].tolist() == [5, 6, 7]
    sk = res.skipped
    assert sk["source_row"].tolist() == [1, 2, 3]
    assert sk["reason"].tolist() == ["title_line", "title_line", "blank_line"]
    assert sk["text"].tolist()[0] == "Measurement report line 1"
    assert res.accounting.lines_skipped == {"title_line": 2, "blank_line": 1}
    assert res.accounting.rows_read == 3


def test_header_row_override_in_profile(w, profile_file):
    # line 1 also looks like a header; the profile pins the real one
    text = "timestamp,value\n" + csv_text(ROWS)
    prof = profile_file('[profile]\nname = "hr"\n[csv]\nheader_row = 2\n')
    res = load(w("h.csv", text), profile=prof)
    assert res.source.header_row == 2
    assert res.data["source_row"].tolist() == [3, 4, 5]


def test_blank_lines_in_the_middle(w):
    text = (
        "timestamp;characteristic;value;unit\n"  # 1
        "2026-03-01T08:00:00;a;1,5;mm\n"  # 2
        "\n"  # 3
        "2026-03-01T08:01:00;b;2,5;mm\n"  # 4
        "\n"  # 5
        "\n"  # 6
        "2026-03-01T08:02:00;c;x;mm\n"  # 7
        "2026-03-01T08:03:00;d;3,5;mm\n"  # 8
    )
    res = load(w("b.csv", text))
    assert res.data["source_row"].tolist() == [2, 4, 8]
    assert res.data["characteristic"].tolist() == ["a", "b", "d"]
    assert res.quarantine["source_row"].tolist() == [7]
    sk = res.skipped
    assert sk.loc[sk.reason == "blank_line", "source_row"].tolist() == [3, 5, 6]
    assert res.accounting.lines_skipped == {"blank_line": 3}
    assert res.accounting.rows_read == 4


BLANK_THEN_SHORT = (
    "timestamp;characteristic;value;unit\n"  # 1
    "2026-03-01T08:00:00;a;1,5;mm\n"  # 2
    "\n"  # 3
    "2026-03-01T08:01:00;b;2,5;mm\n"  # 4
    "2026-03-01T08:02:00;c;3,5\n"  # 5  wrong field count
    "2026-03-01T08:03:00;d;4,5;mm\n"  # 6
    "Summe;3\n"  # 7  summary line
)


def test_wrong_field_count_after_blank_line_has_the_right_line(w):
    res = load(w("b.csv", BLANK_THEN_SHORT))
    assert res.data["source_row"].tolist() == [2, 4, 6]
    assert res.data["characteristic"].tolist() == ["a", "b", "d"]
    q = res.quarantine
    assert q["source_row"].tolist() == [5]
    assert q["reason_code"].tolist() == ["wrong_field_count"]
    assert q["raw"].tolist() == ["2026-03-01T08:02:00;c;3,5"]
    sk = res.skipped.set_index("source_row")["reason"].to_dict()
    assert sk == {3: "blank_line", 7: "summary_line"}


def test_wrong_field_count_after_blank_line_is_still_accounted(w):
    # whatever the line numbers, every record is either loaded or quarantined
    res = load(w("b.csv", BLANK_THEN_SHORT))
    acc = res.accounting
    assert (acc.rows_read, acc.rows_loaded, acc.rows_quarantined) == (4, 3, 1)
    assert acc.lines_skipped == {"blank_line": 1, "summary_line": 1}


def test_summary_line_with_fewer_fields(w):
    text = csv_text(ROWS, ";") + "Summe Messwerte;3\n"
    res = load(w("s.csv", text))
    assert res.accounting.rows_read == 3
    assert res.quarantine.empty
    sk = res.skipped
    assert sk["source_row"].tolist() == [5]
    assert sk["reason"].tolist() == ["summary_line"]
    assert sk["text"].tolist() == ["Summe Messwerte;3"]


@pytest.mark.parametrize(
    "trailer", ["Total,,58.5,", '"Total",,,', "Summe,,,", "Grand Total,3,,", "End of report,,,"]
)
def test_summary_line_with_same_field_count(w, trailer):
    text = csv_text(ROWS) + trailer + "\n"
    res = load(w("s.csv", text))
    assert res.accounting.rows_read == 3
    assert res.accounting.rows_quarantined == 0
    assert res.accounting.lines_skipped == {"summary_line": 1}
    assert res.skipped["source_row"].tolist() == [5]


def test_summary_line_in_the_middle_is_also_skipped(w):
    text = csv_text(ROWS[:2]) + "Subtotal,,49.99,\n" + "2026-03-01T08:05:00,z,1,mm\n"
    res = load(w("s.csv", text))
    assert res.data["source_row"].tolist() == [2, 3, 5]
    assert res.skipped["source_row"].tolist() == [4]


def test_wrong_field_count_rows_are_quarantined_with_line_and_raw_text(w):
    text = (
        "timestamp,characteristic,value,unit\n"
        "2026-03-01T08:00:00,a,1,mm\n"
        "2026-03-01T08:01:00,b,2,mm,EXTRA\n"
        "2026-03-01T08:02:00,c\n"
        "2026-03-01T08:03:00,d,4,mm\n"
        "2026-03-01T08:04:00,e,5,mm,,\n"
    )
    res = load(w("f.csv", text))
    assert res.data["source_row"].tolist() == [2, 5]
    q = res.quarantine.sort_values("source_row")
    assert q["source_row"].tolist() == [3, 4, 6]
    assert set(q["reason_code"]) == {"wrong_field_count"}
    assert q["raw"].tolist() == [
        "2026-03-01T08:01:00,b,2,mm,EXTRA",
        "2026-03-01T08:02:00,c",
        "2026-03-01T08:04:00,e,5,mm,,",
    ]
    assert all("expected 4 fields" in r for r in q["reason"])
    assert res.accounting.reasons == {"wrong_field_count": 3}
    assert q["source_file"].unique().tolist() == ["f.csv"]


def test_only_header_gives_empty_result(w):
    res = load(w("h.csv", "timestamp,characteristic,value,unit\n"))
    assert res.data.empty
    assert list(res.data.columns)[-2:] == ["source_file", "source_row"]
    assert res.accounting.rows_read == 0


def test_unmapped_headers_are_reported(w):
    text = "timestamp,characteristic,value,Comment\n2026-03-01T08:00:00,a,1,hello\n"
    res = load(w("u.csv", text))
    assert res.source.unmapped == ["Comment"]
    assert res.source.mapping["value"] == "value"


# --------------------------------------------------- undecodable / truncated text


def test_file_ending_in_truncated_utf8_sequence(w):
    path = w(
        "t.csv",
        b"timestamp,characteristic,value\n2026-01-01T00:00,a,1\n2026-01-01T00:01,b,\xe2\x82",
    )
    res = load(path)
    assert res.source.dialect["encoding"] == "cp1252"
    assert res.accounting.rows_read == 2


def test_undecodable_short_row_raises_no_unraisable_error(w, monkeypatch):
    import sys

    seen = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    path = w("t.csv", b"timestamp,characteristic,value\n2026-01-01T00:00,a,1\nab\xe2")
    res = load(path)
    assert res.accounting.rows_read == 2
    assert [u.exc_type for u in seen] == []


def test_invalid_utf8_in_the_middle_falls_back_to_cp1252(w):
    path = w(
        "t.csv",
        b"timestamp,characteristic,value\n2026-01-01T00:00,a\xe2b,1\n2026-01-01T00:01,c,2\n",
    )
    res = load(path)
    assert res.source.dialect["encoding"] == "cp1252"
    assert res.data["characteristic"].tolist() == ["aâb", "c"]


@pytest.mark.parametrize(
    "body",
    [b"2026-01-01T00:00,a\rb,1\n", b"2026-01-01T00:00,a,1\r2026-01-01T00:01,b,2\r"],
    ids=["stray-cr", "cr-line-endings"],
)
def test_bare_carriage_return(w, body):
    from leankit.errors import LeankitError

    path = w("cr.csv", b"timestamp,characteristic,value\n" + body)
    try:
        res = load(path)
    except LeankitError:
        return  # a clear error is acceptable
    assert res.accounting.rows_read >= 1
