"""Ingest from a real PostgreSQL server (``leankit.io.ingest_database``, ``leankit ingest
postgresql://...``): the same rows and values as ingesting the equivalent JSON Lines
export, bad rows quarantined with their reasons, incremental by a watermark,
idempotent, and every failure a leankit error that writes nothing. No mocks: the
server is the conftest's ``pg_url`` fixture."""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import leankit.io as lio
from leankit.cli import main
from leankit.data import SourceError
from leankit.errors import ColumnNotFoundError, DataQualityWarning, ProfileError

from .conftest import SAMPLE

#: Rows of the sample MES defect log loaded into the table (line 667 is a negative count).
FIRST, LAST = 600, 700
_ids = itertools.count()
COLUMNS = ("ts", "lot", "line", "machine", "shift", "product", "defect", "category", "qty",
           "inspected", "cost_eur", "note")


def _records() -> list[dict[str, Any]]:
    lines = (SAMPLE / "defects" / "mes_defects.jsonl").read_text("utf-8").splitlines()
    return [json.loads(t) for t in lines[FIRST - 1:LAST]]


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _create(url: str, records: list[dict[str, Any]]) -> str:
    """A fresh MES-like table ``mes_defect_log_N`` (id, ts timestamptz, ...)."""
    name = f"mes_defect_log_{next(_ids)}"
    with _connect(url) as con:
        con.execute(f"""CREATE TABLE {name} (id integer PRIMARY KEY, ts timestamptz,
            lot text, line text, machine text, shift text, product text, defect text,
            category text, qty integer, inspected integer, cost_eur double precision,
            note text)""")
        _insert(con, name, records, 1)
    return name


def _insert(con: Any, name: str, records: list[dict[str, Any]], first_id: int) -> None:
    cols = ", ".join(("id", *COLUMNS))
    marks = ", ".join(["%s"] * (len(COLUMNS) + 1))
    with con.cursor() as cur:
        cur.executemany(f"INSERT INTO {name} ({cols}) VALUES ({marks})",
                        [(first_id + i, *(r[c] for c in COLUMNS))
                         for i, r in enumerate(records)])


def _table(out: Path, kind: str = "defects", quarantine: bool = False) -> pd.DataFrame:
    df = lio.read_table(out, kind, quarantine=quarantine)
    return df


def _values(df: pd.DataFrame) -> pd.DataFrame:
    """The canonical columns, without lineage, in a stable order."""
    df = df.drop(columns=["source_file", "source_row"])
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def _manifest(out: Path) -> bytes | None:
    p = out / "manifest.json"
    return p.read_bytes() if p.exists() else None


@pytest.fixture()
def defects_table(pg_url: str) -> str:
    return _create(pg_url, _records())


def test_same_rows_and_values_as_the_jsonl_export(pg_url: str, defects_table: str,
                                                  tmp_path: Path) -> None:
    """The table ingested from PostgreSQL equals the same records ingested from a JSON
    Lines file (the sample MES log's lines 600-700) through the same profile."""
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in _records()), "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        file_rep = lio.ingest(export, kind="defects", out=tmp_path / "from_file")
        rep = lio.ingest_database(pg_url, table=defects_table, kind="defects",
                                  out=tmp_path / "from_db")
    assert rep.status == "loaded"
    assert rep.profile == file_rep.files[0].profile == "mes-jsonl"
    acc, facc = rep.accounting, file_rep.files[0].accounting
    assert (acc.rows_read, acc.rows_loaded, acc.rows_quarantined) == (
        facc.rows_read, facc.rows_loaded, facc.rows_quarantined) == (101, 100, 1)
    assert acc.rows_read == acc.rows_loaded + acc.rows_quarantined
    db, f = _table(tmp_path / "from_db"), _table(tmp_path / "from_file")
    pd.testing.assert_frame_equal(_values(db), _values(f))
    assert (db["source_file"] == rep.source).all()
    assert sorted(db["source_row"]) == [r for r in range(1, 102) if r != 68]
    # the negative count (sample line 667 = id 68) is quarantined with its reason
    q = _table(tmp_path / "from_db", quarantine=True)
    assert list(q["reason_code"]) == ["negative_count"] and list(q["source_row"]) == [68]
    assert "negative count" in q["reason"].iloc[0] and '"qty": -2' in q["raw"].iloc[0]
    entry = json.loads((tmp_path / "from_db" / "manifest.json").read_text())["files"][0]
    assert entry["format"] == "database" and entry["source"]["table"] == defects_table
    assert "@" in entry["source"]["url"] and entry["sha256"] == rep.sha256


