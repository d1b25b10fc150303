"""Behaviour of ``leankit.rca`` on the sample plant (planted phenomena from
``sample_data/truth.json``) and on degenerate input: errors, warnings, figures,
summaries, result objects."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from leankit import rca
from leankit.errors import (
    ColumnNotFoundError,
    DataQualityWarning,
    InsufficientDataError,
    LeankitWarning,
    SchemaError,
)

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "sample_data"


# ---------------------------------------------------------------- the sample plant


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    from leankit import io as lio

    out = tmp_path_factory.mktemp("rca_plant") / "ds"
    lio.ingest(SAMPLE / "specs.csv", kind="specs", out=out)
    lio.ingest(SAMPLE / "measurements" / "line1_gauge.csv", kind="measurements", out=out)
    lio.ingest(SAMPLE / "defects" / "mes_defects.jsonl", kind="defects", out=out)
    lio.ingest(SAMPLE / "production" / "erp_shift_log.csv", kind="production", out=out)
    return {k: lio.read_table(out, k) for k in ("defects", "measurements", "production")}


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLE / "truth.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def strat(plant: dict[str, pd.DataFrame]) -> rca.Stratification:
    return rca.stratify(plant["defects"], by=["line", "machine", "shift"], count="count",
                        size="inspected", lot="lot")


@pytest.fixture(scope="module")
def driver_model(plant: dict[str, pd.DataFrame]) -> rca.DriverModel:
    return rca.drivers(plant["defects"], outcome="count", factors=["machine", "shift"],
                       exposure="inspected", lot="lot")


def _series(plant: dict[str, pd.DataFrame], char: str) -> pd.DataFrame:
    m = plant["measurements"]
    return m[m["characteristic"] == char]


@pytest.fixture(scope="module")
def bore_cp(plant: dict[str, pd.DataFrame]) -> rca.ChangePoints:
    return rca.change_points(_series(plant, "bore_diameter"), value="value", time="timestamp")


def test_stratify_plant_ranks_l2m2_night_first(strat: rca.Stratification,
                                               truth: dict) -> None:
    top = strat.top
    assert top["factor"] == "machine × shift"
    assert top["level"] == "L2-M2 / night"
    # x3 planted; the 2 weeks after the countermeasure (x1) bring the whole period's
    # ratio to about 2.7 (truth.json: ratio_L2M2_night_vs_rest)
    assert 2.5 <= top["rate_ratio"] <= 3.5
    obs = next(p for p in truth["planted"] if p["id"] == "L2M2_night_defects")["observed"]
    assert top["rate"] == pytest.approx(obs["dpu_L2M2_night"], abs=5e-5)
    assert top["p_adjusted"] < 1e-6
    text = strat.finding()
    assert "machine × shift" in text and "L2-M2 / night" in text
    assert f"{top['rate_ratio']:.1f}×" in text


def test_stratify_plant_rates_match_truth(strat: rca.Stratification, truth: dict) -> None:
    """Per-lot exposure: the machine × shift rates reproduce truth.json's dpu table."""
    obs = next(p for p in truth["planted"] if p["id"] == "L2M2_night_defects")["observed"]
    lv = strat.levels[strat.levels["factor"] == "machine × shift"].set_index("level")
    for cell, dpu in obs["dpu_by_machine_shift"].items():
        m, s = cell.split("/")
        assert lv.loc[f"{m} / {s}", "rate"] == pytest.approx(dpu, abs=6e-5), cell
    assert strat.factors.set_index("factor").loc["machine × shift", "p_adjusted"] < 1e-10


def test_drivers_plant_names_interaction(driver_model: rca.DriverModel) -> None:
    inter = driver_model.strongest_interaction
    assert inter is not None and inter["p_adjusted"] < 1e-6
    text = driver_model.finding()
    assert "the interaction machine × shift" in text and "(interaction)" not in text
    top = driver_model.cells.iloc[0]
    assert (top["machine"], top["shift"]) == ("L2-M2", "night")
    assert "machine L2-M2, shift night" in text
    assert top["ratio"] > 2


