-- Fact: campaign contacts, one row per customer selected for a campaign (treatment or
-- control), with what the customer did afterwards (opened, clicked, took up).

CREATE TABLE fact_campaign_contact AS
WITH r AS (
    SELECT contact_id,
           MAX(CASE WHEN response_type = 'opened' THEN 1 ELSE 0 END) AS opened,
           MAX(CASE WHEN response_type = 'clicked' THEN 1 ELSE 0 END) AS clicked,
           MAX(CASE WHEN response_type = 'took_up' THEN 1 ELSE 0 END) AS took_up,
           MIN(CASE WHEN response_type = 'took_up' THEN response_date END) AS took_up_at
    FROM stg_campaign_responses
    GROUP BY contact_id
)
SELECT
    k.contact_id,
    cp.campaign_key,
    CAST(EXTRACT(YEAR FROM k.contact_date) * 10000 + EXTRACT(MONTH FROM k.contact_date) * 100
         + EXTRACT(DAY FROM k.contact_date) AS INTEGER) AS date_key,
    c.customer_key,
    k.customer_id,
    ch.channel_key,
    k."group" AS contact_group,
    k.contact_date AS contacted_at,
    k.cost,
    COALESCE(r.opened, 0) = 1 AS opened,
    COALESCE(r.clicked, 0) = 1 AS clicked,
    COALESCE(r.took_up, 0) = 1 AS took_up,
    r.took_up_at
FROM stg_campaign_contacts AS k
JOIN dim_campaign AS cp ON cp.campaign_id = k.campaign_id
LEFT JOIN r ON r.contact_id = k.contact_id
LEFT JOIN dim_customer AS c
       ON c.customer_id = k.customer_id
      AND k.contact_date >= c.valid_from AND k.contact_date < c.valid_to
LEFT JOIN dim_channel AS ch ON ch.channel_code = k.channel;

COMMENT ON TABLE fact_campaign_contact IS
    'Fact: campaign contacts (treatment) and held-out controls, with the cost and the responses that followed (opened, clicked, took_up).';
COMMENT ON COLUMN fact_campaign_contact.contact_group IS 'treatment (contacted) or control (held out at random, not contacted).';
