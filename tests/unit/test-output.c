/* test-output.c: tables by display width, JSON documents, human figures. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "tests/unit/tap.h"
#include "shell/shell.h"
#include "commands/output.h"

/* Runs fn with stdout sent to a temporary file; returns what it wrote
 * (caller frees) and fn's result in *rc. TAP itself goes to the real
 * stdout, so the capture must not leak into it. */
static char *capture(int (*fn)(struct shell *, void *), struct shell *sh, void *ud, int *rc)
{
	char path[] = "/tmp/berth-test-output-XXXXXX";
	int fd = mkstemp(path), saved;
	char *buf = NULL;
	long len;
	FILE *f;

	if (fd < 0)
		return NULL;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	*rc = fn(sh, ud);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	clearerr(stdout);

	f = fdopen(fd, "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	unlink(path);
	return buf;
}

static int do_table(struct shell *sh, void *t)
{
	return table_print(sh, t);
}

static int do_kv(struct shell *sh, void *t)
{
	return kv_print(sh, t);
}

static int do_json(struct shell *sh, void *doc)
{
	return output_json(sh, doc);
}

static void test_tables(void)
{
	struct shell sh;
	struct table t;
	char *out;
	int rc;

	memset(&sh, 0, sizeof(sh));

	table_init(&t, "NAME", "URL", "TLS", NULL);
	is_int(t.ncols, 3, "table_init counts headers");
	table_add_row(&t, "local", "unix:///var/run/docker.sock", "no");
	table_add_row(&t, "lab", "tcp://10.0.0.5:2376", "yes");
	out = capture(do_table, &sh, &t, &rc);
	is_int(rc, 0, "table_print succeeds");
	is_str(out,
	       "NAME   URL                          TLS\n"
	       "local  unix:///var/run/docker.sock  no\n"
	       "lab    tcp://10.0.0.5:2376          yes\n",
	       "ASCII columns padded to the widest cell, two spaces apart");
	free(out);
	table_release(&t);
	ok(t.cells == NULL && t.text == NULL && t.headers == NULL && t.nrows == 0, "table_release empties the table");

	/* Wide and combining characters: width, not bytes or code points. */
	table_init(&t, "NAME", "IMAGE", "X", NULL);
	table_add_row(&t, "日本語", "a", "1");           /* 3 chars, 9 bytes, 6 columns */
	table_add_row(&t, "e\xCC\x81t\xC3\xA9", "b", "2"); /* "e"+U+0301, "t", "é": 3 columns */
	table_add_row(&t, "\xF0\x9F\x90\xB3x", "c", "3"); /* whale emoji (2) + x: 3 columns */
	table_add_row(&t, "plain", NULL, "4");            /* NULL prints as "" */
	out = capture(do_table, &sh, &t, &rc);
	is_str(out,
	       "NAME    IMAGE  X\n"
	       "日本語  a      1\n"
	       "e\xCC\x81t\xC3\xA9     b      2\n"
	       "\xF0\x9F\x90\xB3x     c      3\n"
	       "plain          4\n",
	       "UTF-8 cells aligned by display width");
	free(out);
	table_release(&t);

	/* Control characters would break a row in two; trailing blanks go. */
	{
		const char *cells[] = { "a\nb\tc", "" };
		table_init(&t, "CMD", "LAST", NULL);
		table_add_rowv(&t, cells);
		out = capture(do_table, &sh, &t, &rc);
		is_str(out, "CMD    LAST\na?b?c\n",
		       "control characters shown as '?', an empty last column leaves no trailing blanks");
		free(out);
		table_release(&t);
	}

	/* Empty listing: headers only. */
	table_init(&t, "CONTAINER ID", "IMAGE", NULL);
	out = capture(do_table, &sh, &t, &rc);
	is_str(out, "CONTAINER ID  IMAGE\n", "an empty table prints its headers only");
	free(out);

	/* Many rows: the row array grows. */
	{
		int i;
		char name[16];
		for (i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "c%d", i);
			table_add_row(&t, name, "busybox");
		}
		is_int(t.nrows, 100, "100 rows added");
		is_str(table_cell(&t, 99, 0), "c99", "rows are copied");
	}
	/* A closed stdout: nothing written, -1. */
	sh.out_closed = 1;
	out = capture(do_table, &sh, &t, &rc);
	is_int(rc, -1, "table_print returns -1 once stdout is closed");
	is_str(out, "", "and writes nothing");
	free(out);
	sh.out_closed = 0;
	table_release(&t);

	/* key/value blocks for inspect */
	table_init(&t, "KEY", "VALUE", NULL);
	table_add_row(&t, "ID", "abc");
	table_add_row(&t, "Env", "A=1\nB=2");
	table_add_row(&t, "Labels", "");
	table_add_row(&t, "Größe", "x");
	out = capture(do_kv, &sh, &t, &rc);
	is_str(out,
	       "ID:      abc\n"
	       "Env:     A=1\n"
	       "         B=2\n"
	       "Labels:\n"
	       "Größe:   x\n",
	       "kv_print pads keys by width and indents continuation lines");
	free(out);
	table_release(&t);
}

