/*-------------------------------------------------------------------------
 *
 * purpose_set.c
 *	  The compliance.purpose_set type: a set of registered purposes.
 *	  Storage format, text and binary I/O, casts, and the C API declared in
 *	  compliance.h.  Operators are in purpose_set_ops.c, GIN support in
 *	  purpose_set_gin.c, the literal parser in purpose_set_parse.c.
 *
 * A member is a purpose id (1..PURPOSE_ID_MAX) of compliance.purposes.
 * The format borrows the idea of the IAB TCF consent string, which stores a
 * vendor list either as a bitfield or as ranges, whichever is shorter.
 *
 * On-disk layout: a varlena (alignment int4, storage extended; as for any
 * non-plain varlena, values of up to 126 bytes are stored with a 1-byte
 * header and no alignment padding):
 *
 *		varlena header | encoding (1 byte) | payload (0 or more bytes)
 *
 *	encoding 0x01, bitfield: payload byte k holds ids 8k+1 .. 8k+8, least
 *		significant bit first: bit b of byte k is set iff id 8k+b+1 is a
 *		member.  Trailing zero bytes are trimmed, so the payload never ends
 *		with a zero byte and the empty set is the encoding byte alone.
 *		At most 8192 payload bytes (id 65535 is bit 6 of byte 8191).
 *
 *	encoding 0x02, ranges: the maximal runs of consecutive member ids in
 *		ascending order, each as two unsigned LEB128 varints (7 bits per
 *		byte, low group first, high bit set on every byte but the last,
 *		minimal length, so at most 3 bytes each):
 *			gap    = start - (end of the previous run) - 1
 *					 (the "previous end" of the first run is 0)
 *			extent = end - start
 *		Runs are maximal, so every gap after the first is at least 1.
 *		Example: {1..300} is 02 00 ab 02 (4 bytes; its bitfield needs 39).
 *
 * The encoder computes both payload sizes and writes the smaller one, the
 * bitfield on a tie (so the empty set is always 01).  Every set therefore
 * has exactly one encoding: equality is byte equality and hashing hashes
 * the bytes.  The decoder checks every rule above, the choice of encoding
 * included, and reports a violation as data corruption.
 *
 * Text form: '{code,code,...}' with members in ascending id order; input
 * also takes a bare code ('marketing'), quoted members, whitespace and
 * duplicates.  Binary form (send/recv) carries codes, not ids, so binary
 * COPY works between databases whose registries numbered purposes
 * differently:
 *
 *		int32 count, then count times: int32 length, length bytes of code
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "compliance.h"
#include "purpose_set_parse.h"

struct PurposeSet
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		encoding;		/* PS_ENCODING_* */
	uint8		payload[FLEXIBLE_ARRAY_MEMBER];
};

#define PS_ENCODING_BITFIELD	0x01
#define PS_ENCODING_RANGES		0x02

#define PS_HDRSZ				offsetof(struct PurposeSet, payload)
#define PS_BITFIELD_MAXLEN		((PURPOSE_ID_MAX + 7) / 8)

/*
 * Accessors that work on 1-byte and 4-byte headers alike (not on
 * compressed or external values: detoast first), so that callers holding
 * a purpose_set embedded in another value can use the API directly.
 */
#define PS_BYTES(set)			((const uint8 *) VARDATA_ANY(set))
#define PS_NBYTES(set)			VARSIZE_ANY_EXHDR(set)

StaticAssertDecl(PURPOSE_SET_PARSE_CODE_MAXLEN == PURPOSE_CODE_MAXLEN,
				 "the literal parser and the registry disagree on code length");

PG_FUNCTION_INFO_V1(purpose_set_in);
PG_FUNCTION_INFO_V1(purpose_set_out);
PG_FUNCTION_INFO_V1(purpose_set_recv);
PG_FUNCTION_INFO_V1(purpose_set_send);
PG_FUNCTION_INFO_V1(purpose_set_from_purpose);
PG_FUNCTION_INFO_V1(purpose_set_from_array);

/* ----------------------------------------------------------------
 * Encoding and decoding
 * ----------------------------------------------------------------
 */

static void
ps_corrupted(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted purpose_set value"),
			 errdetail("The stored value has %s.", what),
			 errhint("Restore the value from a backup or rewrite it from its text form.")));
}