def test_change_points_bore_shift(bore_cp: rca.ChangePoints, truth: dict) -> None:
    ch = bore_cp.changes
    assert len(ch) == 1
    c = ch.iloc[0]
    true = pd.Timestamp("2026-10-28T14:00:00Z")
    assert abs(c["time"] - true) <= pd.Timedelta(hours=3)
    assert c["shift"] == pytest.approx(0.020, abs=0.003)
    assert c["time_lower"] <= true <= c["time_upper"]
    bore = next(p for p in truth["planted"] if p["id"] == "bore_mean_shift")["observed"]
    assert c["before"] == pytest.approx(bore["bore_mean_before_mm"], abs=5e-4)
    assert c["after"] == pytest.approx(bore["bore_mean_after_mm"], abs=5e-4)
    assert "2026-10-28" in bore_cp.finding() and "by +0.0" in bore_cp.finding()


def test_change_points_flange_stable(plant: dict[str, pd.DataFrame]) -> None:
    cp = rca.change_points(_series(plant, "flange_thickness"), value="value", time="timestamp")
    assert cp.changes.empty
    assert cp.finding() == "No change in level was detected."
    assert "no change" in repr(cp)


def test_pareto_plant_defects_top_burr(plant: dict[str, pd.DataFrame], truth: dict) -> None:
    p = rca.pareto(plant["defects"], category="defect_type", count="count")
    assert p.top == "Burr"
    obs = next(x for x in truth["planted"] if x["id"] == "L2M2_night_defects")["observed"]
    assert dict(zip(p.table["category"], p.table["value"], strict=True)) == {
        k: float(v) for k, v in obs["qty_by_defect"].items()}
    cost = rca.pareto(plant["defects"], category="defect_type", weight="cost")
    assert cost.table["category"].tolist()[:2] == ["Porosity", "Dimension out of tolerance"]


def test_pareto_plant_downtime_feeder_jam(plant: dict[str, pd.DataFrame], truth: dict) -> None:
    p = rca.pareto(plant["production"], category="downtime_reason", weight="downtime")
    assert p.top == "Feeder jam"
    obs = next(x for x in truth["planted"] if x["id"] == "feeder_jam_L1M2")["observed"]
    got = p.table.set_index("category")["value"]
    for reason, minutes in obs["downtime_min_by_reason"].items():
        assert got[reason] == minutes
    # shifts without downtime have no reason: they form a 0-minute "(missing)" bucket
    assert got.get("(missing)", 0.0) == 0.0


def test_pareto_by_line(plant: dict[str, pd.DataFrame]) -> None:
    p = rca.pareto(plant["production"], category="downtime_reason", weight="downtime",
                   by="line")
    assert p.by == ("line",)
    first = p.table.groupby("line").head(1).set_index("line")["category"]
    assert first["L1"] == "Feeder jam"


def test_compare_night_vs_day_mix(plant: dict[str, pd.DataFrame]) -> None:
    d = plant["defects"]
    res = rca.compare(d[d["shift"] != "night"], d[d["shift"] == "night"],
                      category="defect_type", count="count")
    assert 0 <= res.p_value <= 1 and res.dof == 7
    assert set(res.table["category"]) == set(d["defect_type"])


# ------------------------------------------------------------------- degenerate input


def _counts() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": list("xyzxyz") * 5, "b": list("pqqppq") * 5,
                         "k": rng.poisson(3, 30), "n": 100})


def test_stratify_single_level_warns() -> None:
    df = _counts().assign(a="x")
    with pytest.warns(DataQualityWarning, match="single level"):
        s = rca.stratify(df, by="a", count="k", size="n")
    assert s.factors["test"].iloc[0] == "none"


