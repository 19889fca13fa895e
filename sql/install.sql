-- Installation: the extension creates its schema, roles and registry.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
SELECT extname, extversion, extrelocatable, nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'compliance';
SELECT compliance.library_version();
SHOW compliance.enforce;
SHOW compliance.on_blocked_read;
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'compliance\_%' ORDER BY 1;

-- The installed objects are the documented ones: doc/reference.md lists
-- every member of the extension (its section "Objects of the extension",
-- in the form of \dx+), and every function signature it gives (a schema-
-- qualified name, the arguments, an arrow and the result) names an
-- existing function.  Types that come with another object (a table's row
-- type, an array type), which PostgreSQL 17 and later also record as
-- members, are that object's and are left out.
SET search_path = public;
\getenv abs_srcdir PG_ABS_SRCDIR
\set reference :abs_srcdir '/doc/reference.md'
CREATE TEMP TABLE reference AS SELECT pg_read_file(:'reference') AS doc;
CREATE TEMP VIEW members AS
SELECT pg_describe_object(d.classid, d.objid, 0) AS object
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'compliance')
   AND NOT EXISTS (SELECT FROM pg_type t
                    WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
                      AND (t.typrelid <> 0 AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c'
                           OR t.typelem <> 0 AND t.oid = (SELECT typarray FROM pg_type WHERE oid = t.typelem)));
CREATE TEMP VIEW documented_objects AS
SELECT line AS object
  FROM reference,
       regexp_split_to_table(split_part(split_part(split_part(doc, E'\n## Objects of the extension\n', 2),
                                                   E'```text\n', 2), '```', 1), E'\n') AS line
 WHERE line <> '';
SELECT count(*) > 250 AS listed FROM documented_objects;
-- members missing from the list, listed objects that do not exist
SELECT 'not documented' AS problem, object FROM members
EXCEPT SELECT 'not documented', object FROM documented_objects
UNION ALL
(SELECT 'does not exist', object FROM documented_objects
 EXCEPT SELECT 'does not exist', object FROM members)
ORDER BY 1, 2;
-- Each argument of a signature is "name type DEFAULT ...", a type, or a
-- name; types may be written without the schema (purpose_set).
CREATE TEMP VIEW documented_signatures AS
SELECT m[1] AS name, m[2] AS args,
       array(SELECT CASE WHEN a ~ ' ' THEN substr(a, strpos(a, ' ') + 1) ELSE a END
               FROM unnest(string_to_array(m[2], ', ')) WITH ORDINALITY AS u(arg, n),
                    regexp_replace(u.arg, ' DEFAULT .*$', '') AS a
              ORDER BY u.n) AS types,
       array(SELECT split_part(regexp_replace(u.arg, ' DEFAULT .*$', ''), ' ', 1)
               FROM unnest(string_to_array(m[2], ', ')) WITH ORDINALITY AS u(arg, n)
              ORDER BY u.n) AS argnames
  FROM reference,
       regexp_matches(regexp_replace(doc, E'\n\\s*', ' ', 'g'),
                      'compliance\.(\w+)\(((?:[^()]|\(\))*)\) →', 'g') AS m;
SELECT count(*) > 50 AS signatures FROM documented_signatures;
-- signatures that name no function of the extension
SELECT s.name || '(' || s.args || ')' AS no_such_function
  FROM documented_signatures s
 WHERE NOT EXISTS (
        SELECT FROM pg_proc p
         WHERE p.pronamespace = 'compliance'::regnamespace AND p.proname = s.name
           AND p.pronargs = cardinality(s.types)
           AND NOT EXISTS (
                SELECT FROM generate_subscripts(s.types, 1) AS i,
                       coalesce(to_regtype(s.types[i]), to_regtype('compliance.' || s.types[i])) AS t
                 WHERE CASE WHEN t IS NULL THEN p.proargnames[i] IS DISTINCT FROM s.argnames[i]
                            ELSE p.proargtypes[i - 1] <> t END))
 ORDER BY 1;
RESET search_path;
DROP EXTENSION compliance;
