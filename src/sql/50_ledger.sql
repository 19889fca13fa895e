-- Append-only, hash-chained ledgers (Art. 5.7: the processor proves consent;
-- Art. 12: the processor tells whom data were provided to).  Each row's hash
-- is SHA-256 over the previous row's hash and the row's fields (ledger.c).

CREATE FUNCTION compliance.ledger_digest(prev bytea, fields text[]) RETURNS bytea
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ledger_digest';
COMMENT ON FUNCTION compliance.ledger_digest(bytea, text[]) IS
    'SHA-256 over the previous row''s hash and the length-prefixed UTF-8 encoding of the row''s fields; the link of a ledger''s hash chain.';

CREATE FUNCTION compliance.ledger_guard() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'ledger_guard';
COMMENT ON FUNCTION compliance.ledger_guard() IS
    'Trigger: refuses UPDATE, DELETE and TRUNCATE on a ledger unless a superuser turned compliance.ledger_protection off.';

-- The head of each chain.  Appending locks its row, so concurrent writers
-- form one chain in commit order.
CREATE TABLE compliance.ledger_heads (
    ledger      text PRIMARY KEY CHECK (ledger IN ('consent', 'disclosure')),
    last_id     bigint NOT NULL,
    last_hash   bytea NOT NULL
);
COMMENT ON TABLE compliance.ledger_heads IS
    'Last id and hash of each ledger''s chain; appending locks the row. Publish last_hash elsewhere to anchor the chain.';

-- Tables whose purpose columns are read through the registry reference it
-- (registry_ref), so that pg_dump, which loads extension tables' data in
-- foreign-key order, restores compliance.purposes first.
CREATE FUNCTION compliance.first_purpose_id(compliance.purpose_set) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'SELECT min(compliance.purpose_id(p)) FROM compliance.purposes($1) p';
COMMENT ON FUNCTION compliance.first_purpose_id(compliance.purpose_set) IS
    'The lowest registry id in a purpose set (NULL if empty); generates registry_ref columns.';

CREATE TABLE compliance.consent_ledger (
    id          bigint PRIMARY KEY,
    event       text NOT NULL CHECK (event IN ('given', 'renewed', 'withdrawn', 'refused', 'erased')),
    subject     text NOT NULL,
    purposes    compliance.purpose_set NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by name NOT NULL,
    receipt     compliance.consent,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    registry_ref integer GENERATED ALWAYS AS (compliance.first_purpose_id(purposes)) STORED
                 REFERENCES compliance.purposes (id)
);
CREATE INDEX consent_ledger_subject ON compliance.consent_ledger (subject, id);
COMMENT ON TABLE compliance.consent_ledger IS
    'Every consent event (given, renewed, withdrawn, refused, erased), append-only and hash-chained: the processor''s proof of consent (Art. 5.7 of Law 99-Z). Withdrawal is not retroactive (Art. 10.4), so history stays. It holds no more personal data than the receipts themselves.';
COMMENT ON COLUMN compliance.consent_ledger.receipt IS 'The consent receipt for given and renewed events; NULL otherwise.';
COMMENT ON COLUMN compliance.consent_ledger.hash IS 'compliance.ledger_digest(prev_hash, compliance.consent_ledger_fields(row)).';

COMMENT ON COLUMN compliance.consent_ledger.registry_ref IS 'A purpose of the row (generated, outside the hash): its foreign key makes pg_dump restore the purpose registry before this table, whose purpose values are read through it.';

CREATE TRIGGER ledger_guard BEFORE UPDATE OR DELETE ON compliance.consent_ledger
    FOR EACH ROW EXECUTE FUNCTION compliance.ledger_guard();
CREATE TRIGGER ledger_guard_truncate BEFORE TRUNCATE ON compliance.consent_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.ledger_guard();
ALTER TABLE compliance.consent_ledger ENABLE ALWAYS TRIGGER ledger_guard;
ALTER TABLE compliance.consent_ledger ENABLE ALWAYS TRIGGER ledger_guard_truncate;

-- The canonical field list of a consent ledger row, in chain order.
CREATE FUNCTION compliance.consent_ledger_fields(r compliance.consent_ledger) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY[r.id::text, r.event, r.subject, r.purposes::text,
                 to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                 r.recorded_by::text, r.receipt::text]
$$;
COMMENT ON FUNCTION compliance.consent_ledger_fields(compliance.consent_ledger) IS
    'Fields of a consent ledger row in the fixed order its hash covers; timestamps in UTC, so the hash does not depend on settings.';

