"""Verdicts of the weekly report: per series (a characteristic or a count series) the
chart, whether the week shows a special cause, and capability where it means something.

This is the report's decision layer, shared by the HTML report, the JSON verdicts
(``X.json`` beside ``X.html``) and ``benchmarks/bench_signals.py``, so the benchmark
measures exactly what a leader reads. It returns data; the report layer words and draws
it.

The false-alarm design (``chart = "auto"``): the advised Shewhart chart (beyond the
limits only, ±k calibrated with the exact Markov chain of :func:`leankit.spc.arl`) is
paired with an EWMA chart (λ = 0.2, asymptotic limits ±L) of the same values for small
sustained shifts; each gets half of the weekly false-alarm budget ``alarm_rate`` for the
typical number of points a week, so a stable characteristic shows a false special cause
in at most about ``alarm_rate`` of its weeks (Bonferroni; simulated by the advisor).
Count series get the advised attribute chart (u, Laney u′, g ...) calibrated the same way.

Capability gate: a week with a special cause is assessed on the current state only (the
data after the change the chart detected, located by the maximum-likelihood step-change
estimator of Samuel, Pignatiello and Calvin 1998), or "not assessed: not stable" when
too little data follow the change; the distribution model is chosen on the baseline and
kept week after week.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leankit._days import day_start_utc, local_day
from leankit.errors import InsufficientDataError, LeankitError

__all__ = [
    "CapabilityVerdict",
    "SeriesVerdict",
    "Window",
    "assess_counts",
    "assess_measurement",
    "baseline_model",
    "change_start",
]

AUTO = "auto"
#: Significance level of the baseline's normality check for the capability model.
MODEL_ALPHA = 0.01
#: A fitted model replaces the normal one only if the normal's Anderson-Darling
#: statistic exceeds the best fit's by more than this factor.
FIT_MARGIN = 1.5
#: Fewest values of the current state to assess its capability (after a change).
MIN_STATE_VALUES = 30
#: Fewest subgroups of the current state (subgrouped data).
MIN_STATE_SUBGROUPS = 5


@dataclass(frozen=True, slots=True)
class Window:
    """The report's time windows (UTC instants, half-open): Phase I baseline ``[b0, b1)``,
    charts shown from ``shown_from``, the report week ``[start, end)``; ``tz`` is the
    plant's time zone, in which times are shown (and weeks start)."""

    b0: pd.Timestamp
    b1: pd.Timestamp
    shown_from: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    tz: str = "UTC"

    def local(self, ts: pd.Timestamp) -> str:
        """*ts* as the report shows it: ``Wed 28 Oct 15:00 CET`` (the zone's abbreviation,
        or its name when it has none)."""
        return local_text(ts, self.tz)

    @property
    def prev_start(self) -> pd.Timestamp:
        """Start of the previous week (its local Monday midnight)."""
        local = self.start.tz_convert(self.tz).tz_localize(None) - pd.Timedelta(days=7)
        return local.tz_localize(self.tz).tz_convert("UTC")


