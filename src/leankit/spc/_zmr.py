"""Z-MR chart: standardised individuals for short runs of several part numbers.

A short-run process makes many part numbers, each in a few pieces, so no part has
enough values for its own I-MR chart. The Z-MR chart puts all parts on one chart by
standardising each value with its part's mean and sigma::

    z_i = (x_i − μ_part(i)) / σ_part(i)

The Z panel has center 0 and limits ±k; the MR panel plots the moving ranges of
consecutive z values (in chart order, across parts) with the limits of an MR chart of
unit sigma: center ``d2(span)``, limits ``d2 ± k d3`` (LCL floored at 0).

The part parameters come from the baseline (Phase I, non-excluded points of a stage):
``μ_part`` is the mean of the part's baseline values, and sigma is estimated as in
Minitab's Z-MR options:

* ``"by_part"`` (default): ``σ_part = MR̄_part / d2(span)`` from the moving ranges of
  the part's own baseline sequence (all its runs combined, in time order);
* ``"pooled"`` (Minitab's "constant"): one sigma for every part, ``MR̄ / d2(span)``
  over the moving ranges within every part's baseline sequence together;
* ``"relative_to_size"``: the pooled estimate on ``ln(x)``, for a sigma proportional
  to the part's size; then ``z = (ln x − μ_ln) / σ_ln``.

Known values (``nominal=``) replace the estimates: a mapping part → (mean, sigma) or a
table with columns ``part, mean, sigma`` (e.g. ``chart.frozen_parts()``).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from leankit._summary import Summary
from leankit.errors import AssumptionWarning, InsufficientDataError, SchemaError
from leankit.spc import _sigma
from leankit.spc._charts import (
    Exclude,
    Missing,
    Rules,
    _finish_groups,
    _moving_range,
    _numeric,
    _prepare,
    _require,
)
from leankit.spc._constants import UnsupportedSubgroupError, d2, d3
from leankit.spc._results import FRAME_COLUMNS, ControlChart, Limits
from leankit.spc._rules import evaluate, resolve_rules

#: The frame's column of the plotted statistic's sigma.
_SIGMA_COL = "sigma_statistic"

__all__ = ["SIGMA_METHODS", "ZmrChart", "zmr"]

SigmaMethod = Literal["by_part", "pooled", "relative_to_size"]
MrMethod = Literal["mrbar", "median_mr"]

#: Sigma estimators of :func:`zmr` (``sigma_method=``), with the text the summary shows.
SIGMA_METHODS: dict[str, str] = {
    "by_part": "by part: MR-bar/d2 of each part's own baseline sequence",
    "pooled": "pooled (constant): MR-bar/d2 over the moving ranges within every part",
    "relative_to_size": "relative to size: pooled MR-bar/d2 of ln(value)",
}

Nominal: TypeAlias = Mapping[Any, tuple[float, float]] | pd.DataFrame | None

#: Columns of ``ZmrChart.parts`` (one row per stage and part).
PART_COLUMNS = ("stage", "part", "mean", "sigma", "baseline_points", "scale", "method")


# ------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True, kw_only=True)
class ZmrChart(ControlChart):
    """A Z-MR chart: a :class:`ControlChart` (panels ``z`` and ``mr``) plus the part table.

    ``to_frame()`` has the usual columns plus ``part``; ``signals`` too.

    Attributes
    ----------
    parts : pandas.DataFrame
        One row per (stage, part): ``stage, part, mean, sigma`` (of the value, or of
        ``ln(value)`` when ``scale == "log"``), ``baseline_points``, ``scale`` and
        ``method`` (the sigma estimator, or ``"nominal"``).
    """

    parts: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

    def __reduce__(self) -> tuple[Any, ...]:
        # every field but the monitor closure (which cannot be pickled)
        state = {f.name: object.__getattribute__(self, f.name)
                 for f in dataclasses.fields(self) if f.name != "_monitor"}
        state["parameters"] = dict(state["parameters"])
        state["stage_limits"] = dict(state["stage_limits"])
        return (_unpickled_zmr, (state,))

    @property
    def z(self) -> ControlChart:
        """The Z panel."""
        return self.panel("z")

    def frozen_parts(self, stage: Any = None) -> pd.DataFrame:
        """The ``part, mean, sigma`` table of a stage (default: the last), for ``nominal=``."""
        if stage is None:
            stage = self.parts["stage"].iloc[-1]
        rows = self.parts[self.parts["stage"] == stage]
        return rows[["part", "mean", "sigma"]].reset_index(drop=True)

    def __repr__(self) -> str:
        main = self.points[self.points["panel"] == "z"]
        stages = main["stage"].nunique()
        extra = f", {stages} stages" if stages > 1 else ""
        ph2 = int((main["phase"] == "II").sum())
        extra += f", {ph2} in phase II" if ph2 else ""
        n_parts = main["part"].nunique()
        return (f"<ZmrChart: {len(main)} points, {n_parts} part{'s' if n_parts != 1 else ''}"
                f"{extra}, {self.n_signals} signals>")

    def summary(self) -> Summary:
        """Key figures, the part parameters and the signals, with numbered notes."""
        p = self.parameters
        main = self.points[self.points["panel"] == "z"]
        rows: list[tuple[str, object]] = [
            ("chart", "Z-MR chart (short runs)"), ("points", len(main)),
            ("parts", int(main["part"].nunique())), ("signals", self.n_signals),
        ]
        notes = [
            "z = (x − part mean) / part sigma"
            + (" on ln(x)" if p.get("sigma_method") == "relative_to_size" else "")
            + f"; Z limits 0 ± {p.get('nsigmas', 3):g}, MR limits of an MR chart with "
            f"sigma 1 (span {p.get('span', 2)}).",
            ("Part means and sigmas given (nominal=)." if p.get("nominal") else
             "Part means: mean of each part's baseline values. Sigma: "
             + SIGMA_METHODS[str(p.get("sigma_method"))]
             + (" (median MR / d4 instead of MR-bar / d2)" if p.get("mr_method") ==
                "median_mr" else "") + "."),
            "Rules: " + ", ".join(p.get("rules", ())) + " on Z (dispersion panel: "
            + ", ".join(p.get("dispersion_rules", ())) + ").",
        ]
        n_ex = int(main["excluded"].sum())
        if n_ex:
            notes.append(f"{n_ex} point(s) excluded from the part parameters but plotted.")
        if len(self.exclusions):
            notes.append(f"{len(self.exclusions)} input row(s) not used: see .exclusions.")
        tables = [("Parts", self.parts)]
        if len(self.signals):
            tables.append(("Signals", self.signals[["panel", "subgroup", "part", "rule",
                                                    "description"]]))
        return Summary(title=repr(self), rows=tuple(rows), notes=tuple(notes),
                       tables=tuple(tables))


def _unpickled_zmr(state: dict[str, Any]) -> ZmrChart:
    return ZmrChart(**state)


# ---------------------------------------------------------------------- parameters


def _nominal_table(nominal: Nominal, log: bool) -> dict[Any, tuple[float, float]] | None:
    if nominal is None:
        return None
    if isinstance(nominal, pd.DataFrame):
        missing_cols = [c for c in ("part", "mean", "sigma") if c not in nominal.columns]
        if missing_cols:
            raise SchemaError(
                f"nominal= table needs columns part, mean, sigma; missing "
                f"{', '.join(missing_cols)} (chart.frozen_parts() gives such a table)")
        if nominal["part"].duplicated().any():
            dup = nominal.loc[nominal["part"].duplicated(), "part"].head(3).tolist()
            raise SchemaError(f"nominal= table lists part(s) {dup} more than once; give one "
                              "mean and sigma per part (filter one stage of chart.parts)")
        items = {k: (m, s) for k, m, s in zip(nominal["part"], nominal["mean"],
                                               nominal["sigma"], strict=True)}
    elif isinstance(nominal, Mapping):
        items = dict(nominal)
    else:
        raise TypeError("nominal= must be a mapping part -> (mean, sigma) or a DataFrame "
                        f"with columns part, mean, sigma; got {type(nominal).__name__}")
    out: dict[Any, tuple[float, float]] = {}
    for key, pair in items.items():
        try:
            mean, sigma = (float(v) for v in pair)
        except (TypeError, ValueError):
            raise ValueError(f"nominal= for part {key!r} must be (mean, sigma) numbers, "
                             f"got {pair!r}") from None
        if not (math.isfinite(mean) and math.isfinite(sigma)):
            raise ValueError(f"nominal= for part {key!r} must be finite, got {pair!r}")
        if sigma <= 0:
            raise ValueError(f"nominal= sigma of part {key!r} must be positive, got {sigma!r}"
                             + ("; with sigma_method='relative_to_size' it is the sigma of "
                                "ln(value)" if log else ""))
        out[key] = (mean, sigma)
    return out


def _part_mrs(values: np.ndarray, parts: np.ndarray, span: int) -> dict[Any, np.ndarray]:
    """Moving ranges within each part's sequence (values in chart order)."""
    codes, uniques = pd.factorize(pd.Series(parts, dtype=object))
    out: dict[Any, np.ndarray] = {}
    for j, key in enumerate(uniques):
        mr = _moving_range(values[codes == j], span)
        out[key] = mr[~np.isnan(mr)]
    return out


