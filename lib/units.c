/* units.c: sizes, durations and CPU counts as users write them.
 *
 * Sizes follow docker's RAMInBytes (github.com/docker/go-units), so that a
 * --memory value means here what it means to docker: a number with an
 * optional fraction, one optional space, an optional unit letter among
 * b k m g t p, then optionally "i" and/or "b"; case does not matter and the
 * multiples are binary. Unlike docker we compute in integers, so "1.1p" is
 * exact and anything past INT64_MAX is refused instead of wrapping.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include "lib/units.h"

/* Reads "123" or "123.456" at *sp. The integer part goes to *ip (refused
 * past UINT64_MAX); the fraction, scaled by 10^18, to *frac18. Returns
 * -1 when there is no digit at all. */
static int read_decimal(const char **sp, uint64_t *ip, uint64_t *frac18)
{
	const char *s = *sp;
	uint64_t v = 0, f = 0, scale = 100000000000000000ull; /* 10^17 */

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1; /* "1." or "1.g" */
		for (; isdigit((unsigned char)*s); s++) {
			f += (uint64_t)(*s - '0') * scale; /* digits past 10^-18 drop */
			scale /= 10;
		}
	}
	*ip = v;
	*frac18 = f;
	*sp = s;
	return 0;
}

#define E18 1000000000000000000ull

/* int + frac18/10^18, times mult, truncated; -1 past INT64_MAX. */
static int scale_value(uint64_t ip, uint64_t frac18, uint64_t mult, int64_t *out)
{
	unsigned __int128 v = (unsigned __int128)ip * mult;

	v += ((unsigned __int128)frac18 * mult) / E18;
	if (v > (unsigned __int128)INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int parse_size(const char *s, int64_t *bytes)
{
	uint64_t ip, frac, mult = 1;
	int64_t v;

	if (!s || read_decimal(&s, &ip, &frac) < 0)
		return -1;
	if (*s == ' ' && s[1] != '\0')
		s++; /* "10 GiB"; a trailing blank is refused below */
	switch (tolower((unsigned char)*s)) {
	case 'k': mult = 1ull << 10; s++; break;
	case 'm': mult = 1ull << 20; s++; break;
	case 'g': mult = 1ull << 30; s++; break;
	case 't': mult = 1ull << 40; s++; break;
	case 'p': mult = 1ull << 50; s++; break;
	default: break;
	}
	/* "i" only makes sense after a unit letter ("64MiB"); docker's
	 * regular expression lets "5i" through, which helps nobody. */
	if (mult != 1 && tolower((unsigned char)*s) == 'i')
		s++;
	if (tolower((unsigned char)*s) == 'b')
		s++;
	if (*s != '\0')
		return -1;
	if (scale_value(ip, frac, mult, &v) < 0)
		return -1;
	*bytes = v;
	return 0;
}

int parse_duration_ms(const char *s, int64_t *ms)
{
	int64_t total = 0;
	uint64_t ip, frac;

	if (!s || !*s)
		return -1;
	/* A bare number is seconds. */
	{
		const char *p = s;
		if (read_decimal(&p, &ip, &frac) == 0 && *p == '\0') {
			if (scale_value(ip, frac, 1000, &total) < 0 || total > UNITS_DURATION_MAX_MS)
				return -1;
			*ms = total;
			return 0;
		}
	}
	while (*s) {
		uint64_t mult;
		int64_t part;

		if (read_decimal(&s, &ip, &frac) < 0)
			return -1;
		if (s[0] == 'm' && s[1] == 's') {
			mult = 1;
			s += 2;
		} else if (*s == 's') {
			mult = 1000;
			s++;
		} else if (*s == 'm') {
			mult = 60 * 1000;
			s++;
		} else if (*s == 'h') {
			mult = 3600 * 1000;
			s++;
		} else if (*s == 'd') {
			mult = 86400 * 1000;
			s++;
		} else {
			return -1; /* a number without a unit inside "1h30" */
		}
		if (scale_value(ip, frac, mult, &part) < 0 || part > INT64_MAX - total)
			return -1;
		total += part;
	}
	if (total > UNITS_DURATION_MAX_MS)
		return -1;
	*ms = total;
	return 0;
}

int parse_cpus(const char *s, int64_t *nano_cpus)
{
	uint64_t ip, frac;
	int64_t v;

	if (!s || read_decimal(&s, &ip, &frac) < 0 || *s != '\0')
		return -1;
	/* Like docker: a share finer than a nano-CPU is an error, not a
	 * silent rounding ("1.0000000001" would ask for nothing extra). */
	if (frac % 1000000000ull != 0)
		return -1;
	if (scale_value(ip, frac, 1000000000ull, &v) < 0 || v <= 0)
		return -1;
	*nano_cpus = v;
	return 0;
}
