/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  Backend-local cache of the purpose registry (compliance.purposes
 *	  joined with compliance.legal_bases).
 *
 * Type I/O and enforcement ask for purposes by code or id many times per
 * statement, so the registry is read once into its own memory context.
 * A statement trigger on the registry tables calls registry_changed(),
 * which queues a relcache invalidation of compliance.purposes: it is
 * processed locally at the next command and by every other backend after
 * commit, and our callback only marks the cache stale.
 *
 * The cache is read with the latest snapshot, not the transaction's, and a
 * miss forces one reload, so a purpose registered after an older
 * REPEATABLE READ transaction began is still found.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"

#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "compliance.h"

PG_FUNCTION_INFO_V1(registry_changed);

typedef struct CodeEntry
{
	char		code[PURPOSE_CODE_MAXLEN + 1];	/* hash key */
	PurposeId	id;
} CodeEntry;

static MemoryContext registry_context = NULL;
static bool registry_valid = false;
static uint64 registry_gen = 0;
static uint64 registry_reload_count = 0;
static Oid	registry_relid = InvalidOid;	/* compliance.purposes when loaded */
static PurposeInfo **purposes_by_id = NULL; /* index: id; NULL if absent */
static PurposeId max_purpose_id = 0;
static HTAB *purposes_by_code = NULL;

static const char *registry_query =
"SELECT p.id, p.code, b.basis OPERATOR(pg_catalog.=) 'consent', b.allows_special, p.data_items,"
"       ARRAY(SELECT r.oid FROM compliance.purpose_role_grants g"
"               JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) g.grantee"
"              WHERE g.purpose_id OPERATOR(pg_catalog.=) p.id),"
"       p.basis_scope OPERATOR(pg_catalog.=) 'per_subject', p.legal_basis::pg_catalog.text,"
"       p.retired_at IS NOT NULL"
"  FROM compliance.purposes p"
"  JOIN compliance.legal_bases b ON b.basis OPERATOR(pg_catalog.=) p.legal_basis";

/* Only marks the cache stale: no catalog access is allowed here. */
void
registry_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == registry_relid)
	{
		registry_valid = false;
		registry_gen++;
	}
}

/*
 * Makes the callback recognise changes to the registry even before the
 * registry itself is read: other caches (protection.c) follow its
 * generation.  Re-read each time, as the extension may have been re-created.
 */
void
registry_watch(void)
{
	registry_relid = compliance_relid("purposes", true);
}

uint64
registry_generation(void)
{
	return registry_gen;
}

/*
 * compliance.NAME(arg1, arg2, arg3), kept in cache until the registry
 * changes: a DROP and CREATE EXTENSION, which also invalidates the
 * registry, gives the function another oid.
 */
Oid
extension_function_oid(ExtensionFunction *cache, const char *name, Oid arg1, Oid arg2, Oid arg3)
{
	if (!OidIsValid(cache->oid) || cache->generation != registry_gen)
	{
		Oid			argtypes[3] = {arg1, arg2, arg3};

		cache->oid = LookupFuncName(list_make2(makeString(COMPLIANCE_SCHEMA), makeString(pstrdup(name))),
									3, argtypes, false);
		cache->generation = registry_gen;
	}
	return cache->oid;
}

uint64
registry_reloads(void)
{
	return registry_reload_count;
}

