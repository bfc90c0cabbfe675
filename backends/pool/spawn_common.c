/* spawn_common.c: what host spawn, host destroy and cloud reconcile share
 * (spawn_internal.h): the profile's context, a host's cloud state and its
 * document, the deletion of what berth made. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include "backends/pool/spawn_internal.h"
#include "backends/pool/spawn.h"
#include "backends/pool/fleet.h"
#include "backends/pool/hosts.h"
#include "backends/pool/host_doc.h"
#include "backends/pool/pool.h"
#include "backends/pool/settings.h"
#include "backends/backend.h"
#include "backends/docker/docker.h"
#include "backends/store/store.h"
#include "lib/paths.h"
#include "lib/xalloc.h"

/* --- the context ---------------------------------------------------------- */

int sp_ctx_init(struct spawn_ctx *ctx, struct fleet *fl, const struct cloud_profile *p,
		struct berr *err)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->fl = fl;
	ctx->p = p;
	ctx->net = (struct cloud_net){
		.connect_timeout_ms = fl->settings->connect_timeout_ms,
		.request_timeout_ms = fl->settings->request_timeout_ms,
	};
	pthread_mutex_init(&ctx->lock, NULL);
	if (!fleet_store(fl, err))
		return -1;
	return fleet_store_id(fl, &ctx->store_id, err);
}

void sp_ctx_release(struct spawn_ctx *ctx)
{
	free(ctx->store_id);
	cloud_free(ctx->primary);
	pthread_mutex_destroy(&ctx->lock);
	memset(ctx, 0, sizeof(*ctx));
}

void sp_lock(struct spawn_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
}

void sp_unlock(struct spawn_ctx *ctx)
{
	pthread_mutex_unlock(&ctx->lock);
}

int sp_cloud(struct spawn_ctx *ctx, struct cloud **c, struct berr *err)
{
	if (!ctx->primary && cloud_open(ctx->p, &ctx->net, &ctx->primary, err) < 0)
		return -1;
	*c = ctx->primary;
	return 0;
}

/* A driver of its own for a thread, with the primary's login: the primary
 * is only read here, and written only outside sp_run(). */
int sp_open_cloud(struct spawn_ctx *ctx, struct cloud **c, struct berr *err)
{
	if (cloud_open(ctx->p, &ctx->net, c, err) < 0)
		return -1;
	cloud_share(*c, ctx->primary);
	return 0;
}

/* --- a host's cloud state ------------------------------------------------- */

void sp_set(char **s, const char *v)
{
	char *old = *s;

	*s = v ? xstrdup(v) : NULL;
	free(old);
}

void sp_host_release(struct sp_host *h)
{
	char **strs[] = { &h->name, &h->state, &h->url, &h->profile, &h->driver, &h->spawn_id,
			  &h->vm_id, &h->secgroup_id, &h->address_id, &h->address, &h->flavor,
			  &h->image, &h->network, &h->machine };
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	memset(h, 0, sizeof(*h));
}

/* The static phase word for a stored one. */
static const char *phase_of(const char *s)
{
	static const char *const phases[] = { HOST_DOC_PHASE_INTENT, HOST_DOC_PHASE_CREATED,
					      HOST_DOC_PHASE_RUNNING, HOST_DOC_PHASE_ENGINE, NULL };
	size_t i;

	for (i = 0; s && phases[i]; i++)
		if (!strcmp(s, phases[i]))
			return phases[i];
	return HOST_DOC_PHASE_INTENT;
}

int sp_host_from_doc(const bson_t *doc, struct sp_host *h)
{
	struct host_doc d;

	memset(h, 0, sizeof(*h));
	host_doc_read(doc, &d);
	if (!d.cloud.present || !d.name)
		return -1;
	sp_set(&h->name, d.name);
	sp_set(&h->state, d.state);
	sp_set(&h->url, d.url);
	sp_set(&h->profile, d.cloud.profile);
	sp_set(&h->driver, d.cloud.driver);
	sp_set(&h->spawn_id, d.cloud.spawn_id);
	sp_set(&h->vm_id, d.cloud.vm_id);
	sp_set(&h->secgroup_id, d.cloud.secgroup_id);
	sp_set(&h->address_id, d.cloud.address_id);
	sp_set(&h->address, d.cloud.address);
	sp_set(&h->flavor, d.cloud.flavor);
	sp_set(&h->image, d.cloud.image);
	sp_set(&h->network, d.cloud.network);
	sp_set(&h->machine, d.cloud.machine);
	h->phase = phase_of(d.cloud.phase);
	h->deadline = d.cloud.deadline;
	h->pid = d.cloud.pid;
	return 0;
}

