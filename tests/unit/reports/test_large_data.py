"""The weekly report on characteristics too large to read (``[report]
raw_values_limit``): charted from subgroup statistics computed in the engine, capability
from engine summaries. Checked against the raw path on the demo dataset (the same
report with the limit above every characteristic): the same charts, limits, signals and
capability; and that no large characteristic's rows are brought into Python."""

from __future__ import annotations

import dataclasses
import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import report_helpers

from leankit.data._source import Source
from leankit.reports import ReportSpecError, load_spec, weekly_report
from leankit.reports._analysis import analyse_week
from leankit.reports._large import ADVICE_SUBGROUPS
from leankit.reports._spec import spec_from_dict

demo_dir = report_helpers.demo_dir
demo_data = report_helpers.demo_data

SUBGROUPED = ("bore_diameter", "flange_thickness", "runout", "shaft_diameter", "length")


def _pair(spec: Any) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = analyse_week(spec)
        big = analyse_week(dataclasses.replace(spec, raw_values_limit=1))
    return raw, big


@pytest.fixture(scope="module")
def pair(demo_dir: Path) -> tuple[Any, Any]:
    return _pair(load_spec(demo_dir / "weekly.toml"))


def test_engine_statistics_give_the_raw_paths_verdicts(pair: tuple[Any, Any]) -> None:
    raw, big = pair
    assert [v.name for v in raw.series] == [v.name for v in big.series]
    for a, b in zip(raw.series, big.series, strict=True):
        assert (a.charted, a.family, a.transformation, a.companion_family) == (
            b.charted, b.family, b.transformation, b.companion_family), a.name
        assert (a.special_cause, a.first_signal, a.new) == (
            b.special_cause, b.first_signal, b.new), a.name
        if a.kind != "measurements":
            continue
        large = a.name in SUBGROUPED
        assert bool(b.scale_note) is large and not a.scale_note
        la, lb = a.chart.limits, b.chart.limits
        np.testing.assert_allclose(la[["center", "lcl", "ucl"]].to_numpy(float),
                                   lb[["center", "lcl", "ucl"]].to_numpy(float),
                                   rtol=1e-9, err_msg=a.name)
        pa, pb = a.chart.points, b.chart.points
        np.testing.assert_allclose(pa["statistic"].to_numpy(float),
                                   pb["statistic"].to_numpy(float), rtol=1e-9,
                                   atol=1e-12, equal_nan=True, err_msg=a.name)
        assert list(pa["signal"]) == list(pb["signal"]), a.name
        if a.companion is not None:
            np.testing.assert_allclose(a.companion.points["statistic"].to_numpy(float),
                                       b.companion.points["statistic"].to_numpy(float),
                                       rtol=1e-9, err_msg=a.name)
        ca, cb = a.capability, b.capability
        assert (ca.assessed, ca.index, ca.basis, ca.n, ca.side) == (
            cb.assessed, cb.index, cb.basis, cb.n, cb.side), a.name
        if ca.assessed:
            for k in ("value", "lower", "upper", "previous"):
                assert getattr(cb, k) == pytest.approx(getattr(ca, k), rel=1e-9,
                                                       nan_ok=True), (a.name, k)


def test_the_sample_covers_the_planted_shift_and_the_lognormal(pair: tuple[Any, Any]) -> None:
    _, big = pair
    by = {v.name: v for v in big.series}
    assert by["bore_diameter"].special_cause  # the planted +0.020 mm shift of W44
    assert by["runout"].capability.model.startswith("lognormal")  # exact from ln moments
    assert "subgroup statistics computed in the engine" in by["length"].scale_note


