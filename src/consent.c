/*-------------------------------------------------------------------------
 *
 * consent.c
 *	  The compliance.consent type: one consent receipt, the record with
 *	  which the processor proves that a data subject consented (Art. 5.7 of
 *	  Law 99-Z).  Storage format, the tables that describe its fields,
 *	  validation, the SQL constructor, accessors, equality, and the C API
 *	  declared in compliance.h.  The text, binary and jsonb forms are in
 *	  consent_io.c, the literal parser in consent_parse.c; consent.h is what
 *	  the two share; doc/consent.md is the user guide.
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
 *					legally_incapable, deceased_on), or sealed: {"digest":
 *					64 hex digits} (the consent ledger keeps identity so,
 *					erasable; see consent_ledger_append), or absent
 *	notice_lang		language tag of the notice shown ('ru', 'be', 'en'), or
 *					absent [language]
 *	subject_kind	the kind of data subject ('patient', 'employee'): a
 *					subject is the pair (kind, key); 1..63 bytes of
 *					[a-z][a-z0-9_]*, or absent: not stated, read as 'person'
 *	transfer_countries	ISO 3166-1 alpha-2 codes of the countries without
 *					adequate protection the subject agreed to a transfer to
 *					(Art. 9.1), sorted and unique, or absent: none
 *
 * subject_kind and transfer_countries are elided when absent (consent.h):
 * a receipt without them is stored, written and hashed by the ledger as
 * before they existed.
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
 *	...		then, only when present (flags say), the same way:
 *				subject_kind, then transfer_countries (the codes
 *				concatenated, "CNUS")
 *
 * A value read from disk is checked against all of the above before use;
 * a violation is reported as data corruption.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "compliance.h"
#include "consent.h"

/* purpose_set.c: the input function parses purpose sets for us */
extern PGDLLEXPORT Datum purpose_set_in(PG_FUNCTION_ARGS);

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
PG_FUNCTION_INFO_V1(consent_subject_kind);
PG_FUNCTION_INFO_V1(consent_transfer_countries);
PG_FUNCTION_INFO_V1(consent_eq);
PG_FUNCTION_INFO_V1(consent_ne);
PG_FUNCTION_INFO_V1(consent_hash);
PG_FUNCTION_INFO_V1(consent_hash_extended);

/* ----------------------------------------------------------------
 * Storage format
 * ----------------------------------------------------------------
 */


#define CONSENT_HAS_VALID_UNTIL		0x01
#define CONSENT_HAS_REPRESENTATIVE	0x02
#define CONSENT_HAS_NOTICE_DIGEST	0x04
#define CONSENT_HAS_EVIDENCE_DIGEST	0x08
#define CONSENT_HAS_IDENTITY		0x10
#define CONSENT_HAS_NOTICE_LANG		0x20
#define CONSENT_HAS_SUBJECT_KIND	0x40
#define CONSENT_HAS_TRANSFER_COUNTRIES	0x80
#define CONSENT_KNOWN_FLAGS			0xff

#define CONSENT_LANG_MAXLEN			35	/* BCP 47 tags need no more */
#define CONSENT_KIND_MAXLEN			PURPOSE_CODE_MAXLEN	/* a kind is spelt like a purpose code */
#define CONSENT_DEFAULT_SUBJECT_KIND	"person"	/* when not stated */

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
const char *const consent_forms[] = {
	"written",
	"electronic_document",
	"sms_code",
	"email_code",
	"checkbox",
	"other_electronic"
};

#define CONSENT_NFORMS		lengthof(consent_forms)

/* Who expressed the consent (Art. 5.9); index 0 is the default. */
const char *const consent_indicators[] = {
	"subject",
	"legal_representative",
	"successor",
	"close_relative",
	"spouse",
	"adoptive_parent",
	"adoptive_child"
};

#define CONSENT_NINDICATORS	lengthof(consent_indicators)

const char *const consent_keys[CK_NKEYS] = {
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
	"notice_lang",
	"subject_kind",
	"transfer_countries"
};

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
	"Write a language tag such as \"ru\", \"be\" or \"en\", or NULL.",
	"Write the kind of data subject in lower case, such as \"patient\" or \"employee\": a letter, then letters, digits or underscores, at most 63 bytes; or NULL, which reads as \"person\".",
	"List ISO 3166-1 alpha-2 codes in upper case, such as \"{CN,US}\" (Art. 9.1 of Law 99-Z), or use NULL when the subject agreed to no transfer."
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

