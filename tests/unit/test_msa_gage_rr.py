"""Unit tests of leankit.msa.gage_rr: results, options, clear errors, figure, CI coverage."""

from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pandas as pd
import pytest

from leankit import msa
from leankit.errors import ColumnNotFoundError, InsufficientDataError, SchemaError


def study(*, parts: int = 10, ops: int = 3, trials: int = 3, sd_part: float = 1.0,
          sd_op: float = 0.2, sd_int: float = 0.0, sd_e: float = 0.1, seed: int = 1,
          nested: bool = False) -> pd.DataFrame:
    """A simulated balanced study (random part, operator, interaction, error effects)."""
    rng = np.random.default_rng(seed)
    rows = []
    op_eff = rng.normal(0, sd_op, ops)
    if nested:
        for o in range(ops):
            for p in range(parts):
                mu = 10 + op_eff[o] + rng.normal(0, sd_part)
                for t in range(trials):
                    rows.append({"operator": f"O{o + 1}", "part": f"O{o + 1}-P{p + 1}",
                                 "trial": t + 1, "value": mu + rng.normal(0, sd_e)})
        return pd.DataFrame(rows)
    part_eff = rng.normal(0, sd_part, parts)
    inter = rng.normal(0, sd_int, (ops, parts)) if sd_int > 0 else np.zeros((ops, parts))
    for t in range(trials):
        for o in range(ops):
            for p in range(parts):
                rows.append({"operator": f"O{o + 1}", "part": p + 1, "trial": t + 1,
                             "value": 10 + part_eff[p] + op_eff[o] + inter[o, p]
                             + rng.normal(0, sd_e)})
    return pd.DataFrame(rows)


def grr(df: pd.DataFrame, **kw: object) -> msa.GageRR:
    return msa.gage_rr(df, part="part", operator="operator", value="value", **kw)


# ------------------------------------------------------------------ the result


def test_result_is_frozen_picklable_and_documented():
    r = grr(study())
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.ndc = 3  # type: ignore[misc]
    again = pickle.loads(pickle.dumps(r))
    pd.testing.assert_frame_equal(again.components, r.components)
    assert type(r).__module__ == "leankit.msa"
    assert repr(r).startswith("<GageRR anova crossed: 10 parts × 3 operators × 3 trials;")
    text = str(r.summary())
    assert "Components of variation" in text and "ANOVA" in text and "Notes" in text
    assert "<table" in r.summary().to_html()
    frame = r.to_frame()
    assert list(frame.columns) == ["component", "source", "variance", "sd", "study_var",
                                   "pct_contribution", "pct_study_var", "pct_tolerance",
                                   "pct_process", "var_lower", "var_upper", "sd_lower",
                                   "sd_upper"]
    frame.loc[0, "variance"] = -1.0  # a copy
    assert r.components.loc[0, "variance"] >= 0
    assert r.exclusions.empty


def test_input_is_not_mutated():
    df = study()
    before = df.copy()
    grr(df, method="xbar_r")
    grr(df, tolerance=5.0)
    pd.testing.assert_frame_equal(df, before)


def test_components_add_up():
    r = grr(study(sd_int=0.3, seed=4), alpha_interaction=1.0)  # keep the interaction
    c = r.components.set_index("component")["variance"]
    assert not r.interaction_pooled and "operator_part" in c.index
    assert c["reproducibility"] == pytest.approx(c["operator"] + c["operator_part"])
    assert c["gage_rr"] == pytest.approx(c["repeatability"] + c["reproducibility"])
    assert c["total"] == pytest.approx(c["gage_rr"] + c["part"])
    pct = r.components.set_index("component")["pct_contribution"]
    assert pct["gage_rr"] + pct["part"] == pytest.approx(100)


