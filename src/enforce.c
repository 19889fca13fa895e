/*-------------------------------------------------------------------------
 *
 * enforce.c
 *	  Row-level enforcement: no processing without a purpose and a basis,
 *	  none after withdrawal or block (Art. 4, 5, 6, 8, 10, 13 of Law 99-Z).
 *
 * Reads: the planner hook puts a security barrier qual,
 * compliance.row_allowed(subject column, table, special), first among the
 * security quals of every protected relation in the query tree, however it
 * was reached (views, CTEs, subqueries, SQL and PL functions, cursors,
 * prepared statements; COPY TO is turned into COPY (SELECT ...) in
 * utility.c), ahead of the owner's row level security policies; the
 * get_relation_info hook does the same for what the planner brings in
 * itself (inlined SQL functions); and the finished plan is checked: a scan
 * of a protected relation without the filter is an error.  Unlike row
 * level security it applies to owners and superusers alike, and the
 * planner copies it to partitions and inheritance children.  The qual
 * decides at run time from the statement's purpose (fixed when its
 * executor started) and the consent cache, so cached plans stay valid
 * when the purpose or consents change.
 *
 * Writes: a BEFORE INSERT OR UPDATE row trigger (ENABLE ALWAYS, so also
 * under COPY FROM and session_replication_role) refuses rows of subjects
 * the purpose may not process; UPDATE and DELETE only see allowed rows;
 * INSERT ... ON CONFLICT DO UPDATE meets the filter first in its WHERE.
 *
 * At executor start, ExecutorCheckPerms_hook checks that a purpose is
 * declared and that it touches only its data items (Art. 4.5).
 *
 * A table in report mode (set_protection_mode) gets the same filter,
 * trigger and checks, but each refusal or denial is noted (report.c) and
 * the statement runs unchanged.  A read-only transaction of a member of
 * compliance_backup that bypasses row level security, has it off and
 * declares no purpose reads every row (a backup with pg_dump), and is
 * logged.  The hooks
 * themselves are in compliance.c; they call enforce_add_row_filters(),
 * enforce_plan_relation(), enforce_check_plan() and
 * enforce_check_relation().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/xact.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/prep.h"
#include "parser/parsetree.h"
#include "parser/parse_func.h"
#include "tcop/pquery.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/portal.h"
#include "utils/rel.h"
#include "utils/rls.h"

#include "compliance.h"

PG_FUNCTION_INFO_V1(row_allowed);
PG_FUNCTION_INFO_V1(enforce_write);
PG_FUNCTION_INFO_V1(may_process);
PG_FUNCTION_INFO_V1(require_purpose_held);
PG_FUNCTION_INFO_V1(invalidate_relation);

/* ---------------------------------------------------------------------
 * The declared purpose
 * ---------------------------------------------------------------------
 */

/*
 * The purpose declared with code, retired or not; NULL if none is.
 * Memoised on the code, the registry generation and its reloads, because
 * the row filter and the write trigger ask for every row.
 */
static const PurposeInfo *
purpose_of(const char *code)
{
	static char last_code[PURPOSE_CODE_MAXLEN + 1];
	static uint64 last_generation = 0;
	static uint64 last_reloads = 0;
	static const PurposeInfo *last_info = NULL;

	if (code == NULL || code[0] == '\0')
		return NULL;
	if (last_info == NULL || last_generation != registry_generation() ||
		last_reloads != registry_reloads() || strcmp(last_code, code) != 0)
	{
		PurposeId	id = purpose_id_from_code(code, false);

		last_info = purpose_lookup(id);
		if (last_info == NULL)
			elog(ERROR, "purpose %d vanished from the registry", id);
		strlcpy(last_code, code, sizeof(last_code));
		last_generation = registry_generation();
		last_reloads = registry_reloads();
	}
	return last_info;
}

/* The purpose declared with code; an error if none is, or it is retired. */
static const PurposeInfo *
purpose_declared(const char *code)
{
	const PurposeInfo *info = purpose_of(code);

	if (info == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("no purpose of processing is declared"),
				 errdetail("Personal data in protected tables may be processed only for a specific, previously stated purpose (Art. 4.4 of Law 99-Z)."),
				 errhint("Declare one first, e.g. SET compliance.purpose = 'marketing' (or SET LOCAL for one transaction).")));
	if (info->retired)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("purpose \"%s\" is retired", info->code),
				 errdetail("The processor no longer pursues it (compliance.retire_purpose): personal data may not be processed for it (Art. 4.4 of Law 99-Z)."),
				 errhint("Declare a purpose in force; see compliance.purposes.")));
	return info;
}

/* The purpose of compliance.purpose now. */
static const PurposeInfo *
declared_purpose(void)
{
	return purpose_declared(compliance_purpose);
}

/*
 * The purpose code of the statement that cxt belongs to, as fixed when it
 * started; the current setting if cxt is no statement's.
 */
static const char *
statement_purpose_code(MemoryContext cxt)
{
	const StatementSettings *settings = compliance_statement_settings(cxt);

	return settings != NULL ? settings->purpose : compliance_purpose;
}

/*
 * Does this read-only transaction back the database up: a member of
 * compliance_backup (not merely a superuser, whose backups turn
 * compliance.enforce off), as the session and as the current role (no
 * SECURITY DEFINER function of a member lends it), that bypasses row level
 * security and has it off, with no purpose and no recipient declared?
 * Storing a copy is processing the processor must secure (Art. 17.1 of
 * Law 99-Z), and a backup that silently left rows out would lose the data
 * of blocked subjects the processor must keep.  Row level security must be
 * off and bypassed: otherwise the policies of every other table's owner
 * would run, with this right, inside the backup's statements.
 */
static bool
backup_read(const char *purpose_code)
{
	Oid			backup;

	if (!XactReadOnly || row_security || (purpose_code != NULL && purpose_code[0] != '\0') ||
		compliance_recipient_set())
		return false;
	backup = get_role_oid("compliance_backup", true);
	return OidIsValid(backup) &&
		has_bypassrls_privilege(GetUserId()) &&
		is_member_of_role_nosuper(GetSessionUserId(), backup) &&
		has_privs_of_role(GetSessionUserId(), backup) &&
		is_member_of_role_nosuper(GetUserId(), backup) &&
		has_privs_of_role(GetUserId(), backup);
}

/* A verdict's name in the report (report.c). */
static const char *
verdict_name(Verdict verdict)
{
	switch (verdict)
	{
		case VERDICT_BLOCKED:
			return "blocked";
		case VERDICT_NO_CONSENT:
			return "no_ground";
		case VERDICT_WITHDRAWN:
			return "withdrawn";
		case VERDICT_EXPIRED:
			return "expired";
		case VERDICT_REFUSED:
			return "refused";
		case VERDICT_ALLOWED:
			break;
	}
	return "allowed";
}