static inline int
varint_size(uint32 v)
{
	int			n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

static inline uint8 *
varint_put(uint8 *p, uint32 v)
{
	while (v >= 0x80)
	{
		*p++ = (uint8) ((v & 0x7f) | 0x80);
		v >>= 7;
	}
	*p++ = (uint8) v;
	return p;
}

/* read one minimal varint of at most 3 bytes; corruption is an error */
static uint32
varint_get(const uint8 **pp, const uint8 *end)
{
	const uint8 *p = *pp;
	uint32		v = 0;
	int			shift = 0;

	for (;;)
	{
		uint8		b;

		if (p >= end)
			ps_corrupted("a truncated range");
		b = *p++;
		v |= (uint32) (b & 0x7f) << shift;
		if ((b & 0x80) == 0)
		{
			if (b == 0 && shift > 0)
				ps_corrupted("a non-minimal varint");
			break;
		}
		shift += 7;
		if (shift > 14)
			ps_corrupted("an over-long varint");
	}
	*pp = p;
	return v;
}

/*
 * Decode set into out[] (ascending ids) and return the member count; with
 * out == NULL only count and validate.
 */
static int
ps_decode(const PurposeSet *set, PurposeId *out)
{
	const uint8 *bytes = PS_BYTES(set);
	Size		nbytes = PS_NBYTES(set);
	const uint8 *p;
	const uint8 *end;
	int			n = 0;

	if (nbytes < 1)
		ps_corrupted("no encoding byte");
	p = bytes + 1;
	end = bytes + nbytes;

	switch (bytes[0])
	{
		case PS_ENCODING_BITFIELD:
			{
				Size		len = end - p;
				Size		k;

				if (len > PS_BITFIELD_MAXLEN)
					ps_corrupted("an over-long bitfield");
				if (len > 0 && end[-1] == 0)
					ps_corrupted("an untrimmed bitfield");
				for (k = 0; k < len; k++)
				{
					uint8		b = p[k];
					int			bit;

					for (bit = 0; b != 0; bit++, b >>= 1)
					{
						if (b & 1)
						{
							PurposeId	id = (PurposeId) (k * 8 + bit + 1);

							if (id > PURPOSE_ID_MAX)
								ps_corrupted("a bit beyond the largest purpose id");
							if (out != NULL)
								out[n] = id;
							n++;
						}
					}
				}
				break;
			}
		case PS_ENCODING_RANGES:
			{
				uint32		prev_end = 0;

				while (p < end)
				{
					uint32		gap = varint_get(&p, end);
					uint32		extent = varint_get(&p, end);
					uint32		start;
					uint32		last;

					if (prev_end > 0 && gap == 0)
						ps_corrupted("adjacent ranges");
					start = prev_end + gap + 1;
					last = start + extent;
					if (last > PURPOSE_ID_MAX)
						ps_corrupted("a range beyond the largest purpose id");
					if (out != NULL)
					{
						uint32		id;

						for (id = start; id <= last; id++)
							out[n++] = (PurposeId) id;
					}
					else
						n += (int) (extent + 1);
					prev_end = last;
				}
				/* canonical only if shorter than the bitfield (prev_end > 0) */
				if ((Size) (end - bytes - 1) >= (prev_end + 7) / 8)
					ps_corrupted("a ranges encoding no shorter than its bitfield");
				break;
			}
		default:
			ps_corrupted("an unrecognized encoding byte");
	}
	return n;
}

/*
 * Encode strictly ascending ids, each in 1..PURPOSE_ID_MAX.
 */
static PurposeSet *
ps_encode(const PurposeId *ids, int nids)
{
	Size		bitfield_len;
	Size		ranges_len = 0;
	Size		len;
	PurposeSet *set;
	uint32		prev_end = 0;
	int			i;

	bitfield_len = (nids == 0) ? 0 : (Size) (ids[nids - 1] - 1) / 8 + 1;

	for (i = 0; i < nids;)
	{
		uint32		start = (uint32) ids[i];
		uint32		last = start;

		while (i + 1 < nids && (uint32) ids[i + 1] == last + 1)
		{
			i++;
			last++;
		}
		i++;
		ranges_len += varint_size(start - prev_end - 1) +
			varint_size(last - start);
		prev_end = last;
	}

	len = Min(bitfield_len, ranges_len);
	set = (PurposeSet *) palloc0(PS_HDRSZ + len);
	SET_VARSIZE(set, PS_HDRSZ + len);

	if (bitfield_len <= ranges_len)
	{
		set->encoding = PS_ENCODING_BITFIELD;
		for (i = 0; i < nids; i++)
		{
			uint32		bit = (uint32) ids[i] - 1;

			set->payload[bit / 8] |= (uint8) (1 << (bit % 8));
		}
	}
	else
	{
		uint8	   *p = set->payload;

		set->encoding = PS_ENCODING_RANGES;
		prev_end = 0;
		for (i = 0; i < nids;)
		{
			uint32		start = (uint32) ids[i];
			uint32		last = start;

			while (i + 1 < nids && (uint32) ids[i + 1] == last + 1)
			{
				i++;
				last++;
			}
			i++;
			p = varint_put(p, start - prev_end - 1);
			p = varint_put(p, last - start);
			prev_end = last;
		}
		Assert(p == set->payload + len);
	}
	return set;
}

static int
purpose_id_cmp(const void *a, const void *b)
{
	PurposeId	x = *(const PurposeId *) a;
	PurposeId	y = *(const PurposeId *) b;

	return (x > y) - (x < y);
}

/* ----------------------------------------------------------------
 * C API (compliance.h)
 * ----------------------------------------------------------------
 */

/*
 * Build a set from ids in any order, duplicates allowed.  An id outside
 * 1..PURPOSE_ID_MAX is an error.
 */
PurposeSet *
purpose_set_from_ids(const PurposeId *ids, int nids)
{
	PurposeId  *sorted;
	PurposeSet *result;
	bool		ascending = true;
	int			n;
	int			i;

	for (i = 0; i < nids; i++)
	{
		if (ids[i] < 1 || ids[i] > PURPOSE_ID_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("purpose id %d is out of range", ids[i]),
					 errdetail("Purpose ids are between 1 and %d.",
							   PURPOSE_ID_MAX),
					 errhint("Build purpose sets from registered purposes only.")));
		if (i > 0 && ids[i] <= ids[i - 1])
			ascending = false;
	}

	if (ascending)
		return ps_encode(ids, nids);

	sorted = (PurposeId *) palloc(sizeof(PurposeId) * nids);
	memcpy(sorted, ids, sizeof(PurposeId) * nids);
	qsort(sorted, nids, sizeof(PurposeId), purpose_id_cmp);
	n = 0;
	for (i = 0; i < nids; i++)
	{
		if (n == 0 || sorted[i] != sorted[n - 1])
			sorted[n++] = sorted[i];
	}
	result = ps_encode(sorted, n);
	pfree(sorted);
	return result;
}

