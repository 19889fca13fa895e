-- Giving, withdrawing and refusing consent (Art. 5, 10), and its status.
-- Every event goes to the consent ledger; consent_state keeps the current
-- status per subject and purpose for fast checks (enforcement reads it).

CREATE TABLE compliance.consent_state (
    subject     text NOT NULL,
    subject_kind text NOT NULL REFERENCES compliance.subject_kinds (kind),
    purpose     compliance.purpose NOT NULL,
    status      text NOT NULL CHECK (status IN ('given', 'renewed', 'withdrawn', 'refused')),
    given_at    timestamptz,
    valid_until timestamptz,
    transfer_countries text[],
    ledger_id   bigint NOT NULL REFERENCES compliance.consent_ledger (id) DEFERRABLE,
    changed_at  timestamptz NOT NULL,
    registry_ref integer GENERATED ALWAYS AS (compliance.purpose_id(purpose)) STORED
                 REFERENCES compliance.purposes (id),
    PRIMARY KEY (subject, subject_kind, purpose)
);
COMMENT ON COLUMN compliance.consent_state.registry_ref IS 'The purpose''s registry id (generated): its foreign key makes pg_dump restore the purpose registry before this table.';
COMMENT ON TABLE compliance.consent_state IS
    'Current consent status per subject and purpose, derived from the consent ledger; a given or renewed consent past valid_until is expired. Written only by the consent functions.';
SELECT pg_catalog.pg_extension_config_dump('compliance.consent_state', '');

-- Art. 5.9 capacity rules and Art. 5.6 identity fields.
--
-- The rules as one expression: the first rule a consent breaks, as a code,
-- NULL if none.  A single SELECT without SET clauses, so the planner
-- inlines it: compliance.import_consents() applies it to every row of an
-- import in one query, and check_consent_capacity() raises the error for
-- the code, so both decide alike.  needs_identity: a purpose of the
-- consent was registered with requires_identity.  An identity date or
-- boolean that does not read as one raises a data exception (reported by
-- check_consent_capacity() as an invalid identity).
CREATE FUNCTION compliance.consent_capacity_problem(identity jsonb, indicated_by text,
        representative jsonb, given_at timestamptz, needs_identity boolean)
    RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN indicated_by IS NULL OR indicated_by NOT IN ('subject', 'legal_representative', 'successor',
                'close_relative', 'spouse', 'adoptive_parent', 'adoptive_child')
        THEN 'indicated_by'
        WHEN indicated_by <> 'subject' AND (representative IS NULL OR jsonb_typeof(representative) <> 'object'
                                            OR representative = '{}'::jsonb)
        THEN 'representative'
        WHEN identity IS NOT NULL AND jsonb_typeof(identity) <> 'object'
        THEN 'identity_type'
        WHEN identity IS NOT NULL
             AND identity - ARRAY['surname', 'first_name', 'patronymic', 'birth_date', 'id_number',
                                  'document_number', 'married', 'legally_incapable', 'deceased_on'] <> '{}'::jsonb
        THEN 'identity_field'
        WHEN needs_identity AND (identity IS NULL OR NOT identity ?& ARRAY['surname', 'first_name', 'birth_date']
                                 OR NOT identity ?| ARRAY['id_number', 'document_number'])
        THEN 'identity_missing'
        WHEN NOT needs_identity AND identity ?| ARRAY['surname', 'first_name', 'patronymic', 'id_number', 'document_number']
        THEN 'identity_not_needed'
        -- Art. 5.9, first sub-paragraph: posthumous consent
        WHEN (identity ->> 'deceased_on')::date <= given_at::date
        THEN CASE WHEN indicated_by NOT IN ('successor', 'close_relative', 'spouse', 'adoptive_parent', 'adoptive_child')
                  THEN 'deceased' END
        WHEN indicated_by IN ('successor', 'close_relative', 'spouse', 'adoptive_parent', 'adoptive_child')
        THEN 'posthumous_alive'
        -- Art. 5.9, second sub-paragraph: minors under 16 not married, and incapable persons
        WHEN (coalesce((identity ->> 'legally_incapable')::boolean, false)
              OR ((identity ->> 'birth_date')::date + interval '16 years' > given_at::date
                  AND NOT coalesce((identity ->> 'married')::boolean, false)))
             AND indicated_by <> 'legal_representative'
        THEN 'legal_representative'
    END
