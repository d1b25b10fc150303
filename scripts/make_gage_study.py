#!/usr/bin/env python
"""Generate the sample gage R&R study of the bore gauge (deterministic).

Usage::

    python scripts/make_gage_study.py            # writes sample_data/gage_study/
    python scripts/make_gage_study.py --out DIR  # writes DIR/bore_gauge_rr.csv, truth.json

A crossed study as the AIAG MSA manual recommends it: 10 parts of HX-200 taken from
production (so they span the process), 3 inspectors of line L1 (AP, JW, MK), 3 trials
each, in a random order per trial, read on the bore gauge BG-07 to 0.0001 mm. The value
of a reading is

    25.000 mm + part effect + operator bias + operator × part effect + repeatability error

with independent normal effects of the standard deviations in ``PLANTED`` (the part
standard deviation is the process's, 0.008 mm, as in sample_data/truth.json's bore model).
``truth.json`` holds the planted standard deviations and variances, the seed, the drawn
effects and the specification (bore_diameter 24.950-25.050 mm, sample_data/specs.csv).
The generator uses no wall-clock time: re-running it gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

SEED = 20261205
PARTS = 10
OPERATORS = ("AP", "JW", "MK")
TRIALS = 3
NOMINAL = 25.000
RESOLUTION = 0.0001
#: Planted standard deviations (mm).
PLANTED = {"part": 0.008, "operator": 0.0008, "operator_part": 0.0004, "repeatability": 0.0012}
LSL, USL = 24.950, 25.050


def generate(out: Path) -> None:
    rng = np.random.default_rng(SEED)
    part_eff = rng.normal(0, PLANTED["part"], PARTS)
    op_eff = rng.normal(0, PLANTED["operator"], len(OPERATORS))
    inter = rng.normal(0, PLANTED["operator_part"], (len(OPERATORS), PARTS))
    lines = ["run,part,operator,trial,characteristic,value,unit,gauge"]
    run = 0
    for t in range(TRIALS):
        for o, name in enumerate(OPERATORS):
            for p in rng.permutation(PARTS):  # a random part order per operator and trial
                run += 1
                x = (NOMINAL + part_eff[p] + op_eff[o] + inter[o, p]
                     + rng.normal(0, PLANTED["repeatability"]))
                x = round(round(x / RESOLUTION) * RESOLUTION, 4)
                lines.append(f"{run},P{p + 1:02d},{name},{t + 1},bore_diameter,{x:.4f},mm,"
                             "BG-07")
    out.mkdir(parents=True, exist_ok=True)
    (out / "bore_gauge_rr.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    grr_var = sum(PLANTED[k] ** 2 for k in ("operator", "operator_part", "repeatability"))
    total_var = grr_var + PLANTED["part"] ** 2
    truth = {
        "generator": "scripts/make_gage_study.py",
        "seed": SEED,
        "file": "bore_gauge_rr.csv",
        "design": {"type": "crossed", "parts": PARTS, "operators": list(OPERATORS),
                   "trials": TRIALS, "rows": PARTS * len(OPERATORS) * TRIALS,
                   "order": "random part order per operator and trial (column run)"},
        "characteristic": "bore_diameter", "product": "HX-200", "unit": "mm",
        "gauge": "BG-07 bore gauge", "resolution_mm": RESOLUTION,
        "spec": {"lsl": LSL, "usl": USL, "tolerance": round(USL - LSL, 6),
                 "source": "sample_data/specs.csv"},
        "model": ("value = 25.000 + N(0, part)[part] + N(0, operator)[operator] "
                  "+ N(0, operator_part)[operator, part] + N(0, repeatability), rounded to "
                  "0.0001 mm"),
        "planted_sd_mm": PLANTED,
        "planted_variance_mm2": {k: v ** 2 for k, v in PLANTED.items()},
        "planted_gage_rr": {
            "sd_mm": round(math.sqrt(grr_var), 8),
            "pct_study_var": round(100 * math.sqrt(grr_var / total_var), 2),
            "pct_tolerance": round(100 * 6 * math.sqrt(grr_var) / (USL - LSL), 2),
            "ndc": math.floor(1.41 * PLANTED["part"] / math.sqrt(grr_var)),
        },
        "drawn_effects_mm": {
            "part": {f"P{i + 1:02d}": round(float(v), 6) for i, v in enumerate(part_eff)},
            "operator": {n: round(float(v), 6) for n, v in zip(OPERATORS, op_eff, strict=True)},
        },
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent.parent
    parser.add_argument("--out", type=Path, default=here / "sample_data" / "gage_study")
    generate(parser.parse_args().out)


if __name__ == "__main__":
    main()
