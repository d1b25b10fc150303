"""Exception hierarchy and messages."""

from __future__ import annotations

import pytest

from leankit import errors
from leankit.errors import (
    AssumptionWarning,
    ColumnNotFoundError,
    DataQualityWarning,
    DatasetError,
    InputFileError,
    InsufficientDataError,
    LeankitError,
    LeankitWarning,
    ProfileError,
    SchemaError,
)
from leankit.io import read_export
from leankit.schema import get


@pytest.mark.parametrize(
    ("exc", "builtin"),
    [
        (SchemaError, ValueError),
        (ColumnNotFoundError, ValueError),
        (ProfileError, ValueError),
        (InputFileError, OSError),
        (errors.OutputFileError, OSError),
        (DatasetError, ValueError),
        (InsufficientDataError, ValueError),
    ],
)
def test_every_error_is_a_leankit_error_and_a_builtin(exc, builtin):
    assert issubclass(exc, LeankitError)
    assert issubclass(exc, builtin)
    assert issubclass(LeankitError, Exception)


def test_column_not_found_is_a_schema_error():
    assert issubclass(ColumnNotFoundError, SchemaError)


def test_warning_hierarchy():
    assert issubclass(LeankitWarning, UserWarning)
    assert issubclass(DataQualityWarning, LeankitWarning)
    assert issubclass(AssumptionWarning, LeankitWarning)
    assert not issubclass(LeankitWarning, LeankitError)


def test_every_public_exception_is_covered():
    public = {n for n in errors.__all__ if n.endswith("Error")}
    assert public == {
        "ColumnNotFoundError",
        "DatasetError",
        "InputFileError",
        "InsufficientDataError",
        "LeankitError",
        "OutputFileError",
        "ProfileError",
        "SchemaError",
    }


def test_column_not_found_message_suggests_close_matches():
    exc = ColumnNotFoundError("diamter", ["diameter", "line"])
    assert str(exc) == (
        "column 'diamter' is not in the data; did you mean 'diameter'? "
        "Columns found: diameter, line"
    )
    assert exc.column == "diamter"
    assert exc.available == ["diameter", "line"]


def test_column_not_found_without_close_match_and_many_columns():
    cols = [f"col{i}" for i in range(40)]
    exc = ColumnNotFoundError("zzz", cols, what="the measurements table")
    msg = str(exc)
    assert "did you mean" not in msg
    assert msg.startswith("column 'zzz' is not in the measurements table. Columns found: col0")
    assert msg.endswith("col29 ...")


def test_schema_error_keeps_failure_cases():
    exc = SchemaError("bad", failure_cases=[1, 2])
    assert exc.failure_cases == [1, 2]
    assert str(exc) == "bad"


def test_suggest():
    assert errors.suggest("valeu", ["value", "unit"]) == "; did you mean 'value'?"
    assert errors.suggest("xyz", ["value"]) == ""


def test_schema_column_lookup_suggests():
    with pytest.raises(SchemaError, match="did you mean 'planned_time'"):
        get("production").column("planed_time")


def test_missing_file_is_input_file_error_and_oserror(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(InputFileError, match="does not exist") as exc:
        read_export(missing, kind="measurements")
    assert isinstance(exc.value, OSError)
    with pytest.raises(OSError):
        read_export(missing, kind="measurements")


@pytest.mark.parametrize("name", ["empty.csv", "empty.txt"])
def test_empty_file_is_input_file_error(w, name):
    path = w(name, b"")
    with pytest.raises(InputFileError, match="empty"):
        read_export(path, kind="measurements")


def test_directory_is_input_file_error(tmp_path):
    with pytest.raises(InputFileError, match="is not a file"):
        read_export(tmp_path, kind="measurements")


def test_whitespace_only_file_is_a_clear_error(w):
    with pytest.raises(LeankitError):
        read_export(w("blank.csv", "\n\n  \n"), kind="measurements")