/* The current role may not declare the purpose (Art. 17.3). */
static void
refuse_purpose_not_held(const PurposeInfo *purpose, Oid role)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("role \"%s\" does not hold purpose \"%s\"",
					GetUserNameFromId(role, false), purpose->code),
			 errdetail("Personal data may be processed for a purpose only by those the processor authorised for it (Art. 17.3 of Law 99-Z)."),
			 errhint("An administrator grants it with compliance.grant_purpose('%s', '%s').",
					 purpose->code, GetUserNameFromId(role, false))));
}

/* Why a subject's data may not be processed, for errdetail. */
static void
verdict_detail(Verdict verdict, const PurposeInfo *purpose, bool special)
{
	switch (verdict)
	{
		case VERDICT_BLOCKED:
			errdetail("Processing of the subject's personal data is blocked (Art. 13.2 of Law 99-Z).");
			break;
		case VERDICT_WITHDRAWN:
			errdetail("The subject withdrew consent for purpose \"%s\" (Art. 10 of Law 99-Z).", purpose->code);
			break;
		case VERDICT_EXPIRED:
			if (purpose->needs_consent)
				errdetail("The subject's consent for purpose \"%s\" has expired (Art. 5.5 of Law 99-Z).", purpose->code);
			else if (strcmp(purpose->basis, "contract_with_subject") == 0)
				errdetail("The subject's contract for purpose \"%s\" has ended, which has the effect of a withdrawal of consent (Art. 10.3 of Law 99-Z).",
						  purpose->code);
			else
				errdetail("The subject's ground for purpose \"%s\" (%s) has ended (Art. 4.8 of Law 99-Z).",
						  purpose->code, purpose->basis);
			break;
		case VERDICT_REFUSED:
			errdetail("The subject refused consent for purpose \"%s\" (Art. 5 of Law 99-Z).", purpose->code);
			break;
		case VERDICT_NO_CONSENT:
			if (purpose->needs_consent)
				errdetail("Purpose \"%s\" relies on consent and the subject has given none for it (Art. 4.3, 5 of Law 99-Z).", purpose->code);
			else if (special && !purpose->allows_special)
				errdetail("The data include special categories, which need consent or a basis of Art. 8.2; the basis of purpose \"%s\" does not allow them (Art. 8.1 of Law 99-Z).", purpose->code);
			else
				errdetail("Purpose \"%s\" relies on %s, a ground recorded for each subject, and the subject has none for it (Art. 4.3, 6 of Law 99-Z).",
						  purpose->code, purpose->basis);
			break;
		case VERDICT_ALLOWED:
			break;
	}
}

/* How messages name a subject of the kind: "subject" for person, else the kind. */
static const char *
kind_word(const char *kind)
{
	return kind[0] == '\0' || strcmp(kind, "person") == 0 ? "subject" : kind;
}

static void
refuse_subject(Verdict verdict, const PurposeInfo *purpose, const char *kind,
			   const char *subject, bool special, bool writing)
{
	/* the cache knows that consent is missing, not why: ask now */
	if (verdict == VERDICT_NO_CONSENT)
	{
		Verdict		exact = cache_exact_verdict(kind, subject, strlen(subject), purpose, special);

		if (exact != VERDICT_ALLOWED)
			verdict = exact;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 writing
			 ? errmsg("purpose \"%s\" may not process personal data of %s \"%s\"",
					  purpose->code, kind_word(kind), subject)
			 : errmsg("purpose \"%s\" may not read personal data of %s \"%s\"",
					  purpose->code, kind_word(kind), subject),
			 verdict_detail(verdict, purpose, special),
			 verdict == VERDICT_BLOCKED
			 ? errhint("An officer may lift the block with compliance.unblock_subject().")
			 : purpose->needs_consent || (special && !purpose->allows_special)
			 ? errhint("Obtain the subject's consent with compliance.give_consent(), or process under a purpose with another legal basis.")
			 : errhint("Record the subject's ground with compliance.record_basis(), or process under another purpose.")));
}

/*
 * The verdict for a subject column value.  Integer keys are looked up by
 * value (the hot path); other types by their text form, printed with *out,
 * which is looked up on first use (out->fn_oid InvalidOid) in out->fn_mcxt.
 */
static Verdict
value_verdict(Datum value, bool isnull, Oid typid, FmgrInfo *out, const char *kind,
			  const PurposeInfo *purpose, bool special)
{
	const char *subject;
	int			len;
	int64		k;

	if (isnull)					/* no subject: no consent and no block */
		return cache_verdict(kind, "", 0, purpose, special);
	if (compliance_int_subject(value, typid, &k))
		return cache_verdict_int(kind, k, purpose, special);
	if (typid != TEXTOID && typid != VARCHAROID && !OidIsValid(out->fn_oid))
	{
		Oid			outfunc;
		bool		varlena;

		getTypeOutputInfo(typid, &outfunc, &varlena);
		fmgr_info_cxt(outfunc, out, out->fn_mcxt);
	}
	subject = compliance_subject_key(value, typid, out, &len);
	return cache_verdict(kind, subject, len, purpose, special);
}

/* The subject key of a value, for messages. */
static char *
value_text(Datum value, bool isnull, Oid typid)
{
	Oid			outfunc;
	bool		varlena;

	if (isnull)
		return "";
	getTypeOutputInfo(typid, &outfunc, &varlena);
	return OidOutputFunctionCall(outfunc, value);
}

/*
 * Invalidations are processed at every statement start; this catches the
 * statements that read rows without starting an executor (FETCH).
 */
static void
accept_invalidations_once_per_statement(void)
{
	static TimestampTz last_statement = 0;
	TimestampTz now = GetCurrentStatementStartTimestamp();

	if (now != last_statement)
	{
		AcceptInvalidationMessages();
		cache_accept_changes();
		last_statement = now;
	}
}

/* ---------------------------------------------------------------------
 * Reads: the row filter
 * ---------------------------------------------------------------------
 */

/*
 * Rows the filter left out without a word in the client's statement
 * running, per table, for compliance.notice_filtered_rows: a developer
 * sees that rows are missing, not why (the NOTICE names no subject).
 */
#define FILTERED_TABLES 8
static struct
{
	Oid			relid;
	uint64		rows;
}			filtered[FILTERED_TABLES];
static int	nfiltered = 0;
static uint64 filtered_elsewhere = 0;	/* in tables past the first eight */

static void
note_filtered(FunctionCallInfo fcinfo)
{
	Oid			relid = PG_ARGISNULL(1) ? InvalidOid : PG_GETARG_OID(1);

	for (int i = 0; i < nfiltered; i++)
		if (filtered[i].relid == relid)
		{
			filtered[i].rows++;
			return;
		}
	if (nfiltered == FILTERED_TABLES)
	{
		filtered_elsewhere++;
		return;
	}
	filtered[nfiltered].relid = relid;
	filtered[nfiltered++].rows = 1;
}

