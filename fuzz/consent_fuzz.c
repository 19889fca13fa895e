/*-------------------------------------------------------------------------
 *
 * consent_fuzz.c
 *	  libFuzzer harness for the consent literal parser
 *	  (src/consent_parse.c), built outside the server by fuzz/run.
 *
 * Besides not crashing under AddressSanitizer and UndefinedBehaviorSanitizer,
 * every input is checked against what consent_parse.h promises:
 *
 *	* the parser reads nothing at or past len: the input is copied into a
 *	  heap block of exactly len bytes, not NUL-terminated;
 *	* each pair handed to the callback points into the input where its
 *	  positions say: a key of 1..63 bytes of [a-z_] followed (after
 *	  whitespace) by '='; a bare value of [A-Za-z0-9_.:+-], NULL exactly for
 *	  the bare token NULL; a quoted value between two double quotes, holding
 *	  no NUL and no unescaped quote, with "escaped" set exactly when it
 *	  holds a backslash, and every backslash starting \" or \\;
 *	* consent_parse_unescape() writes at most len bytes (into a block of
 *	  exactly that size), and escaping its output again gives the raw value;
 *	* the result does not depend on whether a callback or an error struct
 *	  is passed, and equals the number of callback calls; a callback that
 *	  says stop at pair k stops the parse there;
 *	* an error has a position within [0, len], static "expected" text and a
 *	  NUL-terminated, non-empty "found" text;
 *	* an accepted literal printed back the way consent_out prints one
 *	  (every value double-quoted with " and \ escaped, NULL bare) parses to
 *	  the same keys, values and NULLs;
 *	* a quoted purposes value goes through the purpose_set parser as
 *	  consent_in sends it (NUL-terminated copy, unescaped), which must not
 *	  fail in any other way than a syntax error.
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent_parse.h"
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

/* one pair as the harness keeps it: the value unescaped, in its own block */
typedef struct Pair
{
	size_t		key_position;
	size_t		key_len;
	char	   *value;			/* NULL when is_null */
	size_t		value_len;
	bool		is_null;
	size_t		end;			/* first byte after the value */
} Pair;

typedef struct Collected
{
	const char *input;
	size_t		input_len;
	Pair	   *pairs;
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
is_bare_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') ||
		c == '_' || c == '.' || c == ':' || c == '+' || c == '-';
}

/* the purposes value, as consent_in hands it to purpose_set_in */
static void
check_purposes(const char *value, size_t len)
{
	char	   *cstr = malloc(len + 1);
	PurposeSetParseError err;
	int			rc;

	CHECK(cstr != NULL);
	memcpy(cstr, value, len);
	cstr[len] = '\0';
	rc = purpose_set_parse(cstr, strlen(cstr), NULL, NULL, &err);
	CHECK(rc >= 0 || rc == PURPOSE_SET_PARSE_SYNTAX_ERROR);
	if (rc < 0)
		CHECK(err.position <= len);
	free(cstr);
}

static bool
collect(const ConsentParsePair *pair, void *arg)
{
	Collected  *c = (Collected *) arg;
	const char *in = c->input;
	size_t		len = c->input_len;
	Pair	   *p;
	size_t		i;
	size_t		end;

	/* the key, where its position says, then '=' */
	CHECK(pair->key_position < len);
	CHECK(pair->key == in + pair->key_position);
	CHECK(pair->key_len >= 1 && pair->key_len <= CONSENT_PARSE_KEY_MAXLEN);
	CHECK(pair->key_len <= len - pair->key_position);
	for (i = 0; i < pair->key_len; i++)
		CHECK((pair->key[i] >= 'a' && pair->key[i] <= 'z') ||
			  pair->key[i] == '_');
	i = pair->key_position + pair->key_len;
	while (i < pair->value_position && is_space((unsigned char) in[i]))
		i++;
	CHECK(i < pair->value_position && in[i] == '=');
	if (c->n > 0)
		CHECK(pair->key_position > c->pairs[c->n - 1].end);

	/* the value */
	CHECK(pair->value_position < len);
	if (pair->quoted)
	{
		CHECK(!pair->is_null);
		CHECK(in[pair->value_position] == '"');
		CHECK(pair->value == in + pair->value_position + 1);
		CHECK(pair->value_len <= len - pair->value_position - 2);
		end = pair->value_position + pair->value_len + 2;
		CHECK(in[end - 1] == '"');
		{
			bool		has_backslash = false;

			for (i = 0; i < pair->value_len; i++)
			{
				char		ch = pair->value[i];

				CHECK(ch != '\0' && ch != '"');
				if (ch == '\\')
				{
					has_backslash = true;
					CHECK(i + 1 < pair->value_len);
					CHECK(pair->value[i + 1] == '"' ||
						  pair->value[i + 1] == '\\');
					i++;
				}
			}
			CHECK(pair->escaped == has_backslash);
		}
	}
	else
	{
		size_t		vlen;

		CHECK(!pair->escaped);
		for (vlen = 0; pair->value_position + vlen < len &&
			 is_bare_char((unsigned char) in[pair->value_position + vlen]);
			 vlen++)
			;
		CHECK(vlen >= 1);
		end = pair->value_position + vlen;
		if (pair->is_null)
		{
			CHECK(pair->value == NULL && pair->value_len == 0);
			CHECK(vlen == 4 && memcmp(in + pair->value_position, "NULL", 4) == 0);
		}
		else
		{
			CHECK(pair->value == in + pair->value_position);
			CHECK(pair->value_len == vlen);
			CHECK(!(vlen == 4 && memcmp(pair->value, "NULL", 4) == 0));
		}
	}

	if (c->n == c->cap)
	{
		c->cap = c->cap ? c->cap * 2 : 8;
		c->pairs = realloc(c->pairs, c->cap * sizeof(Pair));
		CHECK(c->pairs != NULL);
	}
	p = &c->pairs[c->n++];
	p->key_position = pair->key_position;
	p->key_len = pair->key_len;
	p->is_null = pair->is_null;
	p->end = end;
	p->value = NULL;
	p->value_len = 0;
	if (!pair->is_null)
	{
		/* exactly value_len bytes: unescaping must not write past them */
		p->value = malloc(pair->value_len ? pair->value_len : 1);
		CHECK(p->value != NULL);
		if (pair->escaped)
		{
			size_t		j = 0;

			p->value_len = consent_parse_unescape(pair->value,
												  pair->value_len, p->value);
			CHECK(p->value_len < pair->value_len);
			/* escaping the result again gives the raw bytes back */
			for (i = 0; i < p->value_len; i++)
			{
				if (p->value[i] == '"' || p->value[i] == '\\')
				{
					CHECK(j < pair->value_len && pair->value[j] == '\\');
					j++;
				}
				CHECK(j < pair->value_len && pair->value[j] == p->value[i]);
				j++;
			}
			CHECK(j == pair->value_len);
		}
		else
		{
			memcpy(p->value, pair->value, pair->value_len);
			p->value_len = pair->value_len;
		}
		if (pair->key_len == 8 && memcmp(pair->key, "purposes", 8) == 0)
			check_purposes(p->value, p->value_len);
	}
	return c->stop_at == 0 || c->n < c->stop_at;
}

