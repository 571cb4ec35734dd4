-- Fact: sales opportunities (qualified leads) and how far they got in the sales process.

CREATE TABLE fact_sales_opportunity AS
SELECT
    o.opportunity_id,
    o.lead_id,
    CAST(EXTRACT(YEAR FROM o.opened_at) * 10000 + EXTRACT(MONTH FROM o.opened_at) * 100
         + EXTRACT(DAY FROM o.opened_at) AS INTEGER) AS date_key,
    c.customer_key,
    o.customer_id,
    p.product_key,
    l.source AS lead_source,
    l.sales_rep,
    o.opened_at,
    o.closed_at,
    o.stage,
    CASE o.stage WHEN 'prospecting' THEN 1 WHEN 'initiating_contact' THEN 2
                 WHEN 'identifying_needs' THEN 3 WHEN 'presenting_offer' THEN 4
                 WHEN 'managing_objections' THEN 5 WHEN 'closing' THEN 6 END AS stage_no,
    o.outcome,
    o.lost_stage,
    o.lost_reason,
    o.objection,
    o.deal_value,
    CASE WHEN o.outcome = 'won' THEN o.deal_value ELSE 0 END AS won_value,
    EXTRACT(EPOCH FROM (o.closed_at - o.opened_at)) / 86400.0 AS days_to_close
FROM stg_sales_opportunities AS o
JOIN stg_sales_leads AS l ON l.lead_id = o.lead_id
LEFT JOIN dim_customer AS c
       ON c.customer_id = o.customer_id
      AND o.opened_at >= c.valid_from AND o.opened_at < c.valid_to
LEFT JOIN dim_product AS p ON p.product_code = o.product_code;

COMMENT ON TABLE fact_sales_opportunity IS
    'Fact: sales opportunities with lead source and rep, the furthest stage reached (1-6), outcome, why lost, the objection raised, deal value and days to close.';