void
enforce_statement_start(void)
{
	nfiltered = 0;
	filtered_elsewhere = 0;
	report_statement_start();
}

void
enforce_statement_end(void)
{
	StringInfoData detail;
	uint64		total = filtered_elsewhere;

	report_statement_end();
	if (!compliance_notice_filtered_rows || (nfiltered == 0 && filtered_elsewhere == 0))
	{
		enforce_statement_start();
		return;
	}
	initStringInfo(&detail);
	for (int i = 0; i < nfiltered; i++)
	{
		char	   *rel = get_rel_name(filtered[i].relid);
		char	   *nsp = get_namespace_name(get_rel_namespace(filtered[i].relid));

		total += filtered[i].rows;
		appendStringInfo(&detail, "%s%s: " UINT64_FORMAT, i > 0 ? ", " : "",
						 rel != NULL && nsp != NULL ? quote_qualified_identifier(nsp, rel) : "?",
						 filtered[i].rows);
	}
	if (filtered_elsewhere > 0)
		appendStringInfo(&detail, ", other tables: " UINT64_FORMAT, filtered_elsewhere);
	enforce_statement_start();
	ereport(NOTICE,
			(errmsg("%s row(s) read from protected tables were left out", psprintf(UINT64_FORMAT, total)),
			 errdetail("Reads per table: %s. Their subjects may not be processed under the declared purpose: no consent or ground in force, or blocked (Art. 4, 5, 10, 13 of Law 99-Z).",
					   detail.data),
			 errhint("compliance.consent_status() tells why for one subject; SET compliance.on_blocked_read = 'error' stops at the first such row.")));
}
typedef struct RowFilterCache
{
	Oid			typid;
	/* the protected table's subject kind; "" (nobody's) if it is no longer protected */
	char		kind[NAMEDATALEN];
	FmgrInfo	out;
	const PurposeInfo *purpose; /* decided at the first row of this execution */
	uint64		run;			/* the executor run it was decided in */
	bool		enforcing;		/* compliance_enforcing() then, and a purpose to check */
	bool		report;			/* the table is in report mode: note, do not deny */
	Oid			relid;			/* the protected table, for the report */
	bool		needs_ground;	/* for this purpose and call site's "special" */
	/* a denied row is left out, not reported (on_blocked_read, integrity) */
	bool		deny_silently;
	PurposeId	transfer_table; /* an Art. 9.1 exception checked per subject */
	const char *transfer_basis;
	char		transfer_country[3];
	CacheView	view;			/* the purpose's marks of integer keys */
} RowFilterCache;

/* A cursor WITH HOLD reads a protected table (relname, if known). */
pg_noreturn static void
refuse_held_cursor(const char *relname)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 relname != NULL
			 ? errmsg("a cursor WITH HOLD cannot read protected table \"%s\"", relname)
			 : errmsg("a cursor WITH HOLD cannot read protected tables"),
			 errdetail("A held cursor keeps its rows after the transaction ends, so it would keep returning a subject's data after consent is withdrawn or the subject is blocked (Art. 10, 13 of Law 99-Z)."),
			 errhint("Declare the cursor without WITH HOLD and read it within one transaction.")));
}

/* The statement's Art. 9.1 exception checked per subject, if any. */
static void
statement_transfer(RowFilterCache *cache, MemoryContext cxt)
{
	const StatementSettings *settings = compliance_statement_settings(cxt);

	cache->transfer_table = settings != NULL ? settings->transfer_table : 0;
	if (cache->transfer_table != 0)
	{
		cache->transfer_basis = settings->transfer_basis;
		strlcpy(cache->transfer_country, settings->transfer_country, sizeof(cache->transfer_country));
	}
}

/*
 * Is a row this run may not process left out without a word?  Not under
 * on_blocked_read = 'error', and not in PostgreSQL's own foreign-key
 * query, whose cascades must refuse rather than skip a row.  Decided once
 * per executor run, like the purpose.
 */
static inline bool
silent_denial(void)
{
	return compliance_on_blocked_read != BLOCKED_READ_ERROR && !compliance_in_integrity_statement();
}

/*
 * The common case in one byte: an integer key that the cache's view
 * allows, or denies where a denial is silent, at once.  Anything else
 * (CACHE_VIEW_ASK) goes the long way.
 */
static inline CacheViewAnswer
row_allowed_fast(const RowFilterCache *cache, Datum value)
{
	int64		k;
	CacheViewAnswer answer;

	if (!compliance_int_subject(value, cache->typid, &k))
		return CACHE_VIEW_ASK;
	answer = cache_view_answer(&cache->view, k, cache->needs_ground);
	return answer == CACHE_VIEW_DENIES && !cache->deny_silently ? CACHE_VIEW_ASK : answer;
}

/*
 * The purpose's marks for row_allowed_fast(), or none while a per-subject
 * transfer exception must also be checked, or the table is in report mode
 * (whose notes name why a row was denied): every row then goes the long
 * way, and the common case pays nothing for it.
 */
static void
take_view(RowFilterCache *cache)
{
	if (cache->transfer_table == 0 && !cache->report)
		cache_view(cache->purpose, cache->kind, &cache->view);
	else
		memset(&cache->view, 0, sizeof(cache->view));
}

/*
 * The statement provides its rows to a recipient abroad under an Art. 9.1
 * exception that each subject must have (capture.c decided which, at the
 * statement's start): does this row's subject have it?
 */
static bool
transfer_allowed(RowFilterCache *cache, Datum value, bool isnull)
{
	int64		k;
	const char *subject;

	if (isnull)
		return false;
	if (compliance_int_subject(value, cache->typid, &k))
		return cache_transfer_allows(cache->transfer_table, cache->kind, NULL, 0, true, k);
	subject = value_text(value, false, cache->typid);
	return cache_transfer_allows(cache->transfer_table, cache->kind, subject, strlen(subject), false, 0);
}

/* The subject may not be sent abroad under the statement's exception. */
pg_noreturn static void
refuse_transfer(const RowFilterCache *cache, const char *subject)
{
	bool		consent = strcmp(cache->transfer_basis, "informed_consent") == 0;

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("personal data of %s \"%s\" may not be transmitted to %s under transfer basis \"%s\"",
					kind_word(cache->kind), subject, cache->transfer_country, cache->transfer_basis),
			 consent
			 ? errdetail("%s does not ensure an adequate level of protection; Art. 9.1 of Law 99-Z allows the transmission only with the subject's consent, given after being informed of the risks, and the subject's consent in force for purpose \"%s\" does not name %s.",
						 cache->transfer_country, cache->purpose->code, cache->transfer_country)
			 : errdetail("%s does not ensure an adequate level of protection; Art. 9.1 of Law 99-Z allows the transmission for a contract with the subject, and the subject has no contract in force (compliance.record_basis).",
						 cache->transfer_country),
			 consent
			 ? errhint("Leave the subject out, or record the subject's consent with compliance.give_consent(..., transfer_countries => '{%s}') after showing the notice of compliance.consent_notice(..., transfer_countries => '{%s}').",
					   cache->transfer_country, cache->transfer_country)
			 : errhint("Leave the subject out of the transmission.")));
}

