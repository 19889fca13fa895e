-- Erasure and blocking (Art. 10.2, 13): deleting a subject's rows across
-- a foreign-key chain, blocking what must or cannot be kept, the consent
-- ledger's erased event, erase tasks after a withdrawal, and blocking
-- through the subject-rights flows.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('care', 'Medical care', 'medical_assistance',
    data_items => ARRAY['name', 'diagnosis', 'note'], basis_scope => 'all_subjects');
SELECT compliance.register_purpose('marketing', 'Marketing e-mails', data_items => ARRAY['email']);
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', data_items => ARRAY['amount'], basis_scope => 'all_subjects');

-- patients (protected) <- visits (protected) <- visit_files (ON DELETE CASCADE)
--                                            <- visit_audit (NO ACTION)
--          <- invoices (protected, retained by law)
--          <- referrals (ON DELETE SET NULL)
-- newsletter (protected, no foreign keys)
CREATE ROLE clinic_app NOLOGIN;
GRANT compliance_app TO clinic_app;
GRANT USAGE, CREATE ON SCHEMA public TO clinic_app;
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, r::regrole)
    FROM unnest(ARRAY['care', 'marketing', 'billing']) p, unnest(ARRAY['clinic_app']) r) g;
SET ROLE clinic_app;
CREATE TABLE patients (id int PRIMARY KEY, name text, email text, diagnosis text);
CREATE TABLE visits (id int PRIMARY KEY, patient_id int NOT NULL REFERENCES patients, note text);
CREATE TABLE visit_files (id int PRIMARY KEY, visit_id int REFERENCES visits ON DELETE CASCADE, path text);
CREATE TABLE visit_audit (id int PRIMARY KEY, visit_id int REFERENCES visits, action text);
CREATE TABLE invoices (id int PRIMARY KEY, patient_id int REFERENCES patients, amount numeric);
CREATE TABLE referrals (id int PRIMARY KEY, patient_id int REFERENCES patients ON DELETE SET NULL, clinic text);
CREATE TABLE newsletter (subscriber text PRIMARY KEY, email text);
INSERT INTO patients VALUES (1, 'Anna', 'anna@example.by', 'flu'), (2, 'Boris', 'boris@example.by', 'asthma'),
                            (3, 'Vera', 'vera@example.by', NULL);
INSERT INTO visits VALUES (10, 1, 'first'), (11, 1, 'second'), (20, 2, 'only'), (30, 3, 'check-up');
INSERT INTO visit_files VALUES (100, 10, '/scans/10a'), (101, 10, '/scans/10b'), (200, 20, '/scans/20');
INSERT INTO visit_audit VALUES (500, 11, 'printed');
INSERT INTO invoices VALUES (900, 1, 25.50), (930, 3, 10);
INSERT INTO referrals VALUES (700, 2, 'City hospital'), (701, 1, 'Lab');
INSERT INTO newsletter VALUES ('s1', 's1@example.by'), ('s2', 's2@example.by');
RESET ROLE;
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health"}');
SELECT compliance.protect('visits', 'patient_id');
SELECT compliance.protect('invoices', 'patient_id');
SELECT compliance.protect('newsletter', 'subscriber');

-- Art. 13.3: invoices are kept by law; marking needs a table
SELECT compliance.set_retained('invoices', 'Tax Code of the Republic of Belarus: accounting documents are kept 5 years', interval '5 years');
SELECT compliance.set_retained('newsletter', 'temporary', interval '1 year');
SELECT compliance.set_retained('newsletter', NULL, NULL);
SELECT compliance.set_retained('compliance.requests', 'a view', interval '1 year');
SELECT compliance.set_retained(NULL, 'x', interval '1 year');
-- Art. 4.8: the act that obliges keeping sets the term; it runs from a date column
SELECT compliance.set_retained('newsletter', 'temporary', NULL);
SELECT compliance.set_retained('newsletter', 'temporary', interval '-1 day');
SELECT compliance.set_retained('newsletter', 'temporary', interval '1 year', 'sent_on');
SELECT compliance.set_retained('newsletter', 'temporary', interval '1 year', 'email');
SELECT relid, ground, period, from_column FROM compliance.retained_tables;

