/* test-fleet.c: the fleet without a shell and without an engine: which
 * hosts a command targets by their states, placement by policy over given
 * loads, name resolution over given listings, and the cached rows'
 * filters. The store is a real file store in a temporary directory. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <jansson.h>
#include "backends/pool/fleet.h"
#include "backends/pool/settings.h"
#include "backends/pool/hosts.h"
#include "backends/pool/pool.h"
#include "backends/pool/placement.h"
#include "backends/pool/listing.h"
#include "backends/pool/resolve.h"
#include "backends/pool/cache.h"
#include "backends/backend.h"
#include "backends/store/store.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"

static char dir[] = "/tmp/berth-fleet-XXXXXX";

/* The notices a fleet call said, one per line. */
struct notes {
	char text[4096];
	int errors, warnings;
};

static void collect(void *ud, enum fleet_note kind, const char *msg)
{
	struct notes *n = ud;
	size_t len = strlen(n->text);

	snprintf(n->text + len, sizeof(n->text) - len, "%s%s\n",
		 kind == FLEET_NOTE_WARNING ? "warning: " : "", msg);
	if (kind == FLEET_NOTE_ERROR)
		n->errors++;
	else if (kind == FLEET_NOTE_WARNING)
		n->warnings++;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void add_host(struct fleet *fl, const char *name, const char *state, int drained)
{
	char url[256];
	struct host_new h;
	struct berr err;

	snprintf(url, sizeof(url), "unix://%s/%s.sock", dir, name);
	memset(&h, 0, sizeof(h));
	h.name = name;
	h.url = url;
	h.reason = "test";
	if (hosts_register(fl, &h, NULL, NULL, &err) < 0 ||
	    (state && pool_set_state(fl, name, state, "3 consecutive errors: gone", &err) < 0)) {
		ok(0, "set up host %s: %s", name, err.msg);
		return;
	}
	if (drained) {
		bson_t f;

		bson_init(&f);
		BSON_APPEND_BOOL(&f, "drained", true);
		if (pool_set_fields(fl, name, &f, &err) < 0)
			ok(0, "drain %s: %s", name, err.msg);
		bson_destroy(&f);
	}
}

static int has_target(const struct pool_targets *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return 1;
	return 0;
}

/* --- which hosts a command acts on -------------------------------------- */

static void test_targets(struct fleet *fl, struct notes *notes)
{
	struct pool_want want;
	struct pool_targets t;
	struct berr err;
	const char *names[3];
	struct backend *b;

	add_host(fl, "one", "active", 0);
	add_host(fl, "two", "active", 0);
	add_host(fl, "sick", "inactive", 0);
	add_host(fl, "full", "active", 1);
	add_host(fl, "fresh", NULL, 0); /* spawned: never answered */

	memset(&want, 0, sizeof(want));
	ok(pool_targets(fl, &want, 0, &t, &err) == 0, "pool mode: targets");
	ok(has_target(&t, "local") && has_target(&t, "one") && has_target(&t, "two") &&
	   has_target(&t, "full") && !has_target(&t, "sick") && !has_target(&t, "fresh"),
	   "... the active hosts, drained ones included, not inactive or spawned (%zu)", t.n);
	ok(!t.explicit_hosts, "... not explicit");
	pool_targets_release(&t);

	ok(pool_targets(fl, &want, POOL_PLACEMENT, &t, &err) == 0, "placement: targets");
	ok(has_target(&t, "one") && !has_target(&t, "full") && !has_target(&t, "sick"),
	   "... drained hosts are no candidates");
	ok(t.dropped && strstr(t.dropped, "sick is inactive (3 consecutive errors: gone)") &&
	   strstr(t.dropped, "full is drained") && strstr(t.dropped, "fresh is spawned"),
	   "... and dropped says why each was left out (%s)", t.dropped ? t.dropped : "");
	pool_targets_release(&t);

	names[0] = "two";
	names[1] = "sick";
	names[2] = "two";
	want.hosts = names;
	want.nhosts = 3;
	ok(pool_targets(fl, &want, 0, &t, &err) == 0 && t.n == 2 && t.explicit_hosts &&
	   !strcmp(t.v[0].name, "two") && !strcmp(t.v[1].name, "sick"),
	   "--host names: in their order, each once, whatever their state");
	pool_targets_release(&t);
	ok(pool_targets(fl, &want, POOL_PLACEMENT, &t, &err) < 0 && err.kind == BERR_CONFLICT &&
	   strstr(err.msg, "host sick is inactive (3 consecutive errors: gone): no new containers"),
	   "... for placement a named inactive host is an error saying why (%s)", err.msg);
	names[0] = "nope";
	want.nhosts = 1;
	ok(pool_targets(fl, &want, 0, &t, &err) < 0 && err.kind == BERR_USAGE &&
	   !strncmp(err.msg, "unknown host: nope (known: local, ", 34),
	   "an unknown --host is a usage error naming the known hosts (%s)", err.msg);

	memset(&want, 0, sizeof(want));
	b = pool_single(fl, &want, &err);
	ok(!b && err.kind == BERR_USAGE &&
	   strstr(err.msg, "this command acts on one host and the pool has 4 (local, full, one, two)"),
	   "pool_single over four: a usage error listing them (%s)", err.msg);
	want.pinned = "one";
	b = pool_single(fl, &want, &err);
	ok(b && !strcmp(b->name, "one"), "pool_single of the pinned host");
	want.pinned = "gone";
	ok(!pool_single(fl, &want, &err) && err.kind == BERR_NOT_FOUND,
	   "a pinned host that vanished is no usage error (%s)", err.msg);
	ok(notes->errors == 0, "targets said nothing on the side");
}

/* --- placement over given loads ----------------------------------------- */

static void fake_targets(struct pool_targets *t, size_t n)
{
	static const char *const names[] = { "a", "b", "c", "d" };

	memset(t, 0, sizeof(*t));
	t->v = xcalloc(n, sizeof(*t->v));
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		t->v[i].name = xstrdup(names[i]);
		t->v[i].state = xstrdup("active");
		t->v[i].created_ms = 1000 * (int64_t)(n - i); /* d oldest */
	}
}