/*
 * Members in ascending id order, palloc'd in the current memory context;
 * returns their number.  *ids is never NULL.
 */
int
purpose_set_ids(const PurposeSet *set, PurposeId **ids)
{
	int			n = ps_decode(set, NULL);

	*ids = (PurposeId *) palloc(sizeof(PurposeId) * Max(n, 1));
	ps_decode(set, *ids);
	return n;
}

bool
purpose_set_contains(const PurposeSet *set, PurposeId id)
{
	const uint8 *bytes = PS_BYTES(set);
	Size		nbytes = PS_NBYTES(set);

	if (id < 1 || id > PURPOSE_ID_MAX)
		return false;
	if (nbytes < 1)
		ps_corrupted("no encoding byte");

	if (bytes[0] == PS_ENCODING_BITFIELD)
	{
		uint32		bit = (uint32) id - 1;

		if (bit / 8 >= nbytes - 1)
			return false;
		return (bytes[1 + bit / 8] & (1 << (bit % 8))) != 0;
	}
	else if (bytes[0] == PS_ENCODING_RANGES)
	{
		const uint8 *p = bytes + 1;
		const uint8 *end = bytes + nbytes;
		uint32		prev_end = 0;

		while (p < end)
		{
			uint32		gap = varint_get(&p, end);
			uint32		extent = varint_get(&p, end);
			uint32		start = prev_end + gap + 1;

			if ((uint32) id < start)
				return false;
			if ((uint32) id <= start + extent)
				return true;
			prev_end = start + extent;
		}
		return false;
	}

	ps_corrupted("an unrecognized encoding byte");
	return false;				/* keep compiler quiet */
}

