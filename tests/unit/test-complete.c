/* test-complete.c: completion candidates for command words, verbs,
 * options, option values and positionals of every kind; and the store's
 * source (shell/complete_store.c) on a file store: the pinned host's
 * cached names, or in pool mode those of every active host. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "shell/complete.h"
#include "shell/complete_store.h"
#include "backends/pool/hosts.h"
#include "backends/pool/pool.h"
#include "shell/shell.h"
#include "commands/commands.h"
#include "backends/store/store.h"
#include "backends/store/store_docs.h"
#include "tests/unit/tap.h"

/* A source that knows a few containers, images and hosts, and counts how
 * often it is asked, so that the tests see which kind was asked for. */
struct fake {
	int asked[8];
	char last_prefix[64];
};

static void fake_names(void *ud, enum arg_kind kind, const char *prefix, struct complete_list *out)
{
	static const char *const containers[] = { "web", "web-2", "db", "my app", NULL };
	static const char *const images[] = { "busybox:latest", "busybox:1.36", "alpine", NULL };
	static const char *const hosts[] = { "local", "lab", "dev", NULL };
	const char *const *names = kind == ARG_CONTAINER ? containers : kind == ARG_IMAGE ? images :
				   kind == ARG_HOST ? hosts : NULL;
	struct fake *f = ud;

	f->asked[kind]++;
	snprintf(f->last_prefix, sizeof(f->last_prefix), "%s", prefix);
	for (; names && *names; names++)
		complete_list_add(out, *names); /* unfiltered: complete_line filters */
}

static struct fake fake;
static const struct complete_source source = { fake_names, &fake };

/* The candidates for line, joined by spaces. */
static char *cands(const char *line, const struct complete_source *src)
{
	static char buf[8192];
	struct completion c;
	size_t i;

	complete_line(cmd_table, line, src, &c);
	buf[0] = '\0';
	for (i = 0; i < c.cands.n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, c.cands.items[i]);
	}
	completion_release(&c);
	return buf;
}

#define CANDS(line, want) is_str(cands(line, &source), want, "candidates for '%s'", line)

static void test_command_words(void)
{
	CANDS("", "cache cloud container docker events exit help host housekeeping image network pool system template version volume");
	CANDS("co", "container");
	CANDS("h", "help host housekeeping");
	CANDS("docker ", "cache cloud container events exit help host housekeeping image network pool system template version volume");
	CANDS("docker im", "image");
	CANDS("  i", "image");
	CANDS("xyz", "");
	CANDS("container list; im", "image");
	CANDS("container list # im", "");
}

static void test_verbs(void)
{
	CANDS("container ", "attach cp create delete exec inspect kill list logs pause port prune rename restart run start stats stop top unpause update wait");
	CANDS("container l", "list logs");
	CANDS("container st", "start stats stop");
	CANDS("cont cr", "create");
	CANDS("docker image ", "delete distribute history import inspect list load prune pull save tag");
	CANDS("host ", "activate add deactivate destroy drain import-contexts info list probe remove slots spawn use");
	CANDS("nosuch ", "");
	CANDS("co ", "attach cp create delete exec inspect kill list logs pause port prune rename restart run start stats stop top unpause update wait");
	CANDS("h ", ""); /* ambiguous noun: nothing to offer */
}

static void test_options(void)
{
	/* engine commands get the common --host (a list: offered again) */
	CANDS("container list -", "--all --cached --filter --help --host --json --mine --quiet");
	CANDS("container list --", "--all --cached --filter --help --host --json --mine --quiet");
	CANDS("container list --f", "--filter");
	CANDS("container list --all --", "--cached --filter --help --host --json --mine --quiet");
	CANDS("container list -a --", "--cached --filter --help --host --json --mine --quiet");
	CANDS("container list --filter x=y --", "--all --cached --filter --help --host --json --mine --quiet");
	CANDS("container list --host lab --", "--all --cached --filter --help --host --json --mine --quiet");
	CANDS("container create --n", "--name --network --network-alias --no-distribute --no-healthcheck");
	CANDS("container create --na", "--name");
	CANDS("container create --name x --na", "");
	CANDS("container create -p 1:1 --p", "--pids-limit --publish");
	CANDS("container start -", "--help --host");
	CANDS("version --", "--help --json");
	/* not engine commands: no --host */
	CANDS("host use --", "--help --pool");
	CANDS("template delete --", "--help");
	CANDS("container list --nosuch", "");
	/* after "--" and after create's IMAGE nothing is an option */
	CANDS("container start -- -", "");
	CANDS("container create busybox --n", "");
	CANDS("container logs web --t", "--tail --timestamps");
}

