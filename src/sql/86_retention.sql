-- Storage limitation (Art. 4.8 of Law 99-Z): personal data are kept in a
-- form identifying the subject no longer than the purposes require.
--
-- A purpose's retention runs from the end of a subject's basis for it: a
-- consent withdrawn or expired, a block (Art. 13.2), a completed erase or
-- stop-processing request (Art. 13).  A purpose on a basis other than
-- consent needs no consent: its basis is current for every subject until a
-- block or such a request ends it.  A subject's rows in a protected table
-- are expired once no purpose that may touch that table (Art. 4.5: its data
-- items name a column of the table, or are unrestricted) still has a
-- current basis for the subject or an unexpired retention.  When a basis
-- ended (basis_end) and which purposes may touch a table
-- (purposes_touching) are defined with erasure (74_erasure.sql), which keeps
-- the rows of retained tables until their term has run.
--
-- expired_data() lists them; purge_expired() deletes them through the
-- erasure machinery of 74_erasure.sql, blocks what a table retained by law
-- keeps, and records its report in purge_log.  Both read and change
-- protected tables whatever the caller's declared purpose (the law itself
-- demands this processing): SECURITY DEFINER, owned by the superuser who
-- created the extension, with enforcement off in their SET clause.

-- The expired rows, per protected table and subject; only_subjects limits
-- the scan to those subjects (by the subject column, so an index is used).
-- Rows of a table retained by law whose subject is already blocked are in
-- their lawful state (Art. 13.2) until their term has run
-- (compliance.retained_tables): listed only once some row's has.
--
-- basis_end() decides each subject's basis, except for two kinds of
-- subject that are nearly all of them at scale, decided without a call per
-- subject, table and purpose (0.06 to 0.1 ms each: 137 s for 100,000
-- subjects in five tables, against 2.6 s) and with the answer basis_end()
-- would give:
--   * in force: not blocked, with a consent in force for a consent purpose
--     that may touch the table and is not retired, and no erase or
--     stop-processing request carried out after it; or, when a purpose in
--     force for all subjects may touch the table, with no block and no such
--     request at all.  basis_end() is infinity for that purpose: never
--     expired.
--   * nothing recorded: no consent and no ground for a purpose that may
--     touch the table, no block, no such request.  Every input of
--     basis_end() is empty, as for a NULL subject: its answer for a NULL
--     subject, computed once per table, is the subject's.
-- sql/expired_count.sql compares the result with the call per subject and
-- purpose on varied data.
CREATE FUNCTION compliance.retention_expiry(only_subjects text[] DEFAULT NULL)
    RETURNS TABLE (tbl regclass, subject text, purpose text, expired_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
#variable_conflict use_column
DECLARE
    v_match text;
    v_cond text;
    v_key text;
    v_from text;
    v_consent compliance.purpose[];
    v_touching compliance.purpose[];
    v_all_subjects boolean;
    v_none_code text;
    v_none_until timestamptz;
    r record;
BEGIN
    FOR r IN
        SELECT p.relid, p.subject_column, p.subject_kind, format_type(a.atttypid, a.atttypmod) AS column_type,
               t.ground IS NOT NULL AS retained, t.period, f.attname AS from_column,
               compliance.purposes_touching(p.relid) AS purposes
          FROM compliance.protected_tables p
          JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = p.subject_column
          LEFT JOIN compliance.retained_tables t ON t.relid = p.relid
          -- the term's column, while it is a live date or timestamp column
          LEFT JOIN pg_attribute f ON f.attrelid = t.relid AND f.attname = t.from_column
                                  AND f.attnum > 0 AND NOT f.attisdropped
                                  AND f.atttypid IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype)
         ORDER BY p.relid::text
    LOOP
        IF only_subjects IS NULL THEN
            v_match := format('k.%I IS NOT NULL', r.subject_column);
        ELSE
            -- each key as compliance.subject_match() compares it; keys
            -- that cannot be a value of the column's type match nothing
            v_match := NULL;
            FOR v_key IN SELECT DISTINCT u.k FROM unnest(only_subjects) AS u(k) WHERE u.k IS NOT NULL ORDER BY 1 LOOP
                v_cond := compliance.subject_match(v_key, r.subject_column, r.column_type, 'k');
                CONTINUE WHEN v_cond IS NULL;
                v_match := concat_ws(' OR ', v_match, '(' || v_cond || ')');
            END LOOP;
            CONTINUE WHEN v_match IS NULL;
        END IF;
        -- per subject: the earliest date of a retained row whose term has
        -- run (compared, not cast: a date past the timestamp range must not
        -- fail the scan), and whether some row counts from the end of the
        -- ground instead (no date, or an infinite one)
        v_from := CASE WHEN r.from_column IS NOT NULL
                       THEN format('min(k.%1$I) FILTER (WHERE isfinite(k.%1$I) AND k.%1$I <= %2$L::timestamptz)::timestamptz,'
                                   ' bool_or(k.%1$I IS NULL OR NOT isfinite(k.%1$I))',
                                   r.from_column, pg_catalog.now() - r.period)
                       ELSE 'NULL::timestamptz, true' END;
        -- The purposes that decide the two kinds of subject above, and the
        -- answer for a subject of whom nothing is recorded.
        SELECT coalesce(array_agg(p.code::compliance.purpose ORDER BY p.id)
                            FILTER (WHERE p.legal_basis = 'consent' AND p.retired_at IS NULL), '{}'),
               coalesce(array_agg(p.code::compliance.purpose ORDER BY p.id), '{}'),
               coalesce(bool_or(p.legal_basis <> 'consent' AND p.basis_scope = 'all_subjects' AND p.retired_at IS NULL), false)
          INTO v_consent, v_touching, v_all_subjects
          FROM compliance.purposes p
         WHERE p.id = ANY (r.purposes);
        v_none_code := NULL;
        v_none_until := NULL;
        SELECT p.code, compliance.basis_end(NULL, r.subject_kind, p.id) + coalesce(p.retention, interval '0')
          INTO v_none_code, v_none_until
          FROM compliance.purposes p
         WHERE p.id = ANY (r.purposes)
         ORDER BY 2 DESC NULLS LAST, p.id
         LIMIT 1;
        -- The purpose whose retention ends last decides; none with a
        -- basis ever: expired, with no purpose and no date.
        -- the subjects are read as the table's owner (owner.c); the rest here
        RETURN QUERY
            SELECT r.relid::regclass, s.subject,
                   CASE WHEN x.until IS NOT NULL THEN x.code END,
                   CASE WHEN b.blocked THEN greatest(x.until, kept.until) ELSE x.until END
              FROM jsonb_array_elements(compliance.read_as_table_owner(r.relid,
                       format('SELECT coalesce(jsonb_agg(jsonb_build_array(x.s, x.f, x.n)), ''[]'') FROM (SELECT k.%I::text, %s FROM %s AS k WHERE %s GROUP BY 1) AS x(s, f, n)',
                              r.subject_column, v_from, r.relid, v_match))::jsonb) AS e(v)
             CROSS JOIN LATERAL (SELECT e.v ->> 0 AS subject, (e.v ->> 1)::timestamptz AS first_from,
                                        (e.v ->> 2)::boolean AS from_ground) s
             -- which kind of subject (see above); every test an index lookup
             CROSS JOIN LATERAL (
                   SELECT CASE
                       WHEN EXISTS (SELECT FROM compliance.blocked_subjects bs
                                     WHERE bs.subject = s.subject AND bs.subject_kind = r.subject_kind)
                       THEN 'judged'
                       WHEN EXISTS (SELECT FROM compliance.consent_state cs
                                     WHERE cs.subject = s.subject AND cs.subject_kind = r.subject_kind
                                       AND cs.purpose = ANY (v_consent) AND cs.status IN ('given', 'renewed')
                                       AND (cs.valid_until IS NULL OR cs.valid_until > pg_catalog.now())
                                       AND NOT EXISTS (SELECT FROM compliance.subject_requests q
                                                        WHERE q.subject = s.subject AND q.subject_kind = r.subject_kind
                                                          AND q.kind IN ('erase', 'stop_processing')
                                                          AND q.outcome IN ('fulfilled', 'blocked')
                                                          AND q.completed_at > coalesce(cs.given_at, '-infinity')))
                       THEN 'in_force'
                       WHEN EXISTS (SELECT FROM compliance.subject_requests q
                                     WHERE q.subject = s.subject AND q.subject_kind = r.subject_kind
                                       AND q.kind IN ('erase', 'stop_processing')
                                       AND q.outcome IN ('fulfilled', 'blocked'))
                       THEN 'judged'
                       WHEN v_all_subjects THEN 'in_force'
                       WHEN EXISTS (SELECT FROM compliance.consent_state cs
                                     WHERE cs.subject = s.subject AND cs.subject_kind = r.subject_kind
                                       AND cs.purpose = ANY (v_touching))
                         OR EXISTS (SELECT FROM compliance.subject_grounds g
                                     WHERE g.subject = s.subject AND g.subject_kind = r.subject_kind
                                       AND g.purpose = ANY (v_touching))
                       THEN 'judged'
                       ELSE 'nothing_recorded' END AS kind) c
              LEFT JOIN LATERAL (
                   SELECT v_none_code AS code, v_none_until AS until
                    WHERE c.kind = 'nothing_recorded'
                   UNION ALL
                   (SELECT p.code, compliance.basis_end(s.subject, r.subject_kind, p.id) + coalesce(p.retention, interval '0')
                      FROM compliance.purposes p
                     WHERE p.id = ANY (r.purposes) AND c.kind = 'judged'
                     ORDER BY 2 DESC NULLS LAST, p.id
                     LIMIT 1)) x ON true
             CROSS JOIN LATERAL (
                   SELECT r.retained AND EXISTS (SELECT FROM compliance.blocked_subjects b
                                                  WHERE b.subject = s.subject AND b.subject_kind = r.subject_kind) AS blocked) b
             -- when the first retained row's term runs out (Art. 4.8, 13.3)
              LEFT JOIN LATERAL (
                   SELECT least(s.first_from,
                                CASE WHEN s.from_ground
                                     -- nothing recorded (data older than the extension): from the block
                                     THEN coalesce(compliance.ground_end(s.subject, r.subject_kind, r.relid),
                                                   (SELECT bs.blocked_at FROM compliance.blocked_subjects bs
                                                     WHERE bs.subject = s.subject AND bs.subject_kind = r.subject_kind)) END)
                          + r.period AS until
                    WHERE b.blocked) kept ON true
             WHERE c.kind <> 'in_force'
               AND (x.until IS NULL OR x.until <= pg_catalog.now())
               AND (NOT b.blocked OR kept.until <= pg_catalog.now())
             ORDER BY s.subject;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.retention_expiry(text[]) IS
    'Internal to compliance.expired_data() and compliance.purge_expired(): the expired rows per protected table and subject, for every subject (NULL) or only those given.';

