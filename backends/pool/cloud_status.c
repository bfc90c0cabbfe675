/* cloud_status.c: the configured clouds checked at once (see cloud_status.h). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "backends/pool/cloud_status.h"
#include "backends/pool/fleet.h"
#include "backends/pool/settings.h"
#include "backends/cloud/cloud.h"
#include "lib/xalloc.h"

struct job {
	struct cloud_status *st;
	const struct cloud_net *net;
	const char *store_id; /* NULL: VMs are not counted */
};

/* One profile: open, check, count this store's VMs. */
static void *check_one(void *arg)
{
	struct job *j = arg;
	struct cloud_status *st = j->st;
	struct cloud_tag match = { .key = CLOUD_TAG_STORE, .value = j->store_id };
	struct cloud_vm *vms = NULL;
	struct cloud *c = NULL;
	struct berr err;
	size_t n = 0;

	berr_clear(&err);
	if (cloud_open(st->profile, j->net, &c, &err) < 0 || c->ops->check(c, &err) < 0) {
		st->error = xstrdup(err.msg);
		goto cleanup;
	}
	st->ok = 1;
	if (c->region) {
		free(st->region);
		st->region = xstrdup(c->region);
	}
	if (!j->store_id)
		goto cleanup;
	if (c->ops->vm_list(c, &match, 1, &vms, &n, &err) < 0) {
		st->error = xasprintf("cannot count the VMs: %s", err.msg);
		goto cleanup;
	}
	st->nvms = (int64_t)n;
	cloud_vms_release(vms, n);
cleanup:
	cloud_free(c);
	return NULL;
}

void cloud_statuses(struct fleet *fl, struct cloud_status **out, size_t *n,
		    struct berr *store_err)
{
	const struct settings *cfg = fl->settings;
	struct cloud_net net = { .connect_timeout_ms = cfg->connect_timeout_ms,
				 .request_timeout_ms = cfg->request_timeout_ms };
	struct cloud_status *v = xcalloc(cfg->nclouds, sizeof(*v));
	struct job *jobs = xcalloc(cfg->nclouds, sizeof(*jobs));
	pthread_t *tids = xcalloc(cfg->nclouds, sizeof(*tids));
	char *id = NULL;
	int *started = xcalloc(cfg->nclouds, sizeof(*started));
	size_t i;

	berr_clear(store_err);
	if (cfg->nclouds && fleet_store_id(fl, &id, store_err) < 0)
		id = NULL;
	for (i = 0; i < cfg->nclouds; i++) {
		v[i].profile = &cfg->clouds[i];
		v[i].region = cfg->clouds[i].region ? xstrdup(cfg->clouds[i].region) : NULL;
		v[i].nvms = -1;
		jobs[i] = (struct job){ .st = &v[i], .net = &net, .store_id = id };
		/* a thread that cannot start: the profile is checked here */
		started[i] = pthread_create(&tids[i], NULL, check_one, &jobs[i]) == 0;
		if (!started[i])
			check_one(&jobs[i]);
	}
	for (i = 0; i < cfg->nclouds; i++)
		if (started[i])
			pthread_join(tids[i], NULL);
	free(started);
	free(tids);
	free(jobs);
	free(id);
	*out = v;
	*n = cfg->nclouds;
}

void cloud_statuses_release(struct cloud_status *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].region);
		free(v[i].error);
	}
	free(v);
}
