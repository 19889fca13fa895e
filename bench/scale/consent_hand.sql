-- bench/scale/consent_hand.sql (pgbench): the plain INSERT a DBA's own
-- consents table would take instead (no chain, no receipt).
\set s random(1, :subjects)
INSERT INTO bench_consents (subject_id, purpose) VALUES (:s, 'analytics');
