/* names.c: what a host's name may be; see names.h. */
#include "config.h"

#include <string.h>
#include "lib/names.h"

/* s non-empty and of letters, digits and the characters of extra only. */
static int made_of(const char *s, const char *extra)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || (*s && strchr(extra, *s))))
			return 0;
	return 1;
}

int valid_host_name(const char *s)
{
	return made_of(s, "-_.");
}

int valid_dns_name(const char *s)
{
	return made_of(s, "-.") && *s != '-' && *s != '.' && strlen(s) <= 253;
}

int host_is_adhoc(const char *name)
{
	return strstr(name, "://") != NULL;
}
