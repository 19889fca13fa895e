-- Citus (doc/scaling.md): enforcement on the workers of a Citus cluster.
--
-- Citus sends a query on a distributed table to the workers as queries on
-- its shards (public.t_102008), and never reads filters the coordinator
-- adds: enforcement must run on every node.  The extension is installed
-- on every node (Citus propagates CREATE EXTENSION); on a worker the hooks
-- take a shard for the protected table it belongs to (protection.c), and
-- decide from the worker's own copy of what enforcement reads: the
-- registry (subject kinds, purposes, grants, protected tables and
-- columns, recipients) and the decision state (consent_state,
-- blocked_subjects, subject_grounds).
--
-- The copy is kept by the coordinator, in its own transactions: each
-- change of those tables on the coordinator is written, as JSON, to
-- compliance.citus_relay, a Citus reference table, so Citus sends it to
-- every node in the same distributed transaction (two-phase commit).  On
-- each worker the relay's trigger applies it to the worker's table and
-- stores nothing; the worker's own triggers there make its sessions
-- forget the changed subjects or registry, at their next statement after
-- COMMIT PREPARED (subject_changes.c).  A change that cannot be applied
-- on every worker rolls the coordinator's transaction back: a withdrawal
-- is never committed on the coordinator while a worker still serves the
-- subject.
--
-- Nothing here needs Citus to be installed: compliance.distribute()
-- checks for it when it is called.

-- Queued by a prepared transaction that changed consent state on a worker
-- (src/subject_changes.c): COMMIT PREPARED sends its relcache
-- invalidation, and every session then forgets its whole consent cache.
CREATE TABLE compliance.consent_prepared_signal ();
COMMENT ON TABLE compliance.consent_prepared_signal IS
    'Internal, holds no rows: its relcache invalidation, queued by a prepared transaction that changed a Citus worker''s copy of the consent state, tells every session to empty its consent cache.';
REVOKE ALL ON compliance.consent_prepared_signal FROM PUBLIC;

CREATE FUNCTION compliance.citus_prepare_allowed() RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'citus_prepare_allowed';
COMMENT ON FUNCTION compliance.citus_prepare_allowed() IS
    'Internal: the current transaction applies the coordinator''s changes on a Citus worker, and may be prepared although it changes consent state.';
REVOKE EXECUTE ON FUNCTION compliance.citus_prepare_allowed() FROM PUBLIC;

-- The tables copied to the workers, parents before children (a full
-- copy deletes in the reverse order).
CREATE FUNCTION compliance.citus_copied_tables() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ARRAY['subject_kinds', 'recipients', 'purposes', 'purpose_role_grants',
                 'protected_tables', 'protected_columns',
                 'consent_state', 'blocked_subjects', 'subject_grounds']
$$;
COMMENT ON FUNCTION compliance.citus_copied_tables() IS
    'The tables enforcement decides from, which compliance.distribute() keeps copied on every Citus worker.';

-- One change: the table, and its old and new rows (NULL where there is
-- none); for a full copy, new holds every row as a JSON array and old is
-- NULL.  On a worker the trigger applies the row and stores nothing.
CREATE TABLE compliance.citus_relay (
    tbl         text NOT NULL,
    full_copy   boolean NOT NULL DEFAULT false,
    old_rows    jsonb,
    new_rows    jsonb
);
COMMENT ON TABLE compliance.citus_relay IS
    'Internal, holds no rows: changes of the tables enforcement decides from, sent by the coordinator to every Citus worker (a reference table once compliance.distribute() has run) and applied there by its trigger.';
REVOKE ALL ON compliance.citus_relay FROM PUBLIC;

-- Is this node a Citus worker (a node other than the coordinator, group 0)?
CREATE FUNCTION compliance.citus_is_worker() RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_group integer;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT groupid FROM pg_catalog.pg_dist_local_group' INTO v_group;
    RETURN coalesce(v_group, 0) <> 0;
END
$$;
COMMENT ON FUNCTION compliance.citus_is_worker() IS
    'True on a Citus worker: a node whose Citus group is not the coordinator''s (0).';

