-- The consent chain's head moves once per transaction, at commit.
--
-- In 1.0 every consent event updated the head row (ledger_heads 'consent').
-- Within one transaction those row versions cannot be pruned, and each
-- update walked all earlier ones: giving 12,000 consents in one transaction
-- took 8.9 s against 1.7 s for 4,000.  Now the first event of a transaction
-- locks the head row as before (writers still form one chain in commit
-- order), later events continue from the transaction's own last row, and a
-- deferred trigger moves the head to the last row at commit.

CREATE OR REPLACE FUNCTION compliance.consent_ledger_append(p_event text, p_subject text,
        p_purposes compliance.purpose_set, p_receipt compliance.consent DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_head compliance.ledger_heads;
    v_row compliance.consent_ledger;
    v_last_id bigint;
    v_last_hash bytea;
BEGIN
    INSERT INTO compliance.ledger_heads (ledger, last_id, last_hash)
    VALUES ('consent', 0, '\x0000000000000000000000000000000000000000000000000000000000000000')
    ON CONFLICT (ledger) DO NOTHING;
    SELECT * INTO v_head FROM compliance.ledger_heads WHERE ledger = 'consent' FOR UPDATE;

    -- Rows past the head are this transaction's own: the lock keeps others
    -- out until it ends.  A ledger cut short below the head still chains
    -- onto the head, so verify_ledger() reports the gap.
    SELECT c.id, c.hash INTO v_last_id, v_last_hash
      FROM compliance.consent_ledger c
     WHERE c.id OPERATOR(pg_catalog.>) v_head.last_id
     ORDER BY c.id DESC LIMIT 1;
    IF FOUND THEN
        v_head.last_id := v_last_id;
        v_head.last_hash := v_last_hash;
    END IF;

    v_row.id := v_head.last_id OPERATOR(pg_catalog.+) 1;
    v_row.event := p_event;
    v_row.subject := p_subject;
    v_row.purposes := p_purposes;
    v_row.recorded_at := pg_catalog.clock_timestamp();
    v_row.recorded_by := session_user;
    -- the receipt carries the id of the event that recorded it
    v_row.receipt := CASE WHEN p_receipt IS NULL THEN NULL
                          ELSE pg_catalog.jsonb_set(p_receipt::jsonb, '{id}', pg_catalog.to_jsonb(v_row.id))::compliance.consent END;
    v_row.prev_hash := v_head.last_hash;
    v_row.hash := compliance.ledger_digest(v_row.prev_hash, compliance.consent_ledger_fields(v_row));

    INSERT INTO compliance.consent_ledger (id, event, subject, purposes, recorded_at, recorded_by,
                                           receipt, prev_hash, hash)
    VALUES (v_row.id, v_row.event, v_row.subject, v_row.purposes, v_row.recorded_at,
            v_row.recorded_by, v_row.receipt, v_row.prev_hash, v_row.hash);
    RETURN v_row.id;
END
$$;

-- At commit, for each row the transaction appended: the last one becomes
-- the head.  Only forward: a head restored by pg_restore or remembering
-- rows cut from the ledger stays, so verify_ledger() still reports a gap.
CREATE FUNCTION compliance.consent_ledger_head() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- max(id) reads one end of the primary key
    IF NEW.id OPERATOR(pg_catalog.=) (SELECT max(c.id) FROM compliance.consent_ledger c) THEN
        UPDATE compliance.ledger_heads h
           SET last_id = NEW.id, last_hash = NEW.hash
         WHERE h.ledger OPERATOR(pg_catalog.=) 'consent'
           AND h.last_id OPERATOR(pg_catalog.<) NEW.id;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION compliance.consent_ledger_head() IS
    'Internal deferred trigger: at commit, moves the consent chain''s head (ledger_heads) to the last row the transaction appended.';
REVOKE EXECUTE ON FUNCTION compliance.consent_ledger_head() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER consent_ledger_head AFTER INSERT ON compliance.consent_ledger
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION compliance.consent_ledger_head();

-- A transaction sees its own appends as verified: the head they will move
-- at commit is moved now (SET CONSTRAINTS ... IMMEDIATE runs the pending
-- deferred trigger events), and the trigger is deferred again.
CREATE OR REPLACE FUNCTION compliance.verify_ledger()
    RETURNS TABLE (ledger text, rows bigint, ok boolean, first_bad_id bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    SET CONSTRAINTS compliance.consent_ledger_head IMMEDIATE;
    SET CONSTRAINTS compliance.consent_ledger_head DEFERRED;
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
