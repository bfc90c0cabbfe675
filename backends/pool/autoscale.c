/* autoscale.c: the sizing decision (pure) and the snapshot it is made on;
 * see autoscale.h for the rules. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/pool/autoscale.h"
#include "backends/pool/fleet.h"
#include "backends/pool/host_doc.h"
#include "backends/pool/hosts.h"
#include "backends/pool/placement.h"
#include "backends/pool/pool.h"
#include "backends/pool/settings.h"
#include "backends/pool/spawn.h"
#include "backends/backend.h"
#include "backends/fanout.h"
#include "backends/store/store.h"
#include "lib/xalloc.h"

#define LAST_DOC "autoscale-last"
/* 9999-12-31T23:59:59Z: a leases document nobody ever takes over */
#define NEVER_MS 253402300799000LL

/* --- the decision --------------------------------------------------------- */

static int64_t ceil_div(int64_t a, int64_t b)
{
	return (a + b - 1) / b;
}

/* The slots a new host brings: the profile's, else the largest an
 * autoscaled host has, else 1. */
static int64_t per_host(const struct as_config *c, const struct as_host *h, size_t n)
{
	int64_t best = 0;
	size_t i;

	if (c->slots_per_host > 0)
		return c->slots_per_host;
	for (i = 0; i < n; i++)
		if (h[i].autoscaled && h[i].answered && h[i].total > best)
			best = h[i].total;
	return best > 0 ? best : 1;
}

static void count(const struct as_host *h, size_t n, struct as_plan *p)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (h[i].autoscaled)
			p->hosts++;
		if (h[i].autoscaled && h[i].spawning) {
			p->spawning++;
			p->total += p->slots_per_host;
		}
		if (!h[i].active || h[i].drained || !h[i].answered)
			continue;
		p->total += h[i].total;
		p->used += h[i].total < h[i].used ? h[i].total : h[i].used;
	}
	p->free = p->total - p->used;
}

/* The idle host to go, or NULL: empty for idle_after, the oldest idle
 * one first, and the pool keeps min_hosts and free_slots without it. */
static const struct as_host *idle_one(const struct as_config *c, const struct as_host *h, size_t n,
				      int64_t now, const struct as_plan *p)
{
	const struct as_host *best = NULL;
	size_t i;

	if (p->hosts - 1 < c->min_hosts)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct as_host *x = &h[i];
		int64_t room = x->drained ? 0 : x->total - x->used;

		if (!x->autoscaled || !x->active || !x->answered || x->containers != 0)
			continue;
		if (x->idle_since + c->idle_after_ms > now || p->free - room < c->free_slots)
			continue;
		if (!best || x->idle_since < best->idle_since ||
		    (x->idle_since == best->idle_since && strcmp(x->name, best->name) < 0))
			best = x;
	}
	return best;
}

void autoscale_decide(const struct as_config *c, const struct as_host *h, size_t n,
		      int64_t now_ms, struct as_plan *p)
{
	const struct as_host *idle;
	int64_t want = 0, room;

	memset(p, 0, sizeof(*p));
	p->slots_per_host = per_host(c, h, n);
	count(h, n, p);
	if (p->hosts < c->min_hosts) {
		want = c->min_hosts - p->hosts;
		snprintf(p->why, sizeof(p->why), "%lld host%s < min_hosts %lld", (long long)p->hosts,
			 p->hosts == 1 ? "" : "s", (long long)c->min_hosts);
	}
	if (p->free < c->free_slots &&
	    ceil_div(c->free_slots - p->free, p->slots_per_host) > want) {
		want = ceil_div(c->free_slots - p->free, p->slots_per_host);
		snprintf(p->why, sizeof(p->why), "free slots %lld < free_slots %lld", (long long)p->free,
			 (long long)c->free_slots);
	}
	if (want > 0) {
		room = c->max_hosts - p->hosts;
		if (room <= 0) {
			snprintf(p->why + strlen(p->why), sizeof(p->why) - strlen(p->why),
				 ", but max_hosts %lld reached", (long long)c->max_hosts);
			return;
		}
		p->action = AS_SPAWN;
		p->spawn = want;
		if (p->spawn > c->spawn_step)
			p->spawn = c->spawn_step;
		if (p->spawn > room)
			p->spawn = room;
		if (p->spawn < want)
			snprintf(p->why + strlen(p->why), sizeof(p->why) - strlen(p->why),
				 " (%lld wanted, capped by %s)", (long long)want,
				 p->spawn == room ? "max_hosts" : "spawn_step");
		return;
	}
	if ((idle = idle_one(c, h, n, now_ms, p))) {
		p->action = AS_DESTROY;
		p->destroy = idle->name;
		snprintf(p->why, sizeof(p->why), "%s held no container for %llds (idle_after %llds)",
			 idle->name, (long long)((now_ms - idle->idle_since) / 1000),
			 (long long)(c->idle_after_ms / 1000));
		return;
	}
	snprintf(p->why, sizeof(p->why), "%lld host%s, free slots %lld >= free_slots %lld",
		 (long long)p->hosts, p->hosts == 1 ? "" : "s", (long long)p->free,
		 (long long)c->free_slots);
}

