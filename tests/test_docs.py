"""The user guide's Python examples run and print what the pages say.

Every ```python block of ``docs/*.md`` that holds ``>>>`` examples is a doctest. The
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
PAGES = sorted(
    p.name for p in DOCS.glob("*.md") if any(">>>" in b for b in _BLOCK.findall(p.read_text()))
)


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
    return "\n".join(b for b in _BLOCK.findall((DOCS / page).read_text()) if ">>>" in b)


def test_pages_have_examples():
    assert {"io.md", "spc.md", "capability.md", "rca.md", "lean.md"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str, demo_folder: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(demo_folder)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(_examples(page), {}, page, str(DOCS / page), 0)
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
