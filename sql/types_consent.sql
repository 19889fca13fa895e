-- compliance.consent: one consent receipt (Art. 5.7: the processor proves
-- consent).  Text, jsonb and binary forms, accessors, covers(), the
-- constructor, and malformed input.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
SET timezone = 'UTC';

SELECT compliance.register_purpose('marketing', 'Marketing');
SELECT compliance.register_purpose('payroll', 'Payroll', 'labour_relations');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject');

-- minimal literal: defaults and absent fields
SELECT '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")'::compliance.consent;

-- every field, keys in any order, whitespace and escapes
CREATE TABLE receipts (n int, c compliance.consent);
INSERT INTO receipts VALUES
(1, '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")'),
(2, E'( notice_lang = ru ,\n  evidence_digest=NULL, id=7,\tsubject="a \\"quoted\\" \\\\ key, (with) {braces}",
    purposes="{payroll, marketing}", form=sms_code, given_at="2026-11-22 13:00:00.5+03",
    valid_until=2027-11-22T00:00:00Z, indicated_by=legal_representative,
    representative="{\\"surname\\": \\"Петрова\\", \\"document\\": \\"MP1234567\\"}",
    notice_digest=ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB,
    identity="{\\"surname\\": \\"Петров\\", \\"first_name\\": \\"Иван\\", \\"birth_date\\": \\"2012-02-29\\", \\"married\\": false, \\"id_number\\": \\"3140612A012PB1\\", \\"deceased_on\\": null}" )'),
(3, '(id=NULL, subject="NULL", purposes="{billing,marketing,payroll}", form="written", given_at="0044-03-15 12:00:00+00 BC", valid_until="12026-01-01 00:00:00.000001+00", indicated_by=NULL, representative="{}", evidence_digest="0000000000000000000000000000000000000000000000000000000000000000", notice_lang="zh-Hant-TW")'),
(4, '(subject=s4, purposes=payroll, form=email_code, given_at=2020-01-01, indicated_by=successor, representative="{\"name\": \"Heir\"}", identity="{\"deceased_on\": \"2019-12-31\"}")'),
(5, '(subject=s5, purposes=billing, form=other_electronic, given_at=2020-01-01, valid_until=2021-01-01)'),
(6, '(subject=s6, purposes=marketing, form=electronic_document, given_at=2020-01-01, indicated_by=close_relative)'),
(7, '(subject=s7, purposes=marketing, form=written, given_at=2020-01-01, indicated_by=spouse)'),
(8, '(subject=s8, purposes=marketing, form=written, given_at=2020-01-01, indicated_by=adoptive_parent)'),
(9, '(subject=s9, purposes=marketing, form=written, given_at=2020-01-01, indicated_by=adoptive_child)');
SELECT n, c FROM receipts ORDER BY n;

-- the canonical text reads back to an equal value and prints identically
SELECT n, c::text::compliance.consent = c AS equal,
       c::text::compliance.consent::text = c::text AS same_text
  FROM receipts ORDER BY n;

-- the text form depends on neither TimeZone nor DateStyle
SET timezone = 'Asia/Tokyo';
SET datestyle = 'SQL, DMY';
SELECT c FROM receipts WHERE n = 2;
SELECT compliance.given_at(c) FROM receipts WHERE n = 2;
RESET datestyle;
SET timezone = 'UTC';

-- accessors
SELECT n, compliance.subject(c), compliance.purposes(c), compliance.consent_id(c) AS id,
       compliance.given_at(c), compliance.valid_until(c)
  FROM receipts ORDER BY n;
SELECT n, compliance.form(c), pg_typeof(compliance.form(c)) AS form_type,
       compliance.indicated_by(c), compliance.representative(c), compliance.notice_lang(c)
  FROM receipts ORDER BY n;
SELECT n, compliance.identity(c), compliance.notice_digest(c), compliance.evidence_digest(c)
  FROM receipts WHERE n IN (1, 2, 3) ORDER BY n;
SELECT compliance.form(c) = 'sms_code' AS is_sms, compliance.identity(c) ->> 'birth_date' AS born
  FROM receipts WHERE n = 2;
SELECT NULL::compliance.consent IS NULL AS null_ok, compliance.subject(NULL) IS NULL AS strict_ok;

