-- What a session's consent cache holds (src/cache.c), to size
-- compliance.cache_subjects and to measure the cache's memory.
CREATE FUNCTION compliance.consent_cache_stats(OUT purposes integer, OUT dense_keys bigint,
        OUT hashed_subjects bigint, OUT bytes bigint)
    RETURNS record
    LANGUAGE C VOLATILE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'consent_cache_stats';
COMMENT ON FUNCTION compliance.consent_cache_stats() IS
    'This session''s consent cache: purposes with a table, integer keys covered by byte arrays (one byte each), subjects in hash tables (bounded by compliance.cache_subjects per purpose), and bytes allocated.';
REVOKE EXECUTE ON FUNCTION compliance.consent_cache_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.consent_cache_stats() TO compliance_admin, compliance_analyst;
