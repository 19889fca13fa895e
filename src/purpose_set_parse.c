/*-------------------------------------------------------------------------
 *
 * purpose_set_parse.c
 *	  Hand-written parser of the compliance.purpose_set text literal.
 *
 * The grammar is in purpose_set_parse.h.  This file includes no PostgreSQL
 * header on purpose: the Makefile compiles it into the server like every C
 * file under src/, and it can also be compiled alone into a fuzzing harness
 * (it depends on nothing but the C library's <string.h> and <limits.h>).
 *
 * Robustness on hostile input: one forward pass over input[0..len) with a
 * position that only grows, so time is linear and no byte at or past len is
 * read; no recursion (nesting is simply an error at the second '{'); no
 * allocation; the only output besides the callback is a fixed-size error
 * description.
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <string.h>

#include "purpose_set_parse.h"

/* what the grammar expects at each point, for error messages */
#define EXPECT_OPEN_OR_MEMBER	"\"{\" or a purpose code"
#define EXPECT_MEMBER_OR_CLOSE	"a purpose code or \"}\""
#define EXPECT_MEMBER			"a purpose code"
#define EXPECT_COMMA_OR_CLOSE	"\",\" or \"}\""
#define EXPECT_CLOSE_QUOTE		"a closing double quote"
#define EXPECT_SHORT_CODE		"a purpose code of at most 63 characters"
#define EXPECT_END				"end of input"
#define EXPECT_FEWER			"at most 2147483647 members"

static inline bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\v' || c == '\f';
}

