-- Hostile input at the SQL surface: every contract function called with
-- NULLs, empty strings, oversized arrays and text, wrong types, negative
-- and overflowing numbers must answer with a clear error (a proper
-- SQLSTATE and message), never an internal error or a crash.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET DateStyle = 'ISO, YMD';

SELECT compliance.set_processor('Clinic LLC', 'Minsk');
SELECT compliance.register_purpose('research', 'Research');
SELECT compliance.register_recipient('lab', 'Lab', 'Minsk', 'BY');
CREATE TABLE hostile_t (id text PRIMARY KEY, name text, diagnosis text);
SELECT compliance.protect('hostile_t', 'id');
CREATE TABLE hostile_u (id int PRIMARY KEY, name text);
SELECT compliance.subject(compliance.give_consent('h1', '{research}', 'checkbox'));
SELECT compliance.file_request('h1', 'access', '2024-03-01 10:00+00') AS request_id;

-- Runs one call in a subtransaction that is always rolled back, and says
-- how it ended: "returned ..." or SQLSTATE and message.
CREATE FUNCTION hostile_try(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_result text;
    v_outcome text;
BEGIN
    BEGIN
        EXECUTE call INTO v_result;
        v_outcome := 'returned ' || coalesce(left(v_result, 50), 'NULL');
        RAISE EXCEPTION USING ERRCODE = 'P0099';    -- undo what the call did
    EXCEPTION
        WHEN SQLSTATE 'P0099' THEN
            NULL;
        WHEN OTHERS THEN
            v_outcome := left(SQLSTATE || ' ' || SQLERRM, 100);
    END;
    RETURN v_outcome;
END
$$;

-- A valid value for an argument, by name first, then by type.
CREATE FUNCTION hostile_sample(arg text, typ regtype) RETURNS text LANGUAGE sql AS $$
SELECT CASE
    WHEN arg IN ('lang', 'notice_lang') THEN '''en'''
    WHEN arg = 'transfer_countries' THEN '''{US}'''
    WHEN arg = 'basis_scope' THEN '''per_subject'''
    WHEN arg = 'format' THEN '''text'''
    WHEN arg = 'country' THEN '''BY'''
    WHEN arg = 'kind' AND typ = 'text'::regtype THEN '''third_party'''
    WHEN arg = 'outcome' THEN '''fulfilled'''
    WHEN arg = 'channel' THEN '''written'''
    WHEN arg = 'indicated_by' THEN '''subject'''
    WHEN arg = 'recipient' THEN '''lab'''
    WHEN arg = 'code' THEN '''hostile_code'''
    WHEN arg IN ('subject_column', 'from_column') THEN '''id'''
    WHEN arg = 'id' THEN '(SELECT max(id) FROM compliance.subject_requests)'
    WHEN arg IN ('transfer_basis', 'permit', 'evidence', 'representative', 'identity',
                 'categories', 'actions', 'retention', 'valid_until',
                 'subjects', 'description', 'response', 'essence', 'applicant')
         AND typ <> 'text'::regtype OR arg IN ('transfer_basis', 'permit', 'essence', 'response')
        THEN 'NULL::' || typ::text
    WHEN typ = 'text'::regtype THEN '''h1'''
    WHEN typ = 'text[]'::regtype THEN '''{name}'''
    WHEN typ = 'regclass'::regtype THEN '''hostile_u'''
    WHEN typ = 'name'::regtype THEN '''id'''
    WHEN typ = 'compliance.purpose'::regtype THEN '''research'''
    WHEN typ = 'compliance.purpose_set'::regtype THEN '''{research}'''
    WHEN typ = 'compliance.consent_form'::regtype THEN '''checkbox'''
    WHEN typ = 'compliance.legal_basis'::regtype THEN '''consent'''
    WHEN typ = 'compliance.request_kind'::regtype THEN '''access'''
    WHEN typ = 'compliance.consent'::regtype
        THEN '(SELECT c FROM compliance.consents_of(''h1'') c LIMIT 1)'
    WHEN typ = 'timestamp with time zone'::regtype THEN '''2024-03-01 10:00+00'''
    WHEN typ = 'date'::regtype THEN '''2024-03-04'''
    WHEN typ = 'interval'::regtype THEN '''5 years'''
    WHEN typ IN ('integer'::regtype, 'bigint'::regtype) THEN '1'
    WHEN typ = 'boolean'::regtype THEN 'true'
    ELSE 'NULL'
END || '::' || typ::text
$$;

------------------------------------------------------------------------
-- 1. Every contract function, with NULL for each argument in turn (the
--    other arguments valid; optional ones left out after the NULL one)
------------------------------------------------------------------------
CREATE TEMP TABLE contract(name text PRIMARY KEY);
INSERT INTO contract VALUES
    ('set_processor'), ('register_purpose'), ('protect'), ('unprotect'),
    ('register_recipient'), ('give_consent'), ('withdraw_consent'),
    ('consent_status'), ('consents_of'), ('consent_notice'), ('verify_ledger'),
    ('may_process'), ('record_disclosure'), ('disclosure_history'),
    ('file_request'), ('complete_request'), ('working_days_add'),
    ('subject_access'), ('subject_access_report'), ('erase_subject'),
    ('block_subject'), ('unblock_subject'), ('expired_data'), ('purge_expired'),
    ('report_breach'), ('policy_document'), ('subject'), ('purposes'), ('covers'),
    ('check_transfer'), ('flush_disclosures'), ('disclosure_history_report'),
    ('answer_request'), ('consent_overview'), ('set_retained'), ('alter_purpose'), ('retire_purpose'),
    ('set_protection_mode'), ('reset_protection_report'), ('confirm_consent_evidence');

CREATE TEMP TABLE null_calls AS
SELECT format('%s/%s', p.proname, p.pronargs) AS fn, a.n, a.argname,
       format('SELECT %s compliance.%I(%s)%s',
              CASE WHEN p.proretset THEN 'count(*)::text FROM' ELSE '' END,
              p.proname,
              (SELECT string_agg(CASE WHEN b.n = a.n THEN 'NULL::' || b.typ::regtype::text
                                      ELSE hostile_sample(b.argname, b.typ::regtype) END,
                                 ', ' ORDER BY b.n)
                 FROM unnest(p.proargtypes::oid[], p.proargnames[1:p.pronargs])
                      WITH ORDINALITY b(typ, argname, n)
                WHERE b.n <= greatest(a.n, p.pronargs - p.pronargdefaults)),
              CASE WHEN p.proretset THEN ' s' ELSE '::text' END) AS call
  FROM pg_proc p
  JOIN contract c ON c.name = p.proname
 CROSS JOIN LATERAL unnest(p.proargtypes::oid[], p.proargnames[1:p.pronargs])
       WITH ORDINALITY a(typ, argname, n)
 WHERE p.pronamespace = 'compliance'::regnamespace;

SELECT fn, argname, hostile_try(call) AS outcome
  FROM null_calls ORDER BY fn::text, n, call;

------------------------------------------------------------------------
-- 2. Empty strings for codes, subjects, titles and names
------------------------------------------------------------------------
SELECT call, hostile_try(call) AS outcome FROM (VALUES
    ($$SELECT compliance.give_consent('', '{research}', 'checkbox')::text$$),
    ($$SELECT compliance.give_consent('h1', '', 'checkbox')::text$$),
    ($$SELECT compliance.give_consent('h1', '{}', 'checkbox')::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', '')::text$$),
    ($$SELECT compliance.withdraw_consent('', NULL)::text$$),
    ($$SELECT compliance.consent_status('', 'research')$$),
    ($$SELECT compliance.consent_status('h1', '')$$),
    ($$SELECT count(*)::text FROM compliance.consents_of('')$$),
    ($$SELECT compliance.register_purpose('', 'Title')::text$$),
    ($$SELECT compliance.register_purpose('empty_title', '')::text$$),
    ($$SELECT compliance.register_purpose('blank_title', '   ')::text$$),
    ($$SELECT compliance.register_recipient('', 'Name', 'Minsk', 'BY')::text$$),
    ($$SELECT compliance.register_recipient('r1', '', 'Minsk', 'BY')::text$$),
    ($$SELECT compliance.register_recipient('r1', 'Name', 'Minsk', '')::text$$),
    ($$SELECT compliance.set_processor('', '')::text$$),
    ($$SELECT compliance.protect('hostile_u', '')::text$$),
    ($$SELECT compliance.block_subject('', 'reason')::text$$),
    ($$SELECT compliance.block_subject('h1', '')::text$$),
    ($$SELECT compliance.unblock_subject('')::text$$),
    ($$SELECT compliance.file_request('', 'access')::text$$),
    ($$SELECT compliance.file_request('h1', '')::text$$),
    ($$SELECT compliance.file_request('h1', 'access', channel => '')::text$$),
    ($$SELECT compliance.complete_request(1, '')::text$$),
    ($$SELECT compliance.record_disclosure('', 'lab', '{name}')::text$$),
    ($$SELECT compliance.record_disclosure('h1', '', '{name}')::text$$),
    ($$SELECT compliance.record_disclosure('h1', 'lab', '{}')::text$$),
    ($$SELECT compliance.record_disclosure('h1', 'lab', '{""}')::text$$),
    ($$SELECT compliance.subject_access('')::text$$),
    ($$SELECT compliance.subject_access_report('h1', '')$$),
    ($$SELECT compliance.consent_notice('{research}', '')$$),
    ($$SELECT compliance.erase_subject('')::text$$),
    ($$SELECT count(*)::text FROM compliance.disclosure_history('', '2024-06-01')$$),
    ($$SELECT compliance.may_process('')::text$$),
    ($$SELECT ''::compliance.purpose::text$$),
    ($$SELECT ''::compliance.purpose_set::text$$),
    ($$SELECT ''::compliance.consent::text$$)
) v(call);

------------------------------------------------------------------------
-- 3. Oversized arrays and text
------------------------------------------------------------------------
SELECT call, hostile_try(call) AS outcome FROM (VALUES
    -- 100,000 purposes (one, repeated): a set of one
    ($$SELECT compliance.purposes(compliance.give_consent('h2',
          (SELECT array_agg('research'::compliance.purpose) FROM generate_series(1, 100000))::compliance.purpose_set,
          'checkbox'))::text$$),
    ($$SELECT compliance.purposes(compliance.give_consent('h2',
          ('{' || repeat('research,', 99999) || 'research}')::compliance.purpose_set, 'checkbox'))::text$$),
    -- 100,000 unregistered purposes
    ($$SELECT ('{' || (SELECT string_agg('p' || i, ',') FROM generate_series(1, 100000) i) || '}')::compliance.purpose_set::text$$),
    -- 100,000 data items, each a real column
    ($$SELECT compliance.record_disclosure('h1', 'lab', array_fill('name'::text, ARRAY[100000]))::text$$),
    ($$SELECT compliance.register_purpose('many_items', 'Many', data_items => array_fill('name'::text, ARRAY[100000]))::text$$),
    ($$SELECT compliance.register_purpose('bad_items', 'Bad', data_items => ARRAY[repeat('x', 100000)])::text$$),
    -- multi-dimensional and NULL-bearing arrays
    ($$SELECT compliance.record_disclosure('h1', 'lab', ARRAY[['name'], ['id']])::text$$),
    ($$SELECT compliance.record_disclosure('h1', 'lab', ARRAY['name', NULL])::text$$),
    ($$SELECT compliance.register_purpose('null_item', 'Null', data_items => ARRAY[NULL::text])::text$$),
    ($$SELECT compliance.purpose_set(ARRAY['research'::compliance.purpose, NULL])::text$$),
    ($$SELECT compliance.report_breach('2024-03-01', 'leak', array_fill('h1'::text, ARRAY[100000]))::text$$),
    -- oversized text
    ($$SELECT compliance.give_consent(repeat('s', 1025), '{research}', 'checkbox')::text$$),
    ($$SELECT compliance.block_subject('h1', repeat('r', 10000000))::text$$),
    ($$SELECT compliance.register_purpose(repeat('a', 64), 'Long code')::text$$),
    ($$SELECT compliance.register_purpose('long_title', repeat('t', 10000000))::text$$),
    ($$SELECT repeat('a', 100000)::compliance.purpose::text$$),
    ($$SELECT compliance.file_request('h1', 'access', essence => repeat('e', 10000000))::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', 'checkbox',
          evidence => (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 100000) i))::text$$),
    ($$SELECT compliance.consent_notice('{research}', repeat('x', 100000))$$)
) v(call);

