/*-------------------------------------------------------------------------
 *
 * row_security.c
 *	  Row level security on protected tables: the policy PostgreSQL
 *	  applies, and COPY FROM, which PostgreSQL refuses under it.
 *
 * The row filter (enforce.c) decides which rows a statement may process.
 * Row level security is on for another reason: PostgreSQL hides a table's
 * statistics (pg_stats, pg_stats_ext: most common values, histograms)
 * and the stored values in constraint errors from every role that row
 * level security applies to.  Without it, any role with SELECT on a
 * column would read the values of blocked and withdrawn subjects in
 * pg_stats after an ANALYZE.  protect() therefore enables and forces row
 * level security on the table and its partitions and children (forced,
 * so that it applies to the owner too); only superusers and BYPASSRLS
 * roles see the statistics.
 *
 * The policy: a table with no permissive policies of its own gets one
 * that admits every row (the hook below), so that row level security
 * changes nothing about which rows a statement sees; the row filter,
 * placed before any policy, does the enforcing.  A table with policies of
 * its own keeps them, for its owner too.  An officer's statement (owner.c)
 * reads every row: it gets the admitting policy on every table it reads,
 * protected or not, whatever their own permissive policies say (the
 * planner folds "true OR ..." away, so their expressions never run), and
 * a table with restrictive policies is refused, since they would hide
 * rows from the answer to the subject and run their code, sublinks on
 * protected tables included, unfiltered inside the officer's statement.
 *
 * COPY FROM: PostgreSQL refuses it on a table with row level security.
 * It is run as COPY into a temporary table of the same columns, then
 * INSERT ... SELECT into the protected table, as the same role: the
 * write check, the owner's triggers and the policies' WITH CHECK see
 * every row, as they would under COPY.  Into a Citus shard (on a worker,
 * where Citus copies a distributed table's rows) the rows are parsed
 * into a tuplestore instead, and inserted from it as an ephemeral named
 * relation: Citus prepares the worker's transaction (two-phase commit),
 * and a transaction that used a temporary table cannot be prepared.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "commands/copy.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "rewrite/rowsecurity.h"
#include "tcop/cmdtag.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/ruleutils.h"
#include "utils/tuplestore.h"

#include "compliance.h"

#define ADMITTING_POLICY_NAME	"compliance_admit_rows"

/* Is the statement being rewritten now an officer's (owner.c)? */
static bool
rewriting_officer_statement(void)
{
	return compliance_restricted_depth > 0 &&
		compliance_statement_depth < compliance_restricted_depth;
}

/*
 * The policy that admits every row, for every role and command: made once
 * (the rewriter copies its quals), since every statement on a protected
 * table asks for it.
 */
static RowSecurityPolicy *
admitting_policy(void)
{
	static RowSecurityPolicy *policy = NULL;

	if (policy == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		Datum		role = ObjectIdGetDatum(ACL_ID_PUBLIC);
		RowSecurityPolicy *made = palloc0(sizeof(RowSecurityPolicy));

		made->policy_name = pstrdup(ADMITTING_POLICY_NAME);
		made->polcmd = '*';
		made->roles = construct_array(&role, 1, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
		made->permissive = true;
		made->qual = (Expr *) makeBoolConst(true, false);
		made->with_check_qual = (Expr *) makeBoolConst(true, false);
		made->hassublinks = false;
		MemoryContextSwitchTo(oldcxt);
		policy = made;
	}
	return policy;
}

/*
 * row_security_policy_hook_permissive (compliance.c): for a protected
 * table, the admitting policy unless the table has permissive policies
 * of its own; for an officer's statement always, after refusing a table
 * with restrictive policies.
 */
List *
row_security_permissive_policies(CmdType cmd, Relation rel)
{
	ListCell   *lc;
	bool		own_permissive = false;

	/*
	 * An officer's statement reads every table it names the same way,
	 * protected or not: a policy of an unprotected table (a child that an
	 * erasure counts) could read protected tables in a sublink, unfiltered
	 * inside the officer's statement.  Its permissive policies are ORed
	 * with the admitting one, which the planner folds away; a restrictive
	 * one is refused below.
	 */
	if (!protection_any() ||
		(protection_lookup(RelationGetRelid(rel)) == NULL && !rewriting_officer_statement()))
		return NIL;
	if (rel->rd_rsdesc != NULL)
		foreach(lc, rel->rd_rsdesc->policies)
		{
			RowSecurityPolicy *policy = lfirst(lc);

			own_permissive |= policy->permissive;
			if (!policy->permissive && rewriting_officer_statement())
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("table \"%s\" has restrictive row level security policy \"%s\"",
								RelationGetRelationName(rel), policy->policy_name),
						 errdetail("Officer functions read and erase every row of a data subject (Art. 11, 12, 13, 14 of Law 99-Z); a restrictive policy would hide rows from them and run its expression over every row."),
						 errhint("Drop the policy, or make it permissive; the row filter already limits what other statements see.")));
		}
	if (own_permissive && !rewriting_officer_statement())
		return NIL;
	return list_make1(admitting_policy());
}

