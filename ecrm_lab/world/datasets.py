"""The canonical small worlds in ``datasets/`` and their data dictionary.

``python -m ecrm_lab.world.datasets`` regenerates, from nothing but the code:

* ``datasets/bank/`` and ``datasets/retail/`` — 2,000 customers, seed 42, 12 months from
  2023-01-01, saved as CSV (:meth:`World.save` layout: ``world.json``, ``tables/``, ``truth/``);
* ``datasets/README.md`` — the data dictionary, written from the registered schemas and the
  generator's constants (never by hand);
* ``datasets/MANIFEST.sha256`` — the SHA-256 of every other file, in ``sha256sum`` format.

``python -m ecrm_lab.world.datasets --check`` regenerates into a temporary directory and
compares the checksums with the manifest (exit code 1 and the differing files when they
differ).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import atomic_path, sha256_file
from .behaviour import (
    AFFINITY_TAKE_UP,
    ANNUAL_DISCOUNT,
    BASE_COST_TO_SERVE,
    CHANNEL_COST,
    DISTRESS_COST,
)
from .campaigns import CONTROL_SHARE, TARGET_SHARE
from .catalogue import BANK_PRODUCTS, CAMPAIGN_CHANNELS, RETAIL_CATEGORIES, UPLIFT_CLASSES
from .generate import generate
from .schema import data_dictionary
from .traits import (
    PROPENSITY_INTERCEPT,
    PROPENSITY_SD,
    RATE_SHAPE,
    RECEPTIVENESS_AFFINITY,
    RECEPTIVENESS_PROPENSITY,
    SEGMENT_PROFILES,
    TIER_WEALTH,
    UPLIFT_SHIFTS,
)
from .world import World

__all__ = ["CANONICAL", "build", "manifest", "check", "readme", "default_dir", "main"]

#: parameters of the canonical worlds
CANONICAL = {"n_customers": 2000, "seed": 42, "start": "2023-01-01", "months": 12}
DOMAINS = ("bank", "retail")
MANIFEST = "MANIFEST.sha256"


def default_dir() -> Path:
    """``datasets/`` of the source tree."""
    return Path(__file__).resolve().parents[2] / "datasets"


def build(out: str | os.PathLike | None = None) -> Path:
    """Generate the canonical worlds, the README and the manifest into ``out``."""
    out = Path(out) if out is not None else default_dir()
    out.mkdir(parents=True, exist_ok=True)
    worlds = {}
    for domain in DOMAINS:
        worlds[domain] = generate(domain, **CANONICAL)
        worlds[domain].save(out / domain, format="csv")
    with atomic_path(out / "README.md") as tmp:
        tmp.write_text(readme(worlds), encoding="utf-8")
    with atomic_path(out / MANIFEST) as tmp:
        tmp.write_text(manifest(out), encoding="utf-8")
    return out


def manifest(root: str | os.PathLike) -> str:
    """``sha256sum``-style lines for every file under ``root`` except the manifest."""
    root = Path(root)
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    )
    return "".join(f"{sha256_file(p)}  {p.relative_to(root).as_posix()}\n" for p in files)


def check(root: str | os.PathLike | None = None) -> list[str]:
    """Regenerate into a temporary directory; return the files whose checksum differs from
    ``root``'s manifest (empty when everything matches)."""
    root = Path(root) if root is not None else default_dir()
    want = _parse(root / MANIFEST)
    with tempfile.TemporaryDirectory() as tmp:
        build(tmp)
        got = _parse(Path(tmp) / MANIFEST)
    return sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))


