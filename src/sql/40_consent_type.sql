-- compliance.consent: one consent receipt (src/consent.c, src/consent_parse.c,
-- doc/consent.md), the record with which the processor proves that the data
-- subject consented (Art. 5.7 of Law 99-Z).  Text form
--   (id=0, subject="42", purposes="{marketing}", form="checkbox",
--    given_at="2026-11-22 10:00:00+00", valid_until=NULL, ...)
-- binary form with purpose codes (binary COPY works between databases),
-- casts to and from jsonb, accessors, and equality by canonical bytes.
--
-- The operators live in pg_catalog, like those of compliance.purpose, so
-- that they work without compliance on the search_path.

CREATE TYPE compliance.consent;

-- The I/O functions translate purpose codes and registry ids and read
-- timestamps in the session's TimeZone: STABLE, not IMMUTABLE.
CREATE FUNCTION compliance.consent_in(pg_catalog.cstring)
    RETURNS compliance.consent
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_in';
CREATE FUNCTION compliance.consent_out(compliance.consent)
    RETURNS pg_catalog.cstring
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_out';
CREATE FUNCTION compliance.consent_recv(internal)
    RETURNS compliance.consent
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_recv';
CREATE FUNCTION compliance.consent_send(compliance.consent)
    RETURNS pg_catalog.bytea
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_send';

