-- The registry validates everything it records.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never

-- processor (Art. 5.5, 11.1)
SELECT compliance.set_processor('Clinic LLC', 'Minsk, Nezavisimosti Ave 1');
SELECT name, location, country FROM compliance.processor;
SELECT compliance.set_processor('Clinic LLC', 'Minsk, Pobediteley Ave 5', 'BY');
SELECT name, location, country FROM compliance.processor;
SELECT compliance.set_processor('Clinic LLC', 'Minsk', 'XX');
SELECT compliance.set_processor('Clinic LLC', 'Minsk', 'by');
SELECT compliance.set_processor('', 'Minsk');
SELECT compliance.set_processor(NULL, NULL);

-- purposes (Art. 4.4, 4.5, 4.8)
SELECT compliance.register_purpose('marketing', 'Marketing e-mails',
    retention => interval '1 year', data_items => ARRAY['email', 'name', 'email'],
    actions => ARRAY['collection', 'use', 'use']::compliance.processing_action[]);
SELECT compliance.register_purpose('treatment', 'Medical treatment', 'medical_assistance');
SELECT code, title, legal_basis, retention, data_items, actions FROM compliance.purposes ORDER BY id;
SELECT compliance.register_purpose('marketing', 'Again');
SELECT compliance.register_purpose('Bad Code', 'Bad');
SELECT compliance.register_purpose('x', '');
SELECT compliance.register_purpose('x', 'X', NULL);
SELECT compliance.register_purpose('x', 'X', 'not_a_basis');
-- PostgreSQL rejects a wrong label before the function runs; the hint
-- lists the valid ones, also for an ARRAY['...'] of labels (a text[])
SELECT compliance.register_purpose('x', 'X', 'contract');
SELECT compliance.register_purpose('x', 'X', actions => ARRAY['read']);
SELECT compliance.register_purpose('x', 'X', actions => '{read}');
-- a subject key is text: a number gets a hint, not an overload
SELECT compliance.give_consent(42, '{marketing}', 'checkbox');
SELECT compliance.may_process(42::bigint);
-- another schema's enum of the same name gets no hint of ours
CREATE SCHEMA mycompliance;
CREATE TYPE mycompliance.legal_basis AS ENUM ('a');
SELECT 'b'::mycompliance.legal_basis;
DROP SCHEMA mycompliance CASCADE;
SELECT compliance.register_purpose('x', 'X', retention => interval '-1 day');
SELECT compliance.register_purpose('x', 'X', data_items => ARRAY['a', NULL]);
SELECT compliance.register_purpose('x', 'X', data_items => ARRAY[]::text[]);
SELECT compliance.register_purpose('x', 'X', actions => ARRAY[NULL]::compliance.processing_action[]);
SELECT count(*) AS purposes FROM compliance.purposes;

-- legal bases: labels in the contract's order, Art. 8.2 flags
SELECT string_agg(basis::text, ',' ORDER BY basis) FROM compliance.legal_bases;
SELECT string_agg(basis::text, ',' ORDER BY basis) AS without_special
  FROM compliance.legal_bases WHERE NOT allows_special;
SELECT basis, article FROM compliance.legal_bases WHERE basis IN ('consent', 'labour_relations', 'medical_assistance') ORDER BY basis;

-- recipients (Art. 7, 9)
SELECT compliance.register_recipient('credit_bureau', 'Credit Bureau JSC', 'Minsk', 'BY');
SELECT compliance.register_recipient('cloud_eu', 'Cloud GmbH', 'Berlin', 'DE', 'authorised_person');
SELECT code, name, country, kind FROM compliance.recipients ORDER BY code;
SELECT compliance.register_recipient('credit_bureau', 'Again', 'Minsk', 'BY');
SELECT compliance.register_recipient('lab', 'Lab', 'Nowhere', 'ZZ');
SELECT compliance.register_recipient('lab', 'Lab', 'Minsk', 'BY', 'friend');
SELECT compliance.register_recipient('lab', NULL, 'Minsk', 'BY');

