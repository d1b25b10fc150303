#!/usr/bin/env python
"""Generate leankit's deterministic, deliberately messy sample factory exports.

Usage::

    python scripts/make_sample_data.py            # writes <repo>/sample_data/
    python scripts/make_sample_data.py --out DIR  # writes into DIR (e.g. a temp dir)

Everything is derived from ``numpy.random.default_rng(20261122)`` (the files of
section 7 from children of ``SeedSequence(20261122)``); no wall-clock
time is used anywhere, so two runs produce byte-identical files.

Files written (relative to the output dir)::

    measurements/line1_gauge.csv   German gauge export (cp1252, ';', decimal comma, CRLF)
    measurements/line2_cmm.xlsx    CMM Excel report (sheet 'Messdaten', header in row 4)
    defects/mes_defects.jsonl      MES defect records, JSON Lines
    rare_events/eol_leak_test.csv  end-of-line leak test per shift (rare events, canonical
                                   defects CSV; not in defects/, so the demo leaves it out)
    measurements/line2_process_log.csv  individual readings of line L2 (canonical CSV)
    production/erp_shift_log.csv   ERP shift log (UTF-8 with BOM, ',', thousands separators)
    specs.csv                      specification limits
    truth.json                     planted phenomena, bad rows, expected counts
    README.md                      human-readable description of all of the above
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

SEED = 20261122
TZ = ZoneInfo("Europe/Berlin")
UTC = timezone.utc

SITE = "PLANT-N"
PERIOD_START_LOCAL = datetime(2026, 8, 31, 0, 0, tzinfo=TZ)  # Monday, ISO 2026-W36
PERIOD_END_LOCAL = datetime(2026, 11, 23, 0, 0, tzinfo=TZ)  # Monday, start of 2026-W48
PERIOD_START_UTC = PERIOD_START_LOCAL.astimezone(UTC)
PERIOD_END_UTC = PERIOD_END_LOCAL.astimezone(UTC)
DST_DATE = date(2026, 10, 25)

# Bore diameter mean shift: first subgroup at or after this instant is shifted.
BORE_SHIFT_FROM_LOCAL = datetime(2026, 10, 28, 14, 0, tzinfo=TZ)
BORE_SHIFT_MM = 0.020

LINES = {
    "L1": {"machines": ["L1-M1", "L1-M2", "L1-M3"], "product": "HX-200"},
    "L2": {"machines": ["L2-M1", "L2-M2"], "product": "HX-300"},
}
MACHINES = [m for ln in LINES.values() for m in ln["machines"]]
LINE_OF = {m: ln for ln, v in LINES.items() for m in v["machines"]}
PRODUCT_OF = {m: LINES[LINE_OF[m]]["product"] for m in MACHINES}

# shift code -> (start hour, end hour, German, English, MES, lot suffix)
SHIFTS = {
    "early": (6, 14, "Früh", "Early", "early", "E"),
    "late": (14, 22, "Spät", "Late", "late", "L"),
    "night": (22, 6, "Nacht", "Night", "night", "N"),
}
PLANNED_BREAK_MIN = 30

# Ideal cycle times in seconds (L1-M1 is a fast machine -> counts >= 1000).
IDEAL_CYCLE_S = {"L1-M1": 22.0, "L1-M2": 55.0, "L1-M3": 52.5, "L2-M1": 66.0, "L2-M2": 65.0}

# defect -> (6M category, base rate per inspected unit, unit cost EUR)
DEFECTS = {
    "Scratch": ("Man", 0.0090, 4.00),
    "Burr": ("Machine", 0.0120, 2.50),
    "Porosity": ("Material", 0.0040, 18.00),
    "Dimension out of tolerance": ("Machine", 0.0030, 12.00),
    "Crack": ("Material", 0.0005, 35.00),
    "Missing thread": ("Method", 0.0015, 6.00),
    "Contamination": ("Environment", 0.0025, 3.00),
    "Wrong label": ("Man", 0.0010, 1.50),
}
NIGHT_MULTIPLIER_L2M2 = 3.0
# The improvement story (sample_data/a3.toml): the L2-M2 night crew's deburring step is
# fixed from the night shift starting on this date; from then on the L2-M2 night defects
# (and scrap/rework) are thinned by 1/3, so their rate equals the other shifts' rate
# (Binomial(Poisson(3 lam), 1/3) = Poisson(lam)). The thinning draws from a stream of its
# own (SeedSequence(SEED).spawn(3)[2]), so every other value of every file is unchanged.
COUNTERMEASURE_DATE_L2M2 = date(2026, 11, 9)
COUNTERMEASURE_KEEP = 1.0 / NIGHT_MULTIPLIER_L2M2

DOWNTIME_REASONS = [
    "Feeder jam",
    "Changeover",
    "Material shortage",
    "Tool change",
    "Quality check",
    "Electrical fault",
    "No operator",
]

XSS_NOTE = "<script>alert('x')</script> sensor \"drift\" & <b>bold</b>"
REAL_NOTES = [
    "Werkzeug gewechselt",
    "Sensor cleaned",
    "Nacharbeit durch QS",
    "Materialcharge gewechselt",
    "Kamera neu kalibriert",
    "Coolant topped up",
    "Prüfmittel getauscht",
    "Lot held for re-inspection",
]

# Fixed timestamps used for file metadata (never wall-clock time).
EXPORT_STAMP = datetime(2026, 11, 23, 6, 5, 0)

GAUGE_OPERATORS = {"early": ["MK", "SB"], "late": ["JW", "TÖ"], "night": ["AP", "RÜ"]}


# --------------------------------------------------------------------------- helpers
def local_naive(dt_utc: datetime) -> datetime:
    """UTC instant -> naive local Berlin wall-clock time (offset dropped, like real exports)."""
    return dt_utc.astimezone(TZ).replace(tzinfo=None)


def shift_of(dt_utc: datetime) -> tuple[str, date]:
    """Return (shift code, shift date); night belongs to the date it starts."""
    loc = dt_utc.astimezone(TZ)
    h = loc.hour
    if 6 <= h < 14:
        return "early", loc.date()
    if 14 <= h < 22:
        return "late", loc.date()
    if h >= 22:
        return "night", loc.date()
    return "night", loc.date() - timedelta(days=1)


def shift_bounds(d: date, code: str) -> tuple[datetime, datetime]:
    sh, eh = SHIFTS[code][0], SHIFTS[code][1]
    start = datetime(d.year, d.month, d.day, sh, 0, tzinfo=TZ)
    ed = d + timedelta(days=1) if code == "night" else d
    end = datetime(ed.year, ed.month, ed.day, eh, 0, tzinfo=TZ)
    return start, end


def all_shifts() -> list[tuple[date, str, datetime, datetime]]:
    out = []
    d = PERIOD_START_LOCAL.date()
    while d < PERIOD_END_LOCAL.date():
        for code in ("early", "late", "night"):
            s, e = shift_bounds(d, code)
            out.append((d, code, s, e))
        d += timedelta(days=1)
    return out


def de_num(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}".replace(".", ",")


def thousands(n: int) -> str:
    return f"{n:,}"


def fmt_local(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------- 1. gauge CSV
def make_gauge(rng: np.random.Generator, out: Path) -> dict:
    shift_from_utc = BORE_SHIFT_FROM_LOCAL.astimezone(UTC)
    # even UTC hours in [start, end)
    t = PERIOD_START_UTC
    if t.hour % 2:
        t += timedelta(hours=1)
    slots = []
    while t < PERIOD_END_UTC:
        slots.append(t)
        t += timedelta(hours=2)

    machines = LINES["L1"]["machines"]
    rows = []  # dicts with the raw fields
    first_shifted = None
    um_subgroups = []
    for i, slot in enumerate(slots):
        code, sdate = shift_of(slot)
        machine = machines[i % 3]
        op = GAUGE_OPERATORS[code][int(rng.integers(0, 2))]
        shifted = slot >= shift_from_utc
        if shifted and first_shifted is None:
            first_shifted = (i, slot)
        bore_mu = 25.000 + rng.normal(0, 0.001) + (BORE_SHIFT_MM if shifted else 0.0)
        bore = bore_mu + rng.normal(0, 0.008, 5)
        flange = 8.000 + rng.normal(0, 0.025, 5)
        runout = np.maximum(rng.lognormal(math.log(12.0), 0.42, 5), 0.1)
        bore_in_um = rng.random() < 0.03
        sg = i + 1
        ids = {
            "bore_diameter": f"L1-BD-{sg:06d}",
            "flange_thickness": f"L1-FT-{sg:06d}",
            "runout": f"L1-RO-{sg:06d}",
        }
        if bore_in_um:
            um_subgroups.append(ids["bore_diameter"])
        for j in range(5):
            for k, (char, sec) in enumerate(
                (("bore_diameter", 0), ("flange_thickness", 20), ("runout", 40))
            ):
                ts_utc = slot + timedelta(minutes=j, seconds=sec)
                loc = local_naive(ts_utc)
                if char == "bore_diameter":
                    if bore_in_um:
                        val, unit = de_num(bore[j] * 1000.0, 1), "µm"
                    else:
                        val, unit = de_num(bore[j], 4), "mm"
                    true_mm = round(float(bore[j]), 4)
                elif char == "flange_thickness":
                    val, unit = de_num(flange[j], 4), "mm"
                    true_mm = round(float(flange[j]), 4)
                else:
                    val, unit = de_num(runout[j], 1), "µm"
                    true_mm = round(float(runout[j]), 1)
                rows.append(
                    {
                        "Datum": loc.strftime("%d.%m.%Y"),
                        "Uhrzeit": loc.strftime("%H:%M:%S"),
                        "Linie": "L1",
                        "Maschine": machine,
                        "Schicht": SHIFTS[code][2],
                        "Produkt": "HX-200",
                        "Merkmal": char,
                        "Messwert": val,
                        "Einheit": unit,
                        "Stichprobe": ids[char],
                        "Prüfer": op,
                        "_utc": ts_utc,
                        "_shifted": shifted,
                        "_value": true_mm,
                        "_shift": code,
                    }
                )

    # ---- deliberate bad rows (in place) -------------------------------------------
    n = len(rows)
    cand = [
        r
        for r in range(50, n - 50)
        if rows[r]["Merkmal"] in ("bore_diameter", "flange_thickness")
        and rows[r]["Einheit"] == "mm"
    ]
    picks = []
    while len(picks) < 4:
        r = int(cand[int(rng.integers(0, len(cand)))])
        if all(abs(r - p) > 300 for p in picks):
            picks.append(r)
    bad_specs = [
        ("Datum", "31.02.2026", "impossible calendar date 31.02.2026", "unparseable/invalid date"),
        (
            "Messwert",
            "n.i.O.",
            "non-numeric measurement value 'n.i.O.' (nicht in Ordnung)",
            "non-numeric value",
        ),
        ("Einheit", "mmm", "unknown unit 'mmm'", "unknown unit"),
        ("Messwert", "", "empty measurement value", "missing value"),
    ]
    bad = []
    for r, (field, newval, problem, reason) in zip(picks, bad_specs):
        bad.append(
            {
                "row_index": r,
                "field": field,
                "original": rows[r][field],
                "value": newval,
                "problem": problem,
                "reason": reason,
            }
        )
        rows[r][field] = newval
        rows[r]["_bad"] = True

    # two blank lines in the middle of the data (after these data-row indices)
    blank_after = sorted(
        int(x) for x in rng.choice(np.arange(n // 4, 3 * n // 4), 2, replace=False)
    )

    header = [
        "Datum",
        "Uhrzeit",
        "Linie",
        "Maschine",
        "Schicht",
        "Produkt",
        "Merkmal",
        "Messwert",
        "Einheit",
        "Stichprobe",
        "Prüfer",
    ]
    lines = [
        "Messprotokoll Linie 1 - Werk Nord",
        "Export vom 23.11.2026 06:05;;;",
        "",
        ";".join(header),
    ]
    line_of_row = {}
    blank_lines = []
    for idx, row in enumerate(rows):
        lines.append(";".join(row[h] for h in header))
        line_of_row[idx] = len(lines)
        if idx in blank_after:
            lines.append("")
            blank_lines.append(len(lines))
    lines.append(f"Summe Messwerte;{n}")
    path = out / "measurements" / "line1_gauge.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))

    # rows in the repeated hour of the DST fall-back: the file shows that hour only once,
    # so which pass (CEST or CET) they belong to cannot be read from it -> leankit
    # quarantines them under ambiguous = "infer" (reason dst_ambiguous_time)
    for idx, row in enumerate(rows):
        if row["Datum"] == "25.10.2026" and row["Uhrzeit"].startswith("02:"):
            bad.append({
                "row_index": idx, "field": "Datum/Uhrzeit",
                "original": f"{row['Datum']} {row['Uhrzeit']}",
                "value": f"{row['Datum']} {row['Uhrzeit']}",
                "problem": "local time in the repeated hour of the DST fall-back "
                "(02:00-02:59 occurs twice on 2026-10-25); the file shows that hour once, "
                "so CEST or CET cannot be inferred",
                "reason": "ambiguous local time (DST)",
            })
            row["_bad"] = True

    for b in bad:
        r = rows[b["row_index"]]
        b["line"] = line_of_row[b["row_index"]]
        b["stichprobe"] = r["Stichprobe"]
        b["merkmal"] = r["Merkmal"]
        b["local_time"] = f"{r['Uhrzeit']}"
        b["true_timestamp_utc"] = r["_utc"].strftime("%Y-%m-%dT%H:%M:%SZ")

    # statistics on the clean rows (for truth.json)
    def clean(char, pred=lambda r: True):
        return np.array(
            [r["_value"] for r in rows if r["Merkmal"] == char and not r.get("_bad") and pred(r)]
        )

    pre = clean("bore_diameter", lambda r: not r["_shifted"])
    post = clean("bore_diameter", lambda r: r["_shifted"])
    fl = clean("flange_thickness")
    ro = clean("runout")
    fi, fslot = first_shifted
    return {
        "rows": rows,
        "n": n,
        "bad": bad,
        "blank_lines": blank_lines,
        "footer_line": len(lines),
        "n_subgroups": len(slots),
        "um_subgroups": um_subgroups,
        "first_shifted": {
            "subgroup": f"L1-BD-{fi + 1:06d}",
            "local": fmt_local(local_naive(fslot)),
            "utc": fslot.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "iso_week": "%d-W%02d" % fslot.astimezone(TZ).isocalendar()[:2],
        },
        "stats": {
            "bore_mean_before_mm": round(float(pre.mean()), 5),
            "bore_mean_after_mm": round(float(post.mean()), 5),
            "bore_sd_before_mm": round(float(pre.std(ddof=1)), 5),
            "n_bore_rows_before": int(pre.size),
            "n_bore_rows_after": int(post.size),
            "flange_mean_mm": round(float(fl.mean()), 5),
            "flange_sd_mm": round(float(fl.std(ddof=1)), 5),
            "runout_median_um": round(float(np.median(ro)), 2),
            "runout_mean_um": round(float(ro.mean()), 2),
            "runout_max_um": round(float(ro.max()), 1),
            "runout_n_above_usl_40": int((ro > 40).sum()),
        },
        "first_slot_local": fmt_local(local_naive(slots[0])),
        "last_slot_local": fmt_local(local_naive(slots[-1])),
    }


# --------------------------------------------------------------------------- 2. CMM xlsx
def _deterministic_xlsx(wb, path: Path) -> None:
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.creator = "CMM-02 Report Generator"
    wb.properties.lastModifiedBy = "CMM-02"
    wb.properties.created = EXPORT_STAMP
    wb.properties.modified = EXPORT_STAMP
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as arc:
        ExcelWriter(wb, arc).save()  # (save_workbook() would stamp 'modified' with now())
    # re-pack with fixed zip entry timestamps (writestr uses the current time otherwise)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 23, 6, 5, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def make_cmm(rng: np.random.Generator, out: Path) -> dict:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    # every 4 hours on UTC hours 01, 05, 09, 13, 17, 21 (see README: DST night)
    t = PERIOD_START_UTC.replace(minute=0)
    while t.hour % 4 != 1:
        t += timedelta(hours=1)
    slots = []
    while t < PERIOD_END_UTC:
        slots.append(t)
        t += timedelta(hours=4)

    machines = LINES["L2"]["machines"]
    rows = []
    for i, slot in enumerate(slots):
        code, _ = shift_of(slot)
        machine = machines[i % 2]
        sd_mu = 12.000 + rng.normal(0, 0.002)
        shaft_mm = sd_mu + rng.normal(0, 0.006, 5)
        length = 120.00 + rng.normal(0, 0.05, 5)
        for j in range(5):
            for char, sec in (("shaft_diameter", 0), ("length", 30)):
                ts = slot + timedelta(minutes=j, seconds=sec)
                if char == "shaft_diameter":
                    val, unit, sid = round(float(shaft_mm[j]) / 25.4, 5), "in", f"L2-SD-{i + 1:06d}"
                else:
                    val, unit, sid = round(float(length[j]), 3), "mm", f"L2-LE-{i + 1:06d}"
                rows.append(
                    {
                        "Timestamp": local_naive(ts),
                        "Line": "L2",
                        "Machine": machine,
                        "Shift": SHIFTS[code][3],
                        "Product": "HX-300",
                        "Characteristic": char,
                        "Value": val,
                        "Unit": unit,
                        "Sample": sid,
                        "_utc": ts,
                    }
                )
    n = len(rows)
    i1, i2 = (int(x) for x in rng.choice(np.arange(40, n - 40), 2, replace=False))
    bad = [
        {
            "row_index": i1,
            "field": "Value",
            "original": rows[i1]["Value"],
            "value": "#WERT!",
            "problem": "text value '#WERT!' (German Excel #VALUE! error) in numeric column",
            "reason": "non-numeric value",
        },
        {
            "row_index": i2,
            "field": "Timestamp",
            "original": fmt_local(rows[i2]["Timestamp"]),
            "value": None,
            "problem": "empty Timestamp cell",
            "reason": "missing timestamp",
        },
    ]
    rows[i1]["Value"] = "#WERT!"
    rows[i2]["Timestamp"] = None
    for b in bad:
        rows[b["row_index"]]["_bad"] = True

    wb = Workbook()
    info = wb.active
    info.title = "Info"
    for r in [
        ("CMM Report", None),
        ("Site", SITE),
        ("Line", "L2"),
        ("Product", "HX-300"),
        ("Device", "CMM-02 (Portal-Messmaschine)"),
        ("Program", "HX300_final_v7"),
        ("Period", "2026-W36 to 2026-W47"),
        ("Exported", "2026-11-23 06:10"),
        ("Note", "Data on sheet 'Messdaten'. shaft_diameter is reported in inches."),
    ]:
        info.append(list(r))
    info["A1"].font = Font(bold=True, size=14)
    ws = wb.create_sheet("Messdaten")
    ws["A1"] = "CMM Report Line 2"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "Period: 2026-W36 to 2026-W47"
    header = [
        "Timestamp",
        "Line",
        "Machine",
        "Shift",
        "Product",
        "Characteristic",
        "Value",
        "Unit",
        "Sample",
    ]
    for c, h in enumerate(header, start=1):
        ws.cell(row=4, column=c, value=h).font = Font(bold=True)
    for k, row in enumerate(rows):
        excel_row = 5 + k
        row["_excel_row"] = excel_row
        for c, h in enumerate(header, start=1):
            cell = ws.cell(row=excel_row, column=c, value=row[h])
            if h == "Timestamp" and row[h] is not None:
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["F"].width = 16
    ws.column_dimensions["I"].width = 14
    ws.freeze_panes = "A5"
    _deterministic_xlsx(wb, out / "measurements" / "line2_cmm.xlsx")

    for idx, row in enumerate(rows):  # see make_gauge: the repeated DST hour, shown once
        ts = row["Timestamp"]
        if ts is not None and ts.strftime("%Y-%m-%d %H") == "2026-10-25 02":
            bad.append({
                "row_index": idx, "field": "Timestamp", "original": fmt_local(ts),
                "value": fmt_local(ts),
                "problem": "local time in the repeated hour of the DST fall-back "
                "(02:00-02:59 occurs twice on 2026-10-25); the sheet shows that hour once, "
                "so CEST or CET cannot be inferred",
                "reason": "ambiguous local time (DST)",
            })
            row["_bad"] = True

    for b in bad:
        r = rows[b["row_index"]]
        b["excel_row"] = r["_excel_row"]
        b["sample"] = r["Sample"]
        b["characteristic"] = r["Characteristic"]
    shaft = (
        np.array(
            [
                r["Value"]
                for r in rows
                if r["Characteristic"] == "shaft_diameter" and not r.get("_bad")
            ]
        )
        * 25.4
    )
    length = np.array(
        [r["Value"] for r in rows if r["Characteristic"] == "length" and not r.get("_bad")]
    )
    return {
        "rows": rows,
        "n": n,
        "bad": bad,
        "n_subgroups": len(slots),
        "last_excel_row": 4 + n,
        "first_slot_local": fmt_local(local_naive(slots[0])),
        "last_slot_local": fmt_local(local_naive(slots[-1])),
        "stats": {
            "shaft_mean_mm": round(float(shaft.mean()), 5),
            "shaft_sd_mm": round(float(shaft.std(ddof=1)), 5),
            "length_mean_mm": round(float(length.mean()), 4),
            "length_sd_mm": round(float(length.std(ddof=1)), 4),
        },
    }


# --------------------------------------------------------------------------- 3+4. MES + ERP
def make_shift_data(rng: np.random.Generator, out: Path) -> tuple[dict, dict]:
    shifts = all_shifts()

    # downtime model: reason -> (probability per machine-shift, min, max minutes)
    def dt_params(machine: str, code: str) -> dict:
        p = {
            "Feeder jam": (0.50, 15, 45) if machine == "L1-M2" else (0.025, 8, 25),
            "Changeover": (0.05, 20, 50),
            "Material shortage": (0.025, 15, 60),
            "Tool change": (0.07, 8, 20),
            "Quality check": (0.05, 5, 15),
            "Electrical fault": (0.012, 30, 90),
            "No operator": (0.04 if code == "night" else 0.01, 15, 45),
        }
        return p

    erp_rows, mes_records = [], []
    cm_rng = np.random.default_rng(np.random.SeedSequence(SEED).spawn(3)[2])
    for d, code, s_loc, e_loc in shifts:
        real_min = int((e_loc.astimezone(UTC) - s_loc.astimezone(UTC)).total_seconds() // 60)
        planned = real_min - PLANNED_BREAK_MIN
        for m in MACHINES:
            events = {}
            for reason, (p, lo, hi) in dt_params(m, code).items():
                if rng.random() < p:
                    events[reason] = int(rng.integers(lo, hi + 1))
            downtime = min(sum(events.values()), planned - 60)
            main = max(events, key=lambda k: events[k]) if events else ""
            run = planned - downtime
            speed = rng.uniform(0.85, 0.97)
            total = int(run * 60 / IDEAL_CYCLE_S[m] * speed)
            inspected = total if m != "L1-M1" else min(total, int(rng.integers(380, 441)))
            mult = NIGHT_MULTIPLIER_L2M2 if (m == "L2-M2" and code == "night") else 1.0
            lot_factor = rng.gamma(8.0, 1 / 8.0)
            lot = f"{m}-{d.strftime('%Y%m%d')}-{SHIFTS[code][5]}"
            qtys, raw_qtys = {}, {}
            fixed = mult != 1.0 and d >= COUNTERMEASURE_DATE_L2M2
            for defect, (cat, rate, cost) in DEFECTS.items():
                q = int(rng.poisson(rate * inspected * mult * lot_factor))
                raw_qtys[defect] = q
                if fixed:  # the countermeasure: thinned on a stream of its own
                    q = int(cm_rng.binomial(q, COUNTERMEASURE_KEEP))
                qtys[defect] = q
                mes_records.append(
                    {
                        "ts": s_loc.isoformat(),
                        "lot": lot,
                        "line": LINE_OF[m],
                        "machine": m,
                        "shift": code,
                        "product": PRODUCT_OF[m],
                        "defect": defect,
                        "category": cat,
                        "qty": q,
                        "inspected": inspected,
                        "cost_eur": round(q * cost, 2),
                        "note": "",
                        "_date": d,
                        "_mult": COUNTERMEASURE_KEEP * mult if fixed else mult,
                    }
                )
            # scrap and rework from the drawn defects (the main stream draws the same
            # values as before the countermeasure existed), then thinned like the defects
            defects_scaled = int(round(sum(raw_qtys.values()) * total / max(inspected, 1)))
            defects_scaled = min(defects_scaled, total)
            scrap = int(rng.binomial(defects_scaled, 0.55))
            rework = defects_scaled - scrap
            if fixed:
                scrap = int(cm_rng.binomial(scrap, COUNTERMEASURE_KEEP))
                rework = int(cm_rng.binomial(rework, COUNTERMEASURE_KEEP))
            erp_rows.append(
                {
                    "Shift Start": s_loc.strftime("%Y-%m-%d %H:%M"),
                    "Shift End": e_loc.strftime("%Y-%m-%d %H:%M"),
                    "Line": LINE_OF[m],
                    "Machine": m,
                    "Shift": SHIFTS[code][3],
                    "Product": PRODUCT_OF[m],
                    "Planned Time (min)": planned,
                    "Run Time (min)": run,
                    "Downtime (min)": downtime,
                    "Downtime Reason": main,
                    "Ideal Cycle Time (s)": IDEAL_CYCLE_S[m],
                    "Total Count": total,
                    "Good Count": total - scrap - rework,
                    "Scrap": scrap,
                    "Rework": rework,
                    "_code": code,
                    "_date": d,
                }
            )

    # ---------------- MES notes and bad lines ----------------
    nrec = len(mes_records)
    note_idx = [int(x) for x in rng.choice(nrec, 25, replace=False)]
    for k, ix in enumerate(note_idx[:-1]):
        mes_records[ix]["note"] = REAL_NOTES[k % len(REAL_NOTES)]
    xss_ix = note_idx[-1]
    mes_records[xss_ix]["note"] = XSS_NOTE
    pool = [
        i
        for i in range(100, nrec - 100)
        if i not in note_idx and mes_records[i]["qty"] > 0 and mes_records[i]["machine"] != "L2-M2"
    ]
    neg_ix, trunc_ix = (int(pool[int(x)]) for x in rng.choice(len(pool), 2, replace=False))
    neg_orig = mes_records[neg_ix]["qty"]
    unit_cost = DEFECTS[mes_records[neg_ix]["defect"]][2]
    mes_records[neg_ix]["qty"] = -2
    mes_records[neg_ix]["cost_eur"] = round(-2 * unit_cost, 2)
    mes_records[neg_ix]["_bad"] = True
    mes_records[trunc_ix]["_bad"] = True
    lines = []
    for i, rec in enumerate(mes_records):
        s = json.dumps({k: v for k, v in rec.items() if not k.startswith("_")}, ensure_ascii=False)
        if i == trunc_ix:
            s = s[: int(len(s) * 0.55)]  # export interrupted mid-record
        lines.append(s)
    path = out / "defects" / "mes_defects.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    mes_bad = [
        {
            "line": neg_ix + 1,
            "lot": mes_records[neg_ix]["lot"],
            "defect": mes_records[neg_ix]["defect"],
            "original_qty": neg_orig,
            "problem": "negative defect quantity qty=-2 (cost_eur also negative)",
            "reason": "negative quantity",
        },
        {
            "line": trunc_ix + 1,
            "lot": mes_records[trunc_ix]["lot"],
            "defect": mes_records[trunc_ix]["defect"],
            "original_qty": mes_records[trunc_ix]["qty"],
            "problem": "truncated / malformed JSON (record cut off mid-way)",
            "reason": "malformed JSON line",
        },
    ]

    # MES stats (clean records)
    clean = [r for r in mes_records if not r.get("_bad")]
    lots = {}
    for r in clean:
        key = r["lot"]
        lots.setdefault(
            key,
            {"machine": r["machine"], "shift": r["shift"], "inspected": r["inspected"], "qty": 0,
             "date": r["_date"], "mult": r["_mult"], "line": r["line"]},
        )
        lots[key]["qty"] += r["qty"]

    def dpu(pred):
        q = sum(v["qty"] for v in lots.values() if pred(v))
        u = sum(v["inspected"] for v in lots.values() if pred(v))
        return q / u

    target = lambda v: v["machine"] == "L2-M2" and v["shift"] == "night"  # noqa: E731
    strata = {}
    for m in MACHINES:
        for code in SHIFTS:
            strata[f"{m}/{code}"] = round(
                dpu(lambda v, m=m, c=code: v["machine"] == m and v["shift"] == c), 5
            )
    by_defect = {}
    for r in clean:
        by_defect[r["defect"]] = by_defect.get(r["defect"], 0) + r["qty"]
    by_defect = dict(sorted(by_defect.items(), key=lambda kv: -kv[1]))
    cost_by_defect = {}
    for r in clean:
        cost_by_defect[r["defect"]] = round(cost_by_defect.get(r["defect"], 0) + r["cost_eur"], 2)
    mes_stats = {
        "dpu_L2M2_night": round(dpu(target), 5),
        "dpu_rest": round(dpu(lambda v: not target(v)), 5),
        "dpu_by_machine_shift": strata,
        "qty_by_defect": by_defect,
        "cost_eur_by_defect": dict(sorted(cost_by_defect.items(), key=lambda kv: -kv[1])),
    }
    mes_stats["ratio_L2M2_night_vs_rest"] = round(
        mes_stats["dpu_L2M2_night"] / mes_stats["dpu_rest"], 2
    )

    # the improvement story (sample_data/a3.toml): before = the 6 weeks up to the
    # countermeasure, after = from it to the end of the data
    b0, cm = date(2026, 9, 28), COUNTERMEASURE_DATE_L2M2

    def story(pred):
        def period(lo, hi):
            sel = [v for v in lots.values() if pred(v) and lo <= v["date"] < hi]
            e = sum(v["inspected"] for v in sel)
            return {"defects": sum(v["qty"] for v in sel), "inspected": e,
                    "dpu": round(sum(v["qty"] for v in sel) / e, 5),
                    "planted_relative_rate": sum(v["inspected"] * v["mult"] for v in sel) / e}

        bef, aft = period(b0, cm), period(cm, date(2026, 11, 23))
        ratio = aft.pop("planted_relative_rate") / bef.pop("planted_relative_rate")
        return {"before": bef, "after": aft, "planted_rate_ratio": round(ratio, 4),
                "observed_rate_ratio": round(aft["dpu"] / bef["dpu"], 4)}

    mes_stats["countermeasure"] = {
        "date_local": cm.isoformat(),
        "before_period_local": [b0.isoformat(), cm.isoformat()],
        "after_period_local": [cm.isoformat(), "2026-11-23"],
        "line_L2": story(lambda v: v["line"] == "L2"),
        "L2M2_night": story(target),
        "line_L1": story(lambda v: v["line"] == "L1"),
    }

    # ---------------- ERP bad rows + write ----------------
    nerp = len(erp_rows)
    pool = [
        i
        for i in range(50, nerp - 50)
        if erp_rows[i]["Machine"] not in ("L1-M2", "L2-M2") and erp_rows[i]["Downtime (min)"] > 0
    ]
    g_ix, r_ix = (int(pool[int(x)]) for x in rng.choice(len(pool), 2, replace=False))
    g_orig = erp_rows[g_ix]["Good Count"]
    erp_rows[g_ix]["Good Count"] = erp_rows[g_ix]["Total Count"] + 17
    r_orig = erp_rows[r_ix]["Run Time (min)"]
    erp_rows[r_ix]["Run Time (min)"] = -15
    erp_rows[g_ix]["_bad"] = erp_rows[r_ix]["_bad"] = True

    header = [
        "Shift Start",
        "Shift End",
        "Line",
        "Machine",
        "Shift",
        "Product",
        "Planned Time (min)",
        "Run Time (min)",
        "Downtime (min)",
        "Downtime Reason",
        "Ideal Cycle Time (s)",
        "Total Count",
        "Good Count",
        "Scrap",
        "Rework",
    ]
    int_cols = [
        "Planned Time (min)",
        "Run Time (min)",
        "Downtime (min)",
        "Total Count",
        "Good Count",
        "Scrap",
        "Rework",
    ]
    sio = io.StringIO()
    w = csv.writer(
        sio, delimiter=",", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\n"
    )
    w.writerow(header)
    for r in erp_rows:
        vals = []
        for h in header:
            v = r[h]
            if h in int_cols:
                vals.append(thousands(int(v)))
            elif h == "Ideal Cycle Time (s)":
                vals.append(f"{v:.1f}")
            else:
                vals.append(v)
        w.writerow(vals)
    total_row = ["Total", "", "", "", "", ""]
    sums = {h: sum(int(r[h]) for r in erp_rows) for h in int_cols}
    for h in header[6:]:
        total_row.append(thousands(sums[h]) if h in int_cols else "")
    w.writerow(total_row)
    path = out / "production" / "erp_shift_log.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + sio.getvalue().encode("utf-8"))

    erp_bad = [
        {
            "line": g_ix + 2,
            "machine": erp_rows[g_ix]["Machine"],
            "shift_start": erp_rows[g_ix]["Shift Start"],
            "field": "Good Count",
            "original": g_orig,
            "value": erp_rows[g_ix]["Good Count"],
            "problem": f"Good Count ({erp_rows[g_ix]['Good Count']}) > Total Count "
            f"({erp_rows[g_ix]['Total Count']})",
            "reason": "good count exceeds total count",
        },
        {
            "line": r_ix + 2,
            "machine": erp_rows[r_ix]["Machine"],
            "shift_start": erp_rows[r_ix]["Shift Start"],
            "field": "Run Time (min)",
            "original": r_orig,
            "value": -15,
            "problem": "negative Run Time (min) -15 (other fields left as generated)",
            "reason": "negative run time",
        },
    ]
    clean_erp = [r for r in erp_rows if not r.get("_bad")]
    dt_by_reason = {}
    for r in clean_erp:
        if r["Downtime Reason"]:
            dt_by_reason[r["Downtime Reason"]] = (
                dt_by_reason.get(r["Downtime Reason"], 0) + r["Downtime (min)"]
            )
    dt_by_reason = dict(sorted(dt_by_reason.items(), key=lambda kv: -kv[1]))
    fj = [r for r in clean_erp if r["Machine"] == "L1-M2" and r["Downtime Reason"] == "Feeder jam"]
    l1m2 = [r for r in clean_erp if r["Machine"] == "L1-M2"]
    n_ge_1000 = sum(1 for r in erp_rows if r["Total Count"] >= 1000)
    dst_rows = [
        r for r in erp_rows if r["_date"] == DST_DATE - timedelta(days=1) and r["_code"] == "night"
    ]
    erp_stats = {
        "downtime_min_by_reason": dt_by_reason,
        "feeder_jam_L1M2_shifts": len(fj),
        "L1M2_shifts": len(l1m2),
        "feeder_jam_L1M2_minutes": sum(r["Downtime (min)"] for r in fj),
        "rows_with_total_count_ge_1000": n_ge_1000,
        "totals_footer": sums,
        "scrap_rate_L2M2_night": round(
            sum(
                r["Scrap"] + r["Rework"]
                for r in clean_erp
                if r["Machine"] == "L2-M2" and r["_code"] == "night"
            )
            / sum(
                r["Total Count"]
                for r in clean_erp
                if r["Machine"] == "L2-M2" and r["_code"] == "night"
            ),
            5,
        ),
        "scrap_rate_rest": round(
            sum(
                r["Scrap"] + r["Rework"]
                for r in clean_erp
                if not (r["Machine"] == "L2-M2" and r["_code"] == "night")
            )
            / sum(
                r["Total Count"]
                for r in clean_erp
                if not (r["Machine"] == "L2-M2" and r["_code"] == "night")
            ),
            5,
        ),
    }
    mes = {
        "n": nrec,
        "bad": mes_bad,
        "stats": mes_stats,
        "n_lots": nrec // len(DEFECTS),
        "xss_line": xss_ix + 1,
        "xss_lot": mes_records[xss_ix]["lot"],
        "xss_defect": mes_records[xss_ix]["defect"],
    }
    erp = {
        "n": nerp,
        "bad": erp_bad,
        "stats": erp_stats,
        "footer_line": nerp + 2,
        "dst_night": {
            "shift_start": dst_rows[0]["Shift Start"],
            "shift_end": dst_rows[0]["Shift End"],
            "planned_min": dst_rows[0]["Planned Time (min)"],
        },
    }
    return mes, erp


# --------------------------------------------------------------------------- 5. specs
SPECS = [
    ("bore_diameter", "HX-200", "24.950", "25.050", "25.000", "mm"),
    ("flange_thickness", "HX-200", "7.900", "8.100", "8.000", "mm"),
    ("runout", "HX-200", "", "40", "", "µm"),
    ("shaft_diameter", "HX-300", "11.970", "12.030", "12.000", "mm"),
    ("length", "HX-300", "119.70", "120.30", "120.00", "mm"),
]


def make_specs(out: Path) -> None:
    lines = ["characteristic,product,lsl,usl,target,unit"] + [",".join(s) for s in SPECS]
    (out / "specs.csv").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- 7. more kinds
# Individual readings, a rare-event series and the overdispersion of the MES daily defect
# rate. Their random numbers come from generators of their own (children of
# SeedSequence(SEED)), drawn after the files above, so those files stay byte-identical.
KIND_SEEDS = np.random.SeedSequence(SEED).spawn(2)  # [process log, leak test]

# washer bath temperature: AR(1) around 60.0 degC, heater fault = a sustained step
BATH_MEAN_C = 60.0
BATH_PHI = 0.8
BATH_MARGINAL_SD_C = 0.5
BATH_INNOVATION_SD_C = BATH_MARGINAL_SD_C * math.sqrt(1.0 - BATH_PHI**2)  # 0.3
BATH_FAULT_FROM_LOCAL = datetime(2026, 10, 13, 6, 0, tzinfo=TZ)  # Tue of 2026-W42
BATH_FAULT_TO_LOCAL = datetime(2026, 10, 15, 18, 0, tzinfo=TZ)  # Thu of 2026-W42 (exclusive)
BATH_FAULT_STEP_C = 3.0 * BATH_MARGINAL_SD_C  # 1.5 degC: 5 innovation sd at the onset
# hardness (HRC; leankit.units knows no hardness scale, so the unit field is empty)
HARDNESS_MEAN = 58.0
HARDNESS_SD = 0.6
HARDNESS_SHIFT_FROM_LOCAL = datetime(2026, 10, 19, 6, 0, tzinfo=TZ)  # Mon of 2026-W43
HARDNESS_SHIFT = 1.5 * HARDNESS_SD
# surface roughness Ra in um: lognormal, stable
RA_MEANLOG = math.log(0.8)
RA_SDLOG = 0.35
# end-of-line leak test of line L2: rare events, Poisson, stable
LEAK_RATE_PER_UNIT = 0.25 / 350.0  # 0.25 leaks per shift of 350 units on average
LEAK_UNIT_COST_EUR = 85.0
REPORT_WEEKS = ("2026-W41", "2026-W42", "2026-W43", "2026-W44")


def iso_week(dt: datetime) -> str:
    """ISO week (``2026-W44``) of an instant, in local time."""
    y, w, _ = dt.astimezone(TZ).isocalendar()
    return f"{y}-W{w:02d}"


def utc_iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _r(x: float, digits: int = 4) -> float:
    """Round to *digits* significant digits (truth.json stays stable across platforms)."""
    return float(f"{x:.{digits}g}")


def ad_normal(x: np.ndarray) -> tuple[float, float]:
    """Anderson-Darling test of normality (mean and sd estimated), numpy only.

    A*^2 = A^2 (1 + 0.75/n + 2.25/n^2) and its p-value from the piecewise formula of
    D'Agostino & Stephens (1986), Goodness-of-Fit Techniques, Table 4.9.
    """
    x = np.sort(np.asarray(x, float))
    n = x.size
    z = (x - x.mean()) / x.std(ddof=1)
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in z])
    cdf = np.clip(cdf, 1e-300, 1 - 1e-16)
    i = np.arange(1, n + 1)
    a2 = -n - np.mean((2 * i - 1) * (np.log(cdf) + np.log1p(-cdf[::-1])))
    a = a2 * (1 + 0.75 / n + 2.25 / n**2)
    if a >= 0.6:
        p = math.exp(1.2937 - 5.709 * a + 0.0186 * a * a)
    elif a >= 0.34:
        p = math.exp(0.9177 - 4.279 * a - 1.38 * a * a)
    elif a >= 0.2:
        p = 1 - math.exp(-8.318 + 42.796 * a - 59.938 * a * a)
    else:
        p = 1 - math.exp(-13.436 + 101.14 * a - 223.73 * a * a)
    return float(a), float(min(max(p, 0.0), 1.0))


def lag1_autocorrelation(x: np.ndarray) -> float:
    d = np.asarray(x, float) - np.mean(x)
    return float(np.sum(d[:-1] * d[1:]) / np.sum(d * d))


def _grid(first_utc: datetime, step_h: int) -> list[datetime]:
    out, t = [], first_utc
    while t < PERIOD_END_UTC:
        out.append(t)
        t += timedelta(hours=step_h)
    return out


def make_process_log(out: Path) -> dict[str, Any]:
    """``measurements/line2_process_log.csv``: individual readings of line L2."""
    rng = np.random.default_rng(KIND_SEEDS[0])
    fault_from = BATH_FAULT_FROM_LOCAL.astimezone(UTC)
    fault_to = BATH_FAULT_TO_LOCAL.astimezone(UTC)
    hard_from = HARDNESS_SHIFT_FROM_LOCAL.astimezone(UTC)

    # readings on a UTC grid (the plant clock changes at the DST fall-back, the grid not)
    bath_t = _grid(PERIOD_START_UTC, 1)  # every hour on the hour
    hard_t = _grid(PERIOD_START_UTC + timedelta(minutes=30), 4)  # every 4 h at :30
    ra_t = _grid(PERIOD_START_UTC + timedelta(hours=1, minutes=15), 2)  # every 2 h at :15

    e = np.empty(len(bath_t))
    e[0] = rng.normal(0.0, BATH_MARGINAL_SD_C)  # stationary start
    innov = rng.normal(0.0, BATH_INNOVATION_SD_C, len(bath_t))
    for k in range(1, len(bath_t)):
        e[k] = BATH_PHI * e[k - 1] + innov[k]
    in_fault = np.array([fault_from <= t < fault_to for t in bath_t])
    bath = np.round(BATH_MEAN_C + e + BATH_FAULT_STEP_C * in_fault, 2)
    hard_shifted = np.array([t >= hard_from for t in hard_t])
    hard = np.round(
        rng.normal(HARDNESS_MEAN, HARDNESS_SD, len(hard_t)) + HARDNESS_SHIFT * hard_shifted, 1
    )
    ra = np.round(rng.lognormal(RA_MEANLOG, RA_SDLOG, len(ra_t)), 3)

    recs = []  # (utc, order, machine, characteristic, value text, unit)
    for t, v in zip(bath_t, bath, strict=True):
        recs.append((t, 0, "L2-WASH", "bath_temperature", f"{v:.2f}", "°C"))
    for t, v in zip(hard_t, hard, strict=True):
        recs.append((t, 1, "L2-LAB", "hardness", f"{v:.1f}", ""))
    for t, v in zip(ra_t, ra, strict=True):
        recs.append((t, 2, "L2-LAB", "surface_roughness", f"{v:.3f}", "µm"))
    recs.sort(key=lambda r: (r[0], r[1]))
    header = ["timestamp", "site", "line", "machine", "shift", "product", "characteristic",
              "value", "unit"]
    lines = [",".join(header)]
    for t, _, machine, char, val, unit in recs:
        code, _ = shift_of(t)
        ts = t.astimezone(TZ).isoformat()
        lines.append(",".join([ts, SITE, "L2", machine, code, "HX-300", char, val, unit]))
    path = out / "measurements" / "line2_process_log.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))

    def weekly(times: list[datetime], vals: np.ndarray) -> dict[str, Any]:
        wk = np.array([iso_week(t) for t in times])
        return {w: {"n": int((wk == w).sum()), "mean": _r(float(vals[wk == w].mean()), 5)}
                for w in REPORT_WEEKS}

    before = np.array([t < fault_from for t in bath_t])
    after = np.array([t >= fault_to for t in bath_t])
    w43 = [t for t in bath_t if iso_week(t) == "2026-W43"]
    log_ra = np.log(ra)
    ad_log, ad_log_p = ad_normal(log_ra)
    ad_raw, ad_raw_p = ad_normal(ra)
    first_hard = hard_t[int(np.argmax(hard_shifted))]
    z_ra = (log_ra - RA_MEANLOG) / RA_SDLOG  # against the model, on the log scale
    k_ext = int(np.argmax(np.abs(z_ra)))
    return {
        "n": len(recs),
        "rows_by_characteristic": {
            "bath_temperature": len(bath_t), "hardness": len(hard_t),
            "surface_roughness": len(ra_t)},
        "first_local": recs[0][0].astimezone(TZ).isoformat(),
        "last_local": recs[-1][0].astimezone(TZ).isoformat(),
        "bath": {
            "n_in_fault_window": int(in_fault.sum()),
            "first_in_fault_local": bath_t[int(np.argmax(in_fault))].astimezone(TZ).isoformat(),
            "last_in_fault_local": bath_t[int(len(in_fault) - 1 - np.argmax(in_fault[::-1]))]
            .astimezone(TZ).isoformat(),
            "readings_in_2026_W43_with_dst_fall_back": len(w43),
            "observed": {
                "lag1_autocorrelation_before_fault": _r(lag1_autocorrelation(bath[before])),
                "n_before_fault": int(before.sum()),
                "mean_outside_fault_C": _r(float(bath[~in_fault].mean()), 5),
                "sd_outside_fault_C": _r(float(bath[~in_fault].std(ddof=1))),
                "mean_in_fault_C": _r(float(bath[in_fault].mean()), 5),
                "step_observed_C": _r(float(bath[in_fault].mean() - bath[~in_fault].mean())),
                "mean_after_fault_C": _r(float(bath[after].mean()), 5),
                "weekly": weekly(bath_t, bath),
            },
        },
        "hardness": {
            "first_shifted_local": first_hard.astimezone(TZ).isoformat(),
            "first_shifted_utc": utc_iso(first_hard),
            "observed": {
                "mean_before": _r(float(hard[~hard_shifted].mean()), 5),
                "sd_before": _r(float(hard[~hard_shifted].std(ddof=1))),
                "n_before": int((~hard_shifted).sum()),
                "mean_after": _r(float(hard[hard_shifted].mean()), 5),
                "sd_after": _r(float(hard[hard_shifted].std(ddof=1))),
                "n_after": int(hard_shifted.sum()),
                "weekly": weekly(hard_t, hard),
            },
        },
        "roughness": {
            "observed": {
                "n": int(ra.size),
                "median_um": _r(float(np.median(ra))),
                "mean_um": _r(float(ra.mean())),
                "max_um": float(ra.max()),
                "meanlog": _r(float(log_ra.mean())),
                "sdlog": _r(float(log_ra.std(ddof=1))),
                "anderson_darling_log_values": {"a2_star": _r(ad_log), "p": _r(ad_log_p, 3)},
                "anderson_darling_raw_values": {"a2_star": _r(ad_raw), "p": _r(ad_raw_p, 3)},
                "most_extreme_reading": {
                    "value_um": float(ra[k_ext]),
                    "local": ra_t[k_ext].astimezone(TZ).isoformat(),
                    "iso_week": iso_week(ra_t[k_ext]),
                    "z_log_scale_vs_model": _r(float(z_ra[k_ext]), 3),
                    "note": "a draw of the stable lognormal, not planted: with 1008 readings "
                    "|z| > 3.6 somewhere has a probability of about 0.3",
                },
                "weekly": weekly(ra_t, ra),
            },
        },
    }


def make_leak_test(out: Path) -> dict[str, Any]:
    """``rare_events/eol_leak_test.csv``: one leak-test record per shift of line L2.

    A defects table, kept out of ``defects/`` so that ``leankit demo`` (which ingests the
    folders named after the table kinds) and the figures quoted from it stay as they were.
    """
    rng = np.random.default_rng(KIND_SEEDS[1])
    header = ["timestamp", "site", "line", "machine", "shift", "product", "lot", "defect_type",
              "category", "count", "inspected", "cost"]
    lines = [",".join(header)]
    counts, weeks, inspected_all = [], [], []
    for d, code, s_loc, e_loc in all_shifts():
        hours = (e_loc.astimezone(UTC) - s_loc.astimezone(UTC)).total_seconds() / 3600.0
        inspected = int(round(int(rng.integers(300, 401)) * hours / 8.0))
        leaks = int(rng.poisson(LEAK_RATE_PER_UNIT * inspected))
        lot = f"L2-LT-{d.strftime('%Y%m%d')}-{SHIFTS[code][5]}"
        lines.append(",".join([
            s_loc.isoformat(), SITE, "L2", "L2-LT", code, "HX-300", lot, "Leak", "Method",
            str(leaks), str(inspected), f"{leaks * LEAK_UNIT_COST_EUR:.2f}"]))
        counts.append(leaks)
        weeks.append(iso_week(s_loc))
        inspected_all.append(inspected)
    path = out / "rare_events" / "eol_leak_test.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    c = np.array(counts)
    wk = np.array(weeks)
    return {
        "n": len(counts),
        "inspected_min": int(min(inspected_all)),
        "inspected_max": int(max(inspected_all)),
        "observed": {
            "shifts": int(c.size),
            "leaks_total": int(c.sum()),
            "units_inspected_total": int(sum(inspected_all)),
            "mean_leaks_per_shift": _r(float(c.mean())),
            "variance_to_mean_ratio": _r(float(c.var(ddof=1) / c.mean())),
            "share_of_shifts_with_zero_leaks": _r(float((c == 0).mean())),
            "max_leaks_per_shift": int(c.max()),
            "shifts_by_leak_count": {str(k): int((c == k).sum()) for k in range(int(c.max()) + 1)},
            "leaks_per_week": {w: int(c[wk == w].sum()) for w in sorted(set(weeks))},
        },
    }


def daily_defect_dispersion(out: Path) -> dict[str, Any]:
    """Overdispersion of the MES defects per calendar day, from the written file.

    Bad lines (malformed JSON, negative count) are left out. Units of a day = the sum of
    ``inspected`` over its distinct lots (as for DPMO). Laney (2002) u': z_i = (u_i - u)
    / sqrt(u / n_i), sigma_z = mean |z_i - z_(i-1)| / 1.128; Pearson's chi-square
    dispersion statistic sum (c_i - u n_i)^2 / (u n_i) on k - 1 degrees of freedom.
    """
    from scipy import stats

    qty: dict[str, int] = {}
    lots: dict[str, tuple[str, int]] = {}
    for line in (out / "defects" / "mes_defects.jsonl").read_text("utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec["qty"] < 0:
            continue
        day = rec["ts"][:10]  # local calendar date of the shift start (= the shift's date)
        qty[day] = qty.get(day, 0) + rec["qty"]
        lots[rec["lot"]] = (day, rec["inspected"])
    units: dict[str, int] = {}
    for day, size in lots.values():
        units[day] = units.get(day, 0) + size
    days = sorted(qty)
    c = np.array([qty[d] for d in days], float)
    n = np.array([units[d] for d in days], float)
    u = c / n
    ubar = c.sum() / n.sum()
    z = (u - ubar) / np.sqrt(ubar / n)
    sigma_z = float(np.mean(np.abs(np.diff(z))) / 1.128)
    x2 = float(np.sum((c - ubar * n) ** 2 / (ubar * n)))
    df = len(days) - 1
    # the trend of the days before the countermeasure (from it on the rate steps down)
    pre = np.array([d < COUNTERMEASURE_DATE_L2M2.isoformat() for d in days])
    idx = np.arange(len(days), dtype=float)
    fit = stats.linregress(idx[pre], u[pre])
    rho, rho_p = stats.spearmanr(idx[pre], u[pre])
    half = 3 * np.sqrt(ubar / n)
    plain_out = int(np.sum(np.abs(u - ubar) > half))
    laney_out = int(np.sum(np.abs(u - ubar) > half * sigma_z))
    wk = np.array([iso_week(datetime.fromisoformat(d + "T12:00").replace(tzinfo=TZ))
                   for d in days])
    weekly = {w: _r(float(c[wk == w].sum() / n[wk == w].sum())) for w in sorted(set(wk))}
    return {
        "days": len(days),
        "first_day": days[0],
        "last_day": days[-1],
        "daily_units_inspected": {"min": int(n.min()), "median": _r(float(np.median(n)), 5),
                                  "max": int(n.max())},
        "daily_defects": {"min": int(c.min()), "median": _r(float(np.median(c)), 5),
                          "max": int(c.max())},
        "daily_dpu_mean": _r(float(ubar)),
        "laney_sigma_z": _r(sigma_z),
        "chi_square_dispersion": {"statistic": _r(x2, 5), "df": df,
                                  "dispersion_ratio": _r(x2 / df), "p_value": _r(
                                      float(stats.chi2.sf(x2, df)), 3)},
        "days_outside_plain_u_chart_3sigma": plain_out,
        "days_outside_laney_u_prime_3sigma": laney_out,
        "trend": {"days": f"{days[0]} to the day before {COUNTERMEASURE_DATE_L2M2.isoformat()} "
                  f"({int(pre.sum())} days)",
                  "ols_slope_dpu_per_week": _r(float(fit.slope) * 7, 3),
                  "ols_p_value": _r(float(fit.pvalue), 3),
                  "spearman_rho": _r(float(rho), 3), "spearman_p_value": _r(float(rho_p), 3)},
        "weekly_dpu": weekly,
    }


# --------------------------------------------------------------------------- 6. truth + README
def kinds_truth(
    pl: dict[str, Any], lk: dict[str, Any], dd: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, int]]:
    """truth.json entries (files, planted, row_counts) of the files of section 7."""
    bath, hard, ra = pl["bath"], pl["hardness"], pl["roughness"]
    log_file, leak_file = "measurements/line2_process_log.csv", "rare_events/eol_leak_test.csv"
    files = {
        log_file: {
            "encoding": "utf-8",
            "delimiter": ",",
            "decimal": ".",
            "line_ending": "LF",
            "header_line": 1,
            "first_data_line": 2,
            "columns": ["timestamp", "site", "line", "machine", "shift", "product",
                        "characteristic", "value", "unit"],
            "profile": "canonical",
            "ingested_by_demo": True,
            "timestamps": "ISO 8601 local time with its UTC offset (+02:00 CEST, +01:00 CET)",
            "data_rows": pl["n"],
            "data_rows_per_characteristic": pl["rows_by_characteristic"],
            "subgroups": "none: individual readings (no subgroup column)",
            "sampling": {
                "bath_temperature": "every hour on the UTC hour (machine L2-WASH)",
                "hardness": "every 4 h, UTC hours 02,06,10,14,18,22 at :30 (machine L2-LAB)",
                "surface_roughness": "every 2 h, odd UTC hours at :15 (machine L2-LAB)",
            },
            "first_reading_local": pl["first_local"],
            "last_reading_local": pl["last_local"],
            "units": {
                "bath_temperature": "°C",
                "hardness": "empty (HRC; leankit.units has no hardness scale, so the unit "
                "is left empty rather than quarantined as unknown)",
                "surface_roughness": "µm (Ra; with no spec for it, a leankit dataset "
                "stores it in mm, the default unit of length: 1 µm = 0.001 mm)",
            },
            "bad_rows": [],
            "valid_rows": pl["n"],
        },
        leak_file: {
            "encoding": "utf-8",
            "delimiter": ",",
            "decimal": ".",
            "line_ending": "LF",
            "header_line": 1,
            "first_data_line": 2,
            "columns": ["timestamp", "site", "line", "machine", "shift", "product", "lot",
                        "defect_type", "category", "count", "inspected", "cost"],
            "profile": "canonical",
            "timestamps": "shift start, ISO 8601 local time with its UTC offset",
            "data_rows": lk["n"],
            "ingested_by_demo": False,
            "why_not_in_defects": "leankit demo ingests the folders named after the table "
            "kinds; leak-test units (one defect type) would change the demo's DPU/DPMO, "
            "Pareto and root-cause figures",
            "records": "one per shift (all 252 shifts of the period): machine L2-LT, "
            "defect_type Leak, category Method, lot L2-LT-<yyyymmdd>-<E|L|N>, cost = "
            f"count x {LEAK_UNIT_COST_EUR:.2f} EUR",
            "inspected_range": [lk["inspected_min"], lk["inspected_max"]],
            "bad_rows": [],
            "valid_rows": lk["n"],
        },
    }
    fault_weeks = sorted({iso_week(BATH_FAULT_FROM_LOCAL), iso_week(BATH_FAULT_TO_LOCAL)})
    planted = [
        {
            "id": "bath_temperature_heater_fault",
            "file": log_file,
            "characteristic": "bath_temperature",
            "line": "L2",
            "machine": "L2-WASH",
            "product": "HX-300",
            "unit": "°C",
            "model": {
                "process": "AR(1): x_t = 60.0 + e_t + step_t, e_t = 0.8 e_(t-1) + a_t, "
                "a_t ~ N(0, 0.3), stationary start (marginal sd 0.5)",
                "mean": BATH_MEAN_C,
                "phi": BATH_PHI,
                "innovation_sd": _r(BATH_INNOVATION_SD_C),
                "marginal_sd": BATH_MARGINAL_SD_C,
                "step": BATH_FAULT_STEP_C,
                "step_in_marginal_sd": _r(BATH_FAULT_STEP_C / BATH_MARGINAL_SD_C),
                "readings": "hourly (168 a week, 169 in 2026-W43 with the DST fall-back)",
                "rounding": 0.01,
            },
            "phenomenon": f"heater fault: a sustained step of +{BATH_FAULT_STEP_C:g} °C inside "
            "the window, "
            "then back to 60.0 °C",
            "start_local": BATH_FAULT_FROM_LOCAL.isoformat(),
            "end_local_exclusive": BATH_FAULT_TO_LOCAL.isoformat(),
            "start_utc": utc_iso(BATH_FAULT_FROM_LOCAL),
            "end_utc_exclusive": utc_iso(BATH_FAULT_TO_LOCAL),
            "first_reading_in_window_local": bath["first_in_fault_local"],
            "last_reading_in_window_local": bath["last_in_fault_local"],
            "readings_in_window": bath["n_in_fault_window"],
            "iso_weeks_affected": fault_weeks,
            "special_cause_weeks": [w for w in REPORT_WEEKS if w in fault_weeks],
            "readings_in_2026_W43": bath["readings_in_2026_W43_with_dst_fall_back"],
            "note": "autocorrelated: sigma from the moving range underestimates the "
            "marginal sd (about 0.5 * sqrt(1 - 0.8) = 0.22 °C instead of 0.5 °C), so a "
            "plain I-MR chart signals in stable weeks too",
            "observed": bath["observed"],
        },
        {
            "id": "hardness_shift",
            "file": log_file,
            "characteristic": "hardness",
            "line": "L2",
            "machine": "L2-LAB",
            "product": "HX-300",
            "unit": "HRC (unit field empty)",
            "model": {
                "process": "independent normal, x = N(58.0, 0.6) (+0.9 from the shift on)",
                "mean": HARDNESS_MEAN,
                "sd": HARDNESS_SD,
                "shift": _r(HARDNESS_SHIFT),
                "shift_in_sd": 1.5,
                "readings": "every 4 h (42 a week)",
                "rounding": 0.1,
            },
            "phenomenon": "sustained mean shift of +1.5 sd from Monday 06:00 of 2026-W43 "
            "to the end of the data",
            "start_local": HARDNESS_SHIFT_FROM_LOCAL.isoformat(),
            "end_local_exclusive": PERIOD_END_LOCAL.isoformat(),
            "start_utc": utc_iso(HARDNESS_SHIFT_FROM_LOCAL),
            "end_utc_exclusive": utc_iso(PERIOD_END_LOCAL),
            "first_shifted_reading_local": hard["first_shifted_local"],
            "first_shifted_reading_utc": hard["first_shifted_utc"],
            "persists_to_end": True,
            "iso_weeks_affected": [f"2026-W{w}" for w in range(43, 48)],
            "special_cause_weeks": ["2026-W43", "2026-W44"],
            "observed": hard["observed"],
        },
        {
            "id": "surface_roughness_lognormal",
            "file": log_file,
            "characteristic": "surface_roughness",
            "line": "L2",
            "machine": "L2-LAB",
            "product": "HX-300",
            "unit": "µm (Ra)",
            "model": {
                "process": "independent lognormal(meanlog = ln 0.8, sdlog = 0.35), stable",
                "meanlog": _r(RA_MEANLOG),
                "sdlog": RA_SDLOG,
                "median": 0.8,
                "readings": "every 2 h (84 a week)",
                "rounding": 0.001,
            },
            "phenomenon": "none: stable and skewed (normal on the log scale, not on the raw "
            "scale); Anderson-Darling with D'Agostino & Stephens (1986) p-values",
            "iso_weeks_affected": [],
            "special_cause_weeks": [],
            "observed": ra["observed"],
        },
        {
            "id": "eol_leak_rare_events",
            "file": leak_file,
            "line": "L2",
            "machine": "L2-LT",
            "product": "HX-300",
            "defect_type": "Leak",
            "model": {
                "process": "leaks per shift ~ Poisson(inspected / 1400): 0.25 a shift of "
                "350 units on average (about 1.75 a week), stable",
                "rate_per_unit": _r(LEAK_RATE_PER_UNIT),
                "mean_per_shift": 0.25,
                "inspected": "uniform integer 300-400 per 8 h shift, scaled by the shift's "
                "real hours (the DST night shift lasts 9 h)",
            },
            "phenomenon": "none: a rare-event count, most shifts have no leak",
            "iso_weeks_affected": [],
            "special_cause_weeks": [],
            "observed": lk["observed"],
        },
        {
            "id": "daily_defects_overdispersed",
            "file": "defects/mes_defects.jsonl",
            "aggregation": "per calendar day (local date of the shift start): count = sum "
            "of qty, units = sum of inspected over the day's distinct lots (as for DPMO); "
            "bad lines left out",
            "source_of_overdispersion": "the generator draws a gamma(8, 1/8) factor per "
            "lot (sd 0.35) that multiplies all 8 defect rates of the lot",
            "time_varying_component": "the lot factor is independent from lot to lot; the "
            "L2-M2 night-shift x3 is the same every day until the countermeasure of "
            f"{COUNTERMEASURE_DATE_L2M2.isoformat()} removes it (a sustained step down of the "
            "plant's daily rate by about 11 %)",
            "sustained_change": True,
            "model": {
                "process": "qty ~ Poisson(rate x inspected x multiplier x lot_factor), "
                "lot_factor ~ gamma(shape 8, scale 1/8)",
                "laney": "Laney (2002), Quality Engineering 14(4): z_i = (u_i - u) / "
                "sqrt(u / n_i), sigma_z = mean moving range of z / 1.128",
                "dispersion_test": "Pearson chi-square sum (c_i - u n_i)^2 / (u n_i) on "
                "days - 1 degrees of freedom",
            },
            "phenomenon": "the daily defect rate over thousands of units a day varies more "
            "than Poisson: a plain u chart flags common-cause days, Laney's u' does not; "
            "from the countermeasure (2026-W46) the rate steps down by about 11 %",
            "iso_weeks_affected": ["2026-W46", "2026-W47"],
            "special_cause_weeks": [],
            "observed": dd,
        },
    ]
    row_counts = {log_file: pl["n"], leak_file: lk["n"]}
    return files, planted, row_counts


def make_truth(
    out: Path, g: dict, c: dict, mes: dict, erp: dict, k: dict[str, Any]
) -> dict:
    def strip(b, keep):
        return {k: b[k] for k in keep if k in b}

    truth: dict[str, Any] = {
        "generator": {
            "script": "scripts/make_sample_data.py",
            "seed": SEED,
            "numpy_bit_generator": "default_rng (PCG64)",
        },
        "site": SITE,
        "timezone": "Europe/Berlin",
        "period": {
            "start_local": "2026-08-31T00:00:00+02:00",
            "end_local_exclusive": "2026-11-23T00:00:00+01:00",
            "iso_weeks": "2026-W36..2026-W47",
            "dst_fall_back": "2026-10-25 03:00 CEST -> 02:00 CET (01:00 UTC)",
        },
        "lines": {
            ln: {"machines": v["machines"], "product": v["product"]} for ln, v in LINES.items()
        },
        "shifts": {
            "early": "06:00-14:00",
            "late": "14:00-22:00",
            "night": "22:00-06:00 (belongs to the date it starts)",
        },
        "files": {
            "measurements/line1_gauge.csv": {
                "encoding": "cp1252",
                "delimiter": ";",
                "decimal": ",",
                "line_ending": "CRLF",
                "title_lines": [1, 2, 3],
                "header_line": 4,
                "first_data_line": 5,
                "blank_lines_in_data": g["blank_lines"],
                "footer_line": g["footer_line"],
                "footer": f"Summe Messwerte;{g['n']}",
                "data_rows": g["n"],
                "data_rows_per_characteristic": g["n"] // 3,
                "subgroups_per_characteristic": g["n_subgroups"],
                "subgroup_size": 5,
                "sampling": "subgroup of 5 parts, 1 min apart, every 2 h on even UTC hours",
                "first_subgroup_local": g["first_slot_local"],
                "last_subgroup_local": g["last_slot_local"],
                "bore_diameter_rows_in_um": 5 * len(g["um_subgroups"]),
                "bore_diameter_subgroups_in_um": g["um_subgroups"],
                "bad_rows": [
                    strip(
                        b,
                        [
                            "line",
                            "stichprobe",
                            "merkmal",
                            "field",
                            "value",
                            "original",
                            "problem",
                            "reason",
                        ],
                    )
                    for b in sorted(g["bad"], key=lambda b: b["line"])
                ],
                "valid_rows": g["n"] - len(g["bad"]),
            },
            "measurements/line2_cmm.xlsx": {
                "sheets": ["Info", "Messdaten"],
                "data_sheet": "Messdaten",
                "title_rows": [1, 2, 3],
                "header_row": 4,
                "first_data_row": 5,
                "last_data_row": c["last_excel_row"],
                "data_rows": c["n"],
                "data_rows_per_characteristic": c["n"] // 2,
                "subgroups_per_characteristic": c["n_subgroups"],
                "subgroup_size": 5,
                "sampling": "subgroup of 5 parts, 1 min apart, every 4 h on UTC hours "
                "01,05,09,13,17,21",
                "first_subgroup_local": c["first_slot_local"],
                "last_subgroup_local": c["last_slot_local"],
                "units": {"shaft_diameter": "in (specs are in mm; 1 in = 25.4 mm)", "length": "mm"},
                "bad_rows": [
                    strip(
                        b,
                        [
                            "excel_row",
                            "sample",
                            "characteristic",
                            "field",
                            "value",
                            "original",
                            "problem",
                            "reason",
                        ],
                    )
                    for b in sorted(c["bad"], key=lambda b: b["excel_row"])
                ],
                "valid_rows": c["n"] - len(c["bad"]),
            },
            "defects/mes_defects.jsonl": {
                "encoding": "utf-8",
                "line_ending": "LF",
                "data_rows": mes["n"],
                "lots": mes["n_lots"],
                "records_per_lot": len(DEFECTS),
                "bad_rows": [
                    strip(b, ["line", "lot", "defect", "original_qty", "problem", "reason"])
                    for b in sorted(mes["bad"], key=lambda b: b["line"])
                ],
                "valid_rows": mes["n"] - len(mes["bad"]),
                "html_injection_note": {
                    "line": mes["xss_line"],
                    "lot": mes["xss_lot"],
                    "defect": mes["xss_defect"],
                    "note": XSS_NOTE,
                    "comment": "valid record; reports must escape it",
                },
                "defect_catalog": {
                    k: {"category": v[0], "base_rate_per_unit": v[1], "unit_cost_eur": v[2]}
                    for k, v in DEFECTS.items()
                },
            },
            "production/erp_shift_log.csv": {
                "encoding": "utf-8-sig (BOM)",
                "delimiter": ",",
                "decimal": ".",
                "thousands_separator": ",",
                "line_ending": "LF",
                "header_line": 1,
                "first_data_line": 2,
                "footer_line": erp["footer_line"],
                "footer": "Total,,,,,,<sums of the integer columns, incl. bad rows>",
                "data_rows": erp["n"],
                "bad_rows": [
                    strip(
                        b,
                        [
                            "line",
                            "machine",
                            "shift_start",
                            "field",
                            "value",
                            "original",
                            "problem",
                            "reason",
                        ],
                    )
                    for b in sorted(erp["bad"], key=lambda b: b["line"])
                ],
                "valid_rows": erp["n"] - len(erp["bad"]),
                "ideal_cycle_time_s": IDEAL_CYCLE_S,
                "rows_with_total_count_ge_1000": erp["stats"]["rows_with_total_count_ge_1000"],
            },
            "specs.csv": {
                "encoding": "utf-8",
                "data_rows": len(SPECS),
                "specs": [
                    dict(
                        zip(
                            ["characteristic", "product", "lsl", "usl", "target", "unit"],
                            [
                                float(x) if x and i in (2, 3, 4) else (x or None)
                                for i, x in enumerate(s)
                            ],
                        )
                    )
                    for s in SPECS
                ],
            },
        },
        "planted": [
            {
                "id": "bore_mean_shift",
                "file": "measurements/line1_gauge.csv",
                "characteristic": "bore_diameter",
                "line": "L1",
                "product": "HX-200",
                "magnitude_mm": BORE_SHIFT_MM,
                "shift_from_local": "2026-10-28T14:00:00+01:00 (first subgroup at or after)",
                "first_shifted_subgroup": g["first_shifted"]["subgroup"],
                "first_shifted_subgroup_local": g["first_shifted"]["local"],
                "first_shifted_subgroup_utc": g["first_shifted"]["utc"],
                "iso_week": g["first_shifted"]["iso_week"],
                "persists_to_end": True,
                "model": "x = 25.000 + N(0, 0.001) per subgroup + N(0, 0.008) per part "
                "(+0.020 after the shift)",
                "observed": {
                    k: g["stats"][k]
                    for k in [
                        "bore_mean_before_mm",
                        "bore_mean_after_mm",
                        "bore_sd_before_mm",
                        "n_bore_rows_before",
                        "n_bore_rows_after",
                    ]
                },
            },
            {
                "id": "stable_characteristics",
                "stable": ["flange_thickness", "runout", "shaft_diameter", "length"],
                "observed": {
                    **{
                        k: g["stats"][k]
                        for k in [
                            "flange_mean_mm",
                            "flange_sd_mm",
                            "runout_median_um",
                            "runout_mean_um",
                            "runout_max_um",
                            "runout_n_above_usl_40",
                        ]
                    },
                    **c["stats"],
                },
                "runout_distribution": "lognormal(meanlog=ln 12, sdlog=0.42), only USL=40 um",
            },
            {
                "id": "L2M2_night_defects",
                "file": "defects/mes_defects.jsonl",
                "machine": "L2-M2",
                "shift": "night",
                "multiplier": NIGHT_MULTIPLIER_L2M2,
                "applies_to": "all 8 defect types, L2-M2 night shift only",
                "observed": {
                    k: mes["stats"][k]
                    for k in [
                        "dpu_L2M2_night",
                        "dpu_rest",
                        "ratio_L2M2_night_vs_rest",
                        "dpu_by_machine_shift",
                        "qty_by_defect",
                        "cost_eur_by_defect",
                    ]
                },
                "note": "the rates above cover the whole period, including the 2 weeks after "
                "the countermeasure (L2M2_night_countermeasure) when the x3 is gone",
                "also_visible_in": "production/erp_shift_log.csv Scrap+Rework (derived from MES "
                "defects): scrap_rate_L2M2_night="
                f"{erp['stats']['scrap_rate_L2M2_night']}, "
                f"rest={erp['stats']['scrap_rate_rest']}",
            },
            {
                "id": "L2M2_night_countermeasure",
                "file": "defects/mes_defects.jsonl (and the ERP Scrap/Rework derived from it)",
                "story": "sample_data/a3.toml: the L2-M2 night crew's deburring step is fixed; "
                "from the night shift starting on the date below the x3 is gone (every "
                "L2-M2 night defect and scrap/rework count thinned by 1/3 on a random "
                "stream of its own, so all other values are unchanged)",
                "machine": "L2-M2",
                "shift": "night",
                "planted_multiplier_after": 1.0,
                "planted_rate_ratio_L2M2_night": round(1 / NIGHT_MULTIPLIER_L2M2, 4),
                "observed": mes["stats"]["countermeasure"],
                "unchanged": "line L1 (planted ratio 1: a countermeasure on L1 at that date "
                "would have no effect)",
            },
            {
                "id": "feeder_jam_L1M2",
                "file": "production/erp_shift_log.csv",
                "machine": "L1-M2",
                "reason": "Feeder jam",
                "model": "p=0.5 per shift, 15-45 min (uniform); other machines p=0.025, 8-25 min",
                "observed": {
                    "downtime_min_by_reason": erp["stats"]["downtime_min_by_reason"],
                    "L1M2_shifts_with_feeder_jam_as_main_reason": erp["stats"][
                        "feeder_jam_L1M2_shifts"
                    ],
                    "L1M2_shifts": erp["stats"]["L1M2_shifts"],
                    "L1M2_feeder_jam_minutes": erp["stats"]["feeder_jam_L1M2_minutes"],
                },
                "note": "Downtime (min) is the shift's total downtime, attributed to its main reason",
            },
            {
                "id": "dst_fall_back",
                "date": "2026-10-25",
                "erp_night_shift": erp["dst_night"],
                "comment": "the night shift starting 2026-10-24 22:00 lasts 9 real hours "
                "(540 min, planned 510 after the 30 min break); MES ts offsets switch "
                "from +02:00 to +01:00 from the 2026-10-25 early shift on. Gauge "
                "samples on even UTC hours fall at local 00:00, 02:00 (CEST, first "
                "pass), 03:00 (CET) that night; from then on local sample hours are "
                "odd. CMM samples (odd UTC hours) fall at 23:00 CEST and 02:00 CET "
                "(second pass) -> local 02:0x occurs in both measurement files that "
                "night but refers to instants one hour apart.",
            },
        ],
        "row_counts": {
            "measurements/line1_gauge.csv": g["n"],
            "measurements/line2_cmm.xlsx": c["n"],
            "defects/mes_defects.jsonl": mes["n"],
            "production/erp_shift_log.csv": erp["n"],
            "specs.csv": len(SPECS),
        },
    }
    k_files, k_planted, k_counts = kinds_truth(k["process_log"], k["leak"], k["daily"])
    truth["files"].update(k_files)
    truth["planted"][1]["stable"].append("surface_roughness")
    truth["planted"][1]["observed"]["surface_roughness_median_um"] = k["process_log"][
        "roughness"]["observed"]["median_um"]
    truth["planted"].extend(k_planted)
    # the improvement story goes last: tests index the phenomena documented before it
    story = next(i for i, x in enumerate(truth["planted"])
                 if x["id"] == "L2M2_night_countermeasure")
    truth["planted"].append(truth["planted"].pop(story))
    truth["row_counts"].update(k_counts)
    truth["generator"]["more_kinds"] = (
        "line2_process_log.csv and eol_leak_test.csv draw from numpy.random.default_rng("
        "numpy.random.SeedSequence(20261122).spawn(2)[i]), i = 0, 1: their own streams, "
        "so the other files do not change; the improvement story (L2M2_night_countermeasure) "
        "thins the L2-M2 night counts on SeedSequence(20261122).spawn(3)[2]"
    )
    (out / "truth.json").write_bytes(
        (json.dumps(truth, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    )
    return truth


def kinds_readme(t: dict[str, Any]) -> tuple[str, str]:
    """README text (file sections, phenomena 6-10) of the files of section 7."""
    f = t["files"]
    lf, kf = f["measurements/line2_process_log.csv"], f["rare_events/eol_leak_test.csv"]
    p = {x["id"]: x for x in t["planted"]}
    bath, hard, ra = (p["bath_temperature_heater_fault"], p["hardness_shift"],
                      p["surface_roughness_lognormal"])
    leak, dd = p["eol_leak_rare_events"], p["daily_defects_overdispersed"]
    bo, ho, ro, ko, do = (bath["observed"], hard["observed"], ra["observed"], leak["observed"],
                          dd["observed"])
    n_by = lf["data_rows_per_characteristic"]
    files = f"""### `measurements/line2_process_log.csv` - process/lab log, line L2

