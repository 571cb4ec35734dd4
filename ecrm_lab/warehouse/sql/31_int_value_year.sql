-- Integration, part 8: the observed value tier of every customer in every year.
--
-- The world records no history of changing customer attributes, so the warehouse derives
-- one: a customer's value in a year is what they spent that year (int_activity), and their
-- tier that year is the band of their percentile rank among all customers acquired by the
-- end of that year (ref_value_tier: low < 40 %, medium < 70 %, high < 90 %, top). The tier
-- changes from year to year; dim_customer keeps that history (slowly changing, type 2).

CREATE TABLE int_value_year AS
WITH years AS (
    SELECT year, MIN(date) AS year_start, MAX(date) AS year_last
    FROM dim_date
    WHERE in_horizon
    GROUP BY year
),
spend AS (
    SELECT customer_id, year, ROUND(SUM(value), 2) AS value,
           CAST(SUM(n_purchases) AS BIGINT) AS n_purchases
    FROM int_activity_summary
    GROUP BY customer_id, year
),
base AS (
    SELECT c.customer_id, y.year, y.year_start,
           COALESCE(s.value, 0) AS value, COALESCE(s.n_purchases, 0) AS n_purchases
    FROM int_customer_profile AS c
    CROSS JOIN years AS y
    LEFT JOIN spend AS s ON s.customer_id = c.customer_id AND s.year = y.year
    WHERE c.acquisition_date <= y.year_last
),
ranked AS (
    SELECT b.*, PERCENT_RANK() OVER (PARTITION BY year ORDER BY value) AS value_percentile
    FROM base AS b
),
bands AS (
    SELECT value_tier, tier_rank, upper_percentile,
           COALESCE(LAG(upper_percentile) OVER (ORDER BY tier_rank), -1) AS lower_percentile
    FROM ref_value_tier
)
SELECT r.customer_id, r.year, r.year_start, r.value, r.n_purchases, r.value_percentile,
       t.value_tier, t.tier_rank
FROM ranked AS r
JOIN bands AS t ON r.value_percentile >= t.lower_percentile
               AND r.value_percentile < t.upper_percentile;

COMMENT ON TABLE int_value_year IS
    'Integration: each customer''s value (spend) per calendar year of the horizon, its percentile among the customers acquired by then and the observed value tier derived from it (the source of dim_customer''s type-2 history).';
