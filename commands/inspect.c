/* inspect.c: the loop container inspect and image inspect share. */
#include "config.h"

#include "commands/inspect.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"

int inspect_each(struct shell *sh, struct args *a, enum resolve_kind kind,
		 inspect_fetch_fn fetch, inspect_fail_fn fail, inspect_print_fn print)
{
	struct resolver res;
	struct pool_want want;
	struct backend *b;
	int json = args_has(a, "json");
	struct berr err;
	json_t *all = NULL, *obj;
	int i, failed = 0, shown = 0, ret;

	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(&res, &sh->fleet, &want, kind, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	ret = CMD_OK;
	if (!(all = json_array())) {
		ret = error(sh, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < a->argc; i++) {
		obj = NULL;
		berr_clear(&err);
		if (resolve_ref(&res, a->argv[i], &b, &err) < 0) {
			cmd_fail(sh, &err);
			failed = 1;
			if (berth_interrupted)
				break;
			continue;
		}
		if (fetch(b, a->argv[i], &obj, &err) < 0) {
			fail(sh, &err, a->argv[i]);
			failed = 1;
			if (err.kind == BERR_INTERRUPTED)
				break;
			continue;
		}
		if (json) {
			json_array_append_new(all, obj);
			continue;
		}
		/* a blank line between objects, as between paragraphs */
		if ((shown++ && out_write(sh, "\n", 1) < 0) || print(sh, obj) < 0) {
			json_decref(obj);
			ret = output_result(sh, -1);
			goto cleanup;
		}
		json_decref(obj);
	}
	if (json)
		ret = output_result(sh, output_json(sh, all));
cleanup:
	json_decref(all);
	resolver_release(&res);
	if (ret != CMD_OK)
		return ret;
	return failed ? CMD_ERROR : CMD_OK;
}
