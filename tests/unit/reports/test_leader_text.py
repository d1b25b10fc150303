"""Report text for production leaders (issue 12, item 4): numbers rounded for reading,
no internal names, one defined ratio per finding, a legend for the colours.

The expected values are computed here independently (by hand from the counts, or with
plain arithmetic on the frame); the formatting rules are those of the issue: 3
significant digits, thousands separators, p below 0.001 as "< 0.001", fractions as %.
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leankit import rca
from leankit.reports import Block, Report, Table
from leankit.reports._adapters import mix_text, panel_words, signals_in_words, vital_few_text
from leankit.reports._report import format_number, header_words


# ------------------------------------------------------------------ table cells
def _cells(df: pd.DataFrame, **kw: object) -> list[str]:
    return [c for c, _ in Table.from_frame(df, **kw).rows[0]]


def test_numbers_three_significant_digits_and_thousands():
    df = pd.DataFrame({"effect_size": [0.911187], "ppm": [2350.35], "total": [1599],
                       "minutes": [919.033], "small": [0.000012345], "whole": [308.0],
                       "big": [15135.0], "neg": [-7.13355]})
    assert _cells(df) == ["0.911", "2,350", "1,599", "919", "0.0000123", "308", "15,135",
                          "-7.13"]


def test_p_values_below_0001_are_not_printed_as_exponents():
    df = pd.DataFrame({"p_value": [9.8502e-70], "p_adjusted": [0.000219294],
                       "welch_p": [0.0222], "kruskal_p": [0.81]})
    cells = _cells(df)
    assert cells == ["< 0.001", "< 0.001", "0.0222", "0.81"]
    assert not any("e-" in c for c in cells)


def test_known_fraction_columns_are_percentages():
    df = pd.DataFrame({"availability": [0.990794], "performance": [0.901844],
                       "quality": [0.96969], "oee": [0.866459], "scrap_rate": [0.019],
                       "rate": [0.117066]})  # a defect rate per unit is not a percentage
    assert _cells(df) == ["99.1 %", "90.2 %", "97 %", "86.6 %", "1.9 %", "0.117"]


def test_headers_are_words_with_units():
    df = pd.DataFrame({"rate_ratio": [1.0], "cumulative_percent": [1.0], "p_adjusted": [1.0],
                       "baseline_subgroups": [1], "ppm (expected)": [1.0], "mean": [1.0]})
    t = Table.from_frame(df, units={"mean": "mm"})
    assert t.columns == ["rate ratio", "cumulative %", "p (adjusted)", "baseline subgroups",
                         "ppm (expected)", "mean (mm)"]
    assert header_words("sigma_z_reading") == "sigma z reading"
    assert not any("_" in c for c in t.columns)


def test_limit_rows_keep_the_digits_their_width_needs():
    # the bore chart's limits (demo, W44): centre 24.9999 between 24.9859 and 25.0140;
    # 3 significant digits of every value would print "25" three times
    df = pd.DataFrame({"panel": ["xbar", "s"], "center": [24.99993, 0.0076749],
                       "lcl": [24.98594, 0.0], "ucl": [25.01401, 0.0183926]})
    rows = [[c for c, _ in r] for r in Table.from_frame(df).rows]
    assert rows[0][1:] == ["24.9999", "24.9859", "25.0140"]
    assert rows[1][1:] == ["0.0077", "0", "0.0184"]


def test_csv_keeps_full_precision():
    df = pd.DataFrame({"p_value": [9.8502e-70], "oee": [0.866459]})
    t = Table.from_frame(df)
    assert t.csv.splitlines()[1] == "9.8502e-70,0.866459"


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_format_number_rounds_to_three_significant_digits(x: float):
    text = format_number(x)
    assert "e" not in text or abs(x) < 1e-9
    back = float(text.replace(",", ""))
    if abs(x) >= 1000:
        assert back == round(x)
    elif x != 0:
        # within half a unit of the third significant digit
        assert abs(back - x) <= 0.5 * 10 ** (math.floor(math.log10(abs(x))) - 2) * 1.0001


# ------------------------------------------------------------ one ratio per finding
_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_FINDING = re.compile(rf"{_NUM}× the rest's rate \(95 % CI {_NUM}–{_NUM}\): "
                      rf"{_NUM} defects where the rest's rate predicts {_NUM}")


def test_stratify_finding_states_the_rate_ratio_and_what_the_rest_predicts():
    # level b / n: 12 defects in 100 units; the rest 2 + 3 + 2 = 7 in 300 units
    df = pd.DataFrame({"machine": ["a", "a", "b", "b"], "shift": ["d", "n", "d", "n"],
                       "defects": [2, 3, 2, 12], "units": [100, 100, 100, 100]})
    text = rca.stratify(df, by=["machine", "shift"], count="defects", size="units").finding()
    rr = (12 / 100) / (7 / 300)  # 5.142857
    se = math.sqrt(1 / 12 + 1 / 7)  # log rate ratio (Rothman, Modern Epidemiology)
    lo, hi = rr * math.exp(-1.959964 * se), rr * math.exp(1.959964 * se)
    assert text == (f"machine × shift = b / n: defects per unit {rr:.1f}× the rest's rate "
                    f"(95 % CI {lo:.1f}–{round(hi)}): 12 defects where the rest's rate "
                    f"predicts {100 * 7 / 300:.1f}.")
    assert "expected" not in text


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(50, 2000)), min_size=3,
                max_size=6))
def test_stratify_ratio_and_prediction_agree_with_the_counts(cells: list[tuple[int, int]]):
    df = pd.DataFrame({"machine": [f"m{i}" for i in range(len(cells))],
                       "defects": [k for k, _ in cells], "units": [e for _, e in cells]})
    if df["defects"].sum() == 0:
        return
    res = rca.stratify(df, by=["machine"], count="defects", size="units")
    m = _FINDING.search(res.finding())
    if m is None:  # a finding without a ratio: nothing stands out
        assert "stands out" in res.finding() or "∞" in res.finding()
        return
    top = df.set_index("machine").loc[res.top["level"]]
    rest = df[df["machine"] != res.top["level"]]
    rest_rate = rest["defects"].sum() / rest["units"].sum()
    rr = (top["defects"] / top["units"]) / rest_rate
    shown = float(m.group(1))
    assert shown == pytest.approx(rr, abs=0.051 if rr < 10 else 0.51)
    assert int(m.group(4).replace(",", "")) == top["defects"]
    predicts = top["units"] * rest_rate
    predicted = float(m.group(5).replace(",", "").rstrip("."))  # a sentence's last number
    assert predicted == pytest.approx(predicts, rel=0.051, abs=0.51)
    # the ratio of the sentence's counts is the ratio it states
    if predicts >= 10:
        assert top["defects"] / predicted == pytest.approx(rr, rel=0.06)


def test_driver_terms_in_words_and_its_ratio_is_the_stratification_ratio():
    df = pd.DataFrame({"m": list("aabb") * 10, "s": list("dndn") * 10,
                       "k": [2, 3, 2, 12] * 10, "n": [100] * 40})
    model = rca.drivers(df, outcome="k", factors=["m", "s"], exposure="n")
    assert set(model.anova["driver"]) == {"m", "s", "m × s"}
    assert model.anova.set_index("driver").loc["m × s", "term"] == "C(Q('m')):C(Q('s'))"
    text = model.finding()
    assert "C(Q(" not in text and "(interaction)" not in text
    # saturated Poisson model: fitted = observed, so the ratio vs the rest is
    # (120/1000) / (70/3000) as in the stratification
    top = model.cells.iloc[0]
    assert (top["m"], top["s"]) == ("b", "n")
    assert top["rate_ratio"] == pytest.approx((120 / 1000) / (70 / 3000), rel=1e-6)
    assert "5.1× the rest's rate" in text
    strat = rca.stratify(df, by=["m", "s"], count="k", size="n")
    assert strat.top["rate_ratio"] == pytest.approx(top["rate_ratio"], rel=1e-6)


# ------------------------------------------------------------------ adapter texts
def test_mix_text_never_prints_an_exponent():
    movers = pd.DataFrame({"category": ["Burr"], "change_points": [4.25]})
    changed = mix_text(SimpleNamespace(p_value=9.85e-70, movers=movers))
    assert changed == ("The mix changed (χ² test, p < 0.001). Biggest movers: Burr "
                       "(+4.2 percentage points).")
    assert mix_text(SimpleNamespace(p_value=0.81234, movers=movers)) == (
        "No significant change of the mix (χ² test, p = 0.812).")


def test_vital_few_text_words_and_rounding():
    p = rca.pareto(pd.DataFrame({"defect_type": ["Burr"] * 3 + ["Scratch"] * 2 + ["Dent"],
                                 "defect_count": [400, 164, 1, 300, 132, 602]}),
                   category="defect_type", count="defect_count")
    text = vital_few_text(p)
    assert "defect count (1,599)" in text and "_" not in text
    assert re.search(r"\d\.\d{2,}", text) is None  # no long decimals


def test_signals_in_words_local_time_and_panel_words():
    sig = pd.DataFrame({"panel": ["xbar", "mr"], "subgroup": ["L1-BD-000705", "7"],
                        "time": [pd.Timestamp("2026-10-28 14:00", tz="UTC"),
                                 pd.Timestamp("2026-07-01 10:00", tz="UTC")],
                        "phase": "II", "description": "Point outside the control limits"})
    words = signals_in_words(SimpleNamespace(signals=sig), tz="Europe/Berlin")
    assert words == [
        "Wed 28 Oct 15:00 CET, X̄ (subgroup means) chart, subgroup L1-BD-000705: Point "
        "outside the control limits",
        "Wed 01 Jul 12:00 CEST, moving range chart, subgroup 7: Point outside the control "
        "limits"]
    assert panel_words("ewma") == "EWMA" and panel_words("custom") == "custom"


# ------------------------------------------------------------------------ legend
def test_legend_names_every_colour_in_words_when_the_report_uses_colours():
    rep = Report(title="t")
    rep.item("Charts", "bore", [Block("text", "x")], badge=("special cause", "bad"))
    html = rep.to_html()
    legend = re.search(r'<p class="lk-note lk-legend">(.*?)</p>', html, re.S)
    assert legend is not None
    for words in ("green</span> fine", "amber</span> watch", "red</span> act",
                  "grey</span> information"):
        assert words in legend.group(1)
    plain = Report(title="t")
    plain.section("S").blocks.append(Block("text", "x"))
    assert "lk-legend" not in plain.to_html()


def test_every_badge_carries_words():
    rep = Report(title="t")
    rep.item("Charts", "bore", [Block("text", "x")], badge=("special cause", "bad"))
    rep.item("Charts", "length", [Block("text", "x")], badge=("common cause", "good"))
    html = rep.to_html()
    badges = re.findall(r'<span class="lk-badge [a-z]+">([^<]*)</span>', html)
    assert badges and all(b.strip() for b in badges)
    assert np.isin(["special cause", "common cause"], badges).all()