/* Copies one row of registry_query into a PurposeInfo in the current context. */
static PurposeInfo *
purpose_info_from_row(HeapTuple tup, TupleDesc desc)
{
	PurposeInfo *info = palloc0(sizeof(PurposeInfo));
	bool		isnull;
	Datum		d;
	char	   *code;

	info->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
	code = SPI_getvalue(tup, desc, 2);
	strlcpy(info->code, code, sizeof(info->code));
	info->needs_consent = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
	info->allows_special = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
	/* consent is per subject too; register_purpose refuses it for all subjects */
	info->needs_ground = info->needs_consent ||
		DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
	strlcpy(info->basis, SPI_getvalue(tup, desc, 8), sizeof(info->basis));
	info->retired = DatumGetBool(SPI_getbinval(tup, desc, 9, &isnull));

	d = SPI_getbinval(tup, desc, 5, &isnull);
	info->ndata_items = -1;
	if (!isnull)
	{
		Datum	   *items;
		bool	   *nulls;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &items, &nulls, &n);
		info->data_items = palloc(sizeof(char *) * Max(n, 1));
		info->ndata_items = 0;
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				info->data_items[info->ndata_items++] = TextDatumGetCString(items[i]);
	}

	/* the roles granted the purpose, by OID now; a role renamed loses it */
	d = SPI_getbinval(tup, desc, 6, &isnull);
	if (!isnull)
	{
		Datum	   *roles;
		bool	   *nulls;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(d), OIDOID, sizeof(Oid), true, TYPALIGN_INT,
						  &roles, &nulls, &n);
		info->grantees = palloc(sizeof(Oid) * Max(n, 1));
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				info->grantees[info->ngrantees++] = DatumGetObjectId(roles[i]);
	}
	return info;
}

/*
 * Does the current role hold the purpose (Art. 17.3)?  Granted to it or to
 * a role whose privileges it has, as for table privileges; superusers hold
 * every purpose.  PostgreSQL caches role membership, so this is cheap
 * enough for every statement.
 */
bool
purpose_held(const PurposeInfo *info)
{
	return purpose_held_by(info, GetUserId());
}

bool
purpose_held_by(const PurposeInfo *info, Oid role)
{
	if (superuser_arg(role))
		return true;
	for (int i = 0; i < info->ngrantees; i++)
		if (has_privs_of_role(role, info->grantees[i]))
			return true;
	return false;
}

/*
 * Syscache callback on roles: a grant names a role, so a role created,
 * renamed or dropped may change who holds a purpose.
 */
void
registry_role_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	registry_valid = false;
	registry_gen++;
}

/*
 * Reads the registry into a new context and swaps it in.  The new context
 * hangs off the caller's context until the load succeeds, so an error
 * leaves nothing behind.
 */
static void
registry_load(void)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	PurposeInfo **by_id;
	PurposeId	max_id = 0;
	HTAB	   *by_code;
	HASHCTL		ctl;
	SPIPlanPtr	plan;
	uint64		gen_before;
	int			attempt;
	CatalogUserSave save;

	for (attempt = 0;; attempt++)
	{
		gen_before = registry_gen;
		registry_relid = compliance_relid("purposes", false);

		cxt = AllocSetContextCreate(CurrentMemoryContext, "compliance registry",
									ALLOCSET_SMALL_SIZES);
		compliance_become_owner(&save);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		plan = SPI_prepare(registry_query, 0, NULL);
		if (plan == NULL)
			elog(ERROR, "could not prepare registry query: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_execute_snapshot(plan, NULL, NULL, compliance_fresh_snapshot(),
								 InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the purpose registry");

		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			PurposeId	id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc,
														 1, &isnull));

			max_id = Max(max_id, id);
		}

		oldcxt = MemoryContextSwitchTo(cxt);
		by_id = palloc0(sizeof(PurposeInfo *) * (max_id + 1));
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = PURPOSE_CODE_MAXLEN + 1;
		ctl.entrysize = sizeof(CodeEntry);
		ctl.hcxt = cxt;
		by_code = hash_create("compliance purposes by code", 64, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			PurposeInfo *info = purpose_info_from_row(SPI_tuptable->vals[i],
													  SPI_tuptable->tupdesc);
			CodeEntry  *entry;

			by_id[info->id] = info;
			entry = hash_search(by_code, info->code, HASH_ENTER, NULL);
			entry->id = info->id;
		}
		MemoryContextSwitchTo(oldcxt);
		SPI_finish();
		compliance_restore_user(&save);

		/* An invalidation that arrived while reading may mean stale rows. */
		if (registry_gen != gen_before && attempt < 3)
		{
			MemoryContextDelete(cxt);
			continue;
		}
		break;
	}

	MemoryContextSetParent(cxt, CacheMemoryContext);
	/*
	 * Every reload frees what earlier lookups returned: holders of a
	 * PurposeInfo across transactions (the declared purpose) follow
	 * registry_reloads() and look it up again.
	 */
	registry_reload_count++;
	if (registry_context)
	{
		/*
		 * Pointers into it may still be in use up the stack (a row filter
		 * whose lookup reloaded): it goes when the transaction ends.
		 */
		if (IsTransactionState())
			MemoryContextSetParent(registry_context, TopTransactionContext);
		else
			MemoryContextDelete(registry_context);
	}
	registry_context = cxt;
	purposes_by_id = by_id;
	max_purpose_id = max_id;
	purposes_by_code = by_code;
	registry_valid = true;
}

