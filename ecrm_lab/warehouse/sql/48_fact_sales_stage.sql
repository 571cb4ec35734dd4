-- Fact: the sales funnel in long form, one row per lead and stage reached.

CREATE TABLE fact_sales_stage AS
SELECT
    e.event_id,
    e.lead_id,
    CAST(EXTRACT(YEAR FROM e.entered_at) * 10000 + EXTRACT(MONTH FROM e.entered_at) * 100
         + EXTRACT(DAY FROM e.entered_at) AS INTEGER) AS date_key,
    c.customer_key,
    l.customer_id,
    p.product_key,
    l.source AS lead_source,
    e.stage,
    e.stage_no,
    e.entered_at
FROM stg_sales_stage_events AS e
JOIN stg_sales_leads AS l ON l.lead_id = e.lead_id
LEFT JOIN dim_customer AS c
       ON c.customer_id = l.customer_id
      AND e.entered_at >= c.valid_from AND e.entered_at < c.valid_to
LEFT JOIN dim_product AS p ON p.product_code = l.product_code;

COMMENT ON TABLE fact_sales_stage IS
    'Fact: the sales funnel, one row per lead and stage reached (prospecting 1 ... closing 6): counts per stage never grow down the funnel.';
