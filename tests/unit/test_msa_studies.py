"""Unit tests of the type-1, linearity-and-bias and attribute agreement studies: results,
tables, summaries, figures and clear errors on bad input."""

from __future__ import annotations

import dataclasses
import pickle
import warnings

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from leankit.errors import (
    ColumnNotFoundError,
    DataQualityWarning,
    InsufficientDataError,
    SchemaError,
)
from leankit.msa._agreement import (
    AttributeAgreement,
    attribute_agreement,
    cohen_kappa,
    fleiss_kappa,
    kendall_w,
)
from leankit.msa._linearity import LinearityBias, linearity_bias
from leankit.msa._type1 import Type1Study, type1


def readings(n: int = 50, *, bias: float = 0.0005, sd: float = 0.001,
             seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"bore": 12.0 + bias + rng.normal(0, sd, n)})


def lin_data(seed: int = 1, slope: float = 0.0, m: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i, ref in enumerate([2.0, 4.0, 6.0, 8.0, 10.0]):
        for _ in range(m):
            rows.append({"master": f"M{i + 1}", "ref": ref,
                         "y": ref + slope * (ref - 6) + rng.normal(0, 0.05)})
    return pd.DataFrame(rows)


def agree_data(seed: int = 0, parts: int = 20, apps: tuple[str, ...] = ("A", "B", "C"),
               trials: int = 2, err: float = 0.1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    std = rng.choice(["pass", "fail"], size=parts)
    rows = []
    for a in apps:
        for t in range(1, trials + 1):
            for p in range(parts):
                r = std[p] if rng.random() > err else ("fail" if std[p] == "pass" else "pass")
                rows.append({"part": p + 1, "inspector": a, "trial": t, "verdict": r,
                             "truth": std[p]})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------ type 1


class TestType1:
    def test_result_and_tables(self):
        df = readings()
        before = df.copy()
        st = type1(df, value="bore", reference=12.0, tolerance=0.05)
        pd.testing.assert_frame_equal(df, before)  # input not mutated
        assert isinstance(st, Type1Study)
        assert st.n == 50 and st.capable in (True, False)
        frame = st.to_frame()
        assert list(frame.columns) == ["statistic", "estimate", "lower", "upper"]
        assert "cg" in set(frame["statistic"])
        assert st.readings["observation"].tolist() == list(range(1, 51))
        assert "Cg" in str(st.summary()) and "<table" in st.summary().to_html()
        assert repr(st).startswith("<Type1Study: n=50")
        with pytest.raises(dataclasses.FrozenInstanceError):
            st.n = 3  # type: ignore[misc]
        assert pickle.loads(pickle.dumps(st)).cg == st.cg

    def test_figure(self):
        st = type1(readings(), value="bore", reference=12.0, tolerance=0.05)
        fig = st.figure(unit="mm")
        assert isinstance(fig, go.Figure)
        names = [t.name for t in fig.data]
        assert "reference" in names and any("10 % of tolerance" in str(n) for n in names)
        assert fig.layout.xaxis.title.text and "mm" in fig.layout.yaxis.title.text
        upper = [t for t in fig.data if str(t.name).startswith("reference + ")][0]
        assert upper.y[0] == pytest.approx(12.0 + 0.1 * 0.05)

    def test_capable_and_not(self):
        good = type1(readings(sd=0.0005, bias=0.0), value="bore", reference=12.0,
                     tolerance=0.05)
        assert good.capable and good.verdict.startswith("Capable")
        bad = type1(readings(sd=0.003), value="bore", reference=12.0, tolerance=0.05)
        assert bad.capable is False and "Cg =" in bad.verdict

    def test_limits_give_the_tolerance(self):
        a = type1(readings(), value="bore", reference=12.0, lsl=11.975, usl=12.025)
        b = type1(readings(), value="bore", reference=12.0, tolerance=0.05)
        assert a.cg == pytest.approx(b.cg) and a.tolerance == pytest.approx(0.05)

    def test_no_tolerance_no_indices(self):
        st = type1(readings(), value="bore", reference=12.0)
        assert st.cg is None and st.capable is None and "No tolerance" in st.verdict

    def test_negative_cgk_has_no_pct_var(self):
        st = type1(readings(bias=0.006), value="bore", reference=12.0, tolerance=0.05)
        assert st.cgk is not None and st.cgk < 0
        assert st.pct_var_repeatability_bias is None
        assert any("Cgk ≤ 0" in n for n in st.notes)

    def test_few_readings_warn(self):
        with pytest.warns(DataQualityWarning, match="VDA 5"):
            type1(readings(10), value="bore", reference=12.0, tolerance=0.05)

    def test_coarse_resolution_warns(self):
        with pytest.warns(DataQualityWarning, match="5 %"):
            st = type1(readings(), value="bore", reference=12.0, tolerance=0.05,
                       resolution=0.01)
        assert st.resolution_ok is False
        ok = type1(readings(), value="bore", reference=12.0, tolerance=0.05,
                   resolution=0.001)
        assert ok.resolution_ok is True

    def test_errors(self):
        df = readings()
        with pytest.raises(ColumnNotFoundError, match="did you mean 'bore'"):
            type1(df, value="boer", reference=12.0)
        with pytest.raises(InsufficientDataError, match="at least 2 readings"):
            type1(df.head(1), value="bore", reference=12.0)
        with pytest.raises(TypeError, match="reference="):
            type1(df, value="bore", reference=None)  # type: ignore[arg-type]
        with pytest.raises(SchemaError, match="numeric"):
            type1(pd.DataFrame({"bore": ["12.0", "x"] * 20}), value="bore", reference=12.0)
        with pytest.raises(SchemaError, match="missing"):
            type1(pd.DataFrame({"bore": [12.0, np.nan] * 20}), value="bore", reference=12.0)
        with pytest.raises(InsufficientDataError, match="resolution is too coarse"):
            type1(pd.DataFrame({"bore": [12.0] * 30}), value="bore", reference=12.0)
        with pytest.raises(ValueError, match="k=0.2"):
            type1(df, value="bore", reference=12.0, tolerance=0.05, k=20)
        with pytest.raises(ValueError, match="both lsl= and usl="):
            type1(df, value="bore", reference=12.0, lsl=11.9)
        with pytest.raises(ValueError, match="disagrees"):
            type1(df, value="bore", reference=12.0, tolerance=0.1, lsl=11.9, usl=12.1001)
        with pytest.raises(ValueError, match="alpha="):
            type1(df, value="bore", reference=12.0, alpha=1.5)
        with pytest.raises(TypeError, match="DataFrame"):
            type1([1.0, 2.0], value="bore", reference=12.0)  # type: ignore[arg-type]

    def test_numeric_strings_are_read(self):
        df = pd.DataFrame({"bore": [f"{12 + 0.001 * (i % 5):.3f}" for i in range(30)]})
        st = type1(df, value="bore", reference=12.0, tolerance=0.05)
        assert st.n == 30


# -------------------------------------------------------------------- linearity


class TestLinearity:
    def test_result_and_tables(self):
        df = lin_data()
        before = df.copy()
        lb = linearity_bias(df, part="master", reference="ref", value="y", tolerance=1.0)
        pd.testing.assert_frame_equal(df, before)
        assert isinstance(lb, LinearityBias)
        assert list(lb.to_frame().columns) == ["part", "reference", "n", "mean", "bias", "sd",
                                               "t", "p_value", "lower", "upper", "pct_bias"]
        assert lb.process_variation == 1.0 and lb.linearity is not None
        assert list(lb.coefficients["term"]) == ["intercept", "slope"]
        assert "Gauge bias" in str(lb.summary())
        assert lb.linear_ok and "acceptable" in lb.verdict
        assert pickle.loads(pickle.dumps(lb)).slope == lb.slope

    def test_detects_nonlinearity(self):
        lb = linearity_bias(lin_data(slope=0.05), part="master", reference="ref", value="y")
        assert not lb.linear_ok and "not acceptable" in lb.verdict
        assert lb.linearity is None and lb.pct_linearity == pytest.approx(100 * abs(lb.slope))

    def test_figure(self):
        lb = linearity_bias(lin_data(), part="master", reference="ref", value="y")
        fig = lb.figure(unit="mm")
        assert isinstance(fig, go.Figure)
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
        assert {"regression line", "mean bias per reference", "bias = 0"} <= {
            t.name for t in fig.data}

    def test_errors(self):
        df = lin_data()
        with pytest.raises(ColumnNotFoundError):
            linearity_bias(df, part="master", reference="reference", value="y")
        bad = df.copy()
        bad.loc[3, "ref"] = 2.5
        with pytest.raises(SchemaError, match="one reference value.*'M1'"):
            linearity_bias(bad, part="master", reference="ref", value="y")
        one = df[df["ref"] == 2.0]
        with pytest.raises(InsufficientDataError, match="at least 2 different reference"):
            linearity_bias(one, part="master", reference="ref", value="y")
        single = pd.concat([df[df["master"] != "M5"], df[df["master"] == "M5"].head(1)])
        with pytest.raises(InsufficientDataError, match="fewer than 2 readings"):
            linearity_bias(single, part="master", reference="ref", value="y")
        text = df.astype({"y": object})
        text.loc[0, "y"] = "n/a"
        with pytest.raises(SchemaError, match="numeric"):
            linearity_bias(text, part="master", reference="ref", value="y")
        flat = df.copy()
        flat.loc[flat["master"] == "M2", "y"] = 4.0
        with pytest.raises(InsufficientDataError, match="all readings equal"):
            linearity_bias(flat, part="master", reference="ref", value="y")

    def test_few_references_noted(self):
        df = lin_data()
        lb = linearity_bias(df[df["ref"] <= 6], part="master", reference="ref", value="y")
        assert any("at least 5" in n for n in lb.notes)


# -------------------------------------------------------------- attribute agreement


class TestAgreement:
    def test_result_and_tables(self):
        df = agree_data()
        before = df.copy()
        aa = attribute_agreement(df, part="part", appraiser="inspector", rating="verdict",
                                 standard="truth", trial="trial")
        pd.testing.assert_frame_equal(df, before)
        assert isinstance(aa, AttributeAgreement)
        assert aa.appraisers == ("A", "B", "C") and aa.n_trials == 2 and aa.n_parts == 20
        frame = aa.to_frame()
        assert list(frame.columns) == ["section", "appraiser", "inspected", "matched",
                                       "percent", "lower", "upper"]
        assert list(pd.unique(frame["section"])) == ["within", "vs standard", "between",
                                                     "all vs standard"]
        assert (frame["lower"] <= frame["percent"]).all()
        assert (frame["percent"] <= frame["upper"]).all()
        assert set(aa.fleiss["section"]) == {"within", "vs standard", "between",
                                             "all vs standard"}
        # Cohen: 3 appraisers vs standard, 3 pairs, 3 within (2 trials)
        assert len(aa.cohen) == 9
        assert aa.kendall_w.empty and aa.kendall_tau.empty
        assert "verdict" in str(aa.summary())
        assert repr(aa).startswith("<AttributeAgreement: 3 appraisers")
        assert pickle.loads(pickle.dumps(aa)).n_parts == 20

    def test_counts_by_hand(self):
        df = pd.DataFrame({
            "part": [1, 1, 2, 2, 3, 3] * 2, "who": ["A"] * 6 + ["B"] * 6,
            "r": ["g", "g", "b", "g", "b", "b", "g", "g", "b", "b", "g", "b"],
            "s": ["g", "g", "b", "b", "b", "b"] * 2})
        aa = attribute_agreement(df, part="part", appraiser="who", rating="r", standard="s")
        w = aa.within.set_index("appraiser")
        assert w.loc["A", "matched"] == 2 and w.loc["B", "matched"] == 2
        vs = aa.vs_standard.set_index("appraiser")
        assert vs.loc["A", "matched"] == 2 and vs.loc["B", "matched"] == 2
        assert vs.loc["A", "mixed"] == 1 and vs.loc["B", "mixed"] == 1
        assert aa.between["matched"].iloc[0] == 1  # only part 1 is 'g' everywhere
        assert aa.all_vs_standard["matched"].iloc[0] == 1

    def test_trials_numbered_in_row_order(self):
        df = agree_data().drop(columns="trial")
        a = attribute_agreement(df, part="part", appraiser="inspector", rating="verdict",
                                standard="truth")
        b = attribute_agreement(agree_data(), part="part", appraiser="inspector",
                                rating="verdict", standard="truth", trial="trial")
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())

    def test_ordinal(self):
        rng = np.random.default_rng(5)
        std = rng.integers(1, 6, 15)
        rows = [(p, a, t, int(np.clip(std[p] + rng.integers(-1, 2), 1, 5)), int(std[p]))
                for a in ("A", "B") for t in (1, 2) for p in range(15)]
        df = pd.DataFrame(rows, columns=["part", "app", "trial", "score", "std"])
        aa = attribute_agreement(df, part="part", appraiser="app", rating="score",
                                 standard="std", trial="trial", ordinal=True)
        assert list(aa.kendall_w["section"]) == ["within", "within", "between"]
        assert list(aa.kendall_tau["section"]) == ["vs standard", "vs standard",
                                                   "all vs standard"]
        assert ((aa.kendall_w["w"] >= 0) & (aa.kendall_w["w"] <= 1)).all()

    def test_ordered_categorical(self):
        levels = ["low", "mid", "high"]
        df = pd.DataFrame({"part": [1, 2, 3, 4] * 2, "app": ["A"] * 4 + ["B"] * 4,
                           "r": pd.Categorical(["low", "mid", "high", "mid"] * 2,
                                               categories=levels, ordered=True)})
        aa = attribute_agreement(df, part="part", appraiser="app", rating="r", ordinal=True)
        assert aa.categories == ("low", "mid", "high")
        assert aa.kendall_w["w"].iloc[0] == pytest.approx(1.0)

    def test_figure(self):
        aa = attribute_agreement(agree_data(), part="part", appraiser="inspector",
                                 rating="verdict", standard="truth", trial="trial")
        fig = aa.figure()
        assert isinstance(fig, go.Figure) and len(fig.data) == 2
        assert [a.text for a in fig.layout.annotations] == ["Within appraisers",
                                                            "Appraiser vs standard"]
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
        only_between = attribute_agreement(agree_data(trials=1), part="part",
                                           appraiser="inspector", rating="verdict")
        assert len(only_between.figure().data) == 1

    def test_kappa_lookup(self):
        aa = attribute_agreement(agree_data(), part="part", appraiser="inspector",
                                 rating="verdict", standard="truth", trial="trial")
        assert -1 <= aa.kappa("vs standard", "A") <= 1
        assert -1 <= aa.kappa("within", "B", "pass") <= 1
        with pytest.raises(KeyError, match="sections"):
            aa.kappa("nonsense")

    def test_unequal_trials_names_the_cells(self):
        df = agree_data()
        df = df.drop(df[(df["inspector"] == "B") & (df["part"] == 7) & (df["trial"] == 2)]
                     .index)
        with pytest.raises(SchemaError, match=r"\(B, 7\): 1") as exc:
            attribute_agreement(df, part="part", appraiser="inspector", rating="verdict",
                                trial="trial")
        assert len(exc.value.failure_cases) == 1

    def test_missing_cell_named(self):
        df = agree_data()
        df = df[~((df["inspector"] == "C") & (df["part"] == 3))]
        with pytest.raises(SchemaError, match=r"no rating: \(C, 3\)"):
            attribute_agreement(df, part="part", appraiser="inspector", rating="verdict")

    def test_standard_must_be_constant_per_part(self):
        df = agree_data()
        df.loc[(df["part"] == 4) & (df["inspector"] == "A"), "truth"] = "maybe"
        with pytest.raises(SchemaError, match="part 4"):
            attribute_agreement(df, part="part", appraiser="inspector", rating="verdict",
                                standard="truth")

    def test_nothing_to_compare(self):
        df = agree_data(apps=("A",), trials=1)
        with pytest.raises(InsufficientDataError, match="nothing to compare"):
            attribute_agreement(df, part="part", appraiser="inspector", rating="verdict")
        # one appraiser, one trial, with a standard is fine
        aa = attribute_agreement(df, part="part", appraiser="inspector", rating="verdict",
                                 standard="truth")
        assert aa.within.empty and aa.between.empty and len(aa.vs_standard) == 1

    def test_other_errors(self):
        df = agree_data()
        with pytest.raises(ColumnNotFoundError, match="did you mean 'inspector'"):
            attribute_agreement(df, part="part", appraiser="inspektor", rating="verdict")
        with pytest.raises(InsufficientDataError, match="at least 2 parts"):
            attribute_agreement(df[df["part"] == 1], part="part", appraiser="inspector",
                                rating="verdict")
        miss = df.astype({"verdict": object})
        miss.loc[5, "verdict"] = None
        with pytest.raises(SchemaError, match="missing in 1 row"):
            attribute_agreement(miss, part="part", appraiser="inspector", rating="verdict")
        with pytest.raises(SchemaError, match="numeric ratings"):
            attribute_agreement(df, part="part", appraiser="inspector", rating="verdict",
                                ordinal=True)
        dup = pd.concat([df, df.head(1)])
        with pytest.raises(SchemaError, match="trial is repeated"):
            attribute_agreement(dup, part="part", appraiser="inspector", rating="verdict",
                                trial="trial")
        with pytest.raises(ValueError, match="confidence="):
            attribute_agreement(df, part="part", appraiser="inspector", rating="verdict",
                                confidence=95)


class TestStatistics:
    def test_fleiss_errors(self):
        with pytest.raises(ValueError, match="same number of raters"):
            fleiss_kappa([[1, 2], [2, 2]])
        with pytest.raises(ValueError, match="at least 2 ratings"):
            fleiss_kappa([[1, 0], [0, 1]])

    def test_fleiss_unused_category_is_nan(self):
        fk = fleiss_kappa([[2, 0, 0], [0, 2, 0], [1, 1, 0]], ["a", "b", "c"])
        assert np.isnan(fk.per_category.set_index("category").loc["c", "kappa"])
        assert np.isfinite(fk.kappa)

    def test_cohen_errors_and_degenerate(self):
        with pytest.raises(ValueError, match="square"):
            cohen_kappa([[1, 2, 3], [1, 2, 3]])
        assert np.isnan(cohen_kappa([[5, 0], [0, 0]]).kappa)

    def test_kendall_errors(self):
        with pytest.raises(ValueError, match="at least 2"):
            kendall_w([[1, 2, 3]])


def test_computation_modules_do_not_import_plotly():
    import subprocess
    import sys

    code = ("import sys; sys.modules['plotly'] = None\n"
            "import leankit.msa._type1, leankit.msa._linearity, leankit.msa._agreement\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_no_warning_on_clean_study():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        type1(readings(), value="bore", reference=12.0, tolerance=0.05)
        linearity_bias(lin_data(), part="master", reference="ref", value="y")
        attribute_agreement(agree_data(), part="part", appraiser="inspector",
                            rating="verdict", standard="truth")


# ------------------------------------------------------------------ sample data


def test_sample_files_are_reproducible(tmp_path):
    """scripts/make_msa_studies.py writes byte-identical files to the committed ones."""
    import runpy

    from conftest import REPO, SAMPLE_DATA

    mod = runpy.run_path(str(REPO / "scripts" / "make_msa_studies.py"))
    mod["make"](tmp_path)
    for name in ("type1_bore.csv", "linearity_bore.csv", "visual_inspection_agreement.csv",
                 "truth_studies.json"):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DATA / "gage_study" / name)\
            .read_bytes(), name


def test_sample_studies_recover_the_planted_parameters():
    import json

    from conftest import SAMPLE_DATA

    folder = SAMPLE_DATA / "gage_study"
    truth = json.loads((folder / "truth_studies.json").read_text("utf-8"))
    t1 = truth["type1_bore.csv"]
    gauge = truth["gauge"]
    st = type1(pd.read_csv(folder / "type1_bore.csv"), value="diameter_mm",
               reference=t1["reference"], lsl=gauge["lsl"], usl=gauge["usl"],
               resolution=gauge["resolution"])
    assert st.bias_lower <= t1["planted_bias"] <= st.bias_upper
    # s from 50 readings is within ±25 % of sigma with overwhelming probability
    assert st.cg == pytest.approx(t1["planted_cg"], rel=0.25)
    assert st.capable and st.resolution_ok
    lin = truth["linearity_bore.csv"]
    lb = linearity_bias(pd.read_csv(folder / "linearity_bore.csv"), part="master",
                        reference="reference_mm", value="diameter_mm",
                        process_variation=lin["process_variation"])
    slope = lb.coefficients.set_index("term").loc["slope"]
    assert slope["lower"] <= lin["planted_slope"] <= slope["upper"]
    assert not lb.linear_ok
    aa_truth = truth["visual_inspection_agreement.csv"]
    aa = attribute_agreement(pd.read_csv(folder / "visual_inspection_agreement.csv"),
                             part="part", appraiser="inspector", rating="rating",
                             standard="standard", trial="trial")
    assert aa.n_parts == aa_truth["parts"] and aa.n_trials == aa_truth["trials"]
    ranking = aa.vs_standard.sort_values("percent", ascending=False)["appraiser"].tolist()
    planted = sorted(aa_truth["inspectors"], key=lambda a: aa_truth["inspectors"][a]["miss"])
    assert ranking == planted


def test_standard_outside_the_categorical_rating():
    levels = ["low", "mid", "high"]
    df = pd.DataFrame({"part": [1, 2, 3] * 2, "app": ["A"] * 3 + ["B"] * 3,
                       "r": pd.Categorical(["low", "mid", "high"] * 2, categories=levels,
                                           ordered=True),
                       "s": ["low", "mid", "top"] * 2})
    with pytest.raises(SchemaError, match=r"\['top'\] of 's' are not among"):
        attribute_agreement(df, part="part", appraiser="app", rating="r", standard="s",
                            ordinal=True)
