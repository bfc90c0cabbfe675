/* shutdown.h: the pool's shutdown mode (pool shutdown, pool resume).
 *
 * The mode is a document in the store (leases collection, named
 * "pool-shutdown", never expiring: a unique insert makes it, so every
 * berth process and every later cron run sees the same mode):
 *   { name: "pool-shutdown", holder, since, force, expires }
 * While it is there placement refuses new containers
 * (placement_run: BERR_CONFLICT "the pool is shutting down ...").
 *
 * A run (pool shutdown, or housekeeping in shutdown mode) is a sequence of
 * steps each of which may run again, so a run killed at any point is
 * finished by the next one:
 *   1. every host berth spawned and not removed is destroyed with what
 *      berth made for it (spawn_destroy, all at once); without force a
 *      host that holds containers is left, its containers named;
 *   2. cloud reconcile --delete on every cloud (spawn_reconcile): what
 *      berth's tags name and no live host uses goes;
 *   3. what of berth's is left in each cloud is counted from the cloud
 *      itself: VMs (not terminated), security groups, floating addresses.
 * It is done when no spawned host is left and every count is 0.
 */
#ifndef BERTH_SHUTDOWN_H
#define BERTH_SHUTDOWN_H

#include <stddef.h>
#include <stdint.h>
#include "lib/berr.h"

struct fleet;
struct reconcile_item;

struct pool_mode {
	int shutdown;     /* the mode is on */
	int force;        /* it was asked with --force */
	int64_t since_ms;
	char *by;         /* owned: who asked (owner pid@machine), or NULL */
};
/* The mode as the store records it. -1 with err when it cannot be read. */
int pool_mode_get(struct fleet *fl, struct pool_mode *m, struct berr *err);
void pool_mode_release(struct pool_mode *m);
/* Into shutdown mode (already in it: kept, force added when asked). */
int pool_mode_shutdown(struct fleet *fl, int force, const char *by, struct berr *err);
/* Out of it; *was 1 when it was on. */
int pool_mode_resume(struct fleet *fl, int *was, struct berr *err);
/* 1 when the pool is in shutdown mode, with err saying so for a refusal
 * ("the pool is shutting down (pool shutdown by X at DATE): no new
 * containers are placed; pool resume ends it"); 0 when not; -1 with err
 * when the store cannot say. */
int pool_mode_refuses(struct fleet *fl, struct berr *err);

/* One spawned host's fate. */
struct shutdown_host {
	char *name;        /* owned */
	int destroyed;
	char *containers;  /* owned: left for its containers, "a, b, c"; NULL */
	struct berr err;   /* why it was left */
};

/* What of berth's one cloud still holds, asked of the cloud. */
struct shutdown_cloud {
	char *name;        /* owned: the profile */
	int64_t vms, groups, addresses; /* -1: could not be counted */
	char *error;       /* owned: why not, or NULL */
};

struct shutdown_report {
	struct shutdown_host *hosts;
	size_t nhosts;
	struct reconcile_item *items; /* what reconcile --delete found */
	size_t nitems;
	char *reconcile_failed;       /* owned: clouds that could not be reconciled */
	struct shutdown_cloud *clouds;
	size_t nclouds;
	int done;                     /* nothing spawned and nothing of berth's left */
};

/* One run of the steps above. -1 with err only when nothing could be done
 * (no store, no store ID); what went wrong with a host or a cloud is in
 * the report. */
int pool_shutdown_run(struct fleet *fl, int force, struct shutdown_report *r, struct berr *err);
void shutdown_report_release(struct shutdown_report *r);

#endif
