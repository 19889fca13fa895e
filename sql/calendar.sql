-- The working-day calendar of Belarus (Art. 11.2: five working days for an
-- access application; Art. 16.1: three for a breach notice): the shipped
-- transfers of working days of the Council of Ministers for 2024-2026,
-- the confirmed years and the WARNING for a year that is not, the admin's
-- way to enter and confirm the next year, and what a dump keeps.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- Shipped transfers, each citing its resolution: every day off is a
-- weekday, every working day a Saturday, paired within a resolution, and
-- none is a public holiday
SELECT day, to_char(day, 'Dy') AS dow, working, name, source FROM compliance.belarus_transfers();
SELECT t.source, count(*) FILTER (WHERE NOT t.working) AS days_off, count(*) FILTER (WHERE t.working) AS saturdays,
       bool_and(extract(isodow FROM t.day) < 6) FILTER (WHERE NOT t.working) AS off_on_weekdays,
       bool_and(extract(isodow FROM t.day) = 6) FILTER (WHERE t.working) AS worked_on_saturdays,
       bool_and(NOT EXISTS (SELECT FROM compliance.belarus_holidays(extract(year FROM t.day)::integer) b
                             WHERE b.day = t.day)) AS no_public_holiday
  FROM compliance.belarus_transfers() t GROUP BY t.source ORDER BY min(t.day);
-- they are in the calendar as shipped rows
SELECT 'holidays' AS tbl, day, name, is_default, source FROM compliance.holidays
 WHERE source LIKE 'Resolution%'
UNION ALL
SELECT 'working_weekends', day, name, is_default, source FROM compliance.working_weekends
ORDER BY day;
-- public holidays of 2024-2027 with Radunitsa (Orthodox Easter + 9)
SELECT extract(year FROM day) AS year, count(*) AS holidays, bool_and(is_default) AS shipped,
       min(day) FILTER (WHERE name LIKE 'Radunitsa%') AS radunitsa,
       bool_and(source LIKE 'Decree of the President%') AS sourced
  FROM compliance.holidays WHERE day BETWEEN '2024-01-01' AND '2027-12-31' AND source NOT LIKE 'Resolution%'
 GROUP BY 1 ORDER BY 1;
SELECT year, confirmed_by, is_default FROM compliance.calendar_years ORDER BY year;

-- A transferred working Saturday counts, a transferred weekday off does
-- not, an ordinary Saturday does not
SELECT d, to_char(d, 'Dy') AS dow, compliance.is_working_day(d) AS working
  FROM unnest('{2025-07-03,2025-07-04,2025-07-05,2025-07-12,2025-07-19,2024-05-13,2024-05-18,2026-04-20,2026-04-25}'::date[]) AS d;

-- The deadline scenario (Art. 11.2): an access application received on
-- Wednesday 9 July 2025 is due on Tuesday 15 July, Saturday 12 July being
-- a working day (resolution No. 839 of 14 November 2024); one received on
-- Wednesday 2 July, after Independence Day and the transferred Friday
-- 4 July, on Friday 11 July
SET ROLE compliance_officer;
SELECT compliance.file_request('anna', 'access', '2025-07-09 10:00+03') AS july9 \gset
SELECT compliance.file_request('anna', 'access', '2025-07-02 10:00+03') AS july2 \gset
SELECT compliance.file_request('anna', 'access', '2025-12-18 10:00+03') AS dec18 \gset
SELECT id = :july9 AS july9, compliance.belarus_date(received_at) AS received, due_at, to_char(due_at, 'Dy') AS due_dow, article
  FROM compliance.requests WHERE subject = 'anna' ORDER BY id;
-- Breach notice (Art. 16.1), three working days: over the transferred
-- Friday 4 July 2025 and over the working Saturday 20 December 2025
SELECT compliance.report_breach('2025-07-02 10:00+03', 'Laptop with the patients list stolen') AS b1 \gset
SELECT compliance.report_breach('2025-12-18 10:00+03', 'Misdirected e-mail') AS b2 \gset
SELECT id, compliance.belarus_date(detected_at) AS detected, notify_by, to_char(notify_by, 'Dy') AS notify_dow
  FROM compliance.breaches ORDER BY id;
RESET ROLE;
-- Without the transfers each of these deadlines is a day later: the
-- shipped rows are what moves them
BEGIN;
DELETE FROM compliance.holidays WHERE source LIKE 'Resolution%';
DELETE FROM compliance.working_weekends;
SELECT compliance.working_days_add('2025-07-09', 5) AS july9_due, compliance.working_days_add('2025-07-02', 5) AS july2_due,
       compliance.breach_notify_by('2025-07-02 10:00+03') AS july2_notify, compliance.breach_notify_by('2025-12-18 10:00+03') AS dec18_notify;
ROLLBACK;

-- A deadline counted through a year that is not confirmed warns, and is
-- still returned: into 2027, back into 2023, a zero count in 2027, and
-- across two years
SELECT compliance.working_days_add('2026-12-28', 5) AS into_2027;
SELECT compliance.working_days_add('2024-01-03', -2) AS back_into_2023;
SELECT compliance.working_days_add('2027-03-01', 0) AS zero_in_2027;
SELECT compliance.working_days_add('2026-12-30', 260) AS into_2028;
-- no warning when only the start day lies in such a year: counting runs
-- from the day after it
SELECT compliance.working_days_add('2023-12-31', 1) AS from_31_december_2023;
SELECT compliance.working_days_add('2026-12-23', 3) AS within_2026;
-- file_request and report_breach pass the warning on; calendar-day
-- deadlines (Art. 10.2, 11.4, 12.2, 13.2) do not depend on the calendar
SET ROLE compliance_officer;
SELECT compliance.file_request('boris', 'access', '2023-12-28 10:00+03') AS access_2023 \gset
SELECT compliance.file_request('boris', 'erase', '2023-12-28 10:00+03') AS erase_2023 \gset
SELECT compliance.report_breach('2023-12-28 10:00+03', 'Backup tape lost') AS b3 \gset
SELECT kind, due_at FROM compliance.requests WHERE subject = 'boris' ORDER BY id;
SELECT notify_by FROM compliance.breaches WHERE id = :b3;
RESET ROLE;

