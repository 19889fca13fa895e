-- Grounds other than consent, per subject (Art. 4.8, 6, 10.3): a purpose
-- on a contract or an employment processes a subject only while that
-- subject's own ground is in force; its end stops processing, starts the
-- retention and, for a contract, has the effect of a withdrawal.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('treatment', 'Medical treatment', 'medical_assistance');
SELECT compliance.register_purpose('reminders', 'Appointment reminders', data_items => ARRAY['name', 'phone']);
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject');
SELECT compliance.register_purpose('payroll', 'Payroll', 'labour_relations');
SELECT compliance.register_purpose('statistics', 'State statistics reports', 'state_statistics',
                                   basis_scope => 'all_subjects');
SELECT code, legal_basis, basis_scope FROM compliance.purposes ORDER BY id;

-- registering: consent is always per subject; the scope is one of two
SELECT compliance.register_purpose('x', 'X', basis_scope => 'all_subjects');
SELECT compliance.register_purpose('x', 'X', 'contract_with_subject', basis_scope => 'everyone');
SELECT compliance.register_purpose('x', 'X', 'contract_with_subject', basis_scope => NULL);

CREATE ROLE clinic_app NOLOGIN;
GRANT compliance_app TO clinic_app;
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, 'clinic_app')
    FROM unnest(ARRAY['treatment', 'reminders', 'billing', 'payroll', 'statistics']) p) g;

CREATE TABLE patients (id int PRIMARY KEY, name text, phone text, diagnosis text);
INSERT INTO patients VALUES (1, 'Anna', '+375291111111', 'flu'),
                            (2, 'Boris', '+375292222222', 'asthma'),
                            (3, 'Vera', '+375293333333', 'healthy');
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health"}');
GRANT SELECT, INSERT, UPDATE, DELETE ON patients TO clinic_app;

-- A purpose recorded per subject reads nobody before a ground is recorded.
SET ROLE clinic_app;
SET compliance.purpose = 'treatment';
SELECT id, name FROM patients ORDER BY id;
SELECT compliance.may_process('1', 'treatment');
-- ... while a purpose whose basis covers all subjects reads everybody
SET compliance.purpose = 'statistics';
SELECT id, name FROM patients ORDER BY id;
RESET compliance.purpose;

-- Grounds: Anna and Boris are treated, Boris since January; Vera has a
-- contract for paid services that ended on a date.
SELECT compliance.record_basis('1', 'treatment', evidence => '{"card": "A-1"}') > 0 AS recorded;
SELECT compliance.record_basis('2', 'treatment', '2026-01-10 09:00+00') > 0 AS recorded;
SELECT compliance.record_basis('3', 'billing', '2026-02-01 00:00+00',
                               evidence => '{"contract": "2026/114"}') > 0 AS recorded;
SELECT compliance.end_basis('3', 'billing', now() - interval '2 days', 'contract terminated');
-- ended once: nothing left to end
SELECT compliance.end_basis('3', 'billing');

SET compliance.purpose = 'treatment';
SELECT id, name FROM patients ORDER BY id;
SELECT compliance.may_process('1', 'treatment'), compliance.may_process('3', 'treatment');
SET compliance.purpose = 'billing';
SELECT id, name FROM patients ORDER BY id;
SELECT compliance.may_process('3', 'billing');
-- the refusal says why, and what to do
SET compliance.on_blocked_read = 'error';
SELECT name FROM patients WHERE id = 3;
SELECT name FROM patients WHERE id = 1;
RESET compliance.on_blocked_read;
-- writes too
UPDATE patients SET phone = '+375290000000' WHERE id = 3;
INSERT INTO patients (id, name) VALUES (4, 'Gleb');
RESET compliance.purpose;

-- The employment purpose never reads patients: nobody has a ground for it.
SET compliance.purpose = 'payroll';
SELECT count(*) FROM patients;
RESET compliance.purpose;
RESET ROLE;

-- Bad input.
SELECT compliance.record_basis(NULL, 'treatment');
SELECT compliance.record_basis('1', NULL);
SELECT compliance.record_basis('1', 'reminders');
SELECT compliance.record_basis('1', 'statistics');
SELECT compliance.record_basis('1', 'treatment', NULL);
SELECT compliance.record_basis('1', 'treatment', '2999-01-01');
SELECT compliance.record_basis('1', 'treatment', '2026-06-02', '2026-06-01');
SELECT compliance.record_basis('1', 'treatment', evidence => '[1, 2]');
SELECT compliance.end_basis('1', 'treatment', NULL);
SELECT compliance.end_basis('1', 'reminders');
SELECT compliance.end_basis('1', 'nonsense');

-- A ground with an end in the future applies until then; the consent
-- clock moved past it ends it for reads at once.
SELECT compliance.record_basis('2', 'billing', now() - interval '1 hour', now() + interval '1 day') > 0 AS recorded;
SET ROLE clinic_app;
SET compliance.purpose = 'billing';
SELECT id FROM patients ORDER BY id;
RESET ROLE;
SET compliance.consent_clock_advance = '2d';
SET ROLE clinic_app;
SELECT id FROM patients ORDER BY id;
RESET ROLE;
RESET compliance.consent_clock_advance;
RESET compliance.purpose;

-- A second ground after an ended one opens the subject again.
SELECT compliance.record_basis('3', 'billing', now() - interval '1 hour') > 0 AS recorded;
SET ROLE clinic_app;
SET compliance.purpose = 'billing';
SELECT id FROM patients ORDER BY id;
RESET compliance.purpose;
RESET ROLE;
SELECT subject, purpose, valid_until IS NULL AS open FROM compliance.ground_state ORDER BY subject, purpose::text;