static struct placement_load fits(int64_t total, int64_t used)
{
	struct placement_load l;

	memset(&l, 0, sizeof(l));
	l.ok = 1;
	l.has_image = 1;
	l.total = total;
	l.used = used;
	l.mem_total = 8LL << 30;
	return l;
}

static void test_placement(void)
{
	struct placement_request req;
	struct placement_load loads[4];
	struct pool_targets t;
	struct berr err;
	size_t chosen[16], i, seen[4] = { 0 };

	memset(&req, 0, sizeof(req));
	req.image = "busybox";
	req.slots = 1;
	req.count = 4;

	ok(placement_policy_of(NULL) == PLACE_LEAST_LOADED &&
	   placement_policy_of("round-robin") == PLACE_ROUND_ROBIN &&
	   placement_policy_of("random") == PLACE_RANDOM, "policies by name");

	/* least-loaded: most free first, ties to the oldest host */
	fake_targets(&t, 3);
	loads[0] = fits(8, 5); /* a: 3 free */
	loads[1] = fits(8, 3); /* b: 5 free */
	loads[2] = fits(8, 3); /* c: 5 free, older than b */
	is_int(placement_choose(PLACE_LEAST_LOADED, &t, loads, &req, 0, chosen), 4,
	       "least-loaded: all four placed");
	ok(chosen[0] == 2 && chosen[1] == 1 && chosen[2] == 2 && chosen[3] == 1,
	   "... c (older tie), b, c, b: %zu %zu %zu %zu", chosen[0], chosen[1], chosen[2], chosen[3]);
	ok(loads[2].used == 5 && loads[1].used == 5 && loads[0].used == 5 && loads[2].placed == 2,
	   "... each accounted before the next");

	/* round-robin: the one placed on longest ago */
	loads[0] = fits(8, 0);
	loads[1] = fits(8, 0);
	loads[2] = fits(8, 0);
	loads[0].last_placed = 300;
	loads[1].last_placed = 100;
	loads[2].last_placed = 200;
	req.count = 3;
	placement_choose(PLACE_ROUND_ROBIN, &t, loads, &req, 1000, chosen);
	ok(chosen[0] == 1 && chosen[1] == 2 && chosen[2] == 0, "round-robin: b, c, a");
	ok(loads[1].last_placed == 1000 && loads[0].last_placed == 1002, "... cursors moved in order");

	/* what does not fit is never chosen, whatever the policy */
	loads[0] = fits(8, 8);            /* full */
	loads[1] = fits(8, 0);
	loads[1].ok = 0;                  /* did not answer */
	berr_set(&loads[1].err, BERR_TIMEOUT, "b: the engine did not answer within 10s");
	loads[2] = fits(8, 0);
	req.count = 1;
	for (i = 0; i < 200; i++) {
		struct placement_load l[3] = { loads[0], loads[1], loads[2] };

		if (placement_choose(PLACE_RANDOM, &t, l, &req, 0, chosen) == 1)
			seen[chosen[0]]++;
	}
	ok(seen[0] == 0 && seen[1] == 0 && seen[2] == 200, "random: only the host that fits (%zu %zu %zu)",
	   seen[0], seen[1], seen[2]);
	pool_targets_release(&t);

	fake_targets(&t, 4);
	for (i = 0; i < 4; i++)
		loads[i] = fits(100, 0);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 400; i++) {
		struct placement_load l[4] = { loads[0], loads[1], loads[2], loads[3] };

		placement_choose(PLACE_RANDOM, &t, l, &req, 0, chosen);
		seen[chosen[0]]++;
	}
	ok(seen[0] > 40 && seen[1] > 40 && seen[2] > 40 && seen[3] > 40,
	   "random: every fitting host gets some of 400 (%zu %zu %zu %zu)", seen[0], seen[1], seen[2],
	   seen[3]);

	/* memory and the image */
	loads[0] = fits(100, 0);
	loads[0].mem_total = 1LL << 30;
	loads[0].mem_used = 768LL << 20;
	loads[1] = fits(100, 0);
	loads[1].has_image = 0;
	loads[2] = fits(2, 2);
	loads[3] = fits(100, 0);
	loads[3].ok = 0;
	berr_set(&loads[3].err, BERR_CONNECT, "d: cannot connect to the engine at unix:///x");
	req.memory = 512LL << 20;
	req.no_distribute = 1;
	req.count = 1;
	is_int(placement_choose(PLACE_LEAST_LOADED, &t, loads, &req, 0, chosen), 0,
	       "nothing fits: none placed");
	t.dropped = xstrdup("e is drained");
	ok(placement_no_room(&req, &t, loads, 0, &err) < 0 && err.kind == BERR_CONFLICT, "no room");
	is_str(err.msg, "no host can take this container: a has not enough memory (512MiB asked, "
	       "256MiB free of 1GiB), b lacks busybox (--no-distribute), c is full (2 of 2 slots "
	       "used), d did not answer (cannot connect to the engine at unix:///x), e is drained",
	       "... one line naming every host and why");
	req.memory = 0;
	loads[0].has_image = 0;
	loads[2].has_image = 0;
	loads[3].ok = 1;
	loads[3].has_image = 0;
	placement_no_room(&req, &t, loads, 0, &err);
	is_str(err.msg, "image busybox is not on a, b, c, d; run 'image distribute busybox --to a "
	       "--to b --to c --to d' or drop --no-distribute",
	       "only the image missing: says how to get it there");
	pool_targets_release(&t);
}

