-- The breach register (Art. 16.1 of Law 99-Z): the processor notifies the
-- authorised data subject protection body of breaches of the system for
-- protecting personal data immediately, and no later than three working
-- days after it became aware of them.  report_breach() records a breach
-- with the moment it was detected; the deadline is counted in Belarusian
-- working days (working_days_add, 65_calendar.sql) from the Belarus date
-- of detection; record_breach_notification() records the notice sent.

CREATE SEQUENCE compliance.breach_register_id_seq AS bigint;
CREATE TABLE compliance.breach_register (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.breach_register_id_seq'),
    detected_at     timestamptz NOT NULL,
    description     text NOT NULL CHECK (btrim(description) <> ''),
    subjects        text[],
    subject_kind    text NOT NULL DEFAULT 'person' REFERENCES compliance.subject_kinds (kind),
    notify_by       date NOT NULL,
    reported_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    reported_by     name NOT NULL DEFAULT session_user,
    notified_at     timestamptz,
    notified_by     name,
    notice_reference text,
    not_notified_ground text,
    CHECK (notified_at IS NULL OR notified_at >= detected_at),
    CHECK (notified_at IS NULL OR not_notified_ground IS NULL)
);
ALTER SEQUENCE compliance.breach_register_id_seq OWNED BY compliance.breach_register.id;
CREATE INDEX breach_register_open ON compliance.breach_register (notify_by)
    WHERE notified_at IS NULL AND not_notified_ground IS NULL;
COMMENT ON TABLE compliance.breach_register IS
    'Breaches of the system for protecting personal data (Art. 16.1 of Law 99-Z) and their notification to the authorised data subject protection body. Written by compliance.report_breach() and compliance.record_breach_notification(); read through the view compliance.breaches.';
