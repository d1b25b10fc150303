"""Value summaries (and the capability computed from them) are the same from DuckDB, a
real PostgreSQL server and a local Spark, on the sample plant's measurements; and equal
to the capability of the raw rows read into pandas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from leankit import data, spc

CHAR = "bore_diameter"
PERIOD = ("2026-09-07", "2026-10-05")


def _summary(source: Any) -> spc.ValueSummary:
    t = data.connect(source).scan("measurements", period=PERIOD,
                                  where={"characteristic": CHAR})
    t = t.filter(t.subgroup.notnull())
    return spc.value_summary(t, subgroup="subgroup", lsl=24.9, usl=25.1, bins=40)


def _same(a: spc.ValueSummary, b: spc.ValueSummary) -> None:
    assert a.n == b.n and (a.below_lsl, a.above_usl) == (b.below_lsl, b.above_usl)
    for k in ("mean", "sd", "min", "max"):
        assert getattr(a, k) == pytest.approx(getattr(b, k), rel=1e-9), k
    np.testing.assert_allclose(a.quantiles["value"], b.quantiles["value"], rtol=1e-9)
    assert (a.histogram["count"].to_numpy() == b.histogram["count"].to_numpy()).all()
    sa = a.subgroups.sort_values(["n", "sd"]).to_numpy(float)  # type: ignore[union-attr]
    sb = b.subgroups.sort_values(["n", "sd"]).to_numpy(float)  # type: ignore[union-attr]
    np.testing.assert_allclose(sa, sb, rtol=1e-9)
    np.testing.assert_allclose(a.sample, b.sample, rtol=1e-12)
    ca, cb = spc.capability(a), spc.capability(b)
    np.testing.assert_allclose(ca.indices["estimate"], cb.indices["estimate"], rtol=1e-9)


@pytest.fixture(scope="module")
def duck(partitioned: Path) -> spc.ValueSummary:
    return _summary(partitioned)


def test_duckdb_summary_equals_the_raw_rows(duck: spc.ValueSummary, partitioned: Path
                                            ) -> None:
    raw = data.connect(partitioned).read("measurements", period=PERIOD,
                                         where={"characteristic": CHAR})
    raw = raw[raw["subgroup"].notna()]
    x = raw["value"].to_numpy(float)
    assert duck.n == len(x) > 500
    np.testing.assert_allclose(duck.quantiles["value"],
                               np.quantile(x, duck.quantiles["p"], method="weibull"),
                               rtol=0, atol=1e-12)
    got = spc.capability(duck)
    want = spc.capability(raw, value="value", subgroup="subgroup", lsl=24.9, usl=25.1)
    np.testing.assert_allclose(got.indices[["estimate", "lower", "upper"]].to_numpy(float),
                               want.indices[["estimate", "lower", "upper"]].to_numpy(float),
                               rtol=1e-10)
    # the sample is every k-th value in time order
    order = raw.sort_values("timestamp", kind="stable")["value"].to_numpy(float)
    step = -(-len(x) // 5000)
    if step == 1:
        np.testing.assert_array_equal(np.sort(duck.sample), np.sort(order))
    else:
        np.testing.assert_array_equal(duck.sample, order[::step])


def test_postgres_summary_is_the_same(pg_loaded: str, duck: spc.ValueSummary) -> None:
    _same(_summary(pg_loaded), duck)


def test_spark_summary_is_the_same(spark_loaded: Any, duck: spc.ValueSummary) -> None:
    _same(_summary(spark_loaded), duck)


def test_individuals_moving_range_in_the_engines(pg_loaded: str, spark_loaded: Any,
                                                 partitioned: Path) -> None:
    def mr(source: Any) -> float:
        t = data.connect(source).scan("measurements", where={"characteristic": "runout"})
        return spc.value_summary(t, usl=0.08, sample_size=0).mr_mean

    raw = data.connect(partitioned).read("measurements", where={"characteristic": "runout"})
    x = raw.sort_values("timestamp", kind="stable")["value"].to_numpy(float)
    x = x[np.isfinite(x)]
    want = float(np.mean(np.abs(np.diff(x))))
    for src in (partitioned, pg_loaded, spark_loaded):
        assert mr(src) == pytest.approx(want, rel=1e-9)
    assert isinstance(pd.__version__, str)
