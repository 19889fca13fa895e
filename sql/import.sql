-- Bulk import of consents (compliance.import_consents): paper consents and
-- consents from another system keep their given_at, evidence and notice
-- digests, are checked as give_consent() checks a call (at their given_at),
-- chained in one pass, and refused whole with an error naming the row.
-- Run as the roles the README tells users to create: an administrator, an
-- application and an officer, members of the extension's roles.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
SET timezone = 'UTC';
\set SHOW_CONTEXT never
CREATE ROLE imp_admin NOLOGIN IN ROLE compliance_admin;
CREATE ROLE imp_app NOLOGIN IN ROLE compliance_app;
CREATE ROLE imp_officer NOLOGIN IN ROLE compliance_officer;
CREATE SCHEMA imp AUTHORIZATION imp_app;
GRANT USAGE ON SCHEMA imp TO imp_admin, imp_officer;
CREATE TABLE imp.patients (id integer PRIMARY KEY, name text);
GRANT ALL ON imp.patients TO imp_admin;

SET ROLE imp_admin;
SELECT compliance.set_processor('Clinic LLC', 'Minsk, Nezavisimosti Ave 1');
SELECT compliance.register_purpose('marketing', 'Marketing e-mails', retention => interval '6 months');
SELECT compliance.register_purpose('newsletter', 'Monthly newsletter');
SELECT compliance.register_purpose('loyalty', 'Loyalty card', requires_identity => true);
SELECT compliance.register_purpose('treatment', 'Medical treatment', 'medical_assistance');
SELECT compliance.register_purpose('contest', 'Prize contest');
SELECT compliance.retire_purpose('contest', 'The contest ended');
SELECT compliance.register_subject_kind('patient', 'Patient');
SELECT compliance.protect('imp.patients', 'id', subject_kind => 'patient');
RESET ROLE;

------------------------------------------------------------------------
-- 1. An import of paper consents: the columns of the contract, kept as given
SET ROLE imp_app;
CREATE TABLE imp.paper (
    subject text, purposes text, form text, given_at timestamptz,
    valid_until timestamptz, evidence jsonb, indicated_by text,
    representative jsonb, identity jsonb, subject_kind text);
INSERT INTO imp.paper VALUES
    ('1', '{marketing}', 'written', '2022-03-01 10:00', NULL, '{"archive": "box 1, sheet 7"}', NULL, NULL, NULL, 'person'),
    ('2', '{marketing,newsletter}', 'written', '2021-06-15 09:30', NULL, NULL, 'subject', NULL, NULL, 'person'),
    -- an expired consent is history: imported, and not in force
    ('3', '{newsletter}', 'written', '2021-01-10', '2022-01-10', NULL, NULL, NULL, NULL, 'person'),
    -- a minor at given_at, through a legal representative (Art. 5.9)
    ('4', '{newsletter}', 'written', '2020-05-05', NULL, NULL, 'legal_representative',
     '{"surname": "Petrova", "first_name": "Anna", "document": "MP1234567"}', '{"birth_date": "2008-01-01"}', 'person'),
    -- a purpose requiring identity (Art. 5.6)
    ('5', '{loyalty}', 'written', '2023-02-01', NULL, NULL, NULL, NULL,
     '{"surname": "Ivanov", "first_name": "Ivan", "birth_date": "1980-04-04", "id_number": "3040480A001PB1"}', 'person'),
    -- a subject of another kind; '042' is patient 42 as the integer column holds it
    ('042', '{newsletter}', 'electronic_document', '2023-07-01', NULL, NULL, NULL, NULL, NULL, 'patient'),
    -- the same subject later again: a renewal
    ('1', '{marketing}', 'written', '2024-03-01 10:00', NULL, NULL, NULL, NULL, NULL, 'person');
SELECT compliance.import_consents('imp.paper') AS imported;
RESET ROLE;

