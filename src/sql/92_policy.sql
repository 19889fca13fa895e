-- The processor's policy on personal data processing (Art. 17.3 of Law
-- 99-Z: a compulsory measure; Art. 17.4: published with unlimited access
-- before processing starts), generated from the registry so that it says
-- what the database enforces: the processor, purposes with their legal
-- bases and retention, categories of data (special ones marked), tables
-- kept by law, recipients and authorised persons, transborder transmission,
-- the subject's rights and how to exercise them, and the deadlines.
-- Russian (default) or English, plain text or HTML (report_render,
-- 72_subject_access.sql).

CREATE FUNCTION compliance.category_text(category compliance.data_category, lang text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN lang = 'ru' THEN CASE category
            -- the words of Art. 1 of the Law; "ordinary" is no term of it
            WHEN 'ordinary' THEN 'персональные данные, не относящиеся к специальным'
            WHEN 'publicly_accessible' THEN 'общедоступные персональные данные'
            WHEN 'racial_ethnic_origin' THEN 'персональные данные, касающиеся расовой либо национальной принадлежности'
            WHEN 'political_opinions' THEN 'персональные данные, касающиеся политических взглядов'
            WHEN 'trade_union_membership' THEN 'персональные данные, касающиеся членства в профессиональных союзах'
            WHEN 'religious_beliefs' THEN 'персональные данные, касающиеся религиозных или других убеждений'
            WHEN 'health' THEN 'персональные данные, касающиеся здоровья'
            WHEN 'sex_life' THEN 'персональные данные, касающиеся половой жизни'
            WHEN 'criminal_record' THEN 'персональные данные, касающиеся привлечения к административной или уголовной ответственности'
            WHEN 'biometric' THEN 'биометрические персональные данные'
            WHEN 'genetic' THEN 'генетические персональные данные' END
        ELSE CASE category
            WHEN 'ordinary' THEN 'personal data other than special'
            WHEN 'publicly_accessible' THEN 'publicly accessible personal data'
            WHEN 'racial_ethnic_origin' THEN 'racial or ethnic origin'
            WHEN 'political_opinions' THEN 'political opinions'
            WHEN 'trade_union_membership' THEN 'trade union membership'
            WHEN 'religious_beliefs' THEN 'religious or other beliefs'
            WHEN 'health' THEN 'health'
            WHEN 'sex_life' THEN 'sex life'
            WHEN 'criminal_record' THEN 'administrative or criminal liability'
            WHEN 'biometric' THEN 'biometric personal data'
            WHEN 'genetic' THEN 'genetic personal data' END END
$$;
COMMENT ON FUNCTION compliance.category_text(compliance.data_category, text) IS
    'A category of personal data (Art. 1, 8 of Law 99-Z) in words, in Russian (ru) or English (en).';

CREATE FUNCTION compliance.policy_document(lang text DEFAULT 'ru', format text DEFAULT 'text')
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ru boolean;
    v_proc compliance.processor;
    v_home text;
    v_as_of timestamptz;
    v_list jsonb;
    b jsonb := '[]';
    v_missing text[] := '{}';
BEGIN
    ru := compliance.check_lang(lang) = 'ru';
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
        jsonb_build_object('p', CASE WHEN ru
            THEN '(пункты 3 и 4 статьи 17 Закона Республики Беларусь от 7 мая 2021 г. № 99-З «О защите персональных данных», далее — Закон)'
            ELSE '(Article 17.3 and 17.4 of Law of the Republic of Belarus No. 99-Z of 7 May 2021 "On the protection of personal data", the Law)' END),
        jsonb_build_object('p', CASE WHEN ru THEN 'Редакция от ' ELSE 'Edition of ' END
                                || compliance.report_date(v_as_of, lang)),
        jsonb_build_object('h2', CASE WHEN ru THEN '1. Оператор' ELSE '1. Processor' END),
        jsonb_build_object('p', concat(v_proc.name, ', ', v_proc.location, ' (',
                                       compliance.country_name(v_proc.country, lang), ')')),
        jsonb_build_object('p', CASE WHEN ru
            THEN 'Настоящая политика определяет, какие персональные данные обрабатывает оператор, для каких целей, на каких правовых основаниях и в течение какого срока, кому они предоставляются, а также права субъектов персональных данных и порядок их реализации. Доступ к политике не ограничен (пункт 4 статьи 17 Закона). Обработка осуществляется только для заявленных целей и в объеме, соответствующем им (пункты 4 и 5 статьи 4 Закона).'
            ELSE 'This policy sets out which personal data the processor processes, for which purposes, on which legal bases and for how long, to whom they are provided, and the rights of data subjects and how to exercise them. Access to it is unlimited (Article 17.4 of the Law). Personal data are processed only for the stated purposes and to the extent they require (Article 4.4 and 4.5 of the Law).' END));

    -- 2. Purposes, bases, data items, actions, retention (Art. 4.4, 4.5, 4.8, 6, 8).
    SELECT jsonb_agg(concat_ws(' ',
               compliance.purpose_label(p.code, lang) || '.',
               format('%s: %s (%s).', CASE WHEN ru THEN 'Правовое основание' ELSE 'Legal basis' END,
                      compliance.report_basis_text(p.legal_basis, lang),
                      compliance.basis_citation(p.legal_basis, lang)),
               -- which purposes cover all subjects, and why (Art. 6)
               CASE WHEN p.legal_basis = 'consent' THEN NULL
                    WHEN p.basis_scope = 'all_subjects'
                    THEN CASE WHEN ru
                              THEN 'Основание распространяется на всех субъектов, чьи персональные данные обрабатываются для этой цели, в силу названной нормы Закона; основание для каждого субъекта отдельно не устанавливается.'
                              ELSE 'The basis covers every subject whose personal data are processed for this purpose, by force of the provision of the Law named; no ground is established for each subject separately.' END
                    ELSE CASE WHEN ru
                              THEN 'Основание устанавливается для каждого субъекта отдельно (договор, трудовые или иные отношения с ним) и действует с его возникновения до прекращения; данные субъекта без такого основания для этой цели не обрабатываются.'
                              ELSE 'The basis is established for each subject separately (a contract, employment or another relation with the subject) and applies from its start until it ends; a subject''s data without such a ground are not processed for this purpose.' END END,
               format('%s: %s.', CASE WHEN ru THEN 'Персональные данные' ELSE 'Personal data' END,
                      coalesce(compliance.items_text(p.data_items, lang),
                               CASE WHEN ru THEN 'все персональные данные, указанные в разделе 3'
                                    ELSE 'all personal data listed in section 3' END)),
               CASE WHEN p.actions IS NOT NULL
                    THEN format('%s: %s.', CASE WHEN ru THEN 'Действия с персональными данными' ELSE 'Actions on personal data' END,
                                compliance.actions_text(p.actions, lang)) END,
               format('%s: %s.', CASE WHEN ru THEN 'Срок хранения' ELSE 'Retention' END,
                      CASE WHEN p.legal_basis = 'consent'
                           THEN CASE WHEN ru THEN 'в течение срока действия согласия' ELSE 'while the consent is in force' END
                           WHEN p.basis_scope = 'per_subject'
                           THEN CASE WHEN ru THEN 'пока у субъекта действует основание' ELSE 'while the subject''s ground is in force' END
                           ELSE CASE WHEN ru THEN 'пока действует правовое основание' ELSE 'while the legal basis applies' END END
                      -- the period in the nominative, after a dash: "1 месяц"
                      || CASE WHEN p.retention IS NULL
                              THEN CASE WHEN ru THEN '; после его прекращения данные удаляются' ELSE '; afterwards the data are deleted' END
                              ELSE CASE WHEN ru THEN ', а после его прекращения — ' ELSE ' and for ' END || compliance.interval_words(p.retention, lang)
                                   || CASE WHEN ru THEN ', затем данные удаляются'
                                           ELSE ' after it ends; then the data are deleted' END END),
               p.description) ORDER BY p.id)
      INTO v_list
      FROM compliance.purposes p JOIN compliance.legal_bases b ON b.basis = p.legal_basis
     WHERE p.retired_at IS NULL;
    b := b || jsonb_build_array(
        jsonb_build_object('h2', CASE WHEN ru THEN '2. Цели обработки, правовые основания и сроки хранения'
                                      ELSE '2. Purposes of processing, legal bases and retention' END),
        jsonb_build_object('ul', coalesce(v_list, jsonb_build_array(CASE WHEN ru THEN 'цели обработки не заявлены' ELSE 'no purposes are registered' END))),
        jsonb_build_object('p', CASE WHEN ru
            THEN 'Срок хранения исчисляется с прекращения основания обработки: отзыва согласия или истечения его срока, прекращения договора или иного основания, установленного для субъекта, блокирования персональных данных, выполнения требования субъекта о прекращении обработки и удалении. По истечении срока по всем целям персональные данные удаляются, а если законодательство требует их хранения — блокируются (пункт 8 статьи 4, пункт 2 статьи 13 Закона).'
            ELSE 'Retention runs from the end of the basis of processing: withdrawal or expiry of consent, the end of a contract or another ground established for the subject, blocking of the personal data, or a fulfilled demand of the subject to stop processing and delete them. When it has run out for every purpose, the personal data are deleted, or blocked where legislation requires keeping them (Article 4.8 and 13.2 of the Law).' END));

    -- 3. Categories of personal data per table (Art. 1, 8), and what is kept by law (Art. 13.3).
    -- Tables and columns by their labels, never by their names (the policy
    -- is published: Art. 17.4); unlabelled ones numbered.
    SELECT jsonb_agg(concat(
               coalesce(compliance.column_label(t.relid, NULL, lang),
                        CASE WHEN ru THEN 'Набор данных № ' ELSE 'Data set no. ' END || t.n),
               -- whose data: the kind of subject the table holds
               CASE WHEN ru THEN ' [субъекты персональных данных: ' ELSE ' [data subjects: ' END
               || coalesce(compliance.kind_label(t.subject_kind, lang),
                           CASE WHEN ru THEN 'физические лица' ELSE 'natural persons' END) || ']', ': ',
               (SELECT string_agg(format('%s — %s%s', g.cols, compliance.category_text(g.category, lang),
                                         CASE WHEN g.category > 'publicly_accessible'
                                              THEN CASE WHEN ru THEN ' (специальные персональные данные, статья 8 Закона)'
                                                        ELSE ' (special personal data, Article 8 of the Law)' END
                                              ELSE '' END), '; ' ORDER BY g.category)
                  FROM (SELECT coalesce(c.category, 'ordinary') AS category,
                               string_agg(coalesce(compliance.column_label(t.relid, a.attname, lang),
                                                   CASE WHEN ru THEN 'поле № ' ELSE 'field no. ' END || a.attnum),
                                          ', ' ORDER BY a.attnum) AS cols
                          FROM pg_attribute a
                          LEFT JOIN compliance.protected_columns c ON c.relid = t.relid AND c.column_name = a.attname
                         WHERE a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped
                         GROUP BY 1) g),
               '.',
               CASE WHEN r.ground IS NOT NULL
                    THEN CASE WHEN ru THEN ' Хранится в соответствии с законодательством: ' ELSE ' Kept as legislation requires: ' END
                         || r.ground || '.' END) ORDER BY t.n)
      INTO v_list
      FROM (SELECT p.*, row_number() OVER (ORDER BY p.relid::text) AS n FROM compliance.protected_tables p) t
      LEFT JOIN compliance.retained_tables r ON r.relid = t.relid;
    b := b || jsonb_build_array(
        jsonb_build_object('h2', CASE WHEN ru THEN '3. Категории обрабатываемых персональных данных'
                                      ELSE '3. Categories of personal data processed' END),
        jsonb_build_object('ul', coalesce(v_list, jsonb_build_array(CASE WHEN ru THEN 'нет' ELSE 'none' END))));
    IF EXISTS (SELECT FROM compliance.protected_columns c WHERE c.category > 'publicly_accessible') THEN
        b := b || jsonb_build_array(jsonb_build_object('p', CASE WHEN ru
            THEN 'Специальные персональные данные обрабатываются только с согласия субъекта или на основаниях пункта 2 статьи 8 Закона, с мерами защиты, исключающими несанкционированный доступ к ним.'
            ELSE 'Special personal data are processed only with the subject''s consent or on the bases of Article 8.2 of the Law, with protection measures that prevent unauthorised access to them.' END));
    END IF;

    -- 4. Recipients and authorised persons (Art. 7).
    SELECT jsonb_agg(format('%s, %s (%s). %s', compliance.recipient_label(r.code, lang), r.location,
               compliance.country_name(r.country, lang),
               CASE WHEN r.kind = 'authorised_person'
                    THEN CASE WHEN ru THEN 'Уполномоченное лицо, обрабатывающее персональные данные по поручению оператора (статья 7 Закона)'
                              ELSE 'Authorised person processing personal data on the processor''s behalf (Article 7 of the Law)' END
                         || coalesce(CASE WHEN ru THEN '; цели: ' ELSE '; purposes: ' END
                                     || (SELECT string_agg(compliance.purpose_label(p.code, lang), ', ' ORDER BY p.id) FROM compliance.purposes p
                                          WHERE a.purposes @> p.code::compliance.purpose AND p.retired_at IS NULL)
                                     || CASE WHEN ru THEN '; действия: ' ELSE '; actions: ' END
                                     || compliance.actions_text(a.actions, lang), '') || '.'
                    ELSE CASE WHEN ru THEN 'Третье лицо, которому персональные данные предоставляются.'
                              ELSE 'Third party to whom personal data are provided.' END END)
               ORDER BY r.kind = 'authorised_person' DESC, r.code)
      INTO v_list
      FROM compliance.recipients r
      LEFT JOIN compliance.recipient_agreements a ON a.recipient = r.code;
    b := b || jsonb_build_array(
        jsonb_build_object('h2', CASE WHEN ru THEN '4. Получатели персональных данных и уполномоченные лица'
                                      ELSE '4. Recipients of personal data and authorised persons' END),
        jsonb_build_object('ul', coalesce(v_list, jsonb_build_array(CASE WHEN ru
            THEN 'персональные данные третьим лицам не предоставляются, уполномоченные лица не привлекаются'
            ELSE 'personal data are not provided to third parties; no authorised persons are engaged' END))));

    -- 5. Transborder transmission (Art. 9).
    SELECT jsonb_agg(format('%s — %s: %s', x.country_name, x.names,
               CASE WHEN x.adequate
                    THEN CASE WHEN ru THEN 'государство, обеспечивающее надлежащий уровень защиты прав субъектов персональных данных'
                              ELSE 'a state that affords an adequate level of protection of data subjects'' rights' END
                    ELSE CASE WHEN ru THEN 'государство, не обеспечивающее надлежащий уровень защиты; передача только в случаях пункта 1 статьи 9 Закона'
                              ELSE 'a state that does not afford an adequate level of protection; transmission only in the cases of Article 9.1 of the Law' END END)
               ORDER BY x.country_name)
      INTO v_list
      FROM (SELECT compliance.country_name(c.code, lang) AS country_name,
                   string_agg(compliance.recipient_label(r.code, lang), ', ' ORDER BY r.code) AS names,
                   EXISTS (SELECT FROM compliance.adequate_countries q WHERE q.country = r.country) AS adequate
              FROM compliance.recipients r JOIN compliance.countries c ON c.code = r.country
             WHERE r.country <> v_home
             GROUP BY c.code, r.country) x;
    b := b || jsonb_build_array(
        jsonb_build_object('h2', CASE WHEN ru THEN '5. Трансграничная передача персональных данных'
                                      ELSE '5. Transborder transmission of personal data' END),
        CASE WHEN v_list IS NULL
             THEN jsonb_build_object('p', CASE WHEN ru THEN 'Трансграничная передача персональных данных не осуществляется.'
                                               ELSE 'Personal data are not transmitted across borders.' END)
             ELSE jsonb_build_object('ul', v_list) END);

    -- 6. Rights and how to exercise them (Art. 10-15); 7. deadlines.
    b := b || jsonb_build_array(
        jsonb_build_object('h2', CASE WHEN ru THEN '6. Права субъекта персональных данных и порядок их реализации'
                                      ELSE '6. Rights of the data subject and how to exercise them' END),
        jsonb_build_object('ul', CASE WHEN ru THEN jsonb_build_array(
            'в любое время без объяснения причин отозвать согласие (статья 10 Закона);',
            'получить информацию, касающуюся обработки своих персональных данных (статья 11);',
            'требовать изменения неполных, устаревших или неточных персональных данных (пункт 4 статьи 11);',
            'один раз в календарный год бесплатно получить информацию о предоставлении своих персональных данных третьим лицам (статья 12);',
            'требовать от оператора бесплатного прекращения обработки своих персональных данных, включая их удаление, при отсутствии оснований для обработки, предусмотренных Законом и иными законодательными актами (статья 13);',
            'обжаловать действия (бездействие) и решения оператора в уполномоченный орган по защите прав субъектов персональных данных (статья 15).')
            ELSE jsonb_build_array(
            'to withdraw consent at any time without giving reasons (Article 10 of the Law);',
            'to obtain information on the processing of their personal data (Article 11);',
            'to demand that incomplete, outdated or inaccurate personal data be modified (Article 11.4);',
            'to obtain, once per calendar year free of charge, information on the provision of their personal data to third parties (Article 12);',
            'to demand that the processor stop processing their personal data free of charge, including deleting them, where there are no grounds for processing under the Law and other legislative acts (Article 13);',
            'to appeal against the processor''s actions, failure to act and decisions to the authorised data subject protection body (Article 15).') END),
        jsonb_build_object('p', CASE WHEN ru
            THEN 'Для реализации прав субъект подает оператору заявление в письменной форме (по адресу: ' || v_proc.location || ') или в виде электронного документа, а для отзыва согласия — также в форме, в которой согласие было получено. Заявление содержит фамилию, собственное имя, отчество (если таковое имеется), адрес места жительства (места пребывания), дату рождения, идентификационный номер (либо номер документа, удостоверяющего личность, если он указывался при даче согласия или обработка осуществляется без согласия), изложение сути требований и личную или электронную цифровую подпись (статья 14 Закона). Ответ направляется в той форме, в которой подано заявление, если в нем не указано иное.'
            ELSE 'To exercise a right, the subject sends the processor an application in writing (to: ' || v_proc.location || ') or as an electronic document, and, to withdraw consent, also in the form in which consent was obtained. The application states the surname, first name, patronymic, residential address, date of birth, identification number (or the number of the identity document, if it was given with the consent or the data are processed without consent), the essence of the demand, and a signature or electronic signature (Article 14 of the Law). The reply is sent in the form of the application unless it asks otherwise.' END),
        jsonb_build_object('h2', CASE WHEN ru THEN '7. Сроки' ELSE '7. Deadlines' END),
        jsonb_build_object('ul', CASE WHEN ru THEN jsonb_build_array(
            'информация об обработке персональных данных — в течение пяти рабочих дней после получения заявления (пункт 2 статьи 11);',
            'изменение персональных данных — в пятнадцатидневный срок (пункт 4 статьи 11);',
            'информация о предоставлении персональных данных третьим лицам — в пятнадцатидневный срок (пункт 2 статьи 12);',
            'прекращение обработки, удаление или блокирование персональных данных после отзыва согласия — в пятнадцатидневный срок (пункт 2 статьи 10);',
            'прекращение обработки и удаление персональных данных по требованию субъекта — в пятнадцатидневный срок (пункт 2 статьи 13);',
            'уведомление уполномоченного органа о нарушениях систем защиты персональных данных — незамедлительно, но не позднее трех рабочих дней после того, как оператору стало известно о нарушении (пункт 1 статьи 16).')
            ELSE jsonb_build_array(
            'information on the processing of personal data — within five working days of receiving the application (Article 11.2);',
            'modification of personal data — within fifteen days (Article 11.4);',
            'information on the provision of personal data to third parties — within fifteen days (Article 12.2);',
            'stopping processing and deleting or blocking personal data after consent is withdrawn — within fifteen days (Article 10.2);',
            'stopping processing and deleting personal data at the subject''s demand — within fifteen days (Article 13.2);',
            'notifying the authorised data subject protection body of breaches of personal data protection — immediately, and no later than three working days after the processor became aware of them (Article 16.1).') END),
        jsonb_build_object('p', CASE WHEN ru
            THEN 'Рабочие дни исчисляются по календарю Республики Беларусь: без суббот, воскресений, государственных праздников и праздничных дней, с учетом переносов рабочих дней.'
            ELSE 'Working days follow the calendar of the Republic of Belarus: Saturdays, Sundays, public holidays and transferred days off are not counted, transferred working days are.' END),
        -- 8. Measures (Art. 17).
        jsonb_build_object('h2', CASE WHEN ru THEN '8. Меры по обеспечению защиты персональных данных'
                                      ELSE '8. Measures to protect personal data' END),
        jsonb_build_object('ul', CASE WHEN ru THEN jsonb_build_array(
            'обработка в информационной системе оператора допускается только для заявленной цели, при наличии правового основания и только в отношении персональных данных, необходимых для этой цели; отзыв согласия или блокирование действуют немедленно;',
            'согласия субъектов и предоставление персональных данных третьим лицам фиксируются в журналах, защищенных от изменения;',
            'персональные данные, срок хранения которых истек, удаляются или блокируются;',
            'нарушения систем защиты персональных данных регистрируются, уполномоченный орган уведомляется в установленный срок;',
            'требования уполномоченного органа об изменении, блокировании или удалении персональных данных регистрируются и исполняются.')
            ELSE jsonb_build_array(
            'the processor''s information system processes personal data only for a stated purpose, on a legal basis, and only the personal data that purpose needs; a withdrawal of consent or a block takes effect at once;',
            'consents of data subjects and provisions of personal data to third parties are recorded in tamper-evident logs;',
            'personal data whose retention has run out are deleted or blocked;',
            'breaches of personal data protection are registered and the authorised body is notified within the statutory period;',
            'demands of the authorised body to modify, block or delete personal data are registered and executed.') END));

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

    RETURN compliance.report_render(CASE WHEN ru THEN 'Политика в отношении обработки персональных данных'
                                         ELSE 'Personal data processing policy' END,
                                    lang, format, b);
END
$$;
COMMENT ON FUNCTION compliance.policy_document(text, text) IS
    'The processor''s policy on personal data processing (Art. 17.3, 17.4 of Law 99-Z) generated from the registry: processor, purposes with legal bases, data items, actions and retention (Art. 4.8), categories of data per protected table with special ones marked (Art. 8) and tables kept by law, recipients and authorised persons (Art. 7), transborder transmission (Art. 9), the subject''s rights and how to exercise them (Art. 10-15), deadlines and protection measures. Russian (ru, default) or English (en); plain text or a self-contained HTML page.';

REVOKE EXECUTE ON FUNCTION compliance.policy_document(text, text) FROM PUBLIC;
-- The policy is public (Art. 17.4); every role may generate it.
GRANT EXECUTE ON FUNCTION compliance.policy_document(text, text)
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
