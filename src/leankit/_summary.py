"""A small summary object shared by all results: text in a terminal, HTML in a notebook."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Summary"]


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


@dataclass(frozen=True, slots=True)
class Summary:
    """A titled table of key figures plus numbered notes (assumptions, exclusions).

    Examples
    --------
    >>> s = Summary(title="X-bar chart", rows=(("center", 74.0012),),
    ...             notes=("sigma from R-bar/d2",))
    >>> print(s)
    X-bar chart
      center  74.0012
    Notes
      1. sigma from R-bar/d2
    """

    title: str
    rows: tuple[tuple[str, object], ...] = ()
    notes: tuple[str, ...] = ()
    tables: tuple[tuple[str, pd.DataFrame], ...] = field(default=())

    def __str__(self) -> str:
        width = max((len(k) for k, _ in self.rows), default=0)
        lines = [self.title]
        lines += [f"  {k:<{width}}  {_fmt(v)}" for k, v in self.rows]
        for name, table in self.tables:
            lines += ["", name, table.to_string(index=False)]
        if self.notes:
            lines.append("Notes")
            lines += [f"  {i}. {n}" for i, n in enumerate(self.notes, 1)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def to_frame(self) -> pd.DataFrame:
        """The key figures as a two-column DataFrame (``item``, ``value``)."""
        return pd.DataFrame({"item": [k for k, _ in self.rows], "value": [v for _, v in self.rows]})

    def to_html(self) -> str:
        """HTML fragment (all text escaped)."""
        e = html.escape
        parts = [f"<div class='lk-summary'><h4>{e(self.title)}</h4><table>"]
        parts += [f"<tr><th>{e(k)}</th><td>{e(_fmt(v))}</td></tr>" for k, v in self.rows]
        parts.append("</table>")
        for name, table in self.tables:
            parts.append(f"<h5>{e(name)}</h5>" + table.to_html(index=False, escape=True))
        if self.notes:
            parts.append("<ol>" + "".join(f"<li>{e(n)}</li>" for n in self.notes) + "</ol>")
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()
