"""Permission marketing: consent per channel, its history, and the message gate.

Consent is kept as an append-only ledger of events (:class:`ConsentLedger`): every opt-in and
opt-out of a customer for a channel (``email``, ``sms``, ``phone``, ``post``) with its time
and source (sign-up form, preference centre, unsubscribe link, complaint...). The consent of a
customer for a channel at any moment is the action of the latest event at or before that
moment; without any event there is no consent (opt-in marketing).

:func:`gate_messages` is the only door through which a message leaves: it checks each message
against the ledger *at the message's send time* and blocks every message for a channel
without consent (and, failing closed, every message for an unknown channel or customer).

Examples
--------
>>> import pandas as pd
>>> ledger = ConsentLedger.from_events(pd.DataFrame({
...     "customer_id": [1, 1, 2], "channel": ["email", "email", "sms"],
...     "action": ["opt_in", "opt_out", "opt_in"],
...     "time": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-01"]),
...     "source": ["sign_up", "unsubscribe_link", "sign_up"]}))
>>> ledger.state(at="2024-02-01").reset_index()[["customer_id", "consent_email", "consent_sms"]]
   customer_id  consent_email  consent_sms
0            1           True        False
1            2          False         True
>>> msgs = pd.DataFrame({"customer_id": [1, 1, 2], "channel": ["email", "email", "email"],
...                      "send_time": pd.to_datetime(["2024-02-01", "2024-04-01", "2024-02-01"])})
>>> gate = gate_messages(msgs, ledger)
>>> gate.sent[["customer_id", "send_time"]]
   customer_id  send_time
0            1 2024-02-01
>>> gate.blocked["reason"].tolist()
['opted out', 'never opted in']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import check_columns, check_param
from ..exceptions import DataError
from ._common import CONSENT_COLUMNS, CONTACT_CHANNELS

__all__ = [
    "CONSENT_ACTIONS",
    "ConsentLedger",
    "GateResult",
    "gate_messages",
]

#: the two things a customer can do with a permission
CONSENT_ACTIONS: tuple[str, ...] = ("opt_in", "opt_out")

_EVENT_COLUMNS = ("event_id", "customer_id", "channel", "action", "time", "source")


def _to_time(values: Any, where: str, what: str) -> pd.Series:
    try:
        t = pd.to_datetime(pd.Series(values), errors="raise")
    except (ValueError, TypeError) as exc:
        raise DataError(f"{where}: {what} must be dates/times: {exc}") from None
    if t.dt.tz is not None:
        t = t.dt.tz_convert(None)
    t = t.astype("datetime64[ns]")
    if t.isna().any():
        raise DataError(f"{where}: {what} has {int(t.isna().sum())} missing times.")
    return t


def _check_events(events: pd.DataFrame, where: str) -> pd.DataFrame:
    check_columns(events, ["customer_id", "channel", "action", "time"], where)
    ev = pd.DataFrame(
        {
            "customer_id": pd.to_numeric(events["customer_id"], errors="coerce"),
            "channel": events["channel"].astype("string"),
            "action": events["action"].astype("string"),
            "time": _to_time(events["time"].to_numpy(), where, "column 'time'").to_numpy(),
            "source": (
                events["source"].astype("string").fillna("unknown")
                if "source" in events.columns
                else pd.Series("unknown", index=events.index, dtype="string")
            ),
        }
    )
    if ev["customer_id"].isna().any():
        raise DataError(f"{where}: column 'customer_id' has missing or non-numeric values.")
    bad_ch = ~ev["channel"].isin(CONTACT_CHANNELS)
    if bad_ch.any():
        raise DataError(
            f"{where}: column 'channel' has {int(bad_ch.sum())} values that are not a contact "
            f"channel (for example {ev['channel'][bad_ch].iloc[0]!r}); use one of "
            f"{CONTACT_CHANNELS}."
        )
    bad_act = ~ev["action"].isin(CONSENT_ACTIONS)
    if bad_act.any():
        raise DataError(
            f"{where}: column 'action' has {int(bad_act.sum())} values other than 'opt_in' / "
            f"'opt_out' (for example {ev['action'][bad_act].iloc[0]!r})."
        )
    ev["customer_id"] = ev["customer_id"].astype(np.int64)
    ev["channel"] = pd.Categorical(ev["channel"].astype(str), categories=CONTACT_CHANNELS)
    ev["action"] = pd.Categorical(ev["action"].astype(str), categories=CONSENT_ACTIONS)
    return ev


@dataclass(frozen=True, repr=False, eq=False)
class ConsentLedger(Result):
    """The append-only history of opt-in and opt-out events.

    Attributes
    ----------
    events : DataFrame
        ``event_id``, ``customer_id``, ``channel``, ``action`` (``opt_in`` / ``opt_out``),
        ``time``, ``source``; ordered by time (then event id).

    Build it with :meth:`from_events` or :meth:`from_flags`; add events with :meth:`record`
    (which returns a new ledger: the history is never rewritten).
    """

    events: pd.DataFrame
    title = "Consent ledger"

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_events(cls, events: pd.DataFrame) -> ConsentLedger:
        """A ledger from a table of events (``customer_id``, ``channel``, ``action``, ``time``
        and optionally ``source``, ``event_id``)."""
        where = "ConsentLedger.from_events"
        if not isinstance(events, pd.DataFrame):
            raise DataError(f"{where}: events must be a DataFrame, got {type(events).__name__}.")
        ev = _check_events(events, where)
        if "event_id" in events.columns:
            ids = pd.to_numeric(events["event_id"], errors="coerce")
            if ids.isna().any() or ids.duplicated().any():
                raise DataError(f"{where}: column 'event_id' must hold unique integers.")
            ev.insert(0, "event_id", ids.to_numpy(dtype=np.int64))
        else:
            ev.insert(0, "event_id", np.arange(1, len(ev) + 1, dtype=np.int64))
        return cls(cls._ordered(ev))

    @classmethod
    def from_flags(
        cls,
        customers: pd.DataFrame,
        time_col: str | None = "acquisition_date",
        default_time: Any = "1970-01-01",
        source: str = "sign_up",
        record_declines: bool = True,
    ) -> ConsentLedger:
        """A ledger from consent flags (``consent_email``, ``consent_sms``, ...) of a
        customer table: one ``opt_in`` event per granted permission at ``time_col`` (e.g. the
        sign-up date) and, with ``record_declines``, one ``opt_out`` per declined one.

        Only the channels with a ``consent_<channel>`` column are recorded.
        """
        where = "ConsentLedger.from_flags"
        check_columns(customers, ["customer_id"], where)
        check_param(record_declines, "record_declines", where, bool)
        check_param(source, "source", where, str)
        present = [ch for ch in CONTACT_CHANNELS if CONSENT_COLUMNS[ch] in customers.columns]
        if not present:
            raise DataError(
                f"{where}: no consent column found; expected some of "
                f"{tuple(CONSENT_COLUMNS.values())}."
            )
        if time_col is not None:
            check_columns(customers, [time_col], where)
            t = pd.to_datetime(customers[time_col]).astype("datetime64[ns]")
            t = t.fillna(pd.Timestamp(default_time)).to_numpy()
        else:
            t = np.full(len(customers), pd.Timestamp(default_time).as_unit("ns").to_datetime64())
        ids = pd.to_numeric(customers["customer_id"]).to_numpy(dtype=np.int64)
        parts = []
        for ch in present:
            flag = customers[CONSENT_COLUMNS[ch]].fillna(False).to_numpy(dtype=bool)
            keep = np.ones(len(flag), bool) if record_declines else flag
            parts.append(
                pd.DataFrame(
                    {
                        "customer_id": ids[keep],
                        "channel": ch,
                        "action": np.where(flag[keep], "opt_in", "opt_out"),
                        "time": t[keep],
                        "source": np.where(flag[keep], source, f"{source}_declined"),
                    }
                )
            )
        events = pd.concat(parts, ignore_index=True)
        events = events.sort_values(["time", "customer_id"], kind="stable", ignore_index=True)
        return cls.from_events(events)

    @staticmethod
    def _ordered(ev: pd.DataFrame) -> pd.DataFrame:
        ev = ev.sort_values(["time", "event_id"], kind="stable", ignore_index=True)
        return ev[list(_EVENT_COLUMNS)]

    def record(
        self,
        customer_id: Any,
        channel: Any,
        action: Any,
        time: Any,
        source: Any = "preference_centre",
    ) -> ConsentLedger:
        """A new ledger with these events appended (scalars or arrays of one length)."""
        where = "ConsentLedger.record"
        ids = np.atleast_1d(np.asarray(customer_id))
        n = len(ids)
        new = pd.DataFrame(
            {
                "customer_id": ids,
                "channel": np.broadcast_to(np.asarray(channel, dtype=object), (n,)),
                "action": np.broadcast_to(np.asarray(action, dtype=object), (n,)),
                "time": _to_time(
                    np.broadcast_to(np.asarray(time, dtype=object), (n,)), where, "time"
                ).to_numpy(),
                "source": np.broadcast_to(np.asarray(source, dtype=object), (n,)),
            }
        )
        ev = _check_events(new, where)
        start = int(self.events["event_id"].max()) + 1 if len(self.events) else 1
        ev.insert(0, "event_id", np.arange(start, start + n, dtype=np.int64))
        both = pd.concat([self.events, ev], ignore_index=True)
        both["channel"] = pd.Categorical(both["channel"].astype(str), categories=CONTACT_CHANNELS)
        both["action"] = pd.Categorical(both["action"].astype(str), categories=CONSENT_ACTIONS)
        return ConsentLedger(self._ordered(both))

    # -- questions --------------------------------------------------------------------------
    def _latest(self, at: Any) -> pd.DataFrame:
        ev = self.events
        if at is not None:
            cut = pd.Timestamp(at)
            ev = ev[ev["time"] <= cut]
        return ev.drop_duplicates(["customer_id", "channel"], keep="last")

    def state(self, at: Any = None, customer_ids: Any = None) -> pd.DataFrame:
        """Consent per customer and channel at time ``at`` (the latest state by default).

        Returns a DataFrame indexed by ``customer_id`` with bool columns ``consent_email``,
        ``consent_sms``, ``consent_phone``, ``consent_post``; customers without any event
        (or listed in ``customer_ids`` but unknown) have no consent.
        """
        last = self._latest(at)
        granted = last[last["action"] == "opt_in"]
        ids = (
            np.unique(self.events["customer_id"].to_numpy())
            if customer_ids is None
            else np.asarray(customer_ids, dtype=np.int64)
        )
        out = pd.DataFrame(index=pd.Index(ids, name="customer_id"))
        for ch in CONTACT_CHANNELS:
            who = granted.loc[granted["channel"] == ch, "customer_id"].to_numpy()
            out[CONSENT_COLUMNS[ch]] = np.isin(ids, who)
        return out

    def has_consent(self, customer_id: Any, channel: Any, at: Any) -> np.ndarray:
        """For each (customer, channel, time): was there consent at that time?

        Vectorised as-of lookup (``pandas.merge_asof``); unknown channels and customers give
        False.
        """
        ids = np.atleast_1d(np.asarray(customer_id))
        n = len(ids)
        q = pd.DataFrame(
            {
                "customer_id": pd.to_numeric(pd.Series(ids), errors="coerce"),
                "channel": pd.Series(
                    np.broadcast_to(np.asarray(channel, dtype=object), (n,))
                ).astype("string"),
                "time": _to_time(
                    np.broadcast_to(np.asarray(at, dtype=object), (n,)),
                    "ConsentLedger.has_consent",
                    "time",
                ).to_numpy(),
                "_row": np.arange(n),
            }
        )
        valid = q["customer_id"].notna() & q["channel"].isin(CONTACT_CHANNELS)
        out = np.zeros(n, dtype=bool)
        if not valid.any() or len(self.events) == 0:
            return out
        qv = q[valid].copy()
        qv["customer_id"] = qv["customer_id"].astype(np.int64)
        qv["channel"] = qv["channel"].astype(str)
        ev = self.events[["customer_id", "channel", "time", "action", "event_id"]].copy()
        ev["channel"] = ev["channel"].astype(str)
        ev["granted"] = (ev["action"] == "opt_in").to_numpy()
        ev = ev.sort_values(["time", "event_id"], kind="stable")
        merged = pd.merge_asof(
            qv.sort_values("time", kind="stable"),
            ev[["customer_id", "channel", "time", "granted"]],
            on="time",
            by=["customer_id", "channel"],
            direction="backward",
            allow_exact_matches=True,
        )
        got = merged["granted"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        out[merged["_row"].to_numpy()] = got
        return out

    def history(self, customer_id: int) -> pd.DataFrame:
        """Every consent event of one customer, in time order."""
        ev = self.events[self.events["customer_id"] == int(customer_id)]
        return ev.reset_index(drop=True)

    def over_time(self, freq: str = "MS", start: Any = None, end: Any = None) -> pd.DataFrame:
        """Customers with consent per channel at each period start (``freq`` as in pandas)."""
        if not len(self.events):
            raise DataError("ConsentLedger.over_time: the ledger is empty.")
        start = pd.Timestamp(start) if start is not None else self.events["time"].min()
        end = pd.Timestamp(end) if end is not None else self.events["time"].max()
        dates = pd.date_range(start, end, freq=freq)
        if len(dates) == 0:
            dates = pd.DatetimeIndex([end])
        rows = [self.state(at=d).sum().rename(d) for d in dates]
        table = pd.DataFrame(rows)
        table.index.name = "date"
        return table

    # -- Result -----------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Per channel: opt-in and opt-out events, and customers with consent now."""
        ev = self.events
        now = self.state()
        n = max(len(now), 1)
        rows = []
        for ch in CONTACT_CHANNELS:
            e = ev[ev["channel"] == ch]
            rows.append(
                {
                    "channel": ch,
                    "opt_in_events": int((e["action"] == "opt_in").sum()),
                    "opt_out_events": int((e["action"] == "opt_out").sum()),
                    "consenting_now": int(now[CONSENT_COLUMNS[ch]].sum()),
                    "consenting_share": float(now[CONSENT_COLUMNS[ch]].sum() / n),
                }
            )
        return pd.DataFrame(rows).set_index("channel")

    def plot(self, ax=None, **kwargs):
        from ..plotting.engines import plot_consent

        return plot_consent(self, ax=ax, **kwargs)


