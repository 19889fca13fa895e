-- Labels (set_label, missing_labels): documents name purposes, recipients,
-- subject kinds, tables and columns by their labels in the document's
-- language, never by a column, table or code name; a missing label is a
-- WARNING naming the item and a neutral wording in the text.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

SELECT compliance.set_processor('ООО «Здоровье»', 'г. Минск, пр. Независимости, 10');
SELECT compliance.register_subject_kind('clinic_patient', 'patient');
-- Art. 17.3: the policy names who supervises processing and how to reach them
SELECT compliance.set_responsible_person(NULL, 'тел. +375 17 000-00-00');
SELECT compliance.set_responsible_person('Петрова И. И., ответственная за внутренний контроль', 'тел. +375 17 000-00-00, каб. 5');
-- codes and names chosen so that none is a word of the documents' text
SELECT compliance.register_purpose('med_care', 'Medical care', 'medical_assistance',
    retention => interval '10 years', basis_scope => 'all_subjects');
SELECT compliance.register_purpose('sms_reminders', 'Appointment reminders',
    data_items => ARRAY['full_name', 'phone_no', 'no_such_item'],
    actions => ARRAY['storage', 'use']::compliance.processing_action[]);
SELECT compliance.register_recipient('sms_gw', 'SMS Gateway LLC', 'г. Минск', 'BY', 'authorised_person');
SELECT compliance.set_recipient_agreement('sms_gw', '{sms_reminders}', '{storage,use}', true);
SELECT compliance.register_recipient('lab_ru', 'Central Lab', 'г. Москва', 'RU');
CREATE TABLE patient_cards (card_id int PRIMARY KEY, full_name text, phone_no text, diag_code text);
SELECT compliance.protect('patient_cards', 'card_id', '{"diag_code": "health"}', subject_kind => 'clinic_patient');
SET compliance.enforce = off;
INSERT INTO patient_cards VALUES (7, 'Иванов Иван Иванович', '+375 29 123 45 67', 'ОРВИ');
RESET compliance.enforce;
SELECT compliance.give_consent('7', '{sms_reminders}', 'checkbox', subject_kind => 'clinic_patient') IS NOT NULL AS consented;
SELECT compliance.record_disclosure('7', 'lab_ru', ARRAY['patient_cards.diag_code'], 'med_care',
    disclosed_at => '2026-03-01 10:00+00', subject_kind => 'clinic_patient') > 0 AS disclosed;

-- What documents would name without a label: everything but the kind
-- person (built in) and the Russian and English names given at
-- registration of a kind
SELECT * FROM compliance.missing_labels WHERE lang = 'ru';
SELECT lang, count(*) FROM compliance.missing_labels GROUP BY lang ORDER BY lang;
SELECT * FROM compliance.missing_labels WHERE kind = 'subject_kind';

-- Bad input
SELECT compliance.set_label(NULL, 'ru', 'x');
SELECT compliance.set_label(' ', 'ru', 'x');
SELECT compliance.set_label('med_care', 'de', 'x');
SELECT compliance.set_label('med_care', NULL, 'x');
SELECT compliance.set_label('no_such_thing', 'ru', 'x');
SELECT compliance.set_label('patient_cards.no_column', 'ru', 'x');
SELECT compliance.set_label('med_care', 'ru', 'x', kind => 'folder');
SELECT compliance.set_label('med_care', 'ru', 'x', kind => 'recipient');
-- an unprotected table has nothing for documents to name
CREATE TABLE notes (id int, body text);
SELECT compliance.set_label('notes', 'ru', 'Заметки');
SELECT compliance.set_label('notes.body', 'ru', 'текст');
-- one name, two items: the kind says which
SELECT compliance.register_purpose('patient_cards', 'Card keeping');
SELECT compliance.set_label('patient_cards', 'ru', 'Медицинская карта');
SELECT compliance.set_label('patient_cards', 'ru', 'Медицинская карта', kind => 'table');
SELECT compliance.set_label('public.patient_cards', 'en', 'Medical record');
SELECT compliance.set_label('patient_cards', 'ru', 'Ведение медицинских карт', kind => 'purpose');
SELECT compliance.retire_purpose('patient_cards', 'registered by mistake');
SELECT kind, code, relid, column_name, lang, label FROM compliance.labels ORDER BY kind, lang;
-- a new label replaces the old one; NULL or an empty label removes it
SELECT compliance.set_label('patient_cards', 'ru', '  Карта пациента ', kind => 'table');
SELECT label FROM compliance.labels WHERE kind = 'table' AND lang = 'ru';
SELECT compliance.set_label('patient_cards', 'ru', NULL, kind => 'purpose');
SELECT compliance.set_label('public.patient_cards', 'en', '');
SELECT kind, code, relid, column_name, lang, label FROM compliance.labels ORDER BY kind, lang;

