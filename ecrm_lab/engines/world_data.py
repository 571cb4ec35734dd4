"""The engines' view of a synthetic world (or a saved one) at a cut-off date.

The engines themselves work on any customer table; this module builds their inputs from the
OBSERVED tables of an :class:`ecrm_lab.world.World` — never from the truth:

* :func:`customer_view` — the customer 360 view as of a date: demographics, tenure, consent,
  holdings (bank) or categories bought (retail), balances, recent transactions / orders,
  service requests and campaign responses, and — for customers who log in — their recent
  product page views;
* :func:`owned_matrix` / :func:`heldout_matrix` — what each customer held / had bought at the
  cut-off, and what they newly took up after it (the held-out purchases);
* :func:`offer_data` — all of it at once, for a time-split evaluation of the offer engines;
* :func:`consent_ledger`, :func:`email_bounces`, :func:`contact_profile` — inputs of the
  broadcast and transaction engines;
* :func:`default_rules` — a readable rule set per domain for the :class:`RuleEngine`;
* :func:`warehouse_view` — the warehouse's customer 360 mart as a view for the engines.

The items are the world's bank product codes or retail category codes (the level at which
the latent affinities are planted), so every engine can be compared with the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError
from ._common import CONTACT_CHANNELS, InteractionMatrix, interaction_matrix
from .permission import ConsentLedger
from .personalization import (
    AffinityOracle,
    HybridRanker,
    ItemItemCF,
    OfferEngine,
    OfferEvaluation,
    Offers,
    PopularityRecommender,
    PropensityRecommender,
    Rule,
    RuleEngine,
    ValueWeighted,
    evaluate_offers,
)

__all__ = [
    "OfferData",
    "customer_view",
    "owned_matrix",
    "heldout_matrix",
    "offer_data",
    "consent_ledger",
    "email_bounces",
    "contact_profile",
    "session_customers",
    "default_rules",
    "HOLDING_AGGREGATES",
    "default_engines",
    "EngineComparison",
    "compare_engines",
    "offer_values",
    "addressable",
    "mailing_plans",
    "recent_visitors",
    "warehouse_view",
]

#: view columns computed from the holdings themselves: a look-alike model of one item must not
#: see them (the number of items held gives a holding away once the others are known)
HOLDING_AGGREGATES: tuple[str, ...] = ("n_items", "deposits", "debt")

#: where a service request's channel points to among contact channels
_SERVICE_TO_CONTACT = {
    "email": "email",
    "web_self_service": "email",
    "chat": "email",
    "phone": "phone",
    "branch": "post",
    "store": "post",
}
#: the e-mail domains that exist in the synthetic world (its 'internet')
_DAY = pd.Timedelta(days=1)


def _domain(world: Any) -> str:
    meta = getattr(world, "meta", None)
    if not isinstance(meta, dict) or meta.get("domain") not in ("bank", "retail"):
        raise DataError("expected a World from ecrm_lab.world.generate or load_world.")
    return meta["domain"]


def _items(domain: str) -> tuple[str, ...]:
    from ..world.catalogue import affinity_codes

    return affinity_codes(domain)


def _end(world: Any) -> pd.Timestamp:
    return pd.Timestamp(world.meta["end"])


def _at(world: Any, at: Any, where: str) -> pd.Timestamp:
    start, end = pd.Timestamp(world.meta["start"]), _end(world)
    if at is None:
        return end
    try:
        ts = pd.Timestamp(at)
    except (ValueError, TypeError):
        raise DataError(f"{where}: 'at' must be a date, got {at!r}.") from None
    if not start <= ts <= end:
        raise DataError(
            f"{where}: 'at' = {ts.date()} is outside the world's horizon "
            f"[{start.date()}, {end.date()}]."
        )
    return ts


def _holdings_frame(world: Any, domain: str) -> pd.DataFrame:
    """(customer_id, item, start, end) of every holding / purchase."""
    if domain == "bank":
        a = world["accounts"]
        return pd.DataFrame(
            {
                "customer_id": a["customer_id"].to_numpy(np.int64),
                "item": a["product_code"].astype(str).to_numpy(),
                "start": a["open_date"].to_numpy("datetime64[ns]"),
                "end": a["close_date"].to_numpy("datetime64[ns]"),
            }
        )
    lines = _retail_lines(world)
    return pd.DataFrame(
        {
            "customer_id": lines["customer_id"].to_numpy(np.int64),
            "item": lines["category"].astype(str).to_numpy(),
            "start": lines["order_date"].to_numpy("datetime64[ns]"),
            "end": np.full(len(lines), np.datetime64("NaT"), dtype="datetime64[ns]"),
        }
    )


def _retail_lines(world: Any) -> pd.DataFrame:
    o, li, p = world["orders"], world["order_lines"], world["products"]
    cat = pd.Series(p["category"].astype(str).to_numpy(), index=p["product_code"].astype(str))
    order = o.set_index("order_id")
    lines = pd.DataFrame(
        {
            "order_id": li["order_id"].to_numpy(np.int64),
            "category": cat.reindex(li["product_code"].astype(str)).to_numpy(),
            "line_value": li["line_value"].to_numpy(np.float64),
        }
    )
    lines["customer_id"] = order["customer_id"].reindex(lines["order_id"]).to_numpy(np.int64)
    lines["order_date"] = order["order_date"].reindex(lines["order_id"]).to_numpy()
    return lines


def _in_scope(world: Any, domain: str, at: pd.Timestamp) -> np.ndarray:
    """Customers of the business at ``at``: acquired by then and (bank) with an open account."""
    c = world["customers"]
    ids = c.loc[c["acquisition_date"] <= at, "customer_id"].to_numpy(np.int64)
    if domain == "bank":
        a = world["accounts"]
        open_now = (a["open_date"] <= at) & (a["close_date"].isna() | (a["close_date"] > at))
        ids = np.intersect1d(ids, a.loc[open_now, "customer_id"].to_numpy(np.int64))
    return np.sort(ids)


def owned_matrix(world: Any, at: Any = None, customer_ids: Any = None) -> InteractionMatrix:
    """What each customer holds (bank: open accounts) or has bought (retail: categories) at
    ``at`` (the end of the horizon by default). Rows: ``customer_ids`` (by default the
    customers of the business at ``at``); columns: the domain's product / category codes."""
    where = "owned_matrix"
    domain = _domain(world)
    at = _at(world, at, where)
    ids = (
        _in_scope(world, domain, at)
        if customer_ids is None
        else np.sort(np.asarray(customer_ids, dtype=np.int64))
    )
    h = _holdings_frame(world, domain)
    held = (h["start"] <= at) & (h["end"].isna() | (h["end"] > at))
    h = h[held & h["customer_id"].isin(ids)]
    return interaction_matrix(h, customer_ids=ids, items=_items(domain))


