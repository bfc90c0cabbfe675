/* cache_internal.h: what cache.c and cache_objects.c share; nothing
 * outside backends/pool/cache*.c includes it. */
#ifndef BERTH_CACHE_INTERNAL_H
#define BERTH_CACHE_INTERNAL_H

#include <stddef.h>
#include <bson/bson.h>
#include <jansson.h>
#include "backends/store/store.h"

struct fleet;
struct backend;
struct cache_query;
struct cache_refresh_stats;

/* The store for a write-through, or NULL after fleet_cache_warn() said why. */
struct store *cache_wt_store(struct fleet *fl);
/* A write-through of collection c failed with err: said once; -1. */
int cache_wt_failed(struct fleet *fl, struct berr *err, enum store_coll c);
/* Lists collection c of b's host, as the engine shows it. */
typedef int (*cache_list_fn)(struct backend *b, enum store_coll c, json_t **list,
			     struct berr *err);
/* c of b's host listed with fn and written as the host's whole set; as
 * cache_put_images(). */
int cache_put_relisted(struct fleet *fl, struct backend *b, enum store_coll c, cache_list_fn fn);
/* Does doc's label_kv hold "K=V" (want has a '=') or some "K=..."? */
int cache_has_label(const bson_t *doc, const char *want);
/* "Labels", "Host", "LastSeen" and "Stale" of a cached row o, from doc
 * and whole (doc as JSON). */
void cache_add_common(json_t *o, const bson_t *doc, const json_t *whole, const char *host,
		      int stale);

/* Volumes and networks (cache_objects.c). */

/* q's filters are ones a listing of c takes from the cache: 0, or -1 with
 * a BERR_USAGE naming the one it does not. */
int cache_object_query_check(enum store_coll c, const struct cache_query *q, struct berr *err);
/* doc as the engine lists volumes (c STORE_VOLUMES) or networks, in *row
 * (new) when it passes q (may be NULL): 1; 0 when it does not; -1 out of
 * memory. */
int cache_object_row(enum store_coll c, const bson_t *doc, const struct cache_query *q,
		     const char *host, int stale, json_t **row);
/* cache_refresh_hosts' last step: the volumes and networks of the hosts
 * ok[i] (and not st[i].store_failed) listed and written; a host that
 * fails gets ok[i] 0, errs[i] and one more *failed. */
void cache_refresh_objects(struct fleet *fl, struct store *s, struct backend *const *bs, size_t n,
			   unsigned char *ok, struct cache_refresh_stats *st, struct berr *errs,
			   size_t *failed);

#endif
