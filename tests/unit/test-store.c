/* test-store.c: every store operation, on the file store, or on MongoDB
 * (FerretDB in the suite) when BERTH_TEST_MONGODB_URI is set: one source,
 * run once per store (tests/t2000-store.sh runs both).
 *
 * Environment:
 *   BERTH_TEST_MONGODB_URI  use MongoDB at this URI (database
 *                           BERTH_TEST_MONGODB_DB, default "berth_test")
 *   BERTH_TEST_STORE_DIR    file store directory, kept afterwards (default:
 *                           a temporary directory, removed)
 *   TOP_SRCDIR              where tests/data/engine-*.json are
 *   BERTH_TEST_DATA_DIR     engine-{containers,images,info}.json of a live
 *                           engine, for the fixture (default: tests/data's)
 * The last test leaves host "fixture" (from those engine replies) in the
 * store for tests/check-store.py to read.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <mongoc/mongoc.h>
#include "backends/store/store.h"
#include "backends/store/store_docs.h"
#include "backends/pool/host_doc.h"
#include "shell/settings.h"
#include "tests/unit/tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static const char *mongo_uri, *mongo_db;
static char *file_dir;
static int file_dir_is_temp;
static int is_file; /* the store under test is the file store */
static int is_ferretdb; /* ... or FerretDB, whose updates are not atomic */

/* A TAP TODO: a known failure of the server, reported, not counted. */
static void todo_ok(int pass, const char *desc, const char *why)
{
	printf("%s %d - %s # TODO %s\n", pass ? "ok" : "not ok", ++tap_n, desc, why);
	fflush(stdout);
}

static void quiet_log(mongoc_log_level_t level, const char *domain, const char *message,
		      void *ud)
{
}

/* FerretDB says so in buildInfo. */
static int server_is_ferretdb(const char *uri)
{
	mongoc_client_t *c = mongoc_client_new(uri);
	bson_t *cmd = BCON_NEW("buildInfo", BCON_INT32(1)), reply;
	int yes = 0;

	if (c && mongoc_client_command_simple(c, "admin", cmd, NULL, &reply, NULL))
		yes = bson_has_field(&reply, "ferretdbVersion");
	if (c)
		bson_destroy(&reply);
	bson_destroy(cmd);
	if (c)
		mongoc_client_destroy(c);
	return yes;
}

static int open_store(struct store **s, struct berr *err)
{
	if (mongo_uri)
		return store_mongo_open(mongo_uri, mongo_db, s, err);
	return store_file_open(file_dir, s, err);
}

static struct store *must_open(void)
{
	struct store *s = NULL;
	struct berr err;

