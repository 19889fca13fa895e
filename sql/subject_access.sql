-- The right to information on processing (Art. 11): the export of what is
-- held about a subject across protected tables, with sources, bases,
-- consent periods and authorised persons; purposes exempt under Art. 11.3;
-- the report for the subject in Russian and English, text and HTML.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
-- Some deadlines below count from today: the years they may run into are
-- confirmed, so that the output does not depend on the day the test runs
-- (an unconfirmed year only adds a WARNING; sql/calendar.sql tests it).
DO $$
BEGIN
    INSERT INTO compliance.calendar_years (year, confirmed_by)
    SELECT y, 'weekends and holidays only' FROM generate_series(2024, extract(year FROM now())::integer + 1) y
    ON CONFLICT (year) DO NOTHING;
END
$$;

-- the report names the processor (Art. 11.1)
SELECT compliance.subject_access('1');

SELECT compliance.set_processor('Clinic "Zdorovie" <Minsk> & Co', 'Minsk, Nezavisimosti Ave 1');
SELECT compliance.register_purpose('care', 'Medical care', 'medical_assistance',
    data_items => ARRAY['name', 'patients.diagnosis', 'visited_on', 'note'], basis_scope => 'all_subjects');
SELECT compliance.register_purpose('marketing', 'Marketing e-mails', data_items => ARRAY['email'],
    description => 'Offers & news, <monthly>.');
SELECT compliance.register_purpose('research', 'Research', 'consent');
SELECT compliance.register_purpose('stats', 'Health statistics', 'state_statistics', data_items => ARRAY['patients.diagnosis'], basis_scope => 'all_subjects');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', data_items => ARRAY['amount', 'items'], basis_scope => 'all_subjects');
SELECT compliance.register_purpose('security', 'CCTV', 'legal_obligation', data_items => ARRAY['camera'], basis_scope => 'all_subjects');
SELECT compliance.register_recipient('lab', 'Lab "Analiz" LLC', 'Minsk, Lab St 5', 'BY', 'authorised_person');
SELECT compliance.register_recipient('bureau', 'Credit bureau', 'Minsk, Bank St 1', 'BY');

-- the application owns the tables; a subject column may be of any type
CREATE ROLE clinic_app NOLOGIN;
GRANT compliance_app TO clinic_app;
GRANT USAGE, CREATE ON SCHEMA public TO clinic_app;
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, r::regrole)
    FROM unnest(ARRAY['care', 'marketing', 'research', 'stats', 'billing', 'security']) p, unnest(ARRAY['clinic_app']) r) g;
SET ROLE clinic_app;
CREATE TABLE patients (id int PRIMARY KEY, name text, email text, diagnosis text);
CREATE TABLE visits (id int PRIMARY KEY, patient_id int REFERENCES patients, visited_on date, note text);
CREATE TABLE invoices (no text PRIMARY KEY, patient_ref text, amount numeric, items jsonb);
COMMENT ON TABLE visits IS 'Visits <outpatient & day care>';
INSERT INTO patients VALUES (1, 'Anna <script>alert("x")</script> & Co', 'anna@example.by', 'flu'),
                            (2, 'Boris', 'boris@example.by', NULL),
                            (3, 'Vera', NULL, 'asthma');
INSERT INTO visits VALUES (10, 1, '2026-01-05', 'first visit'), (11, 1, '2026-02-05', NULL),
                          (20, 2, '2026-03-01', 'check-up');
INSERT INTO invoices VALUES ('A-1', '1', 25.50, '{"service": "consultation <1>"}'), ('B-1', '2', 10, NULL);
RESET ROLE;
SELECT compliance.protect('patients', 'id', '{"diagnosis": "health"}');
SELECT compliance.protect('visits', 'patient_id');
SELECT compliance.protect('invoices', 'patient_ref');

-- Art. 11.1: the source of the data, per table
SELECT compliance.set_data_source('patients', 'Registration form filled in by the patient');
SELECT compliance.set_data_source('visits', '  Doctor''s notes ');
SELECT compliance.set_data_source('invoices', 'Cash register');
SELECT compliance.set_data_source('invoices', NULL);
SELECT compliance.set_data_source('pg_class', 'catalog');
SELECT compliance.set_data_source(NULL, 'x');
SELECT relid, source FROM compliance.data_sources ORDER BY relid::text;