* UTF-8 (no BOM), delimiter `,`, decimal point, LF; the canonical column names, so the
  `canonical` profile reads it: `{",".join(lf["columns"])}`.
* `timestamp` = ISO 8601 local time **with its UTC offset** (`+02:00` CEST, `+01:00` CET):
  on 2026-10-25 the repeated local hour appears twice (`02:00:00+02:00` and
  `02:00:00+01:00`), one real hour apart, and nothing is ambiguous.
* **Individual readings**, no subgroup column, product HX-300, readings on a UTC grid:
  - `bath_temperature` (°C, washer `L2-WASH`): every hour on the hour ({n_by["bath_temperature"]}
    rows; 168 a week, 169 in 2026-W43 with the DST fall-back).
  - `hardness` (HRC, lab `L2-LAB`): every 4 h at :30 ({n_by["hardness"]} rows, 42 a week).
    The `unit` field is **empty**: leankit knows no hardness scale, and an unknown unit
    would be quarantined.
  - `surface_roughness` (Ra in µm, lab `L2-LAB`): every 2 h at :15 ({n_by["surface_roughness"]}
    rows, 84 a week). With no spec for it, a leankit dataset stores it in mm (the default
    unit of length).
* {lf["data_rows"]} data rows (lines 2-{lf["data_rows"] + 1}), first {lf["first_reading_local"]},
  last {lf["last_reading_local"]}; no bad rows.

