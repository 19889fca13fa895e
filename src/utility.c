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
 * (only a superuser may turn it off).  So are, for other roles, the
 * statements that hand every stored row to an expression of the caller's
 * choosing past the row filter (expression and partial indexes, USING,
 * CHECK, generated columns, expression statistics), and BEFORE row
 * triggers that would change a row after the write check has seen it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "utils/fmgroids.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"

#include "compliance.h"

#define WRITE_TRIGGER_NAME	"compliance_enforce_write"


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

/*
 * Index builds, table rewrites and constraint validation evaluate their
 * expressions on every stored row, past the row filter: a function of the
 * caller's would see (and could print) rows of subjects the caller may not
 * process.  Plain column indexes and constraints stay possible.
 */
static void
refuse_row_expression(const char *relname)
{
	refuse("evaluate an expression over every row of protected table", relname,
		   "Index, check or compute plain columns only, or ask a superuser to run the statement.");
}

/* A constraint or column definition that is checked against stored rows. */
static bool
evaluates_stored_rows(Node *def)
{
	List	   *constraints = NIL;
	ListCell   *lc;

	if (def == NULL)
		return false;
	if (IsA(def, Constraint))
		constraints = list_make1(def);
	else if (IsA(def, ColumnDef))
		constraints = ((ColumnDef *) def)->constraints;
	foreach(lc, constraints)
	{
		Constraint *con = lfirst(lc);

		if (!IsA(con, Constraint))
			continue;
		if ((con->contype == CONSTR_CHECK && !con->skip_validation) ||
			con->contype == CONSTR_GENERATED ||
			(con->contype == CONSTR_EXCLUSION && con->where_clause != NULL))
			return true;
		if (con->contype == CONSTR_EXCLUSION)
		{
			ListCell   *el;

			foreach(el, con->exclusions)
			{
				IndexElem  *elem = linitial((List *) lfirst(el));

				if (elem->expr != NULL)
					return true;
			}
		}
	}
	return false;
}

static void
check_create_index(IndexStmt *stmt)
{
	ListCell   *lc;

	if (protected_rangevar(stmt->relation) == NULL)
		return;
	if (stmt->whereClause != NULL)
		refuse_row_expression(stmt->relation->relname);
	foreach(lc, stmt->indexParams)
		if (((IndexElem *) lfirst(lc))->expr != NULL)
			refuse_row_expression(stmt->relation->relname);
}

static void
check_create_statistics(CreateStatsStmt *stmt)
{
	ListCell   *lc;

	if (list_length(stmt->relations) != 1 || !IsA(linitial(stmt->relations), RangeVar) ||
		protected_rangevar(linitial(stmt->relations)) == NULL)
		return;
	foreach(lc, stmt->exprs)
		if (((StatsElem *) lfirst(lc))->expr != NULL)
			refuse_row_expression(((RangeVar *) linitial(stmt->relations))->relname);
}

/*
 * CREATE OR REPLACE TRIGGER compliance_enforce_write would swap the check
 * for a function of the caller's.  A BEFORE row trigger on INSERT or UPDATE
 * fires in name order, so one named after the write check could change the
 * row after the check, e.g. to a blocked subject.
 */
static void
check_create_trigger(CreateTrigStmt *stmt)
{
	if (protected_rangevar(stmt->relation) == NULL)
		return;
	if (names_write_trigger(stmt->trigname))
		refuse("replace the enforcement trigger of protected table", stmt->relation->relname,
			   "Give your trigger another name; compliance.unprotect() removes the enforcement trigger.");
	if (stmt->row && TRIGGER_FOR_BEFORE(stmt->timing) &&
		(stmt->events & (TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE)) != 0 &&
		strcmp(stmt->trigname, WRITE_TRIGGER_NAME) > 0)
		refuse("add a BEFORE trigger after the enforcement trigger of protected table",
			   stmt->relation->relname,
			   "Triggers fire in name order: name it so that it sorts before \"" WRITE_TRIGGER_NAME "\", then the write check sees the row as it is stored.");
}

