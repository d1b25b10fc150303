"""Property tests for leankit.lean (hypothesis, "ci" profile from tests/conftest.py).

For any valid production data: OEE components lie in [0, 1] and multiply to OEE, every
ratio is a ratio of sums, the loss minutes add up to the planned time, nothing depends
on row order, the input is not mutated, Pareto cumulative percentages rise to exactly
100, RTY never exceeds the worst step, and sigma level and DPMO invert each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from leankit import lean

RTOL = 1e-9
REASONS = ("Feeder jam", "Changeover", "Tool change", None)


@st.composite
def production(draw: st.DrawFn) -> pd.DataFrame:
    """Valid production rows: run <= planned, performance <= 1, good <= total, downtime
    <= planned - run; at least one unit and one run minute per row."""
    n = draw(st.integers(1, 30))
    rows = []
    for _ in range(n):
        planned = float(draw(st.integers(1, 600)))
        run = float(draw(st.integers(1, int(planned))))
        ict = draw(st.sampled_from([0.5, 1.0, 12.5, 22.0, 30.0, 55.0, 60.0]))
        max_total = max(1, int(run * 60 / ict))
        total = draw(st.integers(1, max_total))
        good = draw(st.integers(0, total))
        scrap = draw(st.integers(0, total - good))
        down = float(draw(st.integers(0, int(planned - run))))
        rows.append({
            "line": draw(st.sampled_from(["L1", "L2"])),
            "machine": draw(st.sampled_from(["M1", "M2", "M3"])),
            "period_start": pd.Timestamp("2026-10-01", tz="UTC")
            + pd.Timedelta(hours=8 * draw(st.integers(0, 90))),
            "planned_time": planned, "run_time": run, "downtime": down,
            "downtime_reason": draw(st.sampled_from(REASONS)) if down > 0 else None,
            "ideal_cycle_time": ict, "total_count": total, "good_count": good,
            "scrap_count": scrap, "rework_count": total - good - scrap,
        })
    return pd.DataFrame(rows)


by_choices = st.sampled_from([None, "line", "machine", ("line", "machine")])
period_choices = st.sampled_from([None, "day", "week", "month"])


@given(production(), by_choices, period_choices)
def test_oee_components_and_losses(df: pd.DataFrame, by: object, period: object) -> None:
    before = df.copy()
    r = lean.oee(df, by=by, period=period)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(df, before)
    t = r.to_frame()
    for c in ("availability", "performance", "quality", "oee"):
        assert t[c].between(0, 1 + RTOL).all(), c
    np.testing.assert_allclose(t["availability"] * t["performance"] * t["quality"], t["oee"],
                               rtol=1e-12)
    parts = t[["availability_loss", "speed_loss", "quality_loss", "fully_productive_time"]]
    np.testing.assert_allclose(parts.sum(axis=1), t["planned_time"], rtol=1e-12)
    assert (parts >= -1e-9).all().all()
    keys = list(r.group_columns)
    per_group = (r.losses.groupby(keys)["minutes"].sum().to_numpy() if keys
                 else np.array([r.losses["minutes"].sum()]))
    np.testing.assert_allclose(per_group, t["planned_time"].to_numpy(), rtol=1e-12)
    assert int(t["rows"].sum()) == len(df)


@given(production(), by_choices)
def test_oee_is_ratio_of_sums(df: pd.DataFrame, by: object) -> None:
    t = lean.oee(df, by=by).to_frame()  # type: ignore[arg-type]
    keys = [by] if isinstance(by, str) else list(by or [])  # type: ignore[call-overload]
    d = df.assign(ideal=df["ideal_cycle_time"] * df["total_count"] / 60)
    cols = ["planned_time", "run_time", "ideal", "total_count", "good_count"]
    s = d.groupby(keys)[cols].sum().reset_index() if keys else d[cols].sum().to_frame().T
    np.testing.assert_allclose(t["availability"], s["run_time"] / s["planned_time"], rtol=1e-12)
    np.testing.assert_allclose(t["performance"], s["ideal"] / s["run_time"], rtol=1e-12)
    np.testing.assert_allclose(t["quality"], s["good_count"] / s["total_count"], rtol=1e-12)


@given(production(), by_choices, period_choices, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(df: pd.DataFrame, by: object, period: object,
                                   rnd: object) -> None:
    perm = list(range(len(df)))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    shuffled = df.iloc[perm]
    a = lean.oee(df, by=by, period=period)  # type: ignore[arg-type]
    b = lean.oee(shuffled, by=by, period=period)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), rtol=1e-12)
    ya = lean.yield_metrics(df, by=by, step=None, period=period)  # type: ignore[arg-type]
    yb = lean.yield_metrics(shuffled, by=by, period=period)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(ya.to_frame(), yb.to_frame(), rtol=1e-12)


@given(production(), st.sampled_from([None, "line", "machine"]))
def test_pareto_cumulative_percent(df: pd.DataFrame, by: str | None) -> None:
    if df["downtime"].sum() == 0:
        return
    import warnings

    from leankit.errors import DataQualityWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)   # groups without downtime
        t = lean.downtime_pareto(df, by=by).to_frame()
    groups = t.groupby(by) if by else [(None, t)]
    for _, g in groups:
        cum = g["cumulative_percent"].to_numpy()
        assert (np.diff(cum) >= 0).all()
        assert cum[-1] == 100.0
        assert (np.diff(g["minutes"].to_numpy()) <= 0).all()
        np.testing.assert_allclose(g["percent"].sum(), 100.0, rtol=1e-12)
    assert t["minutes"].sum() == df["downtime"].sum()


@given(production())
def test_rty_not_above_worst_step(df: pd.DataFrame) -> None:
    y = lean.yield_metrics(df, by=None, step="machine")
    assert y.steps is not None
    rty = float(y.to_frame()["rty"].iloc[0])
    assert rty <= y.steps["fpy"].min() + 1e-15
    assert 0.0 <= y.to_frame()["fpy"].iloc[0] <= 1.0


@given(st.floats(min_value=1e-3, max_value=999_999.0), st.floats(min_value=0.0, max_value=2.0))
def test_sigma_level_inverts(dpmo: float, shift: float) -> None:
    s = lean.sigma_level(dpmo, shift=shift)
    assert lean.dpmo_from_sigma(s, shift=shift) == __import__("pytest").approx(dpmo, rel=1e-6)
    assert lean.sigma_level(dpmo / 2, shift=shift) > s     # fewer defects, higher level
