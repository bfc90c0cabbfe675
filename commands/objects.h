/* objects.h: what the volume, network and system commands share: an
 * engine call over the command's hosts, a name found on the host that
 * holds it, the listing's table and the prunes' confirmation. */
#ifndef BERTH_OBJECTS_H
#define BERTH_OBJECTS_H

#include <stddef.h>
#include <jansson.h>
#include "lib/berr.h"
#include "backends/pool/pool.h"
#include "backends/store/store.h"

struct shell;
struct args;
struct backend;

/* A listing of one host's objects (docker_volume_list, docker_network_list). */
typedef int (*obj_list_fn)(struct backend *b, const char *const *filters, size_t nfilters,
			   json_t **rows, struct berr *err);
/* One object of one host by name or ID (docker_volume_inspect, ...). */
typedef int (*obj_get_fn)(struct backend *b, const char *ref, json_t **obj, struct berr *err);

struct obj_host {
	const char *name;  /* borrowed from the targets */
	struct backend *b; /* borrowed; NULL when its client could not be set up */
	json_t *rows;      /* owned: the answer; NULL when it failed */
	struct berr err;
};

struct obj_listing {
	struct pool_targets t; /* owned */
	struct obj_host *v;    /* owned, t.n of them */
	size_t n, answered;
	int multi;             /* several hosts: a HOST column */
};

/* The command's hosts (--host, the pinned one, the pool). 0, or the
 * command's status after the error was said. Release t after either. */
int obj_targets(struct shell *sh, const struct args *a, struct pool_targets *t);

/* fn on each of the command's hosts, one after the other; each answer or
 * failure recorded (pool_record); of several hosts, one that failed is
 * said and the rest shown. Returns CMD_OK with *out filled (release it),
 * or the command's status when no host answered (said). */
int obj_gather(struct shell *sh, const struct args *a, obj_list_fn fn, const char *const *filters,
	       size_t nfilters, struct obj_listing *out);
void obj_listing_release(struct obj_listing *l);

/* A list command's rows: with --cached the store's (collection coll, as
 * cache_read() filters them), asking no engine; else obj_gather() with
 * fn, whose answers are written through to coll (whole sets when there
 * are no filters). Returns as obj_gather(). */
int obj_list(struct shell *sh, const struct args *a, obj_list_fn fn, enum store_coll coll,
	     const char *const *filters, size_t nfilters, struct obj_listing *out);

/* After a change of the volumes or networks (coll) of b's host: the
 * host's set re-read into the cache. *record (may be NULL) is cleared
 * when the store failed (said once): a caller acting on many objects
 * asks no more. */
void obj_cache_put(struct shell *sh, struct backend *b, enum store_coll coll, int *record);

/* The rows of every host as one JSON array, each row with "Host" (new). */
json_t *obj_listing_json(const struct obj_listing *l);

/* The host of the command's hosts that holds ref (what, "volume", for
 * messages): one host: that one, unasked; several: each asked with get,
 * and the one that has it; *obj (may be NULL) gets what get returned
 * (NULL when the host was not asked). 0, or -1 after the error was said
 * (not found, on several hosts: add --host, no host answered). */
int obj_find(struct shell *sh, const struct pool_targets *t, const char *what, obj_get_fn get,
	     const char *ref, struct backend **b, json_t **obj);

/* What one ref's work came to. */
enum obj_result { OBJ_DONE = 0, OBJ_FAILED = -1 /* said; go on */, OBJ_STOP = -2 /* said; stop */ };
/* One ref's work on b, the host that holds it; obj: what get returned
 * (NULL unless asked for). */
typedef int (*obj_act_fn)(struct shell *sh, struct backend *b, const char *ref, json_t *obj,
			  void *ud);
/* Every positional ref of a, found with obj_find() among the command's
 * hosts (need_obj: with its object) and handed to fn, in order, on past
 * those that fail. CMD_OK, or CMD_ERROR when any failed. */
int obj_each(struct shell *sh, const struct args *a, const char *what, obj_get_fn get,
	     int need_obj, obj_act_fn fn, void *ud);

/* An inspect's summary of one object; < 0 when stdout closed. */
typedef int (*obj_print_fn)(struct shell *sh, const json_t *obj);
/* Every positional ref's object: with --json one array (docker's), else
 * each summary, a blank line between. */
int obj_inspect(struct shell *sh, const struct args *a, const char *what, obj_get_fn get,
		obj_print_fn print);

/* Before a prune: --force, or "question [y/N]" answered yes on a
 * terminal. 1 go on, 0 the user said no, CMD_USAGE no terminal (said). */
int obj_confirm(struct shell *sh, const struct args *a, const char *question);

/* "label=a=b" filters the option gives ("filter"), and how many. */
const char *const *obj_filters(const struct args *a, size_t *n);

/* A prune of every command's host with fn: its report's key array (the
 * names or IDs deleted) under "title" (of several hosts, "title" with
 * " on HOST" before the colon), then, when the reports say
 * SpaceReclaimed, "Total reclaimed space: ..."; with --json one array of
 * the reports, each with "Host". A host that fails is said and the rest
 * go on (CMD_ERROR at the end). The hosts that pruned have their set of
 * coll (volumes or networks) re-read into the cache. */
int obj_prune(struct shell *sh, const struct args *a, obj_list_fn fn, enum store_coll coll,
	      const char *const *filters, size_t nfilters, const char *key, const char *title);

/* Prints "Total reclaimed space: 1.2MB" (docker's words). */
int obj_print_reclaimed(struct shell *sh, int64_t bytes);

#endif