-- Applies rows (a JSON array) to one of the copied tables: deletes the old
-- rows by primary key, inserts the new ones (generated columns left out).
-- As session_replication_role = replica, so that the worker's foreign
-- keys to tables it does not copy (the consent ledger) and its triggers
-- that act on the coordinator's behalf (notices, erase tasks) do not
-- fire; the cache triggers are ENABLE ALWAYS and do.
CREATE FUNCTION compliance.citus_apply_rows(p_tbl text, p_full boolean, p_old jsonb, p_new jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET session_replication_role = replica
AS $$
DECLARE
    v_rel regclass := pg_catalog.format('compliance.%I', p_tbl)::regclass;
    v_cols text;
    v_key text;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
      INTO v_cols
      FROM pg_attribute a
     WHERE a.attrelid = v_rel AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
      INTO v_key
      FROM pg_index i
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = v_rel AND i.indisprimary;
    IF p_full THEN
        EXECUTE pg_catalog.format('DELETE FROM %s', v_rel);
    ELSIF p_old IS NOT NULL AND pg_catalog.jsonb_array_length(p_old) > 0 THEN
        EXECUTE pg_catalog.format(
            'DELETE FROM %1$s t WHERE (%2$s) IN (SELECT %2$s FROM pg_catalog.jsonb_populate_recordset(NULL::%1$s, $1))',
            v_rel, v_key) USING p_old;
    END IF;
    IF p_new IS NOT NULL AND pg_catalog.jsonb_array_length(p_new) > 0 THEN
        IF p_tbl IN ('protected_tables', 'protected_columns') THEN
            -- a table distributed later arrives with the full copy that
            -- compliance.distribute() sends once it exists on the workers
            SELECT pg_catalog.jsonb_agg(r) INTO p_new
              FROM pg_catalog.jsonb_array_elements(p_new) AS r
             WHERE pg_catalog.to_regclass(r->>'relid') IS NOT NULL;
            IF p_new IS NULL THEN
                RETURN;
            END IF;
        END IF;
        EXECUTE pg_catalog.format(
            'INSERT INTO %1$s (%2$s) SELECT %2$s FROM pg_catalog.jsonb_populate_recordset(NULL::%1$s, $1)',
            v_rel, v_cols) USING p_new;
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.citus_apply_rows(text, boolean, jsonb, jsonb) IS
    'Internal: applies the coordinator''s changes of one copied table on a Citus worker.';
REVOKE EXECUTE ON FUNCTION compliance.citus_apply_rows(text, boolean, jsonb, jsonb) FROM PUBLIC;

-- The relay's trigger, on every placement of it: on a worker it applies
-- the change; on the coordinator (its own copy of the reference table, if
-- it has one) there is nothing to apply.  Either way nothing is stored.
CREATE FUNCTION compliance.citus_relay_apply() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.tbl <> ALL (compliance.citus_copied_tables()) THEN
        RAISE EXCEPTION 'table compliance.% is not copied to Citus workers', NEW.tbl
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF compliance.citus_is_worker() THEN
        PERFORM compliance.citus_prepare_allowed();
        PERFORM compliance.citus_apply_rows(NEW.tbl, NEW.full_copy, NEW.old_rows, NEW.new_rows);
        IF NEW.tbl IN ('subject_kinds', 'recipients', 'purposes', 'purpose_role_grants',
                       'protected_tables', 'protected_columns') THEN
            -- what registry_changed() does, whose statement trigger did
            -- not fire under session_replication_role = replica
            PERFORM compliance.invalidate_relation('compliance.purposes');
        END IF;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION compliance.citus_relay_apply() IS
    'Internal: BEFORE INSERT trigger of compliance.citus_relay; applies a change on a Citus worker and stores nothing.';
REVOKE EXECUTE ON FUNCTION compliance.citus_relay_apply() FROM PUBLIC;
CREATE TRIGGER citus_relay_apply BEFORE INSERT ON compliance.citus_relay
    FOR EACH ROW EXECUTE FUNCTION compliance.citus_relay_apply();

-- The coordinator's side: statement triggers on the copied tables, with
-- transition tables, send each statement's changes as one relay row.
CREATE FUNCTION compliance.citus_forward() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old jsonb;
    v_new jsonb;
BEGIN
    IF compliance.citus_is_worker() THEN
        RETURN NULL;    -- the worker's copy is being applied
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO compliance.citus_relay (tbl, full_copy, old_rows, new_rows)
        VALUES (TG_TABLE_NAME, true, NULL, '[]');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE 'SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(o)) FROM old_rows o' INTO v_old;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        EXECUTE 'SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(n)) FROM new_rows n' INTO v_new;
    END IF;
    IF v_old IS NOT NULL OR v_new IS NOT NULL THEN
        INSERT INTO compliance.citus_relay (tbl, old_rows, new_rows)
        VALUES (TG_TABLE_NAME, v_old, v_new);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION compliance.citus_forward() IS
    'Internal: statement trigger of the copied tables on a Citus coordinator, installed by compliance.distribute(); sends the statement''s changes to every worker through compliance.citus_relay.';
REVOKE EXECUTE ON FUNCTION compliance.citus_forward() FROM PUBLIC;

-- Sends a full copy of one copied table to every worker.
CREATE FUNCTION compliance.citus_send_copy(p_tbl text) RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rows jsonb;
BEGIN
    -- writers wait until the copy commits, and the copy holds every change
    -- committed before it: one that went through the relay before the copy
    -- would otherwise be overwritten with an older state
    EXECUTE pg_catalog.format('LOCK TABLE compliance.%I IN SHARE MODE', p_tbl);
    EXECUTE pg_catalog.format('SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r)), ''[]'') FROM compliance.%I r',
                              p_tbl) INTO v_rows;
    INSERT INTO compliance.citus_relay (tbl, full_copy, new_rows) VALUES (p_tbl, true, v_rows);
END
$$;
COMMENT ON FUNCTION compliance.citus_send_copy(text) IS
    'Internal: sends a full copy of one of the tables enforcement decides from to every Citus worker (compliance.distribute()).';
REVOKE EXECUTE ON FUNCTION compliance.citus_send_copy(text) FROM PUBLIC;

-- Citus's own statements, with the settings they need and no longer:
-- the protected table's write trigger and the relay's trigger go to every
-- shard (citus.enable_unsafe_triggers), and Citus's check that the table
-- is empty reads it without a purpose (compliance.enforce; the caller is
-- a superuser, checked by distribute()).
CREATE FUNCTION compliance.citus_create_relay() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    SET citus.enable_unsafe_triggers = on
AS $$
BEGIN
    PERFORM pg_catalog.create_reference_table('compliance.citus_relay');
END
$$;
COMMENT ON FUNCTION compliance.citus_create_relay() IS
    'Internal: makes compliance.citus_relay a Citus reference table, its trigger copied to every placement (compliance.distribute()).';
REVOKE EXECUTE ON FUNCTION compliance.citus_create_relay() FROM PUBLIC;

-- Turns enforcement off (or on again) in the workers' sessions of this
-- transaction (citus_workers_enforce() in src/citus.c); a superuser's only.
CREATE FUNCTION compliance.citus_workers_enforce(on_workers boolean) RETURNS void
    LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'citus_set_workers_enforce';
COMMENT ON FUNCTION compliance.citus_workers_enforce(boolean) IS
    'Internal: sends SET LOCAL compliance.enforce = off (or on) to the Citus workers'' sessions of the transaction (compliance.distribute()); superusers only.';
REVOKE EXECUTE ON FUNCTION compliance.citus_workers_enforce(boolean) FROM PUBLIC;

-- A table that has rows already: Citus copies them into the new shards
-- with COPY, which the shards' write trigger would check on the workers
-- (under no purpose: refused).  The rows were admitted on this node;
-- putting them on the workers is storing them elsewhere, not processing
-- them for a purpose, and every row must arrive, withdrawn and blocked
-- subjects' too (they are kept, Art. 13.2 of Law 99-Z).  So the workers'
-- sessions run Citus's copy with enforcement off, and on again right
-- after.  Citus then leaves the rows in the coordinator's own copy of the
-- table as well, which nothing reads any more: they are truncated, so that
-- no stale copy of the personal data outlives its erasure on the workers
-- (Art. 4.5, 4.8, 13 of Law 99-Z).
CREATE FUNCTION compliance.citus_create_distributed(tbl regclass, subject_column name, colocate_with text)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    SET citus.enable_unsafe_triggers = on
    SET compliance.enforce = off
AS $$
DECLARE
    v_rows boolean;
BEGIN
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %s)', tbl) INTO v_rows;
    IF v_rows THEN
        PERFORM compliance.citus_workers_enforce(false);
    END IF;
    PERFORM pg_catalog.create_distributed_table(tbl, subject_column, colocate_with => colocate_with);
    IF v_rows THEN
        PERFORM compliance.citus_workers_enforce(true);
        PERFORM pg_catalog.truncate_local_data_after_distributing_table(tbl);
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.citus_create_distributed(regclass, name, text) IS
    'Internal: create_distributed_table() of a protected table, with its write trigger copied to every shard, Citus''s emptiness check unfiltered, the table''s rows copied whole into the shards and the coordinator''s local copy of them truncated (compliance.distribute()).';