$$;
COMMENT ON FUNCTION compliance.consent_capacity_problem(jsonb, text, jsonb, timestamptz, boolean) IS
    'Internal: the first capacity (Art. 5.9) or identity (Art. 5.6) rule a consent breaks, as a code (indicated_by, representative, identity_type, identity_field, identity_missing, identity_not_needed, deceased, posthumous_alive, legal_representative), NULL if none; check_consent_capacity() raises the error for it. Inlined into the queries that call it.';

CREATE FUNCTION compliance.check_consent_capacity(identity jsonb, indicated_by text,
        representative jsonb, given_at timestamptz, purposes compliance.purpose_set)
    RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_needs_identity boolean;
    v_problem text;
BEGIN
    SELECT coalesce(bool_or(p.requires_identity), false) INTO v_needs_identity
      FROM compliance.purposes p WHERE check_consent_capacity.purposes @> p.code::compliance.purpose;
    BEGIN
        v_problem := compliance.consent_capacity_problem(identity, indicated_by, representative, given_at,
                                                         v_needs_identity);
    EXCEPTION WHEN data_exception THEN
        RAISE EXCEPTION 'invalid identity: %', SQLERRM
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'birth_date and deceased_on are dates (YYYY-MM-DD); married and legally_incapable are booleans.';
    END;

    CASE v_problem
    WHEN 'indicated_by' THEN
        RAISE EXCEPTION 'invalid value for indicated_by: "%"', indicated_by
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Consent is indicated by the subject, a legal representative, or after death by a successor, close relative, spouse, adoptive parent or adoptive child (Art. 5.9 of Law 99-Z).',
                  HINT = 'Use subject, legal_representative, successor, close_relative, spouse, adoptive_parent or adoptive_child.';
    WHEN 'representative' THEN
        RAISE EXCEPTION 'consent indicated by a % needs the representative''s identity', replace(indicated_by, '_', ' ')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The processor must be able to prove who gave consent (Art. 5.7, 5.9 of Law 99-Z).',
                  HINT = 'Pass representative => a JSON object such as {"surname": "...", "first_name": "...", "document": "..."}.';
    WHEN 'identity_type' THEN
        RAISE EXCEPTION 'identity must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass keys such as surname, first_name, patronymic, birth_date, id_number, married, legally_incapable, deceased_on.';
    WHEN 'identity_field' THEN
        RAISE EXCEPTION 'unknown identity field "%"',
              (SELECT k FROM jsonb_object_keys(identity) k
                WHERE k NOT IN ('surname', 'first_name', 'patronymic', 'birth_date', 'id_number',
                                'document_number', 'married', 'legally_incapable', 'deceased_on')
                ORDER BY k LIMIT 1)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A consent records only the identity fields of Art. 5.6 and the facts the capacity rules of Art. 5.9 need.',
                  HINT = 'Use surname, first_name, patronymic, birth_date, id_number, document_number, married, legally_incapable, deceased_on.';
    WHEN 'identity_missing' THEN
        RAISE EXCEPTION 'consent for these purposes needs the subject''s identity'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Art. 5.6 of Law 99-Z: the subject indicates surname, first name, patronymic (where one exists), date of birth, and identification number or identity document number.',
                  HINT = 'Pass identity => {"surname": ..., "first_name": ..., "patronymic": ..., "birth_date": ..., "id_number": ...}.';
    WHEN 'identity_not_needed' THEN
        RAISE EXCEPTION 'identity fields not needed for these purposes must not be collected'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Art. 5.6 of Law 99-Z: if the purposes do not require surname, names and identification number, they are not processed when consent is obtained.',
                  HINT = 'Leave those fields out, or register the purpose with requires_identity => true.';
    WHEN 'deceased' THEN
        RAISE EXCEPTION 'consent for a deceased subject must be given by a successor, close relative, spouse, adoptive parent or adoptive child'
            USING ERRCODE = 'invalid_authorization_specification',
                  DETAIL = format('The subject died on %s; Art. 5.9 of Law 99-Z (first sub-paragraph) requires posthumous consent by one of those persons.',
                                  to_char((identity ->> 'deceased_on')::date, 'YYYY-MM-DD')),
                  HINT = 'Pass indicated_by => ''successor'' (or close_relative, spouse, adoptive_parent, adoptive_child) and the representative''s identity.';
    WHEN 'posthumous_alive' THEN
        RAISE EXCEPTION 'posthumous consent needs the subject''s date of death'
            USING ERRCODE = 'invalid_authorization_specification',
                  DETAIL = 'Art. 5.9 of Law 99-Z lets these persons consent only after the subject''s death.',
                  HINT = 'Pass identity => {"deceased_on": "YYYY-MM-DD"}, or indicated_by => ''subject''.';
    WHEN 'legal_representative' THEN
        RAISE EXCEPTION 'consent for this subject must be given by a legal representative'
            USING ERRCODE = 'invalid_authorization_specification',
                  DETAIL = CASE WHEN coalesce((identity ->> 'legally_incapable')::boolean, false)
                                THEN 'The subject is legally incapable or partially incapacitated; Art. 5.9 of Law 99-Z (second sub-paragraph) requires a legal representative.'
                                ELSE format('The subject (born %s) is under 16 at %s and not married; Art. 5.9 of Law 99-Z (second sub-paragraph) requires a legal representative.',
                                            to_char((identity ->> 'birth_date')::date, 'YYYY-MM-DD'), to_char(given_at, 'YYYY-MM-DD')) END,
                  HINT = 'Pass indicated_by => ''legal_representative'' and representative => the representative''s identity.';
    ELSE
        NULL;
    END CASE;