### `rare_events/eol_leak_test.csv` - end-of-line leak test, line L2 (rare events)

* UTF-8 (no BOM), delimiter `,`, LF; canonical defects columns (`canonical` profile):
  `{",".join(kf["columns"])}`.
* One row per shift, all {kf["data_rows"]} shifts of the period (like the MES file):
  `timestamp` = shift start in ISO 8601 with its offset, machine `L2-LT`, `defect_type` =
  `Leak`, `category` = `Method`, `lot` = `L2-LT-<yyyymmdd>-<E|L|N>` (one lot per shift),
  `count` = leaks found, `inspected` = {kf["inspected_range"][0]}-{kf["inspected_range"][1]} units,
  `cost` = count x {LEAK_UNIT_COST_EUR:.2f} EUR. No bad rows.
* A defects table, but **not in `defects/`**: `leankit demo` ingests the folders named
  after the table kinds, and leak-test units (one defect type, one opportunity) would
  change the demo's DPU/DPMO, Pareto and root-cause figures. Load it on its own:
  `leankit ingest sample_data/rare_events/eol_leak_test.csv --kind defects --out DIR`.

"""
    zero = ko["share_of_shifts_with_zero_leaks"]
    chi = do["chi_square_dispersion"]
    du, dc, tr = do["daily_units_inspected"], do["daily_defects"], do["trend"]
    ad_log, ad_raw = ro["anderson_darling_log_values"], ro["anderson_darling_raw_values"]
    ext = ro["most_extreme_reading"]
    step, step_sd = bath["model"]["step"], bath["model"]["step_in_marginal_sd"]
    z_ext = abs(ext["z_log_scale_vs_model"])
    wk_lo, wk_hi = min(do["weekly_dpu"].values()), max(do["weekly_dpu"].values())
    b_weeks = ", ".join(bath["special_cause_weeks"])
    h_weeks = ", ".join(hard["special_cause_weeks"])
    phen = f"""6. **Washer bath heater fault (autocorrelated individuals).** `bath_temperature` is
   AR(1) around 60.0 °C with phi = 0.8 and marginal sd 0.5 °C (innovation sd 0.3 °C). A
   heater fault adds **+{step:g} °C** ({step_sd:g} marginal sd) from {bath["start_local"]} to
   {bath["end_local_exclusive"]} (exclusive; {bath["readings_in_window"]} hourly readings,
   Tuesday to Thursday of 2026-W42), then the bath is back at 60.0 °C. Special cause in
   {b_weeks} only (of 2026-W41..W44). Observed: lag-1 autocorrelation before the fault
   {bo["lag1_autocorrelation_before_fault"]}; mean {bo["mean_in_fault_C"]} °C in the window vs
   {bo["mean_outside_fault_C"]} °C outside (sd {bo["sd_outside_fault_C"]} °C). Sigma from the
   moving range underestimates the marginal sd (about 0.22 °C), so a plain I-MR chart also
   signals in stable weeks.
