/* names.c: what a host's name may be; see names.h. */
#include "config.h"

#include <string.h>
#include "lib/names.h"

int valid_host_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

int host_is_adhoc(const char *name)
{
	return strstr(name, "://") != NULL;
}

int berr_unknown_host(struct berr *err, const char *name, const char *known,
		      const struct berr *why)
{
	if (why && why->msg[0])
		return berr_set(err, why->kind != BERR_NONE ? why->kind : BERR_LOCAL,
				"unknown host: %s (known: %s; registered hosts are unavailable: %s)",
				name, known, why->msg);
	return berr_set(err, BERR_NOT_FOUND, "unknown host: %s (known: %s)", name, known);
}
