/*-------------------------------------------------------------------------
 *
 * compliance.h
 *	  Table of contents of the compliance extension: every file under src/
 *	  and what it exports.  Start here to find the room for a change.
 *
 * The extension enforces Law of the Republic of Belarus No. 99-Z of
 * 7 May 2021 "On the protection of personal data" inside PostgreSQL.
 * SQL objects live in schema "compliance"; the SQL script is assembled
 * from src/sql/ (one file per concern) by the Makefile; doc/architecture.md
 * ("Where each object's SQL lives") says which file holds which object.
 *
 *-------------------------------------------------------------------------
 */
#ifndef COMPLIANCE_H
#define COMPLIANCE_H

#include "access/attnum.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "nodes/pathnodes.h"
#include "nodes/plannodes.h"
#include "tcop/cmdtag.h"
#include "utils/queryenvironment.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"
#include "utils/timestamp.h"

#include "pg_compat.h"

#define COMPLIANCE_SCHEMA	"compliance"

/*
 * The extension's own message domain, as PL/pgSQL has its own: its
 * errors say they are its own (ErrorData.domain), which the withholding
 * of errors raised while rows are read for a recipient relies on
 * (capture_guard.c).  Files include this header after PostgreSQL's.
 */
#undef TEXTDOMAIN
#define TEXTDOMAIN PG_TEXTDOMAIN("compliance")

/*
 * A registered purpose is stored as its registry id (compliance.purposes.id),
 * a small positive integer.  purpose_set is a bitmap over these ids.
 */
typedef int32 PurposeId;

#define PURPOSE_ID_MAX		65535	/* bounds bitmaps; see register_purpose */
#define PURPOSE_CODE_MAXLEN	63

#define DatumGetPurposeId(d)	((PurposeId) DatumGetInt32(d))
#define PurposeIdGetDatum(p)	Int32GetDatum(p)
#define PG_GETARG_PURPOSE(n)	DatumGetPurposeId(PG_GETARG_DATUM(n))
#define PG_RETURN_PURPOSE(p)	PG_RETURN_DATUM(PurposeIdGetDatum(p))

/* ---------------------------------------------------------------------
 * compliance.c: _PG_init, the settings (GUCs), and every hook, shared
 * memory request and transaction callback, each calling into its module
 * session.c: the settings' values and the statement depth, which only
 * compliance.c writes
 * ---------------------------------------------------------------------
 */
typedef enum BlockedReadMode
{
	BLOCKED_READ_FILTER,
	BLOCKED_READ_ERROR
} BlockedReadMode;

extern char *compliance_purpose;	/* compliance.purpose */
extern char *compliance_recipient;	/* compliance.recipient */
extern int	compliance_on_blocked_read; /* compliance.on_blocked_read */
extern bool compliance_notice_filtered_rows;	/* compliance.notice_filtered_rows */
extern bool compliance_enforce; /* compliance.enforce */
/* compliance.officer_statement: a Citus worker runs an officer's statement */
extern bool compliance_officer_statement;
extern int	compliance_cache_subjects;	/* compliance.cache_subjects */
extern bool compliance_ledger_protection;	/* compliance.ledger_protection */
extern char *compliance_transfer_basis;	/* compliance.transfer_basis */
extern char *compliance_transfer_permit;	/* compliance.transfer_permit */
extern int	compliance_capture_ring_kb; /* compliance.capture_ring_size */
extern int	compliance_dead_letter_after;	/* seconds; compliance.dead_letter_after */
extern int	compliance_consent_clock_advance;	/* seconds; compliance.consent_clock_advance */

/*
 * The time at which a consent's valid_until is judged: the statement's
 * start, run ahead by compliance.consent_clock_advance.  Only forward: the
 * setting can make a consent lapse early, never keep one in force.
 */
static inline TimestampTz
compliance_consent_clock(void)
{
	return GetCurrentStatementStartTimestamp() +
		(TimestampTz) compliance_consent_clock_advance * USECS_PER_SEC;
}

