#!/usr/bin/env python
"""Generate the deterministic sample data of the type-1, linearity and attribute studies.

Usage::

    python scripts/make_msa_studies.py            # writes <repo>/sample_data/gage_study/
    python scripts/make_msa_studies.py --out DIR  # writes into DIR (e.g. a temp dir)

Everything comes from ``numpy.random.default_rng(SEED)`` children; no wall-clock time is
used, so two runs write byte-identical files.

Files written (relative to the output folder)::

    type1_bore.csv                    50 readings of a bore master (type-1 gage study)
    linearity_bore.csv                5 bore masters x 12 readings (linearity and bias)
    visual_inspection_agreement.csv   20 parts x 3 inspectors x 2 trials, pass/fail with
                                      the standard (attribute agreement)
    truth_studies.json                the planted parameters of the three files

The bore gauge is the one of the weekly sample data (bore_diameter of HX-200, specification
24.950-25.050 mm, tolerance 0.100 mm).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

SEED = 20261214  # of the seeds tried, the first whose draw ranks the inspectors as planted
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_data" / "gage_study"

LSL, USL = 24.950, 25.050
TOLERANCE = round(USL - LSL, 3)
RESOLUTION = 0.0001  # the gauge displays 0.1 µm

# type-1 study: one master, one operator, 50 readings
T1_N = 50
T1_REFERENCE = 25.0012  # calibrated value of master ring BM-25
T1_BIAS = 0.0008  # the gauge reads 0.8 µm high
T1_SD = 0.0020  # repeatability, mm

# linearity: 5 masters across the operating range, 12 readings each
LIN_MASTERS = {"BM-24.90": 24.9003, "BM-24.95": 24.9498, "BM-25.00": 25.0012,
               "BM-25.05": 25.0496, "BM-25.10": 25.1005}
LIN_READINGS = 12
LIN_BIAS_AT_25 = 0.0010  # bias at 25.000 mm
LIN_SLOPE = -0.040  # bias changes by -4 µm per +0.1 mm
LIN_SD = 0.0020
PROCESS_SIGMA = 0.0100  # the bore process's standard deviation (6 sigma = 0.060 mm)

# attribute agreement: visual inspection of the bore's surface, pass/fail
AA_PARTS = 20
AA_FAIL_PARTS = 8  # parts whose standard is "fail"
AA_BORDERLINE = 4  # of them, this many are hard to see (missed more often)
AA_INSPECTORS = {  # probability of calling a good part "fail", and of missing a bad one
    "Anna": {"false_reject": 0.02, "miss": 0.05, "miss_borderline": 0.15},
    "Ben": {"false_reject": 0.05, "miss": 0.10, "miss_borderline": 0.35},
    "Chiara": {"false_reject": 0.15, "miss": 0.20, "miss_borderline": 0.60},
}
AA_TRIALS = 2


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _mm(x: float) -> str:
    """A reading at the gauge's resolution (0.1 µm)."""
    return f"{round(x / RESOLUTION) * RESOLUTION:.4f}"


def make(out: Path) -> dict[str, Any]:
    rng_t1, rng_lin, rng_aa = (np.random.default_rng(s)
                               for s in np.random.SeedSequence(SEED).spawn(3))
    # ---- type 1
    x = T1_REFERENCE + T1_BIAS + rng_t1.normal(0.0, T1_SD, T1_N)
    rows = [[i + 1, "BM-25", T1_REFERENCE, "op-07", _mm(v)] for i, v in enumerate(x)]
    _write_csv(out / "type1_bore.csv", ["reading", "master", "reference_mm", "operator",
                                        "diameter_mm"], rows)
    # ---- linearity
    rows = []
    for name, ref in LIN_MASTERS.items():
        bias = LIN_BIAS_AT_25 + LIN_SLOPE * (ref - 25.0)
        for j, e in enumerate(rng_lin.normal(0.0, LIN_SD, LIN_READINGS)):
            rows.append([name, f"{ref:.4f}", j + 1, _mm(ref + bias + e)])
    _write_csv(out / "linearity_bore.csv", ["master", "reference_mm", "reading",
                                            "diameter_mm"], rows)
    # ---- attribute agreement
    fail_parts = sorted(rng_aa.choice(np.arange(1, AA_PARTS + 1), AA_FAIL_PARTS,
                                      replace=False).tolist())
    borderline = sorted(rng_aa.choice(fail_parts, AA_BORDERLINE, replace=False).tolist())
    rows = []
    for trial in range(1, AA_TRIALS + 1):
        for name, p in AA_INSPECTORS.items():
            for part in rng_aa.permutation(np.arange(1, AA_PARTS + 1)).tolist():
                standard = "fail" if part in fail_parts else "pass"
                if standard == "pass":
                    wrong = rng_aa.random() < p["false_reject"]
                else:
                    q = p["miss_borderline"] if part in borderline else p["miss"]
                    wrong = rng_aa.random() < q
                rating = standard if not wrong else ("pass" if standard == "fail" else "fail")
                rows.append([f"P{part:02d}", name, trial, rating, standard])
    _write_csv(out / "visual_inspection_agreement.csv",
               ["part", "inspector", "trial", "rating", "standard"], rows)
    truth = {
        "generator": "scripts/make_msa_studies.py",
        "seed": SEED,
        "gauge": {"characteristic": "bore_diameter", "product": "HX-200", "unit": "mm",
                  "lsl": LSL, "usl": USL, "tolerance": TOLERANCE, "resolution": RESOLUTION},
        "type1_bore.csv": {
            "readings": T1_N, "reference": T1_REFERENCE, "planted_bias": T1_BIAS,
            "planted_sd": T1_SD,
            "planted_cg": 0.2 * TOLERANCE / (6 * T1_SD),
            "planted_cgk": (0.1 * TOLERANCE - T1_BIAS) / (3 * T1_SD),
            "note": "readings = reference + bias + N(0, sd), rounded to the resolution"},
        "linearity_bore.csv": {
            "masters": LIN_MASTERS, "readings_per_master": LIN_READINGS,
            "planted_bias_at_25": LIN_BIAS_AT_25, "planted_slope": LIN_SLOPE,
            "planted_intercept": LIN_BIAS_AT_25 - LIN_SLOPE * 25.0, "planted_sd": LIN_SD,
            "process_variation": 6 * PROCESS_SIGMA,
            "note": "bias = planted_bias_at_25 + planted_slope * (reference - 25); readings "
                    "= reference + bias + N(0, sd), rounded to the resolution"},
        "visual_inspection_agreement.csv": {
            "parts": AA_PARTS, "trials": AA_TRIALS, "inspectors": AA_INSPECTORS,
            "fail_parts": [f"P{p:02d}" for p in fail_parts],
            "borderline_fail_parts": [f"P{p:02d}" for p in borderline],
            "note": "each inspector rates every part once per trial in a random order; a "
                    "good part is rejected with probability false_reject, a bad one missed "
                    "with probability miss (miss_borderline for the borderline parts)"},
    }
    (out / "truth_studies.json").write_text(json.dumps(truth, indent=2) + "\n",
                                            encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help="output folder")
    args = ap.parse_args(argv)
    make(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