/* --- resolution over given listings -------------------------------------- */

static json_t *container(const char *id, const char *name)
{
	return json_pack("{s:s, s:[s]}", "Id", id, "Names", name);
}

static void test_resolve(void)
{
	struct pool_targets t;
	struct listing_host hosts[3];
	struct berr err;
	size_t idx = 99;
	const char *id1 = "aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888";
	const char *id2 = "aaaa9999bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888";
	const char *id3 = "cafe1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888";

	fake_targets(&t, 3);
	memset(hosts, 0, sizeof(hosts));
	hosts[0].rows = json_pack("[o, o]", container(id1, "/web"), container(id3, "/db"));
	hosts[1].rows = json_pack("[o]", container(id2, "/web"));
	hosts[2].rows = json_pack("[o]", container("cafe", "/aaaa1111"));

	ok(resolve_in(RESOLVE_CONTAINER, &t, hosts, "db", &idx, &err) == 0 && idx == 0,
	   "a name on one host: that host");
	ok(resolve_in(RESOLVE_CONTAINER, &t, hosts, "web", &idx, &err) < 0 &&
	   err.kind == BERR_CONFLICT, "a name on two hosts: ambiguous");
	is_str(err.msg, "ambiguous container 'web': on a (aaaa1111bbbb), on b (aaaa9999bbbb); add --host NAME",
	       "... naming both with short IDs");
	ok(resolve_in(RESOLVE_CONTAINER, &t, hosts, "aaaa1111", &idx, &err) == 0 && idx == 2,
	   "a name beats an ID prefix on another host");
	ok(resolve_in(RESOLVE_CONTAINER, &t, hosts, "aaaa", &idx, &err) < 0 && err.kind == BERR_CONFLICT,
	   "an ID prefix on two hosts: ambiguous (%s)", err.msg);
	ok(resolve_in(RESOLVE_CONTAINER, &t, hosts, id2, &idx, &err) == 0 && idx == 1, "a full ID");
	json_decref(hosts[1].rows);
	hosts[1].rows = NULL;
	berr_set(&hosts[1].err, BERR_TIMEOUT, "b: the engine did not answer within 10s");
	ok(resolve_in(RESOLVE_CONTAINER, &t, hosts, "nope", &idx, &err) < 0 &&
	   err.kind == BERR_NOT_FOUND, "not found");
	is_str(err.msg, "no such container: nope (looked on a, c); b: the engine did not answer within 10s",
	       "... says where it looked and which host could not be asked");
	ok(resolve_in(RESOLVE_CONTAINER, &t, hosts, "web", &idx, &err) == 0 && idx == 0,
	   "the other host with the name did not answer: the one that did has it");
	for (int i = 0; i < 3; i++)
		json_decref(hosts[i].rows);
	pool_targets_release(&t);
}