@dataclass(frozen=True, slots=True, kw_only=True)
class CapabilityVerdict:
    """Capability of one characteristic in the report week, or why it was not assessed.

    Attributes
    ----------
    assessed : bool
        An index was computed.
    index : str or None
        ``"ppk"`` (with a within sigma ``"cpk"``) — the headline index.
    value, lower, upper : float
        Estimate and confidence interval (NaN when not assessed).
    side : {"lower", "upper"} or None
        The specification side the index is computed at (the worse side).
    model : str
        Distribution model (chosen on the baseline and kept).
    basis : str
        ``"week"`` or ``"current state since <time>"`` (after a detected change).
    n : int
        Values used.
    previous : float
        Last week's index with the same model (NaN when not comparable).
    why_not : str or None
        Why it was not assessed.
    """

    assessed: bool
    index: str | None = None
    value: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    side: str | None = None
    model: str = ""
    basis: str = ""
    n: int = 0
    previous: float = math.nan
    why_not: str | None = None
    result: Any = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (NaN as null)."""
        return {"assessed": self.assessed, "index": self.index, "value": _num(self.value),
                "lower": _num(self.lower), "upper": _num(self.upper), "side": self.side,
                "model": self.model or None, "basis": self.basis or None, "n": self.n,
                "previous_week": _num(self.previous), "why_not": self.why_not}


@dataclass(frozen=True, kw_only=True)
class SeriesVerdict:
    """The verdict of one series (characteristic or count series) for the report week.

    ``special_cause`` is True when the main chart or its companion signals in the week;
    ``week_signals`` / ``prev_signals`` hold those signals (``panel, subgroup, time,
    rule, description ...``).
    """

    name: str
    kind: str  # "measurements" or "counts"
    charted: bool
    family: str | None = None
    transformation: str | None = None
    companion_family: str | None = None
    limits_source: str = ""
    special_cause: bool = False
    new: bool = False
    first_signal: pd.Timestamp | None = None
    rules: tuple[dict[str, Any], ...] = ()
    signalling_points: int = 0
    capability: CapabilityVerdict = field(
        default_factory=lambda: CapabilityVerdict(assessed=False, why_not="not charted"))
    error: str | None = None
    unit: str | None = None
    tz: str = "UTC"
    advice: Any = field(default=None, repr=False, compare=False)
    chart: Any = field(default=None, repr=False, compare=False)
    companion: Any = field(default=None, repr=False, compare=False)
    week_signals: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    prev_signals: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    spec: Any = field(default=None, repr=False, compare=False)
    #: how a characteristic too large to read was charted (empty for the raw path)
    scale_note: str = ""

    @property
    def verdict(self) -> str:
        """The verdict in one plain sentence."""
        if not self.charted:
            return f"could not be charted: {self.error}"
        cap = self.capability
        if cap.assessed and cap.index is not None:
            target = getattr(self.spec, "capability_target", None)
            meets = "" if target is None else (
                f" ({'meets' if cap.value >= target else 'misses'} the {target:g} target)")
            where = "" if cap.basis == "week" else f", {cap.basis}"
            ass = f"{cap.index.capitalize()} {cap.value:.2f}{meets}{where}"
        elif self.kind == "counts":
            ass = ""
        else:
            ass = f"capability not assessed: {cap.why_not}"
        if self.special_cause and self.first_signal is not None:
            what = self.rules[0]["description"].lower() if self.rules else "signal"
            text = (f"out of control since {local_text(self.first_signal, self.tz)} ({what})"
                    + (f"; {ass}" if ass else "") + ".")
        else:
            text = "in control" + (f"; {ass}" if ass else "") + "."
        return text

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: the report's verdict of this series (schema in
        ``docs/reports.md``)."""
        return {
            "characteristic": self.name, "kind": self.kind, "charted": self.charted,
            "chart": self.family, "transformation": self.transformation,
            "companion": self.companion_family,
            "companion_lambda": (self.advice.companion["settings"].get("lam")
                                 if self.advice is not None and self.advice.companion
                                 is not None and self.companion_family else None),
            "limits": self.limits_source or None,
            "special_cause": self.special_cause, "new_special_cause": self.new,
            "first_signal": None if self.first_signal is None
            else self.first_signal.isoformat(),
            "signalling_points": self.signalling_points, "rules": list(self.rules),
            "capability": self.capability.to_json(), "verdict": self.verdict,
            "error": self.error, "unit": self.unit,
            "advice": None if self.advice is None else list(self.advice.reasons),
            "computed_from": "engine statistics" if self.scale_note else "raw values",
        }


def local_text(ts: pd.Timestamp, tz: str) -> str:
    """``Wed 28 Oct 15:00 CET``: *ts* in the zone *tz*, with its abbreviation."""
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    loc = t.tz_convert(tz)
    abbr = loc.tzname() or tz
    if abbr.startswith(("+", "-")):
        abbr = f"UTC{abbr}"
    return f"{loc:%a %d %b %H:%M} {abbr}"


def _num(v: float | None) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


