/*-------------------------------------------------------------------------
 *
 * citus.c
 *	  What the settings of a statement on a Citus table must be for the
 *	  workers to enforce as the coordinator does (doc/scaling.md).
 *
 * A query on a distributed table runs on the workers, in sessions of
 * Citus's own, and each worker enforces from its session's settings.
 * Citus sends a setting to those sessions only when it is set with SET
 * LOCAL in a transaction block and citus.propagate_set_commands is
 * 'local'.  A purpose declared any other way (a plain SET, set_config(),
 * a function's SET clause) stays on the coordinator: the workers would
 * refuse the query for want of a purpose, or, worse, filter its rows under
 * an older purpose of the same transaction while the coordinator checked
 * the columns under the new one; a recipient that stayed behind would
 * leave the rows returned to it unlogged on the workers, which capture
 * them (capture.c).  So this file remembers what the transaction's SET
 * LOCAL statements sent, and a statement on a Citus table is refused on
 * the node that plans it unless the purpose and recipient it runs under
 * are the ones sent.
 *
 * Officer functions (owner.c) run their statements unenforced; on a Citus
 * table those statements run on the workers too, so they are sent SET
 * LOCAL compliance.enforce = off and compliance.officer_statement = on,
 * and the reverse once the statement is done.  Only a superuser may set
 * them, on the workers as here: the statement runs as one (owner.c), and
 * the workers run no code of the table owner's inside it.
 *
 * Shard moves and copies (citus_move_shard_placement, the rebalancer) read
 * the shard on its source worker with pg_catalog.worker_copy_table_to_node()
 * (a split with worker_split_copy(), alike), which runs SELECT <columns>
 * FROM <shard> and sends the rows to the target worker with COPY, in both
 * of Citus's modes (block_writes; logical replication, whose initial copy
 * it is).  Moving stored rows to another
 * node is not new processing, and the rows of withdrawn and blocked
 * subjects must arrive too: they are kept, not processed (Art. 13.2), and
 * a filtered copy would lose them when the source is dropped.  So that
 * function runs as if it were declared SET compliance.enforce = off, which
 * only a superuser may set: Citus moves shards as a superuser.  Called by
 * any other role it keeps enforcement, and a protected relation read
 * inside it is refused rather than copied filtered.  On the target, the
 * superuser's COPY into the shard, not yet placed there, runs unenforced
 * too (citus_copy_into_arriving_shard); Citus adds the indexes and the
 * write trigger once the rows are in, as the table's owner, which the DDL
 * checks allow when they are the table's own (citus_shard_gets_table_index,
 * creates_shard_write_trigger in utility.c).  Changes made on the source while a logical move
 * catches up were decided there; the subscription Citus made for the move
 * applies them to the target (citus_subscription_role,
 * citus_applies_shard_move).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_language.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "replication/logicalworker.h"
#include "replication/worker_internal.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "compliance.h"

/* A setting's value as this transaction's SET LOCAL sent it to the workers */
typedef struct SentSetting
{
	bool		sent;
	SubTransactionId subid;		/* the subtransaction that sent it */
	char		value[NAMEDATALEN];
} SentSetting;

static SentSetting sent_purpose;
static SentSetting sent_recipient;

/*
 * Shard copies running in this backend (worker_copy_table_to_node), as a
 * stack: for a superuser's, the GUC nest level its compliance.enforce =
 * off was set at; -1 for another role's.
 */
#define SHARD_COPY_NESTING	8
static int	shard_copies[SHARD_COPY_NESTING];
static int	nshard_copies = 0;
static int	unprivileged_shard_copies = 0;

PG_FUNCTION_INFO_V1(citus_set_workers_enforce);

/* Does Citus forward a SET LOCAL run now to the workers' sessions? */
static bool
citus_forwards_set_local(void)
{
	const char *mode = GetConfigOption("citus.propagate_set_commands", true, false);

	return mode != NULL && strcmp(mode, "local") == 0 && IsTransactionBlock();
}

