-- Running the periodic work on time: the purge of expired data (Art. 4.8),
-- the erase tasks after withdrawals (Art. 10.2), and a daily check of the
-- deadlines (Art. 10-14, 16.1).  check_deadlines() works everywhere; the
-- scheduling helpers need the pg_cron extension (Debian package
-- postgresql-NN-cron, NN the server's major version) in this database, and fail with a hint without it.
-- pg_cron is optional: nothing else depends on it.

CREATE FUNCTION compliance.check_deadlines() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_late jsonb := '[]';
    r record;
BEGIN
    -- The dashboard's expired data are a count (94_dashboard.sql): taken
    -- again, so that the check sees them as of now.
    PERFORM compliance.count_expired_data();
    FOR r IN SELECT d.* FROM compliance.officer_dashboard d WHERE d.overdue > 0 LOOP
        -- A WARNING reaches the server log and pg_cron's job_run_details.
        RAISE WARNING '% overdue: %', r.item, r.overdue
            USING DETAIL = format('%s of %s past the deadline of %s of Law 99-Z; the earliest was due on %s.',
                                  r.overdue, r.total, r.article, r.next_due),
                  HINT = format('See %s.', r.see);
        v_late := v_late || jsonb_build_array(jsonb_build_object(
            'item', r.item, 'overdue', r.overdue, 'total', r.total, 'next_due', r.next_due, 'article', r.article));
    END LOOP;
    RETURN jsonb_build_object('checked_at', now(), 'overdue', v_late);
END
$$;
COMMENT ON FUNCTION compliance.check_deadlines() IS
    'Counts the expired data again (compliance.count_expired_data()), then checks compliance.officer_dashboard for overdue work (applications, breach notifications, authority demands, erase tasks, expired data) and raises a WARNING for each kind, so that it reaches the server log; returns the overdue items as jsonb. Scheduled daily by compliance.schedule_maintenance().';

-- The pg_cron jobs of this database: name, command.
CREATE FUNCTION compliance.maintenance_jobs()
    RETURNS TABLE (job text, command text, what text)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT j.job || '@' || current_database(), j.command, j.what
      FROM (VALUES
        ('compliance_erase_tasks', 'CALL compliance.process_erase_tasks_in_batches()', 'purge'),
        ('compliance_purge_expired', 'CALL compliance.purge_expired_in_batches()', 'purge'),
        ('compliance_check_deadlines', 'SELECT compliance.check_deadlines()', 'checks')) AS j(job, command, what)
$$;
COMMENT ON FUNCTION compliance.maintenance_jobs() IS
    'Internal: the pg_cron jobs compliance.schedule_maintenance() manages in this database, with their commands; what says which schedule each follows (purge or checks).';

-- Raises 55000 with what to do unless pg_cron is usable here.
CREATE FUNCTION compliance.require_pg_cron() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension e WHERE e.extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Scheduling the purge of expired data (Art. 4.8 of Law 99-Z) and the deadline checks needs the pg_cron extension; everything else works without it.',
                  HINT = format('Install it (Debian: apt-get install postgresql-%s-cron), add pg_cron to shared_preload_libraries, set cron.database_name = ''%s'', restart, and run CREATE EXTENSION pg_cron; or run CALL compliance.purge_expired_in_batches(), CALL compliance.process_erase_tasks_in_batches() and SELECT compliance.check_deadlines() from another scheduler.',
                                current_setting('server_version_num')::integer / 10000,
                                current_database());
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.require_pg_cron() IS
    'Internal: raises object_not_in_prerequisite_state, with how to install it, unless the pg_cron extension is installed in this database.';

CREATE FUNCTION compliance.schedule_maintenance(purge text DEFAULT '30 3 * * *',
        checks text DEFAULT '0 8 * * *')
    RETURNS TABLE (job text, schedule text, jobid bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_schedule text;
    v_id bigint;
    r record;
BEGIN
    PERFORM compliance.require_pg_cron();
    FOR r IN SELECT j.job, j.command, j.what FROM compliance.maintenance_jobs() j ORDER BY j.job LOOP
        v_schedule := CASE r.what WHEN 'purge' THEN purge ELSE checks END;
        IF v_schedule IS NULL THEN
            -- NULL: not scheduled (any earlier job of that name is removed)
            IF EXISTS (SELECT FROM cron.job c WHERE c.jobname = r.job) THEN
                PERFORM cron.unschedule(r.job);
            END IF;
            CONTINUE;
        END IF;
        -- The jobs run as the extension's owner, in this database; the
        -- same name replaces an earlier job.  pg_cron validates the schedule.
        EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4, $5, true)'
           INTO v_id USING r.job, v_schedule, r.command, current_database(), current_user::text;
        job := r.job;
        schedule := v_schedule;
        jobid := v_id;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.schedule_maintenance(text, text) IS
    'Schedules with pg_cron, in this database: compliance.process_erase_tasks_in_batches() and compliance.purge_expired_in_batches() (batches committed one by one, which count what is left for the dashboard) on the purge schedule (default daily at 03:30), compliance.check_deadlines() on the checks schedule (default daily at 08:00), in cron syntax, server time zone; NULL leaves a job out. Scheduling again replaces the jobs. Raises object_not_in_prerequisite_state, with how to install it, if pg_cron is not installed here. Returns the jobs scheduled.';

CREATE FUNCTION compliance.unschedule_maintenance() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n integer := 0;
    v_job text;
BEGIN
    PERFORM compliance.require_pg_cron();
    FOR v_job IN SELECT j.job FROM compliance.maintenance_jobs() j ORDER BY j.job LOOP
        IF EXISTS (SELECT FROM cron.job c WHERE c.jobname = v_job) THEN
            PERFORM cron.unschedule(v_job);
            v_n := v_n + 1;
        END IF;
    END LOOP;
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION compliance.unschedule_maintenance() IS
    'Removes the pg_cron jobs compliance.schedule_maintenance() created in this database; returns how many were removed.';

REVOKE EXECUTE ON FUNCTION
    compliance.check_deadlines(),
    compliance.maintenance_jobs(),
    compliance.require_pg_cron(),
    compliance.schedule_maintenance(text, text),
    compliance.unschedule_maintenance()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.check_deadlines() TO compliance_officer, compliance_analyst;
GRANT EXECUTE ON FUNCTION compliance.maintenance_jobs() TO compliance_admin, compliance_officer, compliance_analyst;
GRANT EXECUTE ON FUNCTION
    compliance.schedule_maintenance(text, text),
    compliance.unschedule_maintenance()
TO compliance_admin;
