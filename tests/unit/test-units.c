/* test-units.c: sizes, durations and CPU counts as users write them. */
#include <stdint.h>
#include "tests/unit/tap.h"
#include "lib/units.h"

static void size_ok(const char *s, int64_t want)
{
	int64_t got = -42;
	int r = parse_size(s, &got);

	ok(r == 0, "size '%s' accepted", s);
	if (r == 0)
		is_int(got, want, "size '%s' = %lld", s, (long long)want);
}

static void size_bad(const char *s)
{
	int64_t got = -42;

	ok(parse_size(s, &got) < 0 && got == -42, "size '%s' refused, result untouched", s);
}

static void dur_ok(const char *s, int64_t want)
{
	int64_t got = -42;
	int r = parse_duration_ms(s, &got);

	ok(r == 0, "duration '%s' accepted", s);
	if (r == 0)
		is_int(got, want, "duration '%s' = %lldms", s, (long long)want);
}

static void dur_bad(const char *s)
{
	int64_t got;

	ok(parse_duration_ms(s, &got) < 0, "duration '%s' refused", s);
}

static void cpus_ok(const char *s, int64_t want)
{
	int64_t got = -42;
	int r = parse_cpus(s, &got);

	ok(r == 0, "cpus '%s' accepted", s);
	if (r == 0)
		is_int(got, want, "cpus '%s' = %lld nano-CPUs", s, (long long)want);
}

static void cpus_bad(const char *s)
{
	int64_t got;

	ok(parse_cpus(s, &got) < 0, "cpus '%s' refused", s);
}

int main(void)
{
	const int64_t K = 1024, M = K * K, G = M * K, T = G * K, P = T * K;

	/* plain bytes */
	size_ok("0", 0);
	size_ok("1", 1);
	size_ok("100", 100);
	size_ok("100b", 100);
	size_ok("100B", 100);
	/* every unit, both cases, with b / ib / B / iB suffixes */
	size_ok("1k", K);
	size_ok("1K", K);
	size_ok("1kb", K);
	size_ok("1KB", K);
	size_ok("1kib", K);
	size_ok("1KiB", K);
	size_ok("512k", 512 * K);
	size_ok("256m", 256 * M);
	size_ok("256M", 256 * M);
	size_ok("64MiB", 64 * M);
	size_ok("64mb", 64 * M);
	size_ok("1g", G);
	size_ok("2GB", 2 * G);
	size_ok("2gib", 2 * G);
	size_ok("1t", T);
	size_ok("3TiB", 3 * T);
	size_ok("1p", P);
	size_ok("1PB", P);
	/* decimals, truncated to whole bytes like docker's int64(float) */
	size_ok("1.5g", G + G / 2);
	size_ok("0.5k", 512);
	size_ok("0.25m", 256 * K);
	size_ok("1.5", 1);
	size_ok("0.0001k", 0);
	size_ok("1.000000000000000000001k", K);
	/* one space between number and unit, as docker allows */
	size_ok("1 m", M);
	size_ok("10 GiB", 10 * G);
	/* leading zeros are still decimal */
	size_ok("010m", 10 * M);
	/* the edges of int64 */
	size_ok("9223372036854775807", INT64_MAX);
	size_ok("8191p", 8191 * P);
	size_ok("8191.99999p", 8191 * P + (int64_t)(0.99999 * (double)P));

	/* refused */
	size_bad("");
	size_bad(NULL);
	size_bad("-1");
	size_bad("-1m");
	size_bad("+1m");
	size_bad("12q");
	size_bad("m");
	size_bad("kb");
	size_bad("1.");
	size_bad(".5m");
	size_bad("1..5m");
	size_bad("1.2.3");
	size_bad("1 ");
	size_bad(" 1");
	size_bad("1  m");
	size_bad("1mm");
	size_bad("1mbb");
	size_bad("1bi");
	size_bad("1ib");  /* "i" only after a unit letter */
	size_bad("1e3");
	size_bad("0x10");
	size_bad("1,5m");
	size_bad("1m ");
	size_bad("1\tm");
	size_bad("9223372036854775808");   /* INT64_MAX + 1 */
	size_bad("18446744073709551616");  /* past UINT64_MAX */
	size_bad("99999999999999999999999");
	size_bad("8192p");                 /* 2^63 */
	size_bad("9007199254740992k");     /* 2^53 * 2^10 = 2^63 */
	size_bad("16777216t");             /* 2^24 * 2^40 = 2^64 wraps to 0 without care */

	/* durations */
	dur_ok("5", 5000);
	dur_ok("0", 0);
	dur_ok("0.5", 500);
	dur_ok("90s", 90000);
	dur_ok("10m", 600000);
	dur_ok("2h", 7200000);
	dur_ok("1d", 86400000);
	dur_ok("500ms", 500);
	dur_ok("1h30m", 5400000);
	dur_ok("1m30s", 90000);
	dur_ok("1.5s", 1500);
	dur_ok("1s500ms", 1500);
	dur_bad("");
	dur_bad(NULL);
	dur_bad("x");
	dur_bad("5x");
	dur_bad("s");
	dur_bad("-5s");
	dur_bad("5 s");
	dur_bad("1h30");
	dur_bad("5S");
	dur_bad("1.s");
	dur_bad("99999999999999999999d");
	dur_bad("9999999999999999d");
	/* longer than 100 years: a caller adding it to now would overflow */
	dur_ok("36500d", UNITS_DURATION_MAX_MS);
	dur_bad("36501d");
	dur_bad("9223372036854775807ms");
	dur_bad("9223372036854775807");
	dur_bad("36500d1ms");

	/* CPUs */
	cpus_ok("1", 1000000000);
	cpus_ok("1.5", 1500000000);
	cpus_ok("0.5", 500000000);
	cpus_ok("0.001", 1000000);
	cpus_ok("0.000000001", 1);
	cpus_ok("64", 64000000000LL);
	cpus_ok("2.000000000", 2000000000);
	cpus_bad("0");
	cpus_bad("0.0");
	cpus_bad("0.0000000001");
	cpus_bad("1.0000000001");
	cpus_bad("-1");
	cpus_bad("");
	cpus_bad(NULL);
	cpus_bad("abc");
	cpus_bad("1e9");
	cpus_bad("1.5.1");
	cpus_bad("1 ");
	cpus_bad("99999999999");  /* past INT64_MAX in nano-CPUs */

	return done_testing();
}
