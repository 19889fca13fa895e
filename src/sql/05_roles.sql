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

-- The disclosure writer's role (capture.c): the background worker that
-- appends captured and recorded disclosures connects as the bootstrap
-- superuser (so that no database owner can keep it out) and does all its
-- work as this role, which may do no more than call the functions that
-- append to the disclosure chain (85_capture.sql).  Nobody logs in as it.
-- Its attributes are reset at every CREATE EXTENSION, so it never holds
-- more.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'compliance_writer') THEN
        CREATE ROLE compliance_writer NOLOGIN;
    END IF;
    ALTER ROLE compliance_writer NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD NULL;
    COMMENT ON ROLE compliance_writer IS
        'The disclosure writer (a background worker per database) does its work as this role: it may only append to the disclosure log through the extension''s functions. It cannot log in. Cluster-wide: kept by DROP EXTENSION; drop it once no database has the extension.';
END
$$;