	berr_clear(&err);
	if (open_store(&s, &err) < 0) {
		printf("Bail out! cannot open the store: %s\n", err.msg);
		exit(1);
	}
	return s;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t count(struct store *s, enum store_coll c, const bson_t *sel)
{
	struct berr err;
	int64_t n = -1;

	berr_clear(&err);
	if (store_count(s, c, sel, &n, &err) < 0) {
		printf("# count of %s failed: %s\n", store_coll_name(c), err.msg);
		return -1;
	}
	return n;
}

/* Counts by a selector given as JSON text, to keep the tests readable. */
static int64_t count_json(struct store *s, enum store_coll c, const char *json)
{
	bson_error_t e;
	bson_t *sel = bson_new_from_json((const uint8_t *)json, -1, &e);
	int64_t n;

	if (!sel) {
		printf("# bad selector %s: %s\n", json, e.message);
		return -2;
	}
	n = count(s, c, sel);
	bson_destroy(sel);
	return n;
}

/* A recorded engine reply from tests/data, or with live from
 * $BERTH_TEST_DATA_DIR when set (t2000 records a running engine there). */
static json_t *load_engine_json(const char *leaf, int live)
{
	const char *top = getenv("TOP_SRCDIR"), *dir = getenv("BERTH_TEST_DATA_DIR");
	char path[4096];
	json_error_t je;
	json_t *j;

	if (live && dir && *dir)
		snprintf(path, sizeof(path), "%s/%s", dir, leaf);
	else
		snprintf(path, sizeof(path), "%s/tests/data/%s", top ? top : ".", leaf);
	j = json_load_file(path, 0, &je);
	if (!j) {
		printf("Bail out! cannot read %s: %s (set TOP_SRCDIR)\n", path, je.text);
		exit(1);
	}
	return j;
}

static json_t *load_json(const char *leaf)
{
	return load_engine_json(leaf, 0);
}

static void reset_all(struct store *s)
{
	struct berr err;

	for (int c = 0; c < STORE_NCOLLS; c++) {
		berr_clear(&err);
		if (store_drop(s, (enum store_coll)c, NULL, &err) < 0) {
			printf("Bail out! cannot empty %s: %s\n", store_coll_name(c), err.msg);
			exit(1);
		}
	}
}

/* A container document the way store_docs makes them from an engine. */
static bson_t *container(const char *host, const char *id, const char *name,
			 const char *state, int64_t created_s, int port)
{
	json_t *e = json_pack("{s:s, s:[s], s:s, s:s, s:I, s:s, s:s, s:{s:s}}",
			      "Id", id, "Names", name, "Image", "busybox:latest",
			      "Command", "sh", "Created", (json_int_t)created_s,
			      "State", state, "Status", state, "Labels", "app", name);
	bson_t *d = bson_new();
	struct berr err;

	if (port)
		json_object_set_new(e, "Ports", json_pack("[{s:s, s:i, s:i, s:s}]", "IP", "0.0.0.0",
							  "PrivatePort", 80, "PublicPort", port,
							  "Type", "tcp"));
	if (store_doc_container(d, host, e, store_now_ms(), &err) < 0)
		printf("# store_doc_container: %s\n", err.msg);
	json_decref(e);
	return d;
}

static void free_docs(bson_t **docs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bson_destroy(docs[i]);
	free(docs);
}

/* --- hosts: insert, unique names, upsert, persistence ----------------------- */

static void test_hosts(void)
{
	struct store *s = must_open();
	struct host_doc_new h = { .name = "alpha", .url = "unix:///run/a.sock", .state = "active" };
	json_t *info = load_json("engine-info.json");
	const char *names[] = { "alpha", "beta", "gamma" };
	bson_t doc, got, *sel;
	struct berr err;
	int found = 0;

	for (size_t i = 0; i < 3; i++) {
		h.name = names[i];
		bson_init(&doc);
		host_doc_build(&doc, &h, i == 0 ? info : NULL, store_now_ms(), &err);
		ok(store_insert(s, STORE_HOSTS, &doc, &err) == 0, "insert host %s", names[i]);
		bson_destroy(&doc);
	}
	is_int(count(s, STORE_HOSTS, NULL), 3, "three hosts");

	h.name = "alpha";
	h.url = "tcp://10.0.0.9:2376";
	bson_init(&doc);
	host_doc_build(&doc, &h, NULL, store_now_ms(), &err);
	berr_clear(&err);
	ok(store_insert(s, STORE_HOSTS, &doc, &err) < 0, "a second host alpha is refused");
	is_int(err.kind, BERR_CONFLICT, "as a conflict");
	is_str(err.msg, "store: hosts: name \"alpha\" already exists", "naming the name");
	is_int(count(s, STORE_HOSTS, NULL), 3, "still three hosts");

	/* upsert replaces by selector and keeps the _id */
	sel = BCON_NEW("name", BCON_UTF8("alpha"));
	ok(store_find_one(s, STORE_HOSTS, sel, &got, &found, &err) == 0 && found, "find alpha");
	ok(store_upsert(s, STORE_HOSTS, sel, &doc, &err) == 0, "upsert alpha");
	bson_destroy(&doc);
	{
		bson_t again;
		int f2 = 0;

		store_find_one(s, STORE_HOSTS, sel, &again, &f2, &err);
		is_str(store_doc_str(&again, "url"), "tcp://10.0.0.9:2376", "alpha has the new URL");
		ok(f2 && store_doc_date(&again, "state_changed") > 0, "and a state_changed date");
		{
			bson_iter_t a, b;

			ok(bson_iter_init_find(&a, &got, "_id") && bson_iter_init_find(&b, &again, "_id") &&
			   bson_oid_equal(bson_iter_oid(&a), bson_iter_oid(&b)), "and the same _id");
		}
		is_str(store_doc_str(&got, "engine.version"), "20.10.24+dfsg1",
		       "the engine facts were stored with alpha");
		is_int(store_doc_int(&got, "engine.ncpu", -1), 2, "engine.ncpu");
		is_int(store_doc_int(&got, "errors", -1), 0, "errors starts at 0");
		bson_destroy(&again);
	}
	bson_destroy(&got);
	bson_destroy(sel);

	/* an upsert that matches nothing inserts */
	h.name = "delta";
	sel = BCON_NEW("name", BCON_UTF8("delta"));
	bson_init(&doc);
	host_doc_build(&doc, &h, NULL, store_now_ms(), &err);
	ok(store_upsert(s, STORE_HOSTS, sel, &doc, &err) == 0, "upsert of a new host inserts it");
	is_int(count(s, STORE_HOSTS, NULL), 4, "four hosts");
	bson_destroy(sel);
	/* ... and one that would rename a host onto another's name is refused */
	sel = BCON_NEW("name", BCON_UTF8("beta"));
	berr_clear(&err);
	ok(store_upsert(s, STORE_HOSTS, sel, &doc, &err) < 0 && err.kind == BERR_CONFLICT,
	   "renaming beta to delta by upsert is refused: %s", err.msg);
	is_int(count_json(s, STORE_HOSTS, "{\"name\": \"beta\"}"), 1, "beta is still there");
	bson_destroy(sel);
	bson_destroy(&doc);
	json_decref(info);
	store_free(s);

	/* persistence: another handle (another process would do the same) */
	s = must_open();
	is_int(count(s, STORE_HOSTS, NULL), 4, "the hosts are there after reopening");
	is_int(count_json(s, STORE_HOSTS, "{\"name\": \"alpha\", \"url\": \"tcp://10.0.0.9:2376\"}"), 1,
	       "with their documents");
	store_free(s);
}

/* --- selectors, sort, limit, remove ------------------------------------------ */

struct collect {
	char names[16][32];
	int n;
};

static int collect_name(void *ud, const bson_t *doc, struct berr *err)
{
	struct collect *c = ud;
	const char *name = store_doc_str(doc, "name");

	if (c->n < 16)
		snprintf(c->names[c->n++], sizeof(c->names[0]), "%s", name ? name : "?");
	return 0;
}

static int fail_on_second(void *ud, const bson_t *doc, struct berr *err)
{
	int *n = ud;

	if (++*n == 2)
		return berr_set(err, BERR_LOCAL, "callback gave up");
	return 0;
}

static void test_selectors(void)
{
	struct store *s = must_open();
	const char *states[] = { "running", "exited", "running", "created", "running" };
	const char *names[] = { "a", "b", "c", "d", "e" };
	struct collect got = { .n = 0 };
	struct store_find_opts opts = { NULL, 0 };
	bson_t *sort, *sel;
	struct berr err;
	char json[512];
	int64_t removed = -1;
	int calls = 0;

	for (int i = 0; i < 5; i++) {
		char id[16];
		bson_t *d;

		snprintf(id, sizeof(id), "id%d", i);
		d = container("h1", id, names[i], states[i], 1700000000 + i * 100, i ? 8000 + i : 0);
		ok(store_insert(s, STORE_CONTAINERS, d, &err) == 0, "insert container %s", names[i]);
		bson_destroy(d);
	}
	{
		bson_t *d = container("h2", "id0", "a", "running", 1700000000, 0);

		ok(store_insert(s, STORE_CONTAINERS, d, &err) == 0,
		   "the same id on another host is another container");
		berr_clear(&err);
		ok(store_insert(s, STORE_CONTAINERS, d, &err) < 0 && err.kind == BERR_CONFLICT,
		   "but not twice on one host: %s", err.msg);
		bson_destroy(d);
	}
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"h1\"}"), 5, "equality");
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"h1\", \"state\": \"running\"}"), 3,
	       "two equalities");
	is_int(count_json(s, STORE_CONTAINERS, "{\"name\": {\"$in\": [\"a\", \"d\", \"zz\"]}}"), 3,
	       "$in");
	is_int(count_json(s, STORE_CONTAINERS, "{\"state\": {\"$nin\": [\"running\"]}}"), 2, "$nin");
	is_int(count_json(s, STORE_CONTAINERS, "{\"state\": {\"$ne\": \"running\"}}"), 2, "$ne");
	snprintf(json, sizeof(json), "{\"host\": \"h1\", \"created\": {\"$lt\": {\"$date\": %lld}}}",
		 1700000200LL * 1000);
	is_int(count_json(s, STORE_CONTAINERS, json), 2, "$lt on dates");
	snprintf(json, sizeof(json), "{\"host\": \"h1\", \"created\": {\"$gte\": {\"$date\": %lld}, "
		 "\"$lte\": {\"$date\": %lld}}}", 1700000100LL * 1000, 1700000300LL * 1000);
	is_int(count_json(s, STORE_CONTAINERS, json), 3, "$gte and $lte together");
	is_int(count_json(s, STORE_CONTAINERS, "{\"created\": {\"$lt\": 1700000200000}}"), 0,
	       "a number never compares with a date");
	is_int(count_json(s, STORE_CONTAINERS, "{\"ports.public_port\": {\"$gt\": 8002}}"), 2,
	       "$gt on a number inside an array of subdocuments");
	is_int(count_json(s, STORE_CONTAINERS, "{\"ports.public_port\": {\"$exists\": true}}"), 4,
	       "$exists true");
	is_int(count_json(s, STORE_CONTAINERS, "{\"ports.public_port\": {\"$exists\": false}}"), 2,
	       "$exists false");
	is_int(count_json(s, STORE_CONTAINERS, "{\"labels.app\": \"c\"}"), 1, "a dotted path");
	is_int(count_json(s, STORE_CONTAINERS, "{\"label_kv\": \"app=e\"}"), 1,
	       "equality with an element of an array");
	is_int(count_json(s, STORE_CONTAINERS, "{\"no_such_field\": null}"), 6,
	       "null matches a missing field");
	is_int(count_json(s, STORE_CONTAINERS,
			  "{\"host\": \"h1\", \"$or\": [{\"name\": \"a\"}, {\"state\": \"created\"}]}"), 2,
	       "$or");
	is_int(count_json(s, STORE_CONTAINERS,
			  "{\"$and\": [{\"host\": \"h1\"}, {\"state\": \"running\"}]}"), 3, "$and");
	if (is_file) {
		bson_t *bad = BCON_NEW("name", "{", "$regex", BCON_UTF8("^a"), "}");
		int64_t n;

		berr_clear(&err);
		ok(store_count(s, STORE_CONTAINERS, bad, &n, &err) < 0 && err.kind == BERR_USAGE,
		   "an operator the file store does not know is refused: %s", err.msg);
		bson_destroy(bad);
	} else {
		ok(1, "# skip the server knows more operators than the file store");
	}

	sort = BCON_NEW("state", BCON_INT32(1), "name", BCON_INT32(-1));
	sel = BCON_NEW("host", BCON_UTF8("h1"));
	opts.sort = sort;
	ok(store_find(s, STORE_CONTAINERS, sel, &opts, collect_name, &got, &err) == 0, "find sorted");
	is_int(got.n, 5, "all five");
	is_str(got.names[0], "d", "created first");
	is_str(got.names[1], "b", "then exited");
	is_str(got.names[2], "e", "then running, names descending");
	is_str(got.names[4], "a", "a last");
	got.n = 0;
	opts.limit = 2;
	ok(store_find(s, STORE_CONTAINERS, sel, &opts, collect_name, &got, &err) == 0 && got.n == 2 &&
	   !strcmp(got.names[1], "b"), "limit 2 after sorting");
	berr_clear(&err);
	ok(store_find(s, STORE_CONTAINERS, sel, NULL, fail_on_second, &calls, &err) < 0 &&
	   calls == 2 && !strcmp(err.msg, "callback gave up"), "a failing callback stops the find");

	bson_destroy(sel);
	sel = BCON_NEW("host", BCON_UTF8("h1"), "state", BCON_UTF8("running"));
	ok(store_remove(s, STORE_CONTAINERS, sel, &removed, &err) == 0, "remove by selector");
	is_int(removed, 3, "three removed");
	ok(store_remove(s, STORE_CONTAINERS, sel, &removed, &err) == 0 && removed == 0,
	   "removing nothing is no error");
	is_int(count(s, STORE_CONTAINERS, NULL), 3, "three containers left");
	bson_destroy(sel);
	bson_destroy(sort);
	store_free(s);
}

