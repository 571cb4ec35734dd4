-- Integration, part 5: identity resolution.
--
-- Every key of every source system is linked to one customer where the evidence allows:
--   crm          the CRM key is the customer number ('C' + 7 digits); near duplicates take
--                the number of their surviving key;
--   web_account  the CRM number stored at onboarding, else a unique match of the e-mail
--                address and first name with the CRM record;
--   billing      the customer number on the billing record, else a unique match of holder
--                name and region with the CRM record;
--   web_cookie   a cookie belongs to the customer who logged in with it (web account) or who
--                clicked a campaign link carrying the CRM key in a session with it: all the
--                cookie's other, anonymous sessions are then that customer's too.
-- Keys without evidence (prospects' cookies and accounts) stay unresolved.

CREATE TABLE int_identity AS
-- CRM keys
SELECT 'crm' AS system, crm_id AS key, customer_number AS customer_id,
       CASE WHEN crm_number = customer_number THEN 'crm_key' ELSE 'near_duplicate' END AS method
FROM int_crm_survivor
UNION ALL
-- web accounts: surviving accounts first, then their near duplicates
SELECT 'web_account', s.web_user_id, r.customer_id,
       CASE WHEN s.web_user_id = s.survivor_id THEN r.method ELSE 'near_duplicate' END
FROM int_web_survivor AS s
JOIN (
    SELECT a.web_user_id,
           COALESCE(a.crm_customer_no, m.customer_id) AS customer_id,
           CASE WHEN a.crm_customer_no IS NOT NULL THEN 'crm_number' ELSE 'email_match' END
               AS method
    FROM int_web_account AS a
    LEFT JOIN (
        SELECT email, first_name, MIN(customer_id) AS customer_id
        FROM int_crm_customer
        WHERE email IS NOT NULL
        GROUP BY email, first_name
        HAVING COUNT(*) = 1
    ) AS m ON m.email = a.email AND m.first_name = a.first_name
    WHERE a.crm_customer_no IS NOT NULL OR m.customer_id IS NOT NULL
) AS r ON r.web_user_id = s.survivor_id
UNION ALL
-- billing ids
SELECT 'billing', CAST(s.billing_id AS VARCHAR), r.customer_id,
       CASE WHEN s.billing_id = s.survivor_id THEN r.method ELSE 'near_duplicate' END
FROM int_billing_survivor AS s
JOIN (
    SELECT b.billing_id,
           COALESCE(b.customer_ref, m.customer_id) AS customer_id,
           CASE WHEN b.customer_ref IS NOT NULL THEN 'customer_ref'
                ELSE 'name_region_match' END AS method
    FROM int_billing_account AS b
    LEFT JOIN (
        SELECT UPPER(first_name) AS first_name, UPPER(last_name) AS last_name, region,
               MIN(customer_id) AS customer_id
        FROM int_crm_customer
        GROUP BY UPPER(first_name), UPPER(last_name), region
        HAVING COUNT(*) = 1
    ) AS m ON m.first_name = b.holder_first_name AND m.last_name = b.holder_last_name
          AND m.region = b.region
    WHERE b.customer_ref IS NOT NULL OR m.customer_id IS NOT NULL
) AS r ON r.billing_id = s.survivor_id;

-- cookies: evidence from identified sessions, then the most frequent customer per cookie
INSERT INTO int_identity
WITH evidence AS (
    SELECT w.visitor_id, i.customer_id, 'login' AS method
    FROM stg_web_sessions AS w
    JOIN int_identity AS i ON i.system = 'web_account' AND i.key = w.web_user_id
    UNION ALL
    SELECT w.visitor_id, s.customer_number, 'campaign_link'
    FROM stg_web_sessions AS w
    JOIN int_crm_survivor AS s ON s.crm_id = w.link_customer_ref
),
counted AS (
    SELECT visitor_id, customer_id, MIN(method) AS method, COUNT(*) AS n
    FROM evidence
    GROUP BY visitor_id, customer_id
),
ranked AS (
    SELECT visitor_id, customer_id, method,
           ROW_NUMBER() OVER (PARTITION BY visitor_id ORDER BY n DESC, customer_id) AS rn
    FROM counted
)
SELECT 'web_cookie', visitor_id, customer_id, method
FROM ranked
WHERE rn = 1;

INSERT INTO etl_integration_report
SELECT 7, 'identity resolution', 'identity', method, system, COUNT(*),
       'keys linked to a customer'
FROM int_identity
GROUP BY system, method;

INSERT INTO etl_integration_report
SELECT 7, 'identity resolution', 'identity', 'unresolved', 'web_cookie', COUNT(DISTINCT visitor_id),
       'cookies with no login or campaign link in any session (prospects or anonymous visitors)'
FROM stg_web_sessions
WHERE visitor_id NOT IN (SELECT key FROM int_identity WHERE system = 'web_cookie');

COMMENT ON TABLE int_identity IS
    'Integration: identity resolution. Every key of every source system (crm, web_account, billing, web_cookie) linked to a customer, with the evidence used (method).';
COMMENT ON COLUMN int_identity.method IS
    'Evidence: crm_key, near_duplicate, crm_number, email_match, customer_ref, name_region_match, login or campaign_link.';