REVOKE EXECUTE ON FUNCTION compliance.citus_create_distributed(regclass, name, text) FROM PUBLIC;

-- compliance.distribute(tbl): makes a protected table a Citus distributed
-- table, distributed by its subject column (colocated with colocate_with,
-- or as Citus colocates by default), and keeps enforcement on it
-- on every worker.  The first call also sets up the copy of the registry
-- and decision state (the relay above).  Run on the coordinator, by a
-- superuser, once the workers are added.
CREATE FUNCTION compliance.distribute(tbl regclass, colocate_with regclass DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_column name;
    v_tbl text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'Citus is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run CREATE EXTENSION citus first, on a server with citus in shared_preload_libraries before compliance.';
    END IF;
    IF compliance.citus_is_worker() THEN
        RAISE EXCEPTION 'compliance.distribute() runs on the Citus coordinator'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Connect to the coordinator and call it there.';
    END IF;
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'only a superuser may distribute a protected table'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Connect as a superuser.';
    END IF;
    SELECT t.subject_column INTO v_column FROM compliance.protected_tables t WHERE t.relid = tbl;
    IF v_column IS NULL THEN
        RAISE EXCEPTION 'table % is not protected', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Protect it with compliance.protect() first: it is distributed by its subject column.';
    END IF;

    -- the relay, once: a reference table, and the coordinator's triggers
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition
                    WHERE logicalrelid = 'compliance.citus_relay'::regclass) THEN
        PERFORM compliance.citus_create_relay();
        FOREACH v_tbl IN ARRAY compliance.citus_copied_tables() LOOP
            EXECUTE pg_catalog.format(
                'CREATE TRIGGER citus_forward_insert AFTER INSERT ON compliance.%1$I'
                ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance.citus_forward();'
                'CREATE TRIGGER citus_forward_update AFTER UPDATE ON compliance.%1$I'
                ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance.citus_forward();'
                'CREATE TRIGGER citus_forward_delete AFTER DELETE ON compliance.%1$I'
                ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance.citus_forward();'
                'CREATE TRIGGER citus_forward_truncate AFTER TRUNCATE ON compliance.%1$I'
                ' FOR EACH STATEMENT EXECUTE FUNCTION compliance.citus_forward();'
                -- also under session_replication_role = replica, as
                -- import_consents() writes consent_state
                'ALTER TABLE compliance.%1$I ENABLE ALWAYS TRIGGER citus_forward_insert;'
                'ALTER TABLE compliance.%1$I ENABLE ALWAYS TRIGGER citus_forward_update;'
                'ALTER TABLE compliance.%1$I ENABLE ALWAYS TRIGGER citus_forward_delete;'
                'ALTER TABLE compliance.%1$I ENABLE ALWAYS TRIGGER citus_forward_truncate', v_tbl);
        END LOOP;
    END IF;

    -- the table itself; its write trigger (compliance_enforce_write) goes
    -- to every shard
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = tbl) THEN
        PERFORM compliance.citus_create_distributed(tbl, v_column, coalesce(colocate_with::text, 'default'));
    END IF;

    -- every worker gets the whole registry and decision state, now that
    -- the table exists there
    FOREACH v_tbl IN ARRAY compliance.citus_copied_tables() LOOP
        PERFORM compliance.citus_send_copy(v_tbl);
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.distribute(regclass, regclass) IS
    'Citus: distributes a protected table by its subject column and keeps enforcement on it on every worker (the registry, grants, consent state, blocks and grounds are copied to the workers in the coordinator''s transactions). Needs the citus extension; run on the coordinator as a superuser.';