/* --- replace-set ---------------------------------------------------------- */

static bson_t **make_set(const char *host, int from, int n)
{
	bson_t **docs = calloc((size_t)n + 1, sizeof(*docs));

	for (int i = 0; i < n; i++) {
		char id[32], name[32];

		snprintf(id, sizeof(id), "c%06d", from + i);
		snprintf(name, sizeof(name), "n%06d", from + i);
		docs[i] = container(host, id, name, "running", 1700000000 + i, 0);
	}
	return docs;
}

static void test_replace_set(void)
{
	struct store *s = must_open();
	struct store_set_stats st;
	bson_t **set, **other;
	const bson_t *bad[2];
	struct berr err;

	reset_all(s);
	other = make_set("other", 0, 3);
	set = make_set("h", 0, 5); /* c0..c4 */
	ok(store_replace_host_set(s, STORE_CONTAINERS, "other", (const bson_t *const *)other, 3,
				  &st, &err) == 0, "set of host other");
	ok(store_replace_host_set(s, STORE_CONTAINERS, "h", (const bson_t *const *)set, 5, &st,
				  &err) == 0, "set of host h");
	is_int(st.written, 5, "five written");
	is_int(st.removed, 0, "none removed");
	free_docs(set, 5);
	set = make_set("h", 3, 4); /* c3..c6: c0..c2 vanished */
	ok(store_replace_host_set(s, STORE_CONTAINERS, "h", (const bson_t *const *)set, 4, &st,
				  &err) == 0, "a new listing of h");
	is_int(st.removed, 5, "the old set went");
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"h\"}"), 4, "h has the four listed");
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"h\", \"id\": {\"$in\": "
			  "[\"c000000\", \"c000001\", \"c000002\"]}}"), 0, "the vanished are gone");
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"h\", \"id\": \"c000006\"}"), 1,
	       "the new one is there");
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"other\"}"), 3, "other host untouched");

	bad[0] = set[0];
	bad[1] = other[0];
	berr_clear(&err);
	ok(store_replace_host_set(s, STORE_CONTAINERS, "h", bad, 2, &st, &err) < 0 &&
	   err.kind == BERR_USAGE, "a document of another host is refused: %s", err.msg);
	bad[1] = set[0];
	berr_clear(&err);
	ok(store_replace_host_set(s, STORE_CONTAINERS, "h", bad, 2, &st, &err) < 0 &&
	   err.kind == BERR_USAGE, "an id twice is refused: %s", err.msg);
	berr_clear(&err);
	ok(store_replace_host_set(s, STORE_HOSTS, "h", bad, 1, &st, &err) < 0 &&
	   err.kind == BERR_USAGE, "hosts have no per-host sets: %s", err.msg);
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"h\"}"), 4, "refusals changed nothing");

	ok(store_replace_host_set(s, STORE_CONTAINERS, "h", NULL, 0, &st, &err) == 0 &&
	   st.removed == 4, "an empty listing empties the host");
	is_int(count(s, STORE_CONTAINERS, NULL), 3, "only other's left");
	ok(store_replace_host_set(s, STORE_IMAGES, "other", NULL, 0, &st, &err) == 0,
	   "images too");
	free_docs(set, 4);
	free_docs(other, 3);
	store_free(s);
}

/* No NAME.bson.tmp* left in the file store's directory. */
static int tmp_files(void)
{
	DIR *d = opendir(file_dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strstr(e->d_name, ".tmp"))
			n++;
	if (d)
		closedir(d);
	return n;
}

/* store_sets_*: host sets written as they come, the collection replaced
 * once. */
static void test_sets_writer(void)
{
	struct store *s = must_open();
	struct store_sets_writer *w = NULL;
	bson_t **h = make_set("h", 0, 5), **h2 = make_set("h", 3, 4), **k = make_set("k", 0, 2);
	bson_t **other = make_set("other", 0, 3);
	struct berr err;

	reset_all(s);
	berr_clear(&err);
	store_replace_host_set(s, STORE_CONTAINERS, "other", (const bson_t *const *)other, 3, NULL,
			       &err);
	store_replace_host_set(s, STORE_CONTAINERS, "h", (const bson_t *const *)h, 5, NULL, &err);
	ok(store_sets_begin(s, STORE_CONTAINERS, &w, &err) == 0, "sets: begin");
	ok(store_sets_add(w, "h", (const bson_t *const *)h2, 4, &err) == 0 &&
	   store_sets_add(w, "k", (const bson_t *const *)k, 2, &err) == 0, "sets: two hosts added");
	if (is_file)
		is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"h\"}"), 5,
		       "sets: nothing shows before commit (file store)");
	berr_clear(&err);
	ok(store_sets_add(w, "k", NULL, 0, &err) < 0 && err.kind == BERR_USAGE,
	   "sets: a host twice is refused: %s", err.msg);
	berr_clear(&err);
	ok(store_sets_commit(w, &err) == 0, "sets: commit%s", err.msg);
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"h\"}"), 4, "sets: h has its new set");
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"h\", \"id\": \"c000000\"}"), 0,
	       "sets: the vanished are gone");
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"k\"}"), 2, "sets: k added");
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"other\"}"), 3,
	       "sets: the other host's documents kept");
	if (is_file) {
		ok(store_sets_begin(s, STORE_CONTAINERS, &w, &err) == 0 &&
		   store_sets_add(w, "other", NULL, 0, &err) == 0, "sets: another run");
		store_sets_abort(w);
		is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"other\"}"), 3,
		       "sets: abort leaves the collection as it was");
		is_int(tmp_files(), 0, "sets: no temporary file left behind");
	}
	ok(store_sets_begin(s, STORE_HOSTS, &w, &err) < 0 && err.kind == BERR_USAGE,
	   "sets: hosts have no per-host sets: %s", err.msg);
	free_docs(h, 5);
	free_docs(h2, 4);
	free_docs(k, 2);
	free_docs(other, 3);
	store_free(s);
}

