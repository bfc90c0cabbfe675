/* image_verbs.c: image tag, history, prune and import. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands/commands.h"
#include "commands/prune.h"
#include "commands/tarball.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"
#include "backends/backend.h"
#include "backends/pool/cache.h"
#include "backends/pool/resolve.h"
#include "lib/fdsource.h"
#include "lib/fmt.h"
#include "lib/text.h"

static int exec_tag(struct shell *sh, struct args *a);
static int exec_history(struct shell *sh, struct args *a);
static int exec_prune(struct shell *sh, struct args *a);
static int exec_import(struct shell *sh, struct args *a);

static const struct opt_spec history_opts[] = {
	{ .long_name = "no-trunc", .type = OPT_FLAG, .help = "do not shorten IDs and commands" },
	OPT_END
};

static const struct opt_spec prune_opts[] = {
	{ .short_name = 'a', .long_name = "all", .type = OPT_FLAG,
	  .help = "every image no container uses, not only the dangling ones" },
	{ .long_name = "filter", .type = OPT_LIST, .metavar = "KEY=VALUE",
	  .help = "until=DURATION|TIMESTAMP, label=K[=V], label!=K[=V]" },
	{ .short_name = 'f', .long_name = "force", .type = OPT_FLAG,
	  .help = "do not ask for confirmation" },
	OPT_END
};

static const struct opt_spec import_opts[] = {
	{ .short_name = 'c', .long_name = "change", .type = OPT_LIST, .metavar = "INSTRUCTION",
	  .help = "a Dockerfile instruction for the image (CMD, ENV, WORKDIR, ...)" },
	{ .short_name = 'm', .long_name = "message", .type = OPT_VALUE, .metavar = "TEXT",
	  .help = "the commit message of the image" },
	OPT_END
};

const struct cmd_entry cmd_image_tag_entry = {
	.noun = "image",
	.verb = "tag",
	.args_min = 2,
	.args_max = 2,
	.usage = "IMAGE NAME[:TAG]",
	.summary = "give an image another name",
	.flags = CMD_F_ENGINE,
	.arg_kind = ARG_IMAGE,
	.exec = exec_tag,
};
const struct cmd_entry cmd_image_history_entry = {
	.noun = "image",
	.verb = "history",
	.options = history_opts,
	.args_min = 1,
	.args_max = 1,
	.usage = "IMAGE",
	.summary = "show the layers of an image and what made them",
	.flags = CMD_F_JSON | CMD_F_QUIET | CMD_F_ENGINE,
	.arg_kind = ARG_IMAGE,
	.exec = exec_history,
};
const struct cmd_entry cmd_image_prune_entry = {
	.noun = "image",
	.verb = "prune",
	.options = prune_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "delete dangling images (with --all, every unused one)",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.exec = exec_prune,
};
const struct cmd_entry cmd_image_import_entry = {
	.noun = "image",
	.verb = "import",
	.options = import_opts,
	.args_min = 1,
	.args_max = 2,
	.usage = "FILE|- [NAME[:TAG]]",
	.summary = "make an image of a root filesystem tarball",
	.flags = CMD_F_JSON | CMD_F_ENGINE,
	.arg_kind = ARG_FILE,
	.exec = exec_import,
};

/* --- tag, history: one image -------------------------------------------------- */

/* The host that holds ref: *b (borrowed). CMD_OK, or what to return. */
static int resolve_image(struct shell *sh, struct args *a, const char *ref, struct resolver *res,
			 struct backend **b)
{
	struct pool_want want;
	struct berr err;

	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(res, &sh->fleet, &want, RESOLVE_IMAGE, &err) < 0 ||
	    resolve_ref(res, ref, b, &err) < 0)
		return cmd_fail(sh, &err);
	return CMD_OK;
}

static int exec_tag(struct shell *sh, struct args *a)
{
	struct resolver res;
	struct backend *b;
	struct berr err;
	int ret;

	memset(&res, 0, sizeof(res));
	if ((ret = resolve_image(sh, a, a->argv[0], &res, &b)) != CMD_OK)
		goto cleanup;
	berr_clear(&err);
	if (b->ops->image_tag(b, a->argv[0], a->argv[1], &err) < 0) {
		ret = err.kind == BERR_USAGE ? usage_error(sh, "%s", err.msg) : error(sh, "%s", err.msg);
		goto cleanup;
	}
	cache_put_images(&sh->fleet, b);
cleanup:
	resolver_release(&res);
	return ret;
}

/* One history row's cells as docker history prints them. */
static void history_row(struct table *t, const json_t *row, int no_trunc, time_t now)
{
	const char *id = json_string_value(json_object_get(row, "Id"));
	const char *by = json_string_value(json_object_get(row, "CreatedBy"));
	const char *comment = json_string_value(json_object_get(row, "Comment"));
	char idbuf[80], created[64], size[32];
	char *shown;

	if (!id || !strcmp(id, "<missing>"))
		snprintf(idbuf, sizeof(idbuf), "<missing>");
	else if (no_trunc)
		snprintf(idbuf, sizeof(idbuf), "%s", id);
	else
		fmt_short_id(idbuf, sizeof(idbuf), id);
	fmt_ago(created, sizeof(created),
		(time_t)json_integer_value(json_object_get(row, "Created")), now);
	fmt_size(size, sizeof(size), json_integer_value(json_object_get(row, "Size")));
	shown = no_trunc ? NULL : str_ellipsize(by ? by : "", 45);
	table_add_row(t, idbuf, created, shown ? shown : by ? by : "", size, comment ? comment : "");
	free(shown);
}

