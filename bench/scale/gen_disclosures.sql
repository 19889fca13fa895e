-- bench/scale/gen_disclosures.sql: the disclosure log, months of
-- disclosures appended as disclosure_append_rows() would have, one record
-- of one subject per disclosure (the same disclosures as audit_log.sql, each
-- at its own time; captured exports make records of thousands of subjects,
-- see bench/log/generate.sql), through the
-- same kind of bulk path as gen_consents.sql: ids 1, 2, ... in the order of
-- disclosed_at, month by month into the yearly partitions (made by
-- compliance.ensure_disclosure_partition, as every append does), each row's
-- hash = ledger_digest(prev_hash, the fields of disclosure_record_fields(row)),
-- computed by the running aggregate bench_disclosure_chain chunk by chunk, and the
-- ledger_heads row 'disclosure' set to the last row.  verify_ledger()
-- accepts the result.
--
-- Rows: the number given, spread evenly over the 36 months before the
-- current one (disclosure_history for an application made today sees
-- the last 12 of them).  Row id belongs to subject 1 + (id * 48271) %
-- subjects, so each subject has disclosures/subjects rows spread over the
-- 3 years.  Three recipients in turn: an SMS gateway (captured reads of
-- customers for marketing), a courier (explicit, billing) and a partner in
-- Russia (explicit, billing, transborder under contract_with_subject,
-- Art. 9.1).  recorded_at is disclosed_at plus a second.
--
-- Each partition is loaded without its indexes, which are then rebuilt
-- with their own definitions and names (pg_get_indexdef,
-- pg_get_constraintdef): one sort per index instead of a million inserts
-- at random places of the (subject, disclosed_at) B-tree.  The result is
-- the same table, index for index, as appending would have made.  A month
-- is one transaction; a year's partition loses its indexes when its first
-- month is loaded and gets them back after its last (with wal_level =
-- minimal, the driver's cluster, the partition's first month is written
-- without WAL).  The log is analyzed, not vacuumed, afterwards.
--
-- psql variables: subjects, disclosures, chunk.

\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
SET TimeZone = 'UTC';
\ir ../partition_indexes.sql
SELECT set_config('bench.subjects', :'subjects', false),
       set_config('bench.disclosures', :'disclosures', false),
       set_config('bench.chunk', :'chunk', false);

DO $$
DECLARE
    n int := current_setting('bench.subjects')::int;
    total bigint := current_setting('bench.disclosures')::bigint;
    chunk bigint := current_setting('bench.chunk')::bigint;
    first_month timestamptz := date_trunc('month', now()) - interval '36 months';
    m int;
    m_start timestamptz;
    m_len interval;
    m_lo bigint;
    m_hi bigint;
    lo bigint;
    hi bigint;
    v_head compliance.ledger_heads;
    v_part regclass;
    v_cur regclass;
    v_defs text[];
    v_sql text;
    v_last_id bigint;
    v_last_hash bytea;
    zero bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
BEGIN
    IF EXISTS (SELECT FROM compliance.disclosure_records) THEN
        RAISE EXCEPTION 'the disclosure log is not empty';
    END IF;
    FOR m IN 0 .. 35 LOOP
        m_start := first_month + m * interval '1 month';
        m_len := (m_start + interval '1 month') - m_start;
        m_lo := total * m / 36 + 1;
        m_hi := total * (m + 1) / 36;
        CONTINUE WHEN m_hi < m_lo;
        v_part := compliance.ensure_disclosure_partition(m_start);
        -- A partition holds a year: its indexes are dropped when its first
        -- month is loaded and built again after its last.
        IF v_part IS DISTINCT FROM v_cur THEN
            FOREACH v_sql IN ARRAY coalesce(v_defs, '{}') LOOP
                EXECUTE v_sql;
            END LOOP;
            v_cur := v_part;
            v_defs := pg_temp.bench_drop_indexes(v_part);
        END IF;
        lo := m_lo;
        WHILE lo <= m_hi LOOP
            hi := least(lo + chunk - 1, m_hi);
            SELECT * INTO v_head FROM compliance.ledger_heads WHERE ledger = 'disclosure';
            PERFORM bench_chain_from('bench_disclosure_chain', coalesce(v_head.last_hash, zero));
            WITH ins AS (
            INSERT INTO compliance.disclosure_records (id, subjects, subject_kind, recipient, country, data_items, purpose,
                    transfer_kind, transfer_basis, permit, source, source_table, disclosed_at,
                    recorded_at, recorded_by, prev_hash, hash)
            SELECT y.id, ARRAY[y.subject], 'person', y.recipient, y.country, y.data_items, y.purpose, y.transfer_kind,
                   y.transfer_basis, NULL, y.source, y.source_table, y.disclosed_at, y.recorded_at,
                   session_user, coalesce(lag(y.hash) OVER (ORDER BY y.id), v_head.last_hash, zero), y.hash
              FROM (SELECT x.*,
                           bench_disclosure_chain(ARRAY[x.id::text, ARRAY[x.subject]::text, 'person', x.recipient, x.country, x.data_items::text,
                                             x.purpose, x.transfer_kind, x.transfer_basis, NULL, x.source,
                                             x.source_table,
                                             to_char(x.disclosed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                             to_char(x.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                             session_user::text]) OVER (ORDER BY x.id) AS hash
                      FROM (SELECT g AS id, (1 + (g * 48271) % n)::text AS subject,
                                   r.recipient, r.country, r.data_items, r.purpose, r.transfer_kind,
                                   r.transfer_basis, r.source, r.source_table,
                                   m_start + (g - m_lo) * (m_len / (m_hi - m_lo + 1)) AS disclosed_at,
                                   m_start + (g - m_lo) * (m_len / (m_hi - m_lo + 1)) + interval '1 second' AS recorded_at
                              FROM generate_series(lo, hi) g
                              JOIN (VALUES (0, 'sms_gateway', 'BY', '{full_name,phone}'::text[], 'marketing',
                                            'domestic', NULL, 'capture', 'customers'),
                                           (1, 'courier', 'BY', '{city,full_name,street}'::text[], 'billing',
                                            'domestic', NULL, 'explicit', NULL),
                                           (2, 'partner_ru', 'RU', '{email,full_name}'::text[], 'billing',
                                            'exception', 'contract_with_subject', 'explicit', NULL))
                                   AS r(k, recipient, country, data_items, purpose, transfer_kind,
                                        transfer_basis, source, source_table)
                                ON r.k = g % 3) x) y
            RETURNING id, hash)
            SELECT ins.id, ins.hash INTO v_last_id, v_last_hash FROM ins ORDER BY ins.id DESC LIMIT 1;
            INSERT INTO compliance.ledger_heads AS h (ledger, last_id, last_hash)
            VALUES ('disclosure', v_last_id, v_last_hash)
            ON CONFLICT (ledger) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash;
            lo := hi + 1;
        END LOOP;
        COMMIT;
    END LOOP;
    FOREACH v_sql IN ARRAY coalesce(v_defs, '{}') LOOP
        EXECUTE v_sql;
    END LOOP;
    IF (SELECT last_id FROM compliance.ledger_heads WHERE ledger = 'disclosure') <> total THEN
        RAISE EXCEPTION 'disclosure log head at %, expected %',
            (SELECT last_id FROM compliance.ledger_heads WHERE ledger = 'disclosure'), total;
    END IF;
END
$$;

ANALYZE compliance.disclosure_records;