/* --- find-and-modify and leases --------------------------------------------- */

static void test_modify(void)
{
	struct store *s = must_open();
	bson_t *sel = BCON_NEW("name", BCON_UTF8("counter"));
	bson_t *inc = BCON_NEW("$inc", "{", "value", BCON_INT32(1), "}",
			       "$setOnInsert", "{", "created", BCON_DATE_TIME(1000), "}");
	bson_t *set = BCON_NEW("$set", "{", "note", BCON_UTF8("x"), "}",
			       "$unset", "{", "created", BCON_INT32(1), "}");
	bson_t *nope = BCON_NEW("name", BCON_UTF8("nothing"));
	bson_t *bad = BCON_NEW("$push", "{", "a", BCON_INT32(1), "}");
	bson_t res;
	struct berr err;
	int found = -1;

	ok(store_modify(s, STORE_TEMPLATES, sel, inc, STORE_UPSERT | STORE_RETURN_NEW, &res,
			&found, &err) == 0 && found, "upsert by $inc");
	if (found) {
		is_int(store_doc_int(&res, "value", -1), 1, "counter is 1");
		is_int(store_doc_date(&res, "created"), 1000, "$setOnInsert applied on insert");
		is_str(store_doc_str(&res, "name"), "counter", "the selector's equality is in the doc");
		bson_destroy(&res);
	}
	ok(store_modify(s, STORE_TEMPLATES, sel, inc, STORE_UPSERT, &res, &found, &err) == 0 &&
	   found, "again, asking for the old document");
	if (found) {
		is_int(store_doc_int(&res, "value", -1), 1, "the old document says 1");
		bson_destroy(&res);
	}
	ok(store_modify(s, STORE_TEMPLATES, sel, set, STORE_RETURN_NEW, &res, &found, &err) == 0 &&
	   found, "$set and $unset");
	if (found) {
		is_int(store_doc_int(&res, "value", -1), 2, "counter is 2");
		is_str(store_doc_str(&res, "note"), "x", "note set");
		ok(!bson_has_field(&res, "created"), "created unset");
		bson_destroy(&res);
	}
	ok(store_modify(s, STORE_TEMPLATES, nope, inc, 0, NULL, &found, &err) == 0 && found == 0,
	   "no match without upsert: found 0");
	is_int(count(s, STORE_TEMPLATES, NULL), 1, "nothing inserted");
	if (is_file) {
		berr_clear(&err);
		ok(store_modify(s, STORE_TEMPLATES, sel, bad, 0, NULL, &found, &err) < 0 &&
		   err.kind == BERR_USAGE, "an unknown update operator is refused: %s", err.msg);
	} else {
		ok(1, "# skip the server knows more update operators");
	}
	bson_destroy(sel);
	bson_destroy(inc);
	bson_destroy(set);
	bson_destroy(nope);
	bson_destroy(bad);
	store_free(s);
}

static void test_leases(void)
{
	struct store *s = must_open();
	struct berr err;
	char *cur = NULL;

	berr_clear(&err);
	is_int(store_lease_acquire(s, "hk", "A", 60000, &cur, &err), 1, "A takes the lease");
	is_int(store_lease_acquire(s, "hk", "B", 60000, &cur, &err), 0, "B cannot");
	ok(cur && !strncmp(cur, "A until ", 8), "and is told who holds it: %s", cur ? cur : "");
	free(cur);
	cur = NULL;
	is_int(store_lease_acquire(s, "hk", "A", 60000, NULL, &err), 1, "A renews it");
	ok(store_lease_release(s, "hk", "B", &err) == 0, "B releasing what it lacks is harmless");
	is_int(store_lease_acquire(s, "hk", "B", 60000, NULL, &err), 0, "A still holds it");
	ok(store_lease_release(s, "hk", "A", &err) == 0, "A releases");
	is_int(store_lease_acquire(s, "hk", "B", 60000, NULL, &err), 1, "then B gets it");

	is_int(store_lease_acquire(s, "short", "A", 300, NULL, &err), 1, "A takes a 300 ms lease");
	is_int(store_lease_acquire(s, "short", "B", 60000, NULL, &err), 0, "B cannot at once");
	usleep(500000);
	is_int(store_lease_acquire(s, "short", "B", 60000, NULL, &err), 1, "B can once it expired");
	is_int(count_json(s, STORE_LEASES, "{\"name\": \"short\"}"), 1, "one lease document");
	store_free(s);
}

/* --- several processes -------------------------------------------------------- */

/* Exit status: 0 all done, 1 an insert or a host set failed, 2 only an
 * increment failed. */
static int child_writer(int i)
{
	struct store *s = NULL;
	struct berr err;
	bson_t **set = NULL;
	bson_t *sel = BCON_NEW("name", BCON_UTF8("shared-counter"));
	bson_t *inc = BCON_NEW("$inc", "{", "value", BCON_INT32(1), "}");
	char host[32];
	int rc = 1;

	berr_clear(&err);
	snprintf(host, sizeof(host), "w%02d", i);
	if (open_store(&s, &err) < 0)
		goto cleanup;
	set = make_set(host, 0, 10);
	for (int j = 0; j < 10; j++) {
		bson_t img = BSON_INITIALIZER;
		char id[32];

		snprintf(id, sizeof(id), "sha256:%02d%02d", i, j);
		BSON_APPEND_UTF8(&img, "host", host);
		BSON_APPEND_UTF8(&img, "id", id);
		BSON_APPEND_UTF8(&img, "batch", "concurrent");
		if (store_insert(s, STORE_IMAGES, &img, &err) < 0) {
			bson_destroy(&img);
			goto cleanup;
		}
		bson_destroy(&img);
	}
	if (store_replace_host_set(s, STORE_CONTAINERS, host, (const bson_t *const *)set, 10,
				   NULL, &err) < 0)
		goto cleanup;
	rc = 2;
	for (int j = 0; j < 10; j++)
		if (store_modify(s, STORE_TEMPLATES, sel, inc, STORE_UPSERT, NULL, NULL, &err) < 0)
			goto cleanup;
	rc = 0;
cleanup:
	if (rc)
		fprintf(stderr, "writer %d: %s\n", i, err.msg);
	if (set)
		free_docs(set, 10);
	bson_destroy(sel);
	bson_destroy(inc);
	store_free(s);
	return rc;
}

/* Forks n children running fn(i) once the parent says go (a pipe closing),
 * so they really run at once; returns how many exited with each status. */
static void run_children(int n, int (*fn)(int), int *status_counts, int nstatus)
{
	pid_t pids[64];
	int go[2];
	char c;

	fflush(stdout);
	if (pipe(go) < 0)
		return;
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(go[1]);
			while (read(go[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(fn(i));
		}
	}
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < n; i++) {
		int st = 0;

		if (pids[i] < 0 || waitpid(pids[i], &st, 0) < 0)
			continue;
		if (WIFEXITED(st) && WEXITSTATUS(st) < nstatus)
			status_counts[WEXITSTATUS(st)]++;
	}
}

