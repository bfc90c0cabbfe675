/* inspect.c: the loop of the commands that act on refs one by one, and
 * the inspect container and image share on it. */
#include "config.h"

#include "commands/inspect.h"
#include "commands/context.h"
#include "commands/args.h"
#include "commands/targets.h"
#include "commands/output.h"

int for_each_ref(struct shell *sh, struct args *a, enum resolve_kind kind, ref_fn fn, void *ud,
		 int *failed)
{
	struct resolver res;
	struct pool_want want;
	struct backend *b;
	struct berr err;
	int i, ret;

	*failed = 0;
	cmd_want(sh, a, &want);
	berr_clear(&err);
	if (resolver_init(&res, &sh->fleet, &want, kind, &err) < 0) {
		ret = cmd_fail(sh, &err);
		goto cleanup;
	}
	ret = CMD_OK;
	for (i = 0; i < a->argc; i++) {
		int r;

		if (resolve_ref(&res, a->argv[i], &b, &err) < 0) {
			cmd_fail(sh, &err);
			*failed = 1;
			if (berth_interrupted)
				break;
			continue;
		}
		r = fn(sh, b, a->argv[i], ud);
		if (r != REF_DONE)
			*failed = 1;
		if (r == REF_STOP)
			break;
	}
cleanup:
	resolver_release(&res);
	return ret;
}

struct inspect_run {
	inspect_fetch_fn fetch;
	inspect_fail_fn fail;
	inspect_print_fn print;
	json_t *all;  /* --json: what was found; NULL otherwise */
	int shown;    /* summaries printed so far */
};

static int inspect_one(struct shell *sh, struct backend *b, const char *ref, void *ud)
{
	struct inspect_run *run = ud;
	struct berr err;
	json_t *obj = NULL;

	berr_clear(&err);
	if (run->fetch(b, ref, &obj, &err) < 0) {
		run->fail(sh, &err, ref);
		return err.kind == BERR_INTERRUPTED ? REF_STOP : REF_FAILED;
	}
	if (run->all) {
		json_array_append_new(run->all, obj);
		return REF_DONE;
	}
	/* a blank line between objects, as between paragraphs */
	if ((run->shown++ && out_write(sh, "\n", 1) < 0) || run->print(sh, obj) < 0) {
		json_decref(obj);
		output_result(sh, -1);
		return REF_STOP;
	}
	json_decref(obj);
	return REF_DONE;
}

int inspect_each(struct shell *sh, struct args *a, enum resolve_kind kind,
		 inspect_fetch_fn fetch, inspect_fail_fn fail, inspect_print_fn print)
{
	struct inspect_run run = { fetch, fail, print, NULL, 0 };
	int failed, ret;

	if (args_has(a, "json") && !(run.all = json_array()))
		return error(sh, "out of memory");
	ret = for_each_ref(sh, a, kind, inspect_one, &run, &failed);
	if (ret == CMD_OK && run.all)
		ret = output_result(sh, output_json(sh, run.all));
	json_decref(run.all);
	if (ret != CMD_OK)
		return ret;
	return failed ? CMD_ERROR : CMD_OK;
}
