/*-------------------------------------------------------------------------
 *
 * capture_guard.c
 *	  What a statement may do with protected rows while compliance.recipient
 *	  is set, where capture.c could not log exactly whose data leave: an
 *	  allow-list, and a refusal for the rest (Art. 12 of Law 99-Z).
 *
 * capture.c logs the subjects of the rows a query returns.  Three ways let
 * values of protected rows reach a recipient without passing through the
 * capture, and are refused here instead:
 *
 * - A data-modifying statement that reads a protected relation other than
 *   as the table it changes (INSERT ... SELECT, UPDATE ... FROM, DELETE ...
 *   USING, MERGE ... USING, a sublink, a CTE): the values it writes go
 *   wherever the written table goes, and what it returns is not the
 *   subject it returns it for.  It may change a protected table itself,
 *   whose RETURNING capture.c logs (capture_guard_query, from the planner
 *   hook).
 * - A function other than a built-in one, the extension's or a trusted
 *   superuser's (owner_function_trusted, owner.c) in a statement that
 *   reads a protected relation: it receives values before the capture runs
 *   (at the top level the capture is the last column computed), and can
 *   show them in a NOTICE or an error for rows never returned.  Checked on
 *   the query before planning (capture_guard_query) and, for what the
 *   planner brings in itself (an inlined SQL function's body), on each
 *   level that scans a protected relation (capture_guard_relation).
 * - A cursor read under another recipient than the one in force when it
 *   was opened: its plan captures, and its statement records, for the
 *   recipient of its start.  Each run of an executor (a FETCH, MOVE, a
 *   PL/pgSQL FETCH, a portal run in parts) is checked against the settings
 *   its statement started with (capture_guard_run), and before a FETCH
 *   runs it (capture_guard_fetch, which leaves the cursor usable); a
 *   cursor WITH HOLD, whose rows were computed and captured at commit, is
 *   checked when fetched from after it.  Likewise a plan run for another
 *   recipient than it was made for (a SQL function's statements, planned
 *   when it starts): the plan carries the recipient it captures for
 *   (capture_guard_mark_plan).
 *
 * What is left (an error of a built-in function showing a value, such as
 * a failed cast): doc/reference.md, "Automatic capture".
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_proc.h"
#include "common/hashfn.h"
#include "executor/execdesc.h"
#include "nodes/execnodes.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "tcop/pquery.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/regproc.h"
#include "utils/typcache.h"

#include "compliance.h"

static const char *
recipient_now(void)
{
	return compliance_recipient != NULL ? compliance_recipient : "";
}

/* ---------------------------------------------------------------------
 * Data-modifying statements: the protected relations they read
 * ---------------------------------------------------------------------
 */
typedef struct SourceContext
{
	List	   *targets;		/* range table entries the statement changes */
	List	   *ctes;			/* names of the statement's CTEs that read protected rows */
	List	   *cte_tables;		/* and the protected table each reads */
	Oid			found;			/* the protected table read, or InvalidOid */
} SourceContext;

/* Does the tree read a protected relation, other than cxt->targets? */
static bool
find_source(Node *node, void *context)
{
	SourceContext *cxt = context;

	if (node == NULL)
		return false;
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;
		const Protection *p;
		ListCell   *name;
		ListCell   *table;

		if (list_member_ptr(cxt->targets, rte))
			return false;
		if (rte->rtekind == RTE_RELATION && (p = protection_lookup(rte->relid)) != NULL)
		{
			cxt->found = p->protected_relid;
			return true;
		}
		/* by name: a CTE of the same name nearer would only refuse more */
		if (rte->rtekind == RTE_CTE)
			forboth(name, cxt->ctes, table, cxt->cte_tables)
			{
				if (strcmp(strVal(lfirst(name)), rte->ctename) == 0)
				{
					cxt->found = lfirst_oid(table);
					return true;
				}
			}
		return false;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, find_source, context,
								 QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, find_source, context);
}

