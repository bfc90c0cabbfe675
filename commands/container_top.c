/* container_top.c: container top and container stats, over the pool.
 *
 * top shows a container's processes as the engine's ps sees them, with
 * the host that runs it. stats samples every running container of the
 * targets (or those named) once a second and shows docker stats'
 * columns, plus HOST; the CPU figure is the change between two samples,
 * so the first table comes after a second. --no-stream prints one table
 * and ends; --json gives one JSON array per table (a line each when
 * stdout is not a terminal).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "lib/fmt.h"
#include "lib/jsonval.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "backends/backend.h"
#include "backends/pool/pool.h"
#include "backends/pool/listing.h"
#include "backends/pool/resolve.h"

static int exec_top(struct shell *sh, struct args *a);
static int exec_stats(struct shell *sh, struct args *a);

const struct cmd_entry cmd_container_top_entry = {
	.noun = "container",
	.verb = "top",
	/* 0, so that options end at CONTAINER: what follows is ps's (-o pid) */
	.args_min = 0,
	.args_max = -1,
	.usage = "CONTAINER [PS_OPTIONS...]",
	.summary = "show the processes of a container",
	.flags = CMD_F_JSON | CMD_F_ENGINE | CMD_F_ARGS_STOP,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_top,
};

static const struct opt_spec stats_opts[] = {
	{ .long_name = "no-stream", .type = OPT_FLAG,
	  .help = "print one table and end, instead of one a second" },
	OPT_END
};
const struct cmd_entry cmd_container_stats_entry = {
	.noun = "container",
	.verb = "stats",
	.options = stats_opts,
	.args_min = 0,
	.args_max = -1,
	.usage = "[CONTAINER...]",
	.summary = "show the resource use of running containers, live",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_CONTAINER,
	.exec = exec_stats,
};

/* --- top ------------------------------------------------------------------ */

static char *ps_args_of(const struct args *a)
{
	char *s = NULL;
	int i;

	for (i = 1; i < a->argc; i++)
		xstrjoinf(&s, " ", "%s", a->argv[i]);
	return s;
}

static int print_top(struct shell *sh, const char *host, const json_t *top)
{
	const json_t *titles = json_object_get(top, "Titles");
	const json_t *procs = json_object_get(top, "Processes");
	size_t nt = json_array_size(titles), i, j;
	const char **cells = xcalloc(nt + 2, sizeof(*cells));
	struct table t;
	int rc;

	cells[0] = "HOST";
	for (j = 0; j < nt; j++)
		cells[j + 1] = json_string_value(json_array_get(titles, j));
	table_initv(&t, cells);
	for (i = 0; i < json_array_size(procs); i++) {
		const json_t *row = json_array_get(procs, i);

		cells[0] = host;
		for (j = 0; j < nt; j++)
			cells[j + 1] = json_string_value(json_array_get(row, j));
		table_add_rowv(&t, cells);
	}
	rc = table_print(sh, &t);
	table_release(&t);
	free(cells);
	return rc;
}

