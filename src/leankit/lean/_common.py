"""Shared plumbing of :mod:`leankit.lean`: input validation, row accounting, period
labels, and the target / trend comparisons every lean result offers."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from leankit.errors import (
    ColumnNotFoundError,
    DataQualityWarning,
    InsufficientDataError,
    SchemaError,
)

__all__ = [
    "EXCLUSION_COLUMNS",
    "HIGHER_IS_BETTER",
    "Invalid",
    "Period",
    "compare_targets",
    "normalize_by",
    "period_labels",
    "prepare",
    "trend_table",
    "warn_quality",
]

Period = Literal["day", "week", "month"]
Invalid = Literal["raise", "exclude"]

PERIODS: tuple[str, ...] = ("day", "week", "month")

#: Columns of every ``exclusions`` table.
EXCLUSION_COLUMNS = ("row", "column", "value", "reason")

#: Direction of "good" for every metric the lean results report.
HIGHER_IS_BETTER: dict[str, bool] = {
    "availability": True,
    "performance": True,
    "quality": True,
    "oee": True,
    "fully_productive_time": True,
    "run_time": True,
    "availability_loss": False,
    "speed_loss": False,
    "quality_loss": False,
    "fpy": True,
    "rty": True,
    "dpu": False,
    "dpmo": False,
    "sigma_level": True,
    "scrap_rate": False,
    "rework_rate": False,
    "throughput_per_run_hour": True,
    "throughput_per_planned_hour": True,
    "good_count": True,
    "total_count": True,
    "minutes": False,
    "percent": False,
}

#: Relative tolerance of the consistency checks (run <= planned, performance <= 1).
RTOL = 1e-9


def normalize_by(by: str | Sequence[str] | None, name: str = "by") -> tuple[str, ...]:
    """``by=`` as a tuple of column names (``None`` and ``()`` mean one overall group)."""
    if by is None:
        return ()
    if isinstance(by, str):
        return (by,)
    if not isinstance(by, Sequence) or not all(isinstance(b, str) for b in by):
        raise TypeError(f"{name}= must be a column name or a sequence of column names, "
                        f"got {by!r}")
    out = tuple(by)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}= names a column twice: {out!r}")
    return out


def _require_frame(data: object) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    return data


def require_columns(data: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise :class:`ColumnNotFoundError` (with a suggestion) for the first missing column."""
    available = [str(c) for c in data.columns]
    for col in columns:
        if col not in data.columns:
            raise ColumnNotFoundError(col, available)


