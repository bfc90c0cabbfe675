/* listing.h: one engine listing over the hosts a command targets.
 *
 * container list, image list and ref resolution (backends/pool/resolve.h) ask
 * every target host for its containers or images. With one target the
 * host's own client makes the request, as single-host berth always did;
 * with several, backends/fanout.h runs them at once, each under its own
 * host's timeouts, so a host that hangs costs its own timeout and no
 * more. Every answer or failure is recorded with pool_record().
 */
#ifndef BERTH_LISTING_H
#define BERTH_LISTING_H

#include <stddef.h>
#include <jansson.h>
#include <bson/bson.h>
#include "lib/berr.h"
#include "backends/store/store.h"
#include "backends/pool/pool.h"

struct fleet;
struct backend;
struct list_filter;
struct pool_targets;
struct cache_query;

enum listing_kind {
	LISTING_CONTAINERS, /* GET /containers/json */
	LISTING_IMAGES,     /* GET /images/json */
};

/* Where a host's rows came from. */
enum listing_src {
	LISTING_LIVE,   /* the engine's answer */
	LISTING_CACHED, /* --cached: the store's */
	LISTING_STALE,  /* the store's, because the engine is out of reach */
	LISTING_FAILED, /* nothing to show: err says why */
};

struct listing_host {
	const char *name;  /* borrowed from the targets */
	struct backend *b; /* borrowed; NULL when the client could not be set up */
	json_t *rows;      /* owned: the engine's array; NULL when it failed */
	struct berr err;   /* why it failed */
	enum listing_src src; /* set by listing_gather() */
};

/* listing_run flags */
#define LISTING_SEEN_RECORDED 0x1 /* the caller writes the answers through to the
				   * cache, which records them as seen: no
				   * second store write per host */

/*
 * Lists kind on every host of t, in t's order: *out gets t->n results
 * (listing_release() them). filter is for containers (NULL: running
 * ones), all for images (intermediate ones too). Each host's answer or
 * failure goes to pool_record() (which never takes the last active host
 * out). Returns the number of hosts that answered, or -1 (nothing to
 * release) when out of memory.
 */
long listing_run(struct fleet *fl, const struct pool_targets *t, enum listing_kind kind,
		 const struct list_filter *filter, int all, unsigned flags,
		 struct listing_host **out);
void listing_release(struct listing_host *v, size_t n);

/* What container list and image list show: one entry per target host. */
struct listing_result {
	struct pool_targets targets;  /* owned */
	struct listing_host *v;       /* owned, targets.n of them */
	size_t n;
	size_t answered;              /* hosts with rows to show: live, cached, or
				       * stale (the engine out of reach, the
				       * store's rows shown instead) */
	int multi;                    /* more than one host: a HOST column */
	enum store_coll coll;         /* where the rows are cached */
};

/*
 * The command's targets, and each one's rows: with cached, the store's
 * (collection of kind, filtered by q; q NULL for images); else a
 * listing_run() whose failed hosts fall back to their cached rows when
 * the engine is out of reach. Of several hosts, each one that failed is
 * a FLEET_NOTE_ERROR notice (listing_failed()). Returns 0 with res filled
 * (release it, also on failure), or -1 with err: no target, the sole
 * host's failure (nothing to show), no memory.
 */
int listing_gather(struct fleet *fl, const struct pool_want *want, enum listing_kind kind,
		   const struct list_filter *filter, const struct cache_query *q, int all,
		   int cached, struct listing_result *res, struct berr *err);
/* After printing: the live rows written through to the cache; whole_set:
 * they are all the host has, so vanished ones go. Stops at the first
 * store failure (said once by the cache). */
void listing_record(struct fleet *fl, const struct listing_result *res, int whole_set);
void listing_result_release(struct listing_result *res);

/* Where listing_stream_all() puts each host's rows: row gets each one,
 * an entry of GET /containers/json as BSON (borrowed for the call), h
 * the host's place in res->targets, stale: the store's row, the engine
 * out of reach (return -1 when out of memory); host_done (may be NULL)
 * follows a host's last row, ok 0 when the answer turned out malformed
 * after all: the rows given for it must go. */
struct listing_sink {
	int (*row)(void *ud, size_t h, const char *host, const bson_t *entry, int stale);
	void (*host_done)(void *ud, size_t h, int ok);
	void *ud;
};

/*
 * listing_gather() and listing_record() of container list --all (every
 * container: whole sets), for fleets too big to hold every answer: each
 * host's answer goes to sink and is written through to the cache as it
 * comes, then dropped, and the collection is replaced once. res->v[i]'s
 * rows stay NULL; src, err and answered are as listing_gather's, and its
 * FLEET_NOTE_ERROR notices and stale fallbacks are the same. Returns as
 * listing_gather does: one target's failure (res->multi 0) is the
 * command's, unless its stale rows answer.
 */
int listing_stream_all(struct fleet *fl, const struct pool_want *want,
		       const struct listing_sink *sink, struct listing_result *res,
		       struct berr *err);

/*
 * One host of several failed a listing with err: says so in one
 * FLEET_NOTE_ERROR notice (err names the host). When the engine was out of reach and the store
 * has seen the host, the line adds "; showing cached rows from 3 minutes
 * ago", *out gets those rows (of collection c, filtered by q: NULL for
 * images) marked stale and 1 is returned; else 0.
 */
int listing_failed(struct fleet *fl, enum store_coll c, const char *host,
		   const struct cache_query *q, const struct berr *err, json_t **out);

#endif
