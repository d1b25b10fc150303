"""The same statistics and chart limits from DuckDB, a real PostgreSQL server and a
local Spark, on the sample plant's measurements and defects; and the errors each
engine's failures turn into. No mocks: the fixtures (conftest.py) start the servers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from leankit import data, spc
from leankit.data import SourceError
from leankit.errors import SchemaError

from .conftest import TIMINGS, unavailable

REL = 1e-9
KEY = ["characteristic", "subgroup"]


def _stats(source: Any, **kw: Any) -> pd.DataFrame:
    src = data.connect(source, **kw)
    t = src.scan("measurements", period=("2026-09-07", "2026-10-05"))
    t = t.filter(t.subgroup.notnull())
    return spc.subgroup_stats(t, by="characteristic").sort_values(KEY).reset_index(drop=True)


def _counts(source: Any, period: str = "day") -> pd.DataFrame:
    t = data.connect(source).scan("defects", where={"line": ["L1", "L2"]})
    return spc.count_stats(t, period=period, tz="Europe/Berlin", by="line")  # type: ignore[arg-type]


def _assert_same_stats(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got[KEY].equals(want[KEY]) and (got["n"].to_numpy() == want["n"].to_numpy()).all()
    for c in ("mean", "sd", "min", "max", "range"):
        np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=REL,
                                   atol=1e-12, equal_nan=True, err_msg=c)
    for c in ("first", "last"):
        assert (got[c] == want[c]).all(), c


def _assert_same_charts(got: pd.DataFrame, want: pd.DataFrame) -> None:
    for char in ("bore_diameter", "flange_thickness", "runout"):
        a = spc.chart_from_stats(got[got["characteristic"] == char], "xbar_s")
        b = spc.chart_from_stats(want[want["characteristic"] == char], "xbar_s")
        np.testing.assert_allclose(a.limits[["center", "lcl", "ucl"]].to_numpy(float),
                                   b.limits[["center", "lcl", "ucl"]].to_numpy(float),
                                   rtol=REL, atol=0)
        assert list(a.points["signal"]) == list(b.points["signal"])  # same signals


@pytest.fixture(scope="module")
def duck(partitioned: Path) -> pd.DataFrame:
    return _stats(partitioned)


def test_duckdb_partitioned_and_canonical_agree(dataset: Path, duck: pd.DataFrame) -> None:
    _assert_same_stats(_stats(dataset), duck)
    assert len(duck) > 500


# ------------------------------------------------------------------ PostgreSQL


def test_postgres_gives_the_same_statistics(pg_loaded: str, duck: pd.DataFrame,
                                            partitioned: Path) -> None:
    got = _stats(pg_loaded)
    _assert_same_stats(got, duck)
    _assert_same_charts(got, duck)
    pd.testing.assert_frame_equal(_counts(pg_loaded), _counts(partitioned), check_dtype=False)
    pd.testing.assert_frame_equal(_counts(pg_loaded, "lot"), _counts(partitioned, "lot"),
                                  check_dtype=False)


def test_postgres_mapped_table_and_query(pg_loaded: str, duck: pd.DataFrame) -> None:
    # a MES table with its own column names, mapped onto the canonical ones
    rename = {"measurements": {"read_at": "timestamp", "feature": "characteristic",
                               "reading": "value", "sample": "subgroup"}}
    _assert_same_stats(_stats(pg_loaded, tables={"measurements": "public.mes_readings"},
                              rename=rename), duck)
    query = ("SELECT read_at, feature, reading, sample FROM mes_readings "
             "WHERE feature <> 'nothing'")
    _assert_same_stats(_stats(pg_loaded, queries={"measurements": query}, rename=rename), duck)


def test_postgres_errors(pg_url: str, pg_loaded: str) -> None:
    port = int(pg_url.rsplit(":", 1)[1].split("/")[0])
    bad_db = pg_url.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(SourceError, match=r"cannot connect to .*no_such_db.*database name"):
        data.connect(bad_db)
    closed = f"postgresql://leankit:secret@127.0.0.1:{_closed_port(port)}/postgres"
    with pytest.raises(SourceError, match=r"cannot connect to .*check the host, port") as err:
        data.connect(closed)
    assert "secret" not in str(err.value)
    src = data.connect(pg_loaded)
    with pytest.raises(SourceError, match=r"table 'production' for production.*tables="):
        src.scan("production")
    bad = data.connect(pg_loaded, queries={"measurements": "SELEC nonsense FROM nowhere"})
    with pytest.raises(SourceError, match=r"the query for measurements.*check the SQL"):
        bad.scan("measurements")
    # a query that compiles but fails when it runs (division by zero in the server)
    failing = data.connect(pg_loaded, queries={
        "measurements": "SELECT timestamp, characteristic, subgroup, "
                        "value / (CASE WHEN value > 1e9 THEN 1 ELSE 0 END) AS value "
                        "FROM measurements"})
    with pytest.raises(SourceError, match=r"could not compute the subgroup statistics.*"
                                          r"division by zero"):
        spc.subgroup_stats(failing.scan("measurements"), by="characteristic")
    with pytest.raises(SchemaError, match=r"no column\(s\) timestamp.*rename="):
        data.connect(pg_loaded, tables={"measurements": "mes_readings"}).scan("measurements")


def _closed_port(avoid: int) -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    return port if port != avoid else port + 1  # nobody listens there once closed


# ------------------------------------------------------------------ Spark


def test_spark_gives_the_same_statistics(spark_loaded: Any, duck: pd.DataFrame,
                                         partitioned: Path) -> None:
    t0 = time.perf_counter()
    got = _stats(spark_loaded)
    TIMINGS["spark_stats"] = time.perf_counter() - t0
    _assert_same_stats(got, duck)
    _assert_same_charts(got, duck)
    pd.testing.assert_frame_equal(_counts(spark_loaded), _counts(partitioned),
                                  check_dtype=False)
    pd.testing.assert_frame_equal(_counts(spark_loaded, "week"), _counts(partitioned, "week"),
                                  check_dtype=False)


def test_spark_master_string_and_errors(spark_loaded: Any) -> None:
    # a master string reuses the running local session (getOrCreate)
    src = data.connect("local[2]")
    assert src.engine == "pyspark"
    with pytest.raises(SourceError, match=r"table 'production' for production.*tables="):
        src.scan("production")
    bad = data.connect(spark_loaded, queries={"measurements": "SELEC nonsense"})
    with pytest.raises(SourceError, match=r"the query for measurements.*check the SQL"):
        bad.scan("measurements")


def test_spark_start_time_is_reported(spark: Any) -> None:
    # the figure the report quotes: a local[2] session starts in well under a minute
    assert 0 < TIMINGS["spark_start"] < 60
    print(f"Spark local[2] start: {TIMINGS['spark_start']:.1f} s")


# ------------------------------------------------------------ EWMA, CUSUM


def test_ewma_and_cusum_from_stats_agree_across_engines(pg_loaded: str, spark_loaded: Any,
                                                        duck: pd.DataFrame) -> None:
    # the smoothing charts from each engine's statistics: the same frozen parameters and
    # limits (1e-9 relative, as the statistics), the same plotted statistic and the same
    # signals. A CUSUM's sums are standardised differences x̄ - μ0, so their rounding is
    # compared on the data's scale |μ0| / (σ/√n).
    engines = {"postgres": _stats(pg_loaded), "spark": _stats(spark_loaded)}
    settings: list[tuple[str, dict[str, Any]]] = [
        ("ewma", {}), ("ewma", {"lam": 0.1, "limits": "asymptotic", "sigma_method": "pooled"}),
        ("cusum", {}), ("cusum", {"k": 0.25, "h": 4.0, "head_start": 2.0})]
    signals = 0
    for char in ("bore_diameter", "flange_thickness", "runout"):
        for kind, kw in settings:
            want = spc.chart_from_stats(duck[duck["characteristic"] == char], kind, **kw)
            lim = want.limits.iloc[0]
            scale = abs(lim["mu"]) / (lim["sigma"] / np.sqrt(lim["n"])) + 1.0
            signals += want.n_signals
            for engine, stats in engines.items():
                got = spc.chart_from_stats(stats[stats["characteristic"] == char], kind,
                                           **kw)
                what = f"{engine} {char} {kind} {kw}"
                np.testing.assert_allclose(
                    got.limits[["center", "lcl", "ucl", "mu", "sigma"]].to_numpy(float),
                    want.limits[["center", "lcl", "ucl", "mu", "sigma"]].to_numpy(float),
                    rtol=REL, atol=0, equal_nan=True, err_msg=what)
                a, b = got.to_frame(), want.to_frame()
                np.testing.assert_allclose(
                    a["statistic"].to_numpy(float), b["statistic"].to_numpy(float), rtol=REL,
                    atol=REL * scale if kind == "cusum" else 0, err_msg=what)
                np.testing.assert_allclose(a[["lcl", "ucl"]].to_numpy(float),
                                           b[["lcl", "ucl"]].to_numpy(float), rtol=REL,
                                           atol=0, equal_nan=True, err_msg=what)
                assert a["subgroup"].tolist() == b["subgroup"].tolist(), what
                assert a["signal"].tolist() == b["signal"].tolist(), what  # same signals
                assert got.signals[["panel", "subgroup", "rule"]].equals(
                    want.signals[["panel", "subgroup", "rule"]]), what
    assert signals > 0  # the comparison covers signalling points


def test_a_missing_engine_fails_when_engines_are_required(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("LEANKIT_REQUIRE_ENGINES", "1")
    with pytest.raises(pytest.fail.Exception, match="engine tests must run"):
        unavailable("no Java")
    monkeypatch.delenv("LEANKIT_REQUIRE_ENGINES")
    with pytest.raises(pytest.skip.Exception):
        unavailable("no Java")
