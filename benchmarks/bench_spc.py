"""SPC benchmark: I-MR and X̄-R with all Nelson rules, EWMA and CUSUM on long series,
side by side with the numpy floor and with spc-lib.

What is measured
----------------
For every size (points = individual values) and method, a fresh child process generates
``N(10, 1)`` values (seeded), plus a +1σ shift over the last 5 % (so every chart has
something to find), and times one computation:

=====================  ====================================================================
method                 what runs
=====================  ====================================================================
``numpy i_mr``         the floor: mean, moving ranges, sigma = MR̄/d2, I and MR limits, the
                       8 Nelson rules on I and beyond-limits on MR, vectorised numpy (the
                       same limits and flags as leankit)
``leankit i_mr``       ``spc.i_mr(df, value="x", rules="nelson")``: the chart (statistics,
                       limits, stage parameters, every rule's flags, the signal count);
                       its long tables are built on first use (see **tables s**)
``spc-lib i_mr``       ``IMRChart(x.reshape(-1, 1)).fit()`` + ``detect_violations(..., rules=
                       [1..8], last_n=None)`` (spc-lib 1.1.2; its rules flag whole windows,
                       so its signal count differs; speed only)
``numpy xbar_r``       the floor for subgroups of 5: means, ranges, R̄/d2, limits, the 8
                       Nelson rules on X̄ and beyond-limits on R
``leankit xbar_r``     ``spc.xbar_r(df, value="x", subgroup="sg", rules="nelson")``
``numpy ewma``         the floor: z by ``scipy.signal.lfilter`` from z_0 = μ, exact limits
                       μ ± 3σ√(λ/(2−λ)(1 − (1−λ)^{2i})), points beyond them (λ = 0.2,
                       sigma = MR̄/d2 of the individual values)
``leankit ewma``       ``spc.ewma(df, value="x")`` (λ = 0.2, L = 3, exact limits)
``spc-lib ewma``       ``EWMAChart(x.reshape(-1, 1), lambda_=0.2, L=3).fit()`` + beyond limits
``numpy cusum``        the floor: z = (x − μ)/σ, C⁺/C⁻ by cumulative sums and running minima
                       (Lindley form), k = 0.5, h = 5, points above h
``leankit cusum``      ``spc.cusum(df, value="x")`` (k = 0.5, h = 5): both sums and their
                       flags (the shift start and size of every signal come with the
                       signals table, built on first use)
``spc-lib cusum``      ``CUSUMChart(x.reshape(-1, 1), h=5, k=0.5).fit()`` + points above h
=====================  ====================================================================

Reported per row: **seconds** (the computation alone, ``time.perf_counter``), **CPU s**
(the same span in the child's CPU time, user + system, ``time.process_time``: steadier
than wall time on a machine shared with other jobs), **M pts/s**, **peak MB** (the
child's ``ru_maxrss`` right after the computation: imports and input included),
**B/point** (peak minus the RSS before the computation, per point), **signals** (points
flagged), **× floor** (seconds / the numpy floor's at the same size; **(CPU)**: the same
in CPU seconds), **× spc-lib** (spc-lib's seconds / leankit's) and, for leankit,
**tables s** (the seconds the chart then takes to build the tables it builds on first
use: ``points``, ``signals``, ``data``; in neither **seconds** nor the floor),
**+tbl MB** (the child's peak RSS with them, from ``os.wait4``) and **warm s** with its
own **× floor** and **× spc-lib** (the same computation run a second time in the same
child, after the first: memory the process has already touched is reused, so it times
the arithmetic without the first-touch page-fault cost that dominates a fresh process on
a VM; spc-lib: EWMA and CUSUM only, its rules being Python loops). spc-lib runs up to
``--spclib-max`` points (default 10⁶: its rules are Python loops, ~300 s at 10⁷).
Nothing is asserted.

spc-lib is optional: ``pip install --no-deps spc-lib==1.1.2`` (23 kB, pure Python; its only
extra dependency, statsmodels, is used by a diagnostics module the benchmark does not
import). Without it its rows say ``unavailable``.

Usage::

    python benchmarks/bench_spc.py                         # 1e5 and 1e6 points
    python benchmarks/bench_spc.py --sizes 1e5,1e6,1e7     # 10^7: ~4 GB per leankit child
    python benchmarks/bench_spc.py --only ewma,cusum --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time

CHARTS = ("i_mr", "xbar_r", "ewma", "cusum")
TOOLS = ("numpy", "leankit", "spc-lib")
SUBGROUP = 5
LAM, L, K, H = 0.2, 3.0, 0.5, 5.0


# --------------------------------------------------------------------- numpy floor


def _run_length(cond, np):  # type: ignore[no-untyped-def]
    """Consecutive True values ending at each point."""
    idx = np.arange(cond.size)
    last = np.maximum.accumulate(np.where(cond, -1, idx))
    out = idx - last
    out[~cond] = 0
    return out


def nelson_numpy(x, mu, sigma, lcl, ucl, np):  # type: ignore[no-untyped-def]
    """The 8 Nelson rules in plain numpy (one segment): a bool per point, any rule."""
    dev = x - mu
    n = x.size
    idx = np.arange(n)
    fired = (x > ucl) | (x < lcl)  # 1
    fired |= (_run_length(dev > 0, np) >= 9) | (_run_length(dev < 0, np) >= 9)  # 2
    step = np.zeros(n)
    step[1:] = np.sign(x[1:] - x[:-1])
    fired |= (_run_length(step > 0, np) >= 5) | (_run_length(step < 0, np) >= 5)  # 3
    flips = np.zeros(n, dtype=bool)
    flips[1:] = step[1:] * step[:-1] < 0
    fired |= _run_length(flips, np) >= 12  # 4
    for k, m, z in ((2, 3, 2.0), (4, 5, 1.0)):  # 5, 6
        first = np.maximum(idx - (m - 1), 0)
        for side in (dev > z * sigma, dev < -z * sigma):
            total = np.concatenate(([0], np.cumsum(side)))
            fired |= side & (total[1:] - total[first] >= k)
    fired |= _run_length(np.abs(dev) < sigma, np) >= 15  # 7
    hi, lo = dev > sigma, dev < -sigma  # 8
    first = np.maximum(idx - 7, 0)
    ch = np.concatenate(([0], np.cumsum(hi)))
    cl = np.concatenate(([0], np.cumsum(lo)))
    fired |= ((_run_length(hi | lo, np) >= 8) & (ch[1:] - ch[first] > 0)
              & (cl[1:] - cl[first] > 0))
    return fired


def floor(chart, x, consts, np):  # type: ignore[no-untyped-def]
    """The same limits and flags as leankit, in plain numpy (scipy's lfilter for the
    EWMA recursion). Returns the number of points flagged."""
    if chart == "xbar_r":
        sub = x.reshape(-1, SUBGROUP)
        stat = sub.mean(axis=1)
        ranges = sub.max(axis=1) - sub.min(axis=1)
        sigma = ranges.mean() / consts["d2_5"]
        mu = stat.mean()
        s = sigma / np.sqrt(SUBGROUP)
        main = nelson_numpy(stat, mu, s, mu - 3 * s, mu + 3 * s, np)
        rc, rs = consts["d2_5"] * sigma, consts["d3_5"] * sigma
        disp = (ranges > rc + 3 * rs) | (ranges < max(0.0, rc - 3 * rs))
        return int(main.sum() + disp.sum())
    mr = np.abs(x[1:] - x[:-1])
    sigma = mr.mean() / consts["d2_2"]
    mu = x.mean()
    if chart == "i_mr":
        main = nelson_numpy(x, mu, sigma, mu - 3 * sigma, mu + 3 * sigma, np)
        mc, ms = consts["d2_2"] * sigma, consts["d3_2"] * sigma
        return int(main.sum() + ((mr > mc + 3 * ms) | (mr < max(0.0, mc - 3 * ms))).sum())
    if chart == "ewma":
        from scipy.signal import lfilter

        z, _ = lfilter([LAM], [1.0, LAM - 1.0], x, zi=[(1 - LAM) * mu])
        i = np.arange(1, x.size + 1)
        half = L * sigma * np.sqrt(LAM / (2 - LAM) * -np.expm1(2 * i * np.log1p(-LAM)))
        return int(((z > mu + half) | (z < mu - half)).sum())
    zs = (x - mu) / sigma
    total = 0
    for y in (zs - K, -zs - K):
        c = np.cumsum(y)
        c -= np.minimum(np.minimum.accumulate(c), 0.0)
        total += int((c > H).sum())
    return total


# --------------------------------------------------------------------------- child


def child(method: str, n: int, seed: int) -> None:
    import resource
    import warnings

    import numpy as np
    import pandas as pd

    warnings.simplefilter("ignore")
    tool, chart = method.split()
    rng = np.random.default_rng(seed)
    x = rng.normal(10.0, 1.0, n)
    x[int(n * 0.95):] += 1.0
    if chart == "xbar_r":
        n -= n % SUBGROUP
        x = x[:n]
    result: dict[str, float] = {"n": n}
    if tool == "spc-lib":
        from spc_lib import CUSUMChart, EWMAChart, IMRChart, XBarRChart
        from spc_lib.rules import detect_violations

        xs = np.random.default_rng(0).normal(10.0, 1.0, 200)  # first calls, as for leankit
        xs[100:] += 3.0
        IMRChart(xs.reshape(-1, 1)).fit()
        XBarRChart(xs.reshape(-1, SUBGROUP)).fit()
        EWMAChart(xs.reshape(-1, 1), lambda_=LAM, L=L).fit()
        CUSUMChart(xs.reshape(-1, 1), h=H, k=K).fit()
        detect_violations(xs, 10.0, 1.0, last_n=None, rules=list(range(1, 9)))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        c0 = time.process_time()
        if chart == "i_mr":
            c = IMRChart(x.reshape(-1, 1)).fit()
            sigma = (c.ucl_main - c.cl_main) / 3
            v = detect_violations(c.stat_main, c.cl_main, sigma, last_n=None,
                                  rules=list(range(1, 9)))
            signals = len(set().union(*map(set, v.values())))
        elif chart == "xbar_r":
            c = XBarRChart(x.reshape(-1, SUBGROUP)).fit()
            sigma = (c.ucl_main - c.cl_main) / 3
            v = detect_violations(c.stat_main, c.cl_main, sigma, last_n=None,
                                  rules=list(range(1, 9)))
            signals = len(set().union(*map(set, v.values())))
        elif chart == "ewma":
            c = EWMAChart(x.reshape(-1, 1), lambda_=LAM, L=L).fit()
            signals = int(((c.ewma_values > c.ucl_main) | (c.ewma_values < c.lcl_main)).sum())
        else:
            c = CUSUMChart(x.reshape(-1, 1), h=H, k=K).fit()
            signals = int(((c.cusum_upper > H) | (c.cusum_lower > H)).sum())
        result["seconds"] = time.perf_counter() - t0
        result["cpu"] = time.process_time() - c0
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if chart in ("ewma", "cusum"):  # vectorised: a second run is worth timing
            del c
            gc.collect()
            t0 = time.perf_counter()
            if chart == "ewma":
                c = EWMAChart(x.reshape(-1, 1), lambda_=LAM, L=L).fit()
            else:
                c = CUSUMChart(x.reshape(-1, 1), h=H, k=K).fit()
            result["warm"] = time.perf_counter() - t0
    else:
        from leankit import spc

        consts = {"d2_2": spc.d2(2), "d3_2": spc.d3(2), "d2_5": spc.d2(5), "d3_5": spc.d3(5)}
        df = (pd.DataFrame({"sg": np.arange(n) // SUBGROUP, "x": x}) if chart == "xbar_r"
              else pd.DataFrame({"x": x}))
        # one-time lazy set-up (imports, constants, first calls of the code paths that
        # signals take) on small charts with a shift first
        xs = np.random.default_rng(0).normal(10.0, 1.0, 200)
        xs[100:] += 3.0
        small = pd.DataFrame({"sg": np.arange(200) // SUBGROUP, "x": xs})
        spc.i_mr(small, value="x", rules="nelson")
        spc.xbar_r(small, value="x", subgroup="sg", rules="nelson")
        spc.ewma(small, value="x")
        spc.cusum(small, value="x")
        for name in CHARTS:
            floor(name, xs, consts, np)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        c0 = time.process_time()
        if tool == "numpy":
            signals = floor(chart, x, consts, np)
        else:
            if chart == "i_mr":
                c = spc.i_mr(df, value="x", rules="nelson")
            elif chart == "xbar_r":
                c = spc.xbar_r(df, value="x", subgroup="sg", rules="nelson")
            elif chart == "ewma":
                c = spc.ewma(df, value="x", lam=LAM, nsigmas=L)
            else:
                c = spc.cusum(df, value="x", k=K, h=H)
            signals = c.n_signals
        result["seconds"] = time.perf_counter() - t0
        result["cpu"] = time.process_time() - c0
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if tool == "leankit":  # the tables the chart builds on first use
            t0 = time.perf_counter()
            c.points, c.signals, c.data  # noqa: B018
            result["tables"] = time.perf_counter() - t0
            del c
        # the same computation again in this process: memory the process has touched
        # before is reused, so this times the arithmetic without the first-touch cost
        gc.collect()
        t0 = time.perf_counter()
        if tool == "numpy":
            floor(chart, x, consts, np)
        elif chart == "i_mr":
            spc.i_mr(df, value="x", rules="nelson").n_signals  # noqa: B018
        elif chart == "xbar_r":
            spc.xbar_r(df, value="x", subgroup="sg", rules="nelson").n_signals  # noqa: B018
        elif chart == "ewma":
            spc.ewma(df, value="x", lam=LAM, nsigmas=L).n_signals  # noqa: B018
        else:
            spc.cusum(df, value="x", k=K, h=H).n_signals  # noqa: B018
        result["warm"] = time.perf_counter() - t0
    result["input_mb"] = before
    result["signals"] = signals
    print(json.dumps(result))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(f"{sys.argv[2]} {sys.argv[3]}", int(sys.argv[4]), int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e5,1e6", help="comma-separated point counts")
    ap.add_argument("--only", default=",".join(CHARTS), help="charts: i_mr,xbar_r,ewma,cusum")
    ap.add_argument("--tools", default=",".join(TOOLS), help="numpy,leankit,spc-lib")
    ap.add_argument("--spclib-max", type=float, default=1e6, help="largest size for spc-lib")
    ap.add_argument("--repeat", type=int, default=1, help="median seconds, max RSS")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    charts = [c for c in CHARTS if c in args.only.split(",")]
    tools = [t for t in TOOLS if t in args.tools.split(",")]
    print(f"{'method':<16}{'points':>12}{'seconds':>10}{'CPU s':>8}{'M pts/s':>9}"
          f"{'peak MB':>9}{'B/point':>9}{'signals':>10}{'x floor':>9}{'(CPU)':>8}"
          f"{'x spc-lib':>10}{'tables s':>10}{'+tbl MB':>10}{'warm s':>9}{'x floor':>9}"
          f"{'x spc-lib':>10}", flush=True)
    for n in sizes:
        for chart in charts:
            secs: dict[str, float] = {}
            cpus: dict[str, float] = {}
            warms: dict[str, float] = {}
            for tool in tools:
                method = f"{tool} {chart}"
                if tool == "spc-lib" and n > args.spclib_max:
                    print(f"{method:<16}{n:>12,}  skipped (> --spclib-max)", flush=True)
                    continue
                runs = [run_measured(method, n, args.seed) for _ in range(args.repeat)]
                if any(r is None for r in runs):
                    print(f"{method:<16}{n:>12,}  unavailable (pip install --no-deps "
                          "spc-lib==1.1.2)", flush=True)
                    continue
                done = [r for r in runs if r is not None]
                sec = statistics.median(r["seconds"] for r in done)
                secs[tool] = sec
                cpus[tool] = statistics.median(r["cpu"] for r in done)
                peak = max(r["peak_mb"] for r in done)
                pts = int(done[0]["n"])
                extra = (peak - done[0]["input_mb"]) * 2**20 / pts
                vs_floor = f"{sec / secs['numpy']:.2f}" if "numpy" in secs else "-"
                vs_cpu = f"{cpus[tool] / cpus['numpy']:.2f}" if "numpy" in cpus else "-"
                vs_lib = "-"
                if tool == "spc-lib" and "leankit" in secs:
                    vs_lib = f"{sec / secs['leankit']:.0f}"
                tables = (f"{statistics.median(r['tables'] for r in done):.3f}"
                          if "tables" in done[0] else "-")
                final = (f"{max(r['final_mb'] for r in done):.0f}" if "tables" in done[0]
                         else "-")
                cpu = statistics.median(r["cpu"] for r in done)
                warm_txt = warm_floor = warm_lib = "-"
                if "warm" in done[0]:
                    warms[tool] = statistics.median(r["warm"] for r in done)
                    warm_txt = f"{warms[tool]:.3f}"
                    if "numpy" in warms:
                        warm_floor = f"{warms[tool] / warms['numpy']:.2f}"
                    if tool == "spc-lib" and "leankit" in warms:
                        warm_lib = f"{warms[tool] / warms['leankit']:.0f}"
                print(f"{method:<16}{pts:>12,}{sec:>10.3f}{cpu:>8.3f}{pts / sec / 1e6:>9.2f}"
                      f"{peak:>9.0f}"
                      f"{extra:>9.0f}{int(done[0]['signals']):>10,}{vs_floor:>9}{vs_cpu:>8}{vs_lib:>10}"
                      f"{tables:>10}{final:>10}{warm_txt:>9}{warm_floor:>9}{warm_lib:>10}",
                      flush=True)


def run_measured(method: str, n: int, seed: int) -> dict[str, float] | None:
    """Run one child; its peak RSS from ``os.wait4``."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", *method.split(), str(n),
                             str(seed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        if "No module named 'spc_lib'" in err:
            return None
        raise SystemExit(f"{method} at {n} points failed:\n{err[-2000:]}")
    res: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    res["final_mb"] = usage.ru_maxrss / 1024  # with leankit's tables built
    return res


if __name__ == "__main__":
    main()
