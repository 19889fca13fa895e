-- Subject kinds (Art. 1, 5, 11, 13 of Law 99-Z): a subject is a kind and a
-- key.  A clinic keeps patients and employees, both numbered from 1:
-- patient 1 and employee 1 are different people and share nothing.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
-- Some deadlines below count from today: the years they may run into are
-- confirmed, so that the output does not depend on the day the test runs
-- (an unconfirmed year only adds a WARNING; sql/calendar.sql tests it).
DO $$
BEGIN
    INSERT INTO compliance.calendar_years (year, confirmed_by)
    SELECT y, 'weekends and holidays only' FROM generate_series(2024, extract(year FROM now())::integer + 1) y
    ON CONFLICT (year) DO NOTHING;
END
$$;
SELECT compliance.set_processor('City Clinic', 'Minsk, Lenina 1');

-- Registering kinds; bad input.
SELECT compliance.register_subject_kind('patient', 'patient', 'пациент');
SELECT compliance.register_subject_kind('employee', 'employee', 'работник');
SELECT kind, title, title_ru FROM compliance.subject_kinds ORDER BY kind;
SELECT compliance.register_subject_kind('patient', 'patient');
SELECT compliance.register_subject_kind('Patient', 'patient');
SELECT compliance.register_subject_kind(NULL, 'patient');
SELECT compliance.register_subject_kind('visitor', ' ');

CREATE TABLE patients (id int PRIMARY KEY, full_name text, phone text, diagnosis text);
CREATE TABLE employees (id int PRIMARY KEY, full_name text, phone text, salary numeric);
CREATE TABLE appointments (id int PRIMARY KEY, patient_id int REFERENCES patients (id), at date);
CREATE TABLE visitors (id text PRIMARY KEY, full_name text);
INSERT INTO patients VALUES (1, 'Anna Patient', '+375 29 111', 'flu'), (2, 'Boris Patient', '+375 29 222', 'cold');
INSERT INTO employees VALUES (1, 'Emil Employee', '+375 29 911', 1500), (2, 'Fedor Employee', '+375 29 922', 2500);
INSERT INTO appointments VALUES (10, 1, '2026-12-01'), (11, 2, '2026-12-02');
INSERT INTO visitors VALUES ('1', 'Vera Visitor');

-- The kind is given, follows a foreign key to a protected table's
-- subject column, or is person.
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health"}', subject_kind => 'patient');
SELECT compliance.protect('employees', 'id', subject_kind => 'employee');
SELECT compliance.protect('appointments', 'patient_id');
SELECT compliance.protect('visitors', 'id');
SELECT relid, subject_column, subject_kind FROM compliance.protected_tables ORDER BY relid::text;
SELECT compliance.protect('visitors', 'id', subject_kind => 'nobody');
-- a kind that contradicts the foreign key is refused; a table protected
-- before the one it references is pointed out
CREATE TABLE lab_results (id int PRIMARY KEY, patient_id int REFERENCES patients (id), result text);
SELECT compliance.protect('lab_results', 'patient_id', subject_kind => 'employee');
CREATE TABLE shifts (employee_id int, at date);
CREATE TABLE staff (id int PRIMARY KEY);
ALTER TABLE shifts ADD FOREIGN KEY (employee_id) REFERENCES staff (id);
SELECT compliance.protect('shifts', 'employee_id');
SELECT compliance.protect('staff', 'id', subject_kind => 'employee');
DROP TABLE lab_results, shifts, staff;
-- a column referencing two kinds is no one kind's; a reference to a
-- protected table's child names that table's kind
CREATE TABLE links (sid int, note text);
ALTER TABLE links ADD FOREIGN KEY (sid) REFERENCES patients (id) NOT VALID;
ALTER TABLE links ADD FOREIGN KEY (sid) REFERENCES employees (id) NOT VALID;
SELECT compliance.protect('links', 'sid');
CREATE TABLE patients_2026 () INHERITS (patients);
ALTER TABLE patients_2026 ADD PRIMARY KEY (id);
CREATE TABLE referrals (patient_id int REFERENCES patients_2026 (id));
SELECT compliance.protect('referrals', 'patient_id');
SELECT subject_kind FROM compliance.protected_tables WHERE relid = 'referrals'::regclass;
-- a table may not inherit from two protected tables: its rows would be
-- two people's at once
CREATE TABLE mixed () INHERITS (patients, employees);
CREATE TABLE orphan (id int, full_name text, phone text, salary numeric);
CREATE TABLE mixed () INHERITS (orphan, patients);
SELECT compliance.protect('orphan', 'id', subject_kind => 'employee');
DROP TABLE mixed, orphan, links, referrals, patients_2026;

