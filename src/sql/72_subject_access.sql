-- The right to information on processing (Art. 11.1 of Law 99-Z): what the
-- processor holds about a subject, why, since when and who else processes
-- it, as jsonb (subject_access) and as a document for the subject in
-- Russian or English, plain text or HTML (subject_access_report).
--
-- Officer functions read protected tables whatever the caller's declared
-- purpose (the law itself demands this processing): they are SECURITY
-- DEFINER, owned by the superuser who created the extension, and switch
-- enforcement off in their SET clause, which only a superuser owner may.
-- They also clear compliance.recipient: answering the subject is not a
-- disclosure to a third party.

-- Art. 11.1: "the source from which these were obtained", per table.
CREATE TABLE compliance.data_sources (
    relid   regclass PRIMARY KEY,
    source  text NOT NULL CHECK (btrim(source) <> '')
);
COMMENT ON TABLE compliance.data_sources IS
    'Where the personal data in a protected table were obtained (Art. 11.1 of Law 99-Z), shown in access reports. Set with compliance.set_data_source().';
SELECT pg_catalog.pg_extension_config_dump('compliance.data_sources', '');

-- Art. 11.3 (access) and Art. 12.3 (disclosures): processing the subject is
-- not told about.
CREATE TABLE compliance.purpose_exemptions (
    purpose             compliance.purpose PRIMARY KEY,
    access_exempt       boolean NOT NULL,
    disclosure_exempt   boolean NOT NULL,
    ground              text NOT NULL CHECK (btrim(ground) <> ''),
    -- pg_dump loads the data of extension tables in foreign-key order:
    -- the registry, which reading a purpose value needs, comes first.
    registry_ref        integer GENERATED ALWAYS AS (compliance.purpose_id(purpose)) STORED
                        REFERENCES compliance.purposes (id),
    CHECK (access_exempt OR disclosure_exempt)
);
COMMENT ON TABLE compliance.purpose_exemptions IS
    'Purposes whose processing is not reported to the subject: access_exempt under Art. 11.3 of Law 99-Z (state statistics, national security, investigations and proceedings, criminal records, other legislative acts), disclosure_exempt under Art. 12.3; ground names the provision. Set with compliance.set_purpose_exemption().';
COMMENT ON COLUMN compliance.purpose_exemptions.registry_ref IS 'The purpose''s registry id; its foreign key makes pg_dump restore compliance.purposes before this table.';
SELECT pg_catalog.pg_extension_config_dump('compliance.purpose_exemptions', '');

