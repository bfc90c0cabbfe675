/* pool.c: pool status, pool shutdown, pool resume, and housekeeping's
 * pool step: autoscale (backends/pool/autoscale.h) or the shutdown's next
 * run (backends/pool/shutdown.h). */
#include "config.h"

#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/output.h"
#include "commands/targets.h"

static int exec_status(struct shell *sh, struct args *a);
static int exec_shutdown(struct shell *sh, struct args *a);
static int exec_resume(struct shell *sh, struct args *a);

static const struct opt_spec shutdown_opts[] = {
	{ .long_name = "force", .type = OPT_FLAG,
	  .help = "delete the containers on spawned hosts too (else busy hosts are left for the next run)" },
	{ .short_name = 'y', .long_name = "yes", .type = OPT_FLAG,
	  .help = "do not ask for confirmation (for scripts)" },
	OPT_END
};

const struct cmd_entry cmd_pool_status_entry = {
	.noun = "pool",
	.verb = "status",
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "the pool's hosts by state, its slots, its mode, and what autoscale wants next and why",
	.flags = CMD_F_JSON,
	.exec = exec_status,
};

const struct cmd_entry cmd_pool_shutdown_entry = {
	.noun = "pool",
	.verb = "shutdown",
	.options = shutdown_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "refuse new containers and destroy every spawned host and what berth made in the clouds (resumable)",
	.flags = CMD_F_JSON,
	.exec = exec_shutdown,
};

const struct cmd_entry cmd_pool_resume_entry = {
	.noun = "pool",
	.verb = "resume",
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "leave shutdown mode: containers are placed again, autoscale sizes the pool again",
	.exec = exec_resume,
};

/* --- exec bodies ------------------------------------------------------- */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "backends/pool/autoscale.h"
#include "backends/pool/host_doc.h"
#include "backends/pool/pool.h"
#include "backends/pool/settings.h"
#include "backends/pool/shutdown.h"
#include "backends/pool/spawn.h"
#include "backends/store/store.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* How long pool shutdown waits for a housekeeping run to give the lease back. */
#define LEASE_WAIT_S 120

static const char *date_of(char *buf, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms || !gmtime_r(&t, &tm))
		return "-";
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* --- autoscale, in housekeeping ------------------------------------------ */

static int autoscale_spawn(struct shell *sh, const struct as_plan *p)
{
	const struct autoscale_settings *as = &sh->settings.autoscale;
	struct spawn_opts o = { .count = (size_t)p->spawn };
	struct spawn_result *r = NULL;
	struct berr err, rerr;
	char *names = NULL, *result;
	size_t n = 0, i;
	int failed = 0;

	berr_clear(&err);
	if (!(o.profile = spawn_profile(&sh->fleet, as->cloud, &err)) ||
	    spawn_hosts(&sh->fleet, &o, &r, &n, &err) < 0) {
		autoscale_record(&sh->fleet, "spawn", err.msg, &rerr);
		return error(sh, "autoscale: cannot spawn on %s: %s", as->cloud, err.msg), -1;
	}
	for (i = 0; i < n; i++) {
		xstrjoinf(&names, ", ", "%s", r[i].name ? r[i].name : "?");
		if (r[i].ok) {
			out_printf(sh, "autoscale: spawned %s on %s (%s)\n", r[i].name, as->cloud, p->why);
			continue;
		}
		failed = 1;
		if (r[i].err.kind != BERR_INTERRUPTED)
			error(sh, "autoscale: spawning %s failed: %s", r[i].name ? r[i].name : "a host",
			      r[i].err.msg);
	}
	result = xasprintf("spawn %s: %s", names ? names : "-", failed ? "failed" : "ok");
	autoscale_record(&sh->fleet, "spawn", result, &rerr);
	free(result);
	free(names);
	spawn_results_release(r, n);
	return failed ? -1 : 0;
}

