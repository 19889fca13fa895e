-- The working-day calendar of Belarus, in which the deadlines of Law 99-Z
-- counted in working days run: five working days to answer an access
-- application (Art. 11.2), three to notify the authority of a breach
-- (Art. 16.1).  A working day is a weekday that is not a public holiday
-- and not a day off transferred by the Council of Ministers, or a Saturday
-- the Council of Ministers made a working day in exchange.  The public
-- holidays follow a rule (belarus_holidays); the transfers are set each
-- year by a resolution, shipped here for the years whose resolution was
-- checked, and entered by compliance_admin for later ones.  A year is
-- confirmed in calendar_years once its transfers are in; a deadline
-- counted through a year that is not comes with a WARNING.
--
-- Dates are Belarus dates: a timestamp is turned into a date in time zone
-- Europe/Minsk, whatever the session's TimeZone, so a deadline does not
-- depend on who recorded the event it runs from.

CREATE FUNCTION compliance.belarus_date(at timestamptz) RETURNS date
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (at AT TIME ZONE 'Europe/Minsk')::date
$$;
COMMENT ON FUNCTION compliance.belarus_date(timestamptz) IS
    'The calendar date in Belarus (time zone Europe/Minsk) at the given moment; deadlines of Law 99-Z are counted in these dates.';

-- ---------------------------------------------------------------------
-- Public holidays
-- ---------------------------------------------------------------------

-- Meeus's Julian algorithm gives Easter in the Julian calendar; the Belarusian
-- Orthodox Church keeps that date, which falls 13 days later in the Gregorian
-- calendar in 1900-2099 (14 in 2100-2199, ...).
CREATE FUNCTION compliance.orthodox_easter(year integer) RETURNS date
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a integer := year % 4;
    b integer := year % 7;
    c integer := year % 19;
    d integer;
    e integer;
BEGIN
    IF year < 1583 OR year > 4099 THEN
        RAISE EXCEPTION 'year % is out of range', year
            USING ERRCODE = 'numeric_value_out_of_range',
                  HINT = 'Pass a year between 1583 and 4099.';
    END IF;
    d := (19 * c + 15) % 30;
    e := (2 * a + 4 * b - d + 34) % 7;
    RETURN make_date(year, (d + e + 114) / 31, (d + e + 114) % 31 + 1)
           + (year / 100 - year / 400 - 2);
END
$$;
COMMENT ON FUNCTION compliance.orthodox_easter(integer) IS
    'Orthodox Easter Sunday of the year as a Gregorian date: the Julian computus converted to the Gregorian calendar.';

-- The days off are those of Decree of the President No. 157 of 26 March
-- 1998 "On public holidays, holidays and memorable dates" as amended
-- (2 January since 2020).
CREATE FUNCTION compliance.belarus_holidays(year integer)
    RETURNS TABLE (day date, name text, source text)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    -- Radunitsa can fall on 1 or 9 May: one row per day.
    SELECT h.day, string_agg(h.name, '; ' ORDER BY h.ord),
           'Decree of the President of the Republic of Belarus No. 157 of 26 March 1998 (as amended)'
      FROM (VALUES
            (1, make_date(year, 1, 1), 'New Year''s Day'),
            (2, make_date(year, 1, 2), 'New Year''s Day (second day)'),
            (3, make_date(year, 1, 7), 'Christmas (Orthodox)'),
            (4, make_date(year, 3, 8), 'Women''s Day'),
            (5, make_date(year, 5, 1), 'Labour Day'),
            (6, make_date(year, 5, 9), 'Victory Day'),
            (7, make_date(year, 7, 3), 'Independence Day'),
            (8, make_date(year, 11, 7), 'October Revolution Day'),
            (9, make_date(year, 12, 25), 'Christmas (Catholic)'),
            (10, compliance.orthodox_easter(year) + 9, 'Radunitsa (ninth day after Orthodox Easter)')
           ) AS h(ord, day, name)
     GROUP BY h.day
     ORDER BY h.day
$$;
COMMENT ON FUNCTION compliance.belarus_holidays(integer) IS
    'The public holidays of Belarus that are days off (1, 2 and 7 January, 8 March, Radunitsa, 1 and 9 May, 3 July, 7 November, 25 December) in the given year, with the act that sets them. Holidays falling on a weekend are not moved.';

