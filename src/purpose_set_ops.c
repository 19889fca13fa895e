/*-------------------------------------------------------------------------
 *
 * purpose_set_ops.c
 *	  Operators and functions of compliance.purpose_set: containment,
 *	  overlap, equality, union/difference/intersection, the btree total
 *	  order, hashing, cardinality(), purposes() and first_purpose_id().
 *
 * Everything works on the canonical encoding of purpose_set.c through the
 * C API of compliance.h: equality and hashing on the bytes, the rest on
 * ascending id lists (merges).  No function here needs the registry, so
 * all are IMMUTABLE.  Support functions of btree and hash opclasses free
 * their detoasted copies: they run inside sorts and index builds.
 *
 * The btree order compares the ascending member id lists lexicographically
 * (a proper prefix sorts first: {} < {1} < {1,2} < {2}); it is total and
 * consistent with equality because the encoding is canonical.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "funcapi.h"

#include "compliance.h"

PG_FUNCTION_INFO_V1(purpose_set_contains_set);
PG_FUNCTION_INFO_V1(purpose_set_contained_in_set);
PG_FUNCTION_INFO_V1(purpose_set_overlaps);
PG_FUNCTION_INFO_V1(purpose_set_contains_purpose);
PG_FUNCTION_INFO_V1(purpose_contained_in_set);
PG_FUNCTION_INFO_V1(purpose_set_eq);
PG_FUNCTION_INFO_V1(purpose_set_ne);
PG_FUNCTION_INFO_V1(purpose_set_lt);
PG_FUNCTION_INFO_V1(purpose_set_le);
PG_FUNCTION_INFO_V1(purpose_set_gt);
PG_FUNCTION_INFO_V1(purpose_set_ge);
PG_FUNCTION_INFO_V1(purpose_set_cmp);
PG_FUNCTION_INFO_V1(purpose_set_hash);
PG_FUNCTION_INFO_V1(purpose_set_hash_extended);
PG_FUNCTION_INFO_V1(purpose_set_union);
PG_FUNCTION_INFO_V1(purpose_set_minus);
PG_FUNCTION_INFO_V1(purpose_set_intersect);
PG_FUNCTION_INFO_V1(purpose_set_add);
PG_FUNCTION_INFO_V1(purpose_set_remove);
PG_FUNCTION_INFO_V1(purpose_set_cardinality);
PG_FUNCTION_INFO_V1(purpose_set_members);
PG_FUNCTION_INFO_V1(purpose_set_first_id);

/* canonical bytes after the varlena header (1- or 4-byte header) */
#define PS_BYTES(set)		((const unsigned char *) VARDATA_ANY(set))
#define PS_NBYTES(set)		VARSIZE_ANY_EXHDR(set)

/* ----------------------------------------------------------------
 * Set algebra on ascending id lists
 * ----------------------------------------------------------------
 */

/* is every element of b[] also in a[]? */
static bool
ids_contain(const PurposeId *a, int na, const PurposeId *b, int nb)
{
	int			i = 0;
	int			j = 0;

	if (nb > na)
		return false;
	while (j < nb)
	{
		while (i < na && a[i] < b[j])
			i++;
		if (i >= na || a[i] != b[j])
			return false;
		i++;
		j++;
	}
	return true;
}

static bool
ids_overlap(const PurposeId *a, int na, const PurposeId *b, int nb)
{
	int			i = 0;
	int			j = 0;

	while (i < na && j < nb)
	{
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else
			return true;
	}
	return false;
}

/* a is a superset of b */
static bool
sets_contain(const PurposeSet *a, const PurposeSet *b)
{
	PurposeId  *ida;
	PurposeId  *idb;
	int			na;
	int			nb;
	bool		result;

	if (purpose_set_is_empty(b))
		return true;
	na = purpose_set_ids(a, &ida);
	nb = purpose_set_ids(b, &idb);
	result = ids_contain(ida, na, idb, nb);
	pfree(ida);
	pfree(idb);
	return result;
}

static bool
sets_overlap(const PurposeSet *a, const PurposeSet *b)
{
	PurposeId  *ida;
	PurposeId  *idb;
	int			na;
	int			nb;
	bool		result;

	if (purpose_set_is_empty(a) || purpose_set_is_empty(b))
		return false;
	na = purpose_set_ids(a, &ida);
	nb = purpose_set_ids(b, &idb);
	result = ids_overlap(ida, na, idb, nb);
	pfree(ida);
	pfree(idb);
	return result;
}

static bool
sets_equal(const PurposeSet *a, const PurposeSet *b)
{
	Size		na = PS_NBYTES(a);

	return na == PS_NBYTES(b) && memcmp(PS_BYTES(a), PS_BYTES(b), na) == 0;
}

