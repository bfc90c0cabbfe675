/* strbuf.h: a string built a piece at a time (after git's strbuf).
 *
 *	struct strbuf sb = STRBUF_INIT;
 *	strbuf_addf(&sb, "/containers/%s", id);
 *	path = strbuf_detach(&sb);      (the caller's now)
 *
 * sb.buf is always a NUL-terminated string, "" before anything is added
 * (a shared empty string: never free() it, call strbuf_release). Growing
 * cannot fail: out of memory aborts, as xalloc.h's functions do.
 */
#ifndef BERTH_STRBUF_H
#define BERTH_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;    /* owned once alloc > 0; NUL-terminated at len */
	size_t len;   /* bytes in buf, not counting the NUL */
	size_t alloc; /* bytes allocated; 0: buf is the shared "" */
};

extern char strbuf_empty[];
#define STRBUF_INIT { strbuf_empty, 0, 0 }

void strbuf_init(struct strbuf *sb);
/* Frees the buffer; sb is empty (and reusable) afterwards. */
void strbuf_release(struct strbuf *sb);
/* The string, now the caller's (never NULL; "" when nothing was added);
 * sb is empty afterwards. */
char *strbuf_detach(struct strbuf *sb);
/* Back to "" without freeing. */
void strbuf_reset(struct strbuf *sb);
/* Room for extra more bytes (and the NUL). */
void strbuf_grow(struct strbuf *sb, size_t extra);

void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/*
 * A list kept in a plain string: *s (NULL, or the caller's from malloc)
 * gets sep and the formatted piece appended, sep only when *s already
 * holds something; "a is drained" then "a is drained, b is removed".
 */
void xstrjoinf(char **s, const char *sep, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
