/* xalloc.c: allocation that cannot fail; see xalloc.h. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/xalloc.h"

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = xrealloc(NULL, n);

	memcpy(d, s, n);
	return d;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static size_t pow2_at_least(size_t n)
{
	size_t c = 1;

	while (c < n) {
		if (c > SIZE_MAX / 2)
			return n;
		c *= 2;
	}
	return c;
}

void *xgrow(void *p, size_t have, size_t need, size_t size)
{
	size_t cap = have ? pow2_at_least(have) : 0;

	if (p && need <= cap)
		return p;
	need = pow2_at_least(need);
	if (size && need > SIZE_MAX / size)
		abort();
	return xrealloc(p, need * size);
}
