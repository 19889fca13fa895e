-- bench/scale/check.sql: before measuring.  As bench_app with the purpose
-- declared, the extension and the hand-written policy let through the same
-- rows of events (prints "variant|rows|sum" lines and the role's
-- "role|superuser|bypassrls").
\pset format unaligned
\pset tuples_only on
SELECT 'role', rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user;
SELECT 'plain', count(*), sum(amount) FROM events_plain;
SELECT 'ext', count(*), sum(amount) FROM events;
SELECT 'rls', count(*), sum(amount) FROM events_rls;