def test_significant_interaction_is_kept_and_stated():
    r = grr(study(sd_int=0.5, sd_e=0.05, seed=2))
    assert r.interaction_p < 0.05 and not r.interaction_pooled
    assert r.anova_reduced.empty
    assert any("significant" in n and "kept" in n for n in r.notes)
    # the components follow the full-model expected mean squares
    t = r.anova.set_index("source")["ms"]
    c = r.components.set_index("component")["variance"]
    assert c["operator_part"] == pytest.approx((t["Operator × part"] - t["Repeatability"]) / 3)
    assert c["part"] == pytest.approx((t["Part"] - t["Operator × part"]) / 9)


def test_alpha_interaction_controls_pooling():
    df = study(sd_int=0.0, seed=3)
    assert grr(df).interaction_pooled
    assert not grr(df, alpha_interaction=1.0).interaction_pooled
    assert not grr(df, alpha_interaction=1.0).anova_reduced.shape[0]


def test_tolerance_process_and_study_var():
    df = study()
    a = grr(df, tolerance=6.0, historical_sigma=1.2)
    b = grr(df, lsl=7.0, usl=13.0, historical_sigma=1.2, study_var=5.15)
    ca, cb = a.component("gage_rr"), b.component("gage_rr")
    assert a.tolerance == b.tolerance == 6.0
    assert ca["pct_tolerance"] == pytest.approx(100 * 6 * ca["sd"] / 6.0)
    assert cb["pct_tolerance"] == pytest.approx(100 * 5.15 * cb["sd"] / 6.0)
    assert ca["pct_process"] == pytest.approx(100 * ca["sd"] / 1.2)
    assert ca["pct_study_var"] == pytest.approx(cb["pct_study_var"])  # a ratio: k cancels
    assert cb["study_var"] == pytest.approx(5.15 * cb["sd"])
    assert "tolerance" in a.finding()
    assert math.isnan(grr(df).pct_tolerance)


def test_verdict_thresholds():
    good = grr(study(sd_e=0.02, sd_op=0.01))
    assert good.verdict == "acceptable" and good.pct_study_var < 10 and good.ndc >= 5
    assert good.finding().startswith("Acceptable (AIAG)")
    bad = grr(study(sd_e=0.8, sd_op=0.5))
    assert bad.verdict == "unacceptable" and bad.pct_study_var > 30
    # %tolerance can govern: a gauge fine against the parts but not against a tight spec
    tight = grr(study(sd_e=0.02, sd_op=0.01), tolerance=0.2)
    assert tight.pct_tolerance > 30 and tight.verdict == "unacceptable"
    assert "Unacceptable" in tight.finding()


def test_ndc_is_truncated_and_at_least_one():
    r = grr(study(sd_part=0.01, sd_e=1.0))
    assert r.ndc == 1
    c = r.components.set_index("component")["sd"]
    r2 = grr(study())
    c2 = r2.components.set_index("component")["sd"]
    assert r2.ndc == math.floor(1.41 * c2["part"] / c2["gage_rr"])
    assert c["gage_rr"] > 0


def test_perfect_gauge_has_no_ndc():
    df = study(sd_e=0.1)
    df["value"] = 10 + df["part"] * 0.5  # every operator reads every part identically
    r = grr(df)
    assert r.ndc is None and r.verdict == "acceptable"
    assert r.component("gage_rr")["variance"] == pytest.approx(0, abs=1e-20)
    assert "∞" in repr(r)


def test_xbar_r_method():
    r = grr(study(), method="xbar_r")
    assert r.anova.empty and math.isnan(r.interaction_p)
    assert list(r.components["component"]) == ["gage_rr", "repeatability", "reproducibility",
                                               "part", "total"]
    assert {"K1", "K2", "K3", "rbar", "xdiff", "rp"} <= set(r.constants)
    assert r.ci_method.startswith("none")


def test_xbar_r_small_study_uses_d2_star_for_k1():
    """With g = parts × operators <= 15 ranges, K1 = 1/d2*(trials, g) (AIAG Appendix C)."""
    from leankit.msa._d2star import d2_star

    r = grr(study(parts=5, ops=2, trials=2), method="xbar_r")
    assert r.constants["K1"] == pytest.approx(1 / d2_star(2, 10))


