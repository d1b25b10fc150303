"""The HTML reports in a real browser (headless Debian Chromium via Playwright): every
plot renders, nothing is fetched from the network, no script errors, links resolve,
the planted phenomena of the sample data are visible, and hostile text from the data
stays text."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

ALL_PLOTTED = """() => {
  const plots = Array.from(document.querySelectorAll('.lk-plot'));
  return plots.length > 0 && plots.every(p => p.querySelector('.main-svg') !== null);
}"""


def render_all(page: Any, timeout_ms: int = 60_000) -> None:
    """Ask the report to render every (lazy) plot and wait until all are drawn."""
    assert page.evaluate("typeof window.leankitRenderAll") == "function"
    page.evaluate("window.leankitRenderAll()")
    page.wait_for_function(ALL_PLOTTED, timeout=timeout_ms)


def assert_clean(log: Any) -> None:
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    assert log.external_requests == [], log.external_requests


# --------------------------------------------------------------------------- demo
@pytest.fixture(scope="module")
def demo_page(load_page: Any, demo_report: Path) -> Any:
    """The demo report opened once, all plots rendered (shared by the read-only tests)."""
    ctx, page, log = load_page(demo_report)
    render_all(page)
    page.wait_for_timeout(200)
    yield page, log
    ctx.close()


def test_demo_report_renders_without_errors_or_network(demo_page):
    page, log = demo_page
    assert_clean(log)
    assert log.requests and all(u.startswith("file://") for u in log.requests)


def test_every_plot_is_rendered_and_matches_the_figure_data(demo_page):
    page, _ = demo_page
    info = page.evaluate("""() => {
      const plots = Array.from(document.querySelectorAll('.lk-plot'));
      const data = Array.from(
        document.querySelectorAll('script[type="application/json"][id^="fig-"]'));
      return {
        plots: plots.length,
        data: data.length,
        rendered: plots.filter(p => p.querySelector('.main-svg')).length,
        withTraces: plots.filter(p => p.data && p.data.length > 0).length,
        orphans: plots.filter(p => !document.getElementById(p.id + '-data')).map(p => p.id),
      };
    }""")
    assert info["plots"] >= 10
    assert info["plots"] == info["data"]
    assert info["rendered"] == info["plots"]
    assert info["withTraces"] == info["plots"]
    assert info["orphans"] == []


def test_tables_and_toc_links(demo_page):
    page, _ = demo_page
    assert page.locator("table.lk-table").count() >= 10
    links = page.evaluate("""() => Array.from(document.querySelectorAll('a[href^="#"]'))
        .map(a => [a.getAttribute('href'), a.closest('nav') !== null,
                   document.getElementById(a.getAttribute('href').slice(1)) !== null])""")
    toc = [link for link in links if link[1]]
    assert len(toc) >= 10
    broken = [href for href, _, ok in links if not ok]
    assert broken == []


def test_planted_phenomena_are_visible(demo_page):
    page, _ = demo_page
    verdict = page.evaluate("""() => Array.from(document.querySelectorAll('.lk-verdicts li'))
        .map(li => li.innerText).find(t => t.includes('bore_diameter'))""")
    assert verdict is not None
    assert "out of control" in verdict
    assert "Wed 28 Oct 15:00 CET" in verdict
    root = page.evaluate("""() => {
      const s = Array.from(document.querySelectorAll('section.lk-section'))
        .find(s => s.querySelector('h2').innerText.startsWith('Root causes'));
      return s ? Array.from(s.querySelectorAll('.lk-finding')).map(f => f.innerText) : null;
    }""")
    assert root, "no Root causes section with findings"
    assert "L2-M2 / night" in root[0]
    first = page.evaluate("""() => {
      const d = Array.from(document.querySelectorAll('details.lk-item'))
        .find(d => d.querySelector('summary').innerText.startsWith('Downtime Pareto'));
      const td = d && d.querySelector('table.lk-table tbody tr td');
      return td ? td.innerText : null;
    }""")
    assert first == "Feeder jam"


def test_full_page_screenshot(demo_page):
    page, _ = demo_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "weekly_report.png"
    shot.unlink(missing_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_lazy_plots_render_on_scroll(open_page, demo_report):
    """Without leankitRenderAll, the plots of opened sections render when scrolled to."""
    page, log = open_page(demo_report)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.evaluate("document.querySelectorAll('details.lk-item').forEach(d => d.open = true)")
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.lk-plot'))
        .some(p => p.querySelector('.main-svg'))""", timeout=30_000)
    assert_clean(log)


# ------------------------------------------------------------------ hostile text
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
HOSTILE = f"{SCRIPT} {IMG}"
CHAR = f"bore {HOSTILE}"


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)
    return path


