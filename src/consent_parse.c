/*-------------------------------------------------------------------------
 *
 * consent_parse.c
 *	  Hand-written parser of the compliance.consent text literal
 *
 *	  (key=value, key=value, ...)
 *
 * The grammar is in consent_parse.h and doc/consent.md.  This file includes
 * no PostgreSQL header on purpose: the Makefile compiles it into the server
 * like every C file under src/, and it can also be compiled alone into a
 * fuzzing harness (it needs nothing but the C library's <limits.h> and
 * <string.h>).  src/consent_io.c is its only server-side user; it gives the
 * keys their meaning.
 *
 * Robustness on hostile input: one forward pass over input[0..len) with a
 * position that only grows, so time is linear and no byte at or past len
 * is read; no recursion (a quoted string is scanned by a loop, and nothing
 * nests); no allocation; the only output besides the callback is a
 * fixed-size error description.
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <string.h>

#include "consent_parse.h"

/* what the grammar expects at each point, for error messages */
#define EXPECT_OPEN			"\"(\""
#define EXPECT_KEY_OR_CLOSE	"a key or \")\""
#define EXPECT_KEY			"a key"
#define EXPECT_SHORT_KEY	"a key of at most 63 characters"
#define EXPECT_EQUALS		"\"=\" after the key"
#define EXPECT_VALUE		"a value (a bare token, a double-quoted string or NULL)"
#define EXPECT_CLOSE_QUOTE	"a double quote closing the string"
#define EXPECT_ESCAPE		"\\\" or \\\\ (the only escapes in a quoted string)"
#define EXPECT_STRING_CHAR	"a character other than NUL in the string"
#define EXPECT_COMMA_OR_CLOSE	"\",\" or \")\""
#define EXPECT_END			"end of input after \")\""
#define EXPECT_FEWER		"at most 2147483647 pairs"

static inline bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\v' || c == '\f';
}

static inline bool
is_key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

static inline bool
is_bare_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') ||
		c == '_' || c == '.' || c == ':' || c == '+' || c == '-';
}

static size_t
skip_space(const char *s, size_t len, size_t pos)
{
	while (pos < len && is_space((unsigned char) s[pos]))
		pos++;
	return pos;
}

/*
 * Bounded appending to ConsentParseError.found: never writes past the end
 * of the buffer and keeps it NUL-terminated.
 */
static void
found_append(ConsentParseError *err, size_t *used, const char *text)
{
	size_t		room = sizeof(err->found) - 1 - *used;
	size_t		n = strlen(text);

	if (n > room)
		n = room;
	memcpy(err->found + *used, text, n);
	*used += n;
	err->found[*used] = '\0';
}

static void
found_append_byte(ConsentParseError *err, size_t *used, unsigned char c)
{
	static const char hexdigits[] = "0123456789abcdef";
	char		text[5];

	text[0] = '0';
	text[1] = 'x';
	text[2] = hexdigits[c >> 4];
	text[3] = hexdigits[c & 0x0f];
	text[4] = '\0';
	found_append(err, used, text);
}

static void
found_append_number(ConsentParseError *err, size_t *used, size_t value)
{
	char		text[32];
	char	   *p = text + sizeof(text) - 1;

	*p = '\0';
	do
	{
		*--p = (char) ('0' + value % 10);
		value /= 10;
	} while (value > 0 && p > text);
	found_append(err, used, p);
}

/* describe the byte at pos (or the end of input) into err->found */
static void
describe_at(ConsentParseError *err, size_t *used,
			const char *s, size_t len, size_t pos)
{
	unsigned char c;
	char		text[4];

	if (pos >= len)
	{
		found_append(err, used, "end of input");
		return;
	}
	c = (unsigned char) s[pos];
	if (c == '\0')
		found_append(err, used, "a NUL byte");
	else if (c >= 0x80)
	{
		found_append(err, used, "non-ASCII byte ");
		found_append_byte(err, used, c);
	}
	else if (is_space(c))
		found_append(err, used, "whitespace");
	else if (c < 0x20 || c == 0x7f)
	{
		found_append(err, used, "control character ");
		found_append_byte(err, used, c);
	}
	else if (c == '"')
		found_append(err, used, "a double quote");
	else
	{
		text[0] = '"';
		text[1] = (char) c;
		text[2] = '"';
		text[3] = '\0';
		found_append(err, used, text);
	}
}

/* start filling *err for a problem at pos; returns the used length */
static size_t
error_start(ConsentParseError *err, size_t pos, const char *expected)
{
	err->position = pos;
	err->expected = expected;
	err->found[0] = '\0';
	return 0;
}

/* the usual error: something other than what the grammar wanted at pos */
static int
syntax_error(ConsentParseError *err, const char *s, size_t len,
			 size_t pos, const char *expected)
{
	size_t		used;

	if (err == NULL)
		return CONSENT_PARSE_SYNTAX_ERROR;
	used = error_start(err, pos, expected);
	describe_at(err, &used, s, len, pos);
	return CONSENT_PARSE_SYNTAX_ERROR;
}