static void test_values(void)
{
	memset(&fake, 0, sizeof(fake));
	CANDS("container start ", "db my app web web-2");
	is_int(fake.asked[ARG_CONTAINER], 1, "containers asked for");
	CANDS("container start w", "web web-2");
	is_str(fake.last_prefix, "w", "the source gets the prefix");
	CANDS("container start web-", "web-2");
	CANDS("container stop web db w", "web web-2");
	CANDS("container logs ", "db my app web web-2");
	CANDS("container logs web ", ""); /* logs takes one */
	CANDS("container logs -n 10 w", "web web-2");
	CANDS("container logs -n ", ""); /* the value of --tail is free text */
	CANDS("docker container rm -f w", "web web-2");

	memset(&fake, 0, sizeof(fake));
	CANDS("container create b", "busybox:1.36 busybox:latest");
	is_int(fake.asked[ARG_IMAGE], 1, "images asked for");
	CANDS("container create --name x b", "busybox:1.36 busybox:latest");
	CANDS("container create busybox ", ""); /* CMD... is free text */
	CANDS("image delete a", "alpine");
	CANDS("image save a", "alpine");
	CANDS("image pull ", ""); /* a registry name: nothing local to offer */
	CANDS("container list ", "");

	memset(&fake, 0, sizeof(fake));
	CANDS("host use l", "lab local");
	is_int(fake.asked[ARG_HOST], 1, "hosts asked for");
	CANDS("host use lab ", "");
	CANDS("host info d", "dev");
	CANDS("container start --host l", "lab local");
	CANDS("container list --host lab --host d", "dev");
	CANDS("container start --host lab w", "web web-2");

	/* no source: the dynamic kinds complete to nothing */
	is_str(cands("container start ", NULL), "", "containers without a source");
	is_str(cands("host use ", NULL), "", "hosts without a source");
	is_str(cands("cont", NULL), "container", "command words need no source");
}

static void test_help_words(void)
{
	CANDS("help ", "cache cloud container events exit help host housekeeping image network pool system template version volume");
	CANDS("help co", "container");
	CANDS("help container ", "attach cp create delete exec inspect kill list logs pause port prune rename restart run start stats stop top unpause update wait");
	CANDS("help container lo", "logs");
	CANDS("help container logs ", "");
	CANDS("help exit ", "");
}

static void test_word_position(void)
{
	struct completion c;

	complete_line(cmd_table, "container li", &source, &c);
	is_str(c.prefix, "li", "prefix");
	is_int(c.start, 10, "start of the word");
	is_int(c.quote, 0, "no quote");
	complete_list_release(&c.cands);
	completion_release(&c);

	complete_line(cmd_table, "container start 'my a", &source, &c);
	is_str(c.prefix, "my a", "prefix inside a single quote");
	is_int(c.start, 16, "the word starts at its quote");
	is_int(c.quote, '\'', "open quote reported");
	is_int(c.cands.n, 1, "one candidate");
	is_str(c.cands.items[0], "my app", "a name with a blank");
	completion_release(&c);

	complete_line(cmd_table, "container start my\\ ", &source, &c);
	is_str(c.prefix, "my ", "an escaped blank is part of the word");
	is_int(c.cands.n, 1, "still one candidate");
	completion_release(&c);

	complete_line(cmd_table, "container ", &source, &c);
	is_str(c.prefix, "", "empty prefix after a blank");
	is_int(c.start, 10, "starts at the cursor");
	completion_release(&c);
}

