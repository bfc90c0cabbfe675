/* listing.c: one engine listing over the hosts a command targets (see
 * listing.h). */
#include "config.h"

#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "backends/pool/listing.h"
#include "backends/pool/pool.h"
#include "backends/pool/fleet.h"
#include "backends/pool/cache.h"
#include "lib/fmt.h"
#include "backends/backend.h"
#include "backends/fanout.h"
#include "lib/xalloc.h"

/* The only target asks through its own client: the error lines and the
 * speed of single-host berth stay what they were. */
static void list_one(struct listing_host *h, enum listing_kind kind,
		     const struct list_filter *filter, int all)
{
	struct list_filter running;

	if (!filter) {
		memset(&running, 0, sizeof(running));
		filter = &running;
	}
	if ((kind == LISTING_CONTAINERS ? h->b->ops->container_list(h->b, filter, &h->rows, &h->err)
	     : h->b->ops->image_list(h->b, all, &h->rows, &h->err)) < 0) {
		json_decref(h->rows);
		h->rows = NULL;
	}
}

/* A host this listing asks: it has a client, and no failure already
 * (pool_host.unanswered). */
static int asked(const struct listing_host *h)
{
	return h->b && h->err.kind == BERR_NONE;
}

static void list_many(struct listing_host *v, size_t n, enum listing_kind kind,
		      const struct list_filter *filter, int all)
{
	struct fanout_job *jobs;
	size_t i, nrun = 0;

	jobs = calloc(n, sizeof(*jobs));
	if (!jobs) {
		for (i = 0; i < n; i++)
			if (asked(&v[i]))
				berr_set(&v[i].err, BERR_LOCAL, "%s: out of memory", v[i].name);
		return;
	}
	for (i = 0; i < n; i++)
		if (asked(&v[i]))
			jobs[nrun++].b = v[i].b;
	if (kind == LISTING_CONTAINERS)
		fanout_container_list(jobs, nrun, filter, NULL);
	else
		fanout_image_list(jobs, nrun, all, NULL);
	for (i = 0, nrun = 0; i < n; i++) {
		struct fanout_job *j;
		if (!asked(&v[i]))
			continue;
		j = &jobs[nrun++];
		if (j->status == 0) {
			/* an empty body is no listing: the engine answers [] */
			v[i].rows = j->reply ? j->reply : json_array();
			j->reply = NULL;
			if (!v[i].rows)
				berr_set(&v[i].err, BERR_LOCAL, "%s: out of memory", v[i].name);
		} else {
			v[i].err = j->err;
		}
	}
	fanout_jobs_release(jobs, nrun);
	free(jobs);
}

long listing_run(struct fleet *fl, const struct pool_targets *t, enum listing_kind kind,
		 const struct list_filter *filter, int all, unsigned flags,
		 struct listing_host **out)
{
	struct listing_host *v;
	size_t i;
	long answered = 0;
	int opened;

	*out = NULL;
	v = calloc(t->n ? t->n : 1, sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < t->n; i++) {
		v[i].name = t->v[i].name;
		v[i].b = t->v[i].b;
		berr_clear(&v[i].err);
		if (!v[i].b)
			v[i].err = t->v[i].err;
		else if (t->v[i].unanswered.kind != BERR_NONE)
			v[i].err = t->v[i].unanswered; /* not asked again */
	}
	if (t->n == 1 && v[0].b && v[0].err.kind == BERR_NONE)
		list_one(&v[0], kind, filter, all);
	else if (t->n > 1)
		list_many(v, t->n, kind, filter, all);
	/* one write of the hosts for all their records (a sole host's
	 * record needs no batch) */
	opened = t->n > 1 ? pool_records_begin(fl) : 0;
	for (i = 0; i < t->n; i++) {
		if (v[i].rows)
			answered++;
		/* A host without a client made no request: nothing learnt.
		 * (pool_record never takes the last active host out.) */
		if (!v[i].b || (v[i].rows && (flags & LISTING_SEEN_RECORDED)))
			continue;
		pool_record(fl, v[i].name, v[i].rows ? NULL : &v[i].err);
	}
	pool_records_end(fl, opened);
	*out = v;
	return answered;
}

void listing_release(struct listing_host *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		json_decref(v[i].rows);
	free(v);
}

