/*-------------------------------------------------------------------------
 *
 * consent_io.c
 *	  The forms of a compliance.consent value: text (in, out), binary
 *	  (recv, send) and jsonb (casts both ways).  Each writer walks the
 *	  field descriptors of consent.h once; every reader builds through the
 *	  validating setters of consent.c, so a value is checked the same way
 *	  whatever form it came in.  consent_parse.c parses the literal.
 *
 * Text form (see consent_parse.h for the grammar):
 *
 *	(id=0, subject="42", purposes="{marketing}", form="checkbox",
 *	 given_at="2026-11-22 10:00:00+00", valid_until=NULL,
 *	 indicated_by="subject", representative=NULL, notice_digest="ab...",
 *	 evidence_digest=NULL, identity=NULL, notice_lang="ru",
 *	 subject_kind="patient", transfer_countries="{CN,US}")
 *
 * Output has every key in this order, id as a bare number, every other
 * value quoted or NULL, timestamps in ISO 8601 in UTC whatever DateStyle
 * and TimeZone say, digests as 64 lowercase hex digits, countries as
 * "{CN,US}" sorted: the text form of a value is stable and reads back to
 * an equal value.  subject_kind and transfer_countries are elided
 * (consent.h): left out when absent, so receipts without them print as
 * they did before those keys existed.  Input accepts the keys in any
 * order; subject, purposes, form and given_at are required, id defaults
 * to 0 and indicated_by to 'subject', the rest to absent (NULL).
 *
 * Binary form (send/recv): purposes travel as codes, not registry ids, so
 * binary COPY works between databases.  "text" is an int32 byte count and
 * the bytes in the client encoding; "nullable" prefixes an int32 byte count
 * that is -1 when the field is absent.
 *
 *	uint8	version (1)
 *	int64	id
 *	text	subject
 *	int32	number of purposes, then that many: text code
 *	text	form label
 *	int64	given_at (microseconds since 2000-01-01 00:00 UTC)
 *	nullable int64	valid_until (count 8)
 *	text	indicated_by label
 *	nullable text	representative (JSON)
 *	nullable bytes	notice_digest (count 32)
 *	nullable bytes	evidence_digest (count 32)
 *	nullable text	identity (JSON)
 *	nullable text	notice_lang
 *	nullable text	subject_kind
 *	nullable int32	number of transfer_countries, then that many: text code
 *
 * The last two are elided: the message may end before either, which then
 * is absent, and send ends the message after the last one present.
 *
 * jsonb form: an object with the same keys; purposes and
 * transfer_countries as arrays of codes, timestamps as ISO 8601 strings in
 * UTC, digests as hex strings, absent fields as null (and may be left out
 * on input); absent elided fields are left out.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "compliance.h"
#include "consent.h"
#include "consent_parse.h"

PG_FUNCTION_INFO_V1(consent_in);
PG_FUNCTION_INFO_V1(consent_out);
PG_FUNCTION_INFO_V1(consent_recv);
PG_FUNCTION_INFO_V1(consent_send);
PG_FUNCTION_INFO_V1(consent_to_jsonb);
PG_FUNCTION_INFO_V1(consent_from_jsonb);

/* ----------------------------------------------------------------
 * Formatting helpers of the text form
 * ----------------------------------------------------------------
 */

/* append ", key=" (or "(key=" for the first key) */
static void
append_key(StringInfo buf, ConsentKey key)
{
	appendStringInfoString(buf, key == CK_ID ? "(" : ", ");
	appendStringInfoString(buf, consent_keys[key]);
	appendStringInfoChar(buf, '=');
}

/* a double-quoted value with " and \ escaped */
static void
append_quoted(StringInfo buf, const char *s, int len)
{
	int			i;

	appendStringInfoChar(buf, '"');
	for (i = 0; i < len; i++)
	{
		if (s[i] == '"' || s[i] == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, s[i]);
	}
	appendStringInfoChar(buf, '"');
}

static void
append_quoted_cstring(StringInfo buf, const char *s)
{
	append_quoted(buf, s, (int) strlen(s));
}