-- jsonb casts, both ways
SELECT n, c::jsonb FROM receipts ORDER BY n;
SELECT n, c::jsonb::compliance.consent = c AS round_trip FROM receipts ORDER BY n;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-11-22T10:00:00Z"}'::jsonb::compliance.consent;
SELECT '{"id": 5, "subject": "42", "purposes": ["payroll", "marketing"], "form": "checkbox",
         "given_at": "2026-11-22 10:00:00+00", "valid_until": null, "indicated_by": null,
         "identity": {"surname": "Ivanov"}, "notice_digest": null}'::jsonb::compliance.consent;
-- what the ledger does: set the id through jsonb
SELECT jsonb_set(c::jsonb, '{id}', to_jsonb(99))::compliance.consent FROM receipts WHERE n = 1;

-- binary round trip through COPY (purposes travel as codes)
SELECT '/tmp/compliance_consent_regress_' || pg_backend_pid() || '.bin' AS binfile \gset
COPY receipts TO :'binfile' (FORMAT binary);
CREATE TABLE receipts_copy (LIKE receipts);
COPY receipts_copy FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE a.c = b.c) AS equal,
       count(*) FILTER (WHERE a.c::text = b.c::text) AS same_text
  FROM receipts a JOIN receipts_copy b USING (n);

-- equality, hashing
SELECT a.n, b.n AS m, a.c = b.c AS eq, a.c <> b.c AS ne
  FROM receipts a, receipts b WHERE a.n IN (1, 2) AND b.n IN (1, 2) ORDER BY 1, 2;
SELECT count(*) AS distinct_receipts
  FROM (SELECT DISTINCT c FROM (SELECT c FROM receipts UNION ALL SELECT c FROM receipts_copy) u) s;
CREATE INDEX receipts_hash ON receipts USING hash (c);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF)
SELECT n FROM receipts WHERE c = '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")';
SELECT n FROM receipts WHERE c = '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")';
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT '(id=1, subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")'::compliance.consent
     = '(id=2, subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")'::compliance.consent AS ids_differ;

-- covers(): purpose in the set and given_at <= at < valid_until
WITH c(c) AS (SELECT '(subject=1, purposes="{marketing,billing}", form=checkbox, given_at="2026-01-01 00:00:00+00", valid_until="2027-01-01 00:00:00+00")'::compliance.consent)
SELECT at, compliance.covers(c, 'marketing', at) AS marketing, compliance.covers(c, 'payroll', at) AS payroll
  FROM c, (VALUES (timestamptz '2025-12-31 23:59:59.999999+00'), ('2026-01-01 00:00:00+00'),
                  ('2026-06-01 00:00:00+00'), ('2026-12-31 23:59:59.999999+00'),
                  ('2027-01-01 00:00:00+00'), (NULL)) v(at);
-- default at = now(): open-ended consent given in the past covers, an expired one does not
SELECT n, compliance.covers(c, 'marketing') AS marketing, compliance.covers(c, 'billing') AS billing
  FROM receipts WHERE n IN (5, 6) ORDER BY n;

-- make_consent
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00');
SELECT compliance.make_consent(NULL, '42', '{marketing,payroll}', 'written', '2026-11-22 10:00:00+00',
    '2027-11-22 10:00:00+00', 'legal_representative', '{"surname": "Petrova"}',
    sha256(convert_to('notice', 'UTF8')), sha256(convert_to('evidence', 'UTF8')),
    '{"birth_date": "2015-05-01"}', 'be');
