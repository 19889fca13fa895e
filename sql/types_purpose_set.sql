-- compliance.purpose_set: a set of registered purposes.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;

-- Registration order is id order, and the canonical order of members.
SELECT compliance.register_purpose('payroll', 'Payroll', 'labour_relations');
SELECT compliance.register_purpose('marketing', 'Marketing e-mails');
SELECT compliance.register_purpose('analytics', 'Usage analytics');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject');
SELECT compliance.register_purpose('support', 'Customer support');
SELECT compliance.register_purpose('research', 'Product research');
SELECT compliance.register_purpose('security', 'Fraud prevention');
SELECT compliance.register_purpose('delivery', 'Parcel delivery');
SELECT id, code FROM compliance.purposes ORDER BY id;

--
-- Text input and output
--

-- canonical order, duplicates, empty set, bare code, whitespace, quotes
SELECT v AS literal, v::compliance.purpose_set AS canonical,
       v::compliance.purpose_set::text::compliance.purpose_set
           = v::compliance.purpose_set AS round_trip
  FROM (VALUES ('{}'), ('{ }'), ('{marketing}'), ('{marketing,payroll}'),
               ('{delivery,support,billing,analytics,marketing,payroll}'),
               ('{marketing,marketing,payroll,marketing}'),
               ('marketing'), ('  billing  '), ('"billing"'),
               ('  { marketing ,  payroll }  '), (E'\t{\nbilling\r,\fsupport\x0b}\n'),
               ('{"marketing",payroll,"analytics"}')) t(v);
SELECT NULL::compliance.purpose_set IS NULL AS null_ok;

-- a bare code makes "@> 'marketing'" work
SELECT '{marketing,payroll}'::compliance.purpose_set @> 'marketing' AS has_marketing,
       '{marketing,payroll}'::compliance.purpose_set @> 'billing' AS has_billing;

-- malformed literals: 22P02 with the position and what was expected
SELECT '{marketing'::compliance.purpose_set;
SELECT '{marketing,,payroll}'::compliance.purpose_set;
SELECT '{{marketing}}'::compliance.purpose_set;
SELECT '{Marketing}'::compliance.purpose_set;
SELECT '{marketing,}'::compliance.purpose_set;
SELECT '{ma rketing}'::compliance.purpose_set;
SELECT ('{' || repeat('m', 64) || '}')::compliance.purpose_set;
SELECT E'{\xc3\xa9}'::compliance.purpose_set;
SELECT ''::compliance.purpose_set;
SELECT '{marketing}}'::compliance.purpose_set;
SELECT 'marketing,payroll'::compliance.purpose_set;
SELECT '{"marketing}'::compliance.purpose_set;
SELECT '{""}'::compliance.purpose_set;
SELECT '{1st}'::compliance.purpose_set;
-- a syntax error is reported even after an unknown code
SELECT '{unknown,}'::compliance.purpose_set;
-- unknown members: the registry's error, naming the code
SELECT '{marketing,unknown}'::compliance.purpose_set;
SELECT 'unknown'::compliance.purpose_set;

-- huge inputs: errors without a crash, or a valid set
DO $$
DECLARE
    v_input text;
    v_detail text;
BEGIN
    FOREACH v_input IN ARRAY ARRAY[
        '{' || repeat('a', 1024 * 1024) || '}',
        repeat('{', 1024 * 1024),
        '{' || repeat('marketing,', 100000) || repeat('}', 1024 * 1024),
        repeat(' ', 1024 * 1024) || '{'
    ] LOOP
        BEGIN
            PERFORM v_input::compliance.purpose_set;
            RAISE NOTICE 'accepted % bytes', length(v_input);
        EXCEPTION WHEN invalid_text_representation THEN
            GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
            RAISE NOTICE 'rejected % bytes (%): %', length(v_input), SQLSTATE, v_detail;
        END;
    END LOOP;
