-- Automatic capture of disclosures (Art. 12): while compliance.recipient is
-- set, every protected row returned is logged as provided to it, also when
-- the reading transaction rolls back.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject');
SELECT compliance.register_recipient('bureau', 'Credit Bureau JSC', 'Minsk', 'BY');
SELECT compliance.register_recipient('us_partner', 'Partner Inc', 'New York', 'US');
CREATE TABLE customers (id int PRIMARY KEY, name text, email text);
INSERT INTO customers SELECT g, 'name ' || g, g || '@example.by' FROM generate_series(1, 10) g;
SELECT compliance.protect('customers', 'id');
CREATE ROLE shop_app NOLOGIN IN ROLE compliance_app;
GRANT SELECT ON customers TO shop_app;

SET ROLE shop_app;
SET compliance.purpose = 'billing';
-- no recipient: nothing is logged, and plans carry no capture
EXPLAIN (COSTS OFF) SELECT name FROM customers WHERE id = 2;
SELECT name FROM customers WHERE id = 2;

SET compliance.recipient = 'bureau';
-- (EXPLAIN shows the capture as a qual, as for statements inside functions;
-- a statement the client sends computes it as a hidden output column)
EXPLAIN (COSTS OFF) SELECT name FROM customers WHERE id = 2;
-- returned rows are logged; rows scanned but filtered out are not
SELECT name FROM customers WHERE email LIKE '3@%' OR id = 7 ORDER BY id;
-- sorted and limited: only the row returned is logged, not 9
SELECT id FROM customers WHERE id > 8 ORDER BY id DESC LIMIT 1;
-- aggregates return no row of a subject
SELECT count(*) FROM customers;
-- a rolled-back transaction: the rows reached the client, so they stay logged
BEGIN;
SELECT id, email FROM customers WHERE id IN (4, 5) ORDER BY id;
ROLLBACK;
-- a cursor: only the rows fetched are returned
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM customers ORDER BY id;
FETCH 1 FROM c;
COMMIT;
SELECT compliance.flush_disclosures();
RESET ROLE;
SELECT subject, recipient, data_items, purpose, transfer_kind, source
  FROM compliance.disclosure_log ORDER BY subject::int, id;

-- a recipient abroad without an adequate level of protection needs an Art. 9.1 basis
SET ROLE shop_app;
SET compliance.recipient = 'us_partner';
SELECT name FROM customers WHERE id = 8;
SET compliance.transfer_basis = 'contract_with_subject';
SELECT name FROM customers WHERE id = 8;
SELECT compliance.flush_disclosures();
RESET compliance.transfer_basis;
RESET compliance.recipient;
RESET ROLE;
SELECT subject, recipient, transfer_kind, transfer_basis
  FROM compliance.disclosure_log WHERE recipient = 'us_partner';
SELECT ledger, ok FROM compliance.verify_ledger() ORDER BY ledger;

DROP TABLE customers;
DROP EXTENSION compliance CASCADE;
DROP ROLE shop_app;