SELECT compliance.make_consent(3, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', indicated_by => NULL)
     = '(id=3, subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")'::compliance.consent AS same;
SELECT compliance.make_consent(0, '', 'marketing', 'checkbox', '2026-11-22 10:00:00+00');
SELECT compliance.make_consent(0, NULL, 'marketing', 'checkbox', '2026-11-22 10:00:00+00');
SELECT compliance.make_consent(0, repeat('x', 1025), 'marketing', 'checkbox', '2026-11-22 10:00:00+00');
SELECT compliance.make_consent(0, '42', '{}', 'checkbox', '2026-11-22 10:00:00+00');
SELECT compliance.make_consent(0, '42', NULL, 'checkbox', '2026-11-22 10:00:00+00');
SELECT compliance.make_consent(0, '42', 'marketing', NULL, '2026-11-22 10:00:00+00');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', NULL);
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', 'infinity');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', '2026-11-22 10:00:00+00');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', '2026-01-01 00:00:00+00');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', notice_digest => '\x00ff');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', evidence_digest => md5('x')::bytea);
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', identity => '["Ivanov"]');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', identity => '"Ivanov"');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', identity => '{"birthday": "2000-01-01"}');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', identity => '{"birth_date": "2001-02-29"}');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', identity => '{"married": "yes"}');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', representative => '[]');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', indicated_by => 'neighbour');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', notice_lang => 'russian language');
SELECT compliance.make_consent(-1, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00');

-- malformed literals: the detail names the position (SQLSTATEs below)
SELECT ''::compliance.consent;
SELECT '('::compliance.consent;
SELECT '(subject=42'::compliance.consent;
SELECT '(subject)'::compliance.consent;
SELECT '(subject="unterminated)'::compliance.consent;
SELECT '(subject="bad \escape")'::compliance.consent;
SELECT '(subject=42,)'::compliance.consent;
SELECT '(subject=42, purposes={marketing})'::compliance.consent;
SELECT '(Subject=42)'::compliance.consent;
SELECT '(subject=1, subject=2, purposes=marketing, form=checkbox, given_at=2026-01-01)'::compliance.consent;
SELECT '(subject=1, colour=red, purposes=marketing, form=checkbox, given_at=2026-01-01)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox)'::compliance.consent;
SELECT '()'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=fax, given_at=2026-01-01)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-13-01)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=yesterdayish)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=infinity)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, valid_until=2025-01-01)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01) trailing'::compliance.consent;
SELECT '(subject=1, purposes="{Marketing}", form=checkbox, given_at=2026-01-01)'::compliance.consent;
SELECT '(subject=1, purposes="{}", form=checkbox, given_at=2026-01-01)'::compliance.consent;
SELECT '(subject=1, purposes=unknown, form=checkbox, given_at=2026-01-01)'::compliance.consent;
SELECT '(subject="", purposes=marketing, form=checkbox, given_at=2026-01-01)'::compliance.consent;
SELECT '(subject=NULL, purposes=marketing, form=checkbox, given_at=2026-01-01)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, indicated_by=neighbour)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, notice_digest=abc)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, notice_digest=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, identity="[1]")'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, identity="{\"x\": 1}")'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, representative="{bad")'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, notice_lang=r)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, id=-1)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, id=99999999999999999999)'::compliance.consent;
SELECT '(subject="Иван", purposes=marketing, form=checkbox, given_at=2026-01-01, id=x)'::compliance.consent;
-- 1 MB literals: a clipped error, or a value
SELECT repeat('x', 1048576)::compliance.consent;
SELECT ('(' || repeat('subject=1, ', 100000) || ')')::compliance.consent;
SELECT ('(subject="' || repeat('a', 1048576) || '", purposes=marketing, form=checkbox, given_at=2026-01-01)')::compliance.consent;
SELECT ('(subject="' || repeat('a', 1048576))::compliance.consent;
SELECT octet_length(compliance.representative(c) ->> 'note') AS note_bytes
  FROM (SELECT ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, representative="{\"note\": \"'
                || repeat('a', 1048576) || '\"}")')::compliance.consent AS c) s;

-- the SQLSTATE of each malformed literal: 22P02, but 42704 for an
-- unregistered purpose
CREATE FUNCTION pg_temp.sqlstate_of(literal text) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM literal::compliance.consent;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
SELECT pg_temp.sqlstate_of(l) AS sqlstate, count(*) FROM (VALUES
    (''), ('('), ('(subject=42'), ('(subject)'), ('(subject="unterminated)'),
    ('(subject="bad \escape")'), ('(subject=42,)'), ('(subject=42, purposes={marketing})'),
    ('(Subject=42)'), (E'(subject=4\0012)'),
    ('(subject=1, subject=2, purposes=marketing, form=checkbox, given_at=2026-01-01)'),
    ('(subject=1, colour=red, purposes=marketing, form=checkbox, given_at=2026-01-01)'),
    ('(subject=1, purposes=marketing, form=checkbox)'), ('()'),
    ('(subject=1, purposes=marketing, form=fax, given_at=2026-01-01)'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-13-01)'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=infinity)'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, valid_until=2025-01-01)'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01) trailing'),
    ('(subject=1, purposes="{Marketing}", form=checkbox, given_at=2026-01-01)'),
    ('(subject=1, purposes="{}", form=checkbox, given_at=2026-01-01)'),
    ('(subject="", purposes=marketing, form=checkbox, given_at=2026-01-01)'),
    ('(subject=NULL, purposes=marketing, form=checkbox, given_at=2026-01-01)'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, notice_digest=abc)'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, identity="[1]")'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, representative="{bad")'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, id=-1)'),
    (repeat('x', 1048576)),
    ('(subject=1, purposes=unknown, form=checkbox, given_at=2026-01-01)')) v(l)
