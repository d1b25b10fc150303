"""Measurement system analysis: gage R&R (crossed, nested, X̄-R method).

Examples
--------
>>> import pandas as pd
>>> from leankit import msa
>>> df = pd.DataFrame({"part": [1, 1, 2, 2] * 2, "op": ["A"] * 4 + ["B"] * 4,
...                    "mm": [10.1, 10.2, 12.0, 12.1, 10.3, 10.2, 12.2, 12.3]})
>>> msa.gage_rr(df, part="part", operator="op", value="mm").n_trials
2
"""

from leankit.msa._gage_rr import GageRR, gage_rr

__all__ = [
    "GageRR",
    "gage_rr",
]

for _name in ("GageRR",):
    globals()[_name].__module__ = __name__
