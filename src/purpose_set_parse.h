/*-------------------------------------------------------------------------
 *
 * purpose_set_parse.h
 *	  Parser of the compliance.purpose_set text literal, free of PostgreSQL
 *	  headers so that it can be built into a libFuzzer harness outside the
 *	  server.
 *
 * Grammar (whitespace is ' ', \t, \n, \r, \v, \f):
 *
 *	  literal  := ws ( set | member ) ws
 *	  set      := '{' ws [ member ws ( ',' ws member ws )* ] '}'
 *	  member   := code | '"' code '"'
 *	  code     := [a-z][a-z0-9_]*			(at most 63 characters)
 *
 * A bare member without braces means a set of one ('marketing' is
 * '{marketing}'), so that "purposes @> 'marketing'" reads naturally.
 * Anything else is malformed: nested or unbalanced braces, empty members,
 * trailing commas, over-long codes, uppercase, NUL and non-ASCII bytes.
 *
 * The parser never reads past len, does not recurse, uses constant stack
 * and allocates nothing.  src/purpose_set.c is its only server-side user.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PURPOSE_SET_PARSE_H
#define PURPOSE_SET_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* longest purpose code; equal to PURPOSE_CODE_MAXLEN in compliance.h */
#define PURPOSE_SET_PARSE_CODE_MAXLEN	63

/* purpose_set_parse() results other than a member count */
#define PURPOSE_SET_PARSE_SYNTAX_ERROR	(-1)	/* err is filled in */
#define PURPOSE_SET_PARSE_ABORTED		(-2)	/* the callback said stop */

/*
 * Called once per member, in input order (duplicates included), with the
 * code without quotes (not NUL-terminated; 1..63 bytes of [a-z0-9_]) and
 * the 0-based position of its first character in the input.  Returns
 * false to stop parsing.
 */
typedef bool (*purpose_set_member_cb) (const char *code, size_t len,
									   size_t position, void *arg);

typedef struct PurposeSetParseError
{
	size_t		position;		/* 0-based offset of the offending character
								 * (equal to the character number: all input
								 * before it is ASCII) */
	const char *expected;		/* static text: what the grammar wanted */
	char		found[48];		/* what was there instead, NUL-terminated */
} PurposeSetParseError;

/*
 * Parse input[0..len).  Returns the number of members (duplicates counted)
 * on success, PURPOSE_SET_PARSE_SYNTAX_ERROR with *err filled in on
 * malformed input, or PURPOSE_SET_PARSE_ABORTED when cb returned false.
 * cb may be NULL to only check the syntax; err may be NULL.  Members are
 * reported to cb as they are met, so on malformed input cb may have been
 * called for the members before the error: check the syntax first when
 * the callback has side effects.
 */
extern int	purpose_set_parse(const char *input, size_t len,
							  purpose_set_member_cb cb, void *arg,
							  PurposeSetParseError *err);

#endif							/* PURPOSE_SET_PARSE_H */
