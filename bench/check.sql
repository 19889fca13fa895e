-- bench/check.sql: before measuring, as bench_app with the purpose
-- declared: the role is subject to row level security, and the extension
-- and the policy let through exactly the same rows.  Prints
-- "variant|rows|sum" lines and a "role|superuser|bypassrls" line.

\pset format unaligned
\pset tuples_only on
SELECT 'role', rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user;
SELECT 'plain', count(*), sum(amount) FROM plain_events;
SELECT 'ext', count(*), sum(amount) FROM ext_events;
SELECT 'rls', count(*), sum(amount) FROM rls_events;
