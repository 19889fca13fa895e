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
SELECT compliance.register_purpose('news', 'Newsletter');
SELECT compliance.register_purpose('contract', 'Account contract', 'contract_with_subject');
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
-- a minor's consent to the newsletter carries only a birth date: keyed,
-- so it cannot be found by trying every date against the ledger
SELECT compliance.consent_id(compliance.give_consent('777', '{news}', 'checkbox', indicated_by => 'legal_representative',
    representative => '{"surname": "Karpovicheva", "document": "MP7654321"}',
    identity => '{"birth_date": "2010-03-14"}')) AS news_777 \gset
-- a representative that only looks sealed is refused, not kept as it is
SELECT compliance.give_consent('777', '{news}', 'checkbox', indicated_by => 'legal_representative',
    representative => '{"digest": "x", "surname": "Karpovicheva"}', identity => '{"birth_date": "2010-03-14"}');
SELECT compliance.give_consent('777', '{news}', 'checkbox', indicated_by => 'legal_representative',
    representative => '{"digest": "Karpovicheva MP7654321"}', identity => '{"birth_date": "2010-03-14"}');
-- a contract with evidence, ended with a reason; a demand of the authority
-- carried out; an earlier block with the officer's reason
SELECT compliance.record_basis('777', 'contract', evidence => '{"contract": "Karpovich 2026/17"}') > 0 AS ground;
SELECT compliance.end_basis('777', 'contract', reason => 'Yanka Karpovich closed the account') AS ended;
SELECT compliance.record_authority_demand('777', 'modify', '2026-11-03 10:00+03', reference => 'No. 5/2026',
    essence => 'Correct the surname of Yanka Karpovich') AS demand \gset
SELECT compliance.complete_authority_demand(:demand, 'surname of Karpovich corrected');
SELECT compliance.block_subject('777', 'Karpovicheva disputes the address');
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
\set needles '''{Karpovich,Yanka,2010-03-14,4120480A001PB1,MP7654321,Alesia,"Lenina 5-12","+375291234567",contract-Karpovich,Karpovicheva}'''
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
SELECT * FROM compliance.confirm_request_evidence(:erase_req,
    applicant => '{"surname": "Karpovicheva", "first_name": "Alesia", "address": "Minsk, Lenina 5-12", "signature": "on file"}',
    essence => 'Delete everything about Yanka Karpovich, id 4120480A001PB1.', response => 'something else');

-- a dispute: the identity document, the representative's and the evidence
-- presented later match what the ledger kept; a forgery does not
SELECT * FROM compliance.confirm_consent_evidence(:consent_777,
    identity => '{"surname": "Karpovich", "first_name": "Yanka", "patronymic": "Ivanovna", "birth_date": "2010-03-14", "id_number": "4120480A001PB1"}',
    representative => '{"surname": "Karpovicheva", "document": "MP7654321"}',
    evidence => '{"scan": "contract-Karpovich.pdf", "phone": "+375291234567"}');
SELECT * FROM compliance.confirm_consent_evidence(:consent_777,
    identity => '{"surname": "Karpovich", "first_name": "Yanka", "patronymic": "Ivanovna", "birth_date": "2010-03-14", "id_number": "4120480A001PB2"}');
-- a minor's birth date: every date tried against the ledger with its salt
-- finds nothing without the key, which no role reads
SELECT count(*) AS dates_found
  FROM compliance.consent_ledger l, generate_series('2000-01-01'::date, '2020-12-31', '1 day') d
 WHERE l.id = :news_777
   AND encode(sha256(l.evidence_salt || convert_to(jsonb_build_object('birth_date', to_char(d, 'YYYY-MM-DD'))::text, 'UTF8')), 'hex')
       = l.receipt::jsonb #>> '{identity,digest}';
SELECT item, matches FROM compliance.confirm_consent_evidence(:news_777, identity => '{"birth_date": "2010-03-14"}')
 WHERE item = 'identity';
SET ROLE compliance_analyst;
SELECT count(*) FROM compliance.evidence_key;
SELECT compliance.seal_matches('{}', 'x', 'y');
RESET ROLE;
-- the access report says what is kept and how
SELECT compliance.subject_access('777') ->> 'consent_proof' AS proof;

-- who may confirm: officers; the application and analysts may not
SET ROLE compliance_app;
SELECT * FROM compliance.confirm_consent_evidence(:consent_777);
SELECT count(*) FROM compliance.consent_evidence;
SET ROLE compliance_analyst;
SELECT count(*) FROM compliance.consent_evidence;
SELECT * FROM compliance.confirm_request_evidence(:erase_req);
SET ROLE compliance_officer;
SELECT item, kept, matches FROM compliance.confirm_consent_evidence(:consent_777);
RESET ROLE;


-- analysts count and time applications; they do not read who applied or
-- what was written (before any erasure too)
SELECT compliance.file_request('778', 'access', '2026-11-25 10:00+03',
    applicant => '{"surname": "Lis", "first_name": "Olga", "address": "Brest, Mira 1"}',
    essence => 'What do you hold about me?') AS lis_req \gset
SET ROLE compliance_analyst;
SELECT kind, status, applicant, essence, response FROM compliance.requests WHERE id = :lis_req;
SET ROLE compliance_officer;
SELECT applicant ->> 'surname' AS surname, essence FROM compliance.requests WHERE id = :lis_req;
RESET ROLE;

-- a subject of whom only a ground and an application were recorded: the
-- erasure is recorded, and the application answered later is sealed
SET compliance.purpose = 'contract';
SELECT compliance.record_basis('888', 'contract', evidence => '{"contract": "Sidorov 2026/9"}') > 0 AS ground;
RESET compliance.purpose;
SELECT compliance.file_request('888', 'access', '2026-11-30 10:00+03',
    applicant => '{"surname": "Sidorov", "address": "Grodno, Sovetskaya 3"}', essence => 'Sidorov asks') AS sid_req \gset
SELECT compliance.erase_subject('888') ->> 'outcome' AS outcome;
SELECT compliance.answer_request(:sid_req, 'en') IS NOT NULL AS answered;
SET compliance.enforce = off;
SELECT * FROM pg_temp.readable_copies('{Sidorov,Grodno}') ORDER BY 1, 2;
RESET compliance.enforce;
SELECT ledger, ok FROM compliance.verify_ledger();

DROP TABLE clients;
DROP EXTENSION compliance CASCADE;
