/* test-text.c: the user's words in messages, cut to a bounded length. */
#include <stdlib.h>
#include <string.h>
#include "tests/unit/tap.h"
#include "lib/text.h"

static char *repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * n + 1);
	size_t i;

	if (!s)
		abort();
	for (i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

/* Characters of UTF-8 text: the bytes that are not 10xxxxxx. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

int main(void)
{
	char buf[TEXT_CUT_SIZE];
	char *s, *want, *msg;
	const char *got;

	is_str(text_cut("web", buf), "web", "a short word is whole");
	is_str(text_cut("", buf), "", "an empty word stays empty");
	is_str(text_cut(NULL, buf), "", "NULL is empty");
	is_str(CUT("lab"), "lab", "CUT() gives the same");

	s = repeat("x", 80);
	is_str(CUT(s), s, "80 characters are whole");
	free(s);

	s = repeat("x", 81);
	want = repeat("x", 80);
	got = CUT(s);
	ok(!strncmp(got, want, 80) && !strcmp(got + 80, "\xe2\x80\xa6"),
	   "81 characters: the first 80 and an ellipsis");
	free(s);
	free(want);

	s = repeat("x", 100000);
	got = CUT(s);
	is_int(chars(got), 81, "a 100 KB word: 80 characters and the ellipsis");
	ok(ends_with(got, "\xe2\x80\xa6"), "... ending in the ellipsis");
	free(s);

	/* é is two bytes, 𝄞 four: characters are counted, never split */
	s = repeat("\xc3\xa9", 80);
	is_str(CUT(s), s, "80 two-byte characters are whole");
	free(s);
	s = repeat("\xf0\x9d\x84\x9e", 100);
	got = CUT(s);
	is_int(chars(got), 81, "100 four-byte characters: 80 and the ellipsis");
	is_int(strlen(got), 80 * 4 + 3, "... in %d bytes", 80 * 4 + 3);
	free(s);
	s = repeat("a\xc3\xa9", 60); /* 120 characters, 180 bytes */
	got = CUT(s);
	is_int(chars(got), 81, "mixed widths: 80 characters and the ellipsis");
	free(s);

	is_str(CUT_N("web=1", 3), "web", "CUT_N() takes the first n bytes");
	s = repeat("z", 200);
	got = CUT_N(s, 81);
	ok(!strncmp(got, s, 80) && !strcmp(got + 80, "\xe2\x80\xa6"), "CUT_N() of 81 bytes cuts at 80");
	is_int(strlen(CUT_N(s, 80)), 80, "CUT_N() of 80 bytes is whole");
	free(s);

	/* invalid UTF-8 (continuation bytes without end) stays in bounds */
	s = repeat("\x80", 1000);
	got = CUT(s);
	ok(strlen(got) < TEXT_CUT_SIZE, "a run of continuation bytes stays in the buffer");
	free(s);

	/* the last resort over a whole message */
	msg = strdup("short words stay as they are");
	text_cut_words(msg);
	is_str(msg, "short words stay as they are", "text_cut_words leaves short words");
	free(msg);

	s = repeat("y", 100000);
	if (asprintf(&msg, "unknown thing: %s (see 'help')", s) < 0)
		abort();
	text_cut_words(msg);
	want = repeat("y", 80);
	ok(!strncmp(msg, "unknown thing: ", 15) && !strncmp(msg + 15, want, 80) &&
	   !strcmp(msg + 95, "\xe2\x80\xa6 (see 'help')"),
	   "text_cut_words cuts the long word and keeps the rest: %.40s...", msg);
	free(msg);
	free(want);

	s[TEXT_WORD_MAX] = '\0';
	msg = strdup(s);
	text_cut_words(msg);
	is_str(msg, s, "a word of TEXT_WORD_MAX bytes is whole");
	free(msg);
	free(s);

	s = repeat("\x80", 300);
	msg = strdup(s);
	text_cut_words(msg);
	ok(strlen(msg) <= 300, "a long run of continuation bytes is cut in place");
	free(msg);
	free(s);

	return done_testing();
}
