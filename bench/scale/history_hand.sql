-- bench/scale/history_hand.sql (pgbench): the same answer from a plain
-- audit table (audit_log.sql): one indexed range query.
\set s random(1, :subjects)
SELECT recipient, data_items, purpose, disclosed_at
  FROM audit_log
 WHERE subject_id = :s
   AND disclosed_at >= current_date - interval '1 year' AND disclosed_at < current_date
 ORDER BY disclosed_at;
