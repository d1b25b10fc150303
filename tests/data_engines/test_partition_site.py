"""The partitioned copy by ISO week and site (issue 15): the hive folders DuckDB writes
(percent-encoded names, ``__HIVE_DEFAULT_PARTITION__`` for rows without a site), scans
of a site that read only its files (asserted on :meth:`Source.files`, by corrupting the
other sites' files, and on the rows), the same rows as the canonical files in both
layouts, rewrites when ``by`` changes, atomic replacement, and ``leankit data``.

The expected rows are always the canonical files read by :func:`leankit.io.read_table`
(pyarrow, no DuckDB), filtered with pandas: an independent reading of the same data.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import leankit.io as lio
from leankit import data
from leankit.cli import main
from leankit.data import _source
from leankit.errors import OutputFileError

KEY = ["source_file", "source_row"]
NULL = "site=__HIVE_DEFAULT_PARTITION__"

#: Site names that are awkward as folder names: a space, '/', '=', non-ASCII, a
#: literal percent escape, digits only (must stay a string), DuckDB's own null name.
ODD_SITES = ("PLANT-A", "PLANT B", "a/b=c", "Werk Süd", "%20", "123",
             "__HIVE_DEFAULT_PARTITION__", "工場 3")
#: Weeks of the multi-site dataset (ISO weeks 2026-W43 .. W45), Monday 08:00 UTC + day.
MONDAYS = ("2026-10-19", "2026-10-26", "2026-11-02")


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEY, kind="stable").reset_index(drop=True)


def _rel(root: Path, files: list[Path]) -> list[str]:
    return [f.relative_to(root).as_posix() for f in files]


@pytest.fixture(scope="module")
def sites_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Measurements and defects of the odd sites plus rows without a site (an empty
    cell, which the loader stores as missing), 3 ISO weeks; PLANT-A has no rows in
    the last week."""
    root = tmp_path_factory.mktemp("sites")
    meas, defects = root / "meas.csv", root / "defects.csv"
    with meas.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "site", "line", "machine", "product", "characteristic",
                    "value", "unit"])
        i = 0
        for wk, monday in enumerate(MONDAYS):
            for site in (*ODD_SITES, ""):
                if site == "PLANT-A" and wk == 2:
                    continue
                for day in (0, 2, 4):  # Monday, Wednesday, Friday
                    i += 1
                    ts = pd.Timestamp(monday) + pd.Timedelta(days=day, hours=8)
                    w.writerow([ts.strftime("%Y-%m-%dT%H:%M:%SZ"), site, "L1", "M1",
                                "HX-200", "bore_diameter", 25 + i / 1000, "mm"])
    with defects.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "site", "line", "defect_type", "count", "inspected"])
        for monday in MONDAYS:
            for j, site in enumerate(("PLANT-A", "Werk Süd", "")):
                w.writerow([f"{monday}T10:00:00Z", site, "L1", "Burr", j + 1, 100])
    out = root / "data"
    lio.ingest(meas, kind="measurements", out=out, profile="canonical")
    lio.ingest(defects, kind="defects", out=out, profile="canonical")
    return out


@pytest.fixture
def by_site(sites_dataset: Path, tmp_path: Path) -> Path:
    d = Path(shutil.copytree(sites_dataset, tmp_path / "data"))
    data.partition(d, by="week,site")
    return d


# ------------------------------------------------------------------ rows and folders


@pytest.mark.parametrize("by", ["week", "week,site", ("week", "site")])
def test_both_layouts_read_the_canonical_rows(dataset: Path, tmp_path: Path, by: Any) -> None:
    # the sample plant: measurements of PLANT-N and rows without a site
    d = Path(shutil.copytree(dataset, tmp_path / "data"))
    canonical = {k: data.connect(d).read(k) for k in ("measurements", "defects")}
    report = data.partition(d, by=by)
    assert report.by == (("week",) if by == "week" else ("week", "site"))
    src = data.connect(d)
    assert src.partition_status("measurements") == ("up to date", report.by)
    for kind in ("measurements", "defects"):
        want = _sorted(lio.read_table(d, kind))
        got = _sorted(src.read(kind))
        # same columns in the same order, same dtypes (site a string column), same values
        pd.testing.assert_frame_equal(got, want)
        pd.testing.assert_frame_equal(got, _sorted(canonical[kind]))
        assert all("partitioned" in f.as_posix() for f in src.files(kind))
    folders = {f.parent.name for f in src.files("measurements")}
    if report.by == ("week", "site"):
        assert folders == {"site=PLANT-N", NULL}
        t = report.tables.set_index("kind")
        assert t.loc["measurements", "sites"] == 2 and t.loc["defects", "sites"] == 1
        assert "(13 weeks, 2 sites)" in str(report)
    else:
        assert all(name.startswith("week=") for name in folders)
        assert report.tables["sites"].isna().all()


