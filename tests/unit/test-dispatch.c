/* test-dispatch.c: finding commands by word, prefix and alias; the
 * messages for unknown, ambiguous and incomplete commands; the help text
 * generated from the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "commands/dispatch.h"
#include "commands/commands.h"
#include "tests/unit/tap.h"

static const struct opt_spec list_opts[] = {
	{ 'a', "all", OPT_FLAG, NULL, "all of them", ARG_NONE },
	{ 0, "format", OPT_VALUE, "FMT", "how to show them", ARG_NONE },
	OPT_END
};

static const struct cmd_entry e_cont_start = { "container", "start", NULL, NULL, 1, -1, "C...", "start", 0, ARG_CONTAINER, NULL };
static const struct cmd_entry e_cont_stop = { "container", "stop", NULL, NULL, 1, -1, "C...", "stop", 0, ARG_CONTAINER, NULL };
static const struct cmd_entry e_cont_list = { "container", "list", "ls", list_opts, 0, 0, "", "list containers", CMD_F_JSON | CMD_F_QUIET, ARG_NONE, NULL };
static const struct cmd_entry e_cont_logs = { "container", "logs", NULL, NULL, 1, 1, "C", "logs", 0, ARG_CONTAINER, NULL };
static const struct cmd_entry e_cont_delete = { "container", "delete", "rm", NULL, 1, -1, "C...", "delete", 0, ARG_CONTAINER, NULL };
static const struct cmd_entry e_config_show = { "config", "show", NULL, NULL, 0, 0, "", "show config", 0, ARG_NONE, NULL };
static const struct cmd_entry e_image_list = { "image", "list", "ls", NULL, 0, 0, "", "list images", CMD_F_JSON, ARG_NONE, NULL };
static const struct cmd_entry e_hidden = { "image", "secret", NULL, NULL, 0, 0, "", "hidden one", CMD_F_HIDDEN, ARG_NONE, NULL };
static const struct cmd_entry e_help = { "help", NULL, NULL, NULL, 0, 2, "[COMMAND [VERB]]", "show help", 0, ARG_COMMAND, NULL };
static const struct cmd_entry e_host = { "host", "use", NULL, NULL, 1, 1, "NAME", "use a host", 0, ARG_HOST, NULL };
static const struct cmd_entry e_exit = { "exit", NULL, "quit", NULL, 0, 1, "[STATUS]", "leave", 0, ARG_NONE, NULL };

static const struct cmd_entry *const table[] = {
	&e_cont_start, &e_cont_stop, &e_cont_list, &e_cont_logs, &e_cont_delete,
	&e_config_show, &e_image_list, &e_hidden, &e_help, &e_host, &e_exit, NULL
};

static char errbuf[1024];
static struct dispatch d;

static enum dispatch_status find_in(const struct cmd_entry *const *t, const char *line)
{
	char *copy = strdup(line), *words[32], *tok, *save = NULL;
	int n = 0;
	enum dispatch_status st;

	for (tok = strtok_r(copy, " ", &save); tok && n < 31; tok = strtok_r(NULL, " ", &save))
		words[n++] = strcmp(tok, "EMPTY") ? tok : (char *)"";
	words[n] = NULL;
	st = dispatch_find(t, n, words, &d, errbuf, sizeof(errbuf));
	free(copy);
	return st;
}

#define FINDS(t, line, want, used) do { \
	is_int(find_in(t, line), DISPATCH_OK, "'%s' is found", line); \
	ok(d.entry == (want), "'%s' is the right entry", line); \
	is_int(d.consumed, used, "'%s' uses %d words", line, used); \
	is_str(errbuf, "", "'%s' leaves no message", line); \
} while (0)

#define FAILS(t, line, status, msg) do { \
	is_int(find_in(t, line), status, "status of '%s'", line); \
	is_str(errbuf, msg, "message for '%s'", line); \
} while (0)

static void test_exact_and_prefix(void)
{
	FINDS(table, "container start", &e_cont_start, 2);
	FINDS(table, "container start web db", &e_cont_start, 2);
	FINDS(table, "container list --all", &e_cont_list, 2);
	FINDS(table, "container ls", &e_cont_list, 2);
	FINDS(table, "container rm web", &e_cont_delete, 2);
	FINDS(table, "container sta", &e_cont_start, 2);
	FINDS(table, "container li", &e_cont_list, 2);
	FINDS(table, "container d", &e_cont_delete, 2);
	FINDS(table, "cont li", &e_cont_list, 2);
	FINDS(table, "conf show", &e_config_show, 2);
	FINDS(table, "i l", &e_image_list, 2);
	FINDS(table, "image ls", &e_image_list, 2);
	FINDS(table, "help", &e_help, 1);
	FINDS(table, "help container list", &e_help, 1);
	FINDS(table, "exit 3", &e_exit, 1);
	FINDS(table, "quit", &e_exit, 1);
	FINDS(table, "ex", &e_exit, 1);
	FINDS(table, "ho use lab", &e_host, 2);
	/* a hidden command is still a command */
	FINDS(table, "image secret", &e_hidden, 2);
	ok(d.noun && !strcmp(d.noun, "image"), "the noun is reported");
}