END
$$;
COMMENT ON FUNCTION compliance.check_consent_capacity(jsonb, text, jsonb, timestamptz, compliance.purpose_set) IS
    'Raises an error unless the consent may be given as described: capacity rules of Art. 5.9 (minors under 16, incapable, deceased subjects) and identity fields of Art. 5.6, judged at given_at (compliance.consent_capacity_problem).';

-- Consents, grounds, blocks and applications meet rows by the text form of
-- the row's subject column: ' 42' or '042' for an integer column, or an
-- upper-case uuid, would name nobody (a withdrawal of '042' would leave the
-- consent of 42 in force).  Keys are taken as the tables hold them.
CREATE FUNCTION compliance.subject_key(subject text, subject_kind text) RETURNS text
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'subject_key';
COMMENT ON FUNCTION compliance.subject_key(text, text) IS
    'Internal to compliance.check_subject(): the subject key as the protected tables of its kind hold it. Kept as written if one of their subject columns can hold it so; else, if their integer and uuid columns all read it as one value, that value''s text form (''042'' -> ''42'', upper-case uuid -> lower case); an error if none can hold it or they read it differently. With no protected table of the kind, the key as given.';
REVOKE EXECUTE ON FUNCTION compliance.subject_key(text, text) FROM PUBLIC;

CREATE FUNCTION compliance.check_subject(subject text, subject_kind text) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF subject IS NULL OR subject = '' THEN
        RAISE EXCEPTION 'subject key is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the text form of the value in the protected tables'' subject column, e.g. ''42''.';
    END IF;
    IF octet_length(subject) > 1024 THEN
        RAISE EXCEPTION 'subject key is too long'
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = format('Subject keys have at most 1024 bytes; got %s.', octet_length(subject)),
                  HINT = 'Use the subject''s identifier, not its data.';
    END IF;
    PERFORM compliance.check_subject_kind(subject_kind);
    RETURN compliance.subject_key(subject, subject_kind);
