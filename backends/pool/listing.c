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
#include "lib/workq.h"
#include "lib/xalloc.h"
#include "backends/store/json_bson.h"
#include "backends/store/store_docs.h"

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

/* listing_gather() once res->targets are known (and not empty). */
static int gather_targets(struct fleet *fl, enum listing_kind kind,
			  const struct list_filter *filter, const struct cache_query *q, int all,
			  int cached, struct listing_result *res, struct berr *err)
{
	enum store_coll c = res->coll;
	struct listing_host *v;
	size_t i;
	int store_said = 0;

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

int listing_gather(struct fleet *fl, const struct pool_want *want, enum listing_kind kind,
		   const struct list_filter *filter, const struct cache_query *q, int all,
		   int cached, struct listing_result *res, struct berr *err)
{
	memset(res, 0, sizeof(*res));
	res->coll = kind == LISTING_CONTAINERS ? STORE_CONTAINERS : STORE_IMAGES;
	if (pool_targets(fl, want, cached ? POOL_STORE_ONLY : 0, &res->targets, err) < 0)
		return -1; /* released */
	if (!res->targets.n)
		return pool_no_host(&res->targets, err);
	return gather_targets(fl, kind, filter, q, all, cached, res, err);
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

/* --- streaming ----------------------------------------------------------------- */

/* rows (JSON, the store's or a sole host's) through sink, one at a time. */
static int sink_json(const struct listing_sink *sink, size_t h, const char *host,
		     const json_t *rows, int stale)
{
	const json_t *r;
	struct berr err;
	size_t i;
	int ret = 0;

	json_array_foreach(rows, i, r) {
		bson_t e = BSON_INITIALIZER;

		berr_clear(&err);
		if (json_is_object(r) && store_doc_from_json(r, &e, &err) == 0 &&
		    sink->row(sink->ud, h, host, &e, stale) < 0)
			ret = -1;
		bson_destroy(&e);
		if (ret < 0)
			break;
	}
	if (sink->host_done)
		sink->host_done(sink->ud, h, 1);
	return ret;
}

#define STREAM_WAITING 64

struct stream {
	struct fleet *fl;
	struct listing_result *res;
	const struct listing_sink *sink;
	struct cache_sets *cs;      /* owned; NULL: the store could not be opened */
	struct fanout_job *jobs;    /* one per asked host */
	struct workq *worker;       /* owned; NULL: answers are taken in the loop */
	size_t *host_of;            /* jobs[j]'s place in res */
	int64_t now;
	int oom;
	/* the answer being read */
	const char *host;
	size_t h;
	struct store_docset set;
};

static int entry_in(void *ud, const bson_t *entry, struct berr *err)
{
	struct stream *st = ud;
	bson_t *d = bson_sized_new(512); /* a container's document, without reallocations */

	if ((st->set.n & (st->set.n - 1)) == 0) /* 0, 1, 2, 4, ...: grown by doubling */
		st->set.docs = xrealloc(st->set.docs, (st->set.n ? 2 * st->set.n : 1) * sizeof(bson_t *));
	st->set.docs[st->set.n++] = d;
	if (store_doc_from_entry(d, STORE_CONTAINERS, st->host, entry, st->now, err) < 0)
		return -1;
	if (st->sink->row(st->sink->ud, st->h, st->host, entry, 0) < 0)
		st->oom = 1;
	return 0;
}

/* One host's answer, as the transfers' loop handed it over. */
struct answer {
	size_t j;      /* its job */
	int status;
	struct berr err;
	char *raw;     /* owned */
	size_t raw_len;
};

/* One host's answer: shown, written through, dropped (on the worker
 * thread when there is one; nothing else touches the sink, the cache
 * writer or res meanwhile). */
static void answered(void *item, void *ud)
{
	struct answer *a = item;
	struct stream *st = ud;
	struct listing_host *v = &st->res->v[st->host_of[a->j]];

	if (a->status < 0) {
		v->err = a->err;
		free(a);
		return;
	}
	st->host = v->name;
	st->h = (size_t)(v - st->res->v);
	memset(&st->set, 0, sizeof(st->set));
	if (json_bson_array_each(a->raw, a->raw_len, entry_in, st, &v->err) < 0) {
		if (!strstr(v->err.msg, v->name)) { /* the parser's words: the host's */
			struct berr why = v->err;

			berr_set(&v->err, BERR_PROTOCOL, "%s: the engine's listing is %s", v->name,
				 why.msg);
		}
	} else {
		v->src = LISTING_LIVE;
		st->res->answered++;
		cache_sets_add(st->cs, v->name, (const bson_t *const *)st->set.docs, st->set.n);
	}
	if (st->sink->host_done)
		st->sink->host_done(st->sink->ud, st->h, v->src == LISTING_LIVE);
	store_docset_release(&st->set);
	free(a->raw);
	free(a);
}

/* In the transfers' loop: the answer is taken from the job and handed to
 * the worker, so that parsing one engine's answer and writing it through
 * goes on beside the transfers of the others (on two cores a 1,000-host
 * listing took 2.1 s on one thread). */
static void job_ended(struct fanout_job *job, void *ud)
{
	struct stream *st = ud;
	struct answer *a = xcalloc(1, sizeof(*a));

	a->j = (size_t)(job - st->jobs);
	a->status = job->status;
	a->err = job->err;
	a->raw = job->raw;
	a->raw_len = job->raw_len;
	job->raw = NULL;
	job->raw_len = 0;
	fanout_job_release(job);
	if (st->worker)
		workq_put(st->worker, a);
	else
		answered(a, st);
}

/* The hosts asked at once, each answer taken as it comes. */
static void stream_many(struct stream *st)
{
	static const struct list_filter all = { .all = 1 };
	struct listing_result *res = st->res;
	struct fanout_opts opts = { .done = job_ended, .done_ud = st };
	size_t i, n = 0;
	int opened;

	st->jobs = xcalloc(res->n + 1, sizeof(*st->jobs));
	st->host_of = xcalloc(res->n + 1, sizeof(*st->host_of));
	for (i = 0; i < res->n; i++)
		if (asked(&res->v[i])) {
			st->host_of[n] = i;
			st->jobs[n].b = res->v[i].b;
			st->jobs[n].op = FANOUT_CONTAINER_LIST;
			st->jobs[n].filter = &all;
			st->jobs[n].flags = FANOUT_RAW;
			n++;
		}
	st->cs = cache_sets_begin(st->fl, STORE_CONTAINERS);
	/* a worker for more than one host; at most STREAM_WAITING answers
	 * (about 80 kB each for 100 containers) wait for it */
	st->worker = n > 1 ? workq_start(answered, st, STREAM_WAITING) : NULL;
	fanout_run(st->jobs, n, &opts);
	workq_finish(st->worker);
	st->worker = NULL;
	/* one write of the hosts: those that answered recorded as seen
	 * (after the answers' write), the others' failures */
	opened = pool_records_begin(st->fl);
	cache_sets_end(st->cs);
	st->cs = NULL;
	for (i = 0; i < res->n; i++)
		if (res->v[i].b && res->v[i].src != LISTING_LIVE)
			pool_record(st->fl, res->v[i].name, &res->v[i].err);
	pool_records_end(st->fl, opened);
	free(st->jobs);
	free(st->host_of);
}

int listing_stream_all(struct fleet *fl, const struct pool_want *want,
		       const struct listing_sink *sink, struct listing_result *res,
		       struct berr *err)
{
	struct cache_query q = { .all = 1 };
	struct stream st = { .fl = fl, .res = res, .sink = sink, .now = store_now_ms() };
	size_t i;

	memset(res, 0, sizeof(*res));
	res->coll = STORE_CONTAINERS;
	if (pool_targets(fl, want, 0, &res->targets, err) < 0)
		return -1;
	if (!res->targets.n)
		return pool_no_host(&res->targets, err);
	/* one host too: parsed as it comes (json_bson), no jansson tree of
	 * its listing, which cost a one-shot as much as its start-up */
	res->multi = res->targets.n > 1;
	res->n = res->targets.n;
	res->v = xcalloc(res->n, sizeof(*res->v));
	for (i = 0; i < res->n; i++) {
		struct listing_host *v = &res->v[i];

		v->name = res->targets.v[i].name;
		v->b = res->targets.v[i].b;
		v->src = LISTING_FAILED;
		berr_clear(&v->err);
		if (!v->b)
			v->err = res->targets.v[i].err;
		else if (res->targets.v[i].unanswered.kind != BERR_NONE)
			v->err = res->targets.v[i].unanswered;
	}
	stream_many(&st);
	if (st.oom)
		return berr_set(err, BERR_LOCAL, "out of memory");
	/* the hosts that did not answer: their cached rows when the engine
	 * was out of reach (the store written above kept them) */
	for (i = 0; i < res->n; i++) {
		struct listing_host *v = &res->v[i];
		json_t *rows = NULL;

		if (v->src == LISTING_LIVE)
			continue;
		/* a sole host's stale rows are the answer, as listing_gather's */
		if (res->multi ? listing_failed(fl, STORE_CONTAINERS, v->name, &q, &v->err, &rows)
			       : cache_fallback(fl, STORE_CONTAINERS, v->name, &q, &v->err, &rows)) {
			v->src = LISTING_STALE;
			res->answered++;
			if (sink_json(sink, i, v->name, rows, 1) < 0)
				st.oom = 1;
		}
		json_decref(rows);
	}
	if (st.oom)
		return berr_set(err, BERR_LOCAL, "out of memory");
	if (!res->multi && !res->answered) {
		/* the only host's error is the command's */
		*err = res->v[0].err;
		return -1;
	}
	return 0;
}
