"""Fixtures for the browser tests: the demo report, headless Debian Chromium via
Playwright, and a page that records console errors, page errors and network requests.

Without Chromium or Playwright the tests are skipped, except when
``LEANKIT_REQUIRE_BROWSER=1`` (set by ``.ci/run``): then they fail, because CI must
never skip them silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DATA = REPO / "sample_data"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


def _unavailable(reason: str) -> None:
    if os.environ.get("LEANKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (LEANKIT_REQUIRE_BROWSER=1: browser tests must run)",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's ``chromium``; never a downloaded browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    exe = shutil.which("chromium")
    if exe is None:
        _unavailable("chromium is not on PATH (apt-get install chromium)")
    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no browser"
            _unavailable(f"chromium at {exe} could not be launched: {exc}")
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageLog:
    """What a page did: console errors, uncaught exceptions, non-local requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file://", "data:"))]


@pytest.fixture(scope="session")
def load_page(browser: Any) -> Any:
    """``load_page(path, viewport=(1280, 900)) -> (context, page, log)``: open a local
    HTML file in a fresh browser context, recording its events; the caller closes the
    context."""

    def _load(path: Path, viewport: tuple[int, int] = (1280, 900)
              ) -> tuple[Any, Any, PageLog]:
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        page = ctx.new_page()
        log = PageLog()
        page.on("console", lambda m: log.console_errors.append(m.text)
                if m.type == "error" else None)
        page.on("pageerror", lambda e: log.page_errors.append(str(e)))
        page.on("request", lambda r: log.requests.append(r.url))
        page.goto(path.resolve().as_uri(), wait_until="load")
        return ctx, page, log

    return _load


@pytest.fixture
def open_page(load_page: Any) -> Iterator[Any]:
    """``open_page(path, viewport=(1280, 900)) -> (page, log)``; the page is closed
    after the test."""
    contexts = []

    def _open(path: Path, viewport: tuple[int, int] = (1280, 900)) -> tuple[Any, PageLog]:
        ctx, page, log = load_page(path, viewport)
        contexts.append(ctx)
        return page, log

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``leankit demo`` on the shipped sample data; yields the weekly report's path."""
    from leankit.cli import main

    out = tmp_path_factory.mktemp("demo")
    rc = main(["demo", "--data", str(SAMPLE_DATA), "--out", str(out)])
    assert rc == 0
    path = out / "weekly_report.html"
    assert path.is_file()
    yield path
