"""The weekly and A3 reports over any source: `data =` a dataset folder or a
postgresql:// URL gives the same verdicts (the tables read through leankit.data, each
filtered to the rows the report needs in the engine)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from leankit.reports import ReportSpecError, a3_report, load_a3_spec, load_spec, weekly_report

WEEKLY = """
[report]
title = "Over any source"
data = "{data}"
week = "2026-W44"
timezone = "Europe/Berlin"

[[characteristics]]
name = "bore_diameter"

[[characteristics]]
name = "flange_thickness"

[[counts]]
name = "Defects per unit (daily)"
period = "day"

[sections]
include = ["summary", "spc", "pareto", "rootcause", "methods"]
"""

A3 = """
[a3]
title = "Line L2 defects"
owner = "S. Braun"
data = "{data}"
timezone = "Europe/Berlin"
problem = "L2 defects"
goal = "L2 at 0.035"
change = 2026-11-09
baseline = [2026-09-28, 2026-11-09]
improvement = [2026-11-09, 2026-11-23]

[[metrics]]
name = "Line L2 defects per unit"
where = {{ line = "L2" }}
goal = 0.035

[[causes]]
category = "Man"
cause = "Night crew on L2-M2"
status = "verified"
evidence = {{ stratify = {{ machine = "L2-M2", shift = "night" }} }}
"""


def _series(rep: Any) -> dict[str, tuple[Any, ...]]:
    doc = rep.data
    return {s["characteristic"]: (s["chart"], s["special_cause"], s["first_signal"],
                                  s["signalling_points"], s["transformation"])
            for s in doc["characteristics"] + doc["counts"]}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _folder_and_postgres(text: str, dataset: Path, pg_loaded: str, tmp_path: Path
                         ) -> tuple[Any, Any]:
    """The weekly report of the spec *text* over the folder and over PostgreSQL (both
    without failures)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = weekly_report(load_spec(_write(tmp_path, "f.toml",
                                                text.format(data=dataset.as_posix()))))
        pg = weekly_report(load_spec(_write(tmp_path, "p.toml", text.format(data=pg_loaded))))
    assert not folder.failures and not pg.failures, (folder.failures, pg.failures)
    return folder, pg


def test_weekly_report_over_postgresql_equals_the_folder(pg_loaded: str, dataset: Path,
                                                         tmp_path: Path) -> None:
    folder, pg = _folder_and_postgres(WEEKLY, dataset, pg_loaded, tmp_path)
    assert _series(pg) == _series(folder)
    assert _series(folder)["bore_diameter"][1] is True          # the planted W44 shift
    html = pg.to_html()
    assert "read in place: no load manifest" in html
    assert "postgres" in html.lower() and "trust" not in html    # no password or secrets


def test_a3_over_postgresql_equals_the_folder(pg_loaded: str, dataset: Path,
                                              tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = a3_report(load_a3_spec(_write(tmp_path, "f.toml",
                                               A3.format(data=dataset.as_posix()))))
        pg = a3_report(load_a3_spec(_write(tmp_path, "p.toml", A3.format(data=pg_loaded))))
    a, b = folder.data["metrics"][0], pg.data["metrics"][0]
    assert b["verdict"] == a["verdict"] == "improved"
    for key in ("before", "after", "ratio", "lower", "upper", "p_value"):
        assert b[key] == pytest.approx(a[key], rel=1e-9), key
    assert pg.data["causes"][0]["status_shown"] == "verified"
    assert "Recommended limits" in pg.to_html()                  # no registry in a database


def test_a_bad_connection_is_a_spec_error(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, "bad.toml", WEEKLY.format(
        data="postgresql://nobody@127.0.0.1:1/nothing")))
    with pytest.raises(ReportSpecError, match=r"\[report\] data"):
        weekly_report(spec)


def test_the_folder_report_reads_only_the_weeks_it_needs(partitioned: Path, tmp_path: Path,
                                                          monkeypatch: Any) -> None:
    """With a partitioned copy, the report's scans touch only the weeks from the baseline
    to the report week: the periods it asks the engine for (recorded around the real
    Source.read) select no file after the report week."""
    from leankit import data
    from leankit.data._source import Source

    asked: list[tuple[str, Any]] = []
    real = Source.read

    def spy(self: Any, kind: str, **kw: Any) -> Any:
        asked.append((kind, kw.get("period")))
        return real(self, kind, **kw)

    monkeypatch.setattr(Source, "read", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = weekly_report(load_spec(_write(tmp_path, "w.toml", WEEKLY.format(
            data=partitioned.as_posix()).replace('week = "2026-W44"', 'week = "2026-W40"'))))
    assert not rep.failures
    periods = {k: p for k, p in asked}
    assert periods["specs"] is None and periods["measurements"] is not None
    src = data.connect(partitioned)
    every = {f.parent.name for f in src.files("measurements")}
    read = {f.parent.name for f in src.files("measurements", period=periods["measurements"])}
    assert read < every
    assert max(read) == "week=2026-W40" and "week=2026-W41" not in read


def test_large_data_path_over_postgresql_equals_the_folder(pg_loaded: str, dataset: Path,
                                                           tmp_path: Path) -> None:
    """raw_values_limit = 1: every subgrouped characteristic is charted from subgroup
    statistics computed by the server and its capability from the server's value
    summaries (of a temporary table); the same verdicts as the folder's DuckDB."""
    text = WEEKLY.replace('timezone = "Europe/Berlin"',
                          'timezone = "Europe/Berlin"\nraw_values_limit = 1')
    text = text.replace('include = ["summary", "spc", "pareto", "rootcause", "methods"]',
                        'include = ["summary", "spc", "capability", "methods"]')
    # the server has no specs table: the limits of sample_data/specs.csv in the spec
    text = text.replace('name = "bore_diameter"\n',
                        'name = "bore_diameter"\nlsl = 24.95\nusl = 25.05\ntarget = 25.0\n')
    text = text.replace('name = "flange_thickness"\n',
                        'name = "flange_thickness"\nlsl = 7.9\nusl = 8.1\n')
    folder, pg = _folder_and_postgres(text, dataset, pg_loaded, tmp_path)
    assert _series(pg) == _series(folder)
    for a, b in zip(folder.data["characteristics"], pg.data["characteristics"], strict=True):
        assert a["computed_from"] == b["computed_from"] == "engine statistics"
        ca, cb = a["capability"], b["capability"]
        assert (ca["assessed"], ca["index"], ca["n"]) == (cb["assessed"], cb["index"], cb["n"]), \
            (ca, cb["why_not"])
        assert ca["assessed"], ca["why_not"]
        for key in ("value", "lower", "upper", "previous_week"):
            assert cb[key] == pytest.approx(ca[key], rel=1e-9), key
