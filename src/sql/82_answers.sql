-- Answers to applications (Art. 11.2, 12.2, 14 of Law 99-Z): the document
-- the application's kind calls for, generated, stored on the application
-- with its digest, and the application completed, in one call.  What was
-- sent, and when, is the processor's proof that the subject was answered.

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
    ru boolean := compliance.check_lang(lang) = 'ru';
    v jsonb;
    b jsonb := '[]';
BEGIN
    IF format IS NULL OR format NOT IN ('text', 'html') THEN
        RAISE EXCEPTION 'unsupported report format "%"', format
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass ''text'' or ''html''.';
    END IF;
    v := compliance.disclosure_history_report(subject, applied_on, subject_kind);
    b := b || jsonb_build_array(
        jsonb_build_object('p', CASE WHEN ru
            THEN '(пункт 2 статьи 12 Закона Республики Беларусь от 7 мая 2021 г. № 99-З «О защите персональных данных»)'
            ELSE '(Article 12.2 of Law of the Republic of Belarus No. 99-Z of 7 May 2021 "On the protection of personal data")' END),
        jsonb_build_object('p', (SELECT CASE WHEN ru
                    THEN 'Субъект персональных данных (' || coalesce(k.title_ru, k.title) || ', идентификатор у оператора): '
                    ELSE 'Data subject (' || k.title || ', identifier used by the processor): ' END
               FROM compliance.subject_kinds k WHERE k.kind = disclosure_answer.subject_kind) || (v ->> 'subject')),
        jsonb_build_object('p', CASE WHEN ru
            THEN format('Период: с %s по %s включительно.',
                        to_char((v #>> '{period,from}')::timestamptz AT TIME ZONE 'Europe/Minsk', 'DD.MM.YYYY'),
                        to_char(applied_on - 1, 'DD.MM.YYYY'))
            ELSE format('Period: %s to %s inclusive.',
                        to_char((v #>> '{period,from}')::timestamptz AT TIME ZONE 'Europe/Minsk', 'YYYY-MM-DD'),
                        to_char(applied_on - 1, 'YYYY-MM-DD')) END));
    IF jsonb_array_length(v -> 'disclosures') = 0 THEN
        b := b || jsonb_build_array(jsonb_build_object('p', CASE WHEN ru
            THEN 'За этот период ваши персональные данные третьим лицам не предоставлялись.'
            ELSE 'Your personal data were not provided to third parties in this period.' END));
    ELSE
        b := b || jsonb_build_array(jsonb_build_object(
            'label', CASE WHEN ru THEN 'Предоставление' ELSE 'Provision' END,
            'table', jsonb_build_object(
            'columns', CASE WHEN ru
                THEN jsonb_build_array('Кому', 'Место нахождения', 'Какие данные', 'Дата')
                ELSE jsonb_build_array('To', 'Location', 'Which data', 'Date') END,
            'rows', (SELECT jsonb_agg(jsonb_build_array(
                             d ->> 'recipient_name',
                             concat_ws(', ', d ->> 'recipient_location', d ->> 'country'),
                             (SELECT string_agg(i, ', ' ORDER BY n) FROM jsonb_array_elements_text(d -> 'data_items') WITH ORDINALITY AS x(i, n)),
                             compliance.report_date((d ->> 'disclosed_at')::timestamptz, lang))
                             ORDER BY o)
                       FROM jsonb_array_elements(v -> 'disclosures') WITH ORDINALITY AS e(d, o)))));
    END IF;
    IF jsonb_array_length(v -> 'notes') > 0 THEN
        b := b || jsonb_build_array(jsonb_build_object('p', CASE WHEN ru
            THEN 'Сведения о предоставлении персональных данных в случаях, предусмотренных пунктом 3 статьи 12 Закона, не сообщаются.'
            ELSE 'Provision in the cases of Article 12.3 of the Law is not reported.' END));
    END IF;
    RETURN compliance.report_render(CASE WHEN ru
        THEN 'Информация о предоставлении персональных данных третьим лицам'
        ELSE 'Information on the provision of personal data to third parties' END, lang, format, b);
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
    IF request_id IS NULL THEN
        RAISE EXCEPTION 'request id is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the id compliance.file_request() returned; see compliance.requests.';
    END IF;
    PERFORM compliance.check_lang(lang);
    SELECT * INTO v_req FROM compliance.subject_requests q WHERE q.id = request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'request % does not exist', request_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'See compliance.requests for the requests on file.';
    END IF;
    IF v_req.completed_at IS NOT NULL THEN
        RAISE EXCEPTION 'request % is already completed', request_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its outcome was recorded as %s.', v_req.outcome),
                  HINT = 'File a new request if the subject applied again.';
    END IF;
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
                          WHEN 'rectify' THEN 'Correct the data, then call compliance.complete_request() with the response sent (Art. 11.4).'
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
    compliance.answer_request(bigint, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    compliance.disclosure_answer(text, date, text, text, text),
    compliance.answer_request(bigint, text, text)
TO compliance_officer;
