"""The user guide's Python examples and ``leankit`` commands run and print what the
pages say.

Every ```python block of ``docs/*.md`` and ``README.md`` that holds ``>>>`` examples is a
doctest, and every ``leankit ...`` line of their ```sh blocks is run through the CLI
(set-up lines such as ``python3 -m venv`` are left to CI, which runs them itself). The
examples run in a folder where the demo has been run (``demo_out/`` and ``sample_data/``
exist, as after the getting-started page's ``leankit demo --out demo_out``); the blocks of
one page share their names, in page order. A warning shows as a ``Category: message``
line of output, as a notebook shows it.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import warnings
from pathlib import Path

import pytest

from conftest import REPO
from leankit.cli import main

DOCS = REPO / "docs"
_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)
_SH = re.compile(r"^```sh[^\n]*\n(.*?)^```", re.S | re.M)
_FILES = {p.name: p for p in (*DOCS.glob("*.md"), REPO / "README.md")}
PAGES = sorted(
    name for name, p in _FILES.items() if any(">>>" in b for b in _BLOCK.findall(p.read_text()))
)


def _commands(page: str) -> list[str]:
    """The ``leankit`` command lines of a page's ```sh blocks (continuations joined,
    ``.venv/bin/`` and trailing comments dropped; synopsis lines with ``[optional]``
    parts or ``PLACEHOLDERS`` are not commands)."""
    out = []
    for block in _SH.findall(_FILES[page].read_text()):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            line = line.removeprefix(".venv/bin/")
            if line.startswith("leankit ") and " [" not in line and not re.search(
                    r"\b[A-Z]{3,}\b", line):
                out.append(line)
    return out


COMMANDS = [(page, cmd) for page in sorted(_FILES) for cmd in _commands(page)]
COMMAND_PAGES = sorted({p for p, _ in COMMANDS})


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    shutil.copytree(REPO / "sample_data", root / "sample_data")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert main(["demo", "--out", "demo_out"]) == 0
    finally:
        os.chdir(cwd)
    return root


def _examples(page: str) -> str:
    return "\n".join(b for b in _BLOCK.findall(_FILES[page].read_text()) if ">>>" in b)


def test_pages_have_examples():
    assert {"io.md", "spc.md", "capability.md", "rca.md", "lean.md", "README.md",
            "getting-started.md", "reports.md"} <= set(PAGES)
    assert {p for p, _ in COMMANDS} >= {"README.md", "getting-started.md", "reports.md"}


@pytest.fixture(scope="module")
def command_folder(demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo folder per page for the commands (which write: ingests, limits),
    so the Python examples keep reading the untouched demo and pages do not interact."""
    root = tmp_path_factory.mktemp("commands")
    for page in COMMAND_PAGES:
        shutil.copytree(demo_folder, root / page)
    return root


@pytest.mark.parametrize("page", COMMAND_PAGES)
def test_page_commands_run(page: str, command_folder: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]):
    """Each documented ``leankit`` command of a page exits 0, in page order (``limits
    freeze`` before ``limits recompute``), where the demo ran; ``leankit demo`` itself
    writes into a fresh folder, as a first-time user runs it."""
    import glob
    import shlex

    monkeypatch.chdir(command_folder / page)
    for i, (_, command) in enumerate(c for c in COMMANDS if c[0] == page):
        args = []
        for a in shlex.split(command)[1:]:
            args += sorted(glob.glob(a)) if any(ch in a for ch in "*?[") else [a]
        if args[:1] == ["demo"]:
            args = [*args[:args.index("--out") + 1], f"fresh_{i}"] if "--out" in args \
                else [*args, "--out", f"fresh_{i}"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rc = main(args)
        captured = capsys.readouterr()
        assert rc == 0, f"{page}: {command!r} exited {rc}: {captured.err[-2000:]}"


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str, demo_folder: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(demo_folder)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(_examples(page), {}, page, str(_FILES[page]), 0)
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    runner = doctest.DocTestRunner(optionflags=flags)
    out: list[str] = []

    def show(message, category, *_args, **_kwargs):  # as a notebook shows them
        print(f"{category.__name__}: {message}")

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        runner.run(test, out=out.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(out)
