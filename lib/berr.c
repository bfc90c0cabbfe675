/* berr.c: filling struct berr. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include "lib/berr.h"

volatile sig_atomic_t berth_interrupted;

int berr_set(struct berr *err, enum berr_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void berr_clear(struct berr *err)
{
	if (!err)
		return;
	err->kind = BERR_NONE;
	err->http_status = 0;
	err->msg[0] = '\0';
}
