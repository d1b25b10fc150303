"""``leankit limits``: the registry of frozen Phase I limits beside a dataset.

Commands
--------
``leankit limits freeze DATASET --characteristic X --type TYPE [--value COL] [--subgroup COL]
[--time COL] [--since T] --until T --reason TEXT [--by NAME]``
    Chart the characteristic's measurements up to ``--until`` (Phase I) and store its
    limits as version 1 (refused if the characteristic already has frozen limits).
``leankit limits show DATASET [--characteristic X] [--json]``
    The current version of each key.
``leankit limits history DATASET --characteristic X [--json]``
    Every version of one key, oldest first.
``leankit limits recompute DATASET --characteristic X [--since T] --until T --reason TEXT``
    Re-estimate with the current version's chart type and settings on the data up to
    ``--until``, store it as a new version, print old against new limits.

``--product``, ``--line`` and ``--machine`` narrow a key (and the measurements) to one
product, line or machine. ``--until`` given as a date means the end of that day (UTC);
a date and time is inclusive. A subgroup is in the baseline when its first value is
(a time never cuts a subgroup in two). The commands use only the public API
(:class:`leankit.spc.LimitsStore`, :func:`leankit.io.read_table`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from leankit.cli import _RULES_HELP, DEFAULT_RULES, _default_rules
from leankit.errors import DatasetError, InsufficientDataError, LeankitError, suggest

__all__ = ["add_parser"]

_KEY_OPTIONS = ("product", "line", "machine")


def add_parser(subparsers: Any) -> None:
    """Add ``leankit limits`` (freeze, show, history, recompute) to *subparsers*.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="leankit")
    >>> add_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["limits", "show", "data"]).limits_command
    'show'
    """
    lim = subparsers.add_parser(
        "limits", help="frozen Phase I limits beside a dataset (freeze, show, history, "
        "recompute)", description="The registry of frozen Phase I control limits of a "
        "dataset (DATASET/limits/limits.jsonl): versioned, append-only, audited.")
    cmds = lim.add_subparsers(dest="limits_command", required=True, metavar="COMMAND")

    def key_args(p: argparse.ArgumentParser, *, required: bool) -> None:
        p.add_argument("dataset", metavar="DATASET", help="dataset folder (leankit ingest --out)")
        p.add_argument("--characteristic", required=required,
                       help="the measured characteristic")
        for name in _KEY_OPTIONS:
            p.add_argument(f"--{name}", help=f"limits of one {name} (filters the measurements)")

    def data_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--since", help="first time of the baseline (default: the first data)")
        p.add_argument("--until", required=True,
                       help="last time of the baseline (a date: the end of that day, UTC)")
        p.add_argument("--reason", required=True,
                       help="why (stored for the audit trail; required, not empty)")
        p.add_argument("--by", help="who (default: the login name)")

    fr = cmds.add_parser("freeze", help="estimate Phase I limits and store them as version 1")
    key_args(fr, required=True)
    fr.add_argument("--type", required=True, metavar="TYPE",
                    help="chart type (a registered chart family id: xbar_r, xbar_s, i_mr ...)")
    fr.add_argument("--value", default="value", help="column of measured values (default value)")
    fr.add_argument("--subgroup", help="column of subgroup ids (X-bar charts)")
    fr.add_argument("--time", default="timestamp", help="column of times (default timestamp)")
    fr.add_argument("--rules", help=_RULES_HELP)
    fr.add_argument("--nsigmas", type=float,
                    help="limit width in sigmas (default: the chart type's, 3 for Shewhart)")
    data_args(fr)
    fr.set_defaults(func=_freeze)

    sh = cmds.add_parser("show", help="the current limits of each characteristic")
    key_args(sh, required=False)
    sh.add_argument("--json", action="store_true", help="print JSON (one object per line)")
    sh.set_defaults(func=_show)

    hi = cmds.add_parser("history", help="every version of one characteristic's limits")
    key_args(hi, required=True)
    hi.add_argument("--json", action="store_true", help="print JSON (one object per line)")
    hi.set_defaults(func=_history)

    rc = cmds.add_parser("recompute",
                         help="re-estimate limits (same chart and settings) as a new version")
    key_args(rc, required=True)
    data_args(rc)
    rc.set_defaults(func=_recompute)


# ------------------------------------------------------------------ helpers


def _key(args: argparse.Namespace) -> Any:
    from leankit import spc

    return spc.LimitsKey(args.characteristic, **{n: getattr(args, n) for n in _KEY_OPTIONS})


def _store(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from leankit import spc

    root = Path(args.dataset)
    if not root.is_dir():
        raise DatasetError(f"{root} is not a dataset folder; give the folder that "
                           "`leankit ingest ... --out` wrote")
    return spc.LimitsStore(root)


def _reason(args: argparse.Namespace) -> str:
    reason = str(args.reason or "").strip()
    if not reason:
        raise LeankitError(f"limits {args.limits_command} needs a --reason that says why "
                           "(it is stored for the audit trail); it was empty")
    return reason


def _time_bound(text: str, option: str, *, end: bool) -> Any:
    import pandas as pd

    try:
        t = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise LeankitError(f"{option} {text!r} is not a date or time; use e.g. 2026-10-14 "
                           "or 2026-10-14T18:00") from None
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    date_only = ":" not in text and "T" not in text.upper()
    if end and date_only:  # the whole day: up to the next midnight, exclusive
        return t + pd.Timedelta(days=1), False
    return t, True


def _baseline(args: argparse.Namespace, time: str | None, subgroup: str | None) -> Any:
    """The measurements of the key between --since and --until (a subgroup is in when
    its first value is: a time never cuts a subgroup in two)."""
    from leankit import io as lio

    df = lio.read_table(args.dataset, "measurements")
    if df.empty:
        raise InsufficientDataError(f"{args.dataset} has no measurements; ingest them first "
                                    "(leankit ingest ... --kind measurements)")
    chars = sorted(df["characteristic"].dropna().astype(str).unique())
    if args.characteristic not in chars:
        raise DatasetError(
            f"no measurements of characteristic {args.characteristic!r} in {args.dataset}"
            f"{suggest(args.characteristic, chars)} Characteristics found: "
            + ", ".join(chars[:30]))
    df = df[df["characteristic"] == args.characteristic]
    for name in _KEY_OPTIONS:
        wanted = getattr(args, name)
        if wanted is not None:
            if name not in df.columns:
                raise DatasetError(f"the measurements have no {name} column; drop --{name}")
            df = df[df[name].astype(str) == wanted]
            if df.empty:
                raise DatasetError(f"no measurements of {args.characteristic!r} with "
                                   f"{name}={wanted!r} in {args.dataset}")
    if time is None:
        raise LeankitError("--until needs a time column: give --time COLUMN")
    if time not in df.columns:
        from leankit.errors import ColumnNotFoundError

        raise ColumnNotFoundError(time, [str(c) for c in df.columns], what="the measurements")
    times = df[time]
    if subgroup is not None and subgroup in df.columns:  # whole subgroups, by their first time
        times = times.groupby(df[subgroup], dropna=False).transform("min")
    until, inclusive = _time_bound(args.until, "--until", end=True)
    keep = (times <= until) if inclusive else (times < until)
    if args.since:
        since, _ = _time_bound(args.since, "--since", end=False)
        keep &= times >= since
    df = df[keep]
    if df.empty:
        span = f" from {args.since}" if args.since else ""
        raise InsufficientDataError(f"no measurements of {args.characteristic!r}{span} up to "
                                    f"--until {args.until}; choose a later --until")
    return df.sort_values(time, kind="stable").reset_index(drop=True)


def _params(lim: Any) -> str:
    return ", ".join(f"{k}={v:.6g}" for k, v in lim.params.items())


def _table(versions: list[Any]) -> str:
    import pandas as pd

    rows = [{
        "characteristic": str(v.key), "version": v.version, "action": v.action,
        "chart": v.chart, "limits": _params(v.limits), "nsigmas": f"{v.limits.nsigmas:g}",
        "estimator": v.limits.method, "baseline": str(v.baseline), "by": v.by,
        "created (UTC)": f"{v.created_at:%Y-%m-%d %H:%M}", "reason": v.reason,
    } for v in versions]
    return str(pd.DataFrame(rows).to_string(index=False))


def _old_new(old: Any, new: Any) -> str:
    import pandas as pd

    names = list(dict.fromkeys([*old.limits.params, *new.limits.params]))
    rows = []
    for n in names:
        a, b = old.limits.params.get(n), new.limits.params.get(n)
        change = "" if a is None or b is None else f"{b - a:+.6g}"
        rows.append({"parameter": n, f"v{old.version}": "" if a is None else f"{a:.6g}",
                     f"v{new.version}": "" if b is None else f"{b:.6g}", "change": change})
    rows.append({"parameter": "nsigmas", f"v{old.version}": f"{old.limits.nsigmas:g}",
                 f"v{new.version}": f"{new.limits.nsigmas:g}", "change": ""})
    rows.append({"parameter": "baseline", f"v{old.version}": str(old.baseline),
                 f"v{new.version}": str(new.baseline), "change": ""})
    return str(pd.DataFrame(rows).to_string(index=False))


# ------------------------------------------------------------------ commands


def _freeze(args: argparse.Namespace) -> int:
    from leankit import spc

    reason = _reason(args)
    store = _store(args)
    key = _key(args)
    fam = spc.get_family(args.type)  # FamilyError names the registered types
    cur = store.current(key)
    if cur is not None:  # checked again under the lock by freeze()
        raise DatasetError(
            f"{key} already has frozen limits (version {cur.version}, {cur.chart}, "
            f"{cur.action} by {cur.by} on {cur.created_at:%Y-%m-%d}); use `leankit limits "
            "recompute` with a --reason to store a new version")
    df = _baseline(args, args.time, args.subgroup)
    kwargs: dict[str, Any] = {"value": args.value, "time": args.time}
    if args.rules is not None:  # else the family's default rules
        rules = tuple(args.rules.split(",")) if "," in args.rules else args.rules
        try:
            fam.check_rules(rules)
        except ValueError as exc:  # RuleError: a LeankitError and ValueError
            raise LeankitError(f"--rules {args.rules}: {exc}") from None
        kwargs["rules"] = rules
    elif _default_rules(fam) == DEFAULT_RULES:  # the weekly report's (else the family's own)
        kwargs["rules"] = DEFAULT_RULES
    if args.nsigmas is not None:
        kwargs["nsigmas"] = args.nsigmas
    if args.subgroup:
        if "subgroup" not in fam.column_args:
            raise LeankitError(f"--subgroup does not apply to a {fam.id} chart")
        kwargs["subgroup"] = args.subgroup
    elif "subgroup" in fam.columns:
        raise LeankitError(f"a {fam.id} chart needs --subgroup COLUMN (e.g. --subgroup subgroup)")
    chart = spc.chart(df, type=fam.id, **kwargs)
    v = store.freeze(key, chart, reason=reason, by=args.by)
    print(f"froze {v.key} version {v.version}: {v.chart}, {_params(v.limits)} "
          f"({v.limits.method}, {v.limits.nsigmas:g} sigma)")
    print(f"baseline: {v.baseline}")
    print(f"stored in {store.path}")
    return 0


def _recompute(args: argparse.Namespace) -> int:
    from leankit import spc

    reason = _reason(args)
    store = _store(args)
    key = _key(args)
    old = store.current(key)
    if old is None:
        raise DatasetError(f"{key} has no frozen limits to recompute; freeze them first "
                           "(leankit limits freeze)")
    kwargs = old.chart_kwargs()
    df = _baseline(args, kwargs.get("time"), kwargs.get("subgroup"))
    chart = spc.chart_from_version(old, df, phase="I")  # same chart type and settings
    new = store.recompute(key, chart, reason=reason, by=args.by)
    print(f"recomputed {new.key}: version {new.version} supersedes version {old.version} "
          f"({new.chart}); reason: {new.reason}")
    print(_old_new(old, new))
    print(f"stored in {store.path} (version {old.version} is kept in the history)")
    return 0


def _show(args: argparse.Namespace) -> int:
    store = _store(args)
    current = list(store.iter_current())
    if args.characteristic:
        current = [v for v in current if v.key.characteristic == args.characteristic]
    for name in _KEY_OPTIONS:
        if getattr(args, name) is not None:
            current = [v for v in current if getattr(v.key, name) == getattr(args, name)]
    if args.json:
        for v in current:
            print(json.dumps(v.to_dict(), ensure_ascii=False))
        return 0
    if not current:
        what = f" for {args.characteristic}" if args.characteristic else ""
        print(f"no frozen limits{what} in {args.dataset} (leankit limits freeze stores them)")
        return 0
    print(_table(current))
    return 0


def _history(args: argparse.Namespace) -> int:
    store = _store(args)
    key = _key(args)
    hist = store.history(key)
    if args.json:
        for v in hist:
            print(json.dumps(v.to_dict(), ensure_ascii=False))
        return 0
    if not hist:
        known = ", ".join(str(k) for k in store.keys()) or "none"
        print(f"no frozen limits for {key} in {args.dataset} (keys with limits: {known})")
        return 0
    print(_table(hist))
    return 0