/* ----------------------------------------------------------------
 * Text I/O
 * ----------------------------------------------------------------
 */

static void
literal_syntax_error(const char *str, size_t len, const ConsentParseError *err)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type consent: \"%s\"",
					consent_shown_literal(str, len)),
			 errdetail("Expected %s at character %d, but found %s.",
					   err->expected,
					   consent_character_number(str, len, err->position),
					   err->found),
			 errhint("Write a consent as (key=value, ...) with the keys subject, purposes, form and given_at, "
					 "and optionally id, valid_until, indicated_by, representative, notice_digest, evidence_digest, identity, notice_lang, subject_kind, transfer_countries; "
					 "double-quote values that are not a single word, and write \\\" and \\\\ inside quotes.")));
}

typedef struct LiteralState
{
	ConsentValues values;
	ConsentSource src;
	uint32		seen;			/* keys met so far */
} LiteralState;

static bool
literal_pair(const ConsentParsePair *pair, void *arg)
{
	LiteralState *st = (LiteralState *) arg;
	int			key;
	char	   *value;
	size_t		len;

	for (key = 0; key < CK_NKEYS; key++)
		if (strlen(consent_keys[key]) == pair->key_len &&
			memcmp(consent_keys[key], pair->key, pair->key_len) == 0)
			break;
	if (key == CK_NKEYS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type consent: \"%s\"",
						consent_shown_literal(st->src.literal, st->src.literal_len)),
				 errdetail("Key \"%.*s\" at character %d is not a field of consent.",
						   (int) pair->key_len, pair->key,
						   consent_character_number(st->src.literal,
											st->src.literal_len,
											pair->key_position)),
				 errhint("The keys are id, subject, purposes, form, given_at, valid_until, indicated_by, representative, notice_digest, evidence_digest, identity, notice_lang, subject_kind and transfer_countries.")));
	if (st->seen & CK_BIT(key))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type consent: \"%s\"",
						consent_shown_literal(st->src.literal, st->src.literal_len)),
				 errdetail("Key \"%s\" at character %d appears a second time.",
						   consent_keys[key],
						   consent_character_number(st->src.literal,
											st->src.literal_len,
											pair->key_position)),
				 errhint("Give each key at most once.")));
	st->seen |= CK_BIT(key);
	st->src.positions[key] = pair->value_position;

	if (pair->is_null)
	{
		consent_set_null(&st->values, key, &st->src);
		return true;
	}

	/* a NUL-terminated copy without escapes; kept by the values */
	value = palloc(pair->value_len + 1);
	if (pair->escaped)
		len = consent_parse_unescape(pair->value, pair->value_len, value);
	else
	{
		memcpy(value, pair->value, pair->value_len);
		len = pair->value_len;
	}
	value[len] = '\0';
	consent_set_from_text(&st->values, key, value, len, &st->src);
	return true;
}

Datum
consent_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	size_t		len = strlen(str);
	ConsentParseError err;
	LiteralState st;

	/* the whole syntax first, so that a syntax error wins over values */
	if (consent_parse(str, len, NULL, NULL, &err) < 0)
		literal_syntax_error(str, len, &err);

	consent_values_init(&st.values);
	consent_source_init(&st.src, SRC_LITERAL, str, len);
	st.seen = 0;
	if (consent_parse(str, len, literal_pair, &st, &err) < 0)
		literal_syntax_error(str, len, &err);	/* can't happen */

	PG_RETURN_CONSENT(consent_build(&st.values, &st.src));
}

