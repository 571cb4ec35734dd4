-- Integration, part 2: the web-account extract (raw_web_customers).
--
-- Conventions of the web system: key 'wu-' + 10 hex digits, e-mail in lower case, one
-- full-name field 'First Last', gender female/male/other, dates DD/MM/YYYY, country UK, the
-- CRM customer number as plain digits when the account was linked at onboarding.

-- 1. de-duplication ----------------------------------------------------------------------
-- the distinct rows, once (exact duplicates dropped)
CREATE TABLE int_web_distinct AS SELECT DISTINCT * FROM stg_raw_web_customers;

INSERT INTO etl_integration_report
SELECT 1, 'de-duplication', 'raw_web_customers', 'duplicate_exact', '*',
       (SELECT COUNT(*) FROM stg_raw_web_customers)
       - (SELECT COUNT(*) FROM int_web_distinct),
       'removed rows identical to an earlier row';

-- near duplicates: the same person signed up again (new key, e-mail case changed, later
-- sign-up date; every other field equal)
CREATE TABLE int_web_survivor AS
WITH d AS (SELECT * FROM int_web_distinct),
y AS (
    SELECT d.*,
           CASE
               WHEN date_of_birth LIKE '__/__/____'
               THEN CAST(SUBSTRING(date_of_birth FROM 7 FOR 4) AS INTEGER)
               WHEN date_of_birth LIKE '____-__-__'
               THEN CAST(SUBSTRING(date_of_birth FROM 1 FOR 4) AS INTEGER)
           END AS birth_year
    FROM d
),
p AS (
    -- (sentinel birth dates differ between the copies, so they are compared as missing)
    SELECT
        web_user_id,
        CAST(SUBSTRING(signup_date FROM 7 FOR 4) || '-' || SUBSTRING(signup_date FROM 4 FOR 2)
             || '-' || SUBSTRING(signup_date FROM 1 FOR 2) AS DATE) AS signup,
        DENSE_RANK() OVER (
            ORDER BY LOWER(TRIM(email)), full_name, gender,
                     CASE WHEN birth_year < 1905
                            OR birth_year > EXTRACT(YEAR FROM (SELECT end_date FROM etl_run))
                          THEN NULL ELSE date_of_birth END,
                     country, newsletter, crm_customer_no
        ) AS person_no
    FROM y
),
r AS (
    SELECT web_user_id, signup, person_no,
           ROW_NUMBER() OVER (PARTITION BY person_no ORDER BY signup, web_user_id) AS rn
    FROM p
)
SELECT r.web_user_id, r.person_no, f.web_user_id AS survivor_id
FROM r JOIN r AS f ON f.person_no = r.person_no AND f.rn = 1;

INSERT INTO etl_integration_report
SELECT 1, 'de-duplication', 'raw_web_customers', 'duplicate_near', '*',
       COUNT(*) - COUNT(DISTINCT person_no),
       'merged accounts of a person already present under another key (kept the first sign-up)'
FROM int_web_survivor;

-- 2.-6. profile every column on the staged rows ------------------------------------------
INSERT INTO etl_integration_report
SELECT s.stage_no, s.stage, 'raw_web_customers', s.fault, s.column_name, s.n, s.action
FROM (
    SELECT 2 AS stage_no, 'code harmonisation' AS stage, 'inconsistent_code' AS fault,
           'gender' AS column_name,
           COUNT(CASE WHEN gender IS NOT NULL AND gender NOT IN ('female', 'male', 'other') THEN 1 END) AS n,
           'mapped F/Female/woman, M/MALE/man, X/Other/n/a onto female, male, other' AS action
    FROM stg_raw_web_customers
    UNION ALL
    SELECT 2, 'code harmonisation', 'inconsistent_code', 'country',
           COUNT(CASE WHEN country <> 'UK' THEN 1 END),
           'mapped GB, U.K., England onto UK (GB in the warehouse)'
    FROM stg_raw_web_customers
    UNION ALL
    SELECT 3, 'format repair', 'invalid_format', 'date_of_birth',
           COUNT(CASE WHEN date_of_birth IS NOT NULL AND date_of_birth NOT LIKE '__/__/____' THEN 1 END),
           'parsed ISO dates'
    FROM stg_raw_web_customers
    UNION ALL
    SELECT 4, 'case and whitespace', 'case_whitespace', 'email',
           COUNT(CASE WHEN email <> LOWER(TRIM(email)) THEN 1 END),
           'trimmed and lower-cased'
    FROM stg_raw_web_customers
    UNION ALL
    SELECT 4, 'case and whitespace', 'case_whitespace', 'full_name',
           COUNT(CASE WHEN full_name <> canonical THEN 1 END),
           'split into first and last name, title-cased, single blank'
    FROM (
        SELECT full_name,
               UPPER(SUBSTRING(first_part FROM 1 FOR 1)) || LOWER(SUBSTRING(first_part FROM 2))
               || ' '
               || UPPER(SUBSTRING(last_part FROM 1 FOR 1)) || LOWER(SUBSTRING(last_part FROM 2))
               AS canonical
        FROM (
            SELECT full_name,
                   TRIM(SUBSTRING(TRIM(full_name) FROM 1 FOR POSITION(' ' IN TRIM(full_name)) - 1))
                   AS first_part,
                   TRIM(SUBSTRING(TRIM(full_name) FROM POSITION(' ' IN TRIM(full_name)) + 1))
                   AS last_part
            FROM stg_raw_web_customers
        ) AS parts
    ) AS names
    UNION ALL
    SELECT 5, 'outliers and invalid values', 'outlier', 'date_of_birth',
           COUNT(CASE WHEN birth_year < 1905
                      OR birth_year > EXTRACT(YEAR FROM (SELECT end_date FROM etl_run)) THEN 1 END),
           'set sentinel dates (01/01/1900, 31/12/2099) to missing'
    FROM (
        SELECT CASE
                   WHEN date_of_birth LIKE '__/__/____'
                   THEN CAST(SUBSTRING(date_of_birth FROM 7 FOR 4) AS INTEGER)
                   WHEN date_of_birth LIKE '____-__-__'
                   THEN CAST(SUBSTRING(date_of_birth FROM 1 FOR 4) AS INTEGER)
               END AS birth_year
        FROM stg_raw_web_customers
    ) AS y
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'gender',
           COUNT(CASE WHEN gender IS NULL THEN 1 END), 'flagged as missing'
    FROM stg_raw_web_customers
    UNION ALL
    SELECT 6, 'missing values', 'missing_value', 'date_of_birth',
           COUNT(CASE WHEN date_of_birth IS NULL THEN 1 END), 'flagged as missing'
    FROM stg_raw_web_customers
) AS s;