-- Art. 11.3: exempt purposes; the ground defaults from the legal basis
SELECT compliance.set_purpose_exemption('stats', true);
SELECT compliance.set_purpose_exemption('billing', true);
SELECT compliance.set_purpose_exemption('research', false, true, 'Art. 12.3 of Law 99-Z: court proceedings');
SELECT compliance.set_purpose_exemption('security', true, ground => 'Art. 11.3: other legislative act');
SELECT compliance.set_purpose_exemption('security', false);
SELECT compliance.set_purpose_exemption('gossip', true);
SELECT compliance.set_purpose_exemption('stats', NULL);
SELECT purpose, access_exempt, disclosure_exempt, ground FROM compliance.purpose_exemptions ORDER BY purpose::text;

-- consent: 1 for marketing (until 2030) and research (withdrawn); 4 consent only
SELECT compliance.purposes(compliance.give_consent('1', '{marketing}', 'checkbox', valid_until => '2030-12-31 12:00+03'));
SELECT compliance.purposes(compliance.give_consent('1', '{research}', 'written'));
SELECT compliance.withdraw_consent('1', '{research}');
SELECT compliance.purposes(compliance.give_consent('4', '{research}', 'checkbox'));
SELECT compliance.block_subject('2', 'Accuracy disputed by the subject; checking (Art. 11.4)');