CREATE FUNCTION compliance.set_data_source(tbl regclass, source text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'table is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'E.g. compliance.set_data_source(''patients'', ''registration form filled in by the patient'').';
    END IF;
    IF NOT EXISTS (SELECT FROM compliance.protected_tables p WHERE p.relid = tbl) THEN
        RAISE EXCEPTION 'table "%" is not protected', tbl
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'Sources are reported for the personal data in protected tables (Art. 11.1 of Law 99-Z).',
                  HINT = 'Call compliance.protect() on the table first.';
    END IF;
    IF coalesce(btrim(source), '') = '' THEN
        DELETE FROM compliance.data_sources s WHERE s.relid = tbl;
        RETURN;
    END IF;
    INSERT INTO compliance.data_sources AS s (relid, source) VALUES (tbl, btrim(source))
    ON CONFLICT ON CONSTRAINT data_sources_pkey DO UPDATE SET source = excluded.source;
END
$$;
COMMENT ON FUNCTION compliance.set_data_source(regclass, text) IS
    'Records where the personal data of a protected table come from (Art. 11.1 of Law 99-Z: the subject is told the source); NULL or empty clears it.';

CREATE FUNCTION compliance.set_purpose_exemption(purpose compliance.purpose, access_exempt boolean,
        disclosure_exempt boolean DEFAULT false, ground text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_basis compliance.legal_basis;
BEGIN
    IF purpose IS NULL OR access_exempt IS NULL OR disclosure_exempt IS NULL THEN
        RAISE EXCEPTION 'purpose, access_exempt and disclosure_exempt are required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'E.g. compliance.set_purpose_exemption(''statistics'', true, true).';
    END IF;
    IF NOT (access_exempt OR disclosure_exempt) THEN
        DELETE FROM compliance.purpose_exemptions x WHERE x.purpose = set_purpose_exemption.purpose;
        RETURN;
    END IF;
    SELECT p.legal_basis INTO v_basis FROM compliance.purposes p
     WHERE p.code = set_purpose_exemption.purpose::text;
    ground := coalesce(nullif(btrim(ground), ''), CASE
        WHEN v_basis = 'state_statistics' THEN
            'Art. 11.3 of Law 99-Z: processing under the legislation on state statistics'
        WHEN v_basis = 'national_security' THEN
            'Art. 11.3 of Law 99-Z: processing under the legislation on national security, defence, the fight against corruption, terrorism and extremism, money laundering, or the state border'
        WHEN v_basis = 'administrative_criminal_proceedings' THEN
            'Art. 11.3 of Law 99-Z: processing under the legislation on operational and investigative activities, administrative or criminal procedure and criminal sentence enforcement'
        WHEN v_basis = 'criminal_records' THEN
            'Art. 11.3 of Law 99-Z: keeping criminal records'
        WHEN v_basis = 'justice_enforcement' AND NOT access_exempt THEN
            'Art. 12.3 of Law 99-Z: processing under the legislation on enforcement proceedings or in the administration of justice'
        END);
    IF ground IS NULL THEN
        RAISE EXCEPTION 'an exemption needs its legal ground'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('The legal basis of purpose "%s" (%s) is not one that Art. 11.3 or 12.3 of Law 99-Z names.', purpose, v_basis),
                  HINT = 'Pass ground => the provision of the legislative act that excludes informing the subject.';
    END IF;
    INSERT INTO compliance.purpose_exemptions AS x (purpose, access_exempt, disclosure_exempt, ground)
    VALUES (purpose, access_exempt, disclosure_exempt, ground)
    ON CONFLICT ON CONSTRAINT purpose_exemptions_pkey DO UPDATE
       SET access_exempt = excluded.access_exempt, disclosure_exempt = excluded.disclosure_exempt,
           ground = excluded.ground;
END
$$;
COMMENT ON FUNCTION compliance.set_purpose_exemption(compliance.purpose, boolean, boolean, text) IS
    'Marks a purpose whose processing is not reported to the subject: in access reports (access_exempt, Art. 11.3 of Law 99-Z) or on disclosures (disclosure_exempt, Art. 12.3). The ground defaults to the provision matching the purpose''s legal basis where there is one; both false removes the exemption.';

-- The WHERE condition selecting a subject's rows through alias: the subject
-- column equals the key as a value of its type (so an index can be used)
-- and its text form is the key.  NULL if the key is no value of that type.
CREATE FUNCTION compliance.subject_match(subject text, subject_column name, column_type text, alias text)
    RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_type oid := column_type::regtype;
    v_base oid;
BEGIN
    -- The key is compared as the type under any domains: a domain's CHECK
    -- is code of whoever created it, and must not run with the rights of
    -- the officer function that builds this condition.
    LOOP
        SELECT t.typbasetype INTO v_base FROM pg_type t WHERE t.oid = v_type AND t.typtype = 'd';
        EXIT WHEN NOT FOUND;
        v_type := v_base;
    END LOOP;
    -- Built-in types and enums read a key with built-in code only; an
    -- array, range or row type of other types could run a domain's CHECK.
    IF v_type >= 16384 AND NOT EXISTS (SELECT FROM pg_type t WHERE t.oid = v_type AND t.typtype = 'e') THEN
        RAISE EXCEPTION 'subject column % of type % cannot be matched to a subject key', subject_column, column_type
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Only built-in types, enums and domains over them can hold subject keys: reading a key into another type could run code of its owner with the officer''s rights.',
                  HINT = 'Protect the table by a column of a built-in type.';
    END IF;
    BEGIN
        EXECUTE format('SELECT %L::%s', subject, v_type::regtype);
    EXCEPTION WHEN data_exception THEN
        RETURN NULL;
    END;
    RETURN format('%1$I.%2$I = %3$L::%4$s AND %1$I.%2$I::text = %3$L',
                  alias, subject_column, subject, v_type::regtype);
END
$$;
COMMENT ON FUNCTION compliance.subject_match(text, name, text, text) IS
    'Internal: SQL condition selecting the rows of a subject through a table alias (subject column equal to the key, compared as its type and as text); NULL if the key cannot be a value of the column''s type.';

CREATE FUNCTION compliance.subject_access(subject text, subject_kind text DEFAULT 'person') RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET compliance.enforce = off
    SET compliance.recipient = ''
AS $$
DECLARE
    v_proc compliance.processor;
    v_processor jsonb;
    v_data jsonb := '[]';
    v_tables regclass[] := '{}';
    v_rows jsonb;
    v_match text;
    v_purposes jsonb;
    v_withheld jsonb;
    v_blocked jsonb;
    v_authorised jsonb;
    v_rel record;
BEGIN
    subject := compliance.check_subject(subject, subject_kind);
    SELECT * INTO v_proc FROM compliance.processor;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the processor is not set'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Information on processing names the processor and its location (Art. 11.1 of Law 99-Z).',
                  HINT = 'Call compliance.set_processor(name, location) first.';
    END IF;
    v_processor := jsonb_build_object('name', v_proc.name, 'location', v_proc.location, 'country', v_proc.country);

    -- The subject's rows, table by table, columns in table order: only the
    -- tables holding subjects of its kind (employee 1 is not patient 1).
    FOR v_rel IN
        SELECT p.relid, p.subject_column, format_type(a.atttypid, a.atttypmod) AS column_type,
               s.source, obj_description(p.relid, 'pg_class') AS description,
               ARRAY(SELECT c.attname::text FROM pg_attribute c
                      WHERE c.attrelid = p.relid AND c.attnum > 0 AND NOT c.attisdropped
                      ORDER BY c.attnum) AS columns
          FROM compliance.protected_tables p
          JOIN pg_attribute a ON a.attrelid = p.relid AND a.attname = p.subject_column
          LEFT JOIN compliance.data_sources s ON s.relid = p.relid
         WHERE p.subject_kind = subject_access.subject_kind
         ORDER BY p.relid::text
    LOOP
        v_match := compliance.subject_match(subject, v_rel.subject_column, v_rel.column_type, 'subject_row');
        CONTINUE WHEN v_match IS NULL;
        -- as the table's owner: casts of the owner's types run with its rights
        v_rows := compliance.read_as_table_owner(v_rel.relid,
            format('SELECT jsonb_agg(to_jsonb(subject_row.*) ORDER BY to_jsonb(subject_row.*)) FROM %s AS subject_row WHERE %s',
                   v_rel.relid, v_match))::jsonb;
        CONTINUE WHEN v_rows IS NULL;
        v_tables := v_tables || v_rel.relid;
        v_data := v_data || jsonb_build_array(jsonb_build_object(
            'table', v_rel.relid::text, 'description', v_rel.description, 'source', v_rel.source,
            'columns', to_jsonb(v_rel.columns), 'rows', v_rows));
    END LOOP;

    -- Purposes processing the subject's data: consent purposes the subject
    -- consented to (in force, expired or withdrawn), purposes recorded per
    -- subject for which the subject has or had a ground, and purposes whose
    -- basis covers all subjects that may touch a table holding the
    -- subject's rows (Art. 4.5).
    WITH relevant AS (
        SELECT p.id, p.code, p.title, p.legal_basis, p.description, p.data_items,
               b.article, b.description AS basis_description,
               s.status, s.given_at, s.valid_until, x.ground AS exempt_ground,
               g.valid_from AS ground_from, g.valid_until AS ground_until
          FROM compliance.purposes p
          JOIN compliance.legal_bases b ON b.basis = p.legal_basis
          LEFT JOIN compliance.consent_state s
                 ON s.subject = subject_access.subject AND s.subject_kind = subject_access.subject_kind
                AND s.purpose = p.code::compliance.purpose
          LEFT JOIN compliance.ground_state g
                 ON g.subject = subject_access.subject AND g.subject_kind = subject_access.subject_kind
                AND g.purpose = p.code::compliance.purpose
          LEFT JOIN compliance.purpose_exemptions x
                 ON x.purpose = p.code::compliance.purpose AND x.access_exempt
         WHERE CASE WHEN p.legal_basis = 'consent'
                    THEN s.status IN ('given', 'renewed', 'withdrawn')
                    WHEN p.basis_scope = 'per_subject'
                    THEN g.subject IS NOT NULL
                    ELSE compliance.items_touch(p.data_items, v_tables) END
    )
    SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'purpose', rel.code, 'title', rel.title, 'description', rel.description,
                'legal_basis', rel.legal_basis, 'article', rel.article,
                'basis_description', rel.basis_description, 'data_items', rel.data_items,
                'consent', CASE WHEN rel.legal_basis = 'consent' THEN jsonb_build_object(
                    'status', CASE WHEN rel.status IN ('given', 'renewed') AND rel.valid_until <= compliance.consent_clock()
                                   THEN 'expired' ELSE rel.status END,
                    'given_at', rel.given_at, 'valid_until', rel.valid_until) END,
                'ground', CASE WHEN rel.ground_from IS NOT NULL THEN jsonb_build_object(
                    'valid_from', rel.ground_from, 'valid_until', rel.ground_until,
                    'in_force', rel.ground_until IS NULL OR rel.ground_until > now()) END)
                ORDER BY rel.id), '[]')
              FROM relevant rel WHERE rel.exempt_ground IS NULL),
           (SELECT jsonb_agg(jsonb_build_object('ground', w.ground, 'purposes', w.n) ORDER BY w.ground)
              FROM (SELECT rel.exempt_ground AS ground, count(*) AS n
                      FROM relevant rel WHERE rel.exempt_ground IS NOT NULL
                     GROUP BY rel.exempt_ground) w)
      INTO v_purposes, v_withheld;

    IF cardinality(v_tables) = 0 AND v_purposes = '[]' AND v_withheld IS NULL THEN
        RETURN jsonb_build_object(
            'subject', subject, 'subject_kind', subject_kind, 'generated_at', now(), 'processor', v_processor,
            'processing', false,
            'message', 'The processor holds no personal data of this subject and does not process any.');
    END IF;

    SELECT jsonb_build_object('since', b.blocked_at, 'reason', b.reason) INTO v_blocked
      FROM compliance.blocked_subjects b
     WHERE b.subject = subject_access.subject AND b.subject_kind = subject_access.subject_kind;
    SELECT coalesce(jsonb_agg(jsonb_build_object('recipient', rc.code, 'name', rc.name, 'location', rc.location, 'country', rc.country)
                              ORDER BY rc.code), '[]')
      INTO v_authorised
      FROM compliance.recipients rc WHERE rc.kind = 'authorised_person';

    RETURN jsonb_strip_nulls(jsonb_build_object(
        'subject', subject, 'subject_kind', subject_kind, 'generated_at', now(), 'processor', v_processor,
        'processing', true, 'blocked', v_blocked, 'data', v_data, 'purposes', v_purposes,
        'authorised_persons', v_authorised, 'withheld', v_withheld,
        -- the identity fields and representatives given with consents, as
        -- held (until erasure), and the form the proof of consent takes
        'consent_evidence', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                 'consent_id', e.ledger_id, 'identity', e.identity, 'representative', e.representative))
                                 ORDER BY e.ledger_id)
                               FROM compliance.consent_evidence e
                              WHERE e.subject = subject_access.subject AND e.subject_kind = subject_access.subject_kind),
        'consent_proof', CASE WHEN EXISTS (SELECT FROM compliance.consent_ledger l
                                            WHERE l.subject = subject_access.subject
                                              AND l.subject_kind = subject_access.subject_kind
                                              AND l.receipt IS NOT NULL)
                              THEN 'The consent ledger keeps the identity fields, representative and evidence of each consent only as salted SHA-256 digests, which cannot be read back and stay after erasure as the proof of consent (Art. 5.7).' END,
        'notes', (SELECT jsonb_agg(format('Information on %s purpose%s of processing is not provided under %s.',
                                          w.value ->> 'purposes',
                                          CASE WHEN w.value ->> 'purposes' = '1' THEN '' ELSE 's' END,
                                          w.value ->> 'ground'))
                    FROM jsonb_array_elements(v_withheld) w)));
