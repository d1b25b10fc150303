"""A row whose stage label is missing is missing data, in every chart family.

Before, the families disagreed: I-MR and X̄-R refused with a misleading "no baseline"
error, while EWMA, CUSUM and the run chart silently charted the rows in the previous
stage. Now ``missing="raise"`` names the rows and the column, and ``missing="exclude"``
lists them in ``exclusions`` with the reason and charts the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from leankit import spc
from leankit.errors import SchemaError

N = 250  # X-bar/R: 25 and 24 baseline subgroups of 5 in the two stages
MISSING_ROWS = [125, 126, 127, 128, 129]


def _data(text_stage: bool) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    stage: list[Any] = [1.0] * 125 + [np.nan] * 5 + [2.0] * 120
    if text_stage:
        stage = [None if pd.isna(s) else f"stage {int(s)}" for s in stage]
    return pd.DataFrame({
        "x": rng.normal(10.0, 1.0, N), "sg": np.repeat(np.arange(N // 5), 5),
        "count": rng.integers(0, 6, N), "size": 50, "part": ["a", "b"] * (N // 2),
        "hours": rng.exponential(5.0, N) + 0.1, "st": stage,
    })


FAMILIES: list[tuple[Callable[..., Any], dict[str, str]]] = [
    (spc.i_mr, {"value": "x"}),
    (spc.xbar_r, {"value": "x", "subgroup": "sg"}),
    (spc.ewma, {"value": "x"}),
    (spc.cusum, {"value": "x"}),
    (spc.run_chart, {"value": "x"}),
    (spc.zmr, {"value": "x", "part": "part"}),
    (spc.p_chart, {"count": "count", "size": "size"}),
    (spc.c_chart, {"count": "count"}),
    (spc.laney_p, {"count": "count", "size": "size"}),
    (spc.g_chart, {"value": "count"}),
    (spc.t_chart, {"value": "hours"}),
]
EVERY_FAMILY = pytest.mark.parametrize(("family", "columns"), FAMILIES,
                                       ids=[f.__name__ for f, _ in FAMILIES])
BOTH_STAGE_KINDS = pytest.mark.parametrize("text_stage", [False, True], ids=["numeric", "text"])


@EVERY_FAMILY
@BOTH_STAGE_KINDS
def test_missing_stage_label_is_refused_by_default(family: Callable[..., Any],
                                                   columns: dict[str, str],
                                                   text_stage: bool) -> None:
    data = _data(text_stage)
    with pytest.raises(SchemaError, match=r"5 row\(s\) have missing .* st .*index \[125, 126"):
        family(data, stage="st", **columns)


@EVERY_FAMILY
@BOTH_STAGE_KINDS
def test_missing_stage_label_is_excluded_and_listed(family: Callable[..., Any],
                                                    columns: dict[str, str],
                                                    text_stage: bool) -> None:
    data = _data(text_stage)
    chart = family(data, stage="st", missing="exclude", **columns)
    assert chart.exclusions["row"].tolist() == MISSING_ROWS
    assert set(chart.exclusions["reason"]) == {"missing st"}
    stages = chart.limits["stage"].unique().tolist()
    assert stages == ([1.0, 2.0] if not text_stage else ["stage 1", "stage 2"])
    points = chart.points
    assert points["stage"].notna().all()
    # the rows left are all charted: none lost, none added
    per_point = points[points["panel"] == points["panel"].iloc[0]]
    charted = int(per_point["n"].sum()) if family is spc.xbar_r else len(per_point)
    assert charted == N - len(MISSING_ROWS)
