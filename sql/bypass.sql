-- Routes around the row filter, each tried by the role that found it: the
-- table's owner (byp_owner, not a superuser) or the application
-- (byp_app).  Subject 1 consents to research, 2 withdrew, 3 is blocked:
-- every attempt must reach subject 1 only, and see nothing of 2 or 3.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

CREATE ROLE byp_owner NOLOGIN;
CREATE ROLE byp_app NOLOGIN IN ROLE compliance_app;
GRANT USAGE, CREATE ON SCHEMA public TO byp_owner, byp_app;

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
-- a special-category column is named with its table (Art. 8)
SELECT compliance.register_purpose('research', 'Research', 'consent',
    data_items => ARRAY['name', 'code', 'note', 'body', 'ward', 'byp_patients.diagnosis']);
SELECT compliance.register_recipient('lab', 'Lab', 'Minsk', 'BY');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');
SELECT count(*) AS granted FROM (SELECT compliance.grant_purpose(p::compliance.purpose, r::regrole)
    FROM unnest(ARRAY['research', 'billing']) p, unnest(ARRAY['byp_owner', 'byp_app']) r) g;

SET SESSION AUTHORIZATION byp_owner;
CREATE DOMAIN byp_code AS text;
CREATE TABLE byp_patients (id int PRIMARY KEY, name text UNIQUE, diagnosis text, code byp_code);
INSERT INTO byp_patients VALUES (1, 'Anna', 'flu'), (2, 'Boris', 'asthma'), (3, 'Vera', 'gout');
GRANT SELECT, INSERT, UPDATE, DELETE ON byp_patients TO byp_app;
-- whatever it is shown, this function prints: the owner's way of seeing rows
CREATE FUNCTION byp_leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS
$$ BEGIN RAISE NOTICE 'leaked: %', $1; RETURN true; END $$;
GRANT EXECUTE ON FUNCTION byp_leak(text) TO PUBLIC;
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_patients', 'id', '{"diagnosis": "health"}');
SELECT count(compliance.give_consent(s, '{research}', 'checkbox')) FROM unnest(ARRAY['1', '2']) s;
SELECT compliance.withdraw_consent('2') AS withdrawn;
SELECT compliance.block_subject('3', 'accuracy disputed');

------------------------------------------------------------------------
-- 1. Inlined SQL functions: the planner inlines the body after the
--    statement's relations got their filter
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'research';
CREATE FUNCTION pg_temp.byp_all() RETURNS TABLE (id int, diagnosis text)
    LANGUAGE sql STABLE AS 'SELECT id, diagnosis FROM byp_patients';
SELECT * FROM pg_temp.byp_all() ORDER BY id;
-- the same as a subquery, a join, in a sublink, and with the owner's leak
SELECT * FROM (SELECT * FROM pg_temp.byp_all()) s WHERE byp_leak(s.diagnosis) ORDER BY id;
SELECT count(*) FROM pg_temp.byp_all() a JOIN pg_temp.byp_all() b USING (id);
SELECT EXISTS (SELECT FROM pg_temp.byp_all() WHERE id = 3) AS sees_blocked;
-- ... and the rows it returns to a recipient are logged, like any other read
SET compliance.recipient = 'lab';
SELECT id FROM pg_temp.byp_all() ORDER BY id;
RESET compliance.recipient;
SELECT compliance.flush_disclosures();
RESET SESSION AUTHORIZATION;
SELECT subject, recipient, data_items FROM compliance.disclosure_log WHERE source = 'capture' ORDER BY id;

------------------------------------------------------------------------
-- 2. Policies and views of the owner run after the filter.  A restrictive
--    policy would hide rows from officer functions: only a superuser may
--    make one on a protected table
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_owner;
CREATE POLICY byp_peek ON byp_patients AS RESTRICTIVE USING (byp_leak(diagnosis));
RESET SESSION AUTHORIZATION;
CREATE POLICY byp_peek ON byp_patients AS RESTRICTIVE USING (byp_leak(diagnosis));
SET SESSION AUTHORIZATION byp_owner;
CREATE POLICY byp_all ON byp_patients USING (true);
CREATE VIEW byp_view WITH (security_barrier) AS
    SELECT * FROM byp_patients WHERE byp_leak(name);
GRANT SELECT ON byp_view TO byp_app;
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'research';
SELECT id FROM byp_patients ORDER BY id;
SELECT id FROM byp_view ORDER BY id;
UPDATE byp_patients SET name = name WHERE byp_leak(name);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION byp_owner;
DROP VIEW byp_view;
DROP POLICY byp_peek ON byp_patients;
DROP POLICY byp_all ON byp_patients;
RESET SESSION AUTHORIZATION;

------------------------------------------------------------------------
-- 3. INSERT ... ON CONFLICT DO UPDATE evaluates WHERE and SET on the
--    stored row before any trigger
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'research';
-- a new row of consenting subject 1 that collides, by name, with the
-- stored rows of subjects 3 and 2: neither WHERE nor SET may see them
INSERT INTO byp_patients AS p VALUES (1, 'Vera', 'x') ON CONFLICT (name)
    DO UPDATE SET diagnosis = 'x' WHERE byp_leak(p.diagnosis);
INSERT INTO byp_patients AS p VALUES (1, 'Boris', 'x') ON CONFLICT (name)
    DO UPDATE SET name = p.name || byp_leak(p.diagnosis)::text;
-- the consenting subject's row is updated as before
INSERT INTO byp_patients AS p VALUES (1, 'X', 'x') ON CONFLICT (id)
    DO UPDATE SET name = 'Anna' WHERE p.diagnosis = 'flu' RETURNING id, name;
