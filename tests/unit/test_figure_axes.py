"""Every figure's axes say what they show and in which unit (leankit issue 12, item 2).

Control charts of every built-in family, the capability figure, the rca figures (Pareto,
mix comparison, stratification, drivers, change points) and the lean figures (OEE,
downtime Pareto, yield): each axis has a title, the unit given appears on the axes that
plot the value, the capability histogram is a density (its bar areas add up to 1,
checked against numpy's own density histogram) for a normal and a lognormal fit, and no
figure title shows a class name.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leankit import lean, rca, spc
from leankit.spc._figures import AXIS_TITLE_CHARS, axis_title, chart_axis_titles

#: A CamelCase word ("DowntimePareto", "YieldMetrics"): a class name leaking into a title.
CAMEL = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]*\b")


def _text(t: Any) -> str:
    """An axis/figure title as the reader sees it (line breaks as spaces, unescaped)."""
    return html.unescape(str(t or "")).replace("<br>", " ")


def _axes(fig: Any) -> dict[str, str]:
    """Axis name -> title text of every axis that carries a trace and shows its ticks
    (the upper panels of a chart share the bottom panel's time axis)."""
    used = {t.xaxis or "x" for t in fig.data} | {t.yaxis or "y" for t in fig.data}
    names = {("xaxis" if a == "x" else f"xaxis{a[1:]}") if a.startswith("x") else
             ("yaxis" if a == "y" else f"yaxis{a[1:]}") for a in used}
    return {n: _text(fig.layout[n].title.text) for n in sorted(names)
            if fig.layout[n].showticklabels is not False}


def _ys(fig: Any) -> list[str]:
    return [t for n, t in _axes(fig).items() if n.startswith("yaxis")]


# ------------------------------------------------------------------- control charts
@pytest.fixture(scope="module")
def meas() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "bore_diameter": rng.normal(10.0, 0.05, 100), "sg": np.repeat(np.arange(20), 5),
        "t": pd.date_range("2026-10-26", periods=100, freq="h", tz="Europe/Berlin"),
        "part": np.tile(["A", "B"], 50)})


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    return pd.DataFrame({"defects": rng.poisson(6, 30), "inspected": rng.integers(90, 110, 30)})


def _chart(family: str, meas: pd.DataFrame, counts: pd.DataFrame) -> spc.ControlChart:
    fam = spc.get_family(family)
    if fam.input == "counts":
        if family in ("np", "c"):  # constant sample size
            counts = counts.assign(inspected=100)
        return spc.chart(counts, type=family, count="defects", size="inspected")
    if family in ("g", "t", "t_transform"):
        gaps = pd.DataFrame({"gap": np.random.default_rng(9).exponential(20, 30).round(1) + 1})
        if family == "g":  # whole numbers of cases
            gaps = gaps.round(0)
        return spc.chart(gaps, type=family, value="gap")
    if family == "zmr":
        return spc.chart(meas, type="zmr", value="bore_diameter", part="part")
    if fam.input == "subgroups":
        return spc.chart(meas, type=family, value="bore_diameter", subgroup="sg")
    return spc.chart(meas, type=family, value="bore_diameter")


BUILT_IN = ("xbar_r", "xbar_s", "i_mr", "p", "np", "c", "u", "laney_p", "laney_u", "ewma",
            "cusum", "g", "t", "t_transform", "run", "zmr")
#: Families whose main axes plot the measured value (its unit must show).
VALUE_UNIT = ("xbar_r", "xbar_s", "i_mr", "ewma", "run")


@pytest.mark.parametrize("family", BUILT_IN)
def test_every_control_chart_axis_has_a_title(family: str, meas: pd.DataFrame,
                                              counts: pd.DataFrame) -> None:
    chart = _chart(family, meas, counts)
    fig = chart.figure(unit="mm")
    axes = _axes(fig)
    assert all(axes.values()), axes
    assert len(_ys(fig)) == len(chart.panel_names)
    if family in VALUE_UNIT:
        assert all(t.endswith("(mm)") for t in _ys(fig)), axes
    plain = _axes(chart.figure())
    if family in VALUE_UNIT:  # no unit given: no empty "()" and no unit invented
        assert all("(" not in t for n, t in plain.items() if n.startswith("yaxis")), plain
    assert not CAMEL.search(_text(fig.layout.title.text))


