/* inspect.h: the loop container inspect and image inspect share. */
#ifndef BERTH_INSPECT_H
#define BERTH_INSPECT_H

#include <jansson.h>
#include "backends/backend.h"
#include "backends/pool/resolve.h"

struct shell;
struct args;

typedef int (*inspect_fetch_fn)(struct backend *b, const char *ref, json_t **obj,
				struct berr *err);
/* Reports a ref that could not be fetched (its return value is ignored). */
typedef int (*inspect_fail_fn)(struct shell *sh, const struct berr *err, const char *ref);
typedef int (*inspect_print_fn)(struct shell *sh, const json_t *obj);

/* Fetches every positional ref of a, each from the target host that holds
 * it (kind says what refs name; backends/pool/resolve.h): with --json one array
 * of what was found, else each summary with a blank line between. As
 * docker inspect does, it goes on past refs that fail (and prints what it
 * found) but stops at Ctrl-C; CMD_ERROR if any failed. */
int inspect_each(struct shell *sh, struct args *a, enum resolve_kind kind,
		 inspect_fetch_fn fetch, inspect_fail_fn fail, inspect_print_fn print);

#endif
