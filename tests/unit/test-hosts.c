/* test-hosts.c: host resolution (backends/pool/hosts.c) and completion from the
 * store (shell/complete_store.c) through a real shell context: the
 * configuration first, then the store's hosts collection; registering with
 * its checks, forgetting with its cache, the engine's facts written back,
 * and a store that cannot be opened costing only the registered hosts.
 *
 * On the file store in a temporary directory, or on MongoDB (FerretDB in
 * the suite) when BERTH_TEST_MONGODB_URI is set, in database
 * berth_test_hosts_PID, dropped at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "shell/shell.h"
#include "backends/pool/hosts.h"
#include "lib/names.h"
#include "shell/complete.h"
#include "shell/complete_store.h"
#include "backends/store/store.h"
#include "backends/store/store_docs.h"
#include "tests/unit/tap.h"

static char dir[4096];
static char dbname[64];
static const char *mongo_uri;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void setup_env(void)
{
	char path[4200], conf[8192];

	snprintf(dir, sizeof(dir), "%s/berth-hosts.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	setenv("HOME", dir, 1);
	snprintf(path, sizeof(path), "%s/xdg", dir);
	setenv("XDG_CONFIG_HOME", path, 1);
	setenv("XDG_DATA_HOME", path, 1);
	setenv("XDG_STATE_HOME", path, 1);
	unsetenv("DOCKER_HOST");
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
	unsetenv("BERTH_HOST");
	unsetenv("BERTH_MONGODB_DATABASE");

	snprintf(path, sizeof(path), "%s/berth.yaml", dir);
	snprintf(conf, sizeof(conf),
		 "default_host: alpha\n"
		 "hosts:\n"
		 "  alpha: { url: unix:///nonexistent/alpha.sock }\n"
		 "  zed: { url: unix:///nonexistent/zed.sock }\n");
	write_file(path, conf);
	setenv("BERTH_CONFIG", path, 1);

	if (mongo_uri) {
		snprintf(dbname, sizeof(dbname), "berth_test_hosts_%ld", (long)getpid());
		setenv("BERTH_MONGODB_URI", mongo_uri, 1);
		unsetenv("BERTH_STORE_DIR");
		/* the database is the configuration's: set below on the shell */
	} else {
		unsetenv("BERTH_MONGODB_URI");
		snprintf(path, sizeof(path), "%s/store", dir);
		setenv("BERTH_STORE_DIR", path, 1);
	}

	/* TLS material: only its presence is checked here */
	snprintf(path, sizeof(path), "%s/certs", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/certs/ca.pem", dir);
	write_file(path, "x\n");
	snprintf(path, sizeof(path), "%s/certs/cert.pem", dir);
	write_file(path, "x\n");
	snprintf(path, sizeof(path), "%s/half", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/half/ca.pem", dir);
	write_file(path, "x\n");
	snprintf(path, sizeof(path), "%s/half/cert.pem", dir);
	write_file(path, "x\n");
}

static int open_shell(struct shell *sh)
{
	if (shell_init(sh, SHELL_BATCH) < 0)
		return -1;
	if (mongo_uri) {
		free(sh->settings.mongodb_database);
		sh->settings.mongodb_database = strdup(dbname);
	}
	return 0;
}

static int find_idx(const struct host_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return (int)i;
	return -1;
}

static void test_config_first(struct shell *sh)
{
	struct host_ref h;
	struct berr err;

	ok(valid_host_name("lab-1_a.b") && !valid_host_name("a b") && !valid_host_name("") &&
	   !valid_host_name("tcp://x") && !valid_host_name("a+b"),
	   "host names: letters, digits, '-', '_', '.'");
	is_int(hosts_find(&sh->fleet, "alpha", 0, &h, &err), 1, "a configured host is found");
	ok(h.from_config && !strcmp(h.url, "unix:///nonexistent/alpha.sock") && !h.doc,
	   "... with the configuration's settings");
	host_ref_release(&h);
	ok(sh->fleet.store == NULL && !sh->fleet.store_failed, "... and the store was not opened for it");
	is_int(hosts_find(&sh->fleet, "no such", 0, &h, &err), 0, "a name no host can have: not found");
	ok(sh->fleet.store == NULL, "... without opening the store");
}

static void test_register(struct shell *sh)
{
	struct host_new h;
	struct berr err;
	struct host_ref r;
	bson_t doc;
	char want[8192];

	memset(&h, 0, sizeof(h));
	h.name = "a b";
	h.url = "unix:///x.sock";
	is_int(hosts_register(&sh->fleet, &h, NULL, NULL, &err), -1, "host add of a bad name fails");
	is_int(err.kind, BERR_USAGE, "... as a usage error");

	h.name = "lab";
	h.url = "ftp://x";
	hosts_register(&sh->fleet, &h, NULL, NULL, &err);
	is_str(err.msg, "invalid URL 'ftp://x' for host lab: use unix:///PATH or tcp://HOST:PORT",
	       "a bad scheme names the accepted ones");
	is_int(err.kind, BERR_USAGE, "... as a usage error");

	h.url = "tcp://10.0.0.5:2375";
	is_int(hosts_register(&sh->fleet, &h, NULL, NULL, &err), -1, "tcp:// without TLS or --insecure is refused");
	ok(err.kind == BERR_USAGE && strstr(err.msg, "--insecure"), "... saying how to allow it (%s)",
	   err.msg);

	h.tls_dir = "half";
	is_int(hosts_register(&sh->fleet, &h, NULL, NULL, &err), -1, "a TLS dir without key.pem is refused");
	ok(err.kind == BERR_USAGE && strstr(err.msg, "key.pem"), "... naming key.pem (%s)", err.msg);

	h.tls_dir = "nosuchdir";
	is_int(hosts_register(&sh->fleet, &h, NULL, NULL, &err), -1, "a missing TLS dir is refused");
	is_int(err.kind, BERR_USAGE, "... as a usage error");

	h.tls_dir = "certs";
	h.url = "unix:///x.sock";
	is_int(hosts_register(&sh->fleet, &h, NULL, NULL, &err), -1, "a TLS dir for a unix socket is refused");

	/* from the temporary dir, so that "certs" is relative */
	snprintf(want, sizeof(want), "%s/certs/key.pem", dir);
	write_file(want, "x\n");
	h.name = "secure";
	h.url = "tcp://10.0.0.5:2376";
	h.tls_dir = "./certs/";
	h.reason = "unit test";
	is_int(hosts_register(&sh->fleet, &h, &doc, NULL, &err), 0, "host add secure with a complete TLS dir");
	snprintf(want, sizeof(want), "%s/certs", dir);
	is_str(store_doc_str(&doc, "tls_dir"), want, "... stores the TLS dir as an absolute path");
	is_str(store_doc_str(&doc, "state"), "spawned", "... in state spawned");
	bson_destroy(&doc);

	memset(&h, 0, sizeof(h));
	h.name = "mid";
	h.url = "unix:///nonexistent/mid.sock";
	is_int(hosts_register(&sh->fleet, &h, NULL, NULL, &err), 0, "host add mid (unix://)");
	h.name = "beta";
	h.url = "tcp://127.0.0.1:1";
	h.insecure = 1;
	is_int(hosts_register(&sh->fleet, &h, NULL, NULL, &err), 0, "host add beta (tcp://, --insecure)");
	is_int(hosts_register(&sh->fleet, &h, NULL, NULL, &err), -1, "host add beta again fails");
	is_str(err.msg, "host beta already exists (remove it first with 'host remove beta')",
	       "... with the duplicate message");
	is_int(err.kind, BERR_CONFLICT, "... as a conflict (exit 1)");
	h.name = "alpha";
	h.url = "unix:///elsewhere.sock";
	h.insecure = 0;
	is_int(hosts_register(&sh->fleet, &h, NULL, NULL, &err), -1, "host add of a configured name fails");
	is_str(err.msg, "host alpha already exists (remove it first with 'host remove alpha')",
	       "... with the same message");

	is_int(hosts_find(&sh->fleet, "beta", 0, &r, &err), 1, "a registered host is found in the store");
	ok(!r.from_config && r.insecure && !strcmp(r.url, "tcp://127.0.0.1:1") && r.doc,
	   "... with its settings and document");
	host_ref_release(&r);
}

static json_t *fake_info(void)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:I, s:s}", "ID", "ENGINE:MID", "ServerVersion", "99.1",
			 "ApiVersion", "1.41", "NCPU", 4, "MemTotal", (json_int_t)1 << 30,
			 "OperatingSystem", "test OS");
}

