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

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_range.h"
#include "catalog/pg_statistic_ext.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "parser/parse_utilcmd.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "compliance.h"

#define WRITE_TRIGGER_NAME	"compliance_enforce_write"


/*
 * The relation a statement names, locked as the statement itself will
 * lock it, with the name in the statement pinned to the schema it was
 * found in: between this check and the command nobody can rename, move or
 * shadow the table, so both see the same one (no check-then-use by name).
 * The statement must be a copy the hook may change.
 */
static Oid
lock_named_relation(RangeVar *rv, LOCKMODE lockmode, bool missing_ok,
					RangeVarGetRelidCallback callback)
{
	Oid			relid = RangeVarGetRelidExtended(rv, lockmode, missing_ok ? RVR_MISSING_OK : 0,
												 callback, NULL);

	if (OidIsValid(relid) && rv->schemaname == NULL)
		rv->schemaname = get_namespace_name(get_rel_namespace(relid));
	return relid;
}

/* Is the relation, or (inh) any of its partitions or children, protected? */
static const Protection *
protected_tree(Oid relid, bool inh)
{
	const Protection *p;
	List	   *rels;
	ListCell   *lc;

	if (!OidIsValid(relid))
		return NULL;
	if ((p = protection_lookup_ddl(relid)) != NULL || !inh || !has_subclass(relid))
		return p;
	rels = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, rels)
		if ((p = protection_lookup_ddl(lfirst_oid(lc))) != NULL)
			return p;
	return NULL;
}

/* The named relation's protection, found as lock_named_relation() finds it */
static const Protection *
protected_rangevar(RangeVar *rv, LOCKMODE lockmode)
{
	Oid			relid = lock_named_relation(rv, lockmode, true, NULL);

	return OidIsValid(relid) ? protection_lookup_ddl(relid) : NULL;
}

/* For TRUNCATE: the caller must have the privilege before anything is locked. */
static void
callback_for_truncate(const RangeVar *rv, Oid relid, Oid oldrelid, void *arg)
{
	AclResult	aclresult;

	if (!OidIsValid(relid))
		return;
	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_TRUNCATE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, get_relkind_objtype(get_rel_relkind(relid)), rv->relname);
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

/*
 * Does the statement name the write trigger (NULL: every trigger)?  On a
 * Citus shard it is compliance_enforce_write_<shardid>: Citus names a
 * shard's triggers after the table's, with the shard's id appended.
 */
static bool
names_write_trigger(const char *trigname)
{
	size_t		len = strlen(WRITE_TRIGGER_NAME);

	if (trigname == NULL || strcmp(trigname, WRITE_TRIGGER_NAME) == 0)
		return true;
	if (strncmp(trigname, WRITE_TRIGGER_NAME "_", len + 1) != 0 || trigname[len + 1] == '\0')
		return false;
	for (const char *c = trigname + len + 1; *c != '\0'; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
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

/* Does the expression call a function the table's owner could replace? */
static bool
untrusted_function(Oid fn_oid, void *context)
{
	bool		trigger;

	return !owner_function_trusted(fn_oid, &trigger);
}

static bool type_runs_user_code(Oid typid, int depth);

/*
 * Does the expression call a function the table's owner could replace,
 * also through a cast to a domain, which runs the domain's checks (a
 * domain no protected column uses, so nothing else looks at them)?
 */
static bool
calls_untrusted_function(Node *node, void *context)
{
	static int	domain_depth = 0;
	bool		result;

	if (node == NULL)
		return false;
	if (check_functions_in_node(node, untrusted_function, context))
		return true;
	if (IsA(node, CoerceToDomain))
	{
		/* a domain whose check casts to itself is refused, not followed */
		if (domain_depth >= 16)
			return true;
		domain_depth++;
		PG_TRY();
		{
			result = type_runs_user_code(((CoerceToDomain *) node)->resulttype, 0);
		}
		PG_FINALLY();
		{
			domain_depth--;
		}
		PG_END_TRY();
		if (result)
			return true;
	}
	return expression_tree_walker(node, calls_untrusted_function, context);
}

/*
 * An index's expressions and predicate run over every stored row when it
 * is built, rebuilt (REINDEX, CLUSTER, VACUUM FULL) and analysed,
 * autovacuum's ANALYZE included, as the table's owner: a function the
 * owner can replace would see the rows of blocked subjects.  A superuser
 * may build such an index only on functions the owner cannot replace
 * (owner.c); protect() checks the indexes a table has already.
 */
static void
check_index_functions(Oid relid, IndexStmt *stmt)
{
	IndexStmt  *cooked;
	ListCell   *lc;
	bool		untrusted = false;

	cooked = transformIndexStmt(relid, copyObject(stmt), NULL);
	foreach(lc, cooked->indexParams)
		untrusted |= calls_untrusted_function(((IndexElem *) lfirst(lc))->expr, NULL);
	untrusted |= calls_untrusted_function(cooked->whereClause, NULL);
	if (untrusted)
		refuse("build an index on a function its owner could replace over protected table",
			   stmt->relation->relname,
			   "Index builds, REINDEX and ANALYZE (autovacuum's too) run it over every stored row as the table's owner; use built-in functions or functions of a superuser, or build it with compliance.enforce = off.");
}

/* Are the index's columns plain column names, as Citus's copy of an index names them? */
static bool
plain_columns(List *params)
{
	ListCell   *lc;

	foreach(lc, params)
	{
		IndexElem  *elem = lfirst(lc);

		if (elem->name == NULL || elem->expr != NULL || elem->collation != NIL ||
			elem->opclass != NIL || elem->opclassopts != NIL ||
			elem->ordering != SORTBY_DEFAULT || elem->nulls_ordering != SORTBY_NULLS_DEFAULT)
			return false;
	}
	return true;
}

/* The column names of index elements (plain_columns()), as String nodes */
static List *
column_names(List *params)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, params)
		names = lappend(names, makeString(((IndexElem *) lfirst(lc))->name));
	return names;
}

