-- Disclosures to third parties: agreements with authorised persons (Art. 7),
-- transborder transmission (Art. 9), the hash-chained, partitioned
-- disclosure log and the answer to a subject's application (Art. 12).
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
SET timezone = 'UTC';
\set SHOW_CONTEXT never

-- SQLSTATE and message of a statement that fails
CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject');
SELECT compliance.register_purpose('marketing', 'Marketing e-mails');
SELECT compliance.register_purpose('court_orders', 'Court orders', 'justice_enforcement');
SELECT compliance.register_recipient('bank', 'Belarusbank', 'Minsk, Myasnikova St 32', 'BY');
SELECT compliance.register_recipient('mailer', 'Mail Service LLC', 'Minsk, Surganova St 2', 'BY', 'authorised_person');
SELECT compliance.register_recipient('cloud_de', 'Cloud GmbH', 'Berlin, Unter den Linden 1', 'DE', 'authorised_person');
SELECT compliance.register_recipient('crm_us', 'CRM Inc', 'Seattle, 1st Ave 100', 'US');
SELECT compliance.register_recipient('court', 'Minsk City Court', 'Minsk, Surganova St 47', 'BY');

-- Art. 7.1: the agreement with an authorised person
SELECT compliance.set_recipient_agreement('mailer', '{marketing}', '{storage,use}',
    reference => 'Agreement No 12 of 2024-01-15');
SELECT compliance.set_recipient_agreement('cloud_de', '{billing,marketing}', '{storage}', false);
SELECT compliance.set_recipient_agreement('cloud_de', '{billing}', '{use,storage,use}', reference => ' ');
SELECT recipient, purposes, actions, confidentiality, reference
  FROM compliance.recipient_agreements ORDER BY recipient;
SELECT compliance.set_recipient_agreement('bank', '{billing}', '{use}');
SELECT compliance.set_recipient_agreement('nobody', '{billing}', '{use}');
SELECT compliance.set_recipient_agreement('mailer', '{}', '{use}');
SELECT compliance.set_recipient_agreement('mailer', '{marketing}', '{}');
SELECT compliance.set_recipient_agreement('mailer', '{marketing}', '{use}', NULL);

-- Art. 9: no processor set yet, so the processor is taken to be in Belarus
SELECT compliance.check_transfer('bank', NULL) AS bank, compliance.check_transfer('cloud_de', NULL) AS cloud_de;
-- the US is not in adequate_countries: refused without an Art. 9.1 exception
SELECT compliance.check_transfer('crm_us', NULL);
SELECT pg_temp.sqlstate_of($$SELECT compliance.check_transfer('crm_us', NULL)$$);
-- each exception of Art. 9.1
SELECT b AS transfer_basis, compliance.check_transfer('crm_us', b)
  FROM unnest(ARRAY['informed_consent', 'contract_with_subject', 'public_register', 'vital_interests',
                    'international_treaty', 'financial_monitoring']) b;
-- the authority's permission needs the permit's reference
SELECT compliance.check_transfer('crm_us', 'authority_permission');
SELECT pg_temp.sqlstate_of($$SELECT compliance.check_transfer('crm_us', 'authority_permission', ' ')$$);
SELECT compliance.check_transfer('crm_us', 'authority_permission', 'NCPD permit 2024/17');
-- a basis for a domestic or adequate recipient is not needed, but allowed
SELECT compliance.check_transfer('bank', 'informed_consent') AS bank,
       compliance.check_transfer('cloud_de', 'authority_permission') AS cloud_de;
-- bad input
SELECT compliance.check_transfer('crm_us', 'good_reasons');
SELECT compliance.check_transfer('crm_us', 'informed_consent', 'NCPD permit 2024/17');
SELECT compliance.check_transfer('nobody', NULL);
SELECT pg_temp.sqlstate_of($$SELECT compliance.check_transfer('nobody', NULL)$$);
SELECT compliance.check_transfer(NULL, NULL);
-- what is domestic follows the processor's country
SELECT compliance.set_processor('Clinic GmbH', 'Berlin', 'DE');
SELECT compliance.check_transfer('cloud_de', NULL) AS cloud_de, compliance.check_transfer('mailer', 'informed_consent') AS mailer;
SELECT compliance.check_transfer('mailer', NULL);
SELECT compliance.set_processor('Clinic LLC', 'Minsk, Nezavisimosti Ave 1');
-- the list is the authority's: removing a country makes its recipients need a basis
DELETE FROM compliance.adequate_countries WHERE country = 'DE';
SELECT pg_temp.sqlstate_of($$SELECT compliance.check_transfer('cloud_de', NULL)$$);
INSERT INTO compliance.adequate_countries (country, note, is_default) VALUES ('DE', 'Convention 108 party', true);
DELETE FROM compliance.removed_defaults;