CREATE FUNCTION compliance.expired_data()
    RETURNS TABLE (tbl regclass, subject text, purpose text, expired_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
    SELECT e.tbl, e.subject, e.purpose, e.expired_at
      FROM compliance.retention_expiry(NULL) e
     ORDER BY e.tbl::text, e.subject
$$;
COMMENT ON FUNCTION compliance.expired_data() IS
    'Personal data kept past their time (Art. 4.8 of Law 99-Z): per protected table and subject, rows that no purpose which may touch the table still has a current basis for, nor an unexpired retention after its basis ended (consent withdrawn or expired, block, fulfilled erase request). purpose and expired_at name the purpose whose retention ended last; both are NULL if no such purpose ever had a basis for the subject. Rows of retained tables whose subject is blocked are not listed. Scans every protected table.';

-- The count of expired data the officer's dashboard shows (94_dashboard.sql).
-- expired_data() reads every protected table, about a minute for a
-- million subjects (doc/benchmarks.md): a view read many times a day
-- cannot run it, and no index over consents, grounds and blocks can find
-- the subjects that have rows but nothing recorded (data older than the
-- extension, or written with enforcement off), short of reading the
-- tables.  So the count is taken, whole, by count_expired_data(), and
-- kept with the time expired_data() judged at (counted_at); the dashboard
-- shows that time beside it.  One row, replaced by each count.
CREATE TABLE compliance.expired_data_count (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    counted_at  timestamptz NOT NULL,
    counted_by  name NOT NULL DEFAULT session_user,
    took        interval NOT NULL,
    expired     bigint NOT NULL CHECK (expired >= 0),
    subjects    bigint NOT NULL CHECK (subjects >= 0),
    unrecorded  bigint NOT NULL CHECK (unrecorded >= 0),
    earliest_expired_at timestamptz,
    per_table   jsonb NOT NULL CHECK (jsonb_typeof(per_table) = 'object')
);
COMMENT ON TABLE compliance.expired_data_count IS
    'The last count of compliance.expired_data() (Art. 4.8 of Law 99-Z), shown by compliance.officer_dashboard with its time: what expired_data() returned at counted_at. One row, replaced by compliance.count_expired_data() (called by compliance.check_deadlines() and at the end of compliance.purge_expired_in_batches()). Not dumped: a restored database counts again.';
COMMENT ON COLUMN compliance.expired_data_count.counted_at IS 'The time expired_data() judged the data at (the counting transaction''s start): the figures are as of then.';
COMMENT ON COLUMN compliance.expired_data_count.took IS 'How long the count took.';
COMMENT ON COLUMN compliance.expired_data_count.expired IS 'Rows of expired_data(): protected table and subject pairs past their time.';
COMMENT ON COLUMN compliance.expired_data_count.subjects IS 'Distinct subjects (kind and key) among them.';
COMMENT ON COLUMN compliance.expired_data_count.unrecorded IS 'Rows with no purpose: no purpose that may touch the table ever had a basis for the subject (purges leave them unless purge_unrecorded).';
COMMENT ON COLUMN compliance.expired_data_count.earliest_expired_at IS 'The earliest expired_at among them (NULL if none has a date).';
COMMENT ON COLUMN compliance.expired_data_count.per_table IS 'Rows per protected table, {"table": n}.';

CREATE FUNCTION compliance.count_expired_data() RETURNS compliance.expired_data_count
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count compliance.expired_data_count;
    v_started timestamptz := clock_timestamp();
BEGIN
    WITH e AS (
        SELECT e.tbl, e.subject, e.purpose, e.expired_at, p.subject_kind
          FROM compliance.expired_data() e
          JOIN compliance.protected_tables p ON p.relid = e.tbl
    )
    SELECT true, now(), session_user, interval '0',
           (SELECT count(*) FROM e),
           (SELECT count(*) FROM (SELECT DISTINCT e.subject_kind, e.subject FROM e) d),
           (SELECT count(*) FROM e WHERE e.purpose IS NULL),
           (SELECT min(e.expired_at) FROM e),
           (SELECT coalesce(jsonb_object_agg(t.tbl, t.n), '{}')
              FROM (SELECT e.tbl::text AS tbl, count(*) AS n FROM e GROUP BY 1) t)
      INTO v_count;
    v_count.took := clock_timestamp() - v_started;
    -- a count that started earlier than the one kept does not replace it
    INSERT INTO compliance.expired_data_count AS c
    VALUES (v_count.*)
    ON CONFLICT (singleton) DO UPDATE
       SET counted_at = excluded.counted_at, counted_by = excluded.counted_by, took = excluded.took,
           expired = excluded.expired, subjects = excluded.subjects, unrecorded = excluded.unrecorded,
           earliest_expired_at = excluded.earliest_expired_at, per_table = excluded.per_table
     WHERE c.counted_at <= excluded.counted_at;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION compliance.count_expired_data() IS
    'Counts compliance.expired_data() (Art. 4.8 of Law 99-Z) and keeps the count in compliance.expired_data_count, where compliance.officer_dashboard shows it with the time it was taken; returns the count. Reads every protected table, as expired_data() does; holds no lock that writers need. Called by compliance.check_deadlines() and at the end of compliance.purge_expired_in_batches().';

-- Purges: what was deleted or blocked, when and by whom (Art. 4.8, 17.1).
CREATE SEQUENCE compliance.purge_log_id_seq AS bigint;
CREATE TABLE compliance.purge_log (
    id          bigint PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.purge_log_id_seq'),
    purged_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    purged_by   name NOT NULL DEFAULT session_user,
    subjects    integer NOT NULL,
    rows_deleted bigint NOT NULL,
    report      jsonb NOT NULL
);
ALTER SEQUENCE compliance.purge_log_id_seq OWNED BY compliance.purge_log.id;
COMMENT ON TABLE compliance.purge_log IS
    'One row per run of compliance.purge_expired() (Art. 4.8 of Law 99-Z): how many subjects and rows it reached, and its report. Written only by purge_expired().';
COMMENT ON COLUMN compliance.purge_log.report IS 'The jsonb report purge_expired() returned: deleted, cascaded, retained, refused and blocked, per subject.';
SELECT pg_catalog.pg_extension_config_dump('compliance.purge_log', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.purge_log_id_seq', '');

-- Cascading foreign keys into a table, in the form erase_rows() counts.
CREATE FUNCTION compliance.fk_cascades(tbl regclass) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'table', f.child::text, 'via', tbl::text, 'constraint', f.conname,
               'action', CASE f.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' ELSE 'set default' END,
               'join_on', f.join_on) ORDER BY f.child::text, f.conname), '[]')
      FROM (SELECT c.conname, c.conrelid::regclass AS child, c.confdeltype,
                   string_agg(format('ref.%I = subject_row.%I', ca.attname, pa.attname), ' AND ') AS join_on
              FROM pg_constraint c
              CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(fkey, pkey)
              JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.fkey
              JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pkey
             WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = fk_cascades.tbl
               AND c.confdeltype IN ('c', 'n', 'd')
             GROUP BY c.oid, c.conname, c.conrelid, c.confdeltype) f