def test_nested_design():
    df = study(nested=True, parts=5, ops=3, trials=2)
    r = grr(df, design="nested")
    assert (r.n_parts, r.n_operators, r.n_trials) == (5, 3, 2)
    assert list(r.anova["source"]) == ["Operator", "Part (operator)", "Repeatability",
                                       "Total"]
    c = r.components.set_index("component")["variance"]
    assert c["reproducibility"] == c["operator"]
    assert any("nested" in n for n in r.notes)


def test_confidence_intervals_bracket_the_estimates():
    r = grr(study(sd_int=0.3, seed=8), alpha_interaction=1.0)
    c = r.components
    assert (c["var_lower"] <= c["variance"] + 1e-12).all()
    assert (c["variance"] <= c["var_upper"] + 1e-12).all()
    assert (c["var_lower"] >= 0).all()
    assert np.allclose(c["sd_lower"] ** 2, c["var_lower"])
    wider = grr(study(sd_int=0.3, seed=8), alpha_interaction=1.0, confidence=0.99).components
    assert (wider["var_upper"] >= c["var_upper"] - 1e-12).all()


def test_mls_interval_coverage():
    """Simulated coverage of the 95 % MLS intervals (Burdick, Borror & Montgomery 2005 find
    them close to the stated level, slightly conservative): 300 studies of 10 parts × 3
    operators × 2 trials with known components; the coverage of part, gage R&R,
    repeatability and total variance is between 90 % and 99.7 %."""
    truth = {"part": 1.0, "gage_rr": 0.2 ** 2 + 0.3 ** 2, "repeatability": 0.3 ** 2,
             "total": 1.0 + 0.2 ** 2 + 0.3 ** 2}
    hits = dict.fromkeys(truth, 0)
    n = 300
    for seed in range(n):
        r = grr(study(trials=2, sd_part=1.0, sd_op=0.2, sd_e=0.3, seed=1000 + seed),
                alpha_interaction=0.0)  # always the model without interaction (true here)
        c = r.components.set_index("component")
        for k, v in truth.items():
            hits[k] += c.loc[k, "var_lower"] <= v <= c.loc[k, "var_upper"]
    for k, h in hits.items():
        assert 0.90 <= h / n <= 0.997, (k, h / n)


def test_figure_has_six_titled_panels():
    pytest.importorskip("plotly")
    r = grr(study(), tolerance=6.0)
    fig = r.figure(unit="mm", value_label="bore diameter")
    layout = fig.layout
    axes = [k for k in layout if k.startswith(("xaxis", "yaxis"))]
    assert len(axes) == 12
    for k in axes:
        assert layout[k].title.text, k
    assert "(mm)" in layout.yaxis2.title.text
    names = {t.name for t in fig.data if t.type == "bar"}
    assert names == {"% contribution", "% study variation", "% tolerance"}
    grr(study(nested=True, parts=4), design="nested").figure()


