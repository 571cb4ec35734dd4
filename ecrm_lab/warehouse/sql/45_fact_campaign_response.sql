-- Fact: campaign responses, one row per response event.

CREATE TABLE fact_campaign_response AS
SELECT
    r.response_id,
    r.contact_id,
    cp.campaign_key,
    CAST(EXTRACT(YEAR FROM r.response_date) * 10000 + EXTRACT(MONTH FROM r.response_date) * 100
         + EXTRACT(DAY FROM r.response_date) AS INTEGER) AS date_key,
    c.customer_key,
    r.customer_id,
    k.contact_group,
    r.response_type,
    r.response_date AS responded_at,
    EXTRACT(EPOCH FROM (r.response_date - k.contacted_at)) / 86400.0 AS days_after_contact
FROM stg_campaign_responses AS r
JOIN dim_campaign AS cp ON cp.campaign_id = r.campaign_id
JOIN fact_campaign_contact AS k ON k.contact_id = r.contact_id
LEFT JOIN dim_customer AS c
       ON c.customer_id = r.customer_id
      AND r.response_date >= c.valid_from AND r.response_date < c.valid_to;

COMMENT ON TABLE fact_campaign_response IS
    'Fact: campaign responses (opened, clicked, took_up) with the group of the contact and the days since the contact.';
