-- Append-only, hash-chained ledgers (Art. 5.7: the processor proves consent;
-- Art. 12: the processor tells whom data were provided to).  Each row's hash
-- is SHA-256 over the previous row's hash and the row's fields (ledger.c).

CREATE FUNCTION compliance.ledger_digest(prev bytea, fields text[]) RETURNS bytea
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'ledger_digest';
COMMENT ON FUNCTION compliance.ledger_digest(bytea, text[]) IS
    'SHA-256 over the previous row''s hash and the length-prefixed UTF-8 encoding of the row''s fields; the link of a ledger''s hash chain.';

-- Rows appended in bulk, whose fields all differ: in a query passing the
-- rows in the order of id,
--   compliance.ledger_chain_next(head_hash, id, fields)
-- is each row's prev_hash and hash (64 bytes), the first linked to
-- head_hash.  VOLATILE: it remembers the previous row.
CREATE FUNCTION compliance.ledger_chain_next(head bytea, id bigint, fields text[]) RETURNS bytea
    LANGUAGE C VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'ledger_chain_next';
COMMENT ON FUNCTION compliance.ledger_chain_next(bytea, bigint, text[]) IS
    'Internal: for rows passed in the order of id, one apart, the previous row''s hash (head for the first row of the query) followed by compliance.ledger_digest() of the row''s fields after it (64 bytes); rows out of order are an error.';
REVOKE EXECUTE ON FUNCTION compliance.ledger_chain_next(bytea, bigint, text[]) FROM PUBLIC;

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

-- The chains' heads (ledger_heads) move once per transaction, at commit.
--
-- An append that updated its chain's head row would leave row versions
-- that cannot be pruned before the commit, so each append of a
-- transaction would walk all earlier ones (12,000 consents in one
-- transaction took 8.9 s against 1.7 s for 4,000, and the capture writer,
-- which appends a group per statement in one transaction, managed about
-- 270 groups a second).  Instead an append locks the head (writers form
-- one chain in commit order), continues from the transaction's own last
-- append, noted in ledger_tails, and a deferred trigger moves the head at
-- commit.  The notes follow MVCC: a rolled back subtransaction takes its
-- notes with it, and other sessions never see them (they are deleted at
-- commit).
--
-- Every step costs the same however many appends came before it in the
-- transaction.  Only a transaction's first note of a chain queues the
-- commit trigger (first = true): a trigger event per note made the commit
-- of n appends cost n times a scan of the n notes, none of which can be
-- pruned before the commit (100,000 consents in one transaction were
-- still at COMMIT after 15 minutes).  The trigger then finds the last note
-- once and deletes all of them in one statement.  If the subtransaction
-- that wrote the first note rolls back, its trigger event goes with it,
-- and the next append finds no note and writes a first one again.

CREATE TABLE compliance.ledger_tails (
    ledger      text NOT NULL CHECK (ledger IN ('consent', 'disclosure')),
    last_id     bigint NOT NULL,
    last_hash   bytea NOT NULL,
    first       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (ledger, last_id)
);
COMMENT ON TABLE compliance.ledger_tails IS
    'Internal: the ends of the chains a transaction appended to, until it commits (then ledger_heads moves to the last one and the rows are deleted). Always empty outside a transaction.';
COMMENT ON COLUMN compliance.ledger_tails.first IS
    'Internal: the transaction''s first note of the chain, whose deferred trigger moves the head at commit; later notes queue no trigger.';
REVOKE ALL ON compliance.ledger_tails FROM PUBLIC;

-- The end of a chain for this transaction: its own last append, else the
-- head, which it locks until the transaction ends.  noted: the end is the
-- transaction's own note (its next note is not the first).
--
-- The table is empty outside transactions, so its statistics say nothing
-- of what it holds inside a long one: a plan made while it held a few
-- notes, or from a file of zero pages, may read it whole (a sequential
-- scan and a sort, or every index entry for max()), which repeated once
-- per append is quadratic.  Only the backward index scan costs the same
-- for any number of notes; the function's settings leave the planner no
-- other choice.
CREATE FUNCTION compliance.ledger_tail(p_ledger text, OUT last_id bigint, OUT last_hash bytea,
        OUT noted boolean)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET enable_sort = off
