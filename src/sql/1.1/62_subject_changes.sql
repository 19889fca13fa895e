-- Per-subject cache invalidation (src/subject_changes.c).  In 1.0 any change
-- of consent state emptied every session's consent cache; from 1.1 the row
-- triggers name the subjects that changed, and sessions forget only those.
-- TRUNCATE still means every subject.
DROP TRIGGER cache_invalidate ON compliance.consent_state;
DROP TRIGGER cache_invalidate ON compliance.blocked_subjects;
CREATE TRIGGER cache_invalidate AFTER INSERT OR UPDATE OR DELETE ON compliance.consent_state
    FOR EACH ROW EXECUTE FUNCTION compliance.cache_invalidate();
CREATE TRIGGER cache_invalidate AFTER INSERT OR UPDATE OR DELETE ON compliance.blocked_subjects
    FOR EACH ROW EXECUTE FUNCTION compliance.cache_invalidate();
CREATE TRIGGER cache_invalidate_all AFTER TRUNCATE ON compliance.consent_state
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.cache_invalidate();
CREATE TRIGGER cache_invalidate_all AFTER TRUNCATE ON compliance.blocked_subjects
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.cache_invalidate();
-- ENABLE ALWAYS: also under session_replication_role = replica (pg_restore, logical replication).
ALTER TABLE compliance.consent_state ENABLE ALWAYS TRIGGER cache_invalidate;
ALTER TABLE compliance.blocked_subjects ENABLE ALWAYS TRIGGER cache_invalidate;
ALTER TABLE compliance.consent_state ENABLE ALWAYS TRIGGER cache_invalidate_all;
ALTER TABLE compliance.blocked_subjects ENABLE ALWAYS TRIGGER cache_invalidate_all;
COMMENT ON FUNCTION compliance.cache_invalidate() IS
    'Trigger on consent_state and blocked_subjects: for each changed row, names its subject, whom every session forgets from its consent cache once the change commits (per statement: every subject).';