def _estimate(values: np.ndarray, parts: np.ndarray, stage: Any, opts: Mapping[str, Any]
              ) -> dict[Any, tuple[float, float, int]]:
    """Part -> (mean, sigma, baseline points) from one stage's baseline (chart order)."""
    span, method, mr_method = int(opts["span"]), opts["sigma_method"], opts["mr_method"]
    where = f" in stage {stage!r}" if opts["_stages"] > 1 else ""
    if len(values) == 0:
        raise InsufficientDataError(f"no baseline points{where} to estimate the part means "
                                    "and sigmas from; include some points or give nominal=")
    mrs = _part_mrs(values, parts, span)
    counts = pd.Series(parts, dtype=object).value_counts(sort=False)
    means = pd.Series(values).groupby(pd.Series(parts, dtype=object), sort=False).mean()

    def from_mrs(m: np.ndarray) -> float:
        if mr_method == "median_mr":
            return _sigma.sigma_median_mr(m, span)
        return _sigma.sigma_mrbar(m, span)

    out: dict[Any, tuple[float, float, int]] = {}
    if method == "by_part":
        few = [k for k, n in counts.items() if n < span]
        if few:
            raise InsufficientDataError(
                f"sigma_method='by_part' needs at least {span} baseline values of each part"
                f"{where} (one moving range); part(s) {few[:5]} have fewer. Use "
                "sigma_method='pooled' (one sigma for all parts, estimated from the moving "
                "ranges within every part), give nominal= values, or collect more values")
        for key in counts.index:
            sigma = from_mrs(mrs[key])
            if not sigma > 0:
                raise InsufficientDataError(
                    f"part {key!r}{where}: its baseline values do not vary (sigma estimate "
                    f"{sigma:g}), so its values cannot be standardised. Check the gauge "
                    "resolution, use sigma_method='pooled', or give nominal= values")
            out[key] = (float(means[key]), sigma, int(counts[key]))
        return out
    pooled = np.concatenate(list(mrs.values())) if mrs else np.zeros(0)
    if len(pooled) == 0:
        raise InsufficientDataError(
            f"no part has {span} or more baseline values{where}, so there is no moving range "
            "to estimate the pooled sigma from; collect more values or give nominal=")
    sigma = from_mrs(pooled)
    if not sigma > 0:
        raise InsufficientDataError(
            f"the baseline values{where} do not vary within any part (pooled sigma estimate "
            f"{sigma:g}); check the gauge resolution or give nominal= values")
    single = [k for k, n in counts.items() if n < 2]
    if single:
        warnings.warn(
            f"part(s) {single[:5]}{where} have a single baseline value: their mean is that "
            "value, so their Phase I z is 0. Give nominal= values for them or collect more",
            AssumptionWarning, stacklevel=5)
    for key in counts.index:
        out[key] = (float(means[key]), sigma, int(counts[key]))
    return out


