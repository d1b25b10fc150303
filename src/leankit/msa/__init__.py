"""Measurement system analysis: gage R&R (crossed, nested, X̄-R method), the type-1
gage study, gage linearity and bias, attribute agreement.

Examples
--------
>>> import pandas as pd
>>> from leankit import msa
>>> df = pd.DataFrame({"part": [1, 1, 2, 2] * 2, "op": ["A"] * 4 + ["B"] * 4,
...                    "mm": [10.1, 10.2, 12.0, 12.1, 10.3, 10.2, 12.2, 12.3]})
>>> msa.gage_rr(df, part="part", operator="op", value="mm").n_trials
2
"""

from leankit.msa._agreement import (
    AttributeAgreement,
    CohenKappa,
    FleissKappa,
    KendallW,
    attribute_agreement,
    cohen_kappa,
    fleiss_kappa,
    kendall_w,
)
from leankit.msa._gage_rr import GageRR, gage_rr
from leankit.msa._linearity import LinearityBias, linearity_bias
from leankit.msa._type1 import Type1Study, type1

__all__ = [
    "AttributeAgreement",
    "CohenKappa",
    "FleissKappa",
    "GageRR",
    "KendallW",
    "LinearityBias",
    "Type1Study",
    "attribute_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "gage_rr",
    "kendall_w",
    "linearity_bias",
    "type1",
]

for _name in ("AttributeAgreement", "CohenKappa", "FleissKappa", "GageRR", "KendallW",
              "LinearityBias", "Type1Study"):
    globals()[_name].__module__ = __name__
