/* cache.h: what the engines showed, kept in the store for later.
 *
 * Commands that talk to an engine record what they saw (write-through);
 * listings answer from these records when asked (--cached) or when the
 * engine is out of reach (stale fallback); cache refresh re-reads hosts in
 * full. The records are the images, containers, volumes and networks
 * collections of berth-store(5); the hosts collection belongs to
 * backends/pool/hosts.c.
 *
 * Write-through never fails a command: the functions below that record
 * return 0, or -1 after fleet_cache_warn() has said why once; a caller
 * acting on many objects stops recording after the first -1 (an
 * unreachable MongoDB would otherwise cost its timeout per object).
 */
#ifndef BERTH_CACHE_H
#define BERTH_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "backends/store/store.h"

struct fleet;
struct backend;

/* --- write-through --------------------------------------------------------- */

/* An engine listing of host (GET /containers/json or /images/json). whole:
 * the listing is the host's entire set (container list --all, image list,
 * both unfiltered), so documents of objects that vanished are removed; else
 * the rows seen are added or updated and nothing is removed, since a
 * filtered listing proves nothing about the rows it left out. */
int cache_put_listing(struct fleet *fl, enum store_coll c, const char *host,
		      const json_t *list, int whole);
/* The whole listings of many hosts (lists[i] of hosts[i], distinct) as
 * cache_put_listing(..., whole) would write them one by one, in one write
 * of the collection, and every host recorded as seen in one write of the
 * hosts. */
int cache_put_listings(struct fleet *fl, enum store_coll c, const char *const *hosts,
		       const json_t *const *lists, size_t n);
/* cache_put_listings for listings too big to hold at once: begin, then
 * each host's whole set (its documents, store_doc_from_entry's) as its
 * answer comes, then end, which replaces the collection once and records
 * the hosts as seen in one write. A store failure is said once (the
 * later calls do nothing). hosts are borrowed until end. begin gives
 * NULL when the store cannot be opened (said). */
struct cache_sets;
struct cache_sets *cache_sets_begin(struct fleet *fl, enum store_coll c);
void cache_sets_add(struct cache_sets *cs, const char *host, const bson_t *const *docs,
		    size_t n);
void cache_sets_end(struct cache_sets *cs); /* frees cs; NULL is fine */
/* The container ref (ID, prefix or name) of b's host as the engine has it
 * now, after a create, start, stop, ...: re-read with one inspect and one
 * listing, so the document is what a listing would record. */
int cache_put_container(struct fleet *fl, struct backend *b, const char *ref);
/* The container id (full ID) of host is gone (deleted). */
int cache_drop_container(struct fleet *fl, const char *host, const char *id);
/* The images of b's host changed (load, delete): re-listed and replaced. */
int cache_put_images(struct fleet *fl, struct backend *b);
/* The volumes (c STORE_VOLUMES) or networks (STORE_NETWORKS) of b's host
 * changed (create, delete, prune): re-listed and replaced. */
int cache_put_objects(struct fleet *fl, struct backend *b, enum store_coll c);

/* --- reading ---------------------------------------------------------------- */

/* Which cached containers a listing wants: as container list takes them.
 * Volumes and networks take "label=K[=V]", "name=N" (a part of the name),
 * "driver=D" and, for networks, "id=I" (a prefix), as their listings do. */
struct cache_query {
	int all;                    /* stopped containers too */
	const char *const *filters; /* "label=K[=V]", "status=S", "name=N", "id=I", "ancestor=IMAGE" */
	size_t nfilters;
};

/* What the store holds for one host. */
struct cache_rows {
	json_t *rows;      /* array of objects shaped as the engine lists them
			    * ("Id", "Names", "Status", ... or "RepoTags", ...;
			    * volumes "Name", "Driver", ...; networks "Id", "Name", ...)
			    * plus "Host", "LastSeen" (ISO 8601) and "Stale" */
	int known;         /* the store holds rows of this host (of this
			    * collection, or of the other: then its engine was
			    * listed and this set is empty) */
	int64_t seen_ms;   /* when they were seen (newest last_seen), 0 if never */
};

/* The cached rows of cache collection c for host, in the order of the
 * engine (newest created first; volumes and networks by name, as docker
 * shows them), filtered by q (NULL: every row; images take no filters). stale marks every row "Stale": true.
 * On failure err says why: a corrupt cache file is named, with the advice
 * to run cache reset. rows->rows is the caller's (cache_rows_release). */
int cache_read(struct fleet *fl, enum store_coll c, const char *host,
	       const struct cache_query *q, int stale, struct cache_rows *rows,
	       struct berr *err);
void cache_rows_release(struct cache_rows *rows);

/* A listing of host failed with engine_err. When the engine was out of
 * reach (BERR_CONNECT, BERR_TIMEOUT) and the store has seen the host, *out
 * gets its cached rows marked stale and the one-line warning "HOST: cannot
 * reach the engine; showing cached rows from N minutes ago" is printed:
 * returns 1. Otherwise returns 0 and the caller reports engine_err as
 * usual (a store problem met on the way is not worth a second line). */
int cache_fallback(struct fleet *fl, enum store_coll c, const char *host,
		   const struct cache_query *q, const struct berr *engine_err,
		   json_t **out);

/* When a cached row was seen ("LastSeen"), 0 when it has none. */
time_t cache_row_seen(const json_t *row);

/* --- refresh ---------------------------------------------------------------- */

struct cache_refresh_stats {
	int64_t containers; /* documents written */
	int64_t images;
	int64_t volumes;
	int64_t networks;
	int store_failed;   /* the failure was the store's, not the engine's */
};

/* Re-reads b's host in full: every container (--all), the images, the
 * volumes and the networks, each collection written with one replace of
 * the host's set. Fails with err
 * (naming the host) when the engine or the store failed; then the host's
 * records are left as they were. */
int cache_refresh_host(struct fleet *fl, struct backend *b, struct cache_refresh_stats *st,
		       struct berr *err);
/* The same for bs[0..n) at once, in one fan-out (each engine within its
 * own timeout): st[i] and errs[i] per host, every engine's answer
 * reported to pool_record(); the volumes and networks of the hosts that
 * answered are then listed host after host (backends/fanout.h knows only
 * the engine calls of every backend kind). Returns the number of hosts
 * that failed. */
size_t cache_refresh_hosts(struct fleet *fl, struct backend *const *bs, size_t n,
			   struct cache_refresh_stats *st, struct berr *errs);

/* --- messages --------------------------------------------------------------- */

/* Adds the advice to run cache reset to err when it reports a corrupt
 * file of a cache collection c. */
void cache_advise_reset(struct berr *err, enum store_coll c);

#endif