def test_odd_site_names_round_trip(by_site: Path) -> None:
    src = data.connect(by_site)
    want = lio.read_table(by_site, "measurements")
    got = src.read("measurements")
    pd.testing.assert_frame_equal(_sorted(got), _sorted(want))
    assert set(got["site"].dropna()) == set(ODD_SITES)
    assert got["site"].isna().sum() == 9  # 3 weeks x 3 rows without a site
    names = sorted({f.parent.name for f in src.files("measurements")})
    # DuckDB's percent-encoding; its null name escaped when it is a real site's name
    assert names == sorted([
        "site=PLANT-A", "site=PLANT%20B", "site=a%2Fb%3Dc", "site=Werk%20S%C3%BCd",
        "site=%2520", "site=123", "site=%5F_HIVE_DEFAULT_PARTITION__",
        "site=%E5%B7%A5%E5%A0%B4%203", NULL])
    for site in ODD_SITES:
        files = src.files("measurements", where={"site": site})
        assert len({f.parent.name for f in files}) == 1
        assert len(files) == (2 if site == "PLANT-A" else 3)  # one file per week
        rows = src.read("measurements", where={"site": site})
        expected = want[want["site"] == site]
        assert len(rows) == len(expected) > 0
        pd.testing.assert_frame_equal(_sorted(rows), _sorted(expected))


def test_files_per_week_and_site(by_site: Path) -> None:
    src = data.connect(by_site)
    week = "partitioned/measurements/week=2026-W44"
    assert _rel(by_site, src.files("measurements", period="2026-W44",
                                   where={"site": "Werk Süd"})) == [
        f"{week}/site=Werk%20S%C3%BCd/part-0.parquet"]
    assert _rel(by_site, src.files("measurements", period="2026-W44",
                                   where={"site": ["PLANT-A", "a/b=c"]})) == [
        f"{week}/site=PLANT-A/part-0.parquet", f"{week}/site=a%2Fb%3Dc/part-0.parquet"]
    # a period of two weeks, one site: its two files; PLANT-A has no rows in W45
    assert _rel(by_site, src.files("measurements", period=("2026-10-26", "2026-11-09"),
                                   where={"site": "PLANT-A"})) == [
        f"{week}/site=PLANT-A/part-0.parquet"]
    # the old signature (positional kind, period=) still works: every site of the week
    assert len(src.files("measurements", period="2026-W44")) == 9
    # other where= entries and callables do not prune files (the engine filters)
    assert len(src.files("measurements", where={"line": "L1"})) == 26
    assert len(src.files("measurements", where=lambda t: t.site == "PLANT-A")) == 26
    # defects are partitioned the same way
    assert _rel(by_site, src.files("defects", period="2026-W43", where={"site": None})) == [
        f"partitioned/defects/week=2026-W43/{NULL}/part-0.parquet"]


def test_site_scan_reads_only_that_sites_files(by_site: Path, tmp_path: Path) -> None:
    # every other site's file replaced by garbage: the site's scan still works (it never
    # opens them), a scan of every site fails with a clear error
    src = data.connect(by_site)
    before = src.read("measurements", period="2026-W44", where={"site": "a/b=c"})
    assert len(before) == 3 and set(before["site"]) == {"a/b=c"}
    for f in (by_site / "partitioned" / "measurements").rglob("*.parquet"):
        if f.parent.name != "site=a%2Fb%3Dc":
            f.write_bytes(b"not parquet")
    after = data.connect(by_site).read("measurements", where={"site": "a/b=c"})
    assert len(after) == 9
    in_w44 = after["timestamp"].map(data.week_of) == "2026-W44"
    pd.testing.assert_frame_equal(_sorted(after[in_w44]), _sorted(before))
    with pytest.raises(data.SourceError, match="measurements"):
        data.connect(by_site).read("measurements", where={"site": "PLANT-A"})


