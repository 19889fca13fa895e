-- Row-level enforcement (Art. 4, 6, 8, 10, 13): every path that reads or
-- writes a protected table is checked against the declared purpose.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('marketing', 'Marketing', data_items => ARRAY['email']);
-- care and billing cover all subjects here; grounds recorded per subject
-- (the default) are tested in grounds.sql
-- a special-category column is reached only when named with its table (Art. 8)
SELECT compliance.register_purpose('care', 'Medical care', 'medical_assistance', basis_scope => 'all_subjects',
    data_items => ARRAY['name', 'email', 'patients.diagnosis', 'day', 'note', 'body', 'archived']);
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');
SELECT compliance.register_purpose('research', 'Research', 'consent',
    data_items => ARRAY['name', 'email', 'patients.diagnosis', 'day', 'note', 'body', 'archived']);

-- an application role owns the tables: owners are enforced too
CREATE ROLE clinic_owner NOLOGIN;
GRANT compliance_app TO clinic_owner;
GRANT USAGE, CREATE ON SCHEMA public TO clinic_owner;
-- the purposes the role may declare (Art. 17.3)
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, r::regrole)
    FROM unnest(ARRAY['marketing', 'care', 'billing', 'research']) p, unnest(ARRAY['clinic_owner']) r) g;
SET ROLE clinic_owner;
CREATE TABLE patients (id int PRIMARY KEY, name text, email text, diagnosis text);
INSERT INTO patients VALUES (1, 'Anna', 'anna@example.by', 'flu'),
                            (2, 'Boris', 'boris@example.by', 'asthma'),
                            (3, 'Vera', 'vera@example.by', NULL);
RESET ROLE;
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health"}');
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'patients'::regclass;

-- consent: 1 for marketing and research, 2 for marketing; 3 none
SELECT compliance.purposes(compliance.give_consent('1', '{marketing,research}', 'checkbox'));
SELECT compliance.purposes(compliance.give_consent('2', '{marketing}', 'checkbox'));

SET ROLE clinic_owner;
-- no purpose declared
SELECT count(*) FROM patients;
-- unregistered purpose is refused when set
SET compliance.purpose = 'gossip';
SET compliance.purpose = 'Not A Code';

-- consent purposes see consenting subjects only
SET compliance.purpose = 'research';
SELECT id, name FROM patients ORDER BY id;
SET compliance.purpose = 'marketing';
SELECT id, email FROM patients ORDER BY id;
-- Art. 4.5: marketing may touch only email (and the subject column)
SELECT id, name FROM patients;
SELECT * FROM patients;
SELECT count(*) FROM patients WHERE email LIKE '%example%';
-- a basis covering all subjects sees everyone
SET compliance.purpose = 'billing';
SELECT id, name FROM patients ORDER BY id;
-- Art. 8: special categories need consent or a basis of Art. 8.2
SELECT id, diagnosis FROM patients ORDER BY id;
SET compliance.purpose = 'care';
SELECT id, diagnosis FROM patients ORDER BY id;

-- every read path: views, CTEs, subqueries, joins, SQL and PL/pgSQL functions
SET compliance.purpose = 'research';
CREATE VIEW patient_names AS SELECT id, name FROM patients;
SELECT * FROM patient_names ORDER BY id;
WITH p AS MATERIALIZED (SELECT * FROM patients) SELECT id FROM p ORDER BY id;
SELECT (SELECT count(*) FROM patients) AS subquery, (SELECT max(id) FROM patients WHERE id < 10) AS max_id;
SELECT count(*) FROM generate_series(1, 3) g WHERE EXISTS (SELECT FROM patients p WHERE p.id = g);
CREATE FUNCTION count_sql() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM patients';
CREATE FUNCTION count_plpgsql() RETURNS bigint LANGUAGE plpgsql AS 'BEGIN RETURN (SELECT count(*) FROM patients); END';
CREATE FUNCTION count_dynamic() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint; BEGIN EXECUTE 'SELECT count(*) FROM patients' INTO n; RETURN n; END $$;
SELECT count_sql(), count_plpgsql(), count_dynamic();
RESET ROLE;
-- a SECURITY DEFINER function owned by a superuser is enforced too
CREATE FUNCTION count_definer() RETURNS bigint LANGUAGE sql SECURITY DEFINER
    SET search_path = public AS 'SELECT count(*) FROM patients';