$$;
COMMENT ON FUNCTION compliance.fk_cascades(regclass) IS
    'Internal to compliance.purge_expired(): the foreign keys with ON DELETE CASCADE, SET NULL or SET DEFAULT that refer to a table, as compliance.erase_rows() takes them.';

-- The purge itself; purge_expired() runs it, or runs it and undoes it.
CREATE FUNCTION compliance.purge_expired_run(purge_unrecorded boolean, only_subjects text[] DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
DECLARE
    v_unrecorded boolean;
    v_skipped jsonb := '[]';
    v_now timestamptz := now();
    v_subject text;
    v_kind text;
    v_expired regclass[];
    v_held regclass[];
    v_order regclass[];
    v_tbl regclass;
    v_match text;
    v_ground text;
    v_run text;
    v_blocked boolean;
    v_consents boolean;
    v_n bigint;
    v_res jsonb;
    v_rep jsonb;
    v_deferred text[];
    v_msg text;
    v_con text;
    v_ctab text;
    v_csch text;
    v_subjects integer := 0;
    v_rows bigint := 0;
    v_erased jsonb := '[]';
    v_deleted jsonb := '[]';
    v_cascaded jsonb := '[]';
    v_retained jsonb := '[]';
    v_refused jsonb := '[]';
    v_newly_blocked jsonb := '[]';
    v_report jsonb;
    v_fk record;
    v_keep text[];
    v_batch jsonb;
    v_blocked_at timestamptz;
    v_acted jsonb := '[]';
    v_erasures jsonb := '[]';
    v_grounds bigint[];
BEGIN
    -- Consent writers go on while the purge decides and deletes; it takes
    -- the chain's head only at the end, and fails with 40001 if a basis it
    -- did not see appeared meanwhile (compliance.append_erasures).
    v_batch := compliance.purge_batch_start('compliance.purge_expired()');

    FOR v_subject, v_kind, v_expired, v_unrecorded, v_grounds, v_blocked_at IN
        SELECT e.subject, p.subject_kind, array_agg(e.tbl ORDER BY e.tbl::text),
               bool_and(e.purpose IS NULL),
               -- the grounds and the block the decision saw (one
               -- snapshot), for the check at the end
               (SELECT coalesce(array_agg(g.id), '{}') FROM compliance.subject_grounds g
                 WHERE g.subject = e.subject AND g.subject_kind = p.subject_kind),
               (SELECT b.blocked_at FROM compliance.blocked_subjects b
                 WHERE b.subject = e.subject AND b.subject_kind = p.subject_kind)
          -- a batch: only these subjects, looked up by their keys
          FROM compliance.retention_expiry(only_subjects) e
          JOIN compliance.protected_tables p ON p.relid = e.tbl
         GROUP BY e.subject, p.subject_kind ORDER BY e.subject, p.subject_kind
    LOOP
        -- Nothing was ever recorded of the subject (no consent, no ground):
        -- its rows are likely older than the extension, not past their
        -- time.  They go only when the officer says so.
        IF v_unrecorded AND NOT purge_unrecorded THEN
            v_skipped := v_skipped || jsonb_build_object('subject', v_subject, 'subject_kind', v_kind,
                                                         'tables', to_jsonb(v_expired::text[]));
            CONTINUE;
        END IF;
        v_subjects := v_subjects + 1;
        v_acted := v_acted || jsonb_build_object('subject', v_subject, 'subject_kind', v_kind, 'grounds', v_grounds,
                                                 'blocked_at', v_blocked_at);
        SELECT coalesce(array_agg(h.relid), '{}') INTO v_held
          FROM compliance.tables_holding(v_subject, v_kind) h;
        v_blocked := v_blocked_at IS NOT NULL;
        v_consents := EXISTS (SELECT FROM compliance.consent_state s
                               WHERE s.subject = v_subject AND s.subject_kind = v_kind AND s.status IN ('given', 'renewed')
                                 AND (s.valid_until IS NULL OR s.valid_until > v_now));

        IF v_held <@ v_expired AND NOT v_blocked AND NOT v_consents THEN
            -- Nothing of the subject may be kept: erase it as on an
            -- application (Art. 13), with what must stay blocked.
            v_rep := compliance.erase_subject_run(v_subject, NULL, v_kind, true);
            v_erasures := v_erasures || jsonb_build_array(v_rep);
            v_erased := v_erased || jsonb_build_object('subject', v_subject, 'subject_kind', v_kind);
            v_deleted := v_deleted || coalesce((SELECT jsonb_agg(jsonb_build_object('subject', v_subject, 'subject_kind', v_kind) || d ORDER BY n)
                                                  FROM jsonb_array_elements(v_rep -> 'deleted') WITH ORDINALITY x(d, n)), '[]');
            v_cascaded := v_cascaded || coalesce((SELECT jsonb_agg(jsonb_build_object('subject', v_subject, 'subject_kind', v_kind) || d ORDER BY n)
                                                    FROM jsonb_array_elements(v_rep -> 'cascaded') WITH ORDINALITY x(d, n)), '[]');
            v_retained := v_retained || coalesce((SELECT jsonb_agg(jsonb_build_object('subject', v_subject, 'subject_kind', v_kind) || d
                                                                   || jsonb_build_object('blocked', true) ORDER BY n)
                                                    FROM jsonb_array_elements(v_rep -> 'retained') WITH ORDINALITY x(d, n)), '[]');
            v_refused := v_refused || coalesce((SELECT jsonb_agg(jsonb_build_object('subject', v_subject, 'subject_kind', v_kind) || d ORDER BY n)
                                                  FROM jsonb_array_elements(v_rep -> 'refused') WITH ORDINALITY x(d, n)), '[]');
            IF (v_rep ->> 'blocked')::boolean THEN
                v_newly_blocked := v_newly_blocked || jsonb_build_object('subject', v_subject, 'subject_kind', v_kind);
            END IF;
            v_rows := v_rows + coalesce((SELECT sum((d ->> 'rows')::bigint) FROM jsonb_array_elements(v_rep -> 'deleted') d), 0);
            CONTINUE;
        END IF;

        -- Only some tables expired (the subject is still processed on other
        -- bases), or the subject is blocked: delete table by table, children
        -- first; nothing is blocked, and the consents stay as they are.
        v_order := compliance.delete_order(v_expired);

        -- checked now, not at commit, so a violation is reported here
        v_deferred := compliance.check_foreign_keys_now(v_order);

        FOREACH v_tbl IN ARRAY v_order LOOP
            SELECT compliance.subject_match(v_subject, p.subject_column, format_type(a.atttypid, a.atttypmod), 'subject_row'),
                   t.ground
              INTO v_match, v_ground
              FROM compliance.protected_tables p
              JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = p.subject_column
              LEFT JOIN compliance.retained_tables t ON t.relid = p.relid
             WHERE p.relid = v_tbl;
            -- rows that other subjects' rows refer to with a cascading
            -- action stay (see compliance.foreign_subject_refs)
            v_keep := '{}';
            FOR v_fk IN SELECT * FROM compliance.foreign_subject_refs(v_tbl, v_kind, v_match) LOOP
                v_keep := v_keep || v_fk.keep;
                v_refused := v_refused || jsonb_build_array(
                    jsonb_build_object('subject', v_subject, 'subject_kind', v_kind) || v_fk.refused);
            END LOOP;
            v_match := format('%s AND NOT (%s)', v_match,
                              coalesce(nullif(array_to_string(v_keep, ' OR '), ''), 'false'));
            IF v_ground IS NOT NULL THEN
                -- Kept by law (Art. 13.3) until the row's term has run.  No
                -- purpose that may touch the table has a basis, so
                -- enforcement already keeps them from being processed; a
                -- block would stop the subject's other processing too.
                v_run := compliance.retention_term_run(v_tbl,
                    coalesce(compliance.ground_end(v_subject, v_kind, v_tbl),
                             (SELECT b.blocked_at FROM compliance.blocked_subjects b
                               WHERE b.subject = v_subject AND b.subject_kind = v_kind)), v_now);
                v_n := compliance.read_as_table_owner(v_tbl,
                    format('SELECT count(*) FROM %s AS subject_row WHERE (%s) AND NOT (%s)',
                           v_tbl, v_match, v_run))::bigint;
                IF v_n > 0 THEN
                    v_retained := v_retained || jsonb_build_array(jsonb_build_object(
                        'subject', v_subject, 'subject_kind', v_kind, 'table', v_tbl::text, 'rows', v_n, 'ground', v_ground, 'blocked', v_blocked));
                END IF;
                CONTINUE WHEN v_run = 'false';
                -- past their term: deleted as any expired row (Art. 4.8)
                v_match := format('(%s) AND (%s)', v_match, v_run);
            END IF;
            BEGIN
                v_res := compliance.erase_rows(v_tbl, v_match, compliance.fk_cascades(v_tbl));
                IF (v_res ->> 'rows')::bigint > 0 THEN
                    v_deleted := v_deleted || jsonb_build_array(jsonb_build_object(
                        'subject', v_subject, 'subject_kind', v_kind, 'table', v_tbl::text, 'rows', v_res -> 'rows'));
                    v_rows := v_rows + (v_res ->> 'rows')::bigint;
                END IF;
                v_cascaded := v_cascaded || coalesce((SELECT jsonb_agg(jsonb_build_object('subject', v_subject, 'subject_kind', v_kind) || d ORDER BY n)
                                                        FROM jsonb_array_elements(v_res -> 'cascaded') WITH ORDINALITY x(d, n)), '[]');
            EXCEPTION WHEN foreign_key_violation OR restrict_violation THEN
                GET STACKED DIAGNOSTICS v_msg = MESSAGE_TEXT, v_con = CONSTRAINT_NAME,
                                        v_ctab = TABLE_NAME, v_csch = SCHEMA_NAME;
                v_n := compliance.read_as_table_owner(v_tbl,
                    format('SELECT count(*) FROM %s AS subject_row WHERE %s', v_tbl, v_match))::bigint;
                v_refused := v_refused || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                    'subject', v_subject, 'subject_kind', v_kind, 'table', v_tbl::text, 'rows', v_n, 'constraint', v_con,
                    'referencing_table', CASE WHEN v_ctab <> '' THEN format('%I.%I', v_csch, v_ctab)::regclass::text END,
                    'reason', v_msg)));
            END;
        END LOOP;

        IF v_deferred IS NOT NULL THEN
            EXECUTE 'SET CONSTRAINTS ' || array_to_string(v_deferred, ', ') || ' DEFERRED';
        END IF;
    END LOOP;

    -- the erased events, appended together (the head is held from here);
    -- the erase tasks of the subjects erased are done with them, or a
    -- task due later would erase them a second time
    v_erasures := compliance.append_erasures(v_erasures, v_batch, v_acted);
    PERFORM compliance.close_erase_tasks(coalesce(jsonb_agg(jsonb_build_object(
                'subject', r ->> 'subject', 'subject_kind', r ->> 'subject_kind',
                'result', jsonb_build_object('action', 'erased', 'by', 'compliance.purge_expired()', 'report', r))), '[]'))
       FROM jsonb_array_elements(v_erasures) r;

    v_report := jsonb_build_object(
        'purged_at', v_now, 'subjects', v_subjects, 'rows_deleted', v_rows,
        'erased', v_erased, 'deleted', v_deleted, 'cascaded', v_cascaded,
        'retained', v_retained, 'refused', v_refused, 'blocked', v_newly_blocked,
        'skipped_unrecorded', v_skipped);
    INSERT INTO compliance.purge_log (purged_at, subjects, rows_deleted, report)
    VALUES (v_now, v_subjects, v_rows, v_report);
    RETURN v_report;
