CREATE FUNCTION compliance.ledger_chain(prev bytea, fields text[], first_id bigint, subjects text[])
    RETURNS bytea[]
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ledger_chain';
COMMENT ON FUNCTION compliance.ledger_chain(bytea, text[], bigint, text[]) IS
    'The hashes of a run of ledger rows sharing every field but the id (first_id, first_id + 1, ...) and the subject, chained after prev: compliance.ledger_digest() for each in turn.';

-- The chains' heads (ledger_heads) move once per transaction, at commit.
--
-- In 1.0 every append updated its chain's head row.  Those row versions
-- cannot be pruned before the commit, so each append of a transaction
-- walked all earlier ones: 12,000 consents in one transaction took 8.9 s
-- against 1.7 s for 4,000, and the capture writer, which appends a group
-- per statement in one transaction, managed about 270 groups a second.
-- Now an append locks the head as before (writers still form one chain in
-- commit order), continues from the transaction's own last append, noted
-- in ledger_tails, and a deferred trigger moves the head at commit.  The
-- notes follow MVCC: a rolled back subtransaction takes its notes with it,
-- and other sessions never see them (they are deleted at commit).

CREATE TABLE compliance.ledger_tails (
    ledger      text NOT NULL CHECK (ledger IN ('consent', 'disclosure')),
    last_id     bigint NOT NULL,
    last_hash   bytea NOT NULL,
    PRIMARY KEY (ledger, last_id)
);
COMMENT ON TABLE compliance.ledger_tails IS
    'Internal: the ends of the chains a transaction appended to, until it commits (then ledger_heads moves to them and the rows are deleted). Always empty outside a transaction.';
REVOKE ALL ON compliance.ledger_tails FROM PUBLIC;

-- The end of a chain for this transaction: its own last append, else the
-- head, which it locks until the transaction ends.
CREATE FUNCTION compliance.ledger_tail(p_ledger text, OUT last_id bigint, OUT last_hash bytea)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
    v_hash bytea;
BEGIN
    INSERT INTO compliance.ledger_heads (ledger, last_id, last_hash)
    VALUES (p_ledger, 0, '\x0000000000000000000000000000000000000000000000000000000000000000')
    ON CONFLICT (ledger) DO NOTHING;
    SELECT h.last_id, h.last_hash INTO last_id, last_hash
      FROM compliance.ledger_heads h WHERE h.ledger OPERATOR(pg_catalog.=) p_ledger FOR UPDATE;
    SELECT t.last_id, t.last_hash INTO v_id, v_hash
      FROM compliance.ledger_tails t
     WHERE t.ledger OPERATOR(pg_catalog.=) p_ledger
     ORDER BY t.last_id DESC LIMIT 1;
    IF FOUND AND v_id OPERATOR(pg_catalog.>) last_id THEN
        last_id := v_id;
        last_hash := v_hash;
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.ledger_tail(text) IS
    'Internal: locks a chain''s head and returns where this transaction appends next from: its own last append, or the head.';

CREATE FUNCTION compliance.ledger_extend(p_ledger text, p_last_id bigint, p_last_hash bytea)
    RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO compliance.ledger_tails (ledger, last_id, last_hash) VALUES (p_ledger, p_last_id, p_last_hash)
$$;
COMMENT ON FUNCTION compliance.ledger_extend(text, bigint, bytea) IS
    'Internal: notes the new end of a chain this transaction appended to; the head moves there at commit.';

-- At commit, for each note: the last one moves the head (only forward, so
-- a head remembering rows cut from the ledger stays and verify_ledger()
-- still reports the gap); every note is deleted.
CREATE FUNCTION compliance.ledger_tail_commit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.last_id OPERATOR(pg_catalog.=) (SELECT max(t.last_id) FROM compliance.ledger_tails t
                                           WHERE t.ledger OPERATOR(pg_catalog.=) NEW.ledger) THEN
        UPDATE compliance.ledger_heads h
           SET last_id = NEW.last_id, last_hash = NEW.last_hash
         WHERE h.ledger OPERATOR(pg_catalog.=) NEW.ledger
           AND h.last_id OPERATOR(pg_catalog.<) NEW.last_id;
    END IF;
    DELETE FROM compliance.ledger_tails t
     WHERE t.ledger OPERATOR(pg_catalog.=) NEW.ledger AND t.last_id OPERATOR(pg_catalog.=) NEW.last_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION compliance.ledger_tail_commit() IS
    'Internal deferred trigger on ledger_tails: at commit, moves each chain''s head to the transaction''s last append and deletes the notes.';
CREATE CONSTRAINT TRIGGER ledger_tail_commit AFTER INSERT ON compliance.ledger_tails
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION compliance.ledger_tail_commit();
ALTER TABLE compliance.ledger_tails ENABLE ALWAYS TRIGGER ledger_tail_commit;

REVOKE EXECUTE ON FUNCTION compliance.ledger_tail(text), compliance.ledger_extend(text, bigint, bytea),
    compliance.ledger_tail_commit() FROM PUBLIC;

