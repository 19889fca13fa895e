/*-------------------------------------------------------------------------
 *
 * purpose_set_gin.c
 *	  GIN support for compliance.purpose_set (operator class
 *	  compliance.purpose_set_ops USING gin).
 *
 * The keys of an indexed set are its member purpose ids, stored as int4
 * and compared with btint4cmp.  An empty set has no keys (GIN records it
 * as an empty item).  Strategies, numbered like GIN's array_ops:
 *
 *	1  set && set			any query key; exact
 *	2  set @> set			all query keys; exact; an empty query matches
 *							every non-null set (GIN_SEARCH_MODE_ALL)
 *	3  set <@ set			any query key or an empty item; always rechecked
 *							(the index can't tell which other keys an item has)
 *	4  set =  set			all query keys; always rechecked; an empty query
 *							matches empty items only
 *	5  set @> purpose		the one query key; exact
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/gin.h"
#include "access/stratnum.h"

#include "compliance.h"

#define PS_GIN_OVERLAP			1
#define PS_GIN_CONTAINS			2
#define PS_GIN_CONTAINED		3
#define PS_GIN_EQUAL			4
#define PS_GIN_CONTAINS_PURPOSE	5

PG_FUNCTION_INFO_V1(purpose_set_gin_extract_value);
PG_FUNCTION_INFO_V1(purpose_set_gin_extract_query);
PG_FUNCTION_INFO_V1(purpose_set_gin_consistent);
PG_FUNCTION_INFO_V1(purpose_set_gin_triconsistent);

/* the member ids of set as int4 keys; sets *nkeys */
static Datum *
set_keys(const PurposeSet *set, int32 *nkeys)
{
	PurposeId  *ids;
	Datum	   *keys;
	int			n;
	int			i;

	n = purpose_set_ids(set, &ids);
	keys = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
		keys[i] = Int32GetDatum(ids[i]);
	pfree(ids);
	*nkeys = n;
	return keys;
}

/* extractValue(purpose_set, internal nkeys, internal nullFlags) */
Datum
purpose_set_gin_extract_value(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);
	bool	  **nullFlags = (bool **) PG_GETARG_POINTER(2);

	*nullFlags = NULL;			/* keys are never null */
	PG_RETURN_POINTER(set_keys(set, nkeys));
}

/*
 * extractQuery(query, internal nkeys, int2 strategy, internal pmatch,
 *				internal extra_data, internal nullFlags, internal searchMode)
 *
 * The query is a purpose_set, or a purpose for strategy 5.
 */
Datum
purpose_set_gin_extract_query(PG_FUNCTION_ARGS)
{
	int32	   *nkeys = (int32 *) PG_GETARG_POINTER(1);
	StrategyNumber strategy = PG_GETARG_UINT16(2);
	bool	  **nullFlags = (bool **) PG_GETARG_POINTER(5);
	int32	   *searchMode = (int32 *) PG_GETARG_POINTER(6);
	Datum	   *keys;

	*nullFlags = NULL;
	*searchMode = GIN_SEARCH_MODE_DEFAULT;

	if (strategy == PS_GIN_CONTAINS_PURPOSE)
	{
		keys = (Datum *) palloc(sizeof(Datum));
		keys[0] = Int32GetDatum(PG_GETARG_PURPOSE(0));
		*nkeys = 1;
		PG_RETURN_POINTER(keys);
	}

	keys = set_keys(PG_GETARG_PURPOSE_SET(0), nkeys);

	switch (strategy)
	{
		case PS_GIN_OVERLAP:
			/* no keys: nothing overlaps the empty set */
			break;
		case PS_GIN_CONTAINS:
			if (*nkeys == 0)
				*searchMode = GIN_SEARCH_MODE_ALL;
			break;
		case PS_GIN_CONTAINED:
			*searchMode = GIN_SEARCH_MODE_INCLUDE_EMPTY;
			break;
		case PS_GIN_EQUAL:
			if (*nkeys == 0)
				*searchMode = GIN_SEARCH_MODE_INCLUDE_EMPTY;
			break;
		default:
			elog(ERROR, "unrecognized purpose_set GIN strategy number: %d",
				 strategy);
	}
	PG_RETURN_POINTER(keys);
}

/*
 * consistent(internal check, int2 strategy, query, int4 nkeys,
 *			  internal extra_data, internal recheck, internal queryKeys,
 *			  internal nullFlags)
 */
Datum
purpose_set_gin_consistent(PG_FUNCTION_ARGS)
{
	bool	   *check = (bool *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = PG_GETARG_UINT16(1);
	int32		nkeys = PG_GETARG_INT32(3);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(5);
	bool		any = false;
	bool		all = true;
	int32		i;

	for (i = 0; i < nkeys; i++)
	{
		if (check[i])
			any = true;
		else
			all = false;
	}

	switch (strategy)
	{
		case PS_GIN_OVERLAP:
			*recheck = false;
			PG_RETURN_BOOL(any);
		case PS_GIN_CONTAINS:
		case PS_GIN_CONTAINS_PURPOSE:
			*recheck = false;
			PG_RETURN_BOOL(all);
		case PS_GIN_CONTAINED:
			/* the item may have keys outside the query */
			*recheck = true;
			PG_RETURN_BOOL(true);
		case PS_GIN_EQUAL:
			*recheck = true;
			PG_RETURN_BOOL(all);
		default:
			elog(ERROR, "unrecognized purpose_set GIN strategy number: %d",
				 strategy);
	}
	PG_RETURN_BOOL(false);		/* keep compiler quiet */
}

/*
 * triConsistent(internal check, int2 strategy, query, int4 nkeys,
 *				 internal extra_data, internal queryKeys, internal nullFlags)
 */
Datum
purpose_set_gin_triconsistent(PG_FUNCTION_ARGS)
{
	GinTernaryValue *check = (GinTernaryValue *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = PG_GETARG_UINT16(1);
	int32		nkeys = PG_GETARG_INT32(3);
	bool		any_true = false;
	bool		any_maybe = false;
	bool		any_false = false;
	int32		i;

	for (i = 0; i < nkeys; i++)
	{
		if (check[i] == GIN_TRUE)
			any_true = true;
		else if (check[i] == GIN_MAYBE)
			any_maybe = true;
		else
			any_false = true;
	}

	switch (strategy)
	{
		case PS_GIN_OVERLAP:
			PG_RETURN_GIN_TERNARY_VALUE(any_true ? GIN_TRUE :
										any_maybe ? GIN_MAYBE : GIN_FALSE);
		case PS_GIN_CONTAINS:
		case PS_GIN_CONTAINS_PURPOSE:
			PG_RETURN_GIN_TERNARY_VALUE(any_false ? GIN_FALSE :
										any_maybe ? GIN_MAYBE : GIN_TRUE);
		case PS_GIN_CONTAINED:
			PG_RETURN_GIN_TERNARY_VALUE(GIN_MAYBE);
		case PS_GIN_EQUAL:
			PG_RETURN_GIN_TERNARY_VALUE(any_false ? GIN_FALSE : GIN_MAYBE);
		default:
			elog(ERROR, "unrecognized purpose_set GIN strategy number: %d",
				 strategy);
	}
	PG_RETURN_GIN_TERNARY_VALUE(GIN_FALSE); /* keep compiler quiet */
}