static void test_concurrent_writers(void)
{
	struct store *s = must_open();
	int counts[3] = { 0, 0, 0 };
	bson_t *sel = BCON_NEW("name", BCON_UTF8("shared-counter"));
	char desc[256];
	int64_t value = -1;
	bson_t res;
	struct berr err;
	int found = 0;

	reset_all(s);
	run_children(20, child_writer, counts, 3);
	is_int(counts[0] + counts[2], 20, "20 concurrent writers inserted and replaced sets");
	is_int(count_json(s, STORE_IMAGES, "{\"batch\": \"concurrent\"}"), 200,
	       "all 200 single inserts are there");
	is_int(count(s, STORE_CONTAINERS, NULL), 200, "all 20 host sets of 10 are there");
	if (store_find_one(s, STORE_TEMPLATES, sel, &res, &found, &err) == 0 && found) {
		value = store_doc_int(&res, "value", -1);
		bson_destroy(&res);
	}
	snprintf(desc, sizeof(desc),
		 "200 concurrent find-and-modify increments made 200 (%d writers failed, got %lld)",
		 counts[2], (long long)value);
	if (is_ferretdb)
		todo_ok(counts[2] == 0 && value == 200, desc,
			"FerretDB 1.x runs an update as a read and a separate write");
	else
		ok(counts[2] == 0 && value == 200, "%s", desc);
	is_int(count(s, STORE_TEMPLATES, NULL), 1, "one counter document, not several upserts");
	bson_destroy(sel);
	store_free(s);
}

/* Rewrites host "same" with its own block of 50 ids, 3 times. */
static int child_same_host(int i)
{
	struct store *s = NULL;
	bson_t **set = make_set("same", i * 1000, 50);
	struct berr err;
	int rc = 1;

	berr_clear(&err);
	if (open_store(&s, &err) < 0)
		goto cleanup;
	for (int r = 0; r < 3; r++)
		if (store_replace_host_set(s, STORE_CONTAINERS, "same", (const bson_t *const *)set,
					   50, NULL, &err) < 0)
			goto cleanup;
	rc = 0;
cleanup:
	if (rc)
		fprintf(stderr, "same-host writer %d: %s\n", i, err.msg);
	free_docs(set, 50);
	store_free(s);
	return rc;
}

struct blocks {
	int seen[16];
};

static int note_block(void *ud, const bson_t *doc, struct berr *err)
{
	struct blocks *b = ud;
	const char *id = store_doc_str(doc, "id");
	int k = id ? atoi(id + 1) / 1000 : -1;

	if (k >= 0 && k < 16)
		b->seen[k]++;
	return 0;
}

/* Ten processes write different listings of one host at once: the host
 * ends up with exactly one of them, never a mixture. */
static void test_same_host_writers(void)
{
	struct store *s = must_open();
	struct blocks b = { { 0 } };
	int counts[2] = { 0, 0 }, whole = 0, blocks = 0;
	bson_t *sel = BCON_NEW("host", BCON_UTF8("same"));
	struct berr err;

	run_children(10, child_same_host, counts, 2);
	is_int(counts[0], 10, "10 writers of one host's set all succeeded");
	store_find(s, STORE_CONTAINERS, sel, NULL, note_block, &b, &err);
	for (int k = 0; k < 16; k++) {
		blocks += b.seen[k] > 0;
		whole += b.seen[k] == 50;
	}
	ok(blocks == 1 && whole == 1, "the host holds one writer's whole listing (%d listings seen)",
	   blocks);
	bson_destroy(sel);
	store_free(s);
}

static int child_lease(int i)
{
	struct store *s = NULL;
	struct berr err;
	char holder[32];
	int r = 2;

	snprintf(holder, sizeof(holder), "racer-%d", i);
	if (open_store(&s, &err) == 0)
		r = store_lease_acquire(s, "race", holder, 60000, NULL, &err);
	if (r < 0 || r > 1)
		fprintf(stderr, "racer %d: %s\n", i, err.msg);
	store_free(s);
	return r == 1 ? 0 : r == 0 ? 1 : 2;
}

/* Ten processes race for a lease nobody holds, then (the harder case)
 * for one whose holder's time ran out. */
static void test_lease_race(void)
{
	int counts[3] = { 0, 0, 0 };

	for (int round = 0; round < 6; round++) {
		struct store *s = must_open();
		int expired = round % 2;
		struct berr err;

		berr_clear(&err);
		store_drop(s, STORE_LEASES, NULL, NULL);
		if (expired && store_lease_acquire(s, "race", "gone", -1000, NULL, &err) != 1)
			printf("# could not plant an expired lease: %s\n", err.msg);
		store_free(s);
		memset(counts, 0, sizeof(counts));
		run_children(10, child_lease, counts, 3);
		ok(counts[0] == 1 && counts[1] == 9 && counts[2] == 0,
		   "round %d: of 10 racing for %s lease exactly one won (won %d, held %d, errors %d)",
		   round, expired ? "an expired" : "a free", counts[0], counts[1], counts[2]);
	}
}

/* --- file store faults ---------------------------------------------------------- */

static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	*buf = NULL;
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*buf = malloc(n > 0 ? (size_t)n : 1);
	*len = fread(*buf, 1, (size_t)n, f);
	fclose(f);
	return 0;
}

static int write_file(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	fwrite(buf, 1, len, f);
	return fclose(f);
}

/* Damages containers.bson with cut(), checks every operation refuses it,
 * naming the file, and leaves it byte for byte as it was. */
static void check_corrupt(struct store *s, const char *what, const char *path,
			  const char *bytes, size_t len)
{
	char *after = NULL;
	size_t alen = 0;
	bson_t *d = container("h", "new", "new", "running", 1, 0);
	struct berr err;
	int64_t n;

	write_file(path, bytes, len);
	berr_clear(&err);
	ok(store_count(s, STORE_CONTAINERS, NULL, &n, &err) < 0 && err.kind == BERR_PROTOCOL,
	   "%s: reading fails", what);
	ok(strstr(err.msg, path) != NULL, "%s: naming the file: %s", what, err.msg);
	berr_clear(&err);
	ok(store_insert(s, STORE_CONTAINERS, d, &err) < 0 && err.kind == BERR_PROTOCOL,
	   "%s: writing fails", what);
	ok(store_replace_host_set(s, STORE_CONTAINERS, "h", NULL, 0, NULL, &err) < 0,
	   "%s: a listing is not written over it", what);
	{
		struct store_sets_writer *w = NULL;

		berr_clear(&err);
		ok(store_sets_begin(s, STORE_CONTAINERS, &w, &err) == 0 &&
		   store_sets_add(w, "h", NULL, 0, &err) == 0 &&
		   store_sets_commit(w, &err) < 0 && err.kind == BERR_PROTOCOL,
		   "%s: nor a streamed one: %s", what, err.msg);
	}
	read_file(path, &after, &alen);
	ok(alen == len && !memcmp(after, bytes, len), "%s: the file is untouched", what);
	is_int(count(s, STORE_HOSTS, NULL), 0, "%s: other collections still work", what);
	free(after);
	bson_destroy(d);
}