/*
 * The planner does not add the row filter to a relation whose security
 * quals already call compliance.row_allowed(), so a row level security
 * policy calling it (say, for a constant consenting subject) would stand
 * in for the real filter.  Only the planner may place that call.
 */
static bool
calls_row_filter(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall) &&
		strcmp(strVal(llast(((FuncCall *) node)->funcname)), "row_allowed") == 0)
		return true;
	return raw_expression_tree_walker(node, calls_row_filter, context);
}

static void
check_policy(const char *relname, Node *qual, Node *with_check)
{
	if (calls_row_filter(qual, NULL) || calls_row_filter(with_check, NULL))
		refuse("call the row filter in a policy on table", relname,
			   "Write the policy without compliance.row_allowed(); enforcement adds the row filter to every protected table itself.");
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
			case AT_AlterColumnType:
				if (((ColumnDef *) cmd->def)->raw_default != NULL)
					refuse_row_expression(stmt->relation->relname);
				break;
			case AT_AddConstraint:
			case AT_AddColumn:
				if (evaluates_stored_rows(cmd->def))
					refuse_row_expression(stmt->relation->relname);
				break;
			case AT_ValidateConstraint:
				refuse_row_expression(stmt->relation->relname);
				break;
			case AT_DetachPartition:
			case AT_DetachPartitionFinalize:
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

/* Is the named trigger of the relation a BEFORE row trigger on INSERT or UPDATE? */
static bool
is_before_write_trigger(Oid relid, const char *trigname)
{
	Relation	tgrel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		result = false;

	tgrel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_trigger_tgrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	ScanKeyInit(&key[1], Anum_pg_trigger_tgname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(trigname));
	scan = systable_beginscan(tgrel, TriggerRelidNameIndexId, true, NULL, 2, key);
	if (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		int16		type = ((Form_pg_trigger) GETSTRUCT(tuple))->tgtype;

		result = TRIGGER_FOR_ROW(type) && TRIGGER_FOR_BEFORE(type) &&
			(TRIGGER_FOR_INSERT(type) || TRIGGER_FOR_UPDATE(type));
	}
	systable_endscan(scan);
	table_close(tgrel, AccessShareLock);
	return result;
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
		/* a BEFORE trigger renamed past the write check (see check_create_trigger) */
		if (!superuser() && strcmp(stmt->newname, WRITE_TRIGGER_NAME) > 0 &&
			is_before_write_trigger(p->relid, stmt->subname))
			refuse("rename a trigger past the enforcement trigger of protected table",
				   stmt->relation->relname,
				   "Triggers fire in name order: choose a name that sorts before \"" WRITE_TRIGGER_NAME "\".");
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

/*
 * The ProcessUtility hook's part (compliance.c): refuses DDL that would
 * route around enforcement, and returns the statement to run: pstmt, or
 * for COPY TO of a protected table a copy reading through the row filter
 * (then *readOnlyTree is false).
 */
PlannedStmt *
utility_check(PlannedStmt *pstmt, bool *readOnlyTree)
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
						*readOnlyTree = false;
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
			case T_CreatePolicyStmt:
				check_policy(((CreatePolicyStmt *) parsetree)->table->relname,
							 ((CreatePolicyStmt *) parsetree)->qual,
							 ((CreatePolicyStmt *) parsetree)->with_check);
				break;
			case T_AlterPolicyStmt:
				check_policy(((AlterPolicyStmt *) parsetree)->table->relname,
							 ((AlterPolicyStmt *) parsetree)->qual,
							 ((AlterPolicyStmt *) parsetree)->with_check);
				break;
			case T_CreateTrigStmt:
				if (!superuser())
					check_create_trigger((CreateTrigStmt *) parsetree);
				break;
			case T_IndexStmt:
				if (!superuser())
					check_create_index((IndexStmt *) parsetree);
				break;
			case T_CreateStatsStmt:
				if (!superuser())
					check_create_statistics((CreateStatsStmt *) parsetree);
				break;
			case T_DropStmt:
				if (((DropStmt *) parsetree)->removeType == OBJECT_TRIGGER && !superuser())
					check_drop_trigger((DropStmt *) parsetree);
				break;
			default:
				break;
		}
	}

	return pstmt;
}