-- protection: tables, subject column, categories (Art. 1, 8)
CREATE TABLE patients (id bigint PRIMARY KEY, name text, diagnosis text, photo bytea);
CREATE VIEW patient_names AS SELECT id, name FROM patients;
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health", "photo": "biometric"}');
SELECT relid, subject_column FROM compliance.protected_tables;
SELECT relid, column_name, category FROM compliance.protected_columns ORDER BY column_name;
SELECT compliance.protect('patients', 'id');
SELECT compliance.protect('no_such_table', 'id');
SELECT compliance.protect('patient_names', 'id');
SELECT compliance.protect('compliance.purposes', 'id');
CREATE TABLE visits (patient_id bigint, notes text);
SELECT compliance.protect('visits', 'patient');
SELECT compliance.protect('visits', 'patient_id', '{"nonexistent": "health"}');
SELECT compliance.protect('visits', 'patient_id', '{"notes": "gossip"}');
SELECT compliance.protect('visits', 'patient_id', '{"notes": 7}');
SELECT compliance.protect('visits', 'patient_id', '["notes"]');
SELECT count(*) AS protected FROM compliance.protected_tables;

-- data items that name no column the purpose may touch: listed, and a
-- WARNING once tables are protected (a typo allows nothing)
SELECT purpose, data_item FROM compliance.unmatched_data_items;
SELECT compliance.register_purpose('reception', 'Reception',
    data_items => ARRAY['name', 'nmae', 'diagnosis', 'patients.diagnosis', 'visits.notes', 'public.patients.photo']);
SELECT compliance.register_purpose('x', 'X', data_items => ARRAY['a.b.c.d', 'patients.', '.name', 'ok']);
SELECT purpose, data_item FROM compliance.unmatched_data_items;

-- DDL keeps the registry consistent
DROP VIEW patient_names;
ALTER TABLE patients DROP COLUMN id;
ALTER TABLE patients DROP COLUMN photo;
SELECT column_name FROM compliance.protected_columns;
SELECT compliance.unprotect('patients');
SELECT compliance.unprotect('patients');
SELECT compliance.protect('visits', 'patient_id', '{"notes": "health"}');
DROP TABLE visits;
SELECT count(*) AS protected FROM compliance.protected_tables;

-- Only an administrator who owns the table (or a superuser) may remove its
-- protection: neither the owner nor an administrator alone; every change
-- is recorded.  The owner adds partitions without a superuser.
CREATE ROLE reg_owner;
CREATE ROLE reg_admin IN ROLE compliance_admin;
GRANT CREATE ON SCHEMA public TO reg_owner;
SET ROLE reg_owner;
CREATE TABLE lab (id int, patient int, at date) PARTITION BY RANGE (at);
RESET ROLE;
SET ROLE reg_admin;
SELECT compliance.protect('lab', 'patient');
SELECT compliance.unprotect('lab');
RESET ROLE;
SET ROLE reg_owner;
CREATE TABLE lab_2027 PARTITION OF lab FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE TABLE lab_2028 (id int, patient int, at date);
ALTER TABLE lab ATTACH PARTITION lab_2028 FOR VALUES FROM ('2028-01-01') TO ('2029-01-01');
RESET ROLE;
SELECT c.relname, c.relforcerowsecurity,
       EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'compliance_enforce_write') AS write_trigger
  FROM pg_class c WHERE c.relname LIKE 'lab%' AND c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1;
SET ROLE reg_owner;
SELECT count(*) FROM lab;
SELECT compliance.unprotect('lab');
RESET ROLE;
GRANT compliance_admin TO reg_owner;
SET ROLE reg_owner;
SELECT compliance.unprotect('lab');
RESET ROLE;
SELECT table_name, action, subject_column, subject_kind FROM compliance.protection_changes
 WHERE table_name = 'public.lab' ORDER BY id;
DROP TABLE lab;
DROP ROLE reg_admin;
REVOKE CREATE ON SCHEMA public FROM reg_owner;
DROP ROLE reg_owner;

