"""Overall equipment effectiveness (OEE), its loss tree in minutes, and the downtime
Pareto.

:func:`oee` returns a frozen :class:`OEE`; :func:`downtime_pareto` (also
:meth:`OEE.downtime_pareto`) a :class:`DowntimePareto`. Formulas and conventions are in
``docs/lean.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from leankit._summary import Summary
from leankit.errors import ColumnNotFoundError
from leankit.lean._common import (
    RTOL,
    Invalid,
    Period,
    normalize_by,
    prepare,
    require_columns,
    warn_quality,
)
from leankit.lean._results import MetricsMixin

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["OEE", "DowntimePareto", "downtime_pareto", "oee"]

#: Columns of :meth:`OEE.to_frame` after the group (and period) columns.
OEE_COLUMNS = (
    "rows", "planned_time", "run_time", "ideal_run_time", "fully_productive_time",
    "total_count", "good_count", "availability", "performance", "quality", "oee",
    "availability_loss", "speed_loss", "quality_loss", "note",
)

SPEED_REASON = "reduced speed and minor stops"
QUALITY_REASON = "scrap and rework"
NO_REASON = "no reason given"
UNEXPLAINED = "unexplained"
LOSS_CATEGORIES = ("availability", "speed", "quality", "fully productive")


# ------------------------------------------------------------------ Pareto


@dataclass(frozen=True, slots=True, kw_only=True)
class DowntimePareto:
    """Downtime minutes by reason, largest first, with percent and cumulative percent.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (group, reason): see :meth:`to_frame`.
    by : tuple of str
        Group columns (empty: one Pareto over all rows).
    reason, minutes : str
        The columns the minutes and reasons came from.
    exclusions : pandas.DataFrame
        Input rows not used (``row, column, value, reason``).
    notes : tuple of str
        How the table was made, and every warning.
    parameters : dict
        Settings that produced the result.
    """

    table: pd.DataFrame
    by: tuple[str, ...]
    reason: str
    minutes: str
    exclusions: pd.DataFrame
    notes: tuple[str, ...]
    parameters: Mapping[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The Pareto table, as a new DataFrame.

        Columns: the group columns, ``reason``, ``minutes`` (sum), ``events`` (rows
        with minutes > 0), ``percent`` (of the group's downtime), ``cumulative_percent``
        (ends at exactly 100 in each group) and ``rank`` (1 = largest).
        """
        return self.table.copy()

    @property
    def total_minutes(self) -> float:
        """All downtime minutes in the table."""
        return float(self.table["minutes"].sum())

    @property
    def vital_few(self) -> pd.DataFrame:
        """The reasons up to and including the one that crosses 80 % (per group)."""
        before = self.table["cumulative_percent"] - self.table["percent"]
        return self.table[before < 80.0].reset_index(drop=True)

    def __repr__(self) -> str:
        if self.table.empty:
            return "<DowntimePareto: no downtime>"
        top = self.table.iloc[0]
        grp = f" by {', '.join(self.by)}" if self.by else ""
        return (f"<DowntimePareto{grp}: {self.table['reason'].nunique()} reasons, "
                f"{self.total_minutes:g} min, top {top['reason']!r} "
                f"({top['percent']:.1f} %)>")

    def summary(self) -> Summary:
        """Total minutes, the top reason and the table, with notes."""
        rows: list[tuple[str, object]] = [("downtime [min]", self.total_minutes),
                                          ("reasons", int(self.table["reason"].nunique()))]
        if not self.table.empty:
            rows.append(("top reason", str(self.table.iloc[0]["reason"])))
        return Summary(title=repr(self), rows=tuple(rows), notes=self.notes,
                       tables=(("Downtime by reason", self.table.round(2)),))

    def figure(self, **style: Any) -> go.Figure:
        """Pareto chart: bars of minutes, line of cumulative percent (one panel per
        group). See :func:`leankit.lean.pareto_figure`."""
        from leankit.lean._figures import pareto_figure

        return pareto_figure(self, **style)