GROUP BY 1 ORDER BY 1;

-- jsonb input errors
SELECT '[]'::jsonb::compliance.consent;
SELECT '{"subject": 42, "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "colour": "red"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": "marketing", "form": "checkbox", "given_at": "2026-01-01"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing", 1], "form": "checkbox", "given_at": "2026-01-01"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": [], "form": "checkbox", "given_at": "2026-01-01"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "fax", "given_at": "2026-01-01"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": 2026}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "soon"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01", "id": 1.5}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01", "id": "1"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01", "identity": "Ivanov"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01", "notice_digest": "00"}'::jsonb::compliance.consent;

-- binary input is validated too
CREATE TABLE raw (b bytea);
INSERT INTO raw SELECT overlay(compliance.consent_send(c) placing '\x02' from 1 for 1) FROM receipts WHERE n = 1;
COPY raw TO :'binfile' (FORMAT binary);
COPY receipts_copy (c) FROM :'binfile' (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw SELECT compliance.consent_send(c) || '\x00'::bytea FROM receipts WHERE n = 1;
COPY raw TO :'binfile' (FORMAT binary);
COPY receipts_copy (c) FROM :'binfile' (FORMAT binary);
TRUNCATE raw;
-- version, id, subject, 1 purpose, form, given_at, valid_until, indicated_by, 5 absent fields
INSERT INTO raw SELECT '\x01'::bytea || int8send(0) || int4send(2) || convert_to('42', 'UTF8')
    || int4send(1) || int4send(9) || convert_to('marketing', 'UTF8')
    || int4send(3) || convert_to('fax', 'UTF8') || int8send(0) || int4send(-1)
    || int4send(7) || convert_to('subject', 'UTF8')
    || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1);
