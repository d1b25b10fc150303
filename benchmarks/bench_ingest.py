"""Ingest benchmark: large measurement CSV -> Parquet, three ways, same run.

What is measured
----------------
Each method turns the same CSV file into Parquet in its *own fresh Python
subprocess*, so every figure is per method:

``pyarrow``
    Raw baseline: ``pyarrow.csv.read_csv`` + ``pyarrow.parquet.write_table``
    (whole table in memory, no validation).
``duckdb``
    Raw baseline: ``COPY (SELECT * FROM read_csv('IN')) TO 'OUT' (FORMAT parquet)``
    (streaming, no validation).
``leankit``
    leankit's validated load through its CLI::

        python -m leankit ingest CSV --kind measurements --profile canonical --out OUTDIR

    If the CLI is not available yet (or fails), the row is reported as
    ``unavailable`` together with the error, and the benchmark carries on.

For each run we record

* **seconds** - wall time from spawning the child to reaping it.  It includes
  interpreter start-up and imports (a few hundred ms), which is what a user of
  the CLI pays too.
* **MB/s** - CSV input bytes / seconds (1 MB = 10**6 bytes everywhere).
* **peak RSS MB** - the child's ``ru_maxrss`` as returned by ``os.wait4`` on
  its pid (high-water mark of resident memory for that process and any
  grandchildren it waited for).  The child is spawned by a tiny stdlib-only
  launcher process, because Linux seeds a child's ``ru_maxrss`` with the
  spawning process's peak RSS; this keeps the benchmark's own memory (e.g.
  from generating the CSV) out of the figures.
* **parquet rows / MB** - rows and bytes found in the Parquet output, read back
  from the file footers as a sanity check that everything was written.
* **% best raw** - the method's MB/s as a percentage of the faster of the two
  raw paths.  For leankit this is the "cost of validation" figure.

The page cache is warmed (the CSV is read once) before every run, so all
methods see the input hot in memory: the numbers are CPU/memory bound, not
disk bound.  Run the benchmark on an otherwise idle machine; repeat with
``--repeat N`` to get the median time (and the maximum peak RSS).

Memory-flatness mode
--------------------
``--sizes 0.25,0.5,1.0`` (or just ``--sizes``) runs every method on CSVs of
about those sizes in GB and prints peak RSS per size plus the slope
"RSS MB per extra GB of CSV".  A streaming ingest should show a slope near 0
(flat memory); an in-memory one (raw pyarrow) grows roughly linearly with the
input.

Input data
----------
A synthetic production-measurement CSV in leankit's canonical measurements
format (~100 bytes/row)::

    timestamp,site,line,machine,shift,product,characteristic,value,unit,subgroup,lot,operator
    2026-03-01T06:00:00Z,PLANT-NORTH,L1,L1-M1,early,P-1001,bore_diameter,25.004,mm,SG-0000000,LOT-000000,OP-001

Rows come in subgroups of 5 consecutive readings of one characteristic on one
machine; timestamps increase by one second per row.  Files are generated with
vectorised numpy/pyarrow in chunks of 1 M rows (bounded memory), cached in
``--data-dir`` (default ``benchmarks/.data/``) and reused while their recorded
size still matches.

Usage
-----
::

    python benchmarks/bench_ingest.py                       # 10 M rows (~1 GB)
    python benchmarks/bench_ingest.py --rows 200000         # quick smoke test
    python benchmarks/bench_ingest.py --only pyarrow,duckdb
    python benchmarks/bench_ingest.py --sizes               # 0.25, 0.5, 1.0 GB
    python benchmarks/bench_ingest.py --sizes 0.1,0.2 --only leankit

Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # heavy imports stay out of the worker subprocesses
    import numpy as np
    import pyarrow as pa

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
DEFAULT_DATA_DIR = HERE / ".data"
DEFAULT_ROWS = 10_000_000
DEFAULT_SIZES = "0.25,0.5,1.0"
METHODS = ("pyarrow", "duckdb", "leankit")
RAW_METHODS = ("pyarrow", "duckdb")

MB = 1_000_000
GB = 1_000_000_000
CHUNK_ROWS = 1_000_000
GENERATOR_VERSION = 2  # bump when the generated content changes

HEADER = "timestamp,site,line,machine,shift,product,characteristic,value,unit,subgroup,lot,operator"


# --------------------------------------------------------------------------
# Input generation
# --------------------------------------------------------------------------

SITE = "PLANT-NORTH"
LINES = ("L1", "L2", "L3")
MACHINES_PER_LINE = 2
PRODUCTS = ("P-1001", "P-1002", "P-1003", "P-1004")
# name -> (nominal, standard deviation, decimals); ~5 significant digits each
CHARACTERISTICS: dict[str, tuple[float, float, int]] = {
    "bore_diameter": (25.0, 0.004, 3),
    "length": (120.0, 0.02, 2),
    "wall_thickness": (2.5, 0.0008, 4),
}
SHIFTS = ("early", "late", "night")  # 06-14, 14-22, 22-06 UTC
SUBGROUP_SIZE = 5
ROWS_PER_LOT = 20_000
ROWS_PER_PRODUCT_RUN = 200_000
START = "2026-03-01T06:00:00"


def _chunk_table(start_row: int, n: int, tod: pa.Array) -> pa.Table:
    """Build rows ``[start_row, start_row + n)`` as a table of string columns.

    Deterministic: the content of a row depends only on its index.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    idx = np.arange(start_row, start_row + n, dtype=np.int64)
    rng = np.random.default_rng([GENERATOR_VERSION, start_row])

    # timestamp: START + idx seconds, as "<day>" + "T<hh:mm:ss>Z"
    start = np.datetime64(START, "s")
    secs = (start - start.astype("datetime64[D]")).astype(np.int64) + idx
    day_offset = secs // 86_400
    first_day, last_day = int(day_offset[0]), int(day_offset[-1])
    days = np.datetime_as_string(
        start.astype("datetime64[D]") + np.arange(first_day, last_day + 1), unit="D"
    )
    ts = pc.binary_join_element_wise(
        pa.array(days).take(pa.array(day_offset - first_day)),
        tod.take(pa.array(secs % 86_400)),
        "",
    )

    # shift from the hour of day
    hour = (secs % 86_400) // 3_600
    shift_idx = np.where((hour >= 6) & (hour < 14), 0, np.where((hour >= 14) & (hour < 22), 1, 2))

    # a subgroup = 5 consecutive readings of one characteristic on one machine
    subgroup = idx // SUBGROUP_SIZE
    n_machines = len(LINES) * MACHINES_PER_LINE
    machine_idx = subgroup % n_machines
    line_idx = machine_idx // MACHINES_PER_LINE
    char_idx = (subgroup // n_machines) % len(CHARACTERISTICS)
    product_idx = (idx // ROWS_PER_PRODUCT_RUN + line_idx) % len(PRODUCTS)
    operator_idx = shift_idx * len(LINES) + line_idx + 1

    # value with a fixed number of decimals per characteristic, like a gauge
    # export ("25.000", "119.98", "2.5004"): integer part "." (10**d + frac)[1:]
    nominal, sd, decimals = (np.array(v) for v in zip(*CHARACTERISTICS.values(), strict=True))
    scale = (10 ** decimals[char_idx]).astype(np.int64)
    reading = nominal[char_idx] + sd[char_idx] * rng.standard_normal(n)
    scaled = np.round(reading * scale).astype(np.int64)
    fraction = pc.utf8_slice_codeunits(pa.array(scale + scaled % scale).cast(pa.string()), 1)
    value = pc.binary_join_element_wise(pa.array(scaled // scale).cast(pa.string()), fraction, ".")

    machines = [f"{line}-M{m + 1}" for line in LINES for m in range(MACHINES_PER_LINE)]

    def pick(choices: Sequence[str], which: np.ndarray) -> pa.Array:
        return pa.array(list(choices)).take(pa.array(which))

    def ident(prefix: str, number: np.ndarray, width: int) -> pa.Array:
        digits = pc.utf8_lpad(pa.array(number).cast(pa.string()), width, padding="0")
        return pc.binary_join_element_wise(prefix, digits, "")

    return pa.table(
        {
            "timestamp": ts,
            "site": pa.array(np.full(n, SITE)).cast(pa.string()),
            "line": pick(LINES, line_idx),
            "machine": pick(machines, machine_idx),
            "shift": pick(SHIFTS, shift_idx),
            "product": pick(PRODUCTS, product_idx),
            "characteristic": pick(list(CHARACTERISTICS), char_idx),
            "value": value,
            "unit": pa.array(np.full(n, "mm")).cast(pa.string()),
            "subgroup": ident("SG-", subgroup, 7),
            "lot": ident("LOT-", idx // ROWS_PER_LOT, 6),
            "operator": ident("OP-", operator_idx, 3),
        }
    )


def _time_of_day_strings() -> pa.Array:
    """The 86 400 strings ``T00:00:00Z`` ... ``T23:59:59Z``."""
    import numpy as np
    import pyarrow as pa

    t = np.arange(86_400).astype("datetime64[s]")  # seconds since 1970-01-01T00:00:00
    return pa.array([s[10:] for s in np.datetime_as_string(t, unit="s", timezone="UTC")])


def _write_csv(path: Path, rows: int) -> None:
    import pyarrow.csv as pacsv

    tod = _time_of_day_strings()
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    with path.open("wb") as sink:
        sink.write((HEADER + "\n").encode())
        for start in range(0, rows, CHUNK_ROWS):
            table = _chunk_table(start, min(CHUNK_ROWS, rows - start), tod)
            pacsv.write_csv(table, sink, options)


@dataclass(frozen=True)
class Dataset:
    path: Path
    rows: int
    nbytes: int

    @property
    def mb(self) -> float:
        return self.nbytes / MB


def ensure_dataset(data_dir: Path, rows: int) -> Dataset:
    """Return the cached CSV with ``rows`` rows, generating it if needed."""
    data_dir.mkdir(parents=True, exist_ok=True)
    csv_path = data_dir / f"measurements_{rows}.csv"
    meta_path = csv_path.with_suffix(".json")
    if csv_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if (
            meta.get("version") == GENERATOR_VERSION
            and meta.get("rows") == rows
            and meta.get("bytes") == csv_path.stat().st_size
        ):
            return Dataset(csv_path, rows, meta["bytes"])

    print(f"generating {csv_path} ({rows:,} rows) ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    tmp_path = csv_path.with_suffix(".csv.tmp")
    _write_csv(tmp_path, rows)
    tmp_path.replace(csv_path)
    nbytes = csv_path.stat().st_size
    meta_path.write_text(json.dumps({"version": GENERATOR_VERSION, "rows": rows, "bytes": nbytes}))
    elapsed = time.perf_counter() - t0
    print(
        f"  {nbytes / MB:,.0f} MB in {elapsed:.1f} s ({nbytes / MB / elapsed:,.0f} MB/s)",
        file=sys.stderr,
        flush=True,
    )
    return Dataset(csv_path, rows, nbytes)


def bytes_per_row() -> float:
    """Average CSV bytes per row, measured on a generated sample."""
    import io

    import pyarrow.csv as pacsv

    sample_rows = 50_000
    buf = io.BytesIO()
    table = _chunk_table(0, sample_rows, _time_of_day_strings())
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return len(buf.getvalue()) / sample_rows


# --------------------------------------------------------------------------
# Workers (run inside the child process; import only what they need)
# --------------------------------------------------------------------------


def _worker_pyarrow(src: str, dst: str) -> int:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pacsv.read_csv(src)
    pq.write_table(table, dst)
    return int(table.num_rows)


def _worker_duckdb(src: str, dst: str) -> int:
    import duckdb

    def quote(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    con = duckdb.connect()
    result = con.execute(
        f"COPY (SELECT * FROM read_csv({quote(src)})) TO {quote(dst)} (FORMAT parquet)"
    ).fetchone()
    con.close()
    return int(result[0]) if result else -1


WORKERS = {"pyarrow": _worker_pyarrow, "duckdb": _worker_duckdb}


def _worker_main(method: str, src: str, dst: str) -> None:
    rows = WORKERS[method](src, dst)
    print(json.dumps({"method": method, "rows": rows}))


# --------------------------------------------------------------------------
# Running and measuring one method
# --------------------------------------------------------------------------


@dataclass
class Result:
    method: str
    dataset: Dataset
    seconds: float | None = None
    peak_rss_mb: float | None = None
    parquet_rows: int | None = None
    parquet_mb: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def mb_per_s(self) -> float | None:
        return self.dataset.mb / self.seconds if self.seconds else None


def _command(method: str, src: Path, out_dir: Path) -> list[str]:
    if method == "leankit":
        return [
            sys.executable, "-m", "leankit", "ingest", str(src),
            "--kind", "measurements", "--profile", "canonical", "--out", str(out_dir),
        ]  # fmt: skip
    dst = out_dir / "out.parquet"
    return [sys.executable, str(Path(__file__).resolve()), "--worker", method, str(src), str(dst)]


def _child_env() -> dict[str, str]:
    """Environment for children: make an uninstalled ``src/leankit`` importable."""
    env = dict(os.environ)
    src_dir = REPO_ROOT / "src"
    if (src_dir / "leankit").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(src_dir), env.get("PYTHONPATH", "")) if p
        )
    return env


def _warm_page_cache(path: Path) -> None:
    with path.open("rb", buffering=0) as f:
        while f.read(16 * 1024 * 1024):
            pass


def _parquet_output(out_dir: Path) -> tuple[int, float]:
    """Total rows and MB over every Parquet file written under ``out_dir``."""
    import pyarrow.parquet as pq

    rows, nbytes = 0, 0
    for f in sorted(out_dir.rglob("*.parquet")):
        rows += pq.ParquetFile(f).metadata.num_rows
        nbytes += f.stat().st_size
    return rows, nbytes / MB


def _error_excerpt(stderr: str, stdout: str, code: int) -> str:
    lines = [ln for ln in (stderr or stdout).strip().splitlines() if ln.strip()]
    return f"exit {code}: " + (lines[-1].strip() if lines else "no output")


def _launch_main(result_file: str, cmd: list[str]) -> int:
    """Launcher process: run ``cmd``, reap it with ``wait4``, record the figures.

    Why a launcher: on Linux a child's ``ru_maxrss`` starts from the peak RSS
    of the process that spawned it (the pre-``exec`` address space is counted),
    so measuring directly from the benchmark process - which may just have
    generated a 1 GB CSV - would inflate every figure.  This launcher imports
    only the standard library, so its own footprint (~15 MB) is below that of
    any Python child and never shows up in the measurement.
    """
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    except OSError as exc:
        print(f"cannot start {cmd[0]}: {exc}", file=sys.stderr)
        return 127
    _, status, rusage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # already reaped by wait4; keep Popen consistent
    record = {"exit": code, "seconds": seconds, "maxrss_kib": rusage.ru_maxrss}
    Path(result_file).write_text(json.dumps(record))
    return code


def run_once(method: str, dataset: Dataset, scratch_dir: Path) -> Result:
    """Run ``method`` on ``dataset`` in a fresh subprocess and measure it."""
    _warm_page_cache(dataset.path)
    with tempfile.TemporaryDirectory(dir=scratch_dir, prefix=f"out-{method}-") as tmp:
        out_dir = Path(tmp) / "out"
        out_dir.mkdir()
        log_out, log_err = Path(tmp) / "stdout.log", Path(tmp) / "stderr.log"
        record_file = Path(tmp) / "measure.json"
        launcher = [sys.executable, str(Path(__file__).resolve()), "--launch", str(record_file)]
        with log_out.open("wb") as fo, log_err.open("wb") as fe:
            subprocess.run(
                [*launcher, *_command(method, dataset.path, out_dir)],
                stdin=subprocess.DEVNULL,
                stdout=fo,
                stderr=fe,
                env=_child_env(),
                check=False,
            )
        record = json.loads(record_file.read_text()) if record_file.exists() else None
        if record is None or record["exit"] != 0:
            code = record["exit"] if record else -1
            stderr, stdout = (
                log_err.read_text(errors="replace"),
                log_out.read_text(errors="replace"),
            )
            return Result(method, dataset, error=_error_excerpt(stderr, stdout, code))
        rows, parquet_mb = _parquet_output(out_dir)
        return Result(
            method,
            dataset,
            seconds=record["seconds"],
            peak_rss_mb=record["maxrss_kib"] * 1024 / MB,  # Linux reports KiB
            parquet_rows=rows,
            parquet_mb=parquet_mb,
        )


def run(method: str, dataset: Dataset, scratch_dir: Path, repeat: int) -> Result:
    """Median seconds and max peak RSS over ``repeat`` runs (stops at first error)."""
    results: list[Result] = []
    for _ in range(repeat):
        r = run_once(method, dataset, scratch_dir)
        if not r.ok:
            return r
        results.append(r)
    first = results[0]
    first.seconds = statistics.median(r.seconds or 0.0 for r in results)
    first.peak_rss_mb = max(r.peak_rss_mb or 0.0 for r in results)
    return first


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def _fmt(value: float | int | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(
        h.rjust(w) if i else h.ljust(w)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    )
    print(line)
    print("-" * len(line))
    for r in rows:
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )


def _best_raw(results: Sequence[Result]) -> float | None:
    speeds = [r.mb_per_s for r in results if r.method in RAW_METHODS and r.mb_per_s]
    return max(speeds) if speeds else None


def result_rows(results: Sequence[Result], with_size: bool = False) -> list[list[str]]:
    best = _best_raw(results)
    rows = []
    for r in results:
        pct = f"{100 * r.mb_per_s / best:.0f}%" if best and r.mb_per_s else "-"
        cells = [
            r.method,
            f"{r.dataset.mb:,.0f}",
            f"{r.dataset.rows:,}",
            _fmt(r.parquet_rows, ","),
            _fmt(r.parquet_mb, ",.0f"),
            _fmt(r.seconds, ".2f"),
            _fmt(r.mb_per_s, ",.1f"),
            _fmt(r.peak_rss_mb, ",.0f"),
            pct if r.ok else "unavailable",
        ]
        rows.append(cells)
    return rows


RESULT_HEADERS = (
    "method", "CSV MB", "rows", "parquet rows", "parquet MB",
    "seconds", "MB/s", "peak RSS MB", "% best raw",
)  # fmt: skip


def print_errors(results: Sequence[Result]) -> None:
    """One line per distinct (method, error), not per input size."""
    seen: set[tuple[str, str]] = set()
    for r in results:
        if r.error is not None and (r.method, r.error) not in seen:
            seen.add((r.method, r.error))
            print(f"  {r.method} unavailable: {r.error}")


# --------------------------------------------------------------------------
# Modes
# --------------------------------------------------------------------------


def throughput_mode(args: argparse.Namespace, methods: Sequence[str]) -> None:
    dataset = ensure_dataset(args.data_dir, args.rows)
    print(f"\nInput: {dataset.path} ({dataset.mb:,.0f} MB, {dataset.rows:,} rows)\n")
    results = []
    for m in methods:
        print(f"running {m} ...", file=sys.stderr, flush=True)
        results.append(run(m, dataset, args.data_dir, args.repeat))
    print_table(RESULT_HEADERS, result_rows(results))
    print_errors(results)


def flatness_mode(args: argparse.Namespace, methods: Sequence[str]) -> None:
    sizes_gb = sorted(float(s) for s in args.sizes.split(",") if s.strip())
    per_row = bytes_per_row()
    datasets = [ensure_dataset(args.data_dir, max(1, round(gb * GB / per_row))) for gb in sizes_gb]
    print(f"\nMemory flatness: {len(datasets)} sizes, methods: {', '.join(methods)}\n")
    by_size: list[list[Result]] = []
    for ds in datasets:
        results = []
        for m in methods:
            print(f"running {m} on {ds.mb:,.0f} MB ...", file=sys.stderr, flush=True)
            results.append(run(m, ds, args.data_dir, args.repeat))
        by_size.append(results)

    print_table(RESULT_HEADERS, [row for rs in by_size for row in result_rows(rs)])
    print_errors([r for rs in by_size for r in rs])

    print("\nPeak RSS MB by CSV size (slope = extra RSS MB per extra GB of CSV):\n")
    headers = ["method", *(f"{ds.mb:,.0f} MB" for ds in datasets), "slope MB/GB"]
    rows = []
    for i, m in enumerate(methods):
        per_size = [rs[i] for rs in by_size]
        cells = [m, *(_fmt(r.peak_rss_mb, ",.0f") if r.ok else "n/a" for r in per_size)]
        ok = [r for r in per_size if r.ok and r.peak_rss_mb is not None]
        if len(ok) >= 2 and ok[-1].dataset.nbytes != ok[0].dataset.nbytes:
            slope = (ok[-1].peak_rss_mb - ok[0].peak_rss_mb) / (  # type: ignore[operator]
                (ok[-1].dataset.nbytes - ok[0].dataset.nbytes) / GB
            )
            cells.append(f"{slope:,.0f}")
        else:
            cells.append("-")
        rows.append(cells)
    print_table(headers, rows)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="CSV -> Parquet ingest benchmark: raw pyarrow, raw DuckDB, leankit.",
    )
    p.add_argument(
        "--rows",
        type=int,
        default=DEFAULT_ROWS,
        help=f"rows in the generated CSV (default {DEFAULT_ROWS:,}, ~1 GB)",
    )
    p.add_argument(
        "--sizes",
        nargs="?",
        const=DEFAULT_SIZES,
        default=None,
        help="memory-flatness mode: comma-separated CSV sizes in GB "
        f"(default when given without a value: {DEFAULT_SIZES})",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where generated CSVs are cached (default benchmarks/.data/)",
    )
    p.add_argument(
        "--only", default=",".join(METHODS), help="comma-separated subset of: " + ",".join(METHODS)
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per method; report median seconds and max peak RSS",
    )
    args = p.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        p.error("--rows and --repeat must be >= 1")
    args.only = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = set(args.only) - set(METHODS)
    if unknown:
        p.error(f"unknown method(s) in --only: {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    # internal entry points used by the subprocesses (kept out of --help)
    if argv[:1] == ["--launch"]:  # --launch RESULT_JSON CMD...
        sys.exit(_launch_main(argv[1], argv[2:]))
    if argv[:1] == ["--worker"]:  # --worker METHOD SRC DST
        _worker_main(*argv[1:4])
        return
    args = parse_args(argv)
    if sys.platform != "linux":
        print("warning: peak RSS units assume Linux (ru_maxrss in KiB)", file=sys.stderr)
    args.data_dir = args.data_dir.resolve()
    methods = [m for m in METHODS if m in args.only]
    if args.sizes:
        flatness_mode(args, methods)
    else:
        throughput_mode(args, methods)


if __name__ == "__main__":
    main()