/* The text form of one field's value, or NULL. */
static void
append_text_value(StringInfo buf, const ConsentValues *v, ConsentKey key)
{
	const ConsentField *f = &consent_fields[key];

	if (!FIELD_PRESENT(v, key))
	{
		appendStringInfoString(buf, "NULL");
		return;
	}
	switch (f->kind)
	{
		case FK_ID:
			appendStringInfo(buf, INT64_FORMAT, FIELD(v, f, int64));
			break;
		case FK_STRING:
		case FK_JSON:
			append_quoted(buf, FIELD(v, f, char *), FIELD_LEN(v, f));
			break;
		case FK_PURPOSES:
			append_quoted_cstring(buf, purpose_set_to_cstring(FIELD(v, f, PurposeSet *)));
			break;
		case FK_LABEL:
			append_quoted_cstring(buf, f->labels[FIELD(v, f, int)]);
			break;
		case FK_TIMESTAMP:
			append_quoted_cstring(buf, consent_timestamp_text(FIELD(v, f, TimestampTz),
														  USE_ISO_DATES));
			break;
		case FK_DIGEST:
			append_quoted_cstring(buf, consent_digest_hex(FIELD_BYTES(v, f)));
			break;
		case FK_COUNTRIES:
			{
				const char *codes = FIELD(v, f, char *);
				StringInfoData list;

				initStringInfo(&list);
				appendStringInfoChar(&list, '{');
				for (int i = 0; i < FIELD_LEN(v, f); i += 2)
				{
					if (i > 0)
						appendStringInfoChar(&list, ',');
					appendBinaryStringInfo(&list, codes + i, 2);
				}
				appendStringInfoChar(&list, '}');
				append_quoted(buf, list.data, list.len);
				pfree(list.data);
			}
			break;
	}
}

Datum
consent_out(PG_FUNCTION_ARGS)
{
	Consent    *c = PG_GETARG_CONSENT(0);
	ConsentValues v;
	StringInfoData buf;

	consent_deform(c, &v);
	initStringInfo(&buf);
	for (int key = 0; key < CK_NKEYS; key++)
	{
		if (!FIELD_WRITTEN(&v, key))
			continue;
		append_key(&buf, key);
		append_text_value(&buf, &v, key);
	}
	appendStringInfoChar(&buf, ')');

	PG_RETURN_CSTRING(buf.data);
}

/* ----------------------------------------------------------------
 * Binary I/O (layout in the banner)
 * ----------------------------------------------------------------
 */

/* a server-encoding string as int32 byte count + client-encoding bytes */
static void
send_text(StringInfo buf, const char *s, int len)
{
	char	   *converted = pg_server_to_client(s, len);
	int			n = (converted != s) ? (int) strlen(converted) : len;

	pq_sendint32(buf, (uint32) n);
	pq_sendbytes(buf, converted, n);
	if (converted != s)
		pfree(converted);
}

/* read an int32 byte count that must fit what is left; -1 if allowed */
static int
recv_count(StringInfo buf, const ConsentSource *src, ConsentKey key,
		   bool nullable)
{
	int32		n = (int32) pq_getmsgint(buf, 4);

	if (n == -1 && nullable)
		return -1;
	if (n < 0 || n > buf->len - buf->cursor)
		consent_fail(src, 0, key,
					 psprintf("byte count %d does not fit the %d bytes left",
							  n, buf->len - buf->cursor),
					 NULL);
	return n;
}

/* text in the client encoding, converted and verified; NUL-terminated */
static char *
recv_text(StringInfo buf, const ConsentSource *src, ConsentKey key,
		  bool nullable, int *len)
{
	int			n = recv_count(buf, src, key, nullable);

	if (n < 0)
		return NULL;
	return pq_getmsgtext(buf, n, len);
}

/* the purposes: a count, then codes; each code takes at least 5 bytes */
static void
recv_purposes(StringInfo buf, ConsentValues *v, const ConsentSource *src)
{
	int32		count = (int32) pq_getmsgint(buf, 4);
	PurposeId  *ids;

	if (count < 0 || count > (buf->len - buf->cursor) / 5)
		consent_fail(src, 0, CK_PURPOSES,
					 psprintf("member count %d does not fit the %d bytes left",
							  count, buf->len - buf->cursor),
					 NULL);
	ids = (PurposeId *) palloc(sizeof(PurposeId) * Max(count, 1));
	for (int i = 0; i < count; i++)
	{
		int			n = recv_count(buf, src, CK_PURPOSES, false);
		char	   *s;
		int			len;

		if (n < 1 || n > PURPOSE_CODE_MAXLEN)
			consent_fail(src, 0, CK_PURPOSES,
						 psprintf("member %d has a code of %d bytes", i + 1, n),
						 NULL);
		s = pq_getmsgtext(buf, n, &len);
		if (!purpose_code_is_valid(s, len))
			consent_fail(src, 0, CK_PURPOSES,
						 psprintf("member %d, \"%s\", is not a purpose code",
								  i + 1, s),
						 NULL);
		ids[i] = purpose_id_from_code(s, false);
	}
	consent_set_purposes(v, purpose_set_from_ids(ids, count), src);
}

