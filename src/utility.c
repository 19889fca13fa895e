/*-------------------------------------------------------------------------
 *
 * utility.c
 *	  Utility statements that would route around enforcement.
 *
 * COPY protected TO ... reads the heap directly, past the planner, so it
 * is run as COPY (SELECT ... FROM ONLY protected) TO ..., which the row
 * filter covers.  TRUNCATE would delete the rows of subjects the purpose
 * may not process, and disabling or dropping the write trigger, or
 * renaming the columns protection is registered by, would switch
 * enforcement off; those are refused while compliance.enforce is on
 * (only a superuser may turn it off).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"

#include "compliance.h"

#define WRITE_TRIGGER_NAME	"compliance_enforce_write"

static ProcessUtility_hook_type prev_utility_hook = NULL;

static const Protection *
protected_rangevar(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	return OidIsValid(relid) ? protection_lookup(relid) : NULL;
}

/* what: the refused action, phrased to end with "table" */
static void
refuse(const char *what, const char *relname, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot %s \"%s\"", what, relname),
			 errdetail("It would let personal data be processed without a declared purpose, consent or despite a block (Art. 4, 10, 13 of Law 99-Z)."),
			 errhint("%s", hint)));
}

/* COPY protected TO ...  ->  COPY (SELECT cols FROM ONLY protected) TO ... */
static CopyStmt *
copy_through_row_filter(CopyStmt *stmt)
{
	CopyStmt   *copy = copyObject(stmt);
	SelectStmt *select = makeNode(SelectStmt);
	RangeVar   *from = copyObject(stmt->relation);
	ListCell   *lc;

	from->inh = false;
	if (stmt->attlist == NIL)
	{
		ColumnRef  *star = makeNode(ColumnRef);
		ResTarget  *target = makeNode(ResTarget);

		star->fields = list_make1(makeNode(A_Star));
		star->location = -1;
		target->val = (Node *) star;
		target->location = -1;
		select->targetList = list_make1(target);
	}
	else
		foreach(lc, stmt->attlist)
		{
			ColumnRef  *col = makeNode(ColumnRef);
			ResTarget  *target = makeNode(ResTarget);

			col->fields = list_make1(makeString(strVal(lfirst(lc))));
			col->location = -1;
			target->val = (Node *) col;
			target->location = -1;
			select->targetList = lappend(select->targetList, target);
		}
	select->fromClause = list_make1(from);
	copy->relation = NULL;
	copy->attlist = NIL;
	copy->query = (Node *) select;
	return copy;
}

static bool
names_write_trigger(const char *trigname)
{
	return trigname == NULL || strcmp(trigname, WRITE_TRIGGER_NAME) == 0;
}

static void
check_alter_table(AlterTableStmt *stmt)
{
	const Protection *p = protected_rangevar(stmt->relation);
	ListCell   *lc;

	if (p == NULL)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		switch (cmd->subtype)
		{
			case AT_DisableTrig:
			case AT_EnableReplicaTrig:
			case AT_EnableTrig:
				if (names_write_trigger(cmd->name))
					refuse("change the enforcement trigger of protected table", stmt->relation->relname,
						   "Call compliance.unprotect() to stop protecting the table.");
				break;
			case AT_DisableTrigAll:
			case AT_DisableTrigUser:
				refuse("disable the enforcement trigger of protected table", stmt->relation->relname,
					   "Disable other triggers by name, or call compliance.unprotect().");
				break;
			case AT_DetachPartition:
#if PG_VERSION_NUM >= 140000
			case AT_DetachPartitionFinalize:
#endif
			case AT_DropInherit:
				/* the detached table would keep its rows without protection */
				refuse("detach a partition or child of protected table", stmt->relation->relname,
					   "Copy the rows you may process into a new table under a declared purpose, or ask a superuser.");
				break;
			default:
				break;
		}
	}
}

static void
check_rename(RenameStmt *stmt)
{
	const Protection *p;

	if (stmt->relation == NULL ||
		(stmt->renameType != OBJECT_COLUMN && stmt->renameType != OBJECT_TRIGGER))
		return;
	p = protected_rangevar(stmt->relation);
	if (p == NULL)
		return;
	if (stmt->renameType == OBJECT_TRIGGER)
	{
		if (names_write_trigger(stmt->subname))
			refuse("rename the enforcement trigger of protected table", stmt->relation->relname,
				   "Leave the trigger as it is; compliance.unprotect() removes it.");
		return;
	}
	{
		AttrNumber	attno = get_attnum(p->relid, stmt->subname);

		if (attno == p->subject_attno || bms_is_member(attno, p->special_attnos))
			refuse("rename a registered column of protected table", stmt->relation->relname,
				   "Call compliance.unprotect(), rename the column, then compliance.protect() again.");
	}
}

static void
check_drop_trigger(DropStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		List	   *names = lfirst(lc);
		RangeVar   *rel;

		if (!names_write_trigger(strVal(llast(names))))
			continue;
		rel = makeRangeVarFromNameList(list_truncate(list_copy(names), list_length(names) - 1));
		if (protected_rangevar(rel) != NULL)
			refuse("drop the enforcement trigger of protected table", rel->relname,
				   "Call compliance.unprotect() to stop protecting the table.");
	}
}

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

/* Statements a utility runs (DO, CALL, CREATE ... AS) are nested ones. */
static void
run_nested_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				   ProcessUtilityContext context, ParamListInfo params,
				   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	compliance_enter_statement();
	PG_TRY();
	{
		run_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		compliance_leave_statement();
	}
	PG_END_TRY();
}

static void
compliance_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				   ProcessUtilityContext context, ParamListInfo params,
				   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	/* nothing to check in an aborted transaction (ROLLBACK) or outside one */
	if (compliance_enforce && IsTransactionState() && protection_any())
	{
		switch (nodeTag(parsetree))
		{
			case T_CopyStmt:
				{
					CopyStmt   *copy = (CopyStmt *) parsetree;

					if (!copy->is_from && copy->relation != NULL &&
						protected_rangevar(copy->relation) != NULL)
					{
						PlannedStmt *filtered = copyObject(pstmt);

						filtered->utilityStmt = (Node *) copy_through_row_filter(copy);
						pstmt = filtered;
						readOnlyTree = false;
					}
					break;
				}
			case T_TruncateStmt:
				{
					ListCell   *lc;

					foreach(lc, ((TruncateStmt *) parsetree)->relations)
						if (protected_rangevar(lfirst(lc)) != NULL)
							refuse("truncate protected table", ((RangeVar *) lfirst(lc))->relname,
								   "Delete rows under a declared purpose, or erase a subject with compliance.erase_subject().");
					break;
				}
			case T_AlterTableStmt:
				if (!superuser())
					check_alter_table((AlterTableStmt *) parsetree);
				break;
			case T_RenameStmt:
				check_rename((RenameStmt *) parsetree);
				break;
			case T_DropStmt:
				if (((DropStmt *) parsetree)->removeType == OBJECT_TRIGGER && !superuser())
					check_drop_trigger((DropStmt *) parsetree);
				break;
			default:
				break;
		}
	}

	/*
	 * What COPY, EXECUTE and DECLARE CURSOR run is what the client
	 * receives; statements other utilities run are nested.
	 */
	if (IsA(parsetree, CopyStmt) || IsA(parsetree, ExecuteStmt) ||
		IsA(parsetree, DeclareCursorStmt))
		run_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		run_nested_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

void
utility_init(void)
{
	prev_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = compliance_utility;
}
