-- Storage limitation (Art. 4.8): when a subject's rows expire (retention
-- after a withdrawal, an expired consent, a block, a fulfilled erase
-- request; no consent ever), what expired_data() lists, and what
-- purge_expired() deletes, blocks and refuses; privileges and enforcement.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
-- care: no consent needed, kept a year after the basis ends; marketing:
-- consent, 30 days; billing: contract, 5 years; research: consent, no
-- retention, only the research table
SELECT compliance.register_purpose('care', 'Medical care', 'medical_assistance',
    retention => interval '1 year', data_items => ARRAY['name', 'diagnosis'], basis_scope => 'all_subjects');
SELECT compliance.register_purpose('marketing', 'Marketing e-mails',
    retention => interval '30 days', data_items => ARRAY['email']);
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject',
    retention => interval '5 years', data_items => ARRAY['amount'], basis_scope => 'all_subjects');
SELECT compliance.register_purpose('research', 'Research', data_items => ARRAY['sample']);

-- patients <- invoices (NO ACTION; retained by law)
--          <- notes (ON DELETE CASCADE, not protected)
-- subscribers (text keys), samples (research only)
CREATE TABLE patients (id int PRIMARY KEY, name text, email text, diagnosis text);
CREATE TABLE invoices (id int PRIMARY KEY, patient_id int REFERENCES patients, amount numeric);
CREATE TABLE notes (id int PRIMARY KEY, patient_id int REFERENCES patients ON DELETE CASCADE, body text);
CREATE TABLE subscribers (key text PRIMARY KEY, email text);
CREATE TABLE samples (donor text, sample text);
INSERT INTO patients VALUES (1, 'Anna', 'anna@example.by', 'flu'), (2, 'Boris', NULL, 'asthma'),
                            (3, 'Vera', 'vera@example.by', NULL), (4, 'Gleb', NULL, NULL),
                            (5, 'Daria', NULL, NULL);
INSERT INTO invoices VALUES (900, 2, 10), (930, 3, 20);
INSERT INTO notes VALUES (50, 3, 'call back'), (51, 3, 'x-ray'), (52, 4, 'note'), (53, 5, 'allergy'), (54, 5, 'diet');
INSERT INTO subscribers VALUES ('1', 'anna@example.by'), ('s1', 's1@example.by'),
                               ('s2', 's2@example.by'), ('s3', 's3@example.by'), ('s4', 's4@example.by');
INSERT INTO samples VALUES ('d1', 'A'), ('d1', 'B'), ('d2', 'C'), (NULL, 'D');
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health"}');
SELECT compliance.protect('invoices', 'patient_id');
SELECT compliance.protect('subscribers', 'key');
SELECT compliance.protect('samples', 'donor');
SELECT compliance.set_retained('invoices', 'Tax Code: accounting documents are kept 10 years', interval '10 years');

-- Which purposes may touch which table (Art. 4.5)
SELECT p.relid, ARRAY(SELECT pu.code FROM compliance.purposes pu
                       WHERE pu.id = ANY (compliance.purposes_touching(p.relid)) ORDER BY pu.id) AS purposes
  FROM compliance.protected_tables p ORDER BY p.relid::text;

SELECT compliance.purposes(compliance.give_consent('1', '{marketing}', 'checkbox'));
SELECT compliance.purposes(compliance.give_consent('s1', '{marketing}', 'checkbox'));
SELECT compliance.purposes(compliance.give_consent('s2', '{marketing}', 'checkbox'));
SELECT compliance.purposes(compliance.give_consent('s3', '{marketing}', 'checkbox'));
SELECT compliance.purposes(compliance.give_consent('d1', '{research}', 'written'));

-- Everything has a basis except what no purpose ever had one for: s4
-- never consented to marketing, d2 never to research.  Patients need no
-- consent: care is current for all of them.
SELECT * FROM compliance.expired_data();