COPY raw TO :'binfile' (FORMAT binary);
COPY receipts_copy (c) FROM :'binfile' (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw SELECT '\x01'::bytea || int8send(0) || int4send(2) || convert_to('42', 'UTF8')
    || int4send(1) || int4send(9) || convert_to('marketing', 'UTF8')
    || int4send(8) || convert_to('checkbox', 'UTF8') || int8send(0) || int4send(-1)
    || int4send(7) || convert_to('subject', 'UTF8')
    || int4send(-1) || int4send(31) || decode(repeat('ab', 31), 'hex') || int4send(-1) || int4send(-1) || int4send(-1);
COPY raw TO :'binfile' (FORMAT binary);
COPY receipts_copy (c) FROM :'binfile' (FORMAT binary);
TRUNCATE raw;
-- the same with a 32-byte digest is accepted (given_at 0 = 2000-01-01 UTC)
INSERT INTO raw SELECT '\x01'::bytea || int8send(0) || int4send(2) || convert_to('42', 'UTF8')
    || int4send(1) || int4send(9) || convert_to('marketing', 'UTF8')
    || int4send(8) || convert_to('checkbox', 'UTF8') || int8send(0) || int4send(-1)
    || int4send(7) || convert_to('subject', 'UTF8')
    || int4send(-1) || int4send(32) || decode(repeat('ab', 32), 'hex') || int4send(-1) || int4send(-1) || int4send(-1);
COPY raw TO :'binfile' (FORMAT binary);
CREATE TABLE from_raw (c compliance.consent);
COPY from_raw FROM :'binfile' (FORMAT binary);
SELECT c FROM from_raw;

-- subject_kind and transfer_countries (Art. 9.1): optional, the last keys,
-- and left out of every form when absent, so that a receipt without them
-- keeps the text (which the ledger's hash covers), jsonb and binary forms
-- it had before they existed
CREATE TABLE kinds (n int, c compliance.consent);
INSERT INTO kinds VALUES
(1, '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")'),
(2, '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00", subject_kind=patient)'),
(3, E'(transfer_countries=" { US, CN ,US,\tAE } ", subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")'),
(4, '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00", subject_kind=person, transfer_countries="{CN}")'),
(5, '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00", subject_kind=NULL, transfer_countries="{}")'),
(6, '(subject_kind=x_9, transfer_countries=NULL, subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00")'),
(7, '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00", subject_kind=employee, transfer_countries="{US,CN}")');
SELECT n, c FROM kinds ORDER BY n;
-- accessors: absent subject_kind reads as 'person', absent countries as NULL
SELECT n, compliance.subject_kind(c), compliance.transfer_countries(c),
       pg_typeof(compliance.transfer_countries(c)) AS countries_type
  FROM kinds ORDER BY n;
SELECT compliance.subject_kind(NULL) IS NULL AND compliance.transfer_countries(NULL) IS NULL AS strict_ok;
SELECT n, c::jsonb FROM kinds ORDER BY n;
-- text and jsonb round trips
SELECT n, c::text::compliance.consent = c AS text_equal,
       c::text::compliance.consent::text = c::text AS same_text,
       c::jsonb::compliance.consent = c AS jsonb_equal
  FROM kinds ORDER BY n;
-- binary round trip; a receipt without the new keys sends what it did before
COPY kinds TO :'binfile' (FORMAT binary);
CREATE TABLE kinds_copy (LIKE kinds);
COPY kinds_copy FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE a.c = b.c) AS equal,
       count(*) FILTER (WHERE a.c::text = b.c::text) AS same_text
  FROM kinds a JOIN kinds_copy b USING (n);
SELECT n, compliance.consent_send(c) FROM kinds WHERE n IN (1, 2, 3) ORDER BY n;
-- equality and hashing: every field counts; 'person' stated is not 'person'
-- left unstated, but "{}" and NULL countries are the same (none)
SELECT a.n, b.n AS m FROM kinds a JOIN kinds b ON a.c = b.c AND a.n < b.n;
SET enable_sort = off;
SELECT count(*) AS groups FROM (SELECT c FROM kinds GROUP BY c) g;
RESET enable_sort;
SELECT compliance.consent_hash(a.c) = compliance.consent_hash(b.c) AS same_hash,
       compliance.consent_hash_extended(a.c, 7) = compliance.consent_hash_extended(b.c, 7) AS same_hash_extended
  FROM kinds a, kinds b WHERE a.n = 1 AND b.n = 5;
SELECT '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00", transfer_countries="{CN}")'::compliance.consent
     = '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00", transfer_countries="{US}")'::compliance.consent AS same_countries;
-- jsonb input
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-11-22T10:00:00Z",
         "subject_kind": "employee", "transfer_countries": ["US", "CN", "US"]}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-11-22T10:00:00Z",
         "subject_kind": null, "transfer_countries": []}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01", "subject_kind": 1}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01", "subject_kind": "Patient"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01", "transfer_countries": "US"}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01", "transfer_countries": ["US", null]}'::jsonb::compliance.consent;
SELECT '{"subject": "42", "purposes": ["marketing"], "form": "checkbox", "given_at": "2026-01-01", "transfer_countries": ["USA"]}'::jsonb::compliance.consent;
-- make_consent: the two trailing arguments, by position and by name
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00',
    NULL, 'subject', NULL, NULL, NULL, NULL, 'ru', 'patient', '{US,CN,US}');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00',
    transfer_countries => '{}', subject_kind => NULL)
     = c AS none_is_absent FROM kinds WHERE n = 1;
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00',
    subject_kind => 'employee', transfer_countries => '{{US,CN},{CN,AE}}')
     = '(subject=42, purposes=marketing, form=checkbox, given_at="2026-11-22 10:00:00+00", subject_kind=employee, transfer_countries="{AE,CN,US}")'::compliance.consent AS same;
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', subject_kind => '');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', subject_kind => 'Patient');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', subject_kind => '_patient');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', subject_kind => 'in-patient');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', subject_kind => repeat('k', 64));
SELECT compliance.subject_kind(compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', subject_kind => repeat('k', 63))) = repeat('k', 63) AS longest_kind;
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', transfer_countries => '{us}');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', transfer_countries => '{US,NULL}');
SELECT compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00', transfer_countries => '{GBR}');
-- literal errors
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, subject_kind="")'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, subject_kind=9lives)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, subject_kind="Пациент")'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, transfer_countries=US)'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, transfer_countries="{US,,CN}")'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, transfer_countries="{US,cn}")'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, transfer_countries="{\"US\"}")'::compliance.consent;
SELECT '(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, subject_kind=a, subject_kind=b)'::compliance.consent;
-- their SQLSTATEs: 22P02 in a literal, 22023 from make_consent
SELECT pg_temp.sqlstate_of(l) AS sqlstate, count(*) FROM (VALUES
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, subject_kind="")'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, subject_kind=9lives)'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, transfer_countries=US)'),
    ('(subject=1, purposes=marketing, form=checkbox, given_at=2026-01-01, transfer_countries="{US,cn}")')) v(l)
