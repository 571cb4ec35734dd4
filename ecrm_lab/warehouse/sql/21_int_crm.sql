-- Integration, part 1: the CRM extract (raw_crm_customers) profiled, cleaned, de-duplicated.
--
-- Conventions of the CRM: key 'C' + 7 digits of the customer number, names in title case,
-- gender F/M/U, ISO dates, region names, country GB. Every value that breaks them is a fault;
-- the report counts them on the staged rows exactly as delivered.

-- 1. de-duplication ----------------------------------------------------------------------
-- the distinct rows, once (exact duplicates dropped)
CREATE TABLE int_crm_distinct AS SELECT DISTINCT * FROM stg_raw_crm_customers;

-- exact duplicates: rows identical to an earlier row (double loads)
INSERT INTO etl_integration_report
SELECT 1, 'de-duplication', 'raw_crm_customers', 'duplicate_exact', '*',
       (SELECT COUNT(*) FROM stg_raw_crm_customers)
       - (SELECT COUNT(*) FROM int_crm_distinct),
       'removed rows identical to an earlier row';

-- near duplicates: the same person registered again under a new key (every field equal
-- except the key, the case of the name and the registration date)
-- (sentinel birth dates differ between the copies, so they are compared as missing)
CREATE TABLE int_crm_person AS
WITH d AS (SELECT * FROM int_crm_distinct),
y AS (
    SELECT d.*,
           CASE
               WHEN birth_date LIKE '____-__-__'
               THEN CAST(SUBSTRING(birth_date FROM 1 FOR 4) AS INTEGER)
               WHEN birth_date LIKE '__/__/____'
               THEN CAST(SUBSTRING(birth_date FROM 7 FOR 4) AS INTEGER)
           END AS birth_year
    FROM d
)
SELECT
    crm_id,
    CAST(SUBSTRING(crm_id FROM 2) AS BIGINT) AS crm_number,
    DENSE_RANK() OVER (
        ORDER BY LOWER(TRIM(first_name)), LOWER(TRIM(last_name)), gender,
                 CASE WHEN birth_year < 1905
                        OR birth_year > EXTRACT(YEAR FROM (SELECT end_date FROM etl_run))
                      THEN NULL ELSE birth_date END,
                 email, phone, region, country, annual_income
    ) AS person_no
FROM y;

CREATE TABLE int_crm_survivor AS
SELECT crm_id, crm_number, person_no,
       MIN(crm_number) OVER (PARTITION BY person_no) AS customer_number
FROM int_crm_person;

INSERT INTO etl_integration_report
SELECT 1, 'de-duplication', 'raw_crm_customers', 'duplicate_near', '*',
       COUNT(*) - COUNT(DISTINCT person_no),
       'merged records of a person already present under another key (kept the lowest key)'
FROM int_crm_survivor;