static void test_common_and_quote(void)
{
	struct completion c;
	char *s;

	complete_line(cmd_table, "container start w", &source, &c);
	s = complete_common(&c);
	is_str(s, "web", "common prefix of web and web-2");
	free(s);
	completion_release(&c);

	complete_line(cmd_table, "container ", &source, &c);
	s = complete_common(&c);
	is_str(s, "", "nothing in common");
	free(s);
	completion_release(&c);

	complete_line(cmd_table, "zzz", &source, &c);
	s = complete_common(&c);
	is_str(s, "zzz", "no candidates: the prefix itself");
	free(s);
	completion_release(&c);

	s = complete_quote("plain", 0, 1);
	is_str(s, "plain", "nothing to quote");
	free(s);
	s = complete_quote("my app", 0, 1);
	is_str(s, "my\\ app", "a blank gets a backslash");
	free(s);
	s = complete_quote("a'b\"c;d#e\\f", 0, 1);
	is_str(s, "a\\'b\\\"c\\;d\\#e\\\\f", "every special character escaped");
	free(s);
	s = complete_quote("my app", '\'', 1);
	is_str(s, "'my app'", "single quote closed");
	free(s);
	s = complete_quote("my app", '\'', 0);
	is_str(s, "'my app", "single quote left open");
	free(s);
	s = complete_quote("it's", '\'', 1);
	is_str(s, "'it'\\''s'", "a single quote inside single quotes");
	free(s);
	s = complete_quote("a\"$b", '"', 1);
	is_str(s, "\"a\\\"\\$b\"", "double quotes escape \" and $");
	free(s);
}

static void test_files(void)
{
	char dir[] = "/tmp/berth-complete-XXXXXX", path[512], line[1024], *cwd;
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/image.tar", dir);
	f = fopen(path, "w");
	fclose(f);
	snprintf(path, sizeof(path), "%s/image.tar.gz", dir);
	f = fopen(path, "w");
	fclose(f);
	snprintf(path, sizeof(path), "%s/.hidden", dir);
	f = fopen(path, "w");
	fclose(f);
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sub/inner.tar", dir);
	f = fopen(path, "w");
	fclose(f);

	snprintf(line, sizeof(line), "image load %s/", dir);
	snprintf(path, sizeof(path), "%s/image.tar %s/image.tar.gz %s/sub/", dir, dir, dir);
	is_str(cands(line, &source), path, "files of a directory, the directory marked, hidden left out");

	snprintf(line, sizeof(line), "image load %s/.", dir);
	snprintf(path, sizeof(path), "%s/.hidden", dir);
	is_str(cands(line, &source), path, "hidden files when asked for");

	snprintf(line, sizeof(line), "image load %s/su", dir);
	snprintf(path, sizeof(path), "%s/sub/", dir);
	is_str(cands(line, &source), path, "a directory");

	snprintf(line, sizeof(line), "image load %s/sub/", dir);
	snprintf(path, sizeof(path), "%s/sub/inner.tar", dir);
	is_str(cands(line, &source), path, "inside a directory");

	snprintf(line, sizeof(line), "image save busybox %s/image.tar.", dir);
	snprintf(path, sizeof(path), "%s/image.tar.gz", dir);
	is_str(cands(line, &source), path, "image save's second word is a file");

	snprintf(line, sizeof(line), "image load %s/nosuchdir/x", dir);
	is_str(cands(line, &source), "", "a missing directory gives nothing");

	/* relative names from the current directory */
	cwd = getcwd(NULL, 0);
	if (chdir(dir) == 0) {
		is_str(cands("image load im", &source), "image.tar image.tar.gz", "relative names");
		is_str(cands("image load ", &source), "image.tar image.tar.gz sub/", "the whole directory");
		ok(chdir(cwd) == 0, "back to where we were");
	} else {
		ok(0, "chdir to the test directory");
	}
	free(cwd);

	/* clean up with plain calls, no shell */
	snprintf(path, sizeof(path), "%s/sub/inner.tar", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/image.tar", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/image.tar.gz", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.hidden", dir);
	unlink(path);
	ok(rmdir(dir) == 0, "test directory removed");
}

/* Options whose values name things, in a table of the test's own. */
static const struct opt_spec move_opts[] = {
	{ 't', "to", OPT_VALUE, "HOST", "target host", ARG_HOST },
	{ 'i', "input", OPT_LIST, "FILE", "input files", ARG_FILE },
	{ 'v', "verbose", OPT_FLAG, NULL, "say more", ARG_NONE },
	OPT_END
};
static const struct cmd_entry move_entry = {
	"thing", "move", NULL, move_opts, 1, 1, "CONTAINER", "move a container", 0,
	ARG_CONTAINER, NULL
};
static const struct cmd_entry *const move_table[] = { &move_entry, NULL };

static char *move_cands(const char *line)
{
	static char buf[1024];
	struct completion c;
	size_t i;

	complete_line(move_table, line, &source, &c);
	buf[0] = '\0';
	for (i = 0; i < c.cands.n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, c.cands.items[i]);
	}
	completion_release(&c);
	return buf;
}

