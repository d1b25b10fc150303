"""Reference tests: ``spc.arl`` against published ARL tables.

Every table names its source in ``data/arl/*.json`` (see ``data/arl/SOURCES.md``): Lucas &
Saccucci (1990), Crowder (1987), Waldmann (1986), Lucas & Crosier (1982), Vance (1986),
Brook & Evans (1972), the SAS/QC manual, Champ & Woodall (1987) and Montgomery's tables.
Printed values are compared at their printed precision: |leankit − printed| ≤ ½ unit of
the last printed digit + ``rel_slack`` × printed.

Where no printed value could be checked (Western Electric rules at shifts 0.5/1/2σ, the
two-sided CUSUM formula with both sums positive), the exact values are compared with an
independent seeded simulation that uses the control charts' own rule engine, with the
tolerance stated in the test (in Monte Carlo standard errors).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from leankit import spc
from leankit.spc._arl import _simulate_cusum, _simulate_shewhart
from leankit.spc._rules import resolve_rules

DATA = Path(__file__).resolve().parent / "data" / "arl"


def _tables(name: str) -> list[dict[str, Any]]:
    return list(json.loads((DATA / name).read_text("utf-8"))["tables"])


def _tolerance(printed: str, slack: float) -> float:
    exponent = Decimal(printed).as_tuple().exponent
    assert isinstance(exponent, int)
    return 0.5 * 10.0**exponent + slack * float(printed)


def _ids(tables: list[dict[str, Any]]) -> list[str]:
    return [t["source"].split(",")[0] + " " + json.dumps({k: t[k] for k in t if k in (
        "lam", "L", "k", "h", "head_start", "sides", "rules")}) for t in tables]


def _check(table: dict[str, Any], arl: np.ndarray, se: np.ndarray | None = None) -> None:
    typos = table.get("known_typos", {})
    bad = []
    for s, printed, got, err in zip(table["shift"], table["printed"], arl,
                                    se if se is not None else [0.0] * len(arl), strict=True):
        expected = typos.get(f"{s:g}", printed)
        tol = _tolerance(expected, table["rel_slack"]) + 4 * (0.0 if math.isnan(err) else err)
        if abs(got - float(expected)) > tol:
            bad.append((s, printed, expected, round(float(got), 6), tol))
    assert not bad, f"{table['source']}: (shift, printed, expected, leankit, tol) {bad}"


EWMA = _tables("ewma.json")
CUSUM = _tables("cusum.json")
SHEWHART = _tables("shewhart.json")


@pytest.mark.parametrize("table", EWMA, ids=_ids(EWMA))
def test_ewma_published_tables(table: dict[str, Any]) -> None:
    """EWMA, asymptotic limits: Lucas & Saccucci (1990) Table 3, Crowder (1987) Table 1,
    Waldmann (1986), SAS/QC (11 digits) and Montgomery Table 9.11 (see SOURCES.md)."""
    res = spc.arl("ewma", lam=table["lam"], L=table["L"], shift=table["shift"])
    assert set(res.to_frame()["method"]) == {"markov"}
    _check(table, res.to_frame()["arl"].to_numpy())


def test_crowder_typo_is_a_transposition() -> None:
    """Crowder (1987) Table 1 prints 3.95 at λ=0.5, L=2, shift 1.25; the spc package flags it
    as a typo. The neighbours 4.91 and 2.80 bracket leankit's 3.59 (digits transposed)."""
    arl = spc.arl("ewma", lam=0.5, L=2.0, shift=1.25).to_frame()["arl"][0]
    assert round(float(arl), 2) == 3.59


@pytest.mark.parametrize("table", CUSUM, ids=_ids(CUSUM))
def test_cusum_published_tables(table: dict[str, Any]) -> None:
    """CUSUM: Lucas & Crosier (1982) Table 1 (= Montgomery Table 9.3, h=4), Montgomery Table
    9.3 (h=5), Vance (1986), Waldmann (1986), Brook & Evans (1972), SAS/QC."""
    res = spc.arl("cusum", k=table["k"], h=table["h"], head_start=table["head_start"],
                  sides=table["sides"], shift=table["shift"],
                  n_sim=20_000 if table.get("simulated") else 100)
    frame = res.to_frame()
    if table.get("simulated"):
        assert set(frame["method"]) == {"simulation"}
        _check(table, frame["arl"].to_numpy(), frame["arl_se"].to_numpy())
    else:
        _check(table, frame["arl"].to_numpy())