-- explicit disclosures: domestic, adequate, exception
SELECT compliance.record_disclosure('42', 'bank', ARRAY['full_name', 'account'], 'billing',
    disclosed_at => '2024-03-10 00:00:00+00');
SELECT compliance.record_disclosure('42', 'cloud_de', ARRAY['email'], 'billing',
    disclosed_at => '2024-06-01 12:00:00+00');
-- informed consent is the subject's to give (Art. 9.1): 42 gave none naming the US
-- (transfers.sql has the consent that does)
SELECT compliance.record_disclosure('42', 'crm_us', ARRAY['email', 'full_name'], 'marketing', 'informed_consent',
    '2024-11-30 23:59:59+00');
SELECT compliance.record_disclosure('42', 'crm_us', ARRAY['phone'], 'marketing', 'authority_permission',
    '2025-01-15 08:00:00+00', permit => 'NCPD permit 2024/17');
-- refused: a non-adequate country without a basis, or without the permit
SELECT compliance.record_disclosure('42', 'crm_us', ARRAY['email'], 'marketing');
SELECT pg_temp.sqlstate_of($$SELECT compliance.record_disclosure('42', 'crm_us', ARRAY['email'], 'marketing')$$);
SELECT compliance.record_disclosure('42', 'crm_us', ARRAY['email'], 'marketing', 'authority_permission');
-- the purpose defaults to the declared one; no declared purpose: none
SET compliance.purpose = 'marketing';
SELECT compliance.record_disclosure('43', 'mailer', ARRAY['email'], disclosed_at => '2025-02-28 10:00:00+00');
RESET compliance.purpose;
SELECT compliance.record_disclosure('43', 'mailer', ARRAY['email'], disclosed_at => '2025-03-01 10:00:00+00');
SELECT id, subject, recipient, country, data_items, purpose, transfer_kind, transfer_basis, permit,
       source, source_table, disclosed_at, recorded_by
  FROM compliance.disclosure_log ORDER BY id;

-- validation
SELECT compliance.record_disclosure('', 'bank', ARRAY['email']);
SELECT compliance.record_disclosure(NULL, 'bank', ARRAY['email']);
SELECT compliance.record_disclosure(repeat('x', 1025), 'bank', ARRAY['email']);
SELECT compliance.record_disclosure('42', 'nobody', ARRAY['email']);
SELECT compliance.record_disclosure('42', NULL, ARRAY['email']);
SELECT compliance.record_disclosure('42', 'bank', NULL);
SELECT compliance.record_disclosure('42', 'bank', '{}');
SELECT compliance.record_disclosure('42', 'bank', ARRAY['email', NULL]);
SELECT compliance.record_disclosure('42', 'bank', ARRAY['email', ' ']);
SELECT compliance.record_disclosure('42', 'bank', ARRAY['email'], 'nope');
SELECT compliance.record_disclosure('42', 'bank', ARRAY['email'], transfer_basis => 'good_reasons');
SELECT compliance.record_disclosure('42', 'bank', ARRAY['email'], disclosed_at => NULL);
SELECT compliance.record_disclosure('42', 'bank', ARRAY['email'], disclosed_at => '2099-01-01 00:00:00+00');
SELECT compliance.record_disclosure('42', 'bank', ARRAY['email'], disclosed_at => 'infinity');
SELECT compliance.record_disclosure('42', 'bank', ARRAY['email'], disclosed_at => '0024-03-10');
SELECT pg_temp.sqlstate_of(s) FROM (VALUES
    ($$SELECT compliance.record_disclosure('', 'bank', ARRAY['email'])$$),
    ($$SELECT compliance.record_disclosure('42', 'nobody', ARRAY['email'])$$),
    ($$SELECT compliance.record_disclosure('42', 'bank', '{}')$$),
    ($$SELECT compliance.record_disclosure('42', 'bank', ARRAY['email'], disclosed_at => now() + interval '1 minute')$$)
) v(s);
-- default time: now; nothing was logged by the failures above
BEGIN;
SELECT compliance.record_disclosure('44', 'bank', ARRAY['email']);
SELECT id, disclosed_at = now() AS at_now FROM compliance.disclosure_log WHERE subject = '44';
COMMIT;
SELECT count(*) FROM compliance.disclosure_log;

