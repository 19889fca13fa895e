-- Disclosures the writer could not log (Art. 12): a group of captured
-- subjects, or a recorded disclosure, that failed every attempt for
-- compliance.dead_letter_after is kept here whole, with the error, so that
-- it neither blocks the log of the whole database for ever nor is dropped.
-- The officer sees it (officer_dashboard, disclosures_not_logged), removes
-- the cause and replays it into the log with replay_dead_letters().
CREATE TABLE compliance.disclosure_dead_letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    failed_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    failing_since timestamptz NOT NULL,
    sqlstate text NOT NULL,
    error text NOT NULL,
    source text NOT NULL CHECK (source IN ('capture', 'explicit')),
    source_table text,
    subjects text[] NOT NULL,
    subject_kind text,
    recipient text,
    data_items text[],
    purpose text,
    transfer_kind text,
    transfer_basis text,
    permit text,
    disclosed_at timestamptz NOT NULL,
    recorded_by name
);
COMMENT ON TABLE compliance.disclosure_dead_letters IS
    'Disclosures the disclosure writer could not append to compliance.disclosure_log for compliance.dead_letter_after (a constraint, a changed registry): each row one group of captured subjects or one recorded disclosure, whole, with the error. Replayed into the log by compliance.replay_dead_letters(), which removes the row.';
SELECT pg_catalog.pg_extension_config_dump('compliance.disclosure_dead_letters', '');

-- Called by the writer (as compliance_writer) inside its transaction: the
-- dead letter commits with the rest of the batch, or neither does.
CREATE FUNCTION compliance.disclosure_dead_letter(p_subjects text[], p_source text, p_source_table regclass,
        p_subject_kind text, p_recipient text, p_data_items text[], p_purpose text,
        p_transfer_kind text, p_transfer_basis text, p_permit text, p_disclosed_at timestamptz,
        p_recorded_by name, p_sqlstate text, p_error text, p_failing_since timestamptz)
    RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO compliance.disclosure_dead_letters (failing_since, sqlstate, error, source, source_table,
            subjects, subject_kind, recipient, data_items, purpose, transfer_kind, transfer_basis,
            permit, disclosed_at, recorded_by)
    VALUES (p_failing_since, p_sqlstate, p_error, p_source, p_source_table::text, p_subjects,
            p_subject_kind, p_recipient, p_data_items, p_purpose, p_transfer_kind, p_transfer_basis,
            p_permit, p_disclosed_at, p_recorded_by)
    RETURNING id
$$;
COMMENT ON FUNCTION compliance.disclosure_dead_letter(text[], text, regclass, text, text, text[], text, text, text, text, timestamptz, name, text, text, timestamptz) IS
    'Internal, for the disclosure writer: keeps a group it could not log, whole, with the error.';

-- The officer's way back into the log, once the cause is removed: each
-- dead letter (or the one named) is appended as the writer would have,
-- with its original time, and removed; an error names the dead letter and
-- leaves it, and every one after it, in place.
CREATE FUNCTION compliance.replay_dead_letters(p_id bigint DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.recipient = ''
AS $$
DECLARE
    d compliance.disclosure_dead_letters;
    n integer := 0;
BEGIN
    IF p_id IS NOT NULL AND NOT EXISTS (SELECT FROM compliance.disclosure_dead_letters WHERE id = p_id) THEN
        RAISE EXCEPTION 'dead letter % does not exist', p_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'See compliance.disclosure_dead_letters for the disclosures not logged.';
    END IF;
    FOR d IN SELECT * FROM compliance.disclosure_dead_letters
              WHERE p_id IS NULL OR id = p_id ORDER BY id FOR UPDATE LOOP
        BEGIN
            IF d.source = 'capture' AND to_regclass(d.source_table) IS NOT NULL THEN
                PERFORM compliance.disclosure_append_batch(d.subjects, d.recipient, d.source_table::regclass,
                            d.data_items, d.purpose, d.transfer_kind, d.transfer_basis, d.disclosed_at,
                            d.permit, d.recorded_by, d.subject_kind);
            ELSIF d.source = 'capture' THEN
                -- the table was dropped since: the rows left all the same,
                -- and the record names it as it was
                PERFORM compliance.disclosure_append_rows(compliance.disclosure_subjects(d.subjects),
                            coalesce(d.subject_kind, 'person'), d.recipient, d.source_table,
                            d.data_items, d.purpose,
                            coalesce(d.transfer_kind, compliance.check_transfer(d.recipient, d.transfer_basis, d.permit)),
                            nullif(d.transfer_basis, ''), nullif(d.permit, ''),
                            'capture', d.disclosed_at, d.recorded_by);
            ELSE
                PERFORM compliance.disclosure_append_rows(d.subjects, d.subject_kind, d.recipient, NULL,
                            d.data_items, d.purpose, d.transfer_kind, d.transfer_basis, d.permit,
                            'explicit', d.disclosed_at, d.recorded_by);
            END IF;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'dead letter % cannot be logged yet: %', d.id, SQLERRM
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'It fails as it did for the disclosure writer; it stays in compliance.disclosure_dead_letters, and so do those after it.',
                      HINT = 'Remove the cause (a constraint on the log, a recipient or table changed since) and call compliance.replay_dead_letters() again.';
        END;
        DELETE FROM compliance.disclosure_dead_letters WHERE id = d.id;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION compliance.replay_dead_letters(bigint) IS
    'Appends the disclosures the writer could not log (all, or the dead letter named) to compliance.disclosure_log with their original time, and removes them; returns how many. Raises 55000 naming the first that still fails.';

REVOKE ALL ON compliance.disclosure_dead_letters FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION
    compliance.disclosure_dead_letter(text[], text, regclass, text, text, text[], text, text, text, text, timestamptz, name, text, text, timestamptz),
    compliance.replay_dead_letters(bigint)
FROM PUBLIC;
GRANT SELECT ON compliance.disclosure_dead_letters TO compliance_officer, compliance_analyst;
GRANT EXECUTE ON FUNCTION compliance.replay_dead_letters(bigint) TO compliance_officer;
