"""The sample data's individual readings, rare events and overdispersed daily rate.

Files and phenomena 6-10 of sample_data/README.md (truth.json ``planted``):
``measurements/line2_process_log.csv`` (bath_temperature AR(1) with a W42 heater fault,
hardness shifted from W43, lognormal surface_roughness), ``rare_events/eol_leak_test.csv``
(Poisson leaks per shift) and the MES defects per day (overdispersed). The figures in
truth.json are computed by scripts/make_sample_data.py with numpy/scipy from the rows it
writes; here they are recomputed from what leankit loads (pandas/numpy), so the loader and
the generator check each other.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leankit import spc
from leankit.cli import _DEMO_LAYOUT

REPO = Path(__file__).resolve().parents[2]
LOG = "measurements/line2_process_log.csv"
LEAK = "rare_events/eol_leak_test.csv"
MES = "defects/mes_defects.jsonl"
NEW_FILES = (LOG, LEAK)
REPORT_WEEKS = ("2026-W41", "2026-W42", "2026-W43", "2026-W44")
TZ = "Europe/Berlin"


def planted(truth: dict, pid: str) -> dict:
    return next(p for p in truth["planted"] if p["id"] == pid)


def readings(sample_results: dict, char: str) -> pd.DataFrame:
    d = sample_results[LOG].data
    return d[d.characteristic == char].sort_values("timestamp").reset_index(drop=True)


def iso_weeks(ts: pd.Series) -> pd.Series:
    iso = ts.dt.tz_convert(TZ).dt.isocalendar()
    return iso.year.astype(str) + "-W" + iso.week.astype(str).str.zfill(2)


def inside(ts: pd.Series, entry: dict) -> pd.Series:
    start = pd.Timestamp(entry["start_utc"])
    end = pd.Timestamp(entry["end_utc_exclusive"])
    return (ts >= start) & (ts < end)


# ------------------------------------------------------------------ loading
@pytest.mark.parametrize("rel", NEW_FILES)
def test_new_files_load_whole_with_the_canonical_profile(sample_results, truth, rel):
    res, info = sample_results[rel], truth["files"][rel]
    assert res.source.profile == info["profile"] == "canonical"
    assert res.source.dialect["encoding"] == info["encoding"]
    assert res.source.dialect["delimiter"] == info["delimiter"]
    acc = res.accounting
    assert acc.rows_read == info["data_rows"] == truth["row_counts"][rel]
    assert acc.rows_quarantined == len(info["bad_rows"]) == 0
    assert acc.rows_loaded == info["valid_rows"] == len(res.data)
    assert res.data["source_row"].tolist() == list(range(2, info["data_rows"] + 2))
    header = (REPO / "sample_data" / rel).read_text("utf-8").splitlines()[0]
    assert header.split(",") == info["columns"]


def test_only_the_process_log_is_in_a_folder_the_demo_ingests(truth):
    demo_folders = {rel for _kind, rel in _DEMO_LAYOUT}
    for rel in NEW_FILES:
        assert truth["files"][rel]["ingested_by_demo"] == (rel.split("/")[0] in demo_folders)
    assert truth["files"][LOG]["ingested_by_demo"] and not truth["files"][LEAK]["ingested_by_demo"]


def test_process_log_units_and_values(sample_results, truth):
    d = sample_results[LOG].data
    units = d.groupby("characteristic")["unit"].unique().to_dict()
    assert list(units["bath_temperature"]) == ["°C"]
    assert pd.isna(units["hardness"]).all()  # HRC: the unit field is left empty
    assert list(units["surface_roughness"]) == ["mm"]  # µm in the file, no spec: mm
    assert d.groupby("characteristic").size().to_dict() == truth["files"][LOG][
        "data_rows_per_characteristic"]
    assert d["subgroup"].isna().all()  # individual readings
    assert set(d["line"]) == {"L2"} and set(d["product"]) == {"HX-300"}
    assert set(d["shift"]) == {"early", "late", "night"}
    ra = readings(sample_results, "surface_roughness")["value"]
    raw = pd.read_csv(REPO / "sample_data" / LOG)
    raw_ra = raw.loc[raw.characteristic == "surface_roughness", "value"].to_numpy()
    np.testing.assert_allclose(ra.to_numpy() * 1000.0, raw_ra, rtol=1e-12)


# ------------------------------------------------------------------ timestamps
def test_process_log_timestamps_are_the_instants_of_the_offsets(sample_results, truth):
    """Each ISO 8601 text with its offset parsed by pandas, compared with the loaded UTC."""
    d = sample_results[LOG].data.sort_values("source_row")
    raw = pd.read_csv(REPO / "sample_data" / LOG, dtype=str)
    expected = pd.to_datetime(raw["timestamp"], utc=True, format="ISO8601")
    assert (d["timestamp"].to_numpy() == expected.to_numpy()).all()
    first = pd.Timestamp(truth["files"][LOG]["first_reading_local"]).tz_convert("UTC")
    assert d["timestamp"].min() == first == pd.Timestamp("2026-08-30 22:00", tz="UTC")


def test_bath_readings_stay_hourly_in_utc_across_the_dst_fall_back(sample_results, truth):
    ts = readings(sample_results, "bath_temperature")["timestamp"]
    assert (ts.diff().dropna() == pd.Timedelta(hours=1)).all()
    night = ts[(ts >= pd.Timestamp("2026-10-24 22:00", tz="UTC"))
               & (ts < pd.Timestamp("2026-10-25 04:00", tz="UTC"))]
    local = night.dt.tz_convert(TZ).dt.strftime("%H:%M%z").tolist()
    # 02:00 local twice (CEST, then CET), one real hour apart
    assert local == ["00:00+0200", "01:00+0200", "02:00+0200", "02:00+0100", "03:00+0100",
                     "04:00+0100"]
    per_week = iso_weeks(ts).value_counts()
    assert per_week["2026-W43"] == 169 == planted(truth, "bath_temperature_heater_fault")[
        "readings_in_2026_W43"]
    assert (per_week.drop("2026-W43") == 168).all()


def test_leak_records_start_at_the_shift_starts(sample_results):
    d = sample_results[LEAK].data.sort_values("timestamp")
    local = d["timestamp"].dt.tz_convert(TZ)
    assert set(local.dt.strftime("%H:%M")) == {"06:00", "14:00", "22:00"}
    steps = d["timestamp"].diff().dropna().value_counts().to_dict()
    assert steps == {pd.Timedelta(hours=8): 250, pd.Timedelta(hours=9): 1}  # the DST night
    dst_night = d[d.lot == "L2-LT-20261024-N"]["timestamp"].tolist()
    assert dst_night == [pd.Timestamp("2026-10-24 20:00", tz="UTC")]
    assert d["lot"].is_unique and len(d) == 252


# ------------------------------------------------------------------ bath temperature
def test_bath_temperature_is_ar1_before_the_fault(sample_results, truth):
    p = planted(truth, "bath_temperature_heater_fault")
    b = readings(sample_results, "bath_temperature")
    before = b.loc[b.timestamp < pd.Timestamp(p["start_utc"]), "value"]
    assert len(before) == p["observed"]["n_before_fault"]
    x = before.to_numpy() - before.mean()
    r1 = float(np.sum(x[:-1] * x[1:]) / np.sum(x * x))
    assert r1 == pytest.approx(p["model"]["phi"], abs=0.1)
    assert r1 == pytest.approx(p["observed"]["lag1_autocorrelation_before_fault"], abs=1e-3)
    assert before.autocorr(1) == pytest.approx(r1, abs=0.01)  # pandas' Pearson lag-1


def test_bath_temperature_step_inside_the_heater_fault_window(sample_results, truth):
    p = planted(truth, "bath_temperature_heater_fault")
    b = readings(sample_results, "bath_temperature")
    win = inside(b["timestamp"], p)
    assert win.sum() == p["readings_in_window"] == 60
    first = b.loc[win, "timestamp"].iloc[0].tz_convert(TZ)
    assert first == pd.Timestamp(p["first_reading_in_window_local"])
    assert set(iso_weeks(b.loc[win, "timestamp"])) == set(p["iso_weeks_affected"])
    obs = p["observed"]
    step = b.loc[win, "value"].mean() - b.loc[~win, "value"].mean()
    assert step == pytest.approx(obs["step_observed_C"], abs=1e-3)
    assert step > 0.5 * p["model"]["step"]  # clearly visible (at least half the planted step)
    assert b.loc[~win, "value"].std() == pytest.approx(p["model"]["marginal_sd"], abs=0.1)
    after = b.loc[b.timestamp >= pd.Timestamp(p["end_utc_exclusive"]), "value"]
    assert after.mean() == pytest.approx(p["model"]["mean"], abs=0.1)  # back at 60 °C
    wk = iso_weeks(b["timestamp"])
    for week in REPORT_WEEKS:
        assert b.loc[wk == week, "value"].mean() == pytest.approx(
            obs["weekly"][week]["mean"], abs=1e-3)
    assert p["special_cause_weeks"] == ["2026-W42"]


# ------------------------------------------------------------------ hardness
def test_hardness_mean_before_and_after_the_shift(sample_results, truth):
    p = planted(truth, "hardness_shift")
    h = readings(sample_results, "hardness")
    shifted = h["timestamp"] >= pd.Timestamp(p["start_utc"])
    first = h.loc[shifted, "timestamp"].iloc[0]
    assert first == pd.Timestamp(p["first_shifted_reading_utc"])
    assert first.tz_convert(TZ) == pd.Timestamp(p["first_shifted_reading_local"])
    pre, post = h.loc[~shifted, "value"], h.loc[shifted, "value"]
    obs = p["observed"]
    assert (len(pre), len(post)) == (obs["n_before"], obs["n_after"])
    assert pre.mean() == pytest.approx(obs["mean_before"], abs=1e-3)
    assert post.mean() == pytest.approx(obs["mean_after"], abs=1e-3)
    sd = p["model"]["sd"]
    # within 4 standard errors of the planted means (58.0 and 58.0 + 1.5 sd)
    assert pre.mean() == pytest.approx(p["model"]["mean"], abs=4 * sd / np.sqrt(len(pre)))
    se_diff = sd * np.sqrt(1 / len(pre) + 1 / len(post))
    assert post.mean() - pre.mean() == pytest.approx(p["model"]["shift"], abs=4 * se_diff)
    assert set(iso_weeks(h.loc[shifted, "timestamp"])) == set(p["iso_weeks_affected"])
    assert p["special_cause_weeks"] == ["2026-W43", "2026-W44"]


# ------------------------------------------------------------------ surface roughness
def test_surface_roughness_is_lognormal_not_normal(sample_results, truth):
    """Anderson-Darling (leankit.spc.anderson_darling_normal, D'Agostino & Stephens 1986
    p-values) against the generator's own numpy implementation in truth.json."""
    p = planted(truth, "surface_roughness_lognormal")
    obs = p["observed"]
    ra_um = readings(sample_results, "surface_roughness")["value"].to_numpy() * 1000.0
    n = ra_um.size
    a2_log, p_log = spc.anderson_darling_normal(np.log(ra_um))
    a2_raw, p_raw = spc.anderson_darling_normal(ra_um)
    assert p_log > 0.05  # log values: normality not rejected
    assert p_raw < 1e-6  # raw values: rejected
    star = 1 + 0.75 / n + 2.25 / n**2
    assert a2_log * star == pytest.approx(obs["anderson_darling_log_values"]["a2_star"], rel=1e-3)
    assert a2_raw * star == pytest.approx(obs["anderson_darling_raw_values"]["a2_star"], rel=1e-3)
    assert p_log == pytest.approx(obs["anderson_darling_log_values"]["p"], rel=1e-2)
    assert np.median(ra_um) == pytest.approx(obs["median_um"], abs=1e-3)
    assert np.log(ra_um).std(ddof=1) == pytest.approx(p["model"]["sdlog"], abs=0.03)
    # the most extreme reading (a chance draw in W43, documented in truth.json)
    z = (np.log(ra_um) - p["model"]["meanlog"]) / p["model"]["sdlog"]
    assert ra_um[np.argmax(np.abs(z))] == pytest.approx(obs["most_extreme_reading"]["value_um"])
    assert p["special_cause_weeks"] == [] and "surface_roughness" in planted(
        truth, "stable_characteristics")["stable"]


