-- Least-privilege grants for the objects of 30_registry.sql to
-- 60_enforcement.sql; the other parts end with their own grants.  Runs
-- last, so that revoking PUBLIC's access to all tables and sequences sees
-- every one; the roles come from 05_roles.sql.


-- Types and operators are for everybody; everything else is granted below.
GRANT USAGE ON SCHEMA compliance TO PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA compliance FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA compliance FROM PUBLIC;

-- Internal and registry functions: not for PUBLIC.
REVOKE EXECUTE ON FUNCTION
    compliance.registry_changed(),
    compliance.remember_removed_default(),
    compliance.replace_shipped_default(),
    compliance.apply_removed_default(),
    compliance.on_sql_drop(),
    compliance.items_touch(text[], regclass[]),
    compliance.check_purpose_fields(text, compliance.legal_basis, interval, text[], compliance.processing_action[], text),
    compliance.warn_unmatched_items(text),
    compliance.check_purposes_in_force(compliance.purpose_set),
    compliance.protected_ancestors(regclass),
    compliance.set_processor(text, text, text),
    compliance.set_responsible_person(text, text),
    compliance.register_purpose(text, text, compliance.legal_basis, interval, text[], compliance.processing_action[], text, boolean, text),
    compliance.alter_purpose(compliance.purpose, text, compliance.legal_basis, interval, text[], compliance.processing_action[], text, boolean, text, text, text[]),
    compliance.retire_purpose(compliance.purpose, text),
    compliance.register_recipient(text, text, text, text, text),
    compliance.protect(regclass, name, jsonb, text, text),
    compliance.register_subject_kind(text, text, text),
    compliance.unprotect(regclass),
    compliance.require_table_owner(regclass, text),
    compliance.grant_purpose(compliance.purpose, regrole),
    compliance.revoke_purpose(compliance.purpose, regrole)
FROM PUBLIC;

-- Reference lists are public knowledge.
GRANT SELECT ON compliance.legal_bases, compliance.countries TO PUBLIC;

-- The registry is readable by every compliance role; the processing policy
-- publishes it anyway (Art. 17.4).
GRANT SELECT ON compliance.processor, compliance.purposes, compliance.recipients,
    compliance.subject_kinds, compliance.protected_tables, compliance.protected_columns,
    compliance.protection_changes,
    compliance.adequate_countries, compliance.holidays, compliance.removed_defaults,
    compliance.purpose_role_grants, compliance.purpose_grants, compliance.unmatched_data_items,
    compliance.purpose_history, compliance.purpose_versions
TO compliance_admin, compliance_officer, compliance_analyst, compliance_app;

-- compliance_admin writes the registry through the functions, and edits the
-- two lists the contract lets admins edit directly.
GRANT EXECUTE ON FUNCTION
    compliance.set_processor(text, text, text),
    compliance.set_responsible_person(text, text),
    compliance.register_purpose(text, text, compliance.legal_basis, interval, text[], compliance.processing_action[], text, boolean, text),
    compliance.alter_purpose(compliance.purpose, text, compliance.legal_basis, interval, text[], compliance.processing_action[], text, boolean, text, text, text[]),
    compliance.retire_purpose(compliance.purpose, text),
    compliance.register_recipient(text, text, text, text, text),
    compliance.protect(regclass, name, jsonb, text, text),
    compliance.register_subject_kind(text, text, text),
    compliance.grant_purpose(compliance.purpose, regrole),
    compliance.revoke_purpose(compliance.purpose, regrole),
    -- and only on tables it owns, or as a superuser: unprotect() checks
    -- the caller owns the table (an owner alone may not switch it off)
    compliance.unprotect(regclass)
TO compliance_admin;
-- INSERT and DELETE only: an updated shipped row would not survive a dump.
GRANT INSERT, DELETE ON compliance.adequate_countries, compliance.holidays TO compliance_admin;

