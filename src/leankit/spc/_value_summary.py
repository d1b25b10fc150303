"""A summary of many measured values computed in the engine: moments, quantiles, counts
out of specification, a histogram, the per-subgroup spread and a systematic sample.

:func:`value_summary` is what capability needs when the raw values are too many to
bring into Python (``spc.capability(summary, lsl=.., usl=..)``): the moments and the
subgroup statistics give the normal indices exactly, the engine's quantiles the
percentile indices, its bin counts the histogram, its quantile grid the probability plot.
Only the normality tests need values: they run on a systematic sample (every k-th value
in time order), which the result says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from leankit.errors import InsufficientDataError
from leankit.spc._subgroup_stats import _as_table, _require, _run, subgroup_stats

__all__ = ["ValueSummary", "value_summary"]

#: The ISO 22514-2 quantiles (0.135 %, 50 %, 99.865 %) and the probability-plot grid.
P_LO, P_HI = float(stats.norm.cdf(-3.0)), float(stats.norm.cdf(3.0))
#: Plotting positions of the probability plot: 0.1 %, 0.5 %, 1 %, 2 % ... 98 %, 99 %,
#: 99.5 %, 99.9 %.
GRID = (0.001, 0.005, *(i / 100 for i in range(1, 100)), 0.995, 0.999)
#: At most this many bars in the histogram.
MAX_BINS = 120


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueSummary:
    """Moments, quantiles, out-of-spec counts, histogram and subgroup spreads of one
    column, computed in the engine (see :func:`value_summary`).

    Attributes
    ----------
    n : int
        Values (non-missing).
    mean, sd, min, max : float
        Sample mean, standard deviation (n − 1), extremes.
    quantiles : pandas.DataFrame
        ``p, value``: the 0.135 %, 25 %, 50 %, 75 %, 99.865 % quantiles and the
        probability-plot grid, Hyndman-Fan type 6 (position p(n + 1), as Minitab and
        ``numpy.quantile(..., method="weibull")``), computed exactly by the engine's
        ``quantile_cont`` / ``percentile_cont``.
    histogram : pandas.DataFrame
        ``left, right, count``: equal-width bins from the minimum to the maximum.
    lsl, usl : float or None
        The specification limits counted against.
    below_lsl, above_usl : int
        Values below the LSL and above the USL.
    subgroups : pandas.DataFrame or None
        ``n, sd, range`` per subgroup (with ``subgroup=``), for the within sigma.
    mr_mean : float
        Mean moving range of consecutive values in time order (individual values,
        ``subgroup=None``), NaN with subgroups.
    log_mean, log_sd : float
        Mean and standard deviation (n − 1) of ln(value) when every value is positive
        (the lognormal maximum-likelihood fit), else NaN.
    sample : numpy.ndarray
        A systematic sample (every k-th value in time order) of at most *sample_size*
        values, for the normality tests.
    value : str
        The column summarised.
    engine : str
        What computed it (``duckdb``, ``postgres``, ``pyspark``).
    """

    n: int
    mean: float
    sd: float
    min: float
    max: float
    quantiles: pd.DataFrame = field(repr=False)
    histogram: pd.DataFrame = field(repr=False)
    lsl: float | None = None
    usl: float | None = None
    below_lsl: int = 0
    above_usl: int = 0
    subgroups: pd.DataFrame | None = field(default=None, repr=False)
    mr_mean: float = math.nan
    log_mean: float = math.nan
    log_sd: float = math.nan
    sample: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    value: str = "value"
    engine: str = ""

    def quantile(self, p: float) -> float:
        """The quantile at *p* (one of the computed probabilities).

        Raises
        ------
        KeyError
            *p* was not computed.
        """
        q = self.quantiles
        hit = q[np.isclose(q["p"].to_numpy(dtype=float), p, rtol=0, atol=1e-12)]
        if hit.empty:
            raise KeyError(f"p = {p:g} was not computed; computed: "
                           f"{', '.join(f'{v:g}' for v in q['p'])}")
        return float(hit["value"].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """One row of the scalar figures (``n, mean, sd, min, max, below_lsl,
        above_usl, mr_mean``)."""
        return pd.DataFrame([{k: getattr(self, k) for k in (
            "n", "mean", "sd", "min", "max", "below_lsl", "above_usl", "mr_mean")}])


def _bins(n: int, iqr: float, lo: float, hi: float, bins: int | None) -> int:
    """Freedman-Diaconis bin count (at most :data:`MAX_BINS`), or *bins*."""
    if bins is not None:
        return int(bins)
    if hi <= lo:
        return 1
    width = 2.0 * iqr / n ** (1 / 3) if iqr > 0 else 0.0
    k = math.ceil((hi - lo) / width) if width > 0 else 10
    return int(min(max(k, 1), MAX_BINS))


def value_summary(table: Any, *, value: str = "value", subgroup: str | None = None,
                  time: str | None = "timestamp", lsl: float | None = None,
                  usl: float | None = None, bins: int | None = None,
                  probabilities: Sequence[float] = GRID,
                  sample_size: int = 5000) -> ValueSummary:
    """Summarise a column of measured values in the engine, for capability and its
    figures without the raw values.

    Five small queries: the moments and out-of-spec counts; the quantiles; the histogram's
    bin counts; the per-subgroup statistics (with *subgroup*) or the mean moving range
    (without); a systematic sample (every k-th value in *time* order).

    Parameters
    ----------
    table : Ibis table expression or pandas.DataFrame
        The values, e.g. ``leankit.data.connect(DIR).scan("measurements", period=..,
        where={"characteristic": "bore_diameter"})``.
    value : str
        Column of the values.
    subgroup : str, optional
        Column of subgroup ids (the within sigma then comes from the subgroups' spread).
    time : str or None, default "timestamp"
        Column giving the order of the values (moving ranges, the sample). ``None``:
        no moving ranges, and the sample is taken in the engine's order.
    lsl, usl : float, optional
        Specification limits to count values against.
    bins : int, optional
        Histogram bins (default: Freedman-Diaconis from the engine's quartiles, at most
        120).
    probabilities : sequence of float
        Quantiles to compute besides 0.135 %, 25 %, 50 %, 75 % and 99.865 % (default:
        the probability-plot grid).
    sample_size : int, default 5000
        Largest sample for the normality tests (0: none).

    Returns
    -------
    ValueSummary

    Raises
    ------
    InsufficientDataError
        No value at all.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from leankit import spc
    >>> x = np.random.default_rng(3).normal(10.0, 0.1, 2000)
    >>> df = pd.DataFrame({"value": x, "timestamp": pd.date_range("2026-11-02", periods=2000,
    ...                                                          freq="min", tz="UTC")})
    >>> s = spc.value_summary(df, lsl=9.7, usl=10.3)
    >>> s.n, round(s.mean, 3), s.below_lsl + s.above_usl
    (2000, 10.003, 5)
    >>> bool(abs(s.quantile(0.5) - np.median(x)) < 1e-12)
    True
    """
    import ibis

    t = _as_table(table)
    _require(t, value=value, subgroup=subgroup, time=time)
    if sample_size < 0 or bins is not None and bins < 1:
        raise ValueError("sample_size= must be >= 0 and bins= >= 1")
    probs = sorted({P_LO, 0.25, 0.5, 0.75, P_HI, *(float(p) for p in probabilities)})
    bad = [p for p in probs if not 0.0 < p < 1.0]
    if bad:
        raise ValueError(f"probabilities must lie in (0, 1), got {bad}")
    x = t[value].cast("float64")
    t = t.mutate(__x=x).filter(ibis._["__x"].notnull())
    x = t["__x"]
    aggs: dict[str, Any] = {"n": x.count(), "mean": x.mean(), "sd": x.std(how="sample"),
                            "min": x.min(), "max": x.max()}
    lx = ibis.cases((x > 0, x.ln()), else_=ibis.null("float64"))
    aggs.update(positive=lx.count(), log_mean=lx.mean(), log_sd=lx.std(how="sample"))
    aggs["below"] = ibis.ifelse(x < lsl, 1, 0).sum() if lsl is not None else ibis.literal(0)
    aggs["above"] = ibis.ifelse(x > usl, 1, 0).sum() if usl is not None else ibis.literal(0)
    row = _run(t.aggregate(**aggs), "value summary").iloc[0]
    n = int(row["n"])
    if n == 0:
        raise InsufficientDataError(f"no values in {value!r} to summarise")
    # Hyndman-Fan type 6 (position p(n + 1), Minitab's and the raw path's) through the
    # engines' type 7 (position (n - 1)p' + 1): p' = ((n + 1)p - 1)/(n - 1), clamped
    adj = [min(max(((n + 1) * p - 1) / (n - 1), 0.0), 1.0) if n > 1 else 0.5
           for p in probs]
    qrow = _run(t.aggregate(q=x.quantile(adj)), "value quantiles").iloc[0]  # one sort
    quantiles = pd.DataFrame({"p": probs, "value": np.asarray(qrow["q"], dtype=float)})
    lo, hi = float(row["min"]), float(row["max"])
    iqr = float(quantiles.loc[quantiles["p"] == 0.75, "value"].iloc[0]
                - quantiles.loc[quantiles["p"] == 0.25, "value"].iloc[0])
    k = _bins(n, iqr, lo, hi, bins)
    width = (hi - lo) / k if hi > lo else 1.0
    b = ((x - lo) / width).floor().cast("int64")
    b = ibis.cases((b >= k, k - 1), else_=b) if hi > lo else ibis.literal(0)
    counts = _run(t.mutate(__bin=b).group_by("__bin").aggregate(count=ibis._.count()),
                  "value histogram")
    hist = np.zeros(k, dtype=np.int64)
    idx = pd.to_numeric(counts["__bin"]).to_numpy(dtype=np.int64)
    hist[np.clip(idx, 0, k - 1)] += pd.to_numeric(counts["count"]).to_numpy(dtype=np.int64)
    edges = lo + width * np.arange(k + 1)
    edges[-1] = hi if hi > lo else lo + 1.0
    histogram = pd.DataFrame({"left": edges[:-1], "right": edges[1:], "count": hist})
    subgroups = None
    mr_mean = math.nan
    if subgroup is not None:
        st = subgroup_stats(t, value="__x", subgroup=subgroup,
                            time=time if time is not None else subgroup)
        subgroups = st[["n", "sd", "range"]].reset_index(drop=True)
    elif time is not None and n >= 2:
        w = ibis.window(order_by=[t[time]])
        mr = t.mutate(__mr=(x - x.lag().over(w)).abs())
        mr_mean = float(_run(mr.aggregate(m=mr["__mr"].mean()), "moving ranges")
                        .iloc[0]["m"])
    sample = np.empty(0)
    if sample_size:
        step = max(1, math.ceil(n / sample_size))
        if step == 1:
            s = (t.order_by(t[time]) if time is not None else t).select("__x")
        else:
            w = ibis.window(order_by=[t[time]] if time is not None else None)
            s = t.mutate(__rn=ibis.row_number().over(w)).filter(
                ibis._["__rn"] % step == 0).order_by("__rn").select("__x")
        sample = pd.to_numeric(_run(s, "value sample")["__x"]).to_numpy(dtype=float)
    logs = {"log_mean": math.nan, "log_sd": math.nan}
    if int(row["positive"]) == n:
        logs = {"log_mean": float(row["log_mean"]),
                "log_sd": float(row["log_sd"]) if n > 1 else math.nan}
    engine = ""
    try:
        engine = str(t._find_backend(use_default=True).name)
    except Exception:  # noqa: BLE001 - the name is a label only
        engine = ""
    return ValueSummary(n=n, mean=float(row["mean"]), sd=float(row["sd"]), min=lo, max=hi,
                        quantiles=quantiles, histogram=histogram, lsl=lsl, usl=usl,
                        below_lsl=int(row["below"]), above_usl=int(row["above"]),
                        subgroups=subgroups, mr_mean=mr_mean, sample=sample, value=value,
                        engine=engine, **logs)
