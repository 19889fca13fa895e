/*-------------------------------------------------------------------------
 *
 * protection.c
 *	  Which relations are protected, and where their subject and
 *	  special-category columns are.
 *
 * compliance.protected_tables names the tables protect() registered.  A
 * partition or inheritance child of one is protected too, with its own
 * column numbers, so lookups go by relation and are cached per relation.
 * The registry trigger bumps registry_generation() on every change, which
 * drops everything here; a relcache invalidation of one relation (attach,
 * detach, ALTER TABLE) drops that relation's entry.  On a Citus worker a
 * shard is protected as the distributed table it is a shard of.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/value.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "compliance.h"

/* A table registered with protect(). */
typedef struct RegisteredTable
{
	Oid			relid;			/* hash key */
	char		subject_column[NAMEDATALEN];
	char		subject_kind[NAMEDATALEN];
	bool		report;			/* set_protection_mode(..., 'report') */
	int			nspecial;
	char	  **special_columns;
} RegisteredTable;

static MemoryContext protection_context = NULL;
static HTAB *registered = NULL;	/* relid -> RegisteredTable */
static HTAB *by_relation = NULL;	/* relid -> Protection */
static List *subject_kinds = NIL;	/* compliance.subject_kinds, as C strings */
static uint64 loaded_generation = 0;
static bool loaded = false;
static bool loading = false;

static const char *protection_query =
"SELECT t.relid::pg_catalog.oid, t.subject_column::pg_catalog.text,"
"       pg_catalog.array_remove(pg_catalog.array_agg(c.column_name::pg_catalog.text), NULL),"
"       t.subject_kind, t.mode OPERATOR(pg_catalog.=) 'report'"
"  FROM compliance.protected_tables t"
"  LEFT JOIN compliance.protected_columns c"
"         ON c.relid OPERATOR(pg_catalog.=) t.relid"
"        AND c.category OPERATOR(pg_catalog.<>) ALL ('{ordinary,publicly_accessible}')"
" GROUP BY 1, 2, 4, 5";

static const char *kinds_query = "SELECT kind FROM compliance.subject_kinds";

void
protection_relcache_callback(Datum arg, Oid relid)
{
	if (by_relation == NULL)
		return;
	if (relid == InvalidOid)
		loaded = false;
	else
		hash_search(by_relation, &relid, HASH_REMOVE, NULL);
}

static void
protection_load(void)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	HASHCTL		ctl;
	HTAB	   *reg;
	HTAB	   *rel;
	uint64		gen = registry_generation();
	CatalogUserSave save;
	List	   *kinds;
	SPIPlanPtr	plan;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "compliance protection",
								ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(RegisteredTable);
	ctl.hcxt = cxt;
	reg = hash_create("compliance protected tables", 32, &ctl,
					  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = sizeof(Protection);
	rel = hash_create("compliance protected relations", 64, &ctl,
					  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	{
		registry_watch();
		compliance_become_owner(&save);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		/* prepared before the snapshot is taken (compliance_fresh_snapshot()) */
		plan = SPI_prepare(protection_query, 0, NULL);
		if (SPI_execute_snapshot(plan, NULL, NULL,
								 compliance_fresh_snapshot(), InvalidSnapshot,
								 true, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read compliance.protected_tables");

		oldcxt = MemoryContextSwitchTo(cxt);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			Oid			relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
			RegisteredTable *t = hash_search(reg, &relid, HASH_ENTER, NULL);
			Datum	   *items;
			bool	   *nulls;

			strlcpy(t->subject_column, SPI_getvalue(tup, desc, 2), NAMEDATALEN);
			strlcpy(t->subject_kind, SPI_getvalue(tup, desc, 4), NAMEDATALEN);
			t->report = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
			deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, 3, &isnull)),
							  TEXTOID, -1, false, TYPALIGN_INT,
							  &items, &nulls, &t->nspecial);
			t->special_columns = palloc(sizeof(char *) * Max(t->nspecial, 1));
			for (int j = 0; j < t->nspecial; j++)
				t->special_columns[j] = TextDatumGetCString(items[j]);
		}
		MemoryContextSwitchTo(oldcxt);
		plan = SPI_prepare(kinds_query, 0, NULL);
		if (SPI_execute_snapshot(plan, NULL, NULL,
								 compliance_fresh_snapshot(), InvalidSnapshot,
								 true, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read compliance.subject_kinds");
		oldcxt = MemoryContextSwitchTo(cxt);
		kinds = NIL;
		for (uint64 i = 0; i < SPI_processed; i++)
			kinds = lappend(kinds, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		MemoryContextSwitchTo(oldcxt);
		SPI_finish();
		compliance_restore_user(&save);
	}

	MemoryContextSetParent(cxt, CacheMemoryContext);
	if (protection_context)
		MemoryContextDelete(protection_context);
	protection_context = cxt;
	registered = reg;
	by_relation = rel;
	subject_kinds = kinds;
	loaded_generation = gen;
	loaded = true;
}

/*
 * Loads the registered tables if needed.  Returns false while the extension
 * is absent or being created, and while a load is under way (the load's own
 * queries touch no protected table).
 */
static bool
protection_ready(void)
{
	if (loading || creating_extension)
		return false;
	if (!loaded || loaded_generation != registry_generation())
	{
		/*
		 * Not installed (the schema may outlive DROP EXTENSION): nothing to
		 * load, and nothing marked loaded, so a later CREATE EXTENSION is
		 * seen at once.
		 */
		if (!OidIsValid(compliance_relid("protected_columns", true)))
			return false;
		loading = true;
		PG_TRY();
		{
			protection_load();
		}
		PG_FINALLY();
		{
			loading = false;
		}
		PG_END_TRY();
	}
	return true;
}

/*
 * Is relid a shard of a protected Citus table (a relation on a worker that
 * is protected as a Citus table other than itself)?
 */
bool
protection_citus_shard(Oid relid)
{
	const Protection *p = protection_lookup(relid);
	const Protection *table;

	if (p == NULL || p->protected_relid == relid)
		return false;
	table = protection_lookup(p->protected_relid);
	return table != NULL && table->citus_table;
}

/* True if the subject kind is registered (compliance.subject_kinds). */
bool
protection_kind_known(const char *kind)
{
	ListCell   *lc;

	if (!protection_ready())
		return false;
	foreach(lc, subject_kinds)
		if (strcmp((const char *) lfirst(lc), kind) == 0)
			return true;
	return false;
}

/*
 * Is Citus installed here?  On a Citus node a shard can carry the write
 * trigger of a table this node has no copy of the protection of
 * (unknown_here()), so the hooks look at every relation even while nothing
 * is registered.
 */
static bool
citus_node(void)
{
	return OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE));
}