SET compliance.on_blocked_read = 'error';
INSERT INTO byp_patients AS p VALUES (1, 'Vera', 'x') ON CONFLICT (name) DO UPDATE SET name = 'X';
RESET compliance.on_blocked_read;
RESET SESSION AUTHORIZATION;
SET compliance.enforce = off;
SELECT id, name, diagnosis FROM byp_patients ORDER BY id;
RESET compliance.enforce;

------------------------------------------------------------------------
-- 4. A cursor WITH HOLD would keep a subject's rows past a withdrawal
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'research';
DECLARE byp_held CURSOR WITH HOLD FOR SELECT id FROM byp_patients;
BEGIN;
DECLARE byp_cur CURSOR FOR SELECT id FROM byp_patients ORDER BY id;
FETCH ALL FROM byp_cur;
COMMIT;
RESET SESSION AUTHORIZATION;

------------------------------------------------------------------------
-- 5. A protected table reached through a parent that is not protected:
--    the finished plan is checked, whatever path led there
------------------------------------------------------------------------
CREATE TABLE byp_people (id int, name text, diagnosis text);
ALTER TABLE byp_patients INHERIT byp_people;
SET compliance.purpose = 'research';
SELECT id FROM byp_people;
DELETE FROM byp_people WHERE id = 3;
SELECT id FROM ONLY byp_people;
SELECT id FROM byp_patients ORDER BY id;
ALTER TABLE byp_patients NO INHERIT byp_people;
DROP TABLE byp_people;
RESET compliance.purpose;

------------------------------------------------------------------------
-- 6. DDL of the owner that runs code over stored rows, prints or tests
--    stored values, or moves the table under another: an allow-list
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_parent (id int, name text, diagnosis text, code byp_code);
CREATE TABLE byp_parted (id int, name text, diagnosis text, code byp_code) PARTITION BY RANGE (id);
CREATE TABLE byp_keys (id int PRIMARY KEY);
-- under a parent: read, deleted and truncated through it with no purpose
ALTER TABLE byp_patients INHERIT byp_parent;
ALTER TABLE byp_parted ATTACH PARTITION byp_patients FOR VALUES FROM (0) TO (100);
-- the subject key follows the type's text form: 3 would become 3.00
ALTER TABLE byp_patients ALTER COLUMN id TYPE numeric(10,2);
-- a failing cast, a domain CHECK and a validated constraint print a stored value
ALTER TABLE byp_patients ALTER COLUMN diagnosis TYPE regclass USING diagnosis::regclass;
ALTER TABLE byp_patients ADD CONSTRAINT byp_peek CHECK (byp_leak(diagnosis));
ALTER TABLE byp_patients ADD FOREIGN KEY (id) REFERENCES byp_keys;
ALTER DOMAIN byp_code ADD CHECK (byp_leak(VALUE));
ALTER TABLE byp_patients ALTER COLUMN diagnosis SET NOT NULL;
ALTER TABLE byp_patients ADD CONSTRAINT byp_excl EXCLUDE USING btree (diagnosis WITH =);
CREATE UNIQUE INDEX ON byp_patients (diagnosis);
CREATE STATISTICS byp_stats (mcv) ON name, diagnosis FROM byp_patients;
-- the write check, ALWAYS, would become an ordinary trigger
ALTER TABLE byp_patients ENABLE TRIGGER ALL;
ALTER TABLE byp_patients ENABLE TRIGGER USER;
-- what reads no stored row stays possible
ALTER TABLE byp_patients ADD COLUMN note text DEFAULT 'none';
ALTER TABLE byp_patients ALTER COLUMN note SET DEFAULT 'n/a';
ALTER TABLE byp_patients ADD CONSTRAINT byp_note CHECK (note <> '') NOT VALID;
ALTER TABLE byp_patients ADD FOREIGN KEY (id) REFERENCES byp_keys NOT VALID;
ALTER DOMAIN byp_code ADD CHECK (VALUE <> '') NOT VALID;
CREATE INDEX byp_name ON byp_patients (name);
ALTER TABLE byp_patients DROP CONSTRAINT byp_note, DROP CONSTRAINT byp_patients_id_fkey;
ALTER TABLE byp_patients DROP COLUMN note;
DROP INDEX byp_name;
RESET SESSION AUTHORIZATION;
-- a superuser may still restructure, as the hints say
SET compliance.enforce = off;
ALTER TABLE byp_patients INHERIT byp_parent;
RESET compliance.enforce;
-- through the parent the protected child cannot be truncated or renamed
SET SESSION AUTHORIZATION byp_owner;
TRUNCATE byp_parent;
ALTER TABLE byp_parent RENAME COLUMN id TO pid;
ALTER TABLE byp_parent RENAME COLUMN diagnosis TO name2;
ALTER TABLE byp_parent ALTER COLUMN id TYPE bigint;
RESET SESSION AUTHORIZATION;
SET compliance.enforce = off;
ALTER TABLE byp_patients NO INHERIT byp_parent;
RESET compliance.enforce;

------------------------------------------------------------------------
-- 7. Officer functions never lend their privileges, nor hand the owner's
--    code the rows they read or erase: the owner's trigger and cast would
--    see the subject's rows with the officer's privileges
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_seen (who name, superuser boolean, rows_visible bigint);
CREATE FUNCTION byp_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.byp_seen SELECT current_user,
        (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), NULL;
    BEGIN
        EXECUTE 'ALTER ROLE byp_owner SUPERUSER';
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'escalation refused (%)', SQLSTATE;
    END;
    -- enforcement is on for the owner's own statements: no purpose, no rows
    BEGIN
        UPDATE public.byp_seen SET rows_visible = (SELECT count(*) FROM public.byp_patients);
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'read refused: %', SQLERRM;
    END;
    RETURN OLD;
