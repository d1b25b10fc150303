"""Frozen Phase I limits persisted beside a dataset: the limits registry.

Layout (inside a dataset folder written by :func:`leankit.io.ingest`)::

    DIR/limits/limits.jsonl          one JSON object per line: one version of one key
    DIR/limits/limits.quarantine.jsonl   torn lines moved aside by a later write
    DIR/manifest.lock                the dataset's write lock, also taken here

The file is append-only in meaning: a write takes the dataset lock, re-reads the file,
keeps every earlier line byte for byte, adds one line and replaces the file atomically
(temporary file, fsync, rename), so a reader (which takes no lock) sees the old or the
new file, never half a line, and no version is ever overwritten. A torn last line
(a crash of an older or foreign writer, a copy cut short) is skipped with a
:class:`~leankit.errors.DataQualityWarning`; the next write moves it into
``limits.quarantine.jsonl``. Any other unreadable line is a
:class:`~leankit.errors.DatasetError` that says which line and how to repair it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import inspect
import json
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from leankit import __version__
from leankit.errors import DataQualityWarning, DatasetError, LeankitError
from leankit.spc._results import ControlChart, Limits
from leankit.spc._rules import RuleError, resolve_rules

__all__ = [
    "DataRange",
    "LimitsKey",
    "LimitsStore",
    "LimitsVersion",
    "chart_from_version",
]

#: Folder (inside the dataset) and file names of the registry.
FOLDER = "limits"
FILE = "limits.jsonl"
QUARANTINE = "limits.quarantine.jsonl"
#: Format tag written on every line (major version checked on reading).
FORMAT = "leankit.limits/1"

_KEY_FIELDS = ("characteristic", "product", "line", "machine")
_ACTIONS = ("freeze", "recompute")
# chart settings that are not passed back to the chart function on new data: the
# frozen limits replace the standards, a stage column / exclusions belong to Phase I
_NOT_REPLAYED = frozenset({"chart", "standards", "stage", "exclude", "by", "limits", "data",
                           "type", "mu", "sigma", "p", "c", "u", "gbar"})


# ------------------------------------------------------------------ value objects


@dataclass(frozen=True, slots=True)
class LimitsKey:
    """What a set of frozen limits is for: a characteristic, optionally of one product,
    line or machine.

    Attributes
    ----------
    characteristic : str
        The measured characteristic (the ``characteristic`` column of the measurements).
    product, line, machine : str or None
        Narrow the key to one product / line / machine (None: all of them).

    Examples
    --------
    >>> LimitsKey("bore_diameter", line="L3")
    LimitsKey('bore_diameter', line='L3')
    >>> str(LimitsKey("bore_diameter", line="L3"))
    'bore_diameter (line=L3)'
    """

    characteristic: str
    product: str | None = None
    line: str | None = None
    machine: str | None = None

    def __post_init__(self) -> None:
        for name in _KEY_FIELDS:
            value = getattr(self, name)
            if name == "characteristic" and (not isinstance(value, str) or not value.strip()):
                raise ValueError(f"characteristic= must be a non-empty text, got {value!r}")
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name}= must be text or None, got {type(value).__name__}")

    def __repr__(self) -> str:
        extra = "".join(f", {n}={getattr(self, n)!r}" for n in _KEY_FIELDS[1:]
                        if getattr(self, n) is not None)
        return f"LimitsKey({self.characteristic!r}{extra})"

    def __str__(self) -> str:
        extra = ", ".join(f"{n}={getattr(self, n)}" for n in _KEY_FIELDS[1:]
                          if getattr(self, n) is not None)
        return f"{self.characteristic} ({extra})" if extra else self.characteristic

    def to_dict(self) -> dict[str, str | None]:
        """Plain-dict (JSON-ready) form."""
        return {n: getattr(self, n) for n in _KEY_FIELDS}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LimitsKey:
        """Rebuild from :meth:`to_dict` output."""
        return cls(d.get("characteristic"), product=d.get("product"),  # type: ignore[arg-type]
                   line=d.get("line"), machine=d.get("machine"))

    @classmethod
    def of(cls, key: LimitsKey | str) -> LimitsKey:
        """*key* itself, or the key of a characteristic given by name."""
        if isinstance(key, LimitsKey):
            return key
        if isinstance(key, str):
            return cls(key)
        raise TypeError(f"key must be a LimitsKey or a characteristic name (text), got "
                        f"{type(key).__name__}")


@dataclass(frozen=True, slots=True)
class DataRange:
    """The Phase I baseline the limits were estimated from.

    Attributes
    ----------
    first, last : pandas.Timestamp or None
        Time of the first and last baseline point (UTC; None when the chart had no
        time column).
    subgroups : int
        Number of baseline points (subgroups, or individual values) used for the limits.
    values : int
        Number of measured values (or count rows) behind them.
    """

    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    subgroups: int = 0
    values: int = 0

    @classmethod
    def of_chart(cls, chart: ControlChart) -> DataRange:
        """The Phase I, not excluded, points and values of *chart*."""
        pts = chart.points
        if chart.panel_names:
            pts = pts[pts["panel"] == chart.panel_names[0]]
        if "phase" in pts:
            pts = pts[pts["phase"] == "I"]
        if "excluded" in pts:
            pts = pts[~pts["excluded"].astype(bool)]
        data = chart.data
        if "phase" in data:
            data = data[data["phase"] == "I"]
        if "excluded" in data:
            data = data[~data["excluded"].astype(bool)]
        first = last = None
        if "time" in pts and pts["time"].notna().any():
            times = pd.to_datetime(pts["time"].dropna(), utc=True, errors="coerce").dropna()
            if len(times):
                first, last = times.min(), times.max()
        return cls(first=first, last=last, subgroups=len(pts), values=len(data))

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict (JSON-ready) form (times as ISO 8601 text)."""
        return {"first": _iso(self.first), "last": _iso(self.last),
                "subgroups": int(self.subgroups), "values": int(self.values)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DataRange:
        """Rebuild from :meth:`to_dict` output."""
        return cls(first=_ts(d.get("first")), last=_ts(d.get("last")),
                   subgroups=int(d.get("subgroups", 0)), values=int(d.get("values", 0)))

    def __str__(self) -> str:
        span = ("" if self.first is None or self.last is None else
                f"{self.first:%Y-%m-%d %H:%M} .. {self.last:%Y-%m-%d %H:%M} UTC, ")
        return f"{span}{self.subgroups} subgroups, {self.values} values"


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitsVersion:
    """One version of the frozen limits of one key (a line of the registry).

    Attributes
    ----------
    key : LimitsKey
        The characteristic (and product / line / machine) the limits are for.
    version : int
        1 for the first freeze of the key, then 2, 3 ... for each recompute.
    action : {"freeze", "recompute"}
        How this version came to be.
    chart : str
        Chart family id (``"xbar_s"``, ``"i_mr"`` ...).
    settings : mapping
        The chart's settings (``ControlChart.parameters`` without the chart id): column
        names, rules, nsigmas, sigma estimator and the family's own settings.
    stage_limits : tuple of (stage, Limits)
        The frozen parameters of every Phase I stage, in stage order; the last one is
        :attr:`limits`, the one new data is scored against.
    baseline : DataRange
        The Phase I data the limits were estimated from.
    by : str
        Who froze them.
    reason : str
        Why (required: every version is audited).
    created_at : pandas.Timestamp
        When (UTC).
    leankit_version : str
        The leankit version that computed them.
    advice : mapping or None
        The chart advisor's advice behind the choice of chart and rules, if any.
    supersedes : int or None
        The version this one replaced (a recompute), else None.
    """

    key: LimitsKey
    version: int
    action: str
    chart: str
    settings: Mapping[str, Any]
    stage_limits: tuple[tuple[Any, Limits], ...]
    baseline: DataRange
    by: str
    reason: str
    created_at: pd.Timestamp
    leankit_version: str = __version__
    advice: Mapping[str, Any] | None = None
    supersedes: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))
        if self.advice is not None:
            object.__setattr__(self, "advice", MappingProxyType(dict(self.advice)))
        object.__setattr__(self, "stage_limits", tuple(
            (s, lim) for s, lim in self.stage_limits))
        if not self.stage_limits:
            raise ValueError("a LimitsVersion needs the limits of at least one stage")

    __hash__ = None  # type: ignore[assignment]  # settings and advice are mappings

    def __reduce__(self) -> tuple[Any, ...]:
        # the read-only mappings do not pickle; the stored form does, losslessly
        return (_version_from_dict, (self.to_dict(),))

    @property
    def label(self) -> str:
        """One line for a report: version, who, when, why, baseline.

        Examples
        --------
        >>> import tempfile
        >>> from leankit import datasets, spc
        >>> chart = spc.xbar_s(datasets.piston_rings().head(125), value="diameter",
        ...                    subgroup="sample")
        >>> v = spc.LimitsStore(tempfile.mkdtemp()).freeze("d", chart, reason="first", by="qe")
        >>> v.label.split(" on ")[0]
        'limits v1 (xbar_s, frozen by qe'
        """
        what = "frozen" if self.action == "freeze" else f"recomputed (was v{self.supersedes})"
        return (f"limits v{self.version} ({self.chart}, {what} by {self.by} on "
                f"{self.created_at:%Y-%m-%d}: {self.reason}; baseline {self.baseline})")

    @property
    def limits(self) -> Limits:
        """The limits new data is scored against (those of the last stage)."""
        return self.stage_limits[-1][1]

    def chart_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`leankit.spc.chart` with this version's settings.

        Column names, rules, nsigmas, sigma estimator and the family's own settings;
        not the Phase I standards, stage column or exclusions. Rule ids a family
        derives itself (the g chart's ``"g_below (k=8)"`` from ``rules="below"``) are
        left out: :func:`chart_from_version` (``phase="I"`` to estimate afresh, the
        default ``"II"`` to score against the frozen limits) finds and checks them.
        """
        return replay_settings(self.chart, self.settings)

    def __repr__(self) -> str:
        return (f"<LimitsVersion {self.key} v{self.version} {self.chart}: "
                f"{_params_text(self.limits)}; {self.action} by {self.by} "
                f"{self.created_at:%Y-%m-%d %H:%M} UTC>")

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict (JSON-ready) form: the line stored in the registry."""
        return {
            "format": FORMAT,
            "key": self.key.to_dict(),
            "version": self.version,
            "action": self.action,
            "chart": self.chart,
            "settings": _jsonable(dict(self.settings), "settings"),
            "stages": [{"stage": _jsonable(s, "stage"), "limits": lim.to_dict()}
                       for s, lim in self.stage_limits],
            "baseline": self.baseline.to_dict(),
            "by": self.by,
            "reason": self.reason,
            "created_at": _iso(self.created_at),
            "leankit_version": self.leankit_version,
            "advice": (None if self.advice is None
                       else _jsonable(dict(self.advice), "advice", nan_as_null=True)),
            "supersedes": self.supersedes,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LimitsVersion:
        """Rebuild from :meth:`to_dict` output.

        Raises
        ------
        ValueError
            If a field is missing or has the wrong type (the message names it).
        """
        fmt = str(d.get("format", ""))
        name, _, major = fmt.partition("/")
        if name != "leankit.limits" or major.split(".")[0] != "1":
            raise ValueError(f"format {fmt!r} is not {FORMAT!r} (written by a newer leankit?)")
        try:
            created = _ts(d["created_at"])
            if created is None:
                raise ValueError("created_at is empty")
            action = str(d["action"])
            if action not in _ACTIONS:
                raise ValueError(f"action {action!r} is not one of {', '.join(_ACTIONS)}")
            version = d["version"]
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise ValueError(f"version {version!r} is not a positive integer")
            settings = d["settings"]
            if not isinstance(settings, dict):
                raise ValueError("settings is not an object")
            return cls(
                key=LimitsKey.from_dict(d["key"]),
                version=version,
                action=action,
                chart=str(d["chart"]),
                settings=settings,
                stage_limits=tuple((s["stage"], Limits.from_dict(s["limits"]))
                                   for s in d["stages"]),
                baseline=DataRange.from_dict(d["baseline"]),
                by=str(d["by"]),
                reason=str(d["reason"]),
                created_at=created,
                leankit_version=str(d.get("leankit_version", "")),
                advice=d.get("advice"),
                supersedes=d.get("supersedes"),
            )
        except KeyError as exc:
            raise ValueError(f"field {exc.args[0]!r} is missing") from None
        except (TypeError, AttributeError) as exc:
            raise ValueError(f"a field has the wrong type ({exc})") from None

    def to_frame(self) -> pd.DataFrame:
        """One row per stage: ``stage, chart, method, nsigmas`` and one column per
        parameter (``mu``, ``sigma``, ``p`` ...)."""
        rows = [{"stage": s, "chart": lim.chart, "method": lim.method,
                 "nsigmas": lim.nsigmas, **dict(lim.params)} for s, lim in self.stage_limits]
        return pd.DataFrame(rows)


def _version_from_dict(d: Mapping[str, Any]) -> LimitsVersion:
    return LimitsVersion.from_dict(d)


# ------------------------------------------------------------------ the store


class LimitsStore:
    """The registry of frozen Phase I limits of a dataset (``DIR/limits/limits.jsonl``).

    Versions are appended, never changed: :meth:`freeze` writes version 1 of a key,
    :meth:`recompute` a new version (with a required reason) that supersedes the
    current one, which stays in :meth:`history`.

    Parameters
    ----------
    root : path
        The dataset folder (it must exist; :func:`leankit.io.ingest` creates it).
    lock_timeout : float, default 60
        Seconds a write waits for another process holding the dataset's lock.

    Examples
    --------
    >>> import tempfile
    >>> from leankit import datasets, spc
    >>> store = spc.LimitsStore(tempfile.mkdtemp())
    >>> rings = datasets.piston_rings().head(125)
    >>> chart = spc.xbar_s(rings, value="diameter", subgroup="sample")
    >>> v1 = store.freeze("diameter", chart, reason="25 in-control samples", by="qe")
    >>> v1.version, round(v1.limits.params["mu"], 4), store.keys()
    (1, 74.0012, [LimitsKey('diameter')])
    >>> v2 = store.recompute("diameter", chart, reason="gauge replaced", by="qe")
    >>> [v.version for v in store.history("diameter")], store.current("diameter").version
    ([1, 2], 2)
    """

    def __init__(self, root: str | Path, *, lock_timeout: float = 60.0) -> None:
        self.root = Path(root)
        self.lock_timeout = float(lock_timeout)

    def __repr__(self) -> str:
        return f"LimitsStore({str(self.root)!r})"

    @property
    def path(self) -> Path:
        """The registry file, ``DIR/limits/limits.jsonl``."""
        return self.root / FOLDER / FILE

    # ---------------------------------------------------------------- reading

    def versions(self) -> list[LimitsVersion]:
        """Every version of every key, in the order they were written.

        Warns
        -----
        DataQualityWarning
            The last line is torn (an interrupted write); it is skipped.

        Raises
        ------
        DatasetError
            The file cannot be read, or a line other than the last is broken.
        """
        out, torn = self._parse(self._read_bytes())
        if torn is not None:
            warnings.warn(
                f"{self.path}: the last line (line {torn[0]}) is incomplete, probably an "
                "interrupted write; it is ignored, and the next freeze or recompute moves "
                f"it to {QUARANTINE}",
                DataQualityWarning, stacklevel=2)
        return out

    def keys(self) -> list[LimitsKey]:
        """The keys with frozen limits, in the order they were first frozen."""
        return list(dict.fromkeys(v.key for v in self.versions()))

    def history(self, key: LimitsKey | str) -> list[LimitsVersion]:
        """Every version of *key*, oldest first (empty if it was never frozen)."""
        k = LimitsKey.of(key)
        return [v for v in self.versions() if v.key == k]

    def current(self, key: LimitsKey | str) -> LimitsVersion | None:
        """The newest version of *key* (None if it was never frozen)."""
        hist = self.history(key)
        return hist[-1] if hist else None

    def _read_bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            if self.root.exists() and not self.root.is_dir():
                raise DatasetError(f"{self.root} is not a dataset folder (it is a file)"
                                   ) from None
            if not self.root.is_dir():  # a mistyped path must not read as "no limits"
                raise DatasetError(f"dataset folder {self.root} does not exist; check the "
                                   "path (the folder `leankit ingest ... --out` wrote)"
                                   ) from None
            return b""
        except OSError as exc:
            raise DatasetError(f"{self.path}: cannot read the limits registry "
                               f"({exc.strerror or exc})") from exc

    def _parse(self, raw: bytes) -> tuple[list[LimitsVersion], tuple[int, bytes] | None]:
        lines = raw.split(b"\n")
        complete = raw.endswith(b"\n") or not raw
        if complete:
            lines = lines[:-1]
        out: list[LimitsVersion] = []
        torn: tuple[int, bytes] | None = None
        seen: dict[LimitsKey, int] = {}
        for i, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line.decode("utf-8"))
            except ValueError as exc:  # also JSONDecodeError, UnicodeDecodeError
                if i == len(lines):  # an interrupted write: tolerated (see versions())
                    torn = (i, line)
                    break
                raise self._broken(i, exc) from None
            fmt = doc.get("format") if isinstance(doc, dict) else None
            if isinstance(fmt, str) and fmt.partition("/")[0] == "leankit.limits" and (
                    fmt.partition("/")[2].split(".")[0] != FORMAT.partition("/")[2]):
                raise DatasetError(
                    f"{self.path}, line {i}: written in format {fmt!r} by a newer leankit "
                    f"(this one reads {FORMAT!r}); upgrade leankit to read these limits")
            try:
                if not isinstance(doc, dict):
                    raise ValueError(f"a JSON {type(doc).__name__}, not an object")
                ver = LimitsVersion.from_dict(doc)
            except ValueError as exc:
                raise self._broken(i, exc) from None
            expected = seen.get(ver.key, 0) + 1
            if ver.version != expected:
                raise DatasetError(
                    f"{self.path}, line {i}: {ver.key} version {ver.version} follows version "
                    f"{expected - 1}; versions of a key must count up by one. The file was "
                    "edited by hand or merged from two copies: restore it from a backup")
            seen[ver.key] = ver.version
            out.append(ver)
        return out, torn

    def _broken(self, line: int, exc: BaseException) -> DatasetError:
        return DatasetError(
            f"{self.path}, line {line}: not a valid limits version ({_short(exc)}). The "
            "registry is append-only, so this line was edited or damaged: restore the file "
            f"from a backup, or move the broken line into {QUARANTINE} beside it")

    # ---------------------------------------------------------------- writing

    def freeze(self, key: LimitsKey | str, chart: ControlChart, *, reason: str,
               by: str | None = None, data_range: DataRange | None = None,
               advice: Mapping[str, Any] | object | None = None) -> LimitsVersion:
        """Freeze *chart*'s Phase I limits as version 1 of *key*.

        Parameters
        ----------
        key : LimitsKey or str
            The characteristic (a name, or a :class:`LimitsKey` for one product /
            line / machine).
        chart : ControlChart
            The Phase I chart (its ``stage_limits`` and ``parameters`` are stored).
        reason : str
            Why these data are a good baseline (required, not empty).
        by : str, optional
            Who freezes them (default: the login name).
        data_range : DataRange, optional
            The baseline (default: the chart's Phase I points, :meth:`DataRange.of_chart`).
        advice : Advice or mapping, optional
            The chart advisor's advice (:func:`leankit.spc.advise`, or any mapping of
            names, numbers and lists), stored with the version (NaN stored as null).

        Returns
        -------
        LimitsVersion

        Raises
        ------
        DatasetError
            *key* already has frozen limits (use :meth:`recompute`), or the registry
            cannot be written.
        ValueError
            Empty reason.
        """
        return self._append("freeze", key, chart, reason=reason, by=by,
                            data_range=data_range, advice=advice)

    def recompute(self, key: LimitsKey | str, chart: ControlChart, *, reason: str,
                  by: str | None = None, data_range: DataRange | None = None,
                  advice: Mapping[str, Any] | object | None = None) -> LimitsVersion:
        """Store new limits for *key* as a new version; the old one stays in the history.

        Parameters are those of :meth:`freeze`; the reason (why the limits change:
        a process change, a new gauge ...) is required and stored.

        Returns
        -------
        LimitsVersion
            The new version (its ``supersedes`` is the previous version number).

        Raises
        ------
        DatasetError
            *key* has no frozen limits yet (use :meth:`freeze`), or the registry cannot
            be written.
        ValueError
            Empty reason.
        """
        return self._append("recompute", key, chart, reason=reason, by=by,
                            data_range=data_range, advice=advice)

    def _append(self, action: str, key: LimitsKey | str, chart: ControlChart, *, reason: str,
                by: str | None, data_range: DataRange | None,
                advice: Mapping[str, Any] | object | None) -> LimitsVersion:
        k = LimitsKey.of(key)
        if not isinstance(chart, ControlChart):
            raise TypeError(f"chart must be a ControlChart, got {type(chart).__name__}")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{action} needs a reason= (why these limits; it is stored for "
                             "the audit trail), got an empty one")
        if not chart.stage_limits:
            raise ValueError(f"the {chart.chart} chart has no frozen limits (stage_limits "
                             "is empty): freeze a chart built by the chart engine")
        who = by if by else _login()
        advice_doc = _advice_dict(advice)
        if data_range is None:
            data_range = DataRange.of_chart(chart)
        settings = {k2: v for k2, v in chart.parameters.items() if k2 != "chart"}
        stages = tuple(sorted(chart.stage_limits.items(), key=lambda kv: _stage_order(kv[0])))
        if not self.root.is_dir():
            raise DatasetError(
                f"dataset folder {self.root} does not exist; ingest the measurements into it "
                "first (leankit ingest ... --out DIR)")
        from leankit.io._dataset import Dataset, atomic_write_bytes

        with Dataset(self.root, lock_timeout=self.lock_timeout)._locked():
            for old in self.path.parent.glob(f".{FILE}.*.tmp"):  # left by a killed writer
                old.unlink(missing_ok=True)
            raw = self._read_bytes()
            versions, torn = self._parse(raw)
            if torn is not None:  # keep the torn bytes aside, then drop them from the file
                qpath = self.path.parent / QUARANTINE
                try:
                    prev = qpath.read_bytes()
                except FileNotFoundError:
                    prev = b""
                atomic_write_bytes(qpath, prev + torn[1] + b"\n")
                raw = b"".join(line + b"\n" for line in raw.split(b"\n")[: torn[0] - 1])
                warnings.warn(
                    f"{self.path}: the incomplete last line (line {torn[0]}, probably an "
                    f"interrupted write) was moved to {qpath.name} before this {action}",
                    DataQualityWarning, stacklevel=3)
            elif raw and not raw.endswith(b"\n"):
                raw += b"\n"
            hist = [v for v in versions if v.key == k]
            if action == "freeze" and hist:
                cur = hist[-1]
                raise DatasetError(
                    f"{k} already has frozen limits (version {cur.version}, "
                    f"{cur.action} by {cur.by} on {cur.created_at:%Y-%m-%d}); limits are never "
                    "overwritten silently: use recompute (leankit limits recompute) with a "
                    "reason to store a new version")
            if action == "recompute" and not hist:
                raise DatasetError(f"{k} has no frozen limits to recompute; freeze them first "
                                   "(leankit limits freeze)")
            new = LimitsVersion(
                key=k, version=len(hist) + 1, action=action, chart=chart.family,
                settings=settings, stage_limits=stages, baseline=data_range, by=who,
                reason=reason.strip(), created_at=pd.Timestamp.now(tz="UTC"),
                advice=advice_doc, supersedes=hist[-1].version if hist else None)
            line = json.dumps(new.to_dict(), ensure_ascii=False, allow_nan=False,
                              sort_keys=False).encode("utf-8")
            atomic_write_bytes(self.path, raw + line + b"\n")
        # what a reader gets back (JSON round trip: tuples become lists ...)
        return LimitsVersion.from_dict(json.loads(line))

    def iter_current(self) -> Iterator[LimitsVersion]:
        """The current version of each key, in the order the keys were first frozen."""
        latest: dict[LimitsKey, LimitsVersion] = {}
        for v in self.versions():
            latest[v.key] = v
        yield from latest.values()


# ------------------------------------------------------------------ using a version


def chart_from_version(version: LimitsVersion, data: pd.DataFrame, *,
                       phase: Literal["II", "I"] = "II", **overrides: Any) -> ControlChart:
    """Chart *data* as Phase II against the frozen limits of *version* (or, with
    ``phase="I"``, estimate new limits from *data* the same way: a recompute).

    The chart type, column names, rules, nsigmas and the family's own settings are
    those stored with the version; every point is scored against ``version.limits``
    (the last Phase I stage), exactly as ``chart.monitor(data)`` scores the new points
    of the chart that was frozen, except that the series starts with *data*: a run
    rule cannot count Phase I points, and a sequential statistic (moving range, EWMA,
    CUSUM) starts afresh (the first moving range is missing; EWMA and CUSUM start at
    the frozen mean, and EWMA's time-varying limits widen again from the first new
    point). For X-bar, p, np, c and u charts the points, limits and signals equal
    those of ``monitor`` whenever no run straddles the boundary.

    Parameters
    ----------
    version : LimitsVersion
        From :meth:`LimitsStore.current` or :meth:`LimitsStore.history`.
    data : pandas.DataFrame
        The new data, with the columns named in ``version.settings``.
    phase : {"II", "I"}, default "II"
        ``"II"``: score *data* against the frozen limits. ``"I"``: *data* is a new
        baseline; its limits are estimated with the version's settings (what
        :meth:`LimitsStore.recompute` then stores).
    **overrides
        Settings to change (e.g. ``time="ts"`` when the column is named differently).

    Notes
    -----
    When the frozen chart was drawn on transformed data (advice with a
    ``transformation``: log, AR(1) residuals, event gaps), transform the new data the
    same way (``Advice.transform``) before calling this function.

    Returns
    -------
    ControlChart
        With ``phase="II"`` all points are Phase II; ``parameters`` and
        ``stage_limits`` show the frozen limits used.

    Raises
    ------
    LeankitError
        The stored settings cannot be reproduced (e.g. rules with parameters this
        leankit does not derive from the stored ids): pass them as overrides.

    Examples
    --------
    >>> import tempfile
    >>> from leankit import datasets, spc
    >>> rings = datasets.piston_rings()
    >>> store = spc.LimitsStore(tempfile.mkdtemp())
    >>> base = spc.xbar_s(rings.head(125), value="diameter", subgroup="sample")
    >>> v = store.freeze("diameter", base, reason="baseline", by="qe")
    >>> spc.chart_from_version(v, rings.iloc[125:])
    <ControlChart xbar_s: 15 subgroups, n=5, 15 in phase II, 5 signals>
    """
    from leankit.spc._charts import chart as _chart
    from leankit.spc._families import get_family

    if not isinstance(version, LimitsVersion):
        raise TypeError(f"version must be a LimitsVersion, got {type(version).__name__}")
    fam = get_family(version.chart)
    if phase not in ("I", "II"):
        raise ValueError(f"phase= must be 'II' (score against the frozen limits) or 'I' "
                         f"(estimate new limits), got {phase!r}")
    kwargs = replay_settings(fam.id, version.settings)
    kwargs.update(overrides)
    if phase == "II":
        kwargs["limits"] = version.limits
    out = _chart(data, type=fam.id, **kwargs)
    want = version.settings.get("rules")
    if want is not None and "rules" not in overrides and not _same(out, "rules", want):
        # the chart stores the rule ids it ran ("g_below (k=8)"); find the rules= input
        # that gives them (a family's own rule names)
        for cand in (*(getattr(fam, "valid_rules", None) or ()),
                     getattr(fam, "default_rules", "we")):
            try:
                alt = _chart(data, type=fam.id, **{**kwargs, "rules": cand})
            except RuleError:
                continue
            if _same(alt, "rules", want):
                out = alt
                break
    differ = [k for k, v in version.settings.items() if k not in _NOT_REPLAYED
              and k not in overrides and k in out.parameters and not _same(out, k, v)]
    if differ:
        raise LeankitError(
            f"cannot reproduce the stored settings of {version.key} v{version.version} on "
            f"this {fam.id} chart: " + "; ".join(
                f"{k} stored {version.settings[k]!r}, got {out.parameters[k]!r}"
                for k in differ) + ". Pass them as keyword arguments "
            "(chart_from_version(version, data, rules=...))")
    return out


def _same(chart: ControlChart, name: str, stored: Any) -> bool:
    """Whether the chart's setting *name* equals the *stored* (JSON) value."""
    try:
        return bool(_jsonable(chart.parameters.get(name), name, nan_as_null=True)
                    == _jsonable(stored, name, nan_as_null=True))
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------------------ helpers


def replay_settings(chart_id: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments that chart new data with the stored *settings*: column
    names, rules, nsigmas, the family's own settings (not the Phase I standards,
    stage column or exclusions; the frozen limits take their place)."""
    from leankit.spc._families import get_family

    fam = get_family(chart_id)
    kwargs = {k: v for k, v in settings.items() if k not in _NOT_REPLAYED and v is not None}
    for name in ("rules", "dispersion_rules"):
        if isinstance(kwargs.get(name), list):
            kwargs[name] = tuple(kwargs[name])
        if name in kwargs:  # a family's own signal ids (CUSUM's) are not a rules= input
            try:
                if name == "rules" and hasattr(fam, "check_rules"):
                    fam.check_rules(kwargs[name])
                else:
                    resolve_rules(kwargs[name], params=kwargs.get("rule_params"))
            except RuleError:
                del kwargs[name]
    if fam.constructor is not None:
        sig = inspect.signature(fam.constructor).parameters
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.values()):
            kwargs = {k: v for k, v in kwargs.items() if k in sig}
    return kwargs


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers / services
        return "unknown"


def _stage_order(stage: Any) -> tuple[int, Any]:
    if isinstance(stage, int | float | np.integer | np.floating):
        return (0, float(stage))
    return (1, str(stage))


def _iso(ts: pd.Timestamp | dt.datetime | None) -> str | None:
    if ts is None:
        return None
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return str(t.isoformat())


def _ts(text: Any) -> pd.Timestamp | None:
    if text is None:
        return None
    t = pd.Timestamp(str(text))
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _advice_dict(advice: object) -> dict[str, Any] | None:
    """The advice as a JSON-ready dict (an :class:`Advice` dataclass or a mapping)."""
    if advice is None:
        return None
    if isinstance(advice, Mapping):
        doc = dict(advice)
    elif dataclasses.is_dataclass(advice) and not isinstance(advice, type):
        doc = {f.name: getattr(advice, f.name) for f in dataclasses.fields(advice)}
    else:
        raise TypeError(f"advice= must be an Advice (spc.advise) or a mapping, got "
                        f"{type(advice).__name__}")
    out = _jsonable(doc, "advice", nan_as_null=True)
    assert isinstance(out, dict)
    return out


def _jsonable(value: Any, what: str, *, nan_as_null: bool = False) -> Any:
    """*value* as plain JSON types (numpy scalars, tuples, timestamps converted)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        if not math.isfinite(f):
            if nan_as_null:
                return None
            raise ValueError(f"{what}: {f} cannot be stored (not a finite number)")
        return f
    if isinstance(value, pd.Timestamp | dt.datetime):
        return _iso(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, what, nan_as_null=nan_as_null) for k, v in value.items()}
    if isinstance(value, Sequence | np.ndarray | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else list(value)
        return [_jsonable(v, what, nan_as_null=nan_as_null) for v in items]
    raise TypeError(f"{what}: a {type(value).__name__} ({value!r:.60}) cannot be stored as "
                    "JSON; freeze a chart whose settings are names, numbers and lists")


def _params_text(lim: Limits) -> str:
    return ", ".join(f"{k}={v:.6g}" for k, v in lim.params.items())


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:200] + " ..."