/*
 * A utility statement that has just run (compliance.c): if it is SET LOCAL
 * of the purpose or recipient and Citus forwarded it, remember the value.
 * Any other change of them in a transaction is not remembered, and one
 * that may have been forwarded with a value not known here (SET LOCAL ...
 * TO DEFAULT) forgets what was sent: the check then refuses.
 */
void
citus_note_setting(Node *parsetree)
{
	VariableSetStmt *stmt = (VariableSetStmt *) parsetree;
	SentSetting *sent;
	const char *value;

	if (!IsA(parsetree, VariableSetStmt) || stmt->name == NULL || !stmt->is_local)
		return;
	if (strcmp(stmt->name, "compliance.purpose") == 0)
	{
		sent = &sent_purpose;
		value = compliance_purpose;
	}
	else if (strcmp(stmt->name, "compliance.recipient") == 0)
	{
		sent = &sent_recipient;
		value = compliance_recipient;
	}
	else
		return;
	sent->sent = false;
	if (stmt->kind != VAR_SET_VALUE || !citus_forwards_set_local())
		return;
	strlcpy(sent->value, value != NULL ? value : "", sizeof(sent->value));
	sent->subid = GetCurrentSubTransactionId();
	sent->sent = true;
}

/*
 * Transaction end: nothing was sent in the next one yet, and no shard copy
 * runs (an error ends them; the abort undid their settings).
 */
void
citus_xact_callback(XactEvent event)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT)
	{
		sent_purpose.sent = sent_recipient.sent = false;
		nshard_copies = unprivileged_shard_copies = 0;
	}
}

/* A subtransaction rolled back takes back what it (or one inside it) sent. */
void
citus_subxact_callback(SubXactEvent event, SubTransactionId subid)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	if (sent_purpose.sent && sent_purpose.subid >= subid)
		sent_purpose.sent = false;
	if (sent_recipient.sent && sent_recipient.subid >= subid)
		sent_recipient.sent = false;
}

/*
 * A statement reads or writes Citus table relid under purpose (executor
 * start, enforce.c): refused unless the workers' sessions have the same
 * purpose, and the same recipient if one is set.
 */
void
citus_check_settings(Oid relid, const PurposeInfo *purpose)
{
	if (!sent_purpose.sent || strcmp(sent_purpose.value, purpose->code) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("purpose \"%s\" is not declared on the workers of distributed table \"%s\"",
						purpose->code, get_rel_name(relid)),
				 errdetail("The workers decide which rows may be processed (Art. 4.4 of Law 99-Z), and Citus sends them compliance.purpose only when it is declared with SET LOCAL in a transaction block, with citus.propagate_set_commands = 'local'."),
				 errhint("Declare it in each transaction: BEGIN; SET LOCAL compliance.purpose = '%s'; ... COMMIT.",
						 purpose->code)));
	if (compliance_recipient_set() &&
		(!sent_recipient.sent || strcmp(sent_recipient.value, compliance_recipient) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("recipient \"%s\" is not declared on the workers of distributed table \"%s\"",
						compliance_recipient, get_rel_name(relid)),
				 errdetail("The workers log the rows they return for a recipient (Art. 12 of Law 99-Z), and Citus sends them compliance.recipient only when it is declared with SET LOCAL in a transaction block, with citus.propagate_set_commands = 'local'."),
				 errhint("Declare it in each transaction: BEGIN; SET LOCAL compliance.recipient = '%s'; ... COMMIT.",
						 compliance_recipient)));
}