static void
check_create_index(IndexStmt *stmt)
{
	ListCell   *lc;
	Oid			relid = lock_named_relation(stmt->relation,
											stmt->concurrent ? ShareUpdateExclusiveLock : ShareLock,
											false, RangeVarCallbackOwnsRelation);

	if (protected_tree(relid, stmt->relation->inh) == NULL)
		return;
	if (superuser())
	{
		check_index_functions(relid, stmt);
		return;
	}
	if (stmt->whereClause != NULL)
		refuse_row_expression(stmt->relation->relname);
	foreach(lc, stmt->indexParams)
		if (((IndexElem *) lfirst(lc))->expr != NULL)
			refuse_row_expression(stmt->relation->relname);
	/* an operator class of the caller's would see every stored value */
	foreach(lc, stmt->indexParams)
		if (((IndexElem *) lfirst(lc))->opclass != NIL)
			refuse("build an index with a chosen operator class on protected table",
				   stmt->relation->relname,
				   "Use the default operator class, or ask a superuser to build it with compliance.enforce = off.");
	/* a duplicate stops the build with the key in the message */
	if ((stmt->unique || stmt->primary || stmt->excludeOpNames != NIL) &&
		!(stmt->excludeOpNames == NIL && plain_columns(stmt->indexParams) &&
		  plain_columns(stmt->indexIncludingParams) &&
		  citus_shard_gets_table_index(relid, stmt->idxname, stmt->primary,
									   stmt->nulls_not_distinct, stmt->accessMethod,
									   column_names(stmt->indexParams),
									   column_names(stmt->indexIncludingParams))))
		refuse("build a unique or exclusion index over the stored rows of protected table",
			   stmt->relation->relname,
			   "Ask a superuser to build it with compliance.enforce = off.");
}

static void
check_create_statistics(CreateStatsStmt *stmt)
{
	if (list_length(stmt->relations) != 1 || !IsA(linitial(stmt->relations), RangeVar) ||
		protected_rangevar(linitial(stmt->relations), ShareUpdateExclusiveLock) == NULL)
		return;
	/* the most common values and combinations are shown in pg_stats_ext */
	refuse("collect extended statistics on protected table",
		   ((RangeVar *) linitial(stmt->relations))->relname,
		   "Extended statistics publish stored values in pg_stats_ext; ask a superuser.");
}

/*
 * Is this pg_restore creating the write trigger of a protected table that
 * has it already?  Restoring the table's row level security (ALTER TABLE
 * ... ENABLE ROW LEVEL SECURITY comes before the triggers in a dump) runs
 * the DDL event trigger, which sets up enforcement, write trigger
 * included, once the registry rows are back: the dump's own CREATE
 * TRIGGER for the same function is then nothing to do.
 */
static bool is_before_write_trigger(Oid relid, const char *trigname);

static bool
restores_write_trigger(CreateTrigStmt *stmt)
{
	Oid			relid;

	if (stmt->replace || !stmt->row || stmt->trigname == NULL ||
		strcmp(stmt->trigname, WRITE_TRIGGER_NAME) != 0 ||
		list_length(stmt->funcname) != 2 ||
		strcmp(strVal(linitial(stmt->funcname)), COMPLIANCE_SCHEMA) != 0 ||
		strcmp(strVal(llast(stmt->funcname)), "enforce_write") != 0)
		return false;
	relid = lock_named_relation(stmt->relation, ShareRowExclusiveLock, true, NULL);
	return OidIsValid(relid) && protection_lookup_ddl(relid) != NULL &&
		is_before_write_trigger(relid, WRITE_TRIGGER_NAME);
}

/*
 * Citus gives a shard that arrives on a worker (a shard move or copy) its
 * table's triggers last, in a session of the table's owner: the write
 * trigger too, as compliance_enforce_write_<shardid>.  Allowed when it is
 * exactly that: the extension's function, as protect() creates it, on a
 * shard that has none yet (citus.c).  It only adds the write check.
 */