# ---------------------------------------------------------------------------- build


@dataclass(frozen=True)
class _Spec:
    groups: pd.DataFrame
    opts: Mapping[str, Any]
    exclusions: pd.DataFrame
    summarize: Callable[..., tuple[pd.DataFrame, pd.DataFrame]]


def _params(spec: _Spec, transformed: np.ndarray) -> pd.DataFrame:
    g, opts = spec.groups, spec.opts
    nominal: dict[Any, tuple[float, float]] | None = opts["_nominal"]
    parts = g["part"].to_numpy(dtype=object)
    base = ((g["phase"] == "I") & ~g["excluded"]).to_numpy(dtype=bool)
    rows = []
    scale = "log" if opts["sigma_method"] == "relative_to_size" else "linear"
    for stage in pd.unique(g["stage"]):
        in_stage = (g["stage"] == stage).to_numpy(dtype=bool)
        if nominal is not None:
            known = set(nominal)
            unknown = [k for k in pd.unique(parts[in_stage]) if k not in known]
            if unknown:
                raise InsufficientDataError(
                    f"part(s) {unknown[:5]} are not in nominal=; give a (mean, sigma) for "
                    "every part on the chart, or leave nominal= out to estimate them from "
                    "the data")
            for key in pd.unique(parts[in_stage]):
                rows.append({"stage": stage, "part": key, "mean": nominal[key][0],
                             "sigma": nominal[key][1],
                             "baseline_points": int((base & in_stage & (parts == key)).sum()),
                             "scale": scale, "method": "nominal"})
            continue
        sel = base & in_stage
        est = _estimate(transformed[sel], parts[sel], stage, opts)
        for key, (mean, sigma, count) in est.items():
            rows.append({"stage": stage, "part": key, "mean": mean, "sigma": sigma,
                         "baseline_points": count, "scale": scale,
                         "method": opts["sigma_method"]})
        without = [k for k in pd.unique(parts[in_stage]) if k not in est]
        if without:
            where = f" in stage {stage!r}" if opts["_stages"] > 1 else ""
            raise InsufficientDataError(
                f"part(s) {without[:5]}{where} have no baseline values (all excluded), so "
                "their mean and sigma are unknown; include some of their values or give "
                "nominal= values for them")
    return pd.DataFrame(rows, columns=list(PART_COLUMNS))