/* The range table entries a data-modifying query changes (not reads). */
static List *
changed_entries(Query *query)
{
	List	   *targets = NIL;

	if (query->resultRelation > 0)
		targets = lappend(targets, rt_fetch(query->resultRelation, query->rtable));
	/* ON CONFLICT's excluded row is the row being inserted */
	if (query->onConflict != NULL && query->onConflict->exclRelIndex > 0)
		targets = lappend(targets, rt_fetch(query->onConflict->exclRelIndex, query->rtable));
	return targets;
}

pg_noreturn static void
refuse_copy(Oid relid)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("a data-modifying statement cannot read protected rows while a recipient is declared"),
			 errdetail("The statement reads table \"%s\" to write or return other rows; the values it copies could reach recipient \"%s\" with no record naming their subjects (Art. 12 of Law 99-Z).",
					   get_rel_name(relid), recipient_now()),
			 errhint("Run the statement with compliance.recipient reset, or read the rows with SELECT under the recipient.")));
}

/*
 * Refuses a data-modifying statement, or data-modifying CTE, that reads a
 * protected relation other than the one it changes.  Only a statement's
 * top level may modify data, in itself and in its WITH.
 */
static void
check_writes(Query *query)
{
	SourceContext cxt = {NIL, NIL, NIL, InvalidOid};
	ListCell   *lc;

	/* the CTEs whose rows carry protected values, each after those it may name */
	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = lfirst(lc);

		cxt.found = InvalidOid;
		if (IsA(cte->ctequery, Query) && find_source(cte->ctequery, &cxt))
		{
			cxt.ctes = lappend(cxt.ctes, makeString(cte->ctename));
			cxt.cte_tables = lappend_oid(cxt.cte_tables, cxt.found);
		}
	}
	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = lfirst(lc);
		Query	   *cteq = (Query *) cte->ctequery;

		if (!IsA(cteq, Query) || cteq->commandType == CMD_SELECT)
			continue;
		cxt.targets = changed_entries(cteq);
		cxt.found = InvalidOid;
		if (query_tree_walker(cteq, find_source, &cxt, QTW_EXAMINE_RTES_BEFORE))
			refuse_copy(cxt.found);
	}
	if (query->commandType == CMD_SELECT)
		return;
	cxt.targets = changed_entries(query);
	cxt.found = InvalidOid;
	/* its WITH is read where it is named, and was checked above */
	if (query_tree_walker(query, find_source, &cxt,
						  QTW_EXAMINE_RTES_BEFORE | QTW_IGNORE_CTE_SUBQUERIES))
		refuse_copy(cxt.found);
}

/* ---------------------------------------------------------------------
 * Functions run on protected rows
 * ---------------------------------------------------------------------
 */
static bool
untrusted(Oid fn_oid, void *context)
{
	bool		trigger;

	if (owner_function_trusted(fn_oid, &trigger))
		return false;
	*(Oid *) context = fn_oid;
	return true;
}

/* Does the expression read a column, of any level? */
static bool
any_column(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
		return true;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, any_column, context, 0);
	return expression_tree_walker(node, any_column, context);
}

/*
 * A volatile function given values of the rows (set_config, pg_notify, a
 * large object's write, an advisory lock) may carry them out of the
 * statement by its side effects, for rows never returned and never
 * logged: trusted or not, it is refused (the extension's own, the
 * capture among them, excepted).
 */
static bool
volatile_on_values(Node *node, Oid *fn_oid)
{
	FuncExpr   *f;

	if (!IsA(node, FuncExpr))
		return false;
	f = (FuncExpr *) node;
	/* a column of any level: an outer row's, through LATERAL or a sublink */
	if (func_volatile(f->funcid) != PROVOLATILE_VOLATILE || !any_column((Node *) f->args, NULL) ||
		get_func_namespace(f->funcid) == compliance_namespace())
		return false;
	*fn_oid = f->funcid;
	return true;
}