/* transfer_countries: a count (-1: absent), then codes of 2 bytes */
static void
recv_countries(StringInfo buf, ConsentValues *v, const ConsentSource *src)
{
	int32		count = (int32) pq_getmsgint(buf, 4);
	ConsentCountries set;

	if (count == -1)
		return;
	if (count < 0 || count > (buf->len - buf->cursor) / 6)
		consent_fail(src, 0, CK_TRANSFER_COUNTRIES,
					 psprintf("member count %d does not fit the %d bytes left",
							  count, buf->len - buf->cursor),
					 NULL);
	consent_countries_init(&set);
	for (int i = 0; i < count; i++)
	{
		int			n = recv_count(buf, src, CK_TRANSFER_COUNTRIES, false);
		char	   *s;
		int			len;

		s = pq_getmsgtext(buf, n, &len);
		consent_countries_add(&set, s, len, i + 1, src);
	}
	consent_set_countries(v, &set, src);
}

/* Reads one field (layout in the banner) and sets it, validated. */
static void
recv_field(StringInfo buf, ConsentValues *v, ConsentKey key,
		   const ConsentSource *src)
{
	const ConsentField *f = &consent_fields[key];
	char	   *s;
	int			len;
	int			n;

	/* an elided field may be missing from the end of the message */
	if (f->elided && buf->len - buf->cursor < (int) sizeof(int32))
		return;
	switch (f->kind)
	{
		case FK_ID:
			consent_set_id(v, (int64) pq_getmsgint64(buf), src);
			break;
		case FK_STRING:
		case FK_LABEL:
		case FK_JSON:
			s = recv_text(buf, src, key, f->optional, &len);
			if (s != NULL)
				consent_set_from_text(v, key, s, len, src);
			break;
		case FK_PURPOSES:
			recv_purposes(buf, v, src);
			break;
		case FK_TIMESTAMP:
			if (f->optional)
			{
				n = recv_count(buf, src, key, true);
				if (n < 0)
					break;
				if (n != sizeof(int64))
					consent_fail(src, 0, key,
								 psprintf("a timestamp has 8 bytes, not %d", n), NULL);
			}
			consent_set_timestamp(v, key, (TimestampTz) pq_getmsgint64(buf), src);
			break;
		case FK_DIGEST:
			n = recv_count(buf, src, key, f->optional);
			if (n >= 0)
				consent_set_digest(v, key, (const uint8 *) pq_getmsgbytes(buf, n), n, src);
			break;
		case FK_COUNTRIES:
			recv_countries(buf, v, src);
			break;
	}
}

Datum
consent_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	ConsentSource src;
	ConsentValues v;
	int			version;

	consent_source_init(&src, SRC_BINARY, NULL, 0);
	consent_values_init(&v);

	version = pq_getmsgbyte(buf);
	if (version != CONSENT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type consent"),
				 errdetail("Version %d is not supported; this library reads version %d.",
						   version, CONSENT_VERSION),
				 errhint("Binary consent data must come from the send function of compliance.consent, for example from COPY ... (FORMAT binary).")));

	for (int key = 0; key < CK_NKEYS; key++)
		recv_field(buf, &v, key, &src);

	if (buf->cursor != buf->len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type consent"),
				 errdetail_plural("%d byte follows the last field.",
								  "%d bytes follow the last field.",
								  buf->len - buf->cursor,
								  buf->len - buf->cursor),
				 errhint("Binary consent data must come from the send function of compliance.consent, for example from COPY ... (FORMAT binary).")));

	PG_RETURN_CONSENT(consent_build(&v, &src));
}

