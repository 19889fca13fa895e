-- The consent cache (src/cache.c): per purpose, a mark per subject (consent
-- without end, consent until a time, blocked, none), in a byte array for
-- integer keys and hash tables otherwise; tables past
-- compliance.cache_subjects learn subjects one at a time.  Every path must
-- decide like the consent state itself, and a refusal must say why.
DROP EXTENSION IF EXISTS compliance CASCADE;
CREATE EXTENSION compliance;
\set SHOW_CONTEXT never
SELECT compliance.set_processor('Shop LLC', 'Minsk');
SELECT compliance.register_purpose('mailing', 'Mailing');
SELECT compliance.register_purpose('billing', 'Billing', 'contract_with_subject', basis_scope => 'all_subjects');

-- integer keys (byte array; 20000000 is past it) and text keys (hash)
CREATE TABLE members (id bigint PRIMARY KEY, note text);
INSERT INTO members VALUES (1, 'consent'), (2, 'timed'), (3, 'withdrawn'), (4, 'refused'),
    (5, 'none'), (6, 'blocked with consent'), (7, 'blocked with timed consent'),
    (20000000, 'consent, large key'), (-5, 'consent, negative key');
SELECT compliance.protect('members', 'id');
CREATE TABLE contacts (email text PRIMARY KEY, note text);
INSERT INTO contacts VALUES ('a@example.by', 'consent'), ('b@example.by', 'timed'),
    ('c@example.by', 'none'), ('d@example.by', 'blocked');
SELECT compliance.protect('contacts', 'email');

SELECT count(compliance.give_consent(s, '{mailing}', 'checkbox'))
  FROM unnest(ARRAY['1', '3', '6', '20000000', '-5', 'a@example.by', 'd@example.by']) s;
SELECT count(compliance.give_consent(s, '{mailing}', 'checkbox', valid_until => now() + interval '1 hour'))
  FROM unnest(ARRAY['2', '7', 'b@example.by']) s;
SELECT compliance.withdraw_consent('3', '{mailing}') IS NOT NULL AS withdrawn;
SELECT compliance.refuse_consent('4', '{mailing}') IS NOT NULL AS refused;
SELECT compliance.block_subject(s, 'accuracy disputed') FROM unnest(ARRAY['6', '7', 'd@example.by']) s;

SET compliance.purpose = 'mailing';
SELECT id, note FROM members ORDER BY id;
SELECT email, note FROM contacts ORDER BY email;
SELECT purposes, dense_keys > 0 AS has_byte_array, hashed_subjects FROM compliance.consent_cache_stats();
SELECT s, compliance.may_process(s) FROM unnest(ARRAY['1', '2', '5', '7', '20000000', '-5', 'a@example.by', 'c@example.by']) s;
-- a key the integer column reads as 7 ('007', '+7') is subject 7 (blocked),
-- as the table holds it; past the integer range it stays a text key (the
-- text table can hold it) and the cache hashes it
SELECT count(compliance.give_consent(s, '{mailing}', 'checkbox'))
  FROM unnest(ARRAY['007', '9223372036854775808', '-9223372036854775808']) s;
SELECT s, compliance.may_process(s)
  FROM unnest(ARRAY['007', '7', '-0', '+7', '9223372036854775808', '-9223372036854775808',
                    '9223372036854775807', '-9223372036854775809', '']) s;
-- a purpose on another basis: only the blocks count
SET compliance.purpose = 'billing';
SELECT array_agg(id ORDER BY id) AS billing_members FROM members;

-- the timed consents end: from the next statement on, their rows are gone
-- (the consent clock runs two hours ahead; the hour-long consents lapse)
SET compliance.consent_clock_advance = '2h';
SET compliance.purpose = 'mailing';
SELECT id, note FROM members ORDER BY id;
SELECT email, note FROM contacts ORDER BY email;

-- a refusal says why
SET compliance.on_blocked_read = 'error';
SELECT note FROM members WHERE id = 2;
SELECT note FROM members WHERE id = 3;
SELECT note FROM members WHERE id = 4;
SELECT note FROM members WHERE id = 5;
SELECT note FROM members WHERE id = 6;
SELECT note FROM contacts WHERE email = 'c@example.by';
RESET compliance.on_blocked_read;
INSERT INTO members VALUES (3, 'again');
-- back on real time the timed consents are in force again: the clock only
-- moves the moment of judgement, the cache still holds them
RESET compliance.consent_clock_advance;
SELECT id, note FROM members WHERE id IN (2, 7) ORDER BY id;
SELECT compliance.consent_status('2', 'mailing') AS real_time;
SET compliance.consent_clock_advance = '59min';
SELECT id, note FROM members WHERE id IN (2, 7) ORDER BY id;
SET compliance.consent_clock_advance = '61min';
SELECT id, note FROM members WHERE id IN (2, 7) ORDER BY id;
SELECT compliance.consent_status('2', 'mailing') AS an_hour_ahead;
-- only forward: it cannot keep a consent in force (22023; the wording of
-- the range differs between server versions)
\set VERBOSITY sqlstate
SET compliance.consent_clock_advance = '-1s';
\set VERBOSITY default
RESET compliance.consent_clock_advance;

-- Past the bound: 1,200 text subjects in a table allowed 1,000 learns them
-- one at a time and still decides each correctly.
SELECT count(compliance.give_consent('bulk-' || g, '{mailing}', 'checkbox'))
  FROM generate_series(1, 1200) g;
CREATE TABLE bulk_contacts AS SELECT 'bulk-' || g AS email FROM generate_series(1, 1300) g;
SELECT compliance.protect('bulk_contacts', 'email');
\c
SET compliance.cache_subjects = 1000;
SET compliance.purpose = 'mailing';
SELECT count(*) AS consenting_of_1300 FROM bulk_contacts;
SELECT count(*) AS again FROM bulk_contacts;
SELECT hashed_subjects <= 1000 AS within_bound FROM compliance.consent_cache_stats();
SELECT compliance.withdraw_consent('bulk-7', '{mailing}') IS NOT NULL AS withdrawn;
SELECT count(*) AS after_one_withdrawal FROM bulk_contacts;

-- A session's first statement may set the transaction's isolation: the
-- caches it fills read with a snapshot that is not the transaction's.
\c
BEGIN ISOLATION LEVEL REPEATABLE READ;
SET LOCAL compliance.purpose = 'mailing';
SELECT count(*) AS repeatable_read_first FROM bulk_contacts;
COMMIT;
\c
BEGIN;
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;
SET LOCAL compliance.purpose = 'mailing';
SELECT count(*) AS serializable_after_begin FROM bulk_contacts;
COMMIT;

RESET compliance.purpose;
DROP TABLE members, contacts, bulk_contacts;
DROP EXTENSION compliance CASCADE;
