"""Shared checks of the SPC tests (``tests`` is on pytest's pythonpath).

* :func:`assert_same_chart`: a chart built from statistics (``chart_from_stats``)
  equals the chart a raw constructor builds: points, limits and signals.
* :func:`numpy_zmr`: Minitab's documented Z-MR formulas recomputed in plain numpy loops
  (the independent computation the reference and statistics tests compare with).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from leankit import spc

TOL = 1e-12
FLOATS = ("statistic", "center", "lcl", "ucl", "sigma_statistic", "mean", "z")
SAME = ("panel", "n", "phase", "stage", "excluded", "exclude_reason", "signal", "rules")
#: Signal columns that are differences of means (near 0: compared on the data's scale).
SHIFTS = ("statistic", "shift", "shift_sigmas")


def _scale(chart: spc.ControlChart) -> float:
    """Data scale of a CUSUM's standardised sums, |μ0| / (σ/√n): the rounding of a mean
    (an ulp of x̄, which differs between DuckDB's and pandas's sums) shows in z at this
    size, so the sums are compared to 1e-12 of it (the means themselves to 1e-12)."""
    lim = chart.limits.iloc[0]
    return float(abs(lim["mu"]) / (lim["sigma"] / math.sqrt(float(lim["n"]))) + 1.0)


def assert_same_chart(got: spc.ControlChart, want: spc.ControlChart, *,
                      labels: bool = True) -> None:
    """The chart from statistics equals the chart from raw rows (limits, points, signals)."""
    assert type(got) is type(want)
    assert got.chart == want.chart and got.panel_names == want.panel_names
    cusum = got.chart == "cusum"
    stat_atol = TOL * _scale(want) if cusum else 0.0
    a, b = got.to_frame(), want.to_frame()
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for c in FLOATS:
        if c in b:
            atol = stat_atol if c in ("statistic", "z") else 0.0
            np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=TOL,
                                       atol=atol, equal_nan=True, err_msg=c)
    for c in SAME + (("part",) if "part" in b else ()):
        assert a[c].tolist() == b[c].tolist(), c
    if labels:
        assert a["subgroup"].tolist() == b["subgroup"].tolist()
        assert a["time"].tolist() == b["time"].tolist()
    la, lb = got.limits, want.limits
    assert list(la.columns) == list(lb.columns)
    for c in lb.columns:
        if pd.api.types.is_float_dtype(lb[c]):
            np.testing.assert_allclose(la[c].to_numpy(float), lb[c].to_numpy(float),
                                       rtol=TOL, atol=0, equal_nan=True, err_msg=c)
        else:
            assert la[c].tolist() == lb[c].tolist(), c
    sa, sb = got.signals, want.signals
    assert list(sa.columns) == list(sb.columns) and len(sa) == len(sb)
    for c in sb.columns:
        if c in ("subgroup", "time", "shift_start") and not labels:
            continue
        if pd.api.types.is_float_dtype(sb[c]):
            atol = stat_atol if c in SHIFTS else 0.0
            np.testing.assert_allclose(sa[c].to_numpy(float), sb[c].to_numpy(float),
                                       rtol=TOL, atol=atol, err_msg=c)
        elif c != "description" or not cusum:  # a CUSUM's text prints μ̂ (6 digits)
            assert sa[c].tolist() == sb[c].tolist(), c


def numpy_zmr(df: pd.DataFrame, method: str
              ) -> tuple[np.ndarray, dict[str, tuple[float, float]]]:
    """Independent computation of Minitab's documented Z-MR formulas (span 2) on the
    columns ``x`` and ``part``: z of every value and (mean, sigma) of every part."""
    d2 = 2 / math.sqrt(math.pi)  # E|X1 - X2| for unit normals
    x = df["x"].to_numpy(float)
    t = np.log(x) if method == "relative_to_size" else x
    parts = df["part"].to_numpy()
    params: dict[str, tuple[float, float]] = {}
    within: list[float] = []
    for p in dict.fromkeys(parts):
        seq = t[parts == p]
        mrs = [abs(seq[i] - seq[i - 1]) for i in range(1, len(seq))]
        within += mrs
        params[p] = (sum(seq) / len(seq), (sum(mrs) / len(mrs)) / d2)
    if method != "by_part":
        pooled = (sum(within) / len(within)) / d2
        params = {p: (m, pooled) for p, (m, _) in params.items()}
    z = np.array([(t[i] - params[p][0]) / params[p][1] for i, p in enumerate(parts)])
    return z, params
