/* inspect.c: the loop container inspect and image inspect share. */
#include "config.h"

#include "commands/inspect.h"
#include "shell/shell.h"
#include "shell/args.h"
#include "shell/output.h"

int inspect_each(struct shell *sh, struct args *a, inspect_fetch_fn fetch,
		 inspect_fail_fn fail, inspect_print_fn print)
{
	struct backend *b = shell_backend(sh);
	int json = args_has(a, "json");
	struct berr err;
	json_t *all, *obj;
	int i, failed = 0, shown = 0, ret = CMD_OK;

	if (!b)
		return CMD_ERROR;
	if (!(all = json_array()))
		return error(sh, "out of memory");
	for (i = 0; i < a->argc; i++) {
		obj = NULL;
		berr_clear(&err);
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
	if (ret != CMD_OK)
		return ret;
	return failed ? CMD_ERROR : CMD_OK;
}
