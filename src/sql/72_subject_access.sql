-- The right to information on processing (Art. 11.1 of Law 99-Z): what the
-- processor holds about a subject, why, since when and who else processes
-- it, as jsonb (subject_access) and as a document for the subject in
-- Russian, Belarusian or English, plain text or HTML (subject_access_report).
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
    v_cast text := column_type;     -- with its modifier: char(3), not char(1)
    v_base oid;
    v_typmod integer;
BEGIN
    -- The key is compared as the type under any domains: a domain's CHECK
    -- is code of whoever created it, and must not run with the rights of
    -- the officer function that builds this condition.
    LOOP
        SELECT t.typbasetype, t.typtypmod INTO v_base, v_typmod FROM pg_type t
         WHERE t.oid = v_type AND t.typtype = 'd';
        EXIT WHEN NOT FOUND;
        v_type := v_base;
        v_cast := format_type(v_base, v_typmod);
    END LOOP;
    -- Built-in types and enums read a key with built-in code only; an
    -- array, range or row type of other types could run a domain's CHECK.
    IF v_type >= 16384 AND NOT EXISTS (SELECT FROM pg_type t WHERE t.oid = v_type AND t.typtype = 'e') THEN
        RAISE EXCEPTION 'subject column % of type % cannot be matched to a subject key', subject_column, column_type
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Only built-in types, enums and domains over them can hold subject keys: reading a key into another type could run code of its owner with the officer''s rights.',
                  HINT = 'Protect the table by a column of a built-in type.';
    END IF;
    -- No value of the type reads the key without an error: none prints as
    -- it either, so no row is the subject's.
    BEGIN
        EXECUTE format('SELECT %L::%s', subject, v_cast);
    EXCEPTION WHEN data_exception THEN
        RETURN NULL;
    END;
    -- Compared as the type (an index, Citus's routing) and, byte for byte
    -- as the ledger holds keys, as text: a collation that ignores case
    -- would otherwise take ANNA's rows for anna's.
    RETURN format('%1$I.%2$I = %3$L::%4$s AND %1$I.%2$I::text COLLATE "C" = %3$L',
                  alias, subject_column, subject, v_cast);
END
$$;
COMMENT ON FUNCTION compliance.subject_match(text, name, text, text) IS
    'Internal: SQL condition selecting the rows of a subject through a table alias (subject column equal to the key, compared as its type, with its modifier, and as text byte for byte); NULL if the key cannot be a value of the column''s type.';

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
                   compliance.doc_text('doc.date_format', lang)
                   || CASE WHEN with_time THEN ' HH24:MI' ELSE '' END)
$$;
COMMENT ON FUNCTION compliance.report_date(timestamptz, text, boolean) IS
    'A moment as a Belarus (Europe/Minsk) date in the language''s form (doc.date_format: DD.MM.YYYY in Russian and Belarusian, YYYY-MM-DD in English), optionally with the time; independent of DateStyle and TimeZone.';