-- Days that are not working days besides Saturdays and Sundays.
CREATE TABLE compliance.holidays (
    day         date PRIMARY KEY,
    name        text,
    is_default  boolean NOT NULL DEFAULT false,
    source      text
);
COMMENT ON TABLE compliance.holidays IS
    'Non-working days other than Saturdays and Sundays, used for deadlines counted in working days (Art. 11.2, 16.1 of Law 99-Z): public holidays and weekdays made days off by a transfer of working days. compliance_admin INSERTs and DELETEs rows, or calls compliance.set_working_day().';
COMMENT ON COLUMN compliance.holidays.is_default IS 'True for rows shipped with the extension; only other rows, and deletions of shipped rows, are dumped by pg_dump.';
COMMENT ON COLUMN compliance.holidays.source IS 'The act that makes the day a day off: for a transferred day off, the resolution of the Council of Ministers (number and date).';
CREATE TRIGGER remember_removed_default AFTER DELETE ON compliance.holidays
    FOR EACH ROW EXECUTE FUNCTION compliance.remember_removed_default();
CREATE TRIGGER replace_shipped_default BEFORE INSERT ON compliance.holidays
    FOR EACH ROW EXECUTE FUNCTION compliance.replace_shipped_default();
SELECT pg_catalog.pg_extension_config_dump('compliance.holidays', 'WHERE NOT is_default');

-- Belarus moves days off next to holidays and makes up for them on a
-- Saturday, which becomes a working day.
CREATE TABLE compliance.working_weekends (
    day         date PRIMARY KEY CHECK (extract(isodow FROM day) IN (6, 7)),
    name        text,
    is_default  boolean NOT NULL DEFAULT false,
    source      text
);
COMMENT ON TABLE compliance.working_weekends IS
    'Saturdays and Sundays that are working days because a day off was transferred (a resolution of the Council of Ministers). compliance_admin INSERTs and DELETEs rows, or calls compliance.set_working_day().';
COMMENT ON COLUMN compliance.working_weekends.is_default IS 'True for rows shipped with the extension; only other rows, and deletions of shipped rows, are dumped by pg_dump.';
COMMENT ON COLUMN compliance.working_weekends.source IS 'The act that makes the day a working day: the resolution of the Council of Ministers (number and date).';
CREATE TRIGGER remember_removed_default AFTER DELETE ON compliance.working_weekends
    FOR EACH ROW EXECUTE FUNCTION compliance.remember_removed_default();
CREATE TRIGGER replace_shipped_default BEFORE INSERT ON compliance.working_weekends
    FOR EACH ROW EXECUTE FUNCTION compliance.replace_shipped_default();
SELECT pg_catalog.pg_extension_config_dump('compliance.working_weekends', 'WHERE NOT is_default');

-- ---------------------------------------------------------------------
-- Transfers of working days and confirmed years
-- ---------------------------------------------------------------------