/*
 * The settings a statement runs under, fixed when its executor starts: a
 * set_config() inside the statement applies from the next one, so the
 * data items checked, the rows filtered and the disclosures logged agree.
 * Kept in the executor's query context and found from any context below
 * it (the row filter's, a trigger's); gone when the executor is freed.
 */
typedef struct StatementSettings
{
	MemoryContext cxt;			/* the executor's query context */
	char	   *purpose;
	char	   *recipient;
	char	   *transfer_basis;
	char	   *transfer_permit;
	/* the cache table of an Art. 9.1 exception checked per subject (0: none) */
	PurposeId	transfer_table;
	char		transfer_country[3];
	struct StatementSettings *next;
} StatementSettings;

extern StatementSettings *compliance_fix_statement_settings(void);	/* executor start */
/* the settings of the statement whose memory cxt is (or is under); NULL if none */
extern const StatementSettings *compliance_statement_settings(MemoryContext cxt);

/* Is compliance.recipient set: do the rows read now go to a recipient? */
static inline bool
compliance_recipient_set(void)
{
	return compliance_recipient != NULL && compliance_recipient[0] != '\0';
}

/*
 * How deep inside other statements the current one runs: 0 for a statement
 * the client sent (or COPY's query), more inside functions and DO blocks.
 */
extern int	compliance_statement_depth;

/*
 * While owner.c runs an officer's statement as the table owner: the depth
 * of that statement (0 otherwise).  Statements deeper down are the owner's
 * code, and are enforced even though the officer function turned
 * enforcement off for its own statements.
 */
extern int	compliance_restricted_depth;

/*
 * The depth at which PostgreSQL's own foreign-key query runs (0 if none):
 * its checks and cascades must see every row, or a parent referenced only
 * by hidden rows could be deleted and a valid constraint would be false.
 * Only that statement: what the owner's triggers run inside it is enforced.
 */
extern int	compliance_integrity_depth;
extern bool compliance_integrity_action;	/* it cascades (UPDATE, DELETE) */

/*
 * Planner calls running: code the planner runs (an IMMUTABLE function
 * folded while planning) is nested in the statement being planned, and
 * never PostgreSQL's own foreign-key query.
 */
extern int	compliance_planning;

/*
 * Executions of a cursor WITH HOLD running (0 if none): what they read,
 * through any function, would outlive a withdrawal.
 */
extern int	compliance_holdable_runs;

/*
 * Executor runs started in this backend (a cursor's FETCH is one): what
 * the row filter decides once per run, it keys on this.
 */
extern uint64 compliance_executor_runs;

/* Is the statement running now PostgreSQL's own foreign-key query? */
static inline bool
compliance_in_integrity_statement(void)
{
	return compliance_integrity_depth == compliance_statement_depth &&
		compliance_integrity_depth > 0 && InNoForceRLSOperation();
}

/*
 * Is enforcement on for the statement running now?  A foreign-key check
 * sees every row; a cascade is enforced (and refuses rather than skips a
 * row, see row_allowed) except the ones an officer's erasure itself causes.
 */
static inline bool
compliance_enforcing(void)
{
	/*
	 * The officer's statement fires its foreign-key actions from its own
	 * ExecutorFinish, so they run one level below it; cascades started by
	 * the owner's code inside it run deeper.
	 */
	if (compliance_in_integrity_statement() &&
		(!compliance_integrity_action ||
		 (compliance_restricted_depth > 0 &&
		  compliance_integrity_depth == compliance_restricted_depth + 1)))
		return false;
	return compliance_enforce ||
		(compliance_restricted_depth > 0 &&
		 compliance_statement_depth > compliance_restricted_depth);
}

/*
 * Shared by enforce.c and capture.c, inline so that neither depends on the
 * other: how the planner marks its calls, and how a subject column's value
 * becomes a subject key.
 *
 * The planner marks the calls it adds (row filter, capture) with a
 * function-call format that SQL cannot produce for these functions, so a
 * direct call, in a query or a policy, is told apart and refused: it would
 * answer about a subject, or forge a log entry, for any role.
 */