/*
 * Does the tree call a function owner_function_trusted() does not trust,
 * or a volatile one on values of the rows?
 */
static bool
find_untrusted(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, untrusted, context) ||
		volatile_on_values(node, (Oid *) context))
		return true;
	/* a domain's CHECK constraints get the value coerced */
	if (IsA(node, CoerceToDomain))
	{
		/* registers a callback on the context: not on the stack */
		DomainConstraintRef *ref = palloc0(sizeof(DomainConstraintRef));
		ListCell   *lc;

		InitDomainConstraintRef(((CoerceToDomain *) node)->resulttype, ref,
								CurrentMemoryContext, false);
		foreach(lc, ref->constraints)
			if (find_untrusted((Node *) ((DomainConstraintState *) lfirst(lc))->check_expr,
							   context))
				return true;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, find_untrusted, context, 0);
	return expression_tree_walker(node, find_untrusted, context);
}

pg_noreturn static void
refuse_function(Oid fn_oid, Oid relid)
{
	bool		trigger;

	if (owner_function_trusted(fn_oid, &trigger))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("function %s cannot run on protected rows read for a recipient",
						format_procedure(fn_oid)),
				 errdetail("The statement reads table \"%s\" for recipient \"%s\"; a volatile function given values of the rows could carry them out by its side effects (a setting, a notification, a lock) for rows never returned, so never logged (Art. 12 of Law 99-Z).",
						   get_rel_name(relid), recipient_now()),
				 errhint("Apply it to the values the query returns, or call it with compliance.recipient reset.")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("function %s cannot run on protected rows read for a recipient",
					format_procedure(fn_oid)),
			 errdetail("The statement reads table \"%s\" for recipient \"%s\"; a function that is not built in, the extension's or a superuser's could show the values it is given, in a notice or an error, before the rows are captured (Art. 12 of Law 99-Z).",
					   get_rel_name(relid), recipient_now()),
			 errhint("Read the rows with built-in functions and apply the function to the values returned, or call it with compliance.recipient reset; a superuser may take the function over (ALTER FUNCTION ... OWNER TO) if it keeps values to itself.")));
}

/* The protected relation a statement reads, or InvalidOid. */
static Oid
protected_read(Query *query)
{
	SourceContext cxt = {NIL, NIL, NIL, InvalidOid};

	(void) query_tree_walker(query, find_source, &cxt, QTW_EXAMINE_RTES_BEFORE);
	return cxt.found;
}

/*
 * The planner hook's part (compliance.c), while compliance.recipient is
 * set, before the capture is added: data-modifying statements read
 * protected relations only as the table they change, and a statement
 * reading one calls only trusted functions.
 */
void
capture_guard_query(Query *query)
{
	Oid			relid;
	Oid			fn_oid = InvalidOid;

	check_writes(query);
	relid = protected_read(query);
	if (OidIsValid(relid) && find_untrusted((Node *) query, &fn_oid))
		refuse_function(fn_oid, relid);
}

/*
 * The get_relation_info hook's part (compliance.c), for a protected
 * relation the planner is about to scan while a recipient is set, for
 * what the planner brought in itself (an inlined SQL function's body):
 * a data-modifying statement reads it only as the table it changes, and
 * this level and the levels above it call only trusted functions.
 */
void
capture_guard_relation(PlannerInfo *root, RelOptInfo *rel, Oid relid)
{
	Oid			fn_oid = InvalidOid;
	const Protection *p = protection_lookup(relid);
	Oid			table = p != NULL ? p->protected_relid : relid;
	PlannerInfo *level;

	/* the table a data-modifying level changes, or one a level below it reads */
	if (root->parse->commandType != CMD_SELECT)
	{
		if (!bms_is_member(rel->relid, root->all_result_relids))
			refuse_copy(table);
	}
	else
		for (level = root->parent_root; level != NULL; level = level->parent_root)
			if (level->parse->commandType != CMD_SELECT)
				refuse_copy(table);
	for (level = root; level != NULL; level = level->parent_root)
		if (find_untrusted((Node *) level->parse, &fn_oid))
			refuse_function(fn_oid, table);
}