-- the clean web account: one row per surviving account ------------------------------------
CREATE TABLE int_web_account AS
WITH d AS (SELECT * FROM int_web_distinct),
parts AS (
    SELECT d.*,
           TRIM(SUBSTRING(TRIM(full_name) FROM 1 FOR POSITION(' ' IN TRIM(full_name)) - 1))
           AS first_part,
           TRIM(SUBSTRING(TRIM(full_name) FROM POSITION(' ' IN TRIM(full_name)) + 1))
           AS last_part,
           CASE
               WHEN date_of_birth LIKE '__/__/____' THEN CAST(
                   SUBSTRING(date_of_birth FROM 7 FOR 4) || '-'
                   || SUBSTRING(date_of_birth FROM 4 FOR 2) || '-'
                   || SUBSTRING(date_of_birth FROM 1 FOR 2) AS DATE)
               WHEN date_of_birth LIKE '____-__-__' THEN CAST(date_of_birth AS DATE)
           END AS dob
    FROM d
)
SELECT
    p.web_user_id,
    LOWER(TRIM(p.email)) AS email,
    UPPER(SUBSTRING(p.first_part FROM 1 FOR 1)) || LOWER(SUBSTRING(p.first_part FROM 2))
        AS first_name,
    UPPER(SUBSTRING(p.last_part FROM 1 FOR 1)) || LOWER(SUBSTRING(p.last_part FROM 2))
        AS last_name,
    CASE
        WHEN LOWER(TRIM(p.gender)) IN ('female', 'f', 'woman') THEN 'F'
        WHEN LOWER(TRIM(p.gender)) IN ('male', 'm', 'man') THEN 'M'
        WHEN LOWER(TRIM(p.gender)) IN ('other', 'x', 'n/a') THEN 'U'
    END AS gender,
    CASE WHEN EXTRACT(YEAR FROM p.dob) < 1905 OR p.dob >= (SELECT end_date FROM etl_run)
         THEN NULL ELSE p.dob END AS birth_date,
    CAST(SUBSTRING(p.signup_date FROM 7 FOR 4) || '-' || SUBSTRING(p.signup_date FROM 4 FOR 2)
         || '-' || SUBSTRING(p.signup_date FROM 1 FOR 2) AS DATE) AS signup_date,
    'GB' AS country,
    p.newsletter,
    CAST(p.crm_customer_no AS BIGINT) AS crm_customer_no
FROM parts AS p
JOIN int_web_survivor AS s ON s.web_user_id = p.web_user_id
WHERE s.web_user_id = s.survivor_id;

COMMENT ON TABLE int_web_survivor IS
    'Integration: every web account key with the surviving key of its person (near duplicates merged onto the first sign-up).';
COMMENT ON TABLE int_web_account IS
    'Integration: the cleaned web accounts, one row per person: e-mail lower case, name split and title-cased, gender mapped onto F/M/U, dates parsed, outliers set to missing.';
COMMENT ON COLUMN int_web_account.crm_customer_no IS 'CRM customer number when the account was linked at onboarding (else resolved by e-mail, see int_identity).';
COMMENT ON TABLE int_web_distinct IS
    'Integration: the distinct rows of raw_web_customers (exact duplicates removed).';