END
$$;
SELECT length(('{' || repeat('marketing, payroll,', 100000) || 'billing}')) AS bytes,
       ('{' || repeat('marketing, payroll,', 100000) || 'billing}')::compliance.purpose_set AS set;

--
-- Casts and functions
--
SELECT 'marketing'::compliance.purpose::compliance.purpose_set AS from_purpose,
       ARRAY['billing', 'payroll', 'billing']::compliance.purpose[]::compliance.purpose_set AS from_array,
       ARRAY[]::compliance.purpose[]::compliance.purpose_set AS from_empty_array,
       compliance.purpose_set('support'::compliance.purpose) AS function_style;
SELECT ARRAY['billing', NULL]::compliance.purpose[]::compliance.purpose_set;
-- the purpose -> purpose_set cast is an assignment cast
CREATE TABLE ps_assign (ps compliance.purpose_set);
INSERT INTO ps_assign VALUES ('security'::compliance.purpose);
SELECT ps FROM ps_assign;
DROP TABLE ps_assign;

SELECT v AS set, compliance.cardinality(v) AS cardinality,
       ARRAY(SELECT compliance.purposes(v)) AS members
  FROM (VALUES ('{}'::compliance.purpose_set), ('{billing}'),
               ('{delivery,payroll,support}')) t(v);
SELECT p, pg_typeof(p)
  FROM compliance.purposes('{support,payroll}'::compliance.purpose_set) AS p;

--
-- Operators
--
SELECT a, b, a @> b AS "@>", a <@ b AS "<@", a && b AS "&&", a = b AS "=",
       a <> b AS "<>", a + b AS "+", a - b AS "-", a * b AS "*"
  FROM (VALUES ('{marketing,payroll}'::compliance.purpose_set, '{marketing}'::compliance.purpose_set),
               ('{marketing}', '{marketing,payroll}'),
               ('{marketing}', '{billing}'),
               ('{payroll,billing}', '{billing,payroll}'),
               ('{marketing,analytics}', '{analytics,support}'),
               ('{}', '{}'),
               ('{}', '{marketing}'),
               ('{marketing}', '{}')) t(a, b);

-- with a single purpose
SELECT s, p, s @> p AS "set @> purpose", p <@ s AS "purpose <@ set",
       s + p AS "set + purpose", s - p AS "set - purpose"
  FROM (VALUES ('{marketing,payroll}'::compliance.purpose_set, 'marketing'::compliance.purpose),
               ('{marketing,payroll}', 'billing'),
               ('{}', 'billing')) t(s, p);

-- strictness
SELECT NULL::compliance.purpose_set @> '{}' AS null_contains,
       '{marketing}'::compliance.purpose_set + NULL::compliance.purpose_set AS null_union;

-- ordering: member id lists compared element by element, a prefix first
SELECT a, b, a < b AS "<", a <= b AS "<=", a > b AS ">", a >= b AS ">=",
       compliance.purpose_set_cmp(a, b) AS cmp
  FROM (VALUES ('{}'::compliance.purpose_set, '{payroll}'::compliance.purpose_set),
               ('{payroll}', '{payroll,marketing}'),
               ('{payroll,analytics}', '{payroll,marketing,billing}'),
               ('{marketing}', '{payroll,marketing}'),
               ('{billing,payroll}', '{payroll,billing}')) t(a, b);

--
-- btree: ORDER BY and UNIQUE
--
CREATE TABLE ps_sorted (ps compliance.purpose_set UNIQUE);
INSERT INTO ps_sorted VALUES ('{support}'), ('{payroll,marketing}'), ('{}'),
    ('{marketing}'), ('{analytics}'), ('{payroll,analytics}'), ('{payroll}'),
    ('{payroll,marketing,analytics}'), ('{delivery}');
SELECT ps FROM ps_sorted ORDER BY ps;
SELECT ps FROM ps_sorted ORDER BY ps DESC LIMIT 3;
INSERT INTO ps_sorted VALUES ('{marketing,payroll}');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT ps FROM ps_sorted WHERE ps = '{marketing,payroll}';
SELECT ps FROM ps_sorted WHERE ps = '{marketing,payroll}';
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT ps FROM ps_sorted WHERE ps < '{payroll,analytics}' ORDER BY ps;
SELECT ps FROM ps_sorted WHERE ps < '{payroll,analytics}' ORDER BY ps;
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE ps_sorted;

