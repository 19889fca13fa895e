-- Row-level enforcement (Art. 4, 6, 8, 10, 13): the row filter the planner
-- adds to protected relations, the write trigger, may_process, and blocks.

-- Art. 13.2: blocked subjects are processed for no purpose until unblocked.
CREATE TABLE compliance.blocked_subjects (
    subject     text NOT NULL,
    subject_kind text NOT NULL REFERENCES compliance.subject_kinds (kind),
    reason      text NOT NULL,
    blocked_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    blocked_by  name NOT NULL DEFAULT session_user,
    PRIMARY KEY (subject, subject_kind)
);
COMMENT ON TABLE compliance.blocked_subjects IS
    'Subjects whose personal data are blocked (Art. 1, 13.2 of Law 99-Z): no purpose may process them until unblocked; nothing is deleted.';
SELECT pg_catalog.pg_extension_config_dump('compliance.blocked_subjects', '');

-- Per-subject cache invalidation (src/subject_changes.c): the row
-- triggers name the subjects that changed, and every session forgets only
-- those from its consent cache once the change commits.  TRUNCATE means
-- every subject.  ENABLE ALWAYS: also under session_replication_role =
-- replica (pg_restore, logical replication).
CREATE FUNCTION compliance.cache_invalidate() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'cache_invalidate';
COMMENT ON FUNCTION compliance.cache_invalidate() IS
    'Trigger on consent_state and blocked_subjects: for each changed row, names its subject, whom every session forgets from its consent cache once the change commits (per statement: every subject).';
CREATE TRIGGER cache_invalidate AFTER INSERT OR UPDATE OR DELETE ON compliance.consent_state
    FOR EACH ROW EXECUTE FUNCTION compliance.cache_invalidate();
CREATE TRIGGER cache_invalidate AFTER INSERT OR UPDATE OR DELETE ON compliance.blocked_subjects
    FOR EACH ROW EXECUTE FUNCTION compliance.cache_invalidate();
CREATE TRIGGER cache_invalidate_all AFTER TRUNCATE ON compliance.consent_state
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.cache_invalidate();
CREATE TRIGGER cache_invalidate_all AFTER TRUNCATE ON compliance.blocked_subjects
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.cache_invalidate();
ALTER TABLE compliance.consent_state ENABLE ALWAYS TRIGGER cache_invalidate;
ALTER TABLE compliance.blocked_subjects ENABLE ALWAYS TRIGGER cache_invalidate;
ALTER TABLE compliance.consent_state ENABLE ALWAYS TRIGGER cache_invalidate_all;
ALTER TABLE compliance.blocked_subjects ENABLE ALWAYS TRIGGER cache_invalidate_all;

-- A hot standby learns of consent changes from a relcache invalidation,
-- which is WAL-logged with the commit (src/subject_changes.c).  Naming
-- consent_state would also invalidate every cached plan that reads
-- consent_state, in every session, at every change of consent (the next
-- give_consent() in each session would plan its statements again).  This
-- relation exists only to be named instead; nothing reads it.
CREATE TABLE compliance.consent_change_signal ();
COMMENT ON TABLE compliance.consent_change_signal IS
    'Internal, holds no rows: its relcache invalidation, queued by every change of consent state or blocking, tells the sessions of hot standbys to empty their consent caches.';
REVOKE ALL ON compliance.consent_change_signal FROM PUBLIC;

-- What a session's consent cache holds (src/cache.c), to size
-- compliance.cache_subjects and to measure the cache's memory.
CREATE FUNCTION compliance.consent_cache_stats(OUT purposes integer, OUT dense_keys bigint,
        OUT hashed_subjects bigint, OUT bytes bigint)
    RETURNS record
    LANGUAGE C VOLATILE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'consent_cache_stats';
COMMENT ON FUNCTION compliance.consent_cache_stats() IS
    'This session''s consent cache: purposes with a table, integer keys covered by byte arrays (one byte each), subjects in hash tables (bounded by compliance.cache_subjects per purpose), and bytes allocated.';
REVOKE EXECUTE ON FUNCTION compliance.consent_cache_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.consent_cache_stats() TO compliance_admin, compliance_analyst;

-- Not STRICT: a row without a subject is still decided.  PARALLEL
-- RESTRICTED: it reads the latest committed consent state.
CREATE FUNCTION compliance.row_allowed(subject anyelement, tbl regclass, special boolean)
    RETURNS boolean
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'row_allowed';
COMMENT ON FUNCTION compliance.row_allowed(anyelement, regclass, boolean) IS
    'Row filter the planner adds to every protected relation: may a row of this subject be processed under the declared purpose now (special: special-category columns are touched)?';

