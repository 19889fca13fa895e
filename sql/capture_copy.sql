-- Ways protected values could reach a recipient around the capture
-- (Art. 12): copied into another table by a data-modifying statement,
-- shown by a function or an error before the capture runs, or fetched
-- from a cursor opened for another recipient.  Each is refused (or its
-- text withheld) while compliance.recipient is set; without a recipient
-- the same statements run as before.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');
SELECT compliance.register_recipient('bureau', 'Credit Bureau JSC', 'Minsk', 'BY');
SELECT compliance.register_recipient('agency', 'Collection Agency LLC', 'Minsk', 'BY');
CREATE TABLE patients (id int PRIMARY KEY, name text, phone text);
INSERT INTO patients SELECT g, 'name ' || g, '+375 ' || g FROM generate_series(1, 4) g;
-- an unprotected table the recipient's data could be copied into
CREATE TABLE outbox (id int PRIMARY KEY, x text);
INSERT INTO outbox SELECT g, 'row ' || g FROM generate_series(1, 4) g;
SELECT compliance.protect('patients', 'id');
CREATE ROLE copy_app NOLOGIN IN ROLE compliance_app;
SELECT compliance.grant_purpose('billing', 'copy_app');
GRANT SELECT, INSERT, UPDATE, DELETE ON patients, outbox TO copy_app;
-- the application's own functions
CREATE SCHEMA app AUTHORIZATION copy_app;

-- A superuser's function that pins its search_path: trusted
CREATE FUNCTION public.masked(t text) RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog AS $$ SELECT left(t, 4) || '***' $$;