static int autoscale_destroy(struct shell *sh, const struct as_plan *p)
{
	const char *name = p->destroy;
	struct destroy_result *r = NULL;
	struct berr err, rerr;
	char *result;
	size_t n = 0;
	bson_t f;
	int ok = 0;

	/* drained first: placement gives it nothing while it goes; the
	 * destroy refuses it should a container have come meanwhile */
	bson_init(&f);
	host_doc_set_drained(&f, 1);
	berr_clear(&err);
	if (pool_set_fields(&sh->fleet, name, &f, &err) == 0 &&
	    spawn_destroy(&sh->fleet, &name, 1, 0, &r, &n, &err) == 0 && n == 1) {
		ok = r[0].ok;
		err = r[0].err;
	}
	bson_destroy(&f);
	destroy_results_release(r, n);
	if (ok)
		out_printf(sh, "autoscale: destroyed %s (%s)\n", name, p->why);
	else
		error(sh, "autoscale: destroying %s failed: %s", name, err.msg);
	result = xasprintf("destroy %s: %s", name, ok ? "ok" : err.msg);
	autoscale_record(&sh->fleet, "destroy", result, &rerr);
	free(result);
	return ok ? 0 : -1;
}

static int autoscale_step(struct shell *sh, int dry_run)
{
	struct as_host *h = NULL;
	struct as_config c;
	struct as_plan p;
	struct berr err;
	size_t n = 0;
	int rc = 0;

	berr_clear(&err);
	if (autoscale_snapshot(&sh->fleet, dry_run, &c, &h, &n, &err) < 0)
		return error(sh, "autoscale: %s", err.msg), -1;
	autoscale_decide(&c, h, n, store_now_ms(), &p);
	if (p.action == AS_SPAWN && dry_run)
		out_printf(sh, "autoscale: would spawn %lld host%s on %s (%s)\n", (long long)p.spawn,
			   p.spawn == 1 ? "" : "s", sh->settings.autoscale.cloud, p.why);
	else if (p.action == AS_DESTROY && dry_run)
		out_printf(sh, "autoscale: would destroy %s (%s)\n", p.destroy, p.why);
	else if (p.action == AS_SPAWN)
		rc = autoscale_spawn(sh, &p);
	else if (p.action == AS_DESTROY)
		rc = autoscale_destroy(sh, &p);
	autoscale_hosts_release(h, n);
	return rc;
}

/* --- shutdown ------------------------------------------------------------ */

static json_t *report_json(const struct shutdown_report *r)
{
	json_t *hosts = json_array(), *clouds = json_array(), *items = json_array();
	size_t i;

	for (i = 0; i < r->nhosts; i++)
		json_array_append_new(hosts, json_pack("{s:s, s:b, s:o, s:o}", "Name", r->hosts[i].name,
						       "Destroyed", r->hosts[i].destroyed,
						       "Containers", r->hosts[i].containers ?
						       json_string(r->hosts[i].containers) : json_null(),
						       "Error", r->hosts[i].destroyed ? json_null() :
						       json_string(r->hosts[i].err.msg)));
	for (i = 0; i < r->nitems; i++)
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:b}", "Cloud", r->items[i].cloud,
						       "Kind", reconcile_kind_name(r->items[i].kind),
						       "Difference", r->items[i].line,
						       "Deleted", r->items[i].deleted));
	for (i = 0; i < r->nclouds; i++)
		json_array_append_new(clouds, json_pack("{s:s, s:I, s:I, s:I, s:o}", "Cloud", r->clouds[i].name,
							"VMs", (json_int_t)r->clouds[i].vms,
							"SecurityGroups", (json_int_t)r->clouds[i].groups,
							"Addresses", (json_int_t)r->clouds[i].addresses,
							"Error", r->clouds[i].error ?
							json_string(r->clouds[i].error) : json_null()));
	return json_pack("{s:b, s:o, s:o, s:o}", "Done", r->done, "Hosts", hosts, "Reconcile", items,
			 "Clouds", clouds);
}