REVOKE EXECUTE ON FUNCTION compliance.distribute(regclass, regclass) FROM PUBLIC;

-- The disclosure log on the workers.  A query on a distributed table is
-- captured where its rows are read, on the workers (capture.c), and each
-- worker's writer appends to that worker's own compliance.disclosure_records,
-- a hash chain of its own.  The coordinator's officer functions read them
-- through Citus: the subject's records (disclosure_history, erasure
-- notices) and each worker's chain check (verify_ledger).  Nothing here
-- runs without Citus, nor on a worker, nor before compliance.distribute().
CREATE FUNCTION compliance.citus_coordinator() RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_distributed boolean;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL OR compliance.citus_is_worker() THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p
                             WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''compliance.citus_relay''::pg_catalog.regclass)'
       INTO v_distributed;
    RETURN v_distributed;
END
$$;
COMMENT ON FUNCTION compliance.citus_coordinator() IS
    'True on a Citus coordinator once compliance.distribute() has run: the workers then hold disclosure logs of their own.';

-- Runs query (returning one jsonb value) on every worker; one row per
-- worker.  A worker that cannot answer is an error: an answer to a data
-- subject must not leave a worker out.
CREATE FUNCTION compliance.citus_on_workers(query text)
    RETURNS TABLE (node text, result jsonb)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF NOT compliance.citus_coordinator() THEN
        RETURN;
    END IF;
    FOR r IN EXECUTE 'SELECT w.nodename, w.nodeport, w.success, w.result
                        FROM pg_catalog.run_command_on_workers($1) w ORDER BY w.nodename, w.nodeport'
        USING query
    LOOP
        IF NOT r.success THEN
            RAISE EXCEPTION 'Citus worker %:% did not answer', r.nodename, r.nodeport
                USING ERRCODE = 'connection_failure',
                      DETAIL = r.result,
                      HINT = 'What the function reads or waits for there is part of its result (the worker''s disclosure log, its writers): bring the worker back, then call the function again.';
        END IF;
        node := r.nodename || ':' || r.nodeport;
        result := r.result::jsonb;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.citus_on_workers(text) IS
    'Internal: runs a query returning one jsonb value on every Citus worker (nothing without Citus or before compliance.distribute()); an error if a worker does not answer.';
REVOKE EXECUTE ON FUNCTION compliance.citus_on_workers(text) FROM PUBLIC;

-- The subject's records in the workers' disclosure logs.
CREATE FUNCTION compliance.citus_worker_disclosures(subject text, subject_kind text)
    RETURNS SETOF compliance.disclosure_records
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT d.*
      FROM compliance.citus_on_workers(pg_catalog.format(
               'SELECT coalesce(pg_catalog.jsonb_agg(d), ''[]'') FROM compliance.disclosure_records d'
               ' WHERE d.subjects OPERATOR(pg_catalog.@>) ARRAY[%L COLLATE "C"] AND d.subject_kind OPERATOR(pg_catalog.=) %L',
               subject, subject_kind)) w
     CROSS JOIN LATERAL pg_catalog.jsonb_populate_recordset(NULL::compliance.disclosure_records, w.result) d
    UNION ALL  -- the logs of removed workers, kept on the coordinator (below)
    SELECT (k.record).*
      FROM compliance.citus_removed_worker_records k
     WHERE (k.record).subjects @> ARRAY[subject COLLATE "C"] AND (k.record).subject_kind = subject_kind
$$;
COMMENT ON FUNCTION compliance.citus_worker_disclosures(text, text) IS
    'Internal: the records of a subject in the disclosure logs of the Citus workers, where the reads of distributed tables are captured, and in those kept of removed workers.';
REVOKE EXECUTE ON FUNCTION compliance.citus_worker_disclosures(text, text) FROM PUBLIC;

