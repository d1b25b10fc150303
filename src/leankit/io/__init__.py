"""Loaders: messy exports (CSV, Excel, JSON Lines) -> canonical Parquet tables.

Every input row is either loaded or quarantined with its source row and reason;
``rows_read == rows_loaded + rows_quarantined`` is checked for every file.

Examples
--------
>>> import leankit.io as lio
>>> res = lio.read_export("sample_data/specs.csv", kind="specs")
>>> res.data.shape[0]
5
"""

from leankit.io._convert import DEFAULT_UNITS
from leankit.io._dataset import Dataset, FileReport, IngestReport, ingest, read_table
from leankit.io._db_ingest import DatabaseIngestReport, ingest_database
from leankit.io._load import Accounting, SourceInfo
from leankit.io._profiles import Profile, builtin_profiles, load_profile
from leankit.io._result import LoadResult, read_export

__all__ = [
    "DEFAULT_UNITS",
    "Accounting",
    "DatabaseIngestReport",
    "Dataset",
    "FileReport",
    "IngestReport",
    "LoadResult",
    "Profile",
    "SourceInfo",
    "builtin_profiles",
    "ingest",
    "ingest_database",
    "load_profile",
    "read_export",
    "read_table",
]

for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__") and not isinstance(_obj, dict):
        try:
            _obj.__module__ = __name__
        except (AttributeError, TypeError):
            pass
