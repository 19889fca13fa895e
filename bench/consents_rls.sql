-- bench/consents_rls.sql: what a DBA would write by hand instead of the
-- extension.  A consents table with the same 90% of subjects, indexed on
-- (subject_id, purpose), and a row level security policy on rls_events
-- with an EXISTS subquery on it.  The policy has no WITH CHECK, so its
-- USING expression also checks inserted rows, as the extension's write
-- trigger does.  FORCE applies it to the table owner too; superusers and
-- BYPASSRLS roles still bypass it, so the benchmark runs as bench_app.
--
-- psql variable: subjects.

CREATE TABLE bench_consents (
    subject_id    int NOT NULL,
    purpose       text NOT NULL,
    given_at      timestamptz NOT NULL DEFAULT now(),
    withdrawn_at  timestamptz
);

INSERT INTO bench_consents (subject_id, purpose)
SELECT s, 'marketing' FROM generate_series(1, :subjects) s WHERE s % 10 <> 0;

CREATE INDEX bench_consents_subject_purpose ON bench_consents (subject_id, purpose);
VACUUM ANALYZE bench_consents;

ALTER TABLE rls_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE rls_events FORCE ROW LEVEL SECURITY;
CREATE POLICY consent_in_force ON rls_events
    USING (EXISTS (SELECT 1 FROM bench_consents c
                    WHERE c.subject_id = rls_events.subject_id
                      AND c.purpose = current_setting('compliance.purpose')
                      AND c.withdrawn_at IS NULL));
