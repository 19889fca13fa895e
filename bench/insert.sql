-- bench/insert.sql (pgbench): one new row for a random consenting subject.
-- Subjects whose number is a multiple of 10 gave no consent (see
-- consents_ext.sql); k numbers the others, 9 in every 10.
-- pgbench variables: table, consenting (= 9/10 of the subjects).  Needs
-- -M simple (the default).
\set k random(0, :consenting - 1)
\set subject (:k / 9) * 10 + :k % 9 + 1
\set cents random(1, 10000000)
INSERT INTO :table (subject_id, kind, amount, created_at)
VALUES (:subject, 'purchase', :cents / 100.0, now());
