-- Integration, part 8: purchases summarised once per customer, year and channel.
--
-- The purchase log is the biggest source (tens of millions of rows at a million customers);
-- the value tiers and the customer 360 view read this summary instead of the log. Sums of
-- money are rounded to cents: a parallel sum of doubles depends on the order the threads
-- finish in, and the value tiers must not.

CREATE TABLE int_activity_summary AS
SELECT
    a.customer_id,
    CAST(EXTRACT(YEAR FROM a.activity_at) AS INTEGER) AS year,
    a.channel_code,
    COUNT(*) AS n_purchases,
    ROUND(SUM(a.value), 2) AS value,
    MIN(a.activity_at) AS first_at,
    MAX(a.activity_at) AS last_at,
    COUNT(CASE WHEN a.activity_at >= r.year_ago THEN 1 END) AS n_purchases_12m,
    ROUND(SUM(CASE WHEN a.activity_at >= r.year_ago THEN a.value ELSE 0 END), 2) AS value_12m
FROM int_activity AS a
CROSS JOIN (SELECT end_date - INTERVAL '365 days' AS year_ago FROM etl_run) AS r
GROUP BY a.customer_id, CAST(EXTRACT(YEAR FROM a.activity_at) AS INTEGER), a.channel_code;

COMMENT ON TABLE int_activity_summary IS
    'Integration: purchases per customer, calendar year and channel: count, value, first and last purchase, and the count and value in the last 365 days of the horizon.';
COMMENT ON COLUMN int_activity_summary.n_purchases_12m IS 'Purchases in the last 365 days of the horizon.';
COMMENT ON COLUMN int_activity_summary.value_12m IS 'Value of the purchases in the last 365 days of the horizon.';
COMMENT ON COLUMN int_activity_summary.first_at IS 'First purchase in the group.';
COMMENT ON COLUMN int_activity_summary.last_at IS 'Last purchase in the group.';
