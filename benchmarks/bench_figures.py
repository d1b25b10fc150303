"""Figure benchmark: the control-chart figure of a very long I-MR chart.

What is measured
----------------
For each size (default 10**6 points; ``--sizes 1e6,1e7`` adds ten million), in fresh
child processes (so one measurement's memory never counts in another):

* **compute** - ``spc.i_mr(df, value="value", time="time")`` alone (not part of the
  figure figures; reported so the split is visible);
* **leankit figure** - ``chart.figure()`` then ``fig.to_json()`` (what a report embeds):
  wall seconds, points per second, peak RSS of the child *above* the RSS it had once
  the chart was computed, the JSON size and the number of points drawn;
* **baseline** (same run, same data) - the naive figure: one ``go.Scattergl`` with every
  point of the first panel (times as ``datetime64``, no hover text, no limits), then
  ``to_json()``. This is the floor of drawing everything; leankit's figure
  draws a decimated view (min/max per bucket, every signal) once a panel has more
  points than a screen can show, so it should beat the baseline by a wide margin.

Peak memory is read from ``/proc/self/status`` (``VmHWM``) after resetting it
(``/proc/self/clear_refs``), so "peak MB" is the high-water mark of the figure step
alone; where the reset is not permitted the child's whole peak is reported (marked *).
The benchmark asserts nothing.

Usage::

    python benchmarks/bench_figures.py                  # 10**6 points
    python benchmarks/bench_figures.py --sizes 1e6,1e7  # also 10**7 (needs ~4 GB)
    python benchmarks/bench_figures.py --only leankit
    python benchmarks/bench_figures.py --rules limits   # fewer signals
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _data(n: int, seed: int) -> object:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    y = rng.normal(10.0, 0.1, n)
    y[rng.integers(0, n, 30)] += 1.0  # a few special causes
    return pd.DataFrame({"time": pd.date_range("2026-01-01", periods=n, freq="s", tz="UTC"),
                         "value": y})


def child(args: argparse.Namespace) -> None:
    import warnings

    warnings.simplefilter("ignore")
    from leankit import spc

    n = int(float(args.n))
    df = _data(n, args.seed)
    t0 = time.perf_counter()
    chart = spc.i_mr(df, value="value", time="time", rules=args.rules)
    compute = time.perf_counter() - t0
    del df
    import plotly.graph_objects as go  # imported before the measurement (both methods)

    base = _rss_mb("VmRSS")
    exact = _reset_peak()
    t0 = time.perf_counter()
    if args.child == "leankit":
        fig = chart.figure()
    else:
        main = chart.points[chart.points["panel"] == "i"]
        times = main["time"].dt.tz_localize(None).to_numpy()  # datetime64, not objects
        fig = go.Figure(go.Scattergl(x=times, y=main["statistic"].to_numpy(),
                                     mode="lines+markers"))
    text = fig.to_json()
    secs = time.perf_counter() - t0
    peak = _rss_mb("VmHWM")
    drawn = sum(len(t.y) for t in fig.data if t.y is not None)
    print(json.dumps({"n": n, "compute": compute, "seconds": secs,
                      "peak_mb": peak - base if exact else peak, "exact": exact,
                      "json_mb": len(text) / 1e6, "drawn": drawn,
                      "signals": int(chart.points["signal"].sum())}))


def run(method: str, n: float, seed: int, rules: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, "--child", method, "--n", str(n),
                           "--seed", str(seed), "--rules", rules], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or [f"status {proc.returncode}"])[-1]}
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6")
    ap.add_argument("--only", default="leankit,baseline")
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--rules", default="we", help='run rules of the chart (default "we": '
                    "about 2.6 %% of pure-noise points signal; \"limits\": about 0.5 %%)")
    ap.add_argument("--child", choices=("leankit", "baseline"), help=argparse.SUPPRESS)
    ap.add_argument("--n", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    methods = args.only.split(",")
    print(f"{'points':>12} {'method':<9} {'figure s':>9} {'Mpts/s':>8} {'peak MB':>9} "
          f"{'JSON MB':>8} {'drawn':>10} {'compute s':>10}")
    for size in args.sizes.split(","):
        for m in methods:
            r = run(m, float(size), args.seed, args.rules)
            if "error" in r:
                print(f"{float(size):>12,.0f} {m:<9} failed: {r['error']}")
                continue
            n, secs = int(r["n"]), float(r["seconds"])  # type: ignore[call-overload]
            star = "" if r["exact"] else "*"
            print(f"{n:>12,} {m:<9} {secs:>9.2f} {n / secs / 1e6:>8.2f} "
                  f"{r['peak_mb']:>8.0f}{star or ' '} {r['json_mb']:>8.2f} {r['drawn']:>10,} "
                  f"{r['compute']:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
