"""End to end on the shipped sample exports, checked against sample_data/truth.json."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from leankit.cli import main
from leankit.io import read_table

SAMPLE_FILES = (  # same as conftest.SAMPLE_FILES
    ("measurements/line1_gauge.csv", "measurements"),
    ("measurements/line2_cmm.xlsx", "measurements"),
    ("defects/mes_defects.jsonl", "defects"),
    ("production/erp_shift_log.csv", "production"),
    ("specs.csv", "specs"),
    ("measurements/line2_process_log.csv", "measurements"),
    ("rare_events/eol_leak_test.csv", "defects"),
)
REL_FILES = [rel for rel, _ in SAMPLE_FILES]
#: the files `leankit demo` ingests (rare_events/ is not a table kind's folder)
DEMO_FILES = tuple((rel, kind) for rel, kind in SAMPLE_FILES if rel.split("/")[0] != "rare_events")

#: truth.json reason (free text) -> the loader's reason code
REASON_CODES = {
    "missing value": {"missing_value"},
    "unknown unit": {"unknown_unit"},
    "unparseable/invalid date": {"unparseable_timestamp"},
    "non-numeric value": {"unparseable_number"},
    "missing timestamp": {"missing_value"},
    "negative quantity": {"negative_count"},
    "malformed JSON line": {"malformed_json"},
    "good count exceeds total count": {"good_exceeds_total"},
    "negative run time": {"negative_value"},
    "ambiguous local time (DST)": {"dst_ambiguous_time"},
}


def bad_lines(info: dict) -> dict[int, str]:
    return {b.get("line", b.get("excel_row")): b["reason"] for b in info.get("bad_rows", [])}


def test_every_sample_file_is_covered(sample_data, truth, sample_results):
    assert set(truth["row_counts"]) == set(REL_FILES) == set(sample_results)
    assert all((sample_data / rel).is_file() for rel in REL_FILES)


@pytest.mark.parametrize("rel", REL_FILES)
def test_accounting_matches_truth(sample_results, truth, rel):
    res = sample_results[rel]
    info = truth["files"][rel]
    acc = res.accounting
    assert acc.rows_read == info["data_rows"] == truth["row_counts"][rel]
    assert acc.rows_quarantined == len(info.get("bad_rows", []))
    assert acc.rows_loaded == info.get("valid_rows", info["data_rows"])
    assert acc.rows_read == acc.rows_loaded + acc.rows_quarantined
    assert len(res.data) == acc.rows_loaded


@pytest.mark.parametrize("rel", REL_FILES)
def test_quarantined_rows_match_truth(sample_results, truth, rel):
    res = sample_results[rel]
    expected = bad_lines(truth["files"][rel])
    q = res.quarantine
    assert sorted(q["source_row"].tolist()) == sorted(expected)
    for row in q.itertuples():
        assert row.reason_code in REASON_CODES[expected[row.source_row]], row
        assert row.source_file == rel.split("/")[-1]


@pytest.mark.parametrize("rel", REL_FILES)
def test_bad_rows_are_not_in_data(sample_results, truth, rel):
    data_rows = set(sample_results[rel].data["source_row"])
    assert not data_rows & set(bad_lines(truth["files"][rel]))


def test_gauge_file_details(sample_results, truth):
    res = sample_results["measurements/line1_gauge.csv"]
    info = truth["files"]["measurements/line1_gauge.csv"]
    assert res.source.profile == "gauge-de"
    assert res.source.header_row == info["header_line"]
    assert res.source.dialect["encoding"] == info["encoding"]
    assert res.source.dialect["delimiter"] == info["delimiter"]
    assert res.source.dialect["decimal"] == info["decimal"]
    d = res.data
    assert d["source_row"].min() == info["first_data_line"]
    # every bore_diameter value is in mm (195 rows were exported in µm)
    bore = d.loc[d.characteristic == "bore_diameter", "value"]
    assert bore.between(24.9, 25.1).all()
    assert set(d["unit"]) == {"mm"}
    assert set(d["shift"]) == {"early", "late", "night"}
    # subgroups start on even UTC hours, also across the DST fall-back
    starts = d.groupby("subgroup")["timestamp"].min()
    assert (starts.dt.hour % 2 == 0).all()
    assert (starts.dt.minute < 5).all()
    first = pd.Timestamp(info["first_subgroup_local"], tz="Europe/Berlin").tz_convert("UTC")
    assert d["timestamp"].min() == first


def test_gauge_skipped_lines_match_truth(sample_results, truth):
    res = sample_results["measurements/line1_gauge.csv"]
    info = truth["files"]["measurements/line1_gauge.csv"]
    sk = res.skipped
    blank = sk.loc[sk.reason == "blank_line", "source_row"].tolist()
    assert blank == [3, *info["blank_lines_in_data"]]
    assert sk.loc[sk.reason == "title_line", "source_row"].tolist() == [1, 2]
    assert res.accounting.lines_skipped["summary_line"] == 1


def test_gauge_footer_line_and_last_source_rows(sample_results, truth):
    res = sample_results["measurements/line1_gauge.csv"]
    info = truth["files"]["measurements/line1_gauge.csv"]
    sk = res.skipped
    assert sk.loc[sk.reason == "summary_line", "source_row"].tolist() == [info["footer_line"]]
    assert res.data["source_row"].max() == info["footer_line"] - 1
    assert res.data["source_row"].is_unique


def test_gauge_source_rows_before_footer(sample_results):
    # rows before the first blank line are numbered correctly in any case
    d = sample_results["measurements/line1_gauge.csv"].data
    assert d["source_row"].tolist()[:5] == [5, 6, 7, 8, 9]
    assert d["source_row"].is_monotonic_increasing


def test_cmm_workbook_details(sample_results, truth):
    res = sample_results["measurements/line2_cmm.xlsx"]
    info = truth["files"]["measurements/line2_cmm.xlsx"]
    assert res.source.profile == "cmm-en"
    assert res.source.dialect["sheet"] == info["data_sheet"]
    assert res.source.header_row == info["header_row"]
    d = res.data
    assert d["source_row"].min() == info["first_data_row"]
    assert d["source_row"].max() == info["last_data_row"]
    shaft = d.loc[d.characteristic == "shaft_diameter", "value"]
    assert shaft.mean() == pytest.approx(12.0, abs=0.01)  # inches converted to mm
    assert set(d["unit"]) == {"mm"}


def test_cmm_subgroups_on_odd_utc_hours(sample_results):
    d = sample_results["measurements/line2_cmm.xlsx"].data
    starts = d.groupby("subgroup")["timestamp"].min()
    assert set(starts.dt.hour) <= {1, 5, 9, 13, 17, 21}


def test_erp_details(sample_results, truth):
    res = sample_results["production/erp_shift_log.csv"]
    info = truth["files"]["production/erp_shift_log.csv"]
    assert res.source.dialect["bom"] is True
    assert res.source.dialect["thousands"] == ","
    d = res.data
    # 238 rows have Total Count >= 1000, one of them (line 452, L1-M1) is quarantined
    q = res.quarantine.set_index("source_row")
    assert '"1,' in q.loc[452, "raw"]
    assert (d["total_count"] >= 1000).sum() + 1 == info["rows_with_total_count_ge_1000"]
    dst = d[d.period_start == pd.Timestamp("2026-10-24 20:00", tz="UTC")]
    assert set(dst["planned_time"]) == {510.0}
    assert ((dst.period_end - dst.period_start) == pd.Timedelta(hours=9)).all()
    reason = d.groupby("downtime_reason")["downtime"].sum().sort_values(ascending=False)
    observed = truth["planted"][3]["observed"]["downtime_min_by_reason"]
    assert reason.to_dict() == pytest.approx(observed)
    assert res.skipped["source_row"].tolist() == [info["footer_line"]]


def test_mes_details(sample_results, truth):
    res = sample_results["defects/mes_defects.jsonl"]
    d = res.data
    note = truth["files"]["defects/mes_defects.jsonl"]["html_injection_note"]
    row = d[d.source_row == note["line"]]
    assert row["description"].tolist() == [note["note"]]
    qty = d.groupby("defect_type")["count"].sum()
    assert qty.to_dict() == truth["planted"][2]["observed"]["qty_by_defect"]


def test_specs(sample_results, truth):
    d = sample_results["specs.csv"].data
    expected = truth["files"]["specs.csv"]["specs"]
    got = [
        {k: (None if pd.isna(v) else v) for k, v in r.items()}
        for r in d[["characteristic", "product", "lsl", "usl", "target", "unit"]].to_dict("records")
    ]
    assert got == expected


def test_demo_on_sample_data(sample_data, truth, tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--data", str(sample_data), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Tables:" in text
    data = out / "data"
    manifest = json.loads((data / "manifest.json").read_text("utf-8"))
    assert sorted(f["name"] for f in manifest["files"]) == sorted(
        r.split("/")[-1] for r, _ in DEMO_FILES
    )
    by_name = {f["name"]: f for f in manifest["files"]}
    total_valid = {}
    for rel, kind in DEMO_FILES:
        info = truth["files"][rel]
        entry = by_name[rel.split("/")[-1]]
        assert entry["kind"] == kind
        assert entry["rows_read"] == info["data_rows"]
        assert entry["rows_loaded"] == info.get("valid_rows", info["data_rows"])
        total_valid[kind] = total_valid.get(kind, 0) + entry["rows_loaded"]
    for kind, n in total_valid.items():
        assert len(read_table(data, kind)) == n
    # quarantined rows: same line numbers per file as truth.json
    for kind in ("measurements", "defects", "production"):
        q = read_table(data, kind, quarantine=True)
        for rel, k in DEMO_FILES:
            if k != kind:
                continue
            name = rel.split("/")[-1]
            rows = sorted(q.loc[q.source_file == name, "source_row"].tolist())
            assert rows == sorted(bad_lines(truth["files"][rel])), name
    # measurements were loaded after specs: runout stays in µm (the specs' unit)
    m = read_table(data, "measurements")
    assert set(m.loc[m.characteristic == "runout", "unit"]) == {"µm"}
    runout = m.loc[m.characteristic == "runout", "value"]
    assert runout.median() == pytest.approx(
        truth["planted"][1]["observed"]["runout_median_um"], rel=0.05
    )
    assert [p for p in out.rglob("*") if p.name.endswith(".tmp")] == []

    # running the demo again changes nothing
    assert main(["demo", "--data", str(sample_data), "--out", str(out)]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert len(read_table(data, "measurements")) == total_valid["measurements"]
