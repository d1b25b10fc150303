"""Mapping profiles: TOML parsing, validation, value maps, constants, time columns."""

from __future__ import annotations

import pandas as pd
import pytest

from leankit.errors import ProfileError
from leankit.io import Profile, builtin_profiles, load_profile, read_export
from leankit.io._profiles import normalize_header


def test_builtin_profiles():
    profs = builtin_profiles()
    assert set(profs) == {"canonical", "cmm-en", "erp-shift-log", "gauge-de", "mes-jsonl"}
    assert profs["canonical"].kind is None
    assert profs["gauge-de"].kind == "measurements"
    assert profs["gauge-de"].timezone == "Europe/Berlin"
    assert profs["gauge-de"].csv == {"decimal": ","}
    assert profs["mes-jsonl"].kind == "defects"
    assert profs["erp-shift-log"].kind == "production"
    assert all(p.source.startswith("builtin:") for p in profs.values())


def test_load_profile_by_name_path_and_instance(profile_file):
    assert load_profile("gauge-de").name == "gauge-de"
    path = profile_file('[profile]\nname = "mine"\nkind = "specs"\n')
    prof = load_profile(path)
    assert (prof.name, prof.kind, prof.source) == ("mine", "specs", str(path))
    assert load_profile(str(path)).name == "mine"
    assert load_profile(prof) is prof


def test_profile_name_defaults_to_file_stem(profile_file):
    path = profile_file("[columns]\nvalue = ['Wert']\n", name="my-export.toml")
    assert load_profile(path).name == "my-export"


def test_unknown_builtin_profile_suggests_close_matches():
    with pytest.raises(ProfileError) as exc:
        load_profile("gauge_de")
    msg = str(exc.value)
    assert "unknown profile 'gauge_de'" in msg
    assert "did you mean 'gauge-de'" in msg
    assert "canonical" in msg  # lists the built-in profiles


def test_missing_profile_file():
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile("/nonexistent/dir/p.toml")


def test_from_toml_full_example():
    prof = Profile.from_toml(
        """
        [profile]
        name = "full"
        kind = "measurements"
        [columns]
        timestamp = ["Datum", "Date"]
        value = "Messwert"
        [timestamp]
        format = "%d.%m.%Y %H:%M:%S"
        timezone = "Europe/Berlin"
        time_columns = { timestamp = "Uhrzeit" }
        ambiguous = "infer"
        nonexistent = "shift_forward"
        [values.shift]
        "Früh" = "early"
        [units]
        default = "mm"
        canonical = { runout = "µm" }
        [constants]
        site = "PLANT-N"
        [csv]
        delimiter = ";"
        decimal = ","
        thousands = "."
        encoding = "cp1252"
        [excel]
        sheet = "Messdaten"
        """
    )
    assert prof.columns == {"timestamp": ("Datum", "Date"), "value": ("Messwert",)}
    assert prof.timestamp_formats == ("%d.%m.%Y %H:%M:%S",)
    assert prof.time_columns == {"timestamp": ("Uhrzeit",)}
    assert (prof.ambiguous, prof.nonexistent) == ("infer", "shift_forward")
    assert prof.values == {"shift": {"Früh": "early"}}
    assert prof.default_unit == "mm"
    assert prof.canonical_units == {"runout": "µm"}
    assert prof.constants == {"site": "PLANT-N"}
    assert prof.excel_sheet == "Messdaten"
    assert prof.source == "<string>"


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[profile\nname = 'x'", "invalid TOML"),
        ("[colums]\nvalue = ['x']", "unknown table [colums]; did you mean 'columns'"),
        ("[timestamp]\nformt = '%Y'", "unknown key [timestamp] formt; did you mean 'format'"),
        ("[csv]\ndelimeter = ';'", "unknown key [csv] delimeter; did you mean 'delimiter'"),
        ("[units]\ndefualt = 'mm'", "unknown key [units] defualt"),
        (
            "[profile]\nkind = 'measurement'",
            "unknown table kind 'measurement'; did you mean 'measurements'",
        ),
        (
            "[timestamp]\ntimezone = 'Europe/Berln'",
            "timezone 'Europe/Berln' is not an IANA time zone",
        ),
        ("[timestamp]\ntimezone = 'CEST+2'", "timezone 'CEST+2'"),
        ("[timestamp]\nambiguous = 'first'", "[timestamp] ambiguous = 'first'"),
        ("[timestamp]\nnonexistent = 'skip'", "[timestamp] nonexistent = 'skip'"),
        ("[columns]\nvalu = ['Wert']", "'valu' is not a canonical column; did you mean 'value'"),
        ("[columns]\nvalue = 3", "[columns] value must be a list of header names"),
        ("[values]\nshift = 'x'", "[values.shift] must be a table"),
        ("[constants]\nsitee = 'x'", "'sitee' is not a canonical column"),
        ("[units]\ndefault = 'mmm'", "[units] unknown unit 'mmm'"),
        ("[units]\ncanonical = { runout = 'parsec' }", "unknown unit 'parsec'"),
        ("[csv]\ndecimal = ';'", "[csv] decimal must be '.' or ','"),
        ("profile = 3", "[profile] must be a table"),
        (
            "[profile]\nkind = 'specs'\n[columns]\ntimestamp = ['t']",
            "'timestamp' is not a canonical column",
        ),
    ],
)
def test_invalid_profiles_name_the_key(toml, needle):
    with pytest.raises(ProfileError) as exc:
        Profile.from_toml(toml, source="bad.toml")
    assert needle in str(exc.value)
    assert "bad.toml" in str(exc.value) or "kind" in needle