/* The report as lines; quiet: nothing when there was nothing to do (cron). */
static void report_lines(struct shell *sh, const struct shutdown_report *r, int quiet)
{
	size_t i, destroyed = 0, left = 0;

	for (i = 0; i < r->nhosts; i++) {
		const struct shutdown_host *h = &r->hosts[i];

		if (h->destroyed) {
			destroyed++;
			out_printf(sh, "pool shutdown: %s: destroyed\n", h->name);
		} else {
			left++;
			if (h->containers)
				out_printf(sh, "pool shutdown: %s: left: it holds %s (delete them, or pool shutdown --force)\n",
					   h->name, h->containers);
			else
				out_printf(sh, "pool shutdown: %s: left: %s\n", h->name, h->err.msg);
		}
	}
	for (i = 0; i < r->nitems; i++)
		out_printf(sh, "pool shutdown: %s%s\n", r->items[i].line,
			   r->items[i].kind == RECONCILE_ADOPTED ? "" :
			   r->items[i].deleted ? ": deleted" : ": not deleted");
	if (quiet && r->done && !r->nhosts && !r->nitems)
		return;
	for (i = 0; i < r->nclouds; i++) {
		const struct shutdown_cloud *c = &r->clouds[i];

		if (c->error)
			out_printf(sh, "pool shutdown: cloud %s: cannot count what is left: %s\n", c->name, c->error);
		else
			out_printf(sh, "pool shutdown: cloud %s: %lld resources of berth's left (%lld VMs, %lld security groups, %lld floating addresses)\n",
				   c->name, (long long)(c->vms + c->groups + c->addresses), (long long)c->vms,
				   (long long)c->groups, (long long)c->addresses);
	}
	if (r->done)
		out_printf(sh, "pool shutdown: done: %zu host%s destroyed, nothing of berth's left in the clouds\n",
			   destroyed, destroyed == 1 ? "" : "s");
	else
		error(sh, "pool shutdown: not finished: %zu host%s destroyed, %zu left%s; run it again (housekeeping carries on)%s",
		      destroyed, destroyed == 1 ? "" : "s", left, r->reconcile_failed ? ", a cloud failed" : "",
		      left ? ", or with --force" : "");
	if (r->reconcile_failed)
		error(sh, "pool shutdown: cloud reconcile: %s", r->reconcile_failed);
}

/* One run of the shutdown; -1 when it is not finished (said). */
static int shutdown_step(struct shell *sh, int force, int quiet, int json)
{
	struct shutdown_report r;
	struct berr err;
	json_t *j;
	int done;

	berr_clear(&err);
	if (pool_shutdown_run(&sh->fleet, force, &r, &err) < 0)
		return error(sh, "pool shutdown: %s", err.msg), -1;
	if (json) {
		j = report_json(&r);
		output_result(sh, output_json(sh, j));
		json_decref(j);
	} else {
		report_lines(sh, &r, quiet);
	}
	done = r.done;
	shutdown_report_release(&r);
	return done ? 0 : -1;
}

int pool_housekeeping(struct shell *sh, int dry_run)
{
	struct pool_mode m;
	struct berr err;
	int rc;

	berr_clear(&err);
	if (pool_mode_get(&sh->fleet, &m, &err) < 0)
		return error(sh, "pool: cannot read the pool's mode: %s", err.msg), -1;
	if (m.shutdown && dry_run)
		rc = out_printf(sh, "pool shutdown: would carry on the shutdown%s\n", m.force ? " (--force)" : "") < 0 ? -1 : 0;
	else if (m.shutdown)
		rc = shutdown_step(sh, m.force, 1, 0);
	else
		rc = sh->settings.autoscale.enabled ? autoscale_step(sh, dry_run) : 0;
	pool_mode_release(&m);
	return rc;
}

/* "destroy every spawned host? [y/N]" on the terminal; 1 for yes. */
static int confirm(struct shell *sh, int force)
{
	return cmd_confirm(sh, "refuse new containers and destroy every host berth spawned%s?",
			   force ? ", with the containers on them" : "");
}

/* The housekeeping lease, waited for while a run holds it. 1 taken, 0
 * not within LEASE_WAIT_S (said), -1 error (said). */
static int take_lease(struct shell *sh, struct store *s, const char *holder)
{
	char *current = NULL;
	struct berr err;
	int r, i;

	for (i = 0; i < LEASE_WAIT_S && !berth_interrupted; i++) {
		berr_clear(&err);
		r = housekeeping_lease(s, holder, &current, &err);
		if (r != 0) {
			if (r < 0)
				error(sh, "pool shutdown: cannot take the housekeeping lease: %s", err.msg);
			free(current);
			return r;
		}
		if (!i)
			out_printf(sh, "pool shutdown: waiting for the housekeeping run of %s\n",
				   current ? current : "another berth");
		free(current);
		current = NULL;
		sleep(1);
	}
	error(sh, "pool shutdown: housekeeping still holds its lease: the shutdown is recorded and its next run carries it on");
	return 0;
}

