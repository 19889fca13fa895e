-- Labels: the names documents give to purposes, recipients, subject kinds,
-- protected tables and their columns, in each language a document is
-- written in.  A document for the subject (Art. 5.5, 11, 12, 17 of Law
-- 99-Z) names personal data in words the subject understands, never by a
-- column or code name: that would be neither the accessible form Art. 11.2
-- asks for nor anything but the schema published.  Where a label is
-- missing, the document uses a neutral wording and raises a WARNING naming
-- the item; compliance.missing_labels lists what is still to be labelled.

CREATE TABLE compliance.labels (
    kind        text NOT NULL CHECK (kind IN ('purpose', 'recipient', 'subject_kind', 'table', 'column')),
    code        text,
    -- tables and columns by relation, so a table renamed keeps its labels;
    -- unprotecting or dropping it forgets them
    relid       regclass REFERENCES compliance.protected_tables (relid) ON DELETE CASCADE,
    column_name name,
    lang        text NOT NULL CHECK (lang IN ('ru', 'be', 'en')),
    label       text NOT NULL CHECK (btrim(label) <> ''),
    set_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    set_by      name NOT NULL DEFAULT session_user,
    CHECK (CASE kind WHEN 'table' THEN code IS NULL AND relid IS NOT NULL AND column_name IS NULL
                     WHEN 'column' THEN code IS NULL AND relid IS NOT NULL AND column_name IS NOT NULL
                     ELSE code IS NOT NULL AND relid IS NULL AND column_name IS NULL END),
    CONSTRAINT labels_item_lang UNIQUE NULLS NOT DISTINCT (kind, code, relid, column_name, lang)
);
COMMENT ON TABLE compliance.labels IS
    'Names that documents for data subjects and the authority (consent notice, access report, Art. 12 answer, policy) give to purposes, recipients, subject kinds, protected tables and their columns, in Russian (ru), Belarusian (be) and English (en). Set with compliance.set_label(); compliance.missing_labels lists the items without one.';
COMMENT ON COLUMN compliance.labels.code IS 'The purpose, recipient or subject kind code; NULL for tables and columns.';
COMMENT ON COLUMN compliance.labels.relid IS 'The protected table (kind table or column); its labels go when it is unprotected or dropped.';
COMMENT ON COLUMN compliance.labels.column_name IS 'The column (kind column); its label goes when the column is dropped, and a renamed column needs a new one.';
SELECT pg_catalog.pg_extension_config_dump('compliance.labels', '');

-- How an item of a table is written in set_label() and shown in
-- compliance.missing_labels and in warnings: schema.table[.column].
CREATE FUNCTION compliance.label_item(relid regclass, column_name name DEFAULT NULL) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT concat_ws('.', n.nspname, c.relname, label_item.column_name)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = label_item.relid
$$;
COMMENT ON FUNCTION compliance.label_item(regclass, name) IS
    'Internal: a table or column as set_label() accepts it and missing_labels shows it: schema.table or schema.table.column.';

