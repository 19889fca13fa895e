-- The documents as their readers get them, in Russian, Belarusian and
-- English: consent notice, the explanation of rights given separately
-- (Art. 5.5), access report (Art. 11), Art. 12 answer, policy (Art. 17)
-- and the breach notice to the authority (Art. 16.1).  In the ru and be
-- documents no Latin-script word but a name a missing label left (which
-- warns), no raw column, table or code name, citations in the form of
-- Belarusian legal texts, dates in Minsk time; HTML for a phone and A4.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- The processor's own name and address are what it registered: Belarusian
-- documents of a Russian-named operator show them as registered, so the
-- test's operator has a name in neither alphabet's own letters
SELECT compliance.set_processor('ЗАО «МЕДТЭХ»', 'Минск, 220030, 10');
SELECT compliance.set_responsible_person('Петрова А. А.', '+375 17 000-00-00');
SELECT compliance.register_subject_kind('clinic_patient', 'patient');
SELECT compliance.register_purpose('med_care', 'Medical care', 'medical_assistance',
    retention => interval '10 years', basis_scope => 'all_subjects');
SELECT compliance.register_purpose('sms_reminders', 'Appointment reminders',
    data_items => ARRAY['full_name', 'phone_no'], retention => interval '1 month',
    actions => ARRAY['storage', 'use']::compliance.processing_action[]);
SELECT compliance.register_recipient('sms_gw', 'SMS Gateway LLC', 'Минск', 'BY', 'authorised_person');
SELECT compliance.set_recipient_agreement('sms_gw', '{sms_reminders}', '{storage,use}', true);
SELECT compliance.register_recipient('lab_de', 'Zentrallabor GmbH', 'ФРГ, 10117', 'DE');
CREATE TABLE patient_cards (card_id int PRIMARY KEY, full_name text, phone_no text, diag_code text);
SELECT compliance.protect('patient_cards', 'card_id', '{"diag_code": "health"}', subject_kind => 'clinic_patient');
SET compliance.enforce = off;
INSERT INTO patient_cards VALUES (7, 'Иванов Иван', '+375 29 123 45 67', 'J06.9');
RESET compliance.enforce;
SELECT compliance.set_label(item, lang, label) FROM (VALUES
    ('med_care', 'ru', 'Оказание медицинской помощи'), ('med_care', 'be', 'Аказанне медыцынскай дапамогі'),
    ('med_care', 'en', 'Medical care'),
    ('sms_reminders', 'ru', 'Напоминания о записи на прием'), ('sms_reminders', 'be', 'Напаміны пра запіс на прыём'),
    ('sms_reminders', 'en', 'Appointment reminders'),
    ('sms_gw', 'ru', 'ООО «СМС-шлюз»'), ('sms_gw', 'be', 'ТАА «СМС-шлюз»'), ('sms_gw', 'en', 'SMS Gateway LLC'),
    ('lab_de', 'ru', 'Центральная лаборатория'), ('lab_de', 'be', 'Цэнтральная лабараторыя'),
    ('lab_de', 'en', 'Central Laboratory'),
    ('clinic_patient', 'ru', 'пациент'), ('clinic_patient', 'be', 'пацыент'),
    ('public.patient_cards', 'ru', 'Медицинская карта'), ('public.patient_cards', 'be', 'Медыцынская карта'),
    ('public.patient_cards', 'en', 'Medical record'),
    ('patient_cards.card_id', 'ru', 'номер карты'), ('patient_cards.card_id', 'be', 'нумар карты'),
    ('patient_cards.card_id', 'en', 'record number'),
    ('patient_cards.full_name', 'ru', 'фамилия, собственное имя, отчество (если таковое имеется)'),
    ('patient_cards.full_name', 'be', 'прозвішча, уласнае імя, імя па бацьку (калі такое ёсць)'),
    ('patient_cards.full_name', 'en', 'surname, first name, patronymic (if any)'),
    ('patient_cards.phone_no', 'ru', 'номер телефона'), ('patient_cards.phone_no', 'be', 'нумар тэлефона'),
    ('patient_cards.phone_no', 'en', 'phone number'),
    ('patient_cards.diag_code', 'ru', 'код диагноза'), ('patient_cards.diag_code', 'be', 'код дыягназу'),
    ('patient_cards.diag_code', 'en', 'diagnosis code')) v(item, lang, label);
SELECT count(*) AS missing FROM compliance.missing_labels;