-- Next year: compliance_admin enters its transfers with their resolution
-- and confirms the year; deadlines through it no longer warn
SET ROLE compliance_admin;
SELECT compliance.set_working_day('2027-05-10', false, 'Day off; its working day moved to Saturday 15 May',
                                  'Resolution of the Council of Ministers No. 1 of 1 January 2027 (test)');
SELECT compliance.set_working_day('2027-05-15', true, 'Working Saturday for the day off on Monday 10 May',
                                  'Resolution of the Council of Ministers No. 1 of 1 January 2027 (test)');
INSERT INTO compliance.calendar_years (year, confirmed_by)
VALUES (2027, 'Resolution of the Council of Ministers No. 1 of 1 January 2027 (test)');
SELECT compliance.working_days_add('2027-05-06', 5) AS across_may_2027;
SELECT year, confirmed_by, is_default, recorded_by = session_user AS recorded_by_admin
  FROM compliance.calendar_years WHERE year = 2027;
-- bad confirmations (terse: the failing row holds the time of the attempt)
\set VERBOSITY terse
INSERT INTO compliance.calendar_years (year, confirmed_by) VALUES (2027, 'again');
INSERT INTO compliance.calendar_years (year, confirmed_by) VALUES (2028, '  ');
INSERT INTO compliance.calendar_years (year, confirmed_by) VALUES (2028, NULL);
INSERT INTO compliance.calendar_years (year, confirmed_by) VALUES (1500, 'too early');
INSERT INTO compliance.working_weekends (day, name) VALUES ('2027-05-17', 'a Monday');
\set VERBOSITY default
-- admins insert and delete, they do not update (an updated shipped row
-- would not survive a dump)
UPDATE compliance.calendar_years SET confirmed_by = 'x' WHERE year = 2027;
UPDATE compliance.working_weekends SET name = 'x' WHERE day = '2027-05-15';
-- withdrawing the confirmation brings the warning back
DELETE FROM compliance.calendar_years WHERE year = 2027;
SELECT compliance.working_days_add('2027-05-06', 5) AS unconfirmed_again;
RESET ROLE;
-- other roles read the calendar, none writes it
SET ROLE compliance_officer;
SELECT count(*) AS confirmed_years FROM compliance.calendar_years;
INSERT INTO compliance.calendar_years (year, confirmed_by) VALUES (2027, 'officer');
SELECT compliance.set_working_day('2027-05-22', true);
RESET ROLE;
SET ROLE compliance_app;
SELECT count(*) AS working_weekends FROM compliance.working_weekends;
DELETE FROM compliance.working_weekends;
RESET ROLE;

-- Shipped rows an admin removes or replaces: the removal is remembered so
-- that a dump (which holds only the admin's rows) replays it on restore
SET ROLE compliance_admin;
DELETE FROM compliance.calendar_years WHERE year = 2024;
INSERT INTO compliance.calendar_years (year, confirmed_by) VALUES (2026, 'checked again by the officer for data protection');
SELECT compliance.set_working_day('2025-07-12', false);
SELECT compliance.set_working_day('2025-12-20', true, 'Working Saturday (company order No. 5)');
SELECT compliance.set_working_day('2025-04-26', true);
SELECT compliance.set_working_day('2025-07-04', true);
RESET ROLE;
SELECT tbl, key FROM compliance.removed_defaults ORDER BY tbl, key;
SELECT year, confirmed_by, is_default FROM compliance.calendar_years ORDER BY year;
SELECT day, name, is_default, source IS NOT NULL AS sourced FROM compliance.working_weekends
 WHERE day BETWEEN '2025-01-01' AND '2025-12-31' ORDER BY day;
SELECT compliance.is_working_day('2025-07-04') AS july4, compliance.is_working_day('2025-07-12') AS july12;
-- made a day off and working again: the shipped rows come back as shipped
SET ROLE compliance_admin;
SELECT compliance.set_working_day('2025-07-12', true);
SELECT compliance.set_working_day('2025-07-04', false);
RESET ROLE;
SELECT tbl, key FROM compliance.removed_defaults ORDER BY tbl, key;
SELECT 'holidays' AS tbl, day, name, is_default FROM compliance.holidays WHERE day = '2025-07-04'
UNION ALL
SELECT 'working_weekends', day, name, is_default FROM compliance.working_weekends WHERE day = '2025-07-12';
-- a restored removed_defaults row deletes the shipped row, once
INSERT INTO compliance.removed_defaults (tbl, key) VALUES ('working_weekends', '2026-04-25');
INSERT INTO compliance.removed_defaults (tbl, key) VALUES ('working_weekends', '2026-04-25');
SELECT count(*) AS april25 FROM compliance.working_weekends WHERE day = '2026-04-25';
-- what pg_dump keeps of the calendar
SELECT x.tbl::regclass, x.cond
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(tbl, cond)
 WHERE e.extname = 'compliance' AND x.tbl::regclass::text IN
       ('compliance.holidays', 'compliance.working_weekends', 'compliance.calendar_years', 'compliance.removed_defaults')
 ORDER BY x.tbl::regclass::text;

DROP EXTENSION compliance;
