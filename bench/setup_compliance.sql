-- bench/setup_compliance.sql: the extension's side.  One purpose,
-- "marketing", whose legal basis is consent (the default of
-- register_purpose), so that every row needs a consent in force; then
-- ext_events is protected on its subject column.  Runs as a superuser.

CREATE EXTENSION compliance;
SELECT compliance.set_processor('Bench LLC', 'Minsk, Benchmark St 1');
SELECT compliance.register_purpose('marketing', 'Marketing offers');
SELECT compliance.protect('ext_events', 'subject_id');