END
$$;
COMMENT ON FUNCTION compliance.purge_expired_run(boolean, text[]) IS
    'Internal to compliance.purge_expired() and compliance.purge_expired_in_batches(): the purge, of every expired subject or only of those given, logged in compliance.purge_log.';

CREATE FUNCTION compliance.purge_expired(dry_run boolean DEFAULT false,
        purge_unrecorded boolean DEFAULT false)
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_report jsonb;
    v_try integer;
BEGIN
    IF dry_run IS NULL OR purge_unrecorded IS NULL THEN
        RAISE EXCEPTION 'dry_run and purge_unrecorded must be true or false'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call compliance.purge_expired(dry_run => true) to see what would go.';
    END IF;
    IF NOT dry_run THEN
        -- a consent writer that overtook the purge on one of its subjects
        -- makes it fail (40001): it runs again once the writer is done
        FOR v_try IN 1 .. 3 LOOP
            BEGIN
                RETURN compliance.purge_expired_run(purge_unrecorded, NULL);
            EXCEPTION WHEN serialization_failure THEN
                IF v_try = 3 THEN
                    RAISE;
                END IF;
                PERFORM compliance.wait_for_consent_writers();
            END;
        END LOOP;
    END IF;
    -- The very purge, undone: the report says exactly what a purge now
    -- would delete, block and keep.
    BEGIN
        v_report := compliance.purge_expired_run(purge_unrecorded, NULL);
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'compliance purge dry run';
    EXCEPTION WHEN raise_exception THEN
        IF SQLERRM <> 'compliance purge dry run' THEN
            RAISE;
        END IF;
    END;
    RETURN v_report || jsonb_build_object('dry_run', true);