static void test_docker_prefix(void)
{
	FINDS(table, "docker container list", &e_cont_list, 3);
	FINDS(table, "docker container ls -a", &e_cont_list, 3);
	FINDS(table, "docker image ls", &e_image_list, 3);
	FINDS(table, "docker help", &e_help, 2);
	FAILS(table, "docker", DISPATCH_INCOMPLETE,
	      "docker needs a command: container, config, image, help, host, exit (see 'help')");
	FAILS(table, "docker docker container list", DISPATCH_UNKNOWN,
	      "unknown command: docker (see 'help')");
	FAILS(table, "docker ps", DISPATCH_UNKNOWN,
	      "unknown command: ps (did you mean container list?)");
}

static void test_ambiguous(void)
{
	FAILS(table, "con list", DISPATCH_AMBIGUOUS, "ambiguous command: con could be container, config");
	FAILS(table, "c", DISPATCH_AMBIGUOUS, "ambiguous command: c could be container, config");
	FAILS(table, "h", DISPATCH_AMBIGUOUS, "ambiguous command: h could be help, host");
	FAILS(table, "container st", DISPATCH_AMBIGUOUS,
	      "ambiguous command: container st could be start, stop");
	FAILS(table, "container s x", DISPATCH_AMBIGUOUS,
	      "ambiguous command: container s could be start, stop");
	FAILS(table, "container l", DISPATCH_AMBIGUOUS,
	      "ambiguous command: container l could be list, logs");
	FAILS(table, "cont lo", DISPATCH_OK, "");
	ok(d.entry == &e_cont_logs, "container lo is logs");
}

static void test_unknown(void)
{
	FAILS(table, "contaner list", DISPATCH_UNKNOWN,
	      "unknown command: contaner (did you mean container?)");
	FAILS(table, "contianer", DISPATCH_UNKNOWN,
	      "unknown command: contianer (did you mean container?)");
	FAILS(table, "imgae ls", DISPATCH_UNKNOWN, "unknown command: imgae (did you mean image?)");
	FAILS(table, "hepl", DISPATCH_UNKNOWN, "unknown command: hepl (did you mean help?)");
	FAILS(table, "qiut", DISPATCH_UNKNOWN, "unknown command: qiut (did you mean quit?)");
	FAILS(table, "xyzzy", DISPATCH_UNKNOWN, "unknown command: xyzzy (see 'help')");
	FAILS(table, "EMPTY", DISPATCH_UNKNOWN, "unknown command: '' (see 'help')");
	/* the table above has no create, and nothing near it */
	FAILS(table, "container crate x", DISPATCH_UNKNOWN,
	      "unknown command: container crate (see 'help container')");
	FAILS(table, "container strat", DISPATCH_UNKNOWN,
	      "unknown command: container strat (did you mean start?)");
	FAILS(table, "container lst", DISPATCH_UNKNOWN,
	      "unknown command: container lst (did you mean list?)");
	FAILS(table, "container mr", DISPATCH_UNKNOWN,
	      "unknown command: container mr (did you mean rm?)");
	FAILS(table, "container frobnicate", DISPATCH_UNKNOWN,
	      "unknown command: container frobnicate (see 'help container')");
	FAILS(table, "cont EMPTY", DISPATCH_UNKNOWN,
	      "unknown command: container '' (see 'help container')");
	/* docker's top-level habits get berth's spelling */
	FAILS(table, "ps -a", DISPATCH_UNKNOWN, "unknown command: ps (did you mean container list?)");
	FAILS(table, "images", DISPATCH_UNKNOWN, "unknown command: images (did you mean image list?)");
	FAILS(table, "run busybox", DISPATCH_UNKNOWN,
	      "unknown command: run (did you mean container create --start?)");
	FAILS(table, "rmi x", DISPATCH_UNKNOWN, "unknown command: rmi (did you mean image delete?)");
}

