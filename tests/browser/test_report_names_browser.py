"""Hostile names in a real browser: a right-to-left override (U+202E) in a defect type
or machine name must not reverse the sentence around it, and a 3,000-character
characteristic name must not widen the page (leankit issue, items 8 and 9)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
RLO = "\u202e"
LONG = "L" + "o" * 2999
LINK = '<a href="https://evil.example/login">click</a>'


def _safety_module() -> Any:
    path = Path(__file__).resolve().parents[1] / "reliability" / "test_report_safety.py"
    spec = importlib.util.spec_from_file_location("_report_safety_helpers", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def names_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from leankit.reports import load_spec, weekly_report

    helpers = _safety_module()
    root = tmp_path_factory.mktemp("names")
    data = helpers.make_dataset(root, char=LONG, machines=(f"gauge{RLO}evil", LINK),
                                defect=f"Burr{RLO}", reason=f'<span style="font-size:200px">'
                                f"{'W' * 500}</span>")
    spec = root / "weekly.toml"
    spec.write_text(f'[report]\ntitle = "Names {RLO}test"\ndata = "{data.as_posix()}"\n',
                    encoding="utf-8")
    return weekly_report(load_spec(spec)).write(root / "names.html")


WORD_LEFTS = """(sentence) => {
  const li = Array.from(document.querySelectorAll('.lk-verdicts li'))
    .find(l => l.textContent.includes(sentence));
  if (!li) { return null; }
  const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const at = node.data.indexOf(sentence);
    if (at < 0) { continue; }
    const lefts = [];
    let offset = 0;
    for (const word of sentence.split(' ')) {
      const r = document.createRange();
      r.setStart(node, at + offset);
      r.setEnd(node, at + offset + word.length);
      lefts.push(r.getBoundingClientRect().left);
      offset += word.length + 1;
    }
    return lefts;
  }
  return null;
}"""


def test_names_do_not_widen_the_page_or_reverse_sentences(browser, names_report):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(names_report.resolve().as_uri(), wait_until="load")
        page.evaluate("window.leankitRenderAll()")
        page.wait_for_function("""() => Array.from(document.querySelectorAll('.lk-plot'))
            .every(p => p.querySelector('.main-svg'))""", timeout=60_000)
        page.wait_for_timeout(300)
        width = page.evaluate("""() => ({scroll: document.documentElement.scrollWidth,
                                         body: document.body.scrollWidth,
                                         viewport: window.innerWidth})""")
        assert width["scroll"] <= width["viewport"], width
        assert width["body"] <= width["viewport"], width
        # the words after the (formerly overriding) name are laid out left to right
        lefts = page.evaluate(WORD_LEFTS, "is the top defect type")
        assert lefts is not None, "no defect verdict"
        assert lefts == sorted(lefts) and len(set(lefts)) == len(lefts), lefts
        text = page.inner_text("body")
        assert RLO not in text
        assert "Burr is the top defect type" in text
        # hostile markup stays text, in the page and in the figures
        assert page.locator('a[href^="https://evil"]').count() == 0
        assert page.locator('svg a').count() == 0
        assert page.evaluate("""() => Array.from(document.querySelectorAll('.lk-plot text'))
            .some(t => t.textContent.includes('<span style="font-size:200px">'))""")
        assert errors == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "names_report.png"), full_page=False)
    finally:
        ctx.close()
