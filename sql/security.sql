-- Privilege attacks: each attempt below is made by a role that must not
-- succeed, and says what it tries.  Roles: sec_owner owns the protected
-- table (not a superuser), sec_app is an application login (member of
-- compliance_app), sec_mallory has no grant at all.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SELECT current_user AS superuser \gset
SET timezone = 'UTC';

CREATE ROLE sec_owner NOLOGIN;
CREATE ROLE sec_app NOLOGIN IN ROLE compliance_app;
CREATE ROLE sec_mallory LOGIN;
CREATE ROLE sec_officer NOLOGIN IN ROLE compliance_officer;
GRANT USAGE, CREATE ON SCHEMA public TO sec_owner, sec_app, sec_mallory;
GRANT CREATE ON DATABASE :"DBNAME" TO sec_app;

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
-- a special-category column is named with its table (Art. 8)
SELECT compliance.register_purpose('research', 'Research', 'consent', data_items => ARRAY['name', 'sec_patients.diagnosis']);
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject');
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, r::regrole)
    FROM unnest(ARRAY['research', 'billing']) p, unnest(ARRAY['sec_owner', 'sec_app']) r) g;
SELECT compliance.register_recipient('lab', 'Lab', 'Minsk', 'BY');

SET SESSION AUTHORIZATION sec_owner;
CREATE TABLE sec_patients (id int PRIMARY KEY, name text, diagnosis text);
INSERT INTO sec_patients VALUES (1, 'Anna', 'flu'), (2, 'Boris', 'asthma'), (3, 'Vera', 'gout');
GRANT SELECT, INSERT, UPDATE, DELETE ON sec_patients TO sec_app, sec_mallory;
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('sec_patients', 'id', '{"diagnosis": "health"}');
-- subject 1 consents to research; 2 and 3 do not; 3 is blocked
SELECT compliance.subject(compliance.give_consent('1', '{research}', 'checkbox'));
SELECT compliance.block_subject('3', 'erasure requested');

-- Every read of the table below should see subject 1 only, under research.
CREATE FUNCTION sec_visible() RETURNS text LANGUAGE sql AS
$$ SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '(none)') FROM sec_patients $$;

