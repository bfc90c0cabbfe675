/* fmt.c: human figures, as docker prints them. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "lib/fmt.h"

/* "%.3g" of size in base-`base` units, as docker's
 * HumanSizeWithPrecision(size, 3) and BytesSize() print them, except that
 * 999.7kB rounds to "1MB" rather than docker's "1e+03kB". */
static char *fmt_units(char *buf, size_t len, int64_t bytes, double base, int prec,
		       const char *const *abbrs, size_t nabbrs)
{
	double v = fabs((double)bytes);
	size_t i = 0;
	char num[64];

	while (v >= base && i + 1 < nabbrs) {
		v /= base;
		i++;
	}
	snprintf(num, sizeof(num), "%.*g", prec, v);
	if (strchr(num, 'e') && i + 1 < nabbrs) {
		v /= base;
		i++;
		snprintf(num, sizeof(num), "%.*g", prec, v);
	}
	snprintf(buf, len, "%s%s%s", bytes < 0 ? "-" : "", num, abbrs[i]);
	return buf;
}

char *fmt_size(char *buf, size_t len, int64_t bytes)
{
	static const char *const abbrs[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };

	return fmt_units(buf, len, bytes, 1000.0, 3, abbrs, sizeof(abbrs) / sizeof(abbrs[0]));
}

char *fmt_size_binary(char *buf, size_t len, int64_t bytes)
{
	static const char *const abbrs[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

	return fmt_units(buf, len, bytes, 1024.0, 4, abbrs, sizeof(abbrs) / sizeof(abbrs[0]));
}

/* docker's units.HumanDuration: floor for seconds and minutes, hours
 * rounded to the nearest, then days, weeks, months and years. */
char *fmt_duration(char *buf, size_t len, int64_t seconds)
{
	int64_t minutes, hours;

	if (seconds < 1) {
		snprintf(buf, len, "Less than a second");
	} else if (seconds == 1) {
		snprintf(buf, len, "1 second");
	} else if (seconds < 60) {
		snprintf(buf, len, "%" PRId64 " seconds", seconds);
	} else if ((minutes = seconds / 60) == 1) {
		snprintf(buf, len, "About a minute");
	} else if (minutes < 60) {
		snprintf(buf, len, "%" PRId64 " minutes", minutes);
	} else if ((hours = (seconds + 1800) / 3600) == 1) {
		snprintf(buf, len, "About an hour");
	} else if (hours < 48) {
		snprintf(buf, len, "%" PRId64 " hours", hours);
	} else if (hours < 24 * 7 * 2) {
		snprintf(buf, len, "%" PRId64 " days", hours / 24);
	} else if (hours < 24 * 30 * 2) {
		snprintf(buf, len, "%" PRId64 " weeks", hours / 24 / 7);
	} else if (hours < 24 * 365 * 2) {
		snprintf(buf, len, "%" PRId64 " months", hours / 24 / 30);
	} else {
		snprintf(buf, len, "%" PRId64 " years", seconds / 3600 / 24 / 365);
	}
	return buf;
}

char *fmt_ago(char *buf, size_t len, time_t then, time_t now)
{
	char d[64];

	/* A creation time ahead of our clock (skew between hosts) reads as
	 * just now rather than as a negative age. */
	fmt_duration(d, sizeof(d), then < now ? (int64_t)(now - then) : 0);
	snprintf(buf, len, "%s ago", d);
	return buf;
}

char *fmt_short_id(char *buf, size_t len, const char *id)
{
	const char *colon;
	size_t n;

	if (!id)
		id = "";
	colon = strchr(id, ':');
	if (colon)
		id = colon + 1;
	n = strlen(id);
	if (n > 12)
		n = 12;
	if (len == 0)
		return buf;
	if (n >= len)
		n = len - 1;
	memcpy(buf, id, n);
	buf[n] = '\0';
	return buf;
}

