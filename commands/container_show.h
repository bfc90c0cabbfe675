/* container_show.h: how containers are shown (container_show.c). */
#ifndef BERTH_CONTAINER_SHOW_H
#define BERTH_CONTAINER_SHOW_H

#include <stddef.h>
#include <jansson.h>
#include <bson/bson.h>

struct shell;
struct args;
struct listing_host;

/* container list's output for hr[0..n): docker ps's columns (with a HOST
 * column first when multi), -q's IDs, or --json's array with an
 * {"Host", "Error"} entry per failed host; cached rows are the store's.
 * Returns the command's status. */
int container_print_list(struct shell *sh, struct args *a, struct listing_host *hr, size_t n,
			 int multi, int cached);

/* container list's table, for rows that come host by host (in any order):
 * parts for nhosts hosts, printed in the hosts' order. add copies what it
 * shows of rows (host h's; stale: the store's, the engine out of reach):
 * -1 when out of memory. print returns the command's status. */
struct container_table;
struct container_table *container_table_new(struct shell *sh, size_t nhosts, int multi,
					    int cached);
int container_table_add(struct container_table *ct, size_t h, const char *host,
			const json_t *rows, int stale);
/* One row of host h from an entry of GET /containers/json in BSON. */
int container_table_add_entry(struct container_table *ct, size_t h, const char *host,
			      const bson_t *entry, int stale);
/* Host h's rows are all in (gives back reserve memory); !ok: its answer
 * turned out malformed after all, its rows go. */
void container_table_host_done(struct container_table *ct, size_t h, int ok);
int container_table_print(struct container_table *ct);
void container_table_free(struct container_table *ct); /* NULL is fine */

/* container inspect's summary of one container (GET /containers/ID/json)
 * as "Key: value" lines. 0, or -1 when stdout closed. */
int container_print_summary(struct shell *sh, const json_t *c);

#endif
