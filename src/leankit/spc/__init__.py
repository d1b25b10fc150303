"""Statistical process control: control charts (a registry of chart families), run
rules, constants, capability.

Examples
--------
>>> from leankit import datasets, spc
>>> spc.xbar_r(datasets.piston_rings().head(125), value="diameter", subgroup="sample")
<ControlChart xbar_r: 25 subgroups, n=5, 0 signals>
"""

from leankit.spc._advise import Advice, advise
from leankit.spc._arl import RunLength, RunLengthError, arl
from leankit.spc._capability import (
    AttributeCapability,
    Capability,
    CapabilityTable,
    attribute_capability,
    capability,
)
from leankit.spc._charts import (
    aggregate_counts,
    c_chart,
    chart,
    chart_by,
    i_mr,
    np_chart,
    p_chart,
    u_chart,
    xbar_r,
    xbar_s,
)
from leankit.spc._constants import (
    UnsupportedSubgroupError,
    c4,
    constants_table,
    d2,
    d3,
    factors,
    median_range,
)
from leankit.spc._cusum import cusum
from leankit.spc._ewma import SmoothingChartError, ewma
from leankit.spc._families import (
    ChartFamily,
    ColumnArg,
    FamilyError,
    Panel,
    families,
    get_family,
    register_family,
)
from leankit.spc._laney import laney_p, laney_u
from leankit.spc._limits_store import (
    DataRange,
    LimitsKey,
    LimitsStore,
    LimitsVersion,
    chart_from_version,
)
from leankit.spc._normality import anderson_darling_normal, shapiro_wilk
from leankit.spc._rare_events import g_chart, t_chart
from leankit.spc._results import ChartCollection, ControlChart, Limits
from leankit.spc._rules import RULE_SETS, RULES, Rule, RuleError, evaluate, resolve_rules
from leankit.spc._run_chart import RunChart, run_chart
from leankit.spc._sigma import ESTIMATORS
from leankit.spc._subgroup_stats import chart_from_stats, count_stats, subgroup_stats
from leankit.spc._value_summary import ValueSummary, value_summary
from leankit.spc._zmr import ZmrChart, zmr

__all__ = [
    "ValueSummary",
    "Advice",
    "ESTIMATORS",
    "RULES",
    "RULE_SETS",
    "AttributeCapability",
    "Capability",
    "CapabilityTable",
    "ChartCollection",
    "ChartFamily",
    "ControlChart",
    "DataRange",
    "ColumnArg",
    "FamilyError",
    "Limits",
    "LimitsKey",
    "LimitsStore",
    "LimitsVersion",
    "Panel",
    "Rule",
    "RuleError",
    "RunChart",
    "RunLength",
    "RunLengthError",
    "SmoothingChartError",
    "UnsupportedSubgroupError",
    "ZmrChart",
    "advise",
    "aggregate_counts",
    "anderson_darling_normal",
    "arl",
    "attribute_capability",
    "c4",
    "c_chart",
    "capability",
    "capability_figure",
    "chart",
    "chart_by",
    "chart_figure",
    "chart_from_stats",
    "chart_from_version",
    "constants_table",
    "count_stats",
    "cusum",
    "d2",
    "d3",
    "evaluate",
    "ewma",
    "factors",
    "families",
    "g_chart",
    "get_family",
    "i_mr",
    "laney_p",
    "laney_u",
    "median_range",
    "np_chart",
    "p_chart",
    "register_family",
    "resolve_rules",
    "run_chart",
    "shapiro_wilk",
    "subgroup_stats",
    "value_summary",
    "t_chart",
    "u_chart",
    "xbar_r",
    "xbar_s",
    "zmr",
]



def __getattr__(name: str) -> object:
    # figure builders import plotly: load them only when asked for
    if name in ("capability_figure", "chart_figure"):
        from leankit.spc import _figures

        return getattr(_figures, name)
    raise AttributeError(f"module 'leankit.spc' has no attribute {name!r}")


for _name in ("Advice", "AttributeCapability", "Capability", "CapabilityTable", "ChartCollection",
              "ChartFamily", "ColumnArg", "ControlChart", "DataRange", "FamilyError", "Limits",
              "LimitsKey", "LimitsStore", "LimitsVersion", "Panel", "Rule",
              "RuleError", "RunChart", "RunLength", "RunLengthError",
              "SmoothingChartError", "UnsupportedSubgroupError", "ZmrChart"):
    globals()[_name].__module__ = __name__
