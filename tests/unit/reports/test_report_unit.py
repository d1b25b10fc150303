"""The Report API (every result type, atomic writes, plotly.js embedded once) and the
weekly report of the demo data for 2026-W44 (attention list, KPI tiles, data quality,
methods, footer)."""

from __future__ import annotations

import html as _html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.offline
import pytest
import report_helpers  # tests/unit/reports/report_helpers.py: shared fixtures (below)

import leankit
from leankit import lean, rca, spc
from leankit.io import Dataset, read_table
from leankit.reports import Block, Report, Table, load_spec, weekly_report
from leankit.reports._report import figure_json
from leankit.reports._spec import spec_from_dict

demo_dir = report_helpers.demo_dir
demo_data = report_helpers.demo_data
spec_file = report_helpers.spec_file

REPO = Path(__file__).resolve().parents[3]
TRUTH = json.loads((REPO / "sample_data" / "truth.json").read_text("utf-8"))
PLOTLY_MARK = "* plotly.js v"  # the banner at the top of the plotly.js bundle


class _Ids(HTMLParser):
    """Collects element ids and in-page link targets of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.hrefs.append(a["href"])


def ids_and_links(doc: str) -> tuple[set[str], list[str]]:
    p = _Ids()
    p.feed(doc)
    assert len(p.ids) == len(set(p.ids)), "duplicate ids"
    return set(p.ids), p.hrefs


def figure_count(doc: str) -> tuple[int, int]:
    return (len(re.findall(r'<div class="lk-plot" id="fig-\d+"', doc)),
            len(re.findall(r'<script type="application/json" id="fig-\d+-data"', doc)))


# ------------------------------------------------------------------------ results
@pytest.fixture(scope="module")
def tables(demo_data):
    return {k: read_table(demo_data, k) for k in ("measurements", "defects", "production")}


def _week(df: pd.DataFrame, col: str, week: str) -> pd.DataFrame:
    start = pd.Timestamp(pd.Timestamp.fromisocalendar(int(week[:4]), int(week[-2:]), 1),
                         tz="UTC")
    return df[(df[col] >= start) & (df[col] < start + pd.Timedelta(days=7))]


@pytest.fixture(scope="module")
def results(tables):
    meas, defects, prod = tables["measurements"], tables["defects"], tables["production"]
    bore = meas[meas["characteristic"] == "bore_diameter"].sort_values("timestamp")
    d43, d44 = _week(defects, "timestamp", "2026-W43"), _week(defects, "timestamp", "2026-W44")
    means = bore.groupby("subgroup", as_index=False).agg(timestamp=("timestamp", "min"),
                                                          value=("value", "mean"))
    means = means.sort_values("timestamp").reset_index(drop=True)
    return {
        "ControlChart": spc.xbar_s(bore, value="value", subgroup="subgroup", time="timestamp",
                                   rules="we"),
        "Capability": spc.capability(_week(bore, "timestamp", "2026-W42"), value="value",
                                     subgroup="subgroup", lsl=24.95, usl=25.05, target=25.0),
        "Pareto": rca.pareto(d44, category="defect_type", count="count"),
        "ParetoComparison": rca.compare(d43, d44, category="defect_type", count="count"),
        "Stratification": rca.stratify(d44, by=["machine", "shift"], count="count",
                                       size="inspected", lot="lot"),
        "DriverModel": rca.drivers(d44, outcome="count", factors=["machine", "shift"],
                                   exposure="inspected", lot="lot"),
        "ChangePoints": rca.change_points(means, value="value", time="timestamp"),
        "OEE": lean.oee(_week(prod, "period_start", "2026-W44"), by=["line", "machine"]),
        "DataFrame": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
    }


EXPECTED_SECTION = {
    "ControlChart": "Control charts", "Capability": "Capability", "Pareto": "Pareto",
    "ParetoComparison": "Pareto", "Stratification": "Root cause", "DriverModel": "Root cause",
    "ChangePoints": "Root cause", "OEE": "Results", "DataFrame": "Tables",
}


@pytest.mark.parametrize("kind", list(EXPECTED_SECTION))
def test_add_each_result_type(results, kind):
    rep = Report(title="t")
    it = rep.add(results[kind])
    assert rep.sections[0].title == EXPECTED_SECTION[kind]
    assert rep.sections[0].items == [it]
    assert it.anchor and it.heading
    kinds = [b.kind for b in it.blocks]
    assert "table" in kinds
    if kind != "DataFrame":
        assert "figure" in kinds
    doc = rep.to_html()
    plots, data = figure_count(doc)
    assert plots == data == kinds.count("figure")
    assert f'id="{it.anchor}"' in doc


def test_add_findings_in_words(results):
    rep = Report(title="t")
    it = rep.add(results["Stratification"])
    assert it.blocks[0].kind == "finding" and "L2-M2" in it.blocks[0].content
    it = rep.add(results["ControlChart"], heading="Bore", section="SPC", open=True)
    assert (it.heading, it.open, rep.sections[-1].title) == ("Bore", True, "SPC")
    assert it.badge == ("special cause", "bad")


@pytest.mark.parametrize("obj", [object(), {"a": 1}, pd.Series([1, 2]), np.arange(3), "text"])
def test_add_unknown_object_is_a_type_error(obj):
    rep = Report(title="t")
    with pytest.raises(TypeError, match="does not know how to show"):
        rep.add(obj)
    assert rep.sections == []


def test_plotly_js_embedded_exactly_once(results, tmp_path):
    per_bundle = plotly.offline.get_plotlyjs().count(PLOTLY_MARK)
    assert per_bundle >= 1
    empty = Report(title="empty").to_html()
    assert empty.count(PLOTLY_MARK) == per_bundle
    rep = Report(title="many")
    for r in results.values():
        rep.add(r)
    for i in range(20):
        rep.item("Extra", f"figure {i}", [rep.figure(go.Figure(go.Scatter(y=[i, 1, 2])))])
    doc = rep.write(tmp_path / "many.html").read_text("utf-8")
    plots, data = figure_count(doc)
    assert plots == data >= 25
    assert doc.count(PLOTLY_MARK) == per_bundle
    assert len(re.findall(r"<script>", doc)) == 2  # plotly.js and report.js
    assert "https://" not in re.sub(r"<script>.*?</script>", "", doc, flags=re.S)


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    rep = Report(title="first")
    path = rep.write(tmp_path / "r.html")
    assert path == tmp_path / "r.html"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    first = path.read_bytes()
    rep2 = Report(title="second")
    rep2.write(path)
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    assert b"second" in path.read_bytes()
    path.write_bytes(first)

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        rep2.write(path)
    assert path.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_write_creates_the_folder(tmp_path):
    path = Report(title="x").write(tmp_path / "a" / "b" / "r.html")
    assert path.is_file()


def test_text_is_escaped_and_figure_json_cannot_close_the_script():
    rep = Report(title="<b>T</b>", subtitle="a & b")
    rep.add_table(pd.DataFrame({"<th>": ["<script>x</script>"]}), heading="<i>h</i>",
                  section="S", note="<u>n</u>")
    rep.add_text("<p onclick=x>", section="S")
    fig = go.Figure(go.Bar(x=["</script><script>alert(1)</script>"], y=[1]))
    rep.item("S", "f", [rep.figure(fig)])
    doc = rep.to_html()
    for raw in ("<b>T</b>", "<th><th>", "<script>x</script>", "<i>h</i>", "<u>n</u>",
                "<p onclick=x>", "alert(1)</script>"):
        assert raw not in doc
    for esc in ("&lt;b&gt;T&lt;/b&gt;", "a &amp; b", "&lt;script&gt;x&lt;/script&gt;",
                "&lt;p onclick=x&gt;"):
        assert esc in doc
    js, template = figure_json(fig)
    assert "<" not in template
    assert "<" not in js and ">" not in js and "&" not in js
    assert "\\u003c\\u002fscript\\u003e" in js or "\\u003c/script\\u003e" in js
    assert json.loads(js)["data"][0]["x"] == ["</script><script>alert(1)</script>"]


def test_table_from_frame_formats_cells():
    df = pd.DataFrame({"n": [1234567, 2], "x": [0.000012345, np.nan], "s": ["a", None],
                       "b": [True, False],
                       "t": [pd.Timestamp("2026-10-28 14:00", tz="UTC"), pd.NaT]})
    t = Table.from_frame(df, max_rows=1)
    assert t.columns == ["n", "x", "s", "b", "t"]
    assert t.more == 1
    assert t.rows[0] == [("1,234,567", False), ("0.0000123", False), ("a", True),
                         ("yes", True), ("2026-10-28 14:00", True)]
    row = Table.from_frame(df).rows[1]
    assert row[1:] == [("—", True), ("—", True), ("no", True), ("—", True)]


def test_block_kinds_render():
    rep = Report(title="t")
    rep.section("S").blocks.extend([
        Block("links", [("go", "#s")]), Block("note", "nn"), Block("finding", "ff"),
        Block("tiles", [{"name": "FPY", "value": "97 %", "detail": "target 97 %",
                         "level": "good"}]),
    ])
    doc = rep.to_html()
    assert '<a href="#s">go</a>' in doc and 'class="lk-tile good"' in doc
    assert '<p class="lk-note">nn</p>' in doc and '<div class="lk-finding">ff</div>' in doc


# ---------------------------------------------------------------- weekly report
@pytest.fixture(scope="module")
def w44(demo_dir):
    spec = load_spec(demo_dir / "weekly.toml")
    assert spec.week == "2026-W44"
    rep = weekly_report(spec)
    return rep, rep.to_html(), spec


def _section(rep: Report, title: str):
    return next(s for s in rep.sections if s.title == title)


def test_weekly_sections_in_order(w44):
    rep, _, _ = w44
    assert [s.title for s in rep.sections] == [
        "Summary", "What needs attention", "Actions", "Control charts", "Capability",
        "Defects: Pareto", "Root causes", "OEE and downtime", "Data quality", "Methods"]


def test_weekly_attention_first_item_is_the_new_bore_signal(w44):
    rep, doc, _ = w44
    att = next(b for b in _section(rep, "What needs attention").blocks if b.kind == "attention")
    first = att.content[0]
    assert first["label"] == "NEW signal" and first["level"] == "bad"
    assert first["text"].startswith("bore_diameter:")
    assert "Wed 28 Oct 15:00 CET" in first["text"]  # 14:00 UTC, in Berlin time
    charts = _section(rep, "Control charts")
    bore = next(it for it in charts.items if it.heading == "bore_diameter")
    assert first["href"] == "#" + bore.anchor
    links = dict(first["links"])
    assert set(links) == {"defect mix", "ranked causes"}
    assert links["defect mix"] == "#" + _section(rep, "Defects: Pareto").items[0].anchor
    assert links["ranked causes"] == "#" + _section(rep, "Root causes").items[0].anchor
    # ... and in the HTML: the first <li> of the list carries those links, all resolving
    ids, hrefs = ids_and_links(doc)
    li = re.search(r'<ol class="lk-attention"><li>(.*?)</li>', doc, flags=re.S).group(1)
    assert "NEW signal" in li and "bore_diameter" in li
    li_links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', li)
    assert [t for _, t in li_links] == ["details", "defect mix", "ranked causes"]
    assert li_links[0][0] == bore.anchor
    assert all(a in ids for a, _ in li_links)
    assert [h for h in hrefs if h[1:] not in ids] == []


def test_weekly_kpi_tiles(w44):
    rep, doc, spec = w44
    tiles = next(b for b in _section(rep, "Summary").blocks if b.kind == "tiles").content
    names = [t["name"] for t in tiles]
    assert names == ["First-pass yield", "Scrap rate", "OEE", "DPMO",
                     "Out-of-control characteristics"]
    for t in tiles:
        assert t["detail"].startswith("target ")
        assert t["detail"].endswith("vs last week")
        assert t["level"] in ("good", "warn", "bad")
    fpy = tiles[0]
    assert "target 97.0 %" in fpy["detail"]
    assert doc.count('<div class="lk-tile ') == 5
    assert "vs last week" in doc


def test_weekly_verdicts_and_findings(w44):
    rep, _, _ = w44
    verdicts = next(b for b in _section(rep, "Summary").blocks if b.kind == "verdicts").content
    bore = next(v for v in verdicts if v["metric"] == "bore_diameter")
    assert bore["level"] == "bad" and "out of control since Wed 28 Oct 15:00 CET" in bore["text"]
    for name in ("shaft_diameter", "length"):
        assert next(v for v in verdicts if v["metric"] == name)["icon"] == "common cause"
    root = _section(rep, "Root causes").blocks[0]
    assert root.kind == "finding" and "L2-M2 / night" in root.content
    dt_item = next(it for it in _section(rep, "OEE and downtime").items
                   if it.heading == "Downtime Pareto")
    # the top reason with its machine (truth.json: feeder jams on L1-M2)
    assert dt_item.blocks[0].content.startswith("Top downtime: Feeder jam on L1-M2, ")
    table = next(b for b in dt_item.blocks if b.kind == "table").content
    assert table.rows[0][0] == ("Feeder jam", True)


def test_weekly_data_quality_lists_every_source(w44, demo_data):
    rep, doc, _ = w44
    sec = _section(rep, "Data quality")
    table = sec.blocks[0].content
    assert {"source", "quarantined", "reasons"} <= set(table.columns)
    rows = {r[table.columns.index("source")][0]: r for r in table.rows}
    expected = {Path(f).name: d["data_rows"] - d.get("valid_rows", d["data_rows"])
                for f, d in TRUTH["files"].items()
                if d.get("ingested_by_demo", True)}  # rare_events/ is not ingested
    assert set(rows) == set(expected)
    q = table.columns.index("quarantined")
    for name, n in expected.items():
        assert rows[name][q][0] == f"{n:,}", name
        assert _html.escape(name) in doc
    assert "dst ambiguous time: 15" in doc  # the reason code in words
    quarantined = next(it for it in sec.items if it.heading == "Quarantined rows")
    assert sum(e for e in expected.values()) == (
        len(quarantined.blocks[0].content.rows) + quarantined.blocks[0].content.more)


def test_weekly_methods_and_footer(w44, demo_data):
    rep, doc, spec = w44
    methods = " ".join(_section(rep, "Methods").blocks[0].content)
    assert "Z.bench + 1.5" in methods
    assert "Phase I limits from" in methods
    footer = " ".join(rep.footer_lines)
    assert f"leankit {leankit.__version__}" in footer
    assert spec.sha256[:16] in footer
    for f in Dataset(demo_data).files():
        assert f"{f['name']} sha256 {f['sha256'][:16]}" in footer
    tail = doc[doc.index('<footer class="lk-footer">'):]
    assert f"leankit {leankit.__version__}" in tail
    assert '<meta name="generator" content="leankit ' in doc


def test_weekly_sections_filtered_by_include(demo_data):
    def titles(include):
        spec = spec_from_dict({"report": {"data": str(demo_data), "week": "2026-W44"},
                               "sections": {"include": include}}, base=demo_data)
        return [s.title for s in weekly_report(spec).sections]

    assert titles(["summary", "methods"]) == ["Summary", "Methods"]
    assert titles(["methods", "attention", "summary"]) == [
        "Summary", "What needs attention", "Methods"]
    assert titles(["spc"]) == ["Control charts"]
    assert titles(["attention", "pareto"]) == ["What needs attention", "Defects: Pareto"]


def test_weekly_week_last_and_default_characteristics(demo_data):
    spec = spec_from_dict({"report": {"data": str(demo_data)}, "sections": {
        "include": ["spc"]}}, base=demo_data)
    rep = weekly_report(spec)
    assert rep.subtitle.startswith("Week 2026-W47")
    assert sorted(it.heading for it in rep.sections[0].items) == [
        "bath_temperature", "bore_diameter", "flange_thickness", "hardness", "length",
        "runout", "shaft_diameter", "surface_roughness"]


def test_weekly_progress_callback(demo_data):
    msgs: list[str] = []
    spec = spec_from_dict({"report": {"data": str(demo_data), "week": "2026-W44"}},
                          base=demo_data)
    weekly_report(spec, progress=msgs.append)
    assert "chart bore_diameter" in msgs and "KPIs" in msgs
