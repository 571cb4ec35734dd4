"""The shape every result object shares.

A result is a frozen dataclass with ``summary()`` (a DataFrame), a readable ``repr`` and HTML
rendering built from the summary, and ``plot(ax=None)`` delegating to a function in
:mod:`ecrm_lab.plotting`. Results never print.
"""

from __future__ import annotations

import abc

import pandas as pd

__all__ = ["Result", "MetricResult"]


class Result(abc.ABC):
    """Mixin for result dataclasses: define ``summary`` and ``plot``; get ``repr`` for free."""

    #: short title used in repr and HTML
    title: str = ""

    @abc.abstractmethod
    def summary(self) -> pd.DataFrame:
        """The key figures as a DataFrame."""

    @abc.abstractmethod
    def plot(self, ax=None, **kwargs):
        """Draw the result on ``ax`` (a new figure when ``None``) and return the Axes."""

    def _title(self) -> str:
        return self.title or type(self).__name__

    def __repr__(self) -> str:
        table = self.summary()
        with pd.option_context("display.width", 100, "display.precision", 4):
            return f"{self._title()}\n{table.to_string(max_rows=20, max_cols=12)}"

    def _repr_html_(self) -> str:
        table = self.summary()
        with pd.option_context("display.precision", 4):
            return f"<p><b>{self._title()}</b></p>" + table.to_html(max_rows=20, max_cols=12)


class MetricResult(Result):
    """A result whose summary is a ``metric`` / ``value`` table: ``result["name"]`` reads one
    value (a ``KeyError`` naming the metrics there are when it is not one of them)."""

    def __getitem__(self, metric: str) -> float:
        table = self.summary()
        row = table.loc[table["metric"] == metric, "value"]
        if row.empty:
            raise KeyError(f"no metric {metric!r}; metrics: {list(table['metric'])}")
        return float(row.iloc[0])
