"""The figures' look: plotly's "plotly_white" template.

Assigning a template copies it into every figure; when the current default already is
"plotly_white" (reports set it while they build), figures keep the default instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TEMPLATE = "plotly_white"


def theme() -> dict[str, Any]:
    """Layout keyword arguments that apply the leankit template."""
    import plotly.io as pio

    return {} if pio.templates.default == TEMPLATE else {"template": TEMPLATE}


@contextmanager
def default_theme() -> Iterator[None]:
    """Make the leankit template plotly's default for the duration (faster figures)."""
    import plotly.io as pio

    before = pio.templates.default
    pio.templates.default = TEMPLATE
    try:
        yield
    finally:
        pio.templates.default = before
