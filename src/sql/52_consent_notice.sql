-- The information a subject must receive before consenting (Art. 5.5),
-- generated from the registry in Russian (default) or English.  Consents
-- record the SHA-256 digest of the notice they were given against.

CREATE FUNCTION compliance.check_lang(lang text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF lang IS NULL OR lang NOT IN ('ru', 'en') THEN
        RAISE EXCEPTION 'unsupported language "%"', lang
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Documents for data subjects are generated in Russian and English.',
                  HINT = 'Pass ''ru'' or ''en''.';
    END IF;
    RETURN lang;
END
$$;
COMMENT ON FUNCTION compliance.check_lang(text) IS
    'Returns the language code if documents can be generated in it (ru, en); raises invalid_parameter_value otherwise.';

-- A period in words, independent of IntervalStyle (notices are digested).
CREATE FUNCTION compliance.interval_words(period interval, lang text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH parts(n, en1, en2, ru1, ru2, ru5) AS (VALUES
        (extract(year FROM justify_interval(period))::int, 'year', 'years', 'год', 'года', 'лет'),
        (extract(month FROM justify_interval(period))::int, 'month', 'months', 'месяц', 'месяца', 'месяцев'),
        (extract(day FROM justify_interval(period))::int, 'day', 'days', 'день', 'дня', 'дней'))
    SELECT coalesce(string_agg(n || ' ' || CASE
               WHEN lang = 'en' THEN CASE WHEN n = 1 THEN en1 ELSE en2 END
               WHEN n % 10 = 1 AND n % 100 <> 11 THEN ru1
               WHEN n % 10 BETWEEN 2 AND 4 AND n % 100 NOT BETWEEN 12 AND 14 THEN ru2
               ELSE ru5 END, ' '), CASE WHEN lang = 'en' THEN 'less than a day' ELSE 'менее суток' END)
      FROM parts WHERE n > 0
$$;
COMMENT ON FUNCTION compliance.interval_words(interval, text) IS
    'A period as years, months and days in words (ru or en), independent of IntervalStyle.';

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
    ru boolean := compliance.check_lang(lang) = 'ru';
    v_proc compliance.processor;
    v_purposes text;
    v_authorised text;
    v_period text;
    v_countries text[];
    v_transfer text;
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
               CASE WHEN ru THEN 'Правовое основание' ELSE 'Legal basis' END,
               CASE WHEN p.legal_basis = 'consent'
                    THEN CASE WHEN ru THEN 'согласие субъекта персональных данных' ELSE 'consent of the data subject' END
                    ELSE compliance.report_basis_text(p.legal_basis, lang)
                         || ' (' || compliance.basis_citation(p.legal_basis, lang) || ')' END,
               CASE WHEN ru THEN 'Персональные данные' ELSE 'Personal data' END,
               coalesce(compliance.items_text(p.data_items, lang),
                        CASE WHEN ru THEN 'все персональные данные, обрабатываемые для этой цели'
                             ELSE 'all personal data processed for this purpose' END),
               CASE WHEN p.actions IS NULL THEN ''
                    ELSE format(' %s: %s.', CASE WHEN ru THEN 'Действия с персональными данными' ELSE 'Actions on personal data' END,
                                compliance.actions_text(p.actions, lang)) END,
               CASE WHEN p.retention IS NULL THEN ''
                    ELSE CASE WHEN ru THEN ' Срок хранения после прекращения основания: ' ELSE ' Kept after the basis ends for: ' END
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
        v_transfer := CASE WHEN ru THEN concat_ws(E'\n',
            'ТРАНСГРАНИЧНАЯ ПЕРЕДАЧА ПЕРСОНАЛЬНЫХ ДАННЫХ (пункт 1 статьи 9)',
            'С вашего согласия персональные данные будут передаваться на территорию иностранных государств: '
                || (SELECT string_agg(compliance.country_name(c, lang), ', ' ORDER BY compliance.country_name(c, lang))
                      FROM unnest(v_countries) c) || '.',
            'На территории этих государств не обеспечивается надлежащий уровень защиты прав субъектов персональных данных. Риски передачи: персональные данные могут обрабатываться без гарантий, установленных Законом; вы можете не иметь возможности реализовать в отношении них свои права (статьи 10–13) и обжаловать их нарушение в уполномоченный орган; доступ к ним могут получить органы этих государств.',
            'Без вашего согласия на передачу ваши данные туда не передаются; отзыв согласия прекращает и передачу.')
            ELSE concat_ws(E'\n',
            'TRANSBORDER TRANSMISSION (Article 9.1)',
            'With your consent, your personal data will be transmitted to the territory of: '
                || (SELECT string_agg(compliance.country_name(c, lang), ', ' ORDER BY compliance.country_name(c, lang))
                      FROM unnest(v_countries) c) || '.',
            'These countries do not ensure an adequate level of protection of the rights of data subjects. The risks of the transmission: your personal data may be processed without the safeguards of the Law; you may be unable to exercise your rights over them (Articles 10 to 13) or to appeal against their violation to the authorised body; the authorities of these countries may gain access to them.',
            'Without your consent to the transmission your data are not sent there; withdrawing your consent ends the transmission too.') END;
    END IF;

    SELECT string_agg(format('- %s, %s (%s)', compliance.recipient_label(r.code, lang), r.location,
                             compliance.country_name(r.country, lang)), E'\n' ORDER BY r.code)
      INTO v_authorised
      FROM compliance.recipients r WHERE r.kind = 'authorised_person';

    v_period := CASE
        -- a Belarus date, the last day included
        WHEN valid_until IS NOT NULL AND ru THEN compliance.report_until(valid_until, lang) || ' или до его отзыва'
        WHEN valid_until IS NOT NULL THEN compliance.report_until(valid_until, lang) || ' or until you withdraw it'
        WHEN ru THEN 'до отзыва согласия'
        ELSE 'until you withdraw it' END;

    IF ru THEN
        RETURN concat_ws(E'\n',
            'Информация, предоставляемая субъекту персональных данных до получения его согласия',
            '(пункт 5 статьи 5 Закона Республики Беларусь от 7 мая 2021 г. № 99-З «О защите персональных данных»)',
            '',
            'Оператор: ' || v_proc.name || ', ' || v_proc.location,
            '',
            'Цели обработки персональных данных:',
            v_purposes,
            '',
            'Срок, на который дается согласие: ' || v_period || '.',
            '',
            'Уполномоченные лица, обрабатывающие персональные данные по поручению оператора:',
            coalesce(v_authorised, '- нет'),
            '',
            'Способы обработки: автоматизированная обработка в информационной системе оператора с разграничением доступа, журналированием и блокированием обработки при отзыве согласия.',
            '',
            v_transfer || E'\n',
            'ВАШИ ПРАВА И ПОРЯДОК ИХ РЕАЛИЗАЦИИ',
            '- в любое время без объяснения причин отозвать согласие (статья 10);',
            '- получить информацию, касающуюся обработки ваших персональных данных, в течение пяти рабочих дней (статья 11);',
            '- требовать изменения неполных, устаревших или неточных персональных данных (пункт 4 статьи 11);',
            '- один раз в календарный год бесплатно получить информацию о предоставлении ваших персональных данных третьим лицам (статья 12);',
            '- требовать от оператора бесплатного прекращения обработки своих персональных данных, включая их удаление, при отсутствии оснований для обработки, предусмотренных Законом и иными законодательными актами (статья 13);',
            '- обжаловать действия (бездействие) и решения оператора в уполномоченный орган по защите прав субъектов персональных данных (статья 15).',
            'Для реализации прав подайте оператору заявление в письменной форме или в виде электронного документа: фамилия, собственное имя, отчество (если таковое имеется), адрес места жительства (места пребывания), дата рождения, идентификационный номер (если указывался при даче согласия), изложение сути требований, личная или электронная цифровая подпись (статья 14).',
            '',
            'ПОСЛЕДСТВИЯ ДАЧИ СОГЛАСИЯ ИЛИ ОТКАЗА В ЕГО ДАЧЕ',
            'Если вы дадите согласие, оператор будет обрабатывать указанные персональные данные для указанных целей до окончания срока согласия или его отзыва. Если вы откажетесь, эти данные не будут обрабатываться для этих целей, и услуги, зависящие от них, могут быть недоступны. Отзыв согласия не имеет обратной силы: обработка персональных данных до ее прекращения не является незаконной (пункт 4 статьи 10).');
    END IF;
    RETURN concat_ws(E'\n',
        'Information given to the data subject before their consent is obtained',
        '(Article 5.5 of Law of the Republic of Belarus No. 99-Z of 7 May 2021 "On the protection of personal data")',
        '',
        'Processor: ' || v_proc.name || ', ' || v_proc.location,
        '',
        'Purposes of processing:',
        v_purposes,
        '',
        'Period of consent: ' || v_period || '.',
        '',
        'Authorised persons processing personal data on the processor''s behalf:',
        coalesce(v_authorised, '- none'),
        '',
        'Means of processing: automated processing in the processor''s information system with access control, logging, and blocking of processing when consent is withdrawn.',
        '',
        v_transfer || E'\n',
        'YOUR RIGHTS AND HOW TO EXERCISE THEM',
        '- to withdraw your consent at any time without giving reasons (Article 10);',
        '- to obtain information on the processing of your personal data within five working days (Article 11);',
        '- to demand that incomplete, outdated or inaccurate personal data be modified (Article 11.4);',
        '- to obtain, once per calendar year free of charge, information on the provision of your personal data to third parties (Article 12);',
        '- to demand that the processor stop processing your personal data free of charge, including deleting them, where there are no grounds for processing under the Law and other legislative acts (Article 13);',
        '- to appeal against the processor''s actions, failure to act and decisions to the authorised data subject protection body (Article 15).',
        'To exercise a right, send the processor an application by written letter or electronic document stating your surname, first name, patronymic, residential address, date of birth, identification number (if you gave it with your consent), the essence of your demand, and your signature or electronic signature (Article 14).',
        '',
        'CONSEQUENCES OF GIVING OR REFUSING CONSENT',
        'If you give consent, the processor will process the personal data listed above for the stated purposes until the consent ends or you withdraw it. If you refuse, these data will not be processed for these purposes, and services that depend on them may be unavailable. Withdrawal has no retroactive effect: processing before it stopped is not unlawful (Article 10.4).');
END
$$;
COMMENT ON FUNCTION compliance.notice_text(compliance.purpose_set, text, timestamptz, text[]) IS
    'Internal: the text of compliance.consent_notice() without its warnings for missing labels, as consents digest it. The information Art. 5.5 of Law 99-Z requires before consent (processor, purposes, data, period, authorised persons, actions, means, rights and how to use them, consequences), in Russian (default) or English, generated from the registry; with transfer_countries, also the countries of a transborder transmission and its risks (Art. 9.1).';

CREATE FUNCTION compliance.consent_notice(purposes compliance.purpose_set, lang text DEFAULT 'ru',
        valid_until timestamptz DEFAULT NULL, transfer_countries text[] DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_notice text := compliance.notice_text(purposes, lang, valid_until, transfer_countries);
    v_missing text[] := '{}';
BEGIN
    -- what the notice names without a label in its language
    v_missing := v_missing || compliance.unlabelled(lang, 'purpose',
        ARRAY(SELECT p.code FROM compliance.purposes p WHERE consent_notice.purposes @> p.code::compliance.purpose));
    v_missing := v_missing || compliance.unlabelled(lang, 'data_item',
        ARRAY(SELECT i FROM compliance.purposes p, unnest(p.data_items) i
               WHERE consent_notice.purposes @> p.code::compliance.purpose));
    v_missing := v_missing || compliance.unlabelled(lang, 'recipient',
        ARRAY(SELECT r.code FROM compliance.recipients r WHERE r.kind = 'authorised_person'));
    PERFORM compliance.warn_missing_labels(lang, v_missing);
    RETURN v_notice;
END
$$;
COMMENT ON FUNCTION compliance.consent_notice(compliance.purpose_set, text, timestamptz, text[]) IS
    'The information Art. 5.5 of Law 99-Z requires before consent (processor, purposes, data, period, authorised persons, actions, means, rights and how to use them, consequences), in Russian (default) or English, generated from the registry with the labels of compliance.set_label() (a WARNING names each item without one); with transfer_countries, also the countries of a transborder transmission and its risks (Art. 9.1). Consents record the SHA-256 digest of this text.';
