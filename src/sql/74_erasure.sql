-- Erasure and blocking (Art. 10.2, 13 of Law 99-Z): deleting a subject's
-- rows from every protected table in foreign-key order, blocking instead
-- where the law requires keeping them or deletion is impossible (Art. 13.2),
-- and the erase tasks a withdrawal of consent creates (Art. 10.2).
--
-- A withdrawal does not block the subject: enforcement already stops every
-- purpose relying on the withdrawn consent at the next statement after
-- commit, while the subject may still be processed on other bases (other
-- consents, a contract, a legal obligation).  The erase task decides,
-- within the 15 days of Art. 10.2, whether anything is left to delete.

-- Art. 13.2, 13.3: tables whose rows the processor must keep by law, and
-- for how long.  A legislative act that obliges keeping also sets the term
-- (accounting documents, medical records), so the term is required: a row
-- is kept for `period` after its `from_column` (the document's date), or,
-- without one, after the end of the subject's last ground for the purposes
-- that may touch the table (Art. 4.8: no longer than the purposes require).
-- Past its term the row is deleted like any expired row.
CREATE TABLE compliance.retained_tables (
    relid   regclass PRIMARY KEY,
    ground  text NOT NULL CHECK (btrim(ground) <> ''),
    period  interval NOT NULL CHECK (period > interval '0' AND period <= interval '1000 years'),
    from_column name,
    set_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    set_by  name NOT NULL DEFAULT session_user
);
COMMENT ON TABLE compliance.retained_tables IS
    'Tables whose rows are kept by law when a subject''s data are erased (Art. 13.3 of Law 99-Z), and for how long: compliance.erase_subject() blocks them instead of deleting them (Art. 13.2), and keeps the rows they reference, until period has run from the row''s from_column (or from the end of the subject''s last ground); then compliance.purge_expired() deletes them. Set with compliance.set_retained().';
COMMENT ON COLUMN compliance.retained_tables.period IS 'How long the law keeps a row: from from_column, or from the end of the subject''s last ground.';
COMMENT ON COLUMN compliance.retained_tables.from_column IS 'A date or timestamp column the term runs from (the document''s date); NULL: the term runs from the end of the subject''s last ground for the purposes that may touch the table. A row whose column is NULL also counts from the ground''s end.';
SELECT pg_catalog.pg_extension_config_dump('compliance.retained_tables', '');

CREATE FUNCTION compliance.set_retained(tbl regclass, ground text, period interval,
        from_column name DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_type regtype;
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'table is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'E.g. compliance.set_retained(''invoices'', ''Tax Code: accounting documents are kept 5 years'', interval ''5 years'', ''issued_on'').';
    END IF;
    IF coalesce(btrim(ground), '') = '' THEN
        DELETE FROM compliance.retained_tables t WHERE t.relid = tbl;
        RETURN;
    END IF;
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', tbl
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Mark the table that holds the rows to keep.';
    END IF;
    IF period IS NULL THEN
        RAISE EXCEPTION 'the term of keeping is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'Art. 4.8 of Law 99-Z: personal data are kept no longer than the purposes of their processing require; the act that obliges keeping also sets for how long.',
                  HINT = 'Pass the term the act sets, e.g. interval ''5 years''.';
    END IF;
    IF period <= interval '0' OR period > interval '1000 years' THEN
        RAISE EXCEPTION 'the term of keeping must be positive and at most 1000 years, not %', period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the term the act sets, e.g. interval ''5 years''; to stop keeping the table''s rows, pass a NULL ground.';
    END IF;
    IF from_column IS NOT NULL THEN
        SELECT a.atttypid INTO v_type FROM pg_attribute a
         WHERE a.attrelid = tbl AND a.attname = from_column AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column "%" of table % does not exist', from_column, tbl
                USING ERRCODE = 'undefined_column',
                      HINT = 'Name the date or timestamp column the term runs from, or pass NULL to count from the end of the subject''s last ground.';
        END IF;
        IF v_type NOT IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) THEN
            RAISE EXCEPTION 'column "%" of table % is of type %, not a date or timestamp', from_column, tbl, v_type
                USING ERRCODE = 'datatype_mismatch',
                      HINT = 'The term runs from a column of type date, timestamp or timestamp with time zone.';
        END IF;
    END IF;
    INSERT INTO compliance.retained_tables AS t (relid, ground, period, from_column)
    VALUES (tbl, btrim(ground), period, from_column)
    ON CONFLICT ON CONSTRAINT retained_tables_pkey DO UPDATE
       SET ground = excluded.ground, period = excluded.period, from_column = excluded.from_column,
           set_at = excluded.set_at, set_by = excluded.set_by;
END
$$;
COMMENT ON FUNCTION compliance.set_retained(regclass, text, interval, name) IS
    'Marks a table whose rows must be kept by law (Art. 13.3 of Law 99-Z), with the provision requiring it and its term: erasure blocks its rows instead of deleting them (Art. 13.2) until period has run from the row''s from_column (a date or timestamp column; NULL: from the end of the subject''s last ground), then compliance.purge_expired() deletes them (Art. 4.8). A NULL or empty ground clears the mark.';

-- ---------------------------------------------------------------------
-- When a subject's grounds ended: erasure keeps a retained row until its
-- term has run from it, retention (86_retention.sql) adds the purposes'
-- retention periods to it
-- ---------------------------------------------------------------------

-- When the subject's basis for a purpose ended: 'infinity' while it is
-- current, NULL if the subject never had one (no consent for a consent
-- purpose, no ground for a purpose recorded per subject).  Reads
-- consent_state, ground_state, blocked_subjects and subject_requests.
CREATE FUNCTION compliance.basis_end(subject text, subject_kind text, purpose_id integer) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH p AS (
        SELECT p.code, p.legal_basis, p.basis_scope, p.retired_at FROM compliance.purposes p WHERE p.id = basis_end.purpose_id
    ), ends AS (
        SELECT (SELECT b.blocked_at FROM compliance.blocked_subjects b
                 WHERE b.subject = basis_end.subject AND b.subject_kind = basis_end.subject_kind) AS blocked_at,
               -- Art. 13: an erase or stop-processing request carried out;
               -- a refused or partly refused one leaves the basis in place.
               (SELECT max(r.completed_at) FROM compliance.subject_requests r
                 WHERE r.subject = basis_end.subject AND r.subject_kind = basis_end.subject_kind
                   AND r.kind IN ('erase', 'stop_processing')
                   AND r.outcome IN ('fulfilled', 'blocked')) AS erased_at
    ), c AS (
        SELECT s.status, s.given_at, s.valid_until, s.changed_at,
               s.status = 'refused'
                 AND EXISTS (SELECT FROM compliance.consent_ledger l
                              WHERE l.subject = basis_end.subject AND l.subject_kind = basis_end.subject_kind
                                AND l.event IN ('given', 'renewed')
                                AND l.purposes @> s.purpose) AS had_consent
          FROM compliance.consent_state s, p
         WHERE s.subject = basis_end.subject AND s.subject_kind = basis_end.subject_kind
           AND s.purpose = p.code::compliance.purpose
    ), g AS (
        SELECT g.valid_from, g.valid_until
          FROM compliance.ground_state g, p
         WHERE g.subject = basis_end.subject AND g.subject_kind = basis_end.subject_kind
           AND g.purpose = p.code::compliance.purpose
    )
    -- a retired purpose's bases all ended when it was retired
    SELECT CASE WHEN r.ended IS NULL THEN NULL ELSE least(r.ended, r.retired_at) END
      FROM (
        SELECT CASE
            WHEN p.legal_basis <> 'consent' AND p.basis_scope = 'all_subjects'
            THEN coalesce(least(e.blocked_at, e.erased_at), 'infinity')
            WHEN p.legal_basis <> 'consent'
            THEN (SELECT least(CASE WHEN g.valid_until IS NULL OR g.valid_until > now() THEN 'infinity'
                                    ELSE g.valid_until END,
                               CASE WHEN e.blocked_at IS NOT NULL THEN greatest(e.blocked_at, g.valid_from) END,
                               CASE WHEN e.erased_at > g.valid_from THEN e.erased_at END)
                    FROM g)
            ELSE (SELECT least(
                      CASE WHEN c.status IN ('given', 'renewed')
                           THEN CASE WHEN c.valid_until <= now() THEN c.valid_until ELSE 'infinity' END
                           WHEN c.status = 'withdrawn' THEN c.changed_at
                           -- refused after an earlier consent had ended: from the refusal
                           WHEN c.had_consent THEN c.changed_at END,
                      -- a block or request older than the consent does not end it
                      CASE WHEN e.blocked_at IS NOT NULL THEN greatest(e.blocked_at, c.given_at) END,
                      CASE WHEN e.erased_at > coalesce(c.given_at, '-infinity') THEN e.erased_at END)
                    FROM c
                   WHERE c.status <> 'refused' OR c.had_consent)
            END AS ended, p.retired_at
          FROM p, ends e) r
$$;
COMMENT ON FUNCTION compliance.basis_end(text, text, integer) IS
    'Internal: when the subject''s basis for a purpose (by registry id) ended: infinity while current, NULL if there never was one. Consent purposes end with the consent (withdrawn, expired, refused after an earlier consent), purposes recorded per subject with the subject''s last ground (compliance.end_basis, valid_until), every purpose with a block (Art. 13.2) or a fulfilled erase or stop-processing request (Art. 13) of the subject, or with its own retirement (compliance.retire_purpose).';

-- The purposes that may touch a table (Art. 4.5): data items unrestricted,
-- or naming one of its columns.
CREATE FUNCTION compliance.purposes_touching(tbl regclass) RETURNS integer[]
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(p.id ORDER BY p.id), '{}')
      FROM compliance.purposes p
     WHERE compliance.items_touch(p.data_items, ARRAY[purposes_touching.tbl])
$$;
COMMENT ON FUNCTION compliance.purposes_touching(regclass) IS
    'Internal: registry ids of the purposes that may touch a table (Art. 4.5 of Law 99-Z): data items unrestricted or naming one of its columns.';

-- When the subject's last ground for the purposes that may touch a table
-- ended (the term of a retained table without from_column runs from it):
-- NULL if none ever had a basis, 'infinity' while one is current.
CREATE FUNCTION compliance.ground_end(subject text, subject_kind text, tbl regclass) RETURNS timestamptz
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT max(compliance.basis_end(ground_end.subject, ground_end.subject_kind, p.id))
      FROM unnest(compliance.purposes_touching(ground_end.tbl)) AS p(id)
$$;
COMMENT ON FUNCTION compliance.ground_end(text, text, regclass) IS
    'Internal: when the subject''s last ground for the purposes that may touch a table ended: infinity while one is current, NULL if none ever had a basis.';

