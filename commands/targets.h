/* targets.h: what the commands share about the hosts they act on and the
 * fleet's errors. */
#ifndef BERTH_TARGETS_H
#define BERTH_TARGETS_H

#include "lib/berr.h"
#include "backends/pool/pool.h"

struct shell;
struct args;
struct backend;

/* The hosts a command's words ask for (backends/pool/pool.h): its --host
 * values, else the pinned host, else the pool. w borrows from sh and a. */
void cmd_want(struct shell *sh, const struct args *a, struct pool_want *w);

/* Reports a fleet or backend error through sh; returns CMD_USAGE for
 * BERR_USAGE (a name nobody knows, several hosts where one is needed),
 * CMD_ERROR for every other kind. */
int cmd_fail(struct shell *sh, const struct berr *err);

/* The backend of the one host the command acts on (--host, the pinned
 * host, or a pool of one): pool_single()'s answer. NULL after the error
 * was reported (the command fails with CMD_ERROR). Borrowed. */
struct backend *cmd_backend(struct shell *sh, const struct args *a);

/* "8" -> 8: a whole number from 1 to max (--slots, --count), into *out;
 * -1 when v is not one. */
int cmd_parse_whole(const char *v, long long max, long long *out);

#endif
