-- bench/scale/history_ext.sql (pgbench): Art. 12.2, to whom the data of one
-- random subject were provided in the year before today
-- (compliance.disclosure_history over the partitioned, hash-chained log).
\set s random(1, :subjects)
SELECT * FROM compliance.disclosure_history(:s::text);
