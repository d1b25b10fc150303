"""Mapping profiles: how one export's headers and values map onto a canonical table.

A profile is a small TOML file (see ``docs/io.md`` for the full reference)::

    [profile]
    name = "gauge-de"
    kind = "measurements"

    [columns]                     # canonical column = header aliases (any language)
    timestamp = ["Datum", "Date"]
    value = ["Messwert", "Value"]

    [timestamp]
    format = "%d.%m.%Y %H:%M:%S"  # or "ISO8601" (the default)
    timezone = "Europe/Berlin"    # zone of naive local timestamps; converted to UTC
    time_columns = { timestamp = ["Uhrzeit"] }  # a separate time-of-day column
    ambiguous = "infer"           # DST overlap: quarantine | earliest | latest | infer
    nonexistent = "quarantine"    # DST gap: quarantine | shift_forward | shift_backward

    [values.shift]                # value maps, matched case-insensitively
    "Früh" = "early"

    [units]
    default = "mm"                # unit of `value` when the export names none
    canonical = { runout = "µm" } # unit to convert each characteristic to
    columns = { planned_time = "h" }  # source unit of other numeric columns

    [constants]                   # columns the export lacks, filled with a constant
    site = "PLANT-N"

    [csv]                         # optional overrides of what is sniffed
    delimiter = ";"
    decimal = ","
    thousands = "."
    encoding = "cp1252"

    [excel]
    sheet = "Messdaten"
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from leankit import schema as _schema
from leankit import units as _units
from leankit.errors import ProfileError, suggest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Profile", "builtin_profiles", "load_profile", "normalize_header"]

AmbiguousPolicy = Literal["quarantine", "earliest", "latest", "infer"]
NonexistentPolicy = Literal["quarantine", "shift_forward", "shift_backward"]

_AMBIGUOUS = ("quarantine", "earliest", "latest", "infer")
_NONEXISTENT = ("quarantine", "shift_forward", "shift_backward")
_TOP_LEVEL = (
    "profile",
    "columns",
    "timestamp",
    "values",
    "units",
    "constants",
    "csv",
    "excel",
    "null_values",
)


def normalize_header(text: str) -> str:
    """Normalise a header for matching: unit suffix removed, case and punctuation folded.

    Examples
    --------
    >>> normalize_header("  Run Time (min) ")
    'run time'
    >>> normalize_header("Prüfer")
    'prufer'
    """
    name, _unit = _units.split_header(str(text))
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = folded.replace("ß", "ss").replace("ø", "o")
    return " ".join(re.findall(r"[^\W_]+", folded))


@dataclass(frozen=True, slots=True)
class Profile:
    """A mapping profile (see the module docstring for the TOML layout).

    Attributes
    ----------
    name : str
        Profile name (built-in profiles are referred to by it).
    kind : str or None
        Table kind the profile is for; ``None`` means any kind (the ``canonical`` profile).
    columns : dict
        Canonical column -> header aliases. The canonical name is always an alias too.
    timestamp_formats : tuple of str
        strptime formats tried in order; ``"ISO8601"`` means ISO 8601 (always tried last).
    timezone : str or None
        IANA zone of naive local timestamps (``None``: naive timestamps are quarantined).
    time_columns : dict
        Canonical timestamp column -> aliases of a separate time-of-day column.
    ambiguous, nonexistent : str
        Policies for local times in a DST overlap (repeated hour) or gap (skipped hour).
    values : dict
        Canonical column -> {source text: canonical text}, matched case-insensitively.
    default_unit : str or None
        Unit of ``value`` when neither a unit column nor the header names one.
    canonical_units : dict
        Characteristic -> unit its values are converted to.
    column_units : dict
        Canonical numeric column -> unit the export uses (converted to the schema unit).
    constants : dict
        Canonical column -> constant value for columns the export lacks.
    csv : dict
        Overrides of the sniffed CSV dialect: delimiter, decimal, thousands, encoding,
        quotechar, header_row.
    excel_sheet : str or int or None
        Sheet to read (name or 0-based index); default: the first sheet that fits.
    null_values : tuple of str
        Texts that mean "no value".
    source : str
        Where the profile came from (``builtin:NAME`` or a file path).
    """

    name: str
    kind: str | None = None
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    timestamp_formats: tuple[str, ...] = ("ISO8601",)
    timezone: str | None = "UTC"
    time_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ambiguous: AmbiguousPolicy = "quarantine"
    nonexistent: NonexistentPolicy = "quarantine"
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    default_unit: str | None = None
    canonical_units: dict[str, str] = field(default_factory=dict)
    column_units: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    csv: dict[str, Any] = field(default_factory=dict)
    excel_sheet: str | int | None = None
    null_values: tuple[str, ...] = (
        "",
        "NA",
        "N/A",
        "n/a",
        "na",
        "NaN",
        "nan",
        "NULL",
        "null",
        "None",
        "#N/A",
        "-",
        "--",
    )
    source: str = ""

    def __post_init__(self) -> None:
        _check_csv(self.csv, f"profile {self.source or self.name}")

    def aliases(self, kind: str) -> dict[str, set[str]]:
        """Canonical column -> normalised aliases, for a table *kind*."""
        out: dict[str, set[str]] = {}
        for col in _schema.get(kind).names:
            names = {normalize_header(col), normalize_header(col.replace("_", " "))}
            names |= {normalize_header(a) for a in self.columns.get(col, ())}
            out[col] = names
        return out

    def time_aliases(self) -> dict[str, set[str]]:
        """Canonical timestamp column -> normalised aliases of its time-of-day column."""
        return {k: {normalize_header(a) for a in v} for k, v in self.time_columns.items()}

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<string>") -> Profile:
        """Parse a profile from TOML text.

        Raises
        ------
        ProfileError
            If the TOML is invalid or a key is unknown or has a wrong value; the
            message names the key.
        """
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(f"profile {source}: invalid TOML: {exc}") from None
        return cls.from_dict(doc, source=source)

    @classmethod
    def from_dict(cls, doc: dict[str, Any], *, source: str = "<dict>") -> Profile:
        """Build a profile from a parsed TOML document (see :meth:`from_toml`)."""
        where = f"profile {source}"
        for key in doc:
            if key not in _TOP_LEVEL:
                raise ProfileError(
                    f"{where}: unknown table [{key}]{suggest(key, _TOP_LEVEL)} "
                    f"Allowed: {', '.join(_TOP_LEVEL)}"
                )
        meta = _table(doc, "profile", where)
        name = meta.get("name") or Path(source).stem
        kind = meta.get("kind")
        if kind is not None:
            _schema.get(kind)  # raises ProfileError for an unknown kind
        known = _known_columns(kind)

        columns: dict[str, tuple[str, ...]] = {}
        for col, aliases in _table(doc, "columns", where).items():
            _check_column(col, known, f"{where}: [columns]")
            if isinstance(aliases, str):
                aliases = [aliases]
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise ProfileError(f"{where}: [columns] {col} must be a list of header names")
            columns[col] = tuple(aliases)

        ts = _table(doc, "timestamp", where)
        allowed_ts = ("format", "timezone", "time_columns", "ambiguous", "nonexistent")
        for key in ts:
            if key not in allowed_ts:
                raise ProfileError(
                    f"{where}: unknown key [timestamp] {key}{suggest(key, allowed_ts)}"
                )
        fmt = ts.get("format", "ISO8601")
        formats = tuple([fmt] if isinstance(fmt, str) else fmt)
        timezone = ts.get("timezone", "UTC")
        if timezone is not None:
            _check_timezone(timezone, where)
        ambiguous = ts.get("ambiguous", "quarantine")
        if ambiguous not in _AMBIGUOUS:
            raise ProfileError(
                f"{where}: [timestamp] ambiguous = {ambiguous!r}; "
                f"use one of {', '.join(_AMBIGUOUS)}"
            )
        nonexistent = ts.get("nonexistent", "quarantine")
        if nonexistent not in _NONEXISTENT:
            raise ProfileError(
                f"{where}: [timestamp] nonexistent = {nonexistent!r}; "
                f"use one of {', '.join(_NONEXISTENT)}"
            )
        time_columns = {
            k: tuple([v] if isinstance(v, str) else v)
            for k, v in ts.get("time_columns", {}).items()
        }

        values: dict[str, dict[str, str]] = {}
        for col, mapping in _table(doc, "values", where).items():
            _check_column(col, known, f"{where}: [values]")
            if not isinstance(mapping, dict):
                raise ProfileError(f"{where}: [values.{col}] must be a table of text = text")
            values[col] = {str(k): str(v) for k, v in mapping.items()}

        units = _table(doc, "units", where)
        for key in units:
            if key not in ("default", "canonical", "columns"):
                raise ProfileError(f"{where}: unknown key [units] {key}")
        for label in (
            [units.get("default")]
            + list(units.get("canonical", {}).values())
            + list(units.get("columns", {}).values())
        ):
            if label is not None and not _units.is_known(str(label)):
                raise ProfileError(f"{where}: [units] unknown unit {label!r}")

        constants = _table(doc, "constants", where)
        for col in constants:
            _check_column(col, known, f"{where}: [constants]")
        csv = _table(doc, "csv", where)
        allowed_csv = ("delimiter", "decimal", "thousands", "encoding", "quotechar", "header_row")
        for key in csv:
            if key not in allowed_csv:
                raise ProfileError(f"{where}: unknown key [csv] {key}{suggest(key, allowed_csv)}")
        _check_csv(csv, where)
        excel = _table(doc, "excel", where)
        kwargs: dict[str, Any] = {}
        if "null_values" in doc:
            kwargs["null_values"] = tuple(str(v) for v in doc["null_values"])
        return cls(
            name=str(name),
            kind=kind,
            columns=columns,
            timestamp_formats=formats,
            timezone=timezone,
            time_columns=time_columns,
            ambiguous=ambiguous,
            nonexistent=nonexistent,
            values=values,
            default_unit=units.get("default"),
            canonical_units=dict(units.get("canonical", {})),
            column_units=dict(units.get("columns", {})),
            constants=dict(constants),
            csv=dict(csv),
            excel_sheet=excel.get("sheet"),
            source=source,
            **kwargs,
        )


def _table(doc: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: [{key}] must be a table")
    return value


def _known_columns(kind: str | None) -> tuple[str, ...]:
    kinds = [kind] if kind else list(_schema.KINDS)
    return tuple(dict.fromkeys(n for k in kinds for n in _schema.get(k).names))


def _check_column(col: str, known: tuple[str, ...], where: str) -> None:
    if col not in known:
        raise ProfileError(
            f"{where}: {col!r} is not a canonical column{suggest(col, known)} "
            f"Canonical columns: {', '.join(known)}"
        )


def _check_csv(csv: dict[str, Any], where: str) -> None:
    """Validate the [csv] overrides (each must be usable by the CSV reader)."""
    if csv.get("decimal", ".") not in (".", ","):
        raise ProfileError(f"{where}: [csv] decimal must be '.' or ','")
    delim = csv.get("delimiter")
    if delim is not None:
        if delim == "\\t":
            delim = "\t"
        if not isinstance(delim, str) or len(delim) != 1 or delim in "\r\n\"'" or delim.isalnum():
            raise ProfileError(
                f"{where}: [csv] delimiter = {delim!r} is not allowed; use one character, e.g. "
                '"," or ";" or "|" or "\\t" (tab)'
            )
    quote = csv.get("quotechar")
    if quote is not None and (
        not isinstance(quote, str) or len(quote) != 1 or quote in "\r\n" or quote.isalnum()
    ):
        raise ProfileError(
            f"{where}: [csv] quotechar = {quote!r} is not allowed; use one character, "
            "e.g. '\"' (the default) or \"'\""
        )
    if quote is not None and delim is not None and quote == delim:
        raise ProfileError(f"{where}: [csv] quotechar and delimiter are both {quote!r}")
    thousands = csv.get("thousands")
    if thousands is not None and (
        not isinstance(thousands, str) or len(thousands) > 1 or thousands.isalnum()
    ):
        raise ProfileError(
            f"{where}: [csv] thousands = {thousands!r} is not allowed; use one character "
            "(e.g. '.', ',', ' ' or \"'\") or \"\" for none"
        )
    if "encoding" in csv and not isinstance(csv["encoding"], str):
        raise ProfileError(f"{where}: [csv] encoding must be a text such as 'utf-8' or 'cp1252'")
    row = csv.get("header_row")
    if row is not None and (isinstance(row, bool) or not isinstance(row, int) or row < 1):
        raise ProfileError(
            f"{where}: [csv] header_row = {row!r} is not allowed; use the physical line "
            "number of the header (1 for the first line)"
        )


def _check_timezone(tz: str, where: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(
            f"{where}: [timestamp] timezone {tz!r} is not an IANA time zone "
            "(e.g. 'Europe/Berlin', 'America/Chicago', 'UTC')"
        ) from None


def check_tz(tz: object) -> str:
    """Validate the ``tz=`` argument (``--tz``): an IANA time zone name.

    Raises
    ------
    ProfileError
        If *tz* is not a time zone name; the message suggests close names.

    Examples
    --------
    >>> check_tz("Europe/Berlin")
    'Europe/Berlin'
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    if isinstance(tz, str) and tz.strip():
        try:
            ZoneInfo(tz)
            return tz
        except (ZoneInfoNotFoundError, ValueError):
            pass
    hint = suggest(str(tz), sorted(available_timezones())) if isinstance(tz, str) else ""
    raise ProfileError(
        f"tz={tz!r} is not an IANA time zone{hint or '.'} Give the zone in which the export's "
        "times without a UTC offset were recorded, e.g. tz='Europe/Berlin' "
        "(--tz Europe/Berlin), 'America/Chicago' or 'UTC'"
    )


