/* json_bson.c: JSON text straight to BSON (json_bson.h).
 *
 * One pass, no tree: the BSON bytes are written straight into one buffer
 * reused for the whole text (libbson's append functions cost about as
 * much as the parsing itself: 100,000 listed containers are 5 million
 * values); a document's length is filled in when its end is seen.
 * Strings without escapes are checked, then copied from the text once;
 * escaped ones are decoded into a scratch buffer first. Recursion is
 * bounded by JSON_BSON_MAX_DEPTH. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "backends/store/json_bson.h"

struct jp {
	const unsigned char *p, *end, *start;
	struct berr *err;
	char *kbuf, *sbuf; /* decoded keys and string values (owned) */
	size_t kcap, scap;
	int depth;
	unsigned char *out; /* the BSON document being made (owned) */
	size_t olen, ocap;
};

/* What a string's byte needs: 0 nothing, 1 '"', 2 '\\', 3 a control
 * character, 4 the start of a multi-byte sequence. */
static const unsigned char str_class[256] = {
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static int fail_at(struct jp *jp, const unsigned char *at, const char *what)
{
	return berr_set(jp->err, BERR_PROTOCOL, "not JSON: %s at byte %zu", what,
			(size_t)(at - jp->start));
}

static int fail(struct jp *jp, const char *what)
{
	return fail_at(jp, jp->p, what);
}

static void skip_ws(struct jp *jp)
{
	const unsigned char *p = jp->p, *end = jp->end;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	jp->p = p;
}

/* The length of the valid UTF-8 sequence at p (a byte >= 0x80), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;

	if (c < 0xC2)
		return 0; /* a continuation byte, or an overlong C0/C1 lead */
	if (c < 0xE0)
		n = 2;
	else if (c < 0xF0) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* a surrogate */
	} else if (c < 0xF5) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