#define COMPLIANCE_PLANNER_FORMAT	COERCE_SQL_SYNTAX

/* True if the planner added this call (see COMPLIANCE_PLANNER_FORMAT). */
static inline bool
compliance_called_by_planner(FunctionCallInfo fcinfo)
{
	Node	   *expr = fcinfo->flinfo != NULL ? fcinfo->flinfo->fn_expr : NULL;

	return expr != NULL && IsA(expr, FuncExpr) &&
		((FuncExpr *) expr)->funcformat == COMPLIANCE_PLANNER_FORMAT;
}

/*
 * The text form of a subject column value: the subject key.  typid is the
 * column's base type (callers resolve domains once, not per row); out its
 * output function, used unless the type is text or varchar.
 */
static inline const char *
compliance_subject_key(Datum value, Oid typid, FmgrInfo *out, int *len)
{
	char	   *key;

	if (typid == TEXTOID || typid == VARCHAROID)
	{
		text	   *t = DatumGetTextPP(value);

		*len = VARSIZE_ANY_EXHDR(t);
		return VARDATA_ANY(t);
	}
	key = OutputFunctionCall(out, value);
	*len = strlen(key);
	return key;
}

/*
 * An integer subject column's value (typid its base type), for the paths
 * that key integer subjects by value; false for other types.
 */
static inline bool
compliance_int_subject(Datum value, Oid typid, int64 *key)
{
	switch (typid)
	{
		case INT2OID:
			*key = DatumGetInt16(value);
			return true;
		case INT4OID:
			*key = DatumGetInt32(value);
			return true;
		case INT8OID:
			*key = DatumGetInt64(value);
			return true;
		default:
			return false;
	}
}

/* ---------------------------------------------------------------------
 * catalog.c: where the extension's own tables are, and reading them
 * without SPI and with the latest committed snapshot
 * ---------------------------------------------------------------------
 */
extern bool compliance_extension_present(void);
extern Oid	compliance_namespace(void);
extern Oid	compliance_relid(const char *relname, bool missing_ok);
extern Snapshot compliance_fresh_snapshot(void);

typedef struct CatalogUserSave
{
	Oid			userid;
	int			sec_context;
} CatalogUserSave;
extern void compliance_become_owner(CatalogUserSave *save);
extern void compliance_restore_user(const CatalogUserSave *save);

/* ---------------------------------------------------------------------
 * registry.c: backend cache of compliance.purposes, invalidated at
 * commit of any change through registry_changed(); recipients looked up
 * when compliance.recipient is set
 * ---------------------------------------------------------------------
 */
typedef struct PurposeInfo
{
	PurposeId	id;
	char		code[PURPOSE_CODE_MAXLEN + 1];
	bool		needs_consent;	/* legal basis is 'consent' (Art. 4.3, 6) */
	/* each subject needs its own ground: a consent, or record_basis() */
	bool		needs_ground;
	bool		allows_special; /* basis allows special categories (Art. 8.2) */
	char		basis[NAMEDATALEN]; /* compliance.legal_basis label */
	bool		retired;		/* retire_purpose(): nothing may be processed for it */
	int			ndata_items;	/* -1: every column (no data_items) */
	char	  **data_items;		/* column names the purpose may touch (Art. 4.5) */
	int			ngrantees;
	Oid		   *grantees;		/* roles granted the purpose (Art. 17.3) */
} PurposeInfo;

extern const PurposeInfo *purpose_lookup(PurposeId id);	/* NULL if unknown */
extern PurposeId purpose_id_from_code(const char *code, bool missing_ok);
extern const char *purpose_code_from_id(PurposeId id);	/* errors if unknown */
extern void registry_relcache_callback(Datum arg, Oid relid);
extern void registry_role_callback(Datum arg, int cacheid, uint32 hashvalue);
/* does the current role hold it (grant_purpose; superusers hold all)? */
extern bool purpose_held(const PurposeInfo *info);
extern bool purpose_held_by(const PurposeInfo *info, Oid role);
extern bool recipient_registered(const char *code);	/* compliance.recipients, read now */
extern void registry_watch(void);	/* start listening even if not loaded */
extern uint64 registry_generation(void);	/* bumped on every invalidation */
/* an extension function the planner adds calls to, looked up again when the registry changes */
typedef struct ExtensionFunction
{
	Oid			oid;
	uint64		generation;
} ExtensionFunction;
extern Oid	extension_function_oid(ExtensionFunction *cache, const char *name,
								   Oid arg1, Oid arg2, Oid arg3);