/* the btree order; see the file header */
static int
sets_cmp(const PurposeSet *a, const PurposeSet *b)
{
	PurposeId  *ida;
	PurposeId  *idb;
	int			na;
	int			nb;
	int			i;
	int			result = 0;

	if (sets_equal(a, b))
		return 0;
	na = purpose_set_ids(a, &ida);
	nb = purpose_set_ids(b, &idb);
	for (i = 0; i < na && i < nb; i++)
	{
		if (ida[i] != idb[i])
		{
			result = (ida[i] < idb[i]) ? -1 : 1;
			break;
		}
	}
	if (result == 0)
		result = (na < nb) ? -1 : (na > nb) ? 1 : 0;
	pfree(ida);
	pfree(idb);
	return result;
}

typedef enum PurposeSetOp
{
	PS_OP_UNION,
	PS_OP_MINUS,
	PS_OP_INTERSECT
} PurposeSetOp;

static PurposeSet *
sets_combine(const PurposeSet *a, const PurposeSet *b, PurposeSetOp op)
{
	PurposeId  *ida;
	PurposeId  *idb;
	PurposeId  *out;
	int			na;
	int			nb;
	int			n = 0;
	int			i = 0;
	int			j = 0;
	PurposeSet *result;

	na = purpose_set_ids(a, &ida);
	nb = purpose_set_ids(b, &idb);
	out = (PurposeId *) palloc(sizeof(PurposeId) * Max(na + nb, 1));

	while (i < na || j < nb)
	{
		if (j >= nb || (i < na && ida[i] < idb[j]))
		{
			/* only in a */
			if (op != PS_OP_INTERSECT)
				out[n++] = ida[i];
			i++;
		}
		else if (i >= na || idb[j] < ida[i])
		{
			/* only in b */
			if (op == PS_OP_UNION)
				out[n++] = idb[j];
			j++;
		}
		else
		{
			/* in both */
			if (op != PS_OP_MINUS)
				out[n++] = ida[i];
			i++;
			j++;
		}
	}

	/* ascending and unique, so this encodes without sorting */
	result = purpose_set_from_ids(out, n);
	pfree(out);
	pfree(ida);
	pfree(idb);
	return result;
}

/* ----------------------------------------------------------------
 * Operators on (purpose_set, purpose_set)
 * ----------------------------------------------------------------
 */

/* a @> b */
Datum
purpose_set_contains_set(PG_FUNCTION_ARGS)
{
	PurposeSet *a = PG_GETARG_PURPOSE_SET(0);
	PurposeSet *b = PG_GETARG_PURPOSE_SET(1);

	PG_RETURN_BOOL(sets_contain(a, b));
}

/* a <@ b */
Datum
purpose_set_contained_in_set(PG_FUNCTION_ARGS)
{
	PurposeSet *a = PG_GETARG_PURPOSE_SET(0);
	PurposeSet *b = PG_GETARG_PURPOSE_SET(1);

	PG_RETURN_BOOL(sets_contain(b, a));
}

/* a && b */
Datum
purpose_set_overlaps(PG_FUNCTION_ARGS)
{
	PurposeSet *a = PG_GETARG_PURPOSE_SET(0);
	PurposeSet *b = PG_GETARG_PURPOSE_SET(1);

	PG_RETURN_BOOL(sets_overlap(a, b));
}

Datum
purpose_set_eq(PG_FUNCTION_ARGS)
{
	PurposeSet *a = PG_GETARG_PURPOSE_SET(0);
	PurposeSet *b = PG_GETARG_PURPOSE_SET(1);
	bool		result = sets_equal(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	PG_RETURN_BOOL(result);
}

Datum
purpose_set_ne(PG_FUNCTION_ARGS)
{
	PurposeSet *a = PG_GETARG_PURPOSE_SET(0);
	PurposeSet *b = PG_GETARG_PURPOSE_SET(1);
	bool		result = !sets_equal(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	PG_RETURN_BOOL(result);
}

/* the comparison operators and the btree support function share this */
static int
cmp_args(FunctionCallInfo fcinfo)
{
	PurposeSet *a = PG_GETARG_PURPOSE_SET(0);
	PurposeSet *b = PG_GETARG_PURPOSE_SET(1);
	int			result = sets_cmp(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return result;
}

Datum
purpose_set_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) < 0);
}

Datum
purpose_set_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) <= 0);
}

Datum
purpose_set_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) > 0);
}

Datum
purpose_set_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cmp_args(fcinfo) >= 0);
}

/* btree support function 1 */
Datum
purpose_set_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cmp_args(fcinfo));
}

/* hash support function 1: hash of the canonical bytes */
Datum
purpose_set_hash(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);
	Datum		result;

	result = hash_any(PS_BYTES(set), (int) PS_NBYTES(set));
	PG_FREE_IF_COPY(set, 0);
	PG_RETURN_DATUM(result);
}

/* hash support function 2 (extended, seeded) */
Datum
purpose_set_hash_extended(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);
	uint64		seed = (uint64) PG_GETARG_INT64(1);
	Datum		result;

	result = hash_any_extended(PS_BYTES(set), (int) PS_NBYTES(set), seed);
	PG_FREE_IF_COPY(set, 0);
	PG_RETURN_DATUM(result);
}

