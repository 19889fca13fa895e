-- bench/scale/expiry_per_subject.sql: expired_data() as it was before it
-- decided subjects in bulk, asking compliance.basis_end() about every
-- subject, table and purpose (the same function as in
-- sql/expired_count.sql), to time against count_expired_data().  Creates
-- bench_expiry_per_subject(); as a superuser.
\set ON_ERROR_STOP on
CREATE FUNCTION bench_expiry_per_subject()
    RETURNS TABLE (tbl regclass, subject text, purpose text, expired_at timestamptz)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
#variable_conflict use_column
DECLARE
    v_match text;
    v_from text;
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
        v_match := format('k.%I IS NOT NULL', r.subject_column);
        -- per subject: the earliest date of a retained row whose term has
        -- run (compared, not cast: a date past the timestamp range must not
        -- fail the scan), and whether some row counts from the end of the
        -- ground instead (no date, or an infinite one)
        v_from := CASE WHEN r.from_column IS NOT NULL
                       THEN format('min(k.%1$I) FILTER (WHERE isfinite(k.%1$I) AND k.%1$I <= %2$L::timestamptz)::timestamptz,'
                                   ' bool_or(k.%1$I IS NULL OR NOT isfinite(k.%1$I))',
                                   r.from_column, pg_catalog.now() - r.period)
                       ELSE 'NULL::timestamptz, true' END;
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
              LEFT JOIN LATERAL (
                   SELECT p.code, compliance.basis_end(s.subject, r.subject_kind, p.id) + coalesce(p.retention, interval '0') AS until
                     FROM compliance.purposes p
                    WHERE p.id = ANY (r.purposes)
                    ORDER BY 2 DESC NULLS LAST, p.id
                    LIMIT 1) x ON true
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
             WHERE (x.until IS NULL OR x.until <= pg_catalog.now())
               AND (NOT b.blocked OR kept.until <= pg_catalog.now())
             ORDER BY s.subject;
    END LOOP;
END
$$;
