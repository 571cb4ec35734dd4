"""The marts as DataFrames: the customer 360 view, the click-stream mart, the campaign mart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..exceptions import InvalidParameterError
from .db import query

__all__ = ["customer_360", "clickstream_mart", "campaign_mart"]


def _ids(customer_ids: Sequence[int] | None) -> list[int] | None:
    if customer_ids is None:
        return None
    if isinstance(customer_ids, str | bytes) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in customer_ids
    ):
        try:
            return [int(c) for c in customer_ids]
        except (TypeError, ValueError):
            raise InvalidParameterError(
                "The 'customer_ids' parameter of customer_360 must be a list of ints or None. "
                f"Got {customer_ids!r} instead."
            ) from None
    return list(customer_ids)


def customer_360(db: Any, customer_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """The single view of the customer (``mart_customer_360``), ordered by customer id.

    Parameters
    ----------
    db : path, connection or Warehouse
        A built warehouse.
    customer_ids : sequence of int, optional
        Only these customers (default: all).
    """
    ids = _ids(customer_ids)
    if ids is None:
        return query(db, "SELECT * FROM mart_customer_360 ORDER BY customer_id")
    if not ids:
        return query(db, "SELECT * FROM mart_customer_360 WHERE FALSE")
    marks = ", ".join("?" for _ in ids)
    return query(
        db,
        f"SELECT * FROM mart_customer_360 WHERE customer_id IN ({marks}) ORDER BY customer_id",
        ids,
    )


def clickstream_mart(db: Any) -> pd.DataFrame:
    """One row per web session (``mart_clickstream``), ordered by session id."""
    return query(db, "SELECT * FROM mart_clickstream ORDER BY session_id")


def campaign_mart(db: Any) -> pd.DataFrame:
    """One row per campaign (``mart_campaign``), ordered by campaign id."""
    return query(db, "SELECT * FROM mart_campaign ORDER BY campaign_id")