GRANT EXECUTE ON FUNCTION count_definer() TO clinic_owner;
SET ROLE clinic_owner;
SELECT count_definer();

-- cursors and prepared statements
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM patients ORDER BY id;
FETCH ALL FROM c;
COMMIT;
PREPARE by_id(int) AS SELECT id, name FROM patients WHERE id = $1;
EXECUTE by_id(1);
EXECUTE by_id(3);
SET compliance.purpose = 'billing';
EXECUTE by_id(3);
SET compliance.purpose = 'research';

-- COPY TO goes through the filter as well
COPY patients (id, name) TO STDOUT;
COPY (SELECT id FROM patients) TO STDOUT;
COPY patients TO STDOUT;

-- EXPLAIN shows the filter
EXPLAIN (COSTS OFF) SELECT name FROM patients WHERE id = 1;

-- compliance.on_blocked_read = 'error'
SET compliance.on_blocked_read = 'error';
SELECT id FROM patients WHERE id = 1;
SELECT id FROM patients ORDER BY id;
RESET compliance.on_blocked_read;

-- compliance.notice_filtered_rows: how many rows were left out, per table
-- (off by default; it names no subject).  Only a superuser sets it: a
-- role that could would learn whether a subject it looks up is hidden.
SELECT id FROM patients ORDER BY id;
SET compliance.notice_filtered_rows = on;
RESET ROLE;
SET compliance.notice_filtered_rows = on;
SET ROLE clinic_owner;
SELECT id FROM patients ORDER BY id;
SELECT count(*) FROM patients p1, patients p2;
SELECT id FROM patients WHERE id = 1;
CREATE FUNCTION patient_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM patients';
SELECT patient_count() AS counted_in_a_function;
DROP FUNCTION patient_count();
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM patients ORDER BY id;
FETCH 1 FROM c;
FETCH ALL FROM c;
CLOSE c;
COMMIT;
RESET ROLE;
RESET compliance.notice_filtered_rows;
SET ROLE clinic_owner;

-- writes: INSERT and COPY FROM of rows the purpose may not process fail (42501)
INSERT INTO patients (id, name) VALUES (4, 'Gleb');
DO $$ BEGIN
    INSERT INTO patients (id, name) VALUES (4, 'Gleb');
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END $$;
SELECT compliance.purposes(compliance.give_consent('4', '{research}', 'checkbox'));
INSERT INTO patients (id, name) VALUES (4, 'Gleb');
COPY patients (id, name) FROM STDIN;
5	Daria
\.
-- UPDATE and DELETE never change rows they may not process
UPDATE patients SET name = upper(name) RETURNING id, name;
DELETE FROM patients WHERE id IN (2, 3) RETURNING id;
-- an UPDATE may not move a row to a subject the purpose may not process
UPDATE patients SET id = 3 WHERE id = 4;
-- INSERT ... ON CONFLICT cannot reach a row the purpose may not process
INSERT INTO patients (id, name) VALUES (2, 'X') ON CONFLICT (id) DO UPDATE SET name = 'hijacked';
-- MERGE
MERGE INTO patients p USING (VALUES (1, 'merged'), (2, 'merged')) v(id, name) ON p.id = v.id
  WHEN MATCHED THEN UPDATE SET name = v.name;
SET compliance.purpose = 'billing';
SELECT id, name FROM patients ORDER BY id;

-- withdrawal: the next statement no longer sees the subject
SET compliance.purpose = 'research';
SELECT compliance.withdraw_consent('1', '{research}');
SELECT id FROM patients ORDER BY id;
SELECT compliance.may_process('1'), compliance.may_process('4'), compliance.may_process('4', 'marketing'),
       compliance.may_process('3', 'billing');
RESET ROLE;