/* --- the snapshot ------------------------------------------------------------ */

static void read_host(const struct autoscale_settings *as, const struct host_ref *r,
		      struct as_host *x)
{
	struct host_doc d;

	host_doc_read(r->doc, &d);
	x->name = xstrdup(r->name);
	x->state = xstrdup(d.state);
	x->autoscaled = as->enabled && d.cloud.present && d.cloud.profile && !strcmp(d.cloud.profile, as->cloud) &&
			strcmp(d.state, "removed");
	x->spawning = !strcmp(d.state, "spawned");
	x->active = !strcmp(d.state, "active");
	x->drained = d.drained;
	x->total = d.slots;
	x->containers = -1;
	x->idle_since = d.last_busy;
	if (d.state_changed > x->idle_since)
		x->idle_since = d.state_changed;
	if (d.created > x->idle_since)
		x->idle_since = d.created;
}

/* last_busy = now in host's document. */
static void mark_busy(struct fleet *fl, const char *host, int64_t now)
{
	struct berr err;
	bson_t f;

	bson_init(&f);
	host_doc_set_busy(&f, now);
	if (pool_set_fields(fl, host, &f, &err) < 0)
		fleet_cache_warn(fl, &err);
	bson_destroy(&f);
}

/* The listings and GET /info of the active hosts, in one fan-out. */
static void ask_engines(struct fleet *fl, const struct host_list *l, struct as_host *x, int dry_run)
{
	struct fanout_job *jobs = xcalloc(2 * l->n + 1, sizeof(*jobs));
	struct list_filter all = { .all = 1 };
	size_t *owner = xcalloc(2 * l->n + 1, sizeof(*owner)), nj = 0, i, k;
	int64_t now = store_now_ms();

	for (i = 0; i < l->n; i++) {
		struct backend *b;
		struct berr err;

		if (!x[i].active || !(b = fleet_backend_ref(fl, &l->v[i], &err)))
			continue;
		for (k = 0; k < 2; k++) {
			jobs[nj] = (struct fanout_job){ .b = b, .filter = &all,
							.op = k ? FANOUT_INFO : FANOUT_CONTAINER_LIST };
			owner[nj++] = i;
		}
		x[i].answered = 1;
	}
	fanout_run(jobs, nj, NULL);
	for (k = 0; k < nj; k++) {
		struct as_host *h = &x[owner[k]];
		int64_t mem = 0;

		if (jobs[k].status < 0 || !jobs[k].reply) {
			/* counts towards its error threshold, as any request */
			if (h->answered && !dry_run && jobs[k].status < 0)
				pool_record(fl, h->name, &jobs[k].err);
			h->answered = 0;
		} else if (jobs[k].op == FANOUT_CONTAINER_LIST) {
			h->containers = (int64_t)json_array_size(jobs[k].reply);
			placement_count_live(jobs[k].reply, &h->used, &mem);
		} else {
			mem = (int64_t)json_integer_value(json_object_get(jobs[k].reply, "MemTotal"));
			h->total = placement_total_slots(fl, h->total, mem);
		}
	}
	for (i = 0; i < l->n; i++) {
		if (!x[i].answered)
			continue;
		/* an answer resets the host's error count: errors are
		 * consecutive, never a tally that marks a host bad for ever */
		if (!dry_run)
			pool_record(fl, x[i].name, NULL);
		if (x[i].containers <= 0)
			continue;
		x[i].idle_since = now;
		if (!dry_run)
			mark_busy(fl, x[i].name, now);
	}
	fanout_jobs_release(jobs, nj);
	free(jobs);
	free(owner);
}