-- 2.-6. profile every column on the staged rows ------------------------------------------
INSERT INTO etl_integration_report
SELECT s.stage_no, s.stage, 'raw_crm_customers', s.fault, s.column_name, s.n, s.action
FROM (
    SELECT 2 AS stage_no, 'code harmonisation' AS stage, 'inconsistent_code' AS fault,
           'gender' AS column_name,
           COUNT(CASE WHEN gender NOT IN ('F', 'M', 'U') THEN 1 END) AS n,
           'mapped female/f/2, male/m/1, unknown/u/?/0 onto F, M, U' AS action
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 2, 'code harmonisation', 'inconsistent_code', 'region',
           COUNT(CASE WHEN region IS NOT NULL
                     AND region NOT IN ('north', 'south', 'east', 'west', 'capital') THEN 1 END),
           'mapped N/NORTH/Nth, ... onto the region names'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 2, 'code harmonisation', 'inconsistent_code', 'country',
           COUNT(CASE WHEN country <> 'GB' THEN 1 END),
           'mapped UK, United Kingdom, gb onto GB'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 3, 'format repair', 'invalid_format', 'birth_date',
           COUNT(CASE WHEN birth_date IS NOT NULL AND birth_date NOT LIKE '____-__-__' THEN 1 END),
           'parsed DD/MM/YYYY dates'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 3, 'format repair', 'invalid_format', 'phone',
           COUNT(CASE WHEN phone IS NOT NULL AND phone NOT LIKE '+44 7___ ______' THEN 1 END),
           'rewrote national 07... numbers as +44 7ddd dddddd'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 4, 'case and whitespace', 'case_whitespace', 'first_name',
           COUNT(CASE WHEN first_name <> UPPER(SUBSTRING(TRIM(first_name) FROM 1 FOR 1))
                                     || LOWER(SUBSTRING(TRIM(first_name) FROM 2)) THEN 1 END),
           'trimmed and title-cased'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 4, 'case and whitespace', 'case_whitespace', 'last_name',
           COUNT(CASE WHEN last_name <> UPPER(SUBSTRING(TRIM(last_name) FROM 1 FOR 1))
                                    || LOWER(SUBSTRING(TRIM(last_name) FROM 2)) THEN 1 END),
           'trimmed and title-cased'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 4, 'case and whitespace', 'case_whitespace', 'email',
           COUNT(CASE WHEN email <> LOWER(TRIM(email)) THEN 1 END),
           'trimmed and lower-cased'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 5, 'outliers and invalid values', 'outlier', 'birth_date',
           COUNT(CASE WHEN birth_year < 1905
                      OR birth_year > EXTRACT(YEAR FROM (SELECT end_date FROM etl_run)) THEN 1 END),
           'set sentinel dates (1900-01-01, 2099-12-31) to missing'
    FROM (
        SELECT CASE
                   WHEN birth_date LIKE '____-__-__'
                   THEN CAST(SUBSTRING(birth_date FROM 1 FOR 4) AS INTEGER)
                   WHEN birth_date LIKE '__/__/____'
                   THEN CAST(SUBSTRING(birth_date FROM 7 FOR 4) AS INTEGER)
               END AS birth_year
        FROM stg_raw_crm_customers
    ) AS y
    UNION ALL
    SELECT 5, 'outliers and invalid values', 'outlier', 'annual_income',
           COUNT(CASE WHEN annual_income < 0 OR annual_income > 5000000 THEN 1 END),
           'set negative incomes and incomes above 5 000 000 to missing'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 5, 'outliers and invalid values', 'invalid_value', 'email',
           COUNT(CASE WHEN email IS NOT NULL
                     AND (POSITION('@' IN email) = 0
                          OR LOWER(TRIM(email)) IN (SELECT placeholder FROM ref_email_placeholder)) THEN 1 END),
           'set addresses without @ and placeholders to missing'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'birth_date',
           COUNT(CASE WHEN birth_date IS NULL THEN 1 END), 'flagged as missing'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'email',
           COUNT(CASE WHEN email IS NULL THEN 1 END), 'flagged as missing'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'phone',
           COUNT(CASE WHEN phone IS NULL THEN 1 END), 'flagged as missing'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'region',
           COUNT(CASE WHEN region IS NULL THEN 1 END),
           'filled from the customer master where it knows the region'
    FROM stg_raw_crm_customers
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'annual_income',
           COUNT(CASE WHEN annual_income IS NULL THEN 1 END), 'flagged as missing'
    FROM stg_raw_crm_customers
) AS s;

