-- bench/log/setup.sql: the extension, a domestic recipient, a purpose
-- whose ground covers every subject by law, and the table exported:
-- events (protected) and events_plain (its unprotected copy), :rows rows,
-- one subject a row (the worst case for the log: every row is a subject).
\set ON_ERROR_STOP on
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Bench LLC', 'Minsk');
SELECT compliance.register_purpose('export', 'Statutory export', legal_basis => 'legal_obligation',
                                   basis_scope => 'all_subjects');
SELECT compliance.register_recipient('bureau', 'Credit bureau', 'Minsk', 'BY');
CREATE TABLE events (id bigint PRIMARY KEY, subject_id int NOT NULL, kind text NOT NULL,
                     amount numeric NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO events
SELECT g, g, 'k' || g % 7, g % 1000, '2025-01-01'::timestamptz + g * interval '1 second'
  FROM generate_series(1, :rows) g;
CREATE TABLE events_plain AS SELECT * FROM events;
ALTER TABLE events_plain ADD PRIMARY KEY (id);
SELECT compliance.protect('events', 'subject_id');
VACUUM (FREEZE, ANALYZE) events, events_plain;
