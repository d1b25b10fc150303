"""leankit.units and unit conversion during loading."""

from __future__ import annotations

import pytest

from leankit import units
from leankit.errors import LeankitError
from leankit.io import read_export

# ------------------------------------------------------------------ module


@pytest.mark.parametrize(
    ("label", "canonical"),
    [
        ("µm", "µm"),
        ("\u03bcm", "µm"),  # greek mu
        ("um", "µm"),
        ("micron", "µm"),
        ("MM", "mm"),
        (" millimetre ", "mm"),
        ('"', "in"),
        ("inch", "in"),
        ("Zoll", "in"),
        ("kg", "kg"),
        ("MPa", "MPa"),
        ("degC", "°C"),
        ("%", "%"),
        ("Nm", "N m"),
        ("min", "min"),
        ("Stunden", "h"),
    ],
)
def test_canonical_label(label, canonical):
    assert units.canonical_label(label) == canonical
    assert units.is_known(label)


@pytest.mark.parametrize("label", ["furlong", "mmm", "", "N/A", "mpa"])
def test_unknown_label_raises_unit_error(label):
    assert not units.is_known(label)
    with pytest.raises(units.UnitError, match="unknown unit"):
        units.canonical_label(label)


def test_unit_error_hierarchy():
    assert issubclass(units.UnitError, LeankitError)
    assert issubclass(units.UnitError, ValueError)


@pytest.mark.parametrize(
    ("source", "target", "scale", "offset"),
    [
        ("µm", "mm", 1e-3, 0.0),
        ("mm", "µm", 1e3, 0.0),
        ("in", "mm", 25.4, 0.0),
        ("h", "min", 60.0, 0.0),
        ("s", "min", 1 / 60, 0.0),
        ("kg", "g", 1000.0, 0.0),
        ("bar", "kPa", 100.0, 0.0),
        ("K", "°C", 1.0, -273.15),
        ("%", "ppm", 1e4, 0.0),
    ],
)
def test_factor(source, target, scale, offset):
    s, o = units.factor(source, target)
    assert s == pytest.approx(scale)
    assert o == pytest.approx(offset)


def test_fahrenheit_to_celsius():
    s, o = units.factor("°F", "°C")
    assert 212 * s + o == pytest.approx(100.0)
    assert 32 * s + o == pytest.approx(0.0, abs=1e-12)


def test_factor_incompatible_dimensions():
    assert not units.convertible("kg", "mm")
    assert units.convertible("in", "µm")
    assert not units.convertible("mm", "nonsense")
    with pytest.raises(units.UnitError, match="cannot be converted"):
        units.factor("kg", "mm")


def test_dimension():
    assert units.dimension("µm") == "length"
    assert units.dimension("lb") == "mass"
    assert units.dimension("psi") == "pressure"


def test_torque_label_round_trips():
    assert units.canonical_label("N m") == "N m"
    assert units.dimension("N m") == "torque"
    assert units.factor("Nm", "N m") == (1.0, 0.0)


def test_every_canonical_label_round_trips_except_torque():
    labels = [lab for lab in units._UNITS if lab != "N m"]
    assert [units.canonical_label(lab) for lab in labels] == labels


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Value [µm]", ("Value", "µm")),
        ("Run Time (min)", ("Run Time", "min")),
        ("Planned Time (h)", ("Planned Time", "h")),
        ("Durchmesser in mm", ("Durchmesser", "mm")),
        ("  Wert [um] ", ("Wert", "µm")),
        ("Sample (A)", ("Sample (A)", None)),
        ("Value", ("Value", None)),
        ("Lot [new]", ("Lot [new]", None)),
    ],
)
def test_split_header(header, expected):
    assert units.split_header(header) == expected


# ------------------------------------------------------------------ loading


def test_unit_column_micrometres_converted_to_mm(w):
    text = (
        "timestamp,characteristic,value,unit\n"
        "2026-03-01T08:00,bore,25003.1,µm\n"
        "2026-03-01T08:01,bore,24.9991,mm\n"
        "2026-03-01T08:02,bore,25003,um\n"
    )
    res = read_export(w("u.csv", text), kind="measurements", profile="canonical")
    assert res.data["value"].tolist() == [pytest.approx(25.0031), 24.9991, pytest.approx(25.003)]
    assert res.data["unit"].tolist() == ["mm", "mm", "mm"]