def _parse(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        out[name] = digest
    return out


# -- README --------------------------------------------------------------------------------
def _md(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 10_000 else f"{v:.4g}"
    return str(v).replace("|", "\\|")


def _segments(domain: str) -> pd.DataFrame:
    rows = []
    for p in SEGMENT_PROFILES[domain]:
        rows.append(
            {
                "segment": p.name,
                "share": p.share,
                "age (mean, sd)": f"{p.age[0]:g}, {p.age[1]:g}",
                "tiers low/med/high/top": "/".join(f"{x:g}" for x in p.tiers),
                "price sensitivity": p.price_sensitivity,
                "purchases / month": p.purchase_rate,
                "dropout p": p.dropout_p,
                "churn / month": p.churn,
                "service distress": p.service_distress,
                "uplift classes": "/".join(f"{x:g}" for x in p.uplift),
                "consent e-mail/SMS/phone/post": "/".join(f"{x:g}" for x in p.consent),
            }
        )
    return pd.DataFrame(rows)


def _facts(w: World) -> pd.DataFrame:
    contacts = w["campaign_contacts"]
    took = w["campaign_responses"].query("response_type == 'took_up'")["contact_id"]
    treated = (contacts["group"] == "treatment").to_numpy()
    p = np.sort(w.truth["campaign_uplift"]["p_treated"].to_numpy()[treated])[::-1]
    traits = w.truth["customer_traits"]
    value = w.truth["customer_value"]
    churn = w.truth["true_churn"]
    rows = [
        ("customers", f"{len(w['customers']):,}"),
        (
            "take-up of contacted customers (untargeted campaigns)",
            f"{contacts.loc[treated, 'contact_id'].isin(took).mean():.2%}",
        ),
        (
            "take-up of the control group",
            f"{contacts.loc[~treated, 'contact_id'].isin(took).mean():.2%}",
        ),
        (
            "true P(take-up) of contacts: mean / best decile / best two deciles",
            f"{p.mean():.2%} / {p[: len(p) // 10].mean():.2%} / {p[: len(p) // 5].mean():.2%}",
        ),
        ("customers with negative true value", f"{(traits['true_value'] < 0).mean():.1%}"),
        (
            "customers unprofitable in the horizon (realised)",
            f"{(~value['profitable']).mean():.1%}",
        ),
        ("churned in the horizon", f"{churn['churned'].mean():.1%}"),
        (
            "churned customers won back in the horizon",
            f"{churn['won_back'].sum() / max(1, churn['churned'].sum()):.1%}",
        ),
        (
            "inactive (BG/NBD dropout) at the end",
            f"{(churn['status_at_end'] == 'inactive').mean():.1%}",
        ),
        ("planted anomalies (rows)", f"{len(w.truth['planted_anomalies']):,}"),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def readme(worlds: dict[str, World]) -> str:
    """The text of ``datasets/README.md`` for the canonical ``worlds``."""
    params = ", ".join(f"{k}={v!r}" for k, v in CANONICAL.items())
    rows = []
    for kind, attr in (("table", "tables"), ("truth", "truth")):
        names = dict.fromkeys([*getattr(worlds["bank"], attr), *getattr(worlds["retail"], attr)])
        for name in names:
            sizes = [
                f"{len(getattr(worlds[d], attr)[name]):,}"
                if name in getattr(worlds[d], attr)
                else "—"
                for d in DOMAINS
            ]
            rows.append((name, kind, *sizes))
    counts = pd.DataFrame(rows, columns=["table", "kind", "rows (bank)", "rows (retail)"])
    products = pd.DataFrame(
        [
            {
                "product": p.code,
                "name": p.name,
                "monthly fee": p.monthly_fee,
                "yearly margin on balance": p.margin_rate,
                "balance scale": p.balance_scale,
                "balance ~ wealth^": p.balance_elasticity,
                "running cost / month": p.cost_month,
                "P(hold) = x affinity": "1 (everybody)"
                if p.code == "current_account"
                else p.holding_scale,
            }
            for p in BANK_PRODUCTS
        ]
    )
    categories = pd.DataFrame(
        [
            {
                "category": c.code,
                "SKU prefix": c.prefix,
                "items": len(c.items),
                "SKUs": c.n_skus,
                "mean classic price": round(c.mean_price, 2),
                "gross margin": c.gross_margin,
            }
            for c in RETAIL_CATEGORIES
        ]
    )
    channels = pd.DataFrame(
        [
            {
                "channel": c.code,
                "cost per contact": c.cost,
                "needs": c.consent,
                "matches preferred channel": ", ".join(c.matches),
                "logit effect": c.effect,
                "share of eligible selected": TARGET_SHARE[c.code],
            }
            for c in CAMPAIGN_CHANNELS
        ]
    )
    all_channels = list(dict.fromkeys(c for d in DOMAINS for c in CHANNEL_COST[d]))
    cost = pd.DataFrame(
        [
            {
                "domain": d,
                "base / month": BASE_COST_TO_SERVE[d],
                **{f"prefers {c}": CHANNEL_COST[d].get(c, "—") for c in all_channels},
                "per unit of distress": DISTRESS_COST[d],
            }
            for d in DOMAINS
        ]
    )
    uplift = pd.DataFrame(
        [
            {
                "class": c,
                "logit shift not contacted": UPLIFT_SHIFTS[c][0],
                "logit shift contacted": UPLIFT_SHIFTS[c][1],
            }
            for c in UPLIFT_CLASSES
        ]
    )
    facts = pd.concat(
        [_facts(worlds[d]).set_index("figure").rename(columns={"value": d}) for d in DOMAINS],
        axis=1,
    ).reset_index()
    parts = [
        "# Canonical synthetic worlds",
        "",
        "Generated by `python -m ecrm_lab.world.datasets` — do not edit by hand; this file, "
        "the data and `MANIFEST.sha256` are rewritten together, and a test regenerates them "
        "and compares the SHA-256 sums.",
        "",
        f"* `bank/` and `retail/`: `generate(domain, {params})`, saved as CSV.",
        "* Layout of each world: `world.json` (parameters, versions, SHA-256 of every file), "
        "`tables/<name>.csv` (observed data), `truth/<name>.csv` (ground truth).",
        '* Load with `ecrm_lab.world.load_world("datasets/bank")`; larger worlds with '
        "`ecrm-lab generate --domain bank --customers 100000 --seed 7 --out DIR`.",
        "* CSV conventions: comma separated, header row, missing values are empty fields "
        "(read with `keep_default_na=False, na_values=['']`: the placeholder e-mail 'n/a' is "
        "data, not a missing value), datetimes `YYYY-MM-DD[ hh:mm:ss]`, booleans "
        "`True`/`False`.",
        "",
        "## How the world is built",
        "",
        "One latent model of each customer drives every source (no source invents its own "
        "probabilities; they all call `ecrm_lab.world.behaviour`):",
        "",
        "1. **Traits** (truth `customer_traits`): a true segment, then value tier and wealth, "
        "price sensitivity, preferred channel, affinities per product/category, purchase rate "
        f"(Gamma, shape {RATE_SHAPE}) and BG/NBD dropout probability, service distress, churn "
        "hazard, campaign responsiveness with and without contact (uplift class), consent per "
        "channel, expected profit and true value.",
        "2. **Customers** (demographics from the segment, e-mail with planted quality problems, "
        "acquisition date and channel) and the true churn date (exponential with the monthly "
        "hazard).",
        "3. **Products**: the bank's 7 products; the retailer's 249 SKUs.",
        "4. **Activity**: bank accounts and transactions (planted fraud); retail orders and "
        "lines (planted co-purchase rules, sequences, bulk orders, price glitches). Times follow "
        "a BG/NBD process with seasonality, inside each customer's lifetime.",
        "5. **Campaigns**: untargeted, randomised (control group), responses from the latent "
        "treatment effect; take-ups become accounts or promo-code orders.",
        "6. **Sources**: web click-stream, service requests, sales funnel, lifecycle events and "
        "raw extracts of three source systems with planted data-quality faults.",
        "7. **Truth**: realised customer value.",
        "",
        "## Assumptions",
        "",
        "### Segments",
        "",
        "Each segment sets the distribution of the other traits (the values below are means, "
        "or medians of logit-normal distributions for traits in [0, 1]; log-normal wealth "
        "around the tier level: " + ", ".join(f"{k} {v:g}" for k, v in TIER_WEALTH.items()) + ").",
        "",
    ]
    for d in DOMAINS:
        parts += [f"**{d}**", "", _md(_segments(d)), ""]
    parts += [
        "### Campaign responsiveness",
        "",
        "A latent receptiveness r ~ Normal(0, 1) lifts every affinity (logit shift "
        f"{RECEPTIVENESS_AFFINITY} r), the campaign propensity z ~ Normal(intercept ("
        + ", ".join(f"{k} {v:g}" for k, v in PROPENSITY_INTERCEPT.items())
        + ") + "
        f"segment mean + {RECEPTIVENESS_PROPENSITY} r, {PROPENSITY_SD}) and the odds of the "
        "persuadable and sure-thing classes (against lost causes and do-not-disturbs), so "
        "holdings, spending and engagement reveal it. "
        "z plus the uplift class shift gives P(take-up) without and with contact for a "
        f"typical offer; the offer's affinity (+{AFFINITY_TAKE_UP:g} (affinity - 0.5)), the "
        "channel (effect, +0.5 when it matches the preferred channel) and a discount "
        "(+4 discount x price sensitivity) move it on the logit scale.",
        "",
        _md(uplift),
        "",
        "### Campaign channels",
        "",
        f"A random {CONTROL_SHARE:.0%} of the selected customers is held out as control group.",
        "",
        _md(channels),
        "",
        "### Bank products",
        "",
        "Revenue per month = fee + margin / 12 x balance; balance = scale x wealth^elasticity "
        "x log-normal noise (mean 1).",
        "",
        _md(products),
        "",
        "### Retail categories",
        "",
        "Each item comes as value (0.7 x price), classic and premium (1.6 x price) SKU.",
        "",
        _md(categories),
        "",
        "### Cost to serve (per customer and month)",
        "",
        _md(cost),
        "",
        f"True value discounts monthly profit at {ANNUAL_DISCOUNT:.0%} a year and weights it "
        "by the probability of still being a customer.",
        "",
        "### What the canonical worlds look like",
        "",
        _md(facts),
        "",
        "## Tables",
        "",
        _md(counts),
        "",
        "# Data dictionary",
        "",
        "Generated from the registered schemas (`ecrm_lab.world.SCHEMAS`).",
        "",
        data_dictionary(),
    ]
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ecrm_lab.world.datasets", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", default=None, help="target directory (default: datasets/)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary directory and compare the checksums",
    )
    args = parser.parse_args(argv)
    if args.check:
        bad = check(args.out)
        if bad:
            print("differs: " + ", ".join(bad))
            return 1
        print("datasets match their manifest")
        return 0
    out = build(args.out)
    n = len(manifest(out).splitlines())
    print(f"wrote {n} files to {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