/* Writing into a pipe nobody reads: the write fails with EPIPE, which is
 * not an error to report, only a reason to stop. */
static void test_closed_pipe(void)
{
	struct shell sh;
	struct table t;
	int p[2], saved, rc, i;

	memset(&sh, 0, sizeof(sh));
	signal(SIGPIPE, SIG_IGN);
	table_init(&t, "A", "B", NULL);
	for (i = 0; i < 20000; i++)
		table_add_row(&t, "some text to fill the pipe", "more");
	if (pipe(p) < 0) {
		ok(0, "pipe");
		return;
	}
	close(p[0]);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(p[1], STDOUT_FILENO);
	close(p[1]);
	rc = table_print(&sh, &t);
	if (rc == 0)
		rc = fflush(stdout) == EOF ? -1 : 0;
	dup2(saved, STDOUT_FILENO);
	close(saved);
	clearerr(stdout);
	is_int(rc, -1, "table_print into a closed pipe fails");
	ok(sh.out_closed, "and marks stdout closed");
	table_release(&t);
}

static void test_json(void)
{
	struct shell sh;
	json_t *doc, *back;
	json_error_t jerr;
	char *out;
	int rc;

	memset(&sh, 0, sizeof(sh));
	doc = json_pack("{s:s, s:[i,i], s:{s:b}, s:s}", "Id", "abc", "Ports", 80, 443,
			"State", "Running", 1, "Name", "caf\xC3\xA9 \"q\"");
	out = capture(do_json, &sh, doc, &rc);
	is_int(rc, 0, "output_json succeeds");
	is_str(out, "{\"Id\":\"abc\",\"Ports\":[80,443],\"State\":{\"Running\":true},"
		    "\"Name\":\"caf\xC3\xA9 \\\"q\\\"\"}\n",
	       "compact, in insertion order, one line, when stdout is not a terminal");
	back = out ? json_loads(out, 0, &jerr) : NULL;
	ok(back && json_equal(back, doc), "compact output is valid JSON and round-trips");
	json_decref(back);
	free(out);

	sh.out_tty = 1;
	out = capture(do_json, &sh, doc, &rc);
	ok(out && strstr(out, "{\n  \"Id\": \"abc\",\n"), "indented on a terminal");
	ok(out && out[strlen(out) - 1] == '\n' && out[strlen(out) - 2] == '}', "ends in a newline");
	back = out ? json_loads(out, 0, &jerr) : NULL;
	ok(back && json_equal(back, doc), "indented output is valid JSON and round-trips");
	json_decref(back);
	free(out);
	json_decref(doc);

	sh.out_tty = 0;
	doc = json_array();
	out = capture(do_json, &sh, doc, &rc);
	is_str(out, "[]\n", "an empty listing is []");
	free(out);
	json_decref(doc);

	doc = json_string("just a string");
	out = capture(do_json, &sh, doc, &rc);
	is_str(out, "\"just a string\"\n", "any JSON value can be a document");
	free(out);
	json_decref(doc);
}