/*
 * The row filter's state for its call site, on its first call: refused if
 * SQL called it (not the planner), or a held cursor runs it (noted in
 * report mode).
 */
static RowFilterCache *
row_filter_cache(FunctionCallInfo fcinfo)
{
	const Protection *p;
	RowFilterCache *cache;

	if (!compliance_called_by_planner(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("compliance.row_allowed() cannot be called directly"),
				 errdetail("It is the row filter the planner adds to protected tables; called directly it would tell any role whether a subject's personal data may be processed (Art. 4, 5, 13 of Law 99-Z)."),
				 errhint("Use compliance.may_process(), granted to compliance_app.")));
	p = PG_ARGISNULL(1) ? NULL : protection_lookup(PG_GETARG_OID(1));
	/* what a held cursor reads, even through a function, outlives a withdrawal */
	if (compliance_holdable_runs > 0 ||
		(ActivePortal != NULL && (ActivePortal->cursorOptions & CURSOR_OPT_HOLD)))
	{
		if (p == NULL || !p->report)
			refuse_held_cursor(NULL);
		report_note(p->protected_relid, NULL, REPORT_HELD_CURSOR, NULL, 0);
	}

	cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RowFilterCache));
	cache->typid = p != NULL ? p->subject_base_type
		: getBaseType(get_fn_expr_argtype(fcinfo->flinfo, 0));
	if (p != NULL)
	{
		strlcpy(cache->kind, p->subject_kind, NAMEDATALEN);
		cache->report = p->report;
		cache->relid = p->protected_relid;
	}
	cache->out.fn_oid = InvalidOid;
	cache->out.fn_mcxt = fcinfo->flinfo->fn_mcxt;
	fcinfo->flinfo->fn_extra = cache;
	return cache;
}

/*
 * A row the purpose may not process, in report mode: noted, and the row
 * passes.
 */
static Datum
note_denied_row(RowFilterCache *cache, ReportEvent event, Verdict verdict)
{
	report_note(cache->relid, cache->purpose, event,
				event == REPORT_TRANSFER_REFUSED ? cache->transfer_basis : verdict_name(verdict), 1);
	return BoolGetDatum(true);
}

/*
 * row_allowed(subject anyelement, tbl regclass, special boolean) returns boolean
 *
 * The security barrier qual: may this row be processed under the declared
 * purpose?  Under compliance.on_blocked_read = 'error' it raises instead
 * of returning false.
 */
Datum
row_allowed(PG_FUNCTION_ARGS)
{
	RowFilterCache *cache = fcinfo->flinfo->fn_extra;
	const PurposeInfo *purpose;
	bool		special = PG_ARGISNULL(2) ? true : PG_GETARG_BOOL(2);
	Verdict		verdict;

	/*
	 * Decided once per executor run (a cursor's FETCH is a run of its
	 * own): whether enforcement is on, and the purpose, the statement's,
	 * fixed when its executor started, so a set_config() inside the
	 * statement takes effect from the next one, like a withdrawal.  Then
	 * each row costs one comparison before the consent cache's answer.
	 */
	if (cache != NULL && cache->run == compliance_executor_runs)
	{
		if (!cache->enforcing)
			PG_RETURN_BOOL(true);
		if (!PG_ARGISNULL(0))
		{
			CacheViewAnswer answer = row_allowed_fast(cache, PG_GETARG_DATUM(0));

			if (answer == CACHE_VIEW_DENIES && unlikely(compliance_notice_filtered_rows))
				note_filtered(fcinfo);
			if (answer != CACHE_VIEW_ASK)
				PG_RETURN_BOOL(answer == CACHE_VIEW_ALLOWS);
		}
		purpose = cache->purpose;
	}
	else
	{
		const char *code;
		bool		usable;

		if (!compliance_enforcing())
		{
			if (cache != NULL)
			{
				cache->run = compliance_executor_runs;
				cache->enforcing = false;
			}
			PG_RETURN_BOOL(true);
		}
		accept_invalidations_once_per_statement();
		code = statement_purpose_code(fcinfo->flinfo->fn_mcxt);
		purpose = purpose_of(code);
		usable = purpose != NULL && !purpose->retired;
		/* a cursor's FETCH after revoke_purpose() */
		if (cache != NULL && usable && !compliance_in_integrity_statement() && !purpose_held(purpose))
		{
			if (!cache->report)
				refuse_purpose_not_held(purpose, GetUserId());
			usable = false;
		}
		if (cache == NULL)
		{
			/* the errors of a missing purpose come first, as at executor start */
			if (!usable && !backup_read(code) &&
				(PG_ARGISNULL(1) || protection_lookup(PG_GETARG_OID(1)) == NULL ||
				 !protection_lookup(PG_GETARG_OID(1))->report))
				purpose_declared(code);
			cache = row_filter_cache(fcinfo);
		}
		cache->run = compliance_executor_runs;
		/*
		 * Nothing to check the rows against: report mode noted why at
		 * executor start, and a backup reads every row.
		 */
		if (!usable)
		{
			if (!cache->report && !backup_read(code))
				purpose_declared(code);
			cache->enforcing = false;
			PG_RETURN_BOOL(true);
		}
		cache->purpose = purpose;
		cache->enforcing = true;
		cache->needs_ground = purpose->needs_ground || (special && !purpose->allows_special);
		cache->deny_silently = silent_denial();
		statement_transfer(cache, fcinfo->flinfo->fn_mcxt);
		take_view(cache);
		if (!PG_ARGISNULL(0) && row_allowed_fast(cache, PG_GETARG_DATUM(0)) == CACHE_VIEW_ALLOWS)
			PG_RETURN_BOOL(true);
	}

	verdict = value_verdict(PG_GETARG_DATUM(0), PG_ARGISNULL(0), cache->typid, &cache->out,
							cache->kind, purpose, special);
	/* the long way may have read or grown the table: look at it again */
	if (cache->typid == INT2OID || cache->typid == INT4OID || cache->typid == INT8OID)
		take_view(cache);
	if (verdict == VERDICT_ALLOWED)
	{
		if (cache->transfer_table == 0 ||
			transfer_allowed(cache, PG_GETARG_DATUM(0), PG_ARGISNULL(0)))
			PG_RETURN_BOOL(true);
		if (cache->report)
			return note_denied_row(cache, REPORT_TRANSFER_REFUSED, verdict);
		if (compliance_on_blocked_read == BLOCKED_READ_ERROR)
			refuse_transfer(cache, value_text(PG_GETARG_DATUM(0), PG_ARGISNULL(0), cache->typid));
		if (compliance_notice_filtered_rows)
			note_filtered(fcinfo);
		PG_RETURN_BOOL(false);
	}
	if (cache->report)
		return note_denied_row(cache, cache->deny_silently ? REPORT_ROWS_FILTERED : REPORT_ROWS_REFUSED,
							   verdict);
	/* a cascade that skipped the row would leave it referring to nothing */
	if (compliance_on_blocked_read == BLOCKED_READ_ERROR || compliance_in_integrity_statement())
		refuse_subject(verdict, purpose, cache->kind,
					   value_text(PG_GETARG_DATUM(0), PG_ARGISNULL(0), cache->typid),
					   special, false);
	if (compliance_notice_filtered_rows)
		note_filtered(fcinfo);
	PG_RETURN_BOOL(false);
}