def test_sas_cusum_to_ten_digits() -> None:
    """SAS/QC manual (1999): one-sided k=0.25, h=8, shift 2.5 -> 4.1500836225 (quoted in
    the spc package). leankit's quadrature is converged to 12 digits (4.15008372612); the
    SAS figure differs by 2.5e-8 relative, within SAS's own ~1e-7 inconsistency."""
    arl = float(spc.arl("cusum", k=0.25, h=8, sides="upper", shift=2.5).to_frame()["arl"][0])
    assert arl == pytest.approx(4.1500836225, rel=1e-7)
    fine = float(spc.arl("cusum", k=0.25, h=8, sides="upper", shift=2.5,
                         states=800).to_frame()["arl"][0])
    assert arl == pytest.approx(fine, rel=1e-11)


@pytest.mark.parametrize("table", SHEWHART, ids=_ids(SHEWHART))
def test_shewhart_published_values(table: dict[str, Any]) -> None:
    """Shewhart: ARL0 = 370.4 for 3σ limits (Montgomery); 91.75 with Western Electric rules
    1-4 (Champ & Woodall 1987, quoted on Wikipedia's 'Western Electric rules'); Champ &
    Woodall (1987) Table 1, columns C1, C12, C13, C14 at shifts 0-3 by 0.2 (quoted in the R
    package spc), all 64 values to the printed 2 decimals."""
    res = spc.arl("shewhart", rules=table["rules"], shift=table["shift"])
    assert res.method == "markov"
    _check(table, res.to_frame()["arl"].to_numpy())


def test_we_rules_at_shifts_against_simulation_with_the_rule_engine() -> None:
    """WE rules 1-4 together at shifts 0.5, 1, 2σ (no printed value found; Champ &
    Woodall's pairwise columns are tested above): the exact chain (27.33, 9.222, 3.128)
    against 20,000 seeded simulated charts scored by ``leankit.spc._rules`` (the charts'
    rule engine), within 4 standard errors."""
    rules = resolve_rules("we")
    res = spc.arl("shewhart", rules="we", shift=[0.5, 1.0, 2.0]).to_frame()
    assert res["arl"].round(2).tolist() == [27.33, 9.22, 3.13]
    rng = np.random.default_rng(1987)
    for shift, exact in zip(res["shift"], res["arl"], strict=True):
        t, _ = _simulate_shewhart(rules, 3.0, float(shift), 20_000, rng, [], 64)
        se = t.std(ddof=1) / math.sqrt(t.size)
        assert abs(t.mean() - exact) < 4 * se, (shift, t.mean(), exact, se)


def test_two_sided_cusum_formula_against_simulation() -> None:
    """1/ARL = 1/ARL+ + 1/ARL- (Lucas & Crosier 1982) for a zero start, checked where both
    sums are often positive together (k=0.1, h=3; k=0, h=3), against 200,000 seeded
    simulated two-sided charts: agreement within 4 standard errors (about 0.5 %)."""
    rng = np.random.default_rng(1982)
    for k, h in ((0.1, 3.0), (0.0, 3.0)):
        formula = float(spc.arl("cusum", k=k, h=h, n_sim=100).to_frame()["arl"][0])
        t = _simulate_cusum(k, h, 0.0, 0.0, 200_000, rng, formula)
        se = t.std(ddof=1) / math.sqrt(t.size)
        assert abs(t.mean() - formula) < 4 * se, (k, h, t.mean(), formula, se)


def test_two_sided_cusum_head_start_is_not_the_formula() -> None:
    """Lucas & Crosier (1982) Table 1 prints 149 for k=0.5, h=4, head start 2; the
    one-sided formula would give 158.2, so leankit simulates (and says so)."""
    res = spc.arl("cusum", k=0.5, h=4, head_start=2, shift=0.0)
    assert res.method == "simulation"
    assert any("only an approximation" in note for note in res.notes)
    row = res.to_frame().iloc[0]
    assert abs(row["arl"] - 149) < 0.5 + 4 * row["arl_se"]


def test_ewma_lambda_one_is_the_shewhart_chart() -> None:
    """EWMA with λ=1 is the Shewhart chart (Lucas & Saccucci 1990): ARL0 = 370.398."""
    ewma = spc.arl("ewma", lam=1.0, L=3.0).to_frame()["arl"][0]
    assert float(ewma) == pytest.approx(1 / (2 * (1 - 0.9986501019683699)), rel=1e-9)