------------------------------------------------------------------------
-- 4. Wrong types through text literals
------------------------------------------------------------------------
SELECT call, hostile_try(call) AS outcome FROM (VALUES
    ($$SELECT compliance.give_consent('h1', '{nonexistent}', 'checkbox')::text$$),
    ($$SELECT compliance.give_consent('h1', 'research', 'checkbox')::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', 'pigeon')::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', 'checkbox', valid_until => 'tomorrow-ish')::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', 'checkbox', evidence => '{not json')::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', 'checkbox', evidence => '[1, 2]')::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', 'checkbox', identity => '"a string"')::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', 'checkbox', identity => '{"birth_date": "yesterday"}')::text$$),
    ($$SELECT compliance.consent_status('h1', 'Bad Code')$$),
    ($$SELECT compliance.register_purpose('x_basis', 'X', 'no_such_basis')::text$$),
    ($$SELECT compliance.register_purpose('x_action', 'X', actions => '{teleport}')::text$$),
    ($$SELECT compliance.register_purpose('x_items', 'X', data_items => 'name')::text$$),
    ($$SELECT compliance.protect('no_such_table', 'id')::text$$),
    ($$SELECT compliance.protect('hostile_u', 'no_such_column')::text$$),
    ($$SELECT compliance.protect('hostile_u', 'id', '{"name": "nonsense"}')::text$$),
    ($$SELECT compliance.protect('hostile_u', 'id', '{"name": 42}')::text$$),
    ($$SELECT compliance.protect('hostile_u', 'id', '["name"]')::text$$),
    ($$SELECT compliance.protect('hostile_u', 'id', '{"nope": "health"}')::text$$),
    ($$SELECT compliance.protect('pg_class', 'oid')::text$$),
    ($$SELECT compliance.file_request('h1', 'complain')::text$$),
    ($$SELECT compliance.file_request('h1', 'access', 'not a time')::text$$),
    ($$SELECT compliance.file_request('h1', 'access', applicant => '42')::text$$),
    ($$SELECT compliance.complete_request('abc', 'fulfilled')::text$$),
    ($$SELECT compliance.working_days_add('2024-13-45', 1)::text$$),
    ($$SELECT compliance.working_days_add('2024-03-01', '1.5')::text$$),
    ($$SELECT compliance.record_disclosure('h1', 'no_such_recipient', '{name}')::text$$),
    ($$SELECT compliance.record_disclosure('h1', 'lab', '{name}', transfer_basis => 'because')::text$$),
    ($$SELECT compliance.register_recipient('r2', 'R', 'Nowhere', 'XX')::text$$),
    ($$SELECT compliance.register_recipient('r2', 'R', 'Nowhere', 'BY', 'friend')::text$$),
    ($$SELECT compliance.subject_access_report('h1', 'en', 'pdf')$$),
    ($$SELECT compliance.covers('garbage'::compliance.consent, 'research')::text$$)
) v(call);

