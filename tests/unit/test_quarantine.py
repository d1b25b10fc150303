"""Every bad value is quarantined with its exact source row, reason code and value."""

from __future__ import annotations

import pandas as pd
import pytest

from leankit.io import read_export

DE_PROFILE = """
[profile]
name = "de-test"
kind = "measurements"

[columns]
timestamp = ["Datum"]
characteristic = ["Merkmal"]
value = ["Messwert"]
unit = ["Einheit"]

[timestamp]
format = ["%d.%m.%Y %H:%M", "%d.%m.%Y"]
timezone = "Europe/Berlin"

[csv]
delimiter = ";"
decimal = ","
"""


def quarantine_by_row(res) -> dict[int, tuple[str, str | None, str | None]]:
    q = res.quarantine
    return {
        int(r.source_row): (r.reason_code, r.column, None if pd.isna(r.value) else r.value)
        for r in q.itertuples()
    }


def test_measurement_reasons_with_exact_rows(w, profile_file):
    text = (
        "Datum;Merkmal;Messwert;Einheit\n"  # 1
        "01.03.2026 08:00;d;25,01;mm\n"  # 2 ok
        "01.03.2026 08:01;d;abc;mm\n"  # 3 unparseable number
        "1.3.2026 08:02;d;25,02;mm\n"  # 4 ok (unpadded day/month)
        "31.02.2026 08:03;d;25,03;mm\n"  # 5 impossible date
        "29.02.2026 08:04;d;25,04;mm\n"  # 6 2026 is not a leap year
        "29.02.2028 08:05;d;25,05;mm\n"  # 7 ok: 2028 is
        "2026/03/01 08:06;d;25,06;mm\n"  # 8 unparseable date
        "01.03.2026 08:07;;25,07;mm\n"  # 9 missing characteristic
        "01.03.2026 08:08;d;;mm\n"  # 10 missing value
        ";d;25,09;mm\n"  # 11 missing timestamp
        "01.03.2026 08:10;d;25,1;mmm\n"  # 12 unknown unit
        "01.03.2026 08:11;d;inf;mm\n"  # 13 infinite value
        "01.03.2026 08:12;d;-Infinity;mm\n"  # 14 infinite value
        "01.03.2026 08:13;d;nan;mm\n"  # 15 NaN text = missing
        "01.03.2026 08:14;d;1e400;mm\n"  # 16 overflows to inf
        "01.03.2026 08:15;d;25,15;µm\n"  # 17 ok, converted
        "01.03.2026;d;25,16;mm\n"  # 18 ok, date only
        "32.01.2026 08:17;d;25,17;mm\n"  # 19 impossible day
        "01.13.2026 08:18;d;25,18;mm\n"  # 20 impossible month
        "01.03.2026 25:00;d;25,19;mm\n"  # 21 impossible hour
    )
    res = read_export(w("m.csv", text), kind="measurements", profile=profile_file(DE_PROFILE))
    assert quarantine_by_row(res) == {
        3: ("unparseable_number", "value", "abc"),
        5: ("unparseable_timestamp", "timestamp", "31.02.2026 08:03"),
        6: ("unparseable_timestamp", "timestamp", "29.02.2026 08:04"),
        8: ("unparseable_timestamp", "timestamp", "2026/03/01 08:06"),
        9: ("missing_value", "characteristic", None),
        10: ("missing_value", "value", None),
        11: ("missing_value", "timestamp", None),
        12: ("unknown_unit", "unit", "mmm"),
        13: ("unparseable_number", "value", "inf"),
        14: ("unparseable_number", "value", "-Infinity"),
        15: ("missing_value", "value", None),
        16: ("unparseable_number", "value", "1e400"),
        19: ("unparseable_timestamp", "timestamp", "32.01.2026 08:17"),
        20: ("unparseable_timestamp", "timestamp", "01.13.2026 08:18"),
        21: ("unparseable_timestamp", "timestamp", "01.03.2026 25:00"),
    }
    d = res.data
    assert d["source_row"].tolist() == [2, 4, 7, 17, 18]
    assert d["timestamp"].tolist() == [
        pd.Timestamp("2026-03-01 07:00", tz="UTC"),
        pd.Timestamp("2026-03-01 07:02", tz="UTC"),
        pd.Timestamp("2028-02-29 07:05", tz="UTC"),
        pd.Timestamp("2026-03-01 07:15", tz="UTC"),
        pd.Timestamp("2026-02-28 23:00", tz="UTC"),
    ]
    assert d["value"].tolist() == [25.01, 25.02, 25.05, pytest.approx(0.02515), 25.16]
    acc = res.accounting
    assert acc.rows_read == 20
    assert acc.rows_loaded == 5
    assert acc.rows_quarantined == 15
    assert acc.reasons == {
        "unparseable_number": 4,
        "unparseable_timestamp": 6,
        "missing_value": 4,
        "unknown_unit": 1,
    }


