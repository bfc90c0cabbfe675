/* housekeeping.c: the command cron runs. Probes the hosts that are due
 * for it (spawned ones, and those that went inactive by themselves),
 * deletes the containers whose lifetime is over and refreshes the cache,
 * on every host of the pool at once, under a lease in the store so that
 * overlapping runs (from one machine or several sharing a MongoDB) never
 * act twice; then sizes the pool (pool.autoscale) or carries on its
 * shutdown (commands/pool.c), and reports what cloud reconcile finds
 * (deleting nothing).
 * Silent when there was nothing to do: cron mails only when something
 * happened. */
#include "config.h"

#include "commands/commands.h"
#include "commands/context.h"
#include "commands/targets.h"
#include "commands/args.h"
#include "commands/output.h"

static int exec_housekeeping(struct shell *sh, struct args *a);

static const struct opt_spec housekeeping_opts[] = {
	{ .short_name = 'n', .long_name = "dry-run", .type = OPT_FLAG,
	  .help = "say what would be done, do nothing" },
	OPT_END
};

const struct cmd_entry cmd_housekeeping_entry = {
	.noun = "housekeeping",
	.options = housekeeping_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "probe due hosts, delete expired containers, refresh the cache and size the pool (for cron; silent when idle)",
	.exec = exec_housekeeping,
};

/* --- exec body ---------------------------------------------------------- */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands/lifetime.h"
#include "lib/timefmt.h"
#include "backends/pool/cache.h"
#include "backends/pool/hosts.h"
#include "backends/pool/pool.h"
#include "backends/backend.h"
#include "backends/fanout.h"
#include "backends/store/store.h"


/* The name a container is known by: its first name without the '/', or
 * its short ID. */
static const char *display_name(const json_t *c, char *buf, size_t len)
{
	const char *n = json_string_value(json_array_get(json_object_get(c, "Names"), 0));

	if (n && *n)
		return n[0] == '/' ? n + 1 : n;
	return fmt_short_id(buf, len, json_string_value(json_object_get(c, "Id")));
}

/* Probes the hosts due for it; one line per change of state. */
static void probe_due(struct shell *sh, int dry_run)
{
	struct pool_probe_result *res = NULL;
	size_t n = 0, i;

	struct berr err;

	if (pool_probe(&sh->fleet, NULL, 0, dry_run ? POOL_PROBE_DRY_RUN : 0, &res, &n, &err) < 0) {
		cmd_fail(sh, &err);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct pool_probe_result *r = &res[i];

		if (!r->reason || !strcmp(r->before, r->after))
			continue;
		out_printf(sh, "%s%s: %s -> %s (%s)\n", dry_run ? "would set " : "", r->host,
			   r->before, r->after, r->reason);
	}
	pool_probe_results_release(res, n);
}

/* Deletes (or with dry_run names) the expired containers in one host's
 * listing. Returns 0, or -1 when a delete failed (said). */
static int sweep_host(struct shell *sh, struct backend *b, const json_t *list, int dry_run)
{
	struct berr err;
	json_t *c;
	time_t now = time(NULL);
	size_t i;
	int failed = 0;

	json_array_foreach(list, i, c) {
		int64_t exp = container_expires(c);
		const char *id = json_string_value(json_object_get(c, "Id"));
		char ago[80], sid[16];
		const char *name;

		if (berth_interrupted)
			break;
		if (exp < 0 || (time_t)exp > now || !id)
			continue;
		name = display_name(c, sid, sizeof(sid));
		fmt_ago_inline(ago, sizeof(ago), (time_t)exp, now);
		if (dry_run) {
			out_printf(sh, "would delete %s on %s: expired %s\n", name, b->name, ago);
			continue;
		}
		berr_clear(&err);
		/* force: an expired container goes whether it runs or not */
		if (b->ops->container_delete(b, id, 1, &err) < 0) {
			if (err.kind == BERR_NOT_FOUND)
				continue; /* someone deleted it meanwhile: nothing to say */
			pool_record(&sh->fleet, b->name, &err);
			error(sh, "%s", err.msg);
			failed = 1;
			continue;
		}
		out_printf(sh, "deleted %s on %s: expired %s\n", name, b->name, ago);
	}
	return failed ? -1 : 0;
}

int housekeeping_sweep(struct shell *sh, int dry_run)
{
	struct pool_want want;
	struct berr err;
	struct pool_targets t;
	struct list_filter filter;
	struct fanout_job *jobs = NULL;
	struct backend **ok = NULL;
	struct cache_refresh_stats *st = NULL;
	struct berr *errs = NULL;
	size_t i, nj = 0, nok = 0;
	int failed = 0;

	cmd_want(sh, NULL, &want);
	if (pool_targets(&sh->fleet, &want, 0, &t, &err) < 0) {
		cmd_fail(sh, &err);
		return -1;
	}
	jobs = calloc(t.n ? t.n : 1, sizeof(*jobs));
	ok = calloc(t.n ? t.n : 1, sizeof(*ok));
	if (!jobs || !ok)
		abort();
	for (i = 0; i < t.n; i++) {
		if (!t.v[i].b) {
			error(sh, "%s", t.v[i].err.msg);
			failed = 1;
			continue;
		}
		jobs[nj++].b = t.v[i].b;
	}
	memset(&filter, 0, sizeof(filter));
	filter.all = 1;
	if (nj)
		fanout_container_list(jobs, nj, &filter, NULL);
	for (i = 0; i < nj && !berth_interrupted; i++) {
		if (jobs[i].status < 0) {
			if (jobs[i].err.kind == BERR_INTERRUPTED)
				break;
			pool_record(&sh->fleet, jobs[i].b->name, &jobs[i].err);
			error(sh, "%s", jobs[i].err.msg);
			failed = 1;
			continue;
		}
		if (sweep_host(sh, jobs[i].b, jobs[i].reply, dry_run) < 0)
			failed = 1;
		ok[nok++] = jobs[i].b;
	}
	if (!dry_run && nok && !berth_interrupted) {
		st = calloc(nok, sizeof(*st));
		errs = calloc(nok, sizeof(*errs));
		if (!st || !errs)
			abort();
		if (cache_refresh_hosts(&sh->fleet, ok, nok, st, errs) > 0) {
			for (i = 0; i < nok; i++)
				if (errs[i].kind != BERR_NONE && errs[i].kind != BERR_INTERRUPTED)
					error(sh, "%s", errs[i].msg);
			failed = 1;
		}
	}
	free(st);
	free(errs);
	fanout_jobs_release(jobs, nj);
	free(jobs);
	free(ok);
	pool_targets_release(&t);
	return failed ? -1 : 0;
}