static void test_corrupt_file(void)
{
	struct store *s = must_open();
	char path[4096], *good = NULL, *kept = NULL;
	size_t len = 0;
	bson_t **set = make_set("h", 0, 3);
	struct berr err;
	struct stat st;

	reset_all(s);
	store_replace_host_set(s, STORE_CONTAINERS, "h", (const bson_t *const *)set, 3, NULL, &err);
	snprintf(path, sizeof(path), "%s/containers.bson", file_dir);
	ok(read_file(path, &good, &len) == 0 && len > 100, "containers.bson written");

	check_corrupt(s, "cut mid-document", path, good, len - 7);
	/* the last document exactly: only the header's count notices */
	{
		uint32_t last = 0, off = 0;

		while (off < len) {
			last = off;
			off += (uint32_t)(unsigned char)good[off] | (uint32_t)(unsigned char)good[off + 1] << 8 |
			       (uint32_t)(unsigned char)good[off + 2] << 16;
		}
		check_corrupt(s, "cut between documents", path, good, last);
	}
	check_corrupt(s, "garbage", path, "this is not BSON at all, not even close\n", 40);
	check_corrupt(s, "empty", path, "", 0);
	{
		char *flipped = malloc(len);

		memcpy(flipped, good, len);
		flipped[len - 20] = 0x7f; /* an element type that does not exist */
		check_corrupt(s, "a damaged byte", path, flipped, len);
		free(flipped);
	}

	berr_clear(&err);
	ok(store_drop(s, STORE_CONTAINERS, &kept, &err) == 0 && kept,
	   "drop moves the corrupt file aside%s", err.msg);
	printf("# kept as %s\n", kept ? kept : "(nothing)");
	ok(kept && stat(kept, &st) == 0 && st.st_size == (off_t)len, "which is kept as it was");
	is_int(count(s, STORE_CONTAINERS, NULL), 0, "the collection is empty");
	ok(store_replace_host_set(s, STORE_CONTAINERS, "h", (const bson_t *const *)set, 3, NULL,
				  &err) == 0 && count(s, STORE_CONTAINERS, NULL) == 3,
	   "and works again");
	free(kept);
	free(good);
	free_docs(set, 3);
	store_free(s);
}

/* Rewrites host k's set forever, alternating 1000 and 1500 documents. */
static int child_rewriter(int i)
{
	struct store *s = NULL;
	bson_t **a = make_set("k", 0, 1000), **b = make_set("k", 5000, 1500);
	struct berr err;

	if (open_store(&s, &err) < 0)
		_exit(2);
	for (long n = 0;; n++) {
		int r = n % 2 ?
			store_replace_host_set(s, STORE_CONTAINERS, "k", (const bson_t *const *)b, 1500, NULL, &err) :
			store_replace_host_set(s, STORE_CONTAINERS, "k", (const bson_t *const *)a, 1000, NULL, &err);
		if (r < 0)
			_exit(3);
	}
}

static void test_kill_mid_write(void)
{
	struct store *s = must_open();
	char tmp[4096];
	int good = 0, rounds = 8, caught = 0;

	reset_all(s);
	store_free(s);
	snprintf(tmp, sizeof(tmp), "%s/containers.bson.tmp", file_dir);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int r = 0; r < rounds; r++) {
		pid_t pid;
		int st;
		int64_t n;

		fflush(stdout);
		pid = fork();
		if (pid == 0)
			child_rewriter(0);
		usleep(100000 + (useconds_t)(rand() % 400000));
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		/* a temporary file left behind: killed between write and rename */
		caught += access(tmp, F_OK) == 0;
		unlink(tmp);
		s = must_open();
		n = count(s, STORE_CONTAINERS, NULL);
		if ((WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) && (n == 0 || n == 1000 || n == 1500))
			good++;
		else
			printf("# round %d: writer status %d, %lld documents\n", r, st, (long long)n);
		store_free(s);
	}
	is_int(good, rounds, "kill -9 mid-write, %d times: the store always reads back whole", rounds);
	printf("# %d of the %d kills hit a write before its rename\n", caught, rounds);
}

/* --- speed ------------------------------------------------------------------ */

static void test_speed(void)
{
	struct store *s = must_open();
	bson_t **set = make_set("big", 0, 10000);
	struct store_set_stats st;
	struct berr err;
	/* the goal is 0.5 s for the file store; sanitizers and valgrind
	 * (BERTH_TEST_TIME_LIMIT) slow everything down */
	double t0, t1, t2, limit = is_file ? (SANITIZED ? 2.0 : 0.5) : 60;

	if (getenv("BERTH_TEST_TIME_LIMIT"))
		limit = atof(getenv("BERTH_TEST_TIME_LIMIT"));

	reset_all(s);
	t0 = now_s();
	ok(store_replace_host_set(s, STORE_CONTAINERS, "big", (const bson_t *const *)set, 10000,
				  &st, &err) == 0, "replace-set of 10,000 into an empty store");
	t1 = now_s();
	ok(store_replace_host_set(s, STORE_CONTAINERS, "big", (const bson_t *const *)set, 10000,
				  &st, &err) == 0 && st.removed == 10000, "and over the 10,000 again");
	t2 = now_s();
	printf("# %s store: replace-set of 10,000 containers: %.3f s new, %.3f s over existing%s\n",
	       s->ops->kind, t1 - t0, t2 - t1, SANITIZED ? " (sanitizer build)" : "");
	ok(t1 - t0 < limit && t2 - t1 < limit, "each under %.1f s", limit);
	is_int(count_json(s, STORE_CONTAINERS, "{\"host\": \"big\"}"), 10000, "10,000 there");
	reset_all(s);
	free_docs(set, 10000);
	store_free(s);
}

/* --- things that need no server ---------------------------------------------------- */

