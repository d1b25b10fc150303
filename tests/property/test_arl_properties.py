"""Properties of ``spc.arl`` (Hypothesis, bounded) plus its interface and validation.

Monotonicity: the ARL falls as |shift| grows (for rules that look for shifts: beyond the
limits, k of m beyond a zone, runs on one side; not for stratification/mixture rules,
which fire *less* after a shift); the in-control ARL grows with L, h and nsigmas; adding
a rule never lengthens a run (it can only fire earlier). Identities: EWMA with λ=1 is the
Shewhart chart; with rule 1 alone the run length is geometric (closed-form SDRL,
quantiles and signal probabilities); a subgroup of n moves the chart by shift·√n; the
distribution sums to the ARL. Consistency: the Markov chain agrees with a seeded
simulation scored by the charts' own rule engine for random custom rules.
"""

from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from leankit import spc
from leankit.errors import LeankitError
from leankit.spc._arl import _simulate_shewhart
from leankit.spc._rules import resolve_rules

FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

SHIFT_RULES = ["we_1", "we_2", "we_3", "we_4", "nelson_2", "nelson_5", "nelson_6"]
MARKOV_RULES = [*SHIFT_RULES, "nelson_7", "nelson_8"]

shifts = st.floats(min_value=0.0, max_value=3.0, allow_nan=False)
lams = st.floats(min_value=0.05, max_value=1.0, allow_nan=False)
rule_sets = st.lists(st.sampled_from(SHIFT_RULES), min_size=1, max_size=4, unique=True)


def _arl(**kw: object) -> np.ndarray:
    return spc.arl(**kw).to_frame()["arl"].to_numpy()  # type: ignore[arg-type]


def _arl_or_skip(**kw: object) -> spc.RunLength:
    """spc.arl, skipping examples whose ARL exceeds 1e12 (a documented, tested error:
    e.g. 15 points in a row within 1 sigma after a 2-sigma shift, ARL 1.2e12)."""
    try:
        return spc.arl(**kw)  # type: ignore[arg-type]
    except spc.RunLengthError as exc:
        assume("too long" not in str(exc))
        raise


# ------------------------------------------------------------------ monotonicity