/* Appends n bytes to *buf (capacity *cap) at offset *len. */
static int buf_put(struct jp *jp, char **buf, size_t *cap, size_t *len, const void *data,
		   size_t n)
{
	if (!n)
		return 0;
	if (*len + n > *cap) {
		size_t want = *cap ? *cap : 256;
		char *nb;

		while (want < *len + n)
			want *= 2;
		nb = realloc(*buf, want);
		if (!nb)
			return berr_set(jp->err, BERR_LOCAL, "out of memory");
		*buf = nb;
		*cap = want;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	return 0;
}

static int hex4(const unsigned char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

/* The escape at jp->p (after its backslash) decoded into utf8 (up to 4
 * bytes); its length, or -1. */
static int unescape(struct jp *jp, char *utf8)
{
	const unsigned char *at = jp->p - 1;
	unsigned cp, lo;
	int n;

	if (jp->p >= jp->end)
		return fail(jp, "truncated string");
	switch (*jp->p++) {
	case '"':  utf8[0] = '"'; return 1;
	case '\\': utf8[0] = '\\'; return 1;
	case '/':  utf8[0] = '/'; return 1;
	case 'b':  utf8[0] = '\b'; return 1;
	case 'f':  utf8[0] = '\f'; return 1;
	case 'n':  utf8[0] = '\n'; return 1;
	case 'r':  utf8[0] = '\r'; return 1;
	case 't':  utf8[0] = '\t'; return 1;
	case 'u':  break;
	default:   return fail_at(jp, at, "invalid escape");
	}
	if (jp->end - jp->p < 4 || hex4(jp->p, &cp) < 0)
		return fail_at(jp, at, "invalid \\u escape");
	jp->p += 4;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail_at(jp, at, "lone surrogate");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (jp->end - jp->p < 6 || jp->p[0] != '\\' || jp->p[1] != 'u' ||
		    hex4(jp->p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
			return fail_at(jp, at, "lone surrogate");
		jp->p += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (!cp)
		return fail_at(jp, at, "\\u0000 in a string");
	if (cp < 0x80) {
		utf8[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		utf8[0] = (char)(0xC0 | cp >> 6);
		utf8[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		utf8[0] = (char)(0xE0 | cp >> 12);
		utf8[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		utf8[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		utf8[0] = (char)(0xF0 | cp >> 18);
		utf8[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		utf8[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		utf8[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return n;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Past the bytes from p that need nothing (str_class 0): eight at a time
 * while none of them is a quote, a backslash, a control character or
 * above 0x7F. */
static const unsigned char *plain_run(const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 8) {
		uint64_t x, q, b;

		memcpy(&x, p, 8);
		q = x ^ (ONES * '"');
		b = x ^ (ONES * '\\');
		if ((((q - ONES) & ~q) | ((b - ONES) & ~b) | (x - ONES * 0x20) | x) & HIGHS)
			break;
		p += 8;
	}
	while (p < end && !str_class[*p])
		p++;
	return p;
}

/* The string at jp->p (after its opening quote): *s and *n point into the
 * text when it has no escape, else into *buf. */
static int parse_string(struct jp *jp, char **buf, size_t *cap, const char **s, size_t *n)
{
	const unsigned char *p = jp->p, *end = jp->end, *seg = p;
	size_t len = 0;
	int copying = 0;

	for (;;) {
		size_t u;
		char utf8[4];
		int k;

		p = plain_run(p, end);
		if (p >= end)
			return fail_at(jp, jp->p - 1, "unterminated string");
		switch (str_class[*p]) {
		case 1:
			if (!copying) {
				*s = (const char *)seg;
				*n = (size_t)(p - seg);
			} else {
				if (buf_put(jp, buf, cap, &len, seg, (size_t)(p - seg)) < 0)
					return -1;
				*s = *buf;
				*n = len;
			}
			jp->p = p + 1;
			return 0;
		case 2:
			if (buf_put(jp, buf, cap, &len, seg, (size_t)(p - seg)) < 0)
				return -1;
			copying = 1;
			jp->p = p + 1;
			if ((k = unescape(jp, utf8)) < 0 ||
			    buf_put(jp, buf, cap, &len, utf8, (size_t)k) < 0)
				return -1;
			p = seg = jp->p;
			break;
		case 3:
			return fail_at(jp, p, "control character in a string");
		default:
			if (!(u = utf8_len(p, end)))
				return fail_at(jp, p, "invalid UTF-8");
			p += u;
		}
	}
}

static int is_digit(const unsigned char *p, const unsigned char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* A number that is not a small integer, through strtod on a bounded copy
 * (berth never sets LC_NUMERIC: '.' is the radix character). */
static int number_double(struct jp *jp, const unsigned char *start, double *d)
{
	char small[64], *copy = small;
	size_t n = (size_t)(jp->p - start);

	if (n >= sizeof(small)) {
		size_t len = 0;

		/* the number may end the text: copy n bytes, then the NUL */
		if (buf_put(jp, &jp->sbuf, &jp->scap, &len, start, n) < 0 ||
		    buf_put(jp, &jp->sbuf, &jp->scap, &len, "", 1) < 0)
			return -1;
		copy = jp->sbuf;
	} else {
		memcpy(copy, start, n);
		copy[n] = '\0';
	}
	errno = 0;
	*d = strtod(copy, NULL);
	if (errno == ERANGE && isinf(*d))
		return fail_at(jp, start, "number out of range");
	return 0;
}

/* --- the BSON bytes ------------------------------------------------------ */

#define JB_MAX_SIZE ((size_t)INT32_MAX)

/* Room for n more bytes in jp->out. */
static int out_room(struct jp *jp, size_t n)
{
	size_t want;
	unsigned char *nb;

	if (n <= jp->ocap - jp->olen)
		return 0;
	if (n > JB_MAX_SIZE - jp->olen)
		return fail(jp, "too large");
	want = jp->ocap ? jp->ocap : 1024;
	while (want < jp->olen + n)
		want *= 2;
	if (!(nb = realloc(jp->out, want)))
		return berr_set(jp->err, BERR_LOCAL, "out of memory");
	jp->out = nb;
	jp->ocap = want;
	return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* An element's type and key (no NUL in it: the reader refuses "\u0000"),
 * with room for size bytes of value after them. */
static int elem(struct jp *jp, unsigned char type, const char *key, size_t klen, size_t size)
{
	unsigned char *o;

	if (klen > JB_MAX_SIZE || size > JB_MAX_SIZE || out_room(jp, 2 + klen + size) < 0)
		return -1;
	o = jp->out + jp->olen;
	*o++ = type;
	memcpy(o, key, klen);
	o[klen] = '\0';
	jp->olen += 2 + klen;
	return 0;
}

static int emit_utf8(struct jp *jp, const char *key, size_t klen, const char *s, size_t n)
{
	unsigned char *o;

	if (n >= JB_MAX_SIZE - 5)
		return fail(jp, "too large");
	if (elem(jp, 0x02, key, klen, 4 + n + 1) < 0)
		return -1;
	o = jp->out + jp->olen;
	put_le32(o, (uint32_t)(n + 1));
	memcpy(o + 4, s, n);
	o[4 + n] = '\0';
	jp->olen += 4 + n + 1;
	return 0;
}

static int emit_int(struct jp *jp, const char *key, size_t klen, int64_t v)
{
	int small = v >= INT32_MIN && v <= INT32_MAX;

	if (elem(jp, small ? 0x10 : 0x12, key, klen, small ? 4 : 8) < 0)
		return -1;
	if (small)
		put_le32(jp->out + jp->olen, (uint32_t)(int32_t)v);
	else
		put_le64(jp->out + jp->olen, (uint64_t)v);
	jp->olen += small ? 4 : 8;
	return 0;
}

static int emit_double(struct jp *jp, const char *key, size_t klen, double d)
{
	uint64_t bits;

	if (elem(jp, 0x01, key, klen, 8) < 0)
		return -1;
	memcpy(&bits, &d, sizeof(bits));
	put_le64(jp->out + jp->olen, bits);
	jp->olen += 8;
	return 0;
}

/* true, false (0x08 with a byte) or null (0x0A). */
static int emit_scalar(struct jp *jp, const char *key, size_t klen, unsigned char type, int v)
{
	if (elem(jp, type, key, klen, type == 0x08) < 0)
		return -1;
	if (type == 0x08)
		jp->out[jp->olen++] = (unsigned char)v;
	return 0;
}

/* A document's start: its length, filled in by doc_end (*at its offset). */
static int doc_begin(struct jp *jp, size_t *at)
{
	if (out_room(jp, 4) < 0)
		return -1;
	*at = jp->olen;
	jp->olen += 4;
	return 0;
}

static int doc_end(struct jp *jp, size_t at)
{
	if (out_room(jp, 1) < 0)
		return -1;
	jp->out[jp->olen++] = '\0';
	put_le32(jp->out + at, (uint32_t)(jp->olen - at));
	return 0;
}

static int parse_number(struct jp *jp, const char *key, size_t klen)
{
	const unsigned char *start = jp->p, *end = jp->end;
	uint64_t u = 0;
	int neg = 0, big = 0, whole = 1;
	double d;

	if (*jp->p == '-')
		neg = 1, jp->p++;
	if (!is_digit(jp->p, end))
		return fail_at(jp, start, "invalid number");
	if (*jp->p == '0') {
		jp->p++;
		if (is_digit(jp->p, end))
			return fail_at(jp, start, "leading zero");
	} else
		for (; is_digit(jp->p, end); jp->p++) {
			unsigned dg = *jp->p - '0';

			if (u > (UINT64_MAX - dg) / 10)
				big = 1;
			else
				u = u * 10 + dg;
		}
	if (jp->p < end && *jp->p == '.') {
		whole = 0;
		if (!is_digit(++jp->p, end))
			return fail_at(jp, start, "invalid number");
		while (is_digit(jp->p, end))
			jp->p++;
	}
	if (jp->p < end && (*jp->p == 'e' || *jp->p == 'E')) {
		whole = 0;
		jp->p++;
		if (jp->p < end && (*jp->p == '+' || *jp->p == '-'))
			jp->p++;
		if (!is_digit(jp->p, end))
			return fail_at(jp, start, "invalid number");
		while (is_digit(jp->p, end))
			jp->p++;
	}
	if (whole && !big && u <= (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
		int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;

		return emit_int(jp, key, klen, v);
	}
	if (number_double(jp, start, &d) < 0)
		return -1;
	return emit_double(jp, key, klen, d);
}

static int parse_object(struct jp *jp);
static int parse_array(struct jp *jp);

static int parse_nested(struct jp *jp, const char *key, size_t klen, int array)
{
	size_t at;
	int ret;

	if (++jp->depth > JSON_BSON_MAX_DEPTH)
		return fail(jp, "nested too deep");
	jp->p++;
	if (elem(jp, array ? 0x04 : 0x03, key, klen, 0) < 0 || doc_begin(jp, &at) < 0)
		return -1;
	ret = array ? parse_array(jp) : parse_object(jp);
	jp->depth--;
	return ret < 0 ? -1 : doc_end(jp, at);
}

static int literal(struct jp *jp, const char *word, size_t n)
{
	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n))
		return fail(jp, "invalid literal");
	jp->p += n;
	return 0;
}

/* The value at jp->p (not whitespace), written as key. */
static int parse_value(struct jp *jp, const char *key, size_t klen)
{
	const char *s;
	size_t n;

	if (jp->p >= jp->end)
		return fail(jp, "unexpected end");
	switch (*jp->p) {
	case '{':
		return parse_nested(jp, key, klen, 0);
	case '[':
		return parse_nested(jp, key, klen, 1);
	case '"':
		jp->p++;
		if (parse_string(jp, &jp->sbuf, &jp->scap, &s, &n) < 0)
			return -1;
		return emit_utf8(jp, key, klen, s, n);
	case 't':
		return literal(jp, "true", 4) < 0 ? -1 : emit_scalar(jp, key, klen, 0x08, 1);
	case 'f':
		return literal(jp, "false", 5) < 0 ? -1 : emit_scalar(jp, key, klen, 0x08, 0);
	case 'n':
		return literal(jp, "null", 4) < 0 ? -1 : emit_scalar(jp, key, klen, 0x0A, 0);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return parse_number(jp, key, klen);
	default:
		return fail(jp, "unexpected character");
	}
}

/* The members after '{', up to and with the '}'. */
static int parse_object(struct jp *jp)
{
	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == '}') {
		jp->p++;
		return 0;
	}
	for (;;) {
		const char *key;
		size_t klen;

		if (jp->p >= jp->end || *jp->p != '"')
			return fail(jp, jp->p >= jp->end ? "unexpected end" : "expected a string key");
		jp->p++;
		if (parse_string(jp, &jp->kbuf, &jp->kcap, &key, &klen) < 0)
			return -1;
		skip_ws(jp);
		if (jp->p >= jp->end || *jp->p != ':')
			return fail(jp, "expected ':'");
		jp->p++;
		skip_ws(jp);
		if (parse_value(jp, key, klen) < 0)
			return -1;
		skip_ws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			skip_ws(jp);
		} else if (jp->p < jp->end && *jp->p == '}') {
			jp->p++;
			return 0;
		} else
			return fail(jp, "expected ',' or '}'");
	}
}

/* The elements after '[', up to and with the ']'. */
static int parse_array(struct jp *jp)
{
	char num[16];
	const char *idx;
	uint32_t i = 0;

	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == ']') {
		jp->p++;
		return 0;
	}
	for (;;) {
		size_t klen = bson_uint32_to_string(i++, &idx, num, sizeof(num));

		if (parse_value(jp, idx, klen) < 0)
			return -1;
		skip_ws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			skip_ws(jp);
		} else if (jp->p < jp->end && *jp->p == ']') {
			jp->p++;
			return 0;
		} else
			return fail(jp, "expected ',' or ']'");
	}
}

static void jp_init(struct jp *jp, const char *text, size_t len, struct berr *err)
{
	*jp = (struct jp){
		.p = (const unsigned char *)text,
		.start = (const unsigned char *)text,
		.end = (const unsigned char *)text + len,
		.err = err,
	};
}

static void jp_release(struct jp *jp)
{
	free(jp->kbuf);
	free(jp->sbuf);
	free(jp->out);
}

/* Only whitespace left after the top value. */
static int jp_end(struct jp *jp)
{
	skip_ws(jp);
	return jp->p < jp->end ? fail(jp, "text after the value") : 0;
}

/* jp->p at '{': one object, as the document in jp->out, into doc (static:
 * valid until the next object). */
static int object_into(struct jp *jp, bson_t *doc)
{
	size_t at;

	jp->p++;
	jp->depth = 1;
	jp->olen = 0;
	if (doc_begin(jp, &at) < 0 || parse_object(jp) < 0 || doc_end(jp, at) < 0)
		return -1;
	if (!bson_init_static(doc, jp->out, jp->olen))
		return fail(jp, "too large");
	return 0;
}

int json_bson_object(const char *text, size_t len, bson_t *out, struct berr *err)
{
	struct jp jp;
	bson_t doc;
	int ret;

	jp_init(&jp, text, len, err);
	skip_ws(&jp);
	if (jp.p >= jp.end)
		ret = fail(&jp, "unexpected end");
	else if (*jp.p != '{')
		ret = berr_set(err, BERR_PROTOCOL, "not an object");
	else
		ret = object_into(&jp, &doc) < 0 || jp_end(&jp) < 0 ? -1 : 0;
	if (ret == 0)
		bson_copy_to(&doc, out);
	else
		bson_init(out); /* empty: destroying it is harmless */
	jp_release(&jp);
	return ret;
}

long json_bson_array_each(const char *text, size_t len, json_bson_fn fn, void *ud,
			  struct berr *err)
{
	struct jp jp;
	bson_t doc;
	long n = 0;

	jp_init(&jp, text, len, err);
	skip_ws(&jp);
	if (jp.p >= jp.end) {
		n = fail(&jp, "unexpected end");
		goto cleanup;
	}
	if (*jp.p != '[') {
		n = berr_set(err, BERR_PROTOCOL, "not an array");
		goto cleanup;
	}
	jp.p++;
	skip_ws(&jp);
	if (jp.p < jp.end && *jp.p == ']') {
		jp.p++;
		n = jp_end(&jp) < 0 ? -1 : 0;
		goto cleanup;
	}
	for (;;) {
		if (jp.p < jp.end && *jp.p != '{') {
			n = berr_set(err, BERR_PROTOCOL, "element %ld is not an object", n);
			goto cleanup;
		}
		if (jp.p >= jp.end) {
			n = fail(&jp, "unexpected end");
			goto cleanup;
		}
		if (object_into(&jp, &doc) < 0 || fn(ud, &doc, err) < 0) {
			n = -1;
			goto cleanup;
		}
		n++;
		skip_ws(&jp);
		if (jp.p < jp.end && *jp.p == ',') {
			jp.p++;
			skip_ws(&jp);
		} else if (jp.p < jp.end && *jp.p == ']') {
			jp.p++;
			if (jp_end(&jp) < 0)
				n = -1;
			goto cleanup;
		} else {
			n = fail(&jp, "expected ',' or ']'");
			goto cleanup;
		}
	}
cleanup:
	jp_release(&jp);
	return n;
}
