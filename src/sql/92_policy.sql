-- The processor's policy on personal data processing (Art. 17.3 of Law
-- 99-Z: a compulsory measure; Art. 17.4: published with unlimited access
-- before processing starts), generated from the registry so that it says
-- what the database enforces: the processor, purposes with their legal
-- bases and retention, categories of data (special ones marked), tables
-- kept by law, recipients and authorised persons, transborder transmission,
-- the subject's rights and how to exercise them, and the deadlines.
-- Russian (default), Belarusian or English, plain text or HTML (report_render,
-- 72_subject_access.sql).

CREATE FUNCTION compliance.category_text(category compliance.data_category, lang text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT compliance.doc_text('category.' || category, lang)
$$;
COMMENT ON FUNCTION compliance.category_text(compliance.data_category, text) IS
    'A category of personal data (Art. 1, 8 of Law 99-Z) in words (category.* in compliance.document_texts).';

CREATE FUNCTION compliance.policy_document(lang text DEFAULT 'ru', format text DEFAULT 'text')
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lang text;
    v_proc compliance.processor;
    v_home text;
    v_as_of timestamptz;
    v_list jsonb;
    b jsonb := '[]';
    v_missing text[] := '{}';
BEGIN
    v_lang := compliance.check_lang(lang);
    IF format IS NULL OR format NOT IN ('text', 'html') THEN
        RAISE EXCEPTION 'unsupported document format "%"', format
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The policy is published with unlimited access, also on the Internet (Art. 17.4 of Law 99-Z): plain text or an HTML page.',
                  HINT = 'Pass ''text'' or ''html''.';
    END IF;
    SELECT * INTO v_proc FROM compliance.processor;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the processor is not set'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The policy names the processor whose processing it sets out (Art. 17.3 of Law 99-Z).',
                  HINT = 'Call compliance.set_processor(name, location) first.';
    END IF;
    v_home := v_proc.country;

    -- The edition is dated by the last change of the registry it reflects.
    SELECT greatest(v_proc.updated_at,
                    (SELECT max(greatest(p.registered_at, p.changed_at, p.retired_at)) FROM compliance.purposes p),
                    (SELECT max(r.registered_at) FROM compliance.recipients r),
                    (SELECT max(t.protected_at) FROM compliance.protected_tables t),
                    (SELECT max(a.updated_at) FROM compliance.recipient_agreements a),
                    (SELECT max(t.set_at) FROM compliance.retained_tables t))
      INTO v_as_of;

    b := b || jsonb_build_array(
        jsonb_build_object('p', compliance.doc_text('policy.article_17_3_17', lang)),
        jsonb_build_object('p', compliance.doc_text('policy.edition', lang)
                                || compliance.report_date(v_as_of, lang)),
        jsonb_build_object('h2', compliance.doc_text('policy.1_processor', lang)),
        jsonb_build_object('p', concat(v_proc.name, ', ', v_proc.location, ' (',
                                       compliance.country_name(v_proc.country, lang), ')')),
        -- Art. 17.3: who supervises processing, and how to reach them
        jsonb_build_object('p', CASE WHEN v_proc.responsible IS NULL
                                     THEN compliance.doc_text('policy.responsible_none', lang)
                                     ELSE format(compliance.doc_text('policy.responsible', lang),
                                                 v_proc.responsible, v_proc.responsible_contact) END),
        jsonb_build_object('p', compliance.doc_text('policy.this_policy_sets_out', lang)));
    IF v_proc.responsible IS NULL THEN
        RAISE WARNING 'the policy names no person responsible for internal supervision of processing'
            USING DETAIL = 'Art. 17.3 of Law 99-Z makes appointing one a compulsory measure; the policy says none is named.',
                  HINT = 'Call compliance.set_responsible_person(name, contact).';
    END IF;

    -- 2. Purposes, bases, data items, actions, retention (Art. 4.4, 4.5, 4.8, 6, 8).
    SELECT jsonb_agg(concat_ws(' ',
               compliance.purpose_label(p.code, lang) || '.',
               format('%s: %s (%s).', compliance.doc_text('policy.legal_basis', lang),
                      compliance.report_basis_text(p.legal_basis, lang),
                      compliance.basis_citation(p.legal_basis, lang)),
               -- which purposes cover all subjects, and why (Art. 6)
               CASE WHEN p.legal_basis = 'consent' THEN NULL
                    WHEN p.basis_scope = 'all_subjects'
                    THEN compliance.doc_text('policy.basis_covers_every_subject', lang)
                    ELSE compliance.doc_text('policy.basis_established_each_subject', lang) END,
               format('%s: %s.', compliance.doc_text('policy.personal_data', lang),
                      coalesce(compliance.items_text(p.data_items, lang),
                               compliance.doc_text('policy.all_personal_data_listed', lang))),
               CASE WHEN p.actions IS NOT NULL
                    THEN format('%s: %s.', compliance.doc_text('policy.actions_personal_data', lang),
                                compliance.actions_text(p.actions, lang)) END,
               format('%s: %s.', compliance.doc_text('policy.retention', lang),
                      CASE WHEN p.legal_basis = 'consent'
                           THEN compliance.doc_text('policy.while_consent_force', lang)
                           WHEN p.basis_scope = 'per_subject'
                           THEN compliance.doc_text('policy.while_subject_s_ground', lang)
                           ELSE compliance.doc_text('policy.while_legal_basis_applies', lang) END
                      -- the period in the nominative, after a dash: "1 месяц"
                      || CASE WHEN p.retention IS NULL
                              THEN compliance.doc_text('policy.afterwards_data_deleted', lang)
                              ELSE compliance.doc_text('policy.text', lang) || compliance.interval_words(p.retention, lang)
                                   || compliance.doc_text('policy.after_ends_then_data', lang) END),
               p.description) ORDER BY p.id)
      INTO v_list
      FROM compliance.purposes p JOIN compliance.legal_bases b ON b.basis = p.legal_basis
     WHERE p.retired_at IS NULL;
    b := b || jsonb_build_array(
        jsonb_build_object('h2', compliance.doc_text('policy.2_purposes_processing_legal', lang)),
        jsonb_build_object('ul', coalesce(v_list, jsonb_build_array(compliance.doc_text('policy.no_purposes_registered', lang)))),
        jsonb_build_object('p', compliance.doc_text('policy.retention_runs_from_end', lang)));

    -- 3. Categories of personal data per table (Art. 1, 8), and what is kept by law (Art. 13.3).
    -- Tables and columns by their labels, never by their names (the policy
    -- is published: Art. 17.4); unlabelled ones numbered.
    SELECT jsonb_agg(concat(
               coalesce(compliance.column_label(t.relid, NULL, lang),
                        compliance.doc_text('policy.data_set_no', lang) || t.n),
               -- whose data: the kind of subject the table holds
               compliance.doc_text('policy.data_subjects', lang)
               || coalesce(compliance.kind_label(t.subject_kind, lang),
                           compliance.doc_text('policy.natural_persons', lang)) || ']', ': ',
               (SELECT string_agg(format('%s — %s%s', g.cols, compliance.category_text(g.category, lang),
                                         CASE WHEN g.category > 'publicly_accessible'
                                              THEN compliance.doc_text('policy.special_personal_data_article', lang)
                                              ELSE '' END), '; ' ORDER BY g.category)
                  FROM (SELECT coalesce(c.category, 'ordinary') AS category,
                               string_agg(coalesce(compliance.column_label(t.relid, a.attname, lang),
                                                   compliance.doc_text('policy.field_no', lang) || a.attnum),
                                          ', ' ORDER BY a.attnum) AS cols
                          FROM pg_attribute a
                          LEFT JOIN compliance.protected_columns c ON c.relid = t.relid AND c.column_name = a.attname
                         WHERE a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped
                         GROUP BY 1) g),
               '.',
               CASE WHEN r.ground IS NOT NULL
                    THEN compliance.doc_text('policy.kept_legislation_requires', lang)
                         || r.ground || '.' END) ORDER BY t.n)
      INTO v_list
      FROM (SELECT p.*, row_number() OVER (ORDER BY p.relid::text) AS n FROM compliance.protected_tables p) t
      LEFT JOIN compliance.retained_tables r ON r.relid = t.relid;
    b := b || jsonb_build_array(
        jsonb_build_object('h2', compliance.doc_text('policy.3_categories_personal_data', lang)),
        -- the categories of data subjects: the kinds of subject the tables hold
        jsonb_build_object('p', format(compliance.doc_text('policy.subject_categories', lang),
            coalesce((SELECT string_agg(DISTINCT coalesce(compliance.kind_label(t.subject_kind, lang),
                                                          compliance.doc_text('doc.natural_person', lang)), ', ')
                        FROM compliance.protected_tables t),
                     compliance.doc_text('policy.none', lang)))),
        jsonb_build_object('ul', coalesce(v_list, jsonb_build_array(compliance.doc_text('policy.none', lang)))));
    IF EXISTS (SELECT FROM compliance.protected_columns c WHERE c.category > 'publicly_accessible') THEN
        b := b || jsonb_build_array(jsonb_build_object('p', compliance.doc_text('policy.special_personal_data_processed', lang)));
    END IF;

    -- 4. Recipients and authorised persons (Art. 7).
    SELECT jsonb_agg(format('%s, %s (%s). %s', compliance.recipient_label(r.code, lang), r.location,
               compliance.country_name(r.country, lang),
               CASE WHEN r.kind = 'authorised_person'
                    THEN compliance.doc_text('policy.authorised_person_processing_personal', lang)
                         || coalesce(compliance.doc_text('policy.purposes', lang)
                                     || (SELECT string_agg(compliance.purpose_label(p.code, lang), ', ' ORDER BY p.id) FROM compliance.purposes p
                                          WHERE a.purposes @> p.code::compliance.purpose AND p.retired_at IS NULL)
                                     || compliance.doc_text('policy.actions', lang)
                                     || compliance.actions_text(a.actions, lang), '') || '.'
                    ELSE compliance.doc_text('policy.third_party_whom_personal', lang) END)
               ORDER BY r.kind = 'authorised_person' DESC, r.code)
      INTO v_list
      FROM compliance.recipients r
      LEFT JOIN compliance.recipient_agreements a ON a.recipient = r.code;
    b := b || jsonb_build_array(
        jsonb_build_object('h2', compliance.doc_text('policy.4_recipients_personal_data', lang)),
        jsonb_build_object('ul', coalesce(v_list, jsonb_build_array(compliance.doc_text('policy.personal_data_not_provided', lang)))));

    -- 5. Transborder transmission (Art. 9).
    SELECT jsonb_agg(format('%s — %s: %s', x.country_name, x.names,
               CASE WHEN x.adequate
                    THEN compliance.doc_text('policy.state_that_affords_adequate', lang)
                    ELSE compliance.doc_text('policy.state_that_does_not', lang) END)
               ORDER BY x.country_name)
      INTO v_list
      FROM (SELECT compliance.country_name(c.code, lang) AS country_name,
                   string_agg(compliance.recipient_label(r.code, lang), ', ' ORDER BY r.code) AS names,
                   EXISTS (SELECT FROM compliance.adequate_countries q WHERE q.country = r.country) AS adequate
              FROM compliance.recipients r JOIN compliance.countries c ON c.code = r.country
             WHERE r.country <> v_home
             GROUP BY c.code, r.country) x;
    b := b || jsonb_build_array(
        jsonb_build_object('h2', compliance.doc_text('policy.5_transborder_transmission_personal', lang)),
        CASE WHEN v_list IS NULL
             THEN jsonb_build_object('p', compliance.doc_text('policy.personal_data_not_transmitted', lang))
             ELSE jsonb_build_object('ul', v_list) END);

    -- 6. Rights and how to exercise them (Art. 10-15); 7. deadlines.
    b := b || jsonb_build_array(
        jsonb_build_object('h2', compliance.doc_text('policy.6_rights_data_subject', lang)),
        jsonb_build_object('ul', compliance.doc_list('policy.rights', lang)),
        jsonb_build_object('p', format(compliance.doc_text('policy.how_to_apply', lang), v_proc.location)),
        jsonb_build_object('h2', compliance.doc_text('policy.7_deadlines', lang)),
        jsonb_build_object('ul', compliance.doc_list('policy.deadlines', lang)),
        jsonb_build_object('p', compliance.doc_text('policy.working_days_follow_calendar', lang)),
        -- 8. Measures (Art. 17).
        jsonb_build_object('h2', compliance.doc_text('policy.8_measures_protect_personal', lang)),
        jsonb_build_object('ul', compliance.doc_list('policy.measures', lang)),
        -- the compulsory measures of Art. 17.3
        jsonb_build_object('p', compliance.doc_text('policy.compulsory_measures', lang)),
        jsonb_build_object('ul', compliance.doc_list('policy.article_17_3', lang)));

    -- what the policy names without a label in its language
    v_missing := v_missing || compliance.unlabelled(lang, 'purpose',
        ARRAY(SELECT p.code FROM compliance.purposes p WHERE p.retired_at IS NULL));
    -- (data items naming protected columns are among the columns below)
    v_missing := v_missing || compliance.unlabelled(lang, 'data_item',
        ARRAY(SELECT i FROM compliance.purposes p, unnest(p.data_items) i
               WHERE p.retired_at IS NULL AND NOT EXISTS (SELECT FROM compliance.item_columns(i))));
    v_missing := v_missing || compliance.unlabelled(lang, 'subject_kind',
        ARRAY(SELECT t.subject_kind FROM compliance.protected_tables t));
    v_missing := v_missing || compliance.unlabelled(lang, 'table',
        ARRAY(SELECT compliance.label_item(t.relid) FROM compliance.protected_tables t));
    v_missing := v_missing || compliance.unlabelled(lang, 'column',
        ARRAY(SELECT compliance.label_item(t.relid, a.attname) FROM compliance.protected_tables t
                JOIN pg_attribute a ON a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped));
    v_missing := v_missing || compliance.unlabelled(lang, 'recipient', ARRAY(SELECT r.code FROM compliance.recipients r));
    PERFORM compliance.warn_missing_labels(lang, v_missing);

    RETURN compliance.report_render(compliance.doc_text('policy.personal_data_processing_policy', lang),
                                    lang, format, b);
END
$$;
COMMENT ON FUNCTION compliance.policy_document(text, text) IS
    'The processor''s policy on personal data processing (Art. 17.3, 17.4 of Law 99-Z) generated from the registry: processor, purposes with legal bases, data items, actions and retention (Art. 4.8), categories of data per protected table with special ones marked (Art. 8) and tables kept by law, recipients and authorised persons (Art. 7), transborder transmission (Art. 9), the subject''s rights and how to exercise them (Art. 10-15), deadlines and protection measures. Russian (ru, default), Belarusian (be) or English (en); plain text or a self-contained HTML page.';

REVOKE EXECUTE ON FUNCTION compliance.policy_document(text, text) FROM PUBLIC;
-- The policy is public (Art. 17.4); every role may generate it.
GRANT EXECUTE ON FUNCTION compliance.policy_document(text, text)
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
