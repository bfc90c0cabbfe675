/* cache.c: the cache commands: what the store remembers of the engines'
 * images, containers, volumes and networks, refreshed, shown and emptied. The hosts
 * collection is never touched here. */
#include "config.h"

#include "commands/commands.h"
#include "commands/context.h"
#include "commands/targets.h"
#include "commands/args.h"
#include "commands/output.h"

static int exec_refresh(struct shell *sh, struct args *a);
static int exec_show(struct shell *sh, struct args *a);
static int exec_reset(struct shell *sh, struct args *a);

static const struct opt_spec refresh_opts[] = {
	{ .long_name = "host", .type = OPT_LIST, .metavar = "NAME",
	  .help = "refresh only this host", .kind = ARG_HOST },
	OPT_END
};

static const struct opt_spec reset_opts[] = {
	{ .short_name = 'y', .long_name = "yes", .type = OPT_FLAG,
	  .help = "do not ask for confirmation (for scripts)" },
	OPT_END
};

const struct cmd_entry cmd_cache_refresh_entry = {
	.noun = "cache",
	.verb = "refresh",
	.options = refresh_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "re-read every reachable host's containers, images, volumes and networks into the store",
	.flags = CMD_F_JSON,
	.exec = exec_refresh,
};
const struct cmd_entry cmd_cache_show_entry = {
	.noun = "cache",
	.verb = "show",
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "show per-collection document counts and ages",
	.flags = CMD_F_JSON,
	.exec = exec_show,
};
const struct cmd_entry cmd_cache_reset_entry = {
	.noun = "cache",
	.verb = "reset",
	.options = reset_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "empty the cached containers, images, volumes and networks (never the hosts)",
	.exec = exec_reset,
};

/* --- exec bodies ------------------------------------------------------- */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backends/pool/cache.h"
#include "backends/pool/hosts.h"
#include "backends/pool/pool.h"
#include "backends/backend.h"
#include "backends/store/store.h"
#include "backends/store/store_docs.h"

static const char *plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* --- refresh ------------------------------------------------------------ */

/* One element of refresh's --json array. */
static json_t *refresh_result(const char *host, const struct cache_refresh_stats *st,
			      const char *error_msg)
{
	if (error_msg)
		return json_pack("{s:s, s:n, s:n, s:n, s:n, s:s}", "Host", host, "Containers", "Images",
				 "Volumes", "Networks", "Error", error_msg);
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:n}", "Host", host, "Containers",
			 (json_int_t)st->containers, "Images", (json_int_t)st->images, "Volumes",
			 (json_int_t)st->volumes, "Networks", (json_int_t)st->networks, "Error");
}