static void test_incomplete(void)
{
	FAILS(table, "container", DISPATCH_INCOMPLETE,
	      "container needs a verb: start, stop, list, logs, delete (see 'help container')");
	ok(d.noun && !strcmp(d.noun, "container"), "the noun is reported");
	is_int(d.consumed, 1, "the noun is used up");
	FAILS(table, "cont --help", DISPATCH_INCOMPLETE,
	      "container needs a verb: start, stop, list, logs, delete (see 'help container')");
	is_int(d.consumed, 1, "the option is left for the caller");
	FAILS(table, "docker image", DISPATCH_INCOMPLETE,
	      "image needs a verb: list (see 'help image')");
	is_int(d.consumed, 2, "docker and the noun used up");
	FAILS(table, "docker --help", DISPATCH_INCOMPLETE,
	      "docker needs a command: container, config, image, help, host, exit (see 'help')");
	is_int(d.consumed, 1, "docker used up, the option left");
	ok(d.noun == NULL, "no noun yet");
	FAILS(table, "", DISPATCH_EMPTY, "");
}

/* Completion asks without a buffer for messages. */
static void test_no_errbuf(void)
{
	static char *const words[][3] = {
		{ "container", NULL }, { "docker", NULL }, { "c", NULL }, { "xyzzy", NULL },
		{ "container", "st" }, { "container", "nope" }, { "docker", "ps" },
	};
	struct dispatch dd;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		int n = words[i][1] ? 2 : 1;

		ok(dispatch_find(table, n, words[i], &dd, NULL, 0) != DISPATCH_OK,
		   "no message buffer: %s %s", words[i][0], words[i][1] ? words[i][1] : "");
	}
	ok(dispatch_find(table, 2, (char *const[]){ "container", "ls", NULL }, &dd, NULL, 0) ==
	   DISPATCH_OK && dd.entry == &e_cont_list, "found without a message buffer");
}

static void test_real_table(void)
{
	FAILS(cmd_table, "contaner list", DISPATCH_UNKNOWN,
	      "unknown command: contaner (did you mean container?)");
	FAILS(cmd_table, "container crate", DISPATCH_UNKNOWN,
	      "unknown command: container crate (did you mean create?)");
	FINDS(cmd_table, "docker container create busybox", &cmd_container_create_entry, 3);
	FINDS(cmd_table, "container rm -f x", &cmd_container_delete_entry, 2);
	FINDS(cmd_table, "image rm x", &cmd_image_delete_entry, 2);
	FINDS(cmd_table, "co cr busybox", &cmd_container_create_entry, 2);
	FINDS(cmd_table, "quit", &cmd_exit_entry, 1);
	FINDS(cmd_table, "ver", &cmd_version_entry, 1);
	ok(find_in(cmd_table, "container") == DISPATCH_INCOMPLETE &&
	   !strncmp(errbuf, "container needs a verb: create, start, ", 39) &&
	   strstr(errbuf, "(see 'help container')"), "noun without verb, real table: %s", errbuf);
	FAILS(cmd_table, "container st", DISPATCH_AMBIGUOUS,
	      "ambiguous command: container st could be start, stop, stats");
	FAILS(cmd_table, "v", DISPATCH_AMBIGUOUS, "ambiguous command: v could be volume, version");

	/* every entry is found by its own words, and by docker + them */
	for (size_t i = 0; cmd_table[i]; i++) {
		char line[128];

		cmd_name(cmd_table[i], line, sizeof(line));
		ok(find_in(cmd_table, line) == DISPATCH_OK && d.entry == cmd_table[i],
		   "table entry '%s' is found", line);
		snprintf(line, sizeof(line), "docker %s %s", cmd_table[i]->noun,
			 cmd_table[i]->alias && cmd_table[i]->verb ? cmd_table[i]->alias :
			 cmd_table[i]->verb ? cmd_table[i]->verb : "");
		ok(find_in(cmd_table, line) == DISPATCH_OK && d.entry == cmd_table[i],
		   "'%s' is found", line);
	}
}