-- Art. 5.5: the explanation of rights is a document of its own, and the
-- application passes the digest of what it showed; the ledger keeps it,
-- chained
SELECT compliance.give_consent('7', '{sms_reminders}', 'checkbox', notice_lang => 'be',
           rights_digest => sha256(convert_to(compliance.rights_notice('be', 'html'), 'UTF8')),
           subject_kind => 'clinic_patient') IS NOT NULL AS consented;
SELECT l.id, l.event,
       l.rights_digest = sha256(convert_to(compliance.rights_notice('be', 'html'), 'UTF8')) AS rights_kept,
       compliance.notice_digest(l.receipt)
           = sha256(convert_to(compliance.consent_notice('{sms_reminders}', 'be'), 'UTF8')) AS notice_kept,
       compliance.notice_digest(l.receipt) <> l.rights_digest AS separate
  FROM compliance.consent_ledger l;
-- without a digest: that of the text the extension generates, as for the notice
SELECT compliance.give_consent('7', '{sms_reminders}', 'checkbox', subject_kind => 'clinic_patient') IS NOT NULL AS renewed;
SELECT l.id, l.rights_digest = sha256(convert_to(compliance.rights_notice('ru'), 'UTF8')) AS rights_kept
  FROM compliance.consent_ledger l WHERE l.id = 2;
-- a digest of anything else is refused: the ledger could not prove it
SELECT compliance.give_consent('7', '{sms_reminders}', 'checkbox',
           rights_digest => sha256(convert_to(compliance.rights_notice('en'), 'UTF8')), subject_kind => 'clinic_patient');
SELECT compliance.give_consent('7', '{sms_reminders}', 'checkbox', rights_digest => '\x0102', subject_kind => 'clinic_patient');
-- imports carry it too: the text given on paper, a digest, or the one generated
CREATE TABLE paper (subject text, subject_kind text, purposes text, form text, given_at timestamptz,
                    notice_lang text, rights_notice text, rights_digest bytea);
INSERT INTO paper VALUES
    ('8', 'clinic_patient', '{sms_reminders}', 'written', '2024-05-02 10:00+03', 'be', 'Тлумачэнне правоў (бланк 2024 г.)', NULL),
    ('9', 'clinic_patient', '{sms_reminders}', 'written', '2024-05-03 10:00+03', 'ru', NULL, sha256('\x01')),
    ('10', 'clinic_patient', '{sms_reminders}', 'written', '2024-05-04 10:00+03', 'ru', NULL, NULL);
SELECT compliance.import_consents('paper');
SELECT l.subject,
       CASE l.rights_digest WHEN sha256(convert_to('Тлумачэнне правоў (бланк 2024 г.)', 'UTF8')) THEN 'the text given'
                            WHEN sha256('\x01') THEN 'the digest given'
                            WHEN sha256(convert_to(compliance.rights_notice('ru'), 'UTF8')) THEN 'generated'
                            ELSE 'other' END AS rights_digest
  FROM compliance.consent_ledger l WHERE l.id > 2 ORDER BY l.id;
INSERT INTO paper VALUES ('11', 'clinic_patient', '{sms_reminders}', 'written', '2024-05-05 10:00+03', 'ru', 'бланк', sha256('\x01'));
SELECT compliance.import_consents('paper');
UPDATE paper SET rights_notice = NULL, rights_digest = '\x01' WHERE subject = '11';
SELECT compliance.import_consents('paper');
SELECT * FROM compliance.verify_ledger();

SELECT compliance.record_disclosure('7', 'lab_de', ARRAY['patient_cards.diag_code'], 'med_care',
    transfer_basis => 'vital_interests', disclosed_at => now() - interval '30 days',
    subject_kind => 'clinic_patient') > 0 AS disclosed;
-- detected late in the evening of 1 July 2025 in UTC: 2 July in Minsk
SELECT compliance.report_breach('2025-07-01 22:30+00', 'Утерян ноутбук; диск зашифрован, пароли сменены.',
                                ARRAY['7', '8'], 'clinic_patient') AS breach;

