-- Hardening found by the security and hostile_input regression tests.
--
-- consent_status, consents_of and unblock_subject answered a NULL or empty
-- subject as if it were an ordinary one ('none', no rows, "not blocked");
-- they now refuse it like every other subject function (22004), and
-- consent_status refuses a NULL purpose instead of answering 'none'.

CREATE OR REPLACE FUNCTION compliance.consent_status(subject text, purpose compliance.purpose)
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text;
BEGIN
    PERFORM compliance.check_subject(subject);
    IF purpose IS NULL THEN
        RAISE EXCEPTION 'purpose is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a registered purpose code, e.g. ''marketing''.';
    END IF;
    SELECT CASE WHEN s.status IN ('given', 'renewed') AND s.valid_until OPERATOR(pg_catalog.<=) pg_catalog.now()
                THEN 'expired' ELSE s.status END
      INTO v_status
      FROM compliance.consent_state s
     WHERE s.subject OPERATOR(pg_catalog.=) consent_status.subject
       AND s.purpose OPERATOR(pg_catalog.=) consent_status.purpose;
    RETURN coalesce(v_status, 'none');
END
$$;
COMMENT ON FUNCTION compliance.consent_status(text, compliance.purpose) IS
    'Consent status of a subject for a purpose: given, renewed (a newer consent replaced one in force or expired), withdrawn, expired (past valid_until), refused, or none.';

CREATE OR REPLACE FUNCTION compliance.consents_of(subject text)
    RETURNS SETOF compliance.consent
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM compliance.check_subject(subject);
    RETURN QUERY
        SELECT l.receipt FROM compliance.consent_ledger l
         WHERE l.subject OPERATOR(pg_catalog.=) consents_of.subject AND l.receipt IS NOT NULL
         ORDER BY l.id;
END
$$;

CREATE OR REPLACE FUNCTION compliance.unblock_subject(subject text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM compliance.check_subject(subject);
    DELETE FROM compliance.blocked_subjects b WHERE b.subject OPERATOR(pg_catalog.=) unblock_subject.subject;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'subject "%" is not blocked', subject
            USING ERRCODE = 'undefined_object',
                  HINT = 'See compliance.blocked_subjects for blocked subjects.';
    END IF;
END
$$;

-- working_days_add('infinity', n) never ended: no step from an infinite
-- date reaches a working day, so the loop ran until cancelled (and with it
-- file_request of an access application received at 'infinity').
CREATE OR REPLACE FUNCTION compliance.working_days_add(start date, n integer) RETURNS date
    LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_day date := start;
    v_left integer;
    v_step integer := sign(n)::integer;
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
    RETURN v_day;
END
$$;

-- disclosure_window (and so disclosure_history) answered an infinite
-- application date with "the application date is required" (22004), as
-- if none had been given; it is now told apart (22008).
CREATE OR REPLACE FUNCTION compliance.disclosure_window(applied_on date,
        OUT from_at timestamptz, OUT to_at timestamptz)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF applied_on IS NULL THEN
        RAISE EXCEPTION 'the application date is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the date the subject''s application was received (Art. 12.2 of Law 99-Z), e.g. ''2025-03-10''.';
    END IF;
    IF NOT isfinite(applied_on) THEN
        RAISE EXCEPTION 'the application date must be a calendar date, not %', applied_on
            USING ERRCODE = 'datetime_field_overflow',
                  DETAIL = 'The window of Art. 12.2 of Law 99-Z is the year before the date the application was received.',
                  HINT = 'Pass the date the subject''s application was received, e.g. ''2025-03-10''.';
    END IF;
    from_at := (applied_on - interval '1 year')::timestamptz;
    to_at := applied_on::timestamptz;
END
$$;