-- Each worker's disclosure chain, checked on the worker.
CREATE FUNCTION compliance.citus_verify_workers()
    RETURNS TABLE (ledger text, rows bigint, ok boolean, first_bad_id bigint)
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'disclosure@' || w.node, (v->>'rows')::bigint, (v->>'ok')::boolean, (v->>'first_bad_id')::bigint
      FROM compliance.citus_on_workers(
               'SELECT pg_catalog.to_jsonb(v) FROM compliance.verify_ledger() v WHERE v.ledger OPERATOR(pg_catalog.=) ''disclosure''') w
     CROSS JOIN LATERAL (SELECT w.result AS v) x
    UNION ALL
    SELECT * FROM compliance.citus_verify_removed()
$$;
COMMENT ON FUNCTION compliance.citus_verify_workers() IS
    'Internal: the check of each Citus worker''s disclosure chain (compliance.verify_ledger()), one row per worker named disclosure@host:port, and of each removed worker''s kept chain (compliance.citus_verify_removed()).';
REVOKE EXECUTE ON FUNCTION compliance.citus_verify_workers() FROM PUBLIC;

-- The writers a purge or erase-task batch waits for (purge_batch_start,
-- 74_erasure.sql), on every node.  On the coordinator it waits for the
-- writers of the protected tables; an application connected to a worker
-- (Citus synchronises the metadata to the workers) writes through that
-- worker, which locks the table and its shards there, never on the
-- coordinator, and a write the coordinator committed may still be a
-- prepared transaction on a shard's worker.  Both hold a shard's ROW
-- EXCLUSIVE lock on its worker.  The batch's own distributed transaction
-- (its initiator and number, as Citus tells them) may already hold such
-- locks there: its backends are not waited for, or it would wait for
-- itself.
CREATE FUNCTION compliance.citus_wait_for_shard_writers(initiator integer, transaction_number bigint)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tables regclass[];
    v_except integer[];
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_shard') IS NULL THEN
        RETURN false;
    END IF;
    -- the protected tables, their partitions and children, and the shards
    -- of each that this node holds
    EXECUTE 'WITH RECURSIVE tree(relid) AS (
                 SELECT p.relid::pg_catalog.oid FROM compliance.protected_tables p
                 UNION
                 SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree ON i.inhparent OPERATOR(pg_catalog.=) tree.relid)
             SELECT pg_catalog.array_agg(x.r) FROM (
                 SELECT tree.relid::pg_catalog.regclass AS r FROM tree
                 UNION
                 SELECT pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid, false))
                   FROM pg_catalog.pg_dist_shard s JOIN tree ON s.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) tree.relid) x
              WHERE x.r IS NOT NULL'
       INTO v_tables;
    IF transaction_number <> 0 THEN
        EXECUTE 'SELECT pg_catalog.array_agg(t.process_id) FROM pg_catalog.get_all_active_transactions() t
                  WHERE t.initiator_node_identifier OPERATOR(pg_catalog.=) $1
                    AND t.transaction_number OPERATOR(pg_catalog.=) $2'
           INTO v_except USING initiator, transaction_number;
    END IF;
    PERFORM compliance.wait_for_table_writers(v_tables, v_except);
    RETURN true;
END
$$;
COMMENT ON FUNCTION compliance.citus_wait_for_shard_writers(integer, bigint) IS
    'Internal: on a Citus node, waits for the transactions writing to the protected tables and to their shards held there, prepared ones included, except the backends of the distributed transaction (initiator, transaction_number) that asks (compliance.citus_wait_for_writers()).';
REVOKE EXECUTE ON FUNCTION compliance.citus_wait_for_shard_writers(integer, bigint) FROM PUBLIC;

-- Called by a batch on the coordinator: the wait above on the coordinator
-- (for shards it may hold) and on every worker, in Citus's connections of
-- their own.  A worker that does not answer is an error: the batch would
-- not know whether rows are still being written there.
CREATE FUNCTION compliance.citus_wait_for_writers()
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_initiator integer;
    v_number bigint;
BEGIN
    IF NOT compliance.citus_coordinator() THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT t.initiator_node_identifier, t.transaction_number FROM pg_catalog.get_current_transaction_id() t'
       INTO v_initiator, v_number;
    PERFORM compliance.citus_wait_for_shard_writers(v_initiator, v_number);
    PERFORM FROM compliance.citus_on_workers(pg_catalog.format(
        'SELECT pg_catalog.to_jsonb(compliance.citus_wait_for_shard_writers(%s, %s))', v_initiator, v_number));
END
$$;
COMMENT ON FUNCTION compliance.citus_wait_for_writers() IS
    'Internal: on a Citus coordinator once compliance.distribute() has run, waits for the transactions writing to the shards of protected tables on every node, but the caller''s own (compliance.purge_batch_start()); nothing elsewhere.';
REVOKE EXECUTE ON FUNCTION compliance.citus_wait_for_writers() FROM PUBLIC;

