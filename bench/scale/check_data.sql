-- bench/scale/check_data.sql: the generated data are what the bulk paths
-- promise (as a superuser).  Prints "name|value" lines: row counts, and
-- references the bulk load did not check (it skips foreign key triggers,
-- see gen_consents.sql), which must be 0.  Enforcement is off to count all rows.
\pset format unaligned
\pset tuples_only on
SET compliance.enforce = off;
SELECT 'protected_rows', (SELECT count(*) FROM customers) + (SELECT count(*) FROM addresses)
       + (SELECT count(*) FROM orders) + (SELECT count(*) FROM events) + (SELECT count(*) FROM health_records);
SELECT 'ledger_rows', count(*) FROM compliance.consent_ledger;
SELECT 'state_rows', count(*) FROM compliance.consent_state;
SELECT 'disclosure_rows', sum(cardinality(subjects)) FROM compliance.disclosure_records;
SELECT 'partitions', count(*) FROM pg_inherits WHERE inhparent = 'compliance.disclosure_records'::regclass;
SELECT 'dangling', count(*) FROM compliance.consent_state s
 WHERE NOT EXISTS (SELECT FROM compliance.consent_ledger l WHERE l.id = s.ledger_id)
    OR NOT EXISTS (SELECT FROM compliance.purposes p WHERE p.id = s.registry_ref);
SELECT 'dangling_ledger', count(*) FROM compliance.consent_ledger l
 WHERE NOT EXISTS (SELECT FROM compliance.purposes p WHERE p.id = l.registry_ref);
-- The plain audit table holds the same disclosures: all of them, and for a
-- sample subject the same times and recipients.
SELECT 'audit_rows', count(*) FROM audit_log;
SELECT 'audit_mismatch', count(*) FROM (
    (SELECT disclosed_at, recipient FROM compliance.disclosure_records WHERE subjects @> ARRAY['7']
     EXCEPT ALL SELECT disclosed_at, recipient FROM audit_log WHERE subject_id = 7)
    UNION ALL
    (SELECT disclosed_at, recipient FROM audit_log WHERE subject_id = 7
     EXCEPT ALL SELECT disclosed_at, recipient FROM compliance.disclosure_records WHERE subjects @> ARRAY['7'])) x;
-- The generated consent chain is the one consent_ledger_append() would
-- have made (same fields, same links): 't'.
SELECT 'consent_chain_ok', v.ok FROM compliance.verify_chain('consent',
    'SELECT c.id, c.prev_hash, c.hash, compliance.consent_ledger_fields(c) AS fields
       FROM compliance.consent_ledger c') v;