-- blocking (Art. 13.2): invisible to every purpose, nothing deleted
SELECT compliance.block_subject('4', 'application to erase, deletion pending');
SET ROLE clinic_owner;
SELECT id FROM patients ORDER BY id;
SET compliance.purpose = 'billing';
SELECT id FROM patients ORDER BY id;
INSERT INTO patients (id, name) SELECT 40, 'x' WHERE false;
UPDATE patients SET name = 'x' WHERE id = 4 RETURNING id;
SELECT compliance.may_process('4');
RESET ROLE;
SELECT compliance.unblock_subject('4');
SELECT compliance.unblock_subject('4');
SET ROLE clinic_owner;
SELECT id FROM patients ORDER BY id;

-- the owner cannot switch enforcement off
SET compliance.enforce = off;
TRUNCATE patients;
ALTER TABLE patients DISABLE TRIGGER ALL;
ALTER TABLE patients DISABLE TRIGGER compliance_enforce_write;
DROP TRIGGER compliance_enforce_write ON patients;
ALTER TABLE patients RENAME COLUMN id TO patient_id;
ALTER TABLE patients RENAME COLUMN diagnosis TO dx;
SET session_replication_role = replica;
RESET ROLE;

-- a superuser may turn enforcement off
SET compliance.enforce = off;
SELECT count(*) FROM patients;
RESET compliance.enforce;
RESET compliance.purpose;
SELECT count(*) FROM patients;

-- a declared purpose does not get in the way of parallel query
CREATE TABLE parallel_plain AS SELECT g AS id FROM generate_series(1, 20000) g;
SET compliance.purpose = 'billing';
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT count(*) FROM parallel_plain;
SELECT count(*) FROM parallel_plain;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET compliance.purpose;
DROP TABLE parallel_plain;

-- partitioned and inherited tables
CREATE TABLE visits (patient_id int, day date, note text) PARTITION BY RANGE (day);
CREATE TABLE visits_2026 PARTITION OF visits FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO visits VALUES (1, '2026-03-01', 'a'), (2, '2026-04-01', 'b'), (3, '2026-05-01', 'c');
SELECT compliance.protect('visits', 'patient_id');
SELECT compliance.protect('visits_2026', 'patient_id');
CREATE TABLE visits_2027 PARTITION OF visits FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE TABLE notes (patient_id int, body text);
CREATE TABLE notes_archive (archived date) INHERITS (notes);
INSERT INTO notes VALUES (1, 'n1'), (2, 'n2');
INSERT INTO notes_archive VALUES (2, 'old', '2020-01-01'), (3, 'old', '2020-01-01');
SELECT compliance.protect('notes', 'patient_id');
CREATE TABLE notes_late () INHERITS (notes);
SELECT tgrelid::regclass, tgname FROM pg_trigger WHERE tgname = 'compliance_enforce_write' ORDER BY tgrelid::regclass::text;
-- row level security is forced on each, partitions and children made later too
SELECT oid::regclass, relrowsecurity, relforcerowsecurity FROM pg_class
 WHERE relname ~ '^(visits|notes)' AND relkind IN ('r', 'p') ORDER BY oid::regclass::text;
SELECT compliance.purposes(compliance.give_consent('2', '{research}', 'checkbox'));
SET compliance.purpose = 'research';
SELECT patient_id FROM visits ORDER BY 1;
SELECT patient_id FROM visits_2026 ORDER BY 1;
SELECT patient_id FROM notes ORDER BY 1;
SELECT patient_id FROM notes_archive ORDER BY 1;
SELECT patient_id FROM ONLY notes ORDER BY 1;
INSERT INTO visits VALUES (3, '2027-02-01', 'new partition');
INSERT INTO notes_late VALUES (3, 'late child');
INSERT INTO notes_archive VALUES (3, 'x', '2021-01-01');
INSERT INTO notes_late VALUES (4, 'consented');
SELECT patient_id, body FROM notes ORDER BY 1;
RESET compliance.purpose;
-- detaching would take rows out of protection
ALTER TABLE visits OWNER TO clinic_owner;
ALTER TABLE visits_2026 OWNER TO clinic_owner;
ALTER TABLE notes_archive OWNER TO clinic_owner;
ALTER TABLE notes OWNER TO clinic_owner;
SET ROLE clinic_owner;
ALTER TABLE visits DETACH PARTITION visits_2026;
ALTER TABLE notes_archive NO INHERIT notes;
RESET ROLE;