#define CV(member)			offsetof(ConsentValues, member)

const ConsentField consent_fields[CK_NKEYS] = {
	[CK_ID] = {FK_ID, false, false, CV(id), 0, NULL},
	[CK_SUBJECT] = {FK_STRING, false, false, CV(subject), CV(subject_len), NULL},
	[CK_PURPOSES] = {FK_PURPOSES, false, false, CV(purposes), 0, NULL},
	[CK_FORM] = {FK_LABEL, false, false, CV(form), 0, consent_forms},
	[CK_GIVEN_AT] = {FK_TIMESTAMP, false, false, CV(given_at), 0, NULL},
	[CK_VALID_UNTIL] = {FK_TIMESTAMP, true, false, CV(valid_until), 0, NULL},
	[CK_INDICATED_BY] = {FK_LABEL, false, false, CV(indicated_by), 0, consent_indicators},
	[CK_REPRESENTATIVE] = {FK_JSON, true, false, CV(representative), CV(representative_len), NULL},
	[CK_NOTICE_DIGEST] = {FK_DIGEST, true, false, CV(notice_digest), 0, NULL},
	[CK_EVIDENCE_DIGEST] = {FK_DIGEST, true, false, CV(evidence_digest), 0, NULL},
	[CK_IDENTITY] = {FK_JSON, true, false, CV(identity), CV(identity_len), NULL},
	[CK_NOTICE_LANG] = {FK_STRING, true, false, CV(notice_lang), CV(notice_lang_len), NULL},
	[CK_SUBJECT_KIND] = {FK_STRING, true, true, CV(subject_kind), CV(subject_kind_len), NULL},
	[CK_TRANSFER_COUNTRIES] = {FK_COUNTRIES, true, true, CV(transfer_countries), CV(transfer_countries_len), NULL}
};


/* ----------------------------------------------------------------
 * Error reporting: one wording per source of values
 * ----------------------------------------------------------------
 */

/* longest part of a bad literal quoted in an error message, in bytes */
#define CONSENT_ERROR_LITERAL_MAX	200

void
consent_source_init(ConsentSource *src, ConsentSourceKind kind,
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
char *
consent_shown_literal(const char *str, size_t len)
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
int
consent_character_number(const char *str, size_t len, size_t pos)
{
	if (pos > len)
		pos = len;
	return pg_mbstrlen_with_len(str, int_len(pos)) + 1;
}

/* error reporters never return (consent_fail: consent.h) */
pg_noreturn static void consent_corrupted(const char *what);

/*
 * Report a bad value of key.  problem is a lowercase sentence fragment
 * without final period; sqlstate 0 means the source's usual code.
 */
void
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
				shown = consent_shown_literal(src->literal, src->literal_len);
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
								   consent_character_number(src->literal,
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
char *
consent_shown_value(const char *s, size_t len)
{
	if (len > 100)
		return psprintf("%.*s...", pg_mbcliplen(s, int_len(len), 100), s);
	return pnstrdup(s, len);
}

void
consent_set_id(ConsentValues *v, int64 id, const ConsentSource *src)
{
	if (id < 0)
		consent_fail(src, 0, CK_ID,
					 psprintf("ledger id " INT64_FORMAT " is negative", id),
					 NULL);
	v->id = id;
	v->present |= CK_BIT(CK_ID);
}

/* digits only, no sign, no overflow */
void
consent_set_id_text(ConsentValues *v, const char *s, size_t len,
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
								  consent_shown_value(s, len)),
						 NULL);
		id = id * 10 + (uint64) (s[i] - '0');
		if (id > (uint64) PG_INT64_MAX)
			consent_fail(src, 0, CK_ID,
						 psprintf("\"%s\" is out of range for a bigint",
								  consent_shown_value(s, len)),
						 NULL);
	}
	consent_set_id(v, (int64) id, src);
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
void
consent_set_purposes(ConsentValues *v, const PurposeSet *set,
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

	consent_set_purposes(v, DatumGetPurposeSetP(d), src);
}

static void
set_form(ConsentValues *v, const char *s, size_t len,
		 const ConsentSource *src)
{
	int			i = label_index(consent_forms, CONSENT_NFORMS, s, len);

	if (i < 0)
		consent_fail(src, 0, CK_FORM,
					 psprintf("\"%s\" is not a form of consent",
							  consent_shown_value(s, len)),
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
							  consent_shown_value(s, len)),
					 NULL);
	v->indicated_by = i;
	v->present |= CK_BIT(CK_INDICATED_BY);
}

