"""Text from data, made safe to show: the one path every figure and report uses.

Names of machines, defect types, downtime reasons, characteristics, columns ... come
from exports and may hold anything: HTML that plotly would render (``<a href>`` links,
``<span style>``), bidirectional-text controls that reverse the rest of a sentence
(U+202E RIGHT-TO-LEFT OVERRIDE), control characters, or thousands of characters.

* :func:`fig_text` / :func:`fig_labels` / :func:`fig_hover` prepare text for plotly,
  which renders a subset of HTML in every text field: ``<``, ``>`` and ``&`` become
  entities (plotly shows them literally), bidi and other control characters are
  removed, and long text is shortened with an ellipsis (labels, titles) or wrapped
  (hover text).
* :func:`clean`, :func:`isolate` and :func:`shorten` prepare text for the HTML
  reports (whose templates escape everything): controls are removed, a name inside a
  sentence is isolated (U+2068 FIRST STRONG ISOLATE ... U+2069 POP DIRECTIONAL
  ISOLATE) so its direction cannot leak into the words around it.

Pure standard library: importable from computation, figures and reports alike.

Examples
--------
>>> fig_text('<a href="https://x.example">M1</a>')
'&lt;a href="https://x.example"&gt;M1&lt;/a&gt;'
>>> fig_text("gauge\\u202eevil")
'gaugeevil'
>>> shorten("x" * 100, 10)
'xxxxxxxxx…'
>>> isolate("L1\\u202e")
'L1'
>>> isolate("\\u05d0 1") == "\\u2068\\u05d0 1\\u2069"
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["BIDI_CONTROLS", "FSI", "LABEL_CHARS", "PDI", "TITLE_CHARS", "balance_bidi", "clean",
           "fig_hover", "fig_labels", "fig_text", "isolate", "shorten", "strip_bidi"]

#: Explicit bidi formatting characters: embeddings, overrides, isolates and their pops.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
FSI = "\u2068"
PDI = "\u2069"
#: Longest name shown in a heading, figure label or legend (full text on hover/title).
LABEL_CHARS = 60
#: Longest figure title.
TITLE_CHARS = 160
_HOVER_CHARS = 600
_HOVER_WIDTH = 80

_BIDI_RE = re.compile(f"[{BIDI_CONTROLS}]")
# C0/C1 controls (tab and newlines become spaces), bidi controls, line/paragraph
# separators, zero-width no-break space (BOM) and the interlinear annotation marks
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI_CONTROLS +
                         "\ufeff\ufff9-\ufffb]")
_SPACE_RE = re.compile("[\t\n\r\u2028\u2029]")


def strip_bidi(text: str) -> str:
    """Remove the explicit bidi controls (overrides, embeddings, isolates) only."""
    return _BIDI_RE.sub("", text)


def clean(value: Any) -> str:
    """``str(value)`` without control characters (line breaks and tabs become spaces).

    Marks that only guide direction inside the text (U+200E LRM, U+200F RLM) stay.
    """
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text
    return _CONTROL_RE.sub("", _SPACE_RE.sub(" ", text))


def shorten(value: Any, max_len: int | None = LABEL_CHARS) -> str:
    """:func:`clean` text cut to *max_len* characters (the last one an ellipsis)."""
    text = clean(value)
    if max_len is not None and len(text) > max_len:
        return text[: max(1, max_len - 1)] + "…"
    return text


def isolate(value: Any, max_len: int | None = None) -> str:
    """A name ready to put inside a sentence: cleaned, optionally shortened, and (unless
    it is plain ASCII, which cannot change the direction of the words around it)
    wrapped in FSI ... PDI so its writing direction stays inside it."""
    text = shorten(value, max_len)
    return f"{FSI}{text}{PDI}" if text and not text.isascii() else text


def balance_bidi(text: str) -> str:
    """Text for HTML: overrides, embeddings and LRI/RLI removed; only FSI ... PDI pairs
    (from :func:`isolate`) stay, each FSI closed by a PDI before the text ends.

    The report templates apply this to every value they print, so no direction
    control from data reaches the page even where a name was not isolated.

    >>> balance_bidi("a\u202eb \u2068c") == "ab \u2068c\u2069"
    True
    """
    if text.isascii():
        return text
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == FSI:
            depth += 1
        elif ch == PDI:
            if depth == 0:
                continue
            depth -= 1
        elif ch in BIDI_CONTROLS:
            continue
        out.append(ch)
    return "".join(out) + PDI * depth


def _escape(text: str) -> str:
    # plotly decodes &lt; &gt; &amp; (not &quot;): quotes stay as they are
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fig_text(value: Any, *, max_len: int | None = TITLE_CHARS) -> str:
    """Text from data for a plotly text field (title, axis title, legend name,
    annotation, tick or category label): cleaned, shortened, HTML-escaped."""
    return _escape(shorten(value, max_len))


def fig_labels(values: Iterable[Any], *, max_len: int = LABEL_CHARS) -> list[str]:
    """Category labels for plotly: :func:`fig_text` of each value, made unique again
    where shortening or cleaning merged two different values (plotly would otherwise
    draw them as one category)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    raw: dict[str, str] = {}
    for v in values:
        key = v if isinstance(v, str) else str(v)
        label = fig_text(key, max_len=max_len)
        if label in raw and raw[label] != key:
            k = seen.get(label, 1)
            while True:
                k += 1
                cand = f"{label} ({k})"
                if cand not in raw:
                    break
            seen[label] = k
            label = cand
        raw.setdefault(label, key)
        out.append(label)
    return out


def fig_hover(value: Any, *, max_len: int = _HOVER_CHARS, width: int = _HOVER_WIDTH) -> str:
    """Text from data for hover labels: :func:`fig_text` up to *max_len* characters,
    broken into lines of *width* characters (``<br>``), so a long name stays readable."""
    text = shorten(value, max_len)
    if len(text) <= width:
        return _escape(text)
    return "<br>".join(_escape(text[i:i + width]) for i in range(0, len(text), width))
