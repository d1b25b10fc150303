"""Public names, ``__all__`` and import weight."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys

import pytest

import leankit

MODULES = [
    "leankit",
    "leankit.io",
    "leankit.schema",
    "leankit.units",
    "leankit.errors",
]


PUBLIC_NAMES = r"""
import importlib, json, sys, types


def public_names(mod):
    out = set()
    for name, obj in vars(mod).items():
        if name.startswith("_") or name == "annotations":
            continue
        if isinstance(obj, types.ModuleType):
            if obj.__name__.startswith(mod.__name__ + "."):
                out.add(name)  # a subpackage, e.g. leankit.io
            continue
        owner = getattr(obj, "__module__", None)
        if owner is None or owner == mod.__name__ or owner.startswith(mod.__name__ + "."):
            out.add(name)
    out |= set(getattr(mod, "_LAZY", ()))  # subpackages loaded on first use
    return sorted(out)


mods = {name: importlib.import_module(name) for name in sys.argv[1:]}
print(json.dumps({name: public_names(mod) for name, mod in mods.items()}))
"""

MODULE_NAMES = ["leankit", "leankit.io", "leankit.schema", "leankit.units", "leankit.errors"]


@pytest.fixture(scope="module")
def public() -> dict[str, set[str]]:
    """Public names of each module, right after a fresh import (no names added by tests
    importing other submodules): no underscore, defined in the module or a submodule,
    subpackages included, other imported modules, typing helpers and __future__ excluded."""
    proc = subprocess.run(
        [sys.executable, "-c", PUBLIC_NAMES, *MODULE_NAMES],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return {k: set(v) for k, v in json.loads(proc.stdout).items()}


@pytest.mark.parametrize("name", MODULES)
def test_all_matches_public_names(name, public):
    """``__all__`` lists exactly the public names (no underscore, defined in the module)."""
    mod = importlib.import_module(name)
    declared = set(mod.__all__)
    assert len(mod.__all__) == len(declared), "duplicates in __all__"
    assert all(hasattr(mod, n) for n in declared)
    expected = set(public[name])
    if name == "leankit":
        expected.add("__version__")
    assert declared == expected




def test_io_exports():
    import leankit.io as lio

    assert lio.__all__ == [
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
    # re-exported objects present themselves as members of leankit.io
    assert lio.read_export.__module__ == "leankit.io"
    assert lio.LoadResult.__module__ == "leankit.io"


def test_public_functions_have_docstrings():
    import leankit.io as lio

    for name in lio.__all__:
        obj = getattr(lio, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__ and obj.__doc__.strip(), name


def test_read_export_signature_is_keyword_only():
    import leankit.io as lio

    params = inspect.signature(lio.read_export).parameters
    assert [p for p in params if params[p].kind is inspect.Parameter.KEYWORD_ONLY] == [
        "kind",
        "profile",
        "sheet",
        "units",
        "tz",
    ]


def test_version():
    assert leankit.__version__ == "0.1.0"


BLOCKED = """
import sys
for name in ("plotly", "jinja2"):
    sys.modules[name] = None  # any import of them raises ImportError
import leankit
import leankit.io
import leankit.cli
res = leankit.io.read_export(sys.argv[1], kind="specs")
assert res.accounting.rows_loaded == 5, res.accounting
heavy = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("plotly", "jinja2") and sys.modules[m] is not None
)
print("OK", heavy)
"""


def test_import_io_does_not_import_plotly_or_jinja2(sample_data):
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKED, str(sample_data / "specs.csv")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "OK []"


def test_import_io_loads_no_plotting_modules():
    code = (
        "import sys, leankit.io; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'plotly', 'jinja2', 'matplotlib'}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
