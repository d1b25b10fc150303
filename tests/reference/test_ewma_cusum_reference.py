"""Reference tests: leankit's EWMA and CUSUM charts against published values.

Sources (see ``data/ewma_cusum/SOURCES.md``):

* **Montgomery**, *Introduction to Statistical Quality Control*: Table 9.1 (30
  observations, μ0 = 10, σ = 1), the tabular CUSUM of Table 9.2 (k = 0.5, h = 5; the
  upper sum printed to 2 decimals, the signal at observation 29, N⁺ = 7, μ̂ = 11.25) and
  the EWMA of Example 9.3 (λ = 0.1, L = 2.7; asymptotic limits 9.38 / 10.62).
* **qcc's own unit tests** (``tests/testthat/test-ewma.R``, ``test-cusum.R``): the
  expected values qcc asserts, compared at 1e-12.
* **qcc's documented formulas on the piston rings** (Phase I = samples 1-25, Phase II =
  26-40; qcc's ``ewma()`` / ``cusum()`` examples). No R is available here, so qcc's
  output is reproduced by an independent plain-Python transcription of qcc's ``ewma.R``
  and ``cusum.R`` (a loop, not leankit's vectorised code), with qcc's recorded sigma
  (0.009785038693035299, ``R̄/2.326``, from ``data/qcc_3_0/pistonrings_xbar_R.json``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from leankit import datasets, spc

DATA = Path(__file__).resolve().parent / "data"
TIGHT = 1e-12
RANGE_RTOL = 5e-4  # qcc's d2(5) = 2.326 vs leankit's exact 2.325929 (half-widths only)


def load(name: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads((DATA / "ewma_cusum" / name).read_text(encoding="utf-8"))
    return out


MONT = load("montgomery_table_9_1.json")
QCC_TESTS = load("qcc_testthat.json")
QCC_PISTON = json.loads((DATA / "qcc_3_0" / "pistonrings_xbar_R.json").read_text(
    encoding="utf-8"))
QCC_SIGMA = QCC_PISTON["expected"]["xbar"]["phase1_only"]["std_dev"]
QCC_CENTER = QCC_PISTON["expected"]["xbar"]["phase1_only"]["center"]


def _series(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"obs": np.arange(1, len(values) + 1), "x": values})


# ------------------------------------------------------------------ Montgomery, ch. 9


def test_cusum_montgomery_table_9_2() -> None:
    """Montgomery Table 9.2: the upper sum at every observation (printed to 2 decimals),
    the first signal at observation 29 (C⁺ = 5.28 > h = 5), N⁺ = 7, the shift dated after
    observation 22 and the new mean μ̂ = 10 + 0.5 + 5.28/7 = 11.25."""
    c = MONT["cusum"]
    chart = spc.cusum(_series(MONT["data"]), value="x", subgroup="obs", mu=MONT["mu0"],
                      sigma=MONT["sigma"], k=c["k"], h=c["h"])
    upper = chart.panel("upper").to_frame()["statistic"].to_numpy()
    assert np.round(upper, 2).tolist() == c["table_9_2_upper_sum_printed_2_decimals"]
    sig = chart.signals
    first = sig.iloc[0]
    assert first["panel"] == "upper" and first["subgroup"] == c["first_signal_observation"]
    assert first["run_length"] == c["upper_count_at_signal_N_plus"]
    assert first["shift_start"] == c["last_zero_before_signal_observation"] + 1
    assert round(first["estimated_mean"], 2) == c["estimated_mean_printed"]
    # independent: the plain recursion of Montgomery eq. 9.2/9.3
    cp, cm, lower = 0.0, 0.0, []
    for x in MONT["data"]:
        cp = max(0.0, x - (MONT["mu0"] + c["k"]) + cp)
        cm = max(0.0, MONT["mu0"] - c["k"] - x + cm)
        lower.append(cm)
    np.testing.assert_allclose(chart.panel("lower").to_frame()["statistic"], lower,
                               rtol=0, atol=1e-12)
    assert set(sig["panel"]) == {"upper"}  # the lower sum never exceeds h here


def test_ewma_montgomery_example_9_3() -> None:
    """Montgomery Example 9.3 (λ = 0.1, L = 2.7 on Table 9.1): asymptotic limits 9.38 and
    10.62 (printed), z_0 = μ0, exact limits from eq. 9.24, first signal at observation
    29; the statistic checked against the plain recursion of eq. 9.22."""
    e = MONT["ewma"]
    df = _series(MONT["data"])
    chart = spc.ewma(df, value="x", subgroup="obs", mu=10.0, sigma=1.0, lam=e["lam"],
                     nsigmas=e["L"])
    frame = chart.to_frame()
    z, lam, mu = [], e["lam"], MONT["mu0"]
    prev = mu
    for x in MONT["data"]:
        prev = lam * x + (1 - lam) * prev
        z.append(prev)
    np.testing.assert_allclose(frame["statistic"], z, rtol=TIGHT)
    i = np.arange(1, 31)
    half = e["L"] * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * i)))
    np.testing.assert_allclose(frame["ucl"], mu + half, rtol=TIGHT)
    np.testing.assert_allclose(frame["lcl"], mu - half, rtol=TIGHT)
    assert chart.signals["subgroup"].iloc[0] == e["first_signal_observation"]
    asym = spc.ewma(df, value="x", subgroup="obs", mu=10.0, sigma=1.0, lam=lam,
                    nsigmas=e["L"], limits="asymptotic").to_frame()
    assert round(asym["lcl"].iloc[0], 2) == e["asymptotic_lcl_printed"]
    assert round(asym["ucl"].iloc[0], 2) == e["asymptotic_ucl_printed"]


# --------------------------------------------------------------- qcc's own unit tests


def test_ewma_qcc_testthat_explicit_parameters() -> None:
    """qcc test-ewma.R: ewma(c(11, 13, 12), center = 10, std.dev = 2, lambda = 0.5,
    nsigmas = 2) gives ewma 10.5, 11.75, 11.875 and sigma² 1, 1.25, 1.3125."""
    case = QCC_TESTS["ewma_explicit_parameters"]
    chart = spc.ewma(_series(case["data"]), value="x", mu=case["center"],
                     sigma=case["std_dev"], lam=case["lambda"], nsigmas=case["nsigmas"])
    f = chart.to_frame()
    np.testing.assert_allclose(f["statistic"], case["ewma"], rtol=TIGHT)
    np.testing.assert_allclose(f["sigma_statistic"] ** 2, case["sigma_sq"], rtol=TIGHT)
    sd = np.sqrt(case["sigma_sq"])
    np.testing.assert_allclose(f["ucl"], case["center"] + case["nsigmas"] * sd, rtol=TIGHT)
    np.testing.assert_allclose(f["lcl"], case["center"] - case["nsigmas"] * sd, rtol=TIGHT)


def test_cusum_qcc_testthat_strict_boundaries() -> None:
    """qcc test-cusum.R: sums 1, 1, 1.1, 0, 0, 0 (upper) and 0, 0, 0, 1, 1, 1.3 (lower;
    qcc prints them negative); a sum exactly at h = 1 does not signal, 1.1 and 1.3 do."""
    case = QCC_TESTS["cusum_strict_boundaries"]
    chart = spc.cusum(_series(case["data"]), value="x", mu=case["center"],
                      sigma=case["std_dev"], h=case["decision_interval"],
                      k=case["se_shift"] / 2)
    np.testing.assert_allclose(chart.panel("upper").to_frame()["statistic"], case["pos"],
                               atol=TIGHT)
    np.testing.assert_allclose(chart.panel("lower").to_frame()["statistic"],
                               [-v for v in case["neg_as_printed_by_qcc_negative"]], atol=TIGHT)
    sig = chart.signals
    up = (sig.loc[sig.panel == "upper", "position"] + 1).tolist()
    low = (sig.loc[sig.panel == "lower", "position"] + 1).tolist()
    assert up == case["upper_violations_one_based"]
    assert low == case["lower_violations_one_based"]


def test_cusum_qcc_testthat_unequal_sizes_phase2() -> None:
    """qcc test-cusum.R: Phase II subgroups of 2 and 3 standardised by σ/√n_i give upper
    sums 0, 0, 2.32842712474619, 7.02457954745282 (a missing value shortens a subgroup)."""
    case = QCC_TESTS["cusum_phase2_unequal_sizes"]

    def rows(groups: list[list[float]], first: int) -> pd.DataFrame:
        return pd.DataFrame([{"s": first + i, "x": v} for i, g in enumerate(groups) for v in g])

    base = rows(case["phase1_groups"], 1)
    new = rows(case["phase2_groups"], 3)
    chart = spc.cusum(base, value="x", subgroup="s", mu=case["center"], sigma=case["std_dev"],
                      h=case["decision_interval"], k=case["se_shift"] / 2).monitor(new)
    np.testing.assert_allclose(chart.panel("upper").to_frame()["statistic"], case["pos"],
                               rtol=TIGHT, atol=TIGHT)
    assert chart.panel("upper").to_frame()["n"].tolist() == [3, 3, 2, 3]


# ------------------------------------------------- qcc's formulas on the piston rings


def _qcc_ewma(stats: list[float], sizes: list[int], center: float, sd: float, lam: float,
              nsigmas: float) -> tuple[list[float], list[float], list[float], list[int]]:
    """qcc ewma.R, transcribed: ewmaSmooth(start = center), sigma2 = std.dev²/sizes ·
    λ/(2−λ)·(1 − (1−λ)^(2i)), violations = y < lcl | y > ucl (1-based)."""
    z, prev, lcl, ucl, bad = [], center, [], [], []
    for i, (x, n) in enumerate(zip(stats, sizes, strict=True), start=1):
        prev = lam * x + (1 - lam) * prev
        s = math.sqrt(sd**2 / n * (lam / (2 - lam)) * (1 - (1 - lam) ** (2 * i)))
        z.append(prev)
        lcl.append(center - nsigmas * s)
        ucl.append(center + nsigmas * s)
        if prev < lcl[-1] or prev > ucl[-1]:
            bad.append(i)
    return z, lcl, ucl, bad


def _qcc_cusum(stats: list[float], sizes: list[int], center: float, sd: float,
               h: float, shift: float, head: float = 0.0
               ) -> tuple[list[float], list[float], list[int], list[int]]:
    """qcc cusum.R, transcribed: z = (x − center)/(std.dev/√n); pos/neg recursions with
    se.shift/2; violations pos > h, neg < −h (qcc's neg is negative)."""
    pos, neg, up, low = [], [], [], []
    p = n_ = 0.0
    for i, (x, n) in enumerate(zip(stats, sizes, strict=True), start=1):
        z = (x - center) / (sd / math.sqrt(n))
        p = max(0.0, (head if i == 1 else p) + z - shift / 2)
        n_ = max(0.0, (head if i == 1 else n_) - (z + shift / 2))
        pos.append(p)
        neg.append(-n_)
        if p > h:
            up.append(i)
        if -n_ < -h:
            low.append(i)
    return pos, neg, up, low


@pytest.fixture(scope="module")
def rings() -> tuple[pd.DataFrame, pd.DataFrame, list[float]]:
    df = datasets.piston_rings()
    means = df.groupby("sample", sort=True)["diameter"].mean().tolist()
    return df[df.trial], df[~df.trial], means


@pytest.mark.parametrize("nsigmas", [3.0, 2.7])
def test_ewma_piston_rings_qcc(rings: tuple[pd.DataFrame, pd.DataFrame, list[float]],
                               nsigmas: float) -> None:
    """qcc's examples ``ewma(diameter[1:25,], lambda = 0.2, nsigmas = 3 / 2.7,
    newdata = diameter[26:40,])``: statistics, limits and violating samples from qcc's
    formulas with qcc's sigma (tight), and with leankit's own estimate (center tight,
    half-widths within qcc's d2 rounding; the same violations)."""
    base, new, means = rings
    z, lcl, ucl, bad = _qcc_ewma(means, [5] * 40, QCC_CENTER, QCC_SIGMA, 0.2, nsigmas)
    given = spc.ewma(pd.concat([base, new]), value="diameter", subgroup="sample",
                     mu=QCC_CENTER, sigma=QCC_SIGMA, lam=0.2, nsigmas=nsigmas).to_frame()
    np.testing.assert_allclose(given["statistic"], z, rtol=TIGHT)
    np.testing.assert_allclose(given["lcl"], lcl, rtol=TIGHT)
    np.testing.assert_allclose(given["ucl"], ucl, rtol=TIGHT)
    assert (np.flatnonzero(given["signal"]) + 1).tolist() == bad
    chart = spc.ewma(base, value="diameter", subgroup="sample", lam=0.2,
                     nsigmas=nsigmas).monitor(new)
    f = chart.to_frame()
    assert chart.limits.loc[0, "mu"] == pytest.approx(QCC_CENTER, rel=TIGHT)
    np.testing.assert_allclose(f["statistic"], z, rtol=TIGHT)
    np.testing.assert_allclose(f["ucl"] - f["center"], np.subtract(ucl, QCC_CENTER),
                               rtol=RANGE_RTOL)
    assert (np.flatnonzero(f["signal"]) + 1).tolist() == bad
    assert f["phase"].tolist() == ["I"] * 25 + ["II"] * 15
    if nsigmas == 3.0:
        assert bad == [37, 38, 39, 40]


def test_cusum_piston_rings_qcc(rings: tuple[pd.DataFrame, pd.DataFrame, list[float]]) -> None:
    """qcc's example ``cusum(diameter[1:25,], newdata = diameter[26:40,])``
    (decision.interval = 5, se.shift = 1): both sums and the violating samples from qcc's
    formulas with qcc's sigma (tight), and with leankit's own estimate (sums within qcc's
    d2 rounding, the same violations)."""
    base, new, means = rings
    pos, neg, up, low = _qcc_cusum(means, [5] * 40, QCC_CENTER, QCC_SIGMA, 5.0, 1.0)
    given = spc.cusum(pd.concat([base, new]), value="diameter", subgroup="sample",
                      mu=QCC_CENTER, sigma=QCC_SIGMA)
    np.testing.assert_allclose(given.panel("upper").to_frame()["statistic"], pos,
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(given.panel("lower").to_frame()["statistic"],
                               [-v for v in neg], rtol=1e-10, atol=1e-10)
    chart = spc.cusum(base, value="diameter", subgroup="sample").monitor(new)
    np.testing.assert_allclose(chart.panel("upper").to_frame()["statistic"], pos,
                               rtol=RANGE_RTOL, atol=1e-3)
    sig = chart.signals
    assert (sig.loc[sig.panel == "upper", "position"] + 1).tolist() == up == [37, 38, 39, 40]
    assert (sig.loc[sig.panel == "lower", "position"] + 1).tolist() == low == []


def test_cusum_head_start_qcc(rings: tuple[pd.DataFrame, pd.DataFrame, list[float]]) -> None:
    """qcc's ``head.start``: both sums start at the head start (qcc cusum.R, FIR of
    Lucas & Crosier 1982); h = 4, k = 0.5, head start 2."""
    base, new, means = rings
    pos, neg, _, _ = _qcc_cusum(means, [5] * 40, QCC_CENTER, QCC_SIGMA, 4.0, 1.0, head=2.0)
    chart = spc.cusum(pd.concat([base, new]), value="diameter", subgroup="sample",
                      mu=QCC_CENTER, sigma=QCC_SIGMA, h=4.0, head_start=2.0)
    np.testing.assert_allclose(chart.panel("upper").to_frame()["statistic"], pos,
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(chart.panel("lower").to_frame()["statistic"],
                               [-v for v in neg], rtol=1e-10, atol=1e-10)