-- the batch the capture writer appends: one record of the distinct non-empty subjects,
-- sorted in byte order
SELECT compliance.disclosure_append_batch(ARRAY['7', '8', '7', '', NULL, '9'], 'bank', 'pg_class',
    ARRAY['relname'], 'billing', 'domestic', NULL, '2024-12-31 23:59:59.999999+00');
SELECT compliance.disclosure_append_batch(ARRAY['10'], 'crm_us', 'pg_class',
    NULL, NULL, 'exception', 'contract_with_subject', '2025-01-01 00:00:00+00', recorded_by => 'clerk');
SELECT compliance.disclosure_append_batch(ARRAY[NULL, ''], 'bank', 'pg_class', ARRAY['relname'], NULL, 'domestic', NULL, now());
-- without a kind the batch checks the transfer itself
SELECT compliance.disclosure_append_batch(ARRAY['11'], 'cloud_de', 'pg_class', ARRAY['relname'], NULL, NULL, NULL, '2025-01-01 00:00:00+00');
SELECT compliance.disclosure_append_batch(ARRAY['11'], 'crm_us', 'pg_class', ARRAY['relname'], NULL, NULL, NULL, '2025-01-01 00:00:00+00');
SELECT id, subject, recipient, data_items, purpose, transfer_kind, transfer_basis, source, source_table, disclosed_at, recorded_by
  FROM compliance.disclosure_log WHERE source = 'capture' ORDER BY id, subject;
SELECT id, subjects FROM compliance.disclosure_records WHERE source = 'capture' ORDER BY id;
SELECT compliance.disclosure_subjects(ARRAY['b', 'a', 'b', '', NULL, 'ab', 'A']) AS normalised,
       compliance.disclosure_subjects(ARRAY[NULL, '']) AS nothing,
       compliance.disclosure_subjects('{}') AS empty;
SELECT compliance.disclosure_subjects(ARRAY['1', repeat('x', 1025)]);
-- a subject in the middle of a record is found through the index, whatever
-- the planner would choose for so small a log
SELECT recipient, data_items, disclosed_at FROM compliance.disclosure_history('8', '2025-03-10');
SELECT count(*) AS not_found FROM compliance.disclosure_history('78', '2025-03-10');

-- partitions: one per year (UTC), made as needed
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bounds
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'compliance.disclosure_records'::regclass
   AND c.relname <> 'disclosure_records_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY')
 ORDER BY c.relname;
SELECT tableoid::regclass AS partition, id, disclosed_at
  FROM compliance.disclosure_records WHERE id IN (3, 7, 8) ORDER BY id;
-- a year is a UTC year, whatever the session's time zone
SET timezone = 'Europe/Minsk';
SELECT compliance.ensure_disclosure_partition('2024-01-01 02:59:59+03') AS last_year,
       compliance.ensure_disclosure_partition('2024-01-01 03:00:00+03') AS this_year;
SET timezone = 'UTC';
SELECT compliance.ensure_disclosure_partition('2023-07-15') AS existing;
SELECT compliance.ensure_disclosure_partition('infinity');
-- every partition refuses TRUNCATE, and its rows UPDATE and DELETE (also as a replica)
SELECT c.relname, t.tgname, t.tgenabled
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relname IN ('disclosure_records', 'disclosure_records_2023') ORDER BY 1, 2;
SELECT obj_description('compliance.disclosure_records_2023'::regclass);
-- the subject index: GIN, its pending list merged by autovacuum or on demand
SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index
 WHERE indrelid = 'compliance.disclosure_records_2023'::regclass ORDER BY 1;
SELECT compliance.merge_disclosure_index() >= 0 AS merged;

