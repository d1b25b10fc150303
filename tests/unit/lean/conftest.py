"""Fixtures of the lean tests: the sample plant's production table, small frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def production(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The sample plant's ERP shift log, loaded into a canonical production table."""
    from leankit import io

    out = tmp_path_factory.mktemp("lean_demo")
    io.ingest(REPO / "sample_data" / "production" / "erp_shift_log.csv",
              kind="production", out=out)
    return io.read_table(out, "production")


@pytest.fixture
def small() -> pd.DataFrame:
    """Four shifts on two machines of one line, numbers easy to check by hand."""
    return pd.DataFrame({
        "period_start": pd.to_datetime(["2026-10-26 04:00", "2026-10-26 12:00",
                                        "2026-11-02 04:00", "2026-11-02 12:00"], utc=True),
        "line": ["L1", "L1", "L1", "L1"],
        "machine": ["M1", "M2", "M1", "M2"],
        "planned_time": [450.0, 450.0, 450.0, 450.0],
        "run_time": [420.0, 400.0, 450.0, 430.0],
        "downtime": [30.0, 50.0, 0.0, 20.0],
        "downtime_reason": ["Feeder jam", "Changeover", None, "Feeder jam"],
        "ideal_cycle_time": [60.0, 30.0, 60.0, 30.0],
        "total_count": [400, 760, 440, 800],
        "good_count": [390, 740, 436, 790],
        "scrap_count": [6, 10, 2, 6],
        "rework_count": [4, 10, 2, 4],
    })
