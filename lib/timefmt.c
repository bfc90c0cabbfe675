/* timefmt.c: times as engines write them and as people read them. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "lib/fmt.h"
#include "lib/timefmt.h"

/* n digits at *sp as a number; -1 when one is not a digit. */
static int digits(const char **sp, int n)
{
	int v = 0;

	for (; n > 0; n--, (*sp)++) {
		if (!isdigit((unsigned char)**sp))
			return -1;
		v = v * 10 + (**sp - '0');
	}
	return v;
}

int parse_rfc3339(const char *s, time_t *t)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	int y, mo, d, h, mi, sec, off = 0;
	time_t v;

	if (!s)
		return -1;
	if ((y = digits(&s, 4)) < 0 || *s++ != '-' || (mo = digits(&s, 2)) < 0 || *s++ != '-' ||
	    (d = digits(&s, 2)) < 0 || (*s != 'T' && *s != 't' && *s != ' '))
		return -1;
	s++;
	if ((h = digits(&s, 2)) < 0 || *s++ != ':' || (mi = digits(&s, 2)) < 0 || *s++ != ':' ||
	    (sec = digits(&s, 2)) < 0)
		return -1;
	if (*s == '.') {
		if (!isdigit((unsigned char)*++s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1, oh, om;

		if ((oh = digits(&s, 2)) < 0 || *s++ != ':' || (om = digits(&s, 2)) < 0 ||
		    oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    sec > 60 || y < 1970)
		return -1;
	if (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	v = timegm(&tm) - off;
	if (v < 0)
		return -1;
	*t = v;
	return 0;
}

char *fmt_ago_inline(char *buf, size_t len, time_t then, time_t now)
{
	fmt_ago(buf, len, then, now);
	if (len)
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}