SELECT compliance.purposes(compliance.give_consent('2', '{marketing}', 'checkbox'));
SELECT compliance.purposes(compliance.give_consent('1', '{marketing}', 'checkbox'));

CREATE FUNCTION show(j jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_pretty(j - 'erased_at')
$$;
CREATE FUNCTION all_rows() RETURNS TABLE (tbl text, id int, subject text)
    LANGUAGE plpgsql SET compliance.enforce = off AS $$
BEGIN
    RETURN QUERY
        SELECT 'patients', p.id, p.id::text FROM patients p
        UNION ALL SELECT 'visits', v.id, v.patient_id::text FROM visits v
        UNION ALL SELECT 'visit_files', f.id, f.visit_id::text FROM visit_files f
        UNION ALL SELECT 'visit_audit', a.id, a.visit_id::text FROM visit_audit a
        UNION ALL SELECT 'invoices', i.id, i.patient_id::text FROM invoices i
        UNION ALL SELECT 'referrals', r.id, r.patient_id::text FROM referrals r
        UNION ALL SELECT 'newsletter', NULL, n.subscriber FROM newsletter n
        ORDER BY 1, 2, 3;
END
$$;

-- Erasure on request: subject 2 goes entirely; its file cascades, its
-- referral is kept with the link set to NULL (Art. 13.2)
SELECT compliance.file_request('2', 'erase', '2026-12-30 10:00+03') AS req2 \gset
SELECT show(compliance.erase_subject('2', :req2));
SELECT kind, status, outcome, response, legal_ground, report ->> 'outcome' AS report_outcome
  FROM compliance.requests WHERE id = :req2;
SELECT * FROM all_rows();

-- Subject 1: a visit referenced by the audit log (NO ACTION) cannot be
-- deleted, the invoice is retained by law, and so the patient row stays
-- too; what stays is blocked instead (Art. 13.2)
SELECT compliance.file_request('1', 'erase', '2026-12-30 10:00+03') AS req1 \gset
SELECT show(compliance.erase_subject('1', :req1));
SELECT kind, status, outcome, response, legal_ground FROM compliance.requests WHERE id = :req1;
SELECT * FROM all_rows();
SELECT subject, reason FROM compliance.blocked_subjects;

-- the blocked rows are invisible to every purpose, nothing else was deleted
SET ROLE clinic_app;
SET compliance.purpose = 'care';
SELECT id, name FROM patients ORDER BY id;
SELECT patient_id, note FROM visits ORDER BY note;
SET compliance.purpose = 'billing';
SELECT patient_id, amount FROM invoices ORDER BY patient_id;
SELECT compliance.may_process('1', 'billing') AS may_bill_1, compliance.may_process('3', 'billing') AS may_bill_3;
RESET compliance.purpose;
RESET ROLE;
-- the officer's access export still shows them, and that they are blocked
SET ROLE compliance_officer;
SELECT a -> 'blocked' ? 'reason' AS blocked,
       jsonb_path_query_array(a, '$.data[*].table') AS tables
  FROM compliance.subject_access('1') a;
RESET ROLE;

-- The consent ledger records the erasures without the data; the chain
-- stays intact and the erased consents are no longer in force
SELECT id, event, subject, purposes, receipt IS NULL AS no_receipt FROM compliance.consent_ledger ORDER BY id;
SELECT ledger, rows, ok FROM compliance.verify_ledger() WHERE ledger = 'consent';
SELECT subject, purpose, status FROM compliance.consent_state ORDER BY subject;
SELECT compliance.consent_status('1', 'marketing') AS subject_1, compliance.consent_status('2', 'marketing') AS subject_2;

-- erasing again deletes nothing more; a subject never held is reported as such
SELECT show(compliance.erase_subject('1')) ~ '"deleted": \[\s*\]' AS nothing_more_deleted;
SELECT show(compliance.erase_subject('nobody'));
SELECT count(*) AS ledger_rows FROM compliance.consent_ledger;

-- errors: the request must be an open erasure request of the subject
SELECT compliance.file_request('3', 'access', '2026-12-30 10:00+03') AS access3 \gset
SELECT compliance.file_request('3', 'erase', '2026-12-30 10:00+03') AS erase3 \gset
SELECT compliance.erase_subject('3', :access3);
SELECT compliance.erase_subject('1', :erase3);
SELECT compliance.erase_subject('2', :req2);
SELECT compliance.erase_subject('3', 424242);
SELECT compliance.erase_subject(NULL);
SELECT compliance.complete_request(:erase3, 'refused', 'Data needed for your ongoing treatment.',
                                   'Art. 13.3 of Law 99-Z: necessary for the declared purpose (medical care, Art. 8.2)');
SELECT status, outcome, legal_ground FROM compliance.requests WHERE id = :erase3;

-- Blocking through the subject-rights flow: an application to stop
-- processing, answered by blocking; every purpose loses the subject until
-- the block is lifted, nothing is deleted
SELECT compliance.file_request('3', 'stop_processing', '2026-12-30 10:00+03', 'email') AS stop3 \gset
SET ROLE compliance_officer;
SELECT compliance.block_subject('3', 'Application to stop processing; the basis is being checked (Art. 13.1)');
SELECT compliance.complete_request(:stop3, 'fulfilled', 'Processing of your data has been stopped.');
RESET ROLE;
SET ROLE clinic_app;
SET compliance.purpose = 'care';
SELECT count(*) AS care_sees_3 FROM patients WHERE id = 3;
SET compliance.on_blocked_read = 'error';
SELECT name FROM patients WHERE id = 3;
RESET compliance.on_blocked_read;
RESET compliance.purpose;
RESET ROLE;
SELECT count(*) AS rows_of_3 FROM all_rows() WHERE subject = '3';
SET ROLE compliance_officer;
SELECT compliance.unblock_subject('3');
RESET ROLE;
SET ROLE clinic_app;
SET compliance.purpose = 'care';
SELECT count(*) AS care_sees_3_again FROM patients WHERE id = 3;
RESET compliance.purpose;
RESET ROLE;

-- Withdrawal (Art. 10.2): every withdrawn event creates an erase task due
-- 15 days later; the subject is not blocked, other bases stay usable
SELECT compliance.purposes(compliance.give_consent('s1', '{marketing}', 'checkbox'));
SELECT compliance.purposes(compliance.give_consent('3', '{marketing}', 'checkbox'));
SET ROLE clinic_app;
SELECT compliance.withdraw_consent('s1');
SELECT compliance.withdraw_consent('3');
SELECT compliance.withdraw_consent('s2');
SET compliance.purpose = 'marketing';
SELECT subscriber FROM newsletter ORDER BY 1;
SET compliance.purpose = 'care';
SELECT id FROM patients WHERE id = 3;
RESET compliance.purpose;
RESET ROLE;
SELECT count(*) AS blocked FROM compliance.blocked_subjects WHERE subject IN ('s1', '3');
SELECT t.subject, t.due_at - compliance.belarus_date(t.created_at) AS days, t.overdue,
       l.event, l.subject = t.subject AS same_subject
  FROM compliance.erase_tasks_due t JOIN compliance.consent_ledger l ON l.id = t.ledger_id ORDER BY t.id;
-- s1 has no basis left and is erased; 3 is still needed for medical care
SET ROLE compliance_officer;
SELECT jsonb_pretty(compliance.process_erase_tasks());
SELECT count(*) AS open_tasks FROM compliance.erase_tasks_due;
SELECT subject, done_at IS NOT NULL AS done, report ->> 'action' AS action, report -> 'bases' AS bases,
       report #> '{report,deleted}' AS deleted
  FROM compliance.erase_tasks ORDER BY id;
SELECT jsonb_pretty(compliance.process_erase_tasks());
RESET ROLE;
SELECT * FROM all_rows() WHERE subject IN ('s1', '3');
SELECT event, subject, purposes FROM compliance.consent_ledger WHERE subject IN ('s1', '3') ORDER BY id;
SELECT ledger, rows, ok FROM compliance.verify_ledger() WHERE ledger = 'consent';

-- a withdrawal of some consent leaves a task that finds the consent in force
SELECT compliance.purposes(compliance.give_consent('s2', '{marketing}', 'checkbox'));
SELECT compliance.register_purpose('research', 'Research', 'consent', data_items => ARRAY['email']);
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, r::regrole)
    FROM unnest(ARRAY['research']) p, unnest(ARRAY['clinic_app']) r) g;
