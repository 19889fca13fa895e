/*-------------------------------------------------------------------------
 *
 * owner.c
 *	  Statements that officer functions run on protected tables, run as
 *	  the table's owner inside a security-restricted operation.
 *
 * The officer functions (erase_subject, purge_expired, ...) are SECURITY
 * DEFINER functions of the role that installed the extension.  A DELETE
 * they run fires the table owner's triggers, and those would run with the
 * definer's privileges: a table owner could become superuser the next
 * time an officer answers a request; so could a cast or operator of a type
 * the owner created, run by a read.  So every statement runs as the owner,
 * in a security-restricted operation, as PostgreSQL runs VACUUM, ANALYZE
 * and REFRESH MATERIALIZED VIEW (CVE-2022-1552): the owner's code gets the
 * owner's privileges and cannot change the session.  Enforcement is off
 * for the statement itself (the officer erases a blocked subject's rows),
 * and on again for every statement the owner's code runs inside it.
 *
 * Even with the owner's privileges, the owner's code would receive the
 * rows the statement reads or erases: an AFTER DELETE trigger could keep
 * a copy of an erased subject's rows (Art. 13.2, 17.1 of Law 99-Z), a
 * check or cast could print a blocked subject's values.  So while the
 * statement runs, no trigger function runs but the extension's own and
 * PostgreSQL's (foreign keys), and no other function but built-in ones,
 * the extension's and those of superusers: PostgreSQL asks
 * needs_fmgr_hook (compliance.c) before it first calls a function that
 * is not built in, and restricted_function_check() refuses the rest.
 * PostgreSQL's foreign-key cascades still run, at every level: each fires
 * the cascades of the next level at the end of the officer's statement,
 * one level below it, where they see every row (compliance_enforcing()).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/transam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "compliance.h"

PG_FUNCTION_INFO_V1(run_as_table_owner);
PG_FUNCTION_INFO_V1(read_as_table_owner);
PG_FUNCTION_INFO_V1(require_table_owner);
PG_FUNCTION_INFO_V1(wait_for_table_writers);

/* The owner of a relation; an error if there is none. */
static Oid
table_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* the table the officer's statement running now is on (for messages) */
static Oid	restricted_relid = InvalidOid;

/* Does the function's SET clause fix search_path? */
static bool
pins_search_path(HeapTuple proctup)
{
	bool		isnull;
	Datum		config = SysCacheGetAttr(PROCOID, proctup, Anum_pg_proc_proconfig, &isnull);
	Datum	   *items;
	int			n;

	if (isnull)
		return false;
	deconstruct_array(DatumGetArrayTypeP(config), TEXTOID, -1, false, TYPALIGN_INT,
					  &items, NULL, &n);
	for (int i = 0; i < n; i++)
		if (strncmp(TextDatumGetCString(items[i]), "search_path=", 12) == 0)
			return true;
	return false;
}

/*
 * May the function run over rows of subjects whose data may not be
 * processed: is it built in, the extension's, or (not for a trigger
 * function, which would receive every row) a superuser's in C or with its
 * search_path pinned?  The owner of a protected table can neither replace
 * such a function nor steer what it calls.
 */
bool
owner_function_trusted(Oid fn_oid, bool *trigger)
{
	HeapTuple	tuple;
	Form_pg_proc proc;
	bool		trusted;

	*trigger = false;
	if (fn_oid < FirstNormalObjectId)
		return true;
	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(tuple))
		return true;			/* its caller reports it */
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	*trigger = proc->prorettype == TRIGGEROID;

	/*
	 * A superuser's function in C, or one that pins its search_path: a SQL
	 * or PL function resolving names by the session's search_path would
	 * call whatever the owner put first in it.
	 */
	trusted = proc->pronamespace == compliance_namespace() ||
		(!*trigger && superuser_arg(proc->proowner) &&
		 (proc->prolang == ClanguageId || proc->prolang == INTERNALlanguageId ||
		  pins_search_path(tuple)));
	ReleaseSysCache(tuple);
	return trusted;
}