-- Art. 10.3: the end of a contract made an erase task, due 15 days after
-- the end itself; an end in the future makes one taken up from then.
SELECT subject, ground_id IS NOT NULL AS from_ground, ledger_id,
       due_at = compliance.belarus_date(now() - interval '2 days') + 15 AS due_15_days_after_end
  FROM compliance.erase_tasks ORDER BY id;
SELECT compliance.end_basis('2', 'billing', now() + interval '12 hours', 'contract ends');
SELECT subject, created_at > now() AS later FROM compliance.erase_tasks ORDER BY id;
SELECT subject FROM compliance.erase_tasks_due ORDER BY id;
-- Vera has a ground again (the new contract): the task is closed as kept,
-- citing billing and nothing that covers her without a ground of hers
SELECT jsonb_pretty(compliance.process_erase_tasks() - 'erased');
SELECT subject, done_at IS NOT NULL AS done FROM compliance.erase_tasks ORDER BY id;

-- Retention runs from the end of the subject's ground (Art. 4.8): none
-- while it is in force (Boris's ends in 12 hours), from its end once it
-- has ended (Gleb's contract ended on 30 June).
SELECT compliance.record_basis('5', 'billing', '2026-01-01 00:00+00') > 0 AS recorded;
SELECT compliance.end_basis('5', 'billing', '2026-06-30 12:00+00');
SELECT compliance.basis_end('2', 'person', compliance.purpose_id('billing')) = 'infinity' AS in_force,
       compliance.basis_end('5', 'person', compliance.purpose_id('billing')) = '2026-06-30 12:00+00' AS ended_then,
       compliance.basis_end('1', 'person', compliance.purpose_id('billing')) IS NULL AS never_had_one,
       compliance.basis_end('1', 'person', compliance.purpose_id('treatment')) = 'infinity' AS open,
       compliance.basis_end('1', 'person', compliance.purpose_id('statistics')) = 'infinity' AS all_subjects;

-- The access report lists the purposes with a ground for the subject, and
-- those covering all subjects; never payroll, nor billing for Anna.
SELECT p ->> 'purpose' AS purpose, p -> 'ground' ->> 'in_force' AS ground_in_force
  FROM jsonb_array_elements(compliance.subject_access('1') -> 'purposes') p ORDER BY 1;
SELECT p ->> 'purpose' AS purpose, p -> 'ground' ->> 'in_force' AS ground_in_force
  FROM jsonb_array_elements(compliance.subject_access('2') -> 'purposes') p ORDER BY 1;
-- remaining bases after a withdrawal: never a purpose the subject has no ground for
SELECT compliance.remaining_bases('1');

-- The policy says which purposes cover every subject, and why.
SELECT line FROM regexp_split_to_table(compliance.policy_document('en'), E'\n') line
 WHERE line ~ 'State statistics|Payroll' ORDER BY line;

-- Only a role that holds the purpose records or ends its grounds (Art. 17.3).
CREATE ROLE reminder_app NOLOGIN;
GRANT compliance_app TO reminder_app;
SELECT compliance.grant_purpose('reminders', 'reminder_app');
SET ROLE reminder_app;
SELECT compliance.record_basis('1', 'billing');
SELECT compliance.end_basis('1', 'treatment');
RESET ROLE;
SELECT compliance.revoke_purpose('reminders', 'reminder_app');
DROP ROLE reminder_app;

-- An end is a finite time; one recorded for later can be brought forward,
-- never pushed back, and its erase task moves with it.
SELECT compliance.record_basis('6', 'billing') > 0 AS recorded;
SELECT compliance.end_basis('6', 'billing', 'infinity');
SELECT compliance.record_basis('6', 'billing', valid_until => 'infinity');
SELECT compliance.end_basis('6', 'billing', now() + interval '1 year');
SELECT compliance.end_basis('6', 'billing', now() + interval '2 years');
SELECT compliance.end_basis('6', 'billing', reason => 'terminated early');
SELECT compliance.may_process('6', 'billing');
SELECT count(*) AS open_tasks, bool_and(created_at <= now()) AS due_now
  FROM compliance.erase_tasks WHERE subject = '6' AND done_at IS NULL;

-- A contract that expires by its term (valid_until) gets its erase task
-- at the next process_erase_tasks, as one terminated by end_basis.
SELECT compliance.record_basis('7', 'billing', '2026-01-01 00:00+00', '2026-06-01 00:00+00') > 0 AS recorded;
SELECT count(*) AS tasks_before FROM compliance.erase_tasks WHERE subject = '7';
SELECT (compliance.process_erase_tasks() -> 'tasks')::int >= 1 AS processed;
SELECT subject, due_at, done_at IS NOT NULL AS done FROM compliance.erase_tasks WHERE subject = '7';

-- The ledger is written only through the functions.
SET ROLE clinic_app;
SELECT count(*) FROM compliance.subject_grounds;
UPDATE compliance.subject_grounds SET ended_at = NULL;
RESET ROLE;
CREATE ROLE nobody_special NOLOGIN;
SET ROLE nobody_special;
SELECT compliance.record_basis('1', 'treatment');
RESET ROLE;
DROP ROLE nobody_special;

DROP TABLE patients;
DROP EXTENSION compliance CASCADE;
DROP ROLE clinic_app;
