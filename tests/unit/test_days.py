"""Calendar days in a time zone (``leankit._days``), for every daily count.

The day's UTC start is checked against hand-computed instants (IANA rules for Cuba,
whose clocks go back from 01:00 to 00:00 on the first Sunday of November 2026 and
forward from 00:00 to 01:00 on the second Sunday of March): before, a day whose midnight
happens twice was stamped NaT (no time) in the weekly report's and the A3 report's
daily counts and in the engine's ``count_stats``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leankit import spc
from leankit._days import day_start_utc, local_day
from leankit.reports._verdicts import count_series

HAVANA = "America/Havana"


def test_midnight_twice_starts_at_the_first_midnight() -> None:
    t = pd.Series(pd.to_datetime(["2026-10-31 17:00", "2026-11-01 17:00",
                                  "2026-11-02 17:00"], utc=True))
    day = local_day(t, HAVANA)
    assert day.dt.strftime("%Y-%m-%d").tolist() == ["2026-10-31", "2026-11-01",
                                                    "2026-11-02"]
    start = day_start_utc(day, HAVANA)
    # 00:00 CDT (UTC-4) on 31 Oct and 1 Nov; 00:00 CST (UTC-5) on 2 Nov
    assert start.tolist() == [pd.Timestamp("2026-10-31 04:00", tz="UTC"),
                              pd.Timestamp("2026-11-01 04:00", tz="UTC"),
                              pd.Timestamp("2026-11-02 05:00", tz="UTC")]


def test_skipped_midnight_starts_after_the_gap() -> None:
    day = pd.Series(pd.to_datetime(["2026-03-08"]))
    # 00:00 does not exist on 8 Mar 2026 in Havana: the day starts at 01:00 CDT
    assert day_start_utc(day, HAVANA).tolist() == [pd.Timestamp("2026-03-08 05:00",
                                                                tz="UTC")]


def test_ordinary_zone_and_utc() -> None:
    t = pd.Series(pd.to_datetime(["2026-03-01 23:30", "2026-03-02 00:30"], utc=True))
    berlin = local_day(t, "Europe/Berlin")
    assert day_start_utc(berlin, "Europe/Berlin").tolist() == [
        pd.Timestamp("2026-03-01 23:00", tz="UTC")] * 2
    utc = local_day(t, "UTC")
    assert day_start_utc(utc, "UTC").tolist() == [pd.Timestamp("2026-03-01", tz="UTC"),
                                                  pd.Timestamp("2026-03-02", tz="UTC")]


def _log() -> pd.DataFrame:
    t = pd.date_range("2026-10-29 17:00", periods=6, freq="D", tz="UTC")
    return pd.DataFrame({"timestamp": t, "count": np.arange(6, dtype=np.int64),
                         "inspected": 40, "lot": [f"L{i}" for i in range(6)]})


def test_daily_counts_on_the_fall_back_day_have_a_time() -> None:
    series = count_series(_log(), where={}, period="day", tz=HAVANA)
    assert series["timestamp"].notna().all()
    assert series["label"].tolist() == [f"2026-{d}" for d in (
        "10-29", "10-30", "10-31", "11-01", "11-02", "11-03")]
    assert series.loc[series["label"] == "2026-11-01", "timestamp"].item() == \
        pd.Timestamp("2026-11-01 04:00", tz="UTC")
    # the engine's daily count statistics stamp the days the same way
    engine = spc.count_stats(_log(), period="day", tz=HAVANA)
    assert engine["timestamp"].notna().all()
    assert engine["label"].tolist() == series["label"].tolist()
    assert pd.to_datetime(engine["timestamp"], utc=True).tolist() == \
        series["timestamp"].tolist()
    assert engine["count"].tolist() == series["count"].tolist()
