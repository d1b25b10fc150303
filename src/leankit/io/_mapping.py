"""Match an export's header row to a mapping profile and canonical columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leankit import schema as _schema
from leankit import units as _units
from leankit.errors import ProfileError
from leankit.io._profiles import Profile, normalize_header
from leankit.io._readers import Preview, excerpt


@dataclass(slots=True)
class Mapping:
    """How the columns of one export map onto a canonical table."""

    kind: str
    profile: Profile
    header_row: int
    headers: list[str]
    source_index: dict[str, int]  # canonical column -> position in the export
    time_index: dict[str, int] = field(default_factory=dict)
    header_units: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    sheet: str | None = None

    @property
    def ncols(self) -> int:
        """Number of fields per record (the header's)."""
        return len(self.headers)

    def describe(self) -> dict[str, str]:
        """Canonical column -> source header (or constant) it comes from."""
        out = {c: self.headers[i] for c, i in self.source_index.items()}
        for c, i in self.time_index.items():
            out[c] = f"{out[c]} + {self.headers[i]}"
        for c, v in self.profile.constants.items():
            if c not in out:
                out[c] = f"constant {v!r}"
        return out


def _match(fields: list[str], profile: Profile, kind: str) -> tuple[dict[str, int], dict[str, int]]:
    aliases = profile.aliases(kind)
    times = profile.time_aliases()
    norm = [normalize_header(f) for f in fields]
    found: dict[str, int] = {}
    time_found: dict[str, int] = {}
    used: set[int] = set()
    for col, names in aliases.items():
        for i, h in enumerate(norm):
            if h and i not in used and h in names:
                found[col] = i
                used.add(i)
                break
    for col, names in times.items():
        for i, h in enumerate(norm):
            if h and i not in used and h in names:
                time_found[col] = i
                used.add(i)
                break
    return found, time_found


def _missing_required(found: dict[str, int], profile: Profile, kind: str) -> list[str]:
    return [c for c in _schema.get(kind).required if c not in found and c not in profile.constants]


def resolve(
    preview: Preview,
    profiles: list[Profile],
    kind: str,
    *,
    header_row: int | None = None,
    file_name: str = "",
) -> Mapping:
    """Find the profile and header row that map the export best.

    The header is the first row (within the preview) where a profile maps the most
    canonical columns; a profile that maps every required column wins over one that
    maps more columns but misses a required one. Between profiles that map equally
    many columns, the generic ``canonical`` profile wins.

    Raises
    ------
    ProfileError
        If no profile maps the required columns; the message lists the unmapped
        required columns and the headers that were found.
    """
    best: tuple[Any, ...] | None = None
    for prof in profiles:
        if prof.kind not in (None, kind):
            continue
        forced = header_row if header_row is not None else prof.csv.get("header_row")
        for row_no, fields in preview.rows:
            if forced is not None and row_no != int(forced):
                continue
            found, times = _match(fields, prof, kind)
            if len(found) < 2 and not (len(found) == 1 and len(fields) == 1):
                continue
            missing = _missing_required(found, prof, kind)
            # ties go to the generic profile: headers that are canonical names say
            # nothing about a vendor's time zone or number format
            score = (not missing, len(found) + len(times), prof.kind is None, -row_no)
            if best is None or score > best[0]:
                best = (score, prof, row_no, fields, found, times, missing)
    if best is None or best[6]:
        names = ", ".join(p.name for p in profiles)
        if best is None:
            shown = _first_nonempty(preview)
            raise ProfileError(
                f"{file_name}: no header row matches the profile(s) {names} for a {kind} "
                f"table. Required columns: {', '.join(_schema.get(kind).required)}. "
                f"Headers found: {shown}. Write a profile that maps these headers "
                "(see docs/io.md) and pass it with --profile."
            )
        _, prof, row_no, fields, found, _times, missing = best
        raise ProfileError(
            f"{file_name}: profile {prof.name!r} does not map the required column(s) "
            f"{', '.join(missing)} of a {kind} table. Headers found (row {row_no}): "
            f"{_show_headers(fields)}. Add the matching header names as "
            f'aliases under [columns] in a profile (e.g. {missing[0]} = ["<header>"]), '
            "or set a [constants] value."
        )
    _, prof, row_no, fields, found, times, _ = best
    _check_duplicates(fields, prof, kind, found, times, file_name, row_no)
    header_units = {}
    for col, i in found.items():
        _, unit = _units.split_header(fields[i])
        if unit:
            header_units[col] = unit
    used = set(found.values()) | set(times.values())
    unmapped = [f for i, f in enumerate(fields) if i not in used and f.strip()]
    return Mapping(
        kind=kind,
        profile=prof,
        header_row=row_no,
        headers=[str(f) for f in fields],
        source_index=found,
        time_index=times,
        header_units=header_units,
        unmapped=unmapped,
        sheet=preview.detail.get("sheet"),
    )


def _first_nonempty(preview: Preview) -> str:
    for row_no, fields in preview.rows:
        if any(f.strip() for f in fields):
            return f"(row {row_no}) " + _show_headers(fields)
    if preview.format in ("json", "jsonl"):
        return "(none: no record of the file is a JSON object with keys)"
    return "(none: the file has no non-empty rows in its first lines)"


def _show_headers(fields: list[str], limit: int = 30) -> str:
    """Header fields for a message: each cut to 60 characters, at most *limit* of them."""
    shown = [excerpt(f, 60) for f in fields if f.strip()]
    more = f" ... ({len(shown):,} fields)" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def _check_duplicates(
    fields: list[str],
    prof: Profile,
    kind: str,
    found: dict[str, int],
    times: dict[str, int],
    file_name: str,
    row_no: int,
) -> None:
    """Refuse a header where a mapped column matches more than one field.

    Otherwise the first match would be used and the other column's values ignored
    without a word (two ``Value`` columns, or ``Datum`` and ``Date`` side by side).
    """
    norm = [normalize_header(f) for f in fields]
    groups = [(found, prof.aliases(kind)), (times, prof.time_aliases())]
    for mapped, aliases in groups:
        for col in mapped:
            same = [j for j, h in enumerate(norm) if h and h in aliases.get(col, set())]
            if len(same) > 1:
                listed = " and ".join(f"{excerpt(fields[j], 60)} (field {j + 1})" for j in same)
                raise ProfileError(
                    f"{file_name}: the header (row {row_no}) has more than one field for the "
                    f"{col} column: {listed}. leankit will not guess which one holds the "
                    "values: rename or delete the duplicate in the export (when the two "
                    f"headers differ, a profile whose [columns] {col} lists only the one to use "
                    "also works)"
                )

