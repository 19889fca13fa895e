-- The clinic the screenshots show (doc/screenshots/render): a processor, a
-- purpose on consent and one on Art. 8.2, an authorised person in Minsk, a
-- recipient in Moscow, one protected table with a health column, every
-- label in ru, be and en, a consent, a disclosure and a breach.
SET client_min_messages = warning;
CREATE EXTENSION compliance;
SET timezone = 'UTC';
SELECT compliance.set_processor('ООО «Здоровье»', 'г. Минск, пр. Независимости, 10');
SELECT compliance.register_subject_kind('clinic_patient', 'patient');
SELECT compliance.set_responsible_person('Петрова И. И.', 'тел. +375 17 000-00-00');
SELECT compliance.register_purpose('med_care', 'Medical care', 'medical_assistance', retention => interval '10 years', basis_scope => 'all_subjects');
SELECT compliance.register_purpose('sms_reminders', 'Appointment reminders', data_items => ARRAY['full_name', 'phone_no'], actions => ARRAY['storage', 'use']::compliance.processing_action[], retention => interval '1 month');
SELECT compliance.register_recipient('sms_gw', 'SMS Gateway LLC', 'г. Минск', 'BY', 'authorised_person');
SELECT compliance.set_recipient_agreement('sms_gw', '{sms_reminders}', '{storage,use}', true);
SELECT compliance.register_recipient('lab_ru', 'Central Lab', 'г. Москва', 'RU');
CREATE TABLE patient_cards (card_id int PRIMARY KEY, full_name text, phone_no text, diag_code text);
SELECT compliance.protect('patient_cards', 'card_id', '{"diag_code": "health"}', subject_kind => 'clinic_patient');
SET compliance.enforce = off;
INSERT INTO patient_cards VALUES (7, 'Иванов Иван Иванович', '+375 29 123 45 67', 'ОРВИ');
RESET compliance.enforce;
SELECT compliance.give_consent('7', '{sms_reminders}', 'checkbox', subject_kind => 'clinic_patient') IS NOT NULL;
SELECT compliance.record_disclosure('7', 'lab_ru', ARRAY['patient_cards.diag_code'], 'med_care', disclosed_at => now() - interval '40 days', subject_kind => 'clinic_patient') > 0;
SELECT compliance.set_label(item, lang, label) FROM (VALUES
 ('med_care','ru','Оказание медицинской помощи'),('med_care','be','Аказанне медыцынскай дапамогі'),('med_care','en','Medical care'),
 ('sms_reminders','ru','Напоминания о записи на прием'),('sms_reminders','be','Напаміны пра запіс на прыём'),('sms_reminders','en','Appointment reminders'),
 ('sms_gw','ru','ООО «СМС-шлюз»'),('sms_gw','be','ТАА «СМС-шлюз»'),('sms_gw','en','SMS Gateway LLC'),
 ('lab_ru','ru','ООО «Центральная лаборатория»'),('lab_ru','be','ТАА «Цэнтральная лабараторыя»'),('lab_ru','en','Central Lab LLC'),
 ('clinic_patient','ru','пациент'),('clinic_patient','be','пацыент'),
 ('public.patient_cards','ru','Медицинская карта'),('public.patient_cards','be','Медыцынская карта'),('public.patient_cards','en','Medical record'),
 ('patient_cards.card_id','ru','номер медицинской карты'),('patient_cards.card_id','be','нумар медыцынскай карты'),('patient_cards.card_id','en','medical record number'),
 ('patient_cards.full_name','ru','фамилия, собственное имя, отчество (если таковое имеется)'),('patient_cards.full_name','be','прозвішча, уласнае імя, імя па бацьку (калі такое ёсць)'),('patient_cards.full_name','en','surname, first name, patronymic (if any)'),
 ('patient_cards.phone_no','ru','номер мобильного телефона'),('patient_cards.phone_no','be','нумар мабільнага тэлефона'),('patient_cards.phone_no','en','mobile phone number'),
 ('patient_cards.diag_code','ru','диагноз'),('patient_cards.diag_code','be','дыягназ'),('patient_cards.diag_code','en','diagnosis')) v(item, lang, label);
SELECT compliance.report_breach(now() - interval '1 day',
    'Утерян служебный ноутбук с выгрузкой карт пациентов (диск зашифрован); доступы отозваны, пароли сменены.',
    ARRAY['7', '8', '9'], 'clinic_patient');
