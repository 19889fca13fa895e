/*-------------------------------------------------------------------------
 *
 * purpose_set_fuzz.c
 *	  libFuzzer harness for the purpose_set literal parser
 *	  (src/purpose_set_parse.c), built outside the server by fuzz/run.
 *
 * Besides not crashing under AddressSanitizer and UndefinedBehaviorSanitizer,
 * every input is checked against what purpose_set_parse.h promises:
 *
 *	* the parser reads nothing at or past len: the input is copied into a
 *	  heap block of exactly len bytes, not NUL-terminated, so AddressSanitizer
 *	  reports any read beyond it;
 *	* each member handed to the callback points into the input at the
 *	  position given, is 1..63 bytes of [a-z0-9_] starting with a letter,
 *	  and members come in increasing positions;
 *	* the result does not depend on whether a callback or an error struct is
 *	  passed, and equals the number of callback calls;
 *	* a callback that says stop at member k stops the parse there;
 *	* an error has a position within [0, len], static "expected" text and a
 *	  NUL-terminated, non-empty "found" text; "end of input" exactly when the
 *	  position is len;
 *	* an independent, simpler reading of the grammar (split on commas)
 *	  agrees on acceptance and on the members;
 *	* an accepted literal printed in the canonical form {a,b,...} (what
 *	  purpose_set_out prints, which needs the registry for the order) and
 *	  as quoted members parses back to the same members.
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "purpose_set_parse.h"

#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: property failed: %s\n", \
					__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

typedef struct Member
{
	size_t		position;
	size_t		len;
} Member;

/* what the callback collects */
typedef struct Collected
{
	const char *input;
	size_t		input_len;
	Member	   *members;
	size_t		n;
	size_t		cap;
	size_t		stop_at;		/* return false at this call (1-based); 0:
								 * never */
} Collected;

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\v' || c == '\f';
}

static bool
collect(const char *code, size_t len, size_t position, void *arg)
{
	Collected  *c = (Collected *) arg;
	size_t		i;

	/* the member lies inside the input, where its position says */
	CHECK(position < c->input_len);
	CHECK(len >= 1 && len <= PURPOSE_SET_PARSE_CODE_MAXLEN);
	CHECK(len <= c->input_len - position);
	CHECK(code == c->input + position);
	CHECK(code[0] >= 'a' && code[0] <= 'z');
	for (i = 1; i < len; i++)
		CHECK((code[i] >= 'a' && code[i] <= 'z') ||
			  (code[i] >= '0' && code[i] <= '9') || code[i] == '_');
	if (c->n > 0)
		CHECK(position > c->members[c->n - 1].position +
			  c->members[c->n - 1].len);

	if (c->n == c->cap)
	{
		c->cap = c->cap ? c->cap * 2 : 8;
		c->members = realloc(c->members, c->cap * sizeof(Member));
		CHECK(c->members != NULL);
	}
	c->members[c->n].position = position;
	c->members[c->n].len = len;
	c->n++;
	return c->stop_at == 0 || c->n < c->stop_at;
}

static void
check_error(const PurposeSetParseError *err, size_t len)
{
	size_t		found_len;

	CHECK(err->position <= len);
	CHECK(err->expected != NULL && err->expected[0] != '\0');
	found_len = strnlen(err->found, sizeof(err->found));
	CHECK(found_len > 0 && found_len < sizeof(err->found));
	CHECK((err->position == len) ==
		  (strcmp(err->found, "end of input") == 0));
}