# ---------------------------------------------------------------------------------------------
# the gate
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class GateResult(Result):
    """What :func:`gate_messages` let through and what it stopped.

    Attributes
    ----------
    sent : DataFrame
        The messages with consent at their send time (input columns, input order).
    blocked : DataFrame
        The other messages, with a ``reason``: ``never opted in``, ``opted out``,
        ``unknown channel`` or ``unknown customer``.
    """

    sent: pd.DataFrame
    blocked: pd.DataFrame
    title = "Message gate (permission marketing)"

    def summary(self) -> pd.DataFrame:
        """Messages sent and blocked per channel, with the reasons for blocking."""
        sent = self.sent.groupby("channel", observed=True).size().rename("sent")
        blocked = self.blocked.groupby("channel", observed=True).size().rename("blocked")
        table = pd.concat([sent, blocked], axis=1).fillna(0).astype(np.int64)
        reasons = (
            self.blocked.groupby(["channel", "reason"], observed=True).size().unstack(fill_value=0)
            if len(self.blocked)
            else pd.DataFrame(index=table.index)
        )
        table = table.join(reasons, how="left").fillna(0)
        table.index = table.index.astype(str)
        table.index.name = "channel"
        return table.astype(np.int64)

    def plot(self, ax=None, **kwargs):
        from ..plotting.engines import plot_gate

        return plot_gate(self, ax=ax, **kwargs)


