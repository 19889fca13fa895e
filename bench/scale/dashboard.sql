-- bench/scale/dashboard.sql (pgbench): one read of the officer's dashboard,
-- every row (compliance.officer_dashboard; the expired data as last counted).
SELECT * FROM compliance.officer_dashboard;
