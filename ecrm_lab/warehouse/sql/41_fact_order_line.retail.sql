-- Fact (retail): order lines (the basket), one row per SKU in an order.

CREATE TABLE fact_order_line AS
SELECT
    l.order_id,
    l.line_no,
    o.date_key,
    o.customer_key,
    o.customer_id,
    p.product_key,
    o.channel_key,
    o.campaign_key,
    l.quantity,
    l.unit_price,
    l.line_value,
    l.quantity * p.unit_cost AS line_cost,
    l.line_value - l.quantity * p.unit_cost AS line_margin
FROM stg_order_lines AS l
JOIN fact_order AS o ON o.order_id = l.order_id
LEFT JOIN dim_product AS p ON p.product_code = l.product_code;

COMMENT ON TABLE fact_order_line IS
    'Fact (retail): order lines with the order''s date, customer version, channel and campaign, the SKU, quantity, price, cost and margin.';
