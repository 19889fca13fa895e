-- Answers to applications (Art. 11.2, 11.4, 12.2, 14 of Law 99-Z): the
-- document the application's kind calls for, generated, stored on the
-- application with its digest, and the application completed, in one
-- call; and the rectification an Art. 11.4 application asks for, made and
-- logged.  What was sent or changed, and when, is the processor's proof.

-- The Art. 12 answer as a letter: which personal data were provided to whom
-- in the year before the application (Art. 12.2), from
-- disclosure_history_report().
CREATE FUNCTION compliance.disclosure_answer(subject text, applied_on date, lang text, format text,
        subject_kind text DEFAULT 'person')
    RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lang text := compliance.check_lang(lang);
    v jsonb;
    b jsonb := '[]';
    v_missing text[] := '{}';
BEGIN
    IF format IS NULL OR format NOT IN ('text', 'html') THEN
        RAISE EXCEPTION 'unsupported report format "%"', format
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass ''text'' or ''html''.';
    END IF;
    v := compliance.disclosure_history_report(subject, applied_on, subject_kind);
    b := b || jsonb_build_array(
        jsonb_build_object('p', compliance.doc_text('answer.article_12_2_law', lang)),
        jsonb_build_object('p', format(compliance.doc_text('doc.subject', lang),
                      coalesce(compliance.kind_label(subject_kind, lang), compliance.doc_text('doc.natural_person', lang)))
               || (v ->> 'subject')),
        jsonb_build_object('p', format(compliance.doc_text('answer.period', lang),
            to_char((v #>> '{period,from}')::timestamptz AT TIME ZONE 'Europe/Minsk', compliance.doc_text('doc.date_format', lang)),
            to_char(applied_on - 1, compliance.doc_text('doc.date_format', lang)))));
    IF jsonb_array_length(v -> 'disclosures') = 0 THEN
        b := b || jsonb_build_array(jsonb_build_object('p', compliance.doc_text('answer.personal_data_were_not', lang)));
    ELSE
        b := b || jsonb_build_array(jsonb_build_object(
            'label', compliance.doc_text('answer.provision', lang),
            'table', jsonb_build_object(
            'columns', compliance.doc_list('answer.columns', lang),
            'rows', (SELECT jsonb_agg(jsonb_build_array(
                             compliance.recipient_label(d ->> 'recipient', lang),
                             concat_ws(', ', d ->> 'recipient_location', compliance.country_name(d ->> 'country', lang)),
                             compliance.items_text(ARRAY(SELECT jsonb_array_elements_text(d -> 'data_items')), lang),
                             compliance.report_date((d ->> 'disclosed_at')::timestamptz, lang))
                             ORDER BY o)
                       FROM jsonb_array_elements(v -> 'disclosures') WITH ORDINALITY AS e(d, o)))));
    END IF;
    -- what the answer names without a label in its language
    v_missing := v_missing || compliance.unlabelled(lang, 'subject_kind', ARRAY[subject_kind]);
    v_missing := v_missing || compliance.unlabelled(lang, 'recipient',
        ARRAY(SELECT d ->> 'recipient' FROM jsonb_array_elements(v -> 'disclosures') d));
    v_missing := v_missing || compliance.unlabelled(lang, 'data_item',
        ARRAY(SELECT i FROM jsonb_array_elements(v -> 'disclosures') d, jsonb_array_elements_text(d -> 'data_items') i));
    PERFORM compliance.warn_missing_labels(lang, v_missing);
    IF jsonb_array_length(v -> 'notes') > 0 THEN
        b := b || jsonb_build_array(jsonb_build_object('p', compliance.doc_text('answer.provision_cases_article_12', lang)));
    END IF;
    RETURN compliance.report_render(compliance.doc_text('answer.information_provision_personal_data', lang), lang, format, b);
END
$$;
COMMENT ON FUNCTION compliance.disclosure_answer(text, date, text, text, text) IS
    'The answer to an Art. 12 application as a letter (text or HTML, ru or en): which personal data of the subject were provided to whom in the year before the application (Art. 12.2 of Law 99-Z), from compliance.disclosure_history_report(); provision in the cases of Art. 12.3 is not reported.';

CREATE FUNCTION compliance.answer_request(request_id bigint, lang text DEFAULT 'ru', format text DEFAULT 'text')
    RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_req compliance.subject_requests;
    v_doc text;
    v_what text;
    v_digest text;
BEGIN
    v_req := compliance.lock_open_request(request_id);
    PERFORM compliance.check_lang(lang);
    CASE v_req.kind
        WHEN 'access' THEN
            v_doc := compliance.subject_access_report(v_req.subject, lang, format, v_req.subject_kind);
            v_what := 'Information on the processing of personal data (Art. 11.1 of Law 99-Z)';
        WHEN 'third_party_info' THEN
            v_doc := compliance.disclosure_answer(v_req.subject, compliance.belarus_date(v_req.received_at),
                                                  lang, format, v_req.subject_kind);
            v_what := 'Information on the provision of personal data to third parties (Art. 12.2 of Law 99-Z)';
        ELSE
            RAISE EXCEPTION 'an application of kind % is answered by carrying it out', v_req.kind
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'answer_request() generates the documents of access (Art. 11) and Art. 12 applications.',
                      HINT = CASE v_req.kind
                          WHEN 'withdraw_consent' THEN format('Call compliance.withdraw_consent(subject, request_id => %s); the erase task completes it (Art. 10.2).', request_id)
                          WHEN 'rectify' THEN format('Call compliance.rectify_subject(%s, table, changes), which corrects the data and completes it (Art. 11.4).', request_id)
                          ELSE format('Call compliance.erase_subject(subject, %s), which completes it (Art. 13).', request_id) END;
    END CASE;
    v_digest := encode(sha256(convert_to(v_doc, 'UTF8')), 'hex');
    UPDATE compliance.subject_requests q
       SET answer = v_doc, answer_lang = lang, answer_format = format,
           answer_digest = v_digest, answered_at = now()
     WHERE q.id = request_id;
    PERFORM compliance.complete_request(request_id, 'fulfilled',
        format('%s sent (%s, %s; SHA-256 %s).', v_what, lang, format, v_digest));
    RETURN v_doc;
END
$$;
COMMENT ON FUNCTION compliance.answer_request(bigint, text, text) IS
    'Answers an open access (Art. 11) or Art. 12 application: generates the document its kind calls for (compliance.subject_access_report(), compliance.disclosure_answer()) in the language and format given, stores it on the application with its SHA-256 digest (compliance.request_answers; compliance.requests shows the digest and time) and completes the application as fulfilled. Applications to withdraw consent, rectify, stop processing or erase are answered by carrying them out.';

-- Art. 11.4: the subject's data corrected on a rectify application, by the
-- officer, with the change logged (which columns, how many rows; not the
-- values, which would copy the data once more).
CREATE SEQUENCE compliance.rectifications_id_seq AS bigint;
CREATE TABLE compliance.rectifications (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.rectifications_id_seq'),
    request_id      bigint NOT NULL,
    subject         text NOT NULL,
    subject_kind    text NOT NULL,
    relid           regclass NOT NULL,
    table_name      text NOT NULL,
    columns         text[] NOT NULL,
    rows            bigint NOT NULL,
    rectified_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    rectified_by    name NOT NULL DEFAULT session_user
);
ALTER SEQUENCE compliance.rectifications_id_seq OWNED BY compliance.rectifications.id;
COMMENT ON TABLE compliance.rectifications IS
    'Corrections of a subject''s personal data made on a rectify application (Art. 11.4 of Law 99-Z) with compliance.rectify_subject(): the table, the columns changed and how many rows, when and by whom; not the values.';
SELECT pg_catalog.pg_extension_config_dump('compliance.rectifications', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.rectifications_id_seq', '');

CREATE FUNCTION compliance.rectify_subject(request_id bigint, tbl regclass, changes jsonb,
        complete boolean DEFAULT true)
    RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
DECLARE
    v_req compliance.subject_requests;
    v_prot compliance.protected_tables;
    v_match text;
    v_set text;
    v_cols text[];
    v_bad text;
    v_n bigint;
    v_report jsonb;
BEGIN
    IF request_id IS NULL OR tbl IS NULL OR changes IS NULL OR complete IS NULL THEN
        RAISE EXCEPTION 'request id, table, changes and complete are required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'E.g. compliance.rectify_subject(7, ''patients'', ''{"phone": "+375 29 555 11 22"}'').';
    END IF;
    v_req := compliance.lock_open_request(request_id);
    IF v_req.kind <> 'rectify' THEN
        RAISE EXCEPTION 'request % is of kind %, not rectify', request_id, v_req.kind
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Personal data are modified on the subject''s application to rectify them (Art. 11.4 of Law 99-Z).';
    END IF;
    SELECT * INTO v_prot FROM compliance.protected_tables p WHERE p.relid = tbl;
    IF NOT FOUND OR v_prot.subject_kind <> v_req.subject_kind THEN
        RAISE EXCEPTION 'table % is not protected for subjects of kind %', tbl, v_req.subject_kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass a table of compliance.protected_tables that holds the applicant''s data.';
    END IF;
    IF jsonb_typeof(changes) <> 'object' OR changes = '{}' THEN
        RAISE EXCEPTION 'changes must be a JSON object of columns and their new values'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'E.g. ''{"phone": "+375 29 555 11 22", "address": "Minsk, Lenina 5"}''; null sets a column to NULL.';
    END IF;
    -- ordinary columns of the table only: not the subject column (a key is
    -- not corrected, the subject is), not a generated or system one
    SELECT string_agg(quote_literal(c.key), ', ' ORDER BY c.key) INTO v_bad
      FROM jsonb_each(changes) c
     WHERE c.key = v_prot.subject_column
        OR NOT EXISTS (SELECT FROM pg_attribute a
                        WHERE a.attrelid = tbl AND a.attname = c.key AND a.attnum > 0
                          AND NOT a.attisdropped AND a.attgenerated = '');
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot rectify columns % of table %', v_bad, tbl
            USING ERRCODE = 'undefined_column',
                  DETAIL = format('The columns must exist, be neither generated nor the subject column %I.', v_prot.subject_column),
                  HINT = 'Name ordinary columns of the table.';
    END IF;
    SELECT string_agg(format('%I = %s', a.attname,
                             CASE WHEN jsonb_typeof(c.value) = 'null' THEN 'NULL'
                                  -- assigned, not cast: a value too long for varchar(n) is an error, not cut
                                  ELSE format('%L', c.value #>> '{}') END),
                      ', ' ORDER BY a.attnum),
           array_agg(a.attname::text ORDER BY a.attnum)
      INTO v_set, v_cols
      FROM jsonb_each(changes) c
      JOIN pg_attribute a ON a.attrelid = tbl AND a.attname = c.key;
    v_match := compliance.subject_match(v_req.subject, v_prot.subject_column,
        (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
          WHERE a.attrelid = tbl AND a.attname = v_prot.subject_column), 'subject_row');
    -- as the table's owner: casts and triggers of its types never run with
    -- the officer's rights
    v_n := CASE WHEN v_match IS NULL THEN 0
                ELSE compliance.run_as_table_owner(tbl,
                         format('UPDATE %s AS subject_row SET %s WHERE %s', tbl, v_set, v_match)) END;
    INSERT INTO compliance.rectifications (request_id, subject, subject_kind, relid, table_name, columns, rows)
    VALUES (request_id, v_req.subject, v_req.subject_kind, tbl, tbl::text, v_cols, v_n);
    v_report := jsonb_build_object('request_id', request_id, 'table', tbl::text,
                                   'columns', to_jsonb(v_cols), 'rows', v_n);
    IF complete THEN
        PERFORM compliance.complete_request(request_id, 'fulfilled',
            format('Your personal data were modified as you asked (Art. 11.4 of Law 99-Z): %s.',
                   (SELECT string_agg(format('%s (%s)', r.table_name, array_to_string(r.columns, ', ')), '; ' ORDER BY r.id)
                      FROM compliance.rectifications r WHERE r.request_id = rectify_subject.request_id)));
    END IF;
    RETURN v_report;
END
$$;
COMMENT ON FUNCTION compliance.rectify_subject(bigint, regclass, jsonb, boolean) IS
    'Carries out an open rectify application (Art. 11.4 of Law 99-Z) on one protected table: sets the columns named in changes ({"column": new value}, null for NULL) on the applicant''s rows, as the table''s owner and whatever the declared purpose, logs the table, columns and row count in compliance.rectifications, and unless complete => false completes the application as fulfilled with a response naming what was modified. Call it once per table, with complete => false for all but the last.';

-- The documents sent hold the subject's data (an access report lists every
-- row, special categories included): officers only, not analysts.
CREATE VIEW compliance.request_answers AS
SELECT r.id, r.subject, r.subject_kind, r.kind, r.answer, r.answer_lang, r.answer_format,
       r.answer_digest, r.answered_at
  FROM compliance.subject_requests r
 WHERE r.answered_at IS NOT NULL;
COMMENT ON VIEW compliance.request_answers IS
    'The documents compliance.answer_request() sent, with their language, format, SHA-256 digest and time; the answer is NULL once the subject was erased (the digest stays). compliance_officer only: they hold the subject''s personal data.';
REVOKE ALL ON compliance.request_answers FROM PUBLIC;
GRANT SELECT ON compliance.request_answers TO compliance_officer;

REVOKE EXECUTE ON FUNCTION
    compliance.disclosure_answer(text, date, text, text, text),
    compliance.answer_request(bigint, text, text),
    compliance.rectify_subject(bigint, regclass, jsonb, boolean)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    compliance.disclosure_answer(text, date, text, text, text),
    compliance.answer_request(bigint, text, text),
    compliance.rectify_subject(bigint, regclass, jsonb, boolean)
TO compliance_officer;
REVOKE ALL ON compliance.rectifications, compliance.rectifications_id_seq FROM PUBLIC;
GRANT SELECT ON compliance.rectifications TO compliance_officer, compliance_analyst;
