-- Fact: page views, one row per page seen, with the session's resolved customer.

CREATE TABLE fact_page_view AS
SELECT
    v.view_id,
    v.session_id,
    v.seq,
    CAST(EXTRACT(YEAR FROM v.viewed_at) * 10000 + EXTRACT(MONTH FROM v.viewed_at) * 100
         + EXTRACT(DAY FROM v.viewed_at) AS INTEGER) AS date_key,
    s.customer_key,
    s.customer_id,
    p.product_key,
    v.page_type,
    v.viewed_at,
    v.dwell_seconds
FROM stg_page_views AS v
JOIN fact_web_session AS s ON s.session_id = v.session_id
LEFT JOIN dim_product AS p ON p.product_code = v.product_code;

COMMENT ON TABLE fact_page_view IS
    'Fact: page views (the click-stream in detail) with their session, position, page type, product shown and dwell time.';
