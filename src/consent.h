/*-------------------------------------------------------------------------
 *
 * consent.h
 *	  What consent.c (storage, validation, accessors) and consent_io.c (the
 *	  text, binary and jsonb forms) share: the fields taken apart, the table
 *	  that describes them, and the validating setters every form builds
 *	  through.  Private to those two files.
 *
 *-------------------------------------------------------------------------
 */
#ifndef COMPLIANCE_CONSENT_H
#define COMPLIANCE_CONSENT_H

#include "utils/jsonb.h"

#include "compliance.h"

#define CONSENT_VERSION				1

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
	CK_SUBJECT_KIND,
	CK_TRANSFER_COUNTRIES,
	CK_NKEYS
} ConsentKey;

#define CK_BIT(k)			(1U << (k))

/* Names of the keys, labels of form and indicated_by (consent.c). */
extern const char *const consent_keys[CK_NKEYS];
extern const char *const consent_forms[];
extern const char *const consent_indicators[];

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
	const char *subject_kind;	/* if present; absent reads as "person" */
	int			subject_kind_len;
	const char *transfer_countries; /* codes, 2 bytes each, if present */
	int			transfer_countries_len;
} ConsentValues;

#define HAS(v, k)			(((v)->present & CK_BIT(k)) != 0)

/*
 * How each field is written and read: one descriptor per key, in output
 * order, which the text writer (consent_out), the jsonb writer
 * (consent_to_jsonb) and the binary pair (consent_send, consent_recv)
 * walk.  An optional field may be absent: NULL in text, null in jsonb, a
 * byte count of -1 in binary.  The fields marked elided came after the
 * others: when absent they are left out of every form (and of the stored
 * value), so that a receipt without them has the text, jsonb and binary
 * forms it had before they existed; the consent ledger's hash covers the
 * text form.  Elided fields come last in the key order.
 */
typedef enum FieldKind
{
	FK_ID,						/* int64; a bare number in text */
	FK_STRING,					/* text */
	FK_PURPOSES,				/* a purpose set: codes */
	FK_LABEL,					/* an index into labels[] */
	FK_TIMESTAMP,				/* timestamptz, written in UTC */
	FK_JSON,					/* a JSON object, as canonical jsonb text */
	FK_DIGEST,					/* SHA-256; hex in text and jsonb */
	FK_COUNTRIES				/* ISO 3166-1 alpha-2 codes, sorted and
								 * unique, stored as their concatenation;
								 * "{CN,US}" in text, an array in jsonb */
} FieldKind;

typedef struct ConsentField
{
	FieldKind	kind;
	bool		optional;
	bool		elided;			/* absent: left out (implies optional) */
	size_t		value;			/* offset of the value in ConsentValues */
	size_t		len;			/* FK_STRING, FK_JSON: offset of its length */
	const char *const *labels;	/* FK_LABEL */
} ConsentField;

extern const ConsentField consent_fields[CK_NKEYS];

/* A field's value in v, read through its descriptor. */
#define FIELD(v, f, type)	(*(const type *) ((const char *) (v) + (f)->value))
#define FIELD_BYTES(v, f)	((const uint8 *) ((const char *) (v) + (f)->value))
#define FIELD_LEN(v, f)		(*(const int *) ((const char *) (v) + (f)->len))
#define FIELD_PRESENT(v, k)	(!consent_fields[k].optional || HAS(v, k))
/* Is the key written at all (elided fields only when present)? */
#define FIELD_WRITTEN(v, k)	(!consent_fields[k].elided || HAS(v, k))

/* Where the values being set come from, for the wording of errors. */
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

extern void consent_source_init(ConsentSource *src, ConsentSourceKind kind,
								const char *literal, size_t len);
extern char *consent_shown_literal(const char *str, size_t len);
extern int	consent_character_number(const char *str, size_t len, size_t pos);
extern char *consent_shown_value(const char *s, size_t len);
extern const char *consent_json_kind(const JsonbValue *jv);
pg_noreturn extern void consent_fail(const ConsentSource *src, int sqlstate,
									 ConsentKey key, const char *problem,
									 const char *hint);

/* Validating setters: each checks its field and reports through src. */
extern void consent_values_init(ConsentValues *v);
extern void consent_set_id(ConsentValues *v, int64 id, const ConsentSource *src);
extern void consent_set_id_text(ConsentValues *v, const char *s, size_t len,
								const ConsentSource *src);
extern void consent_set_purposes(ConsentValues *v, const PurposeSet *set,
								 const ConsentSource *src);
extern void consent_set_timestamp(ConsentValues *v, ConsentKey key, TimestampTz ts,
								  const ConsentSource *src);
extern void consent_set_json_object(ConsentValues *v, ConsentKey key, Jsonb *jb,
									const ConsentSource *src);
extern void consent_set_digest(ConsentValues *v, ConsentKey key, const uint8 *bytes,
							   size_t len, const ConsentSource *src);
extern void consent_set_null(ConsentValues *v, ConsentKey key, const ConsentSource *src);

/*
 * transfer_countries are gathered code by code (each checked, element
 * numbered from 1 for errors) into a set, then set at once: sorted, without
 * duplicates, absent when empty.
 */
#define CONSENT_COUNTRY_CODES	(26 * 26)

typedef struct ConsentCountries
{
	uint8		member[(CONSENT_COUNTRY_CODES + 7) / 8];
	int			count;			/* distinct codes */
} ConsentCountries;

extern void consent_countries_init(ConsentCountries *set);
extern void consent_countries_add(ConsentCountries *set, const char *s,
								  size_t len, int element,
								  const ConsentSource *src);
extern void consent_set_countries(ConsentValues *v, const ConsentCountries *set,
								  const ConsentSource *src);

/* s NUL-terminated, len strlen(s) */
extern void consent_set_from_text(ConsentValues *v, ConsentKey key, const char *s,
								  size_t len, const ConsentSource *src);

/* The varlena: built whole from checked values, taken apart checked. */
extern Consent *consent_build(const ConsentValues *v, const ConsentSource *src);
extern void consent_deform(const Consent *c, ConsentValues *v);

/* A timestamp in UTC (USE_ISO_DATES or USE_XSD_DATES); a digest in hex. */
extern char *consent_timestamp_text(TimestampTz ts, int style);
extern char *consent_digest_hex(const uint8 *digest);

#endif							/* COMPLIANCE_CONSENT_H */