7. **Hardness shift (individuals).** `hardness` is N(58.0, 0.6) and independent; from
   {hard["start_local"]} (Monday 06:00 of 2026-W43) to the end it is **+0.9** (1.5 sd)
   higher: first shifted reading {hard["first_shifted_reading_local"]}. Special cause in
   {h_weeks} (continuing in W44). Observed mean {ho["mean_before"]} before
   vs {ho["mean_after"]} after.
8. **Surface roughness, skewed but stable.** `surface_roughness` is lognormal (meanlog
   ln 0.8, sdlog 0.35; observed median {ro["median_um"]} µm, max {ro["max_um"]} µm),
   independent, no special cause in any week. Anderson-Darling: log values
   A*² {ad_log["a2_star"]} (p {ad_log["p"]}, normal), raw values A*² {ad_raw["a2_star"]}
   (p {ad_raw["p"]}, not normal). Its most extreme reading, {ext["value_um"]} µm at
   {ext["local"]} ({ext["iso_week"]}), is {z_ext} sdlog from the median: a
   chance draw (among 1008 readings, some |z| > 3.6 has a probability of about 0.3), not planted.
9. **Rare leaks (counts).** Leaks per shift are Poisson with mean 0.25 (about 1.75 a
   week), stable: {ko["leaks_total"]} leaks in {ko["shifts"]} shifts (mean
   {ko["mean_leaks_per_shift"]}), {zero:.0%} of the shifts without a leak, at most
   {ko["max_leaks_per_shift"]} in a shift. No special cause in any week.
