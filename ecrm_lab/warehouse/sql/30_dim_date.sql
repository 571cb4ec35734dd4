-- Dimension: the calendar, one row per day from 1 January of the year of the earliest
-- acquisition to the end of the horizon. date_key = yyyymmdd (a smart key, readable in facts).

CREATE TABLE dim_date AS
WITH bounds AS (
    SELECT CAST(CAST(CAST(EXTRACT(YEAR FROM LEAST(
                    (SELECT CAST(MIN(acquisition_date) AS DATE) FROM stg_customers),
                    (SELECT start_date FROM etl_run))) AS INTEGER) AS VARCHAR) || '-01-01'
                AS DATE) AS first_day,
           (SELECT end_date FROM etl_run) AS end_day
),
digits (n) AS (
    VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)
),
numbers AS (
    -- 0 .. 99 999 (enough days for 270 years), without a recursive query
    SELECT a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n AS n
    FROM digits AS a, digits AS b, digits AS c, digits AS d, digits AS e
),
days AS (
    SELECT CAST(bounds.first_day + numbers.n AS DATE) AS d
    FROM bounds, numbers
    WHERE bounds.first_day + numbers.n < bounds.end_day
),
parts AS (
    SELECT d,
           CAST(EXTRACT(YEAR FROM d) AS INTEGER) AS y,
           CAST(EXTRACT(MONTH FROM d) AS INTEGER) AS m,
           CAST(EXTRACT(DAY FROM d) AS INTEGER) AS dd,
           CAST(EXTRACT(ISODOW FROM d) AS INTEGER) AS dow
    FROM days
)
SELECT
    y * 10000 + m * 100 + dd AS date_key,
    d AS date,
    y AS year,
    (m - 1) / 3 + 1 AS quarter,
    m AS month,
    CASE m WHEN 1 THEN 'January' WHEN 2 THEN 'February' WHEN 3 THEN 'March'
           WHEN 4 THEN 'April' WHEN 5 THEN 'May' WHEN 6 THEN 'June' WHEN 7 THEN 'July'
           WHEN 8 THEN 'August' WHEN 9 THEN 'September' WHEN 10 THEN 'October'
           WHEN 11 THEN 'November' ELSE 'December' END AS month_name,
    CAST(y AS VARCHAR) || '-' || LPAD(CAST(m AS VARCHAR), 2, '0') AS year_month,
    CAST(EXTRACT(WEEK FROM d) AS INTEGER) AS iso_week,
    dow AS day_of_week,
    CASE dow WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday'
             WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' WHEN 6 THEN 'Saturday'
             ELSE 'Sunday' END AS day_name,
    dow >= 6 AS is_weekend,
    d >= (SELECT start_date FROM etl_run) AS in_horizon
FROM parts;

COMMENT ON TABLE dim_date IS
    'Dimension: one row per calendar day from 1 January of the year of the earliest acquisition to the end of the horizon.';
COMMENT ON COLUMN dim_date.date_key IS 'Key: yyyymmdd as an integer.';
COMMENT ON COLUMN dim_date.day_of_week IS 'ISO day of the week: 1 = Monday ... 7 = Sunday.';
COMMENT ON COLUMN dim_date.in_horizon IS 'Inside the observed horizon [start, end) of the world.';