-- Locks the head of the consent chain until the transaction ends: consent
-- writers decide on the current state (given or renewed, what is in force)
-- and append in one order.  A row lock, so a bulk load of many subjects in
-- one transaction takes no lock-table entries.
CREATE FUNCTION compliance.consent_ledger_lock() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO compliance.ledger_heads (ledger, last_id, last_hash)
    VALUES ('consent', 0, '\x0000000000000000000000000000000000000000000000000000000000000000')
    ON CONFLICT (ledger) DO NOTHING;
    PERFORM FROM compliance.ledger_heads WHERE ledger = 'consent' FOR UPDATE;
END
$$;
COMMENT ON FUNCTION compliance.consent_ledger_lock() IS
    'Internal: locks the head of the consent chain until the transaction ends, serialising consent writers.';

-- Appends one consent event and returns its id.  Internal: called by the
-- consent functions, which validate their input.
CREATE FUNCTION compliance.consent_ledger_append(p_event text, p_subject text,
        p_purposes compliance.purpose_set, p_receipt compliance.consent DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_head compliance.ledger_heads;
    v_row compliance.consent_ledger;
BEGIN
    INSERT INTO compliance.ledger_heads (ledger, last_id, last_hash)
    VALUES ('consent', 0, '\x0000000000000000000000000000000000000000000000000000000000000000')
    ON CONFLICT (ledger) DO NOTHING;
    SELECT * INTO v_head FROM compliance.ledger_heads WHERE ledger = 'consent' FOR UPDATE;

    v_row.id := v_head.last_id + 1;
    v_row.event := p_event;
    v_row.subject := p_subject;
    v_row.purposes := p_purposes;
    v_row.recorded_at := clock_timestamp();
    v_row.recorded_by := session_user;
    -- the receipt carries the id of the event that recorded it
    v_row.receipt := CASE WHEN p_receipt IS NULL THEN NULL
                          ELSE jsonb_set(p_receipt::jsonb, '{id}', to_jsonb(v_row.id))::compliance.consent END;
    v_row.prev_hash := v_head.last_hash;
    v_row.hash := compliance.ledger_digest(v_row.prev_hash, compliance.consent_ledger_fields(v_row));

    INSERT INTO compliance.consent_ledger (id, event, subject, purposes, recorded_at, recorded_by,
                                           receipt, prev_hash, hash)
    VALUES (v_row.id, v_row.event, v_row.subject, v_row.purposes, v_row.recorded_at,
            v_row.recorded_by, v_row.receipt, v_row.prev_hash, v_row.hash);
    UPDATE compliance.ledger_heads SET last_id = v_row.id, last_hash = v_row.hash
     WHERE ledger = 'consent';
    RETURN v_row.id;
END
$$;
COMMENT ON FUNCTION compliance.consent_ledger_append(text, text, compliance.purpose_set, compliance.consent) IS
    'Internal: appends one consent event to the hash chain and returns its id; concurrent callers are serialised on the chain head.';

-- Checks one hash chain.  rows_query returns (id, prev_hash, hash, fields)
-- for every row of the ledger; a fixed text from verify_ledger(), never
-- user input.
CREATE FUNCTION compliance.verify_chain(chain text, rows_query text)
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
                   AND r.id = coalesce(lag(r.id) OVER w, 0) + 1 AS good
              FROM r
            WINDOW w AS (ORDER BY r.id)
        )
        SELECT count(*), min(links.id) FILTER (WHERE NOT links.good),
               max(links.id), (array_agg(links.hash ORDER BY links.id DESC))[1]
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
COMMENT ON FUNCTION compliance.verify_chain(text, text) IS
    'Internal: recomputes one ledger''s hash chain from a query of its rows (id, prev_hash, hash, fields); used by verify_ledger().';

-- One result row per ledger: rows, whether the chain is intact, and the
-- first row whose content, position or link does not match.  The
-- disclosure log is created later (80_disclosures.sql); the query text is
-- resolved at run time.
CREATE FUNCTION compliance.verify_ledger()
    RETURNS TABLE (ledger text, rows bigint, ok boolean, first_bad_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM compliance.verify_chain('consent',
        'SELECT c.id, c.prev_hash, c.hash, compliance.consent_ledger_fields(c) AS fields
           FROM compliance.consent_ledger c')
    UNION ALL
    SELECT * FROM compliance.verify_chain('disclosure',
        'SELECT d.id, d.prev_hash, d.hash, compliance.disclosure_log_fields(d) AS fields
           FROM compliance.disclosure_log d')
$$;
COMMENT ON FUNCTION compliance.verify_ledger() IS
    'Recomputes every ledger''s hash chain: rows, whether it is intact, and the first row whose content, order or link was changed (or the first missing one).';

SELECT pg_catalog.pg_extension_config_dump('compliance.ledger_heads', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.consent_ledger', '');