10. **Overdispersed daily defect rate (MES).** Per calendar day the MES lots inspect
   {du["min"]}-{du["max"]} units (median {du["median"]:g}) and find {dc["min"]}-{dc["max"]}
   defects (mean DPU {do["daily_dpu_mean"]}). The gamma lot factor of the generator makes
   the daily rate vary more than Poisson: Laney sigma_z = {do["laney_sigma_z"]}, chi-square
   dispersion ratio {chi["dispersion_ratio"]} (p = {chi["p_value"]:.2g}, {chi["df"]} df). A
   plain u chart puts {do["days_outside_plain_u_chart_3sigma"]} days outside 3 sigma, Laney's
   u' {do["days_outside_laney_u_prime_3sigma"]}. One sustained change, the L2-M2
   countermeasure of {COUNTERMEASURE_DATE_L2M2.isoformat()} (item 3): weekly DPU
   {wk_lo}-{wk_hi}; before it no trend (slope {tr["ols_slope_dpu_per_week"]} per week,
   p = {tr["ols_p_value"]}).
"""
    return files, phen


def make_readme(out: Path, t: dict) -> None:
    f = t["files"]
    gf, cf = f["measurements/line1_gauge.csv"], f["measurements/line2_cmm.xlsx"]
    mf, ef = f["defects/mes_defects.jsonl"], f["production/erp_shift_log.csv"]
    p = {x["id"]: x for x in t["planted"]}
    bore, l2m2, fj = p["bore_mean_shift"], p["L2M2_night_defects"], p["feeder_jam_L1M2"]
    cmt = next(x for x in t["planted"] if x["id"] == "L2M2_night_countermeasure")["observed"]

    def bad_table(rows, loc_key, loc_name):
        s = f"| {loc_name} | what is wrong | expected quarantine reason |\n|---|---|---|\n"
        for b in rows:
            s += f"| {b[loc_key]} | {b['problem'].replace('|', '/')} | {b['reason']} |\n"
        return s

    dt = fj["observed"]["downtime_min_by_reason"]
    dt_lines = "\n".join(f"  - {k}: {v} min" for k, v in dt.items())
    kinds_files, kinds_phenomena = kinds_readme(t)
    seed = t["generator"]["seed"]
    md = f"""# leankit sample data

