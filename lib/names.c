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
