-- bench/scale/setup_compliance.sql: the extension's side of the scale
-- benchmark: five purposes (three on consent, one contract, one medical
-- with special-category data, Art. 8.2), three recipients, and the
-- aggregate of the bulk ledger path.  The tables are protected by
-- protect.sql once they exist.  Runs as a superuser.

\set ON_ERROR_STOP on
CREATE EXTENSION compliance;
SELECT compliance.set_processor('Bench LLC', 'Minsk, Benchmark St 1');
SELECT compliance.register_purpose('marketing', 'Marketing offers');
SELECT compliance.register_purpose('analytics', 'Usage analytics');
SELECT compliance.register_purpose('research', 'Product research');
SELECT compliance.register_purpose('billing', 'Billing and delivery', 'contract_with_subject');
SELECT compliance.register_purpose('treatment', 'Medical care', 'medical_assistance');

SELECT compliance.register_recipient('sms_gateway', 'SMS Gateway LLC', 'Minsk', 'BY');
SELECT compliance.register_recipient('courier', 'Courier Service JSC', 'Brest', 'BY');
SELECT compliance.register_recipient('partner_ru', 'Partner LLC', 'Moscow', 'RU');

-- The bulk ledger path (gen_consents.sql, gen_disclosures.sql) chains rows
-- with a running window aggregate: its state after each row is
-- compliance.ledger_digest(previous hash, the row's fields), the row's
-- hash, computed in C without a per-row SQL or PL/pgSQL call.  Its INITCOND
-- is the hash the next chunk continues from, set by bench_chain_from; one
-- aggregate per ledger, as the two are generated in parallel sessions.
CREATE FUNCTION bench_chain_from(agg text, h bytea) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE OR REPLACE AGGREGATE %I(text[]) (SFUNC = compliance.ledger_digest, '
                   'STYPE = bytea, INITCOND = %L)', agg, h::text);
END
$$;
SELECT bench_chain_from('bench_consent_chain', '\x0000000000000000000000000000000000000000000000000000000000000000');
SELECT bench_chain_from('bench_disclosure_chain', '\x0000000000000000000000000000000000000000000000000000000000000000');
