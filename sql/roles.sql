-- Roles of the contract and least privilege: compliance_app cannot write
-- configuration, compliance_admin can only through the registry functions.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
CREATE TABLE customers (id int PRIMARY KEY, email text);
GRANT ALL ON customers TO compliance_admin;

SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolbypassrls
  FROM pg_roles WHERE rolname LIKE 'compliance\_%' ORDER BY 1;
-- The disclosure writer's role: no attribute, not even a login (the
-- writer connects as the bootstrap superuser and works as the role), kept
-- so at every CREATE EXTENSION; it may execute the functions that append
-- to the disclosure log, keep a batch aside or merge the log's index, and
-- nothing else of the extension: no table, no other function, no
-- membership.
ALTER ROLE compliance_writer LOGIN CREATEDB BYPASSRLS;
DROP EXTENSION compliance CASCADE;
CREATE EXTENSION compliance;
SELECT rolcanlogin,
       rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolpassword IS NULL AS no_password
  FROM pg_authid WHERE rolname = 'compliance_writer';
SELECT p.oid::regprocedure AS writer_may_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'compliance'::regnamespace
   AND has_function_privilege('compliance_writer', p.oid, 'EXECUTE')
   AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY 1;
SELECT c.relname AS writer_may_write
  FROM pg_class c
 WHERE c.relnamespace = 'compliance'::regnamespace AND c.relkind IN ('r', 'p', 'v')
   AND has_table_privilege('compliance_writer', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE');
SELECT count(*) AS writer_memberships FROM pg_auth_members
 WHERE member = 'compliance_writer'::regrole;

SET ROLE compliance_app;
SELECT compliance.register_purpose('marketing', 'Marketing');
SELECT compliance.set_processor('Shop', 'Minsk');
SELECT compliance.register_recipient('partner', 'Partner', 'Minsk', 'BY');
SELECT compliance.protect('customers', 'id');
INSERT INTO compliance.purposes (code, title, legal_basis) VALUES ('sneaky', 'Sneaky', 'legal_obligation');
UPDATE compliance.purposes SET legal_basis = 'legal_obligation';
INSERT INTO compliance.adequate_countries (country) VALUES ('US');
DELETE FROM compliance.holidays;
INSERT INTO compliance.protected_tables (relid, subject_column) VALUES ('customers', 'id');
DELETE FROM compliance.removed_defaults;
SELECT count(*) > 0 AS can_read_registry FROM compliance.legal_bases;
RESET ROLE;

SET ROLE compliance_analyst;
SELECT compliance.register_purpose('marketing', 'Marketing');
INSERT INTO compliance.adequate_countries (country) VALUES ('US');
RESET ROLE;

SET ROLE compliance_admin;
SELECT compliance.register_purpose('marketing', 'Marketing');
SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.protect('customers', 'id');
INSERT INTO compliance.adequate_countries (country, note) VALUES ('US', 'permitted by the authority');
DELETE FROM compliance.adequate_countries WHERE country = 'US';
-- direct writes to registry tables bypass validation, so they are refused
INSERT INTO compliance.purposes (code, title, legal_basis) VALUES ('sneaky', 'Sneaky', 'legal_obligation');
DELETE FROM compliance.protected_tables;
RESET ROLE;

-- functions are not executable by PUBLIC
SELECT p.oid::regprocedure
  FROM pg_proc p
 WHERE p.pronamespace = 'compliance'::regnamespace AND p.prosecdef
   AND has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY 1;
-- every SECURITY DEFINER function pins its search_path
SELECT p.oid::regprocedure
  FROM pg_proc p
 WHERE p.pronamespace = 'compliance'::regnamespace AND p.prosecdef
   AND NOT coalesce(p.proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp']
 ORDER BY 1;

DROP TABLE customers;
DROP EXTENSION compliance CASCADE;