END $$;
CREATE TRIGGER byp_after_delete AFTER DELETE ON byp_patients
    FOR EACH ROW EXECUTE FUNCTION byp_on_delete();
RESET SESSION AUTHORIZATION;
-- ... and a cast of a type the owner created runs as the owner when an
-- officer's access report turns the subject's rows into JSON
SET SESSION AUTHORIZATION byp_owner;
CREATE TYPE byp_mood AS ENUM ('ok');
CREATE FUNCTION byp_mood_json(byp_mood) RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.byp_seen SELECT current_user,
        (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), NULL;
    BEGIN
        EXECUTE 'ALTER ROLE byp_owner SUPERUSER';
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'escalation refused (%)', SQLSTATE;
    END;
    RETURN '"ok"';
END $$;
CREATE CAST (byp_mood AS json) WITH FUNCTION byp_mood_json(byp_mood);
ALTER TABLE byp_patients ADD COLUMN mood byp_mood DEFAULT 'ok';
-- a rule would run its actions inside the officer's statement: refused
CREATE RULE byp_copy AS ON DELETE TO byp_patients DO ALSO
    INSERT INTO byp_seen SELECT name, NULL, NULL FROM byp_patients;
RESET SESSION AUTHORIZATION;
-- neither runs: no code of the owner's runs inside an officer's statement,
-- which would hand it the rows being read or erased
SELECT jsonb_array_length(compliance.subject_access('1') -> 'data') AS tables_reported;
SELECT compliance.file_request('3', 'erase') AS req \gset
SELECT compliance.erase_subject('3', :req) ->> 'outcome' AS outcome;
SELECT * FROM byp_seen;
SELECT rolsuper AS owner_became_superuser FROM pg_roles WHERE rolname = 'byp_owner';
-- a superuser takes them out of the way; the officer functions run
ALTER TABLE byp_patients DISABLE TRIGGER byp_after_delete;
ALTER TABLE byp_patients DROP COLUMN mood;
SELECT jsonb_array_length(compliance.subject_access('1') -> 'data') AS tables_reported;
SELECT compliance.erase_subject('3', :req) ->> 'outcome' AS outcome;
SELECT count(*) AS owner_code_ran FROM byp_seen;
DROP TRIGGER byp_after_delete ON byp_patients;
-- ... nor a trigger function declared SECURITY DEFINER, or with a SET
-- clause, which PostgreSQL calls through a wrapper of its own without
-- asking first whether the function needs the hook
SET SESSION AUTHORIZATION byp_owner;
CREATE FUNCTION byp_keep_erased() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public AS $$
BEGIN
    INSERT INTO byp_seen VALUES (current_user, NULL, NULL);
    RETURN OLD;
END $$;
CREATE TRIGGER byp_keep_erased AFTER DELETE ON byp_patients
    FOR EACH ROW EXECUTE FUNCTION byp_keep_erased();
RESET SESSION AUTHORIZATION;
SELECT compliance.file_request('1', 'erase') AS req \gset
SELECT compliance.erase_subject('1', :req) ->> 'outcome' AS outcome;
SELECT count(*) AS owner_code_ran FROM byp_seen;
-- ... nor a deferred one, which would fire at commit, after the
-- officer's statement (on a Citus worker, with a superuser's privileges)
SET SESSION AUTHORIZATION byp_owner;
CREATE CONSTRAINT TRIGGER byp_keep_later AFTER DELETE ON byp_patients
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION byp_keep_erased();
CREATE CONSTRAINT TRIGGER byp_keep_later AFTER DELETE ON byp_patients
    DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION byp_keep_erased();
-- ... nor a trigger whose WHEN condition calls a volatile function: it
-- runs over every row erased, before the trigger function is called
CREATE TRIGGER byp_keep_when BEFORE DELETE ON byp_patients FOR EACH ROW
    WHEN (pg_notify('byp', OLD::text) IS NULL) EXECUTE FUNCTION byp_keep_erased();
-- a stable one too: table_to_xml() runs a query over a view of the
-- owner's, whose functions run as whoever erases (a superuser on Citus)
CREATE VIEW byp_side AS SELECT pg_notify('byp', 'side effect') IS NULL AS x;
CREATE TRIGGER byp_keep_when BEFORE DELETE ON byp_patients FOR EACH ROW
    WHEN (table_to_xml('byp_side'::regclass, false, false, '') IS NULL) EXECUTE FUNCTION byp_keep_erased();
DROP VIEW byp_side;
-- or through a cast to a domain no protected column uses, whose check
-- runs on every row cast (a fourth attack round found this); nor may a
-- check constraint cast to it
CREATE DOMAIN byp_leak AS text CHECK (pg_notify('byp', VALUE)::text = '');
CREATE TRIGGER byp_keep_when BEFORE DELETE ON byp_patients FOR EACH ROW
    WHEN ((OLD.name)::byp_leak IS NULL) EXECUTE FUNCTION byp_keep_erased();
ALTER TABLE byp_patients ADD CONSTRAINT byp_leak_check CHECK ((name)::byp_leak IS NOT NULL) NOT VALID;
DROP DOMAIN byp_leak;
CREATE TRIGGER byp_keep_when BEFORE DELETE ON byp_patients FOR EACH ROW
    WHEN (OLD.id > 0) EXECUTE FUNCTION byp_keep_erased();