bool
purpose_set_is_empty(const PurposeSet *set)
{
	/* canonical: the empty set is the bitfield encoding byte alone */
	return PS_NBYTES(set) <= 1;
}

/*
 * Canonical text form: '{a,b}' in ascending id order, '{}' when empty.
 * Needs the registry to turn ids into codes.
 */
char *
purpose_set_to_cstring(const PurposeSet *set)
{
	StringInfoData buf;
	PurposeId  *ids;
	int			n;
	int			i;

	n = purpose_set_ids(set, &ids);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, purpose_code_from_id(ids[i]));
	}
	appendStringInfoChar(&buf, '}');
	pfree(ids);
	return buf.data;
}

/* ----------------------------------------------------------------
 * Text I/O
 * ----------------------------------------------------------------
 */

/* longest part of a bad literal quoted in an error message, in bytes */
#define PS_ERROR_LITERAL_MAX	200

static void
ps_syntax_error(const char *str, size_t len, const PurposeSetParseError *err)
{
	char	   *shown;

	if (len > PS_ERROR_LITERAL_MAX)
	{
		int			clip = pg_mbcliplen(str, (int) len, PS_ERROR_LITERAL_MAX);

		shown = psprintf("%.*s...", clip, str);
	}
	else
		shown = pstrdup(str);

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					"purpose_set", shown),
			 errdetail("Expected %s at character %zu, but found %s.",
					   err->expected, err->position + 1, err->found),
			 errhint("Write a purpose set as {code,code,...} or as a single code; a purpose code is a lowercase letter followed by at most 62 lowercase letters, digits or underscores.")));
}

/* what the parser callback collects in purpose_set_in */
typedef struct PsCollectState
{
	uint8	   *seen;			/* bitmap of the ids met so far */
	PurposeId  *ids;			/* the distinct ids, in input order */
	int			nids;
	int			maxids;
} PsCollectState;

/*
 * Parser callback: look a member up and remember its id once.  Skipping
 * duplicates bounds memory by the number of distinct purposes whatever
 * the length of the literal.
 */
static bool
ps_collect_member(const char *code, size_t len, size_t position, void *arg)
{
	PsCollectState *state = (PsCollectState *) arg;
	char		buf[PURPOSE_CODE_MAXLEN + 1];
	PurposeId	id;
	uint32		bit;

	Assert(len >= 1 && len <= PURPOSE_CODE_MAXLEN);
	memcpy(buf, code, len);
	buf[len] = '\0';

	id = purpose_id_from_code(buf, false);
	if (id < 1 || id > PURPOSE_ID_MAX)
		elog(ERROR, "registry returned purpose id %d for \"%s\"", id, buf);

	bit = (uint32) id - 1;
	if (state->seen[bit / 8] & (1 << (bit % 8)))
		return true;
	state->seen[bit / 8] |= (uint8) (1 << (bit % 8));

	if (state->nids >= state->maxids)
	{
		state->maxids *= 2;
		state->ids = (PurposeId *) repalloc(state->ids,
											sizeof(PurposeId) * state->maxids);
	}
	state->ids[state->nids++] = id;
	return true;
}

Datum
purpose_set_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	size_t		len = strlen(str);
	PurposeSetParseError err;
	PsCollectState state;
	PurposeSet *result;

	/*
	 * Check the whole literal before looking anything up, so that a syntax
	 * error is reported as such even after an unknown code.
	 */
	if (purpose_set_parse(str, len, NULL, NULL, &err) < 0)
		ps_syntax_error(str, len, &err);

	state.seen = (uint8 *) palloc0(PS_BITFIELD_MAXLEN);
	state.maxids = 8;
	state.nids = 0;
	state.ids = (PurposeId *) palloc(sizeof(PurposeId) * state.maxids);
	if (purpose_set_parse(str, len, ps_collect_member, &state, &err) < 0)
		ps_syntax_error(str, len, &err);	/* can't happen */

	result = purpose_set_from_ids(state.ids, state.nids);
	pfree(state.ids);
	pfree(state.seen);
	PG_RETURN_PURPOSE_SET(result);
}