def test_computation_does_not_import_plotly():
    import subprocess
    import sys

    code = ("import sys; sys.modules['plotly'] = None\n"
            "import pandas as pd\nfrom leankit import msa\n"
            "df = pd.DataFrame({'p': [1, 1, 2, 2] * 2, 'o': list('AAAABBBB'),"
            " 'v': [1.0, 1.1, 2.0, 2.1, 1.2, 1.1, 2.2, 2.0]})\n"
            "print(msa.gage_rr(df, part='p', operator='o', value='v').ndc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().isdigit()


# ------------------------------------------------------------------ errors


def test_missing_column():
    with pytest.raises(ColumnNotFoundError, match="did you mean 'value'"):
        msa.gage_rr(study(), part="part", operator="operator", value="valeu")


def test_non_numeric_values():
    df = study()
    df["value"] = df["value"].astype(object)
    df.loc[5, "value"] = "12,3"
    with pytest.raises(SchemaError, match=r"not numbers \(row 5: '12,3'\)") as e:
        grr(df)
    assert len(e.value.failure_cases) == 1


def test_missing_values():
    df = study()
    df.loc[[3, 7], "value"] = np.nan
    with pytest.raises(SchemaError, match=r"2 missing or infinite value\(s\) \(rows 3, 7\)"):
        grr(df)
    df = study()
    df.loc[2, "operator"] = None
    with pytest.raises(SchemaError, match="operator"):
        grr(df)


def test_missing_cell_is_named():
    df = study()
    df = df[~((df["operator"] == "O2") & (df["part"] == 4))]
    with pytest.raises(SchemaError, match=r"1 operator/part cell\(s\) have no measurement: "
                                          r"\('O2', 4\)") as e:
        grr(df)
    assert e.value.failure_cases.iloc[0].tolist() == ["O2", 4, 0]


def test_unequal_trials_are_named():
    df = study()
    df = df.drop(df[(df["operator"] == "O3") & (df["part"] == 7)].index[:1])
    with pytest.raises(SchemaError, match=r"most operator/part cells have 3 trials but 1 "
                                          r"differ \(\('O3', 7\): 2\)"):
        grr(df)


def test_part_measured_by_one_operator_in_crossed_study():
    df = study()
    df.loc[df["part"] == 10, "operator"] = "O1"
    with pytest.raises(SchemaError, match=r"part\(s\) were measured by only one operator.*"
                                          r"part 10 only by 'O1'.*design='nested'"):
        grr(df)


def test_nested_study_analysed_as_crossed_says_so():
    with pytest.raises(SchemaError, match="design='nested'"):
        grr(study(nested=True))


def test_crossed_study_analysed_as_nested_says_so():
    with pytest.raises(SchemaError, match="measured by more than one operator.*"
                                          "design='crossed'"):
        grr(study(), design="nested")


def test_too_few_operators_parts_trials():
    with pytest.raises(InsufficientDataError, match="at least 2 operators"):
        grr(study(ops=1))
    with pytest.raises(InsufficientDataError, match="at least 2 parts"):
        grr(study(parts=1))
    with pytest.raises(InsufficientDataError, match="at least 2 trials"):
        grr(study(trials=1))
    with pytest.raises(InsufficientDataError, match="at least 2 trials"):
        grr(study(trials=1, nested=True), design="nested")
    with pytest.raises(InsufficientDataError, match="at least 2 parts per operator"):
        grr(study(parts=1, nested=True), design="nested")


def test_unbalanced_nested():
    df = study(nested=True, parts=3)
    df = df[df["part"] != "O2-P3"]
    with pytest.raises(SchemaError, match="different numbers of parts"):
        grr(df, design="nested")


@pytest.mark.parametrize(("kw", "match"), [
    ({"method": "range"}, "method must be"),
    ({"design": "mixed"}, "design must be"),
    ({"design": "nested", "method": "xbar_r"}, "needs a crossed study"),
    ({"tolerance": 1.0, "lsl": 0.0, "usl": 1.0}, "not both"),
    ({"lsl": 1.0}, "both lsl= and usl="),
    ({"lsl": 2.0, "usl": 1.0}, "greater than lsl"),
    ({"tolerance": -1.0}, "positive"),
    ({"historical_sigma": 0.0}, "positive"),
    ({"confidence": 1.0}, "between 0 and 1"),
    ({"alpha_interaction": 2.0}, "between 0 and 1"),
    ({"study_var": 0.0}, "positive"),
])
def test_invalid_options(kw, match):
    with pytest.raises(ValueError, match=match):
        grr(study(), **kw)


def test_wrong_types():
    with pytest.raises(TypeError, match="DataFrame"):
        msa.gage_rr(study().to_dict(), part="part", operator="operator", value="value")
    with pytest.raises(SchemaError, match="three different columns"):
        msa.gage_rr(study(), part="part", operator="part", value="value")


def test_component_lookup_error():
    r = grr(study())
    assert r.interaction_pooled
    with pytest.raises(KeyError, match="no component 'operator_part'"):
        r.component("operator_part")
