"""The transaction engine: one door for every outgoing message, and the contact history.

The material describes the transaction engine as the information exchange with every
customer: one interface to all sources, the contact history written back to the information
store, no inundation of customers, and permission marketing. :class:`TransactionEngine` is
that door. Every message — from a campaign, the broadcast engine or a service workflow — goes
through :meth:`TransactionEngine.send`, which

1. blocks every message without consent for its channel at its send time
   (:func:`~ecrm_lab.engines.gate_messages`),
2. applies the frequency cap across all channels, counting what was already sent
   (:func:`~ecrm_lab.engines.frequency_cap`),
3. appends what was sent to the contact history.

Opt-ins and opt-outs go through :meth:`TransactionEngine.record_consent`, so the next send
already respects them.

Examples
--------
>>> import pandas as pd
>>> from ecrm_lab.engines import ConsentLedger
>>> ledger = ConsentLedger.from_events(pd.DataFrame({"customer_id": [1, 2],
...     "channel": ["email", "email"], "action": ["opt_in", "opt_in"],
...     "time": pd.to_datetime(["2024-01-01", "2024-01-01"])}))
>>> engine = TransactionEngine(ledger, max_messages=1, period_days=7.0)
>>> msgs = pd.DataFrame({"customer_id": [1, 1, 2, 3], "channel": "email",
...                      "send_time": pd.to_datetime(["2024-02-05", "2024-02-06",
...                                                   "2024-02-05", "2024-02-05"])})
>>> report = engine.send(msgs)
>>> report.summary()["messages"].to_dict()
{'requested': 4, 'sent': 2, 'blocked: no consent': 1, 'blocked: frequency cap': 1}
>>> engine = engine.record_consent(2, "email", "opt_out", "2024-02-10", "unsubscribe_link")
>>> engine.send(msgs.assign(send_time=pd.Timestamp("2024-02-20"))).sent["customer_id"].tolist()
[1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError
from .broadcast import frequency_cap
from .permission import ConsentLedger, gate_messages

__all__ = ["SendReport", "TransactionEngine"]


@dataclass(frozen=True, repr=False, eq=False)
class SendReport(Result):
    """What one :meth:`TransactionEngine.send` did.

    Attributes
    ----------
    sent : DataFrame
        Messages sent (written to the contact history), with a ``message_id``.
    blocked : DataFrame
        Messages not sent, with ``reason`` (``never opted in``, ``opted out``,
        ``unknown channel``, ``unknown customer`` or ``frequency cap``).
    """

    sent: pd.DataFrame
    blocked: pd.DataFrame
    title = "Send report"

    def summary(self) -> pd.DataFrame:
        consent = int((self.blocked["reason"] != "frequency cap").sum()) if len(self.blocked) else 0
        capped = int((self.blocked["reason"] == "frequency cap").sum()) if len(self.blocked) else 0
        rows = {
            "requested": len(self.sent) + len(self.blocked),
            "sent": len(self.sent),
            "blocked: no consent": consent,
            "blocked: frequency cap": capped,
        }
        return pd.DataFrame({"messages": pd.Series(rows, dtype=np.int64)})

    def by_channel(self) -> pd.DataFrame:
        """Sent and blocked messages per channel and reason."""
        s = self.sent.groupby("channel", observed=True).size().rename("sent")
        b = (
            self.blocked.groupby(["channel", "reason"], observed=True).size().unstack(fill_value=0)
            if len(self.blocked)
            else pd.DataFrame()
        )
        out = pd.concat([s, b], axis=1).fillna(0).astype(np.int64)
        out.index = out.index.astype(str)
        out.index.name = "channel"
        return out

    def plot(self, ax=None, **kwargs):
        from ..plotting.engines import plot_gate
        from .permission import GateResult

        return plot_gate(GateResult(sent=self.sent, blocked=self.blocked), ax=ax, **kwargs)


class TransactionEngine:
    """Consent gate + frequency cap + contact history behind one ``send``.

    Parameters
    ----------
    ledger : ConsentLedger
        The consent history.
    max_messages : int
        Messages allowed per customer and period, all channels together.
    period_days : float
        Length of a capping period.
    history : DataFrame, optional
        Messages already sent (``customer_id``, ``channel``, ``send_time``, ...).

    Attributes
    ----------
    ledger : ConsentLedger
    history : DataFrame
        Every message sent through this engine (and the given history), with ``message_id``.
    """

    def __init__(
        self,
        ledger: ConsentLedger,
        max_messages: int = 2,
        period_days: float = 7.0,
        history: pd.DataFrame | None = None,
    ) -> None:
        where = "TransactionEngine"
        if not isinstance(ledger, ConsentLedger):
            raise DataError(
                f"{where}: ledger must be a ConsentLedger, got {type(ledger).__name__}."
            )
        check_param(max_messages, "max_messages", where, int, interval=Interval(0, None))
        check_param(period_days, "period_days", where, float, interval=Interval(0, None, "neither"))
        self.ledger = ledger
        self.max_messages = max_messages
        self.period_days = float(period_days)
        if history is None:
            history = pd.DataFrame(
                {
                    "message_id": pd.Series(dtype=np.int64),
                    "customer_id": pd.Series(dtype=np.int64),
                    "channel": pd.Series(dtype=object),
                    "send_time": pd.Series(dtype="datetime64[ns]"),
                }
            )
        else:
            check_columns(history, ["customer_id", "channel", "send_time"], where)
            history = history.reset_index(drop=True).copy()
            if "message_id" not in history.columns:
                history.insert(0, "message_id", np.arange(1, len(history) + 1, dtype=np.int64))
        self.history = history

    def record_consent(
        self,
        customer_id: Any,
        channel: Any,
        action: Any,
        time: Any,
        source: Any = "preference_centre",
    ) -> TransactionEngine:
        """Record opt-in / opt-out events; returns the engine (for chaining)."""
        self.ledger = self.ledger.record(customer_id, channel, action, time, source)
        return self

    def send(self, messages: pd.DataFrame) -> SendReport:
        """Send what may be sent; report everything.

        ``messages`` needs ``customer_id``, ``channel`` and ``send_time``; other columns
        (``offer``, ``campaign``, ``priority``...) are kept.
        """
        where = "TransactionEngine.send"
        if not isinstance(messages, pd.DataFrame):
            raise DataError(
                f"{where}: messages must be a DataFrame, got {type(messages).__name__}."
            )
        check_columns(messages, ["customer_id", "channel", "send_time"], where)
        gate = gate_messages(messages, self.ledger)
        cap = frequency_cap(
            gate.sent,
            self.max_messages,
            self.period_days,
            history=self.history if len(self.history) else None,
        )
        sent = cap.kept.reset_index(drop=True)
        start = int(self.history["message_id"].max()) + 1 if len(self.history) else 1
        sent.insert(0, "message_id", np.arange(start, start + len(sent), dtype=np.int64))
        blocked = pd.concat([gate.blocked, cap.dropped], ignore_index=True)
        parts = [h for h in (self.history, sent) if len(h)]
        self.history = pd.concat(parts, ignore_index=True) if parts else self.history
        return SendReport(sent=sent, blocked=blocked)
