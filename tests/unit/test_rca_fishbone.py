"""Unit tests of ``rca.fishbone``: the table, categories (6M default, extra, given),
statuses, clear errors, and the Ishikawa figure (ribs, causes, colours by status, escaped
hostile text)."""

from __future__ import annotations

import dataclasses
import json
import pickle
import re
from typing import Any

import pandas as pd
import pytest

from leankit import rca
from leankit.errors import ColumnNotFoundError, LeankitError
from leankit.rca._fishbone import SIX_M, FishboneError
from leankit.rca._fishbone_figure import STATUS_STYLE

CAUSES = [
    {"category": "Machine", "cause": "Worn feeder", "status": "Verified",
     "evidence": "rate ratio 3.1 (95 % CI 2.4 to 4.0)"},
    {"category": "method", "cause": "No set-up check", "status": "OPEN", "evidence": None},
    {"category": "Material", "cause": "Supplier B lot", "status": "refuted",
     "evidence": "no difference by supplier (p = 0.62)"},
    {"category": "Manpower", "cause": "New operator on nights", "status": "not_verified",
     "evidence": ""},
    {"category": "Mother Nature", "cause": "Humidity", "status": "verified", "evidence": ""},
    {"category": "Tooling", "cause": "Punch not reground", "status": "not verified",
     "evidence": "changeover log"},
]


def _fb(**kw: object) -> rca.Fishbone:
    return rca.fishbone(CAUSES, effect="Burrs on L2", **kw)  # type: ignore[arg-type]


def test_table_and_categories() -> None:
    fb = _fb()
    assert fb.categories == (*SIX_M, "Tooling")
    f = fb.to_frame()
    assert list(f.columns) == ["category", "cause", "status", "evidence"]
    assert f["category"].tolist() == ["Machine", "Method", "Material", "Man", "Environment",
                                      "Tooling"]
    # statuses normalised; the verified cause without evidence is shown as not verified
    assert f["status"].tolist() == ["verified", "open", "refuted", "not verified",
                                    "not verified", "not verified"]
    assert f["evidence"].tolist()[:2] == ["rate ratio 3.1 (95 % CI 2.4 to 4.0)", ""]
    assert any("Humidity" in n and "without evidence" in n for n in fb.notes)
    assert fb.verified["cause"].tolist() == ["Worn feeder"]
    assert f is not fb.table  # a copy


def test_counts_summary_repr() -> None:
    fb = _fb()
    c = fb.counts()
    assert c["category"].tolist() == list(fb.categories)
    assert c.set_index("category").loc["Measurement", "total"] == 0
    assert c[["verified", "refuted", "open", "not verified"]].to_numpy().sum() == 6
    assert repr(fb) == ("<Fishbone 'Burrs on L2': 7 categories, 6 causes (1 verified, 1 "
                        "refuted, 1 open, 3 not verified)>")
    text = str(fb.summary())
    assert "Causes per category" in text and "Verified causes" in text


def test_given_categories_exactly() -> None:
    fb = rca.fishbone([{"category": "people", "cause": "x"}, {"category": "Tools", "cause": "y"}],
                      effect="E", categories=["People", "Tools", "Rules"])
    assert fb.categories == ("People", "Tools", "Rules")
    assert fb.to_frame()["category"].tolist() == ["People", "Tools"]
    assert fb.to_frame()["status"].tolist() == ["open", "open"]
    assert any("every cause is shown as open" in n for n in fb.notes)


def test_unknown_category_lists_allowed() -> None:
    with pytest.raises(FishboneError, match=r"'Machin' \(row\(s\) \[1\]\) is not in "
                                            r"categories=; allowed: Man, Machine.*did you mean "
                                            r"'Machine'") as info:
        rca.fishbone([{"category": "Man", "cause": "a"}, {"category": "Machin", "cause": "b"}],
                     effect="E", categories=list(SIX_M))
    assert isinstance(info.value, LeankitError) and isinstance(info.value, ValueError)