/*
 * Turns enforcement off (or on again) in the workers' sessions of this
 * transaction, for an officer's statement on a Citus table (owner.c), or
 * for Citus's copy of a table's local rows into its shards (distribute()).
 * An officer's statement also turns compliance.officer_statement on, under
 * which a worker runs no function but trusted ones (owner.c): the statement
 * runs there as a superuser, and no code of the table owner's may receive
 * the rows it reads or erases.
 * Through SET LOCAL, which Citus forwards to the sessions open in the
 * transaction and to those it opens later; here the setting is undone at
 * once, since the officer's statement is unenforced by its depth.  In a
 * DO block: Citus forwards a SET LOCAL only in what it takes for a
 * transaction block, which a function called by a single statement is
 * not, but a DO block is.
 */
void
citus_workers_enforce(bool on, bool officer)
{
	const char *command;
	int			nestlevel;

	/*
	 * Citus opens a transaction on a worker for a read, and sends it the
	 * SET LOCAL statements, only in a transaction block or a coordinated
	 * transaction: an officer function called by a single statement must
	 * start one, or its reads would reach the workers enforced.
	 */
	if (!on)
	{
		void		(*use_coordinated_transaction) (void);

		use_coordinated_transaction = (void (*) (void))
			load_external_function("$libdir/citus", "UseCoordinatedTransaction", true, NULL);
		use_coordinated_transaction();
	}

	nestlevel = NewGUCNestLevel();

	(void) set_config_option("citus.propagate_set_commands", "local", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (officer)
		command = on ? "DO $$BEGIN SET LOCAL compliance.officer_statement = off; "
			"SET LOCAL compliance.enforce = on; END$$"
			: "DO $$BEGIN SET LOCAL compliance.enforce = off; "
			"SET LOCAL compliance.officer_statement = on; END$$";
	else
		command = on ? "DO $$BEGIN SET LOCAL compliance.enforce = on; END$$"
			: "DO $$BEGIN SET LOCAL compliance.enforce = off; END$$";
	if (SPI_execute(command, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not set compliance.enforce on the Citus workers");
	SPI_finish();
	AtEOXact_GUC(true, nestlevel);
}

/*
 * compliance.citus_workers_enforce(on): citus_workers_enforce() for
 * compliance.distribute(), around Citus's copy of a table's local rows into
 * its new shards.  A superuser's only: the workers refuse the setting to
 * anyone else anyway.
 */
Datum
citus_set_workers_enforce(PG_FUNCTION_ARGS)
{
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only a superuser may turn enforcement off on the Citus workers"),
				 errhint("Connect as a superuser.")));
	citus_workers_enforce(PG_GETARG_BOOL(0), false);
	PG_RETURN_VOID();
}

/*
 * compliance.enforce = off, as a function's SET clause sets it, for a
 * superuser: at a new GUC nest level, returned, which AtEOXact_GUC(true,
 * level) undoes (an error's abort undoes it as well).
 */
int
citus_enforce_off(void)
{
	int			nestlevel;

	Assert(superuser());
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("compliance.enforce", "off", PGC_SUSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

/*
 * The target worker's side of a shard copy (see the header): the rows
 * arrive as COPY <shard> FROM STDIN, in a session Citus opens from the
 * source worker as the same superuser (application_name "citus_internal
 * gpid=...", which any role can set, so it decides nothing), before Citus
 * records the new placement.  A superuser's COPY FROM into a shard of a
 * protected table that this worker holds no placement of (pg_dist_placement,
 * which Citus keeps on every worker) and that has no write trigger yet is
 * such a copy, and runs unenforced:
 * the rows were admitted where the shard was.  Any other role's COPY, and
 * a superuser's into a placed shard, are enforced as ever.
 */
bool
citus_copy_into_arriving_shard(Node *parsetree)
{
	CopyStmt   *stmt = (CopyStmt *) parsetree;
	Oid			relid;
	int64		shardid;
	CatalogUserSave save;
	Datum		arg;
	bool		isnull;
	bool		placed;

	if (!IsA(parsetree, CopyStmt) || !stmt->is_from || stmt->relation == NULL ||
		!superuser() || !compliance_enforce || !protection_any())
		return false;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || !protection_citus_shard(relid) ||
		(shardid = protection_shard_id(relid)) == 0)
		return false;

	/*
	 * Citus gives an arriving shard its triggers after the copy; a shard
	 * that has the write trigger is no copy, whatever pg_dist_placement
	 * says (a table's owner can rewrite that on a worker, through Citus's
	 * citus_internal functions).
	 */
	if (protection_has_write_trigger(relid))
		return false;

	compliance_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	arg = Int64GetDatum(shardid);
	if (SPI_execute_with_args("SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_placement p"
							  " WHERE p.shardid OPERATOR(pg_catalog.=) $1"
							  " AND p.groupid OPERATOR(pg_catalog.=)"
							  " (SELECT l.groupid FROM pg_catalog.pg_dist_local_group l))",
							  1, (Oid[]) {INT8OID}, &arg, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not read pg_catalog.pg_dist_placement");
	placed = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	compliance_restore_user(&save);
	return !placed;
}

/* Does a role or subscription name start with one of Citus's shard move prefixes? */
static bool
citus_move_name(const char *name, const char *move_prefix, const char *split_prefix)
{
	return name != NULL &&
		(strncmp(name, move_prefix, strlen(move_prefix)) == 0 ||
		 strncmp(name, split_prefix, strlen(split_prefix)) == 0);
}

/*
 * A logical shard move's subscription on the target worker is owned by a
 * role Citus creates as a superuser and then makes NOSUPERUSER, so that
 * the changes it applies run with the table owner's rights.  PostgreSQL
 * refuses to apply changes into a table with row level security for a
 * role that does not bypass it ("cannot replicate into relation with
 * row-level security enabled"), and protected shards force it: the move
 * would wait for its catch-up for ever once the shard is written to
 * while it runs.  So a superuser's ALTER ROLE ... NOSUPERUSER of such a
 * role also gives it BYPASSRLS, which a superuser may give anyway: the
 * role applies the rows the source worker stored, and is dropped with
 * the subscription when the move ends.  Returns the statement to run.
 */
PlannedStmt *
citus_subscription_role(PlannedStmt *pstmt, bool *readOnlyTree)
{
	AlterRoleStmt *stmt = (AlterRoleStmt *) pstmt->utilityStmt;
	bool		nosuperuser = false;
	ListCell   *lc;

	if (!IsA(stmt, AlterRoleStmt) || stmt->role == NULL ||
		stmt->role->roletype != ROLESPEC_CSTRING || !superuser() ||
		!citus_move_name(stmt->role->rolename, "citus_shard_move_subscription_role_",
						 "citus_shard_split_subscription_role_"))
		return pstmt;
	foreach(lc, stmt->options)
	{
		DefElem    *option = lfirst(lc);

		if (strcmp(option->defname, "bypassrls") == 0)
			return pstmt;
		if (strcmp(option->defname, "superuser") == 0 && !defGetBoolean(option))
			nosuperuser = true;
	}
	if (!nosuperuser)
		return pstmt;
	pstmt = copyObject(pstmt);
	*readOnlyTree = false;
	stmt = (AlterRoleStmt *) pstmt->utilityStmt;
	stmt->options = lappend(stmt->options,
							makeDefElem("bypassrls", (Node *) makeBoolean(true), -1));
	return pstmt;
}

/*
 * Is fn_oid Citus's pg_catalog.worker_copy_table_to_node(), or its
 * worker_split_copy(), which copies a shard's rows into the shards it is
 * split into, as the other copies a shard whole?  Only a
 * superuser creates C functions, and functions in pg_catalog, so a
 * function that is both, and names Citus's library and symbol, is Citus's.
 * Not with settings of its own (ALTER FUNCTION ... SET): their GUC nest
 * level would be undone before the hook's, so the copy is then left
 * enforced, and fails.  Asked before a function that is not built in is
 * first called (the needs_fmgr_hook in compliance.c), so the name is
 * compared first.
 */
bool
citus_shard_copy_function(Oid fn_oid)
{
	HeapTuple	tuple;
	Form_pg_proc proc;
	bool		citus = false;

	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(tuple))
		return false;
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	if ((strcmp(NameStr(proc->proname), "worker_copy_table_to_node") == 0 ||
		 strcmp(NameStr(proc->proname), "worker_split_copy") == 0) &&
		proc->pronamespace == PG_CATALOG_NAMESPACE && proc->prolang == ClanguageId)
	{
		bool		binnull;
		bool		srcnull;
		Datum		bin = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_probin, &binnull);
		Datum		src = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_prosrc, &srcnull);

		citus = !binnull && !srcnull &&
			heap_attisnull(tuple, Anum_pg_proc_proconfig, NULL) &&
			strcmp(TextDatumGetCString(bin), "$libdir/citus") == 0 &&
			strcmp(TextDatumGetCString(src), NameStr(proc->proname)) == 0;
	}
	ReleaseSysCache(tuple);
	return citus;
}

/*
 * The fmgr hook's part (compliance.c), around a call of a function the
 * needs_fmgr_hook asked for: for a shard copy (see the header), what a
 * function's SET compliance.enforce = off does, if the current role is a
 * superuser; otherwise it is counted, so that a protected relation read
 * inside it is refused (citus_check_shard_copy).  An error ends the copy:
 * the (sub)transaction's abort undoes the setting.
 */
void
citus_shard_copy_hook(FmgrHookEventType event, FmgrInfo *flinfo)
{
	if (!citus_shard_copy_function(flinfo->fn_oid))
		return;
	switch (event)
	{
		case FHET_START:
			if (nshard_copies >= SHARD_COPY_NESTING)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("shard copies nested too deeply")));
			if (superuser())
				shard_copies[nshard_copies++] = citus_enforce_off();
			else
			{
				shard_copies[nshard_copies++] = -1;
				unprivileged_shard_copies++;
			}
			break;
		case FHET_END:
		case FHET_ABORT:
			if (nshard_copies == 0)
				break;
			nshard_copies--;
			if (shard_copies[nshard_copies] < 0)
				unprivileged_shard_copies--;
			else if (event == FHET_END)
				AtEOXact_GUC(true, shard_copies[nshard_copies]);
			break;
	}
}

