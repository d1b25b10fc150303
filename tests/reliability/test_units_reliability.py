"""One characteristic, one unit: units in a dataset do not depend on the ingest order."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leankit.io import Dataset, _dataset, ingest, read_export, read_table

SPECS = "characteristic,product,lsl,usl,target,unit\nrunout,HX,,40,,µm\nbore,HX,24.9,25.1,25,mm\n"
M1 = (
    "timestamp,characteristic,value,unit\n"
    "2026-03-01T08:00Z,runout,0.0125,mm\n"
    "2026-03-01T08:01Z,runout,13,µm\n"
    "2026-03-01T08:02Z,bore,25.01,mm\n"
    "2026-03-01T08:03Z,bore,25003.1,um\n"
)
M2 = (
    "timestamp,characteristic,value,unit\n"
    "2026-03-02T08:00Z,runout,12.3,µm\n"
    "2026-03-02T08:01Z,runout,0.0007,in\n"
    "2026-03-02T08:02Z,bore,0.98437,in\n"
    "2026-03-02T08:03Z,flatness,3.1,µm\n"
)
M3 = (
    "timestamp,characteristic,value,unit\n"
    "2026-03-03T08:00Z,flatness,0.0029,mm\n"
    "2026-03-03T08:01Z,bore,2.5002,cm\n"
    "2026-03-03T08:02Z,weight,1.2,kg\n"
    "2026-03-03T08:03Z,weight,1180,g\n"
)
FILES = {"specs.csv": ("specs", SPECS), "m1.csv": ("measurements", M1),
         "m2.csv": ("measurements", M2), "m3.csv": ("measurements", M3)}  # fmt: skip


def sorted_table(out: Path, kind: str, quarantine: bool = False) -> pd.DataFrame:
    t = read_table(out, kind, quarantine=quarantine)
    return t.sort_values(["source_file", "source_row"]).reset_index(drop=True)


def load_in_order(folder: Path, order: list[str]) -> Path:
    out = folder / "ds"
    folder.mkdir(parents=True, exist_ok=True)
    for name in order:
        kind, text = FILES[name]
        path = folder / name
        path.write_text(text, "utf-8")
        ingest(path, kind=kind, out=out)
    return out


# ---------------------------------------------------------------- one dimension


def test_mass_row_of_a_length_characteristic_is_quarantined_in_one_file(w):
    text = (
        "timestamp,characteristic,value,unit\n"
        "2026-03-01T08:00Z,bore,25.01,mm\n"
        "2026-03-01T08:01Z,bore,25.3,kg\n"
        "2026-03-01T08:02Z,bore,25003,µm\n"
        "2026-03-01T08:03Z,weight,3,kg\n"
    )
    res = read_export(w("m.csv", text), kind="measurements", profile="canonical")
    assert res.data["unit"].tolist() == ["mm", "mm", "g"]
    assert res.data["characteristic"].tolist() == ["bore", "bore", "weight"]
    q = res.quarantine
    assert q["source_row"].tolist() == [3]
    assert q["reason_code"].tolist() == ["unit_mismatch"]
    assert "bore" in q["reason"][0] and "mm" in q["reason"][0] and "kg" in q["reason"][0]


def test_the_first_unit_of_a_characteristic_fixes_its_dimension(w):
    text = (
        "timestamp,characteristic,value,unit\n"
        "2026-03-01T08:00Z,bore,2,kg\n"
        "2026-03-01T08:01Z,bore,25.01,mm\n"
    )
    res = read_export(w("m.csv", text), kind="measurements", profile="canonical")
    assert res.data["unit"].tolist() == ["g"]
    assert res.quarantine["reason_code"].tolist() == ["unit_mismatch"]


def test_unit_mismatch_across_files_of_a_dataset(w, tmp_path):
    out = tmp_path / "ds"
    ingest(w("a.csv", "timestamp,characteristic,value,unit\n2026-03-01T08:00Z,bore,25,mm\n"),
           kind="measurements", out=out)  # fmt: skip
    b = (
        "timestamp,characteristic,value,unit\n"
        "2026-03-02T08:00Z,bore,25,kg\n"
        "2026-03-02T08:01Z,bore,25010,µm\n"
    )
    rep = ingest(w("b.csv", b), kind="measurements", out=out)
    assert rep.files[0].accounting.reasons == {"unit_mismatch": 1}
    t = read_table(out, "measurements")
    assert t["unit"].tolist() == ["mm", "mm"]
    assert t["value"].tolist() == [25.0, pytest.approx(25.01)]


def test_specs_with_an_unknown_or_mismatched_unit_are_quarantined(w, tmp_path):
    out = tmp_path / "ds"
    ingest(w("m.csv", "timestamp,characteristic,value,unit\n2026-03-01T08:00Z,bore,25,mm\n"),
           kind="measurements", out=out)  # fmt: skip
    specs = (
        "characteristic,product,lsl,usl,target,unit\n"
        "bore,HX,24.9,25.1,25,kg\n"
        "runout,HX,,40,,mmm\n"
        "flatness,HX,,5,,um\n"
    )
    rep = ingest(w("s.csv", specs), kind="specs", out=out)
    assert rep.files[0].accounting.reasons == {"unit_mismatch": 1, "unknown_unit": 1}
    s = read_table(out, "specs")
    assert s["characteristic"].tolist() == ["flatness"]
    assert s["unit"].tolist() == ["µm"]


# ---------------------------------------------------------------- one unit, any order


def test_runout_is_in_the_specs_unit_whether_specs_come_first_or_last(tmp_path):
    first = load_in_order(tmp_path / "a", ["specs.csv", "m1.csv"])
    last = load_in_order(tmp_path / "b", ["m1.csv", "specs.csv"])
    for out in (first, last):
        t = sorted_table(out, "measurements")
        runout = t[t.characteristic == "runout"]
        assert runout["unit"].tolist() == ["µm", "µm"]
        assert runout["value"].tolist() == [pytest.approx(12.5), 13.0]
        assert set(t.loc[t.characteristic == "bore", "unit"]) == {"mm"}
        assert Dataset(out).canonical_units() == {"runout": "µm", "bore": "mm"}
    pd.testing.assert_frame_equal(sorted_table(first, "measurements"),
                                  sorted_table(last, "measurements"), check_exact=True)  # fmt: skip
    pd.testing.assert_frame_equal(sorted_table(first, "specs"), sorted_table(last, "specs"),
                                  check_exact=True)  # fmt: skip


ORDERS = list(itertools.permutations(FILES))


@settings(max_examples=8)
@given(st.sampled_from(ORDERS))
def test_any_ingest_order_gives_identical_tables(order):
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        ref = load_in_order(Path(a), sorted(FILES))
        got = load_in_order(Path(b), list(order))
        for kind, quarantine in (("measurements", False), ("specs", False),
                                 ("measurements", True)):  # fmt: skip
            expected = sorted_table(ref, kind, quarantine)
            actual = sorted_table(got, kind, quarantine)
            pd.testing.assert_frame_equal(expected, actual, check_exact=True)
        t = sorted_table(got, "measurements")
        units = t.groupby("characteristic")["unit"].agg(set).to_dict()
        assert units == {"bore": {"mm"}, "flatness": {"mm"}, "runout": {"µm"}, "weight": {"g"}}


def test_values_in_the_canonical_unit_are_read_back_exactly(tmp_path):
    """A value given in its characteristic's unit is never converted there and back."""
    out = load_in_order(tmp_path, ["m2.csv", "specs.csv"])
    t = sorted_table(out, "measurements")
    assert t.loc[0, "value"] == 12.3 and t.loc[0, "unit"] == "µm"