static inline bool
is_code_start(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool
is_code_char(unsigned char c)
{
	return is_code_start(c) || (c >= '0' && c <= '9') || c == '_';
}

/* can a member (bare or quoted) start with this byte? */
static inline bool
is_member_start(unsigned char c)
{
	return is_code_start(c) || c == '"';
}

static size_t
skip_space(const char *s, size_t len, size_t pos)
{
	while (pos < len && is_space((unsigned char) s[pos]))
		pos++;
	return pos;
}

/*
 * Bounded string building for PurposeSetParseError.found: every helper
 * writes at most up to the end of the buffer and keeps it NUL-terminated.
 */
typedef struct FoundBuf
{
	char	   *buf;
	size_t		size;
	size_t		used;
} FoundBuf;

static void
found_append(FoundBuf *fb, const char *text)
{
	size_t		n = strlen(text);

	if (fb->used + 1 >= fb->size)
		return;
	if (n > fb->size - 1 - fb->used)
		n = fb->size - 1 - fb->used;
	memcpy(fb->buf + fb->used, text, n);
	fb->used += n;
	fb->buf[fb->used] = '\0';
}

static void
found_append_hex(FoundBuf *fb, unsigned char c)
{
	static const char digits[] = "0123456789abcdef";
	char		text[5];

	text[0] = '0';
	text[1] = 'x';
	text[2] = digits[c >> 4];
	text[3] = digits[c & 0x0f];
	text[4] = '\0';
	found_append(fb, text);
}

static void
found_append_size(FoundBuf *fb, size_t value)
{
	char		text[32];
	char	   *p = text + sizeof(text) - 1;

	*p = '\0';
	do
	{
		*--p = (char) ('0' + value % 10);
		value /= 10;
	} while (value > 0 && p > text);
	found_append(fb, p);
}

/*
 * Fill *err for an error at pos: describe the byte there (or end of input).
 */
static int
syntax_error(PurposeSetParseError *err, const char *s, size_t len,
			 size_t pos, const char *expected)
{
	FoundBuf	fb;
	unsigned char c;
	char		text[4];

	if (err == NULL)
		return PURPOSE_SET_PARSE_SYNTAX_ERROR;

	err->position = pos;
	err->expected = expected;
	fb.buf = err->found;
	fb.size = sizeof(err->found);
	fb.used = 0;
	err->found[0] = '\0';

	if (pos >= len)
	{
		found_append(&fb, "end of input");
		return PURPOSE_SET_PARSE_SYNTAX_ERROR;
	}

	c = (unsigned char) s[pos];
	if (c == '\0')
		found_append(&fb, "a NUL byte");
	else if (c >= 0x80)
	{
		found_append(&fb, "non-ASCII byte ");
		found_append_hex(&fb, c);
	}
	else if (is_space(c))
		found_append(&fb, "whitespace");
	else if (c < 0x20 || c == 0x7f)
	{
		found_append(&fb, "control character ");
		found_append_hex(&fb, c);
	}
	else if (c == '"')
		found_append(&fb, "a double quote");
	else
	{
		if (c >= 'A' && c <= 'Z')
			found_append(&fb, "uppercase ");
		text[0] = '"';
		text[1] = (char) c;
		text[2] = '"';
		text[3] = '\0';
		found_append(&fb, text);
	}
	return PURPOSE_SET_PARSE_SYNTAX_ERROR;
}

/*
 * Scan one member starting at *pos, which the caller has checked is a
 * member start (a letter a-z or a double quote).  On success advance *pos
 * past it and report it to cb.
 */
static int
scan_member(const char *s, size_t len, size_t *pos,
			purpose_set_member_cb cb, void *arg, PurposeSetParseError *err)
{
	size_t		p = *pos;
	size_t		code_start;
	size_t		code_len;
	bool		quoted = false;

	if (s[p] == '"')
	{
		quoted = true;
		p++;
		if (p >= len || !is_code_start((unsigned char) s[p]))
			return syntax_error(err, s, len, p, EXPECT_MEMBER);
	}

	code_start = p;
	while (p < len && is_code_char((unsigned char) s[p]))
		p++;
	code_len = p - code_start;

	if (code_len > PURPOSE_SET_PARSE_CODE_MAXLEN)
	{
		if (err != NULL)
		{
			FoundBuf	fb;

			err->position = code_start;
			err->expected = EXPECT_SHORT_CODE;
			fb.buf = err->found;
			fb.size = sizeof(err->found);
			fb.used = 0;
			err->found[0] = '\0';
			found_append(&fb, "a code of ");
			found_append_size(&fb, code_len);
			found_append(&fb, " characters");
		}
		return PURPOSE_SET_PARSE_SYNTAX_ERROR;
	}

	if (quoted)
	{
		if (p >= len || s[p] != '"')
			return syntax_error(err, s, len, p, EXPECT_CLOSE_QUOTE);
		p++;
	}

	*pos = p;
	if (cb != NULL && !cb(s + code_start, code_len, code_start, arg))
		return PURPOSE_SET_PARSE_ABORTED;
	return 0;
}

int
purpose_set_parse(const char *input, size_t len,
				  purpose_set_member_cb cb, void *arg,
				  PurposeSetParseError *err)
{
	size_t		p;
	int			nmembers = 0;
	int			rc;

	if (input == NULL)
		len = 0;

	p = skip_space(input, len, 0);

	if (p < len && input[p] == '{')
	{
		p = skip_space(input, len, p + 1);
		if (p < len && input[p] == '}')
			p++;
		else
		{
			for (;;)
			{
				if (p >= len || !is_member_start((unsigned char) input[p]))
					return syntax_error(err, input, len, p,
										nmembers == 0 ? EXPECT_MEMBER_OR_CLOSE :
										EXPECT_MEMBER);
				if (nmembers == INT_MAX)
					return syntax_error(err, input, len, p, EXPECT_FEWER);
				rc = scan_member(input, len, &p, cb, arg, err);
				if (rc < 0)
					return rc;
				nmembers++;

				p = skip_space(input, len, p);
				if (p < len && input[p] == ',')
				{
					p = skip_space(input, len, p + 1);
					continue;
				}
				if (p < len && input[p] == '}')
				{
					p++;
					break;
				}
				return syntax_error(err, input, len, p, EXPECT_COMMA_OR_CLOSE);
			}
		}
	}
	else if (p < len && is_member_start((unsigned char) input[p]))
	{
		rc = scan_member(input, len, &p, cb, arg, err);
		if (rc < 0)
			return rc;
		nmembers = 1;
	}
	else
		return syntax_error(err, input, len, p, EXPECT_OPEN_OR_MEMBER);

	p = skip_space(input, len, p);
	if (p < len)
		return syntax_error(err, input, len, p, EXPECT_END);

	return nmembers;
}