static void test_distance(void)
{
	is_int(edit_distance("", ""), 0, "empty strings");
	is_int(edit_distance("abc", ""), 3, "all deleted");
	is_int(edit_distance("", "abc"), 3, "all inserted");
	is_int(edit_distance("name", "name"), 0, "same");
	is_int(edit_distance("nmae", "name"), 1, "a swap of neighbours is one edit");
	is_int(edit_distance("contaner", "container"), 1, "one insertion");
	is_int(edit_distance("crate", "create"), 1, "one insertion");
	is_int(edit_distance("kitten", "sitting"), 3, "the classic");
	is_int(edit_distance("ab", "ba"), 1, "swap of two");
	is_int(edit_distance("abc", "ca"), 3, "no double swaps (optimal string alignment)");
	ok(close_enough("contaner", "container"), "contaner ~ container");
	ok(close_enough("nmae", "name"), "nmae ~ name");
	ok(close_enough("fol", "follow"), "a prefix is close");
	ok(!close_enough("x", "exit"), "one letter is not close to exit");
	ok(!close_enough("xy", "ls"), "two letters changed is not close to a two-letter word");
	ok(!close_enough("", "ls"), "nothing is close to nothing");
	ok(!close_enough("zzzzzz", "create"), "unrelated words");
}

/* A word far longer than any command or option is no near miss: it is
 * refused without an edit-distance table of its length times each
 * candidate's (a 2 MB word took seconds under ASan; fuzz-args found it). */
static void test_long_word(void)
{
	size_t n = (size_t)2 << 20;
	char *w = malloc(n + 3), *words[3];
	clock_t t0;
	double cpu;

	memset(w, 'x', n + 2);
	w[n + 2] = '\0';
	ok(!close_enough(w, "container"), "a 2 MB word is not close to container");
	ok(!close_enough("container", w), "nor container to it");
	ok(!close_enough("contaxxxxxx", "container"), "longer by more than the limit");
	ok(close_enough("containerx", "container"), "longer by one is still close");
	t0 = clock();
	words[0] = w;
	words[1] = NULL;
	is_int(dispatch_find(cmd_table, 1, words, &d, errbuf, sizeof(errbuf)), DISPATCH_UNKNOWN,
	       "a 2 MB word is an unknown command");
	words[0] = (char *)"container";
	words[1] = w;
	words[2] = NULL;
	is_int(dispatch_find(cmd_table, 2, words, &d, errbuf, sizeof(errbuf)), DISPATCH_UNKNOWN,
	       "a 2 MB verb is unknown");
	cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(cpu < 1.0, "both answered in %.3f s of CPU (under 1 s)", cpu);
	free(w);
}

/* Runs a help generator into a string. */
static char *capture_overview(const struct cmd_entry *const *t, int globals)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	help_overview(f, t, globals);
	fclose(f);
	return buf;
}

static char *capture_command(const struct cmd_entry *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	help_command(f, e);
	fclose(f);
	return buf;
}

