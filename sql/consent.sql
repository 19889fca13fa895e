-- Consent: notices (Art. 5.5), capacity (Art. 5.9), identity (Art. 5.6),
-- life cycle (Art. 10) and the hash-chained ledger (Art. 5.7).
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
SET timezone = 'UTC';
\set SHOW_CONTEXT never

SELECT compliance.register_purpose('marketing', 'Marketing e-mails',
    data_items => ARRAY['email', 'name'], actions => ARRAY['collection', 'use']::compliance.processing_action[],
    retention => interval '6 months');
SELECT compliance.register_purpose('newsletter', 'Monthly newsletter');
SELECT compliance.register_purpose('loyalty', 'Loyalty card', requires_identity => true);
SELECT compliance.register_purpose('treatment', 'Medical treatment', 'medical_assistance');

-- the notice needs the processor
SELECT compliance.consent_notice('{marketing}', 'en');
SELECT compliance.set_processor('Clinic LLC', 'Minsk, Nezavisimosti Ave 1');
SELECT compliance.register_recipient('mailer', 'Mail Service LLC', 'Minsk, Surganova St 2', 'BY', 'authorised_person');

-- Art. 5.5 content, English and Russian
\pset format unaligned
SELECT compliance.consent_notice('{marketing,newsletter}', 'en');
SELECT compliance.consent_notice('{newsletter}', valid_until => '2027-12-31');
\pset format aligned
SELECT compliance.interval_words(interval '6 months', 'en') AS en, compliance.interval_words(interval '6 months', 'ru') AS ru,
       compliance.interval_words(interval '1 year 22 days', 'ru') AS ru2, compliance.interval_words(interval '3 years', 'ru') AS ru3;
SELECT compliance.consent_notice('{marketing}', 'de');
SELECT compliance.consent_notice('{}', 'en');

-- giving consent: the receipt
SELECT compliance.give_consent('42', '{marketing,newsletter}', 'checkbox',
    evidence => '{"page": "/signup", "checkbox": "marketing"}') AS receipt \gset
SELECT compliance.subject((:'receipt')::compliance.consent),
       compliance.purposes((:'receipt')::compliance.consent),
       compliance.consent_id((:'receipt')::compliance.consent) AS id,
       compliance.indicated_by((:'receipt')::compliance.consent),
       compliance.notice_digest((:'receipt')::compliance.consent)
         = sha256(convert_to(compliance.consent_notice('{marketing,newsletter}', 'ru'), 'UTF8')) AS notice_digest_ok,
       -- keyed and salted: only the officer's confirm function matches it
       (SELECT c.matches FROM compliance.confirm_consent_evidence(compliance.consent_id((:'receipt')::compliance.consent),
                                  evidence => '{"page": "/signup", "checkbox": "marketing"}') c
         WHERE c.item = 'evidence') AS evidence_digest_ok,
       compliance.evidence_digest((:'receipt')::compliance.consent)
         <> sha256(convert_to('{"page": "/signup", "checkbox": "marketing"}'::jsonb::text, 'UTF8')) AS not_plain_sha256,
       compliance.covers((:'receipt')::compliance.consent, 'marketing') AS covers_marketing,
       compliance.covers((:'receipt')::compliance.consent, 'treatment') AS covers_treatment;
-- the evidence itself is not kept, only its digest
SELECT count(*) AS ledger_rows_with_evidence_text FROM compliance.consent_ledger WHERE receipt::text LIKE '%signup%';

-- life cycle: given, renewed, withdrawn, given again, refused, expired, none
SELECT compliance.consent_status('42', 'marketing') AS marketing, compliance.consent_status('42', 'loyalty') AS loyalty;
SELECT compliance.purposes(compliance.give_consent('42', '{marketing}', 'sms_code'));
SELECT compliance.consent_status('42', 'marketing') AS marketing, compliance.consent_status('42', 'newsletter') AS newsletter;
SELECT compliance.withdraw_consent('42', '{marketing}') AS withdrawn;
SELECT compliance.consent_status('42', 'marketing') AS marketing, compliance.consent_status('42', 'newsletter') AS newsletter;
SELECT compliance.withdraw_consent('42', '{marketing}') AS withdrawn_again;
SELECT compliance.withdraw_consent('42') AS withdrawn_all;
SELECT compliance.consent_status('42', 'newsletter') AS newsletter;
SELECT compliance.purposes(compliance.give_consent('42', '{marketing}', 'email_code'));
SELECT compliance.consent_status('42', 'marketing') AS marketing;
SELECT compliance.refuse_consent('42', '{marketing,newsletter}') AS refused;
SELECT compliance.consent_status('42', 'marketing') AS marketing, compliance.consent_status('42', 'newsletter') AS newsletter;
SELECT compliance.consent_status('7', 'marketing') AS unknown_subject;
SELECT compliance.purposes(compliance.give_consent('43', '{newsletter}', 'checkbox',
    valid_until => now() + interval '1 day'));