/* ---------------------------------------------------------------------
 * Cursors: read under the recipient they were opened for
 * ---------------------------------------------------------------------
 */

/*
 * The recipient a plan was made for, kept in the plan itself so that it
 * survives the plan cache's copies: a PlanInvalItem with a cache id no
 * syscache has (PostgreSQL's invalidation compares ids, so never matches
 * it), and the hash of the recipient code.
 */
#define RECIPIENT_MARK	(-0x5243)

static uint32
recipient_hash(const char *recipient)
{
	return hash_bytes((const unsigned char *) recipient, strlen(recipient));
}

/*
 * The planner hook's last part (compliance.c): the plan captures for the
 * recipient in force now (capture_add_to_query), or for none.  A plan is
 * made before it runs, sometimes well before: a SQL function plans its
 * statements when it starts, so one that sets compliance.recipient would
 * run its next statement's plan, made without the capture, for it.
 */
void
capture_guard_mark_plan(PlannedStmt *stmt)
{
	PlanInvalItem *mark;
	ListCell   *lc;

	/* only a plan that reads a protected relation is checked when it runs */
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind == RTE_RELATION && protection_lookup(rte->relid) != NULL)
			break;
	}
	if (lc == NULL)
		return;
	mark = makeNode(PlanInvalItem);
	mark->cacheId = RECIPIENT_MARK;
	mark->hashValue = recipient_hash(recipient_now());
	stmt->invalItems = lappend(stmt->invalItems, mark);
}

/* Was the plan made for another recipient than this one? */
static bool
planned_for_other(PlannedStmt *stmt, const char *recipient)
{
	ListCell   *lc;

	if (stmt == NULL)
		return false;
	foreach(lc, stmt->invalItems)
	{
		PlanInvalItem *item = lfirst(lc);

		if (item->cacheId == RECIPIENT_MARK)
			return item->hashValue != recipient_hash(recipient);
	}
	return false;
}

pg_noreturn static void
refuse_plan(PlannedStmt *stmt, const char *recipient)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 recipient[0] == '\0'
			 ? errmsg("a statement planned for a recipient cannot run without it")
			 : !planned_for_other(stmt, "")
			 ? errmsg("a statement planned without a recipient cannot run for recipient \"%s\"",
					  recipient)
			 : errmsg("a statement planned for another recipient cannot run for recipient \"%s\"",
					  recipient),
			 errdetail("Its plan captures the rows of protected tables it returns for the recipient in force when it was planned, so run for another they would reach it with no record (Art. 12 of Law 99-Z)."),
			 errhint("Set compliance.recipient before the statement is planned: a SQL function plans its statements when it starts, so set it before calling the function, or in a PL/pgSQL function.")));
}

/* A cursor WITH HOLD whose rows were captured at commit, for a recipient. */
typedef struct HeldCursor
{
	Portal		portal;
	char	   *recipient;
	struct HeldCursor *next;
} HeldCursor;

static HeldCursor *held_cursors = NULL;

static void
forget_held_cursor(void *arg)
{
	HeldCursor **link = &held_cursors;

	while (*link != NULL && *link != arg)
		link = &(*link)->next;
	if (*link != NULL)
		*link = (*link)->next;
}

/* Kept in the cursor's hold context: gone with its rows. */
static void
remember_held_cursor(Portal portal, const char *recipient)
{
	HeldCursor *held;
	MemoryContextCallback *cb;

	for (held = held_cursors; held != NULL; held = held->next)
		if (held->portal == portal)
			return;
	held = MemoryContextAllocZero(portal->holdContext, sizeof(HeldCursor));
	cb = MemoryContextAllocZero(portal->holdContext, sizeof(MemoryContextCallback));
	held->portal = portal;
	held->recipient = MemoryContextStrdup(portal->holdContext, recipient);
	held->next = held_cursors;
	held_cursors = held;
	cb->func = forget_held_cursor;
	cb->arg = held;
	MemoryContextRegisterResetCallback(portal->holdContext, cb);
}

