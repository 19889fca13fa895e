-- Erasure reaches the evidence (Art. 5.7, 13): after erase_subject(), no
-- readable copy of the subject's identity, representative, applicant
-- details or free text is left anywhere in the schema compliance or the
-- protected tables, the ledgers still verify, and a document presented
-- later still matches the salted digests kept.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Bank LLC', 'Minsk');
SELECT compliance.register_purpose('loans', 'Consumer loans', requires_identity => true);
SELECT compliance.register_recipient('bureau', 'Credit Bureau', 'Minsk', 'BY');
CREATE TABLE clients (id text PRIMARY KEY, surname text, phone text);
INSERT INTO clients VALUES ('777', 'Karpovich', '+375291234567'), ('778', 'Lis', '+375297654321');
SELECT compliance.protect('clients', 'id');

-- a consent with identity (Art. 5.6), given by a legal representative
-- (Art. 5.9), with evidence; another subject's consent for comparison
SELECT compliance.consent_id(compliance.give_consent('777', '{loans}', 'written',
    evidence => '{"scan": "contract-Karpovich.pdf", "phone": "+375291234567"}',
    indicated_by => 'legal_representative',
    representative => '{"surname": "Karpovicheva", "document": "MP7654321"}',
    identity => '{"surname": "Karpovich", "first_name": "Yanka", "patronymic": "Ivanovna", "birth_date": "2010-03-14", "id_number": "4120480A001PB1"}'))
    AS consent_777 \gset
SELECT compliance.give_consent('778', '{loans}', 'written',
    identity => '{"surname": "Lis", "first_name": "Olga", "birth_date": "1980-01-01", "id_number": "3010180A002PB3"}') IS NOT NULL AS other;
SET compliance.purpose = 'loans';
SELECT compliance.record_disclosure('777', 'bureau', ARRAY['surname'], 'loans') > 0 AS disclosed;
RESET compliance.purpose;
-- applications: an access application answered, then the erasure
SELECT compliance.file_request('777', 'access', '2026-11-02 10:00+03',
    applicant => '{"surname": "Karpovicheva", "first_name": "Alesia", "address": "Minsk, Lenina 5-12", "signature": "on file"}',
    essence => 'Please tell me what you hold about my daughter Yanka Karpovich.') AS access_req \gset
SELECT compliance.answer_request(:access_req, 'en') IS NOT NULL AS answered;
SELECT compliance.file_request('777', 'erase', '2026-11-20 10:00+03',
    applicant => '{"surname": "Karpovicheva", "first_name": "Alesia", "address": "Minsk, Lenina 5-12", "signature": "on file"}',
    essence => 'Delete everything about Yanka Karpovich, id 4120480A001PB1.') AS erase_req \gset

-- before erasure the officer reads the identity, and so does the subject
SELECT identity ->> 'surname' AS surname, representative ->> 'surname' AS representative
  FROM compliance.consent_evidence WHERE subject = '777';
SELECT jsonb_pretty(compliance.subject_access('777') -> 'consent_evidence') AS held;

-- every value of every table of the extension and every protected table,
-- as text, searched for what identifies subject 777
CREATE FUNCTION pg_temp.readable_copies(needles text[]) RETURNS TABLE (tbl text, needle text, copies bigint)
    LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n text;
BEGIN
    FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
              WHERE c.relkind IN ('r', 'p')
                AND (c.relnamespace = 'compliance'::regnamespace
                     OR c.oid IN (SELECT p.relid FROM compliance.protected_tables p))
              ORDER BY 1 LOOP
        FOREACH n IN ARRAY needles LOOP
            EXECUTE format('SELECT count(*) FROM %s t WHERE t::text ILIKE %L', r.rel, '%' || n || '%') INTO copies;
            IF copies > 0 THEN
                tbl := r.rel::text;
                needle := n;
                RETURN NEXT;
            END IF;
        END LOOP;
    END LOOP;
END
$$;
\set needles '''{Karpovich,Yanka,2010-03-14,4120480A001PB1,MP7654321,Alesia,"Lenina 5-12","+375291234567",contract-Karpovich}'''
SET compliance.enforce = off;
SELECT * FROM pg_temp.readable_copies(:needles) ORDER BY 1, 2;
RESET compliance.enforce;

SELECT r ->> 'outcome' AS outcome, jsonb_pretty(r -> 'kept') AS kept
  FROM compliance.erase_subject('777', :erase_req) r;
SELECT compliance.confirm_erasure_notice(id) FROM compliance.erasure_notices WHERE subject = '777';

-- nothing readable is left: not in the ledgers, the applications, the
-- logs, nor the protected tables
SET compliance.enforce = off;
SELECT * FROM pg_temp.readable_copies(:needles) ORDER BY 1, 2;
RESET compliance.enforce;
-- the other subject's evidence stays
SELECT identity ->> 'surname' AS surname FROM compliance.consent_evidence;
-- every ledger still proves itself
SELECT ledger, ok FROM compliance.verify_ledger();
-- the applications keep their digests, kind and outcome
SELECT kind, outcome, applicant, essence, response, sealed ?& ARRAY['salt', 'applicant', 'essence', 'response'] AS digests
  FROM compliance.requests WHERE subject = '777' ORDER BY id;
SELECT encode(compliance.salted_digest(decode(r.sealed ->> 'salt', 'hex'),
           'Delete everything about Yanka Karpovich, id 4120480A001PB1.'), 'hex') = r.sealed ->> 'essence' AS essence_confirmed
  FROM compliance.requests r WHERE r.id = :erase_req;

-- a dispute: the identity document, the representative's and the evidence
-- presented later match what the ledger kept; a forgery does not
SELECT * FROM compliance.confirm_consent_evidence(:consent_777,
    identity => '{"surname": "Karpovich", "first_name": "Yanka", "patronymic": "Ivanovna", "birth_date": "2010-03-14", "id_number": "4120480A001PB1"}',
    representative => '{"surname": "Karpovicheva", "document": "MP7654321"}',
    evidence => '{"scan": "contract-Karpovich.pdf", "phone": "+375291234567"}');
SELECT * FROM compliance.confirm_consent_evidence(:consent_777,
    identity => '{"surname": "Karpovich", "first_name": "Yanka", "patronymic": "Ivanovna", "birth_date": "2010-03-14", "id_number": "4120480A001PB2"}');
-- the access report says what is kept and how
SELECT compliance.subject_access('777') ->> 'consent_proof' AS proof;

-- who may confirm: officers; the application and analysts may not
SET ROLE compliance_app;
SELECT * FROM compliance.confirm_consent_evidence(:consent_777);
SELECT count(*) FROM compliance.consent_evidence;
SET ROLE compliance_analyst;
SELECT count(*) FROM compliance.consent_evidence;
SET ROLE compliance_officer;
SELECT item, kept, matches FROM compliance.confirm_consent_evidence(:consent_777);
RESET ROLE;

DROP TABLE clients;
DROP EXTENSION compliance CASCADE;
