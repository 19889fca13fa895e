-- Exact capture (Art. 12): under a recipient, each subject whose data a
-- statement returns is logged with the columns read, whatever the shape of
-- the query; where that cannot be known, the statement is refused.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');
SELECT compliance.register_recipient('bureau', 'Credit Bureau JSC', 'Minsk', 'BY');
-- patients 1-3 live in Minsk, 4-6 in Brest; ref points at another patient
CREATE TABLE patients (id int PRIMARY KEY, name text, phone text, city text, ref int);
INSERT INTO patients
SELECT g, 'name ' || g, '+375 ' || g, CASE WHEN g <= 3 THEN 'Minsk' ELSE 'Brest' END, g % 6 + 1
  FROM generate_series(1, 6) g;
CREATE TABLE visits (id int PRIMARY KEY, patient int, note text);
INSERT INTO visits SELECT g, g, 'visit ' || g FROM generate_series(1, 6) g;
SELECT compliance.protect('patients', 'id');
CREATE ROLE exact_app NOLOGIN IN ROLE compliance_app;
SELECT compliance.grant_purpose('billing', 'exact_app');
GRANT SELECT, INSERT, UPDATE, DELETE ON patients, visits TO exact_app;

-- What the last statements logged: the captures after the mark, each
-- subject with its columns, then the mark moves on.
CREATE TABLE mark (id bigint);
INSERT INTO mark VALUES (0);
CREATE FUNCTION logged() RETURNS TABLE (subject text, data_items text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM compliance.flush_disclosures();
    RETURN QUERY SELECT l.subject, l.data_items::text FROM compliance.disclosure_log l
                 WHERE l.source = 'capture' AND l.id > (SELECT m.id FROM mark m)
                 ORDER BY l.subject::int, l.data_items::text;
    UPDATE mark SET id = (SELECT coalesce(max(l.id), 0) FROM compliance.disclosure_log l);
END
$$;
GRANT SELECT, UPDATE ON mark TO exact_app;
GRANT SELECT ON compliance.disclosure_log TO exact_app;

SET ROLE exact_app;
SET compliance.purpose = 'billing';
SET compliance.recipient = 'bureau';

-- 1. A self-join: the name of 1 and 2 from one side, the phone of 2 and 3
-- from the other.  Subject 2 is logged with both: the union of the columns
-- its call sites read.
SELECT a.name, b.phone FROM patients a JOIN patients b ON b.id = a.ref
 WHERE a.id IN (1, 2) ORDER BY a.id;
SELECT * FROM logged();

-- The nullable side of an outer join: a row without a patient logs
-- nothing, the others their patient (also aggregated).
SELECT v.id, p.name FROM visits v LEFT JOIN patients p ON p.id = v.patient AND p.id <> 2
 WHERE v.id IN (1, 2) ORDER BY v.id;
SELECT * FROM logged();
SELECT v.id % 2 AS odd, string_agg(p.phone, ',' ORDER BY p.id) FROM visits v
  FULL JOIN patients p ON p.id = v.patient AND v.id IN (5, 6)
 WHERE v.id IN (5, 6) GROUP BY 1;
SELECT * FROM logged();

-- 2. Aggregates.  count(*) reads no column of the table: nothing of any
-- subject leaves, nothing is logged.  A filter on a column makes the count
-- say something of the rows counted: they are logged with it.
SELECT count(*) FROM patients;
SELECT * FROM logged();
SELECT count(*) FROM patients WHERE name = 'name 2';
SELECT * FROM logged();
-- string_agg returns every name aggregated: every subject in it
SELECT string_agg(name, ',' ORDER BY id) FROM patients WHERE id > 3;
SELECT * FROM logged();

-- 3. GROUP BY: the subjects of the groups returned, not of those HAVING
-- or LIMIT leave out.
SELECT city, string_agg(phone, ',' ORDER BY id) FROM patients
 GROUP BY city HAVING min(id) > 1;
SELECT * FROM logged();
SELECT city, count(*) FROM patients GROUP BY city ORDER BY city DESC LIMIT 1;
SELECT * FROM logged();
-- a cursor over groups: only the group fetched
BEGIN;
DECLARE g CURSOR FOR SELECT city, max(name) FROM patients GROUP BY city ORDER BY city;
FETCH 1 FROM g;
COMMIT;
SELECT * FROM logged();
-- counting the rows of a subquery returns none of its columns, but which
-- rows it has says something of them: the rows counted are logged with the
-- columns that chose them (not the select list, never computed); with no
-- filter, nothing of any subject is read, nothing is logged
SELECT count(*) FROM (SELECT name FROM patients WHERE id <= 4) s;
SELECT * FROM logged();
SELECT count(*) FROM (SELECT name FROM patients) s;
SELECT * FROM logged();
-- run again and again, a count over a filter on a column tells its value
SELECT count(*) FROM (SELECT 1 FROM patients WHERE id = 5 AND phone LIKE '+375 5%') s;
SELECT * FROM logged();
-- the same filter in a CTE, a sublink or a LATERAL subquery of the
-- subquery; what DISTINCT deduplicates by chooses the rows too
SELECT count(*) FROM (WITH c AS (SELECT id FROM patients WHERE phone LIKE '+375 3%')
                      SELECT 1 FROM c) s;
SELECT * FROM logged();
SELECT count(*) FROM (SELECT v.id FROM visits v
                       WHERE EXISTS (SELECT 1 FROM patients p WHERE p.phone LIKE '+375 2%')) s;
SELECT * FROM logged();
SELECT count(*) FROM (SELECT 1 FROM patients p,
                             LATERAL (SELECT 1 WHERE p.phone LIKE '+375 6%') x) s;
SELECT * FROM logged();
SELECT count(*) FROM (SELECT DISTINCT city FROM patients) s;
SELECT * FROM logged();
SELECT string_agg(s.name, ',' ORDER BY s.name) FROM (SELECT name FROM patients WHERE id <= 2) s;
SELECT * FROM logged();
-- aggregation in a subquery (or a view): every row aggregated
SELECT * FROM (SELECT city, max(name) AS last FROM patients GROUP BY city) s ORDER BY 1;
SELECT * FROM logged();

-- 4. Scalar subqueries in the select list: the subject whose value is
-- returned, per returned row (visit 6 is not returned, patient 6 not logged)
SELECT v.id, (SELECT p.name FROM patients p WHERE p.id = v.patient) AS name
  FROM visits v WHERE v.id IN (1, 2) ORDER BY v.id;
SELECT * FROM logged();
SELECT (SELECT string_agg(p.phone, ',' ORDER BY p.id) FROM patients p WHERE p.id > 4) AS phones;
SELECT * FROM logged();
SELECT ARRAY(SELECT p.city FROM patients p WHERE p.id < 3 ORDER BY p.id) AS cities;
SELECT * FROM logged();
-- EXISTS returns no row of its own: the rows it matches are logged
SELECT v.id, EXISTS (SELECT 1 FROM patients p WHERE p.id = v.patient AND p.city = 'Brest') AS in_brest
  FROM visits v WHERE v.id IN (3, 4) ORDER BY v.id;
SELECT * FROM logged();

-- 5. RETURNING of INSERT, UPDATE, DELETE: every returned row's subject,
-- with the columns returned and those its filter and SET expressions
-- read; RETURNING no column of the table still tells which rows the
-- filter chose, and logs them with the filter's columns
UPDATE patients SET phone = phone WHERE id = 1 RETURNING name;
SELECT * FROM logged();
UPDATE patients SET phone = phone WHERE id = 2 RETURNING 1 AS one;
SELECT * FROM logged();
BEGIN;
DELETE FROM patients WHERE id = 3 RETURNING id, city;
ROLLBACK;
SELECT * FROM logged();
BEGIN;
INSERT INTO patients VALUES (9, 'name 9', '+375 9', 'Gomel', 1) RETURNING phone;
ROLLBACK;
SELECT * FROM logged();
-- (a protected table joined into an UPDATE of another is refused: capture_copy)
-- RETURNING of a data-modifying CTE: every row it returns
WITH u AS (UPDATE patients SET phone = phone WHERE id = 5 RETURNING phone)
SELECT count(*) FROM u;
SELECT * FROM logged();

-- 6. Window functions that see other rows (lag, an aggregate over a
-- window, an ORDER BY or PARTITION BY) are refused: a returned row may
-- carry another subject's data.  One that sees no other row is captured
-- as its row.
\set VERBOSITY default
SELECT name, lag(name) OVER (ORDER BY id) FROM patients;
SELECT id, count(*) OVER (PARTITION BY city) FROM patients;
\set VERBOSITY terse
SELECT name, row_number() OVER () FROM patients WHERE id = 1;
SELECT * FROM logged();
-- without a recipient the same window is not refused
RESET compliance.recipient;
SELECT name, lag(name) OVER (ORDER BY id) FROM patients WHERE id < 3 ORDER BY id;
SET compliance.recipient = 'bureau';

-- the plan of an aggregate: one capture per group, with the subjects of
-- its rows (EXPLAIN plans as inside a function: a filter on the groups)
EXPLAIN (COSTS OFF, VERBOSE) SELECT city, string_agg(phone, ',') FROM patients GROUP BY city;

RESET compliance.recipient;
RESET compliance.purpose;
RESET ROLE;
SELECT ledger, ok FROM compliance.verify_ledger() ORDER BY ledger;

DROP FUNCTION logged();
DROP TABLE mark, visits, patients;
DROP EXTENSION compliance CASCADE;
DROP ROLE exact_app;
