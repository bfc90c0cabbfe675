/* test-args.c: the option parser over the command table: bundles, values,
 * "--", options after positionals, CMD_F_ARGS_STOP, counts, and every
 * message a user can get from it. */
#include <stdlib.h>
#include <string.h>
#include "commands/args.h"
#include "commands/dispatch.h"
#include "commands/commands.h"
#include "tests/unit/tap.h"

static const struct opt_spec run_opts[] = {
	{ 0, "name", OPT_VALUE, "NAME", "name it", ARG_NONE },
	{ 'p', "publish", OPT_LIST, "PORTS", "publish", ARG_NONE },
	{ 'e', "env", OPT_LIST, "K=V", "env", ARG_NONE },
	{ 'd', "detach", OPT_FLAG, NULL, "detach", ARG_NONE },
	{ 'i', "interactive", OPT_FLAG, NULL, "interactive", ARG_NONE },
	{ 't', "tty", OPT_FLAG, NULL, "tty", ARG_NONE },
	{ 0, "rm", OPT_FLAG, NULL, "remove", ARG_NONE },
	OPT_END
};

/* options may follow positionals here */
static const struct cmd_entry test_run = {
	"thing", "run", NULL, run_opts, 1, -1, "IMAGE [CMD...]", "run a thing",
	CMD_F_JSON, ARG_IMAGE, NULL
};
/* and here the first positional ends them */
static const struct cmd_entry test_exec = {
	"thing", "exec", NULL, run_opts, 1, -1, "IMAGE [CMD...]", "exec a thing",
	CMD_F_ARGS_STOP | CMD_F_QUIET, ARG_IMAGE, NULL
};
static const struct cmd_entry test_two = {
	"thing", "copy", NULL, NULL, 2, 3, "SRC DST [MODE]", "copy", 0, ARG_NONE, NULL
};
static const struct cmd_entry test_many = {
	"thing", "kill", NULL, NULL, 1, -1, "THING...", "kill", 0, ARG_NONE, NULL
};
static const struct cmd_entry test_odd = {
	"oddity", NULL, NULL, NULL, 2, 2, "[X] [Y]", "odd usage", 0, ARG_NONE, NULL
};

static char errbuf[512];

/* Parses a space-separated string of words (no quoting needed here). */
static int parse(struct args *a, const struct cmd_entry *e, const char *line)
{
	char *copy = strdup(line), *words[64], *tok, *save = NULL;
	int n = 0, rc;

	for (tok = strtok_r(copy, " ", &save); tok && n < 63; tok = strtok_r(NULL, " ", &save))
		words[n++] = strcmp(tok, "EMPTY") ? tok : (char *)"";
	words[n] = NULL;
	rc = args_parse(a, e, n, words, errbuf, sizeof(errbuf));
	free(copy);
	return rc;
}

#define PARSE_FAILS(e, line, msg) do { \
	struct args a_; \
	int rc_ = parse(&a_, e, line); \
	is_int(rc_, -1, "'%s' is refused", line); \
	is_str(errbuf, msg, "message for '%s'", line); \
	ok(a_.argv == NULL && a_.opts == NULL && a_.argc == 0, "nothing left after '%s'", line); \
} while (0)

