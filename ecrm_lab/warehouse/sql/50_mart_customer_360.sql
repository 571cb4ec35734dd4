-- Mart: the 360-degree view of the customer, one row per customer, as of the end of the
-- horizon: profile and consent, holdings, recency / frequency / monetary value, value, channel
-- mix, service history, campaign history, sales and lifecycle.

CREATE TABLE mart_customer_360 AS
WITH horizon AS (
    SELECT end_date FROM etl_run
),
rfm AS (
    SELECT a.customer_id,
           MIN(a.first_at) AS first_purchase_at,
           MAX(a.last_at) AS last_purchase_at,
           CAST(SUM(a.n_purchases) AS BIGINT) AS frequency_total,
           ROUND(SUM(a.value), 2) AS monetary_total,
           CAST(SUM(a.n_purchases_12m) AS BIGINT) AS frequency_12m,
           ROUND(SUM(a.value_12m), 2) AS monetary_12m,
           CAST(SUM(CASE WHEN ch.is_digital THEN a.n_purchases ELSE 0 END) AS BIGINT)
               AS digital_purchases
    FROM int_activity_summary AS a
    LEFT JOIN ref_channel AS ch ON ch.channel_code = a.channel_code
    GROUP BY a.customer_id
),
top_channel AS (
    -- the channel of most purchases (ties: the first code); hash aggregates, no sort
    SELECT c.customer_id, MIN(c.channel_code) AS top_purchase_channel
    FROM (
        SELECT customer_id, channel_code, SUM(n_purchases) AS n
        FROM int_activity_summary
        GROUP BY customer_id, channel_code
    ) AS c
    JOIN (
        SELECT customer_id, MAX(n) AS n
        FROM (
            SELECT customer_id, channel_code, SUM(n_purchases) AS n
            FROM int_activity_summary
            GROUP BY customer_id, channel_code
        ) AS t
        GROUP BY customer_id
    ) AS m ON m.customer_id = c.customer_id AND m.n = c.n
    GROUP BY c.customer_id
),
holding_values AS (
    -- the few distinct things one can hold (bank products, retail categories), numbered
    SELECT holding, ROW_NUMBER() OVER (ORDER BY holding) AS g
    FROM (SELECT DISTINCT holding FROM int_holding WHERE is_open) AS v
),
holdings AS (
    -- open holdings: their number and a flag per holding value (a cheap integer pivot)
    SELECT h.customer_id,
           COUNT(*) AS n_holdings,
           MAX(CASE WHEN v.g = 1 THEN 1 ELSE 0 END) AS f1,
           MAX(CASE WHEN v.g = 2 THEN 1 ELSE 0 END) AS f2,
           MAX(CASE WHEN v.g = 3 THEN 1 ELSE 0 END) AS f3,
           MAX(CASE WHEN v.g = 4 THEN 1 ELSE 0 END) AS f4,
           MAX(CASE WHEN v.g = 5 THEN 1 ELSE 0 END) AS f5,
           MAX(CASE WHEN v.g = 6 THEN 1 ELSE 0 END) AS f6,
           MAX(CASE WHEN v.g = 7 THEN 1 ELSE 0 END) AS f7,
           MAX(CASE WHEN v.g = 8 THEN 1 ELSE 0 END) AS f8,
           MAX(CASE WHEN v.g = 9 THEN 1 ELSE 0 END) AS f9,
           MAX(CASE WHEN v.g = 10 THEN 1 ELSE 0 END) AS f10,
           MAX(CASE WHEN v.g = 11 THEN 1 ELSE 0 END) AS f11,
           MAX(CASE WHEN v.g = 12 THEN 1 ELSE 0 END) AS f12
    FROM int_holding AS h
    JOIN holding_values AS v ON v.holding = h.holding
    WHERE h.is_open
    GROUP BY h.customer_id
),
web AS (
    SELECT customer_id,
           COUNT(*) AS n_web_sessions,
           COUNT(CASE WHEN device = 'mobile' THEN 1 END) AS n_mobile_sessions,
           CAST(SUM(n_page_views) AS BIGINT) AS n_page_views,
           MAX(started_at) AS last_web_visit_at
    FROM fact_web_session
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id
),
service AS (
    SELECT s.customer_id,
           COUNT(*) AS n_service_requests,
           COUNT(CASE WHEN s.category = 'complaint' THEN 1 END) AS n_complaints,
           COUNT(CASE WHEN s.status = 'open' THEN 1 END) AS n_open_requests,
           COUNT(CASE WHEN ch.is_digital THEN 1 END) AS n_digital_requests,
           AVG(s.satisfaction) AS avg_satisfaction,
           AVG(s.hours_to_resolve) AS avg_hours_to_resolve,
           MAX(s.opened_at) AS last_request_at
    FROM fact_service_request AS s
    LEFT JOIN dim_channel AS ch ON ch.channel_key = s.channel_key
    GROUP BY s.customer_id
),
campaigns AS (
    SELECT customer_id,
           COUNT(CASE WHEN contact_group = 'treatment' THEN 1 END) AS n_campaign_contacts,
           COUNT(CASE WHEN contact_group = 'treatment' AND opened THEN 1 END)
               AS n_campaign_opened,
           COUNT(CASE WHEN contact_group = 'treatment' AND clicked THEN 1 END)
               AS n_campaign_clicked,
           COUNT(CASE WHEN contact_group = 'treatment' AND took_up THEN 1 END)
               AS n_campaign_take_ups,
           SUM(cost) AS campaign_cost,
           MAX(CASE WHEN contact_group = 'treatment' THEN contacted_at END) AS last_contacted_at
    FROM fact_campaign_contact
    GROUP BY customer_id
),
sales AS (
    SELECT customer_id,
           COUNT(*) AS n_opportunities,
           COUNT(CASE WHEN outcome = 'won' THEN 1 END) AS n_deals_won
    FROM fact_sales_opportunity
    GROUP BY customer_id
),
life AS (
    SELECT customer_id,
           COUNT(CASE WHEN event_type = 'adoption' THEN 1 END) AS n_adoptions,
           COUNT(CASE WHEN event_type = 'churn' THEN 1 END) AS n_churn_events,
           COUNT(CASE WHEN event_type = 'win_back' THEN 1 END) AS n_win_backs
    FROM fact_lifecycle_event
    GROUP BY customer_id
)
SELECT
    p.*,
    d.customer_key,
    d.value_tier,
    d.status,
    d.version AS n_versions,
    CAST(EXTRACT(YEAR FROM (SELECT end_date FROM horizon)) - EXTRACT(YEAR FROM p.birth_date)
         - CASE WHEN EXTRACT(MONTH FROM (SELECT end_date FROM horizon)) * 100
                     + EXTRACT(DAY FROM (SELECT end_date FROM horizon))
                   < EXTRACT(MONTH FROM p.birth_date) * 100 + EXTRACT(DAY FROM p.birth_date)
                THEN 1 ELSE 0 END AS INTEGER) AS age,
    CAST((SELECT end_date FROM horizon) - p.acquisition_date AS INTEGER) AS tenure_days,
    -- holdings
    COALESCE(h.n_holdings, 0) AS n_holdings,
    NULLIF(CONCAT_WS(', ',
        CASE WHEN h.f1 = 1 THEN (SELECT holding FROM holding_values WHERE g = 1) END,
        CASE WHEN h.f2 = 1 THEN (SELECT holding FROM holding_values WHERE g = 2) END,
        CASE WHEN h.f3 = 1 THEN (SELECT holding FROM holding_values WHERE g = 3) END,
        CASE WHEN h.f4 = 1 THEN (SELECT holding FROM holding_values WHERE g = 4) END,
        CASE WHEN h.f5 = 1 THEN (SELECT holding FROM holding_values WHERE g = 5) END,
        CASE WHEN h.f6 = 1 THEN (SELECT holding FROM holding_values WHERE g = 6) END,
        CASE WHEN h.f7 = 1 THEN (SELECT holding FROM holding_values WHERE g = 7) END,
        CASE WHEN h.f8 = 1 THEN (SELECT holding FROM holding_values WHERE g = 8) END,
        CASE WHEN h.f9 = 1 THEN (SELECT holding FROM holding_values WHERE g = 9) END,
        CASE WHEN h.f10 = 1 THEN (SELECT holding FROM holding_values WHERE g = 10) END,
        CASE WHEN h.f11 = 1 THEN (SELECT holding FROM holding_values WHERE g = 11) END,
        CASE WHEN h.f12 = 1 THEN (SELECT holding FROM holding_values WHERE g = 12) END
    ), '') AS holdings,
    -- recency, frequency, monetary
    CAST((SELECT end_date FROM horizon) - CAST(r.last_purchase_at AS DATE) AS INTEGER)
        AS recency_days,
    COALESCE(r.frequency_12m, 0) AS frequency_12m,
    COALESCE(r.monetary_12m, 0) AS monetary_12m,
    COALESCE(r.frequency_total, 0) AS frequency_total,
    COALESCE(r.monetary_total, 0) AS monetary_total,
    r.first_purchase_at,
    r.last_purchase_at,
    -- value
    COALESCE(v.revenue_12m, 0) AS revenue_12m,
    COALESCE(v.margin_12m, 0) AS margin_12m,
    -- channel mix
    tc.top_purchase_channel,
    CASE WHEN r.frequency_total > 0
         THEN CAST(r.digital_purchases AS DOUBLE) / r.frequency_total END
        AS digital_purchase_share,
    COALESCE(w.n_web_sessions, 0) AS n_web_sessions,
    COALESCE(w.n_mobile_sessions, 0) AS n_mobile_sessions,
    COALESCE(w.n_page_views, 0) AS n_page_views,
    w.last_web_visit_at,
    -- service history
    COALESCE(s.n_service_requests, 0) AS n_service_requests,
    COALESCE(s.n_complaints, 0) AS n_complaints,
    COALESCE(s.n_open_requests, 0) AS n_open_requests,
    CASE WHEN s.n_service_requests > 0
         THEN CAST(s.n_digital_requests AS DOUBLE) / s.n_service_requests END
        AS digital_service_share,
    s.avg_satisfaction,
    s.avg_hours_to_resolve,
    s.last_request_at,
    -- campaign history
    COALESCE(k.n_campaign_contacts, 0) AS n_campaign_contacts,
    COALESCE(k.n_campaign_opened, 0) AS n_campaign_opened,
    COALESCE(k.n_campaign_clicked, 0) AS n_campaign_clicked,
    COALESCE(k.n_campaign_take_ups, 0) AS n_campaign_take_ups,
    COALESCE(k.campaign_cost, 0) AS campaign_cost,
    k.last_contacted_at,
    -- sales and lifecycle
    COALESCE(o.n_opportunities, 0) AS n_opportunities,
    COALESCE(o.n_deals_won, 0) AS n_deals_won,
    COALESCE(l.n_adoptions, 0) AS n_adoptions,
    COALESCE(l.n_churn_events, 0) AS n_churn_events,
    COALESCE(l.n_win_backs, 0) AS n_win_backs