static void test_redact(void)
{
	static const char *const cases[][2] = {
		{ "mongodb://u:s3cret@db.example:27017/berth",
		  "mongodb://u:***@db.example:27017/berth" },
		{ "mongodb://u@h/", "mongodb://u@h/" },
		{ "mongodb://h1,h2/?replicaSet=rs", "mongodb://h1,h2/?replicaSet=rs" },
		{ "mongodb://u:p@ss/w?rd@h/db", "mongodb://u:***@h/db" },
		{ "mongodb+srv://u:x@cluster/?tlsCertificateKeyFilePassword=k&w=1",
		  "mongodb+srv://u:***@cluster/?tlsCertificateKeyFilePassword=***&w=1" },
		{ "mongodb://h/?authMechanismProperties=a&PASSWORD=z", "mongodb://h/?authMechanismProperties=a&PASSWORD=***" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = store_redact_uri(cases[i][0]);

		is_str(r, cases[i][1], "redacted: %s", cases[i][1]);
		free(r);
	}
}

static void test_mongo_down(void)
{
	struct store *s = NULL;
	struct berr err;
	double t0 = now_s();
	int64_t n;

	berr_clear(&err);
	ok(store_mongo_open("mongodb://berth:s3cret@127.0.0.1:1/", "berth", &s, &err) == 0,
	   "opening does not connect");
	ok(s && store_count(s, STORE_HOSTS, NULL, &n, &err) < 0 && err.kind == BERR_CONNECT,
	   "an unreachable MongoDB is a connect error");
	ok(now_s() - t0 < 5, "within seconds (%.2f s)", now_s() - t0);
	ok(strstr(err.msg, "mongodb://berth:***@127.0.0.1:1/") && !strstr(err.msg, "s3cret") &&
	   !strchr(err.msg, '\n'), "one line, naming the URI without its password: %s", err.msg);
	store_free(s);
	s = NULL;
	berr_clear(&err);
	ok(store_mongo_open("postgres://u:pw@h/", "berth", &s, &err) < 0 && err.kind == BERR_USAGE &&
	   !strstr(err.msg, "pw@"), "a bad URI is refused without its password: %s", err.msg);
}

static void test_open_choice(void)
{
	struct settings cfg;
	struct store *s = NULL;
	struct berr err;
	char *old = getenv("BERTH_STORE_DIR") ? strdup(getenv("BERTH_STORE_DIR")) : NULL;

	memset(&cfg, 0, sizeof(cfg));
	if (file_dir) {
		setenv("BERTH_STORE_DIR", file_dir, 1);
		ok(store_open(cfg.mongodb_uri, cfg.mongodb_database, &s, &err) == 0 && !strcmp(s->ops->kind, "file") &&
		   !strcmp(s->where, file_dir), "no URI: the file store in $BERTH_STORE_DIR");
		store_free(s);
		s = NULL;
	}
	char uri[] = "mongodb://u:pw@127.0.0.1:1/";

	cfg.mongodb_uri = uri;
	ok(store_open(cfg.mongodb_uri, cfg.mongodb_database, &s, &err) == 0 && !strcmp(s->ops->kind, "mongodb") &&
	   !strcmp(s->where, "mongodb://u:***@127.0.0.1:1/"), "a URI: MongoDB, shown without password");
	store_free(s);
	if (old)
		setenv("BERTH_STORE_DIR", old, 1);
	else
		unsetenv("BERTH_STORE_DIR");
	free(old);
}

/* MongoDB's rule for the database: the one the settings name, else the
 * URI's, else "berth"; with the settings' defaults, as berth opens it. */
static void test_open_database(void)
{
	static const struct {
		const char *uri, *env, *want;
	} cases[] = {
		{ "mongodb://127.0.0.1:1/newcomerdb", NULL, "newcomerdb" },
		{ "mongodb://127.0.0.1:1/newcomerdb?appname=x", NULL, "newcomerdb" },
		{ "mongodb://127.0.0.1:1/newcomerdb", "fleet", "fleet" },
		{ "mongodb://127.0.0.1:1/", NULL, "berth" },
		{ "mongodb://127.0.0.1:1", NULL, "berth" },
		{ "mongodb://127.0.0.1:1", "fleet", "fleet" },
	};
	char *old_uri = getenv("BERTH_MONGODB_URI") ? strdup(getenv("BERTH_MONGODB_URI")) : NULL;
	char *old_db = getenv("BERTH_MONGODB_DATABASE") ? strdup(getenv("BERTH_MONGODB_DATABASE")) : NULL;
	char conf[] = "/tmp/berth-test-empty-config.XXXXXX";
	int fd = mkstemp(conf);

	ok(fd >= 0, "an empty settings file");
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct settings cfg;
		struct store *s = NULL;
		struct berr err;

		setenv("BERTH_MONGODB_URI", cases[i].uri, 1);
		if (cases[i].env)
			setenv("BERTH_MONGODB_DATABASE", cases[i].env, 1);
		else
			unsetenv("BERTH_MONGODB_DATABASE");
		berr_clear(&err);
		if (settings_load(&cfg, conf, &err) < 0 ||
		    store_open(cfg.mongodb_uri, cfg.mongodb_database, &s, &err) < 0)
			s = NULL;
		is_str(s ? s->database : err.msg, cases[i].want,
		       "URI %s, BERTH_MONGODB_DATABASE %s: database %s", cases[i].uri,
		       cases[i].env ? cases[i].env : "unset", cases[i].want);
		store_free(s);
		settings_release(&cfg);
	}
	if (old_uri)
		setenv("BERTH_MONGODB_URI", old_uri, 1);
	else
		unsetenv("BERTH_MONGODB_URI");
	if (old_db)
		setenv("BERTH_MONGODB_DATABASE", old_db, 1);
	else
		unsetenv("BERTH_MONGODB_DATABASE");
	free(old_uri);
	free(old_db);
	unlink(conf);
}

static void test_json(void)
{
	json_t *list = load_json("engine-containers.json"), *j, *back;
	struct store_docset set;
	bson_t tmpl = BSON_INITIALIZER;
	struct berr err;
	char *text;
	size_t i;

	ok(store_docset_from_list(&set, STORE_CONTAINERS, "fixture", list, 1700000000123LL, &err) == 0,
	   "a recorded engine listing makes documents");
	is_int(set.n, json_array_size(list), "one per container");
	for (i = 0; i < set.n; i++)
		if (!strcmp(store_doc_str(set.docs[i], "name"), "web"))
			break;
	ok(i < set.n, "web is among them");
	if (i < set.n) {
		j = store_doc_to_json(set.docs[i]);
		is_str(json_string_value(json_object_get(j, "last_seen")), "2023-11-14T22:13:20.123Z",
		       "dates come back as ISO 8601");
		is_int(json_integer_value(json_object_get(json_array_get(json_object_get(j, "ports"), 0),
							  "public_port")), 8080, "ports");
		is_str(json_string_value(json_object_get(json_object_get(j, "labels"), "tier")), "front",
		       "labels");
		ok(!json_object_get(j, "_id"), "no _id");
		json_decref(j);
	}
	store_docset_release(&set);
	json_decref(list);

	j = json_pack("{s:s, s:{s:s, s:[i, f, b, n]}}", "name", "t1", "spec", "image", "busybox",
		      "mix", 1, 2.5, 1);
	ok(store_doc_from_json(j, &tmpl, &err) == 0, "JSON to a document");
	back = store_doc_to_json(&tmpl);
	text = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
	is_str(text, "{\"name\":\"t1\",\"spec\":{\"image\":\"busybox\",\"mix\":[1,2.5,true,null]}}",
	       "and back");
	free(text);
	json_decref(back);
	json_decref(j);
	bson_destroy(&tmpl);
}

/* The refresh path parses listings with libbson, write-through with
 * jansson: the documents must not depend on which. */
static void same_docs(enum store_coll c, const char *text, const char *what)
{
	json_error_t je;
	json_t *list = json_loads(text, 0, &je);
	struct store_docset a, b;
	struct berr err;
	size_t i, same = 0;
	int ra, rb;

	berr_clear(&err);
	ra = list ? store_docset_from_list(&a, c, "h", list, 1700000000123LL, &err) : -1;
	rb = store_docset_from_text(&b, c, "h", text, strlen(text), 1700000000123LL, &err);
	ok(ra == 0 && rb == 0 && a.n == b.n, "%s: both parsers make %zu documents", what,
	   ra == 0 ? a.n : 0);
	for (i = 0; ra == 0 && rb == 0 && i < a.n && i < b.n; i++)
		same += bson_equal(a.docs[i], b.docs[i]);
	is_int(same, ra == 0 ? a.n : 1, "%s: byte for byte the same", what);
	if (ra == 0)
		store_docset_release(&a);
	if (rb == 0)
		store_docset_release(&b);
	json_decref(list);
}

