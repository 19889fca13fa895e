/*-------------------------------------------------------------------------
 *
 * compliance.c
 *	  Library entry point: refuses to load unless preloaded, defines the
 *	  settings of the contract, and holds every hook, shared memory request
 *	  and transaction callback, each calling into its module.
 *
 * Enforcement must never be silently off (Art. 4.3, 17.1 of Law 99-Z), so
 * the library refuses to run unless it is in shared_preload_libraries: a
 * library loaded late would miss sessions that started before it.
 *
 * _PG_init shows the whole chain.  Each hook here calls the modules in a
 * fixed order and, before, after or around them, the previous hook or the
 * standard function; it also counts how deep statements are nested
 * (compliance_statement_depth, session.c), which the planner hook and
 * capture.c read.  The modules call nothing in this file.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "optimizer/plancat.h"
#include "optimizer/planner.h"
#include "rewrite/rowsecurity.h"
#include "storage/ipc.h"
#include "tcop/pquery.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/syscache.h"

#include "compliance.h"

PG_MODULE_MAGIC;

static const struct config_enum_entry blocked_read_options[] = {
	{"filter", BLOCKED_READ_FILTER, false},
	{"error", BLOCKED_READ_ERROR, false},
	{NULL, 0, false}
};

PGDLLEXPORT void _PG_init(void);

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static planner_hook_type prev_planner_hook = NULL;
static get_relation_info_hook_type prev_relation_info_hook = NULL;
static ExecutorCheckPerms_hook_type prev_check_perms_hook = NULL;
static ExecutorRun_hook_type prev_executor_run_hook = NULL;
static ExecutorFinish_hook_type prev_executor_finish_hook = NULL;
static ExecutorEnd_hook_type prev_executor_end_hook = NULL;
static ProcessUtility_hook_type prev_utility_hook = NULL;
static row_security_policy_hook_type prev_permissive_policy_hook = NULL;
static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;

/* the depth of the plan an EXPLAIN ANALYZE of a non-superuser runs (0: none) */
static int	explain_analyze_depth = 0;

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
	PurposeId	id;

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

	id = purpose_id_from_code(code, true);
	if (id == 0)
	{
		GUC_check_errcode(ERRCODE_UNDEFINED_OBJECT);
		GUC_check_errmsg("purpose \"%s\" is not registered", code);
		GUC_check_errdetail("Personal data may be processed only for a specific, previously stated purpose (Art. 4.4 of Law 99-Z).");
		GUC_check_errhint("Register it with compliance.register_purpose(), or choose one from compliance.purposes.");
		return false;
	}

	/*
	 * Early: the role declaring it must hold it (checked again, for the role
	 * current then, when a statement touches a protected table).  Not when
	 * ALTER ROLE or ALTER DATABASE stores the setting for someone else.
	 */
	if (source != PGC_S_TEST && !purpose_held(purpose_lookup(id)))
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("role \"%s\" does not hold purpose \"%s\"",
						 GetUserNameFromId(GetUserId(), false), code);
		GUC_check_errdetail("Personal data may be processed for a purpose only by those the processor authorised for it (Art. 17.3 of Law 99-Z).");
		GUC_check_errhint("An administrator grants it with compliance.grant_purpose().");
		return false;
	}
	return true;
}