static void test_record_seen(struct shell *sh)
{
	struct host_ref r;
	struct berr err;
	json_t *info = fake_info();
	int64_t changed;

	is_int(hosts_find(&sh->fleet, "mid", 0, &r, &err), 1, "mid is registered");
	changed = store_doc_date(r.doc, "state_changed");
	host_ref_release(&r);
	usleep(5000);
	is_int(hosts_record_seen(&sh->fleet, "mid", info), 0, "hosts_record_seen(mid, info)");
	hosts_find(&sh->fleet, "mid", 0, &r, &err);
	is_str(store_doc_str(r.doc, "state"), "active", "... mid is active");
	is_str(store_doc_str(r.doc, "engine.version"), "99.1", "... with the engine's version");
	is_int(store_doc_int(r.doc, "engine.ncpu", 0), 4, "... and CPUs");
	is_str(store_doc_str(r.doc, "engine.id"), "ENGINE:MID", "... and its ID");
	ok(store_doc_date(r.doc, "last_seen") > 0, "... last seen");
	ok(store_doc_date(r.doc, "state_changed") > changed, "... and the change of state dated");
	is_str(store_doc_str(r.doc, "url"), "unix:///nonexistent/mid.sock", "... its URL untouched");
	host_ref_release(&r);

	is_int(hosts_record_seen(&sh->fleet, "alpha", NULL), 0, "hosts_record_seen of a configured host");
	is_int(hosts_find(&sh->fleet, "alpha", HOSTS_WITH_DOC, &r, &err), 1, "alpha is found");
	ok(r.from_config && r.doc, "... with a document now");
	if (r.doc) {
		is_str(store_doc_str(r.doc, "url"), "unix:///nonexistent/alpha.sock",
		       "... holding the configuration's URL");
		is_str(store_doc_str(r.doc, "state"), "active", "... active");
	}
	host_ref_release(&r);

	is_int(hosts_record_seen(&sh->fleet, "ghost", info), 0, "hosts_record_seen of an unknown host");
	is_int(hosts_find(&sh->fleet, "ghost", 0, &r, &err), 0, "... does not register it");
	is_int(hosts_record_seen(&sh->fleet, "tcp://10.0.0.1:2375", info), 0,
	       "hosts_record_seen of an ad-hoc URL host");
	is_int(hosts_find(&sh->fleet, "tcp://10.0.0.1:2375", 0, &r, &err), 0, "... is not stored");
	json_decref(info);
}