def gate_messages(
    messages: pd.DataFrame,
    ledger: ConsentLedger,
    time_col: str = "send_time",
    customer_col: str = "customer_id",
    channel_col: str = "channel",
) -> GateResult:
    """Let through only the messages whose customer consented to the channel at send time.

    Parameters
    ----------
    messages : DataFrame
        One row per message with the customer, the channel and the send time.
    ledger : ConsentLedger
    time_col, customer_col, channel_col : str
        Column names in ``messages``.

    Returns
    -------
    GateResult
        ``sent`` holds exactly the messages with consent; everything else is in ``blocked``
        with its reason. It fails closed: an unknown channel or customer is blocked.
    """
    where = "gate_messages"
    if not isinstance(ledger, ConsentLedger):
        raise DataError(f"{where}: ledger must be a ConsentLedger, got {type(ledger).__name__}.")
    if not isinstance(messages, pd.DataFrame):
        raise DataError(f"{where}: messages must be a DataFrame, got {type(messages).__name__}.")
    check_columns(messages, [customer_col, channel_col, time_col], where)
    msgs = messages.reset_index(drop=True)
    ok = ledger.has_consent(
        msgs[customer_col].to_numpy(),
        msgs[channel_col].astype(object).to_numpy(),
        msgs[time_col].to_numpy(),
    )
    blocked = msgs[~ok].copy()
    if len(blocked):
        ch = blocked[channel_col].astype("string")
        known_ch = ch.isin(CONTACT_CHANNELS).fillna(False).to_numpy(dtype=bool)
        ids = pd.to_numeric(blocked[customer_col], errors="coerce")
        known_id = ids.isin(ledger.events["customer_id"]).to_numpy()
        # ever opted in / out before send time?
        any_event = _had_event(ledger, ids, ch, blocked[time_col])
        reason = np.where(
            ~known_ch,
            "unknown channel",
            np.where(
                ~known_id, "unknown customer", np.where(any_event, "opted out", "never opted in")
            ),
        )
        blocked["reason"] = reason
    else:
        blocked["reason"] = pd.Series(dtype="string")
    return GateResult(sent=msgs[ok].copy(), blocked=blocked)


def _had_event(ledger: ConsentLedger, ids: pd.Series, channel: pd.Series, times: pd.Series):
    """Whether the customer had an explicit opt-in event for the channel before ``times``
    (a later opt-out then explains the block)."""
    ins = ledger.events[ledger.events["action"] == "opt_in"]
    first_in = ins.groupby(["customer_id", "channel"], observed=True)["time"].min()
    key = pd.MultiIndex.from_arrays(
        [ids.fillna(-1).astype(np.int64).to_numpy(), channel.fillna("").astype(str).to_numpy()]
    )
    first_in.index = pd.MultiIndex.from_arrays(
        [first_in.index.get_level_values(0), first_in.index.get_level_values(1).astype(str)]
    )
    t0 = first_in.reindex(key).to_numpy()
    t = pd.to_datetime(times).to_numpy()
    return ~pd.isna(t0) & (t0 <= t)
