/* resolve.h: which host of the pool holds a container or an image.
 *
 * Commands that take container or image references (start, stop, delete,
 * inspect, logs, image inspect, image delete, ...) act on the command's
 * targets (backends/pool/pool.h). With one target nothing is asked up front: the
 * ref goes to that host's engine as it always did, so single-host use
 * costs no extra request. With several, the first ref resolved makes ONE
 * fan-out listing (GET /containers/json?all=1, or /images/json) over
 * every target, and every ref of the command is looked up in it:
 *   containers: the full ID, an exact name, or an ID prefix;
 *   images:     the ID (with or without "sha256:"), a repository:tag
 *               (":latest" implied), a repository@digest, or an ID prefix.
 * Exact matches (ID, name, tag) win over prefixes, as in docker. Found on
 * one host: that host. On several: "ambiguous container 'web': on lab
 * (3f2a1b2c3d4e), on local (9c1d2e3f4a5b); add --host NAME". Nowhere:
 * "no such container: web (looked on local, lab)", plus the hosts that did
 * not answer and why. A host that did not answer cannot make a ref
 * ambiguous: a ref found on an answering host is used.
 */
#ifndef BERTH_RESOLVE_H
#define BERTH_RESOLVE_H

#include <stddef.h>
#include <jansson.h>
#include "backends/pool/pool.h"

struct shell;
struct backend;
struct listing_host;

enum resolve_kind {
	RESOLVE_CONTAINER,
	RESOLVE_IMAGE,
};

struct resolver {
	struct shell *sh;
	enum resolve_kind kind;
	struct pool_targets targets;
	struct listing_host *hosts; /* owned: one per target, after the listing */
	int listed;              /* the fan-out listing was made */
};

/*
 * The command's targets (pool_targets()). Returns CMD_OK, or the
 * command's status after the error was reported (CMD_USAGE: an unknown
 * --host; CMD_ERROR: no active host in the pool, the store failed).
 * Release r in either case.
 */
int resolver_init(struct resolver *r, struct shell *sh, enum resolve_kind kind);
void resolver_release(struct resolver *r);

/* The number of targets: 1 means refs go straight to that host. */
size_t resolver_ntargets(const struct resolver *r);

/*
 * The host that holds ref: *b gets its backend (borrowed from the shell).
 * Returns 0, or CMD_ERROR after error() said why (ambiguous, not found,
 * the only target's client could not be set up, Ctrl-C).
 */
int resolve_ref(struct resolver *r, const char *ref, struct backend **b);

#endif