AS $$
DECLARE
    v_id bigint;
    v_hash bytea;
BEGIN
    INSERT INTO compliance.ledger_heads (ledger, last_id, last_hash)
    VALUES (p_ledger, 0, E'\\x0000000000000000000000000000000000000000000000000000000000000000')
    ON CONFLICT (ledger) DO NOTHING;
    SELECT h.last_id, h.last_hash INTO last_id, last_hash
      FROM compliance.ledger_heads h WHERE h.ledger OPERATOR(pg_catalog.=) p_ledger FOR UPDATE;
    SELECT t.last_id, t.last_hash INTO v_id, v_hash
      FROM compliance.ledger_tails t
     WHERE t.ledger OPERATOR(pg_catalog.=) p_ledger
     ORDER BY t.last_id DESC LIMIT 1;
    noted := FOUND;
    IF noted AND v_id OPERATOR(pg_catalog.>) last_id THEN
        last_id := v_id;
        last_hash := v_hash;
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.ledger_tail(text) IS
    'Internal: locks a chain''s head and returns where this transaction appends next from: its own last append, or the head; noted tells which (pass NOT noted to ledger_extend as first).';

CREATE FUNCTION compliance.ledger_extend(p_ledger text, p_last_id bigint, p_last_hash bytea, p_first boolean)
    RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO compliance.ledger_tails (ledger, last_id, last_hash, first)
    VALUES (p_ledger, p_last_id, p_last_hash, p_first)
$$;
COMMENT ON FUNCTION compliance.ledger_extend(text, bigint, bytea, boolean) IS
    'Internal: notes the new end of a chain this transaction appended to; the head moves there at commit. p_first: the transaction has no note of the chain yet (NOT ledger_tail().noted), so this one queues the commit trigger.';

-- At commit, once per chain a transaction appended to (its first note's
-- event): the last note moves the head (only forward, so a head
-- remembering rows cut from the ledger stays and verify_ledger() still
-- reports the gap), and every note is deleted.
CREATE FUNCTION compliance.ledger_tail_commit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET enable_sort = off
AS $$
DECLARE
    v_id bigint;
    v_hash bytea;
BEGIN
    SELECT t.last_id, t.last_hash INTO v_id, v_hash
      FROM compliance.ledger_tails t
     WHERE t.ledger OPERATOR(pg_catalog.=) NEW.ledger
     ORDER BY t.last_id DESC LIMIT 1;
    IF FOUND THEN
        UPDATE compliance.ledger_heads h
           SET last_id = v_id, last_hash = v_hash
         WHERE h.ledger OPERATOR(pg_catalog.=) NEW.ledger
           AND h.last_id OPERATOR(pg_catalog.<) v_id;
        DELETE FROM compliance.ledger_tails t WHERE t.ledger OPERATOR(pg_catalog.=) NEW.ledger;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION compliance.ledger_tail_commit() IS
    'Internal deferred trigger on ledger_tails, fired by a transaction''s first note of a chain: at commit, moves the chain''s head to the transaction''s last append and deletes its notes.';
CREATE CONSTRAINT TRIGGER ledger_tail_commit AFTER INSERT ON compliance.ledger_tails
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.first)
    EXECUTE FUNCTION compliance.ledger_tail_commit();
ALTER TABLE compliance.ledger_tails ENABLE ALWAYS TRIGGER ledger_tail_commit;

REVOKE EXECUTE ON FUNCTION compliance.ledger_tail(text), compliance.ledger_extend(text, bigint, bytea, boolean),
    compliance.ledger_tail_commit() FROM PUBLIC;

