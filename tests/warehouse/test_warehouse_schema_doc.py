"""The schema reference is generated from the database and kept in step with the SQL."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ecrm_lab.plotting.warehouse import plot_star_schema, star_schema_edges
from ecrm_lab.warehouse import schema_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "WAREHOUSE_SCHEMA.md"


def test_every_column_is_described(bank_wh, retail_wh):
    text = schema_reference([bank_wh.db_path, retail_wh.db_path])
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) > 300
    undocumented = [
        r
        for r in rows
        if r.replace("*(bank only)*", "").replace("*(retail only)*", "").rstrip().endswith("|  |")
    ]
    assert undocumented == []
    assert "### `fact_transaction` *(bank only)*" in text
    assert "### `fact_order_line` *(retail only)*" in text
    assert "### `int_activity` (view)" in text


def test_committed_reference_is_generated_from_the_current_sql(bank_wh, retail_wh):
    """docs/WAREHOUSE_SCHEMA.md must be this function's output: regenerate it with
    `ecrm-lab warehouse schema --reference` after changing the SQL or the world's schemas."""
    assert DOC.read_text(encoding="utf-8") == schema_reference([bank_wh.db_path, retail_wh.db_path])


def test_star_schema_from_the_catalogue(bank_wh):
    facts, dims, edges = star_schema_edges(bank_wh.db_path)
    assert {"dim_customer", "dim_date", "dim_product", "dim_channel", "dim_campaign"} == set(dims)
    joined = {(f, d) for f, d, _ in edges}
    assert ("fact_transaction", "dim_customer") in joined
    assert ("fact_holding", "dim_date") in joined  # role-playing open/close dates
    assert ("fact_campaign_contact", "dim_campaign") in joined
    ax = plot_star_schema(bank_wh)
    assert len(ax.patches) == len(facts) + len(dims)
    matplotlib.pyplot.close("all")
