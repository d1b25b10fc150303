"""Plotly figures of the type-1, linearity-and-bias and attribute agreement studies
(built from result objects only; imported lazily by their ``.figure()``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from leankit._text import LABEL_CHARS, fig_labels, fig_text, shorten
from leankit._theme import theme

if TYPE_CHECKING:  # pragma: no cover
    from leankit.msa._agreement import AttributeAgreement
    from leankit.msa._linearity import LinearityBias
    from leankit.msa._type1 import Type1Study

__all__ = ["agreement_figure", "linearity_figure", "type1_figure"]

_POINT = "#1f77b4"
_REF = "#2ca02c"
_LIMIT = "#d62728"
_FIT = "#d62728"
_BAND = "rgba(214,39,40,0.12)"
_MEAN = "#ff7f0e"


def _axis(label: object, unit: str | None = None) -> str:
    from leankit.spc._figures import axis_title, quantity

    return axis_title(quantity(shorten(label, LABEL_CHARS // 2), unit))


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": fig_text(title)}, height=height, **theme(),
                      margin={"l": 70, "r": 40, "t": 70, "b": 90},
                      legend={"orientation": "h", "y": -0.22, "x": 0})
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def type1_figure(study: Type1Study, *, title: str | None = None, height: int = 420,
                 unit: str | None = None, value_label: str | None = None) -> go.Figure:
    """Run chart of a type-1 study: the readings in order, the reference value and the
    reference ± K/2·T lines (± 0.1·T for K = 20 %), as Minitab's type 1 gage study.

    Parameters
    ----------
    study : Type1Study
        The result to draw.
    title : str, optional
        Figure title (default: "Type 1 gage study of <value>" with Cg and Cgk).
    height : int, default 420
        Figure height in pixels.
    unit : str, optional
        Unit of the readings ("mm"), shown on the y axis.
    value_label : str, optional
        Name of the readings (default: the value column).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    r = study.readings
    label = value_label or str(study.parameters.get("value", "value"))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=r["observation"], y=r["value"], mode="lines+markers",
                             name="reading", line={"color": _POINT, "width": 1},
                             marker={"size": 6, "color": _POINT}))
    n = int(r["observation"].max())
    xs = [0.5, n + 0.5]
    fig.add_trace(go.Scatter(x=xs, y=[study.reference] * 2, mode="lines", name="reference",
                             line={"color": _REF, "width": 2}))
    fig.add_trace(go.Scatter(x=xs, y=[study.mean] * 2, mode="lines", name="mean",
                             line={"color": _MEAN, "width": 1, "dash": "dot"}))
    if study.tolerance is not None:
        half = study.k / 2 * study.tolerance
        share = f"{100 * study.k / 2:g} %"
        for sign, name in ((1, f"reference + {share} of tolerance"),
                           (-1, f"reference − {share} of tolerance")):
            fig.add_trace(go.Scatter(x=xs, y=[study.reference + sign * half] * 2,
                                     mode="lines", name=name,
                                     line={"color": _LIMIT, "width": 1.5, "dash": "dash"}))
    if title is None:
        idx = ("" if study.cg is None or study.cgk is None
               else f": Cg {study.cg:.2f}, Cgk {study.cgk:.2f}")
        title = f"Type 1 gage study of {shorten(label, LABEL_CHARS)}{idx}"
    fig.update_xaxes(title_text=_axis("observation"))
    fig.update_yaxes(title_text=_axis(label, unit))
    return _layout(fig, title, height)


