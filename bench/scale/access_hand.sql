-- bench/scale/access_hand.sql (pgbench): what a DBA would write instead of
-- subject_access: one query gathering the subject's rows from the same
-- five tables and its consents from bench_consents, as jsonb.
\set s random(1, :subjects)
SELECT jsonb_build_object(
    'subject', :s,
    'customers', (SELECT jsonb_agg(to_jsonb(t)) FROM customers t WHERE t.id = :s),
    'addresses', (SELECT jsonb_agg(to_jsonb(t)) FROM addresses t WHERE t.subject_id = :s),
    'orders', (SELECT jsonb_agg(to_jsonb(t)) FROM orders t WHERE t.subject_id = :s),
    'events', (SELECT jsonb_agg(to_jsonb(t)) FROM events t WHERE t.subject_id = :s),
    'health_records', (SELECT jsonb_agg(to_jsonb(t)) FROM health_records t WHERE t.subject_id = :s),
    'consents', (SELECT jsonb_agg(to_jsonb(c)) FROM bench_consents c WHERE c.subject_id = :s));
