"""Real engines for the data-layer tests: a dataset of the sample plant (DuckDB), a
PostgreSQL server started here on a free port in a temporary folder, and a local
Spark (``local[2]``), each loaded with the same rows.

Without PostgreSQL's binaries or Java/PySpark the tests that need them are skipped,
except when ``LEANKIT_REQUIRE_ENGINES=1`` (set by ``.ci/run``): then they fail, because
CI must never skip them silently.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"

#: The sample plant's exports loaded into the fixture dataset.
FILES = (
    ("measurements/line1_gauge.csv", "measurements"),
    ("measurements/line2_cmm.xlsx", "measurements"),
    ("measurements/line2_process_log.csv", "measurements"),
    ("defects/mes_defects.jsonl", "defects"),
    ("specs.csv", "specs"),
)

#: Seconds it took to start the Spark session (reported by test_spark_start_time).
TIMINGS: dict[str, float] = {}


def unavailable(reason: str) -> None:
    if os.environ.get("LEANKIT_REQUIRE_ENGINES") == "1":
        pytest.fail(f"{reason} (LEANKIT_REQUIRE_ENGINES=1: engine tests must run)",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample plant's measurements, defects and specs as a leankit dataset."""
    import leankit.io as lio

    out = tmp_path_factory.mktemp("engines") / "data"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quarantined sample rows (on purpose) warn
        for rel, kind in FILES:
            lio.ingest(SAMPLE / rel, kind=kind, out=out)
    return out


@pytest.fixture(scope="session")
def partitioned(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of :func:`dataset` with its partitioned copy written."""
    from leankit import data

    d = Path(shutil.copytree(dataset, tmp_path_factory.mktemp("part") / "data"))
    data.partition(d)
    return d


@pytest.fixture(scope="session")
def frames(dataset: Path) -> dict[str, Any]:
    """The canonical tables as Arrow tables (what every engine is loaded with)."""
    from leankit.io import Dataset

    ds = Dataset(dataset)
    return {k: ds.read_arrow(k) for k in ("measurements", "defects")}


# ------------------------------------------------------------------ PostgreSQL


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("pg_ctl")
    return Path(exe).parent if exe else None


def _as_server_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the ``postgres`` user then."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL server of its own (temporary data folder, free port, trust login),
    stopped and removed at the end of the session."""
    bindir = _pg_bin()
    if bindir is None:
        unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("the psycopg driver is not installed (pip install 'leankit[postgres]')")
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="leankit-pg-"))
    pgdata, sockets = root / "pgdata", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    log = root / "server.log"

    def run(cmd: list[str]) -> None:
        res = subprocess.run(_as_server_user(cmd), capture_output=True, text=True,
                             timeout=120, check=False)
        if res.returncode != 0:
            text = log.read_text() if log.exists() else ""
            unavailable(f"{cmd[0]} failed: {res.stderr.strip()} {text[-500:]}")

    run([str(bindir / "initdb"), "-D", str(pgdata), "-U", "leankit", "--auth=trust",
         "-E", "UTF8", "--no-sync"])
    opts = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c TimeZone=UTC")
    run([str(bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(log), "-o", opts, "-w",
         "-t", "60", "start"])
    try:
        yield f"postgresql://leankit@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(pgdata), "-m",
                                        "immediate", "stop"]), capture_output=True,
                       timeout=60, check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_loaded(pg_url: str, frames: dict[str, Any]) -> str:
    """The server with the fixture tables: ``measurements`` and ``defects`` (canonical
    names), and ``mes_readings`` (the measurements under other column names)."""
    import psycopg

    with psycopg.connect(pg_url.replace("postgresql://", "postgresql://", 1),
                         autocommit=True) as con:
        for kind, table in frames.items():
            _pg_load(con, kind, table)
        con.execute("CREATE TABLE mes_readings AS SELECT timestamp AS read_at, "
                    "characteristic AS feature, value AS reading, subgroup AS sample, "
                    "line FROM measurements")
    return pg_url


_PG_TYPES = {"string": "text", "large_string": "text", "double": "double precision",
             "int64": "bigint", "timestamp[us, tz=UTC]": "timestamptz"}


def _pg_load(con: Any, name: str, table: Any) -> None:
    cols = ", ".join(f'"{f.name}" {_PG_TYPES[str(f.type)]}' for f in table.schema)
    con.execute(f'CREATE TABLE "{name}" ({cols})')
    names = ", ".join(f'"{n}"' for n in table.schema.names)
    with con.cursor() as cur, cur.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
        for row in table.to_pylist():
            copy.write_row([row[n] for n in table.schema.names])


# ------------------------------------------------------------------ Spark


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A local Spark session (``local[2]``), shared by every test."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        unavailable("Java is not installed (apt-get install default-jre-headless)")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        unavailable("PySpark is not installed (pip install 'leankit[spark]')")
    t0 = time.perf_counter()
    try:
        session = (SparkSession.builder.master("local[2]").appName("leankit-tests")
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.shuffle.partitions", "2")
                   .config("spark.driver.memory", "1g")
                   .config("spark.sql.warehouse.dir",
                           str(tmp_path_factory.mktemp("spark-warehouse")))
                   .config("spark.driver.extraJavaOptions",
                           f"-Dderby.system.home={tmp_path_factory.mktemp('derby')}")
                   .getOrCreate())
    except Exception as exc:  # noqa: BLE001 - any start failure means "no Spark"
        unavailable(f"Spark could not start: {exc}")
    session.sparkContext.setLogLevel("ERROR")
    TIMINGS["spark_start"] = time.perf_counter() - t0
    try:
        yield session
    finally:
        from leankit.data._source import quiet_engine

        with quiet_engine():
            session.stop()


@pytest.fixture(scope="session")
def spark_loaded(spark: Any, partitioned: Path) -> Any:
    """Spark with temporary views ``measurements`` and ``defects`` over the partitioned
    copy's Parquet files (the same rows as the dataset)."""
    from leankit.data._source import quiet_engine

    with quiet_engine():  # PySpark's unclosed result sockets are collected in here
        for kind in ("measurements", "defects"):
            files = sorted(str(p) for p in (partitioned / "partitioned" / kind).glob(
                "week=*/*.parquet"))
            spark.read.parquet(*files).createOrReplaceTempView(kind)
    return spark