static inline void
registry_ensure_valid(void)
{
	if (!registry_valid)
		registry_load();
}

static const PurposeInfo *
lookup_id(PurposeId id)
{
	if (id <= 0 || id > max_purpose_id)
		return NULL;
	return purposes_by_id[id];
}

/* The purpose with this id, or NULL if it is not registered. */
const PurposeInfo *
purpose_lookup(PurposeId id)
{
	const PurposeInfo *info;
	bool		fresh = !registry_valid;

	registry_ensure_valid();
	info = lookup_id(id);
	if (info == NULL && !fresh)
	{
		registry_load();		/* a miss may be a registration we missed */
		info = lookup_id(id);
	}
	return info;
}

static PurposeId
lookup_code(const char *code)
{
	CodeEntry  *entry;
	char		key[PURPOSE_CODE_MAXLEN + 1];

	if (strlen(code) > PURPOSE_CODE_MAXLEN)
		return 0;
	memset(key, 0, sizeof(key));
	strlcpy(key, code, sizeof(key));
	entry = hash_search(purposes_by_code, key, HASH_FIND, NULL);
	return entry ? entry->id : 0;
}

/* Id of the purpose with this code; 0 if unknown and missing_ok. */
PurposeId
purpose_id_from_code(const char *code, bool missing_ok)
{
	PurposeId	id;
	bool		fresh = !registry_valid;

	registry_ensure_valid();
	id = lookup_code(code);
	if (id == 0 && !fresh)
	{
		registry_load();
		id = lookup_code(code);
	}
	if (id == 0 && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("purpose \"%s\" is not registered", code),
				 errdetail("Personal data may be processed only for a specific, previously stated purpose (Art. 4.4 of Law 99-Z)."),
				 errhint("Register it with compliance.register_purpose(), or choose one from compliance.purposes.")));
	return id;
}

const char *
purpose_code_from_id(PurposeId id)
{
	const PurposeInfo *info = purpose_lookup(id);

	if (info == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("purpose with id %d is not registered", id),
				 errdetail("The value refers to a purpose that is no longer in compliance.purposes."),
				 errhint("Restore the purpose registry (compliance.purposes) together with the data that uses it.")));
	return info->code;
}

/*
 * Statement trigger on the registry tables: every backend drops its cached
 * registry once this transaction commits (and this one at its next command).
 */
Datum
registry_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("registry_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(compliance_relid("purposes", false));
	PG_RETURN_POINTER(NULL);
}

/*
 * Is the recipient registered (compliance.recipients)?  Read now, with the
 * latest snapshot: asked only when compliance.recipient is set.
 */
bool
recipient_registered(const char *code)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	CatalogUserSave save;
	bool		found;
	SPIPlanPtr	plan;

	values[0] = CStringGetTextDatum(code);
	compliance_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* prepared before the snapshot is taken (compliance_fresh_snapshot()) */
	plan = SPI_prepare("SELECT FROM compliance.recipients WHERE code OPERATOR(pg_catalog.=) $1",
					   1, argtypes);
	if (SPI_execute_snapshot(plan, values, NULL, compliance_fresh_snapshot(), InvalidSnapshot,
							 true, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read compliance.recipients");
	found = SPI_processed > 0;
	SPI_finish();
	compliance_restore_user(&save);
	return found;
}
