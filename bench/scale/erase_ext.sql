-- bench/scale/erase_ext.sql (pgbench): erase one random subject from the
-- lower half of the numbers across the five tables (compliance.erase_subject:
-- children first, consent ledger event, consents ended).  pgbench variable:
-- subjects.  The hand-written script erases from the upper half, so the two
-- never meet the same subject.
\set s random(1, :subjects / 2)
SELECT compliance.erase_subject(:s::text);
