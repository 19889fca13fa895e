/*-------------------------------------------------------------------------
 *
 * consent.c
 *	  The compliance.consent type: one consent receipt, the record with
 *	  which the processor proves that a data subject consented (Art. 5.7 of
 *	  Law 99-Z).  Storage format, validation, text, binary and jsonb I/O,
 *	  accessors, equality, and the C API declared in compliance.h.  The text
 *	  literal is parsed by consent_parse.c; doc/consent.md is the user guide.
 *
 * Fields, named after the contract (the closest ISO/IEC TS 27560 and
 * Kantara Consent Receipt terms in brackets):
 *
 *	id				bigint: ledger id of the event that recorded the
 *					consent; 0 until it is recorded [consent record id]
 *	subject			text key of the data subject, 1..1024 bytes
 *					[PII principal]
 *	purposes		non-empty purpose_set (Art. 5.5) [purposes]
 *	form			label of compliance.consent_form (Art. 5.2-5.3)
 *					[collection method]
 *	given_at		timestamptz, finite [consent timestamp]
 *	valid_until		timestamptz after given_at, or absent: until withdrawn
 *					(Art. 5.5 "the period of time", Art. 10) [validity]
 *	indicated_by	who expressed the consent: subject, legal_representative,
 *					successor, close_relative, spouse, adoptive_parent,
 *					adoptive_child (Art. 5.9)
 *	representative	JSON object identifying whoever indicated consent on the
 *					subject's behalf, or absent
 *	notice_digest	SHA-256 of the notice shown before consent (Art. 5.5),
 *					or absent [notice]
 *	evidence_digest	SHA-256 of the evidence (signed form, SMS log, ...), or
 *					absent [proof]
 *	identity		JSON object of Art. 5.6 (surname, first_name, patronymic,
 *					birth_date, id_number, document_number, married,
 *					legally_incapable, deceased_on), or absent
 *	notice_lang		language tag of the notice shown ('ru', 'be', 'en'), or
 *					absent [language]
 *
 * On-disk layout: a varlena, alignment double, storage extended.  Values
 * are always built whole and are canonical (absent fields zeroed, JSON in
 * jsonb's canonical text, purposes in purpose_set's unique encoding), so
 * equality is byte equality and hashing hashes the bytes.
 *
 *	offset	size
 *	0		4	varlena header
 *	4		1	layout version (1)
 *	5		1	flags: which optional fields are present (CONSENT_HAS_*)
 *	6		1	form: index into consent_forms[] (contract order)
 *	7		1	indicated_by: index into consent_indicators[]
 *	8		8	id (int64)
 *	16		8	given_at (TimestampTz)
 *	24		8	valid_until (TimestampTz; 0 when absent)
 *	32		32	notice_digest (zeros when absent)
 *	64		32	evidence_digest (zeros when absent)
 *	96		n	purposes: a whole purpose_set varlena with a 4-byte header,
 *				8-byte aligned so that the purpose_set API reads it in place
 *	96+n	then four strings, each a uint32 length (native byte order,
 *				unaligned) followed by that many bytes without a terminator:
 *				subject, representative, identity, notice_lang (length 0
 *				when absent)
 *
 * A value read from disk is checked against all of the above before use;
 * a violation is reported as data corruption.
 *
 * Text form (see consent_parse.h for the grammar):
 *
 *	(id=0, subject="42", purposes="{marketing}", form="checkbox",
 *	 given_at="2026-11-22 10:00:00+00", valid_until=NULL,
 *	 indicated_by="subject", representative=NULL, notice_digest="ab...",
 *	 evidence_digest=NULL, identity=NULL, notice_lang="ru")
 *
 * Output has every key in this order, id as a bare number, every other
 * value quoted or NULL, timestamps in ISO 8601 in UTC whatever DateStyle
 * and TimeZone say, digests as 64 lowercase hex digits: the text form of a
 * value is stable and reads back to an equal value.  Input accepts the keys
 * in any order; subject, purposes, form and given_at are required, id
 * defaults to 0 and indicated_by to 'subject', the rest to absent (NULL).
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
 *
 * jsonb form: an object with the same keys; purposes as an array of codes,
 * timestamps as ISO 8601 strings in UTC, digests as hex strings, absent
 * fields as null (and may be left out on input).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
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
#include "utils/timestamp.h"

#include "compliance.h"
#include "consent_parse.h"

/* purpose_set.c: the input function parses purpose sets for us */
extern PGDLLEXPORT Datum purpose_set_in(PG_FUNCTION_ARGS);

PG_FUNCTION_INFO_V1(consent_in);
PG_FUNCTION_INFO_V1(consent_out);
PG_FUNCTION_INFO_V1(consent_recv);
PG_FUNCTION_INFO_V1(consent_send);
PG_FUNCTION_INFO_V1(consent_to_jsonb);
PG_FUNCTION_INFO_V1(consent_from_jsonb);
PG_FUNCTION_INFO_V1(consent_make);
PG_FUNCTION_INFO_V1(consent_subject);
PG_FUNCTION_INFO_V1(consent_purposes);
PG_FUNCTION_INFO_V1(consent_covers);
PG_FUNCTION_INFO_V1(consent_id);
PG_FUNCTION_INFO_V1(consent_given_at);
PG_FUNCTION_INFO_V1(consent_valid_until);
PG_FUNCTION_INFO_V1(consent_form);
PG_FUNCTION_INFO_V1(consent_indicated_by);
PG_FUNCTION_INFO_V1(consent_representative);
PG_FUNCTION_INFO_V1(consent_notice_digest);
PG_FUNCTION_INFO_V1(consent_evidence_digest);
PG_FUNCTION_INFO_V1(consent_identity);
PG_FUNCTION_INFO_V1(consent_notice_lang);
PG_FUNCTION_INFO_V1(consent_eq);
PG_FUNCTION_INFO_V1(consent_ne);
PG_FUNCTION_INFO_V1(consent_hash);
PG_FUNCTION_INFO_V1(consent_hash_extended);

/* ----------------------------------------------------------------
 * Storage format
 * ----------------------------------------------------------------
 */

#define CONSENT_VERSION				1

#define CONSENT_HAS_VALID_UNTIL		0x01
#define CONSENT_HAS_REPRESENTATIVE	0x02
#define CONSENT_HAS_NOTICE_DIGEST	0x04
#define CONSENT_HAS_EVIDENCE_DIGEST	0x08
#define CONSENT_HAS_IDENTITY		0x10
#define CONSENT_HAS_NOTICE_LANG		0x20
#define CONSENT_KNOWN_FLAGS			0x3f

#define CONSENT_LANG_MAXLEN			35	/* BCP 47 tags need no more */

struct Consent
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		version;		/* CONSENT_VERSION */
	uint8		flags;			/* CONSENT_HAS_* */
	uint8		form;			/* index into consent_forms[] */
	uint8		indicated_by;	/* index into consent_indicators[] */
	int64		id;
	TimestampTz given_at;
	TimestampTz valid_until;
	uint8		notice_digest[CONSENT_DIGEST_LEN];
	uint8		evidence_digest[CONSENT_DIGEST_LEN];
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* purposes, then strings */
};

#define CONSENT_HDRSZ				offsetof(struct Consent, data)

StaticAssertDecl(offsetof(struct Consent, id) == 8,
				 "consent header must not have padding");
StaticAssertDecl(offsetof(struct Consent, data) == 96,
				 "consent layout differs from the one documented");

/* Labels of compliance.consent_form, in the enum's (contract) order. */
static const char *const consent_forms[] = {
	"written",
	"electronic_document",
	"sms_code",
	"email_code",
	"checkbox",
	"other_electronic"
};

#define CONSENT_NFORMS		lengthof(consent_forms)

/* Who expressed the consent (Art. 5.9); index 0 is the default. */
static const char *const consent_indicators[] = {
	"subject",
	"legal_representative",
	"successor",
	"close_relative",
	"spouse",
	"adoptive_parent",
	"adoptive_child"
};

#define CONSENT_NINDICATORS	lengthof(consent_indicators)

/* Keys of the text and jsonb forms, in output order. */
typedef enum ConsentKey
{
	CK_ID,
	CK_SUBJECT,
	CK_PURPOSES,
	CK_FORM,
	CK_GIVEN_AT,
	CK_VALID_UNTIL,
	CK_INDICATED_BY,
	CK_REPRESENTATIVE,
	CK_NOTICE_DIGEST,
	CK_EVIDENCE_DIGEST,
	CK_IDENTITY,
	CK_NOTICE_LANG,
	CK_NKEYS
} ConsentKey;

