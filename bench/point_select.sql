-- bench/point_select.sql (pgbench): one row by primary key, at random
-- among the rows of consenting subjects, so that every variant returns
-- exactly one row.  The rows of subjects without consent are those whose
-- id ends in 9 (see setup_tables.sql); k numbers the others, 9 in every
-- 10, and maps to an id ending in 1 to 8 or 0.
-- pgbench variable: visible (= 9/10 of the rows).  And table, substituted
-- as text, which needs -M simple (the default).
\set k random(0, :visible - 1)
\set r :k % 9
\set id (:k / 9) * 10 + :r + 1 + :r / 8
SELECT * FROM :table WHERE id = :id;
