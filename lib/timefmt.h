/* timefmt.h: times as engines write them and as people read them. */
#ifndef BERTH_TIMEFMT_H
#define BERTH_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * RFC 3339 as the engine and the store write it: "2024-05-01T10:20:30Z",
 * "2024-05-01T10:20:30.123456789Z", "2024-05-01T12:20:30+02:00" (a
 * missing zone is taken as UTC). *t gets the seconds since the epoch (the
 * fraction dropped). -1, *t untouched, when s is NULL or malformed, or
 * the time is before 1970: the engine's "never" is 0001-01-01T00:00:00Z.
 */
int parse_rfc3339(const char *s, time_t *t);

/* lib/fmt.h's fmt_ago in lower case, to sit inside a sentence: "showing
 * cached rows from less than a second ago", "expired 3 minutes ago". */
char *fmt_ago_inline(char *buf, size_t len, time_t then, time_t now);

#endif
