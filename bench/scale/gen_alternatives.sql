-- bench/scale/gen_alternatives.sql: what a DBA would write by hand instead
-- of the extension, with the same data.
--   * bench_consents: one row per subject and purpose with consent (the
--     same 1.4 per subject as consent_state), indexed on (subject_id,
--     purpose); the row level security policy on events_rls is the one of
--     bench/consents_rls.sql (EXISTS on that table), ENABLE and FORCE.
--   * erasure_log: what the hand-written DELETE script (erase_hand.sql)
--     records about an erasure.
-- The plain audit table of disclosures is audit_log.sql (it copies the
-- generated disclosure log).
--
-- psql variable: subjects.

\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';

CREATE TABLE bench_consents (
    subject_id    int NOT NULL,
    purpose       text NOT NULL,
    given_at      timestamptz NOT NULL DEFAULT now(),
    withdrawn_at  timestamptz
);
INSERT INTO bench_consents (subject_id, purpose)
SELECT s, p
  FROM generate_series(1, :subjects) s
 CROSS JOIN LATERAL (VALUES ('marketing'), ('analytics'), ('research')) v(p)
 WHERE s % 10 <> 0
   AND (p = 'marketing' OR (p = 'analytics' AND s % 2 = 0) OR (p = 'research' AND s % 5 = 0));
CREATE INDEX bench_consents_subject_purpose ON bench_consents (subject_id, purpose);
VACUUM ANALYZE bench_consents;

ALTER TABLE events_rls ENABLE ROW LEVEL SECURITY;
ALTER TABLE events_rls FORCE ROW LEVEL SECURITY;
CREATE POLICY consent_in_force ON events_rls
    USING (EXISTS (SELECT 1 FROM bench_consents c
                    WHERE c.subject_id = events_rls.subject_id
                      AND c.purpose = current_setting('compliance.purpose')
                      AND c.withdrawn_at IS NULL));

CREATE TABLE erasure_log (
    subject_id  int NOT NULL,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    erased_by   name NOT NULL DEFAULT session_user
);

-- The role every enforcement measurement runs as (see bench/roles.sql):
-- neither superuser nor BYPASSRLS.
CREATE ROLE bench_app LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE compliance_app;
GRANT SELECT, INSERT ON customers, addresses, orders, events, health_records,
    events_plain, events_rls TO bench_app;
GRANT USAGE ON SEQUENCE events_id_seq, events_plain_id_seq, events_rls_id_seq TO bench_app;
GRANT SELECT ON bench_consents TO bench_app;
-- the purposes it declares (Art. 17.3)
SELECT compliance.grant_purpose(p.code::compliance.purpose, 'bench_app') FROM compliance.purposes p;
