/* placement.h: which host of the pool a new container goes to.
 *
 * Capacity is counted in slots. A host has doc.slots (host slots NAME N)
 * or, when that is unset, its engine's MemTotal / pool.slot_memory (at
 * least 1). A container takes berth.slots=N (container create --slots;
 * a container without the label takes 1) and says its memory limit in
 * berth.memory=BYTES (none: 0). Both labels are put on every container
 * berth creates. What a host has left is recounted at placement time from
 * one fan-out of GET /containers/json?all=1, GET /info and GET
 * /images/IMAGE/json over the candidates, never trusted from the store:
 * used slots and memory are summed over its containers that are not
 * exited or dead.
 *
 * Candidates are pool_targets(POOL_PLACEMENT): active, not drained. The
 * policy is config pool.policy:
 *   least-loaded  most free slots; ties to the oldest host (its
 *                 document's creation), then by name
 *   round-robin   the candidate placed on longest ago (host doc field
 *                 last_placed, written when this policy places), ties
 *                 by name
 *   random        any candidate that fits
 * A candidate fits when its free slots cover the container's, its free
 * memory its --memory, and it has the image or may get it (automatic
 * distribution, unless --no-distribute).
 */
#ifndef BERTH_PLACEMENT_H
#define BERTH_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>
#include "backends/pool/pool.h"
#include "lib/berr.h"

#define LABEL_SLOTS "berth.slots"
#define LABEL_MEMORY "berth.memory"

struct fleet;
struct backend;

/*
 * Whether container create places its containers: 1 in pool mode and
 * with several --host; 0 when it acts on one host (one --host, or the
 * pinned host), with *single its backend (borrowed); -1 with err as
 * pool_single() gives it.
 */
int placement_wanted(struct fleet *fl, const struct pool_want *want, struct backend **single,
		     struct berr *err);

struct placement_request {
	const char *image;
	int64_t slots;     /* each container's, >= 1 */
	int64_t memory;    /* each container's limit in bytes; 0: none asked */
	size_t count;      /* containers to place, >= 1 */
	int no_distribute; /* hosts lacking the image are not candidates */
};

struct placement {
	struct pool_targets hosts; /* owned: the candidates */
	size_t *chosen;            /* owned: count indexes into hosts.v, in container order */
	size_t count;
	struct berr *dist_err;     /* owned: hosts.n entries; kind != BERR_NONE: the
				    * image could not be copied there, so the
				    * containers chosen for it cannot be created */
};

/* What a candidate has, recounted at placement time, and what this
 * command gave it. */
struct placement_load {
	int ok;              /* the engine answered the listing and GET /info */
	struct berr err;     /* why not */
	int has_image;       /* the image is there already */
	int64_t total;       /* slots */
	int64_t used;        /* slots of its live containers, this command's included */
	int64_t mem_total;   /* bytes (MemTotal) */
	int64_t mem_used;    /* berth.memory of its live containers, this command's included */
	int64_t last_placed; /* ms; 0 never */
	size_t placed;       /* containers this command put there */
};

/* The slots and memory (berth.slots, berth.memory) of the live
 * containers (not exited or dead) in an engine's listing, added to
 * *slots and *memory. */
void placement_count_live(const json_t *list, int64_t *slots, int64_t *memory);
/* A host's capacity in slots: slots when set by hand (> 0), else its
 * engine's mem_total / pool.slot_memory; at least 1. */
int64_t placement_total_slots(const struct fleet *fl, int64_t slots, int64_t mem_total);

enum placement_policy {
	PLACE_LEAST_LOADED,
	PLACE_ROUND_ROBIN,
	PLACE_RANDOM,
};
/* pool.policy's value; anything else (NULL) is least-loaded. */
enum placement_policy placement_policy_of(const char *name);

/*
 * The choice itself, over loads already counted (loads[i] is t->v[i]'s):
 * req->count containers one by one into chosen[0..count), each accounted
 * in loads (used, mem_used, placed, last_placed = now_ms + i) before the
 * next. Returns how many were placed: fewer than req->count when no
 * candidate fits the next one.
 */
size_t placement_choose(enum placement_policy pol, const struct pool_targets *t,
			struct placement_load *loads, const struct placement_request *req, int64_t now_ms,
			size_t *chosen);
/* Why placed of req->count containers found a place and the next did not,
 * naming every candidate ("one is full (8 of 8 slots used), two is
 * drained, ..."), into err. -1. */
int placement_no_room(const struct placement_request *req, const struct pool_targets *t,
		      const struct placement_load *loads, size_t placed, struct berr *err);

/*
 * Places req->count containers one by one, each accounted before the
 * next, and copies the image to every chosen host that lacks it
 * (distribute_image(); each copy a FLEET_NOTE_PROGRESS notice). Returns 0
 * with out filled (release it), or -1 with err when not every container
 * has a place: "no host can take this container: one is full (8 of 8
 * slots used), two is drained, ..." (BERR_CONFLICT; BERR_NOT_FOUND when
 * only the image is missing); then nothing was created or copied. A
 * failed copy is not an error here: out->dist_err says which hosts cannot
 * take their containers.
 */
int placement_run(struct fleet *fl, const struct pool_want *want,
		  const struct placement_request *req, struct placement *out, struct berr *err);
void placement_release(struct placement *p);

#endif
