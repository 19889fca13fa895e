-- Report mode (set_protection_mode): a table is switched on without an
-- outage.  Queries run unchanged; what enforcement would have refused or
-- filtered is counted in compliance.protection_report per table, purpose,
-- role and statement shape.  Then the backup right: a dump reads every
-- row or fails, never silently fewer.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SELECT compliance.reset_protection_report();

CREATE ROLE rm_admin NOLOGIN;
CREATE ROLE rm_owner NOLOGIN;
CREATE ROLE rm_app NOLOGIN;
GRANT compliance_admin TO rm_admin, rm_owner;
GRANT compliance_app TO rm_app;

SET ROLE rm_admin;
SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('marketing', 'Marketing', data_items => ARRAY['customers.email']);
SELECT compliance.register_purpose('delivery', 'Delivery', 'contract_with_subject',
    data_items => ARRAY['customers.name', 'customers.address']);
SELECT compliance.grant_purpose('marketing', 'rm_app');
RESET ROLE;

CREATE TABLE customers (id int PRIMARY KEY, name text, email text, address text, diagnosis text);
ALTER TABLE customers OWNER TO rm_owner;
GRANT SELECT, INSERT, UPDATE ON customers TO rm_app;
INSERT INTO customers VALUES (1, 'Anna', 'anna@example.by', 'Minsk', NULL),
                             (2, 'Boris', 'boris@example.by', 'Brest', NULL),
                             (3, 'Vera', 'vera@example.by', 'Gomel', 'asthma');
SET ROLE rm_app;
SELECT compliance.give_consent('1', '{marketing}', 'checkbox') IS NOT NULL AS consented;
RESET ROLE;

------------------------------------------------------------------------
-- Who may leave a table unenforced: its owner, not any administrator
------------------------------------------------------------------------
SET ROLE rm_admin;
SELECT compliance.protect('customers', 'id', '{"diagnosis": "health"}', mode => 'report');
SELECT compliance.protect('customers', 'id', '{"diagnosis": "health"}', mode => 'audit');
SET ROLE rm_owner;
SELECT compliance.protect('customers', 'id', '{"diagnosis": "health"}', mode => 'report');
SELECT relid, mode FROM compliance.protected_tables;
SELECT action, table_name FROM compliance.protection_changes ORDER BY id;
RESET ROLE;

------------------------------------------------------------------------
-- The live workload runs unchanged, and the report names what would break
------------------------------------------------------------------------
SET ROLE rm_app;
-- no purpose declared: every row, no error
SELECT id, name FROM customers WHERE name <> 'Zoe' ORDER BY id;
-- a purpose: every row, though only subject 1 consented; a column outside
-- the data items and a special-category column are read too
SET compliance.purpose = 'marketing';
SELECT id, email, name, diagnosis FROM customers ORDER BY id;
-- writes of subjects without consent go through
UPDATE customers SET email = 'b@example.by' WHERE id = 2;
INSERT INTO customers (id, email) VALUES (4, 'new@example.by');
-- a purpose the role no longer holds (revoked after it was declared)
RESET ROLE;
SELECT compliance.grant_purpose('delivery', 'rm_app');
SET ROLE rm_app;
SET compliance.purpose = 'delivery';
RESET ROLE;
SELECT compliance.revoke_purpose('delivery', 'rm_app');
SET ROLE rm_app;
SELECT id, address FROM customers WHERE id = 1;
-- under on_blocked_read = 'error' the rows would have been refused
SET compliance.purpose = 'marketing';
SET compliance.on_blocked_read = 'error';
SELECT id, email FROM customers ORDER BY id;
RESET compliance.on_blocked_read;
-- a held cursor would have been refused
BEGIN;
DECLARE held CURSOR WITH HOLD FOR SELECT id, email FROM customers ORDER BY id;
COMMIT;
FETCH ALL FROM held;
CLOSE held;
RESET compliance.purpose;
RESET ROLE;

-- the report: statements' shapes carry no literal ('Zoe', the e-mails)
SET ROLE rm_admin;
SELECT tbl, purpose, role, event, detail, statement, statements, rows
  FROM compliance.protection_report ORDER BY event, detail NULLS FIRST, statement;