SELECT compliance.purposes(compliance.give_consent('s2', '{research}', 'checkbox'));
SELECT compliance.withdraw_consent('s2', '{marketing}');
SET ROLE compliance_officer;
SELECT compliance.process_erase_tasks() -> 'kept';
RESET ROLE;

-- Art. 10.2: a withdrawal made on an application is due 15 days after the
-- application was received (20 November: 5 December), not after the
-- withdrawal was recorded; doing the task completes the application
SELECT compliance.purposes(compliance.give_consent('s3', '{marketing}', 'checkbox'));
SET ROLE compliance_officer;
SELECT compliance.file_request('s3', 'withdraw_consent', '2026-11-20 10:00+03') AS withdraw_s3 \gset
SELECT compliance.file_request('s2', 'access', '2026-11-20 10:00+03') AS access_s2 \gset
RESET ROLE;
SET ROLE clinic_app;
SELECT compliance.withdraw_consent('s3', request_id => :withdraw_s3);
-- an application of another subject or kind, or not to withdraw, is refused
SELECT compliance.withdraw_consent('s2', request_id => :withdraw_s3);
SELECT compliance.withdraw_consent('s3', request_id => :withdraw_s3, subject_kind => 'person');
SELECT compliance.withdraw_consent('s2', request_id => :access_s2);
SELECT compliance.withdraw_consent('s2', request_id => -1);
RESET ROLE;
SELECT subject, due_at, request_id = :withdraw_s3 AS answers_application
  FROM compliance.erase_tasks WHERE subject = 's3';