/*
 * may_process(subject text, purpose compliance.purpose DEFAULT NULL,
 *			   subject_kind text DEFAULT 'person')
 *
 * The same decision for the application: NULL purpose means the declared one.
 */
Datum
may_process(PG_FUNCTION_ARGS)
{
	const PurposeInfo *purpose;
	text	   *subject;
	char	   *kind;
	const char *key;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	subject = PG_GETARG_TEXT_PP(0);
	if (PG_NARGS() < 3 || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("subject kind is required"),
				 errdetail("A subject is a kind and a key: patient 1 and employee 1 are different people."),
				 errhint("Pass subject_kind => a kind of compliance.subject_kinds, or leave it out for 'person'.")));
	kind = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (!protection_kind_known(kind))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("subject kind \"%s\" does not exist", kind),
				 errhint("Register it with compliance.register_subject_kind(), or pass the kind of the protected table (compliance.protected_tables.subject_kind).")));
	if (PG_ARGISNULL(1))
		purpose = declared_purpose();
	else
	{
		purpose = purpose_lookup(PG_GETARG_PURPOSE(1));
		if (purpose == NULL)
			purpose_code_from_id(PG_GETARG_PURPOSE(1));	/* raises the error */
	}
	AcceptInvalidationMessages();
	cache_accept_changes();
	/* the key as the tables hold it, as give_consent() recorded it */
	key = protection_subject_key(kind, text_to_cstring(subject));
	PG_RETURN_BOOL(!purpose->retired && purpose_held(purpose) &&
				   cache_verdict(kind, key, strlen(key), purpose, false) == VERDICT_ALLOWED);
}

/*
 * require_purpose_held(purpose compliance.purpose) returns void
 *
 * For the SECURITY DEFINER functions that record a subject's ground for a
 * purpose (record_basis, end_basis): the role that called them, not their
 * owner, must hold the purpose (Art. 17.3).  The role in effect outside
 * any SECURITY DEFINER function is the session's, after SET ROLE.
 */
Datum
require_purpose_held(PG_FUNCTION_ARGS)
{
	const PurposeInfo *purpose;
	Oid			role = GetOuterUserId();

	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	purpose = purpose_lookup(PG_GETARG_PURPOSE(0));
	if (purpose == NULL)
		purpose_code_from_id(PG_GETARG_PURPOSE(0));	/* raises the error */
	if (!purpose_held_by(purpose, role))
		refuse_purpose_not_held(purpose, role);
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * Writes: the row trigger
 * ---------------------------------------------------------------------
 */

/* True if the tuple has a non-null value in a special-category column. */
static bool
tuple_has_special(HeapTuple tuple, TupleDesc desc, const Protection *p)
{
	int			attno = -1;

	while ((attno = bms_next_member(p->special_attnos, attno)) >= 0)
		if (!heap_attisnull(tuple, attno, desc))
			return true;
	return false;
}

/* A row written: refused if its subject may not be processed (noted in report mode). */
static void
check_write(HeapTuple tuple, TupleDesc desc, const Protection *p,
			const PurposeInfo *purpose)
{
	bool		isnull;
	Datum		value = heap_getattr(tuple, p->subject_attno, desc, &isnull);
	Oid			typid = p->subject_base_type;
	bool		special = tuple_has_special(tuple, desc, p);
	FmgrInfo	out;
	Verdict		verdict;

	out.fn_oid = InvalidOid;
	out.fn_mcxt = CurrentMemoryContext;
	verdict = value_verdict(value, isnull, typid, &out, p->subject_kind, purpose, special);
	if (verdict == VERDICT_ALLOWED)
		return;
	if (p->report)
		report_note(p->protected_relid, purpose, REPORT_WRITE_REFUSED, verdict_name(verdict), 1);
	else
		refuse_subject(verdict, purpose, p->subject_kind, value_text(value, isnull, typid),
					   special, true);
}

/*
 * BEFORE INSERT OR UPDATE row trigger of protected tables.  For UPDATE both
 * the old row (reached by INSERT ... ON CONFLICT DO UPDATE) and the new one
 * (an UPDATE may not move a row to a subject it may not process) count.
 */
Datum
enforce_write(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	const Protection *p;
	const PurposeInfo *purpose;
	const StatementSettings *settings;
	TupleDesc	desc;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("enforce_write() must be called as a BEFORE ROW trigger")));

	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	p = protection_lookup(RelationGetRelid(rel));
	if (p == NULL || !compliance_enforcing() ||
		citus_applies_shard_move(RelationGetRelid(rel)))
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event)
							   ? trigdata->tg_newtuple : trigdata->tg_trigtuple);

	accept_invalidations_once_per_statement();

	/*
	 * The trigger's FmgrInfo lives as long as its statement's executor:
	 * the statement's settings are looked up once, not for every row.
	 */
	if (fcinfo->flinfo->fn_extra == NULL)
	{
		const StatementSettings **settings =
			MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(StatementSettings *));

		*settings = compliance_statement_settings(fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = settings;
	}
	settings = *(const StatementSettings **) fcinfo->flinfo->fn_extra;
	if (p->report)
	{
		/* without a purpose in force, executor start noted why */
		purpose = purpose_of(settings != NULL ? settings->purpose : compliance_purpose);
		if (purpose == NULL || purpose->retired)
			return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event)
								   ? trigdata->tg_newtuple : trigdata->tg_trigtuple);
	}
	else
		purpose = purpose_declared(settings != NULL ? settings->purpose : compliance_purpose);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		check_write(trigdata->tg_trigtuple, desc, p, purpose);
		check_write(trigdata->tg_newtuple, desc, p, purpose);
		return PointerGetDatum(trigdata->tg_newtuple);
	}
	check_write(trigdata->tg_trigtuple, desc, p, purpose);
	return PointerGetDatum(trigdata->tg_trigtuple);
}

/*
 * invalidate_relation(regclass): cached plans of the table and its
 * partitions and children are rebuilt, with or without the row filter.
 */