SELECT compliance.consent_status('43', 'newsletter') AS before_valid_until;
SET compliance.consent_clock_advance = '25h';
SELECT compliance.consent_status('43', 'newsletter') AS after_valid_until;
-- a withdrawal keeps real time: the consent is still in force, so it is recorded
SELECT compliance.withdraw_consent('43') AS withdrawn_in_real_time;
RESET compliance.consent_clock_advance;
SELECT compliance.consent_status('43', 'newsletter') AS withdrawn;
SELECT compliance.withdraw_consent('43') AS nothing_in_force;

-- withdrawal is not retroactive (Art. 10.4): every receipt stays
SELECT compliance.consent_id(c) AS id, compliance.purposes(c), compliance.form(c)
  FROM compliance.consents_of('42') c;
SELECT id, event, subject, purposes, receipt IS NOT NULL AS has_receipt
  FROM compliance.consent_ledger ORDER BY id;
-- the same at a glance: one row per purpose, status as consent_status says
SELECT purpose, title, status, given_at IS NOT NULL AS dated, valid_until IS NOT NULL AS timed,
       form, indicated_by, consent_id
  FROM compliance.consent_overview('42');
SELECT purpose, status, form FROM compliance.consent_overview('43');
SELECT count(*) AS nothing_of_99 FROM compliance.consent_overview('99');
SELECT * FROM compliance.consent_overview(NULL);

-- bad input
SELECT compliance.give_consent(NULL, '{marketing}', 'checkbox');
SELECT compliance.give_consent('', '{marketing}', 'checkbox');
SELECT compliance.give_consent(repeat('x', 2000), '{marketing}', 'checkbox');
SELECT compliance.give_consent('42', '{}', 'checkbox');
-- treatment is processed on its own ground (Art. 8.2): a consent to it
-- could be withdrawn without stopping anything, alone or with others
SELECT compliance.give_consent('42', '{treatment}', 'checkbox');
SELECT compliance.give_consent('42', '{newsletter,treatment}', 'checkbox');
SELECT count(*) AS consents_of_42 FROM compliance.consents_of('42');
SELECT compliance.give_consent('42', NULL, 'checkbox');
SELECT compliance.give_consent('42', '{marketing}', NULL);
SELECT compliance.give_consent('42', '{marketing}', 'pigeon');
\set VERBOSITY terse
SELECT compliance.give_consent('42', '{marketing}', 'checkbox', valid_until => now() - interval '1 day');
\set VERBOSITY default
SELECT compliance.give_consent('42', '{marketing}', 'checkbox', evidence => '[1, 2]');
SELECT compliance.give_consent('42', '{marketing}', 'checkbox', notice_lang => 'fr');
SELECT compliance.give_consent('42', '{nonexistent}', 'checkbox');
SELECT compliance.withdraw_consent(NULL);

-- Art. 5.9: minors under 16 (unless married) and incapable persons need a legal representative
\set VERBOSITY terse
SELECT compliance.give_consent('100', '{newsletter}', 'written',
    identity => jsonb_build_object('birth_date', (current_date - interval '15 years')::date));
\set VERBOSITY default
SELECT compliance.give_consent('100', '{newsletter}', 'written', indicated_by => 'legal_representative',
    identity => jsonb_build_object('birth_date', (current_date - interval '15 years')::date));
SELECT compliance.indicated_by(compliance.give_consent('100', '{newsletter}', 'written', indicated_by => 'legal_representative',
    representative => '{"surname": "Ivanova", "first_name": "Anna", "relation": "mother"}',
    identity => jsonb_build_object('birth_date', (current_date - interval '15 years')::date)));