static void cloud_view(const struct sp_host *h, struct host_doc_cloud *c)
{
	*c = (struct host_doc_cloud){
		.profile = h->profile, .driver = h->driver, .spawn_id = h->spawn_id,
		.vm_id = h->vm_id, .secgroup_id = h->secgroup_id, .address_id = h->address_id,
		.address = h->address, .flavor = h->flavor, .image = h->image,
		.network = h->network, .phase = h->phase, .deadline_ms = h->deadline,
		.machine = h->machine, .pid = h->pid,
	};
}

/* h's cloud sub-document and more's fields, into f (initialised here). */
static void cloud_fields(bson_t *f, const struct sp_host *h, const bson_t *more)
{
	struct host_doc_cloud c;
	bson_iter_t it;

	bson_init(f);
	cloud_view(h, &c);
	host_doc_set_cloud(f, &c);
	if (more && bson_iter_init(&it, more))
		while (bson_iter_next(&it))
			bson_append_iter(f, bson_iter_key(&it), -1, &it);
}

int sp_record(struct spawn_ctx *ctx, const struct sp_host *h, const bson_t *more,
	      struct berr *err)
{
	bson_t f;
	int rc;

	cloud_fields(&f, h, more);
	sp_lock(ctx);
	rc = pool_set_fields(ctx->fl, h->name, &f, err);
	sp_unlock(ctx);
	bson_destroy(&f);
	return rc;
}

int sp_transition(struct spawn_ctx *ctx, const struct sp_host *h, const char *state,
		  const char *reason, const bson_t *extra, struct berr *err)
{
	return sp_transition_answered(ctx, h, state, reason, extra, NULL, err);
}

int sp_transition_answered(struct spawn_ctx *ctx, const struct sp_host *h, const char *state,
			   const char *reason, const bson_t *extra, const json_t *info,
			   struct berr *err)
{
	bson_t f;
	int rc, opened;

	cloud_fields(&f, h, extra);
	sp_lock(ctx);
	opened = info ? pool_records_begin(ctx->fl) : 0;
	rc = pool_transition(ctx->fl, h->name, NULL, state, reason, &f, err);
	if (rc == 0 && info)
		pool_record_answer(ctx->fl, h->name, info);
	if (info)
		pool_records_end(ctx->fl, opened);
	sp_unlock(ctx);
	bson_destroy(&f);
	return rc;
}

size_t sp_tags(const struct spawn_ctx *ctx, const struct sp_host *h, struct cloud_tag t[3])
{
	t[0] = (struct cloud_tag){ .key = CLOUD_TAG_STORE, .value = ctx->store_id };
	if (!h)
		return 1;
	t[1] = (struct cloud_tag){ .key = CLOUD_TAG_HOST, .value = h->name };
	t[2] = (struct cloud_tag){ .key = CLOUD_TAG_SPAWN, .value = h->spawn_id };
	return 3;
}

/* --- waiting, threads ------------------------------------------------------ */

int sp_sleep(int64_t ms)
{
	while (ms > 0) {
		int64_t step = ms < 50 ? ms : 50;
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)step * 1000000L };

		if (berth_interrupted)
			return 1;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return berth_interrupted ? 1 : 0;
}

void sp_run(size_t n, void *(*fn)(void *), void *base, size_t size)
{
	pthread_t *t;
	int *started;
	size_t i;

	if (n == 1) {
		fn(base);
		return;
	}
	t = xcalloc(n, sizeof(*t));
	started = xcalloc(n, sizeof(*started));
	for (i = 0; i < n; i++)
		started[i] = pthread_create(&t[i], NULL, fn, (char *)base + i * size) == 0;
	for (i = 0; i < n; i++) {
		if (started[i])
			pthread_join(t[i], NULL);
		else
			fn((char *)base + i * size); /* no thread: in turn */
	}
	free(started);
	free(t);
}

/* --- the engine ------------------------------------------------------------- */

struct backend *sp_backend(struct spawn_ctx *ctx, const char *name, struct berr *err)
{
	struct docker_endpoint ep;
	struct host_ref ref;
	struct backend *b;
	int rc;

