-- Integration, part 4: e-mail addresses of the customer master (customers.email) cleaned.
--
-- An address is the bridge between the web (accounts log in with it) and the CRM, so it is
-- harmonised: blanks trimmed, lower case, the common typos of the big domains corrected
-- (ref_email_domain), placeholders and addresses without '@' set to missing. Addresses used
-- by more than one customer (households) are flagged, not merged: they are not duplicates.

CREATE TABLE int_customer_email AS
WITH e AS (
    SELECT customer_id, email AS email_raw, LOWER(TRIM(email)) AS e
    FROM stg_customers
),
parts AS (
    SELECT e.*,
           CASE WHEN POSITION('@' IN e) > 0
                THEN SUBSTRING(e FROM 1 FOR POSITION('@' IN e) - 1) END AS local_part,
           CASE WHEN POSITION('@' IN e) > 0
                THEN SUBSTRING(e FROM POSITION('@' IN e) + 1) END AS domain_part
    FROM e
),
checked AS (
    SELECT p.customer_id, p.email_raw,
           CASE
               WHEN p.email_raw IS NULL THEN 'missing'
               WHEN ph.placeholder IS NOT NULL THEN 'placeholder'
               WHEN p.local_part IS NULL THEN 'no_at'
               WHEN p.email_raw <> TRIM(p.email_raw) THEN 'whitespace'
               WHEN p.email_raw <> LOWER(p.email_raw) THEN 'uppercase'
               WHEN d.is_typo THEN 'typo_domain'
               ELSE 'ok'
           END AS fault_found,
           CASE
               WHEN p.email_raw IS NULL OR ph.placeholder IS NOT NULL OR p.local_part IS NULL
               THEN NULL
               ELSE p.local_part || '@' || COALESCE(d.clean_domain, p.domain_part)
           END AS email
    FROM parts AS p
    LEFT JOIN ref_email_domain AS d ON d.raw_domain = p.domain_part
    LEFT JOIN ref_email_placeholder AS ph ON ph.placeholder = p.e
)
SELECT customer_id, email_raw, email, email IS NOT NULL AS email_valid, fault_found,
       CASE WHEN email IS NULL THEN FALSE
            ELSE COUNT(*) OVER (PARTITION BY email) > 1 END AS is_shared
FROM checked;

INSERT INTO etl_integration_report
SELECT CASE fault_found WHEN 'missing' THEN 6 WHEN 'typo_domain' THEN 2
                        WHEN 'placeholder' THEN 5 WHEN 'no_at' THEN 5 ELSE 4 END,
       CASE fault_found WHEN 'missing' THEN 'missing values'
                        WHEN 'typo_domain' THEN 'code harmonisation'
                        WHEN 'placeholder' THEN 'outliers and invalid values'
                        WHEN 'no_at' THEN 'outliers and invalid values'
                        ELSE 'case and whitespace' END,
       'customers', fault_found, 'email', COUNT(*),
       CASE fault_found WHEN 'missing' THEN 'flagged as missing'
                        WHEN 'typo_domain' THEN 'corrected the domain (ref_email_domain)'
                        WHEN 'placeholder' THEN 'set to missing'
                        WHEN 'no_at' THEN 'set to missing'
                        WHEN 'whitespace' THEN 'trimmed'
                        ELSE 'lower-cased' END
FROM int_customer_email
WHERE fault_found <> 'ok'
GROUP BY fault_found;

INSERT INTO etl_integration_report
SELECT 4, 'case and whitespace', 'customers', 'shared', 'email',
       COUNT(*) - COUNT(DISTINCT email),
       'flagged addresses used by more than one customer (households; not merged)'
FROM int_customer_email
WHERE is_shared;

COMMENT ON TABLE int_customer_email IS
    'Integration: each customer''s e-mail address as delivered and cleaned (trimmed, lower case, domain typos corrected, placeholders and addresses without @ set to missing), with the problem found and a flag for addresses shared by several customers.';
COMMENT ON COLUMN int_customer_email.fault_found IS
    'Problem found: ok, missing, placeholder, no_at, whitespace, uppercase or typo_domain.';
