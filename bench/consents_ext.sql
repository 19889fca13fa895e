-- bench/consents_ext.sql: consent to "marketing" for 90% of the subjects
-- (every subject whose number is not a multiple of 10), through the public
-- API, compliance.give_consent: each call checks its arguments, appends a
-- receipt to the hash-chained ledger and updates consent_state.  The
-- driver reports how long it takes.
--
-- One loop, committing every 1000 subjects.  Every consent updates the
-- consent ledger's head row (compliance.ledger_heads), and inside one
-- transaction each update leaves a row version that cannot be pruned
-- before the commit, so a single transaction for all of them gets slower
-- with every consent (measured: 4,000 consents 3.6 s in one transaction,
-- 2.9 s committing every 1000; 12,000: 12.2 s against 7.1 s).  Earlier
-- versions took an advisory lock per subject and ran out of lock table
-- space ("out of shared memory") long before 90,000.
--
-- psql variable: subjects.

SELECT set_config('bench.subjects', :'subjects', false);

DO $$
DECLARE
    n int := current_setting('bench.subjects')::int;
BEGIN
    FOR s IN 1 .. n LOOP
        IF s % 10 <> 0 THEN
            PERFORM compliance.give_consent(s::text, '{marketing}', 'checkbox');
        END IF;
        IF s % 1000 = 0 THEN
            COMMIT;
        END IF;
    END LOOP;
END
$$;

VACUUM ANALYZE compliance.consent_state, compliance.consent_ledger;
