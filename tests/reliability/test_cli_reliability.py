"""The command line never prints a traceback: errors are one short message and an exit code."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from leankit import cli
from leankit.cli import main
from leankit.errors import InputFileError

GOOD = "timestamp,characteristic,value\n2026-03-01T08:00Z,bore,25.01\n"


def _raising(exc: BaseException):
    def command(_args: object) -> int:
        raise exc

    return command


@pytest.fixture
def profiles_runs(monkeypatch):
    """Make ``leankit profiles`` run the given command function instead."""

    def install(command) -> None:
        parser = cli.build_parser

        def patched():
            p = parser()
            sub = next(a for a in p._actions if a.dest == "command")
            sub.choices["profiles"].set_defaults(func=command)
            return p

        monkeypatch.setattr(cli, "build_parser", patched)

    return install


@pytest.fixture
def profiles_raise(profiles_runs):
    """Make ``leankit profiles`` raise the given exception."""
    return lambda exc: profiles_runs(_raising(exc))


def test_unexpected_error_is_one_line_with_debug_hint(profiles_raise, capsys):
    profiles_raise(ZeroDivisionError("division by zero"))
    assert main(["profiles"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "internal error: ZeroDivisionError: division by zero" in err
    assert "--debug" in err


@pytest.mark.parametrize("where", [["--debug", "profiles"], ["profiles", "--debug"]])
def test_debug_shows_the_traceback(profiles_raise, where):
    profiles_raise(ZeroDivisionError("division by zero"))
    with pytest.raises(ZeroDivisionError):
        main(where)


def test_debug_from_environment(profiles_raise, monkeypatch):
    profiles_raise(RuntimeError("boom"))
    monkeypatch.setenv("LEANKIT_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["profiles"])


def test_os_error_is_a_plain_error(profiles_raise, capsys):
    profiles_raise(PermissionError(13, "Permission denied", "/root/out.html"))
    assert main(["profiles"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "leankit: error: Permission denied (/root/out.html)"


def test_memory_error_says_what_to_do(profiles_raise, capsys):
    profiles_raise(MemoryError())
    assert main(["profiles"]) == 2
    assert "out of memory" in capsys.readouterr().err


def test_huge_message_is_cut(profiles_raise, capsys):
    profiles_raise(InputFileError("bad header: " + "\x00" * 400_000))
    assert main(["profiles"]) == 2
    err = capsys.readouterr().err
    assert len(err) < 10_000
    assert "\\x00" in err and "more characters" in err


_WARNING_SCRIPT = """
import sys, warnings
from leankit import cli
from leankit.errors import AssumptionWarning

def command(_args):
    warnings.warn("bore: only 3 subgroups", AssumptionWarning, stacklevel=1)
    return 0

parser = cli.build_parser
def patched():
    p = parser()
    sub = next(a for a in p._actions if a.dest == "command")
    sub.choices["profiles"].set_defaults(func=command)
    return p
