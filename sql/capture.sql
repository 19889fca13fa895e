-- Automatic capture of disclosures (Art. 12): while compliance.recipient is
-- set, every protected row returned is logged as provided to it, also when
-- the reading transaction rolls back.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');
SELECT compliance.register_recipient('bureau', 'Credit Bureau JSC', 'Minsk', 'BY');
SELECT compliance.register_recipient('us_partner', 'Partner Inc', 'New York', 'US');
-- an unregistered recipient is refused when it is declared, not at the
-- first read; a typo in its code too
SET compliance.recipient = 'bureau_typo';
SET compliance.recipient = 'Bureau';
SHOW compliance.recipient;
-- customer 8 has a delivery contract: the Art. 9.1 exception of a contract with the subject
SELECT compliance.register_purpose('delivery', 'Delivery', 'contract_with_subject');
SELECT compliance.record_basis('8', 'delivery') > 0 AS contract;
CREATE TABLE customers (id int PRIMARY KEY, name text, email text);
INSERT INTO customers SELECT g, 'name ' || g, g || '@example.by' FROM generate_series(1, 10) g;
SELECT compliance.protect('customers', 'id');
CREATE ROLE shop_app NOLOGIN IN ROLE compliance_app;
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, r::regrole)
    FROM unnest(ARRAY['billing']) p, unnest(ARRAY['shop_app']) r) g;
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
-- count(*) reads no column: nothing of any subject leaves (capture_exact)
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

-- A statement shares its recipient, purpose and columns among its rows:
-- they are recorded once per chunk of subjects.  A setting changed between
-- two runs of the same query inside one statement starts a new chunk, so
-- each run is logged under the purpose in force when it read.
SELECT compliance.register_purpose('marketing', 'Offers', 'contract_with_subject', basis_scope => 'all_subjects');
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, r::regrole)
    FROM unnest(ARRAY['marketing']) p, unnest(ARRAY['shop_app']) r) g;
CREATE FUNCTION read_under_two_purposes() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    p text;
BEGIN
    FOREACH p IN ARRAY ARRAY['billing', 'marketing'] LOOP
        PERFORM set_config('compliance.purpose', p, true);
        PERFORM name FROM customers WHERE id = 3;
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION read_under_two_purposes() TO shop_app;
SET ROLE shop_app;
SET compliance.recipient = 'bureau';
BEGIN;
SELECT read_under_two_purposes();
COMMIT;
SELECT compliance.flush_disclosures();
RESET compliance.recipient;
RESET ROLE;
SELECT subject, purpose, data_items
  FROM compliance.disclosure_log
 WHERE recipient = 'bureau' AND subject = '3' AND source_table IS NOT NULL
 ORDER BY id DESC LIMIT 2;

-- A large export spans many chunks and pushes: every subject it returned is
-- logged exactly once, text keys included, and the chain stays intact.
CREATE TABLE visits (id int PRIMARY KEY, card text NOT NULL, note text);
INSERT INTO visits SELECT g, 'card-' || (g % 25000), 'visit ' || g FROM generate_series(1, 40000) g;
SELECT compliance.protect('visits', 'card');
GRANT SELECT ON visits TO shop_app;
SET ROLE shop_app;
SET compliance.recipient = 'bureau';
\o /dev/null
SELECT card, note FROM visits;
\o
SELECT compliance.flush_disclosures(60000);
RESET compliance.recipient;
RESET ROLE;
SELECT count(*) AS logged, count(DISTINCT subject) AS subjects,
       min(data_items::text) AS items, min(purpose) AS purpose
  FROM compliance.disclosure_log WHERE source_table = 'public.visits';
SELECT ledger, ok FROM compliance.verify_ledger() ORDER BY ledger;

-- The capture runs for every returned row, so its declared cost counts in
-- the plan: it must not push an ordinary export over the JIT thresholds,
-- where compiling costs more than the export (JIT is there: the second
-- plan, with jit_above_cost 0, uses it).
CREATE FUNCTION plan_uses_jit(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN ' || q LOOP
        IF line LIKE 'JIT:%' THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END
$$;
SET compliance.recipient = 'bureau';
SELECT plan_uses_jit('SELECT card, note FROM visits') AS export_jit;
SET jit_above_cost = 0;
SELECT plan_uses_jit('SELECT card, note FROM visits') AS forced_jit;
RESET jit_above_cost;
RESET compliance.recipient;
DROP FUNCTION plan_uses_jit(text);

-- The set of subjects already logged belongs to one statement: a SELECT
-- after a cursor's FETCH in the same transaction provides subjects 1 and
-- 2 again (with the name this time), and is logged again.
SET ROLE shop_app;
SET compliance.recipient = 'bureau';
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM customers ORDER BY id;
FETCH 2 FROM c;
SELECT id, name FROM customers WHERE id IN (1, 2) ORDER BY id;
COMMIT;
SELECT compliance.flush_disclosures();
RESET compliance.recipient;
RESET ROLE;
SELECT subject, data_items
  FROM compliance.disclosure_log
 WHERE source_table = 'public.customers' AND subject IN ('1', '2') AND data_items = '{id,name}'
 ORDER BY subject;

-- A read for a recipient completes only once its captures are committed
-- (Art. 12 of Law 99-Z): without a flush, another session sees them at
-- once.  No visibility wait here: the count is read right away.
SET ROLE shop_app;
SET compliance.recipient = 'bureau';
SELECT id FROM customers WHERE id = 3;
RESET compliance.recipient;
RESET ROLE;
SELECT count(*) AS logged_at_once FROM compliance.disclosure_log
 WHERE source = 'capture' AND subject = '3' AND data_items = '{id}';

-- An explicit record is committed by the writer when record_disclosure()
-- returns: it stands when the calling transaction rolls back, and the
-- transaction holds nothing the writer needs.
BEGIN;
SELECT compliance.record_disclosure('3', 'bureau', ARRAY['name'], 'billing') > 0 AS recorded;
ROLLBACK;
SELECT count(*) AS kept_after_rollback FROM compliance.disclosure_log
 WHERE source = 'explicit' AND subject = '3' AND data_items = '{name}';

-- A recipient registered by the reading transaction itself: the writer
-- could not see it, so both paths refuse (55000) before anything leaves.
\set VERBOSITY default
BEGIN;
SELECT compliance.register_recipient('new_bureau', 'New Bureau', 'Minsk', 'BY');
SET LOCAL compliance.recipient = 'new_bureau';
SELECT id FROM customers WHERE id = 3;
ROLLBACK;
BEGIN;
SELECT compliance.register_recipient('new_bureau', 'New Bureau', 'Minsk', 'BY');
SELECT compliance.record_disclosure('3', 'new_bureau', ARRAY['name'], 'billing');
ROLLBACK;

-- A reading transaction that holds a lock the writer needs: the read
-- ends with 40P01 instead of waiting for ever; the rollback releases the
-- lock and the capture is written.
BEGIN;
LOCK TABLE compliance.ledger_heads IN EXCLUSIVE MODE;
SET LOCAL compliance.recipient = 'bureau';
SELECT id FROM customers WHERE id = 4;
ROLLBACK;
\set VERBOSITY terse
SELECT compliance.flush_disclosures(10000);
SELECT count(*) AS logged_after_rollback FROM compliance.disclosure_log
 WHERE source = 'capture' AND subject = '4' AND data_items = '{id}';

-- how far a session may get ahead of the writer, per database
SHOW compliance.capture_ring_size;

DROP TABLE visits;
DROP FUNCTION read_under_two_purposes();
DROP TABLE customers;
DROP EXTENSION compliance CASCADE;
DROP ROLE shop_app;