static bool
creates_shard_write_trigger(CreateTrigStmt *stmt)
{
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	Oid			fn;
	char		name[NAMEDATALEN];

	if (!OidIsValid(relid) || stmt->replace || stmt->isconstraint || !stmt->row ||
		stmt->timing != TRIGGER_TYPE_BEFORE ||
		stmt->events != (TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE) ||
		stmt->columns != NIL || stmt->whenClause != NULL || stmt->args != NIL ||
		stmt->transitionRels != NIL)
		return false;
	snprintf(name, sizeof(name), WRITE_TRIGGER_NAME "_" INT64_FORMAT, protection_shard_id(relid));
	if (strcmp(stmt->trigname, name) != 0 || !citus_shard_arriving(relid))
		return false;
	fn = LookupFuncName(stmt->funcname, 0, NULL, true);
	return OidIsValid(fn) && get_func_namespace(fn) == compliance_namespace() &&
		strcmp(get_func_name(fn), "enforce_write") == 0;
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
	if (protected_rangevar(stmt->relation, ShareRowExclusiveLock) == NULL)
		return;
	if (creates_shard_write_trigger(stmt))
		return;
	/*
	 * A deferred trigger fires at commit, after an officer's statement has
	 * ended: with the session's privileges then (a superuser's on a Citus
	 * worker), on the rows the officer erased.  PostgreSQL refuses to queue
	 * one inside the statement on one node; a Citus worker's session is no
	 * security-restricted operation.
	 */
	if (stmt->isconstraint && stmt->deferrable)
		refuse("add a deferrable constraint trigger to protected table", stmt->relation->relname,
			   "A deferred trigger fires at commit, after the statement that queued it, an officer's erasure too; make it NOT DEFERRABLE.");
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
check_policy(RangeVar *table, Node *qual, Node *with_check, bool restrictive)
{
	const char *relname = table->relname;

	/* it would hide rows from the officer functions (row_security.c) */
	if (restrictive && !superuser() && protected_rangevar(table, AccessExclusiveLock) != NULL)
		refuse("create a restrictive policy on protected table", relname,
			   "Officer functions must read every row of a data subject; make the policy permissive, or ask a superuser.");
	if (calls_row_filter(qual, NULL) || calls_row_filter(with_check, NULL))
		refuse("call the row filter in a policy on table", relname,
			   "Write the policy without compliance.row_allowed(); enforcement adds the row filter to every protected table itself.");
}

/* A constraint that ALTER TABLE ... ADD checks against no stored row. */
static bool
constraint_reads_no_rows(Constraint *con)
{
	switch (con->contype)
	{
		case CONSTR_CHECK:
		case CONSTR_FOREIGN:
			return con->skip_validation;	/* NOT VALID */
		case CONSTR_PRIMARY:
		case CONSTR_UNIQUE:
			return con->indexname != NULL;	/* USING INDEX: built already */
		default:
			return false;
	}
}

/*
 * Does a check constraint of the domain call a function that is not
 * immutable, or one its owner could replace?  It runs over every value
 * written to a column of the domain: the officers' too, and with the
 * privileges of whoever writes, a superuser's in a Citus shard move or a
 * restore.  Immutable, not merely stable: a stable built-in such as
 * table_to_xml() runs a query over a view of the owner's, whose functions
 * run as the writer.  PostgreSQL takes checks for immutable anyway.
 */
static bool
domain_check_runs_user_code(Oid typid)
{
	Relation	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		result = false;

	ScanKeyInit(&key, Anum_pg_constraint_contypid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(typid));
	scan = systable_beginscan(conrel, ConstraintTypidIndexId, true, NULL, 1, &key);
	while (!result && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		bin;

		if (((Form_pg_constraint) GETSTRUCT(tuple))->contype != CONSTRAINT_CHECK)
			continue;
		bin = heap_getattr(tuple, Anum_pg_constraint_conbin, RelationGetDescr(conrel), &isnull);
		if (!isnull)
		{
			Node	   *expr = stringToNode(TextDatumGetCString(bin));

			result = contain_mutable_functions(expr) || calls_untrusted_function(expr, NULL);
		}
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return result;
}

/*
 * Does storing, indexing or analysing a value of this type run code of a
 * role other than a superuser?  A range type's subtype_diff and canonical
 * functions run over every stored value in index builds and ANALYZE, a
 * domain's check over every value written (domain_check_runs_user_code);
 * base types and operator classes only a superuser can create.
 */
static bool
type_runs_user_code(Oid typid, int depth)
{
	HeapTuple	tuple;
	Form_pg_type typ;
	bool		result = false;

	check_stack_depth();
	if (typid < FirstNormalObjectId || depth > 16)
		return false;
	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tuple))
		return false;
	typ = (Form_pg_type) GETSTRUCT(tuple);
	if (typ->typtype == TYPTYPE_DOMAIN)
		result = domain_check_runs_user_code(typid) ||
			type_runs_user_code(typ->typbasetype, depth + 1);
	else if (OidIsValid(typ->typelem) && typ->typlen == -1)
		result = type_runs_user_code(typ->typelem, depth + 1);
	else if (typ->typtype == TYPTYPE_RANGE || typ->typtype == TYPTYPE_MULTIRANGE)
	{
		Oid			rangetype = typ->typtype == TYPTYPE_RANGE ? typid : get_multirange_range(typid);
		HeapTuple	rt = SearchSysCache1(RANGETYPE, ObjectIdGetDatum(rangetype));

		if (HeapTupleIsValid(rt))
		{
			Form_pg_range rng = (Form_pg_range) GETSTRUCT(rt);

			result = rng->rngsubdiff >= FirstNormalObjectId ||
				rng->rngcanonical >= FirstNormalObjectId ||
				type_runs_user_code(rng->rngsubtype, depth + 1);
			ReleaseSysCache(rt);
		}
	}
	else if (typ->typtype == TYPTYPE_COMPOSITE && OidIsValid(typ->typrelid))
	{
		Relation	rel = relation_open(typ->typrelid, AccessShareLock);
		TupleDesc	desc = RelationGetDescr(rel);

		for (int i = 0; i < desc->natts && !result; i++)
			if (!TupleDescAttr(desc, i)->attisdropped)
				result = type_runs_user_code(TupleDescAttr(desc, i)->atttypid, depth + 1);
		relation_close(rel, AccessShareLock);
	}
	ReleaseSysCache(tuple);
	return result;
}

/*
 * The trigger subcommands that would switch the write check off: for
 * every role while enforcement is on.  ENABLE TRIGGER ALL or USER turns
 * the ALWAYS trigger into an ordinary one, which replication mode skips.
 */
static void
check_trigger_subcommand(AlterTableCmd *cmd, const char *relname)
{
	switch (cmd->subtype)
	{
		case AT_DisableTrig:
		case AT_EnableReplicaTrig:
		case AT_EnableTrig:
			if (names_write_trigger(cmd->name))
				refuse("change the enforcement trigger of protected table", relname,
					   "Call compliance.unprotect() to stop protecting the table.");
			break;
		case AT_EnableTrigAll:
		case AT_EnableTrigUser:
		case AT_DisableTrigAll:
		case AT_DisableTrigUser:
			refuse("change every trigger of protected table", relname,
				   "Enable or disable other triggers by name; the enforcement trigger stays ENABLE ALWAYS.");
			break;
		default:
			break;
	}
}

/*
 * ALTER TABLE on a protected table, or on a table with protected
 * partitions or children, by a role other than a superuser: an allow-list
 * of the subcommands that neither run code over the stored rows nor print
 * or test stored values.  Type changes (casts, domain checks, a subject
 * key that changes with the type's text form), validated constraints,
 * unique and exclusion index builds, SET NOT NULL, new parents and
 * detached children are refused; a superuser runs them with
 * compliance.enforce = off.
 */
