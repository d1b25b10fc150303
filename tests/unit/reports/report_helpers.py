"""Shared fixtures of the report tests: the demo dataset (ingested once per session) and
a spec writer. Import them into a test module with
``from report_helpers import demo_data, demo_dir, spec_file``.

(Not a ``conftest.py``: with ``--doctest-modules``, a second rootless ``conftest.py``
next to ``tests/browser/conftest.py`` breaks ``pytest tests/browser tests/unit/reports``
with an "import file mismatch".)
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


_DEMO: dict[str, Path] = {}


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``leankit demo`` output: ``data/`` (the dataset), ``weekly.toml``, the report
    (built once, even though each importing module registers this fixture)."""
    from leankit.cli import main

    if "out" not in _DEMO:
        out = tmp_path_factory.mktemp("demo")
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["demo", "--data", str(REPO / "sample_data"), "--out", str(out)]) == 0
        _DEMO["out"] = out
    return _DEMO["out"]


@pytest.fixture(scope="session")
def demo_data(demo_dir: Path) -> Path:
    return demo_dir / "data"


@pytest.fixture
def spec_file(tmp_path: Path, demo_data: Path) -> Callable[[str], Path]:
    """``spec_file(text)`` writes a spec; ``{data}`` in the text is the demo dataset."""

    def _w(text: str, name: str = "spec.toml") -> Path:
        p = tmp_path / name
        p.write_text(text.replace("{data}", demo_data.as_posix()), encoding="utf-8")
        return p

    return _w
