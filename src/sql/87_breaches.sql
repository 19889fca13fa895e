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

-- The notice to the authority (Art. 16.1, paragraph 8): what it needs to
-- act on the breach, from the register and the registry: the processor and
-- who answers for processing, the breach as the officer described it and
-- when it became known, whose data (kind and number of subjects, never
-- their keys) and which categories of personal data the processor keeps
-- about such subjects (tables by their labels), and the deadline.  Text in
-- compliance.document_texts (breach.*), rendered like the other documents.
CREATE FUNCTION compliance.breach_notice(breach_id bigint, lang text DEFAULT 'ru', format text DEFAULT 'text')
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_breach compliance.breach_register;
    v_proc compliance.processor;
    v_kind text;
    v_list jsonb;
    b jsonb := '[]';
BEGIN
    PERFORM compliance.check_lang(lang);
    IF format IS NULL OR format NOT IN ('text', 'html') THEN
        RAISE EXCEPTION 'unsupported document format "%"', format
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The notice to the authority is generated as plain text or as an HTML page.',
                  HINT = 'Pass ''text'' or ''html''.';
    END IF;
    IF breach_id IS NULL THEN
        RAISE EXCEPTION 'breach id is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The notice is about one breach of the register (Art. 16.1 of Law 99-Z).',
                  HINT = 'Pass the id compliance.report_breach() returned; see compliance.breaches.';
    END IF;
    SELECT * INTO v_breach FROM compliance.breach_register r WHERE r.id = breach_notice.breach_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'breach % does not exist', breach_id
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'Only a breach on record can be notified.',
                  HINT = 'See compliance.breaches for the breaches on record, or record it with compliance.report_breach().';
    END IF;
    IF v_breach.not_notified_ground IS NOT NULL THEN
        RAISE EXCEPTION 'breach % was recorded as not to be notified', breach_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Ground recorded: %s.', v_breach.not_notified_ground),
                  HINT = 'Report the breach again with compliance.report_breach() if it must be notified after all.';
    END IF;
    SELECT * INTO v_proc FROM compliance.processor;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the processor is not set'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The notice names the processor that notifies the authority (Art. 16.1 of Law 99-Z).',
                  HINT = 'Call compliance.set_processor(name, location) first.';
    END IF;
    v_kind := coalesce(compliance.kind_label(v_breach.subject_kind, lang),
                       compliance.doc_text('doc.natural_person', lang));

    b := b || jsonb_build_array(
        jsonb_build_object('p', compliance.doc_text('breach.addressee', lang)),
        jsonb_build_object('p', format(compliance.doc_text('breach.law', lang), compliance.cite(16, 1, 8, lang))),
        jsonb_build_object('p', compliance.doc_text('breach.date', lang) || compliance.report_date(now(), lang)),
        jsonb_build_object('h2', compliance.doc_text('breach.1_processor', lang)),
        jsonb_build_object('p', concat(v_proc.name, ', ', v_proc.location, ' (',
                                       compliance.country_name(v_proc.country, lang), ')')),
        jsonb_build_object('p', CASE WHEN v_proc.responsible IS NULL
                                     THEN compliance.doc_text('breach.contact_none', lang)
                                     ELSE format(compliance.doc_text('breach.contact', lang),
                                                 v_proc.responsible, v_proc.responsible_contact) END),
        jsonb_build_object('h2', compliance.doc_text('breach.2_breach', lang)),
        jsonb_build_object('p', format(compliance.doc_text('breach.register_no', lang), v_breach.id)),
        jsonb_build_object('p', format(compliance.doc_text('breach.detected', lang),
                                       compliance.report_date(v_breach.detected_at, lang, true))),
        jsonb_build_object('p', compliance.doc_text('breach.description', lang) || v_breach.description),
        jsonb_build_object('h2', compliance.doc_text('breach.3_subjects', lang)),
        jsonb_build_object('p', CASE WHEN v_breach.subjects IS NULL
                                     THEN format(compliance.doc_text('breach.subjects_unknown', lang), v_kind)
                                     ELSE format(compliance.doc_text('breach.subjects_count', lang), v_kind,
                                                 cardinality(v_breach.subjects)) END));

    -- the categories the processor keeps about subjects of the kind, per
    -- table by its label (a data set number without one)
    SELECT jsonb_agg(concat(coalesce(compliance.column_label(t.relid, NULL, lang),
                                     compliance.doc_text('policy.data_set_no', lang) || t.n), ': ',
               (SELECT string_agg(compliance.category_text(g.category, lang)
                                  || CASE WHEN g.category > 'publicly_accessible'
                                          THEN compliance.doc_text('policy.special_personal_data_article', lang)
                                          ELSE '' END, '; ' ORDER BY g.category)
                  FROM (SELECT DISTINCT coalesce(c.category, 'ordinary') AS category
                          FROM pg_attribute a
                          LEFT JOIN compliance.protected_columns c ON c.relid = t.relid AND c.column_name = a.attname
                         WHERE a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped) g),
               '.') ORDER BY t.n)
      INTO v_list
      FROM (SELECT p.*, row_number() OVER (ORDER BY p.relid::text) AS n FROM compliance.protected_tables p) t
     WHERE t.subject_kind = v_breach.subject_kind;
    b := b || jsonb_build_array(
        jsonb_build_object('h2', compliance.doc_text('breach.4_data', lang)),
        CASE WHEN v_list IS NULL THEN jsonb_build_object('p', compliance.doc_text('breach.data_none', lang))
             ELSE jsonb_build_object('p', compliance.doc_text('breach.data_intro', lang)) END);
    IF v_list IS NOT NULL THEN
        b := b || jsonb_build_array(jsonb_build_object('ul', v_list));
    END IF;

    b := b || jsonb_build_array(
        jsonb_build_object('h2', compliance.doc_text('breach.5_deadline', lang)),
        jsonb_build_object('p', format(compliance.doc_text('breach.notify_by', lang),
                                       to_char(v_breach.notify_by, compliance.doc_text('doc.date_format', lang)))));
    IF v_breach.notified_at IS NOT NULL THEN
        b := b || jsonb_build_array(jsonb_build_object('p', format(compliance.doc_text('breach.notified', lang),
                                        compliance.report_date(v_breach.notified_at, lang, true))));
    END IF;
    IF v_breach.notice_reference IS NOT NULL THEN
        b := b || jsonb_build_array(jsonb_build_object('p', format(compliance.doc_text('breach.reference', lang),
                                                                   v_breach.notice_reference)));
    END IF;
    b := b || jsonb_build_array(jsonb_build_object('p', compliance.doc_text('breach.signature', lang)));

    PERFORM compliance.warn_missing_labels(lang,
        compliance.unlabelled(lang, 'subject_kind', ARRAY[v_breach.subject_kind])
        || compliance.unlabelled(lang, 'table',
               ARRAY(SELECT compliance.label_item(t.relid) FROM compliance.protected_tables t
                      WHERE t.subject_kind = v_breach.subject_kind)));
    IF v_proc.responsible IS NULL THEN
        RAISE WARNING 'the notice names no person responsible for internal supervision of processing'
            USING DETAIL = 'The authority contacts the processor about the breach; Art. 17.3 of Law 99-Z makes appointing one a compulsory measure.',
                  HINT = 'Call compliance.set_responsible_person(name, contact).';
    END IF;
    RETURN compliance.report_render(compliance.doc_text('breach.title', lang), lang, format, b);