def _build(spec: _Spec, frozen: pd.DataFrame | None = None) -> ZmrChart:
    g, opts = spec.groups.reset_index(drop=True), spec.opts
    m = len(g)
    x = g["value"].to_numpy(dtype=float)
    log = opts["sigma_method"] == "relative_to_size"
    if log:
        if (x <= 0).any():
            bad = g["subgroup"].to_numpy()[np.flatnonzero(x <= 0)[:5]].tolist()
            raise SchemaError(
                f"sigma_method='relative_to_size' standardises ln(value), which needs "
                f"positive values; point(s) {bad} are <= 0. Use sigma_method='pooled' or "
                "'by_part'")
        t = np.log(x)
    else:
        t = x
    parts_table = _params(spec, t) if frozen is None else frozen
    parts = g["part"].to_numpy(dtype=object)
    stages = g["stage"].to_numpy(dtype=object)
    mean = np.full(m, np.nan)
    sig = np.full(m, np.nan)
    lookup = {(r.stage, r.part): (r.mean, r.sigma)
              for r in parts_table.itertuples(index=False)}
    last_stage = parts_table["stage"].iloc[-1] if len(parts_table) else None
    missing_parts: list[Any] = []
    for i in range(m):
        key = (stages[i], parts[i])
        if key not in lookup and g["phase"].iat[i] == "II":
            key = (last_stage, parts[i])
        if key in lookup:
            mean[i], sig[i] = lookup[key]
        elif parts[i] not in missing_parts:
            missing_parts.append(parts[i])
    if missing_parts:
        raise InsufficientDataError(
            f"part(s) {missing_parts[:5]} have no frozen mean and sigma (they were not in the "
            "baseline), so their values cannot be standardised. Chart them with a baseline "
            "of their own, or chart all the data with zmr(..., nominal=...) giving a (mean, "
            "sigma) for every part (chart.frozen_parts() has the known ones)")
    z = (t - mean) / sig
    span = int(opts["span"])
    k = float(opts["nsigmas"])
    stage_codes, _ = pd.factorize(g["stage"])
    mr = np.full(m, np.nan)
    for j in np.unique(stage_codes):
        idx = np.flatnonzero(stage_codes == j)
        mr[idx] = _moving_range(z[idx], span)
    if not np.isfinite(z).all():
        bad = g["subgroup"].to_numpy()[np.flatnonzero(~np.isfinite(z))[:5]].tolist()
        raise SchemaError(f"z is not finite at point(s) {bad}: the values are too large for "
                          "float64 arithmetic; rescale them before charting")
    c_mr = d2(span)
    s_mr = d3(span)
    arrays = {
        "z": {"statistic": z, "center": np.zeros(m), "sigma": np.ones(m),
              "lcl": np.full(m, -k), "ucl": np.full(m, k)},
        "mr": {"statistic": mr, "center": np.full(m, c_mr), "sigma": np.full(m, s_mr),
               "lcl": np.full(m, max(0.0, c_mr - k * s_mr)), "ucl": np.full(m, c_mr + k * s_mr)},
    }
    frames, signal_frames, limit_rows = [], [], []
    base = ((g["phase"] == "I") & ~g["excluded"]).to_numpy(dtype=bool)
    for panel in ("z", "mr"):
        a = arrays[panel]
        rules = opts["rules"] if panel == "z" else opts["dispersion_rules"]
        fired = evaluate(rules, a["statistic"], a["center"], a["sigma"], a["lcl"], a["ucl"],
                         segment=stage_codes)
        texts = np.full(m, "", dtype=object)
        if len(fired):
            for pos, grp in fired.groupby("position", sort=True):
                texts[int(pos)] = ",".join(grp["rule"])
            pos_arr = fired["position"].to_numpy(dtype=np.int64)
            signal_frames.append(pd.DataFrame({
                "panel": panel, "subgroup": g["subgroup"].to_numpy()[pos_arr],
                "time": g["time"].to_numpy()[pos_arr], "position": pos_arr,
                "stage": stages[pos_arr], "phase": g["phase"].to_numpy()[pos_arr],
                "statistic": a["statistic"][pos_arr], "rule": fired["rule"].to_numpy(),
                "description": fired["description"].to_numpy(), "part": parts[pos_arr],
            }))
        frames.append(pd.DataFrame({
            "panel": panel, "subgroup": g["subgroup"], "time": g["time"], "n": g["n"],
            "statistic": a["statistic"], "center": a["center"], "lcl": a["lcl"],
            "ucl": a["ucl"], _SIGMA_COL: a["sigma"], "phase": g["phase"], "stage": g["stage"],
            "excluded": g["excluded"], "exclude_reason": g["exclude_reason"],
            "signal": texts != "", "rules": texts.astype(str), "part": parts,
        }))
        for j, stage in enumerate(pd.unique(g["stage"])):
            limit_rows.append({
                "panel": panel, "stage": stage, "n": 1, "center": a["center"][0],
                "lcl": a["lcl"][0], "ucl": a["ucl"][0],
                "method": "nominal" if opts["_nominal"] is not None else opts["sigma_method"],
                "baseline_subgroups": int((base & (stage_codes == j)).sum()),
            })
    points = pd.concat(frames, ignore_index=True)
    assert tuple(points.columns[:len(FRAME_COLUMNS)]) == FRAME_COLUMNS
    signal_cols = ["panel", "subgroup", "time", "position", "stage", "phase", "statistic",
                   "rule", "description", "part"]
    signals = (pd.concat(signal_frames, ignore_index=True) if signal_frames
               else pd.DataFrame({c: pd.Series(dtype=object) for c in signal_cols}))
    parameters = {key: v for key, v in opts.items()
                  if key not in ("rules", "dispersion_rules") and not key.startswith("_")}
    parameters["rules"] = tuple(r.id for r in opts["rules"])
    parameters["dispersion_rules"] = tuple(r.id for r in opts["dispersion_rules"])
    parameters["nominal"] = opts["_nominal"] is not None
    stage_limits = {
        stage: Limits(chart="zmr", params={"center": 0.0, "sigma": 1.0},
                      nsigmas=k, method=str(limit_rows[0]["method"]))
        for stage in pd.unique(g["stage"])}
    frozen_table = parts_table

    def monitor(new_data: pd.DataFrame) -> ZmrChart:
        new_groups, new_excl = spec.summarize(new_data, use_exclude=False)
        last = g["stage"].iloc[-1]
        new_groups = new_groups.assign(stage=last, phase="II", excluded=False,
                                       exclude_reason="")
        clash = set(new_groups["subgroup"]) & set(g["subgroup"])
        if clash:
            raise ValueError(
                f"monitor(): point id(s) {sorted(clash, key=str)[:5]} are already on the "
                "chart; give new points new ids")
        both = pd.concat([g, new_groups], ignore_index=True)
        excl = pd.concat([spec.exclusions, new_excl], ignore_index=True)
        return _build(_Spec(both, opts, excl, spec.summarize), frozen_table)

    data = g[["subgroup", "part", "value", "phase", "stage", "excluded"]].copy()
    return ZmrChart(
        chart="zmr", points=points, limits=pd.DataFrame(limit_rows), signals=signals,
        exclusions=spec.exclusions, data=data, parameters=parameters,
        stage_limits=stage_limits, panel_names=("z", "mr"), _monitor=monitor,
        parts=parts_table.reset_index(drop=True),
    )