static const char *const consent_keys[CK_NKEYS] = {
	"id",
	"subject",
	"purposes",
	"form",
	"given_at",
	"valid_until",
	"indicated_by",
	"representative",
	"notice_digest",
	"evidence_digest",
	"identity",
	"notice_lang"
};

#define CK_BIT(k)			(1U << (k))
#define CK_REQUIRED			(CK_BIT(CK_SUBJECT) | CK_BIT(CK_PURPOSES) | \
							 CK_BIT(CK_FORM) | CK_BIT(CK_GIVEN_AT))

/* What to do about a bad value of each key. */
static const char *const consent_key_hints[CK_NKEYS] = {
	"Use the ledger id of the event that recorded the consent, a non-negative integer, or 0 before it is recorded.",
	"Use the text form of the data subject's key, between 1 and 1024 bytes.",
	"Use a non-empty purpose set such as \"{marketing}\"; registered purposes are listed in compliance.purposes.",
	"Use one of written, electronic_document, sms_code, email_code, checkbox, other_electronic (Art. 5.2-5.3 of Law 99-Z).",
	"Write a finite timestamp with a time zone, such as \"2026-11-22 10:00:00+00\".",
	"Write a finite timestamp with a time zone after given_at, such as \"2027-11-22 00:00:00+00\", or NULL for consent valid until withdrawn.",
	"Use one of subject, legal_representative, successor, close_relative, spouse, adoptive_parent, adoptive_child (Art. 5.9 of Law 99-Z).",
	"Describe whoever indicated consent on the subject's behalf as a JSON object, such as {\"name\": \"...\", \"document\": \"...\"}, or use NULL.",
	"Write the SHA-256 digest of the notice shown to the subject as 64 hexadecimal digits, or NULL.",
	"Write the SHA-256 digest of the evidence of consent as 64 hexadecimal digits, or NULL.",
	"Write a JSON object with the keys of Art. 5.6 (surname, first_name, patronymic, birth_date, id_number, document_number, married, legally_incapable, deceased_on), dates as YYYY-MM-DD, or use NULL.",
	"Write a language tag such as \"ru\", \"be\" or \"en\", or NULL."
};

/* Members of the identity object (Art. 5.6) and their JSON types. */
typedef enum IdentityKind
{
	ID_TEXT,					/* string */
	ID_DATE,					/* string YYYY-MM-DD */
	ID_BOOL						/* boolean */
} IdentityKind;

static const struct
{
	const char *name;
	IdentityKind kind;
}			identity_members[] = {
	{"surname", ID_TEXT},
	{"first_name", ID_TEXT},
	{"patronymic", ID_TEXT},
	{"birth_date", ID_DATE},
	{"id_number", ID_TEXT},
	{"document_number", ID_TEXT},	/* when there is no id number (5.6) */
	{"married", ID_BOOL},
	{"legally_incapable", ID_BOOL},
	{"deceased_on", ID_DATE}
};

/*
 * A consent taken apart.  Strings are not NUL-terminated; when the values
 * come from consent_deform they point into the consent value.
 */
typedef struct ConsentValues
{
	uint32		present;		/* CK_BIT of every field with a value */
	int64		id;
	const char *subject;
	int			subject_len;
	const PurposeSet *purposes;
	int			form;
	TimestampTz given_at;
	TimestampTz valid_until;	/* if present */
	int			indicated_by;
	const char *representative; /* canonical JSON text, if present */
	int			representative_len;
	uint8		notice_digest[CONSENT_DIGEST_LEN];
	uint8		evidence_digest[CONSENT_DIGEST_LEN];
	const char *identity;		/* canonical JSON text, if present */
	int			identity_len;
	const char *notice_lang;
	int			notice_lang_len;
} ConsentValues;

#define HAS(v, k)			(((v)->present & CK_BIT(k)) != 0)

static char *timestamp_utc_text(TimestampTz ts, int style);

/* ----------------------------------------------------------------
 * Error reporting: one wording per source of values
 * ----------------------------------------------------------------
 */

typedef enum ConsentSourceKind
{
	SRC_LITERAL,				/* consent_in */
	SRC_JSONB,					/* consent_from_jsonb */
	SRC_ARGUMENTS,				/* make_consent */
	SRC_BINARY					/* consent_recv */
} ConsentSourceKind;

#define NO_POSITION			((size_t) -1)

typedef struct ConsentSource
{
	ConsentSourceKind kind;
	const char *literal;		/* SRC_LITERAL: the whole input */
	size_t		literal_len;
	size_t		positions[CK_NKEYS];	/* SRC_LITERAL: byte offset of each
										 * key's value, or NO_POSITION */
} ConsentSource;

/* longest part of a bad literal quoted in an error message, in bytes */
#define CONSENT_ERROR_LITERAL_MAX	200

static void
source_init(ConsentSource *src, ConsentSourceKind kind,
			const char *literal, size_t len)
{
	int			k;

	src->kind = kind;
	src->literal = literal;
	src->literal_len = len;
	for (k = 0; k < CK_NKEYS; k++)
		src->positions[k] = NO_POSITION;
}

/* a byte length as an int for the multibyte functions */
static inline int
int_len(size_t len)
{
	return (int) Min(len, (size_t) PG_INT32_MAX);
}

/* the literal for an error message, clipped at a character boundary */
static char *
shown_literal(const char *str, size_t len)
{
	if (len > CONSENT_ERROR_LITERAL_MAX)
	{
		int			clip = pg_mbcliplen(str, int_len(len),
										CONSENT_ERROR_LITERAL_MAX);

		return psprintf("%.*s...", clip, str);
	}
	return pnstrdup(str, len);
}

/* 1-based character number of byte offset pos in the literal */
static int
character_number(const char *str, size_t len, size_t pos)
{
	if (pos > len)
		pos = len;
	return pg_mbstrlen_with_len(str, int_len(pos)) + 1;
}

/* error reporters never return */
pg_noreturn static void consent_fail(const ConsentSource *src, int sqlstate,
									 ConsentKey key, const char *problem,
									 const char *hint);
pg_noreturn static void consent_corrupted(const char *what);

/*
 * Report a bad value of key.  problem is a lowercase sentence fragment
 * without final period; sqlstate 0 means the source's usual code.
 */
static void
consent_fail(const ConsentSource *src, int sqlstate, ConsentKey key,
			 const char *problem, const char *hint)
{
	const char *name = consent_keys[key];

	if (hint == NULL)
		hint = consent_key_hints[key];

	switch (src->kind)
	{
		case SRC_LITERAL:
			{
				char	   *shown;
				size_t		pos = src->positions[key];

				if (sqlstate == 0)
					sqlstate = ERRCODE_INVALID_TEXT_REPRESENTATION;
				shown = shown_literal(src->literal, src->literal_len);
				if (pos == NO_POSITION)
					ereport(ERROR,
							(errcode(sqlstate),
							 errmsg("invalid input syntax for type consent: \"%s\"",
									shown),
							 errdetail("Key \"%s\": %s.", name, problem),
							 errhint("%s", hint)));
				ereport(ERROR,
						(errcode(sqlstate),
						 errmsg("invalid input syntax for type consent: \"%s\"",
								shown),
						 errdetail("Key \"%s\" at character %d: %s.", name,
								   character_number(src->literal,
													src->literal_len, pos),
								   problem),
						 errhint("%s", hint)));
			}
			break;
		case SRC_JSONB:
			ereport(ERROR,
					(errcode(sqlstate ? sqlstate :
							 ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot convert jsonb to type consent"),
					 errdetail("Key \"%s\": %s.", name, problem),
					 errhint("%s", hint)));
			break;
		case SRC_ARGUMENTS:
			ereport(ERROR,
					(errcode(sqlstate ? sqlstate :
							 ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid consent field \"%s\"", name),
					 errdetail("Argument \"%s\": %s.", name, problem),
					 errhint("%s", hint)));
			break;
		case SRC_BINARY:
			ereport(ERROR,
					(errcode(sqlstate ? sqlstate :
							 ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid binary data for type consent"),
					 errdetail("Field \"%s\": %s.", name, problem),
					 errhint("Binary consent data must come from the send function of compliance.consent, for example from COPY ... (FORMAT binary).")));
			break;
	}
	pg_unreachable();
}

static void
consent_corrupted(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted consent value"),
			 errdetail("The stored value has %s.", what),
			 errhint("Restore the value from a backup, or rebuild it from the consent ledger.")));
}

