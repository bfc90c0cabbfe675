/* config.h: berth's configuration, from YAML files and the environment.
 *
 * Files read, later ones overriding earlier: SYSCONFDIR/berth.yaml, then
 * $XDG_CONFIG_HOME/berth/config.yaml (~/.config/berth/config.yaml); or
 * only the file named by --config / BERTH_CONFIG. Both are optional. A file
 * that holds credentials (a password/secret/token key, or a URI with a
 * password) must not be readable by group or others: it is refused, naming
 * the file, its mode and the chmod that fixes it.
 *
 *   default_host: local
 *   timeouts: { connect: 5s, request: 60s }
 *   hosts:
 *     local: { url: unix:///var/run/docker.sock }
 *     lab:   { url: tcp://10.0.0.5:2376, tls_dir: ~/.docker/lab }
 *     dev:   { url: tcp://127.0.0.1:2375, insecure: true }
 *   mongodb: { uri: mongodb://..., database: berth }
 *
 * The host "local" always exists: its URL is, in order, DOCKER_HOST, the
 * config's hosts.local.url, unix:///var/run/docker.sock. For local,
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (default ~/.docker) apply as they
 * do for the docker CLI. DOCKER_API_VERSION pins the API version.
 */
#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "../backends/berr.h"

struct host_config {
	char *name;     /* owned */
	char *url;      /* owned */
	char *tls_dir;  /* owned; NULL when the host uses no TLS */
	int tls_verify; /* TLS with client certificates from tls_dir */
	int insecure;   /* plain tcp:// explicitly allowed */
};

struct config {
	struct host_config *hosts; /* owned; "local" always present */
	size_t nhosts;
	char *default_host;        /* owned; "local" unless set */
	int default_host_set;      /* a file set default_host: sessions start pinned to it
				    * (else in pool mode, shell/pool.h) */
	long connect_timeout_ms;   /* default 5000 */
	long request_timeout_ms;   /* default 60000 */
	char *api_version;         /* owned; DOCKER_API_VERSION or NULL */
	char *mongodb_uri;         /* owned; BERTH_MONGODB_URI or config; NULL = file store */
	char *mongodb_database;    /* owned; BERTH_MONGODB_DATABASE or config; default "berth" */
	char *owner;               /* owned; BERTH_OWNER or config owner:; default user@hostname */
	/* pool: (see shell/pool.h) */
	long pool_error_threshold; /* pool.error_threshold; default 3 consecutive errors */
	char *pool_policy;         /* owned; pool.policy: least-loaded (default), round-robin, random */
	int64_t pool_slot_memory;  /* pool.slot_memory (bytes, "512m" syntax); default 512 MiB */
	char *image_dir;           /* owned; image_dir: tarballs for image distribute; NULL none */
	char **loaded_files;       /* owned: the files actually read, for messages */
	size_t nloaded;
};

/* Defaults, then files, then environment. explicit_path (--config) may be
 * NULL (then BERTH_CONFIG, if set, is the explicit file). On error returns
 * -1 with err naming the file (and line) at fault. cfg need not be
 * initialised first (config_load does that); release it with
 * config_release() whether or not the load succeeded. */
int config_load(struct config *cfg, const char *explicit_path, struct berr *err);
/* Merge one file into cfg (used by config_load and the tests). */
int config_load_file(struct config *cfg, const char *path, struct berr *err);
void config_init(struct config *cfg);   /* defaults only */
void config_release(struct config *cfg);
/* Borrowed; NULL when there is no such host. */
const struct host_config *config_find_host(const struct config *cfg, const char *name);

/* $XDG_<KIND>_HOME/berth/leaf with the XDG defaults (~/.config,
 * ~/.local/state, ~/.local/share); kind is "config", "state" or "data".
 * Returned string belongs to the caller. Does not create directories. */
char *xdg_path(const char *kind, const char *leaf);
/* mkdir -p of path's parent directory; 0 or -1. */
int mkdir_parents(const char *path);

#endif