-- The rows of a retained table whose term has run at a time, as an SQL
-- condition over the alias subject_row, never NULL; 'false' for a table not retained
-- or when no row's term can have run.  The row's date is compared with the
-- time less the term, never cast or added to (a date past the timestamp
-- range, which the application may store, would make every purge fail);
-- a NULL or infinite date counts from the ground's end.  The column is used
-- only while it is still a live date or timestamp column: renamed, dropped
-- or retyped, every row counts from the ground's end.
CREATE FUNCTION compliance.retention_term_run(tbl regclass, ground_end timestamptz, at timestamptz) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((
        SELECT CASE
            WHEN a.attname IS NOT NULL
            THEN format('CASE WHEN subject_row.%1$I IS NULL OR NOT isfinite(subject_row.%1$I) THEN %2$s'
                        ' ELSE subject_row.%1$I <= %3$L::timestamptz END',
                        a.attname, CASE WHEN retention_term_run.ground_end + t.period <= retention_term_run.at
                                        THEN 'true' ELSE 'false' END,
                        retention_term_run.at - t.period)
            WHEN retention_term_run.ground_end + t.period <= retention_term_run.at THEN 'true'
            END
          FROM compliance.retained_tables t
          LEFT JOIN pg_attribute a ON a.attrelid = t.relid AND a.attname = t.from_column
                                  AND a.attnum > 0 AND NOT a.attisdropped
                                  AND a.atttypid IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype)
         WHERE t.relid = retention_term_run.tbl), 'false')
$$;
COMMENT ON FUNCTION compliance.retention_term_run(regclass, timestamptz, timestamptz) IS
    'Internal: an SQL condition over subject_row selecting the rows of a retained table whose term of keeping (compliance.retained_tables) has run at the given time.';

-- ---------------------------------------------------------------------
-- Erasure
-- ---------------------------------------------------------------------

-- Deleting a subject's rows across tables linked by foreign keys, shared by
-- erase_subject() and purge_expired() (Art. 4.8, 86_retention.sql).

-- The tables in an order to delete from, children first: repeatedly the
-- table that the fewest remaining tables refer to (none, unless foreign
-- keys form a cycle).
CREATE FUNCTION compliance.delete_order(tables regclass[]) RETURNS regclass[]
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_left regclass[] := tables;
    v_order regclass[] := '{}';
    v_next regclass;
BEGIN
    WHILE cardinality(v_left) > 0 LOOP
        SELECT t INTO v_next FROM unnest(v_left) AS t
         ORDER BY (SELECT count(*) FROM pg_constraint c
                    WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = t
                      AND c.conrelid <> t AND c.conrelid = ANY (v_left)), t::text
         LIMIT 1;
        v_order := v_order || v_next;
        v_left := array_remove(v_left, v_next);
    END LOOP;
    RETURN v_order;
END
$$;
COMMENT ON FUNCTION compliance.delete_order(regclass[]) IS
    'Internal: the tables in an order to delete from, children before the tables they refer to.';

-- Deferrable foreign keys that deleting from these tables (and what
-- cascades from them) may violate are checked at once, not at commit, so a
-- violation is caught and reported by the caller.  Foreign keys only: a
-- constraint trigger's function is the owner's code, and SET CONSTRAINTS
-- ... IMMEDIATE would fire the events the caller's transaction queued
-- earlier here, with the extension owner's rights.  (Deferred, it makes
-- the deletion fail: PostgreSQL refuses to queue one in the
-- security-restricted operation the deletion runs in.)  Returns the ones
-- that were deferred, for the caller to defer again.
CREATE FUNCTION compliance.check_foreign_keys_now(tables regclass[]) RETURNS text[]
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_deferrable text[];
    v_deferred text[];
BEGIN
    WITH RECURSIVE reach(relid) AS (
        SELECT t::oid FROM unnest(tables) AS t
        UNION
        SELECT c.conrelid FROM pg_constraint c JOIN reach ON c.confrelid = reach.relid
         WHERE c.contype = 'f' AND c.confdeltype IN ('c', 'n', 'd')
    )
    SELECT array_agg(DISTINCT format('%I.%I', n.nspname, c.conname)),
           array_agg(DISTINCT format('%I.%I', n.nspname, c.conname)) FILTER (WHERE c.condeferred)
      INTO v_deferrable, v_deferred
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
     WHERE c.contype = 'f' AND c.condeferrable AND c.confrelid IN (SELECT reach.relid FROM reach);
    IF v_deferrable IS NOT NULL THEN
        EXECUTE 'SET CONSTRAINTS ' || array_to_string(v_deferrable, ', ') || ' IMMEDIATE';
    END IF;
    RETURN v_deferred;
END
$$;
COMMENT ON FUNCTION compliance.check_foreign_keys_now(regclass[]) IS
    'Internal: sets the deferrable foreign keys that deleting from these tables may violate IMMEDIATE; returns those that were deferred.';
REVOKE EXECUTE ON FUNCTION compliance.delete_order(regclass[]),
    compliance.check_foreign_keys_now(regclass[]) FROM PUBLIC;

CREATE FUNCTION compliance.wait_for_table_writers(tables regclass[], except_pids integer[] DEFAULT NULL) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'wait_for_table_writers';
COMMENT ON FUNCTION compliance.wait_for_table_writers(regclass[], integer[]) IS
    'Internal: waits until every transaction writing to one of the tables when called (holding ROW EXCLUSIVE), prepared ones included, has ended, without a lock of its own: later writers are not held up. The batches of purges and erase tasks call it first. except_pids: backends not waited for (on a Citus worker, those of the batch''s own distributed transaction).';

CREATE FUNCTION compliance.run_as_table_owner(tbl regclass, statement text) RETURNS bigint
    LANGUAGE C STRICT VOLATILE
    AS 'MODULE_PATHNAME', 'run_as_table_owner';
COMMENT ON FUNCTION compliance.run_as_table_owner(regclass, text) IS
    'Internal: runs one statement on a protected table as the table''s owner in a security-restricted operation (the owner''s triggers never get the officer''s privileges) and returns the rows it processed; enforcement is on for the statements the owner''s code runs inside it.';
REVOKE EXECUTE ON FUNCTION compliance.run_as_table_owner(regclass, text) FROM PUBLIC;

CREATE FUNCTION compliance.read_as_table_owner(tbl regclass, query text) RETURNS text
    LANGUAGE C STRICT VOLATILE
    AS 'MODULE_PATHNAME', 'read_as_table_owner';
COMMENT ON FUNCTION compliance.read_as_table_owner(regclass, text) IS
    'Internal: runs a query on a protected table as the table''s owner in a security-restricted operation (casts, operators and functions of the owner''s types never get the officer''s privileges) and returns the first column of its first row as text.';
REVOKE EXECUTE ON FUNCTION compliance.read_as_table_owner(regclass, text) FROM PUBLIC;

-- Internal: the protected tables holding rows of a subject, each with the
-- condition that matches them through alias subject_row: what an erasure
-- deletes, what the remaining bases and retention look at.
CREATE FUNCTION compliance.tables_holding(subject text, subject_kind text)
    RETURNS TABLE (relid regclass, match text)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT p.relid AS tbl,
               compliance.subject_match(tables_holding.subject, p.subject_column,
                                        format_type(a.atttypid, a.atttypmod), 'subject_row') AS cond
          FROM compliance.protected_tables p
          JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = p.subject_column
         WHERE p.subject_kind = tables_holding.subject_kind
         ORDER BY p.relid::text
    LOOP
        CONTINUE WHEN r.cond IS NULL;
        IF compliance.read_as_table_owner(r.tbl,
               format('SELECT EXISTS (SELECT FROM %s AS subject_row WHERE %s)', r.tbl, r.cond))::boolean THEN
            relid := r.tbl;
            match := r.cond;
            RETURN NEXT;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.tables_holding(text, text) IS
    'Internal: protected tables of the subject''s kind holding rows of the subject, each with the condition (alias subject_row) matching them; read as each table''s owner.';
REVOKE EXECUTE ON FUNCTION compliance.tables_holding(text, text) FROM PUBLIC;

-- Internal: deletes the rows of tbl that satisfy cond (through alias
-- subject_row), after counting the rows each cascading foreign key will
-- reach; raises the foreign-key error if a deeper reference forbids it.
CREATE FUNCTION compliance.erase_rows(tbl regclass, cond text, cascades jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cascaded jsonb := '[]';
    v_n bigint;
    c jsonb;
BEGIN
    FOR c IN SELECT e FROM jsonb_array_elements(cascades) WITH ORDINALITY AS x(e, n) ORDER BY x.n LOOP
        v_n := compliance.read_as_table_owner(tbl,
            format('SELECT count(*) FROM %s AS ref WHERE EXISTS (SELECT FROM %s AS subject_row WHERE %s AND %s)',
                   (c ->> 'table')::regclass, tbl, cond, c ->> 'join_on'))::bigint;
        IF v_n > 0 THEN
            v_cascaded := v_cascaded || jsonb_build_array((c - 'join_on') || jsonb_build_object('rows', v_n));
        END IF;
    END LOOP;
    -- as the table's owner: its triggers never run with the officer's rights
    v_n := compliance.run_as_table_owner(tbl, format('DELETE FROM %s AS subject_row WHERE %s', tbl, cond));
    RETURN jsonb_build_object('rows', v_n, 'cascaded', v_cascaded);
END
$$;
COMMENT ON FUNCTION compliance.erase_rows(regclass, text, jsonb) IS
    'Internal to compliance.erase_subject(): deletes the rows of a table matching a condition and reports how many rows each cascading foreign key reaches.';

-- Foreign keys that would cascade (or set NULL or a default) from a
-- subject's rows in tbl into a table protected for another kind of
-- subject: its rows are other people's (an employee's record), whatever
-- the foreign key says.  Erasing one person must not delete or move
-- another's data (Art. 13); those rows of the subject are kept instead,
-- and the subject blocked.  Within one kind the cascade is the schema's
-- own statement that the referencing rows are the subject's data too.
CREATE FUNCTION compliance.foreign_subject_refs(tbl regclass, subject_kind text, match text)
    RETURNS TABLE (keep text, refused jsonb)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fk record;
    v_n bigint;
BEGIN
    FOR fk IN
        SELECT c.conname, c.conrelid::regclass AS child,
               (SELECT string_agg(format('ref.%I = subject_row.%I', ca.attname, pa.attname), ' AND ')
                  FROM unnest(c.conkey, c.confkey) AS k(fkey, pkey)
                  JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.fkey
                  JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pkey) AS join_on,
               h.holder
          FROM pg_constraint c
         CROSS JOIN LATERAL (
               SELECT string_agg(format('%s, subjects of kind %s', p.relid, p.subject_kind), '; ') AS holder
                 FROM unnest(compliance.protected_ancestors(c.conrelid::regclass)) AS anc(relid)
                 JOIN compliance.protected_tables p ON p.relid = anc.relid
                WHERE p.subject_kind <> foreign_subject_refs.subject_kind) h
         WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = foreign_subject_refs.tbl
           AND c.confdeltype IN ('c', 'n', 'd') AND h.holder IS NOT NULL
         ORDER BY c.conrelid::regclass::text, c.conname
    LOOP
        v_n := compliance.read_as_table_owner(tbl,
            format('SELECT count(*) FROM %s AS subject_row WHERE %s AND EXISTS (SELECT FROM %s AS ref WHERE %s)',
                   tbl, match, fk.child, fk.join_on))::bigint;
        CONTINUE WHEN v_n = 0;
        keep := format('EXISTS (SELECT FROM %s AS ref WHERE %s)', fk.child, fk.join_on);
        refused := jsonb_build_object(
            'table', tbl::text, 'rows', v_n, 'constraint', fk.conname,
            'referencing_table', fk.child::text,
            'reason', format('referenced from %s through foreign key %s, whose rows are personal data of other subjects (%s)',
                             fk.child, fk.conname, fk.holder));
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.foreign_subject_refs(regclass, text, text) IS
    'Internal to erasure and purges: for each foreign key that would cascade, set NULL or set a default from the rows of tbl matching match (alias subject_row; a subject of the kind) into a table protected for another kind of subject, and reaches some: the condition of the rows to keep, and the refusal to report.';