static void test_basics(void)
{
	struct args a;
	size_t n;
	const char *const *list;

	is_int(parse(&a, &test_run, "img"), 0, "one positional");
	is_int(a.argc, 1, "argc");
	is_str(a.argv[0], "img", "argv[0]");
	ok(a.argv[1] == NULL, "argv is NULL-terminated");
	ok(!args_has(&a, "detach"), "flag not given");
	ok(args_get(&a, "name") == NULL, "value not given");
	ok(args_list(&a, "env", &n) == NULL && n == 0, "list not given");
	ok(a.entry == &test_run, "entry kept");
	args_release(&a);

	is_int(parse(&a, &test_run, "--name web -p 80:80 -p8080:8080 --publish=1:1 img"), 0,
	       "values in every spelling");
	is_str(args_get(&a, "name"), "web", "--name web");
	list = args_list(&a, "publish", &n);
	is_int(n, 3, "three publish values");
	is_str(list[0], "80:80", "-p 80:80");
	is_str(list[1], "8080:8080", "-p8080:8080");
	is_str(list[2], "1:1", "--publish=1:1");
	args_release(&a);

	is_int(parse(&a, &test_run, "--name a --name b img"), -1, "value given twice: refused");
	is_str(errbuf, "option --name given 2 times: give it once", "... saying so");
	is_int(parse(&a, &test_run, "--name=a --name b img"), -1, "--name=a then --name b: refused");
	is_int(parse(&a, &test_run, "--name a --name b --help"), 0, "... but not with --help");
	args_release(&a);

	is_int(parse(&a, &test_run, "--name= img"), 0, "empty value with =");
	is_str(args_get(&a, "name"), "", "empty value kept");
	args_release(&a);

	is_int(parse(&a, &test_run, "--name EMPTY img"), 0, "empty word as a value");
	is_str(args_get(&a, "name"), "", "empty word kept");
	args_release(&a);

	is_int(parse(&a, &test_run, "--name=a=b img"), 0, "value holding '='");
	is_str(args_get(&a, "name"), "a=b", "only the first '=' splits");
	args_release(&a);

	is_int(parse(&a, &test_run, "--name -d img"), 0, "a value may start with '-'");
	is_str(args_get(&a, "name"), "-d", "the next word is the value");
	ok(!args_has(&a, "detach"), "and is not an option");
	args_release(&a);
}

static void test_bundles(void)
{
	struct args a;
	size_t n;

	is_int(parse(&a, &test_run, "-dit img"), 0, "bundle of flags");
	ok(args_has(&a, "detach") && args_has(&a, "interactive") && args_has(&a, "tty"),
	   "each flag of the bundle");
	args_release(&a);

	is_int(parse(&a, &test_run, "-dp80:80 img"), 0, "flags then a value in one word");
	ok(args_has(&a, "detach"), "the flag");
	is_str(args_list(&a, "publish", &n)[0], "80:80", "the value glued on");
	args_release(&a);

	is_int(parse(&a, &test_run, "-de A=1 img"), 0, "a bundle ending in a value option");
	is_str(args_list(&a, "env", &n)[0], "A=1", "takes the next word");
	is_int(a.argc, 1, "positional after it");
	args_release(&a);

	is_int(parse(&a, &test_run, "-ddd img"), 0, "a flag repeated");
	is_int(args_has(&a, "detach"), 3, "counted three times");
	args_release(&a);
}

static void test_order(void)
{
	struct args a;

	/* without ARGS_STOP options are recognised anywhere */
	is_int(parse(&a, &test_run, "img --rm sh"), 0, "option between positionals");
	ok(args_has(&a, "rm"), "--rm seen after the image");
	is_int(a.argc, 2, "two positionals");
	is_str(a.argv[1], "sh", "second positional");
	args_release(&a);

	/* with ARGS_STOP the command's own options stay its own */
	is_int(parse(&a, &test_exec, "-d img sh -c 'echo' --rm"), 0, "ARGS_STOP");
	ok(args_has(&a, "detach"), "option before the image");
	ok(!args_has(&a, "rm"), "--rm after the image is not ours");
	is_int(a.argc, 5, "everything after the image is positional");
	is_str(a.argv[2], "-c", "-c kept as a word");
	is_str(a.argv[4], "--rm", "--rm kept as a word");
	args_release(&a);

	/* the required positionals may be mixed with options (template add
	 * NAME --image x CMD...): the stop comes after them */
	is_int(parse(&a, &test_exec, "img --rm sh --rm"), 0, "ARGS_STOP past the required positional");
	ok(args_has(&a, "rm"), "--rm right after the required positional is ours");
	is_int(a.argc, 3, "img, sh and the second --rm are positional");
	is_str(a.argv[2], "--rm", "--rm after CMD's first word kept as a word");
	args_release(&a);

	is_int(parse(&a, &test_run, "-- -img --rm"), 0, "-- ends options");
	is_int(a.argc, 2, "two positionals after --");
	is_str(a.argv[0], "-img", "a word starting with '-'");
	ok(!args_has(&a, "rm"), "no option after --");
	args_release(&a);

	is_int(parse(&a, &test_run, "img -- --"), 0, "a second -- is a word");
	is_int(a.argc, 2, "img and --");
	is_str(a.argv[1], "--", "the second --");
	args_release(&a);

	is_int(parse(&a, &test_run, "- -d"), 0, "'-' alone is a positional");
	is_str(a.argv[0], "-", "stdin/stdout word");
	ok(args_has(&a, "detach"), "and options still follow");
	args_release(&a);
}

