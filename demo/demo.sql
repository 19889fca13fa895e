-- make demo: a small clinic walks through the compliance extension.
-- Law of the Republic of Belarus No. 99-Z "On the protection of personal data".
\set QUIET on
\set SHOW_CONTEXT never
\pset null '(null)'
SET client_min_messages = warning;
SET timezone = 'UTC';

\echo '=== 1. Install: the library is preloaded; CREATE EXTENSION creates schema, roles and registry'
CREATE EXTENSION compliance;
SELECT extversion FROM pg_extension WHERE extname = 'compliance';

\echo
\echo '=== 2. The DBA registers the processor and the purposes of processing (Art. 4.4, 6, 8)'
SELECT compliance.set_processor('Clinic "Zdorovye" LLC', 'Minsk, Nezavisimosti Ave 10');
-- who supervises processing inside the clinic, named in the policy (Art. 17.3)
SELECT compliance.set_responsible_person('Data protection officer I. Petrova', 'dpo@zdorovye.by, +375 17 200-00-00');
-- patients and employees are both numbered from 1: a subject is a kind and a key (Art. 1)
SELECT compliance.register_subject_kind('patient', 'patient', 'пациент'),
       compliance.register_subject_kind('employee', 'employee', 'работник');
-- a special-category column is named with its table (Art. 8)
SELECT compliance.register_purpose('treatment', 'Medical treatment', 'medical_assistance',
           retention => interval '10 years',
           data_items => ARRAY['full_name', 'phone', 'patients.diagnosis']);
SELECT compliance.register_purpose('reminders', 'Appointment reminders by SMS',
           data_items => ARRAY['full_name', 'phone'],
           actions => ARRAY['collection', 'storage', 'use']::compliance.processing_action[],
           retention => interval '1 month');
SELECT compliance.register_purpose('research', 'Anonymised outcome research');
-- a video consultation needs to know who is on the line (Art. 5.6)
SELECT compliance.register_purpose('telemedicine', 'Video consultations',
           data_items => ARRAY['full_name', 'phone'], requires_identity => true);
SELECT compliance.register_purpose('payroll', 'Payroll', 'labour_relations',
           data_items => ARRAY['employees.full_name', 'employees.salary']);
SELECT compliance.register_recipient('sms_gateway', 'SMS Gateway LLC', 'Minsk, Surganova St 2', 'BY', 'authorised_person');
-- the agreement instructing it: the notice names it for these purposes only (Art. 5.5, 7)
SELECT compliance.set_recipient_agreement('sms_gateway', '{reminders}', '{storage,use}', true, 'Agreement No. 7 of 15.01.2026');
SELECT code, title, legal_basis, data_items FROM compliance.purposes ORDER BY id;
SELECT basis, article, allows_special FROM compliance.legal_bases
 WHERE basis IN ('consent', 'medical_assistance', 'contract_with_subject') ORDER BY basis;

\echo
\echo '=== 3. Purposes are a type; sets of purposes are a compact bitmap with operators and indexes'
SELECT '{research,reminders}'::compliance.purpose_set AS canonical_order,
       '{reminders,research}'::compliance.purpose_set @> 'research' AS contains,
       '{reminders}'::compliance.purpose_set + 'treatment' AS union_;

\echo
\echo '=== 4. The clinic''s tables; the DBA protects them (diagnosis is health data, Art. 8)'
CREATE TABLE patients (id int PRIMARY KEY, full_name text, phone text, diagnosis text);
INSERT INTO patients VALUES
    (1, 'Anna Ivanova',   '+375 29 111-11-11', 'hypertension'),
    (2, 'Boris Petrov',   '+375 29 222-22-22', 'asthma'),
    (3, 'Vera Sidorova',  '+375 29 333-33-33', NULL),
    (4, 'Gleb Kozlov',    '+375 29 444-44-44', 'diabetes');
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health"}', subject_kind => 'patient');
CREATE ROLE clinic_app NOLOGIN IN ROLE compliance_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON patients TO clinic_app;
-- the purposes the application may process for (Art. 17.3)
SELECT compliance.grant_purpose('reminders', 'clinic_app'), compliance.grant_purpose('treatment', 'clinic_app'),
       compliance.grant_purpose('telemedicine', 'clinic_app');
