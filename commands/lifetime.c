/* lifetime.c: reading berth's owner and expiry labels back. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/lifetime.h"
#include "commands/output.h"
#include "lib/timefmt.h"

const json_t *container_labels(const json_t *c)
{
	const json_t *l = json_object_get(c, "Labels");

	if (!json_is_object(l))
		l = json_object_get(json_object_get(c, "Config"), "Labels");
	return json_is_object(l) ? l : NULL;
}

const char *container_owner(const json_t *c)
{
	const char *s = json_string_value(json_object_get(container_labels(c), LABEL_OWNER));

	return s && *s ? s : NULL;
}

int64_t container_expires(const json_t *c)
{
	return lifetime_expires_of(json_string_value(json_object_get(container_labels(c),
								    LABEL_EXPIRES)));
}

int64_t lifetime_expires_of(const char *s)
{
	char *end;
	long long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	return (int64_t)v;
}

/* fmt_duration's words, lower-cased to sit inside a sentence. */
static void duration_words(char *buf, size_t len, int64_t seconds)
{
	fmt_duration(buf, len, seconds);
	buf[0] = (char)tolower((unsigned char)buf[0]);
}

char *fmt_expires(char *buf, size_t len, int64_t expires, time_t now)
{
	char d[96];

	if (expires < 0) {
		snprintf(buf, len, "-");
	} else if ((time_t)expires > now) {
		duration_words(d, sizeof(d), (int64_t)((time_t)expires - now));
		snprintf(buf, len, "in %s", d);
	} else {
		fmt_ago_inline(d, sizeof(d), (time_t)expires, now);
		snprintf(buf, len, "expired %s", d);
	}
	return buf;
}