@pytest.mark.parametrize("case", ["single level", "all zero"])
def test_stratify_degenerate_finding_is_plain_language(case: str) -> None:
    df = _counts().assign(a="x") if case == "single level" else _counts().assign(k=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        s = rca.stratify(df, by="a", count="k", size="n")
    assert "nan" not in s.finding().lower()


def test_drivers_single_level_raises() -> None:
    with pytest.raises(InsufficientDataError, match="'a' has a single level"):
        rca.drivers(_counts().assign(a="x"), outcome="k", factors=["a", "b"], exposure="n")


def test_zero_exposure_names_the_level() -> None:
    df = _counts()
    df.loc[df["a"] == "z", "n"] = 0
    with pytest.raises(SchemaError, match=r"\['z'\].*zero exposure"):
        rca.stratify(df, by="a", count="k", size="n")
    with pytest.raises(SchemaError, match="exposure must be positive"):
        rca.drivers(df, outcome="k", factors=["a", "b"], exposure="n")


def test_all_zero_counts() -> None:
    df = _counts().assign(k=0)
    with pytest.warns(DataQualityWarning, match="no defects at all"):
        s = rca.stratify(df, by=["a", "b"], count="k", size="n")
    assert (s.levels["rate"] == 0).all()
    with pytest.raises(InsufficientDataError, match="no defects at all"):
        rca.drivers(df, outcome="k", factors=["a", "b"], exposure="n")
    p = rca.pareto(df, category="a", count="k")
    assert not p.table["vital_few"].any()
    assert any("all values are 0" in n for n in p.notes)


def test_many_levels() -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": [f"L{i:03d}" for i in range(300)] * 2, "b": ["p", "q"] * 300,
                       "k": rng.poisson(2, 600), "n": 100})
    with pytest.warns(DataQualityWarning, match="300 levels"):
        rca.stratify(df, by="a", count="k", size="n")
    with pytest.raises(SchemaError, match="300 levels.*max_levels"):
        rca.drivers(df, outcome="k", factors=["a", "b"], exposure="n")


def test_missing_factor_values_form_a_level() -> None:
    df = _counts()
    df["a"] = df["a"].astype(object)
    df.loc[df["a"] == "z", "a"] = None
    with pytest.warns(DataQualityWarning, match=r"have no 'a'.*\(missing\)"):
        s = rca.stratify(df, by="a", count="k", size="n")
    assert "(missing)" in set(s.levels["level"])
    assert s.levels["defects"].sum() == df["k"].sum()
    m = rca.drivers(df, outcome="k", factors=["a", "b"], exposure="n")
    assert "(missing)" in set(m.cells["a"])
    assert any("(missing)" in n for n in m.notes)
    p = rca.pareto(df, category="a", count="k")
    assert "(missing)" in set(p.table["category"])


def test_empty_data() -> None:
    e = _counts().iloc[:0]
    with pytest.raises(InsufficientDataError, match="empty"):
        rca.stratify(e, by="a", count="k", size="n")
    with pytest.raises(InsufficientDataError, match="empty"):
        rca.pareto(e, category="a")
    with pytest.raises(InsufficientDataError):
        rca.compare(e, e, category="a")
    with pytest.raises(InsufficientDataError, match="got 0"):
        rca.change_points(e, value="k")


def test_drivers_empty_data() -> None:
    with pytest.raises(InsufficientDataError):
        rca.drivers(_counts().iloc[:0], outcome="k", factors=["a", "b"], exposure="n")


@pytest.mark.parametrize("call", [
    lambda d: rca.pareto(d, category="aa"),
    lambda d: rca.pareto(d, category="a", count="kk"),
    lambda d: rca.stratify(d, by=["a", "bb"], count="k", size="n"),
    lambda d: rca.stratify(d, by="a", count="kk", size="n"),
    lambda d: rca.drivers(d, outcome="kk", factors=["a"], exposure="n"),
    lambda d: rca.drivers(d, outcome="k", factors=["a", "bb"], exposure="n"),
    lambda d: rca.compare(d, d, category="aa"),
    lambda d: rca.change_points(d, value="kk"),
    lambda d: rca.change_points(d, value="k", time="nn"),
])
def test_unknown_column_suggests(call) -> None:
    with pytest.raises(ColumnNotFoundError, match="did you mean"):
        call(_counts())


