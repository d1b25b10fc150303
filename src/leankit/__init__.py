"""leankit: Lean / Six Sigma analytics.

- :mod:`leankit.io` loads messy exports into canonical Parquet tables
  (:mod:`leankit.schema`), with :mod:`leankit.units` and :mod:`leankit.errors`;
- :mod:`leankit.spc` control charts and capability; :mod:`leankit.rca` root cause;
  :mod:`leankit.lean` Lean metrics; :mod:`leankit.reports` HTML reports;
  :mod:`leankit.datasets` cited textbook data.

The analysis subpackages (and scipy/statsmodels behind them) are imported on first use,
so loading data stays light.

Examples
--------
>>> import leankit
>>> leankit.spc.d2(2) > 1.128
True
"""

import importlib
from typing import Any

__version__ = "0.1.0"

from leankit import errors, io, schema, units  # noqa: E402

_LAZY = ("data", "datasets", "lean", "msa", "rca", "reports", "spc")

__all__ = [
    "__version__", "data", "datasets", "errors", "io", "lean", "msa", "rca", "reports", "schema",
    "spc", "units",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"leankit.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'leankit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
