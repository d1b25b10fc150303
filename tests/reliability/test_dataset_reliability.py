"""Parquet datasets under stress: concurrent ingests, kills, broken files, bad output paths.

The concurrency and kill tests run real separate processes (``leankit.cli.main``, the
code behind ``python -m leankit ingest``). Sizes are small and repetitions bounded, so
the whole module runs in well under a minute.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

import leankit
from leankit.cli import main
from leankit.errors import DatasetError, OutputFileError
from leankit.io import Dataset, _dataset, ingest, read_export, read_table

SRC = Path(leankit.__file__).resolve().parents[1]  # children import the same leankit

# A child process: import leankit, say it is ready, wait for the start signal, then run
# the command line (exactly what `python -m leankit ...` runs). Starting every child at
# the same moment makes the manifest updates collide as often as possible.
CHILD = r"""
import sys, time
from pathlib import Path
from leankit.cli import main
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
deadline = time.monotonic() + 60
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit(99)
    time.sleep(0.001)
sys.exit(main(sys.argv[3:]))
"""


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    return env


def measurements(rows: int, tag: str, start: int = 0) -> str:
    """A canonical measurements CSV with *rows* distinct rows (lot = *tag*)."""
    lines = ["timestamp,characteristic,value,unit,lot"]
    for k in range(start, start + rows):
        lines.append(
            f"2026-03-01T{(k // 3600) % 24:02d}:{(k // 60) % 60:02d}:{k % 60:02d}Z,"
            f"bore,{25 + (k % 97) / 1000:.3f},mm,{tag}"
        )
    return "\n".join(lines) + "\n"


def tmp_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.name.endswith(".tmp"))


def run_together(tmp: Path, commands: list[list[str]], timeout: float = 90) -> list[int]:
    """Run ``leankit`` *commands* in separate processes started at the same moment."""
    sync = tmp / f"sync-{time.monotonic_ns()}"
    sync.mkdir()
    go = sync / "go"
    script = sync / "child.py"
    script.write_text(CHILD, "utf-8")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(sync / f"ready-{i}"), str(go), *cmd],
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i, cmd in enumerate(commands)
    ]
    deadline = time.monotonic() + timeout
    while len(list(sync.glob("ready-*"))) < len(procs):
        assert time.monotonic() < deadline, "children did not start"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.005)
    go.touch()
    codes = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, (p.returncode, out.decode(), err.decode())
        codes.append(p.returncode)
    return codes


def ingest_cmd(path: Path, out: Path) -> list[str]:
    return [
        "ingest", str(path), "--kind", "measurements", "--profile", "canonical",
        "--out", str(out), "--quiet",
    ]  # fmt: skip


# ---------------------------------------------------------------- item 1: concurrent ingests


@pytest.mark.parametrize(("processes", "repetitions"), [(2, 4), (4, 2), (8, 2)])
def test_concurrent_ingests_of_distinct_files_lose_and_duplicate_nothing(
    tmp_path, processes, repetitions
):
    rows = 1500
    for rep in range(repetitions):
        out = tmp_path / f"ds{rep}"
        files = []
        for i in range(processes):
            f = tmp_path / f"r{rep}" / f"f{i}.csv"
            f.parent.mkdir(exist_ok=True)
            f.write_text(measurements(rows, f"F{i}", start=i * rows), "utf-8")
            files.append(f)
        run_together(tmp_path, [ingest_cmd(f, out) for f in files])
        table = read_table(out, "measurements")
        assert len(table) == processes * rows, f"repetition {rep}: rows lost"
        assert not table.duplicated(["source_file", "source_row"]).any()
        assert table.groupby("lot").size().to_dict() == {f"F{i}": rows for i in range(processes)}
        assert len(Dataset(out).files("measurements")) == processes
        assert tmp_files(out) == []


def test_concurrent_reingest_of_the_same_file_is_idempotent(tmp_path):
    out = tmp_path / "ds"
    text = measurements(1500, "SAME")
    paths = []
    for i in range(4):  # the same content under four names
        p = tmp_path / f"same{i}.csv"
        p.write_text(text, "utf-8")
        paths.append(p)
    run_together(tmp_path, [ingest_cmd(p, out) for p in [*paths, paths[0]]])
    table = read_table(out, "measurements")
    assert len(table) == 1500
    assert len(Dataset(out).files()) == 1
    assert tmp_files(out) == []


def test_lock_timeout_is_a_dataset_error_naming_the_lock(w, tmp_path):
    out = tmp_path / "ds"
    ingest(w("a.csv", measurements(3, "A")), kind="measurements", out=out)
    manifest_before = (out / "manifest.json").read_bytes()
    holder = Dataset(out)
    with holder._locked():
        t0 = time.monotonic()
        with pytest.raises(DatasetError) as info:
            Dataset(out, lock_timeout=0.3).ingest_file(
                w("b.csv", measurements(3, "B", start=10)), kind="measurements"
            )
        waited = time.monotonic() - t0
    msg = str(info.value)
    assert "manifest.lock" in msg and "0.3 s" in msg
    assert f"pid {os.getpid()}" in msg  # who holds it
    assert "retry" in msg
    assert 0.3 <= waited < 5.0
    assert (out / "manifest.json").read_bytes() == manifest_before
    assert tmp_files(out) == []  # the staged parts were discarded
    assert len(list((out / "measurements").glob("part-*"))) == 1
    assert len(read_table(out, "measurements")) == 3


def test_a_waiting_ingest_proceeds_when_the_lock_is_released(w, tmp_path):
    out = tmp_path / "ds"
    ingest(w("a.csv", measurements(3, "A")), kind="measurements", out=out)
    held = threading.Event()

    def hold() -> None:
        with Dataset(out)._locked():
            held.set()
            time.sleep(0.5)

    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(10)
    t0 = time.monotonic()
    rep = ingest(w("b.csv", measurements(3, "B", start=10)), kind="measurements", out=out)
    waited = time.monotonic() - t0
    t.join()
    assert rep.files[0].status == "loaded"
    assert waited >= 0.3
    assert len(read_table(out, "measurements")) == 6


# ---------------------------------------------------------------- item 12: tracebacks


def test_out_under_a_regular_file_is_a_dataset_error(w, tmp_path):
    a = w("a.csv", measurements(3, "A"))
    blocker = w("somefile.csv", "x")
    for out in (blocker / "data", blocker / "deeper" / "data"):
        with pytest.raises(DatasetError, match="under.*regular file") as info:
            ingest(a, kind="measurements", out=out)
        assert str(blocker) in str(info.value)


def test_cli_out_under_a_regular_file_exits_2_with_a_message(w, capsys):
    a = w("a.csv", measurements(3, "A"))
    blocker = w("somefile.csv", "x")
    assert main(ingest_cmd(a, blocker / "data")) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "regular file" in err


def test_dataset_folder_that_cannot_be_created(w, tmp_path, monkeypatch):
    def deny(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    a = w("a.csv", measurements(3, "A"))
    monkeypatch.setattr(Path, "mkdir", deny)
    with pytest.raises(DatasetError, match="cannot create the dataset folder.*ermission denied"):
        ingest(a, kind="measurements", out=tmp_path / "new")


@pytest.mark.parametrize(
    ("doc", "what"),
    [
        ([], "not a JSON object"),
        ({"schema_version": "1.0"}, "'files'"),
        ({"schema_version": "1.0", "files": {}}, "'files'"),
        ({"schema_version": 1, "files": []}, "schema_version"),
        ({"schema_version": "1.0", "files": ["x"]}, "entry 1"),
        ("missing sha256", "sha256"),
        ("missing part", "'part'"),
    ],
)
def test_malformed_manifest_is_a_dataset_error(w, tmp_path, doc, what):
    out = tmp_path / "ds"
    ingest(w("a.csv", measurements(3, "A")), kind="measurements", out=out)
    manifest = out / "manifest.json"
    if isinstance(doc, str):
        good = json.loads(manifest.read_text("utf-8"))
        del good["files"][0][doc.split()[1]]
        doc = good
    manifest.write_text(json.dumps(doc), "utf-8")
    for action in (
        lambda: read_table(out, "measurements"),
        lambda: ingest(w("b.csv", measurements(3, "B", 9)), kind="measurements", out=out),
        lambda: ingest(w("a.csv", measurements(3, "A")), kind="measurements", out=out),
    ):
        with pytest.raises(DatasetError) as info:
            action()
        msg = str(info.value)
        assert str(manifest) in msg and what in msg
        assert "rebuild" in msg


def _truncate(part: Path) -> None:
    data = part.read_bytes()
    part.write_bytes(data[: len(data) // 2])


def test_truncated_part_is_a_dataset_error_with_a_recovery_that_works(w, tmp_path, capsys):
    out = tmp_path / "ds"
    a = w("a.csv", measurements(50, "A"))
    ingest(a, kind="measurements", out=out)
    ingest(w("b.csv", measurements(50, "B", 100)), kind="measurements", out=out)
    part = out / Dataset(out).files()[0]["part"]
    _truncate(part)
    with pytest.raises(DatasetError) as info:
        read_table(out, "measurements")
    msg = str(info.value)
    assert str(part) in msg and "corrupt" in msg and "a.csv" in msg
    assert "leankit ingest" in msg
    # `leankit chart` on the dataset: a message, not a traceback
    code = main(["chart", str(out), "--kind", "measurements", "--type", "i_mr", "--value", "value"])
    assert code == 2
    assert "corrupt" in capsys.readouterr().err
    # the recovery the message gives: ingest the source again (the broken part is replaced)
    rep = ingest(a, kind="measurements", out=out)
    assert rep.files[0].status == "loaded"
    table = read_table(out, "measurements")
    assert len(table) == 100 and not table.duplicated(["source_file", "source_row"]).any()
    assert len(Dataset(out).files()) == 2


def test_part_with_a_broken_middle_can_be_deleted_and_reloaded(w, tmp_path):
    out = tmp_path / "ds"
    a = w("a.csv", measurements(50, "A"))
    ingest(a, kind="measurements", out=out)
    part = out / Dataset(out).files()[0]["part"]
    part.unlink()  # what the message of a corrupt part says to do
    with pytest.raises(DatasetError, match="missing.*leankit ingest"):
        read_table(out, "measurements")
    assert ingest(a, kind="measurements", out=out).files[0].status == "loaded"
    assert len(read_table(out, "measurements")) == 50


def test_corrupt_quarantine_part_is_a_dataset_error(w, tmp_path):
    out = tmp_path / "ds"
    ingest(w("a.csv", measurements(5, "A") + "x,bore,1,mm,A\n"), kind="measurements", out=out)
    _truncate(out / Dataset(out).files()[0]["quarantine"])
    with pytest.raises(DatasetError, match="corrupt"):
        read_table(out, "measurements", quarantine=True)


def test_atomic_write_under_a_regular_file_is_an_output_file_error(tmp_path):
    blocker = tmp_path / "somefile.csv"
    blocker.write_text("x")
    with pytest.raises(OutputFileError, match="regular file") as info:
        _dataset.atomic_write_bytes(blocker / "report.html", b"<html></html>")
    assert str(blocker) in str(info.value)
    with pytest.raises(OutputFileError, match="regular file"):
        _dataset.write_parquet(pa.table({"x": [1]}), blocker / "sub" / "t.parquet")
    res = read_export(
        _write(tmp_path / "a.csv", measurements(3, "A")), kind="measurements", profile="canonical"
    )
    with pytest.raises(OutputFileError, match="regular file"):
        res.to_parquet(blocker / "t.parquet")


def test_atomic_write_onto_a_folder_is_an_output_file_error(tmp_path):
    (tmp_path / "report.html").mkdir()
    with pytest.raises(OutputFileError, match="is a folder"):
        _dataset.atomic_write_bytes(tmp_path / "report.html", b"x")
    assert tmp_files(tmp_path) == []


def test_atomic_write_into_a_read_only_folder_is_an_output_file_error(tmp_path, monkeypatch):
    import tempfile

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(tempfile, "mkstemp", deny)
    with pytest.raises(OutputFileError, match="ermission denied.*folder you can write"):
        _dataset.atomic_write_bytes(tmp_path / "report.html", b"x")
    with pytest.raises(OutputFileError, match="ermission denied"):
        _dataset.write_parquet(pa.table({"x": [1]}), tmp_path / "t.parquet")


def test_report_write_to_a_bad_path_is_a_leankit_error(tmp_path):
    from leankit.reports import Report

    blocker = tmp_path / "f"
    blocker.write_text("x")
    with pytest.raises(OutputFileError, match="regular file"):
        Report(title="t").write(blocker / "r.html")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


# ---------------------------------------------------------------- item 13: stale temp files


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temp_files_are_removed_by_the_next_write(w, tmp_path):
    out = tmp_path / "ds"
    ingest(w("a.csv", measurements(3, "A")), kind="measurements", out=out)
    host = _dataset._host_tag()
    dead = _dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = [
            out / "measurements" / f".part-0123456789abcdef.parquet.{host}-{dead}.x1y2z3.tmp",
            out / "quarantine" / "measurements" / f".part-0.parquet.{host}-{dead}.abc.tmp",
            out / f".manifest.json.{host}-{dead}.q1w2e3.tmp",
            out / "measurements" / ".part-fedcba9876543210.parquet.k2j3h4l5.tmp",  # old name
        ]
        live = [
            out / "measurements" / f".part-1111111111111111.parquet.{host}-{sleeper.pid}.a.tmp",
            out / "measurements" / ".part-2222222222222222.parquet.abcdefgh.tmp",  # old, recent
            out / "measurements" / f".part-3.parquet.{'0' * 8}-{dead}.a.tmp",  # another host
        ]
        for p in stale + live:
            p.write_bytes(b"PAR1 half written")
        hour_ago = time.time() - 3 * 3600
        os.utime(stale[3], (hour_ago, hour_ago))
        ingest(w("b.csv", measurements(3, "B", start=10)), kind="measurements", out=out)
        assert [p for p in stale if p.exists()] == []
        assert [p for p in live if p.exists()] == live
        assert len(read_table(out, "measurements")) == 6
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_rerun_of_already_loaded_files_also_removes_stale_temp_files(w, tmp_path):
    out = tmp_path / "ds"
    a = w("a.csv", measurements(3, "A"))
    ingest(a, kind="measurements", out=out)
    left = out / "measurements" / f".part-0.parquet.{_dataset._host_tag()}-{_dead_pid()}.x.tmp"
    left.write_bytes(b"PAR1")
    assert ingest(a, kind="measurements", out=out).files[0].status == "already loaded"
    assert not left.exists()


def test_temp_names_carry_host_and_pid(tmp_path):
    names = []
    real = os.replace

    def spy(src, dst):
        names.append(Path(src).name)
        return real(src, dst)

    import unittest.mock

    with unittest.mock.patch.object(_dataset.os, "replace", spy):
        _dataset.atomic_write_bytes(tmp_path / "x.html", b"x")
    assert names and f"{_dataset._host_tag()}-{os.getpid()}." in names[0]
    assert len(_dataset._host_tag()) == 8 and socket.gethostname()


def big_csv(path: Path, rows: int) -> Path:
    import numpy as np

    k = np.arange(rows)
    ts = np.datetime64("2026-03-01T00:00:00") + k.astype("timedelta64[s]")
    vals = 25 + (k % 997) / 10000
    with open(path, "w", encoding="utf-8") as f:
        f.write("timestamp,characteristic,value,unit,lot\n")
        step = 200_000
        for s in range(0, rows, step):
            chunk = [
                f"{t}Z,bore,{v:.4f},mm,BIG"
                for t, v in zip(ts[s : s + step].astype(str), vals[s : s + step], strict=True)
            ]
            f.write("\n".join(chunk) + "\n")
    return path


def test_kill_9_during_ingest_leaves_a_readable_dataset_and_the_rerun_cleans_up(w, tmp_path):
    out = tmp_path / "ds"
    small = w("small.csv", measurements(20, "S"))
    ingest(small, kind="measurements", out=out)
    big = big_csv(tmp_path / "big.csv", 300_000)
    killed = left_behind = 0
    for delay in (0.0, 0.15, 0.4):
        proc = subprocess.Popen(
            [sys.executable, "-m", "leankit", *ingest_cmd(big, out)],
            env=child_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not tmp_files(out) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
        left_behind += len(tmp_files(out))
        # readable, and either without the big file or with all of it: never a part of it
        table = read_table(out, "measurements")
        assert len(table) in (20, 20 + 300_000)
        assert not table.duplicated(["source_file", "source_row"]).any()
        if len(table) > 20:
            break
    assert killed >= 1, "the ingest finished before it could be killed"
    assert left_behind >= 1  # what a kill leaves: temporary files, for the next write to remove
    rep = ingest(big, kind="measurements", out=out)
    assert rep.files[0].accounting.rows_loaded == 300_000 or rep.files[0].status == "already loaded"
    table = read_table(out, "measurements")
    assert len(table) == 300_020
    assert not table.duplicated(["source_file", "source_row"]).any()
    assert tmp_files(out) == []


CRASH_AFTER_RENAME = r"""
import os, sys
import leankit.io._dataset as d
d.Dataset._save = lambda self, doc: os._exit(9)  # die after the parts are renamed
from leankit.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_crash_between_part_rename_and_manifest_update(w, tmp_path):
    out = tmp_path / "ds"
    ingest(w("a.csv", measurements(20, "A")), kind="measurements", out=out)
    b = w("b.csv", measurements(20, "B", 100))
    script = w("crash.py", CRASH_AFTER_RENAME)
    proc = subprocess.run(
        [sys.executable, str(script), *ingest_cmd(b, out)], env=child_env(), check=False
    )
    assert proc.returncode == 9
    assert len(read_table(out, "measurements")) == 20  # the orphan part is not read
    # the lock died with the process: the next write neither waits nor fails
    rep = ingest(b, kind="measurements", out=out)
    assert rep.files[0].status == "loaded"
    table = read_table(out, "measurements")
    assert len(table) == 40 and not table.duplicated(["source_file", "source_row"]).any()
    assert tmp_files(out) == []


def test_disk_full_during_ingest_is_a_clear_error_and_changes_nothing(w, tmp_path, monkeypatch):
    import errno

    import pyarrow.parquet as pq

    out = tmp_path / "ds"
    ingest(w("a.csv", measurements(3, "A")), kind="measurements", out=out)
    before = (out / "manifest.json").read_bytes()

    def full(self, table, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    with pytest.raises(OutputFileError, match="no space left"):
        ingest(w("b.csv", measurements(3, "B", 10)), kind="measurements", out=out)
    assert (out / "manifest.json").read_bytes() == before
    assert tmp_files(out) == []
    monkeypatch.undo()
    assert len(read_table(out, "measurements")) == 3