END
$$;
COMMENT ON FUNCTION compliance.breach_notice(bigint, text, text) IS
    'The notice of a breach of the systems for protecting personal data to the authorised data subject protection body (Art. 16.1 of Law 99-Z, paragraph 8), from the breach register: processor and the person responsible for internal supervision with contacts, the register number, when the processor became aware of the breach (Minsk time), the description and measures as recorded, the kind and number of affected subjects (never their keys), the categories of personal data kept about subjects of that kind per protected table (labels; special categories marked), the deadline (notify_by) and, once sent, when and under which reference. Russian (ru, default), Belarusian (be) or English (en); plain text or a self-contained HTML page. A breach recorded as not to be notified has no notice.';

REVOKE EXECUTE ON FUNCTION
    compliance.breach_notice(bigint, text, text),
    compliance.breach_notify_by(timestamptz),
    compliance.report_breach(timestamptz, text, text[], text),
    compliance.record_breach_notification(bigint, timestamptz, text, text)
FROM PUBLIC;
REVOKE ALL ON compliance.breach_register, compliance.breach_register_id_seq, compliance.breaches FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.breach_notify_by(timestamptz)
TO compliance_admin, compliance_officer, compliance_analyst;
GRANT EXECUTE ON FUNCTION
    compliance.report_breach(timestamptz, text, text[], text),
    compliance.record_breach_notification(bigint, timestamptz, text, text),
    compliance.breach_notice(bigint, text, text)
TO compliance_officer;
GRANT SELECT ON compliance.breach_register, compliance.breaches TO compliance_officer, compliance_analyst;