SELECT l.request_id = :withdraw_s3 AS in_ledger FROM compliance.consent_ledger l
 WHERE l.subject = 's3' AND l.event = 'withdrawn';
SET ROLE compliance_officer;
SELECT (compliance.process_erase_tasks() -> 'erased') @> '[{"subject": "s3"}]' AS s3_erased;
SELECT status, outcome, response FROM compliance.requests WHERE id = :withdraw_s3;
SELECT compliance.withdraw_consent('s3', request_id => :withdraw_s3);
RESET ROLE;
SELECT ledger, ok FROM compliance.verify_ledger() WHERE ledger = 'consent';

-- Privileges: the application may not erase or mark tables; the officer
-- (not a superuser, no purpose declared) erases rows that enforcement hides
-- from every purpose (a blocked subject)
SET ROLE compliance_app;
SELECT compliance.erase_subject('3');
SELECT compliance.process_erase_tasks();
SELECT compliance.set_retained('visits', 'x', interval '1 year');
SELECT count(*) FROM compliance.erase_tasks_due;
RESET ROLE;
SET ROLE compliance_admin;
SELECT compliance.erase_subject('3');
SELECT compliance.set_retained('visits', 'Order of the Ministry of Health: medical records are kept 25 years', interval '25 years');
SELECT compliance.set_retained('visits', NULL, NULL);
RESET ROLE;
SET ROLE compliance_officer;
SHOW compliance.purpose;
SELECT compliance.set_retained('visits', 'x', interval '1 year');
SELECT compliance.block_subject('3', 'Erasure requested');
SELECT compliance.file_request('3', 'erase', '2026-12-30 10:00+03') AS erase3b \gset
SELECT show(compliance.erase_subject('3', :erase3b));
SHOW compliance.enforce;
SELECT count(*) AS analyst_view FROM compliance.erase_tasks_due;
RESET ROLE;
SELECT * FROM all_rows() WHERE subject = '3';

-- dropping a retained table forgets the mark
DROP TABLE invoices;
SELECT relid, ground FROM compliance.retained_tables;

DROP FUNCTION show(jsonb), all_rows();
DROP TABLE referrals, visit_audit, visit_files, visits, patients, newsletter;
DROP EXTENSION compliance;
REVOKE ALL ON SCHEMA public FROM clinic_app;
DROP ROLE clinic_app;

