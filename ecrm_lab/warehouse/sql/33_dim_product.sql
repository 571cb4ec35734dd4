-- Dimension: what the business sells (bank products, or retail SKUs with their category).

CREATE TABLE dim_product AS
SELECT
    ROW_NUMBER() OVER (ORDER BY product_code) AS product_key,
    product_code,
    product_name,
    category,
    price,
    unit_cost,
    margin_rate
FROM stg_products;

COMMENT ON TABLE dim_product IS
    'Dimension: products. Bank: the products (category = product family; price = monthly fee, unit_cost = monthly running cost, margin_rate = yearly interest margin). Retail: the SKUs (category = retail category; price = list price, unit_cost = cost price, margin_rate = gross margin).';
COMMENT ON COLUMN dim_product.product_key IS 'Surrogate key.';