int listing_failed(struct fleet *fl, enum store_coll c, const char *host,
		   const struct cache_query *q, const struct berr *err, json_t **out)
{
	struct cache_rows rows;
	struct berr cerr;
	char ago[64];

	*out = NULL;
	berr_clear(&cerr);
	if ((err->kind == BERR_CONNECT || err->kind == BERR_TIMEOUT) &&
	    cache_read(fl, c, host, q, 1, &rows, &cerr) == 0) {
		if (rows.known) {
			fmt_ago(ago, sizeof(ago), (time_t)(rows.seen_ms / 1000), time(NULL));
			/* "less than a second ago" mid-sentence */
			if (ago[0] >= 'A' && ago[0] <= 'Z')
				ago[0] = (char)(ago[0] - 'A' + 'a');
			fleet_say(fl, FLEET_NOTE_ERROR, "%s; showing cached rows from %s", err->msg, ago);
			*out = rows.rows;
			return 1;
		}
		cache_rows_release(&rows);
	}
	fleet_say(fl, FLEET_NOTE_ERROR, "%s", err->msg);
	return 0;
}

int listing_gather(struct fleet *fl, const struct pool_want *want, enum listing_kind kind,
		   const struct list_filter *filter, const struct cache_query *q, int all,
		   int cached, struct listing_result *res, struct berr *err)
{
	enum store_coll c = kind == LISTING_CONTAINERS ? STORE_CONTAINERS : STORE_IMAGES;
	struct listing_host *v;
	size_t i;
	int store_said = 0;

	memset(res, 0, sizeof(*res));
	res->coll = c;
	if (pool_targets(fl, want, cached ? POOL_STORE_ONLY : 0, &res->targets, err) < 0)
		return -1; /* released */
	if (!res->targets.n)
		return pool_no_host(&res->targets, err);
	res->multi = res->targets.n > 1;
	if (!cached) {
		if (listing_run(fl, &res->targets, kind, filter, all, LISTING_SEEN_RECORDED,
				&res->v) < 0)
			return berr_set(err, BERR_LOCAL, "out of memory");
	} else {
		res->v = xcalloc(res->targets.n, sizeof(*res->v));
	}
	res->n = res->targets.n;
	for (i = 0; i < res->n; i++) {
		v = &res->v[i];
		v->name = res->targets.v[i].name;
		if (cached) {
			struct cache_rows rows;

			berr_clear(&v->err);
			v->src = LISTING_FAILED;
			if (cache_read(fl, c, v->name, q, 0, &rows, &v->err) < 0) {
				/* the store's trouble, the same for every host: once */
				if (res->multi && !store_said++)
					fleet_say(fl, FLEET_NOTE_ERROR, "%s", v->err.msg);
				continue;
			}
			if (!rows.known)
				fleet_warn(fl, "%s: nothing is cached for this host yet (run 'cache refresh "
					"--host %s')", v->name, v->name);
			v->rows = rows.rows;
			v->src = LISTING_CACHED;
		} else if (v->rows) {
			v->src = LISTING_LIVE;
		} else if (res->multi) {
			v->src = listing_failed(fl, c, v->name, q, &v->err, &v->rows) ?
				 LISTING_STALE : LISTING_FAILED;
			if (v->src == LISTING_FAILED)
				continue;
			/* stale rows are shown, as for a sole host: the
			 * listing succeeds when there is something to show */
		} else if (cache_fallback(fl, c, v->name, q, &v->err, &v->rows)) {
			/* one host: its stale rows are the answer, as ever */
			v->src = LISTING_STALE;
		} else {
			v->src = LISTING_FAILED;
			continue;
		}
		res->answered++;
	}
	if (!res->multi && !res->answered) {
		/* the only host's error is the command's */
		*err = res->v[0].err;
		return -1;
	}
	return 0;
}

void listing_record(struct fleet *fl, const struct listing_result *res, int whole_set)
{
	const char **hosts;
	const json_t **lists;
	size_t i, n = 0;
	int opened;

	if (!whole_set) {
		/* row by row or merged, per host; the hosts' last_seen in one write */
		opened = res->n > 1 ? pool_records_begin(fl) : 0;
		for (i = 0; i < res->n; i++)
			if (res->v[i].src == LISTING_LIVE &&
			    cache_put_listing(fl, res->coll, res->v[i].name, res->v[i].rows, 0) < 0)
				break;
		pool_records_end(fl, opened);
		return;
	}
	/* whole sets: one write of the collection for every host */
	hosts = xcalloc(res->n + 1, sizeof(*hosts));
	lists = xcalloc(res->n + 1, sizeof(*lists));
	for (i = 0; i < res->n; i++)
		if (res->v[i].src == LISTING_LIVE) {
			hosts[n] = res->v[i].name;
			lists[n++] = res->v[i].rows;
		}
	cache_put_listings(fl, res->coll, hosts, lists, n);
	free(hosts);
	free(lists);
}

void listing_result_release(struct listing_result *res)
{
	listing_release(res->v, res->n);
	pool_targets_release(&res->targets);
	memset(res, 0, sizeof(*res));
}