/*
 * Called before PostgreSQL first calls a function that is not built in,
 * while an officer's statement runs (see the header): refuses a function
 * owner_function_trusted() does not trust.
 */
void
restricted_function_check(Oid fn_oid)
{
	bool		trigger;

	if (owner_function_trusted(fn_oid, &trigger))
		return;
	/* on a Citus worker (compliance.officer_statement) the table is a shard */
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 OidIsValid(restricted_relid) ?
			 errmsg("%s %s would run inside an officer's statement on protected table \"%s\"",
					trigger ? "trigger function" : "function",
					format_procedure(fn_oid), get_rel_name(restricted_relid)) :
			 errmsg("%s %s would run inside an officer's statement on a protected table",
					trigger ? "trigger function" : "function",
					format_procedure(fn_oid)),
			 errdetail("It would receive the rows the statement reads or erases, of subjects whose data may not be processed otherwise, and could keep or show them (Art. 13.2, 17.1 of Law 99-Z); only built-in functions, the extension's and those of superusers run there, and no trigger but foreign keys'."),
			 errhint("%s", trigger ?
					 "A superuser disables the trigger (ALTER TABLE ... DISABLE TRIGGER name) for the erasure, or drops it, then the officer function runs again; an erasure's side effects belong in the application." :
					 "A superuser replaces the check, default, cast or index that calls it with one using built-in functions, or takes the function over (ALTER FUNCTION ... OWNER TO), then the officer function runs again.")));
}

/*
 * Does the statement only read (SELECT) or delete (DELETE) rows of a table,
 * with no data-modifying WITH?  Neither runs an expression of the table
 * owner's but its triggers, whose functions restricted_function_check()
 * refuses and whose WHEN conditions owner_refuse_trigger_conditions() does,
 * and its row level security policies, which a superuser bypasses: no
 * domain or CHECK constraint, generated column, index expression or
 * default.  An UPDATE (rectify_subject) runs the owner's domain and CHECK
 * constraints, built-in functions included (set_config, lo_export, ...),
 * over the values it writes.
 */
static CmdType
reads_or_deletes(const char *statement)
{
	List	   *parsed = raw_parser(statement, RAW_PARSE_DEFAULT);
	Node	   *stmt;

	if (list_length(parsed) != 1)
		return CMD_UNKNOWN;
	stmt = ((RawStmt *) linitial(parsed))->stmt;
	if (IsA(stmt, SelectStmt) && ((SelectStmt *) stmt)->withClause == NULL &&
		((SelectStmt *) stmt)->intoClause == NULL)
		return CMD_SELECT;
	if (IsA(stmt, DeleteStmt) && ((DeleteStmt *) stmt)->withClause == NULL)
		return CMD_DELETE;
	return CMD_UNKNOWN;
}

/*
 * An officer's deletion that runs as a superuser (a Citus table whose owner
 * is not one, on the coordinator and, under compliance.officer_statement,
 * on the workers): refused while relid or a partition or child of it has a
 * trigger with a WHEN condition.  PostgreSQL evaluates the condition for
 * every row before it calls the trigger function, so nothing here sees the
 * functions it reaches: through a cast to a domain, or a stable built-in
 * running a query over a view, several did.  The DDL checks refuse such
 * conditions (utility.c); this is what keeps any they miss from running
 * with a superuser's privileges.
 */