def test_negative_counts_and_weights() -> None:
    df = _counts()
    df.loc[3, "k"] = -1
    with pytest.raises(SchemaError, match="negative"):
        rca.pareto(df, category="a", count="k")
    with pytest.raises(SchemaError, match="negative"):
        rca.pareto(df, category="a", weight="k")
    with pytest.raises(SchemaError, match=">= 0"):
        rca.stratify(df, by="a", count="k", size="n")
    with pytest.raises(SchemaError, match="negative"):
        rca.drivers(df, outcome="k", factors=["a", "b"], exposure="n")
    with pytest.raises(SchemaError, match="negative"):
        rca.compare(df, _counts(), category="a", count="k")


def test_missing_weight_values_are_an_error() -> None:
    df = _counts().assign(w=1.0)
    df.loc[2, "w"] = np.nan
    with pytest.raises(SchemaError, match="1 row"):
        rca.pareto(df, category="a", weight="w")


def test_count_and_weight_both_given() -> None:
    with pytest.raises(TypeError, match="not both"):
        rca.pareto(_counts(), category="a", count="k", weight="n")


def test_compare_count_and_weight_both_given() -> None:
    with pytest.raises(TypeError):
        rca.compare(_counts(), _counts(), category="a", count="k", weight="n")


def test_bad_arguments() -> None:
    df = _counts()
    with pytest.raises(ValueError, match="cutoff"):
        rca.pareto(df, category="a", cutoff=0)
    with pytest.raises(ValueError, match="top_n"):
        rca.pareto(df, category="a", top_n=0)
    with pytest.raises(TypeError, match="DataFrame"):
        rca.pareto(df.to_dict(), category="a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="size="):
        rca.stratify(df, by="a", count="k")
    with pytest.raises(ValueError, match="at least one"):
        rca.stratify(df, by=[], count="k", size="n")
    with pytest.raises(TypeError, match="exposure"):
        rca.drivers(df, outcome="k", factors=["a"], kind="poisson")
    with pytest.raises(SchemaError, match="numeric"):
        rca.change_points(df, value="a")
    with pytest.raises(InsufficientDataError, match="constant"):
        rca.change_points(df.assign(k=1.0), value="k")


# ------------------------------------------------- results: figures, summaries, objects


@pytest.fixture(scope="module")
def results(plant: dict[str, pd.DataFrame], strat: rca.Stratification,
            driver_model: rca.DriverModel, bore_cp: rca.ChangePoints) -> dict:
    d = plant["defects"]
    rng = np.random.default_rng(2)
    meas = pd.DataFrame({"g": np.repeat(["a", "b", "c"], 20),
                         "v": np.r_[rng.normal(0, 1, 20), rng.normal(2, 1, 20),
                                    rng.normal(0, 1, 20)]})
    return {
        "pareto": rca.pareto(d, category="defect_type", count="count"),
        "pareto_by": rca.pareto(d, category="defect_type", count="count", by="line"),
        "compare": rca.compare(d[d["shift"] != "night"], d[d["shift"] == "night"],
                               category="defect_type", count="count"),
        "stratify": strat,
        "stratify_meas": rca.stratify(meas, by="g", value="v"),
        "drivers": driver_model,
        "drivers_ols": rca.drivers(meas.assign(h=list("pq") * 30), outcome="v",
                                   factors=["g", "h"]),
        "change_points": bore_cp,
    }


def _expected_traces(name: str, r: object) -> int:
    if name == "pareto":
        return 3
    if name == "pareto_by":
        return 3 * r.table["line"].nunique()  # type: ignore[attr-defined]
    if name == "compare":
        return 2
    if name.startswith("stratify"):
        return min(6, len(r.factors))  # type: ignore[attr-defined]
    if name.startswith("drivers"):
        return 1
    return 1 + len(r.segments)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["pareto", "pareto_by", "compare", "stratify",
                                  "stratify_meas", "drivers", "drivers_ols", "change_points"])
def test_figures_build(results: dict, name: str) -> None:
    r = results[name]
    fig = r.figure()
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == _expected_traces(name, r)
    assert fig.layout.title.text
    fig.to_html(include_plotlyjs=False)
    assert r.figure(title="custom").layout.title.text == "custom"