------------------------------------------------------------------------
-- 5. Negative, overflowing and infinite numbers and times
------------------------------------------------------------------------
SELECT call, hostile_try(call) AS outcome FROM (VALUES
    ($$SELECT compliance.working_days_add('2024-03-01', -5)::text$$),
    ($$SELECT compliance.working_days_add('2024-03-01', 2147483647)::text$$),
    ($$SELECT compliance.working_days_add('2024-03-01', -2147483648)::text$$),
    ($$SELECT compliance.working_days_add('infinity', 1)::text$$),
    ($$SELECT compliance.working_days_add('2024-03-01', 99999999999)::text$$),
    ($$SELECT compliance.complete_request(-1, 'fulfilled', 'sent')::text$$),
    ($$SELECT compliance.complete_request(9223372036854775807, 'fulfilled', 'sent')::text$$),
    ($$SELECT compliance.complete_request(99999999999999999999, 'fulfilled', 'sent')::text$$),
    ($$SELECT compliance.erase_subject('h1', -1)::text$$),
    ($$SELECT compliance.register_purpose('neg_ret', 'X', retention => '-1 year')::text$$),
    ($$SELECT compliance.register_purpose('zero_ret', 'X', retention => '0')::text$$),
    ($$SELECT compliance.register_purpose('inf_ret', 'X', retention => '100000000 years')::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', 'checkbox', valid_until => '2000-01-01')::text$$),
    ($$SELECT compliance.give_consent('h1', '{research}', 'checkbox', valid_until => '-infinity')::text$$),
    ($$SELECT compliance.purposes(compliance.give_consent('h1', '{research}', 'checkbox', valid_until => 'infinity'))::text$$),
    ($$SELECT compliance.file_request('h1', 'access', 'infinity')::text$$),
    ($$SELECT compliance.file_request('h1', 'access', '-infinity')::text$$),
    ($$SELECT compliance.file_request('h1', 'access', '294276-12-31')::text$$),
    ($$SELECT count(*)::text FROM compliance.disclosure_history('h1', 'infinity')$$),
    ($$SELECT count(*)::text FROM compliance.disclosure_history('h1', '-infinity')$$),
    ($$SELECT count(*)::text FROM compliance.disclosure_history('h1', '4713-01-01 BC')$$),
    ($$SELECT compliance.record_disclosure('h1', 'lab', '{name}', disclosed_at => 'infinity')::text$$),
    ($$SELECT compliance.record_disclosure('h1', 'lab', '{name}', disclosed_at => '2999-01-01')::text$$),
    ($$SELECT compliance.report_breach('infinity', 'leak')::text$$),
    ($$SELECT compliance.covers((SELECT c FROM compliance.consents_of('h1') c LIMIT 1), 'research', 'infinity')::text$$),
    ($$SELECT compliance.consent_notice('{research}', 'en', valid_until => '-infinity') IS NOT NULL$$),
    ($$SELECT compliance.flush_disclosures(-1)::text$$)
) v(call);

------------------------------------------------------------------------
-- 6. Every function of the schema, contract or not, with all arguments
--    NULL: no internal error (SQLSTATE class XX) from any of them.
--    Functions taking "internal" cannot be called from SQL at all.
------------------------------------------------------------------------
SET client_min_messages = error;   -- the maintenance functions warn about overdue requests
SELECT p.oid::regprocedure AS fn, o.outcome
  FROM pg_proc p
 CROSS JOIN LATERAL (SELECT hostile_try(format('SELECT %s compliance.%I(%s)%s',
              CASE WHEN p.proretset THEN 'count(*)::text FROM' ELSE '' END,
              p.proname,
              (SELECT string_agg('NULL::' || t::regtype::text, ', ')
                 FROM unnest(p.proargtypes::oid[]) t),
              CASE WHEN p.proretset THEN ' s' ELSE '::text' END)) AS outcome) o
 WHERE p.pronamespace = 'compliance'::regnamespace AND p.prokind = 'f'
   AND NOT p.proargtypes::oid[] && ARRAY['internal'::regtype, 'cstring'::regtype]::oid[]
   AND p.proname NOT IN ('schedule_maintenance', 'unschedule_maintenance')
   AND (o.outcome LIKE 'XX%' OR o.outcome LIKE '58%' OR o.outcome LIKE '%internal%')
 ORDER BY 1;

RESET client_min_messages;

DROP FUNCTION hostile_try(text), hostile_sample(text, regtype);
DROP TABLE hostile_t, hostile_u;
DROP EXTENSION compliance CASCADE;
