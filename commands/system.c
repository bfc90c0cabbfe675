/* system.c: system df and system prune, per host of the command's hosts. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "commands/objects.h"
#include "backends/docker/docker_objects.h"
#include "backends/pool/cache.h"
#include "lib/fmt.h"
#include "lib/jsonval.h"

static int exec_df(struct shell *sh, struct args *a);
static int exec_prune(struct shell *sh, struct args *a);

static const struct opt_spec prune_opts[] = {
	{ .short_name = 'a', .long_name = "all", .type = OPT_FLAG,
	  .help = "every image no container uses, not only dangling ones" },
	{ .long_name = "volumes", .type = OPT_FLAG, .help = "anonymous volumes no container uses too" },
	{ .long_name = "filter", .type = OPT_LIST, .metavar = "K=V",
	  .help = "only what matches (until=24h, label=K[=V], label!=K)" },
	{ .short_name = 'f', .long_name = "force", .type = OPT_FLAG, .help = "do not ask for confirmation" },
	OPT_END
};

const struct cmd_entry cmd_system_df_entry = {
	.noun = "system",
	.verb = "df",
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "show the disk space images, containers, volumes and build cache take, per host",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.exec = exec_df,
};
const struct cmd_entry cmd_system_prune_entry = {
	.noun = "system",
	.verb = "prune",
	.options = prune_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "delete stopped containers, unused networks, dangling images and build cache",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.exec = exec_prune,
};

/* --- df ----------------------------------------------------------------- */

enum df_type { DF_IMAGES, DF_CONTAINERS, DF_VOLUMES, DF_CACHE, DF_NTYPES };

static const char *const df_names[DF_NTYPES] = {
	"Images", "Containers", "Local Volumes", "Build Cache",
};

struct df_row {
	int64_t total, active, size, reclaimable;
};

/* docker system df's figures, as the docker CLI works them out of
 * GET /system/df (cli/command/formatter/disk_usage.go). */
static void df_rows(const json_t *df, struct df_row *r)
{
	json_t *o;
	size_t i;
	int64_t used = 0;

	memset(r, 0, DF_NTYPES * sizeof(*r));
	json_array_foreach(json_object_get(df, "Images"), i, o) {
		r[DF_IMAGES].total++;
		if (jint(o, "Containers") > 0) {
			r[DF_IMAGES].active++;
			if (jint(o, "Size") >= 0 && jint(o, "SharedSize") >= 0)
				used += jint(o, "Size") - jint(o, "SharedSize");
		}
	}
	r[DF_IMAGES].size = jint(df, "LayersSize");
	r[DF_IMAGES].reclaimable = r[DF_IMAGES].size - used;
	json_array_foreach(json_object_get(df, "Containers"), i, o) {
		const char *st = jstr(o, "State");
		int active = !strcmp(st, "running") || !strcmp(st, "paused") || !strcmp(st, "restarting");

		r[DF_CONTAINERS].total++;
		r[DF_CONTAINERS].active += active;
		r[DF_CONTAINERS].size += jint(o, "SizeRw");
		if (!active)
			r[DF_CONTAINERS].reclaimable += jint(o, "SizeRw");
	}
	json_array_foreach(json_object_get(df, "Volumes"), i, o) {
		const json_t *u = json_object_get(o, "UsageData");
		int64_t size = jint(u, "Size");

		r[DF_VOLUMES].total++;
		if (jint(u, "RefCount") > 0)
			r[DF_VOLUMES].active++;
		if (size < 0)
			continue;
		r[DF_VOLUMES].size += size;
		if (jint(u, "RefCount") <= 0)
			r[DF_VOLUMES].reclaimable += size;
	}
	json_array_foreach(json_object_get(df, "BuildCache"), i, o) {
		int in_use = json_is_true(json_object_get(o, "InUse"));

		r[DF_CACHE].total++;
		r[DF_CACHE].active += in_use;
		if (json_is_true(json_object_get(o, "Shared")))
			continue;
		r[DF_CACHE].size += jint(o, "Size");
		if (!in_use)
			r[DF_CACHE].reclaimable += jint(o, "Size");
	}
}

static void df_add_rows(struct table *t, const char *host, const struct df_row *r)
{
	int k;

	for (k = 0; k < DF_NTYPES; k++) {
		char total[24], active[24], size[32], recl[48];
		const char *cells[6];
		int c = 0;

		snprintf(total, sizeof(total), "%lld", (long long)r[k].total);
		snprintf(active, sizeof(active), "%lld", (long long)r[k].active);
		fmt_size(size, sizeof(size), r[k].size);
		fmt_size(recl, sizeof(recl), r[k].reclaimable);
		if (k != DF_CACHE && r[k].size > 0) {
			size_t n = strlen(recl);
			snprintf(recl + n, sizeof(recl) - n, " (%lld%%)",
				 (long long)(r[k].reclaimable * 100 / r[k].size));
		}
		if (host)
			cells[c++] = host;
		cells[c++] = df_names[k];
		cells[c++] = total;
		cells[c++] = active;
		cells[c++] = size;
		cells[c++] = recl;
		table_add_rowv(t, cells);
	}
}