# ------------------------------------------------------------------ rare leaks
def test_leaks_are_rare_poisson_counts(sample_results, truth):
    p = planted(truth, "eol_leak_rare_events")
    obs = p["observed"]
    d = sample_results[LEAK].data
    c = d["count"].to_numpy()
    assert set(d["defect_type"]) == {"Leak"}
    assert d["inspected"].between(300, 400 * 9 / 8).all()
    assert (c == 0).mean() > 0.5
    assert (c == 0).mean() == pytest.approx(obs["share_of_shifts_with_zero_leaks"], abs=1e-3)
    assert c.sum() == obs["leaks_total"]
    assert c.max() == obs["max_leaks_per_shift"]
    # Poisson(0.25) per shift: mean within 4 standard errors, variance ~ mean
    assert c.mean() == pytest.approx(0.25, abs=4 * np.sqrt(0.25 / c.size))
    assert c.var(ddof=1) / c.mean() == pytest.approx(1.0, abs=4 * np.sqrt(2 / (c.size - 1)))
    assert d["cost"].tolist() == pytest.approx((c * 85.0).tolist())
    wk = iso_weeks(d["timestamp"])
    assert d.groupby(wk)["count"].sum().to_dict() == obs["leaks_per_week"]
    assert p["special_cause_weeks"] == []


