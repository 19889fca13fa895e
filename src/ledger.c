/*-------------------------------------------------------------------------
 *
 * ledger.c
 *	  Hash chains of the append-only ledgers (consent events, Art. 5.7;
 *	  disclosures, Art. 12) and the trigger that keeps them append-only.
 *
 * Each row's hash is SHA-256 over the previous row's hash followed by a
 * canonical encoding of the row's own content: every field as a 4-byte
 * big-endian length and its UTF-8 bytes, 0xFFFFFFFF for NULL.  Callers
 * pass the fields as text in a fixed order (see the ledger SQL), so the
 * encoding does not depend on DateStyle, TimeZone or storage layout.
 * verify_ledger() recomputes every hash and checks every link, so a
 * changed, deleted, inserted or reordered row is found.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "compliance.h"

PG_FUNCTION_INFO_V1(ledger_digest);
PG_FUNCTION_INFO_V1(ledger_chain_next);
PG_FUNCTION_INFO_V1(ledger_guard);
PG_FUNCTION_INFO_V1(new_salt);

static void
hash_update(pg_cryptohash_ctx *ctx, const void *data, size_t len)
{
	if (pg_cryptohash_update(ctx, data, len) < 0)
		elog(ERROR, "could not update SHA-256 digest");
}

/*
 * SHA-256 of prev followed by the canonical encoding of the fields
 * (text datums, NULLs allowed) into out.
 */
static void
digest_fields(const char *prev, size_t prev_len, const Datum *values, const bool *nulls,
			  int nfields, uint8 *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "could not initialise SHA-256 digest");
	hash_update(ctx, prev, prev_len);
	for (int i = 0; i < nfields; i++)
	{
		uint32		len = nulls[i] ? 0xFFFFFFFF : VARSIZE_ANY_EXHDR(DatumGetPointer(values[i]));
		uint8		be[4];

		be[0] = (len >> 24) & 0xFF;
		be[1] = (len >> 16) & 0xFF;
		be[2] = (len >> 8) & 0xFF;
		be[3] = len & 0xFF;
		hash_update(ctx, be, 4);
		if (!nulls[i])
			hash_update(ctx, VARDATA_ANY(DatumGetPointer(values[i])), len);
	}
	if (pg_cryptohash_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not finish SHA-256 digest");
	pg_cryptohash_free(ctx);
}

static void
deconstruct_fields(ArrayType *fields, Datum **values, bool **nulls, int *nfields)
{
	if (ARR_NDIM(fields) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("ledger fields must be a one-dimensional array")));
	deconstruct_array(fields, TEXTOID, -1, false, TYPALIGN_INT, values, nulls, nfields);
}

/*
 * ledger_digest(prev bytea, fields text[]) returns bytea
 *
 * SHA-256 of prev followed by the canonical encoding of fields.
 */
