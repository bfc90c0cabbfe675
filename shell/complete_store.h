/* complete_store.h: names for Tab completion from the store.
 *
 * Container names (and short IDs, once a hex prefix is typed) and image
 * "repo:tag" references of the pinned host, or in pool mode of every
 * active host, as the last listing cached them; host names from the configuration and the store. Nothing here asks
 * an engine, so completion works with every engine down. The store is
 * opened on the first Tab that needs it; when it is out of reach, the
 * source stays quiet for a while instead of making each Tab wait.
 */
#ifndef BERTH_COMPLETE_STORE_H
#define BERTH_COMPLETE_STORE_H

#include <time.h>
#include "shell/complete.h"

struct shell;

struct complete_store {
	struct shell *sh;  /* borrowed */
	time_t failed_at;  /* the store was out of reach then; 0: never */
};

/* Fills src with a source reading through cs (both live as long as the
 * REPL uses src). */
void complete_store_init(struct complete_store *cs, struct shell *sh,
			 struct complete_source *src);

#endif
