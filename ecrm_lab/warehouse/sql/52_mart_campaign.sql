-- Mart: campaign performance, one row per campaign: contacts and the held-out control group,
-- responses, take-up with and without contact (uplift), cost and return.

CREATE TABLE mart_campaign AS
WITH k AS (
    SELECT campaign_key,
           COUNT(CASE WHEN contact_group = 'treatment' THEN 1 END) AS contacts,
           COUNT(CASE WHEN contact_group = 'control' THEN 1 END) AS controls,
           COUNT(CASE WHEN contact_group = 'treatment' AND opened THEN 1 END) AS opened,
           COUNT(CASE WHEN contact_group = 'treatment' AND clicked THEN 1 END) AS clicked,
           COUNT(CASE WHEN contact_group = 'treatment' AND took_up THEN 1 END)
               AS take_ups,
           COUNT(CASE WHEN contact_group = 'control' AND took_up THEN 1 END)
               AS control_take_ups,
           SUM(cost) AS cost
    FROM fact_campaign_contact
    GROUP BY campaign_key
),
m AS (
    SELECT k.*,
           CASE WHEN contacts > 0 THEN CAST(take_ups AS DOUBLE) / contacts END AS take_up_rate,
           CASE WHEN controls > 0 THEN CAST(control_take_ups AS DOUBLE) / controls END
               AS control_take_up_rate
    FROM k
)
SELECT
    c.campaign_key,
    c.campaign_id,
    c.campaign_code,
    c.campaign_name,
    c.offer,
    c.product_code,
    c.channel_code AS channel,
    c.start_date,
    c.end_date,
    CAST(EXTRACT(YEAR FROM c.start_date) AS INTEGER) AS year,
    CAST(EXTRACT(YEAR FROM c.start_date) AS VARCHAR) || '-Q'
        || CAST(CAST((EXTRACT(MONTH FROM c.start_date) - 1) / 3 AS INTEGER) + 1 AS VARCHAR)
        AS quarter,
    c.discount,
    c.cost_per_contact,
    m.contacts,
    m.controls,
    m.opened,
    m.clicked,
    m.take_ups,
    m.control_take_ups,
    CASE WHEN m.contacts > 0 THEN CAST(m.opened AS DOUBLE) / m.contacts END AS open_rate,
    CASE WHEN m.contacts > 0 THEN CAST(m.clicked AS DOUBLE) / m.contacts END AS click_rate,
    m.take_up_rate,
    m.control_take_up_rate,
    m.take_up_rate - m.control_take_up_rate AS uplift,
    (m.take_up_rate - m.control_take_up_rate) * m.contacts AS incremental_take_ups,
    m.cost,
    CASE WHEN m.contacts > 0 THEN 1000 * m.cost / m.contacts END AS cost_per_thousand,
    CASE WHEN m.clicked > 0 THEN m.cost / m.clicked END AS cost_per_click,
    CASE WHEN m.take_ups > 0 THEN m.cost / m.take_ups END AS cost_per_acquisition,
    CASE WHEN (m.take_up_rate - m.control_take_up_rate) * m.contacts > 0
         THEN m.cost / ((m.take_up_rate - m.control_take_up_rate) * m.contacts) END
        AS cost_per_incremental_take_up,
    r.margin,
    CASE WHEN m.cost > 0 THEN (r.margin - m.cost) / m.cost END AS roi
FROM dim_campaign AS c
LEFT JOIN m ON m.campaign_key = c.campaign_key
LEFT JOIN int_campaign_revenue AS r ON r.campaign_id = c.campaign_id;

COMMENT ON TABLE mart_campaign IS
    'Mart: one row per campaign: contacts and controls, open, click and take-up rates, uplift over the random control group, incremental take-ups, cost, cost per thousand (CPM), per click, per acquisition and per incremental take-up, margin and return on investment.';
COMMENT ON COLUMN mart_campaign.uplift IS 'Take-up rate of the contacted minus that of the held-out control group.';
COMMENT ON COLUMN mart_campaign.roi IS 'Return on investment: (margin - cost) / cost.';
COMMENT ON COLUMN mart_campaign.margin IS 'Margin of the take-ups (bank: first-year margin of the product at its average balance; retail: gross margin of the promo-code orders).';