DROP TRIGGER byp_keep_when ON byp_patients;
-- and a table that has either is not protected
CREATE TABLE byp_later (id int);
CREATE CONSTRAINT TRIGGER byp_keep_later AFTER DELETE ON byp_later
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION byp_keep_erased();
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_later', 'id');
DROP TRIGGER byp_keep_later ON byp_later;
CREATE TRIGGER byp_keep_when BEFORE DELETE ON byp_later FOR EACH ROW
    WHEN (pg_notify('byp', OLD::text) IS NULL) EXECUTE FUNCTION byp_keep_erased();
SELECT compliance.protect('byp_later', 'id');
DROP TABLE byp_later;
DROP TRIGGER byp_keep_erased ON byp_patients;
DROP FUNCTION byp_keep_erased();
-- a rule a superuser made stops the officer's statements rather than
-- running unfiltered inside them
CREATE RULE byp_copy AS ON DELETE TO byp_patients DO ALSO NOTIFY byp_deleted;
SELECT compliance.file_request('2', 'erase') AS req \gset
SELECT compliance.erase_subject('2', :req) ->> 'outcome' AS outcome;
DROP RULE byp_copy ON byp_patients;
-- a domain's check runs over every value written to its columns, an
-- officer's rectification too, with the writer's privileges: a domain of
-- a protected table's column gets no check calling a volatile function
-- (NOT VALID either), and no column of such a domain is added
SET SESSION AUTHORIZATION byp_owner;
CREATE DOMAIN byp_phone AS text;
ALTER TABLE byp_patients ADD COLUMN phone byp_phone;
ALTER DOMAIN byp_phone ADD CONSTRAINT byp_grab CHECK (pg_notify('byp', VALUE) IS NULL) NOT VALID;
ALTER DOMAIN byp_phone ADD CONSTRAINT byp_short CHECK (length(VALUE) < 40) NOT VALID;
CREATE DOMAIN byp_phone2 AS text CHECK (pg_notify('byp', VALUE) IS NULL);
ALTER TABLE byp_patients ADD COLUMN phone2 byp_phone2;
ALTER TABLE byp_patients DROP COLUMN phone;
DROP DOMAIN byp_phone, byp_phone2;
RESET SESSION AUTHORIZATION;

------------------------------------------------------------------------
-- 8. PostgreSQL's own foreign-key checks see every row: a parent row
--    referenced only by a hidden row stays
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_wards (ward int PRIMARY KEY);
INSERT INTO byp_wards VALUES (10), (20);
CREATE TABLE byp_stays (id int, ward int REFERENCES byp_wards);
INSERT INTO byp_stays VALUES (1, 10), (2, 20);
GRANT SELECT, INSERT, DELETE ON byp_wards, byp_stays TO byp_app;
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_stays', 'id');
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'research';
SELECT * FROM byp_stays;
-- ward 20 is referenced only by subject 2's stay, hidden from research
DELETE FROM byp_wards WHERE ward = 20;
-- and a new stay may refer to a ward whatever the other stays
INSERT INTO byp_stays VALUES (1, 20);
RESET SESSION AUTHORIZATION;
SELECT ward FROM byp_wards ORDER BY ward;
-- A cascade is not a way in: the owner's trigger would see every hidden
-- row it updates, and could move them to a consenting subject
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_ids (id int PRIMARY KEY);
INSERT INTO byp_ids VALUES (1), (2);
ALTER TABLE byp_stays ADD FOREIGN KEY (id) REFERENCES byp_ids ON UPDATE CASCADE NOT VALID;
CREATE TABLE byp_loot (id int, ward int);
CREATE FUNCTION byp_grab() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN INSERT INTO public.byp_loot VALUES (OLD.id, OLD.ward); RETURN NEW; END $$;
CREATE TRIGGER byp_grab AFTER UPDATE ON byp_stays FOR EACH ROW EXECUTE FUNCTION byp_grab();
RESET compliance.purpose;
UPDATE byp_ids SET id = 100 WHERE id = 2;
SET compliance.purpose = 'research';
UPDATE byp_ids SET id = 100 WHERE id = 2;
-- a consenting subject's rows cascade as before
UPDATE byp_ids SET id = 1 WHERE id = 1;
RESET compliance.purpose;
RESET SESSION AUTHORIZATION;
SELECT * FROM byp_loot;
SET compliance.enforce = off;
SELECT id, ward FROM byp_stays ORDER BY id, ward;
RESET compliance.enforce;

------------------------------------------------------------------------
-- 8b. A held cursor reads nothing protected, even through a function
--     that the planner does not inline
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'research';
CREATE FUNCTION pg_temp.byp_rows() RETURNS SETOF int LANGUAGE plpgsql AS
    $$ BEGIN RETURN QUERY SELECT id FROM public.byp_patients; END $$;
DECLARE byp_held2 CURSOR WITH HOLD FOR SELECT * FROM pg_temp.byp_rows();
FETCH ALL FROM byp_held2;
RESET SESSION AUTHORIZATION;

------------------------------------------------------------------------
-- 9. A failed SET of the purpose reloads the registry: what the row filter
--    held of the old one is looked up again, never read after it is freed
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'research';
SELECT id FROM byp_patients ORDER BY id;
SET compliance.purpose = 'reserch';
SELECT id FROM byp_patients ORDER BY id;
BEGIN;
SELECT id FROM byp_patients ORDER BY id;
SELECT set_config('compliance.purpose', 'reserch', true);
ROLLBACK;
SELECT id FROM byp_patients ORDER BY id;
RESET SESSION AUTHORIZATION;

------------------------------------------------------------------------
-- 10. Settings changed inside a statement apply from the next one: the
--     data items checked, the rows filtered and the disclosures logged
--     agree (a one-time filter runs before the first row)
------------------------------------------------------------------------
SELECT count(*) AS captured_before FROM compliance.disclosure_log WHERE source = 'capture' \gset
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'research';
SELECT id FROM byp_patients
 WHERE (SELECT set_config('compliance.purpose', 'billing', false)) IS NOT NULL ORDER BY id;
