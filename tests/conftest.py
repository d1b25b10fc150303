"""Shared fixtures and helpers for the leankit loader tests."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# "explore" (the default) draws new examples on every run, so local runs keep searching;
# "ci" (set by .ci/run) draws the same examples every time, so a landing never depends
# on luck (a failure found while exploring becomes a regression test).
settings.register_profile(
    "explore",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
    derandomize=True,
)
settings.register_profile("dev", deadline=None, max_examples=25)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "explore"))

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO / "sample_data"

#: (path relative to sample_data, table kind) of every sample export.
SAMPLE_FILES = (
    ("measurements/line1_gauge.csv", "measurements"),
    ("measurements/line2_cmm.xlsx", "measurements"),
    ("defects/mes_defects.jsonl", "defects"),
    ("production/erp_shift_log.csv", "production"),
    ("specs.csv", "specs"),
    ("measurements/line2_process_log.csv", "measurements"),
    ("rare_events/eol_leak_test.csv", "defects"),
)


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Write *data* (bytes as is, text encoded with *encoding*, no newline translation)."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


@pytest.fixture
def w(tmp_path: Path) -> Callable[..., Path]:
    """``w(name, bytes_or_text, encoding="utf-8")`` writes a file into ``tmp_path``."""

    def _w(name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
        return write(tmp_path, name, data, encoding)

    return _w


@pytest.fixture
def profile_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """``profile_file(toml_text, name="p.toml")`` writes a profile TOML file."""

    def _p(text: str, name: str = "p.toml") -> Path:
        return write(tmp_path, name, text)

    return _p


@pytest.fixture(scope="session")
def sample_data() -> Path:
    assert SAMPLE_DATA.is_dir(), SAMPLE_DATA
    return SAMPLE_DATA


@pytest.fixture(scope="session")
def truth() -> dict:
    return json.loads((SAMPLE_DATA / "truth.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def sample_results() -> dict:
    """``read_export`` of every sample export (loaded once per session)."""
    from leankit.io import read_export

    return {rel: read_export(SAMPLE_DATA / rel, kind=kind) for rel, kind in SAMPLE_FILES}
