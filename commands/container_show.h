/* container_show.h: how containers are shown (container_show.c). */
#ifndef BERTH_CONTAINER_SHOW_H
#define BERTH_CONTAINER_SHOW_H

#include <stddef.h>
#include <jansson.h>

struct shell;
struct args;
struct listing_host;

/* container list's output for hr[0..n): docker ps's columns (with a HOST
 * column first when multi), -q's IDs, or --json's array with an
 * {"Host", "Error"} entry per failed host; cached rows are the store's.
 * Returns the command's status. */
int container_print_list(struct shell *sh, struct args *a, struct listing_host *hr, size_t n,
			 int multi, int cached);

/* container inspect's summary of one container (GET /containers/ID/json)
 * as "Key: value" lines. 0, or -1 when stdout closed. */
int container_print_summary(struct shell *sh, const json_t *c);

#endif
