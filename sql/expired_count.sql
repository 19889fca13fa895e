-- The expired data on the officer's dashboard (Art. 4.8): a count of
-- expired_data(), shown with the time it was taken (as_of); and
-- expired_data() itself, which decides the subjects with a consent in
-- force and those with nothing recorded without calling basis_end() per
-- subject and purpose, gives what that call gives.  Both on varied data:
-- consent and other purposes with and without retention, a purpose for
-- all subjects, a retired one, grounds ended and current, blocks, erase
-- requests, tables retained by law with and without a date column, two
-- kinds of subject sharing keys, and a table no purpose touches.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_subject_kind('employee', 'Employee');
-- mail: consent, kept 30 days; offers: consent, nothing kept; survey:
-- consent, retired below; delivery: a contract per subject, kept 3 years;
-- register: a legal obligation for all subjects, kept a year, only the
-- customers' names; payroll: employees, per subject
SELECT compliance.register_purpose('mail', 'Newsletter', retention => interval '30 days',
    data_items => ARRAY['email']);
SELECT compliance.register_purpose('offers', 'Offers', data_items => ARRAY['customers.email', 'orders.amount']);
SELECT compliance.register_purpose('survey', 'Surveys', retention => interval '90 days',
    data_items => ARRAY['leads.source']);
SELECT compliance.register_purpose('delivery', 'Delivery', 'contract_with_subject', retention => interval '3 years',
    data_items => ARRAY['orders.amount', 'receipts.total', 'customers.email']);
SELECT compliance.register_purpose('register', 'Customer register', 'legal_obligation',
    retention => interval '1 year', data_items => ARRAY['customers.name'], basis_scope => 'all_subjects');
SELECT compliance.register_purpose('payroll', 'Payroll', 'labour_relations', retention => interval '1 year',
    data_items => ARRAY['staff.full_name']);

-- customers <- orders (cascade; retained 3 years from placed_on)
--           <- receipts (retained 2 years from the end of the ground)
-- leads (text keys), notes (no purpose touches it), staff (employees)
CREATE TABLE customers (id int PRIMARY KEY, name text, email text);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers ON DELETE CASCADE,
                     amount numeric, placed_on date);
CREATE TABLE receipts (id int PRIMARY KEY, customer_id int REFERENCES customers, total numeric);
CREATE TABLE leads (email text PRIMARY KEY, source text);
CREATE TABLE notes (customer_id int, body text);
CREATE TABLE staff (id int PRIMARY KEY, full_name text);
INSERT INTO customers SELECT g, 'Customer ' || g, 'c' || g || '@example.by' FROM generate_series(1, 240) g;
INSERT INTO orders SELECT g, 1 + g % 240, g, date '2015-01-01' + g * 3 FROM generate_series(1, 720) g;
INSERT INTO receipts SELECT g, 1 + (g * 7) % 240, g FROM generate_series(1, 240) g WHERE g % 3 = 0;
-- leads: keys of their own and keys that are customers' keys too
INSERT INTO leads SELECT 'l' || g, 'fair' FROM generate_series(1, 40) g;
INSERT INTO leads SELECT g::text, 'web' FROM generate_series(1, 240, 7) g;
INSERT INTO notes SELECT g, 'note' FROM generate_series(1, 240, 5) g;
INSERT INTO staff SELECT g, 'Employee ' || g FROM generate_series(1, 30) g;
CREATE INDEX ON orders (customer_id);
CREATE INDEX ON receipts (customer_id);
SELECT compliance.protect('customers', 'id');
SELECT compliance.protect('orders', 'customer_id');
SELECT compliance.protect('receipts', 'customer_id');
SELECT compliance.protect('leads', 'email');
SELECT compliance.protect('notes', 'customer_id');
SELECT compliance.protect('staff', 'id', subject_kind => 'employee');
SELECT compliance.set_retained('orders', 'Tax Code: accounting documents', interval '3 years', 'placed_on');
SELECT compliance.set_retained('receipts', 'Tax Code: receipts', interval '2 years');

-- Consents: customers not divisible by 4 to mail, the even ones also to
-- offers, every third one to the survey; leads l1-l30 to mail
SELECT count(*) AS consents FROM (
    SELECT compliance.give_consent(g::text, (CASE WHEN g % 2 = 0 THEN '{mail,offers}' ELSE '{mail}' END)::compliance.purpose_set, 'checkbox')
      FROM generate_series(1, 240) g WHERE g % 4 <> 0
    UNION ALL
    SELECT compliance.give_consent(g::text, '{survey}', 'checkbox') FROM generate_series(3, 240, 3) g
    UNION ALL
    SELECT compliance.give_consent('l' || g, '{mail}', 'checkbox') FROM generate_series(1, 30) g) c;