\echo '--- treatment is a ground of each patient under care (Art. 8.2), recorded when care begins; Gleb was discharged:'
SELECT count(compliance.record_basis(id::text, 'treatment', '2026-01-15 09:00+03', subject_kind => 'patient')) AS grounds
  FROM generate_series(1, 4) id;
SELECT compliance.end_basis('4', 'treatment', '2026-11-20 12:00+03', 'discharged', subject_kind => 'patient') AS ended;

\echo '--- documents name data by labels, never by column or code names (Art. 11.2, 17.4); the DBA labels what compliance.missing_labels lists:'
SELECT count(*) AS labelled
  FROM (VALUES ('treatment', 'Medical treatment'), ('reminders', 'Appointment reminders by SMS'),
               ('research', 'Anonymised outcome research'), ('telemedicine', 'Video consultations'),
               ('payroll', 'Payroll'), ('sms_gateway', 'SMS Gateway LLC'), ('patients', 'Patient record'),
               ('patients.id', 'patient number'), ('patients.full_name', 'surname, first name, patronymic (if any)'),
               ('patients.phone', 'mobile phone number'), ('patients.diagnosis', 'diagnosis')) v(item, label),
       compliance.set_label(v.item, 'en', v.label);
SELECT compliance.set_label('patients.full_name', 'ru', 'фамилия, собственное имя, отчество (если таковое имеется)');
SELECT kind, item FROM compliance.missing_labels WHERE lang = 'en';

\echo
\echo '=== 5. Before consent the patient sees the notice of Art. 5.5 (English here; Russian is the default)'
\pset format unaligned
\pset tuples_only on
SELECT compliance.consent_notice('{reminders}', 'en');
\pset tuples_only off
\pset format aligned

\echo
\echo '=== 6. The application records consent; each receipt is hash-chained in the ledger (Art. 5.7)'
SET ROLE clinic_app;
SELECT compliance.give_consent('1', '{reminders}', 'sms_code', evidence => '{"code": "4711"}', subject_kind => 'patient');
SELECT compliance.purposes(compliance.give_consent('2', '{reminders}', 'checkbox', subject_kind => 'patient'));
SELECT compliance.purposes(compliance.give_consent('3', '{reminders,research}', 'written', subject_kind => 'patient'));
\echo '--- a 15-year-old needs a legal representative (Art. 5.9):'
\set ON_ERROR_STOP off
SELECT compliance.give_consent('4', '{reminders}', 'checkbox',
       identity => jsonb_build_object('birth_date', (current_date - interval '15 years')::date), subject_kind => 'patient');
\set ON_ERROR_STOP on
RESET ROLE;

\echo
\echo '=== 7. Processing needs a declared purpose; the rows follow consent (Art. 4, 5)'
SET ROLE clinic_app;
\set ON_ERROR_STOP off
SELECT full_name FROM patients;
\set ON_ERROR_STOP on
SET compliance.purpose = 'reminders';
\echo '--- reminders may reach only patients who consented:'
SELECT id, full_name, phone FROM patients ORDER BY id;
\echo '--- and may not touch the diagnosis, health data it does not name (Art. 4.5, 8):'
\set ON_ERROR_STOP off
SELECT id, diagnosis FROM patients;
\set ON_ERROR_STOP on
\echo '--- research, a purpose not granted to the application, is refused (Art. 17.3):'
\set ON_ERROR_STOP off
SET compliance.purpose = 'research';
\set ON_ERROR_STOP on
SET compliance.purpose = 'treatment';
\echo '--- treatment (Art. 8.2) needs no consent and sees each patient whose care has not ended:'
SELECT id, full_name, diagnosis FROM patients ORDER BY id;