void
consent_set_timestamp(ConsentValues *v, ConsentKey key, TimestampTz ts,
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

	consent_set_timestamp(v, key, DatumGetTimestampTz(d), src);
}

/* "a string", "an object", ... for error messages */
const char *
consent_json_kind(const JsonbValue *jv)
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

/*
 * Sealed: only the keyed, salted digest of an identity or representative,
 * whose plaintext lived outside the ledger and may have been erased (Art.
 * 13).  An object with a "digest" member is exactly {"digest": 64
 * lowercase hex digits}, so that nothing readable rides along with it.
 */
static bool
check_sealed(Jsonb *jb, ConsentKey key, const ConsentSource *src)
{
	JsonbValue	name;
	JsonbValue *digest;
	bool		hex;

	name.type = jbvString;
	name.val.string.val = "digest";
	name.val.string.len = 6;
	digest = findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &name);
	if (digest == NULL)
		return false;
	hex = digest->type == jbvString && digest->val.string.len == 2 * CONSENT_DIGEST_LEN;
	for (int i = 0; hex && i < digest->val.string.len; i++)
		hex = isdigit((unsigned char) digest->val.string.val[i]) ||
			(digest->val.string.val[i] >= 'a' && digest->val.string.val[i] <= 'f');
	if (!hex || JsonContainerSize(&jb->root) != 1)
		consent_fail(src, 0, key,
					 "a sealed value is exactly {\"digest\": 64 lowercase hexadecimal digits}",
					 NULL);
	return true;
}

/* members of the identity object must be those of Art. 5.6, well typed */
static void
check_identity(Jsonb *jb, const ConsentSource *src)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	jv;
	int			member = -1;
	char	   *name = NULL;

	if (check_sealed(jb, CK_IDENTITY, src))
		return;

	it = JsonbIteratorInit(&jb->root);

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
									  consent_shown_value(name, strlen(name))),
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
											  name, consent_json_kind(&jv)),
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
											  name, consent_json_kind(&jv)),
									 NULL);
					break;
			}
		}
	}
}

/* representative or identity: a JSON object, stored as canonical text */
void
consent_set_json_object(ConsentValues *v, ConsentKey key, Jsonb *jb,
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
	else
		(void) check_sealed(jb, key, src);

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

	consent_set_json_object(v, key, DatumGetJsonbP(d), src);
}

void
consent_set_digest(ConsentValues *v, ConsentKey key, const uint8 *bytes, size_t len,
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
								  consent_shown_value(s, len)),
						 NULL);
		bytes[i] = (uint8) (hi << 4 | lo);
	}
	consent_set_digest(v, key, bytes, CONSENT_DIGEST_LEN, src);
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
					 psprintf("\"%s\" is not a language tag", consent_shown_value(s, len)),
					 NULL);
	v->notice_lang = s;
	v->notice_lang_len = (int) len;
	v->present |= CK_BIT(CK_NOTICE_LANG);
}

/* a subject kind: the syntax of purpose codes, 1..63 bytes of [a-z][a-z0-9_]* */
static void
set_subject_kind(ConsentValues *v, const char *s, size_t len,
				 const ConsentSource *src)
{
	if (len == 0)
		consent_fail(src, 0, CK_SUBJECT_KIND, "the subject kind is empty", NULL);
	if (len > CONSENT_KIND_MAXLEN)
		consent_fail(src, 0, CK_SUBJECT_KIND,
					 psprintf("the subject kind has %zu bytes, more than %d",
							  len, CONSENT_KIND_MAXLEN),
					 NULL);
	if (!purpose_code_is_valid(s, (int) len))
		consent_fail(src, 0, CK_SUBJECT_KIND,
					 psprintf("\"%s\" is not a subject kind",
							  consent_shown_value(s, len)),
					 NULL);
	v->subject_kind = s;
	v->subject_kind_len = (int) len;
	v->present |= CK_BIT(CK_SUBJECT_KIND);
}

void
consent_countries_init(ConsentCountries *set)
{
	memset(set, 0, sizeof(*set));
}

