-- Fact: web sessions (click-stream), one row per visit, with the visitor resolved to a
-- customer where identity resolution allows: by the login of the session, by the campaign
-- link it came from, or by the cookie (stitching the anonymous visits of a known device).

CREATE TABLE fact_web_session AS
WITH resolved AS (
    SELECT
        w.*,
        login.customer_id AS login_customer,
        link.customer_number AS link_customer,
        cookie.customer_id AS cookie_customer
    FROM stg_web_sessions AS w
    LEFT JOIN int_identity AS login ON login.system = 'web_account' AND login.key = w.web_user_id
    LEFT JOIN int_crm_survivor AS link ON link.crm_id = w.link_customer_ref
    LEFT JOIN int_identity AS cookie ON cookie.system = 'web_cookie' AND cookie.key = w.visitor_id
)
SELECT
    r.session_id,
    r.visitor_id,
    CAST(EXTRACT(YEAR FROM r.started_at) * 10000 + EXTRACT(MONTH FROM r.started_at) * 100
         + EXTRACT(DAY FROM r.started_at) AS INTEGER) AS date_key,
    c.customer_key,
    COALESCE(r.login_customer, r.link_customer, r.cookie_customer) AS customer_id,
    CASE
        WHEN r.login_customer IS NOT NULL THEN 'login'
        WHEN r.link_customer IS NOT NULL THEN 'campaign_link'
        WHEN r.cookie_customer IS NOT NULL THEN 'cookie_stitching'
        ELSE 'anonymous'
    END AS identified_by,
    ch.channel_key,
    r.device,
    r.referrer,
    r.landing_page,
    r.started_at,
    r.ended_at,
    EXTRACT(EPOCH FROM (r.ended_at - r.started_at)) AS duration_seconds,
    r.n_page_views,
    r.web_user_id IS NOT NULL AS logged_in
FROM resolved AS r
LEFT JOIN dim_customer AS c
       ON c.customer_id = COALESCE(r.login_customer, r.link_customer, r.cookie_customer)
      AND r.started_at >= c.valid_from AND r.started_at < c.valid_to
LEFT JOIN dim_channel AS ch
       ON ch.channel_code = CASE WHEN r.device = 'mobile' THEN 'mobile' ELSE 'web' END;

COMMENT ON TABLE fact_web_session IS
    'Fact: web sessions (click-stream) with the visitor resolved to a customer where possible (identified_by: login, campaign_link, cookie_stitching or anonymous), device channel, referrer, landing page, duration and page views.';
COMMENT ON COLUMN fact_web_session.duration_seconds IS 'Seconds from the first page view to leaving the last page.';