--
-- GIN, hash and seq scans agree with an independent oracle: every subset
-- of the eight purposes, as a bit mask (bit k-1 = k-th registered purpose)
--
CREATE FUNCTION ps_of_mask(mask integer) RETURNS compliance.purpose_set
    LANGUAGE sql STABLE STRICT
AS $$
    SELECT compliance.purpose_set(coalesce(array_agg(code::compliance.purpose), '{}'))
      FROM unnest('{payroll,marketing,analytics,billing,support,research,security,delivery}'::text[])
           WITH ORDINALITY AS u(code, k)
     WHERE mask & (1 << (k::integer - 1)) <> 0
$$;
SELECT ps_of_mask(0) AS m0, ps_of_mask(5) AS m5, ps_of_mask(255) AS m255;

CREATE TABLE gin_sets AS
SELECT i AS id,
       CASE WHEN i % 500 <> 0 THEN (i * 97) % 256 END AS mask,
       CASE WHEN i % 500 <> 0 THEN ps_of_mask((i * 97) % 256) END AS ps
  FROM generate_series(1, 4000) i;
CREATE INDEX gin_sets_ps ON gin_sets USING gin (ps);
ANALYZE gin_sets;
SELECT count(*) AS rows, count(ps) AS non_null, count(DISTINCT mask) AS distinct_masks
  FROM gin_sets;

CREATE TABLE gin_queries AS
SELECT qmask, ps_of_mask(qmask) AS q FROM generate_series(0, 255) qmask;

-- a fingerprint of the matching rows: count, sum of ids, sum of squares
CREATE VIEW gin_check AS
SELECT q.qmask,
       (SELECT count(*) || '/' || coalesce(sum(id), 0) || '/' || coalesce(sum(id * id), 0)
          FROM gin_sets s WHERE s.ps @> q.q) AS contains,
       (SELECT count(*) || '/' || coalesce(sum(id), 0) || '/' || coalesce(sum(id * id), 0)
          FROM gin_sets s WHERE s.ps && q.q) AS overlaps,
       (SELECT count(*) || '/' || coalesce(sum(id), 0) || '/' || coalesce(sum(id * id), 0)
          FROM gin_sets s WHERE s.ps <@ q.q) AS contained,
       (SELECT count(*) || '/' || coalesce(sum(id), 0) || '/' || coalesce(sum(id * id), 0)
          FROM gin_sets s WHERE s.ps = q.q) AS equal
  FROM gin_queries q;
CREATE VIEW gin_oracle AS
SELECT q.qmask,
       (SELECT count(*) || '/' || coalesce(sum(id), 0) || '/' || coalesce(sum(id * id), 0)
          FROM gin_sets s WHERE s.mask & q.qmask = q.qmask) AS contains,
       (SELECT count(*) || '/' || coalesce(sum(id), 0) || '/' || coalesce(sum(id * id), 0)
          FROM gin_sets s WHERE s.mask & q.qmask <> 0) AS overlaps,
       (SELECT count(*) || '/' || coalesce(sum(id), 0) || '/' || coalesce(sum(id * id), 0)
          FROM gin_sets s WHERE s.mask & ~q.qmask = 0) AS contained,
       (SELECT count(*) || '/' || coalesce(sum(id), 0) || '/' || coalesce(sum(id * id), 0)
          FROM gin_sets s WHERE s.mask = q.qmask) AS equal
  FROM gin_queries q;