def linearity_figure(lb: LinearityBias, *, title: str | None = None, height: int = 460,
                     unit: str | None = None) -> go.Figure:
    """Gage linearity and bias plot: individual biases, the mean bias per reference, the
    fitted line with its confidence band and the zero-bias line.

    Parameters
    ----------
    lb : LinearityBias
        The result to draw.
    title : str, optional
        Figure title (default: slope and %linearity).
    height : int, default 460
        Figure height in pixels.
    unit : str, optional
        Unit of the reference values and biases ("mm").

    Returns
    -------
    plotly.graph_objects.Figure
    """
    band = lb.band
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=band["reference"], y=band["upper"], mode="lines",
                             line={"width": 0}, showlegend=False, hoverinfo="skip"))
    conf = f"{100 * (1 - lb.alpha):g} % confidence band"
    fig.add_trace(go.Scatter(x=band["reference"], y=band["lower"], mode="lines",
                             line={"width": 0}, fill="tonexty", fillcolor=_BAND, name=conf))
    fig.add_trace(go.Scatter(x=band["reference"], y=band["fit"], mode="lines",
                             name="regression line", line={"color": _FIT, "width": 2}))
    d = lb.data
    fig.add_trace(go.Scatter(x=d["reference"], y=d["bias"], mode="markers",
                             name="bias of a reading",
                             marker={"color": _POINT, "size": 6, "opacity": 0.6}))
    b = lb.biases
    fig.add_trace(go.Scatter(x=b["reference"], y=b["bias"], mode="markers",
                             name="mean bias per reference",
                             marker={"color": _MEAN, "size": 11, "symbol": "diamond"}))
    lo, hi = float(band["reference"].min()), float(band["reference"].max())
    fig.add_trace(go.Scatter(x=[lo, hi], y=[0, 0], mode="lines", name="bias = 0",
                             line={"color": "#636363", "width": 1, "dash": "dash"}))
    if title is None:
        title = (f"Gage linearity and bias: slope {lb.slope:.4g}, %linearity "
                 f"{lb.pct_linearity:.3g}, R² {lb.r_squared:.2f}")
    fig.update_xaxes(title_text=_axis("reference value", unit))
    fig.update_yaxes(title_text=_axis("bias", unit))
    return _layout(fig, title, height)


def agreement_figure(aa: AttributeAgreement, *, title: str | None = None,
                     height: int = 420) -> go.Figure:
    """Assessment agreement plot: percent matched with its confidence interval per
    appraiser, within appraisers and appraiser vs standard (Minitab's layout).

    Parameters
    ----------
    aa : AttributeAgreement
        The result to draw.
    title : str, optional
        Figure title (default: "Assessment agreement").
    height : int, default 420
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    panels = [(name, f) for name, f in (("Within appraisers", aa.within),
                                         ("Appraiser vs standard", aa.vs_standard))
              if not f.empty]
    if not panels:  # only between appraisers
        panels = [("Between appraisers", aa.between)]
    fig = make_subplots(rows=1, cols=len(panels), shared_yaxes=True,
                        subplot_titles=[p for p, _ in panels], horizontal_spacing=0.08)
    conf = f"{100 * aa.confidence:g} % CI"
    for col, (_name, f) in enumerate(panels, start=1):
        labels = fig_labels(f["appraiser"].tolist())
        pct = f["percent"].to_numpy(dtype=float)
        lo = f["lower"].to_numpy(dtype=float)
        hi = f["upper"].to_numpy(dtype=float)
        fig.add_trace(go.Scatter(
            x=labels, y=pct, mode="markers", name="percent matched", showlegend=col == 1,
            marker={"color": _POINT, "size": 10},
            error_y={"type": "data", "symmetric": False, "array": hi - pct,
                     "arrayminus": pct - lo, "color": _LIMIT, "thickness": 2, "width": 6},
            customdata=np.column_stack([lo, hi, f["matched"], f["inspected"]]),
            hovertemplate=("%{x}: %{y:.1f} % (%{customdata[2]} of %{customdata[3]} parts)"
                           f"<br>{conf} %{{customdata[0]:.1f}}–%{{customdata[1]:.1f}} %"
                           "<extra></extra>")), row=1, col=col)
        fig.update_xaxes(title_text=_axis("appraiser"), row=1, col=col)
    fig.update_yaxes(title_text=_axis("percent matched", "%"), range=[0, 105], row=1, col=1)
    for col in range(2, len(panels) + 1):
        fig.update_yaxes(title_text=_axis("percent matched", "%"), row=1, col=col)
    return _layout(fig, title or f"Assessment agreement (percent matched with {conf})",
                   height)
