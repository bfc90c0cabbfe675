/* shutdown.c: the pool's shutdown mode and its steps (shutdown.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backends/pool/shutdown.h"
#include "backends/pool/spawn.h"
#include "backends/pool/spawn_internal.h"
#include "backends/pool/settings.h"
#include "backends/backend.h"
#include "backends/store/store.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define MODE_DOC "pool-shutdown"
/* 9999-12-31T23:59:59Z: a leases document nobody ever takes over */
#define NEVER_MS 253402300799000LL

/* --- the mode ----------------------------------------------------------------- */

static bson_t *mode_selector(void)
{
	return BCON_NEW("name", BCON_UTF8(MODE_DOC));
}

int pool_mode_get(struct fleet *fl, struct pool_mode *m, struct berr *err)
{
	struct store *s = fleet_store(fl, err);
	bson_t *sel = mode_selector();
	bson_iter_t it;
	bson_t doc;
	int found = 0, rc;

	memset(m, 0, sizeof(*m));
	rc = s ? store_find_one(s, STORE_LEASES, sel, &doc, &found, err) : -1;
	bson_destroy(sel);
	if (rc < 0) {
		if (s)
			fleet_store_failed(fl, err);
		return -1;
	}
	if (!found)
		return 0;
	m->shutdown = 1;
	if (bson_iter_init_find(&it, &doc, "force") && BSON_ITER_HOLDS_BOOL(&it))
		m->force = bson_iter_bool(&it);
	if (bson_iter_init_find(&it, &doc, "since") && BSON_ITER_HOLDS_DATE_TIME(&it))
		m->since_ms = bson_iter_date_time(&it);
	if (bson_iter_init_find(&it, &doc, "holder") && BSON_ITER_HOLDS_UTF8(&it))
		m->by = xstrdup(bson_iter_utf8(&it, NULL));
	bson_destroy(&doc);
	return 0;
}

void pool_mode_release(struct pool_mode *m)
{
	free(m->by);
	memset(m, 0, sizeof(*m));
}

int pool_mode_shutdown(struct fleet *fl, int force, const char *by, struct berr *err)
{
	struct store *s = fleet_store(fl, err);
	bson_t *doc, *sel, *upd;
	int rc;

	if (!s)
		return -1;
	doc = BCON_NEW("name", BCON_UTF8(MODE_DOC), "holder", BCON_UTF8(by),
		       "since", BCON_DATE_TIME(store_now_ms()), "force", BCON_BOOL(force != 0),
		       "expires", BCON_DATE_TIME(NEVER_MS));
	/* the unique insert: of two berths at once, one makes it */
	rc = store_insert(s, STORE_LEASES, doc, err);
	bson_destroy(doc);
	if (rc < 0 && err->kind == BERR_CONFLICT) {
		berr_clear(err);
		rc = 0;
		if (force) {
			sel = mode_selector();
			upd = BCON_NEW("$set", "{", "force", BCON_BOOL(1), "}");
			rc = store_modify(s, STORE_LEASES, sel, upd, 0, NULL, NULL, err);
			bson_destroy(sel);
			bson_destroy(upd);
		}
	}
	if (rc < 0)
		fleet_store_failed(fl, err);
	return rc;
}

int pool_mode_resume(struct fleet *fl, int *was, struct berr *err)
{
	struct store *s = fleet_store(fl, err);
	bson_t *sel = mode_selector();
	int64_t n = 0;
	int rc = s ? store_remove(s, STORE_LEASES, sel, &n, err) : -1;

	bson_destroy(sel);
	if (rc < 0 && s)
		fleet_store_failed(fl, err);
	*was = n > 0;
	return rc;
}

int pool_mode_refuses(struct fleet *fl, struct berr *err)
{
	struct pool_mode m;
	char when[32] = "";
	time_t t;
	struct tm tm;

	if (pool_mode_get(fl, &m, err) < 0)
		return -1;
	if (!m.shutdown)
		return 0;
	t = (time_t)(m.since_ms / 1000);
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), " at %Y-%m-%dT%H:%M:%SZ", &tm);
	berr_set(err, BERR_CONFLICT,
		 "the pool is shutting down (pool shutdown by %s%s): no new containers are placed; 'pool resume' ends it",
		 m.by ? m.by : "someone", when);
	pool_mode_release(&m);
	return 1;
}

/* --- step 1: the spawned hosts ---------------------------------------------------- */

/* "a, b" of the containers on host (its engine's listing), or NULL. */
static char *containers_of(struct spawn_ctx *ctx, const char *host)
{
	struct list_filter all = { .all = 1 };
	struct backend *b;
	json_t *list = NULL, *c;
	struct berr err;
	char *out = NULL;
	size_t i;

	if ((b = sp_backend(ctx, host, &err)) && b->ops->container_list(b, &all, &list, &err) == 0)
		json_array_foreach(list, i, c) {
			const char *n = json_string_value(json_array_get(json_object_get(c, "Names"), 0));
			const char *id = json_string_value(json_object_get(c, "Id"));

			if (n && *n == '/')
				n++;
			xstrjoinf(&out, ", ", "%s", n && *n ? n : id ? id : "?");
		}
	json_decref(list);
	backend_free(b);
	return out;
}