SHOW compliance.purpose;
SELECT id FROM byp_patients ORDER BY id;
SET compliance.purpose = 'research';
SET compliance.recipient = 'lab';
SELECT id FROM byp_patients
 WHERE (SELECT set_config('compliance.recipient', '', false)) IS NOT NULL ORDER BY id;
SHOW compliance.recipient;
SELECT compliance.flush_disclosures();
RESET compliance.purpose;
RESET SESSION AUTHORIZATION;
SELECT subject, recipient, purpose FROM compliance.disclosure_log
 WHERE source = 'capture' ORDER BY id OFFSET :captured_before;

------------------------------------------------------------------------
-- 11. Code the planner runs, and code inside an officer's statement, is
--     nested: never taken for PostgreSQL's foreign-key query or for the
--     officer's own statement
------------------------------------------------------------------------
-- the application alone: an IMMUTABLE cast, folded while the foreign-key
-- check of its own tables is planned, reads the protected table
SET SESSION AUTHORIZATION byp_app;
RESET compliance.purpose;
CREATE TABLE byp_app_seen (t text);
CREATE TABLE byp_app_a (id int PRIMARY KEY);
INSERT INTO byp_app_a VALUES (1);
CREATE TYPE byp_app_k AS ENUM ('1');
CREATE FUNCTION byp_app_sink(text[]) RETURNS void LANGUAGE sql VOLATILE AS
    'INSERT INTO public.byp_app_seen SELECT unnest($1)';
CREATE FUNCTION byp_app_k_int(byp_app_k) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM public.byp_app_sink(array(SELECT p::text FROM public.byp_patients p));
    RETURN $1::text::int;
END $$;
CREATE CAST (byp_app_k AS int) WITH FUNCTION byp_app_k_int(byp_app_k) AS IMPLICIT;
CREATE TABLE byp_app_b (s byp_app_k REFERENCES byp_app_a (id));
INSERT INTO byp_app_b VALUES ('1');
SELECT count(*) AS rows_seen FROM byp_app_seen;
RESET SESSION AUTHORIZATION;
-- the owner: a range type whose subtype_diff sees every stored value in
-- index builds and ANALYZE; forcing its own policies on officer statements
SET SESSION AUTHORIZATION byp_owner;
CREATE FUNCTION byp_diff(int4, int4) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT ($1 - $2)::float8';
CREATE TYPE byp_range AS RANGE (subtype = int4, subtype_diff = byp_diff);
ALTER TABLE byp_patients ADD COLUMN salary byp_range;
ALTER TABLE byp_patients ADD COLUMN salary int4range;
CREATE INDEX ON byp_patients USING gist (salary range_ops);
ALTER TABLE byp_patients DROP COLUMN salary;
ALTER TABLE byp_patients NO FORCE ROW LEVEL SECURITY;
ALTER TABLE byp_patients DISABLE ROW LEVEL SECURITY;
-- the owner's trigger would run DDL inside an officer's erasure: refused
CREATE FUNCTION byp_ddl() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER TABLE public.byp_patients ADD CONSTRAINT byp_chk CHECK (public.byp_leak(diagnosis))';
    RETURN OLD;
END $$;
CREATE TRIGGER byp_b_ddl BEFORE DELETE ON byp_patients FOR EACH ROW EXECUTE FUNCTION byp_ddl();
RESET SESSION AUTHORIZATION;
SELECT compliance.file_request('2', 'erase') AS req \gset
SELECT compliance.erase_subject('2', :req) ->> 'outcome' AS outcome;
SELECT count(*) AS byp_chk FROM pg_constraint WHERE conname = 'byp_chk';
DROP TRIGGER byp_b_ddl ON byp_patients;
-- a restrictive policy a superuser made stops officer statements
CREATE POLICY byp_hide ON byp_patients AS RESTRICTIVE USING (false);
SELECT compliance.erase_subject('2', :req) ->> 'outcome' AS outcome;
DROP POLICY byp_hide ON byp_patients;
-- a held cursor over a function whose FOR loop reads the table
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'research';
CREATE FUNCTION pg_temp.byp_loop() RETURNS SETOF int LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    FOR r IN SELECT id FROM public.byp_patients LOOP RETURN NEXT r.id; END LOOP;
END $$;
DECLARE byp_held3 CURSOR WITH HOLD FOR SELECT pg_temp.byp_loop();
RESET SESSION AUTHORIZATION;

------------------------------------------------------------------------
-- 12. Inside an officer's erasure no trigger of the owner's runs, not in
--     a cascade either; another owner's policies never run inside it
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_wards2 (id int PRIMARY KEY);
INSERT INTO byp_wards2 SELECT g FROM generate_series(1, 10) g;
ALTER TABLE byp_patients ADD CONSTRAINT byp_pw FOREIGN KEY (id) REFERENCES byp_wards2 (id)
    ON UPDATE CASCADE NOT VALID;
CREATE TABLE byp_loot2 (data text);
CREATE FUNCTION byp_a_leak() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN INSERT INTO public.byp_loot2 VALUES (OLD::text); RETURN NULL; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER byp_a_leak BEFORE UPDATE ON byp_patients FOR EACH ROW EXECUTE FUNCTION byp_a_leak();
CREATE FUNCTION byp_on_erase() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('compliance.purpose', 'research', true);
    UPDATE public.byp_wards2 SET id = -id;
    RETURN OLD;
