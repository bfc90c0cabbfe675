/* text.h: the user's words in messages, cut to a bounded length.
 *
 * A message quotes what the user typed ("unknown host: x", "invalid size
 * 'x' for --memory"); a word of 100 KB must not come back as a 100 KB
 * line. Every such word goes through CUT():
 *
 *	return usage_error(sh, "invalid size '%s' for --memory: ...", CUT(v));
 */
#ifndef BERTH_TEXT_H
#define BERTH_TEXT_H

#include <stddef.h>

/* How many characters of a word a message quotes. */
#define TEXT_CUT_CHARS 80
/* Room for TEXT_CUT_CHARS characters of UTF-8, the "…" and the NUL. */
#define TEXT_CUT_SIZE (TEXT_CUT_CHARS * 4 + sizeof("\xe2\x80\xa6"))

/* s as a message quotes it, written into buf (TEXT_CUT_SIZE bytes): whole
 * when it has at most TEXT_CUT_CHARS characters, else its first
 * TEXT_CUT_CHARS and "…". A UTF-8 sequence is never split. NULL gives "".
 * Returns buf. */
const char *text_cut(const char *s, char *buf);

/* The same for the first n bytes of s (a word inside a longer string). */
const char *text_cut_n(const char *s, size_t n, char *buf);

/* text_cut() into a buffer of its own that lives until the end of the
 * enclosing block: fine inside one call's arguments. */
#define CUT(s) text_cut((s), (char[TEXT_CUT_SIZE]){ 0 })
#define CUT_N(s, n) text_cut_n((s), (n), (char[TEXT_CUT_SIZE]){ 0 })

/* The last resort for a message built elsewhere: every run of non-blank
 * bytes longer than TEXT_WORD_MAX in msg (NUL-terminated, changed in
 * place) is cut as text_cut() cuts. */
#define TEXT_WORD_MAX 256
void text_cut_words(char *msg);

#endif