-- Consent for reminders: full name and phone, in every table.
SELECT compliance.register_purpose('reminders', 'Appointment reminders', data_items => ARRAY['full_name', 'phone']);
SELECT compliance.register_purpose('payroll', 'Payroll', legal_basis => 'labour_relations',
                                   data_items => ARRAY['employees.full_name', 'employees.salary']);
CREATE ROLE sk_app;
GRANT SELECT, INSERT, UPDATE ON patients, employees, appointments, visitors TO sk_app;
GRANT compliance_app TO sk_app;
SELECT compliance.grant_purpose('reminders', 'sk_app');
SELECT compliance.grant_purpose('payroll', 'sk_app');

SELECT compliance.give_consent('1', '{reminders}', 'checkbox', subject_kind => 'patient') IS NOT NULL AS given;
SELECT compliance.subject_kind(r), compliance.subject(r)
  FROM compliance.consents_of('1', subject_kind => 'patient') r;
SELECT count(*) AS employee_1_receipts FROM compliance.consents_of('1', subject_kind => 'employee');
SELECT count(*) AS person_1_receipts FROM compliance.consents_of('1');
SELECT subject, subject_kind, purpose, status FROM compliance.consent_state ORDER BY 1, 2;

-- Patient 1's consent lets reminders read patient 1, never employee 1.
SET ROLE sk_app;
SET compliance.purpose = 'reminders';
SELECT id, full_name FROM patients ORDER BY id;
SELECT id, full_name FROM employees ORDER BY id;
SELECT full_name FROM visitors;
SELECT compliance.may_process('1', subject_kind => 'patient') AS patient_1,
       compliance.may_process('1', subject_kind => 'employee') AS employee_1,
       compliance.may_process('1') AS person_1;
SELECT compliance.may_process('1', subject_kind => 'nobody');
SELECT compliance.may_process('1', subject_kind => NULL);
-- a write names the kind it refuses
INSERT INTO employees (id, full_name) VALUES (3, 'Galina Employee');
SET compliance.on_blocked_read = 'error';
SELECT full_name FROM employees WHERE id = 1;
RESET compliance.on_blocked_read;
RESET ROLE;

-- The same session learns employee 1's own consent (one cache table per
-- purpose and kind).
SELECT compliance.give_consent('1', '{reminders}', 'checkbox', subject_kind => 'employee') IS NOT NULL AS given;
SET ROLE sk_app;
SELECT id, full_name FROM employees ORDER BY id;
SELECT id, full_name FROM patients ORDER BY id;
RESET ROLE;

-- A withdrawal, a block: only that kind's subject.
SELECT compliance.withdraw_consent('1', subject_kind => 'employee');
SELECT compliance.block_subject('1', 'accuracy disputed', subject_kind => 'patient');
SELECT subject, subject_kind, reason FROM compliance.blocked_subjects;
SET ROLE sk_app;
SELECT id, full_name FROM patients ORDER BY id;
SELECT id, full_name FROM employees ORDER BY id;
RESET ROLE;
SELECT compliance.unblock_subject('1');
SELECT compliance.unblock_subject('1', subject_kind => 'patient');

-- A ground of employee 1 is not one of patient 1's.
SET ROLE sk_app;
SELECT compliance.record_basis('1', 'payroll', subject_kind => 'employee') IS NOT NULL AS recorded;
SET compliance.purpose = 'payroll';
SELECT id, full_name, salary FROM employees ORDER BY id;
RESET compliance.purpose;
RESET ROLE;
SELECT subject, subject_kind, purpose FROM compliance.ground_state ORDER BY 1, 2;

-- Access reports: patient 1 sees the patient's rows and purposes only.
SELECT jsonb_path_query_array(compliance.subject_access('1', subject_kind => 'patient'), '$.data[*].table') AS patient_tables,
       jsonb_path_query_array(compliance.subject_access('1', subject_kind => 'patient'), '$.purposes[*].purpose') AS patient_purposes;