/*
 * Call a server input function on a NUL-terminated string and turn a data
 * exception it raises (bad syntax, value out of range) into our own error
 * about key, keeping its message as the problem.  Other errors (out of
 * memory, an unregistered purpose) pass through unchanged.  The caught
 * error is always followed by another one, so the transaction is rolled
 * back as usual and no state of the failed call survives.
 */
static Datum
call_input_function(PGFunction fn, bool typed, const char *str,
					const ConsentSource *src, ConsentKey key)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	volatile Datum result = (Datum) 0;

	PG_TRY();
	{
		if (typed)
			result = DirectFunctionCall3(fn, CStringGetDatum(str),
										 ObjectIdGetDatum(InvalidOid),
										 Int32GetDatum(-1));
		else
			result = DirectFunctionCall1(fn, CStringGetDatum(str));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
		{
			FreeErrorData(edata);
			PG_RE_THROW();
		}
		FlushErrorState();
		if (edata->detail != NULL)
		{
			/* "message (detail)", without the detail's final period */
			int			dlen = (int) strlen(edata->detail);

			if (dlen > 0 && edata->detail[dlen - 1] == '.')
				dlen--;
			consent_fail(src, 0, key,
						 psprintf("%s (%.*s)", edata->message, dlen,
								  edata->detail),
						 NULL);
		}
		consent_fail(src, 0, key, edata->message, NULL);
	}
	PG_END_TRY();

	return result;
}

/* ----------------------------------------------------------------
 * Field validation, shared by every way of building a consent
 * ----------------------------------------------------------------
 */

static int
label_index(const char *const *labels, int nlabels, const char *s, size_t len)
{
	int			i;

	for (i = 0; i < nlabels; i++)
		if (strlen(labels[i]) == len && memcmp(labels[i], s, len) == 0)
			return i;
	return -1;
}

/* text for an error message: at most 100 bytes of s, cut at a character */
static char *
shown_value(const char *s, size_t len)
{
	if (len > 100)
		return psprintf("%.*s...", pg_mbcliplen(s, int_len(len), 100), s);
	return pnstrdup(s, len);
}

static void
set_id(ConsentValues *v, int64 id, const ConsentSource *src)
{
	if (id < 0)
		consent_fail(src, 0, CK_ID,
					 psprintf("ledger id " INT64_FORMAT " is negative", id),
					 NULL);
	v->id = id;
	v->present |= CK_BIT(CK_ID);
}

/* digits only, no sign, no overflow */
static void
set_id_text(ConsentValues *v, const char *s, size_t len,
			const ConsentSource *src)
{
	uint64		id = 0;
	size_t		i;

	if (len == 0)
		consent_fail(src, 0, CK_ID, "the ledger id is empty", NULL);
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			consent_fail(src, 0, CK_ID,
						 psprintf("\"%s\" is not a non-negative integer",
								  shown_value(s, len)),
						 NULL);
		id = id * 10 + (uint64) (s[i] - '0');
		if (id > (uint64) PG_INT64_MAX)
			consent_fail(src, 0, CK_ID,
						 psprintf("\"%s\" is out of range for a bigint",
								  shown_value(s, len)),
						 NULL);
	}
	set_id(v, (int64) id, src);
}

static void
set_subject(ConsentValues *v, const char *s, size_t len,
			const ConsentSource *src)
{
	if (len == 0)
		consent_fail(src, 0, CK_SUBJECT, "the subject key is empty", NULL);
	if (len > CONSENT_SUBJECT_MAXLEN)
		consent_fail(src, 0, CK_SUBJECT,
					 psprintf("the subject key has %zu bytes, more than %d",
							  len, CONSENT_SUBJECT_MAXLEN),
					 NULL);
	v->subject = s;
	v->subject_len = (int) len;
	v->present |= CK_BIT(CK_SUBJECT);
}

/* set must be a detoasted purpose_set with a 4-byte header */
static void
set_purposes(ConsentValues *v, const PurposeSet *set,
			 const ConsentSource *src)
{
	if (!VARATT_IS_4B_U(set))
		elog(ERROR, "consent needs an untoasted purpose_set");
	if (purpose_set_is_empty(set))
		consent_fail(src, 0, CK_PURPOSES,
					 "the purpose set is empty, but consent is given for specific purposes (Art. 4.4, 5.5)",
					 NULL);
	v->purposes = set;
	v->present |= CK_BIT(CK_PURPOSES);
}

static void
set_purposes_text(ConsentValues *v, const char *s, const ConsentSource *src)
{
	Datum		d = call_input_function(purpose_set_in, false, s, src,
										CK_PURPOSES);

	set_purposes(v, DatumGetPurposeSetP(d), src);
}

static void
set_form(ConsentValues *v, const char *s, size_t len,
		 const ConsentSource *src)
{
	int			i = label_index(consent_forms, CONSENT_NFORMS, s, len);

	if (i < 0)
		consent_fail(src, 0, CK_FORM,
					 psprintf("\"%s\" is not a form of consent",
							  shown_value(s, len)),
					 NULL);
	v->form = i;
	v->present |= CK_BIT(CK_FORM);
}

static void
set_indicated_by(ConsentValues *v, const char *s, size_t len,
				 const ConsentSource *src)
{
	int			i = label_index(consent_indicators, CONSENT_NINDICATORS,
									s, len);

	if (i < 0)
		consent_fail(src, 0, CK_INDICATED_BY,
					 psprintf("\"%s\" is not one who may indicate consent",
							  shown_value(s, len)),
					 NULL);
	v->indicated_by = i;
	v->present |= CK_BIT(CK_INDICATED_BY);
}

static void
set_timestamp(ConsentValues *v, ConsentKey key, TimestampTz ts,
			  const ConsentSource *src)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		consent_fail(src, 0, key,
					 key == CK_VALID_UNTIL ?
					 "an infinite timestamp is not a point in time; consent valid until withdrawn has valid_until NULL" :
					 "an infinite timestamp is not a point in time",
					 NULL);
	if (!IS_VALID_TIMESTAMP(ts))
		consent_fail(src, 0, key, "the timestamp is out of range", NULL);
	if (key == CK_GIVEN_AT)
		v->given_at = ts;
	else
		v->valid_until = ts;
	v->present |= CK_BIT(key);
}

static void
set_timestamp_text(ConsentValues *v, ConsentKey key, const char *s,
				   const ConsentSource *src)
{
	Datum		d = call_input_function(timestamptz_in, true, s, src, key);

	set_timestamp(v, key, DatumGetTimestampTz(d), src);
}

/* "a string", "an object", ... for error messages */
static const char *
json_kind(const JsonbValue *jv)
{
	switch (jv->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsArray(jv->val.binary.data) ?
				"an array" : "an object";
		default:
			return "a JSON value";
	}
}

static bool
iso_date_is_valid(const char *s, int len)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			year = 0;
	int			month;
	int			day;
	int			i;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	for (i = 0; i < 4; i++)
		year = year * 10 + (s[i] - '0');
	month = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	if (year < 1 || month < 1 || month > 12 ||
		day < 1 || day > mdays[month - 1])
		return false;
	if (month == 2 && day == 29 &&
		!((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return false;
	return true;
}

/* members of the identity object must be those of Art. 5.6, well typed */
static void
check_identity(Jsonb *jb, const ConsentSource *src)
{
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbIteratorToken tok;
	JsonbValue	jv;
	int			member = -1;
	char	   *name = NULL;

	while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			int			i;

			name = pnstrdup(jv.val.string.val, jv.val.string.len);
			member = -1;
			for (i = 0; i < (int) lengthof(identity_members); i++)
				if (strcmp(identity_members[i].name, name) == 0)
					member = i;
			if (member < 0)
				consent_fail(src, 0, CK_IDENTITY,
							 psprintf("member \"%s\" is not one of the identity data of Art. 5.6",
									  shown_value(name, strlen(name))),
							 NULL);
		}
		else if (tok == WJB_VALUE)
		{
			Assert(member >= 0);
			if (jv.type == jbvNull)
				continue;
			switch (identity_members[member].kind)
			{
				case ID_TEXT:
					if (jv.type != jbvString)
						consent_fail(src, 0, CK_IDENTITY,
									 psprintf("member \"%s\" must be a string, not %s",
											  name, json_kind(&jv)),
									 NULL);
					break;
				case ID_DATE:
					if (jv.type != jbvString ||
						!iso_date_is_valid(jv.val.string.val,
										   jv.val.string.len))
						consent_fail(src, 0, CK_IDENTITY,
									 psprintf("member \"%s\" must be a date written as YYYY-MM-DD",
											  name),
									 NULL);
					break;
				case ID_BOOL:
					if (jv.type != jbvBool)
						consent_fail(src, 0, CK_IDENTITY,
									 psprintf("member \"%s\" must be a boolean, not %s",
											  name, json_kind(&jv)),
									 NULL);
					break;
			}
		}
	}
}