Datum
ledger_digest(PG_FUNCTION_ARGS)
{
	bytea	   *prev;
	Datum	   *values;
	bool	   *nulls;
	int			nfields;
	bytea	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ledger digest needs the previous hash and the row's fields"),
				 errhint("Pass the previous row's hash (32 zero bytes for the first row) and a text array.")));
	prev = PG_GETARG_BYTEA_PP(0);
	deconstruct_fields(PG_GETARG_ARRAYTYPE_P(1), &values, &nulls, &nfields);
	result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	digest_fields(VARDATA_ANY(prev), VARSIZE_ANY_EXHDR(prev), values, nulls, nfields,
				  (uint8 *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}

/*
 * ledger_chain_next(head bytea, id bigint, fields text[]) returns bytea
 *
 * The link of the next row of a run appended in bulk, for a query that
 * passes its rows in the order of id (compliance.import_consents): the
 * previous row's hash and this row's (64 bytes: prev_hash || hash).  The
 * first row of the query links to head; each next one to the row before,
 * remembered in fn_extra, which lasts for one execution of the query.
 * Rows must come in the order of id, one apart: anything else is an error,
 * never a chain with a wrong link.  Unlike a window aggregate, nothing of
 * the rows is kept: a run of millions costs no memory.
 */
typedef struct ChainLink
{
	int64		next_id;
	uint8		last[PG_SHA256_DIGEST_LENGTH];
} ChainLink;

Datum
ledger_chain_next(PG_FUNCTION_ARGS)
{
	ChainLink  *link = (ChainLink *) fcinfo->flinfo->fn_extra;
	int64		id;
	Datum	   *values;
	bool	   *nulls;
	int			nfields;
	bytea	   *result;
	uint8	   *out;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ledger chain needs the head's hash, the row's id and its fields")));
	id = PG_GETARG_INT64(1);
	if (link == NULL)
	{
		bytea	   *head = PG_GETARG_BYTEA_PP(0);

		if (VARSIZE_ANY_EXHDR(head) != PG_SHA256_DIGEST_LENGTH)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ledger chain head must be a SHA-256 hash of 32 bytes")));
		link = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ChainLink));
		memcpy(link->last, VARDATA_ANY(head), PG_SHA256_DIGEST_LENGTH);
		link->next_id = id;
		fcinfo->flinfo->fn_extra = link;
	}
	if (id != link->next_id)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("ledger rows out of order: row %lld after row %lld",
						(long long) id, (long long) (link->next_id - 1)),
				 errdetail("Each row of a bulk append links to the row before it, so they are chained in the order of their ids."),
				 errhint("Nothing was appended; report this as a bug of the compliance extension.")));

	deconstruct_fields(PG_GETARG_ARRAYTYPE_P(2), &values, &nulls, &nfields);
	result = palloc(VARHDRSZ + 2 * PG_SHA256_DIGEST_LENGTH);
	SET_VARSIZE(result, VARHDRSZ + 2 * PG_SHA256_DIGEST_LENGTH);
	out = (uint8 *) VARDATA(result);
	memcpy(out, link->last, PG_SHA256_DIGEST_LENGTH);
	digest_fields((const char *) link->last, PG_SHA256_DIGEST_LENGTH, values, nulls, nfields,
				  out + PG_SHA256_DIGEST_LENGTH);
	memcpy(link->last, out + PG_SHA256_DIGEST_LENGTH, PG_SHA256_DIGEST_LENGTH);
	link->next_id = id + 1;
	pfree(values);
	pfree(nulls);
	PG_RETURN_BYTEA_P(result);
}

/*
 * Row and statement trigger on ledger tables: refuses UPDATE, DELETE and
 * TRUNCATE unless a superuser has turned compliance.ledger_protection off.
 * Installed ENABLE ALWAYS, so session_replication_role does not skip it.
 */
Datum
ledger_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *what;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("ledger_guard() must be called as a trigger")));

	if (!compliance_ledger_protection)
	{
		if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
			PG_RETURN_NULL();
		if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
			PG_RETURN_POINTER(trigdata->tg_newtuple);
		PG_RETURN_POINTER(trigdata->tg_trigtuple);
	}

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		what = "UPDATE";
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		what = "DELETE";
	else if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		what = "TRUNCATE";
	else
		what = "INSERT";

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s on ledger table \"%s\" is not allowed",
					what, RelationGetRelationName(trigdata->tg_relation)),
			 errdetail("Ledgers are append-only evidence: the processor must be able to prove consent (Art. 5.7 of Law 99-Z) and disclosures (Art. 12)."),
			 errhint("Record a new event instead, e.g. compliance.withdraw_consent(). For repairs a superuser may SET compliance.ledger_protection = off; compliance.verify_ledger() reports every changed row.")));
	PG_RETURN_NULL();
}

/*
 * new_salt() returns bytea: 32 random bytes from the operating system's
 * generator, the salt of sealed evidence (compliance.sealed_digest).  In C
 * because a bulk import asks for one per row.
 */
Datum
new_salt(PG_FUNCTION_ARGS)
{
	bytea	   *salt = palloc(VARHDRSZ + 32);

	SET_VARSIZE(salt, VARHDRSZ + 32);
	if (!pg_strong_random(VARDATA(salt), 32))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random salt"),
				 errdetail("The operating system's random number generator failed."),
				 errhint("Check that /dev/urandom is readable, or that PostgreSQL was built with OpenSSL.")));
	PG_RETURN_BYTEA_P(salt);
}