/*
 * CREATE TEMP TABLE with the columns COPY fills: those listed, or every
 * column that is not generated.  Types keep their modifiers and
 * collations, so values are parsed as COPY into the table would.
 */
/* The columns COPY fills: those listed, or every column that is not generated. */
static List *
copy_columns(Relation rel, List *attlist)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *columns = NIL;
	ListCell   *lc;

	if (attlist != NIL)
		foreach(lc, attlist)
			columns = lappend(columns, strVal(lfirst(lc)));
	else
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && att->attgenerated == '\0')
				columns = lappend(columns, NameStr(att->attname));
		}
	return columns;
}

/* The attribute of a column COPY fills; an error if there is none. */
static Form_pg_attribute
copy_column(Relation rel, const char *column, AttrNumber *attno)
{
	*attno = attnameAttNum(rel, column, false);
	if (*attno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						column, RelationGetRelationName(rel))));
	return TupleDescAttr(RelationGetDescr(rel), *attno - 1);
}

static List *
create_copy_table(Relation rel, List *attlist, const char *name)
{
	StringInfoData sql;
	List	   *columns = copy_columns(rel, attlist);
	ListCell   *lc;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TEMPORARY TABLE %s (", quote_identifier(name));
	foreach(lc, columns)
	{
		const char *column = lfirst(lc);
		AttrNumber	attno;
		Form_pg_attribute att = copy_column(rel, column, &attno);

		appendStringInfo(&sql, "%s%s %s", foreach_current_index(lc) > 0 ? ", " : "",
						 quote_identifier(column),
						 format_type_with_typemod(att->atttypid, att->atttypmod));
		if (OidIsValid(att->attcollation))
			appendStringInfo(&sql, " COLLATE %s",
							 generate_collation_name(att->attcollation));
	}
	appendStringInfoString(&sql, ")");

	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create the table COPY FROM fills");
	return columns;
}

static char *
column_list(List *columns)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, columns)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
						 quote_identifier(lfirst(lc)));
	return buf.data;
}

/*
 * COPY into a Citus shard from the client (Citus's connection): the rows
 * are parsed as COPY parses them into a tuplestore, then inserted into the
 * shard from it, registered as an ephemeral named relation, by INSERT ...
 * SELECT as the same role (see the header).  Returns the rows stored.
 */