# ------------------------------------------------------------------ daily MES defects
@pytest.fixture(scope="module")
def mes_days(sample_results) -> pd.DataFrame:
    """MES defects per calendar day (local date of the shift start); units = the day's
    distinct lots' inspected (as the weekly report's DPMO counts them)."""
    d = sample_results[MES].data.copy()
    d["day"] = d["timestamp"].dt.tz_convert(TZ).dt.date
    count = d.groupby("day")["count"].sum()
    units = d.drop_duplicates("lot").groupby("day")["inspected"].sum()
    return pd.DataFrame({"count": count, "units": units})


def test_daily_defects_are_overdispersed(mes_days, truth):
    """Laney (2002) sigma_z = mean moving range of z / 1.128 and Pearson's chi-square
    dispersion statistic, recomputed with numpy from the loaded MES rows."""
    p = planted(truth, "daily_defects_overdispersed")
    obs = p["observed"]
    c, n = mes_days["count"].to_numpy(float), mes_days["units"].to_numpy(float)
    assert len(c) == obs["days"] == 84
    assert n.min() > 1000  # thousands of units a day
    assert (n.min(), np.median(n), n.max()) == (
        obs["daily_units_inspected"]["min"], obs["daily_units_inspected"]["median"],
        obs["daily_units_inspected"]["max"])
    ubar = c.sum() / n.sum()
    assert ubar == pytest.approx(obs["daily_dpu_mean"], rel=1e-3)
    z = (c / n - ubar) / np.sqrt(ubar / n)
    sigma_z = np.mean(np.abs(np.diff(z))) / 1.128
    assert sigma_z > 1.2
    assert sigma_z == pytest.approx(obs["laney_sigma_z"], rel=1e-3)
    x2 = np.sum((c - ubar * n) ** 2 / (ubar * n))
    chi = obs["chi_square_dispersion"]
    assert x2 / (len(c) - 1) == pytest.approx(chi["dispersion_ratio"], rel=1e-3)
    assert chi["p_value"] < 1e-6
    outside = np.abs(c / n - ubar) > 3 * np.sqrt(ubar / n)
    assert outside.sum() == obs["days_outside_plain_u_chart_3sigma"] > 0
    assert (np.abs(z) > 3 * sigma_z).sum() == obs["days_outside_laney_u_prime_3sigma"] == 0


