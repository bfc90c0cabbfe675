/* text.c: the user's words in messages, cut to a bounded length. */
#include <string.h>
#include "lib/text.h"

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, in UTF-8 */

/* The bytes of s[0..len) that hold its first max_chars characters, at most
 * max_bytes of them; never part of a character (a lead byte and the
 * 10xxxxxx bytes after it). */
static size_t prefix_bytes(const char *s, size_t len, size_t max_chars, size_t max_bytes)
{
	size_t i = 0, chars = 0;

	while (i < len && chars < max_chars) {
		size_t j = i + 1;

		while (j < len && ((unsigned char)s[j] & 0xc0) == 0x80)
			j++;
		if (j > max_bytes)
			break;
		chars++;
		i = j;
	}
	return i;
}

const char *text_cut_n(const char *s, size_t n, char *buf)
{
	const size_t max_bytes = TEXT_CUT_CHARS * 4;
	size_t len = n < max_bytes + 1 ? n : max_bytes + 1, keep;

	keep = prefix_bytes(s, len, TEXT_CUT_CHARS, max_bytes);
	memcpy(buf, s, keep);
	if (keep == n)
		buf[keep] = '\0';
	else
		memcpy(buf + keep, ELLIPSIS, sizeof(ELLIPSIS));
	return buf;
}

const char *text_cut(const char *s, char *buf)
{
	if (!s)
		s = "";
	/* no need to measure a 100 KB word to its end */
	return text_cut_n(s, strnlen(s, TEXT_CUT_CHARS * 4 + 1), buf);
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void text_cut_words(char *msg)
{
	char *in = msg, *out = msg;

	if (!msg)
		return;
	while (*in) {
		size_t len = 0, keep;

		while (in[len] && !blank(in[len]))
			len++;
		if (len > TEXT_WORD_MAX) {
			/* room for the ellipsis in what is dropped: the copy
			 * never overtakes what is still to be read */
			keep = prefix_bytes(in, len, TEXT_CUT_CHARS, len - (sizeof(ELLIPSIS) - 1));
			memmove(out, in, keep);
			out += keep;
			memcpy(out, ELLIPSIS, sizeof(ELLIPSIS) - 1);
			out += sizeof(ELLIPSIS) - 1;
		} else {
			memmove(out, in, len);
			out += len;
		}
		in += len;
		while (*in && blank(*in))
			*out++ = *in++;
	}
	*out = '\0';
}