CREATE FUNCTION compliance.enforce_write() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'enforce_write';
COMMENT ON FUNCTION compliance.enforce_write() IS
    'BEFORE INSERT OR UPDATE row trigger of protected tables: refuses rows of subjects the declared purpose may not process (also under COPY FROM).';

CREATE FUNCTION compliance.invalidate_relation(tbl regclass) RETURNS void
    LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'invalidate_relation';
COMMENT ON FUNCTION compliance.invalidate_relation(regclass) IS
    'Makes every backend rebuild cached plans of the table, its partitions and children (after protect and unprotect).';

CREATE FUNCTION compliance.may_process(subject text, purpose compliance.purpose DEFAULT NULL,
        subject_kind text DEFAULT 'person')
    RETURNS boolean
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'may_process';
COMMENT ON FUNCTION compliance.may_process(text, compliance.purpose, text) IS
    'True if the subject''s personal data may be processed now under the purpose (NULL: the declared compliance.purpose): not blocked, and consent in force where the purpose relies on consent (Art. 4.3, 5, 10, 13 of Law 99-Z).';

-- Installs or removes what enforcement needs on a protected table and on
-- its partitions and inheritance children: the write trigger (partitions
-- get it from their parent), and forced row level security, under which
-- PostgreSQL hides the table's statistics from every role but superusers
-- and BYPASSRLS roles (row_security.c supplies the policy).
CREATE FUNCTION compliance.set_enforcement(tbl regclass, present boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel regclass;
    v_partition boolean;
    v_rls boolean;
    v_forced boolean;
    v_index regclass;
    v_column bigint;
BEGIN
    FOR rel, v_partition, v_rls, v_forced IN
        WITH RECURSIVE tree(oid) AS (
            SELECT tbl::oid
            UNION
            SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid
        )
        SELECT t.oid::regclass, c.relispartition AND t.oid <> tbl::oid,
               c.relrowsecurity, c.relforcerowsecurity
          FROM tree t JOIN pg_class c ON c.oid = t.oid
    LOOP
        IF present AND NOT (v_rls AND v_forced) THEN
            EXECUTE format('ALTER TABLE ONLY %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', rel);
        ELSIF NOT present AND v_forced THEN
            -- policies of the table's own stay in force, for others than the owner
            EXECUTE format('ALTER TABLE ONLY %s NO FORCE ROW LEVEL SECURITY', rel);
            IF NOT EXISTS (SELECT FROM pg_policy WHERE polrelid = rel) THEN
                EXECUTE format('ALTER TABLE ONLY %s DISABLE ROW LEVEL SECURITY', rel);
            END IF;
        END IF;
        -- pg_stats shows an expression index's statistics by the index's
        -- row level security, which it has none of: it collects none
        FOR v_index, v_column IN
            SELECT i.indexrelid::regclass, k.n
              FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
              JOIN pg_attribute a ON true
             WHERE i.indrelid = rel AND k.attnum = 0
               AND a.attrelid = i.indexrelid AND a.attnum = k.n
               AND coalesce(a.attstattarget, -1) <> (CASE WHEN present THEN 0 ELSE -1 END)
        LOOP
            EXECUTE format('ALTER INDEX %s ALTER COLUMN %s SET STATISTICS %s', v_index, v_column,
                           CASE WHEN present THEN 0 ELSE -1 END);
            DELETE FROM pg_statistic WHERE starelid = v_index;
        END LOOP;
        CONTINUE WHEN v_partition;
        IF present AND NOT EXISTS (SELECT FROM pg_trigger
                                    WHERE tgrelid = rel AND tgname = 'compliance_enforce_write' AND tgparentid = 0) THEN
            EXECUTE format('CREATE TRIGGER compliance_enforce_write BEFORE INSERT OR UPDATE ON %s'
                           ' FOR EACH ROW EXECUTE FUNCTION compliance.enforce_write()', rel);
            EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER compliance_enforce_write', rel);
        ELSIF NOT present AND EXISTS (SELECT FROM pg_trigger
                                       WHERE tgrelid = rel AND tgname = 'compliance_enforce_write' AND tgparentid = 0) THEN
            EXECUTE format('DROP TRIGGER compliance_enforce_write ON %s', rel);
        END IF;
    END LOOP;
    PERFORM compliance.invalidate_relation(tbl);
END
$$;
COMMENT ON FUNCTION compliance.set_enforcement(regclass, boolean) IS
    'Internal: installs (present) or removes the enforcement trigger and forced row level security on a protected table and its partitions and inheritance children.';

-- A table that becomes a partition or child of a protected one is set up
-- too: the command's own table is looked at (ATTACH PARTITION names the
-- parent), and its ancestors.
CREATE FUNCTION compliance.on_ddl_command_end() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_root regclass;
    v_rel regclass;
    v_user_code text;
    v_ancestors regclass[];