Datum
invalidate_relation(PG_FUNCTION_ARGS)
{
	List	   *rels = find_all_inheritors(PG_GETARG_OID(0), NoLock, NULL);
	ListCell   *lc;

	foreach(lc, rels)
		CacheInvalidateRelcacheByRelid(lfirst_oid(lc));
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * The planner: the row filter as the first security qual of every
 * protected relation, a check of the finished plan
 * ---------------------------------------------------------------------
 */
static Oid
row_allowed_oid(void)
{
	static ExtensionFunction fn;

	return extension_function_oid(&fn, "row_allowed", ANYELEMENTOID, REGCLASSOID, BOOLOID);
}

static bool
touches_special(Query *query, RangeTblEntry *rte, const Protection *p)
{
	Bitmapset  *cols = compat_rte_columns(query, rte);
	int			attno = -1;

	if (bms_is_empty(p->special_attnos))
		return false;
	/* a whole-row reference touches every column */
	if (bms_is_member(InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber, cols))
		return true;
	while ((attno = bms_next_member(p->special_attnos, attno)) >= 0)
		if (bms_is_member(attno - FirstLowInvalidHeapAttributeNumber, cols))
			return true;
	return false;
}

/* compliance.row_allowed(subject column of range table entry rti, table, special) */
static FuncExpr *
make_row_filter(Index rti, const Protection *p, bool special)
{
	FuncExpr   *filter;

	filter = makeFuncExpr(row_allowed_oid(), BOOLOID,
						  list_make3(makeVar(rti, p->subject_attno, p->subject_type,
											 p->subject_typmod, p->subject_collation, 0),
									 makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid),
											   ObjectIdGetDatum(p->protected_relid), false, true),
									 makeBoolConst(special, false)),
						  InvalidOid, p->subject_collation, COMPLIANCE_PLANNER_FORMAT);
	filter->location = -1;
	return filter;
}

static bool
is_row_filter(Node *node, Oid funcoid)
{
	return node != NULL && IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == funcoid &&
		((FuncExpr *) node)->funcformat == COMPLIANCE_PLANNER_FORMAT;
}

/*
 * The filter is the first security qual: before the rewriter's row level
 * security policies and security barrier view quals, whatever their
 * owners wrote, see only the rows the purpose may process.
 */
static void
add_row_filters_to_query(Query *query)
{
	Oid			funcoid = InvalidOid;
	Index		rti = 0;
	ListCell   *lc;

	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);
		const Protection *p;

		rti++;
		if (rte->rtekind != RTE_RELATION)
			continue;
		p = protection_lookup(rte->relid);
		if (p == NULL)
			continue;
		if (!OidIsValid(funcoid))
			funcoid = row_allowed_oid();
		if (rte->securityQuals != NIL && is_row_filter(linitial(rte->securityQuals), funcoid))
			continue;
		rte->securityQuals = lcons(make_row_filter(rti, p, touches_special(query, rte, p)),
								   rte->securityQuals);
	}

	/*
	 * INSERT ... ON CONFLICT DO UPDATE evaluates its WHERE and SET on the
	 * stored row before any trigger: the filter goes first in the WHERE, so
	 * a row the purpose may not process is neither shown to them nor
	 * updated (as UPDATE skips it, or refuses under on_blocked_read).  Not
	 * on a Citus table: Citus refuses a function that is not IMMUTABLE
	 * there, and sends the statement to the shards' nodes, where each
	 * shard's statement gets the filter.
	 */
	if (query->commandType == CMD_INSERT && query->onConflict != NULL &&
		query->onConflict->action == ONCONFLICT_UPDATE)
	{
		RangeTblEntry *target = rt_fetch(query->resultRelation, query->rtable);
		const Protection *p = protection_lookup(target->relid);

		if (p != NULL && !p->citus_table)
			query->onConflict->onConflictWhere =
				make_and_qual((Node *) make_row_filter(query->resultRelation, p,
													   !bms_is_empty(p->special_attnos)),
							  query->onConflict->onConflictWhere);
	}
}

/*
 * Every query level of a statement: the top one, subqueries in FROM, CTEs
 * and, only when the level has any, sublinks.  Point queries have none, and
 * walking every expression of them was a measurable part of their planning.
 */
static bool
add_row_filters_walker(Node *node, void *context)
{
	Query	   *query;
	ListCell   *lc;

	if (node == NULL)
		return false;
	if (!IsA(node, Query))
		return expression_tree_walker(node, add_row_filters_walker, context);

	query = (Query *) node;
	add_row_filters_to_query(query);
	if (query->hasSubLinks)
		return query_tree_walker(query, add_row_filters_walker, context, 0);
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind == RTE_SUBQUERY)
			add_row_filters_walker((Node *) rte->subquery, context);
	}
	foreach(lc, query->cteList)
		add_row_filters_walker(((CommonTableExpr *) lfirst(lc))->ctequery, context);
	return false;
}

/*
 * The planner hook's part (compliance.c): a row filter on every protected
 * relation of the statement, at every query level.
 */
void
enforce_add_row_filters(Query *parse)
{
	add_row_filters_walker((Node *) parse, NULL);
}

/*
 * The get_relation_info hook's part (compliance.c), for each relation the
 * planner is about to scan: what the planner brought in itself, the body
 * of an inlined SQL function above all, gets the row filter here, as its
 * first security qual, before the quals are distributed.  Inheritance
 * children get their parent's quals; a protected child of an unprotected
 * parent is caught by enforce_check_plan().  True if the relation is
 * protected.
 */
bool
enforce_plan_relation(PlannerInfo *root, RelOptInfo *rel)
{
	RangeTblEntry *rte = root->simple_rte_array[rel->relid];
	const Protection *p;
	List	   *first;

	if (rte->rtekind != RTE_RELATION || (p = protection_lookup(rte->relid)) == NULL)
		return false;
	if (rel->reloptkind != RELOPT_BASEREL)
		return true;
	/* the quals are preprocessed by now: each level is an implicit-AND list */
	first = rte->securityQuals != NIL ? linitial(rte->securityQuals) : NIL;
	if (first != NIL && is_row_filter(linitial(first), row_allowed_oid()))
		return true;
	rte->securityQuals = lcons(list_make1(make_row_filter(rel->relid, p,
														  touches_special(root->parse, rte, p))),
							   rte->securityQuals);
	/* the statement's own quals come after every security level */
	root->qual_security_level = Max(root->qual_security_level,
									(Index) list_length(rte->securityQuals));
	return true;
}

static bool
contains_row_filter(Node *node, void *funcoid)
{
	if (node == NULL)
		return false;
	if (is_row_filter(node, *(Oid *) funcoid))
		return true;
	return expression_tree_walker(node, contains_row_filter, funcoid);
}

typedef struct PlanCheck
{
	PlannedStmt *stmt;
	Oid			funcoid;
	Oid			protected_scan;	/* a protected relation scanned, if any */
	Oid			report_scan;	/* a protected table in report mode scanned, if any */
} PlanCheck;