-- sequential scans
SET enable_bitmapscan = off;
SET enable_indexscan = off;
CREATE TABLE gin_by_seqscan AS SELECT * FROM gin_check;
RESET enable_bitmapscan;
RESET enable_indexscan;
-- index scans (gin_queries itself has no index: its scan stays sequential,
-- and PostgreSQL 18 marks it "Disabled: true", a line left out here so that
-- the plan reads the same on every version)
SET enable_seqscan = off;
CREATE FUNCTION plan_of(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        IF line !~ '^\s*Disabled: true$' THEN
            RETURN NEXT line;
        END IF;
    END LOOP;
END $$;
SELECT plan_of('SELECT * FROM gin_check') AS "QUERY PLAN";
DROP FUNCTION plan_of(text);
CREATE TABLE gin_by_index AS SELECT * FROM gin_check;
SELECT (SELECT count(*) FROM gin_by_seqscan) AS queries,
       (SELECT count(*) FROM (TABLE gin_by_seqscan EXCEPT TABLE gin_oracle) d) AS seqscan_wrong,
       (SELECT count(*) FROM (TABLE gin_by_index EXCEPT TABLE gin_by_seqscan) d) AS index_wrong;
SELECT * FROM gin_by_index WHERE qmask IN (0, 1, 6, 255) ORDER BY qmask;

-- each strategy with a constant query
EXPLAIN (COSTS OFF) SELECT count(*) FROM gin_sets WHERE ps @> '{marketing,billing}';
SELECT count(*) FROM gin_sets WHERE ps @> '{marketing,billing}';
EXPLAIN (COSTS OFF) SELECT count(*) FROM gin_sets WHERE ps && '{marketing,billing}';
SELECT count(*) FROM gin_sets WHERE ps && '{marketing,billing}';
EXPLAIN (COSTS OFF) SELECT count(*) FROM gin_sets WHERE ps <@ '{marketing,billing}';
SELECT count(*) FROM gin_sets WHERE ps <@ '{marketing,billing}';
EXPLAIN (COSTS OFF) SELECT count(*) FROM gin_sets WHERE ps = '{marketing,billing}';
SELECT count(*) FROM gin_sets WHERE ps = '{marketing,billing}';
EXPLAIN (COSTS OFF) SELECT count(*) FROM gin_sets WHERE ps = '{}';
SELECT count(*) FROM gin_sets WHERE ps = '{}';
EXPLAIN (COSTS OFF) SELECT count(*) FROM gin_sets WHERE ps @> 'billing'::compliance.purpose;
SELECT count(*) FROM gin_sets WHERE ps @> 'billing'::compliance.purpose;
-- the commutators are used too
EXPLAIN (COSTS OFF) SELECT count(*) FROM gin_sets WHERE 'billing'::compliance.purpose <@ ps;
SELECT count(*) FROM gin_sets WHERE 'billing'::compliance.purpose <@ ps;
EXPLAIN (COSTS OFF) SELECT count(*) FROM gin_sets WHERE '{marketing,billing}' <@ ps;
SELECT count(*) FROM gin_sets WHERE '{marketing,billing}' <@ ps;
RESET enable_seqscan;
SELECT count(*) FILTER (WHERE mask & 10 = 10) AS "@>",
       count(*) FILTER (WHERE mask & 10 <> 0) AS "&&",
       count(*) FILTER (WHERE mask & ~10 = 0) AS "<@",
       count(*) FILTER (WHERE mask = 10) AS "=",
       count(*) FILTER (WHERE mask = 0) AS "= {}",
       count(*) FILTER (WHERE mask & 8 <> 0) AS "@> billing"
  FROM gin_sets;

-- hash: hashed GROUP BY groups exactly the equal sets, and a hash index
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT ps, min(mask), max(mask) FROM gin_sets GROUP BY ps;
SELECT count(*) AS groups, count(*) FILTER (WHERE lo <> hi) AS mixed_groups,
       sum(n) AS rows
  FROM (SELECT ps, min(mask) AS lo, max(mask) AS hi, count(*) AS n
          FROM gin_sets GROUP BY ps) g;
RESET enable_sort;
SELECT count(*) AS sets,
       count(*) FILTER (WHERE compliance.purpose_set_hash(ps)
                              <> compliance.purpose_set_hash_extended(ps, 0)::bit(32)::integer) AS hash_mismatch,
       count(DISTINCT compliance.purpose_set_hash(ps)) AS distinct_hashes,
       count(DISTINCT compliance.purpose_set_hash_extended(ps, 42)) AS distinct_hashes_seeded
  FROM (SELECT DISTINCT ps FROM gin_sets WHERE ps IS NOT NULL) d;
SELECT compliance.purpose_set_hash('{payroll,billing}') = compliance.purpose_set_hash('{billing,payroll,billing}') AS same_hash;
CREATE TABLE hash_sets AS SELECT id, ps FROM gin_sets;
CREATE INDEX hash_sets_ps ON hash_sets USING hash (ps);
ANALYZE hash_sets;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM hash_sets WHERE ps = '{marketing,billing}';
SELECT count(*) FROM hash_sets WHERE ps = '{marketing,billing}';
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE hash_sets;

-- the operator classes are valid
SELECT opc.opcname, am.amname, amvalidate(opc.oid)
  FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
 WHERE opc.opcintype = 'compliance.purpose_set'::regtype
 ORDER BY am.amname;

--
-- Storage: bitfield or ranges, whichever is shorter (ties: bitfield)
--
DO $$
BEGIN
    FOR i IN 1..300 LOOP
        PERFORM compliance.register_purpose(format('p%s', lpad(i::text, 3, '0')),
                                            format('Purpose %s', i));
    END LOOP;
END
$$;
SELECT count(*) AS purposes, min(id), max(id) FROM compliance.purposes;
CREATE TABLE storage_sets AS
SELECT name, compliance.purpose_set(ARRAY(
           SELECT code::compliance.purpose FROM compliance.purposes
            WHERE id BETWEEN lo AND hi AND (id - lo) % step = 0)) AS ps
  FROM (VALUES ('empty', 1, 0, 1),
               ('{1}', 1, 1, 1),
               ('{1..8}', 1, 8, 1),
               ('{1..9}', 1, 9, 1),
               ('{1..17}', 1, 17, 1),
               ('{2,4,..,16}', 2, 16, 2),
               ('{308}', 308, 308, 1),
               ('{1..308}', 1, 308, 1),
               ('{1,3,..,307}', 1, 307, 2),
               ('{1..100,200..308}', 1, 100, 1)) t(name, lo, hi, step);
UPDATE storage_sets SET ps = ps + compliance.purpose_set(ARRAY(
           SELECT code::compliance.purpose FROM compliance.purposes WHERE id >= 200))
 WHERE name = '{1..100,200..308}';
-- pg_column_size of a stored value counts a 1-byte header, of a computed
-- one a 4-byte header; then 1 encoding byte and the payload
SELECT name, compliance.cardinality(ps) AS members,
       pg_column_size(ps) AS stored_bytes,
       pg_column_size(ps::text::compliance.purpose_set) AS computed_bytes,
       ps::text::compliance.purpose_set = ps AS text_round_trip,
       left(ps::text, 40) AS text
  FROM storage_sets ORDER BY stored_bytes, name;
-- the stored bytes after the varlena header: the encoding byte (01
-- bitfield, 02 ranges), then the payload (see src/purpose_set.c)
CREATE EXTENSION pageinspect;
SELECT s.name, substr((tuple_data_split('storage_sets'::regclass, h.t_data, h.t_infomask,
                                        h.t_infomask2, h.t_bits))[2], 2) AS stored
  FROM heap_page_items(get_raw_page('storage_sets', 0)) h
  JOIN storage_sets s ON s.ctid = format('(0,%s)', h.lp)::tid
 ORDER BY pg_column_size(s.ps), s.name;
DROP EXTENSION pageinspect;
-- operators across encodings
SELECT a.name AS a, b.name AS b, a.ps @> b.ps AS "@>", a.ps && b.ps AS "&&",
       a.ps < b.ps AS "<", compliance.cardinality(a.ps + b.ps) AS "|a+b|",
       compliance.cardinality(a.ps - b.ps) AS "|a-b|",
       compliance.cardinality(a.ps * b.ps) AS "|a*b|",
       pg_column_size(a.ps * b.ps) AS "a*b bytes"
  FROM storage_sets a, storage_sets b
 WHERE a.name IN ('{1..308}', '{1,3,..,307}', '{1..100,200..308}')
   AND b.name IN ('{1,3,..,307}', '{1..17}', '{308}')
 ORDER BY 1, 2;
SELECT (SELECT ps FROM storage_sets WHERE name = '{1,3,..,307}')
       + compliance.purpose_set(ARRAY(SELECT code::compliance.purpose
                                        FROM compliance.purposes WHERE id % 2 = 0))
       = (SELECT ps FROM storage_sets WHERE name = '{1..308}') AS odd_plus_even_is_all;
SELECT 'p300'::compliance.purpose <@ ps AS has_p300,
       ps @> 'p299'::compliance.purpose AS has_p299,
       ps @> 'support'::compliance.purpose AS has_support
  FROM storage_sets WHERE name = '{1,3,..,307}';

-- the largest ids take three-byte varints
INSERT INTO compliance.purposes (id, code, title, legal_basis)
VALUES (65535, 'last_id', 'Largest id', 'consent'),
       (16384, 'id_16384', 'Id 2^14', 'consent');
SELECT v, v::compliance.purpose_set AS set,
       pg_column_size(v::compliance.purpose_set) AS bytes,
       v::compliance.purpose_set @> 'last_id'::compliance.purpose AS has_last_id,
       compliance.cardinality(v::compliance.purpose_set - 'last_id') AS without_last_id
  FROM (VALUES ('{last_id}'), ('{id_16384}'), ('{last_id,payroll,id_16384}')) t(v);

--
-- Binary I/O: the codes, so that it survives a different numbering
--
SELECT compliance.purpose_set_send('{marketing,payroll}') AS send,
       compliance.purpose_set_send('{}') AS send_empty;
CREATE TABLE bin_src (id integer, ps compliance.purpose_set);
INSERT INTO bin_src
SELECT id, ps FROM gin_sets WHERE id <= 300
UNION ALL
SELECT 1000 + row_number() OVER (ORDER BY name), ps FROM storage_sets
UNION ALL
SELECT 2000, NULL;
SELECT '/tmp/compliance_types_purpose_set_' || pg_backend_pid() || '.bin' AS binfile \gset
COPY bin_src TO :'binfile' (FORMAT binary);
CREATE TABLE bin_dst (LIKE bin_src);
COPY bin_dst FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE d.ps = s.ps) AS equal,
       count(*) FILTER (WHERE d.ps IS NULL AND s.ps IS NULL) AS both_null
  FROM bin_src s JOIN bin_dst d USING (id);

