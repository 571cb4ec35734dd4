-- Integration, part 6 (bank): one profile row per customer, the master record enriched with
-- what the other systems know (CRM income, web account, billing).

CREATE TABLE int_customer_profile AS
SELECT
    c.customer_id,
    c.first_name,
    c.last_name,
    c.gender,
    CAST(c.birth_date AS DATE) AS birth_date,
    c.region,
    c.city,
    e.email,
    e.email_valid,
    e.is_shared AS email_shared,
    c.phone,
    CAST(c.acquisition_date AS DATE) AS acquisition_date,
    c.acquisition_channel,
    c.consent_email,
    c.consent_sms,
    c.consent_phone,
    c.consent_post,
    c.income_band,
    crm.annual_income,
    web.web_user_id IS NOT NULL AS has_web_account,
    COALESCE(web.newsletter, FALSE) AS newsletter,
    bill.balance_due AS billing_balance_due
FROM stg_customers AS c
LEFT JOIN int_customer_email AS e ON e.customer_id = c.customer_id
LEFT JOIN int_crm_customer AS crm ON crm.customer_id = c.customer_id
LEFT JOIN (
    SELECT i.customer_id, MIN(a.web_user_id) AS web_user_id, BOOL_OR(a.newsletter) AS newsletter
    FROM int_identity AS i
    JOIN int_web_account AS a ON a.web_user_id = i.key
    WHERE i.system = 'web_account'
    GROUP BY i.customer_id
) AS web ON web.customer_id = c.customer_id
LEFT JOIN (
    SELECT i.customer_id, SUM(b.balance_due) AS balance_due
    FROM int_identity AS i
    JOIN int_billing_account AS b ON CAST(b.billing_id AS VARCHAR) = i.key
    WHERE i.system = 'billing'
    GROUP BY i.customer_id
) AS bill ON bill.customer_id = c.customer_id;

COMMENT ON TABLE int_customer_profile IS
    'Integration: one profile per customer, the customer master enriched with the cleaned e-mail, the CRM income, the web account and the billing balance.';