static int exec_history(struct shell *sh, struct args *a)
{
	struct resolver res;
	struct backend *b;
	struct berr err;
	struct table t;
	json_t *list = NULL, *row;
	time_t now = time(NULL);
	size_t i;
	int ret;

	memset(&res, 0, sizeof(res));
	if ((ret = resolve_image(sh, a, a->argv[0], &res, &b)) != CMD_OK)
		goto cleanup;
	berr_clear(&err);
	if (b->ops->image_history(b, a->argv[0], &list, &err) < 0) {
		ret = error(sh, "%s", err.msg);
		goto cleanup;
	}
	if (args_has(a, "json")) {
		ret = output_result(sh, output_json(sh, list));
		goto cleanup;
	}
	if (args_has(a, "quiet")) {
		ret = CMD_OK;
		json_array_foreach(list, i, row) {
			const char *id = json_string_value(json_object_get(row, "Id"));
			char idbuf[80];

			if (ret == CMD_OK)
				ret = output_result(sh, out_printf(sh, "%s\n", !id || !strcmp(id, "<missing>")
								   ? "<missing>" : args_has(a, "no-trunc") ? id
								   : fmt_short_id(idbuf, sizeof(idbuf), id)));
		}
		goto cleanup;
	}
	table_init(&t, "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT", NULL);
	json_array_foreach(list, i, row)
		history_row(&t, row, args_has(a, "no-trunc"), now);
	ret = output_result(sh, table_print(sh, &t));
	table_release(&t);
cleanup:
	json_decref(list);
	resolver_release(&res);
	return ret;
}

/* --- prune -------------------------------------------------------------------- */

static int prune_images(struct backend *b, const struct args *a, json_t **report,
			struct berr *err)
{
	size_t n;
	const char *const *f = args_list(a, "filter", &n);

	return b->ops->image_prune(b, args_has(a, "all"), f, n, report, err);
}

static void relist_images(struct shell *sh, struct backend *b, const json_t *report)
{
	if (json_array_size(json_object_get(report, "ImagesDeleted")))
		cache_put_images(&sh->fleet, b);
}

static int exec_prune(struct shell *sh, struct args *a)
{
	static const struct prune_kind dangling = {
		.command = "image prune",
		.what = "all dangling images",
		.key = "ImagesDeleted",
		.heading = "Deleted Images:",
		.prune = prune_images,
		.after = relist_images,
	};
	static const struct prune_kind all = {
		.command = "image prune --all",
		.what = "all images without at least one container associated to them",
		.key = "ImagesDeleted",
		.heading = "Deleted Images:",
		.prune = prune_images,
		.after = relist_images,
	};

	return prune_run(sh, a, args_has(a, "all") ? &all : &dangling);
}

/* --- import --------------------------------------------------------------------- */

/* NAME[:TAG] into repo and tag (NULL: latest); a colon before the last
 * slash is a registry's port. 0, or -1 when malformed. */
static int split_name(char *name, const char **repo, const char **tag)
{
	char *slash = strrchr(name, '/'), *colon = strrchr(name, ':');

	*repo = name;
	*tag = NULL;
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		*tag = colon + 1;
		if (!**tag)
			return -1;
	}
	return **repo ? 0 : -1;
}

static int exec_import(struct shell *sh, struct args *a)
{
	const char *file = a->argv[0];
	struct fd_source src = FD_SOURCE_INIT(-1);
	struct image_import_opts o = { .message = args_get(a, "message") };
	struct backend *b;
	struct berr err;
	char *name = NULL, *id = NULL;
	int ret = CMD_ERROR;

	o.changes = args_list(a, "change", &o.nchanges);
	if (a->argc > 1 && (!(name = strdup(a->argv[1])) || split_name(name, &o.repo, &o.tag) < 0)) {
		ret = name ? usage_error(sh, "invalid image name '%s': use NAME[:TAG]", CUT(a->argv[1]))
			   : error(sh, "out of memory");
		goto cleanup;
	}
	if ((ret = tarball_open(sh, a, file, &src)) != CMD_OK)
		goto cleanup;
	ret = CMD_ERROR;
	if (!(b = cmd_backend(sh, a)))
		goto cleanup;
	berr_clear(&err);
	if (b->ops->image_import(b, fd_source_read, &src, &o, &id, &err) < 0) {
		ret = tarball_failed(sh, file, &src, &err);
		goto cleanup;
	}
	cache_put_images(&sh->fleet, b);
	if (args_has(a, "json")) {
		json_t *doc = json_pack("{s:s, s:s}", "Id", id, "Host", b->name ? b->name : "");
		ret = doc ? output_result(sh, output_json(sh, doc)) : error(sh, "out of memory");
		json_decref(doc);
	} else {
		ret = output_result(sh, out_printf(sh, "%s\n", id));
	}
cleanup:
	tarball_close(&src);
	free(name);
	free(id);
	return ret;
}
