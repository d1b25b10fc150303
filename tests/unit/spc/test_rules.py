"""Run rules (special-cause tests): built-ins, custom rules, resolution and evaluation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leankit.errors import LeankitError
from leankit.spc._rules import (
    RULE_KINDS,
    RULE_SETS,
    RULES,
    Rule,
    RuleError,
    evaluate,
    resolve_rules,
)

NAN = math.nan


def fires(
    rule: str | Rule,
    x: Sequence[float],
    *,
    center: Any = 0.0,
    sigma: Any = 1.0,
    lcl: Any = -3.0,
    ucl: Any = 3.0,
    segment: Any = None,
) -> list[int]:
    """Positions where one rule fires on *x* (default chart: center 0, sigma 1, limits ±3)."""
    r = RULES[rule] if isinstance(rule, str) else rule
    out = evaluate([r], x, center, sigma, lcl, ucl, segment=segment)
    assert set(out["rule"]) <= {r.id}
    return [int(p) for p in out["position"]]


def same(n: int, value: float = 0.5) -> list[float]:
    return [value] * n


def zigzag(n: int, low: float = 0.0, high: float = 1.0) -> list[float]:
    return [low if i % 2 == 0 else high for i in range(n)]


# --------------------------------------------------------------------------- built-ins


def test_builtin_ids_and_parameters() -> None:
    got = {
        rid: (r.kind, r.k, r.m, r.zone) if r.kind == "k_of_m" else (r.kind, r.k, r.zone)
        for rid, r in RULES.items()
    }
    assert got == {
        "we_1": ("beyond_limits", 1, 3.0),
        "we_2": ("k_of_m", 2, 3, 2.0),
        "we_3": ("k_of_m", 4, 5, 1.0),
        "we_4": ("run", 8, 3.0),
        "nelson_1": ("beyond_limits", 1, 3.0),
        "nelson_2": ("run", 9, 3.0),
        "nelson_3": ("trend", 6, 3.0),
        "nelson_4": ("alternating", 14, 3.0),
        "nelson_5": ("k_of_m", 2, 3, 2.0),
        "nelson_6": ("k_of_m", 4, 5, 1.0),
        "nelson_7": ("within", 15, 1.0),
        "nelson_8": ("outside", 8, 1.0),
    }
    assert all(rid == r.id for rid, r in RULES.items())
    assert RULE_KINDS == (
        "beyond_limits",
        "k_of_m",
        "run",
        "trend",
        "alternating",
        "within",
        "outside",
    )


def test_rule_sets() -> None:
    assert RULE_SETS == {
        "we": ("we_1", "we_2", "we_3", "we_4"),
        "western_electric": ("we_1", "we_2", "we_3", "we_4"),
        "nelson": tuple(f"nelson_{i}" for i in range(1, 9)),
        "limits": ("we_1",),
        "basic": ("we_1",),
        "none": (),
    }


def test_descriptions() -> None:
    assert {rid: r.describe() for rid, r in RULES.items()} == {
        "we_1": "Point outside the control limits",
        "we_2": "2 of 3 points in a row more than 2 sigma from the center line, on the same side"
        " (a shift in the process)",
        "we_3": "4 of 5 points in a row more than 1 sigma from the center line, on the same side"
        " (a shift in the process)",
        "we_4": "8 points in a row on the same side of the center line",
        "nelson_1": "Point outside the control limits",
        "nelson_2": "9 points in a row on the same side of the center line",
        "nelson_3": "6 points in a row steadily increasing or decreasing",
        "nelson_4": "14 points in a row alternating up and down"
        " (over-adjustment or two alternating sources)",
        "nelson_5": "2 of 3 points in a row more than 2 sigma from the center line,"
        " on the same side (a shift in the process)",
        "nelson_6": "4 of 5 points in a row more than 1 sigma from the center line,"
        " on the same side (a shift in the process)",
        "nelson_7": "15 points in a row within 1 sigma of the center line"
        " (stratification: less variation than expected)",
        "nelson_8": "8 points in a row more than 1 sigma from the center line, on both sides"
        " (mixture: none near the center)",
    }
    assert RULES["nelson_2"].with_params(k=7).describe() == (
        "7 points in a row on the same side of the center line"
    )
    assert (
        RULES["nelson_7"]
        .with_params(zone=1.5)
        .describe()
        .startswith("15 points in a row within 1.5 sigma")
    )


def test_default_descriptions_per_kind() -> None:
    texts = {
        kind: Rule("r", kind, k=3, m=4, zone=1.5).describe()  # type: ignore[arg-type]
        for kind in RULE_KINDS
    }
    assert texts == {
        "beyond_limits": "Point outside the control limits",
        "k_of_m": "3 of 4 points in a row more than 1.5 sigma from the center line,"
        " on the same side",
        "run": "3 points in a row on the same side of the center line",
        "trend": "3 points in a row steadily increasing or decreasing",
        "alternating": "3 points in a row alternating up and down",
        "within": "3 points in a row within 1.5 sigma of the center line",
        "outside": "3 points in a row more than 1.5 sigma from the center line, on either side",
    }


# --------------------------------------------------------------------------- beyond_limits


@pytest.mark.parametrize("rid", ["we_1", "nelson_1"])
def test_beyond_limits(rid: str) -> None:
    x = [0.0, 3.0, 3.01, -3.0, -3.5, NAN, 10.0, 2.99, -2.99]
    assert fires(rid, x) == [2, 4, 6]
    assert fires(rid, [0.0, 3.0, -3.0, 2.9, NAN]) == []


def test_beyond_limits_asymmetric_and_missing_limits() -> None:
    x = [4.0, 5.0, 5.1, -1.0, -1.1, 0.0]
    assert fires("we_1", x, lcl=-1.0, ucl=5.0) == [2, 4]
    # per-point limits; NaN means no limit on that side
    lcl = [NAN, -1.0, -1.0, NAN, -5.0, -5.0]
    ucl = [1.0, NAN, 2.0, 9.0, NAN, 0.5]
    x = [1.5, 100.0, 2.5, -100.0, -5.5, 0.5]
    assert fires("we_1", x, lcl=lcl, ucl=ucl) == [0, 2, 4]


def test_beyond_limits_ignores_segments_and_sigma() -> None:
    assert fires("we_1", [4.0, 4.0, 4.0], sigma=NAN, segment=[0, 1, 2]) == [0, 1, 2]


# --------------------------------------------------------------------------- k of m


@pytest.mark.parametrize("rid", ["we_2", "nelson_5"])
def test_two_of_three(rid: str) -> None:
    assert fires(rid, [0.0, 2.5, 0.0, 2.1, 0.0]) == [3]
    assert fires(rid, [0.0, -2.5, 0.0, -2.1, 0.0]) == [3]
    assert fires(rid, [0.0, 2.5, 2.5, 2.5, 0.0]) == [2, 3]
    # exactly on the zone boundary does not count
    assert fires(rid, [0.0, 2.0, 0.0, 2.5, 0.0]) == []
    assert fires(rid, [0.0, -2.0, -2.5, 0.0]) == []
    # opposite sides do not combine
    assert fires(rid, [0.0, 2.5, 0.0, -2.5, 0.0]) == []
    assert fires(rid, [0.0, 2.5, -2.5, 0.0]) == []
    # too far apart: only one in the window of 3
    assert fires(rid, [0.0, 2.5, 0.0, 0.0, 2.5, 0.0]) == []
    # a point beyond the limits also counts as beyond 2 sigma
    assert fires(rid, [0.0, -2.1, -3.5, 0.0]) == [2]


@pytest.mark.parametrize("rid", ["we_2", "nelson_5"])
def test_two_of_three_flags_only_a_completing_point(rid: str) -> None:
    # window [2.5, 2.5, 1.0] qualifies as 2 of 3, but its last point is inside the zone
    assert fires(rid, [0.0, 0.0, 2.5, 2.5, 1.0, 0.0]) == [3]
    assert fires(rid, [0.0, 2.5, 1.0, 2.5, 0.0]) == [3]


@pytest.mark.parametrize("rid", ["we_3", "nelson_6"])
def test_four_of_five(rid: str) -> None:
    assert fires(rid, [0.0, 0.0, 1.5, 1.5, 0.5, 1.5, 1.5, 0.0]) == [6]
    assert fires(rid, [0.0, 0.0, -1.5, -1.5, -0.5, -1.5, -1.5, 0.0]) == [6]
    assert fires(rid, [0.0, 1.5, 1.5, 1.5, 1.5, 1.5, 0.0]) == [4, 5]
    # exactly 1 sigma does not count
    assert fires(rid, [0.0, 0.0, 1.0, 1.5, 1.5, 1.5, 0.0]) == []
    assert fires(rid, [0.0, 0.0, 1.01, 1.5, 1.5, 1.5, 0.0]) == [5]
    # 3 of 5 only
    assert fires(rid, [0.0, 1.5, 0.0, 1.5, 0.0, 1.5, 0.0]) == []
    # mixed sides
    assert fires(rid, [0.0, 1.5, -1.5, 1.5, -1.5, 1.5, 0.0]) == []
    # 4 of 5 with one point on the other side still fires
    assert fires(rid, [0.0, 1.5, 1.5, -1.5, 1.5, 1.5, 0.0]) == [5]


def test_k_of_m_window_start_and_breaks() -> None:
    # at the start of the data the window is shorter: 2 of the first 2 points fire
    assert fires("we_2", [2.5, 2.5, 0.0]) == [1]
    assert fires("we_2", [2.5, 0.0, 0.0]) == []
    # a NaN statistic breaks the window
    assert fires("we_2", [0.0, 2.5, NAN, 2.5, 0.0]) == []
    # a NaN (or non-positive) sigma means zones do not apply there: it breaks the window
    assert fires("we_2", [0.0, 2.5, 0.0, 2.5, 0.0], sigma=[1, 1, NAN, 1, 1]) == []
    assert fires("we_2", [0.0, 2.5, 0.0, 2.5, 0.0], sigma=[1, 1, 0.0, 1, 1]) == []
    assert fires("we_2", [0.0, 2.5, 0.0, 2.5, 0.0], sigma=[1, 1, -1, 1, 1]) == []
    # a NaN center too
    assert fires("we_2", [0.0, 2.5, 0.0, 2.5, 0.0], center=[0, 0, NAN, 0, 0]) == []
    # ... but after the break a new window starts
    assert fires("we_2", [2.5, NAN, 2.5, 2.5], sigma=1.0) == [3]
    # NaN limits do not matter for zone rules
    assert fires("we_2", [0.0, 2.5, 0.0, 2.5], lcl=NAN, ucl=NAN) == [3]


def test_k_of_m_does_not_cross_segments() -> None:
    x = [0.0, 2.5, 2.5, 0.0]
    assert fires("we_2", x) == [2]
    assert fires("we_2", x, segment=[0, 0, 1, 1]) == []
    assert fires("we_2", [0.0, 2.5, 0.0, 2.5, 2.5], segment=[0, 0, 1, 1, 1]) == [4]


def test_k_of_m_per_point_sigma_and_center() -> None:
    x = [0.0, 2.5, 0.0, 2.5, 0.0, 2.5, 0.0, 2.5]
    sigma = [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]
    # with sigma 2 the 2-sigma zone is at 4: the later 2.5s are inside
    assert fires("we_2", x, sigma=sigma) == [3]
    center = [0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 5.0, 5.0]
    # with center 5 and sigma 1, 2.5 and 0 are more than 2 sigma below
    assert fires("we_2", x, center=center) == [3, 6, 7]


def test_custom_k_of_m() -> None:
    rule = Rule(id="my_3_of_4", kind="k_of_m", k=3, m=4, zone=1.5)
    assert fires(rule, [0.0, 1.6, 0.0, 1.6, 1.6, 0.0, 1.5, 1.6]) == [4]
    assert fires(rule, [0.0, 1.6, 0.0, 1.6, 1.5, 1.6, 0.0]) == []
    one = Rule(id="beyond_2", kind="k_of_m", k=1, m=1, zone=2.0)
    assert fires(one, [2.0, 2.1, -2.1, NAN, 1.0]) == [1, 2]


# --------------------------------------------------------------------------- runs


@pytest.mark.parametrize(("rid", "k"), [("we_4", 8), ("nelson_2", 9)])
def test_run(rid: str, k: int) -> None:
    assert fires(rid, [0.0, *same(k)]) == [k]
    assert fires(rid, [0.0, *same(k + 2)]) == [k, k + 1, k + 2]
    assert fires(rid, [0.0, *same(k + 2, -0.1)]) == [k, k + 1, k + 2]
    assert fires(rid, [0.0, *same(k - 1), 0.0]) == []
    # a point exactly on the center breaks the run (and counts for neither side)
    half = k // 2
    assert fires(rid, same(half) + [0.0] + same(k - 1 - half)) == []
    # a NaN breaks the run
    assert fires(rid, same(half) + [NAN] + same(k - 1 - half)) == []
    # changing sides starts a new run
    assert fires(rid, same(k - 1) + same(k, -0.5)) == [2 * k - 2]
    # large excursions still count as "same side"
    assert fires(rid, [0.0, *same(k, 5.0)]) == [k]


@pytest.mark.parametrize(("k", "expected"), [(7, [7, 8]), (8, [8]), (9, [])])
def test_nelson_2_with_adjusted_k(k: int, expected: list[int]) -> None:
    x = [0.0, *same(8), -0.5]  # 8 in a row above the center
    (rule,) = resolve_rules("nelson_2", params={"nelson_2": {"k": k}})
    assert fires(rule, x) == expected
    assert fires(RULES["nelson_2"].with_params(k=k), x) == expected


def test_run_relative_to_per_point_center_and_ignores_sigma() -> None:
    center = [0.0] * 4 + [10.0] * 8
    x = [1.0] * 4 + [9.0] * 8
    assert fires("we_4", x, center=center) == [11]
    assert fires("we_4", [1.0] * 9, sigma=NAN) == [7, 8]
    assert fires("we_4", [1.0] * 9, center=[0] * 4 + [NAN] + [0] * 4) == []


def test_run_does_not_cross_segments() -> None:
    x = same(10)
    assert fires("we_4", x) == [7, 8, 9]
    assert fires("we_4", x, segment=[0] * 5 + [1] * 5) == []
    assert fires("we_4", x, segment=[0] * 2 + [1] * 8) == [9]
    # labels may repeat: only changes between neighbours split
    assert fires("we_4", x, segment=[1] * 2 + [2] * 8) == [9]
    assert fires("we_4", x, segment=np.array(["a"] * 9 + ["b"])) == [7, 8]
    assert fires("we_4", x, segment=pd.Series([3] * 10)) == [7, 8, 9]


# --------------------------------------------------------------------------- trends


def test_nelson_3_trend() -> None:
    assert fires("nelson_3", [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]) == [5]
    assert fires("nelson_3", [5.0, 4.0, 3.0, 2.0, 1.0, 0.0, -1.0]) == [5, 6]
    assert fires("nelson_3", [0.0, 1.0, 2.0, 3.0, 4.0]) == []
    # equal neighbours break the trend
    assert fires("nelson_3", [0.0, 1.0, 2.0, 2.0, 3.0, 4.0, 5.0]) == []
    # a NaN breaks it
    assert fires("nelson_3", [0.0, 1.0, 2.0, NAN, 3.0, 4.0, 5.0]) == []
    # the turning point is shared: 6 up then 6 down
    x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    assert fires("nelson_3", x) == [5, 10]
    # small steps across the center, with any sigma
    assert fires("nelson_3", [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2], sigma=NAN) == [5]
    # segments stop a trend
    x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert fires("nelson_3", x, segment=[0, 0, 0, 1, 1, 1, 1]) == []
    assert fires("nelson_3", x, segment=[0, 1, 1, 1, 1, 1, 1]) == [6]


def test_trend_with_small_k() -> None:
    rule = Rule("t2", "trend", k=2)
    assert fires(rule, [0.0, 1.0, 1.0, 0.5, NAN, 2.0]) == [1, 3]


def test_nelson_4_alternating() -> None:
    assert fires("nelson_4", zigzag(14)) == [13]
    assert fires("nelson_4", zigzag(13)) == []
    assert fires("nelson_4", zigzag(16, -2.0, 2.0)) == [13, 14, 15]
    # a zero step breaks the pattern
    x = zigzag(7) + [zigzag(7)[-1]] + zigzag(8)[1:]
    assert len(x) == 15
    assert fires("nelson_4", x) == []
    # two steps in the same direction break it
    x = zigzag(14)
    x[7] = 1.5  # a higher "high" point: still alternating
    assert fires("nelson_4", x) == [13]
    x = zigzag(14)
    x[8] = 2.0  # 1 -> 2 is up after an up step
    assert fires("nelson_4", x) == []
    # NaN breaks; segments stop it
    x = zigzag(14)
    x[6] = NAN
    assert fires("nelson_4", x) == []
    assert fires("nelson_4", zigzag(15), segment=[0] + [1] * 14) == [14]
    assert fires("nelson_4", zigzag(15), segment=[0] * 2 + [1] * 13) == []


def test_alternating_with_small_k() -> None:
    assert fires(Rule("a2", "alternating", k=2), [0.0, 1.0, 1.0, 0.0, NAN]) == [1, 3]
    assert fires(Rule("a3", "alternating", k=3), [0.0, 1.0, 0.0, 0.0, 1.0, 2.0, 1.0]) == [2, 6]


# --------------------------------------------------------------------------- zone runs


def test_nelson_7_within() -> None:
    x = zigzag(15, -0.5, 0.5)
    assert fires("nelson_7", x) == [14]
    assert fires("nelson_7", x[:14]) == []
    assert fires("nelson_7", zigzag(17, -0.5, 0.5)) == [14, 15, 16]
    # points on the center are within
    assert fires("nelson_7", [0.0] * 15) == [14]
    # exactly 1 sigma is not strictly within: it breaks the run
    y = list(x)
    y[7] = 1.0
    assert fires("nelson_7", y) == []
    y[7] = 0.99
    assert fires("nelson_7", y) == [14]
    # NaN statistic or sigma breaks it
    y[7] = NAN
    assert fires("nelson_7", y) == []
    assert fires("nelson_7", x, sigma=[1.0] * 7 + [NAN] + [1.0] * 7) == []
    # per-point sigma: 1.5 is within 1 sigma where sigma is 2
    assert fires("nelson_7", [1.5] * 15, sigma=2.0) == [14]
    assert fires("nelson_7", [1.5] * 15, sigma=[2.0] * 14 + [1.0]) == []
    # segments stop it
    assert fires("nelson_7", x + [0.0], segment=[0] + [1] * 15) == [15]


def test_nelson_8_outside() -> None:
    x = zigzag(8, -1.5, 1.5)
    assert fires("nelson_8", x) == [7]
    assert fires("nelson_8", x[:7]) == []
    assert fires("nelson_8", [2.5, -2.5] * 5) == [7, 8, 9]
    # all on one side is a shift, not a mixture: rule 8 needs points on both sides
    assert fires("nelson_8", [1.5] * 8) == []
    assert fires("nelson_8", [1.5] * 7 + [-1.5]) == [7]
    # exactly 1 sigma is not beyond: it breaks the run
    y = list(x)
    y[3] = 1.0
    assert fires("nelson_8", y) == []
    y[3] = -1.0
    assert fires("nelson_8", y) == []
    y[3] = NAN
    assert fires("nelson_8", y) == []
    assert fires("nelson_8", x, sigma=[1.0] * 3 + [0.0] + [1.0] * 4) == []
    # per-point sigma: 1.5 is within 1 sigma where sigma is 2
    assert fires("nelson_8", x, sigma=[1.0] * 7 + [2.0]) == []
    assert fires("nelson_8", x + [1.5], segment=[0] + [1] * 8) == [8]


# --------------------------------------------------------------------------- evaluate


def test_evaluate_output_frame() -> None:
    rules = resolve_rules(["nelson_5", "nelson_1"])
    x = [0.0, 2.5, -1.0, 2.2, 3.4, 0.0]
    out = evaluate(rules, x, 0.0, 1.0, -3.0, 3.0)
    expected = pd.DataFrame(
        {
            "position": np.array([3, 4, 4], dtype=np.int64),
            "rule": pd.array(["nelson_5", "nelson_5", "nelson_1"], dtype="str"),
            "description": pd.array(
                [RULES["nelson_5"].describe()] * 2 + ["Point outside the control limits"],
                dtype="str",
            ),
        }
    )
    pd.testing.assert_frame_equal(out, expected)


def test_evaluate_overlapping_rules_all_kept_in_rule_order() -> None:
    x = [0.0, *same(9, 3.5)]
    out = evaluate(resolve_rules("nelson"), x, 0.0, 1.0, -3.0, 3.0)
    got = list(zip(out["position"].tolist(), out["rule"].tolist(), strict=True))
    ones = [(i, "nelson_1") for i in range(1, 10)]
    fives = [(i, "nelson_5") for i in range(2, 10)]
    sixes = [(i, "nelson_6") for i in range(4, 10)]
    expected = sorted(
        [*ones, (9, "nelson_2"), *fives, *sixes],
        key=lambda pr: (pr[0], int(pr[1].split("_")[1])),
    )
    assert got == expected


def test_evaluate_empty_results_and_inputs() -> None:
    cases: list[tuple[Rule | Sequence[Rule], list[float]]] = [
        (resolve_rules("we"), [0.1, -0.1, 0.2]),
        ((), [4.0]),
        (RULES["we_1"], []),
    ]
    for rules, x in cases:
        out = evaluate(rules, x, 0.0, 1.0, -3.0, 3.0)
        assert out.columns.tolist() == ["position", "rule", "description"]
        assert len(out) == 0
        assert out["position"].dtype == np.int64
        assert out["rule"].dtype == pd.StringDtype(na_value=np.nan)
        assert out["description"].dtype == pd.StringDtype(na_value=np.nan)


def test_evaluate_accepts_series_and_rule_names() -> None:
    x = pd.Series([0.0, 4.0, pd.NA], dtype="Float64")
    out = evaluate("we", x, pd.Series([0.0] * 3), np.ones(3), -3.0, np.full(3, 3.0))
    assert out["position"].tolist() == [1]
    assert out["rule"].tolist() == ["we_1"]


def test_evaluate_inf_values_do_not_warn() -> None:
    x = [np.inf, -np.inf, 0.0]
    out = evaluate(resolve_rules("nelson"), x, [np.inf, 0.0, 0.0], 1.0, -3.0, 3.0)
    # point 0 (inf - inf) has no zone, so the 2-of-3 window at point 1 holds one point
    assert list(zip(out["position"], out["rule"], strict=True)) == [
        (0, "nelson_1"),
        (1, "nelson_1"),
    ]
    one = Rule("beyond_2", "k_of_m", k=1, m=1, zone=2.0)
    out = evaluate([one], x, [np.inf, 0.0, 0.0], 1.0, -3.0, 3.0)
    assert out["position"].tolist() == [1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"statistic": [[1.0, 2.0]]}, "statistic must be a 1-D array"),
        ({"center": [0.0, 0.0]}, "center must be a number or a 1-D array as long as statistic (3)"),
        ({"sigma": np.ones((3, 1))}, "sigma must be a number or a 1-D array"),
        ({"ucl": ["a", "b", "c"]}, "ucl must be numbers"),
        ({"segment": [0, 1]}, "segment must be a 1-D array as long as statistic (3)"),
    ],
)
def test_evaluate_rejects_mismatched_inputs(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "statistic": [0.0, 1.0, 2.0],
        "center": 0.0,
        "sigma": 1.0,
        "lcl": -3.0,
        "ucl": 3.0,
    }
    args.update(kwargs)
    with pytest.raises(RuleError) as info:
        evaluate(resolve_rules("we"), **args)
    assert message in str(info.value)


def test_evaluate_long_series_is_fast_enough() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=200_000)
    out = evaluate(resolve_rules("nelson"), x, 0.0, 1.0, -3.0, 3.0)
    assert out["position"].is_monotonic_increasing
    assert set(out["rule"]) <= set(RULE_SETS["nelson"])


# --------------------------------------------------------------------------- resolve_rules


def ids(rules: Sequence[Rule]) -> list[str]:
    return [r.id for r in rules]


def test_resolve_names_and_sets() -> None:
    assert ids(resolve_rules()) == ["we_1", "we_2", "we_3", "we_4"]
    assert ids(resolve_rules("western_electric")) == ["we_1", "we_2", "we_3", "we_4"]
    assert ids(resolve_rules("Western Electric")) == ["we_1", "we_2", "we_3", "we_4"]
    assert ids(resolve_rules("nelson")) == [f"nelson_{i}" for i in range(1, 9)]
    assert ids(resolve_rules("limits")) == ["we_1"]
    assert ids(resolve_rules("basic")) == ["we_1"]
    assert resolve_rules("none") == ()
    assert resolve_rules(None) == ()
    assert resolve_rules([]) == ()
    assert resolve_rules("NELSON_2") == (RULES["nelson_2"],)
    custom = Rule("mine", "run", k=5)
    assert resolve_rules(custom) == (custom,)
    got = resolve_rules(["nelson_3", "we", custom, "we_1", "basic", custom, RULES["we_2"]])
    assert ids(got) == ["nelson_3", "we_1", "we_2", "we_3", "we_4", "mine"]
    spec = {"id": "short", "kind": "run", "k": 6}
    assert resolve_rules(["limits", spec]) == (RULES["we_1"], Rule("short", "run", k=6))


def test_resolve_params() -> None:
    got = resolve_rules("nelson", params={"nelson_2": {"k": 7}, "nelson_7": {"zone": 0.5}})
    assert got[1] == RULES["nelson_2"].with_params(k=7)
    assert got[6].zone == 0.5
    assert got[6].k == 15
    assert RULES["nelson_2"].k == 9  # built-ins untouched
    # params of built-ins that are not selected are ignored
    assert resolve_rules("we", params={"nelson_2": {"k": 7}}) == resolve_rules("we")
    # params can change custom rules too
    (mine,) = resolve_rules(Rule("mine", "run", k=5), params={"mine": {"k": 4}})
    assert mine.k == 4


def test_resolve_unknown_name_suggests() -> None:
    with pytest.raises(RuleError) as info:
        resolve_rules(["we", "nelsen_2"])
    msg = str(info.value)
    assert msg.startswith("unknown rule or rule set 'nelsen_2'; did you mean 'nelson_2'")
    assert "Rule sets: we, western_electric, nelson, limits, basic, none." in msg
    assert "Rules: we_1, we_2, we_3, we_4, nelson_1," in msg
    with pytest.raises(RuleError, match=r"^unknown rule or rule set 'zzz'\. Rule sets"):
        resolve_rules("zzz")
    with pytest.raises(RuleError, match="did you mean 'western_electric'"):
        resolve_rules("western_electrik")


def test_resolve_rejects_bad_params_and_conflicts() -> None:
    with pytest.raises(RuleError, match="params given for unknown rule 'nelson_22'"):
        resolve_rules("nelson", params={"nelson_22": {"k": 7}})
    with pytest.raises(RuleError, match="'kk' is not a rule parameter; did you mean 'k'"):
        resolve_rules("nelson", params={"nelson_2": {"kk": 7}})
    with pytest.raises(RuleError, match="k must be at least 1; got 0"):
        resolve_rules("nelson", params={"nelson_2": {"k": 0}})
    with pytest.raises(RuleError, match="must be a mapping"):
        resolve_rules("nelson", params={"nelson_2": 7})  # type: ignore[dict-item]
    with pytest.raises(RuleError, match="two different rules share the id 'nelson_2'"):
        resolve_rules(["nelson", RULES["nelson_2"].with_params(k=7)])
    with pytest.raises(RuleError, match="each rule must be"):
        resolve_rules([3])  # type: ignore[list-item]
    with pytest.raises(RuleError, match="rules must be"):
        resolve_rules(3)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Rule


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "rule 'r': k must be at least 1; got 0"),
        ({"k": -2}, "k must be at least 1"),
        ({"k": 2.5}, "k must be a whole number; got 2.5"),
        ({"k": True}, "k must be a whole number"),
        ({"m": 0}, "m must be at least 1"),
        ({"kind": "k_of_m", "k": 3, "m": 2}, "the window m must hold at least k points; got k=3"),
        ({"zone": 0.0}, "zone must be a positive number of sigmas; got 0.0"),
        ({"zone": -1.0}, "zone must be a positive number"),
        ({"zone": math.nan}, "zone must be a positive number"),
        ({"zone": math.inf}, "zone must be a positive number"),
        ({"zone": "2"}, "zone must be a number of sigmas"),
        ({"kind": "trnd"}, "unknown kind 'trnd'; did you mean 'trend'"),
        ({"kind": "trend", "k": 1}, "rule 'r': kind 'trend' needs k of at least 2 (got k=1)"),
        ({"kind": "alternating", "k": 1}, "kind 'alternating' needs k of at least 2"),
        ({"id": ""}, "a rule needs a non-empty text id"),
        ({"description": "{n} points"}, "may only use the placeholders {k}, {m} and {zone}"),
        ({"description": 5}, "description must be text"),
    ],
)
def test_rule_validation(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"id": "r", "kind": "run", "k": 3}
    args.update(kwargs)
    with pytest.raises(RuleError) as info:
        Rule(**args)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, LeankitError)


def test_rule_normalises_numbers_and_is_frozen() -> None:
    rule = Rule("r", "k_of_m", k=np.int64(2), m=3, zone=2)
    assert (type(rule.k), type(rule.zone), rule.zone) == (int, float, 2.0)
    assert rule == Rule("r", "k_of_m", k=2, m=3, zone=2.0)
    with pytest.raises(AttributeError):
        rule.k = 3  # type: ignore[misc]
    assert not hasattr(rule, "__dict__")


def test_rule_k_of_m_m_ignored_elsewhere() -> None:
    # m keeps its default for kinds that do not use it
    assert Rule("r", "run", k=8).m == 1


def test_rule_from_spec_and_to_spec() -> None:
    spec: dict[str, Any] = {
        "id": "my_3_of_4",
        "kind": "k_of_m",
        "k": 3,
        "m": 4,
        "zone": 1.5,
        "description": "{k} of {m} beyond {zone:g}",
    }
    rule = Rule.from_spec(spec)
    assert rule == Rule("my_3_of_4", "k_of_m", k=3, m=4, zone=1.5, description=spec["description"])
    assert rule.describe() == "3 of 4 beyond 1.5"
    assert rule.to_spec() == spec
    assert Rule.from_spec(RULES["nelson_7"].to_spec()) == RULES["nelson_7"]
    with pytest.raises(RuleError, match="'zones' is not a rule parameter; did you mean 'zone'"):
        Rule.from_spec({"id": "x", "kind": "run", "zones": 2})
    with pytest.raises(RuleError, match="lacks kind"):
        Rule.from_spec({"id": "x"})
    with pytest.raises(RuleError, match="lacks id and kind"):
        Rule.from_spec({})
    with pytest.raises(RuleError, match="must be a mapping"):
        Rule.from_spec(["id", "x"])  # type: ignore[arg-type]


def test_with_params() -> None:
    rule = RULES["nelson_6"].with_params(k=3, m=4, zone=1.5)
    assert (rule.id, rule.kind, rule.k, rule.m, rule.zone) == ("nelson_6", "k_of_m", 3, 4, 1.5)
    assert RULES["nelson_6"].k == 4
    with pytest.raises(RuleError, match="the window m must hold at least k points"):
        RULES["nelson_6"].with_params(m=3)
    with pytest.raises(RuleError, match="'size' is not a rule parameter"):
        RULES["nelson_6"].with_params(size=3)


# --------------------------------------------------------------------------- properties


def _oracle(
    rule: Rule,
    x: Sequence[float],
    c: Sequence[float],
    s: Sequence[float],
    lcl: Sequence[float],
    ucl: Sequence[float],
    seg: Sequence[int],
) -> list[int]:
    """Straightforward loop implementation of the rule definitions."""
    n = len(x)
    out: list[int] = []

    def zone_ok(j: int) -> bool:
        return not (math.isnan(x[j]) or math.isnan(c[j])) and s[j] > 0

    def side(j: int) -> int:  # +1 above, -1 below, 0 on the center or NaN
        if math.isnan(x[j]) or math.isnan(c[j]) or x[j] == c[j]:
            return 0
        return 1 if x[j] > c[j] else -1

    def zside(j: int) -> int:  # +1 / -1 beyond the zone, 0 otherwise
        if not zone_ok(j):
            return 0
        if x[j] - c[j] > rule.zone * s[j]:
            return 1
        if c[j] - x[j] > rule.zone * s[j]:
            return -1
        return 0

    def step(j: int) -> int:  # sign of x[j] - x[j-1] within a segment
        if j == 0 or seg[j] != seg[j - 1] or math.isnan(x[j]) or math.isnan(x[j - 1]):
            return 0
        return (x[j] > x[j - 1]) - (x[j] < x[j - 1])

    for i in range(n):
        if rule.kind != "beyond_limits" and rule.kind != "k_of_m" and i - rule.k + 1 < 0:
            continue
        if rule.kind == "beyond_limits":
            hit = x[i] > ucl[i] or x[i] < lcl[i]
        elif rule.kind == "k_of_m":
            z = zside(i)
            count = 0
            j = i
            while z and j > i - rule.m and j >= 0 and seg[j] == seg[i] and zone_ok(j):
                count += zside(j) == z
                j -= 1
            hit = z != 0 and count >= rule.k
        else:
            if rule.kind == "run":
                ok = side(i) != 0 and all(
                    side(j) == side(i) and seg[j] == seg[i] for j in range(i - rule.k + 1, i + 1)
                )
            elif rule.kind == "trend":
                ok = step(i) != 0 and all(step(j) == step(i) for j in range(i - rule.k + 2, i + 1))
            elif rule.kind == "alternating":
                ok = all(
                    step(j) != 0 and (j == i or step(j) == -step(j + 1))
                    for j in range(i - rule.k + 2, i + 1)
                )
            elif rule.kind == "within":
                ok = all(
                    zone_ok(j) and abs(x[j] - c[j]) < rule.zone * s[j] and seg[j] == seg[i]
                    for j in range(i - rule.k + 1, i + 1)
                )
            else:  # outside: beyond the zone, with points on both sides (a mixture)
                window = range(i - rule.k + 1, i + 1)
                ok = all(zside(j) != 0 and seg[j] == seg[i] for j in window) and {
                    zside(j) for j in window} == {1, -1}
            hit = ok
        if hit:
            out.append(i)
    return out


# Dyadic values keep shifted and scaled comparisons exact in floating point.
values = st.one_of(
    st.integers(-16, 16).map(lambda v: v / 4),
    st.just(NAN),
)
sigmas = st.sampled_from([0.25, 0.5, 1.0, 1.0, 1.0, 2.0, NAN, 0.0])
centers = st.sampled_from([0.0, 0.0, 0.0, 0.25, -0.5, NAN])
limits = st.sampled_from([3.0, 3.0, 2.5, 1.0, NAN])


@st.composite
def charts(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 40))
    seg = sorted(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    return {
        "statistic": draw(st.lists(values, min_size=n, max_size=n)),
        "center": draw(st.lists(centers, min_size=n, max_size=n)),
        "sigma": draw(st.lists(sigmas, min_size=n, max_size=n)),
        "lcl": [-v for v in draw(st.lists(limits, min_size=n, max_size=n))],
        "ucl": draw(st.lists(limits, min_size=n, max_size=n)),
        "segment": seg,
    }


small_rules = st.builds(
    lambda kind, k, extra, zone: Rule("custom", kind, k=k, m=k + extra, zone=zone),
    st.sampled_from(RULE_KINDS),
    st.integers(2, 5),
    st.integers(0, 2),
    st.sampled_from([0.5, 1.0, 1.5, 2.0]),
)
ALL_RULES = tuple(RULES.values())


def fired(chart: dict[str, Any], rules: Sequence[Rule] = ALL_RULES) -> set[tuple[int, str]]:
    out = evaluate(
        rules,
        chart["statistic"],
        chart["center"],
        chart["sigma"],
        chart["lcl"],
        chart["ucl"],
        segment=chart["segment"],
    )
    assert out["position"].tolist() == sorted(out["position"].tolist())
    return set(zip(out["position"].tolist(), out["rule"].tolist(), strict=True))


@given(charts(), small_rules)
def test_matches_loop_oracle(chart: dict[str, Any], rule: Rule) -> None:
    args = [chart[key] for key in ("statistic", "center", "sigma", "lcl", "ucl", "segment")]
    for r in (*ALL_RULES, rule):
        expected = _oracle(r, *args)
        assert sorted(p for p, _ in fired(chart, [r])) == expected, r


@given(charts(), st.integers(-1000, 1000), st.integers(-4, 4), small_rules)
def test_shift_and_scale_invariance(
    chart: dict[str, Any], shift: int, power: int, rule: Rule
) -> None:
    rules = (*ALL_RULES, rule)
    before = fired(chart, rules)
    shifted = dict(chart)
    for key in ("statistic", "center", "lcl", "ucl"):
        shifted[key] = [v + shift for v in chart[key]]
    assert fired(shifted, rules) == before
    a = 2.0**power
    scaled = dict(chart)
    for key in ("statistic", "center", "sigma", "lcl", "ucl"):
        scaled[key] = [v * a for v in chart[key]]
    assert fired(scaled, rules) == before


@given(charts(), small_rules)
def test_sign_reversal_invariance(chart: dict[str, Any], rule: Rule) -> None:
    rules = (*ALL_RULES, rule)
    flipped = dict(chart)
    flipped["statistic"] = [-v for v in chart["statistic"]]
    flipped["center"] = [-v for v in chart["center"]]
    flipped["lcl"] = [-v for v in chart["ucl"]]
    flipped["ucl"] = [-v for v in chart["lcl"]]
    assert fired(flipped, rules) == fired(chart, rules)
