"""Weekly-report benchmark: 50 characteristics over 52 weeks, one report for the last week.

What is measured
----------------
1. **Data generation** (reported, not part of the report figures): a synthetic plant
   is generated with vectorised numpy, written as canonical CSVs and ingested with
   ``leankit.io.ingest(..., profile="canonical")`` into a leankit dataset:

   * measurements: 50 characteristics (10 per line L1..L5), a subgroup of 5 parts
     (1 min apart) every 4 h for 52 weeks -> 2,184 subgroups and 10,920 rows per
     characteristic, 546,000 rows in all; one characteristic gets a +1.5 sigma shift in
     the last week so the report has signals to show;
   * defects: 8 defect types per machine (10), shift (3) and day (364) -> 87,360 rows;
   * production: one row per machine, shift and day -> 10,920 rows;
   * specs: one row per characteristic.

   The dataset is cached in ``--data-dir`` (default ``benchmarks/.data/report/``,
   git-ignored) and reused when its parameters match; ``--fresh`` rebuilds it.

2. **The report**, in a fresh child process (so generation memory does not count):
   ``load_spec(spec)`` then ``weekly_report(spec).write(path)`` for a spec listing the
   50 characteristics with ``week`` = the last ISO week of the data. Reported:

   * **report s** - wall time of ``weekly_report(spec).write(path)`` alone (no
     interpreter start-up or imports), split into build and write (render + atomic write);
   * **HTML MB** - size of the written file (1 MB = 10**6 bytes);
   * **peak RSS MB** - the child's ``ru_maxrss`` from ``os.wait4`` (whole child,
     including imports and reading the dataset).

The targets (under 10 s, under 8 MB) are printed next to the measured figures. The
benchmark asserts nothing.

Usage::

    python benchmarks/bench_report.py                 # 50 characteristics, 52 weeks
    python benchmarks/bench_report.py --chars 10      # quicker
    python benchmarks/bench_report.py --repeat 3      # median time, max RSS
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_SECONDS = 10.0
TARGET_MB = 8.0
START = "2026-01-05T00:00:00Z"  # a Monday (ISO 2026-W02)
DEFECT_TYPES = ("Burr", "Scratch", "Porosity", "Dimension out of tolerance", "Crack",
                "Missing thread", "Contamination", "Wrong label")
REASONS = ("Feeder jam", "Changeover", "Electrical fault", "Tool change",
           "Material shortage", "No operator", "Quality check")


# ----------------------------------------------------------------- data generation
def generate(out: Path, n_chars: int, weeks: int, seed: int) -> dict[str, object]:
    """Write canonical CSVs and ingest them into the dataset ``out/data``."""
    import numpy as np
    import pandas as pd

    from leankit.io import ingest

    rng = np.random.default_rng(seed)
    src = out / "csv"
    src.mkdir(parents=True, exist_ok=True)
    start = pd.Timestamp(START)
    lines = [f"L{i + 1}" for i in range(5)]
    machines = [f"{ln}-M{j + 1}" for ln in lines for j in range(2)]

    # measurements: subgroup every 4 h, 5 parts 1 min apart
    n_sub = weeks * 7 * 6
    names = np.array([f"char_{i + 1:02d}" for i in range(n_chars)])
    mu = np.round(rng.uniform(5, 200, n_chars), 1)
    sd = np.round(mu * rng.uniform(0.0005, 0.002, n_chars), 5)
    ci = np.repeat(np.arange(n_chars), n_sub * 5)
    si = np.tile(np.repeat(np.arange(n_sub), 5), n_chars)
    pj = np.tile(np.arange(5), n_chars * n_sub)
    ts = start + pd.to_timedelta(si * 240 + pj, unit="min")
    value = mu[ci] + rng.normal(0, 0.3, n_chars * n_sub)[ci * n_sub + si] * sd[ci] \
        + rng.normal(0, 1, ci.size) * sd[ci]
    last_week = si >= n_sub - 7 * 6
    value = np.where(last_week & (ci == 0), value + 1.5 * sd[ci], value)
    line_of = np.array([lines[i % 5] for i in range(n_chars)])
    meas = pd.DataFrame({
        "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "line": line_of[ci],
        "machine": np.char.add(line_of[ci], "-M1"),
        "characteristic": names[ci],
        "value": np.round(value, 5),
        "unit": "mm",
        "subgroup": np.char.add(np.char.add(names[ci], "-"), si.astype(str)),
    })
    specs = pd.DataFrame({"characteristic": names, "lsl": np.round(mu - 5 * sd, 5),
                          "usl": np.round(mu + 5 * sd, 5), "target": mu, "unit": "mm"})

    # production: one row per machine, shift and day
    days = weeks * 7
    d = np.repeat(np.arange(days), len(machines) * 3)
    m = np.tile(np.repeat(np.arange(len(machines)), 3), days)
    s = np.tile(np.arange(3), days * len(machines))
    p_start = start + pd.to_timedelta(d * 24 * 60 + (6 + 8 * s) * 60, unit="min")
    n = d.size
    downtime = np.round(rng.uniform(5, 60, n), 0)
    run = 450.0 - downtime
    total = np.floor(run * 60 / 55 * rng.uniform(0.85, 0.98, n)).astype(int)
    scrap = rng.binomial(total, 0.012)
    shifts = np.array(["early", "late", "night"])
    mach = np.array(machines)
    prod = pd.DataFrame({
        "period_start": p_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "period_end": (p_start + pd.Timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "line": np.array([x[:2] for x in machines])[m], "machine": mach[m],
        "shift": shifts[s], "planned_time": 450.0, "run_time": run, "downtime": downtime,
        "downtime_reason": np.array(REASONS)[rng.integers(0, len(REASONS), n)],
        "ideal_cycle_time": 55.0, "total_count": total, "good_count": total - scrap,
        "scrap_count": scrap,
    })

    # defects: 8 types per machine, shift and day (one inspection lot each)
    k = len(DEFECT_TYPES)
    dd, mm, ss = (np.repeat(a, k) for a in (d, m, s))
    rate = np.tile(np.array([0.012, 0.009, 0.004, 0.003, 0.0005, 0.0015, 0.0025, 0.001]), n)
    inspected = np.repeat(total, k)
    defects = pd.DataFrame({
        "timestamp": (start + pd.to_timedelta(dd * 1440 + (6 + 8 * ss) * 60 + 420,
                                              unit="min")).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "line": np.array([x[:2] for x in machines])[mm], "machine": mach[mm],
        "shift": shifts[ss],
        "lot": np.char.add(np.char.add(mach[mm], "-"), (dd * 3 + ss).astype(str)),
        "defect_type": np.tile(np.array(DEFECT_TYPES), n),
        "count": rng.poisson(rate * inspected), "inspected": inspected,
    })

    rows = {}
    for kind, df in (("specs", specs), ("measurements", meas), ("production", prod),
                     ("defects", defects)):
        path = src / f"{kind}.csv"
        df.to_csv(path, index=False)
        rep = ingest(path, kind=kind, out=out / "data", profile="canonical")
        rows[kind] = rep.rows_loaded
        if rep.rows_quarantined:
            raise SystemExit(f"generated {kind} rows were quarantined: {rep}")
    last = (start + pd.Timedelta(weeks=weeks) - pd.Timedelta(days=1)).isocalendar()
    return {"rows": rows, "week": f"{last[0]}-W{last[1]:02d}", "chars": names.tolist()}


def write_spec(path: Path, data: Path, week: str, chars: list[str]) -> None:
    parts = [
        "[report]",
        'title = "Benchmark: 50 characteristics"',
        f'data = "{data.as_posix()}"',
        f'week = "{week}"',
        "",
    ]
    for c in chars:
        parts += ["[[characteristics]]", f'name = "{c}"', 'chart = "xbar_s"', ""]
    parts += ["[targets]", "fpy = 0.97", "scrap_rate = 0.015", "oee = 0.8", "dpmo = 5000",
              "out_of_control = 0", "", "[defects]", "opportunities = 8",
              'factors = ["line", "machine", "shift"]']
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------- children
def child_generate(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    info = generate(Path(args.data_dir), args.chars, args.weeks, args.seed)
    info["seconds"] = time.perf_counter() - t0
    print(json.dumps(info))


def child_report(args: argparse.Namespace) -> None:
    import warnings

    from leankit.reports import load_spec, weekly_report

    warnings.simplefilter("ignore")
    spec = load_spec(args.spec)
    t0 = time.perf_counter()
    rep = weekly_report(spec)
    t1 = time.perf_counter()
    path = rep.write(args.out)
    t2 = time.perf_counter()
    print(json.dumps({"build": t1 - t0, "write": t2 - t1, "total": t2 - t0,
                      "bytes": path.stat().st_size, "figures": len(rep._figures),
                      "items": sum(len(s.items) for s in rep.sections)}))


def run_child(argv: list[str]) -> tuple[dict[str, object], float, float]:
    """Run this script as a child; returns (its JSON output, wall s, peak RSS MB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, *argv], stdout=subprocess.PIPE,
                            text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"child {argv[0]} failed with status {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=50)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--data-dir", type=Path, default=HERE / ".data" / "report")
    ap.add_argument("--fresh", action="store_true", help="regenerate the dataset")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--child", choices=("generate", "report"), help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "generate":
        return child_generate(args)
    if args.child == "report":
        return child_report(args)

    root = args.data_dir / f"c{args.chars}-w{args.weeks}-s{args.seed}"
    info_path = root / "info.json"
    if args.fresh and root.exists():
        import shutil

        shutil.rmtree(root)
    if info_path.is_file():
        info = json.loads(info_path.read_text("utf-8"))
        print(f"dataset: reusing {root} (generated in {info['seconds']:.1f} s; --fresh "
              "rebuilds it)")
    else:
        print(f"dataset: generating {args.chars} characteristics x {args.weeks} weeks "
              f"into {root} ...", flush=True)
        info, _, gen_rss = run_child(["--child", "generate", "--data-dir", str(root),
                                      "--chars", str(args.chars), "--weeks", str(args.weeks),
                                      "--seed", str(args.seed)])
        info["rss_mb"] = gen_rss
        info_path.write_text(json.dumps(info), encoding="utf-8")
        print(f"dataset: generated + ingested in {info['seconds']:.1f} s "
              f"(peak RSS {gen_rss:.0f} MB)")
    rows = info["rows"]
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items())
          + f"; report week {info['week']}")
    spec = root / "weekly.toml"
    write_spec(spec, root / "data", str(info["week"]), list(info["chars"]))

    runs = []
    for i in range(args.repeat):
        res, wall, rss = run_child(["--child", "report", "--spec", str(spec),
                                    "--out", str(root / "weekly_report.html")])
        res["child_wall"], res["rss"] = wall, rss
        runs.append(res)
        print(f"  run {i + 1}: build {res['build']:.2f} s + write {res['write']:.2f} s = "
              f"{res['total']:.2f} s; child incl. start-up {wall:.2f} s; "
              f"peak RSS {rss:.0f} MB")
    secs = statistics.median(r["total"] for r in runs)
    mb = runs[-1]["bytes"] / 1e6
    rss = max(r["rss"] for r in runs)
    print()
    print(f"weekly report: {args.chars} characteristics, {runs[-1]['figures']} figures, "
          f"{runs[-1]['items']} collapsible items")
    print(f"{'metric':<34}{'target':>12}{'measured':>12}  status")
    rows_out = [
        ("weekly_report(spec).write() s", f"< {TARGET_SECONDS:g}", f"{secs:.2f}",
         "ok" if secs < TARGET_SECONDS else "MISSED"),
        ("HTML size MB", f"< {TARGET_MB:g}", f"{mb:.2f}", "ok" if mb < TARGET_MB else "MISSED"),
        ("peak RSS MB (report child)", "—", f"{rss:.0f}", ""),
        ("data generation + ingest s", "—", f"{info['seconds']:.1f}", "(not in the report s)"),
    ]
    for name, tgt, val, st in rows_out:
        print(f"{name:<34}{tgt:>12}{val:>12}  {st}")


if __name__ == "__main__":
    main()
