-- Mart: the click-stream, one row per session: the path through the site, what the visitor
-- looked at, whether the visit converted, and the signals that should trigger a chat or a
-- callback (high intent: many product pages; distress: repeated help pages).

CREATE TABLE mart_clickstream AS
WITH views AS (
    SELECT session_id,
           -- the first 12 page types in order (a pivot, cheaper than an ordered STRING_AGG)
           CONCAT_WS('>', MAX(CASE WHEN seq = 1 THEN page_type END),
                     MAX(CASE WHEN seq = 2 THEN page_type END),
                     MAX(CASE WHEN seq = 3 THEN page_type END),
                     MAX(CASE WHEN seq = 4 THEN page_type END),
                     MAX(CASE WHEN seq = 5 THEN page_type END),
                     MAX(CASE WHEN seq = 6 THEN page_type END),
                     MAX(CASE WHEN seq = 7 THEN page_type END),
                     MAX(CASE WHEN seq = 8 THEN page_type END),
                     MAX(CASE WHEN seq = 9 THEN page_type END),
                     MAX(CASE WHEN seq = 10 THEN page_type END),
                     MAX(CASE WHEN seq = 11 THEN page_type END),
                     MAX(CASE WHEN seq = 12 THEN page_type END)) AS path,
           COUNT(CASE WHEN page_type = 'product' THEN 1 END) AS product_views,
           COUNT(CASE WHEN page_type IN ('faq', 'support', 'tracking') THEN 1 END)
               AS help_views,
           MAX(CASE WHEN page_type = 'checkout' THEN 1 ELSE 0 END) AS reached_checkout,
           MAX(seq) AS last_seq,
           SUM(dwell_seconds) AS dwell_seconds
    FROM fact_page_view
    GROUP BY session_id
),
exits AS (
    SELECT v.session_id, v.page_type AS exit_page
    FROM fact_page_view AS v
    JOIN views AS w ON w.session_id = v.session_id AND w.last_seq = v.seq
),
timeline AS (
    -- sessions of identified customers and their conversions on one time line: the next
    -- conversion after each session start (a window, not a range join)
    SELECT customer_id, started_at AS event_at, 1 AS ord, session_id
    FROM fact_web_session
    WHERE customer_id IS NOT NULL
    UNION ALL
    SELECT customer_id, converted_at, 0, CAST(NULL AS BIGINT)
    FROM int_conversion
    WHERE converted_at >= (SELECT CAST(start_date AS TIMESTAMP) FROM etl_run)
),
next_conversion AS (
    SELECT session_id, event_at,
           MIN(CASE WHEN ord = 0 THEN event_at END) OVER (
               PARTITION BY customer_id ORDER BY event_at, ord
               ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_converted_at
    FROM timeline
),
previous_visit AS (
    SELECT session_id,
           LAG(started_at) OVER (PARTITION BY visitor_id ORDER BY started_at, session_id)
               AS previous_visit_at
    FROM fact_web_session
)
SELECT
    s.session_id,
    s.visitor_id,
    s.customer_id,
    s.customer_key,
    s.identified_by,
    s.date_key,
    dd.year,
    dd.month,
    dd.year_month,
    s.started_at,
    s.device,
    s.referrer,
    s.landing_page,
    e.exit_page,
    s.n_page_views,
    s.duration_seconds,
    v.path,
    v.product_views,
    v.help_views,
    v.reached_checkout = 1 AS reached_checkout,
    COALESCE(n.next_converted_at < s.started_at + INTERVAL '7 days', FALSE)
        AS converted_within_7d,
    s.n_page_views = 1 AS bounced,
    EXTRACT(EPOCH FROM (s.started_at - pv.previous_visit_at)) / 86400.0
        AS days_since_previous_visit,
    (v.product_views >= 4 OR v.reached_checkout = 1) AS high_intent_signal,
    (v.help_views >= 3
     OR (v.help_views >= 1
         AND s.started_at - pv.previous_visit_at < INTERVAL '2 days')) AS distress_signal
FROM fact_web_session AS s
JOIN views AS v ON v.session_id = s.session_id
LEFT JOIN dim_date AS dd ON dd.date_key = s.date_key
LEFT JOIN exits AS e ON e.session_id = s.session_id
LEFT JOIN next_conversion AS n ON n.session_id = s.session_id
LEFT JOIN previous_visit AS pv ON pv.session_id = s.session_id;

COMMENT ON TABLE mart_clickstream IS
    'Mart: one row per web session: path (first 12 page types), product and help pages seen, exit page, checkout reached, conversion within 7 days (bank: an account opened; retail: a web or app order), and the high-intent and distress signals that should offer chat or a callback.';
COMMENT ON COLUMN mart_clickstream.path IS 'Page types of the first 12 page views, joined by >.';
COMMENT ON COLUMN mart_clickstream.converted_within_7d IS 'The identified customer converted within 7 days of the session start (bank: opened an account; retail: ordered on the web or in the app).';
COMMENT ON COLUMN mart_clickstream.high_intent_signal IS 'Rule: at least 4 product pages, or the checkout reached.';
COMMENT ON COLUMN mart_clickstream.distress_signal IS 'Rule: at least 3 help pages (FAQ, support, tracking), or a help page within 2 days of the previous visit from the same device.';