cli.build_parser = patched
sys.exit(cli.main(["profiles"]))
"""


def test_warnings_print_as_one_line():
    proc = subprocess.run([sys.executable, "-c", _WARNING_SCRIPT], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "leankit: warning: bore: only 3 subgroups\n"


def test_recorded_warnings_stay_warnings(profiles_runs):
    """Callers that record warnings (tests, notebooks) still get them as warnings."""
    from leankit.errors import AssumptionWarning

    def command(_args: object) -> int:
        warnings.warn("bore: only 3 subgroups", AssumptionWarning, stacklevel=1)
        return 0

    profiles_runs(command)
    with pytest.warns(AssumptionWarning, match="only 3 subgroups"):
        assert main(["profiles"]) == 0


def test_no_traceback_in_a_real_process(tmp_path):
    """A subprocess run on a directory given as a file: short message, exit 2."""
    folder = tmp_path / "exports"
    folder.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "leankit", "ingest", str(folder), "--kind", "measurements",
         "--out", str(tmp_path / "ds")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("leankit: error:")


# ------------------------------------------------------------------ hostile inputs, end to end

GOOD_CSV = (
    "timestamp,characteristic,value,subgroup\n"
    + "".join(f"2026-03-01T08:{i:02d}Z,bore,{25 + (i % 5) / 100:.2f},{i // 5}\n" for i in range(40))
)


def _dataset(tmp_path, w):
    out = tmp_path / "ds"
    assert main(["ingest", str(w("m.csv", GOOD_CSV)), "--kind", "measurements", "--out", str(out),
                 "--quiet"]) == 0
    return out


def _nul(tmp_path, w):
    return ["ingest", str(w("nul.csv", b"\x00" * 400_000)), "--kind", "measurements", "--out",
            str(tmp_path / "d")]


def _folder(tmp_path, w):
    (tmp_path / "exports").mkdir()
    return ["ingest", str(tmp_path / "exports"), "--kind", "measurements", "--out",
            str(tmp_path / "d")]


def _out_under_file(tmp_path, w):
    return ["ingest", str(w("m.csv", GOOD_CSV)), "--kind", "measurements", "--out",
            str(w("file.txt", "x") / "data")]


def _truncated_part(tmp_path, w):
    out = _dataset(tmp_path, w)
    part = next((out / "measurements").glob("*.parquet"))
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    return ["chart", str(out), "--kind", "measurements", "--type", "i_mr", "--value", "value"]


def _manifest_list(tmp_path, w):
    out = _dataset(tmp_path, w)
    next(p for p in out.rglob("*.json") if "manifest" in p.name).write_text("[]")
    return ["ingest", str(w("m2.csv", GOOD_CSV.replace("03-01", "03-02"))), "--kind",
            "measurements", "--out", str(out)]


def _nested_json(tmp_path, w):
    deep = "[" * 100_000 + "]" * 100_000
    return ["ingest", str(w("d.jsonl", '{"a": ' + deep + "}\n")), "--kind", "defects", "--out",
            str(tmp_path / "d")]


def _corrupt_xlsx(tmp_path, w):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='S' sheetId='1'")
    return ["ingest", str(w("bad.xlsx", buf.getvalue())), "--kind", "measurements", "--out",
            str(tmp_path / "d")]


def _spec_zero_opportunities(tmp_path, w):
    out = _dataset(tmp_path, w)
    spec = w("weekly.toml", f'[report]\ndata = "{out}"\nweek = "last"\n\n'
                             "[defects]\nopportunities = 0\n")
    return ["report", "weekly", "--spec", str(spec), "--out", str(tmp_path / "r.html")]


def _bad_profile(tmp_path, w):
    prof = w("p.toml", '[profile]\nname = "x"\nkind = "measurements"\n[csv]\ndelimiter = ";;"\n')
    return ["ingest", str(w("m.csv", GOOD_CSV)), "--kind", "measurements", "--profile",
            str(prof), "--out", str(tmp_path / "d")]


@pytest.mark.parametrize(
    "make",
    [_nul, _folder, _out_under_file, _truncated_part, _manifest_list, _nested_json,
     _corrupt_xlsx, _spec_zero_opportunities, _bad_profile],
)
def test_hostile_input_gives_a_short_error_not_a_crash(make, tmp_path, w, capsys):
    argv = make(tmp_path, w)
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(argv)
    err = capsys.readouterr().err
    assert code in (0, 2), err  # handled: success (e.g. quarantined) or a clear error, not 3
    assert "Traceback" not in err and "internal error" not in err
    assert len(err) < 3000
    if code == 2:
        assert err.startswith("leankit: error:")


def test_folder_message_suggests_a_pattern_that_works(tmp_path, w, capsys):
    folder = tmp_path / "exports"
    folder.mkdir()
    w("exports/a.csv", GOOD_CSV)
    w("exports/b.csv", GOOD_CSV.replace("03-01", "03-02"))
    assert main(["ingest", str(folder), "--kind", "measurements", "--out",
                 str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "is not a file but a directory" in err
    pattern = str(folder / "*.csv")
    assert pattern in err
    # the suggested pattern works as given, even unexpanded by a shell
    assert main(["ingest", pattern, "--kind", "measurements", "--out", str(tmp_path / "d"),
                 "--quiet"]) == 0
    assert "total: 80 rows loaded" in capsys.readouterr().out
    assert main(["ingest", str(folder / "*.xlsx"), "--kind", "measurements", "--out",
                 str(tmp_path / "d")]) == 2
    assert "no file matches the pattern" in capsys.readouterr().err
