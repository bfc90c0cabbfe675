/* cloud_reconcile.c: cloud reconcile: what carries berth's tags in each
 * cloud against the hosts collection, one line per difference
 * (backends/pool/spawn.h); housekeeping runs it report-only. */
#include "config.h"

#include "commands/commands.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"

static int exec_reconcile(struct shell *sh, struct args *a);

static const struct opt_spec reconcile_opts[] = {
	{ .long_name = "cloud", .type = OPT_VALUE, .metavar = "NAME",
	  .help = "compare this cloud only (default: every configured one)" },
	{ .long_name = "delete", .type = OPT_FLAG,
	  .help = "delete the orphans: VMs, security groups and addresses nothing of berth's uses" },
	OPT_END
};

const struct cmd_entry cmd_cloud_reconcile_entry = {
	.noun = "cloud",
	.verb = "reconcile",
	.options = reconcile_opts,
	.args_min = 0,
	.args_max = 0,
	.usage = "",
	.summary = "compare what carries berth's tags in the clouds with the hosts, one line per difference (--delete: delete the orphans)",
	.flags = CMD_F_JSON,
	.exec = exec_reconcile,
};

/* --- exec body ---------------------------------------------------------- */

#include <stdlib.h>
#include <string.h>
#include "backends/pool/spawn.h"

static json_t *item_json(const struct reconcile_item *it, int del)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "Cloud", it->cloud, "Kind",
			 reconcile_kind_name(it->kind), "Id", it->id ? json_string(it->id) : json_null(),
			 "Host", it->host ? json_string(it->host) : json_null(), "Difference", it->line,
			 "Deleted", del || it->kind == RECONCILE_ADOPTED ? json_boolean(it->deleted) : json_null(),
			 "Error", it->err.msg[0] ? json_string(it->err.msg) : json_null());
}

/* The lines, for the command and for housekeeping (prefix): 1 when a
 * deletion failed. */
static int print_items(struct shell *sh, const struct reconcile_item *v, size_t n, int del,
		       const char *prefix)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < n; i++) {
		const struct reconcile_item *it = &v[i];

		if (!del || it->kind == RECONCILE_ADOPTED) {
			out_printf(sh, "%s%s\n", prefix, it->line);
		} else if (it->deleted) {
			out_printf(sh, "%s%s: deleted\n", prefix, it->line);
		} else {
			out_printf(sh, "%s%s: not deleted\n", prefix, it->line);
			error(sh, "%s: %s", it->cloud, it->err.msg[0] ? it->err.msg : "not deleted");
			failed = 1;
		}
	}
	return failed;
}

static int exec_reconcile(struct shell *sh, struct args *a)
{
	struct reconcile_item *v = NULL;
	int del = args_has(a, "delete"), ret, failed;
	char *bad = NULL;
	struct berr err;
	json_t *out;
	size_t n = 0, i;

	berr_clear(&err);
	if (spawn_reconcile(&sh->fleet, args_get(a, "cloud"), del, &v, &n, &bad, &err) < 0)
		return cmd_fail(sh, &err);
	if (bad)
		error(sh, "cloud reconcile: %s", bad);
	if (args_has(a, "json")) {
		out = json_array();
		failed = 0;
		for (i = 0; i < n; i++) {
			json_array_append_new(out, item_json(&v[i], del));
			failed |= del && !v[i].deleted && v[i].kind != RECONCILE_ADOPTED;
		}
		ret = output_result(sh, output_json(sh, out));
		json_decref(out);
	} else {
		failed = print_items(sh, v, n, del, "");
		ret = CMD_OK;
	}
	reconcile_items_release(v, n);
	failed |= bad != NULL;
	free(bad);
	return failed || berth_interrupted ? CMD_ERROR : ret;
}

void cloud_reconcile_report(struct shell *sh)
{
	struct reconcile_item *v = NULL;
	char *bad = NULL;
	struct berr err;
	size_t n = 0;

	if (!sh->settings.nclouds)
		return;
	berr_clear(&err);
	if (spawn_reconcile(&sh->fleet, NULL, 0, &v, &n, &bad, &err) < 0) {
		warning(sh, "cloud reconcile: %s", err.msg);
		return;
	}
	if (bad)
		warning(sh, "cloud reconcile: %s", bad);
	print_items(sh, v, n, 0, "cloud reconcile: ");
	reconcile_items_release(v, n);
	free(bad);
}