-- some with a term: past (expired), within a month, far
SELECT count(*) AS with_term FROM (
    SELECT compliance.give_consent(g::text, '{offers}', 'checkbox',
                                   valid_until => now() + (g % 3) * interval '20 days' + interval '1 hour')
      FROM generate_series(4, 240, 8) g) c;
UPDATE compliance.consent_state SET valid_until = now() - (subject::int % 50) * interval '10 days'
 WHERE subject ~ '^\d+$' AND subject::int % 24 = 4 AND purpose = 'offers';
-- withdrawals, some long ago, some within mail's 30 days
SELECT count(*) AS withdrawn FROM (
    SELECT compliance.withdraw_consent(g::text, '{mail}') FROM generate_series(5, 240, 10) g
    UNION ALL
    SELECT compliance.withdraw_consent('l' || g) FROM generate_series(1, 30, 4) g) w;
UPDATE compliance.consent_state SET changed_at = now() - (subject::int % 7) * interval '9 days'
 WHERE status = 'withdrawn' AND subject ~ '^\d+$';
UPDATE compliance.consent_state SET changed_at = '2020-01-01' WHERE status = 'withdrawn' AND subject ~ '^l';
-- refusals: after a consent (a basis that ended), and with none before
SELECT count(*) AS refused FROM (
    SELECT compliance.refuse_consent(g::text, '{offers}') FROM generate_series(6, 240, 12) g
    UNION ALL
    SELECT compliance.refuse_consent(g::text, '{mail}') FROM generate_series(8, 240, 16) g) r;
UPDATE compliance.consent_state SET changed_at = now() - interval '400 days' WHERE status = 'refused';
-- the survey is retired: its consents end with it
SELECT compliance.retire_purpose('survey', 'no more surveys');
UPDATE compliance.purposes SET retired_at = now() - interval '100 days' WHERE code = 'survey';
-- delivery contracts: current, ended long ago, ended lately
SELECT count(*) AS contracts FROM (
    SELECT compliance.record_basis(g::text, 'delivery', '2015-01-01') FROM generate_series(1, 240, 3) g) c;
SELECT count(*) AS ended FROM (
    SELECT compliance.end_basis(g::text, 'delivery', CASE WHEN g % 2 = 0 THEN '2019-06-30'::timestamptz ELSE now() - interval '1 year' END)
      FROM generate_series(1, 240, 9) g) e;
-- employees: payroll grounds for most, some ended; employee 1 is not customer 1
SELECT count(*) AS employed FROM (
    SELECT compliance.record_basis(g::text, 'payroll', '2016-01-01', subject_kind => 'employee')
      FROM generate_series(1, 30) g WHERE g % 5 <> 0) c;
SELECT count(*) AS left_job FROM (
    SELECT compliance.end_basis(g::text, 'payroll', '2020-12-31', subject_kind => 'employee')
      FROM generate_series(2, 30, 6) g) e;
-- blocks: lately and long ago, customers and an employee
SELECT count(*) AS blocked FROM (
    SELECT compliance.block_subject(g::text, 'disputed') FROM generate_series(11, 240, 20) g
    UNION ALL
    SELECT compliance.block_subject('3', 'disputed', 'employee')) b;
UPDATE compliance.blocked_subjects SET blocked_at = now() - (subject::int % 4) * interval '1 year';
-- erase requests: fulfilled long ago (before the consents) and lately, refused
SELECT count(*) AS requests FROM (
    SELECT compliance.complete_request(compliance.file_request(g::text, 'erase', now() - interval '20 days'),
                                       CASE WHEN g % 3 = 0 THEN 'refused' ELSE 'fulfilled' END, 'Answered.',
                                       CASE WHEN g % 3 = 0 THEN 'Art. 13.3' END)
      FROM generate_series(13, 240, 17) g) q;
UPDATE compliance.subject_requests SET completed_at = '2010-01-01' WHERE subject::int % 2 = 0;

-- The answer of the call per subject and purpose (expired_data() before it
-- decided subjects in bulk), kept here to compare with.
CREATE FUNCTION expiry_per_subject()
    RETURNS TABLE (tbl regclass, subject text, purpose text, expired_at timestamptz)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
