"""The chart-family registry: a toy family registered at run time works everywhere
(the generic constructor, ``to_frame``, ``monitor`` also after pickling, ``figure``,
the CLI ``leankit chart --type toy`` and the report spec) without editing any other
file; the built-in families are reachable by id; results are really frozen.

Expected numbers are computed independently here with plain numpy (the toy family's
definition: center = baseline mean, sigma = baseline sample standard deviation; the
second panel is the cumulative sum of deviations from the center, a sequential
statistic with sigma ``σ√i``).
"""

from __future__ import annotations

import json
import pickle
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import report_helpers  # tests/unit/reports/report_helpers.py: the demo dataset fixtures
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from leankit import datasets, spc
from leankit.cli import main
from leankit.errors import AssumptionWarning
from leankit.reports import ReportSpecError, load_spec, weekly_report
from leankit.reports._spec import chart_types, spec_from_dict
from leankit.spc._charts import build_chart
from leankit.spc._families import unregister_family
from leankit.spc._results import FRAME_COLUMNS

# ------------------------------------------------------------------ the toy family


def _estimate(baseline: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
    x = baseline["value"].to_numpy(float)
    return {"mu": float(x.mean()), "sigma": float(x.std(ddof=1))}


def _arrays(panel: str, table: pd.DataFrame, params: Mapping[str, float], k: float,
            opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    x = table["value"].to_numpy(float)
    m = len(x)
    mu, sigma = params["mu"], params["sigma"]
    if panel == "x":
        center, sd = np.full(m, mu), np.full(m, sigma)
        stat = x
    else:  # sequential: the running sum over the stage's rows, Phase I then Phase II
        stat = np.cumsum(x - mu)
        center, sd = np.zeros(m), sigma * np.sqrt(np.arange(1, m + 1))
    return {"statistic": stat, "center": center, "sigma_statistic": sd,
            "lcl": center - k * sd, "ucl": center + k * sd}


def toy_family() -> spc.ChartFamily:
    return spc.ChartFamily(
        id="toy", title="Toy chart", aliases=("toy_chart",),
        description="a test family: individual values and their running sum",
        input="values",
        panels=(spc.Panel(name="x", title="Value", y_title="value"),
                spc.Panel(name="cs", title="Running sum", rules="limits_only",
                          show_lcl=False, reference=0.0)),
        param_names=("mu", "sigma"), estimate=_estimate, arrays=_arrays,
        settings={"note": ""})


@pytest.fixture
def toy() -> Iterator[spc.ChartFamily]:
    fam = spc.register_family(toy_family())
    yield fam
    unregister_family("toy")


@pytest.fixture
def visc() -> pd.DataFrame:
    return datasets.viscosity()


def panel(chart: spc.ControlChart, name: str) -> pd.DataFrame:
    f = chart.to_frame()
    return f[f["panel"] == name].reset_index(drop=True)


# ------------------------------------------------------------------ registry basics


def test_builtin_families_are_registered_with_their_declarations() -> None:
    ids = [f.id for f in spc.families()]
    assert ids[:7] == ["xbar_r", "xbar_s", "i_mr", "p", "np", "c", "u"]
    assert spc.get_family("p_chart") is spc.get_family("p")
    assert [f.id for f in spc.families() if f.process_sigma][:3] == ["xbar_r", "xbar_s", "i_mr"]
    rules = {p.name: p.rules for f in spc.families()[:7] for p in f.panels}
    assert rules == {"xbar": "main", "r": "dispersion", "s": "dispersion", "i": "main",
                     "mr": "dispersion", "p": "main", "np": "main", "c": "main", "u": "main"}


def test_unknown_type_lists_the_registered_ones() -> None:
    with pytest.raises(spc.FamilyError, match=r"did you mean 'xbar_r'.*Registered chart "
                                                r"types: .*xbar_s"):
        spc.get_family("xbar_rr")


def test_declaration_errors_are_clear(toy: spc.ChartFamily) -> None:
    with pytest.raises(spc.FamilyError, match="lower-case Python name"):
        spc.Panel(name="X bar", title="x")
    with pytest.raises(spc.FamilyError, match="limits_only"):
        spc.Panel(name="x", title="x", rules="zones")  # type: ignore[arg-type]
    with pytest.raises(spc.FamilyError, match="input="):
        spc.ChartFamily(id="bad", title="b", description="", input="rows",  # type: ignore[arg-type]
                        panels=(spc.Panel(name="x", title="x"),), param_names=(),
                        estimate=_estimate, arrays=_arrays)
    other = spc.ChartFamily(id="toy", title="Another toy", description="", input="values",
                            panels=(spc.Panel(name="x", title="x"),), param_names=("mu",),
                            estimate=_estimate, arrays=_arrays)
    with pytest.raises(spc.FamilyError, match="already registered"):
        spc.register_family(other)
    with pytest.raises(spc.FamilyError, match="already used by the 'p' family"):
        spc.register_family(spc.ChartFamily(
            id="toy_two", title="x", description="", input="counts", aliases=("p_chart",),
            panels=(spc.Panel(name="x", title="x"),), param_names=("p",),
            estimate=_estimate, arrays=_arrays))


@pytest.mark.parametrize("fam_id", ["xbar_r", "xbar_s", "i_mr", "p", "np", "c", "u"])
def test_chart_by_id_equals_the_constructor(fam_id: str) -> None:
    rings = datasets.piston_rings().head(125)
    oj, cb = datasets.orange_juice().head(30), datasets.circuit_boards().head(26)
    data, kw = {
        "xbar_r": (rings, {"value": "diameter", "subgroup": "sample"}),
        "xbar_s": (rings, {"value": "diameter", "subgroup": "sample"}),
        "i_mr": (datasets.viscosity().head(20), {"value": "viscosity", "subgroup": "batch"}),
        "p": (oj, {"count": "D", "size": "size", "subgroup": "sample"}),
        "np": (oj, {"count": "D", "size": "size", "subgroup": "sample"}),
        "c": (cb, {"count": "x", "subgroup": "sample"}),
        "u": (cb, {"count": "x", "size": "size", "subgroup": "sample"}),
    }[fam_id]
    fam = spc.get_family(fam_id)
    assert fam.constructor is not None
    direct = fam.constructor(data, **kw)
    by_id = spc.chart(data, type=fam_id, **kw)
    pd.testing.assert_frame_equal(by_id.to_frame(), direct.to_frame())
    assert by_id.chart == by_id.family == fam_id
    assert by_id.panel_names == fam.panel_names


# ------------------------------------------------------------------ the toy family


def test_toy_generic_constructor_and_to_frame(toy: spc.ChartFamily, visc: pd.DataFrame
                                              ) -> None:
    base = visc.head(20)
    chart = spc.chart(base, type="toy", value="viscosity", subgroup="batch", note="hello")
    assert isinstance(chart, spc.ControlChart)
    assert repr(chart).startswith("<ControlChart toy: 20 subgroups, n=1, ")
    x = base["viscosity"].to_numpy(float)
    mu, sd = x.mean(), x.std(ddof=1)
    f = chart.to_frame()
    assert tuple(f.columns) == FRAME_COLUMNS
    xs, cs = panel(chart, "x"), panel(chart, "cs")
    np.testing.assert_allclose(xs["ucl"], mu + 3 * sd, rtol=1e-12)
    np.testing.assert_allclose(xs["sigma_statistic"], sd, rtol=1e-12)
    np.testing.assert_allclose(cs["statistic"], np.cumsum(x - mu), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(cs["ucl"], 3 * sd * np.sqrt(np.arange(1, 21)), rtol=1e-12)
    assert chart.parameters["note"] == "hello"
    assert chart.frozen_limits().chart == "toy"
    assert chart.frozen_limits().params["mu"] == pytest.approx(mu, rel=1e-12)
    assert "Toy chart" in str(chart.summary())
    # aliases work, and chart_by is the grouped path (always a collection)
    assert spc.chart(base, type="toy_chart", value="viscosity").chart == "toy"
    coll = spc.chart_by(base.assign(half=np.arange(20) // 10), by="half", type="toy",
                        value="viscosity", subgroup="batch")
    assert isinstance(coll, spc.ChartCollection) and len(coll) == 2


def test_toy_limits_only_panel_ignores_zone_rules(toy: spc.ChartFamily) -> None:
    # a run of 9 on one side of the center: nelson_2 fires on the main panel only
    x = np.r_[np.zeros(10), np.ones(9) * 0.5, np.r_[-1.0, 1.0] * 0.5]
    data = pd.DataFrame({"v": x})
    chart = spc.chart(data, type="toy", value="v", rules="nelson")
    fired = chart.signals
    assert "nelson_2" in set(fired.loc[fired["panel"] == "x", "rule"])
    assert set(fired.loc[fired["panel"] == "cs", "rule"]) <= {"we_1", "nelson_1"}
    assert "beyond the limits only" in str(chart.summary())


def test_toy_monitor_continues_the_sequence_also_after_pickling(
        toy: spc.ChartFamily, visc: pd.DataFrame) -> None:
    chart = spc.chart(visc.head(20), type="toy", value="viscosity", subgroup="batch")
    new = visc.iloc[20:]
    watched = chart.monitor(new)
    again = pickle.loads(pickle.dumps(chart)).monitor(new)
    pd.testing.assert_frame_equal(again.to_frame(), watched.to_frame())
    base = visc["viscosity"].to_numpy(float)[:20]
    mu = base.mean()
    allx = visc["viscosity"].to_numpy(float)
    cs = panel(watched, "cs")
    # the running sum runs on from the last baseline point into Phase II
    np.testing.assert_allclose(cs["statistic"], np.cumsum(allx - mu), rtol=1e-9, atol=1e-9)
    assert (cs["phase"] == "II").sum() == len(new)
    # panel views monitor too, after pickling
    view = pickle.loads(pickle.dumps(chart.panel("cs")))
    assert view.monitor(new).panel_names == ("cs",)


def test_toy_figure_reads_the_panel_hints(toy: spc.ChartFamily, visc: pd.DataFrame) -> None:
    chart = spc.chart(visc.head(20), type="toy", value="viscosity", rules="none")
    fig = chart.figure()
    titles = [a.text for a in fig.layout.annotations][:2]
    assert titles == ["Value", "Running sum"]
    names = [t.name for t in fig.data]
    assert names == ["UCL", "Center", "LCL", "Value", "UCL", "Center", "Running sum"]
    assert fig.layout.yaxis.title.text == "value"
    refs = [s for s in fig.layout.shapes if s.y0 == 0.0 and s.y1 == 0.0 and s.yref == "y2"]
    assert len(refs) == 1
    assert fig.layout.title.text.startswith("Toy chart")


def test_toy_cli_chart_type(toy: spc.ChartFamily, visc: pd.DataFrame, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "visc.parquet"
    visc.to_parquet(path)
    out = tmp_path / "toy.html"
    rc = main(["chart", str(path), "--type", "toy", "--value", "viscosity", "--subgroup",
               "batch", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "<ControlChart toy: 35 subgroups" in text
    assert out.is_file() and "Running sum" in out.read_text(encoding="utf-8")
    rc = main(["chart", str(path), "--type", "toy", "--count", "viscosity"])
    err = capsys.readouterr().err
    assert rc == 2 and "--value is required for a toy chart" in err


def test_cli_unknown_type_is_a_clear_error(tmp_path: Path, visc: pd.DataFrame,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "visc.parquet"
    visc.to_parquet(path)
    assert main(["chart", str(path), "--type", "imr_chart", "--value", "viscosity"]) == 2
    err = capsys.readouterr().err
    assert "unknown chart type 'imr_chart'" in err and "xbar_r" in err


def test_toy_report_spec_accepts_it(toy: spc.ChartFamily, tmp_path: Path) -> None:
    assert "toy" in chart_types() and "p" not in chart_types()

    def spec(chart: str) -> Any:
        return spec_from_dict({"report": {"data": str(tmp_path)},
                               "characteristics": [{"name": "bore", "chart": chart}]},
                              base=tmp_path)

    assert spec("toy").characteristics[0].chart == "toy"
    assert spec("toy_chart").characteristics[0].chart == "toy"  # an alias, stored as the id
    with pytest.raises(ReportSpecError, match="chart = 'p'.*use one of .*toy"):
        spec("p")


demo_dir = report_helpers.demo_dir  # the demo dataset, ingested once per session
demo_data = report_helpers.demo_data
spec_file = report_helpers.spec_file


def test_toy_weekly_report_builds_its_chart(toy: spc.ChartFamily,
                                            spec_file: Any) -> None:
    path = spec_file('[report]\ntitle = "Toy"\ndata = "{data}"\nweek = "2026-W44"\n'
                     '[sections]\ninclude = ["spc"]\n'
                     '[[characteristics]]\nname = "runout"\nchart = "toy"\n')
    rep = weekly_report(load_spec(path))
    doc = rep.to_html()
    assert f"runout: {spc.get_family('toy').title}" in doc and "Not charted" not in doc
    assert "Running sum" in doc  # the toy's second panel, drawn from its declaration


def test_capability_reads_process_sigma_from_the_family(toy: spc.ChartFamily,
                                                        visc: pd.DataFrame) -> None:
    chart = spc.chart(visc.head(20), type="toy", value="viscosity")
    with pytest.raises(ValueError, match="within-subgroup process sigma.*not a toy chart"):
        spc.capability(chart, lsl=30, usl=38)
    rings = datasets.piston_rings()
    xbar = spc.xbar_r(rings[rings.trial], value="diameter", subgroup="sample")
    cap = spc.capability(xbar, lsl=73.95, usl=74.05)
    assert cap.sigma_within == pytest.approx(xbar.frozen_limits().params["sigma"], rel=1e-12)
    imr = spc.i_mr(visc.head(20), value="viscosity", rules="limits")
    with pytest.warns(AssumptionWarning):  # batch 4 is beyond the limits; not normal
        cap = spc.capability(imr, lsl=30, usl=38)
    assert cap.sigma_within == pytest.approx(imr.frozen_limits().params["sigma"], rel=1e-12)


def test_build_chart_checks_columns_and_settings(toy: spc.ChartFamily,
                                                 visc: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="toy needs value="):
        build_chart("toy", visc)
    with pytest.raises(TypeError, match="does not take count="):
        build_chart("toy", visc, value="viscosity", count="batch")
    with pytest.raises(TypeError, match="unexpected setting.*nots.*did you mean 'note'"):
        spc.chart(visc, type="toy", value="viscosity", nots="x")
    with pytest.raises(TypeError, match="chart_by"):
        spc.chart(visc, type="toy", value="viscosity", by="batch")


# ------------------------------------------------------------------ frozen results


def test_limits_hashable_and_json_round_trip() -> None:
    chart = spc.xbar_r(datasets.piston_rings().head(125), value="diameter", subgroup="sample")
    lim = chart.frozen_limits()
    same = spc.Limits.from_json(lim.to_json())
    assert same == lim and hash(same) == hash(lim) and len({lim, same}) == 1
    assert json.loads(lim.to_json())["params"] == dict(lim.params)
    assert spc.Limits("p", {"p": 0.2}) == spc.Limits("p", {"p": 0.2})
    assert {spc.Limits("p", {"p": 0.2}): 1}[spc.Limits("p", {"p": 0.2})] == 1
    with pytest.raises(TypeError):
        lim.params["sigma"] = 1.0  # type: ignore[index]


def test_tables_handed_out_are_copies() -> None:
    chart = spc.xbar_r(datasets.piston_rings(), value="diameter", subgroup="sample")
    before = (chart.to_frame(), chart.limits, chart.signals, chart.data)
    limits, signals, points, data = chart.limits, chart.signals, chart.to_frame(), chart.data
    limits.loc[0, "ucl"] = -1.0
    signals.loc[:, "rule"] = "changed"
    points.loc[:, "statistic"] = 0.0
    data.loc[:, "value"] = 0.0
    after = (chart.to_frame(), chart.limits, chart.signals, chart.data)
    for a, b in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(a, b)
    with pytest.raises(TypeError):
        chart.parameters["nsigmas"] = 2.0  # type: ignore[index]
    with pytest.raises(TypeError):
        chart.stage_limits[1] = chart.frozen_limits()  # type: ignore[index]


def test_grouped_path_has_its_own_return_type() -> None:
    # @overload: the static return type follows by= (ControlChart without, ChartCollection
    # with); at run time too
    for fn in (spc.xbar_r, spc.xbar_s, spc.i_mr, spc.p_chart, spc.np_chart, spc.c_chart,
               spc.u_chart):
        returns = [typing.get_type_hints(o)["return"] for o in typing.get_overloads(fn)]
        assert returns == [spc.ControlChart, spc.ChartCollection], fn.__name__
    rings = datasets.piston_rings()
    rings = rings.assign(line=rings["sample"] % 2)
    a = spc.xbar_r(rings, value="diameter", subgroup="sample", by="line")
    b = spc.chart_by(rings, by="line", type="xbar_r", value="diameter", subgroup="sample")
    assert isinstance(a, spc.ChartCollection) and isinstance(b, spc.ChartCollection)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


# ------------------------------------------------------------------ properties


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=6, max_size=60),
       st.integers(3, 40), st.sampled_from(["toy", "i_mr"]))
@settings(deadline=None)
def test_monitor_equals_building_on_the_whole_series(values: list[float], cut: int,
                                                     kind: str) -> None:
    """Phase II by monitor() (also after pickling) is the chart of the whole series with
    the Phase I parameters frozen: the sequential statistics (moving range, running sum)
    run on across the boundary."""
    x = np.asarray(values)
    cut = min(cut, len(x) - 2)
    assume(np.ptp(x[:cut]) > 1e-6)
    registered = kind == "toy" and "toy" not in [f.id for f in spc.families()]
    if registered:
        spc.register_family(toy_family())
    try:
        df = pd.DataFrame({"v": x})
        first = spc.chart(df.iloc[:cut], type=kind, value="v", rules="none")
        watched = first.monitor(df.iloc[cut:])
        again = pickle.loads(pickle.dumps(first)).monitor(df.iloc[cut:])
        whole = spc.chart(df, type=kind, value="v", rules="none",
                          limits=first.frozen_limits())
    finally:
        if registered:
            unregister_family("toy")
    pd.testing.assert_frame_equal(again.to_frame(), watched.to_frame())
    a, b = watched.to_frame(), whole.to_frame()
    for col in ("statistic", "center", "lcl", "ucl", "sigma_statistic"):
        np.testing.assert_allclose(a[col], b[col], rtol=1e-12, atol=1e-9)
    assert (a["phase"] == "II").sum() == (len(x) - cut) * len(first.panel_names)


# ------------------------------------------- declared rules, column arguments, notes
# A second toy family declares what the built-in families used to work around: its own
# default and valid rules, a required column argument beyond value/subgroup/count/size
# (its column reaches the family's subgroup table under the argument's name), summary
# notes and a label_by drawing hint. It is driven through spc.chart, the CLI and a
# report spec without editing any other file.


def _tag_estimate(baseline: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
    x = baseline["value"].to_numpy(float)
    return {"mu": float(x.mean()), "sigma": float(x.std(ddof=1)),
            "tags": float(baseline["tag"].nunique())}


def _tag_arrays(panel: str, table: pd.DataFrame, params: Mapping[str, float], k: float,
                opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    m = len(table)
    center, sd = np.full(m, params["mu"]), np.full(m, params["sigma"])
    return {"statistic": table["value"].to_numpy(float), "center": center,
            "sigma_statistic": sd, "lcl": center - k * sd, "ucl": center + k * sd}


def _tag_notes(chart: spc.ControlChart) -> list[str]:
    tags = int(chart.frozen_limits().params["tags"])
    return [f"Toy limits: baseline mean ± {chart.parameters['nsigmas']:g} sample sd "
            f"({tags} tags in the baseline)."]


@pytest.fixture
def tagged() -> Iterator[spc.ChartFamily]:
    from leankit.spc._families import ColumnArg

    fam = spc.register_family(spc.ChartFamily(
        id="toy_tag", title="Tagged toy chart", input="values",
        description="a test family: individual values with a tag column",
        panels=(spc.Panel(name="x", title="Value"),),
        param_names=("mu", "sigma", "tags"), estimate=_tag_estimate, arrays=_tag_arrays,
        extra_columns=(ColumnArg(name="tag", help="batch tags", required=True),),
        default_rules="limits", valid_rules=("limits", "we_1", "nelson_2"),
        notes=_tag_notes, label_by="tag"))
    yield fam
    unregister_family("toy_tag")


@pytest.fixture
def tagged_data(visc: pd.DataFrame) -> pd.DataFrame:
    return visc.assign(shift=np.where(np.arange(len(visc)) % 3 == 0, "night", "day"))


def test_family_declares_rules_columns_and_notes(tagged: spc.ChartFamily,
                                                 tagged_data: pd.DataFrame) -> None:
    base = tagged_data.head(20)
    chart = spc.chart(base, type="toy_tag", value="viscosity", tag="shift")
    # independent: numpy on the same 20 values; the tag column reached estimate()
    x = base["viscosity"].to_numpy(float)
    lim = chart.frozen_limits().params
    assert lim["mu"] == pytest.approx(x.mean(), rel=1e-12)
    assert lim["sigma"] == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert lim["tags"] == 2
    # the family's default rules (beyond the limits only), not Western Electric
    assert chart.parameters["rules"] == ("we_1",)
    beyond = (x > x.mean() + 3 * x.std(ddof=1)) | (x < x.mean() - 3 * x.std(ddof=1))
    assert chart.to_frame()["signal"].to_numpy().tolist() == beyond.tolist()
    notes = chart.summary().notes
    assert notes[0] == "Toy limits: baseline mean ± 3 sample sd (2 tags in the baseline)."
    assert not any("Limits at ±" in n for n in notes)
    assert spc.chart(base, type="toy_tag", value="viscosity", tag="shift",
                     rules=["we_1", "nelson_2"]).parameters["rules"] == ("we_1", "nelson_2")
    with pytest.raises(spc.RuleError, match="rules='we' is not valid on a Tagged toy chart; "
                                            "its rules are 'limits', 'we_1', 'nelson_2'"):
        spc.chart(base, type="toy_tag", value="viscosity", tag="shift", rules="we")
    with pytest.raises(spc.FamilyError, match=r"needs tag= \(the column of batch tags\).*"
                                              "--column tag=COL"):
        spc.chart(base, type="toy_tag", value="viscosity")
    with pytest.raises(TypeError, match="needs tag="):
        build_chart("toy_tag", base, value="viscosity")
    # drawing hint: the points are coloured by tag and the hover names it
    fig = chart.figure()
    trace = next(t for t in fig.data if t.name == "Value")
    assert len(set(trace.marker.color)) == 2
    assert trace.text[0].startswith("subgroup 0 · tag night")  # row 0 of the index


def test_family_declaration_checks_the_new_fields(toy: spc.ChartFamily) -> None:
    from leankit.spc._families import ColumnArg

    with pytest.raises(spc.FamilyError, match="declared with columns="):
        ColumnArg(name="value")
    common: dict[str, Any] = dict(title="b", description="", input="values",
                                  panels=(spc.Panel(name="x", title="x"),), param_names=(),
                                  estimate=_estimate, arrays=_arrays)
    with pytest.raises(spc.FamilyError, match="default_rules.*not in valid_rules"):
        spc.ChartFamily(id="bad", valid_rules=("limits",), **common)
    with pytest.raises(spc.FamilyError, match="label_by='part' is not one of"):
        spc.ChartFamily(id="bad", label_by="part", **common)
    with pytest.raises(spc.FamilyError, match="data_kind="):
        spc.ChartFamily(id="bad", data_kind="rows", **common)  # type: ignore[arg-type]
    assert spc.ChartFamily(id="bad", **common).data_kind == "measurements"
    assert toy.default_rules == "we" and toy.valid_rules is None and toy.notes is None


def test_family_cli_column_and_default_rules(tagged: spc.ChartFamily,
                                             tagged_data: pd.DataFrame, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tagged.parquet"
    tagged_data.to_parquet(path)
    args = ["chart", str(path), "--type", "toy_tag", "--value", "viscosity"]
    assert main([*args, "--column", "tag=shift"]) == 0  # no --rules: the family default
    assert "<ControlChart toy_tag: 35 subgroups" in capsys.readouterr().out
    assert main(args) == 2
    assert "--column tag=COL is required for a toy_tag chart" in capsys.readouterr().err
    assert main([*args, "--column", "tags=shift"]) == 2
    err = capsys.readouterr().err
    assert "--column tags= does not apply to a toy_tag chart; did you mean 'tag'" in err
    assert main([*args, "--column", "tag=shift", "--rules", "we"]) == 2
    assert "--rules we: rules='we' is not valid on a Tagged toy chart" in \
        capsys.readouterr().err
    assert main([*args, "--column", "tag=shift", "--rules", "we_1,nelson_2"]) == 0


def test_family_report_spec_rules_and_columns(tagged: spc.ChartFamily, tmp_path: Path) -> None:
    def spec(**char: Any) -> Any:
        return spec_from_dict({"report": {"data": str(tmp_path)},
                               "characteristics": [{"name": "bore", **char}]}, base=tmp_path)

    got = spec(chart="toy_tag", columns={"tag": "machine"}).characteristics[0]
    # the report-wide default rules (we_1, nelson_2) are valid here, so they apply
    assert got.rules == ("we_1", "nelson_2") and got.columns == (("tag", "machine"),)
    with pytest.raises(ReportSpecError, match=r"characteristics\[0\].*needs columns = "
                                              r"\{tag = \"COLUMN\"\}"):
        spec(chart="toy_tag")
    with pytest.raises(ReportSpecError, match="'tga' is not a column argument.*did you mean"):
        spec(chart="toy_tag", columns={"tga": "machine", "tag": "machine"})
    with pytest.raises(ReportSpecError, match="rules: rules='we_2' is not valid on a Tagged"):
        spec(chart="toy_tag", columns={"tag": "machine"}, rules=["we_2"])
    with pytest.raises(ReportSpecError, match="not a column argument of a X̄-S chart.*none"):
        spec(chart="xbar_s", columns={"tag": "machine"})
    # a run chart: its Anhøj tests are rules a spec can select, also report-wide
    assert spec(chart="run", rules="anhoej").characteristics[0].rules == ("anhoej",)
    assert spec(chart="run").characteristics[0].rules == ("anhoej",)  # its default
    doc = spec_from_dict({"report": {"data": str(tmp_path), "rules": ["anhoej"]},
                          "characteristics": [{"name": "a", "chart": "run"},
                                              {"name": "b", "chart": "i_mr"}]}, base=tmp_path)
    # report-wide rules that do not apply to a family give way to the family's default
    assert [c.rules for c in doc.characteristics] == [("anhoej",), ("we",)]
    # rare-event charts chart the gaps between events, not measurements
    for rare in ("g", "t", "t_transform"):
        assert rare not in chart_types()
        with pytest.raises(ReportSpecError, match="charts the gaps between rare events"):
            spec(chart=rare)


def test_family_weekly_report_passes_the_column(tagged: spc.ChartFamily,
                                                spec_file: Any) -> None:
    path = spec_file('[report]\ntitle = "Tagged"\ndata = "{data}"\nweek = "2026-W44"\n'
                     '[sections]\ninclude = ["spc"]\n'
                     '[[characteristics]]\nname = "runout"\nchart = "toy_tag"\n'
                     'columns = {tag = "machine"}\n')
    rep = weekly_report(load_spec(path))
    doc = rep.to_html()
    assert f"runout: {spc.get_family('toy_tag').title}" in doc and "Not charted" not in doc
    assert "tags" in doc  # the limits table: the tag column reached the family's estimate


def test_builtin_families_declare_their_rules_and_notes(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    g, t, tt = (spc.get_family(i) for i in ("g", "t", "t_transform"))
    assert (g.default_rules, g.valid_rules) == ("limits", ("limits", "below"))
    assert t.valid_rules == tt.valid_rules == ("limits",)
    assert {f.data_kind for f in (g, t, tt)} == {"events"}
    assert tt.constructor is not None  # spc.chart(type="t_transform") validates
    with pytest.raises(spc.RuleError, match="only points beyond the limits"):
        spc.chart(pd.DataFrame({"h": [1.0, 2.0, 3.0]}), type="t_transform", value="h",
                  rules="we")
    hours = pd.DataFrame({"h": [12.0, 40.5, 3.2, 95.0, 21.7, 60.1, 8.8, 33.3]})
    tc = spc.chart(hours, type="t_transform", value="h")
    assert tc.chart == "t_transform"
    # the summary says how the limits were made, not "±3 sigma"
    notes = spc.chart(hours, type="t", value="h").summary().notes
    assert notes[0].startswith("Limits: Weibull (ML) quantiles 0.0013499 / 0.5 / 0.99865")
    assert not any("Limits at ±" in n for n in notes)
    gc = spc.g_chart(pd.DataFrame({"g": [3, 8, 0, 12, 5, 2, 9, 4]}), value="g")
    assert gc.summary().notes[0].startswith("Limits: geometric quantiles 0.0013499 / 0.99865")
    # Laney: sigma_z's reading is a summary note (the docs' worked example: circuit boards)
    lu = spc.laney_u(datasets.circuit_boards().head(26), count="x", size="size")
    assert any(n.startswith("sigma_z = 1.43") for n in lu.summary().notes)
    # the CLI: g and t need no --rules any more; zmr takes --column part=
    path = tmp_path / "hours.parquet"
    hours.to_parquet(path)
    assert main(["chart", str(path), "--type", "t", "--value", "h"]) == 0
    assert "<ControlChart t: 8 subgroups" in capsys.readouterr().out
    z = pd.DataFrame({"part": ["A"] * 5 + ["B"] * 5 + ["A"] * 5,
                      "bore": [10.1, 10.0, 10.2, 9.9, 10.0, 25.3, 25.0, 25.4, 25.1, 25.2,
                               10.1, 9.8, 10.0, 10.2, 10.1]})
    zpath = tmp_path / "bores.parquet"
    z.to_parquet(zpath)
    assert main(["chart", str(zpath), "--type", "zmr", "--value", "bore",
                 "--column", "part=part"]) == 0
    assert "<ZmrChart: 15 points, 2 parts, 0 signals>" in capsys.readouterr().out
    assert spc.get_family("zmr").label_by == "part"
    # g and t take events= (one row per event) instead of value=: --column events=
    lots = pd.DataFrame({"lot_no": [3, 7, 8, 15, 21, 22, 30, 41, 44, 52]})
    lpath = tmp_path / "lots.parquet"
    lots.to_parquet(lpath)
    assert main(["chart", str(lpath), "--type", "g", "--column", "events=lot_no"]) == 0
    direct = spc.g_chart(lots, events="lot_no")
    out = capsys.readouterr().out
    assert f"<ControlChart g: 9 subgroups, n=1, {direct.n_signals} signals>" in out
    assert main(["chart", str(lpath), "--type", "g"]) == 2
    assert "g_chart needs exactly one of value=" in capsys.readouterr().err


def test_cli_lists_every_shipped_family():
    """``leankit chart --help`` names every built-in family (the list is static so the
    command line stays light to start)."""
    import subprocess
    import sys

    from leankit.cli import _CHART_TYPES

    code = ("import json; from leankit import spc; "
            "print(json.dumps([f.id for f in spc.families()]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    import json

    assert set(_CHART_TYPES) == set(json.loads(proc.stdout))
