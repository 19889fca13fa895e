-- Disclosures to third parties (Art. 7, 9, 12): the agreements with
-- authorised persons, the rule for transborder transmission, and the
-- disclosure log, an append-only, hash-chained record of which personal
-- data were provided to whom.  It answers a subject's Art. 12 application
-- and holds both explicit records (record_disclosure) and the rows captured
-- while compliance.recipient is set (85_capture.sql, capture.c).
--
-- The log is partitioned by year of disclosed_at (UTC), so years of
-- captured reads stay cheap to append to and to search per subject.
-- Partitions are created when first needed by ensure_disclosure_partition(),
-- which every append calls; there is no default partition.  Partitions made
-- after CREATE EXTENSION are not members of the extension (only the install
-- script can add members or mark tables with pg_extension_config_dump), so
-- pg_dump dumps each of them in full, definition, guard trigger and rows,
-- like any table of the database; the parent is created by CREATE EXTENSION.

-- Art. 7.1: what the agreement with an authorised person defines.
CREATE TABLE compliance.recipient_agreements (
    recipient       text PRIMARY KEY REFERENCES compliance.recipients (code),
    purposes        compliance.purpose_set NOT NULL,
    actions         compliance.processing_action[] NOT NULL
                    CHECK (cardinality(actions) > 0 AND array_position(actions, NULL) IS NULL),
    confidentiality boolean NOT NULL,
    reference       text,
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by      name NOT NULL DEFAULT session_user
);
COMMENT ON TABLE compliance.recipient_agreements IS
    'The agreement (or legislative act, or state body decision) under which an authorised person processes personal data on the processor''s behalf: purposes, actions and the confidentiality duty (Art. 7.1 of Law 99-Z). Set with compliance.set_recipient_agreement().';
COMMENT ON COLUMN compliance.recipient_agreements.purposes IS 'Purposes of processing the authorised person is instructed to pursue.';
COMMENT ON COLUMN compliance.recipient_agreements.actions IS 'Actions the authorised person performs on the personal data (Art. 1).';
COMMENT ON COLUMN compliance.recipient_agreements.confidentiality IS 'Whether the agreement binds the authorised person to keep the personal data confidential (Art. 7.1 requires it).';
COMMENT ON COLUMN compliance.recipient_agreements.reference IS 'Number and date of the agreement, act or decision, or where the signed copy is kept; its protection measures (Art. 7.1, 17) are found there.';
SELECT pg_catalog.pg_extension_config_dump('compliance.recipient_agreements', '');

