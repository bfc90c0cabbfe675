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
#include "commands/context.h"
#include "commands/args.h"
#include "commands/output.h"
#include "backends/fanout.h"
#include "backends/store/store.h"
#include "backends/store/store_docs.h"

int placement_wanted(struct shell *sh, struct backend **single)
{
	size_t n = 0;

	/* the targets' rule (pool.h) without reading the store: one --host,
	 * or the pinned host, is the user's choice; the pool, even of one
	 * member, gets its capacity checked */
	if (sh->args)
		args_list(sh->args, "host", &n);
	*single = NULL;
	if (n > 1 || (!n && !sh->current_host))
		return 1;
	*single = pool_single(sh);
	return *single ? 0 : CMD_ERROR;
}

/* What a candidate has, recounted now, and what this command gave it. */
struct load {
	int ok;              /* the engine answered the listing and GET /info */
	struct berr err;     /* why not */
	int has_image;       /* the image is there already */
	int64_t total;       /* slots */
	int64_t used;        /* slots of its live containers, this command's included */
	int64_t mem_total;   /* bytes (MemTotal) */
	int64_t mem_used;    /* berth.memory of its live containers, this command's included */
	int64_t last_placed; /* ms; 0 never */
	size_t placed;       /* containers this command put there */
};

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

static void count_containers(struct load *l, const json_t *list)
{
	const json_t *c;
	size_t i;

	json_array_foreach(list, i, c) {
		const char *state = json_string_value(json_object_get(c, "State"));

		/* a created container is a reservation; only the finished
		 * ones give their room back */
		if (state && (!strcmp(state, "exited") || !strcmp(state, "dead")))
			continue;
		l->used += label_int(c, LABEL_SLOTS, 1, 1);
		l->mem_used += label_int(c, LABEL_MEMORY, 0, 0);
	}
}

/* The recount: one loop over every candidate, three requests each. */
static int recount(struct shell *sh, const struct placement_request *req, struct pool_targets *t,
		   struct load *loads)
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
		return error(sh, "out of memory");
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
		loads[i].last_placed = t->v[i].doc ? store_doc_date(t->v[i].doc, "last_placed") : 0;
	}
	fanout_run(jobs, n, NULL);
	for (k = 0; k < n; k++) {
		struct load *l = &loads[owner[k]];
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
			count_containers(l, reply);
		} else {
			l->mem_total = (int64_t)json_integer_value(json_object_get(reply, "MemTotal"));
		}
	}
	for (i = 0; i < t->n; i++) {
		struct load *l = &loads[i];
		int64_t per = sh->settings.pool_slot_memory > 0 ? sh->settings.pool_slot_memory : 512LL << 20;

		if (t->v[i].b)
			pool_record(sh, t->v[i].name, l->ok ? NULL : &l->err);
		if (!l->ok)
			continue;
		l->total = t->v[i].slots > 0 ? t->v[i].slots : l->mem_total / per;
		if (l->total < 1)
			l->total = 1;
	}
	fanout_jobs_release(jobs, n);
	free(jobs);
	free(owner);
	free(kind);
	return CMD_OK;
}

enum misfit {
	FITS = 0,
	MISFIT_DOWN,   /* did not answer */
	MISFIT_IMAGE,  /* lacks the image and may not get it */
	MISFIT_SLOTS,
	MISFIT_MEMORY,
};

static enum misfit misfit(const struct load *l, const struct placement_request *req)
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

enum policy { LEAST_LOADED, ROUND_ROBIN, RANDOM };

static enum policy policy_of(const struct shell *sh)
{
	const char *p = sh->settings.pool_policy;

	if (p && !strcmp(p, "round-robin"))
		return ROUND_ROBIN;
	if (p && !strcmp(p, "random"))
		return RANDOM;
	return LEAST_LOADED;
}