GROUP BY 1 ORDER BY 1;
CREATE FUNCTION pg_temp.make_sqlstate(kind text, countries text[]) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM compliance.make_consent(0, '42', 'marketing', 'checkbox', '2026-11-22 10:00:00+00',
                                    subject_kind => kind, transfer_countries => countries);
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
SELECT pg_temp.make_sqlstate(k, c) AS sqlstate, count(*) FROM (VALUES
    ('', NULL::text[]), ('Patient', NULL), (repeat('k', 64), NULL),
    (NULL, '{us}'), (NULL, '{US,NULL}'), (NULL, '{GBR}'), ('patient', '{US}')) v(k, c)
GROUP BY 1 ORDER BY 1;
-- binary input: the message may end before either new field (as before
-- they existed), and what it carries is validated
TRUNCATE raw;
-- version, id, subject, 1 purpose, form, given_at, valid_until, indicated_by, 5 absent fields, subject_kind
INSERT INTO raw SELECT '\x01'::bytea || int8send(0) || int4send(2) || convert_to('42', 'UTF8')
    || int4send(1) || int4send(9) || convert_to('marketing', 'UTF8')
    || int4send(8) || convert_to('checkbox', 'UTF8') || int8send(0) || int4send(-1)
    || int4send(7) || convert_to('subject', 'UTF8')
    || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1)
    || int4send(7) || convert_to('patient', 'UTF8');
-- the same, subject_kind absent, then 3 countries
INSERT INTO raw SELECT '\x01'::bytea || int8send(0) || int4send(2) || convert_to('42', 'UTF8')
    || int4send(1) || int4send(9) || convert_to('marketing', 'UTF8')
    || int4send(8) || convert_to('checkbox', 'UTF8') || int8send(0) || int4send(-1)
    || int4send(7) || convert_to('subject', 'UTF8')
    || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1)
    || int4send(-1) || int4send(3) || int4send(2) || convert_to('US', 'UTF8')
    || int4send(2) || convert_to('CN', 'UTF8') || int4send(2) || convert_to('US', 'UTF8');
COPY raw TO :'binfile' (FORMAT binary);
TRUNCATE from_raw;
COPY from_raw FROM :'binfile' (FORMAT binary);
SELECT c FROM from_raw;
TRUNCATE raw;
INSERT INTO raw SELECT '\x01'::bytea || int8send(0) || int4send(2) || convert_to('42', 'UTF8')
    || int4send(1) || int4send(9) || convert_to('marketing', 'UTF8')
    || int4send(8) || convert_to('checkbox', 'UTF8') || int8send(0) || int4send(-1)
    || int4send(7) || convert_to('subject', 'UTF8')
    || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1)
    || int4send(2) || convert_to('P1', 'UTF8');
COPY raw TO :'binfile' (FORMAT binary);
COPY from_raw FROM :'binfile' (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw SELECT '\x01'::bytea || int8send(0) || int4send(2) || convert_to('42', 'UTF8')
    || int4send(1) || int4send(9) || convert_to('marketing', 'UTF8')
    || int4send(8) || convert_to('checkbox', 'UTF8') || int8send(0) || int4send(-1)
    || int4send(7) || convert_to('subject', 'UTF8')
    || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1)
    || int4send(-1) || int4send(1) || int4send(2) || convert_to('us', 'UTF8');
COPY raw TO :'binfile' (FORMAT binary);
COPY from_raw FROM :'binfile' (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw SELECT '\x01'::bytea || int8send(0) || int4send(2) || convert_to('42', 'UTF8')
    || int4send(1) || int4send(9) || convert_to('marketing', 'UTF8')
    || int4send(8) || convert_to('checkbox', 'UTF8') || int8send(0) || int4send(-1)
    || int4send(7) || convert_to('subject', 'UTF8')
    || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1) || int4send(-1)
    || int4send(-1) || int4send(1) || int4send(3) || convert_to('USA', 'UTF8');
COPY raw TO :'binfile' (FORMAT binary);
COPY from_raw FROM :'binfile' (FORMAT binary);
SELECT count(*) AS loaded FROM from_raw;

DROP TABLE receipts, receipts_copy, raw, from_raw, kinds, kinds_copy;
DROP EXTENSION compliance CASCADE;
