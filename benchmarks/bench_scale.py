"""Scale benchmark: subgroup statistics of a multi-plant dataset, three ways, same run.

What is measured
----------------
A generated multi-plant measurement dataset (``--rows``, default 10**8: 100 plants ×
50 characteristics × one reading a minute, subgroups of one hour = 60 readings) is
ingested once with ``leankit.io.ingest`` (canonical CSV chunks of 10**7 rows) and
partitioned by ISO week with ``leankit.data.partition`` (cached in
``benchmarks/.data/scale/``). Then, each in its own fresh subprocess (peak RSS from
``os.wait4`` through a stdlib-only launcher, as in ``bench_ingest.py``):

``leankit``
    ``spc.subgroup_stats(data.connect(DIR).scan("measurements", columns=...),
    by=["site", "characteristic"])``: the data layer's lazy table, grouped in DuckDB.
``duckdb``
    The same query hand-written in DuckDB SQL over the same partitioned Parquet files
    (``GROUP BY site, characteristic, subgroup``; n, mean, sd, min, max, range, first,
    last), fetched into pandas.
``pandas``
    Today's path: ``leankit.io.read_table(DIR, "measurements")`` into pandas, then
    ``groupby(...).agg(...)``, under an address-space limit (``--pandas-limit-gb``,
    default 16) so it fails with MemoryError instead of exhausting the machine.

``leankit_week`` and ``duckdb_week`` do the same for one ISO week (partition pruning:
one file of the partitioned copy is read). ``report`` writes the weekly report of the
last week (every characteristic, advised charts, capability) over the dataset, under the
same address-space limit as ``pandas``: it reads the baseline and the report week
through ``leankit.data`` into pandas.

Printed per method and size: wall seconds of the process (imports included: leankit
with Ibis imports in about 1.3 s, DuckDB alone in 0.1 s), the query's own seconds
(measured in the child after its imports), seconds per 10**6 rows, peak RSS (MB), result
rows, and both ratios to hand-written DuckDB. Targets of issue 15: leankit within 1.25×
of hand-written DuckDB, peak RSS below 2 GB, linear in rows (``--sizes``). Nothing is
asserted.

    python benchmarks/bench_scale.py                       # 10**8 rows
    python benchmarks/bench_scale.py --sizes 1e6,1e7,1e8   # linearity
    python benchmarks/bench_scale.py --rows 1e6 --only leankit,duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data" / "scale"
METHODS = ("leankit", "duckdb", "pandas", "leankit_week", "duckdb_week", "report")
CHUNK = 10**7
#: The week scanned by the ``*_week`` methods (the data start on Monday 2026-01-05).
WEEK = "2026-W02"
WEEK_BOUNDS = ("2026-01-05 00:00:00+00", "2026-01-12 00:00:00+00")

#: The leankit child (whole dataset or one week: @PERIOD@) and the hand-written DuckDB
#: child (@FILES@, @FILTER@); ``run`` fills in {root}, {week} ... with ``str.format``.
_LEANKIT = """
import time
from leankit import data, spc
t0 = time.perf_counter()
src = data.connect({root!r})
t = src.scan("measurements", period=@PERIOD@, columns=["site", "characteristic", "subgroup",
                                                      "value", "timestamp"])
s = spc.subgroup_stats(t, value="value", subgroup="subgroup", time="timestamp",
                       by=["site", "characteristic"])
print(len(s), time.perf_counter() - t0)
"""
_DUCKDB = """
import time
import duckdb
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
df = con.sql('''
SELECT site, characteristic, subgroup, count(value) AS n, avg(value) AS mean,
       stddev_samp(value) AS sd, min(value) AS min, max(value) AS max,
       max(value) - min(value) AS range, min(timestamp) AS first, max(timestamp) AS last
FROM read_parquet('{root}/partitioned/measurements/@FILES@/*.parquet')
WHERE subgroup IS NOT NULL@FILTER@
GROUP BY site, characteristic, subgroup
ORDER BY first, site, characteristic, subgroup''').df()
print(len(df), time.perf_counter() - t0)
"""

_CHILD = {
    "leankit": _LEANKIT.replace("@PERIOD@", "None"),
    "leankit_week": _LEANKIT.replace("@PERIOD@", "{week!r}"),
    "duckdb": _DUCKDB.replace("@FILES@", "week=*").replace("@FILTER@", ""),
    "duckdb_week": _DUCKDB.replace("@FILES@", "week={week}").replace(
        "@FILTER@", " AND timestamp >= TIMESTAMPTZ '{w0}'\n  AND timestamp < TIMESTAMPTZ '{w1}'"),
    "report": """