END
$$;
COMMENT ON FUNCTION compliance.check_subject(text, text) IS
    'Returns the subject key as the protected tables of its kind hold it (compliance.subject_key) if it is a valid one (non-empty, at most 1024 bytes) of a registered subject kind; raises an error otherwise.';

-- The purposes a consent may be given to: at least one, each in force and
-- relying on consent.
CREATE FUNCTION compliance.check_consent_purposes(purposes compliance.purpose_set) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_other_basis text;
BEGIN
    IF purposes IS NULL OR compliance.cardinality(purposes) = 0 THEN
        RAISE EXCEPTION 'consent needs at least one purpose'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Consent authorises processing for specific purposes (Art. 4.4, 5.1 of Law 99-Z).',
                  HINT = 'Pass the purposes, e.g. ''{marketing}''.';
    END IF;
    PERFORM compliance.check_purposes_in_force(purposes);
    SELECT string_agg(p.code || ' (' || p.legal_basis || ')', ', ' ORDER BY p.id) INTO v_other_basis
      FROM compliance.purposes p
     WHERE p.legal_basis <> 'consent' AND check_consent_purposes.purposes @> p.code::compliance.purpose;
    IF v_other_basis IS NOT NULL THEN
        RAISE EXCEPTION 'consent cannot be given to a purpose whose legal basis is not consent: %', v_other_basis
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Such a purpose is processed on its own ground (Art. 6, 8.2 of Law 99-Z); a consent to it could be withdrawn without stopping anything, which would mislead the subject (Art. 5.1, 10).',
                  HINT = 'Give consent only to purposes whose legal basis is consent (see compliance.purposes).';
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.check_consent_purposes(compliance.purpose_set) IS
    'Internal: raises an error unless consent may be given to the purposes: at least one (Art. 4.4, 5.1 of Law 99-Z), none retired, each relying on consent.';

CREATE FUNCTION compliance.give_consent(subject text, purposes compliance.purpose_set,
        form compliance.consent_form,
        valid_until timestamptz DEFAULT NULL,
        evidence jsonb DEFAULT NULL,
        indicated_by text DEFAULT 'subject',
        representative jsonb DEFAULT NULL,
        identity jsonb DEFAULT NULL,
        notice_lang text DEFAULT 'ru',
        transfer_countries text[] DEFAULT NULL,
        rights_digest bytea DEFAULT NULL,
        subject_kind text DEFAULT 'person')
    RETURNS compliance.consent
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := now();
    v_receipt compliance.consent;
    v_renewed boolean;
    v_id bigint;
    v_countries text[];
    v_salt bytea := compliance.new_salt();
    v_rights bytea;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    PERFORM compliance.check_consent_purposes(purposes);
    IF form IS NULL THEN
        RAISE EXCEPTION 'consent form is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The processor must be able to prove how consent was obtained (Art. 5.2, 5.3, 5.7 of Law 99-Z).',
                  HINT = 'Pass a label of compliance.consent_form, e.g. ''checkbox''.';
    END IF;
    IF valid_until IS NOT NULL AND valid_until <= v_now THEN
        RAISE EXCEPTION 'consent would already have expired'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('valid_until (%s) is not after the time consent is given (%s).', valid_until, v_now),
                  HINT = 'Pass a future valid_until, or NULL for consent until withdrawn.';
    END IF;
    IF evidence IS NOT NULL AND jsonb_typeof(evidence) <> 'object' THEN
        RAISE EXCEPTION 'evidence must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Describe how consent was obtained, e.g. {"channel": "sms", "code": "4711", "phone": "+375..."}; only its digest is kept.';
    END IF;
    PERFORM compliance.check_lang(notice_lang);
    -- Art. 5.5: the explanation of rights shown, separately from the notice
    v_rights := compliance.check_rights_digest(rights_digest, notice_lang);
    PERFORM compliance.check_consent_capacity(identity, indicated_by, representative, v_now, purposes);
    v_countries := compliance.check_transfer_countries(transfer_countries);

    -- Serialise consent writers so "renewed" is decided on the current state.
    PERFORM compliance.consent_ledger_lock();

    SELECT EXISTS (SELECT FROM compliance.consent_state s
                    WHERE s.subject = give_consent.subject
                      AND s.subject_kind = give_consent.subject_kind
                      AND give_consent.purposes @> s.purpose
                      AND s.status IN ('given', 'renewed'))
      INTO v_renewed;

    v_receipt := compliance.make_consent(0, subject, purposes, form, v_now, valid_until,
        indicated_by, representative,
        sha256(convert_to(compliance.notice_text(purposes, notice_lang, valid_until, v_countries), 'UTF8')),
        -- salted like the sealed identity: a digest matches nothing else
        CASE WHEN evidence IS NULL THEN NULL ELSE compliance.sealed_digest(v_salt, evidence::text) END,
        -- the default kind is left unstated: a receipt without one is a person's
        identity, notice_lang, subject_kind => nullif(subject_kind, 'person'), transfer_countries => v_countries);
    v_id := compliance.consent_ledger_append(CASE WHEN v_renewed THEN 'renewed' ELSE 'given' END,
                                             subject, subject_kind, purposes, v_receipt, v_countries,
                                             p_salt => v_salt, p_rights_digest => v_rights);

    INSERT INTO compliance.consent_state AS s (subject, subject_kind, purpose, status, given_at, valid_until,
                                               transfer_countries, ledger_id, changed_at)
    SELECT give_consent.subject, give_consent.subject_kind, p.code::compliance.purpose, 'given', v_now, give_consent.valid_until,
           v_countries, v_id, v_now
      FROM compliance.purposes p
     WHERE give_consent.purposes @> p.code::compliance.purpose
    ON CONFLICT ON CONSTRAINT consent_state_pkey DO UPDATE
       SET status = CASE WHEN s.status IN ('given', 'renewed') THEN 'renewed' ELSE 'given' END,
           given_at = excluded.given_at, valid_until = excluded.valid_until,
           transfer_countries = excluded.transfer_countries,
           ledger_id = excluded.ledger_id, changed_at = excluded.changed_at;

    RETURN (SELECT l.receipt FROM compliance.consent_ledger l WHERE l.id = v_id);
