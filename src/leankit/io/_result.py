"""In-memory loading: :func:`read_export` and its :class:`LoadResult`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from leankit import schema as _schema
from leankit.io._convert import QUARANTINE_SCHEMA
from leankit.io._dataset import write_parquet
from leankit.io._load import Accounting, Load, SourceInfo
from leankit.io._profiles import Profile


@dataclass(frozen=True, slots=True)
class LoadResult:
    """One export, loaded into memory.

    Attributes
    ----------
    data : pandas.DataFrame
        The canonical table (schema columns plus ``source_file`` and ``source_row``).
    quarantine : pandas.DataFrame
        Rows that could not be loaded: ``source_file, source_row, reason_code, column,
        value, reason, raw``.
    skipped : pandas.DataFrame
        Lines that are not data records: ``source_row, reason, text``.
    accounting : Accounting
        ``rows_read == rows_loaded + rows_quarantined``, skipped lines by reason.
    source : SourceInfo
        File, hash, format, profile, header row, column mapping and dialect.
    kind : str
        The canonical table kind.
    """

    data: pd.DataFrame
    quarantine: pd.DataFrame
    skipped: pd.DataFrame
    accounting: Accounting
    source: SourceInfo
    kind: str
    arrow: pa.Table = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"<LoadResult {self.kind} from {self.source.name!r} (profile "
            f"{self.source.profile}): {self.accounting}>"
        )

    def to_parquet(self, path: str | Path) -> Path:
        """Write the canonical table to Parquet (atomically), with schema version and source.

        Returns
        -------
        pathlib.Path
            The written file.
        """
        meta = {
            **_schema.schema_metadata(self.kind),
            b"leankit.source": json.dumps(self.source.to_dict(), ensure_ascii=False).encode(),
        }
        return write_parquet(self.arrow.replace_schema_metadata(meta), path)


def read_export(
    path: str | Path,
    *,
    kind: str,
    profile: str | Path | Profile | None = None,
    sheet: str | int | None = None,
    units: dict[str, str] | None = None,
    tz: str | None = None,
) -> LoadResult:
    """Load one export file into memory, with its quarantine and row accounting.

    Parameters
    ----------
    path : path
        A CSV/TSV/TXT, XLSX or JSON Lines export.
    kind : {"measurements", "defects", "production", "specs"}
        The canonical table to map it onto.
    profile : str, path or Profile, optional
        Built-in profile name or TOML file; default: the built-in profile that fits.
    sheet : str or int, optional
        Excel sheet (default: the first sheet that fits the profile).
    units : dict, optional
        Characteristic -> canonical unit (e.g. from the specs table) for measurements.
    tz : str, optional
        IANA time zone (``"Europe/Berlin"``) in which the export's timestamps without
        a UTC offset were recorded; overrides the profile's ``[timestamp] timezone``.
        Timestamps with an offset are exact and not affected.

    Returns
    -------
    LoadResult

    Raises
    ------
    InputFileError
        The file is missing, empty, unreadable or not in the declared encoding.
    ProfileError
        No profile maps the required columns (the message lists what is missing and
        the headers that were found), the header fits two built-in profiles equally
        well (name one with *profile*), or *tz* is not a time zone.

    Examples
    --------
    >>> from leankit.io import read_export
    >>> res = read_export("sample_data/specs.csv", kind="specs")
    >>> res.accounting.rows_read == res.accounting.rows_loaded + res.accounting.rows_quarantined
    True
    """
    load = Load(path, kind=kind, profile=profile, sheet=sheet, canonical_units=units, tz=tz)
    tables, quarantines = [], []
    for table, quarantine in load.batches():
        tables.append(table)
        quarantines.append(quarantine)
    sch = _schema.arrow_schema(kind)
    data = pa.concat_tables(tables) if tables else sch.empty_table()
    quar = pa.concat_tables(quarantines) if quarantines else QUARANTINE_SCHEMA.empty_table()
    skipped = pd.DataFrame(
        [{"source_row": s.source_row, "reason": s.reason, "text": s.text} for s in load.skipped],
        columns=["source_row", "reason", "text"],
    )
    return LoadResult(
        data=data.to_pandas(),
        quarantine=quar.to_pandas(),
        skipped=skipped,
        accounting=load.accounting,
        source=load.info,
        kind=kind,
        arrow=data,
    )
