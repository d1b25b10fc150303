"""The weekly quality report: KPIs, verdicts, attention list, control charts, capability,
defect Pareto, root causes, OEE, data quality, methods — from a report spec.

:func:`analyse_week` (``_analysis.py``) computes everything; the registered section
builders (``_sections.py``) render it; this module ties the two together.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from leankit.reports._analysis import analyse_week
from leankit.reports._report import Report
from leankit.reports._sections import finish, render
from leankit.reports._spec import SECTIONS, ReportSpec

__all__ = ["weekly_report"]


def weekly_report(spec: ReportSpec, *, progress: Callable[[str], None] | None = None) -> Report:
    """Build the weekly quality report described by *spec*.

    The weekly report type is the section list ``SECTIONS`` (registered section
    builders) in that order; ``spec.sections`` selects which of them appear. The
    report carries the verdicts (``Report.verdicts``) and the JSON document
    ``Report.write`` saves beside the HTML (``Report.data``).

    Raises
    ------
    ReportSpecError
        Unknown characteristic, a week without data, an unreadable dataset (the message
        names the spec key).
    """
    from leankit._theme import default_theme

    with default_theme():
        a = analyse_week(spec, progress=progress)
        start, end = (t.tz_convert(spec.timezone) for t in (a.start, a.end))
        rep = render(a, [s for s in SECTIONS if s in spec.sections], title=spec.title,
                     subtitle=f"Week {a.week} ({start:%d %b %Y} – "
                     f"{end - pd.Timedelta(days=1):%d %b %Y}, {spec.timezone})")
        finish(rep, a)
    rep.verdicts = list(a.series)
    rep.data = a.to_json()
    rep.data["failures"] = [{"analysis": w, "message": m} for w, m in rep.failures]
    return rep