static void test_list(struct shell *sh)
{
	static const char *const want[] = { "local", "alpha", "zed", "beta", "mid", "secure" };
	struct host_list l;
	char *known;
	int order = 1, a;

	hosts_list(&sh->fleet, HOSTS_WITH_DOC, &l);
	ok(l.store_ok, "hosts_list: the store answered");
	is_int(l.n, 6, "hosts_list: config and store, alpha (in both) once");
	for (size_t i = 0; i < l.n && i < 6; i++)
		if (strcmp(l.v[i].name, want[i]))
			order = 0;
	ok(order, "... the configuration's in order, then the store's sorted by name");
	a = find_idx(&l, "alpha");
	ok(a >= 0 && l.v[a].from_config && l.v[a].doc, "... alpha: config settings with its document");
	host_list_release(&l);

	hosts_list(&sh->fleet, 0, &l);
	a = find_idx(&l, "alpha");
	ok(a >= 0 && !l.v[a].doc, "without HOSTS_WITH_DOC configured hosts carry no document");
	host_list_release(&l);

	known = hosts_known_names(&sh->fleet);
	is_str(known, "local, alpha, zed, beta, mid, secure", "hosts_known_names");
	free(known);
}

/* One engine, one host: a second host for an engine whose ID a host's
 * document records is refused, naming the first. */