/* --- the cached rows' filters --------------------------------------------- */

static json_t *row(const char *id, const char *name, const char *image, const char *state,
		   const char *labels_key, const char *labels_value)
{
	json_t *labels = json_object();

	if (labels_key)
		json_object_set_new(labels, labels_key, json_string(labels_value));
	return json_pack("{s:s, s:[s], s:s, s:s, s:s, s:s, s:I, s:o}", "Id", id, "Names", name,
			 "Image", image, "ImageID", "sha256:0123", "State", state, "Status",
			 !strcmp(state, "running") ? "Up 2 minutes" : "Exited (0) 1 minute ago",
			 "Created", (json_int_t)1700000000, "Labels", labels);
}

static size_t cached(struct fleet *fl, const char *host, int all, const char *filter,
		     char *names, size_t len)
{
	struct cache_query q;
	struct cache_rows rows;
	struct berr err;
	const char *filters[1] = { filter };
	size_t i, n;

	memset(&q, 0, sizeof(q));
	q.all = all;
	q.filters = filter ? filters : NULL;
	q.nfilters = filter ? 1 : 0;
	names[0] = '\0';
	if (cache_read(fl, STORE_CONTAINERS, host, &q, 0, &rows, &err) < 0) {
		snprintf(names, len, "error: %s", err.msg);
		return 0;
	}
	n = json_array_size(rows.rows);
	for (i = 0; i < n; i++) {
		const char *nm = json_string_value(json_array_get(json_object_get(
			json_array_get(rows.rows, i), "Names"), 0));
		size_t at = strlen(names);

		snprintf(names + at, len - at, "%s%s", at ? " " : "", nm ? nm : "?");
	}
	cache_rows_release(&rows);
	return n;
}

static void test_cache_filters(struct fleet *fl)
{
	json_t *list = json_array();
	char names[2048];

	json_array_append_new(list, row("1111", "/web1", "nginx:1", "running", "tier", "front"));
	json_array_append_new(list, row("2222", "/web2", "nginx:1", "exited", "tier", "front"));
	json_array_append_new(list, row("3333", "/db", "postgres", "running", "tier", "back"));
	json_array_append_new(list, row("4444", "/cron", "busybox", "exited", NULL, NULL));
	ok(cache_put_listing(fl, STORE_CONTAINERS, "one", list, 1) == 0, "a listing cached");
	json_decref(list);

	cached(fl, "one", 0, NULL, names, sizeof(names));
	is_str(names, "/web1 /db", "running ones without --all");
	cached(fl, "one", 1, NULL, names, sizeof(names));
	is_str(names, "/web1 /web2 /db /cron", "all of them with --all");
	cached(fl, "one", 1, "label=tier=front", names, sizeof(names));
	is_str(names, "/web1 /web2", "label=K=V");
	cached(fl, "one", 1, "label=tier", names, sizeof(names));
	is_str(names, "/web1 /web2 /db", "label=K");
	cached(fl, "one", 1, "status=exited", names, sizeof(names));
	is_str(names, "/web2 /cron", "status=exited");
	cached(fl, "one", 1, "name=web", names, sizeof(names));
	is_str(names, "/web1 /web2", "name= matches a part of the name, as docker's does");
	cached(fl, "one", 1, "ancestor=nginx:1", names, sizeof(names));
	is_str(names, "/web1 /web2", "ancestor=IMAGE");
	cached(fl, "one", 1, "id=33", names, sizeof(names));
	is_str(names, "/db", "id= prefix");
	cached(fl, "two", 1, NULL, names, sizeof(names));
	is_str(names, "", "another host's rows are its own");
}

