"""Signals benchmark: false alarms and detection of the weekly report's verdicts.

Simulates plants of in-control characteristics of every kind the report charts, plants
one event in about a third of them, runs the weekly report's own verdict code
(``leankit.reports._verdicts.assess_measurement`` / ``assess_counts``, ``chart = "auto"``)
on every report week of every characteristic, and prints

* the **false-alarm rate** per in-control characteristic-week (per kind, with a 95 %
  Wilson interval and the count, and overall), split by the chart that signalled (the
  Shewhart chart or its EWMA companion);
* the **detection rate in the week an event starts** (per event type x kind, and overall);
* the **share of verdicts charted** (must be 100 %), the charts the advisor chose (family,
  transformation, limits k, EWMA L, points a week), the configured ``alarm_rate``, the
  seeds, the wall time and the peak memory.

Targets (leankit issue 11): false alarms <= 5 % (ideally at the configured 2 %),
detection >= 90 %, every characteristic charted.

The plant
---------
Time is UTC from Monday 2026-01-05 00:00. ``--baseline-weeks`` (default 6, the report's
default) of Phase I data, then ``--weeks`` report weeks (default 20). Every report week is
judged as the report judges it: baseline ``[b0, b1)`` = the baseline weeks, charts shown
from 4 weeks before the report week (the report's ``context_weeks``), report week
``[Monday 00:00, next Monday 00:00)``. The advice (chart, transformation, calibrated
limits) is computed once per characteristic by the first verdict and passed back as
``advice=`` for the other weeks, which is what ``assess_measurement`` would compute again
from the same baseline; ``capability=False``. Count series have no such argument and are
advised again every week.

Kinds (all in control before their event; sigma = sd of the individual values):

=================  =========================================================================
kind               data
=================  =========================================================================
xbar_normal        normal (mean 10, sd 1), subgroups of 5 every 2 h (84 a week)
xbar_lognormal     lognormal (mean 10, log-sd 0.5, skewness 1.75), subgroups of 5 every 2 h
i_normal_2h        normal individuals every 2 h (84 a week)
i_normal_8h        normal individuals every 8 h (21 a week, a sparse one)
i_lognormal_2h     lognormal individuals every 2 h
ar1_1h             AR(1) individuals, phi = 0.7, marginal sd 1, hourly (168 a week)
counts_daily       defects of 3 inspection lots a day (800-1200 units each, ~3,000 a day),
                   Poisson with a gamma day factor (shape 6: overdispersed), rate 0.003 a
                   unit; ``count_series(period="day")``, 7 points a week
rare_shift         defects per shift (one lot of 400 units every 8 h), Poisson mean 0.25;
                   ``count_series(period="lot")`` (the advisor picks a g chart)
=================  =========================================================================

Events (one per characteristic, in about a third of them; from the event's start on):

=============  ============================================================================
event          change
=============  ============================================================================
shift_d        sustained mean shift of d sigma (d = 0.5, 1, 1.5, 2; for AR(1) a level
               shift of the process mean by 1 sigma, sigma the marginal sd)
drift_2        linear drift reaching 2 sigma 7 days after the start (the end of the week
               for a Monday start), then staying
sigma_x2       sigma doubles (values spread twice as far about the mean)
transient_4    +4 sigma on 4 consecutive points (subgroups), then back
scale_x1.5     lognormal kinds: every value multiplied by 1.5
rate_x2        count kinds: the defect rate doubles, sustained
=============  ============================================================================

Normal kinds get shift_0.5/1/1.5/2, drift_2, sigma_x2, transient_4; lognormal kinds
scale_x1.5 and shift_1; AR(1) shift_1 and transient_4; count kinds rate_x2. The
(kind, event) pairs are taken in a fixed rotation, ``--chars // 3`` per seed starting at
``(seed - 1) * that`` (seeds 1, 2, 3 at 36 characteristics cover all 29 pairs), each on a
characteristic of that kind. The start week is drawn uniformly from report weeks 3 to
``weeks - 1``.

``--start week`` (the primary figure): events start at the start of the report week,
Monday 00:00 UTC. ``--start random``: the same characteristics (the same noise) with the
event starting at a uniformly random time within that week; detection is reported in the
start week and in the start week or the next (a shift starting on Sunday evening cannot
be caught that week). ``--start both`` (default) reports both.

What counts as in control: every report week of the characteristics without an event,
and the weeks *before* the event's start week of the others. The weeks after a transient
has ended are reported separately ("after-transient carry-over"), and so are the weeks
after a sustained event's start week (the chart should keep signalling; not a target).

Usage::

    python benchmarks/bench_signals.py                          # 36 chars x 20 weeks x seeds 1,2,3
    python benchmarks/bench_signals.py --jobs 2                 # the same on 2 processes
    python benchmarks/bench_signals.py --seeds 1,2,3,4,5 --start week
    python benchmarks/bench_signals.py --quick                  # 8 chars x 4 weeks, seed 1

Nothing is asserted; ``tests/unit/reports/test_bench_signals_smoke.py`` runs it small.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

T0 = pd.Timestamp("2026-01-05", tz="UTC")  # a Monday
WEEK = pd.Timedelta(days=7)
CONTEXT_WEEKS = 4  # the report's default context_weeks
FIRST_EVENT_WEEK = 3  # events start in report week 3 or later

MU, SIGMA = 10.0, 1.0  # normal and AR(1) kinds
LN_S = 0.5  # log-sd of the lognormal kinds
LN_MU = math.log(10.0) - LN_S**2 / 2  # mean 10
LN_SD = 10.0 * math.sqrt(math.exp(LN_S**2) - 1.0)  # sd of a lognormal value
PHI = 0.7
DAILY_RATE, DAILY_SHAPE, LOTS_A_DAY = 0.003, 6.0, 3
RARE_MEAN, RARE_UNITS = 0.25, 400
TRANSIENT_SIGMAS, TRANSIENT_POINTS = 4.0, 4


@dataclass(frozen=True)
class Kind:
    """A kind of characteristic: how its in-control data are generated."""

    name: str
    label: str
    dist: str  # normal, lognormal, ar1, daily_counts, rare
    n: int = 1  # values per subgroup
    step_hours: int = 2
    events: tuple[str, ...] = ()
    weight: int = 4  # share of the characteristics (of 36)

    @property
    def measurement(self) -> bool:
        return self.dist in ("normal", "lognormal", "ar1")

    @property
    def points_a_week(self) -> int:
        return 168 // self.step_hours


NORMAL_EVENTS = ("shift_0.5", "shift_1", "shift_1.5", "shift_2", "drift_2", "sigma_x2",
                 "transient_4")
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("xbar_normal", "normal, subgroups n=5 / 2 h", "normal", 5, 2, NORMAL_EVENTS, 6),
    Kind("xbar_lognormal", "lognormal, subgroups n=5 / 2 h", "lognormal", 5, 2,
         ("scale_x1.5", "shift_1")),
    Kind("i_normal_2h", "normal individuals / 2 h", "normal", 1, 2, NORMAL_EVENTS, 6),
    Kind("i_normal_8h", "normal individuals / 8 h", "normal", 1, 8, NORMAL_EVENTS),
    Kind("i_lognormal_2h", "lognormal individuals / 2 h", "lognormal", 1, 2,
         ("scale_x1.5", "shift_1")),
    Kind("ar1_1h", "AR(1) phi=0.7 individuals / 1 h", "ar1", 1, 1,
         ("shift_1", "transient_4")),
    Kind("counts_daily", "overdispersed daily defect counts", "daily_counts", 1, 24,
         ("rate_x2",)),
    Kind("rare_shift", "rare events per shift (g chart)", "rare", 1, 8, ("rate_x2",)),
)}
#: order of the rotation of (kind, event) pairs: event-major, so consecutive pairs differ
EVENT_ORDER = ("shift_1", "scale_x1.5", "rate_x2", "shift_0.5", "shift_2", "drift_2",
               "sigma_x2", "transient_4", "shift_1.5")
COMBOS: tuple[tuple[str, str], ...] = tuple(
    (k, e) for e in EVENT_ORDER for k in KINDS if e in KINDS[k].events)


@dataclass(frozen=True)
class CharPlan:
    """One simulated characteristic: its kind, its planted event and its random streams."""

    seed: int
    index: int
    kind: str
    event: str | None = None
    start_week: int = 0  # 1-based report week the event starts in (0: no event)
    offset: float = 0.0  # random start: share of the week after Monday 00:00

    @property
    def name(self) -> str:
        return f"{self.kind}_{self.index:02d}"


# --------------------------------------------------------------------------- plan


def allocate(n_chars: int) -> list[str]:
    """The kinds of *n_chars* characteristics, by the kinds' weights (largest remainder;
    every kind at least once from 8 characteristics on)."""
    names = list(KINDS)
    w = np.array([KINDS[k].weight for k in names], dtype=float)
    exact = w / w.sum() * n_chars
    count = np.floor(exact).astype(int)
    if n_chars >= len(names):
        count = np.maximum(count, 1)
    rest = exact - np.floor(exact)
    for i in np.argsort(-rest, kind="stable"):
        if count.sum() >= n_chars:
            break
        count[i] += 1
    while count.sum() > n_chars:
        count[int(np.argmax(count))] -= 1
    return [k for k, c in zip(names, count, strict=True) for _ in range(int(c))]


def plan_plant(seed: int, n_chars: int, weeks: int) -> list[CharPlan]:
    """The characteristics of one seed and their events (see the module docstring)."""
    if weeks < FIRST_EVENT_WEEK:
        raise ValueError(f"--weeks must be at least {FIRST_EVENT_WEEK} (events start in "
                         f"report week {FIRST_EVENT_WEEK} or later); got {weeks}")
    rng = np.random.default_rng(seed)
    kinds = allocate(n_chars)
    n_events = n_chars // 3
    free = {k: [i for i, kk in enumerate(kinds) if kk == k] for k in KINDS}
    events: dict[int, str] = {}
    offset = ((seed - 1) * n_events) % len(COMBOS)
    for j in range(len(COMBOS)):
        if len(events) >= n_events:
            break
        kind, event = COMBOS[(offset + j) % len(COMBOS)]
        if free[kind]:
            events[free[kind].pop(0)] = event
    last = max(weeks - 1, FIRST_EVENT_WEEK)
    plans = []
    for i, kind in enumerate(kinds):
        start = int(rng.integers(FIRST_EVENT_WEEK, last + 1))
        off = float(rng.random())
        ev = events.get(i)
        plans.append(CharPlan(seed=seed, index=i, kind=kind, event=ev,
                              start_week=start if ev else 0, offset=off if ev else 0.0))
    return plans


def event_time(plan: CharPlan, baseline_weeks: int, start: str) -> pd.Timestamp | None:
    """When the planted event starts (None: no event)."""
    if plan.event is None:
        return None
    t = T0 + (baseline_weeks + plan.start_week - 1) * WEEK
    return t + plan.offset * WEEK if start == "random" else t


# --------------------------------------------------------------------------- data


def _apply(vals: np.ndarray, tp: pd.DatetimeIndex, event: str, t_e: pd.Timestamp,
           sd: float, center: float) -> np.ndarray:
    """*vals* (points x values) with the event applied to points at or after *t_e*."""
    out: np.ndarray = np.array(vals, dtype=float)  # a copy
    after = np.asarray(tp >= t_e)
    if event.startswith("shift_"):
        out[after] += float(event.split("_")[1]) * sd
    elif event == "drift_2":
        frac = np.clip(np.asarray((tp - t_e) / WEEK, dtype=float), 0.0, 1.0)
        out += (2.0 * sd * frac)[:, None]
    elif event == "sigma_x2":
        out[after] = center + 2.0 * (out[after] - center)
    elif event == "transient_4":
        first = int(np.argmax(after)) if after.any() else out.shape[0]
        out[first:first + TRANSIENT_POINTS] += TRANSIENT_SIGMAS * sd
    elif event == "scale_x1.5":
        out[after] *= 1.5
    else:
        raise ValueError(f"unknown event {event!r} for measurements")
    return out


def simulate(plan: CharPlan, *, baseline_weeks: int, weeks: int,
             start: str = "week") -> pd.DataFrame:
    """The characteristic's data over the baseline and report weeks.

    Measurements: ``timestamp, value`` (+ ``subgroup``). Counts: the
    :func:`~leankit.reports._verdicts.count_series` of its defects table
    (``timestamp, count, inspected, label``). The noise depends only on the seed and the
    characteristic's index, so ``start="random"`` changes the event's start alone.
    """
    from scipy import stats

    from leankit.reports._verdicts import count_series

    kind = KINDS[plan.kind]
    rng = np.random.default_rng([plan.seed, plan.index])
    total = baseline_weeks + weeks
    t_e = event_time(plan, baseline_weeks, start)
    step = pd.Timedelta(hours=kind.step_hours)
    if kind.measurement:
        npts = kind.points_a_week * total
        tp = pd.date_range(T0, periods=npts, freq=step)
        z = rng.standard_normal((npts, kind.n))
        if kind.dist == "normal":
            vals, sd, center = MU + SIGMA * z, SIGMA, MU
        elif kind.dist == "lognormal":
            vals, sd, center = np.exp(LN_MU + LN_S * z), LN_SD, 10.0
        else:  # AR(1) with marginal sd SIGMA, started in its stationary distribution
            from scipy.signal import lfilter

            e = z[:, 0] * SIGMA * math.sqrt(1.0 - PHI**2)
            e[0] = z[0, 0] * SIGMA
            vals, sd, center = (MU + lfilter([1.0], [1.0, -PHI], e))[:, None], SIGMA, MU
        if t_e is not None and plan.event is not None:
            vals = _apply(vals, tp, plan.event, t_e, sd, center)
        frame = pd.DataFrame({"timestamp": np.repeat(tp, kind.n), "value": vals.ravel()})
        if kind.n > 1:
            frame["subgroup"] = np.repeat(np.arange(npts), kind.n)
        return frame
    if kind.dist == "daily_counts":
        days = 7 * total
        tl = pd.date_range(T0, periods=days * LOTS_A_DAY, freq=pd.Timedelta(hours=8))
        units = rng.integers(800, 1201, tl.size)
        factor = np.repeat(rng.gamma(DAILY_SHAPE, 1.0 / DAILY_SHAPE, days), LOTS_A_DAY)
        mean = DAILY_RATE * units * factor
    else:  # rare events per shift
        tl = pd.date_range(T0, periods=21 * total, freq=pd.Timedelta(hours=8))
        units = np.full(tl.size, RARE_UNITS)
        mean = np.full(tl.size, RARE_MEAN)
    u = rng.random(tl.size)
    if t_e is not None:
        mean = np.where(np.asarray(tl >= t_e), 2.0 * mean, mean)
    count = np.maximum(stats.poisson.ppf(u, mean), 0).astype(np.int64)
    defects = pd.DataFrame({"timestamp": tl, "count": count, "inspected": units,
                            "lot": [f"L{j:06d}" for j in range(tl.size)]})
    period = "day" if kind.dist == "daily_counts" else "lot"
    return count_series(defects, where={}, period=period)


# --------------------------------------------------------------------------- verdicts


def window(baseline_weeks: int, week: int) -> Any:
    """The report's windows for report week *week* (1-based)."""
    from leankit.reports._verdicts import Window

    b1 = T0 + baseline_weeks * WEEK
    start = b1 + (week - 1) * WEEK
    return Window(b0=T0, b1=b1, shown_from=max(start - CONTEXT_WEEKS * WEEK, b1),
                  start=start, end=start + WEEK)