static uint64
copy_into_shard(CopyStmt *stmt, Relation rel, ParseState *pstate)
{
	List	   *columns = copy_columns(rel, stmt->attlist);
	int			ncolumns = list_length(columns);
	TupleDesc	desc = RelationGetDescr(rel);
	TupleDesc	rowdesc = CreateTemplateTupleDesc(ncolumns);
	AttrNumber *attnos = palloc(sizeof(AttrNumber) * ncolumns);
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *nulls = palloc(sizeof(bool) * desc->natts);
	Datum	   *rowvalues = palloc(sizeof(Datum) * ncolumns);
	bool	   *rownulls = palloc(sizeof(bool) * ncolumns);
	EState	   *estate = CreateExecutorState();
	ExprContext *econtext = GetPerTupleExprContext(estate);
	Tuplestorestate *rows = tuplestore_begin_heap(false, false, work_mem);
	EphemeralNamedRelation enr = palloc0(sizeof(EphemeralNamedRelationData));
	CopyFromState cstate;
	ListCell   *lc;
	uint64		nrows = 0;
	uint64		inserted;
	char	   *insert;

	foreach(lc, columns)
	{
		int			i = foreach_current_index(lc);
		Form_pg_attribute att = copy_column(rel, lfirst(lc), &attnos[i]);

		TupleDescInitEntry(rowdesc, i + 1, lfirst(lc), att->atttypid, att->atttypmod, 0);
		TupleDescInitEntryCollation(rowdesc, i + 1, att->attcollation);
	}

	cstate = BeginCopyFrom(pstate, rel, NULL, NULL, false, NULL, stmt->attlist, stmt->options);
	for (;;)
	{
		MemoryContext oldcxt;
		bool		more;

		CHECK_FOR_INTERRUPTS();
		ResetPerTupleExprContext(estate);
		oldcxt = MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));
		more = NextCopyFrom(cstate, econtext, values, nulls);
		if (more)
		{
			for (int i = 0; i < ncolumns; i++)
			{
				rowvalues[i] = values[attnos[i] - 1];
				rownulls[i] = nulls[attnos[i] - 1];
			}
			tuplestore_putvalues(rows, rowdesc, rowvalues, rownulls);
			nrows++;
		}
		MemoryContextSwitchTo(oldcxt);
		if (!more)
			break;
	}
	EndCopyFrom(cstate);

	enr->md.name = "compliance_copied_rows";
	enr->md.reliddesc = InvalidOid;
	enr->md.tupdesc = rowdesc;
	enr->md.enrtype = ENR_NAMED_TUPLESTORE;
	enr->md.enrtuples = (double) nrows;
	enr->reldata = rows;
	insert = psprintf("INSERT INTO %s.%s (%s) SELECT %s FROM compliance_copied_rows",
					  quote_identifier(get_namespace_name(RelationGetNamespace(rel))),
					  quote_identifier(RelationGetRelationName(rel)),
					  column_list(columns), column_list(columns));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_register_relation(enr) != SPI_OK_REL_REGISTER)
		elog(ERROR, "could not register the rows COPY FROM read");
	if (SPI_execute(insert, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert the copied rows");
	inserted = SPI_processed;
	SPI_finish();
	tuplestore_end(rows);
	FreeExecutorState(estate);
	return inserted;
}

/*
 * COPY protected FROM ... for a role that row level security applies to:
 * run through a temporary table and INSERT ... SELECT (see the header).
 * Returns false, doing nothing, for any other COPY; the caller runs it.
 * The relation is locked already (utility.c).
 */
bool
row_security_copy_from(PlannedStmt *pstmt, const char *queryString,
					   QueryEnvironment *queryEnv, QueryCompletion *qc)
{
	CopyStmt   *stmt = (CopyStmt *) pstmt->utilityStmt;
	ParseState *pstate;
	Oid			relid;
	Relation	rel;
	CopyStmt   *into_temp;
	List	   *columns;
	char		name[NAMEDATALEN];
	char	   *insert;
	uint64		copied;			/* rows read; the count is of rows stored */
	uint64		inserted;
	static uint32 copies = 0;

	if (!IsA(stmt, CopyStmt) || !stmt->is_from || stmt->relation == NULL ||
		!protection_any())
		return false;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || protection_lookup(relid) == NULL ||
		check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED)
		return false;

	rel = table_open(relid, NoLock);
	if (stmt->filename == NULL && stmt->whereClause == NULL && protection_citus_shard(relid))
	{
		pstate = make_parsestate(NULL);
		pstate->p_sourcetext = queryString;
		pstate->p_queryEnv = queryEnv;
		inserted = copy_into_shard(stmt, rel, pstate);
		free_parsestate(pstate);
		table_close(rel, NoLock);
		if (qc != NULL)
			SetQueryCompletion(qc, CMDTAG_COPY, inserted);
		return true;
	}

	snprintf(name, sizeof(name), "compliance_copy_%u_%u", relid, ++copies);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	columns = create_copy_table(rel, stmt->attlist, name);
	insert = psprintf("INSERT INTO %s.%s (%s) SELECT %s FROM pg_temp.%s",
					  quote_identifier(get_namespace_name(RelationGetNamespace(rel))),
					  quote_identifier(RelationGetRelationName(rel)),
					  column_list(columns), column_list(columns), quote_identifier(name));
	table_close(rel, NoLock);

	/* COPY as the statement says, into the temporary table */
	into_temp = copyObject(stmt);
	into_temp->relation = makeRangeVar("pg_temp", pstrdup(name), -1);
	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = queryString;
	pstate->p_queryEnv = queryEnv;
	DoCopy(pstate, into_temp, pstmt->stmt_location, pstmt->stmt_len, &copied);
	free_parsestate(pstate);

	if (SPI_execute(insert, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert the copied rows");
	inserted = SPI_processed;
	if (SPI_execute(psprintf("DROP TABLE pg_temp.%s", quote_identifier(name)), false, 0) !=
		SPI_OK_UTILITY)
		elog(ERROR, "could not drop the table COPY FROM filled");
	SPI_finish();

	if (qc != NULL)
		SetQueryCompletion(qc, CMDTAG_COPY, inserted);
	return true;
}
