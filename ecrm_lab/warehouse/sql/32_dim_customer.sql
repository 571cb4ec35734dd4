-- Dimension: customers, with type-2 history (slowly changing dimension).
--
-- Tracked attributes: the observed value tier (one per calendar year, int_value_year) and the
-- lifecycle status (active / churned, from churn and win-back events). Every change of either
-- starts a new version (a new surrogate customer_key) valid from the change until the next
-- one; the current version has valid_to = 9999-12-31. The first version is valid from the
-- beginning of time (1900-01-01), so every event of the customer finds its version. Facts
-- carry the customer_key of the version valid when the event happened, plus the durable
-- customer_id.

CREATE TABLE dim_customer AS
WITH first_year AS (
    SELECT customer_id, MIN(year) AS year FROM int_value_year GROUP BY customer_id
),
change_points AS (
    SELECT customer_id, DATE '1900-01-01' AS valid_from FROM int_customer_profile
    UNION
    SELECT v.customer_id, v.year_start
    FROM int_value_year AS v
    JOIN first_year AS f ON f.customer_id = v.customer_id AND v.year > f.year
    UNION
    SELECT customer_id, CAST(event_at AS DATE)
    FROM stg_lifecycle_events
    WHERE event_type IN ('churn', 'win_back')
),
timeline AS (
    SELECT customer_id, valid_from AS day, 1 AS ord, CAST(NULL AS TIMESTAMP) AS event_at,
           CAST(NULL AS VARCHAR) AS status
    FROM change_points
    UNION ALL
    SELECT customer_id, CAST(event_at AS DATE), 0, event_at,
           CASE event_type WHEN 'churn' THEN 'churned' ELSE 'active' END
    FROM stg_lifecycle_events
    WHERE event_type IN ('churn', 'win_back')
),
grouped AS (
    SELECT t.*,
           COUNT(status) OVER (PARTITION BY customer_id ORDER BY day, ord, event_at
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS grp
    FROM timeline AS t
),
with_status AS (
    SELECT customer_id, day AS valid_from,
           COALESCE(MAX(status) OVER (PARTITION BY customer_id, grp), 'active') AS status,
           ord
    FROM grouped
),
tier_filled AS (
    SELECT s.customer_id, s.valid_from, s.status,
           COALESCE(v.value_tier, v0.value_tier, 'low') AS value_tier
    FROM with_status AS s
    LEFT JOIN int_value_year AS v
           ON v.customer_id = s.customer_id
          AND v.year = CAST(EXTRACT(YEAR FROM s.valid_from) AS INTEGER)
    LEFT JOIN first_year AS f ON f.customer_id = s.customer_id
    LEFT JOIN int_value_year AS v0 ON v0.customer_id = f.customer_id AND v0.year = f.year
    WHERE s.ord = 1
),
changes AS (
    SELECT t.*,
           LAG(value_tier) OVER (PARTITION BY customer_id ORDER BY valid_from) AS prev_tier,
           LAG(status) OVER (PARTITION BY customer_id ORDER BY valid_from) AS prev_status
    FROM tier_filled AS t
),
versions AS (
    SELECT customer_id, valid_from, value_tier, status
    FROM changes
    WHERE prev_tier IS NULL OR prev_tier <> value_tier OR prev_status <> status
),
dated AS (
    SELECT v.*,
           COALESCE(LEAD(valid_from) OVER (PARTITION BY customer_id ORDER BY valid_from),
                    DATE '9999-12-31') AS valid_to,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY valid_from) AS version
    FROM versions AS v
)
SELECT
    d.customer_id * 1000 + d.version AS customer_key,
    p.*,
    d.value_tier,
    d.status,
    d.version,
    d.valid_from,
    d.valid_to,
    d.valid_to = DATE '9999-12-31' AS is_current
FROM dated AS d
JOIN int_customer_profile AS p ON p.customer_id = d.customer_id;

COMMENT ON TABLE dim_customer IS
    'Dimension: customers with type-2 history. One row per version; a new version starts when the observed value tier (yearly, derived from spend) or the lifecycle status (churn, win-back) changes.';
COMMENT ON COLUMN dim_customer.customer_key IS 'Surrogate key of the version (facts join on it): customer_id x 1000 + version, so it needs no global numbering.';
COMMENT ON COLUMN dim_customer.customer_id IS 'Durable customer number, the same in every version.';
COMMENT ON COLUMN dim_customer.value_tier IS 'Observed value tier in this version (low, medium, high, top).';
COMMENT ON COLUMN dim_customer.status IS 'Lifecycle status in this version: active or churned.';
COMMENT ON COLUMN dim_customer.valid_from IS 'First day of the version (1900-01-01 for the first).';
COMMENT ON COLUMN dim_customer.valid_to IS 'Day after the last day of the version (9999-12-31 for the current one).';