static int exec_top(struct shell *sh, struct args *a)
{
	struct pool_want want;
	struct resolver res;
	struct backend *b;
	struct berr err;
	json_t *top = NULL;
	char *ps = NULL;
	int ret;

	memset(&res, 0, sizeof(res));
	if (a->argc < 1)
		return usage_error(sh, "container top needs a container: container top CONTAINER [PS_OPTIONS...]");
	ps = ps_args_of(a);
	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(&res, &sh->fleet, &want, RESOLVE_CONTAINER, &err) < 0 ||
	    resolve_ref(&res, a->argv[0], &b, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	if (!b->ops->container_top) {
		ret = error(sh, "%s: a %s host cannot list processes", b->name, b->ops->kind);
		goto cleanup;
	}
	if (b->ops->container_top(b, a->argv[0], ps, &top, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	if (args_has(a, "json")) {
		json_t *doc = json_deep_copy(top);

		json_object_set_new(doc, "Host", json_string(b->name));
		json_object_set_new(doc, "Container", json_string(a->argv[0]));
		ret = output_result(sh, output_json(sh, doc));
		json_decref(doc);
	} else {
		ret = output_result(sh, print_top(sh, b->name, top));
	}
cleanup:
	json_decref(top);
	resolver_release(&res);
	free(ps);
	return ret;
}

/* --- stats ---------------------------------------------------------------- */

struct watched {
	struct backend *b;  /* borrowed from the fleet */
	char *ref;          /* owned: the ID (or the ref as given) */
	json_t *prev;       /* the previous sample, or NULL */
	json_t *cur;        /* the latest, or NULL when it failed */
	struct berr err;
};

static int64_t at(const json_t *o, const char *a1, const char *a2, const char *a3)
{
	const json_t *v = json_object_get(o, a1);

	if (a2)
		v = json_object_get(v, a2);
	if (a3)
		v = json_object_get(v, a3);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* docker stats' CPU %: the container's share of the host's CPU time
 * between the two samples, times the CPUs online. */
static double cpu_percent(const json_t *prev, const json_t *cur)
{
	double cpu = (double)(at(cur, "cpu_stats", "cpu_usage", "total_usage") -
			      at(prev, "cpu_stats", "cpu_usage", "total_usage"));
	double sys = (double)(at(cur, "cpu_stats", "system_cpu_usage", NULL) -
			      at(prev, "cpu_stats", "system_cpu_usage", NULL));
	int64_t ncpu = at(cur, "cpu_stats", "online_cpus", NULL);

	if (!ncpu)
		ncpu = (int64_t)json_array_size(json_object_get(json_object_get(
			json_object_get(cur, "cpu_stats"), "cpu_usage"), "percpu_usage"));
	if (!prev || sys <= 0 || cpu < 0)
		return 0;
	return cpu / sys * (double)(ncpu ? ncpu : 1) * 100.0;
}

/* What a sample says, as docker stats computes it. */
struct figures {
	double cpu, mem_pct;
	int64_t mem, limit, rx, tx, rd, wr, pids;
};

static void figures_of(const json_t *prev, const json_t *cur, struct figures *f)
{
	const json_t *mstats = json_object_get(json_object_get(cur, "memory_stats"), "stats");
	const json_t *nets = json_object_get(cur, "networks");
	const json_t *io = json_object_get(json_object_get(cur, "blkio_stats"),
					   "io_service_bytes_recursive");
	const char *key;
	json_t *v;
	size_t i;
	int64_t cache = at(mstats, "total_inactive_file", NULL, NULL);

	memset(f, 0, sizeof(*f));
	if (!cache)
		cache = at(mstats, "inactive_file", NULL, NULL);
	f->cpu = cpu_percent(prev, cur);
	f->mem = at(cur, "memory_stats", "usage", NULL) - cache;
	if (f->mem < 0)
		f->mem = 0;
	f->limit = at(cur, "memory_stats", "limit", NULL);
	f->mem_pct = f->limit ? (double)f->mem / (double)f->limit * 100.0 : 0;
	json_object_foreach((json_t *)nets, key, v) {
		f->rx += at(v, "rx_bytes", NULL, NULL);
		f->tx += at(v, "tx_bytes", NULL, NULL);
	}
	for (i = 0; i < json_array_size(io); i++) {
		const json_t *e = json_array_get(io, i);
		const char *op = jstr(e, "op");

		if (op && !strcasecmp(op, "read"))
			f->rd += at(e, "value", NULL, NULL);
		else if (op && !strcasecmp(op, "write"))
			f->wr += at(e, "value", NULL, NULL);
	}
	f->pids = at(cur, "pids_stats", "current", NULL);
}

static const char *name_of(const json_t *sample)
{
	const char *n = jstr(sample, "name");

	return n && *n == '/' ? n + 1 : n ? n : "";
}

static json_t *stats_json(struct watched *w, size_t n)
{
	json_t *arr = json_array();
	struct figures f;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!w[i].cur)
			continue;
		figures_of(w[i].prev, w[i].cur, &f);
		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:s, s:f, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I}",
			"Host", w[i].b->name, "Id", jstr(w[i].cur, "id") ? jstr(w[i].cur, "id") : "",
			"Name", name_of(w[i].cur), "CPUPerc", f.cpu, "MemUsage", (json_int_t)f.mem,
			"MemLimit", (json_int_t)f.limit, "MemPerc", f.mem_pct, "NetRx",
			(json_int_t)f.rx, "NetTx", (json_int_t)f.tx, "BlockRead", (json_int_t)f.rd,
			"BlockWrite", (json_int_t)f.wr, "Pids", (json_int_t)f.pids));
	}
	return arr;
}

static int stats_table(struct shell *sh, struct watched *w, size_t n)
{
	struct table t;
	struct figures f;
	size_t i;
	int rc;

	table_init(&t, "HOST", "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
		   "NET I/O", "BLOCK I/O", "PIDS", NULL);
	for (i = 0; i < n; i++) {
		char id[32], cpu[32], mem[64], pct[32], net[64], blk[64], pids[32];
		char s1[32], s2[32];

		if (!w[i].cur)
			continue;
		figures_of(w[i].prev, w[i].cur, &f);
		fmt_short_id(id, sizeof(id), jstr(w[i].cur, "id") ? jstr(w[i].cur, "id") : w[i].ref);
		snprintf(cpu, sizeof(cpu), "%.2f%%", f.cpu);
		snprintf(mem, sizeof(mem), "%s / %s", fmt_size_binary(s1, sizeof(s1), f.mem),
			 fmt_size_binary(s2, sizeof(s2), f.limit));
		snprintf(pct, sizeof(pct), "%.2f%%", f.mem_pct);
		snprintf(net, sizeof(net), "%s / %s", fmt_size(s1, sizeof(s1), f.rx),
			 fmt_size(s2, sizeof(s2), f.tx));
		snprintf(blk, sizeof(blk), "%s / %s", fmt_size(s1, sizeof(s1), f.rd),
			 fmt_size(s2, sizeof(s2), f.wr));
		snprintf(pids, sizeof(pids), "%lld", (long long)f.pids);
		table_add_row(&t, w[i].b->name, id, name_of(w[i].cur), cpu, mem, pct, net, blk, pids);
	}
	rc = table_print(sh, &t);
	table_release(&t);
	return rc;
}