Synthetic but realistic factory exports for the fictitious site **{t["site"]}**,
deliberately *messy* in the ways real exports are. They are leankit's demo data and the
test bed for control charts, capability, Pareto, root-cause and OEE features, which must
find the planted phenomena documented below. Everything here is generated by

```
python scripts/make_sample_data.py            # regenerate into sample_data/
python scripts/make_sample_data.py --out DIR  # regenerate elsewhere (e.g. a test tmp dir)
```

The generator is seeded (`numpy.random.default_rng({seed})`; the process log and the
leak test draw from streams of their own, `SeedSequence({seed}).spawn(2)`) and uses no
wall-clock time (xlsx core properties and zip entry dates are fixed), so re-running it gives
byte-identical files. `truth.json` holds all facts below in machine-readable form,
including observed statistics of the generated data (bad rows excluded).

Deliberate bad rows are *corrupted in place*: each replaces one field of an otherwise
normal record, so quarantining it leaves e.g. a gauge subgroup with 4 valid values or an
MES lot with 7 of its 8 defect records. Row counts ("data rows") always include them.

## The plant

* Site `PLANT-N`, time zone Europe/Berlin.
* Line `L1`: machines `L1-M1`, `L1-M2`, `L1-M3`, product `HX-200`.
* Line `L2`: machines `L2-M1`, `L2-M2`, product `HX-300`.
* Shifts: early 06:00-14:00, late 14:00-22:00, night 22:00-06:00 (a night shift belongs
  to the date it starts). The plant runs 7 days a week.