def as_float(s: pd.Series, column: str) -> np.ndarray:
    """A numeric column as float64 (missing -> NaN); non-numeric dtypes raise SchemaError."""
    if s.dtype == bool or not pd.api.types.is_numeric_dtype(s.dtype):
        raise SchemaError(
            f"column {column!r} must be numeric, got dtype {s.dtype}; convert it first "
            f"(e.g. with pandas.to_numeric) or load the table with leankit.io"
        )
    return np.asarray(s.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")


def period_labels(ts: pd.Series, period: Period, column: str) -> tuple[pd.Series, bool]:
    """Label each timestamp with its UTC day (``2026-10-28``), ISO week (``2026-W44``)
    or month (``2026-10``). Returns the labels and whether the times were naive (taken
    as UTC)."""
    if not pd.api.types.is_datetime64_any_dtype(ts.dtype):
        raise SchemaError(
            f"time column {column!r} must hold timestamps (datetime64), got dtype "
            f"{ts.dtype}; parse it with pandas.to_datetime(..., utc=True) first"
        )
    naive = getattr(ts.dt, "tz", None) is None
    t = ts.dt.tz_localize("UTC") if naive else ts.dt.tz_convert("UTC")
    if period == "day":
        labels = t.dt.strftime("%Y-%m-%d")
    elif period == "month":
        labels = t.dt.strftime("%Y-%m")
    else:
        iso = t.dt.isocalendar()
        labels = (iso["year"].astype("int64").astype(str) + "-W"
                  + iso["week"].astype("int64").astype(str).str.zfill(2))
    return labels.astype(str), naive


def check_period(period: object) -> None:
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be None, 'day', 'week' or 'month', got {period!r}")


def check_invalid(invalid: object) -> None:
    if invalid not in ("raise", "exclude"):
        raise ValueError(f"invalid must be 'raise' or 'exclude', got {invalid!r}")


def _fmt_rows(labels: Sequence[object], limit: int = 10) -> str:
    shown = ", ".join(str(x) for x in labels[:limit])
    return shown + (f" ... ({len(labels)} in all)" if len(labels) > limit else "")


def warn_quality(message: str, stacklevel: int = 4) -> None:
    """Issue a :class:`DataQualityWarning`."""
    warnings.warn(message, DataQualityWarning, stacklevel=stacklevel)


def prepare(
    frame: object,
    *,
    keys: tuple[str, ...],
    numeric: Sequence[str],
    optional_numeric: Sequence[str] = (),
    extra: Sequence[str] = (),
    time: str | None,
    period: Period | None,
    invalid: Invalid,
    row_checks: Sequence[tuple[str, str, np.ndarray]] = (),
    what: str = "data",
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Validate *data* and return ``(work, exclusions, notes)``.

    ``work`` holds the key columns (as given), a ``period`` label column when *period*
    is set, and the numeric columns as float64 (optional ones only if present), one row
    per used input row, indexed like *data*. Rows with a missing key / numeric value,
    a negative numeric value, or a failed *row_check* (``(code, message, mask)``) are
    invalid: they raise :class:`SchemaError` (``invalid="raise"``) or are dropped and
    recorded in ``exclusions`` with a :class:`DataQualityWarning` (``"exclude"``).
    """
    data = _require_frame(frame)
    check_period(period)
    check_invalid(invalid)
    needed = list(keys) + list(numeric) + ([time] if period is not None and time else [])
    require_columns(data, needed + list(extra))
    if len(data) == 0:
        raise InsufficientDataError(f"{what} has no rows: nothing to compute")

    work = pd.DataFrame(index=data.index)
    notes: list[str] = []
    for k in keys:
        work[k] = data[k]
    for col in numeric:
        work[col] = as_float(data[col], col)
    for col in optional_numeric:
        if col in data.columns:
            work[col] = as_float(data[col], col)

    problems: list[pd.DataFrame] = []

    def add(mask: np.ndarray, column: str, values: pd.Series | np.ndarray, reason: str) -> None:
        if mask.any():
            idx = data.index[mask]
            vals = np.asarray(values, dtype=object)[mask]
            problems.append(pd.DataFrame({"row": list(idx), "column": column,
                                          "value": list(vals), "reason": reason}))

    for k in keys:
        add(data[k].isna().to_numpy(), k, data[k].to_numpy(dtype=object), "missing_value")
    if period is not None and time:
        labels, naive = period_labels(data[time], period, time)
        add(data[time].isna().to_numpy(), time, data[time].to_numpy(dtype=object),
            "missing_value")
        work["period"] = labels.where(data[time].notna())
        if naive:
            notes.append(f"Time column {time!r} has no time zone: its values were taken as UTC.")
    for col in numeric:
        v = work[col].to_numpy()
        add(np.isnan(v), col, v, "missing_value")
    for col in list(numeric) + [c for c in optional_numeric if c in work.columns]:
        v = work[col].to_numpy()
        add(np.nan_to_num(v, nan=0.0) < 0, col, v, "negative_value")
        add(np.isinf(v), col, v, "infinite_value")
    for code, column, mask in row_checks:
        shown = data[column].to_numpy(dtype=object) if column in data.columns else mask
        add(np.asarray(mask, dtype=bool), column, shown, code)

    exclusions = (pd.concat(problems, ignore_index=True) if problems
                  else pd.DataFrame({c: pd.Series(dtype=object) for c in EXCLUSION_COLUMNS}))
    if len(exclusions):
        bad_rows = pd.unique(exclusions["row"])
        counts = exclusions.groupby("reason", sort=True)["row"].nunique()
        detail = ", ".join(f"{r}: {n} row(s)" for r, n in counts.items())
        if invalid == "raise":
            raise SchemaError(
                f"{len(bad_rows)} row(s) of {what} cannot be used ({detail}); rows "
                f"{_fmt_rows(list(bad_rows))}. Fix them, or pass invalid='exclude' to "
                f"leave them out with a record in .exclusions",
                failure_cases=exclusions,
            )
        work = work.drop(index=bad_rows)
        msg = (f"{len(bad_rows)} row(s) of {what} excluded ({detail}); see .exclusions")
        notes.append(msg[0].upper() + msg[1:] + ".")
        warn_quality(msg, stacklevel=4)
        if len(work) == 0:
            raise InsufficientDataError(
                f"every row of {what} is invalid ({detail}); nothing to compute"
            )
    return work, exclusions, notes


# ----------------------------------------------------------------- targets, trend

def _hib(metric: str, higher_is_better: bool | Mapping[str, bool] | None) -> bool:
    if isinstance(higher_is_better, bool):
        return higher_is_better
    if isinstance(higher_is_better, Mapping) and metric in higher_is_better:
        return bool(higher_is_better[metric])
    if metric in HIGHER_IS_BETTER:
        return HIGHER_IS_BETTER[metric]
    raise ValueError(
        f"no default direction for metric {metric!r}: pass higher_is_better=True/False "
        f"or a mapping such as higher_is_better={{{metric!r}: True}}"
    )


def _status(actual: float, target: float, higher: bool) -> str:
    if not math.isfinite(actual):
        return "no data"
    gap = actual - target
    if abs(gap) <= 1e-12 * max(1.0, abs(target)):
        return "on target"
    if higher:
        return "on target" if gap > 0 else "below target"
    return "on target" if gap < 0 else "above target"


def compare_targets(
    frame: pd.DataFrame,
    keys: Sequence[str],
    metrics: Sequence[str],
    targets: Mapping[str, float],
    higher_is_better: bool | Mapping[str, bool] | None,
    has_period: bool,
) -> pd.DataFrame:
    """Long table ``keys..., [period], metric, actual, target, gap, higher_is_better,
    status, [previous, change], note`` (see the result classes' ``against``)."""
    if not isinstance(targets, Mapping) or not targets:
        raise ValueError("targets must be a non-empty mapping such as {'oee': 0.85}")
    for m, t in targets.items():
        if m not in metrics:
            raise ColumnNotFoundError(str(m), list(metrics), what="the metrics of this result")
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
            raise ValueError(f"target for {m!r} must be a finite number, got {t!r}")
    if isinstance(higher_is_better, Mapping):
        for m in higher_is_better:
            if m not in targets:
                raise ValueError(f"higher_is_better names {m!r}, which has no target")
    group_cols = [*keys] + (["period"] if has_period else [])
    rows: list[dict[str, Any]] = []
    notes = frame["note"] if "note" in frame.columns else pd.Series("", index=frame.index)
    for metric, target in targets.items():
        higher = _hib(metric, higher_is_better)
        values = frame[metric].astype("float64")
        previous = (values.groupby([frame[k] for k in keys], sort=False).shift(1)
                    if has_period and keys else values.shift(1) if has_period else None)
        for i in range(len(frame)):
            actual = float(values.iloc[i])
            row: dict[str, Any] = {c: frame[c].iloc[i] for c in group_cols}
            row.update(metric=metric, actual=actual, target=float(target),
                       gap=actual - float(target), higher_is_better=higher,
                       status=_status(actual, float(target), higher))
            if previous is not None:
                prev = float(previous.iloc[i])
                row.update(previous=prev, change=actual - prev)
            row["note"] = str(notes.iloc[i]) if row["status"] == "no data" else ""
            rows.append(row)
    cols = [*group_cols, "metric", "actual", "target", "gap", "higher_is_better", "status"]
    cols += ["previous", "change"] if has_period else []
    cols.append("note")
    return pd.DataFrame(rows, columns=cols)


def trend_table(
    frame: pd.DataFrame,
    keys: Sequence[str],
    metrics: Sequence[str],
    higher_is_better: bool | Mapping[str, bool] | None,
) -> pd.DataFrame:
    """Per group and metric: the group's last period against its previous one."""
    rows: list[dict[str, Any]] = []
    groups: Iterable[tuple[Any, pd.DataFrame]]
    if keys:
        groups = frame.groupby(list(keys), sort=True, dropna=False)
    else:
        groups = [((), frame)]
    for key, g in groups:
        g = g.sort_values("period")
        key_t = key if isinstance(key, tuple) else (key,)
        last = g.iloc[-1]
        prev = g.iloc[-2] if len(g) > 1 else None
        for metric in metrics:
            higher = _hib(metric, higher_is_better)
            value = float(last[metric])
            pv = float(prev[metric]) if prev is not None else math.nan
            change = value - pv
            if not math.isfinite(change):
                direction = verdict = "n/a"
            elif abs(change) <= 1e-12 * max(1.0, abs(pv)):
                direction, verdict = "unchanged", "unchanged"
            else:
                direction = "up" if change > 0 else "down"
                verdict = "better" if (change > 0) == higher else "worse"
            row: dict[str, Any] = dict(zip(keys, key_t, strict=True))
            row.update(metric=metric, period=last["period"],
                       previous_period=(prev["period"] if prev is not None else None),
                       value=value, previous=pv, change=change,
                       percent_change=(change / abs(pv) * 100.0 if pv and math.isfinite(pv)
                                       else math.nan),
                       direction=direction, verdict=verdict)
            rows.append(row)
    cols = [*keys, "metric", "period", "previous_period", "value", "previous", "change",
            "percent_change", "direction", "verdict"]
    return pd.DataFrame(rows, columns=cols)