/*
 * Recipient codes share the purpose code syntax, and the recipient must be
 * registered when it is declared: a read for nobody known would log
 * nothing.  Like a purpose, it is checked again when a disclosure is
 * logged where the registry cannot be consulted here.
 */
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
	if (!IsTransactionState() || InitializingParallelWorker || IsParallelWorker() ||
		!compliance_extension_present())
		return true;
	if (!recipient_registered(code))
	{
		GUC_check_errcode(ERRCODE_UNDEFINED_OBJECT);
		GUC_check_errmsg("recipient \"%s\" is not registered", code);
		GUC_check_errdetail("Every provision of personal data is logged with its recipient's name and location (Art. 12.2 of Law 99-Z).");
		GUC_check_errhint("Register it with compliance.register_recipient(), or choose one from compliance.recipients.");
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

/*
 * A permit is a reference (a number and a date), logged with every
 * disclosure made under it: a bound keeps a capture from carrying, or
 * cutting, a document.
 */
#define TRANSFER_PERMIT_MAXLEN 500

static bool
check_transfer_permit(char **newval, void **extra, GucSource source)
{
	if (*newval != NULL && strlen(*newval) > TRANSFER_PERMIT_MAXLEN)
	{
		GUC_check_errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION);
		GUC_check_errmsg("a permit reference of %zu bytes is too long", strlen(*newval));
		GUC_check_errdetail("compliance.transfer_permit names the authority's permission (Art. 9.1 of Law 99-Z) in at most %d bytes; it is logged with every disclosure made under it.",
							TRANSFER_PERMIT_MAXLEN);
		GUC_check_errhint("Give the permit's number and date, e.g. 'NCPD permit 2024/17 of 2024-03-01'.");
		return false;
	}
	return true;
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
							   check_transfer_permit, assign_recorded_setting, NULL);

	DefineCustomEnumVariable("compliance.on_blocked_read",
							 "What happens when a query reaches a row that may not be processed.",
							 "\"filter\" leaves such rows out; \"error\" raises an error instead.",
							 &compliance_on_blocked_read,
							 BLOCKED_READ_FILTER,
							 blocked_read_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("compliance.notice_filtered_rows",
							 "Says in a NOTICE how many rows of protected tables a statement left out.",
							 "Off by default; only a superuser sets it (ALTER ROLE developer SET ...): a count per statement would tell an application role whether a subject it looks up has rows it may not see.",
							 &compliance_notice_filtered_rows,
							 false,
							 PGC_SUSET,
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

	DefineCustomBoolVariable("compliance.officer_statement",
							 "Runs the statements of this transaction as an officer's, on a Citus worker.",
							 "Set with SET LOCAL by a Citus coordinator, together with compliance.enforce = off, for the statements officer functions run on distributed tables: no function runs then but built-in ones, the extension's and those of superusers (doc/scaling.md). Only a superuser may set it.",
							 &compliance_officer_statement,
							 false,
							 PGC_SUSET,
							 GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
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

	DefineCustomIntVariable("compliance.dead_letter_after",
							"How long the disclosure writer retries a batch it cannot log before it keeps the failing part aside.",
							"Past this, each group of the batch is tried on its own; a group that still fails goes whole into compliance.disclosure_dead_letters with its error, for the officer to replay, and the log goes on.",
							&compliance_dead_letter_after,
							60,
							1,
							7 * 24 * 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("compliance.consent_clock_advance",
							"Runs the clock that consent validity is judged by ahead of real time.",
							"A consent whose valid_until falls within this interval from now counts as expired for enforcement, compliance.consent_status and the access report: to rehearse what lapses, and to test expiry without waiting.  Receipts, withdrawals, retention and erasure keep real time.",
							&compliance_consent_clock_advance,
							0,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("compliance");
}

/* ---------------------------------------------------------------------
 * Shared memory: the subject change ring, then the capture rings
 * ---------------------------------------------------------------------
 */
static void
compliance_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	subject_changes_shmem_request();
	capture_shmem_request();
	report_shmem_request();
}

static void
compliance_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	subject_changes_shmem_startup();
	capture_shmem_startup();
	report_shmem_startup();
}

/* ---------------------------------------------------------------------
 * Planner: the row filter (enforce.c), then under a recipient what may
 * not be captured refused (capture_guard.c) and the capture (capture.c)
 * ---------------------------------------------------------------------
 */
static PlannedStmt *
compliance_planner(Query *parse, const char *query_string, int cursorOptions,
				   ParamListInfo boundParams)
{
	PlannedStmt *stmt;

	if (protection_any())
	{
		enforce_add_row_filters(parse);
		if (compliance_recipient_set())
		{
			capture_guard_query(parse);
			capture_add_to_query(parse, compliance_statement_depth == 0);
		}
	}
	/* what the planner runs (folded functions) is nested in the statement */
	compliance_statement_depth++;
	compliance_planning++;
	PG_TRY();
	{
		if (prev_planner_hook)
			stmt = prev_planner_hook(parse, query_string, cursorOptions, boundParams);
		else
			stmt = standard_planner(parse, query_string, cursorOptions, boundParams);
	}
	PG_FINALLY();
	{
		compliance_statement_depth--;
		compliance_planning--;
	}
	PG_END_TRY();
	if (protection_any())
	{
		enforce_check_plan(stmt, cursorOptions);
		capture_guard_mark_plan(stmt);
	}
	return stmt;
}

/*
 * Each relation the planner is about to scan, at any query level and
 * also where the planner itself brought it in (inlined SQL functions):
 * the row filter (enforce.c), then the capture (capture.c)
 */
static void
compliance_relation_info(PlannerInfo *root, Oid relationObjectId, bool inhparent,
						 RelOptInfo *rel)
{
	if (prev_relation_info_hook)
		prev_relation_info_hook(root, relationObjectId, inhparent, rel);
	if (protection_any() && enforce_plan_relation(root, rel) && compliance_recipient_set())
	{
		capture_guard_relation(root, rel, relationObjectId);
		capture_plan_relation(root, rel);
	}
}

/* ---------------------------------------------------------------------
 * Executor start: each relation a statement names is checked (enforce.c);
 * at the first protected one, the statement's settings are fixed
 * (session.c) and the transfer to the declared recipient checked, once
 * per statement and also with enforcement off: a superuser's export is
 * still a disclosure (Art. 9, 12; capture.c)
 * ---------------------------------------------------------------------
 */
static void
check_relation(Oid relid, Bitmapset *cols, AclMode perms, bool *protected_seen)
{
	StatementSettings *settings;

	/* a Citus worker running an officer's deletion as a superuser (owner.c) */
	if (compliance_officer_statement && (perms & ACL_DELETE) != 0)
		owner_refuse_trigger_conditions(relid);
	if (!enforce_check_relation(relid, cols, (perms & (ACL_INSERT | ACL_UPDATE)) != 0) ||
		*protected_seen)
		return;
	/* once per statement, and only for one that touches a protected table */
	*protected_seen = true;
	settings = compliance_fix_statement_settings();
	if (compliance_recipient_set())
		capture_statement_start(settings);
}

/*
 * Is the statement starting now PostgreSQL's own foreign-key query?  Only
 * ri_triggers.c runs statements with SECURITY_NOFORCE_RLS, so the first
 * statement started in that context is its query; statements started
 * inside it (the owner's triggers on a cascade) are deeper.
 */
static bool
integrity_statement_start(bool action)
{
	if (!InNoForceRLSOperation() || compliance_planning > 0)
	{
		compliance_integrity_depth = 0;
		return false;
	}
	if (compliance_integrity_depth == 0 ||
		compliance_statement_depth + 1 <= compliance_integrity_depth)
	{
		compliance_integrity_depth = compliance_statement_depth + 1;
		compliance_integrity_action = action;
		/* a cascade's purpose and data items are checked as for any statement */
		return !action;
	}
	return false;
}

/* Does the statement delete or update (a cascade, if it is PostgreSQL's)? */
static bool
changes_rows(AclMode perms, Bitmapset *updated)
{
	return (perms & ACL_DELETE) != 0 || !bms_is_empty(updated);
}

#if PG_VERSION_NUM >= 160000
static bool
compliance_check_perms(List *rangeTable, List *rtePermInfos, bool ereport_on_violation)
{
	ListCell   *lc;
	bool		protected_seen = false;
	bool		action = false;

	foreach(lc, rtePermInfos)
		action |= changes_rows(((RTEPermissionInfo *) lfirst(lc))->requiredPerms,
							   ((RTEPermissionInfo *) lfirst(lc))->updatedCols);
	if (compliance_statement_depth == 0)
		enforce_statement_start();
	if (protection_any() && !integrity_statement_start(action))
	{
		AcceptInvalidationMessages();
		foreach(lc, rtePermInfos)
		{
			RTEPermissionInfo *perm = lfirst(lc);

			check_relation(perm->relid,
						   bms_union(perm->selectedCols,
									 bms_union(perm->insertedCols, perm->updatedCols)),
						   perm->requiredPerms, &protected_seen);
		}
	}
	if (prev_check_perms_hook)
		return prev_check_perms_hook(rangeTable, rtePermInfos, ereport_on_violation);
	return true;
}
#else
static bool
compliance_check_perms(List *rangeTable, bool ereport_on_violation)
{
	ListCell   *lc;
	bool		protected_seen = false;
	bool		action = false;

	foreach(lc, rangeTable)
		if (((RangeTblEntry *) lfirst(lc))->rtekind == RTE_RELATION)
			action |= changes_rows(((RangeTblEntry *) lfirst(lc))->requiredPerms,
								   ((RangeTblEntry *) lfirst(lc))->updatedCols);
	if (compliance_statement_depth == 0)
		enforce_statement_start();
	if (protection_any() && !integrity_statement_start(action))
	{
		AcceptInvalidationMessages();
		foreach(lc, rangeTable)
		{
			RangeTblEntry *rte = lfirst(lc);

			if (rte->rtekind != RTE_RELATION || rte->requiredPerms == 0)
				continue;
			check_relation(rte->relid,
						   bms_union(rte->selectedCols,
									 bms_union(rte->insertedCols, rte->updatedCols)),
						   rte->requiredPerms, &protected_seen);
		}
	}
	if (prev_check_perms_hook)
		return prev_check_perms_hook(rangeTable, ereport_on_violation);
	return true;
}
#endif

/* ---------------------------------------------------------------------
 * Executor run, finish and end: statements nest while they run; a run
 * under another recipient than its start's is refused, and the text of a
 * data error of one reading protected rows for a recipient withheld
 * (capture_guard.c); at the end, what the statement captured is pushed
 * (capture.c)
 * ---------------------------------------------------------------------
 */
/*
 * The previous hook or the standard run.  Of a run that reads protected
 * rows for a recipient, a data error goes on with its text withheld, as it
 * may show a value not captured (capture_guard.c).
 */
static void
run_executor(bool withhold, COMPAT_EXECUTOR_RUN_PARAMS)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		if (prev_executor_run_hook)
			prev_executor_run_hook(COMPAT_EXECUTOR_RUN_ARGS);
		else
			standard_ExecutorRun(COMPAT_EXECUTOR_RUN_ARGS);
	}
	PG_CATCH();
	{
		if (withhold)
			capture_guard_withhold(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
}

static void
compliance_executor_run(COMPAT_EXECUTOR_RUN_PARAMS)
{
	bool		holdable = ActivePortal != NULL &&
		(ActivePortal->cursorOptions & CURSOR_OPT_HOLD) != 0;
	bool		withhold;

	/* the plan an EXPLAIN ANALYZE shows runs one level into it */
	if (explain_analyze_depth > 0 && explain_analyze_depth == compliance_statement_depth &&
		queryDesc->instrument_options != 0)
		enforce_refuse_instrumented(queryDesc->plannedstmt);
	/* a cursor or plan runs for the recipient it was made for (capture_guard.c) */
	withhold = capture_guard_run(queryDesc);

	compliance_statement_depth++;
	compliance_executor_runs++;
	compliance_holdable_runs += holdable ? 1 : 0;
	PG_TRY();
	{
		run_executor(withhold, COMPAT_EXECUTOR_RUN_ARGS);
	}
	PG_FINALLY();
	{
		compliance_statement_depth--;
		compliance_holdable_runs -= holdable ? 1 : 0;
	}
	PG_END_TRY();

	/*
	 * A client's query (a SELECT, or one run of a portal the client
	 * executes in parts) has sent its rows: before it completes, what it
	 * captured must be durable (capture.c).
	 */
	if (compliance_statement_depth == 0)
		capture_durable_point();
}

static void
compliance_executor_finish(QueryDesc *queryDesc)
{
	compliance_statement_depth++;
	PG_TRY();
	{
		if (prev_executor_finish_hook)
			prev_executor_finish_hook(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		compliance_statement_depth--;
	}
	PG_END_TRY();
}

static void
compliance_executor_end(QueryDesc *queryDesc)
{
	if (prev_executor_end_hook)
		prev_executor_end_hook(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
	capture_statement_end();
	if (compliance_statement_depth == 0)
		enforce_statement_end();
}

/* ---------------------------------------------------------------------
 * Functions: before PostgreSQL first calls one that is not built in,
 * inside an officer's statement, owner.c refuses code of the owner's;
 * Citus's copy of a shard runs unenforced for a superuser (citus.c)
 * ---------------------------------------------------------------------
 */
static bool
compliance_needs_fmgr_hook(Oid fn_oid)
{
	if (compliance_restricted_depth > 0 || compliance_officer_statement)
		restricted_function_check(fn_oid);
	return (prev_needs_fmgr_hook != NULL && prev_needs_fmgr_hook(fn_oid)) ||
		citus_shard_copy_function(fn_oid);
}

static void
compliance_fmgr_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	/*
	 * A SECURITY DEFINER function, or one with a SET clause, PostgreSQL
	 * calls through its own wrapper without asking needs_fmgr_hook; the
	 * wrapper calls this hook as it starts.
	 */
	if (event == FHET_START && (compliance_restricted_depth > 0 || compliance_officer_statement))
		restricted_function_check(flinfo->fn_oid);
	if (prev_fmgr_hook)
		prev_fmgr_hook(event, flinfo, private);
	citus_shard_copy_hook(event, flinfo);
}

/* ---------------------------------------------------------------------
 * Errors: PostgreSQL's own, about an enum of the extension, get the valid
 * labels as their hint (messages.c)
 * ---------------------------------------------------------------------
 */
static void
compliance_emit_log(ErrorData *edata)
{
	messages_add_hints(edata);
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* ---------------------------------------------------------------------
 * Row level security: the policy of protected tables (row_security.c)
 * ---------------------------------------------------------------------
 */
static List *
compliance_permissive_policies(CmdType cmd, Relation rel)
{
	List	   *policies = NIL;

	if (prev_permissive_policy_hook)
		policies = prev_permissive_policy_hook(cmd, rel);
	return list_concat(policies, row_security_permissive_policies(cmd, rel));
}

/* ---------------------------------------------------------------------
 * Utility statements: checked, or rewritten (COPY TO), by utility.c;
 * COPY FROM a protected table under row level security by row_security.c
 * ---------------------------------------------------------------------
 */
static void
run_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
			ProcessUtilityContext context, ParamListInfo params,
			QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (prev_utility_hook)
		prev_utility_hook(pstmt, queryString, readOnlyTree, context, params,
						  queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
}

/* A utility statement whose statements are nested ones (DO, CALL, EXPLAIN) */
static void
run_nested_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				   ProcessUtilityContext context, ParamListInfo params,
				   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	int			save_explain_depth = explain_analyze_depth;

	compliance_statement_depth++;
	if (utility_is_explain_analyze(pstmt->utilityStmt))
		explain_analyze_depth = compliance_statement_depth;
	PG_TRY();
	{
		run_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		compliance_statement_depth--;
		explain_analyze_depth = save_explain_depth;
	}
	PG_END_TRY();
}

static void
dispatch_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				 ProcessUtilityContext context, ParamListInfo params,
				 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	/* a cursor is read under the recipient it was opened for (capture_guard.c) */
	if (IsA(parsetree, FetchStmt))
		capture_guard_fetch(((FetchStmt *) parsetree)->portalname);
	pstmt = utility_check(pstmt, &readOnlyTree);
	if (pstmt == NULL)
	{
		if (qc != NULL)
			SetQueryCompletion(qc, CMDTAG_CREATE_TRIGGER, 0);
		return;
	}
	/* a Citus shard move's subscription owner (citus.c) */
	if (IsA(parsetree, AlterRoleStmt))
		pstmt = citus_subscription_role(pstmt, &readOnlyTree);

	/*
	 * What COPY, EXECUTE and DECLARE CURSOR run is what the client
	 * receives; statements other utilities run (DO, CALL, CREATE ... AS)
	 * are nested ones.
	 */
	if (IsA(parsetree, CopyStmt) || IsA(parsetree, ExecuteStmt) ||
		IsA(parsetree, DeclareCursorStmt))
	{
		/* the rows of a shard Citus moves to this worker (citus.c) */
		if (citus_copy_into_arriving_shard(parsetree))
		{
			int			nestlevel = citus_enforce_off();

			run_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
			AtEOXact_GUC(true, nestlevel);
			return;
		}
		if (!row_security_copy_from(pstmt, queryString, queryEnv, qc))
			run_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
		return;
	}
	run_nested_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

/* The rows a client's FETCH, DO or CALL had left out are told at its end. */
static void
compliance_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				   ProcessUtilityContext context, ParamListInfo params,
				   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	bool		client_statement = compliance_statement_depth == 0;

	if (client_statement)
		enforce_statement_start();
	dispatch_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	utility_check_done(pstmt->utilityStmt);
	citus_note_setting(pstmt->utilityStmt);
	if (client_statement)
	{
		/* a FETCH, COPY, EXECUTE, DO or CALL: its captures durable first */
		capture_durable_point();
		enforce_statement_end();
	}
}

/* ---------------------------------------------------------------------
 * Transactions: captured rows are pushed at abort (capture.c); changed
 * subjects are published at commit, or forgotten here at abort
 * (subject_changes.c, cache.c)
 * ---------------------------------------------------------------------
 */
static void
compliance_xact_callback(XactEvent event, void *arg)
{
	capture_xact_callback(event);
	citus_xact_callback(event);
	if (subject_changes_xact_callback(event))
		cache_forget_all();
}

static void
compliance_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
							SubTransactionId parentSubid, void *arg)
{
	citus_subxact_callback(event, mySubid);
	if (subject_changes_subxact_callback(event))
		cache_forget_all();
}

/*
 * Relation cache invalidations, to each module's cache.  One callback for
 * all of them: a backend has ten slots, shared with PostgreSQL (plans,
 * types, logical decoding's relfilenode map, pgoutput) and other
 * libraries (Citus takes five), and a walsender that Citus's shard move
 * streams from fails ("out of relcache_callback_list slots") when they
 * run out.
 */
static void
compliance_relcache_callback(Datum arg, Oid relid)
{
	registry_relcache_callback(arg, relid);
	protection_relcache_callback(arg, relid);
	cache_relcache_callback(arg, relid);
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

	/* backend caches: each callback only marks its cache stale */
	CacheRegisterRelcacheCallback(compliance_relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, registry_role_callback, (Datum) 0);

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = compliance_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = compliance_shmem_startup;
	prev_planner_hook = planner_hook;
	planner_hook = compliance_planner;
	prev_relation_info_hook = get_relation_info_hook;
	get_relation_info_hook = compliance_relation_info;
	prev_check_perms_hook = ExecutorCheckPerms_hook;
	ExecutorCheckPerms_hook = compliance_check_perms;
	prev_executor_run_hook = ExecutorRun_hook;
	ExecutorRun_hook = compliance_executor_run;
	prev_executor_finish_hook = ExecutorFinish_hook;
	ExecutorFinish_hook = compliance_executor_finish;
	prev_executor_end_hook = ExecutorEnd_hook;
	ExecutorEnd_hook = compliance_executor_end;
	prev_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = compliance_utility;
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = compliance_needs_fmgr_hook;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = compliance_fmgr_hook;
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = compliance_emit_log;
	prev_permissive_policy_hook = row_security_policy_hook_permissive;
	row_security_policy_hook_permissive = compliance_permissive_policies;
	RegisterXactCallback(compliance_xact_callback, NULL);
	RegisterSubXactCallback(compliance_subxact_callback, NULL);
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