-- Purposes are granted to roles (Art. 17.3): a role may declare only a
-- purpose it holds, granted to it or to a role it has the privileges of;
-- checked at SET and again, for the role current then, at every statement
CREATE ROLE clinic_reception NOLOGIN;
CREATE ROLE clinic_desk NOLOGIN IN ROLE clinic_reception;
GRANT SELECT ON patients TO clinic_reception;
GRANT compliance_app TO clinic_reception;
SELECT compliance.grant_purpose('marketing', 'clinic_reception');
SELECT compliance.grant_purpose('marketing', 'clinic_reception');
SELECT purpose, grantee FROM compliance.purpose_grants
 WHERE grantee::text LIKE 'clinic_r%' ORDER BY purpose::text, grantee::text;
SET ROLE clinic_desk;
SET compliance.purpose = 'care';
SET compliance.purpose = 'marketing';
SELECT count(*) AS marketing_rows FROM patients;
SELECT compliance.may_process('1', 'marketing') AS marketing, compliance.may_process('1', 'care') AS care;
RESET ROLE;
-- declared by a role that holds it, then used by one that does not
SET compliance.purpose = 'care';
SET ROLE clinic_desk;
SELECT count(*) FROM patients;
RESET ROLE;
-- a SECURITY DEFINER function's statements run as its owner, who holds it
SET ROLE clinic_desk;
SELECT count_definer() IS NOT NULL AS definer_reads;
RESET ROLE;
-- a revoked purpose is refused from the next statement, also when it was
-- declared before
SET ROLE clinic_desk;
SET compliance.purpose = 'marketing';
RESET ROLE;
SELECT compliance.revoke_purpose('marketing', 'clinic_reception');
SET ROLE clinic_desk;
SELECT count(*) FROM patients;
SET compliance.purpose = 'marketing';
RESET ROLE;
RESET compliance.purpose;
SELECT compliance.revoke_purpose('marketing', 'clinic_reception');
-- not to PUBLIC, and not without both arguments
SELECT compliance.grant_purpose('marketing', '-');
SELECT compliance.grant_purpose(NULL, 'clinic_desk');
-- ALTER ROLE may store a purpose its target will be checked for at use
ALTER ROLE clinic_desk SET compliance.purpose = 'care';
ALTER ROLE clinic_desk RESET compliance.purpose;
REVOKE SELECT ON patients FROM clinic_reception;
DROP ROLE clinic_desk, clinic_reception;

-- a protected table whose write trigger a superuser dropped (enforcement
-- off) takes no write until it is back: the rows would go unchecked; reads
-- stay filtered
SET compliance.enforce = off;
DROP TRIGGER compliance_enforce_write ON patients;
RESET compliance.enforce;
SET compliance.purpose = 'billing';
UPDATE patients SET name = name WHERE id = 3;
INSERT INTO patients VALUES (99, 'Nobody', NULL, NULL);
SELECT count(*) FROM patients;
RESET compliance.purpose;
SELECT compliance.set_enforcement('patients', true);
SET compliance.purpose = 'billing';
UPDATE patients SET name = name WHERE id = 3;
RESET compliance.purpose;

-- unprotect: the table is plain again
SELECT compliance.unprotect('notes');
SELECT count(*) FROM notes;
SELECT tgrelid::regclass FROM pg_trigger WHERE tgname = 'compliance_enforce_write' ORDER BY tgrelid::regclass::text;
SELECT oid::regclass, relrowsecurity, relforcerowsecurity FROM pg_class
 WHERE relname ~ '^notes' AND relkind = 'r' ORDER BY oid::regclass::text;

DROP TABLE notes CASCADE;
DROP TABLE visits;
DROP TABLE patients CASCADE;
DROP FUNCTION count_definer(), count_sql(), count_plpgsql(), count_dynamic();
DROP EXTENSION compliance CASCADE;
REVOKE ALL ON SCHEMA public FROM clinic_owner;
DROP ROLE clinic_owner;
