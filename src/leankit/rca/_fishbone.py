"""Fishbone (Ishikawa) diagrams: the candidate causes of an effect, by category, each
marked verified, refuted, open or not verified, with its evidence."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from leankit._summary import Summary
from leankit._text import clean
from leankit.errors import ColumnNotFoundError, LeankitError, suggest

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["SIX_M", "STATUSES", "Fishbone", "FishboneError", "fishbone"]

#: The 6M categories, in the order practitioners draw them.
SIX_M = ("Man", "Machine", "Method", "Material", "Measurement", "Environment")
#: The statuses of a candidate cause, in legend order.
STATUSES = ("verified", "refuted", "open", "not verified")

# other spellings of the 6M in exports and templates (matched case-insensitively)
_ALIASES = {
    "men": "Man", "manpower": "Man", "people": "Man", "person": "Man", "personnel": "Man",
    "operator": "Man", "machines": "Machine", "equipment": "Machine",
    "methods": "Method", "process": "Method", "materials": "Material",
    "measurements": "Measurement", "mother nature": "Environment", "milieu": "Environment",
    "environment": "Environment", "nature": "Environment",
}


class FishboneError(LeankitError, ValueError):
    """The causes of a fishbone diagram do not fit (the message says how to fix it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fishbone:
    """An Ishikawa diagram: the effect, its categories and the candidate causes.

    Attributes
    ----------
    effect : str
        The problem (the head of the fish).
    categories : tuple of str
        The bones, in drawing order (also those without a cause).
    table : pandas.DataFrame
        One row per cause: ``category, cause, status, evidence`` (status one of
        ``"verified"``, ``"refuted"``, ``"open"``, ``"not verified"``).
    notes : tuple of str
        What was changed on the way (a missing status read as open, a "verified" cause
        without evidence shown as not verified).
    """

    effect: str
    categories: tuple[str, ...]
    table: pd.DataFrame
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The causes (a copy): ``category, cause, status, evidence``."""
        return self.table.copy()

    def counts(self) -> pd.DataFrame:
        """Causes per category and status: one row per category, one column per status
        and ``total``."""
        t = pd.crosstab(pd.Categorical(self.table["category"], categories=self.categories),
                        pd.Categorical(self.table["status"], categories=STATUSES),
                        dropna=False)
        t = t.reindex(index=list(self.categories), columns=list(STATUSES), fill_value=0)
        t["total"] = t.sum(axis=1)
        t.index.name = "category"
        t.columns.name = None
        return t.reset_index()

    @property
    def verified(self) -> pd.DataFrame:
        """The verified causes (the root causes the evidence supports)."""
        return self.table[self.table["status"] == "verified"].reset_index(drop=True)

    def __repr__(self) -> str:
        n = self.table["status"].value_counts()
        parts = ", ".join(f"{int(n.get(s, 0))} {s}" for s in STATUSES)
        return (f"<Fishbone {clean(self.effect)[:60]!r}: {len(self.categories)} categories, "
                f"{len(self.table)} causes ({parts})>")

    def summary(self) -> Summary:
        """Causes per category and status, the verified causes, and the notes."""
        rows: tuple[tuple[str, object], ...] = (
            ("effect", self.effect), ("categories", ", ".join(self.categories)),
            ("causes", len(self.table)),
            *((s, int((self.table["status"] == s).sum())) for s in STATUSES))
        tables: tuple[tuple[str, pd.DataFrame], ...] = (("Causes per category", self.counts()),)
        if len(self.verified):
            tables += (("Verified causes", self.verified),)
        return Summary(title=repr(self), rows=rows, tables=tables, notes=self.notes)

    def figure(self, **style: Any) -> go.Figure:
        """The Ishikawa diagram (plotly, drawn with shapes and annotations only).

        Parameters
        ----------
        **style
            ``title``, ``width``, ``height``, ``wrap`` (characters per label line),
            ``font_size``: see :func:`leankit.rca._fishbone_figure.fishbone_figure`.
        """
        from leankit.rca._fishbone_figure import fishbone_figure

        return fishbone_figure(self, **style)


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _status(v: Any) -> str | None:
    if _missing(v):
        return None
    key = " ".join(str(v).strip().lower().replace("_", " ").replace("-", " ").split())
    if key in STATUSES:
        return key
    if key in ("unverified", "notverified"):
        return "not verified"
    return key or None


def fishbone(
    causes: pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    effect: str,
    category: str = "category",
    cause: str = "cause",
    status: str = "status",
    evidence: str = "evidence",
    categories: Sequence[str] | None = None,
) -> Fishbone:
    """A fishbone (Ishikawa) diagram of candidate causes, each with its status and evidence.

    Parameters
    ----------
    causes : pandas.DataFrame or list of dict
        One row per candidate cause.
    effect : str
        The problem, in the team's words (the head of the fish).
    category : str, default "category"
        Column of the category (bone) of each cause.
    cause : str, default "cause"
        Column of the cause's text.
    status : str, default "status"
        Column of the status: ``"verified"``, ``"refuted"``, ``"open"`` or ``"not
        verified"`` (any case; ``_``/``-`` read as spaces). Without the column (when left
        at its default) every cause is open; an empty cell is read as open.
    evidence : str, default "evidence"
        Column of the evidence (a test, a chart signal, a link to a result). Optional
        when left at its default.
    categories : list of str, optional
        The bones, in drawing order. Default: the 6M (Man, Machine, Method, Material,
        Measurement, Environment; common other spellings such as "Manpower" or "Mother
        Nature" are mapped onto them) followed by any other category in the data in
        order of appearance. Given: exactly these (matched case-insensitively); a cause
        in another category is an error.

    Returns
    -------
    Fishbone
        ``to_frame()`` columns: ``category, cause, status, evidence``.

    Raises
    ------
    ColumnNotFoundError
        A named column is not in the data.
    FishboneError
        An empty effect, category or cause; an unknown status; a category outside the
        given ``categories``.

    Notes
    -----
    A cause claimed "verified" without any evidence is shown as "not verified" (a claim
    without evidence is not a verified root cause); the notes list each one.

    References
    ----------
    .. [1] Ishikawa, K. (1986), *Guide to Quality Control*, Asian Productivity
       Organization, ch. 3.
    .. [2] NIST/SEMATECH e-Handbook of Statistical Methods; ASQ, "Fishbone diagram".

    Examples
    --------
    >>> causes = [
    ...     {"category": "Machine", "cause": "Worn feeder", "status": "verified",
    ...      "evidence": "rate ratio 3.1 (95 % CI 2.4 to 4.0)"},
    ...     {"category": "Method", "cause": "No set-up check", "status": "open"},
    ...     {"category": "Material", "cause": "Supplier B lot", "status": "refuted",
    ...      "evidence": "no difference by supplier (p = 0.62)"},
    ... ]
    >>> fb = fishbone(causes, effect="Burrs on L2")
    >>> fb
    <Fishbone 'Burrs on L2': 6 categories, 3 causes (1 verified, 1 refuted, 1 open, 0 not verified)>
    >>> fb.to_frame()[["category", "cause", "status"]]
      category            cause    status
    0  Machine      Worn feeder  verified
    1   Method  No set-up check      open
    2 Material   Supplier B lot   refuted
    """
    if not isinstance(effect, str) or not effect.strip():
        raise FishboneError("effect= must be the problem in words (the head of the fish), "
                            f"got {effect!r}")
    if isinstance(causes, pd.DataFrame):
        data = causes
    elif isinstance(causes, (str, bytes)) or not isinstance(causes, Sequence):
        raise FishboneError("causes must be a DataFrame or a list of dicts (one per cause), "
                            f"got {type(causes).__name__}")
    else:
        bad = [i for i, c in enumerate(causes) if not isinstance(c, Mapping)]
        if bad:
            raise FishboneError(f"causes must be a list of dicts; item(s) {bad[:5]} are not "
                                "(give each cause as {'category': ..., 'cause': ..., "
                                "'status': ..., 'evidence': ...})")
        data = pd.DataFrame(list(causes))
    cols = [str(c) for c in data.columns]
    for name, col, optional in (("category", category, False), ("cause", cause, False),
                                ("status", status, status == "status"),
                                ("evidence", evidence, evidence == "evidence")):
        if col not in data.columns and not (optional or data.empty):
            raise ColumnNotFoundError(col, cols, what=f"the causes (the {name} column)")
    notes: list[str] = []
    n = len(data)
    col_or_none = {k: (data[c] if c in data.columns else pd.Series([None] * n, index=data.index,
                                                                   dtype=object))
                   for k, c in (("category", category), ("cause", cause), ("status", status),
                                ("evidence", evidence))}

    # categories
    given = categories is not None
    if given:
        if isinstance(categories, str) or not isinstance(categories, Sequence) \
                or not categories:
            raise FishboneError("categories= must be a non-empty list of names, e.g. "
                                f"{list(SIX_M)!r}, got {categories!r}")
        order = [clean(c).strip() for c in categories]
        if any(not c for c in order):
            raise FishboneError("categories= holds an empty name; give each bone a name")
        lower = [c.lower() for c in order]
        dup = sorted({c for c in lower if lower.count(c) > 1})
        if dup:
            raise FishboneError(f"categories= names {dup!r} more than once")
        lookup = dict(zip(lower, order, strict=True))
    else:
        order = list(SIX_M)
        lookup = {c.lower(): c for c in SIX_M} | _ALIASES
    cats: list[str] = []
    bad_rows: list[int] = []
    unknown: dict[str, list[int]] = {}
    for pos, v in enumerate(col_or_none["category"].tolist()):
        if _missing(v) or not clean(v).strip():
            bad_rows.append(pos)
            cats.append("")
            continue
        text = " ".join(clean(v).split())
        hit = lookup.get(text.lower())
        if hit is None:
            if given:
                unknown.setdefault(text, []).append(pos)
                cats.append(text)
                continue
            order.append(text)
            lookup[text.lower()] = text
            hit = text
        cats.append(hit)
    if bad_rows:
        raise FishboneError(f"cause row(s) {bad_rows[:10]} have no {category!r}; give each "
                            f"cause a category (one of {', '.join(order)})")
    if unknown:
        first = next(iter(unknown))
        raise FishboneError(
            f"categor{'y' if len(unknown) == 1 else 'ies'} "
            f"{', '.join(repr(u) for u in unknown)} (row(s) "
            f"{sorted(r for rs in unknown.values() for r in rs)[:10]}) "
            f"{'is' if len(unknown) == 1 else 'are'} not in categories=; allowed: "
            f"{', '.join(order)}{suggest(first, order)} Add the category to categories= or "
            "correct the cause.")

    # causes
    texts: list[str] = []
    empty = []
    for pos, v in enumerate(col_or_none["cause"].tolist()):
        t = "" if _missing(v) else " ".join(clean(v).split())
        if not t:
            empty.append(pos)
        texts.append(t)
    if empty:
        raise FishboneError(f"cause row(s) {empty[:10]} have an empty {cause!r}; describe each "
                            "candidate cause in words (or drop the row)")

    # evidence
    evid = ["" if _missing(v) else clean(v).strip() for v in col_or_none["evidence"].tolist()]

    # status
    stats_: list[str] = []
    wrong: dict[str, list[int]] = {}
    n_open = 0
    for pos, v in enumerate(col_or_none["status"].tolist()):
        s = _status(v)
        if s is None:
            n_open += 1
            s = "open"
        elif s not in STATUSES:
            wrong.setdefault(str(v), []).append(pos)
        stats_.append(s)
    if wrong:
        raise FishboneError(
            f"status {', '.join(repr(w) for w in wrong)} (row(s) "
            f"{sorted(r for rs in wrong.values() for r in rs)[:10]}) is not one of "
            f"{', '.join(repr(s) for s in STATUSES)}"
            f"{suggest(next(iter(wrong)).lower(), list(STATUSES))}")
    if n_open and status in data.columns:
        notes.append(f"{n_open} cause(s) without a status are shown as open.")
    elif n_open and n:
        notes.append(f"No {status!r} column: every cause is shown as open.")
    downgraded = [texts[i] for i in range(n) if stats_[i] == "verified" and not evid[i]]
    for i in range(n):
        if stats_[i] == "verified" and not evid[i]:
            stats_[i] = "not verified"
    if downgraded:
        notes.append(f"{len(downgraded)} cause(s) marked verified without evidence are shown "
                     "as not verified: " + "; ".join(downgraded[:8])
                     + (" ..." if len(downgraded) > 8 else ""))
    table = pd.DataFrame({"category": cats, "cause": texts, "status": stats_,
                          "evidence": evid}, columns=["category", "cause", "status", "evidence"])
    return Fishbone(effect=" ".join(clean(effect).split()), categories=tuple(order),
                    table=table, notes=tuple(notes))