-- Withdrawal: marketing's 30 days run from it
SELECT compliance.withdraw_consent('s1');
SELECT compliance.withdraw_consent('1');
SELECT * FROM compliance.expired_data() WHERE subject IN ('1', 's1');
-- (time passes: the withdrawals are moved back; 29 days is not enough)
UPDATE compliance.consent_state SET changed_at = now() - interval '29 days' WHERE subject = 's1';
SELECT * FROM compliance.expired_data() WHERE subject IN ('1', 's1');
UPDATE compliance.consent_state SET changed_at = '2020-03-01 12:00+00' WHERE subject IN ('s1', '1');
SELECT * FROM compliance.expired_data() WHERE subject IN ('1', 's1');
-- subject 1's patient row is still needed for care: only the subscription expired

-- An expired consent: retention runs from valid_until
UPDATE compliance.consent_state SET valid_until = '2021-06-30 00:00+00' WHERE subject = 's2';
SELECT compliance.consent_status('s2', 'marketing');
SELECT * FROM compliance.expired_data() WHERE subject = 's2';

-- A refusal after an earlier consent ended runs from the refusal; a
-- refusal with no consent before it is no basis at all
UPDATE compliance.consent_state SET valid_until = now() - interval '1 day' WHERE subject = 's3';
SELECT compliance.refuse_consent('s3', '{marketing}');
SELECT compliance.refuse_consent('s4', '{marketing}');
SELECT subject, purpose, expired_at IS NULL AS no_date FROM compliance.expired_data() WHERE subject IN ('s3', 's4');
UPDATE compliance.consent_state SET changed_at = '2022-01-01 00:00+00' WHERE subject = 's3';
SELECT * FROM compliance.expired_data() WHERE subject IN ('s3', 's4');

-- Non-consent bases end with a block (Art. 13.2) or a fulfilled erase
-- request (Art. 13): patients 2 and 5 are blocked, patient 3's erase
-- request was answered; care keeps them a year, billing five.
SELECT compliance.block_subject('2', 'accuracy disputed');
SELECT compliance.block_subject('5', 'identity disputed');
SELECT compliance.file_request('3', 'erase', '2019-01-10 10:00+03') AS erase3 \gset
SELECT compliance.complete_request(:erase3, 'fulfilled', 'Your data were deleted.');
SELECT * FROM compliance.expired_data() WHERE subject IN ('2', '3', '4', '5');
UPDATE compliance.blocked_subjects SET blocked_at = '2020-01-01 00:00+00' WHERE subject IN ('2', '5');
UPDATE compliance.subject_requests SET completed_at = '2019-01-20 00:00+00' WHERE id = :erase3;
-- patient 2's invoice is kept by law and already blocked: not listed;
-- patient 3's invoice expired with billing's five years
SELECT * FROM compliance.expired_data() WHERE subject IN ('2', '3', '4', '5');
-- a refused erase request leaves the basis in place
SELECT compliance.file_request('4', 'erase', '2019-01-10 10:00+03') AS erase4 \gset
SELECT compliance.complete_request(:erase4, 'refused', 'Needed for your treatment.', 'Art. 13.3: medical care');
UPDATE compliance.subject_requests SET completed_at = '2019-01-20 00:00+00' WHERE id = :erase4;
SELECT count(*) AS expired_4 FROM compliance.expired_data() WHERE subject = '4';
-- a consent given after a block or request is not ended by it
SELECT compliance.basis_end('2', 'person', compliance.purpose_id('care')) AS care_2,
       compliance.basis_end('4', 'person', compliance.purpose_id('care')) AS care_4,
       compliance.basis_end('d1', 'person', compliance.purpose_id('research')) AS research_d1,
       compliance.basis_end('d2', 'person', compliance.purpose_id('research')) AS research_d2;

-- Everything expired now
SELECT * FROM compliance.expired_data();

