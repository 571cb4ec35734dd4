-- Integration, part 0: the report every integration step writes into.
-- Each row says how many rows (or cells) one step changed in one source table and column;
-- for the raw extracts these numbers equal the planted faults of the world's truth table
-- data_quality_faults (the tests check it).

CREATE TABLE etl_integration_report (
    stage_no      INTEGER,
    stage         VARCHAR,
    source_table  VARCHAR,
    fault         VARCHAR,
    column_name   VARCHAR,
    rows_changed  BIGINT,
    action        VARCHAR
);

COMMENT ON TABLE etl_integration_report IS
    'Metadata: what each integration step changed, per source table, fault and column (stage 1 de-duplication, 2 code harmonisation, 3 format repair, 4 case and whitespace, 5 outliers and invalid values, 6 missing values, 7 identity resolution).';
COMMENT ON COLUMN etl_integration_report.rows_changed IS
    'Rows (duplicates) or cells (other faults) the step changed or flagged.';