# --------------------------------------------------------------------------- public


def zmr(
    data: pd.DataFrame,
    *,
    value: str,
    part: str,
    time: str | None = None,
    subgroup: str | None = None,
    stage: str | None = None,
    exclude: Exclude = None,
    sigma_method: SigmaMethod = "by_part",
    mr_method: MrMethod = "mrbar",
    span: int = 2,
    nominal: Nominal = None,
    rules: Rules = "we",
    rule_params: Mapping[str, Mapping[str, Any]] | None = None,
    dispersion_rules: Rules = "limits",
    nsigmas: float = 3.0,
    missing: Missing = "raise",
) -> ZmrChart:
    """Z-MR chart: standardised individuals and their moving ranges, across part numbers.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per measured value, in time order unless ``time=`` is given.
    value : str
        Column of the values.
    part : str
        Column of the part number (product, recipe ...) of each value.
    time : str, optional
        Column to sort the values by.
    subgroup : str, optional
        Column of point labels (default: the row index); must be unique.
    stage : str, optional
        Column of stage labels; part parameters are estimated separately per stage.
    exclude : str, mapping or sequence, optional
        Points left out of the part parameters but still plotted (as for :func:`i_mr`).
    sigma_method : {"by_part", "pooled", "relative_to_size"}, default "by_part"
        How sigma is estimated (see Notes). ``"by_part"`` needs at least ``span``
        baseline values of every part.
    mr_method : {"mrbar", "median_mr"}, default "mrbar"
        ``MR̄/d2(span)`` or the robust ``median(MR)/d4(span)``.
    span : int, default 2
        Values per moving range.
    nominal : mapping or DataFrame, optional
        Known part parameters: ``{part: (mean, sigma)}`` or a table with columns ``part,
        mean, sigma`` (``chart.frozen_parts()``); every part on the chart must be in it.
        With ``sigma_method="relative_to_size"`` they are the mean and sigma of ``ln``.
    rules, rule_params, dispersion_rules, nsigmas, missing
        As for :func:`i_mr`; the run rules apply to the Z panel (z has center 0 and
        sigma 1, so every Western Electric / Nelson rule is valid on it).

    Returns
    -------
    ZmrChart
        Panels ``chart.z`` and ``chart.mr``; ``to_frame()`` columns: panel, subgroup,
        time, n, statistic (z, or the moving range of z), center, lcl, ucl, sigma, phase,
        stage, excluded, exclude_reason, signal, rules, part. ``parts``: the mean and
        sigma of every part. ``monitor(new)`` scores new values against the frozen part
        parameters (a part without parameters raises).

    Raises
    ------
    InsufficientDataError
        A part has too few baseline values for its sigma (the message suggests
        ``sigma_method="pooled"``), its values do not vary, or a part has no parameters
        (not in the baseline or not in ``nominal=``).
    ValueError
        A nominal sigma is not positive, or an option is unknown.
    SchemaError
        Labels repeat, the values are not numeric, or (``relative_to_size``) not positive.

    Warns
    -----
    AssumptionWarning
        With a pooled sigma, a part has a single baseline value (its z is 0).

    Notes
    -----
    ``z_i = (x_i − μ_p)/σ_p`` with ``μ_p`` the mean of part p's baseline values. Sigma:
    ``by_part`` ``σ_p = MR̄_p/d2(span)``, the moving ranges taken within part p's
    baseline sequence; ``pooled`` one ``σ = MR̄/d2(span)`` over the moving ranges within
    every part; ``relative_to_size`` the pooled estimate on ``ln x`` (``z`` from ``ln x``).
    Z panel: center 0, limits ``±k``. MR panel: ``MR_i = |z_i − z_{i−1}|`` (span 2) over
    consecutive points of a stage, center ``d2(span)``, limits ``d2 ± k d3`` (LCL ≥ 0).
    A part with one (mean, sigma) is an I-MR chart in standard units.

    References
    ----------
    Minitab, *Methods and formulas for Z-MR Chart* (estimating sigma: constant, relative
    to size, by parts). Montgomery, D. C., *Introduction to Statistical Quality Control*,
    8th ed., sec. 10.1 (short production runs). Wheeler, D. J. (1991), *Short Run SPC*.

    Examples
    --------
    >>> import pandas as pd
    >>> from leankit import spc
    >>> df = pd.DataFrame({
    ...     "part": ["A"] * 5 + ["B"] * 5 + ["A"] * 5,
    ...     "bore": [10.1, 10.0, 10.2, 9.9, 10.0, 25.3, 25.0, 25.4, 25.1, 25.2,
    ...              10.1, 9.8, 10.0, 10.2, 10.1]})
    >>> chart = spc.zmr(df, value="bore", part="part")
    >>> chart
    <ZmrChart: 15 points, 2 parts, 0 signals>
    >>> chart.parts[["part", "mean", "sigma"]].round(4).values.tolist()
    [['A', 10.04, 0.1576], ['B', 25.2, 0.2437]]
    """
    allowed = tuple(SIGMA_METHODS)
    if sigma_method not in allowed:
        from leankit.errors import suggest

        raise ValueError(f"sigma_method= must be one of {', '.join(allowed)}, got "
                         f"{sigma_method!r}{suggest(str(sigma_method), allowed)}")
    if mr_method not in ("mrbar", "median_mr"):
        raise ValueError(f"mr_method= must be 'mrbar' or 'median_mr', got {mr_method!r}")
    if isinstance(span, bool) or not isinstance(span, int) or span < 2:
        raise UnsupportedSubgroupError(f"span= must be an integer >= 2, got {span!r}")
    if not (isinstance(nsigmas, (int, float)) and not isinstance(nsigmas, bool)
            and math.isfinite(nsigmas) and nsigmas > 0):
        raise ValueError(f"nsigmas= must be a positive number, got {nsigmas!r}")
    nominal_map = _nominal_table(nominal, sigma_method == "relative_to_size")
    _require(data, value=value, part=part, time=time, subgroup=subgroup, stage=stage)
    keep = [c for c in (value, part, time, subgroup, stage) if c]
    if isinstance(exclude, str):
        keep.append(exclude)

    def to_groups(df: pd.DataFrame, exclude: Exclude) -> pd.DataFrame:
        x = _numeric(df[value], "value")
        key = df[subgroup] if subgroup else pd.Series(df.index, index=df.index)
        if key.duplicated().any():
            dup = key[key.duplicated()].head(3).tolist()
            raise SchemaError(
                f"zmr needs one row per value, but labels {dup} repeat in "
                f"{subgroup or 'the index'}; give each value its own label")
        groups = pd.DataFrame({"n": 1, "value": x.to_numpy(),
                               "part": df[part].to_numpy(dtype=object)},
                              index=key.to_numpy())
        return _finish_groups(groups, df, key=key, time=time, stage=stage, exclude=exclude,
                              sub_col=subgroup, one_row_each=True)

    summarize = _prepare(time=time, stage=stage, exclude=exclude, rows_to_groups=to_groups,
                         keep=keep, missing=missing)

    groups, excl = summarize(data)
    if nominal_map is not None:
        groups["phase"] = "II"  # known parameters: every point is scored against them
    opts: dict[str, Any] = {
        "chart": "zmr", "value": value, "part": part, "time": time, "subgroup": subgroup,
        "stage": stage, "sigma_method": sigma_method, "mr_method": mr_method, "span": span,
        "nsigmas": float(nsigmas),
        "rules": resolve_rules(rules, params=rule_params),
        "dispersion_rules": resolve_rules(dispersion_rules, params=rule_params),
        "_nominal": nominal_map, "_stages": int(groups["stage"].nunique()),
    }
    return _build(_Spec(groups, opts, excl, summarize))



