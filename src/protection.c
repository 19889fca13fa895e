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
 * detach, ALTER TABLE) drops that relation's entry.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "commands/extension.h"
#include "executor/spi.h"
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
"       t.subject_kind"
"  FROM compliance.protected_tables t"
"  LEFT JOIN compliance.protected_columns c"
"         ON c.relid OPERATOR(pg_catalog.=) t.relid"
"        AND c.category OPERATOR(pg_catalog.<>) ALL ('{ordinary,publicly_accessible}')"
" GROUP BY 1, 2, 4";

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
		if (SPI_execute_snapshot(SPI_prepare(protection_query, 0, NULL), NULL, NULL,
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
			deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, 3, &isnull)),
							  TEXTOID, -1, false, TYPALIGN_INT,
							  &items, &nulls, &t->nspecial);
			t->special_columns = palloc(sizeof(char *) * Max(t->nspecial, 1));
			for (int j = 0; j < t->nspecial; j++)
				t->special_columns[j] = TextDatumGetCString(items[j]);
		}
		MemoryContextSwitchTo(oldcxt);
		if (SPI_execute_snapshot(SPI_prepare(kinds_query, 0, NULL), NULL, NULL,
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

/* True if any table is protected in this database. */
bool
protection_any(void)
{
	return protection_ready() && hash_get_num_entries(registered) > 0;
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

/* The registered table relid is or descends from, or NULL. */
static RegisteredTable *
registered_ancestor(Oid relid)
{
	List	   *queue = list_make1_oid(relid);
	RegisteredTable *found = NULL;
	int			visited = 0;

	while (queue != NIL && found == NULL && visited++ < 1000)
	{
		Oid			current = linitial_oid(queue);

		queue = list_delete_first(queue);
		found = hash_search(registered, &current, HASH_FIND, NULL);
		if (found == NULL && has_superclass(current))
			queue = list_concat(queue, inheritance_parents(current));
	}
	list_free(queue);
	return found;
}

/*
 * Protection of a relation (a registered table, or a partition or child of
 * one), or NULL if it is not protected.
 */
const Protection *
protection_lookup(Oid relid)
{
	Protection *p;
	RegisteredTable *t;
	Protection	built;
	MemoryContext oldcxt;
	bool		found;

	if (!protection_ready() || hash_get_num_entries(registered) == 0)
		return NULL;
	p = hash_search(by_relation, &relid, HASH_FIND, NULL);
	if (p != NULL)
		return p->protected_relid == InvalidOid ? NULL : p;

	/* Work out the entry completely before entering it (lookups may invalidate). */
	memset(&built, 0, sizeof(built));
	built.relid = relid;
	t = registered_ancestor(relid);
	if (t != NULL)
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
	}

	p = hash_search(by_relation, &relid, HASH_ENTER, &found);
	*p = built;
	return p->protected_relid == InvalidOid ? NULL : p;
}