static void test_help(void)
{
	char *s, *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	s = help_usage_line(&e_cont_list);
	is_str(s, "container list [OPTIONS]", "usage line with options");
	free(s);
	s = help_usage_line(&e_cont_start);
	is_str(s, "container start C...", "usage line without options");
	free(s);
	s = help_usage_line(&e_exit);
	is_str(s, "exit [STATUS]", "single-word usage line");
	free(s);
	s = help_usage_line(&cmd_container_create_entry);
	is_str(s, "container create [OPTIONS] [IMAGE [CMD...]]", "create's usage line");
	free(s);
	ok(cmd_has_options(&e_image_list), "--json counts as an option");
	ok(!cmd_has_options(&e_cont_start), "--help alone does not");

	s = capture_overview(table, 0);
	is_str(s,
	       "Usage: [docker] COMMAND [VERB] [OPTIONS] [ARGS...]\n"
	       "\n"
	       "Commands:\n"
	       "  container start C...      start\n"
	       "  container stop C...       stop\n"
	       "  container list [OPTIONS]  list containers\n"
	       "  container logs C          logs\n"
	       "  container delete C...     delete\n"
	       "  config show               show config\n"
	       "  image list [OPTIONS]      list images\n"
	       "  help [COMMAND [VERB]]     show help\n"
	       "  host use NAME             use a host\n"
	       "  exit [STATUS]             leave\n"
	       "\n"
	       "Any command may be prefixed with 'docker'. 'help COMMAND [VERB]' shows a command's options.\n",
	       "overview: every visible command, summaries aligned, hidden left out");
	free(s);

	s = capture_overview(table, 1);
	ok(!strncmp(s, "Usage: berth [OPTIONS] [COMMAND [ARGS...]]\n", 43), "berth --help usage line");
	ok(strstr(s, "  -H, --host HOST") && strstr(s, "--keep-going") && strstr(s, "-c CMDS") &&
	   strstr(s, "-f FILE"), "berth --help lists the global options");
	free(s);

	s = capture_overview(cmd_table, 0);
	ok(strstr(s, "\n  container create [OPTIONS] [IMAGE [CMD...]]  ") != NULL &&
	   strstr(s, "  create a container (and start it with --start)\n") != NULL,
	   "the real overview has the contract's create line");
	for (size_t i = 0; cmd_table[i]; i++) {
		char *u = help_usage_line(cmd_table[i]);
		char line[256];

		snprintf(line, sizeof(line), "\n  %s ", u);
		ok(strstr(s, line) && strstr(s, cmd_table[i]->summary), "help lists %s", u);
		free(u);
	}
	free(s);

	f = open_memstream(&buf, &len);
	rc = help_noun(f, table, "image");
	fclose(f);
	is_int(rc, 0, "help_noun finds image");
	is_str(buf,
	       "Usage: image VERB [OPTIONS] [ARGS...]\n"
	       "\n"
	       "Commands:\n"
	       "  image list [OPTIONS]  list images\n"
	       "\n"
	       "'help image VERB' shows a command's options.\n",
	       "help for one noun");
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	rc = help_noun(f, table, "nosuch");
	fclose(f);
	is_int(rc, -1, "help_noun refuses an unknown noun");
	is_str(buf, "", "and writes nothing");
	free(buf);

	s = capture_command(&e_cont_list);
	is_str(s,
	       "Usage: container list [OPTIONS]\n"
	       "\n"
	       "list containers\n"
	       "Alias: container ls\n"
	       "\n"
	       "Options:\n"
	       "  -a, --all         all of them\n"
	       "      --format FMT  how to show them\n"
	       "  -h, --help        show this command's usage and options\n"
	       "      --json        print one JSON document instead of a table\n"
	       "  -q, --quiet       print IDs only\n",
	       "help for one command, with the common options");
	free(s);

	s = capture_command(&e_exit);
	ok(strstr(s, "Alias: quit\n") != NULL, "single-word alias");
	free(s);

	s = capture_command(&cmd_container_create_entry);
	ok(strstr(s, "\n  -p, --publish [IP:]HOST:CONTAINER[/PROTO]  publish") != NULL,
	   "create's -p line as the contract shows it");
	ok(strstr(s, "\n      --name NAME ") != NULL, "an option without a short name");
	/* (-h is create's --hostname, as in docker's) */
	ok(strstr(s, "\n      --help ") && strstr(s, "\n      --json "), "common options listed");
	ok(!strstr(s, "--quiet"), "no -q for a command that is no listing");
	free(s);
}

static void test_options_lookup(void)
{
	const struct opt_spec *opts[16];
	size_t n = cmd_options(&e_cont_list, opts, 16);

	is_int(n, 5, "own options plus help, json, quiet");
	is_str(opts[0]->long_name, "all", "own options first");
	is_str(opts[2]->long_name, "help", "then the common ones");
	n = cmd_options(&e_cont_start, opts, 16);
	is_int(n, 1, "only --help without flags");
	n = cmd_options(&e_cont_list, opts, 2);
	is_int(n, 2, "max is respected");
	ok(cmd_find_long(&e_cont_list, "format=x", 6) == &list_opts[1], "long lookup by length");
	ok(cmd_find_long(&e_cont_list, "form", 4) == NULL, "no prefix matching for options");
	ok(cmd_find_short(&e_cont_list, 'a') == &list_opts[0], "short lookup");
	ok(cmd_find_short(&e_cont_list, 'q') != NULL, "-q from the common options");
	ok(cmd_find_short(&e_cont_start, 'q') == NULL, "no -q without CMD_F_QUIET");
	ok(cmd_find_short(&e_cont_list, 0) == NULL, "no lookup of letter 0");
}

int main(void)
{
	test_exact_and_prefix();
	test_docker_prefix();
	test_ambiguous();
	test_unknown();
	test_incomplete();
	test_no_errbuf();
	test_real_table();
	test_distance();
	test_long_word();
	test_help();
	test_options_lookup();
	return done_testing();
}
