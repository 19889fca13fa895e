-- bench/scale/consent_writer.sql (pgbench): the consent writer measured
-- with and without a purge running.  One give_consent (a renewal of
-- marketing) for a random subject that consented, so that it never gives
-- a basis to a subject the purge is about to erase (those whose number
-- ends in 0) and the purge purges the same subjects in every run.
-- pgbench variable: consenting (= 9/10 of the subjects; see storm.sql).
\set k random(0, :consenting - 1)
\set s (:k / 9) * 10 + :k % 9 + 1
SELECT compliance.give_consent(:s::text, '{marketing}', 'checkbox');
