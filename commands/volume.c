/* volume.c: the volume commands (docker volume create, ls, inspect, rm,
 * prune), over the command's hosts. */
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
#include "lib/jsonval.h"
#include "lib/strbuf.h"
#include "lib/text.h"

static int exec_create(struct shell *sh, struct args *a);
static int exec_list(struct shell *sh, struct args *a);
static int exec_inspect(struct shell *sh, struct args *a);
static int exec_delete(struct shell *sh, struct args *a);
static int exec_prune(struct shell *sh, struct args *a);

static const struct opt_spec create_opts[] = {
	{ .short_name = 'd', .long_name = "driver", .type = OPT_VALUE, .metavar = "NAME",
	  .help = "volume driver (default local)" },
	{ .long_name = "label", .type = OPT_LIST, .metavar = "K=V", .help = "set a label (repeatable)" },
	{ .short_name = 'o', .long_name = "opt", .type = OPT_LIST, .metavar = "K=V",
	  .help = "set a driver option (repeatable)" },
	OPT_END
};
static const struct opt_spec list_opts[] = {
	{ .short_name = 'f', .long_name = "filter", .type = OPT_LIST, .metavar = "K=V",
	  .help = "only volumes that match (dangling=true, driver=D, label=K[=V], name=N)" },
	{ .long_name = "cached", .type = OPT_FLAG,
	  .help = "answer from the store without asking any engine" },
	OPT_END
};
static const struct opt_spec delete_opts[] = {
	{ .short_name = 'f', .long_name = "force", .type = OPT_FLAG,
	  .help = "delete even when a stopped container uses it" },
	OPT_END
};
static const struct opt_spec prune_opts[] = {
	{ .short_name = 'a', .long_name = "all", .type = OPT_FLAG,
	  .help = "named volumes too, not only anonymous ones" },
	{ .long_name = "filter", .type = OPT_LIST, .metavar = "K=V",
	  .help = "only volumes that match (label=K[=V], label!=K)" },
	{ .short_name = 'f', .long_name = "force", .type = OPT_FLAG, .help = "do not ask for confirmation" },
	OPT_END
};

const struct cmd_entry cmd_volume_create_entry = {
	.noun = "volume",
	.verb = "create",
	.options = create_opts,
	.args_min = 0,
	.args_max = 1,
	.usage = "[NAME]",
	.summary = "create a volume on one host",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.exec = exec_create,
};
const struct cmd_entry cmd_volume_list_entry = {
	.noun = "volume",
	.verb = "list",
	.alias = "ls",
	.options = list_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "list volumes",
	.flags = CMD_F_JSON | CMD_F_QUIET | CMD_F_ENGINE,
	.exec = exec_list,
};
const struct cmd_entry cmd_volume_inspect_entry = {
	.noun = "volume",
	.verb = "inspect",
	.args_min = 1,
	.args_max = -1,
	.usage = "VOLUME...",
	.summary = "show the details of volumes",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_VOLUME,
	.exec = exec_inspect,
};
const struct cmd_entry cmd_volume_delete_entry = {
	.noun = "volume",
	.verb = "delete",
	.alias = "rm",
	.options = delete_opts,
	.args_min = 1,
	.args_max = -1,
	.usage = "VOLUME...",
	.summary = "delete volumes",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_VOLUME,
	.exec = exec_delete,
};
const struct cmd_entry cmd_volume_prune_entry = {
	.noun = "volume",
	.verb = "prune",
	.options = prune_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "delete the volumes no container uses",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.exec = exec_prune,
};

/* --- create ------------------------------------------------------------- */

static int exec_create(struct shell *sh, struct args *a)
{
	struct volume_spec spec = {
		.name = a->argc ? a->argv[0] : NULL,
		.driver = args_get(a, "driver"),
	};
	struct backend *b;
	struct berr err;
	json_t *vol = NULL;
	int ret;

	spec.labels = args_list(a, "label", &spec.nlabels);
	spec.opts = args_list(a, "opt", &spec.nopts);
	if (!(b = cmd_backend(sh, a)))
		return CMD_ERROR;
	berr_clear(&err);
	if (docker_volume_create(b, &spec, &vol, &err) < 0) {
		pool_record(&sh->fleet, b->name, &err);
		return cmd_fail(sh, &err);
	}
	pool_record(&sh->fleet, b->name, NULL);
	obj_cache_put(sh, b, STORE_VOLUMES, NULL);
	if (args_has(a, "json"))
		ret = output_result(sh, output_json(sh, vol));
	else
		ret = output_result(sh, out_printf(sh, "%s\n", jstr(vol, "Name")));
	json_decref(vol);
	return ret;
}

/* --- list --------------------------------------------------------------- */