static int destroy_hosts(struct fleet *fl, struct spawn_ctx *ctx, int force,
			 struct shutdown_report *r, struct berr *err)
{
	struct destroy_result *res = NULL;
	struct sp_host *docs = NULL;
	const char **names;
	size_t ndocs = 0, nres = 0, i, k = 0;
	int rc;

	if (sp_hosts_of(ctx, NULL, &docs, &ndocs, err) < 0)
		return -1;
	names = xcalloc(ndocs + 1, sizeof(*names));
	for (i = 0; i < ndocs; i++)
		if (strcmp(docs[i].state, "removed"))
			names[k++] = docs[i].name;
	rc = k ? spawn_destroy(fl, names, k, force, &res, &nres, err) : 0;
	r->hosts = xcalloc(nres + 1, sizeof(*r->hosts));
	for (i = 0; rc == 0 && i < nres; i++) {
		struct shutdown_host *h = &r->hosts[r->nhosts++];

		h->name = xstrdup(res[i].name);
		h->destroyed = res[i].ok;
		h->err = res[i].err;
		if (!res[i].ok && res[i].err.kind == BERR_CONFLICT)
			h->containers = containers_of(ctx, res[i].name);
	}
	destroy_results_release(res, nres);
	sp_hosts_release(docs, ndocs);
	free(names);
	return rc;
}

/* --- step 3: what is left in each cloud ------------------------------------------------ */

static void count_cloud(struct spawn_ctx *ctx, const struct cloud_profile *p, struct shutdown_cloud *sc)
{
	struct cloud_tag t[3];
	size_t nt = sp_tags(ctx, NULL, t), n = 0, i;
	struct cloud_vm *vms = NULL;
	struct cloud_resource *res = NULL;
	struct cloud *c = NULL;
	struct berr err;

	sc->name = xstrdup(p->name);
	sc->vms = sc->groups = sc->addresses = -1;
	if (cloud_open(p, &ctx->net, &c, &err) < 0 || c->ops->vm_list(c, t, nt, &vms, &n, &err) < 0) {
		sc->error = xstrdup(err.msg);
		goto cleanup;
	}
	sc->vms = 0;
	for (i = 0; i < n; i++)
		sc->vms += vms[i].state != CLOUD_VM_GONE;
	cloud_vms_release(vms, n);
	n = 0;
	sc->groups = sc->addresses = 0;
	if (c->ops->resources_list && c->ops->resources_list(c, t, nt, &res, &n, &err) < 0) {
		sc->groups = sc->addresses = -1;
		sc->error = xstrdup(err.msg);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		sc->groups += res[i].kind == CLOUD_RES_SECURITY_GROUP;
		sc->addresses += res[i].kind == CLOUD_RES_ADDRESS;
	}
	cloud_resources_release(res, n);
cleanup:
	cloud_free(c);
}

int pool_shutdown_run(struct fleet *fl, int force, struct shutdown_report *r, struct berr *err)
{
	const struct settings *s = fl->settings;
	struct spawn_ctx ctx;
	struct berr rerr;
	size_t i;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (sp_ctx_init(&ctx, fl, NULL, err) < 0)
		goto cleanup;
	if (destroy_hosts(fl, &ctx, force, r, err) < 0 || berth_interrupted)
		goto cleanup;
	berr_clear(&rerr);
	if (s->nclouds && spawn_reconcile(fl, NULL, 1, &r->items, &r->nitems, &r->reconcile_failed, &rerr) < 0)
		r->reconcile_failed = xstrdup(rerr.msg);
	r->clouds = xcalloc(s->nclouds + 1, sizeof(*r->clouds));
	r->done = !berth_interrupted && !r->reconcile_failed;
	for (i = 0; i < r->nhosts; i++)
		r->done &= r->hosts[i].destroyed;
	for (i = 0; i < s->nclouds && !berth_interrupted; i++) {
		struct shutdown_cloud *sc = &r->clouds[r->nclouds++];

		count_cloud(&ctx, &s->clouds[i], sc);
		r->done &= sc->vms == 0 && sc->groups == 0 && sc->addresses == 0;
	}
	rc = 0;
cleanup:
	sp_ctx_release(&ctx);
	return rc;
}

void shutdown_report_release(struct shutdown_report *r)
{
	size_t i;

	for (i = 0; i < r->nhosts; i++) {
		free(r->hosts[i].name);
		free(r->hosts[i].containers);
	}
	free(r->hosts);
	reconcile_items_release(r->items, r->nitems);
	free(r->reconcile_failed);
	for (i = 0; i < r->nclouds; i++) {
		free(r->clouds[i].name);
		free(r->clouds[i].error);
	}
	free(r->clouds);
	memset(r, 0, sizeof(*r));
}
