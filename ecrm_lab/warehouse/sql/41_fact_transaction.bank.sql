-- Fact (bank): card and account movements, one row per transaction. The customer_key is the
-- version of the customer valid at the time of the transaction (type-2 history).

CREATE TABLE fact_transaction AS
SELECT
    t.transaction_id,
    CAST(EXTRACT(YEAR FROM t."timestamp") * 10000 + EXTRACT(MONTH FROM t."timestamp") * 100
         + EXTRACT(DAY FROM t."timestamp") AS INTEGER) AS date_key,
    c.customer_key,
    t.customer_id,
    t.account_id,
    h.product_key,
    ch.channel_key,
    t."timestamp" AS transaction_at,
    t.merchant_category,
    t.country,
    t.amount
FROM stg_transactions AS t
LEFT JOIN dim_customer AS c
       ON c.customer_id = t.customer_id
      AND t."timestamp" >= c.valid_from AND t."timestamp" < c.valid_to
LEFT JOIN fact_holding AS h ON h.account_id = t.account_id
LEFT JOIN dim_channel AS ch ON ch.channel_code = t.channel;

COMMENT ON TABLE fact_transaction IS
    'Fact (bank): card and account movements with the customer version valid at the time, the product of the account, the payment channel, merchant category and country.';
COMMENT ON COLUMN fact_transaction.amount IS 'Signed amount: negative = money out.';
