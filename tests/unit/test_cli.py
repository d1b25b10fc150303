"""The ``leankit`` command line."""

from __future__ import annotations

import json

import pytest

from leankit.cli import main
from leankit.io import read_table

GOOD = (
    "timestamp,characteristic,value\n2026-03-01T08:00Z,bore,25.01\n2026-03-01T08:01Z,bore,25.02\n"
)
WITH_BAD = GOOD + "2026-03-01T08:02Z,bore,oops\n"


def test_ingest_prints_accounting(w, tmp_path, capsys):
    out = tmp_path / "ds"
    rc = main(["ingest", str(w("m.csv", WITH_BAD)), "--kind", "measurements", "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "read 3 rows: 2 loaded, 1 quarantined (unparseable_number: 1)" in text
    assert "profile canonical" in text
    assert "quarantine=True" in text
    assert len(read_table(out, "measurements")) == 2


def test_ingest_again_says_already_loaded(w, tmp_path, capsys):
    path, out = str(w("m.csv", GOOD)), str(tmp_path / "ds")
    assert main(["ingest", path, "--kind", "measurements", "--out", out]) == 0
    capsys.readouterr()
    assert main(["ingest", path, "--kind", "measurements", "--out", out]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert len(read_table(out, "measurements")) == 2


def test_ingest_several_files_prints_total(w, tmp_path, capsys):
    a = str(w("a.csv", GOOD))
    b = str(w("b.csv", WITH_BAD.replace("03-01", "03-02")))
    rc = main(["ingest", a, b, "--kind", "measurements", "--out", str(tmp_path / "ds")])
    assert rc == 0
    assert "total: 4 rows loaded, 1 quarantined" in capsys.readouterr().out


def test_ingest_json(w, tmp_path, capsys):
    rc = main(
        [
            "ingest",
            str(w("m.csv", WITH_BAD)),
            "--kind",
            "measurements",
            "--out",
            str(tmp_path / "d"),
            "--json",
        ]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc) == 1
    assert doc[0]["status"] == "loaded"
    assert (doc[0]["rows_read"], doc[0]["rows_loaded"], doc[0]["rows_quarantined"]) == (3, 2, 1)
    assert doc[0]["reasons"] == {"unparseable_number": 1}
    assert doc[0]["profile"] == "canonical"


def test_ingest_with_profile_file(w, profile_file, tmp_path, capsys):
    prof = profile_file('[profile]\nname = "mine"\n[columns]\nvalue = ["Wert"]\n')
    path = w("m.csv", "timestamp,characteristic,Wert\n2026-03-01T08:00Z,bore,1\n")
    rc = main(
        [
            "ingest",
            str(path),
            "--kind",
            "measurements",
            "--out",
            str(tmp_path / "d"),
            "--profile",
            str(prof),
        ]
    )
    assert rc == 0
    assert "profile mine" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "strict", "code"), [(WITH_BAD, True, 1), (WITH_BAD, False, 0), (GOOD, True, 0)]
)
def test_strict(w, tmp_path, capsys, content, strict, code):
    args = [
        "ingest",
        str(w("m.csv", content)),
        "--kind",
        "measurements",
        "--out",
        str(tmp_path / "d"),
    ]
    assert main(args + (["--strict"] if strict else [])) == code


def test_missing_file_exit_2(tmp_path, capsys):
    rc = main(
        [
            "ingest",
            str(tmp_path / "nope.csv"),
            "--kind",
            "measurements",
            "--out",
            str(tmp_path / "d"),
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("leankit: error:")
    assert "nope.csv" in err and "does not exist" in err


def test_no_profile_fits_exit_2(w, tmp_path, capsys):
    rc = main(
        [
            "ingest",
            str(w("x.csv", "foo,bar\n1,2\n")),
            "--kind",
            "measurements",
            "--out",
            str(tmp_path / "d"),
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "Required columns: timestamp, characteristic, value" in err
    assert "'foo', 'bar'" in err


def test_unknown_profile_exit_2(w, tmp_path, capsys):
    args = ["ingest", str(w("m.csv", GOOD)), "--kind", "measurements", "--out", str(tmp_path / "d")]
    assert main(args + ["--profile", "gauge_de"]) == 2
    assert "did you mean 'gauge-de'" in capsys.readouterr().err


def test_bad_kind_is_an_argparse_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ingest", "x.csv", "--kind", "measurement", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_profiles_command(capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    for name in ("canonical", "cmm-en", "erp-shift-log", "gauge-de", "mes-jsonl"):
        assert name in out
    assert "any kind" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert "leankit 0.1.0" in capsys.readouterr().out


def test_demo_missing_data_folder(tmp_path, capsys):
    assert main(["demo", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "sample data folder" in capsys.readouterr().err