def builtin_profiles() -> dict[str, Profile]:
    """The profiles shipped with leankit, by name.

    Examples
    --------
    >>> "canonical" in builtin_profiles()
    True
    """
    out = {}
    for entry in sorted(resources.files("leankit.io").joinpath("profiles").iterdir(), key=str):
        if entry.name.endswith(".toml"):
            prof = Profile.from_toml(entry.read_text("utf-8"), source=f"builtin:{entry.name}")
            out[prof.name] = prof
    return out


def load_profile(name_or_path: str | Path | Profile) -> Profile:
    """Return a built-in profile by name, or read one from a TOML file.

    Raises
    ------
    ProfileError
        If no built-in profile has that name and no such file exists.
    """
    if isinstance(name_or_path, Profile):
        return name_or_path
    text = str(name_or_path)
    builtins = builtin_profiles()
    if text in builtins:
        return builtins[text]
    path = Path(text)
    if path.suffix.lower() == ".toml" or path.exists():
        if not path.is_file():
            raise ProfileError(f"profile file {text!r} does not exist")
        return Profile.from_toml(path.read_text("utf-8"), source=str(path))
    raise ProfileError(
        f"unknown profile {text!r}{suggest(text, list(builtins))} Built-in profiles: "
        f"{', '.join(builtins)}; or give the path of a .toml profile file"
    )
