-- Grounds other than consent, per subject (Art. 6, 8.2, 10.3): a contract,
-- an employment, a patient's treatment.  Each is a fact about one subject
-- with a start and an end; the row filter admits a subject's rows under a
-- purpose registered with basis_scope 'per_subject' only while one of its
-- grounds for that purpose is in force (src/cache.c reads ground_state as
-- it reads consent_state), and its end starts the purpose's retention
-- (86_retention.sql).  Purposes with basis_scope 'all_subjects' need none.

CREATE SEQUENCE compliance.subject_grounds_id_seq AS bigint;
CREATE TABLE compliance.subject_grounds (
    id          bigint PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.subject_grounds_id_seq'),
    subject     text NOT NULL,
    subject_kind text NOT NULL REFERENCES compliance.subject_kinds (kind),
    purpose     compliance.purpose NOT NULL,
    valid_from  timestamptz NOT NULL,
    valid_until timestamptz CHECK (valid_until > valid_from),
    evidence    jsonb CHECK (evidence IS NULL OR jsonb_typeof(evidence) = 'object'),
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by name NOT NULL DEFAULT session_user,
    ended_at    timestamptz CHECK (ended_at >= valid_from),
    end_reason  text,
    ended_by    name,
    sealed      jsonb,
    registry_ref integer GENERATED ALWAYS AS (compliance.purpose_id(purpose)) STORED
                 REFERENCES compliance.purposes (id)
);
ALTER SEQUENCE compliance.subject_grounds_id_seq OWNED BY compliance.subject_grounds.id;
CREATE INDEX subject_grounds_subject ON compliance.subject_grounds (subject, subject_kind, purpose);
CREATE INDEX subject_grounds_purpose ON compliance.subject_grounds (compliance.purpose_id(purpose));
COMMENT ON TABLE compliance.subject_grounds IS
    'Grounds other than consent of one subject for one purpose (Art. 6, 8.2 of Law 99-Z): in force from valid_from until valid_until or ended_at, whichever comes first. Written only by compliance.record_basis() and compliance.end_basis().';
