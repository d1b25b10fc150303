"""Duncan's ``d2*`` and the AIAG K constants of the X̄-R (average and range) gage R&R.

``d2*`` is the divisor that turns the average of ``g`` ranges of ``m`` values into an
estimate of sigma when ``g`` is small. Patnaik (1950) approximated the distribution of the
average range ``R̄/σ`` by ``d2*·χ_ν/√ν`` and fixed ``d2*`` and ``ν`` by matching the mean
(``d2``) and the variance (``d3²/g``) of ``R̄/σ``; the two conditions give
``d2*² = d2² + d3²/g`` exactly. Duncan's table (Quality Control and Industrial
Statistics, Table D3) and the AIAG MSA manual's Appendix C print these values.
"""

from __future__ import annotations

import math

from leankit.spc._constants import _check, d2, d3

__all__ = ["d2_star", "k_constants"]

#: Above this many ranges the AIAG form (and Duncan's table) use ``d2`` itself.
G_LIMIT = 15


def d2_star(m: int, g: int = 1) -> float:
    """Duncan's ``d2*`` for the average of ``g`` ranges of ``m`` values each.

    Parameters
    ----------
    m : int
        Values per range (trials, operators or parts), at least 2.
    g : int, default 1
        Number of ranges averaged, at least 1.

    Returns
    -------
    float
        ``sqrt(d2(m)² + d3(m)²/g)`` (Patnaik's moment match); it falls to ``d2(m)`` as
        ``g`` grows.

    Examples
    --------
    >>> round(d2_star(3, 1), 4), round(d2_star(10, 1), 4), round(d2_star(2, 2), 4)
    (1.9115, 3.179, 1.2793)
    """
    m = _check(m)
    if isinstance(g, bool) or not float(g).is_integer() or g < 1:
        raise ValueError(f"g (the number of ranges) must be a whole number >= 1, got {g!r}")
    return math.sqrt(d2(m) ** 2 + d3(m) ** 2 / int(g))


def k_constants(trials: int, operators: int, parts: int) -> dict[str, float]:
    """The AIAG K1, K2, K3 of a crossed study (as standard-deviation multipliers).

    ``K1 = 1/d2*(trials, g = parts × operators)``, with ``d2`` itself when ``g > 15``
    (the AIAG form assumes ``g > 15``); ``K2 = 1/d2*(operators, 1)``;
    ``K3 = 1/d2*(parts, 1)``.

    Examples
    --------
    >>> {k: round(v, 4) for k, v in k_constants(3, 3, 10).items()}
    {'K1': 0.5908, 'K2': 0.5231, 'K3': 0.3146}
    """
    g = parts * operators
    k1 = 1.0 / (d2(trials) if g > G_LIMIT else d2_star(trials, g))
    return {"K1": k1, "K2": 1.0 / d2_star(operators, 1), "K3": 1.0 / d2_star(parts, 1)}
