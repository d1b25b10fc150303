"""The control-chart engine and the Shewhart families: X-bar/R, X-bar/S, I-MR, p, np,
c and u.

Every public function takes a tidy DataFrame plus keyword-only column names and
returns a frozen :class:`ControlChart` (or a :class:`ChartCollection` with ``by=``).
The computation is generic over the chart families of the registry
(:mod:`leankit.spc._families`): :func:`build_chart` summarises the rows into
subgroups by the family's input kind, estimates each stage's parameters from its
Phase I (non-excluded) subgroups or takes known standards, asks the family for every
panel's statistic, center, sigma of the statistic and limits, and evaluates the run
rules valid on each panel. :func:`chart` and :func:`chart_by` reach any registered
family by id. The seven Shewhart families are declared at the bottom of this module.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
import pyarrow as pa

from leankit.errors import (
    AssumptionWarning,
    ColumnNotFoundError,
    DataQualityWarning,
    InsufficientDataError,
    LeankitError,
    SchemaError,
    suggest,
)
from leankit.spc import _sigma
from leankit.spc._constants import UnsupportedSubgroupError, c4, d2, d3
from leankit.spc._families import ChartFamily, FamilyError, Panel, get_family, register_family
from leankit.spc._results import (
    FRAME_COLUMNS,
    ChartCollection,
    ControlChart,
    LazyTable,
    Limits,
    lazy_table,
)
from leankit.spc._rules import Rule, fire, resolve_rules

Rules = str | Rule | Sequence[str | Rule] | None
Missing = Literal["raise", "exclude"]
Exclude = str | Mapping[Any, str] | Sequence[Any] | None

_ONE_STAGE = 1

#: Fewer baseline subgroups than this make X-bar/R and X-bar/S limits imprecise: an
#: AssumptionWarning (Montgomery, sec. 6.2: 20 to 25 subgroups for trial limits).
MIN_BASELINE_SUBGROUPS = 20

#: The dtype pandas gives a column of Python strings (``str`` in pandas 3, object before).
_TEXT_DTYPE = pd.Series(["x"]).dtype


def _text_column(uniques: Sequence[str], codes: np.ndarray) -> Any:
    """``uniques[codes]`` as a text column of pandas' default string dtype, built without a
    Python object per row (pyarrow ``take`` on the few distinct texts)."""
    if pd.api.types.is_object_dtype(_TEXT_DTYPE):  # pragma: no cover - pandas < 3
        return np.asarray(list(uniques), dtype=object)[codes]
    if len(uniques) == 1:  # one text on every row (e.g. phase "I"): no take
        return _constant_text(str(uniques[0]), len(codes))
    return pd.array(pa.array(list(uniques), type=pa.large_string()).take(codes),
                    dtype=_TEXT_DTYPE)


def _constant_text(text: str, m: int) -> Any:
    """*text* on each of *m* rows, as a text column of pandas' default string dtype, built
    from its Arrow buffers: offsets 0, L, 2L … and the bytes repeated (for ``""``: zero
    offsets, which stay untouched, lazily zeroed memory until read)."""
    if pd.api.types.is_object_dtype(_TEXT_DTYPE):  # pragma: no cover - pandas < 3
        return np.full(m, text, dtype=object)
    raw = text.encode()
    width = len(raw)
    offsets = (np.zeros(m + 1, dtype=np.int64) if width == 0
               else np.arange(0, (m + 1) * width, width, dtype=np.int64))
    arr = pa.LargeStringArray.from_buffers(m, pa.py_buffer(offsets), pa.py_buffer(raw * m))
    return pd.array(arr, dtype=_TEXT_DTYPE)


def _tile(s: pd.Series, times: int) -> pd.Series:
    """*s* repeated *times* times, as one column with a fresh RangeIndex."""
    s = s.reset_index(drop=True)
    return pd.concat([s] * times, ignore_index=True) if times > 1 else s


# --------------------------------------------------------------------------- input


def _require(data: pd.DataFrame, **cols: str | None) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    for param, col in cols.items():
        if col is None:
            continue
        if not isinstance(col, str):
            raise TypeError(f"{param}= must be a column name (str), got {type(col).__name__}")
        if col not in data.columns:
            raise ColumnNotFoundError(col, [str(c) for c in data.columns])


def _numeric(s: pd.Series, param: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        bad = s[pd.to_numeric(s, errors="coerce").isna() & s.notna()]
        raise SchemaError(
            f"{param}= column {s.name!r} must be numeric; it has values like "
            f"{bad.head(3).tolist()!r}. Convert it (e.g. with leankit.io loaders) first.",
            failure_cases=bad.head(20),
        )
    return s.astype(float)


def _handle_missing(df: pd.DataFrame, cols: list[str], missing: Missing) -> tuple[pd.DataFrame,
                                                                                  pd.DataFrame]:
    if missing not in ("raise", "exclude"):
        raise ValueError(f"missing= must be 'raise' or 'exclude', got {missing!r}")
    flags = np.zeros(len(df), dtype=bool)
    for c in dict.fromkeys(cols):
        col = df[c]
        if isinstance(col, pd.DataFrame):  # a repeated column name
            flags |= col.isna().any(axis=1).to_numpy(dtype=bool)
        elif isinstance(col.dtype, np.dtype) and col.dtype.kind == "f":  # NaN and ±inf
            flags |= ~np.isfinite(col.to_numpy())  # a view: no copy of the column
        elif pd.api.types.is_float_dtype(col):  # NA too
            flags |= ~np.isfinite(col.to_numpy(dtype=float, na_value=np.nan))
        else:
            flags |= col.isna().to_numpy(dtype=bool)
    mask = pd.Series(flags, index=df.index)
    if not flags.any():
        return df, pd.DataFrame({"row": pd.Series(dtype="int64"), "reason": pd.Series(dtype=str)})
    bad = df[mask]
    if missing == "raise":
        raise SchemaError(
            f"{int(mask.sum())} row(s) have missing or non-finite values in "
            f"{', '.join(cols)} (first at index {bad.index[:5].tolist()}); pass "
            "missing='exclude' to leave them out (they are listed in .exclusions) or fix the data",
            failure_cases=bad.head(20),
        )
    reasons = [
        "missing " + ", ".join(c for c in cols if pd.isna(row[c]) or (
            isinstance(row[c], float) and not math.isfinite(row[c])))
        for _, row in bad.iterrows()
    ]
    return df[~mask], pd.DataFrame({"row": bad.index.to_numpy(), "reason": reasons})


def _exclusion_reasons(groups: pd.DataFrame, df: pd.DataFrame, exclude: Exclude,
                       sub_col: str | None) -> dict[int, str]:
    """Excluded subgroups: position in *groups* -> reason (absent: not excluded)."""
    if exclude is None:
        return {}
    pos_of = pd.Series(np.arange(len(groups)), index=groups.index)
    if isinstance(exclude, str):
        if exclude not in df.columns:
            raise ColumnNotFoundError(exclude, [str(c) for c in df.columns])
        col = df[exclude]
        keys = df[sub_col] if sub_col else pd.Series(df.index, index=df.index)
        if isinstance(col.dtype, pd.StringDtype):
            text = col.str.strip()
            mark = (text.notna() & (text != "")).to_numpy(dtype=bool)
            why = text.to_numpy(dtype=object)[mark]
        elif pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            mark = (col.notna() & (col != 0)).to_numpy(dtype=bool)
            why = np.full(int(mark.sum()), "excluded", dtype=object)
        else:
            mark_list, why_list = [], []
            for value in col:
                if isinstance(value, str):
                    mark_list.append(bool(value.strip()))
                    if value.strip():
                        why_list.append(value.strip())
                else:
                    flag = bool(pd.notna(value) and bool(value))
                    mark_list.append(flag)
                    if flag:
                        why_list.append("excluded")
            mark = np.asarray(mark_list, dtype=bool)
            why = np.asarray(why_list, dtype=object)
        out: dict[int, str] = {}
        for key, reason in zip(keys.to_numpy()[mark], why, strict=True):
            out[int(pos_of[key])] = str(reason)  # a later row's reason wins
        return out
    items = exclude.items() if isinstance(exclude, Mapping) else ((k, "excluded") for k in exclude)
    out = {}
    for key, reason in items:
        if key not in pos_of.index:
            raise ValueError(
                f"exclude= names subgroup {key!r}, which is not in the data "
                f"(subgroups look like {list(groups.index[:5])!r})"
            )
        out[int(pos_of[key])] = str(reason) or "excluded"
    return out


# ------------------------------------------------------------------------ families


def _sizes(g: pd.DataFrame) -> np.ndarray:
    out: np.ndarray = g["n"].to_numpy(dtype=float)
    return out


# Variables: X-bar with R or S


class ValueBuffer:
    """The measured values of many subgroups in one flat array, grouped by subgroup.

    The subgroup table refers to it instead of holding an array per subgroup: its
    ``values`` column holds the buffer (the same object on every row) and
    ``values_at`` where the subgroup's ``n`` values start in it, so summarising 10^6
    values makes no Python object per subgroup. Rows of different buffers (a chart and
    the data ``monitor()`` appended) can share one table.
    """

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __getstate__(self) -> np.ndarray:
        return self.array

    def __setstate__(self, state: np.ndarray) -> None:
        self.array = state


def _group_codes(key: pd.Series, grp: Any = None) -> tuple[np.ndarray, pd.Index]:
    """Subgroup number of every row (first appearance = 0, 1 ...) and the subgroups: from
    the group-by *grp* (``groupby(key, sort=False)``) when it has them at hand, else by
    factorising *key* again."""
    grouper = getattr(grp, "_grouper", None)
    ids = getattr(grouper, "ids", None)
    if isinstance(ids, np.ndarray) and ids.shape == (len(key),) and (
            len(ids) == 0 or int(ids.min()) >= 0):
        return ids, pd.Index(grouper.result_index)  # type: ignore[union-attr]
    codes, uniques = pd.factorize(key, sort=False)
    return codes, pd.Index(uniques)


def _values_per_group(x: np.ndarray, key: pd.Series, order: pd.Index, grp: Any = None
                      ) -> tuple[ValueBuffer, np.ndarray]:
    """The values grouped by subgroup (in row order within each) as one buffer, and where
    each subgroup of *order* (the subgroups in order of first appearance) starts in it;
    without a Python loop over rows or subgroups. *grp*: the group-by of *x* by *key*
    (``sort=False``), whose subgroup numbers are reused."""
    codes, uniques = _group_codes(key, grp)
    counts = np.bincount(codes, minlength=len(uniques))
    xs = np.asarray(x, dtype=float)
    if len(codes) > 1 and bool((codes[1:] < codes[:-1]).any()):  # not yet grouped
        xs = xs[np.argsort(codes, kind="stable")]
    else:
        xs = xs.copy()  # the buffer is the chart's own
    starts = np.zeros(len(uniques), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    if not uniques.equals(order):
        starts = pd.Series(starts, index=uniques).reindex(order).to_numpy(dtype=np.int64)
    return ValueBuffer(xs), starts


def _attach_values(groups: pd.DataFrame, buffer: ValueBuffer, starts: np.ndarray) -> None:
    """Point the subgroup table's rows at their values (columns ``values``, ``values_at``)."""
    column = np.empty(len(groups), dtype=object)
    column.fill(buffer)
    groups["values"] = column
    groups["values_at"] = starts