FROM int_customer_profile AS p
JOIN dim_customer AS d ON d.customer_id = p.customer_id AND d.is_current
LEFT JOIN rfm AS r ON r.customer_id = p.customer_id
LEFT JOIN top_channel AS tc ON tc.customer_id = p.customer_id
LEFT JOIN holdings AS h ON h.customer_id = p.customer_id
LEFT JOIN int_customer_value AS v ON v.customer_id = p.customer_id
LEFT JOIN web AS w ON w.customer_id = p.customer_id
LEFT JOIN service AS s ON s.customer_id = p.customer_id
LEFT JOIN campaigns AS k ON k.customer_id = p.customer_id
LEFT JOIN sales AS o ON o.customer_id = p.customer_id
LEFT JOIN life AS l ON l.customer_id = p.customer_id;

COMMENT ON TABLE mart_customer_360 IS
    'Mart: the single view of each customer as of the end of the horizon: profile and consent, holdings, recency/frequency/monetary value, estimated yearly value, channel mix, service history, campaign history, sales and lifecycle events.';
COMMENT ON COLUMN mart_customer_360.recency_days IS 'Days from the last purchase to the end of the horizon (missing: never purchased).';
COMMENT ON COLUMN mart_customer_360.frequency_12m IS 'Purchases in the last 365 days of the horizon.';
COMMENT ON COLUMN mart_customer_360.monetary_12m IS 'Value of the purchases in the last 365 days.';
COMMENT ON COLUMN mart_customer_360.revenue_12m IS 'Estimated yearly revenue (bank: fees + interest margin of open accounts; retail: order value of the last 365 days).';
COMMENT ON COLUMN mart_customer_360.margin_12m IS 'Estimated yearly margin (bank: revenue - running costs; retail: gross margin of the last 365 days).';
COMMENT ON COLUMN mart_customer_360.digital_purchase_share IS 'Share of purchases made through a digital channel.';
COMMENT ON COLUMN mart_customer_360.digital_service_share IS 'Share of service requests made through a digital channel.';
COMMENT ON COLUMN mart_customer_360.n_versions IS 'Number of type-2 versions of the customer (the current one is the last).';
