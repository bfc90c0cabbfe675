/* inspect.h: the loop of the commands that act on refs one by one
 * (container start, stop, delete, inspect, ...; image inspect, delete),
 * and the inspect they share on it. */
#ifndef BERTH_INSPECT_H
#define BERTH_INSPECT_H

#include <jansson.h>
#include "backends/backend.h"
#include "backends/pool/resolve.h"

struct shell;
struct args;

/* What one ref's work came to. */
enum ref_result {
	REF_DONE = 0,
	REF_FAILED = -1, /* reported by the callback; go on with the next ref */
	REF_STOP = -2,   /* reported; stop here (Ctrl-C, stdout gone) */
};

/* One ref's work on b, the host that holds it: a ref_result. */
typedef int (*ref_fn)(struct shell *sh, struct backend *b, const char *ref, void *ud);

/*
 * Every positional ref of a, each resolved to the target host that holds
 * it (kind says what refs name; backends/pool/resolve.h) and handed to
 * fn, in order. As docker does, it goes on past refs that fail (a ref
 * that cannot be resolved is reported by the resolver) but stops at
 * Ctrl-C or when fn says REF_STOP. Returns CMD_OK once the refs were
 * gone through, *failed set when any failed; or the command's status
 * when its targets could not be set up (nothing was tried then).
 */
int for_each_ref(struct shell *sh, struct args *a, enum resolve_kind kind, ref_fn fn, void *ud,
		 int *failed);

typedef int (*inspect_fetch_fn)(struct backend *b, const char *ref, json_t **obj,
				struct berr *err);
/* Reports a ref that could not be fetched (its return value is ignored). */
typedef int (*inspect_fail_fn)(struct shell *sh, const struct berr *err, const char *ref);
typedef int (*inspect_print_fn)(struct shell *sh, const json_t *obj);

/* Fetches every positional ref of a (for_each_ref): with --json one array
 * of what was found, else each summary with a blank line between. As
 * docker inspect does, it prints what it found past refs that fail;
 * CMD_ERROR if any failed. */
int inspect_each(struct shell *sh, struct args *a, enum resolve_kind kind,
		 inspect_fetch_fn fetch, inspect_fail_fn fail, inspect_print_fn print);

#endif