END
$$;
COMMENT ON FUNCTION compliance.purge_expired(boolean, boolean) IS
    'Deletes the personal data compliance.expired_data() lists (Art. 4.8 of Law 99-Z) and logs the run in compliance.purge_log. A subject with nothing left to keep, no block and no consent in force is erased with compliance.erase_subject() (retained tables blocked, Art. 13.2; an erased event in the consent ledger); otherwise only the expired tables'' rows are deleted, children first, and rows of retained tables are kept. Rows a foreign key keeps are reported as refused. Subjects of whom nothing was ever recorded (no consent, no ground: data older than the extension) are left alone and listed under skipped_unrecorded unless purge_unrecorded. dry_run: the same purge, undone, reporting what would go; nothing is changed or logged. Returns the report: subjects, rows_deleted, erased, deleted, cascaded, retained, refused, blocked, skipped_unrecorded.';

-- Art. 4.8 at scale: a purge of many subjects in batches, each committed on
-- its own, so that a cancel or a crash loses at most the batch under way
-- (its subjects keep all their rows: each is purged whole inside it),
-- consent writers are not held up (they wait only while a batch appends
-- its erased events, just before it commits; a batch that one of them
-- overtook on one of its subjects runs again), and the officer sees how
-- far it got.  A procedure (transaction control) runs
-- with its caller's rights and no SET clause; what it reads and deletes
-- goes through the SECURITY DEFINER functions above, which are the
-- officer's.
CREATE FUNCTION compliance.purge_expired_batch(subjects text[], purge_unrecorded boolean, alone boolean DEFAULT false)
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state text;
    v_message text;
    v_report jsonb;