END $$;
CREATE TRIGGER byp_on_erase AFTER DELETE ON byp_patients FOR EACH ROW EXECUTE FUNCTION byp_on_erase();
RESET SESSION AUTHORIZATION;
SELECT compliance.file_request('1', 'erase') AS req \gset
SELECT compliance.erase_subject('1', :req) ->> 'outcome' AS outcome;
SELECT count(*) AS rows_copied FROM byp_loot2;
DROP TRIGGER byp_on_erase ON byp_patients;
DROP TRIGGER byp_a_leak ON byp_patients;
ALTER TABLE byp_patients DROP CONSTRAINT byp_pw;
-- a child table of another owner, with a policy that sees what it is shown
CREATE ROLE byp_owner2 NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA public TO byp_owner2;
GRANT REFERENCES ON byp_patients TO byp_owner2;
SET SESSION AUTHORIZATION byp_owner2;
CREATE TABLE byp_orders (id int PRIMARY KEY, patient int REFERENCES byp_patients (id) ON DELETE CASCADE, note text);
INSERT INTO byp_orders VALUES (10, 1, 'order of 1'), (20, 2, 'order of 2');
CREATE TABLE byp_loot3 (data text);
CREATE FUNCTION byp_leak3(r byp_orders) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS
    $$ BEGIN INSERT INTO public.byp_loot3 VALUES (r::text); RETURN true; END $$;
GRANT EXECUTE ON FUNCTION byp_leak3(byp_orders) TO PUBLIC;
GRANT SELECT ON byp_orders TO byp_owner;
ALTER TABLE byp_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY byp_p ON byp_orders USING (public.byp_leak3(byp_orders));
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_orders', 'patient');
SELECT compliance.erase_subject('1', :req) ->> 'outcome' AS outcome;
SELECT count(*) AS rows_seen_by_policy FROM byp_loot3;
-- a forced policy of the owner's, on an unprotected table an erasure
-- counts, whose sublink reads the protected table with a built-in function
-- that keeps what it sees: folded away, never run
SET compliance.enforce = off;
INSERT INTO byp_patients (id, name, diagnosis) VALUES (9, 'Zoya', 'secret');
RESET compliance.enforce;
SELECT compliance.block_subject('9', 'accuracy disputed');
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_kid (pid int REFERENCES byp_patients (id));
INSERT INTO byp_kid VALUES (9);
ALTER TABLE byp_kid ENABLE ROW LEVEL SECURITY;
ALTER TABLE byp_kid FORCE ROW LEVEL SECURITY;
CREATE POLICY byp_spy ON byp_kid USING (
    (SELECT count(pg_catalog.lo_from_bytea(0, pg_catalog.convert_to(x.id || '|' || x.diagnosis, 'UTF8')))
       FROM public.byp_patients x) >= 0);
RESET SESSION AUTHORIZATION;
SELECT compliance.file_request('9', 'erase') AS req \gset
SELECT compliance.erase_subject('9', :req) ->> 'outcome' AS outcome;
SELECT count(*) AS large_objects_made FROM pg_largeobject_metadata;
-- a restrictive one stops the officer's statement instead
SET SESSION AUTHORIZATION byp_owner;
CREATE POLICY byp_spy2 ON byp_kid AS RESTRICTIVE USING (true);
RESET SESSION AUTHORIZATION;
SELECT compliance.erase_subject('9') ->> 'outcome' AS outcome;
DROP TABLE byp_kid;
DROP POLICY byp_p ON byp_orders;
DROP FUNCTION byp_leak3(byp_orders), byp_a_leak(), byp_on_erase();
DROP TABLE byp_orders, byp_loot3, byp_loot2, byp_wards2;

------------------------------------------------------------------------
-- 13. An erasure's foreign-key cascades reach protected children and
--     grandchildren whose rows no purpose may see (the cases and notes
--     belong to blocked subject 7 as a worker and as an author)
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_people (id int PRIMARY KEY, name text);
CREATE TABLE byp_cases (id int PRIMARY KEY, person int REFERENCES byp_people ON DELETE CASCADE, worker int);
CREATE TABLE byp_notes (case_id int REFERENCES byp_cases ON DELETE CASCADE, author int, body text);
INSERT INTO byp_people VALUES (5, 'Dana'), (6, 'Egor');
INSERT INTO byp_cases VALUES (50, 5, 7), (60, 6, 7);
INSERT INTO byp_notes VALUES (50, 7, 'on the case of 5'), (60, 7, 'on the case of 6');
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_people', 'id');
SELECT compliance.protect('byp_cases', 'worker');
SELECT compliance.protect('byp_notes', 'author');
SELECT compliance.block_subject('7', 'accuracy disputed');
SELECT compliance.file_request('5', 'erase') AS req \gset
SELECT compliance.erase_subject('5', :req) ->> 'outcome' AS outcome;
SET compliance.enforce = off;
SELECT (SELECT count(*) FROM byp_people) AS people, (SELECT count(*) FROM byp_cases) AS cases,
       (SELECT string_agg(body, ', ') FROM byp_notes) AS notes;
RESET compliance.enforce;
DROP TABLE byp_notes, byp_cases, byp_people;