def test_invalid_profile_file_via_read_export(w, profile_file):
    prof = profile_file("[timestamp]\nformt = '%Y'\n")
    with pytest.raises(ProfileError, match="formt"):
        read_export(
            w("x.csv", "timestamp,characteristic,value\n"), kind="measurements", profile=prof
        )


def test_profile_for_another_kind_is_rejected(w):
    path = w("x.csv", "timestamp,characteristic,value\n2026-03-01T00:00,a,1\n")
    with pytest.raises(ProfileError, match="is for defects tables, not measurements"):
        read_export(path, kind="measurements", profile="mes-jsonl")


def test_unknown_kind_in_read_export(w):
    path = w("x.csv", "timestamp,characteristic,value\n2026-03-01T00:00,a,1\n")
    with pytest.raises(ProfileError, match="did you mean 'defects'"):
        read_export(path, kind="defect")


def test_unmapped_required_columns_are_listed_with_the_headers_found(w, profile_file):
    prof = profile_file(
        '[profile]\nname = "half"\nkind = "measurements"\n'
        '[columns]\ntimestamp = ["Datum"]\ncharacteristic = ["Merkmal"]\n'
    )
    path = w("x.csv", "Datum;Merkmal;Wert;Einheit\n01.03.2026;d;1,5;mm\n")
    with pytest.raises(ProfileError) as exc:
        read_export(path, kind="measurements", profile=prof)
    msg = str(exc.value)
    assert "does not map the required column(s) value" in msg
    assert "'Datum', 'Merkmal', 'Wert', 'Einheit'" in msg
    assert "row 1" in msg
    assert 'value = ["<header>"]' in msg


def test_no_header_matches_lists_required_columns_and_headers(w):
    path = w("x.csv", "foo,bar,baz\n1,2,3\n")
    with pytest.raises(ProfileError) as exc:
        read_export(path, kind="measurements")
    msg = str(exc.value)
    assert "x.csv" in msg
    assert "Required columns: timestamp, characteristic, value" in msg
    assert "Headers found: (row 1) 'foo', 'bar', 'baz'" in msg


