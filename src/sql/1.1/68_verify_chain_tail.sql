-- verify_chain kept every hash of the chain in one array to pick the last
-- one, which fails past about 33 million rows (an array is at most 1 GB).
-- The last row is now marked by the window the links are checked in, so
-- verifying takes the same memory for any length of ledger.
CREATE OR REPLACE FUNCTION compliance.verify_chain(chain text, rows_query text)
    RETURNS TABLE (ledger text, rows bigint, ok boolean, first_bad_id bigint)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_head compliance.ledger_heads;
    v_last_id bigint;
    v_last_hash bytea;
BEGIN
    EXECUTE format($q$
        WITH r AS (%s),
        links AS (
            SELECT r.id, r.hash,
                   r.hash = compliance.ledger_digest(r.prev_hash, r.fields)
                   AND r.prev_hash = coalesce(lag(r.hash) OVER w, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                   AND r.id = coalesce(lag(r.id) OVER w, 0) + 1 AS good,
                   lead(r.id) OVER w IS NULL AS is_last
              FROM r
            WINDOW w AS (ORDER BY r.id)
        )
        SELECT count(*), min(links.id) FILTER (WHERE NOT links.good),
               max(links.id), (array_agg(links.hash) FILTER (WHERE links.is_last))[1]
          FROM links$q$, rows_query)
      INTO rows, first_bad_id, v_last_id, v_last_hash;

    -- Rows cut from the end leave a valid prefix: the head still remembers them.
    SELECT * INTO v_head FROM compliance.ledger_heads h WHERE h.ledger = verify_chain.chain;
    ledger := chain;
    IF first_bad_id IS NULL
       AND (coalesce(v_head.last_id, 0) <> coalesce(v_last_id, 0)
            OR v_head.last_hash IS DISTINCT FROM v_last_hash) THEN
        first_bad_id := coalesce(v_last_id, 0) + 1;
    END IF;
    ok := first_bad_id IS NULL;
    RETURN NEXT;
END
$$;
