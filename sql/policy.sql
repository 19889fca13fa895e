-- The processing policy (Art. 17.3, 17.4), generated from the registry:
-- processor, purposes with bases and retention, categories (special ones
-- marked), tables kept by law, recipients and authorised persons,
-- transborder transmission, rights and deadlines; Russian and English,
-- text and HTML; errors and privileges.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- no processor yet
SELECT compliance.policy_document();

SELECT compliance.set_processor('Clinic "Zdorovye" LLC', 'Minsk, Nezavisimosti Ave 10');
-- nothing registered: the policy says so
\pset format unaligned
\pset tuples_only on
SELECT regexp_replace(compliance.policy_document('en'), '\d{4}-\d{2}-\d{2}', 'DATE');
\pset tuples_only off
\pset format aligned

SELECT compliance.register_purpose('treatment', 'Medical treatment', 'medical_assistance',
    retention => interval '10 years', description => 'Diagnosis and treatment of patients.');
SELECT compliance.register_purpose('reminders', 'Appointment reminders by SMS',
    retention => interval '1 month', data_items => ARRAY['full_name', 'phone'],
    actions => ARRAY['collection', 'storage', 'use']::compliance.processing_action[]);
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', data_items => ARRAY['amount']);
SELECT compliance.register_recipient('sms_gateway', 'SMS Gateway LLC', 'Minsk, Surganova St 2', 'BY', 'authorised_person');
SELECT compliance.set_recipient_agreement('sms_gateway', '{reminders}', ARRAY['storage', 'use']::compliance.processing_action[],
                                          reference => 'Agreement No. 7 of 2026-01-15');
SELECT compliance.register_recipient('lab', 'Central Lab', 'Moscow', 'RU');
SELECT compliance.register_recipient('cloud', 'Cloud Analytics Inc.', 'Austin, TX', 'US');
SELECT compliance.register_recipient('insurer', 'Belgosstrakh', 'Minsk', 'BY');
CREATE TABLE patients (id int PRIMARY KEY, full_name text, phone text, diagnosis text, photo bytea);
COMMENT ON TABLE patients IS 'patient records';
CREATE TABLE invoices (id int PRIMARY KEY, patient_id int, amount numeric);
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health", "photo": "biometric", "full_name": "ordinary"}');
SELECT compliance.protect('invoices', 'patient_id');
SELECT compliance.set_retained('invoices', 'Tax Code of the Republic of Belarus: accounting documents are kept 5 years', interval '5 years');

-- Russian is the default; dates are the only thing that changes
\pset format unaligned
\pset tuples_only on
SELECT regexp_replace(compliance.policy_document(), '\d{2}\.\d{2}\.\d{4}', 'DATE');
SELECT regexp_replace(compliance.policy_document('en'), '\d{4}-\d{2}-\d{2}', 'DATE');
\pset tuples_only off
\pset format aligned

-- The edition date is the Belarus date of the last registry change
SELECT compliance.policy_document('en') LIKE '%Edition of ' || compliance.report_date(
           (SELECT max(t.set_at) FROM compliance.retained_tables t), 'en') || '%' AS dated_by_registry;

-- The content follows the registry: a new purpose, a recipient in a
-- country made adequate
SELECT compliance.policy_document('en') LIKE '%Research%' AS before;
SELECT compliance.register_purpose('research', 'Research', retention => interval '2 years 6 months');
SELECT compliance.policy_document('en') ~ 'Research\. Legal basis: Consent of the data subject \(Article 4\.3, Article 5, Article 8\.1 of the Law\)\. Personal data: all personal data listed in section 3\. Retention: while the consent is in force and for 2 years 6 months after it ends' AS after;
SELECT compliance.policy_document('ru') ~ 'Research\. Правовое основание: согласие субъекта персональных данных \(пункт 3 статьи 4, статья 5, пункт 1 статьи 8 Закона\)\..*Срок хранения: в течение срока действия согласия, а после его прекращения — 2 года 6 месяцев' AS after_ru;
INSERT INTO compliance.adequate_countries (country, note) VALUES ('US', 'test');
SELECT compliance.policy_document('en') ~ 'United States — Cloud Analytics Inc\.: a state that affords an adequate level' AS us_adequate;

-- HTML: a self-contained page, every value escaped
SELECT compliance.register_recipient('evil', '<script>alert(1)</script>', 'Minsk', 'BY');
SELECT left(p, 160) AS head,
       p LIKE '%&lt;script&gt;alert(1)&lt;/script&gt;%' AS escaped,
       p NOT LIKE '%<script>%' AS no_raw_script,
       p LIKE '%<h2>2. Цели обработки, правовые основания и сроки хранения</h2>%' AS has_sections,
       p LIKE '%Clinic &quot;Zdorovye&quot; LLC%' AS processor_escaped,
       right(p, 16) AS tail
  FROM compliance.policy_document('ru', 'html') p;

-- Errors
SELECT compliance.policy_document('de');
SELECT compliance.policy_document(NULL);
SELECT compliance.policy_document('en', 'pdf');

-- Every role may generate it (Art. 17.4: unlimited access); PUBLIC may not call the function
SET ROLE compliance_app;
SELECT length(compliance.policy_document()) > 1000 AS app;
RESET ROLE;
SET ROLE compliance_analyst;
SELECT length(compliance.policy_document('en', 'html')) > 1000 AS analyst;
RESET ROLE;
CREATE ROLE policy_nobody NOLOGIN;
SET ROLE policy_nobody;
SELECT compliance.policy_document();
RESET ROLE;
DROP ROLE policy_nobody;

DROP TABLE patients, invoices;
DROP EXTENSION compliance CASCADE;