static void test_twins(struct shell *sh)
{
	json_t *first = json_pack("{s:s}", "ID", "ENGINE:ONE"), *other = json_pack("{s:s}", "ID", "ENGINE:TWO");
	struct host_new h;
	struct host_ref r;
	struct berr err;
	char *twin = NULL;
	bson_t doc;

	memset(&h, 0, sizeof(h));
	h.name = "one";
	h.url = "unix:///nonexistent/one.sock";
	h.info = first;
	is_int(hosts_register(&sh->fleet, &h, &doc, &twin, &err), 0, "host add one with its engine's ID");
	ok(twin == NULL, "... with no twin");
	is_str(store_doc_str(&doc, "engine.id"), "ENGINE:ONE", "... recording the ID");
	ok(store_doc_date(&doc, "last_seen") > 0, "... and that the engine answered");
	bson_destroy(&doc);

	h.name = "dup";
	h.url = "unix:///nonexistent/dup.sock";
	is_int(hosts_register(&sh->fleet, &h, NULL, &twin, &err), -1,
	       "host add of one's engine under another name fails");
	is_int(err.kind, BERR_CONFLICT, "... as a conflict (exit 1)");
	is_str(err.msg, "dup is the same engine as one (ID ENGINE:ONE); remove one first or use it",
	       "... naming the first host and the engine's ID");
	is_str(twin, "one", "... and giving the first host's name");
	free(twin);
	is_int(hosts_find(&sh->fleet, "dup", 0, &r, &err), 0, "... nothing is stored");

	h.info = other;
	is_int(hosts_register(&sh->fleet, &h, NULL, &twin, &err), 0, "another engine is registered");
	ok(twin == NULL, "... with no twin");
	json_decref(first);
	json_decref(other);
}

static void add_container(struct store *s, const char *host, const char *id, const char *name)
{
	json_t *e = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:s, s:I}", "Id", id, "Names", name,
			      "Image", "busybox", "Command", "true", "State", "created", "Status",
			      "Created", "Created", (json_int_t)1700000000);
	bson_t doc;
	struct berr err;

	bson_init(&doc);
	if (store_doc_container(&doc, host, e, store_now_ms(), &err) < 0 ||
	    store_insert(s, STORE_CONTAINERS, &doc, &err) < 0)
		printf("# cannot add container %s: %s\n", name, err.msg);
	bson_destroy(&doc);
	json_decref(e);
}

static void add_image(struct store *s, const char *host, const char *id, const char *tag)
{
	json_t *e = json_pack("{s:s, s:[s], s:I, s:I}", "Id", id, "RepoTags", tag, "Size",
			      (json_int_t)1000, "Created", (json_int_t)1700000000);
	bson_t doc;
	struct berr err;

	bson_init(&doc);
	if (store_doc_image(&doc, host, e, store_now_ms(), &err) < 0 ||
	    store_insert(s, STORE_IMAGES, &doc, &err) < 0)
		printf("# cannot add image %s: %s\n", tag, err.msg);
	bson_destroy(&doc);
	json_decref(e);
}

static char *complete_names(const struct complete_source *src, enum arg_kind kind,
			    const char *prefix)
{
	struct complete_list l;
	char *out = NULL;
	size_t len = 0;

	memset(&l, 0, sizeof(l));
	src->names(src->ud, kind, prefix, &l);
	/* sorted, so that the store's order does not matter */
	for (size_t i = 0; i < l.n; i++)
		for (size_t j = i + 1; j < l.n; j++)
			if (strcmp(l.items[i], l.items[j]) > 0) {
				char *t = l.items[i];
				l.items[i] = l.items[j];
				l.items[j] = t;
			}
	for (size_t i = 0; i < l.n; i++) {
		size_t n = strlen(l.items[i]);

		out = realloc(out, len + n + 2);
		if (len)
			out[len++] = ' ';
		memcpy(out + len, l.items[i], n);
		len += n;
	}
	out = realloc(out, len + 1);
	out[len] = '\0';
	complete_list_release(&l);
	return out;
}

