"""Hypothesis strategies for messy exports and number texts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from hypothesis import assume
from hypothesis import strategies as st

HEADER = "timestamp,characteristic,value"

#: a profile that pins the dialect, so that only the records vary
PROFILE_TOML = """
[profile]
name = "prop"
kind = "measurements"
[timestamp]
format = "ISO8601"
timezone = "UTC"
[csv]
delimiter = ","
decimal = "."
"""

BAD_DATES = (
    "31.02.2026",
    "2026-02-30T00:00:00",
    "2026-02-29T12:00:00",
    "2026-13-01T00:00:00",
    "2026-01-01T25:00:00",
    "not-a-date",
    "2026/01/01 00:00",
)
BAD_NUMBERS = (
    "abc",
    "1.2.3",
    "--5",
    "12a",
    "1;5",
    "inf",
    "-Infinity",
    "0x1F",
    "1e",
    "n.i.O.",
    "#WERT!",
)

# text that survives trimming unchanged apart from the ends: no control characters, no
# exotic whitespace (Python's str.strip and Arrow's trim may disagree on those)
_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp", "Co", "Cn"),
) | st.sampled_from([",", '"', ";", "\n", " ", "µ", "ü", "ß", "€", "\t"])


def decimal_text() -> st.SearchStrategy[str]:
    """Plain decimal numbers such as ``-12.345`` or ``7``."""
    return st.builds(
        lambda sign, whole, frac: f"{sign}{whole}" + (f".{frac}" if frac else ""),
        st.sampled_from(["", "-", "+"]),
        st.integers(0, 10**9),
        st.one_of(st.just(""), st.from_regex(r"[0-9]{1,6}", fullmatch=True)),
    )


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass
class Doc:
    """A generated CSV export and what a correct loader makes of it."""

    text: str
    good: list[tuple[int, str, float]] = field(default_factory=list)  # line, char, value
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # line, code, raw
    blank: list[int] = field(default_factory=list)
    crlf: bool = False

    @property
    def data_lines(self) -> list[int]:
        return sorted([g[0] for g in self.good] + [b[0] for b in self.bad])


@st.composite
def records(draw, *, blank_lines: bool = True, wrong_counts: bool = True) -> Doc:
    kinds = ["good", "good", "good", "bad_number", "bad_date", "missing"]
    if blank_lines:
        kinds.append("blank")
    if wrong_counts:
        kinds.append("wrong_count")
    items = draw(st.lists(st.sampled_from(kinds), max_size=40))
    crlf = draw(st.booleans())
    nl = "\r\n" if crlf else "\n"
    doc = Doc(text="", crlf=crlf)
    lines = [HEADER]
    line = 2
    for i, kind in enumerate(items):
        ts = f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00"
        if kind == "blank":
            text = ""
            doc.blank.append(line)
        elif kind == "good":
            body = draw(st.text(_CHARS, max_size=10))
            char = "c" + body
            must_quote = any(ch in char for ch in ',"\n') or draw(st.booleans())
            char_field = quote(char.replace("\n", nl)) if must_quote else char
            value = draw(decimal_text())
            text = f"{ts},{char_field},{value}"
            doc.good.append((line, char.replace("\n", nl).strip(), float(value)))
        elif kind == "bad_number":
            text = f"{ts},c{i},{draw(st.sampled_from(BAD_NUMBERS))}"
            doc.bad.append((line, "unparseable_number", text))
        elif kind == "bad_date":
            text = f"{draw(st.sampled_from(BAD_DATES))},c{i},1.5"
            doc.bad.append((line, "unparseable_timestamp", text))
        elif kind == "missing":
            text = draw(st.sampled_from([f"{ts},,1.5", f"{ts},c{i},", f",c{i},2", f"{ts},NA,3"]))
            doc.bad.append((line, "missing_value", text))
        else:  # wrong field count
            n = draw(st.sampled_from([1, 2, 4, 5]))
            fields = [ts, f"c{i}", "1.5", "x", "y"][:n]
            text = ",".join(fields)
            doc.bad.append((line, "wrong_field_count", text))
        lines.append(text)
        line += 1 + text.count("\n")
    doc.text = nl.join(lines) + nl
    return doc


# ------------------------------------------------------------- random junk

_FIELD = st.one_of(
    st.sampled_from(
        [
            "2026-03-01T08:00:00",
            "2026-03-29T02:30:00",
            "2026-10-25 02:30",
            "2026-03-01T08:00:00+02:00",
            "31.02.2026",
            "1.5",
            "1,5",
            "-3",
            "µm",
            "mm",
            "kg",
            "NA",
            "",
            '"',
            '""',
            "Total",
            "Summe",
            "inf",
            "nan",
        ]
    ),
    st.text(_CHARS, max_size=8),
)


@st.composite
def junk_csv(draw) -> str:
    """A header with canonical names followed by arbitrary records."""
    delim = draw(st.sampled_from([",", ";", "\t"]))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    header = delim.join(draw(st.permutations(["timestamp", "characteristic", "value", "unit"])))
    rows = draw(st.lists(st.lists(_FIELD, max_size=6), max_size=25))
    return nl.join([header] + [delim.join(r) for r in rows]) + draw(st.sampled_from(["", nl]))


# ----------------------------------------------------------------- numbers


@st.composite
def grouped_number(draw, decimal: str, thousands: str | None) -> tuple[str, float]:
    """A number text in the given convention and its value."""
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(st.integers(0, 10**12))
    frac = draw(st.one_of(st.just(""), st.from_regex(r"[0-9]{1,8}", fullmatch=True)))
    digits = str(whole)
    if thousands and draw(st.booleans()):
        groups = []
        while len(digits) > 3:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        groups.insert(0, digits)
        int_text = thousands.join(groups)
    else:
        int_text = digits
    text = sign + int_text + (decimal + frac if frac else "")
    value = float(sign + str(whole) + ("." + frac if frac else ""))
    return text, value


@st.composite
def individuals(draw, *, max_points: int = 40) -> pd.DataFrame:
    """Individual values ``id, x`` (3 to *max_points*, two decimals around 5) that are not
    all equal: data for I-MR and EWMA/CUSUM property tests."""
    m = draw(st.integers(3, max_points))
    ints = draw(st.lists(st.integers(-5000, 5000), min_size=m, max_size=m))
    df = pd.DataFrame({"id": np.arange(m), "x": 5.0 + np.array(ints, dtype=float) / 100.0})
    assume(df["x"].diff().abs().sum() > 0)
    return df