#variable_conflict use_column
DECLARE
    v_match text;
    v_from text;
    r record;
BEGIN
    FOR r IN
        SELECT p.relid, p.subject_column, p.subject_kind, format_type(a.atttypid, a.atttypmod) AS column_type,
               t.ground IS NOT NULL AS retained, t.period, f.attname AS from_column,
               compliance.purposes_touching(p.relid) AS purposes
          FROM compliance.protected_tables p
          JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = p.subject_column
          LEFT JOIN compliance.retained_tables t ON t.relid = p.relid
          -- the term's column, while it is a live date or timestamp column
          LEFT JOIN pg_attribute f ON f.attrelid = t.relid AND f.attname = t.from_column
                                  AND f.attnum > 0 AND NOT f.attisdropped
                                  AND f.atttypid IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype)
         ORDER BY p.relid::text
    LOOP
        v_match := format('k.%I IS NOT NULL', r.subject_column);
        -- per subject: the earliest date of a retained row whose term has
        -- run (compared, not cast: a date past the timestamp range must not
        -- fail the scan), and whether some row counts from the end of the
        -- ground instead (no date, or an infinite one)
        v_from := CASE WHEN r.from_column IS NOT NULL
                       THEN format('min(k.%1$I) FILTER (WHERE isfinite(k.%1$I) AND k.%1$I <= %2$L::timestamptz)::timestamptz,'
                                   ' bool_or(k.%1$I IS NULL OR NOT isfinite(k.%1$I))',
                                   r.from_column, pg_catalog.now() - r.period)
                       ELSE 'NULL::timestamptz, true' END;
        -- The purpose whose retention ends last decides; none with a
        -- basis ever: expired, with no purpose and no date.
        -- the subjects are read as the table's owner (owner.c); the rest here
        RETURN QUERY
            SELECT r.relid::regclass, s.subject,
                   CASE WHEN x.until IS NOT NULL THEN x.code END,
                   CASE WHEN b.blocked THEN greatest(x.until, kept.until) ELSE x.until END
              FROM jsonb_array_elements(compliance.read_as_table_owner(r.relid,
                       format('SELECT coalesce(jsonb_agg(jsonb_build_array(x.s, x.f, x.n)), ''[]'') FROM (SELECT k.%I::text, %s FROM %s AS k WHERE %s GROUP BY 1) AS x(s, f, n)',
                              r.subject_column, v_from, r.relid, v_match))::jsonb) AS e(v)
             CROSS JOIN LATERAL (SELECT e.v ->> 0 AS subject, (e.v ->> 1)::timestamptz AS first_from,
                                        (e.v ->> 2)::boolean AS from_ground) s
              LEFT JOIN LATERAL (
                   SELECT p.code, compliance.basis_end(s.subject, r.subject_kind, p.id) + coalesce(p.retention, interval '0') AS until
                     FROM compliance.purposes p
                    WHERE p.id = ANY (r.purposes)
                    ORDER BY 2 DESC NULLS LAST, p.id
                    LIMIT 1) x ON true
             CROSS JOIN LATERAL (
                   SELECT r.retained AND EXISTS (SELECT FROM compliance.blocked_subjects b
                                                  WHERE b.subject = s.subject AND b.subject_kind = r.subject_kind) AS blocked) b
             -- when the first retained row's term runs out (Art. 4.8, 13.3)
              LEFT JOIN LATERAL (
                   SELECT least(s.first_from,
                                CASE WHEN s.from_ground
                                     -- nothing recorded (data older than the extension): from the block
                                     THEN coalesce(compliance.ground_end(s.subject, r.subject_kind, r.relid),
                                                   (SELECT bs.blocked_at FROM compliance.blocked_subjects bs
                                                     WHERE bs.subject = s.subject AND bs.subject_kind = r.subject_kind)) END)
                          + r.period AS until
                    WHERE b.blocked) kept ON true
             WHERE (x.until IS NULL OR x.until <= pg_catalog.now())
               AND (NOT b.blocked OR kept.until <= pg_catalog.now())
             ORDER BY s.subject;
    END LOOP;
END
$$;