-- literals the scanner reads as PostgreSQL does: typed literals, ESCAPE,
-- dollar quotes with any tag, standard_conforming_strings off
SET ROLE rm_app;
SELECT id FROM customers WHERE name = text'x\' OR name = 'Petrov Ivan, passport MP1234567';
SELECT id FROM customers WHERE name LIKE 'x' ESCAPE'\' OR name = 'Sidorova Vera';
SELECT id FROM customers WHERE name = $ä$Kozlov Gleb, diabetes$ä$;
SELECT id AS x$a$ FROM customers WHERE name = '$a$ Orlova Daria';
SELECT id FROM customers WHERE name = U&'\0041nna' OR name = E'Ann\'a' OR id = 1e3 OR id = .5;
SET standard_conforming_strings = off;
SELECT id FROM customers WHERE name = 'O\'Brien Anna' AND id = 1;
RESET standard_conforming_strings;
SET ROLE rm_admin;
SELECT statement FROM compliance.protection_report WHERE statement LIKE '%WHERE name =%' ORDER BY 1;
SELECT count(*) AS literal_leaks FROM compliance.protection_report
 WHERE statement ~ '(Zoe|example|Petrov|Sidorova|Kozlov|Orlova|Brien|nna|''|[0-9])';
-- a backslash in a string reads differently as standard_conforming_strings
-- is on or off, so such a statement keeps no shape at all
SELECT count(*) AS shapeless FROM compliance.protection_report WHERE statement = '?';
-- a second run of the same statement counts, it does not add a row
SET ROLE rm_app;
SELECT count(*) FROM customers WHERE name <> 'Yan';
SET ROLE rm_admin;
SELECT event, statements, statement FROM compliance.protection_report WHERE statement LIKE '%count%';
-- a database holds at most 512 entries: past them the least recently seen
-- are forgotten and counted, so one database cannot fill the report of all
SET ROLE rm_app;
\set ECHO none
\o /dev/null
SELECT format('SELECT id FROM customers c%s WHERE c%s.id > 0', i, i) FROM generate_series(1, 600) i \gexec
\o
\set ECHO all
SET ROLE rm_admin;
SELECT count(*) AS entries, sum(statements) FILTER (WHERE event = 'not_recorded') AS not_recorded
  FROM compliance.protection_report;
SELECT count(*) AS recent_kept FROM compliance.protection_report WHERE statement LIKE '%c600 %';
-- an application role does not read the report
SET ROLE rm_app;
SELECT count(*) FROM compliance.protection_report;
SELECT compliance.reset_protection_report();
RESET ROLE;

------------------------------------------------------------------------
-- The application is fixed; the table is enforced; nothing new is noted
------------------------------------------------------------------------
-- only the table's owner forgets its report
SET ROLE rm_admin;
SELECT compliance.reset_protection_report('customers');
SELECT compliance.reset_protection_report();
SELECT count(*) > 0 AS still_there FROM compliance.protection_report;
SET ROLE rm_owner;
SELECT compliance.reset_protection_report() > 0 AS forgot;
SELECT compliance.reset_protection_report(0);
SELECT count(*) FROM compliance.protection_report;
SET ROLE rm_admin;
SET ROLE rm_app;
SET compliance.purpose = 'marketing';
SELECT id, email FROM customers WHERE id = 1;
SET ROLE rm_admin;
SELECT count(*) AS entries FROM compliance.protection_report;
-- any administrator may enforce it
SELECT compliance.set_protection_mode('customers', 'enforce');
SELECT compliance.set_protection_mode('customers', 'enforce');
SET ROLE rm_app;
SELECT id, email FROM customers ORDER BY id;
SELECT id, name FROM customers ORDER BY id;
RESET compliance.purpose;
SELECT id FROM customers;
-- only the owner may go back to report mode
SET ROLE rm_admin;
SELECT compliance.set_protection_mode('customers', 'report');
SELECT compliance.set_protection_mode('customers', NULL);
SELECT compliance.set_protection_mode('customers', 'off');
SELECT compliance.set_protection_mode(NULL, 'report');
SELECT compliance.set_protection_mode('compliance.purposes', 'report');
SET ROLE rm_owner;
SELECT compliance.set_protection_mode('customers', 'report');
SET ROLE rm_app;
SELECT compliance.set_protection_mode('customers', 'enforce');
RESET ROLE;
SELECT action FROM compliance.protection_changes ORDER BY id;
SELECT compliance.set_protection_mode('customers', 'enforce');

-- a partition follows its table's mode
CREATE TABLE orders (customer_id int NOT NULL, total numeric) PARTITION BY RANGE (total);
CREATE TABLE orders_small PARTITION OF orders FOR VALUES FROM (0) TO (100);
INSERT INTO orders VALUES (1, 10), (2, 20);
GRANT SELECT ON orders, orders_small TO rm_app;
SELECT compliance.protect('orders', 'customer_id', mode => 'report');
SELECT compliance.set_protection_mode('orders_small', 'enforce');
SET ROLE rm_app;
SET compliance.purpose = 'marketing';
SELECT customer_id FROM orders_small ORDER BY 1;
RESET ROLE;
SELECT compliance.set_protection_mode('orders', 'enforce');
SET ROLE rm_app;
SELECT customer_id FROM orders_small ORDER BY 1;
RESET compliance.purpose;
RESET ROLE;

