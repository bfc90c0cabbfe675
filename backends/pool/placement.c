/* placement.c: choosing hosts for new containers (see placement.h). */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backends/pool/placement.h"
#include "backends/pool/pool.h"
#include "backends/pool/distribute.h"
#include "backends/pool/fleet.h"
#include "backends/pool/settings.h"
#include "backends/pool/host_doc.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "lib/fmt.h"
#include "backends/fanout.h"
#include "backends/store/store.h"
#include "backends/pool/shutdown.h"

int placement_wanted(struct fleet *fl, const struct pool_want *want, struct backend **single,
		     struct berr *err)
{
	/* the targets' rule (pool.h) without reading the store: one --host,
	 * or the pinned host, is the user's choice; the pool, even of one
	 * member, gets its capacity checked */
	*single = NULL;
	if (want->nhosts > 1 || (!want->nhosts && !want->pinned))
		return 1;
	*single = pool_single(fl, want, err);
	return *single ? 0 : -1;
}


/* A label's value as a whole number; dflt when absent or not one. */
static int64_t label_int(const json_t *c, const char *key, int64_t dflt, int64_t min)
{
	const char *s = json_string_value(json_object_get(json_object_get(c, "Labels"), key));
	char *end;
	long long v;

	if (!s || !*s)
		return dflt;
	v = strtoll(s, &end, 10);
	if (*end || v < min)
		return dflt;
	return (int64_t)v;
}

void placement_count_live(const json_t *list, int64_t *slots, int64_t *memory)
{
	const json_t *c;
	size_t i;

	json_array_foreach(list, i, c) {
		const char *state = json_string_value(json_object_get(c, "State"));

		/* a created container is a reservation; only the finished
		 * ones give their room back */
		if (state && (!strcmp(state, "exited") || !strcmp(state, "dead")))
			continue;
		*slots += label_int(c, LABEL_SLOTS, 1, 1);
		*memory += label_int(c, LABEL_MEMORY, 0, 0);
	}
}

int64_t placement_total_slots(const struct fleet *fl, int64_t slots, int64_t mem_total)
{
	int64_t per = fl->settings->pool_slot_memory > 0 ? fl->settings->pool_slot_memory : 512LL << 20;
	int64_t total = slots > 0 ? slots : mem_total / per;

	return total < 1 ? 1 : total;
}

/* When round-robin last gave host a container (0: never). */
static int64_t last_placed(const bson_t *doc)
{
	struct host_doc hd;

	host_doc_read(doc, &hd);
	return hd.last_placed;
}

/* The recount: one loop over every candidate, three requests each. */
static int recount(struct fleet *fl, const struct placement_request *req, struct pool_targets *t,
		   struct placement_load *loads, struct berr *err)
{
	struct fanout_job *jobs;
	size_t *owner, *kind, n = 0, i, k;
	struct list_filter all = { .all = 1 };

