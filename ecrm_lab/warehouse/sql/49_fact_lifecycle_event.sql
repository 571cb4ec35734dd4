-- Fact: lifecycle events (acquisition, adoption, churn, win-back).

CREATE TABLE fact_lifecycle_event AS
SELECT
    e.event_id,
    CAST(EXTRACT(YEAR FROM e.event_at) * 10000 + EXTRACT(MONTH FROM e.event_at) * 100
         + EXTRACT(DAY FROM e.event_at) AS INTEGER) AS date_key,
    c.customer_key,
    e.customer_id,
    p.product_key,
    e.event_type,
    e.event_at,
    e.detail
FROM stg_lifecycle_events AS e
LEFT JOIN dim_customer AS c
       ON c.customer_id = e.customer_id
      AND e.event_at >= c.valid_from AND e.event_at < c.valid_to
LEFT JOIN dim_product AS p ON p.product_code = e.product_code;

COMMENT ON TABLE fact_lifecycle_event IS
    'Fact: the customer lifecycle as events: acquisition, adoption (up-sell, cross-sell), churn and win-back.';
