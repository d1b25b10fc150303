"""leankit.data on a dataset folder (embedded DuckDB): scans equal ``read_table``,
the partitioned copy, partition pruning (asserted on DuckDB's query plan and by
corrupting the other weeks' files), and the errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import ibis
import pandas as pd
import pytest

import leankit.io as lio
from leankit import data
from leankit.data import SourceError
from leankit.errors import ColumnNotFoundError, LeankitError

KEY = ["source_file", "source_row"]


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEY, kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("kind", ["measurements", "defects", "specs"])
def test_scan_equals_read_table(dataset: Path, kind: str) -> None:
    # the canonical files through DuckDB give what leankit.io reads with pyarrow
    got = data.connect(dataset).read(kind)
    pd.testing.assert_frame_equal(_sorted(got), _sorted(lio.read_table(dataset, kind)))


def test_scan_converts_units_like_read_table(dataset: Path, tmp_path: Path) -> None:
    # a bore diameter exported in µm is returned in the dataset's unit (mm), as read_table
    d = Path(shutil.copytree(dataset, tmp_path / "data"))
    raw = tmp_path / "bore_um.csv"
    raw.write_text("timestamp,line,machine,product,characteristic,value,unit\n"
                   "2026-09-01T08:00:00Z,L9,M9,HX-200,bore_diameter,25003,um\n")
    lio.ingest(raw, kind="measurements", out=d)
    want = lio.read_table(d, "measurements")
    got = data.connect(d).read("measurements")
    pd.testing.assert_frame_equal(_sorted(got), _sorted(want))
    row = got[got["line"] == "L9"].iloc[0]
    assert row["value"] == pytest.approx(25.003, rel=1e-12) and row["unit"] == "mm"


def test_partitioned_copy_holds_the_same_rows(dataset: Path, partitioned: Path) -> None:
    for kind in ("measurements", "defects"):
        got = data.connect(partitioned).read(kind)
        pd.testing.assert_frame_equal(_sorted(got), _sorted(lio.read_table(dataset, kind)))
    names = sorted(p.name for p in (partitioned / "partitioned" / "measurements").iterdir())
    assert names[0] == "_built_from.json"
    assert len(names) > 10 and all(re.fullmatch(r"week=\d{4}-W\d{2}", w) for w in names[1:])


def test_week_scan_reads_only_that_weeks_file(partitioned: Path) -> None:
    src = data.connect(partitioned)
    files = src.files("measurements", period="2026-W38")
    assert [f.relative_to(partitioned).as_posix() for f in files] == [
        "partitioned/measurements/week=2026-W38/part-0.parquet"]
    t = src.scan("measurements", period="2026-W38", columns=["characteristic", "value"])
    # DuckDB's own account of the scan: one file read, two columns projected
    plan = src.backend.raw_sql("EXPLAIN ANALYZE " + ibis.to_sql(t, dialect="duckdb")
                               ).fetchall()[0][1]
    assert "Total Files Read: 1" in plan, plan
    assert "week=2026-W38/part-0.parquet" in plan and "week=2026-W37" not in plan, plan
    assert re.search(r"Projections:\s*characteristic\s*│?\s*│?\s*value", plan) or (
        "characteristic" in plan and "source_file" not in plan), plan
    week = src.read("measurements", period="2026-W38")
    assert len(week) > 0 and {data.week_of(x) for x in week["timestamp"]} == {"2026-W38"}


def test_week_scan_never_opens_other_weeks(partitioned: Path, tmp_path: Path) -> None:
    # every other week's file replaced by garbage: a week's scan still works (it never
    # opens them), a scan of everything fails with a clear error
    d = Path(shutil.copytree(partitioned, tmp_path / "data"))
    before = data.connect(d).read("measurements", period="2026-W38")
    for f in (d / "partitioned" / "measurements").glob("week=*/*.parquet"):
        if "2026-W38" not in f.as_posix():
            f.write_bytes(b"not parquet")
    after = data.connect(d).read("measurements", period="2026-W38")
    pd.testing.assert_frame_equal(_sorted(after), _sorted(before))
    with pytest.raises(SourceError, match="measurements"):
        data.connect(d).read("measurements")


def test_period_pair_and_where(dataset: Path, partitioned: Path) -> None:
    want = lio.read_table(dataset, "defects")
    lo, hi = pd.Timestamp("2026-09-10", tz="UTC"), pd.Timestamp("2026-09-17 12:00", tz="UTC")
    want = want[(want["timestamp"] >= lo) & (want["timestamp"] < hi)
                & want["line"].isin(["L1"])]
    for d in (dataset, partitioned):  # canonical and partitioned files alike
        got = data.connect(d).read("defects", period=("2026-09-10", "2026-09-17 12:00"),
                                   where={"line": ["L1"]})
        pd.testing.assert_frame_equal(_sorted(got), _sorted(want))
    assert len(data.connect(partitioned).files("defects", period=(lo, hi))) == 2


def test_partition_is_idempotent_and_follows_ingests(dataset: Path, tmp_path: Path) -> None:
    d = Path(shutil.copytree(dataset, tmp_path / "data"))
    first = data.partition(d).tables.set_index("kind")
    assert first.loc["measurements", "status"] == "written"
    assert first.loc["production", "status"] == "empty"  # no production in this dataset
    stamp = {p: p.stat().st_mtime_ns for p in (d / "partitioned").rglob("*.parquet")}
    again = data.partition(d).tables.set_index("kind")
    assert set(again["status"]) == {"up to date"}
    assert {p: p.stat().st_mtime_ns for p in (d / "partitioned").rglob("*.parquet")} == stamp
    # a new ingest makes the copy stale: scans fall back to the canonical files ...
    extra = tmp_path / "late.csv"
    extra.write_text("timestamp,line,machine,product,characteristic,value,unit\n"
                     "2027-01-04T08:00:00Z,L9,M9,HX-200,bore_diameter,25.001,mm\n")
    lio.ingest(extra, kind="measurements", out=d)
    src = data.connect(d)
    assert all("partitioned" not in f.as_posix() for f in src.files("measurements"))
    assert len(src.read("measurements", period="2027-W01")) == 1
    # ... until partition runs again; no temporary folders are left behind
    third = data.partition(d).tables.set_index("kind")
    assert third.loc["measurements", "status"] == "written"
    assert third.loc["defects", "status"] == "up to date"
    assert [f.parent.name for f in data.connect(d).files("measurements",
                                                          period="2027-W01")] == [
        "week=2027-W01"]
    assert not [p for p in (d / "partitioned").iterdir() if p.name.startswith(".")]
    built = json.loads((d / "partitioned" / "measurements" / "_built_from.json").read_text())
    assert built["rows"] == len(lio.read_table(d, "measurements"))


def test_week_of_and_period_bounds() -> None:
    # ISO 8601 weeks: 2026-01-01 is a Thursday, so it is in 2026-W01; 2027-01-01 (a
    # Friday) belongs to 2026-W53
    assert data.week_of("2026-01-01") == "2026-W01"
    assert data.week_of("2027-01-01T12:00Z") == "2026-W53"
    assert data.week_of("2026-10-26T00:30:00+01:00") == "2026-W43"  # 23:30 UTC, Sunday
    start, end = data.period_bounds("2026-W53") or (None, None)
    assert str(start) == "2026-12-28 00:00:00+00:00" and str(end) == "2027-01-04 00:00:00+00:00"
    with pytest.raises(ValueError, match="ISO week"):
        data.period_bounds("2026-44")
    with pytest.raises(ValueError, match="not after"):
        data.period_bounds(("2026-01-02", "2026-01-01"))


# ------------------------------------------------------------------ errors


def test_not_a_dataset_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"no manifest\.json.*leankit ingest"):
        data.connect(tmp_path)
    with pytest.raises(SourceError, match="does not exist"):
        data.connect(tmp_path / "nowhere")


def test_unknown_url_scheme() -> None:
    with pytest.raises(SourceError, match=r"unsupported source URL scheme 'mysql://'.*"
                                          r"postgresql://") as err:
        data.connect("mysql://me:secret@db/plant")
    assert "secret" not in str(err.value)  # the password is never shown


def test_unknown_column_and_kind(dataset: Path) -> None:
    src = data.connect(dataset)
    with pytest.raises(ColumnNotFoundError, match="did you mean 'characteristic'"):
        src.scan("measurements", columns=["charactristic"])
    with pytest.raises(ColumnNotFoundError, match="where="):
        src.scan("measurements", where={"lin": "L1"})
    with pytest.raises(LeankitError, match="did you mean 'defects'"):
        src.scan("defect")
    with pytest.raises(ValueError, match="no time column"):
        src.scan("specs", period="2026-W40")


def test_missing_part_file(dataset: Path, tmp_path: Path) -> None:
    d = Path(shutil.copytree(dataset, tmp_path / "data"))
    victim = next((d / "defects").glob("part-*.parquet"))
    victim.unlink()
    with pytest.raises(SourceError, match=r"missing; ingest its source file again"):
        data.connect(d).scan("defects")


def test_malformed_postgres_url() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        from .conftest import unavailable

        unavailable("the psycopg driver is not installed (pip install 'leankit[postgres]')")
    with pytest.raises(SourceError, match=r"notaport.*check the host, port, database name"):
        data.connect("postgresql://me:pw@localhost:notaport/plant")