static void
check_scan(Scan *scan, PlanCheck *check)
{
	RangeTblEntry *rte;
	const Protection *p;

	if (scan->scanrelid == 0)
		return;
	rte = rt_fetch(scan->scanrelid, check->stmt->rtable);
	if (rte->rtekind != RTE_RELATION || (p = protection_lookup(rte->relid)) == NULL)
		return;
	if (p->report)
		check->report_scan = p->protected_relid;
	else
		check->protected_scan = rte->relid;
	if (!contains_row_filter((Node *) scan->plan.qual, &check->funcoid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("protected table \"%s\" would be read without its row filter",
						get_rel_name(rte->relid)),
				 errdetail("Rows of protected tables are read only through the filter that enforces purposes, consent and blocks (Art. 4, 10, 13 of Law 99-Z); this plan reaches the table another way, such as through an unprotected parent."),
				 errhint("Read the table directly, or protect its parent with compliance.protect().")));
}

static void
check_plan_tree(Plan *plan, PlanCheck *check)
{
	ListCell   *lc;
	List	   *children = NIL;

	if (plan == NULL)
		return;
	check_stack_depth();
	switch (nodeTag(plan))
	{
		case T_SeqScan:
		case T_SampleScan:
		case T_IndexScan:
		case T_IndexOnlyScan:
		case T_BitmapHeapScan:
		case T_TidScan:
		case T_TidRangeScan:
		case T_ForeignScan:
			check_scan((Scan *) plan, check);
			break;
		case T_CustomScan:
			check_scan((Scan *) plan, check);
			children = ((CustomScan *) plan)->custom_plans;
			break;
		case T_Append:
			children = ((Append *) plan)->appendplans;
			break;
		case T_MergeAppend:
			children = ((MergeAppend *) plan)->mergeplans;
			break;
		case T_BitmapAnd:
			children = ((BitmapAnd *) plan)->bitmapplans;
			break;
		case T_BitmapOr:
			children = ((BitmapOr *) plan)->bitmapplans;
			break;
		case T_SubqueryScan:
			check_plan_tree(((SubqueryScan *) plan)->subplan, check);
			break;
		default:
			break;
	}
	foreach(lc, children)
		check_plan_tree(lfirst(lc), check);
	check_plan_tree(plan->lefttree, check);
	check_plan_tree(plan->righttree, check);
}

/*
 * The planner hook's last part (compliance.c): the finished plan reads no
 * protected relation without the row filter, whatever path led there; a
 * cursor WITH HOLD over one is refused, as its rows would outlive a
 * withdrawal in the transaction that computed them.
 */
void
enforce_check_plan(PlannedStmt *stmt, int cursorOptions)
{
	PlanCheck	check = {stmt, row_allowed_oid(), InvalidOid, InvalidOid};
	ListCell   *lc;

	check_plan_tree(stmt->planTree, &check);
	foreach(lc, stmt->subplans)
		check_plan_tree(lfirst(lc), &check);
	if ((cursorOptions & CURSOR_OPT_HOLD) && compliance_enforcing())
	{
		if (OidIsValid(check.protected_scan))
			refuse_held_cursor(get_rel_name(check.protected_scan));
		if (OidIsValid(check.report_scan))
			report_note(check.report_scan, NULL, REPORT_HELD_CURSOR, NULL, 0);
	}
}

/* ---------------------------------------------------------------------
 * Executor start: purpose declared, data items (Art. 4.5), fresh state
 * ---------------------------------------------------------------------
 */
/*
 * Does a data item name this column: "column" in every table, "table.column"
 * or "schema.table.column" only there?  The item is split at its dots and
 * each part compared whole, as items_touch() does in SQL: a name that
 * itself holds a dot never matches (a table called "public.patients" is
 * not public.patients).
 */
static bool
data_item_names(const char *item, const char *nspname, const char *relname,
				const char *attname, bool *qualified)
{
	const char *parts[3];
	int			lens[3];
	int			n = 0;
	const char *start = item;

	for (const char *c = item;; c++)
	{
		if (*c == '.' || *c == '\0')
		{
			if (n == 3)
				return false;
			parts[n] = start;
			lens[n++] = c - start;
			if (*c == '\0')
				break;
			start = c + 1;
		}
	}
#define PART_IS(i, s) (strlen(s) == (size_t) lens[i] && strncmp(parts[i], (s), lens[i]) == 0)
	*qualified = n > 1;
	if (!PART_IS(n - 1, attname))
		return false;
	if (n >= 2 && !PART_IS(n - 2, relname))
		return false;
	if (n == 3 && !PART_IS(0, nspname))
		return false;
#undef PART_IS
	return true;
}

/*
 * The columns a statement touches must be data items of the purpose (Art.
 * 4.5; NULL data items: every ordinary column).  A special-category column
 * (Art. 8) must be named with its table by a purpose whose basis is
 * consent or one of Art. 8.2: an unqualified name or NULL data items never
 * reach it, so that a purpose registered for one table's "email" does not
 * read another table's diagnosis (doc/decisions.md).  In report mode each
 * such column is noted and nothing refused.
 */