static void test_sizes(void)
{
	char b[32];

	is_str(fmt_size(b, sizeof(b), 0), "0B", "0 bytes");
	is_str(fmt_size(b, sizeof(b), 512), "512B", "512 bytes");
	is_str(fmt_size(b, sizeof(b), 999), "999B", "999 bytes");
	is_str(fmt_size(b, sizeof(b), 1000), "1kB", "1000 bytes = 1kB (1000-based, docker's lower-case k)");
	is_str(fmt_size(b, sizeof(b), 1234), "1.23kB", "three significant digits");
	is_str(fmt_size(b, sizeof(b), 5300000), "5.3MB", "5.3MB");
	is_str(fmt_size(b, sizeof(b), 1240000), "1.24MB", "busybox-sized");
	is_str(fmt_size(b, sizeof(b), 123456789), "123MB", "123MB");
	is_str(fmt_size(b, sizeof(b), 1200000000), "1.2GB", "1.2GB");
	is_str(fmt_size(b, sizeof(b), 999999), "1MB", "999999 rounds up into the next unit, not 1e+03kB");
	is_str(fmt_size(b, sizeof(b), 999499), "999kB", "999499 stays in kB");
	is_str(fmt_size(b, sizeof(b), 2000000000000LL), "2TB", "terabytes");
	is_str(fmt_size(b, sizeof(b), INT64_MAX), "9.22EB", "INT64_MAX");
	is_str(fmt_size(b, sizeof(b), -512), "-512B", "negative sizes keep their sign");
	is_str(fmt_size(b, 4, 1234567), "1.2", "a short buffer is truncated and terminated");

	is_str(fmt_size_binary(b, sizeof(b), 268435456), "256MiB", "256MiB");
	is_str(fmt_size_binary(b, sizeof(b), 1073741824), "1GiB", "1GiB");
	is_str(fmt_size_binary(b, sizeof(b), 8343293952LL), "7.77GiB", "7.77GiB");
	is_str(fmt_size_binary(b, sizeof(b), 1023), "1023B", "1023B");
	is_str(fmt_size_binary(b, sizeof(b), 1536), "1.5KiB", "1.5KiB");
}

static void test_durations(void)
{
	const int64_t min = 60, hour = 3600, day = 86400, week = 7 * day, month = 30 * day,
		      year = 365 * day;
	static const struct { int64_t s; const char *want; } cases[] = {
		{ 0, "Less than a second" },
		{ 1, "1 second" },
		{ 47, "47 seconds" },
		{ 59, "59 seconds" },
		{ 60, "About a minute" },
		{ 119, "About a minute" },
		{ 3 * 60, "3 minutes" },
		{ 35 * 60 + 40, "35 minutes" },
		{ 59 * 60 + 59, "59 minutes" },
		{ 3600, "About an hour" },
		{ 3600 + 29 * 60, "About an hour" },
		{ 3600 + 31 * 60, "2 hours" },
		{ 3 * 3600 + 29 * 60, "3 hours" },
		{ 3 * 3600 + 31 * 60, "4 hours" },
		{ 24 * 3600, "24 hours" },
		{ 36 * 3600, "36 hours" },
		{ 2 * 86400, "2 days" },
		{ 13 * 86400 + 5 * 3600, "13 days" },
		{ 14 * 86400, "2 weeks" },
		{ 30 * 86400, "4 weeks" },
		{ 44 * 86400, "6 weeks" },
		{ 60 * 86400, "2 months" },
		{ 13 * 30 * 86400, "13 months" },
		{ 24 * 30 * 86400, "24 months" },
		{ 24 * 30 * 86400 + 14 * 86400, "2 years" },
		{ 3 * 365 * 86400 + 60 * 86400, "3 years" },
	};
	char b[64];
	size_t i;

	(void)min; (void)hour; (void)week; (void)month; (void)year;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(fmt_duration(b, sizeof(b), cases[i].s), cases[i].want,
		       "duration %llds = %s", (long long)cases[i].s, cases[i].want);
	is_str(fmt_duration(b, sizeof(b), -5), "Less than a second", "a negative duration");

	is_str(fmt_ago(b, sizeof(b), 1000, 1000 + 3 * 60), "3 minutes ago", "3 minutes ago");
	is_str(fmt_ago(b, sizeof(b), 1000, 1000 + 60), "About a minute ago", "About a minute ago");
	is_str(fmt_ago(b, sizeof(b), 1000, 1000 + 2 * 3600), "2 hours ago", "2 hours ago");
	is_str(fmt_ago(b, sizeof(b), 5000, 1000), "Less than a second ago",
	       "a time in the future (clock skew) is just now");
	is_str(fmt_ago(b, 8, 1000, 1000 + 2 * 3600), "2 hours", "short buffer truncated");
}