/* representative or identity: a JSON object, stored as canonical text */
static void
set_json_object(ConsentValues *v, ConsentKey key, Jsonb *jb,
				const ConsentSource *src)
{
	char	   *text;

	if (!JB_ROOT_IS_OBJECT(jb))
		consent_fail(src, 0, key,
					 psprintf("the value must be a JSON object, not %s",
							  JB_ROOT_IS_SCALAR(jb) ? "a scalar" : "an array"),
					 NULL);
	if (key == CK_IDENTITY)
		check_identity(jb, src);

	text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	if (key == CK_IDENTITY)
	{
		v->identity = text;
		v->identity_len = (int) strlen(text);
	}
	else
	{
		v->representative = text;
		v->representative_len = (int) strlen(text);
	}
	v->present |= CK_BIT(key);
}

static void
set_json_object_text(ConsentValues *v, ConsentKey key, const char *s,
					 const ConsentSource *src)
{
	Datum		d = call_input_function(jsonb_in, false, s, src, key);

	set_json_object(v, key, DatumGetJsonbP(d), src);
}

static void
set_digest(ConsentValues *v, ConsentKey key, const uint8 *bytes, size_t len,
		   const ConsentSource *src)
{
	if (len != CONSENT_DIGEST_LEN)
		consent_fail(src, 0, key,
					 psprintf("a SHA-256 digest has %d bytes, not %zu",
							  CONSENT_DIGEST_LEN, len),
					 src->kind == SRC_ARGUMENTS ?
					 "Pass the 32 bytes of a SHA-256 digest, such as sha256(convert_to(notice, 'UTF8')), or NULL." :
					 NULL);
	memcpy(key == CK_NOTICE_DIGEST ? v->notice_digest : v->evidence_digest,
		   bytes, CONSENT_DIGEST_LEN);
	v->present |= CK_BIT(key);
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
set_digest_hex(ConsentValues *v, ConsentKey key, const char *s, size_t len,
			   const ConsentSource *src)
{
	uint8		bytes[CONSENT_DIGEST_LEN];
	size_t		i;

	if (len != 2 * CONSENT_DIGEST_LEN)
		consent_fail(src, 0, key,
					 psprintf("a SHA-256 digest is written as %d hexadecimal digits, not %d characters",
							  2 * CONSENT_DIGEST_LEN,
							  pg_mbstrlen_with_len(s, int_len(len))),
					 NULL);
	for (i = 0; i < CONSENT_DIGEST_LEN; i++)
	{
		int			hi = hex_value(s[2 * i]);
		int			lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			consent_fail(src, 0, key,
						 psprintf("\"%s\" is not a hexadecimal digest",
								  shown_value(s, len)),
						 NULL);
		bytes[i] = (uint8) (hi << 4 | lo);
	}
	set_digest(v, key, bytes, CONSENT_DIGEST_LEN, src);
}

/* a BCP 47-like tag: 2-8 letters, then "-" and 1-8 letters or digits */
static inline bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
language_tag_is_valid(const char *s, size_t len)
{
	size_t		i = 0;
	size_t		run = 0;

	if (len < 2 || len > CONSENT_LANG_MAXLEN)
		return false;
	while (i < len && is_alpha(s[i]))
		i++;
	if (i < 2 || i > 8)
		return false;
	while (i < len)
	{
		if (s[i] != '-')
			return false;
		i++;
		run = 0;
		while (i < len && (is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9')))
		{
			i++;
			run++;
		}
		if (run < 1 || run > 8)
			return false;
	}
	return true;
}

static void
set_notice_lang(ConsentValues *v, const char *s, size_t len,
				const ConsentSource *src)
{
	if (!language_tag_is_valid(s, len))
		consent_fail(src, 0, CK_NOTICE_LANG,
					 psprintf("\"%s\" is not a language tag", shown_value(s, len)),
					 NULL);
	v->notice_lang = s;
	v->notice_lang_len = (int) len;
	v->present |= CK_BIT(CK_NOTICE_LANG);
}

/* a missing required field: 22004 for function arguments, else as usual */
static int
null_sqlstate(const ConsentSource *src)
{
	return src->kind == SRC_ARGUMENTS ? ERRCODE_NULL_VALUE_NOT_ALLOWED : 0;
}

/* a key given as NULL: absent, or its default; required keys refuse it */
static void
set_null(ConsentValues *v, ConsentKey key, const ConsentSource *src)
{
	if (CK_BIT(key) & CK_REQUIRED)
		consent_fail(src, null_sqlstate(src), key,
					 "the value is NULL, but a consent must have one", NULL);
	if (key == CK_ID)
		set_id(v, 0, src);
	else if (key == CK_INDICATED_BY)
	{
		v->indicated_by = 0;
		v->present |= CK_BIT(key);
	}
	else
		v->present &= ~CK_BIT(key);
}

/*
 * Set a field from its text form (a literal's value, or a JSON string).
 * s is NUL-terminated and len is strlen(s).
 */
static void
set_from_text(ConsentValues *v, ConsentKey key, const char *s, size_t len,
			  const ConsentSource *src)
{
	switch (key)
	{
		case CK_ID:
			set_id_text(v, s, len, src);
			break;
		case CK_SUBJECT:
			set_subject(v, s, len, src);
			break;
		case CK_PURPOSES:
			set_purposes_text(v, s, src);
			break;
		case CK_FORM:
			set_form(v, s, len, src);
			break;
		case CK_GIVEN_AT:
		case CK_VALID_UNTIL:
			set_timestamp_text(v, key, s, src);
			break;
		case CK_INDICATED_BY:
			set_indicated_by(v, s, len, src);
			break;
		case CK_REPRESENTATIVE:
		case CK_IDENTITY:
			set_json_object_text(v, key, s, src);
			break;
		case CK_NOTICE_DIGEST:
		case CK_EVIDENCE_DIGEST:
			set_digest_hex(v, key, s, len, src);
			break;
		case CK_NOTICE_LANG:
			set_notice_lang(v, s, len, src);
			break;
		case CK_NKEYS:
			elog(ERROR, "unexpected consent key");
	}
}

static void
values_init(ConsentValues *v)
{
	memset(v, 0, sizeof(*v));
	v->present = CK_BIT(CK_ID) | CK_BIT(CK_INDICATED_BY);	/* 0, subject */
}

/* ----------------------------------------------------------------
 * Building and taking apart the varlena
 * ----------------------------------------------------------------
 */

static char *
put_string(char *p, const char *s, int len)
{
	uint32		n = (uint32) len;

	memcpy(p, &n, sizeof(n));
	p += sizeof(n);
	if (len > 0)
		memcpy(p, s, len);
	return p + len;
}

/*
 * Check what no single field can: required fields, and valid_until after
 * given_at; then build the canonical value.
 */
static Consent *
consent_build(const ConsentValues *v, const ConsentSource *src)
{
	Consent    *c;
	Size		size;
	Size		ps_size;
	char	   *p;
	int			k;

	for (k = 0; k < CK_NKEYS; k++)
		if ((CK_BIT(k) & CK_REQUIRED) && !HAS(v, k))
			consent_fail(src, null_sqlstate(src), k,
						 "the key is missing, but a consent needs subject, purposes, form and given_at",
						 NULL);

	if (HAS(v, CK_VALID_UNTIL) && v->valid_until <= v->given_at)
		consent_fail(src, 0, CK_VALID_UNTIL,
					 psprintf("valid_until %s is not after given_at %s",
							  timestamp_utc_text(v->valid_until, USE_ISO_DATES),
							  timestamp_utc_text(v->given_at, USE_ISO_DATES)),
					 NULL);

	ps_size = VARSIZE(v->purposes);
	size = CONSENT_HDRSZ + ps_size + 4 * sizeof(uint32) + v->subject_len;
	if (HAS(v, CK_REPRESENTATIVE))
		size += v->representative_len;
	if (HAS(v, CK_IDENTITY))
		size += v->identity_len;
	if (HAS(v, CK_NOTICE_LANG))
		size += v->notice_lang_len;
	if (!AllocSizeIsValid(size))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("consent value would be too large"),
				 errdetail("It would take %zu bytes.", size),
				 errhint("Keep the representative and identity objects short.")));

	c = (Consent *) palloc0(size);
	SET_VARSIZE(c, size);
	c->version = CONSENT_VERSION;
	c->form = (uint8) v->form;
	c->indicated_by = (uint8) v->indicated_by;
	c->id = v->id;
	c->given_at = v->given_at;
	if (HAS(v, CK_VALID_UNTIL))
	{
		c->flags |= CONSENT_HAS_VALID_UNTIL;
		c->valid_until = v->valid_until;
	}
	if (HAS(v, CK_NOTICE_DIGEST))
	{
		c->flags |= CONSENT_HAS_NOTICE_DIGEST;
		memcpy(c->notice_digest, v->notice_digest, CONSENT_DIGEST_LEN);
	}
	if (HAS(v, CK_EVIDENCE_DIGEST))
	{
		c->flags |= CONSENT_HAS_EVIDENCE_DIGEST;
		memcpy(c->evidence_digest, v->evidence_digest, CONSENT_DIGEST_LEN);
	}

	p = c->data;
	memcpy(p, v->purposes, ps_size);
	p += ps_size;
	p = put_string(p, v->subject, v->subject_len);
	if (HAS(v, CK_REPRESENTATIVE))
	{
		c->flags |= CONSENT_HAS_REPRESENTATIVE;
		p = put_string(p, v->representative, v->representative_len);
	}
	else
		p = put_string(p, NULL, 0);
	if (HAS(v, CK_IDENTITY))
	{
		c->flags |= CONSENT_HAS_IDENTITY;
		p = put_string(p, v->identity, v->identity_len);
	}
	else
		p = put_string(p, NULL, 0);
	if (HAS(v, CK_NOTICE_LANG))
	{
		c->flags |= CONSENT_HAS_NOTICE_LANG;
		p = put_string(p, v->notice_lang, v->notice_lang_len);
	}
	else
		p = put_string(p, NULL, 0);
	Assert(p == (char *) c + size);

	return c;
}

static const char *
get_string(const char **pp, const char *end, int *len, const char *what)
{
	const char *p = *pp;
	uint32		n;

	if (end - p < (ptrdiff_t) sizeof(n))
		consent_corrupted(what);
	memcpy(&n, p, sizeof(n));
	p += sizeof(n);
	if (n > (uint32) (end - p))
		consent_corrupted(what);
	*pp = p + n;
	*len = (int) n;
	return p;
}

/*
 * Take a consent apart, checking the layout.  c must be detoasted (4-byte
 * header, aligned); v's pointers point into c.
 */
static void
consent_deform(const Consent *c, ConsentValues *v)
{
	Size		size = VARSIZE(c);
	const char *p;
	const char *end = (const char *) c + size;
	Size		ps_size;

	memset(v, 0, sizeof(*v));
	if (size < CONSENT_HDRSZ + VARHDRSZ + 1 + 4 * sizeof(uint32))
		consent_corrupted("a length shorter than its fixed part");
	if (c->version != CONSENT_VERSION)
		consent_corrupted("an unknown layout version");
	if ((c->flags & ~CONSENT_KNOWN_FLAGS) != 0)
		consent_corrupted("unknown flags");
	if (c->form >= CONSENT_NFORMS)
		consent_corrupted("an unknown form of consent");
	if (c->indicated_by >= CONSENT_NINDICATORS)
		consent_corrupted("an unknown indicated_by");
	if (c->id < 0)
		consent_corrupted("a negative ledger id");
	if (TIMESTAMP_NOT_FINITE(c->given_at) || !IS_VALID_TIMESTAMP(c->given_at))
		consent_corrupted("an invalid given_at");

	v->present = CK_BIT(CK_ID) | CK_BIT(CK_SUBJECT) | CK_BIT(CK_PURPOSES) |
		CK_BIT(CK_FORM) | CK_BIT(CK_GIVEN_AT) | CK_BIT(CK_INDICATED_BY);
	v->id = c->id;
	v->form = c->form;
	v->indicated_by = c->indicated_by;
	v->given_at = c->given_at;
	if (c->flags & CONSENT_HAS_VALID_UNTIL)
	{
		if (c->valid_until <= c->given_at ||
			TIMESTAMP_NOT_FINITE(c->valid_until))
			consent_corrupted("a valid_until not after given_at");
		v->valid_until = c->valid_until;
		v->present |= CK_BIT(CK_VALID_UNTIL);
	}
	if (c->flags & CONSENT_HAS_NOTICE_DIGEST)
	{
		memcpy(v->notice_digest, c->notice_digest, CONSENT_DIGEST_LEN);
		v->present |= CK_BIT(CK_NOTICE_DIGEST);
	}
	if (c->flags & CONSENT_HAS_EVIDENCE_DIGEST)
	{
		memcpy(v->evidence_digest, c->evidence_digest, CONSENT_DIGEST_LEN);
		v->present |= CK_BIT(CK_EVIDENCE_DIGEST);
	}

	p = c->data;
	if (!VARATT_IS_4B_U(p))
		consent_corrupted("a purpose set without a plain 4-byte header");
	ps_size = VARSIZE(p);
	if (ps_size < VARHDRSZ + 1 || ps_size > (Size) (end - p))
		consent_corrupted("a purpose set of impossible length");
	v->purposes = (const PurposeSet *) p;
	p += ps_size;

	v->subject = get_string(&p, end, &v->subject_len, "a truncated subject");
	if (v->subject_len < 1 || v->subject_len > CONSENT_SUBJECT_MAXLEN)
		consent_corrupted("a subject key of impossible length");
	v->representative = get_string(&p, end, &v->representative_len,
								   "a truncated representative");
	v->identity = get_string(&p, end, &v->identity_len,
							 "a truncated identity");
	v->notice_lang = get_string(&p, end, &v->notice_lang_len,
								"a truncated notice_lang");
	if (p != end)
		consent_corrupted("bytes after its last field");

	if ((c->flags & CONSENT_HAS_REPRESENTATIVE) != 0)
		v->present |= CK_BIT(CK_REPRESENTATIVE);
	if ((c->flags & CONSENT_HAS_IDENTITY) != 0)
		v->present |= CK_BIT(CK_IDENTITY);
	if ((c->flags & CONSENT_HAS_NOTICE_LANG) != 0)
		v->present |= CK_BIT(CK_NOTICE_LANG);
	if (HAS(v, CK_REPRESENTATIVE) != (v->representative_len > 0) ||
		HAS(v, CK_IDENTITY) != (v->identity_len > 0) ||
		HAS(v, CK_NOTICE_LANG) != (v->notice_lang_len > 0))
		consent_corrupted("flags that disagree with its fields");
}

/* ----------------------------------------------------------------
 * Formatting helpers
 * ----------------------------------------------------------------
 */

/*
 * A timestamp in UTC, independent of DateStyle and TimeZone:
 * USE_ISO_DATES gives "2026-11-22 10:00:00+00", USE_XSD_DATES
 * "2026-11-22T10:00:00+00:00" (what to_jsonb prints in UTC).
 */
static char *
timestamp_utc_text(TimestampTz ts, int style)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char		buf[MAXDATELEN + 1];

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	tm.tm_isdst = 0;			/* UTC is a valid zone: print its offset */
	EncodeDateTime(&tm, fsec, true, 0, NULL, style, buf);
	return pstrdup(buf);
}

