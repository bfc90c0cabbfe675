/* autoscale.h: the pool that sizes itself (settings pool.autoscale).
 *
 * Housekeeping, under its lease, once per run: a snapshot of the hosts
 * (autoscale_snapshot: the documents, and the engines' listings and
 * GET /info of the active ones in one fan-out), then the decision, a pure
 * function of the snapshot, the settings and the time (autoscale_decide:
 * tested without a cloud in tests/unit/test-autoscale), then the action
 * (housekeeping spawns or destroys, autoscale_record keeps its outcome for
 * pool status).
 *
 * The rules (berth(1), pool.autoscale):
 *   - the autoscaled hosts are those berth spawned on pool.autoscale.cloud
 *     and not removed: spawning (state spawned), active and inactive ones;
 *     min_hosts and max_hosts count them;
 *   - free slots are counted over every active, undrained host that
 *     answered (a host added by hand gives its room too), plus
 *     slots_per_host for each autoscaled host still spawning;
 *   - below min_hosts, or below free_slots, enough hosts are spawned to
 *     restore both, at most spawn_step in one run and never past
 *     max_hosts;
 *   - else the autoscaled host that has held no container for idle_after
 *     (since its last_busy, or since it went active) is destroyed, the
 *     oldest idle one first, one per run, when the pool keeps min_hosts
 *     and free_slots without it. A host added by hand is never one.
 */
#ifndef BERTH_AUTOSCALE_H
#define BERTH_AUTOSCALE_H

#include <stddef.h>
#include <stdint.h>
#include "lib/berr.h"

struct fleet;

/* One host as the decision sees it. */
struct as_host {
	char *name;          /* owned (by the snapshot) */
	char *state;         /* owned: its document's state */
	int autoscaled;      /* berth spawned it on the autoscale cloud */
	int spawning;        /* state spawned: its spawn is under way */
	int active;          /* state active */
	int drained;
	int answered;        /* its engine answered the listing and GET /info */
	int64_t total;       /* slots, when answered */
	int64_t used;        /* slots of its live containers */
	int64_t containers;  /* all its containers (any state) */
	int64_t idle_since;  /* ms: last held a container, or went active */
};

/* The settings and the profile's facts the decision needs. */
struct as_config {
	int64_t min_hosts, max_hosts, free_slots, idle_after_ms, spawn_step;
	int64_t slots_per_host; /* the profile's slots; 0: learnt from the hosts (else 1) */
};

enum as_action { AS_NOTHING, AS_SPAWN, AS_DESTROY };

struct as_plan {
	enum as_action action;
	int64_t spawn;        /* AS_SPAWN: how many */
	const char *destroy;  /* AS_DESTROY: which (borrowed from the hosts) */
	char why[256];        /* the reason, one line ("free slots 0 < 4 wanted") */
	/* the figures it went by */
	int64_t hosts;        /* autoscaled hosts (spawning, active, inactive) */
	int64_t spawning;
	int64_t total, used, free; /* over the active hosts that answered, plus spawning */
	int64_t slots_per_host;
};

/* The decision over h[0..n) at now_ms. */
void autoscale_decide(const struct as_config *c, const struct as_host *h, size_t n,
		      int64_t now_ms, struct as_plan *out);

/* The pool as it stands: *hosts (autoscale_hosts_release) and the config
 * from the settings (the cloud's profile must be configured:
 * BERR_USAGE; without pool.autoscale no host is autoscaled and the config
 * is zero). Hosts seen holding a container get last_busy = now in
 * their documents (unless dry_run). -1 with err when the store cannot
 * be read. */
int autoscale_snapshot(struct fleet *fl, int dry_run, struct as_config *c,
		       struct as_host **hosts, size_t *n, struct berr *err);
void autoscale_hosts_release(struct as_host *h, size_t n);

/* The last spawn or removal autoscale made and how it went, kept in the
 * store for pool status (leases collection, document "autoscale-last"). */
int autoscale_record(struct fleet *fl, const char *what, const char *result, struct berr *err);
/* *what and *result (owned, NULL when none was recorded), *at_ms. */
int autoscale_last(struct fleet *fl, char **what, char **result, int64_t *at_ms,
		   struct berr *err);

#endif