def verdict(plan: CharPlan, data: pd.DataFrame, w: Any, *, alarm_rate: float,
            advice: Any = None) -> tuple[Any, list[str]]:
    """The weekly report's verdict of one characteristic for one week, and the warnings
    it raised (``Category: message``). An exception becomes a verdict that is not
    charted, as the report records it."""
    from leankit.reports._spec import CharacteristicSpec
    from leankit.reports._verdicts import SeriesVerdict, assess_counts, assess_measurement

    kind = KINDS[plan.kind]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if kind.measurement:
                c = CharacteristicSpec(name=plan.name, chart="auto",
                                       subgroup="subgroup" if kind.n > 1 else None, rules=())
                v = assess_measurement(data, c, w, alarm_rate=alarm_rate, advice=advice,
                                       capability=False)
            else:
                v = assess_counts(data, plan.name, w, attribute="defects",
                                  alarm_rate=alarm_rate)
        except Exception as exc:  # noqa: BLE001 - recorded as "not charted", as the report
            v = SeriesVerdict(name=plan.name, kind="measurements" if kind.measurement
                              else "counts", charted=False,
                              error=f"{type(exc).__name__}: {exc}")
    return v, [f"{w_.category.__name__}: {w_.message}" for w_ in caught]


def _chart_info(v: Any) -> dict[str, Any]:
    a = v.advice
    if a is None:
        return {"family": v.family, "transformation": None, "k": math.nan,
                "L": math.nan, "points": math.nan}
    d = a.diagnostics
    return {"family": a.family, "transformation": a.transformation,
            "k": float(a.nsigmas), "L": float(d.get("ewma_L", math.nan)),
            "points": float(d.get("period_points", math.nan))}


