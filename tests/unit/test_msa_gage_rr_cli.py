"""``leankit msa`` (src/leankit/_cli_msa.py): the handlers, called through their own parser,
and the same commands through ``leankit.cli.main`` once cli.py has the hook."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from leankit._cli_msa import add_parser
from leankit.errors import InputFileError, LeankitError, SchemaError

SAMPLE = REPO / "sample_data" / "gage_study" / "bore_gauge_rr.csv"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="leankit")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_gage_rr_summary(capsys):
    assert run(["msa", "gage-rr", str(SAMPLE), "--lsl", "24.95", "--usl", "25.05"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<GageRR anova crossed: 10 parts × 3 operators × 3 trials")
    assert "Components of variation" in out and "%GRR (tolerance)" in out


def test_gage_rr_json_and_html(capsys, tmp_path):
    html = tmp_path / "grr.html"
    assert run(["msa", "gage-rr", str(SAMPLE), "--tolerance", "0.1", "--method", "xbar_r",
                "--json", "--html", str(html)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "xbar_r" and data["verdict"] in {"acceptable", "conditional",
                                                              "unacceptable"}
    assert [c["component"] for c in data["components"]][0] == "gage_rr"
    assert data["components"][0]["var_lower"] is None  # NaN -> null
    text = html.read_text(encoding="utf-8")
    assert "bore_diameter" in text and "(mm)" in text  # the characteristic and its unit


def test_gage_rr_parquet_and_characteristic(tmp_path, capsys):
    df = pd.read_csv(SAMPLE)
    other = df.assign(characteristic="flange_thickness", value=df["value"] - 17)
    path = tmp_path / "two.parquet"
    pd.concat([df, other]).to_parquet(path)
    with pytest.raises(LeankitError, match="2 characteristics.*--characteristic"):
        run(["msa", "gage-rr", str(path)])
    with pytest.raises(LeankitError, match="did you mean 'bore_diameter'"):
        run(["msa", "gage-rr", str(path), "--characteristic", "bore_diametr"])
    assert run(["msa", "gage-rr", str(path), "--characteristic", "flange_thickness"]) == 0
    assert "10 parts × 3 operators" in capsys.readouterr().out


def test_gage_rr_errors(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        run(["msa", "gage-rr", str(tmp_path / "nope.csv")])
    bad = tmp_path / "bad.txt.json"
    bad.write_text("{}")
    with pytest.raises(InputFileError, match=r"expected a \.csv or \.parquet"):
        run(["msa", "gage-rr", str(bad)])
    df = pd.read_csv(SAMPLE)
    df = df[~((df["operator"] == "JW") & (df["part"] == "P03"))]
    path = tmp_path / "unbalanced.csv"
    df.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"\('JW', 'P03'\)"):
        run(["msa", "gage-rr", str(path)])
    with pytest.raises(LeankitError, match="not both"):  # a plain ValueError, reworded
        run(["msa", "gage-rr", str(SAMPLE), "--tolerance", "1", "--lsl", "0", "--usl", "1"])


def _b_tables(tmp_path):
    rng = np.random.default_rng(5)
    type1 = pd.DataFrame({"value": np.round(25.0 + rng.normal(0.0005, 0.001, 50), 4)})
    rows = []
    for i, ref in enumerate([2.0, 4.0, 6.0, 8.0, 10.0]):
        for _ in range(12):
            rows.append({"part": i + 1, "reference": ref,
                         "value": ref + 0.7 - 0.13 * ref + rng.normal(0, 0.2)})
    lin = pd.DataFrame(rows)
    truth = rng.integers(0, 2, 20)
    ag = pd.DataFrame([{"part": p, "appraiser": a, "trial": t,
                        "rating": "pass" if (truth[p] if rng.random() > 0.1 else 1 - truth[p])
                        else "fail", "standard": "pass" if truth[p] else "fail"}
                       for p in range(20) for a in ("A", "B", "C") for t in (1, 2)])
    paths = {}
    for name, df in {"type1": type1, "lin": lin, "ag": ag}.items():
        paths[name] = tmp_path / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    return paths


def test_other_studies(tmp_path, capsys):
    """The type-1, linearity and agreement subcommands call helper B's public functions."""
    p = _b_tables(tmp_path)
    assert run(["msa", "type1", str(p["type1"]), "--reference", "25.0", "--tolerance",
                "0.1"]) == 0
    assert capsys.readouterr().out.strip()
    assert run(["msa", "linearity", str(p["lin"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["table"]
    assert run(["msa", "agreement", str(p["ag"]), "--standard", "standard", "--trial",
                "trial", "--html", str(tmp_path / "ag.html")]) == 0
    assert (tmp_path / "ag.html").exists()


def _hooked() -> bool:
    from leankit.cli import build_parser

    try:
        build_parser().parse_args(["msa", "gage-rr", "x.csv"])
    except SystemExit:
        return False
    return True


@pytest.mark.skipif(not _hooked(), reason="cli.py does not call _cli_msa.add_parser yet "
                                          "(the lead adds the hook)")
def test_through_leankit_main(capsys, tmp_path):
    from leankit.cli import main

    assert main(["msa", "gage-rr", str(SAMPLE), "--lsl", "24.95", "--usl", "25.05"]) == 0
    assert "Conditionally acceptable (AIAG)" in capsys.readouterr().out
    missing = tmp_path / "missing.csv"
    assert main(["msa", "gage-rr", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["msa", "gage-rr", str(SAMPLE), "--tolerance", "-1"]) == 2
    assert "positive" in capsys.readouterr().err