def test_daily_defects_change_only_at_the_countermeasure(mes_days, truth):
    """No trend before the L2-M2 countermeasure (2026-11-09); the step down after it
    lies outside the report weeks (no special cause there)."""
    p = planted(truth, "daily_defects_overdispersed")
    obs = p["observed"]
    assert p["special_cause_weeks"] == [] and p["sustained_change"] is True
    assert p["iso_weeks_affected"] == ["2026-W46", "2026-W47"]
    u_all = (mes_days["count"] / mes_days["units"]).to_numpy()
    u = u_all[np.asarray(mes_days.index.astype(str) < "2026-11-09")]
    slope, _ = np.polyfit(np.arange(len(u)), u, 1)
    assert slope * 7 == pytest.approx(obs["trend"]["ols_slope_dpu_per_week"], rel=1e-2)
    assert obs["trend"]["ols_p_value"] > 0.05 and obs["trend"]["spearman_p_value"] > 0.05
    weekly = mes_days.groupby(
        iso_weeks(pd.Series(pd.to_datetime(mes_days.index)).dt.tz_localize(TZ)).to_numpy()
    ).sum()
    dpu = (weekly["count"] / weekly["units"]).to_dict()
    assert dpu == pytest.approx(obs["weekly_dpu"], rel=1e-3)


