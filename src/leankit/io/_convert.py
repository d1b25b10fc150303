"""Convert raw text batches into canonical rows, and everything else into quarantine.

:func:`convert` is pure and runs in worker threads; :class:`Finalizer` runs in file
order (it resolves DST overlaps by the "infer" policy, and fixes each characteristic's
kind of unit by its first row, both of which need the order) and assembles the
canonical table and the quarantine entries of a batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leankit import schema as _schema
from leankit import units as _units
from leankit.io import _parse
from leankit.io._mapping import Mapping
from leankit.io._readers import Problem, RawBatch, Skip

#: Unit a characteristic's values are converted to when neither the profile nor a
#: specs table declares one, by physical dimension.
DEFAULT_UNITS = {
    "length": "mm",
    "mass": "g",
    "time": "s",
    "force": "N",
    "torque": "N m",
    "pressure": "bar",
    "temperature": "°C",
    "ratio": "%",
}

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string()),
        pa.field("source_row", pa.int64()),
        pa.field("reason_code", pa.string()),
        pa.field("column", pa.string()),
        pa.field("value", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("raw", pa.string()),
    ]
)


@dataclass(slots=True)
class _Failure:
    column: str | None
    code: str
    mask: np.ndarray
    text: pa.Array | None  # the offending source text, per row
    message: str  # may contain {value}


@dataclass(slots=True)
class _Pending:
    """Ambiguous local times awaiting the "infer" policy."""

    column: str
    positions: np.ndarray
    earliest: np.ndarray  # int64 µs UTC
    latest: np.ndarray
    wall: np.ndarray  # int64 µs wall clock
    text: pa.Array


@dataclass(slots=True)
class Converted:
    """Canonical columns of a batch plus the reasons some rows cannot be loaded."""

    batch: RawBatch
    columns: dict[str, pa.Array]
    failures: list[_Failure] = field(default_factory=list)
    pending: list[_Pending] = field(default_factory=list)
    unit_text: pa.Array | None = None  # the unit of each row as written (measurements, specs)
    naive: np.ndarray | None = None  # rows with a timestamp without UTC offset (read as local)


@dataclass(slots=True)
class Options:
    """Per-load settings that are not part of the profile.

    Attributes
    ----------
    canonical_units : dict
        Characteristic -> declared unit (``units=`` of ``read_export``; the dataset's
        specs when ingesting). A row of another kind of unit is ``incompatible_unit``.
    convert_units : bool
        Convert measured values to their characteristic's unit (``read_export``).
        Datasets store each value in the unit it was given in (``False``) and
        convert when the table is read, so the result does not depend on the order
        in which files and specs were loaded.
    dataset_units : dict
        Characteristic -> unit it already has in the dataset; a row of another kind
        of unit is ``unit_mismatch``.
    file_units : dict
        Output: characteristic -> its unit in the dataset, for every characteristic
        loaded from this file (filled in file order by the :class:`Finalizer`).
    """

    source_file: str
    decimal: str = "."
    thousands: str | None = None
    canonical_units: dict[str, str] = field(default_factory=dict)
    convert_units: bool = True
    dataset_units: dict[str, str] = field(default_factory=dict)
    file_units: dict[str, str] = field(default_factory=dict)


def _text(batch: RawBatch, m: Mapping, col: str, nulls: pa.Array) -> pa.Array | None:
    n = batch.table.num_rows
    if col in m.source_index:
        arr = batch.table.column(m.source_index[col]).combine_chunks()
        if col in m.time_index:
            t = batch.table.column(m.time_index[col]).combine_chunks()
            joined = pc.binary_join_element_wise(arr, t, " ")
            arr = pc.if_else(pc.is_null(t), arr, joined)
        arr = pc.utf8_trim_whitespace(arr)
        isnull = pc.is_in(arr, value_set=nulls)
        if pc.any(isnull).as_py():
            arr = pc.if_else(isnull, pa.scalar(None, pa.string()), arr)
        return arr
    if col in m.profile.constants:
        return pa.repeat(pa.scalar(str(m.profile.constants[col])), n)
    return None


def _map_values(arr: pa.Array, mapping: dict[str, str]) -> pa.Array:
    folded = {k.strip().casefold(): v for k, v in mapping.items()}
    enc = pc.dictionary_encode(arr)
    dictionary = enc.dictionary.to_pylist()
    mapped = pa.array([folded.get(v.casefold(), v) for v in dictionary], type=pa.string())
    return pc.take(mapped, enc.indices)


def convert(batch: RawBatch, m: Mapping, opts: Options) -> Converted:
    """Parse, map and check every canonical column of one batch."""
    sch = _schema.get(m.kind)
    prof = m.profile
    n = batch.table.num_rows
    nulls = pa.array(list(prof.null_values), type=pa.string())
    out = Converted(batch, {})
    fails = out.failures
    for c in sch.columns:
        text = _text(batch, m, c.name, nulls)
        if text is None:
            out.columns[c.name] = pa.nulls(n, c.arrow_type)
            continue
        if c.type == "string":
            if c.name in prof.values:
                text = _map_values(text, prof.values[c.name])
            out.columns[c.name] = text
        elif c.type == "float":
            vals, bad = _parse.parse_numbers(text, decimal=opts.decimal, thousands=opts.thousands)
            if bad.any():
                fails.append(
                    _Failure(
                        c.name,
                        "unparseable_number",
                        bad,
                        text,
                        f"{c.name}: {{value!r}} is not a number",
                    )
                )
            if c.unit:
                vals = _convert_column_unit(vals, c, m, prof.column_units.get(c.name))
            if c.nonnegative:
                neg = _parse.mask(pc.less(vals, 0.0))
                if neg.any():
                    fails.append(
                        _Failure(
                            c.name,
                            "negative_value",
                            neg,
                            text,
                            f"{c.name}: {{value!r}} is negative",
                        )
                    )
            out.columns[c.name] = vals
        elif c.type == "count":
            vals, bad, neg = _parse.parse_counts(
                text, decimal=opts.decimal, thousands=opts.thousands
            )
            if bad.any():
                fails.append(
                    _Failure(
                        c.name,
                        "unparseable_count",
                        bad,
                        text,
                        f"{c.name}: {{value!r}} is not a whole number",
                    )
                )
            if neg.any():
                fails.append(
                    _Failure(
                        c.name,
                        "negative_count",
                        neg,
                        text,
                        f"{c.name}: {{value!r}} is a negative count",
                    )
                )
            out.columns[c.name] = vals
        else:
            ts = _parse.parse_timestamps(
                text,
                formats=prof.timestamp_formats,
                timezone=prof.timezone,
                nonexistent=prof.nonexistent,
                ambiguous=prof.ambiguous,
            )
            fmts = " or ".join(prof.timestamp_formats)
            if ts.unparseable.any():
                fails.append(
                    _Failure(
                        c.name,
                        "unparseable_timestamp",
                        ts.unparseable,
                        text,
                        f"{c.name}: {{value!r}} is not a valid date/time (expected {fmts})",
                    )
                )
            if ts.no_zone.any():
                fails.append(
                    _Failure(
                        c.name,
                        "timestamp_without_zone",
                        ts.no_zone,
                        text,
                        f"{c.name}: {{value!r}} has no UTC offset and the "
                        "profile declares no [timestamp] timezone",
                    )
                )
            if ts.gap.any():
                fails.append(
                    _Failure(
                        c.name,
                        "dst_nonexistent_time",
                        ts.gap,
                        text,
                        f"{c.name}: {{value!r}} does not exist in {prof.timezone} "
                        "(clocks skip this hour when daylight saving starts)",
                    )
                )
            if ts.ambiguous.any():
                if prof.ambiguous == "infer":
                    pos = np.flatnonzero(ts.ambiguous)
                    take = pa.array(pos)

                    def ints(a: pa.Array | None, take: pa.Array = take) -> np.ndarray:
                        assert a is not None
                        return np.asarray(
                            pc.cast(a.take(take), pa.int64()).to_numpy(zero_copy_only=False)
                        )

                    out.pending.append(
                        _Pending(
                            c.name, pos, ints(ts.earliest), ints(ts.latest), ints(ts.wall), text
                        )
                    )
                else:
                    fails.append(
                        _Failure(
                            c.name,
                            "dst_ambiguous_time",
                            ts.ambiguous,
                            text,
                            f"{c.name}: {{value!r}} occurs twice in "
                            f"{prof.timezone} (clocks go back); set [timestamp] "
                            "ambiguous to infer, earliest or latest",
                        )
                    )
            if ts.naive is not None and ts.naive.any():
                out.naive = ts.naive if out.naive is None else out.naive | ts.naive
            out.columns[c.name] = ts.values
        if c.required:
            missing = ~_parse.present(text)
            if missing.any():
                fails.append(
                    _Failure(
                        c.name,
                        "missing_value",
                        missing,
                        None,
                        f"{c.name}: required value is missing",
                    )
                )
    if m.kind == "measurements":
        _convert_measurement_units(out, m, opts)
    elif m.kind == "specs":
        _spec_units(out)
    return out


def _convert_column_unit(
    vals: pa.Array, c: _schema.Column, m: Mapping, declared: str | None
) -> pa.Array:
    source = m.header_units.get(c.name) or declared
    if not source or c.unit is None:
        return vals
    scale, offset = _units.factor(source, c.unit)
    if scale == 1.0 and offset == 0.0:
        return vals
    return pc.add(pc.multiply(vals, scale), offset)


def _convert_measurement_units(out: Converted, m: Mapping, opts: Options) -> None:
    """Convert ``value`` to each characteristic's canonical unit."""
    n = out.batch.table.num_rows
    unit_text = out.columns["unit"]
    if "unit" not in m.source_index:
        label = m.header_units.get("value") or m.profile.default_unit
        if m.profile.constants.get("unit"):
            label = str(m.profile.constants["unit"])
        unit_text = pa.repeat(pa.scalar(label, pa.string()), n)
    chars = out.columns["characteristic"]
    u_enc = pc.dictionary_encode(unit_text)
    c_enc = pc.dictionary_encode(chars)
    u_dict = u_enc.dictionary.to_pylist()
    c_dict = c_enc.dictionary.to_pylist()
    u_idx = np.asarray(pc.fill_null(u_enc.indices, -1).to_numpy(zero_copy_only=False), np.int64)
    c_idx = np.asarray(pc.fill_null(c_enc.indices, -1).to_numpy(zero_copy_only=False), np.int64)
    combo = (u_idx + 1) * (len(c_dict) + 1) + (c_idx + 1)
    uniq, inverse = np.unique(combo, return_inverse=True)
    scale = np.ones(len(uniq))
    offset = np.zeros(len(uniq))
    labels: list[str | None] = []
    unknown = np.zeros(len(uniq), dtype=bool)
    incompatible = np.zeros(len(uniq), dtype=bool)
    for k, code in enumerate(uniq):
        ui, ci = divmod(int(code), len(c_dict) + 1)
        ulabel = u_dict[ui - 1] if ui > 0 else None
        char = c_dict[ci - 1] if ci > 0 else None
        if ulabel is None:
            labels.append(None)
            continue
        if not _units.is_known(ulabel):
            unknown[k] = True
            labels.append(None)
            continue
        canon = _units.canonical_label(ulabel)
        target = (
            m.profile.canonical_units.get(char or "")
            or opts.canonical_units.get(char or "")
            or DEFAULT_UNITS.get(_units.dimension(canon), canon)
        )
        if not _units.convertible(canon, target):
            incompatible[k] = True
            labels.append(None)
            continue
        if not opts.convert_units:  # stored as given; converted when the dataset is read
            labels.append(canon)
            continue
        scale[k], offset[k] = _units.factor(canon, target)
        labels.append(_units.canonical_label(target))
    out.unit_text = unit_text
    if not (np.all(scale == 1.0) and np.all(offset == 0.0)):
        vals = out.columns["value"]
        out.columns["value"] = pc.add(
            pc.multiply(vals, pa.array(scale[inverse])), pa.array(offset[inverse])
        )
    if len(set(labels)) == 1:
        out.columns["unit"] = pa.repeat(pa.scalar(labels[0], pa.string()), n)
    else:
        out.columns["unit"] = pc.take(pa.array(labels, pa.string()), pa.array(inverse))
    if unknown.any():
        out.failures.append(
            _Failure(
                "unit",
                "unknown_unit",
                unknown[inverse],
                unit_text,
                "unit: {value!r} is not a known unit (declare it in the profile or fix the export)",
            )
        )
    if incompatible.any():
        bad = incompatible[inverse]
        msg = "unit: {value!r} cannot be converted to the characteristic's unit"
        out.failures.append(_Failure("unit", "incompatible_unit", bad, unit_text, msg))