pg_noreturn static void
refuse_cursor(const char *name, const char *opened, const char *now)
{
	/* PL/pgSQL's loops and unnamed refcursors: "<unnamed portal N>" */
	bool		named = name != NULL && name[0] != '\0' && name[0] != '<';

	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 opened[0] == '\0'
			 ? errmsg("a cursor opened without a recipient cannot be read for recipient \"%s\"", now)
			 : now[0] == '\0'
			 ? errmsg("a cursor opened for recipient \"%s\" cannot be read without it", opened)
			 : errmsg("a cursor opened for recipient \"%s\" cannot be read for recipient \"%s\"",
					  opened, now),
			 named
			 ? errdetail("Cursor \"%s\" returns rows of protected tables, captured for the recipient in force when it was opened: read under another, they would reach it with no record (Art. 12 of Law 99-Z).", name)
			 : errdetail("The cursor returns rows of protected tables, captured for the recipient in force when it was opened: read under another, they would reach it with no record (Art. 12 of Law 99-Z)."),
			 errhint("Set compliance.recipient back to what it was when the cursor was opened, or close the cursor and open it again under the recipient.")));
}

/*
 * The ExecutorRun hook's part (compliance.c): a run of a statement that
 * reads a protected relation (its settings were fixed at its start, see
 * compliance_fix_statement_settings) with a plan made for the recipient it
 * started with, and under that recipient.
 * Only a cursor, a PL/pgSQL cursor or a portal run in parts can run after
 * the recipient changed.  A cursor WITH HOLD computes its rows at commit
 * (a run too): its recipient is kept for the fetches after it.  True if
 * the run reads protected rows for a recipient: its data errors are
 * withheld (capture_guard_withhold).
 */
bool
capture_guard_run(QueryDesc *queryDesc)
{
	const StatementSettings *settings;
	Portal		portal = ActivePortal != NULL && ActivePortal->queryDesc == queryDesc
		? ActivePortal : NULL;

	if (queryDesc->estate == NULL)
		return false;
	settings = compliance_statement_settings(queryDesc->estate->es_query_cxt);
	if (settings == NULL)
		return false;
	if (planned_for_other(queryDesc->plannedstmt, settings->recipient))
		refuse_plan(queryDesc->plannedstmt, settings->recipient);
	if (strcmp(settings->recipient, recipient_now()) != 0)
		refuse_cursor(portal != NULL ? portal->name : NULL, settings->recipient,
					  recipient_now());
	if (portal != NULL && (portal->cursorOptions & CURSOR_OPT_HOLD) &&
		portal->holdContext != NULL)
		remember_held_cursor(portal, settings->recipient);
	return settings->recipient[0] != '\0';
}

/*
 * The ProcessUtility hook's part (compliance.c), for FETCH and MOVE, before
 * the cursor runs: refused there, the cursor can still be read once the
 * recipient is set back (capture_guard_run, refusing inside the run, marks
 * it failed).  A cursor WITH HOLD after the commit that computed its rows
 * runs no executor; it is read under the recipient its rows were captured
 * for.
 */
void
capture_guard_fetch(const char *name)
{
	Portal		portal;
	HeldCursor *held;
	const StatementSettings *settings;

	if (name == NULL || (portal = GetPortalByName(name)) == NULL)
		return;
	if (portal->queryDesc != NULL)
	{
		settings = portal->queryDesc->estate == NULL ? NULL
			: compliance_statement_settings(portal->queryDesc->estate->es_query_cxt);
		if (settings != NULL && strcmp(settings->recipient, recipient_now()) != 0)
			refuse_cursor(name, settings->recipient, recipient_now());
		return;
	}
	for (held = held_cursors; held != NULL; held = held->next)
		if (held->portal == portal && strcmp(held->recipient, recipient_now()) != 0)
			refuse_cursor(name, held->recipient, recipient_now());
}

