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
def profiles_raise(monkeypatch):
    """Make ``leankit profiles`` raise the given exception."""

    def install(exc: BaseException) -> None:
        parser = cli.build_parser

        def patched():
            p = parser()
            sub = next(a for a in p._actions if a.dest == "command")
            sub.choices["profiles"].set_defaults(func=_raising(exc))
            return p

        monkeypatch.setattr(cli, "build_parser", patched)

    return install


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


def test_recorded_warnings_stay_warnings(profiles_raise, monkeypatch):
    """Callers that record warnings (tests, notebooks) still get them as warnings."""
    from leankit.errors import AssumptionWarning

    def command(_args: object) -> int:
        warnings.warn("bore: only 3 subgroups", AssumptionWarning, stacklevel=1)
        return 0

    parser = cli.build_parser

    def patched():
        p = parser()
        sub = next(a for a in p._actions if a.dest == "command")
        sub.choices["profiles"].set_defaults(func=command)
        return p

    monkeypatch.setattr(cli, "build_parser", patched)
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
