-- Obligations towards the authority (Art. 16.1): the breach register and
-- its three-working-day deadline across weekends, holidays and transferred
-- days; notifications; demands of the authority to block, delete or modify
-- a subject's data; the officer's dashboard, the deadline check and the
-- scheduling helper without pg_cron.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
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

-- Deadlines: three working days after the Belarus date of detection
SELECT d AS detected_at, compliance.belarus_date(d) AS minsk_date,
       to_char(compliance.belarus_date(d), 'Dy') AS dow,
       compliance.breach_notify_by(d) AS notify_by, to_char(compliance.breach_notify_by(d), 'Dy') AS notify_dow
  FROM unnest(ARRAY[
        '2025-06-10 09:00+03',   -- Tuesday: Wed, Thu, Fri
        '2025-06-12 09:00+03',   -- Thursday: Fri, (weekend), Mon, Tue
        '2025-06-12 22:30+00',   -- already Friday 01:30 in Minsk: Mon, Tue, Wed
        '2025-06-14 12:00+03',   -- Saturday: Mon, Tue, Wed
        '2025-07-01 09:00+03',   -- Tuesday: Independence Day (Thu 3 July) and the
                                 -- transferred day off (Fri 4 July) are skipped
        '2025-12-30 09:00+03',   -- New Year: 1 and 2 January, then the weekend
        '2026-01-05 09:00+03'    -- Christmas (Wed 7 January) is skipped
       ]::timestamptz[]) AS d;

SET ROLE compliance_officer;
SELECT compliance.report_breach('2025-07-01 09:00+03', 'Backup disk with the patients table lost in transit',
                                ARRAY['3', '1', '3', '2']) AS b1 \gset
SELECT compliance.report_breach('2025-12-30 18:00+03', '  Phishing: a clerk''s password was used from abroad  ') AS b2 \gset
SELECT compliance.report_breach(now() - interval '1 minute', 'Misdirected e-mail with one discharge summary', '{7}') AS b3 \gset
RESET ROLE;
-- a Saturday made a working day (a transferred day off) shortens later
-- deadlines; breaches already on record keep theirs
SELECT compliance.set_working_day('2025-07-05', true, 'working Saturday (transfer)');
SET ROLE compliance_officer;
SELECT compliance.report_breach('2025-07-01 10:00+03', 'Second disk of the same shipment') AS b4 \gset
RESET ROLE;
SELECT compliance.set_working_day('2025-07-05', false);

SELECT id, detected_at, description, subjects, subjects_affected, notify_by, status, overdue, late
  FROM compliance.breaches WHERE id <> :b3 ORDER BY id;
SELECT notify_by = compliance.working_days_add(compliance.belarus_date(now()), 3) AS three_working_days,
       status, overdue, days_left BETWEEN 3 AND 9 AS days_left_ok
  FROM compliance.breaches WHERE id = :b3;

-- Errors
SET ROLE compliance_officer;
SELECT compliance.report_breach(NULL, 'x');
\set VERBOSITY terse
SELECT compliance.report_breach(now() + interval '1 hour', 'x');
\set VERBOSITY default
SELECT compliance.report_breach(now(), '   ');
SELECT compliance.report_breach(now(), 'x', ARRAY['1', '']);
SELECT compliance.report_breach(now(), 'x', ARRAY['1', NULL]);
RESET ROLE;

-- Notification: on time, late, or not due in a case provided for by the authority
SET ROLE compliance_officer;
SELECT compliance.record_breach_notification(:b1, '2025-07-07 16:00+03', 'letter No. 12/7 to the Centre');
SELECT compliance.record_breach_notification(:b2, '2026-01-08 10:00+03', 'e-mail of 8 January');
SELECT compliance.record_breach_notification(:b4, NULL, 'reference', 'covered by the notice of breach ' || :b1);
SELECT compliance.record_breach_notification(:b1);
SELECT compliance.record_breach_notification(:b4);
SELECT compliance.record_breach_notification(424242);
SELECT compliance.record_breach_notification(NULL);
\set VERBOSITY terse
SELECT compliance.record_breach_notification(:b3, now() - interval '1 day');
SELECT compliance.record_breach_notification(:b3, now() + interval '1 day');
\set VERBOSITY default
SELECT compliance.record_breach_notification(:b3, NULL);
RESET ROLE;
SELECT id, notify_by, notified_at, notice_reference, not_notified_ground, status, overdue, late, notified_by
  FROM compliance.breaches WHERE id <> :b3 ORDER BY id;

-- Privileges: the application may not report; the analyst reads the register only
SET ROLE compliance_app;
SELECT compliance.report_breach(now(), 'x');
SELECT count(*) FROM compliance.breaches;
RESET ROLE;
SET ROLE compliance_analyst;
SELECT count(*) AS breaches FROM compliance.breaches;
SELECT compliance.record_breach_notification(:b3);
INSERT INTO compliance.breach_register (detected_at, description, notify_by) VALUES (now(), 'x', current_date);
RESET ROLE;