/* ---------------------------------------------------------------------
 * Errors that may show a value
 * ---------------------------------------------------------------------
 */

/* Raised by the extension's policy code? */
static bool
own_error(const ErrorData *edata)
{
	/*
	 * Raised in the extension's C code (its own message domain) by the
	 * modules that decide what a read may do, whose messages name no
	 * value but a row's subject: not by its types' input functions or its
	 * SQL functions, which echo what they were given ("invalid input
	 * syntax for type purpose: ...") and can be called on any column.
	 */
	static const char *const policy_files[] = {
		"capture.c", "capture_guard.c", "cache.c", "enforce.c", "row_security.c", "session.c",
	};

	if (edata->domain == NULL || strcmp(edata->domain, TEXTDOMAIN) != 0 || edata->filename == NULL)
		return false;
	for (size_t i = 0; i < lengthof(policy_files); i++)
		if (strcmp(edata->filename, policy_files[i]) == 0)
			return true;
	return false;
}

/*
 * Called by compliance.c in the PG_CATCH of a run that reads protected
 * rows for a recipient (capture_guard_run), in the memory context cxt the
 * run was called in.  A data exception (22) or integrity violation (23)
 * raised by PostgreSQL while such a run goes on may show a value of a row
 * that was never returned, so never captured: a failed cast ("invalid
 * input syntax for type integer: ..."), a value out of range, a key or a
 * failing row in the detail.  It is thrown on with its SQLSTATE and a text
 * that withholds the value, before anything can catch it (a PL/pgSQL
 * EXCEPTION block's SQLERRM) or log it: the server log would keep the
 * value beyond the reach of erasure.  Other errors, and the extension's
 * own, return to be thrown on unchanged.
 */
void
capture_guard_withhold(MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ErrorData  *edata = CopyErrorData();
	int			category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);

	/*
	 * Passed on unchanged: the extension's policy errors, and the classes
	 * that are about the session, never a value (connection, transaction
	 * state, rollback, resources, object state, operator intervention,
	 * system); every other class can show one (a tsquery's syntax error, a
	 * regclass's missing relation, an internal error naming a number).
	 */
	if (edata->elevel != ERROR || own_error(edata) ||
		category == ERRCODE_TO_CATEGORY(ERRCODE_CONNECTION_EXCEPTION) ||
		category == ERRCODE_TO_CATEGORY(ERRCODE_INVALID_TRANSACTION_STATE) ||
		category == ERRCODE_TO_CATEGORY(ERRCODE_TRANSACTION_ROLLBACK) ||
		category == ERRCODE_TO_CATEGORY(ERRCODE_INSUFFICIENT_RESOURCES) ||
		category == ERRCODE_TO_CATEGORY(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE) ||
		category == ERRCODE_TO_CATEGORY(ERRCODE_OPERATOR_INTERVENTION) ||
		category == ERRCODE_TO_CATEGORY(ERRCODE_SYSTEM_ERROR))
	{
		FreeErrorData(edata);
		MemoryContextSwitchTo(old);
		return;
	}
	FlushErrorState();
	edata->message = pstrdup("an error on a row of a protected table read for a recipient is withheld");
	edata->message_id = edata->message;
	edata->detail = psprintf("Its text may show a value that was not returned, so not logged as provided to recipient \"%s\" (Art. 12 of Law 99-Z); its SQLSTATE is kept.",
							 recipient_now());
	edata->detail_log = NULL;
	edata->hint = pstrdup("Run the statement with compliance.recipient reset to see the error, or make the query skip such values (a CASE or a pattern test before a cast).");
	edata->context = NULL;
	edata->backtrace = NULL;
	edata->internalquery = NULL;
	edata->internalpos = 0;
	MemoryContextSwitchTo(old);
	ReThrowError(edata);
}
