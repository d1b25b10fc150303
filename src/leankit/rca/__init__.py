"""Root-cause analysis: Pareto, stratification, driver models, change points, before/after
effect checks, fishbone diagrams.

Examples
--------
>>> import pandas as pd
>>> from leankit import rca
>>> df = pd.DataFrame({"defect": ["burr", "scratch", "burr"]})
>>> rca.pareto(df, category="defect").top
'burr'
"""

from leankit.rca._changepoints import ChangePoints, change_points
from leankit.rca._drivers import DriverModel, drivers
from leankit.rca._effect import MeasurementChange, RateChange, compare_measurements, compare_rates
from leankit.rca._fishbone import Fishbone, fishbone
from leankit.rca._pareto import Pareto, ParetoComparison, compare, pareto
from leankit.rca._rate_ratio import RateRatio, rate_ratio
from leankit.rca._stratify import Stratification, benjamini_hochberg, stratify

__all__ = [
    "ChangePoints",
    "DriverModel",
    "Fishbone",
    "MeasurementChange",
    "Pareto",
    "ParetoComparison",
    "RateChange",
    "RateRatio",
    "Stratification",
    "benjamini_hochberg",
    "change_points",
    "compare",
    "compare_measurements",
    "compare_rates",
    "drivers",
    "fishbone",
    "pareto",
    "rate_ratio",
    "stratify",
]

for _name in ("ChangePoints", "DriverModel", "Fishbone", "MeasurementChange", "Pareto",
              "ParetoComparison", "RateChange", "RateRatio", "Stratification"):
    globals()[_name].__module__ = __name__