	sp_lock(ctx);
	rc = hosts_find(ctx->fl, name, 0, &ref, err);
	sp_unlock(ctx);
	if (rc <= 0) {
		if (rc == 0)
			berr_set(err, BERR_NOT_FOUND, "%s: no address yet", name);
		return NULL;
	}
	host_ref_endpoint(&ref, ctx->fl->settings, &ep);
	/* an engine that is not up yet must not cost a whole request timeout */
	ep.timeout_ms = ctx->fl->settings->connect_timeout_ms;
	b = docker_backend_new(&ep, err);
	host_ref_release(&ref);
	return b;
}

int sp_ping(struct spawn_ctx *ctx, const char *name, json_t **info, struct berr *err)
{
	struct backend *b;
	int rc = -1;

	if (info)
		*info = NULL;
	b = sp_backend(ctx, name, err);
	if (b && b->ops->ping(b, err) == 0) {
		rc = 0;
		if (info && b->ops->info(b, info, err) < 0)
			*info = NULL;
	}
	backend_free(b);
	return rc;
}

int sp_spawner_gone(const struct sp_host *h)
{
	char m[256];

	if (!h->machine || h->pid <= 0 || gethostname(m, sizeof(m)) < 0)
		return 0;
	m[sizeof(m) - 1] = '\0';
	return !strcmp(m, h->machine) && kill((pid_t)h->pid, 0) < 0 && errno == ESRCH;
}

/* --- deleting what berth made ----------------------------------------------- */

/* The VMs carrying h's spawn tag, beside the recorded one, into *ids. */
static void tagged_vms(struct spawn_ctx *ctx, struct cloud *c, const struct sp_host *h,
		       char ***ids, size_t *n)
{
	struct cloud_tag t[3];
	struct cloud_vm *v = NULL;
	struct berr ignored;
	size_t nv = 0, i;

	*ids = NULL;
	*n = 0;
	if (h->vm_id) {
		*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = xstrdup(h->vm_id);
	}
	if (!h->spawn_id)
		return;
	sp_tags(ctx, h, t);
	/* store and spawn tags: the host tag may name another store's host */
	t[1] = t[2];
	if (c->ops->vm_list(c, t, 2, &v, &nv, &ignored) < 0)
		return;
	for (i = 0; i < nv; i++) {
		if (!v[i].id || (h->vm_id && !strcmp(v[i].id, h->vm_id)) || v[i].state == CLOUD_VM_GONE)
			continue;
		*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = xstrdup(v[i].id);
	}
	cloud_vms_release(v, nv);
}

/* Floating addresses carrying h's spawn tag that were not recorded. */
static int release_addresses(struct spawn_ctx *ctx, struct cloud *c, struct sp_host *h,
			     struct berr *err)
{
	struct cloud_resource *r = NULL;
	struct cloud_tag t[3];
	size_t n = 0, i;
	int rc = 0;

	if (!c->ops->address_release)
		return 0;
	if (h->address_id) {
		if (c->ops->address_release(c, h->address_id, err) < 0)
			return -1;
	}
	if (!h->spawn_id || !c->ops->resources_list)
		return 0;
	sp_tags(ctx, h, t);
	t[1] = t[2];
	if (c->ops->resources_list(c, t, 2, &r, &n, err) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		if (r[i].kind == CLOUD_RES_ADDRESS && r[i].id &&
		    (!h->address_id || strcmp(r[i].id, h->address_id)))
			rc = c->ops->address_release(c, r[i].id, err);
	cloud_resources_release(r, n);
	return rc;
}

/* Until every VM in ids is gone, or wait_ms. */
int sp_wait_gone(struct cloud *c, char **ids, size_t n, int64_t wait_ms, struct berr *err)
{
	int64_t waited = 0, step = 250;
	size_t i;

	for (;;) {
		size_t left = 0;

		for (i = 0; i < n; i++) {
			struct cloud_vm vm;
			struct berr e;
			int rc;

			if (!ids[i])
				continue;
			memset(&vm, 0, sizeof(vm));
			berr_clear(&e);
			rc = c->ops->vm_get(c, ids[i], &vm, &e);
			if ((rc < 0 && e.kind == BERR_NOT_FOUND) || (rc == 0 && vm.state == CLOUD_VM_GONE)) {
				free(ids[i]);
				ids[i] = NULL;
			} else if (rc < 0 && e.kind == BERR_INTERRUPTED) {
				cloud_vm_release(&vm);
				*err = e;
				return -1;
			} else {
				left++;
			}
			cloud_vm_release(&vm);
		}
		if (!left)
			return 0;
		if (waited >= wait_ms)
			break;
		if (sp_sleep(step))
			return berr_set(err, BERR_INTERRUPTED, "interrupted");
		waited += step;
		step = step * 3 / 2 > 2000 ? 2000 : step * 3 / 2;
	}
	for (i = 0; i < n && !ids[i]; i++)
		;
	return berr_set(err, BERR_TIMEOUT, "VM %s is not gone after %lld s", i < n ? ids[i] : "?",
			(long long)(wait_ms / 1000));
}

int sp_teardown(struct spawn_ctx *ctx, struct cloud *c, struct sp_host *h, int64_t wait_ms,
		struct berr *err)
{
	char **ids = NULL;
	size_t n = 0, i;
	int rc = -1;