\echo
\echo '=== 8. Patient 2 withdraws consent, in another session (Art. 10)'
\! psql -X -q -c "SELECT compliance.withdraw_consent('2', '{reminders}', subject_kind => 'patient') AS withdrawn"
SET compliance.purpose = 'reminders';
\echo '--- the very next statement returns fewer rows:'
SELECT id, full_name, phone FROM patients ORDER BY id;
\echo '--- and the application can ask before sending:'
SELECT compliance.may_process('1', subject_kind => 'patient') AS patient_1, compliance.may_process('2', subject_kind => 'patient') AS patient_2;
\echo '--- an UPDATE no longer reaches patient 2:'
UPDATE patients SET phone = '+375 29 000-00-00' WHERE id = 2 RETURNING id;
\echo '--- and writing a row of a subject without consent is refused (42501):'
\set ON_ERROR_STOP off
INSERT INTO patients (id, full_name, phone) VALUES (5, 'Daria Orlova', '+375 29 555-55-55');
\set ON_ERROR_STOP on
RESET compliance.purpose;
RESET ROLE;

\echo
\echo '=== 9. The history stays: withdrawal is not retroactive (Art. 10.4), and the chain verifies'
SELECT compliance.consent_status('2', 'reminders', subject_kind => 'patient') AS patient_2_reminders,
       compliance.consent_status('3', 'research', subject_kind => 'patient') AS patient_3_research,
       compliance.consent_status('4', 'reminders', subject_kind => 'patient') AS patient_4_reminders;
SELECT id, event, subject, subject_kind, purposes, left(encode(hash, 'hex'), 16) || '...' AS hash
  FROM compliance.consent_ledger ORDER BY id;
SELECT * FROM compliance.verify_ledger();
\echo '--- nobody, not even the owner, can rewrite it:'
\set ON_ERROR_STOP off
DELETE FROM compliance.consent_ledger WHERE subject = '2';
\set ON_ERROR_STOP on

\echo
\echo '=== 9a. Employees are numbered from 1 too: employee 1 is not patient 1 (Art. 1, 5, 11)'
CREATE TABLE employees (id int PRIMARY KEY, full_name text, salary numeric);
INSERT INTO employees VALUES (1, 'Ivan Sokolov', 2100), (2, 'Olga Belova', 2400);
CREATE ROLE clinic_hr NOLOGIN IN ROLE compliance_app;
GRANT SELECT ON employees TO clinic_hr;
GRANT SELECT ON employees TO clinic_app;
\echo '--- the HR system runs live: the DBA switches the table on in report mode first, without an outage'
SELECT compliance.protect('employees', 'id', subject_kind => 'employee', mode => 'report');
SELECT count(*) AS labelled
  FROM (VALUES ('employees', 'Personnel file'), ('employees.id', 'personnel number'),
               ('employees.full_name', 'surname, first name, patronymic (if any)'),
               ('employees.salary', 'salary')) v(item, label),
       compliance.set_label(v.item, 'en', v.label);
SET ROLE clinic_hr;
SELECT full_name, salary FROM employees WHERE full_name <> 'Nobody' ORDER BY id;
RESET ROLE;
\echo '--- what enforcement would have refused, per purpose, role and statement (literals left out):'
SELECT event, purpose, role, statement, statements FROM compliance.protection_report;
\echo '--- HR is given its purpose and records the ground; then the table is enforced:'
SELECT compliance.grant_purpose('payroll', 'clinic_hr');
SELECT compliance.set_protection_mode('employees', 'enforce');
SELECT relid, subject_column, subject_kind, mode FROM compliance.protected_tables ORDER BY relid::text;
\echo '--- payroll rests on employment, a ground of each employee from its start (Art. 6):'
SET ROLE clinic_hr;
SELECT compliance.record_basis('1', 'payroll', '2025-03-01 09:00+03', subject_kind => 'employee') > 0 AS recorded;
SET compliance.purpose = 'payroll';
SELECT id, full_name, salary FROM employees ORDER BY id;
RESET compliance.purpose;
RESET ROLE;
\echo '--- patient 1 consented to reminders; that says nothing about employee 1:'
SET ROLE clinic_app;
SET compliance.purpose = 'reminders';
SELECT id, full_name FROM employees ORDER BY id;
SELECT compliance.may_process('1', subject_kind => 'patient') AS patient_1,
       compliance.may_process('1', subject_kind => 'employee') AS employee_1;
