"""The limits registry: frozen Phase I limits beside a dataset (spc.LimitsStore)."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leankit import datasets, spc
from leankit.errors import DataQualityWarning, DatasetError, LeankitError

RINGS = datasets.piston_rings()
PHASE1, PHASE2 = RINGS.head(125), RINGS.iloc[125:]


@pytest.fixture
def store(tmp_path: Path) -> spc.LimitsStore:
    return spc.LimitsStore(tmp_path)


@pytest.fixture(scope="module")
def base() -> spc.ControlChart:
    return spc.xbar_s(PHASE1, value="diameter", subgroup="sample")


# ------------------------------------------------------------------ round trip


def test_freeze_current_history_round_trip(store, base):
    v = store.freeze("diameter", base, reason="25 in-control samples", by="anna",
                     advice={"chart": "xbar_s", "why": ["n=5"]})
    assert v.version == 1 and v.action == "freeze" and v.supersedes is None
    assert v.chart == "xbar_s" and v.by == "anna" and v.reason == "25 in-control samples"
    assert dict(v.limits.params) == dict(base.stage_limits[1].params)
    assert v.limits == base.stage_limits[1]
    assert v.settings["value"] == "diameter" and v.settings["subgroup"] == "sample"
    assert list(v.settings["rules"]) == list(base.parameters["rules"])
    assert v.advice == {"chart": "xbar_s", "why": ["n=5"]}
    assert v.created_at.tzinfo is not None and str(v.created_at.tz) == "UTC"
    assert v.leankit_version == __import__("leankit").__version__
    assert v.baseline.subgroups == 25 and v.baseline.values == 125
    again = spc.LimitsStore(store.root).current("diameter")  # a fresh reader
    assert again == v
    assert spc.LimitsVersion.from_dict(json.loads(json.dumps(v.to_dict()))) == v
    assert store.history("diameter") == [v]
    assert pickle.loads(pickle.dumps(v)) == v
    assert v.label.startswith("limits v1 (xbar_s, frozen by anna on ")
    assert v.label.endswith("25 in-control samples; baseline 25 subgroups, 125 values)")
    assert store.keys() == [spc.LimitsKey("diameter")]
    assert store.current("other") is None and store.history("other") == []


def test_frozen_limits_match_montgomery_example(store, base):
    # Montgomery, Introduction to Statistical Quality Control, piston-ring data, first
    # 25 samples (x-bar and s charts): x-double-bar 74.001, limits 73.988 and 74.014;
    # sigma independently as s-bar / c4(5), c4(5) = 0.9400 (published table).
    v = store.freeze("diameter", base, reason="reference", by="t")
    mu, sigma = v.limits.params["mu"], v.limits.params["sigma"]
    sbar = PHASE1.groupby("sample")["diameter"].std(ddof=1).mean()
    assert sigma == pytest.approx(sbar / 0.9400, rel=1e-4)
    assert round(mu, 3) == 74.001
    assert round(mu + 3 * sigma / math.sqrt(5), 3) == 74.014
    assert round(mu - 3 * sigma / math.sqrt(5), 3) == 73.988


def test_key_narrows_to_product_line_machine(store, base):
    a = store.freeze(spc.LimitsKey("diameter", line="L1"), base, reason="l1", by="t")
    b = store.freeze(spc.LimitsKey("diameter", line="L2"), base, reason="l2", by="t")
    assert a.version == b.version == 1
    assert store.current(spc.LimitsKey("diameter", line="L2")).reason == "l2"
    assert store.current("diameter") is None
    assert [str(k) for k in store.keys()] == ["diameter (line=L1)", "diameter (line=L2)"]


def test_recompute_adds_a_version_and_keeps_the_old_one(store, base):
    v1 = store.freeze("diameter", base, reason="baseline", by="anna")
    before = store.path.read_bytes()
    newer = spc.xbar_s(RINGS, value="diameter", subgroup="sample")
    v2 = store.recompute("diameter", newer, reason="new spindle", by="ben")
    v3 = store.recompute("diameter", base, reason="back to the old baseline", by="anna")
    assert [v.version for v in store.history("diameter")] == [1, 2, 3]
    assert (v2.supersedes, v3.supersedes) == (1, 2)
    assert v2.action == v3.action == "recompute"
    assert store.history("diameter")[0] == v1  # never overwritten
    assert store.path.read_bytes().startswith(before)  # append-only, byte for byte
    assert store.current("diameter") == v3
    assert v2.limits.params["mu"] != v1.limits.params["mu"]
    assert v2.baseline.subgroups == 40


def test_freeze_refuses_to_overwrite_and_recompute_needs_a_version(store, base):
    with pytest.raises(DatasetError, match="has no frozen limits to recompute"):
        store.recompute("diameter", base, reason="x")
    store.freeze("diameter", base, reason="baseline", by="a")
    with pytest.raises(DatasetError, match="already has frozen limits .*use recompute"):
        store.freeze("diameter", base, reason="again", by="a")
    assert len(store.history("diameter")) == 1


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reason_is_required(store, base, reason):
    with pytest.raises(ValueError, match="needs a reason="):
        store.freeze("diameter", base, reason=reason)  # type: ignore[arg-type]
    store.freeze("diameter", base, reason="ok", by="a")
    with pytest.raises(ValueError, match="needs a reason="):
        store.recompute("diameter", base, reason=reason)  # type: ignore[arg-type]
    assert len(store.history("diameter")) == 1


def test_clear_errors_for_bad_arguments(tmp_path, base):
    with pytest.raises(DatasetError, match="does not exist; ingest"):
        spc.LimitsStore(tmp_path / "missing").freeze("d", base, reason="r")
    with pytest.raises(DatasetError, match="does not exist; check the path"):
        spc.LimitsStore(tmp_path / "missing").current("d")
    assert spc.LimitsStore(tmp_path).current("d") is None  # a dataset without limits
    with pytest.raises(TypeError, match="must be a ControlChart"):
        spc.LimitsStore(tmp_path).freeze("d", "chart", reason="r")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="characteristic= must be a non-empty"):
        spc.LimitsKey("")
    with pytest.raises(TypeError, match="LimitsKey or a characteristic"):
        spc.LimitsStore(tmp_path).current(3)  # type: ignore[arg-type]


def test_stage_limits_all_stored(store):
    staged = RINGS.assign(stage=np.where(RINGS["sample"] <= 20, "before", "after"))
    chart = spc.xbar_s(staged, value="diameter", subgroup="sample", stage="stage")
    v = store.freeze("diameter", chart, reason="two stages", by="t")
    assert {s for s, _ in v.stage_limits} == set(chart.stage_limits)
    assert dict(v.stage_limits) == dict(chart.stage_limits)
    assert v.to_frame().shape[0] == 2


# ------------------------------------------------------------------ damaged files


def test_torn_last_line_is_skipped_with_a_warning_then_quarantined(store, base):
    store.freeze("diameter", base, reason="baseline", by="a")
    torn = b'{"format": "leankit.limits/1", "key": {"charac'
    with open(store.path, "ab") as f:
        f.write(torn)
    with pytest.warns(DataQualityWarning, match="line 2.* incomplete"):
        assert [v.version for v in store.history("diameter")] == [1]
    with pytest.warns(DataQualityWarning, match="incomplete last line .* moved to limits.q"):
        v2 = store.recompute("diameter", base, reason="after a crash", by="a")
    assert v2.version == 2
    assert store.path.with_name("limits.quarantine.jsonl").read_bytes() == torn + b"\n"
    assert [v.version for v in store.history("diameter")] == [1, 2]  # no warning now
    assert len(store.path.read_bytes().splitlines()) == 2


def test_broken_line_in_the_middle_is_a_dataset_error(store, base):
    store.freeze("diameter", base, reason="baseline", by="a")
    store.recompute("diameter", base, reason="again", by="a")
    lines = store.path.read_bytes().split(b"\n")
    lines[0] = lines[0][:30] + b"XX" + lines[0][30:]
    store.path.write_bytes(b"\n".join(lines))
    with pytest.raises(DatasetError, match=r"limits\.jsonl, line 1: not a valid limits version"):
        store.current("diameter")
    with pytest.raises(DatasetError, match="line 1"):
        store.recompute("diameter", base, reason="x", by="a")


def test_version_gap_is_a_dataset_error(store, base):
    store.freeze("diameter", base, reason="baseline", by="a")
    store.recompute("diameter", base, reason="again", by="a")
    lines = store.path.read_bytes().splitlines(keepends=True)
    store.path.write_bytes(lines[1])  # version 2 without version 1
    with pytest.raises(DatasetError, match="version 2 follows version 0"):
        store.versions()


# ------------------------------------------------------------------ concurrency

_WORKER = textwrap.dedent("""
    import pathlib, sys, time
    from leankit import datasets, spc
    root, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    chart = spc.xbar_s(datasets.piston_rings().head(125), value="diameter", subgroup="sample")
    store = spc.LimitsStore(root)
    store.freeze(f"own-{me}", chart, reason=f"own {me}", by=me)
    pathlib.Path(root, f"ready-{me}").touch()  # start together: both write at once
    deadline = time.monotonic() + 60
    while len(list(pathlib.Path(root).glob("ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    for i in range(n):
        store.recompute("shared", chart, reason=f"{me}-{i}", by=me)
""")


def test_two_processes_writing_at_once_lose_nothing(tmp_path, base):
    store = spc.LimitsStore(tmp_path)
    store.freeze("shared", base, reason="start", by="parent")
    n = 40  # enough that the two writers interleave (measured: 1-7 switches per run)
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(tmp_path), me, str(n)],
                              stderr=subprocess.PIPE) for me in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err.decode()
    hist = store.history("shared")
    assert [v.version for v in hist] == list(range(1, 2 * n + 2))
    assert sorted(v.reason for v in hist[1:]) == sorted(
        f"{me}-{i}" for me in ("a", "b") for i in range(n))
    assert [str(k) for k in store.keys()][1:] in (["own-a", "own-b"], ["own-b", "own-a"])
    assert not list(store.path.parent.glob("*.tmp"))


# ------------------------------------------------------------------ scoring new data


@pytest.mark.parametrize("typ", ["xbar_s", "xbar_r"])
def test_chart_from_version_equals_monitor(store, typ):
    chart = spc.chart(PHASE1, type=typ, value="diameter", subgroup="sample", rules="nelson")
    store.freeze("diameter", chart, reason="baseline", by="a")
    v = spc.LimitsStore(store.root).current("diameter")  # through the JSON file
    ours = spc.chart_from_version(v, PHASE2)
    theirs = chart.monitor(PHASE2)
    cols = ["panel", "subgroup", "statistic", "center", "lcl", "ucl", "phase", "signal"]
    expected = theirs.to_frame().query("phase == 'II'")[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(ours.to_frame()[cols].reset_index(drop=True), expected)
    sig = ["panel", "subgroup", "rule"]
    pd.testing.assert_frame_equal(
        ours.signals[sig].reset_index(drop=True),
        theirs.signals.query("phase == 'II'")[sig].reset_index(drop=True))
    assert len(ours.signals) > 0  # the piston rings' last 15 samples shift upwards
    assert ours.parameters["rules"] == chart.parameters["rules"]


def test_chart_from_version_individuals_starts_afresh(store):
    chart = spc.i_mr(PHASE1, value="diameter")
    v = store.freeze("diameter", chart, reason="baseline", by="a")
    ours = spc.chart_from_version(v, PHASE2).to_frame()
    theirs = chart.monitor(PHASE2).to_frame().query("phase == 'II'")
    cols = ["subgroup", "statistic", "center", "lcl", "ucl"]
    i_ours = ours[ours["panel"] == "i"][cols].reset_index(drop=True)
    i_theirs = theirs[theirs["panel"] == "i"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(i_ours, i_theirs)
    mr = ours[ours["panel"] == "mr"]["statistic"]
    assert np.isnan(mr.iloc[0])  # the first moving range needs the previous point
    assert np.allclose(mr.iloc[1:].to_numpy(),
                       theirs[theirs["panel"] == "mr"]["statistic"].iloc[1:].to_numpy())


def test_chart_from_version_cusum_replays_its_settings(store):
    chart = spc.cusum(PHASE1, value="diameter", k=0.5, h=4.0)
    v = store.freeze("diameter", chart, reason="baseline", by="a")
    ours = spc.chart_from_version(v, PHASE2)
    assert ours.parameters["h"] == 4.0 and ours.stage_limits[1] == v.limits
    assert set(ours.to_frame()["phase"]) == {"II"}


def test_chart_kwargs_recompute_the_same_way(store, base):
    v = store.freeze("diameter", base, reason="baseline", by="a")
    again = spc.chart(PHASE1, type=v.chart, **v.chart_kwargs())
    assert again.stage_limits[1] == base.stage_limits[1]


# ------------------------------------------------------------------ command line


def _measurements_csv(path: Path) -> pd.DataFrame:
    """30 subgroups of 5 bore diameters, 8 h apart from 2026-10-01 06:00 UTC (+ a width)."""
    rng = np.random.default_rng(7)
    rows = []
    t0 = pd.Timestamp("2026-10-01T06:00Z")
    for g in range(30):
        for j in range(5):
            t = (t0 + pd.Timedelta(hours=8 * g, minutes=j)).isoformat()
            rows.append({"timestamp": t, "characteristic": "bore", "unit": "mm",
                         "value": round(10 + rng.normal(0, 0.01) + (0.02 if g >= 24 else 0), 4),
                         "subgroup": f"S{g:03d}", "line": "L1"})
            rows.append({"timestamp": t, "characteristic": "width", "unit": "mm",
                         "value": round(5 + rng.normal(0, 0.02), 4), "subgroup": f"S{g:03d}",
                         "line": "L1"})
    df = pd.DataFrame(rows)
    df.to_csv(path, index=False)
    return df


def test_cli_freeze_show_history_recompute(tmp_path, capsys):
    from leankit.cli import main

    raw = _measurements_csv(tmp_path / "m.csv")
    ds = str(tmp_path / "ds")
    assert main(["ingest", str(tmp_path / "m.csv"), "--kind", "measurements", "--out", ds]) == 0
    capsys.readouterr()
    # --until as a date: the whole of 2026-10-07 (subgroups 0..20, 8 h apart from Oct 1 06:00)
    freeze = ["limits", "freeze", ds, "--characteristic", "bore", "--type", "xbar_s",
              "--subgroup", "subgroup", "--until", "2026-10-07", "--by", "anna"]
    assert main([*freeze, "--reason", "21 stable subgroups"]) == 0
    out = capsys.readouterr().out
    assert "froze bore version 1: xbar_s" in out and "21 subgroups, 105 values" in out
    v1 = spc.LimitsStore(ds).current("bore")
    base = raw[(raw["characteristic"] == "bore")
               & (pd.to_datetime(raw["timestamp"]) < pd.Timestamp("2026-10-08T00:00Z"))]
    assert v1.limits.params["mu"] == pytest.approx(base["value"].mean(), rel=1e-12)
    sbar = base.groupby("subgroup")["value"].std(ddof=1).mean()
    assert v1.limits.params["sigma"] == pytest.approx(sbar / 0.9400, rel=1e-4)  # c4(5)
    assert v1.by == "anna" and v1.reason == "21 stable subgroups"
    assert v1.baseline.first == pd.Timestamp("2026-10-01T06:00Z")
    assert v1.baseline.last == pd.Timestamp("2026-10-07T22:00Z")

    assert main([*freeze, "--reason", "again"]) == 2  # never overwritten
    assert "already has frozen limits" in capsys.readouterr().err

    assert main(["limits", "show", ds]) == 0
    out = capsys.readouterr().out
    assert "bore" in out and "xbar_s" in out and "anna" in out and "21 stable" in out

    recompute = ["limits", "recompute", ds, "--characteristic", "bore", "--until",
                 "2026-10-10T22:00"]
    with pytest.raises(SystemExit) as exc:  # argparse: --reason is required
        main(recompute)
    assert exc.value.code == 2
    assert "--reason" in capsys.readouterr().err
    assert main([*recompute, "--reason", "  "]) == 2
    assert "needs a --reason" in capsys.readouterr().err
    assert len(spc.LimitsStore(ds).history("bore")) == 1
    assert main([*recompute, "--reason", "new spindle", "--by", "ben"]) == 0
    out = capsys.readouterr().out
    assert "version 2 supersedes version 1" in out
    assert "v1" in out and "v2" in out and "mu" in out and "sigma" in out
    assert "30 subgroups, 150 values" in out  # the inclusive --until takes the last one

    assert main(["limits", "history", ds, "--characteristic", "bore", "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["version"] for d in docs] == [1, 2]
    assert [d["action"] for d in docs] == ["freeze", "recompute"]
    assert docs[1]["settings"]["subgroup"] == "subgroup" and docs[1]["by"] == "ben"
    assert main(["limits", "history", ds, "--characteristic", "bore"]) == 0
    assert "new spindle" in capsys.readouterr().out


def test_cli_errors_name_the_fix(tmp_path, capsys):
    from leankit.cli import main

    _measurements_csv(tmp_path / "m.csv")
    ds = str(tmp_path / "ds")
    assert main(["ingest", str(tmp_path / "m.csv"), "--kind", "measurements", "--out", ds]) == 0
    capsys.readouterr()
    common = ["--type", "i_mr", "--until", "2026-10-07", "--reason", "r"]
    assert main(["limits", "freeze", ds, "--characteristic", "bor", *common]) == 2
    assert "did you mean 'bore'" in capsys.readouterr().err
    assert main(["limits", "freeze", ds, "--characteristic", "bore", "--type", "xbar_s",
                 "--until", "2026-10-07", "--reason", "r"]) == 2
    assert "needs --subgroup" in capsys.readouterr().err
    assert main(["limits", "freeze", ds, "--characteristic", "bore", *common[:2],
                 "--until", "2025-01-01", "--reason", "r"]) == 2
    assert "choose a later --until" in capsys.readouterr().err
    assert main(["limits", "recompute", ds, "--characteristic", "bore", "--until",
                 "2026-10-07", "--reason", "r"]) == 2
    assert "freeze them first" in capsys.readouterr().err
    assert main(["limits", "show", str(tmp_path / "nope")]) == 2
    assert "not a dataset folder" in capsys.readouterr().err
    assert main(["limits", "freeze", ds, "--characteristic", "width", "--line", "L1",
                 *common, "--rules", "nelson_9"]) == 2
    assert "--rules nelson_9" in capsys.readouterr().err
    assert main(["limits", "freeze", ds, "--characteristic", "width", "--line", "L1",
                 *common, "--rules", "nelson"]) == 0
    capsys.readouterr()
    v = spc.LimitsStore(ds).current(spc.LimitsKey("width", line="L1"))
    assert v.settings["rules"][:2] == ["nelson_1", "nelson_2"] and v.chart == "i_mr"
    assert main(["limits", "show", ds, "--characteristic", "width"]) == 0
    assert "width (line=L1)" in capsys.readouterr().out


def test_advice_is_stored_with_the_version(store, base):
    advice = spc.advise(PHASE1, value="diameter", subgroup="sample", period_points=25)
    v = store.freeze("diameter", advice.chart(PHASE1), reason="advised", by="a", advice=advice)
    again = spc.LimitsStore(store.root).current("diameter")
    assert again.advice["family"] == advice.family == v.chart
    assert list(again.advice["reasons"]) == list(advice.reasons)
    assert again.advice["nsigmas"] == pytest.approx(advice.nsigmas)
    with pytest.raises(TypeError, match="advice= must be an Advice"):
        store.recompute("diameter", base, reason="r", by="a", advice=3)


# ------------------------------------------------------------------ property


_OPS = st.lists(st.tuples(st.sampled_from(["freeze", "recompute"]),
                          st.sampled_from(["a", "b", "c"]),
                          st.sampled_from([None, "L1", "L2"])), max_size=8)


@settings(max_examples=20, deadline=None)
@given(ops=_OPS)
def test_property_versions_count_up_and_nothing_is_rewritten(base, ops):
    # model: a key's versions are 1..n in write order; a freeze of a frozen key and a
    # recompute of an unfrozen key fail and write nothing; the file only ever grows
    # by appending (every earlier byte kept).
    chart = base
    with tempfile.TemporaryDirectory() as root:
        store = spc.LimitsStore(root)
        model: dict[spc.LimitsKey, int] = {}
        before = b""
        for action, name, line in ops:
            key = spc.LimitsKey(name, line=line)
            ok = (action == "freeze") == (key not in model)
            if ok:
                v = getattr(store, action)(key, chart, reason=f"{action} {name}", by="p")
                model[key] = model.get(key, 0) + 1
                assert v.version == model[key]
            else:
                with pytest.raises(DatasetError):
                    getattr(store, action)(key, chart, reason="x", by="p")
            now = store.path.read_bytes() if store.path.exists() else b""
            assert now.startswith(before) and now.count(b"\n") == sum(model.values())
            before = now
        assert {k: len(store.history(k)) for k in store.keys()} == model
        for k, n in model.items():
            assert [v.version for v in store.history(k)] == list(range(1, n + 1))


def test_a_complete_but_invalid_last_line_is_not_taken_for_a_torn_one(store, base):
    store.freeze("diameter", base, reason="baseline", by="a")
    doc = json.loads(store.path.read_bytes().splitlines()[0])
    newer = json.dumps({**doc, "format": "leankit.limits/2", "version": 2}).encode()
    store.path.write_bytes(store.path.read_bytes() + newer)  # no newline: still complete JSON
    with pytest.raises(DatasetError, match="line 2: written in format 'leankit.limits/2' by a "
                       "newer leankit"):
        store.recompute("diameter", base, reason="x", by="a")
    broken = json.dumps({k: v for k, v in doc.items() if k != "stages"}).encode()
    store.path.write_bytes(store.path.read_bytes().splitlines(keepends=True)[0] + broken + b"\n")
    with pytest.raises(DatasetError, match="line 2: not a valid limits version .*'stages'"):
        store.current("diameter")
    assert not store.path.with_name("limits.quarantine.jsonl").exists()


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(store, base):
    store.freeze("diameter", base, reason="baseline", by="a")
    stale = store.path.parent / ".limits.jsonl.deadbeef-99999.abc.tmp"
    stale.write_bytes(b"half")
    store.recompute("diameter", base, reason="again", by="a")
    assert not stale.exists()


def test_family_rule_names_are_replayed_and_checked(store):
    # a g chart stores the rule ids it ran ("we_1", "g_below (k=8)"), not rules="below"
    rng = np.random.default_rng(3)
    gaps = pd.DataFrame({"gap": rng.geometric(0.05, 60)})
    chart = spc.g_chart(gaps.head(40), value="gap", rules="below")
    v = store.freeze("gaps", chart, reason="baseline", by="a")
    ours = spc.chart_from_version(v, gaps.iloc[40:])
    assert ours.parameters["rules"] == chart.parameters["rules"]
    cols = ["statistic", "center", "lcl", "ucl"]
    pd.testing.assert_frame_equal(
        ours.to_frame()[cols].reset_index(drop=True),
        chart.monitor(gaps.iloc[40:]).to_frame().query("phase == 'II'")[cols]
        .reset_index(drop=True))
    doc = v.to_dict()
    doc["settings"]["rules"] = ["we_1", "g_below (k=9)"]
    odd = spc.LimitsVersion.from_dict(doc)
    with pytest.raises(LeankitError, match=r"cannot reproduce the stored settings .*rules"):
        spc.chart_from_version(odd, gaps.iloc[40:])


@pytest.mark.parametrize("typ", ["xbar_s", "i_mr", "p"])
def test_phase_one_refit_reproduces_the_frozen_limits(store, typ):
    if typ == "p":
        data = pd.DataFrame({"c": [3, 4, 5, 2, 6, 3, 4, 1] * 5, "n": 100})
        chart = spc.p_chart(data, count="c", size="n")
    else:
        data = PHASE1
        chart = spc.chart(data, type=typ, value="diameter",
                          **({"subgroup": "sample"} if typ == "xbar_s" else {}))
    v = store.freeze("k", chart, reason="baseline", by="a")
    again = spc.chart_from_version(v, data, phase="I")
    assert dict(again.stage_limits) == dict(chart.stage_limits)
    with pytest.raises(ValueError, match="phase= must be"):
        spc.chart_from_version(v, data, phase="III")  # type: ignore[arg-type]