-- Privileges: admins label (as they register); the application and
-- analysts read the labels and the list, and may not set them
SET ROLE compliance_app;
SELECT compliance.set_label('med_care', 'ru', 'x');
SELECT count(*) > 0 AS app_reads_missing FROM compliance.missing_labels;
SELECT count(*) AS app_reads_labels FROM compliance.labels;
RESET ROLE;
SET ROLE compliance_analyst;
SELECT compliance.set_label('med_care', 'ru', 'x');
SELECT count(*) > 0 AS analyst_reads_missing FROM compliance.missing_labels;
RESET ROLE;
SET ROLE compliance_admin;
SELECT compliance.set_label('med_care', 'ru', 'Оказание медицинской помощи');
RESET ROLE;

-- The documents, generated as their users generate them.  Every
-- document in ru and en, text and HTML.
CREATE FUNCTION pg_temp.documents() RETURNS TABLE (doc text, lang text, body text)
    LANGUAGE sql AS $$
    SELECT d, l, CASE d
        WHEN 'notice' THEN compliance.consent_notice('{sms_reminders,med_care}', l)
        WHEN 'access' THEN compliance.subject_access_report('7', l, 'text', subject_kind => 'clinic_patient')
        WHEN 'access_html' THEN compliance.subject_access_report('7', l, 'html', subject_kind => 'clinic_patient')
        WHEN 'disclosures' THEN compliance.disclosure_answer('7', '2026-06-01', l, 'text', 'clinic_patient')
        WHEN 'policy' THEN compliance.policy_document(l)
        WHEN 'policy_html' THEN compliance.policy_document(l, 'html') END
      FROM unnest(ARRAY['notice', 'access', 'access_html', 'disclosures', 'policy', 'policy_html']) d,
           unnest(ARRAY['ru', 'en']) l
$$;
-- No raw name in any document: a word of the text (letters, digits and
-- underscores) that is a column, table, purpose, recipient or kind code.
CREATE FUNCTION pg_temp.raw_names() RETURNS TABLE (doc text, lang text, raw_name text)
    LANGUAGE sql AS $$
    WITH names(n) AS (
        SELECT a.attname::text FROM compliance.protected_tables t
          JOIN pg_attribute a ON a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped
        UNION SELECT c.relname::text FROM compliance.protected_tables t JOIN pg_class c ON c.oid = t.relid
        UNION SELECT p.code FROM compliance.purposes p
        UNION SELECT r.code FROM compliance.recipients r
        UNION SELECT k.kind FROM compliance.subject_kinds k WHERE k.kind <> 'person'
        UNION SELECT 'no_such_item')
    SELECT DISTINCT d.doc, d.lang, w
      FROM pg_temp.documents() d, regexp_split_to_table(d.body, '[^[:alnum:]_]+') w
     WHERE w IN (SELECT n FROM names)
     ORDER BY 1, 2, 3
$$;

