"""leankit: Lean / Six Sigma analytics.

Loaders turn messy exports into canonical Parquet tables (:mod:`leankit.io`), whose
schemas live in :mod:`leankit.schema`; errors and warnings are in :mod:`leankit.errors`.
"""

__version__ = "0.1.0"

from leankit import datasets, errors, io, lean, rca, reports, schema, spc, units  # noqa: E402

__all__ = [
    "__version__", "datasets", "errors", "io", "lean", "rca", "reports", "schema", "spc", "units",
]
