-- Fact (retail): orders, one row per order, with the margin computed from the lines.

CREATE TABLE fact_order AS
WITH margin AS (
    SELECT l.order_id, SUM(l.line_value - l.quantity * p.unit_cost) AS order_margin
    FROM stg_order_lines AS l
    JOIN stg_products AS p ON p.product_code = l.product_code
    GROUP BY l.order_id
)
SELECT
    o.order_id,
    CAST(EXTRACT(YEAR FROM o.order_date) * 10000 + EXTRACT(MONTH FROM o.order_date) * 100
         + EXTRACT(DAY FROM o.order_date) AS INTEGER) AS date_key,
    c.customer_key,
    o.customer_id,
    ch.channel_key,
    cp.campaign_key,
    o.order_date AS ordered_at,
    o.n_lines,
    o.n_items,
    o.order_value,
    m.order_margin,
    o.promo_code
FROM stg_orders AS o
LEFT JOIN dim_customer AS c
       ON c.customer_id = o.customer_id
      AND o.order_date >= c.valid_from AND o.order_date < c.valid_to
LEFT JOIN dim_channel AS ch ON ch.channel_code = o.channel
LEFT JOIN dim_campaign AS cp ON cp.campaign_code = o.promo_code
LEFT JOIN margin AS m ON m.order_id = o.order_id;

COMMENT ON TABLE fact_order IS
    'Fact (retail): orders with the customer version valid at the time, channel, campaign (promo code), value and gross margin.';
COMMENT ON COLUMN fact_order.order_margin IS 'Sum over the lines of line value minus quantity x unit cost.';
