-- Deleting a subject's rows across tables linked by foreign keys, shared by
-- erase_subject() (Art. 13) and purge_expired() (Art. 4.8).

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
-- violation is caught and reported by the caller.  Returns the ones that
-- were deferred, for the caller to defer again.
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