static void test_option_values(void)
{
	is_str(move_cands("thing move --to l"), "lab local", "--to HOST completes hosts");
	is_str(move_cands("thing move -t "), "dev lab local", "-t HOST completes hosts");
	is_str(move_cands("thing move -vt d"), "dev", "a bundle ending in the value option");
	is_str(move_cands("thing move --to=l"), "--to=lab --to=local", "--to=VALUE keeps its option");
	is_str(move_cands("thing move --verbose=x"), "", "a flag has no value");
	is_str(move_cands("thing move --to lab w"), "web web-2", "then the positional");
	is_str(move_cands("thing move -tlab w"), "web web-2", "a glued value is complete");
	is_str(move_cands("thing move --to=lab w"), "web web-2", "so is --to=lab");
	is_str(move_cands("thing move -i /nonexistent-dir/"), "", "file values");
	is_str(move_cands("thing move -v --"), "--help --input --to", "flags given are not offered again");
	is_str(move_cands("thing move -i a --"), "--help --input --to --verbose",
	       "a list option may come again");
}

static void test_list(void)
{
	struct complete_list l;
	size_t i;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < 100; i++)
		complete_list_add(&l, "x");
	is_int(l.n, 100, "the list grows");
	complete_list_release(&l);
	is_int(l.n, 0, "release empties it");
	complete_list_release(&l);
	ok(1, "double release is harmless");
}

/* --- the store's source: the pinned host, or every active host ----------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void add_row(struct store *s, enum store_coll coll, const char *host, const char *id,
		    const char *name)
{
	json_t *e;
	bson_t doc;
	struct berr err;
	int rc;

	bson_init(&doc);
	if (coll == STORE_CONTAINERS) {
		e = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:s, s:I}", "Id", id, "Names", name,
			      "Image", "busybox", "Command", "true", "State", "created", "Status",
			      "Created", "Created", (json_int_t)1700000000);
		rc = store_doc_container(&doc, host, e, store_now_ms(), &err);
	} else if (coll == STORE_IMAGES) {
		e = json_pack("{s:s, s:[s], s:I, s:I}", "Id", id, "RepoTags", name, "Size",
			      (json_int_t)1000, "Created", (json_int_t)1700000000);
		rc = store_doc_image(&doc, host, e, store_now_ms(), &err);
	} else {
		/* volumes have no ID: their name is their key */
		e = json_pack("{s:s, s:s, s:s}", "Id", id, "Name", name, "Driver", "local");
		rc = store_doc_object(&doc, coll, host, e, store_now_ms(), &err);
	}
	if (rc < 0 || store_insert(s, coll, &doc, &err) < 0)
		printf("# cannot add %s on %s: %s\n", name, host, err.msg);
	bson_destroy(&doc);
	json_decref(e);
}

static void register_host(struct shell *sh, const char *name, const char *state)
{
	struct host_new h = { .name = name, .url = "unix:///nonexistent/x.sock", .reason = "test" };
	struct berr err;

	if (hosts_register(&sh->fleet, &h, NULL, NULL, &err) < 0)
		printf("# cannot register %s: %s\n", name, err.msg);
	if (state && pool_set_state(&sh->fleet, name, state, "test", &err) < 0)
		printf("# cannot make %s %s: %s\n", name, state, err.msg);
}