SELECT compliance.purposes(compliance.give_consent('101', '{newsletter}', 'written',
    identity => jsonb_build_object('birth_date', (current_date - interval '15 years')::date, 'married', true)));
SELECT compliance.purposes(compliance.give_consent('102', '{newsletter}', 'written',
    identity => jsonb_build_object('birth_date', (current_date - interval '16 years')::date)));
SELECT compliance.give_consent('103', '{newsletter}', 'written', identity => '{"legally_incapable": true}');
-- deceased subjects: posthumous consent by a successor, close relative, spouse, adoptive parent or child
SELECT compliance.give_consent('104', '{newsletter}', 'written', identity => '{"deceased_on": "2025-01-10"}');
SELECT compliance.give_consent('104', '{newsletter}', 'written', indicated_by => 'legal_representative',
    representative => '{"surname": "Petrov"}', identity => '{"deceased_on": "2025-01-10"}');
SELECT compliance.indicated_by(compliance.give_consent('104', '{newsletter}', 'written', indicated_by => 'spouse',
    representative => '{"surname": "Petrova", "first_name": "Olga"}', identity => '{"deceased_on": "2025-01-10"}'));
SELECT compliance.give_consent('105', '{newsletter}', 'written', indicated_by => 'successor',
    representative => '{"surname": "Petrov"}');
SELECT compliance.give_consent('105', '{newsletter}', 'written', indicated_by => 'cousin');
-- Art. 5.6: identity fields only where the purpose needs them
SELECT compliance.give_consent('106', '{newsletter}', 'written', identity => '{"surname": "Sidorov"}');
SELECT compliance.give_consent('106', '{loyalty}', 'written');
SELECT compliance.give_consent('106', '{loyalty}', 'written', identity => '{"surname": "Sidorov", "first_name": "Ivan", "birth_date": "1990-05-01"}');
-- the receipt holds the identity sealed; the plaintext is kept apart, for
-- the officer, until erasure (Art. 13)
SELECT compliance.give_consent('106', '{loyalty}', 'written',
    identity => '{"surname": "Sidorov", "first_name": "Ivan", "patronymic": "Petrovich", "birth_date": "1990-05-01", "id_number": "3010590A001PB1"}') AS sealed \gset
SELECT compliance.identity(:'sealed'::compliance.consent) ? 'digest' AS sealed_identity,
       :'sealed' LIKE '%Sidorov%' AS receipt_names_subject;
SELECT identity FROM compliance.consent_evidence WHERE ledger_id = compliance.consent_id(:'sealed'::compliance.consent);
SELECT * FROM compliance.confirm_consent_evidence(compliance.consent_id(:'sealed'::compliance.consent),
    identity => '{"surname": "Sidorov", "first_name": "Ivan", "patronymic": "Petrovich", "birth_date": "1990-05-01", "id_number": "3010590A001PB1"}');
SELECT * FROM compliance.confirm_consent_evidence(compliance.consent_id(:'sealed'::compliance.consent),
    identity => '{"surname": "Sidorov", "first_name": "Ivan", "patronymic": "Petrovich", "birth_date": "1990-05-02", "id_number": "3010590A001PB1"}');
SELECT * FROM compliance.confirm_consent_evidence(NULL);
SELECT * FROM compliance.confirm_consent_evidence(-1);
-- a sealed identity is a digest and nothing else
SELECT '{"id": 1, "subject": "1", "purposes": "{loyalty}", "form": "written", "given_at": "2026-01-01 00:00:00+00", "identity": {"digest": "00", "surname": "X"}}'::jsonb::compliance.consent;
SELECT compliance.give_consent('106', '{loyalty}', 'written', identity => '{"shoe_size": 44}');
SELECT compliance.give_consent('106', '{newsletter}', 'written', identity => '{"birth_date": "not a date"}');
SELECT compliance.give_consent('106', '{newsletter}', 'written', identity => '"text"');