def _record(plan: CharPlan, week: int, phase: str, start: str, v: Any) -> dict[str, Any]:
    panels = (set(v.week_signals["panel"].astype(str)) if v.charted and
              len(v.week_signals) else set())
    return {"seed": plan.seed, "name": plan.name, "kind": plan.kind,
            "event": plan.event or "", "start": start, "week": week, "phase": phase,
            "charted": bool(v.charted), "special": bool(v.special_cause),
            "ewma": "ewma" in panels, "main": bool(panels - {"ewma"}),
            "error": v.error or ""}


def _phase(plan: CharPlan, week: int) -> str:
    if plan.event is None or week < plan.start_week:
        return "in_control"
    if week == plan.start_week:
        return "start"
    if plan.event == "transient_4":
        return "after_transient"
    return "after_event"


def run_characteristic(plan: CharPlan, *, baseline_weeks: int, weeks: int,
                       alarm_rate: float, starts: Sequence[str] = ("week", "random"),
                       ) -> dict[str, Any]:
    """Every report week's verdict of one characteristic (``start="week"`` data), and for
    an event with ``"random"`` in *starts* the start week and the next on the
    random-start data. Returns ``{"records": [...], "chart": {...}, "warnings": [...]}``.
    """
    records: list[dict[str, Any]] = []
    caught: list[str] = []
    info: dict[str, Any] = {}
    advice = None
    data = simulate(plan, baseline_weeks=baseline_weeks, weeks=weeks, start="week")
    need_all = "week" in starts or plan.event is None
    for week in range(1, weeks + 1):
        phase = _phase(plan, week)
        if not need_all and phase != "in_control":
            break
        v, wn = verdict(plan, data, window(baseline_weeks, week), alarm_rate=alarm_rate,
                        advice=advice)
        caught += wn
        if v.charted and advice is None and KINDS[plan.kind].measurement:
            advice = v.advice
        if not info and v.charted:
            info = _chart_info(v)
        records.append(_record(plan, week, phase, "week", v))
    if "random" in starts and plan.event is not None:
        data = simulate(plan, baseline_weeks=baseline_weeks, weeks=weeks, start="random")
        for week in (plan.start_week, plan.start_week + 1):
            if week > weeks:
                continue
            v, wn = verdict(plan, data, window(baseline_weeks, week),
                            alarm_rate=alarm_rate, advice=advice)
            caught += wn
            phase = "start" if week == plan.start_week else "next"
            records.append(_record(plan, week, phase, "random", v))
    if not info:
        info = {"family": None, "transformation": None, "k": math.nan, "L": math.nan,
                "points": math.nan}
    info.update(kind=plan.kind, seed=plan.seed, name=plan.name)
    return {"records": records, "chart": info, "warnings": caught}


