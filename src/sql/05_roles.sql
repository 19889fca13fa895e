-- Roles of the contract, created first so that every part can grant to
-- them.  Roles are cluster-wide: created NOLOGIN if absent, never dropped.

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
        ('compliance_admin',   'Maintains the compliance registry: processor, purposes, recipients, protected tables, adequate countries, holidays.'),
        ('compliance_officer', 'Answers data subjects and the authority: requests, access reports, erasure, blocking, breaches.'),
        ('compliance_analyst', 'Reads the disclosure log, the ledgers and the dashboards; changes nothing.'),
        ('compliance_app',     'Application role: gives and withdraws consent, records disclosures, checks may_process.'),
        ('compliance_backup',  'Backs the database up: a login that also has BYPASSRLS reads every row of protected tables in a read-only transaction with row_security off and no declared purpose (pg_dump). As strong as reading all personal data; grant it to the backup login only, with pg_read_all_data.')
    ) AS v(name, comment) LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r.name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r.name);
        END IF;
        EXECUTE format('COMMENT ON ROLE %I IS %L', r.name, r.comment);
    END LOOP;
END
$$;