def test_specs_in_two_units_for_one_characteristic_are_read_in_one(w, tmp_path):
    out = tmp_path / "ds"
    ingest(w("s1.csv", "characteristic,product,lsl,usl,target,unit\nrunout,HX,,40,,µm\n"),
           kind="specs", out=out)  # fmt: skip
    ingest(w("s2.csv", "characteristic,product,lsl,usl,target,unit\nrunout,HY,,0.05,,mm\n"
                       "runout,HZ,,30,,µm\n"), kind="specs", out=out)  # fmt: skip
    s = read_table(out, "specs").sort_values("product")
    assert s["unit"].tolist() == ["µm", "µm", "µm"]
    assert s["usl"].tolist() == [40.0, pytest.approx(50.0), 30.0]


def test_profile_canonical_unit_is_the_dataset_unit_without_specs(w, tmp_path, profile_file):
    prof = profile_file('[profile]\nname = "pu"\n[units]\ncanonical = { runout = "µm" }\n')
    out = tmp_path / "ds"
    text = "timestamp,characteristic,value,unit\n2026-03-01T08:00Z,runout,0.0125,mm\n"
    ingest(w("a.csv", text), kind="measurements", out=out, profile=prof)
    ingest(w("b.csv", text.replace("08:00Z", "09:00Z")), kind="measurements", out=out)
    t = sorted_table(out, "measurements")
    assert t["unit"].tolist() == ["µm", "µm"]
    assert t["value"].tolist() == [pytest.approx(12.5)] * 2


