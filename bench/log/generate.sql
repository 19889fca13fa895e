-- bench/log/generate.sql: a disclosure log of :disclosures disclosures of
-- :subjects subjects, spread over the 36 months before the current one,
-- appended as the writer and record_disclosure() would have: 98% captured
-- by exports, in records of 2,048 subjects (sorted in byte order, as the
-- writer passes them), 2% explicit records of one subject.  Disclosure k
-- is of subject 1 + (k * 48271) % subjects, so each subject has
-- disclosures / subjects of them over the 3 years, in different records.
-- Each record is chained (ledger_chain_next over disclosure_record_fields),
-- so verify_ledger() accepts the result.  Each year's partition is
-- loaded without its indexes, which are then built with their own
-- definitions: the same table as appending makes, with the GIN index's
-- pending list empty (as after a merge).  A month is one transaction.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';
SET TimeZone = 'UTC';
\ir ../partition_indexes.sql
SELECT set_config('bench.subjects', :'subjects', false),
       set_config('bench.disclosures', :'disclosures', false);

SELECT compliance.register_recipient(r.code, r.name, 'Minsk', 'BY')
  FROM (VALUES ('sms_gateway', 'SMS gateway'), ('courier', 'Courier')) r(code, name)
 WHERE NOT EXISTS (SELECT FROM compliance.recipients c WHERE c.code = r.code);

DO $$
DECLARE
    n bigint := current_setting('bench.subjects')::bigint;
    total bigint := current_setting('bench.disclosures')::bigint;
    first_month timestamptz := date_trunc('month', now()) - interval '36 months';
    m int;
    m_start timestamptz;
    m_len interval;
    k_lo bigint;
    k_hi bigint;
    n_explicit bigint;
    n_capture bigint;
    n_records bigint;
    v_part regclass;
    v_cur regclass;
    v_defs text[];
    v_sql text;
    v_head compliance.ledger_heads;
    zero bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
BEGIN
    IF EXISTS (SELECT FROM compliance.disclosure_records) THEN
        RAISE EXCEPTION 'the disclosure log is not empty';
    END IF;
    FOR m IN 0 .. 35 LOOP
        m_start := first_month + m * interval '1 month';
        m_len := (m_start + interval '1 month') - m_start;
        k_lo := total * m / 36;             -- disclosures k_lo .. k_hi - 1
        k_hi := total * (m + 1) / 36;
        n_explicit := (k_hi - k_lo) / 50;
        n_capture := (k_hi - k_lo) - n_explicit;
        n_records := (n_capture + 2047) / 2048 + n_explicit;
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
        SELECT * INTO v_head FROM compliance.ledger_heads h WHERE h.ledger = 'disclosure';
        v_head.last_id := coalesce(v_head.last_id, 0);
        v_head.last_hash := coalesce(v_head.last_hash, zero);

        -- record j of the month: captures first (2,048 disclosures each),
        -- then explicit ones, interleaved in time by j
        INSERT INTO compliance.disclosure_records
        SELECT x.id, x.subjects, 'person', x.recipient, x.country, x.data_items, x.purpose, x.transfer_kind,
               x.transfer_basis, NULL, x.source, x.source_table, x.disclosed_at,
               x.disclosed_at + interval '1 second', 'bench',
               substr(x.link, 1, 32), substr(x.link, 33, 32)
          FROM (SELECT r.*,
                       compliance.ledger_chain_next(v_head.last_hash, r.id, compliance.disclosure_record_fields(
                           ROW(r.id, r.subjects, 'person', r.recipient, r.country, r.data_items, r.purpose,
                               r.transfer_kind, r.transfer_basis, NULL, r.source, r.source_table, r.disclosed_at,
                               r.disclosed_at + interval '1 second', 'bench', NULL, NULL)::compliance.disclosure_records)) AS link
                  FROM (SELECT v_head.last_id + 1 + j AS id,
                               CASE WHEN j < (n_capture + 2047) / 2048
                                    THEN (SELECT array_agg(DISTINCT (1 + (k * 48271) % n)::text COLLATE "C"
                                                           ORDER BY (1 + (k * 48271) % n)::text COLLATE "C")
                                            FROM generate_series(k_lo + j * 2048,
                                                                 least(k_lo + (j + 1) * 2048, k_lo + n_capture) - 1) k)
                                    ELSE ARRAY[(1 + ((k_lo + n_capture + j - (n_capture + 2047) / 2048) * 48271) % n)::text]
                               END AS subjects,
                               CASE WHEN j < (n_capture + 2047) / 2048 THEN 'sms_gateway' ELSE 'courier' END AS recipient,
                               'BY' AS country,
                               CASE WHEN j < (n_capture + 2047) / 2048 THEN '{full_name,phone}'::text[]
                                    ELSE '{city,full_name,street}'::text[] END AS data_items,
                               CASE WHEN j < (n_capture + 2047) / 2048 THEN 'marketing' ELSE 'billing' END AS purpose,
                               'domestic' AS transfer_kind, NULL::text AS transfer_basis,
                               CASE WHEN j < (n_capture + 2047) / 2048 THEN 'capture' ELSE 'explicit' END AS source,
                               CASE WHEN j < (n_capture + 2047) / 2048 THEN 'public.customers' END AS source_table,
                               m_start + ((j * 7919) % n_records) * (m_len / n_records) AS disclosed_at
                          FROM generate_series(0, n_records - 1) j
                         ORDER BY 1 OFFSET 0) r) x;
        INSERT INTO compliance.ledger_heads AS h (ledger, last_id, last_hash)
        SELECT 'disclosure', d.id, d.hash FROM compliance.disclosure_records d
         WHERE d.id = v_head.last_id + n_records
        ON CONFLICT (ledger) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash;
        COMMIT;
        RAISE NOTICE 'month % of 36: % records', m + 1, n_records;
    END LOOP;
    FOREACH v_sql IN ARRAY coalesce(v_defs, '{}') LOOP
        EXECUTE v_sql;
    END LOOP;
END
$$;

VACUUM ANALYZE compliance.disclosure_records;
SELECT count(*) AS records, sum(cardinality(subjects)) AS disclosures FROM compliance.disclosure_records;