------------------------------------------------------------------------
-- 14. Statistics: pg_stats shows each column's most common values and
--     histogram, those of blocked and withdrawn subjects too.  protect()
--     forces row level security, under which PostgreSQL shows them to
--     superusers and BYPASSRLS roles only
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_stats (id int, diagnosis text);
INSERT INTO byp_stats SELECT s % 3 + 1, 'diagnosis of ' || (s % 3 + 1) FROM generate_series(1, 300) s;
GRANT SELECT, INSERT ON byp_stats TO byp_app;
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_stats', 'id');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'byp_stats'::regclass;
ANALYZE byp_stats;
SELECT count(*) AS superuser_sees FROM pg_stats WHERE tablename = 'byp_stats';
SET SESSION AUTHORIZATION byp_owner;
ANALYZE byp_stats;
SELECT count(*) AS owner_sees FROM pg_stats WHERE tablename = 'byp_stats';
SET SESSION AUTHORIZATION byp_app;
SELECT count(*) AS app_sees FROM pg_stats WHERE tablename = 'byp_stats';
-- the rows a purpose may process are the same as without row level
-- security: all but the blocked subject's, under a contract
SET compliance.purpose = 'billing';
SELECT id, count(*) FROM byp_stats GROUP BY id ORDER BY id;
-- COPY FROM, which PostgreSQL refuses under row level security, works: its
-- rows meet the write check, a column list and WHERE apply
COPY byp_stats FROM stdin;
1	copied
\.
COPY byp_stats (diagnosis, id) FROM stdin WITH (FORMAT csv) WHERE id = 1;
copied in csv,1
skipped,4
\.
COPY byp_stats FROM stdin;
3	blocked subject
\.
SELECT id, diagnosis FROM byp_stats WHERE diagnosis LIKE 'copied%' ORDER BY 2;
RESET compliance.purpose;
-- a permissive policy of the owner's applies, to the owner too; officer
-- functions still read every row
SET SESSION AUTHORIZATION byp_owner;
CREATE POLICY byp_stats_own ON byp_stats USING (id = 1);
SET compliance.purpose = 'billing';
SELECT DISTINCT id AS owner_sees FROM byp_stats ORDER BY id;
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'billing';
SELECT DISTINCT id AS app_sees FROM byp_stats ORDER BY id;
RESET compliance.purpose;
RESET SESSION AUTHORIZATION;
SET compliance.enforce = off;
SELECT compliance.read_as_table_owner('byp_stats', 'SELECT count(*) FROM public.byp_stats WHERE id = 2') AS officer_counts;
RESET compliance.enforce;
-- a restrictive policy is refused, so is turning row level security off
SET SESSION AUTHORIZATION byp_owner;
CREATE POLICY byp_stats_p ON byp_stats AS RESTRICTIVE USING (true);
ALTER TABLE byp_stats NO FORCE ROW LEVEL SECURITY;
RESET SESSION AUTHORIZATION;
-- unprotect() no longer forces it; the owner's policy keeps it enabled
SELECT compliance.unprotect('byp_stats');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'byp_stats'::regclass;
DROP TABLE byp_stats;

