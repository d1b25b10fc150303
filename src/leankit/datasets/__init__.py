"""Small, cited textbook data sets for examples, documentation and reference tests.

Each function returns a fresh DataFrame. The data are the classic sets distributed
with R's qcc package (which cites Montgomery, *Introduction to Statistical Quality
Control*); ``trial`` marks the Phase I (trial/baseline) samples of the textbook example.

Examples
--------
>>> from leankit import datasets
>>> datasets.piston_rings().shape
(200, 3)
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["circuit_boards", "dyed_cloth", "orange_juice", "piston_rings", "viscosity"]


def _read(name: str) -> pd.DataFrame:
    with resources.files("leankit.datasets").joinpath("data").joinpath(name).open("rb") as f:
        return pd.read_csv(f)


def piston_rings() -> pd.DataFrame:
    """Inside diameter (mm) of forged automobile piston rings: 40 samples of 5.

    Columns ``sample`` (1..40), ``diameter``, ``trial`` (samples 1-25: Phase I).

    References
    ----------
    Montgomery, D. C. (1991), *Introduction to Statistical Quality Control*, 2nd ed.,
    pp. 206-213; data as in R package qcc (``pistonrings``). Later editions print a
    different value set for sample 21 (see tests/reference/data/SOURCES.md).
    """
    return _read("piston_rings.csv")


def viscosity() -> pd.DataFrame:
    """Viscosity of aircraft primer paint, 35 batches (individual measurements).

    Columns ``batch``, ``viscosity``, ``trial`` (batches 1-20: Phase I).

    References
    ----------
    Montgomery, D. C. (2005), *Introduction to Statistical Quality Control*, 5th ed.,
    pp. 232-235; R package qcc (``viscosity``).
    """
    return _read("viscosity.csv")


def orange_juice() -> pd.DataFrame:
    """Nonconforming 6-oz frozen orange juice cans: 54 samples of 50.

    Columns ``sample``, ``D`` (nonconforming cans), ``size``, ``trial`` (1-30: Phase I;
    samples 15 and 23 have assignable causes; samples 31-54 follow a machine adjustment).

    References
    ----------
    Montgomery, D. C. (1991), *Introduction to Statistical Quality Control*, 2nd ed.,
    pp. 152-155; R package qcc (``orangejuice``).
    """
    return _read("orange_juice.csv")


def circuit_boards() -> pd.DataFrame:
    """Nonconformities per inspection unit of 100 printed circuit boards: 46 samples.

    Columns ``sample``, ``x`` (nonconformities), ``size`` (100 boards), ``trial`` (1-26:
    Phase I; samples 6 and 20 have assignable causes).

    References
    ----------
    Montgomery, D. C. (1991), *Introduction to Statistical Quality Control*, 2nd ed.,
    pp. 173-175; R package qcc (``circuit``).
    """
    return _read("circuit_boards.csv")


def dyed_cloth() -> pd.DataFrame:
    """Nonconformities in 10 rolls of dyed cloth of varying size (inspection units of 50 m²).

    Columns ``roll``, ``x`` (nonconformities), ``size`` (inspection units, non-integer).

    References
    ----------
    Montgomery, D. C. (1991), *Introduction to Statistical Quality Control*, 2nd ed.,
    pp. 183-184; R package qcc (``dyedcloth``).
    """
    return _read("dyed_cloth.csv")