/* is s[0..len) a member: a code, or a code in double quotes? */
static bool
ref_member(const char *s, size_t len, size_t *code_off, size_t *code_len)
{
	size_t		i;

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
	{
		s++;
		len -= 2;
		*code_off = 1;
	}
	else
		*code_off = 0;
	if (len < 1 || len > PURPOSE_SET_PARSE_CODE_MAXLEN ||
		!(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			  (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	*code_len = len;
	return true;
}

/*
 * The grammar read another way: trim the whole literal; either it is one
 * member, or braces around comma-separated, trimmed members (or nothing
 * but whitespace).  Returns the member count or -1; members go to out.
 */
static int
ref_parse(const char *s, size_t len, Member *out, size_t outcap)
{
	size_t		b = 0;
	size_t		e = len;
	size_t		off;
	size_t		clen;
	size_t		start;
	size_t		i;
	int			n = 0;

	while (b < e && is_space((unsigned char) s[b]))
		b++;
	while (e > b && is_space((unsigned char) s[e - 1]))
		e--;
	if (b == e)
		return -1;
	if (s[b] != '{')
	{
		if (!ref_member(s + b, e - b, &off, &clen))
			return -1;
		out[0].position = b + off;
		out[0].len = clen;
		return 1;
	}
	if (e - b < 2 || s[e - 1] != '}')
		return -1;
	b++;
	e--;
	for (i = b; i < e && is_space((unsigned char) s[i]); i++)
		;
	if (i == e)
		return 0;

	start = b;
	for (i = b; i <= e; i++)
	{
		size_t		mb;
		size_t		me;

		if (i < e && s[i] != ',')
			continue;
		mb = start;
		me = i;
		while (mb < me && is_space((unsigned char) s[mb]))
			mb++;
		while (me > mb && is_space((unsigned char) s[me - 1]))
			me--;
		if (!ref_member(s + mb, me - mb, &off, &clen))
			return -1;
		CHECK((size_t) n < outcap);
		out[n].position = mb + off;
		out[n].len = clen;
		n++;
		start = i + 1;
	}
	return n;
}

/* parse text, which must be accepted, and compare its members with want */
static void
check_reparse(const char *text, size_t len, const char *orig,
			  const Collected *want)
{
	char	   *copy = malloc(len ? len : 1);
	Collected	c = {0};
	int			rc;
	size_t		i;

	CHECK(copy != NULL);
	memcpy(copy, text, len);
	c.input = copy;
	c.input_len = len;
	rc = purpose_set_parse(copy, len, collect, &c, NULL);
	CHECK(rc >= 0 && (size_t) rc == want->n && c.n == want->n);
	for (i = 0; i < c.n; i++)
		CHECK(c.members[i].len == want->members[i].len &&
			  memcmp(copy + c.members[i].position,
					 orig + want->members[i].position,
					 c.members[i].len) == 0);
	free(c.members);
	free(copy);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes, no terminator: reading past them is reported */
	char	   *input = malloc(size ? size : 1);
	PurposeSetParseError err;
	PurposeSetParseError err2;
	Collected	c = {0};
	Member	   *ref;
	int			rc;
	int			rc_ref;
	size_t		i;

	CHECK(input != NULL);
	memcpy(input, data, size);
	c.input = input;
	c.input_len = size;

	memset(&err, 0x7f, sizeof(err));
	rc = purpose_set_parse(input, size, collect, &c, &err);
	CHECK(rc >= 0 || rc == PURPOSE_SET_PARSE_SYNTAX_ERROR);

	/* the same verdict without a callback and without an error struct */
	CHECK(purpose_set_parse(input, size, NULL, NULL, NULL) == rc);
	memset(&err2, 0, sizeof(err2));
	CHECK(purpose_set_parse(input, size, NULL, NULL, &err2) == rc);

	/* the simpler reading agrees (members fit in size / 2 + 1 slots) */
	ref = malloc((size / 2 + 1) * sizeof(Member));
	CHECK(ref != NULL);
	rc_ref = ref_parse(input, size, ref, size / 2 + 1);
	CHECK((rc >= 0) == (rc_ref >= 0));

	if (rc < 0)
	{
		check_error(&err, size);
		check_error(&err2, size);
		CHECK(err.position == err2.position &&
			  err.expected == err2.expected &&
			  strcmp(err.found, err2.found) == 0);
	}
	else
	{
		char	   *text;
		size_t		len;
		size_t		cap;

		CHECK((size_t) rc == c.n && rc == rc_ref);
		for (i = 0; i < c.n; i++)
			CHECK(ref[i].position == c.members[i].position &&
				  ref[i].len == c.members[i].len);

		/* accepted input is printable ASCII or whitespace, no uppercase */
		for (i = 0; i < size; i++)
		{
			unsigned char ch = (unsigned char) input[i];

			CHECK(ch != 0 && ch < 0x80 && !(ch >= 'A' && ch <= 'Z'));
		}

		/* canonical form, then every member quoted */
		cap = 2 + c.n * (PURPOSE_SET_PARSE_CODE_MAXLEN + 3);
		text = malloc(cap);
		CHECK(text != NULL);
		len = 0;
		text[len++] = '{';
		for (i = 0; i < c.n; i++)
		{
			if (i > 0)
				text[len++] = ',';
			memcpy(text + len, input + c.members[i].position,
				   c.members[i].len);
			len += c.members[i].len;
		}
		text[len++] = '}';
		check_reparse(text, len, input, &c);

		len = 0;
		text[len++] = '{';
		for (i = 0; i < c.n; i++)
		{
			if (i > 0)
				text[len++] = ',';
			text[len++] = '"';
			memcpy(text + len, input + c.members[i].position,
				   c.members[i].len);
			len += c.members[i].len;
			text[len++] = '"';
		}
		text[len++] = '}';
		check_reparse(text, len, input, &c);
		free(text);

		/* a callback that stops at member k stops the parse there */
		if (c.n > 0)
		{
			Collected	s = {0};

			s.input = input;
			s.input_len = size;
			s.stop_at = (c.n + 1) / 2;
			CHECK(purpose_set_parse(input, size, collect, &s, NULL) ==
				  PURPOSE_SET_PARSE_ABORTED);
			CHECK(s.n == s.stop_at);
			free(s.members);
		}
	}

	free(ref);
	free(c.members);
	free(input);
	return 0;
}