def test_dataframe_input_and_column_names() -> None:
    df = pd.DataFrame({"bone": ["Machine", "Method"], "text": ["a", "b"],
                       "state": ["refuted", "verified"], "proof": ["p=0.5", "chart signal"]})
    fb = rca.fishbone(df, effect="E", category="bone", cause="text", status="state",
                      evidence="proof")
    assert fb.to_frame()["status"].tolist() == ["refuted", "verified"]
    with pytest.raises(ColumnNotFoundError, match="did you mean 'state'"):
        rca.fishbone(df, effect="E", category="bone", cause="text", status="stat")


def test_empty_causes_draw_the_bones() -> None:
    fb = rca.fishbone(pd.DataFrame(), effect="Scrap on L1")
    assert fb.categories == SIX_M and fb.to_frame().empty
    fig = fb.figure()
    assert sum(s.name == "rib" for s in fig.layout.shapes) == 6


@pytest.mark.parametrize(("causes", "kwargs", "match"), [
    (CAUSES, {"effect": "  "}, "effect= must be the problem in words"),
    ([{"category": "Man", "cause": "a", "status": "maybe"}], {}, "status 'maybe'.*is not one "
                                                                 "of 'verified'"),
    ([{"category": "Man", "cause": "a", "status": "verifed"}], {}, "did you mean 'verified'"),
    ([{"category": None, "cause": "a"}], {}, r"row\(s\) \[0\] have no 'category'"),
    ([{"category": "Man", "cause": " "}], {}, r"row\(s\) \[0\] have an empty 'cause'"),
    ("Man: a", {}, "causes must be a DataFrame or a list of dicts"),
    ([{"category": "Man", "cause": "a"}, "b"], {}, r"item\(s\) \[1\] are not"),
    ([{"category": "Man", "cause": "a"}], {"categories": []}, "non-empty list"),
    ([{"category": "Man", "cause": "a"}], {"categories": ["Man", "man"]}, "more than once"),
])
def test_errors(causes: object, kwargs: dict[str, object], match: str) -> None:
    kw = {"effect": "E", **kwargs}
    with pytest.raises(FishboneError, match=match):
        rca.fishbone(causes, **kw)  # type: ignore


def test_missing_cause_column() -> None:
    with pytest.raises(ColumnNotFoundError, match="'cause' is not in the causes"):
        rca.fishbone([{"category": "Man", "text": "a"}], effect="E")


def test_frozen_picklable_public_module() -> None:
    fb = _fb()
    with pytest.raises(dataclasses.FrozenInstanceError):
        fb.effect = "x"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(fb)).to_frame().equals(fb.to_frame())
    assert type(fb).__module__ == "leankit.rca"


def test_input_not_mutated() -> None:
    df = pd.DataFrame(CAUSES)
    before = df.copy()
    rca.fishbone(df, effect="E")
    pd.testing.assert_frame_equal(df, before)


# ------------------------------------------------------------------ figure


def _named(fig: Any, kind: str, name: str) -> list[Any]:
    items = fig.layout.shapes if kind == "shape" else fig.layout.annotations
    return [x for x in items if x.name == name]


def test_figure_one_rib_per_category_and_cause_annotations() -> None:
    fb = _fb()
    fig = fb.figure()
    assert len(fig.data) == 0  # shapes and annotations only
    assert len(_named(fig, "shape", "rib")) == len(fb.categories) == 7
    assert len(_named(fig, "shape", "spine")) == 1
    assert len(_named(fig, "shape", "twig")) == 6
    cats = _named(fig, "annotation", "category")
    assert [a.text for a in cats] == [f"<b>{c}</b>" for c in fb.categories[0::2]] + \
        [f"<b>{c}</b>" for c in fb.categories[1::2]]
    causes = _named(fig, "annotation", "cause")
    assert len(causes) == 6
    assert len(_named(fig, "annotation", "effect")) == 1
    legend = _named(fig, "annotation", "legend")[0].text
    for words in ("verified", "refuted", "open", "not verified (claimed, no evidence) (3)"):
        assert words in legend
    assert not fig.layout.xaxis.visible and not fig.layout.yaxis.visible
    assert not fig.layout.xaxis.showgrid and not fig.layout.yaxis.showgrid