COMMENT ON COLUMN compliance.breach_register.detected_at IS 'When the processor became aware of the breach; the notification period runs from it.';
COMMENT ON COLUMN compliance.breach_register.subjects IS 'Keys of the subjects (of kind subject_kind) whose personal data the breach affected, as far as known; NULL: not (yet) known.';
COMMENT ON COLUMN compliance.breach_register.notify_by IS 'Last day (Belarus date) to notify the authority: three working days after the Belarus date of detection (Art. 16.1).';
COMMENT ON COLUMN compliance.breach_register.notice_reference IS 'Number, date or channel of the notice sent to the authority.';
COMMENT ON COLUMN compliance.breach_register.not_notified_ground IS 'The case provided for by the authority in which no notice is due (Art. 16.1), if the breach is not notified.';
SELECT pg_catalog.pg_extension_config_dump('compliance.breach_register', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.breach_register_id_seq', '');

CREATE FUNCTION compliance.breach_notify_by(detected_at timestamptz) RETURNS date
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT compliance.working_days_add(compliance.belarus_date(detected_at), 3)
$$;
COMMENT ON FUNCTION compliance.breach_notify_by(timestamptz) IS
    'Last day to notify the authority of a breach detected then: three working days after the Belarus date of detection (Art. 16.1 of Law 99-Z), skipping Saturdays, Sundays and compliance.holidays.';

CREATE FUNCTION compliance.report_breach(detected_at timestamptz, description text,
        subjects text[] DEFAULT NULL, subject_kind text DEFAULT 'person')
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_subjects text[];
    v_id bigint;
BEGIN
    IF detected_at IS NULL THEN
        RAISE EXCEPTION 'the moment the breach was detected is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The authority is notified no later than three working days after the processor became aware of the breach (Art. 16.1 of Law 99-Z).',
                  HINT = 'Pass detected_at => when the breach became known, e.g. now().';
    END IF;
    IF detected_at > now() THEN
        RAISE EXCEPTION 'breach detected in the future'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('detected_at (%s) is after the current time (%s).', detected_at, now()),
                  HINT = 'Pass the moment the processor became aware of the breach.';
    END IF;
    IF coalesce(btrim(description), '') = '' THEN
        RAISE EXCEPTION 'a breach needs a description'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The notice to the authority describes the breach of the system for protecting personal data (Art. 16.1 of Law 99-Z).',
                  HINT = 'Describe what happened, which data and systems were affected and the measures taken.';
    END IF;
    IF subjects IS NOT NULL THEN
        SELECT array_agg(DISTINCT compliance.check_subject(s, subject_kind) ORDER BY compliance.check_subject(s, subject_kind))
          INTO v_subjects FROM unnest(subjects) AS s;
        v_subjects := coalesce(v_subjects, '{}');
    END IF;
    PERFORM compliance.check_subject_kind(subject_kind);
    INSERT INTO compliance.breach_register (detected_at, description, subjects, subject_kind, notify_by)
    VALUES (detected_at, btrim(description), v_subjects, subject_kind, compliance.breach_notify_by(detected_at))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION compliance.report_breach(timestamptz, text, text[], text) IS
    'Records a breach of the system for protecting personal data (Art. 16.1 of Law 99-Z): when the processor became aware of it, what happened, and the affected subjects (NULL: not known yet). The authority is to be notified by notify_by, three working days after detection. Returns the breach id.';

CREATE FUNCTION compliance.record_breach_notification(breach_id bigint,
        notified_at timestamptz DEFAULT now(), reference text DEFAULT NULL,
        not_notified_ground text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_breach compliance.breach_register;
    v_ground text := nullif(btrim(not_notified_ground), '');
BEGIN
    IF breach_id IS NULL THEN
        RAISE EXCEPTION 'breach id is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the id compliance.report_breach() returned; see compliance.breaches.';
    END IF;
    SELECT * INTO v_breach FROM compliance.breach_register b WHERE b.id = breach_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'breach % does not exist', breach_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'See compliance.breaches for the breaches on record.';
    END IF;
    IF v_breach.notified_at IS NOT NULL OR v_breach.not_notified_ground IS NOT NULL THEN
        RAISE EXCEPTION 'breach % is already settled', breach_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = CASE WHEN v_breach.notified_at IS NOT NULL
                                THEN format('The authority was notified at %s.', v_breach.notified_at)
                                ELSE format('It was recorded as not notified: %s.', v_breach.not_notified_ground) END,
                  HINT = 'Report a new breach if more was found.';
    END IF;
    IF v_ground IS NOT NULL THEN
        -- Art. 16.1: "except in the cases provided for by the authority".
        UPDATE compliance.breach_register b
           SET not_notified_ground = v_ground, notified_by = session_user,
               notice_reference = nullif(btrim(reference), '')
         WHERE b.id = breach_id;
        RETURN;
    END IF;
    IF notified_at IS NULL THEN
        RAISE EXCEPTION 'the moment of notification is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass notified_at => when the notice was sent to the authority, e.g. now().';
    END IF;
    IF notified_at > now() OR notified_at < v_breach.detected_at THEN
        RAISE EXCEPTION 'invalid moment of notification'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('notified_at (%s) must lie between the detection of the breach (%s) and now.',
                                  notified_at, v_breach.detected_at),
                  HINT = 'Pass when the notice was actually sent.';
    END IF;
    UPDATE compliance.breach_register b
       SET notified_at = record_breach_notification.notified_at, notified_by = session_user,
           notice_reference = nullif(btrim(reference), '')
     WHERE b.id = breach_id;
END
$$;
COMMENT ON FUNCTION compliance.record_breach_notification(bigint, timestamptz, text, text) IS
    'Records that the authorised data subject protection body was notified of a breach (Art. 16.1 of Law 99-Z): when, and the notice''s reference; or, with not_notified_ground, the case provided for by the authority in which no notice is due. A breach is settled once.';

CREATE VIEW compliance.breaches AS
SELECT b.id, b.detected_at, b.description, b.subjects, b.subject_kind,
       cardinality(b.subjects) AS subjects_affected,
       b.notify_by, b.notified_at, b.notice_reference, b.not_notified_ground,
       CASE WHEN b.notified_at IS NOT NULL THEN 'notified'
            WHEN b.not_notified_ground IS NOT NULL THEN 'not_notified'
            ELSE 'awaiting_notification' END AS status,
       b.notified_at IS NULL AND b.not_notified_ground IS NULL
         AND compliance.belarus_date(now()) > b.notify_by AS overdue,
       compliance.belarus_date(b.notified_at) > b.notify_by AS late,
       CASE WHEN b.notified_at IS NULL AND b.not_notified_ground IS NULL
            THEN b.notify_by - compliance.belarus_date(now()) END AS days_left,
       b.reported_at, b.reported_by, b.notified_by
  FROM compliance.breach_register b;
COMMENT ON VIEW compliance.breaches IS
    'Breaches of personal data protection (Art. 16.1 of Law 99-Z) with their deadline: notify_by (a Belarus date, three working days after detection), notified_at, status (awaiting_notification, notified, not_notified), overdue (not notified and notify_by has passed), late (notified after notify_by) and days_left (calendar days to notify_by; negative when overdue).';

REVOKE EXECUTE ON FUNCTION
    compliance.breach_notify_by(timestamptz),
    compliance.report_breach(timestamptz, text, text[], text),
    compliance.record_breach_notification(bigint, timestamptz, text, text)
FROM PUBLIC;
REVOKE ALL ON compliance.breach_register, compliance.breach_register_id_seq, compliance.breaches FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.breach_notify_by(timestamptz)
TO compliance_admin, compliance_officer, compliance_analyst;
GRANT EXECUTE ON FUNCTION
    compliance.report_breach(timestamptz, text, text[], text),
    compliance.record_breach_notification(bigint, timestamptz, text, text)
TO compliance_officer;
GRANT SELECT ON compliance.breach_register, compliance.breaches TO compliance_officer, compliance_analyst;
