"""Reliability of figures and reports against hostile or odd data (leankit issue: attack
testing of figures and the weekly report).

* every figure builder (spc, rca, lean) shows text from data literally: no HTML that
  plotly would render (links, styled spans, scripts) survives into the figure JSON,
  bidi controls are removed, long names are shortened;
* the report's HTML isolates names (no direction override leaks into a sentence),
  wraps long text, and its templates escape everything;
* report specs are validated (positive opportunities, known factors);
* a failing analysis does not kill the weekly report;
* very long charts draw a decimated but faithful view.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

RLO = "\u202e"
HOSTILE = [
    '<a href="https://evil.example/login">click</a>',
    '<span style="font-size:200px">HUGE</span>',
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    "<b>bold</b><i>it</i><br><sub>x</sub><sup>y</sup><em>e</em>",
    f"gauge{RLO}evil",
    "A&amp;B &lt;a&gt; & <",
    "x" * 3000,
]
# tags plotly renders in text (and generic tag openers) that must never come from data
RENDERED = re.compile(r"<\s*/?\s*(a|span|script|img|i|em|sub|sup|style|svg|iframe)\b", re.I)


def _strings(obj: Any) -> list[str]:
    """Every string in a (JSON-like) figure spec."""
    out: list[str] = []
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            out += _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            out += _strings(v)
    return out


def assert_figure_safe(fig: Any, *, marker: str = "evil.example") -> None:
    """No rendered tag, no bidi control, no over-long label from data in *fig*; the
    hostile text did reach the figure (escaped), so the check is not vacuous."""
    spec = json.loads(fig.to_json())
    spec.get("layout", {}).pop("template", None)
    texts = _strings(spec)
    joined = "\n".join(texts)
    bad = [t[:120] for t in texts if RENDERED.search(t)]
    assert bad == [], bad
    assert RLO not in joined
    assert "&lt;" in joined, "hostile text did not reach the figure"
    assert marker in joined
    # no label of 3,000 characters: category labels, legend names and titles are cut
    for t in texts:
        if "xxxxxxxxxx" in t and "<br>" not in t:
            assert len(t) <= 200, len(t)


def _names(k: int) -> list[str]:
    return [HOSTILE[i % len(HOSTILE)] for i in range(k)]


# ---------------------------------------------------------------------------- spc
def test_control_chart_figure_escapes_every_text_from_data():
    from leankit import spc

    rng = np.random.default_rng(3)
    n = 40
    df = pd.DataFrame({
        HOSTILE[0]: rng.normal(10, 1, n),
        "sub": [f"{HOSTILE[i % 4]}#{i}" for i in range(n)],
        "stage": [HOSTILE[1]] * 20 + [HOSTILE[0]] * 20,
        "why": [HOSTILE[0] if i == 5 else "" for i in range(n)],
    })
    df.loc[30, HOSTILE[0]] = 30.0  # a signal
    chart = spc.i_mr(df, value=HOSTILE[0], subgroup="sub", stage="stage", exclude="why")
    for kw in ({}, {"compact": True}, {"show_zones": True}, {"x": "subgroup"}):
        assert_figure_safe(chart.figure(**kw))
    assert_figure_safe(chart.figure(title=HOSTILE[0] + HOSTILE[5]))


def test_capability_figure_escapes_its_title():
    from leankit import spc

    rng = np.random.default_rng(4)
    df = pd.DataFrame({"v": rng.normal(10, 1, 60)})
    cap = spc.capability(df, value="v", lsl=6, usl=14)
    assert_figure_safe(cap.figure(title=HOSTILE[0] + RLO))


# ---------------------------------------------------------------------------- rca
@pytest.fixture(scope="module")
def defects() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for lot in range(60):
        m = HOSTILE[lot % 3]
        s = HOSTILE[4 + lot % 2]
        for j, d in enumerate(_names(len(HOSTILE))):
            rows.append({HOSTILE[1]: m, "shift": s, "lot": lot, "defect": d,
                         "k": int(rng.poisson(1 + j + 3 * (lot % 3 == 0))), "n": 100})
    return pd.DataFrame(rows)


def test_rca_pareto_figures_escape_categories_groups_and_measure(defects):
    from leankit import rca

    p = rca.pareto(defects, category="defect", count="k")
    assert_figure_safe(p.figure())
    byp = rca.pareto(defects, category="defect", count="k", by=HOSTILE[1])
    assert_figure_safe(byp.figure())
    half = defects["lot"] < 30
    comp = rca.compare(defects[half], defects[~half], category="defect", count="k")
    assert_figure_safe(comp.figure())


def test_rca_stratification_and_driver_figures_escape_levels(defects):
    from leankit import rca

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = rca.stratify(defects, by=[HOSTILE[1], "shift"], count="k", size="n", lot="lot")
        d = rca.drivers(defects, outcome="k", factors=[HOSTILE[1], "shift"], exposure="n",
                        lot="lot")
    assert_figure_safe(s.figure(), marker="font-size:200px")
    assert_figure_safe(d.figure(), marker="HUGE")


def test_rca_change_points_figure_escapes_its_title():
    from leankit import rca

    rng = np.random.default_rng(6)
    y = np.r_[rng.normal(0, 1, 60), rng.normal(3, 1, 60)]
    df = pd.DataFrame({"t": pd.date_range("2026-01-01", periods=120, freq="h", tz="UTC"),
                       "v": y})
    cp = rca.change_points(df, value="v", time="t")
    assert_figure_safe(cp.figure(title=HOSTILE[0] + RLO))


# --------------------------------------------------------------------------- lean
def _production(machines: list[str], reasons: list[str], days: int = 3) -> pd.DataFrame:
    rows = []
    t0 = pd.Timestamp("2026-10-26 04:00", tz="UTC")
    for d in range(days):
        for i, m in enumerate(machines):
            rows.append({"period_start": t0 + pd.Timedelta(days=d), "line": "L1", "machine": m,
                         "planned_time": 450.0, "run_time": 420.0 - 5 * i, "downtime": 30.0 + 5 * i,
                         "downtime_reason": reasons[(d + i) % len(reasons)],
                         "ideal_cycle_time": 60.0, "total_count": 400, "good_count": 390,
                         "scrap_count": 6, "rework_count": 4})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("by,period", [(None, None), (["line", "machine"], None),
                                       (["machine"], "day")])
def test_oee_figure_escapes_machine_names_and_reasons(by, period):
    """The issue: machine names and downtime reasons reached plotly unescaped."""
    from leankit import lean

    prod = _production(_names(4), _names(len(HOSTILE)))
    if by is None:  # one group, no period: the waterfall of downtime reasons
        prod = prod[prod["machine"] == HOSTILE[0]]
    res = lean.oee(prod, by=by, period=period)
    assert_figure_safe(res.figure())


@pytest.mark.parametrize("by", [None, "machine"])
def test_downtime_pareto_figure_escapes_reasons_and_groups(by):
    from leankit import lean

    prod = _production(_names(4), _names(len(HOSTILE)))
    dp = lean.oee(prod, by=["line", "machine"]).downtime_pareto(by=by)
    fig = dp.figure()
    assert_figure_safe(fig)
    # two different 3,000-character reasons sharing a prefix stay two bars
    prod2 = _production(["M1"], ["y" * 3000 + "1", "y" * 3000 + "2"], days=2)
    bars = lean.oee(prod2, by=None).downtime_pareto().figure().data[0].x
    assert len(set(bars)) == 2 and all(len(b) <= 70 for b in bars)


@pytest.mark.parametrize("period", [None, "day"])
def test_yield_figure_escapes_group_names(period):
    from leankit import lean

    prod = _production(_names(4), ["r"])
    res = lean.yield_metrics(prod, by="machine", period=period)
    assert_figure_safe(res.figure())


# ------------------------------------------------------------------ weekly report
LONG = "L" + "o" * 2999  # a 3,000-character name without a space
BIDI = f"gauge{RLO}evil"


def make_dataset(root: Any, *, char: str = "bore", machines: tuple[str, str] = ("M1", "M2"),
                 defect: str = "Burr", reason: str = "Feeder jam", weeks: int = 8) -> Any:
    """A small canonical dataset (ingested): one characteristic charted every 8 h,
    defects and production per machine and day, whose names the caller chooses."""
    import csv

    from leankit.io import ingest

    rng = np.random.default_rng(11)
    src = root / "src"
    src.mkdir(parents=True)
    out = root / "data"
    t0 = pd.Timestamp("2026-03-02T00:00Z")  # a Monday
    meas, defects, prod = [], [], []
    for k in range(weeks * 7 * 3):
        t = t0 + pd.Timedelta(hours=8 * k)
        for j in range(5):
            meas.append({"timestamp": (t + pd.Timedelta(minutes=j)).isoformat(), "line": "L1",
                         "machine": machines[0], "characteristic": char,
                         "value": round(float(rng.normal(25, 0.01)) + (0.05 if k == weeks * 21
                                                                        - 5 else 0), 5),
                         "subgroup": f"s{k}"})
    for d in range(weeks * 7):
        day = t0 + pd.Timedelta(days=d)
        for m in machines:
            for dt_, n in ((defect, rng.poisson(4)), ("Scratch", rng.poisson(2))):
                defects.append({"timestamp": (day + pd.Timedelta(hours=7)).isoformat(),
                                "line": "L1", "machine": m, "shift": "early", "lot": f"{m}-{d}",
                                "defect_type": dt_, "count": int(n), "inspected": 200})
            prod.append({"period_start": (day + pd.Timedelta(hours=6)).isoformat(),
                         "period_end": (day + pd.Timedelta(hours=14)).isoformat(),
                         "line": "L1", "machine": m, "shift": "early", "planned_time": 450.0,
                         "run_time": 420.0, "downtime": 30.0, "downtime_reason": reason,
                         "ideal_cycle_time": 60.0, "total_count": 400, "good_count": 390,
                         "scrap_count": 10})
    specs = [{"characteristic": char, "lsl": 24.95, "usl": 25.05, "target": 25.0}]
    for kind, rows in (("measurements", meas), ("defects", defects), ("production", prod),
                       ("specs", specs)):
        path = src / f"{kind}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            wr = csv.DictWriter(fh, fieldnames=list(rows[0]))
            wr.writeheader()
            wr.writerows(rows)
        rep = ingest(path, kind=kind, out=out, profile="canonical")
        assert rep.rows_quarantined == 0, str(rep)
    return out


@pytest.fixture(scope="module")
def plain_data(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_dataset(tmp_path_factory.mktemp("plain"))


def _spec(data: Any, tmp_path: Any, extra: str = "") -> Any:
    p = tmp_path / "weekly.toml"
    p.write_text(f'[report]\ntitle = "T"\ndata = "{data.as_posix()}"\n{extra}', encoding="utf-8")
    return p


@pytest.mark.parametrize("value", ["0", "-8", "nan", "inf", '"8"'])
def test_spec_opportunities_must_be_a_positive_number(plain_data, tmp_path, value):
    """The issue: opportunities = 0 raised ZeroDivisionError in the DPMO tile."""
    from leankit.errors import LeankitError
    from leankit.reports import ReportSpecError, load_spec

    path = _spec(plain_data, tmp_path, f"[defects]\nopportunities = {value}\n")
    with pytest.raises(ReportSpecError, match=r"\[defects\] opportunities") as err:
        load_spec(path)
    assert str(path) in str(err.value)
    assert isinstance(err.value, LeankitError)


@pytest.mark.parametrize("extra,match", [
    ("[targets]\nfpy = 97\n", r"\[targets\] fpy = 97: give a number <= 1"),
    ("[targets]\noee = -0.1\n", r"\[targets\] oee"),
    ("[[characteristics]]\nname = \"bore\"\ncapability_target = 0\n", "capability_target"),
    ("[[characteristics]]\nname = \"bore\"\nlsl = 2\nusl = 1\n", "lsl = 2 must be below usl"),
    ("[defects]\nfactors = \"machine\"\nopportunities = 1\n[defects.x]\n", "unknown key"),
    ("[defects]\nfactors = [1, 2]\n", r"\[defects\] factors"),
])
def test_spec_values_are_validated(plain_data, tmp_path, extra, match):
    from leankit.reports import ReportSpecError, load_spec

    with pytest.raises(ReportSpecError, match=match):
        load_spec(_spec(plain_data, tmp_path, extra))


def test_spec_unknown_factor_names_the_factor_and_the_columns(plain_data, tmp_path):
    """The issue: factors = ["nonexistent"] said "No defects to stratify this week"."""
    from leankit.reports import ReportSpecError, load_spec, weekly_report

    spec = load_spec(_spec(plain_data, tmp_path, '[defects]\nfactors = ["machnie"]\n'))
    with pytest.raises(ReportSpecError) as err:
        weekly_report(spec)
    msg = str(err.value)
    assert "'machnie' is not a column of the defects table" in msg
    assert "did you mean 'machine'" in msg
    assert "Columns: " in msg and "shift" in msg and "[defects] factors" in msg


def test_single_level_factors_say_so(plain_data, tmp_path):
    from leankit.reports import load_spec, weekly_report

    spec = load_spec(_spec(plain_data, tmp_path, '[defects]\nfactors = ["shift"]\n'))
    html = weekly_report(spec).to_html()
    assert "each factor has a single level this week (shift = early)" in html
    assert "No defects to stratify" not in html


@pytest.mark.parametrize("target,section", [
    ("leankit.rca.stratify", "Root causes"),
    ("leankit.rca.pareto", "Defects: Pareto"),
    ("leankit.lean.oee", "OEE and downtime"),
    ("leankit.spc._figures.chart_figure", "Control charts"),
])
def test_an_unexpected_error_in_one_analysis_does_not_kill_the_report(
        plain_data, tmp_path, monkeypatch, target, section):
    from leankit.reports import load_spec, weekly_report

    def boom(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("boom <b>x</b>")

    monkeypatch.delenv("LEANKIT_DEBUG", raising=False)
    monkeypatch.setattr(target, boom)
    rep = weekly_report(load_spec(_spec(plain_data, tmp_path)))
    assert rep.failures and rep.failures[0][1] == "RuntimeError: boom <b>x</b>"
    html = rep.to_html()
    assert "this analysis failed: RuntimeError: boom &lt;b&gt;x&lt;/b&gt;" in html
    titles = [s.title for s in rep.sections]
    assert section in titles and "Data quality" in titles and titles[-1] == "Methods"
    dq = next(s for s in rep.sections if s.title == "Data quality")
    assert dq.blocks[0].kind == "attention"
    assert "failed (see Data quality)" in " ".join(rep.header_lines)
    # the other sections are still there
    assert {"Summary", "Capability"} <= set(titles)


def test_cli_exit_status_reflects_a_failed_analysis(plain_data, tmp_path, monkeypatch, capsys):
    from leankit.cli import main

    monkeypatch.delenv("LEANKIT_DEBUG", raising=False)
    spec = _spec(plain_data, tmp_path)
    out = tmp_path / "r.html"
    assert main(["report", "weekly", "--spec", str(spec), "--out", str(out)]) == 0
    monkeypatch.setattr("leankit.rca.stratify", lambda *a, **k: 1 / 0)
    assert main(["report", "weekly", "--spec", str(spec), "--out", str(out)]) == 3
    assert out.is_file()
    err = capsys.readouterr().err
    assert "internal error: stratification of the defects: ZeroDivisionError" in err
    assert "Traceback" not in err


def _visible_text_ok(html: str) -> None:
    assert RLO not in html
    # every isolate is closed
    assert html.count("\u2068") == html.count("\u2069")


@pytest.fixture(scope="module")
def hostile_names_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    from leankit.reports import load_spec, weekly_report

    root = tmp_path_factory.mktemp("names")
    data = make_dataset(root, char=LONG, machines=(BIDI, HOSTILE[0]), defect=f"Burr{RLO}",
                        reason=HOSTILE[1])
    spec = _spec(data, root, '[targets]\nfpy = 0.99\n')
    rep = weekly_report(load_spec(spec))
    return rep, rep.to_html()


def test_report_html_has_no_bidi_override_and_isolates_names(hostile_names_report):
    rep, html = hostile_names_report
    _visible_text_ok(html)
    assert "Burr is the top defect type" in html  # the override is gone from the sentence
    # long names: the headings and the TOC show at most ~100 characters, the full name is
    # in the title attribute
    summary = re.findall(r"<summary title=\"[^\"]*\"><bdi>([^<]*)</bdi>", html)
    assert summary and max(len(s) for s in summary) <= 100
    assert f'title="{LONG}"' in html


def test_report_templates_autoescape_and_use_safe_only_for_trusted_markup():
    from importlib import resources

    tdir = resources.files("leankit.reports").joinpath("templates")
    for name in ("base.html.j2", "blocks.html.j2"):
        text = tdir.joinpath(name).read_text("utf-8")
        safe = re.findall(r"\{\{\s*([^}|]+?)\s*\|\s*safe\s*\}\}", text)
        # only the packaged CSS/JS, plotly.js and the script-safe figure/template JSON
        assert set(safe) <= {"css", "js", "plotlyjs", "f.json", "t.json"}, safe
        assert "autoescape false" not in text.lower()


def test_figure_json_is_script_safe_for_bidi_separators():
    from leankit.reports._report import _script_safe

    assert "\u2028" not in _script_safe('{"a": "x\u2028y"}')


# ------------------------------------------------------------- decimated figures
def test_decimate_keeps_every_bucket_extreme_and_the_forced_points():
    from leankit.spc._figures import decimate

    rng = np.random.default_rng(12)
    y = rng.normal(0, 1, 100_003)
    y[rng.integers(0, len(y), 300)] = np.nan
    must = np.array([5, 77_777, 100_002])
    idx = decimate(y, buckets=1000, keep=must)
    assert len(idx) <= 4 * 1000 + len(must) + 1000  # + the first gap of each bucket
    assert set(must) <= set(idx.tolist())
    assert np.all(np.diff(idx) > 0)
    k = -(-len(y) // 1000)
    drawn = np.zeros(len(y), dtype=bool)
    drawn[idx] = True
    for b in range(0, len(y), k):
        seg, kept = y[b:b + k], drawn[b:b + k]
        # the drawn points of each bucket reach its highest and lowest value
        assert np.nanmax(seg[kept]) == np.nanmax(seg)
        assert np.nanmin(seg[kept]) == np.nanmin(seg)
        if np.isnan(seg).any():  # a gap stays a gap
            assert np.isnan(seg[kept]).any()


def test_long_chart_draws_a_faithful_decimated_view():
    """The issue: a 10**7-point i_mr figure took 203 s and 13.5 GB. Above 10,000 points
    a panel draws first/last/min/max of 2,000 buckets plus every signal (WebGL), and the
    figure says so; the computation is untouched."""
    from leankit import spc

    n = 40_000
    rng = np.random.default_rng(13)
    y = rng.normal(10, 0.1, n)
    spikes = [1_234, 20_001, 39_990]
    y[spikes] += 2.0
    df = pd.DataFrame({"time": pd.date_range("2026-01-01", periods=n, freq="s", tz="UTC"),
                       "value": y, "stage": ["before"] * 20_000 + ["after"] * 20_000})
    chart = spc.i_mr(df, value="value", time="time", stage="stage", rules="limits")
    for compact in (False, True):
        fig = chart.figure(compact=compact)
        main = next(t for t in fig.data if t.name == "Individual value")
        assert main.type == "scattergl"
        assert len(main.y) <= 4 * 2000 + 100
        drawn = pd.to_datetime(pd.Series(main.x))
        pts = chart.points[chart.points["panel"] == "i"]
        # the extremes of the whole series are drawn
        assert np.isclose(np.nanmax(main.y), pts["statistic"].max())
        assert np.isclose(np.nanmin(main.y), pts["statistic"].min())
        # every signal is drawn (markers) and on the line
        sig = next(t for t in fig.data if t.name == "Signal")
        n_sig = int(pts["signal"].sum())
        assert n_sig >= 3 and len(sig.y) == n_sig
        times = pd.to_datetime(pts.loc[pts["signal"], "time"]).dt.tz_localize(None)
        if compact:
            times = times.dt.floor("min")
        assert set(times) <= set(drawn)
        # the stage change is drawn on both sides, with its limit change
        change = pd.Timestamp("2026-01-01") + pd.Timedelta(seconds=20_000)
        assert (change.floor("min") if compact else change) in set(drawn)
        note = [a.text for a in fig.layout.annotations if "Decimated" in (a.text or "")]
        assert note and f"of {n:,}" in note[0] and "signals" in note[0]
        assert len(fig.to_json()) < 2_500_000
    # every point is still computed
    assert len(chart.points) == 2 * n
    # a chart below the threshold draws every point, no note
    small = spc.i_mr(df.head(5_000), value="value", time="time")
    fig = small.figure()
    assert len(next(t for t in fig.data if t.name == "Individual value").y) == 5_000
    assert not [a for a in fig.layout.annotations if "Decimated" in (a.text or "")]
    mid = spc.i_mr(df.head(12_000), value="value", time="time")
    assert len(next(t for t in mid.figure(max_points=None).data
                    if t.name == "Individual value").y) == 12_000


def test_signals_in_words_lists_only_what_it_shows():
    """A long chart with thousands of signals: the report lists 12 and counts the rest
    (it used to describe every one first: 10 s for 25,000 signals)."""
    from leankit.reports._adapters import signals_in_words

    n = 5_000
    sig = pd.DataFrame({"panel": ["i"] * n + ["mr"] * n, "subgroup": list(range(n)) * 2,
                        "time": pd.date_range("2026-01-01", periods=n, freq="min",
                                              tz="UTC").tolist() * 2,
                        "phase": "I", "description": "Point outside the control limits"})

    class Chart:
        signals = sig

    words = signals_in_words(Chart(), limit=12)
    assert len(words) == 13
    assert words[0].startswith("2026-01-01 00:00 UTC, individual values chart, subgroup 0: "
                               "Point outside")
    assert words[-1] == "… and 9,988 more signalling points."


def test_text_helpers():
    from leankit._text import balance_bidi, clean, fig_hover, fig_labels, fig_text, isolate

    assert fig_text("a\x00b\tc\nd\u2028e\u202ef\ufeff") == "ab c d ef"
    assert fig_text("<b>&amp;") == "&lt;b&gt;&amp;amp;"
    assert fig_text('say "hi"') == 'say "hi"'  # plotly does not decode &quot;
    assert len(fig_text("x" * 500)) == 160
    # shortening or cleaning never merges two categories
    labels = fig_labels(["a" * 70 + "1", "a" * 70 + "2", "b\u202e", "b", "a" * 70 + "1"])
    assert len(set(labels[:4])) == 4 and labels[0] == labels[4]
    assert all(len(x) <= 64 for x in labels)
    hover = fig_hover("y" * 200)
    assert hover.count("<br>") == 2
    assert clean("\u200fשלום\u200e") == "\u200fשלום\u200e"  # direction marks stay
    assert isolate("שלום") == "\u2068שלום\u2069" and isolate("plain") == "plain"
    # a name cannot close the isolate around it, and an unclosed one is closed
    assert isolate("x\u2069\u202ey") == "xy"
    assert isolate("ש\u2069\u202ey") == "\u2068שy\u2069"
    assert balance_bidi("\u2069a\u2068b") == "a\u2068b\u2069"
    assert balance_bidi("\u202ba\u202c\u2066b\u2067") == "ab"


def test_change_points_figure_of_a_long_series_is_decimated():
    import dataclasses

    from leankit import rca

    rng = np.random.default_rng(14)
    df = pd.DataFrame({"t": pd.date_range("2026-01-01", periods=200, freq="min", tz="UTC"),
                       "v": np.r_[rng.normal(0, 1, 100), rng.normal(3, 1, 100)]})
    cp = rca.change_points(df, value="v", time="t")
    n = 50_000
    y = rng.normal(0, 1, n)
    y[12_345] = 40.0
    long = dataclasses.replace(cp, values=y, times=pd.date_range(
        "2026-01-01", periods=n, freq="s", tz="UTC"))
    fig = long.figure()
    drawn = fig.data[0].y
    assert len(drawn) <= 4 * 2000 + 10 and fig.data[0].type == "scattergl"
    assert drawn.max() == 40.0 and drawn.min() == y.min()
    assert any("Decimated view" in (a.text or "") for a in fig.layout.annotations)