CREATE TYPE compliance.consent (
    INPUT = compliance.consent_in,
    OUTPUT = compliance.consent_out,
    RECEIVE = compliance.consent_recv,
    SEND = compliance.consent_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE compliance.consent IS
    'A consent receipt (Art. 5 of Law 99-Z; the processor proves consent, Art. 5.7): subject, purposes, form (Art. 5.2-5.3), given_at, valid_until, indicated_by (Art. 5.9), representative, notice and evidence digests (Art. 5.5), identity (Art. 5.6), notice language, subject kind, transfer countries (Art. 9.1). Text form (key=value, ...); see doc/consent.md.';
COMMENT ON FUNCTION compliance.consent_in(pg_catalog.cstring) IS
    'Input function of compliance.consent: parses (key=value, ...), validates every field and looks the purposes up in compliance.purposes.';
COMMENT ON FUNCTION compliance.consent_out(compliance.consent) IS
    'Output function of compliance.consent: every key in a fixed order (subject_kind and transfer_countries only when present), timestamps in ISO 8601 in UTC, so the text form does not depend on DateStyle or TimeZone.';
COMMENT ON FUNCTION compliance.consent_recv(internal) IS
    'Binary input of compliance.consent: a version byte, then each field; purposes as codes. Validates like the text input.';
COMMENT ON FUNCTION compliance.consent_send(compliance.consent) IS
    'Binary output of compliance.consent: a version byte, then each field; purposes as codes, so binary COPY works between databases that numbered purposes differently.';

-- Casts to and from jsonb: same keys, purposes as an array of codes.
CREATE FUNCTION compliance.consent_to_jsonb(consent compliance.consent)
    RETURNS pg_catalog.jsonb
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_to_jsonb';
CREATE FUNCTION compliance.consent_from_jsonb(receipt pg_catalog.jsonb)
    RETURNS compliance.consent
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_from_jsonb';
COMMENT ON FUNCTION compliance.consent_to_jsonb(compliance.consent) IS
    'The consent receipt as a JSON object with the keys of its text form; purposes and transfer countries as arrays of codes, timestamps as ISO 8601 strings in UTC, digests as hex, absent fields as null, except subject_kind and transfer_countries, which are left out (Art. 5.7: proof of consent in a portable form).';
COMMENT ON FUNCTION compliance.consent_from_jsonb(pg_catalog.jsonb) IS
    'A consent receipt from a JSON object with the keys of its text form; missing optional keys are absent; validates like the text input.';

CREATE CAST (compliance.consent AS pg_catalog.jsonb)
    WITH FUNCTION compliance.consent_to_jsonb(compliance.consent);
CREATE CAST (pg_catalog.jsonb AS compliance.consent)
    WITH FUNCTION compliance.consent_from_jsonb(pg_catalog.jsonb);
COMMENT ON CAST (compliance.consent AS pg_catalog.jsonb) IS
    'Explicit cast of a consent receipt to a JSON object (compliance.consent_to_jsonb).';
COMMENT ON CAST (pg_catalog.jsonb AS compliance.consent) IS
    'Explicit cast of a JSON object to a consent receipt (compliance.consent_from_jsonb).';

-- Constructor.  Not STRICT: NULL leaves an optional field absent (id 0,
-- indicated_by 'subject'); a NULL required field is an error.  STABLE
-- because it reads the labels of compliance.consent_form.
CREATE FUNCTION compliance.make_consent(id bigint, subject text,
        purposes compliance.purpose_set, form compliance.consent_form,
        given_at timestamptz, valid_until timestamptz DEFAULT NULL,
        indicated_by text DEFAULT 'subject',
        representative pg_catalog.jsonb DEFAULT NULL,
        notice_digest bytea DEFAULT NULL, evidence_digest bytea DEFAULT NULL,
        identity pg_catalog.jsonb DEFAULT NULL, notice_lang text DEFAULT NULL,
        subject_kind text DEFAULT NULL, transfer_countries text[] DEFAULT NULL)
    RETURNS compliance.consent
    LANGUAGE C STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_make';
COMMENT ON FUNCTION compliance.make_consent(bigint, text, compliance.purpose_set, compliance.consent_form, timestamptz, timestamptz, text, pg_catalog.jsonb, bytea, bytea, pg_catalog.jsonb, text, text, text[]) IS
    'Builds a consent receipt, validating like the text input: non-empty subject of at most 1024 bytes, non-empty purposes (Art. 4.4, 5.5), valid_until after given_at, indicated_by per Art. 5.9, JSON objects for representative and identity (Art. 5.6 keys), 32-byte SHA-256 digests, subject_kind of [a-z][a-z0-9_]* (NULL: not stated, read as person), transfer_countries as upper-case ISO 3166-1 alpha-2 codes, kept sorted and without duplicates (NULL or empty: none; Art. 9.1). Does not record anything: compliance.give_consent does (Art. 5.7).';

-- Accessors.  A receipt's fields never change, so these are IMMUTABLE,
-- except form(), which looks the label up in compliance.consent_form.
CREATE FUNCTION compliance.subject(consent compliance.consent)
    RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_subject';
CREATE FUNCTION compliance.purposes(consent compliance.consent)
    RETURNS compliance.purpose_set
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_purposes';
CREATE FUNCTION compliance.covers(consent compliance.consent,
        purpose compliance.purpose, at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_covers';
CREATE FUNCTION compliance.consent_id(consent compliance.consent)
    RETURNS bigint
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_id';
CREATE FUNCTION compliance.given_at(consent compliance.consent)
    RETURNS timestamptz
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_given_at';
CREATE FUNCTION compliance.valid_until(consent compliance.consent)
    RETURNS timestamptz
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_valid_until';
CREATE FUNCTION compliance.form(consent compliance.consent)
    RETURNS compliance.consent_form
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_form';
CREATE FUNCTION compliance.indicated_by(consent compliance.consent)
    RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_indicated_by';
CREATE FUNCTION compliance.representative(consent compliance.consent)
    RETURNS pg_catalog.jsonb
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_representative';
CREATE FUNCTION compliance.notice_digest(consent compliance.consent)
    RETURNS bytea
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_notice_digest';
CREATE FUNCTION compliance.evidence_digest(consent compliance.consent)
    RETURNS bytea
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_evidence_digest';
CREATE FUNCTION compliance.identity(consent compliance.consent)
    RETURNS pg_catalog.jsonb
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_identity';
CREATE FUNCTION compliance.notice_lang(consent compliance.consent)
    RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_notice_lang';
CREATE FUNCTION compliance.subject_kind(consent compliance.consent)
    RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_subject_kind';
CREATE FUNCTION compliance.transfer_countries(consent compliance.consent)
    RETURNS text[]
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_transfer_countries';

COMMENT ON FUNCTION compliance.subject(compliance.consent) IS
    'The subject key of a consent receipt (the text form of the protected tables'' subject column).';
COMMENT ON FUNCTION compliance.purposes(compliance.consent) IS
    'The purposes consent was given for (Art. 4.4, 5.5 of Law 99-Z).';
COMMENT ON FUNCTION compliance.covers(compliance.consent, compliance.purpose, timestamptz) IS
    'Does the receipt cover the purpose at the given time: purpose among its purposes, given_at <= at, and at < valid_until if there is one? Withdrawal (Art. 10) is not part of the receipt; see compliance.consent_status.';
COMMENT ON FUNCTION compliance.consent_id(compliance.consent) IS
    'Ledger id of the event that recorded the consent (compliance.consent_ledger.id); 0 before it is recorded (Art. 5.7).';
COMMENT ON FUNCTION compliance.given_at(compliance.consent) IS
    'When consent was given.';
COMMENT ON FUNCTION compliance.valid_until(compliance.consent) IS
    'End of the period consent was given for (Art. 5.5 of Law 99-Z), exclusive; NULL: until withdrawn (Art. 10).';
COMMENT ON FUNCTION compliance.form(compliance.consent) IS
    'The form in which consent was obtained (Art. 5.2-5.3 of Law 99-Z), as a compliance.consent_form value.';
COMMENT ON FUNCTION compliance.indicated_by(compliance.consent) IS
    'Who expressed the consent: subject, or on the subject''s behalf legal_representative, successor, close_relative, spouse, adoptive_parent or adoptive_child (Art. 5.9 of Law 99-Z).';
COMMENT ON FUNCTION compliance.representative(compliance.consent) IS
    'Identity of whoever indicated consent on the subject''s behalf (Art. 5.9 of Law 99-Z), as a JSON object; NULL when the subject did.';
COMMENT ON FUNCTION compliance.notice_digest(compliance.consent) IS
    'SHA-256 digest of the notice shown to the subject before consent (Art. 5.5 of Law 99-Z); NULL if not recorded.';
COMMENT ON FUNCTION compliance.evidence_digest(compliance.consent) IS
    'SHA-256 digest of the evidence that consent was obtained (Art. 5.7 of Law 99-Z); NULL if not recorded.';
COMMENT ON FUNCTION compliance.identity(compliance.consent) IS
    'Identity data the subject indicated when consenting (Art. 5.6 of Law 99-Z: surname, first_name, patronymic, birth_date, id_number or document_number; married, legally_incapable, deceased_on for Art. 5.9), as a JSON object; NULL if the purposes did not need it.';
COMMENT ON FUNCTION compliance.notice_lang(compliance.consent) IS
    'Language of the notice shown to the subject (Art. 5.5 of Law 99-Z: in simple and clear language), e.g. ''ru''; NULL if not recorded.';
COMMENT ON FUNCTION compliance.subject_kind(compliance.consent) IS
    'The kind of data subject, e.g. ''patient'' or ''employee'': a subject is the pair (kind, subject key). ''person'' when the receipt does not state it.';
COMMENT ON FUNCTION compliance.transfer_countries(compliance.consent) IS
    'The countries without adequate protection the subject agreed to a transfer to (Art. 9.1 of Law 99-Z), as ISO 3166-1 alpha-2 codes, sorted; NULL if none, as in compliance.consent_ledger.transfer_countries.';

-- Equality: values are canonical, so equal receipts have equal bytes.
CREATE FUNCTION compliance.consent_eq(compliance.consent, compliance.consent)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'consent_eq';
CREATE FUNCTION compliance.consent_ne(compliance.consent, compliance.consent)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'consent_ne';
CREATE FUNCTION compliance.consent_hash(compliance.consent)
    RETURNS integer
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'consent_hash';
CREATE FUNCTION compliance.consent_hash_extended(compliance.consent, bigint)
    RETURNS bigint
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'consent_hash_extended';
COMMENT ON FUNCTION compliance.consent_eq(compliance.consent, compliance.consent) IS
    'Implementation of = for compliance.consent: every field equal.';
COMMENT ON FUNCTION compliance.consent_ne(compliance.consent, compliance.consent) IS
    'Implementation of <> for compliance.consent.';
COMMENT ON FUNCTION compliance.consent_hash(compliance.consent) IS
    'Hash support function of compliance.consent.';
COMMENT ON FUNCTION compliance.consent_hash_extended(compliance.consent, bigint) IS
    'Extended (seeded) hash support function of compliance.consent.';

CREATE OPERATOR pg_catalog.= (
    LEFTARG = compliance.consent, RIGHTARG = compliance.consent,
    FUNCTION = compliance.consent_eq, COMMUTATOR = OPERATOR(pg_catalog.=),
    NEGATOR = OPERATOR(pg_catalog.<>), RESTRICT = eqsel, JOIN = eqjoinsel,
    HASHES);
CREATE OPERATOR pg_catalog.<> (
    LEFTARG = compliance.consent, RIGHTARG = compliance.consent,
    FUNCTION = compliance.consent_ne, COMMUTATOR = OPERATOR(pg_catalog.<>),
    NEGATOR = OPERATOR(pg_catalog.=), RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR pg_catalog.= (compliance.consent, compliance.consent) IS 'same consent receipt';
COMMENT ON OPERATOR pg_catalog.<> (compliance.consent, compliance.consent) IS 'different consent receipts';

CREATE OPERATOR CLASS compliance.consent_hash_ops
    DEFAULT FOR TYPE compliance.consent USING hash AS
        OPERATOR 1 pg_catalog.=,
        FUNCTION 1 compliance.consent_hash(compliance.consent),
        FUNCTION 2 compliance.consent_hash_extended(compliance.consent, bigint);
COMMENT ON OPERATOR CLASS compliance.consent_hash_ops USING hash IS
    'Hash operator class of compliance.consent: DISTINCT, GROUP BY, hash joins and hash indexes on receipts.';