/* The store's ID: made once, the same for every fleet and process on the
 * store, also when several make it at once. */
static int valid_id(const char *id)
{
	size_t i;

	if (!id || strlen(id) != 16)
		return 0;
	for (i = 0; i < 16; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

static void test_store_id(struct fleet *fl, const struct settings *settings)
{
	enum { N = 5 };
	struct notes quiet;
	struct fleet other;
	struct berr err;
	char *id = NULL, *again = NULL, path[600];
	int fds[N][2], i, all = 1;
	pid_t pids[N];

	ok(fleet_store_id(fl, &id, &err) == 0, "the store's ID is made (%s)", id ? "" : err.msg);
	ok(valid_id(id), "... 16 hex digits (%s)", id ? id : "none");
	ok(fleet_store_id(fl, &again, &err) == 0 && id && again && !strcmp(id, again),
	   "asked again: the same");
	free(again);
	again = NULL;
	memset(&quiet, 0, sizeof(quiet));
	fleet_init(&other, settings, collect, &quiet);
	ok(fleet_store_id(&other, &again, &err) == 0 && id && again && !strcmp(id, again),
	   "another fleet on the store gets the same");
	fleet_release(&other);
	free(again);
	free(id);

	/* a fresh store, made by N processes at once */
	snprintf(path, sizeof(path), "%s/store-race", dir);
	setenv("BERTH_STORE_DIR", path, 1);
	for (i = 0; i < N; i++) {
		if (pipe(fds[i]) < 0)
			return;
		pids[i] = fork();
		if (pids[i] == 0) {
			struct fleet f;
			char *mine = NULL;
			int r;

			close(fds[i][0]);
			fleet_init(&f, settings, collect, &quiet);
			r = fleet_store_id(&f, &mine, &err);
			if (write(fds[i][1], r == 0 ? mine : err.msg, strlen(r == 0 ? mine : err.msg)) < 0)
				r = -1;
			free(mine);
			fleet_release(&f);
			_exit(r == 0 ? 0 : 1);
		}
		close(fds[i][1]);
	}
	id = NULL;
	for (i = 0; i < N; i++) {
		char buf[1100] = "";
		ssize_t n = read(fds[i][0], buf, sizeof(buf) - 1);
		int st;

		buf[n > 0 ? n : 0] = '\0';
		close(fds[i][0]);
		waitpid(pids[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) || !valid_id(buf)) {
			printf("# process %d: %s\n", i, buf);
			all = 0;
		} else if (!id) {
			id = xstrdup(buf);
		} else if (strcmp(id, buf)) {
			printf("# process %d: %s, not %s\n", i, buf, id);
			all = 0;
		}
	}
	ok(all && id, "%d processes making a new store's ID at once all get the same one", N);
	free(id);
}

int main(void)
{
	struct settings settings;
	struct fleet fl;
	struct notes notes;
	char path[512];

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/store", dir);
	setenv("BERTH_STORE_DIR", path, 1);
	unsetenv("BERTH_MONGODB_URI");
	unsetenv("DOCKER_HOST");

	settings_init(&settings);
	memset(&notes, 0, sizeof(notes));
	fleet_init(&fl, &settings, collect, &notes);

	test_targets(&fl, &notes);
	test_placement();
	test_resolve();
	test_cache_filters(&fl);
	test_store_id(&fl, &settings);

	fleet_release(&fl);
	settings_release(&settings);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