def test_header_aliases_are_matched_loosely(w):
    # case, accents, unit suffix and surrounding space are ignored
    text = "  MESSDATUM ;uhrzeit;Prüfmerkmal;Messwert [mm];EINHEIT\n01.03.2026;08:00:00;d;1,5;mm\n"
    res = read_export(w("x.csv", text), kind="measurements")
    assert res.source.profile == "gauge-de"
    m = res.source.mapping
    assert m["timestamp"].strip().startswith("MESSDATUM") and m["timestamp"].endswith("+ uhrzeit")
    assert (m["characteristic"], m["value"], m["unit"]) == (
        "Prüfmerkmal",
        "Messwert [mm]",
        "EINHEIT",
    )
    assert res.data["value"].tolist() == [1.5]
    assert res.data["timestamp"].tolist() == [pd.Timestamp("2026-03-01 07:00", tz="UTC")]


@pytest.mark.parametrize(
    ("header", "norm"),
    [
        ("  Run Time (min) ", "run time"),
        ("Prüfer", "prufer"),
        ("Maß", "mass"),
        ("Part_No.", "part no"),
    ],
)
def test_normalize_header(header, norm):
    assert normalize_header(header) == norm


def test_value_maps_constants_and_time_columns(w, profile_file):
    prof = profile_file(
        """
        [profile]
        name = "werk"
        kind = "measurements"
        [columns]
        timestamp = ["Datum"]
        characteristic = ["Merkmal"]
        value = ["Wert"]
        shift = ["Schicht"]
        [timestamp]
        format = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y"]
        timezone = "Europe/Berlin"
        time_columns = { timestamp = ["Uhrzeit"] }
        [values.shift]
        "Früh" = "early"
        "Spät" = "late"
        [constants]
        site = "PLANT-N"
        line = "L9"
        unit = "mm"
        """
    )
    text = (
        "Datum;Uhrzeit;Merkmal;Wert;Schicht;Linie\n"
        "01.07.2026;06:30:00;d;1,5;Früh;L1\n"
        "01.07.2026;14:30:00;d;2,5;SPÄT;L1\n"
        "01.07.2026;22:30:00;d;3,5;Nacht;L1\n"
        "01.07.2026;;d;4,5;früh;L1\n"  # no time: the date alone
        "01.07.2026;25:00:00;d;5,5;früh;L1\n"  # bad time
    )
    res = read_export(w("x.csv", text), kind="measurements", profile=prof)
    d = res.data
    assert res.source.mapping["timestamp"] == "Datum + Uhrzeit"
    assert res.source.mapping["site"] == "constant 'PLANT-N'"
    assert res.source.unmapped == ["Linie"]
    assert d["shift"].tolist() == ["early", "late", "Nacht", "early"]
    assert d["site"].tolist() == ["PLANT-N"] * 4
    assert d["line"].tolist() == ["L9"] * 4
    assert d["timestamp"].tolist() == [
        pd.Timestamp("2026-07-01 04:30", tz="UTC"),
        pd.Timestamp("2026-07-01 12:30", tz="UTC"),
        pd.Timestamp("2026-07-01 20:30", tz="UTC"),
        pd.Timestamp("2026-06-30 22:00", tz="UTC"),
    ]
    q = res.quarantine
    assert q["source_row"].tolist() == [6]
    assert q["reason_code"].tolist() == ["unparseable_timestamp"]
    assert q["value"].tolist() == ["01.07.2026 25:00:00"]


def test_constant_satisfies_a_required_column(w, profile_file):
    prof = profile_file(
        '[profile]\nname = "k"\nkind = "measurements"\n[constants]\ncharacteristic = "bore"\n'
    )
    res = read_export(
        w("x.csv", "timestamp,value\n2026-03-01T00:00,1\n"), kind="measurements", profile=prof
    )
    assert res.data["characteristic"].tolist() == ["bore"]


def test_best_fitting_builtin_profile_is_chosen(w):
    text = (
        "Shift Start,Shift End,Line,Total Count,Good Count\n"
        '2026-03-02 06:00,2026-03-02 14:00,L1,"1,200","1,100"\n'
    )
    res = read_export(w("p.csv", text), kind="production")
    assert res.source.profile == "erp-shift-log"
    assert res.data["total_count"].tolist() == [1200]
    assert res.data["good_count"].tolist() == [1100]