static int exec_shutdown(struct shell *sh, struct args *a)
{
	int force = args_has(a, "force"), json = args_has(a, "json"), r, ret = CMD_ERROR;
	struct pool_mode m;
	struct store *s;
	struct berr err;
	char *holder;

	if (!args_has(a, "yes") && !sh->in_tty)
		return usage_error(sh, "pool shutdown destroys every host berth spawned: give --yes when not run from a terminal");
	berr_clear(&err);
	if (!(s = fleet_store(&sh->fleet, &err)))
		return error(sh, "pool shutdown needs the store: %s", err.msg);
	if (!args_has(a, "yes") && !confirm(sh, force)) {
		fprintf(stderr, "nothing was done\n");
		return CMD_OK;
	}
	holder = housekeeping_holder(sh);
	if (pool_mode_shutdown(&sh->fleet, force, holder, &err) < 0) {
		error(sh, "pool shutdown: cannot record shutdown mode: %s", err.msg);
		goto cleanup;
	}
	if (!json)
		out_printf(sh, "pool shutdown: shutdown mode recorded: no new containers are placed\n");
	if ((r = take_lease(sh, s, holder)) <= 0)
		goto cleanup;
	if (pool_mode_get(&sh->fleet, &m, &err) == 0) {
		force |= m.force; /* an earlier --force still holds */
		pool_mode_release(&m);
	}
	/* expired containers go as usual */
	housekeeping_sweep(sh, 0);
	ret = shutdown_step(sh, force, 0, json) < 0 || berth_interrupted ? CMD_ERROR : CMD_OK;
	berr_clear(&err);
	if (store_lease_release(s, HOUSEKEEPING_LEASE, holder, &err) < 0)
		error(sh, "pool shutdown: cannot release the housekeeping lease (it runs out by itself): %s", err.msg);
cleanup:
	free(holder);
	return ret;
}

static int exec_resume(struct shell *sh, struct args *a)
{
	struct berr err;
	int was = 0;

	(void)a;
	berr_clear(&err);
	if (pool_mode_resume(&sh->fleet, &was, &err) < 0)
		return error(sh, "pool resume: %s", err.msg);
	out_printf(sh, "%s\n", was ? "pool resumed: containers are placed again"
				   : "the pool was not shutting down: nothing to resume");
	return CMD_OK;
}

/* --- status -------------------------------------------------------------- */

static const char *next_words(const struct as_plan *p, char *buf, size_t len)
{
	if (p->action == AS_SPAWN)
		snprintf(buf, len, "spawn %lld (%s)", (long long)p->spawn, p->why);
	else if (p->action == AS_DESTROY)
		snprintf(buf, len, "destroy %s (%s)", p->destroy, p->why);
	else
		snprintf(buf, len, "nothing (%s)", p->why);
	return buf;
}

static json_t *status_json(struct shell *sh, const struct pool_mode *m, const struct as_host *h,
			   size_t n, const struct as_plan *p, const char *what, const char *result,
			   int64_t at)
{
	const struct autoscale_settings *as = &sh->settings.autoscale;
	json_t *states = json_object(), *hosts = json_array();
	char d[40], nb[400];
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *v = json_object_get(states, h[i].state);

		json_object_set_new(states, h[i].state, json_integer(v ? json_integer_value(v) + 1 : 1));
		json_array_append_new(hosts, json_pack("{s:s, s:s, s:b, s:o, s:o, s:o}", "Name", h[i].name,
						       "State", h[i].state, "Autoscaled", h[i].autoscaled,
						       "Slots", h[i].answered ? json_integer(h[i].total) : json_null(),
						       "Used", h[i].answered ? json_integer(h[i].used) : json_null(),
						       "Containers", h[i].containers >= 0 ?
						       json_integer(h[i].containers) : json_null()));
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:{s:I, s:I, s:I}, s:o, s:o}",
			 "Mode", m->shutdown ? "shutdown" : "normal",
			 "ShutdownSince", m->shutdown ? json_string(date_of(d, sizeof(d), m->since_ms)) : json_null(),
			 "States", states, "Hosts", hosts,
			 "Slots", "Used", (json_int_t)p->used, "Free", (json_int_t)p->free,
			 "Total", (json_int_t)p->total,
			 "Autoscale", !as->enabled ? json_null() :
			 json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "Cloud", as->cloud,
				   "MinHosts", (json_int_t)as->min_hosts, "MaxHosts", (json_int_t)as->max_hosts,
				   "FreeSlots", (json_int_t)as->free_slots,
				   "IdleAfterMs", (json_int_t)as->idle_after_ms,
				   "SpawnStep", (json_int_t)as->spawn_step,
				   "Next", p->action == AS_SPAWN ? "spawn" : p->action == AS_DESTROY ? "destroy" : "nothing",
				   "Why", next_words(p, nb, sizeof(nb))),
			 "Last", !what ? json_null() :
			 json_pack("{s:s, s:s, s:s}", "Action", what, "Result", result ? result : "",
				   "At", date_of(d, sizeof(d), at)));
}

