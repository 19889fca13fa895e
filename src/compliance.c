/*-------------------------------------------------------------------------
 *
 * compliance.c
 *	  Library entry point: refuses to load unless preloaded, defines the
 *	  settings of the contract and installs the hooks.
 *
 * Enforcement must never be silently off (Art. 4.3, 17.1 of Law 99-Z), so
 * the library refuses to run unless it is in shared_preload_libraries: a
 * library loaded late would miss sessions that started before it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "compliance.h"

PG_MODULE_MAGIC;

char	   *compliance_purpose = NULL;
char	   *compliance_recipient = NULL;
int			compliance_on_blocked_read = BLOCKED_READ_FILTER;
bool		compliance_enforce = true;
int			compliance_cache_subjects = 1000000;
bool		compliance_ledger_protection = true;
char	   *compliance_transfer_basis = NULL;
char	   *compliance_transfer_permit = NULL;

static const struct config_enum_entry blocked_read_options[] = {
	{"filter", BLOCKED_READ_FILTER, false},
	{"error", BLOCKED_READ_ERROR, false},
	{NULL, 0, false}
};

void		_PG_init(void);

PG_FUNCTION_INFO_V1(library_version);

/*
 * A purpose must be registered when it is declared.  The check can only
 * consult the registry inside a transaction of a database that has the
 * extension; elsewhere (postgresql.conf, ALTER ROLE ... SET at login) it is
 * checked again when a protected table is touched.
 */
static bool
check_purpose(char **newval, void **extra, GucSource source)
{
	const char *code = *newval;

	if (code == NULL || code[0] == '\0')
		return true;

	if (!purpose_code_is_valid(code, strlen(code)))
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errmsg("invalid purpose code \"%s\"", code);
		GUC_check_errdetail("A purpose code starts with a lowercase letter and has at most %d lowercase letters, digits or underscores.",
							PURPOSE_CODE_MAXLEN);
		return false;
	}

	/*
	 * A parallel worker receives the leader's settings, already checked;
	 * looking the purpose up there would take a snapshot during worker
	 * start-up, which is not allowed.
	 */
	if (!IsTransactionState() || InitializingParallelWorker || IsParallelWorker() ||
		!compliance_extension_present())
		return true;

	if (purpose_id_from_code(code, true) == 0)
	{
		GUC_check_errcode(ERRCODE_UNDEFINED_OBJECT);
		GUC_check_errmsg("purpose \"%s\" is not registered", code);
		GUC_check_errdetail("Personal data may be processed only for a specific, previously stated purpose (Art. 4.4 of Law 99-Z).");
		GUC_check_errhint("Register it with compliance.register_purpose(), or choose one from compliance.purposes.");
		return false;
	}
	return true;
}

/* Recipient codes share the purpose code syntax; registration is checked when a disclosure is logged. */
static bool
check_recipient(char **newval, void **extra, GucSource source)
{
	const char *code = *newval;

	if (code == NULL || code[0] == '\0')
		return true;
	if (!purpose_code_is_valid(code, strlen(code)))
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errmsg("invalid recipient code \"%s\"", code);
		GUC_check_errdetail("A recipient code starts with a lowercase letter and has at most %d lowercase letters, digits or underscores.",
							PURPOSE_CODE_MAXLEN);
		return false;
	}
	return true;
}

/* Cached plans capture disclosures for the recipient set when planned. */
static void
assign_recipient(const char *newval, void *extra)
{
	capture_recipient_changed();
	capture_settings_changed();
}

/* Captured disclosures record the purpose, basis and permit in force. */
static void
assign_recorded_setting(const char *newval, void *extra)
{
	capture_settings_changed();
}

static void
define_settings(void)
{
	DefineCustomStringVariable("compliance.purpose",
							   "Declared purpose of processing personal data in this session or transaction.",
							   "A registered purpose code. Protected tables may be touched only with a purpose declared (Art. 4.4 of Law 99-Z).",
							   &compliance_purpose,
							   "",
							   PGC_USERSET,
							   0,
							   check_purpose, assign_recorded_setting, NULL);

	DefineCustomStringVariable("compliance.recipient",
							   "Recipient that rows read from protected tables are being provided to.",
							   "When set, every protected row returned is logged as a disclosure to this registered recipient (Art. 12 of Law 99-Z).",
							   &compliance_recipient,
							   "",
							   PGC_USERSET,
							   0,
							   check_recipient, assign_recipient, NULL);

	DefineCustomStringVariable("compliance.transfer_basis",
							   "Exception of Art. 9.1 of Law 99-Z under which rows are provided to a recipient in a country without adequate protection.",
							   "One of informed_consent, contract_with_subject, public_register, vital_interests, international_treaty, financial_monitoring, authority_permission.",
							   &compliance_transfer_basis,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, assign_recorded_setting, NULL);

	DefineCustomStringVariable("compliance.transfer_permit",
							   "Reference of the authority's permission when compliance.transfer_basis is authority_permission.",
							   NULL,
							   &compliance_transfer_permit,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, assign_recorded_setting, NULL);

	DefineCustomEnumVariable("compliance.on_blocked_read",
							 "What happens when a query reaches a row that may not be processed.",
							 "\"filter\" leaves such rows out; \"error\" raises an error instead.",
							 &compliance_on_blocked_read,
							 BLOCKED_READ_FILTER,
							 blocked_read_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("compliance.enforce",
							 "Enforces purposes, consent and blocking on protected tables.",
							 "Only a superuser may turn enforcement off.",
							 &compliance_enforce,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("compliance.ledger_protection",
							 "Refuses UPDATE, DELETE and TRUNCATE on the consent and disclosure ledgers.",
							 "Only a superuser may turn it off, for repairs; compliance.verify_ledger() reports every changed row.",
							 &compliance_ledger_protection,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("compliance.cache_subjects",
							"Maximum number of data subjects per purpose that a backend keeps in the hash tables of its consent cache.",
							"Integer subject keys below 16777216 take one byte each in an array and do not count.  Past this bound a purpose's table learns subjects one at a time.",
							&compliance_cache_subjects,
							1000000,
							1000,
							INT_MAX / 2,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("compliance.capture_ring_size",
							"Shared memory per database for captured disclosures not yet written to the log.",
							"A session reading for a recipient waits for the disclosure writer once this is full. Eight databases may capture at once, each with a ring of this size.",
							&compliance_capture_ring_kb,
							2048,
							1024,
							1024 * 1024,
							PGC_POSTMASTER,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("compliance");
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("compliance must be loaded via \"shared_preload_libraries\""),
				 errdetail("Enforcement of Law 99-Z must cover every session, so the library cannot be loaded on demand."),
				 errhint("Add shared_preload_libraries = 'compliance' to postgresql.conf and restart the server.")));

	define_settings();
	registry_init();
	protection_init();
	cache_init();
	subject_changes_init();
	enforce_init();
	utility_init();
	capture_init();
}

/*
 * Called by the install script: loading the library fails unless it was
 * preloaded (see _PG_init), so CREATE EXTENSION fails with that error even
 * when check_function_bodies is off, as during pg_restore.
 */
Datum
library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(COMPLIANCE_VERSION));
}
