"""Report specifications: every mistake is a ReportSpecError naming the key; the CLI
turns it into exit status 2 with the message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import report_helpers  # tests/unit/reports/report_helpers.py: shared fixtures (below)

from leankit.cli import main
from leankit.reports import ReportSpec, ReportSpecError, load_spec, weekly_report
from leankit.reports._spec import SECTIONS, spec_from_dict

demo_dir = report_helpers.demo_dir
demo_data = report_helpers.demo_data
spec_file = report_helpers.spec_file

GOOD = """
[report]
title = "Weekly"
data = "{data}"
week = "2026-W44"
"""


def spec_error(path: Path, *, build: bool = False) -> str:
    with pytest.raises(ReportSpecError) as info:
        spec = load_spec(path)
        if build:
            weekly_report(spec)
    return str(info.value)


def test_good_spec_loads(spec_file, demo_data):
    spec = load_spec(spec_file(GOOD))
    assert isinstance(spec, ReportSpec)
    assert spec.data == demo_data.resolve()
    assert spec.week == "2026-W44"
    assert spec.sections == SECTIONS
    assert len(spec.sha256) == 64


def test_report_spec_error_is_a_value_error():
    assert issubclass(ReportSpecError, ValueError)


def test_missing_file(tmp_path):
    msg = spec_error(tmp_path / "nope.toml")
    assert "nope.toml" in msg and "does not exist" in msg


def test_invalid_toml_gives_the_line(spec_file):
    msg = spec_error(spec_file('[report]\ntitle = "x"\ndata = \n'))
    assert "invalid TOML" in msg
    assert "line 3" in msg


def test_not_utf8(tmp_path):
    p = tmp_path / "latin1.toml"
    p.write_bytes('[report]\ntitle = "Qualität"\n'.encode("latin-1"))
    assert "UTF-8" in spec_error(p)


def test_unknown_top_level_table_suggests(spec_file):
    msg = spec_error(spec_file(GOOD + "\n[reprot]\ntitle = 'x'\n"))
    assert "'reprot'" in msg
    assert "did you mean 'report'" in msg


def test_unknown_key_in_report_suggests(spec_file):
    msg = spec_error(spec_file(GOOD.replace("title =", "titel =")))
    assert "[report]" in msg and "'titel'" in msg
    assert "did you mean 'title'" in msg


def test_missing_report_table(spec_file):
    msg = spec_error(spec_file("[targets]\nfpy = 0.9\n"))
    assert "[report]" in msg and "missing" in msg


def test_missing_data(spec_file):
    msg = spec_error(spec_file('[report]\ntitle = "x"\n'))
    assert "[report] data" in msg and "missing" in msg


def test_data_folder_does_not_exist(spec_file, tmp_path):
    msg = spec_error(spec_file('[report]\ndata = "no_such_folder"\n'))
    assert "[report] data" in msg
    assert "no_such_folder" in msg and "does not exist" in msg


def test_relative_data_is_taken_from_the_spec_folder(tmp_path, demo_data):
    sub = tmp_path / "specs"
    sub.mkdir()
    p = sub / "s.toml"
    p.write_text('[report]\ndata = "../ds"\n', encoding="utf-8")
    (tmp_path / "ds").mkdir()
    assert load_spec(p).data == (tmp_path / "ds").resolve()


def test_data_folder_without_manifest(spec_file, tmp_path):
    (tmp_path / "empty").mkdir()
    p = spec_file(f'[report]\ndata = "{(tmp_path / "empty").as_posix()}"\n')
    msg = spec_error(p, build=True)
    assert "[report] data" in msg and "manifest" in msg


@pytest.mark.parametrize("week", ["2026-47", "W47", "2026-W7", "last week", "2026w47"])
def test_week_format(spec_file, week):
    msg = spec_error(spec_file(GOOD.replace('"2026-W44"', f'"{week}"')))
    assert "[report] week" in msg and "2026-W47" in msg


@pytest.mark.parametrize("week", ["2026-W99", "2026-W00"])
def test_impossible_iso_week(spec_file, week):
    msg = spec_error(spec_file(GOOD.replace('"2026-W44"', f'"{week}"')), build=True)
    assert "week" in msg


def test_unknown_characteristic_lists_the_available(spec_file):
    p = spec_file(GOOD + '\n[[characteristics]]\nname = "bore_diamter"\n')
    msg = spec_error(p, build=True)
    assert "characteristics[0]" in msg and "'bore_diamter'" in msg
    assert "did you mean 'bore_diameter'" in msg
    for name in ("bore_diameter", "flange_thickness", "length", "runout", "shaft_diameter"):
        assert name in msg


def test_week_without_data_names_week_and_range(spec_file):
    msg = spec_error(spec_file(GOOD.replace("2026-W44", "2030-W01")), build=True)
    assert "week" in msg and "'2030-W01'" in msg and "no data" in msg
    assert "2026-08-3" in msg and "2026-11-22" in msg


def test_unknown_section(spec_file):
    msg = spec_error(spec_file(GOOD + '\n[sections]\ninclude = ["summary", "paretto"]\n'))
    assert "[sections]" in msg and "'paretto'" in msg
    assert "did you mean 'pareto'" in msg


def test_unknown_key_in_sections(spec_file):
    msg = spec_error(spec_file(GOOD + '\n[sections]\ninclud = ["summary"]\n'))
    assert "[sections]" in msg and "'includ'" in msg


@pytest.mark.parametrize("rules", ['"we_99"', '["we_1", "nelson_9"]', '"nelsn"'])
def test_bad_report_rules(spec_file, rules):
    msg = spec_error(spec_file(GOOD + f"rules = {rules}\n"))
    assert "[report] rules" in msg and "unknown rule" in msg


def test_bad_characteristic_rules(spec_file):
    p = spec_file(GOOD + '\n[[characteristics]]\nname = "bore_diameter"\nrules = "nelsn"\n')
    msg = spec_error(p)
    assert "characteristics[0]" in msg and "rules" in msg and "'nelsn'" in msg


def test_bad_chart_type(spec_file):
    p = spec_file(GOOD + '\n[[characteristics]]\nname = "bore_diameter"\nchart = "p"\n')
    msg = spec_error(p)
    assert "characteristics[0]" in msg and "chart = 'p'" in msg and "xbar_s" in msg


def test_characteristic_without_name(spec_file):
    assert "needs a name" in spec_error(spec_file(GOOD + '\n[[characteristics]]\nchart = "i_mr"\n'))


def test_unknown_target_and_non_numeric_target(spec_file):
    msg = spec_error(spec_file(GOOD + "\n[targets]\nyield = 0.9\n"))
    assert "[targets]" in msg and "'yield'" in msg
    msg = spec_error(spec_file(GOOD + '\n[targets]\nfpy = "high"\n'))
    assert "[targets] fpy" in msg and "number" in msg


def test_bad_baseline_shape(spec_file):
    msg = spec_error(spec_file(GOOD + 'baseline = "2026-09-01"\n'))
    assert "baseline" in msg


def test_non_integer_baseline_weeks(spec_file):
    assert "baseline_weeks" in spec_error(spec_file(GOOD + 'baseline_weeks = "six"\n'))


def test_unparseable_baseline_dates(spec_file):
    msg = spec_error(spec_file(GOOD + 'baseline = ["x", "y"]\n'), build=True)
    assert "baseline" in msg


def test_spec_from_dict_names_its_source(demo_data):
    with pytest.raises(ReportSpecError, match=r"^<dict>: \[report\]: unknown key 'dta'"):
        spec_from_dict({"report": {"dta": 1}}, base=demo_data)


# ---------------------------------------------------------------------------- CLI
def test_cli_report_weekly_writes_the_file(spec_file, tmp_path, capsys):
    out = tmp_path / "out" / "w44.html"
    out.parent.mkdir()
    rc = main(["report", "weekly", "--spec", str(spec_file(GOOD)), "--out", str(out),
               "--quiet"])
    assert rc == 0
    assert out.is_file() and out.stat().st_size > 1_000_000
    assert "report written" in capsys.readouterr().out
    assert "Week 2026-W44" in out.read_text("utf-8")


@pytest.mark.parametrize("text,needle", [
    ('[report]\ntitle = "x"\n', "[report] data"),
    (GOOD.replace("title =", "titel ="), "'titel'"),
    (GOOD.replace("2026-W44", "2030-W01"), "has no data"),
])
def test_cli_bad_spec_exits_2_with_the_message(spec_file, tmp_path, capsys, text, needle):
    out = tmp_path / "r.html"
    rc = main(["report", "weekly", "--spec", str(spec_file(text)), "--out", str(out)])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("leankit: error: ")
    assert needle in err
    assert not out.exists()


def test_cli_missing_spec_exits_2(tmp_path, capsys):
    rc = main(["report", "weekly", "--spec", str(tmp_path / "x.toml"), "--out",
               str(tmp_path / "r.html")])
    assert rc == 2
    assert "does not exist" in capsys.readouterr().err


# one ``where`` rule for the weekly report's [[counts]] and the A3 report's [[metrics]]
BAD_WHERE = [
    ('"L2"', r"give a table of column = value"),
    ("{ line = true }", r"line = True: give a value or a non-empty list"),
    ("{ line = [] }", r"line = \[\]: give a value or a non-empty list"),
    ('{ line = ["L2", { x = 1 }] }', r"give a value or a non-empty list"),
]


@pytest.mark.parametrize(("where", "message"), BAD_WHERE)
def test_counts_where_is_checked(spec_file, where, message):
    text = GOOD + f'\n[[counts]]\nname = "Leaks per day"\nwhere = {where}\n'
    msg = spec_error(spec_file(text))
    assert "counts[0]] where" in msg
    assert re.search(message, msg), msg


@pytest.mark.parametrize(("where", "message"), BAD_WHERE)
def test_a3_metric_where_is_checked_the_same_way(spec_file, demo_dir, where, message):
    from leankit.reports import load_a3_spec

    text = (demo_dir / "a3.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^data = "[^"]*"', f'data = "{(demo_dir / "data").as_posix()}"', text,
                  count=1)
    assert 'where = { line = "L2" }\ngoal = 0.035' in text
    text = text.replace('where = { line = "L2" }\ngoal = 0.035',
                        f"where = {where}\ngoal = 0.035", 1)
    with pytest.raises(ReportSpecError, match=message) as info:
        load_a3_spec(spec_file(text, name="a3.toml"))
    assert "metrics[0]] where" in str(info.value)


def test_counts_where_accepts_values_and_lists(spec_file):
    text = GOOD + ('\n[[counts]]\nname = "Leaks"\nwhere = { defect_type = "Leak", '
                   'line = ["L1", "L2"], shift = 2 }\n')
    spec = load_spec(spec_file(text))
    assert spec.counts[0].where == (("defect_type", "Leak"), ("line", ("L1", "L2")),
                                    ("shift", 2))