void
owner_refuse_trigger_conditions(Oid relid)
{
	ListCell   *lc;

	foreach(lc, find_all_inheritors(relid, AccessShareLock, NULL))
	{
		Relation	rel = relation_open(lfirst_oid(lc), NoLock);
		TriggerDesc *triggers = rel->trigdesc;

		for (int i = 0; triggers != NULL && i < triggers->numtriggers; i++)
			if (!triggers->triggers[i].tgisinternal && triggers->triggers[i].tgqual != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("trigger \"%s\" of \"%s\" has a WHEN condition, which an officer's erasure would evaluate as a superuser",
								triggers->triggers[i].tgname, RelationGetRelationName(rel)),
						 errdetail("On a Citus table whose owner is not a superuser the officer's statement runs as a superuser, and PostgreSQL evaluates a trigger's WHEN condition before it calls the trigger function."),
						 errhint("Create the trigger again without a WHEN condition (test it in the trigger function), or make a superuser the table's owner; then call the officer function again.")));
		relation_close(rel, NoLock);
	}
}

/*
 * Are relid and all its partitions and children tables (no foreign table,
 * whose wrapper would reach its server with a superuser's user mapping)?
 */
static bool
tables_only(Oid relid)
{
	ListCell   *lc;

	foreach(lc, find_all_inheritors(relid, NoLock, NULL))
	{
		char		relkind = get_rel_relkind(lfirst_oid(lc));

		if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
			return false;
	}
	return true;
}

/*
 * Runs one statement on relid as its owner, in a security-restricted
 * operation.  Returns the rows it processed; *value (if not NULL) gets the
 * first column of its first row as text, or NULL.
 */
static uint64
run_restricted(Oid relid, const char *statement, char **value)
{
	Oid			owner;
	Oid			run_as;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	int			save_depth = compliance_restricted_depth;
	Oid			save_relid = restricted_relid;
	int			rc;
	uint64		processed = 0;
	Relation	rel;
	const Protection *p;
	bool		citus;

	owner = table_owner(relid);

	/*
	 * A rule's actions run at the statement's own depth, unenforced: a rule
	 * of the owner's on a protected table would read it whole.  Only a
	 * superuser can have created one (utility.c).
	 */
	rel = relation_open(relid, AccessShareLock);
	if (rel->rd_rules != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("protected table \"%s\" has rules", RelationGetRelationName(rel)),
				 errdetail("The statement an officer function runs on a protected table would run the rules' actions unfiltered, with every row of the table visible to them."),
				 errhint("Drop the rules of the table, or replace them with triggers.")));
	relation_close(rel, NoLock);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	run_as = owner;

	/*
	 * On a Citus table the statement runs on the workers too, unenforced
	 * there by compliance.enforce = off, which only a superuser may set
	 * (citus.c): Citus runs it in sessions of the current role.  For a
	 * table owned by another role a read or a deletion runs as the officer
	 * function's owner, who installed the extension, a superuser; the
	 * workers run it as an officer's statement, where only trusted code
	 * runs, as here.  Running as the owner would give the owner's code the
	 * owner's privileges; in a read or a deletion none of it runs but
	 * trigger functions, which are refused, triggers' WHEN conditions, for
	 * which a deletion is refused (a built-in such as set_config(), or
	 * Citus's alter_role_if_exists(), would act with a superuser's
	 * privileges), and row level security policies, which a superuser
	 * bypasses.  Any other statement would run the owner's constraints with
	 * a superuser's privileges: refused.
	 */
	p = protection_lookup(relid);
	citus = p != NULL && p->citus_table;
	if (citus && !superuser_arg(owner))
	{
		CmdType		command = reads_or_deletes(statement);

		if (command == CMD_UNKNOWN)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot change rows of distributed table \"%s\" in an officer's statement while its owner is not a superuser",
							get_rel_name(relid)),
					 errdetail("On the Citus workers the statement would run as a superuser, and it runs the owner's domain and CHECK constraints over the values it writes; reads and erasures run there, as no code of the owner's runs in them."),
					 errhint("Make a superuser the table's owner (ALTER TABLE ... OWNER TO), then call the officer function again.")));
		/* else as the owner: the workers refuse it, failing closed */
		if (superuser_arg(save_userid) && tables_only(relid))
		{
			run_as = save_userid;
			if (command == CMD_DELETE)
				owner_refuse_trigger_conditions(relid);
		}
	}
	if (citus)
		citus_workers_enforce(false, true);

	SetUserIdAndSecContext(run_as, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	/* what the owner's code sets is undone when the statement ends */
	save_nestlevel = NewGUCNestLevel();

	/*
	 * Row level security is forced on protected tables; their policy admits
	 * every row to this statement, and a restrictive one is refused
	 * (row_security.c).  Off, it would be an error for the owner.
	 */
	(void) set_config_option("row_security", "on", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	/* the statement runs one level down; the owner's statements below it */
	compliance_restricted_depth = compliance_statement_depth + 1;
	restricted_relid = relid;

	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		rc = SPI_execute(statement, value != NULL, value != NULL ? 1 : 0);
		if (rc < 0)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
		processed = SPI_processed;
		if (value != NULL)
		{
			char	   *text = NULL;

			if (SPI_tuptable != NULL && SPI_processed > 0)
				text = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
			*value = text != NULL ? SPI_palloc(strlen(text) + 1) : NULL;
			if (text != NULL)
				strcpy(*value, text);
		}
		SPI_finish();
	}
	PG_FINALLY();
	{
		/* on error, the (sub)transaction's abort restores user and settings */
		compliance_restricted_depth = save_depth;
		restricted_relid = save_relid;
	}
	PG_END_TRY();

	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (citus)
		citus_workers_enforce(true, true);
	return processed;
}

