-- Applications of data subjects (Art. 14) and their deadlines: working
-- days of Belarus (Art. 11.2), calendar days (Art. 10.2, 11.4, 12.2, 13.2),
-- holidays shipped and changed by admins, completion and overdue views.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
-- The deadlines below run into 2027, whose transfers of working days are
-- not shipped; they test weekends and holidays, so the year is taken as
-- confirmed here (sql/calendar.sql tests the WARNING when it is not).
INSERT INTO compliance.calendar_years (year, confirmed_by) VALUES (2027, 'weekends and holidays only');

-- Orthodox Easter (Julian computus, Gregorian date) and Radunitsa, nine days later
SELECT y, compliance.orthodox_easter(y) AS easter, compliance.orthodox_easter(y) + 9 AS radunitsa
  FROM generate_series(2025, 2030) y;
SELECT compliance.orthodox_easter(1500);

-- shipped holidays: 2024 to at least 2035, weekends not moved
SELECT min(day), max(day) >= '2035-12-25' AS through_2035, bool_and(is_default) AS all_default,
       count(*) FILTER (WHERE day < '2036-01-01') AS rows_to_2035
  FROM compliance.holidays;
SELECT day, to_char(day, 'Dy') AS dow, name FROM compliance.holidays
 WHERE day BETWEEN '2027-01-01' AND '2027-12-31' ORDER BY day;
SELECT obj_description('compliance.holidays'::regclass) ~ 'Shipped \(is_default\) rows: the public holidays of Belarus, see compliance.belarus_holidays\(\), for 2024-20[0-9][0-9]' AS comment_names_years;

-- working days: counted from the day after start; weekends and holidays skipped
SELECT compliance.is_working_day('2026-12-31') AS thu, compliance.is_working_day('2027-01-01') AS new_year,
       compliance.is_working_day('2027-01-02') AS sat, compliance.is_working_day('2027-01-07') AS christmas;
SELECT compliance.working_days_add('2026-12-30', 5) AS across_new_year,
       compliance.working_days_add('2026-12-30', 0) AS zero,
       compliance.working_days_add('2027-01-08', -5) AS backwards,
       compliance.working_days_add('2027-01-02', 1) AS from_saturday,
       compliance.working_days_add('2027-05-07', 2) AS across_radunitsa,
       compliance.working_days_add(NULL, 1) AS null_start;
SELECT compliance.working_days_add('2026-01-01', 1000000);

-- Deadlines per kind (Art. 10.2, 11.2, 11.4, 12.2, 13.2)
SELECT compliance.file_request('anna', 'access', '2026-12-30 10:00+03') AS access_new_year;
SELECT compliance.file_request('anna', 'access', '2027-05-07 10:00+03') AS access_radunitsa;
SELECT compliance.file_request('anna', 'access', '2026-04-17 10:00+03') AS access_radunitsa_2026;
SELECT compliance.file_request('anna', 'access', '2027-01-01 12:00+03') AS access_on_holiday;
SELECT compliance.file_request('anna', k, '2026-12-30 10:00+03', 'email',
           '{"surname": "Ivanova", "first_name": "Anna", "patronymic": "Petrovna", "address": "Minsk, Lenina St 1",
             "birth_date": "1990-05-01", "id_number": "4010190A001PB1", "signature": "e-signature 12345", "email": "anna@example.by"}',
           'essence of ' || k) AS id
  FROM unnest(ARRAY['withdraw_consent', 'rectify', 'third_party_info', 'stop_processing', 'erase']::compliance.request_kind[]) k;
-- the receipt date is the date in Minsk, whatever the session's time zone
SET timezone = 'America/New_York';
SELECT compliance.file_request('boris', 'erase', '2026-12-31 00:30+03') AS after_midnight_in_minsk;
SELECT compliance.file_request('boris', 'erase', '2026-12-30 23:30+03') AS before_midnight_in_minsk;
SET timezone = 'UTC';
SELECT id, subject, kind, received_at, due_at, to_char(due_at, 'Dy') AS dow, article, channel, reply_form
  FROM compliance.requests ORDER BY id;