def test_quarantine_row_carries_file_reason_text_and_raw(w):
    text = "timestamp,characteristic,value\n2026-03-01T08:00,d,12..5\n"
    res = read_export(w("r.csv", text), kind="measurements", profile="canonical")
    q = res.quarantine.iloc[0]
    assert q["source_file"] == "r.csv"
    assert q["source_row"] == 2
    assert q["reason_code"] == "unparseable_number"
    assert q["column"] == "value"
    assert q["value"] == "12..5"
    assert "'12..5' is not a number" in q["reason"]
    assert q["raw"] == "2026-03-01T08:00,d,12..5"
    assert list(res.quarantine.columns) == [
        "source_file",
        "source_row",
        "reason_code",
        "column",
        "value",
        "reason",
        "raw",
    ]


def test_several_problems_in_one_row_are_all_named(w):
    text = "timestamp,characteristic,value\nnot a date,,xyz\n"
    res = read_export(w("r.csv", text), kind="measurements", profile="canonical")
    assert res.accounting.rows_quarantined == 1
    reason = res.quarantine["reason"].iloc[0]
    assert "'not a date' is not a valid date/time" in reason
    assert "'xyz' is not a number" in reason
    assert "characteristic: required value is missing" in reason


def test_null_value_texts_mean_missing(w):
    text = (
        "timestamp,characteristic,value,lot\n"
        "2026-03-01T08:00,d,1,NA\n"
        "2026-03-01T08:01,d,2,-\n"
        "2026-03-01T08:02,d,3,#N/A\n"
        "2026-03-01T08:03,d,N/A,L7\n"
    )
    res = read_export(w("n.csv", text), kind="measurements", profile="canonical")
    assert res.data["lot"].isna().tolist() == [True, True, True]
    assert quarantine_by_row(res) == {5: ("missing_value", "value", None)}


def test_custom_null_values_in_profile(w, profile_file):
    prof = profile_file('null_values = ["", "leer"]\n[profile]\nname = "nv"\n')
    text = (
        "timestamp,characteristic,value,lot\n2026-03-01T08:00,d,1,leer\n2026-03-01T08:01,d,2,NA\n"
    )
    res = read_export(w("n.csv", text), kind="measurements", profile=prof)
    assert res.data["lot"].isna().tolist() == [True, False]
    assert res.data["lot"].tolist()[1] == "NA"


DEFECTS = (
    "timestamp,defect_type,count,inspected,cost\n"  # 1
    "2026-03-01T06:00:00Z,Scratch,3,100,12.5\n"  # 2 ok
    "2026-03-01T06:00:00Z,Burr,-2,100,5\n"  # 3 negative count
    "2026-03-01T06:00:00Z,Crack,2.5,100,5\n"  # 4 non-integer count
    "2026-03-01T06:00:00Z,Dent,two,100,5\n"  # 5 not a number
    "2026-03-01T06:00:00Z,Chip,0,100,0\n"  # 6 ok (zero)
    "2026-03-01T06:00:00Z,Stain,4,-100,5\n"  # 7 negative inspected
    "2026-03-01T06:00:00Z,Pit,4,100,-5\n"  # 8 negative cost
    "2026-03-01T06:00:00Z,Nick,4.0,100,5\n"  # 9 ok: integral
    "2026-03-01T06:00:00Z,,4,100,5\n"  # 10 missing defect type
    "2026-03-01T06:00:00Z,Gap,,100,5\n"  # 11 missing count
    "2026-03-01T06:00:00Z,Huge,1e20,100,5\n"  # 12 too large for an exact count
    "2026-03-01T06:00:00Z,Dust,5,,\n"  # 13 ok, optional columns empty
)


def test_defect_count_reasons(w):
    res = read_export(w("d.csv", DEFECTS), kind="defects", profile="canonical")
    assert quarantine_by_row(res) == {
        3: ("negative_count", "count", "-2"),
        4: ("unparseable_count", "count", "2.5"),
        5: ("unparseable_count", "count", "two"),
        7: ("negative_count", "inspected", "-100"),
        8: ("negative_value", "cost", "-5"),
        10: ("missing_value", "defect_type", None),
        11: ("missing_value", "count", None),
        12: ("unparseable_count", "count", "1e20"),
    }
    d = res.data
    assert d["source_row"].tolist() == [2, 6, 9, 13]
    assert d["count"].tolist() == [3, 0, 4, 5]
    assert str(d["count"].dtype) == "int64"
    assert d["inspected"].tolist()[:3] == [100, 100, 100]
    assert pd.isna(d["inspected"].tolist()[3])
    assert d["cost"].tolist()[:3] == [12.5, 0.0, 5.0]