COMMENT ON COLUMN compliance.subject_grounds.registry_ref IS 'The purpose''s registry id (generated): its foreign key makes pg_dump restore the purpose registry before this table.';
COMMENT ON COLUMN compliance.subject_grounds.evidence IS 'What proves the ground (a contract''s number and date, say): a JSON object.';
COMMENT ON COLUMN compliance.subject_grounds.sealed IS 'Set when the subject was erased (Art. 13): the salt and the keyed, salted SHA-256 digests of evidence and end_reason, which are then deleted.';
SELECT pg_catalog.pg_extension_config_dump('compliance.subject_grounds', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.subject_grounds_id_seq', '');

-- The row filter's cache forgets a subject whose grounds change, as for
-- consents (60_enforcement.sql).
CREATE TRIGGER cache_invalidate AFTER INSERT OR UPDATE OR DELETE ON compliance.subject_grounds
    FOR EACH ROW EXECUTE FUNCTION compliance.cache_invalidate();
CREATE TRIGGER cache_invalidate_all AFTER TRUNCATE ON compliance.subject_grounds
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.cache_invalidate();
ALTER TABLE compliance.subject_grounds ENABLE ALWAYS TRIGGER cache_invalidate;
ALTER TABLE compliance.subject_grounds ENABLE ALWAYS TRIGGER cache_invalidate_all;

-- One row per subject and purpose with a ground, in the shape of
-- consent_state: valid_until is NULL while some ground has no end, else
-- the latest end.  Every ground has started (record_basis refuses a
-- future start), so a later ground is never hidden behind an earlier one.
CREATE VIEW compliance.ground_state AS
SELECT g.subject, g.subject_kind, g.purpose, 'given'::text AS status, min(g.valid_from) AS valid_from,
       CASE WHEN bool_and(least(g.valid_until, g.ended_at) IS NOT NULL)
            THEN max(least(g.valid_until, g.ended_at)) END AS valid_until
  FROM compliance.subject_grounds g
 GROUP BY g.subject, g.subject_kind, g.purpose;
COMMENT ON VIEW compliance.ground_state IS
    'Per subject and purpose: when its first ground other than consent began, and the end of its grounds (NULL while one is open), for the row filter and retention; in force while valid_until is NULL or later than now.';

CREATE FUNCTION compliance.require_purpose_held(purpose compliance.purpose) RETURNS void
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'require_purpose_held';
COMMENT ON FUNCTION compliance.require_purpose_held(compliance.purpose) IS
    'Internal: raises 42501 unless the role that called the SECURITY DEFINER function it is called from (the session''s role, after SET ROLE) holds the purpose (Art. 17.3 of Law 99-Z).';

CREATE FUNCTION compliance.check_ground_purpose(purpose compliance.purpose) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_basis compliance.legal_basis;
    v_scope text;
BEGIN
    IF purpose IS NULL THEN
        RAISE EXCEPTION 'purpose is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the purpose the ground is for, e.g. ''billing''.';
    END IF;
    SELECT p.legal_basis, p.basis_scope INTO v_basis, v_scope
      FROM compliance.purposes p WHERE p.id = compliance.purpose_id(purpose);
    IF v_basis = 'consent' THEN
        RAISE EXCEPTION 'purpose "%" relies on consent', purpose
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A consent is given and withdrawn by the subject (Art. 5, 10 of Law 99-Z); it is not a ground recorded by the processor.',
                  HINT = 'Use compliance.give_consent() or compliance.withdraw_consent().';
    END IF;
    IF v_scope = 'all_subjects' THEN
        RAISE EXCEPTION 'purpose "%" covers all subjects', purpose
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Its basis %s was registered as covering every subject; no ground per subject is kept for it.', v_basis),
                  HINT = 'Record grounds only for purposes registered with basis_scope => ''per_subject''.';
    END IF;
    -- Art. 17.3: only those authorised for the purpose record or end its grounds
    PERFORM compliance.require_purpose_held(purpose);
END
$$;
COMMENT ON FUNCTION compliance.check_ground_purpose(compliance.purpose) IS
    'Raises an error unless grounds per subject are kept for the purpose (its basis is not consent and it was registered per subject) and the calling role holds it (Art. 17.3).';

CREATE FUNCTION compliance.record_basis(subject text, purpose compliance.purpose,
        valid_from timestamptz DEFAULT now(), valid_until timestamptz DEFAULT NULL,
        evidence jsonb DEFAULT NULL, subject_kind text DEFAULT 'person')
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    PERFORM compliance.check_ground_purpose(purpose);
    PERFORM compliance.check_purposes_in_force(compliance.purpose_set(ARRAY[purpose]));
    IF NOT isfinite(valid_from) OR NOT isfinite(valid_until) THEN
        RAISE EXCEPTION 'a ground begins and ends at finite times'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = CASE WHEN isfinite(valid_from) THEN format('Got valid_until %s.', valid_until)
                                ELSE format('Got valid_from %s.', valid_from) END,
                  HINT = 'Pass real dates; NULL valid_until means no fixed end.';
    END IF;
    IF valid_from IS NULL THEN
        RAISE EXCEPTION 'valid_from is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass when the ground began (the contract''s date, say), or omit it for now.';
    END IF;
    -- A ground that has not begun gives no basis yet; recorded when it
    -- begins, it starts applying at once in every session (doc/decisions.md).
    IF valid_from > now() THEN
        RAISE EXCEPTION 'a ground is recorded once it has begun'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('valid_from %s is later than now.', valid_from),
                  HINT = 'Call compliance.record_basis() on the day the ground begins.';
    END IF;
    IF valid_until IS NOT NULL AND valid_until <= valid_from THEN
        RAISE EXCEPTION 'valid_until must be later than valid_from'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got valid_from %s and valid_until %s.', valid_from, valid_until),
                  HINT = 'Pass when the ground ends, or NULL if it has no fixed end.';
    END IF;
    IF evidence IS NOT NULL AND jsonb_typeof(evidence) <> 'object' THEN
        RAISE EXCEPTION 'evidence must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass e.g. ''{"contract": "2026/114", "signed": "2026-03-01"}''.';
    END IF;
    -- an erasure or purge deciding that the subject has no basis left
    -- finishes first (compliance.claim_subjects)
    PERFORM compliance.claim_subjects(record_basis.subject_kind, ARRAY[record_basis.subject]);
    INSERT INTO compliance.subject_grounds (subject, subject_kind, purpose, valid_from, valid_until, evidence)
    VALUES (subject, subject_kind, purpose, valid_from, valid_until, evidence)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION compliance.record_basis(text, compliance.purpose, timestamptz, timestamptz, jsonb, text) IS
    'Records a ground other than consent of one subject for a purpose registered per subject (a contract, an employment: Art. 6, 8.2 of Law 99-Z), in force from valid_from (not later than now) until valid_until or compliance.end_basis(); the caller must hold the purpose (Art. 17.3). Returns its id.';

CREATE FUNCTION compliance.end_basis(subject text, purpose compliance.purpose,
        ended_at timestamptz DEFAULT now(), reason text DEFAULT NULL,
        subject_kind text DEFAULT 'person')
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ended integer;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    PERFORM compliance.check_ground_purpose(purpose);
    IF ended_at IS NULL THEN
        RAISE EXCEPTION 'ended_at is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass when the ground ended (the contract''s termination date, say), or omit it for now.';
    END IF;
    IF NOT isfinite(ended_at) THEN
        RAISE EXCEPTION 'a ground ends at a finite time'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got ended_at %s.', ended_at),
                  HINT = 'Pass when the ground ends; a ground without a fixed end needs no end_basis.';
    END IF;
    -- Grounds in force at ended_at: open, or ending later (an end already
    -- recorded for a later date is brought forward, never pushed back).
    UPDATE compliance.subject_grounds g
       SET ended_at = end_basis.ended_at, end_reason = end_basis.reason, ended_by = session_user
     WHERE g.subject = end_basis.subject AND g.subject_kind = end_basis.subject_kind
       AND g.purpose = end_basis.purpose
       AND g.valid_from <= end_basis.ended_at
       AND (g.ended_at IS NULL OR g.ended_at > end_basis.ended_at)
       AND (g.valid_until IS NULL OR g.valid_until > end_basis.ended_at);
    GET DIAGNOSTICS v_ended = ROW_COUNT;
    RETURN v_ended;
END
$$;
COMMENT ON FUNCTION compliance.end_basis(text, compliance.purpose, timestamptz, text, text) IS
    'Ends the subject''s grounds for the purpose that are in force at ended_at (default now; an end already recorded for a later time is brought forward); the caller must hold the purpose (Art. 17.3). From then on its rows are not processed for the purpose, and the purpose''s retention runs (Art. 4.8 of Law 99-Z); the end of a contract has the effect of a withdrawal (Art. 10.3). Returns how many grounds ended.';

REVOKE ALL ON compliance.subject_grounds, compliance.ground_state FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION
    compliance.require_purpose_held(compliance.purpose),
    compliance.check_ground_purpose(compliance.purpose),
    compliance.record_basis(text, compliance.purpose, timestamptz, timestamptz, jsonb, text),
    compliance.end_basis(text, compliance.purpose, timestamptz, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    compliance.record_basis(text, compliance.purpose, timestamptz, timestamptz, jsonb, text),
    compliance.end_basis(text, compliance.purpose, timestamptz, text, text)
TO compliance_app, compliance_officer;
GRANT SELECT ON compliance.subject_grounds, compliance.ground_state TO compliance_officer;