static void test_complete(struct shell *sh)
{
	struct complete_store cs;
	struct complete_source src;
	struct berr err;
	struct store *s = fleet_store(&sh->fleet, &err);
	char *got;

	if (!s) {
		printf("Bail out! no store: %s\n", err.msg);
		exit(1);
	}
	add_container(s, "mid", "aaaa11112222333344445555666677778888999900001111222233334444abcd", "/web1");
	add_container(s, "mid", "bbbb11112222333344445555666677778888999900001111222233334444abcd", "/web2");
	add_container(s, "mid", "cccc11112222333344445555666677778888999900001111222233334444abcd", "/db");
	add_container(s, "zed", "dddd11112222333344445555666677778888999900001111222233334444abcd", "/web-zed");
	add_image(s, "mid", "sha256:1111", "busybox:latest");
	add_image(s, "mid", "sha256:2222", "busybox:v2");
	add_image(s, "zed", "sha256:3333", "alpine:3");

	complete_store_init(&cs, sh, &src);
	free(sh->current_host);
	sh->current_host = strdup("mid");
	got = complete_names(&src, ARG_CONTAINER, "we");
	is_str(got, "web1 web2", "container names of the current host only, by prefix");
	free(got);
	got = complete_names(&src, ARG_CONTAINER, "");
	is_str(got, "db web1 web2", "a bare Tab: every name, no IDs");
	free(got);
	got = complete_names(&src, ARG_CONTAINER, "bbbb");
	is_str(got, "bbbb11112222", "a hex prefix completes a short ID");
	free(got);
	got = complete_names(&src, ARG_IMAGE, "busybox:");
	is_str(got, "busybox:latest busybox:v2", "image references from the cached tags");
	free(got);
	got = complete_names(&src, ARG_IMAGE, "alp");
	is_str(got, "", "... of the current host only");
	free(got);
	got = complete_names(&src, ARG_HOST, "");
	is_str(got, "alpha beta mid secure", "host names from the store (the REPL adds the configured)");
	free(got);
	got = complete_names(&src, ARG_HOST, "s");
	is_str(got, "secure", "... by prefix");
	free(got);
	free(sh->current_host);
	sh->current_host = strdup("zed");
	got = complete_names(&src, ARG_CONTAINER, "w");
	is_str(got, "web-zed", "another current host, its own containers");
	free(got);
}

/* Runs line with stdout sent to /dev/null (the TAP stream is stdout). */
static int run_quiet(struct shell *sh, const char *line)
{
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY), rc;

	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	rc = shell_run_line(sh, line);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	return rc;
}

