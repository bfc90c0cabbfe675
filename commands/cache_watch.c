/* cache_watch.c: cache watch, the store kept current from the engines'
 * events while it runs (backends/pool/watch.h). Meant for a terminal or a
 * service manager: Ctrl-C or SIGTERM ends it, SIGTERM with status 0. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "lib/xalloc.h"
#include "backends/backend.h"
#include "backends/pool/pool.h"
#include "backends/pool/watch.h"

static int exec_watch(struct shell *sh, struct args *a);

static const struct opt_spec watch_opts[] = {
	{ .long_name = "host", .type = OPT_LIST, .metavar = "NAME",
	  .help = "watch only this host", .kind = ARG_HOST },
	OPT_END
};
const struct cmd_entry cmd_cache_watch_entry = {
	.noun = "cache",
	.verb = "watch",
	.options = watch_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "keep the cached containers and images current from the engines' events",
	.exec = exec_watch,
};

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
	berth_interrupted = 1;
}

static int exec_watch(struct shell *sh, struct args *a)
{
	struct pool_want want;
	struct pool_targets t;
	struct cache_watch_stats st;
	struct sigaction sa, old;
	struct berr err;
	struct backend **bs;
	size_t i, n = 0;
	int ret;

	memset(&t, 0, sizeof(t));
	berr_clear(&err);
	cmd_want(sh, a, &want);
	if (pool_targets(&sh->fleet, &want, 0, &t, &err) < 0)
		return cmd_fail(sh, &err);
	if (!t.n) {
		pool_no_host(&t, &err);
		pool_targets_release(&t);
		return cmd_fail(sh, &err);
	}
	bs = xcalloc(t.n, sizeof(*bs));
	for (i = 0; i < t.n; i++) {
		if (t.v[i].b)
			bs[n++] = t.v[i].b;
		else
			error(sh, "%s", t.v[i].err.msg);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	got_term = 0;
	sigaction(SIGTERM, &sa, &old);
	ret = cache_watch(&sh->fleet, bs, n, &st, &err) < 0 ? error(sh, "%s", err.msg) : CMD_OK;
	sigaction(SIGTERM, &old, NULL);
	/* a service manager's stop is the normal end */
	if (got_term && ret == CMD_OK)
		berth_interrupted = 0;
	free(bs);
	pool_targets_release(&t);
	return ret;
}