-- Tables whose purpose columns are read through the registry reference it
-- (registry_ref), so that pg_dump, which loads extension tables' data in
-- foreign-key order, restores compliance.purposes first.
CREATE FUNCTION compliance.first_purpose_id(compliance.purpose_set) RETURNS integer
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_first_id';
COMMENT ON FUNCTION compliance.first_purpose_id(compliance.purpose_set) IS
    'The lowest registry id in a purpose set (NULL if empty); generates registry_ref columns.';

CREATE TABLE compliance.consent_ledger (
    id          bigint PRIMARY KEY,
    event       text NOT NULL CHECK (event IN ('given', 'renewed', 'withdrawn', 'refused', 'erased')),
    subject     text NOT NULL,
    subject_kind text NOT NULL REFERENCES compliance.subject_kinds (kind),
    purposes    compliance.purpose_set NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by name NOT NULL,
    receipt     compliance.consent,
    transfer_countries text[],
    request_id  bigint,
    evidence_salt bytea CHECK (octet_length(evidence_salt) = 32),
    rights_digest bytea CHECK (octet_length(rights_digest) = 32),
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    registry_ref integer GENERATED ALWAYS AS (compliance.first_purpose_id(purposes)) STORED
                 REFERENCES compliance.purposes (id)
);
CREATE INDEX consent_ledger_subject ON compliance.consent_ledger (subject, subject_kind, id);
COMMENT ON TABLE compliance.consent_ledger IS
    'Every consent event (given, renewed, withdrawn, refused, erased), append-only and hash-chained: the processor''s proof of consent (Art. 5.7 of Law 99-Z). Withdrawal is not retroactive (Art. 10.4), so history stays. It holds no more personal data than the receipts themselves.';
COMMENT ON COLUMN compliance.consent_ledger.receipt IS 'The consent receipt for given and renewed events; NULL otherwise. Its identity and representative are sealed ({"digest": ...}: SHA-256 over evidence_salt and the JSON text), and its evidence_digest is salted the same way; the plaintext is in compliance.consent_evidence until the subject is erased.';
COMMENT ON COLUMN compliance.consent_ledger.evidence_salt IS 'Random 32 bytes of a given or renewed event: the salt of the receipt''s sealed identity, representative and evidence digests (Art. 5.7), so that a digest confirms what is presented later and cannot be matched across receipts; compliance.confirm_consent_evidence() checks.';
COMMENT ON COLUMN compliance.consent_ledger.transfer_countries IS 'For given and renewed events: the countries without adequate protection the subject agreed to a transfer to, after a notice stating the risks (Art. 9.1); NULL: none.';
COMMENT ON COLUMN compliance.consent_ledger.rights_digest IS 'For given and renewed events: the SHA-256 digest of the explanation of rights shown before consent, separately from the notice whose digest the receipt keeps (Art. 5.5 of Law 99-Z, second part; compliance.rights_notice()). Chained with the row.';
COMMENT ON COLUMN compliance.consent_ledger.request_id IS 'For a withdrawn event made on a data subject''s application: the application (compliance.requests), whose receipt starts the 15 days of Art. 10.2.';
COMMENT ON COLUMN compliance.consent_ledger.hash IS 'compliance.ledger_digest(prev_hash, compliance.consent_ledger_fields(row)).';

COMMENT ON COLUMN compliance.consent_ledger.registry_ref IS 'A purpose of the row (generated, outside the hash): its foreign key makes pg_dump restore the purpose registry before this table, whose purpose values are read through it.';

CREATE TRIGGER ledger_guard BEFORE UPDATE OR DELETE ON compliance.consent_ledger
    FOR EACH ROW EXECUTE FUNCTION compliance.ledger_guard();
CREATE TRIGGER ledger_guard_truncate BEFORE TRUNCATE ON compliance.consent_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.ledger_guard();
ALTER TABLE compliance.consent_ledger ENABLE ALWAYS TRIGGER ledger_guard;
ALTER TABLE compliance.consent_ledger ENABLE ALWAYS TRIGGER ledger_guard_truncate;

