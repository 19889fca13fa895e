/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Where the extension's own objects are.
 *
 * Lookups go through the syscache, so they are cheap enough for hot paths;
 * nothing here is cached across transactions because the extension can be
 * dropped and re-created, which changes every OID.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "access/xact.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#include "compliance.h"

/* True if CREATE EXTENSION compliance has run in the current database. */
bool
compliance_extension_present(void)
{
	return OidIsValid(get_extension_oid("compliance", true));
}

Oid
compliance_namespace(void)
{
	return get_namespace_oid(COMPLIANCE_SCHEMA, true);
}

/* OID of one of the extension's tables, or InvalidOid if missing_ok. */
Oid
compliance_relid(const char *relname, bool missing_ok)
{
	Oid			nsp = compliance_namespace();
	Oid			relid = InvalidOid;

	if (OidIsValid(nsp))
		relid = get_relname_relid(relname, nsp);
	if (!OidIsValid(relid) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"compliance\" is not installed in this database"),
				 errdetail("Table %s.%s does not exist.", COMPLIANCE_SCHEMA, relname),
				 errhint("Run CREATE EXTENSION compliance.")));
	return relid;
}

/*
 * The snapshot enforcement state is read with: the latest committed state,
 * not the transaction's snapshot, so that a withdrawal or block takes
 * effect at the next statement also in REPEATABLE READ transactions.
 * During a parallel operation no new snapshot may be taken; the caches are
 * filled before it starts (enforce.c), and a rare later miss reads with the
 * active snapshot.
 *
 * Before the transaction has a snapshot of its own, GetLatestSnapshot()
 * would take that one: a session whose first statement is BEGIN ISOLATION
 * LEVEL REPEATABLE READ (as Citus opens the copy of a shard it moves) or
 * BEGIN followed by SET TRANSACTION ISOLATION LEVEL would then be refused
 * ("must be called before any query") once a cache is filled.  A fresh
 * catalog snapshot is as recent and is not the transaction's.
 */
Snapshot
compliance_fresh_snapshot(void)
{
	if (IsInParallelMode())
		return GetActiveSnapshot();
	if (!FirstSnapshotSet)
	{
		InvalidateCatalogSnapshot();
		return GetCatalogSnapshot(InvalidOid);
	}
	return GetLatestSnapshot();
}

/*
 * The caches read the extension's own tables whoever the current user is
 * (an application role reading a protected table has no right to read
 * compliance.consent_state itself), so their fixed, schema-qualified
 * queries run as the bootstrap superuser.  An error restores the user with
 * the (sub)transaction abort.
 */
void
compliance_become_owner(CatalogUserSave *save)
{
	GetUserIdAndSecContext(&save->userid, &save->sec_context);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
						   save->sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

void
compliance_restore_user(const CatalogUserSave *save)
{
	SetUserIdAndSecContext(save->userid, save->sec_context);
}