static int exec_refresh(struct shell *sh, struct args *a)
{
	struct pool_want want;
	struct pool_targets t;
	struct cache_refresh_stats *st = NULL;
	struct berr err, *errs = NULL;
	struct backend **bs = NULL;
	struct store *s;
	json_t *results = NULL;
	size_t i, nb = 0;
	int64_t probe;
	int json = args_has(a, "json"), failed = 0, ret = CMD_ERROR;

	memset(&t, 0, sizeof(t));
	berr_clear(&err);
	/* Without a store there is nothing to refresh: say so once, not
	 * once per host (and before the hosts listing would warn about it). */
	if (!(s = fleet_store(&sh->fleet, &err)) || store_count(s, STORE_IMAGES, NULL, &probe, &err) < 0) {
		cache_advise_reset(&err, STORE_IMAGES);
		fleet_store_failed(&sh->fleet, &err);
		return error(sh, "cannot refresh the cache: %s", err.msg);
	}
	/* --host names, the pinned host, or every active host of the pool */
	cmd_want(sh, a, &want);
	if (pool_targets(&sh->fleet, &want, 0, &t, &err) < 0)
		return cmd_fail(sh, &err);
	if (json && !(results = json_array()))
		return error(sh, "out of memory");
	bs = calloc(t.n + 1, sizeof(*bs));
	st = calloc(t.n + 1, sizeof(*st));
	errs = calloc(t.n + 1, sizeof(*errs));
	if (!bs || !st || !errs) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < t.n; i++)
		if (t.v[i].b)
			bs[nb++] = t.v[i].b;
	cache_refresh_hosts(&sh->fleet, bs, nb, st, errs);

	for (i = 0, nb = 0; i < t.n; i++) {
		const char *host = t.v[i].name;
		const struct berr *e = NULL;
		struct cache_refresh_stats none;
		const struct cache_refresh_stats *hs = &none;
		json_t *r;

		memset(&none, 0, sizeof(none));
		if (!t.v[i].b) {
			e = &t.v[i].err;
		} else {
			hs = &st[nb];
			if (errs[nb].kind != BERR_NONE)
				e = &errs[nb];
			nb++;
		}
		if (e && hs->store_failed) {
			/* every host met the same store: say it once */
			fleet_store_failed(&sh->fleet, e);
			ret = error(sh, "cannot refresh the cache: %s", e->msg);
			goto cleanup;
		}
		if (e) {
			failed = 1;
			error(sh, "%s", e->msg);
		} else if (!json && out_printf(sh, "%s: %lld %s, %lld %s, %lld %s, %lld %s\n", host,
					       (long long)hs->containers,
					       plural(hs->containers, "container", "containers"),
					       (long long)hs->images,
					       plural(hs->images, "image", "images"),
					       (long long)hs->volumes,
					       plural(hs->volumes, "volume", "volumes"),
					       (long long)hs->networks,
					       plural(hs->networks, "network", "networks")) < 0 &&
			   !sh->out_closed) {
			ret = output_result(sh, -1);
			goto cleanup;
		}
		if (!json)
			continue;
		r = refresh_result(host, hs, e ? e->msg : NULL);
		if (!r || json_array_append_new(results, r) < 0) {
			ret = error(sh, "out of memory");
			goto cleanup;
		}
	}
	ret = CMD_OK;
	if (json)
		ret = output_result(sh, output_json(sh, results));
	if (ret == CMD_OK && (failed || berth_interrupted))
		ret = CMD_ERROR;
cleanup:
	json_decref(results);
	free(bs);
	free(st);
	free(errs);
	pool_targets_release(&t);
	return ret;
}

/* --- show --------------------------------------------------------------- */

static const enum store_coll shown_colls[] = { STORE_HOSTS, STORE_IMAGES, STORE_CONTAINERS,
					       STORE_VOLUMES, STORE_NETWORKS };
#define NSHOWN (sizeof(shown_colls) / sizeof(shown_colls[0]))

struct coll_summary {
	int64_t count;
	int64_t oldest, newest; /* last_seen, ms; 0 when no document has one */
};

static int keep_seen(void *ud, const bson_t *doc, struct berr *err)
{
	(void)err;
	*(int64_t *)ud = store_doc_date(doc, "last_seen");
	return 1;
}

