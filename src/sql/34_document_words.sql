-- The words documents build their sentences from, in ru, be and en: the
-- names of countries and of the actions on personal data (Art. 1 of Law
-- 99-Z), references to the Law in the form of Belarusian legal texts
-- (абзац пятый пункта 2 статьи 8 Закона) generated from (article, point,
-- paragraph), and end dates as Belarus dates counted inclusively.  So that
-- a Russian or Belarusian document carries no English word.  The words
-- themselves are in compliance.document_texts (35_document_texts.sql);
-- what stays here is the grammar of a citation (абзац пятый пункта 2
-- статьи 8: ordinal, then genitive forms), which is the same in every
-- reference.

CREATE FUNCTION compliance.country_name(code text, lang text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE lang WHEN 'ru' THEN c.name_ru WHEN 'be' THEN c.name_be ELSE c.name END
      FROM compliance.countries c WHERE c.code = country_name.code
$$;
COMMENT ON FUNCTION compliance.country_name(text, text) IS
    'Internal: the short name of an ISO 3166-1 country in Russian (ru), Belarusian (be) or English (en), from compliance.countries.';

-- Art. 1 names the actions; the words are those of the Russian and
-- Belarusian texts of the Law (action.* in compliance.document_texts).
CREATE FUNCTION compliance.action_text(action compliance.processing_action, lang text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT compliance.doc_text('action.' || action, lang)
$$;
COMMENT ON FUNCTION compliance.action_text(compliance.processing_action, text) IS
    'Internal: an action on personal data (Art. 1 of Law 99-Z) in words, in Russian (ru), Belarusian (be) or English (en).';

CREATE FUNCTION compliance.actions_text(actions compliance.processing_action[], lang text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(compliance.action_text(a, lang), ', ' ORDER BY n)
      FROM unnest(actions) WITH ORDINALITY AS x(a, n)
$$;
COMMENT ON FUNCTION compliance.actions_text(compliance.processing_action[], text) IS
    'Internal: actions on personal data in words, in their order, comma-separated.';

-- Paragraphs (абзацы) are cited by ordinal words, as Belarusian legal
-- texts do: абзац пятый, абзац пяты.  Article 6 of the Law has 21.
CREATE FUNCTION compliance.ordinal_word(n integer, lang text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN n BETWEEN 1 AND 29 THEN
        CASE WHEN n >= 21 THEN (CASE lang WHEN 'ru' THEN 'двадцать ' ELSE 'дваццаць ' END)
                               || compliance.ordinal_word(n - 20, lang)
             ELSE (CASE lang
                 WHEN 'ru' THEN '{первый,второй,третий,четвертый,пятый,шестой,седьмой,восьмой,девятый,десятый,одиннадцатый,двенадцатый,тринадцатый,четырнадцатый,пятнадцатый,шестнадцатый,семнадцатый,восемнадцатый,девятнадцатый,двадцатый}'::text[]
                 ELSE '{першы,другі,трэці,чацвёрты,пяты,шосты,сёмы,восьмы,дзявяты,дзясяты,адзінаццаты,дванаццаты,трынаццаты,чатырнаццаты,пятнаццаты,шаснаццаты,сямнаццаты,васямнаццаты,дзевятнаццаты,дваццаты}'::text[] END)[n] END
        ELSE n::text END
$$;
COMMENT ON FUNCTION compliance.ordinal_word(integer, text) IS
    'Internal: an ordinal number 1 to 29 in words (masculine nominative), in Russian (ru) or Belarusian (be), for citing paragraphs; other numbers as digits.';

-- One provision of the Law: article, point (пункт) and paragraph (абзац)
-- or NULL.  Russian and Belarusian as in Belarusian legal texts; English as
-- the English documents cite everywhere: "paragraph 5 of Article 8.2".
CREATE FUNCTION compliance.cite(article integer, point integer, paragraph integer, lang text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE lang
        WHEN 'ru' THEN concat_ws(' ',
            'абзац ' || compliance.ordinal_word(paragraph, 'ru'),
            CASE WHEN point IS NULL THEN NULL WHEN paragraph IS NULL THEN 'пункт ' || point ELSE 'пункта ' || point END,
            CASE WHEN paragraph IS NULL AND point IS NULL THEN 'статья ' ELSE 'статьи ' END || article)
        WHEN 'be' THEN concat_ws(' ',
            'абзац ' || compliance.ordinal_word(paragraph, 'be'),
            CASE WHEN point IS NULL THEN NULL WHEN paragraph IS NULL THEN 'пункт ' || point ELSE 'пункта ' || point END,
            CASE WHEN paragraph IS NULL AND point IS NULL THEN 'артыкул ' ELSE 'артыкула ' END || article)
        ELSE concat('paragraph ' || paragraph || ' of ', 'Article ', article, '.' || point) END
$$;
COMMENT ON FUNCTION compliance.cite(integer, integer, integer, text) IS
    'Internal: a provision of Law 99-Z (article, point, paragraph; point and paragraph may be NULL) as Belarusian legal texts cite it: абзац пятый пункта 2 статьи 8 (ru), абзац пяты пункта 2 артыкула 8 (be), paragraph 5 of Article 8.2 (en); without "of the Law".';

-- The provisions a legal basis rests on (compliance.legal_bases.article,
-- "Art. 6 para 8; Art. 8.2 para 3", "Art. 4.3, 5") as (article, point,
-- paragraph), in order.
CREATE FUNCTION compliance.basis_provisions(basis compliance.legal_basis)
    RETURNS TABLE (article integer, point integer, paragraph integer)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT m[1]::int, nullif(m[2], '')::int, nullif(m[3], '')::int
      FROM compliance.legal_bases b,
           regexp_split_to_table(regexp_replace(b.article, E', (\\d)', E'; Art. \\1', 'g'), '; ') WITH ORDINALITY AS x(part, n),
           regexp_match(x.part, E'^Art\\. (\\d+)(?:\\.(\\d+))?(?: para (\\d+))?$') m
     WHERE b.basis = basis_provisions.basis
     ORDER BY x.n
$$;
COMMENT ON FUNCTION compliance.basis_provisions(compliance.legal_basis) IS
    'Internal: the provisions of Law 99-Z a legal basis rests on, from compliance.legal_bases.article, as (article, point, paragraph) rows in order.';

CREATE FUNCTION compliance.basis_citation(basis compliance.legal_basis, lang text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(compliance.cite(p.article, p.point, p.paragraph, lang), ', ')
           || CASE lang WHEN 'en' THEN ' of the Law' ELSE ' Закона' END
      FROM compliance.basis_provisions(basis) p
$$;
COMMENT ON FUNCTION compliance.basis_citation(compliance.legal_basis, text) IS
    'Internal: the provisions of Law 99-Z a legal basis rests on, cited as Belarusian legal texts do: "абзац восьмой статьи 6, абзац третий пункта 2 статьи 8 Закона".';

-- An end moment as the last Belarus date it includes: a consent valid
-- until 01.01.2027 00:00 in Minsk is valid "по 31.12.2026 включительно".
CREATE FUNCTION compliance.report_until(at timestamptz, lang text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format(compliance.doc_text('doc.until', lang), to_char(d, compliance.doc_text('doc.date_format', lang)))
      FROM (SELECT ((at - interval '1 microsecond') AT TIME ZONE 'Europe/Minsk')::date AS d) x
$$;
COMMENT ON FUNCTION compliance.report_until(timestamptz, text) IS
    'Internal: the end of a period as the last Belarus (Europe/Minsk) date it includes, "по 31.12.2026 включительно" (ru), "па 31.12.2026 уключна" (be), "until 2026-12-31 inclusive" (en); independent of DateStyle and TimeZone.';

REVOKE EXECUTE ON FUNCTION
    compliance.country_name(text, text),
    compliance.action_text(compliance.processing_action, text),
    compliance.actions_text(compliance.processing_action[], text),
    compliance.ordinal_word(integer, text),
    compliance.cite(integer, integer, integer, text),
    compliance.basis_provisions(compliance.legal_basis),
    compliance.basis_citation(compliance.legal_basis, text),
    compliance.report_until(timestamptz, text)
FROM PUBLIC;
-- Documents that run with their caller's rights (disclosure_answer) use
-- them; they read nothing a compliance role may not read.
GRANT EXECUTE ON FUNCTION
    compliance.country_name(text, text),
    compliance.action_text(compliance.processing_action, text),
    compliance.actions_text(compliance.processing_action[], text),
    compliance.ordinal_word(integer, text),
    compliance.cite(integer, integer, integer, text),
    compliance.basis_provisions(compliance.legal_basis),
    compliance.basis_citation(compliance.legal_basis, text),
    compliance.report_until(timestamptz, text)
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;