-- adequate countries (Art. 9.2) and holidays: admins edit, shipped rows are marked
SELECT count(*) > 40 AS has_default_list, bool_and(is_default) FROM compliance.adequate_countries;
SELECT country FROM compliance.adequate_countries WHERE country IN ('DE', 'RU', 'KZ', 'US', 'BY') ORDER BY 1;
INSERT INTO compliance.adequate_countries (country, note) VALUES ('JP', 'added by the admin');
INSERT INTO compliance.adequate_countries (country) VALUES ('XX');
DELETE FROM compliance.adequate_countries WHERE country = 'TR';
SELECT tbl, key FROM compliance.removed_defaults;
-- restoring a dump replays the deletion after CREATE EXTENSION re-created the row
DELETE FROM compliance.removed_defaults;
INSERT INTO compliance.adequate_countries (country, is_default) VALUES ('TR', true);
INSERT INTO compliance.removed_defaults VALUES ('adequate_countries', 'TR');
SELECT count(*) AS tr_rows FROM compliance.adequate_countries WHERE country = 'TR';
INSERT INTO compliance.holidays (day, name, is_default) VALUES ('2099-06-15', 'Test day', true);
DELETE FROM compliance.holidays WHERE day = '2099-06-15';
SELECT tbl, key FROM compliance.removed_defaults ORDER BY 1;
-- what pg_dump keeps: the admin's rows and the deleted shipped ones
SELECT x.tbl::regclass, x.cond
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(tbl, cond)
 WHERE e.extname = 'compliance' AND x.cond <> '' ORDER BY x.tbl::regclass::text;

-- Correcting the registry: alter_purpose keeps the replaced version, with
-- who changed it and why; retire_purpose ends a purpose
CREATE TABLE subscribers (id int PRIMARY KEY, email text, city text);
INSERT INTO subscribers VALUES (1, 'a@example.by', 'Minsk'), (2, 'b@example.by', 'Brest');
SELECT compliance.protect('subscribers', 'id');
SELECT compliance.register_purpose('newsletter', 'Newsletr', data_items => ARRAY['email']);
-- before anyone consented, the data items may grow
SELECT compliance.alter_purpose('newsletter', data_items => ARRAY['email', 'city'], reason => 'regional issues') AS version;
SELECT compliance.subject(compliance.give_consent('1', '{newsletter}', 'checkbox')) AS consented;
SELECT compliance.alter_purpose('newsletter', title => 'Newsletter',
                                retention => interval '30 days', reason => 'title misspelt; kept a month after withdrawal') AS version;
-- once consents are given: the basis stays, the data items only narrow,
-- and nothing makes the purpose touch every column
SELECT compliance.alter_purpose('newsletter', legal_basis => 'contract_with_subject', basis_scope => 'all_subjects', reason => 'x');
SELECT compliance.alter_purpose('newsletter', requires_identity => true, reason => 'x');
SELECT compliance.alter_purpose('newsletter', data_items => ARRAY['email', 'city', 'name'], reason => 'x');
SELECT compliance.alter_purpose('newsletter', clear => ARRAY['data_items'], reason => 'x');
SELECT code, title, data_items, retention, version, changed_by = session_user AS by_me FROM compliance.purposes WHERE code = 'newsletter';
SELECT purpose, version, title, data_items, retention, valid_to IS NULL AS current, change_reason
  FROM compliance.purpose_versions WHERE purpose = 'newsletter' ORDER BY version;
-- the receipt given before the change was given under version 1
SELECT v.version, v.title FROM compliance.consents_of('1') c
  JOIN compliance.purpose_versions v ON v.purpose = 'newsletter'
       AND compliance.given_at(c) >= v.valid_from AND (v.valid_to IS NULL OR compliance.given_at(c) < v.valid_to);