# ------------------------------------------------------------------------- registry


def _registry_zmr(data: pd.DataFrame, **kwargs: Any) -> ZmrChart:
    """:func:`zmr` for generic callers (``spc.chart(type="zmr", ...)``, the CLI, report
    specs), which pass the common ``limits=`` argument."""
    limits = kwargs.pop("limits", None)
    if limits is not None:
        raise TypeError("zmr does not take limits=: its frozen parameters are per part; pass "
                        "nominal=chart.frozen_parts() (or use chart.monitor(new_data))")
    return zmr(data, **kwargs)


_registry_zmr.__name__ = "zmr"


def _engine_refused(*args: Any, **kwargs: Any) -> dict[str, Any]:
    raise InsufficientDataError(
        "the Z-MR chart is built by leankit.spc.zmr (its means and sigmas are per part), "
        "not by the generic engine; call spc.zmr(data, value=..., part=...)")


def _register() -> None:
    from leankit.spc._families import ChartFamily, ColumnArg, Panel, register_family

    register_family(ChartFamily(
        id="zmr", title="Z-MR chart", aliases=("z_mr",),
        description="short runs: many part numbers with few values each, standardised "
                    "per part on one chart (z and moving range of z)",
        panels=(Panel(name="z", title="Z", y_title="standardised value z"),
                Panel(name="mr", title="Moving range of z", y_title="moving range",
                      rules="dispersion", allow_missing=True)),
        input="values", param_names=("center", "sigma"), estimate=_engine_refused,
        arrays=_engine_refused, constructor=_registry_zmr,
        extra_columns=(ColumnArg(name="part", help="part numbers", required=True),),
        label_by="part",
        settings={"sigma_method": "by_part", "mr_method": "mrbar", "span": 2,
                  "nominal": None}), replace=True)


_register()