char *housekeeping_holder(struct shell *sh)
{
	char host[256], *holder = NULL;

	if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	if (asprintf(&holder, "%s %ld@%s", sh->settings.owner, (long)getpid(), host) < 0)
		abort();
	return holder;
}

/* Is the lease holder ("OWNER PID@MACHINE") a process of this machine
 * that is gone (killed -9 while it held the lease)? */
static int holder_gone(const char *holder)
{
	const char *sp = strrchr(holder, ' '), *at;
	char host[256], *end;
	long pid;

	if (!sp || !(at = strchr(sp + 1, '@')))
		return 0;
	pid = strtol(sp + 1, &end, 10);
	if (end != at || pid <= 0)
		return 0;
	if (gethostname(host, sizeof(host)) < 0)
		return 0;
	host[sizeof(host) - 1] = '\0';
	return !strcmp(at + 1, host) && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* A lease of a holder that is gone is removed (that holder's only: a
 * taker that came meanwhile keeps its own). 1 when one was. */
static int clear_dead_holder(struct store *s, struct berr *err)
{
	bson_t *sel = BCON_NEW("name", BCON_UTF8(HOUSEKEEPING_LEASE)), *rm;
	bson_iter_t it;
	bson_t doc;
	int found = 0, gone = 0;

	if (store_find_one(s, STORE_LEASES, sel, &doc, &found, err) < 0 || !found) {
		bson_destroy(sel);
		return 0;
	}
	if (bson_iter_init_find(&it, &doc, "holder") && BSON_ITER_HOLDS_UTF8(&it) &&
	    holder_gone(bson_iter_utf8(&it, NULL))) {
		rm = BCON_NEW("name", BCON_UTF8(HOUSEKEEPING_LEASE), "holder",
			      BCON_UTF8(bson_iter_utf8(&it, NULL)));
		gone = store_remove(s, STORE_LEASES, rm, NULL, err) == 0;
		bson_destroy(rm);
	}
	bson_destroy(&doc);
	bson_destroy(sel);
	return gone;
}

int housekeeping_lease(struct store *s, const char *holder, char **current, struct berr *err)
{
	int r = store_lease_acquire(s, HOUSEKEEPING_LEASE, holder, HOUSEKEEPING_LEASE_TTL_MS, current, err);

	if (r == 0 && clear_dead_holder(s, err)) {
		free(*current);
		*current = NULL;
		r = store_lease_acquire(s, HOUSEKEEPING_LEASE, holder, HOUSEKEEPING_LEASE_TTL_MS, current, err);
	}
	return r;
}

static int exec_housekeeping(struct shell *sh, struct args *a)
{
	struct store *s;
	struct berr err;
	char *holder = NULL, *current = NULL;
	int dry_run = args_has(a, "dry-run"), failed = 0, r, ret = CMD_ERROR;

	berr_clear(&err);
	if (!(s = fleet_store(&sh->fleet, &err)))
		return error(sh, "housekeeping needs the store: %s", err.msg);
	holder = housekeeping_holder(sh);

	r = housekeeping_lease(s, holder, &current, &err);
	if (r < 0) {
		fleet_store_failed(&sh->fleet, &err);
		ret = error(sh, "housekeeping: cannot take the lease: %s", err.msg);
		goto cleanup;
	}
	if (r == 0) {
		/* another run is at work: that is no failure for cron */
		out_printf(sh, "housekeeping: lease held by %s; nothing done\n", current ? current : "another run");
		ret = CMD_OK;
		goto cleanup;
	}

	/* hosts that come back take part in the sweep */
	probe_due(sh, dry_run);
	if (!berth_interrupted && housekeeping_sweep(sh, dry_run) < 0)
		failed = 1;
	/* the pool's size, or its shutdown, under the lease */
	if (!berth_interrupted && pool_housekeeping(sh, dry_run) < 0)
		failed = 1;
	/* what the clouds hold against the hosts: said, never deleted */
	if (!berth_interrupted && !dry_run)
		cloud_reconcile_report(sh);
	ret = failed || berth_interrupted ? CMD_ERROR : CMD_OK;

	berr_clear(&err);
	if (store_lease_release(s, HOUSEKEEPING_LEASE, holder, &err) < 0) {
		fleet_store_failed(&sh->fleet, &err);
		ret = error(sh, "housekeeping: cannot release the lease (it runs out by itself): %s", err.msg);
	}
cleanup:
	free(current);
	free(holder);
	return ret;
}