/* bumped on every reload; what a lookup returned lives until then or the transaction's end */
extern uint64 registry_reloads(void);

/* ---------------------------------------------------------------------
 * protection.c: which relations are protected (registered tables and their
 * partitions and inheritance children), cached per relation
 * ---------------------------------------------------------------------
 */
typedef struct Protection
{
	Oid			relid;			/* this relation (hash key) */
	Oid			protected_relid;	/* the registered table: itself or an ancestor */
	AttrNumber	subject_attno;	/* subject column in this relation */
	const char *subject_column;
	const char *subject_kind;	/* compliance.subject_kinds: whose key it is */
	Oid			subject_type;	/* its type, typmod and collation, for the */
	int32		subject_typmod; /* planner's row filter (no relation open */
	Oid			subject_collation;	/* per statement) */
	Oid			subject_base_type;	/* the type under a domain: the cache key */
	Bitmapset  *special_attnos; /* special-category columns (Art. 8) */
	bool		report;			/* report mode: noted (report.c), not enforced */
	bool		citus_table;	/* a Citus table: its rows are in shards, */
	/* filtered where they are (on each shard's node) */
	bool		unknown_here;	/* carries the write trigger, but this Citus */
	/* node has no copy of its protection: refused */
	bool		write_check;	/* carries the write trigger (a Citus shard */
	/* arriving on this worker does not yet): written only then */
} Protection;

extern void protection_relcache_callback(Datum arg, Oid relid);
extern bool protection_any(void);
extern const Protection *protection_lookup(Oid relid);	/* errors if unknown_here */
extern const Protection *protection_lookup_ddl(Oid relid);	/* DDL checks: unknown_here too */
extern bool protection_citus_shard(Oid relid);	/* a shard of a protected Citus table */
extern int64 protection_shard_id(Oid relid); /* the shard id its name ends in, or 0 */
/* the distributed table a Citus shard belongs to, or InvalidOid */
extern Oid	protection_shard_table(Oid relid);
/* is relname what Citus names shard shardid of a table (or index) table_name? */
extern bool protection_names_shard(const char *table_name, int64 shardid, const char *relname);
extern bool protection_has_write_trigger(Oid relid);	/* carries compliance.enforce_write */
extern bool protection_kind_known(const char *kind);	/* compliance.subject_kinds */
/* a subject key as the kind's protected tables hold it ('042' -> '42') */
extern const char *protection_subject_key(const char *kind, const char *key);

/* ---------------------------------------------------------------------
 * cache.c: per-subject consent state and blocks, the hot path of
 * enforcement; filled with the latest committed state
 * ---------------------------------------------------------------------
 */
typedef enum Verdict
{
	VERDICT_ALLOWED,
	VERDICT_BLOCKED,			/* Art. 13.2: blocked, not processed */
	VERDICT_NO_CONSENT,			/* Art. 4.3, 5: no consent for a consent purpose */
	VERDICT_WITHDRAWN,			/* Art. 10: consent withdrawn */
	VERDICT_EXPIRED,			/* Art. 5.5: consent period over */
	VERDICT_REFUSED				/* consent refused */
} Verdict;

/* What a purpose's table knows of a subject (cache.c). */
typedef enum CacheMark
{
	CACHE_MARK_NONE = 0,		/* no consent or ground for the purpose, not blocked */
	CACHE_MARK_CONSENT,			/* a consent or ground for it, without end */
	CACHE_MARK_TIMED,			/* a consent or ground for it until some time */
	CACHE_MARK_BLOCKED,			/* blocked: wins over any consent or ground */
	CACHE_MARK_UNKNOWN			/* not read yet, or changed since */
} CacheMark;

