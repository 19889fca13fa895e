/*-------------------------------------------------------------------------
 *
 * pg_compat.h
 *	  Every difference between the PostgreSQL major versions the extension
 *	  supports (15, 16, 17, 18), in one place.  Code elsewhere uses the
 *	  names below and has no PG_VERSION_NUM test of its own, except where a
 *	  whole mechanism differs (the permission-check hook of 16).
 *
 *-------------------------------------------------------------------------
 */
#ifndef COMPLIANCE_PG_COMPAT_H
#define COMPLIANCE_PG_COMPAT_H

#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "parser/parse_relation.h"

#if PG_VERSION_NUM < 150000
#error "compliance needs PostgreSQL 15 or later"
#endif

/*
 * 18 removed the execute_once argument of ExecutorRun.  Declare a hook as
 * "void f(COMPAT_EXECUTOR_RUN_PARAMS)" and pass COMPAT_EXECUTOR_RUN_ARGS on.
 */
#if PG_VERSION_NUM >= 180000
#define COMPAT_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define COMPAT_EXECUTOR_RUN_ARGS queryDesc, direction, count
#else
#define COMPAT_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once
#define COMPAT_EXECUTOR_RUN_ARGS queryDesc, direction, count, execute_once
#endif

/*
 * 18 spells "never returns" as a prefix, pg_noreturn, and dropped the
 * suffix pg_attribute_noreturn(); before 18 only the suffix exists.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * 16 marks a Var above an outer join with the joins that can null it
 * (varnullingrels); the planner checks the mark.  15 has none.
 */
static inline void
compat_set_nullingrels(Var *var, Bitmapset *nulling)
{
#if PG_VERSION_NUM >= 160000
	var->varnullingrels = nulling;
#else
	(void) var;
	(void) nulling;
#endif
}

/*
 * Columns a query names in a relation: read, inserted or updated.  16 moved
 * them from the range table entry to its RTEPermissionInfo.
 */
static inline Bitmapset *
compat_rte_columns(Query *query, RangeTblEntry *rte)
{
#if PG_VERSION_NUM >= 160000
	RTEPermissionInfo *perm;

	if (rte->perminfoindex == 0)
		return NULL;
	perm = getRTEPermissionInfo(query->rteperminfos, rte);
	return bms_union(perm->selectedCols, bms_union(perm->insertedCols, perm->updatedCols));
#else
	return bms_union(rte->selectedCols, bms_union(rte->insertedCols, rte->updatedCols));
#endif
}

/*
 * The library is built with -fvisibility=hidden (PG_CFLAGS): only what the
 * server looks up by name is exported, PG_MODULE_MAGIC, _PG_init, the
 * functions of PG_FUNCTION_INFO_V1 and background worker entry points,
 * each marked PGDLLEXPORT.  16 defines PGDLLEXPORT as default visibility
 * and PG_FUNCTION_INFO_V1 marks the function itself; 15 left both to the
 * platform, so they are defined here as 16 does.
 */
#if PG_VERSION_NUM < 160000 && defined(__GNUC__)
#undef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))
#undef PG_FUNCTION_INFO_V1
#define PG_FUNCTION_INFO_V1(funcname) \
extern PGDLLEXPORT Datum funcname(PG_FUNCTION_ARGS); \
extern PGDLLEXPORT const Pg_finfo_record * CppConcat(pg_finfo_,funcname)(void); \
const Pg_finfo_record * \
CppConcat(pg_finfo_,funcname) (void) \
{ \
	static const Pg_finfo_record my_finfo = { 1 }; \
	return &my_finfo; \
} \
extern int no_such_variable
#endif

/*
 * 17 gave a lock's holder in GetLockStatusData() one VirtualTransactionId
 * field; before 17 it was two (backend, lxid).
 */
#if PG_VERSION_NUM >= 170000
#define COMPAT_LOCK_HOLDER_VXID(instance, vxid_out) ((vxid_out) = (instance)->vxid)
#else
#define COMPAT_LOCK_HOLDER_VXID(instance, vxid_out) \
	((vxid_out).backendId = (instance)->backend, \
	 (vxid_out).localTransactionId = (instance)->lxid)
#endif

/*
 * 16 keeps the settings in a hash table: get_guc_variables() returns a
 * sorted copy and its length; before 16 it returned the array itself,
 * whose length GetNumConfigOptions() gave.  (Needs utils/guc_tables.h.)
 */
#if PG_VERSION_NUM >= 160000
#define compat_get_guc_variables(n) get_guc_variables(n)
#else
#define compat_get_guc_variables(n) (*(n) = GetNumConfigOptions(), get_guc_variables())
#endif

#endif							/* COMPLIANCE_PG_COMPAT_H */