-- The disclosure logs of workers removed from the cluster, kept on the
-- coordinator.  A worker logs what its shards returned (capture on the
-- workers, above); removing it would take those records with it, and a
-- subject's history (Art. 12 of Law 99-Z: to whom, when, which data)
-- would lose them.  compliance.citus_remove_worker() copies the log here,
-- checks the copy against the worker's chain head, then removes the node,
-- in one transaction.  Append-only, like the logs.
CREATE TABLE compliance.citus_removed_workers (
    node_id     integer PRIMARY KEY,
    node        text NOT NULL,
    last_id     bigint NOT NULL,
    last_hash   bytea CHECK ((last_hash IS NULL) = (last_id = 0)),
    removed_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    removed_by  name NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE compliance.citus_removed_workers IS
    'Citus workers removed with compliance.citus_remove_worker(): their node id and host:port, and the head of their disclosure chain when removed (what verify_ledger() checks the kept copy against).';
CREATE TABLE compliance.citus_removed_worker_records (
    node_id     integer NOT NULL REFERENCES compliance.citus_removed_workers,
    id          bigint NOT NULL,
    record      compliance.disclosure_records NOT NULL,
    PRIMARY KEY (node_id, id)
);
CREATE INDEX ON compliance.citus_removed_worker_records USING gin (((record).subjects));
COMMENT ON TABLE compliance.citus_removed_worker_records IS
    'The disclosure records of removed Citus workers, each as its worker logged it (compliance.disclosure_records), read by disclosure_history() and the erasure notices as the workers'' logs are.';
REVOKE ALL ON compliance.citus_removed_workers, compliance.citus_removed_worker_records FROM PUBLIC;
CREATE TRIGGER ledger_guard BEFORE UPDATE OR DELETE ON compliance.citus_removed_workers
    FOR EACH ROW EXECUTE FUNCTION compliance.ledger_guard();
CREATE TRIGGER ledger_guard_truncate BEFORE TRUNCATE ON compliance.citus_removed_workers
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.ledger_guard();
CREATE TRIGGER ledger_guard BEFORE UPDATE OR DELETE ON compliance.citus_removed_worker_records
    FOR EACH ROW EXECUTE FUNCTION compliance.ledger_guard();
CREATE TRIGGER ledger_guard_truncate BEFORE TRUNCATE ON compliance.citus_removed_worker_records
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.ledger_guard();
ALTER TABLE compliance.citus_removed_workers ENABLE ALWAYS TRIGGER ledger_guard;
ALTER TABLE compliance.citus_removed_workers ENABLE ALWAYS TRIGGER ledger_guard_truncate;
ALTER TABLE compliance.citus_removed_worker_records ENABLE ALWAYS TRIGGER ledger_guard;
ALTER TABLE compliance.citus_removed_worker_records ENABLE ALWAYS TRIGGER ledger_guard_truncate;
SELECT pg_catalog.pg_extension_config_dump('compliance.citus_removed_workers', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.citus_removed_worker_records', '');

-- Runs query (returning one jsonb value) on one worker; hint says what to
-- do when it does not answer.
CREATE FUNCTION compliance.citus_on_worker(node_name text, node_port integer, query text,
        hint text DEFAULT 'Its disclosure log must be copied before it is removed: bring the worker back, then call the function again.')
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    EXECUTE 'SELECT w.success, w.result FROM pg_catalog.master_run_on_worker($1, $2, $3, false) w'
       INTO r USING ARRAY[node_name], ARRAY[node_port], ARRAY[query];
    IF r.success IS NOT TRUE THEN
        RAISE EXCEPTION 'Citus worker %:% did not answer', node_name, node_port
            USING ERRCODE = 'connection_failure',
                  DETAIL = r.result,
                  HINT = hint;
    END IF;
    RETURN r.result::jsonb;
END
$$;
COMMENT ON FUNCTION compliance.citus_on_worker(text, integer, text, text) IS
    'Internal: runs a query returning one jsonb value on one Citus worker; an error if it does not answer.';
REVOKE EXECUTE ON FUNCTION compliance.citus_on_worker(text, integer, text, text) FROM PUBLIC;

-- What compliance.citus_add_worker() and citus_remove_worker() check
-- first (action: add or remove): a host and a port, a superuser, and a
-- Citus coordinator on which distribute() has run.
CREATE FUNCTION compliance.citus_check_worker_call(node_name text, node_port integer, action text)
    RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF node_name IS NULL OR node_port IS NULL THEN
        RAISE EXCEPTION 'the worker''s host and port must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass them as the coordinator reaches the worker (as pg_dist_node lists them).';
    END IF;
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'only a superuser may % a Citus worker', action
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Connect as a superuser.';
    END IF;
    IF NOT compliance.citus_coordinator() THEN
        RAISE EXCEPTION 'compliance.citus_%_worker() runs on a Citus coordinator after compliance.distribute()', action
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Without distributed protected tables, %s the node with citus_%s_node().', action, action);
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.citus_check_worker_call(text, integer, text) IS
    'Internal: the checks compliance.citus_add_worker() and citus_remove_worker() share (a host and port, a superuser, a coordinator after distribute()).';
REVOKE EXECUTE ON FUNCTION compliance.citus_check_worker_call(text, integer, text) FROM PUBLIC;

-- compliance.citus_remove_worker(node_name, node_port): removes a worker
-- from the cluster (Citus's citus_remove_node()), keeping its disclosure
-- log on the coordinator.  Drain it first (citus_drain_node()): Citus
-- refuses to remove a node that still holds shards, and the transaction,
-- the kept copy with it, is rolled back.
CREATE FUNCTION compliance.citus_remove_worker(node_name text, node_port integer)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_node_id integer;
    v_node text := node_name || ':' || node_port;
    v_head jsonb;
    v_chunk jsonb;
    v_from bigint := 0;
    v_kept bigint := 0;
    v_check record;
BEGIN
    PERFORM compliance.citus_check_worker_call(node_name, node_port, 'remove');
    EXECUTE 'SELECT n.nodeid FROM pg_catalog.pg_dist_node n
              WHERE n.nodename OPERATOR(pg_catalog.=) $1 AND n.nodeport OPERATOR(pg_catalog.=) $2
                AND n.groupid OPERATOR(pg_catalog.<>) 0'
       INTO v_node_id USING node_name, node_port;
    IF v_node_id IS NULL THEN
        RAISE EXCEPTION 'no Citus worker %', v_node
            USING ERRCODE = 'undefined_object',
                  HINT = 'Name a worker as pg_dist_node lists it (nodename, nodeport).';
    END IF;

    -- what the worker's writer still holds goes to its log first
    PERFORM compliance.citus_on_worker(node_name, node_port,
        'SELECT pg_catalog.to_jsonb(compliance.flush_disclosures())');
    v_head := compliance.citus_on_worker(node_name, node_port,
        'SELECT coalesce((SELECT pg_catalog.jsonb_build_object(''last_id'', h.last_id,'
        ' ''last_hash'', pg_catalog.encode(h.last_hash, ''hex''))'
        ' FROM compliance.ledger_heads h WHERE h.ledger OPERATOR(pg_catalog.=) ''disclosure''),'
        ' pg_catalog.jsonb_build_object(''last_id'', 0))');
    INSERT INTO compliance.citus_removed_workers (node_id, node, last_id, last_hash)
    VALUES (v_node_id, v_node, (v_head->>'last_id')::bigint, pg_catalog.decode(v_head->>'last_hash', 'hex'));
    LOOP
        v_chunk := compliance.citus_on_worker(node_name, node_port, pg_catalog.format(
            'SELECT coalesce(pg_catalog.jsonb_agg(d ORDER BY d.id), ''[]'') FROM'
            ' (SELECT * FROM compliance.disclosure_records r WHERE r.id OPERATOR(pg_catalog.>) %s'
            ' ORDER BY r.id LIMIT 10000) d', v_from));
        EXIT WHEN pg_catalog.jsonb_array_length(v_chunk) = 0;
        INSERT INTO compliance.citus_removed_worker_records (node_id, id, record)
        SELECT v_node_id, r.id, r
          FROM pg_catalog.jsonb_populate_recordset(NULL::compliance.disclosure_records, v_chunk) r;
        v_from := (v_chunk->-1->>'id')::bigint;
        v_kept := v_kept + pg_catalog.jsonb_array_length(v_chunk);
    END LOOP;

    -- the copy is the worker's chain, whole, or nothing is removed
    SELECT * INTO v_check FROM compliance.citus_verify_removed() v WHERE v.ledger = 'disclosure@' || v_node || ' (removed)';
    IF NOT v_check.ok THEN
        RAISE EXCEPTION 'the copy of the disclosure log of Citus worker % does not verify', v_node
            USING ERRCODE = 'data_corrupted',
                  DETAIL = pg_catalog.format('%s records copied; the first that does not match its chain is %s.', v_kept, v_check.first_bad_id),
                  HINT = 'Run SELECT * FROM compliance.verify_ledger() on the worker; the worker stays in the cluster.';
    END IF;
    PERFORM pg_catalog.citus_remove_node(node_name, node_port);
    RETURN v_kept;
END
$$;
COMMENT ON FUNCTION compliance.citus_remove_worker(text, integer) IS
    'Removes a drained Citus worker (citus_remove_node()) after copying its disclosure log to the coordinator (compliance.citus_removed_worker_records) and checking the copy against its chain head; returns the number of records kept. Superusers only.';
REVOKE EXECUTE ON FUNCTION compliance.citus_remove_worker(text, integer) FROM PUBLIC;

-- The first half of compliance.citus_add_worker(): the checks, and
-- Citus's citus_add_node() for a node not in the cluster yet.  Returns the
-- node id.
CREATE FUNCTION compliance.citus_join_worker(node_name text, node_port integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_node text := node_name || ':' || node_port;
    v_hint text := 'Start the worker, with citus and compliance in shared_preload_libraries, then call the procedure again.';
    v_records bigint;
    v_state bigint;
    v_node_id integer;
BEGIN
    PERFORM compliance.citus_check_worker_call(node_name, node_port, 'add');
    EXECUTE 'SELECT n.nodeid FROM pg_catalog.pg_dist_node n
              WHERE n.nodename OPERATOR(pg_catalog.=) $1 AND n.nodeport OPERATOR(pg_catalog.=) $2'
       INTO v_node_id USING node_name, node_port;
    IF v_node_id IS NOT NULL THEN
        RETURN v_node_id;
    END IF;
    -- a worker removed earlier still holds its disclosure log, which the
    -- coordinator keeps a copy of (the history would read it twice), and
    -- its old copy of the decision state, which would decide if the full
    -- copy below failed
    IF compliance.citus_on_worker(node_name, node_port,
           'SELECT pg_catalog.to_jsonb(EXISTS (SELECT FROM pg_catalog.pg_extension e'
           ' WHERE e.extname OPERATOR(pg_catalog.=) ''compliance''))', v_hint)::boolean THEN
        v_records := compliance.citus_on_worker(node_name, node_port,
            'SELECT pg_catalog.to_jsonb(pg_catalog.count(*)) FROM compliance.disclosure_records', v_hint)::bigint;
        v_state := compliance.citus_on_worker(node_name, node_port,
            'SELECT pg_catalog.to_jsonb((SELECT pg_catalog.count(*) FROM compliance.consent_state)'
            ' OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM compliance.protected_tables))', v_hint)::bigint;
        IF v_records > 0 OR v_state > 0 THEN
            RAISE EXCEPTION 'node % holds data of compliance from before', v_node
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = pg_catalog.format('%s disclosure records and %s rows of a copy of the consent state and protected tables: a worker removed with compliance.citus_remove_worker() leaves them there. The coordinator keeps a copy of its log, which the history of a subject already reads, and its old consent state must not decide for its shards.', v_records, v_state),
                      HINT = 'Add a node with a new database (or drop and create its database again), then call the procedure again.';
        END IF;
    END IF;
    RETURN pg_catalog.citus_add_node(node_name, node_port);
END
$$;
COMMENT ON FUNCTION compliance.citus_join_worker(text, integer) IS
    'Internal: the checks of compliance.citus_add_worker(), and citus_add_node() for a node not in the cluster yet; returns the node id.';
REVOKE EXECUTE ON FUNCTION compliance.citus_join_worker(text, integer) FROM PUBLIC;

-- Gives every worker the relay's placement, then a full copy of every
-- copied table, in one transaction: a change made after it reaches every
-- worker through the relay.
CREATE FUNCTION compliance.citus_send_copies() RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tbl text;
BEGIN
    PERFORM pg_catalog.replicate_reference_tables('block_writes');
    FOREACH v_tbl IN ARRAY compliance.citus_copied_tables() LOOP
        PERFORM compliance.citus_send_copy(v_tbl);
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.citus_send_copies() IS
    'Internal: gives every Citus worker the relay''s placement (replicate_reference_tables()) and a full copy of the registry and decision state (compliance.citus_add_worker()).';
REVOKE EXECUTE ON FUNCTION compliance.citus_send_copies() FROM PUBLIC;

-- CALL compliance.citus_add_worker(node_name, node_port): adds a worker to
-- the cluster with Citus's citus_add_node(), then gives it the relay's
-- placement and a full copy of the registry and decision state.  A worker
-- added with citus_add_node() alone has none: its shards would refuse
-- every row (failing closed) until the next full copy.  Two transactions:
-- Citus replicates reference tables only in a transaction that did not
-- change the cluster's nodes; until the second commits, the worker holds
-- no shard.  A node that holds data of the extension from before (a
-- worker removed earlier) is refused.
-- Called for a node in the cluster already (after
-- start_metadata_sync_to_node(), say), it sends the full copy again.
-- A procedure, as it commits: not in a transaction block.
CREATE PROCEDURE compliance.citus_add_worker(node_name text, node_port integer DEFAULT 5432,
        INOUT node_id integer DEFAULT NULL)
    LANGUAGE plpgsql
AS $$
BEGIN
    node_id := compliance.citus_join_worker(node_name, node_port);
    COMMIT;
    PERFORM compliance.citus_send_copies();
END
$$;
COMMENT ON PROCEDURE compliance.citus_add_worker(text, integer, integer) IS
    'Adds a Citus worker (citus_add_node()), then gives it the relay''s placement and a full copy of the registry and decision state, so that it enforces from its first shard; for a worker in the cluster already, sends the full copy again. Returns the node id. Superusers only; not in a transaction block.';
REVOKE EXECUTE ON PROCEDURE compliance.citus_add_worker(text, integer, integer) FROM PUBLIC;

-- Each removed worker's kept disclosure chain, checked against the head
-- it had when removed.
CREATE FUNCTION compliance.citus_verify_removed()
    RETURNS TABLE (ledger text, rows bigint, ok boolean, first_bad_id bigint)
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT v.*
      FROM compliance.citus_removed_workers w
     CROSS JOIN LATERAL compliance.verify_chain('disclosure@' || w.node || ' (removed)',
               pg_catalog.format('SELECT (k.record).id, (k.record).prev_hash, (k.record).hash,'
                                 ' compliance.disclosure_record_fields(k.record) AS fields'
                                 ' FROM compliance.citus_removed_worker_records k WHERE k.node_id = %s', w.node_id),
               w.last_id, w.last_hash) v
$$;
COMMENT ON FUNCTION compliance.citus_verify_removed() IS
    'Internal: the check of each removed Citus worker''s kept disclosure chain, one row per worker named disclosure@host:port (removed).';
REVOKE EXECUTE ON FUNCTION compliance.citus_verify_removed() FROM PUBLIC;