def test_unknown_site_is_empty_not_an_error(by_site: Path) -> None:
    src = data.connect(by_site)
    assert src.files("measurements", where={"site": "PLANT-X"}) == []
    assert src.files("measurements", where={"site": []}) == []
    empty = src.read("measurements", period="2026-W44", where={"site": "PLANT-X"})
    assert empty.empty and list(empty.columns) == list(src.read("measurements").columns)
    assert len(src.read("measurements", where={"site": ["PLANT-X"]})) == 0


def test_rows_without_a_site(by_site: Path, sites_dataset: Path) -> None:
    want = lio.read_table(sites_dataset, "measurements")
    none = want[want["site"].isna()]
    with_b = want[want["site"].isna() | (want["site"] == "PLANT B")]
    for d in (sites_dataset, by_site):  # canonical files and the site layout agree
        src = data.connect(d)
        pd.testing.assert_frame_equal(_sorted(src.read("measurements",
                                                       where={"site": None})), _sorted(none))
        pd.testing.assert_frame_equal(
            _sorted(src.read("measurements", where={"site": ["PLANT B", None]})),
            _sorted(with_b))
    folders = {f.parent.name for f in data.connect(by_site).files(
        "measurements", where={"site": ["PLANT B", None]})}
    assert folders == {NULL, "site=PLANT%20B"}


def test_where_site_on_the_other_layouts(sites_dataset: Path, tmp_path: Path) -> None:
    # canonical files and the week-only copy: where= filters, no file is left out
    d = Path(shutil.copytree(sites_dataset, tmp_path / "data"))
    want = lio.read_table(d, "measurements")
    want = want[(want["site"] == "Werk Süd")
                & (want["timestamp"].map(data.week_of) == "2026-W44")]
    for step in ("canonical", "week"):
        if step == "week":
            data.partition(d)
        src = data.connect(d)
        got = src.read("measurements", period="2026-W44", where={"site": "Werk Süd"})
        pd.testing.assert_frame_equal(_sorted(got), _sorted(want))
    assert _rel(d, data.connect(d).files("measurements", period="2026-W44",
                                         where={"site": "Werk Süd"})) == [
        "partitioned/measurements/week=2026-W44/part-0.parquet"]


def test_dataset_in_a_key_value_folder_keeps_its_sites(sites_dataset: Path,
                                                      tmp_path: Path) -> None:
    # a folder named like a hive partition (site=X) above the dataset: the values are
    # the files' own, DuckDB's hive detection adds and replaces nothing
    d = Path(shutil.copytree(sites_dataset, tmp_path / "site=X" / "data"))
    got = data.connect(d).read("measurements")
    pd.testing.assert_frame_equal(_sorted(got), _sorted(lio.read_table(d, "measurements")))
    assert "X" not in set(got["site"].dropna())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
                min_size=1, max_size=6, unique=True))
def test_folder_names_decode_to_duckdbs_values(sites: list[str]) -> None:
    """Any site string (control characters, '%', '/', '=', '..', '', emoji ...): the
    folder DuckDB writes decodes (leankit's :func:`_hive_value`) to the value in the
    file, and a missing site to ``None``."""
    out = Path(tempfile.mkdtemp()) / "copy"
    try:
        con = duckdb.connect()
        table = pa.table({"site": [*sites, None], "x": range(len(sites) + 1)})
        con.register("t", table)
        con.execute(f"COPY (SELECT *, 'W' AS week FROM t) TO '{out}' (FORMAT parquet, "
                    "PARTITION_BY (week, site), WRITE_PARTITION_COLUMNS true)")
        seen = []
        for f in out.rglob("*.parquet"):
            held = con.execute("SELECT DISTINCT site FROM read_parquet(?, "
                               "hive_partitioning=false)", [str(f)]).fetchall()
            assert held == [(_source._hive_value(f.parent.name),)], f.parent.name
            seen.append(held[0][0])
        assert sorted(seen, key=repr) == sorted([*sites, None], key=repr)
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


# ------------------------------------------------------------------ rewriting


