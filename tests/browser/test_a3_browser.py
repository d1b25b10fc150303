"""The A3 improvement report in headless Chromium: no console errors or network requests,
the fishbone and every chart render, printing to A3 landscape gives one sheet (counted
in the PDF), a phone reads it in one column, and hostile spec text stays text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ALL_PLOTTED = """() => {
  const plots = Array.from(document.querySelectorAll('.lk-plot'));
  return plots.length > 0 && plots.every(p => p.querySelector('.main-svg') !== null);
}"""

#: A3 landscape in PDF points (420 x 297 mm at 72 pt per inch).
A3_POINTS = (1190.55, 841.89)


@pytest.fixture(scope="module")
def a3_html(demo_report: Path) -> Path:
    path = demo_report.parent / "a3_report.html"
    assert path.is_file()
    return path


def _render(page: Any) -> None:
    page.evaluate("window.leankitRenderAll()")
    page.wait_for_function(ALL_PLOTTED, timeout=60_000)


def _clean(log: Any) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    assert log.external_requests == [], log.external_requests


def test_a3_renders_every_chart_and_the_fishbone(open_page, a3_html):
    page, log = open_page(a3_html)
    page.set_viewport_size({"width": 1600, "height": 1000})
    _render(page)
    info = page.evaluate("""() => {
      const plots = Array.from(document.querySelectorAll('.lk-plot'));
      return {n: plots.length,
              drawn: plots.filter(p => p.querySelector('.main-svg') && p._fullLayout).length,
              labels: plots.map(p => p.getAttribute('aria-label'))};
    }""")
    assert info["n"] >= 5 and info["drawn"] == info["n"]
    fish = page.locator('.lk-plot[aria-label^="fishbone"]')
    assert fish.count() == 1
    text = fish.inner_text()
    for category in ("Man", "Machine", "Method", "Material", "Measurement", "Environment"):
        assert category in text
    assert "Night crew on" in text                          # a cause on its rib
    # the six boxes in three columns, numbered as the A3 reads
    heads = page.locator("section.lk-a3-box h2").all_inner_texts()
    assert [h.split(" ", 1)[1].strip() for h in heads[:6]] == [
        "Background and problem", "Current condition", "Root-cause analysis",
        "Countermeasures", "Effect check", "Sustain"]
    cols = page.evaluate("Array.from(document.querySelectorAll('.lk-a3-col'))"
                         ".map(c => Math.round(c.getBoundingClientRect().x))")
    assert len(cols) == 3 and cols[0] < cols[1] < cols[2]
    assert "improved" in page.inner_text(".lk-a3-verdict").lower()
    _clean(log)
    assert log.requests and all(u.startswith("file://") for u in log.requests)


@pytest.mark.parametrize("window", [1600, 1280])
def test_a3_prints_on_one_a3_landscape_sheet(open_page, a3_html, window, tmp_path):
    page, log = open_page(a3_html)
    page.set_viewport_size({"width": window, "height": 900})
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (tmp_path / "a3.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert len(pages) == 1, f"{len(pages)} pages"
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert box is not None
    w, h = float(box.group(1)), float(box.group(2))
    assert w == pytest.approx(A3_POINTS[0], abs=2) and h == pytest.approx(A3_POINTS[1], abs=2)
    _clean(log)


def test_a3_on_a_phone_is_one_column_without_sideways_scroll(open_page, a3_html):
    page, log = open_page(a3_html)
    page.set_viewport_size({"width": 390, "height": 844})
    _render(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    xs = page.evaluate("Array.from(document.querySelectorAll('.lk-a3-col'))"
                       ".map(c => Math.round(c.getBoundingClientRect().x))")
    assert len(set(xs)) == 1                                  # stacked, not side by side
    _clean(log)


PLOT_HEIGHTS = """() => Array.from(document.querySelectorAll('.lk-plot'))
  .map(p => [p.getAttribute('aria-label'), p._fullLayout ? p._fullLayout._size.h : -1])"""


@pytest.mark.parametrize("which", ["a3_report.html", "weekly_report.html"])
def test_opened_on_a_phone_every_chart_keeps_its_plot_area(open_page, demo_report, which):
    """Opened at 390 px (not resized after drawing at desktop width): the A3 report's
    charts, sized for a third of a printed sheet, are drawn taller on a phone, so
    vertical category labels leave the plot area room (before: a Pareto plot area of
    -28 px and plotly's "Something went wrong with axis scaling")."""
    page, log = open_page(demo_report.parent / which, viewport=(390, 844))
    _render(page)
    heights = page.evaluate(PLOT_HEIGHTS)
    assert heights and all(h >= 80 for _, h in heights), heights
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _clean(log)


def test_a3_printed_from_a_phone_is_still_one_sheet(open_page, a3_html):
    """The taller phone drawing goes back to its paper height for print."""
    page, log = open_page(a3_html, viewport=(390, 844))
    _render(page)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    _clean(log)


def test_hostile_spec_text_stays_text(open_page, demo_report, tmp_path):
    from leankit.reports import a3_report, load_a3_spec

    h = "<img src=x onerror=\\\"window.__pwned=1\\\"><script>window.__pwned=2</script>"
    data = (demo_report.parent / "data").as_posix()
    spec = tmp_path / "hostile.toml"
    spec.write_text(f'''
[a3]
title = "{h}"
owner = "{h}"
data = "{data}"
problem = "{h}"
goal = "{h}"
change = 2026-11-09
categories = ["{h}", "Machine"]
whys = ["{h}"]
[[metrics]]
name = "{h}"
where = {{ line = "L2" }}
[[causes]]
category = "{h}"
cause = "{h}"
status = "verified"
[[countermeasures]]
action = "{h}"
owner = "{h}"
due = 2026-11-09
[sustain]
reaction = "{h}"
''', encoding="utf-8")
    out = a3_report(load_a3_spec(spec)).write(tmp_path / "hostile.html")
    page, log = open_page(out)
    page.set_viewport_size({"width": 1600, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _render(page)
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert page.locator('img[src="x"]').count() == 0
    assert '<script>window.__pwned=2</script>' in page.inner_text("body")
    _clean(log)