-- Art. 14.2 fields: what an application lacks; reply form (Art. 14.3)
SELECT compliance.file_request('vera', 'rectify', '2026-03-02 09:00+03', 'written',
           '{"surname": "Smirnova", "first_name": "Vera"}', reply_form => 'email') AS partial;
SELECT compliance.file_request('vera', 'withdraw_consent', '2026-03-02 09:00+03', 'consent_channel') AS via_consent_channel;
SELECT subject, kind, channel, reply_form, missing_fields, applicant, essence
  FROM compliance.requests WHERE subject IN ('anna', 'vera') AND kind IN ('rectify', 'withdraw_consent') ORDER BY id;

-- validation
SELECT compliance.file_request(NULL, 'access');
SELECT compliance.file_request('anna', NULL);
SELECT compliance.file_request('anna', 'access', NULL);
SELECT compliance.file_request('anna', 'access', channel => 'fax');
SELECT compliance.file_request('anna', 'access', channel => NULL);
SELECT compliance.file_request('anna', 'access', channel => 'consent_channel');
SELECT compliance.file_request('anna', 'access', reply_form => 'pigeon');
SELECT compliance.file_request('anna', 'access', applicant => '["Anna"]');
SELECT compliance.file_request('anna', 'access', applicant => '{"surname": "Ivanova", "passport_photo": "..."}');
SELECT compliance.file_request('anna', 'access', applicant => '{"surname": null}');
SELECT compliance.file_request('anna', 'access', applicant => '{"surname": ""}');
SELECT compliance.file_request('anna', 'access', applicant => '{"surname": 42}');
SELECT compliance.file_request('anna', 'access', applicant => '{"birth_date": "31.12.1990"}');
SELECT compliance.file_request('anna', 'access', '2026-01-01', applicant => '{"birth_date": "2030-01-01"}');
SELECT compliance.file_request('anna', 'gossip');
SELECT count(*) AS requests_on_file FROM compliance.subject_requests;

-- Art. 12.1: third-party information is free once per calendar year
SELECT compliance.file_request('greg', 'third_party_info', '2026-02-10 10:00+03') AS first_2026 \gset
SELECT compliance.file_request('greg', 'third_party_info', '2026-06-10 10:00+03') AS second_2026 \gset
SELECT compliance.file_request('greg', 'third_party_info', '2026-09-10 10:00+03') AS third_2026 \gset
SELECT compliance.file_request('greg', 'third_party_info', '2027-01-05 10:00+03') AS first_2027 \gset
SELECT compliance.file_request('greg', 'access', '2026-06-11 10:00+03') AS not_third_party \gset
-- 90 minutes apart, but in different years in Minsk (in UTC both are in 2026)
SELECT compliance.file_request('hanna', 'third_party_info', '2026-12-31 23:00+03');
SELECT compliance.file_request('hanna', 'third_party_info', '2027-01-01 00:30+03');
SELECT subject, kind, received_at, chargeable FROM compliance.requests
 WHERE subject IN ('greg', 'hanna') ORDER BY subject, received_at;
-- a refused application does not use up the free one
SELECT compliance.complete_request(:first_2026, 'refused', 'Your identity could not be confirmed.',
                                   'Art. 14.2: the application lacks the signature');
SELECT received_at, outcome, chargeable FROM compliance.requests
 WHERE subject = 'greg' AND kind = 'third_party_info' ORDER BY received_at;