END
$$;
COMMENT ON FUNCTION compliance.subject_access(text, text) IS
    'Everything Art. 11.1 of Law 99-Z entitles the subject to, as jsonb: processor name and location, confirmation of processing, the subject''s rows in every protected table with their source, the legal bases and purposes with consent status and period, authorised persons; purposes exempt under Art. 11.3 are left out with a note. A subject with no data gets processing = false and a message. Reads all rows whatever the declared purpose.';

-- ---------------------------------------------------------------------
-- The document for the subject
-- ---------------------------------------------------------------------

CREATE FUNCTION compliance.report_escape_html(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT replace(replace(replace(replace(replace(value,
               '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')
$$;
COMMENT ON FUNCTION compliance.report_escape_html(text) IS
    'Text escaped for HTML element content and attribute values (& < > " '').';

CREATE FUNCTION compliance.report_date(at timestamptz, lang text, with_time boolean DEFAULT false)
    RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT to_char(at AT TIME ZONE 'Europe/Minsk',
                   CASE WHEN lang = 'ru' THEN 'DD.MM.YYYY' ELSE 'YYYY-MM-DD' END
                   || CASE WHEN with_time THEN ' HH24:MI' ELSE '' END)
$$;
COMMENT ON FUNCTION compliance.report_date(timestamptz, text, boolean) IS
    'A moment as a Belarus (Europe/Minsk) date, DD.MM.YYYY in Russian and YYYY-MM-DD in English, optionally with the time; independent of DateStyle and TimeZone.';

CREATE FUNCTION compliance.report_basis_text(basis compliance.legal_basis, lang text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN lang <> 'ru' THEN (SELECT b.description FROM compliance.legal_bases b WHERE b.basis = report_basis_text.basis)
    ELSE CASE basis
        WHEN 'consent' THEN 'согласие субъекта персональных данных'
        WHEN 'administrative_criminal_proceedings' THEN 'ведение административного и (или) уголовного процесса, осуществление оперативно-розыскной деятельности'
        WHEN 'justice_enforcement' THEN 'отправление правосудия, исполнение судебных постановлений и иных исполнительных документов'
        WHEN 'supervision' THEN 'осуществление контроля (надзора) в соответствии с законодательными актами'
        WHEN 'national_security' THEN 'реализация законодательства в области национальной безопасности, о борьбе с коррупцией, с легализацией доходов, полученных преступным путем, и финансированием террористической деятельности'
        WHEN 'elections' THEN 'реализация законодательства о выборах, референдуме, отзыве депутата'
        WHEN 'social_insurance' THEN 'ведение индивидуального (персонифицированного) учета сведений о застрахованных лицах для целей государственного социального страхования'
        WHEN 'labour_relations' THEN 'оформление трудовых (служебных) отношений и трудовая (служебная) деятельность субъекта персональных данных'
        WHEN 'notarial' THEN 'осуществление нотариальной деятельности'
        WHEN 'citizenship_refugees' THEN 'рассмотрение вопросов гражданства, предоставления статуса беженца, дополнительной защиты, убежища и временной защиты'
        WHEN 'pensions_benefits' THEN 'назначение и выплата пенсий, пособий'
        WHEN 'state_statistics' THEN 'проведение государственных статистических наблюдений и формирование официальной статистической информации'
        WHEN 'research_anonymised' THEN 'научные или иные исследовательские цели при условии обязательного обезличивания персональных данных'
        WHEN 'housing_utilities' THEN 'осуществление расчетов за жилищно-коммунальные услуги'
        WHEN 'contract_with_subject' THEN 'деятельность по договору, заключенному (заключаемому) с субъектом персональных данных'
        WHEN 'signed_document' THEN 'персональные данные указаны в документе, адресованном оператору и подписанном субъектом персональных данных'
        WHEN 'journalism' THEN 'законная профессиональная деятельность журналиста и средства массовой информации в общественных интересах'
        WHEN 'vital_interests' THEN 'защита жизни, здоровья или иных жизненно важных интересов, если получение согласия невозможно'
        WHEN 'previously_distributed' THEN 'обработка распространенных ранее персональных данных до заявления субъектом требования о прекращении обработки'
        WHEN 'legal_obligation' THEN 'выполнение обязанностей (полномочий), предусмотренных законодательными актами'
        WHEN 'direct_provision' THEN 'обработка прямо предусмотрена Законом и иными законодательными актами'
        WHEN 'made_public_by_subject' THEN 'специальные персональные данные сделаны общедоступными самим субъектом'
        WHEN 'association_members' THEN 'обработка общественным объединением, политической партией, профессиональным союзом или религиозной организацией данных своих учредителей (членов)'
        WHEN 'medical_assistance' THEN 'организация оказания медицинской помощи медицинскими работниками, обязанными сохранять врачебную тайну'
        WHEN 'offence_registration' THEN 'ведение единой государственной системы регистрации и учета правонарушений'
        WHEN 'criminal_records' THEN 'ведение криминалистических учетов'
        WHEN 'administrative_procedures' THEN 'осуществление административных процедур'
        WHEN 'readmission' THEN 'реализация международных договоров Республики Беларусь о реадмиссии'
        WHEN 'population_documentation' THEN 'документирование населения'
        END END
$$;
COMMENT ON FUNCTION compliance.report_basis_text(compliance.legal_basis, text) IS
    'A legal basis described for the data subject, in Russian (ru) or English (en, the description in compliance.legal_bases).';

-- Renders a document given as blocks: {"h2": text}, {"h3": text},
-- {"p": text}, {"ul": [text, ...]}, {"table": {"columns": [...], "rows":
-- [[...], ...]}, "label": text}.  Text: one record per group of lines;
-- HTML: a self-contained page, everything escaped.
CREATE FUNCTION compliance.report_render(title text, lang text, format text, blocks jsonb)
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    html boolean := format = 'html';
    v_out text[] := '{}';
    v_block jsonb;
    v_row jsonb;
    v_n integer;
    v_cols text[];
    v_null text := '—';
BEGIN
    IF html THEN
        v_out := ARRAY['<!DOCTYPE html>',
            '<html lang="' || compliance.report_escape_html(lang) || '">',
            '<head>', '<meta charset="utf-8">',
            '<title>' || compliance.report_escape_html(title) || '</title>',
            '<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4}'
            || 'table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}'
            || 'th{background:#eee}</style>',
            '</head>', '<body>',
            '<h1>' || compliance.report_escape_html(title) || '</h1>'];
    ELSE
        v_out := ARRAY[title, repeat('=', char_length(title))];
    END IF;

    FOR v_block IN SELECT b FROM jsonb_array_elements(blocks) b LOOP
        IF v_block ? 'h2' THEN
            v_out := v_out || CASE WHEN html THEN '<h2>' || compliance.report_escape_html(v_block ->> 'h2') || '</h2>'
                                   ELSE E'\n' || (v_block ->> 'h2') END;
        ELSIF v_block ? 'h3' THEN
            v_out := v_out || CASE WHEN html THEN '<h3>' || compliance.report_escape_html(v_block ->> 'h3') || '</h3>'
                                   ELSE E'\n' || (v_block ->> 'h3') END;
        ELSIF v_block ? 'p' THEN
            v_out := v_out || CASE WHEN html THEN '<p>' || compliance.report_escape_html(v_block ->> 'p') || '</p>'
                                   ELSE v_block ->> 'p' END;
        ELSIF v_block ? 'ul' THEN
            IF html THEN
                v_out := v_out || '<ul>'::text
                    || ARRAY(SELECT '<li>' || compliance.report_escape_html(i) || '</li>'
                               FROM jsonb_array_elements_text(v_block -> 'ul') WITH ORDINALITY AS e(i, n) ORDER BY n)
                    || '</ul>'::text;
            ELSE
                v_out := v_out || ARRAY(SELECT '- ' || i
                               FROM jsonb_array_elements_text(v_block -> 'ul') WITH ORDINALITY AS e(i, n) ORDER BY n);
            END IF;
        ELSIF v_block ? 'table' THEN
            SELECT array_agg(c ORDER BY n) INTO v_cols
              FROM jsonb_array_elements_text(v_block #> '{table,columns}') WITH ORDINALITY AS e(c, n);
            IF html THEN
                v_out := v_out || '<table>'::text
                    || ('<thead><tr>' || (SELECT string_agg('<th>' || compliance.report_escape_html(c) || '</th>', '' ORDER BY n)
                                            FROM unnest(v_cols) WITH ORDINALITY AS e(c, n)) || '</tr></thead>')
                    || '<tbody>'::text;
            END IF;
            v_n := 0;
            FOR v_row IN SELECT r FROM jsonb_array_elements(v_block #> '{table,rows}') r LOOP
                v_n := v_n + 1;
                IF html THEN
                    v_out := v_out || ('<tr>' || (SELECT string_agg('<td>' || compliance.report_escape_html(coalesce(v, v_null)) || '</td>', '' ORDER BY n)
                                                    FROM jsonb_array_elements_text(v_row) WITH ORDINALITY AS e(v, n)) || '</tr>');
                ELSE
                    v_out := v_out || ((v_block ->> 'label') || ' ' || v_n || ':')
                        || ARRAY(SELECT '    ' || v_cols[n] || ': ' || coalesce(v, v_null)
                                   FROM jsonb_array_elements_text(v_row) WITH ORDINALITY AS e(v, n) ORDER BY n);
                END IF;
            END LOOP;
            IF html THEN
                v_out := v_out || '</tbody>'::text || '</table>'::text;
            END IF;
        END IF;
    END LOOP;

    IF html THEN
        v_out := v_out || '</body>'::text || '</html>'::text;
    END IF;
    RETURN array_to_string(v_out, E'\n') || E'\n';
END
$$;
COMMENT ON FUNCTION compliance.report_render(text, text, text, jsonb) IS
    'Internal: renders a document given as a jsonb array of blocks (h2, h3, p, ul, table) as plain text or as a self-contained HTML page with every value escaped.';

CREATE FUNCTION compliance.subject_access_report(subject text, lang text DEFAULT 'ru',
        format text DEFAULT 'text', subject_kind text DEFAULT 'person')
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ru boolean;
    v jsonb;
    b jsonb := '[]';
    v_list jsonb;
    v_table jsonb;
    v_t bigint;
    v_rel regclass;
    v_tables text[] := '{}';
    v_columns text[] := '{}';
    v_missing text[] := '{}';
BEGIN
    ru := compliance.check_lang(lang) = 'ru';
    IF format IS NULL OR format NOT IN ('text', 'html') THEN
        RAISE EXCEPTION 'unsupported report format "%"', format
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Information is provided to the subject in accessible form (Art. 11.2 of Law 99-Z): plain text or an HTML page.',
                  HINT = 'Pass ''text'' or ''html''.';
    END IF;
    v := compliance.subject_access(subject, subject_kind);
    v_missing := v_missing || compliance.unlabelled(lang, 'subject_kind', ARRAY[subject_kind]);

    b := b || jsonb_build_array(
        jsonb_build_object('p', CASE WHEN ru
            THEN '(пункт 1 статьи 11 Закона Республики Беларусь от 7 мая 2021 г. № 99-З «О защите персональных данных»)'
            ELSE '(Article 11.1 of Law of the Republic of Belarus No. 99-Z of 7 May 2021 "On the protection of personal data")' END),
        jsonb_build_object('p', CASE WHEN ru
                    THEN 'Субъект персональных данных (' || coalesce(compliance.kind_label(subject_kind, lang), 'физическое лицо') || ', идентификатор у оператора): '
                    ELSE 'Data subject (' || coalesce(compliance.kind_label(subject_kind, lang), 'natural person') || ', identifier used by the processor): ' END
               || subject),
        jsonb_build_object('p', CASE WHEN ru THEN 'Дата: ' ELSE 'Date: ' END
                                || compliance.report_date((v ->> 'generated_at')::timestamptz, lang)),
        jsonb_build_object('h2', CASE WHEN ru THEN '1. Оператор' ELSE '1. Processor' END),
        jsonb_build_object('p', concat(v #>> '{processor,name}', ', ', v #>> '{processor,location}',
                                       ' (', compliance.country_name(v #>> '{processor,country}', lang), ')')),
        jsonb_build_object('h2', CASE WHEN ru THEN '2. Подтверждение обработки персональных данных'
                                      ELSE '2. Confirmation of processing' END));

    IF NOT (v ->> 'processing')::boolean THEN
        b := b || jsonb_build_array(jsonb_build_object('p', CASE WHEN ru
            THEN 'Оператор не обрабатывает ваши персональные данные: сведений о вас у оператора нет.'
            ELSE 'The processor does not process your personal data: it holds no data about you.' END));
        PERFORM compliance.warn_missing_labels(lang, v_missing);
        RETURN compliance.report_render(CASE WHEN ru THEN 'Информация, касающаяся обработки персональных данных'
                                             ELSE 'Information on the processing of personal data' END,
                                        lang, format, b);
    END IF;

    b := b || jsonb_build_array(jsonb_build_object('p', CASE WHEN ru
            THEN 'Оператор обрабатывает ваши персональные данные.'
            ELSE 'The processor processes your personal data.' END));
    -- the officer's reason for the block is an internal note, not told
    IF v ? 'blocked' THEN
        b := b || jsonb_build_array(jsonb_build_object('p', CASE WHEN ru
            THEN 'Обработка ваших персональных данных заблокирована с ' || compliance.report_date((v #>> '{blocked,since}')::timestamptz, lang)
                 || ' (пункт 2 статьи 13 Закона).'
            ELSE 'Processing of your personal data has been blocked since ' || compliance.report_date((v #>> '{blocked,since}')::timestamptz, lang)
                 || ' (Article 13.2 of the Law).' END));
    END IF;

    -- 3. The data themselves, with their source.
    b := b || jsonb_build_array(jsonb_build_object('h2', CASE WHEN ru
            THEN '3. Ваши персональные данные и источник их получения'
            ELSE '3. Your personal data and their source' END));
    IF jsonb_array_length(v -> 'data') = 0 THEN
        b := b || jsonb_build_array(jsonb_build_object('p', CASE WHEN ru
            THEN 'Кроме сведений о ваших согласиях, ваших персональных данных у оператора нет.'
            ELSE 'Apart from the records of your consent, the processor holds no personal data about you.' END));
    END IF;
    -- Tables and columns by their labels (Art. 11.2: an accessible form),
    -- never by their names; unlabelled ones numbered.
    FOR v_table, v_t IN SELECT t, n FROM jsonb_array_elements(v -> 'data') WITH ORDINALITY AS e(t, n) LOOP
        v_rel := (v_table ->> 'table')::regclass;
        v_tables := v_tables || compliance.label_item(v_rel);
        v_columns := v_columns || ARRAY(SELECT compliance.label_item(v_rel, c::name)
                                          FROM jsonb_array_elements_text(v_table -> 'columns') c);
        b := b || jsonb_build_array(
            jsonb_build_object('h3', coalesce(compliance.column_label(v_rel, NULL, lang),
                                              CASE WHEN ru THEN 'Набор данных № ' ELSE 'Data set no. ' END || v_t)),
            jsonb_build_object('p', CASE WHEN ru THEN 'Источник получения: ' ELSE 'Source: ' END
                                    || coalesce(v_table ->> 'source', CASE WHEN ru THEN 'не указан' ELSE 'not recorded' END)),
            jsonb_build_object('label', CASE WHEN ru THEN 'Запись' ELSE 'Record' END,
                'table', jsonb_build_object('columns',
                    (SELECT jsonb_agg(coalesce(compliance.column_label(v_rel, c::name, lang),
                                               CASE WHEN ru THEN 'Поле № ' ELSE 'Field no. ' END || n) ORDER BY n)
                       FROM jsonb_array_elements_text(v_table -> 'columns') WITH ORDINALITY AS e(c, n)),
                    'rows', (SELECT jsonb_agg((SELECT jsonb_agg(
                                         CASE WHEN jsonb_typeof(rw -> c) IN ('object', 'array') THEN to_jsonb((rw -> c)::text)
                                              ELSE rw -> c END ORDER BY n)
                                                 FROM jsonb_array_elements_text(v_table -> 'columns') WITH ORDINALITY AS e(c, n))
                                     ORDER BY rn)
                               FROM jsonb_array_elements(v_table -> 'rows') WITH ORDINALITY AS x(rw, rn)))));
    END LOOP;

    -- 4. Legal bases and purposes; 5. consent periods.
    b := b || jsonb_build_array(jsonb_build_object('h2', CASE WHEN ru
            THEN '4. Правовые основания и цели обработки'
            ELSE '4. Legal bases and purposes of processing' END));
    SELECT jsonb_agg(format('%s. %s: %s (%s).%s', compliance.purpose_label(p ->> 'purpose', lang),
                            CASE WHEN ru THEN 'Правовое основание' ELSE 'Legal basis' END,
                            compliance.report_basis_text((p ->> 'legal_basis')::compliance.legal_basis, lang),
                            compliance.basis_citation((p ->> 'legal_basis')::compliance.legal_basis, lang),
                            coalesce(' ' || (p ->> 'description'), ''))
                     ORDER BY n)
      INTO v_list
      FROM jsonb_array_elements(v -> 'purposes') WITH ORDINALITY AS e(p, n);
    b := b || jsonb_build_array(jsonb_build_object('ul', coalesce(v_list, jsonb_build_array('—'))));
    -- Art. 11.3: said in every report, whether or not anything is
    -- withheld, so that neither its presence nor a count tips the subject off
    b := b || jsonb_build_array(jsonb_build_object('p', CASE WHEN ru
        THEN 'Информация об обработке персональных данных в случаях, предусмотренных пунктом 3 статьи 11 Закона, не предоставляется.'
        ELSE 'Information on processing in the cases of Article 11.3 of the Law is not provided.' END));

    b := b || jsonb_build_array(jsonb_build_object('h2', CASE WHEN ru
            THEN '5. Срок, на который дано согласие'
            ELSE '5. Period of your consent' END));
    SELECT jsonb_agg(format('%s: %s', compliance.purpose_label(p ->> 'purpose', lang),
               CASE p #>> '{consent,status}'
                   WHEN 'withdrawn' THEN CASE WHEN ru THEN 'согласие отозвано' ELSE 'consent withdrawn' END
                   WHEN 'expired' THEN CASE WHEN ru THEN 'срок действия согласия истек: согласие действовало ' ELSE 'consent expired: it was valid ' END
                                       || compliance.report_until((p #>> '{consent,valid_until}')::timestamptz, lang)
                   ELSE CASE WHEN ru THEN 'согласие дано ' ELSE 'consent given on ' END
                        || compliance.report_date((p #>> '{consent,given_at}')::timestamptz, lang)
                        || CASE WHEN p #>> '{consent,valid_until}' IS NULL
                                THEN CASE WHEN ru THEN ', действует до его отзыва' ELSE ', valid until you withdraw it' END
                                ELSE CASE WHEN ru THEN ', действует ' ELSE ', valid ' END
                                     || compliance.report_until((p #>> '{consent,valid_until}')::timestamptz, lang) END
               END) ORDER BY n)
      INTO v_list
      FROM jsonb_array_elements(v -> 'purposes') WITH ORDINALITY AS e(p, n)
     WHERE p ->> 'legal_basis' = 'consent';
    b := b || jsonb_build_array(CASE WHEN v_list IS NULL
        THEN jsonb_build_object('p', CASE WHEN ru
                 THEN 'Согласие на обработку не давалось: обработка осуществляется на основаниях, указанных в разделе 4.'
                 ELSE 'No consent was given: processing relies on the bases listed in section 4.' END)
        ELSE jsonb_build_object('ul', v_list) END);

    -- What the subject stated with a consent, and how the proof is kept.
    IF v ? 'consent_evidence' THEN
        b := b || (SELECT jsonb_agg(jsonb_build_object('p', format(CASE WHEN ru THEN 'Сведения, указанные в согласии № %s: %s.'
                                                                      ELSE 'Data stated with consent no. %s: %s.' END,
                        e ->> 'consent_id',
                        (SELECT string_agg(x.value, ', ' ORDER BY x.key)
                           FROM jsonb_each_text(coalesce(e -> 'identity', '{}') || coalesce(e -> 'representative', '{}')) x)))
                        ORDER BY n)
                     FROM jsonb_array_elements(v -> 'consent_evidence') WITH ORDINALITY AS t(e, n));
    END IF;
    IF v ? 'consent_proof' THEN
        b := b || jsonb_build_array(jsonb_build_object('p', CASE WHEN ru
            THEN 'Для подтверждения согласия (пункт 7 статьи 5 Закона) оператор хранит указанные в нем сведения о личности, представителе и доказательства согласия только в виде хеш-значений с солью, по которым эти сведения не могут быть восстановлены; они сохраняются и после удаления ваших персональных данных.'
            ELSE 'To prove your consent (Article 5.7 of the Law), the processor keeps the identity data, representative and evidence stated with it only as salted SHA-256 digests, from which they cannot be read back; these remain after your personal data are deleted.' END));
    END IF;

    -- 6. Authorised persons (Art. 7).
    b := b || jsonb_build_array(jsonb_build_object('h2', CASE WHEN ru
            THEN '6. Уполномоченные лица, обрабатывающие персональные данные по поручению оператора'
            ELSE '6. Authorised persons processing personal data on the processor''s behalf' END));
    SELECT jsonb_agg(format('%s, %s (%s)', compliance.recipient_label(a ->> 'recipient', lang), a ->> 'location',
                            compliance.country_name(a ->> 'country', lang)) ORDER BY n)
      INTO v_list
      FROM jsonb_array_elements(v -> 'authorised_persons') WITH ORDINALITY AS e(a, n);
    b := b || jsonb_build_array(jsonb_build_object('ul', coalesce(v_list, jsonb_build_array(CASE WHEN ru THEN 'нет' ELSE 'none' END))));

    b := b || jsonb_build_array(
        jsonb_build_object('h2', CASE WHEN ru THEN 'Ваши права' ELSE 'Your rights' END),
        jsonb_build_object('p', CASE WHEN ru
            THEN 'Вы вправе в любое время отозвать согласие (статья 10 Закона), требовать изменения неполных, устаревших или неточных персональных данных (пункт 4 статьи 11), раз в календарный год бесплатно получить сведения о предоставлении ваших персональных данных третьим лицам (статья 12), требовать от оператора бесплатного прекращения обработки своих персональных данных, включая их удаление, при отсутствии оснований для обработки, предусмотренных Законом и иными законодательными актами (статья 13), и обжаловать действия (бездействие) и решения оператора в уполномоченный орган по защите прав субъектов персональных данных (статья 15).'
            ELSE 'You may withdraw your consent at any time (Article 10 of the Law), demand that incomplete, outdated or inaccurate personal data be modified (Article 11.4), obtain once per calendar year free of charge information on the provision of your personal data to third parties (Article 12), demand that the processor stop processing your personal data free of charge, including deleting them, where there are no grounds for processing under the Law and other legislative acts (Article 13), and appeal against the processor''s actions, failure to act and decisions to the authorised data subject protection body (Article 15).' END));

    -- what the report names without a label in its language
    v_missing := v_missing || compliance.unlabelled(lang, 'table', v_tables);
    v_missing := v_missing || compliance.unlabelled(lang, 'column', v_columns);
    v_missing := v_missing || compliance.unlabelled(lang, 'purpose',
        ARRAY(SELECT p ->> 'purpose' FROM jsonb_array_elements(v -> 'purposes') p));
    v_missing := v_missing || compliance.unlabelled(lang, 'recipient',
        ARRAY(SELECT a ->> 'recipient' FROM jsonb_array_elements(v -> 'authorised_persons') a));
    PERFORM compliance.warn_missing_labels(lang, v_missing);

    RETURN compliance.report_render(CASE WHEN ru THEN 'Информация, касающаяся обработки персональных данных'
                                         ELSE 'Information on the processing of personal data' END,
                                    lang, format, b);
END
$$;
COMMENT ON FUNCTION compliance.subject_access_report(text, text, text, text) IS
    'The information of Art. 11.1 of Law 99-Z (compliance.subject_access) as a document for the subject in accessible form (Art. 11.2): Russian (ru, default) or English (en), plain text or a self-contained HTML page with every value escaped.';

-- ---------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------
REVOKE EXECUTE ON FUNCTION
    compliance.set_data_source(regclass, text),
    compliance.set_purpose_exemption(compliance.purpose, boolean, boolean, text),
    compliance.subject_match(text, name, text, text),
    compliance.subject_access(text, text),
    compliance.subject_access_report(text, text, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    compliance.set_data_source(regclass, text),
    compliance.set_purpose_exemption(compliance.purpose, boolean, boolean, text)
TO compliance_admin;
GRANT EXECUTE ON FUNCTION
    compliance.subject_access(text, text),
    compliance.subject_access_report(text, text, text, text)
TO compliance_officer;
GRANT SELECT ON compliance.data_sources, compliance.purpose_exemptions
TO compliance_admin, compliance_officer, compliance_analyst;
