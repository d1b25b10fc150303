"""Unit tests of the before/after effect checks: verdicts, evidence sentences, edge cases
with zero counts, clear errors, tables and summaries."""

from __future__ import annotations

import dataclasses
import math
import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

from leankit import rca
from leankit.errors import InsufficientDataError, LeankitError
from leankit.rca._effect import FRAME_COLUMNS, EffectInputError, _boot_ppk, _ppk

# ------------------------------------------------------------------ rates


def test_rates_improved_evidence_sentence() -> None:
    r = rca.compare_rates(101, 1000, 34, 1000)
    assert r.verdict == "improved"
    assert r.ratio == pytest.approx(34 / 101)
    assert r.lower < r.ratio < r.upper < 1
    assert r.evidence == ("The defect rate fell from 0.101 to 0.034 per unit (ratio 0.34, "
                          "95 % CI 0.22 to 0.50, exact p < 0.001).")
    assert "exact conditional" in r.method.lower()


def test_rates_worse_and_no_evidence() -> None:
    assert rca.compare_rates(20, 1000, 60, 1000).verdict == "worse"
    assert rca.compare_rates(20, 1000, 22, 1000).verdict == "no evidence of improvement"
    # better="higher" mirrors the verdicts
    assert rca.compare_rates(20, 1000, 60, 1000, better="higher").verdict == "improved"
    assert rca.compare_rates(101, 1000, 34, 1000, better="higher").verdict == "worse"


def test_rates_unequal_exposure_and_words() -> None:
    r = rca.compare_rates(30, 2000, 12, 500, what="scrap rate", per="hour", confidence=0.9)
    assert r.before_rate == 0.015 and r.after_rate == 0.024
    assert r.evidence.startswith("The scrap rate rose from 0.0150 to 0.0240 per hour (ratio "
                                 "1.60, 90 % CI 0.84 to 2.91, exact p = 0.18)")


def test_rates_zero_before() -> None:
    r = rca.compare_rates(0, 100, 10, 100)
    assert r.ratio == math.inf and r.upper == math.inf
    assert r.lower > 0 and r.verdict == "worse"
    r = rca.compare_rates(0, 100, 1, 100)
    assert r.lower == pytest.approx(100 / 100 * 0.025 / 0.975)  # beta(0.025; 1, 1) = 0.025
    assert r.verdict == "no evidence of improvement"


def test_rates_zero_after() -> None:
    r = rca.compare_rates(12, 100, 0, 100)
    assert r.ratio == 0 and r.lower == 0
    assert 0 < r.upper < 1 and r.verdict == "improved"
    assert "fell from 0.120 to 0 per unit (ratio 0, 95 % CI 0 to 0.36" in r.evidence