/* Is a a better choice than b (both fit)? */
static int better(enum policy pol, const struct pool_host *ha, const struct load *a,
		  const struct pool_host *hb, const struct load *b)
{
	if (pol == LEAST_LOADED) {
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
static long choose(enum policy pol, const struct pool_targets *t, const struct load *loads,
		   const struct placement_request *req)
{
	size_t i, nfit = 0, pick = 0;
	long best = -1;

	for (i = 0; i < t->n; i++) {
		if (misfit(&loads[i], req) != FITS)
			continue;
		if (pol == RANDOM) {
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

/* --- the message when there is no room ----------------------------------- */

struct sbuf {
	char *s;
	size_t len;
	int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *piece, *ns;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vasprintf(&piece, fmt, ap);
	va_end(ap);
	if (n < 0 || !(ns = realloc(b->s, b->len + (size_t)n + 1))) {
		if (n >= 0)
			free(piece);
		b->oom = 1;
		return;
	}
	memcpy(ns + b->len, piece, (size_t)n + 1);
	b->s = ns;
	b->len += (size_t)n;
	free(piece);
}

/* An error line without the "HOST: " the engine client put in front. */
static const char *without_host(const char *msg, const char *host)
{
	size_t n = strlen(host);

	if (!strncmp(msg, host, n) && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

static void explain(struct sbuf *b, const struct pool_host *h, const struct load *l,
		    const struct placement_request *req)
{
	char asked[32], free_mem[32], total[32];

	if (b->len)
		sb_printf(b, ", ");
	switch (misfit(l, req)) {
	case MISFIT_DOWN:
		sb_printf(b, "%s did not answer (%s)", h->name, without_host(l->err.msg, h->name));
		break;
	case MISFIT_IMAGE:
		sb_printf(b, "%s lacks %s (--no-distribute)", h->name, req->image);
		break;
	case MISFIT_SLOTS:
		if (l->used >= l->total)
			sb_printf(b, "%s is full (%" PRId64 " of %" PRId64 " slots used)", h->name,
				  l->used, l->total);
		else
			sb_printf(b, "%s has %" PRId64 " of %" PRId64 " slots free (%" PRId64 " asked)",
				  h->name, l->total - l->used, l->total, req->slots);
		break;
	case MISFIT_MEMORY:
		sb_printf(b, "%s has not enough memory (%s asked, %s free of %s)", h->name,
			  fmt_size_binary(asked, sizeof(asked), req->memory),
			  fmt_size_binary(free_mem, sizeof(free_mem),
					  l->mem_total > l->mem_used ? l->mem_total - l->mem_used : 0),
			  fmt_size_binary(total, sizeof(total), l->mem_total));
		break;
	case FITS:
		sb_printf(b, "%s has room", h->name); /* not reached: nothing fit */
		break;
	}
}

static int no_room(struct shell *sh, const struct placement_request *req, const struct pool_targets *t,
		   const struct load *loads, size_t placed)
{
	struct sbuf why = { NULL, 0, 0 }, lacking = { NULL, 0, 0 }, to = { NULL, 0, 0 };
	size_t i, nimage = 0;
	int ret;

	for (i = 0; i < t->n; i++) {
		explain(&why, &t->v[i], &loads[i], req);
		if (misfit(&loads[i], req) == MISFIT_IMAGE) {
			nimage++;
			sb_printf(&lacking, "%s%s", nimage > 1 ? ", " : "", t->v[i].name);
			sb_printf(&to, " --to %s", t->v[i].name);
		}
	}
	if (nimage && nimage == t->n && !placed) {
		/* only the image is missing: say how to get it there */
		ret = error(sh, "image %s is not on %s; run 'image distribute %s%s' or drop --no-distribute",
			    req->image, lacking.oom ? "the candidates" : lacking.s, req->image,
			    to.oom ? "" : to.s);
		goto cleanup;
	}
	/* the pool's hosts that were no candidates at all: inactive, drained */
	if (t->dropped && *t->dropped)
		sb_printf(&why, "%s%s", why.len ? ", " : "", t->dropped);
	if (why.oom) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	if (req->count == 1)
		ret = error(sh, "no host can take this container: %s", why.len ? why.s : "no active host in the pool");
	else
		ret = error(sh, "no host can take %zu containers (room for %zu): %s", req->count, placed,
			    why.len ? why.s : "no active host in the pool");
cleanup:
	free(why.s);
	free(lacking.s);
	free(to.s);
	return ret;
}

/* --- after the choice ------------------------------------------------------ */

/* Round-robin's cursor: when each chosen host got its last container. */
static void record_placed(struct shell *sh, const struct pool_targets *t, const struct load *loads)
{
	struct store *s;
	struct berr err;
	size_t i;

	berr_clear(&err);
	for (i = 0; i < t->n; i++) {
		bson_t *sel, *update;
		int rc;

		if (!loads[i].placed)
			continue;
		if (!(s = shell_store(sh, &err))) {
			shell_cache_warn(sh, &err);
			return;
		}
		sel = BCON_NEW("name", BCON_UTF8(t->v[i].name));
		update = BCON_NEW("$set", "{", "last_placed", BCON_DATE_TIME(loads[i].last_placed), "}");
		rc = store_modify(s, STORE_HOSTS, sel, update, 0, NULL, NULL, &err);
		bson_destroy(sel);
		bson_destroy(update);
		if (rc < 0) {
			shell_cache_warn(sh, &err);
			return;
		}
	}
}

static int distribute(struct shell *sh, const struct placement_request *req, struct placement *p,
		      const struct load *loads)
{
	struct pool_host *targets;
	struct distribute_outcome *out;
	size_t *idx, n = 0, i;
	char size[32];

	targets = calloc(p->hosts.n, sizeof(*targets));
	out = calloc(p->hosts.n, sizeof(*out));
	idx = calloc(p->hosts.n, sizeof(*idx));
	if (!targets || !out || !idx) {
		free(targets);
		free(out);
		free(idx);
		return error(sh, "out of memory");
	}
	for (i = 0; i < p->hosts.n; i++)
		if (loads[i].placed && !loads[i].has_image) {
			targets[n] = p->hosts.v[i]; /* borrowed view */
			idx[n++] = i;
		}
	if (n)
		distribute_image(sh, req->image, NULL, targets, n, out);
	for (i = 0; i < n; i++) {
		if (out[i].status < 0) {
			p->dist_err[idx[i]] = out[i].err;
			if (p->dist_err[idx[i]].kind == BERR_NONE)
				p->dist_err[idx[i]].kind = BERR_ENGINE;
		} else if (out[i].status == 0 && isatty(STDERR_FILENO)) {
			fprintf(stderr, "berth: %s: copied %s from %s (%s)\n", p->hosts.v[idx[i]].name,
				req->image, out[i].source ? out[i].source : "?",
				fmt_size(size, sizeof(size), out[i].bytes));
		}
	}
	if (n)
		distribute_outcomes_release(out, n);
	free(targets);
	free(out);
	free(idx);
	return CMD_OK;
}

int placement_run(struct shell *sh, const struct placement_request *req, struct placement *out)
{
	struct load *loads = NULL;
	enum policy pol = policy_of(sh);
	int64_t now = store_now_ms();
	size_t i;
	int rc, ret = CMD_ERROR;

	memset(out, 0, sizeof(*out));
	if ((rc = pool_targets(sh, POOL_PLACEMENT, &out->hosts)) < 0)
		return rc;
	loads = calloc(out->hosts.n + 1, sizeof(*loads));
	out->chosen = calloc(req->count, sizeof(*out->chosen));
	out->dist_err = calloc(out->hosts.n + 1, sizeof(*out->dist_err));
	if (!loads || !out->chosen || !out->dist_err) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	out->count = req->count;
	if (out->hosts.n && recount(sh, req, &out->hosts, loads) < 0)
		goto cleanup;
	for (i = 0; i < req->count; i++) {
		long h = choose(pol, &out->hosts, loads, req);

		if (h < 0) {
			ret = no_room(sh, req, &out->hosts, loads, i);
			goto cleanup;
		}
		out->chosen[i] = (size_t)h;
		loads[h].used += req->slots;
		loads[h].mem_used += req->memory;
		loads[h].placed++;
		/* later than any stored cursor, and in placement order */
		loads[h].last_placed = now + (int64_t)i;
	}
	if (pol == ROUND_ROBIN)
		record_placed(sh, &out->hosts, loads);
	ret = distribute(sh, req, out, loads);
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