static int summarize(struct store *s, enum store_coll c, struct coll_summary *cs, struct berr *err)
{
	/* only real dates: a host never seen has last_seen null */
	bson_t *seen = BCON_NEW("last_seen", "{", "$gt", BCON_DATE_TIME(0), "}");
	bson_t *asc = BCON_NEW("last_seen", BCON_INT32(1));
	bson_t *desc = BCON_NEW("last_seen", BCON_INT32(-1));
	struct store_find_opts first = { asc, 1 }, last = { desc, 1 };
	int ret = -1;

	memset(cs, 0, sizeof(*cs));
	if (store_count(s, c, NULL, &cs->count, err) < 0 ||
	    store_find(s, c, seen, &first, keep_seen, &cs->oldest, err) < 0 ||
	    store_find(s, c, seen, &last, keep_seen, &cs->newest, err) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	if (ret < 0)
		cache_advise_reset(err, c);
	bson_destroy(seen);
	bson_destroy(asc);
	bson_destroy(desc);
	return ret;
}

static char *store_location(const struct store *s)
{
	char *out = NULL;

	if (asprintf(&out, "%s %s%s%s", !strcmp(s->ops->kind, "mongodb") ? "MongoDB at" : "file store in",
		     s->where ? s->where : "?", s->database ? ", database " : "",
		     s->database ? s->database : "") < 0)
		return NULL;
	return out;
}

static json_t *json_date_or_null(int64_t ms)
{
	char buf[64];

	return ms ? json_string(store_fmt_date(buf, sizeof(buf), ms)) : json_null();
}

static int exec_show(struct shell *sh, struct args *a)
{
	struct coll_summary cs[NSHOWN];
	int ok[NSHOWN];
	struct store *s;
	struct berr err;
	struct table t;
	json_t *doc = NULL, *colls;
	char *where = NULL;
	time_t now = time(NULL);
	size_t i;
	int failed = 0, ret = CMD_ERROR;

	berr_clear(&err);
	if (!(s = fleet_store(&sh->fleet, &err)))
		return error(sh, "%s", err.msg);
	for (i = 0; i < NSHOWN; i++) {
		berr_clear(&err);
		ok[i] = summarize(s, shown_colls[i], &cs[i], &err) == 0;
		if (!ok[i]) {
			/* the other collections are still worth showing */
			error(sh, "%s", err.msg);
			failed = 1;
			fleet_store_failed(&sh->fleet, &err);
			if (err.kind == BERR_CONNECT || err.kind == BERR_TIMEOUT)
				return CMD_ERROR; /* all of them would time out alike */
		}
	}
	if (!(where = store_location(s)))
		return error(sh, "out of memory");

	if (args_has(a, "json")) {
		doc = json_pack("{s:s, s:s, s:s?, s:[]}", "Store", s->ops->kind, "Location",
				s->where ? s->where : "", "Database", s->database, "Collections");
		colls = json_object_get(doc, "Collections");
		for (i = 0; doc && i < NSHOWN; i++) {
			json_t *o = ok[i] ? json_pack("{s:s, s:I, s:o, s:o}", "Collection",
						      store_coll_name(shown_colls[i]), "Documents",
						      (json_int_t)cs[i].count, "Oldest",
						      json_date_or_null(cs[i].oldest), "Newest",
						      json_date_or_null(cs[i].newest))
					  : json_pack("{s:s, s:n, s:n, s:n}", "Collection",
						      store_coll_name(shown_colls[i]), "Documents",
						      "Oldest", "Newest");
			if (!o || json_array_append_new(colls, o) < 0) {
				json_decref(doc);
				doc = NULL;
			}
		}
		if (!doc) {
			ret = error(sh, "out of memory");
			goto cleanup;
		}
		ret = output_result(sh, output_json(sh, doc));
		goto cleanup;
	}

	table_init(&t, "COLLECTION", "DOCUMENTS", "OLDEST", "NEWEST", NULL);
	for (i = 0; i < NSHOWN; i++) {
		char count[32], oldest[64], newest[64];

		if (!ok[i]) {
			table_add_row(&t, store_coll_name(shown_colls[i]), "unreadable", "-", "-");
			continue;
		}
		snprintf(count, sizeof(count), "%lld", (long long)cs[i].count);
		if (cs[i].oldest)
			fmt_ago(oldest, sizeof(oldest), (time_t)(cs[i].oldest / 1000), now);
		else
			snprintf(oldest, sizeof(oldest), "-");
		if (cs[i].newest)
			fmt_ago(newest, sizeof(newest), (time_t)(cs[i].newest / 1000), now);
		else
			snprintf(newest, sizeof(newest), "-");
		table_add_row(&t, store_coll_name(shown_colls[i]), count, oldest, newest);
	}
	ret = output_result(sh, table_print(sh, &t));
	table_release(&t);
	if (ret == CMD_OK)
		ret = output_result(sh, out_printf(sh, "%s\n", where));
cleanup:
	json_decref(doc);
	free(where);
	if (ret == CMD_OK && failed)
		ret = CMD_ERROR;
	return ret;
}

/* --- reset -------------------------------------------------------------- */

struct host_set {
	char **v;
	size_t n;
};

static int collect_host(void *ud, const bson_t *doc, struct berr *err)
{
	struct host_set *hs = ud;
	const char *h = store_doc_str(doc, "host");
	char **nv;
	size_t i;

	if (!h)
		return 0;
	for (i = 0; i < hs->n; i++)
		if (!strcmp(hs->v[i], h))
			return 0;
	nv = realloc(hs->v, (hs->n + 1) * sizeof(*nv));
	if (!nv || !(nv[hs->n] = strdup(h))) {
		if (nv)
			hs->v = nv;
		return berr_set(err, BERR_LOCAL, "out of memory");
	}
	hs->v = nv;
	hs->n++;
	return 0;
}

/* What cache reset empties, in the order its message names them. */
static const enum store_coll reset_colls[] = { STORE_CONTAINERS, STORE_IMAGES, STORE_VOLUMES,
					       STORE_NETWORKS };
#define NRESET (sizeof(reset_colls) / sizeof(reset_colls[0]))

/* "empty ... of N hosts? [y/N]" on the terminal; 1 for yes. */
static int confirm_reset(struct shell *sh, struct store *s)
{
	struct host_set hs = { NULL, 0 };
	struct berr err;
	size_t i;
	int yes;

	/* what cannot be read (a corrupt file) is simply not counted */
	for (i = 0; i < NRESET; i++) {
		berr_clear(&err);
		store_find(s, reset_colls[i], NULL, NULL, collect_host, &hs, &err);
	}
	yes = cmd_confirm(sh, "empty the cached containers, images, volumes and networks of %zu %s?",
			  hs.n, plural((int64_t)hs.n, "host", "hosts"));
	for (i = 0; i < hs.n; i++)
		free(hs.v[i]);
	free(hs.v);
	return yes;
}

/* "2 containers" of count n, or why there is none. */
static void reset_count(char *buf, size_t len, enum store_coll c, int64_t n)
{
	const char *name = store_coll_name(c);

	if (n >= 0)
		snprintf(buf, len, "%lld %.*s", (long long)n, (int)strlen(name) - (n == 1), name);
	else
		snprintf(buf, len, "%s (%s)", name, n == -1 ? "unreadable" : "not emptied");
}

static int exec_reset(struct shell *sh, struct args *a)
{
	int64_t counts[NRESET];
	char what[NRESET][48];
	struct store *s;
	struct berr err;
	size_t i, emptied = 0;
	int failed = 0;

	if (!args_has(a, "yes") && !sh->in_tty)
		return usage_error(sh, "cache reset needs --yes when not run from a terminal");
	berr_clear(&err);
	if (!(s = fleet_store(&sh->fleet, &err)))
		return error(sh, "%s", err.msg);
	if (!args_has(a, "yes") && !confirm_reset(sh, s)) {
		fprintf(stderr, "nothing was emptied\n");
		return CMD_OK;
	}
	for (i = 0; i < NRESET; i++) {
		char *kept = NULL;

		berr_clear(&err);
		/* for the message; a corrupt file has no count to give */
		if (store_count(s, reset_colls[i], NULL, &counts[i], &err) < 0)
			counts[i] = -1;
		berr_clear(&err);
		if (store_drop(s, reset_colls[i], &kept, &err) < 0) {
			error(sh, "cannot empty the cached %s: %s", store_coll_name(reset_colls[i]),
			      err.msg);
			fleet_store_failed(&sh->fleet, &err);
			failed = 1;
			counts[i] = -2;
			continue;
		}
		emptied++;
		if (kept) {
			out_printf(sh, "%s: the unreadable file was kept as %s\n",
				   store_coll_name(reset_colls[i]), kept);
			free(kept);
		}
	}
	if (!emptied)
		return CMD_ERROR;
	for (i = 0; i < NRESET; i++)
		reset_count(what[i], sizeof(what[i]), reset_colls[i], counts[i]);
	out_printf(sh, "emptied the cache: %s, %s, %s, %s (hosts kept)\n", what[0], what[1], what[2],
		   what[3]);
	return failed ? CMD_ERROR : CMD_OK;
}
