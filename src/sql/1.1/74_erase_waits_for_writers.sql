-- Erasure waits for the writers of protected tables (Art. 13 of Law 99-Z):
-- a row of the subject inserted by a transaction still open when
-- compliance.erase_subject() ran was left behind, unreported, once both
-- committed (test/specs/erasure_race.spec).  Same function as in 1.0 but
-- for the lock taken before the ledger lock, and the deletion order and
-- foreign-key checks shared with purge_expired() (05_delete_order.sql).

CREATE OR REPLACE FUNCTION compliance.erase_subject(subject text, request_id bigint DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
DECLARE
    v_req compliance.subject_requests;
    v_now timestamptz := now();
    v_cand jsonb := '{}';           -- relid oid -> {match, ref_match, retained}
    v_left regclass[] := '{}';
    v_order regclass[] := '{}';
    v_tbl regclass;
    v_match text;
    v_ground text;
    v_n bigint;
    v_keep text[];
    v_keep_sql text;
    v_cascade jsonb;
    v_deferred text[];
    v_deleted jsonb := '[]';
    v_cascaded jsonb := '[]';
    v_retained jsonb := '[]';
    v_refused jsonb := '[]';
    v_kept_tables text[] := '{}';
    v_found boolean;
    v_known boolean;
    v_was_blocked boolean;
    v_blocked boolean := false;
    v_purposes compliance.purpose[];
    v_ledger_id bigint;
    v_outcome text;
    v_report jsonb;
    v_msg text;
    v_con text;
    v_ctab text;
    v_csch text;
    v_cond text;
    v_res jsonb;
    v_casc_map jsonb;
    v_ref_map jsonb;
    v_item jsonb;
    v_key text;
    v_row record;
    fk record;
    r record;
BEGIN
    PERFORM compliance.check_subject(subject);
    IF request_id IS NOT NULL THEN
        SELECT * INTO v_req FROM compliance.subject_requests q WHERE q.id = request_id FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'request % does not exist', request_id
                USING ERRCODE = 'undefined_object',
                      HINT = 'See compliance.requests for the requests on file.';
        END IF;
        IF v_req.completed_at IS NOT NULL THEN
            RAISE EXCEPTION 'request % is already completed', request_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Its outcome was recorded as %s.', v_req.outcome),
                      HINT = 'Call compliance.erase_subject() without a request, or file a new request.';
        END IF;
        IF v_req.subject <> subject THEN
            RAISE EXCEPTION 'request % is not an application of subject "%"', request_id, subject
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It was filed for subject "%s".', v_req.subject),
                      HINT = 'Pass the request of the subject being erased.';
        END IF;
        IF v_req.kind NOT IN ('erase', 'withdraw_consent', 'stop_processing') THEN
            RAISE EXCEPTION 'request % is of kind %', request_id, v_req.kind
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'Erasure answers applications to withdraw consent (Art. 10.2 of Law 99-Z) or to stop processing and delete (Art. 13).',
                      HINT = 'Complete it with compliance.complete_request().';
        END IF;
    END IF;
    -- A writer still open on a protected table may be adding rows of the
    -- subject that this erasure cannot see, and would leave them behind
    -- once both commit.  Wait for open writers and keep new ones out until
    -- the erasure commits: SHARE ROW EXCLUSIVE conflicts with INSERT,
    -- UPDATE and DELETE, not with readers, and with another erasure.  The
    -- statements below take their snapshots after the wait (READ
    -- COMMITTED), and a writer let in after the commit finds the consents
    -- ended.  Taken before the ledger lock, in one order, so that a
    -- writer giving consent after writing its rows finishes first.
    FOR r IN SELECT p.relid FROM compliance.protected_tables p ORDER BY p.relid::oid LOOP
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', r.relid);
    END LOOP;

    -- Serialise with consent events of this subject.
    PERFORM compliance.consent_ledger_lock();

    -- Protected tables holding rows of the subject.
    FOR r IN
        SELECT p.relid, p.subject_column, format_type(a.atttypid, a.atttypmod) AS column_type,
               compliance.subject_match(subject, p.subject_column,
                                        format_type(a.atttypid, a.atttypmod), 'subject_row') AS match,
               t.ground
          FROM compliance.protected_tables p
          JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = p.subject_column
          LEFT JOIN compliance.retained_tables t ON t.relid = p.relid
         ORDER BY p.relid::text
    LOOP
        CONTINUE WHEN r.match IS NULL;
        EXECUTE format('SELECT EXISTS (SELECT FROM %s AS subject_row WHERE %s)', r.relid, r.match) INTO v_found;
        CONTINUE WHEN NOT v_found;
        v_cand := v_cand || jsonb_build_object(r.relid::oid::text, jsonb_build_object(
            'match', r.match, 'retained', r.ground,
            'ref_match', compliance.subject_match(subject, r.subject_column, r.column_type, 'ref')));
        v_left := v_left || r.relid;
    END LOOP;

    v_order := compliance.delete_order(v_left);

    -- checked now, not at commit, so a violation is reported here
    v_deferred := compliance.check_foreign_keys_now(v_order);

    FOREACH v_tbl IN ARRAY v_order LOOP
        v_match := v_cand #>> ARRAY[v_tbl::oid::text, 'match'];
        v_ground := v_cand #>> ARRAY[v_tbl::oid::text, 'retained'];

        IF v_ground IS NOT NULL THEN
            EXECUTE format('SELECT count(*) FROM %s AS subject_row WHERE %s', v_tbl, v_match) INTO v_n;
            v_retained := v_retained || jsonb_build_array(jsonb_build_object(
                'table', v_tbl::text, 'rows', v_n, 'ground', v_ground));
            v_kept_tables := v_kept_tables || v_tbl::text;
            CONTINUE;
        END IF;

        -- Rows referenced through a foreign key that does not allow their
        -- deletion (NO ACTION, RESTRICT), or by rows of a retained table, are
        -- kept; other references cascade, or are set to NULL or the default.
        v_keep := '{}';
        v_cascade := '[]';
        FOR fk IN
            SELECT c.conname, c.conrelid::regclass AS child, c.confdeltype,
                   string_agg(format('ref.%I = subject_row.%I', ca.attname, pa.attname), ' AND ') AS join_on,
                   rt.ground AS child_retained
              FROM pg_constraint c
              CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(fkey, pkey)
              JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.fkey
              JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pkey
              LEFT JOIN compliance.retained_tables rt ON rt.relid = c.conrelid
             WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = v_tbl
             GROUP BY c.oid, c.conname, c.conrelid, c.confdeltype, rt.ground
             ORDER BY c.conrelid::regclass::text, c.conname
        LOOP
            -- A row of the subject referring to another of its rows in the
            -- same table goes with it.
            fk.join_on := fk.join_on || CASE WHEN fk.child = v_tbl
                THEN ' AND NOT (' || (v_cand #>> ARRAY[v_tbl::oid::text, 'ref_match']) || ')' ELSE '' END;
            IF fk.confdeltype IN ('a', 'r') OR fk.child_retained IS NOT NULL THEN
                EXECUTE format('SELECT count(*) FROM %s AS subject_row WHERE %s AND EXISTS (SELECT FROM %s AS ref WHERE %s)',
                               v_tbl, v_match, fk.child, fk.join_on)
                   INTO v_n;
                CONTINUE WHEN v_n = 0;
                v_keep := v_keep || format('EXISTS (SELECT FROM %s AS ref WHERE %s)', fk.child, fk.join_on);
                v_refused := v_refused || jsonb_build_array(jsonb_build_object(
                    'table', v_tbl::text, 'rows', v_n, 'constraint', fk.conname,
                    'referencing_table', fk.child::text,
                    'reason', CASE WHEN fk.confdeltype IN ('a', 'r')
                        THEN format('referenced from %s through foreign key %s (ON DELETE %s)', fk.child, fk.conname,
                                    CASE fk.confdeltype WHEN 'a' THEN 'NO ACTION' ELSE 'RESTRICT' END)
                        ELSE format('referenced from retained table %s through foreign key %s (%s)', fk.child, fk.conname, fk.child_retained) END));
            ELSE
                v_cascade := v_cascade || jsonb_build_array(jsonb_build_object(
                    'table', fk.child::text, 'via', v_tbl::text, 'constraint', fk.conname,
                    'action', CASE fk.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' ELSE 'set default' END,
                    'join_on', fk.join_on));
            END IF;
        END LOOP;
        v_keep_sql := coalesce(nullif(array_to_string(v_keep, ' OR '), ''), 'false');

        v_cond := format('%s AND NOT (%s)', v_match, v_keep_sql);
        BEGIN
            v_res := compliance.erase_rows(v_tbl, v_cond, v_cascade);
            IF (v_res ->> 'rows')::bigint > 0 THEN
                v_deleted := v_deleted || jsonb_build_array(jsonb_build_object('table', v_tbl::text, 'rows', v_res -> 'rows'));
                v_cascaded := v_cascaded || (v_res -> 'cascaded');
            END IF;
        EXCEPTION WHEN foreign_key_violation OR restrict_violation THEN
            -- Something deeper in the chain refers to what would cascade:
            -- try row by row, so that only the rows that cannot go are kept.
            v_n := 0;
            v_casc_map := '{}';
            v_ref_map := '{}';
            FOR v_row IN EXECUTE format('SELECT subject_row.tableoid::oid AS toid, subject_row.ctid AS rowid FROM %s AS subject_row WHERE %s ORDER BY 1, 2',
                                        v_tbl, v_cond)
            LOOP
                BEGIN
                    v_res := compliance.erase_rows(v_tbl,
                        format('%s AND subject_row.tableoid = %s AND subject_row.ctid = %L', v_cond, v_row.toid, v_row.rowid),
                        v_cascade);
                    v_n := v_n + (v_res ->> 'rows')::bigint;
                    FOR v_item IN SELECT e FROM jsonb_array_elements(v_res -> 'cascaded') e LOOP
                        v_key := concat_ws('/', v_item ->> 'constraint', v_item ->> 'table');
                        v_casc_map := v_casc_map || jsonb_build_object(v_key, v_item || jsonb_build_object('rows',
                            coalesce((v_casc_map #>> ARRAY[v_key, 'rows'])::bigint, 0) + (v_item ->> 'rows')::bigint));
                    END LOOP;
                EXCEPTION WHEN foreign_key_violation OR restrict_violation THEN
                    GET STACKED DIAGNOSTICS v_msg = MESSAGE_TEXT, v_con = CONSTRAINT_NAME,
                                            v_ctab = TABLE_NAME, v_csch = SCHEMA_NAME;
                    v_key := concat_ws('/', v_con, v_csch, v_ctab);
                    v_ref_map := v_ref_map || jsonb_build_object(v_key, jsonb_build_object(
                        'table', v_tbl::text,
                        'rows', coalesce((v_ref_map #>> ARRAY[v_key, 'rows'])::bigint, 0) + 1,
                        'constraint', v_con,
                        'referencing_table', CASE WHEN v_ctab <> '' THEN format('%I.%I', v_csch, v_ctab)::regclass::text END,
                        'reason', v_msg));
                END;
            END LOOP;
            IF v_n > 0 THEN
                v_deleted := v_deleted || jsonb_build_array(jsonb_build_object('table', v_tbl::text, 'rows', v_n));
            END IF;
            v_cascaded := v_cascaded || coalesce((SELECT jsonb_agg(e.value ORDER BY e.key) FROM jsonb_each(v_casc_map) e), '[]');
            v_refused := v_refused || coalesce((SELECT jsonb_agg(e.value ORDER BY e.key) FROM jsonb_each(v_ref_map) e), '[]');
        END;

        EXECUTE format('SELECT count(*) FROM %s AS subject_row WHERE %s', v_tbl, v_match) INTO v_n;
        IF v_n > 0 THEN
            v_kept_tables := v_kept_tables || v_tbl::text;
        END IF;
    END LOOP;

    IF v_deferred IS NOT NULL THEN
        EXECUTE 'SET CONSTRAINTS ' || array_to_string(v_deferred, ', ') || ' DEFERRED';
    END IF;

    -- Art. 13.2: what cannot be deleted is blocked.
    SELECT EXISTS (SELECT FROM compliance.blocked_subjects b WHERE b.subject = erase_subject.subject)
      INTO v_was_blocked;
    IF cardinality(v_kept_tables) > 0 THEN
        v_blocked := true;
        IF NOT v_was_blocked THEN
            PERFORM compliance.block_subject(subject,
                format('Art. 13.2 of Law 99-Z: erasure requested; rows that cannot be deleted are blocked (%s)',
                       array_to_string(v_kept_tables, ', ')));
        END IF;
    END IF;

    -- The consent ledger records the erasure, not the erased data; consents
    -- in force end with it.
    v_known := jsonb_array_length(v_deleted) + jsonb_array_length(v_retained) + jsonb_array_length(v_refused) > 0
               OR EXISTS (SELECT FROM compliance.consent_state s WHERE s.subject = erase_subject.subject);
    IF v_known THEN
        SELECT coalesce(array_agg(s.purpose ORDER BY s.purpose), '{}') INTO v_purposes
          FROM compliance.consent_state s
         WHERE s.subject = erase_subject.subject AND s.status IN ('given', 'renewed')
           AND (s.valid_until IS NULL OR s.valid_until > v_now);
        v_ledger_id := compliance.consent_ledger_append('erased', subject, compliance.purpose_set(v_purposes));
        UPDATE compliance.consent_state s
           SET status = 'withdrawn', ledger_id = v_ledger_id, changed_at = v_now
         WHERE s.subject = erase_subject.subject AND s.purpose = ANY (v_purposes);
    END IF;

    v_outcome := CASE WHEN v_blocked THEN 'blocked' ELSE 'fulfilled' END;
    v_report := jsonb_build_object(
        'subject', subject, 'erased_at', v_now,
        'deleted', v_deleted, 'cascaded', v_cascaded,
        'retained', v_retained, 'refused', v_refused,
        'blocked', v_blocked, 'consents_ended', to_jsonb(coalesce(v_purposes::text[], '{}')),
        'ledger_id', v_ledger_id, 'request_id', request_id, 'outcome', v_outcome);
    IF NOT v_known THEN
        v_report := v_report || jsonb_build_object('message', 'The processor held no personal data of this subject.');
    END IF;

    IF request_id IS NOT NULL THEN
        UPDATE compliance.subject_requests q SET report = v_report WHERE q.id = request_id;
        PERFORM compliance.complete_request(request_id, v_outcome,
            CASE WHEN NOT v_known THEN 'No personal data of the subject were held.'
                 WHEN v_blocked THEN format('Deleted %s row(s); the rows that cannot be deleted are blocked (Art. 13.2 of Law 99-Z): %s.',
                                            coalesce((SELECT sum((d ->> 'rows')::bigint) FROM jsonb_array_elements(v_deleted) d), 0),
                                            array_to_string(v_kept_tables, ', '))
                 ELSE format('Deleted %s row(s); no personal data of the subject are kept.',
                             coalesce((SELECT sum((d ->> 'rows')::bigint) FROM jsonb_array_elements(v_deleted) d), 0)) END,
            CASE WHEN v_blocked THEN (
                SELECT string_agg(g, '; ') FROM (
                    SELECT format('%s: %s', e ->> 'table', e ->> 'ground') AS g FROM jsonb_array_elements(v_retained) e
                    UNION ALL
                    SELECT format('%s: deletion impossible, %s', e ->> 'table', e ->> 'reason') FROM jsonb_array_elements(v_refused) e) x)
            END);
    END IF;
    RETURN v_report;
END
$$;
COMMENT ON FUNCTION compliance.erase_subject(text, bigint) IS
    'Deletes the subject''s rows from every protected table, children before parents, in one transaction (Art. 13 of Law 99-Z); waits for open writers of protected tables and keeps new ones out until it commits, so no row of the subject is left behind. Rows of retained tables, and rows that foreign keys without ON DELETE CASCADE / SET NULL / SET DEFAULT (or retained rows) still refer to, are kept and the subject is blocked (Art. 13.2). Appends an erased event to the consent ledger and ends consents in force. With request_id, completes that request. Returns a report: deleted, cascaded, retained, refused, blocked.';