static void
check_data_items(Oid relid, const Protection *p, const PurposeInfo *purpose,
				 Bitmapset *cols)
{
	int			member = -1;
	char	   *relname = NULL;
	char	   *nspname = NULL;

	if (purpose->ndata_items < 0 && bms_is_empty(p->special_attnos))
		return;
	while ((member = bms_next_member(cols, member)) >= 0)
	{
		AttrNumber	attno = member + FirstLowInvalidHeapAttributeNumber;
		char	   *attname;
		bool		special;
		bool		listed = false;
		bool		named = false;

		if (attno == p->subject_attno || attno < 0)
			continue;
		if (relname == NULL)
		{
			relname = get_rel_name(relid);
			nspname = get_namespace_name(get_rel_namespace(relid));
		}
		if (attno == InvalidAttrNumber)
		{
			/* every column but the special ones: name them instead */
			if (purpose->ndata_items < 0 && bms_is_empty(p->special_attnos))
				continue;
			if (p->report)
			{
				report_note(p->protected_relid, purpose, REPORT_WHOLE_ROW, NULL, 0);
				continue;
			}
			if (purpose->ndata_items < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("purpose \"%s\" may not touch every column of table \"%s\"",
								purpose->code, relname),
						 errdetail("A whole-row reference touches the table's special categories of personal data, which purpose \"%s\" does not name (Art. 4.5, 8 of Law 99-Z).",
								   purpose->code),
						 errhint("Name the columns the purpose needs instead of the whole row.")));
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("purpose \"%s\" may not touch every column of table \"%s\"",
							purpose->code, relname),
					 errdetail("A whole-row reference touches every column, and purpose \"%s\" may touch only its data items (Art. 4.5 of Law 99-Z).",
							   purpose->code),
					 errhint("Name the columns the purpose needs instead of the whole row.")));
		}
		attname = get_attname(relid, attno, false);
		special = bms_is_member(attno, p->special_attnos);
		for (int i = 0; i < purpose->ndata_items && !(special ? named : listed); i++)
		{
			bool		qualified;

			if (data_item_names(purpose->data_items[i], nspname, relname, attname, &qualified))
			{
				listed = true;
				named |= qualified;
			}
		}
		if (special && !(named && (purpose->needs_consent || purpose->allows_special)))
		{
			if (p->report)
			{
				report_note(p->protected_relid, purpose, REPORT_SPECIAL_COLUMN, attname, 0);
				continue;
			}
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("purpose \"%s\" may not touch special-category column \"%s\" of table \"%s\"",
							purpose->code, attname, relname),
					 !named
					 ? errdetail("Special categories of personal data (Art. 8 of Law 99-Z) are processed only by a purpose that names the column with its table in its data items.")
					 : errdetail("Special categories of personal data need consent or a basis of Art. 8.2; the basis of purpose \"%s\" (%s) allows neither (Art. 8.1 of Law 99-Z).",
								 purpose->code, purpose->basis),
					 !named
					 ? errhint("Register a purpose whose basis is consent or allows special categories with data item '%s.%s'.",
							   relname, attname)
					 : errhint("Process the column under a purpose based on consent or on a basis of Art. 8.2.")));
		}
		if (!listed && purpose->ndata_items >= 0)
		{
			if (p->report)
			{
				report_note(p->protected_relid, purpose, REPORT_COLUMN, attname, 0);
				continue;
			}
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("purpose \"%s\" may not touch column \"%s\" of table \"%s\"",
							purpose->code, attname, relname),
					 errdetail("Processed data must not be excessive for the stated purpose; purpose \"%s\" may touch only its data items (Art. 4.5 of Law 99-Z).",
							   purpose->code),
					 errhint("Leave the column out, or process it under a purpose whose data items include it.")));
		}
	}
}

/*
 * row_security = off asks for every row or an error: pg_dump and
 * pg_restore set it, so that a dump never silently holds fewer rows.
 * PostgreSQL refuses protected tables (which force row level security) to
 * roles that do not bypass it; for those that do, a declared purpose would
 * still leave rows out, so it is refused the same way.
 */
pg_noreturn static void
refuse_partial_dump(Oid relid, const PurposeInfo *purpose)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("protected table \"%s\" cannot be read in full under purpose \"%s\" with row_security off",
					get_rel_name(relid), purpose->code),
			 errdetail("row_security = off asks for every row or an error, as pg_dump does; the purpose may process only some rows, and a backup made so would silently lose the others, blocked subjects' data included, which the processor must keep (Art. 13.2, 17.1 of Law 99-Z)."),
			 errhint("Back up with plain pg_dump as a login with BYPASSRLS that is a member of compliance_backup, without a purpose, or as a superuser with compliance.enforce = off; to read what the purpose may process, turn row_security on.")));
}

/*
 * One relation a statement names, at executor start (the permission-check
 * hook in compliance.c): with enforcement on, a purpose must be declared
 * and may touch only its data items, and a write (INSERT, UPDATE) needs
 * the write trigger, which checks each row.  Only a Citus shard arriving
 * on this worker lacks it, until Citus adds it after the rows: a write
 * there by its own name would go unchecked.  True if the relation is
 * protected.
 */
bool
enforce_check_relation(Oid relid, Bitmapset *cols, bool writes)
{
	const Protection *p = protection_lookup(relid);
	const PurposeInfo *purpose;
	Oid			role;

	if (p == NULL)
		return false;
	citus_check_shard_copy(relid);
	if (!compliance_enforcing())
		return true;

	purpose = purpose_of(compliance_purpose);
	if (purpose == NULL && backup_read(compliance_purpose))
	{
		ereport(LOG,
				(errmsg("protected table \"%s\" read in full by role \"%s\" under compliance_backup",
						get_rel_name(relid), GetUserNameFromId(GetUserId(), false))));
		return true;
	}
	if (p->report && (purpose == NULL || purpose->retired))
	{
		report_note(p->protected_relid, purpose,
					purpose == NULL ? REPORT_NO_PURPOSE : REPORT_PURPOSE_RETIRED, NULL, 0);
		return true;
	}
	purpose = purpose_declared(compliance_purpose);
	if (writes && !p->report && !p->write_check)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("protected table \"%s\" has no write check", get_rel_name(relid)),
				 errdetail("Its write trigger is missing, so the rows written would not be checked for a purpose, consent or a block (Art. 4, 10, 13 of Law 99-Z); a Citus shard arriving on a worker gets it last."),
				 errhint("A superuser restores it with SELECT compliance.set_enforcement('%s', true); on a Citus worker, write through the distributed table once the shard move has finished.",
						 get_rel_name(relid))));

	/*
	 * PostgreSQL's foreign-key cascades (and what runs inside them) run
	 * as the table's owner; the role that caused them is the session's
	 * (outside SECURITY DEFINER functions), which must hold the purpose
	 * even if its own statement touched no protected table.
	 */
	role = InNoForceRLSOperation() ? GetOuterUserId() : GetUserId();
	if (!row_security && !p->report)
		refuse_partial_dump(relid, purpose);
	if (!purpose_held_by(purpose, role))
	{
		if (!p->report)
			refuse_purpose_not_held(purpose, role);
		report_note(p->protected_relid, purpose, REPORT_PURPOSE_NOT_HELD, NULL, 0);
		return true;
	}
	check_data_items(relid, p, purpose, cols);
	if (p->citus_table && !p->report)
		citus_check_settings(relid, purpose);
	/* fill the cache now: no new snapshot may be taken once parallel workers run */
	cache_prepare(purpose, p->subject_kind);
	return true;
}

/*
 * The plan an EXPLAIN ANALYZE of a role other than a superuser runs
 * (compliance.c): refused if it scans a protected table.  Leakproof
 * conditions (equality on text, say) may be evaluated before the row
 * filter, as index conditions, so its count of rows removed by the filter
 * would tell how many hidden rows match them: whether a blocked subject's
 * row has a given diagnosis.
 */
void
enforce_refuse_instrumented(PlannedStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		const Protection *p;

		/* a table in report mode filters nothing, so its counts tell nothing */
		if (rte->rtekind == RTE_RELATION && (p = protection_lookup(rte->relid)) != NULL &&
			!p->report)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("EXPLAIN ANALYZE over protected table \"%s\" is reserved to superusers",
							get_rel_name(rte->relid)),
					 errdetail("Its row counts would tell how many rows of subjects the purpose may not process match the statement's conditions (Art. 13.2, 17.1 of Law 99-Z)."),
					 errhint("Run EXPLAIN without ANALYZE, or ask a superuser.")));
	}
}