PRODUCTION = (
    "period_start,period_end,line,planned_time,run_time,total_count,good_count,scrap_count,"
    "rework_count\n"
    "2026-03-01T06:00,2026-03-01T14:00,L1,450,400,100,90,10,0\n"  # 2 ok
    "2026-03-01T14:00,2026-03-01T06:00,L1,450,400,100,90,10,0\n"  # 3 end before start
    "2026-03-01T06:00,2026-03-01T14:00,L1,450,400,100,101,0,0\n"  # 4 good > total
    "2026-03-01T06:00,2026-03-01T14:00,L1,450,400,100,90,5,6\n"  # 5 parts > total
    "2026-03-01T06:00,2026-03-01T14:00,L1,450,500,100,90,10,0\n"  # 6 run > planned
    "2026-03-01T06:00,2026-03-01T14:00,L1,450,-15,100,90,10,0\n"  # 7 negative run time
    "2026-03-01T06:00,2026-03-01T14:00,,450,400,100,90,10,0\n"  # 8 missing line
    "2026-03-01T06:00,2026-03-01T14:00,L1,450,400,100,90,5,5\n"  # 9 ok: parts == total
)


def test_production_row_checks(w):
    res = read_export(w("p.csv", PRODUCTION), kind="production", profile="canonical")
    got = {k: v[0] for k, v in quarantine_by_row(res).items()}
    assert got == {
        3: "end_before_start",
        4: "good_exceeds_total",
        5: "parts_exceed_total",
        6: "run_exceeds_planned",
        7: "negative_value",
        8: "missing_value",
    }
    assert res.data["source_row"].tolist() == [2, 9]


def test_parts_exceed_total_without_rework_column(w):
    text = (
        "period_start,period_end,line,total_count,good_count,scrap_count\n"
        "2026-03-01T06:00,2026-03-01T14:00,L1,100,90,20\n"
    )
    res = read_export(w("p.csv", text), kind="production", profile="canonical")
    assert res.quarantine["reason_code"].tolist() == ["parts_exceed_total"]


def test_units_unknown_and_incompatible(w):
    text = (
        "timestamp,characteristic,value,unit\n"
        "2026-03-01T08:00,diameter,25.01,mm\n"  # 2 ok
        "2026-03-01T08:01,diameter,25010,µm\n"  # 3 ok, converted
        "2026-03-01T08:02,diameter,25.01,kg\n"  # 4 kg for a mm characteristic
        "2026-03-01T08:03,diameter,25.01,furlong\n"  # 5 unknown
        "2026-03-01T08:04,weight,2.5,kg\n"  # 6 ok, mass
        "2026-03-01T08:05,diameter,1,in\n"  # 7 ok
        "2026-03-01T08:06,diameter,1,\n"  # 8 no unit: kept
    )
    res = read_export(
        w("u.csv", text), kind="measurements", profile="canonical", units={"diameter": "mm"}
    )
    assert quarantine_by_row(res) == {
        4: ("incompatible_unit", "unit", "kg"),
        5: ("unknown_unit", "unit", "furlong"),
    }
    d = res.data
    assert d["source_row"].tolist() == [2, 3, 6, 7, 8]
    assert d["value"].tolist() == [25.01, pytest.approx(25.01), 2500.0, 25.4, 1.0]
    assert d["unit"].tolist()[:4] == ["mm", "mm", "g", "mm"]
    assert pd.isna(d["unit"].tolist()[4])


def test_incompatible_unit_from_profile_canonical_units(w, profile_file):
    prof = profile_file('[profile]\nname = "u"\n[units]\ncanonical = { pressure = "bar" }\n')
    text = (
        "timestamp,characteristic,value,unit\n"
        "2026-03-01T08:00,pressure,5,bar\n"
        "2026-03-01T08:01,pressure,5,mm\n"
        "2026-03-01T08:02,pressure,200,kPa\n"
    )
    res = read_export(w("u.csv", text), kind="measurements", profile=prof)
    assert quarantine_by_row(res) == {3: ("incompatible_unit", "unit", "mm")}
    assert res.data["unit"].tolist() == ["bar", "bar"]
    assert res.data["value"].tolist() == [5.0, pytest.approx(2.0)]


def test_torque_in_newton_metres_is_kept(w):
    text = "timestamp,characteristic,value,unit\n2026-03-01T08:00,torque,5,Nm\n"
    res = read_export(w("u.csv", text), kind="measurements", profile="canonical")
    assert res.data["value"].tolist() == [5.0]
    assert res.data["unit"].tolist() == ["N m"]
