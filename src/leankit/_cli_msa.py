"""``leankit msa``: measurement system analysis of a study table (CSV or Parquet).

Commands
--------
``leankit msa gage-rr DATA --part COL --operator COL --value COL [--tolerance T | --lsl L
--usl U] [--historical-sigma S] [--method anova|xbar_r] [--design crossed|nested]
[--study-var K] [--alpha-interaction A] [--confidence C] [--characteristic NAME]
[--unit U] [--html OUT.html] [--json]``
    Gage R&R: the summary (ANOVA, components of variation, ndc, the AIAG verdict), or
    JSON; ``--html`` writes the six-panel figure.
``leankit msa type1 DATA --value COL --reference X (--tolerance T | --lsl L --usl U) ...``
    Type-1 gage study (Cg, Cgk, bias test).
``leankit msa linearity DATA --part COL --reference COL --value COL ...``
    Gage linearity and bias.
``leankit msa agreement DATA --part COL --appraiser COL --rating COL [--standard COL] ...``
    Attribute agreement (within, between appraisers, against a standard; kappas).

``DATA`` is a ``.csv`` or ``.parquet`` file with one row per measurement (or rating).
With a ``characteristic`` column holding several characteristics, ``--characteristic``
picks one. The commands use only the public API (:mod:`leankit.msa`).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from leankit.errors import InputFileError, LeankitError, suggest

__all__ = ["add_parser"]


def add_parser(subparsers: Any) -> None:
    """Add ``leankit msa`` (gage-rr, type1, linearity, agreement) to *subparsers*.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="leankit")
    >>> add_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["msa", "gage-rr", "study.csv"]).method
    'anova'
    """
    msa = subparsers.add_parser(
        "msa", help="measurement system analysis (gage R&R, type-1 study, linearity, "
        "attribute agreement)", description="Measurement system analysis of a study table "
        "(CSV or Parquet, one row per measurement).")
    cmds = msa.add_subparsers(dest="msa_command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("data", metavar="DATA", help="study table (.csv or .parquet)")
        p.add_argument("--characteristic",
                       help="analyse the rows of one characteristic (a 'characteristic' "
                            "column with several)")
        p.add_argument("--json", action="store_true", help="print the result as JSON")

    def specs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--tolerance", type=float, help="specification width USL − LSL")
        p.add_argument("--lsl", type=float, help="lower specification limit (with --usl)")
        p.add_argument("--usl", type=float, help="upper specification limit (with --lsl)")

    g = cmds.add_parser("gage-rr", help="gage repeatability and reproducibility",
                        description="Gage R&R of a crossed or nested study: ANOVA (or X̄-R) "
                        "variance components, %study variation, %tolerance, ndc and the "
                        "AIAG verdict.")
    common(g)
    g.add_argument("--part", default="part", help="column of part ids (default part)")
    g.add_argument("--operator", default="operator",
                   help="column of operators / appraisers (default operator)")
    g.add_argument("--value", default="value", help="column of measured values (default value)")
    specs(g)
    g.add_argument("--historical-sigma", type=float,
                   help="process standard deviation from production (for %%process)")
    g.add_argument("--method", choices=("anova", "xbar_r"), default="anova",
                   help="ANOVA (default) or the AIAG average-and-range method")
    g.add_argument("--design", choices=("crossed", "nested"), default="crossed",
                   help="crossed (default) or nested (destructive tests: each part measured "
                        "by one operator)")
    g.add_argument("--study-var", type=float, default=6.0,
                   help="standard deviations in the study variation (default 6)")
    g.add_argument("--alpha-interaction", type=float, default=0.05,
                   help="pool the operator × part interaction when its p-value is above "
                        "this (default 0.05)")
    g.add_argument("--confidence", type=float, default=0.95,
                   help="level of the variance components' intervals (default 0.95)")
    g.add_argument("--unit", help="unit of the values (for the figure's axes; default: the "
                                  "data's 'unit' column when it has one value)")
    g.add_argument("--html", metavar="OUT.html", help="write the six-panel figure to this file")
    g.set_defaults(func=_gage_rr)

    t = cmds.add_parser("type1", help="type-1 gage study (Cg, Cgk, bias)",
                        description="Type-1 gage study: repeated readings of one reference "
                        "part (VDA 5 / Bosch booklet 10 conventions).")
    common(t)
    t.add_argument("--value", default="value", help="column of the readings (default value)")
    t.add_argument("--reference", type=float, required=True,
                   help="reference value of the master part")
    specs(t)
    t.add_argument("--k", type=float, default=0.2,
                   help="share of the tolerance the gauge may take (default 0.2)")
    t.add_argument("--study-var", type=float, default=6.0,
                   help="standard deviations spanning the gauge's spread (default 6)")
    t.add_argument("--alpha", type=float, default=0.05, help="level of the bias test")
    t.add_argument("--resolution", type=float, help="the gauge's resolution (display step)")
    t.add_argument("--html", metavar="OUT.html", help="write the figure to this file")
    t.set_defaults(func=_type1)

    li = cmds.add_parser("linearity", help="gage linearity and bias",
                         description="Gage linearity and bias: bias per reference part and "
                         "the linearity regression (AIAG).")
    common(li)
    li.add_argument("--part", default="part", help="column of reference parts (default part)")
    li.add_argument("--reference", default="reference",
                    help="column of reference values (default reference)")
    li.add_argument("--value", default="value", help="column of readings (default value)")
    li.add_argument("--tolerance", type=float, help="specification width (for %%tolerance)")
    li.add_argument("--process-variation", type=float,
                    help="process variation (6 sigma) for %%linearity")
    li.add_argument("--alpha", type=float, default=0.05, help="level of the tests")
    li.add_argument("--html", metavar="OUT.html", help="write the figure to this file")
    li.set_defaults(func=_linearity)

    ag = cmds.add_parser("agreement", help="attribute agreement (kappa)",
                         description="Attribute agreement analysis: within appraisers, "
                         "between appraisers and against a standard.")
    common(ag)
    ag.add_argument("--part", default="part", help="column of parts (default part)")
    ag.add_argument("--appraiser", default="appraiser",
                    help="column of appraisers (default appraiser)")
    ag.add_argument("--rating", default="rating", help="column of ratings (default rating)")
    ag.add_argument("--standard", help="column of the known standard rating")
    ag.add_argument("--trial", help="column of trial numbers")
    ag.add_argument("--ordinal", action="store_true",
                    help="ratings are ordered (adds Kendall's coefficients)")
    ag.add_argument("--confidence", type=float, default=0.95, help="level of the intervals")
    ag.add_argument("--html", metavar="OUT.html", help="write the figure to this file")
    ag.set_defaults(func=_agreement)


# ------------------------------------------------------------------ helpers


def _read(args: argparse.Namespace) -> Any:
    import pandas as pd

    path = Path(args.data)
    if path.is_dir():
        raise InputFileError(f"{path} is a folder; give the study table (.csv or .parquet)")
    if not path.is_file():
        raise InputFileError(f"{path} does not exist; give the study table (.csv or .parquet)")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            df = pd.read_parquet(path)
        elif suffix in (".csv", ".txt"):
            df = pd.read_csv(path)
        else:
            raise InputFileError(f"{path}: expected a .csv or .parquet file, got "
                                 f"{suffix or 'no suffix'!r}")
    except LeankitError:
        raise
    except Exception as exc:  # noqa: BLE001 - pandas/pyarrow raise many types
        raise InputFileError(f"{path}: cannot read it as {suffix[1:]} ({exc})") from None
    if args.characteristic is not None:
        if "characteristic" not in df.columns:
            raise LeankitError(f"{path} has no 'characteristic' column; drop --characteristic")
        names = sorted(df["characteristic"].dropna().astype(str).unique())
        if args.characteristic not in names:
            raise LeankitError(f"no rows of characteristic {args.characteristic!r} in {path}"
                               f"{suggest(args.characteristic, names)} Characteristics found: "
                               + ", ".join(names[:30]))
        df = df[df["characteristic"].astype(str) == args.characteristic]
    elif "characteristic" in df.columns and df["characteristic"].nunique() > 1:
        names = sorted(df["characteristic"].dropna().astype(str).unique())
        raise LeankitError(f"{path} holds {len(names)} characteristics ({', '.join(names[:10])})"
                           "; pick one with --characteristic NAME")
    return df.reset_index(drop=True)


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the public API; option errors (plain ValueError/TypeError) become leankit
    errors, so the command line reports them as such."""
    try:
        return fn(*args, **kwargs)
    except LeankitError:
        raise
    except (ValueError, TypeError) as exc:
        raise LeankitError(str(exc)) from None