static void
check_alter_table_subcommand(AlterTableCmd *cmd, const char *relname, const Protection *p,
							 Oid relid)
{
	switch (cmd->subtype)
	{
		case AT_AddColumn:
			if (evaluates_stored_rows(cmd->def))
				refuse_row_expression(relname);
			if (IsA(cmd->def, ColumnDef) &&
				type_runs_user_code(typenameTypeId(NULL, ((ColumnDef *) cmd->def)->typeName), 0))
				refuse("add a column whose type runs user code to protected table", relname,
					   "Use a type with neither a range subtype_diff or canonical function (run over every stored value in index builds and ANALYZE) nor a domain check calling a function that is not immutable or that its owner could replace (run over every value written), or ask a superuser.");
			return;
		case AT_AddConstraint:
			if (!IsA(cmd->def, Constraint) || !constraint_reads_no_rows((Constraint *) cmd->def))
			{
				Constraint *con = (Constraint *) cmd->def;

				/* a shard arriving in a shard move gets its table's (citus.c) */
				if (IsA(con, Constraint) &&
					(con->contype == CONSTR_PRIMARY || con->contype == CONSTR_UNIQUE) &&
					citus_shard_gets_table_index(relid, con->conname,
												 con->contype == CONSTR_PRIMARY,
												 con->nulls_not_distinct, con->access_method,
												 con->keys, con->including))
					return;
				refuse("check a new constraint against the stored rows of protected table", relname,
					   "Add it NOT VALID (it then holds for new rows), or ask a superuser to validate it with compliance.enforce = off.");
			}
			return;
		case AT_DropColumn:
			{
				AttrNumber	attno = get_attnum(relid, cmd->name);

				if (attno != InvalidAttrNumber &&
					(p->unknown_here || attno == p->subject_attno ||
					 bms_is_member(attno, p->special_attnos)))
					refuse("drop a registered column of protected table", relname,
						   "Call compliance.unprotect() first, or protect the table again without the column.");
				return;
			}
		case AT_ColumnDefault:
		case AT_DropNotNull:
		case AT_DropExpression:
		case AT_SetStatistics:
		case AT_SetOptions:
		case AT_ResetOptions:
		case AT_SetStorage:
		case AT_SetCompression:
		case AT_AlterConstraint:
		case AT_DropConstraint:
		case AT_AlterColumnGenericOptions:
		case AT_ChangeOwner:
		case AT_ClusterOn:
		case AT_DropCluster:
		case AT_SetLogged:
		case AT_SetUnLogged:
		case AT_SetAccessMethod:
		case AT_SetTableSpace:
		case AT_SetRelOptions:
		case AT_ResetRelOptions:
		case AT_ReplaceRelOptions:
		case AT_EnableTrig:
		case AT_EnableAlwaysTrig:
		case AT_EnableReplicaTrig:
		case AT_DisableTrig:
		case AT_EnableRule:
		case AT_EnableAlwaysRule:
		case AT_EnableReplicaRule:
		case AT_DisableRule:
		case AT_ReplicaIdentity:
		case AT_EnableRowSecurity:
		case AT_ForceRowSecurity:
		case AT_GenericOptions:
		case AT_AddIdentity:
		case AT_SetIdentity:
		case AT_DropIdentity:
			return;
		case AT_AttachPartition:
			{
				RangeVar   *part = ((PartitionCmd *) cmd->def)->name;

				/* a new partition of a protected table is protected with it */
				if (protected_rangevar(part, AccessExclusiveLock) != NULL)
					refuse("attach a protected table as a partition of table", relname,
						   "Only a superuser may change the parents of a protected table.");
				return;
			}
		case AT_DisableRowSecurity:
		case AT_NoForceRowSecurity:
			refuse("turn off row level security on protected table", relname,
				   "Row level security hides the table's statistics, the values of blocked subjects among them; compliance.unprotect() turns it off.");
			return;
		case AT_AlterColumnType:
			refuse("change a column type of protected table", relname,
				   "The new type's casts and checks would run over every stored row, and a subject key follows its text form; ask a superuser to run it with compliance.enforce = off.");
			return;
		case AT_AddInherit:
			refuse("change the parents of protected table", relname,
				   "Reading the parent would reach its rows without the row filter; only a superuser may change the parents of a protected table.");
			return;
		case AT_DropInherit:
		case AT_DetachPartition:
		case AT_DetachPartitionFinalize:
			/* the detached table would keep its rows without protection */
			refuse("detach a partition or child of protected table", relname,
				   "Copy the rows you may process into a new table under a declared purpose, or ask a superuser.");
			return;
		default:
			refuse("run this ALTER TABLE subcommand on protected table", relname,
				   "It may read or test stored rows past the row filter; ask a superuser to run it with compliance.enforce = off.");
	}
}

/*
 * A protected table (or one with protected partitions or children) whose
 * row type is this composite type (CREATE TABLE ... OF type): ALTER TYPE
 * ... ATTRIBUTE ... CASCADE changes its columns.
 */
static const Protection *
protected_typed_table(Oid typid)
{
	Relation	deprel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	const Protection *p = NULL;

	deprel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(TypeRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(typid));
	scan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 2, key);
	while (p == NULL && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

		if (dep->classid == RelationRelationId && dep->objsubid == 0 &&
			get_rel_relkind(dep->objid) != RELKIND_COMPOSITE_TYPE)
			p = protected_tree(dep->objid, true);
	}
	systable_endscan(scan);
	table_close(deprel, AccessShareLock);
	return p;
}

/*
 * ALTER TYPE t ADD, DROP, ALTER or RENAME ATTRIBUTE of the row type of a
 * protected typed table: the same change as ALTER TABLE on its columns
 * (a rename that moves the subject key, a type change that runs a domain's
 * check over every row), so it is refused, to everyone while enforcement
 * is on (only compliance.unprotect() comes first).
 */
static void
check_alter_row_type(RangeVar *type)
{
	Oid			relid = lock_named_relation(type, AccessExclusiveLock, true, NULL);

	if (OidIsValid(relid) && get_rel_relkind(relid) == RELKIND_COMPOSITE_TYPE &&
		protected_typed_table(get_rel_type_id(relid)) != NULL)
		refuse("change the row type of protected table", type->relname,
			   "A protected typed table's columns change with its type; call compliance.unprotect() first.");
}

