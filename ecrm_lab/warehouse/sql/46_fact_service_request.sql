-- Fact: customer service requests (tickets), one row per request.

CREATE TABLE fact_service_request AS
SELECT
    s.request_id,
    CAST(EXTRACT(YEAR FROM s.opened_at) * 10000 + EXTRACT(MONTH FROM s.opened_at) * 100
         + EXTRACT(DAY FROM s.opened_at) AS INTEGER) AS date_key,
    c.customer_key,
    s.customer_id,
    ch.channel_key,
    p.product_key,
    s.category,
    s.contract_status,
    s.opened_at,
    s.resolved_at,
    EXTRACT(EPOCH FROM (s.resolved_at - s.opened_at)) / 3600.0 AS hours_to_resolve,
    s.resolution,
    s.status,
    s.n_contacts,
    s.satisfaction
FROM stg_service_requests AS s
LEFT JOIN dim_customer AS c
       ON c.customer_id = s.customer_id
      AND s.opened_at >= c.valid_from AND s.opened_at < c.valid_to
LEFT JOIN dim_channel AS ch ON ch.channel_code = s.channel
LEFT JOIN dim_product AS p ON p.product_code = s.product_code;

COMMENT ON TABLE fact_service_request IS
    'Fact: service requests by channel with category, product, contract or warranty status, resolution, hours to resolve, contacts needed and satisfaction (1-5, when answered).';