def test_large_characteristics_are_never_read_whole(demo_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read of measurement rows is recorded: the large characteristics' rows come
    only from the advisor's sample of baseline subgroups."""
    reads: list[pd.DataFrame] = []
    original = Source.read

    def spy(self: Source, kind: str, **kw: Any) -> pd.DataFrame:
        out = original(self, kind, **kw)
        if kind == "measurements":
            reads.append(out)
        return out

    monkeypatch.setattr(Source, "read", spy)
    spec = dataclasses.replace(load_spec(demo_dir / "weekly.toml"), raw_values_limit=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analyse_week(spec)
    assert reads
    for frame in reads:
        if "characteristic" in frame and frame["characteristic"].isin(SUBGROUPED).any():
            raise AssertionError("a large characteristic was read with its raw rows")
        if "subgroup" in frame and "characteristic" not in frame:  # the advisor's sample
            assert frame["subgroup"].nunique() <= ADVICE_SUBGROUPS


def test_raw_batches_bound_each_read(demo_dir: Path, monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    sizes: list[int] = []
    original = Source.read

    def spy(self: Source, kind: str, **kw: Any) -> pd.DataFrame:
        out = original(self, kind, **kw)
        if kind == "measurements" and "characteristic" in out:
            sizes.append(len(out))
        return out

    monkeypatch.setattr(Source, "read", spy)
    spec = load_spec(demo_dir / "weekly.toml")
    individuals = dataclasses.replace(
        spec, characteristics=tuple(c for c in spec.characteristics
                                    if c.name not in SUBGROUPED), raw_values_limit=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = analyse_week(individuals)
    assert all(v.charted for v in a.series if v.kind == "measurements")
    # 3 individuals series of about 880 rows each: two in one read, the third alone
    assert len(sizes) == 2 and max(sizes) <= 2000 and sum(sizes) > 2000


def test_frozen_limits_from_statistics(demo_dir: Path, tmp_path: Path) -> None:
    """A version in the limits registry: scored from engine statistics the same way."""
    from leankit import spc
    from leankit.io import read_table

    data = tmp_path / "data"
    shutil.copytree(demo_dir / "data", data)
    m = read_table(data, "measurements")
    flange = m[(m["characteristic"] == "flange_thickness")
               & (m["timestamp"] < pd.Timestamp("2026-10-05", tz="UTC"))]
    chart = spc.xbar_s(flange, value="value", subgroup="subgroup", time="timestamp",
                       rules="we_1")
    spc.LimitsStore(data).freeze("flange_thickness", chart, reason="PPAP", by="qe")
    spec = spec_from_dict({"report": {"data": str(data), "week": "2026-W44"},
                           "characteristics": [{"name": "flange_thickness"}]}, base=data)
    raw, big = _pair(spec)
    a, b = raw.series[0], big.series[0]
    assert b.scale_note and a.limits_source == b.limits_source
    assert a.limits_source.startswith("limits v1")
    np.testing.assert_allclose(a.chart.points["statistic"], b.chart.points["statistic"],
                               rtol=1e-9)
    assert list(a.chart.points["signal"]) == list(b.chart.points["signal"])
    assert b.capability.value == pytest.approx(a.capability.value, rel=1e-9)


def test_report_says_what_was_computed_in_the_engine(demo_dir: Path, tmp_path: Path
                                                    ) -> None:
    spec = dataclasses.replace(load_spec(demo_dir / "weekly.toml"), raw_values_limit=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = weekly_report(spec)
    html = rep.to_html()
    assert "Large data: 1,885 values: charted from subgroup statistics" in html
    assert "Large data: 5 characteristic(s) with more than 1 values" in html
    path = rep.write(tmp_path / "weekly.html")
    doc = json.loads(path.with_suffix(".json").read_text("utf-8"))
    got = {c["characteristic"]: c["computed_from"] for c in doc["characteristics"]}
    assert got["bore_diameter"] == "engine statistics"
    assert got["hardness"] == "raw values"


@pytest.mark.parametrize("bad", [0, -5, 1.5, "many", True])
def test_raw_values_limit_is_checked(demo_data: Path, bad: Any) -> None:
    with pytest.raises(ReportSpecError, match=r"raw_values_limit = .*whole number >= 1"):
        spec_from_dict({"report": {"data": str(demo_data), "raw_values_limit": bad}},
                       base=demo_data)


def test_report_charts_are_svg_and_decimated() -> None:
    """A browser keeps about 16 WebGL contexts alive: report charts never use WebGL, and
    a long series is drawn decimated (first, last, min, max of 500 buckets + signals)."""
    from leankit import spc
    from leankit.reports._report import REPORT_FIGURE
    from leankit.spc import chart_figure

    rng = np.random.default_rng(5)
    x = rng.normal(10, 1, 20_000)
    x[12_345] = 20.0  # a signal is always drawn
    chart = spc.i_mr(pd.DataFrame({"x": x}), value="x")
    fig = chart_figure(chart, compact=True, **REPORT_FIGURE)
    assert {t.type for t in fig.data} <= {"scatter"}
    marks = [t for t in fig.data if t.mode and "markers" in t.mode]
    assert max(len(t.x) for t in marks) <= 2_000 + 10
    assert any(20.0 in list(t.y) for t in marks)
    assert "of 500 buckets" in " ".join(str(a.text) for a in fig.layout.annotations)


def test_no_engine_noise_in_the_report(pair: tuple[Any, Any]) -> None:
    """The engines' warnings about each other (DuckDB's deprecations seen by Ibis) are
    not the reader's to act on: no such note in the report."""
    _, big = pair
    assert not [n for n in big.notes if "deprecated" in n[1]], big.notes


def test_a_characteristic_subgrouped_by_lot(tmp_path: Path) -> None:
    """`subgroup = "lot"`: the large path groups by the lot column, as the raw path."""
    import leankit.io as lio

    rng = np.random.default_rng(11)
    n = 8 * 7 * 24 * 5  # 8 weeks, one lot of 5 an hour
    ts = pd.date_range("2026-09-07", periods=n, freq="12min", tz="UTC")
    x = rng.normal(50.0, 0.2, n) + np.repeat(rng.normal(0, 0.05, n // 5), 5)
    x[-300:] += 0.4  # a shift in the last week
    csv = tmp_path / "m.csv"
    pd.DataFrame({"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "characteristic": "weight",
                  "value": np.round(x, 4), "unit": "g",
                  "lot": [f"L{i // 5:05d}" for i in range(n)]}).to_csv(csv, index=False)
    data = tmp_path / "data"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lio.ingest(csv, kind="measurements", out=data, profile="canonical")
    spec = spec_from_dict({"report": {"data": str(data), "week": "2026-W44",
                                      "baseline_weeks": 4},
                           "characteristics": [{"name": "weight", "subgroup": "lot",
                                                "lsl": 48.5, "usl": 51.5}]}, base=data)
    raw, big = _pair(spec)
    a, b = raw.series[0], big.series[0]
    assert a.charted and b.charted and b.scale_note and not a.scale_note
    assert (a.family, a.transformation, a.special_cause) == (
        b.family, b.transformation, b.special_cause)
    assert a.special_cause  # the planted shift
    np.testing.assert_allclose(a.chart.points["statistic"], b.chart.points["statistic"],
                               rtol=1e-9)
    assert b.capability.value == pytest.approx(a.capability.value, rel=1e-9)