static void test_ids_and_width(void)
{
	char b[32], *s;

	is_str(fmt_short_id(b, sizeof(b), "sha256:0123456789abcdef0123456789abcdef"), "0123456789ab",
	       "sha256: stripped, 12 digits kept");
	is_str(fmt_short_id(b, sizeof(b), "f00dfacecafe1234567890"), "f00dfacecafe", "a bare ID");
	is_str(fmt_short_id(b, sizeof(b), "abc"), "abc", "a short ID stays whole");
	is_str(fmt_short_id(b, sizeof(b), ""), "", "empty");
	is_str(fmt_short_id(b, sizeof(b), NULL), "", "NULL");
	is_str(fmt_short_id(b, 5, "0123456789abcdef"), "0123", "short buffer");

	is_int(str_width(""), 0, "width of \"\"");
	is_int(str_width("abc"), 3, "width of ASCII");
	is_int(str_width("日本語"), 6, "CJK is two columns each");
	is_int(str_width("caf\xC3\xA9"), 4, "precomposed é is one column");
	is_int(str_width("cafe\xCC\x81"), 4, "a combining accent takes no column");
	is_int(str_width("\xF0\x9F\x90\xB3"), 2, "an emoji is two columns");
	is_int(str_width("\xEF\xBC\xA1"), 2, "fullwidth A");
	is_int(str_width("a\xFF" "b"), 3, "an invalid byte counts one column");
	is_int(str_width("\xE6\x97"), 2, "a truncated sequence: one column per byte");
	is_int(str_width("\xC0\xAF"), 2, "an overlong form is not a character");
	is_int(str_width("a\xE2\x80\x8B" "b"), 2, "zero-width space");

	s = str_ellipsize("sleep 100", 20);
	is_str(s, "sleep 100", "short commands are kept");
	free(s);
	s = str_ellipsize("/bin/sh -c 'while true; do date; done'", 20);
	is_str(s, "/bin/sh -c 'while t\xE2\x80\xA6", "long ones cut to 19 columns and an ellipsis");
	ok(s && str_width(s) == 20, "the cut string is 20 columns");
	free(s);
	s = str_ellipsize("日本語日本語日本語日本語", 10);
	is_str(s, "日本語日\xE2\x80\xA6", "a wide character is not split");
	ok(s && str_width(s) == 9, "so the result may be narrower than asked");
	free(s);
	s = str_ellipsize("exactly twenty chars", 20);
	is_str(s, "exactly twenty chars", "exactly the limit is kept whole");
	free(s);
}

int main(void)
{
	test_tables();
	test_closed_pipe();
	test_json();
	test_sizes();
	test_durations();
	test_ids_and_width();
	return done_testing();
}