static char *
digest_hex(const uint8 *digest)
{
	static const char hexdigits[] = "0123456789abcdef";
	char	   *out = palloc(2 * CONSENT_DIGEST_LEN + 1);
	int			i;

	for (i = 0; i < CONSENT_DIGEST_LEN; i++)
	{
		out[2 * i] = hexdigits[digest[i] >> 4];
		out[2 * i + 1] = hexdigits[digest[i] & 0x0f];
	}
	out[2 * CONSENT_DIGEST_LEN] = '\0';
	return out;
}

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
					shown_literal(str, len)),
			 errdetail("Expected %s at character %d, but found %s.",
					   err->expected,
					   character_number(str, len, err->position),
					   err->found),
			 errhint("Write a consent as (key=value, ...) with the keys subject, purposes, form and given_at, "
					 "and optionally id, valid_until, indicated_by, representative, notice_digest, evidence_digest, identity, notice_lang; "
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
						shown_literal(st->src.literal, st->src.literal_len)),
				 errdetail("Key \"%.*s\" at character %d is not a field of consent.",
						   (int) pair->key_len, pair->key,
						   character_number(st->src.literal,
											st->src.literal_len,
											pair->key_position)),
				 errhint("The keys are id, subject, purposes, form, given_at, valid_until, indicated_by, representative, notice_digest, evidence_digest, identity and notice_lang.")));
	if (st->seen & CK_BIT(key))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type consent: \"%s\"",
						shown_literal(st->src.literal, st->src.literal_len)),
				 errdetail("Key \"%s\" at character %d appears a second time.",
						   consent_keys[key],
						   character_number(st->src.literal,
											st->src.literal_len,
											pair->key_position)),
				 errhint("Give each key at most once.")));
	st->seen |= CK_BIT(key);
	st->src.positions[key] = pair->value_position;

	if (pair->is_null)
	{
		set_null(&st->values, key, &st->src);
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
	set_from_text(&st->values, key, value, len, &st->src);
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

	values_init(&st.values);
	source_init(&st.src, SRC_LITERAL, str, len);
	st.seen = 0;
	if (consent_parse(str, len, literal_pair, &st, &err) < 0)
		literal_syntax_error(str, len, &err);	/* can't happen */

	PG_RETURN_CONSENT(consent_build(&st.values, &st.src));
}