def _spec_units(out: Converted) -> None:
    """Write spec units in their canonical spelling; an unknown unit is quarantined."""
    text = out.columns["unit"]
    out.unit_text = text
    enc = pc.dictionary_encode(text)
    labels = enc.dictionary.to_pylist()
    known = [lab is not None and _units.is_known(lab) for lab in labels]
    canon = [
        _units.canonical_label(lab) if ok else None for lab, ok in zip(labels, known, strict=True)
    ]
    out.columns["unit"] = pc.take(pa.array(canon, pa.string()), enc.indices)
    unknown = np.array([not ok for ok in known], dtype=bool)
    idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), np.int64)
    bad = np.zeros(len(idx), dtype=bool)
    present = idx >= 0
    bad[present] = unknown[idx[present]]
    if bad.any():
        out.failures.append(
            _Failure(
                "unit",
                "unknown_unit",
                bad,
                text,
                "unit: {value!r} is not a known unit (fix the specs table)",
            )
        )


class Finalizer:
    """Resolves order-dependent policies and assembles canonical and quarantine rows."""

    def __init__(self, m: Mapping, opts: Options) -> None:
        self.m = m
        self.opts = opts
        self.schema = _schema.get(m.kind).arrow_schema()
        self._held: list[Converted] = []
        # characteristic -> (dimension, unit, where that was decided)
        self._dims: dict[str, tuple[str, str, str]] = {
            char: (_units.dimension(unit), _units.canonical_label(unit), "in this dataset")
            for char, unit in opts.dataset_units.items()
            if _units.is_known(unit)
        }

    # ---- one kind of unit per characteristic -------------------------------------------
    # A characteristic measures one quantity. Its kind of unit (length, mass ...) is the
    # one it already has in the dataset, else the one of its first row in this file that
    # is otherwise valid; a row in a unit of another kind is quarantined (unit_mismatch).

    def _unit_for(self, char: str, label: str) -> str:
        """The unit a newly seen characteristic gets in the dataset."""
        for declared in (self.m.profile.canonical_units, self.opts.canonical_units):
            unit = declared.get(char)
            if unit and _units.convertible(unit, label):
                return _units.canonical_label(unit)
        if self.m.kind == "specs":
            return label
        return DEFAULT_UNITS.get(_units.dimension(label), label)

    def _check_dimensions(self, conv: Converted, ok: np.ndarray) -> None:
        chars = conv.columns.get("characteristic")
        labels = conv.columns.get("unit")
        if chars is None or labels is None or not len(ok):
            return
        c_enc = pc.dictionary_encode(chars)
        u_enc = pc.dictionary_encode(labels)
        c_dict = c_enc.dictionary.to_pylist()
        u_dict = u_enc.dictionary.to_pylist()
        ci = np.asarray(pc.fill_null(c_enc.indices, -1).to_numpy(zero_copy_only=False), np.int64)
        ui = np.asarray(pc.fill_null(u_enc.indices, -1).to_numpy(zero_copy_only=False), np.int64)
        valid = (ci >= 0) & (ui >= 0)
        if not valid.any():
            return
        combo = np.where(valid, ui * (len(c_dict) + 1) + ci, -1)
        # each (unit, characteristic) pair once, in file order of its first valid row
        good = np.flatnonzero(valid & ok)
        codes, at = np.unique(combo[good], return_index=True)
        first_ok = {int(code): int(good[k]) for code, k in zip(codes, at, strict=True)}
        order = sorted(first_ok, key=first_ok.__getitem__)
        for code in order:
            u, c = divmod(code, len(c_dict) + 1)
            char, label = c_dict[c], u_dict[u]
            if char not in self._dims:
                line = int(conv.batch.source_row[first_ok[code]])
                unit = self._unit_for(char, label)
                self._dims[char] = (_units.dimension(label), unit, f"its first row, line {line}")
        for code in order:
            char = c_dict[code % (len(c_dict) + 1)]
            if char in self._dims:
                self.opts.file_units.setdefault(char, self._dims[char][1])
        bad_by_char: dict[str, list[int]] = {}
        for code in np.unique(combo[valid]):
            u, c = divmod(int(code), len(c_dict) + 1)
            char, label = c_dict[c], u_dict[u]
            fixed = self._dims.get(char)
            if fixed is not None and _units.dimension(label) != fixed[0]:
                bad_by_char.setdefault(char, []).append(int(code))
        for char, bad_codes in bad_by_char.items():
            dim, unit, origin = self._dims[char]
            mask = np.isin(combo, bad_codes)
            text = conv.unit_text if conv.unit_text is not None else labels
            conv.failures.append(
                _Failure(
                    "unit",
                    "unit_mismatch",
                    mask,
                    text,
                    f"unit: {{value!r}} is not a unit of {dim}: {char} is a {dim} measured "
                    f"in {unit} ({origin}), and one characteristic has one kind of unit; "
                    "fix the unit or the characteristic name",
                )
            )

    # ---- DST overlap, policy "infer" -------------------------------------------------
    # Rows whose local time falls in the repeated autumn hour are held back until the
    # data have moved past that hour ("the window is closed"); then, in file order, the
    # first backward step of the wall clock marks the start of the second pass (standard
    # time). A window without a backward step cannot be resolved from the file: its
    # rows are quarantined (as pandas' ambiguous="infer" refuses them).

    @staticmethod
    def _window(p: _Pending, k: int) -> tuple[str, int]:
        return (p.column, int(p.latest[k] // (6 * 3_600_000_000)))

    def _open(self, conv: Converted) -> bool:
        """True if an overlap window of the held batches may continue in the next batch."""
        for p in conv.pending:
            if not len(p.positions):
                continue
            after = _parse.present(conv.columns[p.column])
            after[: int(p.positions[-1]) + 1] = False
            if not after.any():
                return True
        return False

    def _resolve_infer(self) -> None:
        rows: dict[tuple[str, int], list[tuple[Converted, _Pending, int]]] = {}
        for conv in self._held:
            for p in conv.pending:
                for k in range(len(p.positions)):
                    rows.setdefault(self._window(p, k), []).append((conv, p, k))
        chosen: dict[int, dict[str, dict[int, int | None]]] = {}
        for members in rows.values():
            walls = [p.wall[k] for _, p, k in members]
            jump = next((j for j in range(1, len(walls)) if walls[j] < walls[j - 1]), None)
            for j, (conv, p, k) in enumerate(members):
                value: int | None
                if jump is None:
                    value = None
                else:
                    value = int(p.earliest[k] if j < jump else p.latest[k])
                chosen.setdefault(id(conv), {}).setdefault(p.column, {})[int(p.positions[k])] = (
                    value
                )
        for conv in self._held:
            for p in conv.pending:
                picks = chosen.get(id(conv), {}).get(p.column, {})
                col = conv.columns[p.column]
                vals = np.asarray(pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False)).copy()
                valid = _parse.present(col)
                unresolved = np.zeros(len(valid), dtype=bool)
                for pos, value in picks.items():
                    if value is None:
                        unresolved[pos] = True
                    else:
                        vals[pos] = value
                        valid[pos] = True
                conv.columns[p.column] = pa.array(vals, type=pa.int64(), mask=~valid).cast(
                    _parse.TS
                )
                if unresolved.any():
                    conv.failures.append(
                        _Failure(
                            p.column,
                            "dst_ambiguous_time",
                            unresolved,
                            p.text,
                            f"{p.column}: {{value!r}} occurs twice in {self.m.profile.timezone} "
                            "(clocks go back) and the file never shows the clock going back, so "
                            "which pass it is cannot be inferred; set [timestamp] ambiguous to "
                            "earliest or latest",
                        )
                    )
            conv.pending = []

    def push(self, conv: Converted) -> list[tuple[Converted, pa.Table, pa.Table, list[Skip]]]:
        """Add a converted batch (in file order); return the batches that are final now."""
        self._held.append(conv)
        if self._open(conv):
            return []
        return self.flush()

    def flush(self) -> list[tuple[Converted, pa.Table, pa.Table, list[Skip]]]:
        """Finalise every held batch (at the end of the file)."""
        self._resolve_infer()
        held, self._held = self._held, []
        return [(c, *self.finalize(c)) for c in held]

    def finalize(self, conv: Converted) -> tuple[pa.Table, pa.Table, list[Skip]]:
        """Return (canonical rows, quarantine rows, skipped lines) of one batch."""
        batch = conv.batch
        n = batch.table.num_rows
        table = pa.table(conv.columns)
        sch = _schema.get(self.m.kind)
        for check in sch.checks:
            provided = set(self.m.source_index) | set(self.m.profile.constants)
            if all(any(c in provided for c in spec.split("|")) for spec in check.columns):
                bad = _parse.mask(check.violated(table))
                if bad.any():
                    conv.failures.append(
                        _Failure(
                            check.columns[0].split("|")[0], check.code, bad, None, check.message
                        )
                    )
        if self.m.kind in ("measurements", "specs"):
            ok = np.ones(n, dtype=bool)
            for f in conv.failures:
                ok &= ~f.mask
            self._check_dimensions(conv, ok)
        any_bad = np.zeros(n, dtype=bool)
        for f in conv.failures:
            any_bad |= f.mask
        skipped = list(batch.skipped)
        quarantine_rows: list[dict[str, Any]] = []
        if any_bad.any():
            pos = np.flatnonzero(any_bad)
            raws = batch.raw_text(pos)
            sub = batch.table.take(pa.array(pos))
            empty = np.ones(len(pos), dtype=bool)
            for col in sub.columns:
                empty &= _parse.mask(pc.is_null(col.combine_chunks()))
            texts = {
                id(f): (f.text.take(pa.array(pos)).to_pylist() if f.text is not None else None)
                for f in conv.failures
            }
            for k, at in enumerate(pos):
                row_no = int(batch.source_row[at])
                if empty[k]:
                    skipped.append(Skip(row_no, "blank_line", raws[k]))
                    continue
                reasons = []
                first: tuple[str, str | None, str | None] | None = None
                for f in conv.failures:
                    if f.mask[at]:
                        ftexts = texts[id(f)]
                        value = ftexts[k] if ftexts is not None else None
                        reasons.append(f.message.format(value=value))
                        if first is None:
                            first = (f.code, f.column, value)
                assert first is not None
                quarantine_rows.append(
                    {
                        "source_file": self.opts.source_file,
                        "source_row": row_no,
                        "reason_code": first[0],
                        "column": first[1],
                        "value": first[2],
                        "reason": "; ".join(reasons),
                        "raw": raws[k],
                    }
                )
        for prob in batch.problems:
            quarantine_rows.append(_problem_row(prob, self.opts.source_file))
        quarantine_rows.sort(key=lambda r: r["source_row"])
        skipped.sort(key=lambda s: s.source_row)
        good = ~any_bad
        if not good.all():
            table = table.filter(pa.array(good))
        rows = batch.source_row[good]
        table = table.append_column(
            "source_file", pa.repeat(pa.scalar(self.opts.source_file), len(rows))
        )
        table = table.append_column("source_row", pa.array(rows, type=pa.int64()))
        table = table.cast(self.schema)
        quarantine = pa.Table.from_pylist(quarantine_rows, schema=QUARANTINE_SCHEMA)
        return table, quarantine, skipped


def _problem_row(prob: Problem, source_file: str) -> dict[str, Any]:
    return {
        "source_file": source_file,
        "source_row": prob.source_row,
        "reason_code": prob.code,
        "column": None,
        "value": None,
        "reason": prob.message,
        "raw": prob.raw,
    }