/*
 * run_as_table_owner(tbl regclass, statement text) returns bigint
 *
 * Runs one statement on tbl as its owner and returns the number of rows
 * it processed.
 */
Datum
run_as_table_owner(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64((int64) run_restricted(PG_GETARG_OID(0),
										   text_to_cstring(PG_GETARG_TEXT_PP(1)), NULL));
}

/*
 * read_as_table_owner(tbl regclass, query text) returns text
 *
 * Runs a query on tbl as its owner and returns the first column of its
 * first row, as text (NULL if none): what the officer functions read of
 * protected tables, so that casts, operators and functions of the owner's
 * types run with the owner's privileges.
 */
Datum
read_as_table_owner(PG_FUNCTION_ARGS)
{
	char	   *value;

	run_restricted(PG_GETARG_OID(0), text_to_cstring(PG_GETARG_TEXT_PP(1)), &value);
	if (value == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(value));
}

/*
 * require_table_owner(tbl regclass, action text DEFAULT 'unprotect') returns void
 * (action: unprotect, report or reset, for the wording of the error)
 *
 * For unprotect(), a SECURITY DEFINER function only compliance_admin may
 * execute: the role that called it (the session's, after SET ROLE) must
 * also own the table, or have its owner's privileges, or be a superuser.
 * Neither an administrator of the registry nor a table's owner alone may
 * switch enforcement off for a table.
 */
Datum
require_table_owner(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			owner;
	Oid			role = GetOuterUserId();
	const char *action = PG_ARGISNULL(1) ? "unprotect" : text_to_cstring(PG_GETARG_TEXT_PP(1));

	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	relid = PG_GETARG_OID(0);
	owner = table_owner(relid);
	if (superuser_arg(role) || has_privs_of_role(role, owner))
		PG_RETURN_VOID();
	if (strcmp(action, "report") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s to leave it unenforced in report mode", get_rel_name(relid)),
				 errdetail("In report mode nothing is refused or filtered on the table (Art. 4, 5, 13 of Law 99-Z); only an administrator of the registry who owns it, or a superuser, may switch it so."),
				 errhint("Ask a superuser, or an administrator with the privileges of the table's owner (%s), to call compliance.set_protection_mode().",
						 GetUserNameFromId(owner, false))));
	if (strcmp(action, "reset") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s to reset its report", get_rel_name(relid)),
				 errdetail("The report tells whether enforcing the table would break the processing that uses it; only an administrator who owns it, or a superuser, may forget it."),
				 errhint("Ask a superuser, or an administrator with the privileges of the table's owner (%s), to call compliance.reset_protection_report().",
						 GetUserNameFromId(owner, false))));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("must be owner of table %s to remove its protection", get_rel_name(relid)),
			 errdetail("Removing protection switches enforcement off for every row of the table (Art. 4, 5, 13 of Law 99-Z); only an administrator of the registry who owns it, or a superuser, may."),
			 errhint("Ask a superuser, or an administrator with the privileges of the table's owner (%s), to call compliance.unprotect().",
					 GetUserNameFromId(owner, false))));
	PG_RETURN_VOID();
}