-- Consent (Art. 5, 10): the application gives, withdraws and checks; the
-- ledgers are written only through these functions.
REVOKE EXECUTE ON FUNCTION
    compliance.ledger_guard(),
    compliance.consent_ledger_append(text, text, text, compliance.purpose_set, compliance.consent, text[], bigint, bytea, bytea),
    compliance.new_salt(),
    compliance.check_transfer_countries(text[]),
    compliance.consent_ledger_lock(),
    compliance.verify_ledger(),
    compliance.verify_chain(text, text, bigint, bytea),
    compliance.check_rights_digest(bytea, text),
    compliance.notice_text(compliance.purpose_set, text, timestamptz, text[]),
    compliance.consent_notice(compliance.purpose_set, text, timestamptz, text[], text),
    compliance.rights_notice(text, text),
    compliance.give_consent(text, compliance.purpose_set, compliance.consent_form, timestamptz, jsonb, text, jsonb, jsonb, text, text[], bytea, text),
    compliance.withdraw_consent(text, compliance.purpose_set, bigint, text),
    compliance.refuse_consent(text, compliance.purpose_set, text),
    compliance.consent_status(text, compliance.purpose, text),
    compliance.consents_of(text, text),
    compliance.consent_overview(text, text),
    compliance.confirm_consent_evidence(bigint, jsonb, jsonb, jsonb)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    compliance.consent_notice(compliance.purpose_set, text, timestamptz, text[], text),
    compliance.rights_notice(text, text),
    compliance.give_consent(text, compliance.purpose_set, compliance.consent_form, timestamptz, jsonb, text, jsonb, jsonb, text, text[], bytea, text),
    compliance.withdraw_consent(text, compliance.purpose_set, bigint, text),
    compliance.refuse_consent(text, compliance.purpose_set, text),
    compliance.consent_status(text, compliance.purpose, text),
    compliance.consents_of(text, text),
    compliance.consent_overview(text, text)
TO compliance_app, compliance_officer;
-- Bulk import of consents (56_consent_import.sql): import_consents() runs
-- as the caller and hands the rows to import_consent_rows(), which writes
-- the ledger; the helpers it calls as the caller come with it.
REVOKE EXECUTE ON FUNCTION
    compliance.check_consent_purposes(compliance.purpose_set),
    compliance.import_consents(regclass, text),
    compliance.import_consent_rows(text),
    compliance.import_consent_state(text, bigint),
    compliance.import_rows_table(),
    compliance.import_columns(),
    compliance.import_drop_work_tables(boolean),
    compliance.import_row_error(text, bigint, text, text),
    compliance.import_first_failing_row(text, bigint),
    compliance.check_imported_consent(text, text, compliance.purpose_set, compliance.consent_form, timestamptz,
        timestamptz, jsonb, bytea, text, bytea, text, text, jsonb, jsonb, text[], text, bytea)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    compliance.import_consents(regclass, text),
    compliance.import_consent_rows(text),
    compliance.import_columns(),
    compliance.import_drop_work_tables(boolean),
    compliance.import_row_error(text, bigint, text, text),
    compliance.import_first_failing_row(text, bigint)
TO compliance_app, compliance_officer;
GRANT EXECUTE ON FUNCTION compliance.verify_ledger()
TO compliance_admin, compliance_officer, compliance_analyst;
-- the plain identity and representative of receipts: officers only (the
-- analysts' ledgers hold them sealed)
GRANT EXECUTE ON FUNCTION compliance.confirm_consent_evidence(bigint, jsonb, jsonb, jsonb) TO compliance_officer;
GRANT SELECT ON compliance.consent_evidence TO compliance_officer;
GRANT SELECT ON compliance.consent_ledger, compliance.consent_state, compliance.ledger_heads
TO compliance_officer, compliance_analyst;

-- Enforcement: may_process for the application; blocks for officers.
REVOKE EXECUTE ON FUNCTION
    compliance.cache_invalidate(),
    compliance.invalidate_relation(regclass),
    compliance.set_enforcement(regclass, boolean),
    compliance.on_ddl_command_end(),
    compliance.may_process(text, compliance.purpose, text),
    compliance.block_subject(text, text, text),
    compliance.unblock_subject(text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance.may_process(text, compliance.purpose, text)
TO compliance_app, compliance_officer;
GRANT EXECUTE ON FUNCTION compliance.block_subject(text, text, text), compliance.unblock_subject(text, text)
TO compliance_officer;
GRANT SELECT ON compliance.blocked_subjects TO compliance_officer, compliance_analyst;
-- The write trigger is cloned onto every new partition of a protected
-- table, which needs EXECUTE of the role creating the partition (the
-- table's owner, pg_partman's).  It runs only as a trigger, and changes
-- nothing on a table that is not protected.
GRANT EXECUTE ON FUNCTION compliance.enforce_write() TO PUBLIC;