Datum
consent_out(PG_FUNCTION_ARGS)
{
	Consent    *c = PG_GETARG_CONSENT(0);
	ConsentValues v;
	StringInfoData buf;

	consent_deform(c, &v);
	initStringInfo(&buf);

	append_key(&buf, CK_ID);
	appendStringInfo(&buf, INT64_FORMAT, v.id);
	append_key(&buf, CK_SUBJECT);
	append_quoted(&buf, v.subject, v.subject_len);
	append_key(&buf, CK_PURPOSES);
	append_quoted_cstring(&buf, purpose_set_to_cstring(v.purposes));
	append_key(&buf, CK_FORM);
	append_quoted_cstring(&buf, consent_forms[v.form]);
	append_key(&buf, CK_GIVEN_AT);
	append_quoted_cstring(&buf, timestamp_utc_text(v.given_at, USE_ISO_DATES));
	append_key(&buf, CK_VALID_UNTIL);
	if (HAS(&v, CK_VALID_UNTIL))
		append_quoted_cstring(&buf, timestamp_utc_text(v.valid_until,
													   USE_ISO_DATES));
	else
		appendStringInfoString(&buf, "NULL");
	append_key(&buf, CK_INDICATED_BY);
	append_quoted_cstring(&buf, consent_indicators[v.indicated_by]);
	append_key(&buf, CK_REPRESENTATIVE);
	if (HAS(&v, CK_REPRESENTATIVE))
		append_quoted(&buf, v.representative, v.representative_len);
	else
		appendStringInfoString(&buf, "NULL");
	append_key(&buf, CK_NOTICE_DIGEST);
	if (HAS(&v, CK_NOTICE_DIGEST))
		append_quoted_cstring(&buf, digest_hex(v.notice_digest));
	else
		appendStringInfoString(&buf, "NULL");
	append_key(&buf, CK_EVIDENCE_DIGEST);
	if (HAS(&v, CK_EVIDENCE_DIGEST))
		append_quoted_cstring(&buf, digest_hex(v.evidence_digest));
	else
		appendStringInfoString(&buf, "NULL");
	append_key(&buf, CK_IDENTITY);
	if (HAS(&v, CK_IDENTITY))
		append_quoted(&buf, v.identity, v.identity_len);
	else
		appendStringInfoString(&buf, "NULL");
	append_key(&buf, CK_NOTICE_LANG);
	if (HAS(&v, CK_NOTICE_LANG))
		append_quoted(&buf, v.notice_lang, v.notice_lang_len);
	else
		appendStringInfoString(&buf, "NULL");
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

static void
send_nullable_text(StringInfo buf, bool present, const char *s, int len)
{
	if (present)
		send_text(buf, s, len);
	else
		pq_sendint32(buf, (uint32) -1);
}

static void
send_nullable_digest(StringInfo buf, bool present, const uint8 *digest)
{
	if (present)
	{
		pq_sendint32(buf, CONSENT_DIGEST_LEN);
		pq_sendbytes(buf, (const char *) digest, CONSENT_DIGEST_LEN);
	}
	else
		pq_sendint32(buf, (uint32) -1);
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

Datum
consent_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	ConsentSource src;
	ConsentValues v;
	int			version;
	char	   *s;
	int			len;
	int32		count;
	PurposeId  *ids;
	int			i;
	int			n;

	source_init(&src, SRC_BINARY, NULL, 0);
	values_init(&v);

	version = pq_getmsgbyte(buf);
	if (version != CONSENT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type consent"),
				 errdetail("Version %d is not supported; this library reads version %d.",
						   version, CONSENT_VERSION),
				 errhint("Binary consent data must come from the send function of compliance.consent, for example from COPY ... (FORMAT binary).")));

	set_id(&v, (int64) pq_getmsgint64(buf), &src);

	s = recv_text(buf, &src, CK_SUBJECT, false, &len);
	set_subject(&v, s, len, &src);

	/* purposes: count, then codes; each code takes at least 5 bytes */
	count = (int32) pq_getmsgint(buf, 4);
	if (count < 0 || count > (buf->len - buf->cursor) / 5)
		consent_fail(&src, 0, CK_PURPOSES,
					 psprintf("member count %d does not fit the %d bytes left",
							  count, buf->len - buf->cursor),
					 NULL);
	ids = (PurposeId *) palloc(sizeof(PurposeId) * Max(count, 1));
	for (i = 0; i < count; i++)
	{
		n = recv_count(buf, &src, CK_PURPOSES, false);
		if (n < 1 || n > PURPOSE_CODE_MAXLEN)
			consent_fail(&src, 0, CK_PURPOSES,
						 psprintf("member %d has a code of %d bytes", i + 1, n),
						 NULL);
		s = pq_getmsgtext(buf, n, &len);
		if (!purpose_code_is_valid(s, len))
			consent_fail(&src, 0, CK_PURPOSES,
						 psprintf("member %d, \"%s\", is not a purpose code",
								  i + 1, s),
						 NULL);
		ids[i] = purpose_id_from_code(s, false);
	}
	set_purposes(&v, purpose_set_from_ids(ids, count), &src);

	s = recv_text(buf, &src, CK_FORM, false, &len);
	set_form(&v, s, len, &src);

	set_timestamp(&v, CK_GIVEN_AT, (TimestampTz) pq_getmsgint64(buf), &src);

	n = recv_count(buf, &src, CK_VALID_UNTIL, true);
	if (n >= 0)
	{
		if (n != sizeof(int64))
			consent_fail(&src, 0, CK_VALID_UNTIL,
						 psprintf("a timestamp has 8 bytes, not %d", n), NULL);
		set_timestamp(&v, CK_VALID_UNTIL, (TimestampTz) pq_getmsgint64(buf),
					  &src);
	}

	s = recv_text(buf, &src, CK_INDICATED_BY, false, &len);
	set_indicated_by(&v, s, len, &src);

	s = recv_text(buf, &src, CK_REPRESENTATIVE, true, &len);
	if (s != NULL)
		set_json_object_text(&v, CK_REPRESENTATIVE, s, &src);

	for (i = 0; i < 2; i++)
	{
		ConsentKey	key = (i == 0) ? CK_NOTICE_DIGEST : CK_EVIDENCE_DIGEST;

		n = recv_count(buf, &src, key, true);
		if (n >= 0)
			set_digest(&v, key, (const uint8 *) pq_getmsgbytes(buf, n), n,
					   &src);
	}

	s = recv_text(buf, &src, CK_IDENTITY, true, &len);
	if (s != NULL)
		set_json_object_text(&v, CK_IDENTITY, s, &src);

	s = recv_text(buf, &src, CK_NOTICE_LANG, true, &len);
	if (s != NULL)
		set_notice_lang(&v, s, len, &src);

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

Datum
consent_send(PG_FUNCTION_ARGS)
{
	Consent    *c = PG_GETARG_CONSENT(0);
	ConsentValues v;
	StringInfoData buf;
	PurposeId  *ids;
	int			n;
	int			i;
	const char *label;

	consent_deform(c, &v);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CONSENT_VERSION);
	pq_sendint64(&buf, (uint64) v.id);
	send_text(&buf, v.subject, v.subject_len);

	n = purpose_set_ids(v.purposes, &ids);
	pq_sendint32(&buf, (uint32) n);
	for (i = 0; i < n; i++)
	{
		const char *code = purpose_code_from_id(ids[i]);

		/* codes are plain ASCII: the same bytes in every encoding */
		pq_sendint32(&buf, (uint32) strlen(code));
		pq_sendbytes(&buf, code, (int) strlen(code));
	}
	pfree(ids);

	label = consent_forms[v.form];
	pq_sendint32(&buf, (uint32) strlen(label));
	pq_sendbytes(&buf, label, (int) strlen(label));
	pq_sendint64(&buf, (uint64) v.given_at);
	if (HAS(&v, CK_VALID_UNTIL))
	{
		pq_sendint32(&buf, sizeof(int64));
		pq_sendint64(&buf, (uint64) v.valid_until);
	}
	else
		pq_sendint32(&buf, (uint32) -1);
	label = consent_indicators[v.indicated_by];
	pq_sendint32(&buf, (uint32) strlen(label));
	pq_sendbytes(&buf, label, (int) strlen(label));
	send_nullable_text(&buf, HAS(&v, CK_REPRESENTATIVE),
					   v.representative, v.representative_len);
	send_nullable_digest(&buf, HAS(&v, CK_NOTICE_DIGEST), v.notice_digest);
	send_nullable_digest(&buf, HAS(&v, CK_EVIDENCE_DIGEST), v.evidence_digest);
	send_nullable_text(&buf, HAS(&v, CK_IDENTITY),
					   v.identity, v.identity_len);
	send_nullable_text(&buf, HAS(&v, CK_NOTICE_LANG),
					   v.notice_lang, v.notice_lang_len);

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 * Casts to and from jsonb
 * ----------------------------------------------------------------
 */

static void
append_json_key(StringInfo buf, ConsentKey key)
{
	appendStringInfoString(buf, key == CK_ID ? "{" : ", ");
	escape_json(buf, consent_keys[key]);
	appendStringInfoString(buf, ": ");
}

static void
append_json_string(StringInfo buf, const char *s, int len)
{
	char	   *copy = pnstrdup(s, len);

	escape_json(buf, copy);
	pfree(copy);
}

Datum
consent_to_jsonb(PG_FUNCTION_ARGS)
{
	Consent    *c = PG_GETARG_CONSENT(0);
	ConsentValues v;
	StringInfoData buf;
	PurposeId  *ids;
	int			n;
	int			i;

	consent_deform(c, &v);
	initStringInfo(&buf);

	append_json_key(&buf, CK_ID);
	appendStringInfo(&buf, INT64_FORMAT, v.id);
	append_json_key(&buf, CK_SUBJECT);
	append_json_string(&buf, v.subject, v.subject_len);
	append_json_key(&buf, CK_PURPOSES);
	appendStringInfoChar(&buf, '[');
	n = purpose_set_ids(v.purposes, &ids);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, purpose_code_from_id(ids[i]));
	}
	appendStringInfoChar(&buf, ']');
	append_json_key(&buf, CK_FORM);
	escape_json(&buf, consent_forms[v.form]);
	append_json_key(&buf, CK_GIVEN_AT);
	escape_json(&buf, timestamp_utc_text(v.given_at, USE_XSD_DATES));
	append_json_key(&buf, CK_VALID_UNTIL);
	if (HAS(&v, CK_VALID_UNTIL))
		escape_json(&buf, timestamp_utc_text(v.valid_until, USE_XSD_DATES));
	else
		appendStringInfoString(&buf, "null");
	append_json_key(&buf, CK_INDICATED_BY);
	escape_json(&buf, consent_indicators[v.indicated_by]);
	append_json_key(&buf, CK_REPRESENTATIVE);
	if (HAS(&v, CK_REPRESENTATIVE))
		appendBinaryStringInfo(&buf, v.representative, v.representative_len);
	else
		appendStringInfoString(&buf, "null");
	append_json_key(&buf, CK_NOTICE_DIGEST);
	if (HAS(&v, CK_NOTICE_DIGEST))
		escape_json(&buf, digest_hex(v.notice_digest));
	else
		appendStringInfoString(&buf, "null");
	append_json_key(&buf, CK_EVIDENCE_DIGEST);
	if (HAS(&v, CK_EVIDENCE_DIGEST))
		escape_json(&buf, digest_hex(v.evidence_digest));
	else
		appendStringInfoString(&buf, "null");
	append_json_key(&buf, CK_IDENTITY);
	if (HAS(&v, CK_IDENTITY))
		appendBinaryStringInfo(&buf, v.identity, v.identity_len);
	else
		appendStringInfoString(&buf, "null");
	append_json_key(&buf, CK_NOTICE_LANG);
	if (HAS(&v, CK_NOTICE_LANG))
		append_json_string(&buf, v.notice_lang, v.notice_lang_len);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoChar(&buf, '}');

	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

