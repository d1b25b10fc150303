"""Behaviour shared by the lean result objects: comparisons with targets and trends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from leankit.errors import ColumnNotFoundError
from leankit.lean._common import compare_targets, trend_table

__all__ = ["MetricsMixin"]


class MetricsMixin:
    """``against(targets)`` and ``trend()`` for results with a metrics table.

    Subclasses provide ``table`` (one row per group and period, with a ``note``
    column), ``by`` (the group columns), ``period`` and ``METRICS`` (the metric
    columns that can be compared) and ``TREND_METRICS`` (the default for ``trend``).
    """

    __slots__ = ()

    METRICS: tuple[str, ...] = ()
    TREND_METRICS: tuple[str, ...] = ()

    # provided by the dataclasses that use the mixin
    table: pd.DataFrame
    by: tuple[str, ...]
    period: str | None

    def _keys(self) -> tuple[str, ...]:
        return self.by

    def against(
        self,
        targets: Mapping[str, float],
        higher_is_better: bool | Mapping[str, bool] | None = None,
    ) -> pd.DataFrame:
        """Compare metrics with targets: one row per group (and period) and metric.

        Parameters
        ----------
        targets : mapping
            Metric name -> target value, e.g. ``{"oee": 0.85, "quality": 0.99}``.
        higher_is_better : bool or mapping, optional
            Direction of "good" for all metrics (bool) or per metric (mapping).
            Default: ratios, yields, sigma level and throughput are better when
            higher; losses, DPU, DPMO, scrap and rework rates when lower.

        Returns
        -------
        pandas.DataFrame
            Columns: the group columns, ``period`` (if set), ``metric``, ``actual``,
            ``target``, ``gap`` (actual − target), ``higher_is_better``, ``status``
            (``"on target"``; ``"below target"`` for a higher-is-better metric under
            its target; ``"above target"`` for a lower-is-better metric over it;
            ``"no data"`` where the metric is undefined), with a period also
            ``previous`` (the group's previous period) and ``change`` (actual −
            previous: week-over-week with ``period="week"``), and ``note`` (why the
            metric is undefined).

        Raises
        ------
        ColumnNotFoundError
            If a target names a metric the result does not have.
        ValueError
            If a target is not a finite number, or a metric has no default direction
            and ``higher_is_better`` does not give one.
        """
        return compare_targets(self.table, self._keys(), self.METRICS, targets,
                               higher_is_better, self.period is not None)

    def trend(
        self,
        metrics: Sequence[str] | None = None,
        higher_is_better: bool | Mapping[str, bool] | None = None,
    ) -> pd.DataFrame:
        """Per group: the last period against the previous one (e.g. week over week).

        Parameters
        ----------
        metrics : sequence of str, optional
            Metrics to compare (default: the headline metrics of the result).
        higher_is_better : bool or mapping, optional
            As in :meth:`against`; decides whether a change is ``better`` or ``worse``.

        Returns
        -------
        pandas.DataFrame
            Columns: the group columns, ``metric``, ``period`` (the group's last
            period), ``previous_period``, ``value``, ``previous``, ``change``
            (value − previous), ``percent_change``, ``direction`` (``up``, ``down``,
            ``unchanged`` or ``n/a`` when either value is missing) and ``verdict``
            (``better``, ``worse``, ``unchanged`` or ``n/a``).

        Raises
        ------
        ValueError
            If the result was computed without ``period=``.
        ColumnNotFoundError
            If a metric is not one of the result's metrics.
        """
        if self.period is None:
            raise ValueError("trend() needs periods: compute the result with "
                             "period='day', 'week' or 'month'")
        if isinstance(metrics, str):
            metrics = (metrics,)
        chosen = tuple(self.TREND_METRICS if metrics is None else metrics)
        for m in chosen:
            if m not in self.METRICS:
                raise ColumnNotFoundError(m, self.METRICS, what="the metrics of this result")
        return trend_table(self.table, self._keys(), chosen, higher_is_better)