-- Privileges: the application may neither list nor purge; the analyst may list
SET ROLE compliance_app;
SELECT * FROM compliance.expired_data();
SELECT compliance.purge_expired();
RESET ROLE;
SET ROLE compliance_analyst;
SELECT count(*) FROM compliance.expired_data();
SELECT compliance.purge_expired();
RESET ROLE;

-- The purge runs as the officer whatever purpose is declared: the law
-- demands this processing (the declared purpose sees none of these rows)
CREATE ROLE retention_officer NOLOGIN IN ROLE compliance_officer;
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, r::regrole)
    FROM unnest(ARRAY['research']) p, unnest(ARRAY['retention_officer']) r) g;
SET ROLE retention_officer;
SET compliance.purpose = 'research';
-- a dry run reports the purge and changes nothing; subjects of whom
-- nothing was ever recorded are left alone unless the officer says so
SELECT count(*) AS expired_before, (SELECT count(*) FROM compliance.purge_log) AS purges_before
  FROM compliance.expired_data();
SELECT r ->> 'dry_run' AS dry_run, r -> 'skipped_unrecorded' AS skipped, r -> 'erased' AS would_erase
  FROM compliance.purge_expired(dry_run => true) r;
SELECT r -> 'erased' AS would_erase, r -> 'skipped_unrecorded' AS skipped
  FROM compliance.purge_expired(dry_run => true, purge_unrecorded => true) r;
SELECT count(*) AS expired_after, (SELECT count(*) FROM compliance.purge_log) AS purges_after
  FROM compliance.expired_data();
SELECT compliance.purge_expired(dry_run => NULL);
SELECT jsonb_pretty(compliance.purge_expired(purge_unrecorded => true) - 'purged_at');
RESET compliance.purpose;
RESET ROLE;

-- What is left: subject 1's patient row (care, only its subscription
-- went); 2, blocked, keeps its patient row, which its retained invoice
-- refers to; 3 is erased except what its retained invoice keeps, and is
-- now blocked; 5, blocked, is gone with its notes (cascade); d2's sample
-- and s1-s4 are gone, the sample without a subject stays.
CREATE FUNCTION all_rows() RETURNS TABLE (tbl text, key text)
    LANGUAGE plpgsql SET compliance.enforce = off AS $$
BEGIN
    RETURN QUERY
        SELECT 'patients', p.id::text FROM patients p
        UNION ALL SELECT 'invoices', i.patient_id::text FROM invoices i
        UNION ALL SELECT 'notes', n.patient_id::text FROM notes n
        UNION ALL SELECT 'subscribers', s.key FROM subscribers s
        UNION ALL SELECT 'samples', coalesce(s.donor, '(null)') || ':' || s.sample FROM samples s
        ORDER BY 1, 2;
END
$$;
SELECT * FROM all_rows();
SELECT subject, reason FROM compliance.blocked_subjects ORDER BY subject;
SELECT event, subject, purposes FROM compliance.consent_ledger WHERE event = 'erased' ORDER BY id;
SELECT subjects, rows_deleted, purged_by, report -> 'erased' AS erased FROM compliance.purge_log ORDER BY id;

-- What remains expired are rows a foreign key keeps: patients 2 and 3,
-- referenced by their retained invoices.  A second purge deletes nothing,
-- writes nothing to the consent ledger, and says why.
SELECT * FROM compliance.expired_data();
SELECT count(*) AS ledger_rows FROM compliance.consent_ledger \gset
SELECT jsonb_pretty(compliance.purge_expired() - 'purged_at');
SELECT count(*) = :ledger_rows AS ledger_unchanged FROM compliance.consent_ledger;
SELECT ledger, ok FROM compliance.verify_ledger();

-- A deferrable foreign key is checked inside the purge, not at commit
CREATE TABLE letters (id int PRIMARY KEY, subscriber text REFERENCES subscribers DEFERRABLE INITIALLY DEFERRED);
SET compliance.enforce = off;
INSERT INTO subscribers VALUES ('s5', 's5@example.by');
INSERT INTO letters VALUES (1, 's5');
RESET compliance.enforce;
BEGIN;
SELECT jsonb_path_query_array(r, '$.refused[*] ? (@.subject == "s5")') AS refused,
       r -> 'deleted' AS deleted, r -> 'blocked' AS blocked
  FROM compliance.purge_expired(purge_unrecorded => true) r;