def hostile_dataset(root: Path) -> Path:
    """Eight weeks of canonical data whose texts carry script/HTML injections."""
    from leankit.io import ingest

    rng = np.random.default_rng(7)
    src = root / "src"
    src.mkdir()
    out = root / "data"
    t0 = pd.Timestamp("2026-03-02T00:00Z")  # a Monday
    meas = []
    for k in range(8 * 7 * 3):  # a subgroup of 5 every 8 h for 8 weeks
        t = t0 + pd.Timedelta(hours=8 * k)
        for name, mu, sd in ((CHAR, 25.0, 0.01), ("length", 120.0, 0.05)):
            for j in range(5):
                meas.append({"timestamp": (t + pd.Timedelta(minutes=j)).isoformat(),
                             "line": "L1", "machine": "M1", "characteristic": name,
                             "value": round(float(rng.normal(mu, sd)), 5),
                             "subgroup": f"{name[:4]}-{k}"})
    defects, prod = [], []
    for d in range(8 * 7):
        day = t0 + pd.Timedelta(days=d)
        for m in ("M1", "M2"):
            for s, h in (("early", 6), ("late", 14)):
                lot = f"{m}-{d}-{s}"
                for dt_, n in ((HOSTILE, rng.poisson(4)), ("Burr", rng.poisson(2)),
                               ("Scratch", rng.poisson(1))):
                    defects.append({"timestamp": (day + pd.Timedelta(hours=h + 1)).isoformat(),
                                    "line": "L1", "machine": m, "shift": s, "lot": lot,
                                    "defect_type": dt_, "count": int(n), "inspected": 200,
                                    "description": f"note {HOSTILE} & \"quoted\""})
                prod.append({"period_start": (day + pd.Timedelta(hours=h)).isoformat(),
                             "period_end": (day + pd.Timedelta(hours=h + 8)).isoformat(),
                             "line": "L1", "machine": m, "shift": s, "planned_time": 450.0,
                             "run_time": 420.0, "downtime": 30.0,
                             "downtime_reason": HOSTILE, "ideal_cycle_time": 60.0,
                             "total_count": 400, "good_count": 390, "scrap_count": 10})
    specs = [{"characteristic": CHAR, "lsl": 24.95, "usl": 25.05, "target": 25.0},
             {"characteristic": "length", "lsl": 119.7, "usl": 120.3, "target": 120.0}]
    for kind, rows in (("measurements", meas), ("defects", defects), ("production", prod),
                       ("specs", specs)):
        rep = ingest(_write_csv(src / f"{kind}.csv", rows), kind=kind, out=out,
                     profile="canonical")
        assert rep.rows_quarantined == 0, str(rep)
    return out


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from leankit import rca
    from leankit.io import read_table
    from leankit.reports import Report, weekly_report
    from leankit.reports._spec import spec_from_dict

    root = tmp_path_factory.mktemp("hostile")
    data = hostile_dataset(root)
    defects = read_table(data, "defects")
    assert HOSTILE in set(defects["defect_type"])
    rep = Report(title=f"Report {HOSTILE}", subtitle=HOSTILE)
    rep.add(rca.pareto(defects, category="defect_type", count="count"),
            heading=f"Pareto {HOSTILE}")
    rep.add_table(defects[["defect_type", "description", "count"]].head(20),
                  heading=f"Descriptions {HOSTILE}", section=f"Raw {HOSTILE}", note=HOSTILE)
    rep.add_text(HOSTILE, section=f"Raw {HOSTILE}")
    custom = rep.write(root / "custom.html")
    spec = spec_from_dict({"report": {"title": f"Weekly {HOSTILE}", "data": str(data),
                                      "week": "last"}}, base=root)
    weekly = weekly_report(spec).write(root / "weekly.html")
    return {"custom": custom, "weekly": weekly}


def _json_scripts(html: str) -> list[str]:
    return re.findall(r'<script type="application/json" id="fig-[^"]+"[^>]*>(.*?)</script>', html,
                      flags=re.S)


@pytest.mark.parametrize("which", ["custom", "weekly"])
def test_hostile_text_is_escaped_in_the_html(hostile_reports, which):
    html = hostile_reports[which].read_text("utf-8")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    assert SCRIPT not in html
    assert IMG not in html
    figures = _json_scripts(html)
    assert figures, "no figure data"
    for fig in figures:
        assert "</script" not in fig.lower()
        assert "<" not in fig
    # the text is in the figures, escaped for the script element (\u003c) or for
    # plotly's pseudo-HTML labels (\u0026lt;)
    marks = ("\\u003cscript\\u003ewindow.__pwned=1", "\\u0026lt;script\\u0026gt;window.__pwned=1")
    assert any(m in fig for fig in figures for m in marks)
    # exactly the plotly.js and report.js scripts, one data element per figure, the
    # shared plotly template(s) and one CSV data element per table
    templates = len(re.findall(r'<script type="application/json" id="tpl-', html))
    tables = len(re.findall(r'<table class="lk-table">', html))
    islands = re.findall(r'<script type="application/json" class="lk-csv-data">(.*?)</script>',
                         html, flags=re.S)
    assert len(islands) == tables > 0
    assert all("<" not in x and ">" not in x for x in islands)
    assert len(re.findall(r"<script\b", html, flags=re.I)) == (2 + len(figures) + templates
                                                                + tables)


@pytest.mark.parametrize("which", ["custom", "weekly"])
def test_hostile_text_stays_text_in_the_browser(hostile_reports, which, open_page):
    page, log = open_page(hostile_reports[which])
    render_all(page)
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    text = page.inner_text("body")
    assert SCRIPT in text
    assert IMG in text
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("document.querySelectorAll('script:not([type])').length") == 2
    assert_clean(log)


def test_phone_width_has_one_column_and_no_sideways_scroll(open_page, demo_report):
    """At a phone's width (390 px) the contents sit above the report and nothing makes
    the page scroll sideways (wide tables scroll inside themselves)."""
    page, log = open_page(demo_report)
    page.set_viewport_size({"width": 390, "height": 844})
    render_all(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    toc, article = (page.locator(s).bounding_box() for s in ("nav.lk-toc", "article"))
    assert toc is not None and article is not None
    assert article["y"] >= toc["y"] + toc["height"] - 1  # below the contents, not beside
    assert article["width"] > 300
    assert_clean(log)
