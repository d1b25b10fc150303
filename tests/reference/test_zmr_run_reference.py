"""Reference tests: the run chart's runs analysis and the Z-MR chart against published
values and independent computations. Each test names its source (``data/zmr_run/SOURCES.md``).

* Anhøj's limits (longest run, crossings) for n = 10..100: the table of the qicharts2
  vignette (Appendix 2), i.e. the rules of Anhøj & Olesen (2014), exact integers.
* A runs analysis printed by qicharts2 (vignette, "The Anhøj rules"): 24 points made by
  R's random generator, reproduced here (Mersenne-Twister + Inversion); the printed
  center and limits check the reproduction at the 7 printed digits (``PRINTED7``).
* Swed–Eisenhart critical values of the number of runs (classic table, equal groups),
  checked against exact enumeration too.
* Z-MR: an independent plain-numpy computation of Minitab's documented formulas
  (z = (x − μ)/σ per part; sigma by parts, pooled, relative to size), at 1e-12.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from leankit import spc
from leankit.spc._run_chart import anhoej_limits, runs_analysis, swed_eisenhart_limits
from spc_compare import numpy_zmr

DATA = Path(__file__).parent / "data" / "zmr_run"
PRINTED7 = 5e-7  # absolute, for values printed with 6 decimals
TIGHT = 1e-12


# --------------------------------------------------------------------------- R's RNG


class _RRandom:
    """R's default generator: ``set.seed(seed)`` then ``rnorm`` (Mersenne-Twister with
    R's seed scrambling, normal by Inversion with R's 2^27 two-draw uniform)."""

    N, M = 624, 397

    def __init__(self, seed: int) -> None:
        s = seed & 0xFFFFFFFF
        for _ in range(50):  # Randomize(): initial scrambling
            s = (69069 * s + 1) & 0xFFFFFFFF
        seeds = []
        for _ in range(self.N + 1):
            s = (69069 * s + 1) & 0xFFFFFFFF
            seeds.append(s)
        self.mti = self.N  # FixupSeeds: dummy[0] = mti = N
        self.mt = seeds[1:]

    def _int32(self) -> int:
        mt, n, m = self.mt, self.N, self.M
        if self.mti >= n:
            for kk in range(n):
                y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % n] & 0x7FFFFFFF)
                mt[kk] = mt[(kk + m) % n] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.mti = 0
        y = mt[self.mti]
        self.mti += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        return y ^ (y >> 18)

    def unif(self) -> float:
        u = self._int32() * 2.3283064365386963e-10
        return min(max(u, 0.5 * 2.328306437080797e-10), 1.0 - 0.5 * 2.328306437080797e-10)

    def rnorm(self, n: int, mean: float = 0.0) -> np.ndarray:
        big = 134217728  # 2^27
        out = []
        for _ in range(n):
            u = self.unif()
            u = int(big * u) + self.unif()
            out.append(mean + float(ndtri(u / big)))
        return np.array(out)


def _vignette_y() -> np.ndarray:
    rng = _RRandom(19)
    y = rng.rnorm(24)
    y[21] = 4.0
    y[12:24] = rng.rnorm(12, mean=2.0)
    return y


# ---------------------------------------------------------------------- run chart


def test_anhoej_limits_table_n_10_to_100() -> None:
    """qicharts2 vignette, Appendix 2 (Anhøj & Olesen 2014 rules): all 91 rows exactly."""
    table = pd.read_csv(DATA / "anhoej_limits.csv")
    assert table["n"].tolist() == list(range(10, 101))
    got = [anhoej_limits(int(n)) for n in table["n"]]
    assert [g[0] for g in got] == table["longest_run_max"].tolist()
    assert [g[1] for g in got] == table["crossings_min"].tolist()


def test_qicharts2_vignette_runs_analysis() -> None:
    """qicharts2 vignette, 'The Anhøj rules': summary(qic(y, chart = 'i')) prints
    n.useful 24, longest.run 13 (max 8), n.crossings 4 (min 8), runs.signal 1."""
    ref: dict[str, Any] = json.loads((DATA / "qicharts2_vignette_runs.json").read_text())
    printed = ref["printed"]
    y = _vignette_y()
    # the reproduction of R's data: CL and qicharts2's limits (mean ± 3 MR̄/1.128)
    cl = float(y.mean())
    half = 3 * float(np.abs(np.diff(y)).mean()) / 1.128
    assert cl == pytest.approx(printed["CL"], abs=PRINTED7)
    assert cl - half == pytest.approx(printed["aLCL"], abs=PRINTED7)
    assert cl + half == pytest.approx(printed["aUCL"], abs=PRINTED7)

    out = runs_analysis(y, center=cl)
    assert out["n_points"] == printed["n.obs"]
    assert out["n_useful"] == printed["n.useful"]
    assert out["longest_run"] == printed["longest.run"]
    assert out["longest_run_max"] == printed["longest.run.max"]
    assert out["crossings"] == printed["n.crossings"]
    assert out["crossings_min"] == printed["n.crossings.min"]
    assert out["signal"] is bool(printed["runs.signal"])

    chart = spc.run_chart(pd.DataFrame({"y": y}), value="y", center=cl)
    r = chart.runs.iloc[0]
    assert (r.n_useful, r.longest_run, r.longest_run_max, r.crossings, r.crossings_min) == (
        24, 13, 8, 4, 8)
    assert r.long_run and r.few_crossings
    # the 13-point run: the first 13 points, all below the mean raised by the shift
    long_pts = chart.signals.loc[chart.signals["rule"] == "anhoej_long_run", "position"]
    assert long_pts.tolist() == list(range(13))


@pytest.mark.parametrize(("n", "lower", "upper"), [
    (5, 2, 10), (6, 3, 11), (8, 4, 14), (10, 6, 16), (12, 7, 19), (15, 10, 22), (20, 14, 28)])
def test_swed_eisenhart_critical_values(n: int, lower: int, upper: int) -> None:
    """Swed & Eisenhart (1943) table, n1 = n2 = n, two-sided 5 %: a number of runs <= lower
    or >= upper is significant. Also checked against exact enumeration (n <= 8)."""
    lo, hi, expected = swed_eisenhart_limits(n, n)
    assert (lo - 1, hi + 1) == (lower, upper)
    assert expected == 1 + n
    if n <= 8:
        total = math.comb(2 * n, n)
        counts = np.zeros(2 * n + 1, dtype=np.int64)
        for pos in itertools.combinations(range(2 * n), n):
            seq = np.zeros(2 * n, dtype=np.int8)
            seq[list(pos)] = 1
            counts[1 + int(np.count_nonzero(seq[1:] != seq[:-1]))] += 1
        assert counts[:lower + 1].sum() / total <= 0.025 < counts[:lower + 2].sum() / total
        assert counts[upper:].sum() / total <= 0.025 < counts[upper - 1:].sum() / total


# ------------------------------------------------------------------------------ Z-MR


def _short_run_data() -> pd.DataFrame:
    rng = np.random.default_rng(20261204)
    parts = ["P1"] * 6 + ["P2"] * 4 + ["P3"] * 5 + ["P1"] * 4 + ["P2"] * 5 + ["P3"] * 3
    size = {"P1": 10.0, "P2": 40.0, "P3": 120.0}
    x = [size[p] * (1 + 0.01 * rng.standard_normal()) for p in parts]
    return pd.DataFrame({"part": parts, "x": np.round(x, 4)})


@pytest.mark.parametrize("method", ["by_part", "pooled", "relative_to_size"])
def test_zmr_matches_independent_computation(method: str) -> None:
    """Minitab Z-MR formulas, recomputed with plain numpy loops."""
    df = _short_run_data()
    chart = spc.zmr(df, value="x", part="part", sigma_method=method)  # type: ignore[arg-type]
    z_ref, params = numpy_zmr(df, method)
    frame = chart.to_frame()
    z = frame.loc[frame["panel"] == "z", "statistic"].to_numpy()
    np.testing.assert_allclose(z, z_ref, rtol=TIGHT, atol=TIGHT)
    mr = frame.loc[frame["panel"] == "mr", "statistic"].to_numpy()
    np.testing.assert_allclose(mr[1:], np.abs(np.diff(z_ref)), rtol=TIGHT, atol=TIGHT)
    got = {r.part: (r.mean, r.sigma) for r in chart.parts.itertuples()}
    for p, (m, s) in params.items():
        assert got[p] == pytest.approx((m, s), rel=TIGHT)
    # MR panel of z: an MR chart with sigma 1 (Montgomery: D4 = 3.267 for n = 2)
    mr_rows = chart.limits[chart.limits["panel"] == "mr"].iloc[0]
    assert mr_rows["center"] == pytest.approx(2 / math.sqrt(math.pi), rel=TIGHT)
    assert mr_rows["ucl"] / mr_rows["center"] == pytest.approx(3.267, abs=5e-4)
