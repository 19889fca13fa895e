-- bench/partition_indexes.sql: loading a yearly partition of the
-- disclosure log without its indexes (bench/log/generate.sql,
-- bench/scale/gen_disclosures.sql).  pg_temp.bench_drop_indexes(part)
-- drops the partition's indexes (those of constraints by their
-- constraint) and returns the statements that build them again with their
-- own definitions and names, to run once the partition is loaded: one
-- sort per index instead of a million inserts at random places, and the
-- same table, index for index, as appending makes.
CREATE FUNCTION pg_temp.bench_drop_indexes(part regclass) RETURNS text[]
    LANGUAGE plpgsql AS $$
DECLARE
    v_defs text[];
    v_drops text[];
    v_sql text;
BEGIN
    SELECT array_agg(d.def ORDER BY d.ord), array_agg(d.drop ORDER BY d.ord)
      INTO v_defs, v_drops
      FROM (SELECT 1 AS ord, format('ALTER TABLE %s ADD CONSTRAINT %I %s', part, c.conname,
                                    pg_get_constraintdef(c.oid)) AS def,
                   format('ALTER TABLE %s DROP CONSTRAINT %I', part, c.conname) AS drop
              FROM pg_constraint c
             WHERE c.conrelid = part AND c.contype IN ('p', 'u', 'x')
            UNION ALL
            SELECT 2, pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass)
              FROM pg_index i
             WHERE i.indrelid = part
               AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid
                                                             AND c.conrelid = part)) d;
    FOREACH v_sql IN ARRAY coalesce(v_drops, '{}') LOOP
        EXECUTE v_sql;
    END LOOP;
    RETURN coalesce(v_defs, '{}');
END
$$;
