-- Applications of data subjects (Art. 14) and their statutory deadlines
-- (Art. 10.2, 11.2, 11.4, 12.2, 13.2), in Belarus dates and the working-day
-- calendar of 65_calendar.sql; the register of applications, and the views
-- compliance_officer works from.

-- ---------------------------------------------------------------------
-- Applications (Art. 14)
-- ---------------------------------------------------------------------

CREATE SEQUENCE compliance.subject_requests_id_seq AS bigint;
CREATE TABLE compliance.subject_requests (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.subject_requests_id_seq'),
    subject         text NOT NULL,
    subject_kind    text NOT NULL REFERENCES compliance.subject_kinds (kind),
    kind            compliance.request_kind NOT NULL,
    received_at     timestamptz NOT NULL,
    due_at          date NOT NULL,
    channel         text NOT NULL,
    reply_form      text NOT NULL,
    applicant       jsonb,
    essence         text,
    filed_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    filed_by        name NOT NULL DEFAULT session_user,
    completed_at    timestamptz,
    completed_by    name,
    outcome         text CHECK (outcome IN ('fulfilled', 'partially_fulfilled', 'blocked', 'refused', 'cancelled')),
    legal_ground    text,
    response        text,
    report          jsonb,
    answer          text,
    answer_lang     text,
    answer_format   text,
    answer_digest   text,
    answered_at     timestamptz,
    sealed          jsonb,
    CHECK ((completed_at IS NULL) = (outcome IS NULL))
);
ALTER SEQUENCE compliance.subject_requests_id_seq OWNED BY compliance.subject_requests.id;
CREATE INDEX subject_requests_subject ON compliance.subject_requests (subject, subject_kind, kind, received_at);
CREATE INDEX subject_requests_open ON compliance.subject_requests (due_at) WHERE completed_at IS NULL;
COMMENT ON TABLE compliance.subject_requests IS
    'Applications of data subjects (Art. 14 of Law 99-Z) with their deadlines and outcomes. Written by compliance.file_request() and compliance.complete_request(); read through the view compliance.requests.';