def test_control_chart_titles_name_statistic_value_and_unit(meas: pd.DataFrame,
                                                            counts: pd.DataFrame) -> None:
    xr = spc.xbar_r(meas, value="bore_diameter", subgroup="sg")
    assert _ys(xr.figure(unit="mm")) == ["X̄ of bore_diameter (mm)", "R (mm)"]
    xs = spc.xbar_s(meas, value="bore_diameter", subgroup="sg")
    assert _ys(xs.figure(unit="mm")) == ["X̄ of bore_diameter (mm)", "S (mm)"]
    im = spc.i_mr(meas, value="bore_diameter")
    assert _ys(im.figure(unit="mm", value_label="bore")) == ["bore (mm)", "MR (mm)"]
    ew = spc.chart(meas, type="ewma", value="bore_diameter", subgroup="sg")
    assert _ys(ew.figure(unit="mm")) == ["EWMA of the means (mm)"]
    ew1 = spc.chart(meas, type="ewma", value="bore_diameter")
    assert _ys(ew1.figure(unit="mm")) == ["EWMA of bore_diameter (mm)"]
    u = spc.u_chart(counts, count="defects", size="inspected")
    assert _ys(u.figure()) == ["u (defects per unit)"]
    cu = spc.chart(meas, type="cusum", value="bore_diameter", subgroup="sg")
    assert _ys(cu.figure(unit="mm")) == ["C⁺ (sigmas of the mean)", "C⁻ (sigmas of the mean)"]
    g = _chart("g", meas, counts)
    assert _ys(g.figure()) == ["g (cases between events)"]
    assert _ys(g.figure(unit="days")) == ["g (days between events)"]


def test_transformed_data_say_so(meas: pd.DataFrame) -> None:
    logged = meas.assign(log_value=np.log(meas["bore_diameter"]))
    chart = spc.i_mr(logged, value="log_value")
    fig = chart.figure(unit="µm", value_label="runout", transformation="log")
    assert _ys(fig) == ["log of runout (log µm)", "MR (log µm)"]
    res = spc.i_mr(meas, value="bore_diameter")
    titles = chart_axis_titles(res, unit="°C", value_label="bath_temperature",
                               transformation="ar1_residuals")
    assert titles["i"] == "AR(1) residual of bath_temperature (°C)"
    with pytest.raises(ValueError, match="transformation= must be one of"):
        res.figure(transformation="sqrt")


def test_x_axis_time_zone_order_and_override(meas: pd.DataFrame) -> None:
    timed = spc.i_mr(meas, value="bore_diameter", time="t")
    bottom = timed.figure().layout.xaxis2.title.text
    assert bottom == "time (Europe/Berlin)"
    assert timed.figure(time_label="time (CET)").layout.xaxis2.title.text == "time (CET)"
    sub = spc.xbar_r(meas, value="bore_diameter", subgroup="sg")
    assert sub.figure().layout.xaxis2.title.text == "subgroup"
    assert spc.i_mr(meas, value="bore_diameter").figure().layout.xaxis2.title.text == \
        "observation"


def test_axes_make_room_for_their_titles(meas: pd.DataFrame) -> None:
    """Print width (~680 px) must not cut a y-axis title on the left: every axis pushes
    the margin out for its title (automargin)."""
    ew = spc.chart(meas, type="ewma", value="bore_diameter", subgroup="sg")
    fig = ew.figure(compact=True, unit="mm")
    assert fig.layout.yaxis.automargin and fig.layout.xaxis.automargin
    long = spc.i_mr(meas, value="bore_diameter").figure(
        unit="°C", value_label="bath_temperature", transformation="ar1_residuals")
    lines = long.layout.yaxis.title.text.split("<br>")
    assert len(lines) == 2 and all(len(x) <= AXIS_TITLE_CHARS for x in lines)


@given(st.text(alphabet="ab (µ)_", min_size=0, max_size=90))
def test_axis_title_keeps_the_words(text: str) -> None:
    from leankit._text import shorten

    out = axis_title(text)
    assert out.count("<br>") <= 1
    assert html.unescape(out.replace("<br>", " ")) == html.unescape(
        html.escape(shorten(text, 2 * AXIS_TITLE_CHARS), quote=False))


# ------------------------------------------------------------------------ capability
@pytest.mark.parametrize("distribution", ["normal", "lognormal"])
def test_capability_histogram_is_a_density(distribution: str) -> None:
    rng = np.random.default_rng(3)
    x = rng.lognormal(1.0, 0.3, 300) if distribution == "lognormal" else rng.normal(3, 0.5, 300)
    cap = spc.capability(pd.DataFrame({"runout": x}), value="runout", usl=12.0,
                         distribution=distribution)
    fig = cap.figure(unit="µm")
    assert fig.layout.yaxis.title.text == "density"
    assert fig.layout.xaxis.title.text == "runout (µm)"
    assert _axes(fig)["yaxis2"] == "runout (µm)" and _axes(fig)["xaxis2"].endswith("(µm)")
    bars = fig.data[0]
    area = float(np.sum(np.asarray(bars.y, float) * np.asarray(bars.width, float)))
    assert area == pytest.approx(1.0, rel=1e-9)
    dens, _ = np.histogram(x, bins=np.histogram_bin_edges(x, bins="fd"), density=True)
    np.testing.assert_allclose(np.asarray(bars.y, float), dens, rtol=1e-12)
    assert not CAMEL.search(_text(fig.layout.title.text))


# ------------------------------------------------------------------------------- rca
@pytest.fixture(scope="module")
def defects() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 120
    return pd.DataFrame({
        "defect_type": rng.choice(["scratch", "dent", "burr", "porosity"], n,
                                  p=[0.5, 0.25, 0.15, 0.1]),
        "machine": rng.choice(["M1", "M2", "M3"], n), "shift": rng.choice(["day", "night"], n),
        "count": rng.poisson(3, n) + 1, "inspected": rng.integers(80, 120, n)})