BEGIN
    IF purge_unrecorded IS NULL OR alone IS NULL THEN
        RAISE EXCEPTION 'purge_unrecorded and alone must be true or false'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass false to leave subjects of whom nothing was ever recorded alone.';
    END IF;
    BEGIN
        -- a NULL key would mean every subject: a batch is the keys it names
        RETURN compliance.purge_expired_run(purge_unrecorded, coalesce(array_remove(subjects, NULL), '{}'));
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        -- a concurrent writer's, a cancel's, the caller's isolation: the
        -- caller's to handle
        IF NOT alone OR cardinality(subjects) <> 1
           OR v_state IN ('40001', '40P01', '55P03', '57014', '57P01', '25001', '25006') THEN
            RAISE;
        END IF;
    END;
    -- The subject's own failure (a trigger or constraint refusing the
    -- deletion): logged, so the officer sees what stays and why.
    v_report := jsonb_build_object('purged_at', now(), 'subjects', 0, 'rows_deleted', 0,
        'failed', jsonb_build_array(jsonb_build_object('subject', subjects[1], 'sqlstate', v_state, 'error', v_message)));
    INSERT INTO compliance.purge_log (purged_at, subjects, rows_deleted, report) VALUES (now(), 0, 0, v_report);
    RAISE WARNING 'the purge of one subject failed: %', v_message
        USING DETAIL = format('SQLSTATE %s. Its rows stay; the failure is in compliance.purge_log. The other subjects go on.', v_state),
              HINT = 'Remove the cause (often a trigger or constraint of a protected table, or of a table referring to one, refusing the deletion), then CALL compliance.purge_expired_in_batches() again.';
    RETURN v_report;