-- The canonical field list of a consent ledger row, in chain order.  A
-- single expression without SET search_path, so that the planner inlines
-- it: as a separate SQL function call it took about an eighth of
-- give_consent's time.  Its callers, consent_ledger_append() and
-- verify_ledger(), run with search_path = pg_catalog, pg_temp, so the
-- inlined expression resolves to the same functions for every row.
CREATE FUNCTION compliance.consent_ledger_fields(r compliance.consent_ledger) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ARRAY[r.id::text, r.event, r.subject, r.subject_kind, r.purposes::text,
                 to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                 r.recorded_by::text, r.receipt::text, r.transfer_countries::text, r.request_id::text,
                 pg_catalog.encode(r.evidence_salt, 'hex'), pg_catalog.encode(r.rights_digest, 'hex')]
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
    VALUES ('consent', 0, E'\\x0000000000000000000000000000000000000000000000000000000000000000')
    ON CONFLICT (ledger) DO NOTHING;
    PERFORM FROM compliance.ledger_heads WHERE ledger = 'consent' FOR UPDATE;
END
$$;
COMMENT ON FUNCTION compliance.consent_ledger_lock() IS
    'Internal: locks the head of the consent chain until the transaction ends, serialising consent writers.';

-- Waits until the transaction holding the chain's head, if any, ends,
-- and holds nothing after: the head is locked in a subtransaction that is
-- rolled back.  A purge or erase-task batch that a consent writer made
-- fail (compliance.append_erasures) runs again only after that writer is
-- done.
CREATE FUNCTION compliance.wait_for_consent_writers() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    BEGIN
        PERFORM compliance.consent_ledger_lock();
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'compliance: the chain''s head is free';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
END
$$;
COMMENT ON FUNCTION compliance.wait_for_consent_writers() IS
    'Internal: waits until the transaction holding the consent chain''s head ends, holding nothing after; a batch that a consent writer made fail runs again after it.';
REVOKE EXECUTE ON FUNCTION compliance.wait_for_consent_writers() FROM PUBLIC;
-- the batch procedures run with their caller's rights
GRANT EXECUTE ON FUNCTION compliance.wait_for_consent_writers() TO compliance_officer;

-- What identifies a subject in a receipt (the identity fields of Art. 5.6,
-- the representative) is kept outside the hash chain, so that erasure can
-- delete it while the chain still verifies; the chain holds salted
-- digests, which confirm a document presented later (Art. 5.7) and cannot
-- be read back.
CREATE TABLE compliance.consent_evidence (
    ledger_id       bigint PRIMARY KEY REFERENCES compliance.consent_ledger (id),
    subject         text NOT NULL,
    subject_kind    text NOT NULL,
    identity        jsonb,
    representative  jsonb,
    CHECK (identity IS NOT NULL OR representative IS NOT NULL)
);
CREATE INDEX consent_evidence_subject ON compliance.consent_evidence (subject, subject_kind);
COMMENT ON TABLE compliance.consent_evidence IS
    'The identity fields (Art. 5.6) and the representative of each consent receipt, in plain text, outside the hash chain: the ledger keeps only their salted digests. Deleted when the subject is erased (Art. 13); compliance.confirm_consent_evidence() then still confirms a document presented later.';
SELECT pg_catalog.pg_extension_config_dump('compliance.consent_evidence', '');

