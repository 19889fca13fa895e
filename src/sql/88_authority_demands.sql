-- Demands of the authorised data subject protection body (Art. 16.1 of
-- Law 99-Z): the processor modifies, blocks or deletes a subject's personal
-- data that are inaccurate or were obtained unlawfully, and executes the
-- authority's other demands to remedy infringements.  A demand is recorded
-- with record_authority_demand(); carry_out_authority_demand() blocks
-- (block_subject) or deletes (erase_subject) and keeps the report; a
-- modification, or anything done by hand, is recorded with
-- complete_authority_demand().

CREATE SEQUENCE compliance.authority_demands_id_seq AS bigint;
CREATE TABLE compliance.authority_demands (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.authority_demands_id_seq'),
    subject         text,
    subject_kind    text NOT NULL DEFAULT 'person' REFERENCES compliance.subject_kinds (kind),
    action          text NOT NULL CHECK (action IN ('modify', 'block', 'delete', 'other')),
    received_at     timestamptz NOT NULL,
    reference       text,
    essence         text,
    due_at          date,
    recorded_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by     name NOT NULL DEFAULT session_user,
    completed_at    timestamptz,
    completed_by    name,
    action_taken    text,
    report          jsonb,
    sealed          jsonb,
    CHECK (subject IS NOT NULL OR action = 'other'),
    CHECK ((completed_at IS NULL) = (action_taken IS NULL))
);
ALTER SEQUENCE compliance.authority_demands_id_seq OWNED BY compliance.authority_demands.id;
CREATE INDEX authority_demands_open ON compliance.authority_demands (due_at) WHERE completed_at IS NULL;
COMMENT ON TABLE compliance.authority_demands IS
    'Demands of the authorised data subject protection body (Art. 16.1 of Law 99-Z) to modify, block or delete a subject''s personal data, or to remedy another infringement, with the action taken. Written by compliance.record_authority_demand(), compliance.carry_out_authority_demand() and compliance.complete_authority_demand().';