def test_daily_defects_sigma_z_matches_leankit_laney_u(mes_days, truth):
    """leankit's Laney u' chart (spc.laney_u) on the same days gives truth's sigma_z."""
    days = mes_days.reset_index(names="day")
    chart = spc.laney_u(days, count="count", size="units", subgroup="day")
    sigma_z = float(chart.limits["sigma_z"].iloc[0])
    assert sigma_z == pytest.approx(
        planted(truth, "daily_defects_overdispersed")["observed"]["laney_sigma_z"], rel=1e-3)


# ------------------------------------------------------------------ truth bookkeeping
def test_new_phenomena_name_their_special_cause_weeks(truth):
    ids = ["bath_temperature_heater_fault", "hardness_shift", "surface_roughness_lognormal",
           "eol_leak_rare_events", "daily_defects_overdispersed"]
    for pid in ids:
        p = planted(truth, pid)
        assert p["file"] in truth["files"], pid
        assert set(p["special_cause_weeks"]) <= set(REPORT_WEEKS), pid
        # a special cause in a report week exactly when the phenomenon is present in it
        affected = [w for w in REPORT_WEEKS if w in p["iso_weeks_affected"]]
        assert p["special_cause_weeks"] == affected, pid
    # the phenomena documented before stay where tests index them
    assert [p["id"] for p in truth["planted"][:5]] == [
        "bore_mean_shift", "stable_characteristics", "L2M2_night_defects", "feeder_jam_L1M2",
        "dst_fall_back"]


def test_generator_is_deterministic(tmp_path, sample_data):
    """A fresh run writes the same bytes: the new files, truth.json, README.md and an
    older file (their random streams are separate, so the older files do not change)."""
    script = REPO / "scripts" / "make_sample_data.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True,
                   capture_output=True, timeout=300)
    for rel in (*NEW_FILES, "truth.json", "README.md", MES, "measurements/line2_cmm.xlsx"):
        assert (tmp_path / rel).read_bytes() == (sample_data / rel).read_bytes(), rel
