/* xalloc.h: allocation that cannot fail.
 *
 * The shell has no sensible way to go on without memory for a word or a
 * table row, so, as git's xmalloc does, these abort instead of returning
 * NULL: callers never carry an out-of-memory path that cannot be tested.
 * Returned memory belongs to the caller.
 */
#ifndef BERTH_XALLOC_H
#define BERTH_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xrealloc(void *p, size_t n);
/* n zeroed elements of size bytes (at least one byte is allocated). */
void *xcalloc(size_t n, size_t size);
/* An array p of `have` elements of size bytes, room made for `need`: it
 * grows to powers of two, so n appends one at a time cost O(n) copies and
 * the capacity needs no field (it is implied by have). Only for arrays
 * grown through it alone, starting from NULL with have 0. */
void *xgrow(void *p, size_t have, size_t need, size_t size);
char *xstrdup(const char *s);
/* printf into a new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