def test_figure_colours_and_marks_by_status() -> None:
    fb = _fb()
    fig = fb.figure()
    by_text = {a.hovertext.split(" — ")[0]: a for a in _named(fig, "annotation", "cause")}
    for _, row in fb.to_frame().iterrows():
        a = by_text[row["cause"]]
        colour, symbol, _ = STATUS_STYLE[row["status"]]
        assert a.font.color == colour
        assert a.text.endswith(symbol)
        assert a.hoverlabel.bordercolor == colour
    refuted = by_text["Supplier B lot"]
    assert refuted.text.startswith("<s>") and "</s>" in refuted.text
    assert "no difference by supplier (p = 0.62)" in refuted.hovertext
    assert "(no evidence given)" in by_text["No set-up check"].hovertext
    twigs = {s.line.color for s in _named(fig, "shape", "twig")}
    assert twigs == {STATUS_STYLE[s][0] for s in fb.to_frame()["status"]}


def test_figure_ribs_alternate_above_and_below() -> None:
    fig = _fb().figure()
    ribs = _named(fig, "shape", "rib")
    # the first rib of each side: outer end above the spine for the top, below for the bottom
    tops = [r for r in ribs if r.y0 > 0]
    bottoms = [r for r in ribs if r.y0 < 0]
    assert (len(tops), len(bottoms)) == (4, 3)
    assert all(r.y1 == 0 and r.x1 > r.x0 for r in ribs)  # slanted toward the head


def test_figure_long_labels_wrapped_and_eight_causes() -> None:
    long = "Coolant concentration drifts low after the weekend restart " * 3
    causes = [{"category": "Machine", "cause": f"{i}: {long}", "status": "open"}
              for i in range(8)]
    fig = rca.fishbone(causes, effect="E").figure()
    labels = [a.text for a in _named(fig, "annotation", "cause")]
    assert len(labels) == 8
    for t in labels:
        lines = t.split("<br>")
        assert len(lines) == 2 and all(len(x) <= 30 for x in lines)
        assert "…" in lines[1]
    ys = sorted(a.y for a in _named(fig, "annotation", "cause"))
    gaps = [b - a for a, b in zip(ys, ys[1:], strict=False)]
    assert min(gaps) >= 2 * 11 * 1.25  # two lines of 11 px labels fit between twigs


HOSTILE = ["<script>alert(1)</script>", "<a href='javascript:x'>x</a>", "<b>"]


def test_hostile_text_is_escaped_in_figure_json() -> None:
    causes = [{"category": h, "cause": h, "status": "verified", "evidence": h} for h in HOSTILE]
    causes.append({"category": "Man", "cause": "ok\u202eevil", "status": "open"})
    fb = rca.fishbone(causes, effect=HOSTILE[0])
    fig = fb.figure(title=HOSTILE[1])
    js = fig.to_json()
    for h in HOSTILE:
        assert h not in js
    payload = json.loads(js)
    texts = [a.get("text", "") for a in payload["layout"]["annotations"]]
    texts += [a.get("hovertext", "") for a in payload["layout"]["annotations"]]
    texts.append(payload["layout"]["title"]["text"])
    joined = "\n".join(texts)
    assert "&lt;script&gt;alert(1)&lt;/script" in joined
    assert "&lt;a href='javascript:x'&gt;x&lt;/a&gt;" in joined
    assert "&lt;b&gt;" in joined
    assert "\u202e" not in joined and "okevil" in joined
    # the only markup is the figure's own (bold boxes, strike-through, line breaks, the
    # legend's coloured spans): without it, no "<" is left
    own = re.sub(r"</?(b|s|br)>|<span style='color:#[0-9a-f]{6}'>|</span>", "", joined)
    assert "<" not in own and ">" not in own


def test_computation_does_not_import_plotly() -> None:
    """The effect checks and the fishbone compute with plotly blocked; only .figure()
    needs it."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['plotly'] = None\n"
            "from leankit import rca\n"
            "fb = rca.fishbone([{'category': 'Man', 'cause': 'a'}], effect='E')\n"
            "r = rca.compare_rates(10, 100, 2, 100)\n"
            "m = rca.compare_measurements([1.0, 2.0, 3.0], [1.0, 1.5, 2.0], usl=5)\n"
            "print(len(fb.to_frame()), r.verdict, m.index)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "1 improved Ppu"