	jobs = calloc(t->n * 3 + 1, sizeof(*jobs));
	owner = calloc(t->n * 3 + 1, sizeof(*owner));
	kind = calloc(t->n * 3 + 1, sizeof(*kind));
	if (!jobs || !owner || !kind) {
		free(jobs);
		free(owner);
		free(kind);
		return berr_set(err, BERR_LOCAL, "out of memory");
	}
	/* hosts side by side, so that a pool larger than the loop's
	 * concurrency still spreads its requests */
	for (k = 0; k < 3; k++)
		for (i = 0; i < t->n; i++) {
			if (!t->v[i].b)
				continue;
			jobs[n].b = t->v[i].b;
			jobs[n].op = k == 0 ? FANOUT_CONTAINER_LIST : k == 1 ? FANOUT_INFO
				     : FANOUT_IMAGE_INSPECT;
			jobs[n].filter = &all;
			jobs[n].ref = req->image;
			kind[n] = k;
			owner[n++] = i;
		}
	for (i = 0; i < t->n; i++) {
		loads[i].ok = t->v[i].b != NULL;
		if (!t->v[i].b)
			loads[i].err = t->v[i].err;
		loads[i].last_placed = last_placed(t->v[i].doc);
	}
	fanout_run(jobs, n, NULL);
	for (k = 0; k < n; k++) {
		struct placement_load *l = &loads[owner[k]];
		const json_t *reply = jobs[k].reply;

		if (kind[k] == 2) {
			if (jobs[k].status == 0)
				l->has_image = 1;
			else if (jobs[k].err.kind != BERR_NOT_FOUND && l->ok) {
				l->ok = 0;
				l->err = jobs[k].err;
			}
		} else if (jobs[k].status < 0 || !reply) {
			if (l->ok) {
				l->ok = 0;
				if (jobs[k].status < 0)
					l->err = jobs[k].err;
				else
					berr_set(&l->err, BERR_PROTOCOL, "%s: the engine sent an empty reply to its %s",
						 t->v[owner[k]].name, fanout_op_name(jobs[k].op));
			}
		} else if (kind[k] == 0) {
			placement_count_live(reply, &l->used, &l->mem_used);
		} else {
			l->mem_total = (int64_t)json_integer_value(json_object_get(reply, "MemTotal"));
		}
	}
	for (i = 0; i < t->n; i++) {
		struct placement_load *l = &loads[i];

		if (t->v[i].b)
			pool_record(fl, t->v[i].name, l->ok ? NULL : &l->err);
		if (l->ok)
			l->total = placement_total_slots(fl, t->v[i].slots, l->mem_total);
	}
	fanout_jobs_release(jobs, n);
	free(jobs);
	free(owner);
	free(kind);
	return 0;
}

enum misfit {
	FITS = 0,
	MISFIT_DOWN,   /* did not answer */
	MISFIT_IMAGE,  /* lacks the image and may not get it */
	MISFIT_SLOTS,
	MISFIT_MEMORY,
};

static enum misfit misfit(const struct placement_load *l, const struct placement_request *req)
{
	if (!l->ok)
		return MISFIT_DOWN;
	if (!l->has_image && req->no_distribute)
		return MISFIT_IMAGE;
	if (l->total - l->used < req->slots)
		return MISFIT_SLOTS;
	if (req->memory > 0 && l->mem_total - l->mem_used < req->memory)
		return MISFIT_MEMORY;
	return FITS;
}

/* xorshift64*, seeded once per run from the kernel */
static uint64_t rnd(void)
{
	static uint64_t x;

	if (!x) {
		if (getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x))
			x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		if (!x)
			x = 0x9e3779b97f4a7c15ULL;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return x * 2685821657736338717ULL;
}

enum placement_policy placement_policy_of(const char *name)
{
	if (name && !strcmp(name, "round-robin"))
		return PLACE_ROUND_ROBIN;
	if (name && !strcmp(name, "random"))
		return PLACE_RANDOM;
	return PLACE_LEAST_LOADED;
}

/* Is a a better choice than b (both fit)? */
static int better(enum placement_policy pol, const struct pool_host *ha, const struct placement_load *a,
		  const struct pool_host *hb, const struct placement_load *b)
{
	if (pol == PLACE_LEAST_LOADED) {
		int64_t fa = a->total - a->used, fb = b->total - b->used;
		if (fa != fb)
			return fa > fb;
		if (ha->created_ms != hb->created_ms)
			return ha->created_ms < hb->created_ms;
	} else if (a->last_placed != b->last_placed) {
		return a->last_placed < b->last_placed;
	}
	return strcmp(ha->name, hb->name) < 0;
}

/* The host for the next container, or -1 when none fits. */
static long choose(enum placement_policy pol, const struct pool_targets *t, const struct placement_load *loads,
		   const struct placement_request *req)
{
	size_t i, nfit = 0, pick = 0;
	long best = -1;

	for (i = 0; i < t->n; i++) {
		if (misfit(&loads[i], req) != FITS)
			continue;
		if (pol == PLACE_RANDOM) {
			/* reservoir sampling: each fitting host equally likely */
			if (rnd() % ++nfit == 0)
				pick = i;
			best = (long)pick;
		} else if (best < 0 || better(pol, &t->v[i], &loads[i], &t->v[best], &loads[best])) {
			best = (long)i;
		}
	}
	return best;
}