-- enforcement follows at once
SET compliance.purpose = 'newsletter';
SELECT id, email, city FROM subscribers;
RESET compliance.purpose;
SELECT compliance.alter_purpose('newsletter', clear => ARRAY['retention'], data_items => ARRAY['email'],
                                reason => 'no retention after withdrawal; the city is no longer used') AS version;
SELECT retention, data_items FROM compliance.purposes WHERE code = 'newsletter';
SELECT compliance.alter_purpose('newsletter', title => 'Newsletter', reason => 'same');
SELECT compliance.alter_purpose('newsletter', title => 'Newsletter 2');
SELECT compliance.alter_purpose('newsletter', clear => ARRAY['title'], reason => 'x');
SELECT compliance.alter_purpose('newsletter', retention => interval '-1 day', reason => 'x');
SELECT compliance.alter_purpose('newsletter', legal_basis => 'consent', basis_scope => 'all_subjects', reason => 'x');
SELECT compliance.alter_purpose('nonexistent', title => 'x', reason => 'x');
SELECT compliance.alter_purpose(NULL, title => 'x', reason => 'x');
-- retiring: nothing may be processed, consented to or granted for it, and
-- the basis ends now (retention runs from here)
SELECT compliance.retire_purpose('newsletter', 'newsletter discontinued');
SET compliance.purpose = 'newsletter';
SELECT id FROM subscribers;
RESET compliance.purpose;
SELECT compliance.may_process('1', 'newsletter') AS may_process_retired;
SELECT compliance.register_recipient('mailer', 'Mailer LLC', 'Minsk', 'BY', 'authorised_person');
SELECT compliance.set_recipient_agreement('mailer', '{newsletter}', ARRAY['storage']::compliance.processing_action[]);
SELECT compliance.record_disclosure('1', 'mailer', ARRAY['email'], 'newsletter');
SELECT compliance.record_disclosure('1', 'mailer', ARRAY['email'], 'newsletter', disclosed_at => now() - interval '1 day') IS NOT NULL AS before_retirement;
SELECT compliance.give_consent('2', '{newsletter}', 'checkbox');
SELECT compliance.consent_notice('{newsletter}');
CREATE ROLE registry_reader;
SELECT compliance.grant_purpose('newsletter', 'registry_reader');
DROP ROLE registry_reader;
SELECT compliance.basis_end('1', 'person', compliance.purpose_id('newsletter')) <= now() AS basis_ended;
SELECT compliance.alter_purpose('newsletter', title => 'x', reason => 'x');
SELECT compliance.retire_purpose('newsletter', 'again');
SELECT compliance.retire_purpose('newsletter', NULL);
SELECT code, retired_reason, retired_at IS NOT NULL AS retired FROM compliance.purposes WHERE code = 'newsletter';
SELECT count(*) AS in_policy FROM regexp_matches(compliance.policy_document('en'), 'Newsletter', 'g');
-- only compliance_admin corrects the registry
SET ROLE compliance_officer;
SELECT compliance.alter_purpose('marketing', title => 'x', reason => 'x');
SELECT compliance.retire_purpose('marketing', 'x');
RESET ROLE;
SELECT compliance.unprotect('subscribers');
DROP TABLE subscribers;

-- every object is documented
SELECT p.oid::regprocedure FROM pg_proc p
 WHERE p.pronamespace = 'compliance'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT c.oid::regclass FROM pg_class c
 WHERE c.relnamespace = 'compliance'::regnamespace AND c.relkind IN ('r', 'v', 'p')
   AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT t.oid::regtype FROM pg_type t
 WHERE t.typnamespace = 'compliance'::regnamespace AND t.typtype IN ('b', 'e', 'd') AND t.typcategory <> 'A'
   AND obj_description(t.oid, 'pg_type') IS NULL;
SELECT o.oid::regoperator FROM pg_operator o JOIN pg_depend d ON d.objid = o.oid AND d.classid = 'pg_operator'::regclass
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'compliance')
   AND obj_description(o.oid, 'pg_operator') IS NULL;

DROP TABLE patients;
DROP EXTENSION compliance CASCADE;
