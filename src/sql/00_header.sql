-- compliance: Law of the Republic of Belarus No. 99-Z of 7 May 2021
-- "On the protection of personal data", enforced inside PostgreSQL.
--
-- This install script is assembled by the Makefile from src/sql/*.sql,
-- one file per concern, in file-name order.

\echo Use "CREATE EXTENSION compliance" to load this file. \quit

-- Loading the library fails unless it is in shared_preload_libraries
-- (see _PG_init), so this call makes CREATE EXTENSION fail with that
-- error and its hint, also when check_function_bodies is off.
CREATE FUNCTION compliance.library_version() RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'library_version';
COMMENT ON FUNCTION compliance.library_version() IS
    'Version of the loaded compliance library; calling it verifies that the library is preloaded.';
SELECT compliance.library_version();

COMMENT ON SCHEMA compliance IS
    'Objects of the compliance extension: Law of the Republic of Belarus No. 99-Z "On the protection of personal data", enforced inside PostgreSQL.';