/*
 * A protected relation at executor start (enforce.c): refused inside a
 * shard copy that a role other than a superuser runs.  Enforcement would
 * leave rows out, and a move that dropped its source afterwards would lose
 * them; a role that is not a superuser cannot turn it off.
 */
void
citus_check_shard_copy(Oid relid)
{
	if (unprivileged_shard_copies > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("Citus copies shards of protected tables only for a superuser"),
				 errdetail("worker_copy_table_to_node() would read \"%s\" through the row filter and copy only the rows the declared purpose may process; a shard moves whole, rows of withdrawn and blocked subjects included, which are kept but not processed (Art. 13.2 of Law 99-Z).",
						   get_rel_name(relid)),
				 errhint("Move or copy shards of protected tables as a superuser (citus_move_shard_placement, the rebalancer).")));
}

/*
 * Is this session the logical replication worker of a Citus shard move (or
 * split), applying to shard relid a change made on its source worker while
 * the move caught up?  That change was decided on the source, by its own
 * write trigger; the worker that applies it has no purpose to decide from.
 * Citus names its subscriptions so; only a superuser can create a
 * subscription on PostgreSQL 15 (a member of pg_create_subscription from
 * 16 on: grant it to no application role).
 */
bool
citus_applies_shard_move(Oid relid)
{
	if (!IsLogicalWorker() || MySubscription == NULL ||
		!citus_move_name(MySubscription->name, "citus_shard_move_subscription_",
						 "citus_shard_split_subscription_"))
		return false;
	return protection_citus_shard(relid);
}