/*
 * compliance.wait_for_table_writers(tables regclass[], except_pids integer[]
 * DEFAULT NULL): waits until every transaction that holds a writer's lock
 * (ROW EXCLUSIVE) on one of the tables when it is called has ended,
 * without taking a lock itself, so that writers starting later are not
 * held up (as CREATE INDEX CONCURRENTLY waits for older transactions).
 * The batches of a purge or of erase tasks erase only subjects with no
 * basis left, whose rows no later writer may add; a writer that added one
 * under a consent since ended may still be open, and must commit or roll
 * back before the batch reads what to erase.  Lock managers' holders, not
 * waiters, are waited for, prepared transactions among them; VACUUM
 * (SHARE UPDATE EXCLUSIVE) is not.  except_pids: backends not to wait for,
 * besides this one (on a Citus worker, those serving the batch's own
 * distributed transaction, 97_citus.sql).
 */
Datum
wait_for_table_writers(PG_FUNCTION_ARGS)
{
	ArrayType  *tables;
	Datum	   *elems;
	bool	   *nulls;
	int			ntables;
	Datum	   *except = NULL;
	bool	   *except_nulls = NULL;
	int			nexcept = 0;
	LockData   *locks;
	VirtualTransactionId mine;
	VirtualTransactionId *writers;
	int			nwriters = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	tables = PG_GETARG_ARRAYTYPE_P(0);
	deconstruct_array(tables, REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT,
					  &elems, &nulls, &ntables);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), INT4OID, sizeof(int32), true,
						  TYPALIGN_INT, &except, &except_nulls, &nexcept);
	GET_VXID_FROM_PGPROC(mine, *MyProc);

	locks = GetLockStatusData();
	writers = palloc(sizeof(VirtualTransactionId) * Max(locks->nelements, 1));
	for (int i = 0; i < locks->nelements; i++)
	{
		LockInstanceData *lock = &locks->locks[i];
		VirtualTransactionId holder;
		bool		listed = false;
		bool		excepted = false;

		COMPAT_LOCK_HOLDER_VXID(lock, holder);
		if (lock->locktag.locktag_type != LOCKTAG_RELATION ||
			lock->locktag.locktag_field1 != MyDatabaseId ||
			(lock->holdMask & LOCKBIT_ON(RowExclusiveLock)) == 0 ||
			!VirtualTransactionIdIsValid(holder) ||
			VirtualTransactionIdEquals(holder, mine))
			continue;
		for (int t = 0; t < ntables && !listed; t++)
			listed = !nulls[t] && DatumGetObjectId(elems[t]) == lock->locktag.locktag_field2;
		/*
		 * an excepted backend's parallel workers too; a prepared transaction
		 * has no backend (pid 0) and is never excepted
		 */
		for (int e = 0; e < nexcept && !excepted && lock->pid != 0; e++)
			excepted = !except_nulls[e] &&
				(DatumGetInt32(except[e]) == lock->pid ||
				 DatumGetInt32(except[e]) == lock->leaderPid);
		if (listed && !excepted)
			writers[nwriters++] = holder;
	}
	for (int i = 0; i < nwriters; i++)
	{
		VirtualXactLock(writers[i], true);
		CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_VOID();
}
