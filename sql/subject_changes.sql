-- A session's own consent changes apply to its own next statement, inside
-- the transaction; rolled back ones (also to a savepoint) do not.  A
-- transaction that changed consent may not be prepared (two-phase commit):
-- other sessions must see the change at their next statement after it
-- commits (src/subject_changes.c).
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('sc_marketing', 'Marketing');
CREATE TABLE sc_customers (id int PRIMARY KEY, email text);
INSERT INTO sc_customers VALUES (1, 'a@example.by'), (2, 'b@example.by');
SELECT compliance.protect('sc_customers', 'id');
SELECT count(compliance.give_consent(g::text, 'sc_marketing', 'checkbox')) FROM generate_series(1, 2) g;
SET compliance.purpose = 'sc_marketing';

BEGIN;
SELECT id FROM sc_customers ORDER BY id;
SELECT compliance.withdraw_consent('1', '{sc_marketing}') IS NOT NULL AS withdrawn;
-- the withdrawal applies at once in this session
SELECT id FROM sc_customers ORDER BY id;
SAVEPOINT before_block;
SELECT compliance.block_subject('2', 'accuracy disputed');
SELECT id FROM sc_customers ORDER BY id;
ROLLBACK TO SAVEPOINT before_block;
-- the block was rolled back: subject 2 is processed again
SELECT id FROM sc_customers ORDER BY id;
ROLLBACK;
-- so was the withdrawal
SELECT id FROM sc_customers ORDER BY id;

-- A transaction that changed consent cannot be prepared ...
BEGIN;
SELECT compliance.withdraw_consent('1', '{sc_marketing}') IS NOT NULL AS withdrawn;
PREPARE TRANSACTION 'sc_withdrawal';
SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'sc_withdrawal';
SELECT id FROM sc_customers ORDER BY id;
-- ... one that only read can
BEGIN;
SELECT id FROM sc_customers ORDER BY id;
PREPARE TRANSACTION 'sc_read';
COMMIT PREPARED 'sc_read';

RESET compliance.purpose;
DROP TABLE sc_customers;
DROP EXTENSION compliance CASCADE;