REVOKE EXECUTE ON FUNCTION compliance.foreign_subject_refs(regclass, text, text) FROM PUBLIC;

-- ---------------------------------------------------------------------
-- Notices to recipients (Art. 13.2)
-- ---------------------------------------------------------------------

-- Art. 13.2: the processor stops processing, deletes or blocks the data
-- "and shall ensure the implementation of the said actions by the
-- authorised person".  Whoever received the subject's data (the
-- disclosure log) and every authorised person processing under an
-- agreement (Art. 7) is told, and confirms; the application it answers
-- is fulfilled once every notice is confirmed.  The disclosure log and
-- the agreements come from 80_disclosures.sql, read at run time.
CREATE SEQUENCE compliance.recipient_notices_id_seq AS bigint;
CREATE TABLE compliance.recipient_notices (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.recipient_notices_id_seq'),
    subject         text NOT NULL,
    subject_kind    text NOT NULL REFERENCES compliance.subject_kinds (kind),
    recipient       text NOT NULL REFERENCES compliance.recipients (code),
    cause           text NOT NULL CHECK (cause IN ('erasure', 'block')),
    request_id      bigint,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    due_at          date NOT NULL,
    confirmed_at    timestamptz,
    confirmed_by    name,
    CHECK ((confirmed_at IS NULL) = (confirmed_by IS NULL))
);
ALTER SEQUENCE compliance.recipient_notices_id_seq OWNED BY compliance.recipient_notices.id;
-- one open notice per subject and recipient: an erasure that also blocks
-- what it keeps tells each recipient once
CREATE UNIQUE INDEX recipient_notices_open ON compliance.recipient_notices (subject, subject_kind, recipient)
    WHERE confirmed_at IS NULL;
CREATE INDEX recipient_notices_request ON compliance.recipient_notices (request_id) WHERE request_id IS NOT NULL;
COMMENT ON TABLE compliance.recipient_notices IS
    'Notices to the recipients and authorised persons that received an erased or blocked subject''s data, asking them to do the same (Art. 13.2 of Law 99-Z), with the due date and the recipient''s confirmation. Written by compliance.erase_subject(), compliance.block_subject() and compliance.confirm_erasure_notice(); read through compliance.erasure_notices.';
