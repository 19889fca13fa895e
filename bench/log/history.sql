-- bench/log/history.sql (pgbench script): the Art. 12 history of one
-- random subject, as compliance.disclosure_history() gives it.
\set s random(1, :subjects)
SELECT * FROM compliance.disclosure_history(:s::text, current_date + 1);