/*
 * Is relid a shard of a Citus table that does not carry the write trigger
 * yet?  Citus gives a shard that arrives on a worker (a shard move or copy)
 * its table's triggers last, after its rows, indexes and constraints.
 */
bool
citus_shard_arriving(Oid relid)
{
	return OidIsValid(protection_shard_table(relid)) && !protection_has_write_trigger(relid);
}

/*
 * A primary key, unique constraint or unique index that a role other than
 * a superuser builds over the stored rows of a shard (utility.c): is it
 * Citus giving a shard that arrives on this worker (a shard move or copy)
 * one its distributed table has?  Citus builds them once the rows are in,
 * before the shard's triggers, in a session of the table's owner
 * (worker_apply_shard_ddl_command), naming each after the table's with
 * "_<shardid>" appended.  Such a build finds no duplicate: the rows come
 * from a shard where the same index held.  So it tells nothing of a stored
 * value, which is why the DDL checks refuse other unique builds to a table's
 * owner.  It must match the table's index exactly: kind, access method,
 * key and included columns, default operator classes and collations, no
 * expressions, no predicate, and the shard must not carry its write
 * trigger yet (a shard in use, whose unique index its owner dropped and
 * builds again over rows of its choice, is refused as ever).
 */
bool
citus_shard_gets_table_index(Oid relid, const char *name, bool primary,
							 bool nulls_not_distinct, const char *access_method,
							 List *keys, List *including)
{
	Oid			table = protection_shard_table(relid);
	int64		shardid = protection_shard_id(relid);
	Relation	rel;
	List	   *indexes;
	ListCell   *lc;
	bool		match = false;

	if (name == NULL || !citus_shard_arriving(relid))
		return false;
	rel = table_open(table, AccessShareLock);
	indexes = RelationGetIndexList(rel);
	table_close(rel, AccessShareLock);
	foreach(lc, indexes)
	{
		Oid			index = lfirst_oid(lc);
		HeapTuple	tuple;
		Form_pg_index form;
		oidvector  *classes;
		oidvector  *collations;
		Datum		datum;
		bool		isnull;
		Oid			am;
		ListCell   *col;
		int			i = 0;

		if (!protection_names_shard(get_rel_name(index), shardid, name))
			continue;
		tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(index));
		if (!HeapTupleIsValid(tuple))
			break;
		am = ((Form_pg_class) GETSTRUCT(tuple))->relam;
		ReleaseSysCache(tuple);
		tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
		if (!HeapTupleIsValid(tuple))
			break;
		form = (Form_pg_index) GETSTRUCT(tuple);
		datum = SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indclass, &isnull);
		classes = (oidvector *) DatumGetPointer(datum);
		datum = SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indcollation, &isnull);
		collations = (oidvector *) DatumGetPointer(datum);
		match = form->indisunique && !form->indisexclusion &&
			form->indisprimary == primary &&
			form->indnullsnotdistinct == nulls_not_distinct &&
			heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) &&
			heap_attisnull(tuple, Anum_pg_index_indpred, NULL) &&
			strcmp(get_am_name(am), access_method != NULL ? access_method : DEFAULT_INDEX_TYPE) == 0 &&
			form->indnkeyatts == list_length(keys) &&
			form->indnatts == list_length(keys) + list_length(including);
		foreach(col, list_concat_copy(keys, including))
		{
			AttrNumber	attno = form->indkey.values[i];
			Oid			atttype;
			int32		atttypmod;
			Oid			attcollation;

			if (!match)
				break;
			match = attno > 0 && strcmp(get_attname(table, attno, false), strVal(lfirst(col))) == 0;
			/* key columns: the operator class and collation a plain column name gets */
			if (match && i < form->indnkeyatts)
			{
				get_atttypetypmodcoll(table, attno, &atttype, &atttypmod, &attcollation);
				match = classes->values[i] == GetDefaultOpClass(atttype, am) &&
					collations->values[i] == attcollation;
			}
			i++;
		}
		ReleaseSysCache(tuple);
		break;
	}
	list_free(indexes);
	return match;
}
