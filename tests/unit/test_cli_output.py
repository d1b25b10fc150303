"""What ``leankit chart`` and ``leankit capability`` print (issue 12, item 8).

A small dataset is built in a temporary folder: ``bore`` (60 individuals, one value
beyond the limits and a run of 11 above the center line planted), ``skewed``
(exponential quantiles: not normal) and ``nospec`` (no row in the specs table). The
expected signals and capability indices are computed here from the textbook formulas,
independently of leankit:

* I-MR chart: center x̄, MR̄ = mean |x_i − x_{i−1}|, limits x̄ ± 3·MR̄/d2 with d2(2) = 2/√π ≈ 1.128;
  MR chart UCL = D4·MR̄ with D4(2) = 3.267 (Montgomery, *Introduction to Statistical
  Quality Control*, 6th ed., §6.4, Table VI; NIST/SEMATECH e-Handbook 6.3.2.2).
* Rule we_1: a point beyond a limit; nelson_2: the 9th and every further point of a run
  on one side of the center line (Nelson 1984, test 2; Western Electric Handbook 1956).
* Cpk = min(USL − x̄, x̄ − LSL) / (3σ), σ within = MR̄/d2 for individuals (Montgomery
  §8.2.2; NIST/SEMATECH 6.1.6).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leankit import spc
from leankit.cli import DEFAULT_RULES, _default_rules, _noted, main

#: d2(2) = 2/sqrt(pi) exactly (the mean range of two standard normals; Table VI: 1.128);
#: D4(2) = 3.267 (Table VI).
D2_2, D4_2 = 2 / np.sqrt(np.pi), 3.267
N = 60
START = pd.Timestamp("2026-03-02T00:00Z")


def _bore() -> np.ndarray:
    x = 10.0 + 0.1 * np.where(np.arange(N) % 2 == 0, 1.0, -1.0)  # alternating: no runs
    x[20] = 11.0  # beyond the upper limit
    x[40:50] = 10.08  # with x[50] = 10.1: a run of 11 above the center line
    return x


def _skewed() -> np.ndarray:
    q = (np.arange(N) + 0.5) / N
    x = -np.log1p(-q)  # exponential quantiles
    return np.asarray(x[np.argsort(np.sin(np.arange(N) * 7.3))])  # a fixed shuffle


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli_output")
    times = [START + pd.Timedelta(hours=i) for i in range(N)]
    rows = []
    for name, values in (("bore", _bore()), ("skewed", _skewed()),
                         ("nospec", 5.0 + 0.01 * np.sin(np.arange(N)))):
        rows += [{"timestamp": t.isoformat(), "characteristic": name, "value": v,
                  "product": "P1"} for t, v in zip(times, values, strict=True)]
    pd.DataFrame(rows).to_csv(root / "m.csv", index=False)
    (root / "specs.csv").write_text(
        "characteristic,product,lsl,usl,target,unit\n"
        "bore,P1,9.0,11.5,10.0,mm\nskewed,P1,,8.0,,mm\n", encoding="utf-8")
    out = root / "ds"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["ingest", str(root / "m.csv"), "--kind", "measurements", "--out",
                     str(out), "--quiet"]) == 0
        assert main(["ingest", str(root / "specs.csv"), "--kind", "specs", "--out",
                     str(out), "--quiet"]) == 0
    return out


def _expected_imr(x: np.ndarray) -> dict[str, set[int]]:
    """Positions flagged by we_1 and nelson_2 on the I panel and we_1 on the MR panel."""
    center = x.mean()
    mr = np.abs(np.diff(x))
    mrbar = mr.mean()
    ucl, lcl = center + 3 * mrbar / D2_2, center - 3 * mrbar / D2_2
    we1 = {i for i, v in enumerate(x) if v > ucl or v < lcl}
    side = np.sign(x - center)
    run, nelson2 = 0, set()
    for i in range(len(x)):
        run = run + 1 if i and side[i] == side[i - 1] and side[i] != 0 else 1
        if run >= 9:
            nelson2.add(i)
    mr_we1 = {i + 1 for i, v in enumerate(mr) if v > D4_2 * mrbar}
    return {"we_1": we1, "nelson_2": nelson2, "mr": mr_we1}


def _chart(dataset: Path, *extra: str) -> list[str]:
    return ["chart", str(dataset), "--kind", "measurements", "--type", "i_mr", "--value",
            "value", "--time", "timestamp", "--where", "characteristic=bore", *extra]


# ------------------------------------------------------------------ leankit chart


def test_chart_prints_a_short_summary_with_counts_first_and_last(dataset, capsys):
    exp = _expected_imr(_bore())
    assert exp == {"we_1": {20}, "nelson_2": {48, 49, 50}, "mr": {20, 21}}  # as planted
    assert main(_chart(dataset)) == 0
    cap = capsys.readouterr()
    lines = cap.out.splitlines()
    assert cap.err == ""
    assert len(lines) <= 20, cap.out
    flagged = len(exp["we_1"] | exp["nelson_2"]) + len(exp["mr"])  # over both panels
    assert lines[0] == f"<ControlChart i_mr: {N} subgroups, n=1, {flagged} signals>"
    text = "\n".join(lines)
    assert (f"signals: {flagged} points (i 4 of {N}, mr 2 of {N}); by rule: we_1 3, "
            "nelson_2 3") in text
    first = START + pd.Timedelta(hours=20)  # we_1 on the I panel (and on MR) at row 20
    last = START + pd.Timedelta(hours=50)  # the run's last point
    assert f"first: 20, {first:%Y-%m-%d %H:%M} UTC, i panel: we_1 — Point outside" in text
    assert f"last:  50, {last:%Y-%m-%d %H:%M} UTC, i panel: nelson_2 — 9 points" in text
    assert "rules: we_1, nelson_2 (the default, the same as the weekly report" in text
    assert "detail: --out FILE.csv or FILE.parquet" in text


def test_chart_limits_are_the_textbook_ones(dataset, capsys):
    x = _bore()
    mrbar = np.abs(np.diff(x)).mean()
    assert main(_chart(dataset)) == 0
    out = capsys.readouterr().out
    row = next(ln.split() for ln in out.splitlines() if ln.split()[:1] == ["i"])
    center, lcl, ucl = (float(v) for v in row[3:6])
    assert center == pytest.approx(x.mean(), abs=1e-6)
    assert ucl == pytest.approx(x.mean() + 3 * mrbar / D2_2, rel=1e-4)
    assert lcl == pytest.approx(x.mean() - 3 * mrbar / D2_2, rel=1e-4)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chart_out_writes_every_point_with_its_signals(dataset, tmp_path, capsys, suffix):
    exp = _expected_imr(_bore())
    path = tmp_path / f"bore{suffix}"
    assert main(_chart(dataset, "--out", str(path))) == 0
    out = capsys.readouterr().out
    assert f"detail written to {path}: {2 * N} rows (a point of a panel each), 6 with a " \
           "signal" in out
    frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert len(frame) == 2 * N and set(frame["panel"]) == {"i", "mr"}
    i = frame[frame["panel"] == "i"].reset_index(drop=True)
    mr = frame[frame["panel"] == "mr"].reset_index(drop=True)
    assert set(np.flatnonzero(i["signal"].astype(bool))) == exp["we_1"] | exp["nelson_2"]
    assert set(np.flatnonzero(mr["signal"].astype(bool))) == exp["mr"]
    assert "we_1" in str(i.loc[20, "rules"]) and "nelson_2" in str(i.loc[49, "rules"])


def test_chart_out_html_and_several_outs(dataset, tmp_path, capsys):
    html, csv = tmp_path / "bore.html", tmp_path / "bore.csv"
    assert main(_chart(dataset, "--out", str(html), "--out", str(csv))) == 0
    out = capsys.readouterr().out
    assert f"figure written to {html}" in out and f"detail written to {csv}" in out
    assert "plotly" in html.read_text("utf-8").lower() and csv.is_file()
    assert main(_chart(dataset, "--out", str(tmp_path / "bore.png"))) == 2
    err = capsys.readouterr().err
    assert "--out" in err and ".csv or .parquet" in err and ".html" in err


def test_long_series_summary_stays_short(tmp_path, capsys):
    """2,000 points of a random walk: hundreds of signals, still a screenful."""
    rng = np.random.default_rng(12)
    walk = pd.DataFrame({"y": np.cumsum(rng.normal(size=2000)),
                         "t": pd.date_range("2026-01-01", periods=2000, freq="h", tz="UTC")})
    path = tmp_path / "walk.parquet"
    walk.to_parquet(path)
    assert main(["chart", str(path), "--type", "i_mr", "--value", "y", "--time", "t"]) == 0
    lines = capsys.readouterr().out.splitlines()
    direct = spc.chart(walk, type="i_mr", value="y", time="t", rules=list(DEFAULT_RULES))
    assert direct.n_signals > 200  # the old output printed a line per signal and rule
    assert len(lines) <= 20
    assert lines[0] == repr(direct)
    assert any(ln.startswith(f"signals: {direct.n_signals:,} points") for ln in lines)


def test_chart_of_several_characteristics_names_them(dataset, capsys):
    args = ["chart", str(dataset), "--kind", "measurements", "--type", "i_mr", "--value",
            "value"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "3 characteristics (bore, nospec, skewed)" in err
    assert "--where characteristic=NAME" in err
    assert main([*args, "--where", "characteristic=bor"]) == 2
    err = capsys.readouterr().err
    assert "no rows with characteristic = 'bor'; did you mean 'bore'" in err


# ------------------------------------------------------------------ default rules


def test_default_rules_are_the_weekly_reports(tmp_path, dataset):
    from leankit.reports._spec import CharacteristicSpec, ReportSpec, rules_for, spec_from_dict

    def default(cls: type) -> object:
        return next(f.default for f in dataclasses.fields(cls) if f.name == "rules")

    assert default(ReportSpec) == DEFAULT_RULES == default(CharacteristicSpec)
    spec = spec_from_dict({"report": {"title": "t", "data": str(dataset)}}, base=tmp_path)
    assert spec.rules == DEFAULT_RULES
    for fam in spc.families():  # the same fallback for chart types with rules of their own
        assert _default_rules(fam) == tuple(rules_for(fam.id, DEFAULT_RULES)), fam.id


def test_help_names_the_default_rules(capsys):
    for argv in (["chart", "--help"], ["limits", "freeze", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        text = " ".join(capsys.readouterr().out.split())
        assert "default: we_1, nelson_2 — beyond the limits, 9 in a row" in text
        assert "the same as the weekly report" in text


def test_chart_without_rules_equals_the_default_given(dataset, capsys):
    assert main(_chart(dataset)) == 0
    default = capsys.readouterr().out.splitlines()
    assert main(_chart(dataset, "--rules", "we_1,nelson_2")) == 0
    given = capsys.readouterr().out.splitlines()
    assert [ln for ln in default if not ln.startswith("rules:")] == \
        [ln for ln in given if not ln.startswith("rules:")]


@pytest.mark.parametrize(("argv", "line"), [
    (["--type", "run", "--value", "y"],
     "rules: anhoej (the run chart's own; the default we_1, nelson_2 does not apply to it)"),
    (["--type", "t", "--value", "y"],
     "rules: limits (the t chart's own; the default we_1, nelson_2 does not apply to it)"),
    (["--type", "ewma", "--value", "y"], "rules: we_1, nelson_2 (the default, the same as "
     "the weekly report; --rules to change); this chart type applies we_1"),
    (["--type", "i_mr", "--value", "y", "--rules", "nelson"], "rules: nelson (--rules)"),
])
def test_chart_says_which_rules(tmp_path, capsys, argv, line):
    y = 5.0 + np.abs(np.sin(np.arange(30) * 1.7))  # positive (t chart), no signals
    path = tmp_path / "y.csv"
    pd.DataFrame({"y": y, "when": [f"w{i:02d}" for i in range(30)]}).to_csv(path, index=False)
    assert main(["chart", str(path), *argv, "--time", "when"]) == 0
    cap = capsys.readouterr()
    assert cap.out.splitlines()[2] == line
    assert cap.err == ""  # times that are not dates: no span, and no pandas warning


def test_limits_freeze_default_rules(dataset, tmp_path, capsys):
    import shutil

    ds = tmp_path / "ds"
    shutil.copytree(dataset, ds)
    assert main(["limits", "freeze", str(ds), "--characteristic", "bore", "--type", "i_mr",
                 "--until", "2026-03-04", "--reason", "test"]) == 0
    v = spc.LimitsStore(ds).current("bore")
    assert tuple(v.chart_kwargs()["rules"]) == DEFAULT_RULES


# ------------------------------------------------------------------ leankit capability


def test_capability_by_prints_notes_naming_the_characteristic(dataset, capsys):
    # filterwarnings = error: a warning that escaped the CLI would fail this test
    assert main(["capability", str(dataset), "--kind", "measurements", "--value", "value",
                 "--by", "characteristic"]) == 0
    cap = capsys.readouterr()
    assert cap.err == ""
    assert "warnings.warn" not in cap.out and ".py:" not in cap.out
    table, _, notes = cap.out.partition("\nnotes:\n")
    assert [ln.split()[0] for ln in table.strip().splitlines()[1:]] == ["bore", "skewed"]
    lines = notes.rstrip().splitlines()
    assert "  skewed: the data do not look normal (Anderson-Darling p = " in notes
    assert "Try --distribution auto." in notes  # the option as the command line spells it
    assert "  nospec: no result (no specification limits in the specs table)" in lines
    assert all(re.match(r"  (bore|skewed|nospec): ", ln) for ln in lines)


def test_noted_keeps_other_warnings():
    def work() -> int:
        warnings.warn("a leankit note", UserWarning, stacklevel=1)
        warnings.warn("a leankit note", UserWarning, stacklevel=1)  # repeats: one note
        warnings.warn("from a library", DeprecationWarning, stacklevel=1)
        return 7

    with pytest.warns(DeprecationWarning, match="from a library"):
        assert _noted(work) == (7, ["a leankit note"])


def _cpk(x: np.ndarray, lsl: float, usl: float) -> float:
    sigma = np.abs(np.diff(x)).mean() / D2_2
    return float(min(usl - x.mean(), x.mean() - lsl) / (3 * sigma))


def test_capability_where_finds_the_specs(dataset, capsys):
    args = ["capability", str(dataset), "--kind", "measurements", "--value", "value",
            "--where", "characteristic=bore"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"specs of bore (P1) from the specs table of {dataset}: LSL 9, "
                          "target 10, USL 11.5\n")
    cpk = float(re.search(r"^\s+cpk\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    assert cpk == pytest.approx(_cpk(_bore(), 9.0, 11.5), rel=2e-4)
    # limits on the command line win over the table
    assert main([*args, "--lsl", "9.5", "--usl", "10.5"]) == 0
    out = capsys.readouterr().out
    assert not out.startswith("specs of")
    cpk = float(re.search(r"^\s+cpk\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    assert cpk == pytest.approx(_cpk(_bore(), 9.5, 10.5), rel=2e-4)


def test_capability_without_a_spec_says_what_to_do(dataset, capsys):
    base = ["capability", str(dataset), "--kind", "measurements", "--value", "value"]
    assert main([*base, "--where", "characteristic=nospec"]) == 2
    err = capsys.readouterr().err
    assert "no specification limits for 'nospec'" in err and "--lsl" in err
    assert "Characteristics with specs: bore, skewed" in err
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "3 characteristics" in err and "--by characteristic" in err
    assert main([*base, "--by", "product"]) == 2  # specs are per characteristic
    err = capsys.readouterr().err
    assert "--by product: the rows hold 3 characteristics" in err
    assert "--by characteristic,product" in err
    assert main([*base, "--by", "batch"]) == 2  # a column the data lack
    assert "'batch'" in capsys.readouterr().err
    assert main([*base, "--where", "characteristic=bore", "--by", "shift"]) == 2
    assert "the column 'shift' is empty" in capsys.readouterr().err
    # one characteristic: grouped by another column, the specs still join on it
    assert main([*base, "--where", "characteristic=bore", "--by", "product"]) == 0
    head, row = capsys.readouterr().out.splitlines()[:2]
    assert head.split()[:3] == ["characteristic", "product", "n"]
    assert row.split()[:3] == ["bore", "P1", str(N)]


# ------------------------------------------------------------------ spec targets


def test_spec_target_as_percent_is_an_error_naming_the_key(dataset, tmp_path):
    from leankit.reports._spec import ReportSpecError, spec_from_dict

    doc = {"report": {"title": "t", "data": str(dataset)}, "targets": {"fpy": 97}}
    with pytest.raises(ReportSpecError, match=r"\[targets\] fpy = 97: .*0\.97 means 97 %"):
        spec_from_dict(doc, base=tmp_path)