def test_rca_figures_axes(defects: pd.DataFrame) -> None:
    par = rca.pareto(defects, category="defect_type", count="count")
    fig = par.figure(value_label="defects", unit="count")
    axes = _axes(fig)
    assert axes == {"xaxis": "defect_type", "yaxis": "defects (count)",
                    "yaxis2": "cumulative %"}
    assert _axes(par.figure())["yaxis"] == "count"
    cmp = rca.compare(defects[defects["shift"] == "day"], defects[defects["shift"] == "night"],
                      category="defect_type", count="count")
    assert _axes(cmp.figure(value_label="defects"))["yaxis"] == "share of defects (%)"
    strat = rca.stratify(defects, by=["machine", "shift"], count="count", size="inspected")
    axes = _axes(strat.figure())
    assert {t for n, t in axes.items() if n.startswith("yaxis")} == {"rate (defects per unit)"}
    assert {t for n, t in axes.items() if n.startswith("xaxis")} <= {
        "machine", "shift", "machine × shift"}
    rng = np.random.default_rng(5)
    m = pd.DataFrame({"g": np.repeat(["a", "b", "c"], 20), "h": list("pq") * 30,
                      "v": rng.normal(0, 1, 60) + np.repeat([0.0, 2.0, 0.0], 20)})
    assert set(_ys(rca.stratify(m, by="g", value="v").figure(
        value_label="bore", unit="mm"))) == {"mean of bore (mm)"}
    drv = rca.drivers(m, outcome="v", factors=["g", "h"])
    assert _axes(drv.figure()) == {"xaxis": "F statistic", "yaxis": "model term"}
    ts = pd.DataFrame({"value": np.r_[rng.normal(10, 0.1, 60), rng.normal(10.5, 0.1, 60)],
                       "timestamp": pd.date_range("2026-10-26", periods=120, freq="h",
                                                  tz="UTC")})
    cp = rca.change_points(ts, value="value", time="timestamp")
    assert _axes(cp.figure(unit="mm", value_label="bore_diameter")) == {
        "xaxis": "time (UTC)", "yaxis": "bore_diameter (mm)"}
    for r in (par, cmp, strat, drv, cp):
        title = _text(r.figure().layout.title.text)  # type: ignore[attr-defined]
        assert title and not CAMEL.search(title), title


# ------------------------------------------------------------------------------ lean
@pytest.fixture(scope="module")
def shifts() -> pd.DataFrame:
    return pd.DataFrame({
        "period_start": pd.to_datetime(["2026-10-26 04:00", "2026-10-26 12:00",
                                        "2026-11-02 04:00", "2026-11-02 12:00"], utc=True),
        "line": ["L1"] * 4, "machine": ["M1", "M2", "M1", "M2"],
        "planned_time": [450.0] * 4, "run_time": [420.0, 400.0, 450.0, 430.0],
        "downtime": [30.0, 50.0, 0.0, 20.0],
        "downtime_reason": ["Feeder jam", "Changeover", None, "Feeder jam"],
        "ideal_cycle_time": [60.0, 30.0, 60.0, 30.0],
        "total_count": [400, 760, 440, 800], "good_count": [390, 740, 436, 790],
        "scrap_count": [6, 10, 2, 6], "rework_count": [4, 10, 2, 4]})


def test_lean_figures_axes(shifts: pd.DataFrame) -> None:
    one = lean.oee(shifts[shifts["machine"] == "M1"].head(1), by=None).figure()
    assert _axes(one)["yaxis"] == "time (min)" and _axes(one)["xaxis"]
    many = _axes(lean.oee(shifts, by="machine").figure())
    assert many == {"xaxis": "machine", "yaxis": "share of planned time (%)"}
    trend = _axes(lean.oee(shifts, by="machine", period="week").figure())
    assert trend["yaxis"] == "OEE (%)" and trend["xaxis"] == "week"
    dp = lean.downtime_pareto(shifts)
    assert _axes(dp.figure()) == {"xaxis": "reason", "yaxis": "downtime (min)",
                                  "yaxis2": "cumulative %"}
    y = lean.yield_metrics(shifts, by="machine")
    assert _axes(y.figure()) == {"xaxis": "machine", "yaxis": "first-pass yield (%)"}
    yp = lean.yield_metrics(shifts, by="machine", period="week")
    assert _axes(yp.figure())["xaxis"] == "week"


def test_lean_titles_are_plain_words(shifts: pd.DataFrame) -> None:
    dp = lean.downtime_pareto(shifts)
    title = _text(dp.figure().layout.title.text)
    assert title.startswith("Downtime by reason: 100 min, top "), title
    for r in (lean.oee(shifts, by="machine"), dp, lean.yield_metrics(shifts, by="machine")):
        t = _text(r.figure().layout.title.text)
        assert t and not CAMEL.search(t), t