COMMIT;
SELECT subject FROM compliance.blocked_subjects WHERE subject = 's5';
SET compliance.enforce = off;
SELECT key FROM subscribers;
RESET compliance.enforce;

-- Rows kept by law have a term (Art. 4.8, 13.3): payslips are kept 5 years
-- from their date, tax cards 5 years from the end of the last ground
CREATE TABLE staff (id int PRIMARY KEY, full_name text);
CREATE TABLE payslips (id int PRIMARY KEY, staff_id int REFERENCES staff, issued_on date, gross numeric);
CREATE TABLE tax_cards (staff_id int REFERENCES staff, tax_year int);
INSERT INTO staff VALUES (7, 'Inna'), (8, 'Oleg');
INSERT INTO payslips VALUES (70, 7, '2019-03-01', 100), (71, 7, current_date - 30, 200), (72, 7, NULL, 300),
                            (80, 8, '2024-03-01', 400);
INSERT INTO tax_cards VALUES (7, 2019), (8, 2017);
SELECT compliance.protect('staff', 'id');
SELECT compliance.protect('payslips', 'staff_id');
SELECT compliance.protect('tax_cards', 'staff_id');
SELECT compliance.register_purpose('payroll', 'Payroll', 'labour_relations',
    data_items => ARRAY['staff.full_name', 'payslips.gross', 'tax_cards.tax_year']);
SELECT compliance.set_retained('payslips', 'Tax Code: accounting documents are kept 5 years', interval '5 years', 'issued_on');
SELECT compliance.set_retained('tax_cards', 'Tax Code: accounting documents are kept 5 years', interval '5 years');
-- Oleg's employment ended in 2018; Inna's is current
SELECT compliance.record_basis('8', 'payroll', '2010-01-01', '2018-06-30') IS NOT NULL AS recorded;
SELECT compliance.record_basis('7', 'payroll', '2015-01-01') IS NOT NULL AS recorded;
SELECT compliance.ground_end('8', 'person', 'tax_cards') AS oleg_ground_end,
       compliance.ground_end('7', 'person', 'tax_cards') AS inna_ground_end;

-- Erasure keeps what is still within its term and blocks it; Inna's 2019
-- payslip is past its term and goes at once
SELECT r -> 'deleted' AS deleted, r -> 'retained' AS retained, r -> 'blocked' AS blocked
  FROM compliance.erase_subject('7') r;
SET compliance.enforce = off;
SELECT id, staff_id, issued_on IS NOT NULL AS dated FROM payslips ORDER BY id;
RESET compliance.enforce;
-- the retained rows within their term are not listed; Inna's staff record,
-- which they refer to, is (a foreign key keeps it)
SELECT tbl, subject, purpose FROM compliance.expired_data() WHERE subject = '7';

-- Oleg: the ground ended in 2018, so his tax card's term ran in 2023 and
-- the purge deletes it; his 2024 payslip is kept to 2029, blocked
SELECT tbl, subject, purpose, expired_at FROM compliance.expired_data() WHERE subject = '8';
SELECT r -> 'deleted' AS deleted, r -> 'retained' AS retained, r -> 'blocked' AS blocked
  FROM compliance.purge_expired() r;
SET compliance.enforce = off;
SELECT * FROM tax_cards ORDER BY staff_id;
SELECT id, staff_id FROM payslips ORDER BY id;
RESET compliance.enforce;
SELECT subject FROM compliance.blocked_subjects WHERE subject IN ('7', '8') ORDER BY 1;