@FAST
@given(rules=rule_sets, a=shifts, b=shifts)
def test_shewhart_arl_decreases_with_shift(rules: list[str], a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    arl = _arl(rules=rules, shift=[lo, hi, -hi])
    assert arl[1] <= arl[0] * (1 + 1e-9)
    assert arl[2] == pytest.approx(arl[1], rel=1e-9)  # symmetric rules


@FAST
@given(lam=lams, L=st.floats(min_value=2.0, max_value=3.5), a=shifts, b=shifts)
def test_ewma_arl_decreases_with_shift(lam: float, L: float, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    arl = _arl(chart="ewma", lam=lam, L=L, shift=[lo, hi])
    assert arl[1] <= arl[0] * (1 + 1e-7)


@FAST
@given(k=st.floats(min_value=0.0, max_value=1.0), h=st.floats(min_value=1.0, max_value=6.0),
       a=shifts, b=shifts)
def test_cusum_arl_decreases_with_shift(k: float, h: float, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    arl = _arl(chart="cusum", k=k, h=h, sides="upper", shift=[lo, hi])
    assert arl[1] <= arl[0] * (1 + 1e-7)


@FAST
@given(lam=lams, L=st.floats(min_value=2.0, max_value=3.2),
       dL=st.floats(min_value=0.01, max_value=0.5))
def test_ewma_arl0_increases_with_L(lam: float, L: float, dL: float) -> None:
    assert _arl(chart="ewma", lam=lam, L=L)[0] < _arl(chart="ewma", lam=lam, L=L + dL)[0]


@FAST
@given(k=st.floats(min_value=0.0, max_value=1.0), h=st.floats(min_value=1.0, max_value=5.0),
       dh=st.floats(min_value=0.01, max_value=1.0))
def test_cusum_arl0_increases_with_h(k: float, h: float, dh: float) -> None:
    for sides in ("upper", "two"):
        assert (_arl(chart="cusum", k=k, h=h, sides=sides, n_sim=100)[0]
                < _arl(chart="cusum", k=k, h=h + dh, sides=sides, n_sim=100)[0])


@FAST
@given(rules=rule_sets, ns=st.floats(min_value=2.0, max_value=3.5),
       d=st.floats(min_value=0.01, max_value=0.5))
def test_shewhart_arl0_increases_with_nsigmas(rules: list[str], ns: float, d: float) -> None:
    a, b = _arl(rules=rules, nsigmas=ns)[0], _arl(rules=rules, nsigmas=ns + d)[0]
    if "we_1" in rules:
        assert a < b
    else:
        assert a == pytest.approx(b, rel=1e-12)  # nsigmas only moves the rule-1 limits


@FAST
@given(rules=st.lists(st.sampled_from(MARKOV_RULES), min_size=1, max_size=4, unique=True),
       extra=st.sampled_from(MARKOV_RULES), shift=shifts)
def test_adding_a_rule_never_increases_the_arl(rules: list[str], extra: str,
                                               shift: float) -> None:
    base = _arl_or_skip(rules=rules, shift=shift).to_frame().iloc[0]
    more = _arl_or_skip(rules=[*rules, extra], shift=shift).to_frame().iloc[0]
    assert more["arl"] <= base["arl"] * (1 + 1e-9)
    assert more["q50"] <= base["q50"] and more["q95"] <= base["q95"]


# ------------------------------------------------------------------ identities


@FAST
@given(L=st.floats(min_value=1.5, max_value=4.0), shift=shifts)
def test_ewma_lambda_one_equals_shewhart(L: float, shift: float) -> None:
    ewma = spc.arl("ewma", lam=1.0, L=L, shift=shift).to_frame().iloc[0]
    shew = spc.arl("shewhart", rules="we_1", nsigmas=L, shift=shift).to_frame().iloc[0]
    assert ewma["arl"] == pytest.approx(shew["arl"], rel=1e-9)
    assert ewma["sdrl"] == pytest.approx(shew["sdrl"], rel=1e-7)
    assert (ewma["q05"], ewma["q50"], ewma["q95"]) == (shew["q05"], shew["q50"], shew["q95"])


@FAST
@given(ns=st.floats(min_value=1.0, max_value=4.5), shift=shifts,
       q=st.floats(min_value=0.01, max_value=0.99), n_points=st.integers(0, 5000))
def test_rule_one_is_geometric(ns: float, shift: float, q: float, n_points: int) -> None:
    p = float(ndtr(-ns - shift) + ndtr(-ns + shift))
    res = spc.arl(rules="we_1", nsigmas=ns, shift=[shift], quantiles=(q,))
    row = res.to_frame().iloc[0]
    assert row["arl"] == pytest.approx(1 / p, rel=1e-9)
    assert row["sdrl"] == pytest.approx(math.sqrt(1 - p) / p, rel=1e-6)
    expected_q = max(1, math.ceil(math.log1p(-q) / math.log1p(-p) - 1e-9))
    got_q = row[res.to_frame().columns[5]]
    assert abs(got_q - expected_q) <= (1 if abs(math.log1p(-q) / math.log1p(-p)
                                            - round(math.log1p(-q) / math.log1p(-p))) < 1e-6
                                       else 0)
    fap = float(res.signal_probability(n_points).iloc[0])
    assert fap == pytest.approx(-math.expm1(n_points * math.log1p(-p)), rel=1e-9, abs=1e-12)


@FAST
@given(shift=st.floats(min_value=0.0, max_value=1.5), n=st.integers(1, 9),
       chart=st.sampled_from(["shewhart", "ewma", "cusum"]))
def test_subgroup_size_scales_the_shift(shift: float, n: int, chart: str) -> None:
    kw = {"rules": "we"} if chart == "shewhart" else (
        {"sides": "upper"} if chart == "cusum" else {})
    a = spc.arl(chart, shift=shift, n=n, **kw).to_frame()  # type: ignore[arg-type]
    b = spc.arl(chart, shift=shift * math.sqrt(n), **kw).to_frame()  # type: ignore[arg-type]
    assert a["chart_shift"][0] == pytest.approx(shift * math.sqrt(n))
    assert a["arl"][0] == pytest.approx(b["arl"][0], rel=1e-12)


@FAST
@given(rules=st.lists(st.sampled_from(MARKOV_RULES), min_size=1, max_size=4, unique=True),
       shift=shifts)
def test_distribution_sums_to_the_arl(rules: list[str], shift: float) -> None:
    """Σ_t P(T > t) = E[T]: the iterated distribution (with its geometric tail) matches the
    linear solve; signal probabilities rise with N and reach the quantiles."""
    res = _arl_or_skip(rules=rules, shift=shift)
    dist = res._dists[0]
    s = dist.survival  # type: ignore[union-attr]
    tail = s[-1] * dist.ratio / (1 - dist.ratio) if dist.ratio < 1 else 0.0  # type: ignore[union-attr]
    row = res.to_frame().iloc[0]
    # the geometric tail's ratio is known to ~1e-12, so the tail (hence the sum) carries a
    # relative error up to ~1e-12 * ARL: 1e-8 for usual ARLs, more for ARLs near 1e10
    rel = max(1e-8, 1e-12 * float(row["arl"]))
    assert float(s.sum() + tail) == pytest.approx(row["arl"], rel=rel)
    p = [float(res.signal_probability(n).iloc[0]) for n in (0, 1, 10, 100, 1000)]
    assert p[0] == 0.0 and all(x <= y + 1e-15 for x, y in zip(p, p[1:], strict=False))
    for col, q in (("q05", 0.05), ("q50", 0.5), ("q95", 0.95)):
        t = int(row[col])
        assert float(res.signal_probability(t).iloc[0]) >= q - 1e-9
        assert t == 1 or float(res.signal_probability(t - 1).iloc[0]) < q + 1e-9


@pytest.mark.parametrize("rules", [["we_1", {"id": "run7", "kind": "run", "k": 7}], ["nelson_2"],
                                   ["nelson_7"]])
def test_distribution_is_not_cut_before_the_rules_can_fire(rules: list[object]) -> None:
    """Regression: P(T > t) is constant-ratio (or 1) until a run rule can first fire; the
    geometric tail must not be trusted before that (it once gave ARL 137 vs 95.7 by control
    variate, and q50 = inf for a run rule alone)."""
    res = spc.arl(rules=rules)
    dist = res._dists[0]
    s = dist.survival  # type: ignore[union-attr]
    tail = s[-1] * dist.ratio / (1 - dist.ratio)  # type: ignore[union-attr]
    row = res.to_frame().iloc[0]
    # the geometric tail's ratio is known to ~1e-12, so the tail (hence the sum) carries a
    # relative error up to ~1e-12 * ARL: 1e-8 for usual ARLs, more for ARLs near 1e10
    rel = max(1e-8, 1e-12 * float(row["arl"]))
    assert float(s.sum() + tail) == pytest.approx(row["arl"], rel=rel)
    assert 1 <= row["q05"] < row["q50"] < row["q95"] < 10 * row["arl"]
    mixed = spc.arl(rules=[*rules, "nelson_3"], n_sim=2000).to_frame().iloc[0]
    assert mixed["arl"] <= row["arl"]


@pytest.mark.parametrize("lam", [0.01, 0.001])
def test_slow_ewma_start_is_not_mistaken_for_the_tail(lam: float) -> None:
    """Regression: with a small λ the EWMA needs many points to reach its limits, so
    P(T > t+1)/P(T > t) sits near 1 (changing by < 1e-12) for a long start; that plateau
    was once taken for the geometric tail (q05 = 2e10 for λ = 0.001). The hazard is now
    tracked instead."""
    res = spc.arl("ewma", lam=lam, L=2.5)
    dist = res._dists[0]
    s = dist.survival  # type: ignore[union-attr]
    tail = s[-1] * dist.ratio / (1 - dist.ratio)  # type: ignore[union-attr]
    row = res.to_frame().iloc[0]
    assert float(s.sum() + tail) == pytest.approx(row["arl"], rel=1e-6)
    assert row["q05"] < row["q50"] < row["arl"] < row["q95"] < 5 * row["arl"]


@settings(max_examples=8, deadline=None)
@given(lam=lams, shift=shifts)
def test_ewma_quadrature_converged(lam: float, shift: float) -> None:
    """Default quadrature vs 4x the nodes (Gauss-Legendre Nyström): 1e-7 relative."""
    default = spc.arl("ewma", lam=lam, L=2.8, shift=shift)
    nodes = int(default.notes[0].split(" nodes")[0].rsplit(" ", 1)[1])
    fine = spc.arl("ewma", lam=lam, L=2.8, shift=shift, states=min(4 * nodes, 4000))
    assert default.to_frame()["arl"][0] == pytest.approx(fine.to_frame()["arl"][0], rel=1e-7)


# ------------------------------------------------------------------ chain vs rule engine

_custom_rules = st.lists(
    st.one_of(
        st.builds(lambda k, extra, z: {"kind": "k_of_m", "k": k, "m": k + extra, "zone": z},
                  st.integers(1, 4), st.integers(0, 2), st.floats(0.5, 2.5)),
        st.builds(lambda k: {"kind": "run", "k": k}, st.integers(2, 9)),
        st.builds(lambda k, z: {"kind": "within", "k": k, "zone": z},
                  st.integers(2, 8), st.floats(0.5, 1.5)),
        st.builds(lambda k, z: {"kind": "outside", "k": k, "zone": z},
                  st.integers(1, 6), st.floats(0.3, 1.5)),
        st.just({"kind": "beyond_limits"}),
    ),
    min_size=1, max_size=3,
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=_custom_rules, shift=st.floats(0.0, 1.5), ns=st.floats(2.0, 3.0))
def test_markov_chain_matches_the_rule_engine(specs: list[dict[str, object]], shift: float,
                                              ns: float) -> None:
    """The exact chain and 3,000 seeded charts scored by ``leankit.spc._rules`` agree within
    5 Monte Carlo standard errors, for random custom rules (semantics check: strict
    inequalities, windows cut at the start, Nelson-8 needs both sides)."""
    rules = [dict(s, id=f"r{i}") for i, s in enumerate(specs)]
    exact = spc.arl(rules=rules, shift=shift, nsigmas=ns).to_frame()["arl"][0]
    assume(exact < 150)
    rng = np.random.default_rng(12345)
    t, _ = _simulate_shewhart(resolve_rules(rules), ns, shift, 3000, rng, [], 64)
    se = t.std(ddof=1) / math.sqrt(t.size)
    assert abs(t.mean() - exact) < 5 * se + 1e-9, (t.mean(), exact, se)


# ------------------------------------------------------------------ simulated parts


def test_trend_rules_are_simulated_and_say_so() -> None:
    res = spc.arl(rules="nelson", shift=[0.0, 1.0], n_sim=2000)
    assert res.method == "markov+simulation"
    assert res.rule_methods["nelson_3"] == "simulation"
    assert res.rule_methods["nelson_1"] == "markov"
    frame = res.to_frame()
    assert (frame["arl_se"] > 0).all()
    markov_only = _arl(rules=[r for r in resolve_rules("nelson")
                              if r.kind not in ("trend", "alternating")], shift=[0.0, 1.0])
    assert (frame["arl"].to_numpy() <= markov_only + 4 * frame["arl_se"].to_numpy()).all()
    assert any("seed" in n and "control variate" in n for n in res.notes)
    again = spc.arl(rules="nelson", shift=[0.0, 1.0], n_sim=2000)
    pd.testing.assert_frame_equal(frame, again.to_frame())  # seeded: reproducible


def test_ewma_time_varying_limits() -> None:
    """Exact limits are narrower at the start: the ARL is shorter than with asymptotic
    limits; with λ=1 the limits are constant and the estimate is exact (se 0)."""
    tv = spc.arl("ewma", lam=0.1, L=2.814, limits="time_varying", shift=[0, 1], n_sim=2000)
    asym = _arl(chart="ewma", lam=0.1, L=2.814, shift=[0, 1])
    assert (tv.to_frame()["arl"].to_numpy() < asym).all()
    assert tv.method == "markov+simulation"
    one = spc.arl("ewma", lam=1.0, L=3.0, limits="time_varying", n_sim=500).to_frame()
    assert one["arl"][0] == pytest.approx(370.398, rel=1e-4)


# ------------------------------------------------------------------ interface


def test_result_interface() -> None:
    res = spc.arl("shewhart", rules="we", shift=[0, 0.5, 1])
    frame = res.to_frame()
    assert list(frame.columns) == ["shift", "chart_shift", "arl", "arl_se", "sdrl", "q05",
                                   "q50", "q95", "method"]
    frame.loc[0, "arl"] = -1
    assert res.to_frame()["arl"][0] > 0  # a fresh copy
    frame = res.to_frame()
    assert repr(res) == (
        "<RunLength shewhart (we_1, we_2, we_3, we_4): 3 shifts, ARL0 91.75, markov>")
    text = str(res.summary())
    assert "Champ & Woodall" in text and "Run length" in text
    assert "<table" in res.summary().to_html()
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.method = "x"  # type: ignore[misc]
    clone = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(clone.to_frame(), frame)
    assert clone.false_alarm_probability(84) == res.false_alarm_probability(84)
    assert spc.RunLength.__module__ == "leankit.spc"


def test_weekly_false_alarm_probability() -> None:
    """84 subgroups a week, rule 1 only: 1 − (1 − 0.0027)^84 = 20.3 % of stable weeks."""
    res = spc.arl(rules="we_1")
    assert res.false_alarm_probability(84) == pytest.approx(
        -math.expm1(84 * math.log1p(-2 * float(ndtr(-3.0)))), rel=1e-12)
    we = spc.arl(rules="we").false_alarm_probability(84)
    assert 0.55 < we < 0.65  # WE rules 1-4: most stable weeks raise a false signal
    with pytest.raises(spc.RunLengthError, match="include 0 in shift"):
        spc.arl(rules="we_1", shift=1.0).false_alarm_probability(84)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"chart": "ewma", "lam": 0.0}, r"lam= must be in \(0, 1\]"),
        ({"chart": "ewma", "lam": 1.5}, r"lam= must be in \(0, 1\]"),
        ({"chart": "ewma", "L": 0}, "L= must be greater than 0"),
        ({"chart": "ewma", "limits": "exact"}, "limits= must be one of"),
        ({"chart": "cusum", "h": 0}, "h= must be greater than 0"),
        ({"chart": "cusum", "k": -0.5}, "k= must be at least 0"),
        ({"chart": "cusum", "h": 4, "head_start": 4}, "head_start= must be below h=4"),
        ({"chart": "cusum", "sides": "both"}, "sides= must be one of"),
        ({"chart": "xbar"}, "chart= must be one of"),
        ({"shift": float("nan")}, "shift= must be finite"),
        ({"shift": []}, "shift= is empty"),
        ({"shift": "1"}, "shift= must be a number or a sequence"),
        ({"n": 0}, "n= must be a whole number >= 1"),
        ({"nsigmas": -3}, "nsigmas= must be greater than 0"),
        ({"quantiles": (0.5, 1.0)}, r"quantiles= must be probabilities in \(0, 1\)"),
        ({"n_sim": 10}, "n_sim= must be a whole number >= 100"),
        ({"chart": "ewma", "states": 5}, "states= must be a whole number >= 8"),
    ],
)
def test_invalid_parameters(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(spc.RunLengthError, match=match) as info:
        spc.arl(**kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, LeankitError) and isinstance(info.value, ValueError)


def test_rules_that_never_signal_give_an_infinite_run_length() -> None:
    """A mixture rule with k=1 (both sides within one point) and the empty rule set never
    fire: ARL = inf, no false alarms (regression: the chain's I - Q was singular)."""
    for rules in ([{"id": "o", "kind": "outside", "k": 1}], "none"):
        res = spc.arl(rules=rules, shift=[0.0, 1.0])
        frame = res.to_frame()
        assert np.isinf(frame["arl"]).all() and np.isinf(frame["q50"]).all()
        assert res.false_alarm_probability(1000) == 0.0


def test_too_long_run_length_is_a_clear_error() -> None:
    with pytest.raises(spc.RunLengthError, match="too long to compute"):
        spc.arl(rules="we_1", nsigmas=9.0)


def test_unknown_rule_lists_the_valid_ids() -> None:
    with pytest.raises(spc.RuleError, match="did you mean 'we_2'.*Rules: we_1, we_2"):
        spc.arl(rules=["we_1", "we2"])