def heldout_matrix(world: Any, at: Any, customer_ids: Any = None) -> InteractionMatrix:
    """What the customers newly took up after ``at`` (until the end of the horizon): products
    opened (bank) or categories bought (retail) that they did not hold / had not bought at
    ``at``. Rows: as in :func:`owned_matrix`."""
    where = "heldout_matrix"
    domain = _domain(world)
    at = _at(world, at, where)
    before = owned_matrix(world, at, customer_ids)
    h = _holdings_frame(world, domain)
    later = h[(h["start"] > at) & h["customer_id"].isin(before.customer_ids)]
    after = interaction_matrix(later, customer_ids=before.customer_ids, items=before.items)
    return after.minus(before)


# ---------------------------------------------------------------------------------------------
# the customer 360 view
# ---------------------------------------------------------------------------------------------
def _window(df: pd.DataFrame, col: str, at: pd.Timestamp, days: float | None) -> pd.DataFrame:
    t = df[col]
    sel = t <= at
    if days is not None:
        sel &= t > at - pd.Timedelta(days=days)
    return df[sel]


def _count_by(df: pd.DataFrame, ids: pd.Index, key: str = "customer_id") -> pd.Series:
    return df.groupby(key).size().reindex(ids, fill_value=0).astype(np.int64)


def session_customers(world: Any) -> pd.DataFrame:
    """Which customer each web session belongs to, from OBSERVED keys only.

    A session is linked when the visitor clicked a campaign link carrying the CRM key
    (``link_customer_ref``, ``'C'`` + the customer number) or logged in to a web account
    (``web_user_id``) that the web-shop extract links to a customer — by the CRM number
    recorded at onboarding or, failing that, by a unique match of the normalised e-mail
    address. Anonymous sessions stay unlinked (identity resolution across cookies is the
    warehouse's job). Returns ``session_id``, ``customer_id``.
    """
    s = world["web_sessions"]
    known = pd.Index(world["customers"]["customer_id"].to_numpy(np.int64))
    parts = []
    if "link_customer_ref" in s.columns:
        ref = s["link_customer_ref"].astype("string").str.extract(r"^C(\d+)$", expand=False)
        cust = pd.to_numeric(ref, errors="coerce")
        ok = (cust.notna() & cust.isin(known)).to_numpy(dtype=bool)
        parts.append(
            pd.DataFrame(
                {
                    "session_id": s["session_id"].to_numpy(np.int64)[ok],
                    "customer_id": cust[ok].to_numpy(np.int64),
                }
            )
        )
    accounts = _web_account_owners(world, known)
    if accounts is not None and "web_user_id" in s.columns:
        cust = accounts.reindex(s["web_user_id"].astype("string").fillna("")).to_numpy()
        ok = ~pd.isna(cust)
        parts.append(
            pd.DataFrame(
                {
                    "session_id": s["session_id"].to_numpy(np.int64)[ok],
                    "customer_id": cust[ok].astype(np.int64),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {"session_id": pd.Series(dtype=np.int64), "customer_id": pd.Series(dtype=np.int64)}
        )
    both = pd.concat(parts, ignore_index=True).drop_duplicates("session_id", keep="first")
    return both.sort_values("session_id", ignore_index=True)


def _normal_email(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.lower()


def _web_account_owners(world: Any, known: pd.Index) -> pd.Series | None:
    """web_user_id -> customer_id from the web-shop extract (CRM number, else e-mail)."""
    web = world.tables.get("raw_web_customers")
    if web is None or "web_user_id" not in web.columns:
        return None
    n = len(web)
    owner = np.full(n, np.nan)
    if "crm_customer_no" in web.columns:
        no = pd.to_numeric(web["crm_customer_no"].astype("string").str.strip(), errors="coerce")
        owner = np.where(no.isin(known).to_numpy(dtype=bool), no.to_numpy(np.float64), np.nan)
    if "email" in web.columns:
        cust = world["customers"]
        mail = _normal_email(cust["email"])
        by_mail = pd.Series(cust["customer_id"].to_numpy(np.float64), index=mail)
        by_mail = by_mail[by_mail.index.notna() & ~by_mail.index.duplicated(keep=False)]
        matched = by_mail.reindex(_normal_email(web["email"]).fillna("")).to_numpy(np.float64)
        owner = np.where(np.isnan(owner), matched, owner)
    out = pd.Series(owner, index=pd.Index(web["web_user_id"].astype("string")))
    out = out[out.notna() & ~out.index.duplicated(keep="first")]
    return out.astype(np.int64)


def _page_view_features(
    world: Any, domain: str, ids: pd.Index, at: pd.Timestamp, days: float
) -> pd.DataFrame:
    """Product pages viewed per item in the last ``days`` days, and FAQ/support views."""
    items = _items(domain)
    out = pd.DataFrame(
        0,
        index=ids,
        columns=[f"views_{it}_{int(days)}d" for it in items] + [f"help_views_{int(days)}d"],
        dtype=np.int64,
    )
    if "web_sessions" not in world.tables or "page_views" not in world.tables:
        return out
    owners = session_customers(world)
    if owners.empty:
        return out
    pv = world["page_views"]
    pv = _window(pv, "viewed_at", at, days)
    pv = pv.merge(owners, on="session_id", how="inner")
    pv = pv[pv["customer_id"].isin(ids)]
    if domain == "retail":
        p = world["products"]
        cat = pd.Series(p["category"].astype(str).to_numpy(), index=p["product_code"].astype(str))
        item = cat.reindex(pv["product_code"].astype("string").fillna("")).to_numpy()
    else:
        item = pv["product_code"].astype("string").to_numpy(dtype=object)
    prod = pd.DataFrame({"customer_id": pv["customer_id"].to_numpy(), "item": item})
    prod = prod[prod["item"].isin(items)]
    counts = prod.groupby(["customer_id", "item"]).size().unstack(fill_value=0)
    for it in items:
        if it in counts.columns:
            out[f"views_{it}_{int(days)}d"] = counts[it].reindex(ids, fill_value=0).to_numpy()
    helpful = pv[pv["page_type"].astype(str).isin(["faq", "support", "tracking"])]
    out[f"help_views_{int(days)}d"] = _count_by(helpful, ids).to_numpy()
    return out


def customer_view(world: Any, at: Any = None, window_days: int = 90) -> pd.DataFrame:
    """The customer 360 view as of ``at``, built from the world's observed tables.

    One row per customer of the business at ``at`` (index ``customer_id``). Columns:

    * ``age``, ``tenure_months``, ``gender``, ``region``, ``acquisition_channel``,
      ``income_band`` (bank) / ``loyalty_member`` (retail), ``has_email``, ``has_phone``,
      ``consent_email`` ... ``consent_post``;
    * ``holds_<item>`` and ``n_items`` (bank: products held; retail: categories ever bought);
    * bank: ``deposits`` (balances of current, savings and investment accounts), ``debt``
      (loans and mortgage), ``n_tx_<w>d``, ``spend_<w>d``, ``income_<w>d``, ``abroad_share``,
      ``online_share``, ``days_since_activity``;
    * retail: ``n_orders``, ``spend_total``, ``avg_order_value``, ``orders_<w>d``,
      ``spend_<w>d``, ``online_share``, ``promo_share``, ``days_since_activity``;
    * ``requests_180d``, ``complaints_180d``, ``open_requests``;
    * ``campaign_contacts``, ``campaign_clicks``, ``campaign_take_ups`` (before ``at``);
    * ``views_<item>_<w>d`` (product pages viewed by customers who logged in or clicked a
      campaign link) and ``help_views_<w>d`` (FAQ, support and tracking pages).

    ``<w>`` is ``window_days``.
    """
    where = "customer_view"
    domain = _domain(world)
    at = _at(world, at, where)
    check_param(window_days, "window_days", where, int, interval=Interval(1, 3650))
    w = window_days
    ids = pd.Index(_in_scope(world, domain, at), name="customer_id")
    if len(ids) == 0:
        raise DataError(f"{where}: nobody was a customer at {at.date()}.")
    c = world["customers"].set_index("customer_id").loc[ids]
    view = pd.DataFrame(index=ids)
    view["age"] = ((at - c["birth_date"]) / pd.Timedelta(days=365.25)).to_numpy().round(1)
    view["tenure_months"] = (
        ((at - c["acquisition_date"]) / pd.Timedelta(days=30.4375)).to_numpy().round(1)
    )
    for col in ("gender", "region", "acquisition_channel", "income_band", "loyalty_member"):
        if col in c.columns:
            view[col] = c[col].to_numpy()
    view["has_email"] = c["email"].notna().to_numpy()
    view["has_phone"] = c["phone"].notna().to_numpy()
    for ch in CONTACT_CHANNELS:
        view[f"consent_{ch}"] = c[f"consent_{ch}"].to_numpy(dtype=bool)

    owned = owned_matrix(world, at, ids.to_numpy())
    held = owned.dense_bool()
    for j, it in enumerate(owned.items):
        view[f"holds_{it}"] = held[:, j]
    view["n_items"] = held.sum(axis=1)

    if domain == "bank":
        a = world["accounts"]
        a = a[(a["open_date"] <= at) & (a["close_date"].isna() | (a["close_date"] > at))]
        dep = a[a["product_code"].isin(["current_account", "savings_account", "investment_fund"])]
        debt = a[a["product_code"].isin(["personal_loan", "mortgage"])]
        view["deposits"] = dep.groupby("customer_id")["balance"].sum().reindex(ids, fill_value=0.0)
        view["debt"] = (
            debt.groupby("customer_id")["balance"].sum().abs().reindex(ids, fill_value=0.0)
        )
        tx = _window(world["transactions"], "timestamp", at, w)
        g = tx.groupby("customer_id")
        view[f"n_tx_{w}d"] = g.size().reindex(ids, fill_value=0).astype(np.int64)
        amt = tx["amount"]
        view[f"spend_{w}d"] = (
            (-amt.clip(upper=0)).groupby(tx["customer_id"]).sum().reindex(ids, fill_value=0.0)
        )
        view[f"income_{w}d"] = (
            amt.clip(lower=0).groupby(tx["customer_id"]).sum().reindex(ids, fill_value=0.0)
        )
        abroad = (tx["country"].astype(str) != "GB").groupby(tx["customer_id"]).mean()
        online = (tx["channel"].astype(str) == "card_online").groupby(tx["customer_id"]).mean()
        view["abroad_share"] = abroad.reindex(ids, fill_value=0.0)
        view["online_share"] = online.reindex(ids, fill_value=0.0)
        last = (
            _window(world["transactions"], "timestamp", at, None)
            .groupby("customer_id")["timestamp"]
            .max()
        )
    else:
        o = _window(world["orders"], "order_date", at, None)
        g = o.groupby("customer_id")
        view["n_orders"] = g.size().reindex(ids, fill_value=0).astype(np.int64)
        view["spend_total"] = g["order_value"].sum().reindex(ids, fill_value=0.0)
        view["avg_order_value"] = (view["spend_total"] / view["n_orders"].clip(lower=1)).round(2)
        recent = _window(o, "order_date", at, w)
        view[f"orders_{w}d"] = _count_by(recent, ids)
        view[f"spend_{w}d"] = (
            recent.groupby("customer_id")["order_value"].sum().reindex(ids, fill_value=0.0)
        )
        online = o["channel"].astype(str).isin(["web", "mobile"]).groupby(o["customer_id"]).mean()
        promo = o["promo_code"].notna().groupby(o["customer_id"]).mean()
        view["online_share"] = online.reindex(ids, fill_value=0.0)
        view["promo_share"] = promo.reindex(ids, fill_value=0.0)
        last = g["order_date"].max()
    since = (at - last.reindex(ids)) / _DAY
    view["days_since_activity"] = since.fillna(view["tenure_months"] * 30.4375).to_numpy().round(1)

    sr = world["service_requests"]
    recent_sr = _window(sr, "opened_at", at, 180)
    view["requests_180d"] = _count_by(recent_sr, ids)
    view["complaints_180d"] = _count_by(
        recent_sr[recent_sr["category"].astype(str) == "complaint"], ids
    )
    still_open = sr[
        (sr["opened_at"] <= at)
        & (sr["resolved_at"].isna() | (sr["resolved_at"] > at))
        & (sr["status"].astype(str) != "abandoned")
    ]
    view["open_requests"] = _count_by(still_open, ids)

    cc = world["campaign_contacts"]
    cc = cc[(cc["contact_date"] <= at) & (cc["group"].astype(str) == "treatment")]
    view["campaign_contacts"] = _count_by(cc, ids)
    cr = _window(world["campaign_responses"], "response_date", at, None)
    rtype = cr["response_type"].astype(str)
    view["campaign_clicks"] = _count_by(cr[rtype == "clicked"], ids)
    view["campaign_take_ups"] = _count_by(cr[rtype == "took_up"], ids)

    web = _page_view_features(world, domain, ids, at, float(w))
    view = view.join(web)
    return view


# ---------------------------------------------------------------------------------------------
# everything for a time-split evaluation
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class OfferData(Result):
    """The inputs of the offer engines at a cut-off date, and what happened after it.

    Attributes
    ----------
    domain : str
    cutoff : Timestamp
    view : DataFrame
        :func:`customer_view` at the cut-off.
    owned : InteractionMatrix
        Holdings / categories bought at the cut-off.
    heldout : InteractionMatrix
        What was newly taken up after the cut-off (the held-out purchases).
    traits : DataFrame
        ``customer_traits`` (truth): only for judging engines, never for fitting them.
    """

    domain: str
    cutoff: pd.Timestamp
    view: pd.DataFrame
    owned: InteractionMatrix
    heldout: InteractionMatrix
    traits: pd.DataFrame

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Offer data of the {self.domain} world at {self.cutoff.date()}"

    def summary(self) -> pd.DataFrame:
        held = self.owned.item_counts()
        new = self.heldout.item_counts()
        n = max(self.owned.n_customers, 1)
        table = pd.DataFrame(
            {
                "holders_at_cutoff": held,
                "holder_share": held / n,
                "new_after_cutoff": new,
            }
        )
        table.index.name = "item"
        return table

    def plot(self, ax=None, **kwargs):
        from ..plotting._common import PALETTE, get_ax

        ax = get_ax(ax)
        t = self.summary()
        pos = np.arange(len(t))
        ax.bar(pos, t["holder_share"], color=PALETTE[0], **kwargs)
        ax.set_xticks(pos, list(t.index), rotation=30, ha="right")
        ax.set_ylabel("share of customers holding at cut-off")
        ax.set_title(self.title)
        return ax


def offer_data(
    world: Any, cutoff: Any = None, holdout_months: int = 6, window_days: int = 90
) -> OfferData:
    """Customer view, holdings and held-out take-up for a time-split evaluation.

    Parameters
    ----------
    world : World
    cutoff : date, optional
        Default: ``holdout_months`` before the end of the horizon.
    holdout_months : int
        Months after the cut-off whose take-up is held out (used when ``cutoff`` is None).
    window_days : int
        Window of the recent-behaviour columns of the view.
    """
    where = "offer_data"
    domain = _domain(world)
    check_param(holdout_months, "holdout_months", where, int, interval=Interval(1, 120))
    if cutoff is None:
        cutoff = _end(world) - pd.DateOffset(months=holdout_months)
    at = _at(world, cutoff, where)
    view = customer_view(world, at, window_days)
    ids = view.index.to_numpy()
    owned = owned_matrix(world, at, ids)
    heldout = heldout_matrix(world, at, ids)
    traits = world.truth["customer_traits"]
    return OfferData(
        domain=domain, cutoff=at, view=view, owned=owned, heldout=heldout, traits=traits
    )


# ---------------------------------------------------------------------------------------------
# permission, e-mail and contact inputs
# ---------------------------------------------------------------------------------------------
def consent_ledger(world: Any) -> ConsentLedger:
    """The consent ledger of the world's customers: each customer's permissions as given
    (or declined) at sign-up, on the acquisition date."""
    _domain(world)
    return ConsentLedger.from_flags(world["customers"], time_col="acquisition_date")


def email_bounces(world: Any, at: Any = None) -> pd.DataFrame:
    """Hard bounces of the world's past e-mail campaigns (up to ``at``).

    Every e-mail contact (treatment group) was sent to the address as typed; the mail server
    rejects it when the address is not syntactically an address or its domain does not exist
    in the synthetic world (its mail providers). Returns ``customer_id``, ``email``,
    ``bounced_at`` — one row per address, first bounce.
    """
    from ..world.customers import EMAIL_DOMAINS

    where = "email_bounces"
    _domain(world)
    at = _at(world, at, where)
    cc = world["campaign_contacts"]
    cc = cc[
        (cc["channel"].astype(str) == "email")
        & (cc["group"].astype(str) == "treatment")
        & (cc["contact_date"] <= at)
    ]
    c = world["customers"].set_index("customer_id")
    addr = c["email"].reindex(cc["customer_id"]).astype("string")
    stripped = addr.str.strip()
    domain = stripped.str.lower().str.extract(r"@([^@\s]+)$", expand=False)
    ok_syntax = stripped.str.match(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$").fillna(False)
    exists = domain.isin(EMAIL_DOMAINS).fillna(False)
    bounced = (addr.notna() & ~(ok_syntax & exists)).to_numpy(dtype=bool)
    out = pd.DataFrame(
        {
            "customer_id": cc["customer_id"].to_numpy(np.int64)[bounced],
            "email": addr.to_numpy(dtype=object)[bounced],
            "bounced_at": cc["contact_date"].to_numpy()[bounced],
        }
    )
    out = out.sort_values("bounced_at", kind="stable").drop_duplicates("customer_id")
    return out.sort_values("customer_id", ignore_index=True)


def contact_profile(world: Any, at: Any = None, days: int = 365) -> pd.DataFrame:
    """Observed contact preferences per customer (from the last ``days`` days before ``at``).

    * ``preferred_channel`` — the contact channel the customer uses and answers most: service
      requests by e-mail, chat or web self-service count for e-mail, phone for phone, branch /
      store for post; every opened or clicked campaign message counts twice for its channel;
      missing when there is no signal;
    * ``active_hour`` — the median hour of the customer's transactions (bank) or orders
      (retail); missing without activity.
    """
    where = "contact_profile"
    domain = _domain(world)
    at = _at(world, at, where)
    check_param(days, "days", where, int, interval=Interval(1, 3650))
    ids = pd.Index(
        np.sort(world["customers"]["customer_id"].to_numpy(np.int64)), name="customer_id"
    )
    sr = _window(world["service_requests"], "opened_at", at, days)
    votes = pd.DataFrame(
        {
            "customer_id": sr["customer_id"].to_numpy(np.int64),
            "channel": sr["channel"].astype(str).map(_SERVICE_TO_CONTACT).to_numpy(),
            "w": 1.0,
        }
    )
    cr = _window(world["campaign_responses"], "response_date", at, days)
    cr = cr[cr["response_type"].astype(str).isin(["opened", "clicked"])]
    cc = world["campaign_contacts"].set_index("contact_id")
    votes = pd.concat(
        [
            votes,
            pd.DataFrame(
                {
                    "customer_id": cr["customer_id"].to_numpy(np.int64),
                    "channel": cc["channel"].astype(str).reindex(cr["contact_id"]).to_numpy(),
                    "w": 2.0,
                }
            ),
        ],
        ignore_index=True,
    )
    votes = votes[votes["channel"].isin(CONTACT_CHANNELS)]
    tally = votes.groupby(["customer_id", "channel"])["w"].sum().unstack(fill_value=0.0)
    tally = tally.reindex(columns=list(CONTACT_CHANNELS), fill_value=0.0)
    best = pd.Series(
        np.asarray(CONTACT_CHANNELS, dtype=object)[tally.to_numpy().argmax(axis=1)],
        index=tally.index,
    )
    best = best[tally.sum(axis=1) > 0]
    if domain == "bank":
        t = _window(world["transactions"], "timestamp", at, days)
        hours = t["timestamp"].dt.hour.groupby(t["customer_id"]).median()
    else:
        o = _window(world["orders"], "order_date", at, days)
        hours = o["order_date"].dt.hour.groupby(o["customer_id"]).median()
    return pd.DataFrame(
        {
            "preferred_channel": best.reindex(ids).to_numpy(dtype=object),
            "active_hour": hours.reindex(ids).round().to_numpy(dtype=np.float64),
        },
        index=ids,
    )


# ---------------------------------------------------------------------------------------------
# readable rules
# ---------------------------------------------------------------------------------------------
def default_rules(domain: str, window_days: int = 90) -> tuple[Rule, ...]:
    """A readable business rule set for :func:`customer_view` columns of ``domain``."""
    check_param(domain, "domain", "default_rules", str, choices=("bank", "retail"))
    w = window_days
    if domain == "bank":
        return (
            Rule(
                "browsed_loan",
                f"views_personal_loan_{w}d >= 2",
                "personal_loan",
                6,
                "looked at loan pages recently",
            ),
            Rule(
                "browsed_mortgage",
                f"views_mortgage_{w}d >= 2",
                "mortgage",
                6,
                "looked at mortgage pages recently",
            ),
            Rule(
                "protect_the_home",
                "holds_mortgage and not holds_insurance",
                "insurance",
                5,
                "a mortgage without home insurance",
            ),
            Rule(
                "saver_to_investor",
                "deposits > 15000",
                "investment_fund",
                4,
                "large deposits could earn more in a fund",
            ),
            Rule(
                "investor_savings",
                "holds_investment_fund",
                "savings_account",
                4,
                "investors keep a savings buffer",
            ),
            Rule(
                "traveller_card",
                "abroad_share > 0.05",
                "credit_card",
                3,
                "spends abroad: a card with travel benefits",
            ),
            Rule("big_spender_card", f"spend_{w}d > 3000", "credit_card", 3, "high card spending"),
            Rule("young_saver", "age < 30", "savings_account", 2, "start saving young"),
            Rule(
                "family_mortgage",
                "28 <= age <= 45 and income_band in ['40k_70k', '70k_120k', 'over_120k']",
                "mortgage",
                2,
                "family age with the income for a mortgage",
            ),
        )
    rules = [
        Rule(f"browsed_{c}", f"views_{c}_{w}d >= 2", c, 5, f"viewed {c} pages recently")
        for c in _items("retail")
    ]
    rules += [
        Rule("baby_to_toys", "holds_baby", "toys", 4, "parents of babies buy toys later"),
        Rule("sports_to_clothing", "holds_sports", "clothing", 3, "sports fans need clothing"),
        Rule(
            "big_basket_electronics",
            "avg_order_value > 60",
            "electronics",
            3,
            "large baskets: worth an electronics offer",
        ),
        Rule("pantry_to_beverages", "holds_pantry", "beverages", 2, "stock the cupboard"),
        Rule("home_to_garden", "holds_household", "home_garden", 2, "home owners garden"),
        Rule(
            "loyal_beauty",
            "loyalty_member and n_orders >= 10",
            "beauty",
            1,
            "loyal customers get a beauty treat",
        ),
    ]
    return tuple(rules)


# ---------------------------------------------------------------------------------------------
# the engines side by side
# ---------------------------------------------------------------------------------------------
def default_engines(
    domain: str, window_days: int = 90, random_state: Any = 0
) -> dict[str, OfferEngine]:
    """The engines of the lesson, unfitted: popularity, item-item CF, the propensity model,
    the rules of :func:`default_rules`, and a hybrid of rules, model and CF (which reuses
    those three engines once they are fitted, in this order)."""
    rules = RuleEngine(default_rules(domain, window_days))
    cf = ItemItemCF()
    model = PropensityRecommender(drop=HOLDING_AGGREGATES, random_state=random_state)
    return {
        "popularity": PopularityRecommender(),
        "item_item_cf": cf,
        "propensity_model": model,
        "rules": rules,
        "hybrid": HybridRanker(
            {"rules": rules, "model": model, "cf": cf},
            weights={"rules": 1.0, "model": 1.0, "cf": 0.5},
            refit=False,
        ),
    }


@dataclass(frozen=True, repr=False, eq=False)
class EngineComparison(Result):
    """Offer engines fitted at a cut-off and judged on what customers took up afterwards.

    Attributes
    ----------
    data : OfferData
    engines : dict of name -> fitted OfferEngine
    offers : dict of name -> Offers (including the oracle ``oracle_true_take_up``)
    evaluation : OfferEvaluation
    """

    data: OfferData
    engines: dict
    offers: dict
    evaluation: OfferEvaluation
    title = "Offer engines side by side"

    def summary(self) -> pd.DataFrame:
        """Hit rate, precision, recall and true take-up of every engine at each k."""
        return self.evaluation.table

    def plot(self, ax=None, metric: str = "hit_rate", **kwargs):
        return self.evaluation.plot(ax=ax, metric=metric, **kwargs)


def compare_engines(
    data: OfferData,
    engines: dict[str, OfferEngine] | None = None,
    k: int | tuple[int, ...] = (1, 3, 5),
    with_oracle: bool = True,
) -> EngineComparison:
    """Fit every engine on ``data`` (at its cut-off), recommend ``max(k)`` offers per customer
    and evaluate them on the held-out take-up, next to the oracle of the true take-up
    probabilities."""
    where = "compare_engines"
    if not isinstance(data, OfferData):
        raise DataError(
            f"{where}: data must be OfferData (see offer_data), got {type(data).__name__}."
        )
    check_param(with_oracle, "with_oracle", where, bool)
    engines = default_engines(data.domain) if engines is None else dict(engines)
    ks = (k,) if isinstance(k, int) else tuple(k)
    kmax = max(ks)
    offers: dict[str, Offers] = {}
    for name, eng in engines.items():
        eng.fit(data.owned, data.view)
        offers[name] = eng.recommend(data.owned, data.view, k=kmax)
    if with_oracle:
        oracle = AffinityOracle(data.traits).fit(data.owned)
        offers[oracle.name] = oracle.recommend(data.owned, k=kmax)
    evaluation = evaluate_offers(offers, data.heldout, k=ks, traits=data.traits)
    return EngineComparison(data=data, engines=engines, offers=offers, evaluation=evaluation)


# ---------------------------------------------------------------------------------------------
# observed economics of an offer
# ---------------------------------------------------------------------------------------------
def offer_values(world: Any, at: Any = None, months: int = 12) -> pd.DataFrame:
    """What a contact offering each item is worth, from OBSERVED data up to ``at``.

    Per item (bank product / retail category):

    * ``margin_per_take_up`` — bank: ``months`` of (monthly fee - running cost) plus the
      yearly interest margin on the holders' mean balance (products table, accounts);
      retail: the mean gross margin of one unit of the category's SKUs (price x margin rate);
    * ``contacts``, ``take_ups``, ``take_up_rate`` — treatment contacts of past campaigns
      offering the item and their take-ups (all campaigns pooled when an item was never
      offered);
    * ``value_per_contact`` = ``take_up_rate x margin_per_take_up``.
    """
    where = "offer_values"
    domain = _domain(world)
    at = _at(world, at, where)
    check_param(months, "months", where, int, interval=Interval(1, 600))
    items = _items(domain)
    p = world["products"]
    if domain == "bank":
        a = world["accounts"]
        a = a[a["open_date"] <= at]
        bal = a.groupby("product_code")["balance"].apply(lambda b: b.abs().mean())
        pp = p.set_index("product_code")
        margin = months * (pp["price"] - pp["unit_cost"]) + months / 12.0 * pp[
            "margin_rate"
        ] * bal.reindex(pp.index).fillna(0.0)
    else:
        unit = p["price"] * p["margin_rate"]
        margin = unit.groupby(p["category"].astype(str)).mean()
    camp = world["campaigns"].set_index("campaign_id")
    cc = world["campaign_contacts"]
    cc = cc[(cc["contact_date"] <= at) & (cc["group"].astype(str) == "treatment")]
    offer_of = camp["offer"].astype(str)
    contacts = cc["campaign_id"].map(offer_of).value_counts()
    cr = _window(world["campaign_responses"], "response_date", at, None)
    took = cr[cr["response_type"].astype(str) == "took_up"]
    take_ups = took["campaign_id"].map(offer_of).value_counts()
    table = pd.DataFrame(index=pd.Index(items, name="item"))
    table["margin_per_take_up"] = margin.reindex(items).fillna(0.0).to_numpy(np.float64)
    table["contacts"] = contacts.reindex(items, fill_value=0).astype(np.int64)
    table["take_ups"] = take_ups.reindex(items, fill_value=0).astype(np.int64)
    pooled = take_ups.sum() / max(contacts.sum(), 1)
    rate = table["take_ups"] / table["contacts"].where(table["contacts"] > 0)
    table["take_up_rate"] = rate.fillna(pooled)
    table["value_per_contact"] = table["take_up_rate"] * table["margin_per_take_up"]
    return table


def addressable(world: Any, quality: Any = None) -> pd.DataFrame:
    """Whether each customer can be reached on each channel: ``email`` (a mailable address
    after cleaning, see :func:`~ecrm_lab.engines.email_list_quality`), ``sms`` and ``phone``
    (a phone number), ``post`` (always: the postal address is required at sign-up)."""
    from .email_lists import EmailQuality, email_list_quality

    _domain(world)
    c = world["customers"]
    if quality is None:
        quality = email_list_quality(c, bounced=email_bounces(world)["email"])
    if not isinstance(quality, EmailQuality):
        raise DataError(
            f"addressable: quality must be an EmailQuality, got {type(quality).__name__}."
        )
    mail = quality.table.set_index("customer_id")["mailable"]
    ids = c["customer_id"].to_numpy(np.int64)
    phone = c["phone"].notna().to_numpy()
    return pd.DataFrame(
        {
            "customer_id": ids,
            "email": mail.reindex(ids).fillna(False).to_numpy(dtype=bool),
            "sms": phone,
            "phone": phone,
            "post": True,
        }
    )


def mailing_plans(
    world: Any,
    data: OfferData,
    engine: OfferEngine | None = None,
    months: int = 12,
    with_ceiling: bool = True,
) -> dict[str, pd.DataFrame]:
    """The one-to-many and one-to-one mailing plans of the lesson, at the data's cut-off.

    * ``one-to-many: <offer> by e-mail``: the offer with the best observed value per contact
      (:func:`offer_values`), by e-mail, to every customer with e-mail permission and a
      mailable address who does not hold it;
    * ``one-to-one offers (same list)``: the same customers, each with their own
      next-best offer from ``engine`` (default: the propensity model; an engine already
      fitted on the same items, e.g. from :func:`compare_engines`, is used as it is);
    * ``one-to-one, margin-weighted (same list)``: the same, ranking offers by
      the engine's score times the observed margin per take-up (:class:`ValueWeighted`);
    * ``one-to-one offers + channels``: every customer who can be reached, with their
      next-best offer, through the channel worth most for them
      (:func:`~ecrm_lab.engines.choose_channel`: their consent, reachable addresses, observed
      preferred channel and active hour, and the offer's observed value per contact), and
      only where that value exceeds the cost of the contact;
    * ``ceiling``: :func:`~ecrm_lab.engines.mailing.oracle_mailing` with the true
      probabilities (only with ``with_ceiling``).

    Everything but the ceiling uses observed data only; judge the plans with
    :func:`~ecrm_lab.engines.mailing.compare_mailings` and the world's traits.
    """
    from .broadcast import choose_channel
    from .email_lists import email_list_quality
    from .mailing import contact_values, mass_mailing, oracle_mailing, personalised_mailing

    where = "mailing_plans"
    if not isinstance(data, OfferData):
        raise DataError(f"{where}: data must be OfferData (see offer_data).")
    check_param(with_ceiling, "with_ceiling", where, bool)
    values = offer_values(world, data.cutoff, months)
    ids = data.owned.customer_ids
    consent = consent_ledger(world).state(at=data.cutoff, customer_ids=ids)
    quality = email_list_quality(
        world["customers"], bounced=email_bounces(world, data.cutoff)["email"]
    )
    addr = addressable(world, quality)
    held_by_all = data.owned.item_counts() >= data.owned.n_customers
    candidates = values["value_per_contact"][~held_by_all.reindex(values.index).to_numpy()]
    mass_offer = str(candidates.idxmax())
    mass = mass_mailing(
        data.owned, consent, mass_offer, "email", addressable=addr.set_index("customer_id")["email"]
    )
    engine = PropensityRecommender(drop=HOLDING_AGGREGATES) if engine is None else engine
    if not isinstance(engine, OfferEngine):
        raise DataError(f"{where}: engine must be an OfferEngine, got {type(engine).__name__}.")
    if getattr(engine, "items_", None) != data.owned.items:
        engine.fit(data.owned, data.view)
    offers = engine.recommend(data.owned, data.view, k=1)
    first = offers.first()

    def same_list(best: pd.Series) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "customer_id": mass["customer_id"].to_numpy(),
                "offer": best.reindex(mass["customer_id"]).to_numpy(),
                "channel": "email",
            }
        ).dropna(ignore_index=True)

    weighted = ValueWeighted(engine, values["margin_per_take_up"], refit=False)
    weighted.fit(data.owned, data.view)
    by_margin = weighted.recommend(data.owned, data.view, k=1).first()
    profile = contact_profile(world, data.cutoff)
    plan = choose_channel(
        consent,
        addressable=addr,
        preferred=profile["preferred_channel"],
        value=contact_values(offers, values),
        hours=profile["active_hour"],
    )
    plans = {
        f"one-to-many: {mass_offer} by e-mail": mass,
        "one-to-one offers (same list)": same_list(first),
        "one-to-one, margin-weighted (same list)": same_list(by_margin),
        "one-to-one offers + channels": personalised_mailing(offers, plan, min_utility=0.0),
    }
    if with_ceiling:
        plans["ceiling (true probabilities)"] = oracle_mailing(
            data.traits, data.owned, consent, addr, months
        )
    return plans


def recent_visitors(world: Any, at: Any = None, days: int = 30) -> pd.Series:
    """Page views of identified customers (logged in or arriving by a campaign link) in the
    ``days`` before ``at``, per customer, most active first — who a self-service page can be
    personalised for."""
    where = "recent_visitors"
    _domain(world)
    at = _at(world, at, where)
    check_param(days, "days", where, int, interval=Interval(1, 3650))
    owners = session_customers(world)
    pv = _window(world["page_views"], "viewed_at", at, days)
    pv = pv.merge(owners, on="session_id", how="inner")
    counts = pv.groupby("customer_id").size().rename("page_views")
    return counts.sort_values(ascending=False, kind="stable")


def warehouse_view(db: Any, owned: InteractionMatrix | None = None) -> pd.DataFrame:
    """The warehouse's customer 360 mart (:func:`ecrm_lab.warehouse.customer_360`) as an
    engine view: indexed by ``customer_id``, with ``holds_<item>`` columns from ``owned`` (the
    rows of ``owned``, in its order).

    The mart describes the customers as of the end of the horizon, so use it to personalise
    *now*; for a time-split evaluation use :func:`customer_view` at the cut-off.
    """
    from ..warehouse import customer_360

    where = "warehouse_view"
    view = customer_360(db)
    if "customer_id" not in view.columns:
        raise DataError(f"{where}: the customer 360 mart has no 'customer_id' column.")
    view = view.set_index(view["customer_id"].astype(np.int64).rename("customer_id"))
    view = view.drop(columns="customer_id")
    if owned is None:
        return view
    missing = ~pd.Index(owned.customer_ids).isin(view.index)
    if missing.any():
        raise DataError(
            f"{where}: {int(missing.sum())} customers of the matrix are not in the "
            f"mart (for example {int(owned.customer_ids[missing][0])})."
        )
    view = view.loc[owned.customer_ids].copy()
    held = owned.dense_bool()
    for j, item in enumerate(owned.items):
        view[f"holds_{item}"] = held[:, j]
    return view