------------------------------------------------------------------------
-- 15. An index's expressions and predicate run over every stored row in
--     REINDEX and ANALYZE (autovacuum's too), as the table's owner: they
--     may call only functions the owner cannot replace, also when a
--     superuser builds the index
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_idx (id int, diagnosis text);
CREATE FUNCTION byp_norm(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT lower($1)';
CREATE INDEX byp_idx_norm ON byp_idx (byp_norm(diagnosis));
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_idx', 'id');
DROP INDEX byp_idx_norm;
SELECT compliance.protect('byp_idx', 'id');
CREATE INDEX ON byp_idx (byp_norm(diagnosis));
CREATE INDEX ON byp_idx (id) WHERE byp_norm(diagnosis) <> '';
CREATE INDEX byp_idx_lower ON byp_idx (lower(diagnosis)) WHERE diagnosis <> '';
SET SESSION AUTHORIZATION byp_owner;
REINDEX TABLE byp_idx;
ANALYZE byp_idx;
-- an expression index's statistics would be shown to the owner in
-- pg_stats (it follows the index's row level security, which indexes
-- lack): it collects none, and the owner may not turn them on
SET compliance.purpose = 'billing';
INSERT INTO byp_idx SELECT g, CASE WHEN g % 3 = 0 THEN 'Gout' ELSE 'Flu' END FROM generate_series(100, 400) g;
RESET compliance.purpose;
ANALYZE byp_idx;
SELECT count(*) AS index_stats_seen FROM pg_stats WHERE tablename = 'byp_idx_lower';
ALTER INDEX byp_idx_lower ALTER COLUMN 1 SET STATISTICS 100;
-- statistics expressions, range types: made before protect(), or on a
-- child made after it, ANALYZE would run them over every row as the owner
CREATE STATISTICS byp_idx_st ON (byp_norm(diagnosis)), id FROM byp_idx;
CREATE FUNCTION byp_tdiff(text, text) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT 0::float8';
CREATE TYPE byp_trange AS RANGE (subtype = text, subtype_diff = byp_tdiff);
CREATE TABLE byp_idx_child (extra byp_trange) INHERITS (byp_idx);
RESET SESSION AUTHORIZATION;
CREATE STATISTICS byp_idx_st ON (byp_norm(diagnosis)), id FROM byp_idx;
SELECT compliance.unprotect('byp_idx');
SET SESSION AUTHORIZATION byp_owner;
CREATE STATISTICS byp_idx_st ON (byp_norm(diagnosis)), id FROM byp_idx;
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_idx', 'id');
DROP STATISTICS byp_idx_st;
CREATE TABLE byp_ranged (id int, span byp_trange);
SELECT compliance.protect('byp_ranged', 'id');
DROP TABLE byp_idx, byp_ranged;
DROP TYPE byp_trange;
DROP FUNCTION byp_norm(text), byp_tdiff(text, text);

------------------------------------------------------------------------
-- 16. EXPLAIN ANALYZE counts the rows the filter removed: with a
--     leakproof condition evaluated first (an index condition), whether a
--     hidden subject's row matches it.  Reserved to superusers
------------------------------------------------------------------------
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'billing';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id, name FROM byp_patients WHERE name = 'Vera';
PREPARE byp_q AS SELECT id, name FROM byp_patients WHERE name = 'Vera';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE byp_q;
-- the last ANALYZE option counts, as in PostgreSQL
EXPLAIN (ANALYZE 0, ANALYZE 1, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id, name FROM byp_patients WHERE name = 'Vera';
DEALLOCATE byp_q;
CREATE FUNCTION pg_temp.byp_explain() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id, name FROM public.byp_patients';
END $$;
SELECT * FROM pg_temp.byp_explain();
-- without ANALYZE, or on other tables, it runs
EXPLAIN (COSTS OFF) SELECT id FROM byp_patients WHERE name = 'Vera';
DO $$ BEGIN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF) SELECT 1'; END $$;
RESET compliance.purpose;
RESET SESSION AUTHORIZATION;

------------------------------------------------------------------------
-- 17. Found by the last attack round
------------------------------------------------------------------------
-- a typed table's columns change with its row type: ALTER TYPE ...
-- ATTRIBUTE ... CASCADE would move the subject key, run a domain's check
-- over every row, or add a column of a range type of the owner's
SET SESSION AUTHORIZATION byp_owner;
CREATE TYPE byp_row AS (id int, name text, diagnosis text);
CREATE TABLE byp_typed OF byp_row;
INSERT INTO byp_typed VALUES (100, 'Anna', 'flu'), (3, 'Vera', 'gout');
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_typed', 'id', '{"diagnosis": "health"}');
SET SESSION AUTHORIZATION byp_owner;
ALTER TYPE byp_row RENAME ATTRIBUTE id TO real_id CASCADE;
ALTER TYPE byp_row ALTER ATTRIBUTE diagnosis TYPE varchar CASCADE;
ALTER TYPE byp_row ADD ATTRIBUTE extra int CASCADE;
-- a check constraint, even NOT VALID, runs when an erasure cascades an
-- update into the table: a volatile built-in in it could keep the rows
ALTER TABLE byp_typed ADD CONSTRAINT byp_spy
    CHECK (pg_catalog.pg_notify('byp_spy', name) IS NULL) NOT VALID;
RESET SESSION AUTHORIZATION;
-- a superuser's SQL function that resolves names by the session's
-- search_path would call what the owner puts first in it
CREATE FUNCTION byp_squash(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT replace(t, ' ', '')$$;
CREATE FUNCTION byp_norm2(t text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT byp_squash(lower(t))';
CREATE INDEX ON byp_typed (byp_norm2(name));
ALTER FUNCTION byp_norm2(text) SET search_path = pg_catalog, public;
CREATE INDEX byp_typed_norm ON byp_typed (byp_norm2(name));
DROP TABLE byp_typed;
DROP TYPE byp_row;
DROP FUNCTION byp_norm2(text), byp_squash(text);
-- a cursor's FETCH after the purpose was revoked, and a cascade into a
-- protected table caused by a role that does not hold the purpose
SET SESSION AUTHORIZATION byp_owner;
CREATE TABLE byp_par (id int PRIMARY KEY);
CREATE TABLE byp_cur (id int REFERENCES byp_par ON DELETE CASCADE);
INSERT INTO byp_par SELECT g FROM generate_series(100, 103) g;
INSERT INTO byp_cur SELECT g FROM generate_series(100, 103) g;
GRANT SELECT, DELETE ON byp_par TO byp_app;
GRANT SELECT ON byp_cur TO byp_app;
RESET SESSION AUTHORIZATION;
SELECT compliance.protect('byp_cur', 'id');
SET SESSION AUTHORIZATION byp_app;
SET compliance.purpose = 'billing';
BEGIN;
DECLARE byp_c CURSOR FOR SELECT id FROM byp_cur;
FETCH 1 FROM byp_c;
RESET SESSION AUTHORIZATION;
SELECT compliance.revoke_purpose('billing', 'byp_app');
SET SESSION AUTHORIZATION byp_app;
FETCH 1 FROM byp_c;
ROLLBACK;
BEGIN;
RESET SESSION AUTHORIZATION;
SELECT compliance.revoke_purpose('billing', 'byp_app');
SET SESSION AUTHORIZATION byp_app;
DELETE FROM byp_par WHERE id = 100;
ROLLBACK;
RESET compliance.purpose;
RESET SESSION AUTHORIZATION;
SELECT count(*) AS still_granted FROM compliance.purpose_grants
 WHERE grantee = 'byp_app'::regrole AND purpose = 'billing';
DROP TABLE byp_cur, byp_par;

SET client_min_messages = warning;
DROP TABLE byp_app_b, byp_app_a, byp_app_seen;
DROP CAST (byp_app_k AS int);
DROP FUNCTION byp_app_k_int(byp_app_k), byp_app_sink(text[]);
DROP TYPE byp_app_k;
DROP TYPE byp_range;
DROP FUNCTION byp_diff(int4, int4), byp_ddl();
DROP TABLE byp_stays, byp_wards, byp_ids, byp_loot, byp_seen, byp_parent, byp_parted, byp_keys;
DROP FUNCTION byp_grab();
SET client_min_messages = warning;
DROP TABLE byp_patients CASCADE;
DROP FUNCTION byp_leak(text);
DROP FUNCTION byp_on_delete();
DROP CAST (byp_mood AS json);
DROP FUNCTION byp_mood_json(byp_mood);
DROP TYPE byp_mood;
DROP DOMAIN byp_code;
DROP OWNED BY byp_owner, byp_app, byp_owner2;
DROP ROLE byp_owner, byp_app, byp_owner2;
DROP EXTENSION compliance CASCADE;
