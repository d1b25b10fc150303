"""Reports: results arranged in jinja2 templates, written as one self-contained HTML file.

Examples
--------
>>> from leankit.reports import Report
>>> Report(title="Line 3")
<Report 'Line 3': 0 sections, 0 items, 0 figures>
"""

from leankit.reports._a3_sections import a3_report
from leankit.reports._a3spec import A3Spec, load_a3_spec
from leankit.reports._report import Block, Item, Report, Section, Table
from leankit.reports._spec import CharacteristicSpec, ReportSpec, ReportSpecError, load_spec
from leankit.reports._weekly import weekly_report

__all__ = [
    "A3Spec",
    "Block",
    "CharacteristicSpec",
    "Item",
    "Report",
    "ReportSpec",
    "ReportSpecError",
    "Section",
    "Table",
    "a3_report",
    "load_a3_spec",
    "load_spec",
    "weekly_report",
]

for _name in ("A3Spec", "Block", "CharacteristicSpec", "Item", "Report", "ReportSpec",
              "ReportSpecError", "Section", "Table"):
    globals()[_name].__module__ = __name__