-- What is shown: the export without the moment it was made and of consents
CREATE FUNCTION show(j jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT regexp_replace(regexp_replace(jsonb_pretty(j - 'generated_at'),
               '"(given_at|since)": "[^"]*"', '"\1": "(now)"', 'g'), ' +$', '', 'gn')
$$;
CREATE FUNCTION show_report(r text) RETURNS text LANGUAGE sql AS $$
    SELECT replace(replace(r, to_char(now() AT TIME ZONE 'Europe/Minsk', 'DD.MM.YYYY'), '<today>'),
                   to_char(now() AT TIME ZONE 'Europe/Minsk', 'YYYY-MM-DD'), '<today>')
$$;
\pset format unaligned
-- subject 1: three tables, bases and purposes, consent periods, authorised
-- persons; stats is exempt under Art. 11.3 and left out with a note
SELECT show(compliance.subject_access('1'));
-- subject 2: blocked, no consent
SELECT show(compliance.subject_access('2'));
-- subject 4: nothing but consent records
SELECT show(compliance.subject_access('4'));
-- nothing held, also for a key no subject column could hold
SELECT show(compliance.subject_access('404'));
SELECT show(compliance.subject_access('not-a-number'));
SELECT compliance.subject_access(NULL);

-- the document for the subject (Art. 11.2: in accessible form)
SELECT show_report(compliance.subject_access_report('1'));
SELECT show_report(compliance.subject_access_report('1', 'en'));
SELECT show_report(compliance.subject_access_report('1', 'ru', 'html'));
SELECT show_report(compliance.subject_access_report('2', 'en', 'html'));
SELECT show_report(compliance.subject_access_report('4', 'ru'));
SELECT show_report(compliance.subject_access_report('404', 'en', 'html'));
\pset format aligned
-- nothing in the HTML is left unescaped
SELECT r ~ '<script>' AS raw_script, r ~ '&lt;script&gt;alert\(&quot;x&quot;\)&lt;/script&gt; &amp; Co' AS escaped_name,
       r ~ 'Clinic &quot;Zdorovie&quot; &lt;Minsk&gt; &amp; Co' AS escaped_processor,
       r ~ '<th>Field no\. 2</th>' AND r !~ 'patient_id' AS column_headers
  FROM compliance.subject_access_report('1', 'en', 'html') r;
SELECT compliance.subject_access_report('1', 'de');
SELECT compliance.subject_access_report('1', NULL);
SELECT compliance.subject_access_report('1', 'en', 'pdf');
SELECT compliance.subject_access_report('1', 'en', NULL);

-- Officers read every row whatever the declared purpose; the application
-- cannot call the officer functions
SET ROLE compliance_app;
SELECT compliance.subject_access('1');
SELECT compliance.subject_access_report('1');
SELECT compliance.set_data_source('patients', 'x');
RESET ROLE;
SET ROLE clinic_app;
SET compliance.purpose = 'research';
SELECT count(*) AS research_sees FROM patients;
SET compliance.purpose = 'care';
SELECT id FROM patients ORDER BY id;
RESET compliance.purpose;
RESET ROLE;
SET ROLE compliance_officer;
SHOW compliance.purpose;
SELECT s AS subject, (SELECT sum(jsonb_array_length(t -> 'rows')) FROM jsonb_array_elements(a -> 'data') t) AS rows,
       a ? 'blocked' AS blocked
  FROM unnest(ARRAY['1', '2', '3']) s, compliance.subject_access(s) a ORDER BY s;
SHOW compliance.enforce;
SELECT count(*) FROM patients;
SET compliance.enforce = off;
SELECT compliance.set_purpose_exemption('stats', false);
RESET ROLE;
SET ROLE compliance_admin;
SELECT compliance.subject_access('1');
SELECT compliance.set_purpose_exemption('stats', false);
SELECT compliance.set_data_source('invoices', 'Cash register');
RESET ROLE;
-- the exemption lifted, stats is reported again
SELECT a -> 'withheld' AS withheld, jsonb_path_query_array(a, '$.purposes[*].purpose') AS purposes
  FROM compliance.subject_access('3') a;

-- a dropped table's source is forgotten
DROP TABLE invoices;
SELECT relid, source FROM compliance.data_sources ORDER BY relid::text;

-- Art. 11.4: a rectify application carried out by the officer, the change
-- logged without the values, the application completed
SELECT compliance.file_request('1', 'rectify', essence => 'my e-mail changed') AS rect \gset
SELECT compliance.answer_request(:rect);
SET ROLE compliance_officer;
SELECT compliance.rectify_subject(:rect, 'patients', '{"email": "anna.new@example.by", "name": "Anna K."}');
RESET ROLE;
SET compliance.enforce = off;
SELECT id, name, email FROM patients WHERE id = 1;
RESET compliance.enforce;
SELECT table_name, columns, rows, rectified_by FROM compliance.rectifications;
SELECT status, outcome, response FROM compliance.requests WHERE id = :rect;
SELECT compliance.rectify_subject(:rect, 'patients', '{"email": "x"}');
SELECT compliance.file_request('1', 'rectify') AS rect2 \gset
SELECT compliance.rectify_subject(:rect2, 'patients', '{"id": 5}');
SELECT compliance.rectify_subject(:rect2, 'patients', '{"nonexistent": 5}');
SELECT compliance.rectify_subject(:rect2, 'patients', '[1]');
SELECT compliance.rectify_subject(:rect2, 'compliance.purposes', '{"title": "x"}');
SELECT compliance.rectify_subject(:rect2, 'visits', '{"visited_on": "not a date"}');
SELECT compliance.rectify_subject(:rect2, 'visits', '{"note": null}', complete => false);
SELECT status FROM compliance.requests WHERE id = :rect2;
SELECT compliance.file_request('1', 'access') AS acc \gset
SELECT compliance.rectify_subject(:acc, 'patients', '{"email": "x"}');
SET ROLE compliance_app;
SELECT compliance.rectify_subject(:rect2, 'patients', '{"email": "x"}');
RESET ROLE;

-- A subject column with a type modifier (char(3), bit(4)) or a collation
-- that ignores case: the key is matched as the ledger holds it, byte for
-- byte, not cut to char(1) (no row found, the erasure said "fulfilled")
-- nor widened to another subject's rows (ANNA's given out, and erased,
-- for anna)
CREATE TABLE sa_fixed (id char(3) PRIMARY KEY, email text);
CREATE TABLE sa_bits (id bit(4) PRIMARY KEY, email text);
CREATE COLLATION sa_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE sa_cased (subj text COLLATE sa_nocase, email text);
INSERT INTO sa_fixed VALUES ('abc', 'abc@example.by'), ('abd', 'abd@example.by');
INSERT INTO sa_bits VALUES (B'1010', 'bits@example.by');
INSERT INTO sa_cased VALUES ('anna', 'anna@example.by'), ('ANNA', 'other@example.by');
SELECT compliance.protect('sa_fixed', 'id'), compliance.protect('sa_bits', 'id'),
       compliance.protect('sa_cased', 'subj');
SELECT jsonb_path_query_array(compliance.subject_access('abc') -> 'data', '$[*].rows[*].email') AS abc,
       jsonb_path_query_array(compliance.subject_access('1010') -> 'data', '$[*].rows[*].email') AS bits,
       jsonb_path_query_array(compliance.subject_access('anna') -> 'data', '$[*].rows[*].email') AS anna;
SELECT compliance.erase_subject('anna') -> 'deleted' AS anna_erased,
       compliance.erase_subject('abc') -> 'deleted' AS abc_erased;
SET compliance.enforce = off;
SELECT (SELECT string_agg(email, ',' ORDER BY email) FROM sa_cased) AS cased_left,
       (SELECT string_agg(email, ',' ORDER BY email) FROM sa_fixed) AS fixed_left;
RESET compliance.enforce;
DROP TABLE sa_fixed, sa_bits, sa_cased;
DROP COLLATION sa_nocase;

DROP FUNCTION show(jsonb), show_report(text);
DROP TABLE visits, patients;
DROP EXTENSION compliance;
REVOKE ALL ON SCHEMA public FROM clinic_app;
DROP ROLE clinic_app;
