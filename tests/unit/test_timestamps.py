"""Timestamps: local time -> UTC, offsets, DST gaps and overlaps."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from leankit.io import read_export
from leankit.io._parse import parse_timestamps


def berlin_profile(profile_file, **ts):
    lines = [
        '[profile]\nname = "berlin"\nkind = "measurements"\n[timestamp]',
        'format = ["%Y-%m-%d %H:%M", "ISO8601"]',
        'timezone = "Europe/Berlin"',
    ]
    lines += [f'{k} = "{v}"' for k, v in ts.items()]
    return profile_file("\n".join(lines) + "\n")


def load_times(w, profile, times: list[str]):
    body = "".join(f"{t},c,{i}\n" for i, t in enumerate(times))
    return read_export(
        w("t.csv", "timestamp,characteristic,value\n" + body), kind="measurements", profile=profile
    )


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_local_time_summer_and_winter_to_utc(w, profile_file):
    res = load_times(w, berlin_profile(profile_file), ["2026-07-01 12:00", "2026-01-15 12:00"])
    assert res.data["timestamp"].tolist() == [utc("2026-07-01 10:00"), utc("2026-01-15 11:00")]
    assert str(res.data["timestamp"].dtype) == "datetime64[us, UTC]"


def test_other_zone(w, profile_file):
    prof = profile_file('[profile]\nname = "chi"\n[timestamp]\ntimezone = "America/Chicago"\n')
    res = load_times(w, prof, ["2026-07-01T12:00:00", "2026-01-15T12:00:00"])
    assert res.data["timestamp"].tolist() == [utc("2026-07-01 17:00"), utc("2026-01-15 18:00")]


def test_iso_with_offsets_is_exact_regardless_of_zone(w, profile_file):
    times = [
        "2026-07-01T12:00:00Z",
        "2026-07-01T12:00:00+02:00",
        "2026-07-01T12:00:00-05:00",
        "2026-07-01 12:00:00+0100",
        "2026-07-01T12:00:00.250Z",
        "2026-07-01 12:00:00 Z",
    ]
    res = load_times(w, berlin_profile(profile_file), times)
    assert res.quarantine.empty
    assert res.data["timestamp"].tolist() == [
        utc("2026-07-01 12:00"),
        utc("2026-07-01 10:00"),
        utc("2026-07-01 17:00"),
        utc("2026-07-01 11:00"),
        utc("2026-07-01 12:00:00.250"),
        utc("2026-07-01 12:00"),
    ]


def test_naive_and_offset_times_mixed_in_one_column(w, profile_file):
    res = load_times(w, berlin_profile(profile_file), ["2026-07-01T12:00:00Z", "2026-07-01 12:00"])
    assert res.data["timestamp"].tolist() == [utc("2026-07-01 12:00"), utc("2026-07-01 10:00")]


def test_canonical_profile_naive_is_utc(w):
    times = [
        "2026-07-01T12:00:00",
        "2026-07-01 12:00:00Z",
        "2026-07-01T12:00:00.5",
        "2026-07-01T12",
    ]
    res = load_times(w, "canonical", times)
    assert res.data["timestamp"].tolist() == [
        utc("2026-07-01 12:00"),
        utc("2026-07-01 12:00"),
        utc("2026-07-01 12:00:00.5"),
        utc("2026-07-01 12:00"),
    ]


def test_iso_date_without_time(w):
    res = load_times(w, "canonical", ["2026-07-01"])
    assert res.data["timestamp"].tolist() == [utc("2026-07-01 00:00")]


def test_naive_time_without_zone_is_quarantined(w, profile_file):
    prof = profile_file(
        '[profile]\nname = "nz"\n[timestamp]\nformat = "ISO8601"\ntimezone = "UTC"\n'
    )
    # a profile cannot set timezone = None in TOML; build one in Python instead
    import dataclasses

    from leankit.io import load_profile

    nozone = dataclasses.replace(load_profile(prof), timezone=None)
    res = load_times(w, nozone, ["2026-07-01T12:00:00", "2026-07-01T12:00:00Z"])
    assert res.quarantine["reason_code"].tolist() == ["timestamp_without_zone"]
    assert res.quarantine["source_row"].tolist() == [2]
    assert res.data["timestamp"].tolist() == [utc("2026-07-01 12:00")]


# ---------------------------------------------------------------- DST gap


def test_dst_gap_quarantined_by_default(w, profile_file):
    res = load_times(
        w,
        berlin_profile(profile_file),
        ["2026-03-29 01:30", "2026-03-29 02:30", "2026-03-29 03:30"],
    )
    q = res.quarantine
    assert q["source_row"].tolist() == [3]
    assert q["reason_code"].tolist() == ["dst_nonexistent_time"]
    assert q["value"].tolist() == ["2026-03-29 02:30"]
    assert "does not exist in Europe/Berlin" in q["reason"].iloc[0]
    assert res.data["timestamp"].tolist() == [utc("2026-03-29 00:30"), utc("2026-03-29 01:30")]


def test_dst_gap_shift_forward(w, profile_file):
    prof = berlin_profile(profile_file, nonexistent="shift_forward")
    res = load_times(w, prof, ["2026-03-29 02:00", "2026-03-29 02:30", "2026-03-29 03:00"])
    assert res.quarantine.empty
    # both shifted to the first instant after the gap: 03:00 CEST = 01:00 UTC
    assert res.data["timestamp"].tolist() == [utc("2026-03-29 01:00")] * 3


def test_dst_gap_shift_backward(w, profile_file):
    prof = berlin_profile(profile_file, nonexistent="shift_backward")
    res = load_times(w, prof, ["2026-03-29 02:30"])
    assert res.quarantine.empty
    (ts,) = res.data["timestamp"].tolist()
    assert utc("2026-03-29 00:59") < ts < utc("2026-03-29 01:00")


# ------------------------------------------------------------ DST overlap

OVERLAP = [
    "2026-10-25 01:30",  # CEST, unambiguous
    "2026-10-25 02:00",  # first pass (+02:00)
    "2026-10-25 02:30",  # first pass
    "2026-10-25 02:00",  # wall clock went back: second pass (+01:00)
    "2026-10-25 02:30",  # second pass
    "2026-10-25 03:00",  # CET, unambiguous
]


def test_dst_overlap_quarantined(w, profile_file):
    res = load_times(w, berlin_profile(profile_file, ambiguous="quarantine"), OVERLAP)
    q = res.quarantine
    assert q["source_row"].tolist() == [3, 4, 5, 6]
    assert set(q["reason_code"]) == {"dst_ambiguous_time"}
    assert res.data["timestamp"].tolist() == [utc("2026-10-24 23:30"), utc("2026-10-25 02:00")]


def test_dst_overlap_infer(w, profile_file):
    res = load_times(w, berlin_profile(profile_file, ambiguous="infer"), OVERLAP)
    assert res.quarantine.empty
    assert res.data["timestamp"].tolist() == [
        utc("2026-10-24 23:30"),
        utc("2026-10-25 00:00"),  # 02:00+02:00
        utc("2026-10-25 00:30"),  # 02:30+02:00
        utc("2026-10-25 01:00"),  # 02:00+01:00
        utc("2026-10-25 01:30"),  # 02:30+01:00
        utc("2026-10-25 02:00"),
    ]
    assert res.data["timestamp"].is_monotonic_increasing


def test_dst_overlap_earliest_and_latest(w, profile_file):
    early = load_times(w, berlin_profile(profile_file, ambiguous="earliest"), ["2026-10-25 02:30"])
    late = load_times(w, berlin_profile(profile_file, ambiguous="latest"), ["2026-10-25 02:30"])
    assert early.data["timestamp"].tolist() == [utc("2026-10-25 00:30")]
    assert late.data["timestamp"].tolist() == [utc("2026-10-25 01:30")]


def test_dst_overlap_infer_across_block_boundaries(w, profile_file, monkeypatch):
    from leankit.io._readers import CsvSource

    monkeypatch.setattr(CsvSource.blocks, "__defaults__", (40,))
    res = load_times(w, berlin_profile(profile_file, ambiguous="infer"), OVERLAP)
    assert res.data["timestamp"].tolist()[1:5] == [
        utc("2026-10-25 00:00"),
        utc("2026-10-25 00:30"),
        utc("2026-10-25 01:00"),
        utc("2026-10-25 01:30"),
    ]


def test_parse_timestamps_unit():
    ts = parse_timestamps(
        pa.array(["01.03.2026 08:00", "31.02.2026 08:00", None, "2026-03-29 02:30"]),
        formats=("%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M"),
        timezone="Europe/Berlin",
    )
    assert ts.values.to_pylist()[0] == pd.Timestamp("2026-03-01 07:00", tz="UTC")
    assert ts.values.to_pylist()[1:] == [None, None, None]
    assert ts.unparseable.tolist() == [False, True, False, False]
    assert ts.gap.tolist() == [False, False, False, True]
    assert not ts.ambiguous.any() and not ts.no_zone.any()


@pytest.mark.parametrize(
    ("text", "ok"),
    [("29.02.2028", True), ("29.02.2026", False), ("31.04.2026", False), ("30.04.2026", True)],
)
def test_leap_years_and_month_lengths(text, ok):
    ts = parse_timestamps(pa.array([text]), formats=("%d.%m.%Y",), timezone="UTC")
    assert ts.unparseable.tolist() == [not ok]


def test_fractional_seconds_format(w, profile_file):
    prof = profile_file(
        '[profile]\nname = "f"\n[timestamp]\nformat = "%d.%m.%Y %H:%M:%S.%f"\ntimezone = "UTC"\n'
    )
    res = load_times(w, prof, ["01.03.2026 08:00:00.125", "31.02.2026 08:00:00.000"])
    assert res.data["timestamp"].tolist() == [utc("2026-03-01 08:00:00.125")]
    assert res.quarantine["source_row"].tolist() == [3]


def test_us_date_format(w, profile_file):
    prof = profile_file(
        '[profile]\nname = "us"\n[timestamp]\nformat = "%m/%d/%Y %H:%M"\ntimezone = "UTC"\n'
    )
    res = load_times(w, prof, ["03/01/2026 08:00", "13/01/2026 08:00", "2/29/2028 08:00"])
    assert res.data["timestamp"].tolist() == [utc("2026-03-01 08:00"), utc("2028-02-29 08:00")]
    assert res.quarantine["source_row"].tolist() == [3]
