-- Dimension: marketing campaigns.

CREATE TABLE dim_campaign AS
SELECT
    ROW_NUMBER() OVER (ORDER BY c.campaign_id) AS campaign_key,
    c.campaign_id,
    c.campaign_code,
    c.name AS campaign_name,
    c.offer,
    c.product_code,
    p.product_key,
    c.channel AS channel_code,
    ch.channel_key,
    CAST(c.start_date AS DATE) AS start_date,
    CAST(c.end_date AS DATE) AS end_date,
    c.discount,
    c.cost_per_contact,
    c.n_treatment,
    c.n_control
FROM stg_campaigns AS c
LEFT JOIN dim_product AS p ON p.product_code = c.product_code
LEFT JOIN dim_channel AS ch ON ch.channel_code = c.channel;

COMMENT ON TABLE dim_campaign IS
    'Dimension: campaigns: the offer, the product featured, the channel, the dates of the response window, the cost per contact and the sizes of the treatment and control groups.';
COMMENT ON COLUMN dim_campaign.campaign_key IS 'Surrogate key.';