-- Demands of the authority (Art. 16.1): block, delete, modify
SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('care', 'Medical care', 'medical_assistance', basis_scope => 'all_subjects');
CREATE TABLE patients (id int PRIMARY KEY, name text, birth date);
INSERT INTO patients VALUES (1, 'Anna', '1980-01-01'), (2, 'Boris', '1990-02-02'), (3, 'Vera', '1970-03-03');
SELECT compliance.protect('patients', 'id');
SET ROLE compliance_officer;
SELECT compliance.record_authority_demand('1', 'block', '2026-01-05 10:00+03', 'No. 5-1/77', 'Data obtained without a basis', '2026-01-20') AS d1 \gset
SELECT compliance.record_authority_demand('2', 'delete', reference => 'No. 5-1/78') AS d2 \gset
SELECT compliance.record_authority_demand('3', 'modify', essence => 'Correct the date of birth') AS d3 \gset
SELECT compliance.record_authority_demand(NULL, 'other', essence => 'Publish the processing policy (Art. 17.4)', due_at => '2020-01-01') AS d4 \gset
SELECT jsonb_pretty(compliance.carry_out_authority_demand(:d1) - 'since');
SELECT compliance.carry_out_authority_demand(:d2) -> 'deleted' AS deleted;
SELECT compliance.carry_out_authority_demand(:d3);
SELECT compliance.complete_authority_demand(:d3, 'Date of birth corrected from the passport', '{"column": "birth"}');
SELECT compliance.carry_out_authority_demand(:d1);
SELECT compliance.complete_authority_demand(:d3, 'again');
SELECT compliance.complete_authority_demand(:d4, ' ');
SELECT compliance.record_authority_demand('1', 'rectify');
SELECT compliance.record_authority_demand(NULL, 'delete');
SELECT compliance.record_authority_demand(NULL, 'other');
SELECT compliance.record_authority_demand('1', 'block', now() + interval '1 day');
RESET ROLE;
SELECT id, subject, action, reference, essence, due_at, completed_at IS NOT NULL AS done, action_taken,
       report ->> 'outcome' AS erase_outcome, report ->> 'reason' AS block_reason
  FROM compliance.authority_demands ORDER BY id;
SELECT subject, reason FROM compliance.blocked_subjects;
SET compliance.enforce = off;
SELECT id FROM patients ORDER BY id;
RESET compliance.enforce;
SET ROLE compliance_app;
SELECT compliance.record_authority_demand('1', 'block');
SELECT count(*) FROM compliance.authority_demands;
RESET ROLE;

-- The officer's dashboard: open and overdue applications, breaches
-- awaiting notification, open demands, consents ending within 30 days,
-- erase tasks, expired data
SELECT compliance.register_purpose('news', 'Newsletter', retention => interval '10 days', data_items => ARRAY['name']);
SELECT compliance.purposes(compliance.give_consent('3', '{news}', 'checkbox', valid_until => now() + interval '10 days'));
SELECT compliance.purposes(compliance.give_consent('9', '{news}', 'checkbox', valid_until => now() + interval '40 days'));
SELECT compliance.purposes(compliance.give_consent('8', '{news}', 'checkbox'));
SELECT compliance.withdraw_consent('8');
SELECT compliance.file_request('3', 'access', '2025-01-10 10:00+03') AS r1 \gset
SELECT compliance.file_request('3', 'rectify', now()) AS r2 \gset
-- patient 1, blocked on the authority's demand, has no purpose keeping it:
-- care has no retention after its basis ends
UPDATE compliance.blocked_subjects SET blocked_at = '2025-01-01 00:00+00' WHERE subject = '1';
CREATE ROLE breaches_officer NOLOGIN IN ROLE compliance_officer;
SET ROLE breaches_officer;
SELECT item, total, overdue, next_due = compliance.belarus_date(now() + interval '10 days') AS next_due_in_10_days, article
  FROM compliance.officer_dashboard WHERE item = 'consents_expiring_30_days';
-- expired data are shown as last counted, with the time (as_of); the
-- other rows as of now
SELECT item, total, as_of IS NULL AS not_counted_yet FROM compliance.officer_dashboard WHERE item = 'expired_data';
SELECT expired, subjects, counted_at = now() AS counted_now FROM compliance.count_expired_data();
SELECT item, total, overdue,
       CASE WHEN next_due < current_date THEN next_due::text ELSE 'upcoming' END AS next_due, article,
       as_of = now() AS as_of_now
  FROM compliance.officer_dashboard WHERE item <> 'consents_expiring_30_days';
-- the daily check warns about each kind of overdue work
SELECT jsonb_pretty(compliance.check_deadlines() - 'checked_at');
RESET ROLE;
SET ROLE compliance_app;
SELECT * FROM compliance.officer_dashboard;
RESET ROLE;

-- Scheduling needs pg_cron in this database; without it, a clear error
SELECT pg_extension.extname FROM pg_extension WHERE extname = 'pg_cron';
SELECT replace(job, current_database(), 'DB') AS job, command, what FROM compliance.maintenance_jobs() ORDER BY job;
SET ROLE compliance_admin;
-- (the database's name is shown as DB; the hint names the package of this
-- server's major version, shown as NN)
DO $$
DECLARE
    c text;
    m text;
    d text;
    h text;
BEGIN
    FOREACH c IN ARRAY ARRAY['SELECT * FROM compliance.schedule_maintenance()',
                             'SELECT compliance.unschedule_maintenance()'] LOOP
        BEGIN
            EXECUTE c;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
            RAISE NOTICE E'%: %: %\nDETAIL: %\nHINT: %', c, SQLSTATE, replace(m, current_database(), 'DB'), d,
                replace(replace(h, current_database(), 'DB'),
                        format('postgresql-%s-cron', current_setting('server_version_num')::integer / 10000),
                        'postgresql-NN-cron');
        END;
    END LOOP;
END
$$;
RESET ROLE;
SET ROLE compliance_officer;
SELECT * FROM compliance.schedule_maintenance();
RESET ROLE;

DROP TABLE patients;
DROP ROLE breaches_officer;
DROP EXTENSION compliance CASCADE;