COMMENT ON COLUMN compliance.authority_demands.sealed IS 'Set for a completed demand when its subject was erased (Art. 13): the salt and the keyed, salted SHA-256 digests of essence, action_taken and report, which are then deleted.';
COMMENT ON COLUMN compliance.authority_demands.action IS 'What the authority demands: modify, block or delete the subject''s data, or other (another infringement to remedy).';
COMMENT ON COLUMN compliance.authority_demands.reference IS 'Number and date of the authority''s demand.';
COMMENT ON COLUMN compliance.authority_demands.due_at IS 'The deadline the demand sets, if any (a Belarus date).';
COMMENT ON COLUMN compliance.authority_demands.action_taken IS 'What the processor did, in words.';
COMMENT ON COLUMN compliance.authority_demands.report IS 'Machine-readable result: the report of compliance.erase_subject() for a deletion, the block for a block.';
SELECT pg_catalog.pg_extension_config_dump('compliance.authority_demands', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.authority_demands_id_seq', '');

CREATE FUNCTION compliance.record_authority_demand(subject text, action text,
        received_at timestamptz DEFAULT now(), reference text DEFAULT NULL,
        essence text DEFAULT NULL, due_at date DEFAULT NULL, subject_kind text DEFAULT 'person')
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    IF action IS NULL OR action NOT IN ('modify', 'block', 'delete', 'other') THEN
        RAISE EXCEPTION 'invalid demand action "%"', action
            USING ERRCODE = CASE WHEN action IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
                  DETAIL = 'The authority may demand that personal data be modified, blocked or deleted, or that another infringement be remedied (Art. 16.1 of Law 99-Z).',
                  HINT = 'Use modify, block, delete or other.';
    END IF;
    IF subject IS NULL AND action <> 'other' THEN
        RAISE EXCEPTION 'a demand to % personal data needs the subject', action
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the subject key the demand concerns.';
    END IF;
    IF subject IS NOT NULL THEN
        subject := compliance.check_subject(subject, subject_kind);
    END IF;
    IF received_at IS NULL OR received_at > now() THEN
        RAISE EXCEPTION 'invalid moment of receipt'
            USING ERRCODE = CASE WHEN received_at IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
                  HINT = 'Pass when the demand was received, not later than now.';
    END IF;
    IF action = 'other' AND coalesce(btrim(essence), '') = '' THEN
        RAISE EXCEPTION 'a demand of kind other needs its essence'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass essence => what the authority demands.';
    END IF;
    INSERT INTO compliance.authority_demands (subject, subject_kind, action, received_at, reference, essence, due_at)
    VALUES (subject, compliance.check_subject_kind(subject_kind), action, received_at, nullif(btrim(reference), ''), nullif(btrim(essence), ''), due_at)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION compliance.record_authority_demand(text, text, timestamptz, text, text, date, text) IS
    'Records a demand of the authorised data subject protection body (Art. 16.1 of Law 99-Z) to modify, block or delete the subject''s personal data (or, with action other, to remedy another infringement), with its reference, essence and deadline. Returns the demand id.';

-- Internal: the open demand, locked.
CREATE FUNCTION compliance.open_authority_demand(demand_id bigint) RETURNS compliance.authority_demands
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v compliance.authority_demands;
BEGIN
    IF demand_id IS NULL THEN
        RAISE EXCEPTION 'demand id is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the id compliance.record_authority_demand() returned; see compliance.authority_demands.';
    END IF;
    SELECT * INTO v FROM compliance.authority_demands d WHERE d.id = demand_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'authority demand % does not exist', demand_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'See compliance.authority_demands for the demands on record.';
    END IF;
    IF v.completed_at IS NOT NULL THEN
        RAISE EXCEPTION 'authority demand % is already completed', demand_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Action taken: %s.', v.action_taken),
                  HINT = 'Record a new demand if the authority demanded more.';
    END IF;
    RETURN v;
END
$$;
COMMENT ON FUNCTION compliance.open_authority_demand(bigint) IS
    'Internal: the authority demand with this id, locked; raises an error if it does not exist or is completed.';

CREATE FUNCTION compliance.carry_out_authority_demand(demand_id bigint) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v compliance.authority_demands;
    v_report jsonb;
    v_taken text;
    v_reason text;
BEGIN
    v := compliance.open_authority_demand(demand_id);
    v_reason := format('Art. 16.1 of Law 99-Z: demand of the authorised data subject protection body%s',
                       coalesce(' ' || v.reference, ''));
    IF v.action = 'block' THEN
        PERFORM compliance.block_subject(v.subject, v_reason, v.subject_kind);
        SELECT jsonb_build_object('blocked', true, 'subject', b.subject, 'subject_kind', b.subject_kind,
                                  'since', b.blocked_at, 'reason', b.reason)
          INTO v_report FROM compliance.blocked_subjects b
         WHERE b.subject = v.subject AND b.subject_kind = v.subject_kind;
        v_taken := 'The subject''s personal data were blocked.';
    ELSIF v.action = 'delete' THEN
        v_report := compliance.erase_subject(v.subject, subject_kind => v.subject_kind);
        v_taken := CASE WHEN (v_report ->> 'blocked')::boolean
            THEN format('Deleted %s row(s); rows that cannot be deleted are blocked (Art. 13.2 of Law 99-Z).',
                        coalesce((SELECT sum((d ->> 'rows')::bigint) FROM jsonb_array_elements(v_report -> 'deleted') d), 0))
            ELSE format('Deleted %s row(s); no personal data of the subject are kept.',
                        coalesce((SELECT sum((d ->> 'rows')::bigint) FROM jsonb_array_elements(v_report -> 'deleted') d), 0)) END;
    ELSE
        RAISE EXCEPTION 'a demand to % cannot be carried out automatically', CASE v.action WHEN 'modify' THEN 'modify data' ELSE 'remedy an infringement' END
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only blocking and deletion are done by the extension; modification needs the correct data.',
                  HINT = format('Make the change, then call compliance.complete_authority_demand(%s, ''what was done'').', demand_id);
    END IF;
    UPDATE compliance.authority_demands d
       SET completed_at = now(), completed_by = session_user, action_taken = v_taken, report = v_report
     WHERE d.id = demand_id;
    RETURN v_report;
END
$$;
COMMENT ON FUNCTION compliance.carry_out_authority_demand(bigint) IS
    'Carries out a demand of the authority to block (compliance.block_subject) or delete (compliance.erase_subject, blocking what must stay, Art. 13.2) a subject''s personal data (Art. 16.1 of Law 99-Z), and records the action taken and its report on the demand. Returns the report.';

CREATE FUNCTION compliance.complete_authority_demand(demand_id bigint, action_taken text,
        report jsonb DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM compliance.open_authority_demand(demand_id);
    IF coalesce(btrim(action_taken), '') = '' THEN
        RAISE EXCEPTION 'the action taken is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The record shows how the demand of the authority was executed (Art. 16.1 of Law 99-Z).',
                  HINT = 'Describe what was done, e.g. ''date of birth corrected from the passport''.';
    END IF;
    UPDATE compliance.authority_demands d
       SET completed_at = now(), completed_by = session_user,
           action_taken = btrim(complete_authority_demand.action_taken),
           report = complete_authority_demand.report
     WHERE d.id = demand_id;
END
$$;
COMMENT ON FUNCTION compliance.complete_authority_demand(bigint, text, jsonb) IS
    'Records how a demand of the authority (Art. 16.1 of Law 99-Z) was executed when it was done by hand (a modification, another remedy), with an optional machine-readable report. A demand is completed once.';

REVOKE EXECUTE ON FUNCTION
    compliance.record_authority_demand(text, text, timestamptz, text, text, date, text),
    compliance.open_authority_demand(bigint),
    compliance.carry_out_authority_demand(bigint),
    compliance.complete_authority_demand(bigint, text, jsonb)
FROM PUBLIC;
REVOKE ALL ON compliance.authority_demands, compliance.authority_demands_id_seq FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    compliance.record_authority_demand(text, text, timestamptz, text, text, date, text),
    compliance.carry_out_authority_demand(bigint),
    compliance.complete_authority_demand(bigint, text, jsonb)
TO compliance_officer;
GRANT SELECT ON compliance.authority_demands TO compliance_officer, compliance_analyst;