def test_rates_both_zero_says_why() -> None:
    r = rca.compare_rates(0, 100, 0, 250)
    assert math.isnan(r.ratio) and r.lower == 0 and r.upper == math.inf
    assert r.p_value == 1.0 and r.verdict == "no evidence of improvement"
    assert "No defect was counted before or after" in r.evidence
    assert "collect more data" in r.evidence


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    ((-1, 100, 3, 100), {}, "before_count= must be a count >= 0"),
    ((1.5, 100, 3, 100), {}, "whole number"),
    ((1, 0, 3, 100), {}, "before_exposure= must be > 0"),
    ((1, 100, 3, -5), {}, "after_exposure= must be > 0"),
    ((1, 100, math.nan, 100), {}, "after_count= must be a finite number"),
    ((1, math.inf, 3, 100), {}, "before_exposure= must be a finite number"),
    ((1, 100, "3", 100), {}, "after_count= must be a number"),
    ((True, 100, 3, 100), {}, "before_count= must be a number"),
    ((1, 100, 3, 100), {"confidence": 95}, "confidence= must be a number strictly between"),
    ((1, 100, 3, 100), {"better": "smaller"}, "better= must be 'lower'"),
])
def test_rates_errors(args: tuple[Any, ...], kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(EffectInputError, match=match) as info:
        rca.compare_rates(*args, **kwargs)
    assert isinstance(info.value, LeankitError) and isinstance(info.value, ValueError)


def test_rates_numpy_scalars_and_frame() -> None:
    r = rca.compare_rates(np.int64(40), np.float64(400.0), np.int32(10), 300)
    f = r.to_frame()
    assert list(f.columns) == FRAME_COLUMNS and len(f) == 1
    assert f.loc[0, "change"] == pytest.approx(r.ratio)
    assert f.loc[0, "change_kind"] == "ratio"
    text = str(r.summary())
    assert "ratio (after / before)" in text and r.evidence in text
    assert "<RateChange defect rate" in repr(r)
    assert "<script" not in r.summary().to_html()


def test_rates_frozen_and_picklable() -> None:
    r = rca.compare_rates(10, 100, 4, 100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.verdict = "improved"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(r)) == r
    assert type(r).__module__ == "leankit.rca"


# ------------------------------------------------------------------ measurements

BEFORE = [10.02, 10.05, 9.98, 10.04, 10.01, 10.06, 9.99, 10.03, 10.05, 10.00]
AFTER = [10.00, 10.01, 9.99, 10.00, 10.01, 10.00, 9.99, 10.01, 10.00, 10.00]


def test_measurements_auto_is_capability_with_specs() -> None:
    m = rca.compare_measurements(BEFORE, AFTER, lsl=9.9, usl=10.1)
    assert m.better == "capability" and m.index == "Ppk"
    assert m.verdict == "improved"
    assert m.ppk_lower > 0
    assert m.evidence.startswith("Ppk rose from 0.93 to 4.47 (difference 3.54, 95 % CI")
    f = m.to_frame()
    assert list(f.columns) == FRAME_COLUMNS
    assert f["statistic"].tolist() == ["mean", "sd", "ppk"]
    assert f["change_kind"].tolist() == ["difference", "ratio", "difference"]


def test_measurements_auto_without_specs_is_less_variation() -> None:
    m = rca.compare_measurements(BEFORE, AFTER)
    assert m.better == "less_variation" and m.index is None
    assert math.isnan(m.ppk_before) and math.isnan(m.ppk_lower)
    assert m.verdict == "improved" and m.sd_upper < 1
    assert m.to_frame()["statistic"].tolist() == ["mean", "sd"]
    assert rca.compare_measurements(AFTER, BEFORE).verdict == "worse"


def test_measurements_mean_directions() -> None:
    rng = np.random.default_rng(1)
    before, after = rng.normal(5.0, 0.1, 50), rng.normal(4.8, 0.1, 50)
    assert rca.compare_measurements(before, after, better="lower").verdict == "improved"
    assert rca.compare_measurements(before, after, better="higher").verdict == "worse"
    same = rng.normal(5.0, 0.1, 50)
    assert (rca.compare_measurements(before, same, better="lower").verdict
            == "no evidence of improvement")
    ev = rca.compare_measurements(before, after, better="lower").evidence
    assert ev.startswith("The mean fell from ") and "Welch p < 0.001" in ev


def test_measurements_target() -> None:
    rng = np.random.default_rng(2)
    before, after = rng.normal(10.05, 0.02, 40), rng.normal(10.00, 0.02, 40)
    m = rca.compare_measurements(before, after, target=10.0, better="target")
    assert m.verdict == "improved" and "closer to the target 10.00" in m.evidence
    # moving away from the target
    assert rca.compare_measurements(after, before, target=10.0,
                                    better="target").verdict == "worse"
    # overshooting the target (farther on the other side) is not an improvement
    over = rng.normal(9.90, 0.02, 40)
    m = rca.compare_measurements(before, over, target=10.0, better="target")
    assert m.verdict == "no evidence of improvement" and "farther from" in m.evidence


def test_measurements_one_sided_and_bootstrap_notes() -> None:
    rng = np.random.default_rng(3)
    before, after = rng.normal(10.0, 0.05, 20), rng.normal(10.0, 0.03, 20)
    m = rca.compare_measurements(before, after, usl=10.15, method="bootstrap", n_boot=400)
    assert m.index == "Ppu" and m.ppk_method == "bootstrap" and math.isnan(m.ppk_p_value)
    assert "bootstrap, 400 resamples" in m.evidence
    assert any("Only 20 values" in n for n in m.notes)
    # the same seed gives the same result
    assert rca.compare_measurements(before, after, usl=10.15, method="bootstrap",
                                    n_boot=400) == m
    text = str(m.summary())
    assert "USL 10.15" in text and "Ppu" in text


def test_measurements_accepts_series_and_ints() -> None:
    m = rca.compare_measurements(pd.Series([1, 2, 3, 4]), np.array([2, 3, 3, 5]))
    assert m.n_before == 4 and m.mean_after == pytest.approx(3.25)


@pytest.mark.parametrize(("before", "after", "kwargs", "error", "match"), [
    ([1.0], [1.0, 2.0], {}, InsufficientDataError, "before= has 1 value"),
    ([1.0, 2.0], [], {}, InsufficientDataError, "after= has 0 value"),
    ([3.0, 3.0, 3.0], [1.0, 2.0], {}, InsufficientDataError, "all 3 values of before= are "
                                                              "equal"),
    ([1.0, "x"], [1.0, 2.0], {}, EffectInputError, "non-numeric value"),
    ([1.0, 2.0], [True, False], {}, EffectInputError, "must hold numbers"),
    ([1.0, math.nan, 2.0], [1.0, 2.0], {}, EffectInputError, "1 missing value"),
    ([1.0, math.inf, 2.0], [1.0, 2.0], {}, EffectInputError, "infinite value"),
    (5.0, [1.0, 2.0], {}, EffectInputError, "sequence of individual values"),
    ([1.0, 2.0], [1.0, 3.0], {"lsl": 5, "usl": 1}, EffectInputError, "must be below usl"),
    ([1.0, 2.0], [1.0, 3.0], {"better": "capability"}, EffectInputError, "needs a "
                                                                        "specification"),
    ([1.0, 2.0], [1.0, 3.0], {"better": "target"}, EffectInputError, "needs target="),
    ([1.0, 2.0], [1.0, 3.0], {"better": "best"}, EffectInputError, "better= must be one of"),
    ([1.0, 2.0], [1.0, 3.0], {"method": "exact"}, EffectInputError, "method= must be"),
    ([1.0, 2.0], [1.0, 3.0], {"n_boot": 10}, EffectInputError, "n_boot= must be"),
    ([1.0, 2.0], [1.0, 3.0], {"usl": math.nan}, EffectInputError, "usl= must be a finite"),
    ([1.0, 2.0], [1.0, 3.0], {"confidence": 1.0}, EffectInputError, "confidence="),
])
def test_measurements_errors(before: object, after: object, kwargs: dict[str, object],
                             error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        rca.compare_measurements(before, after, **kwargs)  # type: ignore


def test_measurements_missing_values_in_any_form() -> None:
    """None in a list and pd.NA in a nullable column are missing values (not "non-numeric")."""
    with pytest.raises(EffectInputError,
                       match=r"1 missing value\(s\) \(NaN\) at position\(s\) \[1\]"):
        rca.compare_measurements([1.0, None, 2.0], [1.0, 2.0])
    col = pd.Series([1.0, pd.NA, 2.0, 3.0], dtype="Float64")
    with pytest.raises(EffectInputError, match="1 missing value"):
        rca.compare_measurements([1.0, 2.0], col)
    ok = rca.compare_measurements(pd.Series([1, 2, 3], dtype="Int64"), [2.0, 3.5, 4.0])
    assert ok.mean_before == 2.0


def test_measurements_dataframe_is_refused() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(EffectInputError, match=r"pass data\['column'\]"):
        rca.compare_measurements(df, [1.0, 2.0])


def test_measurements_inputs_not_mutated() -> None:
    before = np.array(BEFORE)
    after = pd.Series(AFTER)
    b0, a0 = before.copy(), after.copy()
    rca.compare_measurements(before, after, lsl=9.9, usl=10.1, method="bootstrap", n_boot=200)
    np.testing.assert_array_equal(before, b0)
    pd.testing.assert_series_equal(after, a0)


def test_measurements_tiny_samples_no_warning() -> None:
    """n = 2 per side: Brown-Forsythe degenerates quietly (filterwarnings = error)."""
    m = rca.compare_measurements([1.0, 2.0], [1.0, 1.5])
    assert m.n_before == 2 and 0 <= m.sd_p_value <= 1


def test_bootstrap_blocks_draw_the_same_resamples() -> None:
    """Large samples are resampled in blocks (bounded memory) with the same draws as one
    ``integers(size=(n_boot, n))`` call, so the result does not depend on the block size."""
    x = np.random.default_rng(5).normal(10, 1, 37)
    one = _ppk(x[np.random.default_rng(9).integers(0, 37, size=(250, 37))], 6.0, 14.0)
    blocks = _boot_ppk(np.random.default_rng(9), x, 250, 6.0, 14.0, max_values=37 * 16)
    np.testing.assert_array_equal(blocks, one)
