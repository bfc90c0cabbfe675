/* watch.h: the store's cached containers and images kept current from the
 * engines' event streams (cache watch).
 *
 * Each host's stream (backend_events) is watched at once. When a stream
 * opens, and again each time it comes back after a drop, the host is
 * re-read in full (cache_refresh_host): what happened while nobody was
 * listening is caught up. Then each event updates what it touched:
 *   container create, start, restart, die, pause, unpause, rename,
 *   update: the container re-read (cache_put_container);
 *   container destroy: its document dropped;
 *   image pull, load, import, tag, untag, delete: the host's images
 *   re-listed (cache_put_images).
 * So a --cached listing is current within the time one inspect takes.
 */
#ifndef BERTH_WATCH_H
#define BERTH_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include "lib/berr.h"

struct fleet;
struct backend;

struct cache_watch_stats {
	int64_t events;     /* events applied */
	int64_t refreshes;  /* full re-reads (one per connection) */
	int64_t failures;   /* updates the store or the engine refused */
};

/*
 * Watches bs[0..n) until berth_interrupted (Ctrl-C, or the caller's
 * SIGTERM handler setting it). Says through the fleet's notices
 * (fleet_say) what went wrong (a stream lost and when it is retried, an
 * update that failed) and, as progress, what each event changed. Returns
 * 0 when stopped, -1 with err when nothing could be watched (no store,
 * every stream refused).
 */
int cache_watch(struct fleet *fl, struct backend *const *bs, size_t n,
		struct cache_watch_stats *st, struct berr *err);

#endif