CREATE FUNCTION compliance.set_recipient_agreement(recipient text,
        purposes compliance.purpose_set,
        actions compliance.processing_action[],
        confidentiality boolean DEFAULT true,
        reference text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_kind text;
BEGIN
    SELECT r.kind INTO v_kind FROM compliance.recipients r WHERE r.code = set_recipient_agreement.recipient;
    IF v_kind IS NULL THEN
        RAISE EXCEPTION 'recipient "%" is not registered', recipient
            USING ERRCODE = 'undefined_object',
                  HINT = 'Register it first with compliance.register_recipient(code, name, location, country, ''authorised_person'').';
    END IF;
    IF v_kind <> 'authorised_person' THEN
        RAISE EXCEPTION 'recipient "%" is not an authorised person', recipient
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'Art. 7 of Law 99-Z governs agreements with persons who process personal data on the processor''s behalf; this recipient is registered as a third party.',
                  HINT = 'Record agreements only for recipients registered with kind ''authorised_person''.';
    END IF;
    IF purposes IS NULL OR purposes OPERATOR(pg_catalog.=) '{}'::compliance.purpose_set THEN
        RAISE EXCEPTION 'the agreement must name its purposes'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Art. 7.1 of Law 99-Z: the agreement defines the purposes of processing.',
                  HINT = 'Pass the registered purposes, e.g. ''{reminders}''.';
    END IF;
    PERFORM compliance.check_purposes_in_force(purposes);
    IF actions IS NULL OR cardinality(actions) = 0 OR array_position(actions, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'the agreement must list the actions on personal data'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Art. 7.1 of Law 99-Z: the agreement defines the list of actions the authorised person performs.',
                  HINT = 'Pass e.g. ARRAY[''storage'', ''use'']::compliance.processing_action[].';
    END IF;
    IF confidentiality IS NULL THEN
        RAISE EXCEPTION 'the agreement''s confidentiality duty must be stated'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'Art. 7.1 of Law 99-Z: the agreement defines the obligation to keep the personal data confidential.',
                  HINT = 'Pass confidentiality => true if the agreement contains that obligation.';
    END IF;
    IF NOT confidentiality THEN
        RAISE WARNING 'the agreement with "%" does not bind it to confidentiality', recipient
            USING DETAIL = 'Art. 7.1 of Law 99-Z requires the agreement to define the obligation to keep the personal data confidential.',
                  HINT = 'Amend the agreement, then record it again with confidentiality => true.';
    END IF;
    INSERT INTO compliance.recipient_agreements AS a (recipient, purposes, actions, confidentiality, reference)
    VALUES (set_recipient_agreement.recipient, set_recipient_agreement.purposes,
            (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(set_recipient_agreement.actions) x),
            set_recipient_agreement.confidentiality, nullif(btrim(set_recipient_agreement.reference), ''))
    ON CONFLICT ON CONSTRAINT recipient_agreements_pkey DO UPDATE
        SET purposes = excluded.purposes, actions = excluded.actions,
            confidentiality = excluded.confidentiality, reference = excluded.reference,
            updated_at = pg_catalog.now(), updated_by = session_user;
END
$$;
COMMENT ON FUNCTION compliance.set_recipient_agreement(text, compliance.purpose_set, compliance.processing_action[], boolean, text) IS
    'Records (or replaces) the agreement with an authorised person: its purposes, the actions it performs and its confidentiality duty (Art. 7.1 of Law 99-Z); reference points to the document.';

-- Art. 9: may personal data go to this recipient, and as which kind of
-- transfer?  The capture code calls it once per statement (capture.c).
CREATE FUNCTION compliance.check_transfer(recipient text, transfer_basis text, permit text DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_recipient compliance.recipients;
    v_home text;
    v_basis text := nullif(btrim(transfer_basis), '');
    v_permit text := nullif(btrim(permit), '');
BEGIN
    IF recipient IS NULL THEN
        RAISE EXCEPTION 'recipient is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the code of a recipient registered with compliance.register_recipient().';
    END IF;
    SELECT * INTO v_recipient FROM compliance.recipients r WHERE r.code = check_transfer.recipient;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'recipient "%" is not registered', recipient
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'Subjects are told the name and location of whoever received their data (Art. 12.2 of Law 99-Z), so every recipient is registered first.',
                  HINT = 'Register it with compliance.register_recipient(code, name, location, country), or see compliance.recipients.';
    END IF;
    IF v_basis IS NOT NULL AND v_basis NOT IN ('informed_consent', 'contract_with_subject', 'public_register',
            'vital_interests', 'international_treaty', 'financial_monitoring', 'authority_permission') THEN
        RAISE EXCEPTION 'invalid transfer basis "%"', v_basis
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The exceptions of Art. 9.1 of Law 99-Z are informed_consent, contract_with_subject, public_register, vital_interests, international_treaty, financial_monitoring and authority_permission.',
                  HINT = 'Use one of them, or NULL for a recipient in the processor''s country or in an adequate country.';
    END IF;
    IF v_permit IS NOT NULL AND v_basis IS DISTINCT FROM 'authority_permission' THEN
        RAISE EXCEPTION 'a permit goes only with transfer basis authority_permission'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The permit is the reference of the authority''s permission (Art. 9.1 of Law 99-Z, last case).',
                  HINT = 'Pass transfer_basis => ''authority_permission'' with the permit, or leave permit NULL.';
    END IF;

    -- Transborder transmission is transmission to the territory of a
    -- foreign state (Art. 1), foreign to the processor.  Before
    -- set_processor() has been called the processor is taken to be in
    -- Belarus, the country the law applies to.
    v_home := coalesce((SELECT p.country FROM compliance.processor p), 'BY');
    IF v_recipient.country = v_home THEN
        RETURN 'domestic';
    END IF;
    IF EXISTS (SELECT FROM compliance.adequate_countries a WHERE a.country = v_recipient.country) THEN
        RETURN 'adequate';
    END IF;
    IF v_basis IS NULL THEN
        RAISE EXCEPTION 'transborder transmission to recipient "%" is prohibited', recipient
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('%s (%s) is not in compliance.adequate_countries, the authority''s list of foreign states with an adequate level of protection (Art. 9.2 of Law 99-Z); Art. 9.1 prohibits transmission there unless one of its exceptions applies.',
                                  (SELECT c.name FROM compliance.countries c WHERE c.code = v_recipient.country), v_recipient.country),
                  HINT = 'Pass transfer_basis => the Art. 9.1 exception that applies (informed_consent, contract_with_subject, public_register, vital_interests, international_treaty, financial_monitoring, or authority_permission with permit => its reference); for automatic capture SET compliance.transfer_basis.';
    END IF;
    IF v_basis = 'authority_permission' AND v_permit IS NULL THEN
        RAISE EXCEPTION 'transborder transmission to recipient "%" under authority_permission needs the permit', recipient
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Art. 9.1 of Law 99-Z allows this transmission with the permission of the authorised data subject protection body; the record must identify that permission.',
                  HINT = 'Pass permit => the reference of the permission; for automatic capture SET compliance.transfer_permit.';
    END IF;
    RETURN 'exception';
END
$$;
COMMENT ON FUNCTION compliance.check_transfer(text, text, text) IS
    'Decides a provision to a recipient under Art. 9 of Law 99-Z: returns ''domestic'' (recipient in the processor''s country, BY if no processor is set), ''adequate'' (country in compliance.adequate_countries) or ''exception'' (an Art. 9.1 transfer_basis is given; authority_permission also needs the permit); raises insufficient_privilege otherwise, undefined_object for an unknown recipient.';

-- The log is a hash chain of records (ledger_heads 'disclosure'): one
-- record per provision, that is per record_disclosure() call, or per group
-- of subjects one statement read from one table under the same settings
-- (capture.c's writer: up to CAPTURE_GROUP_SUBJECTS subjects a record).  The
-- record lists its subjects in an array that the record's hash covers, so
-- the chain proves every subject disclosed, and one record costs one
-- chained row instead of one chained, doubly indexed row per subject.
-- country is the recipient's at the time, so the record stands on its own.
-- No foreign key to recipients: pg_dump restores partitions' rows before
-- the registry's.  Keys and indexes are per partition (see below).
-- compliance.disclosure_log shows one row per (record, subject).
CREATE TABLE compliance.disclosure_records (
    id              bigint NOT NULL,
    subjects        text[] COLLATE "C" NOT NULL
                    CHECK (cardinality(subjects) > 0 AND array_position(subjects, NULL) IS NULL
                           AND array_position(subjects, '') IS NULL),
    subject_kind    text NOT NULL,
    recipient       text NOT NULL,
    country         text NOT NULL,
    data_items      text[] NOT NULL CHECK (array_position(data_items, NULL) IS NULL),
    purpose         text,
    transfer_kind   text NOT NULL CHECK (transfer_kind IN ('domestic', 'adequate', 'exception')),
    transfer_basis  text CHECK (transfer_basis IN ('informed_consent', 'contract_with_subject', 'public_register',
                                'vital_interests', 'international_treaty', 'financial_monitoring', 'authority_permission')),
    permit          text,
    source          text NOT NULL CHECK (source IN ('explicit', 'capture')),
    source_table    text,
    disclosed_at    timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    recorded_by     name NOT NULL,
    prev_hash       bytea NOT NULL,
    hash            bytea NOT NULL,
    CONSTRAINT disclosure_records_exception_check CHECK (transfer_kind <> 'exception' OR transfer_basis IS NOT NULL),
    CONSTRAINT disclosure_records_permit_check CHECK (permit IS NULL OR transfer_basis = 'authority_permission'),
    CONSTRAINT disclosure_records_items_check CHECK (source = 'capture' OR cardinality(data_items) > 0),
    CONSTRAINT disclosure_records_explicit_check CHECK (source = 'capture' OR cardinality(subjects) = 1)
) PARTITION BY RANGE (disclosed_at);
COMMENT ON TABLE compliance.disclosure_records IS
    'Every provision of personal data to a recipient (Art. 1, 12 of Law 99-Z), one record per explicit record or per group of subjects a captured statement read from one table, with its subjects: append-only and hash-chained like the consent ledger; compliance.disclosure_history() answers a subject''s application, compliance.disclosure_log shows a row per subject. Partitioned by year of disclosed_at (UTC); partitions are created as needed by compliance.ensure_disclosure_partition().';
COMMENT ON COLUMN compliance.disclosure_records.id IS 'Position in the hash chain; ledger_heads row ''disclosure'' holds the last one.';
COMMENT ON COLUMN compliance.disclosure_records.subjects IS 'The keys of the subjects whose data were provided, each once, in the order they were read; one for an explicit record. Compared byte by byte (COLLATE "C"); found per subject through the partition''s GIN index.';
COMMENT ON COLUMN compliance.disclosure_records.subject_kind IS 'The kind of the subjects (compliance.subject_kinds): patient 1 and employee 1 are different people.';
COMMENT ON COLUMN compliance.disclosure_records.country IS 'The recipient''s country (ISO 3166-1 alpha-2) when the data were provided.';
COMMENT ON COLUMN compliance.disclosure_records.data_items IS 'Which personal data were provided (Art. 12.2): the columns read, or the items named by record_disclosure. Empty only for captured reads that named no column, such as count(*).';
COMMENT ON COLUMN compliance.disclosure_records.purpose IS 'Code of the declared purpose, if any.';
COMMENT ON COLUMN compliance.disclosure_records.transfer_kind IS '''domestic'', ''adequate'' (Art. 9.2) or ''exception'' (Art. 9.1), as decided by compliance.check_transfer().';
COMMENT ON COLUMN compliance.disclosure_records.transfer_basis IS 'The Art. 9.1 exception given; required for kind ''exception'', kept if given for the other kinds.';
COMMENT ON COLUMN compliance.disclosure_records.permit IS 'Reference of the authority''s permission, with transfer_basis ''authority_permission''.';
COMMENT ON COLUMN compliance.disclosure_records.source IS '''explicit'' (record_disclosure) or ''capture'' (rows read while compliance.recipient was set).';
COMMENT ON COLUMN compliance.disclosure_records.source_table IS 'For captured rows, the protected table they were read from.';
COMMENT ON COLUMN compliance.disclosure_records.hash IS 'compliance.ledger_digest(prev_hash, compliance.disclosure_record_fields(row)).';

-- Row triggers on the parent are cloned to every partition (ENABLE ALWAYS
-- included); statement triggers are not, so ensure_disclosure_partition()
-- gives each partition its own TRUNCATE guard.
CREATE TRIGGER ledger_guard BEFORE UPDATE OR DELETE ON compliance.disclosure_records
    FOR EACH ROW EXECUTE FUNCTION compliance.ledger_guard();
CREATE TRIGGER ledger_guard_truncate BEFORE TRUNCATE ON compliance.disclosure_records
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.ledger_guard();
ALTER TABLE compliance.disclosure_records ENABLE ALWAYS TRIGGER ledger_guard;
ALTER TABLE compliance.disclosure_records ENABLE ALWAYS TRIGGER ledger_guard_truncate;

-- The parent holds no rows; its partitions are dumped as ordinary tables
-- (see the top of this file).
SELECT pg_catalog.pg_extension_config_dump('compliance.disclosure_records', '');

-- One row per subject of each record: what was provided to whom, as a
-- table of disclosures.  The extension's own readers look subjects up in
-- disclosure_records (subjects @> ARRAY[key], the GIN index); a condition
-- on this view's subject reads every record.
CREATE VIEW compliance.disclosure_log AS
SELECT d.id, s.subject, d.subject_kind, d.recipient, d.country, d.data_items, d.purpose,
       d.transfer_kind, d.transfer_basis, d.permit, d.source, d.source_table,
       d.disclosed_at, d.recorded_at, d.recorded_by, d.prev_hash, d.hash
  FROM compliance.disclosure_records d
 CROSS JOIN LATERAL pg_catalog.unnest(d.subjects) AS s(subject);
COMMENT ON VIEW compliance.disclosure_log IS
    'Every disclosure of the log, one row per subject of each record of compliance.disclosure_records (id, hash and prev_hash are the record''s): which personal data of whom were provided to which recipient, when, and why (Art. 12 of Law 99-Z). For one subject use compliance.disclosure_history(), which finds it through the index.';

-- The canonical field list of a disclosure record, in chain order: the
-- subjects as the text of their array.
CREATE FUNCTION compliance.disclosure_record_fields(r compliance.disclosure_records) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY[r.id::text, r.subjects::text, r.subject_kind, r.recipient, r.country, r.data_items::text, r.purpose,
                 r.transfer_kind, r.transfer_basis, r.permit, r.source, r.source_table,
                 to_char(r.disclosed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                 to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                 r.recorded_by::text]
$$;
COMMENT ON FUNCTION compliance.disclosure_record_fields(compliance.disclosure_records) IS
    'Fields of a disclosure record in the fixed order its hash covers, every subject included (the text of the subjects array); timestamps in UTC, so the hash does not depend on settings.';

-- Creates the year's partition if it is missing; returns it.  The year is
-- the calendar year in UTC, so every session agrees on the bounds.  A
-- partition per year, not per month: an Art. 12 window (a year) then
-- spans two partitions, and each is one GIN search (twelve monthly ones
-- cost six times as much as one over the same records).
-- Created standalone and then attached, which locks the parent only in
-- SHARE UPDATE EXCLUSIVE mode: appends and reads go on meanwhile, and
-- concurrent creators of the same year wait for each other.  Each
-- partition gets its own primary key on id and its own GIN index on
-- subjects.  They are not partitioned indexes of the parent on purpose:
-- the parent comes from CREATE EXTENSION, so on restore pg_dump's ATTACH
-- PARTITION would clone such indexes and then collide with the
-- partition's dumped copies of them.
--
-- The GIN index takes a record's subjects into its pending list (fastupdate):
-- an append writes them in one go, and the pending list is merged into the
-- index later, by compliance.merge_disclosure_index(), which the writer
-- calls once it has been idle for a second after writing (capture.c), or by
-- autovacuum (a partition is vacuumed after 8 records).  Its limit, 256 MB,
-- keeps that merge out of an export's wait even for millions of rows; a
-- search reads the pending list too, so a subject is found as soon as its
-- record is committed, at a cost that grows with the list until it is
-- merged.
CREATE FUNCTION compliance.ensure_disclosure_partition(disclosed_at timestamptz)
    RETURNS regclass
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_year timestamp;
    v_name text;
    v_rel regclass;
BEGIN
    IF disclosed_at IS NULL OR NOT isfinite(disclosed_at) THEN
        RAISE EXCEPTION 'invalid disclosure time %', coalesce(disclosed_at::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the time the personal data were provided.';
    END IF;
    v_year := date_trunc('year', disclosed_at AT TIME ZONE 'UTC');
    v_name := 'disclosure_records_' || to_char(v_year, 'YYYY');
    v_rel := to_regclass('compliance.' || v_name);
    IF v_rel IS NOT NULL THEN
        RETURN v_rel;
    END IF;

    LOCK TABLE compliance.disclosure_records IN SHARE UPDATE EXCLUSIVE MODE;
    v_rel := to_regclass('compliance.' || v_name);
    IF v_rel IS NOT NULL THEN
        RETURN v_rel;
    END IF;
    EXECUTE format('CREATE TABLE compliance.%I (LIKE compliance.disclosure_records INCLUDING CONSTRAINTS)'
                   ' WITH (autovacuum_vacuum_insert_threshold = 8, autovacuum_vacuum_insert_scale_factor = 0)',
                   v_name);
    EXECUTE format('ALTER TABLE compliance.%I ADD PRIMARY KEY (id)', v_name);
    EXECUTE format('CREATE INDEX %I ON compliance.%I USING gin (subjects)'
                   ' WITH (fastupdate = on, gin_pending_list_limit = 262144)', v_name || '_subjects', v_name);
    EXECUTE format('ALTER TABLE compliance.disclosure_records ATTACH PARTITION compliance.%I'
                   ' FOR VALUES FROM (%L) TO (%L)', v_name,
                   to_char(v_year, 'YYYY-MM-DD HH24:MI:SS') || '+00',
                   to_char(v_year + interval '1 year', 'YYYY-MM-DD HH24:MI:SS') || '+00');
    EXECUTE format('CREATE TRIGGER ledger_guard_truncate BEFORE TRUNCATE ON compliance.%I'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION compliance.ledger_guard()', v_name);
    EXECUTE format('ALTER TABLE compliance.%I ENABLE ALWAYS TRIGGER ledger_guard_truncate', v_name);
    EXECUTE format('COMMENT ON TABLE compliance.%I IS %L', v_name,
                   format('Disclosures made in %s (UTC): a partition of compliance.disclosure_records, created by compliance.ensure_disclosure_partition().',
                          to_char(v_year, 'YYYY')));
    RETURN to_regclass('compliance.' || v_name);
END
$$;
COMMENT ON FUNCTION compliance.ensure_disclosure_partition(timestamptz) IS
    'Returns the partition of compliance.disclosure_records for the UTC calendar year of disclosed_at, creating it (with its primary key, its GIN index on subjects and its TRUNCATE guard) if missing. Every append calls it; admins may call it ahead of time, e.g. for now() + interval ''1 year'', so that no appending transaction creates one.';

-- Merges the pending lists of the partitions' subject indexes into the
-- indexes (gin_clean_pending_list), which autovacuum otherwise does.
CREATE FUNCTION compliance.merge_disclosure_index()
    RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(sum(gin_clean_pending_list(i.indexrelid::regclass)), 0)::bigint
      FROM pg_inherits h
      JOIN pg_index i ON i.indrelid = h.inhrelid
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am a ON a.oid = c.relam AND a.amname = 'gin'
     WHERE h.inhparent = 'compliance.disclosure_records'::regclass
$$;
COMMENT ON FUNCTION compliance.merge_disclosure_index() IS
    'Merges what the disclosure log''s subject indexes hold in their pending lists into the indexes themselves (the disclosure writer does it once idle, autovacuum every 8 records a partition receives); returns the number of pending pages merged. Searches are correct either way; merged, they read less.';

-- Partitions made at run time are not members of the extension, so
-- DROP TABLE would work on them; refuse that while ledgers are protected.
-- (DETACH PARTITION, which an event trigger cannot tell apart, leaves a gap
-- that verify_ledger() reports.)
CREATE FUNCTION compliance.disclosure_log_drop_guard() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_name text;
BEGIN
    IF current_setting('compliance.ledger_protection', true) = 'off' THEN
        RETURN;
    END IF;
    SELECT d.object_identity INTO v_name
      FROM pg_event_trigger_dropped_objects() d
     WHERE d.object_type = 'table' AND d.schema_name = 'compliance'
       AND d.object_name ~ '^disclosure_records_[0-9]{4}$'
       AND NOT EXISTS (SELECT FROM pg_event_trigger_dropped_objects() p
                        WHERE p.object_type = 'table' AND p.object_identity = 'compliance.disclosure_records')
     LIMIT 1;
    IF v_name IS NOT NULL THEN
        RAISE EXCEPTION 'DROP of ledger partition "%" is not allowed', v_name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Ledgers are append-only evidence: the processor must be able to prove disclosures (Art. 12 of Law 99-Z).',
                  HINT = 'For repairs a superuser may SET compliance.ledger_protection = off; compliance.verify_ledger() reports missing rows.';
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.disclosure_log_drop_guard() IS
    'Event trigger: refuses to drop a partition of compliance.disclosure_records on its own while compliance.ledger_protection is on.';
CREATE EVENT TRIGGER compliance_disclosure_log_drop ON sql_drop
    EXECUTE FUNCTION compliance.disclosure_log_drop_guard();

-- Appends one record for the subjects (distinct, non-empty: callers
-- validate) to the hash chain; returns its id (NULL if there was no
-- subject).  The partition is made before the chain's head is taken, so
-- creators of partitions always lock in one order.
CREATE FUNCTION compliance.disclosure_append_rows(p_subjects text[], p_subject_kind text, p_recipient text,
        p_source_table text, p_data_items text[], p_purpose text, p_transfer_kind text,
        p_transfer_basis text, p_permit text, p_source text, p_disclosed_at timestamptz,
        p_recorded_by name)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tail record;
    v_row compliance.disclosure_records;
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

    SELECT t.last_id, t.last_hash, t.noted INTO v_tail FROM compliance.ledger_tail('disclosure') t;
    v_row.id := v_tail.last_id + 1;
    v_row.subjects := p_subjects;
    v_row.subject_kind := p_subject_kind;
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
    v_row.prev_hash := v_tail.last_hash;
    v_row.hash := compliance.ledger_digest(v_row.prev_hash, compliance.disclosure_record_fields(v_row));
    INSERT INTO compliance.disclosure_records VALUES (v_row.*);
    PERFORM compliance.ledger_extend('disclosure', v_row.id, v_row.hash, NOT v_tail.noted);
    RETURN v_row.id;
END
$$;
COMMENT ON FUNCTION compliance.disclosure_append_rows(text[], text, text, text, text[], text, text, text, text, text, timestamptz, name) IS
    'Internal: appends one disclosure record for the subjects (distinct, non-empty) to the hash chain, under the chain head, and returns its id; callers validate their input.';

-- record_disclosure() hands its validated record to the database's
-- disclosure writer (capture.c), which appends it in its own transaction:
-- no application transaction holds the chain's head, and the record, like
-- a capture, stands whatever the transaction does next.
CREATE FUNCTION compliance.disclosure_append(subject text, subject_kind text, recipient text, data_items text[],
        purpose text, transfer_kind text, transfer_basis text, permit text, source text,
        disclosed_at timestamptz)
    RETURNS bigint
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    AS 'MODULE_PATHNAME', 'disclosure_append';
COMMENT ON FUNCTION compliance.disclosure_append(text, text, text, text[], text, text, text, text, text, timestamptz) IS
    'Internal: hands one validated explicit disclosure to the database''s disclosure writer, which appends it to the hash-chained log in its own transaction, and returns its id once that is committed (durable whatever the calling transaction does next).';

-- The keys of one record: sorted in byte order, each once, none NULL or
-- empty.  The writer passes them so (capture.c, write_group); then this
-- is one pass over them and no copy.  Done in SQL (array_agg(DISTINCT ...)),
-- it cost more than the append itself.
CREATE FUNCTION compliance.disclosure_subjects(subjects text[]) RETURNS text[]
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'disclosure_subjects';
COMMENT ON FUNCTION compliance.disclosure_subjects(text[]) IS
    'Internal: the subject keys of a disclosure record as the log keeps them: sorted in byte order, each once, without NULL or empty keys; NULL if none is left.';

-- Called by the capture writer (capture.c) with the subjects of one group
-- of captured rows: one record.  Subjects that are NULL or empty identify
-- nobody and are skipped; a subject repeated in the group is logged once.
CREATE FUNCTION compliance.disclosure_append_batch(subjects text[], recipient text, relid regclass,
        data_items text[], purpose text, transfer_kind text, transfer_basis text,
        disclosed_at timestamptz,
        permit text DEFAULT NULL,
        recorded_by name DEFAULT NULL,
        subject_kind text DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_subjects text[] := compliance.disclosure_subjects(subjects);
    v_kind text := transfer_kind;
BEGIN
    IF v_subjects IS NULL THEN
        RETURN 0;
    END IF;
    IF v_kind IS NULL THEN
        v_kind := compliance.check_transfer(recipient, transfer_basis, permit);
    END IF;
    -- the kind of the table's subjects when the rows were read; else now
    PERFORM compliance.disclosure_append_rows(v_subjects,
                                              coalesce(disclosure_append_batch.subject_kind,
                                                       (SELECT p.subject_kind FROM compliance.protected_tables p
                                                         WHERE p.relid = disclosure_append_batch.relid), 'person'),
                                              recipient, relid::text,
                                              data_items, purpose, v_kind,
                                              nullif(transfer_basis, ''), nullif(permit, ''),
                                              'capture', coalesce(disclosed_at, pg_catalog.now()),
                                              recorded_by);
    RETURN cardinality(v_subjects);
END
$$;
COMMENT ON FUNCTION compliance.disclosure_append_batch(text[], text, regclass, text[], text, text, text, timestamptz, text, name, text) IS
    'Internal, for the capture writer: appends one disclosure record with source ''capture'' for the distinct non-empty subjects, of the subject kind the table had when the rows were read; returns how many subjects it holds. recorded_by defaults to the session user.';

-- Art. 9.1 exceptions that hold per subject: its consent in force at the
-- time for the purpose, naming the country, after a notice of the risks
-- (informed_consent), or a contract with it in force then
-- (contract_with_subject).  The row filter decides the same for captured
-- reads from its cache (cache_transfer_table, src/cache.c).
CREATE FUNCTION compliance.transfer_exception_holds(subject text, subject_kind text, purpose text, basis text,
        country text, at timestamptz) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE basis
        WHEN 'informed_consent' THEN EXISTS (
            SELECT FROM compliance.consent_state s
             WHERE s.subject = transfer_exception_holds.subject
               AND s.subject_kind = transfer_exception_holds.subject_kind
               AND s.purpose::text = transfer_exception_holds.purpose
               -- a consent to a purpose retired by then holds nothing
               AND NOT EXISTS (SELECT FROM compliance.purposes p
                                WHERE p.code = transfer_exception_holds.purpose
                                  AND p.retired_at <= transfer_exception_holds.at)
               AND s.transfer_countries @> ARRAY[transfer_exception_holds.country]
               AND s.given_at <= transfer_exception_holds.at
               AND (s.valid_until IS NULL OR s.valid_until > transfer_exception_holds.at)
               AND (s.status IN ('given', 'renewed')
                    OR s.status = 'withdrawn' AND s.changed_at > transfer_exception_holds.at))
        WHEN 'contract_with_subject' THEN EXISTS (
            SELECT FROM compliance.subject_grounds g
              JOIN compliance.purposes p ON p.id = g.registry_ref
             WHERE g.subject = transfer_exception_holds.subject
               AND g.subject_kind = transfer_exception_holds.subject_kind
               AND p.legal_basis = 'contract_with_subject'
               AND g.valid_from <= transfer_exception_holds.at
               AND (least(g.valid_until, g.ended_at) IS NULL
                    OR least(g.valid_until, g.ended_at) > transfer_exception_holds.at))
        ELSE true END
      AND NOT EXISTS (SELECT FROM compliance.blocked_subjects b
                       WHERE b.subject = transfer_exception_holds.subject
                         AND b.subject_kind = transfer_exception_holds.subject_kind)
$$;
COMMENT ON FUNCTION compliance.transfer_exception_holds(text, text, text, text, text, timestamptz) IS
    'Internal: does an Art. 9.1 exception that depends on the subject hold for it at a time: informed_consent (its consent for the purpose, in force then, names the country) or contract_with_subject (a contract with it in force then)? True for the other exceptions.';

CREATE FUNCTION compliance.record_disclosure(subject text, recipient text, data_items text[],
        purpose compliance.purpose DEFAULT NULL,
        transfer_basis text DEFAULT NULL,
        disclosed_at timestamptz DEFAULT pg_catalog.now(),
        permit text DEFAULT NULL, subject_kind text DEFAULT 'person')
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_items text[];
    v_purpose text;
    v_basis text := nullif(btrim(transfer_basis), '');
    v_permit text := nullif(btrim(permit), '');
    v_kind text;
    v_country text;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    IF data_items IS NULL OR cardinality(data_items) = 0 THEN
        RAISE EXCEPTION 'data items are required'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The subject is told which of their personal data were provided to whom (Art. 12.2 of Law 99-Z).',
                  HINT = 'List the personal data provided, e.g. ARRAY[''full_name'', ''phone''].';
    END IF;
    IF array_position(data_items, NULL) IS NOT NULL
       OR EXISTS (SELECT FROM unnest(data_items) i WHERE btrim(i) = '') THEN
        RAISE EXCEPTION 'data items must be non-empty names'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'List the personal data provided, e.g. ARRAY[''full_name'', ''phone''], without NULLs or empty strings.';
    END IF;
    IF disclosed_at IS NULL THEN
        RAISE EXCEPTION 'disclosure time is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass when the data were provided, or leave disclosed_at out for now().';
    END IF;
    IF disclosed_at > clock_timestamp() THEN
        RAISE EXCEPTION 'disclosure time is in the future'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; the log records provision that has taken place (Art. 12.2 of Law 99-Z).', disclosed_at),
                  HINT = 'Record the disclosure when the data are provided, with the time they were.';
    END IF;
    IF disclosed_at < '2000-01-01 00:00:00+00' THEN
        RAISE EXCEPTION 'disclosure time is before 2000'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; the log is kept in yearly partitions, and a mistyped year would create them centuries away.', disclosed_at),
                  HINT = 'Check the year of disclosed_at.';
    END IF;
    v_purpose := coalesce(purpose::text,
                          nullif(current_setting('compliance.purpose', true), '')::compliance.purpose::text);
    -- a purpose retired before the data were provided could not justify it
    IF EXISTS (SELECT FROM compliance.purposes p
                WHERE p.code = v_purpose AND p.retired_at <= record_disclosure.disclosed_at) THEN
        PERFORM compliance.check_purposes_in_force(compliance.purpose_set(ARRAY[v_purpose::compliance.purpose]));
    END IF;
    v_kind := compliance.check_transfer(recipient, v_basis, v_permit);
    -- Art. 9.1: these two exceptions are the subject's, not the session's
    IF v_kind = 'exception' AND v_basis IN ('informed_consent', 'contract_with_subject') THEN
        v_country := (SELECT r.country FROM compliance.recipients r WHERE r.code = record_disclosure.recipient);
        IF v_basis = 'informed_consent' AND v_purpose IS NULL THEN
            RAISE EXCEPTION 'transfer basis "informed_consent" needs the purpose the subject consented to'
                USING ERRCODE = 'null_value_not_allowed',
                      DETAIL = 'The subject consents to a transfer together with the purposes it serves (Art. 5.5, 9.1 of Law 99-Z).',
                      HINT = 'Pass purpose => the consent purpose, or declare it with SET compliance.purpose.';
        END IF;
        IF NOT compliance.transfer_exception_holds(subject, subject_kind, v_purpose, v_basis, v_country, disclosed_at) THEN
            RAISE EXCEPTION 'personal data of % "%" may not be transmitted to % under transfer basis "%"',
                            CASE WHEN subject_kind = 'person' THEN 'subject' ELSE subject_kind END,
                            subject, v_country, v_basis
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = CASE v_basis
                          WHEN 'informed_consent' THEN format('%s does not ensure an adequate level of protection; Art. 9.1 of Law 99-Z allows the transmission only with the subject''s consent, given after being informed of the risks, and no consent of the subject for purpose "%s" in force when the data were provided names %s.',
                                                              v_country, v_purpose, v_country)
                          ELSE format('%s does not ensure an adequate level of protection; Art. 9.1 of Law 99-Z allows the transmission for a contract with the subject, and the subject had no contract in force when the data were provided (compliance.record_basis).',
                                      v_country) END,
                      HINT = CASE v_basis
                          WHEN 'informed_consent' THEN format('Record the subject''s consent with compliance.give_consent(..., transfer_countries => ''{%s}'') first, or use the exception that applies.', v_country)
                          ELSE 'Record the contract with compliance.record_basis() first, or use the exception that applies.' END;
        END IF;
    END IF;

    SELECT array_agg(DISTINCT btrim(i) ORDER BY btrim(i)) INTO v_items FROM unnest(data_items) i;
    RETURN compliance.disclosure_append(subject, subject_kind, recipient, v_items, v_purpose, v_kind,
                                        v_basis, v_permit, 'explicit', disclosed_at);
END
$$;
COMMENT ON FUNCTION compliance.record_disclosure(text, text, text[], compliance.purpose, text, timestamptz, text, text) IS
    'Records that personal data (data_items) of the subject were provided to a registered recipient (Art. 12 of Law 99-Z), e.g. a file handed over or an API call; purpose defaults to the declared compliance.purpose. A recipient in a foreign state without adequate protection needs an Art. 9.1 transfer_basis (authority_permission also a permit; informed_consent the subject''s consent for the purpose naming the country; contract_with_subject a contract with the subject in force); otherwise refused. Returns the log id.';

-- Art. 12.3: disclosures under purposes exempt from Art. 12 are not
-- reported.  compliance.purpose_exemptions comes from 72_subject_access.sql.
CREATE FUNCTION compliance.disclosure_exempt_purposes(
        OUT purpose text, OUT ground text)
    RETURNS SETOF record
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT e.purpose::text, e.ground FROM compliance.purpose_exemptions e WHERE e.disclosure_exempt
$$;
COMMENT ON FUNCTION compliance.disclosure_exempt_purposes() IS
    'Internal: purposes whose disclosures are not reported to the subject (Art. 12.3 of Law 99-Z), with the ground, from compliance.purpose_exemptions.';

-- The window of Art. 12.2, "the year preceding the date of the
-- application": from midnight at the start of the same calendar date a
-- year earlier (included) to midnight at the start of the application date
-- (excluded), in the session's TimeZone.  A disclosure on the application
-- day itself is not in the preceding year; one at 00:00 exactly a year
-- before is.  From 29 February the year before starts on 28 February.
-- An infinite application date (22008) is told apart from a missing one
-- (22004).
CREATE FUNCTION compliance.disclosure_window(applied_on date,
        OUT from_at timestamptz, OUT to_at timestamptz)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF applied_on IS NULL THEN
        RAISE EXCEPTION 'the application date is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the date the subject''s application was received (Art. 12.2 of Law 99-Z), e.g. ''2025-03-10''.';
    END IF;
    IF NOT isfinite(applied_on) THEN
        RAISE EXCEPTION 'the application date must be a calendar date, not %', applied_on
            USING ERRCODE = 'datetime_field_overflow',
                  DETAIL = 'The window of Art. 12.2 of Law 99-Z is the year before the date the application was received.',
                  HINT = 'Pass the date the subject''s application was received, e.g. ''2025-03-10''.';
    END IF;
    from_at := (applied_on - interval '1 year')::timestamptz;
    -- An application received today (the default) is answered with what
    -- was provided up to now, today included: the subject learns of every
    -- provision made before the answer, not only of those before today.
    to_at := CASE WHEN applied_on >= current_date THEN greatest(now(), applied_on::timestamptz)
                  ELSE applied_on::timestamptz END;
END
$$;
COMMENT ON FUNCTION compliance.disclosure_window(date) IS
    'The year preceding an application date (Art. 12.2 of Law 99-Z): [applied_on - 1 year, applied_on) at midnight in the session''s TimeZone; for today''s date (the default), up to now, today included.';

-- The subject's disclosures in the window, exempt ones marked: the
-- records whose subjects hold the key, found through each partition's GIN
-- index (pending list included), one row per record as the subject
-- appears in a record once.  Never a sequential scan: the planner does not
-- count what reading every record's array costs, and a partition of a few
-- large records looks cheap to scan whole.
CREATE FUNCTION compliance.disclosure_history_rows(subject text, applied_on date, subject_kind text)
    RETURNS TABLE (recipient text, recipient_name text, recipient_location text, country text,
                   data_items text[], purpose text, disclosed_at timestamptz, exempt boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET enable_seqscan = off
AS $$
DECLARE
    v_window record;
    v_exempt text[];
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    v_window := compliance.disclosure_window(applied_on);
    SELECT coalesce(array_agg(e.purpose), '{}') INTO v_exempt FROM compliance.disclosure_exempt_purposes() e;
    RETURN QUERY
        SELECT d.recipient, r.name, r.location, d.country, d.data_items, d.purpose, d.disclosed_at,
               coalesce(d.purpose = ANY (v_exempt), false)
          FROM (SELECT * FROM compliance.disclosure_records
                UNION ALL  -- a Citus coordinator's workers' logs (97_citus.sql)
                SELECT * FROM compliance.citus_worker_disclosures(disclosure_history_rows.subject,
                                                                   disclosure_history_rows.subject_kind)) d
          LEFT JOIN compliance.recipients r ON r.code = d.recipient
         WHERE d.subjects @> ARRAY[disclosure_history_rows.subject COLLATE "C"]
           AND d.subject_kind = disclosure_history_rows.subject_kind
           AND d.disclosed_at >= v_window.from_at
           AND d.disclosed_at < v_window.to_at
         ORDER BY d.disclosed_at, d.id;
END
$$;
COMMENT ON FUNCTION compliance.disclosure_history_rows(text, date, text) IS
    'Internal: the subject''s disclosures in the year preceding applied_on, each marked exempt if its purpose is exempt under Art. 12.3 of Law 99-Z.';

CREATE FUNCTION compliance.disclosure_history(subject text, applied_on date DEFAULT current_date,
        subject_kind text DEFAULT 'person')
    RETURNS TABLE (recipient text, recipient_name text, recipient_location text, country text,
                   data_items text[], purpose text, disclosed_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.recipient, h.recipient_name, h.recipient_location, h.country,
           h.data_items, h.purpose, h.disclosed_at
      FROM compliance.disclosure_history_rows(subject, applied_on, subject_kind) h
     WHERE NOT h.exempt
$$;
COMMENT ON FUNCTION compliance.disclosure_history(text, date, text) IS
    'Which personal data of the subject were provided to whom in the year preceding the application date (Art. 12.2 of Law 99-Z): from applied_on - 1 year (included) to applied_on (excluded), at midnight in the session''s TimeZone. Disclosures under purposes exempt by Art. 12.3 are left out; disclosure_history_report() says so.';

CREATE FUNCTION compliance.disclosure_history_report(subject text, applied_on date DEFAULT current_date,
        subject_kind text DEFAULT 'person')
    RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_window record;
    v_rows jsonb;
    v_notes jsonb;
BEGIN
    v_window := compliance.disclosure_window(applied_on);
    WITH h AS (
        SELECT * FROM compliance.disclosure_history_rows(subject, applied_on, subject_kind) WITH ORDINALITY
    ), left_out AS (
        SELECT h.purpose, count(*) AS n FROM h WHERE h.exempt GROUP BY h.purpose
    )
    SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'recipient', h.recipient, 'recipient_name', h.recipient_name,
                       'recipient_location', h.recipient_location, 'country', h.country,
                       'data_items', to_jsonb(h.data_items), 'purpose', h.purpose,
                       'disclosed_at', h.disclosed_at) ORDER BY h.ordinality), '[]')
              FROM h WHERE NOT h.exempt),
           (SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'purpose', l.purpose,
                       'disclosures_left_out', l.n,
                       'ground', e.ground,
                       'note', format('%s disclosure(s) under purpose "%s" are not reported; ground: %s.',
                                      l.n, l.purpose, coalesce(e.ground, 'Art. 12.3 of Law 99-Z')))
                       ORDER BY l.purpose), '[]')
              FROM left_out l
              LEFT JOIN compliance.disclosure_exempt_purposes() e ON e.purpose = l.purpose)
      INTO v_rows, v_notes;
    RETURN jsonb_build_object(
        'subject', subject,
        'subject_kind', subject_kind,
        'applied_on', applied_on,
        'period', jsonb_build_object('from', v_window.from_at, 'to', v_window.to_at,
                                     'note', 'from included, to excluded (Art. 12.2 of Law 99-Z)'),
        'disclosures', v_rows,
        'notes', v_notes);
END
$$;
COMMENT ON FUNCTION compliance.disclosure_history_report(text, date, text) IS
    'The answer to an Art. 12 application as JSON: the period, the disclosures of disclosure_history(), and notes on disclosures left out because their purpose is exempt (Art. 12.3 of Law 99-Z).';

-- Dashboards for analysts.  Months are calendar months in the session's
-- TimeZone (date_trunc).
CREATE VIEW compliance.disclosures_per_recipient_month AS
SELECT d.recipient,
       date_trunc('month', d.disclosed_at)::date AS month,
       count(*) AS disclosures,
       count(DISTINCT (d.subject_kind, d.subject)) AS subjects
  FROM compliance.disclosure_log d
 GROUP BY d.recipient, date_trunc('month', d.disclosed_at)::date;
COMMENT ON VIEW compliance.disclosures_per_recipient_month IS
    'Disclosures and distinct subjects per recipient and calendar month (session time zone).';

CREATE VIEW compliance.cross_border_transfers AS
SELECT d.country, d.transfer_kind, d.transfer_basis,
       date_trunc('month', d.disclosed_at)::date AS month,
       count(*) AS disclosures
  FROM compliance.disclosure_log d
 WHERE d.transfer_kind <> 'domestic'
 GROUP BY d.country, d.transfer_kind, d.transfer_basis, date_trunc('month', d.disclosed_at)::date;
COMMENT ON VIEW compliance.cross_border_transfers IS
    'Transborder transmissions (Art. 1, 9 of Law 99-Z) per recipient country, kind (adequate or exception), Art. 9.1 basis and calendar month.';

CREATE VIEW compliance.top_data_items AS
SELECT i.data_item, count(*) AS disclosures, count(DISTINCT (d.subject_kind, d.subject)) AS subjects
  FROM compliance.disclosure_log d
 CROSS JOIN LATERAL unnest(d.data_items) AS i(data_item)
 GROUP BY i.data_item
 ORDER BY count(*) DESC, i.data_item;
COMMENT ON VIEW compliance.top_data_items IS
    'Personal data items most often provided: disclosures and distinct subjects per item, most frequent first.';

-- Privileges.  Internal functions are granted to nobody: the capture
-- writer and check_transfer() from C run as the extension's owner.
REVOKE EXECUTE ON FUNCTION
    compliance.set_recipient_agreement(text, compliance.purpose_set, compliance.processing_action[], boolean, text),
    compliance.check_transfer(text, text, text),
    compliance.transfer_exception_holds(text, text, text, text, text, timestamptz),
    compliance.disclosure_record_fields(compliance.disclosure_records),
    compliance.ensure_disclosure_partition(timestamptz),
    compliance.merge_disclosure_index(),
    compliance.disclosure_log_drop_guard(),
    compliance.disclosure_append_rows(text[], text, text, text, text[], text, text, text, text, text, timestamptz, name),
    compliance.disclosure_append(text, text, text, text[], text, text, text, text, text, timestamptz),
    compliance.disclosure_subjects(text[]),
    compliance.disclosure_append_batch(text[], text, regclass, text[], text, text, text, timestamptz, text, name, text),
    compliance.record_disclosure(text, text, text[], compliance.purpose, text, timestamptz, text, text),
    compliance.disclosure_exempt_purposes(),
    compliance.disclosure_window(date),
    compliance.disclosure_history_rows(text, date, text),
    compliance.disclosure_history(text, date, text),
    compliance.disclosure_history_report(text, date, text)
FROM PUBLIC;
REVOKE ALL ON compliance.recipient_agreements, compliance.disclosure_records, compliance.disclosure_log,
    compliance.disclosures_per_recipient_month, compliance.cross_border_transfers,
    compliance.top_data_items
FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
    compliance.set_recipient_agreement(text, compliance.purpose_set, compliance.processing_action[], boolean, text),
    compliance.ensure_disclosure_partition(timestamptz),
    compliance.merge_disclosure_index()
TO compliance_admin;
GRANT EXECUTE ON FUNCTION compliance.check_transfer(text, text, text)
TO compliance_admin, compliance_officer, compliance_app;
GRANT EXECUTE ON FUNCTION compliance.record_disclosure(text, text, text[], compliance.purpose, text, timestamptz, text, text)
TO compliance_app;
GRANT EXECUTE ON FUNCTION
    compliance.disclosure_window(date),
    compliance.disclosure_history(text, date, text),
    compliance.disclosure_history_report(text, date, text)
TO compliance_officer;
GRANT SELECT ON compliance.recipient_agreements
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
GRANT SELECT ON compliance.disclosure_records, compliance.disclosure_log TO compliance_officer, compliance_analyst;
GRANT SELECT ON compliance.disclosures_per_recipient_month, compliance.cross_border_transfers,
    compliance.top_data_items
TO compliance_officer, compliance_analyst;