-- append-only; the view of one row per subject changes nothing
UPDATE compliance.disclosure_records SET subjects = '{43}' WHERE id = 1;
DELETE FROM compliance.disclosure_records WHERE id = 1;
UPDATE compliance.disclosure_log SET subject = '43' WHERE id = 1;
DELETE FROM compliance.disclosure_records_2024;
TRUNCATE compliance.disclosure_records;
TRUNCATE compliance.disclosure_records_2024;
SET session_replication_role = replica;
DELETE FROM compliance.disclosure_records_2024;
RESET session_replication_role;
DROP TABLE compliance.disclosure_records_2024;
SELECT * FROM compliance.verify_ledger();
-- a superuser with protection off can change a row; verify_ledger finds it
SET compliance.ledger_protection = off;
UPDATE compliance.disclosure_records SET data_items = '{full_name}' WHERE id = 2;
SELECT * FROM compliance.verify_ledger();
UPDATE compliance.disclosure_records SET data_items = '{email}' WHERE id = 2;
SELECT * FROM compliance.verify_ledger();
UPDATE compliance.disclosure_records SET disclosed_at = disclosed_at + interval '1 second' WHERE id = 3;
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger() WHERE ledger = 'disclosure';
UPDATE compliance.disclosure_records SET disclosed_at = disclosed_at - interval '1 second' WHERE id = 3;
-- the hash covers every subject of a record: one left out, or one added, is found
UPDATE compliance.disclosure_records SET subjects = '{7,9}' WHERE id = 7;
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger() WHERE ledger = 'disclosure';
UPDATE compliance.disclosure_records SET subjects = '{7,8,9,99}' WHERE id = 7;
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger() WHERE ledger = 'disclosure';
UPDATE compliance.disclosure_records SET subjects = '{7,8,9}' WHERE id = 7;
-- the last row deleted; a year's partition dropped or detached
SELECT max(id) AS last_id FROM compliance.disclosure_records \gset
BEGIN;
DELETE FROM compliance.disclosure_records WHERE id = :last_id;
SELECT ledger, ok, first_bad_id = :last_id AS first_bad_is_last FROM compliance.verify_ledger() WHERE ledger = 'disclosure';
ROLLBACK;
BEGIN;
DROP TABLE compliance.disclosure_records_2024;
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger() WHERE ledger = 'disclosure';
ROLLBACK;
RESET compliance.ledger_protection;
BEGIN;
ALTER TABLE compliance.disclosure_records DETACH PARTITION compliance.disclosure_records_2024;
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger() WHERE ledger = 'disclosure';
ROLLBACK;
SELECT * FROM compliance.verify_ledger();

-- Art. 12.2: the year preceding the application date, midnight to midnight
-- in the session's time zone; the application day itself is not included
SELECT * FROM compliance.disclosure_window('2025-03-10');
SELECT * FROM compliance.disclosure_window('2024-02-29');
SELECT compliance.record_disclosure('50', 'bank', ARRAY['a_year_and_a_moment_before'], disclosed_at => '2024-03-09 23:59:59.999999+00');
SELECT compliance.record_disclosure('50', 'bank', ARRAY['exactly_a_year_before'], disclosed_at => '2024-03-10 00:00:00+00');
SELECT compliance.record_disclosure('50', 'cloud_de', ARRAY['the_evening_before'], disclosed_at => '2025-03-09 23:59:59.999999+00');
SELECT compliance.record_disclosure('50', 'bank', ARRAY['on_the_application_day'], disclosed_at => '2025-03-10 00:00:00+00');
SELECT compliance.record_disclosure('51', 'bank', ARRAY['another_subject'], disclosed_at => '2024-09-01 00:00:00+00');
SELECT * FROM compliance.disclosure_history('50', '2025-03-10');
SELECT data_items FROM compliance.disclosure_history('50', '2025-03-11');
-- in Minsk (UTC+3) midnight comes three hours earlier
SET timezone = 'Europe/Minsk';
SELECT data_items, disclosed_at FROM compliance.disclosure_history('50', '2025-03-10');
SET timezone = 'UTC';
SELECT count(*) FROM compliance.disclosure_history('50', '2024-03-10');
SELECT * FROM compliance.disclosure_history('42', '2025-03-10');
SELECT * FROM compliance.disclosure_history('nobody', '2025-03-10');
SELECT * FROM compliance.disclosure_history('', '2025-03-10');
SELECT * FROM compliance.disclosure_history('42', NULL);