------------------------------------------------------------------------
-- 1. search_path hijacking of SECURITY DEFINER functions
------------------------------------------------------------------------
-- attack: find a SECURITY DEFINER function of the extension that runs with
-- the caller's search_path (every one must pin pg_catalog, pg_temp)
SELECT p.oid::regprocedure AS unpinned
  FROM pg_proc p
 WHERE p.pronamespace = 'compliance'::regnamespace AND p.prosecdef
   AND NOT coalesce(p.proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp'];
-- attack: find a function (any kind) of the extension owned by a role
-- other than the superuser who installed it, who could replace its body
SELECT p.oid::regprocedure AS foreign_owner
  FROM pg_proc p
 WHERE p.pronamespace = 'compliance'::regnamespace
   AND NOT (SELECT rolsuper FROM pg_roles WHERE oid = p.proowner);
-- attack: create objects in schema compliance (where pinned paths do not
-- look, but schema-qualified calls do)
SELECT r AS may_create_in_compliance
  FROM unnest(ARRAY['public', 'compliance_admin', 'compliance_officer',
                    'compliance_analyst', 'compliance_app']) r
 WHERE r <> 'public' AND has_schema_privilege(r, 'compliance', 'CREATE');
SET SESSION AUTHORIZATION sec_mallory;
CREATE FUNCTION compliance.check_subject(text) RETURNS void LANGUAGE sql AS 'SELECT';
RESET SESSION AUTHORIZATION;

-- The attacker controls a schema and puts it first in search_path, with a
-- trap for every function and operator name the definer functions might
-- resolve by path: each trap records that it ran, then fails loudly.
SET SESSION AUTHORIZATION sec_app;
CREATE SCHEMA sec_evil;
-- a sequence counts the traps that ran: nextval survives a rollback, so a
-- definer function that caught the error could not hide the hit either
CREATE SEQUENCE sec_evil.hits;
GRANT USAGE ON SEQUENCE sec_evil.hits TO PUBLIC;
CREATE FUNCTION sec_evil.trap(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.nextval('sec_evil.hits');
    RAISE EXCEPTION 'hijacked: %', what;
END $$;
DO $$
DECLARE
    f record;
    n int := 0;
BEGIN
    -- same-named copies of every pg_catalog function the extension's
    -- definer functions could call, and of every function of the extension
    FOR f IN
        SELECT DISTINCT p.proname, pg_get_function_identity_arguments(p.oid) AS args,
               pg_get_function_result(p.oid) AS result
          FROM pg_proc p
         WHERE (p.pronamespace = 'compliance'::regnamespace
                OR (p.pronamespace = 'pg_catalog'::regnamespace
                    AND p.proname IN ('now', 'btrim', 'lower', 'upper', 'coalesce', 'format',
                                      'length', 'char_length', 'array_length', 'cardinality',
                                      'unnest', 'array_agg', 'string_agg', 'jsonb_build_object',
                                      'jsonb_typeof', 'to_char', 'date_trunc', 'clock_timestamp',
                                      'current_setting', 'set_config', 'nullif', 'sha256',
                                      'digest', 'encode', 'decode', 'count', 'max', 'min',
                                      'to_jsonb', 'jsonb_agg', 'regexp_match', 'substr',
                                      'pg_advisory_xact_lock', 'hashtext', 'jsonb_object_agg')))
           AND p.prokind = 'f'
           AND pg_get_function_result(p.oid) NOT IN ('trigger', 'event_trigger', 'internal')
           AND pg_get_function_identity_arguments(p.oid) NOT LIKE '%internal%'
           AND pg_get_function_identity_arguments(p.oid) NOT LIKE '%any%'
           AND pg_get_function_identity_arguments(p.oid) NOT LIKE '%cstring%'
    LOOP
        BEGIN
            EXECUTE format('CREATE FUNCTION sec_evil.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                           f.proname, f.args, f.result,
                           format('BEGIN PERFORM sec_evil.trap(%L); RETURN NULL; END', f.proname));
            n := n + 1;
        EXCEPTION WHEN OTHERS THEN
            NULL;           -- e.g. a default the copy cannot have
        END;
    END LOOP;
    -- operators on text, integers, jsonb, arrays and the extension's types
    FOR f IN
        SELECT DISTINCT o.oprname, o.oprleft::regtype AS l, o.oprright::regtype AS r
          FROM pg_operator o
         WHERE o.oprleft <> 0 AND o.oprright <> 0
           AND o.oprname IN ('=', '<>', '<', '>', '<=', '>=', '||', '@>', '<@', '&&', '->>', '->', '?', '+', '-')
           AND (o.oprleft::regtype::text IN ('text', 'integer', 'bigint', 'jsonb', 'name', 'oid', 'regclass',
                                             'timestamp with time zone', 'date', 'anyarray', 'anyelement')
                OR o.oprleft::regtype::text LIKE 'compliance.%')
    LOOP
        BEGIN
            EXECUTE format('CREATE FUNCTION sec_evil.%I(%s, %s) RETURNS boolean LANGUAGE sql AS %L',
                           'op_' || md5(f.oprname || f.l || f.r), f.l, f.r,
                           format('SELECT sec_evil.trap(%L)', 'operator ' || f.oprname));
            EXECUTE format('CREATE OPERATOR sec_evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = sec_evil.%I)',
                           f.oprname, f.l, f.r, 'op_' || md5(f.oprname || f.l || f.r));
            n := n + 1;
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
    RAISE NOTICE 'traps laid: %', CASE WHEN n > 100 THEN 'more than 100' ELSE n::text END;
END
$$;
-- the same names in pg_temp, which definer functions search after
-- pg_catalog: relations with the names of the extension's tables and
-- views, each reading a trap
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c
              WHERE c.relnamespace = 'compliance'::regnamespace AND c.relkind IN ('r', 'v', 'p')
    LOOP
        EXECUTE format('CREATE TEMP VIEW %I AS SELECT * FROM compliance.%I WHERE sec_evil.trap(%L)',
                       r.relname, r.relname, 'pg_temp.' || r.relname);
    END LOOP;
END
$$;
-- the traps do fire for an unpinned caller (the calls below keep their
-- own operators schema-qualified, so only a hijacked definer trips one)
SET search_path = sec_evil, pg_catalog, public;
SELECT btrim('x');
SELECT 'a'::text = 'a'::text;
SELECT pg_catalog.setval('sec_evil.hits', 1, false);
-- attack: call every definer function the application may execute with
-- the traps first in search_path
SET compliance.purpose = 'research';
SELECT compliance.purposes(compliance.give_consent('2', '{research}', 'sms_code',
           evidence => '{"code": "1234"}'));
SELECT compliance.consent_status('2', 'research');
SELECT count(*) FROM compliance.consents_of('2');
SELECT compliance.withdraw_consent('2');
SELECT compliance.refuse_consent('2', '{research}');
SELECT pg_catalog.length(compliance.consent_notice('{research}', 'en')) OPERATOR(pg_catalog.>) 0 AS notice;
SELECT compliance.may_process('1'), compliance.may_process('2');
SELECT compliance.check_transfer('lab', NULL, NULL);
SELECT compliance.record_disclosure('1', 'lab', '{name}', disclosed_at => '2024-03-01 12:00+00') OPERATOR(pg_catalog.>) 0 AS recorded;
SELECT compliance.working_days_add('2024-01-05', 3);
SELECT sec_visible();
INSERT INTO sec_patients VALUES (4, 'Gleb', NULL);
RESET compliance.purpose;
RESET search_path;
-- and the same for the officer functions (the officer has no schema of
-- their own; the application's traps are on their path)
RESET SESSION AUTHORIZATION;
GRANT USAGE ON SCHEMA sec_evil TO sec_officer;
SET SESSION AUTHORIZATION sec_officer;
SET search_path = sec_evil, pg_catalog, public;
SELECT compliance.file_request('1', 'access', '2024-03-01 10:00+00') AS request_id \gset
SELECT pg_catalog.jsonb_exists(compliance.subject_access('1'), 'subject') AS access_report;
SELECT pg_catalog.length(compliance.subject_access_report('1', 'en')) OPERATOR(pg_catalog.>) 0 AS text_report;
SELECT count(*) FROM compliance.disclosure_history('1', '2024-06-01');
SELECT pg_catalog.length(compliance.answer_request(:request_id, 'en')) OPERATOR(pg_catalog.>) 0 AS answered;
SELECT compliance.block_subject('2', 'checking the attack');
SELECT compliance.unblock_subject('2');
SELECT pg_catalog.jsonb_typeof(compliance.erase_subject('2')) AS erased;
SELECT * FROM compliance.process_erase_tasks() LIMIT 0;
RESET search_path;
RESET SESSION AUTHORIZATION;
-- none of the traps ran inside a definer function
SELECT is_called AS a_trap_ran FROM sec_evil.hits;

------------------------------------------------------------------------
-- 2. The table owner against enforcement
------------------------------------------------------------------------
SET SESSION AUTHORIZATION sec_owner;
-- attack: read the own table without a declared purpose
SELECT count(*) FROM sec_patients;
-- attack: switch off the write check
ALTER TABLE sec_patients DISABLE TRIGGER ALL;
ALTER TABLE sec_patients DISABLE TRIGGER USER;
ALTER TABLE sec_patients DISABLE TRIGGER compliance_enforce_write;
ALTER TABLE sec_patients ENABLE REPLICA TRIGGER compliance_enforce_write;
ALTER TABLE sec_patients ENABLE TRIGGER compliance_enforce_write;
ALTER TABLE sec_patients ADD COLUMN x int, DISABLE TRIGGER ALL;
DROP TRIGGER compliance_enforce_write ON sec_patients;
ALTER TRIGGER compliance_enforce_write ON sec_patients RENAME TO renamed;
-- attack: rename the table through ALTER INDEX or ALTER VIEW (both take a
-- table), or have the write trigger or the table dropped with an extension
-- that the owner can name (DEPENDS ON EXTENSION plpgsql)
ALTER INDEX sec_patients RENAME TO sec_renamed;
ALTER VIEW sec_patients RENAME TO sec_renamed;
ALTER TRIGGER compliance_enforce_write ON sec_patients DEPENDS ON EXTENSION plpgsql;
ALTER INDEX sec_patients DEPENDS ON EXTENSION plpgsql;
-- attack: replace the write check with a trigger of one's own
CREATE FUNCTION sec_noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE OR REPLACE TRIGGER compliance_enforce_write BEFORE INSERT OR UPDATE ON sec_patients
    FOR EACH ROW EXECUTE FUNCTION sec_noop();
-- attack: turn off row level security (forced by protect(), it hides the
-- table's statistics: refused), or add a permissive policy (the row filter
-- still comes first)
ALTER TABLE sec_patients DISABLE ROW LEVEL SECURITY;
ALTER TABLE sec_patients NO FORCE ROW LEVEL SECURITY;
CREATE POLICY sec_all ON sec_patients USING (true);
ALTER TABLE sec_patients ENABLE ROW LEVEL SECURITY;
SET compliance.purpose = 'research';
SELECT sec_visible();
RESET compliance.purpose;
-- attack: a policy that calls the row filter itself, for a consenting
-- subject, so that the planner takes it for its own and adds none
CREATE POLICY sec_fake ON sec_patients USING (compliance.row_allowed(1, 'sec_patients'::regclass, false));
ALTER POLICY sec_all ON sec_patients USING (compliance.row_allowed(1, 'sec_patients'::regclass, false));
SET compliance.purpose = 'research';
SELECT sec_visible();
RESET compliance.purpose;
DROP POLICY sec_all ON sec_patients;
-- attack: rename the subject or a special-category column, so that the
-- registration no longer matches
ALTER TABLE sec_patients RENAME COLUMN id TO pid;
ALTER TABLE sec_patients RENAME COLUMN diagnosis TO notes;
-- attack: drop the subject column
ALTER TABLE sec_patients DROP COLUMN id;
-- attack: empty the table past the row filter
TRUNCATE sec_patients;
-- attack: move rows out of protection into a child that is then detached
CREATE TABLE sec_child () INHERITS (sec_patients);
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'sec_child'::regclass;
ALTER TABLE sec_child NO INHERIT sec_patients;
DROP TABLE sec_child;
-- attack: read the rows through an index build, a type change or a check
-- constraint that hands every row to a function of the owner's
CREATE FUNCTION sec_leak(int, text) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE NOTICE 'leaked row % (%)', $1, $2;
    RETURN $1;
END $$;
CREATE INDEX ON sec_patients (sec_leak(id, diagnosis));
CREATE INDEX ON sec_patients (id) WHERE sec_leak(id, diagnosis) > 0;
ALTER TABLE sec_patients ALTER COLUMN name TYPE text USING sec_leak(id, diagnosis)::text;
ALTER TABLE sec_patients ADD CHECK (sec_leak(id, diagnosis) > 0);
ALTER TABLE sec_patients ADD COLUMN leak int GENERATED ALWAYS AS (sec_leak(id, diagnosis)) STORED;
CREATE STATISTICS sec_stats ON (sec_leak(id, diagnosis)), name FROM sec_patients;
ANALYZE sec_patients;
-- plain indexes and constraints on columns stay possible
CREATE INDEX sec_patients_name ON sec_patients (name);
DROP INDEX sec_patients_name;
-- attack: a BEFORE trigger of one's own that fires after the write check
-- (triggers fire in name order) and moves the checked row to a blocked
-- subject
CREATE FUNCTION sec_swap() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN NEW.id := 3; RETURN NEW; END';
CREATE TRIGGER zz_swap BEFORE INSERT OR UPDATE ON sec_patients FOR EACH ROW EXECUTE FUNCTION sec_swap();
CREATE TRIGGER aa_swap BEFORE INSERT ON sec_patients FOR EACH ROW EXECUTE FUNCTION sec_swap();
ALTER TRIGGER aa_swap ON sec_patients RENAME TO zz_swap;
-- a trigger named to fire first is fine: the check then sees the swapped row
SET compliance.purpose = 'research';
DELETE FROM sec_patients WHERE id = 1 RETURNING id;
INSERT INTO sec_patients VALUES (1, 'Anna', 'flu');
DROP TRIGGER aa_swap ON sec_patients;
INSERT INTO sec_patients VALUES (1, 'Anna', 'flu');
RESET compliance.purpose;
-- AFTER triggers and triggers on DELETE may have any name
CREATE TRIGGER zz_after AFTER INSERT ON sec_patients FOR EACH ROW EXECUTE FUNCTION sec_swap();
DROP TRIGGER zz_after ON sec_patients;
-- attack: copy the table out
COPY sec_patients TO STDOUT;
CREATE TABLE sec_copy AS SELECT * FROM sec_patients;
-- attack: a SECURITY DEFINER function of the owner reads for everybody
CREATE FUNCTION sec_peek() RETURNS text LANGUAGE sql SECURITY DEFINER AS
$$ SELECT string_agg(id || ':' || diagnosis, ',' ORDER BY id) FROM public.sec_patients $$;
GRANT EXECUTE ON FUNCTION sec_peek() TO sec_mallory;
-- attack: a definer function that switches enforcement off for its callers
CREATE FUNCTION sec_peek_off() RETURNS text LANGUAGE sql SECURITY DEFINER
    SET compliance.enforce = off AS
$$ SELECT string_agg(id || ':' || diagnosis, ',' ORDER BY id) FROM public.sec_patients $$;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION sec_mallory;
SELECT sec_peek();
SET compliance.purpose = 'research';
SELECT sec_peek();
RESET compliance.purpose;
RESET SESSION AUTHORIZATION;

------------------------------------------------------------------------
-- 3. Settings that would switch enforcement off
------------------------------------------------------------------------
SET SESSION AUTHORIZATION sec_owner;
-- attack: turn enforcement or the ledger guard off
SET compliance.enforce = off;
SELECT set_config('compliance.enforce', 'off', true);
SET compliance.ledger_protection = off;
SET compliance.cache_subjects = 1000;
SET compliance.consent_clock_advance = '1h';
-- (a Citus coordinator's mark of an officer's statement: superusers only)
SET compliance.officer_statement = on;
ALTER ROLE sec_owner SET compliance.enforce = off;
ALTER DATABASE postgres SET compliance.enforce = off;
ALTER SYSTEM SET compliance.enforce = off;
-- attack: replication mode, in which ordinary triggers do not fire
SET session_replication_role = replica;
SHOW compliance.enforce;
RESET SESSION AUTHORIZATION;
-- under an officer's statement (what a Citus worker is sent for one), no
-- function of a table owner's runs, even called by a superuser
BEGIN;
SET LOCAL compliance.officer_statement = on;
SELECT sec_peek();
ROLLBACK;
-- attack: the GUC is superuser-only; a superuser in replica mode still
-- meets the write check, which is ENABLE ALWAYS
SELECT name, context FROM pg_settings
 WHERE name IN ('session_replication_role', 'compliance.enforce', 'compliance.ledger_protection',
                'compliance.cache_subjects', 'compliance.purpose', 'compliance.recipient')
 ORDER BY 1;
SET session_replication_role = replica;
SET compliance.purpose = 'research';
INSERT INTO sec_patients VALUES (5, 'Dina', NULL);
UPDATE sec_patients SET id = 2 WHERE id = 1;
SELECT sec_visible();
RESET compliance.purpose;
RESET session_replication_role;

------------------------------------------------------------------------
-- 4. SET ROLE and role membership
------------------------------------------------------------------------
SET SESSION AUTHORIZATION sec_mallory;
-- attack: become a compliance role or the table owner without membership
SET ROLE compliance_officer;
SET ROLE compliance_admin;
SET ROLE sec_owner;
SELECT set_config('role', 'compliance_officer', false);
RESET SESSION AUTHORIZATION;
-- attack: from a login of one's own (not a superuser's session), take
-- another session identity
\c - sec_mallory
SELECT session_user, current_user;
-- (the SQLSTATE only: some minor releases name the role, others do not)
\set VERBOSITY sqlstate
SET SESSION AUTHORIZATION sec_owner;
\set VERBOSITY default
\c - :superuser
-- attack: the application drops to compliance_app and writes configuration
SET SESSION AUTHORIZATION sec_app;
SET ROLE compliance_app;
INSERT INTO compliance.purposes (code, title, legal_basis) VALUES ('sneaky', 'Sneaky', 'legal_obligation');
UPDATE compliance.purposes SET legal_basis = 'legal_obligation' WHERE code = 'research';
DELETE FROM compliance.protected_tables;
INSERT INTO compliance.adequate_countries (country) VALUES ('US');
INSERT INTO compliance.blocked_subjects (subject, reason) VALUES ('1', 'x');
DELETE FROM compliance.blocked_subjects;
UPDATE compliance.consent_state SET status = 'given';
SELECT compliance.register_purpose('sneaky', 'Sneaky', 'legal_obligation');
SELECT compliance.unprotect('sec_patients');
SELECT compliance.block_subject('1', 'x');
SELECT compliance.unblock_subject('3');
RESET SESSION AUTHORIZATION;
-- attack: any configuration or ledger table the application, analyst or
-- officer could write directly (privileges granted, not just tried)
SELECT c.relname, r.role, p.priv
  FROM pg_class c
 CROSS JOIN unnest(ARRAY['compliance_app', 'compliance_analyst', 'compliance_officer', 'sec_app', 'sec_mallory']) r(role)
 CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES']) p(priv)
 WHERE c.relnamespace = 'compliance'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
   AND c.relkind <> 'S' AND has_table_privilege(r.role, c.oid, p.priv)
 ORDER BY 1, 2, 3;
-- attack: any function of the extension PUBLIC may execute that is not a
-- type's support function, an accessor or a pure helper: only the write
-- trigger (cloned onto the partitions a table's owner creates; it runs
-- only as a trigger) and the two captures the planner adds (refused when
-- called directly, below)
SELECT p.oid::regprocedure AS public_function
  FROM pg_proc p
 WHERE p.pronamespace = 'compliance'::regnamespace
   AND has_function_privilege('sec_mallory', p.oid, 'EXECUTE')
   AND (p.prosecdef OR p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c') AND p.provolatile = 'v')
 ORDER BY 1;

------------------------------------------------------------------------
-- 5. The ledgers
------------------------------------------------------------------------
SET SESSION AUTHORIZATION sec_officer;
-- attack: change or remove consent history
UPDATE compliance.consent_ledger SET subject = 'nobody';
DELETE FROM compliance.consent_ledger;
TRUNCATE compliance.consent_ledger;
UPDATE compliance.disclosure_records SET recipient = 'nobody';
DELETE FROM compliance.disclosure_records;
UPDATE compliance.ledger_heads SET last_id = 0;
RESET SESSION AUTHORIZATION;
-- attack: even the superuser owner is refused while ledger_protection is on
UPDATE compliance.consent_ledger SET subject = 'nobody';
DELETE FROM compliance.consent_ledger;
TRUNCATE compliance.consent_ledger CASCADE;
DELETE FROM compliance.disclosure_records;
TRUNCATE compliance.disclosure_records;
SELECT count(*) AS disclosures_kept FROM compliance.disclosure_log;
-- a superuser may switch the guard off, but verify_ledger() shows the change
BEGIN;
ALTER TABLE compliance.consent_ledger DISABLE TRIGGER ALL;
UPDATE compliance.consent_ledger SET subject = 'nobody' WHERE id = 1;
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger() ORDER BY 1;
ROLLBACK;
SET SESSION AUTHORIZATION sec_app;
-- attack: append forged events through the internal functions
SELECT compliance.consent_ledger_append('give', '2', 'person', '{research}', NULL);
SELECT compliance.disclosure_append_batch('{2}', 'lab', 'sec_patients', '{diagnosis}', 'research',
                                          'domestic', NULL, now());
SELECT compliance.disclosure_append('2', 'person', 'lab', '{diagnosis}', 'research', 'domestic', NULL, NULL, 'explicit', now());
SELECT compliance.set_enforcement('sec_patients', false);
SELECT compliance.invalidate_relation('sec_patients');
RESET SESSION AUTHORIZATION;
SELECT ledger, ok, first_bad_id FROM compliance.verify_ledger() ORDER BY 1;

------------------------------------------------------------------------
-- 6. The planner's own functions, called directly
------------------------------------------------------------------------
-- row_allowed and capture_disclosure must stay executable by everybody
-- (the planner adds them to everybody's queries); called by hand they must
-- neither answer about a subject nor forge a log entry.
-- (sec_mallory holds the purpose here, so that the calls reach the filter)
SELECT compliance.grant_purpose('research', 'sec_mallory');
SET SESSION AUTHORIZATION sec_mallory;
SET compliance.purpose = 'research';
-- attack: learn whether subject 2 consented, or 3 is blocked, without
-- may_process or any grant on the consent tables
SELECT compliance.may_process('3');
SELECT compliance.row_allowed('3'::text, 'sec_patients'::regclass, false);
SELECT compliance.row_allowed(3, 'sec_patients'::regclass, false);
-- attack: log a disclosure of subject 2 to the lab that never happened
SET compliance.recipient = 'lab';
SELECT compliance.capture_disclosure('2'::text, 'sec_patients'::regclass, '{diagnosis}');
SELECT compliance.capture_disclosure(2, 'sec_patients'::regclass, '{diagnosis}');
SELECT compliance.capture_disclosures(ARRAY[2], 'sec_patients'::regclass, '{diagnosis}');
SELECT compliance.capture_disclosures(array_agg(id), 'sec_patients'::regclass, '{diagnosis}') FROM sec_patients;
RESET compliance.recipient;
RESET compliance.purpose;
RESET SESSION AUTHORIZATION;
SELECT compliance.flush_disclosures();
SELECT subject, recipient, source, recorded_by FROM compliance.disclosure_log WHERE source = 'capture';

SET client_min_messages = warning;
DROP TABLE sec_patients CASCADE;
DROP FUNCTION sec_visible();
DROP SCHEMA sec_evil CASCADE;
DROP OWNED BY sec_owner, sec_app, sec_mallory, sec_officer;
DROP ROLE sec_owner, sec_app, sec_mallory, sec_officer;
DROP EXTENSION compliance CASCADE;
