/* prune.h: what the prune commands share (container prune, image prune):
 * asking before deleting, the run over every target host, and docker's
 * report of what went ("Deleted Containers:" ... "Total reclaimed
 * space: 1.2MB"), with a HOST column over the pool. */
#ifndef BERTH_PRUNE_H
#define BERTH_PRUNE_H

#include <jansson.h>
#include "lib/berr.h"

struct shell;
struct args;
struct backend;

/* One host's prune: *report as the engine's. */
typedef int (*prune_fn)(struct backend *b, const struct args *a, json_t **report,
			struct berr *err);
/* After one host's prune worked (the store's copy of that host). */
typedef void (*prune_after_fn)(struct shell *sh, struct backend *b, const json_t *report);

struct prune_kind {
	const char *command;  /* "container prune" */
	const char *what;     /* "every stopped container": for the question */
	const char *key;      /* "ContainersDeleted" */
	const char *heading;  /* "Deleted Containers:" */
	prune_fn prune;
	prune_after_fn after;
};

/*
 * Asks (from a terminal; elsewhere --force is needed), then prunes every
 * target host of a (--host, the pinned host or the pool), one after the
 * other, a failing host one line that does not stop the others. Prints
 * docker's report, or with --json one array of the engines' reports each
 * with "Host". CMD_OK, CMD_ERROR when a host failed, CMD_USAGE.
 */
int prune_run(struct shell *sh, struct args *a, const struct prune_kind *k);

#endif
