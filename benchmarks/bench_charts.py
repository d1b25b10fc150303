"""Control-chart computation benchmark: ``spc.i_mr`` and ``spc.xbar_r`` on long series.

What is measured
----------------
For every size (points = individual values) and method, a fresh child process
generates ``N(10, 1)`` values with numpy (seeded), then times one computation:

=================  ===========================================================================
method             what runs
=================  ===========================================================================
``numpy i_mr``     baseline: mean, moving ranges ``|diff|``, sigma = MR̄/d2, I and MR limits,
                   points beyond the limits (the same limits, nothing else)
``leankit i_mr``   ``spc.i_mr(df, value="x")``: both panels, Western Electric rules on the I
                   panel, the points/limits/signals/data tables of the result
``numpy xbar_r``   baseline: subgroups of 5 (reshape), means, ranges, sigma = R̄/d2, limits
``leankit xbar_r`` ``spc.xbar_r(df, value="x", subgroup="sg")`` with subgroups of 5
=================  ===========================================================================

Reported per row: **seconds** (the computation alone, ``time.perf_counter``, no start-up
or data generation), **M points/s**, **peak RSS MB** (the child's ``ru_maxrss`` from
``os.wait4``: the whole child, imports and input data included), **input MB** (RSS high
water mark after imports and data generation, read in the child before the computation)
and **B/point** = (peak − input) / points: the memory the computation itself adds per
point. The leankit result keeps 2 rows per point (one per panel) of 15 columns, plus the
subgroup table (for ``monitor()``) and the data table, so its B/point cannot approach
the numpy baseline's; it must stay constant as the series grows (linear scaling).

Nothing is asserted. The parent process imports only the standard library, so the
children's ``ru_maxrss`` is not inflated by the parent's memory.

Usage::

    python benchmarks/bench_charts.py                    # 1e5 and 1e6 points
    python benchmarks/bench_charts.py --sizes 1e5,1e6,1e7
    python benchmarks/bench_charts.py --only i_mr --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

METHODS = ("numpy i_mr", "leankit i_mr", "numpy xbar_r", "leankit xbar_r")
SUBGROUP = 5


def child(method: str, n: int, seed: int) -> None:
    import resource
    import warnings

    import numpy as np
    import pandas as pd

    from leankit import spc

    warnings.simplefilter("ignore")
    x = np.random.default_rng(seed).normal(10.0, 1.0, n)
    if "xbar" in method:
        n = n - n % SUBGROUP
        x = x[:n]
        df = pd.DataFrame({"sg": np.arange(n) // SUBGROUP, "x": x})
    else:
        df = pd.DataFrame({"x": x})
    # one-time lazy set-up (constants tables, imports) happens on a small chart first
    small = pd.DataFrame({"sg": np.arange(100) // SUBGROUP, "x": x[:100]})
    spc.i_mr(small, value="x")
    spc.xbar_r(small, value="x", subgroup="sg")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    if method == "numpy i_mr":
        mr = np.abs(np.diff(x))
        sigma = mr.mean() / 1.1283791670955126
        mu = x.mean()
        beyond = (x > mu + 3 * sigma) | (x < mu - 3 * sigma)
        mr_beyond = mr > 3.2665 * mr.mean()
        signals = int(beyond.sum() + mr_beyond.sum())
    elif method == "numpy xbar_r":
        sub = x.reshape(-1, SUBGROUP)
        means = sub.mean(axis=1)
        ranges = sub.max(axis=1) - sub.min(axis=1)
        rbar = ranges.mean()
        mu = means.mean()
        a2, d4 = 0.5768283, 2.1145
        beyond = (means > mu + a2 * rbar) | (means < mu - a2 * rbar)
        signals = int(beyond.sum() + (ranges > d4 * rbar).sum())
    elif method == "leankit i_mr":
        chart = spc.i_mr(df, value="x")
        signals = chart.n_signals
    else:
        chart = spc.xbar_r(df, value="x", subgroup="sg")
        signals = chart.n_signals
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "input_mb": before, "signals": signals, "n": n}))


def run(method: str, n: int, seed: int) -> dict[str, float]:
    proc = subprocess.Popen([sys.executable, __file__, "--child", method, str(n), str(seed)],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{method} at {n} points failed (status {status})")
    res: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    res["peak_mb"] = usage.ru_maxrss / 1024
    return res


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e5,1e6", help="comma-separated point counts")
    ap.add_argument("--only", default="i_mr,xbar_r", help="i_mr and/or xbar_r")
    ap.add_argument("--repeat", type=int, default=1, help="median seconds, max RSS")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    charts = args.only.split(",")
    print(f"{'method':<16}{'points':>12}{'seconds':>10}{'M pts/s':>10}{'peak MB':>10}"
          f"{'input MB':>10}{'B/point':>10}{'signals':>10}")
    for n in sizes:
        for method in METHODS:
            if method.split()[1] not in charts:
                continue
            runs = [run(method, n, args.seed) for _ in range(args.repeat)]
            sec = statistics.median(r["seconds"] for r in runs)
            peak = max(r["peak_mb"] for r in runs)
            inp = runs[0]["input_mb"]
            pts = runs[0]["n"]
            extra = (peak - inp) * 2**20 / pts
            print(f"{method:<16}{pts:>12,}{sec:>10.3f}{pts / sec / 1e6:>10.2f}{peak:>10.0f}"
                  f"{inp:>10.0f}{extra:>10.0f}{int(runs[0]['signals']):>10,}", flush=True)


if __name__ == "__main__":
    main()