SET ROLE imp_officer;
-- the ledger in the order of given_at, each receipt with its real date
SELECT l.id, l.event, l.subject, l.subject_kind, l.purposes, compliance.given_at(l.receipt) AS given_at,
       compliance.valid_until(l.receipt) AS valid_until, compliance.form(l.receipt) AS form,
       compliance.indicated_by(l.receipt) AS indicated_by, compliance.consent_id(l.receipt) = l.id AS id_ok,
       l.recorded_by
  FROM compliance.consent_ledger l ORDER BY l.id;
-- digests: of the evidence, and of the notice generated now in Russian
-- (no notice column), as give_consent's receipts
SELECT l.subject,
       (SELECT c.matches FROM compliance.confirm_consent_evidence(l.id, evidence => '{"archive": "box 1, sheet 7"}') c
         WHERE c.item = 'evidence') AS evidence_ok,
       compliance.notice_digest(l.receipt)
         = sha256(convert_to(compliance.consent_notice(l.purposes, 'ru', compliance.valid_until(l.receipt)), 'UTF8')) AS notice_ok,
       compliance.notice_lang(l.receipt) AS lang
  FROM compliance.consent_ledger l WHERE compliance.given_at(l.receipt) = '2022-03-01 10:00' OR l.subject = '3';
-- the representative and the identity are sealed in the receipt and kept
-- apart until erasure, as give_consent keeps them
SELECT compliance.is_sealed(compliance.representative(l.receipt)) AS representative_sealed,
       compliance.is_sealed(compliance.identity(l.receipt)) AS identity_sealed,
       e.representative, e.identity
  FROM compliance.consent_ledger l LEFT JOIN compliance.consent_evidence e ON e.ledger_id = l.id
 WHERE l.subject IN ('4', '5') ORDER BY l.subject;
SELECT l.subject, c.item, c.matches
  FROM compliance.consent_ledger l
  JOIN compliance.consent_evidence e ON e.ledger_id = l.id
 CROSS JOIN LATERAL compliance.confirm_consent_evidence(l.id, identity => e.identity, representative => e.representative) c
 WHERE l.subject IN ('4', '5') AND c.item <> 'evidence' ORDER BY l.subject, c.item;
SELECT s.subject, s.subject_kind, s.purpose, s.status, s.given_at, s.valid_until, s.ledger_id, s.changed_at
  FROM compliance.consent_state s ORDER BY s.subject, s.purpose;
SELECT compliance.consent_status('1', 'marketing') AS s1, compliance.consent_status('3', 'newsletter') AS s3_expired,
       compliance.consent_status('42', 'newsletter', subject_kind => 'patient') AS patient_42;
SELECT ledger, rows, ok, first_bad_id FROM compliance.verify_ledger();
RESET ROLE;

