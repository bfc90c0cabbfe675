/* test-lib.c: what lib/ gives everything above it: allocation, string
 * building, times, host names, JSON members, the file source. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/unit/tap.h"
#include "lib/berr.h"
#include "lib/fdsource.h"
#include "lib/jsonval.h"
#include "lib/names.h"
#include "lib/strbuf.h"
#include "lib/timefmt.h"
#include "lib/tty.h"
#include "lib/xalloc.h"

static void test_xalloc(void)
{
	char *s = xasprintf("%s-%zu", "web", (size_t)3);
	char *e = xasprintf("%s", "");
	int *z = xcalloc(4, sizeof(int));

	is_str(s, "web-3", "xasprintf formats");
	is_str(e, "", "xasprintf of an empty string is an empty string, not NULL");
	ok(z[0] == 0 && z[3] == 0, "xcalloc zeroes");
	free(s);
	free(e);
	free(z);
}

static void test_strbuf(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *s, big[1000];
	char *list = NULL;

	is_str(sb.buf, "", "an empty strbuf is \"\"");
	s = strbuf_detach(&sb);
	is_str(s, "", "detaching an empty strbuf gives an allocated \"\"");
	free(s);
	strbuf_addstr(&sb, "/containers/");
	strbuf_addf(&sb, "%s/%d", "web", 42);
	strbuf_addch(&sb, '?');
	strbuf_add(&sb, "all=1xyz", 5);
	is_str(sb.buf, "/containers/web/42?all=1", "add, addstr, addf, addch append");
	is_int(sb.len, strlen("/containers/web/42?all=1"), "len follows");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addf(&sb, "[%s]", big);
	is_int(sb.len, strlen("/containers/web/42?all=1") + 1001, "addf grows past the first allocation");
	ok(sb.buf[sb.len - 1] == ']' && sb.buf[sb.len] == '\0', "and stays terminated");
	strbuf_reset(&sb);
	is_str(sb.buf, "", "reset empties");
	strbuf_addf(&sb, "%d", 7);
	s = strbuf_detach(&sb);
	is_str(s, "7", "detach hands the string over");
	is_str(sb.buf, "", "leaving the strbuf empty");
	free(s);
	strbuf_addstr(&sb, "x");
	strbuf_release(&sb);
	is_str(sb.buf, "", "release leaves it empty and reusable");
	strbuf_release(&sb);

	xstrjoinf(&list, ", ", "%s is %s", "lab", "drained");
	is_str(list, "lab is drained", "xstrjoinf: the first piece has no separator");
	xstrjoinf(&list, ", ", "%s is %s (%s)", "web1", "inactive", "disk full");
	is_str(list, "lab is drained, web1 is inactive (disk full)", "later ones are joined by sep");
	free(list);
}

static void time_ok(const char *s, time_t want)
{
	time_t t = 1;

	ok(parse_rfc3339(s, &t) == 0 && t == want, "'%s' is %lld", s, (long long)want);
}

static void time_bad(const char *s)
{
	time_t t = 12345;

	ok(parse_rfc3339(s, &t) < 0 && t == 12345, "'%s' refused, result untouched", s ? s : "(null)");
}

static void test_time(void)
{
	char buf[64];

	time_ok("2024-05-01T10:20:30Z", 1714558830);
	time_ok("2024-05-01T10:20:30.123456789Z", 1714558830);
	time_ok("2024-05-01T10:20:30.5z", 1714558830);
	time_ok("2024-05-01T12:20:30+02:00", 1714558830);
	time_ok("2024-05-01T05:50:30.000-04:30", 1714558830);
	time_ok("2024-05-01 10:20:30Z", 1714558830);
	time_ok("2024-05-01T10:20:30", 1714558830);
	time_ok("1970-01-01T00:00:00Z", 0);
	time_ok("2024-02-29T00:00:00Z", 1709164800);
	time_bad(NULL);
	time_bad("");
	time_bad("0001-01-01T00:00:00Z");
	time_bad("1970-01-01T00:00:00+01:00");
	time_bad("2024-05-01");
	time_bad("2024-05-01T10:20Z");
	time_bad("2024-13-01T10:20:30Z");
	time_bad("2023-02-29T10:20:30Z");
	time_bad("2024-05-01T24:00:00Z");
	time_bad("2024-05-01T10:20:30.Z");
	time_bad("2024-05-01T10:20:30+0200");
	time_bad("2024-05-01T10:20:30Z trailing");
	time_bad("yesterday");

	/* fmt_duration and fmt_ago: tests/unit/test-output.c */
	is_str(fmt_ago_inline(buf, sizeof(buf), 1000, 1000), "less than a second ago",
	       "inline: lower case");
	is_str(fmt_ago_inline(buf, sizeof(buf), 1000, 1000 + 7200), "2 hours ago",
	       "inline: digits unchanged");
	is_str(fmt_ago_inline(buf, sizeof(buf), 1300, 1000), "less than a second ago",
	       "inline: a time ahead of the clock is just now");
}