/* One sample of every container; one that fails (it stopped) is dropped
 * from the table with its reason said once. */
static void sample_all(struct shell *sh, struct watched *w, size_t n)
{
	size_t i;

	for (i = 0; i < n && !berth_interrupted; i++) {
		json_t *s = NULL;

		json_decref(w[i].prev);
		w[i].prev = w[i].cur;
		w[i].cur = NULL;
		if (w[i].err.kind)
			continue;
		if (w[i].b->ops->container_stats(w[i].b, w[i].ref, &s, &w[i].err) < 0) {
			if (w[i].err.kind != BERR_INTERRUPTED)
				warning(sh, "%s", w[i].err.msg);
			continue;
		}
		w[i].cur = s;
	}
}

/* The containers named, or every running one of the targets. */
static int gather(struct shell *sh, struct args *a, struct watched **out, size_t *nout)
{
	struct pool_want want;
	struct resolver res;
	struct listing_host *hosts = NULL;
	struct berr err;
	struct watched *w = NULL;
	size_t n = 0, i, j;
	int ret = CMD_OK;

	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(&res, &sh->fleet, &want, RESOLVE_CONTAINER, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	for (i = 0; i < (size_t)a->argc; i++) {
		struct backend *b;

		if (resolve_ref(&res, a->argv[i], &b, &err) < 0) {
			ret = cmd_fail(sh, &err);
			goto cleanup;
		}
		w = xgrow(w, n, n + 1, sizeof(*w));
		w[n++] = (struct watched){ .b = b, .ref = xstrdup(a->argv[i]) };
	}
	if (!a->argc && listing_run(&sh->fleet, &res.targets, LISTING_CONTAINERS, NULL, 0, 0,
				    &hosts) >= 0) {
		for (i = 0; i < res.targets.n; i++) {
			if (!hosts[i].rows) {
				warning(sh, "%s", hosts[i].err.msg);
				continue;
			}
			for (j = 0; j < json_array_size(hosts[i].rows); j++) {
				w = xgrow(w, n, n + 1, sizeof(*w));
				w[n++] = (struct watched){ .b = hosts[i].b, .ref = xstrdup(
					jstr(json_array_get(hosts[i].rows, j), "Id")) };
			}
		}
		listing_release(hosts, res.targets.n);
	}
cleanup:
	resolver_release(&res);
	*out = w;
	*nout = n;
	return ret;
}

/* Sleeps ms, or less when Ctrl-C comes. */
static void nap(long ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 50 * 1000000L };

	for (; ms > 0 && !berth_interrupted; ms -= 50)
		nanosleep(&ts, NULL);
}

static int exec_stats(struct shell *sh, struct args *a)
{
	struct watched *w = NULL;
	size_t n = 0, i;
	int json = args_has(a, "json"), once = args_has(a, "no-stream");
	int ret = gather(sh, a, &w, &n);

	if (ret != CMD_OK)
		goto cleanup;
	for (i = 0; i < n; i++) {
		if (!w[i].b || !w[i].b->ops->container_stats) {
			ret = error(sh, "%s: a %s host has no stats", w[i].b ? w[i].b->name : "?",
				    w[i].b ? w[i].b->ops->kind : "nameless");
			goto cleanup;
		}
	}
	sample_all(sh, w, n);
	while (!berth_interrupted) {
		int rc;

		nap(1000);
		if (berth_interrupted)
			break;
		sample_all(sh, w, n);
		if (!once && sh->out_tty && !json)
			out_printf(sh, "\033[2J\033[H");
		if (json) {
			json_t *doc = stats_json(w, n);

			rc = output_json(sh, doc);
			json_decref(doc);
		} else {
			rc = stats_table(sh, w, n);
		}
		fflush(stdout);
		if (rc < 0 || once) {
			ret = output_result(sh, rc);
			break;
		}
		if (!sh->out_tty && !json && out_printf(sh, "\n") < 0)
			break;
	}
	/* Ctrl-C is how a live stats ends */
	if (berth_interrupted && !once)
		ret = CMD_OK;
cleanup:
	for (i = 0; i < n; i++) {
		free(w[i].ref);
		json_decref(w[i].prev);
		json_decref(w[i].cur);
	}
	free(w);
	return ret;
}