size_t placement_choose(enum placement_policy pol, const struct pool_targets *t,
			struct placement_load *loads, const struct placement_request *req, int64_t now_ms,
			size_t *chosen)
{
	size_t i;

	for (i = 0; i < req->count; i++) {
		long h = choose(pol, t, loads, req);

		if (h < 0)
			break;
		chosen[i] = (size_t)h;
		loads[h].used += req->slots;
		loads[h].mem_used += req->memory;
		loads[h].placed++;
		/* later than any stored cursor, and in placement order */
		loads[h].last_placed = now_ms + (int64_t)i;
	}
	return i;
}

/* --- the message when there is no room ----------------------------------- */

/* An error line without the "HOST: " the engine client put in front. */
static const char *without_host(const char *msg, const char *host)
{
	size_t n = strlen(host);

	if (!strncmp(msg, host, n) && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

static void explain(struct strbuf *b, const struct pool_host *h, const struct placement_load *l,
		    const struct placement_request *req)
{
	char asked[32], free_mem[32], total[32];

	if (b->len)
		strbuf_addf(b, ", ");
	switch (misfit(l, req)) {
	case MISFIT_DOWN:
		strbuf_addf(b, "%s did not answer (%s)", h->name, without_host(l->err.msg, h->name));
		break;
	case MISFIT_IMAGE:
		strbuf_addf(b, "%s lacks %s (--no-distribute)", h->name, req->image);
		break;
	case MISFIT_SLOTS:
		if (l->used >= l->total)
			strbuf_addf(b, "%s is full (%" PRId64 " of %" PRId64 " slots used)", h->name,
				  l->used, l->total);
		else
			strbuf_addf(b, "%s has %" PRId64 " of %" PRId64 " slots free (%" PRId64 " asked)",
				  h->name, l->total - l->used, l->total, req->slots);
		break;
	case MISFIT_MEMORY:
		strbuf_addf(b, "%s has not enough memory (%s asked, %s free of %s)", h->name,
			  fmt_size_binary(asked, sizeof(asked), req->memory),
			  fmt_size_binary(free_mem, sizeof(free_mem),
					  l->mem_total > l->mem_used ? l->mem_total - l->mem_used : 0),
			  fmt_size_binary(total, sizeof(total), l->mem_total));
		break;
	case FITS:
		strbuf_addf(b, "%s has room", h->name); /* not reached: nothing fit */
		break;
	}
}

int placement_no_room(const struct placement_request *req, const struct pool_targets *t,
		      const struct placement_load *loads, size_t placed, struct berr *err)
{
	struct strbuf why = STRBUF_INIT, lacking = STRBUF_INIT, to = STRBUF_INIT;
	size_t i, nimage = 0;
	int ret;

	for (i = 0; i < t->n; i++) {
		explain(&why, &t->v[i], &loads[i], req);
		if (misfit(&loads[i], req) == MISFIT_IMAGE) {
			nimage++;
			strbuf_addf(&lacking, "%s%s", nimage > 1 ? ", " : "", t->v[i].name);
			strbuf_addf(&to, " --to %s", t->v[i].name);
		}
	}
	if (nimage && nimage == t->n && !placed) {
		/* only the image is missing: say how to get it there */
		ret = berr_set(err, BERR_NOT_FOUND,
			       "image %s is not on %s; run 'image distribute %s%s' or drop --no-distribute",
			       req->image, lacking.buf, req->image,
			       to.buf);
		goto cleanup;
	}
	/* the pool's hosts that were no candidates at all: inactive, drained */
	if (t->dropped && *t->dropped)
		strbuf_addf(&why, "%s%s", why.len ? ", " : "", t->dropped);
	if (req->count == 1)
		ret = berr_set(err, BERR_CONFLICT, "no host can take this container: %s",
			       why.len ? why.buf : "no active host in the pool");
	else
		ret = berr_set(err, BERR_CONFLICT, "no host can take %zu containers (room for %zu): %s",
			       req->count, placed, why.len ? why.buf : "no active host in the pool");
cleanup:
	strbuf_release(&why);
	strbuf_release(&lacking);
	strbuf_release(&to);
	return ret;
}

/* --- after the choice ------------------------------------------------------ */

/* Round-robin's cursor: when each chosen host got its last container. */
static void record_placed(struct fleet *fl, const struct pool_targets *t, const struct placement_load *loads)
{
	struct store *s;
	struct berr err;
	size_t i;

	berr_clear(&err);
	for (i = 0; i < t->n; i++) {
		bson_t sel, update;
		int rc;

		if (!loads[i].placed)
			continue;
		if (!(s = fleet_store(fl, &err))) {
			fleet_cache_warn(fl, &err);
			return;
		}
		host_doc_selector(&sel, t->v[i].name);
		host_doc_update_placed(&update, loads[i].last_placed);
		rc = store_modify(s, STORE_HOSTS, &sel, &update, 0, NULL, NULL, &err);
		bson_destroy(&sel);
		bson_destroy(&update);
		if (rc < 0) {
			fleet_cache_warn(fl, &err);
			return;
		}
	}
}

static void distribute(struct fleet *fl, const struct placement_request *req, struct placement *p,
		       const struct placement_load *loads)
{
	struct pool_host *targets;
	struct distribute_outcome *out;
	size_t *idx, n = 0, i;
	char size[32];

	targets = xcalloc(p->hosts.n, sizeof(*targets));
	out = xcalloc(p->hosts.n, sizeof(*out));
	idx = xcalloc(p->hosts.n, sizeof(*idx));
	for (i = 0; i < p->hosts.n; i++)
		if (loads[i].placed && !loads[i].has_image) {
			targets[n] = p->hosts.v[i]; /* borrowed view */
			idx[n++] = i;
		}
	if (n)
		distribute_image(fl, req->image, NULL, targets, n, out);
	for (i = 0; i < n; i++) {
		if (out[i].status < 0) {
			p->dist_err[idx[i]] = out[i].err;
			if (p->dist_err[idx[i]].kind == BERR_NONE)
				p->dist_err[idx[i]].kind = BERR_ENGINE;
		} else if (out[i].status == 0) {
			fleet_say(fl, FLEET_NOTE_PROGRESS, "%s: copied %s from %s (%s)",
				  p->hosts.v[idx[i]].name, req->image,
				  out[i].source ? out[i].source : "?",
				  fmt_size(size, sizeof(size), out[i].bytes));
		}
	}
	if (n)
		distribute_outcomes_release(out, n);
	free(targets);
	free(out);
	free(idx);
}

int placement_run(struct fleet *fl, const struct pool_want *want,
		  const struct placement_request *req, struct placement *out, struct berr *err)
{
	struct placement_load *loads = NULL;
	enum placement_policy pol = placement_policy_of(fl->settings->pool_policy);
	int64_t now = store_now_ms();
	size_t i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	/* a pool shutting down takes nothing new (a store that cannot say
	 * does not stop placement: pool_targets reads it again and says so) */
	berr_clear(err);
	if (pool_mode_refuses(fl, err) == 1)
		return -1;
	berr_clear(err);
	if (pool_targets(fl, want, POOL_PLACEMENT, &out->hosts, err) < 0)
		return -1;
	loads = xcalloc(out->hosts.n + 1, sizeof(*loads));
	out->chosen = xcalloc(req->count, sizeof(*out->chosen));
	out->dist_err = xcalloc(out->hosts.n + 1, sizeof(*out->dist_err));
	out->count = req->count;
	if (out->hosts.n && recount(fl, req, &out->hosts, loads, err) < 0)
		goto cleanup;
	if ((i = placement_choose(pol, &out->hosts, loads, req, now, out->chosen)) < req->count) {
		placement_no_room(req, &out->hosts, loads, i, err);
		goto cleanup;
	}
	if (pol == PLACE_ROUND_ROBIN)
		record_placed(fl, &out->hosts, loads);
	distribute(fl, req, out, loads);
	ret = 0;
cleanup:
	free(loads);
	if (ret < 0)
		placement_release(out);
	return ret;
}

void placement_release(struct placement *p)
{
	pool_targets_release(&p->hosts);
	free(p->chosen);
	free(p->dist_err);
	memset(p, 0, sizeof(*p));
}