static void
check_alter_table(AlterTableStmt *stmt)
{
	LOCKMODE	lockmode = AlterTableGetLockLevel(stmt->cmds);
	Oid			relid = lock_named_relation(stmt->relation, lockmode, stmt->missing_ok,
											RangeVarCallbackOwnsRelation);
	const Protection *p;
	const char *relname = stmt->relation->relname;
	ListCell   *lc;
	char		relkind = OidIsValid(relid) ? get_rel_relkind(relid) : '\0';

	/*
	 * An expression index's statistics would be shown in pg_stats, which
	 * filters on the index's row level security, not the table's: its
	 * statistics target stays 0 (60_enforcement.sql).
	 */
	if (relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX)
	{
		if (superuser() || protected_tree(IndexGetRelation(relid, false), true) == NULL)
			return;
		foreach(lc, stmt->cmds)
			if (((AlterTableCmd *) lfirst(lc))->subtype == AT_SetStatistics)
				refuse("collect statistics on an index expression of protected table", relname,
					   "pg_stats would show the expression's most common values to the table's owner; ask a superuser.");
		return;
	}
	p = protected_tree(relid, stmt->relation->inh);

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (p != NULL)
			check_trigger_subcommand(cmd, relname);
		if (superuser())
			continue;
		if (p != NULL)
			check_alter_table_subcommand(cmd, relname, p, relid);
		else if (cmd->subtype == AT_AttachPartition &&
				 protected_rangevar(((PartitionCmd *) cmd->def)->name, AccessExclusiveLock) != NULL)
			refuse("attach a protected table as a partition of table", relname,
				   "Reading the parent would reach its rows without the row filter; only a superuser may change the parents of a protected table.");
	}
}

/*
 * ALTER DOMAIN ... ADD CONSTRAINT (validated), VALIDATE CONSTRAINT or SET
 * NOT NULL checks every stored value of the domain, in protected tables
 * too, and prints the first that fails.
 */
static bool
type_used_by_protected(Oid typid, int depth)
{
	Relation	deprel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		used = false;

	check_stack_depth();
	deprel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(TypeRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(typid));
	scan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 2, key);
	while (!used && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

		if (dep->classid == RelationRelationId && dep->objsubid > 0 &&
			get_rel_relkind(dep->objid) == RELKIND_COMPOSITE_TYPE && depth < 16)
			used = type_used_by_protected(get_rel_type_id(dep->objid), depth + 1);
		else if (dep->classid == RelationRelationId && dep->objsubid > 0)
			used = protected_tree(dep->objid, true) != NULL;
		else if (dep->classid == TypeRelationId && depth < 16)
			used = type_used_by_protected(dep->objid, depth + 1);	/* domains, arrays, ranges */
	}
	systable_endscan(scan);
	table_close(deprel, AccessShareLock);
	return used;
}

static void
check_alter_domain(AlterDomainStmt *stmt)
{
	Oid			typid;

	if (stmt->subtype != 'C' && stmt->subtype != 'V' && stmt->subtype != 'O')
		return;
	if (stmt->subtype == 'C' && IsA(stmt->def, Constraint) &&
		((Constraint *) stmt->def)->skip_validation)
		return;
	typid = typenameTypeId(NULL, makeTypeNameFromNameList(stmt->typeName));
	if (type_used_by_protected(typid, 0))
		refuse("check the values stored in protected tables against domain",
			   TypeNameToString(makeTypeNameFromNameList(stmt->typeName)),
			   "Add the constraint NOT VALID, or ask a superuser to validate it with compliance.enforce = off.");
}

/*
 * The first trigger of relid (named name, or any if NULL) whose WHEN
 * condition calls a function that is not immutable, or one its owner could
 * replace; NULL if none.  PostgreSQL evaluates the condition for every row
 * before it calls the trigger function, an officer's erasure's too (as a
 * superuser on a Citus worker), which restricted_function_check() never
 * sees: pg_notify(OLD::text) or lo_from_bytea() would keep an erased row,
 * and table_to_xml() over a view of the owner's would run the view's
 * functions with a superuser's privileges.
 */