-- completion: outcome, response, legal ground of a refusal (Art. 13.3)
SELECT compliance.complete_request(:second_2026, 'fulfilled', 'Your data were provided to: none.');
SELECT compliance.complete_request(:second_2026, 'fulfilled', 'Again.');
SELECT compliance.complete_request(999999, 'fulfilled', 'To nobody.');
-- every outcome but cancelled needs the response sent
SELECT compliance.complete_request(:third_2026, 'fulfilled');
SELECT compliance.complete_request(:third_2026, 'fulfilled', '  ');
SELECT compliance.complete_request(:third_2026, 'fulfilled', E'\n\t\u00a0\u3000');
SELECT compliance.complete_request(NULL, 'fulfilled');
SELECT compliance.complete_request(:third_2026, 'done');
SELECT compliance.complete_request(:third_2026, NULL);
SELECT compliance.complete_request(:third_2026, 'refused', 'No.');
SELECT compliance.complete_request(:third_2026, 'partially_fulfilled', 'Part of it.', '  ');
SELECT compliance.complete_request(:third_2026, 'refused', 'We may not tell you.',
                                   legal_ground => 'Art. 12.3: enforcement proceedings');
SELECT compliance.complete_request(:not_third_party, 'cancelled', 'The applicant withdrew the application.');
SELECT id = :second_2026 AS second, status, outcome, response, legal_ground, completed_by = session_user AS by_session_user, completed_at IS NOT NULL AS has_completed_at
  FROM compliance.requests
 WHERE id IN (:second_2026, :third_2026, :not_third_party) ORDER BY id;

-- overdue: open past due_at (Belarus date); late: completed after due_at
SELECT compliance.file_request('late', 'access', '2025-03-03 10:00+03') AS late_access \gset
SELECT compliance.file_request('late', 'erase', '2025-03-03 10:00+03') AS late_erase \gset
SELECT compliance.file_request('fresh', 'access') AS fresh_access \gset
SELECT subject, kind, due_at, days_overdue > 0 AS past_due, article
  FROM compliance.overdue_requests WHERE subject IN ('late', 'fresh') ORDER BY id;
-- answer_request generates the document, stores it with its digest and
-- completes the application
SELECT compliance.set_processor('City Clinic', 'Minsk, Lenina 1');
SELECT length(compliance.answer_request(:late_access)) > 0 AS answered;
SELECT length(compliance.answer_request(:fresh_access, 'en', 'html')) > 0 AS answered;
SELECT r.id = :late_access AS late, r.outcome, a.answer_lang, a.answer_format,
       a.answer_digest = encode(sha256(convert_to(a.answer, 'UTF8')), 'hex') AS digest_matches,
       r.response LIKE 'Information on the processing of personal data (Art. 11.1 of Law 99-Z) sent (' || r.answer_lang || ', ' || r.answer_format || '; SHA-256 ' || r.answer_digest || ').' AS response_names_it,
       r.answered_at IS NOT NULL AS dated, split_part(a.answer, E'\n', 1) AS title
  FROM compliance.requests r JOIN compliance.request_answers a USING (id)
 WHERE r.id IN (:late_access, :fresh_access) ORDER BY r.id;
-- the document itself is for officers: analysts see that it was sent, not what it said
SET ROLE compliance_analyst;
SELECT answer_digest IS NOT NULL AS analyst_sees_digest FROM compliance.requests WHERE id = :late_access;
SELECT count(*) FROM compliance.request_answers;
RESET ROLE;
-- erasing the subject erases the documents sent; their digests stay
SELECT (compliance.erase_subject('fresh') ->> 'outcome') AS erased;
SELECT id = :fresh_access AS fresh, answer IS NULL AS answer_gone, answer_digest IS NOT NULL AS digest_kept
  FROM compliance.request_answers WHERE id IN (:late_access, :fresh_access) ORDER BY id;
SELECT compliance.answer_request(:late_access);
SELECT compliance.answer_request(:late_erase);
SELECT compliance.answer_request(NULL);
SELECT compliance.answer_request(999999);
SELECT compliance.answer_request(:late_erase, 'de');
SELECT compliance.answer_request(:late_erase, 'en', 'pdf');
SELECT subject, kind, status, overdue, late FROM compliance.requests
 WHERE subject IN ('late', 'fresh') ORDER BY id;
SELECT subject, kind FROM compliance.overdue_requests WHERE subject IN ('late', 'fresh');

