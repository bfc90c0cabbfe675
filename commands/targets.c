/* targets.c: the hosts a command acts on, and reporting the fleet's
 * errors (see targets.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "commands/targets.h"
#include "commands/context.h"
#include "commands/args.h"

void cmd_want(struct shell *sh, const struct args *a, struct pool_want *w)
{
	memset(w, 0, sizeof(*w));
	if (a)
		w->hosts = args_list(a, "host", &w->nhosts);
	if (!w->nhosts)
		w->hosts = NULL;
	w->pinned = sh->current_host;
}

int cmd_fail(struct shell *sh, const struct berr *err)
{
	const char *msg = err && err->msg[0] ? err->msg : "the operation failed";

	if (err && err->kind == BERR_USAGE)
		return usage_error(sh, "%s", msg);
	return error(sh, "%s", msg);
}

struct backend *cmd_backend(struct shell *sh, const struct args *a)
{
	struct pool_want want;
	struct backend *b;
	struct berr err;

	cmd_want(sh, a, &want);
	berr_clear(&err);
	b = pool_single(&sh->fleet, &want, &err);
	if (!b)
		error(sh, "%s", err.msg);
	return b;
}

int cmd_parse_whole(const char *v, long long max, long long *out)
{
	char *end;
	long long n;

	if (!v || !*v || *v == '-' || *v == '+')
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || n < 1 || n > max)
		return -1;
	*out = n;
	return 0;
}