-- Before labelling: a WARNING names each item a document shows without a
-- label, once per document, and the document uses a neutral wording
SELECT length(compliance.consent_notice('{sms_reminders,med_care}')) > 0 AS notice;
\pset format unaligned
\pset tuples_only on
SELECT regexp_replace(compliance.subject_access_report('7', 'ru', subject_kind => 'clinic_patient'),
                      '\d{2}\.\d{2}\.\d{4}', 'DATE', 'g');
\pset tuples_only off
\pset format aligned
-- no raw name in any of the twelve documents (their warnings muted)
SET client_min_messages = error;
SELECT * FROM pg_temp.raw_names();
RESET client_min_messages;
-- the notice given with a consent warns nobody: it is digested, not shown
SELECT compliance.give_consent('7', '{sms_reminders}', 'checkbox', subject_kind => 'clinic_patient') IS NOT NULL AS renewed;

-- Label what missing_labels lists, in each language
SELECT compliance.set_label('med_care', 'en', 'Medical care');
SELECT compliance.set_label('sms_reminders', 'ru', 'Напоминания о записи на прием');
SELECT compliance.set_label('sms_reminders', 'en', 'Appointment reminders');
SELECT compliance.set_label('sms_gw', 'ru', 'ООО «СМС-шлюз»');
SELECT compliance.set_label('sms_gw', 'en', 'SMS Gateway LLC');
SELECT compliance.set_label('lab_ru', 'ru', 'ООО «Центральная лаборатория»');
SELECT compliance.set_label('lab_ru', 'en', 'Central Lab LLC');
SELECT compliance.set_label('clinic_patient', 'ru', 'пациент');
SELECT compliance.set_label('public.patient_cards', 'en', 'Medical record');
SELECT compliance.set_label(item, lang, label) FROM (VALUES
    ('patient_cards.card_id', 'ru', 'номер медицинской карты'),
    ('patient_cards.card_id', 'en', 'medical record number'),
    ('patient_cards.full_name', 'ru', 'фамилия, собственное имя, отчество (если таковое имеется)'),
    ('patient_cards.full_name', 'en', 'surname, first name, patronymic (if any)'),
    ('patient_cards.phone_no', 'ru', 'номер мобильного телефона'),
    ('public.patient_cards.phone_no', 'en', 'mobile phone number'),
    ('patient_cards.diag_code', 'ru', 'диагноз'),
    ('patient_cards.diag_code', 'en', 'diagnosis')) v(item, lang, label);
SELECT * FROM compliance.missing_labels WHERE lang IN ('ru', 'en');

-- After: no WARNING (the item no protected column has, no_such_item,
-- still warns: no label can name it), no raw name, labels in the text
SELECT doc, lang, length(body) > 0 AS generated FROM pg_temp.documents();
SET client_min_messages = error;
SELECT * FROM pg_temp.raw_names();
RESET client_min_messages;
\pset format unaligned
\pset tuples_only on
SELECT regexp_replace(compliance.subject_access_report('7', 'ru', subject_kind => 'clinic_patient'),
                      '\d{2}\.\d{2}\.\d{4}', 'DATE', 'g');
SELECT regexp_replace(compliance.subject_access_report('7', 'en', subject_kind => 'clinic_patient'),
                      '\d{4}-\d{2}-\d{2}', 'DATE', 'g');
SELECT compliance.disclosure_answer('7', '2026-06-01', 'ru', 'text', 'clinic_patient');
SELECT compliance.consent_notice('{sms_reminders}', 'en');
\pset tuples_only off
\pset format aligned
SET client_min_messages = error;
SELECT compliance.policy_document() ~ 'внутреннего контроля .*: Петрова И\. И\., ответственная за внутренний контроль; контакты: тел\. \+375 17 000-00-00, каб\. 5\.'
       AS policy_names_responsible,
       compliance.policy_document() ~ 'Категории субъектов персональных данных: пациент\.' AS policy_subject_categories,
       compliance.consent_notice('{sms_reminders}') ~ 'Трансграничная передача персональных данных не осуществляется' AS notice_no_transfer;
