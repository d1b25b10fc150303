"""Parquet output: to_parquet round trip, ingest into a dataset, read_table."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leankit import schema
from leankit.errors import DatasetError, InputFileError, ProfileError
from leankit.io import Dataset, ingest, read_export, read_table

MEAS = (
    "timestamp,characteristic,value,unit,lot\n"
    "2026-03-01T08:00:00Z,bore,25.01,mm,L1\n"
    "2026-03-01T08:01:00+02:00,bore,25003,µm,L1\n"
    "2026-03-01T08:02:00Z,bore,oops,mm,L1\n"
)
MEAS2 = (
    "timestamp,characteristic,value,unit,lot\n"
    "2026-03-02T08:00:00Z,bore,25.02,mm,L2\n"
    "2026-03-02T08:01:00Z,bore,25.03,mm,L2\n"
)


def no_tmp_files(root):
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_to_parquet_round_trip(w, tmp_path):
    res = read_export(w("m.csv", MEAS), kind="measurements", profile="canonical")
    out = res.to_parquet(tmp_path / "out" / "m.parquet")
    assert out == tmp_path / "out" / "m.parquet"
    table = pq.read_table(out)
    sch = table.schema
    assert sch.field("timestamp").type == pa.timestamp("us", tz="UTC")
    assert sch.field("value").type == pa.float64()
    assert sch.field("characteristic").type == pa.string()
    assert sch.field("source_row").type == pa.int64()
    assert sch.names == list(schema.arrow_schema("measurements").names)
    meta = sch.metadata
    assert meta[b"leankit.schema_version"] == schema.SCHEMA_VERSION.encode()
    assert meta[b"leankit.kind"] == b"measurements"
    source = json.loads(meta[b"leankit.source"])
    assert source["name"] == "m.csv"
    assert source["profile"] == "canonical"
    assert source["header_row"] == 1
    assert len(source["sha256"]) == 64
    rows = table.to_pylist()
    assert [r["source_row"] for r in rows] == [2, 3]
    assert [r["value"] for r in rows] == [25.01, pytest.approx(25.003)]
    assert rows[1]["timestamp"].isoformat() == "2026-03-01T06:01:00+00:00"
    assert no_tmp_files(tmp_path) == []


def test_to_parquet_of_empty_result_keeps_schema(w, tmp_path):
    res = read_export(
        w("m.csv", "timestamp,characteristic,value\n"), kind="measurements", profile="canonical"
    )
    table = pq.read_table(res.to_parquet(tmp_path / "e.parquet"))
    assert table.num_rows == 0
    assert table.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")


def test_lineage_columns_not_null(w):
    res = read_export(w("m.csv", MEAS), kind="measurements", profile="canonical")
    assert res.arrow.schema.field("source_file").nullable is False
    assert res.data["source_file"].tolist() == ["m.csv", "m.csv"]


def test_ingest_is_idempotent_and_appends(w, tmp_path):
    out = tmp_path / "ds"
    a = w("a.csv", MEAS)
    b = w("b.csv", MEAS2)
    rep = ingest(a, kind="measurements", out=out, profile="canonical")
    assert [f.status for f in rep.files] == ["loaded"]
    assert rep.rows_loaded == 2 and rep.rows_quarantined == 1
    assert len(read_table(out, "measurements")) == 2

    again = ingest(a, kind="measurements", out=out, profile="canonical")
    assert [f.status for f in again.files] == ["already loaded"]
    assert again.files[0].accounting.rows_loaded == 2  # from the manifest
    assert again.rows_loaded == 0
    assert "already loaded" in str(again)
    assert len(read_table(out, "measurements")) == 2

    # same content under another name is also recognised (content hash)
    copy = w("copy_of_a.csv", MEAS)
    assert ingest(copy, kind="measurements", out=out, profile="canonical").files[0].status == (
        "already loaded"
    )

    more = ingest([b], kind="measurements", out=out, profile="canonical")
    assert [f.status for f in more.files] == ["loaded"]
    table = read_table(out, "measurements")
    assert len(table) == 4
    assert sorted(table["lot"].tolist()) == ["L1", "L1", "L2", "L2"]
    assert str(table["timestamp"].dtype) == "datetime64[us, UTC]"

    quar = read_table(out, "measurements", quarantine=True)
    assert quar["source_row"].tolist() == [4]
    assert quar["source_file"].tolist() == ["a.csv"]
    assert quar["reason_code"].tolist() == ["unparseable_number"]

    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert [f["name"] for f in manifest["files"]] == ["a.csv", "b.csv"]
    assert manifest["schema_version"] == schema.SCHEMA_VERSION
    entry = manifest["files"][0]
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (3, 2, 1)
    assert entry["profile"] == "canonical"
    assert (out / entry["part"]).is_file() and (out / entry["quarantine"]).is_file()
    assert len(Dataset(out).files("measurements")) == 2
    assert no_tmp_files(out) == []


def test_ingest_several_paths_at_once(w, tmp_path):
    rep = ingest([w("a.csv", MEAS), w("b.csv", MEAS2)], kind="measurements", out=tmp_path / "d")
    assert [f.status for f in rep.files] == ["loaded", "loaded"]
    assert rep.rows_loaded == 4
    assert "total: 4 rows loaded, 1 quarantined" in str(rep)


def test_ingest_same_file_twice_in_one_call(w, tmp_path):
    a = w("a.csv", MEAS)
    rep = ingest([a, a], kind="measurements", out=tmp_path / "d", profile="canonical")
    assert [f.status for f in rep.files] == ["loaded", "already loaded"]
    assert len(read_table(tmp_path / "d", "measurements")) == 2


def test_other_kinds_are_separate(w, tmp_path):
    out = tmp_path / "d"
    ingest(w("a.csv", MEAS), kind="measurements", out=out)
    assert read_table(out, "defects").empty
    assert list(read_table(out, "defects").columns) == list(schema.arrow_schema("defects").names)


def test_specs_in_dataset_give_canonical_units(w, tmp_path):
    out = tmp_path / "d"
    specs = (
        "characteristic,product,lsl,usl,target,unit\nrunout,HX,,40,,µm\nbore,HX,24.9,25.1,25,mm\n"
    )
    ingest(w("specs.csv", specs), kind="specs", out=out)
    assert Dataset(out).canonical_units() == {"runout": "µm", "bore": "mm"}
    meas = (
        "timestamp,characteristic,value,unit\n"
        "2026-03-01T08:00Z,runout,0.0125,mm\n"
        "2026-03-01T08:01Z,runout,13,µm\n"
        "2026-03-01T08:02Z,bore,25,kg\n"
    )
    ingest(w("m.csv", meas), kind="measurements", out=out)
    t = read_table(out, "measurements")
    assert t["value"].tolist() == [pytest.approx(12.5), 13.0]
    assert t["unit"].tolist() == ["µm", "µm"]
    q = read_table(out, "measurements", quarantine=True)
    assert q["reason_code"].tolist() == ["incompatible_unit"]
    assert q["source_row"].tolist() == [4]


def test_read_table_of_missing_dataset(tmp_path):
    with pytest.raises(DatasetError, match="no dataset here"):
        read_table(tmp_path / "nothing", "measurements")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="manifest.json"):
        read_table(tmp_path / "empty", "measurements")


def test_read_table_unknown_kind(tmp_path):
    with pytest.raises(ProfileError, match="unknown table kind"):
        read_table(tmp_path, "measurement")


def test_broken_manifest(w, tmp_path):
    out = tmp_path / "d"
    ingest(w("a.csv", MEAS), kind="measurements", out=out)
    (out / "manifest.json").write_text("{not json", "utf-8")
    with pytest.raises(DatasetError, match="manifest is not valid JSON"):
        read_table(out, "measurements")


def test_manifest_with_other_schema_major_version(w, tmp_path):
    out = tmp_path / "d"
    ingest(w("a.csv", MEAS), kind="measurements", out=out)
    doc = json.loads((out / "manifest.json").read_text("utf-8"))
    doc["schema_version"] = "2.0"
    (out / "manifest.json").write_text(json.dumps(doc), "utf-8")
    with pytest.raises(DatasetError, match="schema version 2.0"):
        read_table(out, "measurements")


def test_part_listed_but_missing(w, tmp_path):
    out = tmp_path / "d"
    ingest(w("a.csv", MEAS), kind="measurements", out=out)
    for p in (out / "measurements").glob("*.parquet"):
        p.unlink()
    with pytest.raises(DatasetError, match="listed in the manifest but missing"):
        read_table(out, "measurements")


def test_output_path_is_a_file(w, tmp_path):
    target = w("not_a_dir", "x")
    with pytest.raises(DatasetError, match="not a folder"):
        ingest(w("a.csv", MEAS), kind="measurements", out=target)


def test_ingest_missing_file(tmp_path):
    with pytest.raises(InputFileError):
        ingest(tmp_path / "missing.csv", kind="measurements", out=tmp_path / "d")
    assert not (tmp_path / "d" / "manifest.json").exists()


def test_failed_ingest_leaves_no_parts_and_no_tmp_files(w, tmp_path):
    out = tmp_path / "d"
    ingest(w("a.csv", MEAS), kind="measurements", out=out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(ProfileError):
        ingest(w("bad.csv", "foo,bar\n1,2\n"), kind="measurements", out=out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert no_tmp_files(out) == []


def test_progress_callback(w, tmp_path):
    seen = []
    ingest(w("a.csv", MEAS), kind="measurements", out=tmp_path / "d", progress=seen.append)
    assert seen and seen[-1].rows_read == 3


def test_written_files_get_normal_permissions(tmp_path):
    """Atomic writes go through a private temporary file; the result must still get the
    permissions of a normal new file (umask), so a report can be shared."""
    import os

    from leankit.io._dataset import atomic_write_bytes

    umask = os.umask(0o022)
    try:
        target = tmp_path / "report.html"
        atomic_write_bytes(target, b"<html></html>")
        assert target.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(umask)
