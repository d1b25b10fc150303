"""Measurement system analysis: gage R&R (crossed, nested, X̄-R method).

The gage R&R function lands in this package shortly; the type-1 study, bias and
linearity and attribute agreement follow.
"""

__all__: list[str] = []
