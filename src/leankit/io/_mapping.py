"""Match an export's header row to a mapping profile and canonical columns."""

from __future__ import annotations

import unicodedata
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
    auto: bool = False  # the profile was auto-detected (not named by the caller)
    detection: str = ""  # how the profile was chosen, in words

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


def _spelling(text: str) -> str:
    """A header as written, for exact comparison: unit suffix and outer space removed."""
    name, _unit = _units.split_header(str(text))
    return unicodedata.normalize("NFC", name).strip()


@dataclass(slots=True)
class _Fit:
    """How one profile maps one header row (see :func:`resolve`)."""

    profile: Profile
    row_no: int
    fields: list[str]
    found: dict[str, int]
    times: dict[str, int]
    missing: list[str]
    exact: list[str] = field(default_factory=list)  # fields spelled as the profile lists them
    own: list[str] = field(default_factory=list)  # fields matched by an alias, not a canonical name

    @property
    def generic(self) -> bool:
        return self.profile.kind is None

    @property
    def mapped(self) -> int:
        return len(self.found) + len(self.times)


def _evidence(fit: _Fit, kind: str) -> None:
    """Fill in the header fields that identify *fit*'s profile (``exact`` and ``own``)."""
    prof = fit.profile
    canonical = {n for names in Profile(name="-").aliases(kind).values() for n in names}
    for groups, index in ((prof.columns, fit.found), (prof.time_columns, fit.times)):
        for col, i in index.items():
            listed = {unicodedata.normalize("NFC", a).strip() for a in groups.get(col, ())}
            if fit.generic and groups is prof.columns:
                listed.add(col)  # a generic profile's own spelling is the canonical name
            text = fit.fields[i]
            if _spelling(text) in listed:
                fit.exact.append(text)
            if normalize_header(text) not in canonical:
                fit.own.append(text)


class AmbiguousProfileError(ProfileError):
    """Two or more auto-detected profiles fit a header equally well."""


def _choose(fits: list[_Fit], kind: str, file_name: str) -> tuple[_Fit, str]:
    """The profile that clearly fits among complete candidates, and why (see :func:`resolve`)."""
    for f in fits:
        _evidence(f, kind)
    generic = max((f for f in fits if f.generic), key=lambda f: len(f.exact), default=None)
    specific = [f for f in fits if not f.generic]
    if generic is None:
        contenders = specific
    else:  # a vendor profile must be named by its own words, and spelled better
        contenders = [f for f in specific if f.own and len(f.exact) > len(generic.exact)]

    def scores() -> str:
        return ", ".join(f"{f.profile.name}: {len(f.exact)}" for f in fits)

    if not contenders:
        assert generic is not None
        why = (
            f"auto-detected: {len(generic.exact)} header fields spelled as "
            f"{generic.profile.name!r} lists them ({scores()}); no other fitting profile "
            "spells more and has a field of its own"
        )
        return generic, why
    contenders.sort(key=lambda f: (len(f.exact), len(f.own)), reverse=True)
    top = contenders[0]
    ties = [f for f in contenders if (len(f.exact), len(f.own)) == (len(top.exact), len(top.own))]
    if len(ties) > 1:
        names = [f.profile.name for f in ties]
        zones = sorted({str(f.profile.timezone) for f in ties})
        zone_note = (
            f"; they also read times without a UTC offset in different zones ({', '.join(zones)})"
            if len(zones) > 1
            else ""
        )
        fields = ", ".join(excerpt(t, 40) for t in top.exact) or "(none)"
        raise AmbiguousProfileError(
            f"{file_name}: the header (row {top.row_no}) fits the built-in profiles "
            f"{' and '.join(repr(n) for n in names)} equally well ({len(top.exact)} fields "
            f"spelled as each of them names them: {fields}; {len(top.own)} field(s) matched by "
            f"their own aliases){zone_note}. leankit will not guess which export this is: "
            f"name it with --profile {names[0]} (or {', '.join(names[1:])}; profile= in "
            "Python), or write a profile of your own (see docs/io.md). If the times in the "
            "file have no UTC offset, also give their zone with --tz ZONE (tz= in Python), "
            "e.g. --tz Europe/Berlin"
        )
    if len(fits) == 1:
        why = (
            f"auto-detected: the only built-in profile that maps the required columns "
            f"(its own aliases: {', '.join(top.own) or 'none'})"
        )
    else:
        why = (
            f"auto-detected: {len(top.exact)} header fields spelled as {top.profile.name!r} "
            f"lists them ({scores()}), {len(top.own)} matched by its own aliases"
        )
    return top, why


def resolve(
    preview: Preview,
    profiles: list[Profile],
    kind: str,
    *,
    header_row: int | None = None,
    file_name: str = "",
    auto: bool = False,
) -> Mapping:
    """Find the profile and header row that map the export.

    For each profile, the header is the first row (within the preview) where it
    maps the most canonical columns; a profile *fits* when that row maps every
    required column of *kind* (or the profile gives it a constant).

    With one profile (the caller named it) that profile is used. With *auto* (the
    built-in profiles, none named), the profile must fit **clearly**; header
    fields matched only case-insensitively or through a canonical column name say
    nothing about a vendor's export (its time zone, date formats, value names):

    1. Every fitting profile counts the header fields spelled exactly as it lists
       them (case-sensitive, outer space and a unit suffix ignored): a specific
       profile's ``[columns]`` and ``time_columns`` aliases, the generic
       ``canonical`` profile's canonical column names.
    2. A specific profile can win over ``canonical`` only if it counts more exact
       fields **and** at least one header field is one of its own aliases (not a
       canonical column name in any case: ``Part``, ``Sample``, ``Messwert``, not
       ``Timestamp``). If ``canonical`` fits and no specific profile qualifies, the
       export is read with ``canonical`` (ties go to it).
    3. Among the qualifying specific profiles (all fitting ones if ``canonical``
       does not fit), the one with the most exact fields is used, then the one
       with the most fields matched by its own aliases. If two or more tie,
       :class:`ProfileError` names them and asks for ``--profile`` (and ``--tz``).

    Raises
    ------
    ProfileError
        If no profile maps the required columns (the message lists the unmapped
        required columns and the headers that were found), or if the header fits
        two built-in profiles equally well.
    """
    best: tuple[Any, ...] | None = None
    fits: dict[str, _Fit] = {}
    for prof in profiles:
        if prof.kind not in (None, kind):
            continue
        forced = header_row if header_row is not None else prof.csv.get("header_row")
        mine: tuple[Any, ...] | None = None
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
            if mine is None or score > mine[0]:
                mine = (score, prof, row_no, fields, found, times, missing)
        if mine is not None and not mine[6]:
            fits.setdefault(prof.name, _Fit(*mine[1:]))
    if best is None or not fits:
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
    if auto:
        chosen, detection = _choose(list(fits.values()), kind, file_name)
    else:
        chosen = max(fits.values(), key=lambda f: (f.mapped, f.generic, -f.row_no))
        detection = "named by the caller"
    prof, row_no, fields = chosen.profile, chosen.row_no, chosen.fields
    found, times = chosen.found, chosen.times
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
        auto=auto,
        detection=detection,
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