-- Every document in ru, be and en, text and HTML
CREATE FUNCTION pg_temp.documents() RETURNS TABLE (doc text, lang text, format text, body text)
    LANGUAGE sql AS $$
    SELECT d, l, f, CASE d
        WHEN 'notice' THEN compliance.consent_notice('{sms_reminders,med_care}', l, format => f)
        WHEN 'rights' THEN compliance.rights_notice(l, f)
        WHEN 'access' THEN compliance.subject_access_report('7', l, f, subject_kind => 'clinic_patient')
        WHEN 'answer' THEN compliance.disclosure_answer('7', current_date, l, f, 'clinic_patient')
        WHEN 'policy' THEN compliance.policy_document(l, f)
        WHEN 'breach' THEN compliance.breach_notice(1, l, f) END
      FROM unnest(ARRAY['notice', 'rights', 'access', 'answer', 'policy', 'breach']) d,
           unnest(ARRAY['ru', 'be', 'en']) l, unnest(ARRAY['text', 'html']) f
$$;
-- The words of a document's text (of its HTML, the text between tags and
-- not the page's own markup): runs of Latin and Cyrillic letters, digits
-- and underscores (named, since [:alnum:] is ASCII under the C locale)
CREATE FUNCTION pg_temp.words(body text, format text) RETURNS SETOF text
    LANGUAGE sql AS $$
    SELECT m[1] FROM regexp_matches(
        CASE format WHEN 'html' THEN regexp_replace(regexp_replace(body, '<style>.*</style>', '', 's'), '<[^>]*>', ' ', 'g')
                    ELSE body END, '([0-9A-Za-z_\u0400-\u04FF]+)', 'g') m
$$;
SET client_min_messages = error;
CREATE TEMPORARY TABLE docs AS SELECT * FROM pg_temp.documents();
RESET client_min_messages;
SELECT count(*) AS documents, count(*) FILTER (WHERE length(body) > 500) AS generated FROM docs;

