"""The weekly report as a leader first sees it: at 1440 × 900 the week's status (KPI
tiles with their trends) and the top three problems with next steps and owners are
above the fold."""

from __future__ import annotations

FOLD = 900


def test_status_trends_and_top_problems_are_above_the_fold(demo_report, open_page):
    page, log = open_page(demo_report)
    page.set_viewport_size({"width": 1440, "height": FOLD})
    page.evaluate("window.scrollTo(0, 0)")
    info = page.evaluate("""() => {
        const sum = [...document.querySelectorAll('section')].find(
            s => (s.querySelector('h2') || {}).textContent?.trim().startsWith('Summary'));
        const box = e => e.getBoundingClientRect();
        const tiles = [...sum.querySelectorAll('.lk-tile')].map(t => ({
            bottom: box(t).bottom, status: t.querySelector('.lk-status')?.textContent,
            spark: !!t.querySelector('svg.lk-spark polyline')}));
        const top = sum.querySelector('ol.lk-attention');
        const items = [...top.querySelectorAll(':scope > li')].map(li => ({
            bottom: box(li).bottom, text: li.textContent}));
        return {tiles, items};
    }""")
    assert len(info["tiles"]) == 5
    assert all(t["bottom"] <= FOLD and t["status"] for t in info["tiles"])
    assert sum(t["spark"] for t in info["tiles"]) >= 4  # KPI trends (not out-of-control)
    items = info["items"]
    assert len(items) == 3
    assert all(i["bottom"] <= FOLD for i in items), [i["bottom"] for i in items]
    assert all("Next step:" in i["text"] for i in items)
    assert items[0]["text"].lstrip().startswith("NEW signal")
    assert "Owner: M. Keller" in " ".join(items[0]["text"].split())
    assert not log.console_errors and not log.page_errors
    assert not log.external_requests