/* a JSON value of the wrong type for key */
static void
json_wrong_type(const ConsentSource *src, ConsentKey key, const char *wanted,
				const JsonbValue *jv)
{
	consent_fail(src, 0, key,
				 psprintf("the value must be %s, not %s", wanted, json_kind(jv)),
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
								  n + 1, json_kind(&elem)),
						 NULL);
		if (!purpose_code_is_valid(elem.val.string.val, elem.val.string.len))
			consent_fail(src, 0, CK_PURPOSES,
						 psprintf("element %d, \"%s\", is not a purpose code",
								  n + 1,
								  shown_value(elem.val.string.val,
											  elem.val.string.len)),
						 NULL);
		code = pnstrdup(elem.val.string.val, elem.val.string.len);
		Assert(n < nelems);
		ids[n++] = purpose_id_from_code(code, false);
		pfree(code);
	}
	set_purposes(v, purpose_set_from_ids(ids, n), src);
}

static void
set_from_json(ConsentValues *v, ConsentKey key, JsonbValue *jv,
			  const ConsentSource *src)
{
	char	   *s;
	Datum		num;

	if (jv->type == jbvNull)
	{
		set_null(v, key, src);
		return;
	}

	switch (key)
	{
		case CK_ID:
			if (jv->type != jbvNumeric)
				json_wrong_type(src, key, "a number", jv);
			num = NumericGetDatum(jv->val.numeric);
			s = DatumGetCString(DirectFunctionCall1(numeric_out, num));
			set_id_text(v, s, strlen(s), src);
			return;
		case CK_PURPOSES:
			set_purposes_json(v, jv, src);
			return;
		case CK_REPRESENTATIVE:
		case CK_IDENTITY:
			if (jv->type != jbvBinary ||
				JsonContainerIsArray(jv->val.binary.data))
				json_wrong_type(src, key, "an object", jv);
			set_json_object(v, key, JsonbValueToJsonb(jv), src);
			return;
		default:
			/* every other field is a JSON string holding its text form */
			if (jv->type != jbvString)
				json_wrong_type(src, key, "a string", jv);
			s = pnstrdup(jv->val.string.val, jv->val.string.len);
			set_from_text(v, key, s, strlen(s), src);
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
				 errhint("Convert an object with the keys subject, purposes, form, given_at and optionally id, valid_until, indicated_by, representative, notice_digest, evidence_digest, identity, notice_lang.")));

	source_init(&src, SRC_JSONB, NULL, 0);
	values_init(&v);

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
								   shown_value(jv.val.string.val,
											   jv.val.string.len)),
						 errhint("The keys are id, subject, purposes, form, given_at, valid_until, indicated_by, representative, notice_digest, evidence_digest, identity and notice_lang.")));
		}
		else if (tok == WJB_VALUE)
		{
			Assert(key >= 0 && key < CK_NKEYS);
			set_from_json(&v, (ConsentKey) key, &jv, &src);
		}
	}

	PG_RETURN_CONSENT(consent_build(&v, &src));
}

/* ----------------------------------------------------------------
 * make_consent: the constructor for SQL and the ledger code
 * ----------------------------------------------------------------
 */

