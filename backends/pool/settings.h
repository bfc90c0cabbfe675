/* settings.h: what berth is configured with, as the fleet reads it.
 *
 * Filled by the shell's settings reader (shell/settings.c: YAML files and
 * the environment, documented there); the fleet and the commands only
 * read it. Data and its defaults only: nothing here touches a file.
 */
#ifndef BERTH_POOL_SETTINGS_H
#define BERTH_POOL_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include "backends/cloud/cloud.h"
#include "lib/strindex.h"

struct host_settings {
	char *name;     /* owned */
	char *url;      /* owned */
	char *tls_dir;  /* owned; NULL when the host uses no TLS */
	int tls_verify; /* TLS with client certificates from tls_dir */
	int insecure;   /* plain tcp:// explicitly allowed */
	int from_env;   /* the URL is DOCKER_HOST's, read by the docker CLI's rules */
};

/* pool.autoscale: housekeeping keeps the pool of hosts berth spawns on
 * one cloud at the size the work needs (backends/pool/autoscale.h). */
struct autoscale_settings {
	int enabled;               /* the section is there (with a cloud) */
	char *cloud;               /* owned: the profile hosts are spawned on */
	int64_t min_hosts;         /* default 0 */
	int64_t max_hosts;         /* default 10; no ceiling of berth's own */
	int64_t free_slots;        /* spare slots to keep ready; default 0 */
	int64_t idle_after_ms;     /* an empty spawned host goes after this; default 30m */
	int64_t spawn_step;        /* most hosts spawned in one run; default 2 */
};

struct settings {
	struct host_settings *hosts; /* owned; "local" always present */
	size_t nhosts;
	char *default_host;        /* owned; "local" unless set */
	int default_host_set;      /* a file set default_host: sessions start pinned to it
				    * (else in pool mode, shell/pool.h) */
	long connect_timeout_ms;   /* timeouts.connect; default 5000 */
	long request_timeout_ms;   /* timeouts.request: a short call; default 10000 */
	long idle_timeout_ms;      /* timeouts.idle: a long transfer's quiet spell before
				    * a liveness ping; default 10000 */
	char *api_version;         /* owned; DOCKER_API_VERSION or NULL */
	char *mongodb_uri;         /* owned; BERTH_MONGODB_URI or config; NULL = file store */
	char *mongodb_database;    /* owned; BERTH_MONGODB_DATABASE or config; NULL: the
				    * URI's database, else "berth" (store_open) */
	char *owner;               /* owned; BERTH_OWNER or config owner:; default user@hostname */
	/* pool: (see shell/pool.h) */
	long pool_error_threshold; /* pool.error_threshold; default 3 consecutive errors */
	long pool_concurrency;     /* pool.concurrency: requests to engines at once in a
				    * fan-out; default 32 (FANOUT_MAX_INFLIGHT) */
	char *pool_policy;         /* owned; pool.policy: least-loaded (default), round-robin, random */
	int64_t pool_slot_memory;  /* pool.slot_memory (bytes, "512m" syntax); default 512 MiB */
	struct autoscale_settings autoscale; /* pool.autoscale */
	char *image_dir;           /* owned; image_dir: tarballs for image distribute; NULL none */
	struct cloud_profile *clouds; /* owned: clouds:, in the order the files name them
				       * (a profile of a later file replaces one of the
				       * same name); see berth(1), CLOUDS */
	size_t nclouds;
	char *default_cloud;       /* owned; default_cloud: (a name in clouds), or NULL */
	char **loaded_files;       /* owned: the files actually read, for messages */
	size_t nloaded;
	/* owned: hosts by name, for settings_find_host (built on first use,
	 * dropped when the hosts change) */
	struct strindex host_ix;
};

void settings_init(struct settings *cfg);   /* defaults only */
void settings_release(struct settings *cfg); /* a second call is harmless */
/* Borrowed; NULL when there is no such host. */
const struct host_settings *settings_find_host(const struct settings *cfg, const char *name);

/* For the reader: cfg's entry for name (NULL: none), and the entry for name
 * emptied if it existed among the first nsearch entries, appended if not
 * (NULL: out of memory). The reader passes the count from before a file's
 * hosts: their names are distinct (its duplicate-key check), so a file of
 * n hosts costs O(n), not O(n^2). */
struct host_settings *settings_host_get(struct settings *cfg, const char *name);
struct host_settings *settings_host_fresh(struct settings *cfg, const char *name, size_t nsearch);
void settings_host_clear(struct host_settings *h);

#endif