# ---------------------------------------------------------------- datasets of older versions


def test_dataset_without_unit_records_is_still_normalised_and_checked(w, tmp_path):
    out = load_in_order(tmp_path, ["m1.csv", "specs.csv"])
    manifest = out / "manifest.json"
    doc = json.loads(manifest.read_text("utf-8"))
    for entry in doc["files"]:
        entry.pop("units", None)
    manifest.write_text(json.dumps(doc), "utf-8")
    t = sorted_table(out, "measurements")
    assert set(t.loc[t.characteristic == "runout", "unit"]) == {"µm"}
    rep = ingest(w("c.csv", "timestamp,characteristic,value,unit\n2026-03-05T08:00Z,bore,3,kg\n"),
                 kind="measurements", out=out)  # fmt: skip
    assert rep.files[0].accounting.reasons == {"incompatible_unit": 1}


# ---------------------------------------------------------------- units and concurrency


def test_a_conflicting_dimension_committed_meanwhile_is_caught(w, tmp_path, monkeypatch):
    """File b (bore in kg) is staged while file a (bore in mm) commits first: b is loaded
    again against the new state of the dataset, so bore never has two dimensions."""
    out = tmp_path / "ds"
    a = w("a.csv", "timestamp,characteristic,value,unit\n2026-03-01T08:00Z,bore,25,mm\n")
    b = w("b.csv", "timestamp,characteristic,value,unit\n2026-03-02T08:00Z,bore,2,kg\n")
    real = _dataset.Dataset._locked
    calls: list[int] = []

    def locked(self, *args, **kwargs):
        if not calls:
            calls.append(1)
            ingest(a, kind="measurements", out=out)  # commits in between
        return real(self, *args, **kwargs)

    monkeypatch.setattr(_dataset.Dataset, "_locked", locked)
    rep = ingest(b, kind="measurements", out=out)
    assert rep.files[0].accounting.reasons == {"unit_mismatch": 1}
    t = read_table(out, "measurements")
    assert t["unit"].tolist() == ["mm"]


def test_same_file_committed_meanwhile_is_already_loaded(w, tmp_path, monkeypatch):
    out = tmp_path / "ds"
    a = w("a.csv", "timestamp,characteristic,value,unit\n2026-03-01T08:00Z,bore,25,mm\n")
    real = _dataset.Dataset._locked
    calls: list[int] = []

    def locked(self, *args, **kwargs):
        if not calls:
            calls.append(1)
            ingest(a, kind="measurements", out=out)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(_dataset.Dataset, "_locked", locked)
    rep = ingest(a, kind="measurements", out=out)
    assert rep.files[0].status == "already loaded"
    assert len(read_table(out, "measurements")) == 1
    assert [p.name for p in out.rglob("*.tmp")] == []


def test_legacy_rows_of_another_kind_of_unit_are_returned_with_a_warning(w, tmp_path):
    """Datasets written before units were checked may hold bore in g beside bore in mm:
    read_table cannot convert those rows, says so, and returns them as they are."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from leankit.errors import DataQualityWarning

    out = tmp_path / "ds"
    ingest(w("a.csv", "timestamp,characteristic,value,unit\n2026-03-01T08:00Z,bore,25,mm\n"),
           kind="measurements", out=out)  # fmt: skip
    ingest(w("b.csv", "timestamp,characteristic,value,unit\n2026-03-01T09:00Z,weight,2,kg\n"),
           kind="measurements", out=out)  # fmt: skip
    doc = json.loads((out / "manifest.json").read_text("utf-8"))
    part = out / doc["files"][1]["part"]
    t = pq.read_table(part)
    t = t.set_column(t.schema.get_field_index("characteristic"), "characteristic",
                     pa.array(["bore"]))  # fmt: skip
    pq.write_table(t, part)
    for entry in doc["files"]:
        del entry["units"]
    (out / "manifest.json").write_text(json.dumps(doc), "utf-8")
    with pytest.warns(DataQualityWarning, match="1 row of bore in kg .*mm"):
        table = sorted_table(out, "measurements")
    assert table["unit"].tolist() == ["mm", "kg"]
    assert table["value"].tolist() == [25.0, 2.0]
