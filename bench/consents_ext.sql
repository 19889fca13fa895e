-- bench/consents_ext.sql: consent to "marketing" for 90% of the subjects
-- (every subject whose number is not a multiple of 10), through the public
-- API, compliance.give_consent: each call checks its arguments, appends a
-- receipt to the hash-chained ledger and updates consent_state.  The
-- driver reports how long it takes.
--
-- One loop, committing every 1000 subjects: give_consent holds a
-- transaction-level advisory lock per subject, so 90k of them in a single
-- transaction run out of lock table space ("out of shared memory", with
-- the default max_locks_per_transaction = 64).
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