------------------------------------------------------------------------
-- Backups: the backup right reads every row in a read-only transaction
-- with row level security off and bypassed (pg_dump's default); anything
-- else fails or filters visibly, never silently
------------------------------------------------------------------------
CREATE ROLE rm_backup NOLOGIN BYPASSRLS;
GRANT compliance_backup, pg_read_all_data TO rm_backup;
-- another table's owner, whose row level security policy reads the
-- protected table: it must not run with the backup right
CREATE ROLE rm_plain NOLOGIN;
CREATE SCHEMA plain AUTHORIZATION rm_plain;
GRANT SELECT ON customers TO rm_plain;
SET ROLE rm_plain;
CREATE TABLE plain.notes (x int);
INSERT INTO plain.notes VALUES (1);
ALTER TABLE plain.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY peek ON plain.notes
    USING ((SELECT string_agg(c.name, ',') FROM public.customers c) IS NULL);
GRANT SELECT ON plain.notes TO PUBLIC;
RESET ROLE;
-- as pg_dump's login would be: the session's role
SET SESSION AUTHORIZATION rm_backup;
-- a read-only transaction, row_security off, no purpose: every row
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SET LOCAL row_security = off;
SELECT id, name, diagnosis FROM customers ORDER BY id;
COPY customers (id, name) TO stdout;
-- the other owner's policy does not run: row level security is off
SELECT x FROM plain.notes;
COMMIT;
-- row level security on (pg_dump --enable-row-security): the right does
-- not apply, so a dump fails rather than depend on it; a role that bypasses
-- row level security never runs other owners' policies anyway
BEGIN READ ONLY;
SELECT id FROM customers;
ROLLBACK;
BEGIN READ ONLY;
SELECT x FROM plain.notes;
ROLLBACK;
-- not read-only: the backup right does not apply
SET row_security = off;
SELECT id FROM customers;
RESET row_security;
RESET SESSION AUTHORIZATION;
-- with a purpose declared: the purpose's rules, as for anybody
SELECT compliance.grant_purpose('marketing', 'rm_backup');
SET SESSION AUTHORIZATION rm_backup;
BEGIN READ ONLY;
SET LOCAL compliance.purpose = 'marketing';
SELECT id FROM customers;
COMMIT;
RESET SESSION AUTHORIZATION;
-- a member that does not bypass row level security has no backup right
ALTER ROLE rm_backup NOBYPASSRLS;
SET SESSION AUTHORIZATION rm_backup;
BEGIN READ ONLY;
SET LOCAL row_security = off;
SELECT id FROM customers;
ROLLBACK;
RESET SESSION AUTHORIZATION;
ALTER ROLE rm_backup BYPASSRLS;
-- a login that is no member reads nothing without a purpose
SET SESSION AUTHORIZATION rm_app;
BEGIN READ ONLY;
SELECT id FROM customers;
ROLLBACK;
RESET SESSION AUTHORIZATION;
-- the right is not lent by a SECURITY DEFINER function of a member
CREATE FUNCTION rm_all_ids() RETURNS SETOF int LANGUAGE sql SECURITY DEFINER
    AS 'SELECT id FROM public.customers ORDER BY id';
ALTER FUNCTION rm_all_ids() OWNER TO rm_backup;
SET SESSION AUTHORIZATION rm_app;
BEGIN READ ONLY;
SELECT * FROM rm_all_ids();
ROLLBACK;
RESET SESSION AUTHORIZATION;
-- a superuser is no member: its dumps turn compliance.enforce off
BEGIN READ ONLY;
SET LOCAL row_security = off;
SELECT id FROM customers;
ROLLBACK;
-- row_security = off, which pg_dump sets, asks for every row or an error:
-- a role that does not bypass row level security gets PostgreSQL's error,
-- one that does (a superuser) ours, rather than a dump with fewer rows
SET compliance.purpose = 'marketing';
SET row_security = off;
COPY customers (id, email) TO stdout;
SELECT id FROM customers;
SET ROLE rm_app;
COPY customers (id, email) TO stdout;
RESET ROLE;
RESET row_security;
COPY customers (id, email) TO stdout;
-- in report mode the dump's COPY runs unchanged, and the rows are noted
SELECT compliance.set_protection_mode('customers', 'report');
SET row_security = off;
COPY customers (id, email) TO stdout;
RESET row_security;
SET ROLE rm_admin;
SELECT event, detail, statement, rows FROM compliance.protection_report ORDER BY event;
RESET compliance.purpose;
RESET ROLE;

SELECT compliance.reset_protection_report() >= 0 AS reset;
DROP FUNCTION rm_all_ids();
DROP SCHEMA plain CASCADE;
DROP TABLE customers, orders;
DROP EXTENSION compliance CASCADE;
DROP ROLE rm_admin, rm_owner, rm_app, rm_backup, rm_plain;
