"""Every chart of the weekly report has axis titles, and the measurement charts name the
unit of their characteristic (issue: "no chart axis or table shows mm or µm")."""

from __future__ import annotations

import json

import report_helpers

from leankit.reports import load_spec, weekly_report

demo_dir = report_helpers.demo_dir
demo_data = report_helpers.demo_data


def _axes(layout: dict) -> dict[str, str]:
    out = {}
    for key, ax in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(ax, dict):
            if ax.get("visible") is False or (ax.get("matches") and
                                               ax.get("showticklabels") is False):
                continue  # hidden, or shares the titled axis of the panel below
            title = ax.get("title")
            text = title.get("text") if isinstance(title, dict) else title
            out[key] = text or ""
    return out


def test_every_chart_axis_is_titled_and_measurements_carry_their_unit(demo_dir):
    rep = weekly_report(load_spec(demo_dir / "weekly.toml"))
    figs = [json.loads(spec) for _, spec in rep._figures]
    assert len(figs) > 20
    untitled = []
    for fig in figs:
        axes = _axes(fig.get("layout", {}))
        untitled += [(fig["layout"].get("title", {}).get("text", "?"), k)
                     for k, t in axes.items() if not t.strip()]
    assert not untitled, untitled[:10]
    # control charts and capability histograms of measurements: the unit on the value axis
    units = {"bore_diameter": "(mm)", "flange_thickness": "(mm)", "bath_temperature": "(°C)",
             "runout": "µm"}
    for fig in figs:
        title = str(fig["layout"].get("title", {}).get("text", ""))
        for name, unit in units.items():
            if title.startswith(name) and ("xbar_s" in title or "i_mr" in title):
                ytitles = [t for k, t in _axes(fig["layout"]).items() if k.startswith("yaxis")]
                assert any(unit in t for t in ytitles), (title, ytitles)
