-- bench/scan.sql (pgbench): a full scan with an aggregate, so that every
-- row passes the row filter and almost nothing goes to the client.
-- pgbench variable: table.  Needs -M simple (the default): the table name
-- is substituted as text.
SELECT count(*), sum(amount) FROM :table;