	berr_clear(err);
	if (release_addresses(ctx, c, h, err) < 0)
		return -1;
	tagged_vms(ctx, c, h, &ids, &n);
	for (i = 0; i < n; i++)
		if (c->ops->vm_delete(c, ids[i], err) < 0)
			goto cleanup;
	if (sp_wait_gone(c, ids, n, wait_ms, err) < 0)
		goto cleanup;
	if (h->secgroup_id && sp_secgroup_release(ctx, c, h->secgroup_id, h->name, NULL, err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return rc;
}

int sp_secgroup_release(struct spawn_ctx *ctx, struct cloud *c, const char *id,
			const char *except, int *deleted, struct berr *err)
{
	struct sp_host *v = NULL;
	size_t n = 0, i, users = 0;

	if (deleted)
		*deleted = 0;
	if (sp_hosts_of(ctx, NULL, &v, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (v[i].secgroup_id && !strcmp(v[i].secgroup_id, id) &&
		    strcmp(v[i].state, "removed") && (!except || strcmp(v[i].name, except)))
			users++;
	sp_hosts_release(v, n);
	if (users)
		return 0;
	if (c->ops->secgroup_delete(c, id, err) < 0)
		return err->kind == BERR_CONFLICT ? (berr_clear(err), 0) : -1;
	if (deleted)
		*deleted = 1;
	return 0;
}

/* --- the documents ----------------------------------------------------------- */

struct hosts_of {
	const char *profile;
	struct sp_host *v;
	size_t n;
};

static int collect_host(void *ud, const bson_t *doc, struct berr *err)
{
	struct hosts_of *ho = ud;
	struct sp_host h;

	(void)err;
	if (sp_host_from_doc(doc, &h) < 0)
		return 0;
	if (ho->profile && (!h.profile || strcmp(h.profile, ho->profile))) {
		sp_host_release(&h);
		return 0;
	}
	ho->v = xrealloc(ho->v, (ho->n + 1) * sizeof(*ho->v));
	ho->v[ho->n++] = h;
	return 0;
}

int sp_hosts_of(struct spawn_ctx *ctx, const char *profile, struct sp_host **v, size_t *n,
		struct berr *err)
{
	struct hosts_of ho = { .profile = profile };
	struct store *s;
	int rc = -1;

	*v = NULL;
	*n = 0;
	/* every document: the stores take no $exists on a subdocument path
	 * everywhere alike, and the hosts are few */
	sp_lock(ctx);
	if ((s = fleet_store(ctx->fl, err))) {
		rc = store_find(s, STORE_HOSTS, NULL, NULL, collect_host, &ho, err);
		if (rc < 0)
			fleet_store_failed(ctx->fl, err);
	}
	sp_unlock(ctx);
	if (rc < 0) {
		sp_hosts_release(ho.v, ho.n);
		return -1;
	}
	*v = ho.v;
	*n = ho.n;
	return 0;
}

void sp_hosts_release(struct sp_host *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sp_host_release(&v[i]);
	free(v);
}

/* --- client certificates ------------------------------------------------------ */

char *sp_client_dir(const char *name)
{
	char *leaf = xasprintf("hosts/%s", name);
	char *dir = xdg_path("data", leaf);

	free(leaf);
	return dir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void sp_client_dir_remove(const char *name)
{
	char *dir = sp_client_dir(name);

	if (dir)
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(dir);
}