static void test_common_options(void)
{
	struct args a;

	is_int(parse(&a, &test_run, "--json img"), 0, "--json with CMD_F_JSON");
	ok(args_has(&a, "json"), "--json seen");
	args_release(&a);
	PARSE_FAILS(&test_run, "-q img", "unknown option -q for thing run (see 'help thing run')");
	PARSE_FAILS(&test_exec, "--json img",
		    "unknown option --json for thing exec (see 'help thing exec')");
	is_int(parse(&a, &test_exec, "-q img"), 0, "-q with CMD_F_QUIET");
	ok(args_has(&a, "quiet"), "--quiet seen");
	args_release(&a);

	/* --help skips the positional checks: "create --help" needs no IMAGE */
	is_int(parse(&a, &test_run, "--help"), 0, "--help without the positionals");
	ok(args_has(&a, "help"), "--help seen");
	args_release(&a);
	is_int(parse(&a, &test_two, "-h a b c d e"), 0, "-h with too many positionals");
	args_release(&a);
}

static void test_errors(void)
{
	PARSE_FAILS(&test_run, "--nmae x img",
		    "unknown option --nmae for thing run (did you mean --name?)");
	PARSE_FAILS(&test_run, "--detahc img",
		    "unknown option --detahc for thing run (did you mean --detach?)");
	PARSE_FAILS(&test_run, "--bogus img",
		    "unknown option --bogus for thing run (see 'help thing run')");
	PARSE_FAILS(&test_run, "--bogus=1 img",
		    "unknown option --bogus for thing run (see 'help thing run')");
	PARSE_FAILS(&test_run, "--nam=x img",
		    "unknown option --nam for thing run (did you mean --name?)");
	PARSE_FAILS(&test_run, "-x img", "unknown option -x for thing run (see 'help thing run')");
	PARSE_FAILS(&test_run, "-dx img",
		    "unknown option -x in -dx for thing run (see 'help thing run')");
	PARSE_FAILS(&test_run, "-name web img",
		    "unknown option -n in -name for thing run (did you mean --name?)");
	PARSE_FAILS(&test_run, "-rm img", "unknown option -r in -rm for thing run (did you mean --rm?)");
	PARSE_FAILS(&test_run, "--name", "option --name needs a value");
	PARSE_FAILS(&test_run, "img --name", "option --name needs a value");
	PARSE_FAILS(&test_run, "img -p", "option -p (--publish) needs a value");
	PARSE_FAILS(&test_run, "img -dp", "option -p (--publish) needs a value");
	PARSE_FAILS(&test_run, "--detach=yes img", "option --detach takes no value");
	PARSE_FAILS(&test_run, "--help=1", "option --help takes no value");
	PARSE_FAILS(&test_run, "", "thing run needs IMAGE (usage: thing run [OPTIONS] IMAGE [CMD...])");
	PARSE_FAILS(&test_run, "-d", "thing run needs IMAGE (usage: thing run [OPTIONS] IMAGE [CMD...])");
	PARSE_FAILS(&test_two, "a", "thing copy needs DST (usage: thing copy SRC DST [MODE])");
	PARSE_FAILS(&test_two, "", "thing copy needs SRC (usage: thing copy SRC DST [MODE])");
	PARSE_FAILS(&test_two, "a b c d", "thing copy takes at most 3 arguments (usage: thing copy SRC DST [MODE])");
	PARSE_FAILS(&test_many, "", "thing kill needs THING (usage: thing kill THING...)");
	PARSE_FAILS(&test_odd, "x", "oddity needs at least 2 arguments (usage: oddity [X] [Y])");
	PARSE_FAILS(&test_odd, "x y z", "oddity takes at most 2 arguments (usage: oddity [X] [Y])");
}