Datum
purpose_set_out(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);

	PG_RETURN_CSTRING(purpose_set_to_cstring(set));
}

/* ----------------------------------------------------------------
 * Binary I/O: codes, not ids (see the layout above)
 * ----------------------------------------------------------------
 */

#define PS_RECV_HINT \
	"Binary purpose_set data must come from purpose_set_send, for example from COPY ... (FORMAT binary)."

Datum
purpose_set_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		count;
	PurposeId  *ids;
	PurposeSet *result;
	int			i;

	count = (int32) pq_getmsgint(buf, 4);

	/* each member takes at least 5 bytes: a length and one character */
	if (count < 0 || count > (buf->len - buf->cursor) / 5)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid member count %d in binary purpose_set", count),
				 errdetail("The message has %d bytes left, room for at most %d members.",
						   buf->len - buf->cursor, (buf->len - buf->cursor) / 5),
				 errhint(PS_RECV_HINT)));

	ids = (PurposeId *) palloc(sizeof(PurposeId) * Max(count, 1));
	for (i = 0; i < count; i++)
	{
		int32		len = (int32) pq_getmsgint(buf, 4);
		int			nbytes;
		char	   *code;

		if (len < 1 || len > PURPOSE_CODE_MAXLEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid purpose code length %d in binary purpose_set", len),
					 errdetail("Member %d has a length outside 1..%d.",
							   i + 1, PURPOSE_CODE_MAXLEN),
					 errhint(PS_RECV_HINT)));

		/* converted to the server encoding and verified, so safe to show */
		code = pq_getmsgtext(buf, len, &nbytes);
		if (!purpose_code_is_valid(code, nbytes))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid purpose code \"%s\" in binary purpose_set", code),
					 errdetail("Member %d is not a lowercase letter followed by lowercase letters, digits or underscores.",
							   i + 1),
					 errhint(PS_RECV_HINT)));

		ids[i] = purpose_id_from_code(code, false);
		pfree(code);
	}

	result = purpose_set_from_ids(ids, count);
	pfree(ids);
	PG_RETURN_PURPOSE_SET(result);
}

Datum
purpose_set_send(PG_FUNCTION_ARGS)
{
	PurposeSet *set = PG_GETARG_PURPOSE_SET(0);
	StringInfoData buf;
	PurposeId  *ids;
	int			n;
	int			i;

	n = purpose_set_ids(set, &ids);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, (uint32) n);
	for (i = 0; i < n; i++)
	{
		const char *code = purpose_code_from_id(ids[i]);
		int			len = (int) strlen(code);

		/* codes are plain ASCII: the same bytes in every encoding */
		pq_sendint32(&buf, (uint32) len);
		pq_sendbytes(&buf, code, len);
	}
	pfree(ids);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 * Casts
 * ----------------------------------------------------------------
 */

/* compliance.purpose_set(compliance.purpose): a set of one */
Datum
purpose_set_from_purpose(PG_FUNCTION_ARGS)
{
	PurposeId	id = PG_GETARG_PURPOSE(0);

	PG_RETURN_PURPOSE_SET(purpose_set_from_ids(&id, 1));
}

/* compliance.purpose_set(compliance.purpose[]): NULL elements are an error */
Datum
purpose_set_from_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	PurposeId  *ids;
	PurposeSet *result;
	int			i;

	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cannot make a purpose set from an array containing nulls"),
				 errdetail("A purpose set has no NULL members."),
				 errhint("Remove the NULL elements first, for example with array_remove(..., NULL).")));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	if (typlen != sizeof(int32) || !typbyval)
		elog(ERROR, "purpose_set_from_array called on an array of type %u",
			 elemtype);

	deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &nelems);
	ids = (PurposeId *) palloc(sizeof(PurposeId) * Max(nelems, 1));
	for (i = 0; i < nelems; i++)
		ids[i] = DatumGetPurposeId(elems[i]);

	result = purpose_set_from_ids(ids, nelems);
	pfree(ids);
	pfree(elems);
	pfree(nulls);
	PG_FREE_IF_COPY(arr, 0);
	PG_RETURN_PURPOSE_SET(result);
}