def _task(args: tuple[CharPlan, int, int, float, tuple[str, ...]]) -> dict[str, Any]:
    plan, baseline_weeks, weeks, alarm_rate, starts = args
    return run_characteristic(plan, baseline_weeks=baseline_weeks, weeks=weeks,
                              alarm_rate=alarm_rate, starts=starts)


def run(seeds: Iterable[int], *, n_chars: int = 36, weeks: int = 20,
        baseline_weeks: int = 6, alarm_rate: float = 0.02,
        starts: Sequence[str] = ("week", "random"), jobs: int = 1,
        progress: bool = False) -> dict[str, Any]:
    """Simulate the plants of *seeds* and judge every week. Returns ``records`` (one
    row per verdict), ``charts`` (the advised chart per characteristic), ``warnings``
    (Counter), ``plans`` and the configuration."""
    plans = [p for s in seeds for p in plan_plant(s, n_chars, weeks)]
    tasks = [(p, baseline_weeks, weeks, alarm_rate, tuple(starts)) for p in plans]
    results: list[dict[str, Any]] = []
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for i, r in enumerate(pool.map(_task, tasks, chunksize=1), 1):
                results.append(r)
                if progress:
                    print(f"\r  {i}/{len(tasks)} characteristics", end="", file=sys.stderr)
    else:
        for i, t in enumerate(tasks, 1):
            results.append(_task(t))
            if progress:
                print(f"\r  {i}/{len(tasks)} characteristics", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    return {"records": pd.DataFrame([r for res in results for r in res["records"]]),
            "charts": pd.DataFrame([res["chart"] for res in results]),
            "warnings": Counter(w for res in results for w in res["warnings"]),
            "plans": plans, "seeds": list(seeds), "n_chars": n_chars, "weeks": weeks,
            "baseline_weeks": baseline_weeks, "alarm_rate": alarm_rate,
            "starts": tuple(starts)}


# --------------------------------------------------------------------------- summary


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k/n (Wilson 1927; Newcombe 1998)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    den = 1.0 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def _rate(k: int, n: int) -> str:
    if n == 0:
        return "-"
    lo, hi = wilson(k, n)
    return f"{k / n:6.1%}  [{lo:5.1%}, {hi:5.1%}]  {k}/{n}"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    w = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
         for i, h in enumerate(header)]
    line = "  ".join(str(h).ljust(w[i]) for i, h in enumerate(header))
    out = [line, "  ".join("-" * x for x in w)]
    out += ["  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)) for r in rows]
    return "\n".join(out)


def summarise(res: dict[str, Any]) -> dict[str, Any]:
    """The figures the report prints, as numbers (the smoke test reads them)."""
    r = res["records"]
    out: dict[str, Any] = {"false_alarms": {}, "detection": {}, "random": {},
                           "charted": (int(r["charted"].sum()), len(r)),
                           "not_charted": Counter(r.loc[~r["charted"], "kind"])}
    r = r[r["charted"]]  # rates are over charted verdicts; the rest are listed apart
    wk = r[r["start"] == "week"]
    ic = wk[wk["phase"] == "in_control"]
    for kind in KINDS:
        g = ic[ic["kind"] == kind]
        out["false_alarms"][kind] = (int(g["special"].sum()), len(g))
    out["false_alarm_overall"] = (int(ic["special"].sum()), len(ic))
    st = wk[wk["phase"] == "start"]
    for (event, kind), g in st.groupby(["event", "kind"]):
        out["detection"][(event, kind)] = (int(g["special"].sum()), len(g))
    out["detection_overall"] = (int(st["special"].sum()), len(st))
    rnd = r[r["start"] == "random"]
    if len(rnd):
        either = rnd.groupby(["seed", "name", "event", "kind"])["special"].any()
        first = rnd[rnd["phase"] == "start"].set_index(["seed", "name", "event", "kind"])
        for (event, kind), g in either.groupby(level=["event", "kind"]):
            f = first.xs((event, kind), level=("event", "kind"))["special"]
            out["random"][(event, kind)] = (int(f.sum()), int(g.sum()), len(g))
        out["random_overall"] = (int(first["special"].sum()), int(either.sum()),
                                 len(either))
    return out


def report(res: dict[str, Any], *, wall: float, peak_mb: float) -> str:
    """The benchmark's printed output."""
    s = summarise(res)
    r_all = res["records"]
    r = r_all[r_all["charted"]]
    wk = r[r["start"] == "week"]
    ic = wk[wk["phase"] == "in_control"]
    lines = [
        f"bench_signals: seeds {','.join(map(str, res['seeds']))}; {res['n_chars']} "
        f"characteristics x {res['weeks']} report weeks per seed; baseline "
        f"{res['baseline_weeks']} weeks; context {CONTEXT_WEEKS} weeks; configured "
        f"alarm_rate {res['alarm_rate']:g}; starts: {', '.join(res['starts'])}", ""]

    ch = res["charts"]
    rows = []
    for kind in KINDS:
        g = ch[ch["kind"] == kind]
        if not len(g):
            continue
        desc = Counter(
            f"{f}" + (f" on {t}" if t else "") for f, t in
            zip(g["family"].fillna("NOT CHARTED"), g["transformation"].fillna(""),
                strict=True))
        rows.append([kind, KINDS[kind].label, len(g),
                     "; ".join(f"{d} x{c}" for d, c in desc.most_common()),
                     _span(g["points"], "{:.0f}"), _span(g["k"], "{:.3f}"),
                     _span(g["L"], "{:.3f}")])
    lines += ["Charts advised (per characteristic, from its baseline)",
              _table(["kind", "data", "chars", "chart", "points/wk", "k", "EWMA L"], rows),
              ""]

    rows = []
    for kind in KINDS:
        g = ic[ic["kind"] == kind]
        k, n = s["false_alarms"][kind]
        per = g.groupby(["seed", "name"])["special"].agg(["sum", "count"])
        worst = (f"{int(per['sum'].max())}/{int(per.loc[per['sum'].idxmax(), 'count'])}"
                 if len(per) else "-")
        rows.append([kind, _rate(k, n), int(g["main"].sum()), int(g["ewma"].sum()),
                     f"{int((per['sum'] > 0).sum())}/{len(per)}", worst,
                     s["not_charted"].get(kind, 0)])
    k, n = s["false_alarm_overall"]
    per = ic.groupby(["seed", "name"])["special"].sum()
    rows.append(["OVERALL", _rate(k, n), int(ic["main"].sum()), int(ic["ewma"].sum()),
                 f"{int((per > 0).sum())}/{len(per)}", "", sum(s["not_charted"].values())])
    lines += ["False alarms per in-control characteristic-week (every report week of the "
              "characteristics without an event, and the weeks before an event starts)",
              _table(["kind", "rate  [95 % Wilson]  count", "by Shewhart", "by EWMA",
                      "chars alarmed", "worst char", "not charted*"], rows),
              "by Shewhart / by EWMA: weeks in which that chart signalled (both can); chars "
              "alarmed: characteristics with at least one false week; worst char: its "
              "false weeks / its in-control weeks",
              "* verdicts not charted (all weeks and starts) are left out of every rate",
              f"target <= 5 % (configured {res['alarm_rate']:.0%}): "
              + ("met" if n and k / n <= 0.05 else "MISSED"), ""]

    at = wk[wk["phase"] == "after_transient"]
    rows = []
    for kind, g in at.groupby("kind"):
        nxt = g[g["week"] == g.groupby("name")["week"].transform("min")]
        rows.append([kind, _rate(int(g["special"].sum()), len(g)),
                     _rate(int(nxt["special"].sum()), len(nxt))])
    if rows:
        lines += ["After-transient carry-over (weeks after a transient has ended; not "
                  "counted above)",
                  _table(["kind", "all later weeks", "the week after"], rows), ""]

    st = wk[wk["phase"] == "start"]
    rows = []
    for (event, kind), (k, n) in sorted(s["detection"].items(),
                                         key=lambda x: (EVENT_ORDER.index(x[0][0]),
                                                        list(KINDS).index(x[0][1]))):
        g = st[(st["event"] == event) & (st["kind"] == kind)]
        rows.append([event, kind, f"{k}/{n}", f"{k / n:.0%}", int(g["main"].sum()),
                     int(g["ewma"].sum())])
    if "week" in res["starts"]:
        k, n = s["detection_overall"]
        rows.append(["OVERALL", "", f"{k}/{n}", f"{k / n:.0%}" if n else "-",
                     int(st["main"].sum()), int(st["ewma"].sum())])
        lines += ["Detection in the week the event starts (start Monday 00:00 UTC)",
                  _table(["event", "kind", "detected", "rate", "by Shewhart", "by EWMA"],
                         rows),
                  (f"overall {_rate(k, n)}; target >= 90 %: "
                   + ("met" if n and k / n >= 0.9 else "MISSED")), ""]
        by_event = st.groupby("event")["special"].agg(["sum", "count"])
        lines += ["Detection by event type (all kinds): " + "; ".join(
            f"{e} {int(row['sum'])}/{int(row['count'])}"
            for e, row in by_event.reindex(
                [e for e in EVENT_ORDER if e in by_event.index]).iterrows()), ""]
        ae = wk[wk["phase"] == "after_event"]
        if len(ae):
            lines += [f"Weeks after a sustained event's start week still flagged: "
                      f"{_rate(int(ae['special'].sum()), len(ae))}", ""]

    if s["random"]:
        rows = []
        for (event, kind), (k1, k2, n) in sorted(
                s["random"].items(), key=lambda x: (EVENT_ORDER.index(x[0][0]),
                                                    list(KINDS).index(x[0][1]))):
            rows.append([event, kind, f"{k1}/{n}", f"{k2}/{n}"])
        k1, k2, n = s["random_overall"]
        rows.append(["OVERALL", "", _rate(k1, n), _rate(k2, n)])
        lines += ["Secondary: events starting at a uniformly random time within the week",
                  _table(["event", "kind", "in the start week", "start week or next"],
                         rows), ""]

    k, n = s["charted"]
    lines.append(f"Verdicts charted: {k}/{n} ({k / n:.1%})" + ("" if k == n else " - NOT all"))
    nc = r_all[~r_all["charted"]]
    errs = Counter(nc["kind"] + ": " + nc["error"])
    for e, c in errs.most_common(5):
        lines.append(f"  x{c}  {e[:300]}")
    if res["warnings"]:
        lines.append(f"Warnings raised by the verdict code: {sum(res['warnings'].values())}")
        for wmsg, c in res["warnings"].most_common(5):
            lines.append(f"  x{c}  {wmsg[:200]}")
    lines += ["", f"Wall time {wall:.1f} s; peak RSS {peak_mb:.0f} MB; configured alarm_rate "
              f"{res['alarm_rate']:g}; seeds {','.join(map(str, res['seeds']))}; "
              f"{len(r_all)} verdicts"]
    return "\n".join(lines)


def _span(x: pd.Series, fmt: str) -> str:
    x = x.dropna()
    if not len(x):
        return "-"
    lo, hi = float(x.min()), float(x.max())
    return fmt.format(lo) if lo == hi else f"{fmt.format(lo)}-{fmt.format(hi)}"


def source_state() -> str:
    """The commit measured, and whether the package's sources differ from it."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "source: unknown (not a git checkout)"
    return f"source: commit {head}" + (" + uncommitted changes in src/" if dirty else "")


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its largest worker, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return max(own, kids) * scale / 1e6


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default 1,2,3)")
    ap.add_argument("--chars", type=int, default=36, help="characteristics per seed (36)")
    ap.add_argument("--weeks", type=int, default=20, help="report weeks (20)")
    ap.add_argument("--baseline-weeks", type=int, default=6,
                    help="baseline weeks (6, the report's default)")
    ap.add_argument("--alarm-rate", type=float, default=0.02,
                    help="the report's alarm_rate (0.02)")
    ap.add_argument("--start", choices=("week", "random", "both"), default="both",
                    help="event start: Monday 00:00 of the start week, a random time "
                         "within it, or both (default)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (1)")
    ap.add_argument("--records", metavar="CSV",
                    help="also write every verdict (one row per characteristic-week) here")
    ap.add_argument("--quick", action="store_true",
                    help="8 characteristics x 4 weeks, seed 1 (a smoke run)")
    args = ap.parse_args(argv)
    if args.quick:
        args.seeds, args.chars, args.weeks = "1", 8, 4
    try:
        seeds = [int(s) for s in str(args.seeds).split(",") if s.strip()]
    except ValueError:
        ap.error(f"--seeds must be comma-separated integers, e.g. 1,2,3; got {args.seeds!r}")
    if args.chars < 1 or args.weeks < FIRST_EVENT_WEEK or args.baseline_weeks < 1:
        ap.error(f"need --chars >= 1, --weeks >= {FIRST_EVENT_WEEK}, --baseline-weeks >= 1")
    starts = ("week", "random") if args.start == "both" else (args.start,)
    t0 = time.perf_counter()
    res = run(seeds, n_chars=args.chars, weeks=args.weeks,
              baseline_weeks=args.baseline_weeks, alarm_rate=args.alarm_rate,
              starts=starts, jobs=args.jobs, progress=sys.stderr.isatty())
    wall = time.perf_counter() - t0
    print(report(res, wall=wall, peak_mb=peak_rss_mb()))
    print(source_state())
    if args.records:
        res["records"].to_csv(args.records, index=False)
        print(f"records: {args.records}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