END
$$;
COMMENT ON FUNCTION compliance.purge_expired_batch(text[], boolean, boolean) IS
    'Internal to compliance.purge_expired_in_batches(): purges the given subjects if their data are still expired, as compliance.purge_expired() would, and logs the batch in compliance.purge_log. alone (a batch of one subject): an error other than 40001, 40P01, 55P03, 25001 or a cancel is the subject''s: logged in purge_log under failed, with a WARNING, and returned.';

CREATE PROCEDURE compliance.purge_expired_in_batches(max_subjects integer DEFAULT 1000,
        purge_unrecorded boolean DEFAULT false, INOUT summary jsonb DEFAULT NULL)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_subjects text[];
    v_total integer;
    v_done integer := 0;
    v_batches integer := 0;
    v_rows bigint := 0;
    v_erased integer := 0;
    v_skipped integer := 0;
    v_report jsonb;
    v_started timestamptz := pg_catalog.clock_timestamp();
    v_left compliance.expired_data_count;
    v_try integer;
    v_size integer;
    v_one_by_one_until integer := 0;
    v_failed integer := 0;
    v_ok boolean;
    v_message text;
BEGIN
    IF max_subjects IS NULL OR max_subjects < 1 OR purge_unrecorded IS NULL THEN
        RAISE EXCEPTION 'max_subjects must be a positive number and purge_unrecorded true or false'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'E.g. CALL compliance.purge_expired_in_batches(1000);';
    END IF;
    PERFORM compliance.check_batch_isolation('compliance.purge_expired_in_batches()');
    -- the subjects with expired data now; each batch checks them again
    SELECT pg_catalog.array_agg(DISTINCT e.subject ORDER BY e.subject) INTO v_subjects
      FROM compliance.expired_data() e;
    v_subjects := coalesce(v_subjects, '{}');
    v_total := pg_catalog.cardinality(v_subjects);
    COMMIT;
    WHILE v_done < v_total LOOP
        v_size := CASE WHEN v_done < v_one_by_one_until THEN 1 ELSE max_subjects END;
        v_ok := false;
        FOR v_try IN 1 .. 3 LOOP
            BEGIN
                v_report := compliance.purge_expired_batch(v_subjects[v_done + 1 : v_done + v_size], purge_unrecorded,
                                                           v_size = 1);
                v_ok := true;
                EXIT;
            EXCEPTION
                WHEN serialization_failure OR deadlock_detected OR lock_not_available THEN
                    -- A consent writer that recorded an event of a subject of
                    -- the batch meanwhile (40001), a deadlock with an
                    -- application transaction, a lock it holds: again once
                    -- that writer is done.
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
            RAISE WARNING 'the purge of one subject was left for the next run: %', v_message
                USING DETAIL = 'Its batch was overtaken three times by other transactions on it; its rows stay; the other subjects go on.',
                      HINT = 'CALL compliance.purge_expired_in_batches() again later.';
            CONTINUE;
        END IF;
        v_done := LEAST(v_done + v_size, v_total);
        v_batches := v_batches + 1;
        v_rows := v_rows + (v_report ->> 'rows_deleted')::bigint;
        v_erased := v_erased + coalesce(pg_catalog.jsonb_array_length(v_report -> 'erased'), 0);
        v_skipped := v_skipped + coalesce(pg_catalog.jsonb_array_length(v_report -> 'skipped_unrecorded'), 0);
        v_failed := v_failed + coalesce(pg_catalog.jsonb_array_length(v_report -> 'failed'), 0);
        COMMIT;
        RAISE NOTICE 'purged % of % subjects with expired data: % rows deleted, % subjects erased, % skipped as unrecorded, % failed',
            v_done, v_total, v_rows, v_erased, v_skipped, v_failed
            USING DETAIL = pg_catalog.format('%s batch(es) committed in %s s; each is in compliance.purge_log.',
                                             v_batches, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1));
    END LOOP;
    -- What is left (what foreign keys, the law or the officer keep, and
    -- what expired meanwhile), counted for the dashboard.
    v_left := compliance.count_expired_data();
    COMMIT;
    RAISE NOTICE '% rows of expired data left (protected table and subject), of % subjects', v_left.expired, v_left.subjects
        USING DETAIL = pg_catalog.format('Counted for compliance.officer_dashboard in %s s; the purge took %s s in all.',
                                         pg_catalog.round(extract(epoch FROM v_left.took)::numeric, 1),
                                         pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1));
    summary := pg_catalog.jsonb_build_object('subjects', v_total, 'batches', v_batches, 'rows_deleted', v_rows,
                                             'erased', v_erased, 'skipped_unrecorded', v_skipped, 'failed', v_failed,
                                             'expired_left', v_left.expired);
