-- compliance.purpose: fixed-size type whose text form is the purpose code.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never

SELECT compliance.register_purpose('marketing', 'Marketing e-mails');
SELECT compliance.register_purpose('payroll', 'Payroll', 'labour_relations');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject');

-- text round trip, size and registry id
SELECT 'payroll'::compliance.purpose AS p, 'payroll'::compliance.purpose::text AS t,
       pg_column_size('payroll'::compliance.purpose) AS bytes,
       compliance.purpose_id('billing') AS id;

-- unknown and malformed codes
SELECT 'unknown'::compliance.purpose;
SELECT 'Marketing'::compliance.purpose;
SELECT ''::compliance.purpose;
SELECT repeat('a', 64)::compliance.purpose;
SELECT NULL::compliance.purpose IS NULL AS null_ok;

-- comparison operators follow registration order
SELECT a.p AS a, b.p AS b, a.p = b.p AS eq, a.p <> b.p AS ne, a.p < b.p AS lt,
       a.p <= b.p AS le, a.p > b.p AS gt, a.p >= b.p AS ge
  FROM (VALUES ('marketing'::compliance.purpose), ('payroll')) a(p),
       (VALUES ('marketing'::compliance.purpose), ('payroll')) b(p)
 ORDER BY 1, 2;

-- btree and hash indexes
CREATE TABLE purpose_use (id int, p compliance.purpose);
INSERT INTO purpose_use SELECT g, (ARRAY['marketing','payroll','billing'])[1 + g % 3]::compliance.purpose
  FROM generate_series(1, 3000) g;
CREATE INDEX purpose_use_btree ON purpose_use (p);
CREATE INDEX purpose_use_hash ON purpose_use USING hash (p);
ANALYZE purpose_use;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM purpose_use WHERE p = 'payroll';
SELECT count(*) FROM purpose_use WHERE p = 'payroll';
DROP INDEX purpose_use_btree;
EXPLAIN (COSTS OFF) SELECT count(*) FROM purpose_use WHERE p = 'payroll';
SELECT count(*) FROM purpose_use WHERE p = 'payroll';
RESET enable_seqscan;
RESET enable_bitmapscan;
SET enable_sort = off;
SELECT p, count(*) FROM purpose_use GROUP BY p ORDER BY p;
RESET enable_sort;

-- binary round trip through COPY
COPY purpose_use TO '/tmp/compliance_purpose_regress.bin' (FORMAT binary);
CREATE TABLE purpose_copy (LIKE purpose_use);
COPY purpose_copy FROM '/tmp/compliance_purpose_regress.bin' (FORMAT binary);
SELECT count(*) AS copied,
       count(*) FILTER (WHERE c.p = u.p) AS equal
  FROM purpose_copy c JOIN purpose_use u USING (id);

-- a purpose the registry cache has not seen is found at once (a miss reloads)
SELECT 'billing'::compliance.purpose;
INSERT INTO compliance.purposes (code, title, legal_basis) VALUES ('direct_insert', 'Inserted directly', 'consent');
SELECT 'direct_insert'::compliance.purpose;

DROP TABLE purpose_use, purpose_copy;
DROP EXTENSION compliance CASCADE;