static int print_list(struct shell *sh, const struct args *a, const struct obj_listing *l)
{
	const char *headers[4], *cells[4];
	struct table t;
	json_t *vol;
	size_t h, i, k = 0;
	int ret;

	if (args_has(a, "json")) {
		json_t *all = obj_listing_json(l);

		ret = all ? output_result(sh, output_json(sh, all)) : error(sh, "out of memory");
		json_decref(all);
		return ret;
	}
	if (args_has(a, "quiet")) {
		for (h = 0; h < l->n; h++)
			json_array_foreach(l->v[h].rows, i, vol)
				if (out_printf(sh, "%s\n", jstr(vol, "Name")) < 0)
					return output_result(sh, -1);
		return CMD_OK;
	}
	if (l->multi)
		headers[k++] = "HOST";
	headers[k++] = "DRIVER";
	headers[k++] = "VOLUME NAME";
	headers[k] = NULL;
	table_initv(&t, headers);
	for (h = 0; h < l->n; h++) {
		json_array_foreach(l->v[h].rows, i, vol) {
			k = 0;
			if (l->multi)
				cells[k++] = l->v[h].name;
			cells[k++] = jstr(vol, "Driver");
			cells[k++] = jstr(vol, "Name");
			table_add_rowv(&t, cells);
		}
	}
	ret = output_result(sh, table_print(sh, &t));
	table_release(&t);
	return ret;
}

static int exec_list(struct shell *sh, struct args *a)
{
	struct obj_listing l;
	size_t nf;
	const char *const *f = obj_filters(a, &nf);
	int ret;

	ret = obj_list(sh, a, docker_volume_list, STORE_VOLUMES, f, nf, &l);
	if (l.answered) {
		int rc = print_list(sh, a, &l);
		if (rc != CMD_OK)
			ret = rc;
	}
	obj_listing_release(&l);
	return ret;
}

/* --- inspect ------------------------------------------------------------ */

/* {"a": "b"} as "a=b" lines */
static char *kv_lines(const json_t *obj)
{
	struct strbuf out = STRBUF_INIT;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		const char *s = json_string_value(v);
		strbuf_addf(&out, "%s%s=%s", out.len ? "\n" : "", k, s ? s : "");
	}
	return strbuf_detach(&out);
}

static int print_volume(struct shell *sh, const json_t *vol)
{
	char *labels = kv_lines(json_object_get(vol, "Labels"));
	char *opts = kv_lines(json_object_get(vol, "Options"));
	struct table kv;
	int ret;

	table_init(&kv, "KEY", "VALUE", NULL);
	table_add_row(&kv, "Name", jstr(vol, "Name"));
	table_add_row(&kv, "Driver", jstr(vol, "Driver"));
	table_add_row(&kv, "Mountpoint", jstr(vol, "Mountpoint"));
	table_add_row(&kv, "Created", jstr(vol, "CreatedAt"));
	table_add_row(&kv, "Scope", jstr(vol, "Scope"));
	table_add_row(&kv, "Labels", labels);
	table_add_row(&kv, "Options", opts);
	ret = kv_print(sh, &kv);
	table_release(&kv);
	free(labels);
	free(opts);
	return ret;
}

static int exec_inspect(struct shell *sh, struct args *a)
{
	return obj_inspect(sh, a, "volume", docker_volume_inspect, print_volume);
}

/* --- delete ------------------------------------------------------------- */

struct delete_run {
	int force;
	int record; /* write through to the cache (until the store fails) */
};

static int delete_one(struct shell *sh, struct backend *b, const char *ref, json_t *obj, void *ud)
{
	struct delete_run *run = ud;
	struct berr err;

	(void)obj;
	berr_clear(&err);
	if (docker_volume_delete(b, ref, run->force, &err) < 0) {
		pool_record(&sh->fleet, b->name, &err);
		error(sh, "%s", err.msg);
		return err.kind == BERR_INTERRUPTED ? OBJ_STOP : OBJ_FAILED;
	}
	pool_record(&sh->fleet, b->name, NULL);
	obj_cache_put(sh, b, STORE_VOLUMES, &run->record);
	return out_printf(sh, "%s\n", ref) < 0 ? OBJ_STOP : OBJ_DONE;
}

static int exec_delete(struct shell *sh, struct args *a)
{
	struct delete_run run = { .force = args_has(a, "force"), .record = 1 };

	return obj_each(sh, a, "volume", docker_volume_inspect, 0, delete_one, &run);
}

/* --- prune -------------------------------------------------------------- */

static int prune_all(struct backend *b, const char *const *filters, size_t n, json_t **report,
		     struct berr *err)
{
	return docker_volume_prune(b, 1, filters, n, report, err);
}

static int prune_anonymous(struct backend *b, const char *const *filters, size_t n,
			   json_t **report, struct berr *err)
{
	return docker_volume_prune(b, 0, filters, n, report, err);
}

static int exec_prune(struct shell *sh, struct args *a)
{
	size_t nf;
	const char *const *f = obj_filters(a, &nf);
	int ret = obj_confirm(sh, a, args_has(a, "all")
			      ? "WARNING! This will remove all local volumes not used by at least one container."
			      : "WARNING! This will remove anonymous local volumes not used by at least one container.");

	if (ret != 1)
		return ret ? ret : CMD_OK;
	return obj_prune(sh, a, args_has(a, "all") ? prune_all : prune_anonymous, STORE_VOLUMES, f, nf,
			 "VolumesDeleted", "Deleted Volumes:");
}
