/*-------------------------------------------------------------------------
 *
 * purpose.c
 *	  The compliance.purpose type: a registered processing purpose.
 *
 * Stored as the purpose's registry id (int4, passed by value) so that
 * comparisons and bitmaps are cheap; its text form is the purpose code.
 * Ordering follows registration order, like an enum's declaration order.
 * The binary form is the code, so binary COPY works between databases
 * whose registries assigned different ids.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "compliance.h"

PG_FUNCTION_INFO_V1(purpose_in);
PG_FUNCTION_INFO_V1(purpose_out);
PG_FUNCTION_INFO_V1(purpose_recv);
PG_FUNCTION_INFO_V1(purpose_send);
PG_FUNCTION_INFO_V1(purpose_eq);
PG_FUNCTION_INFO_V1(purpose_ne);
PG_FUNCTION_INFO_V1(purpose_lt);
PG_FUNCTION_INFO_V1(purpose_le);
PG_FUNCTION_INFO_V1(purpose_gt);
PG_FUNCTION_INFO_V1(purpose_ge);
PG_FUNCTION_INFO_V1(purpose_cmp);
PG_FUNCTION_INFO_V1(purpose_hash);
PG_FUNCTION_INFO_V1(purpose_hash_extended);
PG_FUNCTION_INFO_V1(purpose_id);

/* Code syntax: [a-z][a-z0-9_]*, at most PURPOSE_CODE_MAXLEN bytes. */
bool
purpose_code_is_valid(const char *code, int len)
{
	if (len < 1 || len > PURPOSE_CODE_MAXLEN || code[0] < 'a' || code[0] > 'z')
		return false;
	for (int i = 1; i < len; i++)
	{
		char		c = code[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static PurposeId
purpose_from_code(const char *code, int len)
{
	char	   *copy;

	if (!purpose_code_is_valid(code, len))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type purpose: \"%s\"",
						pnstrdup(code, Min(len, 200))),
				 errdetail("A purpose code starts with a lowercase letter and has at most %d lowercase letters, digits or underscores.",
						   PURPOSE_CODE_MAXLEN),
				 errhint("Use the code the purpose was registered with; see compliance.purposes.")));
	copy = pnstrdup(code, len);
	return purpose_id_from_code(copy, false);
}

Datum
purpose_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);

	PG_RETURN_PURPOSE(purpose_from_code(str, strlen(str)));
}

Datum
purpose_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(pstrdup(purpose_code_from_id(PG_GETARG_PURPOSE(0))));
}

Datum
purpose_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	const char *code = pq_getmsgbytes(buf, len);

	PG_RETURN_PURPOSE(purpose_from_code(code, len));
}

Datum
purpose_send(PG_FUNCTION_ARGS)
{
	const char *code = purpose_code_from_id(PG_GETARG_PURPOSE(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, code, strlen(code));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

#define PURPOSE_CMP_FN(name, op) \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(PG_GETARG_PURPOSE(0) op PG_GETARG_PURPOSE(1)); \
}

PURPOSE_CMP_FN(purpose_eq, ==)
PURPOSE_CMP_FN(purpose_ne, !=)
PURPOSE_CMP_FN(purpose_lt, <)
PURPOSE_CMP_FN(purpose_le, <=)
PURPOSE_CMP_FN(purpose_gt, >)
PURPOSE_CMP_FN(purpose_ge, >=)

Datum
purpose_cmp(PG_FUNCTION_ARGS)
{
	PurposeId	a = PG_GETARG_PURPOSE(0);
	PurposeId	b = PG_GETARG_PURPOSE(1);

	PG_RETURN_INT32(a < b ? -1 : (a > b ? 1 : 0));
}

Datum
purpose_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_PURPOSE(0));
}

Datum
purpose_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_PURPOSE(0),
								PG_GETARG_INT64(1));
}

/* The registry id behind a purpose (compliance.purposes.id). */
Datum
purpose_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_PURPOSE(0));
}
