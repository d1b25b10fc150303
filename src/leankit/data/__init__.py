"""Open a dataset folder, a database or a Spark cluster and scan its canonical tables
lazily; the heavy step (raw rows -> subgroup statistics) then runs in that engine
(:func:`leankit.spc.subgroup_stats`, :func:`leankit.spc.count_stats`).

Examples
--------
>>> import tempfile, leankit.io as lio
>>> from leankit import data
>>> d = tempfile.mkdtemp()
>>> _ = lio.ingest("sample_data/defects/mes_defects.jsonl", kind="defects", out=d)
>>> src = data.connect(d)
>>> week = src.read("defects", period="2026-W44", columns=["timestamp", "count"])
>>> sorted({data.week_of(t) for t in week["timestamp"]})
['2026-W44']
"""

from leankit.data._source import (
    PartitionReport,
    Source,
    SourceError,
    connect,
    partition,
    period_bounds,
    week_of,
)

__all__ = [
    "PartitionReport",
    "Source",
    "SourceError",
    "connect",
    "partition",
    "period_bounds",
    "week_of",
]