/* one code of transfer_countries: two uppercase letters */
void
consent_countries_add(ConsentCountries *set, const char *s, size_t len,
					  int element, const ConsentSource *src)
{
	int			code;

	if (len != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
		consent_fail(src, 0, CK_TRANSFER_COUNTRIES,
					 psprintf("element %d, \"%s\", is not an ISO 3166-1 alpha-2 code in upper case",
							  element, consent_shown_value(s, len)),
					 NULL);
	code = (s[0] - 'A') * 26 + (s[1] - 'A');
	if ((set->member[code / 8] & (1 << (code % 8))) == 0)
	{
		set->member[code / 8] |= (uint8) (1 << (code % 8));
		set->count++;
	}
}

/* the codes in order, concatenated; no code at all: absent (none) */
void
consent_set_countries(ConsentValues *v, const ConsentCountries *set,
					  const ConsentSource *src)
{
	char	   *codes;
	int			n = 0;

	if (set->count == 0)
	{
		consent_set_null(v, CK_TRANSFER_COUNTRIES, src);
		return;
	}
	codes = palloc(2 * set->count);
	for (int code = 0; code < CONSENT_COUNTRY_CODES; code++)
		if (set->member[code / 8] & (1 << (code % 8)))
		{
			codes[n++] = (char) ('A' + code / 26);
			codes[n++] = (char) ('A' + code % 26);
		}
	Assert(n == 2 * set->count);
	v->transfer_countries = codes;
	v->transfer_countries_len = n;
	v->present |= CK_BIT(CK_TRANSFER_COUNTRIES);
}

static inline bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* "{CN,US}": braces, codes separated by commas, blanks around them */
static void
set_countries_text(ConsentValues *v, const char *s, size_t len,
				   const ConsentSource *src)
{
	ConsentCountries set;
	size_t		start = 0;
	size_t		end = len;
	int			element = 0;

	while (start < end && is_blank(s[start]))
		start++;
	while (end > start && is_blank(s[end - 1]))
		end--;
	if (end - start < 2 || s[start] != '{' || s[end - 1] != '}')
		consent_fail(src, 0, CK_TRANSFER_COUNTRIES,
					 psprintf("\"%s\" is not a list of country codes in braces",
							  consent_shown_value(s, len)),
					 NULL);
	start++;
	end--;

	consent_countries_init(&set);
	while (start < end && is_blank(s[start]))
		start++;
	if (start < end)
	{
		for (;;)
		{
			size_t		a = start;
			size_t		b;

			while (start < end && s[start] != ',')
				start++;
			b = start;
			while (a < b && is_blank(s[a]))
				a++;
			while (b > a && is_blank(s[b - 1]))
				b--;
			consent_countries_add(&set, s + a, b - a, ++element, src);
			if (start == end)
				break;
			start++;			/* the comma */
		}
	}
	consent_set_countries(v, &set, src);
}

/* a missing required field: 22004 for function arguments, else as usual */
static int
null_sqlstate(const ConsentSource *src)
{
	return src->kind == SRC_ARGUMENTS ? ERRCODE_NULL_VALUE_NOT_ALLOWED : 0;
}

/* a key given as NULL: absent, or its default; required keys refuse it */
void
consent_set_null(ConsentValues *v, ConsentKey key, const ConsentSource *src)
{
	if (CK_BIT(key) & CK_REQUIRED)
		consent_fail(src, null_sqlstate(src), key,
					 "the value is NULL, but a consent must have one", NULL);
	if (key == CK_ID)
		consent_set_id(v, 0, src);
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
void
consent_set_from_text(ConsentValues *v, ConsentKey key, const char *s, size_t len,
			  const ConsentSource *src)
{
	switch (key)
	{
		case CK_ID:
			consent_set_id_text(v, s, len, src);
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
		case CK_SUBJECT_KIND:
			set_subject_kind(v, s, len, src);
			break;
		case CK_TRANSFER_COUNTRIES:
			set_countries_text(v, s, len, src);
			break;
		case CK_NKEYS:
			elog(ERROR, "unexpected consent key");
	}
}

void
consent_values_init(ConsentValues *v)
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
Consent *
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
							  consent_timestamp_text(v->valid_until, USE_ISO_DATES),
							  consent_timestamp_text(v->given_at, USE_ISO_DATES)),
					 NULL);

	ps_size = VARSIZE(v->purposes);
	size = CONSENT_HDRSZ + ps_size + 4 * sizeof(uint32) + v->subject_len;
	if (HAS(v, CK_REPRESENTATIVE))
		size += v->representative_len;
	if (HAS(v, CK_IDENTITY))
		size += v->identity_len;
	if (HAS(v, CK_NOTICE_LANG))
		size += v->notice_lang_len;
	if (HAS(v, CK_SUBJECT_KIND))
		size += sizeof(uint32) + v->subject_kind_len;
	if (HAS(v, CK_TRANSFER_COUNTRIES))
		size += sizeof(uint32) + v->transfer_countries_len;
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
	/* elided fields: nothing at all when absent */
	if (HAS(v, CK_SUBJECT_KIND))
	{
		c->flags |= CONSENT_HAS_SUBJECT_KIND;
		p = put_string(p, v->subject_kind, v->subject_kind_len);
	}
	if (HAS(v, CK_TRANSFER_COUNTRIES))
	{
		c->flags |= CONSENT_HAS_TRANSFER_COUNTRIES;
		p = put_string(p, v->transfer_countries, v->transfer_countries_len);
	}
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
void
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
	if (c->flags & CONSENT_HAS_SUBJECT_KIND)
	{
		v->subject_kind = get_string(&p, end, &v->subject_kind_len,
									 "a truncated subject_kind");
		if (v->subject_kind_len < 1 ||
			v->subject_kind_len > CONSENT_KIND_MAXLEN)
			consent_corrupted("a subject_kind of impossible length");
		v->present |= CK_BIT(CK_SUBJECT_KIND);
	}
	if (c->flags & CONSENT_HAS_TRANSFER_COUNTRIES)
	{
		v->transfer_countries = get_string(&p, end,
										   &v->transfer_countries_len,
										   "truncated transfer_countries");
		if (v->transfer_countries_len < 2 ||
			v->transfer_countries_len % 2 != 0 ||
			v->transfer_countries_len > 2 * CONSENT_COUNTRY_CODES)
			consent_corrupted("transfer_countries of impossible length");
		v->present |= CK_BIT(CK_TRANSFER_COUNTRIES);
	}
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
char *
consent_timestamp_text(TimestampTz ts, int style)
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