-- Varied indeed: expired rows of every kind of cause
SELECT e.tbl, count(*) AS expired, count(*) FILTER (WHERE e.purpose IS NULL) AS nothing_recorded,
       array_agg(DISTINCT e.purpose) FILTER (WHERE e.purpose IS NOT NULL) AS purposes
  FROM compliance.expired_data() e GROUP BY 1 ORDER BY 1::text;
-- and the same rows as the call per subject and purpose
SELECT count(*) AS expired FROM compliance.expired_data();
(SELECT 'only in expired_data' AS problem, * FROM compliance.expired_data()
 EXCEPT ALL SELECT 'only in expired_data', * FROM expiry_per_subject())
UNION ALL
(SELECT 'only per subject', * FROM expiry_per_subject()
 EXCEPT ALL SELECT 'only per subject', * FROM compliance.expired_data())
ORDER BY 1, 2, 3;
-- a batch of the purge looks subjects up by their keys, with the same
-- answer; keys that are no value of a column, NULL and repeats find nothing more
SELECT count(*) AS batch FROM compliance.retention_expiry(ARRAY['1', '5', '8', '011', 'x', NULL, '5', 'l1', 'l5', '3', '13']);
(SELECT * FROM compliance.retention_expiry(ARRAY['1', '5', '8', '011', 'x', NULL, '5', 'l1', 'l5', '3', '13'])
 EXCEPT ALL
 SELECT * FROM compliance.retention_expiry(NULL) WHERE subject IN ('1', '5', '8', 'l1', 'l5', '3', '13'))
UNION ALL
(SELECT * FROM compliance.retention_expiry(NULL) WHERE subject IN ('1', '5', '8', 'l1', 'l5', '3', '13')
 EXCEPT ALL
 SELECT * FROM compliance.retention_expiry(ARRAY['1', '5', '8', '011', 'x', NULL, '5', 'l1', 'l5', '3', '13']));
SELECT count(*) AS empty_batch FROM compliance.retention_expiry('{}');

-- The dashboard: nothing counted yet
SELECT item, total, overdue, next_due, as_of, see FROM compliance.officer_dashboard WHERE item = 'expired_data';
-- a count is what expired_data() returns at its time, as_of; the other
-- rows are as of now
CREATE VIEW dashboard_check AS
SELECT d.total = e.n AS same_total, d.overdue = e.n AS all_overdue,
       d.next_due IS NOT DISTINCT FROM e.next_due AS same_next_due,
       d.as_of = now() AS counted_now,
       c.subjects = e.subjects AS same_subjects, c.unrecorded = e.unrecorded AS same_unrecorded,
       c.per_table = e.per_table AS same_per_table
  FROM compliance.officer_dashboard d, compliance.expired_data_count c,
       (SELECT count(*) AS n, compliance.belarus_date(min(x.expired_at)) AS next_due,
               count(DISTINCT (p.subject_kind, x.subject)) AS subjects,
               count(*) FILTER (WHERE x.purpose IS NULL) AS unrecorded,
               (SELECT coalesce(jsonb_object_agg(t, n), '{}')
                  FROM (SELECT format('%I.%I', ns.nspname, cl.relname) AS t, count(*) AS n
                          FROM compliance.expired_data() y
                          JOIN pg_class cl ON cl.oid = y.tbl JOIN pg_namespace ns ON ns.oid = cl.relnamespace
                         GROUP BY 1) z) AS per_table
          FROM compliance.expired_data() x JOIN compliance.protected_tables p ON p.relid = x.tbl) e
 WHERE d.item = 'expired_data';
BEGIN;
SELECT expired > 0 AS counted, subjects, unrecorded, counted_at = now() AS at_now, counted_by = current_user AS by_me
  FROM compliance.count_expired_data();
SELECT * FROM dashboard_check;
SELECT bool_and(as_of = now()) AS live_rows_now FROM compliance.officer_dashboard WHERE item <> 'expired_data';
COMMIT;
SELECT per_table FROM compliance.expired_data_count;