/* True if any table is, or may be, protected in this database. */
bool
protection_any(void)
{
	return protection_ready() && (hash_get_num_entries(registered) > 0 || citus_node());
}

/* Parents of an inheritance child (not a partition), from pg_inherits. */
static List *
inheritance_parents(Oid relid)
{
	List	   *parents = NIL;
	Relation	inh = table_open(InheritsRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_inherits_inhrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(inh, InheritsRelidSeqnoIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		parents = lappend_oid(parents, ((Form_pg_inherits) GETSTRUCT(tup))->inhparent);
	systable_endscan(scan);
	table_close(inh, AccessShareLock);
	return parents;
}

/*
 * Is relname what Citus names shard shardid of table table_name?  Citus
 * appends "_<shardid>"; a name too long for that is clipped, with a hash of
 * the whole name put in between (AppendShardIdToName() in Citus).
 * pg_dist_shard alone is not trusted: a table's owner may rewrite its
 * tables' rows there on a worker (Citus's citus_internal functions), and
 * would otherwise file a shard of one protected table under another one,
 * filtered by a column of its choosing.
 */
bool
protection_names_shard(const char *table_name, int64 shardid, const char *relname)
{
	char		suffix[NAMEDATALEN];
	char		expected[NAMEDATALEN];
	int			len = strlen(table_name);
	int			suffix_len;

	snprintf(suffix, sizeof(suffix), "_" INT64_FORMAT, shardid);
	suffix_len = strlen(suffix);
	if (len < NAMEDATALEN - suffix_len)
		snprintf(expected, sizeof(expected), "%s%s", table_name, suffix);
	else
		snprintf(expected, sizeof(expected), "%.*s_%.8x%s",
				 pg_mbcliplen(table_name, len, NAMEDATALEN - suffix_len - 10), table_name,
				 DatumGetUInt32(hash_any((const unsigned char *) table_name, len)), suffix);
	return strcmp(expected, relname) == 0;
}

/*
 * The shard id a relation's name ends in, as Citus names shards
 * ("<table>_<shardid>"); 0 if it ends in none.
 */
int64
protection_shard_id(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *p;
	char	   *end;
	int64		shardid;

	if (relname == NULL || (p = strrchr(relname, '_')) == NULL ||
		p[1] < '1' || p[1] > '9' || strlen(p + 1) > 18)
		return 0;
	errno = 0;
	shardid = strtoll(p + 1, &end, 10);
	if (*end != '\0' || errno != 0)
		return 0;
	return shardid;
}

/*
 * The distributed table a Citus shard belongs to, or InvalidOid.  On a
 * Citus worker a query reaches a shard, public.t_102008, never t itself;
 * Citus names a shard after its table with "_<shardid>" appended (the
 * table's name shortened first when too long) in the table's schema, and
 * lists it in pg_dist_shard, which Citus copies to every node that has
 * its metadata.  A relation of that name in the same schema as the table
 * pg_dist_shard names for the id is taken for its shard: a table a user
 * names so is protected as the table it imitates, which errs on the safe
 * side.  Without Citus (no pg_dist_shard) nothing is a shard.
 */
Oid
protection_shard_table(Oid relid)
{
	Oid			dist_shard = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	int64		shardid;
	Oid			parent = InvalidOid;
	CatalogUserSave save;
	Datum		arg;
	bool		isnull;

	if (!OidIsValid(dist_shard) || (shardid = protection_shard_id(relid)) == 0)
		return InvalidOid;

	compliance_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	arg = Int64GetDatum(shardid);
	if (SPI_execute_with_args("SELECT s.logicalrelid::pg_catalog.oid FROM pg_catalog.pg_dist_shard s"
							  " WHERE s.shardid OPERATOR(pg_catalog.=) $1",
							  1, (Oid[]) {INT8OID}, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_catalog.pg_dist_shard");
	if (SPI_processed == 1)
		parent = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	compliance_restore_user(&save);

	if (OidIsValid(parent) &&
		(parent == relid || get_rel_namespace(parent) != get_rel_namespace(relid) ||
		 !protection_names_shard(get_rel_name(parent), shardid, get_rel_name(relid))))
		parent = InvalidOid;
	return parent;
}

/*
 * Is relid a Citus table (pg_dist_partition): distributed, reference or
 * Citus-local?  Its own relation is an empty shell; its rows are in its
 * shards, which are protected as it is (protection_shard_table()).
 */
static bool
citus_table(Oid relid)
{
	CatalogUserSave save;
	Datum		arg = ObjectIdGetDatum(relid);
	bool		found;

	if (!OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)))
		return false;
	compliance_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT FROM pg_catalog.pg_dist_partition p"
							  " WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1",
							  1, (Oid[]) {REGCLASSOID}, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_catalog.pg_dist_partition");
	found = SPI_processed > 0;
	SPI_finish();
	compliance_restore_user(&save);
	return found;
}

/*
 * Does relid carry the extension's write trigger (compliance.enforce_write)?
 * protect() puts it on a table, and Citus copies a distributed table's
 * triggers to its shards and to the table's copy on every node.
 */
bool
protection_has_write_trigger(Oid relid)
{
	Relation	trig = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;
	Oid			nsp = compliance_namespace();

	ScanKeyInit(&key, Anum_pg_trigger_tgrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(trig, TriggerRelidNameIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Oid			fn = ((Form_pg_trigger) GETSTRUCT(tup))->tgfoid;
		char	   *name = get_func_name(fn);

		found = name != NULL && strcmp(name, "enforce_write") == 0 &&
			get_func_namespace(fn) == nsp;
	}
	systable_endscan(scan);
	table_close(trig, AccessShareLock);
	return found;
}

/*
 * A relation protected elsewhere and unknown here (Protection.unknown_here):
 * a protected table distributed by a plain create_distributed_table(),
 * whose protection compliance.distribute() never copied to this node.
 * Refused, not served unfiltered.
 */
static void
refuse_unknown_here(Oid relid)
{
	Oid			table = protection_shard_table(relid);
	char	   *name;

	if (!OidIsValid(table))
		table = relid;
	name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(table)),
									  get_rel_name(table));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("table %s is protected, but this node has no copy of its protection", name),
			 errdetail("It carries the write trigger of compliance.protect(): it was protected on the Citus coordinator, and this node has not received what enforcement decides from, which compliance.distribute() copies to every node (Art. 4.4 of Law 99-Z: processing only for a stated purpose and on a legal basis): the table was distributed without it, or the node was added or its metadata synchronised again since."),
			 errhint("On the coordinator, run SELECT compliance.distribute('%s'), or for a node added with citus_add_node() or synchronised again, CALL compliance.citus_add_worker(host, port); nothing is processed here until then.",
					 name)));
}