static char *
trigger_condition_runs_user_code(Oid relid, const char *name)
{
	Relation	tgrel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	char	   *found = NULL;

	ScanKeyInit(&key, Anum_pg_trigger_tgrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(tgrel, TriggerRelidNameIndexId, true, NULL, 1, &key);
	while (found == NULL && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		qual = heap_getattr(tuple, Anum_pg_trigger_tgqual, RelationGetDescr(tgrel), &isnull);
		const char *tgname = NameStr(((Form_pg_trigger) GETSTRUCT(tuple))->tgname);

		if (!isnull && (name == NULL || strcmp(name, tgname) == 0))
		{
			Node	   *expr = stringToNode(TextDatumGetCString(qual));

			if (contain_mutable_functions(expr) || calls_untrusted_function(expr, NULL))
				found = pstrdup(tgname);
		}
	}
	systable_endscan(scan);
	table_close(tgrel, AccessShareLock);
	return found;
}

/*
 * After ALTER DOMAIN ... ADD CONSTRAINT (NOT VALID too, which checks no
 * stored value): a domain of a protected table's column may not get a
 * check that runs user code over the values written (type_runs_user_code),
 * while enforcement is on, for any role, as protect() and the DDL event
 * trigger refuse such a check on the table itself; nor a protected table
 * a trigger whose WHEN condition does (trigger_condition_runs_user_code).
 * The statement has run; the error undoes it.
 */
void
utility_check_done(Node *parsetree)
{
	if (!compliance_enforce)
		return;
	if (IsA(parsetree, CreateTrigStmt) && ((CreateTrigStmt *) parsetree)->whenClause != NULL)
	{
		CreateTrigStmt *stmt = (CreateTrigStmt *) parsetree;
		Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);

		if (OidIsValid(relid) && protection_lookup_ddl(relid) != NULL &&
			trigger_condition_runs_user_code(relid, stmt->trigname) != NULL)
			refuse("add a trigger whose WHEN condition calls a function that is not immutable or that its owner could replace to protected table",
				   stmt->relation->relname,
				   "The condition runs over every row written or deleted, an officer's erasure too, before the trigger function, as a superuser on a Citus worker; use immutable built-in functions, or ask a superuser to create it with compliance.enforce = off.");
	}
	else if (IsA(parsetree, AlterDomainStmt) && ((AlterDomainStmt *) parsetree)->subtype == 'C')
	{
		TypeName   *name = makeTypeNameFromNameList(((AlterDomainStmt *) parsetree)->typeName);
		Oid			typid = typenameTypeId(NULL, name);

		if (type_used_by_protected(typid, 0) && type_runs_user_code(typid, 0))
			refuse("add a check calling a function that is not immutable or that its owner could replace to domain",
				   TypeNameToString(name),
				   "Protected tables use the domain, and its checks run over every value written to them, officers' included, with the writer's privileges; use immutable built-in functions, or ask a superuser to add it with compliance.enforce = off.");
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

/*
 * Does the schema hold a protected relation?  Data items name tables and
 * schemas ("schema.table.column", Art. 4.5): renaming either would hand a
 * table's columns to purposes registered for another's.
 */
static bool
schema_holds_protected(Oid nspid)
{
	Relation	classrel = table_open(RelationRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(classrel, 0, NULL);
	HeapTuple	tuple;
	bool		found = false;

	while (!found && (tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tuple);

		found = cls->relnamespace == nspid && protection_lookup_ddl(cls->oid) != NULL;
	}
	table_endscan(scan);
	table_close(classrel, AccessShareLock);
	return found;
}

/*
 * Does a rename or SET SCHEMA of this object type name a relation itself?
 * ALTER INDEX, VIEW, SEQUENCE ... RENAME accept a table too.
 */
static bool
names_relation_itself(ObjectType type)
{
	return type == OBJECT_TABLE || type == OBJECT_INDEX || type == OBJECT_VIEW ||
		type == OBJECT_MATVIEW || type == OBJECT_FOREIGN_TABLE || type == OBJECT_SEQUENCE;
}

/*
 * ALTER TRIGGER ... DEPENDS ON EXTENSION: the write trigger would be
 * dropped with the extension, by whoever may drop it.  ALTER INDEX ...
 * DEPENDS ON EXTENSION, which accepts a table, would drop the table.
 */
static void
check_depends(AlterObjectDependsStmt *stmt)
{
	if (stmt->relation == NULL || stmt->remove)
		return;
	if (stmt->objectType == OBJECT_TRIGGER && IsA(stmt->object, List) &&
		names_write_trigger(strVal(llast((List *) stmt->object))) &&
		protected_rangevar(stmt->relation, AccessExclusiveLock) != NULL)
		refuse("tie to an extension the enforcement trigger of protected table",
			   stmt->relation->relname, "Call compliance.unprotect() to stop protecting the table.");
	if (stmt->objectType == OBJECT_INDEX &&
		protected_rangevar(stmt->relation, AccessExclusiveLock) != NULL)
		refuse("tie to an extension protected table", stmt->relation->relname,
			   "A protected table is dropped only by its owner's DROP TABLE.");
}

/* ALTER TABLE ... RENAME TO, ALTER SCHEMA ... RENAME TO, ... SET SCHEMA */
static void
check_rename_names(Node *stmt)
{
	const char *hint = "Ask a superuser to rename it, then review the purposes whose data items name it.";

	if (IsA(stmt, RenameStmt) && ((RenameStmt *) stmt)->renameType == OBJECT_SCHEMA)
	{
		const char *nspname = ((RenameStmt *) stmt)->subname;
		Oid			nspid = get_namespace_oid(nspname, true);

		if (OidIsValid(nspid) && schema_holds_protected(nspid))
			refuse("rename the schema of protected tables", nspname, hint);
	}
	else if (IsA(stmt, RenameStmt) && ((RenameStmt *) stmt)->relation != NULL &&
			 names_relation_itself(((RenameStmt *) stmt)->renameType))
	{
		RangeVar   *rv = ((RenameStmt *) stmt)->relation;

		if (protected_rangevar(rv, AccessExclusiveLock) != NULL)
			refuse("rename protected table", rv->relname, hint);
	}
	else if (IsA(stmt, AlterObjectSchemaStmt) && ((AlterObjectSchemaStmt *) stmt)->relation != NULL &&
			 names_relation_itself(((AlterObjectSchemaStmt *) stmt)->objectType))
	{
		RangeVar   *rv = ((AlterObjectSchemaStmt *) stmt)->relation;

		if (protected_rangevar(rv, AccessExclusiveLock) != NULL)
			refuse("move protected table", rv->relname, hint);
	}
}

static void
check_rename(RenameStmt *stmt)
{
	Oid			relid;
	const Protection *p;
	List	   *rels;
	ListCell   *lc;

	if (!superuser())
		check_rename_names((Node *) stmt);
	if (stmt->relation == NULL ||
		(stmt->renameType != OBJECT_COLUMN && stmt->renameType != OBJECT_TRIGGER))
		return;
	relid = lock_named_relation(stmt->relation, AccessExclusiveLock, stmt->missing_ok,
								RangeVarCallbackOwnsRelation);
	p = protected_tree(relid, stmt->renameType == OBJECT_COLUMN && stmt->relation->inh);
	if (p == NULL)
		return;
	if (stmt->renameType == OBJECT_TRIGGER)
	{
		if (names_write_trigger(stmt->subname))
			refuse("rename the enforcement trigger of protected table", stmt->relation->relname,
				   "Leave the trigger as it is; compliance.unprotect() removes it.");
		/* a BEFORE trigger renamed past the write check (see check_create_trigger) */
		if (!superuser() && strcmp(stmt->newname, WRITE_TRIGGER_NAME) > 0 &&
			is_before_write_trigger(relid, stmt->subname))
			refuse("rename a trigger past the enforcement trigger of protected table",
				   stmt->relation->relname,
				   "Triggers fire in name order: choose a name that sorts before \"" WRITE_TRIGGER_NAME "\".");
		return;
	}

	/* renamed through a parent, the column is renamed in every child too */
	rels = stmt->relation->inh ? find_all_inheritors(relid, NoLock, NULL) : list_make1_oid(relid);
	foreach(lc, rels)
	{
		const Protection *child = protection_lookup_ddl(lfirst_oid(lc));
		AttrNumber	attno;

		if (child == NULL)
			continue;
		attno = get_attnum(lfirst_oid(lc), stmt->subname);
		/* unknown here: which columns are registered is not known */
		if (child->unknown_here ||
			attno == child->subject_attno || bms_is_member(attno, child->special_attnos) ||
			get_attnum(lfirst_oid(lc), stmt->newname) != InvalidAttrNumber)
			refuse("rename a registered column of protected table", get_rel_name(lfirst_oid(lc)),
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
		Oid			relid;

		if (!names_write_trigger(strVal(llast(names))))
			continue;
		rel = makeRangeVarFromNameList(list_truncate(list_copy(names), list_length(names) - 1));
		relid = lock_named_relation(rel, AccessExclusiveLock, true, NULL);
		if (OidIsValid(relid) && protection_lookup_ddl(relid) != NULL)
			refuse("drop the enforcement trigger of protected table", rel->relname,
				   "Call compliance.unprotect() to stop protecting the table.");
		/* the command drops the trigger of the table checked here */
		if (OidIsValid(relid) && list_length(names) == 2)
			lfirst(lc) = list_make3(makeString(rel->schemaname), linitial(names), llast(names));
	}
}

/*
 * Is this EXPLAIN ANALYZE run by a role other than a superuser while
 * enforcement is on?  Its row counts ("Rows Removed by Filter") tell how
 * many rows the row filter hid that match the statement's conditions, a
 * protected index's among them: compliance.c has enforce.c refuse it when
 * it runs a plan over a protected table.
 */
bool
utility_is_explain_analyze(Node *parsetree)
{
	ListCell   *lc;
	bool		analyze = false;

	if (!IsA(parsetree, ExplainStmt) || !compliance_enforce || superuser() ||
		!protection_any())
		return false;
	/* the last ANALYZE option counts, as in ExplainQuery */
	foreach(lc, ((ExplainStmt *) parsetree)->options)
	{
		DefElem    *opt = lfirst(lc);

		if (strcmp(opt->defname, "analyze") == 0)
			analyze = defGetBoolean(opt);
	}
	return analyze;
}

/*
 * The ProcessUtility hook's part (compliance.c): refuses DDL that would
 * route around enforcement, and returns the statement to run: pstmt, or
 * for COPY TO of a protected table a copy reading through the row filter
 * (then *readOnlyTree is false), or NULL if there is nothing to run (a
 * restored write trigger that exists already).
 */
PlannedStmt *
utility_check(PlannedStmt *pstmt, bool *readOnlyTree)
{
	Node	   *parsetree;

	/* nothing to check in an aborted transaction (ROLLBACK) or outside one */
	/*
	 * DDL is never part of a foreign-key query or an officer's statement:
	 * inside the latter (the owner's triggers) it is checked even though
	 * the officer function turned enforcement off for its own statements.
	 */
	if (!IsTransactionState() || !protection_any())
		return pstmt;
	/* also with enforcement off, as pg_restore runs */
	if (IsA(pstmt->utilityStmt, CreateTrigStmt) &&
		restores_write_trigger(copyObject((CreateTrigStmt *) pstmt->utilityStmt)))
		return NULL;
	if (!(compliance_enforce || compliance_restricted_depth > 0))
		return pstmt;

	switch (nodeTag(pstmt->utilityStmt))
	{
		case T_CopyStmt:
		case T_TruncateStmt:
		case T_AlterTableStmt:
		case T_RenameStmt:
		case T_IndexStmt:
		case T_CreateTrigStmt:
		case T_CreateStatsStmt:
		case T_CreatePolicyStmt:
		case T_AlterPolicyStmt:
		case T_RuleStmt:
		case T_DropStmt:
		case T_AlterObjectSchemaStmt:
		case T_AlterObjectDependsStmt:
			/* names get pinned to the relation found: work on a copy */
			pstmt = copyObject(pstmt);
			*readOnlyTree = false;
			break;
		default:
			break;
	}
	parsetree = pstmt->utilityStmt;

	switch (nodeTag(parsetree))
	{
		case T_CopyStmt:
			{
				CopyStmt   *copy = (CopyStmt *) parsetree;
				Oid			relid;

				if (copy->relation == NULL)
					break;

				/*
				 * No such relation: nothing of it to filter, and the next
				 * hook decides.  Citus sends a repartitioned INSERT ...
				 * SELECT's intermediate results between workers as COPY
				 * "result id" TO STDOUT WITH (format result), which names
				 * no relation.
				 */
				relid = lock_named_relation(copy->relation,
											copy->is_from ? RowExclusiveLock : AccessShareLock,
											true, NULL);
				if (!copy->is_from && OidIsValid(relid) && protection_lookup_ddl(relid) != NULL)
					pstmt->utilityStmt = (Node *) copy_through_row_filter(copy);
				break;
			}
		case T_TruncateStmt:
			{
				ListCell   *lc;

				foreach(lc, ((TruncateStmt *) parsetree)->relations)
				{
					RangeVar   *rv = lfirst(lc);
					Oid			relid = lock_named_relation(rv, AccessExclusiveLock, false,
															callback_for_truncate);

					if (protected_tree(relid, rv->inh) != NULL)
						refuse("truncate protected table", rv->relname,
							   "Delete rows under a declared purpose, or erase a subject with compliance.erase_subject().");
				}
				break;
			}
		case T_AlterTableStmt:
			if (((AlterTableStmt *) parsetree)->objtype == OBJECT_TYPE)
				check_alter_row_type(((AlterTableStmt *) parsetree)->relation);
			else
				check_alter_table((AlterTableStmt *) parsetree);
			break;
		case T_AlterDomainStmt:
			if (!superuser())
				check_alter_domain((AlterDomainStmt *) parsetree);
			break;
		case T_RenameStmt:
			if (((RenameStmt *) parsetree)->renameType == OBJECT_ATTRIBUTE)
				check_alter_row_type(((RenameStmt *) parsetree)->relation);
			else
				check_rename((RenameStmt *) parsetree);
			break;
		case T_CreatePolicyStmt:
			check_policy(((CreatePolicyStmt *) parsetree)->table,
						 ((CreatePolicyStmt *) parsetree)->qual,
						 ((CreatePolicyStmt *) parsetree)->with_check,
						 !((CreatePolicyStmt *) parsetree)->permissive);
			break;
		case T_AlterObjectSchemaStmt:
			if (!superuser())
				check_rename_names(parsetree);
			break;
		case T_AlterObjectDependsStmt:
			check_depends((AlterObjectDependsStmt *) parsetree);
			break;
		case T_AlterPolicyStmt:
			check_policy(((AlterPolicyStmt *) parsetree)->table,
						 ((AlterPolicyStmt *) parsetree)->qual,
						 ((AlterPolicyStmt *) parsetree)->with_check, false);
			break;
		case T_CreateTrigStmt:
			if (!superuser())
				check_create_trigger((CreateTrigStmt *) parsetree);
			break;
		case T_IndexStmt:
			check_create_index((IndexStmt *) parsetree);
			break;
		case T_CreateStatsStmt:
			if (!superuser())
				check_create_statistics((CreateStatsStmt *) parsetree);
			break;
		case T_RuleStmt:
			/* a rule's actions run inside the statement, on whatever it reads */
			if (!superuser() &&
				protected_rangevar(((RuleStmt *) parsetree)->relation, AccessExclusiveLock) != NULL)
				refuse("create a rule on protected table", ((RuleStmt *) parsetree)->relation->relname,
					   "Use a trigger instead; a rule's actions would run within statements that officers run over every row.");
			break;
		case T_DropStmt:
			if (((DropStmt *) parsetree)->removeType == OBJECT_TRIGGER && !superuser())
				check_drop_trigger((DropStmt *) parsetree);
			break;
		default:
			break;
	}

	return pstmt;
}

/* Does the expression a catalog row stores (pg_node_tree) call one? */
static bool
stored_calls_untrusted(int cacheid, HeapTuple tuple, AttrNumber attno)
{
	bool		isnull;
	Datum		stored = SysCacheGetAttr(cacheid, tuple, attno, &isnull);

	return !isnull && calls_untrusted_function(stringToNode(TextDatumGetCString(stored)), NULL);
}

/*
 * user_code_over_rows(tbl regclass) returns text
 *
 * What of the table would run code its owner could replace over every
 * stored row, as the owner, in ANALYZE (autovacuum's too), REINDEX,
 * CLUSTER or VACUUM FULL: a column whose type runs user code (a range
 * type's subtype_diff, a domain's check), or an index, extended statistics
 * or check constraint expression calling a function
 * owner_function_trusted() does not trust (or, for a check, one that is
 * not immutable); or over every row written or deleted: a trigger's WHEN
 * condition calling either.  NULL if
 * nothing.  protect() refuses such a table, and the DDL event trigger a
 * partition or child of a protected table that has one.
 */
PG_FUNCTION_INFO_V1(user_code_over_rows);

Datum
user_code_over_rows(PG_FUNCTION_ARGS)
{
	Relation	rel = relation_open(PG_GETARG_OID(0), AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	char	   *found = NULL;
	ListCell   *lc;

	for (int i = 0; i < desc->natts && found == NULL; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && type_runs_user_code(att->atttypid, 0))
			found = psprintf("column \"%s\" of type %s", NameStr(att->attname),
							 format_type_be(att->atttypid));
	}
	/* as stored: the relcache inlines SQL functions, whose body may change */
	foreach(lc, RelationGetIndexList(rel))
	{
		HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (!HeapTupleIsValid(tuple))
			continue;
		if (found == NULL &&
			(stored_calls_untrusted(INDEXRELID, tuple, Anum_pg_index_indexprs) ||
			 stored_calls_untrusted(INDEXRELID, tuple, Anum_pg_index_indpred)))
			found = psprintf("index \"%s\"", get_rel_name(lfirst_oid(lc)));
		ReleaseSysCache(tuple);
	}
	/*
	 * A check constraint runs over every row a statement writes, whatever
	 * columns the purpose may touch, and when an officer's erasure cascades
	 * an update (ON DELETE SET NULL) into the table, over rows no purpose
	 * may see: a function of the owner's (its volatility is only declared),
	 * a volatile built-in (lo_from_bytea, pg_notify) could keep them, and
	 * a stable one (table_to_xml) runs a query, as whoever writes.
	 */
	if (found == NULL)
	{
		Relation	conrel = table_open(ConstraintRelationId, AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tuple;

		ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(RelationGetRelid(rel)));
		scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true, NULL, 1, &key);
		while (found == NULL && HeapTupleIsValid(tuple = systable_getnext(scan)))
		{
			Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);
			bool		isnull;
			Datum		bin;

			if (con->contype != CONSTRAINT_CHECK)
				continue;
			bin = heap_getattr(tuple, Anum_pg_constraint_conbin, RelationGetDescr(conrel), &isnull);
			if (!isnull)
			{
				Node	   *expr = stringToNode(TextDatumGetCString(bin));

				if (contain_mutable_functions(expr) || calls_untrusted_function(expr, NULL))
					found = psprintf("check constraint \"%s\", which calls a function that is not immutable or that its owner could replace,",
									 NameStr(con->conname));
			}
		}
		systable_endscan(scan);
		table_close(conrel, AccessShareLock);
	}
	if (found == NULL)
	{
		char	   *trigger = trigger_condition_runs_user_code(RelationGetRelid(rel), NULL);

		if (trigger != NULL)
			found = psprintf("trigger \"%s\", whose WHEN condition calls a function that is not immutable or that its owner could replace,",
							 trigger);
	}
	foreach(lc, RelationGetStatExtList(rel))
	{
		HeapTuple	tuple = SearchSysCache1(STATEXTOID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (!HeapTupleIsValid(tuple))
			continue;
		if (found == NULL && stored_calls_untrusted(STATEXTOID, tuple, Anum_pg_statistic_ext_stxexprs))
			found = psprintf("extended statistics \"%s\"",
							 NameStr(((Form_pg_statistic_ext) GETSTRUCT(tuple))->stxname));
		ReleaseSysCache(tuple);
	}
	relation_close(rel, AccessShareLock);
	if (found == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(found));
}