/*
 * Scan a quoted string whose opening quote is at pos.  On success set
 * pair's value fields and return the position after the closing quote;
 * on error fill *err and return 0 (a closing quote is never at 0).
 */
static size_t
scan_quoted(const char *s, size_t len, size_t pos, ConsentParsePair *pair,
			ConsentParseError *err)
{
	size_t		p = pos + 1;
	bool		escaped = false;

	while (p < len)
	{
		unsigned char c = (unsigned char) s[p];

		if (c == '"')
		{
			pair->value = s + pos + 1;
			pair->value_len = p - pos - 1;
			pair->value_position = pos;
			pair->is_null = false;
			pair->quoted = true;
			pair->escaped = escaped;
			return p + 1;
		}
		if (c == '\0')
		{
			syntax_error(err, s, len, p, EXPECT_STRING_CHAR);
			return 0;
		}
		if (c == '\\')
		{
			if (p + 1 >= len)
				break;			/* unterminated: reported below */
			if (s[p + 1] != '"' && s[p + 1] != '\\')
			{
				if (err != NULL)
				{
					size_t		used = error_start(err, p, EXPECT_ESCAPE);

					found_append(err, &used, "a backslash followed by ");
					describe_at(err, &used, s, len, p + 1);
				}
				return 0;
			}
			escaped = true;
			p += 2;
			continue;
		}
		p++;
	}

	/* report the opening quote: that is where the reader should look */
	if (err != NULL)
	{
		size_t		used = error_start(err, pos, EXPECT_CLOSE_QUOTE);

		found_append(err, &used, "a string that is never closed");
	}
	return 0;
}

int
consent_parse(const char *input, size_t len,
			  consent_pair_cb cb, void *arg,
			  ConsentParseError *err)
{
	size_t		p;
	int			npairs = 0;

	if (input == NULL)
		len = 0;

	p = skip_space(input, len, 0);
	if (p >= len || input[p] != '(')
		return syntax_error(err, input, len, p, EXPECT_OPEN);
	p = skip_space(input, len, p + 1);

	if (p < len && input[p] == ')')
		p++;
	else
	{
		for (;;)
		{
			ConsentParsePair pair;
			size_t		key_start;

			/* key */
			if (p >= len || !is_key_char((unsigned char) input[p]))
				return syntax_error(err, input, len, p,
									npairs == 0 ? EXPECT_KEY_OR_CLOSE :
									EXPECT_KEY);
			if (npairs == INT_MAX)
				return syntax_error(err, input, len, p, EXPECT_FEWER);
			key_start = p;
			while (p < len && is_key_char((unsigned char) input[p]))
				p++;
			if (p - key_start > CONSENT_PARSE_KEY_MAXLEN)
			{
				if (err != NULL)
				{
					size_t		used = error_start(err, key_start,
												   EXPECT_SHORT_KEY);

					found_append(err, &used, "a key of ");
					found_append_number(err, &used, p - key_start);
					found_append(err, &used, " characters");
				}
				return CONSENT_PARSE_SYNTAX_ERROR;
			}
			pair.key = input + key_start;
			pair.key_len = p - key_start;
			pair.key_position = key_start;

			/* '=' */
			p = skip_space(input, len, p);
			if (p >= len || input[p] != '=')
				return syntax_error(err, input, len, p, EXPECT_EQUALS);
			p = skip_space(input, len, p + 1);

			/* value */
			if (p < len && input[p] == '"')
			{
				p = scan_quoted(input, len, p, &pair, err);
				if (p == 0)
					return CONSENT_PARSE_SYNTAX_ERROR;
			}
			else if (p < len && is_bare_char((unsigned char) input[p]))
			{
				size_t		start = p;

				while (p < len && is_bare_char((unsigned char) input[p]))
					p++;
				pair.value_position = start;
				pair.quoted = false;
				pair.escaped = false;
				if (p - start == 4 && memcmp(input + start, "NULL", 4) == 0)
				{
					pair.value = NULL;
					pair.value_len = 0;
					pair.is_null = true;
				}
				else
				{
					pair.value = input + start;
					pair.value_len = p - start;
					pair.is_null = false;
				}
			}
			else
				return syntax_error(err, input, len, p, EXPECT_VALUE);

			npairs++;
			if (cb != NULL && !cb(&pair, arg))
				return CONSENT_PARSE_ABORTED;

			/* ',' or ')' */
			p = skip_space(input, len, p);
			if (p < len && input[p] == ',')
			{
				p = skip_space(input, len, p + 1);
				continue;
			}
			if (p < len && input[p] == ')')
			{
				p++;
				break;
			}
			return syntax_error(err, input, len, p, EXPECT_COMMA_OR_CLOSE);
		}
	}

	p = skip_space(input, len, p);
	if (p < len)
		return syntax_error(err, input, len, p, EXPECT_END);

	return npairs;
}

size_t
consent_parse_unescape(const char *raw, size_t len, char *out)
{
	size_t		i = 0;
	size_t		n = 0;

	while (i < len)
	{
		if (raw[i] == '\\' && i + 1 < len)
			i++;
		out[n++] = raw[i++];
	}
	return n;
}