END
$$;
COMMENT ON PROCEDURE compliance.purge_expired_in_batches(integer, boolean, jsonb) IS
    'Purges the expired data of compliance.expired_data() as compliance.purge_expired() does, max_subjects subjects per transaction (Art. 4.8 of Law 99-Z): each batch commits on its own and is logged in compliance.purge_log, a NOTICE after each says how far it got, a cancel or crash loses only the batch under way (whose subjects keep all their rows), a batch that fails otherwise than by a concurrent writer (a table''s trigger or constraint refusing a deletion) is done subject by subject so that only the subject that fails keeps its rows (logged in compliance.purge_log with the error, and a WARNING), and consent writers are not held up (they wait only while a batch appends its erased events to the consent ledger, just before it commits; a batch overtaken by a consent event of one of its subjects runs again). Then counts what is left for compliance.officer_dashboard (compliance.count_expired_data()), with a last NOTICE. Returns a summary: subjects, batches, rows_deleted, erased, skipped_unrecorded, failed, expired_left (rows of expired_data() after the purge). CALL it outside a transaction block.';

REVOKE EXECUTE ON FUNCTION
    compliance.retention_expiry(text[]),
    compliance.expired_data(),
    compliance.fk_cascades(regclass),
    compliance.purge_expired_run(boolean, text[]),
    compliance.purge_expired_batch(text[], boolean, boolean),
    compliance.purge_expired(boolean, boolean),
    compliance.count_expired_data()
FROM PUBLIC;
REVOKE ALL ON compliance.purge_log, compliance.purge_log_id_seq, compliance.expired_data_count FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.expired_data(), compliance.count_expired_data() TO compliance_officer, compliance_analyst;
GRANT SELECT ON compliance.expired_data_count TO compliance_officer, compliance_analyst;
GRANT EXECUTE ON FUNCTION compliance.purge_expired(boolean, boolean) TO compliance_officer;
GRANT EXECUTE ON FUNCTION compliance.purge_expired_batch(text[], boolean, boolean) TO compliance_officer;
REVOKE EXECUTE ON PROCEDURE compliance.purge_expired_in_batches(integer, boolean, jsonb) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE compliance.purge_expired_in_batches(integer, boolean, jsonb) TO compliance_officer;
GRANT SELECT ON compliance.purge_log TO compliance_officer, compliance_analyst;