-- No Latin-script word in a Russian or Belarusian document (the data of
-- the record itself, the diagnosis code J06, aside: it is the subject's)
SELECT d.doc, d.lang, d.format, string_agg(DISTINCT w, ' ') AS latin_words
  FROM docs d, pg_temp.words(d.body, d.format) w
 WHERE d.lang IN ('ru', 'be') AND w ~ '[A-Za-z]' AND w <> 'J06'
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- No Russian letter (и, щ, ъ; э is shared) in a Belarusian document's own
-- words, no Belarusian one (і, ў) in a Russian document: the record's
-- data, the processor's registered name and address and the officer's
-- description of the breach aside
SELECT d.doc, d.lang, string_agg(DISTINCT w, ' ') AS foreign_words
  FROM docs d, pg_temp.words(replace(d.body, 'Утерян ноутбук; диск зашифрован, пароли сменены.', ''), d.format) w
 WHERE (d.lang = 'be' AND w ~ '[иИщЩъЪ]' AND w NOT IN ('Иванов', 'Иван', 'Минск', 'МЕДТЭХ'))
    OR (d.lang = 'ru' AND w ~ '[іІўЎ]')
 GROUP BY 1, 2 ORDER BY 1, 2;
-- (the check sees such a word: a Russian citation in a Belarusian text)
SELECT w AS caught FROM pg_temp.words('абзац пяты пункта 2 статьи 8', 'text') w WHERE w ~ '[иИщЩъЪ]';
-- The catalogues themselves: every key in the three languages, and no
-- letter of the other language in any ru or be text
SELECT t.key, array_agg(t.lang ORDER BY t.lang) AS langs
  FROM compliance.document_texts t GROUP BY t.key HAVING count(*) <> 3;
SELECT t.key, t.lang FROM compliance.document_texts t
 WHERE t.lang = 'be' AND t.text ~ '[иИщЩъЪ]' OR t.lang = 'ru' AND t.text ~ '[іІўЎ]';
-- No raw name: no word of any document is a column, table or code name
SELECT DISTINCT d.doc, d.lang, w AS raw_name
  FROM docs d, pg_temp.words(d.body, d.format) w
 WHERE w IN (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = 'patient_cards'::regclass AND a.attnum > 0
             UNION ALL SELECT 'patient_cards'
             UNION ALL SELECT p.code FROM compliance.purposes p
             UNION ALL SELECT r.code FROM compliance.recipients r
             UNION ALL SELECT 'clinic_patient')
 ORDER BY 1, 2, 3;
-- Citations in the form of Belarusian legal texts: no abbreviated or
-- English shape in ru and be ...
SELECT d.doc, d.lang, m[1] AS short_citation
  FROM docs d, regexp_matches(d.body, '((?:ст|стат|арт|абз|п|пп|ч|Art|para)\.\s*\d+|\d+\.\d+ (?:Закона|статьи|артыкула))', 'g') m
 WHERE d.lang IN ('ru', 'be') AND d.format = 'text'
 ORDER BY 1, 2, 3;
-- ... and each reference to a paragraph or point reads абзац ... пункта ...
-- статьи (артыкула) ...: the words after "абзац" are an ordinal, then the
-- genitive forms
SELECT d.doc, d.lang, m[1] AS citation
  FROM docs d, regexp_matches(d.body, '(абзац [^ ]+(?: [^ ]+)? (?:пункта \d+ )?(?:статьи|артыкула) \d+)', 'g') m
 WHERE d.format = 'text' AND d.doc IN ('notice', 'breach', 'policy')
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT d.doc, d.lang, m[1] AS citation
  FROM docs d, regexp_matches(d.body, '((?:пункт|пункта|пункты) \d+(?: и \d+| і \d+)? (?:статьи|артыкула) \d+[^);,]*)', 'g') m
 WHERE d.format = 'text' AND d.lang = 'be'
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- Dates are Minsk dates: the breach detected at 22:30 UTC on 1 July 2025
-- was known in Minsk on 2 July at 01:30; three working days after it
-- (3 July a holiday, 4 July a transferred day off) is 9 July
\pset format unaligned
\pset tuples_only on
SELECT regexp_replace(body, 'Дата: \d{2}\.\d{2}\.\d{4}', 'Дата: DATE') FROM docs
 WHERE doc = 'breach' AND lang = 'be' AND format = 'text';
SELECT body FROM docs WHERE doc = 'rights' AND lang = 'be' AND format = 'text';
SELECT body FROM docs WHERE doc = 'notice' AND lang = 'be' AND format = 'text';
\pset tuples_only off
\pset format aligned

-- HTML for a phone and for A4: the viewport, the print stylesheet, the
-- page size; every value escaped
SELECT d.doc, d.lang,
       d.body LIKE '%<meta name="viewport" content="width=device-width, initial-scale=1">%' AS phone,
       d.body LIKE '%@page{size:A4;margin:20mm}%' AND d.body LIKE '%@media print{%' AS a4,
       d.body LIKE '%max-width:42em%' AS readable_width,
       d.body LIKE '<!DOCTYPE html>%<html lang="' || d.lang || '">%' AS lang_tagged
  FROM docs d WHERE d.format = 'html' AND d.lang = 'be' ORDER BY d.doc;

-- A missing label: the document uses what was registered, and warns naming
-- it; the Latin words that appear are those of the registered name only
SELECT compliance.set_label('lab_de', 'be', NULL);
SELECT length(compliance.disclosure_answer('7', current_date, 'be', 'text', 'clinic_patient')) > 0 AS answer;
SELECT string_agg(DISTINCT w, ' ') AS latin_words
  FROM pg_temp.words(compliance.policy_document('be'), 'text') w WHERE w ~ '[A-Za-z]';
SELECT compliance.set_label('lab_de', 'be', 'Цэнтральная лабараторыя');

-- The breach notice: who may generate it, and errors
SELECT compliance.breach_notice(NULL);
SELECT compliance.breach_notice(99);
SELECT compliance.breach_notice(1, 'de');
SELECT compliance.breach_notice(1, 'be', 'pdf');
SELECT compliance.report_breach(now() - interval '1 hour', 'Письмо отправлено не тому адресату.') AS exempt;
SELECT compliance.record_breach_notification(2, not_notified_ground => 'случай, определенный уполномоченным органом');
SELECT compliance.breach_notice(2, 'be');
-- once notified, the notice says when and under which reference
SELECT compliance.record_breach_notification(1, '2025-07-03 09:00+03', '№ 12-07/25');
SELECT regexp_match(compliance.breach_notice(1, 'ru'), 'Уведомление направлено: [^\n]*\nРегистрационный номер уведомления: [^\n]*') AS notified;
SET ROLE compliance_app;
SELECT compliance.breach_notice(1);
SELECT length(compliance.rights_notice('be')) > 0 AS app_rights;
RESET ROLE;
SET ROLE compliance_officer;
SELECT length(compliance.breach_notice(1, 'en', 'html')) > 0 AS officer_notice;
RESET ROLE;
SELECT compliance.rights_notice('be', 'pdf');
SELECT compliance.consent_notice('{sms_reminders}', 'be', format => 'pdf');

DROP TABLE patient_cards, paper;
DROP EXTENSION compliance CASCADE;