-- The resolutions "On the transfer of working days in <year>", as
-- published on the National Legal Internet Portal and reported by BelTA.
-- Each moves a working day from a weekday next to a holiday to a
-- Saturday; organisations may transfer differently for their own staff,
-- which compliance_admin then enters instead.
CREATE FUNCTION compliance.belarus_transfers()
    RETURNS TABLE (day date, working boolean, name text, source text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT d.day, d.working, d.name, t.source
      FROM (VALUES
            (date '2024-05-13', date '2024-05-18', 'No. 814 of 23 November 2023'),
            (date '2024-11-08', date '2024-11-16', 'No. 814 of 23 November 2023'),
            (date '2025-01-06', date '2025-01-11', 'No. 839 of 14 November 2024'),
            (date '2025-04-28', date '2025-04-26', 'No. 839 of 14 November 2024'),
            (date '2025-07-04', date '2025-07-12', 'No. 839 of 14 November 2024'),
            (date '2025-12-26', date '2025-12-20', 'No. 839 of 14 November 2024'),
            (date '2026-04-20', date '2026-04-25', 'No. 397 of 22 July 2025')
           ) AS p(day_off, saturday, resolution),
           LATERAL (SELECT 'Resolution of the Council of Ministers of the Republic of Belarus ' || p.resolution) AS t(source),
           LATERAL (VALUES
            (p.day_off, false, 'Day off; its working day moved to Saturday ' || to_char(p.saturday, 'FMDD FMMonth')),
            (p.saturday, true, 'Working Saturday for the day off on ' || to_char(p.day_off, 'FMDay FMDD FMMonth'))
           ) AS d(day, working, name)
     ORDER BY d.day
$$;
COMMENT ON FUNCTION compliance.belarus_transfers() IS
    'The transfers of working days shipped with the extension, from the resolutions of the Council of Ministers for 2024 (No. 814 of 23 November 2023), 2025 (No. 839 of 14 November 2024) and 2026 (No. 397 of 22 July 2025): each weekday made a day off (working = false) and the Saturday worked instead (working = true).';

-- A year is confirmed once its transfers of working days are entered;
-- working_days_add() warns about deadlines counted through other years.
CREATE TABLE compliance.calendar_years (
    year            integer PRIMARY KEY CHECK (year BETWEEN 1583 AND 4099),
    confirmed_by    text NOT NULL CHECK (btrim(confirmed_by) <> ''),
    is_default      boolean NOT NULL DEFAULT false,
    recorded_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by     name NOT NULL DEFAULT session_user
);
COMMENT ON TABLE compliance.calendar_years IS
    'Years whose working-day calendar (public holidays and the transfers of working days set by the Council of Ministers) is complete in compliance.holidays and compliance.working_weekends. A deadline counted in working days (Art. 11.2, 16.1 of Law 99-Z) through any other year raises a WARNING. compliance_admin INSERTs a row once the year''s transfers are entered, and DELETEs it to withdraw the confirmation.';
COMMENT ON COLUMN compliance.calendar_years.confirmed_by IS 'What the year''s transfers were taken from: the resolution of the Council of Ministers (number and date), or a statement that the year has none.';
COMMENT ON COLUMN compliance.calendar_years.is_default IS 'True for rows shipped with the extension; only other rows, and deletions of shipped rows, are dumped by pg_dump.';
CREATE TRIGGER remember_removed_default AFTER DELETE ON compliance.calendar_years
    FOR EACH ROW EXECUTE FUNCTION compliance.remember_removed_default();
CREATE TRIGGER replace_shipped_default BEFORE INSERT ON compliance.calendar_years
    FOR EACH ROW EXECUTE FUNCTION compliance.replace_shipped_default();
SELECT pg_catalog.pg_extension_config_dump('compliance.calendar_years', 'WHERE NOT is_default');

-- Shipped rows: the public holidays from 2024 through five years after
-- installation (at least 2035), the transfers of belarus_transfers(), and
-- the years whose resolution was checked.  CREATE EXTENSION re-creates
-- them; pg_dump keeps only the admins' rows and deletions of shipped ones.
DO $$
DECLARE
    v_last integer := greatest(2035, extract(year FROM pg_catalog.now())::integer + 5);
BEGIN
    INSERT INTO compliance.holidays (day, name, source, is_default)
    SELECT h.day, h.name, h.source, true
      FROM generate_series(2024, v_last) AS y, compliance.belarus_holidays(y) AS h;
    INSERT INTO compliance.holidays (day, name, source, is_default)
    SELECT t.day, t.name, t.source, true
      FROM compliance.belarus_transfers() t WHERE NOT t.working;
    INSERT INTO compliance.working_weekends (day, name, source, is_default)
    SELECT t.day, t.name, t.source, true
      FROM compliance.belarus_transfers() t WHERE t.working;
    INSERT INTO compliance.calendar_years (year, confirmed_by, is_default)
    SELECT y, 'Resolution of the Council of Ministers of the Republic of Belarus ' || r || ' "On the transfer of working days in ' || y || '"', true
      FROM (VALUES (2024, 'No. 814 of 23 November 2023'),
                   (2025, 'No. 839 of 14 November 2024'),
                   (2026, 'No. 397 of 22 July 2025')) AS c(y, r);
    EXECUTE format('COMMENT ON TABLE compliance.holidays IS %L',
        concat_ws(' ', obj_description('compliance.holidays'::regclass, 'pg_class'),
            format('Shipped (is_default) rows: the public holidays of Belarus, see compliance.belarus_holidays(), for %s-%s (from 2024 to five years after installation), and the transferred days off of compliance.belarus_transfers(); add later years with compliance.set_working_day() or INSERT ... SELECT FROM compliance.belarus_holidays(year).',
                   2024, v_last)));
END
$$;

-- ---------------------------------------------------------------------
-- Counting working days
-- ---------------------------------------------------------------------

CREATE FUNCTION compliance.is_working_day(day date) RETURNS boolean
    LANGUAGE sql STABLE STRICT SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT NOT EXISTS (SELECT FROM compliance.holidays h WHERE h.day = is_working_day.day)
           AND (extract(isodow FROM is_working_day.day) < 6
                OR EXISTS (SELECT FROM compliance.working_weekends w WHERE w.day = is_working_day.day))
$$;
COMMENT ON FUNCTION compliance.is_working_day(date) IS
    'True unless the day is a Saturday or Sunday (and not in compliance.working_weekends) or in compliance.holidays.';

-- Counting starts from a finite date: no step from an infinite one reaches
-- a working day.
CREATE FUNCTION compliance.working_days_add(start date, n integer) RETURNS date
    LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_day date := start;
    v_left integer;
    v_step integer := sign(n)::integer;
    v_years text;
    v_first integer;
BEGIN
    IF NOT pg_catalog.isfinite(start) THEN
        RAISE EXCEPTION 'working days cannot be counted from %', start
            USING ERRCODE = 'datetime_field_overflow',
                  DETAIL = 'Deadlines of Law 99-Z (Art. 10-14) run from an actual date.',
                  HINT = 'Pass a finite date.';
    END IF;
    IF n OPERATOR(pg_catalog.<) -100000 OR n OPERATOR(pg_catalog.>) 100000 THEN
        RAISE EXCEPTION 'too many working days: %', n
            USING ERRCODE = 'numeric_value_out_of_range',
                  HINT = 'Pass at most 100000 working days.';
    END IF;
    v_left := abs(n);
    WHILE v_left OPERATOR(pg_catalog.>) 0 LOOP
        v_day := v_day OPERATOR(pg_catalog.+) v_step;
        IF compliance.is_working_day(v_day) THEN
            v_left := v_left OPERATOR(pg_catalog.-) 1;
        END IF;
    END LOOP;

    -- The days looked at run from the day after start (start itself when
    -- n = 0) to the result; a year among them without its transfers of
    -- working days may hide a working Saturday or a day off.
    SELECT string_agg(y::text, ', ' ORDER BY y), min(y) INTO v_years, v_first
      FROM generate_series(extract(year FROM least(start OPERATOR(pg_catalog.+) v_step, v_day))::integer,
                           extract(year FROM greatest(start OPERATOR(pg_catalog.+) v_step, v_day))::integer) AS y
     WHERE NOT EXISTS (SELECT FROM compliance.calendar_years c WHERE c.year OPERATOR(pg_catalog.=) y);
    IF v_years IS NOT NULL THEN
        RAISE WARNING 'no confirmed working-day calendar for %', v_years
            USING DETAIL = format('The deadline %s was counted in working days (Art. 11.2, 16.1 of Law 99-Z) through days of %s, which compliance.calendar_years does not list: a transfer of working days by the Council of Ministers may be missing, and the deadline be a day or more off.',
                                  v_day, v_years),
                  HINT = format('Enter the transfers of working days of %s with compliance.set_working_day(), then confirm the year: INSERT INTO compliance.calendar_years (year, confirmed_by) VALUES (%s, ''resolution No. ... of ...'').',
                                v_first, v_first);
    END IF;
    RETURN v_day;
END
$$;
COMMENT ON FUNCTION compliance.working_days_add(date, integer) IS
    'The date n working days after start (before it if n is negative), counting from the day after start: Saturdays, Sundays and compliance.holidays are skipped, compliance.working_weekends count. working_days_add(receipt date, 5) is the last day of the five working days of Art. 11.2 of Law 99-Z. Raises a WARNING when the days counted run through a year not in compliance.calendar_years.';

CREATE FUNCTION compliance.set_working_day(day date, working boolean, name text DEFAULT NULL,
        source text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_key text := to_jsonb(set_working_day.day) #>> '{}';
    v_year integer := extract(year FROM set_working_day.day)::integer;
    v_weekend boolean := extract(isodow FROM set_working_day.day) IN (6, 7);
    v_old compliance.working_weekends;
BEGIN
    IF set_working_day.day IS NULL OR working IS NULL THEN
        RAISE EXCEPTION 'day and working are required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'E.g. compliance.set_working_day(''2027-01-08'', false, ''day off transferred to Saturday 16 January'', ''resolution No. ... of ...'').';
    END IF;
    IF working THEN
        -- A shipped row deleted here is remembered in removed_defaults.
        DELETE FROM compliance.holidays h WHERE h.day = set_working_day.day;
        IF NOT v_weekend THEN
            RETURN;
        END IF;
        -- Making a shipped working Saturday an admin had removed working
        -- again brings the shipped row back, so that a dump holds it once.
        IF EXISTS (SELECT FROM compliance.removed_defaults r WHERE r.tbl = 'working_weekends' AND r.key = v_key)
           AND NOT EXISTS (SELECT FROM compliance.working_weekends w WHERE w.day = set_working_day.day)
           AND EXISTS (SELECT FROM compliance.belarus_transfers() t
                        WHERE t.day = set_working_day.day AND t.working) THEN
            DELETE FROM compliance.removed_defaults r WHERE r.tbl = 'working_weekends' AND r.key = v_key;
            INSERT INTO compliance.working_weekends (day, name, source, is_default)
            SELECT t.day, t.name, t.source, true
              FROM compliance.belarus_transfers() t
             WHERE t.day = set_working_day.day AND t.working;
            RETURN;
        END IF;
        -- Already working as stated: nothing to change.  Otherwise the
        -- admin's row replaces a shipped one (replace_shipped_default),
        -- keeping what is not restated.
        SELECT * INTO v_old FROM compliance.working_weekends w WHERE w.day = set_working_day.day;
        IF FOUND AND coalesce(set_working_day.name = v_old.name, set_working_day.name IS NULL)
                 AND coalesce(set_working_day.source = v_old.source, set_working_day.source IS NULL) THEN
            RETURN;
        END IF;
        INSERT INTO compliance.working_weekends AS w (day, name, source)
        VALUES (set_working_day.day, coalesce(set_working_day.name, v_old.name),
                coalesce(set_working_day.source, v_old.source))
        ON CONFLICT ON CONSTRAINT working_weekends_pkey
        DO UPDATE SET name = excluded.name, source = excluded.source;
        RETURN;
    END IF;

    DELETE FROM compliance.working_weekends w WHERE w.day = set_working_day.day;
    IF v_weekend OR EXISTS (SELECT FROM compliance.holidays h WHERE h.day = set_working_day.day) THEN
        RETURN;
    END IF;
    -- Restoring a shipped holiday or transferred day off an admin had
    -- removed brings the shipped row back, so that a dump holds it once.
    IF EXISTS (SELECT FROM compliance.removed_defaults r WHERE r.tbl = 'holidays' AND r.key = v_key)
       AND EXISTS (SELECT FROM compliance.belarus_holidays(v_year) b WHERE b.day = set_working_day.day
                   UNION ALL
                   SELECT FROM compliance.belarus_transfers() t WHERE t.day = set_working_day.day AND NOT t.working) THEN
        DELETE FROM compliance.removed_defaults r WHERE r.tbl = 'holidays' AND r.key = v_key;
        INSERT INTO compliance.holidays (day, name, source, is_default)
        SELECT b.day, b.name, b.source, true
          FROM compliance.belarus_holidays(v_year) b
         WHERE b.day = set_working_day.day
        UNION ALL
        SELECT t.day, t.name, t.source, true
          FROM compliance.belarus_transfers() t
         WHERE t.day = set_working_day.day AND NOT t.working;
    ELSE
        INSERT INTO compliance.holidays (day, name, source, is_default)
        VALUES (set_working_day.day, set_working_day.name, set_working_day.source, false);
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.set_working_day(date, boolean, text, text) IS
    'Makes a day a working day (working = true: removes it from compliance.holidays and, for a Saturday or Sunday, adds it to compliance.working_weekends) or a day off (working = false: a weekday goes into compliance.holidays), with a name and the act that transfers it (source: the resolution of the Council of Ministers, number and date). For transferred days off; deadlines filed later use the new calendar. Confirm the year in compliance.calendar_years once all its transfers are in.';

-- ---------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------
REVOKE EXECUTE ON FUNCTION
    compliance.is_working_day(date),
    compliance.working_days_add(date, integer),
    compliance.set_working_day(date, boolean, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    compliance.is_working_day(date),
    compliance.working_days_add(date, integer)
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
GRANT EXECUTE ON FUNCTION compliance.set_working_day(date, boolean, text, text) TO compliance_admin;
GRANT SELECT ON compliance.working_weekends, compliance.calendar_years
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
-- INSERT and DELETE only, as for holidays: an updated shipped row would
-- not survive a dump.
GRANT INSERT, DELETE ON compliance.working_weekends, compliance.calendar_years TO compliance_admin;