SELECT jsonb_path_query_array(compliance.subject_access('1', subject_kind => 'employee'), '$.data[*].table') AS employee_tables,
       jsonb_path_query_array(compliance.subject_access('1', subject_kind => 'employee'), '$.purposes[*].purpose') AS employee_purposes;
-- The rows' values are compared, not the report's text: a timestamp may contain 1500.
SELECT jsonb_path_exists(compliance.subject_access('1', subject_kind => 'employee'), '$.data[*].rows[*].* ? (@ == "flu")') AS employee_report_has_diagnosis,
       jsonb_path_exists(compliance.subject_access('1', subject_kind => 'patient'), '$.data[*].rows[*].* ? (@ == 1500)') AS patient_report_has_salary,
       jsonb_path_exists(compliance.subject_access('1', subject_kind => 'patient'), '$.data[*].rows[*].* ? (@ == "flu")') AS patient_report_has_diagnosis,
       jsonb_path_exists(compliance.subject_access('1', subject_kind => 'employee'), '$.data[*].rows[*].* ? (@ == 1500)') AS employee_report_has_salary;
SELECT l AS ru FROM regexp_split_to_table(compliance.subject_access_report('1', 'ru', subject_kind => 'patient'), E'\n') l
 WHERE l LIKE 'Субъект%';
SELECT l AS en FROM regexp_split_to_table(compliance.subject_access_report('1', 'en', subject_kind => 'employee'), E'\n') l
 WHERE l LIKE 'Data subject%';

-- Disclosures are logged and reported per kind.
SELECT compliance.register_recipient('bank', 'Belarusbank', 'Minsk', 'BY');
SET ROLE sk_app;
SELECT compliance.record_disclosure('1', 'bank', ARRAY['employees.salary'], 'payroll', subject_kind => 'employee') IS NOT NULL AS logged;
SET compliance.purpose = 'reminders';
SET compliance.recipient = 'bank';
SELECT full_name AS read_for_bank FROM patients;
RESET compliance.recipient;
RESET compliance.purpose;
RESET ROLE;
SELECT compliance.flush_disclosures();
SELECT subject, subject_kind, source, source_table FROM compliance.disclosure_log ORDER BY id;
SELECT count(*) AS patient_1 FROM compliance.disclosure_history('1', current_date + 1, subject_kind => 'patient');
SELECT count(*) AS employee_1 FROM compliance.disclosure_history('1', current_date + 1, subject_kind => 'employee');
SELECT count(*) AS person_1 FROM compliance.disclosure_history('1', current_date + 1);

-- Requests and erasure: patient 1's erasure leaves employee 1 alone, even
-- where a foreign key would cascade from patients into employees' rows:
-- those rows of the patient are kept, and the patient blocked.
ALTER TABLE employees ADD CONSTRAINT employees_patient FOREIGN KEY (id) REFERENCES patients (id)
    ON DELETE CASCADE NOT VALID;
SELECT compliance.file_request('1', 'erase', subject_kind => 'employee') AS employee_request \gset
SELECT compliance.erase_subject('1', :employee_request, subject_kind => 'patient');
SELECT compliance.file_request('1', 'erase', subject_kind => 'patient') AS patient_request \gset
SELECT subject, subject_kind, kind FROM compliance.requests ORDER BY id;
SELECT r -> 'deleted' AS deleted, r -> 'refused' AS refused, r -> 'blocked' AS blocked, r ->> 'subject_kind' AS kind
  FROM compliance.erase_subject('1', :patient_request, subject_kind => 'patient') r;
ALTER TABLE employees DROP CONSTRAINT employees_patient;
SET compliance.enforce = off;
SELECT 'patients' AS t, id FROM patients UNION ALL SELECT 'employees', id FROM employees
UNION ALL SELECT 'appointments', patient_id FROM appointments UNION ALL SELECT 'visitors', id::int FROM visitors
ORDER BY 1, 2;
RESET compliance.enforce;
SELECT subject, subject_kind, event FROM compliance.consent_ledger ORDER BY id;
SELECT count(*) FILTER (WHERE ok) = count(*) AS ledgers_intact FROM compliance.verify_ledger();

-- Erase tasks after a withdrawal carry the kind.
SELECT subject, subject_kind, ledger_id IS NOT NULL AS after_withdrawal FROM compliance.erase_tasks ORDER BY id;