CREATE FUNCTION compliance.check_label_lang(lang text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF lang IS NULL OR lang NOT IN ('ru', 'be', 'en') THEN
        RAISE EXCEPTION 'unsupported label language "%"', lang
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Documents are written in Russian (ru), Belarusian (be) and English (en).',
                  HINT = 'Pass ''ru'', ''be'' or ''en''.';
    END IF;
    RETURN lang;
END
$$;
COMMENT ON FUNCTION compliance.check_label_lang(text) IS
    'Internal: returns the language code if labels are kept in it (ru, be, en); raises invalid_parameter_value otherwise.';

CREATE FUNCTION compliance.set_label(item text, lang text, label text, kind text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cand record;
    v_found record;
    v_n integer;
    v_known text;
BEGIN
    IF item IS NULL OR btrim(item) = '' THEN
        RAISE EXCEPTION 'the item to label is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a purpose code, a recipient code, a subject kind, ''table'' or ''table.column'', e.g. compliance.set_label(''patients.phone'', ''ru'', ''номер телефона'').';
    END IF;
    PERFORM compliance.check_label_lang(lang);
    IF kind IS NOT NULL AND kind NOT IN ('purpose', 'recipient', 'subject_kind', 'table', 'column') THEN
        RAISE EXCEPTION 'unknown kind of labelled item "%"', kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass kind => ''purpose'', ''recipient'', ''subject_kind'', ''table'' or ''column'', or leave it out.';
    END IF;

    -- Every registered thing the name may mean: codes, then protected
    -- tables by name or schema.name, then their columns as table.column or
    -- schema.table.column.
    v_n := 0;
    FOR v_cand IN
        SELECT * FROM (
            SELECT 'purpose' AS kind, p.code, NULL::regclass AS relid, NULL::name AS column_name
              FROM compliance.purposes p WHERE p.code = item
            UNION ALL
            SELECT 'recipient', r.code, NULL, NULL FROM compliance.recipients r WHERE r.code = item
            UNION ALL
            SELECT 'subject_kind', k.kind, NULL, NULL FROM compliance.subject_kinds k WHERE k.kind = item
            UNION ALL
            SELECT 'table', NULL, t.relid, NULL
              FROM compliance.protected_tables t
              JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE item IN (c.relname, n.nspname || '.' || c.relname)
            UNION ALL
            SELECT 'column', NULL, t.relid, a.attname
              FROM compliance.protected_tables t
              JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE item IN (c.relname || '.' || a.attname, n.nspname || '.' || c.relname || '.' || a.attname)) x
         WHERE set_label.kind IS NULL OR x.kind = set_label.kind
    LOOP
        v_n := v_n + 1;
        v_known := concat_ws(', ', v_known, v_cand.kind);
        v_found := v_cand;
    END LOOP;

    IF v_n = 0 THEN
        RAISE EXCEPTION 'nothing to label is called "%"', item
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'Labels name registered purposes, recipients and subject kinds, protected tables (''table'' or ''schema.table'') and their columns (''table.column'' or ''schema.table.column'').',
                  HINT = 'Register the purpose, recipient or subject kind, or protect the table, first; compliance.missing_labels lists what can be labelled.';
    ELSIF v_n > 1 THEN
        RAISE EXCEPTION '"%" names more than one item to label', item
            USING ERRCODE = 'ambiguous_parameter',
                  DETAIL = format('It names a %s.', v_known),
                  HINT = 'Pass kind => the kind you mean, or qualify a table or column with its schema.';
    END IF;

    IF label IS NULL OR btrim(label) = '' THEN
        DELETE FROM compliance.labels l
         WHERE l.kind = v_found.kind AND l.lang = set_label.lang
           AND l.code IS NOT DISTINCT FROM v_found.code AND l.relid IS NOT DISTINCT FROM v_found.relid
           AND l.column_name IS NOT DISTINCT FROM v_found.column_name;
        RETURN;
    END IF;
    INSERT INTO compliance.labels AS l (kind, code, relid, column_name, lang, label)
    VALUES (v_found.kind, v_found.code, v_found.relid, v_found.column_name, lang, btrim(label))
    ON CONFLICT ON CONSTRAINT labels_item_lang DO UPDATE
       SET label = excluded.label, set_at = excluded.set_at, set_by = excluded.set_by;
END
$$;
COMMENT ON FUNCTION compliance.set_label(text, text, text, text) IS
    'Sets the name documents use for an item in a language (ru, be or en): a purpose code, a recipient code, a subject kind, a protected table (''table'' or ''schema.table'') or one of its columns (''table.column'' or ''schema.table.column''). A name that means more than one item needs kind => ''purpose'', ''recipient'', ''subject_kind'', ''table'' or ''column''. NULL or an empty label removes it.';

-- Lookups.  NULL where no label is set: the document falls back to a
-- neutral wording and names the item in a WARNING (warn_missing_labels).
CREATE FUNCTION compliance.code_label(kind text, code text, lang text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.label FROM compliance.labels l
     WHERE l.kind = code_label.kind AND l.code = code_label.code AND l.lang = code_label.lang
$$;
COMMENT ON FUNCTION compliance.code_label(text, text, text) IS
    'Internal: the label of a purpose, recipient or subject kind in a language; NULL if none is set.';

CREATE FUNCTION compliance.column_label(relid regclass, column_name name, lang text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.label FROM compliance.labels l
     WHERE l.kind = CASE WHEN column_label.column_name IS NULL THEN 'table' ELSE 'column' END
       AND l.relid = column_label.relid
       AND l.column_name IS NOT DISTINCT FROM column_label.column_name
       AND l.lang = column_label.lang
$$;
COMMENT ON FUNCTION compliance.column_label(regclass, name, text) IS
    'Internal: the label of a protected table (column_name NULL) or of one of its columns in a language; NULL if none is set.';

-- The protected columns a data item of a purpose names (Art. 4.5), read as
-- items_touch() reads it: 'column' in every table (special categories
-- only with their table), 'table.column', 'schema.table.column'.
CREATE FUNCTION compliance.item_columns(item text)
    RETURNS TABLE (relid regclass, column_name name)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.relid, a.attname
      FROM compliance.protected_tables t
      JOIN pg_class c ON c.oid = t.relid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN compliance.protected_columns pc
             ON pc.relid = t.relid AND pc.column_name = a.attname AND pc.category > 'publicly_accessible'
      CROSS JOIN LATERAL string_to_array(item, '.') p
     WHERE CASE cardinality(p)
           WHEN 1 THEN pc.relid IS NULL AND p[1] = a.attname
           WHEN 2 THEN p[1] = c.relname AND p[2] = a.attname
           WHEN 3 THEN p[1] = n.nspname AND p[2] = c.relname AND p[3] = a.attname
           ELSE false END
     ORDER BY n.nspname, c.relname, a.attnum
$$;
COMMENT ON FUNCTION compliance.item_columns(text) IS
    'Internal: the columns of protected tables a data item (''column'', ''table.column'' or ''schema.table.column'', Art. 4.5 of Law 99-Z) names.';

-- A data item in words: the label of the first column it names that has
-- one (an unqualified item names the same datum in several tables).
CREATE FUNCTION compliance.item_label(item text, lang text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT compliance.column_label(i.relid, i.column_name, lang)
      FROM compliance.item_columns(item) i
     WHERE compliance.column_label(i.relid, i.column_name, lang) IS NOT NULL
     LIMIT 1
$$;
COMMENT ON FUNCTION compliance.item_label(text, text) IS
    'Internal: a purpose''s data item in words: the label of a protected column it names in the language; NULL if none of them has one.';

-- A purpose's data items in words, in their order, each datum once; items
-- without a label read as "other personal data", never as a column name.
CREATE FUNCTION compliance.items_text(items text[], lang text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(w.words, ', ' ORDER BY w.first)
      FROM (SELECT coalesce(compliance.item_label(i, lang), compliance.doc_text('doc.other_data', lang)) AS words,
                   min(n) AS first
              FROM unnest(items) WITH ORDINALITY AS x(i, n)
             GROUP BY 1) w
$$;
COMMENT ON FUNCTION compliance.items_text(text[], text) IS
    'Internal: data items of a purpose in words (labels of the columns they name), in order and without repeats; an item without a label reads as other personal data. NULL for NULL items.';

-- A purpose in words: its label, else the title it was registered with.
CREATE FUNCTION compliance.purpose_label(code text, lang text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(compliance.code_label('purpose', code, lang),
                    (SELECT p.title FROM compliance.purposes p WHERE p.code = purpose_label.code))
$$;
COMMENT ON FUNCTION compliance.purpose_label(text, text) IS
    'Internal: a purpose in words: its label in the language, else the title it was registered with (and documents warn).';

-- A recipient in words: its label, else the name it was registered with
-- (a proper name, and documents warn).
CREATE FUNCTION compliance.recipient_label(code text, lang text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(compliance.code_label('recipient', code, lang),
                    (SELECT r.name FROM compliance.recipients r WHERE r.code = recipient_label.code))
$$;
COMMENT ON FUNCTION compliance.recipient_label(text, text) IS
    'Internal: a recipient in words: its label in the language, else its registered name (and documents warn).';

-- Built-in names of the kind every installation has.
CREATE FUNCTION compliance.kind_label(kind text, lang text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(compliance.code_label('subject_kind', kind, lang),
                    CASE WHEN kind = 'person' THEN compliance.doc_text('doc.natural_person', lang) END,
                    -- the names given at registration (register_subject_kind)
                    (SELECT CASE lang WHEN 'ru' THEN k.title_ru WHEN 'en' THEN k.title END
                       FROM compliance.subject_kinds k WHERE k.kind = kind_label.kind))
$$;
COMMENT ON FUNCTION compliance.kind_label(text, text) IS
    'Internal: a subject kind in words: its label, else the titles given at registration (title_ru in Russian, title in English), and for person the built-in name; NULL if none.';

CREATE VIEW compliance.missing_labels AS
WITH langs(lang) AS (VALUES ('ru'), ('be'), ('en')),
items AS (
    SELECT 'purpose' AS kind, p.code AS item, p.code, NULL::regclass AS relid, NULL::name AS column_name, p.id::bigint AS ord
      FROM compliance.purposes p WHERE p.retired_at IS NULL
    UNION ALL
    SELECT 'recipient', r.code, r.code, NULL, NULL, 0 FROM compliance.recipients r
    UNION ALL
    SELECT 'subject_kind', k.kind, k.kind, NULL, NULL, 0 FROM compliance.subject_kinds k
    UNION ALL
    SELECT 'table', compliance.label_item(t.relid), NULL, t.relid, NULL, 0 FROM compliance.protected_tables t
    UNION ALL
    SELECT 'column', compliance.label_item(t.relid, a.attname), NULL, t.relid, a.attname, a.attnum
      FROM compliance.protected_tables t
      JOIN pg_attribute a ON a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped
)
SELECT i.kind, i.item, l.lang
  FROM items i CROSS JOIN langs l
 WHERE CASE WHEN i.kind = 'subject_kind' THEN compliance.kind_label(i.code, l.lang) IS NULL
            WHEN i.code IS NOT NULL THEN compliance.code_label(i.kind, i.code, l.lang) IS NULL
            ELSE compliance.column_label(i.relid, i.column_name, l.lang) IS NULL END
 ORDER BY CASE i.kind WHEN 'purpose' THEN 1 WHEN 'recipient' THEN 2 WHEN 'subject_kind' THEN 3
                      WHEN 'table' THEN 4 ELSE 5 END,
          CASE WHEN i.kind = 'column' THEN compliance.label_item(i.relid) END, i.ord, i.item,
          CASE l.lang WHEN 'ru' THEN 1 WHEN 'be' THEN 2 ELSE 3 END;
COMMENT ON VIEW compliance.missing_labels IS
    'Items documents name that have no label in a language (ru, be, en): purposes in force, recipients, subject kinds, protected tables and their columns, as compliance.set_label() takes them. A document that needs one uses a neutral wording and raises a WARNING.';

-- What a document names without a label in its language, as 'kind "item"'
-- phrases for warn_missing_labels().  Kind data_item takes the data items of
-- purposes: one is missing when none of the columns it names has a label,
-- and is named by those columns, or as written if it names none.
CREATE FUNCTION compliance.unlabelled(lang text, kind text, items text[]) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(u.what || ' "' || u.item || '"' ORDER BY u.item, u.what), '{}')
      FROM (SELECT DISTINCT replace(m.kind, '_', ' ') AS what, m.item
              FROM compliance.missing_labels m
             WHERE unlabelled.kind <> 'data_item' AND m.lang = unlabelled.lang
               AND m.kind = unlabelled.kind AND m.item = ANY (items)
            UNION
            SELECT CASE WHEN c.cols IS NULL THEN 'data item' ELSE 'column' END, coalesce(c.cols, i)
              FROM unnest(items) i
              CROSS JOIN LATERAL (SELECT string_agg(compliance.label_item(x.relid, x.column_name), ', ') AS cols
                                    FROM compliance.item_columns(i) x) c
             WHERE unlabelled.kind = 'data_item' AND i IS NOT NULL
               AND compliance.item_label(i, unlabelled.lang) IS NULL) u
$$;
COMMENT ON FUNCTION compliance.unlabelled(text, text, text[]) IS
    'Internal: the items of a kind (purpose, recipient, subject_kind, table, column, or data_item: a purpose''s data item) that have no label in the language, as kind "item" phrases.';

-- One WARNING per document, naming every item it shows without a label.
CREATE FUNCTION compliance.warn_missing_labels(lang text, missing text[]) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_missing text[] := ARRAY(SELECT DISTINCT m FROM unnest(missing) m ORDER BY m);
BEGIN
    IF cardinality(v_missing) > 0 THEN
        RAISE WARNING 'the document names % item% without % label',
            cardinality(v_missing), CASE WHEN cardinality(v_missing) = 1 THEN '' ELSE 's' END,
            CASE lang WHEN 'ru' THEN 'a Russian' WHEN 'be' THEN 'a Belarusian' ELSE 'an English' END
            USING DETAIL = 'Without a label: ' || array_to_string(v_missing, ', ')
                           || '. The document uses a neutral wording in their place.',
                  HINT = format('Call compliance.set_label(item, %L, label) for each; compliance.missing_labels lists every item without a label.', lang)
                         || CASE WHEN EXISTS (SELECT FROM unnest(v_missing) m WHERE m LIKE 'data item %')
                                 THEN ' A data item that names no column of a protected table needs its table protected, or the purpose''s data items corrected (compliance.unmatched_data_items).'
                                 ELSE '' END;
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.warn_missing_labels(text, text[]) IS
    'Internal: raises one WARNING naming every item a document shows without a label in its language (from compliance.unlabelled()).';

-- A dropped column takes its labels with it (a dropped or unprotected table
-- does through the foreign key).
CREATE FUNCTION compliance.on_sql_drop_labels() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM compliance.labels l
     USING pg_event_trigger_dropped_objects() d
     WHERE d.object_type = 'table column' AND l.kind = 'column'
       AND l.relid::oid = d.objid AND l.column_name = d.address_names[3];
END
$$;
COMMENT ON FUNCTION compliance.on_sql_drop_labels() IS
    'Event trigger: forgets the labels of dropped columns of protected tables.';
CREATE EVENT TRIGGER compliance_sql_drop_labels ON sql_drop
    EXECUTE FUNCTION compliance.on_sql_drop_labels();

REVOKE EXECUTE ON FUNCTION
    compliance.label_item(regclass, name),
    compliance.check_label_lang(text),
    compliance.set_label(text, text, text, text),
    compliance.code_label(text, text, text),
    compliance.column_label(regclass, name, text),
    compliance.item_columns(text),
    compliance.item_label(text, text),
    compliance.items_text(text[], text),
    compliance.purpose_label(text, text),
    compliance.recipient_label(text, text),
    compliance.kind_label(text, text),
    compliance.unlabelled(text, text, text[]),
    compliance.warn_missing_labels(text, text[]),
    compliance.on_sql_drop_labels()
FROM PUBLIC;
-- Admins name things, as they register them (30_registry.sql).
GRANT EXECUTE ON FUNCTION compliance.set_label(text, text, text, text) TO compliance_admin;
-- Labels are published in the documents anyway; the view calls the
-- lookups with its reader's rights.
GRANT SELECT ON compliance.labels, compliance.missing_labels
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
-- (and documents that run with their caller's rights, disclosure_answer)
GRANT EXECUTE ON FUNCTION
    compliance.label_item(regclass, name),
    compliance.code_label(text, text, text),
    compliance.column_label(regclass, name, text),
    compliance.item_columns(text),
    compliance.item_label(text, text),
    compliance.items_text(text[], text),
    compliance.purpose_label(text, text),
    compliance.recipient_label(text, text),
    compliance.kind_label(text, text),
    compliance.unlabelled(text, text, text[]),
    compliance.warn_missing_labels(text, text[])
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