* Period: 12 ISO weeks 2026-W36..2026-W47, Monday 2026-08-31 00:00 to Monday
  2026-11-23 00:00 local time. Shift-based files (MES, ERP) contain the 252 shifts whose
  date lies in the period (the last night shift ends 2026-11-23 06:00); measurement files
  contain samples taken inside the period, so the first ones (00:00-06:00 on 2026-08-31)
  belong to the night shift of 2026-08-30.
* DST fall-back on 2026-10-25 (03:00 CEST -> 02:00 CET). All event times were generated in
  UTC and converted to local time; files store local wall-clock time without offset
  (except the MES `ts` and the timestamps of the two canonical CSVs of line L2, which carry
  the offset).

## Files

### `measurements/line1_gauge.csv` - German gauge export, line L1

* Encoding **cp1252** (`µ` = 0xB5, `ü` = 0xFC), delimiter `;`, **decimal comma**, CRLF.
* Lines 1-3: title line, `Export vom 23.11.2026 06:05;;;`, empty line. Header on line 4:
  `Datum;Uhrzeit;Linie;Maschine;Schicht;Produkt;Merkmal;Messwert;Einheit;Stichprobe;Prüfer`.
* `Datum` = `%d.%m.%Y`, `Uhrzeit` = `%H:%M:%S` local time; `Schicht` = `Früh`/`Spät`/`Nacht`.
* Characteristics (product HX-200): `bore_diameter` (mm), `flange_thickness` (mm),
  `runout` (µm, skewed, upper spec only). Subgroups of n=5 parts one minute apart every
  2 h on even UTC hours (first {gf["first_subgroup_local"]}, last {gf["last_subgroup_local"]}
  local); each part is measured for all three characteristics (at +0 s, +20 s, +40 s), so
  rows of the three characteristics interleave. `Stichprobe` is the subgroup id
  (`L1-BD-000001`, `L1-FT-...`, `L1-RO-...`); machine rotates M1->M2->M3 per slot.