-- Breaches and demands of the authority name the kind.
SELECT compliance.report_breach(now(), 'laptop lost', ARRAY['2'], subject_kind => 'employee') IS NOT NULL AS reported;
SELECT subjects, subject_kind FROM compliance.breaches;
SELECT compliance.report_breach(now(), 'laptop lost', ARRAY['2'], subject_kind => 'nobody');
SELECT compliance.record_authority_demand('2', 'block', subject_kind => 'employee') AS demand \gset
SELECT (compliance.carry_out_authority_demand(:demand) ->> 'subject_kind') AS blocked_kind;
SELECT subject, subject_kind FROM compliance.blocked_subjects;

-- Keys as the tables hold them: rows meet consents by the text form of
-- their subject column, so a key written otherwise is taken in that form.
SELECT compliance.register_subject_kind('customer', 'customer', 'покупатель');
CREATE TABLE orders (customer uuid, full_name text);
INSERT INTO orders VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'Olga Customer');
SELECT compliance.protect('orders', 'customer', subject_kind => 'customer');
SELECT compliance.subject(compliance.give_consent('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{reminders}', 'checkbox',
                                                  subject_kind => 'customer')) AS stored_as;
SELECT compliance.may_process('{a0eebc999c0b4ef8bb6d6bb9bd380a11}', 'reminders', 'customer') AS upper_braces_no_hyphens;
SET compliance.purpose = 'reminders';
SELECT full_name FROM orders;
-- a withdrawal written another way withdraws the same consent
SELECT compliance.withdraw_consent('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', subject_kind => 'customer') AS withdrawn;
SELECT full_name FROM orders;
RESET compliance.purpose;
SELECT compliance.give_consent('a0eebc99-9c0b', '{reminders}', 'checkbox', subject_kind => 'customer');
-- integer columns: ' 042', '+42' and '042' are patient 42
SELECT compliance.subject(compliance.give_consent(' 042', '{reminders}', 'checkbox', subject_kind => 'patient')) AS stored_as;
SELECT compliance.consent_status('+42', 'reminders', 'patient') AS status_of_plus_42,
       compliance.may_process('042', 'reminders', 'patient') AS may_042;
SELECT compliance.withdraw_consent('042', subject_kind => 'patient') AS withdrawn;
SELECT subject, status FROM compliance.consent_state WHERE subject_kind = 'patient' AND subject LIKE '%42' ORDER BY 1;
-- a key no table of the kind can hold, or out of the column's range
SELECT compliance.give_consent('anna', '{reminders}', 'checkbox', subject_kind => 'patient');
SELECT compliance.block_subject('99999999999', 'x', subject_kind => 'patient');
SELECT compliance.may_process('4.2', 'reminders', 'patient');
-- a text table of the kind does not change that: its keys must match the
-- integer ones, and a withdrawal must not miss because it was protected
CREATE TABLE patient_notes (patient text, note text);
SELECT compliance.protect('patient_notes', 'patient', subject_kind => 'patient');
SELECT compliance.subject(compliance.give_consent('042', '{reminders}', 'checkbox', subject_kind => 'patient')) AS still_42;
SELECT compliance.subject(compliance.give_consent('anna', '{reminders}', 'checkbox', subject_kind => 'patient')) AS text_key_kept;
SELECT compliance.unprotect('patient_notes');
DROP TABLE patient_notes;
-- a kind with only a text column holds every key as written ('042' is not '42')
SELECT compliance.subject(compliance.give_consent('042', '{reminders}', 'checkbox')) AS person_stored_as;
SELECT compliance.consent_status('42', 'reminders') AS person_42, compliance.consent_status('042', 'reminders') AS person_042;
-- a kind with no protected table yet takes the key as given
SELECT compliance.register_subject_kind('supplier', 'supplier');
SELECT compliance.subject(compliance.give_consent(' 7', '{reminders}', 'checkbox', subject_kind => 'supplier')) AS supplier_stored_as;
SELECT compliance.unprotect('orders');
DROP TABLE orders;

-- A dump keeps the registered kinds, not the shipped one.
SELECT tbl, cond FROM (SELECT c.relname AS tbl, x.cond FROM pg_extension e,
       unnest(e.extconfig, e.extcondition) AS x(oid, cond) JOIN pg_class c ON c.oid = x.oid
        WHERE e.extname = 'compliance') y WHERE tbl = 'subject_kinds';

DROP TABLE appointments, patients, employees, visitors;
DROP EXTENSION compliance CASCADE;
DROP ROLE sk_app;
