/*-------------------------------------------------------------------------
 *
 * consent_parse.h
 *	  Parser of the compliance.consent text literal, free of PostgreSQL
 *	  headers so that it can be built into a fuzzing harness outside the
 *	  server.
 *
 * Grammar (whitespace is ' ', \t, \n, \r, \v, \f):
 *
 *	  literal  := ws '(' ws [ pair ws ( ',' ws pair ws )* ] ')' ws
 *	  pair     := key ws '=' ws value
 *	  key      := [a-z_]+						(at most 63 characters)
 *	  value    := 'NULL' | bare | quoted
 *	  bare     := [A-Za-z0-9_.:+-]+				('NULL' itself is the null)
 *	  quoted   := '"' ( any byte but '"', '\' and NUL | '\"' | '\\' )* '"'
 *
 * Example:
 *
 *	  (id=0, subject="42", purposes="{marketing}", form="checkbox",
 *	   given_at="2026-11-22 10:00:00+00", valid_until=NULL)
 *
 * A quoted string may hold anything but NUL, including parentheses, braces,
 * commas, newlines and multibyte characters; inside it a backslash must be
 * followed by '"' or '\'.  NULL is recognised only bare and in capitals:
 * "NULL" in quotes is the four-letter string.  Anything else is malformed:
 * missing parentheses, a key without '=', a value missing or starting with
 * another character, an unterminated string, an unknown escape, a trailing
 * comma, text after the closing parenthesis, NUL bytes.
 *
 * The parser knows nothing of the keys: it reports every pair in input
 * order, duplicates included, and the caller (src/consent_io.c) checks names,
 * duplicates and values.  It never reads past len, does not recurse, uses
 * constant stack, allocates nothing and looks at each byte a bounded number
 * of times, so its work is linear in len.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONSENT_PARSE_H
#define CONSENT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* longest key accepted by the grammar */
#define CONSENT_PARSE_KEY_MAXLEN	63

/* consent_parse() results other than a pair count */
#define CONSENT_PARSE_SYNTAX_ERROR	(-1)	/* err is filled in */
#define CONSENT_PARSE_ABORTED		(-2)	/* the callback said stop */

/*
 * One key=value pair.  Pointers point into the input and are not
 * NUL-terminated.  Positions are 0-based byte offsets into the input.
 */
typedef struct ConsentParsePair
{
	const char *key;			/* 1..63 bytes of [a-z_] */
	size_t		key_len;
	size_t		key_position;
	const char *value;			/* bare token, or the bytes between the
								 * quotes with escapes still in place; NULL
								 * when is_null */
	size_t		value_len;
	size_t		value_position; /* first byte of the value: the opening
								 * quote of a quoted string */
	bool		is_null;		/* the bare token NULL */
	bool		quoted;			/* value was a double-quoted string */
	bool		escaped;		/* value holds \" or \\: unescape it with
								 * consent_parse_unescape() */
} ConsentParsePair;

/*
 * Called once per pair, in input order.  Returns false to stop parsing
 * (consent_parse then returns CONSENT_PARSE_ABORTED).
 */
typedef bool (*consent_pair_cb) (const ConsentParsePair *pair, void *arg);

typedef struct ConsentParseError
{
	size_t		position;		/* 0-based byte offset of the problem */
	const char *expected;		/* static text: what the grammar wanted */
	char		found[48];		/* what was there instead, NUL-terminated */
} ConsentParseError;

/*
 * Parse input[0..len).  Returns the number of pairs on success,
 * CONSENT_PARSE_SYNTAX_ERROR with *err filled in on malformed input, or
 * CONSENT_PARSE_ABORTED when cb returned false.  cb may be NULL to check
 * the syntax only; err may be NULL.  Pairs are reported as they are met,
 * so on malformed input cb may already have seen the pairs before the
 * error: check the syntax first when the callback has side effects.
 */
extern int	consent_parse(const char *input, size_t len,
						  consent_pair_cb cb, void *arg,
						  ConsentParseError *err);

/*
 * Copy a quoted value's raw bytes to out, replacing \" by " and \\ by \;
 * returns the number of bytes written (at most len; out must have room for
 * len bytes).  Only valid on a value consent_parse() accepted.
 */
extern size_t consent_parse_unescape(const char *raw, size_t len, char *out);

#endif							/* CONSENT_PARSE_H */