def test_bad_timestamp_from_a_query_is_quarantined(pg_url: str, defects_table: str,
                                                   tmp_path: Path) -> None:
    """A query (times as text, one not a time, one missing) maps like a table; the bad
    rows go to the quarantine with their reasons and every row is accounted for."""
    query = (f"SELECT id, CASE WHEN id = 3 THEN 'yesterday' WHEN id = 4 THEN NULL "
             f"ELSE to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END AS ts, "
             f"line, machine, shift, product, lot, defect, category, qty, inspected, cost_eur, "
             f"note FROM {defects_table}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        rep = lio.ingest_database(pg_url, query=query, kind="defects", out=tmp_path)
    acc = rep.accounting
    assert (acc.rows_read, acc.rows_loaded, acc.rows_quarantined) == (101, 98, 3)
    q = _table(tmp_path, quarantine=True).sort_values("source_row")
    assert list(q["source_row"]) == [3, 4, 68]
    assert q["reason_code"].tolist()[2] == "negative_count"
    assert "yesterday" in q["reason"].iloc[0] or "yesterday" in str(q["value"].iloc[0])
    assert "timestamp" in q["column"].iloc[1]
    assert rep.source.split()[-2] == "query"


def test_incremental_by_watermark(pg_url: str, tmp_path: Path) -> None:
    """First run loads the first 60 rows; new rows inserted; the second run appends only
    them (WHERE id > 60 in the database); a third run writes nothing."""
    records = _records()
    name = _create(pg_url, records[:60])
    first = lio.ingest_database(pg_url, table=name, kind="defects", out=tmp_path,
                                watermark="id")
    assert first.status == "loaded" and first.accounting.rows_read == 60
    assert (first.watermark_from, first.watermark_to) == (None, 60)
    assert str(first).endswith("; unmapped columns: id; watermark id up to 60")
    with _connect(pg_url) as con:
        _insert(con, name, records[60:], 61)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        second = lio.ingest_database(pg_url, table=name, kind="defects", out=tmp_path,
                                     watermark="id")
    assert second.status == "loaded" and second.accounting.rows_read == 41
    assert (second.watermark_from, second.watermark_to) == (60, 101)
    assert str(second).endswith("; watermark id > 60, up to 101")
    before = _manifest(tmp_path)
    third = lio.ingest_database(pg_url, table=name, kind="defects", out=tmp_path,
                                watermark="id")
    assert third.status == "no new rows" and third.rows_loaded == 0
    assert str(third).endswith("]: no new rows, nothing to do; watermark id > 101")
    assert _manifest(tmp_path) == before
    # the dataset holds each row once: the same as one run over the whole table
    whole = tmp_path / "whole"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        lio.ingest_database(pg_url, table=name, kind="defects", out=whole)
    pd.testing.assert_frame_equal(_values(_table(tmp_path)), _values(_table(whole)))
    entries = json.loads(before or b"{}")["files"]
    assert [e["source"]["watermark_max"] for e in entries] == [60, 101]


def test_timestamp_watermark_and_rows_without_one(pg_url: str, tmp_path: Path) -> None:
    """A timestamptz watermark round-trips through the manifest (ISO text); rows whose
    watermark is NULL are counted and reported, not read."""
    records = _records()[:30]
    name = _create(pg_url, records)
    with _connect(pg_url) as con:
        con.execute(f"ALTER TABLE {name} ADD COLUMN loaded_at timestamptz")
        con.execute(f"UPDATE {name} SET loaded_at = '2026-09-01 00:00:00+00'::timestamptz "
                    "+ id * interval '1 second' WHERE id <= 28")
    with pytest.warns(DataQualityWarning, match="2 rows have no loaded_at value"):
        first = lio.ingest_database(pg_url, table=name, kind="defects", out=tmp_path,
                                    watermark="loaded_at")
    assert first.accounting.rows_read == 28 and first.rows_without_watermark == 2
    assert str(first.watermark_to) == "2026-09-01 00:00:28+00:00"
    with _connect(pg_url) as con:
        con.execute(f"UPDATE {name} SET loaded_at = '2026-09-02 00:00:00+00' WHERE id = 29")
    with pytest.warns(DataQualityWarning):
        second = lio.ingest_database(pg_url, table=name, kind="defects", out=tmp_path,
                                     watermark="loaded_at")
    assert second.accounting.rows_read == 1 and second.rows_loaded == 1
    assert len(_table(tmp_path)) == 29


def test_without_watermark_idempotent_by_content(pg_url: str, defects_table: str,
                                                 tmp_path: Path) -> None:
    """A second identical run writes nothing; rows read in another order are the same
    content; a changed table is loaded as a new part."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        first = lio.ingest_database(pg_url, table=defects_table, kind="defects",
                                    out=tmp_path)
        before = _manifest(tmp_path)
        again = lio.ingest_database(pg_url, table=defects_table, kind="defects",
                                    out=tmp_path)
        reordered = lio.ingest_database(
            pg_url, query=f"SELECT * FROM {defects_table} ORDER BY id DESC",
            kind="defects", out=tmp_path)
    assert first.status == "loaded"
    assert again.status == reordered.status == "already loaded"
    assert again.sha256 == reordered.sha256 == first.sha256
    assert "already loaded (same content hash), nothing to do" in str(again)
    assert _manifest(tmp_path) == before
    assert len(_table(tmp_path)) == 100


@pytest.mark.parametrize("case", ["missing table", "failed query", "runtime failure",
                                  "missing watermark", "unmappable", "bad url",
                                  "unreachable"])
def test_errors_write_nothing(pg_url: str, defects_table: str, tmp_path: Path,
                              case: str) -> None:
    out = tmp_path / "data"
    lio.ingest(SAMPLE / "specs.csv", kind="specs", out=out)
    before = _manifest(out)
    kw: dict[str, Any] = {"kind": "defects", "out": out, "table": defects_table}
    err: type[Exception]
    url = pg_url
    if case == "missing table":
        kw["table"] = "no_such_table"
        err, match = SourceError, "cannot read table 'no_such_table'"
    elif case == "failed query":
        kw.update(table=None, query="SELEC nonsense FROM")
        err, match = SourceError, "the query failed"
    elif case == "runtime failure":  # parses, fails while it runs (division by zero)
        kw.update(table=None, query=f"SELECT *, 1 / (id - id) AS boom FROM {defects_table}")
        err, match = SourceError, "the query failed while it ran"
    elif case == "missing watermark":
        kw["watermark"] = "updated_at"
        err, match = ColumnNotFoundError, "column 'updated_at' is not in the table"
    elif case == "unmappable":
        kw.update(table=None, query=f"SELECT id, line, qty AS amount FROM {defects_table}")
        err, match = ProfileError, "timestamp"
    elif case == "bad url":
        url = "postgresql://leankit@127.0.0.1:notaport/postgres"
        err, match = SourceError, "port"
    else:
        from .conftest import _free_port

        url = f"postgresql://leankit:secret@127.0.0.1:{_free_port()}/postgres"
        err, match = SourceError, "cannot connect"
    with pytest.raises(err, match=match) as info:
        lio.ingest_database(url, **kw)
    assert "secret" not in str(info.value)
    if case == "unmappable":  # names the missing canonical columns and what was found
        assert "amount" in str(info.value) and "defect_type" in str(info.value)
    assert _manifest(out) == before
    assert sorted(p.name for p in (out).iterdir()) == ["manifest.json", "manifest.lock",
                                                       "quarantine", "specs"]


def test_cli(pg_url: str, defects_table: str, tmp_path: Path,
             capsys: pytest.CaptureFixture[str]) -> None:
    """``leankit ingest postgresql://... --table T --watermark id`` prints the accounting
    like a file ingest, then "no new rows"; a bad table is an error, exit code 2."""
    out = tmp_path / "data"
    args = ["ingest", pg_url, "--table", defects_table, "--kind", "defects", "--out",
            str(out), "--watermark", "id"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        assert main(args) == 0
    text = capsys.readouterr().out
    assert "read 101 rows: 100 loaded, 1 quarantined (negative_count: 1)" in text
    assert "quarantined rows: leankit.io.read_table(" in text
    assert main(args) == 0
    assert "no new rows, nothing to do" in capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "no new rows"
    assert main(["ingest", pg_url, "--query", f"SELECT * FROM {defects_table}", "--kind",
                 "defects", "--out", str(tmp_path / "q"), "--strict"]) == 1
    capsys.readouterr()
    assert main(["ingest", pg_url, "--table", "nope", "--kind", "defects", "--out",
                 str(out)]) != 0
    assert "cannot read table 'nope'" in capsys.readouterr().err
    assert main(["ingest", pg_url, "--kind", "defects", "--out", str(out)]) != 0
    assert "--table or --query" in capsys.readouterr().err


def test_canonical_measurements_table_round_trip(pg_loaded: str, frames: dict[str, Any],
                                                 tmp_path: Path) -> None:
    """The conftest's ``measurements`` table (the sample plant's 23,674 readings, loaded
    into PostgreSQL from the fixture dataset) ingested back: the canonical profile maps
    it, and every value, time and label equals the dataset it came from (floats exact)."""
    out = tmp_path / "data"
    lio.ingest(SAMPLE / "specs.csv", kind="specs", out=out)  # the same units as the fixture
    rep = lio.ingest_database(pg_loaded, table="measurements", kind="measurements", out=out)
    assert rep.profile == "canonical"
    assert (rep.accounting.rows_read, rep.rows_loaded) == (23_674, 23_674)
    key = ["timestamp", "characteristic", "line", "subgroup", "value"]
    got = _table(out, "measurements").drop(columns=["source_file", "source_row"])
    want = frames["measurements"].to_pandas().drop(columns=["source_file", "source_row"])
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  want.sort_values(key).reset_index(drop=True))


def test_argument_errors_need_no_server(tmp_path: Path) -> None:
    """Wrong arguments fail before any connection, and nothing is created."""
    out = tmp_path / "data"
    with pytest.raises(ValueError, match="give one of table= and query="):
        lio.ingest_database("postgresql://u@h/db", kind="defects", out=out)
    with pytest.raises(ValueError, match="give one of table= and query="):
        lio.ingest_database("postgresql://u@h/db", kind="defects", out=out, table="t",
                            query="SELECT 1")
    with pytest.raises(SourceError, match="not a database URL"):
        lio.ingest_database(str(tmp_path), kind="defects", out=out, table="t")
    with pytest.raises(SourceError, match="unsupported source URL scheme 'mysql://'"):
        lio.ingest_database("mysql://u:pw@h/db", kind="defects", out=out, table="t")
    assert main(["ingest", "sample_data/specs.csv", "--watermark", "id", "--kind", "specs",
                 "--out", str(out)]) == 2
    assert not out.exists()


@pytest.mark.filterwarnings("ignore::leankit.errors.DataQualityWarning")
@pytest.mark.parametrize("watermark", ["id", None])
def test_concurrent_runs_load_each_row_once(pg_url: str, defects_table: str,
                                           tmp_path: Path, watermark: str | None) -> None:
    """Three ingests of one source into one dataset at the same time: the dataset holds
    each row once (the later ones find the rows loaded, or read again above the new
    watermark, under the dataset's lock)."""
    from concurrent.futures import ThreadPoolExecutor

    def run(_: int) -> lio.DatabaseIngestReport:  # (no catch_warnings: not thread-safe)
        return lio.ingest_database(pg_url, table=defects_table, kind="defects",
                                   out=tmp_path, watermark=watermark)

    with ThreadPoolExecutor(3) as pool:
        reports = list(pool.map(run, range(3)))
    assert [r.status for r in reports].count("loaded") == 1
    assert sum(r.rows_loaded for r in reports) == 100
    assert len(_table(tmp_path)) == 100 and len(_table(tmp_path, quarantine=True)) == 1