char *
consent_digest_hex(const uint8 *digest)
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

/* ----------------------------------------------------------------
 * make_consent: the constructor for SQL and the ledger code
 * ----------------------------------------------------------------
 */

/* transfer_countries from a text[] of any shape; empty: none */
static void
set_countries_array(ConsentValues *v, ArrayType *array,
					const ConsentSource *src)
{
	ConsentCountries set;
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	consent_countries_init(&set);
	for (int i = 0; i < n; i++)
	{
		text	   *t;

		if (nulls[i])
			consent_fail(src, 0, CK_TRANSFER_COUNTRIES,
						 psprintf("element %d is NULL", i + 1), NULL);
		t = DatumGetTextPP(elems[i]);
		consent_countries_add(&set, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
							  i + 1, src);
	}
	consent_set_countries(v, &set, src);
}

Datum
consent_make(PG_FUNCTION_ARGS)
{
	ConsentSource src;
	ConsentValues v;

	consent_source_init(&src, SRC_ARGUMENTS, NULL, 0);
	consent_values_init(&v);

	if (!PG_ARGISNULL(0))
		consent_set_id(&v, PG_GETARG_INT64(0), &src);
	if (PG_ARGISNULL(1))
		consent_set_null(&v, CK_SUBJECT, &src);
	else
	{
		text	   *t = PG_GETARG_TEXT_PP(1);

		set_subject(&v, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &src);
	}
	if (PG_ARGISNULL(2))
		consent_set_null(&v, CK_PURPOSES, &src);
	else
		consent_set_purposes(&v, PG_GETARG_PURPOSE_SET(2), &src);
	if (PG_ARGISNULL(3))
		consent_set_null(&v, CK_FORM, &src);
	else
	{
		Datum		label_datum = DirectFunctionCall1(enum_out,
													  PG_GETARG_DATUM(3));
		char	   *label = DatumGetCString(label_datum);

		set_form(&v, label, strlen(label), &src);
	}
	if (PG_ARGISNULL(4))
		consent_set_null(&v, CK_GIVEN_AT, &src);
	else
		consent_set_timestamp(&v, CK_GIVEN_AT, PG_GETARG_TIMESTAMPTZ(4), &src);
	if (!PG_ARGISNULL(5))
		consent_set_timestamp(&v, CK_VALID_UNTIL, PG_GETARG_TIMESTAMPTZ(5), &src);
	if (!PG_ARGISNULL(6))
	{
		text	   *t = PG_GETARG_TEXT_PP(6);

		set_indicated_by(&v, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &src);
	}
	if (!PG_ARGISNULL(7))
		consent_set_json_object(&v, CK_REPRESENTATIVE, PG_GETARG_JSONB_P(7), &src);
	if (!PG_ARGISNULL(8))
	{
		bytea	   *b = PG_GETARG_BYTEA_PP(8);

		consent_set_digest(&v, CK_NOTICE_DIGEST, (const uint8 *) VARDATA_ANY(b),
				   VARSIZE_ANY_EXHDR(b), &src);
	}
	if (!PG_ARGISNULL(9))
	{
		bytea	   *b = PG_GETARG_BYTEA_PP(9);

		consent_set_digest(&v, CK_EVIDENCE_DIGEST, (const uint8 *) VARDATA_ANY(b),
				   VARSIZE_ANY_EXHDR(b), &src);
	}
	if (!PG_ARGISNULL(10))
		consent_set_json_object(&v, CK_IDENTITY, PG_GETARG_JSONB_P(10), &src);
	if (!PG_ARGISNULL(11))
	{
		text	   *t = PG_GETARG_TEXT_PP(11);

		set_notice_lang(&v, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &src);
	}
	if (!PG_ARGISNULL(12))
	{
		text	   *t = PG_GETARG_TEXT_PP(12);

		set_subject_kind(&v, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &src);
	}
	if (!PG_ARGISNULL(13))
		set_countries_array(&v, PG_GETARG_ARRAYTYPE_P(13), &src);

	PG_RETURN_CONSENT(consent_build(&v, &src));
}