static void
free_collected(Collected *c)
{
	size_t		i;

	for (i = 0; i < c->n; i++)
		free(c->pairs[i].value);
	free(c->pairs);
}

static void
check_error(const ConsentParseError *err, size_t len)
{
	size_t		found_len;

	CHECK(err->position <= len);
	CHECK(err->expected != NULL && err->expected[0] != '\0');
	found_len = strnlen(err->found, sizeof(err->found));
	CHECK(found_len > 0 && found_len < sizeof(err->found));
}

/* print the pairs the way consent_out does, and parse that back */
static void
check_reprint(const char *input, const Collected *c)
{
	size_t		cap = 2;
	size_t		len = 0;
	size_t		i;
	size_t		j;
	char	   *text;
	Collected	r = {0};
	int			rc;

	/* per pair: ", " key "=" and NULL, or a quoted value, each byte escaped */
	for (i = 0; i < c->n; i++)
		cap += 2 + c->pairs[i].key_len + 1 +
			(c->pairs[i].is_null ? 4 : 2 * c->pairs[i].value_len + 2);
	text = malloc(cap);
	CHECK(text != NULL);
	text[len++] = '(';
	for (i = 0; i < c->n; i++)
	{
		const Pair *p = &c->pairs[i];

		if (i > 0)
		{
			text[len++] = ',';
			text[len++] = ' ';
		}
		memcpy(text + len, input + p->key_position, p->key_len);
		len += p->key_len;
		text[len++] = '=';
		if (p->is_null)
		{
			memcpy(text + len, "NULL", 4);
			len += 4;
			continue;
		}
		text[len++] = '"';
		for (j = 0; j < p->value_len; j++)
		{
			if (p->value[j] == '"' || p->value[j] == '\\')
				text[len++] = '\\';
			text[len++] = p->value[j];
		}
		text[len++] = '"';
	}
	text[len++] = ')';
	CHECK(len <= cap);

	r.input = text;
	r.input_len = len;
	rc = consent_parse(text, len, collect, &r, NULL);
	CHECK(rc >= 0 && (size_t) rc == c->n && r.n == c->n);
	for (i = 0; i < c->n; i++)
	{
		const Pair *a = &c->pairs[i];
		const Pair *b = &r.pairs[i];

		CHECK(a->key_len == b->key_len &&
			  memcmp(input + a->key_position, text + b->key_position,
					 a->key_len) == 0);
		CHECK(a->is_null == b->is_null);
		CHECK(a->value_len == b->value_len);
		if (!a->is_null)
			CHECK(memcmp(a->value, b->value, a->value_len) == 0);
	}
	free_collected(&r);
	free(text);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes, no terminator: reading past them is reported */
	char	   *input = malloc(size ? size : 1);
	ConsentParseError err;
	ConsentParseError err2;
	Collected	c = {0};
	int			rc;

	CHECK(input != NULL);
	memcpy(input, data, size);
	c.input = input;
	c.input_len = size;

	memset(&err, 0x7f, sizeof(err));
	rc = consent_parse(input, size, collect, &c, &err);
	CHECK(rc >= 0 || rc == CONSENT_PARSE_SYNTAX_ERROR);

	/* the same verdict without a callback and without an error struct */
	CHECK(consent_parse(input, size, NULL, NULL, NULL) == rc);
	memset(&err2, 0, sizeof(err2));
	CHECK(consent_parse(input, size, NULL, NULL, &err2) == rc);

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
		size_t		i;

		CHECK((size_t) rc == c.n);
		/* accepted input has no NUL, not even in a quoted string */
		for (i = 0; i < size; i++)
			CHECK(input[i] != '\0');
		check_reprint(input, &c);

		/* a callback that stops at pair k stops the parse there */
		if (c.n > 0)
		{
			Collected	s = {0};

			s.input = input;
			s.input_len = size;
			s.stop_at = (c.n + 1) / 2;
			CHECK(consent_parse(input, size, collect, &s, NULL) ==
				  CONSENT_PARSE_ABORTED);
			CHECK(s.n == s.stop_at);
			free_collected(&s);
		}
	}

	free_collected(&c);
	free(input);
	return 0;
}
