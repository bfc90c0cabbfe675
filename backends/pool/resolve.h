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

struct fleet;
struct backend;
struct listing_host;

enum resolve_kind {
	RESOLVE_CONTAINER,
	RESOLVE_IMAGE,
};

struct resolver {
	struct fleet *fl;
	enum resolve_kind kind;
	struct pool_targets targets;
	struct listing_host *hosts; /* owned: one per target, after the listing */
	int listed;              /* the fan-out listing was made */
};

/*
 * The command's targets (pool_targets() of want). Returns 0, or -1 with
 * err (BERR_USAGE: an unknown --host; no active host in the pool, the
 * store failed). Release r in either case.
 */
int resolver_init(struct resolver *r, struct fleet *fl, const struct pool_want *want,
		  enum resolve_kind kind, struct berr *err);
void resolver_release(struct resolver *r);

/* The number of targets: 1 means refs go straight to that host. */
size_t resolver_ntargets(const struct resolver *r);

/*
 * The host that holds ref: *b gets its backend (borrowed from the fleet).
 * Returns 0, or -1 with err saying why: ambiguous (BERR_CONFLICT), not
 * found (BERR_NOT_FOUND), no host answered, the only target's client
 * could not be set up, Ctrl-C (BERR_INTERRUPTED).
 */
int resolve_ref(struct resolver *r, const char *ref, struct backend **b, struct berr *err);

/*
 * The matching itself, over listings already made (hosts[i] is t->v[i]'s;
 * rows NULL: that host failed with hosts[i].err): an exact match (full
 * ID, name, tag) beats an ID prefix; the best match must be on one host.
 * Returns 0 with *index that host's, or -1 with err as resolve_ref().
 */
int resolve_in(enum resolve_kind kind, const struct pool_targets *t,
	       const struct listing_host *hosts, const char *ref, size_t *index, struct berr *err);

#endif