/* Writes one field (layout in the banner). */
static void
send_field(StringInfo buf, const ConsentValues *v, ConsentKey key)
{
	const ConsentField *f = &consent_fields[key];
	const char *label;
	PurposeId  *ids;
	int			n;

	if (!FIELD_PRESENT(v, key))
	{
		pq_sendint32(buf, (uint32) -1);
		return;
	}
	switch (f->kind)
	{
		case FK_ID:
			pq_sendint64(buf, (uint64) FIELD(v, f, int64));
			break;
		case FK_STRING:
		case FK_JSON:
			send_text(buf, FIELD(v, f, char *), FIELD_LEN(v, f));
			break;
		case FK_PURPOSES:
			n = purpose_set_ids(FIELD(v, f, PurposeSet *), &ids);
			pq_sendint32(buf, (uint32) n);
			for (int i = 0; i < n; i++)
			{
				const char *code = purpose_code_from_id(ids[i]);

				/* codes are plain ASCII: the same bytes in every encoding */
				pq_sendint32(buf, (uint32) strlen(code));
				pq_sendbytes(buf, code, (int) strlen(code));
			}
			pfree(ids);
			break;
		case FK_LABEL:
			label = f->labels[FIELD(v, f, int)];
			pq_sendint32(buf, (uint32) strlen(label));
			pq_sendbytes(buf, label, (int) strlen(label));
			break;
		case FK_TIMESTAMP:
			if (f->optional)
				pq_sendint32(buf, sizeof(int64));
			pq_sendint64(buf, (uint64) FIELD(v, f, TimestampTz));
			break;
		case FK_DIGEST:
			pq_sendint32(buf, CONSENT_DIGEST_LEN);
			pq_sendbytes(buf, (const char *) FIELD_BYTES(v, f), CONSENT_DIGEST_LEN);
			break;
		case FK_COUNTRIES:
			/* codes are plain ASCII: the same bytes in every encoding */
			pq_sendint32(buf, (uint32) (FIELD_LEN(v, f) / 2));
			for (int i = 0; i < FIELD_LEN(v, f); i += 2)
			{
				pq_sendint32(buf, 2);
				pq_sendbytes(buf, FIELD(v, f, char *) + i, 2);
			}
			break;
	}
}

Datum
consent_send(PG_FUNCTION_ARGS)
{
	Consent    *c = PG_GETARG_CONSENT(0);
	ConsentValues v;
	StringInfoData buf;
	int			last;

	consent_deform(c, &v);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CONSENT_VERSION);
	/* up to the last field that is not an absent elided one */
	last = CK_NKEYS - 1;
	while (!FIELD_WRITTEN(&v, last))
		last--;
	for (int key = 0; key <= last; key++)
		send_field(&buf, &v, key);

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 * Casts to and from jsonb
 * ----------------------------------------------------------------
 */

/* Pushes a string as a jsonb value. */
static void
push_json_string(JsonbParseState **state, const char *s, int len)
{
	JsonbValue	jv;

	jv.type = jbvString;
	jv.val.string.val = (char *) s;
	jv.val.string.len = len;
	pushJsonbValue(state, WJB_VALUE, &jv);
}