-- Things change: a withdrawal long ago, a block, a consent ending, a
-- contract ending, rows of a new subject.  The dashboard keeps the count
-- and its time until counted again; then it agrees again.
SELECT compliance.withdraw_consent('1');
UPDATE compliance.consent_state SET changed_at = '2021-01-01' WHERE subject = '1';
SELECT compliance.block_subject('2', 'disputed');
UPDATE compliance.blocked_subjects SET blocked_at = '2015-01-01' WHERE subject = '2' AND subject_kind = 'person';
UPDATE compliance.consent_state SET valid_until = now() - interval '1 year' WHERE subject = '9';
SELECT compliance.end_basis('7', 'delivery', '2018-01-01');
SET compliance.enforce = off;
INSERT INTO customers VALUES (241, 'Late', 'late@example.by');
INSERT INTO notes VALUES (241, 'no consent yet');
RESET compliance.enforce;
BEGIN;
SELECT same_total, same_next_due, counted_now FROM dashboard_check;
SELECT as_of < now() AS as_of_earlier FROM compliance.officer_dashboard WHERE item = 'expired_data';
SELECT expired > 0 AS counted FROM compliance.count_expired_data();
SELECT * FROM dashboard_check;
COMMIT;
-- and still the same rows as the call per subject and purpose
(SELECT * FROM compliance.expired_data() EXCEPT ALL SELECT * FROM expiry_per_subject())
UNION ALL
(SELECT * FROM expiry_per_subject() EXCEPT ALL SELECT * FROM compliance.expired_data());

-- Time passes (every date moved back 5 years): retentions and terms run
UPDATE compliance.consent_state SET changed_at = changed_at - interval '5 years',
       given_at = given_at - interval '5 years', valid_until = valid_until - interval '5 years';
UPDATE compliance.subject_grounds SET valid_from = valid_from - interval '5 years',
       ended_at = ended_at - interval '5 years';
UPDATE compliance.blocked_subjects SET blocked_at = blocked_at - interval '5 years';
UPDATE compliance.subject_requests SET completed_at = completed_at - interval '5 years';
UPDATE compliance.purposes SET retired_at = retired_at - interval '5 years' WHERE retired_at IS NOT NULL;
SET compliance.enforce = off;
UPDATE orders SET placed_on = placed_on - interval '5 years';
RESET compliance.enforce;
(SELECT * FROM compliance.expired_data() EXCEPT ALL SELECT * FROM expiry_per_subject())
UNION ALL
(SELECT * FROM expiry_per_subject() EXCEPT ALL SELECT * FROM compliance.expired_data());
-- the daily check counts again before it looks (its warnings are
-- breaches.sql's concern)
SET client_min_messages = error;
SELECT jsonb_path_query_array(compliance.check_deadlines(), '$.overdue[*] ? (@.item == "expired_data").total')
       = jsonb_build_array((SELECT count(*) FROM compliance.expired_data())) AS check_counted;
RESET client_min_messages;
BEGIN;
SELECT same_total, same_next_due FROM dashboard_check;
COMMIT;

-- After a purge in batches the dashboard shows what is left, counted at
-- its end: here the subjects of whom nothing was recorded, and what
-- foreign keys keep
\set VERBOSITY terse
CALL compliance.purge_expired_in_batches(50);
\set VERBOSITY default
BEGIN;
SELECT same_total, same_next_due, same_subjects, same_unrecorded, same_per_table FROM dashboard_check;
SELECT total AS left_after_purge FROM compliance.officer_dashboard WHERE item = 'expired_data';
COMMIT;
(SELECT * FROM compliance.expired_data() EXCEPT ALL SELECT * FROM expiry_per_subject())
UNION ALL
(SELECT * FROM expiry_per_subject() EXCEPT ALL SELECT * FROM compliance.expired_data());

-- A count that started before the one kept (a longer one, in another
-- session) does not replace it
BEGIN;
UPDATE compliance.expired_data_count SET counted_at = now() + interval '1 hour', expired = 12345;
SELECT expired > 0 AS counted FROM compliance.count_expired_data();
SELECT expired, counted_at = now() + interval '1 hour' AS newer_kept FROM compliance.expired_data_count;
ROLLBACK;

-- Who may count and read: officers and analysts; not the application
SET ROLE compliance_analyst;
SELECT expired >= 0 AS counted FROM compliance.count_expired_data();
SELECT item, total IS NOT NULL AS has_total FROM compliance.officer_dashboard WHERE item = 'expired_data';
SELECT count(*) FROM compliance.expired_data_count;
RESET ROLE;
SET ROLE compliance_app;
SELECT compliance.count_expired_data();
SELECT * FROM compliance.expired_data_count;
SELECT * FROM compliance.officer_dashboard;
RESET ROLE;

DROP VIEW dashboard_check;
DROP FUNCTION expiry_per_subject();
DROP TABLE notes, receipts, orders, customers, leads, staff;
DROP EXTENSION compliance CASCADE;
