-- Report mode: switching enforcement on for a live system without an
-- outage.  A table in report mode keeps its row filter, write trigger and
-- checks, but what they would have refused or filtered is counted
-- (report.c) and the statement runs unchanged.  The DBA reads
-- compliance.protection_report, fixes the application (a purpose
-- declared, granted, data items that cover the columns, grounds
-- recorded), and switches the table to enforce.

CREATE FUNCTION compliance.check_protection_mode(mode text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF mode IS NULL THEN
        RAISE EXCEPTION 'protection mode is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass ''enforce'' or ''report''.';
    END IF;
    IF mode NOT IN ('enforce', 'report') THEN
        RAISE EXCEPTION 'invalid protection mode: %', quote_literal(mode)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The modes are enforce (rows are filtered and refusals are errors) and report (queries run unchanged; what enforcement would have done is counted in compliance.protection_report).',
                  HINT = 'Pass ''enforce'' or ''report''.';
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.check_protection_mode(text) IS
    'Internal: raises 22023 unless mode is enforce or report.';

CREATE FUNCTION compliance.set_protection_mode(tbl regclass, mode text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_prot compliance.protected_tables;
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'table is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call compliance.set_protection_mode(''schema.table'', ''report'').';
    END IF;
    PERFORM compliance.check_protection_mode(mode);
    SELECT * INTO v_prot FROM compliance.protected_tables p WHERE p.relid = tbl FOR UPDATE;
    IF NOT FOUND THEN
        IF cardinality(compliance.protected_ancestors(tbl)) > 0 THEN
            RAISE EXCEPTION 'table "%" is not protected itself', tbl
                USING ERRCODE = 'undefined_object',
                      DETAIL = format('It is protected as a part of %s, whose mode it follows.',
                                      array_to_string(compliance.protected_ancestors(tbl), ', ')),
                      HINT = 'Set the mode of the table it belongs to.';
        END IF;
        RAISE EXCEPTION 'table "%" is not protected', tbl
            USING ERRCODE = 'undefined_object',
                  HINT = 'Protect it with compliance.protect(..., mode => ''report'').';
    END IF;
    IF v_prot.mode = mode THEN
        RETURN;
    END IF;
    -- Leaving a table unenforced is as strong as unprotecting it: only its
    -- owner (or a superuser) may; any administrator may enforce it.
    IF mode = 'report' THEN
        PERFORM compliance.require_table_owner(tbl, 'report');
    END IF;
    UPDATE compliance.protected_tables p SET mode = set_protection_mode.mode WHERE p.relid = tbl;
    INSERT INTO compliance.protection_changes (relid, table_name, action, subject_column, subject_kind)
    VALUES (tbl, tbl::text, mode, v_prot.subject_column, v_prot.subject_kind);
    -- cached plans of the table and its parts are rebuilt with the new mode
    PERFORM compliance.invalidate_relation(tbl);
END
$$;
COMMENT ON FUNCTION compliance.set_protection_mode(regclass, text) IS
    'Sets a protected table''s mode: enforce (default; rows are filtered and refusals are errors) or report (queries run unchanged and what enforcement would have refused or filtered is counted in compliance.protection_report). Switching to report needs the table''s owner or a superuser, as unprotect() does; the change is recorded in compliance.protection_changes and applies from the next statement of every session.';

CREATE FUNCTION compliance.protection_report_rows()
    RETURNS TABLE (tbl regclass, purpose text, role regrole, event text, detail text, statement text,
                   statements bigint, rows bigint, first_seen timestamptz, last_seen timestamptz)
    LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'protection_report_rows';
COMMENT ON FUNCTION compliance.protection_report_rows() IS
    'Internal: the entries of compliance.protection_report, from shared memory.';

CREATE VIEW compliance.protection_report AS
SELECT r.tbl, r.purpose, r.role, r.event, r.detail, r.statement, r.statements, r.rows,
       r.first_seen, r.last_seen
  FROM compliance.protection_report_rows() r;
COMMENT ON VIEW compliance.protection_report IS
    'What enforcement would have refused or filtered on tables in report mode, since the server started or compliance.reset_protection_report(): per table, declared purpose (NULL: none), role, event (no_purpose, purpose_not_held, purpose_retired, column_not_in_data_items, special_column, whole_row, rows_filtered, rows_refused, write_refused, transfer_refused, held_cursor; not_recorded counts notes that found no room), detail (the column, or why rows were denied: no_ground, withdrawn, expired, refused, blocked) and statement shape (its text with literals replaced by ?). statements: how many statements; rows: how many rows.';
COMMENT ON COLUMN compliance.protection_report.statement IS
    'The client''s statement with string and numeric literals replaced by ? and comments dropped, so that the report holds no personal data a query named; at most 511 bytes.';

CREATE FUNCTION compliance.forget_report_entries(relids oid[]) RETURNS bigint
    LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'forget_report_entries';
COMMENT ON FUNCTION compliance.forget_report_entries(oid[]) IS
    'Internal: forgets the database''s report-mode entries of those tables (and its count of notes not recorded once none is left); returns how many.';

-- The report tells a DBA whether enforcing a table would break anything:
-- only those who may switch the table's mode may forget it.
CREATE FUNCTION compliance.reset_protection_report(tbl regclass DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_relids oid[] := '{}';
    v_rel regclass;
BEGIN
    IF tbl IS NOT NULL THEN
        IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = tbl) THEN
            RAISE EXCEPTION 'relation with OID % does not exist', tbl::oid
                USING ERRCODE = 'undefined_table',
                      HINT = 'Pass a table of compliance.protection_report, or NULL for every table you own.';
        END IF;
        PERFORM compliance.require_table_owner(tbl, 'reset');
        RETURN compliance.forget_report_entries(ARRAY[tbl::oid]);
    END IF;
    -- every table of the report the caller owns (a dropped table's entries
    -- are anyone's to forget)
    FOR v_rel IN SELECT DISTINCT r.tbl FROM compliance.protection_report_rows() r WHERE r.tbl IS NOT NULL LOOP
        BEGIN
            IF EXISTS (SELECT FROM pg_class c WHERE c.oid = v_rel) THEN
                PERFORM compliance.require_table_owner(v_rel, 'reset');
            END IF;
            v_relids := v_relids || v_rel::oid;
        EXCEPTION WHEN insufficient_privilege THEN
            NULL;
        END;
    END LOOP;
    RETURN compliance.forget_report_entries(v_relids);
END
$$;
COMMENT ON FUNCTION compliance.reset_protection_report(regclass) IS
    'Forgets the report-mode entries of one table, or (NULL) of every table of the database the caller owns, or has its owner''s privileges on (a superuser: every table); returns how many were forgotten. The count of notes not recorded goes once no entry of the database is left.';

REVOKE EXECUTE ON FUNCTION compliance.check_protection_mode(text), compliance.set_protection_mode(regclass, text),
    compliance.protection_report_rows(), compliance.forget_report_entries(oid[]),
    compliance.reset_protection_report(regclass) FROM PUBLIC;
REVOKE ALL ON compliance.protection_report FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.set_protection_mode(regclass, text), compliance.reset_protection_report(regclass)
TO compliance_admin;
-- a view's functions are called with its reader's privileges
GRANT EXECUTE ON FUNCTION compliance.protection_report_rows() TO compliance_admin, compliance_analyst;
GRANT SELECT ON compliance.protection_report TO compliance_admin, compliance_analyst;
