/* destroy.c: host destroy (spawn.h): the VMs of spawned hosts deleted
 * with everything berth made for them, all hosts at once. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "backends/pool/spawn.h"
#include "backends/pool/spawn_internal.h"
#include "backends/pool/fleet.h"
#include "backends/pool/host_doc.h"
#include "backends/pool/settings.h"
#include "backends/backend.h"
#include "backends/store/store.h"
#include "lib/xalloc.h"

#define DEFAULT_WAIT_MS (10 * 60 * 1000)

struct destroy_job {
	struct spawn_ctx *ctx;
	const struct cloud_profile *p;
	struct sp_host h;
	int force;
	struct destroy_result *r;
};

/* The containers on the host: its engine's word, else the cache's when
 * it does not answer. -1 when neither can say. */
static int64_t containers_on(struct destroy_job *j)
{
	struct list_filter filter = { .all = 1 };
	struct backend *b;
	json_t *list = NULL;
	struct berr err;
	int64_t n = -1;

	if ((b = sp_backend(j->ctx, j->h.name, &err)) &&
	    b->ops->container_list(b, &filter, &list, &err) == 0)
		n = (int64_t)json_array_size(list);
	json_decref(list);
	backend_free(b);
	if (n < 0) {
		struct store *s;
		bson_t sel;

		bson_init(&sel);
		BSON_APPEND_UTF8(&sel, "host", j->h.name);
		sp_lock(j->ctx);
		if ((s = fleet_store(j->ctx->fl, &err)) &&
		    store_count(s, STORE_CONTAINERS, &sel, &n, &err) < 0)
			n = -1;
		sp_unlock(j->ctx);
		bson_destroy(&sel);
	}
	return n;
}

/* The host's cached rows and client certificates go with it. */
static void forget(struct destroy_job *j)
{
	static const enum store_coll caches[] = { STORE_CONTAINERS, STORE_IMAGES, STORE_VOLUMES,
						  STORE_NETWORKS };
	struct store *s;
	struct berr err;
	size_t i;

	sp_lock(j->ctx);
	fleet_forget_backend(j->ctx->fl, j->h.name);
	for (i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		bson_t sel;

		bson_init(&sel);
		BSON_APPEND_UTF8(&sel, "host", j->h.name);
		if ((s = fleet_store(j->ctx->fl, &err)) &&
		    store_remove(s, caches[i], &sel, NULL, &err) < 0)
			fleet_store_failed(j->ctx->fl, &err);
		bson_destroy(&sel);
	}
	sp_unlock(j->ctx);
	sp_client_dir_remove(j->h.name);
}

static void *destroy_thread(void *arg)
{
	struct destroy_job *j = arg;
	struct cloud *c = NULL;
	struct berr *err = &j->r->err;
	int64_t n;

	if (j->r->err.kind != BERR_NONE)
		return NULL;
	if (!j->force && strcmp(j->h.state, "removed") && (n = containers_on(j)) > 0) {
		berr_set(err, BERR_CONFLICT,
			 "host %s has %lld container%s: delete them first (host drain %s stops new ones), or give --force",
			 j->h.name, (long long)n, n == 1 ? "" : "s", j->h.name);
		return NULL;
	}
	if (cloud_open(j->p, &j->ctx->net, &c, err) < 0)
		return NULL;
	if (sp_teardown(j->ctx, c, &j->h, j->p->spawn_timeout_ms > 0 ? j->p->spawn_timeout_ms
								    : DEFAULT_WAIT_MS, err) == 0 &&
	    sp_transition(j->ctx, &j->h, "removed", "host destroy", NULL, err) == 0) {
		forget(j);
		j->r->ok = 1;
	}
	cloud_free(c);
	return NULL;
}

/* Reads name's document into j; -1 (err: BERR_USAGE) when there is none. */
static int destroy_job_init(struct spawn_ctx *ctx, const char *name, struct destroy_job *j,
			    struct berr *err)
{
	struct store *s;
	bson_t sel, doc;
	int found = 0, rc;

	j->ctx = ctx;
	j->r->name = xstrdup(name);
	host_doc_selector(&sel, name);
	rc = (s = fleet_store(ctx->fl, err)) ? store_find_one(s, STORE_HOSTS, &sel, &doc, &found, err) : -1;
	bson_destroy(&sel);
	if (rc < 0) {
		fleet_store_failed(ctx->fl, err);
		return -1;
	}
	if (!found)
		return fleet_unknown_host(ctx->fl, name, NULL, err);
	rc = sp_host_from_doc(&doc, &j->h);
	bson_destroy(&doc);
	if (rc < 0) {
		berr_set(&j->r->err, BERR_USAGE,
			 "host %s was not spawned by berth: 'host remove %s' forgets it", name, name);
		return 0;
	}
	sp_set(&j->r->vm_id, j->h.vm_id);
	if (!(j->p = spawn_profile(ctx->fl, j->h.profile, &j->r->err)))
		berr_set(&j->r->err, BERR_USAGE, "host %s: its cloud %s is no longer configured",
			 name, j->h.profile ? j->h.profile : "(none)");
	return 0;
}

/* The security groups of the hosts destroyed: each thread left its group
 * while the others' documents still used it, so the last one to finish
 * may not have seen the rest removed. Deleted now when nothing uses them. */
static void release_groups(struct spawn_ctx *ctx, struct destroy_job *jobs, size_t n)
{
	size_t i, k;

	for (i = 0; i < n && !berth_interrupted; i++) {
		struct cloud *c = NULL;
		struct berr err;
		int seen = 0;

		if (!jobs[i].r->ok || !jobs[i].h.secgroup_id || !jobs[i].p)
			continue;
		for (k = 0; k < i && !seen; k++)
			seen = jobs[k].r->ok && jobs[k].h.secgroup_id &&
			       !strcmp(jobs[k].h.secgroup_id, jobs[i].h.secgroup_id);
		if (seen)
			continue;
		berr_clear(&err);
		if (cloud_open(jobs[i].p, &ctx->net, &c, &err) == 0)
			sp_secgroup_release(ctx, c, jobs[i].h.secgroup_id, NULL, NULL, &err);
		cloud_free(c);
	}
}

int spawn_destroy(struct fleet *fl, const char *const *names, size_t n, int force,
		  struct destroy_result **out, size_t *nout, struct berr *err)
{
	struct destroy_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	struct destroy_result *res = xcalloc(n ? n : 1, sizeof(*res));
	struct spawn_ctx ctx;
	size_t i;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	if (sp_ctx_init(&ctx, fl, NULL, err) < 0)
		goto cleanup;
	for (i = 0; i < n; i++) {
		jobs[i].r = &res[i];
		jobs[i].force = force;
		if (destroy_job_init(&ctx, names[i], &jobs[i], err) < 0)
			goto cleanup;
	}
	sp_run(n, destroy_thread, jobs, sizeof(*jobs));
	release_groups(&ctx, jobs, n);
	*out = res;
	*nout = n;
	res = NULL;
	rc = 0;
cleanup:
	for (i = 0; i < n; i++)
		sp_host_release(&jobs[i].h);
	free(jobs);
	if (res)
		destroy_results_release(res, n);
	sp_ctx_release(&ctx);
	return rc;
}

void destroy_results_release(struct destroy_result *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].vm_id);
	}
	free(r);
}