int autoscale_snapshot(struct fleet *fl, int dry_run, struct as_config *c,
		       struct as_host **hosts, size_t *n, struct berr *err)
{
	const struct autoscale_settings *as = &fl->settings->autoscale;
	const struct cloud_profile *p = NULL;
	struct host_list l;
	struct as_host *x;
	size_t i;

	*hosts = NULL;
	*n = 0;
	memset(c, 0, sizeof(*c));
	if (as->enabled && !(p = spawn_profile(fl, as->cloud, err)))
		return berr_set(err, BERR_USAGE, "pool.autoscale.cloud: %s", err->msg);
	if (as->enabled)
		*c = (struct as_config){ .min_hosts = as->min_hosts, .max_hosts = as->max_hosts,
					 .free_slots = as->free_slots, .idle_after_ms = as->idle_after_ms,
					 .spawn_step = as->spawn_step, .slots_per_host = p->slots };
	hosts_list(fl, HOSTS_WITH_DOC | HOSTS_QUIET, &l);
	if (!l.store_ok) {
		*err = l.err;
		host_list_release(&l);
		return -1;
	}
	x = xcalloc(l.n + 1, sizeof(*x));
	for (i = 0; i < l.n; i++)
		read_host(as, &l.v[i], &x[i]);
	ask_engines(fl, &l, x, dry_run);
	host_list_release(&l);
	*hosts = x;
	*n = i;
	return 0;
}

void autoscale_hosts_release(struct as_host *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].state);
	}
	free(h);
}

/* --- the last action ------------------------------------------------------------ */

int autoscale_record(struct fleet *fl, const char *what, const char *result, struct berr *err)
{
	struct store *s = fleet_store(fl, err);
	bson_t *sel = BCON_NEW("name", BCON_UTF8(LAST_DOC));
	bson_t *upd = BCON_NEW("$set", "{", "holder", BCON_UTF8("berth"),
			       "expires", BCON_DATE_TIME(NEVER_MS), "what", BCON_UTF8(what),
			       "result", BCON_UTF8(result), "at", BCON_DATE_TIME(store_now_ms()), "}");
	int rc = s ? store_modify(s, STORE_LEASES, sel, upd, STORE_UPSERT, NULL, NULL, err) : -1;

	if (rc < 0 && s)
		fleet_store_failed(fl, err);
	bson_destroy(sel);
	bson_destroy(upd);
	return rc;
}

int autoscale_last(struct fleet *fl, char **what, char **result, int64_t *at_ms, struct berr *err)
{
	struct store *s = fleet_store(fl, err);
	bson_t *sel = BCON_NEW("name", BCON_UTF8(LAST_DOC));
	bson_iter_t it;
	bson_t doc;
	int found = 0, rc;

	*what = *result = NULL;
	*at_ms = 0;
	rc = s ? store_find_one(s, STORE_LEASES, sel, &doc, &found, err) : -1;
	bson_destroy(sel);
	if (rc < 0) {
		if (s)
			fleet_store_failed(fl, err);
		return -1;
	}
	if (!found)
		return 0;
	if (bson_iter_init_find(&it, &doc, "what") && BSON_ITER_HOLDS_UTF8(&it))
		*what = xstrdup(bson_iter_utf8(&it, NULL));
	if (bson_iter_init_find(&it, &doc, "result") && BSON_ITER_HOLDS_UTF8(&it))
		*result = xstrdup(bson_iter_utf8(&it, NULL));
	if (bson_iter_init_find(&it, &doc, "at") && BSON_ITER_HOLDS_DATE_TIME(&it))
		*at_ms = bson_iter_date_time(&it);
	bson_destroy(&doc);
	return 0;
}
