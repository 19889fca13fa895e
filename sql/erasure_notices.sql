-- Art. 13.2: whoever received an erased or blocked subject's data is told
-- to erase or block it too, and confirms; the application is fulfilled
-- once every recipient confirmed.  Two recipients got patient 1's data:
-- a laboratory (an authorised person, Art. 7) and an insurer.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('care', 'Medical care', 'medical_assistance', basis_scope => 'all_subjects');
SELECT compliance.register_recipient('lab', 'Central Lab', 'Minsk', 'BY', 'authorised_person');
SELECT compliance.register_recipient('insurer', 'Insurer LLC', 'Minsk', 'BY');
SELECT compliance.register_recipient('printer', 'Print shop', 'Minsk', 'BY');
CREATE TABLE patients (id int PRIMARY KEY, full_name text);
INSERT INTO patients VALUES (1, 'Anna'), (2, 'Boris');
SELECT compliance.protect('patients', 'id');
SELECT compliance.record_disclosure('1', 'lab', ARRAY['full_name'], 'care') > 0 AS to_lab,
       compliance.record_disclosure('1', 'insurer', ARRAY['full_name'], 'care') > 0 AS to_insurer,
       compliance.record_disclosure('2', 'printer', ARRAY['full_name'], 'care') > 0 AS other_subject;

-- The erasure answers an application received on 20 November: due 5 December.
SELECT compliance.file_request('1', 'erase', '2026-11-20 10:00+03') AS req \gset
SELECT r -> 'notices' AS notices, r ->> 'outcome' AS outcome
  FROM compliance.erase_subject('1', :req) r;
SELECT subject, recipient, recipient_kind, cause, request_id = :req AS for_request, due_at, confirmed_at
  FROM compliance.erasure_notices ORDER BY recipient;
SELECT status FROM compliance.requests WHERE id = :req;
SELECT item, total FROM compliance.officer_dashboard WHERE item = 'erasure_notices_open';

-- One confirmation: the application stays open.
SELECT id AS lab_notice FROM compliance.erasure_notices WHERE recipient = 'lab' \gset
SELECT id AS insurer_notice FROM compliance.erasure_notices WHERE recipient = 'insurer' \gset
SET ROLE compliance_officer;
SELECT compliance.confirm_erasure_notice(:lab_notice);
SELECT status FROM compliance.requests WHERE id = :req;
-- bad input (terse: the messages' details carry the times)
\set VERBOSITY terse
SELECT compliance.confirm_erasure_notice(:lab_notice);
SELECT compliance.confirm_erasure_notice(-1);
SELECT compliance.confirm_erasure_notice(:insurer_notice, NULL);
SELECT compliance.confirm_erasure_notice(:insurer_notice, '2999-01-01 00:00+00');
\set VERBOSITY default
-- the second completes it with the erasure's outcome
SELECT compliance.confirm_erasure_notice(:insurer_notice);
-- the response is kept as a digest once the erasure is answered (Art. 13)
SELECT status, outcome, response, sealed ? 'response' AS response_digest FROM compliance.requests WHERE id = :req;
SELECT report ->> 'response' AS reported FROM compliance.requests WHERE id = :req;
RESET ROLE;
SELECT recipient, confirmed_at IS NOT NULL AS confirmed, confirmed_by FROM compliance.erasure_notices ORDER BY recipient;

-- A block notifies too; the lab, an authorised person with an agreement,
-- is told whatever the log says.
SELECT compliance.set_recipient_agreement('lab', '{care}', ARRAY['storage', 'use']::compliance.processing_action[], true);
SELECT compliance.block_subject('2', 'accuracy disputed');
SELECT subject, recipient, cause, request_id FROM compliance.erasure_notices
 WHERE confirmed_at IS NULL ORDER BY recipient;

-- Who may: officers confirm; the application and analysts may not.
SET ROLE compliance_app;
SELECT compliance.confirm_erasure_notice(:lab_notice);
SELECT count(*) FROM compliance.erasure_notices;
RESET ROLE;
SET ROLE compliance_analyst;
SELECT count(*) AS analyst_sees FROM compliance.erasure_notices;
RESET ROLE;

-- A withdrawal made on an application opens an erase task carrying it; an
-- erasure on that application closes the task but leaves the application
-- to the recipients' confirmations, as above.
SELECT compliance.register_purpose('reminders', 'Appointment reminders');
SELECT compliance.purposes(compliance.give_consent('3', 'reminders', 'checkbox'));
SELECT compliance.record_disclosure('3', 'insurer', ARRAY['full_name'], 'reminders') > 0 AS to_insurer;
SELECT compliance.file_request('3', 'withdraw_consent', now()) AS req3 \gset
SELECT compliance.withdraw_consent('3', request_id => :req3) AS withdrawn;
SELECT r -> 'notices' AS notices FROM compliance.erase_subject('3', :req3) r;
SELECT done_at IS NOT NULL AS task_done, report ->> 'action' AS action, request_id = :req3 AS for_request
  FROM compliance.erase_tasks WHERE subject = '3';
SELECT status FROM compliance.requests WHERE id = :req3;
SELECT compliance.confirm_erasure_notice(n.id) FROM compliance.erasure_notices n
 WHERE n.subject = '3' AND n.confirmed_at IS NULL;
SELECT status, outcome FROM compliance.requests WHERE id = :req3;

DROP TABLE patients;
DROP EXTENSION compliance CASCADE;