def _in(df: pd.DataFrame, col: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    return df[(df[col] >= start) & (df[col] < end)]


# ------------------------------------------------------------------------ signals


def _signals_between(chart: Any, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    sig = chart.signals
    if not len(sig):
        return sig
    times = pd.to_datetime(sig["time"], utc=True)
    return sig[((times >= start) & (times < end)).to_numpy()]


def _fired(signals: pd.DataFrame) -> tuple[dict[str, Any], ...]:
    """Rules fired: one dict per (panel, rule) in order of first occurrence."""
    if not len(signals):
        return ()
    s = signals.sort_values("time", kind="stable")
    out = []
    for (panel, rule), g in s.groupby(["panel", "rule"], sort=False):
        out.append({"panel": str(panel), "rule": str(rule),
                    "description": str(g["description"].iloc[0]),
                    "points": int(g["subgroup"].nunique()),
                    "first": pd.Timestamp(g["time"].min()).isoformat()})
    return tuple(out)


def _collect(main: Any, companion: Any, w: Window) -> dict[str, Any]:
    week = [_signals_between(main, w.start, w.end)]
    prev = [_signals_between(main, w.prev_start, w.start)]
    if companion is not None:
        week.append(_signals_between(companion, w.start, w.end))
        prev.append(_signals_between(companion, w.prev_start, w.start))
    ws = pd.concat([x for x in week if len(x)] or [week[0]], ignore_index=True)
    ps = pd.concat([x for x in prev if len(x)] or [prev[0]], ignore_index=True)
    first = pd.Timestamp(pd.to_datetime(ws["time"], utc=True).min()) if len(ws) else None
    return {"week_signals": ws, "prev_signals": ps, "special_cause": bool(len(ws)),
            "new": bool(len(ws)) and not len(ps), "first_signal": first,
            "rules": _fired(ws),
            "signalling_points": int(len(ws.drop_duplicates(["time"]))) if len(ws) else 0}


# --------------------------------------------------------------------- change point


def change_start(z: np.ndarray, first_signal: int) -> int:
    """Maximum-likelihood start of a step change in standardised points *z*.

    ``τ = argmax_t (T − t) · mean(z[t:])²`` over ``t <= first_signal`` (Samuel,
    Pignatiello and Calvin 1998, the change-point estimator for a step change of the
    mean after a Shewhart signal, with the in-control mean 0 and sigma 1 known); the
    change is taken to start at index τ.

    Examples
    --------
    >>> z = np.r_[np.zeros(20), np.full(10, 2.0)]
    >>> change_start(z, 25)
    20
    """
    z = np.asarray(z, dtype=float)
    z = np.where(np.isfinite(z), z, 0.0)
    n = z.size
    if n == 0:
        return 0
    tail = np.cumsum(z[::-1])[::-1]  # sum of z[t:]
    m = np.arange(n, 0, -1, dtype=float)
    score = tail * tail / m
    last = int(min(max(first_signal, 0), n - 1))
    return int(np.argmax(score[: last + 1]))


def _state_start(chart: Any, first: pd.Timestamp, w: Window) -> pd.Timestamp:
    """Time of the first point of the current state (the detected change)."""
    pts = chart.points
    panel0 = pts["panel"].iloc[0]
    p = pts[(pts["panel"] == panel0)]
    times = pd.to_datetime(p["time"], utc=True)
    keep = ((times >= w.shown_from) & (times < w.end)).to_numpy()
    p, times = p[keep], times[keep]
    if not len(p):
        return first
    sd = p["sigma_statistic"].to_numpy(float)
    z = (p["statistic"].to_numpy(float) - p["center"].to_numpy(float)) / np.where(
        sd > 0, sd, np.nan)
    idx = int((times < first).sum())  # the first signalling point
    tau = change_start(z, idx)
    return pd.Timestamp(times.iloc[tau])


# ---------------------------------------------------------------------- capability


def baseline_model(base: pd.DataFrame, **kw: Any) -> tuple[str, dict[str, Any], str]:
    """The capability model chosen on the baseline: ``(distribution, extra kwargs,
    description)``.

    ``distribution="auto"`` on the baseline at ``alpha = 0.01`` (the advisor's level: a
    normal model is kept unless the baseline clearly rules it out; hundreds of rounded
    readings reject it at 0.05 for gauge resolution alone), then kept for every week.
    """
    from leankit import spc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cap: Any = spc.capability(base, distribution="auto", alpha=MODEL_ALPHA, **kw)
    extra: dict[str, Any] = {}
    if cap.method == "normal":
        return "normal", extra, "normal"
    fits = cap.fits
    if fits is not None and len(fits):
        a2 = fits.set_index("distribution")["ad_statistic"]
        best = float(fits.loc[fits["chosen"], "ad_statistic"].iloc[0])
        if "normal" in a2 and np.isfinite(a2["normal"]) and a2["normal"] <= FIT_MARGIN * best:
            return "normal", extra, "normal (no other model fits materially better)"
    if cap.method == "boxcox":
        lam = cap.model.get("lambda")
        if lam is not None:
            extra["boxcox_lambda"] = float(lam)
        return "boxcox", extra, f"Box-Cox (λ = {float(lam):.2f})" if lam is not None \
            else "Box-Cox"
    if cap.method in ("johnson", "nonparametric"):
        return cap.method, extra, cap.method
    return cap.distribution, extra, cap.distribution


def _capability(frame: pd.DataFrame, dist: str, extra: dict[str, Any],
                kw: dict[str, Any]) -> Any:
    from leankit import spc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spc.capability(frame, distribution=dist,  # type: ignore[arg-type]
                              **extra, **kw)


def _side(cap: Any, index: str) -> str | None:
    names = set(cap.indices["index"])
    lo, hi = {"ppk": ("ppl", "ppu"), "cpk": ("cpl", "cpu")}.get(index, ("", ""))
    if lo in names and hi in names:
        vl, vu = cap.index(lo), cap.index(hi)
        if np.isfinite(vl) and np.isfinite(vu):
            return "upper" if vu < vl else "lower"
    if cap.usl is None:
        return "lower"
    if cap.lsl is None:
        return "upper"
    return None


def assess_capability(rows: pd.DataFrame, *, base: pd.DataFrame, lsl: float | None,
                      usl: float | None, target: float | None, subgroup: str | None,
                      w: Window, chart: Any, special: dict[str, Any],
                      prev_special: bool) -> CapabilityVerdict:
    """The capability gate (see the module docstring)."""
    if lsl is None and usl is None:
        return CapabilityVerdict(assessed=False,
                                 why_not="no specification limits (specs table or spec file)")
    kw: dict[str, Any] = {"value": "value", "lsl": lsl, "usl": usl, "target": target}
    if subgroup is not None:
        kw["subgroup"] = subgroup
    try:
        dist, extra, model = baseline_model(base, **kw)
    except (LeankitError, ValueError) as exc:
        return CapabilityVerdict(assessed=False, why_not=f"no baseline model: {exc}")
    week = _in(rows, "timestamp", w.start, w.end)
    basis = "week"
    if special["special_cause"]:
        since = _state_start(chart, special["first_signal"], w)
        week = week[week["timestamp"] >= since]
        n_sub = week[subgroup].nunique() if subgroup is not None else len(week)
        if len(week) < MIN_STATE_VALUES or (subgroup is not None
                                            and n_sub < MIN_STATE_SUBGROUPS):
            return CapabilityVerdict(
                assessed=False, model=model,
                why_not=f"not stable (special cause; {len(week)} values since the change "
                        f"at {w.local(since)}, fewer than {MIN_STATE_VALUES})")
        basis = f"current state since {w.local(since)}"
    if len(week) < 2:
        return CapabilityVerdict(assessed=False, model=model,
                                 why_not="fewer than 2 values this week")
    try:
        cap = _capability(week, dist, extra, kw)
    except (LeankitError, ValueError) as exc:
        try:  # the baseline model cannot describe these data (e.g. values <= 0)
            cap = _capability(week, "auto", {}, kw)
            model = f"{model} ruled out ({exc}); refitted: {cap.distribution}"
        except (LeankitError, ValueError) as exc2:
            return CapabilityVerdict(assessed=False, model=model, why_not=str(exc2))
    k = cap.headline
    previous = math.nan
    if not prev_special:
        pv = _in(rows, "timestamp", w.prev_start, w.start)
        if len(pv) >= 2:
            try:
                pc = _capability(pv, dist, extra, kw)
                if k in set(pc.indices["index"]):
                    previous = pc.index(k)
            except (LeankitError, ValueError):
                pass
    return assessed(cap, model=model, basis=basis, previous=previous)


def assessed(cap: Any, *, model: str, basis: str, previous: float) -> CapabilityVerdict:
    """The verdict of an assessed capability: its headline index, CI and worse side."""
    k = cap.headline
    idx = cap.indices.set_index("index")
    return CapabilityVerdict(
        assessed=True, index=k, value=float(idx.loc[k, "estimate"]),
        lower=float(idx.loc[k, "lower"]), upper=float(idx.loc[k, "upper"]),
        side=_side(cap, k), model=model, basis=basis, n=int(cap.n), previous=previous,
        result=cap)


# ------------------------------------------------------------------------ charts


def _limits_version(store: Any, name: str) -> Any:
    if store is None:
        return None
    from leankit.spc import LimitsKey

    return store.current(LimitsKey(characteristic=name))


def _advice_of(version: Any) -> Any:
    from leankit.spc import Advice

    if version is None or version.advice is None:
        return None
    return Advice.from_dict(version.advice)


def _ewma_known(data: pd.DataFrame, advice: Any, limits: Any) -> Any:
    """The advised companion EWMA scored against frozen parameters (registry limits)."""
    from leankit import spc

    comp = advice.companion
    settings = dict(comp["settings"])
    return spc.chart(data, type=comp["family"], **settings,
                     mu=float(limits.params["mu"]), sigma=float(limits.params["sigma"]))


def points_per_week(frame: pd.DataFrame, subgroup: str | None, time: str = "timestamp"
                    ) -> int:
    """Typical points a week: the median over the ISO weeks with data of the number of
    subgroups (rows without *subgroup*)."""
    weeks = pd.to_datetime(frame[time], utc=True).dt.tz_localize(None).dt.to_period("W-SUN")
    per = (frame.groupby(weeks)[subgroup].nunique() if subgroup is not None
           else frame.groupby(weeks).size())
    return max(1, round(float(per.median()))) if len(per) else 1


def assess_measurement(rows: pd.DataFrame, c: Any, w: Window, *, alarm_rate: float = 0.02,
                       specs: tuple[float | None, float | None, float | None] = (
                           None, None, None),
                       store: Any = None, advice: Any = None,
                       capability: bool = True) -> SeriesVerdict:
    """Chart one characteristic and decide its verdict for the week.

    Parameters
    ----------
    rows : pandas.DataFrame
        Its measurements (``timestamp, value`` and the subgroup column), any period.
    c : CharacteristicSpec
        Chart (``"auto"`` or a family id), subgroup column, rules.
    w : Window
        Baseline, shown and report windows.
    alarm_rate : float
        Designed share of in-control weeks with a false special cause (``"auto"``).
    specs : (lsl, usl, target)
        Specification limits for capability.
    store : LimitsStore, optional
        The dataset's limits registry: a current version for the characteristic
        replaces the baseline estimate.
    advice : Advice, optional
        A precomputed advice (the benchmark reuses one per characteristic).
    capability : bool
        Assess capability (the benchmark skips it).

    Returns
    -------
    SeriesVerdict
    """
    from leankit import spc

    unit = None
    if "unit" in rows and rows["unit"].notna().any():
        unit = str(rows["unit"].dropna().mode().iloc[0])
    rows = rows.sort_values("timestamp", kind="stable")
    base = _in(rows, "timestamp", w.b0, w.b1)
    recent = _in(rows, "timestamp", w.shown_from, w.end)
    upto = rows[rows["timestamp"] < w.end]
    subgroup = c.subgroup if (c.subgroup is not None and c.subgroup in rows
                              and rows[c.subgroup].notna().all()) else None
    version = _limits_version(store, c.name)
    limits_source = ""
    companion = None
    transformation = None
    companion_family = None
    try:
        if version is not None:
            limits_source = version.label
            if version.advice is not None:
                advice = _advice_of(version)
            if advice is not None:
                data_t = advice.transform(upto)
                chart = spc.chart_from_version(version, _rows_of(data_t, recent))
                if advice.companion is not None:
                    companion = _ewma_known(_rows_of(data_t, recent), advice, version.limits)
            else:
                chart = spc.chart_from_version(version, recent)
            family = version.chart
        else:
            if base.empty:
                raise InsufficientDataError(f"no baseline data between {w.b0:%Y-%m-%d} and "
                                            f"{w.b1:%Y-%m-%d}")
            limits_source = (f"estimated from the baseline {w.b0:%Y-%m-%d} to "
                             f"{w.b1 - pd.Timedelta(days=1):%Y-%m-%d} (not frozen)")
            if c.chart == AUTO:
                if advice is None:
                    advice = spc.advise(
                        base, value="value", subgroup=subgroup, time="timestamp",
                        period_points=points_per_week(base, subgroup),
                        alarm_rate=alarm_rate, companion="ewma", lam="auto")
                overrides: dict[str, Any] = {"rules": list(c.rules)} if c.rules else {}
                # transformed once, over the whole span (an AR(1) filter runs on from
                # the baseline); the charts are built on the transformed rows as they are
                # (advice.chart() would transform them again: subgroup means of means)
                data_t = advice.transform(upto)
                base_t = _rows_of(data_t, base)
                chart = spc.chart(base_t, type=advice.family,
                                  **{**advice.settings, **overrides})
                rec_t = _rows_of(data_t, recent)
                if len(recent):
                    chart = chart.monitor(rec_t)
                if advice.companion is not None:
                    companion = spc.chart(base_t, type=advice.companion["family"],
                                          **advice.companion["settings"])
                    if len(recent):
                        companion = companion.monitor(rec_t)
                family = advice.family
            else:
                kw: dict[str, Any] = {"value": "value", "time": "timestamp",
                                      "rules": list(c.rules)}
                if spc.get_family(c.chart).input == "subgroups":
                    kw["subgroup"] = c.subgroup
                kw.update(dict(c.columns))
                chart = spc.chart(base, type=c.chart, **kw)
                if len(recent):
                    chart = chart.monitor(recent)
                family = c.chart
        if advice is not None:
            transformation = advice.transformation
            if companion is not None:
                companion_family = advice.companion["family"]
    except (LeankitError, ValueError) as exc:
        return SeriesVerdict(name=c.name, kind="measurements", charted=False,
                             error=str(exc), spec=c, unit=unit, advice=advice,
                             limits_source=limits_source, tz=w.tz)
    special = _collect(chart, companion, w)
    cap = CapabilityVerdict(assessed=False, why_not="not requested")
    if capability:
        lsl, usl, target = specs
        cap = assess_capability(
            rows, base=base if version is None else _in(rows, "timestamp", *_range(version)),
            lsl=lsl, usl=usl, target=target, subgroup=subgroup, w=w, chart=chart,
            special=special, prev_special=bool(len(special["prev_signals"])))
    return SeriesVerdict(
        name=c.name, kind="measurements", charted=True, family=family,
        transformation=transformation, companion_family=companion_family,
        limits_source=limits_source, capability=cap, unit=unit, advice=advice,
        chart=chart, companion=companion, spec=c, tz=w.tz,
        **{k: special[k] for k in ("special_cause", "new", "first_signal", "rules",
                                   "signalling_points", "week_signals", "prev_signals")})


def _rows_of(data_t: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of transformed data that come from *rows* (by index label; a transform
    to one row per subgroup keeps the label of the subgroup's first row)."""
    return data_t[data_t.index.isin(rows.index)]


def _range(version: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The frozen baseline's time span ``[first, last]`` as a half-open window."""
    b = version.baseline

    def utc(ts: Any, default: pd.Timestamp) -> pd.Timestamp:
        if ts is None:
            return default
        t = pd.Timestamp(ts)
        return t.tz_localize("UTC") if t.tzinfo is None else t

    start = utc(b.first, pd.Timestamp("1900-01-01", tz="UTC"))
    end = utc(b.last, pd.Timestamp("2200-01-01", tz="UTC"))
    return start, end + pd.Timedelta(microseconds=1)


# ------------------------------------------------------------------------ counts


def count_series(defects: pd.DataFrame, *, where: Mapping[str, Any], period: str,
                 tz: str = "UTC") -> pd.DataFrame:
    """Defect counts and units inspected per period (``day``: calendar day in the zone
    *tz*, or ``lot``).

    Units: each inspection lot counted once (its ``inspected``), as the report's DPMO.
    Returns columns ``timestamp, count, inspected, label`` sorted by time.
    """
    from leankit.errors import ColumnNotFoundError

    d = defects
    for col, val in where.items():
        if col not in d.columns:
            raise ColumnNotFoundError(col, d.columns, what="the defects table ([[counts]] "
                                      "where)")
        vals = val if isinstance(val, (list, tuple)) else [val]
        d = d[d[col].astype(str).isin([str(v) for v in vals])]
    if "lot" in d and d["lot"].notna().all() and len(d):
        lots = d.groupby("lot", sort=False).agg(timestamp=("timestamp", "min"),
                                                count=("count", "sum"),
                                                inspected=("inspected", "max"))
    else:
        lots = d[["timestamp", "count", "inspected"]].copy()
        lots.index = pd.RangeIndex(len(lots)).astype(str)
    if period == "lot":
        out = lots.reset_index(names="label")
    else:
        day = local_day(lots["timestamp"], tz)
        out = lots.groupby(day.rename("day")).agg(count=("count", "sum"),
                                                  inspected=("inspected", "sum"))
        out = out.reset_index()
        out["label"] = out["day"].dt.strftime("%Y-%m-%d")
        out["timestamp"] = day_start_utc(out["day"], tz)
        out = out.drop(columns="day")[["timestamp", "count", "inspected", "label"]]
    return out.sort_values("timestamp", kind="stable").reset_index(drop=True)


def assess_counts(series: pd.DataFrame, name: str, w: Window, *,
                  attribute: str = "defects", alarm_rate: float = 0.02, store: Any = None,
                  spec: Any = None) -> SeriesVerdict:
    """Chart a count series (from :func:`count_series`) with the advised attribute chart
    (u, Laney u′, g ...), calibrated to *alarm_rate* per week, and decide its verdict."""
    from leankit import spc

    s = series.copy()
    s["subgroup"] = np.arange(len(s))
    base = _in(s, "timestamp", w.b0, w.b1)
    upto = s[s["timestamp"] < w.end]
    recent = _in(s, "timestamp", w.shown_from, w.end)
    version = _limits_version(store, name)
    limits_source = ""
    advice = None
    try:
        if version is not None and version.advice is not None:
            advice = _advice_of(version)
            limits_source = version.label
        elif base.empty:
            raise InsufficientDataError(f"no baseline counts between {w.b0:%Y-%m-%d} and "
                                        f"{w.b1:%Y-%m-%d}")
        else:
            limits_source = (f"estimated from the baseline {w.b0:%Y-%m-%d} to "
                             f"{w.b1 - pd.Timedelta(days=1):%Y-%m-%d} (not frozen)")
        if advice is None:
            pre = spc.advise(base, count="count", size="inspected", time="timestamp",
                             attribute=attribute)  # type: ignore[arg-type]
            weeks = max((w.b1 - w.b0) / pd.Timedelta(days=7), 1e-9)
            per_week = (pre.diagnostics["events"] / weeks if pre.family == "g"
                        else len(base) / weeks)
            advice = spc.advise(base, count="count", size="inspected", time="timestamp",
                                attribute=attribute,  # type: ignore[arg-type]
                                period_points=max(1, round(per_week)),
                                alarm_rate=alarm_rate)
        if advice.transformation == "event_gaps":
            gaps = advice.transform(upto)
            gaps["timestamp"] = upto.loc[gaps["closing_row"], "timestamp"].to_numpy()
            gaps["subgroup"] = upto.loc[gaps["closing_row"], "subgroup"].to_numpy()
            over: dict[str, Any] = {"time": "timestamp"}
            gb = gaps[gaps["timestamp"] < w.b1]
            gr = gaps[(gaps["timestamp"] >= w.shown_from) & (gaps["timestamp"] < w.end)]
            if version is not None:
                chart = spc.chart_from_version(version, gr, **over)
            else:  # the gaps are the transformed data: chart them as they are
                chart = spc.chart(gb, type=advice.family, **{**advice.settings, **over})
                if len(gr):
                    chart = chart.monitor(gr)
        else:
            if version is not None:
                chart = spc.chart_from_version(version, recent)
            else:
                chart = advice.chart(base)
                if len(recent):
                    chart = chart.monitor(recent)
        family = advice.family
    except (LeankitError, ValueError) as exc:
        return SeriesVerdict(name=name, kind="counts", charted=False, error=str(exc),
                             spec=spec, advice=advice, limits_source=limits_source, tz=w.tz,
                             capability=CapabilityVerdict(assessed=False,
                                                          why_not="attribute data"))
    special = _collect(chart, None, w)
    return SeriesVerdict(
        name=name, kind="counts", charted=True, family=family,
        transformation=advice.transformation, limits_source=limits_source,
        capability=CapabilityVerdict(assessed=False, why_not="attribute data"),
        advice=advice, chart=chart, spec=spec, tz=w.tz,
        **{k: special[k] for k in ("special_cause", "new", "first_signal", "rules",
                                   "signalling_points", "week_signals", "prev_signals")})