def _gather_values(g: pd.DataFrame) -> np.ndarray:
    """All values of the subgroup table's rows, subgroup after subgroup (table order)."""
    if "values_at" not in g or g["values_at"].isna().any():
        # (a subgroup table pickled with an array per subgroup, perhaps with new rows)
        at_col = g["values_at"] if "values_at" in g else pd.Series(np.nan, index=g.index)
        vals = [v if isinstance(v, np.ndarray) else v.array[int(a):int(a) + int(k)]
                for v, a, k in zip(g["values"], at_col, g["n"], strict=True)]
        return np.concatenate(vals).astype(float) if vals else np.zeros(0)
    n = g["n"].to_numpy(dtype=np.int64)
    at = g["values_at"].to_numpy(dtype=np.int64)
    codes, buffers = pd.factorize(g["values"].to_numpy(dtype=object), sort=False)
    arrays = [b.array for b in buffers]
    if len(arrays) == 1:
        flat = arrays[0]
    else:
        base = np.zeros(len(arrays), dtype=np.int64)
        np.cumsum([len(a) for a in arrays[:-1]], out=base[1:])
        at = at + base[codes]
        flat = np.concatenate(arrays) if arrays else np.zeros(0)
    out_start = np.zeros(len(n), dtype=np.int64)
    np.cumsum(n[:-1], out=out_start[1:])
    total = int(n.sum())
    if total == len(flat) and np.array_equal(at, out_start):  # already in table order
        return np.asarray(flat, dtype=float)
    idx = np.repeat(at - out_start, n)
    idx += np.arange(total, dtype=np.int64)
    return np.asarray(flat[idx], dtype=float)


