-- bench/scale/protect.sql: the five tables of gen_tables.sql under the
-- extension; health_records.diagnosis is special-category data (health,
-- Art. 8 of Law 99-Z), which only purposes whose basis allows it may read.

\set ON_ERROR_STOP on
SELECT compliance.protect('customers', 'id');
SELECT compliance.protect('addresses', 'subject_id');
SELECT compliance.protect('orders', 'subject_id');
SELECT compliance.protect('events', 'subject_id');
SELECT compliance.protect('health_records', 'subject_id', '{"diagnosis": "health"}');