/* ----------------------------------------------------------------
 * C API (compliance.h)
 * ----------------------------------------------------------------
 */

static int64
consent_get_id(const Consent *consent)
{
	ConsentValues v;

	consent_deform(consent, &v);
	return v.id;
}

static PurposeSet *
consent_get_purposes(const Consent *consent)
{
	ConsentValues v;
	PurposeSet *copy;

	consent_deform(consent, &v);
	copy = (PurposeSet *) palloc(VARSIZE(v.purposes));
	memcpy(copy, v.purposes, VARSIZE(v.purposes));
	return copy;
}

static TimestampTz
consent_get_given_at(const Consent *consent)
{
	ConsentValues v;

	consent_deform(consent, &v);
	return v.given_at;
}

static bool
consent_get_valid_until(const Consent *consent, TimestampTz *valid_until)
{
	ConsentValues v;

	consent_deform(consent, &v);
	if (!HAS(&v, CK_VALID_UNTIL))
		return false;
	*valid_until = v.valid_until;
	return true;
}

static const char *
consent_get_form(const Consent *consent)
{
	ConsentValues v;

	consent_deform(consent, &v);
	return consent_forms[v.form];
}

static const char *
consent_get_indicated_by(const Consent *consent)
{
	ConsentValues v;

	consent_deform(consent, &v);
	return consent_indicators[v.indicated_by];
}

/* purpose is in the set and given_at <= at < valid_until (if any) */
static bool
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

/* absent: not stated, which reads as 'person' */
Datum
consent_subject_kind(PG_FUNCTION_ARGS)
{
	ConsentValues v;

	consent_deform(PG_GETARG_CONSENT(0), &v);
	if (!HAS(&v, CK_SUBJECT_KIND))
		PG_RETURN_TEXT_P(cstring_to_text(CONSENT_DEFAULT_SUBJECT_KIND));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(v.subject_kind,
											  v.subject_kind_len));
}

/* sorted codes; absent (none): NULL, as in the consent ledger */
Datum
consent_transfer_countries(PG_FUNCTION_ARGS)
{
	ConsentValues v;
	Datum	   *elems;
	int			n;

	consent_deform(PG_GETARG_CONSENT(0), &v);
	if (!HAS(&v, CK_TRANSFER_COUNTRIES))
		PG_RETURN_NULL();
	n = v.transfer_countries_len / 2;
	elems = (Datum *) palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		elems[i] = PointerGetDatum(cstring_to_text_with_len(v.transfer_countries + 2 * i,
															2));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false,
										  TYPALIGN_INT));
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
