-- The information a subject must receive before consenting (Art. 5.5),
-- generated from the registry in Russian (default), Belarusian or English.  Consents
-- record the SHA-256 digest of the notice they were given against.

CREATE FUNCTION compliance.check_lang(lang text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF lang IS NULL OR lang NOT IN ('ru', 'be', 'en') THEN
        RAISE EXCEPTION 'unsupported language "%"', lang
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Documents for data subjects are generated in Russian, Belarusian and English.',
                  HINT = 'Pass ''ru'', ''be'' or ''en''.';
    END IF;
    RETURN lang;
END
$$;
COMMENT ON FUNCTION compliance.check_lang(text) IS
    'Returns the language code if documents can be generated in it (ru, be, en); raises invalid_parameter_value otherwise.';

-- A period in words, independent of IntervalStyle (notices are digested).
CREATE FUNCTION compliance.interval_words(period interval, lang text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    -- the plural forms of Russian and Belarusian: 1, 21 (one); 2-4, 22-24
    -- (few); 5-20, 25-30 (many); English has one and many
    WITH parts(o, n, unit) AS (VALUES
        (1, extract(year FROM justify_interval(period))::int, 'year'),
        (2, extract(month FROM justify_interval(period))::int, 'month'),
        (3, extract(day FROM justify_interval(period))::int, 'day'))
    SELECT coalesce(string_agg(n || ' ' || compliance.doc_text('unit.' || unit || '.' || CASE
               WHEN lang = 'en' THEN CASE WHEN n = 1 THEN 'one' ELSE 'many' END
               WHEN n % 10 = 1 AND n % 100 <> 11 THEN 'one'
               WHEN n % 10 BETWEEN 2 AND 4 AND n % 100 NOT BETWEEN 12 AND 14 THEN 'few'
               ELSE 'many' END, lang), ' ' ORDER BY o), compliance.doc_text('unit.less_than_day', lang))
      FROM parts WHERE n > 0
$$;
COMMENT ON FUNCTION compliance.interval_words(interval, text) IS
    'A period as years, months and days in words (unit.* in compliance.document_texts, with the plural forms of the language), independent of IntervalStyle.';

-- Art. 9.1: the foreign countries a subject agrees to a transfer to, as
-- ISO codes, sorted and without duplicates; NULL or empty: none.  The
-- processor's own country needs no consent to a transfer.
CREATE FUNCTION compliance.check_transfer_countries(countries text[]) RETURNS text[]
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_home text := coalesce((SELECT p.country FROM compliance.processor p), 'BY');
    v_country text;
BEGIN
    IF countries IS NULL OR cardinality(countries) = 0 THEN
        RETURN NULL;
    END IF;
    FOREACH v_country IN ARRAY countries LOOP
        PERFORM compliance.check_country(v_country);
        IF v_country = v_home THEN
            RAISE EXCEPTION 'transfer countries must be foreign: % is the processor''s country', v_country
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'Transborder transmission is transmission to the territory of a foreign state (Art. 1, 9 of Law 99-Z).',
                      HINT = 'List only the foreign countries the subject agrees to a transfer to.';
        END IF;
    END LOOP;
    RETURN (SELECT array_agg(DISTINCT c ORDER BY c) FROM unnest(countries) c);
END
$$;
COMMENT ON FUNCTION compliance.check_transfer_countries(text[]) IS
    'Internal: the foreign countries of a consent to transborder transmission (Art. 9.1 of Law 99-Z), validated, sorted and without duplicates; NULL if none.';

-- The notice itself, without the warnings for missing labels: consents are
-- given against its digest many times over (give_consent, import_consents),
-- and warn once, when the notice is generated to be shown.
CREATE FUNCTION compliance.notice_text(purposes compliance.purpose_set, lang text,
        valid_until timestamptz, transfer_countries text[])
    RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lang text := compliance.check_lang(lang);
    v_proc compliance.processor;
    v_purposes text;
    v_authorised text;
    v_period text;
    v_countries text[];
    v_transfer text;
    v_abroad text;
BEGIN
    IF purposes IS NULL OR compliance.cardinality(purposes) = 0 THEN
        RAISE EXCEPTION 'a consent notice needs at least one purpose'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the purposes consent is asked for, e.g. ''{marketing}''.';
    END IF;
    PERFORM compliance.check_purposes_in_force(purposes);
    SELECT * INTO v_proc FROM compliance.processor;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the processor is not set'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A consent notice must name the processor and its location (Art. 5.5 of Law 99-Z).',
                  HINT = 'Call compliance.set_processor(name, location) first.';
    END IF;

    -- the actions only where the purpose declares them (Art. 5.5)
    SELECT string_agg(format('%s. %s. %s: %s. %s: %s.%s%s%s',
               p.n, compliance.purpose_label(p.code, lang),
               compliance.doc_text('notice.legal_basis', lang),
               CASE WHEN p.legal_basis = 'consent'
                    THEN compliance.doc_text('notice.consent_data_subject', lang)
                    ELSE compliance.report_basis_text(p.legal_basis, lang)
                         || ' (' || compliance.basis_citation(p.legal_basis, lang) || ')' END,
               compliance.doc_text('notice.personal_data', lang),
               coalesce(compliance.items_text(p.data_items, lang),
                        compliance.doc_text('notice.all_personal_data_processed', lang)),
               CASE WHEN p.actions IS NULL THEN ''
                    ELSE format(' %s: %s.', compliance.doc_text('notice.actions_personal_data', lang),
                                compliance.actions_text(p.actions, lang)) END,
               CASE WHEN p.retention IS NULL THEN ''
                    ELSE compliance.doc_text('notice.kept_after_basis_ends', lang)
                         || compliance.interval_words(p.retention, lang) || '.' END,
               CASE WHEN p.description IS NULL THEN '' ELSE ' ' || p.description END),
               E'\n' ORDER BY p.n)
      INTO v_purposes
      FROM (SELECT row_number() OVER (ORDER BY p.id) AS n, p.*,
                   b.description AS basis_description, b.article
              FROM compliance.purposes p JOIN compliance.legal_bases b ON b.basis = p.legal_basis
             WHERE notice_text.purposes @> p.code::compliance.purpose) p;

    -- Art. 9.1: consent to a transfer is given having been informed of the risks
    v_countries := compliance.check_transfer_countries(transfer_countries);
    IF v_countries IS NOT NULL THEN
        v_transfer := concat_ws(E'\n',
            compliance.doc_text('notice.transfer_heading', lang),
            format(compliance.doc_text('notice.transfer_countries', lang),
                   (SELECT string_agg(compliance.country_name(c, lang), ', ' ORDER BY compliance.country_name(c, lang))
                      FROM unnest(v_countries) c)),
            compliance.doc_text('notice.transfer_risks', lang),
            compliance.doc_text('notice.transfer_without_consent', lang));
    END IF;

    -- Art. 5.5, 7: the authorised persons instructed to process for these
    -- purposes (their agreements), not every one the processor has
    SELECT string_agg(format('- %s, %s (%s)', compliance.recipient_label(r.code, lang), r.location,
                             compliance.country_name(r.country, lang)), E'\n' ORDER BY r.code),
           string_agg(DISTINCT compliance.country_name(r.country, lang), ', ')
               FILTER (WHERE r.country <> v_proc.country)
      INTO v_authorised, v_abroad
      FROM compliance.recipients r
      JOIN compliance.recipient_agreements a ON a.recipient = r.code
     WHERE r.kind = 'authorised_person' AND a.purposes && notice_text.purposes;
    -- Art. 9: whether the data leave the country is stated either way
    IF v_transfer IS NULL THEN
        v_transfer := CASE WHEN v_abroad IS NULL THEN compliance.doc_text('notice.transfer_none', lang)
                           ELSE format(compliance.doc_text('notice.transfer_authorised', lang), v_abroad) END;
    END IF;

    -- a Belarus date, the last day included
    v_period := CASE WHEN valid_until IS NOT NULL
                     THEN format(compliance.doc_text('notice.period_until', lang), compliance.report_until(valid_until, lang))
                     ELSE compliance.doc_text('notice.period_open', lang) END;

    RETURN concat_ws(E'\n',
        compliance.doc_text('notice.title', lang),
        compliance.doc_text('notice.law', lang),
        '',
        format(compliance.doc_text('notice.processor', lang), v_proc.name, v_proc.location),
        '',
        compliance.doc_text('notice.purposes', lang),
        v_purposes,
        '',
        format(compliance.doc_text('notice.period', lang), v_period),
        '',
        compliance.doc_text('notice.authorised', lang),
        coalesce(v_authorised, compliance.doc_text('notice.authorised_none', lang)),
        '',
        compliance.doc_text('notice.means', lang),
        '',
        v_transfer,
        '',
        -- Art. 5.5, second part: the rights are explained separately
        -- (compliance.rights_notice), under a digest of their own
        compliance.doc_text('notice.rights_separately', lang));
END
$$;
COMMENT ON FUNCTION compliance.notice_text(compliance.purpose_set, text, timestamptz, text[]) IS
    'Internal: the text of compliance.consent_notice() without its warnings for missing labels, as consents digest it. The information Art. 5.5 of Law 99-Z requires before consent (processor, purposes, data, period, authorised persons, actions, means; the rights, how to use them and the consequences are explained separately, compliance.rights_notice()), in Russian (default), Belarusian or English, generated from the registry; with transfer_countries, also the countries of a transborder transmission and its risks (Art. 9.1).';

CREATE FUNCTION compliance.consent_notice(purposes compliance.purpose_set, lang text DEFAULT 'ru',
        valid_until timestamptz DEFAULT NULL, transfer_countries text[] DEFAULT NULL,
        format text DEFAULT 'text')
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_notice text;
    v_missing text[] := '{}';
    v_lines text[];
    b jsonb := '[]';
    v_list jsonb;
BEGIN
    IF format IS NULL OR format NOT IN ('text', 'html') THEN
        RAISE EXCEPTION 'unsupported document format "%"', format
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The notice is given in written or electronic form (Art. 5.5 of Law 99-Z): plain text or an HTML page.',
                  HINT = 'Pass ''text'' or ''html''.';
    END IF;
    v_notice := compliance.notice_text(purposes, lang, valid_until, transfer_countries);
    -- what the notice names without a label in its language
    v_missing := v_missing || compliance.unlabelled(lang, 'purpose',
        ARRAY(SELECT p.code FROM compliance.purposes p WHERE consent_notice.purposes @> p.code::compliance.purpose));
    v_missing := v_missing || compliance.unlabelled(lang, 'data_item',
        ARRAY(SELECT i FROM compliance.purposes p, unnest(p.data_items) i
               WHERE consent_notice.purposes @> p.code::compliance.purpose));
    v_missing := v_missing || compliance.unlabelled(lang, 'recipient',
        ARRAY(SELECT r.code FROM compliance.recipients r
                JOIN compliance.recipient_agreements a ON a.recipient = r.code
               WHERE r.kind = 'authorised_person' AND a.purposes && consent_notice.purposes));
    PERFORM compliance.warn_missing_labels(lang, v_missing);
    IF format = 'text' THEN
        RETURN v_notice;
    END IF;
    -- the same lines as a page: the first is the title, a heading in
    -- capitals an h2, lines starting "- " a list, the others paragraphs
    v_lines := string_to_array(v_notice, E'\n');
    FOR i IN 2 .. cardinality(v_lines) LOOP
        IF v_lines[i] LIKE '- %' THEN
            v_list := coalesce(v_list, '[]') || to_jsonb(substr(v_lines[i], 3));
            CONTINUE;
        END IF;
        IF v_list IS NOT NULL THEN
            b := b || jsonb_build_array(jsonb_build_object('ul', v_list));
            v_list := NULL;
        END IF;
        IF v_lines[i] = '' THEN
            CONTINUE;
        END IF;
        b := b || jsonb_build_array(jsonb_build_object(
                      CASE WHEN v_lines[i] = upper(v_lines[i]) THEN 'h2' ELSE 'p' END, v_lines[i]));
    END LOOP;
    IF v_list IS NOT NULL THEN
        b := b || jsonb_build_array(jsonb_build_object('ul', v_list));
    END IF;
    RETURN compliance.report_render(v_lines[1], lang, format, b);
END
$$;
COMMENT ON FUNCTION compliance.consent_notice(compliance.purpose_set, text, timestamptz, text[], text) IS
    'The information Art. 5.5 of Law 99-Z requires before consent (processor, purposes, data, period, authorised persons, actions, means; the rights, how to use them and the consequences are explained separately, compliance.rights_notice()), in Russian (default), Belarusian or English, generated from the registry with the labels of compliance.set_label() (a WARNING names each item without one); with transfer_countries, also the countries of a transborder transmission and its risks (Art. 9.1). Consents record the SHA-256 digest of this text. format => ''html'': the same text as a self-contained HTML page (the digest is always of the text).';

-- Art. 5.5, second part: before consent the processor explains the
-- subject's rights, how to exercise them and the consequences of giving or
-- refusing consent, in simple and clear language, separately from the
-- other information.  The same text for every purpose: the catalogue's
-- alone (rights.*), so one digest per language and format, which the
-- consent ledger keeps beside the notice's (give_consent's rights_digest).
CREATE FUNCTION compliance.rights_notice(lang text DEFAULT 'ru', format text DEFAULT 'text')
    RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM compliance.check_lang(lang);
    IF format IS NULL OR format NOT IN ('text', 'html') THEN
        RAISE EXCEPTION 'unsupported document format "%"', format
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The explanation of rights is given in written or electronic form (Art. 5.5 of Law 99-Z): plain text or an HTML page.',
                  HINT = 'Pass ''text'' or ''html''.';
    END IF;
    RETURN compliance.report_render(compliance.doc_text('rights.title', lang), lang, format, jsonb_build_array(
        jsonb_build_object('p', compliance.doc_text('rights.law', lang)),
        jsonb_build_object('h2', compliance.doc_text('rights.heading', lang)),
        jsonb_build_object('ul', compliance.doc_list('rights.list', lang)),
        jsonb_build_object('p', compliance.doc_text('rights.how_to_apply', lang)),
        jsonb_build_object('h2', compliance.doc_text('rights.consequences_heading', lang)),
        jsonb_build_object('p', compliance.doc_text('rights.consequences', lang))));
END
$$;
COMMENT ON FUNCTION compliance.rights_notice(text, text) IS
    'The explanation Art. 5.5 of Law 99-Z (second part) requires before consent, separately from the consent notice: the subject''s rights concerning processing, how to exercise them, and the consequences of giving or refusing consent; in Russian (default), Belarusian or English, plain text or a self-contained HTML page. The consent ledger keeps the SHA-256 digest of the one shown (compliance.give_consent(..., rights_digest)).';

-- The digest of the explanation of rights a consent is given against: the
-- application's (of the text or HTML it showed, in the notice's language),
-- else that of the text form, as the notice's digest is of the notice the
-- extension generates.
CREATE FUNCTION compliance.check_rights_digest(digest bytea, lang text) RETURNS bytea
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_text bytea := sha256(convert_to(compliance.rights_notice(lang, 'text'), 'UTF8'));
BEGIN
    IF digest IS NULL THEN
        RETURN v_text;
    END IF;
    IF octet_length(digest) <> 32 THEN
        RAISE EXCEPTION 'rights_digest must be a SHA-256 digest of 32 bytes, not %', octet_length(digest)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The consent ledger keeps the digest of the explanation of rights shown before consent (Art. 5.5 of Law 99-Z).',
                  HINT = 'Pass sha256(convert_to(compliance.rights_notice(lang, format), ''UTF8'')) of the explanation shown.';
    END IF;
    IF digest <> v_text AND digest <> sha256(convert_to(compliance.rights_notice(lang, 'html'), 'UTF8')) THEN
        RAISE EXCEPTION 'rights_digest matches no explanation of rights in language "%"', lang
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The explanation of rights shown before consent must be the one compliance.rights_notice() generates, in the notice''s language (Art. 5.5, 5.7 of Law 99-Z), so that the digest proves what the subject was told.',
                  HINT = 'Show compliance.rights_notice(notice_lang, format) and pass the SHA-256 digest of its UTF-8 text, or pass no digest.';
    END IF;
    RETURN digest;
END
$$;
COMMENT ON FUNCTION compliance.check_rights_digest(bytea, text) IS
    'Internal: the digest of the explanation of rights (compliance.rights_notice) a consent is given against: the given one, if it is that of the text or HTML form in the language, else (NULL) that of the text form; raises invalid_parameter_value for any other.';