def _pareto_table(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Minutes and events per (keys, reason) -> sorted Pareto table."""
    cols = [*keys, "reason", "minutes", "events", "percent", "cumulative_percent", "rank"]
    frame = frame[frame["minutes"] > 0]
    if frame.empty:
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
        for c in (*keys, "reason"):
            out[c] = pd.Series(dtype=object)
        return out[cols]
    g = frame.groupby([*keys, "reason"], sort=True, dropna=False).agg(
        minutes=("minutes", "sum"), events=("events", "sum")).reset_index()
    g = g.sort_values([*keys, "minutes", "reason"], ascending=[True] * len(keys) + [False, True],
                      kind="mergesort").reset_index(drop=True)
    if keys:
        grp = g.groupby(list(keys), sort=False, dropna=False)["minutes"]
        total, cum = grp.transform("sum"), grp.cumsum()
        g["rank"] = g.groupby(list(keys), sort=False, dropna=False).cumcount() + 1
    else:
        total, cum = pd.Series(g["minutes"].sum(), index=g.index), g["minutes"].cumsum()
        g["rank"] = np.arange(1, len(g) + 1)
    g["percent"] = g["minutes"] / total * 100.0
    g["cumulative_percent"] = cum / total * 100.0
    g["events"] = g["events"].astype("int64")
    return g[cols]


def downtime_pareto(
    data: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    reason: str = "downtime_reason",
    minutes: str = "downtime",
    invalid: Invalid = "raise",
) -> DowntimePareto:
    """Pareto of downtime minutes by reason.

    Parameters
    ----------
    data : pandas.DataFrame
        Production rows (canonical ``production`` table or any table with a reason and
        a minutes column).
    by : str or sequence of str, optional
        One Pareto per group (default: one over all rows).
    reason : str, default "downtime_reason"
        Column with the downtime reason.
    minutes : str, default "downtime"
        Column with the downtime minutes.
    invalid : {"raise", "exclude"}, default "raise"
        Rows with missing or negative minutes (or a missing group value) raise
        :class:`~leankit.errors.SchemaError`, or with ``"exclude"`` are left out and
        recorded in ``exclusions`` with a :class:`~leankit.errors.DataQualityWarning`.

    Returns
    -------
    DowntimePareto
        ``to_frame()`` columns: group columns, ``reason, minutes, events, percent,
        cumulative_percent, rank``.

    Raises
    ------
    ColumnNotFoundError
        If a named column is missing (the message suggests close matches).
    SchemaError
        If a column is not numeric, or rows are invalid and ``invalid="raise"``.
    InsufficientDataError
        If *data* has no (valid) rows.

    Warns
    -----
    DataQualityWarning
        When rows are excluded, or a group has no downtime at all.

    See Also
    --------
    oee : OEE with the full loss tree; ``OEE.downtime_pareto()`` adds the
        ``unexplained`` part of planned − run time.

    Notes
    -----
    Minutes are summed per reason; ``events`` counts rows with minutes > 0. Rows with
    minutes but no reason are reported as ``"no reason given"``. Reasons are sorted by
    minutes (largest first, ties by name); ``cumulative_percent`` is the running sum of
    minutes over the group total, so it ends at exactly 100.

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import lean
    >>> df = pd.DataFrame({"downtime_reason": ["Jam", "Jam", "Tool", None],
    ...                    "downtime": [30.0, 20.0, 25.0, 0.0]})
    >>> lean.downtime_pareto(df).to_frame()
      reason  minutes  events    percent  cumulative_percent  rank
    0    Jam     50.0       2  66.666667           66.666667     1
    1   Tool     25.0       1  33.333333          100.000000     2
    """
    keys = normalize_by(by)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    require_columns(data, [*keys, reason, minutes])
    work, exclusions, notes = prepare(
        data, keys=keys, numeric=(minutes,), time=None, period=None, invalid=invalid,
        extra=(reason,), what="data")
    frame = work[list(keys)].copy()
    mins = work[minutes].to_numpy()
    labels = data.loc[work.index, reason]
    no_reason = labels.isna().to_numpy() & (mins > 0)
    frame["reason"] = labels.astype(object).where(~no_reason, NO_REASON).to_numpy()
    frame["minutes"] = mins
    frame["events"] = (mins > 0).astype("int64")
    if no_reason.any():
        notes.append(f"{int(no_reason.sum())} row(s) with downtime but no reason are "
                     f"reported as {NO_REASON!r}.")
    table = _pareto_table(frame, keys)
    _warn_empty(frame, keys, table, notes)
    return DowntimePareto(table=table, by=keys, reason=reason, minutes=minutes,
                          exclusions=exclusions, notes=tuple(notes),
                          parameters={"by": keys, "reason": reason, "minutes": minutes,
                                      "invalid": invalid})


def _warn_empty(frame: pd.DataFrame, keys: tuple[str, ...], table: pd.DataFrame,
                notes: list[str]) -> None:
    if table.empty:
        msg = "no downtime minutes recorded: the downtime Pareto is empty"
        notes.append(msg[0].upper() + msg[1:] + ".")
        warn_quality(msg, stacklevel=4)
    elif keys:
        all_groups = frame[list(keys)].drop_duplicates()
        have = table[list(keys)].drop_duplicates()
        missing = all_groups.merge(have, how="left", indicator=True)
        missing = missing[missing["_merge"] == "left_only"]
        if len(missing):
            names = ["/".join(str(v) for v in r) for r in missing[list(keys)].itertuples(
                index=False)]
            msg = (f"no downtime recorded for {len(names)} group(s): {', '.join(names[:10])}"
                   f"{' ...' if len(names) > 10 else ''}; they have no rows in the Pareto")
            notes.append(msg[0].upper() + msg[1:] + ".")
            warn_quality(msg, stacklevel=4)


# ------------------------------------------------------------------ OEE


@dataclass(frozen=True, slots=True, kw_only=True)
class OEE(MetricsMixin):
    """Overall equipment effectiveness per group (and period), with its loss tree.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group (and period): see :meth:`to_frame`.
    losses : pandas.DataFrame
        The loss tree in minutes, long format: group columns, ``period`` (if set),
        ``category`` (``availability``, ``speed``, ``quality``, ``fully productive``),
        ``reason`` (the downtime reason, ``"unexplained"`` for planned − run time not
        covered by recorded downtime, ``"no reason given"``; ``"reduced speed and minor
        stops"``; ``"scrap and rework"``; ``""``), ``minutes``, ``events`` (rows
        contributing) and ``share`` (minutes / planned time). Per group the minutes add
        up to the planned time.
    overall : pandas.DataFrame
        One row: the same columns as :meth:`to_frame` over all used rows (no groups).
    by : tuple of str
        Group columns (empty: one overall group).
    period : {"day", "week", "month"} or None
        Period of the rows (UTC calendar; ISO weeks ``2026-W44``).
    time : str
        Timestamp column that assigns a row to a period.
    exclusions : pandas.DataFrame
        Input rows not used (``row, column, value, reason``).
    notes : tuple of str
        How the numbers were made, and every warning.
    parameters : dict
        Settings that produced the result.
    """

    table: pd.DataFrame
    losses: pd.DataFrame
    overall: pd.DataFrame
    by: tuple[str, ...]
    period: str | None
    time: str
    exclusions: pd.DataFrame
    notes: tuple[str, ...]
    parameters: Mapping[str, Any]

    METRICS = ("availability", "performance", "quality", "oee", "planned_time", "run_time",
               "fully_productive_time", "availability_loss", "speed_loss", "quality_loss")
    TREND_METRICS = ("availability", "performance", "quality", "oee")

    def _keys(self) -> tuple[str, ...]:
        return self.by

    @property
    def group_columns(self) -> tuple[str, ...]:
        """The group columns plus ``period`` when a period is set."""
        return self.by + (("period",) if self.period else ())

    def to_frame(self) -> pd.DataFrame:
        """One row per group (and period), as a new DataFrame.

        Columns: the group columns, ``period`` (if set), ``rows`` (input rows used),
        ``planned_time``, ``run_time``, ``ideal_run_time`` (Σ ideal_cycle_time ×
        total_count / 60), ``fully_productive_time`` (= oee × planned_time), all in
        minutes; ``total_count``, ``good_count``; ``availability``, ``performance``,
        ``quality``, ``oee`` (ratios, not percent); ``availability_loss``,
        ``speed_loss``, ``quality_loss`` (minutes) and ``note`` (why a ratio is
        undefined or suspicious; empty otherwise).
        """
        return self.table.copy()

    @property
    def value(self) -> float:
        """The overall OEE of all used rows."""
        return float(self.overall["oee"].iloc[0])

    def downtime_pareto(self, *, by: str | Sequence[str] | None = None) -> DowntimePareto:
        """Availability loss by reason, largest first, from this result's loss tree.

        Unlike :func:`downtime_pareto` on the raw rows, this includes the
        ``"unexplained"`` part of planned − run time (when positive).

        Parameters
        ----------
        by : str or sequence of str, optional
            Group columns of this result (or ``"period"``) to keep; default: one
            Pareto over all groups.
        """
        keys = normalize_by(by)
        for k in keys:
            if k not in self.group_columns:
                raise ColumnNotFoundError(k, self.group_columns,
                                          what="the group columns of this result")
        avail = self.losses[self.losses["category"] == "availability"]
        frame = avail[[*keys, "reason", "minutes", "events"]]
        table = _pareto_table(frame, keys)
        notes = [n for n in self.notes if "downtime" in n.lower()]
        _warn_empty(frame, keys, table, notes)
        return DowntimePareto(table=table, by=keys, reason="downtime_reason",
                              minutes="availability_loss", exclusions=self.exclusions,
                              notes=tuple(notes), parameters={"by": keys, "source": "OEE"})

    def __repr__(self) -> str:
        grp = f" by {', '.join(self.by)}" if self.by else ""
        per = f", per {self.period}" if self.period else ""
        n_groups = len(self.table.drop_duplicates(list(self.by))) if self.by else 1
        n_per = (f" x {self.table['period'].nunique()} periods" if self.period else "")
        return (f"<OEE{grp}{per}: {n_groups} group{'s' if n_groups != 1 else ''}{n_per}, "
                f"overall OEE {_pct(self.value)}>")

    def summary(self) -> Summary:
        """Overall A, P, Q, OEE and minutes; tables per group and of the losses."""
        o = self.overall.iloc[0]
        rows: list[tuple[str, object]] = [
            ("planned time [min]", float(o["planned_time"])),
            ("run time [min]", float(o["run_time"])),
            ("availability", float(o["availability"])),
            ("performance", float(o["performance"])),
            ("quality", float(o["quality"])),
            ("OEE", float(o["oee"])),
            ("availability loss [min]", float(o["availability_loss"])),
            ("speed loss [min]", float(o["speed_loss"])),
            ("quality loss [min]", float(o["quality_loss"])),
        ]
        show = [*self.group_columns, "availability", "performance", "quality", "oee", "note"]
        tables = [("OEE", self.table[show].round(4))]
        pareto = self.losses[self.losses["category"] == "availability"]
        if not pareto.empty:
            tables.append(("Availability loss by reason [min]", pareto.groupby(
                "reason", sort=False)["minutes"].sum().sort_values(ascending=False)
                .round(2).reset_index()))
        return Summary(title=repr(self), rows=tuple(rows), notes=self.notes, tables=tuple(tables))

    def figure(self, **style: Any) -> go.Figure:
        """Loss bars (waterfall for one group) and, with a period, the OEE trend.
        See :func:`leankit.lean.oee_figure`."""
        from leankit.lean._figures import oee_figure

        return oee_figure(self, **style)


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.1%}"


def _group_name(keys: Sequence[str], row: pd.Series) -> str:
    return "/".join(str(row[k]) for k in keys) or "all rows"


def _aggregate(work: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sums per group, then the ratios (as ratios of sums) and the loss minutes."""
    sums = ["planned_time", "run_time", "ideal_run_time", "total_count", "good_count"]
    if keys:
        g = work.groupby(keys, sort=True, dropna=False)
        t = g[sums].sum()
        t["rows"] = g.size()
        t["n_ict"] = g["ideal_cycle_time"].nunique()
        t = t.reset_index()
    else:
        t = pd.DataFrame({c: [float(work[c].sum())] for c in sums})
        t["rows"] = len(work)
        t["n_ict"] = work["ideal_cycle_time"].nunique()
    planned, run, ideal = t["planned_time"], t["run_time"], t["ideal_run_time"]
    total, good = t["total_count"], t["good_count"]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (run / planned).where(planned > 0)
        p = (ideal / run).where(run > 0)
        q = (good / total).where(total > 0)
        fpt = (ideal * q).where(total > 0, 0.0)
        o = (a * p * q).where(a.notna() & p.notna() & q.notna(), fpt / planned)
        o = o.where(planned > 0)
    t["availability"], t["performance"], t["quality"], t["oee"] = a, p, q, o
    t["fully_productive_time"] = fpt
    t["availability_loss"] = planned - run
    t["speed_loss"] = run - ideal
    t["quality_loss"] = ideal - fpt
    t["total_count"] = total.astype("int64")
    t["good_count"] = good.astype("int64")
    notes = []
    for i in range(len(t)):
        parts = []
        if not planned.iloc[i] > 0:
            parts.append("no planned time: availability and OEE undefined")
        elif not run.iloc[i] > 0:
            parts.append("no run time: performance undefined")
        if not total.iloc[i] > 0:
            parts.append("no units counted: quality undefined")
        if p.iloc[i] > 1 + RTOL:
            parts.append("performance above 1: ideal cycle time too slow or counts too high")
        notes.append("; ".join(parts))
    t["note"] = notes
    return t


def oee(
    data: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = ("line",),
    period: Period | None = None,
    time: str = "period_start",
    invalid: Invalid = "raise",
) -> OEE:
    """Overall equipment effectiveness, aggregated per group as ratios of sums.

    Parameters
    ----------
    data : pandas.DataFrame
        Production rows (canonical ``production`` table): ``planned_time``,
        ``run_time`` [min], ``ideal_cycle_time`` [s], ``total_count``, ``good_count``;
        optional ``downtime`` [min] and ``downtime_reason`` for the loss breakdown.
    by : str or sequence of str or None, default ("line",)
        Group columns; ``None`` for one overall group.
    period : {"day", "week", "month"}, optional
        Also group by UTC calendar day, ISO week (``"2026-W44"``) or month
        (``"2026-10"``) of the *time* column.
    time : str, default "period_start"
        Timestamp column assigning rows to periods (naive times are taken as UTC).
    invalid : {"raise", "exclude"}, default "raise"
        Rows with a missing or negative value, ``good_count > total_count``,
        ``run_time > planned_time`` or a non-positive ideal cycle time with units
        counted raise :class:`~leankit.errors.SchemaError`; with ``"exclude"`` they are
        left out and recorded in ``exclusions`` with a warning.

    Returns
    -------
    OEE
        ``to_frame()`` columns: group columns, ``period`` (if set), ``rows,
        planned_time, run_time, ideal_run_time, fully_productive_time, total_count,
        good_count, availability, performance, quality, oee, availability_loss,
        speed_loss, quality_loss, note``; ``losses`` holds the loss tree by reason.

    Raises
    ------
    ColumnNotFoundError
        If a needed column is missing (the message suggests close matches).
    SchemaError
        If a column has the wrong type, or rows are invalid and ``invalid="raise"``.
    InsufficientDataError
        If *data* has no (valid) rows.

    Warns
    -----
    DataQualityWarning
        Performance above 1 (rows and groups named: ideal cycle time set too slow or
        counts too high; never capped), a group without planned time, run time or
        units (the ratio is undefined, the ``note`` says why), recorded downtime
        exceeding planned − run time, or excluded rows.

    See Also
    --------
    downtime_pareto, yield_metrics

    Notes
    -----
    Per group, with sums over its rows (minutes; ideal cycle time ``ict`` in seconds)::

        availability  A = Σ run_time / Σ planned_time
        performance   P = Σ (ict × total_count) / 60 / Σ run_time
        quality       Q = Σ good_count / Σ total_count
        OEE           = A × P × Q

    These are ratios of sums, never means of row ratios. Loss tree (minutes)::

        availability loss = Σ planned − Σ run
        speed loss        = Σ run − Σ ict × total / 60       (ideal run time)
        quality loss      = ideal run time × (1 − Q)
        fully productive  = ideal run time × Q = OEE × Σ planned

    so the three losses and the fully productive time add up to the planned time.
    With a single ideal cycle time in a group the quality loss is
    ``ict × (total − good) / 60``. Availability loss is split by ``downtime_reason``
    using ``downtime``; what recorded downtime does not explain is ``"unexplained"``.

    References
    ----------
    .. [1] Nakajima, S. (1988). *Introduction to TPM*. Productivity Press.
    .. [2] Vorne Industries, "OEE calculation", https://www.oee.com/calculating-oee/

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import lean
    >>> df = pd.DataFrame({"line": ["L1", "L1"], "planned_time": [450.0, 450.0],
    ...     "run_time": [420.0, 400.0], "downtime": [30.0, 50.0],
    ...     "downtime_reason": ["Jam", "Changeover"], "ideal_cycle_time": [60.0, 60.0],
    ...     "total_count": [400, 380], "good_count": [390, 380]})
    >>> r = lean.oee(df)
    >>> r.to_frame()[["line", "availability", "performance", "quality", "oee"]].round(4)
      line  availability  performance  quality     oee
    0   L1        0.9111       0.9512   0.9872  0.8556
    """
    keys = normalize_by(by)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    numeric = ("planned_time", "run_time", "ideal_cycle_time", "total_count", "good_count")
    require_columns(data, [*keys, *numeric] + ([time] if period is not None else []))
    checks = _row_checks(data)
    work, exclusions, notes = prepare(
        data, keys=keys, numeric=numeric, optional_numeric=("downtime",), time=time,
        period=period, invalid=invalid, row_checks=checks, what="data")

    work["ideal_run_time"] = work["ideal_cycle_time"] * work["total_count"] / 60.0
    gkeys = [*keys] + (["period"] if period else [])

    table = _aggregate(work, gkeys)
    overall = _aggregate(work, [])

    # --- rows and groups running faster than ideal (never capped)
    fast = work["ideal_run_time"] > work["run_time"] * (1 + RTOL) + 1e-9
    if fast.any():
        rows = list(work.index[fast])
        fast_groups = [_group_name(gkeys, r) for _, r in table.iterrows()
                       if r["performance"] > 1 + RTOL]
        msg = (f"performance above 1 in {len(rows)} row(s) (ideal cycle time × total "
               f"count exceeds run time: ideal cycle time set too slow, or counts too high): "
               f"rows {', '.join(str(r) for r in rows[:10])}{' ...' if len(rows) > 10 else ''}"
               + (f"; groups above 1: {', '.join(fast_groups[:10])}" if fast_groups else "")
               + "; values are not capped")
        notes.append(msg[0].upper() + msg[1:] + ".")
        warn_quality(msg, stacklevel=2)

    # --- availability loss by reason, per row then per group
    avail_loss = (work["planned_time"] - work["run_time"]).to_numpy()
    if "downtime" in work.columns:
        down = np.nan_to_num(work["downtime"].to_numpy(), nan=0.0)
        n_nan = int(work["downtime"].isna().sum())
        if n_nan:
            notes.append(f"{n_nan} row(s) have no downtime value: their planned − run time "
                         f"is reported as {UNEXPLAINED!r}.")
        if "downtime_reason" in data.columns:
            reasons = data.loc[work.index, "downtime_reason"].astype(object)
            no_reason = reasons.isna().to_numpy() & (down > 0)
            reasons = reasons.where(~no_reason, NO_REASON)
            if no_reason.any():
                notes.append(f"{int(no_reason.sum())} row(s) with downtime but no reason are "
                             f"reported as {NO_REASON!r}.")
        else:
            reasons = pd.Series(NO_REASON, index=work.index, dtype=object)
            notes.append("No downtime_reason column: recorded downtime is reported as "
                         f"{NO_REASON!r}.")
    else:
        down = np.zeros(len(work))
        reasons = pd.Series(NO_REASON, index=work.index, dtype=object)
        notes.append(f"No downtime column: all planned − run time is {UNEXPLAINED!r}.")
    unexplained = avail_loss - down
    tol = 1e-9 * np.maximum(1.0, work["planned_time"].to_numpy())
    unexplained = np.where(np.abs(unexplained) <= tol, 0.0, unexplained)
    over = unexplained < 0
    if over.any():
        rows = list(work.index[over])
        msg = (f"recorded downtime exceeds planned − run time in {len(rows)} row(s) "
               f"(rows {', '.join(str(r) for r in rows[:10])}{' ...' if len(rows) > 10 else ''})"
               f"; the excess is reported as negative {UNEXPLAINED!r} minutes")
        notes.append(msg[0].upper() + msg[1:] + ".")
        warn_quality(msg, stacklevel=2)
    parts = []
    base = work[gkeys].reset_index(drop=True)
    d1 = base.copy()
    d1["reason"], d1["minutes"] = reasons.to_numpy(), down
    d1["events"] = (down > 0).astype("int64")
    parts.append(d1[d1["minutes"] > 0])
    d2 = base.copy()
    d2["reason"], d2["minutes"] = UNEXPLAINED, unexplained
    d2["events"] = (unexplained != 0).astype("int64")
    parts.append(d2[d2["minutes"] != 0])
    downtime = pd.concat(parts, ignore_index=True)
    losses = _loss_tree(table, downtime, gkeys)

    # --- groups with undefined ratios, and groups above performance 1
    flagged = table[table["note"].str.contains("undefined")]
    if len(flagged):
        names = [f"{_group_name(gkeys, r)} ({r['note']})" for _, r in flagged.iterrows()]
        msg = (f"{len(names)} group(s) have an undefined ratio: "
               f"{'; '.join(names[:10])}{' ...' if len(names) > 10 else ''}")
        notes.append(msg[0].upper() + msg[1:] + ".")
        warn_quality(msg, stacklevel=2)
    if (table["n_ict"] > 1).any():
        notes.append("The ideal cycle time differs within some groups: performance weights "
                     "each unit by its own ideal cycle time, and the quality loss is "
                     "allocated as ideal run time × (1 − Q) so that the minutes reconcile "
                     "with OEE = A × P × Q.")
    notes.insert(0, "Ratios of sums per group: A = Σrun/Σplanned, P = Σ(ict × total)/60/Σrun, "
                    "Q = Σgood/Σtotal, OEE = A × P × Q. Times in minutes, ideal cycle time in "
                    "seconds.")
    if period:
        notes.insert(1, f"Periods by {time!r} in UTC ({_PERIOD_TEXT[period]}).")

    cols = [*gkeys, *OEE_COLUMNS]
    return OEE(
        table=table[cols], losses=losses, overall=overall[list(OEE_COLUMNS)], by=keys,
        period=period, time=time, exclusions=exclusions, notes=tuple(notes),
        parameters={"by": keys, "period": period, "time": time, "invalid": invalid},
    )


_PERIOD_TEXT = {"day": "calendar days, e.g. 2026-10-28",
                "week": "ISO 8601 weeks starting Monday, e.g. 2026-W44",
                "month": "calendar months, e.g. 2026-10"}


def _row_checks(data: pd.DataFrame) -> list[tuple[str, str, np.ndarray]]:
    def num(c: str) -> np.ndarray:
        s = data[c]
        if s.dtype == bool or not pd.api.types.is_numeric_dtype(s.dtype):
            return np.full(len(data), np.nan)
        return np.asarray(s.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")

    good, total = num("good_count"), num("total_count")
    run, planned, ict = num("run_time"), num("planned_time"), num("ideal_cycle_time")
    with np.errstate(invalid="ignore"):
        return [
            ("good_exceeds_total", "good_count", np.nan_to_num(good > total, nan=0.0) > 0),
            ("run_exceeds_planned", "run_time",
             np.nan_to_num(run > planned * (1 + RTOL) + 1e-9, nan=0.0) > 0),
            ("nonpositive_cycle_time", "ideal_cycle_time",
             np.nan_to_num((ict <= 0) & (total > 0), nan=0.0) > 0),
        ]


def _loss_tree(table: pd.DataFrame, downtime: pd.DataFrame, gkeys: list[str]) -> pd.DataFrame:
    if gkeys:
        avail = downtime.groupby([*gkeys, "reason"], sort=True, dropna=False).agg(
            minutes=("minutes", "sum"), events=("events", "sum")).reset_index()
    else:
        avail = downtime.groupby("reason", sort=True).agg(
            minutes=("minutes", "sum"), events=("events", "sum")).reset_index()
    avail["category"] = "availability"
    rest = []
    for cat, reason, col in (("speed", SPEED_REASON, "speed_loss"),
                             ("quality", QUALITY_REASON, "quality_loss"),
                             ("fully productive", "", "fully_productive_time")):
        f = table[gkeys].copy()
        f["category"], f["reason"], f["minutes"] = cat, reason, table[col]
        f["events"] = table["rows"]
        rest.append(f)
    out = pd.concat([avail, *rest], ignore_index=True)
    order = {c: i for i, c in enumerate(LOSS_CATEGORIES)}
    out["_o"] = out["category"].map(order)
    out = out.sort_values([*gkeys, "_o", "minutes"], ascending=[True] * (len(gkeys) + 1)
                          + [False], kind="mergesort").drop(columns="_o")
    planned = out.merge(table[[*gkeys, "planned_time"]], on=gkeys, how="left")["planned_time"] \
        if gkeys else pd.Series(float(table["planned_time"].iloc[0]), index=range(len(out)))
    out = out.reset_index(drop=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = (out["minutes"] / planned.to_numpy()).where(planned.to_numpy() > 0)
    out["events"] = out["events"].astype("int64")
    return out[[*gkeys, "category", "reason", "minutes", "events", "share"]]