BEGIN
    -- one protection per relation: a child of two protected tables would
    -- hold rows of two subjects, each read under the other's rules
    FOR v_rel, v_ancestors IN
        SELECT c.oid::regclass, compliance.protected_ancestors(c.oid::regclass)
          FROM pg_event_trigger_ddl_commands() cmd
          JOIN pg_class c ON c.oid = cmd.objid
         WHERE cmd.object_type = 'table'
    LOOP
        IF cardinality(v_ancestors) > 1 THEN
            RAISE EXCEPTION 'table "%" would be protected by both %', v_rel, array_to_string(v_ancestors, ' and ')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'Its rows would belong to the subjects of each of them at once, and be read under either one''s rules.',
                      HINT = 'Inherit from at most one protected table.';
        END IF;
    END LOOP;
    FOR v_root, v_rel IN
        SELECT DISTINCT p.relid, c.oid::regclass
          FROM pg_event_trigger_ddl_commands() cmd
          JOIN pg_class c ON c.oid = CASE cmd.object_type
                  WHEN 'index' THEN (SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = cmd.objid)
                  WHEN 'statistics object' THEN (SELECT x.stxrelid FROM pg_statistic_ext x WHERE x.oid = cmd.objid)
                  ELSE cmd.objid END
          CROSS JOIN LATERAL (
              WITH RECURSIVE anc(oid) AS (
                  SELECT c.oid
                  UNION
                  SELECT i.inhparent FROM pg_inherits i JOIN anc ON i.inhrelid = anc.oid
              ) SELECT oid FROM anc) a
          JOIN compliance.protected_tables p ON p.relid::oid = a.oid
         WHERE cmd.object_type IN ('table', 'index', 'statistics object')
    LOOP
        -- what ANALYZE and REINDEX would run over every row as the owner
        IF current_setting('compliance.enforce') = 'on' THEN
            v_user_code := compliance.user_code_over_rows(v_rel);
            IF v_user_code IS NOT NULL THEN
                RAISE EXCEPTION '% of table "%" would run code its owner could replace over every row', v_user_code, v_rel
                    USING ERRCODE = 'insufficient_privilege',
                          DETAIL = 'The table is protected, or a partition or child of a protected table: ANALYZE (autovacuum''s too), REINDEX, CLUSTER and VACUUM FULL run it over every stored row as the table''s owner, and writes and deletions, officers'' erasures included, over the rows they touch.',
                          HINT = 'Use built-in functions or functions of a superuser, or ask a superuser to run it with compliance.enforce = off.';
            END IF;
        END IF;
        PERFORM compliance.set_enforcement(v_root, true);
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.on_ddl_command_end() IS
    'Event trigger: a table that becomes a partition or inheritance child of a protected table gets the enforcement trigger and forced row level security; a new or changed table, index or statistics object of a protected table may run no code its owner could replace over every row, and its expression indexes collect no statistics.';
CREATE EVENT TRIGGER compliance_ddl_command_end ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE INDEX', 'CREATE STATISTICS')
    EXECUTE FUNCTION compliance.on_ddl_command_end();

CREATE FUNCTION compliance.block_subject(subject text, reason text, subject_kind text DEFAULT 'person')
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    IF coalesce(btrim(reason), '') = '' THEN
        RAISE EXCEPTION 'a reason for the block is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The subject is told why processing was blocked (Art. 10.2, 13.2 of Law 99-Z).',
                  HINT = 'Pass the reason, e.g. ''erasure requested, deletion technically impossible''.';
    END IF;
    INSERT INTO compliance.blocked_subjects AS b (subject, subject_kind, reason)
    VALUES (subject, subject_kind, reason)
    ON CONFLICT ON CONSTRAINT blocked_subjects_pkey DO UPDATE SET reason = excluded.reason;
END
$$;
COMMENT ON FUNCTION compliance.block_subject(text, text, text) IS
    'Blocks the subject''s personal data (Art. 1, 13.2 of Law 99-Z): no purpose may process them, in any session from its next statement after commit; nothing is deleted.';

CREATE FUNCTION compliance.unblock_subject(subject text, subject_kind text DEFAULT 'person')
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    DELETE FROM compliance.blocked_subjects b
     WHERE b.subject OPERATOR(pg_catalog.=) unblock_subject.subject
       AND b.subject_kind OPERATOR(pg_catalog.=) unblock_subject.subject_kind;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'subject "%" is not blocked', subject
            USING ERRCODE = 'undefined_object',
                  HINT = 'See compliance.blocked_subjects for blocked subjects.';
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.unblock_subject(text, text) IS
    'Lifts a block: the subject''s data may be processed again where a basis exists.';