static json_t *df_json(const char *host, const struct df_row *r)
{
	json_t *rows = json_array();
	int k;

	for (k = 0; rows && k < DF_NTYPES; k++)
		if (json_array_append_new(rows, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}",
							  "Host", host, "Type", df_names[k],
							  "TotalCount", (json_int_t)r[k].total,
							  "Active", (json_int_t)r[k].active,
							  "Size", (json_int_t)r[k].size,
							  "Reclaimable", (json_int_t)r[k].reclaimable)) < 0) {
			json_decref(rows);
			rows = NULL;
		}
	return rows;
}

/* The HOST of the rows that sum every host's. */
#define DF_ALL_HOSTS "(all hosts)"

static int print_df(struct shell *sh, const struct args *a, const struct obj_listing *l)
{
	static const char *const headers[] = { "HOST", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE", NULL };
	struct df_row sum[DF_NTYPES], r[DF_NTYPES];
	json_t *all = args_has(a, "json") ? json_array() : NULL, *rows;
	struct table t;
	size_t h;
	int k, ret = CMD_OK;

	memset(sum, 0, sizeof(sum));
	table_initv(&t, l->multi ? headers : headers + 1);
	for (h = 0; h < l->n; h++) {
		if (!l->v[h].rows)
			continue;
		df_rows(l->v[h].rows, r);
		for (k = 0; k < DF_NTYPES; k++) {
			sum[k].total += r[k].total;
			sum[k].active += r[k].active;
			sum[k].size += r[k].size;
			sum[k].reclaimable += r[k].reclaimable;
		}
		if (all && (rows = df_json(l->v[h].name, r))) {
			json_array_extend(all, rows);
			json_decref(rows);
		} else if (!all) {
			df_add_rows(&t, l->multi ? l->v[h].name : NULL, r);
		}
	}
	if (l->multi && all && (rows = df_json(DF_ALL_HOSTS, sum))) {
		json_array_extend(all, rows);
		json_decref(rows);
	} else if (l->multi && !all) {
		df_add_rows(&t, DF_ALL_HOSTS, sum);
	}
	if (args_has(a, "json"))
		ret = all ? output_result(sh, output_json(sh, all)) : error(sh, "out of memory");
	else
		ret = output_result(sh, table_print(sh, &t));
	json_decref(all);
	table_release(&t);
	return ret;
}

static int df_host(struct backend *b, const char *const *filters, size_t n, json_t **df,
		   struct berr *err)
{
	(void)filters;
	(void)n;
	return docker_system_df(b, df, err);
}

static int exec_df(struct shell *sh, struct args *a)
{
	struct obj_listing l;
	int ret = obj_gather(sh, a, df_host, NULL, 0, &l);

	if (l.answered) {
		int rc = print_df(sh, a, &l);
		if (rc != CMD_OK)
			ret = rc;
	}
	obj_listing_release(&l);
	return ret;
}

/* --- prune -------------------------------------------------------------- */

struct prune_run {
	int all, volumes;
	const char *const *filters;
	size_t nfilters;
};

/* One step's report into the host's: its deleted names and its space. */
static void take_report(json_t *host, json_t *rep, const char *key)
{
	json_t *names = json_object_get(rep, key);

	json_object_set_new(host, key, names ? json_incref(names) : json_array());
	json_object_set_new(host, "SpaceReclaimed",
			    json_integer(jint(host, "SpaceReclaimed") + jint(rep, "SpaceReclaimed")));
	json_decref(rep);
}

/* Every prune docker system prune makes, in its order, on b; *out gets
 * the reports' names under their keys and the space. Stops at the first
 * failure. */
static int prune_host(struct backend *b, const struct prune_run *run, json_t **out, struct berr *err)
{
	json_t *host = json_object(), *rep = NULL;
	int ret = -1;

	*out = NULL;
	if (!host)
		return berr_set(err, BERR_LOCAL, "out of memory");
	if (docker_container_prune(b, run->filters, run->nfilters, &rep, err) < 0)
		goto cleanup;
	take_report(host, rep, "ContainersDeleted");
	if (docker_network_prune(b, run->filters, run->nfilters, &rep, err) < 0)
		goto cleanup;
	take_report(host, rep, "NetworksDeleted");
	if (run->volumes) {
		if (docker_volume_prune(b, 0, run->filters, run->nfilters, &rep, err) < 0)
			goto cleanup;
		take_report(host, rep, "VolumesDeleted");
	}
	if (docker_image_prune(b, run->all, run->filters, run->nfilters, &rep, err) < 0)
		goto cleanup;
	take_report(host, rep, "ImagesDeleted");
	if (docker_build_prune(b, run->all, run->filters, run->nfilters, &rep, err) < 0)
		goto cleanup;
	take_report(host, rep, "CachesDeleted");
	*out = host;
	host = NULL;
	ret = 0;
cleanup:
	json_decref(host);
	return ret;
}

/* One section's lines: "Deleted Containers:" and the IDs (images as
 * "untagged: ..."/"deleted: ..."), a blank line after; -1 when stdout closed. */
static int print_section(struct shell *sh, const json_t *host, const char *key, const char *title,
			 const char *on)
{
	json_t *names = json_object_get(host, key), *v;
	size_t i;

	if (!json_array_size(names))
		return 0;
	if (out_printf(sh, "%s%s%s:\n", title, on ? " on " : "", on ? on : "") < 0)
		return -1;
	json_array_foreach(names, i, v) {
		int rc;

		if (json_is_string(v))
			rc = out_printf(sh, "%s\n", json_string_value(v));
		else if (*jstr(v, "Untagged"))
			rc = out_printf(sh, "untagged: %s\n", jstr(v, "Untagged"));
		else
			rc = out_printf(sh, "deleted: %s\n", jstr(v, "Deleted"));
		if (rc < 0)
			return -1;
	}
	return out_printf(sh, "\n");
}

static int print_host_prune(struct shell *sh, const json_t *host, const char *on)
{
	static const char *const sections[][2] = {
		{ "ContainersDeleted", "Deleted Containers" },
		{ "NetworksDeleted", "Deleted Networks" },
		{ "VolumesDeleted", "Deleted Volumes" },
		{ "ImagesDeleted", "Deleted Images" },
		{ "CachesDeleted", "Deleted build cache objects" },
	};
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (print_section(sh, host, sections[i][0], sections[i][1], on) < 0)
			return -1;
	return 0;
}

static const char *prune_question(const struct prune_run *run)
{
	if (run->all)
		return run->volumes
			? "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all anonymous volumes not used by at least one container\n  - all images without at least one container associated to them\n  - all build cache"
			: "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all images without at least one container associated to them\n  - all build cache";
	return run->volumes
		? "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all anonymous volumes not used by at least one container\n  - all dangling images\n  - unused build cache"
		: "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache";
}

static int exec_prune(struct shell *sh, struct args *a)
{
	struct prune_run run = { args_has(a, "all"), args_has(a, "volumes"), NULL, 0 };
	struct pool_targets t;
	json_t *all = NULL;
	int64_t space = 0;
	size_t i;
	int ret, failed = 0, json = args_has(a, "json");

	run.filters = obj_filters(a, &run.nfilters);
	if ((ret = obj_confirm(sh, a, prune_question(&run))) != 1)
		return ret ? ret : CMD_OK;
	if ((ret = obj_targets(sh, a, &t)) != CMD_OK)
		goto cleanup;
	if (json && !(all = json_array())) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < t.n && !berth_interrupted; i++) {
		struct backend *b = t.v[i].b;
		struct cache_refresh_stats st;
		struct berr err;
		json_t *host = NULL;

		berr_clear(&err);
		if (!b || prune_host(b, &run, &host, &err) < 0) {
			if (b)
				pool_record(&sh->fleet, t.v[i].name, &err);
			error(sh, "%s", b ? err.msg : t.v[i].err.msg);
			failed = 1;
			continue;
		}
		pool_record(&sh->fleet, t.v[i].name, NULL);
		space += jint(host, "SpaceReclaimed");
		/* what went is gone from the cache too */
		berr_clear(&err);
		cache_refresh_host(&sh->fleet, b, &st, &err);
		if (all) {
			json_object_set_new(host, "Host", json_string(t.v[i].name));
			json_array_append(all, host);
		} else if (print_host_prune(sh, host, t.n > 1 ? t.v[i].name : NULL) < 0) {
			json_decref(host);
			break;
		}
		json_decref(host);
	}
	if (sh->out_closed)
		ret = output_result(sh, -1);
	else if (all)
		ret = output_result(sh, output_json(sh, all));
	else
		ret = output_result(sh, obj_print_reclaimed(sh, space));
	if (ret == CMD_OK && (failed || berth_interrupted))
		ret = CMD_ERROR;
cleanup:
	json_decref(all);
	pool_targets_release(&t);
	return ret;
}
