-- consent_ledger_fields() is a single expression, but its SET search_path
-- kept the planner from inlining it: every consent written ran it as a
-- separate SQL function call (about an eighth of give_consent's time).
-- Its callers, consent_ledger_append() and verify_ledger(), run with
-- search_path = pg_catalog, pg_temp themselves, so the inlined expression
-- resolves to the same functions and the hash of every row stays the
-- same (test/t/004_update.pl verifies a 1.0 chain after the update).
ALTER FUNCTION compliance.consent_ledger_fields(compliance.consent_ledger) RESET search_path;