SELECT compliance.policy_document()
       ~ 'Карта пациента \[субъекты персональных данных: пациент\]: номер медицинской карты, фамилия, собственное имя, отчество \(если таковое имеется\), номер мобильного телефона — персональные данные, не относящиеся к специальным; диагноз — персональные данные, касающиеся здоровья'
       AS policy_uses_labels;

-- Dates are Belarus dates: a consent that ends at midnight in Minsk (21:00
-- UTC) is valid through the day before, in the notice and in the report
SELECT compliance.give_consent('7', '{sms_reminders}', 'checkbox', valid_until => '2026-12-31 21:00+00',
                               subject_kind => 'clinic_patient') IS NOT NULL AS renewed_until;
SELECT position('по 31.12.2026 включительно' IN
                compliance.consent_notice('{sms_reminders}', valid_until => '2026-12-31 21:00+00')) > 0 AS notice_minsk,
       position('действует по 31.12.2026 включительно' IN
                compliance.subject_access_report('7', subject_kind => 'clinic_patient')) > 0 AS report_minsk,
       position('until 2026-12-31 inclusive' IN
                compliance.subject_access_report('7', 'en', subject_kind => 'clinic_patient')) > 0 AS report_minsk_en;

-- Citations in the form of Belarusian legal texts: no "ст. 8.2 абз. 5"
-- shape in any Russian document, and the bases cited in full
SELECT d.doc, m[1] AS short_citation
  FROM pg_temp.documents() d, regexp_matches(d.body, '((?:ст|абз|п|art|para)\.\s*\d+)', 'gi') m
 WHERE d.lang = 'ru';
SELECT compliance.basis_citation(b, l)
  FROM unnest(ARRAY['medical_assistance', 'contract_with_subject', 'consent', 'labour_relations']::compliance.legal_basis[]) b,
       unnest(ARRAY['ru', 'be', 'en']) l;

-- No Latin-script word in the Russian documents once everything is
-- labelled: a regexp over the words of the text (actions, bases,
-- categories and countries are words of the document's language).
SELECT d.doc, string_agg(DISTINCT w[1], ' ' ORDER BY w[1]) AS latin_words
  FROM pg_temp.documents() d, regexp_matches(d.body, '([A-Za-z][A-Za-z-]*)', 'g') w
 WHERE d.lang = 'ru' AND d.doc NOT LIKE '%html'
 GROUP BY d.doc ORDER BY d.doc;
RESET client_min_messages;

-- The texts themselves (compliance.document_texts, one install file per
-- language): every key in Russian and English, and no Latin-script word in
-- any Russian or Belarusian text but the date pattern (%s marks a value)
SELECT t.key, array_agg(t.lang ORDER BY t.lang) AS langs
  FROM compliance.document_texts t GROUP BY t.key
HAVING NOT array_agg(t.lang) @> '{ru,en}';
SELECT t.key, t.text FROM compliance.document_texts t
 WHERE t.lang IN ('ru', 'be') AND t.key <> 'doc.date_format' AND replace(t.text, '%s', '') ~ '[A-Za-z]';
SELECT count(*) > 150 AS texts FROM compliance.document_texts WHERE lang = 'ru';

-- Labels follow their items: a renamed table keeps them, a dropped column
-- and an unprotected table take theirs along
ALTER TABLE patient_cards RENAME TO cards;
SELECT kind, relid, column_name, lang FROM compliance.labels WHERE relid IS NOT NULL AND column_name IS NULL ORDER BY lang;
ALTER TABLE cards DROP COLUMN phone_no;
SELECT count(*) AS phone_labels FROM compliance.labels WHERE column_name = 'phone_no';
SELECT compliance.unprotect('cards');
SELECT kind, count(*) FROM compliance.labels GROUP BY kind ORDER BY kind;

DROP TABLE cards, notes;
DROP EXTENSION compliance CASCADE;