-- Admins change the calendar: a transferred day off, a working Saturday,
-- a shipped holiday removed; later applications get the new deadline.
SET ROLE compliance_admin;
-- Friday 8 January 2027 off, worked on Saturday 16 January
INSERT INTO compliance.holidays (day, name) VALUES ('2027-01-08', 'Transferred from 16 January');
SELECT compliance.set_working_day('2027-01-16', true, 'Working Saturday for 8 January');
SELECT compliance.working_days_add('2026-12-30', 5) AS with_transferred_day_off,
       compliance.working_days_add('2027-01-14', 2) AS across_working_saturday;
SELECT compliance.file_request('anna', 'access', '2026-12-30 10:00+03');
RESET ROLE;
SELECT compliance.file_request('anna', 'access', '2026-12-30 10:00+03') AS access_after_transfer \gset
SELECT due_at FROM compliance.requests WHERE id = :access_after_transfer;
-- the deadline of an application already filed does not move
SELECT due_at FROM compliance.requests WHERE subject = 'anna' AND kind = 'access' AND received_at = '2026-12-30 07:00+00' ORDER BY id;

SET ROLE compliance_admin;
DELETE FROM compliance.holidays WHERE day = '2027-01-07';
SELECT compliance.set_working_day('2027-05-11', true);
SELECT compliance.working_days_add('2027-01-05', 2) AS christmas_removed,
       compliance.working_days_add('2027-05-07', 2) AS radunitsa_removed;
RESET ROLE;
SELECT tbl, key FROM compliance.removed_defaults ORDER BY key;
SELECT day, name, is_default FROM compliance.holidays WHERE day BETWEEN '2027-01-01' AND '2027-01-31' ORDER BY day;
SELECT day, name FROM compliance.working_weekends WHERE NOT is_default ORDER BY day;
-- a day off again: the shipped row comes back; a weekday becomes a holiday
SET ROLE compliance_admin;
SELECT compliance.set_working_day('2027-01-07', false);
SELECT compliance.set_working_day('2027-01-16', false);
SELECT compliance.set_working_day('2027-02-12', false, 'Extra day off');
SELECT compliance.set_working_day('2027-02-13', false);
SELECT compliance.set_working_day(NULL, false);
RESET ROLE;
SELECT tbl, key FROM compliance.removed_defaults ORDER BY key;
SELECT day, name, is_default FROM compliance.holidays
 WHERE day BETWEEN '2027-01-01' AND '2027-02-28' OR day = '2027-05-11' ORDER BY day;
SELECT count(*) AS working_weekends FROM compliance.working_weekends WHERE NOT is_default;
SELECT compliance.working_days_add('2026-12-30', 5) AS access_due_now;

-- privileges: officers file and complete; others read at most
SET ROLE compliance_app;
SELECT compliance.file_request('anna', 'access');
SELECT count(*) FROM compliance.requests;
INSERT INTO compliance.subject_requests (subject, kind, received_at, due_at, channel, reply_form)
VALUES ('x', 'access', now(), current_date, 'written', 'written');
SELECT compliance.working_days_add('2026-12-30', 5) AS app_may_count;
RESET ROLE;
SET ROLE compliance_analyst;
SELECT count(*) > 0 AS analyst_reads FROM compliance.requests;
SELECT compliance.complete_request(:third_2026, 'fulfilled');
SELECT compliance.set_working_day('2027-03-01', false);
RESET ROLE;
SET ROLE compliance_admin;
SELECT compliance.file_request('anna', 'access');
RESET ROLE;
SET ROLE compliance_officer;
SELECT compliance.file_request('officer', 'access', '2027-01-12 10:00+03') AS officer_request \gset
SELECT compliance.complete_request(:officer_request, 'fulfilled', 'Report sent by e-mail.');
SELECT subject, due_at, status, filed_by = session_user AS filed_by_session_user
  FROM compliance.requests WHERE id = :officer_request;
SELECT compliance.set_working_day('2027-03-01', false);
DELETE FROM compliance.holidays WHERE day = '2027-03-08';
RESET ROLE;

DROP EXTENSION compliance;