static void test_names(void)
{
	ok(valid_host_name("lab"), "lab is a host name");
	ok(valid_host_name("web-1.eu_west"), "letters, digits, - _ . are allowed");
	ok(!valid_host_name(""), "empty is not");
	ok(!valid_host_name(NULL), "NULL is not");
	ok(!valid_host_name("a b"), "a space is not allowed");
	ok(valid_dns_name("web-1.berth.internal"), "web-1.berth.internal is a DNS name");
	ok(!valid_dns_name("a_b.example"), "an underscore is not in a DNS name");
	ok(!valid_dns_name(".x") && !valid_dns_name("-x"), "nor a leading dot or dash");
	ok(!valid_dns_name("x:2376") && !valid_dns_name("") && !valid_dns_name(NULL),
	   "nor a port, nothing or NULL");
	ok(!valid_host_name("tcp://x:2375"), "a URL is not a name");
	ok(!valid_host_name("caf\xc3\xa9"), "non-ASCII is not allowed");
	ok(host_is_adhoc("tcp://10.0.0.5:2375"), "a URL names an ad-hoc host");
	ok(host_is_adhoc("unix:///run/docker.sock"), "a unix URL too");
	ok(!host_is_adhoc("lab"), "a name does not");

}

static void test_json(void)
{
	json_t *o = json_pack("{s:s, s:i, s:i, s:n}", "Name", "web", "Size", 42, "Num", 7, "Null");
	char *s;

	is_str(jstr(o, "Name"), "web", "jstr reads a string member");
	is_str(jstr(o, "Size"), "", "jstr of a number is \"\"");
	is_str(jstr(o, "Missing"), "", "jstr of an absent member is \"\"");
	is_str(jstr(NULL, "Name"), "", "jstr of no object is \"\"");
	is_int(jint(o, "Size"), 42, "jint reads an integer member");
	is_int(jint(o, "Name"), 0, "jint of a string is 0");
	is_int(jint(o, "Null"), 0, "jint of null is 0");
	json_decref(o);

	o = json_pack("[s, i, s]", "A=1", 5, "B=2");
	s = json_join(o, "\n");
	is_str(s, "A=1\n\nB=2", "json_join joins with sep, a non-string as \"\"");
	free(s);
	json_decref(o);
	s = json_join(NULL, " ");
	is_str(s, "", "json_join of no array is \"\"");
	free(s);
}

static void test_fdsource(void)
{
	char tmpl[] = "/tmp/berth-test-lib-XXXXXX", buf[4];
	struct fd_source src = FD_SOURCE_INIT(-1), bad = FD_SOURCE_INIT(-1);
	int fd = mkstemp(tmpl);
	size_t n, total = 0;

	ok(fd >= 0 && write(fd, "hello", 5) == 5 && lseek(fd, 0, SEEK_SET) == 0, "a file to read");
	src.fd = fd;
	while ((n = fd_source_read(&src, buf, sizeof(buf))) > 0 && n != (size_t)-1)
		total += n;
	is_int(n, 0, "fd_source_read ends with 0");
	is_int(total, 5, "after the whole file, a buffer at a time");
	is_int(src.err, 0, "no error");
	close(fd);
	unlink(tmpl);
	bad.fd = open("/", O_RDONLY | O_DIRECTORY);
	ok(fd_source_read(&bad, buf, sizeof(buf)) == (size_t)-1 && bad.err == EISDIR,
	   "a directory fails with its errno kept");
	close(bad.fd);
}

/* --detach-keys as docker's term.ToBytes reads them. */
static void test_detach_keys(void)
{
	unsigned char k[8];
	const char *bad = NULL;
	size_t badlen = 0;

	is_int(tty_detach_keys("ctrl-p,ctrl-q", k, sizeof(k), &bad, &badlen), 2,
	       "ctrl-p,ctrl-q: two keys");
	ok(k[0] == 16 && k[1] == 17, "ctrl-p is 16, ctrl-q 17");
	is_int(tty_detach_keys("a,ctrl-@,ctrl-[,ctrl-\\,ctrl-_,DEL", k, sizeof(k), &bad, &badlen), 6,
	       "a character, ctrl-@, ctrl-[, ctrl-\\, ctrl-_ and DEL");
	ok(k[0] == 'a' && k[1] == 0 && k[2] == 27 && k[3] == 28 && k[4] == 31 && k[5] == 127,
	   "... as 'a', 0, 27, 28, 31, 127");
	is_int(tty_detach_keys("ctrl-p,ctrl-P", k, sizeof(k), &bad, &badlen), -1,
	       "ctrl-P (upper case) is no key, as in docker");
	ok(badlen == 6 && !strncmp(bad, "ctrl-P", 6), "... and is the one named");
	is_int(tty_detach_keys("ctrl-p,", k, sizeof(k), &bad, &badlen), -1, "an empty key is none");
	is_int(tty_detach_keys("ab", k, sizeof(k), &bad, &badlen), -1, "two characters are no key");
	is_int(tty_detach_keys("a,a,a", k, 2, &bad, &badlen), -1, "more keys than room: refused");
}

int main(void)
{
	test_detach_keys();
	test_xalloc();
	test_strbuf();
	test_time();
	test_names();
	test_json();
	test_fdsource();
	return done_testing();
}
