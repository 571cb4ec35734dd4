-- Integration, part 3: the billing extract (raw_billing_customers).
--
-- Conventions of the billing system: numeric key billing_id, the customer number as text
-- '123', holder 'LAST, FIRST' in upper case, one-letter region codes N/S/E/W/C, currency
-- GBP, dates YYYYMMDD.

-- 1. de-duplication ----------------------------------------------------------------------
-- the distinct rows, once (exact duplicates dropped)
CREATE TABLE int_billing_distinct AS SELECT DISTINCT * FROM stg_raw_billing_customers;

INSERT INTO etl_integration_report
SELECT 1, 'de-duplication', 'raw_billing_customers', 'duplicate_exact', '*',
       (SELECT COUNT(*) FROM stg_raw_billing_customers)
       - (SELECT COUNT(*) FROM int_billing_distinct),
       'removed rows identical to an earlier row';

-- near duplicates: the same billing relationship keyed twice (new billing id, holder in
-- another case; every other field equal)
CREATE TABLE int_billing_survivor AS
WITH d AS (SELECT * FROM int_billing_distinct),
p AS (
    SELECT billing_id,
           DENSE_RANK() OVER (
               ORDER BY customer_ref, UPPER(TRIM(account_holder)), region_code, currency,
                        balance_due, last_payment_date
           ) AS person_no
    FROM d
)
SELECT billing_id, person_no, MIN(billing_id) OVER (PARTITION BY person_no) AS survivor_id
FROM p;

INSERT INTO etl_integration_report
SELECT 1, 'de-duplication', 'raw_billing_customers', 'duplicate_near', '*',
       COUNT(*) - COUNT(DISTINCT person_no),
       'merged billing records of a relationship already present under another id'
FROM int_billing_survivor;

-- 2.-6. profile every column on the staged rows ------------------------------------------
INSERT INTO etl_integration_report
SELECT s.stage_no, s.stage, 'raw_billing_customers', s.fault, s.column_name, s.n, s.action
FROM (
    SELECT 2 AS stage_no, 'code harmonisation' AS stage, 'inconsistent_code' AS fault,
           'region_code' AS column_name,
           COUNT(CASE WHEN region_code NOT IN ('N', 'S', 'E', 'W', 'C') THEN 1 END) AS n,
           'mapped north/NTH, ... onto N, S, E, W, C (region names in the warehouse)' AS action
    FROM stg_raw_billing_customers
    UNION ALL
    SELECT 2, 'code harmonisation', 'inconsistent_code', 'currency',
           COUNT(CASE WHEN currency <> 'GBP' THEN 1 END),
           'mapped gbp, £, UKP onto GBP'
    FROM stg_raw_billing_customers
    UNION ALL
    SELECT 3, 'format repair', 'invalid_format', 'customer_ref',
           COUNT(CASE WHEN customer_ref LIKE '0%' THEN 1 END),
           'removed the zero padding of customer numbers'
    FROM stg_raw_billing_customers
    UNION ALL
    SELECT 3, 'format repair', 'invalid_format', 'last_payment_date',
           COUNT(CASE WHEN last_payment_date IS NOT NULL AND last_payment_date NOT LIKE '________' THEN 1 END),
           'parsed DD-MM-YYYY dates'
    FROM stg_raw_billing_customers
    UNION ALL
    SELECT 4, 'case and whitespace', 'case_whitespace', 'account_holder',
           COUNT(CASE WHEN account_holder <> UPPER(TRIM(account_holder)) THEN 1 END),
           'trimmed and upper-cased'
    FROM stg_raw_billing_customers
    UNION ALL
    SELECT 5, 'outliers and invalid values', 'outlier', 'balance_due',
           COUNT(CASE WHEN balance_due > 1000000 THEN 1 END),
           'set balances above 1 000 000 to missing'
    FROM stg_raw_billing_customers
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'customer_ref',
           COUNT(CASE WHEN customer_ref IS NULL THEN 1 END),
           'resolved by holder name and region (see int_identity)'
    FROM stg_raw_billing_customers
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'balance_due',
           COUNT(CASE WHEN balance_due IS NULL THEN 1 END), 'flagged as missing'
    FROM stg_raw_billing_customers
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'last_payment_date',
           COUNT(CASE WHEN last_payment_date IS NULL THEN 1 END), 'flagged as missing'
    FROM stg_raw_billing_customers
) AS s;

-- the clean billing record: one row per surviving billing id -----------------------------
CREATE TABLE int_billing_account AS
WITH d AS (SELECT * FROM int_billing_distinct),
h AS (
    SELECT d.*,
           UPPER(TRIM(account_holder)) AS holder,
           POSITION(',' IN UPPER(TRIM(account_holder))) AS comma
    FROM d
)
SELECT
    h.billing_id,
    CAST(h.customer_ref AS BIGINT) AS customer_ref,
    TRIM(SUBSTRING(h.holder FROM h.comma + 1)) AS holder_first_name,
    TRIM(SUBSTRING(h.holder FROM 1 FOR h.comma - 1)) AS holder_last_name,
    CASE
        WHEN UPPER(TRIM(h.region_code)) IN ('N', 'NORTH', 'NTH') THEN 'north'
        WHEN UPPER(TRIM(h.region_code)) IN ('S', 'SOUTH', 'STH') THEN 'south'
        WHEN UPPER(TRIM(h.region_code)) IN ('E', 'EAST', 'EST') THEN 'east'
        WHEN UPPER(TRIM(h.region_code)) IN ('W', 'WEST', 'WST') THEN 'west'
        WHEN UPPER(TRIM(h.region_code)) IN ('C', 'CAPITAL', 'CAP') THEN 'capital'
    END AS region,
    'GBP' AS currency,
    CASE WHEN h.balance_due > 1000000 THEN NULL ELSE h.balance_due END AS balance_due,
    CASE
        WHEN h.last_payment_date LIKE '__-__-____' THEN CAST(
            SUBSTRING(h.last_payment_date FROM 7 FOR 4) || '-'
            || SUBSTRING(h.last_payment_date FROM 4 FOR 2) || '-'
            || SUBSTRING(h.last_payment_date FROM 1 FOR 2) AS DATE)
        WHEN h.last_payment_date IS NOT NULL THEN CAST(
            SUBSTRING(h.last_payment_date FROM 1 FOR 4) || '-'
            || SUBSTRING(h.last_payment_date FROM 5 FOR 2) || '-'
            || SUBSTRING(h.last_payment_date FROM 7 FOR 2) AS DATE)
    END AS last_payment_date
FROM h
JOIN int_billing_survivor AS s ON s.billing_id = h.billing_id
WHERE s.billing_id = s.survivor_id;

COMMENT ON TABLE int_billing_survivor IS
    'Integration: every billing id with the surviving id of its relationship (near duplicates merged).';
COMMENT ON TABLE int_billing_account IS
    'Integration: the cleaned billing records, one row per relationship: customer number as a number, holder split into names, region mapped onto the region names, outlier balances set to missing, dates parsed.';
COMMENT ON TABLE int_billing_distinct IS
    'Integration: the distinct rows of raw_billing_customers (exact duplicates removed).';
