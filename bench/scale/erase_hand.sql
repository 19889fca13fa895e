-- bench/scale/erase_hand.sql (pgbench): the hand-written DELETE script a DBA
-- would run instead of erase_subject, for a subject of the upper half:
-- children first, consents marked withdrawn, one line in erasure_log, in
-- one transaction.
\set s random(:subjects / 2 + 1, :subjects)
BEGIN;
DELETE FROM health_records WHERE subject_id = :s;
DELETE FROM events WHERE subject_id = :s;
DELETE FROM orders WHERE subject_id = :s;
DELETE FROM addresses WHERE subject_id = :s;
DELETE FROM customers WHERE id = :s;
UPDATE bench_consents SET withdrawn_at = now() WHERE subject_id = :s AND withdrawn_at IS NULL;
INSERT INTO erasure_log (subject_id) VALUES (:s);
COMMIT;