def _var_estimate(g: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
    n = g["n"].to_numpy(dtype=int)
    if len(g) == 0:
        raise InsufficientDataError("no baseline subgroups to estimate the limits from")
    if len(g) < 2:
        raise InsufficientDataError(
            f"{opts['chart']} limits need at least 2 baseline subgroups, got 1: a single "
            "subgroup is always at its own center line, so the chart could never signal. "
            f"Collect {MIN_BASELINE_SUBGROUPS} or more subgroups, or give known standards "
            "(mu=, sigma=) or limits= from an earlier chart"
        )
    if len(g) < MIN_BASELINE_SUBGROUPS:
        warnings.warn(
            f"{opts['chart']} limits are estimated from only {len(g)} baseline subgroups; "
            f"{MIN_BASELINE_SUBGROUPS} to 25 are recommended (Montgomery), so these trial "
            "limits are imprecise: treat signals with care and revise the limits as more "
            "data come in", AssumptionWarning, stacklevel=6)
    mu = float(np.sum(g["mean"] * n) / np.sum(n))
    method = opts["sigma_method"]
    if method == "rbar":
        sigma = _sigma.sigma_rbar(g["range"].to_numpy(float), n)
    elif method == "sbar":
        sigma = _sigma.sigma_sbar(g["sd"].to_numpy(float), n)
    else:
        sigma = _sigma.sigma_pooled(g["sd"].to_numpy(float), n)
    return {"mu": mu, "sigma": sigma}


def _per_size(factor: Callable[[int], float], n: np.ndarray) -> np.ndarray:
    """``factor(n_i)`` for every subgroup, computed once per distinct size."""
    sizes, inverse = np.unique(np.asarray(n, dtype=int), return_inverse=True)
    values = np.array([factor(int(m)) for m in sizes], dtype=float)
    out: np.ndarray = values[inverse.ravel()]
    return out


def _spread(values: Mapping[str, np.ndarray], m: int) -> dict[str, np.ndarray]:
    """Arrays computed on one point (constant over the stage) as read-only views of length
    *m* (no memory per point); arrays of length *m* as they are."""
    return {key: v if len(v) == m else np.broadcast_to(v, (m,)) for key, v in values.items()}


def _var_arrays(panel: str, g: pd.DataFrame, p: Mapping[str, float], k: float,
                opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    n = _sizes(g)
    m = len(g)
    if m > 1 and n.min() == n.max():  # constant n: the limits on one point, spread
        n = n[:1]
    sigma = p["sigma"]
    if panel == "xbar":
        center = np.full(len(n), p["mu"])
        sig = sigma / np.sqrt(n)
        return {"statistic": g["mean"].to_numpy(float), **_spread({
            "center": center, "sigma_statistic": sig,
            "lcl": center - k * sig, "ucl": center + k * sig}, m)}
    if panel == "r":
        center = sigma * _per_size(d2, n)
        sig = sigma * _per_size(d3, n)
        stat = g["range"].to_numpy(float)
    else:
        cc4 = _per_size(c4, n)
        center = sigma * cc4
        sig = sigma * np.sqrt(1.0 - cc4**2)
        stat = g["sd"].to_numpy(float)
    return {"statistic": stat, **_spread({
        "center": center, "sigma_statistic": sig,
        "lcl": np.maximum(0.0, center - k * sig), "ucl": center + k * sig}, m)}


# Individuals and moving ranges


def _moving_range(values: np.ndarray, span: int) -> np.ndarray:
    """max − min of each window of *span* consecutive values (NaN for the first span − 1)."""
    values = np.asarray(values, dtype=float)
    out: np.ndarray = np.full(len(values), np.nan)
    if len(values) < span:
        return out
    with np.errstate(over="ignore"):  # an overflow (inf) is refused by the caller
        _sigma.window_ranges(values, span, out=out[span - 1:])
    return out


def _imr_estimate(g: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
    x = g["value"].to_numpy(float)
    if len(x) < 2:
        raise InsufficientDataError(
            f"an I-MR chart needs at least 2 baseline values to estimate sigma, got {len(x)}"
        )
    span = int(opts["span"])
    method = opts["sigma_method"]
    if method == "mrbar" and "mr" not in g:  # MR-bar without storing the moving ranges
        return {"mu": float(x.mean()), "sigma": _sigma.sigma_mrbar_of_values(x, span)}
    # on the baseline sequence without excluded points (prepared: the column "mr")
    mrs = g["mr"].to_numpy(float) if "mr" in g else _moving_range(x, span)
    if method == "mrbar":
        sigma = _sigma.sigma_mrbar(mrs, span)
    elif method == "median_mr":
        sigma = _sigma.sigma_median_mr(mrs, span)
    else:
        sigma = _sigma.sigma_sd(x)
    out = {"mu": float(x.mean()), "sigma": sigma}
    if method == "median_mr":
        out["mr_center"] = float(np.nanmedian(mrs))
    return out


def _imr_arrays(panel: str, g: pd.DataFrame, p: Mapping[str, float], k: float,
                opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    sigma = p["sigma"]
    m = len(g)
    one = min(m, 1)  # the limits are constant: computed on one point, spread
    if panel == "i":
        center = np.full(one, p["mu"])
        sig = np.full(one, sigma)
        return {"statistic": g["value"].to_numpy(float), **_spread({
            "center": center, "sigma_statistic": sig,
            "lcl": center - k * sig, "ucl": center + k * sig}, m)}
    span = int(opts["span"])
    center_value = p.get("mr_center", sigma * d2(span))
    center = np.full(one, center_value)
    sig = np.full(one, sigma * d3(span))
    upper = sigma * d2(span) + k * sig
    lower = np.maximum(0.0, sigma * d2(span) - k * sig)
    return {"statistic": g["mr"].to_numpy(float), **_spread({
        "center": center, "sigma_statistic": sig, "lcl": lower, "ucl": upper}, m)}


# Attributes


def _attr_estimate(g: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, float]:
    chart = opts["chart"]
    if len(g) == 0:
        raise InsufficientDataError("no baseline subgroups to estimate the limits from")
    count, size = g["count"].to_numpy(float), g["size"].to_numpy(float)
    if chart in ("p", "np"):
        return {"p": float(count.sum() / size.sum())}
    if chart == "c":
        return {"c": float(count.mean())}
    return {"u": float(count.sum() / size.sum())}


def _attr_arrays(panel: str, g: pd.DataFrame, p: Mapping[str, float], k: float,
                 opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    count, size = g["count"].to_numpy(float), g["size"].to_numpy(float)
    m = len(g)
    upper_cap = np.inf
    if panel == "p":
        pbar = p["p"]
        stat, center = count / size, np.full(m, pbar)
        sig = np.sqrt(pbar * (1 - pbar) / size)
        upper_cap = 1.0
    elif panel == "np":
        pbar = p["p"]
        stat, center = count, size * pbar
        sig = np.sqrt(size * pbar * (1 - pbar))
    elif panel == "c":
        stat, center = count, np.full(m, p["c"])
        sig = np.full(m, math.sqrt(p["c"]))
    else:
        stat, center = count / size, np.full(m, p["u"])
        sig = np.sqrt(p["u"] / size)
    return {"statistic": stat, "center": center, "sigma_statistic": sig,
            "lcl": np.maximum(0.0, center - k * sig),
            "ucl": np.minimum(upper_cap, center + k * sig)}


# -------------------------------------------------------------------------- engine

#: The run rules of a ``limits_only`` panel (EWMA, CUSUM ...): points beyond the limits.
_LIMITS_ONLY = resolve_rules("limits")


def _label(fam: ChartFamily) -> str:
    """The name a user called: the constructor's name (``p_chart``) or the family id."""
    return fam.constructor.__name__ if fam.constructor is not None else fam.id


@dataclass(frozen=True)
class _Spec:
    """Everything needed to (re)build a chart: summarised subgroups plus settings."""

    family: ChartFamily
    groups: pd.DataFrame  # one row per subgroup, in plotting order
    opts: Mapping[str, Any]
    exclusions: pd.DataFrame
    summarize: Callable[..., tuple[pd.DataFrame, pd.DataFrame]]


class _Monitor:
    """``chart.monitor(new_data)`` of an engine-built chart: the chart's subgroups,
    settings and frozen limits, re-built with the new subgroups appended as Phase II.

    A plain object (no closure), so a pickled chart can still monitor new data. When
    pickled, the per-subgroup value arrays are not stored twice: they are rebuilt from
    the chart's ``data`` table (the same object, which pickle stores once).
    """

    picklable = True
    __slots__ = ("data", "frozen", "panel", "spec")

    def __init__(self, spec: _Spec, frozen: Mapping[Any, Limits], panel: str | None = None,
                 data: pd.DataFrame | None = None) -> None:
        self.spec, self.frozen, self.panel = spec, dict(frozen), panel
        self.data: Any = data

    def for_panel(self, panel: str) -> _Monitor:
        spec, data = self._restored()
        return _Monitor(spec, self.frozen, panel, data)

    def __call__(self, new_data: pd.DataFrame) -> ControlChart:
        spec, _ = self._restored()
        new_groups, new_excl = spec.summarize(new_data, use_exclude=False)
        last = list(self.frozen)[-1]
        new_groups = new_groups.assign(stage=last, phase="II", excluded=False, exclude_reason="")
        clash = set(new_groups["subgroup"]) & set(spec.groups["subgroup"])
        if clash:
            raise ValueError(
                f"monitor(): subgroup id(s) {sorted(clash, key=str)[:5]} are already on the "
                "chart; give new subgroups new ids"
            )
        groups = pd.concat([spec.groups, new_groups], ignore_index=True)
        excl = pd.concat([spec.exclusions, new_excl], ignore_index=True)
        chart = _build(_Spec(spec.family, groups, spec.opts, excl, spec.summarize), self.frozen)
        return chart if self.panel is None else chart.panel(self.panel)

    def __getstate__(self) -> dict[str, Any]:
        # the subgroup table shares its value columns with the chart's data table (one
        # object in a pickle): store them once and restore them on the first monitor()
        spec, data = self._restored()
        if isinstance(data, LazyTable):
            data = data.get()  # the chart's data table (the same object in the pickle)
        groups, shared = spec.groups, []
        if data is not None and len(data) == len(groups):  # values and counts input
            shared = [c for c in data.columns if c in groups.columns]
        elif data is not None and "values" in groups and "value" in data and len(data) == int(
                groups["n"].sum()):  # subgroups input: the values of the subgroups
            shared = ["values", "values_at"]
        if "time" in groups and groups["time"].dtype == object and groups["time"].isna().all():
            shared.append("time")  # no time column: a column of None, restored as such
        if shared:
            spec = dataclasses.replace(spec, groups=groups.drop(columns=shared))
        return {"spec": spec, "frozen": self.frozen, "panel": self.panel, "data": data,
                "shared": shared}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        self.spec, self.frozen, self.panel = state["spec"], state["frozen"], state["panel"]
        self.data = state["data"]
        if state.get("shared"):
            self.data = (state["data"], tuple(state["shared"]))  # restored when first used

    def _restored(self) -> tuple[_Spec, pd.DataFrame | None]:
        """The spec with the columns left out of the pickle put back (and the data)."""
        if not isinstance(self.data, tuple):
            return self.spec, self.data
        data, shared = self.data
        groups = self.spec.groups.copy(deep=False)
        if "time" in shared:
            groups["time"] = None
            shared = tuple(c for c in shared if c != "time")
        if shared == ("values",):  # pickled before the values were one buffer
            shared = ("values", "values_at")
        if shared == ("values", "values_at"):  # the data table's values, table order
            n = groups["n"].to_numpy(dtype=np.int64)
            starts = np.zeros(len(n), dtype=np.int64)
            np.cumsum(n[:-1], out=starts[1:])
            _attach_values(groups, ValueBuffer(data["value"].to_numpy(dtype=float, copy=True)),
                           starts)
        else:
            for c in shared:
                groups[c] = data[c].to_numpy()
        self.spec = dataclasses.replace(self.spec, groups=groups)
        self.data = data
        return self.spec, data


def _stage_params(spec: _Spec, given: Mapping[Any, Limits] | None,
                  prepared: pd.DataFrame | None = None) -> dict[Any, Limits]:
    """Frozen limits of every stage. *prepared*: the subgroup table with the family's
    derived columns over each whole stage; used as the baseline as it is when the
    baseline is the whole (only) stage."""
    fam, g, opts = spec.family, spec.groups, spec.opts
    out: dict[Any, Limits] = {}
    base = ((g["phase"] == "I") & ~g["excluded"]).to_numpy(dtype=bool)
    for stage in pd.unique(g["stage"]):
        if given is not None and stage in given:
            out[stage] = given[stage]
            continue
        if opts.get("limits") is not None:
            out[stage] = opts["limits"]
            continue
        standards = {k: v for k, v in opts.get("standards", {}).items() if v is not None}
        if set(standards) >= set(fam.param_names):
            params = dict(standards)  # known standards: nothing to estimate
        else:
            if prepared is not None and base.all() and len(out) == 0 and (
                    g["stage"].nunique() == 1):
                rows = prepared  # the whole table: its derived columns are the baseline's
            else:
                rows = g[(g["stage"] == stage).to_numpy(dtype=bool) & base]
            if rows is not prepared and fam.prepare is not None and len(rows):
                # derived columns over the baseline sequence (excluded points left out)
                rows = rows.assign(**fam.prepare(rows, opts))
            params = fam.estimate(rows, opts)
            params.update(standards)
        if fam.process_sigma and params.get("sigma", 1.0) == 0.0:
            warnings.warn(
                f"stage {stage!r}: the sigma estimate is 0 (all baseline values identical "
                "within subgroups); check the gauge resolution. Limits collapse onto the center.",
                DataQualityWarning, stacklevel=4)
        method = "standard" if standards and set(standards) >= set(fam.param_names) else (
            opts.get("sigma_method") or "estimated")
        out[stage] = Limits(chart=fam.id, params=params, nsigmas=opts["nsigmas"], method=method)
    return out


#: The float columns of the points table, stored as one block.
_FLOAT_COLUMNS = ("statistic", "center", "lcl", "ucl", "sigma_statistic")


def _build(spec: _Spec, given: Mapping[Any, Limits] | None = None) -> ControlChart:
    # a shallow copy: only columns are added (e.g. the moving ranges), nothing is modified
    fam, g, opts = spec.family, spec.groups.copy(deep=False), spec.opts
    stage_codes, stage_values = pd.factorize(g["stage"])
    stage_rows = [np.flatnonzero(stage_codes == j) for j in range(len(stage_values))]
    derived: list[str] = []
    if fam.prepare is not None:
        columns: dict[str, np.ndarray] = {}
        for idx in stage_rows:
            part = fam.prepare(g if len(idx) == len(g) else g.iloc[idx], opts)
            for col, values in part.items():
                if col not in columns:
                    columns[col] = np.full(len(g), np.nan)
                columns[col][idx] = values
        for col, values in columns.items():
            g[col] = values
        derived = list(columns)
    _refuse_overflow(fam.id, g, derived)
    with np.errstate(over="ignore", invalid="ignore"):
        params = _stage_params(spec, given, g)
    k = float(opts["nsigmas"])
    m, n_panels = len(g), len(fam.panels)
    panel_names = fam.panel_names
    baseline = ((g["phase"] == "I") & ~g["excluded"]).to_numpy(dtype=bool)
    sizes_all = g["n"].to_numpy()
    float_cols = _FLOAT_COLUMNS
    panel_arrays: list[dict[str, np.ndarray]] = []
    numeric = g[[c for c in g.columns if c in _NUMERIC_GROUP_COLUMNS or c in derived]]
    signal = np.zeros(n_panels * m, dtype=bool)
    rule_codes = np.zeros(n_panels * m, dtype=np.int64)
    rule_texts: dict[str, int] = {"": 0}
    fired_at: list[tuple[str, np.ndarray, np.ndarray, tuple[Rule, ...], np.ndarray]] = []
    limit_rows: list[dict[str, Any]] = []
    rule_sets = {"main": opts["rules"], "dispersion": opts["dispersion_rules"],
                 "limits_only": _LIMITS_ONLY}
    for j, pan in enumerate(fam.panels):
        panel = pan.name
        # the family's arrays as they are for one stage (constant ones may be broadcast
        # views), else filled stage by stage (every point belongs to a stage)
        arrays: dict[str, np.ndarray] = {}
        for stage, lim in params.items():
            idx = stage_rows[stage_values.get_loc(stage)]
            rows = numeric if len(idx) == m else numeric.iloc[idx]
            with np.errstate(over="ignore", invalid="ignore"):
                part = fam.arrays(panel, rows, lim.params, k, opts)
            missing_keys = set(float_cols) - set(part)
            if missing_keys:
                raise FamilyError(f"the {fam.id} family's arrays() returned no "
                                  f"{', '.join(sorted(missing_keys))} for panel {panel!r}")
            for key in float_cols:
                if len(idx) == m:
                    arrays[key] = np.asarray(part[key], dtype=float)
                    continue
                if key not in arrays:
                    arrays[key] = np.empty(m)
                arrays[key][idx] = part[key]
            sizes = sizes_all[idx]
            if len(sizes) and sizes.min() == sizes.max():
                typical: Any = sizes[0]
                at = 0
            elif len(sizes):
                typical = pd.Series(sizes).mode().iloc[0]
                at = int(np.flatnonzero(sizes == typical)[0])
            else:
                typical, at = np.nan, 0
            limit_rows.append({
                "panel": panel, "stage": stage, "n": typical,
                "center": arrays["center"][idx[at]] if len(idx) else np.nan,
                "lcl": arrays["lcl"][idx[at]] if len(idx) else np.nan,
                "ucl": arrays["ucl"][idx[at]] if len(idx) else np.nan,
                **{name: lim.params.get(name, np.nan) for name in fam.param_names},
                "method": lim.method,
                "baseline_subgroups": int(baseline[idx].sum()),
            })
        _check_finite(fam.id, pan, arrays, g)
        chosen, pos, which = fire(rule_sets[pan.rules], arrays["statistic"],
                                  arrays["center"], arrays["sigma_statistic"], arrays["lcl"],
                                  arrays["ucl"], segment=stage_codes)
        if len(pos):
            first, texts, inverse = _rule_texts(chosen, pos, which)
            signal[j * m + first] = True
            codes = np.array([rule_texts.setdefault(t, len(rule_texts)) for t in texts],
                             dtype=np.int64)
            rule_codes[j * m + first] = codes[inverse]
            fired_at.append((panel, pos, which, chosen, arrays["statistic"][pos]))
        panel_arrays.append(arrays)
    del numeric
    parameters = {k2: v for k2, v in opts.items() if k2 not in ("rules", "dispersion_rules",
                                                                "limits")}
    parameters["rules"] = tuple(r.id for r in opts["rules"])
    parameters["dispersion_rules"] = tuple(r.id for r in opts["dispersion_rules"])
    frozen = dict(params)
    data = lazy_table(lambda: _data_table(fam, g))
    texts_all = list(rule_texts)
    return ControlChart(
        chart=fam.id, family=fam.id,
        points=lazy_table(lambda: _points_table(panel_arrays, g, panel_names, signal,
                                                rule_codes, texts_all),
                          n_signals=int(signal.sum()), main=g,
                          panel_signals={name: int(signal[j * m:(j + 1) * m].sum())
                                         for j, name in enumerate(panel_names)}),
        limits=pd.DataFrame(limit_rows),
        signals=lazy_table(lambda: _signals_table(g, fired_at)),
        exclusions=spec.exclusions, data=data, parameters=parameters, stage_limits=frozen,
        panel_names=panel_names, _monitor=_Monitor(spec, frozen, data=data),
    )


#: Columns of ``ControlChart.signals`` of the engine's charts.
_SIGNAL_COLUMNS = ["panel", "subgroup", "time", "position", "stage", "phase", "statistic",
                   "rule", "description"]


def _rule_texts(chosen: Sequence[Rule], pos: np.ndarray, which: np.ndarray
                ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The points where rules fired (*pos*, *which* sorted by position, then rule order),
    the distinct texts "id,id" of the rules that fired together (in rule order) and, per
    point, the index of its text: one Python string per distinct combination, not per
    point."""
    first, starts = np.unique(pos, return_index=True)
    ids = [r.id for r in chosen]
    if len(chosen) <= 62:  # a bit per rule, OR-ed per point
        masks = np.bitwise_or.reduceat(np.left_shift(np.int64(1), which), starts)
        combos, inverse = np.unique(masks, return_inverse=True)
        texts = [",".join(ids[b] for b in range(len(ids)) if (int(c) >> b) & 1)
                 for c in combos]
        return first, texts, inverse.ravel()
    ends = np.append(starts[1:], len(pos))  # pragma: no cover - more than 62 rules
    per_point = [",".join(ids[w] for w in which[a:b])  # pragma: no cover
                 for a, b in zip(starts, ends, strict=True)]
    uniq, inverse = np.unique(np.asarray(per_point, dtype=object),  # pragma: no cover
                              return_inverse=True)
    return first, [str(u) for u in uniq], inverse.ravel()  # pragma: no cover


def _points_table(arrays: Sequence[Mapping[str, np.ndarray]], g: pd.DataFrame,
                  panel_names: Sequence[str], signal: np.ndarray, rule_codes: np.ndarray,
                  rule_texts: Sequence[str]) -> pd.DataFrame:
    """``ControlChart.points``: the float columns (statistic, center, lcl, ucl,
    sigma_statistic) of every panel, written into one block that becomes the frame's
    (no further copy), with the subgroup columns repeated for every panel."""
    n_panels, m = len(panel_names), len(g)
    block = np.empty((len(_FLOAT_COLUMNS), n_panels * m))
    for j, panel in enumerate(arrays):
        for r, key in enumerate(_FLOAT_COLUMNS):
            block[r, j * m:(j + 1) * m] = panel[key]
    points = pd.DataFrame(block.T, columns=list(_FLOAT_COLUMNS), copy=False)
    others: dict[str, Callable[[], Any]] = {
        "panel": lambda: _text_column(panel_names, np.repeat(np.arange(n_panels), m)),
        "subgroup": lambda: _tile(g["subgroup"], n_panels),
        "time": lambda: _tile(g["time"], n_panels),
        "n": lambda: _tile(g["n"], n_panels),
        "phase": lambda: _tile(g["phase"], n_panels),
        "stage": lambda: _tile(g["stage"], n_panels),
        "excluded": lambda: _tile(g["excluded"], n_panels),
        "exclude_reason": lambda: _tile(g["exclude_reason"], n_panels),
        "signal": lambda: signal,
        "rules": lambda: _text_column(rule_texts, rule_codes),
    }
    for at, name in enumerate(FRAME_COLUMNS):
        if name in others:
            points.insert(at, name, others[name]())
    assert tuple(points.columns) == FRAME_COLUMNS
    return points


def _signals_table(g: pd.DataFrame, fired_at: Sequence[tuple[str, np.ndarray, np.ndarray,
                                                             Sequence[Rule], np.ndarray]]
                   ) -> pd.DataFrame:
    """``ControlChart.signals``: one row per (point, rule) that fired, panel by panel."""
    frames = []
    for panel, pos, which, chosen, stat in fired_at:
        ids = np.array([r.id for r in chosen], dtype=object)
        texts = np.array([r.describe() for r in chosen], dtype=object)
        frames.append(pd.DataFrame({
            "panel": panel, "subgroup": g["subgroup"].to_numpy()[pos],
            "time": g["time"].to_numpy()[pos], "position": pos,
            "stage": g["stage"].to_numpy()[pos], "phase": g["phase"].to_numpy()[pos],
            "statistic": stat, "rule": ids[which], "description": texts[which],
        }))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _SIGNAL_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def _data_table(fam: ChartFamily, g: pd.DataFrame) -> pd.DataFrame:
    """The values behind the chart (``ControlChart.data``), by input kind, with the
    family's extra columns (``part``...)."""
    extra = [c for c in fam.extra_column_names if c in g]
    if "values" in g:
        flat = _gather_values(g)
        lengths = g["n"].to_numpy(dtype=np.int64)  # n counts the values of each subgroup
        rows = np.repeat(np.arange(len(g)), lengths)
        return pd.DataFrame({
            "subgroup": g["subgroup"].take(rows).reset_index(drop=True),
            "value": flat,
            **{c: g[c].take(rows).reset_index(drop=True) for c in ("phase", "stage",
                                                                    "excluded", *extra)},
        })
    if fam.input == "values" or "count" not in g:
        cols = ["subgroup", "value"] if "value" in g else ["subgroup"]
        return g[[*cols, "phase", "stage", "excluded", *extra]].reset_index(drop=True)
    return g[["subgroup", "count", "size", "phase", "stage", "excluded", *extra]].copy()


#: Columns of the subgroup table that the estimators and limit builders read (plus the
#: columns a family's ``prepare`` derives).
_NUMERIC_GROUP_COLUMNS = frozenset({"n", "mean", "range", "sd", "value", "mr", "count", "size"})

_OVERFLOW_HINT = (
    "the values are too large in magnitude for float64 arithmetic (a mean or range "
    "overflowed). Rescale the data (e.g. another unit, or subtract a reference value) "
    "before charting."
)


def _refuse_overflow(chart: str, g: pd.DataFrame, derived: Sequence[str] = ()) -> None:
    """Refuse subgroup statistics that overflowed (finite values near ±1e308)."""
    cols = [c for c in ("mean", "range", "sd", "value", "mr", *derived) if c in g.columns]
    bad = np.zeros(len(g), dtype=bool)
    for c in dict.fromkeys(cols):
        bad |= np.isinf(g[c].to_numpy(dtype=float))
    if bad.any():
        raise SchemaError(
            f"{chart} chart: subgroup statistics are infinite at subgroup(s) "
            f"{g['subgroup'].to_numpy()[np.flatnonzero(bad)[:5]].tolist()}: {_OVERFLOW_HINT}")


def _check_finite(chart: str, panel: Panel, arrays: Mapping[str, np.ndarray],
                  g: pd.DataFrame) -> None:
    """Refuse statistics or limits that overflowed float64 (values near ±1e308): a chart
    would otherwise show a mean of 0 or an infinite range without a word."""
    stat = arrays["statistic"]
    bad = np.isinf(stat)
    if not panel.allow_missing:  # e.g. the first moving range of each stage is NaN
        bad |= np.isnan(stat)
    center, ucl = arrays["center"], arrays["ucl"]
    limits_bad = np.isinf(center) | np.isinf(ucl)
    if panel.show_center:
        limits_bad |= np.isnan(center)
    if panel.show_ucl:
        limits_bad |= np.isnan(ucl)
    if bad.any() or limits_bad.any():
        where = np.flatnonzero(bad | limits_bad)
        raise SchemaError(
            f"{chart} chart: the {panel.name} statistic or its limits are not finite at "
            f"subgroup(s) {g['subgroup'].to_numpy()[where[:5]].tolist()}: {_OVERFLOW_HINT}"
        )


def _prepare(*, time: str | None, stage: str | None, exclude: Exclude,
             rows_to_groups: Callable[[pd.DataFrame, Exclude], pd.DataFrame],
             keep: list[str], missing: Missing) -> Callable[..., tuple[pd.DataFrame,
                                                                      pd.DataFrame]]:
    """Return a summariser: raw rows -> (subgroup table, exclusions)."""

    def summarize(df: pd.DataFrame, use_exclude: bool = True) -> tuple[pd.DataFrame,
                                                                        pd.DataFrame]:
        cols = [c for c in keep if use_exclude or c != exclude]
        _require(df, **{c: c for c in cols})
        # a missing stage label is missing data too: no stage to chart the row in
        df, excl = _handle_missing(df, [c for c in cols if c not in (time or "",
                                                                      exclude or "")], missing)
        if df.empty:
            raise InsufficientDataError("no rows left to chart (all missing or empty data)")
        groups = rows_to_groups(df, exclude if use_exclude else None)
        return groups, excl

    return summarize


def _finish_groups(groups: pd.DataFrame, df: pd.DataFrame, *, key: pd.Series, time: str | None,
                   stage: str | None, exclude: Exclude, sub_col: str | None,
                   one_row_each: bool = False) -> pd.DataFrame:
    """Add time, stage, phase and exclusion columns, and put subgroups in plotting order.

    ``one_row_each``: every subgroup is one row of *df*, in the order of *groups* (I-MR and
    attribute charts), so the columns are taken over directly instead of grouped.

    The table is built in one step from its columns, without copying them: a column that
    is the same on every row (no time, one stage, nothing excluded, Phase I) costs no
    memory per row (a read-only broadcast view, or text built from its Arrow buffers).
    """
    m = len(groups)
    # the columns of *groups* as Series: not copied, and copy-on-write still protects them
    # (and the caller's data they may share memory with)
    labels = groups.index.array
    if sub_col is not None and one_row_each:  # the caller's column: labels of its own
        labels = labels.copy()
    cols: dict[str, Any] = {"subgroup": labels}
    cols.update({name: groups[name] for name in groups.columns})
    if time is not None:
        cols["time"] = (df[time].set_axis(groups.index) if one_row_each else
                        df.groupby(key, sort=False)[time].min().reindex(groups.index).array)
    else:
        cols["time"] = _same_on_every_row(None, groups.index, dtype=object)
    if stage is not None:
        if one_row_each:  # a Series: copy-on-write tracks the caller's column
            cols["stage"] = df[stage].set_axis(groups.index)
        else:
            st = df.groupby(key, sort=False)[stage].agg(["nunique", "first"]).reindex(
                groups.index)
            mixed = st.index[st["nunique"] > 1]
            if len(mixed):
                raise SchemaError(
                    f"subgroup(s) {list(mixed[:5])} span several stages in column {stage!r}; "
                    "each subgroup must belong to one stage"
                )
            cols["stage"] = st["first"].array
    else:
        cols["stage"] = _same_on_every_row(_ONE_STAGE, groups.index, dtype=np.int64)
    reasons = _exclusion_reasons(groups, df, exclude, sub_col)
    excluded = np.zeros(m, dtype=bool)
    if reasons:
        texts = [""]
        codes = np.zeros(m, dtype=np.int64)
        pos = np.fromiter(reasons, dtype=np.int64, count=len(reasons))
        uniq, inv = np.unique(np.asarray(list(reasons.values()), dtype=object).astype(str),
                              return_inverse=True)
        texts += [str(u) for u in uniq]
        excluded[pos] = True
        codes[pos] = inv.ravel() + 1
        cols["excluded"] = excluded
        cols["exclude_reason"] = _text_column(texts, codes)
    else:
        cols["excluded"] = excluded
        cols["exclude_reason"] = _constant_text("", m)
    cols["phase"] = _constant_text("I", m)
    out = pd.DataFrame(cols, copy=False).reset_index(drop=True)
    if time is not None:
        out = out.sort_values("time", kind="stable", ignore_index=True)
    return out


def _same_on_every_row(value: Any, index: pd.Index, dtype: Any) -> pd.Series:
    """*value* on every row of *index*, as a read-only broadcast view (no memory per row;
    the dtype given, so pandas does not scan the rows to infer one)."""
    return pd.Series(np.broadcast_to(np.array([value], dtype=dtype), (len(index),)),
                     index=index, dtype=dtype, copy=False)


def _options(chart: str, *, rules: Rules, rule_params: Mapping[str, Mapping[str, Any]] | None,
             dispersion_rules: Rules, nsigmas: float, limits: Limits | Mapping[str, Any] | None,
             standards: Mapping[str, float | None], **extra: Any) -> dict[str, Any]:
    if not (isinstance(nsigmas, (int, float)) and nsigmas > 0):
        raise ValueError(f"nsigmas= must be a positive number, got {nsigmas!r}")
    if isinstance(limits, Mapping):
        limits = Limits.from_dict(limits)
    if limits is not None:
        if not isinstance(limits, Limits):
            raise TypeError("limits= must be a Limits object (chart.frozen_limits()) or its dict")
        if _family_id(limits.chart) != chart:
            raise ValueError(
                f"limits= are for a {limits.chart} chart, not {chart}; use the frozen limits of "
                "the same chart type"
            )
    for name, value in standards.items():
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
            raise ValueError(f"{name}= must be a finite number, got {value!r}")
    if standards.get("sigma") is not None and standards["sigma"] <= 0:  # type: ignore[operator]
        raise ValueError(f"sigma= must be positive, got {standards['sigma']!r}")
    return {
        "chart": chart, "nsigmas": float(nsigmas), "limits": limits,
        "standards": {k: v for k, v in standards.items() if v is not None},
        "rules": resolve_rules(rules, params=rule_params),
        "dispersion_rules": resolve_rules(dispersion_rules, params=rule_params),
        **extra,
    }


def _family_id(name: str) -> str:
    """The family id of a chart id or alias (*name* itself when it is not registered)."""
    try:
        return get_family(name).id
    except FamilyError:
        return name


def _make(chart: str, data: pd.DataFrame, summarize: Callable[..., tuple[pd.DataFrame,
          pd.DataFrame]], opts: dict[str, Any]) -> ControlChart:
    fam = get_family(chart)
    groups, excl = summarize(data)
    if opts.get("limits") is not None or (
        opts["standards"] and set(opts["standards"]) >= set(fam.param_names)
    ):
        groups["phase"] = "II"
    spec = _Spec(fam, groups, opts, excl, summarize)
    return _build(spec)



def _by(fn: Callable[..., Any], data: pd.DataFrame, by: str | Sequence[str],
        kwargs: dict[str, Any]) -> ChartCollection:
    cols = (by,) if isinstance(by, str) else tuple(by)
    _require(data, **{f"by[{i}]": c for i, c in enumerate(cols)})
    charts: dict[Any, ControlChart] = {}
    failures: dict[Any, str] = {}
    key_cols = list(cols) if len(cols) > 1 else cols[0]
    for key, part in data.groupby(key_cols, sort=True, dropna=False):
        k = key if len(cols) > 1 else (key[0] if isinstance(key, tuple) else key)
        try:
            charts[k] = fn(part, **kwargs)  # a ControlChart: by is not passed on
        except (InsufficientDataError, UnsupportedSubgroupError) as exc:
            failures[k] = str(exc)
    if not charts:
        raise InsufficientDataError(
            f"no group of {', '.join(cols)} could be charted: "
            + "; ".join(f"{k}: {v}" for k, v in list(failures.items())[:3])
        )
    return ChartCollection(charts, cols, failures)


# ------------------------------------------------------------------ input kinds


@dataclass(frozen=True)
class _Summariser:
    """Raw rows -> (subgroup table, exclusions) for one family and its column names.

    A plain object (not a closure) so a chart's ``monitor`` survives pickling.
    """

    family: ChartFamily
    columns: Mapping[str, str | None]  # value / subgroup / count / size -> column name
    time: str | None
    stage: str | None
    exclude: Exclude
    missing: Missing
    opts: Mapping[str, Any]

    def __call__(self, df: pd.DataFrame, use_exclude: bool = True
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
        cols = self.columns
        data_cols = [c for c in (cols.get("value"), cols.get("count"), cols.get("size"),
                                 cols.get("subgroup"),
                                 *(cols.get(e) for e in self.family.extra_column_names)) if c]
        keep = [*data_cols, *(c for c in (self.time, self.stage) if c)]
        if use_exclude and isinstance(self.exclude, str):
            keep.append(self.exclude)
        _require(df, **{c: c for c in keep})
        check = [c for c in dict.fromkeys(keep) if c not in (
            self.time or "", self.exclude if isinstance(self.exclude, str)
            else "")]
        df, excl = _handle_missing(df, check, self.missing)
        if df.empty:
            raise InsufficientDataError("no rows left to chart (all missing or empty data)")
        to_groups = _TO_GROUPS[self.family.input]
        return to_groups(self, df, self.exclude if use_exclude else None), excl

    def finish(self, groups: pd.DataFrame, df: pd.DataFrame, key: pd.Series, exclude: Exclude,
               one_row_each: bool) -> pd.DataFrame:
        for name in self.family.extra_column_names:  # e.g. part=: its column, per subgroup
            col = self.columns.get(name)
            if col:
                groups[name] = (df[col].to_numpy() if one_row_each else df[col].groupby(
                    key.to_numpy(), sort=False).first().reindex(groups.index).to_numpy())
        if self.family.check is not None:
            self.family.check(groups, df, self.opts)
        return _finish_groups(groups, df, key=key, time=self.time, stage=self.stage,
                              exclude=exclude, sub_col=self.columns.get("subgroup"),
                              one_row_each=one_row_each)


def one_per_row(x: pd.Series, key: pd.Series, name: str) -> pd.DataFrame:
    """Individual values as subgroups of one: ``n`` (1, a broadcast view) and *x* under
    *name*, indexed by *key*, neither copied (copy-on-write tracks *x*)."""
    m = len(x)
    return pd.DataFrame({"n": np.broadcast_to(np.int64(1), (m,)),
                         name: x.set_axis(key.to_numpy())}, copy=False)


def _groups_of_values(s: _Summariser, df: pd.DataFrame, exclude: Exclude) -> pd.DataFrame:
    """Individual values: one subgroup of size 1 per row."""
    value, subgroup = s.columns["value"], s.columns.get("subgroup")
    assert value is not None
    x = _numeric(df[value], "value")
    key = df[subgroup] if subgroup else pd.Series(df.index, index=df.index)
    if not (key.is_unique if subgroup else df.index.is_unique):
        dup = key[key.duplicated()].head(3).tolist()
        raise SchemaError(
            f"{_label(s.family)} needs one row per point, but labels {dup} repeat in "
            f"{subgroup or 'the index'}; use xbar_r/xbar_s for subgroups"
        )
    groups = one_per_row(x, key, "value")
    return s.finish(groups, df, key, exclude, one_row_each=True)


def _groups_of_subgroups(s: _Summariser, df: pd.DataFrame, exclude: Exclude) -> pd.DataFrame:
    """Raw values with a subgroup column: n, mean, range, sd and the values of each."""
    value, subgroup = s.columns["value"], s.columns.get("subgroup")
    assert value is not None
    x = _numeric(df[value], "value")
    key = df[subgroup] if subgroup else pd.Series(df.index, index=df.index)
    grp = x.groupby(key, sort=False)
    groups = pd.DataFrame({"n": grp.count(), "mean": grp.mean(),
                           "range": grp.max() - grp.min(), "sd": grp.std(ddof=1)})
    _attach_values(groups, *_values_per_group(x.to_numpy(), key, groups.index, grp))
    least = s.family.min_size
    small = groups.index[groups["n"] < least]
    if len(small):
        have = "1" if least == 2 else f"fewer than {least}"
        raise UnsupportedSubgroupError(
            f"{_label(s.family)} needs subgroups of at least {least} values; subgroup(s) "
            f"{list(small[:5])} have {have}. Use i_mr for individual values, or drop them."
        )
    return s.finish(groups, df, key, exclude, one_row_each=False)


def _groups_of_counts(s: _Summariser, df: pd.DataFrame, exclude: Exclude) -> pd.DataFrame:
    """One row per subgroup with a count and a size (1 without a size column)."""
    count, size, subgroup = s.columns["count"], s.columns.get("size"), s.columns.get("subgroup")
    assert count is not None
    name = _label(s.family)
    cnt = _numeric(df[count], "count")
    sz = _numeric(df[size], "size") if size else pd.Series(1.0, index=df.index)
    key = df[subgroup] if subgroup else pd.Series(df.index, index=df.index)
    if not (key.is_unique if subgroup else df.index.is_unique):
        dup = key[key.duplicated()].head(3).tolist()
        raise SchemaError(
            f"{name} needs one row per subgroup, but {dup} repeat in "
            f"{subgroup or 'the index'}. Aggregate first with "
            "leankit.spc.aggregate_counts(data, subgroup=..., count=..., size=..., lot=...) "
            "(which counts each inspection lot's size once)"
        )
    if (cnt < 0).any() or (sz <= 0).any():
        bad = df[(cnt < 0) | (sz <= 0)].head(5)
        raise SchemaError(f"{name}: counts must be >= 0 and sizes > 0; offending "
                          f"rows: {bad.index.tolist()}", failure_cases=bad)
    groups = pd.DataFrame({"n": sz.to_numpy(), "count": cnt.to_numpy(),
                           "size": sz.to_numpy()}, index=key.to_numpy())
    return s.finish(groups, df, key, exclude, one_row_each=True)


_TO_GROUPS: Mapping[str, Callable[[_Summariser, pd.DataFrame, Exclude], pd.DataFrame]] = {
    "values": _groups_of_values, "subgroups": _groups_of_subgroups, "counts": _groups_of_counts,
}


# ------------------------------------------------------------- generic builder

_COMMON = ("time", "stage", "exclude", "rules", "rule_params", "dispersion_rules", "nsigmas",
           "limits", "missing")


def build_chart(family: str | ChartFamily, data: pd.DataFrame, *, value: str | None = None,
                subgroup: str | None = None, count: str | None = None, size: str | None = None,
                time: str | None = None, stage: str | None = None, exclude: Exclude = None,
                rules: Rules | EllipsisType = ...,
                rule_params: Mapping[str, Mapping[str, Any]] | None = None,
                dispersion_rules: Rules = "limits", nsigmas: float = 3.0,
                limits: Limits | Mapping[str, Any] | None = None,
                standards: Mapping[str, float | None] | None = None,
                missing: Missing = "raise", **settings: Any) -> ControlChart:
    """Build a chart of a registered family with the generic engine (no ``by=``).

    This is what every family's constructor calls (and :func:`chart` for a family
    without one): it checks the column arguments against the family's input kind,
    summarises the rows into subgroups (:class:`ChartFamily` ``input``), estimates the
    parameters per stage from the Phase I baseline (or takes ``standards`` / ``limits``),
    computes every panel and evaluates its run rules. ``settings`` are the family's own
    options (``ChartFamily.settings``; unknown names raise :class:`TypeError`) and its
    extra column arguments (``ChartFamily.extra_columns``; their columns are added to
    the subgroup table under the argument's name). Without ``rules=`` the family's
    ``default_rules`` apply (``None``: no rules). ``standards`` maps parameter names to
    known values (``None`` = estimate it).
    """
    fam = get_family(family)
    name = _label(fam)
    cols: dict[str, str | None] = {"value": value, "subgroup": subgroup, "count": count,
                                   "size": size}
    for c in fam.columns:
        if cols[c] is None:
            raise TypeError(f"{name} needs {c}= (the column of "
                            f"{_COLUMN_WORDS[c]}); it takes {', '.join(fam.column_args)}")
    for c, v in cols.items():
        if v is not None and c not in fam.column_args:
            raise TypeError(f"{name} does not take {c}=; its column arguments are "
                            f"{', '.join(fam.column_args)}")
    extra = {e.name: settings.pop(e.name, None) for e in fam.extra_columns}
    for e in fam.extra_columns:
        if e.required and extra[e.name] is None:
            raise TypeError(f"{name} needs {e.name}= (the column of {e.help or e.name}); "
                            f"it takes {', '.join((*fam.column_args, *extra))}")
    unknown = sorted(set(settings) - set(fam.settings))
    if unknown:
        options = sorted(fam.settings)
        raise TypeError(f"{name} got unexpected setting(s) {', '.join(unknown)}"
                        f"{suggest(unknown[0], options)} Its settings: "
                        f"{', '.join(options) or 'none'}")
    if rules is ...:
        rules = fam.default_rules
    if fam.valid_rules is not None and rules is not None:
        fam.check_rules(rules)
    _require(data, **cols, **extra, time=time, stage=stage)
    used = {**{c: cols[c] for c in fam.column_args}, **extra}
    opts = _options(fam.id, rules=rules, rule_params=rule_params,
                    dispersion_rules=dispersion_rules, nsigmas=nsigmas, limits=limits,
                    standards=dict(standards or {}), **{**fam.settings, **settings},
                    **used, time=time, stage=stage)
    summarize = _Summariser(fam, used, time, stage, exclude, missing, opts)
    return _make(fam.id, data, summarize, opts)


_COLUMN_WORDS = {"value": "measured values", "subgroup": "subgroup ids",
                 "count": "counts", "size": "units inspected per subgroup"}


def chart(data: pd.DataFrame, *, type: str, **kwargs: Any) -> ControlChart:
    """Any registered chart type by id: ``chart(data, type="xbar_r", value=..., ...)``.

    The one generic entry point (the CLI's ``leankit chart --type`` and the weekly
    report's ``chart =`` use it): it calls the family's constructor
    (``type="xbar_r"`` is :func:`xbar_r`), or :func:`build_chart` for a family
    registered without one.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data (see the family's constructor).
    type : str
        A registered chart id or alias (:func:`families` lists them).
    **kwargs
        The constructor's keyword arguments: column names (``value=``, ``subgroup=``,
        ``count=``, ``size=``, as the family's input needs, and its ``extra_columns``
        such as ``part=``), the common settings
        (``time, stage, exclude, rules, rule_params, nsigmas, limits, missing``) and
        the family's own settings. Not ``by=``: use :func:`chart_by`. Without
        ``rules=`` the family's ``default_rules`` apply; rules not
        valid on the family raise :class:`~leankit.spc.RuleError`.

    Returns
    -------
    ControlChart

    Raises
    ------
    FamilyError
        Unknown chart type (the message lists the registered ones).

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> rings = datasets.piston_rings().head(125)
    >>> spc.chart(rings, type="xbar_r", value="diameter", subgroup="sample")
    <ControlChart xbar_r: 25 subgroups, n=5, 0 signals>
    """
    fam = get_family(type)
    if "by" in kwargs:
        raise TypeError("chart() does not take by=; use spc.chart_by(data, by=..., type=...) "
                        "for one chart per group")
    for e in fam.extra_columns:
        if e.required and kwargs.get(e.name) is None:
            raise FamilyError(
                f"a {fam.title} needs {e.name}= (the column of {e.help or e.name}): "
                f"spc.chart(data, type={fam.id!r}, ..., {e.name}=...); on the command line "
                f"--column {e.name}=COL, in a report spec columns = {{{e.name} = \"COL\"}}")
    if "rules" not in kwargs:
        kwargs["rules"] = fam.default_rules
    if fam.constructor is None:
        return build_chart(fam, data, **kwargs)
    out = fam.constructor(data, **kwargs)
    assert isinstance(out, ControlChart)
    return out


def chart_by(data: pd.DataFrame, *, by: str | Sequence[str], type: str,
             **kwargs: Any) -> ChartCollection:
    """One chart per group of the ``by`` column(s): always a :class:`ChartCollection`.

    The grouped path of every chart type (``xbar_r(..., by=...)`` is the same call).
    Groups that cannot be charted (too little data, unsupported subgroups) are listed
    in ``collection.failures`` instead of failing the whole call.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data with the ``by`` column(s).
    by : str or list of str
        Column(s) to group by.
    type : str
        A registered chart id or alias.
    **kwargs
        As for :func:`chart`.

    Returns
    -------
    ChartCollection

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> rings = datasets.piston_rings()
    >>> rings = rings.assign(line=rings["sample"] % 2)
    >>> spc.chart_by(rings, by="line", type="xbar_r", value="diameter", subgroup="sample")
    <ChartCollection by line: 2 charts, 2 with signals>
    """
    fam = get_family(type)

    def one(part: pd.DataFrame, **kw: Any) -> ControlChart:
        return chart(part, type=fam.id, **kw)

    return _by(one, data, by, dict(kwargs))


# ------------------------------------------------------------------- public: vars


def _variables(chart: str, data: pd.DataFrame, *, value: str, subgroup: str, time: str | None,
               stage: str | None, exclude: Exclude, rules: Rules,
               rule_params: Mapping[str, Mapping[str, Any]] | None, dispersion_rules: Rules,
               sigma_method: str, mu: float | None, sigma: float | None, nsigmas: float,
               limits: Limits | Mapping[str, Any] | None, missing: Missing) -> ControlChart:
    allowed = ("rbar", "sbar", "pooled")
    if sigma_method not in allowed:
        raise ValueError(f"sigma_method= must be one of {', '.join(allowed)}, got {sigma_method!r}")
    return build_chart(chart, data, value=value, subgroup=subgroup, time=time, stage=stage,
                       exclude=exclude, rules=rules, rule_params=rule_params,
                       dispersion_rules=dispersion_rules, nsigmas=nsigmas, limits=limits,
                       standards={"mu": mu, "sigma": sigma}, missing=missing,
                       sigma_method=sigma_method)



@overload
def xbar_r(
    data: pd.DataFrame,
    *,
    value: str,
    subgroup: str,
    time: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: None = None,
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    sigma_method: Literal["rbar", "sbar", "pooled"] = "rbar",
    mu: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
) -> ControlChart: ...


@overload
def xbar_r(
    data: pd.DataFrame,
    *,
    value: str,
    subgroup: str,
    time: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: str | Sequence[str],
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    sigma_method: Literal["rbar", "sbar", "pooled"] = "rbar",
    mu: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
) -> ChartCollection: ...


def xbar_r(
    data: pd.DataFrame,
    *,
    value: str,
    subgroup: str,
    time: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: str | Sequence[str] | None = None,
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    sigma_method: Literal["rbar", "sbar", "pooled"] = "rbar",
    mu: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
) -> ControlChart | ChartCollection:
    """X-bar and R chart of subgrouped measurements.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data: one row per measured value.
    value, subgroup : str
        Column of the measured values and of the subgroup (sample) ids.
    time : str, optional
        Column giving the time of each value; subgroups are plotted in order of their
        first time (otherwise in order of first appearance).
    stage : str, optional
        Column of stage labels (e.g. "before"/"after" an improvement); limits are
        estimated separately for each stage.
    exclude : str, mapping or sequence, optional
        Subgroups left out of the limit calculation but still plotted: a column whose
        non-empty text (the reason) or true value marks them, a mapping
        ``{subgroup: reason}``, or a list of subgroup ids.
    by : str or list of str, optional
        Chart each group separately; returns a :class:`ChartCollection`.
    rules : str, Rule or list, default "we"
        Run rules on the X-bar panel: a set name ("we", "nelson", "limits", "none"),
        rule ids ("we_1", "nelson_2" ...) or :class:`Rule` objects.
    rule_params : dict, optional
        Rule parameter changes, e.g. ``{"nelson_2": {"k": 7}}``.
    dispersion_rules : str, Rule or list, default "limits"
        Rules on the R panel (by default only points beyond the limits).
    sigma_method : {"rbar", "sbar", "pooled"}, default "rbar"
        Within-subgroup sigma estimator (see Notes).
    mu, sigma : float, optional
        Known standards; with both, every point is scored against them (Phase II).
    nsigmas : float, default 3
        Width of the limits in sigmas of the plotted statistic.
    limits : Limits, optional
        Frozen limits of an earlier chart (``chart.frozen_limits()``): score all data
        against them as Phase II.
    missing : {"raise", "exclude"}, default "raise"
        What to do with rows whose value or subgroup is missing.

    Returns
    -------
    ControlChart
        Panels ``chart.xbar`` and ``chart.r``; ``to_frame()`` columns: panel, subgroup,
        time, n, statistic, center, lcl, ucl, sigma, phase, stage, excluded,
        exclude_reason, signal, rules. With ``by=``, a :class:`ChartCollection`.

    Raises
    ------
    ColumnNotFoundError
        A named column is not in the data (the message suggests close names).
    UnsupportedSubgroupError
        A subgroup has fewer than 2 values.
    InsufficientDataError
        No baseline subgroups to estimate the limits from.

    Warns
    -----
    DataQualityWarning
        Subgroup sizes vary (the limits then vary per point), or sigma is 0.

    Notes
    -----
    Center ``mu = Σ n_i x̄_i / Σ n_i``; sigma by default ``R̄/d2(n)`` (unequal n: the
    ``d2²/d3²``-weighted mean of ``R_i/d2(n_i)``, ASTM E2587). X-bar limits
    ``mu ± k σ/√n_i``; R chart center ``d2(n_i) σ`` and limits ``(d2 ± k d3) σ``, LCL
    floored at 0 (for constant n: ``D3 R̄`` and ``D4 R̄``). Constants are computed
    exactly (``leankit.spc.factors``).

    References
    ----------
    Montgomery, D. C., *Introduction to Statistical Quality Control*, 8th ed., ch. 6.
    ASTM E2587-16, *Standard Practice for Use of Control Charts in Statistical Process
    Control*.

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> rings = datasets.piston_rings()
    >>> chart = spc.xbar_r(rings[rings.trial], value="diameter", subgroup="sample")
    >>> chart
    <ControlChart xbar_r: 25 subgroups, n=5, 0 signals>
    >>> round(chart.limits.loc[0, "ucl"], 3)
    np.float64(74.014)
    >>> chart.monitor(rings[~rings.trial])
    <ControlChart xbar_r: 40 subgroups, n=5, 15 in phase II, 5 signals>
    """
    kwargs = dict(value=value, subgroup=subgroup, time=time, stage=stage, exclude=exclude,
                  rules=rules, rule_params=rule_params, dispersion_rules=dispersion_rules,
                  sigma_method=sigma_method, mu=mu, sigma=sigma, nsigmas=nsigmas, limits=limits,
                  missing=missing)
    if by is not None:
        return _by(xbar_r, data, by, kwargs)
    return _variables("xbar_r", data, **kwargs)  # type: ignore[arg-type]


@overload
def xbar_s(
    data: pd.DataFrame,
    *,
    value: str,
    subgroup: str,
    time: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: None = None,
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    sigma_method: Literal["rbar", "sbar", "pooled"] = "sbar",
    mu: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
) -> ControlChart: ...


@overload
def xbar_s(
    data: pd.DataFrame,
    *,
    value: str,
    subgroup: str,
    time: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: str | Sequence[str],
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    sigma_method: Literal["rbar", "sbar", "pooled"] = "sbar",
    mu: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
) -> ChartCollection: ...


def xbar_s(
    data: pd.DataFrame,
    *,
    value: str,
    subgroup: str,
    time: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: str | Sequence[str] | None = None,
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    sigma_method: Literal["rbar", "sbar", "pooled"] = "sbar",
    mu: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
) -> ControlChart | ChartCollection:
    """X-bar and S chart; handles constant and variable subgroup sizes.

    Parameters are those of :func:`xbar_r`; the default sigma estimator is ``"sbar"``.

    Returns
    -------
    ControlChart
        Panels ``chart.xbar`` and ``chart.s`` (see :func:`xbar_r` for the columns).

    Notes
    -----
    Sigma by default ``S̄/c4(n)`` (unequal n: the ``c4²/(1−c4²)``-weighted mean of
    ``S_i/c4(n_i)``, ASTM E2587); ``"pooled"`` gives ``s_p/c4(d+1)``. X-bar limits
    ``mu ± k σ/√n_i``; S chart center ``c4(n_i) σ``, limits ``σ (c4 ± k √(1−c4²))``,
    LCL floored at 0 (for constant n: ``B3 S̄`` and ``B4 S̄``).

    References
    ----------
    Montgomery, D. C., *Introduction to Statistical Quality Control*, 8th ed., sec. 6.3.

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> rings = datasets.piston_rings()
    >>> chart = spc.xbar_s(rings[rings.trial], value="diameter", subgroup="sample")
    >>> chart.s.limits[["center", "ucl"]].round(4).values.tolist()
    [[0.0092, 0.0193]]
    """
    kwargs = dict(value=value, subgroup=subgroup, time=time, stage=stage, exclude=exclude,
                  rules=rules, rule_params=rule_params, dispersion_rules=dispersion_rules,
                  sigma_method=sigma_method, mu=mu, sigma=sigma, nsigmas=nsigmas, limits=limits,
                  missing=missing)
    if by is not None:
        return _by(xbar_s, data, by, kwargs)
    return _variables("xbar_s", data, **kwargs)  # type: ignore[arg-type]


@overload
def i_mr(
    data: pd.DataFrame,
    *,
    value: str,
    time: str | None = None,
    subgroup: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: None = None,
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    sigma_method: Literal["mrbar", "median_mr", "sd"] = "mrbar",
    span: int = 2,
    mu: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
) -> ControlChart: ...


@overload
def i_mr(
    data: pd.DataFrame,
    *,
    value: str,
    time: str | None = None,
    subgroup: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: str | Sequence[str],
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    sigma_method: Literal["mrbar", "median_mr", "sd"] = "mrbar",
    span: int = 2,
    mu: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
) -> ChartCollection: ...


def i_mr(
    data: pd.DataFrame,
    *,
    value: str,
    time: str | None = None,
    subgroup: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    by: str | Sequence[str] | None = None,
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    sigma_method: Literal["mrbar", "median_mr", "sd"] = "mrbar",
    span: int = 2,
    mu: float | None = None,
    sigma: float | None = None,
    nsigmas: float = 3.0,
    limits: Limits | Mapping[str, Any] | None = None,
    missing: Missing = "raise",
) -> ControlChart | ChartCollection:
    """Individuals and moving-range chart (I-MR) of single measurements.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per individual value, in time order unless ``time=`` is given.
    value : str
        Column of the values.
    time : str, optional
        Column to sort the values by.
    subgroup : str, optional
        Column of point labels (default: the row index).
    span : int, default 2
        Number of consecutive values per moving range.
    sigma_method : {"mrbar", "median_mr", "sd"}, default "mrbar"
        ``MR̄/d2(span)``, ``median(MR)/0.954`` (span 2; robust) or the overall ``s/c4``.

    Other parameters are those of :func:`xbar_r`.

    Returns
    -------
    ControlChart
        Panels ``chart.i`` and ``chart.mr``; the first moving range of each stage is
        missing (NaN).

    Notes
    -----
    I chart: ``x̄ ± k σ``. MR chart: center ``d2(span) σ`` (= MR̄; the median MR with
    ``median_mr``), limits ``(d2 ± k d3) σ`` (= ``D4 MR̄`` = 3.267 MR̄ for span 2).
    Excluded points are left out of the baseline sequence before its moving ranges are
    formed (as qcc does for a revised Phase I). In Phase II (``monitor``), the first
    moving range pairs the last baseline value with the first new one.

    References
    ----------
    Montgomery, D. C., *Introduction to Statistical Quality Control*, 8th ed., sec. 6.4.

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> chart = spc.i_mr(datasets.viscosity().head(20), value="viscosity", subgroup="batch")
    >>> round(chart.limits.loc[0, "sigma"], 4)
    np.float64(0.5075)
    """
    kwargs = dict(value=value, time=time, subgroup=subgroup, stage=stage, exclude=exclude,
                  rules=rules, rule_params=rule_params, dispersion_rules=dispersion_rules,
                  sigma_method=sigma_method, span=span, mu=mu, sigma=sigma, nsigmas=nsigmas,
                  limits=limits, missing=missing)
    if by is not None:
        return _by(i_mr, data, by, kwargs)
    allowed = ("mrbar", "median_mr", "sd")
    if sigma_method not in allowed:
        raise ValueError(f"sigma_method= must be one of {', '.join(allowed)}, got {sigma_method!r}")
    if not (isinstance(span, int) and span >= 2):
        raise UnsupportedSubgroupError(f"span= must be an integer >= 2, got {span!r}")
    return build_chart("i_mr", data, value=value, subgroup=subgroup, time=time, stage=stage,
                       exclude=exclude, rules=rules, rule_params=rule_params,
                       dispersion_rules=dispersion_rules, nsigmas=nsigmas, limits=limits,
                       standards={"mu": mu, "sigma": sigma}, missing=missing,
                       sigma_method=sigma_method, span=span)


# ---------------------------------------------------------------- public: attributes


def _attributes(chart: str, data: pd.DataFrame, *, count: str, size: str | None,
                subgroup: str | None, time: str | None, stage: str | None, exclude: Exclude,
                rules: Rules, rule_params: Mapping[str, Mapping[str, Any]] | None,
                standard: float | None, nsigmas: float,
                limits: Limits | Mapping[str, Any] | None, missing: Missing) -> ControlChart:
    if chart in ("p", "np", "u") and size is None:
        raise TypeError(f"{chart}_chart needs size= (the column of units inspected per subgroup)")
    name = {"p": "p", "np": "p", "c": "c", "u": "u"}[chart]
    if standard is not None and chart in ("p", "np") and not 0 < standard < 1:
        raise ValueError(f"p= must be between 0 and 1, got {standard!r}")
    if standard is not None and chart in ("c", "u") and not standard > 0:
        raise ValueError(f"{name}= must be positive, got {standard!r}")
    return build_chart(chart, data, count=count, size=size, subgroup=subgroup, time=time,
                       stage=stage, exclude=exclude, rules=rules, rule_params=rule_params,
                       dispersion_rules="none", nsigmas=nsigmas, limits=limits,
                       standards={name: standard}, missing=missing)



_ATTR_DOC = """
    Parameters
    ----------
    data : pandas.DataFrame
        One row per subgroup (sample, lot, day ...).
    count : str
        Column of {what}.
    size : str{size_opt}
        Column of the units inspected in each subgroup{size_note}.
    subgroup : str, optional
        Column of subgroup labels (default: the row index).
    {std}
    Other parameters (``time, stage, exclude, by, rules, rule_params, nsigmas, limits,
    missing``) are those of :func:`xbar_r`.

    Returns
    -------
    ControlChart
        One panel; ``to_frame()`` columns as for :func:`xbar_r`, ``n`` being the size.
"""


@overload
def p_chart(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None, p: float | None = None,
            nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart: ...


@overload
def p_chart(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str], rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None, p: float | None = None,
            nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ChartCollection: ...


def p_chart(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str] | None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None, p: float | None = None,
            nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart | ChartCollection:
    """p chart: fraction defective, constant or variable sample sizes.

    Notes
    -----
    ``p̄ = ΣD_i / Σn_i`` over the baseline; limits ``p̄ ± k √(p̄(1−p̄)/n_i)`` per point,
    LCL floored at 0 and UCL capped at 1; zone rules use each point's own sigma.

    References
    ----------
    Montgomery, D. C., *Introduction to Statistical Quality Control*, 8th ed., sec. 7.2.

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> oj = datasets.orange_juice().head(30)
    >>> chart = spc.p_chart(oj, count="D", size="size", subgroup="sample")
    >>> round(chart.limits.loc[0, "p"], 4), chart.signals["subgroup"].tolist()[:2]
    (np.float64(0.2313), [15, 22])
    """
    kwargs = dict(count=count, size=size, subgroup=subgroup, time=time, stage=stage,
                  exclude=exclude, rules=rules, rule_params=rule_params, p=p, nsigmas=nsigmas,
                  limits=limits, missing=missing)
    if by is not None:
        return _by(p_chart, data, by, kwargs)
    return _attributes("p", data, count=count, size=size, subgroup=subgroup, time=time,
                       stage=stage, exclude=exclude, rules=rules, rule_params=rule_params,
                       standard=p, nsigmas=nsigmas, limits=limits, missing=missing)


@overload
def np_chart(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
             time: str | None = None, stage: str | None = None, exclude: Exclude = None,
             by: None = None, rules: Rules = "we",
             rule_params: Mapping[str, Mapping[str, Any]] | None = None, p: float | None = None,
             nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
             missing: Missing = "raise") -> ControlChart: ...


@overload
def np_chart(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
             time: str | None = None, stage: str | None = None, exclude: Exclude = None,
             by: str | Sequence[str], rules: Rules = "we",
             rule_params: Mapping[str, Mapping[str, Any]] | None = None, p: float | None = None,
             nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
             missing: Missing = "raise") -> ChartCollection: ...


def np_chart(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
             time: str | None = None, stage: str | None = None, exclude: Exclude = None,
             by: str | Sequence[str] | None = None, rules: Rules = "we",
             rule_params: Mapping[str, Mapping[str, Any]] | None = None, p: float | None = None,
             nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
             missing: Missing = "raise") -> ControlChart | ChartCollection:
    """np chart: number defective, constant sample size.

    Notes
    -----
    Center ``n p̄``, limits ``n p̄ ± k √(n p̄ (1−p̄))``, LCL floored at 0. A varying size
    raises :class:`UnsupportedSubgroupError` (use :func:`p_chart`).

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> chart = spc.np_chart(datasets.orange_juice().head(30), count="D", size="size")
    >>> round(chart.limits.loc[0, "center"], 3)
    np.float64(11.567)
    """
    kwargs = dict(count=count, size=size, subgroup=subgroup, time=time, stage=stage,
                  exclude=exclude, rules=rules, rule_params=rule_params, p=p, nsigmas=nsigmas,
                  limits=limits, missing=missing)
    if by is not None:
        return _by(np_chart, data, by, kwargs)
    return _attributes("np", data, count=count, size=size, subgroup=subgroup, time=time,
                       stage=stage, exclude=exclude, rules=rules, rule_params=rule_params,
                       standard=p, nsigmas=nsigmas, limits=limits, missing=missing)


@overload
def c_chart(data: pd.DataFrame, *, count: str, size: str | None = None,
            subgroup: str | None = None, time: str | None = None, stage: str | None = None,
            exclude: Exclude = None, by: None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None, c: float | None = None,
            nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart: ...


@overload
def c_chart(data: pd.DataFrame, *, count: str, size: str | None = None,
            subgroup: str | None = None, time: str | None = None, stage: str | None = None,
            exclude: Exclude = None, by: str | Sequence[str], rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None, c: float | None = None,
            nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ChartCollection: ...


def c_chart(data: pd.DataFrame, *, count: str, size: str | None = None,
            subgroup: str | None = None, time: str | None = None, stage: str | None = None,
            exclude: Exclude = None, by: str | Sequence[str] | None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None, c: float | None = None,
            nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart | ChartCollection:
    """c chart: number of defects per inspection unit (constant area of opportunity).

    Notes
    -----
    Center ``c̄``, limits ``c̄ ± k √c̄``, LCL floored at 0. ``size`` is optional and must
    be constant (use :func:`u_chart` for varying inspection units).

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> chart = spc.c_chart(datasets.circuit_boards().head(26), count="x", subgroup="sample")
    >>> chart.limits[["center", "lcl", "ucl"]].round(2).values.tolist()
    [[19.85, 6.48, 33.21]]
    """
    kwargs = dict(count=count, size=size, subgroup=subgroup, time=time, stage=stage,
                  exclude=exclude, rules=rules, rule_params=rule_params, c=c, nsigmas=nsigmas,
                  limits=limits, missing=missing)
    if by is not None:
        return _by(c_chart, data, by, kwargs)
    return _attributes("c", data, count=count, size=size, subgroup=subgroup, time=time,
                       stage=stage, exclude=exclude, rules=rules, rule_params=rule_params,
                       standard=c, nsigmas=nsigmas, limits=limits, missing=missing)


@overload
def u_chart(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None, u: float | None = None,
            nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart: ...


@overload
def u_chart(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str], rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None, u: float | None = None,
            nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ChartCollection: ...


def u_chart(data: pd.DataFrame, *, count: str, size: str, subgroup: str | None = None,
            time: str | None = None, stage: str | None = None, exclude: Exclude = None,
            by: str | Sequence[str] | None = None, rules: Rules = "we",
            rule_params: Mapping[str, Mapping[str, Any]] | None = None, u: float | None = None,
            nsigmas: float = 3.0, limits: Limits | Mapping[str, Any] | None = None,
            missing: Missing = "raise") -> ControlChart | ChartCollection:
    """u chart: defects per unit, constant or variable number of units.

    Notes
    -----
    ``ū = Σc_i / Σn_i``; limits ``ū ± k √(ū/n_i)`` per point, LCL floored at 0.

    Examples
    --------
    >>> from leankit import datasets, spc
    >>> chart = spc.u_chart(datasets.circuit_boards().head(26), count="x", size="size")
    >>> round(chart.limits.loc[0, "u"], 4)
    np.float64(0.1985)
    """
    kwargs = dict(count=count, size=size, subgroup=subgroup, time=time, stage=stage,
                  exclude=exclude, rules=rules, rule_params=rule_params, u=u, nsigmas=nsigmas,
                  limits=limits, missing=missing)
    if by is not None:
        return _by(u_chart, data, by, kwargs)
    return _attributes("u", data, count=count, size=size, subgroup=subgroup, time=time,
                       stage=stage, exclude=exclude, rules=rules, rule_params=rule_params,
                       standard=u, nsigmas=nsigmas, limits=limits, missing=missing)


def aggregate_counts(data: pd.DataFrame, *, subgroup: str, count: str, size: str,
                     lot: str | None = None) -> pd.DataFrame:
    """Sum defect counts per subgroup, counting each inspection lot's size once.

    A defect log usually has one row per (lot, defect type), each repeating the lot's
    inspected quantity; summing that column would count a lot several times.

    Parameters
    ----------
    data : pandas.DataFrame
        Defect rows.
    subgroup : str
        Column to aggregate to (e.g. a day, a shift or a lot column).
    count, size : str
        Columns of the defect counts and of the units inspected.
    lot : str, optional
        Column identifying an inspection lot; its size is counted once per lot. Without
        it, sizes are summed over rows.

    Returns
    -------
    pandas.DataFrame
        One row per subgroup with columns ``subgroup`` (named as the input column),
        ``count``, ``size`` (named as the input columns).

    Raises
    ------
    SchemaError
        If one lot reports different sizes on different rows.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"day": [1, 1, 1], "lot": ["a", "a", "b"],
    ...                     "qty": [2, 1, 0], "inspected": [400, 400, 380]})
    >>> aggregate_counts(log, subgroup="day", count="qty", size="inspected", lot="lot")
       day  qty  inspected
    0    1    3        780
    """
    _require(data, subgroup=subgroup, count=count, size=size, lot=lot)
    counts = data.groupby(subgroup, sort=False)[count].sum()
    if lot is None:
        sizes = data.groupby(subgroup, sort=False)[size].sum()
    else:
        per_lot = data.groupby([subgroup, lot], sort=False)[size].agg(["nunique", "first"])
        bad = per_lot[per_lot["nunique"] > 1]
        if len(bad):
            raise SchemaError(
                f"lot(s) {[k[1] for k in bad.index[:5]]} report different {size!r} values on "
                "different rows; fix the export or aggregate without lot=",
                failure_cases=bad)
        sizes = per_lot["first"].groupby(level=0, sort=False).sum()
    return pd.DataFrame({subgroup: counts.index, count: counts.to_numpy(),
                         size: sizes.reindex(counts.index).to_numpy()})




# ------------------------------------------------------------- the built-in families


def _xbar_r_check(groups: pd.DataFrame, rows: pd.DataFrame, opts: Mapping[str, Any]) -> None:
    if groups["n"].nunique() > 1:
        warnings.warn(
            f"subgroup sizes vary ({int(groups['n'].min())}..{int(groups['n'].max())}): "
            "X-bar/R limits vary per point; an X-bar/S chart is usually preferred",
            DataQualityWarning, stacklevel=8)


def _imr_prepare(g: pd.DataFrame, opts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {"mr": _moving_range(g["value"].to_numpy(float), int(opts["span"]))}


def _attr_check(groups: pd.DataFrame, rows: pd.DataFrame, opts: Mapping[str, Any]) -> None:
    """Counting rules of the p, np, c and u charts (messages name the input rows)."""
    chart, size = opts["chart"], opts.get("size")
    cnt, sz = groups["count"].to_numpy(float), groups["size"].to_numpy(float)
    frac = cnt != np.round(cnt)
    if chart in ("p", "np"):
        frac |= sz != np.round(sz)
    if frac.any():
        bad = rows[frac].head(5)
        what = "counts and sizes" if chart in ("p", "np") else "counts"
        raise SchemaError(
            f"{chart}_chart: {what} must be whole numbers (defectives, defects and units "
            f"inspected are counted); rows {bad.index.tolist()} have fractions. Round or "
            "fix them" + ("; a fractional area of opportunity belongs in u_chart's size="
                          if chart != "u" else ""), failure_cases=bad)
    if chart in ("p", "np") and (cnt > sz).any():
        bad = rows[cnt > sz].head(5)
        raise SchemaError(f"{chart}_chart: more defectives than units inspected in rows "
                          f"{bad.index.tolist()}; for defect counts use u_chart/c_chart",
                          failure_cases=bad)
    if chart in ("np", "c") and size and len(np.unique(sz)) > 1:
        raise UnsupportedSubgroupError(
            f"{chart}_chart needs a constant sample size, but {size!r} varies "
            f"({sz.min():g}..{sz.max():g}); use {'p' if chart == 'np' else 'u'}_chart"
        )


_XBAR = Panel(name="xbar", title="X̄", y_title="subgroup mean")

register_family(ChartFamily(
    id="xbar_r", title="X̄-R chart", constructor=xbar_r, input="subgroups", min_size=2,
    description="subgroups of 2 to about 10 measurements: mean and range",
    panels=(_XBAR, Panel(name="r", title="R", y_title="subgroup range", rules="dispersion")),
    param_names=("mu", "sigma"), estimate=_var_estimate, arrays=_var_arrays,
    check=_xbar_r_check, settings={"sigma_method": "rbar"}, process_sigma=True))
register_family(ChartFamily(
    id="xbar_s", title="X̄-S chart", constructor=xbar_s, input="subgroups", min_size=2,
    description="subgroups of any size (also varying): mean and standard deviation",
    panels=(_XBAR, Panel(name="s", title="S", y_title="subgroup standard deviation",
                         rules="dispersion")),
    param_names=("mu", "sigma"), estimate=_var_estimate, arrays=_var_arrays,
    settings={"sigma_method": "sbar"}, process_sigma=True))
register_family(ChartFamily(
    id="i_mr", title="I-MR chart", constructor=i_mr, input="values", aliases=("imr",),
    description="one measurement at a time: individual values and moving ranges",
    panels=(Panel(name="i", title="Individual value", y_title="value"),
            Panel(name="mr", title="Moving range", y_title="moving range", rules="dispersion",
                  allow_missing=True)),
    param_names=("mu", "sigma"), estimate=_imr_estimate, arrays=_imr_arrays,
    prepare=_imr_prepare, settings={"sigma_method": "mrbar", "span": 2}, process_sigma=True))
register_family(ChartFamily(
    id="p", title="p chart", constructor=p_chart, input="counts", aliases=("p_chart",),
    description="defectives out of a (varying) number inspected: fraction defective",
    panels=(Panel(name="p", title="Proportion defective", y_title="fraction defective"),),
    param_names=("p",), estimate=_attr_estimate, arrays=_attr_arrays, check=_attr_check))
register_family(ChartFamily(
    id="np", title="np chart", constructor=np_chart, input="counts", aliases=("np_chart",),
    description="defectives out of a constant number inspected: number defective",
    panels=(Panel(name="np", title="Number defective", y_title="defectives"),),
    param_names=("p",), estimate=_attr_estimate, arrays=_attr_arrays, check=_attr_check))
register_family(ChartFamily(
    id="c", title="c chart", constructor=c_chart, input="counts", aliases=("c_chart",),
    columns=("count",), optional_columns=("size", "subgroup"),
    description="defects per constant inspection unit (area of opportunity)",
    panels=(Panel(name="c", title="Defects", y_title="defects"),),
    param_names=("c",), estimate=_attr_estimate, arrays=_attr_arrays, check=_attr_check))
register_family(ChartFamily(
    id="u", title="u chart", constructor=u_chart, input="counts", aliases=("u_chart",),
    description="defects per unit, (varying) number of units inspected",
    panels=(Panel(name="u", title="Defects per unit", y_title="defects per unit"),),
    param_names=("u",), estimate=_attr_estimate, arrays=_attr_arrays, check=_attr_check))


__all__ = ["aggregate_counts", "c_chart", "i_mr", "np_chart", "p_chart", "u_chart", "xbar_r",
           "xbar_s"]

_ = LeankitError  # re-exported for type checkers of callers