/*
 * The registered table relid is or descends from, or NULL: through
 * partitioning and inheritance, and from a Citus shard to its table.
 */
static RegisteredTable *
registered_ancestor(Oid relid)
{
	List	   *queue = list_make1_oid(relid);
	RegisteredTable *found = NULL;
	int			visited = 0;

	while (queue != NIL && found == NULL && visited++ < 1000)
	{
		Oid			current = linitial_oid(queue);
		Oid			table;

		queue = list_delete_first(queue);
		found = hash_search(registered, &current, HASH_FIND, NULL);
		if (found != NULL)
			break;
		if (has_superclass(current))
			queue = list_concat(queue, inheritance_parents(current));
		if (OidIsValid(table = protection_shard_table(current)))
			queue = lappend_oid(queue, table);
	}
	list_free(queue);
	return found;
}

/*
 * Protection of a relation (a registered table, or a partition or child of
 * one), or NULL if it is not protected.  A relation protected but unknown
 * here (refuse_unknown_here()) is returned with unknown_here set: the DDL
 * checks (utility.c) treat it as protected; protection_lookup() refuses it.
 */
const Protection *
protection_lookup_ddl(Oid relid)
{
	Protection *p;
	RegisteredTable *t;
	Protection	built;
	MemoryContext oldcxt;
	bool		found;

	if (!protection_any())
		return NULL;
	p = hash_search(by_relation, &relid, HASH_FIND, NULL);
	if (p != NULL)
		return p->protected_relid == InvalidOid ? NULL : p;

	/* Work out the entry completely before entering it (lookups may invalidate). */
	memset(&built, 0, sizeof(built));
	built.relid = relid;
	t = registered_ancestor(relid);
	if (t == NULL && citus_node() && protection_has_write_trigger(relid))
	{
		built.protected_relid = relid;
		built.unknown_here = true;
	}
	else if (t != NULL)
	{
		built.protected_relid = t->relid;
		built.subject_attno = get_attnum(relid, t->subject_column);
		if (built.subject_attno != InvalidAttrNumber)
		{
			get_atttypetypmodcoll(relid, built.subject_attno, &built.subject_type,
								  &built.subject_typmod, &built.subject_collation);
			built.subject_base_type = getBaseType(built.subject_type);
		}
		oldcxt = MemoryContextSwitchTo(protection_context);
		for (int i = 0; i < t->nspecial; i++)
		{
			AttrNumber	attno = get_attnum(relid, t->special_columns[i]);

			if (attno != InvalidAttrNumber)
				built.special_attnos = bms_add_member(built.special_attnos, attno);
		}
		MemoryContextSwitchTo(oldcxt);
		built.subject_column = t->subject_column;
		built.subject_kind = t->subject_kind;
		built.report = t->report;
		built.citus_table = citus_table(relid);
		built.write_check = protection_has_write_trigger(relid);
	}

	p = hash_search(by_relation, &relid, HASH_ENTER, &found);
	*p = built;
	return p->protected_relid == InvalidOid ? NULL : p;
}