/*
 * The row filter's one-byte path: a purpose's marks of integer keys
 * [0, dense_size), filled by cache_view() and read only through
 * cache_view_answer().  The view holds while the cache's epoch (*current)
 * is still the one it was taken at; a zeroed view holds nothing.
 */
typedef struct CacheView
{
	const uint64 *current;
	uint64		epoch;
	const uint8 *dense;
	int64		dense_size;
} CacheView;

/* What the view says at once of an integer key. */
typedef enum CacheViewAnswer
{
	CACHE_VIEW_ASK,				/* ask cache_verdict_int() */
	CACHE_VIEW_ALLOWS,
	CACHE_VIEW_DENIES
} CacheViewAnswer;

/*
 * Allowed: a consent or ground without end, or none under a basis that
 * needs no ground per subject (needs_ground false).  Denied: blocked, or
 * none where a ground is needed.  Anything else (a consent or ground with
 * an end, unknown, outside the array, a stale view) is asked the long way.
 */
static inline CacheViewAnswer
cache_view_answer(const CacheView *view, int64 k, bool needs_ground)
{
	uint8		mark;

	if (view->current == NULL || *view->current != view->epoch)
		return CACHE_VIEW_ASK;
	if (k < 0 || k >= view->dense_size)
		return CACHE_VIEW_ASK;
	mark = view->dense[k];
	if (mark == CACHE_MARK_CONSENT || (mark == CACHE_MARK_NONE && !needs_ground))
		return CACHE_VIEW_ALLOWS;
	if (mark == CACHE_MARK_NONE || mark == CACHE_MARK_BLOCKED)
		return CACHE_VIEW_DENIES;
	return CACHE_VIEW_ASK;
}

/*
 * A subject is a kind and a key (compliance.subject_kinds): the cache keeps
 * one table per purpose and kind, and every lookup names the kind, the
 * protected table's (Protection.subject_kind).
 */
extern void cache_relcache_callback(Datum arg, Oid relid);
extern void cache_prepare(const PurposeInfo *purpose, const char *kind);	/* per statement */
extern void cache_view(const PurposeInfo *purpose, const char *kind, CacheView *view);
extern void cache_accept_changes(void);	/* once per statement */
/* forgets the key in every kind: a change is noted by key alone */
extern void cache_forget_subject(const char *subject, int len);
extern void cache_forget_all(void);
extern Verdict cache_verdict(const char *kind, const char *subject, int len,
							 const PurposeInfo *purpose, bool special);
extern Verdict cache_verdict_int(const char *kind, int64 subject, const PurposeInfo *purpose,
								 bool special);
/* Art. 9.1 exceptions that depend on the subject (0: none) */
extern PurposeId cache_transfer_table(const char *basis, PurposeId purpose, const char *country);
extern bool cache_transfer_allows(PurposeId table, const char *kind, const char *subject, int len,
								  bool integer, int64 k);
/* why not, read now: for the message of a refusal */
extern Verdict cache_exact_verdict(const char *kind, const char *subject, int len,
								   const PurposeInfo *purpose, bool special);

/* ---------------------------------------------------------------------
 * subject_changes.c: which subjects' consent state or block changed, in a
 * ring in shared memory, so caches forget only those (the row trigger
 * cache_invalidate() in cache.c notes them; they are published at
 * commit).  It knows nothing of the cache: what to forget is returned.
 * ---------------------------------------------------------------------
 */
extern void subject_changes_shmem_request(void);
extern void subject_changes_shmem_startup(void);
/* true: this backend must forget every subject (the changes were undone) */
extern bool subject_changes_xact_callback(XactEvent event);
extern bool subject_changes_subxact_callback(SubXactEvent event);
/* subject NULL: possibly every subject; true: this backend forgets all */
extern bool subject_changes_note(const char *subject, int len);
/* a Citus worker's copy of the consent state, written in a prepared transaction */
extern void subject_changes_allow_prepare(void);
extern uint64 subject_changes_position(void);
extern bool subject_changes_apply(uint64 *seen,
								  void (*forget) (const char *subject, int len));