------------------------------------------------------------------------
-- 2. An imported receipt is the receipt give_consent() makes (all but id
-- and given_at: compare with the give_consent receipt's own given_at)
SET ROLE imp_app;
SELECT compliance.give_consent('7', '{newsletter}', 'checkbox', evidence => '{"page": "/signup"}',
                               notice_lang => 'en')::jsonb AS r \gset given_
CREATE TABLE imp.same (subject text, purposes text[], form text, given_at timestamptz, evidence jsonb, notice_lang text);
INSERT INTO imp.same
SELECT '8', '{newsletter}', 'checkbox', ((:'given_r')::jsonb ->> 'given_at')::timestamptz, '{"page": "/signup"}', 'en';
SELECT compliance.import_consents('imp.same', notice_lang => 'ru') AS imported;
-- (the evidence digest is salted per receipt: the officer confirms it)
SELECT (r - 'id' - 'subject' - 'evidence_digest') = ((:'given_r')::jsonb - 'id' - 'subject' - 'evidence_digest') AS same_receipt
  FROM (SELECT l.receipt::jsonb AS r FROM compliance.consents_of('8') l(receipt)) x;
RESET ROLE;

------------------------------------------------------------------------
-- 3. The notice a paper form showed: its text or its digest
SET ROLE imp_app;
CREATE TABLE imp.forms (subject text, purposes text, form text, given_at timestamptz, notice text, notice_digest bytea);
INSERT INTO imp.forms VALUES
    ('20', '{newsletter}', 'written', '2019-09-01', 'Согласие на рассылку (бланк 2019 г.)', NULL),
    ('21', '{newsletter}', 'written', '2019-09-02', NULL, sha256('scanned form 2019'::bytea));
SELECT compliance.import_consents('imp.forms') AS imported;
SELECT subject,
       compliance.notice_digest(r) = sha256(convert_to('Согласие на рассылку (бланк 2019 г.)', 'UTF8')) AS text_digest,
       compliance.notice_digest(r) = sha256('scanned form 2019'::bytea) AS given_digest
  FROM (SELECT '20' AS subject, compliance.consents_of('20') AS r
        UNION ALL SELECT '21', compliance.consents_of('21')) x ORDER BY subject;
RESET ROLE;

------------------------------------------------------------------------
-- 4. History: an older paper consent never replaces a later consent,
-- withdrawal or refusal; a newer one does
SET ROLE imp_app;
SELECT compliance.purposes(compliance.give_consent('30', '{marketing}', 'checkbox'));   -- in force now
SELECT compliance.purposes(compliance.give_consent('31', '{marketing}', 'checkbox'));
SELECT compliance.withdraw_consent('31') AS withdrawn;                                  -- withdrawn now
SELECT compliance.refuse_consent('32', '{marketing}') AS refused;                       -- refused now
CREATE TABLE imp.history (subject text, purposes text, form text, given_at timestamptz);
INSERT INTO imp.history VALUES
    ('30', '{marketing}', 'written', '2020-01-01'),
    ('31', '{marketing}', 'written', '2020-01-01'),
    ('32', '{marketing}', 'written', '2020-01-01'),
    ('2', '{newsletter}', 'written', '2025-01-01');    -- later than subject 2's imported consent: a renewal
SELECT compliance.import_consents('imp.history') AS imported;
RESET ROLE;
SET ROLE imp_officer;
SELECT s.subject, s.purpose, s.status,
       CASE WHEN s.given_at > now() - interval '1 hour' THEN 'now' ELSE s.given_at::text END AS given_at
  FROM compliance.consent_state s WHERE s.subject IN ('2', '30', '31', '32') ORDER BY 1, 2;
SELECT l.subject, l.event,
       CASE WHEN compliance.given_at(l.receipt) > now() - interval '1 hour' THEN 'now'
            ELSE compliance.given_at(l.receipt)::text END AS given_at
  FROM compliance.consent_ledger l WHERE l.subject IN ('2', '30', '31', '32') AND l.receipt IS NOT NULL
 ORDER BY l.subject, l.id;
-- the overview shows the consent in force, not the older paper
SELECT purpose, status, form FROM compliance.consent_overview('30');
RESET ROLE;
SET ROLE imp_app;
-- a withdrawal after the import ends the imported consent
SELECT compliance.withdraw_consent('2', '{newsletter}') AS withdrawn;
SELECT compliance.consent_status('2', 'newsletter') AS s2;
RESET ROLE;

------------------------------------------------------------------------
-- 5. Refused whole, with an error naming the row
SET ROLE imp_app;
CREATE TABLE imp.bad (subject text, purposes text, form text, given_at timestamptz, identity jsonb,
                      indicated_by text, valid_until timestamptz, evidence jsonb, transfer_countries text[]);
CREATE FUNCTION imp.try_import() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_count bigint;
BEGIN
    v_count := compliance.import_consents('imp.bad');
    RETURN 'imported ' || v_count;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
SELECT count(*) AS ledger_before FROM compliance.consents_of('100');
-- row 3 needs a legal representative at its given_at (15 years old then)
INSERT INTO imp.bad (subject, purposes, form, given_at, identity) VALUES
    ('100', '{marketing}', 'written', '2022-01-01', NULL),
    ('101', '{marketing}', 'written', '2022-01-01', NULL),
    ('102', '{marketing}', 'written', '2022-01-01', '{"birth_date": "2006-06-01"}');
SELECT compliance.import_consents('imp.bad');
SELECT count(*) AS nothing_imported FROM compliance.consents_of('100');
-- the same subject at 16 consents himself (capacity is judged at given_at)
UPDATE imp.bad SET given_at = '2022-06-01' WHERE subject = '102';
SELECT imp.try_import();
TRUNCATE imp.bad;
-- one refusal per rule
INSERT INTO imp.bad (subject, purposes, form, given_at) VALUES ('110', '{marketing}', 'written', '2022-01-01');
INSERT INTO imp.bad (subject, purposes, form, given_at) VALUES ('111', '{loyalty}', 'written', '2022-01-01');
SELECT imp.try_import() AS identity_required;
UPDATE imp.bad SET purposes = '{treatment}' WHERE subject = '111';
SELECT imp.try_import() AS not_a_consent_purpose;
UPDATE imp.bad SET purposes = '{contest}' WHERE subject = '111';
SELECT imp.try_import() AS retired_purpose;
UPDATE imp.bad SET purposes = '{}' WHERE subject = '111';
SELECT imp.try_import() AS no_purpose;
UPDATE imp.bad SET purposes = '{nosuch}' WHERE subject = '111';
SELECT imp.try_import() AS unknown_purpose;
UPDATE imp.bad SET purposes = '{marketing}', form = 'pigeon' WHERE subject = '111';
SELECT imp.try_import() AS unknown_form;
UPDATE imp.bad SET form = NULL WHERE subject = '111';
SELECT imp.try_import() AS no_form;
UPDATE imp.bad SET form = 'written', given_at = NULL WHERE subject = '111';
SELECT imp.try_import() AS no_given_at;
UPDATE imp.bad SET given_at = now() + interval '1 day' WHERE subject = '111';
SELECT regexp_replace(imp.try_import(), 'at .* is', 'at ... is') AS future;
UPDATE imp.bad SET given_at = '2022-01-01', valid_until = '2021-01-01' WHERE subject = '111';
SELECT imp.try_import() AS ends_before_given;
UPDATE imp.bad SET valid_until = NULL, evidence = '[1]' WHERE subject = '111';
SELECT imp.try_import() AS evidence_not_object;
UPDATE imp.bad SET evidence = NULL, subject = '' WHERE subject = '111';
SELECT imp.try_import() AS empty_subject;
UPDATE imp.bad SET subject = NULL WHERE subject = '';
SELECT imp.try_import() AS null_subject;
UPDATE imp.bad SET subject = '111', indicated_by = 'neighbour' WHERE subject IS NULL;
SELECT imp.try_import() AS bad_indicated_by;
UPDATE imp.bad SET indicated_by = 'successor' WHERE subject = '111';
SELECT imp.try_import() AS no_representative;
UPDATE imp.bad SET indicated_by = NULL, identity = '{"birth_date": "2010-02-30"}' WHERE subject = '111';
SELECT imp.try_import() AS not_a_date;
UPDATE imp.bad SET identity = '{"surname": "Ivanov"}' WHERE subject = '111';
SELECT imp.try_import() AS identity_not_needed;
UPDATE imp.bad SET identity = NULL, transfer_countries = '{BY}' WHERE subject = '111';
SELECT imp.try_import() AS home_country;
UPDATE imp.bad SET transfer_countries = '{XX}' WHERE subject = '111';
SELECT imp.try_import() AS no_such_country;
UPDATE imp.bad SET transfer_countries = '{US,DE,US}' WHERE subject = '111';
SELECT imp.try_import() AS countries_ok;
SELECT compliance.transfer_countries(r) FROM compliance.consents_of('111') r;
-- a key the kind's integer column cannot hold
CREATE TABLE imp.bad_kind (subject text, purposes text, form text, given_at timestamptz, subject_kind text);
INSERT INTO imp.bad_kind VALUES ('43', '{newsletter}', 'written', '2022-01-01', 'patient'),
                                ('4x', '{newsletter}', 'written', '2022-01-01', 'patient');
SELECT compliance.import_consents('imp.bad_kind');
UPDATE imp.bad_kind SET subject_kind = 'robot' WHERE subject = '4x';
SELECT compliance.import_consents('imp.bad_kind');
-- the same consent twice in one import, and an import run again
CREATE TABLE imp.twice (subject text, purposes text, form text, given_at timestamptz);
INSERT INTO imp.twice VALUES ('120', '{marketing}', 'written', '2022-01-01'),
                             ('121', '{newsletter}', 'written', '2022-01-01'),
                             ('120', '{marketing,newsletter}', 'written', '2022-01-01');
SELECT compliance.import_consents('imp.twice');
DELETE FROM imp.twice WHERE purposes = '{marketing,newsletter}';
SELECT compliance.import_consents('imp.twice') AS imported;
SELECT compliance.import_consents('imp.twice');
-- the source: its columns, and the caller's privileges on it
CREATE TABLE imp.odd (subject text, purposes text, form text, given_at timestamptz, valid_untill timestamptz);
SELECT compliance.import_consents('imp.odd');
CREATE TABLE imp.short (subject text, purposes text, form text);
SELECT compliance.import_consents('imp.short');
SELECT compliance.import_consents(NULL);
SELECT compliance.import_consents('imp.twice', notice_lang => 'fr');
RESET ROLE;
CREATE TABLE imp.secret (subject text, purposes text, form text, given_at timestamptz);
SET ROLE imp_app;
SELECT compliance.import_consents('imp.secret');
-- the work table is the import's own: a look-alike of the caller's is refused
CREATE TEMP TABLE compliance_import_rows AS SELECT 1 AS n;
SELECT compliance.import_consent_rows('x');
DROP TABLE compliance_import_rows;
RESET ROLE;
-- other roles may not import
SET ROLE compliance_analyst;
SELECT compliance.import_consents('pg_catalog.pg_class');
RESET ROLE;

------------------------------------------------------------------------
-- 6. Every row is checked as give_consent() checks a call: the same
-- consents, given now and imported with given_at now, are refused with
-- the same errors (the import's prefixed with the row)
SET ROLE imp_app;
CREATE TABLE imp.cases AS
SELECT row_number() OVER () AS k, i.identity, b.indicated_by, r.representative, p.purposes
  FROM (VALUES (NULL::jsonb), ('{}'), ('[1]'), ('{"nickname": "x"}'), ('{"married": "maybe"}'),
               ('{"birth_date": "2010-02-30"}'), ('{"birth_date": "2015-01-01"}'),
               ('{"birth_date": "2015-01-01", "married": true}'), ('{"legally_incapable": true}'),
               ('{"deceased_on": "2020-01-01"}'), ('{"deceased_on": "2999-01-01"}'),
               ('{"surname": "A", "first_name": "B", "birth_date": "1990-01-01", "id_number": "1"}'),
               ('{"surname": "A", "first_name": "B", "birth_date": "2015-01-01", "document_number": "1"}'),
               ('{"surname": "A", "birth_date": "1990-01-01", "id_number": "1"}')) i(identity),
       (VALUES ('subject'), ('legal_representative'), ('successor'), ('nobody')) b(indicated_by),
       (VALUES (NULL::jsonb), ('{"surname": "R"}')) r(representative),
       (VALUES ('{marketing}'::compliance.purpose_set), ('{marketing,loyalty}')) p(purposes);
CREATE TABLE imp.outcomes (k bigint, given text, imported text);
DO $$
DECLARE
    c record;
    v_given text;
    v_imported text;
BEGIN
    FOR c IN SELECT * FROM imp.cases ORDER BY k LOOP
        BEGIN
            PERFORM compliance.give_consent('900', c.purposes, 'written', indicated_by => c.indicated_by,
                                            representative => c.representative, identity => c.identity);
            RAISE SQLSTATE 'P0099';
        EXCEPTION WHEN SQLSTATE 'P0099' THEN v_given := 'ok';
                  WHEN OTHERS THEN v_given := SQLSTATE || ' ' || SQLERRM;
        END;
        BEGIN
            CREATE TEMP TABLE one AS
            SELECT '900'::text AS subject, c.purposes AS purposes, 'written'::text AS form, now() AS given_at,
                   c.indicated_by AS indicated_by, c.representative AS representative, c.identity AS identity;
            PERFORM compliance.import_consents('one');
            RAISE SQLSTATE 'P0099';
        EXCEPTION WHEN SQLSTATE 'P0099' THEN v_imported := 'ok';
                  WHEN OTHERS THEN v_imported := SQLSTATE || ' ' || regexp_replace(SQLERRM, '^row 1 of one \(subject "900"\): ', '');
        END;
        INSERT INTO imp.outcomes VALUES (c.k, v_given, v_imported);
    END LOOP;
END
$$;
SELECT count(*) AS cases, count(*) FILTER (WHERE given = 'ok') AS accepted,
       count(DISTINCT given) AS distinct_outcomes,
       count(*) FILTER (WHERE given IS DISTINCT FROM imported) AS differing
  FROM imp.outcomes;
SELECT c.identity, c.indicated_by, c.representative, c.purposes, o.given, o.imported
  FROM imp.outcomes o JOIN imp.cases c USING (k) WHERE o.given IS DISTINCT FROM o.imported ORDER BY k;
RESET ROLE;

------------------------------------------------------------------------
-- 7. The chain: rolled back imports leave no trace, imports and
-- give_consent in one transaction chain on, and the ledger verifies
SET ROLE imp_app;
CREATE TABLE imp.more (subject text, purposes text, form text, given_at timestamptz);
INSERT INTO imp.more SELECT (200 + g)::text, '{newsletter}', 'written', timestamptz '2023-01-01' + g * interval '1 hour'
  FROM generate_series(1, 50) g;
BEGIN;
SELECT compliance.import_consents('imp.more') AS imported;
ROLLBACK;
SELECT count(*) AS consents_of_201 FROM compliance.consents_of('201');
BEGIN;
SELECT compliance.purposes(compliance.give_consent('300', '{marketing}', 'checkbox'));
SELECT compliance.import_consents('imp.more') AS imported;
SAVEPOINT s;
SELECT compliance.purposes(compliance.give_consent('301', '{marketing}', 'checkbox'));
ROLLBACK TO SAVEPOINT s;
SELECT compliance.purposes(compliance.give_consent('302', '{marketing}', 'checkbox'));
COMMIT;
RESET ROLE;
SELECT count(*) AS notes_after_commit FROM compliance.ledger_tails;
SET ROLE imp_officer;
SELECT ledger, rows, ok, first_bad_id FROM compliance.verify_ledger();
SELECT h.last_id = (SELECT max(id) FROM compliance.consent_ledger) AS head_at_end
  FROM compliance.ledger_heads h WHERE h.ledger = 'consent';
RESET ROLE;

------------------------------------------------------------------------
-- 8. Many appends in one transaction: the chain's head moves once, at
-- commit, by a single trigger event (the notes are all deleted)
SET ROLE imp_app;
BEGIN;
DO $$ BEGIN FOR i IN 1..300 LOOP PERFORM compliance.give_consent((1000 + i)::text, '{newsletter}', 'checkbox'); END LOOP; END $$;
DO $$ BEGIN FOR i IN 1..100 LOOP PERFORM compliance.withdraw_consent((1000 + i)::text); END LOOP; END $$;
COMMIT;
RESET ROLE;
SELECT count(*) AS notes_after_commit FROM compliance.ledger_tails;
SELECT ledger, rows, ok, first_bad_id FROM compliance.verify_ledger();

SET client_min_messages = warning;
DROP SCHEMA imp CASCADE;
DROP EXTENSION compliance CASCADE;
DROP OWNED BY imp_admin, imp_app, imp_officer;
DROP ROLE imp_admin, imp_app, imp_officer;