-- Exactly {"digest": 64 lowercase hex digits}: already sealed.
CREATE FUNCTION compliance.is_sealed(value jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_typeof(value) = 'object' AND (SELECT count(*) FROM jsonb_object_keys(value)) = 1
           AND coalesce(value ->> 'digest' ~ '^[0-9a-f]{64}$', false)
$$;
COMMENT ON FUNCTION compliance.is_sealed(jsonb) IS
    'Internal: true if the JSON value is exactly a sealed digest, {"digest": 64 lowercase hexadecimal digits}.';

-- 32 random bytes from the operating system (pg_strong_random).
CREATE FUNCTION compliance.new_salt() RETURNS bytea
    LANGUAGE C VOLATILE PARALLEL SAFE AS 'MODULE_PATHNAME', 'new_salt';
COMMENT ON FUNCTION compliance.new_salt() IS
    'Internal: 32 random bytes for a salted digest.';

-- The key of sealed evidence.  A digest of low-entropy data (a birth date
-- alone, a name and birth date with a guessable id number) is found by
-- trying every value when the salt is at hand, and analysts read the
-- ledgers: so every digest is keyed with this secret, which no role of
-- the extension reads.  Created at first use, not by CREATE EXTENSION, so
-- that a restore brings the dumped key back and old digests still confirm.
CREATE TABLE compliance.evidence_key (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    key     bytea NOT NULL CHECK (octet_length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE compliance.evidence_key IS
    'The secret 32 bytes every sealed digest is keyed with (compliance.sealed_digest), so that a digest of identity data cannot be tried value by value without it; readable by no role of the extension. Dumped with the database: a backup holds it.';
REVOKE ALL ON compliance.evidence_key FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('compliance.evidence_key', '');

-- The key, created at first use.
CREATE FUNCTION compliance.evidence_key_value() RETURNS bytea
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_key bytea;
BEGIN
    SELECT k.key INTO v_key FROM compliance.evidence_key k;
    IF NOT FOUND THEN
        INSERT INTO compliance.evidence_key (key) VALUES (compliance.new_salt()) ON CONFLICT (id) DO NOTHING;
        SELECT k.key INTO v_key FROM compliance.evidence_key k;
    END IF;
    RETURN v_key;
END
$$;
COMMENT ON FUNCTION compliance.evidence_key_value() IS
    'Internal: the secret key of sealed digests (compliance.evidence_key), created at first use.';

-- SHA-256(key || SHA-256(salt || value)): the inner digest has a fixed
-- length, so the outer one cannot be extended into another value's.  One
-- expression without SET search_path, so that a bulk import inlines it.
CREATE FUNCTION compliance.keyed_digest(key bytea, salt bytea, value text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT pg_catalog.sha256(key OPERATOR(pg_catalog.||)
                             pg_catalog.sha256(salt OPERATOR(pg_catalog.||) pg_catalog.convert_to(value, 'UTF8')))
$$;
COMMENT ON FUNCTION compliance.keyed_digest(bytea, bytea, text) IS
    'Internal: SHA-256 over the key and SHA-256(salt || UTF-8 text of the value): a sealed digest.';

CREATE FUNCTION compliance.sealed_digest(salt bytea, value text) RETURNS bytea
    LANGUAGE sql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT compliance.keyed_digest(compliance.evidence_key_value(), salt, value)
$$;
COMMENT ON FUNCTION compliance.sealed_digest(bytea, text) IS
    'Internal: the keyed, salted digest of a text under the secret evidence key: how sealed evidence is kept (a JSON value as its jsonb text). Not executable by any role of the extension, so that nobody tries values against a digest outside the officer''s confirm functions.';

-- Text values sealed under one new salt: {"salt": hex, name: digest hex, ...}
-- for each non-NULL member of values (a string as itself, any other JSON
-- value as its jsonb text).
CREATE FUNCTION compliance.seal_values(vals jsonb) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_salt bytea := compliance.new_salt();
    v_sealed jsonb;
BEGIN
    SELECT jsonb_object_agg(e.key, encode(compliance.sealed_digest(v_salt,
               CASE WHEN jsonb_typeof(e.value) = 'string' THEN e.value #>> '{}' ELSE e.value::text END), 'hex'))
      INTO v_sealed
      FROM jsonb_each(jsonb_strip_nulls(vals)) e;
    RETURN CASE WHEN v_sealed IS NULL THEN NULL
                ELSE v_sealed || jsonb_build_object('salt', encode(v_salt, 'hex')) END;
END
$$;
COMMENT ON FUNCTION compliance.seal_values(jsonb) IS
    'Internal: the non-NULL members of vals sealed under one new salt, as {"salt": hex, member: keyed digest hex}; what erasure keeps of free text and applicant details.';

-- Does the presented text match a member of a seal_values() result?
CREATE FUNCTION compliance.seal_matches(sealed jsonb, item text, presented text) RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN sealed ->> item IS NULL OR presented IS NULL THEN NULL
                ELSE encode(compliance.sealed_digest(decode(sealed ->> 'salt', 'hex'), presented), 'hex') = sealed ->> item END
$$;
COMMENT ON FUNCTION compliance.seal_matches(jsonb, text, text) IS
    'Internal: whether the presented text matches the sealed member item (NULL: nothing sealed or nothing presented).';
-- only the extension's own SECURITY DEFINER functions seal and confirm
REVOKE EXECUTE ON FUNCTION compliance.sealed_digest(bytea, text), compliance.seal_values(jsonb),
    compliance.seal_matches(jsonb, text, text), compliance.evidence_key_value(),
    compliance.keyed_digest(bytea, bytea, text) FROM PUBLIC;

-- Appends one consent event and returns its id.  Internal: called by the
-- consent functions, which validate their input.  A receipt's identity and
-- representative go to consent_evidence, and the chain gets them sealed
-- with p_salt (a new salt when none is given).
CREATE FUNCTION compliance.consent_ledger_append(p_event text, p_subject text, p_subject_kind text,
        p_purposes compliance.purpose_set, p_receipt compliance.consent DEFAULT NULL,
        p_transfer_countries text[] DEFAULT NULL, p_request_id bigint DEFAULT NULL,
        p_salt bytea DEFAULT NULL, p_rights_digest bytea DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tail record;
    v_row compliance.consent_ledger;
    v_receipt jsonb;
    v_identity jsonb;
    v_representative jsonb;
BEGIN
    SELECT * INTO v_tail FROM compliance.ledger_tail('consent');
    v_row.id := v_tail.last_id OPERATOR(pg_catalog.+) 1;
    v_row.event := p_event;
    v_row.subject := p_subject;
    v_row.subject_kind := p_subject_kind;
    v_row.purposes := p_purposes;
    v_row.recorded_at := pg_catalog.clock_timestamp();
    v_row.recorded_by := session_user;
    -- the receipt carries the id of the event that recorded it, and the
    -- identity and representative sealed
    IF p_receipt IS NOT NULL THEN
        v_receipt := pg_catalog.jsonb_set(p_receipt::jsonb, '{id}', pg_catalog.to_jsonb(v_row.id));
        v_row.evidence_salt := coalesce(p_salt, compliance.new_salt());
        IF pg_catalog.jsonb_typeof(v_receipt -> 'identity') = 'object' AND NOT compliance.is_sealed(v_receipt -> 'identity') THEN
            v_identity := v_receipt -> 'identity';
            v_receipt := pg_catalog.jsonb_set(v_receipt, '{identity}', pg_catalog.jsonb_build_object('digest',
                pg_catalog.encode(compliance.sealed_digest(v_row.evidence_salt, v_identity::text), 'hex')));
        END IF;
        IF pg_catalog.jsonb_typeof(v_receipt -> 'representative') = 'object' AND NOT compliance.is_sealed(v_receipt -> 'representative') THEN
            v_representative := v_receipt -> 'representative';
            v_receipt := pg_catalog.jsonb_set(v_receipt, '{representative}', pg_catalog.jsonb_build_object('digest',
                pg_catalog.encode(compliance.sealed_digest(v_row.evidence_salt, v_representative::text), 'hex')));
        END IF;
        v_row.receipt := v_receipt::compliance.consent;
    END IF;
    v_row.transfer_countries := p_transfer_countries;
    v_row.request_id := p_request_id;
    v_row.rights_digest := p_rights_digest;
    v_row.prev_hash := v_tail.last_hash;
    v_row.hash := compliance.ledger_digest(v_row.prev_hash, compliance.consent_ledger_fields(v_row));

    INSERT INTO compliance.consent_ledger (id, event, subject, subject_kind, purposes, recorded_at, recorded_by,
                                           receipt, transfer_countries, request_id, evidence_salt, rights_digest,
                                           prev_hash, hash)
    VALUES (v_row.id, v_row.event, v_row.subject, v_row.subject_kind, v_row.purposes, v_row.recorded_at,
            v_row.recorded_by, v_row.receipt, v_row.transfer_countries, v_row.request_id,
            v_row.evidence_salt, v_row.rights_digest, v_row.prev_hash, v_row.hash);
    IF v_identity IS NOT NULL OR v_representative IS NOT NULL THEN
        INSERT INTO compliance.consent_evidence (ledger_id, subject, subject_kind, identity, representative)
        VALUES (v_row.id, p_subject, p_subject_kind, v_identity, v_representative);
    END IF;
    PERFORM compliance.ledger_extend('consent', v_row.id, v_row.hash, NOT v_tail.noted);
    RETURN v_row.id;
END
$$;
COMMENT ON FUNCTION compliance.consent_ledger_append(text, text, text, compliance.purpose_set, compliance.consent, text[], bigint, bytea, bytea) IS
    'Internal: appends one consent event to the hash chain and returns its id; concurrent callers are serialised on the chain head. A receipt''s identity and representative go to compliance.consent_evidence and are chained sealed with the salt (a new one when NULL); p_rights_digest: the digest of the explanation of rights shown (Art. 5.5), chained with the row.';

-- Checks one hash chain.  rows_query returns (id, prev_hash, hash, fields)
-- for every row of the ledger; a fixed text from verify_ledger(), never
-- user input.  The last row is marked by the window the links are checked
-- in (not picked from an array of every hash, which fails past about 33
-- million rows), so verifying takes the same memory for any length of
-- ledger.
CREATE FUNCTION compliance.verify_chain(chain text, rows_query text,
                                        head_last_id bigint DEFAULT NULL, head_last_hash bytea DEFAULT NULL)
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
                   AND r.prev_hash = coalesce(lag(r.hash) OVER w, E'\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
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
    IF head_last_id IS NOT NULL THEN
        -- a chain kept elsewhere, with the head it had (97_citus.sql)
        v_head.last_id := head_last_id;
        v_head.last_hash := head_last_hash;
    ELSE
        SELECT * INTO v_head FROM compliance.ledger_heads h WHERE h.ledger = verify_chain.chain;
    END IF;
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
COMMENT ON FUNCTION compliance.verify_chain(text, text, bigint, bytea) IS
    'Internal: recomputes one ledger''s hash chain from a query of its rows (id, prev_hash, hash, fields), against its head in ledger_heads or the one given; used by verify_ledger().';

-- One result row per ledger: rows, whether the chain is intact, and the
-- first row whose content, position or link does not match.  The
-- disclosure log is created later (80_disclosures.sql); the query text is
-- resolved at run time.  A transaction sees its own appends as verified:
-- the heads they will move at commit are moved now (SET CONSTRAINTS ...
-- IMMEDIATE runs the pending trigger events), and the trigger is deferred
-- again.
CREATE FUNCTION compliance.verify_ledger()
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
        'SELECT d.id, d.prev_hash, d.hash, compliance.disclosure_record_fields(d) AS fields
           FROM compliance.disclosure_records d')
    UNION ALL
    -- each Citus worker's disclosure chain, on a coordinator (97_citus.sql)
    SELECT * FROM compliance.citus_verify_workers();
END
$$;
COMMENT ON FUNCTION compliance.verify_ledger() IS
    'Recomputes every ledger''s hash chain: rows, whether it is intact, and the first row whose content, order or link was changed (or the first missing one).';

SELECT pg_catalog.pg_extension_config_dump('compliance.ledger_heads', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.consent_ledger', '');