def _unit(args: argparse.Namespace, df: Any) -> str | None:
    if getattr(args, "unit", None):
        return str(args.unit)
    if "unit" in df.columns and df["unit"].nunique() == 1:
        return str(df["unit"].iloc[0])
    return None


def _clean(v: Any) -> Any:
    """A JSON-safe value (NaN and infinities as null, numpy scalars as Python)."""
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _write_html(fig: Any, path: str) -> str:
    from leankit.io._dataset import atomic_write_bytes

    html = fig.to_html(include_plotlyjs=True, full_html=True)
    atomic_write_bytes(Path(path), html.encode("utf-8"))
    return f"figure written to {path}"


def _finish(result: Any, args: argparse.Namespace, payload: dict[str, Any] | None,
            figure: Any = None) -> int:
    if args.json:
        data = payload if payload is not None else {
            "result": repr(result), "table": _records(result.to_frame())}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(result.summary())
    if args.html:
        line = _write_html(figure if figure is not None else result.figure(), args.html)
        if not args.json:
            print(line)
    return 0


# ------------------------------------------------------------------ commands


def _gage_rr(args: argparse.Namespace) -> int:
    from leankit import msa

    df = _read(args)
    r = _call(msa.gage_rr, df, part=args.part, operator=args.operator, value=args.value,
              tolerance=args.tolerance, lsl=args.lsl, usl=args.usl,
              historical_sigma=args.historical_sigma, method=args.method, design=args.design,
              study_var=args.study_var, alpha_interaction=args.alpha_interaction,
              confidence=args.confidence)
    payload = {
        "method": r.method, "design": r.design, "parts": r.n_parts,
        "operators": r.n_operators, "trials": r.n_trials,
        "pct_study_var": _clean(r.pct_study_var), "pct_tolerance": _clean(r.pct_tolerance),
        "ndc": r.ndc, "verdict": r.verdict, "finding": r.finding(),
        "interaction_p": _clean(r.interaction_p), "interaction_pooled": r.interaction_pooled,
        "tolerance": r.tolerance, "historical_sigma": r.historical_sigma,
        "study_var": r.study_var, "confidence": r.confidence, "ci_method": r.ci_method,
        "components": _records(r.components), "anova": _records(r.anova),
        "anova_reduced": _records(r.anova_reduced),
        "constants": {k: _clean(v) for k, v in r.constants.items()}, "notes": list(r.notes),
    }
    fig = None
    if args.html:
        one = ("characteristic" in df.columns and df["characteristic"].nunique() == 1)
        label = str(df["characteristic"].iloc[0]) if one else args.value
        fig = r.figure(unit=_unit(args, df), value_label=label)
    return _finish(r, args, payload, fig)


def _type1(args: argparse.Namespace) -> int:
    from leankit import msa

    df = _read(args)
    r = _call(msa.type1, df, value=args.value, reference=args.reference,
              tolerance=args.tolerance, lsl=args.lsl, usl=args.usl, k=args.k,
              study_var=args.study_var, alpha=args.alpha, resolution=args.resolution)
    return _finish(r, args, None)


def _linearity(args: argparse.Namespace) -> int:
    from leankit import msa

    df = _read(args)
    r = _call(msa.linearity_bias, df, part=args.part, reference=args.reference,
              value=args.value, tolerance=args.tolerance,
              process_variation=args.process_variation, alpha=args.alpha)
    return _finish(r, args, None)


def _agreement(args: argparse.Namespace) -> int:
    from leankit import msa

    df = _read(args)
    r = _call(msa.attribute_agreement, df, part=args.part, appraiser=args.appraiser,
              rating=args.rating, standard=args.standard, trial=args.trial,
              ordinal=args.ordinal, confidence=args.confidence)
    return _finish(r, args, None)
