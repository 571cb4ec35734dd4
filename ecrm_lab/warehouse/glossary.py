"""What the warehouse's recurring column names mean.

After the SQL has run, every column still without a ``COMMENT ON`` description gets one: the
meaning of its name from :data:`GLOSSARY`, or else the description of the staging column of
the same name (the source it was copied from). So the generated schema reference documents
every column from one place, without repeating a description in every SQL file.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GLOSSARY", "document_columns"]

GLOSSARY: dict[str, str] = {
    # keys
    "customer_key": "Surrogate key of the customer version (dim_customer) valid at the event's time.",
    "customer_id": "Durable customer number (customers.customer_id).",
    "date_key": "Day of the event, yyyymmdd (dim_date).",
    "open_date_key": "Opening day, yyyymmdd (dim_date, role-playing).",
    "close_date_key": "Closing day, yyyymmdd (dim_date, role-playing); missing while open.",
    "product_key": "Product (dim_product).",
    "channel_key": "Channel (dim_channel).",
    "campaign_key": "Campaign (dim_campaign).",
    "channel_code": "Harmonised channel code (ref_channel).",
    "channel_name": "Readable channel name.",
    "channel_group": "digital, personal, mail, payment or marketing.",
    "is_digital": "Whether the channel is digital.",
    "campaign_name": "Campaign name.",
    # integration
    "email": "E-mail address after cleaning (trimmed, lower case; missing when unusable).",
    "birth_date": "Date of birth (parsed; sentinel dates such as 1900-01-01 set to missing).",
    "person_no": "Number of the person a record belongs to (records of one person share it).",
    "survivor_id": "Key of the record kept for the person (the others are near duplicates).",
    "crm_number": "Customer number in the record's own CRM key.",
    "customer_number": "Customer number of the surviving CRM key of the person.",
    "system": "Source system of the key: crm, web_account, billing or web_cookie.",
    "key": "The key as it appears in its source system.",
    "email_raw": "The address as delivered.",
    "email_valid": "A usable e-mail address is known.",
    "email_shared": "The address is used by more than one customer (a household).",
    "is_shared": "The address is used by more than one customer (a household).",
    "has_web_account": "The customer has a web account (identity resolution).",
    "billing_balance_due": "Amount due on the customer's billing accounts (cleaned).",
    "holder_first_name": "First name of the billing account holder (upper case).",
    "holder_last_name": "Last name of the billing account holder (upper case).",
    "raw_domain": "E-mail domain as typed.",
    "clean_domain": "The domain it stands for.",
    "is_typo": "The typed domain is a typo of the clean one.",
    "placeholder": "Text typed instead of an e-mail address.",
    "tier_rank": "Rank of the value tier (1 = low ... 4 = top).",
    "upper_percentile": "Upper bound (exclusive) of the tier's percentile band.",
    "value_percentile": "Percentile rank of the customer's value among the customers of that year.",
    "value_tier": "Observed value tier: low, medium, high or top.",
    "year_start": "First day of the year.",
    "activity_id": "Key of the purchase in its source (transaction or order).",
    "activity_at": "Time of the purchase.",
    "value": "Value spent (bank: money out; retail: order value).",
    "n_purchases": "Number of purchases.",
    "since": "First day of the holding (bank: opening; retail: first purchase in the category).",
    "is_open": "Still held (bank: account open; retail: bought in the last 365 days).",
    "balance": "Balance of the holding (bank) or value bought in the category (retail).",
    "converted_at": "Time of the conversion.",
    "revenue_12m": "Estimated yearly revenue (bank: fees + interest margin of the open accounts; "
    "retail: order value of the last 365 days).",
    "margin_12m": "Estimated yearly margin (bank: revenue - running costs; retail: gross margin of "
    "the last 365 days).",
    "margin": "Margin generated (see the table's description).",
    # integration report and run
    "stage_no": "Integration stage: 1 de-duplication ... 7 identity resolution.",
    "stage": "Name of the integration stage.",
    "source_table": "Raw table (or customers / identity) the step worked on.",
    "fault": "Kind of fault (as in the truth table data_quality_faults) or identity evidence.",
    "column_name": "Column affected ('*' for whole rows).",
    "action": "What the step did.",
    "domain": "bank or retail.",
    "n_customers": "Customers in the world.",
    "seed": "Seed of the world.",
    "start_date": "First day of the horizon.",
    "end_date": "Day after the last day of the horizon (the as-of date of the marts).",
    "months": "Length of the horizon in months.",
    "package_version": "Version of ecrm-lab that built the warehouse.",
    # calendar
    "date": "The day.",
    "year": "Calendar year.",
    "quarter": "Quarter of the year (1-4; 'YYYY-Qn' in mart_campaign).",
    "month": "Month (1-12).",
    "month_name": "Month name.",
    "year_month": "'YYYY-MM'.",
    "iso_week": "ISO week number.",
    "day_name": "Day name.",
    "is_weekend": "Saturday or Sunday.",
    # customer dimension and 360
    "version": "Version number of the customer (1 = first).",
    "is_current": "The current version.",
    "age": "Age in years at the end of the horizon.",
    "tenure_days": "Days from acquisition to the end of the horizon.",
    "n_holdings": "Holdings currently held (bank: open accounts; retail: categories bought in the last year).",
    "holdings": "What the customer currently holds, alphabetically (up to 12): bank products, or "
    "retail categories bought in the last year.",
    "holding": "What is held: the bank product, or the retail category.",
    "frequency_total": "Purchases over the whole horizon.",
    "monetary_total": "Value of all purchases.",
    "first_purchase_at": "First purchase in the horizon.",
    "last_purchase_at": "Last purchase in the horizon.",
    "top_purchase_channel": "Channel of most purchases.",
    "n_web_sessions": "Web sessions attributed to the customer (identity resolution).",
    "n_mobile_sessions": "Of those, on a mobile phone.",
    "last_web_visit_at": "Start of the last attributed web session.",
    "n_service_requests": "Service requests.",
    "n_complaints": "Service requests of category complaint.",
    "n_open_requests": "Service requests still open at the end of the horizon.",
    "avg_satisfaction": "Mean survey score of the customer's requests (1-5).",
    "avg_hours_to_resolve": "Mean hours from opening to resolution.",
    "last_request_at": "When the last service request was opened.",
    "n_campaign_contacts": "Campaign contacts received (treatment group).",
    "n_campaign_opened": "Contacts opened.",
    "n_campaign_clicked": "Contacts clicked.",
    "n_campaign_take_ups": "Contacts taken up.",
    "campaign_cost": "Cost of the contacts received.",
    "last_contacted_at": "Last campaign contact.",
    "n_opportunities": "Sales opportunities.",
    "n_deals_won": "Sales opportunities won.",
    "n_adoptions": "Product adoptions (extension).",
    "n_churn_events": "Churn events.",
    "n_win_backs": "Win-back events.",
    # facts
    "transaction_at": "Time of the transaction.",
    "ordered_at": "Time of the order.",
    "line_cost": "quantity x unit cost.",
    "line_margin": "line value - line cost.",
    "identified_by": "How the session's visitor was identified: login, campaign_link, cookie_stitching or anonymous.",
    "duration_seconds": "Seconds from the first page view to leaving the last page.",
    "logged_in": "The visitor logged in during the session.",
    "contact_group": "treatment (contacted) or control (held out).",
    "contacted_at": "Time of the contact (control: when it would have been).",
    "opened": "The contact was opened.",
    "clicked": "The contact was clicked.",
    "took_up": "The customer took up the offer in the response window.",
    "took_up_at": "Time of the take-up.",
    "responded_at": "Time of the response.",
    "days_after_contact": "Days from the contact to the response.",
    "hours_to_resolve": "Hours from opening to resolution (missing while open).",
    "lead_source": "Where the lead came from.",
    "days_to_close": "Days from opening to closing (missing while open).",
    "won_value": "Deal value if won, else 0.",
    # marts
    "exit_page": "Page type of the last page view.",
    "product_views": "Product pages seen.",
    "help_views": "FAQ, support and tracking pages seen.",
    "reached_checkout": "The checkout (application, order) page was reached.",
    "bounced": "Only one page was seen.",
    "days_since_previous_visit": "Days since the previous session of the same cookie.",
    "path": "Page types of the first 12 page views, joined by >.",
    "contacts": "Customers contacted (treatment).",
    "controls": "Customers held out (control).",
    "take_ups": "Take-ups among the contacted.",
    "control_take_ups": "Take-ups in the control group (would have bought anyway).",
    "open_rate": "opened / contacts.",
    "click_rate": "clicked / contacts.",
    "take_up_rate": "take_ups / contacts.",
    "control_take_up_rate": "control_take_ups / controls.",
    "incremental_take_ups": "uplift x contacts: take-ups caused by the campaign.",
    "cost_per_thousand": "Cost per thousand contacts (CPM).",
    "cost_per_click": "cost / clicked.",
    "cost_per_acquisition": "cost / take_ups.",
    "cost_per_incremental_take_up": "cost / incremental_take_ups.",
}


def document_columns(con: Any) -> int:
    """Give every undocumented column of the built warehouse a description; return how many."""
    rows = con.execute(
        "SELECT c.table_name, c.column_name, c.comment, "
        "CASE WHEN v.view_name IS NULL THEN 'table' ELSE 'view' END AS kind "
        "FROM duckdb_columns() AS c "
        "LEFT JOIN duckdb_views() AS v ON v.view_name = c.table_name AND v.schema_name = 'main' "
        "WHERE c.schema_name = 'main' AND NOT c.internal"
    ).fetchall()
    staged: dict[str, str] = {}
    for table, column, comment, _ in sorted(rows):
        if table.startswith("stg_") and comment and column not in staged:
            staged[column] = comment
    n = 0
    for table, column, comment, _kind in rows:
        if comment:
            continue
        text = GLOSSARY.get(column) or staged.get(column)
        if not text:
            continue
        q_table = '"' + table.replace('"', '""') + '"'
        q_col = '"' + column.replace('"', '""') + '"'
        con.execute(f"COMMENT ON COLUMN {q_table}.{q_col} IS '" + text.replace("'", "''") + "'")
        n += 1
    return n
