"""The report layer: sections of collapsible items made of blocks, rendered by jinja2
templates into one self-contained HTML file (plotly.js embedded once, no network)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leankit import __version__
from leankit._text import LABEL_CHARS, balance_bidi, shorten

__all__ = ["Block", "Item", "Report", "Section", "Table"]


#: Rows of a table carried by its "Download CSV" button (the rest is counted in a note).
CSV_MAX_ROWS = 5000
#: A table with more rows than this is "long": on paper only its first PRINT_ROWS rows
#: are printed, with a line saying how many more are in the HTML and its CSV.
LONG_TABLE_ROWS = 30
PRINT_ROWS = 20
# Leading characters that make a spreadsheet read a cell as a formula (OWASP "CSV
# Injection"; OWASP ASVS 5.0 requirement 1.2.10 adds the null character).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


@dataclass(slots=True)
class Table:
    """A table ready to render: column names and rows of (text, is_text) cells.

    ``more`` rows of the frame are not shown; ``csv`` is the frame as CSV text (RFC 4180,
    at most :data:`CSV_MAX_ROWS` rows, ``csv_more`` rows left out) for the table's
    "Download CSV" button, built by :func:`csv_text`; empty means no button.
    """

    columns: list[str]
    rows: list[list[tuple[str, bool]]]
    more: int = 0
    csv: str = ""
    csv_more: int = 0

    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, max_rows: int = 60, digits: int = 3,
                   csv_rows: int = CSV_MAX_ROWS, units: dict[str, str] | None = None,
                   names: dict[str, str] | None = None) -> Table:
        """Format a DataFrame for reading; its first ``csv_rows`` rows are kept as CSV in
        full precision (:func:`csv_text`).

        Headers become words (:func:`header_words`; ``names`` overrides, ``units`` appends
        ``" (mm)"``); numbers are shown to ``digits`` significant digits with thousands
        separators (whole numbers as integers, 1,000 and more without decimals), p-values
        below 0.001 as ``< 0.001``, fractions of known ratio columns (:data:`FRACTION_COLUMNS`)
        as percentages, and the values of a row with control limits (``lcl``, ``ucl``) to
        the decimals that show 3 significant digits of the limits' width (see
        :func:`format_number`). Text is escaped by the template.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"rate_ratio": [3.67129], "p_adjusted": [9.85e-70],
        ...                    "oee": [0.866459], "minutes": [1599.0]})
        >>> t = Table.from_frame(df)
        >>> t.columns
        ['rate ratio', 'p (adjusted)', 'OEE', 'minutes']
        >>> [cell for cell, _ in t.rows[0]]
        ['3.67', '< 0.001', '86.6 %', '1,599']
        """
        shown = df.head(max_rows)
        cols = [str(c) for c in df.columns]
        kinds = [_column_kind(c) for c in cols]
        pos = {c: i for i, c in enumerate(cols)}
        lo, hi = pos.get("lcl"), pos.get("ucl")
        rows = []
        for rec in shown.itertuples(index=False, name=None):
            width = None
            if lo is not None and hi is not None:
                a, b = rec[lo], rec[hi]
                if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float,
                                                                             np.number)):
                    w = float(b) - float(a)
                    width = w if math.isfinite(w) and w > 0 else None
            rows.append([_cell(v, digits, kind, width) for v, kind in zip(rec, kinds,
                                                                          strict=True)])
        heads = [header_words(c, unit=(units or {}).get(c), names=names) for c in cols]
        return cls(heads, rows, max(0, len(df) - max_rows),
                   csv_text(df, max_rows=csv_rows), max(0, len(df) - csv_rows))

    @property
    def total(self) -> int:
        """Rows of the frame (shown and not shown)."""
        return len(self.rows) + self.more

    @property
    def long(self) -> bool:
        """More than :data:`LONG_TABLE_ROWS` rows shown: printed in part only."""
        return len(self.rows) > LONG_TABLE_ROWS

    @property
    def print_rows(self) -> int:
        """Rows printed on paper (all of a short table, :data:`PRINT_ROWS` of a long one)."""
        return PRINT_ROWS if self.long else len(self.rows)

    def csv_json(self) -> Any:
        """The CSV as a JSON string literal for a ``<script type="application/json">``
        element: markup (``markupsafe.Markup``) because it is made script-safe here (``<``,
        ``>``, ``&`` and the line separators escaped as ``\\u`` sequences, which JSON.parse
        reads back), like the figure JSON."""
        import json

        from markupsafe import Markup

        return Markup(_escape_script(json.dumps(self.csv, ensure_ascii=False)))


#: Column names shown as other words in report tables (others: :func:`header_words`).
HEADER_WORDS: dict[str, str] = {
    "rate_ratio": "rate ratio", "rr_lower": "rate ratio (CI low)",
    "rr_upper": "rate ratio (CI high)", "p_value": "p", "p_adjusted": "p (adjusted)",
    "percent": "%", "cumulative_percent": "cumulative %", "before_percent": "before %",
    "after_percent": "after %", "change_points": "change (% points)",
    "expected": "expected at the overall rate", "excess": "excess over the overall rate",
    "lcl": "LCL", "ucl": "UCL", "lsl": "LSL", "usl": "USL", "mu": "mean (μ)",
    "sigma": "sigma (σ)", "sigma_z": "sigma of z", "n": "n", "df": "df",
    "fpy": "first-pass yield", "oee": "OEE", "dpmo": "DPMO", "dpu": "defects per unit",
    "ppm": "ppm", "welch_p": "p (Welch)", "kruskal_p": "p (Kruskal-Wallis)",
    "levene_p": "p (Levene)", "brown_forsythe_p": "p (Brown-Forsythe)",
    "vital_few": "vital few", "fitted": "fitted rate", "ratio": "ratio to the overall rate",
}
#: Columns holding a fraction of 1 that is read as a percentage (0.866 is shown 86.6 %).
FRACTION_COLUMNS = frozenset({
    "fpy", "first_pass_yield", "oee", "availability", "performance", "quality",
    "scrap_rate", "yield", "rty", "rolled_throughput_yield", "share", "fraction",
})
#: Columns holding p-values (shown ``< 0.001`` below 0.001).
P_COLUMNS = frozenset({"p", "p_value", "p_adjusted", "pvalue", "welch_p", "kruskal_p",
                       "levene_p", "brown_forsythe_p"})
# Columns on the measured scale: in a row with control limits their decimals follow the
# limits' width (25.0140 and 24.9859 are not both "25")
_SCALE_COLUMNS = frozenset({"center", "lcl", "ucl", "mu", "mean", "median", "cl", "lsl",
                            "usl", "nominal"})
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def header_words(name: str, *, unit: str | None = None,
                 names: dict[str, str] | None = None) -> str:
    """A column name as words for a reader: a known name from :data:`HEADER_WORDS` (or
    *names*), snake_case as words (``_percent`` as ``%``), anything else unchanged; with
    *unit*, ``" (unit)"`` appended.

    Examples
    --------
    >>> header_words("cumulative_percent"), header_words("baseline_subgroups")
    ('cumulative %', 'baseline subgroups')
    >>> header_words("ppm (expected)"), header_words("mean", unit="mm")
    ('ppm (expected)', 'mean (mm)')
    """
    text = (names or {}).get(name) or HEADER_WORDS.get(name)
    if text is None:
        text = name
        if _SNAKE.match(name):
            text = re.sub(r"_percent$", " %", name).replace("_", " ")
    return f"{text} ({unit})" if unit else text


def _column_kind(name: str) -> str:
    if name in P_COLUMNS or name.startswith("p_") or name.endswith("_p"):
        return "p"
    if name in FRACTION_COLUMNS:
        return "fraction"
    if name in _SCALE_COLUMNS:
        return "scale"
    return ""


def format_number(x: float, digits: int = 3, *, kind: str = "",
                  width: float | None = None) -> str:
    """A number as a reader sees it in a report table.

    ``digits`` significant digits (trailing zeros dropped, never an exponent down to
    1e-9), whole numbers as integers, 1,000 and more rounded to a whole number with
    thousands separators (``2,350``: a leader does not read 2,350.35). ``kind="p"``:
    ``< 0.001`` below 0.001; ``kind="fraction"``: a percentage (``86.6 %``);
    ``kind="scale"`` with ``width``: the decimals that show ``digits`` significant digits
    of *width* (a control-limit row: the centre 24.9999 between 24.9859 and 25.0140),
    without: 6 significant digits (a specification limit 24.95 is not 24.9).

    Examples
    --------
    >>> format_number(0.911187), format_number(2350.35), format_number(1599.0)
    ('0.911', '2,350', '1,599')
    >>> format_number(9.8502e-70, kind="p"), format_number(0.0222, kind="p")
    ('< 0.001', '0.0222')
    >>> format_number(0.990794, kind="fraction"), format_number(-3.65708e-05)
    ('99.1 %', '-0.0000366')
    >>> format_number(24.98594, kind="scale", width=0.02808), format_number(24.95, kind="scale")
    ('24.9859', '24.95')
    """
    if math.isnan(x):
        return "—"
    if not math.isfinite(x):
        return "∞" if x > 0 else "−∞"
    if kind == "p" and x < 0.001:
        return "< 0.001"
    if kind == "fraction":
        return format_number(x * 100, digits) + " %"
    if kind == "scale" and width is not None:
        dec = max(0, digits - 1 - math.floor(math.log10(width)))
        text = f"{x:,.{min(dec, 12)}f}"
        return "0" if float(text.replace(",", "")) == 0 else text
    if kind == "scale":  # a specification limit or a mean: as given, up to 6 digits
        return format_number(x, max(digits, 6))
    if x == 0:
        return "0"
    if abs(x) >= 10 ** (digits - 1) * 10 or float(x).is_integer():
        return f"{round(x):,}" if abs(x) < 1e15 else f"{x:.{digits}g}"
    mag = math.floor(math.log10(abs(x)))
    if mag < -9:
        return f"{x:.{digits}g}"
    dec = max(0, digits - 1 - mag)
    if abs(round(x, dec)) >= 10 ** digits:  # 999.7 rounds up to 1,000
        return f"{round(x):,}"
    text = f"{round(x, dec):,.{dec}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _cell(v: Any, digits: int, kind: str = "", width: float | None = None
          ) -> tuple[str, bool]:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return "—", True
    if isinstance(v, (bool, np.bool_)):
        return ("yes" if v else "no"), True
    if isinstance(v, (int, np.integer)):
        if kind in ("p", "fraction"):
            return format_number(float(v), digits, kind=kind), False
        return f"{int(v):,}", False
    if isinstance(v, (float, np.floating)):
        return format_number(float(v), digits, kind=kind, width=width), False
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M"), True
    return str(v), True


def csv_cell(v: Any) -> str:
    """One value as a CSV field's text: numbers in full precision (``repr``), missing
    values empty, timestamps ISO 8601, and text neutralised against formula injection.

    Text that starts with ``=``, ``+``, ``-``, ``@``, tab, carriage return or the null
    character gets a leading apostrophe, so a spreadsheet shows it as text instead of
    evaluating it (OWASP, "CSV Injection"). Numbers are never changed: ``-5`` stays a
    number; the text ``"-5"`` becomes ``'-5``. Direction overrides are removed from text
    as in the HTML (:func:`leankit._text.balance_bidi`).

    Examples
    --------
    >>> print(csv_cell(-0.25), csv_cell("-0.25"), csv_cell("=HYPERLINK(1)"), csv_cell("@A1"))
    -0.25 '-0.25 '=HYPERLINK(1) '@A1
    >>> csv_cell(float("nan")), csv_cell(True), csv_cell(12345678901)
    ('', 'True', '12345678901')
    """
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, np.floating) and not isinstance(v, np.float64):
        return "" if np.isnan(v) else str(v)  # float32/16: their own shortest repr
    if isinstance(v, (float, np.floating)):
        return "" if math.isnan(v) else repr(float(v))
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return "" if np.isnat(v) else pd.Timestamp(v).isoformat()
    text = balance_bidi(str(v))
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(df: pd.DataFrame, *, max_rows: int = CSV_MAX_ROWS) -> str:
    """The first *max_rows* rows of *df* as CSV text (RFC 4180: comma separated, fields
    with commas, quotes or line breaks quoted, CRLF line ends; a header row of the column
    names; the index is not written). Every field goes through :func:`csv_cell`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"reason": ["=1+1", "a, b"], "delta": [-1.5, 2]})
    >>> csv_text(df).splitlines()
    ['reason,delta', "'=1+1,-1.5", '"a, b",2.0']
    """
    import csv
    import io

    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow([csv_cell(str(c)) for c in df.columns])
    for rec in df.head(max_rows).itertuples(index=False, name=None):
        out.writerow([csv_cell(v) for v in rec])
    return buf.getvalue()


@dataclass(slots=True)
class Block:
    """One piece of content: ``kind`` is text, note, finding, figure, table, list, links,
    attention, verdicts or tiles (see ``templates/blocks.html.j2``)."""

    kind: str
    content: Any
    label: str = ""


@dataclass(slots=True)
class Item:
    """A collapsible item of a section (e.g. one chart per characteristic)."""

    heading: str
    blocks: list[Block]
    anchor: str = ""
    open: bool = False
    badge: tuple[str, str] | None = None


@dataclass(slots=True)
class Section:
    """A report section: intro, blocks and collapsible items."""

    title: str
    anchor: str
    intro: str = ""
    blocks: list[Block] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    #: Column of a multi-column page (the A3 layout: 1-3, 4 = under the columns).
    column: int = 0


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"
    slug, k = base, 2
    while slug in taken:
        slug, k = f"{base}-{k}", k + 1
    taken.add(slug)
    return slug


_ROUND = re.compile(r"(-?\d+\.\d{7,})(?=[,\]}])")


def _script_safe(raw: str) -> str:
    return _escape_script(_ROUND.sub(lambda m: f"{float(m.group(1)):.7g}", raw))


def _escape_script(raw: str) -> str:
    """JSON text that cannot end its ``<script>`` element (``<``, ``>``, ``&`` and the
    JavaScript line separators as ``\\u`` escapes; JSON.parse reads them back)."""
    return (raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


#: Chart figures in a report: SVG, never WebGL (a browser keeps about 16 WebGL contexts
#: alive; a report of 50 characteristics would lose the oldest charts' drawings), and
#: a decimated view above 2,000 points a panel (the first, last, lowest and highest of
#: 500 buckets, every signal: what a panel 1,000 pixels wide can show).
REPORT_FIGURE: dict[str, Any] = {"webgl": False, "max_points": 2_000}


def figure_json(fig: Any) -> tuple[str, str]:
    """Compact JSON of a plotly figure without its template, and the template's JSON.

    The template (colours, fonts: several kB) is stored once per report and merged in
    the browser. Floats are shortened to 7 significant decimals; ``<``, ``>`` and ``&``
    are escaped as ``\\u003c`` etc., so text from data cannot close the script element.
    """
    import plotly.io as pio

    spec = fig.to_plotly_json()
    template = spec.get("layout", {}).pop("template", None)
    raw = pio.to_json(spec, validate=False, pretty=False, remove_uids=True)
    tpl = (pio.to_json(template, validate=False, pretty=False, remove_uids=False) if template
           else "null")
    return _script_safe(raw), _script_safe(tpl)


def _finalize(value: Any) -> Any:
    """Every value a template prints: no bidi override or embedding from data reaches
    the page, and every isolate (FSI) is closed (see ``leankit._text.balance_bidi``).
    Markup (already rendered blocks, the embedded CSS/JS/JSON) passes unchanged; the
    rest is escaped by the autoescaping environment after this."""
    from markupsafe import Markup

    if value is None or isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return balance_bidi(value)
    return value


def _short(value: Any, max_len: int = LABEL_CHARS) -> str:
    """Template filter: a heading cut to *max_len* characters (the full text goes in a
    ``title`` attribute beside it)."""
    return shorten(value, max_len) if len(str(value)) > max_len else str(value)


class Report:
    """An HTML report: sections of results, tables, text and figures.

    Parameters
    ----------
    title : str
        Report title.
    subtitle : str, optional
        Line under the title (period, scope).

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import rca
    >>> rep = Report(title="Line 3, week 12")
    >>> df = pd.DataFrame({"defect": ["burr", "scratch", "burr"]})
    >>> _ = rep.add(rca.pareto(df, category="defect"), heading="Defects")
    >>> "Defects" in rep.to_html()
    True
    """

    def __init__(self, title: str, *, subtitle: str = "") -> None:
        self.title = title
        self.subtitle = subtitle
        self.header_lines: list[str] = []
        self.footer_lines: list[str] = [
            f"Generated by leankit {__version__} on "
            f"{dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}."]
        self.sections: list[Section] = []
        self._figures: list[tuple[str, str]] = []
        self._templates: dict[str, str] = {}  # template JSON -> id (usually one per report)
        self._figure_template: dict[str, str] = {}
        self._anchors: set[str] = set()
        #: Analyses that failed unexpectedly while the report was built: (what, message).
        #: The report still renders (the section says so); callers such as the CLI
        #: should treat a non-empty list as an error.
        self.failures: list[tuple[str, str]] = []
        #: Machine-readable content written beside the HTML as ``<name>.json`` by
        #: :meth:`write` (the weekly report's verdicts); None writes no JSON.
        self.data: dict[str, Any] | None = None
        #: The weekly report's verdicts (:class:`~leankit.reports.SeriesVerdict`), one
        #: per characteristic and count series; empty for other reports.
        self.verdicts: list[Any] = []
        #: Page layout: ``"standard"`` (sections in one column with a contents bar) or
        #: ``"a3"`` (one A3 landscape page: sections in three columns by
        #: ``Section.column``, see ``templates/a3.html.j2``).
        self.layout: str = "standard"
        #: The A3 report's headline verdict (``level``, ``label``), shown in its header.
        self.verdict: dict[str, str] | None = None

    # ----------------------------------------------------------------- building
    def section(self, title: str, *, intro: str = "") -> Section:
        """Return the section called *title*, creating it at the end if needed."""
        for s in self.sections:
            if s.title == title:
                return s
        sec = Section(title=title, anchor=_slug(title, self._anchors), intro=intro)
        self.sections.append(sec)
        return sec

    def figure(self, fig: Any, label: str = "chart") -> Block:
        """Register a plotly figure; returns its block."""
        fid = f"fig-{len(self._figures) + 1}"
        spec, template = figure_json(fig)
        self._templates.setdefault(template, f"tpl-{len(self._templates) + 1}")
        self._figures.append((fid, spec))
        self._figure_template[fid] = self._templates[template]
        return Block("figure", fid, label)

    def item(self, section: str, heading: str, blocks: list[Block], *, open: bool = False,
             badge: tuple[str, str] | None = None) -> Item:
        """Add a collapsible item to a section; returns it (its ``anchor`` is the link)."""
        it = Item(heading=heading, blocks=blocks, anchor=_slug(heading, self._anchors),
                  open=open, badge=badge)
        self.section(section).items.append(it)
        return it

    def add(self, result: Any, *, heading: str | None = None, section: str | None = None,
            open: bool = False) -> Item:
        """Add a leankit result (chart, capability, Pareto, stratification, driver model,
        change points, OEE ...) as a collapsible item with its figure, tables and findings.

        Raises
        ------
        TypeError
            If the object is not a result leankit knows how to report.
        """
        from leankit.reports._adapters import blocks_for

        sec, default_heading, blocks, badge = blocks_for(self, result)
        return self.item(section or sec, heading or default_heading, blocks, open=open,
                         badge=badge)

    def add_table(self, df: pd.DataFrame, *, heading: str, section: str, note: str = "",
                  open: bool = True) -> Item:
        """Add a DataFrame as a table item."""
        blocks = [Block("table", Table.from_frame(df))]
        if note:
            blocks.append(Block("note", note))
        return self.item(section, heading, blocks, open=open)

    def add_text(self, text: str, *, section: str) -> None:
        """Add a paragraph at the top of a section."""
        self.section(section).blocks.append(Block("text", text))

    # ---------------------------------------------------------------- rendering
    def to_html(self) -> str:
        """The whole report as one HTML document (self-contained)."""
        import jinja2
        import plotly.offline

        env = jinja2.Environment(
            loader=jinja2.PackageLoader("leankit.reports", "templates"),
            autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
            trim_blocks=True, lstrip_blocks=True, finalize=_finalize,
        )
        env.filters["short"] = _short
        static = resources.files("leankit.reports").joinpath("static")
        css = static.joinpath("report.css").read_text("utf-8")
        if self.layout == "a3":
            css += static.joinpath("a3.css").read_text("utf-8")
        js = static.joinpath("report.js").read_text("utf-8")
        blocks = env.get_template("blocks.html.j2").module
        tpl = env.get_template("a3.html.j2" if self.layout == "a3" else "base.html.j2")
        return tpl.render(
            report=self, blocks=blocks, css=css, js=js, version=__version__,
            plotlyjs=plotly.offline.get_plotlyjs().replace("</script", "<\\/script"),
            figures=[{"id": fid, "json": js_, "template": self._figure_template[fid]}
                     for fid, js_ in self._figures],
            templates=[{"id": tid, "json": tj} for tj, tid in self._templates.items()],
        )

    def write(self, path: str | Path) -> Path:
        """Write the report atomically to *path* (an ``.html`` file); returns the path.

        With :attr:`data` set (the weekly report), ``path`` with the suffix ``.json`` is
        written too: the verdicts for dashboards and alerting scripts."""
        import json

        from leankit.io._dataset import atomic_write_bytes

        path = Path(path)
        atomic_write_bytes(path, self.to_html().encode("utf-8"))
        if self.data is not None:
            atomic_write_bytes(path.with_suffix(".json"), json.dumps(
                self.data, indent=2, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        return path

    def __repr__(self) -> str:
        items = sum(len(s.items) for s in self.sections)
        return (f"<Report {self.title!r}: {len(self.sections)} sections, {items} items, "
                f"{len(self._figures)} figures>")

