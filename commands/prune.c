/* prune.c: the prune commands' question, run and report. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/prune.h"
#include "commands/args.h"
#include "commands/cmd.h"
#include "commands/context.h"
#include "commands/output.h"
#include "commands/targets.h"
#include "backends/backend.h"
#include "backends/pool/pool.h"
#include "lib/fmt.h"

/* "WARNING! ... [y/N]" on the terminal: 1 for yes. */
static int confirm(struct shell *sh, const struct prune_kind *k, size_t nhosts)
{
	char on[64] = "";

	if (nhosts > 1)
		snprintf(on, sizeof(on), " on %zu hosts", nhosts);
	return cmd_confirm(sh, "WARNING! This will remove %s%s.\nAre you sure you want to continue?",
			   k->what, on);
}

/* One deleted thing as docker prints it: an ID, or "untagged: x" / "deleted: x". */
static int print_item(struct shell *sh, const char *host, const json_t *item)
{
	const char *s = json_string_value(item), *key = NULL;

	if (!s) {
		if ((s = json_string_value(json_object_get(item, "Untagged"))))
			key = "untagged";
		else if ((s = json_string_value(json_object_get(item, "Deleted"))))
			key = "deleted";
		else
			return 0;
	}
	return out_printf(sh, "%s%s%s%s%s\n", host ? host : "", host ? "  " : "", key ? key : "",
			  key ? ": " : "", s);
}

static int print_report(struct shell *sh, const struct prune_kind *k, json_t *all, int multi)
{
	int64_t total = 0;
	size_t i, j, n = 0;
	json_t *r, *item;
	char size[32];
	int rc = 0;

	json_array_foreach(all, i, r)
		n += json_array_size(json_object_get(r, k->key));
	if (n) {
		rc |= out_printf(sh, "%s\n", k->heading);
		json_array_foreach(all, i, r) {
			const char *host = json_string_value(json_object_get(r, "Host"));
			json_array_foreach(json_object_get(r, k->key), j, item)
				rc |= print_item(sh, multi ? host : NULL, item);
		}
		rc |= out_printf(sh, "\n");
	}
	json_array_foreach(all, i, r)
		total += json_integer_value(json_object_get(r, "SpaceReclaimed"));
	rc |= out_printf(sh, "Total reclaimed space: %s\n", fmt_size(size, sizeof(size), total));
	return rc < 0 ? -1 : 0;
}

int prune_run(struct shell *sh, struct args *a, const struct prune_kind *k)
{
	struct pool_targets t;
	struct pool_want want;
	struct berr err;
	json_t *all = json_array();
	size_t i;
	int failed = 0, ret;

	memset(&t, 0, sizeof(t));
	if (!all)
		return error(sh, "out of memory");
	if (!args_has(a, "force") && !sh->in_tty) {
		json_decref(all);
		return usage_error(sh, "%s deletes %s: add --force (from a terminal it asks)",
				   k->command, k->what);
	}
	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (pool_targets(&sh->fleet, &want, 0, &t, &err) < 0 || (!t.n && pool_no_host(&t, &err))) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	if (!args_has(a, "force") && !confirm(sh, k, t.n)) {
		fprintf(stderr, "nothing was removed\n");
		ret = CMD_OK;
		goto cleanup;
	}
	for (i = 0; i < t.n; i++) {
		struct backend *b = t.v[i].b;
		json_t *report = NULL;

		berr_clear(&err);
		if (!b) {
			error(sh, "%s", t.v[i].err.msg);
			failed = 1;
			continue;
		}
		if (k->prune(b, a, &report, &err) < 0) {
			pool_record(&sh->fleet, t.v[i].name, &err);
			error(sh, "%s", err.msg);
			failed = 1;
			if (err.kind == BERR_INTERRUPTED)
				break;
			continue;
		}
		pool_record(&sh->fleet, t.v[i].name, NULL);
		if (!json_is_object(report))
			report = json_object();
		json_object_set_new(report, "Host", json_string(t.v[i].name));
		if (!json_is_array(json_object_get(report, k->key)))
			json_object_set_new(report, k->key, json_array());
		if (k->after)
			k->after(sh, b, report);
		json_array_append_new(all, report);
	}
	if (args_has(a, "json"))
		ret = output_result(sh, output_json(sh, all));
	else
		ret = output_result(sh, print_report(sh, k, all, t.n > 1));
	if (ret == CMD_OK && failed)
		ret = CMD_ERROR;
cleanup:
	pool_targets_release(&t);
	json_decref(all);
	return ret;
}