/* ---------------------------------------------------------------------
 * enforce.c: the row filter (row_allowed, placed by the planner and
 * get_relation_info hooks, checked in every finished plan), the write
 * trigger, may_process, and the executor-start checks (Art. 4.4, 4.5)
 * ---------------------------------------------------------------------
 */
extern void enforce_add_row_filters(Query *parse);	/* planner, before */
/* get_relation_info: the filter on what the planner brought in; true if protected */
extern bool enforce_plan_relation(PlannerInfo *root, RelOptInfo *rel);
extern void enforce_check_plan(PlannedStmt *stmt, int cursorOptions);	/* planner, after */
/* executor start, per relation named; true if it is protected */
extern bool enforce_check_relation(Oid relid, Bitmapset *cols, bool writes);
/* executor run of the plan an EXPLAIN ANALYZE shows: refused over protected tables */
extern void enforce_refuse_instrumented(PlannedStmt *stmt);
/* a client's statement starts and ends: the rows the filter left out */
extern void enforce_statement_start(void);
extern void enforce_statement_end(void);

/* ---------------------------------------------------------------------
 * report.c: report mode (set_protection_mode): what enforcement would have
 * refused or filtered, noted by enforce.c during a client's statement and
 * counted at its end in shared memory (compliance.protection_report)
 * ---------------------------------------------------------------------
 */
typedef enum ReportEvent
{
	REPORT_NO_PURPOSE,			/* no purpose declared (Art. 4.4) */
	REPORT_PURPOSE_NOT_HELD,	/* the role does not hold it (Art. 17.3) */
	REPORT_PURPOSE_RETIRED,
	REPORT_COLUMN,				/* outside the purpose's data items (Art. 4.5) */
	REPORT_SPECIAL_COLUMN,		/* special category not allowed (Art. 8) */
	REPORT_WHOLE_ROW,			/* a whole-row reference the purpose may not make */
	REPORT_ROWS_FILTERED,		/* rows left out: no ground, withdrawn, blocked */
	REPORT_ROWS_REFUSED,		/* the same under on_blocked_read = 'error' */
	REPORT_WRITE_REFUSED,		/* a written row's subject may not be processed */
	REPORT_TRANSFER_REFUSED,	/* a row refused to a recipient abroad (Art. 9.1) */
	REPORT_HELD_CURSOR			/* a cursor WITH HOLD over the table */
} ReportEvent;

extern void report_shmem_request(void);
extern void report_shmem_startup(void);
extern void report_note(Oid relid, const PurposeInfo *purpose, ReportEvent event,
						const char *detail, uint64 rows);
extern void report_statement_start(void);
extern void report_statement_end(void);

/* ---------------------------------------------------------------------
 * owner.c: the statements officer functions run on protected tables
 * (compliance.run_as_table_owner, compliance.read_as_table_owner), as the
 * table's owner in a security-restricted operation, where no code of the
 * owner's runs (needs_fmgr_hook); the wait of a purge batch for the
 * transactions writing to protected tables (wait_for_table_writers)
 * ---------------------------------------------------------------------
 */
/*
 * needs_fmgr_hook while compliance_restricted_depth > 0, or on a Citus
 * worker under compliance.officer_statement: errors on owner code
 */
extern void restricted_function_check(Oid fn_oid);
/* an officer's deletion as a superuser: errors on a trigger with a WHEN condition */
extern void owner_refuse_trigger_conditions(Oid relid);
/* built in, the extension's or (but for triggers) a superuser's */
extern bool owner_function_trusted(Oid fn_oid, bool *trigger);

/* ---------------------------------------------------------------------
 * row_security.c: row level security, forced on protected tables so that
 * PostgreSQL hides their statistics: the policy it applies (admits every
 * row; the row filter enforces) and COPY FROM, which it refuses under it
 * ---------------------------------------------------------------------
 */