CREATE OR REPLACE FUNCTION compliance.consent_ledger_append(p_event text, p_subject text,
        p_purposes compliance.purpose_set, p_receipt compliance.consent DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tail record;
    v_row compliance.consent_ledger;
BEGIN
    SELECT * INTO v_tail FROM compliance.ledger_tail('consent');
    v_row.id := v_tail.last_id OPERATOR(pg_catalog.+) 1;
    v_row.event := p_event;
    v_row.subject := p_subject;
    v_row.purposes := p_purposes;
    v_row.recorded_at := pg_catalog.clock_timestamp();
    v_row.recorded_by := session_user;
    -- the receipt carries the id of the event that recorded it
    v_row.receipt := CASE WHEN p_receipt IS NULL THEN NULL
                          ELSE pg_catalog.jsonb_set(p_receipt::jsonb, '{id}', pg_catalog.to_jsonb(v_row.id))::compliance.consent END;
    v_row.prev_hash := v_tail.last_hash;
    v_row.hash := compliance.ledger_digest(v_row.prev_hash, compliance.consent_ledger_fields(v_row));

    INSERT INTO compliance.consent_ledger (id, event, subject, purposes, recorded_at, recorded_by,
                                           receipt, prev_hash, hash)
    VALUES (v_row.id, v_row.event, v_row.subject, v_row.purposes, v_row.recorded_at,
            v_row.recorded_by, v_row.receipt, v_row.prev_hash, v_row.hash);
    PERFORM compliance.ledger_extend('consent', v_row.id, v_row.hash);
    RETURN v_row.id;
END
$$;

CREATE OR REPLACE FUNCTION compliance.disclosure_append_rows(p_subjects text[], p_recipient text,
        p_source_table text, p_data_items text[], p_purpose text, p_transfer_kind text,
        p_transfer_basis text, p_permit text, p_source text, p_disclosed_at timestamptz,
        p_recorded_by name)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_head compliance.ledger_heads;
    v_row compliance.disclosure_log;
    v_fields text[];
    v_hashes bytea[];
BEGIN
    IF cardinality(p_subjects) IS NOT DISTINCT FROM 0 OR p_subjects IS NULL THEN
        RETURN NULL;
    END IF;
    v_row.recipient := p_recipient;
    v_row.country := (SELECT r.country FROM compliance.recipients r WHERE r.code = p_recipient);
    IF v_row.country IS NULL THEN
        RAISE EXCEPTION 'recipient "%" is not registered', p_recipient
            USING ERRCODE = 'undefined_object',
                  HINT = 'Register it with compliance.register_recipient(code, name, location, country).';
    END IF;
    PERFORM compliance.ensure_disclosure_partition(p_disclosed_at);

    SELECT t.last_id, t.last_hash INTO v_head.last_id, v_head.last_hash
      FROM compliance.ledger_tail('disclosure') t;

    -- Every field but id and subject is shared: encode them once.
    v_row.data_items := coalesce(p_data_items, '{}');
    v_row.purpose := p_purpose;
    v_row.transfer_kind := p_transfer_kind;
    v_row.transfer_basis := p_transfer_basis;
    v_row.permit := p_permit;
    v_row.source := p_source;
    v_row.source_table := p_source_table;
    v_row.disclosed_at := p_disclosed_at;
    v_row.recorded_at := clock_timestamp();
    v_row.recorded_by := coalesce(p_recorded_by, session_user);
    v_fields := compliance.disclosure_log_fields(v_row);

    -- One call hashes the whole run (ledger.c); rows link to the previous one.
    v_hashes := compliance.ledger_chain(v_head.last_hash, v_fields, v_head.last_id + 1, p_subjects);
    INSERT INTO compliance.disclosure_log (id, subject, recipient, country, data_items, purpose,
            transfer_kind, transfer_basis, permit, source, source_table, disclosed_at,
            recorded_at, recorded_by, prev_hash, hash)
    SELECT v_head.last_id + u.n, u.subject, v_row.recipient, v_row.country, v_row.data_items,
           v_row.purpose, v_row.transfer_kind, v_row.transfer_basis, v_row.permit, v_row.source,
           v_row.source_table, v_row.disclosed_at, v_row.recorded_at, v_row.recorded_by,
           coalesce(lag(u.hash) OVER (ORDER BY u.n), v_head.last_hash), u.hash
      FROM unnest(p_subjects, v_hashes) WITH ORDINALITY AS u(subject, hash, n);
    PERFORM compliance.ledger_extend('disclosure', v_head.last_id + cardinality(p_subjects),
                                     v_hashes[cardinality(v_hashes)]);
    RETURN v_head.last_id + 1;
END
$$;

-- A transaction sees its own appends as verified: the heads they will move
-- at commit are moved now (SET CONSTRAINTS ... IMMEDIATE runs the pending
-- trigger events), and the trigger is deferred again.
CREATE OR REPLACE FUNCTION compliance.verify_ledger()
    RETURNS TABLE (ledger text, rows bigint, ok boolean, first_bad_id bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    SET CONSTRAINTS compliance.ledger_tail_commit IMMEDIATE;
    SET CONSTRAINTS compliance.ledger_tail_commit DEFERRED;
    RETURN QUERY
    SELECT * FROM compliance.verify_chain('consent',
        'SELECT c.id, c.prev_hash, c.hash, compliance.consent_ledger_fields(c) AS fields
           FROM compliance.consent_ledger c')
    UNION ALL
    SELECT * FROM compliance.verify_chain('disclosure',
        'SELECT d.id, d.prev_hash, d.hash, compliance.disclosure_log_fields(d) AS fields
           FROM compliance.disclosure_log d');
END
$$;