/* a + b: union */
Datum
purpose_set_union(PG_FUNCTION_ARGS)
{
	PurposeSet *a = PG_GETARG_PURPOSE_SET(0);
	PurposeSet *b = PG_GETARG_PURPOSE_SET(1);

	PG_RETURN_PURPOSE_SET(sets_combine(a, b, PS_OP_UNION));
}

/* a - b: difference */
Datum
purpose_set_minus(PG_FUNCTION_ARGS)
{
	PurposeSet *a = PG_GETARG_PURPOSE_SET(0);
	PurposeSet *b = PG_GETARG_PURPOSE_SET(1);

	PG_RETURN_PURPOSE_SET(sets_combine(a, b, PS_OP_MINUS));
}

/* a * b: intersection */
Datum
purpose_set_intersect(PG_FUNCTION_ARGS)
{
	PurposeSet *a = PG_GETARG_PURPOSE_SET(0);
	PurposeSet *b = PG_GETARG_PURPOSE_SET(1);

	PG_RETURN_PURPOSE_SET(sets_combine(a, b, PS_OP_INTERSECT));
}

/* ----------------------------------------------------------------
 * Operators mixing purpose_set and purpose
 * ----------------------------------------------------------------
 */

/* set @> purpose */
Datum
purpose_set_contains_purpose(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);
	PurposeId	id = PG_GETARG_PURPOSE(1);

	PG_RETURN_BOOL(purpose_set_contains(set, id));
}

/* purpose <@ set */
Datum
purpose_contained_in_set(PG_FUNCTION_ARGS)
{
	PurposeId	id = PG_GETARG_PURPOSE(0);
	PurposeSet *set = PG_GETARG_PURPOSE_SET(1);

	PG_RETURN_BOOL(purpose_set_contains(set, id));
}

/* set + purpose */
Datum
purpose_set_add(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);
	PurposeId	id = PG_GETARG_PURPOSE(1);
	PurposeId  *ids;
	int			n;
	PurposeSet *result;

	if (purpose_set_contains(set, id))
		PG_RETURN_PURPOSE_SET(set);

	n = purpose_set_ids(set, &ids);
	ids = (PurposeId *) repalloc(ids, sizeof(PurposeId) * (n + 1));
	ids[n] = id;
	result = purpose_set_from_ids(ids, n + 1);
	pfree(ids);
	PG_RETURN_PURPOSE_SET(result);
}

/* set - purpose */
Datum
purpose_set_remove(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);
	PurposeId	id = PG_GETARG_PURPOSE(1);
	PurposeId  *ids;
	int			n;
	int			i;
	int			k = 0;
	PurposeSet *result;

	if (!purpose_set_contains(set, id))
		PG_RETURN_PURPOSE_SET(set);

	n = purpose_set_ids(set, &ids);
	for (i = 0; i < n; i++)
		if (ids[i] != id)
			ids[k++] = ids[i];
	result = purpose_set_from_ids(ids, k);
	pfree(ids);
	PG_RETURN_PURPOSE_SET(result);
}

/* ----------------------------------------------------------------
 * cardinality(purpose_set), first_purpose_id(purpose_set) and
 * purposes(purpose_set)
 * ----------------------------------------------------------------
 */

Datum
purpose_set_cardinality(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);
	PurposeId  *ids;
	int			n;

	n = purpose_set_ids(set, &ids);
	pfree(ids);
	PG_RETURN_INT32(n);
}

/*
 * first_purpose_id(purpose_set) RETURNS integer: the lowest member id, NULL
 * for the empty set.  It generates the registry_ref column of every
 * consent ledger row: as a SQL function over purposes() it took a third of
 * the time of a bulk insert into the ledger.
 */
Datum
purpose_set_first_id(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);
	PurposeId  *ids;
	int			n;
	PurposeId	first;

	n = purpose_set_ids(set, &ids);
	first = n > 0 ? ids[0] : 0;
	pfree(ids);
	if (n == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(first);
}

typedef struct MembersState
{
	PurposeId  *ids;
	int			n;
} MembersState;

/* purposes(purpose_set) RETURNS SETOF compliance.purpose, ascending */
Datum
purpose_set_members(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	MembersState *state;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext oldcontext;
		PurposeSet *set;

		funcctx = SRF_FIRSTCALL_INIT();
		oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		set = PG_GETARG_PURPOSE_SET(0);
		state = (MembersState *) palloc(sizeof(MembersState));
		state->n = purpose_set_ids(set, &state->ids);
		funcctx->user_fctx = state;
		MemoryContextSwitchTo(oldcontext);
	}

	funcctx = SRF_PERCALL_SETUP();
	state = (MembersState *) funcctx->user_fctx;

	if (funcctx->call_cntr < (uint64) state->n)
	{
		/* not inside the macro call: SRF_RETURN_NEXT increments call_cntr */
		Datum		result = PurposeIdGetDatum(state->ids[funcctx->call_cntr]);

		SRF_RETURN_NEXT(funcctx, result);
	}

	SRF_RETURN_DONE(funcctx);
}
