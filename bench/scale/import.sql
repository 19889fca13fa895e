-- bench/scale/import.sql: the staging table of the bulk import measurement:
-- consents of :subjects new data subjects (keys after the generated ones),
-- as a processor would load them from another system or from scanned
-- paper forms with COPY: the purposes of gen_consents.sql (marketing; the
-- even ones also analytics, those ending in 5 also research), written
-- forms, given_at spread over the 3 years before the current month, in
-- the order of the subjects (not of given_at: the import sorts).  Runs as
-- a superuser; bench_app (a member of compliance_app) imports it.

\set ON_ERROR_STOP on
DROP TABLE IF EXISTS import_staging;
CREATE TABLE import_staging (
    subject     bigint,
    purposes    text,
    form        text,
    given_at    timestamptz,
    evidence    jsonb
);
INSERT INTO import_staging
SELECT :subjects + s,
       CASE WHEN s % 2 = 0 THEN '{marketing,analytics}' WHEN s % 5 = 0 THEN '{marketing,research}'
            ELSE '{marketing}' END,
       'written',
       date_trunc('month', now()) - interval '36 months'
           + ((s::bigint * 7919) % :subjects) * (interval '36 months' / :subjects),
       CASE WHEN s % 100 = 0 THEN jsonb_build_object('archive', 'box ' || s / 1000, 'sheet', s % 1000) END
  FROM generate_series(1, :subjects) s;
VACUUM ANALYZE import_staging;
GRANT SELECT ON import_staging TO bench_app;