-- Erase tasks in batches: a subject whose only consent still in force is
-- for a purpose retired since (no basis: remaining_bases ignores it) is
-- erased like the others, and the erased event ends that consent; batches
-- of two subjects do them all (the first appends its two erased events in
-- one statement, chained in the order of its subjects).
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('marketing', 'Marketing');
SELECT compliance.register_purpose('newsletter', 'Newsletter');
CREATE TABLE customers (id int PRIMARY KEY, subject int NOT NULL, email text);
INSERT INTO customers SELECT g, g, g || '@example.by' FROM generate_series(1, 3) g;
SELECT compliance.protect('customers', 'subject');
SELECT count(compliance.give_consent(s, p::compliance.purpose_set, 'checkbox'))
  FROM (VALUES ('1', '{marketing,newsletter}'), ('2', '{marketing}'), ('3', '{marketing}')) v(s, p);
SELECT compliance.retire_purpose('newsletter', 'no longer sent');
SELECT compliance.withdraw_consent('1', '{marketing}') + compliance.withdraw_consent('2')
       + compliance.withdraw_consent('3') AS withdrawn;
SELECT compliance.remaining_bases('1');
SET client_min_messages = warning;  -- the NOTICEs of progress carry times
CALL compliance.process_erase_tasks_in_batches(2);
RESET client_min_messages;
SELECT subject, done_at IS NOT NULL AS done, report ->> 'action' AS action FROM compliance.erase_tasks ORDER BY id;
SELECT event, subject, purposes FROM compliance.consent_ledger WHERE event = 'erased' ORDER BY id;
SELECT subject, purpose, status FROM compliance.consent_state ORDER BY 1, 2;
SET compliance.enforce = off;
SELECT count(*) AS rows_left FROM customers;
RESET compliance.enforce;
SELECT ledger, ok FROM compliance.verify_ledger() WHERE ledger = 'consent';
-- only at READ COMMITTED
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT compliance.process_erase_tasks();
ROLLBACK;
CALL compliance.process_erase_tasks_in_batches(0);
DROP TABLE customers;
DROP EXTENSION compliance;

-- A batch that fails for another reason than a concurrent writer (here a
-- trigger of the table refuses deleting subject 2's rows) is done subject
-- by subject: the others are erased, the one that fails keeps its rows,
-- with the error logged and a WARNING, and the run goes on.  Erase tasks
-- keep it open with the error in their report; the purge logs it in
-- purge_log.
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('marketing', 'Marketing');
CREATE TABLE customers (id int PRIMARY KEY, subject int NOT NULL, email text, words tsvector);
INSERT INTO customers SELECT g, g, g || '@example.by' FROM generate_series(1, 6) g;
-- a built-in trigger function that errors when fired for a DELETE
CREATE TRIGGER refuse_2 BEFORE DELETE ON customers FOR EACH ROW WHEN (OLD.subject IN (2, 5))
    EXECUTE FUNCTION tsvector_update_trigger(words, 'pg_catalog.simple', email);
SELECT compliance.protect('customers', 'subject');
SELECT count(compliance.give_consent(g::text, 'marketing', 'checkbox')) FROM generate_series(1, 6) g;
SELECT sum(compliance.withdraw_consent(g::text)) AS withdrawn FROM generate_series(1, 3) g;
SET client_min_messages = warning;
CALL compliance.process_erase_tasks_in_batches(10);
RESET client_min_messages;
SELECT subject, done_at IS NOT NULL AS done, report ->> 'action' AS action, report ->> 'error' AS error
  FROM compliance.erase_tasks ORDER BY id;
-- the purge: subjects 4 to 6 withdrew too; their erase tasks are not due
-- yet, so the purge erases them (and closes the tasks of 4 and 6)
SELECT sum(compliance.withdraw_consent(g::text)) AS withdrawn FROM generate_series(4, 6) g;
SET client_min_messages = warning;  -- the NOTICEs of progress carry times
CALL compliance.purge_expired_in_batches(10);
RESET client_min_messages;
SELECT subjects, report -> 'failed' AS failed FROM compliance.purge_log ORDER BY id;
SELECT subject, done_at IS NOT NULL AS done, report ->> 'action' AS action FROM compliance.erase_tasks ORDER BY id;
SET compliance.enforce = off;
SELECT subject FROM customers ORDER BY subject;
RESET compliance.enforce;
SELECT ledger, ok FROM compliance.verify_ledger() WHERE ledger = 'consent';
DROP TABLE customers;
DROP EXTENSION compliance;