END
$$;
COMMENT ON FUNCTION compliance.give_consent(text, compliance.purpose_set, compliance.consent_form, timestamptz, jsonb, text, jsonb, jsonb, text, text[], bytea, text) IS
    'Records a consent (Art. 5 of Law 99-Z) after checking capacity (Art. 5.9) and identity fields (Art. 5.6); the receipt keeps digests of the notice shown (Art. 5.5) and of the evidence, and is appended to the hash-chained ledger (Art. 5.7) with the identity and representative sealed (salted digests; the plaintext is in compliance.consent_evidence until erasure). transfer_countries: the countries without adequate protection the subject agreed to a transfer to, after the notice stated the risks (Art. 9.1). rights_digest: the SHA-256 digest of the explanation of rights shown separately (compliance.rights_notice() in notice_lang, text or HTML; Art. 5.5), kept in the ledger row and chained; NULL: that of the text form. Returns the receipt.';

-- Art. 5.7: the processor proves consent.  After erasure only digests
-- remain; a document presented later (in a dispute) is confirmed against
-- them.
CREATE FUNCTION compliance.confirm_consent_evidence(consent_id bigint, identity jsonb DEFAULT NULL,
        representative jsonb DEFAULT NULL, evidence jsonb DEFAULT NULL)
    RETURNS TABLE (item text, kept text, matches boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row compliance.consent_ledger;
    v_receipt jsonb;
BEGIN
    IF consent_id IS NULL THEN
        RAISE EXCEPTION 'consent id is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the id of the consent receipt (compliance.consent_id(receipt), compliance.consent_ledger.id).';
    END IF;
    SELECT * INTO v_row FROM compliance.consent_ledger l
     WHERE l.id = confirm_consent_evidence.consent_id AND l.receipt IS NOT NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'consent receipt % does not exist', consent_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'Pass the id of a given or renewed event of compliance.consent_ledger.';
    END IF;
    v_receipt := v_row.receipt::jsonb;
    FOR item, kept, matches IN
        SELECT x.item,
               CASE WHEN x.stored IS NULL THEN 'nothing'
                    WHEN v_row.evidence_salt IS NULL THEN 'SHA-256 digest'
                    ELSE 'keyed, salted SHA-256 digest' END,
               CASE WHEN x.stored IS NULL OR x.presented IS NULL THEN NULL
                    WHEN v_row.evidence_salt IS NULL THEN x.stored = encode(sha256(convert_to(x.presented::text, 'UTF8')), 'hex')
                    ELSE x.stored = encode(compliance.sealed_digest(v_row.evidence_salt, x.presented::text), 'hex') END
          FROM (VALUES (1, 'identity', v_receipt #>> '{identity,digest}', confirm_consent_evidence.identity),
                       (2, 'representative', v_receipt #>> '{representative,digest}', confirm_consent_evidence.representative),
                       (3, 'evidence', v_receipt ->> 'evidence_digest', confirm_consent_evidence.evidence))
               AS x(n, item, stored, presented)
         ORDER BY x.n
    LOOP
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.confirm_consent_evidence(bigint, jsonb, jsonb, jsonb) IS
    'Confirms a consent''s identity fields, representative or evidence presented later (a dispute, Art. 5.7 of Law 99-Z) against the salted digests the consent ledger keeps, also after the subject was erased: per item, what is kept (nothing, or a salted SHA-256 digest) and whether the presented value matches (NULL: nothing presented or nothing kept). JSON is compared in its canonical jsonb form.';

CREATE FUNCTION compliance.withdraw_consent(subject text,
        purposes compliance.purpose_set DEFAULT NULL,
        request_id bigint DEFAULT NULL,
        subject_kind text DEFAULT 'person')
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := now();
    v_withdrawn compliance.purpose[];
    v_id bigint;
    v_req record;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    -- Art. 10.2: the 15 days run from the application, not from when the
    -- withdrawal was recorded.
    IF request_id IS NOT NULL THEN
        SELECT q.subject, q.subject_kind, q.kind, q.completed_at INTO v_req
          FROM compliance.subject_requests q WHERE q.id = withdraw_consent.request_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'request % does not exist', request_id
                USING ERRCODE = 'undefined_object',
                      HINT = 'Pass the id compliance.file_request() returned for the application; see compliance.requests.';
        END IF;
        -- the application's own subject is not told: the caller (an
        -- application role) may not read the register of applications
        IF v_req.subject <> subject OR v_req.subject_kind <> subject_kind THEN
            RAISE EXCEPTION 'request % is not an application of subject "%" (%)', request_id, subject, subject_kind
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Pass the application of the subject withdrawing consent.';
        END IF;
        IF v_req.kind NOT IN ('withdraw_consent', 'stop_processing', 'erase') THEN
            RAISE EXCEPTION 'request % is of kind %', request_id, v_req.kind
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A withdrawal answers an application to withdraw consent (Art. 10.1 of Law 99-Z) or to stop processing (Art. 13.1).',
                      HINT = 'Pass the application to withdraw consent, or none.';
        END IF;
        IF v_req.completed_at IS NOT NULL THEN
            RAISE EXCEPTION 'request % is already completed', request_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'File a new application if the subject applied again.';
        END IF;
    END IF;
    PERFORM compliance.consent_ledger_lock();

    -- Consents that still authorise processing (given or renewed, not expired).
    SELECT array_agg(s.purpose ORDER BY s.purpose) INTO v_withdrawn
      FROM compliance.consent_state s
     WHERE s.subject = withdraw_consent.subject
       AND s.subject_kind = withdraw_consent.subject_kind
       AND s.status IN ('given', 'renewed')
       AND (s.valid_until IS NULL OR s.valid_until > v_now)
       AND (withdraw_consent.purposes IS NULL OR withdraw_consent.purposes @> s.purpose);
    IF v_withdrawn IS NULL THEN
        RETURN 0;
    END IF;

    v_id := compliance.consent_ledger_append('withdrawn', subject, subject_kind, compliance.purpose_set(v_withdrawn),
                                             p_request_id => request_id);
    UPDATE compliance.consent_state s
       SET status = 'withdrawn', ledger_id = v_id, changed_at = v_now
     WHERE s.subject = withdraw_consent.subject AND s.subject_kind = withdraw_consent.subject_kind
       AND s.purpose = ANY (v_withdrawn);
    RETURN cardinality(v_withdrawn);
END
$$;
COMMENT ON FUNCTION compliance.withdraw_consent(text, compliance.purpose_set, bigint, text) IS
    'Withdraws the subject''s consent for the given purposes (NULL = all) at any time without reasons (Art. 10 of Law 99-Z); takes effect at commit and is not retroactive (Art. 10.4). With request_id, the withdrawal answers that application: its erase task is due 15 days after the application was received (Art. 10.2), not after the withdrawal was recorded. Returns how many consents were withdrawn.';

CREATE FUNCTION compliance.refuse_consent(subject text, purposes compliance.purpose_set,
        subject_kind text DEFAULT 'person')
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := now();
    v_refused compliance.purpose[];
    v_id bigint;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    IF purposes IS NULL OR compliance.cardinality(purposes) = 0 THEN
        RAISE EXCEPTION 'a refusal needs at least one purpose'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the purposes the subject refused, e.g. ''{marketing}''.';
    END IF;
    PERFORM compliance.consent_ledger_lock();

    -- A refusal does not touch consents in force: that would be a withdrawal.
    SELECT array_agg(p.code::compliance.purpose ORDER BY p.id) INTO v_refused
      FROM compliance.purposes p
     WHERE refuse_consent.purposes @> p.code::compliance.purpose
       AND NOT EXISTS (SELECT FROM compliance.consent_state s
                        WHERE s.subject = refuse_consent.subject
                          AND s.subject_kind = refuse_consent.subject_kind
                          AND s.purpose = p.code::compliance.purpose
                          AND s.status IN ('given', 'renewed')
                          AND (s.valid_until IS NULL OR s.valid_until > v_now));
    IF v_refused IS NULL THEN
        RETURN 0;
    END IF;

    v_id := compliance.consent_ledger_append('refused', subject, subject_kind, compliance.purpose_set(v_refused));
    INSERT INTO compliance.consent_state AS s (subject, subject_kind, purpose, status, ledger_id, changed_at)
    SELECT refuse_consent.subject, refuse_consent.subject_kind, r, 'refused', v_id, v_now FROM unnest(v_refused) r
    ON CONFLICT ON CONSTRAINT consent_state_pkey DO UPDATE
       SET status = 'refused', given_at = NULL, valid_until = NULL,
           ledger_id = excluded.ledger_id, changed_at = excluded.changed_at;
    RETURN cardinality(v_refused);
END
$$;
COMMENT ON FUNCTION compliance.refuse_consent(text, compliance.purpose_set, text) IS
    'Records that the subject refused consent for purposes they hold no consent in force for (Art. 5.5: the consequences of refusing were explained). Returns how many purposes were refused.';

-- Like every subject function, consent_status and consents_of refuse a
-- NULL or empty subject (22004); consent_status also a NULL purpose.
CREATE FUNCTION compliance.consent_clock()
    RETURNS timestamptz
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'consent_clock';
COMMENT ON FUNCTION compliance.consent_clock() IS
    'The time a consent''s valid_until is judged at: statement_timestamp() run ahead by compliance.consent_clock_advance (0 unless a superuser sets it). Enforcement, consent_status and the access report use it.';

CREATE FUNCTION compliance.consent_status(subject text, purpose compliance.purpose,
        subject_kind text DEFAULT 'person')
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    IF purpose IS NULL THEN
        RAISE EXCEPTION 'purpose is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a registered purpose code, e.g. ''marketing''.';
    END IF;
    SELECT CASE WHEN s.status IN ('given', 'renewed') AND s.valid_until OPERATOR(pg_catalog.<=) compliance.consent_clock()
                THEN 'expired' ELSE s.status END
      INTO v_status
      FROM compliance.consent_state s
     WHERE s.subject OPERATOR(pg_catalog.=) consent_status.subject
       AND s.subject_kind OPERATOR(pg_catalog.=) consent_status.subject_kind
       AND s.purpose OPERATOR(pg_catalog.=) consent_status.purpose;
    RETURN coalesce(v_status, 'none');
END
$$;
COMMENT ON FUNCTION compliance.consent_status(text, compliance.purpose, text) IS
    'Consent status of a subject for a purpose: given, renewed (a newer consent replaced one in force or expired), withdrawn, expired (past valid_until), refused, or none.';

CREATE FUNCTION compliance.consents_of(subject text, subject_kind text DEFAULT 'person')
    RETURNS SETOF compliance.consent
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    RETURN QUERY
        SELECT l.receipt FROM compliance.consent_ledger l
         WHERE l.subject OPERATOR(pg_catalog.=) consents_of.subject
           AND l.subject_kind OPERATOR(pg_catalog.=) consents_of.subject_kind AND l.receipt IS NOT NULL
         ORDER BY l.id;
END
$$;
COMMENT ON FUNCTION compliance.consents_of(text, text) IS
    'Every consent receipt the subject gave, oldest first, including withdrawn and expired ones (Art. 5.7: the processor proves consent; Art. 10.4: withdrawal is not retroactive).';

-- The subject's consents as a table, one row per purpose the subject ever
-- gave, withdrew or refused consent for: what an application shows a user
-- or an officer reads at a glance (consents_of gives the receipts).
CREATE FUNCTION compliance.consent_overview(subject text, subject_kind text DEFAULT 'person')
    RETURNS TABLE (purpose compliance.purpose, title text, status text, given_at timestamptz,
                   valid_until timestamptz, changed_at timestamptz, form compliance.consent_form,
                   indicated_by text, transfer_countries text[], consent_id bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    RETURN QUERY
        SELECT s.purpose, p.title,
               CASE WHEN s.status IN ('given', 'renewed') AND s.valid_until OPERATOR(pg_catalog.<=) compliance.consent_clock()
                    THEN 'expired' ELSE s.status END,
               s.given_at, s.valid_until, s.changed_at,
               compliance.form(r.receipt), compliance.indicated_by(r.receipt),
               s.transfer_countries, compliance.consent_id(r.receipt)
          FROM compliance.consent_state s
          JOIN compliance.purposes p ON p.id OPERATOR(pg_catalog.=) s.registry_ref
          -- the receipt of the consent in force, withdrawn or expired; none
          -- for a refusal
          LEFT JOIN LATERAL (
               SELECT l.receipt FROM compliance.consent_ledger l
                WHERE s.status OPERATOR(pg_catalog.<>) 'refused'
                  AND l.subject OPERATOR(pg_catalog.=) s.subject
                  AND l.subject_kind OPERATOR(pg_catalog.=) s.subject_kind
                  AND l.event IN ('given', 'renewed') AND l.id OPERATOR(pg_catalog.<=) s.ledger_id
                  AND l.purposes OPERATOR(pg_catalog.@>) s.purpose
                ORDER BY l.id DESC LIMIT 1) r ON true
         WHERE s.subject OPERATOR(pg_catalog.=) consent_overview.subject
           AND s.subject_kind OPERATOR(pg_catalog.=) consent_overview.subject_kind
         ORDER BY p.id;
END
$$;
COMMENT ON FUNCTION compliance.consent_overview(text, text) IS
    'The subject''s consents as a table, one row per purpose the subject gave, withdrew or refused consent for: purpose, title, status (given, renewed, withdrawn, expired, refused, as compliance.consent_status()), dates, the form and who indicated it (from the receipt), the countries a transfer was agreed to, and the receipt''s id (compliance.consents_of() returns the receipts).';