/* The real table: the messages contracts.md promises. */
static void test_real_table(void)
{
	struct args a;
	size_t n;

	/* container create's IMAGE may come from --template: its exec checks */
	PARSE_FAILS(&cmd_container_logs_entry, "",
		    "container logs needs CONTAINER (usage: container logs [OPTIONS] CONTAINER)");
	PARSE_FAILS(&cmd_container_logs_entry, "a b",
		    "container logs takes at most 1 argument (usage: container logs [OPTIONS] CONTAINER)");
	PARSE_FAILS(&cmd_container_create_entry, "--nmae x busybox",
		    "unknown option --nmae for container create (did you mean --name?)");
	PARSE_FAILS(&cmd_container_create_entry, "--name", "option --name needs a value");
	PARSE_FAILS(&cmd_container_list_entry, "x",
		    "container list takes no arguments (usage: container list [OPTIONS])");
	PARSE_FAILS(&cmd_container_start_entry, "",
		    "container start needs CONTAINER (usage: container start [OPTIONS] CONTAINER...)");
	PARSE_FAILS(&cmd_image_save_entry, "img",
		    "image save needs FILE (usage: image save [OPTIONS] IMAGE FILE)");
	/* NAME is optional now (host use --pool unpins); exec_use judges NAME vs --pool */
	PARSE_FAILS(&cmd_host_use_entry, "a b",
		    "host use takes at most 1 argument (usage: host use [OPTIONS] [NAME])");
	PARSE_FAILS(&cmd_host_use_entry, "--pol",
		    "unknown option --pol for host use (did you mean --pool?)");
	PARSE_FAILS(&cmd_exit_entry, "1 2", "exit takes at most 1 argument (usage: exit [STATUS])");
	PARSE_FAILS(&cmd_version_entry, "x", "version takes no arguments (usage: version [OPTIONS])");
	PARSE_FAILS(&cmd_container_list_entry, "-all",
		    "unknown option -l in -all for container list (did you mean --all?)");

	is_int(parse(&a, &cmd_container_create_entry,
		     "--name web -p 8080:80 -e A=1 --env B=2 -l k=v -m 256m --cpus 1.5 --start busybox sh -c ls -l"),
	       0, "a full container create");
	is_str(args_get(&a, "name"), "web", "create --name");
	is_str(args_get(&a, "memory"), "256m", "create -m");
	is_str(args_get(&a, "cpus"), "1.5", "create --cpus");
	ok(args_has(&a, "start"), "create --start");
	is_int(a.argc, 5, "image and command words");
	is_str(a.argv[3], "ls", "command word");
	is_str(a.argv[4], "-l", "command option stays the command's");
	args_list(&a, "env", &n);
	is_int(n, 2, "two env values");
	args_release(&a);

	is_int(parse(&a, &cmd_container_list_entry, "-aq --filter label=a=b -f status=exited"), 0,
	       "a container list");
	ok(args_has(&a, "all") && args_has(&a, "quiet"), "-aq");
	is_str(args_list(&a, "filter", &n)[1], "status=exited", "second filter");
	args_release(&a);

	is_int(parse(&a, &cmd_container_logs_entry, "web -f -n 10"), 0, "options after the container");
	ok(args_has(&a, "follow"), "-f is --follow for logs");
	is_str(args_get(&a, "tail"), "10", "-n 10");
	args_release(&a);

	is_int(parse(&a, &cmd_host_use_entry, "--pool"), 0, "host use --pool parses");
	ok(args_has(&a, "pool") && a.argc == 0, "--pool seen, no NAME");
	args_release(&a);

	/* the common --host is for engine commands: container start has it, host use not */
	is_int(parse(&a, &cmd_container_start_entry, "--host a --host b web"), 0, "container start --host twice");
	args_list(&a, "host", &n);
	is_int(n, 2, "two --host values");
	args_release(&a);
	PARSE_FAILS(&cmd_host_use_entry, "--host a x", "unknown option --host for host use (see 'help host use')");

	args_release(&a); /* release twice is harmless */
	ok(1, "double release");
}

int main(void)
{
	test_basics();
	test_bundles();
	test_order();
	test_common_options();
	test_errors();
	test_real_table();
	return done_testing();
}