-- Dates the application may store do not stop the purge: past the
-- timestamp range the row is within its term; an infinite one counts from
-- the end of the ground, like a missing one
SET compliance.enforce = off;
INSERT INTO payslips VALUES (73, 7, '300000-01-01', 1), (74, 7, 'infinity', 1);
RESET compliance.enforce;
SELECT tbl, subject FROM compliance.expired_data() WHERE subject = '7' ORDER BY 1;
SELECT jsonb_array_length(compliance.purge_expired(dry_run => true) -> 'deleted') >= 0 AS dry_run_works;

-- A subject of whom nothing was recorded (data older than the extension),
-- blocked 10 years ago: the term of a row without a date runs from the block
SET compliance.enforce = off;
INSERT INTO staff VALUES (9, 'Petr');
INSERT INTO tax_cards VALUES (9, 2014);
RESET compliance.enforce;
SELECT compliance.block_subject('9', 'data older than the register');
UPDATE compliance.blocked_subjects SET blocked_at = now() - interval '10 years' WHERE subject = '9';
SELECT tbl, subject, expired_at < now() - interval '4 years' AS from_the_block
  FROM compliance.expired_data() WHERE subject = '9' AND tbl = 'tax_cards'::regclass;

-- Five years on (the rows' dates moved back as time would move forward):
-- the terms have run, the purge deletes the rows and the staff records
-- they kept
SET compliance.enforce = off;
UPDATE payslips SET issued_on = issued_on - interval '5 years 1 day' WHERE id NOT IN (73, 74);
RESET compliance.enforce;
SELECT tbl, subject, purpose, expired_at < now() AS term_ran
  FROM compliance.expired_data() WHERE tbl = 'payslips'::regclass ORDER BY subject;
SELECT r -> 'deleted' AS deleted, r -> 'retained' AS retained
  FROM compliance.purge_expired() r;
SET compliance.enforce = off;
SELECT id, staff_id FROM payslips ORDER BY id;
SELECT * FROM staff ORDER BY id;
RESET compliance.enforce;
SELECT ledger, ok FROM compliance.verify_ledger();
SELECT compliance.unprotect('tax_cards');
SELECT compliance.unprotect('payslips');
SELECT compliance.unprotect('staff');
DELETE FROM compliance.blocked_subjects WHERE subject = '9';
DROP TABLE tax_cards, payslips, staff;

-- Many subjects: in batches, each committed and logged on its own, with
-- a NOTICE after each (the elapsed time is in the DETAIL, left out here)
CREATE TABLE leads (email text PRIMARY KEY, source text);
INSERT INTO leads SELECT 'lead' || g || '@example.by', 'fair' FROM generate_series(1, 5) g;
SELECT compliance.protect('leads', 'email');
SELECT count(*) AS log_rows FROM compliance.purge_log \gset
\set VERBOSITY terse
CALL compliance.purge_expired_in_batches(2, purge_unrecorded => true);
CALL compliance.purge_expired_in_batches(0);
\set VERBOSITY default
SELECT count(*) - :log_rows AS batches_logged FROM compliance.purge_log;
SET compliance.enforce = off;
SELECT count(*) AS leads_left FROM leads;
RESET compliance.enforce;
-- what foreign keys and the law keep stays listed; a second run deletes nothing
\set VERBOSITY terse
CALL compliance.purge_expired_in_batches(2, purge_unrecorded => true);
\set VERBOSITY default
-- only officers
SET ROLE compliance_app;
CALL compliance.purge_expired_in_batches(2);
RESET ROLE;
SELECT compliance.unprotect('leads');
DROP TABLE leads;

-- An empty registry purges nothing
DROP TABLE letters;
SELECT compliance.unprotect('subscribers');
SELECT compliance.unprotect('samples');
SELECT compliance.unprotect('patients');
SELECT compliance.unprotect('invoices');
SELECT * FROM compliance.expired_data();
SELECT compliance.purge_expired() - 'purged_at';

DROP FUNCTION all_rows();
DROP TABLE notes, invoices, patients, subscribers, samples;
DROP ROLE retention_officer;
DROP EXTENSION compliance CASCADE;
