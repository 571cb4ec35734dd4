-- Fact (bank): holdings, one row per account (product held by a customer).

CREATE TABLE fact_holding AS
SELECT
    a.account_id,
    c.customer_key,
    a.customer_id,
    p.product_key,
    CAST(EXTRACT(YEAR FROM a.open_date) * 10000 + EXTRACT(MONTH FROM a.open_date) * 100
         + EXTRACT(DAY FROM a.open_date) AS INTEGER) AS open_date_key,
    CAST(EXTRACT(YEAR FROM a.close_date) * 10000 + EXTRACT(MONTH FROM a.close_date) * 100
         + EXTRACT(DAY FROM a.close_date) AS INTEGER) AS close_date_key,
    CAST(a.open_date AS DATE) AS open_date,
    CAST(a.close_date AS DATE) AS close_date,
    a.status,
    a.opened_via,
    a.balance,
    a.status = 'open' AS is_open
FROM stg_accounts AS a
LEFT JOIN dim_customer AS c
       ON c.customer_id = a.customer_id AND c.is_current
LEFT JOIN dim_product AS p ON p.product_code = a.product_code;

COMMENT ON TABLE fact_holding IS
    'Fact (bank): one row per account, with the product, opening and closing dates, how it was opened and the balance; joined to the customer''s current version.';
COMMENT ON COLUMN fact_holding.balance IS 'Balance (loans and mortgages: amount owed).';
