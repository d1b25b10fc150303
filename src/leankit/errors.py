"""Exceptions and warnings raised by leankit.

Every exception derives from :class:`LeankitError` and also from the matching
builtin, so ``except ValueError`` keeps working in user code::

    LeankitError
    ├── SchemaError(ValueError)            table does not fit a canonical schema
    │   └── ColumnNotFoundError            a named column is missing (suggests close matches)
    ├── ProfileError(ValueError)           a mapping profile is invalid or does not fit an export
    ├── InputFileError(OSError)            a file cannot be found, read or decoded
    ├── OutputFileError(OSError)           an output file or folder cannot be written
    ├── DatasetError(ValueError)           an output dataset or its manifest is inconsistent
    └── InsufficientDataError(ValueError)  too little data for the requested computation

    LeankitWarning(UserWarning)
    ├── DataQualityWarning                 rows quarantined, suspicious values
    └── AssumptionWarning                  a statistical assumption looks violated

Messages say what is wrong, what was expected, what was found, and how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

__all__ = [
    "AssumptionWarning",
    "ColumnNotFoundError",
    "DataQualityWarning",
    "DatasetError",
    "InputFileError",
    "InsufficientDataError",
    "LeankitError",
    "LeankitWarning",
    "OutputFileError",
    "ProfileError",
    "SchemaError",
    "suggest",
]


class LeankitError(Exception):
    """Base class of every error raised by leankit."""


class SchemaError(LeankitError, ValueError):
    """A table does not fit its canonical schema.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    failure_cases : object, optional
        A table (usually a DataFrame) of the offending rows or columns.
    """

    def __init__(self, message: str, failure_cases: object = None) -> None:
        super().__init__(message)
        self.failure_cases = failure_cases


class ColumnNotFoundError(SchemaError):
    """A column named by the caller is not in the data.

    The message suggests the closest existing column names.

    Examples
    --------
    >>> str(ColumnNotFoundError("diamter", ["diameter", "line"]))
    "column 'diamter' is not in the data; did you mean 'diameter'? Columns found: diameter, line"
    """

    def __init__(self, column: str, available: Iterable[str], *, what: str = "the data") -> None:
        self.column = column
        self.available = [str(a) for a in available]
        close = difflib.get_close_matches(column, self.available, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "."
        shown = ", ".join(self.available[:30]) + (" ..." if len(self.available) > 30 else "")
        super().__init__(f"column {column!r} is not in {what}{hint} Columns found: {shown}")


class ProfileError(LeankitError, ValueError):
    """A mapping profile is invalid, unknown, or does not fit an export."""


class InputFileError(LeankitError, OSError):
    """An input file cannot be found, read or decoded."""


class OutputFileError(LeankitError, OSError):
    """An output file (report, figure, Parquet table) or its folder cannot be written.

    The message says why (a regular file where a folder is needed, permissions, a full
    disk) and what to do.
    """


class DatasetError(LeankitError, ValueError):
    """An output dataset (its folder or manifest) is missing or inconsistent."""


class InsufficientDataError(LeankitError, ValueError):
    """There is too little data for the requested computation."""


class LeankitWarning(UserWarning):
    """Base class of every warning issued by leankit."""


class DataQualityWarning(LeankitWarning):
    """Rows were quarantined or the data look suspicious."""


class AssumptionWarning(LeankitWarning):
    """A statistical assumption (normality, independence ...) looks violated."""


def suggest(name: str, options: Sequence[str]) -> str:
    """Return a ``"; did you mean 'x'?"`` hint for *name* among *options* (or ``""``)."""
    close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