-- Art. 12.3: disclosures under exempt purposes are left out, with a note
SELECT compliance.set_purpose_exemption('court_orders', false, true, 'Art. 12.3 of Law 99-Z: administration of justice');
SELECT compliance.record_disclosure('42', 'court', ARRAY['full_name', 'address'], 'court_orders',
    disclosed_at => '2024-12-01 09:00:00+00');
SELECT compliance.record_disclosure('42', 'court', ARRAY['phone'], 'court_orders',
    disclosed_at => '2024-12-02 09:00:00+00');
SELECT recipient, data_items, purpose, disclosed_at FROM compliance.disclosure_history('42', '2025-03-10');
SELECT compliance.disclosure_history_report('42', '2025-03-10') AS report \gset
SELECT jsonb_pretty((:'report')::jsonb - 'disclosures');
SELECT d ->> 'recipient' AS recipient, d ->> 'recipient_name' AS recipient_name, d ->> 'country' AS country,
       d -> 'data_items' AS data_items, d ->> 'purpose' AS purpose, d ->> 'disclosed_at' AS disclosed_at
  FROM jsonb_array_elements((:'report')::jsonb -> 'disclosures') d;
SELECT jsonb_pretty(compliance.disclosure_history_report('50', '2025-03-10') - 'disclosures');
-- the answer to the application as a letter, stored with the application
SELECT compliance.file_request('42', 'third_party_info', '2025-03-10 10:00+03') AS art12 \gset
SELECT compliance.answer_request(:art12, 'ru');
SELECT outcome, answer_digest = encode(sha256(convert_to(answer, 'UTF8')), 'hex') AS digest_matches
  FROM compliance.requests JOIN compliance.request_answers USING (id, answer_digest) WHERE id = :art12;
SELECT compliance.disclosure_answer('50', '2025-03-10', 'en', 'text');
SELECT compliance.disclosure_answer('nobody', '2025-03-10', 'en', 'html') ~ 'were not provided' AS none_provided;
SELECT compliance.set_purpose_exemption('court_orders', false, false);
SELECT count(*) FROM compliance.disclosure_history('42', '2025-03-10');

-- dashboards
SELECT * FROM compliance.disclosures_per_recipient_month
 WHERE month < date_trunc('month', now())::date ORDER BY recipient, month;
SELECT * FROM compliance.cross_border_transfers ORDER BY month, country, transfer_basis;
SELECT * FROM compliance.top_data_items
 WHERE data_item IN ('email', 'full_name', 'relname', 'phone', 'address');