/*
 * Protection of a relation, for the paths that read or write its rows:
 * NULL if it is not protected; an error if it is protected but unknown on
 * this node, unless enforcement is off (a superuser's, or the coordinator's
 * for Citus's own copy of rows into new shards): then there is nothing to
 * enforce it by.
 */
const Protection *
protection_lookup(Oid relid)
{
	const Protection *p = protection_lookup_ddl(relid);

	if (p != NULL && p->unknown_here)
	{
		if (!compliance_enforce)
			return NULL;
		refuse_unknown_here(relid);
	}
	return p;
}

/* ---------------------------------------------------------------------
 * Subject keys as the protected tables hold them
 * ---------------------------------------------------------------------
 */

/*
 * An integer key in int8out's form, if the key reads as one of the type's
 * range (with int8in's leading and trailing spaces and sign).
 */
static bool
integer_form(const char *key, Oid type, char *out, size_t outlen)
{
	const char *p = key;
	bool		negative = false;
	uint64		v = 0;
	int			digits = 0;
	int64		value;

	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '-' || *p == '+')
		negative = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++)
	{
		if (v > (PG_UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
		digits++;
	}
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (digits == 0 || *p != '\0' || v > (uint64) PG_INT64_MAX + (negative ? 1 : 0))
		return false;
	value = negative ? (int64) (0 - v) : (int64) v;
	if ((type == INT2OID && (value < PG_INT16_MIN || value > PG_INT16_MAX)) ||
		(type == INT4OID && (value < PG_INT32_MIN || value > PG_INT32_MAX)))
		return false;
	snprintf(out, outlen, INT64_FORMAT, value);
	return true;
}

/*
 * A uuid key in uuid_out's form (lower case, 8-4-4-4-12), if it reads as
 * uuid_in reads one: optional braces, a hyphen allowed after any group of
 * four digits.
 */
static bool
uuid_form(const char *key, char *out, size_t outlen)
{
	const char *p = key;
	char		hex[33];
	int			n = 0;
	bool		braces = *p == '{';

	if (braces)
		p++;
	while (n < 32)
	{
		char		c = *p;

		if (c >= 'A' && c <= 'F')
			c += 'a' - 'A';
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		hex[n++] = c;
		p++;
		if (n % 4 == 0 && n < 32 && *p == '-')
			p++;
	}
	if (braces && *p++ != '}')
		return false;
	if (*p != '\0')
		return false;
	hex[32] = '\0';
	snprintf(out, outlen, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return true;
}

/* The kind's subject columns, for an error message: "patients.id (integer), ...". */
static char *
subject_columns_text(List *relids)
{
	StringInfoData types;
	ListCell   *lc;

	initStringInfo(&types);
	foreach(lc, relids)
	{
		const Protection *p = protection_lookup(lfirst_oid(lc));

		if (p == NULL || p->subject_attno == InvalidAttrNumber)
			continue;
		appendStringInfo(&types, "%s%s.%s (%s)", types.len > 0 ? ", " : "",
						 get_rel_name(p->protected_relid), p->subject_column,
						 format_type_be(p->subject_type));
	}
	return types.data;
}

/*
 * The subject key as the protected tables of its kind hold it.  Consents,
 * grounds, blocks and applications are matched to rows by the text form
 * of the row's subject column (its type's output function), so a key
 * written otherwise (' 42' or '042' for an integer column, an upper-case
 * uuid) would name nobody: a withdrawal of '042' would leave the consent
 * of 42 in force.  Where the kind has integer or uuid subject columns and
 * they read the key as one value, that value's form is the key, whatever
 * other tables of the kind hold: their keys must match the typed ones, and
 * a withdrawal must not miss because someone protected a text table.  Where
 * none of them can read it, the key stands as written if a column of
 * another type (text) can hold it.  No protected table of the kind: the key
 * as given.
 */
const char *
protection_subject_key(const char *kind, const char *key)
{
	List	   *relids = NIL;
	List	   *forms = NIL;
	HASH_SEQ_STATUS seq;
	RegisteredTable *t;
	ListCell   *lc;
	bool		typed = false;
	bool		untyped = false;

	if (!protection_ready() || hash_get_num_entries(registered) == 0)
		return key;
	/* lookups below may reload the registry: collect first */
	hash_seq_init(&seq, registered);
	while ((t = hash_seq_search(&seq)) != NULL)
		if (strcmp(t->subject_kind, kind) == 0)
			relids = lappend_oid(relids, t->relid);
	list_sort(relids, list_oid_cmp);	/* a stable order for the messages */

	foreach(lc, relids)
	{
		const Protection *p = protection_lookup(lfirst_oid(lc));
		char		form[64];
		bool		readable;

		if (p == NULL || p->subject_attno == InvalidAttrNumber)
			continue;
		switch (p->subject_base_type)
		{
			case INT2OID:
			case INT4OID:
			case INT8OID:
				readable = integer_form(key, p->subject_base_type, form, sizeof(form));
				break;
			case UUIDOID:
				readable = uuid_form(key, form, sizeof(form));
				break;
			default:
				untyped = true; /* held as written */
				continue;
		}
		typed = true;
		if (readable && !list_member(forms, makeString(pstrdup(form))))
			forms = lappend(forms, makeString(pstrdup(form)));
	}
	if (list_length(forms) == 1)
		return strVal(linitial(forms));
	if (list_length(forms) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("subject key \"%s\" reads as different subjects of kind \"%s\"", key, kind),
				 errdetail("The subject columns of the kind's protected tables read it as \"%s\" and \"%s\": %s.",
						   strVal(linitial(forms)), strVal(lsecond(forms)), subject_columns_text(relids)),
				 errhint("Pass the key exactly as the subject column holds it.")));
	if (typed && !untyped)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("subject key \"%s\" cannot name a subject of kind \"%s\"", key, kind),
				 errdetail("The subject columns of the kind's protected tables cannot hold it: %s.",
						   subject_columns_text(relids)),
				 errhint("Pass the key as the subject column holds it, e.g. '42' for an integer column.")));
	return key;
}

/*
 * subject_key(subject text, subject_kind text) returns text
 *
 * The key as the kind's protected tables hold it (see above), for
 * compliance.check_subject().
 */
PG_FUNCTION_INFO_V1(subject_key);
Datum
subject_key(PG_FUNCTION_ARGS)
{
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(1));

	PG_RETURN_TEXT_P(cstring_to_text(protection_subject_key(kind, key)));
}