* {gf["data_rows"]} data rows ({gf["subgroups_per_characteristic"]} subgroups x 5 parts x 3
  characteristics), including the bad rows.
* Unit mix: {gf["bore_diameter_rows_in_um"]} `bore_diameter` rows (whole subgroups,
  ~3 %) are recorded in `µm` (e.g. `25003,1`) instead of `mm`.
* Two blank lines inside the data (lines {", ".join(map(str, gf["blank_lines_in_data"]))}).
* Footer (line {gf["footer_line"]}): `{gf["footer"]}` (fewer fields than the header).
* Bad rows (physical 1-based line numbers):

{bad_table(gf["bad_rows"], "line", "line")}
### `measurements/line2_cmm.xlsx` - CMM Excel report, line L2

* Sheet 1 `Info` (a few text cells), sheet 2 `Messdaten` with title rows 1-3
  (`CMM Report Line 2`, `Period: 2026-W36 to 2026-W47`, empty) and the header in row 4:
  `Timestamp | Line | Machine | Shift | Product | Characteristic | Value | Unit | Sample`.
* `Timestamp` = real Excel datetime cells (naive local time); `Shift` = `Early`/`Late`/`Night`.
* Characteristics (product HX-300): `shaft_diameter` **recorded in inches** (`Unit` = `in`,
  e.g. `0.47244`; specs are in mm: 12.000 ± 0.030 mm) and `length` (mm). Subgroups of n=5
  every 4 h on UTC hours 01, 05, 09, 13, 17, 21 (first {cf["first_subgroup_local"]}, last
  {cf["last_subgroup_local"]} local); machine alternates L2-M1/L2-M2.
* {cf["data_rows"]} data rows in Excel rows {cf["first_data_row"]}-{cf["last_data_row"]}.
* Bad rows (Excel row numbers on sheet `Messdaten`):

{bad_table(cf["bad_rows"], "excel_row", "Excel row")}
### `defects/mes_defects.jsonl` - MES defect records

* JSON Lines, UTF-8, LF. One record per (shift, machine, defect type) **including zero
  counts**: {mf["lots"]} inspection lots x 8 defect types = {mf["data_rows"]} lines.
* `ts` = shift start, ISO 8601 with the correct offset (`+02:00` until the 2026-10-24
  night shift, `+01:00` from the 2026-10-25 early shift); `lot` = `<machine>-<yyyymmdd>-<E|L|N>`;
  `inspected` = lot size (100 % inspection = ERP Total Count, except the fast L1-M1 where a
  sample of 380-440 parts is inspected).
* Defect catalogue (category, base rate per unit, unit cost EUR):
{chr(10).join(f"  - {k}: {v['category']}, {v['base_rate_per_unit']}, {v['unit_cost_eur']}" for k, v in mf["defect_catalog"].items())}
* `cost_eur` = qty x unit cost. Notes are mostly empty; 24 records carry realistic notes
  (German/English) and line {mf["html_injection_note"]["line"]} carries
  `{XSS_NOTE}` - a *valid* record used to test that reports escape data text.
* Bad lines (1-based line numbers):

{bad_table(mf["bad_rows"], "line", "line")}
### `production/erp_shift_log.csv` - ERP shift log

* UTF-8 **with BOM**, delimiter `,`, decimal point, LF, `"` quoting where needed.
  One row per (machine, shift): {ef["data_rows"]} data rows (lines 2-{ef["footer_line"] - 1}).
* `Shift Start`/`Shift End` = `%Y-%m-%d %H:%M` local, no offset; `Shift` = `Early`/`Late`/`Night`.
* Planned Time = shift length - 30 min break (450; **510** for the DST night shift
  2026-10-24 22:00 -> 2026-10-25 06:00 which lasts 9 real hours). Downtime = Planned - Run,
  attributed to the shift's main reason (empty when 0).
* Ideal cycle times (s): {", ".join(f"{k} {v}" for k, v in ef["ideal_cycle_time_s"].items())}.
  Total Count = run time at 85-97 % of ideal speed. Counts >= 1000 are written with a
  thousands separator and therefore quoted (`"1,234"`); {ef["rows_with_total_count_ge_1000"]}
  rows have Total Count >= 1000 (all L1-M1).
* Good = Total - Scrap - Rework (Scrap + Rework follow the MES defect counts of the lot).
* Footer (line {ef["footer_line"]}): `Total,,,,,,<sums>` with the same field count; sums
  include the bad rows and use thousands separators.
* Bad rows (physical line numbers; line 1 is the header):

{bad_table(ef["bad_rows"], "line", "line")}
{kinds_files}### `specs.csv`

Plain UTF-8 CSV `characteristic,product,lsl,usl,target,unit`; `runout` has only an USL
(40 µm), empty lsl/target.

## Planted phenomena

1. **Bore diameter mean shift (control chart / capability).** `bore_diameter` on L1 shifts
   by **+{bore["magnitude_mm"]:.3f} mm** from the first subgroup at or after 2026-10-28 14:00
   Europe/Berlin (Wednesday of week 9, {bore["iso_week"]}): subgroup
   `{bore["first_shifted_subgroup"]}` at {bore["first_shifted_subgroup_local"]} local
   ({bore["first_shifted_subgroup_utc"]}), and stays shifted to the end. Within-subgroup
   sd 0.008 mm, between-subgroup sd 0.001 mm. Observed mean
   {bore["observed"]["bore_mean_before_mm"]} mm before vs {bore["observed"]["bore_mean_after_mm"]} mm after.
2. **Stable characteristics**: `flange_thickness` (sd 0.025 mm), `runout` (lognormal, median
   ~12 µm, long right tail, USL 40 µm only - use a non-normal capability method),
   `shaft_diameter` (sd 0.006 mm, in inches!), `length` (sd 0.05 mm).
3. **L2-M2 night-shift defects (Pareto / root cause).** All defect rates of `L2-M2` are
   x{l2m2["multiplier"]:.0f} on the night shift only. Observed defects per inspected unit:
   L2-M2 night {l2m2["observed"]["dpu_L2M2_night"]} vs rest {l2m2["observed"]["dpu_rest"]}
   (ratio {l2m2["observed"]["ratio_L2M2_night_vs_rest"]}). Pareto by quantity is headed by
   {", ".join(list(l2m2["observed"]["qty_by_defect"])[:2])}; by cost it is headed by
   {", ".join(list(l2m2["observed"]["cost_eur_by_defect"])[:2])}. Also visible in the ERP
   Scrap/Rework. **The improvement story** (`a3.toml`, the A3 report of `leankit demo`):
   from the night shift of {cmt["date_local"]} the deburring step of the L2-M2 night crew is
   fixed and the x3 is gone (planted rate ratio 1/3 for L2-M2 night,
   {cmt["line_L2"]["planted_rate_ratio"]} for line L2 given its exposures). Line L2 DPU
   {cmt["line_L2"]["before"]["dpu"]} before ({cmt["before_period_local"][0]} to
   {cmt["date_local"]}) and {cmt["line_L2"]["after"]["dpu"]} after (observed ratio
   {cmt["line_L2"]["observed_rate_ratio"]}); L2-M2 night {cmt["L2M2_night"]["before"]["dpu"]}
   to {cmt["L2M2_night"]["after"]["dpu"]}; line L1 (nothing changed)
   {cmt["line_L1"]["before"]["dpu"]} to {cmt["line_L1"]["after"]["dpu"]}.
4. **Feeder jam on L1-M2 (downtime Pareto / OEE).** Feeder jams on L1-M2 roughly every
   other shift (15-45 min) make `Feeder jam` the top downtime reason plant-wide (valid rows):
{dt_lines}
5. **DST fall-back** on 2026-10-25: {p["dst_fall_back"]["comment"]}
{kinds_phenomena}
## Report specs and gage studies

- `weekly.toml`: the weekly quality report of `leankit demo` (week 2026-W44); it names
  the bore gauge's gage study for the capability section.
- `a3.toml`: the A3 improvement report of the improvement story (item 3): the L2-M2
  night crew's deburring check from 2026-11-09; verdict "improved".
- `actions.csv`: the action list the weekly report carries week to week.
- `gage_study/`: measurement system studies of the bore gauge, each from its own
  deterministic generator with its planted parameters beside it:
  `bore_gauge_rr.csv` (gage R&R, 10 parts x 3 inspectors x 3 trials;
  `scripts/make_gage_study.py`, `gage_study/truth.json`), `type1_bore.csv` (type-1
  study), `linearity_bore.csv` (linearity and bias) and
  `visual_inspection_agreement.csv` (attribute agreement)
  (`scripts/make_msa_studies.py`, `gage_study/truth_studies.json`).

## How to regenerate

```
python scripts/make_sample_data.py [--out DIR]
```

Requires numpy, scipy and openpyxl; runs in about a second.
"""
    (out / "README.md").write_bytes(md.encode("utf-8"))


# --------------------------------------------------------------------------- main
def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "sample_data",
        help="output directory (default: <repo>/sample_data)",
    )
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    g = make_gauge(rng, out)
    c = make_cmm(rng, out)
    mes, erp = make_shift_data(rng, out)
    make_specs(out)
    kinds = {
        "process_log": make_process_log(out),
        "leak": make_leak_test(out),
        "daily": daily_defect_dispersion(out),
    }
    truth = make_truth(out, g, c, mes, erp, kinds)
    make_readme(out, truth)
    print(f"wrote sample data to {out}")


if __name__ == "__main__":
    main()
