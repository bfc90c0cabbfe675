/* watch.c: cache watch, the store fed by the engines' event streams. See
 * watch.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backends/backend.h"
#include "backends/pool/cache.h"
#include "backends/pool/fleet.h"
#include "backends/pool/pool.h"
#include "backends/pool/watch.h"
#include "lib/jsonval.h"
#include "lib/xalloc.h"

static const char *const watched_filters[] = {
	"type=container", "type=image",
	"event=create", "event=start", "event=restart", "event=die", "event=pause",
	"event=unpause", "event=rename", "event=update", "event=destroy",
	"event=pull", "event=load", "event=import", "event=tag", "event=untag", "event=delete",
};

struct watch {
	struct fleet *fl;
	struct backend *const *bs;
	size_t n;
	struct cache_watch_stats *st;
	size_t refused;  /* streams the engine would not give */
	char *lost;      /* per host: its stream dropped (say when it is back) */
	char *behind;    /* per host: an update failed, the store may miss some */
	time_t failed_at; /* when the last update failed */
};

#define STORE_RETRY_S 2 /* a store that failed is tried again this much later */

static void refresh(struct watch *w, size_t h)
{
	struct backend *b = w->bs[h];
	struct cache_refresh_stats rs;
	struct berr err;

	memset(&rs, 0, sizeof(rs));
	berr_clear(&err);
	if (cache_refresh_host(w->fl, b, &rs, &err) < 0) {
		w->st->failures++;
		w->behind[h] = 1;
		w->failed_at = time(NULL);
		fleet_say(w->fl, FLEET_NOTE_ERROR, "%s", err.msg);
		return;
	}
	w->behind[h] = 0;
	w->st->refreshes++;
	fleet_say(w->fl, FLEET_NOTE_PROGRESS, "%s: re-read: %lld containers, %lld images", b->name,
		  (long long)rs.containers, (long long)rs.images);
}

static void apply(struct watch *w, size_t h, const json_t *msg)
{
	struct backend *b = w->bs[h];
	const char *type = jstr(msg, "Type"), *action = jstr(msg, "Action");
	const char *id = jstr(json_object_get(msg, "Actor"), "ID");
	int rc;

	if (!type || !action || !id)
		return;
	if (!strcmp(type, "container") && !strcmp(action, "destroy"))
		rc = cache_drop_container(w->fl, b->name, id);
	else if (!strcmp(type, "container"))
		rc = cache_put_container(w->fl, b, id);
	else if (!strcmp(type, "image"))
		rc = cache_put_images(w->fl, b);
	else
		return;
	if (rc < 0) {
		/* the store said why (once); it gets another chance later */
		w->st->failures++;
		w->behind[h] = 1;
		w->failed_at = time(NULL);
		return;
	}
	w->st->events++;
	fleet_say(w->fl, FLEET_NOTE_PROGRESS, "%s: %s %s %.12s", b->name, type, action, id);
}

static int on_event(void *ud, const struct backend_event *ev)
{
	struct watch *w = ud;
	struct backend *b = w->bs[ev->host];

	switch (ev->kind) {
	case BACKEND_EVENT_MESSAGE:
		/* after a failed write (the store was out of reach), a fresh try
		 * and a full re-read: what failed is caught up */
		if (w->behind[ev->host] && time(NULL) - w->failed_at >= STORE_RETRY_S) {
			fleet_new_command(w->fl);
			refresh(w, ev->host);
		}
		apply(w, ev->host, ev->msg);
		break;
	case BACKEND_EVENT_CONNECTED:
		if (w->lost[ev->host])
			fleet_say(w->fl, FLEET_NOTE_WARNING, "%s: event stream back", b->name);
		w->lost[ev->host] = 0;
		fleet_new_command(w->fl);
		refresh(w, ev->host);
		break;
	case BACKEND_EVENT_LOST:
		w->lost[ev->host] = 1;
		fleet_say(w->fl, FLEET_NOTE_WARNING, "%s; retrying in %.1fs", ev->err->msg,
			  (double)ev->retry_ms / 1000.0);
		break;
	case BACKEND_EVENT_FAILED:
		w->refused++;
		fleet_say(w->fl, FLEET_NOTE_ERROR, "%s", ev->err->msg);
		break;
	case BACKEND_EVENT_ENDED:
		break;
	}
	return 0;
}

int cache_watch(struct fleet *fl, struct backend *const *bs, size_t n,
		struct cache_watch_stats *st, struct berr *err)
{
	struct event_opts opts = {
		.filters = watched_filters,
		.nfilters = sizeof(watched_filters) / sizeof(watched_filters[0]),
	};
	struct watch w = { .fl = fl, .bs = bs, .n = n, .st = st };
	int ret;

	memset(st, 0, sizeof(*st));
	if (!fleet_store(fl, err))
		return -1;
	w.lost = xcalloc(n + 1, 1);
	w.behind = xcalloc(n + 1, 1);
	ret = backend_events(bs, n, &opts, on_event, &w, err);
	if (ret == 0 && n && w.refused == n)
		ret = berr_set(err, BERR_ENGINE, "no host gave its event stream");
	free(w.lost);
	free(w.behind);
	return ret;
}