static void test_text(void)
{
	static const char *const files[] = { "engine-containers.json", "engine-images.json" };
	struct store_docset set;
	struct berr err;

	for (int f = 0; f < 2; f++) {
		json_t *j = load_json(files[f]);
		char *text = json_dumps(j, JSON_INDENT(1));

		same_docs(f ? STORE_IMAGES : STORE_CONTAINERS, text, files[f]);
		free(text);
		json_decref(j);
	}
	/* a label that looks like MongoDB's extended JSON stays a label */
	same_docs(STORE_CONTAINERS,
		  "[{\"Id\":\"a1\",\"Names\":[\"/x\"],\"Created\":5,\"Labels\":{\"$oid\":\"1\","
		  "\"k\":\"v\"},\"Ports\":[{\"PrivatePort\":80,\"Type\":\"tcp\"}]}]",
		  "a \"$oid\" label");
	same_docs(STORE_CONTAINERS, " [ ] ", "an empty listing");
	same_docs(STORE_CONTAINERS,
		  "[{\"Id\":\"b2\",\"Names\":null,\"Created\":1.5e3,\"Labels\":null,"
		  "\"Ports\":null,\"State\":7}]", "odd field types");
	ok(store_docset_from_text(&set, STORE_CONTAINERS, "h", "[{\"Id\":1", 9, 0, &err) < 0 &&
	   strstr(err.msg, "h: the engine's listing is not JSON"), "truncated listing: %s", err.msg);
	ok(store_docset_from_text(&set, STORE_CONTAINERS, "h", "{}", 2, 0, &err) < 0 &&
	   strstr(err.msg, "not an array"), "an object, not an array: %s", err.msg);
	ok(store_docset_from_text(&set, STORE_CONTAINERS, "h", "[{\"Names\":[]}]", 14, 0, &err) < 0 &&
	   strstr(err.msg, "without an \"Id\""), "an entry without Id: %s", err.msg);
	ok(store_docset_from_text(&set, STORE_CONTAINERS, "h", "[3]", 3, 0, &err) < 0 &&
	   strstr(err.msg, "without an \"Id\""), "an entry that is no object: %s", err.msg);
}

/* Volumes and networks: the engine's entries as documents. */
static void test_object_docs(void)
{
	struct store_docset set;
	struct berr err;
	json_t *vols = json_loads("[{\"Name\":\"data\",\"Driver\":\"local\",\"Scope\":\"local\","
				  "\"Mountpoint\":\"/var/lib/docker/volumes/data/_data\","
				  "\"CreatedAt\":\"2024-05-01T12:00:00+02:00\","
				  "\"Labels\":{\"com.example.team\":\"ann\",\"tier\":\"db\"}}]", 0, NULL);
	json_t *nets = json_loads("[{\"Name\":\"appnet\",\"Id\":\"f00d\",\"Driver\":\"bridge\","
				  "\"Scope\":\"local\",\"Created\":\"2024-05-01T10:00:00.123456789Z\","
				  "\"Labels\":null}]", 0, NULL);
	bson_t *d;

	berr_clear(&err);
	ok(store_docset_from_list(&set, STORE_VOLUMES, "h", vols, 1700000000123LL, &err) == 0 &&
	   set.n == 1, "a volume listing makes one document");
	if (set.n == 1) {
		d = set.docs[0];
		is_str(store_doc_str(d, "id"), "data", "a volume's id is its name");
		is_str(store_doc_str(d, "mountpoint"), "/var/lib/docker/volumes/data/_data", "... its mountpoint");
		is_int(store_doc_date(d, "created"), 1714557600000LL, "... CreatedAt with its zone, as UTC");
		is_str(store_doc_str(d, "labels.tier"), "db", "... labels without a '.' as fields");
	}
	store_docset_release(&set);
	ok(store_docset_from_list(&set, STORE_NETWORKS, "h", nets, 0, &err) == 0 && set.n == 1 &&
	   !strcmp(store_doc_str(set.docs[0], "id"), "f00d") &&
	   store_doc_date(set.docs[0], "created") == 1714557600000LL,
	   "a network: its Id, and Created with nanoseconds (dropped)");
	store_docset_release(&set);
	ok(store_docset_from_text(&set, STORE_VOLUMES, "h", "[{\"Driver\":\"local\"}]", 20, 0, &err) < 0 &&
	   strstr(err.msg, "h: the engine listed a volume without a \"Name\""), "a volume without a Name: %s",
	   err.msg);
	ok(store_docset_from_text(&set, STORE_NETWORKS, "h", "[{\"Name\":\"x\"}]", 14, 0, &err) < 0 &&
	   strstr(err.msg, "listed a network without an \"Id\""), "a network without an Id: %s", err.msg);
	ok(store_docset_from_list(&set, STORE_TEMPLATES, "h", nets, 0, &err) < 0 &&
	   err.kind == BERR_USAGE, "no listing makes templates: %s", err.msg);
	json_decref(vols);
	json_decref(nets);
}

/* Leaves host "fixture" for check-store.py: a host document with the
 * recorded engine's facts and its listings, as a refresh would write. */
static void write_fixture(void)
{
	struct store *s = must_open();
	json_t *containers = load_engine_json("engine-containers.json", 1);
	json_t *images = load_engine_json("engine-images.json", 1);
	json_t *info = load_engine_json("engine-info.json", 1);
	struct host_doc_new h = { .name = "fixture", .url = "unix:///run/fixture.sock", .state = "active" };
	struct store_docset cs, imgs;
	bson_t host = BSON_INITIALIZER;
	int64_t now = store_now_ms();
	struct berr err;

	reset_all(s);
	host_doc_build(&host, &h, info, now, &err);
	ok(store_insert(s, STORE_HOSTS, &host, &err) == 0, "fixture host stored");
	ok(store_docset_from_list(&cs, STORE_CONTAINERS, "fixture", containers, now, &err) == 0 &&
	   store_replace_host_set(s, STORE_CONTAINERS, "fixture", (const bson_t *const *)cs.docs,
				  cs.n, NULL, &err) == 0, "fixture containers stored");
	ok(store_docset_from_list(&imgs, STORE_IMAGES, "fixture", images, now, &err) == 0 &&
	   store_replace_host_set(s, STORE_IMAGES, "fixture", (const bson_t *const *)imgs.docs,
				  imgs.n, NULL, &err) == 0, "fixture images stored");
	store_docset_release(&cs);
	store_docset_release(&imgs);
	bson_destroy(&host);
	json_decref(containers);
	json_decref(images);
	json_decref(info);
	store_free(s);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	mongo_uri = getenv("BERTH_TEST_MONGODB_URI");
	if (mongo_uri && !*mongo_uri)
		mongo_uri = NULL;
	mongo_db = getenv("BERTH_TEST_MONGODB_DB");
	if (!mongo_db || !*mongo_db)
		mongo_db = "berth_test";
	if (!mongo_uri) {
		const char *dir = getenv("BERTH_TEST_STORE_DIR");
		char tmpl[4096];

		is_file = 1;
		if (dir && *dir) {
			file_dir = strdup(dir);
		} else {
			snprintf(tmpl, sizeof(tmpl), "%s/berth-store.XXXXXX",
				 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
			file_dir = mkdtemp(tmpl) ? strdup(tmpl) : NULL;
			file_dir_is_temp = 1;
		}
		if (!file_dir) {
			printf("Bail out! cannot make a directory for the store\n");
			return 1;
		}
} else {
		mongoc_init();
		mongoc_log_set_handler(quiet_log, NULL);
		is_ferretdb = server_is_ferretdb(mongo_uri);
	}
	printf("# testing the %s store\n",
	       is_file ? "file" : is_ferretdb ? "MongoDB (FerretDB)" : "MongoDB");
	{
		struct store *s = must_open();

		reset_all(s);
		store_free(s);
	}
	test_redact();
	test_open_choice();
	test_open_database();
	test_mongo_down();
	test_json();
	test_text();
	test_object_docs();
	test_hosts();
	test_selectors();
	test_replace_set();
	test_sets_writer();
	test_modify();
	test_leases();
	test_concurrent_writers();
	test_same_host_writers();
	test_lease_race();
	if (is_file) {
		test_corrupt_file();
		test_kill_mid_write();
	}
	test_speed();
	write_fixture();

	if (file_dir_is_temp)
		nftw(file_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(file_dir);
	store_shutdown();
	return done_testing();
}