\echo '--- and the application, not granted payroll, may not declare it (Art. 17.3):'
\set ON_ERROR_STOP off
SET compliance.purpose = 'payroll';
\set ON_ERROR_STOP on
RESET compliance.purpose;
RESET ROLE;

\echo
\echo '=== 10. Patient 1 applies for the information of Art. 11 (due in 5 working days, Art. 11.2)'
SELECT compliance.set_data_source('patients', 'registration form at the reception desk');
SELECT compliance.file_request('1', 'access', received_at => '2026-12-30 10:00+03', channel => 'email',
       applicant => '{"surname": "Ivanova", "first_name": "Anna", "address": "Minsk, Lenina St 5", "birth_date": "1980-04-12", "signature": "e-signature #4711"}', subject_kind => 'patient') AS request_id \gset
SELECT id, subject, subject_kind, kind, received_at::date, due_at::date, status FROM compliance.requests;
\echo '--- 1 and 7 January are public holidays (2 and 3 January a weekend), so 30 December + 5 working days ='
\echo '--- (with a WARNING: the transfers of working days for 2027 are not entered and confirmed yet)'
SELECT compliance.working_days_add('2026-12-30', 5);
\echo '--- the officer sends the report in accessible form (English here; Russian is the default):'
\pset format unaligned
\pset tuples_only on
SELECT compliance.answer_request(:request_id, 'en');
\pset tuples_only off
\pset format aligned
\echo '--- the report is stored with the application, with its digest, and the application is completed:'
SELECT id, status, outcome, answer_lang, left(answer_digest, 16) AS answer_digest FROM compliance.requests;

\echo
\echo '=== 11. The clinic exports reminders to its SMS gateway; every row returned is logged (Art. 12)'
CREATE ROLE clinic_export NOLOGIN IN ROLE compliance_app;
GRANT SELECT ON patients TO clinic_export;
SELECT compliance.grant_purpose('reminders', 'clinic_export');
SET ROLE clinic_export;
SET compliance.purpose = 'reminders';
SET compliance.recipient = 'sms_gateway';
COPY (SELECT id, phone FROM patients ORDER BY id) TO STDOUT;
\echo '--- a rollback does not take the disclosure back: the rows reached the client'
BEGIN;
SELECT full_name FROM patients WHERE id = 3;
ROLLBACK;
SELECT compliance.flush_disclosures();
RESET compliance.recipient;
RESET compliance.purpose;
RESET ROLE;
\echo '--- a file handed over by hand is recorded explicitly:'
SELECT compliance.record_disclosure('1', 'sms_gateway', ARRAY['phone'], 'reminders', disclosed_at => '2026-06-01 12:00+03', subject_kind => 'patient') > 0 AS recorded;
\echo '--- patient 1 asks whom their data went to in the year before the application (Art. 12.2):'
SELECT recipient_name, recipient_location, country, data_items, purpose
  FROM compliance.disclosure_history('1', current_date + 1, subject_kind => 'patient') ORDER BY disclosed_at;
SELECT * FROM compliance.verify_ledger();