CREATE FUNCTION compliance.report_basis_text(basis compliance.legal_basis, lang text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT compliance.doc_text('basis.' || basis, lang)
$$;
COMMENT ON FUNCTION compliance.report_basis_text(compliance.legal_basis, text) IS
    'A legal basis described for the data subject, in the words of Art. 6 and 8.2 of Law 99-Z (basis.* in compliance.document_texts).';

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
            -- a phone shows it at its own width, not as a shrunk desktop page
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<title>' || compliance.report_escape_html(title) || '</title>',
            -- a line of about 70 characters on a screen; long words and
            -- values wrap rather than widen the page; tables scroll on a
            -- narrow screen; on paper, A4 with 2 cm margins, black on
            -- white, headings kept with what follows, rows not split
            '<style>'
            || 'html{-webkit-text-size-adjust:100%;text-size-adjust:100%}'
            || 'body{font-family:"PT Serif","Noto Serif","DejaVu Serif",Georgia,serif;font-size:1rem;line-height:1.5;'
            ||   'color:#111;background:#fff;max-width:42em;margin:0 auto;padding:1.5em 1em 3em;overflow-wrap:break-word;hyphens:auto}'
            || 'h1{font-size:1.35em;line-height:1.25;margin:0 0 .8em}'
            || 'h2{font-size:1.1em;margin:1.6em 0 .5em}h3{font-size:1em;margin:1.2em 0 .4em}'
            || 'p{margin:.5em 0}ul{margin:.5em 0;padding-left:1.4em}li{margin:.3em 0}'
            || '.table{overflow-x:auto;margin:.6em 0}'
            || 'table{border-collapse:collapse;width:100%}'
            || 'th,td{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#eee}'
            || '@media (max-width:30em){body{font-size:1.05rem;padding:1em .8em 2em}h1{font-size:1.25em}'
            -- on a phone a table's rows stack: each cell under its column's name
            ||   '.table table,.table tbody,.table tr,.table td{display:block;width:auto}.table thead{display:none}'
            ||   '.table tr{border:1px solid #999;margin:.6em 0}.table td{border:none;border-top:1px solid #ddd}'
            ||   '.table tr td:first-child{border-top:none}'
            ||   '.table td::before{content:attr(data-label);display:block;font-size:.85em;font-weight:bold;color:#444}}'
            || '@page{size:A4;margin:20mm}'
            || '@media print{body{max-width:none;margin:0;padding:0;font-size:11pt;line-height:1.4}'
            ||   'h1,h2,h3{break-after:avoid;page-break-after:avoid}tr,li{break-inside:avoid;page-break-inside:avoid}'
            ||   'th{background:none;font-weight:bold}.table{overflow:visible}}'
            || '</style>',
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
                v_out := v_out || '<div class="table"><table>'::text
                    || ('<thead><tr>' || (SELECT string_agg('<th>' || compliance.report_escape_html(c) || '</th>', '' ORDER BY n)
                                            FROM unnest(v_cols) WITH ORDINALITY AS e(c, n)) || '</tr></thead>')
                    || '<tbody>'::text;
            END IF;
            v_n := 0;
            FOR v_row IN SELECT r FROM jsonb_array_elements(v_block #> '{table,rows}') r LOOP
                v_n := v_n + 1;
                IF html THEN
                    -- each cell names its column, for a phone's stacked rows
                    v_out := v_out || ('<tr>' || (SELECT string_agg('<td data-label="' || compliance.report_escape_html(coalesce(v_cols[n], ''))
                                                                     || '">' || compliance.report_escape_html(coalesce(v, v_null)) || '</td>', '' ORDER BY n)
                                                    FROM jsonb_array_elements_text(v_row) WITH ORDINALITY AS e(v, n)) || '</tr>');
                ELSE
                    v_out := v_out || ((v_block ->> 'label') || ' ' || v_n || ':')
                        || ARRAY(SELECT '    ' || v_cols[n] || ': ' || coalesce(v, v_null)
                                   FROM jsonb_array_elements_text(v_row) WITH ORDINALITY AS e(v, n) ORDER BY n);
                END IF;
            END LOOP;
            IF html THEN
                v_out := v_out || '</tbody>'::text || '</table></div>'::text;
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
    'Internal: renders a document given as a jsonb array of blocks (h2, h3, p, ul, table) as plain text or as a self-contained HTML page with every value escaped, readable on a phone (viewport, wrapping, tables that scroll) and printable on A4 (print stylesheet).';

CREATE FUNCTION compliance.subject_access_report(subject text, lang text DEFAULT 'ru',
        format text DEFAULT 'text', subject_kind text DEFAULT 'person')
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lang text;
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
    v_lang := compliance.check_lang(lang);
    IF format IS NULL OR format NOT IN ('text', 'html') THEN
        RAISE EXCEPTION 'unsupported report format "%"', format
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Information is provided to the subject in accessible form (Art. 11.2 of Law 99-Z): plain text or an HTML page.',
                  HINT = 'Pass ''text'' or ''html''.';
    END IF;
    v := compliance.subject_access(subject, subject_kind);
    v_missing := v_missing || compliance.unlabelled(lang, 'subject_kind', ARRAY[subject_kind]);

    b := b || jsonb_build_array(
        jsonb_build_object('p', compliance.doc_text('access.article_11_1_law', lang)),
        jsonb_build_object('p', format(compliance.doc_text('doc.subject', lang),
                      coalesce(compliance.kind_label(subject_kind, lang), compliance.doc_text('doc.natural_person', lang)))
               || subject),
        jsonb_build_object('p', compliance.doc_text('access.date', lang)
                                || compliance.report_date((v ->> 'generated_at')::timestamptz, lang)),
        jsonb_build_object('h2', compliance.doc_text('access.1_processor', lang)),
        jsonb_build_object('p', concat(v #>> '{processor,name}', ', ', v #>> '{processor,location}',
                                       ' (', compliance.country_name(v #>> '{processor,country}', lang), ')')),
        jsonb_build_object('h2', compliance.doc_text('access.2_confirmation_processing', lang)));

    IF NOT (v ->> 'processing')::boolean THEN
        b := b || jsonb_build_array(jsonb_build_object('p', compliance.doc_text('access.processor_does_not_process', lang)));
        PERFORM compliance.warn_missing_labels(lang, v_missing);
        RETURN compliance.report_render(compliance.doc_text('access.information_processing_personal_data', lang),
                                        lang, format, b);
    END IF;

    b := b || jsonb_build_array(jsonb_build_object('p', compliance.doc_text('access.processor_processes_personal_data', lang)));
    -- the officer's reason for the block is an internal note, not told
    IF v ? 'blocked' THEN
        b := b || jsonb_build_array(jsonb_build_object('p', format(compliance.doc_text('access.blocked', lang),
                   compliance.report_date((v #>> '{blocked,since}')::timestamptz, lang))));
    END IF;

    -- 3. The data themselves, with their source.
    b := b || jsonb_build_array(jsonb_build_object('h2', compliance.doc_text('access.3_personal_data_source', lang)));
    IF jsonb_array_length(v -> 'data') = 0 THEN
        b := b || jsonb_build_array(jsonb_build_object('p', compliance.doc_text('access.apart_from_records_consent', lang)));
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
                                              compliance.doc_text('access.data_set_no', lang) || v_t)),
            jsonb_build_object('p', compliance.doc_text('access.source', lang)
                                    || coalesce(v_table ->> 'source', compliance.doc_text('access.not_recorded', lang))),
            jsonb_build_object('label', compliance.doc_text('access.record', lang),
                'table', jsonb_build_object('columns',
                    (SELECT jsonb_agg(coalesce(compliance.column_label(v_rel, c::name, lang),
                                               compliance.doc_text('access.field_no', lang) || n) ORDER BY n)
                       FROM jsonb_array_elements_text(v_table -> 'columns') WITH ORDINALITY AS e(c, n)),
                    'rows', (SELECT jsonb_agg((SELECT jsonb_agg(
                                         CASE WHEN jsonb_typeof(rw -> c) IN ('object', 'array') THEN to_jsonb((rw -> c)::text)
                                              ELSE rw -> c END ORDER BY n)
                                                 FROM jsonb_array_elements_text(v_table -> 'columns') WITH ORDINALITY AS e(c, n))
                                     ORDER BY rn)
                               FROM jsonb_array_elements(v_table -> 'rows') WITH ORDINALITY AS x(rw, rn)))));
    END LOOP;

    -- 4. Legal bases and purposes; 5. consent periods.
    b := b || jsonb_build_array(jsonb_build_object('h2', compliance.doc_text('access.4_legal_bases_purposes', lang)));
    SELECT jsonb_agg(format('%s. %s: %s (%s).%s', compliance.purpose_label(p ->> 'purpose', lang),
                            compliance.doc_text('access.legal_basis', lang),
                            compliance.report_basis_text((p ->> 'legal_basis')::compliance.legal_basis, lang),
                            compliance.basis_citation((p ->> 'legal_basis')::compliance.legal_basis, lang),
                            coalesce(' ' || (p ->> 'description'), ''))
                     ORDER BY n)
      INTO v_list
      FROM jsonb_array_elements(v -> 'purposes') WITH ORDINALITY AS e(p, n);
    b := b || jsonb_build_array(jsonb_build_object('ul', coalesce(v_list, jsonb_build_array('—'))));
    -- Art. 11.3: said in every report, whether or not anything is
    -- withheld, so that neither its presence nor a count tips the subject off
    b := b || jsonb_build_array(jsonb_build_object('p', compliance.doc_text('access.information_processing_cases_article', lang)));

    b := b || jsonb_build_array(jsonb_build_object('h2', compliance.doc_text('access.5_period_consent', lang)));
    SELECT jsonb_agg(format('%s: %s', compliance.purpose_label(p ->> 'purpose', lang),
               CASE p #>> '{consent,status}'
                   WHEN 'withdrawn' THEN compliance.doc_text('access.consent_withdrawn', lang)
                   WHEN 'expired' THEN compliance.doc_text('access.consent_expired_was_valid', lang)
                                       || compliance.report_until((p #>> '{consent,valid_until}')::timestamptz, lang)
                   ELSE compliance.doc_text('access.consent_given', lang)
                        || compliance.report_date((p #>> '{consent,given_at}')::timestamptz, lang)
                        || CASE WHEN p #>> '{consent,valid_until}' IS NULL
                                THEN compliance.doc_text('access.valid_until_you_withdraw', lang)
                                ELSE compliance.doc_text('access.valid', lang)
                                     || compliance.report_until((p #>> '{consent,valid_until}')::timestamptz, lang) END
               END) ORDER BY n)
      INTO v_list
      FROM jsonb_array_elements(v -> 'purposes') WITH ORDINALITY AS e(p, n)
     WHERE p ->> 'legal_basis' = 'consent';
    b := b || jsonb_build_array(CASE WHEN v_list IS NULL
        THEN jsonb_build_object('p', compliance.doc_text('access.no_consent_was_given', lang))
        ELSE jsonb_build_object('ul', v_list) END);

    -- What the subject stated with a consent, and how the proof is kept.
    IF v ? 'consent_evidence' THEN
        b := b || (SELECT jsonb_agg(jsonb_build_object('p', format(compliance.doc_text('access.data_stated_consent_no', lang),
                        e ->> 'consent_id',
                        (SELECT string_agg(x.value, ', ' ORDER BY x.key)
                           FROM jsonb_each_text(coalesce(e -> 'identity', '{}') || coalesce(e -> 'representative', '{}')) x)))
                        ORDER BY n)
                     FROM jsonb_array_elements(v -> 'consent_evidence') WITH ORDINALITY AS t(e, n));
    END IF;
    IF v ? 'consent_proof' THEN
        b := b || jsonb_build_array(jsonb_build_object('p', compliance.doc_text('access.prove_consent_article_5', lang)));
    END IF;

    -- 6. Authorised persons (Art. 7).
    b := b || jsonb_build_array(jsonb_build_object('h2', compliance.doc_text('access.6_authorised_persons_processing', lang)));
    SELECT jsonb_agg(format('%s, %s (%s)', compliance.recipient_label(a ->> 'recipient', lang), a ->> 'location',
                            compliance.country_name(a ->> 'country', lang)) ORDER BY n)
      INTO v_list
      FROM jsonb_array_elements(v -> 'authorised_persons') WITH ORDINALITY AS e(a, n);
    b := b || jsonb_build_array(jsonb_build_object('ul', coalesce(v_list, jsonb_build_array(compliance.doc_text('access.none', lang)))));

    b := b || jsonb_build_array(
        jsonb_build_object('h2', compliance.doc_text('access.rights', lang)),
        jsonb_build_object('p', compliance.doc_text('access.you_may_withdraw_consent', lang)));

    -- what the report names without a label in its language
    v_missing := v_missing || compliance.unlabelled(lang, 'table', v_tables);
    v_missing := v_missing || compliance.unlabelled(lang, 'column', v_columns);
    v_missing := v_missing || compliance.unlabelled(lang, 'purpose',
        ARRAY(SELECT p ->> 'purpose' FROM jsonb_array_elements(v -> 'purposes') p));
    v_missing := v_missing || compliance.unlabelled(lang, 'recipient',
        ARRAY(SELECT a ->> 'recipient' FROM jsonb_array_elements(v -> 'authorised_persons') a));
    PERFORM compliance.warn_missing_labels(lang, v_missing);

    RETURN compliance.report_render(compliance.doc_text('access.information_processing_personal_data', lang),
                                    lang, format, b);
END
$$;
COMMENT ON FUNCTION compliance.subject_access_report(text, text, text, text) IS
    'The information of Art. 11.1 of Law 99-Z (compliance.subject_access) as a document for the subject in accessible form (Art. 11.2): Russian (ru, default), Belarusian (be) or English (en), plain text or a self-contained HTML page with every value escaped.';

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