import resource, time
lim = int({limit_gb} * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
import warnings
from pathlib import Path
from leankit.reports import load_spec, weekly_report
spec = Path({root!r}).parent / "bench_weekly.toml"
spec.write_text(
    '[report]\\ntitle = "Scale"\\ndata = "{root}"\\nweek = "2026-W03"\\n'
    'baseline = ["2026-01-05", "2026-01-12"]\\ntimezone = "UTC"\\n'
    '[sections]\\ninclude = ["summary", "spc", "capability", "methods"]\\n'
    + "".join(f'[[characteristics]]\\nname = "c{{100 + i}}"\\n'
              f'lsl = {{10 + i % 7 - 0.05 * (1 + i % 3):.2f}}\\n'
              f'usl = {{10 + i % 7 + 0.05 * (1 + i % 3):.2f}}\\n' for i in range(50)))
t0 = time.perf_counter()
try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = weekly_report(load_spec(spec))
        out = rep.write(spec.with_suffix(".html"))
    print(len(rep.verdicts), time.perf_counter() - t0, out.stat().st_size)
except MemoryError:
    print("MemoryError")
    raise SystemExit(3)
""",
    "pandas": """
import resource
lim = int({limit_gb} * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
import time
import leankit.io as lio
t0 = time.perf_counter()
try:
    df = lio.read_table({root!r}, "measurements")
    g = df.groupby(["site", "characteristic", "subgroup"], observed=True, sort=False)
    s = g.agg(n=("value", "count"), mean=("value", "mean"), sd=("value", "std"),
              min=("value", "min"), max=("value", "max"), first=("timestamp", "min"),
              last=("timestamp", "max"))
    print(len(s), time.perf_counter() - t0)
except MemoryError:
    print("MemoryError")
    raise SystemExit(3)
""",
}


def _generate(root: Path, rows: int) -> None:
    """A leankit dataset of *rows* measurements: canonical CSV chunks ingested, then
    partitioned by week."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    import leankit.io as lio
    from leankit import data

    plants = max(1, min(100, rows // 10**6))
    chars = 50 if rows >= 50 * plants * 60 else 1
    minutes = rows // (plants * chars)
    series = plants * chars
    rng = np.random.default_rng(20261205)
    t0 = np.datetime64("2026-01-05T00:00:00")
    tmp = root.parent / f".{root.name}.csv"
    tmp.mkdir(parents=True, exist_ok=True)
    done = 0
    k = 0
    print(f"generating {rows:,} rows: {plants} plants × {chars} characteristics × "
          f"{minutes:,} minutes", flush=True)
    while done < rows:
        n = min(CHUNK, rows - done)
        i = np.arange(done, done + n)
        minute, s = np.divmod(i, series)           # minute-major: time runs forward
        plant, char = np.divmod(s, chars)
        ts = t0 + minute.astype("timedelta64[m]")
        site = pc.binary_join_element_wise(
            pa.array(np.full(n, "P")), pc.cast(pa.array(plant + 1000), pa.string()), "")
        charname = pc.binary_join_element_wise(
            pa.array(np.full(n, "c")), pc.cast(pa.array(char + 100), pa.string()), "")
        hour = pc.cast(pa.array(minute // 60), pa.string())
        subgroup = pc.binary_join_element_wise(site, charname, hour, "-")
        value = 10.0 + (char % 7) + rng.normal(0.0, 0.01 * (1 + char % 3), n)
        table = pa.table({
            "timestamp": pa.array(ts.astype("datetime64[s]")).cast(pa.timestamp("s", "UTC")),
            "site": site, "line": pa.array(np.full(n, "L1")),
            "characteristic": charname, "value": pa.array(np.round(value, 5)),
            "unit": pa.array(np.full(n, "mm")), "subgroup": subgroup})
        path = tmp / f"chunk-{k:03d}.csv"
        pacsv.write_csv(table, path)
        lio.ingest(path, kind="measurements", out=root, profile="canonical")
        path.unlink()
        done += n
        k += 1
        print(f"  ingested {done:,} rows", flush=True)
    tmp.rmdir()
    print(data.partition(root), flush=True)


def _dataset(rows: int) -> Path:
    root = DATA / f"rows-{rows}"
    if not (root / "partitioned" / "measurements" / "_built_from.json").exists() and \
            not any((root / "partitioned" / "measurements").glob("week=*")):
        import shutil

        shutil.rmtree(root, ignore_errors=True)
        t = time.perf_counter()
        _generate(root, rows)
        print(f"dataset ready in {time.perf_counter() - t:.0f} s", flush=True)
    return root


def _launch_main(result_file: str, cmd: list[str]) -> int:
    """Launcher process (stdlib only): run *cmd*, reap it with ``wait4``, record wall
    time and peak RSS (see ``bench_ingest.py`` for why a launcher)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, rusage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    Path(result_file).write_text(json.dumps({
        "exit": code, "seconds": time.perf_counter() - t0, "maxrss_kib": rusage.ru_maxrss,
        "out": out.strip()}))
    return code


def run(method: str, root: Path, limit_gb: float) -> dict[str, object]:
    code = _CHILD[method].format(root=str(root), week=WEEK, w0=WEEK_BOUNDS[0],
                                 w1=WEEK_BOUNDS[1], limit_gb=limit_gb)
    with tempfile.TemporaryDirectory() as tmp:
        rec = Path(tmp) / "r.json"
        err = Path(tmp) / "err.log"
        with err.open("wb") as fe:
            subprocess.run([sys.executable, __file__, "--launch", str(rec), sys.executable,
                            "-c", code], stderr=fe, check=False)
        r = json.loads(rec.read_text()) if rec.exists() else {"exit": -1}
        if r.get("exit") != 0:
            tail = err.read_text(errors="replace").strip().splitlines()[-1:] or ["?"]
            r["error"] = r.get("out") or tail[0]
    return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=float, default=1e8)
    ap.add_argument("--sizes", help="comma-separated row counts, e.g. 1e6,1e7,1e8")
    ap.add_argument("--only", help=f"comma-separated methods of {', '.join(METHODS)}")
    ap.add_argument("--pandas-limit-gb", type=float, default=16.0)
    ap.add_argument("--launch", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.launch:
        return _launch_main(args.launch[0], args.launch[1:])
    sizes = [int(float(x)) for x in args.sizes.split(",")] if args.sizes else [int(args.rows)]
    methods = [m for m in METHODS if not args.only or m in args.only.split(",")]
    print(f"{'rows':>12} {'method':<13} {'seconds':>8} {'query s':>8} {'s/1e6 rows':>10} "
          f"{'peak RSS MB':>11} {'result rows':>11} {'vs duckdb':>9} {'query vs':>8}")
    for rows in sizes:
        root = _dataset(rows)
        results = {m: run(m, root, args.pandas_limit_gb) for m in methods}
        for m in methods:
            r = results[m]
            base = results.get("duckdb_week" if m.endswith("_week") else "duckdb", {})
            if r.get("exit") != 0:
                print(f"{rows:>12,} {m:<13} failed: {r.get('error')} "
                      f"(after {r.get('seconds', 0):.1f} s, peak RSS "
                      f"{r.get('maxrss_kib', 0) / 1024:,.0f} MB)")
                continue
            sec = float(r["seconds"])  # type: ignore[arg-type]
            nres, q, *extra = str(r["out"]).split()
            qsec = float(q)
            cmp_ = base.get("exit") == 0 and m not in ("duckdb", "duckdb_week")
            ratio = f"{sec / float(base['seconds']):.2f}×" if cmp_ else ""  # type: ignore[arg-type]
            qratio = (f"{qsec / float(str(base['out']).split()[1]):.2f}×" if cmp_ else "")
            print(f"{rows:>12,} {m:<13} {sec:>8.2f} {qsec:>8.2f} {sec / rows * 1e6:>10.3f} "
                  f"{float(r['maxrss_kib']) / 1024:>11,.0f} {nres:>11} {ratio:>9} "  # type: ignore[arg-type]
                  f"{qratio:>8}" + (f"  HTML {int(extra[0]) / 1e6:,.1f} MB" if extra else ""))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nCPU: {os.cpu_count()} cores; RLIMIT_AS for pandas {args.pandas_limit_gb:g} GB; "
          f"max RSS of this process {own:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