Datum
consent_make(PG_FUNCTION_ARGS)
{
	ConsentSource src;
	ConsentValues v;

	source_init(&src, SRC_ARGUMENTS, NULL, 0);
	values_init(&v);

	if (!PG_ARGISNULL(0))
		set_id(&v, PG_GETARG_INT64(0), &src);
	if (PG_ARGISNULL(1))
		set_null(&v, CK_SUBJECT, &src);
	else
	{
		text	   *t = PG_GETARG_TEXT_PP(1);

		set_subject(&v, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &src);
	}
	if (PG_ARGISNULL(2))
		set_null(&v, CK_PURPOSES, &src);
	else
		set_purposes(&v, PG_GETARG_PURPOSE_SET(2), &src);
	if (PG_ARGISNULL(3))
		set_null(&v, CK_FORM, &src);
	else
	{
		Datum		label_datum = DirectFunctionCall1(enum_out,
													  PG_GETARG_DATUM(3));
		char	   *label = DatumGetCString(label_datum);

		set_form(&v, label, strlen(label), &src);
	}
	if (PG_ARGISNULL(4))
		set_null(&v, CK_GIVEN_AT, &src);
	else
		set_timestamp(&v, CK_GIVEN_AT, PG_GETARG_TIMESTAMPTZ(4), &src);
	if (!PG_ARGISNULL(5))
		set_timestamp(&v, CK_VALID_UNTIL, PG_GETARG_TIMESTAMPTZ(5), &src);
	if (!PG_ARGISNULL(6))
	{
		text	   *t = PG_GETARG_TEXT_PP(6);

		set_indicated_by(&v, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &src);
	}
	if (!PG_ARGISNULL(7))
		set_json_object(&v, CK_REPRESENTATIVE, PG_GETARG_JSONB_P(7), &src);
	if (!PG_ARGISNULL(8))
	{
		bytea	   *b = PG_GETARG_BYTEA_PP(8);

		set_digest(&v, CK_NOTICE_DIGEST, (const uint8 *) VARDATA_ANY(b),
				   VARSIZE_ANY_EXHDR(b), &src);
	}
	if (!PG_ARGISNULL(9))
	{
		bytea	   *b = PG_GETARG_BYTEA_PP(9);

		set_digest(&v, CK_EVIDENCE_DIGEST, (const uint8 *) VARDATA_ANY(b),
				   VARSIZE_ANY_EXHDR(b), &src);
	}
	if (!PG_ARGISNULL(10))
		set_json_object(&v, CK_IDENTITY, PG_GETARG_JSONB_P(10), &src);
	if (!PG_ARGISNULL(11))
	{
		text	   *t = PG_GETARG_TEXT_PP(11);

		set_notice_lang(&v, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &src);
	}

	PG_RETURN_CONSENT(consent_build(&v, &src));
}

/* ----------------------------------------------------------------
 * C API (compliance.h)
 * ----------------------------------------------------------------
 */

int64
consent_get_id(const Consent *consent)
{
	ConsentValues v;

	consent_deform(consent, &v);
	return v.id;
}

PurposeSet *
consent_get_purposes(const Consent *consent)
{
	ConsentValues v;
	PurposeSet *copy;

	consent_deform(consent, &v);
	copy = (PurposeSet *) palloc(VARSIZE(v.purposes));
	memcpy(copy, v.purposes, VARSIZE(v.purposes));
	return copy;
}

TimestampTz
consent_get_given_at(const Consent *consent)
{
	ConsentValues v;

	consent_deform(consent, &v);
	return v.given_at;
}

bool
consent_get_valid_until(const Consent *consent, TimestampTz *valid_until)
{
	ConsentValues v;

	consent_deform(consent, &v);
	if (!HAS(&v, CK_VALID_UNTIL))
		return false;
	*valid_until = v.valid_until;
	return true;
}

const char *
consent_get_form(const Consent *consent)
{
	ConsentValues v;

	consent_deform(consent, &v);
	return consent_forms[v.form];
}

const char *
consent_get_indicated_by(const Consent *consent)
{
	ConsentValues v;

	consent_deform(consent, &v);
	return consent_indicators[v.indicated_by];
}

/* purpose is in the set and given_at <= at < valid_until (if any) */
bool
consent_covers_at(const Consent *consent, PurposeId purpose, TimestampTz at)
{
	ConsentValues v;

	consent_deform(consent, &v);
	if (at < v.given_at)
		return false;
	if (HAS(&v, CK_VALID_UNTIL) && at >= v.valid_until)
		return false;
	return purpose_set_contains(v.purposes, purpose);
}

/* ----------------------------------------------------------------
 * SQL accessors
 * ----------------------------------------------------------------
 */

Datum
consent_subject(PG_FUNCTION_ARGS)
{
	ConsentValues v;

	consent_deform(PG_GETARG_CONSENT(0), &v);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(v.subject, v.subject_len));
}

Datum
consent_purposes(PG_FUNCTION_ARGS)
{
	PG_RETURN_PURPOSE_SET(consent_get_purposes(PG_GETARG_CONSENT(0)));
}

Datum
consent_covers(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(consent_covers_at(PG_GETARG_CONSENT(0),
									 PG_GETARG_PURPOSE(1),
									 PG_GETARG_TIMESTAMPTZ(2)));
}

Datum
consent_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(consent_get_id(PG_GETARG_CONSENT(0)));
}

Datum
consent_given_at(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(consent_get_given_at(PG_GETARG_CONSENT(0)));
}

Datum
consent_valid_until(PG_FUNCTION_ARGS)
{
	TimestampTz ts;

	if (!consent_get_valid_until(PG_GETARG_CONSENT(0), &ts))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(ts);
}

/*
 * The form as a compliance.consent_form value.  The enum's type is this
 * function's declared result type, so no name lookup (and no search_path)
 * is involved; it is cached for the life of the call site.
 */
Datum
consent_form(PG_FUNCTION_ARGS)
{
	const char *label = consent_get_form(PG_GETARG_CONSENT(0));
	Oid		   *typoid = (Oid *) fcinfo->flinfo->fn_extra;

	if (typoid == NULL)
	{
		typoid = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Oid));
		*typoid = get_func_rettype(fcinfo->flinfo->fn_oid);
		fcinfo->flinfo->fn_extra = typoid;
	}
	return DirectFunctionCall2(enum_in, CStringGetDatum(label),
							   ObjectIdGetDatum(*typoid));
}

Datum
consent_indicated_by(PG_FUNCTION_ARGS)
{
	const char *label = consent_get_indicated_by(PG_GETARG_CONSENT(0));

	PG_RETURN_TEXT_P(cstring_to_text(label));
}

/* representative or identity as jsonb, or NULL */
static Datum
json_field(FunctionCallInfo fcinfo, ConsentKey key)
{
	ConsentValues v;
	char	   *text;

	consent_deform(PG_GETARG_CONSENT(0), &v);
	if (!HAS(&v, key))
		PG_RETURN_NULL();
	if (key == CK_IDENTITY)
		text = pnstrdup(v.identity, v.identity_len);
	else
		text = pnstrdup(v.representative, v.representative_len);
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
}

Datum
consent_representative(PG_FUNCTION_ARGS)
{
	return json_field(fcinfo, CK_REPRESENTATIVE);
}

Datum
consent_identity(PG_FUNCTION_ARGS)
{
	return json_field(fcinfo, CK_IDENTITY);
}

static Datum
digest_field(FunctionCallInfo fcinfo, ConsentKey key)
{
	ConsentValues v;
	bytea	   *result;

	consent_deform(PG_GETARG_CONSENT(0), &v);
	if (!HAS(&v, key))
		PG_RETURN_NULL();
	result = (bytea *) palloc(VARHDRSZ + CONSENT_DIGEST_LEN);
	SET_VARSIZE(result, VARHDRSZ + CONSENT_DIGEST_LEN);
	memcpy(VARDATA(result),
		   key == CK_NOTICE_DIGEST ? v.notice_digest : v.evidence_digest,
		   CONSENT_DIGEST_LEN);
	PG_RETURN_BYTEA_P(result);
}

Datum
consent_notice_digest(PG_FUNCTION_ARGS)
{
	return digest_field(fcinfo, CK_NOTICE_DIGEST);
}

Datum
consent_evidence_digest(PG_FUNCTION_ARGS)
{
	return digest_field(fcinfo, CK_EVIDENCE_DIGEST);
}

Datum
consent_notice_lang(PG_FUNCTION_ARGS)
{
	ConsentValues v;

	consent_deform(PG_GETARG_CONSENT(0), &v);
	if (!HAS(&v, CK_NOTICE_LANG))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(v.notice_lang,
											  v.notice_lang_len));
}

/* ----------------------------------------------------------------
 * Equality and hashing: values are canonical, so bytes decide
 * ----------------------------------------------------------------
 */

static bool
consent_bytes_equal(FunctionCallInfo fcinfo)
{
	Consent    *a = PG_GETARG_CONSENT(0);
	Consent    *b = PG_GETARG_CONSENT(1);

	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

Datum
consent_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(consent_bytes_equal(fcinfo));
}

Datum
consent_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!consent_bytes_equal(fcinfo));
}

Datum
consent_hash(PG_FUNCTION_ARGS)
{
	Consent    *c = PG_GETARG_CONSENT(0);

	return hash_any((const unsigned char *) VARDATA(c),
					VARSIZE(c) - VARHDRSZ);
}

Datum
consent_hash_extended(PG_FUNCTION_ARGS)
{
	Consent    *c = PG_GETARG_CONSENT(0);

	return hash_any_extended((const unsigned char *) VARDATA(c),
							 VARSIZE(c) - VARHDRSZ, PG_GETARG_INT64(1));
}