SELECT pg_catalog.pg_extension_config_dump('compliance.recipient_notices', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.recipient_notices_id_seq', '');

-- Opens the notices for a subject erased or blocked: due 15 days after
-- the application (or now).  Returns the recipients with an open notice.
CREATE FUNCTION compliance.notify_recipients(subject text, subject_kind text, cause text,
        request_id bigint, received_at timestamptz)
    RETURNS text[]
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    SET enable_seqscan = off    -- the log's subject index, whatever its statistics say
AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO compliance.recipient_notices AS n (subject, subject_kind, recipient, cause, request_id, due_at)
    SELECT notify_recipients.subject, notify_recipients.subject_kind, r.recipient, notify_recipients.cause,
           notify_recipients.request_id, compliance.belarus_date(notify_recipients.received_at) + 15
      FROM (SELECT DISTINCT d.recipient FROM compliance.disclosure_records d
             WHERE d.subjects @> ARRAY[notify_recipients.subject COLLATE "C"]
               AND d.subject_kind = notify_recipients.subject_kind
            UNION  -- a Citus coordinator's workers' logs (97_citus.sql)
            SELECT d.recipient
              FROM compliance.citus_worker_disclosures(notify_recipients.subject, notify_recipients.subject_kind) d
            UNION
            SELECT a.recipient FROM compliance.recipient_agreements a
              JOIN compliance.recipients rc ON rc.code = a.recipient AND rc.kind = 'authorised_person') r
     WHERE EXISTS (SELECT FROM compliance.recipients rc WHERE rc.code = r.recipient)
     -- notices numbered in the order of their recipients, on every version
     ORDER BY r.recipient
    ON CONFLICT (subject, subject_kind, recipient) WHERE confirmed_at IS NULL DO UPDATE
       SET cause = CASE WHEN excluded.cause = 'erasure' THEN 'erasure' ELSE n.cause END,
           request_id = coalesce(n.request_id, excluded.request_id),
           due_at = least(n.due_at, excluded.due_at);
    RETURN ARRAY(SELECT n.recipient FROM compliance.recipient_notices n
                  WHERE n.subject = notify_recipients.subject AND n.subject_kind = notify_recipients.subject_kind
                    AND n.confirmed_at IS NULL ORDER BY n.recipient);
END
$$;
COMMENT ON FUNCTION compliance.notify_recipients(text, text, text, bigint, timestamptz) IS
    'Internal: opens a notice (Art. 13.2 of Law 99-Z) to every recipient the disclosure log shows received the subject''s data and to every authorised person with an agreement, due 15 days after received_at; returns the recipients with an open notice.';
REVOKE EXECUTE ON FUNCTION compliance.notify_recipients(text, text, text, bigint, timestamptz) FROM PUBLIC;

-- A block (block_subject, or what an erasure keeps) notifies too.
CREATE FUNCTION compliance.notify_on_block() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM compliance.notify_recipients(NEW.subject, NEW.subject_kind, 'block', NULL, NEW.blocked_at);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION compliance.notify_on_block() IS
    'Trigger on compliance.blocked_subjects: a block opens notices to the recipients of the subject''s data (Art. 13.2 of Law 99-Z).';
CREATE TRIGGER notify_on_block AFTER INSERT ON compliance.blocked_subjects
    FOR EACH ROW EXECUTE FUNCTION compliance.notify_on_block();

CREATE VIEW compliance.erasure_notices AS
SELECT n.id, n.subject, n.subject_kind, n.recipient, r.name AS recipient_name,
       r.location AS recipient_location, r.country, r.kind AS recipient_kind,
       n.cause, n.request_id, n.created_at, n.due_at,
       n.confirmed_at, n.confirmed_by,
       n.confirmed_at IS NULL AND compliance.belarus_date(now()) > n.due_at AS overdue
  FROM compliance.recipient_notices n
  JOIN compliance.recipients r ON r.code = n.recipient;
COMMENT ON VIEW compliance.erasure_notices IS
    'One row per recipient or authorised person that received an erased or blocked subject''s data (from the disclosure log, and authorised persons with an agreement), to be told to erase or block them too (Art. 13.2 of Law 99-Z): due date (a Belarus date, 15 days after the application), confirmation, overdue.';

CREATE FUNCTION compliance.confirm_erasure_notice(id bigint, confirmed_at timestamptz DEFAULT now())
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_notice compliance.recipient_notices;
    v_req compliance.subject_requests;
BEGIN
    IF id IS NULL OR confirmed_at IS NULL THEN
        RAISE EXCEPTION 'notice id and confirmation time are required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the id from compliance.erasure_notices and when the recipient confirmed.';
    END IF;
    SELECT * INTO v_notice FROM compliance.recipient_notices n WHERE n.id = confirm_erasure_notice.id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'notice % does not exist', id
            USING ERRCODE = 'undefined_object',
                  HINT = 'See compliance.erasure_notices.';
    END IF;
    IF v_notice.confirmed_at IS NOT NULL THEN
        RAISE EXCEPTION 'notice % is already confirmed', id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The recipient confirmed it at %s.', v_notice.confirmed_at);
    END IF;
    IF confirmed_at < v_notice.created_at OR confirmed_at > clock_timestamp() THEN
        RAISE EXCEPTION 'confirmation time % is outside the notice''s life', confirmed_at
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The notice was opened at %s.', v_notice.created_at),
                  HINT = 'Pass when the recipient confirmed, not before the notice and not in the future.';
    END IF;
    UPDATE compliance.recipient_notices n
       SET confirmed_at = confirm_erasure_notice.confirmed_at, confirmed_by = session_user
     WHERE n.id = confirm_erasure_notice.id;
    -- the application is fulfilled once every recipient confirmed (Art. 13.2)
    IF v_notice.request_id IS NOT NULL
       AND NOT EXISTS (SELECT FROM compliance.recipient_notices n
                        WHERE n.request_id = v_notice.request_id AND n.confirmed_at IS NULL) THEN
        SELECT * INTO v_req FROM compliance.subject_requests q WHERE q.id = v_notice.request_id FOR UPDATE;
        IF FOUND AND v_req.completed_at IS NULL AND v_req.report ? 'outcome' THEN
            PERFORM compliance.complete_request(v_req.id, v_req.report ->> 'outcome',
                concat_ws(' ', v_req.report ->> 'response',
                          'Every recipient of the data was told to do the same and confirmed it (Art. 13.2 of Law 99-Z).'),
                v_req.report ->> 'legal_ground');
        END IF;
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.confirm_erasure_notice(bigint, timestamptz) IS
    'Records that a recipient confirmed erasing or blocking the subject''s data as told (Art. 13.2 of Law 99-Z); the last confirmation for an application completes it with the outcome of the erasure. An officer who cannot obtain one completes the application with compliance.complete_request() and says why.';

-- Erasure waits for the writers of protected tables (see the lock below):
-- otherwise a row of the subject inserted by a transaction still open when
-- erase_subject() ran would be left behind, unreported, once both
-- committed (test/specs/erasure_race.spec).
-- The erasure itself.  Not in_batch: erase_subject(), which holds the
-- consent chain's head, so no consent of the subject is recorded
-- meanwhile.  in_batch: a purge or erase task of a subject with no basis
-- left, many in one transaction, without the head: the caller appends the
-- erased events at the end of its batch, after checking that no consent
-- event of its subjects was recorded meanwhile (compliance.append_erasures),
-- and does not lock the protected tables: it waited for the writers open
-- when its batch began (compliance.wait_for_table_writers), and no later
-- writer can add rows of a subject without a basis (enforcement refuses
-- them).
CREATE FUNCTION compliance.erase_subject_run(subject text, request_id bigint, subject_kind text,
        in_batch boolean)
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
    v_run text;
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
    v_known boolean;
    v_recorded boolean;
    v_event boolean := false;
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
    v_notified text[];
    fk record;
    r record;
BEGIN
    IF request_id IS NOT NULL THEN
        SELECT * INTO v_req FROM compliance.subject_requests q WHERE q.id = request_id;
    END IF;

    -- Protected tables holding rows of the subject.
    FOR r IN
        SELECT h.relid, h.match, p.subject_column, format_type(a.atttypid, a.atttypmod) AS column_type,
               t.ground
          FROM compliance.tables_holding(subject, subject_kind) h
          JOIN compliance.protected_tables p ON p.relid = h.relid
          JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = p.subject_column
          LEFT JOIN compliance.retained_tables t ON t.relid = p.relid
         ORDER BY p.relid::text
    LOOP
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
            -- Kept by law (Art. 13.3) until the row's term has run, from
            -- its from_column or from the end of the subject's last ground
            -- (now, for grounds this erasure ends); a row whose term ran
            -- already goes as any other.
            v_run := compliance.retention_term_run(v_tbl,
                least(compliance.ground_end(subject, subject_kind, v_tbl), v_now), v_now);
            v_n := compliance.read_as_table_owner(v_tbl,
                format('SELECT count(*) FROM %s AS subject_row WHERE (%s) AND NOT (%s)',
                       v_tbl, v_match, v_run))::bigint;
            IF v_n > 0 THEN
                v_retained := v_retained || jsonb_build_array(jsonb_build_object(
                    'table', v_tbl::text, 'rows', v_n, 'ground', v_ground));
                v_kept_tables := v_kept_tables || v_tbl::text;
            END IF;
            CONTINUE WHEN v_run = 'false';
            v_match := format('(%s) AND (%s)', v_match, v_run);
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
                v_n := compliance.read_as_table_owner(v_tbl,
                    format('SELECT count(*) FROM %s AS subject_row WHERE %s AND EXISTS (SELECT FROM %s AS ref WHERE %s)',
                           v_tbl, v_match, fk.child, fk.join_on))::bigint;
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
        -- rows that other subjects' rows refer to with a cascading action
        FOR fk IN SELECT * FROM compliance.foreign_subject_refs(v_tbl, subject_kind, v_match) LOOP
            v_keep := v_keep || fk.keep;
            v_refused := v_refused || jsonb_build_array(fk.refused);
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
            FOR v_row IN
                SELECT (e ->> 'toid')::oid AS toid, (e ->> 'rowid')::tid AS rowid
                  FROM jsonb_array_elements(compliance.read_as_table_owner(v_tbl,
                       format('SELECT coalesce(jsonb_agg(jsonb_build_object(''toid'', subject_row.tableoid::oid, ''rowid'', subject_row.ctid::text) ORDER BY subject_row.tableoid, subject_row.ctid), ''[]'') FROM %s AS subject_row WHERE %s',
                              v_tbl, v_cond))::jsonb) AS x(e)
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

        v_n := compliance.read_as_table_owner(v_tbl,
            format('SELECT count(*) FROM %s AS subject_row WHERE %s', v_tbl, v_match))::bigint;
        IF v_n > 0 AND NOT v_tbl::text = ANY (v_kept_tables) THEN
            v_kept_tables := v_kept_tables || v_tbl::text;
        END IF;
    END LOOP;

    IF v_deferred IS NOT NULL THEN
        EXECUTE 'SET CONSTRAINTS ' || array_to_string(v_deferred, ', ') || ' DEFERRED';
    END IF;

    -- Art. 13.2: what cannot be deleted is blocked.
    SELECT EXISTS (SELECT FROM compliance.blocked_subjects b
                    WHERE b.subject = erase_subject_run.subject AND b.subject_kind = erase_subject_run.subject_kind)
      INTO v_was_blocked;
    IF cardinality(v_kept_tables) > 0 THEN
        v_blocked := true;
        IF NOT v_was_blocked THEN
            PERFORM compliance.block_subject(subject,
                format('Art. 13.2 of Law 99-Z: erasure requested; rows that cannot be deleted are blocked (%s)',
                       array_to_string(v_kept_tables, ', ')), subject_kind);
        END IF;
    END IF;

    -- The consent ledger records the erasure, not the erased data; consents
    -- in force end with it.
    v_known := jsonb_array_length(v_deleted) + jsonb_array_length(v_retained) + jsonb_array_length(v_refused) > 0
               OR EXISTS (SELECT FROM compliance.consent_state s
                           WHERE s.subject = erase_subject_run.subject AND s.subject_kind = erase_subject_run.subject_kind);
    -- Recorded anywhere else (grounds, applications other than this one,
    -- demands of the authority): the erasure is recorded too, so that what
    -- is answered later is sealed (complete_request).
    v_recorded := v_known
        OR EXISTS (SELECT FROM compliance.subject_grounds g
                    WHERE g.subject = erase_subject_run.subject AND g.subject_kind = erase_subject_run.subject_kind)
        OR EXISTS (SELECT FROM compliance.subject_requests q
                    WHERE q.subject = erase_subject_run.subject AND q.subject_kind = erase_subject_run.subject_kind
                      AND q.id IS DISTINCT FROM erase_subject_run.request_id)
        OR EXISTS (SELECT FROM compliance.authority_demands a
                    WHERE a.subject = erase_subject_run.subject AND a.subject_kind = erase_subject_run.subject_kind);
    IF v_recorded THEN
        SELECT coalesce(array_agg(s.purpose ORDER BY s.purpose), '{}') INTO v_purposes
          FROM compliance.consent_state s
         WHERE s.subject = erase_subject_run.subject AND s.subject_kind = erase_subject_run.subject_kind
           AND s.status IN ('given', 'renewed')
           AND (s.valid_until IS NULL OR s.valid_until > v_now);
        -- Erased already, and nothing found or ended since (a contract
        -- ending after the erasure, a task due later): no second event.
        v_event := jsonb_array_length(v_deleted) + jsonb_array_length(v_retained) + jsonb_array_length(v_refused) > 0
                   OR cardinality(v_purposes) > 0
                   OR (SELECT l.event FROM compliance.consent_ledger l
                        WHERE l.subject = erase_subject_run.subject AND l.subject_kind = erase_subject_run.subject_kind
                        ORDER BY l.id DESC LIMIT 1) IS DISTINCT FROM 'erased';
        -- in a batch, appended at its end with the consents it ends (of
        -- retired purposes: a purge or erase task erases no subject with
        -- another consent in force)
        IF NOT in_batch AND v_event THEN
            v_ledger_id := compliance.consent_ledger_append('erased', subject, subject_kind, compliance.purpose_set(v_purposes));
            UPDATE compliance.consent_state s
               SET status = 'withdrawn', ledger_id = v_ledger_id, changed_at = v_now
             WHERE s.subject = erase_subject_run.subject AND s.subject_kind = erase_subject_run.subject_kind
               AND s.purpose = ANY (v_purposes);
        END IF;
    END IF;

    -- The documents the subject was sent (access reports list every row)
    -- go too; their digests stay, the proof of what was sent and when.
    UPDATE compliance.subject_requests q SET answer = NULL
     WHERE q.subject = erase_subject_run.subject AND q.subject_kind = erase_subject_run.subject_kind
       AND q.answer IS NOT NULL;
    -- What identified the subject outside the protected tables: the
    -- identity and representative of consent receipts (the ledger keeps
    -- them sealed), and the details of answered applications (kept as
    -- digests; an open one is sealed when it is answered).
    DELETE FROM compliance.consent_evidence e
     WHERE e.subject = erase_subject_run.subject AND e.subject_kind = erase_subject_run.subject_kind;
    PERFORM compliance.seal_requests(subject, subject_kind);
    -- the evidence of grounds and why they ended, the authority's completed
    -- demands about the subject, and an officer's reason for an earlier
    -- block: free text, kept as digests
    UPDATE compliance.subject_grounds g
       SET sealed = compliance.seal_values(jsonb_build_object('evidence', g.evidence, 'end_reason', g.end_reason)),
           evidence = NULL, end_reason = NULL
     WHERE g.subject = erase_subject_run.subject AND g.subject_kind = erase_subject_run.subject_kind
       AND (g.evidence IS NOT NULL OR g.end_reason IS NOT NULL);
    UPDATE compliance.authority_demands a
       SET sealed = compliance.seal_values(jsonb_build_object('essence', a.essence, 'action_taken', a.action_taken,
                                                              'report', a.report)),
           essence = NULL, action_taken = '(sealed at erasure)', report = NULL
     WHERE a.subject = erase_subject_run.subject AND a.subject_kind = erase_subject_run.subject_kind
       AND a.completed_at IS NOT NULL AND a.sealed IS NULL;
    IF v_was_blocked THEN
        UPDATE compliance.blocked_subjects b
           SET reason = 'Sealed when the subject was erased (Art. 13 of Law 99-Z): '
                        || compliance.seal_values(jsonb_build_object('reason', b.reason))::text
         WHERE b.subject = erase_subject_run.subject AND b.subject_kind = erase_subject_run.subject_kind
           AND b.reason NOT LIKE 'Sealed when the subject was erased%';
    END IF;

    -- Art. 13.2: those who received the data are told to do the same
    v_notified := CASE WHEN v_recorded
                       THEN compliance.notify_recipients(subject, subject_kind, 'erasure', request_id,
                                                         coalesce(v_req.received_at, v_now))
                       ELSE '{}' END;

    v_outcome := CASE WHEN v_blocked THEN 'blocked' ELSE 'fulfilled' END;
    v_report := jsonb_build_object(
        'subject', subject, 'subject_kind', subject_kind, 'erased_at', v_now,
        'deleted', v_deleted, 'cascaded', v_cascaded,
        'retained', v_retained, 'refused', v_refused,
        'blocked', v_blocked, 'consents_ended', to_jsonb(coalesce(v_purposes::text[], '{}')),
        'ledger_id', v_ledger_id, 'request_id', request_id, 'outcome', v_outcome,
        'notices', to_jsonb(v_notified),
        -- Art. 13.2, 5.7: what the processor keeps, and in what form
        'kept', CASE WHEN v_recorded THEN jsonb_build_array(
            'consent ledger: the events (given, withdrawn, erased), their dates and purposes, and keyed, salted SHA-256 digests of the identity, representative and evidence of each consent, from which they cannot be read back (Art. 5.7)',
            'applications, grounds and demands of the authority: their kind, dates and outcome, and keyed, salted SHA-256 digests of the applicant details and of what was written',
            'disclosure log: to whom data were provided, which items and when (Art. 12)') END);
    IF NOT v_known THEN
        v_report := v_report || jsonb_build_object('message', 'The processor held no personal data of this subject.');
    END IF;
    IF in_batch THEN
        -- for compliance.append_erasures(), which fills in ledger_id
        v_report := v_report || jsonb_build_object('erased_event_pending', v_event,
                                                   'ending', to_jsonb(coalesce(v_purposes::text[], '{}')));
    END IF;

    IF request_id IS NOT NULL THEN
        v_report := v_report || jsonb_strip_nulls(jsonb_build_object(
            'response',
            CASE WHEN NOT v_known THEN 'No personal data of the subject were held.'
                 WHEN v_blocked THEN format('Deleted %s row(s); the rows that cannot be deleted are blocked (Art. 13.2 of Law 99-Z): %s.',
                                            coalesce((SELECT sum((d ->> 'rows')::bigint) FROM jsonb_array_elements(v_deleted) d), 0),
                                            array_to_string(v_kept_tables, ', '))
                 ELSE format('Deleted %s row(s); no personal data of the subject are kept.',
                             coalesce((SELECT sum((d ->> 'rows')::bigint) FROM jsonb_array_elements(v_deleted) d), 0)) END,
            'legal_ground',
            CASE WHEN v_blocked THEN (
                SELECT string_agg(g, '; ') FROM (
                    SELECT format('%s: %s', e ->> 'table', e ->> 'ground') AS g FROM jsonb_array_elements(v_retained) e
                    UNION ALL
                    SELECT format('%s: deletion impossible, %s', e ->> 'table', e ->> 'reason') FROM jsonb_array_elements(v_refused) e) x)
            END));
        UPDATE compliance.subject_requests q SET report = v_report WHERE q.id = request_id;
        -- fulfilled once every recipient confirmed (confirm_erasure_notice)
        IF cardinality(v_notified) = 0 THEN
            PERFORM compliance.complete_request(request_id, v_outcome, v_report ->> 'response',
                                                v_report ->> 'legal_ground');
        END IF;
    END IF;
    RETURN v_report;
END
$$;
COMMENT ON FUNCTION compliance.erase_subject_run(text, bigint, text, boolean) IS
    'Internal to compliance.erase_subject(), compliance.purge_expired() and compliance.process_erase_tasks(): erases a subject; in_batch leaves the erased event, and the end of consents in force for retired purposes, to compliance.append_erasures() at the end of the caller''s batch.';

CREATE FUNCTION compliance.erase_subject(subject text, request_id bigint DEFAULT NULL,
        subject_kind text DEFAULT 'person')
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
DECLARE
    v_req compliance.subject_requests;
    v_report jsonb;
    r record;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    IF request_id IS NOT NULL THEN
        v_req := compliance.lock_open_request(request_id,
            'Call compliance.erase_subject() without a request, or file a new request.');
        IF v_req.subject <> subject OR v_req.subject_kind <> subject_kind THEN
            RAISE EXCEPTION 'request % is not an application of subject "%" (%)', request_id, subject, subject_kind
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It was filed for subject "%s" (%s).', v_req.subject, v_req.subject_kind),
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
    -- On a Citus coordinator the lock reaches the table on every node, not
    -- its shards: a writer of a shard by its own name holds none.  Wait for
    -- those open now, as the batches do (compliance.citus_wait_for_writers).
    PERFORM compliance.citus_wait_for_writers();

    -- Serialise with consent events of this subject.
    PERFORM compliance.consent_ledger_lock();
    v_report := compliance.erase_subject_run(subject, request_id, subject_kind, false);
    -- its erase tasks are done with it: a task due later would erase it a
    -- second time
    PERFORM compliance.close_erase_tasks(jsonb_build_array(jsonb_build_object(
        'subject', subject, 'subject_kind', subject_kind,
        'result', jsonb_build_object('action', 'erased', 'by', 'compliance.erase_subject()', 'report', v_report))));
    RETURN v_report;
END
$$;
COMMENT ON FUNCTION compliance.erase_subject(text, bigint, text) IS
    'Deletes the subject''s rows from every protected table of its kind, children before parents, in one transaction (Art. 13 of Law 99-Z); waits for open writers of protected tables and keeps new ones out until it commits, so no row of the subject is left behind. Rows of retained tables, and rows that foreign keys without ON DELETE CASCADE / SET NULL / SET DEFAULT (or retained rows) still refer to, are kept and the subject is blocked (Art. 13.2). Appends an erased event to the consent ledger and ends consents in force. With request_id, completes that request. Returns a report: deleted, cascaded, retained, refused, blocked.';

-- ---------------------------------------------------------------------
-- Erase tasks after a withdrawal (Art. 10.2)
-- ---------------------------------------------------------------------

CREATE SEQUENCE compliance.erase_tasks_id_seq AS bigint;
CREATE TABLE compliance.erase_tasks (
    id          bigint PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.erase_tasks_id_seq'),
    subject     text NOT NULL,
    subject_kind text NOT NULL REFERENCES compliance.subject_kinds (kind),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    due_at      date NOT NULL,
    ledger_id   bigint,
    ground_id   bigint,
    request_id  bigint,
    done_at     timestamptz,
    report      jsonb
);
ALTER SEQUENCE compliance.erase_tasks_id_seq OWNED BY compliance.erase_tasks.id;
CREATE INDEX erase_tasks_open ON compliance.erase_tasks (subject, subject_kind) WHERE done_at IS NULL;
COMMENT ON TABLE compliance.erase_tasks IS
    'Subjects to erase after a withdrawal of consent, due 15 days after it (Art. 10.2 of Law 99-Z), or after the end of a contract with the subject (Art. 10.3); one task per withdrawal event (ledger_id) or ended ground (ground_id), taken up from created_at. compliance.process_erase_tasks() does them and keeps its report.';
SELECT pg_catalog.pg_extension_config_dump('compliance.erase_tasks', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.erase_tasks_id_seq', '');

CREATE FUNCTION compliance.erase_task_on_withdrawal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- consent_ledger_append() stamps events with clock_timestamp(), never
    -- before the transaction started; older rows are being restored from a
    -- dump, which brings their erase tasks along.
    IF NEW.recorded_at < now() THEN
        RETURN NULL;
    END IF;
    -- Art. 10.2: within 15 days of the application, if the withdrawal was
    -- made on one; else of the withdrawal itself (the consent channel)
    INSERT INTO compliance.erase_tasks (subject, subject_kind, created_at, due_at, ledger_id, request_id)
    VALUES (NEW.subject, NEW.subject_kind, NEW.recorded_at,
            compliance.belarus_date(coalesce((SELECT q.received_at FROM compliance.subject_requests q
                                               WHERE q.id = NEW.request_id), NEW.recorded_at)) + 15,
            NEW.id, NEW.request_id);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION compliance.erase_task_on_withdrawal() IS
    'Trigger on compliance.consent_ledger: a withdrawn event appended now creates an erase task due 15 days after the application it answers was received, or after the withdrawal without one (Art. 10.2 of Law 99-Z); rows restored from a dump do not.';
CREATE TRIGGER erase_task_on_withdrawal AFTER INSERT ON compliance.consent_ledger
    FOR EACH ROW WHEN (NEW.event = 'withdrawn')
    EXECUTE FUNCTION compliance.erase_task_on_withdrawal();

-- Art. 10.3: "The expiry of the agreement under which processing of
-- personal data has taken place or its termination shall produce the
-- effects indicated in paragraph 2" (a withdrawal's).  An end recorded
-- for a later date makes a task taken up from that date.
CREATE FUNCTION compliance.erase_task_on_contract_end() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT FROM compliance.purposes p
                WHERE p.id = NEW.registry_ref AND p.legal_basis = 'contract_with_subject') THEN
        -- an end brought forward replaces the task of the later one
        DELETE FROM compliance.erase_tasks t WHERE t.ground_id = NEW.id AND t.done_at IS NULL;
        -- due 15 days after the end itself, even if it is recorded late
        INSERT INTO compliance.erase_tasks (subject, subject_kind, created_at, due_at, ground_id)
        VALUES (NEW.subject, NEW.subject_kind, greatest(NEW.ended_at, now()),
                compliance.belarus_date(NEW.ended_at) + 15, NEW.id);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION compliance.erase_task_on_contract_end() IS
    'Trigger on compliance.subject_grounds: compliance.end_basis() of a contract with the subject creates an erase task due 15 days after the end, as a withdrawal does (Art. 10.2, 10.3 of Law 99-Z); rows restored from a dump do not.';
CREATE TRIGGER erase_task_on_contract_end AFTER UPDATE OF ended_at ON compliance.subject_grounds
    FOR EACH ROW WHEN (NEW.ended_at IS NOT NULL AND NEW.ended_at IS DISTINCT FROM OLD.ended_at)
    EXECUTE FUNCTION compliance.erase_task_on_contract_end();

CREATE VIEW compliance.erase_tasks_due AS
SELECT t.id, t.subject, t.subject_kind, t.created_at, t.due_at,
       compliance.belarus_date(now()) > t.due_at AS overdue, t.ledger_id, t.ground_id, t.request_id
  FROM compliance.erase_tasks t
 WHERE t.done_at IS NULL AND t.created_at <= now();
COMMENT ON VIEW compliance.erase_tasks_due IS
    'Erase tasks not yet done, each due at the latest on due_at (Art. 10.2 of Law 99-Z); overdue once that day has passed. compliance.process_erase_tasks() does them.';

-- The remaining bases of a subject: consents in force, its own grounds in
-- force for purposes recorded per subject, and purposes whose basis covers
-- all subjects that may touch a table holding its rows.
CREATE FUNCTION compliance.remaining_bases(subject text, subject_kind text DEFAULT 'person') RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
DECLARE
    v_tables regclass[];
    v_bases jsonb;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    SELECT coalesce(array_agg(h.relid), '{}') INTO v_tables
      FROM compliance.tables_holding(remaining_bases.subject, remaining_bases.subject_kind) h;

    SELECT coalesce(jsonb_agg(jsonb_build_object('purpose', p.code, 'legal_basis', p.legal_basis) ORDER BY p.id), '[]')
      INTO v_bases
      FROM compliance.purposes p
     WHERE p.retired_at IS NULL
       AND CASE WHEN p.legal_basis = 'consent'
                THEN EXISTS (SELECT FROM compliance.consent_state s
                              WHERE s.subject = remaining_bases.subject
                                AND s.subject_kind = remaining_bases.subject_kind
                                AND s.purpose = p.code::compliance.purpose
                                AND s.status IN ('given', 'renewed')
                                AND (s.valid_until IS NULL OR s.valid_until > now()))
                WHEN p.basis_scope = 'per_subject'
                THEN EXISTS (SELECT FROM compliance.ground_state g
                              WHERE g.subject = remaining_bases.subject
                                AND g.subject_kind = remaining_bases.subject_kind
                                AND g.purpose = p.code::compliance.purpose
                                AND (g.valid_until IS NULL OR g.valid_until > now()))
                     AND compliance.items_touch(p.data_items, v_tables)
                ELSE compliance.items_touch(p.data_items, v_tables) END;
    RETURN v_bases;
END
$$;
COMMENT ON FUNCTION compliance.remaining_bases(text, text) IS
    'Purposes that still give a basis to process the subject: consent purposes with a consent in force, purposes recorded per subject with a ground of the subject in force (compliance.record_basis), and purposes whose basis covers all subjects that may touch a protected table holding the subject''s rows (their data items name one of its columns, or are unrestricted).';

-- What the decisions of a batch depend on besides each subject's own
-- records: the purposes (their basis, scope, data items, retention, and
-- whether retired), the retained tables and the protected tables.
CREATE FUNCTION compliance.erasure_registry_digest() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    RETURN (SELECT md5(coalesce(string_agg(x.r, E'\n' ORDER BY x.r), ''))
              FROM (SELECT p::text AS r FROM compliance.purposes p
                    UNION ALL
                    SELECT t::text FROM compliance.retained_tables t
                    UNION ALL
                    SELECT t::text FROM compliance.protected_tables t) x);
COMMENT ON FUNCTION compliance.erasure_registry_digest() IS
    'Internal: a digest of the purpose registry, the retained tables and the protected tables, which a purge or erase-task batch compares at its end with the one at its start.';

-- A purge or erase tasks in batches decide each batch from what committed
-- before its statements (READ COMMITTED); a procedure's batches start
-- with the session's default isolation, checked before the first.
CREATE FUNCTION compliance.check_batch_isolation(what text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed'
       OR current_setting('default_transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION '% must run at READ COMMITTED', what
            USING ERRCODE = 'active_sql_transaction',
                  DETAIL = format('default_transaction_isolation is %s: each batch would decide which subjects to erase from a snapshot taken before consents given meanwhile.',
                                  current_setting('default_transaction_isolation')),
                  HINT = 'SET default_transaction_isolation = ''read committed'' before the CALL.';
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.check_batch_isolation(text) IS
    'Internal to compliance.purge_expired_in_batches() and compliance.process_erase_tasks_in_batches(): raises 25001 unless the transaction and the default isolation are READ COMMITTED.';

-- The start of a batch of a purge or of erase tasks: what
-- compliance.append_erasures() checks at the batch's end, {since,
-- registry}: the last id of the consent chain it decides from, and the
-- registry's digest (a purpose covering all subjects registered meanwhile,
-- or a retention ground set, may give rows a basis the batch did not
-- see).  At READ COMMITTED only: each statement of the batch sees what
-- committed before it, and the check at its end every event recorded
-- since; at REPEATABLE READ it would decide, and check, from its first
-- snapshot.  A writer that added rows of a subject under a consent since
-- ended may still be open: it finishes first, so that its rows are seen
-- (later writers cannot add rows of a subject with no basis).  Writers of
-- the partitions and inheritance children of protected tables too: an
-- INSERT into a partition locks the partition only.  On a Citus
-- coordinator, the writers of their shards on every node as well: a
-- writer connected to a worker locks only that node's relations
-- (compliance.citus_wait_for_writers).
CREATE FUNCTION compliance.purge_batch_start(what text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION '% must run at READ COMMITTED', what
            USING ERRCODE = 'active_sql_transaction',
                  DETAIL = format('This transaction is %s: it would decide which subjects to erase from a snapshot taken before consents given meanwhile.',
                                  upper(current_setting('transaction_isolation'))),
                  HINT = 'Call it outside a transaction block, or in one started with BEGIN ISOLATION LEVEL READ COMMITTED.';
    END IF;
    PERFORM compliance.wait_for_table_writers(ARRAY(
        WITH RECURSIVE tree(relid) AS (
            SELECT p.relid::oid FROM compliance.protected_tables p
            UNION
            SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.relid)
        SELECT tree.relid::regclass FROM tree));
    -- on a Citus coordinator, the writers of the shards on every node too
    PERFORM compliance.citus_wait_for_writers();
    RETURN jsonb_build_object(
        'since', (SELECT coalesce(max(h.last_id), 0) FROM compliance.ledger_heads h WHERE h.ledger = 'consent'),
        'registry', compliance.erasure_registry_digest());
END
$$;
COMMENT ON FUNCTION compliance.purge_batch_start(text) IS
    'Internal: the start of a purge or erase-task batch: raises 25001 unless READ COMMITTED, waits for the transactions writing to protected tables (their partitions and children included; on a Citus coordinator, their shards on every node), and returns what compliance.append_erasures() checks at the end: {since: the consent chain''s last id, registry: compliance.erasure_registry_digest()}.';

-- The end of a batch of a purge or of erase tasks, after its last DELETE.
-- Fails with 40001 (its procedure runs it again, deciding from the new
-- state) if a basis the batch did not see may have let rows of a subject
-- it deleted be written meanwhile:
--  * a ground recorded (record_basis) for such a subject: acted gives the
--    ids of the grounds the batch saw when it decided (grounds);
--  * a block of such a subject lifted or placed again (blocked_at: when
--    the block it saw was placed; a batch never lifts one);
--  * the registry changed (batch.registry, from purge_batch_start);
--  * a consent event of a subject it acted on, recorded after the consent
--    chain's last id it decided from (batch.since), checked under the
--    chain's head, which is then held to the commit.
-- Checked after every DELETE of the batch, so what commits after the check
-- covers only rows the batch never saw.  Then appends the erased events of
-- its erasures (erase_subject_run with in_batch), ending the consents they
-- end.  Takes the reports of erase_subject_run; returns them with their
-- ledger_id.
CREATE FUNCTION compliance.append_erasures(reports jsonb, batch jsonb, acted jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_out jsonb;
    v_changed text;
    v_tail record;
    v_recorded_at timestamptz;
    v_rows bigint;
    v_last_hash bytea;
    c_hint CONSTANT text := 'Run it again: compliance.purge_expired_in_batches() and compliance.process_erase_tasks_in_batches() do so themselves.';
BEGIN
    SELECT string_agg(DISTINCT format('"%s" (%s)', g.subject, g.subject_kind), ', ') INTO v_changed
      FROM jsonb_to_recordset(acted) AS a(subject text, subject_kind text, grounds bigint[])
      JOIN compliance.subject_grounds g ON g.subject = a.subject AND g.subject_kind = a.subject_kind
     WHERE a.grounds IS NOT NULL AND g.id <> ALL (a.grounds);
    IF v_changed IS NOT NULL THEN
        RAISE EXCEPTION 'grounds of subjects being purged changed meanwhile'
            USING ERRCODE = 'serialization_failure',
                  DETAIL = format('A ground was recorded for %s after the batch decided to delete their rows; rows written under it could go with them.', v_changed),
                  HINT = c_hint;
    END IF;
    SELECT string_agg(DISTINCT format('"%s" (%s)', a.subject, a.subject_kind), ', ') INTO v_changed
      FROM jsonb_to_recordset(acted) AS a(subject text, subject_kind text, blocked_at timestamptz)
     WHERE a.blocked_at IS NOT NULL
       AND (SELECT b.blocked_at FROM compliance.blocked_subjects b
             WHERE b.subject = a.subject AND b.subject_kind = a.subject_kind) IS DISTINCT FROM a.blocked_at;
    IF v_changed IS NOT NULL THEN
        RAISE EXCEPTION 'blocks of subjects being purged changed meanwhile'
            USING ERRCODE = 'serialization_failure',
                  DETAIL = format('The block of %s was lifted after the batch decided to delete their rows; rows written since could go with them.', v_changed),
                  HINT = c_hint;
    END IF;
    IF compliance.erasure_registry_digest() IS DISTINCT FROM batch ->> 'registry' THEN
        RAISE EXCEPTION 'the purpose registry changed while subjects were being purged'
            USING ERRCODE = 'serialization_failure',
                  DETAIL = 'A purpose or a retained table was registered or changed after the batch began; it decided without it.',
                  HINT = c_hint;
    END IF;
    PERFORM compliance.consent_ledger_lock();
    SELECT string_agg(DISTINCT format('"%s" (%s)', l.subject, l.subject_kind), ', ') INTO v_changed
      FROM compliance.consent_ledger l
      JOIN jsonb_to_recordset(acted) AS a(subject text, subject_kind text)
        ON a.subject = l.subject AND a.subject_kind = l.subject_kind
     WHERE l.id > (batch ->> 'since')::bigint;
    IF v_changed IS NOT NULL THEN
        RAISE EXCEPTION 'consents of subjects being purged changed meanwhile'
            USING ERRCODE = 'serialization_failure',
                  DETAIL = format('Consent events of %s were recorded after the batch began; it decided without them.', v_changed),
                  HINT = c_hint;
    END IF;
    -- The erased events in one statement, in the order of the reports,
    -- chained by ledger_chain_next(): the head is held for milliseconds,
    -- not for one call per subject.
    SELECT * INTO v_tail FROM compliance.ledger_tail('consent');
    v_recorded_at := clock_timestamp();
    CREATE TEMPORARY TABLE compliance_erased_events ON COMMIT DROP AS
    SELECT v_tail.last_id + row_number() OVER (ORDER BY x.i) AS id, x.i,
           x.r ->> 'subject' AS subject, x.r ->> 'subject_kind' AS subject_kind,
           compliance.purpose_set(ARRAY(SELECT jsonb_array_elements_text(x.r -> 'ending'))::compliance.purpose[]) AS purposes,
           ARRAY(SELECT jsonb_array_elements_text(x.r -> 'ending')) AS ending
      FROM jsonb_array_elements(reports) WITH ORDINALITY x(r, i)
     WHERE (x.r ->> 'erased_event_pending')::boolean;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows > 0 THEN
        INSERT INTO compliance.consent_ledger (id, event, subject, subject_kind, purposes, recorded_at, recorded_by,
                                               receipt, transfer_countries, request_id, evidence_salt, prev_hash, hash)
        SELECT r.id, 'erased', r.subject, r.subject_kind, r.purposes, v_recorded_at, session_user,
               NULL, NULL, NULL, NULL, substring(r.link FROM 1 FOR 32), substring(r.link FROM 33)
          FROM (SELECT e.*,
                       compliance.ledger_chain_next(v_tail.last_hash, e.id, compliance.consent_ledger_fields(
                           ROW(e.id, 'erased', e.subject, e.subject_kind, e.purposes, v_recorded_at, session_user,
                               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::compliance.consent_ledger)) AS link
                  FROM (SELECT * FROM pg_temp.compliance_erased_events ORDER BY id) e
                 -- computed once per row, in the order of id
                 OFFSET 0) r;
        UPDATE compliance.consent_state s
           SET status = 'withdrawn', ledger_id = e.id, changed_at = now()
          FROM pg_temp.compliance_erased_events e
         WHERE s.subject = e.subject AND s.subject_kind = e.subject_kind
           AND s.purpose::text = ANY (e.ending);
        SELECT l.hash INTO v_last_hash FROM compliance.consent_ledger l WHERE l.id = v_tail.last_id + v_rows;
        PERFORM compliance.ledger_extend('consent', v_tail.last_id + v_rows, v_last_hash, NOT v_tail.noted);
    END IF;
    SELECT coalesce(jsonb_agg(CASE WHEN e.id IS NULL THEN x.r ELSE jsonb_set(x.r, '{ledger_id}', to_jsonb(e.id)) END
                              - 'erased_event_pending' - 'ending' ORDER BY x.i), '[]')
      INTO v_out
      FROM jsonb_array_elements(reports) WITH ORDINALITY x(r, i)
      LEFT JOIN pg_temp.compliance_erased_events e ON e.i = x.i;
    DROP TABLE pg_temp.compliance_erased_events;
    RETURN v_out;
END
$$;
COMMENT ON FUNCTION compliance.append_erasures(jsonb, jsonb, jsonb) IS
    'Internal to compliance.purge_expired() and compliance.process_erase_tasks(): at the end of a batch, after its last DELETE, fails with 40001 if a subject whose rows it deleted has a ground it did not see (acted: [{subject, subject_kind, grounds, blocked_at}], grounds the ids it saw), or its block was lifted or placed again since it saw it (blocked_at), or the registry changed (batch.registry from compliance.purge_batch_start()), or, under the consent chain''s head, a consent event of a subject it acted on was recorded after ledger id batch.since; then appends the erased events of the batch''s erasures and returns their reports with ledger_id.';

-- Closes the open erase tasks, taken up by now, of the subjects in
-- results ([{subject, subject_kind, result, tasks}]) with their result
-- (only the tasks whose ids are in tasks, if given: those a batch decided
-- on), and completes the applications they answer (Art. 10.2): one statement for
-- the tasks, however many subjects, since a batch runs it while it holds
-- the consent chain's head.  Returns how many tasks it closed.
CREATE FUNCTION compliance.close_erase_tasks(results jsonb) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_total bigint;
    v_requests jsonb;
    v_request record;
BEGIN
    WITH r AS (SELECT * FROM jsonb_to_recordset(results) AS r(subject text, subject_kind text, result jsonb, tasks bigint[])),
         done AS (
        UPDATE compliance.erase_tasks t SET done_at = now(), report = r.result
          FROM r
         WHERE t.subject = r.subject AND t.subject_kind = r.subject_kind
           AND t.done_at IS NULL AND t.created_at <= now()
           AND (r.tasks IS NULL OR t.id = ANY (r.tasks))
        RETURNING t.request_id, r.result)
    SELECT count(*), coalesce(jsonb_agg(DISTINCT jsonb_build_object('id', done.request_id, 'result', done.result))
                                  FILTER (WHERE done.request_id IS NOT NULL), '[]')
      INTO v_total, v_requests FROM done;
    -- the applications answered by these withdrawals are done with them,
    -- but one waiting for recipients to confirm an erasure made on it is
    -- completed by compliance.confirm_erasure_notice()
    FOR v_request IN
        SELECT q.id, x.r -> 'result' AS result
          FROM jsonb_array_elements(v_requests) x(r)
          JOIN compliance.subject_requests q ON q.id = (x.r ->> 'id')::bigint
         WHERE q.completed_at IS NULL
           AND NOT EXISTS (SELECT FROM compliance.recipient_notices n
                            WHERE n.request_id = q.id AND n.confirmed_at IS NULL)
         ORDER BY q.id
    LOOP
        PERFORM compliance.complete_request(v_request.id,
            CASE WHEN (v_request.result #>> '{report,blocked}')::boolean THEN 'blocked' ELSE 'fulfilled' END,
            CASE WHEN v_request.result ->> 'action' = 'kept'
                 THEN format('Consent withdrawn; processing under it has stopped. The data are still processed on other bases: %s.',
                             (SELECT string_agg(format('%s (%s)', b ->> 'purpose', b ->> 'legal_basis'), ', ')
                                FROM jsonb_array_elements(v_request.result -> 'bases') b))
                 ELSE 'Consent withdrawn; the personal data were deleted (Art. 10.2 of Law 99-Z).' END);
        UPDATE compliance.subject_requests q SET report = v_request.result WHERE q.id = v_request.id;
    END LOOP;
    RETURN v_total;
END
$$;
COMMENT ON FUNCTION compliance.close_erase_tasks(jsonb) IS
    'Internal to compliance.process_erase_tasks(), compliance.erase_subject() and compliance.purge_expired(): closes the open erase tasks (taken up by now) of the subjects in results ([{subject, subject_kind, result}]) with their result, and completes the applications they answer (Art. 10.2 of Law 99-Z); returns how many tasks it closed.';

-- Art. 10.3: a contract that expired by its term (valid_until) has the
-- effect of a withdrawal as one terminated by end_basis does: its erase
-- task is opened when a batch of erase tasks looks for work.
CREATE FUNCTION compliance.open_contract_erase_tasks() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n bigint;
BEGIN
    INSERT INTO compliance.erase_tasks (subject, subject_kind, created_at, due_at, ground_id)
    SELECT g.subject, g.subject_kind, g.valid_until, compliance.belarus_date(g.valid_until) + 15, g.id
      FROM compliance.subject_grounds g
      JOIN compliance.purposes p ON p.id = g.registry_ref
     WHERE p.legal_basis = 'contract_with_subject'
       AND g.ended_at IS NULL AND g.valid_until <= now()
       AND NOT EXISTS (SELECT FROM compliance.erase_tasks t WHERE t.ground_id = g.id);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION compliance.open_contract_erase_tasks() IS
    'Internal to compliance.process_erase_tasks() and compliance.process_erase_tasks_in_batches(): opens the erase tasks of contracts with the subject that expired by their term (Art. 10.3 of Law 99-Z); returns how many.';

-- Erase tasks in a batch, in one transaction, without the consent chain's
-- head until the end: consent writers go on while the batch checks bases
-- and deletes rows, and wait only while it appends its erased events and
-- closes its tasks; if a basis the batch did not see appeared meanwhile
-- (compliance.append_erasures), it fails with 40001 and runs again.  The
-- subjects: the first max_subjects whose tasks are due (subjects NULL), or
-- those of subjects that still have due tasks.  alone (one subject, of
-- process_erase_tasks_in_batches): an error other than a concurrent
-- writer's is the subject's, whose tasks stay open with the error in
-- their report.
CREATE FUNCTION compliance.erase_tasks_batch(max_subjects integer, subjects jsonb, alone boolean) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
DECLARE
    v_subject text;
    v_kind text;
    v_grounds bigint[];
    v_tasks bigint[];
    v_bases jsonb;
    v_result jsonb;
    v_results jsonb := '[]';
    v_reports jsonb := '[]';
    v_acted jsonb := '[]';
    v_batch jsonb;
    v_state text;
    v_message text;
BEGIN
    IF max_subjects < 1 THEN
        RAISE EXCEPTION 'max_subjects must be a positive number'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass NULL for every subject whose task is due, or e.g. 1000.';
    END IF;
    v_batch := compliance.purge_batch_start('compliance.process_erase_tasks()');
    PERFORM compliance.open_contract_erase_tasks();
    BEGIN
        FOR v_kind, v_subject IN
            SELECT DISTINCT t.subject_kind, t.subject FROM compliance.erase_tasks t
             WHERE erase_tasks_batch.subjects IS NULL AND t.done_at IS NULL AND t.created_at <= now()
            UNION
            SELECT k.subject_kind, k.subject
              FROM jsonb_to_recordset(erase_tasks_batch.subjects) k(subject text, subject_kind text)
             WHERE EXISTS (SELECT FROM compliance.erase_tasks t
                            WHERE t.subject = k.subject AND t.subject_kind = k.subject_kind
                              AND t.done_at IS NULL AND t.created_at <= now())
             ORDER BY 1, 2 LIMIT max_subjects
        LOOP
            -- the grounds seen before deciding, for the check at the end,
            -- and the tasks decided on (a task opened meanwhile, by a
            -- contract ended since, is the next batch's)
            SELECT coalesce(array_agg(g.id), '{}') INTO v_grounds
              FROM compliance.subject_grounds g WHERE g.subject = v_subject AND g.subject_kind = v_kind;
            SELECT array_agg(t.id) INTO v_tasks
              FROM compliance.erase_tasks t
             WHERE t.subject = v_subject AND t.subject_kind = v_kind AND t.done_at IS NULL AND t.created_at <= now();
            v_bases := compliance.remaining_bases(v_subject, v_kind);
            IF jsonb_array_length(v_bases) > 0 THEN
                v_result := jsonb_build_object('action', 'kept', 'bases', v_bases,
                    'note', 'Processing under the withdrawn consent or ended ground stopped when it ended; the data are still processed on the bases listed.');
                v_acted := v_acted || jsonb_build_object('subject', v_subject, 'subject_kind', v_kind);
            ELSE
                v_reports := v_reports || jsonb_build_array(compliance.erase_subject_run(v_subject, NULL, v_kind, true));
                v_result := jsonb_build_object('action', 'erased', 'report', jsonb_array_length(v_reports) - 1);
                v_acted := v_acted || jsonb_build_object('subject', v_subject, 'subject_kind', v_kind, 'grounds', v_grounds);
            END IF;
            v_results := v_results || jsonb_build_array(jsonb_build_object('subject', v_subject, 'subject_kind', v_kind,
                                                                           'result', v_result, 'tasks', v_tasks));
        END LOOP;

        -- the erased events, then the tasks and the applications they
        -- answer (an application answered after its subject's erased event
        -- is sealed)
        v_reports := compliance.append_erasures(v_reports, v_batch, v_acted);
        SELECT coalesce(jsonb_agg(CASE WHEN x.r #>> '{result,action}' = 'erased'
                                       THEN jsonb_set(x.r, '{result,report}', v_reports -> ((x.r #>> '{result,report}')::integer))
                                       ELSE x.r END ORDER BY x.i), '[]')
          INTO v_results
          FROM jsonb_array_elements(v_results) WITH ORDINALITY x(r, i);
        RETURN jsonb_build_object(
            'tasks', compliance.close_erase_tasks(v_results),
            'erased', (SELECT coalesce(jsonb_agg(jsonb_build_object('subject', x.r ->> 'subject', 'subject_kind', x.r ->> 'subject_kind',
                                                                    'blocked', x.r #> '{result,report,blocked}') ORDER BY x.i), '[]')
                         FROM jsonb_array_elements(v_results) WITH ORDINALITY x(r, i)
                        WHERE x.r #>> '{result,action}' = 'erased'),
            'kept', (SELECT coalesce(jsonb_agg(jsonb_build_object('subject', x.r ->> 'subject', 'subject_kind', x.r ->> 'subject_kind',
                                                                  'bases', x.r #> '{result,bases}') ORDER BY x.i), '[]')
                       FROM jsonb_array_elements(v_results) WITH ORDINALITY x(r, i)
                      WHERE x.r #>> '{result,action}' = 'kept'),
            'failed', '[]'::jsonb);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        -- a concurrent writer's, a cancel's: the caller's to handle
        IF NOT alone OR v_state IN ('40001', '40P01', '55P03', '57014', '57P01', '25001', '25006') THEN
            RAISE;
        END IF;
        UPDATE compliance.erase_tasks t
           SET report = jsonb_build_object('action', 'failed', 'at', clock_timestamp(), 'sqlstate', v_state, 'error', v_message)
         WHERE t.subject = v_subject AND t.subject_kind = v_kind AND t.done_at IS NULL AND t.created_at <= now();
        RAISE WARNING 'the erasure of one subject failed: %', v_message
            USING DETAIL = format('SQLSTATE %s. Its erase tasks stay open, with the error in their report (compliance.erase_tasks); the other subjects go on.', v_state),
                  HINT = 'Remove the cause (often a trigger or constraint of a protected table, or of a table referring to one, refusing the deletion), then CALL compliance.process_erase_tasks_in_batches() again.';
        RETURN jsonb_build_object('tasks', 0, 'erased', '[]'::jsonb, 'kept', '[]'::jsonb,
            'failed', jsonb_build_array(jsonb_build_object('subject', v_subject, 'subject_kind', v_kind,
                                                           'sqlstate', v_state, 'error', v_message)));
    END;
END
$$;
COMMENT ON FUNCTION compliance.erase_tasks_batch(integer, jsonb, boolean) IS
    'Internal to compliance.process_erase_tasks() and compliance.process_erase_tasks_in_batches(): one batch of erase tasks, of at most max_subjects subjects: the first whose tasks are due (subjects NULL) or those of subjects ([{subject, subject_kind}]) whose tasks are due; alone (a batch of one subject): an error other than 40001, 40P01, 55P03 or a cancel leaves the subject''s tasks open with the error in their report, with a WARNING, and is returned under failed.';

CREATE FUNCTION compliance.process_erase_tasks(max_subjects integer DEFAULT NULL) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    RETURN compliance.erase_tasks_batch(max_subjects, NULL, false) - 'failed';
COMMENT ON FUNCTION compliance.process_erase_tasks(integer) IS
    'Opens the erase tasks of contracts that expired by their term, then does the open erase tasks whose time has come, of at most max_subjects subjects (NULL: all) (Art. 10.2, 10.3 of Law 99-Z): a subject with no remaining basis (compliance.remaining_bases: no consent in force, no ground of its own in force, no purpose covering all subjects touching a table with its rows) is erased as by compliance.erase_subject(); otherwise the task is closed as kept, with the bases. The applications the withdrawals answered are completed with the outcome. Consent writers are not held up: they wait only while the erased events are appended at the end; if a basis the batch did not see appeared meanwhile (a consent event, a ground, a lifted block, a registry change), the call fails with 40001 and nothing is done (run it again). Needs READ COMMITTED. Returns the counts and subjects. compliance.process_erase_tasks_in_batches() commits batch by batch and runs a failed batch again.';

-- Erase tasks at scale: the subjects whose tasks are due now, in batches
-- of max_subjects subjects, each committed on its own, as
-- compliance.purge_expired_in_batches() does for the purge.  A batch a
-- concurrent writer makes fail runs again once the writer is done; one
-- that fails again, or for another reason (a table's trigger or
-- constraint refusing a deletion), is done subject by subject: the
-- subject whose erasure fails keeps its tasks open, with the error, and
-- the others go on.  Tasks that fall due meanwhile are the next run's.
CREATE PROCEDURE compliance.process_erase_tasks_in_batches(max_subjects integer DEFAULT 1000,
        INOUT summary jsonb DEFAULT NULL)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_kinds text[];
    v_subjects text[];
    v_total integer;
    v_done integer := 0;
    v_size integer;
    v_one_by_one_until integer := 0;
    v_slice jsonb;
    v_report jsonb;
    v_tasks bigint := 0;
    v_erased integer := 0;
    v_kept integer := 0;
    v_failed integer := 0;
    v_batches integer := 0;
    v_started timestamptz := pg_catalog.clock_timestamp();
    v_try integer;
    v_ok boolean;
    v_message text;
BEGIN
    IF max_subjects IS NULL OR max_subjects < 1 THEN
        RAISE EXCEPTION 'max_subjects must be a positive number'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'E.g. CALL compliance.process_erase_tasks_in_batches(1000);';
    END IF;
    PERFORM compliance.check_batch_isolation('compliance.process_erase_tasks_in_batches()');
    PERFORM compliance.open_contract_erase_tasks();
    SELECT pg_catalog.array_agg(t.subject_kind ORDER BY t.subject_kind, t.subject),
           pg_catalog.array_agg(t.subject ORDER BY t.subject_kind, t.subject)
      INTO v_kinds, v_subjects
      FROM (SELECT DISTINCT d.subject_kind, d.subject FROM compliance.erase_tasks_due d) t;
    v_total := coalesce(pg_catalog.cardinality(v_subjects), 0);
    COMMIT;
    WHILE v_done < v_total LOOP
        v_size := CASE WHEN v_done < v_one_by_one_until THEN 1 ELSE max_subjects END;
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('subject', u.s, 'subject_kind', u.k))
          INTO v_slice
          FROM unnest(v_subjects[v_done + 1 : v_done + v_size], v_kinds[v_done + 1 : v_done + v_size]) u(s, k);
        v_ok := false;
        FOR v_try IN 1 .. 3 LOOP
            BEGIN
                v_report := compliance.erase_tasks_batch(v_size, v_slice, v_size = 1);
                v_ok := true;
                EXIT;
            EXCEPTION
                WHEN serialization_failure OR deadlock_detected OR lock_not_available THEN
                    -- a consent writer, or a lock held by another transaction:
                    -- again once that writer is done
                    GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT;
                    PERFORM compliance.wait_for_consent_writers();
                WHEN admin_shutdown OR active_sql_transaction OR read_only_sql_transaction THEN
                    RAISE;
                WHEN OTHERS THEN
                    -- a batch of one has logged what is its subject's own:
                    -- anything else is the caller's (a cancel, a read-only
                    -- transaction, the isolation)
                    IF v_size = 1 THEN
                        RAISE;
                    END IF;
                    EXIT;
            END;
        END LOOP;
        IF NOT v_ok AND v_size > 1 THEN
            -- which subjects of the batch fail: each on its own
            v_one_by_one_until := v_done + v_size;
            CONTINUE;
        ELSIF NOT v_ok THEN
            -- overtaken three times by writers of this subject
            v_failed := v_failed + 1;
            v_done := v_done + 1;
            RAISE WARNING 'the erase tasks of one subject were left for the next run: %', v_message
                USING DETAIL = 'Its batch was overtaken three times by other transactions on it; its tasks stay open; the other subjects go on.',
                      HINT = 'CALL compliance.process_erase_tasks_in_batches() again later.';
            CONTINUE;
        END IF;
        COMMIT;
        v_done := v_done + v_size;
        v_batches := v_batches + 1;
        v_tasks := v_tasks + (v_report ->> 'tasks')::bigint;
        v_erased := v_erased + pg_catalog.jsonb_array_length(v_report -> 'erased');
        v_kept := v_kept + pg_catalog.jsonb_array_length(v_report -> 'kept');
        v_failed := v_failed + pg_catalog.jsonb_array_length(v_report -> 'failed');
        RAISE NOTICE 'erase tasks: % of % subjects done, % tasks closed, % subjects erased, % kept on other bases, % failed',
            LEAST(v_done, v_total), v_total, v_tasks, v_erased, v_kept, v_failed
            USING DETAIL = pg_catalog.format('%s batch(es) committed in %s s; each task keeps its report in compliance.erase_tasks.',
                                             v_batches, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1));
    END LOOP;
    summary := pg_catalog.jsonb_build_object('tasks', v_tasks, 'batches', v_batches, 'erased', v_erased, 'kept', v_kept,
                                             'failed', v_failed);
END
$$;
COMMENT ON PROCEDURE compliance.process_erase_tasks_in_batches(integer, jsonb) IS
    'Does the erase tasks whose time has come as compliance.process_erase_tasks() does (Art. 10.2, 10.3 of Law 99-Z), for the subjects whose tasks are due when it starts, max_subjects subjects per transaction: each batch commits on its own, a NOTICE after each says how far it got, a cancel or crash loses only the batch under way. A batch overtaken by a concurrent writer runs again once the writer is done; one that fails again, or otherwise (a table''s trigger or constraint refusing a deletion), is done subject by subject, and a subject whose erasure fails keeps its tasks open with the error in their report (a WARNING says so) while the others go on. Returns a summary: tasks, batches, erased, kept, failed. CALL it outside a transaction block, at READ COMMITTED.';

-- ---------------------------------------------------------------------
-- Dropped tables leave the subject-rights registry
-- ---------------------------------------------------------------------

CREATE FUNCTION compliance.on_sql_drop_subject_rights() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM compliance.retained_tables t
     WHERE t.relid::oid IN (SELECT d.objid FROM pg_event_trigger_dropped_objects() d WHERE d.object_type = 'table');
    DELETE FROM compliance.data_sources s
     WHERE s.relid::oid IN (SELECT d.objid FROM pg_event_trigger_dropped_objects() d WHERE d.object_type = 'table');
END
$$;
COMMENT ON FUNCTION compliance.on_sql_drop_subject_rights() IS
    'Event trigger: forgets the data source and the retention mark of dropped tables.';
CREATE EVENT TRIGGER compliance_sql_drop_subject_rights ON sql_drop
    EXECUTE FUNCTION compliance.on_sql_drop_subject_rights();

-- ---------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------
REVOKE EXECUTE ON FUNCTION
    compliance.set_retained(regclass, text, interval, name),
    compliance.basis_end(text, text, integer),
    compliance.purposes_touching(regclass),
    compliance.ground_end(text, text, regclass),
    compliance.retention_term_run(regclass, timestamptz, timestamptz),
    compliance.erase_subject(text, bigint, text),
    compliance.erase_subject_run(text, bigint, text, boolean),
    compliance.append_erasures(jsonb, jsonb, jsonb),
    compliance.erasure_registry_digest(),
    compliance.open_contract_erase_tasks(),
    compliance.check_batch_isolation(text),
    compliance.purge_batch_start(text),
    compliance.wait_for_table_writers(regclass[], integer[]),
    compliance.erase_rows(regclass, text, jsonb),
    compliance.erase_task_on_withdrawal(),
    compliance.erase_task_on_contract_end(),
    compliance.remaining_bases(text, text),
    compliance.process_erase_tasks(integer),
    compliance.close_erase_tasks(jsonb),
    compliance.erase_tasks_batch(integer, jsonb, boolean),
    compliance.on_sql_drop_subject_rights(),
    compliance.notify_on_block(),
    compliance.confirm_erasure_notice(bigint, timestamptz)
FROM PUBLIC;
REVOKE ALL ON compliance.recipient_notices, compliance.erasure_notices FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.confirm_erasure_notice(bigint, timestamptz) TO compliance_officer;
GRANT SELECT ON compliance.recipient_notices, compliance.erasure_notices TO compliance_officer, compliance_analyst;
GRANT EXECUTE ON FUNCTION compliance.set_retained(regclass, text, interval, name) TO compliance_admin;
GRANT EXECUTE ON FUNCTION
    compliance.erase_subject(text, bigint, text),
    compliance.remaining_bases(text, text),
    compliance.process_erase_tasks(integer),
    compliance.erase_tasks_batch(integer, jsonb, boolean),
    compliance.open_contract_erase_tasks(),
    compliance.check_batch_isolation(text)
TO compliance_officer;
REVOKE EXECUTE ON PROCEDURE compliance.process_erase_tasks_in_batches(integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE compliance.process_erase_tasks_in_batches(integer, jsonb) TO compliance_officer;
GRANT SELECT ON compliance.retained_tables TO compliance_admin, compliance_officer, compliance_analyst;
GRANT SELECT ON compliance.erase_tasks, compliance.erase_tasks_due TO compliance_officer, compliance_analyst;
