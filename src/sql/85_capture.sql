-- Automatic capture of disclosures (Art. 12): while compliance.recipient is
-- set, the planner adds capture_disclosure() to every SELECT level whose
-- rows are returned; a background writer logs them (capture.c).

-- VOLATILE and costly on purpose: it records, and it must run after the
-- query's own filters.  PARALLEL UNSAFE: the buffer is the session's.
-- COST 100 orders it after the built-in operators (cost 1) and most
-- functions; a filter declared costlier runs after it, and its rows are
-- logged as provided (the log may say more than was provided, never less:
-- Art. 12).  Costlier still, every returned row would add to the plan's
-- cost: at COST 10000 an export of 100,000 rows crossed
-- jit_inline_above_cost, and the JIT compilation cost more than the export.
CREATE FUNCTION compliance.capture_disclosure(subject anyelement, tbl regclass, columns text[])
    RETURNS boolean
    LANGUAGE C VOLATILE PARALLEL UNSAFE COST 100
    AS 'MODULE_PATHNAME', 'capture_disclosure';
COMMENT ON FUNCTION compliance.capture_disclosure(anyelement, regclass, text[]) IS
    'Qual the planner adds while compliance.recipient is set: records the subject of a returned row of a protected table as provided to the recipient (Art. 12 of Law 99-Z); always true.';

-- The same for a level that aggregates or groups: called once per group
-- that leaves, with array_agg() of its rows' subjects.
CREATE FUNCTION compliance.capture_disclosures(subjects anyarray, tbl regclass, columns text[])
    RETURNS boolean
    LANGUAGE C VOLATILE PARALLEL UNSAFE COST 100
    AS 'MODULE_PATHNAME', 'capture_disclosures';
COMMENT ON FUNCTION compliance.capture_disclosures(anyarray, regclass, text[]) IS
    'Added by the planner while compliance.recipient is set to a level that aggregates protected rows: records the subjects of each group returned as provided to the recipient (Art. 12 of Law 99-Z); always true.';

CREATE FUNCTION compliance.flush_disclosures(timeout_ms integer DEFAULT 10000)
    RETURNS boolean
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    AS 'MODULE_PATHNAME', 'flush_disclosures';
COMMENT ON FUNCTION compliance.flush_disclosures(integer) IS
    'Waits until every disclosure this session captured is committed to compliance.disclosure_log; false if timeout_ms passed first.';

GRANT EXECUTE ON FUNCTION compliance.flush_disclosures(integer) TO compliance_app, compliance_officer;
REVOKE EXECUTE ON FUNCTION compliance.flush_disclosures(integer) FROM PUBLIC;

-- The disclosure writer works as compliance_writer (05_roles.sql): what it
-- calls through SPI, and nothing else.  The functions are SECURITY
-- DEFINER: the role holds no right on the log or the chain's head itself.
GRANT EXECUTE ON FUNCTION
    compliance.disclosure_append_rows(text[], text, text, text, text[], text, text, text, text, text, timestamptz, name),
    compliance.disclosure_append_batch(text[], text, regclass, text[], text, text, text, timestamptz, text, name, text),
    compliance.disclosure_dead_letter(text[], text, regclass, text, text, text[], text, text, text, text, timestamptz, name, text, text, timestamptz),
    compliance.merge_disclosure_index()
TO compliance_writer;
