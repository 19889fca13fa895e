-- bench/roles.sql: the role every measurement runs as.  An ordinary login
-- role: not a superuser, no BYPASSRLS, owner of nothing, so both the
-- extension and the row level security policy apply to it.  It is an
-- application role of the extension (compliance_app) and may read and
-- insert into the three tables.

CREATE ROLE bench_app LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE compliance_app;
GRANT SELECT, INSERT ON plain_events, ext_events, rls_events TO bench_app;
GRANT USAGE ON SEQUENCE plain_events_id_seq, ext_events_id_seq, rls_events_id_seq TO bench_app;
-- The policy's subquery runs with the rights of the querying role.
GRANT SELECT ON bench_consents TO bench_app;
-- The purpose every measurement declares (Art. 17.3: granted to the role).
SELECT compliance.grant_purpose('marketing', 'bench_app');
