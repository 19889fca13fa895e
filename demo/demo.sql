-- demo/demo.sql: placeholder walk-through, to be replaced by the real demo.
\echo Installing the compliance extension
CREATE EXTENSION compliance;
SELECT extversion FROM pg_extension WHERE extname = 'compliance';