-- What the last statements logged, with the recipient
CREATE TABLE mark (id bigint);
INSERT INTO mark VALUES (0);
CREATE FUNCTION logged() RETURNS TABLE (recipient text, subject text, data_items text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM compliance.flush_disclosures();
    RETURN QUERY SELECT l.recipient::text, l.subject, l.data_items::text FROM compliance.disclosure_log l
                 WHERE l.source = 'capture' AND l.id > (SELECT m.id FROM mark m)
                 ORDER BY 1, l.subject::int, 3;
    UPDATE mark SET id = (SELECT coalesce(max(l.id), 0) FROM compliance.disclosure_log l);
END
$$;
GRANT SELECT, UPDATE ON mark TO copy_app;
GRANT SELECT ON compliance.disclosure_log TO copy_app;

SET ROLE copy_app;
SET compliance.purpose = 'billing';
SET compliance.recipient = 'bureau';

-- 1. Copies into another table: refused, whatever the form, with or
-- without RETURNING; nothing is written, nothing logged.
\set VERBOSITY default
INSERT INTO outbox SELECT id + 10, phone FROM patients;
\set VERBOSITY terse
INSERT INTO outbox SELECT id + 10, phone FROM patients RETURNING x;
UPDATE outbox o SET x = p.phone FROM patients p WHERE p.id = o.id;
UPDATE outbox o SET x = x FROM patients p WHERE p.id = o.id RETURNING o.id, p.name;
DELETE FROM outbox o USING (SELECT id, phone FROM patients) p WHERE p.id = o.id RETURNING p.phone;
MERGE INTO outbox o USING patients p ON o.id = p.id
 WHEN MATCHED THEN UPDATE SET x = p.phone WHEN NOT MATCHED THEN INSERT VALUES (p.id, p.phone);
INSERT INTO outbox VALUES (50, (SELECT phone FROM patients WHERE id = 1));
DELETE FROM outbox WHERE id IN (SELECT id FROM patients WHERE phone LIKE '%2');
-- through a CTE, a view or a data-modifying CTE on the protected table
WITH s AS (SELECT phone FROM patients) INSERT INTO outbox SELECT 99, phone FROM s LIMIT 1;
WITH d AS (DELETE FROM patients WHERE id = 1 RETURNING *) INSERT INTO outbox SELECT 99, phone FROM d;
WITH s AS (SELECT phone FROM patients WHERE id = 1), i AS (INSERT INTO outbox SELECT 99, phone FROM s RETURNING x)
SELECT * FROM i;
-- through a SQL function the planner inlines (no call is left to check)
CREATE FUNCTION app.all_patients() RETURNS SETOF patients LANGUAGE sql STABLE
AS $$ SELECT * FROM patients $$;
INSERT INTO outbox SELECT id + 10, phone FROM app.all_patients();
-- the protected table copied into itself: what RETURNING shows is not the
-- subject of the row returned
UPDATE patients SET name = (SELECT p2.phone FROM patients p2 WHERE p2.id = 2) WHERE id = 1 RETURNING name;
INSERT INTO patients SELECT id + 10, name, phone FROM patients RETURNING id;
SELECT count(*) AS outbox_rows, count(*) FILTER (WHERE x LIKE '+375%') AS copied FROM outbox;
SELECT * FROM logged();

-- 2. What a data-modifying statement may do under a recipient: change a
-- protected table (its RETURNING is captured), read unprotected tables.
BEGIN;
UPDATE patients SET phone = phone WHERE id = 1 RETURNING name;
INSERT INTO patients VALUES (2, 'name 2', '+375 2') ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING phone;
INSERT INTO patients SELECT id + 20, x, x FROM outbox WHERE id = 1 RETURNING id;
MERGE INTO patients p USING outbox o ON o.id = p.id AND o.id = 3 WHEN MATCHED THEN UPDATE SET name = p.name;
WITH d AS (DELETE FROM patients WHERE id = 4 RETURNING id, phone) SELECT * FROM d;
UPDATE outbox SET x = x WHERE id = 1 RETURNING *;
ROLLBACK;
SELECT * FROM logged();

-- 3. Without a recipient the application copies as before.
RESET compliance.recipient;
BEGIN;
INSERT INTO outbox SELECT id + 10, phone FROM patients;
UPDATE outbox o SET x = p.phone FROM patients p WHERE p.id = o.id;
MERGE INTO outbox o USING patients p ON o.id = p.id WHEN MATCHED THEN UPDATE SET x = p.name;
SELECT count(*) FROM outbox WHERE x LIKE '+375%' OR x LIKE 'name%';
ROLLBACK;
SET compliance.recipient = 'bureau';

-- 4. Functions that are not built in, the extension's or a trusted
-- superuser's are refused in a statement reading a protected table: they
-- see values before the capture, and could show them for rows never
-- returned.
CREATE FUNCTION app.leak(t text) RETURNS boolean LANGUAGE plpgsql COST 1
AS $$ BEGIN RAISE NOTICE 'leaked %', t; RETURN true; END $$;
CREATE FUNCTION app.leak_sql(t text) RETURNS boolean LANGUAGE sql
AS $$ SELECT app.leak(t) $$;
CREATE FUNCTION app.rows() RETURNS SETOF patients LANGUAGE sql
AS $$ SELECT * FROM patients WHERE app.leak(phone) $$;
CREATE DOMAIN app.checked AS text CHECK (app.leak(VALUE));
CREATE FUNCTION app.eq(text, text) RETURNS boolean LANGUAGE plpgsql
AS $$ BEGIN RAISE NOTICE 'leaked %', $1; RETURN $1 = $2; END $$;
CREATE OPERATOR app.=== (LEFTARG = text, RIGHTARG = text, FUNCTION = app.eq);
CREATE AGGREGATE app.collect(text) (SFUNC = textcat, STYPE = text, FINALFUNC = app.leak);
CREATE FUNCTION pg_temp.leak(t text) RETURNS boolean LANGUAGE plpgsql COST 1
AS $$ BEGIN RAISE NOTICE 'leaked %', t; RETURN true; END $$;
\set VERBOSITY default
SELECT id FROM patients WHERE app.leak(phone) AND id = 0;
\set VERBOSITY terse
SELECT id, app.leak(name) FROM patients WHERE id = 1;
SELECT id FROM patients WHERE app.leak_sql(phone) AND id = 0;
-- the body of an inlined SQL function, in which the planner finds the table
SELECT id FROM app.rows() WHERE id = 0;
SELECT phone::app.checked FROM patients WHERE id = 0;
SELECT id FROM patients WHERE phone OPERATOR(app.===) 'x';
SELECT app.collect(phone) FROM patients;
SELECT o.id FROM outbox o WHERE EXISTS (SELECT 1 FROM patients p WHERE p.id = o.id AND app.leak(p.phone));
UPDATE patients SET name = name WHERE app.leak(phone) RETURNING id;
-- a temporary function (its schema's name varies: the SQLSTATE only)
\set VERBOSITY sqlstate
SELECT id FROM patients WHERE pg_temp.leak(phone) AND id = 0;
\set VERBOSITY terse
SELECT * FROM logged();
-- built-in functions and a trusted superuser's are allowed, and captured
SELECT id, upper(name), masked(phone) FROM patients WHERE id = 1;
SELECT * FROM logged();
-- an unprotected table, or no recipient: as before
SELECT id FROM outbox WHERE app.leak(x) AND id = 1;
RESET compliance.recipient;
SELECT id FROM patients WHERE app.leak(phone) AND id = 1;
SET compliance.recipient = 'bureau';

-- 5. A data error while protected rows are read for a recipient may show
-- a value of a row never returned (a failed cast): its SQLSTATE is kept,
-- its text withheld, also from an EXCEPTION block that catches it.
\set VERBOSITY default
SELECT id FROM patients WHERE phone::int > 0;
\set VERBOSITY terse
SELECT id FROM patients WHERE id = 1 AND 1 / (id - 1) > 0;
BEGIN;
INSERT INTO patients VALUES (1, 'again', '+375 0') RETURNING id;
ROLLBACK;
CREATE FUNCTION pg_temp.caught() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM patients WHERE phone::int > 0;
    RETURN 'no error';
EXCEPTION WHEN others THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT pg_temp.caught();
-- so is an error of another class that can show one (a tsquery's syntax,
-- a missing relation named by a value), and a volatile built-in function
-- given values of the rows (its side effects could carry them out) is
-- refused
SELECT id FROM patients WHERE to_tsquery(phone || ' &') IS NULL;
SELECT id FROM patients WHERE ('"' || name || '"')::regclass IS NULL;
SELECT 1 FROM patients WHERE set_config('x.a', name, false) IS NULL;
SELECT id FROM patients WHERE pg_notify('ch', phone) IS NULL;
SELECT id, set_config('x.b', '1', false) FROM patients WHERE id = 1;
-- given the outer row's value through LATERAL or a sublink, too
SELECT 1 FROM patients p, LATERAL (SELECT set_config('x.l', p.phone, false) v OFFSET 0) s WHERE s.v IS NULL;
SELECT 1 FROM patients p WHERE EXISTS (SELECT 1 WHERE set_config('x.e', p.phone, false) IS NULL);
-- the extension's own input functions and checks echo what they are
-- given, and PostgreSQL's internal errors may name a value: withheld too
SELECT 1 FROM patients p WHERE id = 2 AND p.phone::compliance.purpose IS NULL;
SELECT 1 FROM patients p WHERE id = 3 AND compliance.check_lang(p.phone) IS NULL;
SELECT 1 FROM patients p WHERE id = 2 AND pg_describe_object(regexp_replace(p.phone, E'\\D', '', 'g')::oid, 1, 0) IS NULL;
SELECT * FROM logged();
-- an error of a statement reading no protected table, or without a
-- recipient, is told as it is
SELECT x::int FROM outbox WHERE id = 1;
RESET compliance.recipient;
SELECT id FROM patients WHERE phone::int > 0;
SELECT pg_temp.caught();
SET compliance.recipient = 'bureau';

-- 6. Cursors are read under the recipient they were opened for.
RESET compliance.recipient;
BEGIN;
DECLARE c CURSOR FOR SELECT id, phone FROM patients ORDER BY id;
FETCH 1 FROM c;
SET compliance.recipient = 'bureau';
\set VERBOSITY default
FETCH 1 FROM c;
\set VERBOSITY terse
ROLLBACK;
SET compliance.recipient = 'bureau';
BEGIN;
DECLARE c CURSOR FOR SELECT id, phone FROM patients ORDER BY id;
FETCH 1 FROM c;
SAVEPOINT s;
SET LOCAL compliance.recipient = 'agency';
FETCH 1 FROM c;
ROLLBACK TO s;
MOVE 1 IN c;
SET LOCAL compliance.recipient = 'agency';
MOVE 1 IN c;
ROLLBACK TO s;
-- back under the recipient of the DECLARE: read and logged for it
FETCH 1 FROM c;
RESET compliance.recipient;
FETCH 1 FROM c;
ROLLBACK;
SELECT * FROM logged();
-- a cursor over an unprotected table is not concerned
BEGIN;
DECLARE c CURSOR FOR SELECT * FROM outbox ORDER BY id;
SET LOCAL compliance.recipient = 'agency';
FETCH 1 FROM c;
ROLLBACK;
-- a PL/pgSQL cursor, and a loop over a query, fetched after the recipient changed
CREATE FUNCTION pg_temp.fetch_later() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    c refcursor;
    r record;
BEGIN
    c := 'later';
    OPEN c FOR SELECT * FROM patients ORDER BY id;
    FETCH c INTO r;
    PERFORM set_config('compliance.recipient', 'agency', true);
    FETCH c INTO r;
    RETURN r.phone;
END
$$;
CREATE FUNCTION pg_temp.loop_later() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n int := 0;
BEGIN
    FOR r IN SELECT p.phone FROM patients p, generate_series(1, 20) LOOP
        n := n + 1;
        IF n = 1 THEN
            PERFORM set_config('compliance.recipient', 'agency', true);
        END IF;
    END LOOP;
    RETURN n;
END
$$;
RESET compliance.recipient;
\set VERBOSITY default
SELECT pg_temp.fetch_later();
\set VERBOSITY terse
SELECT pg_temp.loop_later();
SET compliance.recipient = 'bureau';
SELECT pg_temp.fetch_later();
SELECT * FROM logged();
-- a SQL function plans its statements when it starts: one that sets the
-- recipient would run a plan made without the capture (from PostgreSQL
-- 18 it plans each statement when it reaches it, so the read is planned,
-- and captured, for the recipient just set: expected/capture_copy_1.out)
CREATE FUNCTION pg_temp.set_then_read() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT set_config('compliance.recipient', 'bureau', false);
    SELECT phone FROM patients WHERE id < 3;
$$;
RESET compliance.recipient;
\set VERBOSITY default
SELECT * FROM pg_temp.set_then_read();
\set VERBOSITY terse
SHOW compliance.recipient;
SET compliance.recipient = 'agency';
SELECT * FROM pg_temp.set_then_read();
SET compliance.recipient = 'bureau';
SELECT * FROM pg_temp.set_then_read();
SELECT * FROM logged();
RESET ROLE;

-- A cursor WITH HOLD (only with enforcement off): its rows are computed
-- and captured at commit, for the recipient of its DECLARE.
SET compliance.enforce = off;
SET compliance.purpose = 'billing';
SET compliance.recipient = 'bureau';
DECLARE h CURSOR WITH HOLD FOR SELECT id, name FROM patients WHERE id <= 2 ORDER BY id;
FETCH 1 FROM h;
SET compliance.recipient = 'agency';
FETCH 1 FROM h;
MOVE BACKWARD 1 IN h;
SET compliance.recipient = 'bureau';
FETCH 1 FROM h;
CLOSE h;
SELECT * FROM logged();
-- the recipient changed before the commit that computes its rows
BEGIN;
DECLARE h CURSOR WITH HOLD FOR SELECT id, name FROM patients WHERE id <= 2 ORDER BY id;
SET compliance.recipient = 'agency';
COMMIT;
FETCH 1 FROM h;
SELECT * FROM logged();

-- 6. Changes to a protected table itself: the rows returned or changed
-- are logged with every column the statement read (its filter, its SET
-- expressions, its RETURNING): the command tag or the rows returned tell
-- the recipient which rows matched.  Returning rows of a changed key is
-- refused: they would be logged under the new key with the old subject's
-- values.
SET compliance.recipient = 'bureau';
SELECT count(*) FROM logged();
BEGIN;
UPDATE patients SET phone = phone WHERE id = 1 AND name LIKE 'A%';
DELETE FROM patients WHERE id = 2 AND phone LIKE '+375%';
UPDATE patients SET phone = name WHERE id = 3 RETURNING phone;
UPDATE patients SET id = id + 100 WHERE id = 4;
UPDATE patients SET id = id + 100 WHERE id = 1 RETURNING name;
ROLLBACK;
BEGIN;
INSERT INTO patients VALUES (1, 'x', 'y') ON CONFLICT (id) DO UPDATE SET id = 55 RETURNING phone;
ROLLBACK;
-- a correlated subquery of RETURNING reads columns too
BEGIN;
DELETE FROM patients p WHERE id = 2 RETURNING (SELECT p.phone || ' ' || p.name);
ROLLBACK;
-- conditions that decide which rows change, where no capture can follow
-- them: refused
BEGIN;
INSERT INTO patients VALUES (2, 'z', 'z') ON CONFLICT (id) DO UPDATE SET phone = patients.phone WHERE patients.phone = '+375 2';
ROLLBACK;
BEGIN;
MERGE INTO patients g USING (VALUES (1)) v(i) ON g.id = v.i WHEN MATCHED AND g.phone = '+375 1' THEN UPDATE SET phone = g.phone;
ROLLBACK;
BEGIN;
INSERT INTO patients VALUES (2, 'z', 'z') ON CONFLICT (id) DO NOTHING;
ROLLBACK;
SELECT * FROM logged();
-- 7. What the log cannot hold is refused, not cut: a subject key over
-- 1024 bytes (two keys cut to one prefix would be one subject), a permit
-- reference over 500 bytes.
RESET ROLE;
CREATE TABLE cards (card text PRIMARY KEY, note text);
INSERT INTO cards VALUES (repeat('€', 400) || 'A', 'note A'), ('short', 'note short');
SELECT compliance.protect('cards', 'card');
GRANT SELECT ON cards TO copy_app;
SET ROLE copy_app;
SET compliance.recipient = 'bureau';
SELECT note FROM cards WHERE card = 'short';
SELECT note FROM cards ORDER BY note;
SELECT compliance.flush_disclosures();
SELECT subject, data_items FROM compliance.disclosure_log WHERE source_table = 'public.cards' ORDER BY id;
SET compliance.transfer_permit = 'NCPD permit 2024/17';
SELECT set_config('compliance.transfer_permit', repeat('é', 300), false);
RESET compliance.transfer_permit;
RESET ROLE;
RESET compliance.recipient;
RESET compliance.purpose;
RESET compliance.enforce;

SELECT ledger, ok FROM compliance.verify_ledger() ORDER BY ledger;
DROP OWNED BY copy_app;
DROP FUNCTION logged(), masked(text);
DROP TABLE mark, outbox, patients, cards;
DROP EXTENSION compliance CASCADE;
DROP ROLE copy_app;