/* row_security_policy_hook_permissive */
extern List *row_security_permissive_policies(CmdType cmd, Relation rel);
/* COPY FROM a protected table; false if pstmt is another statement (not run) */
extern bool row_security_copy_from(PlannedStmt *pstmt, const char *queryString,
								   QueryEnvironment *queryEnv, QueryCompletion *qc);

/* ---------------------------------------------------------------------
 * utility.c: COPY TO through the row filter, guards on DDL that would
 * route around enforcement
 * ---------------------------------------------------------------------
 */
/* the statement to run instead (COPY TO through the row filter), pstmt, or NULL: none */
extern PlannedStmt *utility_check(PlannedStmt *pstmt, bool *readOnlyTree);
/* EXPLAIN ANALYZE by a role other than a superuser, enforcement on */
extern bool utility_is_explain_analyze(Node *parsetree);
/* after a utility statement has run: errors on what it must not have done */
extern void utility_check_done(Node *parsetree);

/* ---------------------------------------------------------------------
 * citus.c: on a Citus table, the purpose and recipient must be the ones
 * SET LOCAL sent to the workers' sessions; officer statements turn
 * enforcement off there; Citus's own copy of a shard it moves runs
 * unenforced for a superuser (doc/scaling.md)
 * ---------------------------------------------------------------------
 */
extern void citus_note_setting(Node *parsetree);	/* a utility statement has run */
extern void citus_xact_callback(XactEvent event);
extern void citus_subxact_callback(SubXactEvent event, SubTransactionId subid);
/* executor start, a Citus table relid: refused unless the workers have them */
extern void citus_check_settings(Oid relid, const PurposeInfo *purpose);
/* around an officer's statement (officer) or Citus's copy of local rows */
extern void citus_workers_enforce(bool on, bool officer);
/* Citus's copy of a shard to another worker: the fmgr hooks' parts */
extern bool citus_shard_copy_function(Oid fn_oid);
extern void citus_shard_copy_hook(FmgrHookEventType event, FmgrInfo *flinfo);
/* a protected relation read inside a shard copy by a role that is not a superuser */
extern void citus_check_shard_copy(Oid relid);
/* a logical replication worker applying a Citus shard move's changes to a shard */
extern bool citus_applies_shard_move(Oid relid);
/* COPY FROM by a superuser into a shard on its way to this worker: run unenforced */
extern bool citus_copy_into_arriving_shard(Node *parsetree);
/* a shard of a Citus table without its write trigger yet: on its way here */
extern bool citus_shard_arriving(Oid relid);
/* ... then its table's unique index, built by its owner (utility.c): allowed */
extern bool citus_shard_gets_table_index(Oid relid, const char *name, bool primary,
										 bool nulls_not_distinct, const char *access_method,
										 List *keys, List *including);
/* ALTER ROLE ... NOSUPERUSER of a Citus shard move's subscription owner: it bypasses RLS */
extern PlannedStmt *citus_subscription_role(PlannedStmt *pstmt, bool *readOnlyTree);
/* compliance.enforce = off at a new GUC nest level, as a function's SET clause; returns it */
extern int	citus_enforce_off(void);

/* ---------------------------------------------------------------------
 * capture.c: automatic capture of disclosures while compliance.recipient
 * is set; the planner's half (the capture call), a shared-memory ring per
 * database and a background writer
 * ---------------------------------------------------------------------
 */
extern void capture_shmem_request(void);
extern void capture_shmem_startup(void);
extern void capture_add_to_query(Query *parse, bool top);	/* planner */
extern void capture_plan_relation(PlannerInfo *root, RelOptInfo *rel);	/* get_relation_info */
extern void capture_statement_start(StatementSettings *settings);
extern void capture_statement_end(void);	/* ExecutorEnd */
extern void capture_durable_point(void);	/* a client's statement, FETCH, run of a portal */
extern void capture_xact_callback(XactEvent event);
extern void capture_recipient_changed(void);
extern void capture_settings_changed(void);

