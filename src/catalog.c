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
#include "commands/extension.h"
#include "utils/lsyscache.h"

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