static void status_lines(struct shell *sh, const struct pool_mode *m, const struct as_host *h,
			 size_t n, const struct as_plan *p, const char *what, const char *result,
			 int64_t at)
{
	static const char *const states[] = { "active", "spawned", "inactive", "removed" };
	const struct autoscale_settings *as = &sh->settings.autoscale;
	char d[40], nb[400];
	size_t i, k;

	if (m->shutdown)
		out_printf(sh, "mode:      shutdown (since %s, by %s%s)\n", date_of(d, sizeof(d), m->since_ms),
			   m->by ? m->by : "?", m->force ? ", --force" : "");
	else
		out_printf(sh, "mode:      normal\n");
	out_printf(sh, "hosts:    ");
	for (k = 0; k < 4; k++) {
		size_t c = 0;

		for (i = 0; i < n; i++)
			c += !strcmp(h[i].state, states[k]);
		out_printf(sh, " %zu %s%s", c, states[k], k < 3 ? "," : "\n");
	}
	out_printf(sh, "slots:     %lld used, %lld free, %lld total\n", (long long)p->used,
		   (long long)p->free, (long long)p->total);
	if (!as->enabled) {
		out_printf(sh, "autoscale: not configured (pool.autoscale)\n");
	} else {
		out_printf(sh, "autoscale: cloud %s, %lld to %lld hosts, free_slots %lld, idle_after %llds, spawn_step %lld\n",
			   as->cloud, (long long)as->min_hosts, (long long)as->max_hosts,
			   (long long)as->free_slots, (long long)(as->idle_after_ms / 1000),
			   (long long)as->spawn_step);
		out_printf(sh, "next:      %s\n", m->shutdown ? "shutdown (autoscale is off)" : next_words(p, nb, sizeof(nb)));
	}
	out_printf(sh, "last:      %s%s%s\n", what ? result : "none", what ? " at " : "",
		   what ? date_of(d, sizeof(d), at) : "");
}

static int exec_status(struct shell *sh, struct args *a)
{
	struct as_host *h = NULL;
	struct as_config c;
	struct as_plan p;
	struct pool_mode m;
	struct berr err;
	char *what = NULL, *result = NULL;
	int64_t at = 0;
	size_t n = 0;
	json_t *j;
	int ret;

	berr_clear(&err);
	if (pool_mode_get(&sh->fleet, &m, &err) < 0)
		return error(sh, "pool status: %s", err.msg);
	if (autoscale_snapshot(&sh->fleet, 1, &c, &h, &n, &err) < 0) {
		pool_mode_release(&m);
		return cmd_fail(sh, &err);
	}
	autoscale_decide(&c, h, n, store_now_ms(), &p);
	berr_clear(&err);
	autoscale_last(&sh->fleet, &what, &result, &at, &err);
	if (args_has(a, "json")) {
		j = status_json(sh, &m, h, n, &p, what, result, at);
		ret = output_result(sh, output_json(sh, j));
		json_decref(j);
	} else {
		status_lines(sh, &m, h, n, &p, what, result, at);
		ret = CMD_OK;
	}
	free(what);
	free(result);
	autoscale_hosts_release(h, n);
	pool_mode_release(&m);
	return ret;
}