/* Pushes one field's value, or null, into the object being built. */
static void
push_json_value(JsonbParseState **state, const ConsentValues *v, ConsentKey key)
{
	const ConsentField *f = &consent_fields[key];
	JsonbValue	jv;
	const char *text;
	PurposeId  *ids;
	Jsonb	   *object;
	int			n;

	if (!FIELD_PRESENT(v, key))
	{
		jv.type = jbvNull;
		pushJsonbValue(state, WJB_VALUE, &jv);
		return;
	}
	switch (f->kind)
	{
		case FK_ID:
			jv.type = jbvNumeric;
			jv.val.numeric = DatumGetNumeric(DirectFunctionCall1(int8_numeric,
																 Int64GetDatum(FIELD(v, f, int64))));
			pushJsonbValue(state, WJB_VALUE, &jv);
			break;
		case FK_STRING:
			push_json_string(state, FIELD(v, f, char *), FIELD_LEN(v, f));
			break;
		case FK_PURPOSES:
			pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
			n = purpose_set_ids(FIELD(v, f, PurposeSet *), &ids);
			for (int i = 0; i < n; i++)
			{
				text = purpose_code_from_id(ids[i]);
				jv.type = jbvString;
				jv.val.string.val = (char *) text;
				jv.val.string.len = (int) strlen(text);
				pushJsonbValue(state, WJB_ELEM, &jv);
			}
			pushJsonbValue(state, WJB_END_ARRAY, NULL);
			break;
		case FK_LABEL:
			text = f->labels[FIELD(v, f, int)];
			push_json_string(state, text, (int) strlen(text));
			break;
		case FK_TIMESTAMP:
			text = consent_timestamp_text(FIELD(v, f, TimestampTz), USE_XSD_DATES);
			push_json_string(state, text, (int) strlen(text));
			break;
		case FK_JSON:
			/* stored as the object's canonical text: its parse is the jsonb */
			object = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
														CStringGetDatum(pnstrdup(FIELD(v, f, char *),
																				 FIELD_LEN(v, f)))));
			jv.type = jbvBinary;
			jv.val.binary.data = &object->root;
			jv.val.binary.len = VARSIZE(object) - VARHDRSZ;
			pushJsonbValue(state, WJB_VALUE, &jv);
			break;
		case FK_DIGEST:
			push_json_string(state, consent_digest_hex(FIELD_BYTES(v, f)), 2 * CONSENT_DIGEST_LEN);
			break;
		case FK_COUNTRIES:
			pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
			for (int i = 0; i < FIELD_LEN(v, f); i += 2)
			{
				jv.type = jbvString;
				jv.val.string.val = (char *) FIELD(v, f, char *) + i;
				jv.val.string.len = 2;
				pushJsonbValue(state, WJB_ELEM, &jv);
			}
			pushJsonbValue(state, WJB_END_ARRAY, NULL);
			break;
	}
}

/* consent::jsonb: an object with every key, built directly */
Datum
consent_to_jsonb(PG_FUNCTION_ARGS)
{
	Consent    *c = PG_GETARG_CONSENT(0);
	ConsentValues v;
	JsonbParseState *state = NULL;
	JsonbValue *result;

	consent_deform(c, &v);
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int key = 0; key < CK_NKEYS; key++)
	{
		JsonbValue	name;

		if (!FIELD_WRITTEN(&v, key))
			continue;
		name.type = jbvString;
		name.val.string.val = (char *) consent_keys[key];
		name.val.string.len = (int) strlen(consent_keys[key]);
		pushJsonbValue(&state, WJB_KEY, &name);
		push_json_value(&state, &v, key);
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);

	PG_RETURN_JSONB_P(JsonbValueToJsonb(result));
}

/* a JSON value of the wrong type for key */
static void
json_wrong_type(const ConsentSource *src, ConsentKey key, const char *wanted,
				const JsonbValue *jv)
{
	consent_fail(src, 0, key,
				 psprintf("the value must be %s, not %s", wanted, consent_json_kind(jv)),
				 NULL);
}

static void
set_purposes_json(ConsentValues *v, const JsonbValue *jv,
				  const ConsentSource *src)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	elem;
	PurposeId  *ids;
	int			n = 0;
	int			nelems;

	if (jv->type != jbvBinary || !JsonContainerIsArray(jv->val.binary.data))
		json_wrong_type(src, CK_PURPOSES, "an array of purpose codes", jv);

	nelems = JsonContainerSize(jv->val.binary.data);
	ids = (PurposeId *) palloc(sizeof(PurposeId) * Max(nelems, 1));
	it = JsonbIteratorInit(jv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		char	   *code;

		if (tok != WJB_ELEM)
			continue;
		if (elem.type != jbvString)
			consent_fail(src, 0, CK_PURPOSES,
						 psprintf("element %d must be a purpose code string, not %s",
								  n + 1, consent_json_kind(&elem)),
						 NULL);
		if (!purpose_code_is_valid(elem.val.string.val, elem.val.string.len))
			consent_fail(src, 0, CK_PURPOSES,
						 psprintf("element %d, \"%s\", is not a purpose code",
								  n + 1,
								  consent_shown_value(elem.val.string.val,
											  elem.val.string.len)),
						 NULL);
		code = pnstrdup(elem.val.string.val, elem.val.string.len);
		Assert(n < nelems);
		ids[n++] = purpose_id_from_code(code, false);
		pfree(code);
	}
	consent_set_purposes(v, purpose_set_from_ids(ids, n), src);
}