static void test_store_source(void)
{
	char dir[] = "/tmp/berth-complete-store-XXXXXX", path[512];
	struct complete_store cs;
	struct complete_source src;
	struct shell sh;
	struct store *s;
	struct berr err;
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	setenv("HOME", dir, 1);
	setenv("XDG_CONFIG_HOME", dir, 1);
	setenv("XDG_DATA_HOME", dir, 1);
	setenv("XDG_STATE_HOME", dir, 1);
	unsetenv("DOCKER_HOST");
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
	unsetenv("BERTH_HOST");
	unsetenv("BERTH_MONGODB_URI");
	snprintf(path, sizeof(path), "%s/store", dir);
	setenv("BERTH_STORE_DIR", path, 1);
	/* no default_host: the session is in pool mode */
	snprintf(path, sizeof(path), "%s/berth.yaml", dir);
	f = fopen(path, "w");
	if (!f) {
		ok(0, "write %s", path);
		return;
	}
	fputs("hosts:\n"
	      "  alpha: { url: unix:///nonexistent/alpha.sock }\n"
	      "  zed: { url: unix:///nonexistent/zed.sock }\n", f);
	fclose(f);
	setenv("BERTH_CONFIG", path, 1);

	if (shell_init(&sh, SHELL_BATCH) < 0) {
		ok(0, "shell_init");
		return;
	}
	ok(sh.current_host == NULL, "no host pinned: pool mode");
	if (!(s = fleet_store(&sh.fleet, &err))) {
		ok(0, "store: %s", err.msg);
		shell_release(&sh);
		return;
	}
	/* pool: alpha (configured, no document: active), lab (registered,
	 * active); out of it: zed (configured, deactivated), gone (inactive),
	 * new (spawned, never answered) */
	register_host(&sh, "lab", "active");
	register_host(&sh, "gone", "inactive");
	register_host(&sh, "new", NULL);
	if (pool_set_state(&sh.fleet, "zed", "inactive", "test", &err) < 0)
		printf("# cannot deactivate zed: %s\n", err.msg);
	add_row(s, STORE_CONTAINERS, "alpha", "aaaa1111", "/web-alpha");
	add_row(s, STORE_CONTAINERS, "alpha", "aaaa2222", "/db");
	add_row(s, STORE_CONTAINERS, "lab", "bbbb1111", "/web-lab");
	add_row(s, STORE_CONTAINERS, "lab", "bbbb2222", "/db");
	add_row(s, STORE_CONTAINERS, "zed", "cccc1111", "/web-zed");
	add_row(s, STORE_CONTAINERS, "gone", "dddd1111", "/web-gone");
	add_row(s, STORE_CONTAINERS, "new", "eeee1111", "/web-new");
	add_row(s, STORE_IMAGES, "alpha", "sha256:1111", "busybox:latest");
	add_row(s, STORE_IMAGES, "lab", "sha256:2222", "busybox:lab");
	add_row(s, STORE_IMAGES, "zed", "sha256:3333", "busybox:zed");
	add_row(s, STORE_VOLUMES, "alpha", "", "data-alpha");
	add_row(s, STORE_VOLUMES, "lab", "", "data-lab");
	add_row(s, STORE_VOLUMES, "zed", "", "data-zed");
	add_row(s, STORE_NETWORKS, "alpha", "ffff1111", "appnet");
	add_row(s, STORE_NETWORKS, "zed", "ffff2222", "appnet-zed");

	complete_store_init(&cs, &sh, &src);
	is_str(cands("container start w", &src), "web-alpha web-lab",
	       "pool mode: the containers of every active host");
	is_str(cands("container start ", &src), "db web-alpha web-lab",
	       "a name on two hosts is offered once");
	is_str(cands("container create busy", &src), "busybox:lab busybox:latest",
	       "pool mode: the images of every active host");
	is_str(cands("volume inspect da", &src), "data-alpha data-lab",
	       "pool mode: the volumes of every active host");
	is_str(cands("network delete app", &src), "appnet", "pool mode: the networks of every active host");

	sh.current_host = strdup("zed");
	is_str(cands("container start w", &src), "web-zed", "pinned: that host's containers only");
	is_str(cands("image delete busy", &src), "busybox:zed", "pinned: that host's images only");
	is_str(cands("volume delete ", &src), "data-zed", "pinned: that host's volumes only");
	is_str(cands("network inspect ", &src), "appnet-zed", "pinned: that host's networks only");
	free(sh.current_host);
	sh.current_host = NULL;

	if (pool_set_state(&sh.fleet, "alpha", "inactive", "test", &err) < 0 ||
	    pool_set_state(&sh.fleet, "lab", "inactive", "test", &err) < 0)
		printf("# cannot deactivate: %s\n", err.msg);
	is_str(cands("container start w", &src), "", "no active host: nothing to offer");

	shell_release(&sh);
	ok(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "store test directory removed");
}

int main(void)
{
	test_command_words();
	test_verbs();
	test_options();
	test_values();
	test_help_words();
	test_option_values();
	test_word_position();
	test_common_and_quote();
	test_files();
	test_list();
	test_store_source();
	return done_testing();
}
