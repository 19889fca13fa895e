-- Automatic capture of disclosures (Art. 12): while compliance.recipient is
-- set, the planner adds capture_disclosure() to every SELECT level whose
-- rows are returned; a background writer logs them (capture.c).

-- VOLATILE and costly on purpose: it records, and it must run after the
-- query's own filters.  PARALLEL UNSAFE: the buffer is the session's.
CREATE FUNCTION compliance.capture_disclosure(subject anyelement, tbl regclass, columns text[])
    RETURNS boolean
    LANGUAGE C VOLATILE PARALLEL UNSAFE COST 10000
    AS 'MODULE_PATHNAME', 'capture_disclosure';
COMMENT ON FUNCTION compliance.capture_disclosure(anyelement, regclass, text[]) IS
    'Qual the planner adds while compliance.recipient is set: records the subject of a returned row of a protected table as provided to the recipient (Art. 12 of Law 99-Z); always true.';

CREATE FUNCTION compliance.flush_disclosures(timeout_ms integer DEFAULT 10000)
    RETURNS boolean
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    AS 'MODULE_PATHNAME', 'flush_disclosures';
COMMENT ON FUNCTION compliance.flush_disclosures(integer) IS
    'Waits until every disclosure this session captured is committed to compliance.disclosure_log; false if timeout_ms passed first.';

GRANT EXECUTE ON FUNCTION compliance.flush_disclosures(integer) TO compliance_app, compliance_officer;
REVOKE EXECUTE ON FUNCTION compliance.flush_disclosures(integer) FROM PUBLIC;
