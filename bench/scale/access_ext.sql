-- bench/scale/access_ext.sql (pgbench): the Art. 11 access report of one
-- random subject: its rows in the five protected tables, purposes and
-- consent status (compliance.subject_access).  pgbench variable: subjects.
\set s random(1, :subjects)
SELECT compliance.subject_access(:s::text);