static void test_unregister(struct shell *sh)
{
	struct store *s;
	struct berr err;
	struct host_ref r;
	bson_t sel;
	int64_t n = -1;
	char want[8192];

	is_int(hosts_unregister(&sh->fleet, "alpha", NULL, &err), -1, "host remove of a configured host fails");
	snprintf(want, sizeof(want), "host alpha comes from the configuration (%s/berth.yaml); remove it there",
		 dir);
	is_str(err.msg, want, "... naming the file to edit");
	is_int(hosts_unregister(&sh->fleet, "nosuch", NULL, &err), -1, "host remove of an unknown host fails");
	ok(err.kind == BERR_USAGE && strstr(err.msg, "unknown host: nosuch"), "... as unknown, a usage error (%s)",
	   err.msg);

	is_int(shell_set_host(sh, "mid"), 0, "host use mid (registered)");
	ok(fleet_backend_for(&sh->fleet, "mid", &err) != NULL, "... its engine client can be made");
	is_int(run_quiet(sh, "host remove mid"), 0, "host remove mid");
	is_str(sh->current_host, "alpha", "... the current host falls back to default_host");
	ok(sh->fleet.nbackends == 0 || strcmp(sh->fleet.backends[0].host, "mid"),
	   "... its engine client is dropped");
	is_int(hosts_find(&sh->fleet, "mid", 0, &r, &err), 0, "... mid is no longer found");
	s = fleet_store(&sh->fleet, &err);
	bson_init(&sel);
	BSON_APPEND_UTF8(&sel, "host", "mid");
	store_count(s, STORE_CONTAINERS, &sel, &n, &err);
	is_int(n, 0, "... nor its cached containers");
	store_count(s, STORE_IMAGES, &sel, &n, &err);
	is_int(n, 0, "... nor its cached images");
	bson_destroy(&sel);
	bson_init(&sel);
	BSON_APPEND_UTF8(&sel, "host", "zed");
	store_count(s, STORE_CONTAINERS, &sel, &n, &err);
	is_int(n, 1, "another host's cached containers are kept");
	bson_destroy(&sel);
	is_int(shell_set_host(sh, "mid"), CMD_USAGE, "host use mid afterwards: unknown host, a usage error");
}

/* A store that cannot be opened: configured hosts work, registered ones
 * are unavailable, and the store is not tried again. */
static void test_store_unavailable(void)
{
	struct shell sh;
	struct host_ref r;
	struct host_list l;
	struct berr err;
	char path[4200];

	if (mongo_uri) {
		printf("ok %d # SKIP store down: the file store's case covers hosts.c\n", ++tap_n);
		return;
	}
	snprintf(path, sizeof(path), "%s/afile", dir);
	write_file(path, "not a directory\n");
	snprintf(path, sizeof(path), "%s/afile/store", dir);
	setenv("BERTH_STORE_DIR", path, 1);
	if (open_shell(&sh) < 0) {
		ok(0, "a shell with an unusable store dir");
		return;
	}
	is_int(hosts_find(&sh.fleet, "alpha", 0, &r, &err), 1, "store unavailable: a configured host is found");
	host_ref_release(&r);
	is_int(hosts_find(&sh.fleet, "beta", 0, &r, &err), -1, "... a registered one is unavailable (-1)");
	ok(err.msg[0] != '\0', "... saying why (%s)", err.msg);
	ok(sh.fleet.store_failed, "... and the failure is remembered");
	hosts_list(&sh.fleet, HOSTS_WITH_DOC, &l);
	ok(!l.store_ok && l.n == 3, "hosts_list: the configured hosts, store_ok 0");
	host_list_release(&l);
	ok(shell_set_host(&sh, "zed") == 0 && fleet_backend_for(&sh.fleet, "zed", &err) != NULL,
	   "host use of a configured host still works");
	is_int(shell_set_host(&sh, "beta"), CMD_ERROR, "host use of a registered host fails");
	shell_release(&sh);
}

int main(void)
{
	struct shell sh;

	mongo_uri = getenv("BERTH_TEST_MONGODB_URI");
	if (mongo_uri && !*mongo_uri)
		mongo_uri = NULL;
	setup_env();
	printf("# testing on the %s store\n", mongo_uri ? "MongoDB" : "file");
	if (chdir(dir) < 0 || open_shell(&sh) < 0) {
		printf("Bail out! cannot set up the shell in %s\n", dir);
		return 1;
	}
	test_config_first(&sh);
	test_register(&sh);
	test_record_seen(&sh);
	test_list(&sh);
	test_complete(&sh);
	test_unregister(&sh);
	test_twins(&sh);
	if (mongo_uri) {
		struct berr err;
		struct store *s = fleet_store(&sh.fleet, &err);

		for (int c = 0; s && c < STORE_NCOLLS; c++)
			store_drop(s, (enum store_coll)c, NULL, &err);
	}
	shell_release(&sh);
	test_store_unavailable();

	if (chdir("/") == 0)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