def test_repartition_when_by_changes_and_skip_when_up_to_date(sites_dataset: Path,
                                                             tmp_path: Path) -> None:
    d = Path(shutil.copytree(sites_dataset, tmp_path / "data"))
    built = d / "partitioned" / "measurements" / "_built_from.json"
    assert set(data.partition(d).tables["status"]) == {"written", "empty"}
    assert json.loads(built.read_text())["by"] == ["week"]
    stamp = {p: p.stat().st_mtime_ns for p in (d / "partitioned").rglob("*.parquet")}
    again = data.partition(d, by="week")
    assert set(again.tables["status"]) == {"up to date"}
    assert {p: p.stat().st_mtime_ns for p in (d / "partitioned").rglob("*.parquet")} == stamp
    # another by rewrites the copy
    site = data.partition(d, by="week,site").tables.set_index("kind")
    assert site.loc["measurements", "status"] == "written"
    assert site.loc["measurements", ["weeks", "sites", "files", "rows"]].tolist() == [
        3, 9, 26, 78]
    assert json.loads(built.read_text())["by"] == ["week", "site"]
    assert not list((d / "partitioned" / "measurements").glob("week=*/*.parquet"))
    up = data.partition(d, by=("week", "site")).tables.set_index("kind")
    assert set(up["status"]) == {"up to date"}
    assert up.loc["measurements", ["weeks", "sites", "files", "rows"]].tolist() == [
        3, 9, 26, 78]
    # an ingest makes it out of date: scans read the canonical files meanwhile
    extra = tmp_path / "late.csv"
    extra.write_text("timestamp,site,line,machine,product,characteristic,value,unit\n"
                     "2027-01-04T08:00:00Z,PLANT-A,L9,M9,HX-200,bore_diameter,25.001,mm\n")
    lio.ingest(extra, kind="measurements", out=d)
    src = data.connect(d)
    assert src.partition_status("measurements") == ("out of date", ("week", "site"))
    assert src.partition_status("defects") == ("up to date", ("week", "site"))
    assert all("partitioned" not in f.as_posix() for f in src.files(
        "measurements", where={"site": "PLANT-A"}))
    assert len(src.read("measurements", period="2027-W01", where={"site": "PLANT-A"})) == 1
    # back to week only
    data.partition(d, by="week")
    assert not list((d / "partitioned" / "measurements").glob("week=*/site=*"))
    assert not [p for p in (d / "partitioned").iterdir() if p.name.startswith(".")]
    pd.testing.assert_frame_equal(_sorted(data.connect(d).read("measurements")),
                                  _sorted(lio.read_table(d, "measurements")))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def test_failure_mid_write_leaves_the_old_copy(sites_dataset: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    d = Path(shutil.copytree(sites_dataset, tmp_path / "data"))
    data.partition(d)
    before = _snapshot(d / "partitioned")

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk pulled out")

    # 1. after DuckDB wrote the new files, before they replace the old copy
    with monkeypatch.context() as m:
        m.setattr(_source, "_check_copy", boom)
        with pytest.raises(RuntimeError, match="disk pulled out"):
            data.partition(d, by="week,site")
    assert _snapshot(d / "partitioned") == before
    assert not [p for p in (d / "partitioned").iterdir() if p.name.startswith(".")]
    src = data.connect(d)
    assert src.partition_status("measurements") == ("up to date", ("week",))
    assert len(src.files("measurements", where={"site": "PLANT-A"})) == 3  # weeks' files

    # 2. the rename of the new copy into place fails: the old one is put back
    real = _source.os.replace

    def no_rename(a: Any, b: Any) -> None:
        if Path(a).name.endswith(".tmp"):
            raise OSError(28, "No space left on device")
        real(a, b)

    with monkeypatch.context() as m:
        m.setattr(_source.os, "replace", no_rename)
        with pytest.raises(OSError, match="No space"):
            data.partition(d, by="week,site")
    assert _snapshot(d / "partitioned") == before
    assert not [p for p in (d / "partitioned").iterdir() if p.name.startswith(".")]
    pd.testing.assert_frame_equal(_sorted(data.connect(d).read("measurements")),
                                  _sorted(lio.read_table(d, "measurements")))


def test_a_site_name_too_long_for_a_folder(tmp_path: Path) -> None:
    raw = tmp_path / "long.csv"
    raw.write_text("timestamp,site,line,machine,product,characteristic,value,unit\n"
                   f"2026-10-20T08:00:00Z,{'Ü' * 60},L1,M1,P,bore,1.0,mm\n", "utf-8")
    d = tmp_path / "data"
    lio.ingest(raw, kind="measurements", out=d)
    data.partition(d)
    before = _snapshot(d / "partitioned")
    with pytest.raises(OutputFileError, match=r"site name is too long.*by='week'"):
        data.partition(d, by="week,site")
    assert _snapshot(d / "partitioned") == before
    assert not [p for p in (d / "partitioned").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(("by", "error", "match"), [
    ("site", ValueError, "the week always"),
    ("week,line", ValueError, "cannot partition by 'line'"),
    ("week,site,week", ValueError, "each key once"),
    (3, TypeError, "by= must be"),
])
def test_partition_by_errors(sites_dataset: Path, by: Any, error: type[Exception],
                             match: str) -> None:
    with pytest.raises(error, match=match):
        data.partition(sites_dataset, by=by)


def test_key_order_does_not_matter(sites_dataset: Path, tmp_path: Path) -> None:
    d = Path(shutil.copytree(sites_dataset, tmp_path / "data"))
    assert data.partition(d, by="site, week").by == ("week", "site")


# ------------------------------------------------------------------ command line


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_data_partition_and_info(sites_dataset: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    d = Path(shutil.copytree(sites_dataset, tmp_path / "data"))
    rc, out, _ = _run(["data", "info", str(d)], capsys)
    assert rc == 0
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert lines["measurements"].split()[1:6] == [
        "78", "2026-10-19", "08:00:00", "2026-11-06", "08:00:00"]
    assert lines["measurements"].endswith("none")
    assert lines["specs"].split()[1] == "0" and lines["specs"].endswith("(no time column)")

    rc, out, _ = _run(["data", "partition", str(d), "--by", "week,site"], capsys)
    assert rc == 0
    assert out.splitlines() == [
        f"partitioned copy of {d} (by ISO week (UTC) and site):",
        "  measurements: written, 78 rows in 26 files (3 weeks, 9 sites)",
        "  defects: written, 9 rows in 9 files (3 weeks, 3 sites)",
        "  production: empty, 0 rows in 0 files (0 weeks, 0 sites)"]
    rc, out, _ = _run(["data", "partition", str(d), "--by", "week,site"], capsys)
    assert rc == 0 and out.count("up to date") == 3

    rc, out, _ = _run(["data", "info", str(d)], capsys)
    assert rc == 0
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert lines["measurements"].endswith("up to date, by week and site")
    assert lines["production"].split()[1:4] == ["0", "-", "-"]

    extra = tmp_path / "late.csv"
    extra.write_text("timestamp,line,defect_type,count\n2027-01-04T08:00:00Z,L1,Burr,1\n")
    lio.ingest(extra, kind="defects", out=d)
    rc, out, _ = _run(["data", "info", str(d)], capsys)
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert lines["defects"].split()[1] == "10"
    assert lines["defects"].endswith(
        "out of date, by week and site (run leankit data partition)")

    rc, out, _ = _run(["data", "partition", str(d)], capsys)  # default: by week
    assert rc == 0 and out.splitlines()[0].endswith("(by ISO week, UTC):")
    assert "  defects: written, 10 rows in 4 files (4 weeks)" in out.splitlines()


def test_cli_data_errors(tmp_path: Path, sites_dataset: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("partition", "info"):
        rc, out, err = _run(["data", command, str(tmp_path / "nowhere")], capsys)
        assert rc == 2 and out == ""
        assert "does not exist, so it is not a dataset folder" in err
        assert "leankit ingest" in err and "Traceback" not in err
        rc, _, err = _run(["data", command, str(tmp_path)], capsys)
        assert rc == 2 and "has no manifest.json" in err
    with pytest.raises(SystemExit) as exc:  # argparse: usage and exit status 2
        _run(["data", "partition", str(sites_dataset), "--by", "site"], capsys)
    assert exc.value.code == 2
    assert "invalid choice: 'site'" in capsys.readouterr().err
