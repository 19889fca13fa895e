-- Installation: the extension creates its schema, roles and registry.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
SELECT extname, extversion, extrelocatable, nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'compliance';
SELECT compliance.library_version();
SHOW compliance.enforce;
SHOW compliance.on_blocked_read;
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'compliance\_%' ORDER BY 1;
DROP EXTENSION compliance;
