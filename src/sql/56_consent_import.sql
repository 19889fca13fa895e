-- Bulk import of consents obtained before or outside the extension (paper
-- forms, another system): compliance.import_consents(source).  Each row is
-- checked as give_consent() checks a call, with the row's own given_at in
-- place of now (capacity, Art. 5.9, is judged at given_at), keeps its
-- given_at and the digests of its evidence and of the notice the subject
-- was shown (Art. 5.5, 5.7), and is appended to the consent ledger's hash
-- chain; consent_state follows the newest consent of each subject and
-- purpose.  All or nothing per call; a bad row is an error naming it.
--
-- Two functions, so that nothing of the caller's runs with the extension's
-- privileges.  import_consents() runs as the caller: it reads the source
-- (the caller's privileges on it, the caller's views and casts) into a
-- temporary table of fixed shape, compliance_import_rows, numbering the
-- rows.  import_consent_rows() runs as the extension's owner: it reads
-- only that temporary table, after checking that it is a plain table of
-- that exact shape (no view, rule, child or foreign table of the caller's
-- can run there), and writes the ledger and consent_state.  Calling it
-- directly with a table of one's own is the same as calling
-- import_consents() on it.
--
-- Speed (doc/benchmarks.md): the checks run as a few queries over the
-- whole import, not a call per row.  Values that repeat (purpose sets,
-- kinds, languages, transfer countries, generated notices) are checked or
-- computed once each; the capacity rules are one inlined expression
-- (consent_capacity_problem).  A query that finds or raises an error is
-- narrowed to the first row it concerns (halving the rows searched), and
-- that row is checked again by the per-row checks, whose error names it.
-- The hash chain is computed in C as the rows pass in order
-- (ledger_chain_next), with nothing kept of them.
-- The inserts run with session_replication_role = replica, which skips the
-- foreign-key triggers of consent_ledger and consent_state, a query per
-- row and key (a fifth of the time of an insert into the ledger, which has
-- two keys; consent_state has three): the kinds and purposes they
-- reference are checked and locked FOR KEY SHARE, as those triggers would,
-- and the ledger rows consent_state references are the import's own.  The
-- triggers that must run are ENABLE ALWAYS (ledger guard, consent cache
-- invalidation, the chain head's commit trigger); the others on these
-- tables concern withdrawals, which an import never writes.

-- The work table's columns, in order: what import_consents() writes and
-- import_consent_rows() accepts.
CREATE FUNCTION compliance.import_columns() RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT 'pos bigint, n bigint, subject text, subject_kind text, purposes compliance.purpose_set, '
           'form compliance.consent_form, given_at timestamp with time zone, '
           'valid_until timestamp with time zone, evidence jsonb, evidence_digest bytea, '
           'notice text, notice_digest bytea, notice_lang text, indicated_by text, '
           'representative jsonb, identity jsonb, transfer_countries text[], rights_notice text, rights_digest bytea'
$$;
COMMENT ON FUNCTION compliance.import_columns() IS
    'Internal: the columns of the temporary table compliance_import_rows, in order, that compliance.import_consents() fills and compliance.import_consent_rows() reads.';

-- The temporary tables of an import are dropped at its end, and with its
-- transaction (ON COMMIT DROP) if it fails; an import after a failed one
-- in a subtransaction finds none.  rows: also the rows read from the
-- source (the caller's), else only the definer's work tables.
CREATE FUNCTION compliance.import_drop_work_tables(rows boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY CASE WHEN rows THEN ARRAY['compliance_import_rows']
        ELSE ARRAY['compliance_import_sets', 'compliance_import_langs', 'compliance_import_countries',
                   'compliance_import_notices', 'compliance_import_purposes', 'compliance_import_state',
                   'compliance_import_values'] END LOOP
        IF to_regclass('pg_temp.' || v_table) IS NOT NULL THEN
            EXECUTE format('DROP TABLE pg_temp.%I', v_table);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.import_drop_work_tables(boolean) IS
    'Internal to compliance.import_consents(): drops its temporary tables (rows: the one holding the rows read from the source; else the work tables of compliance.import_consent_rows()).';

-- Raises the error of a row with its place in the source: the message of
-- the error raised by check_sql (a statement checking that row alone),
-- prefixed with the row number and subject.  Returns if check_sql raises
-- nothing.
CREATE FUNCTION compliance.import_row_error(source text, n bigint, subject text, check_sql text)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state text;
    v_message text;
    v_detail text;
    v_hint text;
BEGIN
    EXECUTE check_sql;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
                            v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
    v_hint := coalesce(nullif(v_hint, '') || ' ', '')
              || 'Nothing was imported: correct the row (numbered from 1 in the order the source returns them) and import again.';
    IF coalesce(v_detail, '') = '' THEN
        RAISE EXCEPTION 'row % of % (subject "%"): %', n, source, coalesce(subject, ''), v_message
            USING ERRCODE = v_state, HINT = v_hint;
    END IF;
    RAISE EXCEPTION 'row % of % (subject "%"): %', n, source, coalesce(subject, ''), v_message
        USING ERRCODE = v_state, DETAIL = v_detail, HINT = v_hint;
END
$$;
COMMENT ON FUNCTION compliance.import_row_error(text, bigint, text, text) IS
    'Internal to compliance.import_consents(): raises the error check_sql raises for one row of an import, its message prefixed with the row''s number and subject; returns if there is none.';

-- The first row at which a query over the rows 1..m fails (raises, or
-- returns a row), by halving: probe_sql is a query whose parameter $1 is
-- m.  NULL if the query over every row succeeds without a row.  A query
-- that raises for a row raises for every m from that row on, and one that
-- returns a row for m returns one for every larger m, so halving finds the
-- first.
CREATE FUNCTION compliance.import_first_failing_row(probe_sql text, total bigint)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lo bigint := 1;
    hi bigint := total;
    mid bigint;
    v_fails boolean;
BEGIN
    IF total IS NULL OR total < 1 THEN
        RETURN NULL;
    END IF;
    -- rows 1..lo-1 pass; once one probe failed, rows 1..hi fail
    mid := total;
    LOOP
        BEGIN
            EXECUTE 'SELECT EXISTS (' || probe_sql || ')' INTO v_fails USING mid;
        EXCEPTION WHEN OTHERS THEN
            v_fails := true;
        END;
        IF mid = total AND NOT v_fails THEN
            RETURN NULL;
        END IF;
        IF v_fails THEN
            hi := mid;
        ELSE
            lo := mid + 1;
        END IF;
        IF lo >= hi THEN
            RETURN hi;
        END IF;
        mid := (lo + hi) / 2;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.import_first_failing_row(text, bigint) IS
    'Internal to compliance.import_consents(): the lowest m for which a query over the rows 1..m of an import (its parameter $1) raises or returns a row, found by halving; NULL if none does.';

-- An imported row gives a text (whose digest is kept) or its digest
-- computed elsewhere, not both; a digest is SHA-256's 32 bytes.
CREATE FUNCTION compliance.check_text_or_digest(has_text boolean, digest bytea, text_name text, digest_name text,
        both_detail text, both_hint text, digest_hint text)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF has_text AND digest IS NOT NULL THEN
        RAISE EXCEPTION 'a row has both % and %', text_name, digest_name
            USING ERRCODE = 'invalid_parameter_value', DETAIL = both_detail, HINT = both_hint;
    END IF;
    IF octet_length(digest) <> 32 THEN
        RAISE EXCEPTION '% must be a SHA-256 digest of 32 bytes, not %', digest_name, octet_length(digest)
            USING ERRCODE = 'invalid_parameter_value', HINT = digest_hint;
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.check_text_or_digest(boolean, bytea, text, text, text, text, text) IS
    'Internal to compliance.check_imported_consent(): raises 22023 if a row gives both a text and its digest, or a digest that is not 32 bytes.';

-- Every check give_consent() makes of its arguments, for one imported row,
-- with given_at in place of now; the first one that fails raises the same
-- error.  The quick checks of import_consent_rows() refuse no more and no
-- fewer rows: it calls this to raise the error for the first row they
-- refuse.
CREATE FUNCTION compliance.check_imported_consent(subject text, subject_kind text,
        purposes compliance.purpose_set, form compliance.consent_form, given_at timestamptz,
        valid_until timestamptz, evidence jsonb, evidence_digest bytea, notice text,
        notice_digest bytea, notice_lang text, indicated_by text, representative jsonb,
        identity jsonb, transfer_countries text[], rights_notice text DEFAULT NULL,
        rights_digest bytea DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM compliance.check_subject(subject, subject_kind);
    PERFORM compliance.check_consent_purposes(purposes);
    IF form IS NULL THEN
        RAISE EXCEPTION 'consent form is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The processor must be able to prove how consent was obtained (Art. 5.2, 5.3, 5.7 of Law 99-Z).',
                  HINT = 'Fill the form column with a label of compliance.consent_form, e.g. ''written''.';
    END IF;
    IF given_at IS NULL OR NOT isfinite(given_at) THEN
        RAISE EXCEPTION 'an imported consent needs the time it was given'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The receipt keeps when consent was given; the processor proves it (Art. 5.7 of Law 99-Z).',
                  HINT = 'Fill given_at with the date and time on the form or in the other system.';
    END IF;
    IF given_at > now() THEN
        RAISE EXCEPTION 'consent given at % is in the future', given_at
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An import records consents already given.',
                  HINT = 'Correct given_at; a consent given now is recorded with compliance.give_consent().';
    END IF;
    IF valid_until IS NOT NULL AND valid_until <= given_at THEN
        RAISE EXCEPTION 'consent would have expired before it was given'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('valid_until (%s) is not after given_at (%s).', valid_until, given_at),
                  HINT = 'Correct valid_until, or leave it NULL for consent until withdrawn.';
    END IF;
    IF evidence IS NOT NULL AND jsonb_typeof(evidence) <> 'object' THEN
        RAISE EXCEPTION 'evidence must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Describe how consent was obtained, e.g. {"form": "paper", "archive": "box 12, sheet 40"}; only its digest is kept.';
    END IF;
    PERFORM compliance.check_text_or_digest(evidence IS NOT NULL, evidence_digest, 'evidence', 'evidence_digest',
        'The receipt keeps one evidence digest (Art. 5.7 of Law 99-Z).',
        'Give the evidence, whose digest is kept, or the digest computed elsewhere, not both.',
        'Pass sha256() of the evidence, e.g. of the scanned form.');
    PERFORM compliance.check_text_or_digest(notice IS NOT NULL, notice_digest, 'notice', 'notice_digest',
        'The receipt keeps the digest of the one notice the subject was shown (Art. 5.5 of Law 99-Z).',
        'Give the text of the notice, whose digest is kept, or the digest computed elsewhere, not both.',
        'Pass sha256(convert_to(notice text, ''UTF8'')) of the notice the subject was shown.');
    PERFORM compliance.check_text_or_digest(rights_notice IS NOT NULL, rights_digest, 'rights_notice', 'rights_digest',
        'The ledger keeps the digest of the one explanation of rights the subject was given, separately from the notice (Art. 5.5 of Law 99-Z).',
        'Give the text of the explanation, whose digest is kept, or the digest computed elsewhere, not both.',
        'Pass sha256(convert_to(text, ''UTF8'')) of the explanation of rights the subject was given.');
    PERFORM compliance.check_lang(notice_lang);
    PERFORM compliance.check_consent_capacity(identity, indicated_by, representative, given_at, purposes);
    PERFORM compliance.check_transfer_countries(transfer_countries);
END
$$;
COMMENT ON FUNCTION compliance.check_imported_consent(text, text, compliance.purpose_set, compliance.consent_form, timestamptz, timestamptz, jsonb, bytea, text, bytea, text, text, jsonb, jsonb, text[], text, bytea) IS
    'Internal to compliance.import_consents(): raises the error give_consent() would raise for one imported consent, judged at its given_at (Art. 5.6, 5.9 of Law 99-Z), and the import''s own (given_at required and not in the future, one form of evidence, of notice and of the explanation of rights, 32-byte digests).';

-- The temporary table import_consents() filled, if it is one that the
-- extension's owner may read: a plain table of the session, of exactly the
-- import's columns, without anything the planner would evaluate with the
-- reader's privileges (index expressions and predicates, constraints,
-- extended statistics, rules, row security, parents, children).  An error
-- if not.
CREATE FUNCTION compliance.import_rows_table() RETURNS regclass
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rel regclass := to_regclass('pg_temp.compliance_import_rows');
BEGIN
    IF v_rel IS NULL
       OR NOT EXISTS (SELECT FROM pg_class c
                       WHERE c.oid = v_rel AND c.relkind = 'r' AND c.relpersistence = 't'
                         AND c.relnamespace = pg_my_temp_schema() AND c.reloftype = 0
                         AND NOT c.relhasrules AND NOT c.relhassubclass AND NOT c.relispartition
                         AND NOT c.relrowsecurity)
       OR EXISTS (SELECT FROM pg_index i WHERE i.indrelid = v_rel)
       OR EXISTS (SELECT FROM pg_constraint c WHERE c.conrelid = v_rel)
       OR EXISTS (SELECT FROM pg_statistic_ext x WHERE x.stxrelid = v_rel)
       OR EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = v_rel)
       OR EXISTS (SELECT FROM pg_attribute a
                   WHERE a.attrelid = v_rel AND a.attnum > 0 AND NOT a.attisdropped
                     AND a.attcollation NOT IN (0, 100))
       OR (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                             ORDER BY a.attnum)
             FROM pg_attribute a
            WHERE a.attrelid = v_rel AND a.attnum > 0 AND NOT a.attisdropped)
          IS DISTINCT FROM compliance.import_columns() THEN
        RAISE EXCEPTION 'no rows to import'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'compliance.import_consent_rows() reads the temporary table compliance_import_rows as compliance.import_consents() fills it.',
                  HINT = 'Call compliance.import_consents(source).';
    END IF;
    RETURN v_rel;
END
$$;
COMMENT ON FUNCTION compliance.import_rows_table() IS
    'Internal to compliance.import_consent_rows(): the session''s temporary table compliance_import_rows if it is a plain table of exactly the columns compliance.import_consents() writes, with no index, constraint, extended statistics, rule, row security, parent or child; an error otherwise.';

CREATE FUNCTION compliance.import_consent_rows(source text)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET session_replication_role = replica
    SET work_mem = '64MB'
    SET jit = off
AS $$
DECLARE
    v_rows bigint;
    v_value text;
    v_ok boolean;
    v_probe text;
    v_bad bigint;
    v_row record;
    v_tail record;
    v_recorded_at timestamptz;
    v_general boolean := false;
    v_last record;
    v_notice_sets compliance.purpose_set[];
    v_notice_digests bytea[];
    v_rights jsonb;
    v_key bytea;
BEGIN
    PERFORM compliance.import_rows_table();
    PERFORM compliance.import_drop_work_tables(false);

    -- One pass over the rows finds the values that repeat, each checked
    -- once below: purpose sets, languages, transfer countries, kinds, and
    -- the notices to generate (per purposes, language, end and countries);
    -- and counts them.
    CREATE TEMPORARY TABLE compliance_import_values ON COMMIT DROP AS
    SELECT CASE WHEN GROUPING(x.generated) = 0 THEN 'notice' WHEN GROUPING(x.purposes) = 0 THEN 'purposes'
                WHEN GROUPING(x.notice_lang) = 0 THEN 'lang' WHEN GROUPING(x.raw) = 0 THEN 'countries'
                WHEN GROUPING(x.subject_kind) = 0 THEN 'kind' ELSE 'all' END AS what,
           x.generated, x.purposes, x.notice_lang, x.until, x.raw, x.subject_kind,
           count(*) AS rows, min(x.pos) AS min_pos, max(x.pos) AS max_pos, min(x.n) AS min_n, max(x.n) AS max_n
      FROM (SELECT t.pos, t.n, t.purposes, t.notice_lang, t.subject_kind,
                   -- valid_until NULL as -infinity (a row with it is refused)
                   coalesce(t.transfer_countries::text, '') AS raw, coalesce(t.valid_until, '-infinity') AS until,
                   t.notice IS NULL AND t.notice_digest IS NULL AS generated
              FROM ONLY pg_temp.compliance_import_rows t) x
     GROUP BY GROUPING SETS ((x.purposes), (x.notice_lang), (x.raw), (x.subject_kind),
                             (x.generated, x.purposes, x.notice_lang, x.until, x.raw), ());
    SELECT v.rows INTO v_rows FROM pg_temp.compliance_import_values v WHERE v.what = 'all';
    IF v_rows IS NULL THEN
        RETURN 0;
    END IF;
    -- numbered 1, 2, ... (the chain checks that pos leaves no gap)
    IF EXISTS (SELECT FROM pg_temp.compliance_import_values v
                WHERE v.what = 'all' AND (v.min_pos <> 1 OR v.max_pos <> v_rows OR v.min_n <> 1 OR v.max_n <> v_rows)) THEN
        RAISE EXCEPTION 'no rows to import'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The rows of compliance_import_rows are numbered 1, 2, ... in the source''s order (n) and in the order of given_at (pos).',
                  HINT = 'Call compliance.import_consents(source).';
    END IF;

    -- Consent writers one at a time (as give_consent): "renewed" and the
    -- state are decided on the current consents.
    PERFORM compliance.consent_ledger_lock();

    -- Purpose sets (at least one purpose, in force, relying on consent;
    -- needing identity), languages, transfer countries (normalised as
    -- give_consent does).
    CREATE TEMPORARY TABLE compliance_import_sets (purposes compliance.purpose_set, ok boolean,
        needs_identity boolean) ON COMMIT DROP;
    CREATE TEMPORARY TABLE compliance_import_langs (lang text) ON COMMIT DROP;
    CREATE TEMPORARY TABLE compliance_import_countries (raw text, countries text, ok boolean) ON COMMIT DROP;
    FOR v_row IN SELECT v.purposes FROM pg_temp.compliance_import_values v WHERE v.what = 'purposes' LOOP
        BEGIN
            PERFORM compliance.check_consent_purposes(v_row.purposes);
            v_ok := true;
        EXCEPTION WHEN OTHERS THEN
            v_ok := false;
        END;
        INSERT INTO pg_temp.compliance_import_sets
        SELECT v_row.purposes, v_ok, coalesce(bool_or(p.requires_identity), false)
          FROM compliance.purposes p WHERE v_row.purposes @> p.code::compliance.purpose;
    END LOOP;
    FOR v_value IN SELECT v.notice_lang FROM pg_temp.compliance_import_values v WHERE v.what = 'lang' LOOP
        BEGIN
            INSERT INTO pg_temp.compliance_import_langs VALUES (compliance.check_lang(v_value));
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
    FOR v_value IN SELECT v.raw FROM pg_temp.compliance_import_values v WHERE v.what = 'countries' LOOP
        BEGIN
            INSERT INTO pg_temp.compliance_import_countries
            VALUES (v_value, coalesce(compliance.check_transfer_countries(nullif(v_value, '')::text[])::text, ''), true);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO pg_temp.compliance_import_countries VALUES (v_value, NULL, false);
        END;
    END LOOP;
    ANALYZE pg_temp.compliance_import_sets, pg_temp.compliance_import_langs, pg_temp.compliance_import_countries;

    -- Every row at once: the first row refused (a query that raises, e.g.
    -- at a key no subject column can hold or a date that is none, counts as
    -- refusing a row it read), then its error from the per-row checks.
    v_probe := $q$
        SELECT t.n
          FROM ONLY pg_temp.compliance_import_rows t
          LEFT JOIN pg_temp.compliance_import_sets s ON s.purposes = t.purposes
          LEFT JOIN pg_temp.compliance_import_countries c ON c.raw = coalesce(t.transfer_countries::text, '')
          LEFT JOIN pg_temp.compliance_import_langs l ON l.lang = t.notice_lang
          LEFT JOIN compliance.subject_kinds k ON k.kind = t.subject_kind
         WHERE t.n <= $1
           AND (t.subject IS NULL OR t.subject = '' OR octet_length(t.subject) > 1024
                OR k.kind IS NULL
                OR compliance.subject_key(t.subject, t.subject_kind) IS NULL
                OR s.ok IS NOT TRUE
                OR t.form IS NULL
                OR t.given_at IS NULL OR NOT isfinite(t.given_at) OR t.given_at > now()
                OR t.valid_until <= t.given_at
                OR jsonb_typeof(t.evidence) <> 'object'
                OR t.evidence IS NOT NULL AND t.evidence_digest IS NOT NULL
                OR octet_length(t.evidence_digest) <> 32
                OR t.notice IS NOT NULL AND t.notice_digest IS NOT NULL
                OR octet_length(t.notice_digest) <> 32
                OR t.rights_notice IS NOT NULL AND t.rights_digest IS NOT NULL
                OR octet_length(t.rights_digest) <> 32
                OR l.lang IS NULL
                OR compliance.consent_capacity_problem(t.identity, t.indicated_by, t.representative,
                                                       t.given_at, s.needs_identity) IS NOT NULL
                OR c.ok IS NOT TRUE)
         ORDER BY t.n LIMIT 1$q$;
    BEGIN
        EXECUTE v_probe INTO v_bad USING v_rows;
    EXCEPTION WHEN OTHERS THEN
        v_bad := compliance.import_first_failing_row(v_probe, v_rows);
    END;
    IF v_bad IS NOT NULL THEN
        SELECT t.subject INTO v_value FROM ONLY pg_temp.compliance_import_rows t WHERE t.n = v_bad;
        PERFORM compliance.import_row_error(source, v_bad, v_value, format(
            'SELECT compliance.check_imported_consent(t.subject, t.subject_kind, t.purposes, t.form, t.given_at,
                 t.valid_until, t.evidence, t.evidence_digest, t.notice, t.notice_digest, t.notice_lang,
                 t.indicated_by, t.representative, t.identity, t.transfer_countries, t.rights_notice,
                 t.rights_digest)
               FROM ONLY pg_temp.compliance_import_rows t WHERE t.n = %s', v_bad));
        RAISE EXCEPTION 'row % of % (subject "%") was refused by the import''s quick checks but not by give_consent''s',
                        v_bad, source, v_value
            USING ERRCODE = 'internal_error',
                  HINT = 'Report this as a bug of the compliance extension, with the row.';
    END IF;

    -- The rows the foreign keys of the ledger and consent_state reference
    -- stay until the commit (their triggers are skipped, see above).
    PERFORM FROM compliance.subject_kinds k
     WHERE k.kind IN (SELECT v.subject_kind FROM pg_temp.compliance_import_values v WHERE v.what = 'kind')
       FOR KEY SHARE;
    PERFORM FROM compliance.purposes p
     WHERE EXISTS (SELECT FROM pg_temp.compliance_import_sets s WHERE s.purposes @> p.code::compliance.purpose)
       FOR KEY SHARE;

    -- The notice generated now, in the row's language, for rows that bring
    -- none: the one give_consent's receipt digests.  Once per purposes,
    -- language, end and countries.
    CREATE TEMPORARY TABLE compliance_import_notices ON COMMIT DROP AS
    SELECT v.purposes, v.notice_lang, v.until, c.countries,
           sha256(convert_to(compliance.notice_text(v.purposes, v.notice_lang, nullif(v.until, '-infinity'),
                                                       nullif(c.countries, '')::text[]), 'UTF8')) AS digest
      FROM pg_temp.compliance_import_values v
      JOIN pg_temp.compliance_import_countries c ON c.raw = v.raw
     WHERE v.what = 'notice' AND v.generated;
    ANALYZE pg_temp.compliance_import_notices;
    -- Usually one language and neither an end nor countries: the notice
    -- depends on the purposes alone, looked up in an array (a query per
    -- row would take five times as long).
    IF (SELECT count(DISTINCT n.notice_lang) = 1 AND bool_and(n.until = '-infinity' AND n.countries = '')
          FROM pg_temp.compliance_import_notices n) THEN
        SELECT array_agg(n.purposes), array_agg(n.digest) INTO v_notice_sets, v_notice_digests
          FROM pg_temp.compliance_import_notices n;
    END IF;

    -- The explanation of rights generated now, per language, for rows that
    -- bring none (Art. 5.5): the one give_consent's ledger row digests.
    SELECT jsonb_object_agg(l.lang, encode(compliance.check_rights_digest(NULL, l.lang), 'hex')) INTO v_rights
      FROM pg_temp.compliance_import_langs l;

    -- Ids continue the chain from this transaction's end of it (the head
    -- is locked), in the order of pos (given_at, then the source's order).
    SELECT * INTO v_tail FROM compliance.ledger_tail('consent');
    v_recorded_at := clock_timestamp();
    v_key := compliance.evidence_key_value();
    CREATE INDEX compliance_import_rows_pos ON pg_temp.compliance_import_rows (pos);

    -- consent_state.  First as if every subject and purpose were new to it
    -- and appeared once in the import (a first import): plain inserts.
    -- Else (a unique violation says so) the rows of each subject and
    -- purpose in the order of given_at, against the current state.
    CREATE TEMPORARY TABLE compliance_import_purposes (pos bigint) ON COMMIT DROP;
    BEGIN
        INSERT INTO compliance.consent_state (subject, subject_kind, purpose, status, given_at, valid_until,
                                              transfer_countries, ledger_id, changed_at)
        SELECT compliance.subject_key(t.subject, t.subject_kind), t.subject_kind, p.purpose, 'given',
               t.given_at, t.valid_until,
               CASE WHEN cardinality(t.transfer_countries) > 0
                    THEN (SELECT nullif(c.countries, '')::text[] FROM pg_temp.compliance_import_countries c
                           WHERE c.raw = t.transfer_countries::text) END,
               v_tail.last_id + t.pos, t.given_at
          FROM ONLY pg_temp.compliance_import_rows t
         CROSS JOIN LATERAL compliance.purposes(t.purposes) AS p(purpose);
    EXCEPTION WHEN unique_violation THEN
        v_general := true;
    END;
    IF v_general THEN
        PERFORM compliance.import_consent_state(source, v_tail.last_id);
    END IF;

    -- The ledger, chained in one pass over the rows in the order of pos
    -- (an index scan, no sort): ledger_chain_next() links each row to the
    -- one before.
    -- As give_consent's: the identity and representative sealed under the
    -- row's salt and the evidence key (the plaintext to consent_evidence,
    -- below), the evidence's digest too.
    INSERT INTO compliance.consent_ledger (id, event, subject, subject_kind, purposes, recorded_at, recorded_by,
                                           receipt, transfer_countries, request_id, evidence_salt, rights_digest,
                                           prev_hash, hash)
    SELECT r.id, r.event, r.subject, r.subject_kind, r.purposes, v_recorded_at, session_user,
           r.receipt, r.transfer_countries, NULL, r.salt, r.rights, substring(r.link FROM 1 FOR 32),
           substring(r.link FROM 33)
      FROM (SELECT q.*,
                   compliance.ledger_chain_next(v_tail.last_hash, q.id, compliance.consent_ledger_fields(
                       ROW(q.id, q.event, q.subject, q.subject_kind, q.purposes, v_recorded_at, session_user,
                           q.receipt, q.transfer_countries, NULL, q.salt, q.rights, NULL, NULL, NULL)::compliance.consent_ledger)) AS link
              FROM (SELECT k.id, k.event, k.subject, k.subject_kind, k.purposes, k.transfer_countries, k.salt,
                           coalesce(k.rights_digest, sha256(convert_to(k.rights_notice, 'UTF8')),
                                    decode(v_rights ->> k.notice_lang, 'hex')) AS rights,
                           compliance.make_consent(k.id, k.subject, k.purposes, k.form, k.given_at, k.valid_until,
                               k.indicated_by,
                               CASE WHEN k.representative IS NULL OR compliance.is_sealed(k.representative) THEN k.representative
                                    ELSE jsonb_build_object('digest', encode(compliance.keyed_digest(v_key, k.salt,
                                                                                 k.representative::text), 'hex')) END,
                               coalesce(k.notice_digest, sha256(convert_to(k.notice, 'UTF8')),
                                        CASE WHEN v_notice_sets IS NOT NULL
                                             THEN v_notice_digests[array_position(v_notice_sets, k.purposes)]
                                             ELSE (SELECT n.digest FROM pg_temp.compliance_import_notices n
                                                    WHERE n.purposes = k.purposes AND n.notice_lang = k.notice_lang
                                                      AND n.until = coalesce(k.valid_until, '-infinity')
                                                      AND n.countries = coalesce(k.transfer_countries::text, ''))
                                        END),
                               coalesce(k.evidence_digest, compliance.keyed_digest(v_key, k.salt, k.evidence::text)),
                               CASE WHEN k.identity IS NULL THEN NULL
                                    ELSE jsonb_build_object('digest', encode(compliance.keyed_digest(v_key, k.salt,
                                                                                 k.identity::text), 'hex')) END,
                               k.notice_lang, nullif(k.subject_kind, 'person'),
                               k.transfer_countries) AS receipt
                      FROM (SELECT v_tail.last_id + t.pos AS id,
                                   compliance.subject_key(t.subject, t.subject_kind) AS subject, t.subject_kind,
                                   t.purposes, t.form, t.given_at, t.valid_until, t.indicated_by,
                                   t.representative, t.identity, t.notice_lang, t.notice, t.notice_digest,
                                   t.evidence, t.evidence_digest, t.rights_notice, t.rights_digest,
                                   -- a salt where there is something to seal
                                   CASE WHEN t.identity IS NOT NULL OR t.representative IS NOT NULL
                                             OR t.evidence IS NOT NULL
                                        THEN compliance.new_salt() END AS salt,
                                   CASE WHEN cardinality(t.transfer_countries) > 0
                                        THEN (SELECT nullif(c.countries, '')::text[]
                                                FROM pg_temp.compliance_import_countries c
                                               WHERE c.raw = t.transfer_countries::text) END AS transfer_countries,
                                   CASE WHEN t.pos IN (SELECT p.pos FROM pg_temp.compliance_import_purposes p)
                                        THEN 'renewed' ELSE 'given' END AS event
                              FROM ONLY pg_temp.compliance_import_rows t
                             ORDER BY t.pos) k
                     -- computed once per row, in the order of pos
                     OFFSET 0) q
             OFFSET 0) r;

    -- The plaintext identities and representatives, outside the chain, until
    -- erasure (Art. 5.7, 13)
    INSERT INTO compliance.consent_evidence (ledger_id, subject, subject_kind, identity, representative)
    SELECT v_tail.last_id + t.pos, compliance.subject_key(t.subject, t.subject_kind), t.subject_kind,
           t.identity, CASE WHEN NOT compliance.is_sealed(t.representative) THEN t.representative END
      FROM ONLY pg_temp.compliance_import_rows t
     WHERE t.identity IS NOT NULL
        OR (t.representative IS NOT NULL AND NOT compliance.is_sealed(t.representative));

    -- The chain's new end; its head moves there at commit.
    SELECT l.id, l.hash INTO v_last FROM compliance.consent_ledger l WHERE l.id = v_tail.last_id + v_rows;
    PERFORM compliance.ledger_extend('consent', v_last.id, v_last.hash, NOT v_tail.noted);
    DROP INDEX pg_temp.compliance_import_rows_pos;
    PERFORM compliance.import_drop_work_tables(false);
    RETURN v_rows;
END
$$;
COMMENT ON FUNCTION compliance.import_consent_rows(text) IS
    'Internal to compliance.import_consents(), which calls it as the caller after filling the temporary table compliance_import_rows: checks every row as give_consent() would (at the row''s given_at), appends them to the consent ledger''s hash chain in the order of given_at, and brings consent_state to the newest consent of each subject and purpose. source names the source in messages.';

-- consent_state after an import whose subjects and purposes are not all
-- new, or repeat: for each subject and purpose, its rows in the order of
-- given_at against the current state.  Refuses a consent given twice (the
-- same subject, purpose and given_at, in the import or as the current
-- state: an import run again).  Notes in compliance_import_purposes the
-- rows whose ledger event is 'renewed': for a purpose of the row the
-- subject held a consent just before it, an earlier row (unless the
-- current state withdrew or refused it in between) or the current consent
-- if given earlier, as give_consent decides on the state in force.  An
-- older consent never replaces a later consent, withdrawal or refusal.
CREATE FUNCTION compliance.import_consent_state(source text, last_id bigint) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $$
DECLARE
    v_row record;
BEGIN
    CREATE TEMPORARY TABLE compliance_import_state ON COMMIT DROP AS
    SELECT x.*, s.status AS state, s.given_at AS state_given_at, s.changed_at AS state_changed_at
      FROM (SELECT t.pos, t.n, t.subject, t.subject_kind, p.purpose, t.given_at, t.valid_until,
                   t.transfer_countries,
                   lag(t.given_at) OVER w AS prev_given_at, lag(t.n) OVER w AS prev_n,
                   lead(t.pos) OVER w IS NULL AS newest
              FROM (SELECT t.pos, t.n, compliance.subject_key(t.subject, t.subject_kind) AS subject,
                           t.subject_kind, t.purposes, t.given_at, t.valid_until,
                           CASE WHEN cardinality(t.transfer_countries) > 0
                                THEN (SELECT nullif(c.countries, '')::text[]
                                        FROM pg_temp.compliance_import_countries c
                                       WHERE c.raw = t.transfer_countries::text) END AS transfer_countries
                      FROM ONLY pg_temp.compliance_import_rows t) t
             CROSS JOIN LATERAL compliance.purposes(t.purposes) AS p(purpose)
            WINDOW w AS (PARTITION BY t.subject, t.subject_kind, p.purpose ORDER BY t.given_at, t.pos)) x
      LEFT JOIN compliance.consent_state s
        ON s.subject = x.subject AND s.subject_kind = x.subject_kind AND s.purpose = x.purpose;

    SELECT p.n, p.prev_n, p.subject, p.purpose, p.given_at INTO v_row
      FROM pg_temp.compliance_import_state p
     WHERE p.given_at = p.prev_given_at
        OR p.prev_n IS NULL AND p.state IN ('given', 'renewed') AND p.state_given_at = p.given_at
     ORDER BY p.n LIMIT 1;
    IF FOUND THEN
        IF v_row.prev_n IS NOT NULL THEN
            RAISE EXCEPTION 'row % of % (subject "%"): consent to % given at % is also in row %',
                            v_row.n, source, v_row.subject, v_row.purpose, v_row.given_at, v_row.prev_n
                USING ERRCODE = 'unique_violation',
                      DETAIL = 'A subject gives one consent to a purpose at a time.',
                      HINT = 'Nothing was imported: remove the repeated row and import again.';
        END IF;
        RAISE EXCEPTION 'row % of % (subject "%"): consent to % given at % is already recorded',
                        v_row.n, source, v_row.subject, v_row.purpose, v_row.given_at
            USING ERRCODE = 'unique_violation',
                  DETAIL = 'It is the subject''s current consent to that purpose: the rows were probably imported before.',
                  HINT = 'Nothing was imported: leave out the rows already recorded (see compliance.consents_of()).';
    END IF;

    ALTER TABLE pg_temp.compliance_import_state ADD COLUMN renewed boolean;
    UPDATE pg_temp.compliance_import_state p
       SET renewed = (p.prev_given_at IS NOT NULL
                      AND NOT coalesce(p.state IN ('withdrawn', 'refused') AND p.state_changed_at > p.prev_given_at
                                       AND p.state_changed_at <= p.given_at, false))
                     OR coalesce(p.state IN ('given', 'renewed') AND p.state_given_at < p.given_at, false);
    INSERT INTO pg_temp.compliance_import_purposes SELECT DISTINCT p.pos
      FROM pg_temp.compliance_import_state p WHERE p.renewed;

    UPDATE compliance.consent_state s
       SET status = CASE WHEN p.renewed THEN 'renewed' ELSE 'given' END,
           given_at = p.given_at, valid_until = p.valid_until, transfer_countries = p.transfer_countries,
           ledger_id = last_id + p.pos, changed_at = p.given_at
      FROM pg_temp.compliance_import_state p
     WHERE p.newest AND p.state IS NOT NULL
       AND CASE WHEN p.state IN ('given', 'renewed') THEN p.state_given_at ELSE p.state_changed_at END < p.given_at
       AND s.subject = p.subject AND s.subject_kind = p.subject_kind AND s.purpose = p.purpose;
    INSERT INTO compliance.consent_state (subject, subject_kind, purpose, status, given_at, valid_until,
                                          transfer_countries, ledger_id, changed_at)
    SELECT p.subject, p.subject_kind, p.purpose, CASE WHEN p.renewed THEN 'renewed' ELSE 'given' END,
           p.given_at, p.valid_until, p.transfer_countries, last_id + p.pos, p.given_at
      FROM pg_temp.compliance_import_state p
     WHERE p.newest AND p.state IS NULL;
    DROP TABLE pg_temp.compliance_import_state;
END
$$;
COMMENT ON FUNCTION compliance.import_consent_state(text, bigint) IS
    'Internal to compliance.import_consent_rows(): brings consent_state to the newest imported consent of each subject and purpose unless a later consent, withdrawal or refusal is recorded, refuses a consent imported twice, and notes which rows are renewals; last_id: the ledger id before the first imported row.';

CREATE FUNCTION compliance.import_consents(source regclass, notice_lang text DEFAULT 'ru')
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    SET synchronize_seqscans = off
    SET work_mem = '256MB'
    SET jit = off
AS $$
DECLARE
    -- the columns a source may have, with the type each is read as and
    -- its value when the source has no such column (NULL: required)
    v_known CONSTANT text[][] := ARRAY[
        ['subject', 'text', NULL],
        ['subject_kind', 'text', '''person'''],
        ['purposes', 'compliance.purpose_set', NULL],
        ['form', 'compliance.consent_form', NULL],
        ['given_at', 'timestamptz', NULL],
        ['valid_until', 'timestamptz', 'NULL'],
        ['evidence', 'jsonb', 'NULL'],
        ['evidence_digest', 'bytea', 'NULL'],
        ['notice', 'text', 'NULL'],
        ['notice_digest', 'bytea', 'NULL'],
        ['notice_lang', 'text', 'NULL'],
        ['indicated_by', 'text', '''subject'''],
        ['representative', 'jsonb', 'NULL'],
        ['identity', 'jsonb', 'NULL'],
        ['transfer_countries', 'text[]', 'NULL'],
        ['rights_notice', 'text', 'NULL'],
        ['rights_digest', 'bytea', 'NULL']];
    v_columns text[];
    v_unknown text;
    v_exprs text[];
    v_name text;
    v_expr text;
    v_probe text;
    v_rows bigint;
    v_bad bigint;
    v_subject text;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION 'the source of an import is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a table or view with the columns subject, purposes, form and given_at.';
    END IF;
    PERFORM compliance.check_lang(notice_lang);
    SELECT array_agg(a.attname::text ORDER BY a.attnum) INTO v_columns
      FROM pg_attribute a WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped;
    SELECT string_agg(quote_ident(c), ', ') INTO v_unknown
      FROM unnest(v_columns) c
     WHERE c NOT IN (SELECT v_known[i][1] FROM generate_subscripts(v_known, 1) i);
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'import source % has columns an import does not know: %', source, v_unknown
            USING ERRCODE = 'undefined_column',
                  DETAIL = 'Known columns: subject, purposes, form, given_at (required); subject_kind, valid_until, evidence, evidence_digest, notice, notice_digest, notice_lang, indicated_by, representative, identity, transfer_countries, rights_notice, rights_digest. A column left out by mistake would lose what the processor must prove (Art. 5.7 of Law 99-Z).',
                  HINT = 'Import from a view that selects and names the known columns.';
    END IF;
    FOR i IN 1 .. array_length(v_known, 1) LOOP
        v_name := v_known[i][1];
        IF v_name = ANY (v_columns) THEN
            v_expr := format('s.%I', v_name);
            -- purposes as an array of codes: through compliance.purpose[]
            IF v_name = 'purposes' AND EXISTS (SELECT FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                                                WHERE a.attrelid = source AND a.attname = 'purposes'
                                                  AND ty.typcategory = 'A') THEN
                v_expr := v_expr || '::text[]::compliance.purpose[]';
            END IF;
            v_expr := v_expr || '::' || v_known[i][2];
        ELSIF v_known[i][3] IS NULL THEN
            RAISE EXCEPTION 'import source % has no column "%"', source, v_name
                USING ERRCODE = 'undefined_column',
                      DETAIL = 'An imported consent needs the subject, the purposes, the form and the time it was given (Art. 5.2, 5.7 of Law 99-Z).',
                      HINT = 'Import from a table or view with the columns subject, purposes, form and given_at.';
        ELSE
            v_expr := v_known[i][3] || '::' || v_known[i][2];
        END IF;
        -- an empty cell takes the default of the argument or of give_consent
        IF v_name = 'notice_lang' THEN
            v_expr := format('coalesce(%s, %L)', v_expr, notice_lang);
        ELSIF v_name = 'indicated_by' THEN
            v_expr := format('coalesce(%s, ''subject'')', v_expr);
        END IF;
        v_exprs := v_exprs || v_expr;
    END LOOP;

    -- The source as the caller reads it, numbered in its order (n), and in
    -- the order of given_at (pos: the order of the ledger).
    PERFORM compliance.import_drop_work_tables(true);
    EXECUTE format('CREATE TEMPORARY TABLE compliance_import_rows (%s) ON COMMIT DROP',
                   compliance.import_columns());
    BEGIN
        EXECUTE format('INSERT INTO pg_temp.compliance_import_rows
                        SELECT row_number() OVER (ORDER BY x.given_at, x.n) AS pos, x.*
                          FROM (SELECT row_number() OVER () AS n, %s FROM %s s) x',
                       (SELECT string_agg(format('%s AS %I', u.e, v_known[u.i][1]), ', ' ORDER BY u.i)
                          FROM unnest(v_exprs) WITH ORDINALITY AS u(e, i)),
                       source);
    EXCEPTION WHEN OTHERS THEN
        -- a value that does not read as its column's type: in which row?
        EXECUTE format('SELECT count(*) FROM %s', source) INTO v_rows;
        v_probe := format('SELECT FROM (SELECT row_number() OVER () AS n, * FROM %s) s
                            WHERE s.n <= $1 AND ROW(%s)::text IS NULL', source, array_to_string(v_exprs, ', '));
        v_bad := compliance.import_first_failing_row(v_probe, v_rows);
        IF v_bad IS NULL THEN
            RAISE;
        END IF;
        EXECUTE format('SELECT s.subject::text FROM (SELECT row_number() OVER () AS n, * FROM %s) s WHERE s.n = $1',
                       source) INTO v_subject USING v_bad;
        PERFORM compliance.import_row_error(source::text, v_bad, v_subject,
            format('SELECT ROW(%s)::text FROM (SELECT row_number() OVER () AS n, * FROM %s) s WHERE s.n = %s',
                   array_to_string(v_exprs, ', '), source, v_bad));
        RAISE;
    END;
    -- its statistics, for the plans of the checks and inserts
    ANALYZE pg_temp.compliance_import_rows;
    v_rows := compliance.import_consent_rows(source::text);
    PERFORM compliance.import_drop_work_tables(true);
    RETURN v_rows;
END
$$;
COMMENT ON FUNCTION compliance.import_consents(regclass, text) IS
    'Imports consents given before or outside the extension (paper forms, another system) from a table or view with the columns subject, purposes, form, given_at and optionally subject_kind, valid_until, evidence or evidence_digest, notice or notice_digest, notice_lang, indicated_by, representative, identity, transfer_countries, rights_notice or rights_digest. Each row is checked as compliance.give_consent() checks a call, at its own given_at (Art. 5.6, 5.9 of Law 99-Z); the receipt keeps given_at, the evidence digest and the digest of the notice shown (the notice column''s, else the notice generated now in notice_lang; Art. 5.5, 5.7), and the ledger row the digest of the explanation of rights given separately (the rights_notice column''s text, rights_digest, else compliance.rights_notice() in notice_lang), and the rows are appended to the hash-chained ledger in the order of given_at. consent_state follows the newest consent of each subject and purpose unless a later consent, withdrawal or refusal is recorded. All or nothing: a bad row is an error naming its number and subject. Returns the number of consents imported.';
