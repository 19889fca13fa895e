-- Art. 9.1 exceptions that hold per subject: an export to a recipient in
-- a country without adequate protection under 'informed_consent' reaches
-- only the subjects whose consent names that country (after a notice of
-- the risks), under 'contract_with_subject' only those with a contract in
-- force; the session's word is not enough, and the log records nobody else.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('marketing', 'Marketing', data_items => ARRAY['email']);
SELECT compliance.register_purpose('delivery', 'Delivery', 'contract_with_subject', data_items => ARRAY['email']);
SELECT compliance.register_recipient('crm_us', 'CRM Inc', 'Seattle, 1st Ave 100', 'US');
SELECT compliance.register_recipient('mailer', 'Mailer LLC', 'Minsk', 'BY');

-- The notice before a consent to a transfer names the country and the risks.
SELECT line FROM regexp_split_to_table(
         compliance.consent_notice('{marketing}', 'en', transfer_countries => '{US}'), E'\n') line
 WHERE line ~ 'TRANSBORDER|United States|adequate|Without your consent';
SELECT line FROM regexp_split_to_table(
         compliance.consent_notice('{marketing}', 'ru', transfer_countries => '{US}'), E'\n') line
 WHERE line ~ 'ТРАНСГРАНИЧНАЯ|Соединённые штаты\.|надлежащий';
-- a notice without transfer says nothing of it
SELECT compliance.consent_notice('{marketing}', 'en') ~ 'TRANSBORDER' AS mentions_transfer;

-- Ten customers; all consent to marketing, the even ones also to the
-- transfer to the US.  Customers 1 and 2 have a delivery contract.
CREATE TABLE customers (id int PRIMARY KEY, email text);
INSERT INTO customers SELECT g, 'c' || g || '@example.by' FROM generate_series(1, 10) g;
SELECT compliance.protect('customers', 'id');
SELECT count(compliance.give_consent(g::text, '{marketing}', 'checkbox',
             transfer_countries => CASE WHEN g % 2 = 0 THEN '{US,US}'::text[] END))
  FROM generate_series(1, 10) g;
SELECT subject, transfer_countries FROM compliance.consent_state ORDER BY subject::int;
SELECT count(*) AS ledger_rows_naming_us FROM compliance.consent_ledger WHERE transfer_countries @> '{US}';
SELECT compliance.record_basis(g::text, 'delivery') > 0 AS contract FROM generate_series(1, 2) g;

-- bad transfer countries
SELECT compliance.give_consent('1', '{marketing}', 'checkbox', transfer_countries => '{XX}');
SELECT compliance.give_consent('1', '{marketing}', 'checkbox', transfer_countries => '{BY}');

CREATE ROLE shop_app NOLOGIN IN ROLE compliance_app;
GRANT SELECT ON customers TO shop_app;
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, 'shop_app')
    FROM unnest(ARRAY['marketing', 'delivery']) p) g;
SET ROLE shop_app;

-- The export under informed_consent: only the consenting half leaves,
-- through every path, and only they are logged.
SET compliance.purpose = 'marketing';
SET compliance.recipient = 'crm_us';
SET compliance.transfer_basis = 'informed_consent';
SELECT id, email FROM customers ORDER BY id;
SELECT count(*) FROM customers;
SELECT id FROM (SELECT id FROM customers WHERE id < 5) s ORDER BY id;
COPY (SELECT id FROM customers ORDER BY id) TO STDOUT;
-- under on_blocked_read = 'error' the first subject without it stops the export
SET compliance.on_blocked_read = 'error';
SELECT id FROM customers ORDER BY id;
RESET compliance.on_blocked_read;
-- a domestic recipient is no transfer: everybody who consented to marketing
SET compliance.recipient = 'mailer';
SELECT count(*) FROM customers;
SET compliance.recipient = 'crm_us';
RESET ROLE;
SELECT compliance.flush_disclosures();
SELECT subject, transfer_kind, transfer_basis FROM compliance.disclosure_log
 WHERE recipient = 'crm_us' ORDER BY subject::int, id;

-- A withdrawal ends the transfer at the next statement.
SELECT compliance.withdraw_consent('4');
SET ROLE shop_app;
SELECT id FROM customers ORDER BY id;
-- a consent renewed without the country no longer covers the transfer
RESET ROLE;
SELECT compliance.give_consent('6', '{marketing}', 'checkbox') IS NOT NULL AS renewed;
SET ROLE shop_app;
SELECT id FROM customers ORDER BY id;

-- informed_consent needs a consent purpose; the contract exception follows contracts
SET compliance.purpose = 'delivery';
SELECT id FROM customers ORDER BY id;
SET compliance.transfer_basis = 'contract_with_subject';
SELECT id FROM customers ORDER BY id;
RESET ROLE;
SELECT compliance.end_basis('2', 'delivery');
SET ROLE shop_app;
SELECT id FROM customers ORDER BY id;
-- exceptions that hold for everybody are not checked per subject
SET compliance.transfer_basis = 'international_treaty';
SELECT count(*) FROM customers;
RESET compliance.transfer_basis;
RESET compliance.recipient;
RESET compliance.purpose;
RESET ROLE;

-- With enforcement off, the per-subject exceptions cannot be checked: refused.
SET compliance.purpose = 'marketing';
SET compliance.recipient = 'crm_us';
SET compliance.transfer_basis = 'informed_consent';
SET compliance.enforce = off;
SELECT count(*) FROM customers;
RESET compliance.enforce;
RESET compliance.transfer_basis;
RESET compliance.recipient;
RESET compliance.purpose;

-- record_disclosure checks each subject the same way.
SELECT compliance.record_disclosure('8', 'crm_us', ARRAY['email'], 'marketing', 'informed_consent') > 0 AS recorded;
SELECT compliance.record_disclosure('7', 'crm_us', ARRAY['email'], 'marketing', 'informed_consent');
SELECT compliance.record_disclosure('8', 'crm_us', ARRAY['email'], NULL, 'informed_consent');
SELECT compliance.record_disclosure('1', 'crm_us', ARRAY['email'], 'delivery', 'contract_with_subject') > 0 AS recorded;
SELECT compliance.record_disclosure('3', 'crm_us', ARRAY['email'], 'delivery', 'contract_with_subject');
-- before the consent was given, it did not hold
SELECT compliance.record_disclosure('8', 'crm_us', ARRAY['email'], 'marketing', 'informed_consent',
                                    disclosed_at => '2025-01-01 00:00+00');
SELECT ledger, ok FROM compliance.verify_ledger() ORDER BY ledger;

DROP TABLE customers;
DROP EXTENSION compliance CASCADE;
DROP ROLE shop_app;