def test_unit_in_header_without_unit_column(w):
    text = "timestamp,characteristic,value [µm]\n2026-03-01T08:00,runout,12.5\n"
    res = read_export(w("h.csv", text), kind="measurements", profile="canonical")
    assert res.source.mapping["value"] == "value [µm]"
    assert res.data["value"].tolist() == [pytest.approx(0.0125)]
    assert res.data["unit"].tolist() == ["mm"]


def test_unit_in_header_kept_with_canonical_override(w):
    text = "timestamp,characteristic,Value [µm]\n2026-03-01T08:00,runout,12.5\n"
    res = read_export(
        w("h.csv", text), kind="measurements", profile="canonical", units={"runout": "µm"}
    )
    assert res.data["value"].tolist() == [12.5]
    assert res.data["unit"].tolist() == ["µm"]


def test_read_export_units_override(w):
    text = (
        "timestamp,characteristic,value,unit\n"
        "2026-03-01T08:00,runout,12.5,µm\n"
        "2026-03-01T08:01,runout,0.0131,mm\n"
        "2026-03-01T08:02,bore,25003,µm\n"
    )
    path = w("o.csv", text)
    res = read_export(path, kind="measurements", profile="canonical", units={"runout": "µm"})
    assert res.data["value"].tolist() == [12.5, pytest.approx(13.1), pytest.approx(25.003)]
    assert res.data["unit"].tolist() == ["µm", "µm", "mm"]
    default = read_export(path, kind="measurements", profile="canonical")
    assert default.data["unit"].tolist() == ["mm", "mm", "mm"]
    assert default.data["value"].tolist()[0] == pytest.approx(0.0125)


def test_profile_canonical_units_and_default_unit(w, profile_file):
    prof = profile_file(
        '[profile]\nname = "pu"\n[units]\ndefault = "µm"\ncanonical = { runout = "µm" }\n'
    )
    text = (
        "timestamp,characteristic,value\n"
        "2026-03-01T08:00,runout,12.5\n"
        "2026-03-01T08:01,bore,25003\n"
    )
    res = read_export(w("p.csv", text), kind="measurements", profile=prof)
    assert res.data["unit"].tolist() == ["µm", "mm"]
    assert res.data["value"].tolist() == [12.5, pytest.approx(25.003)]


def test_unit_constant_in_profile(w, profile_file):
    prof = profile_file('[profile]\nname = "c"\n[constants]\nunit = "in"\n')
    text = "timestamp,characteristic,value\n2026-03-01T08:00,shaft,0.5\n"
    res = read_export(w("c.csv", text), kind="measurements", profile=prof)
    assert res.data["value"].tolist() == [pytest.approx(12.7)]
    assert res.data["unit"].tolist() == ["mm"]


def test_production_hours_in_header_converted_to_minutes(w):
    text = (
        "Shift Start,Shift End,Line,Planned Time (h),Run Time (min),Ideal Cycle Time (min)\n"
        "2026-03-02 06:00,2026-03-02 14:00,L1,7.5,400,0.5\n"
    )
    res = read_export(w("p.csv", text), kind="production", profile="erp-shift-log")
    assert res.source.profile == "erp-shift-log"
    assert res.data["planned_time"].tolist() == [450.0]
    assert res.data["run_time"].tolist() == [400.0]
    assert res.data["ideal_cycle_time"].tolist() == [30.0]  # schema unit: s
    assert res.data["period_start"].tolist()[0].isoformat() == "2026-03-02T05:00:00+00:00"


def test_production_column_units_in_profile(w, profile_file):
    prof = profile_file(
        '[profile]\nname = "pc"\nkind = "production"\n'
        '[units]\ncolumns = { planned_time = "h", downtime = "s" }\n'
    )
    text = (
        "period_start,period_end,line,planned_time,downtime\n"
        "2026-03-02T06:00,2026-03-02T14:00,L1,7.5,90\n"
    )
    res = read_export(w("p.csv", text), kind="production", profile=prof)
    assert res.data["planned_time"].tolist() == [450.0]
    assert res.data["downtime"].tolist() == [1.5]
