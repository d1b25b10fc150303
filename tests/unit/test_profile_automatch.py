"""Profile auto-detection never silently assumes a site's time zone (leankit issue 12, item 9).

The measured bug: a plain CSV with the headers ``timestamp,part,characteristic,value``
was auto-matched to the ``cmm-en`` profile (because ``Part`` is one of its aliases) and
read as Europe/Berlin time: 08:00 was stored as 07:00 UTC and ``part`` became
``product``, with the profile name as the only hint.

Expected instants are computed independently with :mod:`zoneinfo` (the IANA tz
database), not with the loader's pyarrow code: a naive local time ``t`` in zone ``Z``
is the instant ``t.replace(tzinfo=ZoneInfo(Z))``.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import leankit.io as lio
from leankit import schema
from leankit.errors import ProfileError
from leankit.io import read_export
from leankit.io._load import Load
from leankit.io._profiles import normalize_header

PLAIN = (
    "timestamp,part,characteristic,value\n"
    "2026-03-02T08:00:00,HX-1,bore,25.01\n"
    "2026-07-01T08:00:00,HX-1,bore,25.02\n"
)
LOCAL = [dt.datetime(2026, 3, 2, 8, 0), dt.datetime(2026, 7, 1, 8, 0)]


def utc(local: dt.datetime, zone: str) -> pd.Timestamp:
    """The instant of a naive local time in *zone*, by zoneinfo (independent of pyarrow)."""
    return pd.Timestamp(local.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.timezone.utc))


# ----------------------------------------------------------------- the plain CSV


def test_plain_csv_is_canonical_and_08_00_stays_08_00_utc(w):
    res = read_export(w("plain.csv", PLAIN), kind="measurements")
    assert res.source.profile == "canonical"  # not cmm-en
    # the canonical profile reads naive times as UTC: 08:00 stays 08:00 UTC
    assert res.data["timestamp"].tolist() == [utc(t, "UTC") for t in LOCAL]
    assert res.data["timestamp"].dt.hour.tolist() == [8, 8]
    # `part` is not renamed to `product` by a guess: it is reported as unmapped
    assert res.data["product"].isna().all()
    assert "product" not in res.source.mapping
    assert res.source.unmapped == ["part"]
    acc = res.accounting
    assert acc.unmapped == ("part",)
    assert (acc.naive_rows, acc.timezone, acc.timezone_source) == (2, "UTC", "auto")
    text = str(acc)
    assert (
        "naive times (no UTC offset) in 2 rows read as UTC (profile canonical, auto-detected)"
        in (text)
    )
    assert text.endswith("; unmapped columns: part")
    assert "cmm-en: 0" in res.source.detection and "canonical: 3" in res.source.detection


def test_plain_csv_ingested_reports_zone_and_unmapped_column(w, tmp_path):
    rep = lio.ingest(w("plain.csv", PLAIN), kind="measurements", out=tmp_path / "ds")
    (f,) = rep.files
    assert f.profile == "canonical"
    line = str(f)
    assert "[measurements, profile canonical]" in line
    assert "read as UTC (profile canonical, auto-detected)" in line
    assert "unmapped columns: part" in line
    df = lio.read_table(tmp_path / "ds", "measurements")
    assert df["timestamp"].tolist() == [utc(t, "UTC") for t in LOCAL]
    (entry,) = lio.Dataset(tmp_path / "ds").files()
    assert entry["unmapped"] == ["part"]
    assert (entry["naive_rows"], entry["timezone"], entry["timezone_source"]) == (2, "UTC", "auto")


def test_mixed_spelling_counts_exact_names_only(w):
    # one field spelled as cmm-en lists it ("Part") against three canonical names
    text = PLAIN.replace("part", "Part", 1)
    res = read_export(w("mixed.csv", text), kind="measurements")
    assert res.source.profile == "canonical"
    assert res.source.unmapped == ["Part"]


def test_generic_words_in_title_case_do_not_identify_a_vendor(w):
    # "Timestamp", "Characteristic", "Value" are spelled as cmm-en lists them, but they
    # are canonical column names: no field is cmm-en's own, so naive times stay UTC
    text = PLAIN.replace("timestamp,part,characteristic,value", "Timestamp,Characteristic,Value")
    text = text.replace(",HX-1", "")
    res = read_export(w("generic.csv", text), kind="measurements")
    assert res.source.profile == "canonical"
    assert res.data["timestamp"].tolist() == [utc(t, "UTC") for t in LOCAL]


# ----------------------------------------------------------- clear vendor matches


def test_auto_detected_site_zone_is_named_in_the_accounting(w):
    # every field spelled as cmm-en lists it: a clear match, read as Europe/Berlin
    text = PLAIN.replace(
        "timestamp,part,characteristic,value", "Timestamp,Part,Characteristic,Value"
    )
    res = read_export(w("cmm.csv", text), kind="measurements")
    assert res.source.profile == "cmm-en"
    assert res.data["timestamp"].tolist() == [utc(t, "Europe/Berlin") for t in LOCAL]
    # CET (UTC+1) in March, CEST (UTC+2) in July
    assert res.data["timestamp"].dt.hour.tolist() == [7, 6]
    assert res.data["product"].tolist() == ["HX-1", "HX-1"]
    assert res.accounting.unmapped == ()
    note = (
        "naive times (no UTC offset) in 2 rows read as Europe/Berlin "
        "(profile cmm-en, auto-detected)"
    )
    assert note in str(res.accounting)
    assert note in repr(res)
    assert res.source.timezone == "Europe/Berlin"


def test_named_profile_states_the_zone_without_auto_detected(w):
    res = read_export(w("plain.csv", PLAIN), kind="measurements", profile="cmm-en")
    assert res.data["timestamp"].tolist() == [utc(t, "Europe/Berlin") for t in LOCAL]
    assert res.accounting.timezone_source == "profile"
    assert "read as Europe/Berlin (profile cmm-en)" in str(res.accounting)
    assert res.source.detection == "named by the caller"


def test_sample_cmm_workbook_is_a_clear_cmm_en_match():
    # line2_cmm.xlsx: Timestamp, Line, Machine, Shift, Product, Characteristic, Value,
    # Unit, Sample - all nine spelled as cmm-en lists them, eight as gauge-de does
    # (it has no "Timestamp"), none as the canonical names
    load = Load("sample_data/measurements/line2_cmm.xlsx", kind="measurements")
    try:
        assert load.info.profile == "cmm-en"
        assert "cmm-en: 9, gauge-de: 8, canonical: 0" in load.info.detection
        assert load.mapping.auto
    finally:
        load.source.close()


# ------------------------------------------------------------------- ambiguity

AMBIGUOUS = "timestamp,Line,Characteristic,Value,Sample\n2026-03-02T08:00:00,L2,length,120.0,S1\n"


def test_two_profiles_fitting_equally_is_an_error_naming_both(w):
    # "Line", "Characteristic", "Value" and "Sample" are spelled as both cmm-en and
    # gauge-de list them (4 each, "Sample" an own alias of both), "timestamp" as the
    # canonical name (1): neither vendor profile is a clearer fit than the other
    path = w("amb.csv", AMBIGUOUS)
    with pytest.raises(ProfileError) as exc:
        read_export(path, kind="measurements")
    msg = str(exc.value)
    assert "amb.csv" in msg
    assert "'cmm-en' and 'gauge-de' equally well" in msg
    assert "--profile cmm-en" in msg and "--tz" in msg and "tz=" in msg
    # naming the profile resolves it
    res = read_export(path, kind="measurements", profile="cmm-en")
    assert res.data["timestamp"].tolist() == [utc(LOCAL[0], "Europe/Berlin")]


def test_ambiguous_sheet_is_not_skipped_for_a_later_one(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Data"
    for row in AMBIGUOUS.splitlines():
        first.append(row.split(","))
    clear = wb.create_sheet("Other")
    clear.append(["Datum", "Merkmal", "Messwert"])
    clear.append(["02.03.2026 08:00", "length", "120"])
    wb.save(tmp_path / "two.xlsx")
    with pytest.raises(ProfileError, match="equally well"):
        read_export(tmp_path / "two.xlsx", kind="measurements")


# ------------------------------------------------------------------- tz override


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/Chicago", "Asia/Kolkata"])
def test_tz_overrides_the_auto_detected_profile(w, zone):
    res = read_export(w("plain.csv", PLAIN), kind="measurements", tz=zone)
    assert res.source.profile == "canonical"
    assert res.data["timestamp"].tolist() == [utc(t, zone) for t in LOCAL]
    assert res.accounting.timezone_source == "tz"
    assert f"read as {zone} (tz given)" in str(res.accounting)
    assert res.source.timezone == zone


def test_tz_overrides_a_named_profile(w):
    res = read_export(w("plain.csv", PLAIN), kind="measurements", profile="cmm-en", tz="UTC")
    assert res.data["timestamp"].tolist() == [utc(t, "UTC") for t in LOCAL]
    assert res.data["product"].tolist() == ["HX-1", "HX-1"]  # cmm-en's declared alias


def test_offsets_are_not_affected_by_tz_or_profile(w):
    text = (
        "timestamp,characteristic,value\n"
        "2026-03-02T08:00:00+02:00,bore,1\n"
        "2026-03-02T08:00:00Z,bore,2\n"
    )
    expected = [
        pd.Timestamp("2026-03-02 06:00", tz="UTC"),
        pd.Timestamp("2026-03-02 08:00", tz="UTC"),
    ]
    for kwargs in ({}, {"tz": "America/Chicago"}, {"profile": "cmm-en"}):
        res = read_export(w("off.csv", text), kind="measurements", **kwargs)
        assert res.data["timestamp"].tolist() == expected
        assert res.accounting.naive_rows == 0
        assert "naive times" not in str(res.accounting)


def test_bad_tz_is_a_profile_error_with_a_suggestion(w, tmp_path):
    path = w("plain.csv", PLAIN)
    with pytest.raises(
        ProfileError,
        match=r"tz='Europe/Berln' is not an IANA time zone; did you mean 'Europe/Berlin'",
    ):
        read_export(path, kind="measurements", tz="Europe/Berln")
    with pytest.raises(ProfileError, match="not an IANA time zone"):
        lio.ingest(path, kind="measurements", out=tmp_path / "ds", tz="")
    assert not (tmp_path / "ds" / "manifest.json").exists()


def test_ingest_again_with_tz_replaces_the_part(w, tmp_path):
    path, out = w("plain.csv", PLAIN), tmp_path / "ds"
    lio.ingest(path, kind="measurements", out=out)
    assert lio.read_table(out, "measurements")["timestamp"].dt.hour.tolist() == [8, 8]
    rep = lio.ingest(path, kind="measurements", out=out, tz="Europe/Berlin")
    assert rep.files[0].status == "loaded"
    df = lio.read_table(out, "measurements")
    assert df["timestamp"].tolist() == [utc(t, "Europe/Berlin") for t in LOCAL]
    assert len(lio.Dataset(out).files()) == 1
    # the same zone again: nothing to do
    again = lio.ingest(path, kind="measurements", out=out, tz="Europe/Berlin")
    assert again.files[0].status == "already loaded"
    # without tz, the loaded file is kept as it is
    assert lio.ingest(path, kind="measurements", out=out).files[0].status == "already loaded"


def test_manifest_of_an_older_version_still_reports_already_loaded(w, tmp_path):
    path, out = w("plain.csv", PLAIN), tmp_path / "ds"
    lio.ingest(path, kind="measurements", out=out)
    man = out / "manifest.json"
    doc = json.loads(man.read_text("utf-8"))
    for key in ("naive_rows", "timezone", "timezone_source", "detection", "unmapped"):
        del doc["files"][0][key]
    man.write_text(json.dumps(doc), "utf-8")
    (f,) = lio.ingest(path, kind="measurements", out=out).files
    assert f.status == "already loaded"
    assert f.accounting.unmapped == () and f.accounting.naive_rows == 0


# ------------------------------------------------------------- unmapped columns


def test_unmapped_columns_are_reported_in_every_format(w):
    csv = (
        "timestamp,characteristic,value,operator_note,part\n"
        "2026-03-02T08:00:00Z,bore,1.5,checked,HX-1\n"
    )
    res = read_export(w("x.csv", csv), kind="measurements")
    assert res.accounting.unmapped == ("operator_note", "part")
    assert "; unmapped columns: operator_note, part" in str(res.accounting)
    assert res.accounting.to_dict()["unmapped"] == ["operator_note", "part"]
    assert list(res.data.columns) == [
        *schema.get("measurements").names,
        "source_file",
        "source_row",
    ]

    rec = {"ts": "2026-03-02T06:00:00+01:00", "defect": "Burr", "qty": 1, "shift_lead": "AP"}
    res = read_export(w("d.jsonl", json.dumps(rec) + "\n"), kind="defects")
    assert res.source.profile == "mes-jsonl"
    assert res.accounting.unmapped == ("shift_lead",)


# ------------------------------------------------------------------ properties

MEASUREMENT_COLUMNS = schema.get("measurements").names
_CANONICAL = {normalize_header(c) for c in MEASUREMENT_COLUMNS} | {
    normalize_header(c.replace("_", " ")) for c in MEASUREMENT_COLUMNS
}
#: vendor aliases in lower case ("part", "messwert", "sample" ...): case-insensitive
#: matches of a vendor profile, which must neither choose it nor rename the column
_VENDOR = sorted(
    {
        a.casefold()
        for p in lio.builtin_profiles().values()
        if p.kind == "measurements"
        for names in (*p.columns.values(), *p.time_columns.values())
        for a in names
    }
    - {c.casefold() for c in MEASUREMENT_COLUMNS}
)
_EXTRA = st.one_of(
    st.sampled_from(_VENDOR), st.text(string.ascii_lowercase + "_", min_size=3, max_size=12)
).filter(lambda s: bool(normalize_header(s)) and normalize_header(s) not in _CANONICAL)


@settings(max_examples=30, deadline=None)
@given(
    optional=st.lists(
        st.sampled_from(
            [c for c in MEASUREMENT_COLUMNS if c not in ("timestamp", "characteristic", "value")]
        ),
        unique=True,
        max_size=5,
    ),
    extra=st.lists(_EXTRA, unique_by=normalize_header, max_size=3),
    seed=st.randoms(use_true_random=False),
)
def test_canonical_headers_always_pick_canonical(tmp_path_factory, optional, extra, seed):
    """Headers spelled as canonical names, in any order, with extra columns (random
    words, or vendor aliases in lower case such as ``part``) are read with the canonical
    profile, naive times as UTC, and the extra columns are reported as unmapped, never
    renamed."""
    header = ["timestamp", "characteristic", "value", *optional, *extra]
    seed.shuffle(header)
    row = {c: "x" for c in header}
    row.update(timestamp="2026-03-02T08:00:00", value="1.5", characteristic="bore", unit="mm")
    path = tmp_path_factory.mktemp("prop") / "p.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row[c] for c in header) + "\n", "utf-8")
    res = read_export(path, kind="measurements")
    assert res.source.profile == "canonical"
    assert sorted(res.accounting.unmapped) == sorted(extra)
    assert res.data["timestamp"].tolist() == [pd.Timestamp("2026-03-02 08:00", tz="UTC")]