COMMENT ON COLUMN compliance.subject_requests.due_at IS 'Last day (Belarus date) on which the reply is due: 5 working days after receipt for access (Art. 11.2), 15 days for the other kinds (Art. 10.2, 11.4, 12.2, 13.2).';
COMMENT ON COLUMN compliance.subject_requests.applicant IS 'Identity fields of the application (Art. 14.2): surname, first_name, patronymic, address, birth_date, id_number or document_number, signature, and an email address for replies.';
COMMENT ON COLUMN compliance.subject_requests.sealed IS 'Set when the subject was erased (Art. 13): the salt and the keyed, salted SHA-256 digests (hex) of the applicant details, essence, response and legal ground, which are then deleted; compliance.confirm_request_evidence() confirms a copy presented later.';
COMMENT ON COLUMN compliance.subject_requests.report IS 'Machine-readable result, e.g. the report of compliance.erase_subject() for an erase request.';
COMMENT ON COLUMN compliance.subject_requests.answer IS 'The document sent to the applicant, as compliance.answer_request() generated it (access report, Art. 12 answer), with its language, format, SHA-256 digest (hex) and time.';
SELECT pg_catalog.pg_extension_config_dump('compliance.subject_requests', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.subject_requests_id_seq', '');

-- Channels of Art. 14.1 (and, for a withdrawal, Art. 10.1: the means
-- through which consent was obtained); a reply goes back the same way
-- unless the application asks otherwise (Art. 14.3).
CREATE FUNCTION compliance.check_request_channel(channel text, what text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF channel IS NULL THEN
        RAISE EXCEPTION '% is required', what
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Use written, email, electronic_document or consent_channel.';
    END IF;
    IF channel NOT IN ('written', 'email', 'electronic_document', 'consent_channel') THEN
        RAISE EXCEPTION 'invalid % "%"', what, channel
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Applications are made by written letter, e-mail or electronic document (Art. 14.1 of Law 99-Z); consent may also be withdrawn through the means it was obtained by (Art. 10.1).',
                  HINT = 'Use written, email, electronic_document or consent_channel.';
    END IF;
    RETURN channel;
END
$$;
COMMENT ON FUNCTION compliance.check_request_channel(text, text) IS
    'Returns the channel if it is one applications can be made or answered through (written, email, electronic_document, consent_channel); raises an error naming what otherwise.';

CREATE FUNCTION compliance.request_due(kind compliance.request_kind, received_at timestamptz)
    RETURNS date
    LANGUAGE sql STABLE STRICT SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    -- Periods run from the day after receipt.  Calendar-day periods are not
    -- extended when they end on a day off: the earlier date is always safe.
    SELECT CASE kind
        WHEN 'access' THEN compliance.working_days_add(compliance.belarus_date(received_at), 5)
        ELSE compliance.belarus_date(received_at) + 15 END
$$;
COMMENT ON FUNCTION compliance.request_due(compliance.request_kind, timestamptz) IS
    'Last day of the reply period for an application of this kind received then: 5 working days for access (Art. 11.2 of Law 99-Z), 15 calendar days for withdraw_consent, rectify, third_party_info, stop_processing and erase (Art. 10.2, 11.4, 12.2, 13.2).';

CREATE FUNCTION compliance.file_request(subject text, kind compliance.request_kind,
        received_at timestamptz DEFAULT now(), channel text DEFAULT 'written',
        applicant jsonb DEFAULT NULL, essence text DEFAULT NULL,
        reply_form text DEFAULT NULL, subject_kind text DEFAULT 'person')
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_key text;
    v_value jsonb;
    v_birth date;
    v_id bigint;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    IF kind IS NULL OR received_at IS NULL THEN
        RAISE EXCEPTION 'kind and received_at are required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The kind of the application sets its deadline, counted from its receipt (Art. 10-13 of Law 99-Z).',
                  HINT = 'Pass a label of compliance.request_kind and the moment the application was received.';
    END IF;
    PERFORM compliance.check_request_channel(channel, 'channel');
    IF channel = 'consent_channel' AND kind <> 'withdraw_consent' THEN
        RAISE EXCEPTION 'only a withdrawal of consent may be made through the consent channel'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Art. 10.1 of Law 99-Z allows withdrawing consent through the means it was obtained by; other applications are made by written letter, e-mail or electronic document (Art. 14.1).',
                  HINT = 'Use written, email or electronic_document.';
    END IF;
    IF reply_form IS NOT NULL THEN
        PERFORM compliance.check_request_channel(reply_form, 'reply form');
    END IF;

    IF applicant IS NOT NULL AND jsonb_typeof(applicant) <> 'object' THEN
        RAISE EXCEPTION 'applicant must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got a JSON %s.', jsonb_typeof(applicant)),
                  HINT = 'Pass the fields of Art. 14.2, e.g. {"surname": "...", "first_name": "...", "address": "...", "birth_date": "1990-01-31", "signature": "handwritten"}.';
    END IF;
    FOR v_key, v_value IN SELECT e.key, e.value FROM jsonb_each(coalesce(applicant, '{}')) e ORDER BY e.key LOOP
        IF v_key NOT IN ('surname', 'first_name', 'patronymic', 'address', 'birth_date',
                         'id_number', 'document_number', 'signature', 'email') THEN
            RAISE EXCEPTION 'unknown applicant field "%"', v_key
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'An application carries the identity fields of Art. 14.2 of Law 99-Z; its essence is a separate argument.',
                      HINT = 'Use surname, first_name, patronymic, address, birth_date, id_number, document_number, signature, email.';
        END IF;
        IF jsonb_typeof(v_value) <> 'string' OR btrim(v_value #>> '{}') = '' THEN
            RAISE EXCEPTION 'applicant field "%" must be a non-empty string', v_key
                USING ERRCODE = CASE WHEN jsonb_typeof(v_value) = 'null' THEN 'null_value_not_allowed'
                                     ELSE 'invalid_parameter_value' END,
                      DETAIL = format('Got %s.', v_value),
                      HINT = 'Leave out the fields the application does not state.';
        END IF;
    END LOOP;
    IF applicant ? 'birth_date' THEN
        BEGIN
            v_birth := (applicant ->> 'birth_date')::date;
        EXCEPTION WHEN data_exception THEN
            RAISE EXCEPTION 'invalid applicant birth_date "%"', applicant ->> 'birth_date'
                USING ERRCODE = 'invalid_datetime_format',
                      HINT = 'Write the date of birth as YYYY-MM-DD.';
        END;
        IF v_birth > compliance.belarus_date(received_at) THEN
            RAISE EXCEPTION 'applicant birth_date % is after the application was received', applicant ->> 'birth_date'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Check the date of birth and received_at.';
        END IF;
    END IF;

    IF btrim(essence) = '' THEN
        essence := NULL;
    END IF;

    INSERT INTO compliance.subject_requests (subject, subject_kind, kind, received_at, due_at, channel,
                                             reply_form, applicant, essence)
    VALUES (subject, subject_kind, kind, received_at, compliance.request_due(kind, received_at), channel,
            coalesce(reply_form, channel), applicant, essence)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION compliance.file_request(text, compliance.request_kind, timestamptz, text, jsonb, text, text, text) IS
    'Records a data subject''s application (Art. 14 of Law 99-Z) and its deadline (Art. 10.2, 11.2, 11.4, 12.2, 13.2): channel written, email, electronic_document (or consent_channel for a withdrawal, Art. 10.1); applicant holds the identity fields of Art. 14.2; the reply form is the channel unless the application asks otherwise (Art. 14.3). Returns the request id.';

-- An open application, locked for the function that completes it.
CREATE FUNCTION compliance.lock_open_request(request_id bigint,
        completed_hint text DEFAULT 'File a new request if the subject applied again.')
    RETURNS compliance.subject_requests
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_req compliance.subject_requests;
BEGIN
    IF request_id IS NULL THEN
        RAISE EXCEPTION 'request id is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the id compliance.file_request() returned; see compliance.requests.';
    END IF;
    SELECT * INTO v_req FROM compliance.subject_requests r WHERE r.id = lock_open_request.request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'request % does not exist', request_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'See compliance.requests for the requests on file.';
    END IF;
    IF v_req.completed_at IS NOT NULL THEN
        RAISE EXCEPTION 'request % is already completed', request_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its outcome was recorded as %s.', v_req.outcome),
                  HINT = completed_hint;
    END IF;
    RETURN v_req;
END
$$;
COMMENT ON FUNCTION compliance.lock_open_request(bigint, text) IS
    'Internal: the open application with this id, locked FOR UPDATE; an error if the id is NULL (22004), unknown (42704) or the application already completed (55000, with the hint given).';
REVOKE EXECUTE ON FUNCTION compliance.lock_open_request(bigint, text) FROM PUBLIC;

-- Completed applications of an erased subject keep salted digests of the
-- applicant details, essence and response instead of the text (Art. 13):
-- the processor can still show that it answered, and confirm a copy
-- presented later, but no longer holds who applied or what was written.
CREATE FUNCTION compliance.seal_requests(p_subject text, p_subject_kind text, p_id bigint DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_sealed integer;
BEGIN
    WITH s AS (
        SELECT q.id
          FROM compliance.subject_requests q
         WHERE q.subject = p_subject AND q.subject_kind = p_subject_kind
           AND q.completed_at IS NOT NULL AND q.sealed IS NULL
           AND (p_id IS NULL OR q.id = p_id)
           AND (q.applicant IS NOT NULL OR q.essence IS NOT NULL OR q.response IS NOT NULL
                OR q.legal_ground IS NOT NULL)
    )
    UPDATE compliance.subject_requests q
       SET sealed = compliance.seal_values(jsonb_build_object('applicant', q.applicant, 'essence', q.essence,
                                                              'response', q.response, 'legal_ground', q.legal_ground)),
           applicant = NULL, essence = NULL, response = NULL, legal_ground = NULL, answer = NULL
      FROM s
     WHERE q.id = s.id;
    GET DIAGNOSTICS v_sealed = ROW_COUNT;
    RETURN v_sealed;
END
$$;
COMMENT ON FUNCTION compliance.seal_requests(text, text, bigint) IS
    'Internal: replaces the applicant details, essence and response of the subject''s completed applications (one, with p_id) by their salted digests (column sealed); erasure and the completion of an erasure application call it.';
REVOKE EXECUTE ON FUNCTION compliance.seal_requests(text, text, bigint) FROM PUBLIC;

-- Art. 5.7, 13: an answered application of an erased subject keeps only
-- digests; a copy the applicant or the authority presents later is
-- confirmed against them.
CREATE FUNCTION compliance.confirm_request_evidence(request_id bigint, applicant jsonb DEFAULT NULL,
        essence text DEFAULT NULL, response text DEFAULT NULL, legal_ground text DEFAULT NULL)
    RETURNS TABLE (item text, kept text, matches boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_req compliance.subject_requests;
BEGIN
    IF request_id IS NULL THEN
        RAISE EXCEPTION 'request id is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the id compliance.file_request() returned; see compliance.requests.';
    END IF;
    SELECT * INTO v_req FROM compliance.subject_requests q WHERE q.id = confirm_request_evidence.request_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'request % does not exist', request_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'See compliance.requests for the applications.';
    END IF;
    FOR item, kept, matches IN
        SELECT x.item,
               CASE WHEN x.held THEN 'text' WHEN v_req.sealed ? x.item THEN 'keyed, salted SHA-256 digest' ELSE 'nothing' END,
               CASE WHEN x.presented IS NULL THEN NULL
                    WHEN x.held THEN x.stored = x.presented
                    ELSE compliance.seal_matches(v_req.sealed, x.item, x.presented) END
          FROM (VALUES (1, 'applicant', v_req.applicant IS NOT NULL, v_req.applicant::text, confirm_request_evidence.applicant::text),
                       (2, 'essence', v_req.essence IS NOT NULL, v_req.essence, confirm_request_evidence.essence),
                       (3, 'response', v_req.response IS NOT NULL, v_req.response, confirm_request_evidence.response),
                       (4, 'legal_ground', v_req.legal_ground IS NOT NULL, v_req.legal_ground, confirm_request_evidence.legal_ground))
               AS x(n, item, held, stored, presented)
         ORDER BY x.n
    LOOP
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.confirm_request_evidence(bigint, jsonb, text, text, text) IS
    'Confirms the applicant details, essence, response or legal ground of an application presented later against what is kept: the text, or after the subject''s erasure the keyed, salted digests (Art. 5.7, 13 of Law 99-Z). Per item, what is kept and whether the presented value matches (NULL: nothing presented).';
REVOKE EXECUTE ON FUNCTION compliance.confirm_request_evidence(bigint, jsonb, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.confirm_request_evidence(bigint, jsonb, text, text, text) TO compliance_officer;

CREATE FUNCTION compliance.complete_request(id bigint, outcome text, response text DEFAULT NULL,
        legal_ground text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_req compliance.subject_requests;
BEGIN
    IF id IS NULL THEN
        RAISE EXCEPTION 'request id is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the id compliance.file_request() returned; see compliance.requests.';
    END IF;
    IF outcome IS NULL OR outcome NOT IN ('fulfilled', 'partially_fulfilled', 'blocked', 'refused', 'cancelled') THEN
        RAISE EXCEPTION 'invalid outcome "%"', outcome
            USING ERRCODE = CASE WHEN outcome IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
                  HINT = 'Use fulfilled, partially_fulfilled, blocked (data blocked because deletion is impossible, Art. 13.2), refused or cancelled (the applicant withdrew the application).';
    END IF;
    IF btrim(legal_ground) = '' THEN
        legal_ground := NULL;
    END IF;
    -- blank is no response, whatever the white space
    IF regexp_replace(response, E'[\\s\\u00a0\\u1680\\u2000-\\u200b\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]', '', 'g') = '' THEN
        response := NULL;
    END IF;
    -- Art. 11.2, 12.2, 13.2: the applicant is answered; what was sent is
    -- the processor's proof that it was
    IF outcome <> 'cancelled' AND response IS NULL THEN
        RAISE EXCEPTION 'a completed application needs the response sent'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The subject is answered within the statutory time (Art. 11.2, 12.2, 13.2 of Law 99-Z); the response is the proof.',
                  HINT = 'Pass response => what was sent, or call compliance.answer_request(id) for an access or Art. 12 application, which generates the document, stores it and completes the application.';
    END IF;
    IF outcome IN ('refused', 'partially_fulfilled') AND legal_ground IS NULL THEN
        RAISE EXCEPTION 'a refusal needs its legal ground'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The subject is notified of the grounds for refusing (Art. 11.2, 11.4, 12.2, 13.3 of Law 99-Z).',
                  HINT = 'Pass legal_ground => the provision relied on, e.g. ''Art. 11.3: processing under the legislation on state statistics''.';
    END IF;

    v_req := compliance.lock_open_request(id);

    UPDATE compliance.subject_requests r
       SET completed_at = now(), completed_by = session_user,
           outcome = complete_request.outcome, response = complete_request.response,
           legal_ground = complete_request.legal_ground
     WHERE r.id = complete_request.id;

    -- An erasure carried out, or a subject erased since the application
    -- arrived: the application keeps only digests of who applied and what
    -- was written (Art. 13), now that it is answered.
    IF (v_req.kind = 'erase' AND outcome IN ('fulfilled', 'partially_fulfilled', 'blocked'))
       OR EXISTS (SELECT FROM compliance.consent_ledger l
                   WHERE l.subject = v_req.subject AND l.subject_kind = v_req.subject_kind
                     AND l.event = 'erased' AND l.recorded_at >= v_req.received_at) THEN
        PERFORM compliance.seal_requests(v_req.subject, v_req.subject_kind, id);
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.complete_request(bigint, text, text, text) IS
    'Records the outcome of a request (fulfilled, partially_fulfilled, blocked, refused, cancelled) and the response sent, which every outcome but cancelled needs; a refusal or partial refusal needs its legal ground (Art. 11.2, 11.4, 12.2, 13.3 of Law 99-Z). A request is completed once.';

CREATE VIEW compliance.requests AS
SELECT r.id, r.subject, r.subject_kind, r.kind, r.received_at, r.due_at,
       CASE WHEN r.completed_at IS NULL THEN 'open' ELSE 'completed' END AS status,
       r.channel, r.reply_form, r.completed_at, r.outcome,
       -- who applied and what they and the officer wrote: officers only
       -- (analysts count and time applications, they do not read them)
       CASE WHEN pg_has_role(current_user, 'compliance_officer', 'USAGE') THEN r.legal_ground END AS legal_ground,
       CASE WHEN pg_has_role(current_user, 'compliance_officer', 'USAGE') THEN r.response END AS response,
       r.completed_at IS NULL AND compliance.belarus_date(now()) > r.due_at AS overdue,
       compliance.belarus_date(r.completed_at) > r.due_at AS late,
       -- Art. 12.1: free once per calendar year; refused or cancelled ones do not count
       r.kind = 'third_party_info'
         AND count(*) FILTER (WHERE r.outcome IS NULL OR r.outcome NOT IN ('refused', 'cancelled'))
             OVER (PARTITION BY r.subject, r.subject_kind, r.kind, extract(year FROM compliance.belarus_date(r.received_at))
                   ORDER BY r.received_at, r.id
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) > 0 AS chargeable,
       CASE r.kind WHEN 'withdraw_consent' THEN 'Art. 10.2' WHEN 'access' THEN 'Art. 11.2'
                   WHEN 'rectify' THEN 'Art. 11.4' WHEN 'third_party_info' THEN 'Art. 12.2'
                   ELSE 'Art. 13.2' END AS article,
       CASE WHEN pg_has_role(current_user, 'compliance_officer', 'USAGE') THEN r.applicant END AS applicant,
       CASE WHEN pg_has_role(current_user, 'compliance_officer', 'USAGE') THEN r.essence END AS essence,
       CASE WHEN r.channel = 'consent_channel' OR r.sealed IS NOT NULL THEN '{}'::text[]
            ELSE ARRAY(SELECT f FROM unnest(ARRAY['surname', 'first_name', 'address', 'birth_date', 'essence', 'signature']) AS f
                        WHERE CASE f WHEN 'essence' THEN r.essence IS NULL
                                     ELSE NOT coalesce(r.applicant ? f, false) END) END AS missing_fields,
       r.filed_at, r.filed_by, r.completed_by, r.report,
       -- what was sent (its content: compliance.request_answers, officers only)
       r.answer_lang, r.answer_format, r.answer_digest, r.answered_at,
       -- after the subject's erasure: digests of applicant, essence, response
       r.sealed
  FROM compliance.subject_requests r;
COMMENT ON VIEW compliance.requests IS
    'Applications of data subjects (Art. 14 of Law 99-Z): deadline (due_at, a Belarus date), status (open or completed), overdue (open past due_at), late (completed after due_at), chargeable (a second third_party_info request in a calendar year, Art. 12.1), the statutory article, and the Art. 14.2 fields the application lacks (missing_fields). applicant, essence, response and legal_ground are shown to officers only; after the subject''s erasure they are sealed (column sealed).';

CREATE VIEW compliance.overdue_requests AS
SELECT r.id, r.subject, r.subject_kind, r.kind, r.received_at, r.due_at,
       compliance.belarus_date(now()) - r.due_at AS days_overdue,
       r.channel, r.reply_form, r.article, r.filed_by
  FROM compliance.requests r
 WHERE r.status = 'open' AND r.overdue;
COMMENT ON VIEW compliance.overdue_requests IS
    'Open applications past their deadline (due_at earlier than today''s Belarus date), with how many days overdue.';

-- ---------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------
REVOKE EXECUTE ON FUNCTION
    compliance.request_due(compliance.request_kind, timestamptz),
    compliance.file_request(text, compliance.request_kind, timestamptz, text, jsonb, text, text, text),
    compliance.complete_request(bigint, text, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.request_due(compliance.request_kind, timestamptz)
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
GRANT EXECUTE ON FUNCTION
    compliance.file_request(text, compliance.request_kind, timestamptz, text, jsonb, text, text, text),
    compliance.complete_request(bigint, text, text, text)
TO compliance_officer;
GRANT SELECT ON compliance.requests, compliance.overdue_requests TO compliance_officer, compliance_analyst;
