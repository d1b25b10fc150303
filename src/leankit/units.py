"""Units of measure: recognise a unit label and convert values between units.

Only units whose meaning is unambiguous are recognised; anything else is reported
as unknown (loaders quarantine such rows instead of guessing).

Examples
--------
>>> from leankit import units
>>> units.canonical_label("µm"), units.canonical_label("micron"), units.canonical_label('"')
('µm', 'µm', 'in')
>>> units.factor("in", "mm")
(25.4, 0.0)
>>> units.split_header("Durchmesser [mm]")
('Durchmesser', 'mm')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from leankit.errors import LeankitError

__all__ = [
    "UnitError",
    "canonical_label",
    "convertible",
    "dimension",
    "factor",
    "is_known",
    "split_header",
]


class UnitError(LeankitError, ValueError):
    """A unit label is unknown, or two units measure different quantities."""


@dataclass(frozen=True, slots=True)
class _Unit:
    label: str
    dimension: str
    scale: float  # value_in_base = value * scale + offset
    offset: float = 0.0


_UNITS: dict[str, _Unit] = {}
_EXACT: dict[str, str] = {}  # spelling as written (case-sensitive)
_SQUASHED: dict[str, str] = {}  # spaces, dots, "·", "*" removed; µ/μ -> u (case-sensitive)
_FOLDED: dict[str, str | None] = {}  # squashed and lower-cased; None = ambiguous


def _squash(label: str) -> str:
    s = label.strip().replace("\u00b5", "u").replace("\u03bc", "u")  # micro sign, greek mu
    for ch in " .·*":
        s = s.replace(ch, "")
    return s


def _add(
    label: str, dim: str, scale: float, aliases: tuple[str, ...] = (), offset: float = 0.0
) -> None:
    _UNITS[label] = _Unit(label, dim, scale, offset)
    for a in (label, *aliases):
        _EXACT[a] = label
        _SQUASHED.setdefault(_squash(a), label)
        key = _squash(a).lower()
        if _FOLDED.get(key, label) != label:
            _FOLDED[key] = None  # two units fold to the same text: never guess between them
        else:
            _FOLDED[key] = label


# length (base: mm)
_add("mm", "length", 1.0, ("millimeter", "millimetre", "millimeters", "millimetres"))
_add(
    "µm",
    "length",
    1e-3,
    ("um", "μm", "micron", "microns", "micrometer", "micrometre", "micrometers", "micrometres"),
)
_add("nm", "length", 1e-6, ("nanometer", "nanometre"))
_add("cm", "length", 10.0, ("centimeter", "centimetre"))
_add("m", "length", 1000.0, ("meter", "metre", "meters", "metres"))
_add("in", "length", 25.4, ("inch", "inches", '"', "zoll"))
_add("mil", "length", 0.0254, ("thou", "mils"))
_add("ft", "length", 304.8, ("foot", "feet"))
# mass (base: g)
_add("g", "mass", 1.0, ("gram", "grams", "gramm"))
_add("mg", "mass", 1e-3, ("milligram", "milligrams"))
_add("kg", "mass", 1000.0, ("kilogram", "kilograms", "kilogramm"))
_add("lb", "mass", 453.59237, ("lbs", "pound", "pounds"))
_add("oz", "mass", 28.349523125, ("ounce", "ounces"))
# time (base: s)
_add("s", "time", 1.0, ("sec", "secs", "second", "seconds", "sek"))
_add("ms", "time", 1e-3, ("millisecond", "milliseconds"))
_add("min", "time", 60.0, ("mins", "minute", "minutes", "minuten"))
_add("h", "time", 3600.0, ("hr", "hrs", "hour", "hours", "std", "stunden"))
# force (base: N), torque (base: N m), pressure (base: Pa)
_add("N", "force", 1.0, ("newton", "newtons"))
_add("kN", "force", 1000.0, ("kilonewton", "kilonewtons"))
# "Nm" as written is a newton metre on shop floors (a nanometre is "nm"); "NM" is ambiguous
_add(
    "N m", "torque", 1.0, ("Nm", "N·m", "N*m", "N-m", "newton metre", "newton meter", "newtonmeter")
)
_add("Pa", "pressure", 1.0, ("pascal",))
_add("kPa", "pressure", 1e3, ("kilopascal",))
_add("MPa", "pressure", 1e6, ("megapascal",))
_add("mPa", "pressure", 1e-3, ("millipascal",))
_add("bar", "pressure", 1e5)
_add("psi", "pressure", 6894.757293168)
# temperature (base: °C)
_add("°C", "temperature", 1.0, ("degC", "deg C", "celsius", "℃"))
_add("°F", "temperature", 5.0 / 9.0, ("degF", "deg F", "fahrenheit", "℉"), offset=-32.0 * 5.0 / 9.0)
_add("K", "temperature", 1.0, ("kelvin",), offset=-273.15)
# ratio (base: 1)
_add("%", "ratio", 0.01, ("percent", "pct"))
_add("ppm", "ratio", 1e-6)
_add("1", "ratio", 1.0, ("-", "none", "ratio"))


def _lookup(label: str) -> str | None:
    """Exact spelling first, then without spaces/dots, then case-folded (only for
    labels of two or more characters written in one case, e.g. "MM", "Inch")."""
    raw = label.strip()
    if raw in _EXACT:
        return _EXACT[raw]
    sq = _squash(raw)
    if sq in _SQUASHED:
        return _SQUASHED[sq]
    if len(sq) >= 2 and (sq.isupper() or sq.islower()) or len(sq) >= 3 and sq.istitle():
        return _FOLDED.get(sq.lower())
    return None


def canonical_label(label: str) -> str:
    """Return the canonical spelling of a unit label.

    Raises
    ------
    UnitError
        If the label is not a known unit.
    """
    found = _lookup(label)
    if found is None:
        raise UnitError(
            f"unknown unit {label!r}: use one of {', '.join(sorted(_UNITS))} "
            "(or declare the unit in the mapping profile)"
        )
    return found


def is_known(label: str) -> bool:
    """True if *label* is a recognised unit."""
    return _lookup(label) is not None


def dimension(label: str) -> str:
    """The physical dimension of a unit (``"length"``, ``"mass"`` ...)."""
    return _UNITS[canonical_label(label)].dimension


def convertible(a: str, b: str) -> bool:
    """True if values in unit *a* can be converted to unit *b*."""
    return is_known(a) and is_known(b) and dimension(a) == dimension(b)


def factor(source: str, target: str) -> tuple[float, float]:
    """Return ``(scale, offset)`` with ``value_in_target = value * scale + offset``.

    Raises
    ------
    UnitError
        If a unit is unknown or the units measure different quantities.

    Examples
    --------
    >>> factor("µm", "mm")
    (0.001, 0.0)
    """
    s, t = _UNITS[canonical_label(source)], _UNITS[canonical_label(target)]
    if s.dimension != t.dimension:
        raise UnitError(
            f"unit {s.label!r} ({s.dimension}) cannot be converted to {t.label!r} ({t.dimension})"
        )
    scale = s.scale / t.scale
    offset = (s.offset - t.offset) / t.scale
    return scale, offset


_HEADER_UNIT = re.compile(
    r"^(?P<name>.*?)\s*(?:\[(?P<b>[^\]]+)\]|\((?P<p>[^)]+)\)|\bin\s+(?P<w>\S+))\s*$"
)


def split_header(header: str) -> tuple[str, str | None]:
    """Split a header such as ``"Value [µm]"`` or ``"Run Time (min)"`` into name and unit.

    Only a recognised unit is split off; ``"Sample (A)"`` stays whole.

    Examples
    --------
    >>> split_header("Run Time (min)")
    ('Run Time', 'min')
    >>> split_header("Value")
    ('Value', None)
    """
    m = _HEADER_UNIT.match(header.strip())
    if m:
        unit = m.group("b") or m.group("p") or m.group("w")
        if unit and is_known(unit):
            return m.group("name").strip(), canonical_label(unit)
    return header.strip(), None