-- the clean CRM record: one row per surviving key ----------------------------------------
CREATE TABLE int_crm_customer AS
WITH d AS (SELECT * FROM int_crm_distinct),
clean AS (
    SELECT
        d.crm_id,
        UPPER(SUBSTRING(TRIM(d.first_name) FROM 1 FOR 1))
            || LOWER(SUBSTRING(TRIM(d.first_name) FROM 2)) AS first_name,
        UPPER(SUBSTRING(TRIM(d.last_name) FROM 1 FOR 1))
            || LOWER(SUBSTRING(TRIM(d.last_name) FROM 2)) AS last_name,
        CASE
            WHEN LOWER(TRIM(d.gender)) IN ('f', 'female', '2') THEN 'F'
            WHEN LOWER(TRIM(d.gender)) IN ('m', 'male', '1') THEN 'M'
            WHEN LOWER(TRIM(d.gender)) IN ('u', 'unknown', '?', '0') THEN 'U'
        END AS gender,
        CASE
            WHEN d.birth_date LIKE '____-__-__' THEN CAST(d.birth_date AS DATE)
            WHEN d.birth_date LIKE '__/__/____' THEN CAST(
                SUBSTRING(d.birth_date FROM 7 FOR 4) || '-' || SUBSTRING(d.birth_date FROM 4 FOR 2)
                || '-' || SUBSTRING(d.birth_date FROM 1 FOR 2) AS DATE)
        END AS birth_date_parsed,
        CASE
            WHEN d.email IS NULL OR POSITION('@' IN d.email) = 0
              OR LOWER(TRIM(d.email)) IN (SELECT placeholder FROM ref_email_placeholder)
            THEN NULL
            ELSE LOWER(TRIM(d.email))
        END AS email,
        CASE
            WHEN d.phone LIKE '07%' AND LENGTH(d.phone) = 11
            THEN '+44 ' || SUBSTRING(d.phone FROM 2 FOR 4) || ' ' || SUBSTRING(d.phone FROM 6)
            ELSE d.phone
        END AS phone,
        CASE
            WHEN LOWER(TRIM(d.region)) IN ('north', 'n', 'nth') THEN 'north'
            WHEN LOWER(TRIM(d.region)) IN ('south', 's', 'sth') THEN 'south'
            WHEN LOWER(TRIM(d.region)) IN ('east', 'e', 'est') THEN 'east'
            WHEN LOWER(TRIM(d.region)) IN ('west', 'w', 'wst') THEN 'west'
            WHEN LOWER(TRIM(d.region)) IN ('capital', 'c', 'cap') THEN 'capital'
        END AS region,
        'GB' AS country,
        CAST(d.customer_since AS DATE) AS customer_since,
        CASE WHEN d.annual_income < 0 OR d.annual_income > 5000000 THEN NULL
             ELSE d.annual_income END AS annual_income
    FROM d
)
SELECT
    s.customer_number AS customer_id,
    c.crm_id,
    c.first_name,
    c.last_name,
    c.gender,
    CASE WHEN EXTRACT(YEAR FROM c.birth_date_parsed) < 1905
           OR c.birth_date_parsed >= (SELECT end_date FROM etl_run)
         THEN NULL ELSE c.birth_date_parsed END AS birth_date,
    c.email,
    c.phone,
    COALESCE(c.region, m.region) AS region,
    c.country,
    c.customer_since,
    c.annual_income
FROM clean AS c
JOIN int_crm_survivor AS s ON s.crm_id = c.crm_id
LEFT JOIN stg_customers AS m ON m.customer_id = s.customer_number
WHERE s.crm_number = s.customer_number;

COMMENT ON TABLE int_crm_person IS
    'Integration: each distinct CRM row with its person number (rows of one person share it: near duplicates).';
COMMENT ON TABLE int_crm_survivor IS
    'Integration: every CRM key with the customer number of the surviving (lowest) key of its person.';
COMMENT ON TABLE int_crm_customer IS
    'Integration: the cleaned CRM record, one row per customer: codes harmonised, dates parsed, outliers and invalid e-mails set to missing, duplicates merged.';
COMMENT ON COLUMN int_crm_customer.customer_id IS 'Customer number (digits of the surviving CRM key).';
COMMENT ON COLUMN int_crm_customer.annual_income IS 'Declared yearly income; outliers (negative, above 5 000 000) set to missing.';
COMMENT ON TABLE int_crm_distinct IS
    'Integration: the distinct rows of raw_crm_customers (exact duplicates removed).';
