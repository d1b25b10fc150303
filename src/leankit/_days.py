"""Calendar days in a time zone: the one rule every daily count uses.

Daily defect counts, daily KPIs and the engine's per-day count statistics all bucket
UTC times by the calendar day of the plant's zone and stamp each day with the UTC
instant it starts. Clock changes make that instant less obvious than it looks:

* where a clock change skips midnight (spring forward at 00:00), the day starts at the
  first instant after the gap;
* where midnight happens twice (fall back from 01:00 to 00:00, as in Cuba), the day
  starts at the first of the two (before the clock goes back), not at "no time".

Examples
--------
>>> import pandas as pd
>>> t = pd.Series(pd.to_datetime(["2026-11-01 12:00"], utc=True))
>>> day = local_day(t, "America/Havana")
>>> day.dt.strftime("%Y-%m-%d").tolist(), day_start_utc(day, "America/Havana").tolist()
(['2026-11-01'], [Timestamp('2026-11-01 04:00:00+0000', tz='UTC')])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["day_start_utc", "local_day"]


def local_day(times: pd.Series, tz: str) -> pd.Series:
    """The calendar day in the zone *tz* of each time (naive midnight timestamps; naive
    input is taken as UTC).

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2026-03-01 23:30", "2026-03-02 00:30"], utc=True))
    >>> local_day(t, "Europe/Berlin").dt.strftime("%Y-%m-%d").tolist()
    ['2026-03-02', '2026-03-02']
    """
    local = pd.to_datetime(times, utc=True).dt.tz_convert(tz)
    return local.dt.tz_localize(None).dt.floor("D")


def day_start_utc(days: pd.Series, tz: str) -> pd.Series:
    """The UTC instant at which each local calendar day (naive midnights, as from
    :func:`local_day`) starts in *tz*: after a skipped midnight, the first instant after
    the gap; of a midnight that happens twice, the first."""
    first = np.ones(len(days), dtype=bool)  # an ambiguous midnight: the earlier (DST) one
    return pd.Series(days).dt.tz_localize(tz, ambiguous=first, nonexistent="shift_forward"
                                          ).dt.tz_convert("UTC")