@pytest.mark.parametrize("name", ["pareto", "pareto_by", "compare", "stratify",
                                  "stratify_meas", "drivers", "drivers_ols", "change_points"])
def test_summary_text_and_html(results: dict, name: str) -> None:
    s = results[name].summary()
    text = str(s)
    assert isinstance(text, str) and text.strip()
    html = s.to_html()
    assert html.startswith("<div") and "</div>" in html
    assert s._repr_html_() == html


@pytest.mark.parametrize("name", ["pareto", "compare", "stratify", "drivers", "change_points"])
def test_results_are_frozen(results: dict, name: str) -> None:
    r = results[name]
    field = dataclasses.fields(r)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(r, field, None)
    assert isinstance(r.to_frame(), pd.DataFrame)


@pytest.mark.parametrize("name", ["pareto", "pareto_by", "compare", "stratify",
                                  "stratify_meas", "drivers", "drivers_ols", "change_points"])
def test_repr_and_finding_plain_language(results: dict, name: str) -> None:
    r = results[name]
    text = repr(r)
    assert text.startswith("<") and text.endswith(">")
    for bad in ("nan", "Traceback", "DataFrame", "C(Q(", "{'"):
        assert bad not in text
    if hasattr(r, "finding"):
        f = r.finding()
        assert f.endswith(".") and "nan" not in f.lower() and "C(Q(" not in f


def test_change_points_figure_has_interval_shapes(bore_cp: rca.ChangePoints) -> None:
    fig = bore_cp.figure()
    assert len(fig.layout.shapes) == 2 * len(bore_cp.changes)  # vrect + vline per change


def test_figures_escape_category_text() -> None:
    df = pd.DataFrame({"c": ["<b>x</b>", "y", "<b>x</b>"]})
    fig = rca.pareto(df, category="c").figure()
    assert "&lt;b&gt;x&lt;/b&gt;" in list(fig.data[0].x)


def test_inputs_not_mutated(plant: dict[str, pd.DataFrame]) -> None:
    d = plant["defects"]
    prod = plant["production"]
    before = (d.copy(deep=True), prod.copy(deep=True))
    m = plant["measurements"]
    bore = m[m["characteristic"] == "bore_diameter"]
    bore_before = bore.copy(deep=True)
    df = _counts()
    df["a"] = df["a"].astype(object)
    df.loc[0, "a"] = None
    df_before = df.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LeankitWarning)
        rca.pareto(d, category="defect_type", count="count", by="line")
        rca.compare(d, d.iloc[:500], category="defect_type", count="count")
        rca.stratify(d, by=["machine", "shift"], count="count", size="inspected", lot="lot")
        rca.drivers(d, outcome="count", factors=["machine", "shift"], exposure="inspected",
                    lot="lot")
        rca.pareto(prod, category="downtime_reason", weight="downtime")
        rca.change_points(bore, value="value", time="timestamp")
        rca.stratify(df, by=["a", "b"], count="k", size="n")
        rca.drivers(df, outcome="k", factors=["a", "b"], exposure="n")
    pd.testing.assert_frame_equal(d, before[0])
    pd.testing.assert_frame_equal(prod, before[1])
    pd.testing.assert_frame_equal(bore, bore_before)
    pd.testing.assert_frame_equal(df, df_before)


def test_change_points_reproducible(plant: dict[str, pd.DataFrame],
                                    bore_cp: rca.ChangePoints) -> None:
    again = rca.change_points(_series(plant, "bore_diameter"), value="value", time="timestamp")
    pd.testing.assert_frame_equal(again.changes, bore_cp.changes)


def test_stratify_measurement_ranking_and_pairs() -> None:
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"g": np.repeat(["a", "b", "c"], 25),
                       "v": np.r_[rng.normal(0, 1, 25), rng.normal(3, 1, 25),
                                  rng.normal(0, 1, 25)]})
    s = rca.stratify(df, by="g", value="v")
    assert s.kind == "measurements"
    assert s.top["level"] == "b"
    assert "g = b" in s.finding()
    assert len(s.pairs) == 3
