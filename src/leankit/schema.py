"""Canonical tables: the Arrow schemas every leankit analysis reads.

Four tables are defined: ``measurements``, ``defects``, ``production`` and ``specs``.
Each column has an Arrow type, a flag saying whether it is required, and for
physical quantities a canonical unit. Timestamps are ``timestamp[us, tz=UTC]``.
Loaded tables also carry lineage columns (``source_file``, ``source_row``) so every
value can be traced back to the line of the export it came from.

The schema version is written into the Parquet metadata under ``leankit.schema_version``
(with ``leankit.kind``), and checked when a table is read back.

Examples
--------
>>> from leankit import schema
>>> schema.get("measurements").required
('timestamp', 'characteristic', 'value')
>>> schema.get("production").column("planned_time").unit
'min'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from leankit.errors import ProfileError, SchemaError, suggest

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "TIMESTAMP",
    "Column",
    "RowCheck",
    "TableSchema",
    "arrow_schema",
    "get",
    "schema_metadata",
]

#: Version of the canonical schemas; bumped on any incompatible change.
SCHEMA_VERSION = "1.0"

Kind = Literal["measurements", "defects", "production", "specs"]
KINDS: tuple[str, ...] = ("measurements", "defects", "production", "specs")

TIMESTAMP = pa.timestamp("us", tz="UTC")

ColumnType = Literal["string", "float", "count", "timestamp"]
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "float": pa.float64(),
    "count": pa.int64(),
    "timestamp": TIMESTAMP,
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a canonical table.

    Attributes
    ----------
    name : str
        Canonical (snake_case) column name.
    type : {"string", "float", "count", "timestamp"}
        Logical type: ``count`` is a non-negative integer (int64), ``float`` is
        float64, ``timestamp`` is UTC with microsecond resolution.
    required : bool
        A row without a value in a required column is quarantined.
    unit : str or None
        Canonical unit of a physical quantity (values are converted to it).
    description : str
        What the column holds.
    nonnegative : bool
        Negative values are quarantined (always true for ``count`` columns).
    """

    name: str
    type: ColumnType
    required: bool = False
    unit: str | None = None
    description: str = ""
    nonnegative: bool = False

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow data type of the column."""
        return _ARROW_TYPES[self.type]


@dataclass(frozen=True, slots=True)
class RowCheck:
    """A rule that involves several columns of one row.

    ``violated(table)`` returns a boolean array, true where the row breaks the rule;
    such rows are quarantined with reason code ``code`` and the text ``message``. The
    check runs when the export provides every entry of ``columns`` (``"a|b"``: at least
    one of them); missing optional parts count as 0 or are ignored.
    """

    code: str
    message: str
    columns: tuple[str, ...]
    violated: Callable[[pa.Table], pa.Array]


@dataclass(frozen=True, slots=True)
class TableSchema:
    """The canonical schema of one table kind."""

    kind: str
    columns: tuple[Column, ...]
    checks: tuple[RowCheck, ...] = field(default=())
    description: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical column names, in schema order (without lineage)."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns."""
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """Return the column called *name*.

        Raises
        ------
        SchemaError
            If the schema has no such column.
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise SchemaError(
            f"the {self.kind} table has no column {name!r}{suggest(name, self.names)} "
            f"Its columns are: {', '.join(self.names)}"
        )

    def arrow_schema(self, *, lineage: bool = True) -> pa.Schema:
        """The Arrow schema, with the schema version in its metadata.

        Parameters
        ----------
        lineage : bool, default True
            Append the ``source_file`` and ``source_row`` lineage columns.
        """
        fields = [pa.field(c.name, c.arrow_type, nullable=not c.required) for c in self.columns]
        if lineage:
            fields += [
                pa.field("source_file", pa.string(), nullable=False),
                pa.field("source_row", pa.int64(), nullable=False),
            ]
        return pa.schema(fields, metadata=schema_metadata(self.kind))


def schema_metadata(kind: str) -> dict[bytes, bytes]:
    """Parquet/Arrow key-value metadata identifying a canonical table."""
    return {
        b"leankit.kind": kind.encode(),
        b"leankit.schema_version": SCHEMA_VERSION.encode(),
    }


def _lt(a: str, b: str) -> Callable[[pa.Table], pa.Array]:
    """Violation when column *a* is greater than column *b* (both present)."""

    def violated(t: pa.Table) -> pa.Array:
        return pc.fill_null(pc.greater(t[a], t[b]), False)

    return violated


def _end_after_start(t: pa.Table) -> pa.Array:
    return pc.fill_null(pc.less_equal(t["period_end"], t["period_start"]), False)


def _lsl_below_usl(t: pa.Table) -> pa.Array:
    return pc.fill_null(pc.greater_equal(t["lsl"], t["usl"]), False)


def _parts_exceed_total(t: pa.Table) -> pa.Array:
    parts = pc.add(
        pc.add(pc.fill_null(t["good_count"], 0), pc.fill_null(t["scrap_count"], 0)),
        pc.fill_null(t["rework_count"], 0),
    )
    return pc.fill_null(pc.greater(parts, t["total_count"]), False)


def _run_exceeds_planned(t: pa.Table) -> pa.Array:
    return pc.fill_null(pc.greater(t["run_time"], t["planned_time"]), False)


_LINEAGE_DOC = "Lineage columns source_file and source_row are added on load."

_MEASUREMENTS = TableSchema(
    kind="measurements",
    description="One row per measured value. " + _LINEAGE_DOC,
    columns=(
        Column("timestamp", "timestamp", True, description="When the part was measured (UTC)."),
        Column("site", "string", description="Plant or site."),
        Column("line", "string", description="Production line."),
        Column("machine", "string", description="Machine, station or cavity."),
        Column("shift", "string", description="Shift name (after value mapping)."),
        Column("product", "string", description="Product or part number."),
        Column("characteristic", "string", True, description="Measured characteristic."),
        Column("value", "float", True, description="Measured value, in `unit`."),
        Column("unit", "string", description="Unit of `value` (the characteristic's unit)."),
        Column("subgroup", "string", description="Rational subgroup (sample) identifier."),
        Column("lot", "string", description="Lot or batch."),
        Column("operator", "string", description="Operator or inspector."),
    ),
)

_DEFECTS = TableSchema(
    kind="defects",
    description=(
        "One row per (inspection lot, defect type): `count` defects found among "
        "`inspected` units. " + _LINEAGE_DOC
    ),
    columns=(
        Column("timestamp", "timestamp", True, description="Start of the inspection period (UTC)."),
        Column("site", "string", description="Plant or site."),
        Column("line", "string", description="Production line."),
        Column("machine", "string", description="Machine or station."),
        Column("shift", "string", description="Shift name."),
        Column("product", "string", description="Product or part number."),
        Column("lot", "string", description="Inspection lot; `inspected` is counted once per lot."),
        Column("defect_type", "string", True, description="Defect type or code."),
        Column("category", "string", description="Cause category (6M or custom)."),
        Column("count", "count", True, description="Number of defects (or defectives) found."),
        Column("inspected", "count", description="Units inspected: the denominator of p/u charts."),
        Column(
            "cost", "float", description="Cost of the defects (export currency).", nonnegative=True
        ),
        Column("description", "string", description="Free text (defect description, notes)."),
    ),
)

_PRODUCTION = TableSchema(
    kind="production",
    description="One row per (machine, period), e.g. per shift. " + _LINEAGE_DOC,
    columns=(
        Column("period_start", "timestamp", True, description="Start of the period (UTC)."),
        Column("period_end", "timestamp", True, description="End of the period (UTC)."),
        Column("site", "string", description="Plant or site."),
        Column("line", "string", True, description="Production line."),
        Column("machine", "string", description="Machine."),
        Column("shift", "string", description="Shift name."),
        Column("product", "string", description="Product or part number."),
        Column(
            "planned_time",
            "float",
            unit="min",
            description="Planned production time.",
            nonnegative=True,
        ),
        Column(
            "run_time", "float", unit="min", description="Time actually running.", nonnegative=True
        ),
        Column(
            "downtime", "float", unit="min", description="Unplanned stop time.", nonnegative=True
        ),
        Column("downtime_reason", "string", description="Main reason for the downtime."),
        Column(
            "ideal_cycle_time",
            "float",
            unit="s",
            description="Ideal time per unit.",
            nonnegative=True,
        ),
        Column("total_count", "count", description="Units produced."),
        Column("good_count", "count", description="Good units first time through."),
        Column("scrap_count", "count", description="Scrapped units."),
        Column("rework_count", "count", description="Reworked units."),
    ),
    checks=(
        RowCheck(
            "end_before_start",
            "period_end is not after period_start",
            ("period_start", "period_end"),
            _end_after_start,
        ),
        RowCheck(
            "good_exceeds_total",
            "good_count is larger than total_count",
            ("good_count", "total_count"),
            _lt("good_count", "total_count"),
        ),
        RowCheck(
            "parts_exceed_total",
            "good + scrap + rework is larger than total_count",
            ("total_count", "good_count|scrap_count|rework_count"),
            _parts_exceed_total,
        ),
        RowCheck(
            "run_exceeds_planned",
            "run_time is larger than planned_time",
            ("run_time", "planned_time"),
            _run_exceeds_planned,
        ),
    ),
)

_SPECS = TableSchema(
    kind="specs",
    description="Specification limits per characteristic (and product).",
    columns=(
        Column("characteristic", "string", True, description="Characteristic name."),
        Column("product", "string", description="Product the limits apply to (all if empty)."),
        Column("lsl", "float", description="Lower specification limit."),
        Column("usl", "float", description="Upper specification limit."),
        Column("target", "float", description="Target (nominal) value."),
        Column("unit", "string", description="Unit of the limits: the characteristic's unit."),
    ),
    checks=(RowCheck("lsl_not_below_usl", "lsl is not below usl", ("lsl", "usl"), _lsl_below_usl),),
)

_SCHEMAS = {s.kind: s for s in (_MEASUREMENTS, _DEFECTS, _PRODUCTION, _SPECS)}


def get(kind: str) -> TableSchema:
    """Return the canonical schema of a table kind.

    Parameters
    ----------
    kind : {"measurements", "defects", "production", "specs"}
        The table kind.

    Raises
    ------
    ProfileError
        If *kind* is not one of the canonical kinds.

    Examples
    --------
    >>> get("defects").names[:3]
    ('timestamp', 'site', 'line')
    """
    try:
        return _SCHEMAS[kind]
    except KeyError:
        raise ProfileError(
            f"unknown table kind {kind!r}{suggest(str(kind), KINDS)} Use one of: {', '.join(KINDS)}"
        ) from None


def arrow_schema(kind: str, *, lineage: bool = True) -> pa.Schema:
    """Shortcut for ``get(kind).arrow_schema(lineage=lineage)``.

    Examples
    --------
    >>> arrow_schema("specs", lineage=False).names
    ['characteristic', 'product', 'lsl', 'usl', 'target', 'unit']
    """
    return get(kind).arrow_schema(lineage=lineage)
