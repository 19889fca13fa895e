-- bench/scale/gen_consents.sql: the consent ledger and consent_state for
-- every subject, through a bulk path instead of one give_consent() call per
-- subject (at about 1,650 calls a second that alone would take 10 minutes
-- for 1M subjects; the consent-write measurement times the real API).
--
-- What give_consent() would have written, row for row:
--   * compliance.consent_ledger: one 'given' event per consenting subject,
--     ids 1, 2, ... in the order of given_at, recorded_by the session user,
--     with the receipt compliance.make_consent() builds (checked by the
--     driver against a receipt from give_consent itself), the digest of the
--     notice shown (compliance.consent_notice, computed once per purpose
--     set), prev_hash and hash chained exactly as consent_ledger_append()
--     does: hash = ledger_digest(prev_hash, the fields of
--     consent_ledger_fields(row)).  The running aggregate bench_consent_chain
--     (setup_compliance.sql) computes the chain in C, chunk by chunk, each
--     chunk continuing from the head of the one before.
--   * compliance.ledger_heads: the last id and hash, as after the last call.
--   * compliance.consent_state: status 'given' per subject and purpose.
-- compliance.verify_ledger() accepts the result (the driver checks it at
-- the end of the run, after the real API has appended to the same chain).
--
-- The load runs with session_replication_role = replica, which skips
-- triggers that are not ENABLE ALWAYS: the foreign key checks of
-- consent_state and consent_ledger (the rows are consistent by
-- construction; the driver's check.sql counts dangling references) and
-- the deferred consent_ledger_head trigger, which would run once
-- per row at commit (the head is set here explicitly; see
-- doc/benchmarks.md for what that trigger costs).  The ALWAYS triggers
-- still run: the ledger guard and the consent cache invalidation.
--
-- Who consents: subjects whose number does not end in 0 (90%), to
-- marketing; the even ones among them also to analytics (40% of all), those
-- ending in 5 also to research (10%).  given_at spreads over the 3 years
-- before the current month.
--
-- psql variables: subjects (a multiple of 10), chunk (a multiple of 10).

\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET work_mem = '256MB';
SET TimeZone = 'UTC';
SET session_replication_role = replica;
SELECT set_config('bench.subjects', :'subjects', false),
       set_config('bench.chunk', :'chunk', false);

CREATE TABLE bench_consent_sets AS
SELECT v.k, v.ps::compliance.purpose_set AS purposes,
       sha256(convert_to(compliance.consent_notice(v.ps::compliance.purpose_set, 'ru', NULL), 'UTF8')) AS notice
  FROM (VALUES (0, '{marketing}'), (1, '{marketing,analytics}'), (2, '{marketing,research}')) v(k, ps);

DO $$
DECLARE
    n int := current_setting('bench.subjects')::int;
    chunk int := current_setting('bench.chunk')::int;
    consenting int := n / 10 * 9;
    t0 timestamptz := date_trunc('month', now()) - interval '36 months';
    step interval := (date_trunc('month', now()) - (date_trunc('month', now()) - interval '36 months')) / (n / 10 * 9);
    lo int := 1;
    hi int;
    v_head compliance.ledger_heads;
    v_last_id bigint;
    v_last_hash bytea;
    zero bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
BEGIN
    IF EXISTS (SELECT FROM compliance.consent_ledger) THEN
        RAISE EXCEPTION 'the consent ledger is not empty';
    END IF;
    WHILE lo <= n LOOP
        hi := least(lo + chunk - 1, n);
        SELECT * INTO v_head FROM compliance.ledger_heads WHERE ledger = 'consent';
        PERFORM bench_chain_from('bench_consent_chain', coalesce(v_head.last_hash, zero));
        -- k: the subject's position among the consenting ones (= its ledger id).
        WITH ins AS (
        INSERT INTO compliance.consent_ledger (id, event, subject, subject_kind, purposes, recorded_at, recorded_by,
                                               receipt, prev_hash, hash)
        SELECT y.id, 'given', y.subject, 'person', y.purposes, y.at, session_user, y.receipt,
               coalesce(lag(y.hash) OVER (ORDER BY y.id), v_head.last_hash, zero), y.hash
          FROM (SELECT x.*,
                       bench_consent_chain(ARRAY[x.id::text, 'given', x.subject, 'person', x.purposes::text,
                                         to_char(x.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                         session_user::text, x.receipt::text,
                                         NULL::text, NULL::text, NULL::text, NULL::text]) OVER (ORDER BY x.id) AS hash  -- no transfer_countries, no request, no salt (nothing sealed), no rights digest
                  FROM (SELECT g.k AS id, g.s::text AS subject, cs.purposes, g.at,
                               compliance.make_consent(g.k, g.s::text, cs.purposes, 'checkbox', g.at, NULL,
                                                       'subject', NULL, cs.notice, NULL, NULL, 'ru') AS receipt
                          FROM (SELECT s, (s - s / 10)::bigint AS k,
                                       t0 + (s - s / 10) * step AS at
                                  FROM generate_series(lo, hi) s WHERE s % 10 <> 0) g
                          JOIN bench_consent_sets cs
                            ON cs.k = CASE WHEN g.s % 2 = 0 THEN 1 WHEN g.s % 5 = 0 THEN 2 ELSE 0 END) x) y
        RETURNING id, hash)
        SELECT ins.id, ins.hash INTO v_last_id, v_last_hash FROM ins ORDER BY ins.id DESC LIMIT 1;

        INSERT INTO compliance.ledger_heads AS h (ledger, last_id, last_hash)
        VALUES ('consent', v_last_id, v_last_hash)
        ON CONFLICT (ledger) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash;

        INSERT INTO compliance.consent_state (subject, subject_kind, purpose, status, given_at, valid_until, ledger_id, changed_at)
        SELECT l.subject, l.subject_kind, p, 'given', l.recorded_at, NULL, l.id, l.recorded_at
          FROM compliance.consent_ledger l
         CROSS JOIN LATERAL compliance.purposes(l.purposes) p
         WHERE l.id > coalesce(v_head.last_id, 0);
        COMMIT;
        lo := hi + 1;
    END LOOP;
    IF (SELECT last_id FROM compliance.ledger_heads WHERE ledger = 'consent') <> consenting THEN
        RAISE EXCEPTION 'consent ledger has % rows, expected %',
            (SELECT last_id FROM compliance.ledger_heads WHERE ledger = 'consent'), consenting;
    END IF;
END
$$;

VACUUM ANALYZE compliance.consent_state, compliance.consent_ledger, compliance.ledger_heads;
