-- Data items (Art. 4.5, 8): 'column' names a column in every table,
-- 'table.column' only there; a special-category column is reached only
-- when named with its table by a purpose based on consent or on Art. 8.2.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
-- newsletters go to patients only; reminders to anybody with an e-mail
SELECT compliance.register_purpose('newsletter', 'Newsletter', data_items => ARRAY['patients.email']);
SELECT compliance.register_purpose('reminders', 'Reminders', data_items => ARRAY['email']);
-- medical care names the diagnosis with its table; payroll names nothing
SELECT compliance.register_purpose('care', 'Medical care', 'medical_assistance', basis_scope => 'all_subjects',
    data_items => ARRAY['name', 'public.patients.diagnosis']);
SELECT compliance.register_purpose('payroll', 'Payroll', 'labour_relations', basis_scope => 'all_subjects');
-- a contract's basis does not allow special categories, named or not
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects',
    data_items => ARRAY['name', 'patients.diagnosis']);
-- an unqualified special column is no way in either
SELECT compliance.register_purpose('triage', 'Triage', 'medical_assistance', basis_scope => 'all_subjects',
    data_items => ARRAY['name', 'diagnosis']);

CREATE TABLE patients (id int PRIMARY KEY, name text, email text, diagnosis text);
CREATE TABLE employees (id int PRIMARY KEY, name text, email text, salary numeric, diagnosis text);
INSERT INTO patients VALUES (1, 'Anna', 'anna@example.by', 'flu');
INSERT INTO employees VALUES (1, 'Oleg', 'oleg@clinic.by', 1500, 'sick leave: back pain');
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health"}');
SELECT compliance.protect('employees', 'id', '{"diagnosis": "health"}');
SELECT compliance.give_consent('1', '{newsletter,reminders}', 'checkbox') IS NOT NULL AS consented;

CREATE ROLE clinic_app NOLOGIN;
GRANT compliance_app TO clinic_app;
GRANT SELECT ON patients, employees TO clinic_app;
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, 'clinic_app')
    FROM unnest(ARRAY['newsletter', 'reminders', 'care', 'payroll', 'billing', 'triage']) p) g;
SET ROLE clinic_app;

-- table-qualified: only that table's column
SET compliance.purpose = 'newsletter';
SELECT id, email FROM patients;
SELECT id, email FROM employees;
-- unqualified: the column in every table
SET compliance.purpose = 'reminders';
SELECT id, email FROM patients;
SELECT id, email FROM employees;

-- special categories: named with the table (schema-qualified here)
SET compliance.purpose = 'care';
SELECT id, name, diagnosis FROM patients;
-- ... and nowhere else: the employees' diagnosis is not named
SELECT id, diagnosis FROM employees;
-- an Art. 8.2 basis without data items reaches ordinary columns only
SET compliance.purpose = 'payroll';
SELECT id, name, salary FROM employees;
SELECT id, diagnosis FROM employees;
SELECT id, diagnosis FROM patients;
-- ... and a whole row that holds special categories is refused
SELECT e FROM employees e;
SELECT * FROM employees;
-- a basis that does not allow special categories, though it names the column
SET compliance.purpose = 'billing';
SELECT id, diagnosis FROM patients;
-- an unqualified name does not reach a special column
SET compliance.purpose = 'triage';
SELECT id, diagnosis FROM patients;
SELECT id, name FROM patients;
RESET compliance.purpose;
RESET ROLE;

-- the officer's reports follow the same reading: newsletter touches only
-- patients, reminders both tables
SELECT compliance.items_touch(ARRAY['patients.email'], ARRAY['employees'::regclass]) AS newsletter_employees,
       compliance.items_touch(ARRAY['patients.email'], ARRAY['patients'::regclass]) AS newsletter_patients,
       compliance.items_touch(ARRAY['email'], ARRAY['employees'::regclass]) AS reminders_employees,
       compliance.items_touch(ARRAY['public.patients.diagnosis'], ARRAY['patients'::regclass]) AS schema_qualified,
       compliance.items_touch(NULL, ARRAY['employees'::regclass]) AS every_column,
       compliance.items_touch(ARRAY['email'], '{}') AS no_table;

-- Items are split at their dots and compared part by part: a table whose
-- name holds a dot is not the schema-qualified table it looks like.
CREATE SCHEMA s2;
CREATE TABLE s2."public.patients" (id int PRIMARY KEY, diagnosis text);
INSERT INTO s2."public.patients" VALUES (1, 'flu');
SELECT compliance.protect('s2."public.patients"', 'id', '{"diagnosis": "health"}');
SELECT compliance.items_touch(ARRAY['public.patients.diagnosis'], ARRAY['s2."public.patients"'::regclass]) AS dotted_name;
GRANT USAGE ON SCHEMA s2 TO clinic_app;
GRANT SELECT ON s2."public.patients" TO clinic_app;
SET ROLE clinic_app;
SET compliance.purpose = 'care';
SELECT id, diagnosis FROM s2."public.patients";
RESET compliance.purpose;
RESET ROLE;
DROP TABLE s2."public.patients";
DROP SCHEMA s2;

-- A check constraint over a protected table may call only functions the
-- extension trusts: an owner's function declared IMMUTABLE could still
-- print or keep every row it checks, special columns included.
CREATE FUNCTION looks_pure(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
    $$BEGIN RAISE NOTICE 'saw %', t; RETURN true; END$$;
ALTER TABLE employees ADD CONSTRAINT spy CHECK (looks_pure(diagnosis)) NOT VALID;
SELECT count(*) AS constraints FROM pg_constraint WHERE conname = 'spy';
DROP FUNCTION looks_pure(text);

-- Items name tables and schemas, so an owner may not rename or move a
-- protected table, nor rename its schema: staff renamed "patients" would
-- hand its columns to purposes registered for patients.
CREATE ROLE staff_owner NOLOGIN;
CREATE SCHEMA hr AUTHORIZATION staff_owner;
SET ROLE staff_owner;
CREATE TABLE hr.staff (id int PRIMARY KEY, diagnosis text);
CREATE TABLE hr.notes (id int);
RESET ROLE;
SELECT compliance.protect('hr.staff', 'id', '{"diagnosis": "health"}');
SET ROLE staff_owner;
ALTER TABLE hr.staff RENAME TO patients;
ALTER TABLE hr.staff SET SCHEMA public;
ALTER SCHEMA hr RENAME TO public2;
-- unprotected tables are the owner's to rename
ALTER TABLE hr.notes RENAME TO notes2;
RESET ROLE;
DROP SCHEMA hr CASCADE;
DROP ROLE staff_owner;

DROP TABLE patients, employees;
DROP EXTENSION compliance CASCADE;
DROP ROLE clinic_app;
