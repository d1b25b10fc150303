"""Lean metrics: OEE and its loss tree, downtime Pareto, first-pass and rolled throughput
yield, DPU / DPMO / sigma level, scrap rate and throughput.

Every metric is a ratio of sums per group (never a mean of row ratios); periods are
UTC days, ISO weeks (``2026-W44``) or months. Results compare with targets
(``against``) and show the change from the previous period (``trend``).

Examples
--------
>>> import pandas as pd
>>> from leankit import lean
>>> df = pd.DataFrame({"line": ["L1", "L2"], "planned_time": [450.0, 450.0],
...     "run_time": [420.0, 450.0], "downtime": [30.0, 0.0],
...     "downtime_reason": ["Feeder jam", None], "ideal_cycle_time": [60.0, 60.0],
...     "total_count": [400, 430], "good_count": [396, 430]})
>>> lean.oee(df)
<OEE by line: 2 groups, overall OEE 91.8%>
>>> round(lean.sigma_level(66807, shift=1.5), 3)
3.0
"""

from leankit.lean._oee import OEE, DowntimePareto, downtime_pareto, oee
from leankit.lean._yield import (
    YieldMetrics,
    dpmo,
    dpmo_from_sigma,
    fpy,
    rty,
    sigma_level,
    yield_metrics,
)

__all__ = [
    "DowntimePareto",
    "OEE",
    "YieldMetrics",
    "downtime_pareto",
    "dpmo",
    "dpmo_from_sigma",
    "fpy",
    "oee",
    "oee_figure",
    "pareto_figure",
    "rty",
    "sigma_level",
    "yield_figure",
    "yield_metrics",
]


def __getattr__(name: str) -> object:
    # figure builders import plotly: load them only when asked for
    if name in ("oee_figure", "pareto_figure", "yield_figure"):
        from leankit.lean import _figures

        return getattr(_figures, name)
    raise AttributeError(f"module 'leankit.lean' has no attribute {name!r}")


for _cls in (OEE, DowntimePareto, YieldMetrics):
    _cls.__module__ = __name__
del _cls
