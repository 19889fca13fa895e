-- The text of the documents for data subjects and the authority (consent
-- notice, access report, Art. 12 answer, policy): every sentence, heading
-- and word, by key and language, filled by one file per language
-- (36_texts_ru.sql, 37_texts_en.sql, 38_texts_be.sql) so that a lawyer reviews one
-- language end to end.  The document functions hold no text of their own:
-- they assemble keys, labels (32_labels.sql) and values.

CREATE TABLE compliance.document_texts (
    key     text NOT NULL CHECK (key ~ E'^[a-z0-9_]+(\\.[a-z0-9_]+)+$'),
    lang    text NOT NULL CHECK (lang IN ('ru', 'be', 'en')),
    text    text NOT NULL,
    PRIMARY KEY (key, lang)
);
COMMENT ON TABLE compliance.document_texts IS
    'The text of the documents (consent notice, access report, Art. 12 answer, policy) by key and language (ru, be, en); %s marks where a document puts a value. Shipped with the extension, one install file per language; read-only.';

-- An unknown key is a defect of the extension, never of the caller's input.
CREATE FUNCTION compliance.doc_text(key text, lang text) RETURNS text
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_text text;
BEGIN
    SELECT t.text INTO v_text FROM compliance.document_texts t
     WHERE t.key = doc_text.key AND t.lang = doc_text.lang;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'document text "%" is missing in language "%"', key, lang
            USING ERRCODE = 'internal_error',
                  HINT = 'Reinstall the extension; compliance.document_texts is shipped with it.';
    END IF;
    RETURN v_text;
END
$$;
COMMENT ON FUNCTION compliance.doc_text(text, text) IS
    'Internal: the text of a document by key and language from compliance.document_texts; raises internal_error if the extension ships none.';

-- A list: the texts of key.1, key.2, ... in order.
CREATE FUNCTION compliance.doc_list(key text, lang text) RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_agg(t.text ORDER BY substr(t.key, length(doc_list.key) + 2)::int)
      FROM compliance.document_texts t
     WHERE t.lang = doc_list.lang AND t.key ~ ('^' || regexp_replace(doc_list.key, E'\\.', E'\\.', 'g') || E'\\.[0-9]+$')
$$;
COMMENT ON FUNCTION compliance.doc_list(text, text) IS
    'Internal: the texts of the keys key.1, key.2, ... in a language, in order, as a jsonb array (the items of a list in a document).';

-- Readable by every compliance role: it is what the documents publish.
GRANT SELECT ON compliance.document_texts
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
REVOKE EXECUTE ON FUNCTION compliance.doc_text(text, text), compliance.doc_list(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.doc_text(text, text), compliance.doc_list(text, text)
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