-- keep the text forms, then reinstall with the purposes numbered in reverse
CREATE TABLE bin_text AS SELECT id, ps::text AS t FROM bin_src;
DROP TABLE bin_src, bin_dst, storage_sets, gin_by_seqscan, gin_by_index;
DROP VIEW gin_check, gin_oracle;
DROP TABLE gin_sets, gin_queries;
DROP FUNCTION ps_of_mask(integer);
DROP EXTENSION compliance;
CREATE EXTENSION compliance;
DO $$
BEGIN
    FOR i IN REVERSE 300..1 LOOP
        PERFORM compliance.register_purpose(format('p%s', lpad(i::text, 3, '0')),
                                            format('Purpose %s', i));
    END LOOP;
END
$$;
SELECT compliance.register_purpose('delivery', 'Parcel delivery');
SELECT compliance.register_purpose('security', 'Fraud prevention');
SELECT compliance.register_purpose('research', 'Product research');
SELECT compliance.register_purpose('support', 'Customer support');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject');
SELECT compliance.register_purpose('analytics', 'Usage analytics');
SELECT compliance.register_purpose('marketing', 'Marketing e-mails');
SELECT compliance.register_purpose('payroll', 'Payroll', 'labour_relations');
SELECT code, id FROM compliance.purposes WHERE code IN ('p001', 'p300', 'payroll') ORDER BY id;
CREATE TABLE bin_moved (id integer, ps compliance.purpose_set);
COPY bin_moved FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows,
       count(*) FILTER (WHERE m.ps = b.t::compliance.purpose_set) AS same_members,
       count(*) FILTER (WHERE m.ps IS NULL AND b.t IS NULL) AS both_null,
       count(*) FILTER (WHERE m.ps::text <> b.t) AS now_in_other_order
  FROM bin_moved m JOIN bin_text b USING (id);