-- privileges
CREATE ROLE disclosure_app NOLOGIN IN ROLE compliance_app;
CREATE ROLE disclosure_analyst NOLOGIN IN ROLE compliance_analyst;
CREATE ROLE disclosure_officer NOLOGIN IN ROLE compliance_officer;
CREATE ROLE disclosure_admin NOLOGIN IN ROLE compliance_admin;
SET ROLE disclosure_app;
SELECT compliance.record_disclosure('60', 'bank', ARRAY['email'], 'billing', disclosed_at => '2025-01-20 10:00:00+00');
SELECT compliance.check_transfer('crm_us', 'informed_consent');
SELECT count(*) FROM compliance.disclosure_log;
SELECT count(*) FROM compliance.disclosures_per_recipient_month;
SELECT * FROM compliance.disclosure_history('60');
SELECT compliance.disclosure_append('60', 'person', 'bank', ARRAY['email'], 'billing', 'domestic', NULL, NULL, 'explicit', now());
SELECT compliance.disclosure_append_batch(ARRAY['60'], 'bank', NULL, ARRAY['email'], NULL, 'domestic', NULL, now());
SELECT compliance.ensure_disclosure_partition('2030-01-01');
INSERT INTO compliance.disclosure_records (id) VALUES (1000);
SELECT compliance.merge_disclosure_index();
SELECT compliance.set_recipient_agreement('mailer', '{marketing}', '{use}');
SELECT count(*) FROM compliance.recipient_agreements;
RESET ROLE;
SET ROLE disclosure_analyst;
SELECT count(*) FROM compliance.disclosure_log;
SELECT count(*) > 0 AS readable FROM compliance.disclosures_per_recipient_month;
SELECT count(*) > 0 AS readable FROM compliance.cross_border_transfers;
SELECT count(*) > 0 AS readable FROM compliance.top_data_items;
SELECT ledger, ok FROM compliance.verify_ledger();
SELECT count(*) FROM compliance.disclosure_records;
INSERT INTO compliance.disclosure_records (id) VALUES (1000);
UPDATE compliance.disclosure_records SET subjects = '{x}';
DELETE FROM compliance.disclosure_records;
SELECT compliance.record_disclosure('60', 'bank', ARRAY['email']);
SELECT * FROM compliance.disclosure_history('60');
RESET ROLE;
SET ROLE disclosure_officer;
SELECT recipient, data_items, disclosed_at FROM compliance.disclosure_history('60', '2025-03-10');
SELECT count(*) FROM compliance.disclosure_log;
SELECT compliance.record_disclosure('60', 'bank', ARRAY['email']);
RESET ROLE;
SET ROLE disclosure_admin;
SELECT compliance.set_recipient_agreement('mailer', '{marketing}', '{use}', reference => 'Agreement No 12, amendment 1');
SELECT compliance.ensure_disclosure_partition('2030-01-01');
SELECT compliance.merge_disclosure_index() >= 0 AS merged;
SELECT count(*) FROM compliance.disclosure_log;
RESET ROLE;
SELECT * FROM compliance.verify_ledger();
-- who may read and write what
SELECT c.relname, r.rolname,
       has_table_privilege(r.rolname, c.oid, 'SELECT') AS "select",
       has_table_privilege(r.rolname, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS write
  FROM pg_class c
 CROSS JOIN (VALUES ('compliance_admin'), ('compliance_officer'), ('compliance_analyst'), ('compliance_app'), ('public')) r(rolname)
 WHERE c.oid IN ('compliance.disclosure_records'::regclass, 'compliance.disclosure_log'::regclass,
                 'compliance.disclosures_per_recipient_month'::regclass,
                 'compliance.cross_border_transfers'::regclass, 'compliance.top_data_items'::regclass,
                 'compliance.recipient_agreements'::regclass)
 ORDER BY c.relname, r.rolname;

-- every object of this part is documented
SELECT p.oid::regprocedure::text AS undocumented
  FROM pg_proc p
 WHERE p.pronamespace = 'compliance'::regnamespace
   AND p.proname IN ('set_recipient_agreement', 'check_transfer', 'disclosure_record_fields',
                     'ensure_disclosure_partition', 'disclosure_log_drop_guard', 'disclosure_append_rows',
                     'disclosure_subjects', 'merge_disclosure_index', 'disclosure_append', 'disclosure_append_batch', 'record_disclosure',
                     'disclosure_exempt_purposes', 'disclosure_window', 'disclosure_history_rows',
                     'disclosure_history', 'disclosure_history_report')
   AND obj_description(p.oid, 'pg_proc') IS NULL
UNION ALL
SELECT c.oid::regclass::text
  FROM pg_class c
 WHERE c.relnamespace = 'compliance'::regnamespace AND c.relkind IN ('r', 'p', 'v')
   AND (c.relname LIKE 'disclosure%' OR c.relname IN ('recipient_agreements', 'cross_border_transfers', 'top_data_items'))
   AND obj_description(c.oid, 'pg_class') IS NULL;

-- without an application date: the year up to now, today included
SELECT compliance.record_disclosure('52', 'bank', ARRAY['made_today']) > 0 AS recorded;
SELECT data_items FROM compliance.disclosure_history('52');
SELECT count(*) AS yesterday_s_year FROM compliance.disclosure_history('52', current_date - 1);
DROP ROLE disclosure_app, disclosure_analyst, disclosure_officer, disclosure_admin;
SET client_min_messages = warning;
DROP EXTENSION compliance CASCADE;
RESET client_min_messages;
SELECT count(*) AS left_behind FROM pg_class WHERE relname LIKE 'disclosure_log%' OR relname LIKE 'disclosure_records%';