\echo
\echo '=== 12. Retention, a breach, the published policy and the officer''s dashboard (Art. 4.8, 16, 17)'
\echo '--- treatment keeps its records 10 years after care ends (Art. 4.8): nothing has outlived its purposes yet'
SELECT * FROM compliance.expired_data();
\echo '--- a stolen laptop held an export of reminders: the authority is due a notice within 3 working days (Art. 16.1)'
SELECT compliance.report_breach(now() - interval '2 hours', 'Laptop with an export of reminder phone numbers stolen', ARRAY['1', '3'], subject_kind => 'patient') AS breach_id \gset
SELECT id, subjects, subject_kind, notify_by, status, overdue FROM compliance.breaches;
\echo '--- the policy the clinic publishes before processing (Art. 17.3-17.4; English here, Russian is the default):'
\pset format unaligned
\pset tuples_only on
SELECT compliance.policy_document('en');
\pset tuples_only off
\pset format aligned
\echo '--- what the officer must act on:'
SELECT item, total, overdue, next_due, article FROM compliance.officer_dashboard;
SELECT compliance.record_breach_notification(:breach_id, reference => 'letter to the authority, ref. 1/2026');
SELECT id, status, late FROM compliance.breaches;

\echo
\echo '=== 13. Patient 3 asks for erasure (Art. 13): the rows go, the recipient is told, the proof stays as digests'
\echo '--- she had consented to video consultations with her identity document (Art. 5.6); the ledger holds it sealed:'
SET ROLE clinic_app;
SELECT compliance.consent_id(compliance.give_consent('3', '{telemedicine}', 'written',
       identity => '{"surname": "Sidorova", "first_name": "Vera", "birth_date": "1990-05-17", "id_number": "4170590A001PB1"}',
       subject_kind => 'patient')) AS consent_3 \gset
RESET ROLE;
SELECT receipt::jsonb -> 'identity' AS identity_in_ledger FROM compliance.consent_ledger WHERE id = :consent_3;
\echo '--- her care has ended; she applies for erasure:'
SELECT compliance.end_basis('3', 'treatment', reason => 'care ended', subject_kind => 'patient') AS ended;
SELECT compliance.file_request('3', 'erase', received_at => '2026-11-20 10:00+03',
       applicant => '{"surname": "Sidorova", "first_name": "Vera", "address": "Minsk, Pobediteley Ave 7", "signature": "on file"}',
       subject_kind => 'patient') AS erase_id \gset
SELECT r ->> 'outcome' AS outcome, r -> 'deleted' AS deleted, r -> 'notices' AS notices
  FROM compliance.erase_subject('3', :erase_id, subject_kind => 'patient') r;
\echo '--- the SMS gateway received her phone number, so it is told to erase it too, within 15 days (Art. 13.2):'
SELECT recipient, due_at, confirmed_at FROM compliance.erasure_notices WHERE subject = '3';
SELECT compliance.confirm_erasure_notice(id) FROM compliance.erasure_notices WHERE subject = '3';
SELECT status, outcome, applicant, sealed ? 'applicant' AS applicant_digest_kept FROM compliance.requests WHERE id = :erase_id;
\echo '--- her name is nowhere in the schema any more, yet every ledger still verifies:'
SELECT count(*) AS readable_copies
  FROM (SELECT to_jsonb(l)::text AS t FROM compliance.consent_ledger l
        UNION ALL SELECT to_jsonb(e)::text FROM compliance.consent_evidence e
        UNION ALL SELECT to_jsonb(q)::text FROM compliance.subject_requests q) x
 WHERE t LIKE '%Sidorova%' OR t LIKE '%4170590A001PB1%';
SELECT * FROM compliance.verify_ledger();
\echo '--- in a dispute, the identity document she presents still matches the salted digest the ledger kept (Art. 5.7):'
SELECT item, kept, matches FROM compliance.confirm_consent_evidence(:consent_3,
       identity => '{"surname": "Sidorova", "first_name": "Vera", "birth_date": "1990-05-17", "id_number": "4170590A001PB1"}');

\echo
\echo 'Demo complete.'