SELECT id, left(b.t, 50) AS before, left(m.ps::text, 50) AS after
  FROM bin_moved m JOIN bin_text b USING (id)
 WHERE id IN (6, 7, 1001, 1002, 1005, 2000) ORDER BY id;

-- malformed binary input: a bytea column's binary COPY field is raw bytes
CREATE TABLE bin_raw (b bytea);
CREATE TABLE bin_target (ps compliance.purpose_set);
SELECT set_config('regress.binfile', :'binfile', false) IS NOT NULL AS file_set;
DO $$
DECLARE
    v_bytes bytea;
BEGIN
    FOREACH v_bytes IN ARRAY ARRAY[
        '\x00000001000000096d61726b6574696e67',      -- {marketing}
        '\x00000000',                                -- {}
        '\x00000002000000096d61726b6574696e67000000096d61726b6574696e67', -- duplicate
        '\x0000000100000007756e6b6e6f776e',          -- unknown
        '\x000000010000000742696c6c696e67',          -- not a code
        '\x000000010000000361006d',                  -- a NUL byte
        '\xffffffff',                                -- count -1
        '\x00000002000000096d61726b6574696e67',      -- count 2, one member
        '\x0000000100000000ffff',                    -- length 0
        '\x0000000100000040' || convert_to(repeat('a', 64), 'UTF8'), -- length 64
        '\x000000000a',                              -- trailing byte
        '\x000000'                                   -- truncated
    ]::bytea[] LOOP
        BEGIN
            TRUNCATE bin_raw, bin_target;
            INSERT INTO bin_raw VALUES (v_bytes);
            EXECUTE format('COPY bin_raw TO %L (FORMAT binary)', current_setting('regress.binfile'));
            EXECUTE format('COPY bin_target FROM %L (FORMAT binary)', current_setting('regress.binfile'));
            RAISE NOTICE '%: accepted %', v_bytes, (SELECT ps FROM bin_target);
        EXCEPTION WHEN others THEN
            RAISE NOTICE '%: % (%)', v_bytes, SQLERRM, SQLSTATE;
        END;
    END LOOP;
END
$$;
-- leave an empty file behind
COPY (SELECT WHERE false) TO :'binfile';

--
-- every function and operator of the type is documented
--
CREATE VIEW purpose_set_functions AS
SELECT p.oid FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE l.lanname = 'c' AND p.probin = '$libdir/compliance'
   AND (p.prosrc LIKE 'purpose\_set\_%' OR p.prosrc = 'purpose_contained_in_set');
SELECT p.oid::regprocedure AS undocumented_function
  FROM purpose_set_functions p
 WHERE obj_description(p.oid, 'pg_proc') IS NULL;
SELECT o.oid::regoperator AS undocumented_operator
  FROM pg_operator o
 WHERE o.oprcode IN (SELECT oid FROM purpose_set_functions)
   AND obj_description(o.oid, 'pg_operator') IS NULL;
SELECT (SELECT count(*) FROM purpose_set_functions) AS functions,
       (SELECT count(*) FROM pg_operator o
         WHERE o.oprcode IN (SELECT oid FROM purpose_set_functions)) AS operators;
DROP VIEW purpose_set_functions;

DROP TABLE bin_text, bin_moved, bin_raw, bin_target;
DROP EXTENSION compliance CASCADE;