/* ---------------------------------------------------------------------
 * capture_guard.c: what a statement may do with protected rows while
 * compliance.recipient is set, where capture.c could not log exactly:
 * data-modifying statements copying them, functions that are not trusted
 * run on them, cursors and plans run for another recipient (refused); the
 * text of a data error that may show a value (withheld)
 * ---------------------------------------------------------------------
 */
struct QueryDesc;
extern void capture_guard_query(Query *query);	/* planner, before the capture */
extern void capture_guard_relation(PlannerInfo *root, RelOptInfo *rel, Oid relid);	/* get_relation_info */
extern void capture_guard_mark_plan(PlannedStmt *stmt);	/* planner, the plan made */
/* ExecutorRun: true if the run reads protected rows for a recipient */
extern bool capture_guard_run(struct QueryDesc *queryDesc);
/* in its PG_CATCH: rethrows a data error with its text withheld */
extern void capture_guard_withhold(MemoryContext cxt);
extern void capture_guard_fetch(const char *name);	/* FETCH, MOVE */

/* ---------------------------------------------------------------------
 * messages.c: the valid labels added as the hint to PostgreSQL's errors
 * about the extension's enums (emit_log_hook)
 * ---------------------------------------------------------------------
 */
extern void messages_add_hints(ErrorData *edata);

/* ---------------------------------------------------------------------
 * ledger.c: hash chains of the append-only ledgers (ledger_digest; in
 * bulk ledger_chain_next) and the trigger refusing
 * UPDATE/DELETE/TRUNCATE on them (ledger_guard)
 * ---------------------------------------------------------------------
 */

/* ---------------------------------------------------------------------
 * purpose.c: the compliance.purpose type (fixed size, code as text)
 * ---------------------------------------------------------------------
 */
extern bool purpose_code_is_valid(const char *code, int len);

/* ---------------------------------------------------------------------
 * purpose_set.c, purpose_set_ops.c, purpose_set_gin.c: compliance.purpose_set
 * purpose_set_parse.c: its literal parser, free of server headers (fuzzable)
 * ---------------------------------------------------------------------
 */
typedef struct PurposeSet PurposeSet;	/* opaque varlena; see purpose_set.c */

#define DatumGetPurposeSetP(d)	((PurposeSet *) PG_DETOAST_DATUM(d))
#define PG_GETARG_PURPOSE_SET(n)	DatumGetPurposeSetP(PG_GETARG_DATUM(n))
#define PG_RETURN_PURPOSE_SET(p)	PG_RETURN_POINTER(p)

extern PurposeSet *purpose_set_from_ids(const PurposeId *ids, int nids);
extern int	purpose_set_ids(const PurposeSet *set, PurposeId **ids);	/* ascending */
extern bool purpose_set_contains(const PurposeSet *set, PurposeId id);
extern bool purpose_set_is_empty(const PurposeSet *set);
extern char *purpose_set_to_cstring(const PurposeSet *set);

/* ---------------------------------------------------------------------
 * consent.c / consent_io.c / consent_parse.c: the compliance.consent type,
 * one consent receipt (Art. 5.7: the processor must be able to prove
 * consent); consent.c validates and takes it apart, consent_io.c reads and
 * writes its text, binary and jsonb forms (consent.h is what they share),
 * consent_parse.c is its literal parser, free of server headers (fuzzable)
 * ---------------------------------------------------------------------
 */
typedef struct Consent Consent; /* opaque varlena; layout in consent.c */

#define DatumGetConsentP(d)		((Consent *) PG_DETOAST_DATUM(d))
#define PG_GETARG_CONSENT(n)	DatumGetConsentP(PG_GETARG_DATUM(n))
#define PG_RETURN_CONSENT(c)	PG_RETURN_POINTER(c)

#define CONSENT_SUBJECT_MAXLEN	1024	/* bytes of a subject key */
#define CONSENT_DIGEST_LEN		32	/* SHA-256 */

#endif							/* COMPLIANCE_H */
