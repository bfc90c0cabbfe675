/* housekeeping.c: the command cron runs. Deletes the containers whose
 * lifetime is over and refreshes the cache, on every host that answers,
 * under a lease in the store so that overlapping runs (from one machine or
 * several sharing a MongoDB) never act twice. Silent when there was nothing
 * to do: cron mails only when something happened. */
#include "config.h"

#include "commands/commands.h"
#include "shell/shell.h"
#include "shell/args.h"
#include "shell/output.h"

static int exec_housekeeping(struct shell *sh, struct args *a);

static const struct opt_spec housekeeping_opts[] = {
	{ 'n', "dry-run", OPT_FLAG, NULL, "say what would be done, do nothing", ARG_NONE },
	OPT_END
};

const struct cmd_entry cmd_housekeeping_entry = {
	"housekeeping", NULL, NULL, housekeeping_opts, 0, 0, "",
	"delete expired containers and refresh the cache (for cron; silent when idle)",
	0, ARG_NONE, exec_housekeeping
};

/* --- exec body ---------------------------------------------------------- */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands/lifetime.h"
#include "shell/cache.h"
#include "shell/hosts.h"
#include "backends/backend.h"
#include "backends/store.h"

#define LEASE_NAME "housekeeping"
/* Longer than a run over many hosts takes: a holder that outlives its
 * lease may see a second run start beside it. */
#define LEASE_TTL_MS (10 * 60 * 1000)

/* The name a container is known by: its first name without the '/', or
 * its short ID. */
static const char *display_name(const json_t *c, char *buf, size_t len)
{
	const char *n = json_string_value(json_array_get(json_object_get(c, "Names"), 0));

	if (n && *n)
		return n[0] == '/' ? n + 1 : n;
	return fmt_short_id(buf, len, json_string_value(json_object_get(c, "Id")));
}

/* Deletes (or with dry_run names) the expired containers of one host and
 * refreshes its cache. Returns 0, or -1 when something failed (said). */
static int sweep_host(struct shell *sh, const char *host, int dry_run)
{
	struct list_filter filter;
	struct berr err;
	struct backend *b;
	json_t *list = NULL, *c;
	time_t now = time(NULL);
	size_t i;
	int failed = 0;

	berr_clear(&err);
	memset(&filter, 0, sizeof(filter));
	filter.all = 1;
	if (!(b = shell_backend_for(sh, host)))
		return -1; /* it said why */
	if (b->ops->container_list(b, &filter, &list, &err) < 0) {
		error(sh, "%s", err.msg);
		return -1;
	}
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
		fmt_expired_ago(ago, sizeof(ago), exp, now);
		if (dry_run) {
			out_printf(sh, "would delete %s on %s: expired %s\n", name, host, ago);
			continue;
		}
		berr_clear(&err);
		/* force: an expired container goes whether it runs or not */
		if (b->ops->container_delete(b, id, 1, &err) < 0) {
			if (err.kind == BERR_NOT_FOUND)
				continue; /* someone deleted it meanwhile: nothing to say */
			error(sh, "%s", err.msg);
			failed = 1;
			continue;
		}
		out_printf(sh, "deleted %s on %s: expired %s\n", name, host, ago);
	}
	json_decref(list);
	if (!dry_run) {
		struct cache_refresh_stats st;

		memset(&st, 0, sizeof(st));
		berr_clear(&err);
		if (cache_refresh_host(sh, b, &st, &err) < 0) {
			error(sh, "%s", err.msg);
			failed = 1;
		}
	}
	return failed ? -1 : 0;
}

static int exec_housekeeping(struct shell *sh, struct args *a)
{
	struct host_list hl;
	struct store *s;
	struct berr err;
	char host[256], *holder = NULL, *current = NULL;
	size_t i;
	int dry_run = args_has(a, "dry-run"), failed = 0, r, ret = CMD_ERROR;

	memset(&hl, 0, sizeof(hl));
	berr_clear(&err);
	if (!(s = shell_store(sh, &err)))
		return error(sh, "housekeeping needs the store: %s", err.msg);
	if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	if (asprintf(&holder, "%s %ld@%s", sh->config.owner, (long)getpid(), host) < 0)
		return error(sh, "out of memory");

	r = store_lease_acquire(s, LEASE_NAME, holder, LEASE_TTL_MS, &current, &err);
	if (r < 0) {
		shell_store_failed(sh, &err);
		ret = error(sh, "housekeeping: cannot take the lease: %s", err.msg);
		goto cleanup;
	}
	if (r == 0) {
		/* another run is at work: that is no failure for cron */
		out_printf(sh, "housekeeping: lease held by %s; nothing done\n", current ? current : "another run");
		ret = CMD_OK;
		goto cleanup;
	}

	hosts_list(sh, 0, &hl);
	for (i = 0; i < hl.n && !berth_interrupted; i++)
		if (sweep_host(sh, hl.v[i].name, dry_run) < 0)
			failed = 1;
	ret = failed || berth_interrupted ? CMD_ERROR : CMD_OK;

	berr_clear(&err);
	if (store_lease_release(s, LEASE_NAME, holder, &err) < 0) {
		shell_store_failed(sh, &err);
		ret = error(sh, "housekeeping: cannot release the lease (it runs out by itself): %s", err.msg);
	}
cleanup:
	host_list_release(&hl);
	free(current);
	free(holder);
	return ret;
}
