-- bench/scale/storm.sql (pgbench, rate-limited with -R): the invalidation
-- storm.  One consenting subject at random withdraws its marketing consent
-- and gives it again, two transactions, so every execution changes the
-- state of one subject twice and the visible rows stay the same.
-- pgbench variable: consenting (= 9/10 of the subjects; see insert.sql).
\set k random(0, :consenting - 1)
\set s (:k / 9) * 10 + :k % 9 + 1
SELECT compliance.withdraw_consent(:s::text, '{marketing}');
SELECT compliance.give_consent(:s::text, '{marketing}', 'checkbox');
