"""Small summaries of a world for lessons: the latent segments, a table's schema, targeting.

>>> from ecrm_lab.world import generate
>>> w = generate("bank", n_customers=400, seed=2, months=6)
>>> list(schema_frame("customers", "bank").columns)
['column', 'dtype', 'allowed', 'description']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import _range_text, get_schema

__all__ = ["schema_frame", "segment_profile", "take_up_by_decile", "truth_overview"]


def schema_frame(name: str, domain: str | None = None) -> pd.DataFrame:
    """The declared columns of table ``name`` (in ``domain``) as a DataFrame."""
    schema = get_schema(name)
    return pd.DataFrame(
        [(c.name, c.dtype, _range_text(c), c.description) for c in schema.columns_for(domain)],
        columns=["column", "dtype", "allowed", "description"],
    )


def segment_profile(world) -> pd.DataFrame:
    """Per true segment: share of customers and the mean of the main latent traits."""
    t = world.truth["customer_traits"]
    cols = [
        "wealth",
        "price_sensitivity",
        "purchase_rate",
        "dropout_p",
        "churn_hazard",
        "service_distress",
        "response_treated",
        "true_uplift",
        "true_value",
    ]
    out = t.groupby("segment", observed=False)[cols].mean()
    out.insert(0, "share", t["segment"].value_counts(normalize=True).reindex(out.index))
    return out


def take_up_by_decile(world) -> pd.DataFrame:
    """Contacted customers of all campaigns in deciles of their true P(take-up | contacted):
    number of contacts, mean true probability and observed take-up per decile (1 = best)."""
    contacts = world["campaign_contacts"]
    took = world["campaign_responses"].query("response_type == 'took_up'")["contact_id"]
    u = world.truth["campaign_uplift"].set_index("contact_id")
    c = contacts[contacts["group"] == "treatment"]
    p = u.loc[c["contact_id"], "p_treated"].to_numpy()
    rank = pd.Series(p).rank(method="first", ascending=False).to_numpy()
    decile = np.ceil(rank / len(p) * 10).astype(int)
    df = pd.DataFrame(
        {"decile": decile, "p_treated": p, "took_up": c["contact_id"].isin(took).to_numpy()}
    )
    return df.groupby("decile").agg(
        contacts=("took_up", "size"), true_p=("p_treated", "mean"), take_up=("took_up", "mean")
    )


def truth_overview(world) -> pd.DataFrame:
    """What each truth table holds and what it is for."""
    uses = {
        "customer_traits": "score segmentations, response/uplift/churn/CLV models",
        "email_quality": "score e-mail cleaning",
        "true_churn": "score churn models and BG/NBD 'alive' estimates",
        "planted_anomalies": "score fraud / deviation detection",
        "planted_rules": "score association rules (link analysis)",
        "planted_sequences": "score sequence mining",
        "campaign_uplift": "score response and uplift models against the potential outcomes",
        "customer_value": "score profitability and CLV estimates",
        "data_quality_faults": "score the warehouse's cleaning and matching",
        "identity_map": "score record linkage across source systems",
    }
    rows = []
    for name, df in world.truth.items():
        rows.append(
            (
                name,
                len(df),
                uses.get(name, "score the matching source"),
                get_schema(name).description.split(". ")[0],
            )
        )
    return pd.DataFrame(rows, columns=["truth table", "rows", "use", "what"])