static void
set_countries_json(ConsentValues *v, const JsonbValue *jv,
				   const ConsentSource *src)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	elem;
	ConsentCountries set;
	int			n = 0;

	if (jv->type != jbvBinary || !JsonContainerIsArray(jv->val.binary.data))
		json_wrong_type(src, CK_TRANSFER_COUNTRIES, "an array of country codes", jv);

	consent_countries_init(&set);
	it = JsonbIteratorInit(jv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		n++;
		if (elem.type != jbvString)
			consent_fail(src, 0, CK_TRANSFER_COUNTRIES,
						 psprintf("element %d must be a country code string, not %s",
								  n, consent_json_kind(&elem)),
						 NULL);
		consent_countries_add(&set, elem.val.string.val, elem.val.string.len,
							  n, src);
	}
	consent_set_countries(v, &set, src);
}

static void
set_from_json(ConsentValues *v, ConsentKey key, JsonbValue *jv,
			  const ConsentSource *src)
{
	char	   *s;
	Datum		num;

	if (jv->type == jbvNull)
	{
		consent_set_null(v, key, src);
		return;
	}

	switch (key)
	{
		case CK_ID:
			if (jv->type != jbvNumeric)
				json_wrong_type(src, key, "a number", jv);
			num = NumericGetDatum(jv->val.numeric);
			s = DatumGetCString(DirectFunctionCall1(numeric_out, num));
			consent_set_id_text(v, s, strlen(s), src);
			return;
		case CK_PURPOSES:
			set_purposes_json(v, jv, src);
			return;
		case CK_TRANSFER_COUNTRIES:
			set_countries_json(v, jv, src);
			return;
		case CK_REPRESENTATIVE:
		case CK_IDENTITY:
			if (jv->type != jbvBinary ||
				JsonContainerIsArray(jv->val.binary.data))
				json_wrong_type(src, key, "an object", jv);
			consent_set_json_object(v, key, JsonbValueToJsonb(jv), src);
			return;
		default:
			/* every other field is a JSON string holding its text form */
			if (jv->type != jbvString)
				json_wrong_type(src, key, "a string", jv);
			s = pnstrdup(jv->val.string.val, jv->val.string.len);
			consent_set_from_text(v, key, s, strlen(s), src);
			return;
	}
}

Datum
consent_from_jsonb(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	ConsentSource src;
	ConsentValues v;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	jv;
	int			key = -1;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot convert jsonb to type consent"),
				 errdetail("The value is a JSON %s, not an object.",
						   JB_ROOT_IS_SCALAR(jb) ? "scalar" : "array"),
				 errhint("Convert an object with the keys subject, purposes, form, given_at and optionally id, valid_until, indicated_by, representative, notice_digest, evidence_digest, identity, notice_lang, subject_kind, transfer_countries.")));

	consent_source_init(&src, SRC_JSONB, NULL, 0);
	consent_values_init(&v);

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			for (key = 0; key < CK_NKEYS; key++)
				if (strlen(consent_keys[key]) == (size_t) jv.val.string.len &&
					memcmp(consent_keys[key], jv.val.string.val,
						   jv.val.string.len) == 0)
					break;
			if (key == CK_NKEYS)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cannot convert jsonb to type consent"),
						 errdetail("Key \"%s\" is not a field of consent.",
								   consent_shown_value(jv.val.string.val,
											   jv.val.string.len)),
						 errhint("The keys are id, subject, purposes, form, given_at, valid_until, indicated_by, representative, notice_digest, evidence_digest, identity, notice_lang, subject_kind and transfer_countries.")));
		}
		else if (tok == WJB_VALUE)
		{
			Assert(key >= 0 && key < CK_NKEYS);
			set_from_json(&v, (ConsentKey) key, &jv, &src);
		}
	}

	PG_RETURN_CONSENT(consent_build(&v, &src));
}