-- the application role gives and withdraws, but cannot write the ledger
SET ROLE compliance_app;
SELECT compliance.purposes(compliance.give_consent('200', '{newsletter}', 'checkbox'));
SELECT compliance.withdraw_consent('200');
INSERT INTO compliance.consent_ledger (id, event, subject, purposes, recorded_at, recorded_by, prev_hash, hash)
VALUES (999, 'given', '200', '{newsletter}', now(), 'x', '\x00', '\x00');
UPDATE compliance.consent_state SET status = 'given';
SELECT compliance.consent_ledger_append('given', '200', 'person', '{newsletter}');
SELECT * FROM compliance.verify_ledger();
SET compliance.ledger_protection = off;
RESET ROLE;

-- the chain is intact; UPDATE, DELETE and TRUNCATE are refused, also to a superuser
SELECT * FROM compliance.verify_ledger();
UPDATE compliance.consent_ledger SET subject = '43' WHERE id = 1;
DELETE FROM compliance.consent_ledger WHERE id = 1;
TRUNCATE compliance.consent_ledger CASCADE;
SET session_replication_role = replica;
DELETE FROM compliance.consent_ledger WHERE id = 1;
RESET session_replication_role;

-- a superuser who turns protection off can change rows, and verify_ledger finds the first
SET compliance.ledger_protection = off;
UPDATE compliance.consent_ledger SET subject = '43' WHERE id = 3;
SELECT * FROM compliance.verify_ledger();
UPDATE compliance.consent_ledger SET subject = '42' WHERE id = 3;
SELECT * FROM compliance.verify_ledger();
UPDATE compliance.consent_ledger SET recorded_at = recorded_at + interval '1 microsecond' WHERE id = 2;
SELECT * FROM compliance.verify_ledger();
UPDATE compliance.consent_ledger SET recorded_at = recorded_at - interval '1 microsecond' WHERE id = 2;
SELECT max(id) AS last_id FROM compliance.consent_ledger \gset
-- a row deleted from the middle, then the last row deleted
BEGIN;
DELETE FROM compliance.consent_state WHERE ledger_id = 5;
DELETE FROM compliance.consent_ledger WHERE id = 5;
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger();
ROLLBACK;
BEGIN;
DELETE FROM compliance.consent_state WHERE ledger_id = :last_id;
DELETE FROM compliance.consent_ledger WHERE id = :last_id;
SELECT ledger, ok, first_bad_id = :last_id AS first_bad_is_last FROM compliance.verify_ledger();
ROLLBACK;
-- two rows swapped
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
UPDATE compliance.consent_ledger SET id = -id WHERE id IN (3, 4);
UPDATE compliance.consent_ledger SET id = CASE id WHEN -3 THEN 4 ELSE 3 END WHERE id IN (-3, -4);
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger();
ROLLBACK;
RESET compliance.ledger_protection;
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger();

-- Many consents in one transaction form one chain; the chain head moves
-- once, at commit, and the transaction sees its own appends verified.
BEGIN;
SELECT count(compliance.give_consent('bulk-' || g, '{newsletter}', 'checkbox'))
  FROM generate_series(1, 1000) g;
SELECT ledger, ok FROM compliance.verify_ledger() WHERE ledger = 'consent';
COMMIT;
SELECT h.last_id = (SELECT max(id) FROM compliance.consent_ledger) AS head_is_last, v.ok
  FROM compliance.ledger_heads h, compliance.verify_ledger() v
 WHERE h.ledger = 'consent' AND v.ledger = 'consent';
-- an event rolled back to a savepoint leaves no gap in the chain
BEGIN;
SELECT compliance.give_consent('sp-1', '{newsletter}', 'checkbox') IS NOT NULL AS given;
SAVEPOINT before_second;
SELECT compliance.give_consent('sp-2', '{newsletter}', 'checkbox') IS NOT NULL AS given;
ROLLBACK TO SAVEPOINT before_second;
SELECT compliance.give_consent('sp-3', '{newsletter}', 'checkbox') IS NOT NULL AS given;
COMMIT;
SELECT subject, id - (SELECT min(id) FROM compliance.consent_ledger WHERE subject LIKE 'sp-%') AS pos
  FROM compliance.consent_ledger WHERE subject LIKE 'sp-%' ORDER BY id;
SELECT ledger, ok FROM compliance.verify_ledger() WHERE ledger = 'consent';

DROP EXTENSION compliance CASCADE;
