/* backend.h: the interface between commands and whatever serves them.
 *
 * Commands only ever talk to a struct backend. The Docker Engine client
 * (backends/docker/docker.c) is the first implementation; the multi-host pool and
 * the store of later work plug in here as further implementations with the
 * base struct as their first member, so commands do not change.
 *
 * Conventions: every call returns 0 on success and -1 with *err filled on
 * failure. json_t results are new references owned by the caller
 * (json_decref them). Object references ("ref") are IDs, ID prefixes or
 * names, exactly as the engine accepts them.
 */
#ifndef BERTH_BACKEND_H
#define BERTH_BACKEND_H

#include <stdint.h>
#include <stddef.h>
#include <jansson.h>
#include "lib/berr.h"

struct port_binding {
	const char *host_ip;        /* NULL or "" = all addresses */
	const char *host_port;      /* NULL or "" = engine picks */
	const char *container_port; /* "80" */
	const char *proto;          /* "tcp" or "udp" */
};

/* A --mount: a bind mount, a named (or anonymous) volume, or a tmpfs. */
struct mount_spec {
	const char *type;    /* "bind", "volume" or "tmpfs" */
	const char *source;  /* host path, volume name; NULL: an anonymous volume, a tmpfs */
	const char *target;  /* path in the container */
	int read_only;
	int64_t tmpfs_size;  /* bytes; 0: the engine's default */
	int tmpfs_mode;      /* 0: the engine's default (1777) */
};

/* A --ulimit: nofile=1024:2048. */
struct ulimit_spec {
	const char *name;
	int64_t soft, hard;
};

struct container_spec {
	const char *image;
	const char *name;                 /* NULL: engine picks */
	const char *const *cmd;   size_t ncmd;     /* empty: image default */
	const char *const *env;   size_t nenv;     /* "K=V" */
	const char *const *labels; size_t nlabels; /* "K=V" */
	const struct port_binding *ports; size_t nports;
	int64_t memory;        /* bytes, 0 = unlimited */
	int64_t nano_cpus;     /* 1e9 per CPU, 0 = unlimited */
	const char *restart;   /* "no", "always", "unless-stopped", "on-failure[:N]" or NULL */
	int tty;               /* allocate a TTY (raw log stream) */

	/* docker create's further options; 0, NULL or empty: the engine's default */
	const char *const *binds; size_t nbinds;   /* -v: "SRC:DST[:MODE]" or "DST" */
	const struct mount_spec *mounts; size_t nmounts;
	const char *const *tmpfs; size_t ntmpfs;   /* "PATH[:OPTIONS]" */
	const char *workdir;
	const char *entrypoint; /* one word, as docker's --entrypoint; "" clears the image's */
	const char *user;
	const char *hostname;
	const char *network;    /* NetworkMode: bridge, host, none, a network's name */
	const char *const *network_aliases; size_t naliases;
	int init;
	int read_only;          /* read-only root filesystem */
	const char *const *cap_add; size_t ncap_add;
	const char *const *cap_drop; size_t ncap_drop;
	const char *const *security_opt; size_t nsecurity_opt;
	const struct ulimit_spec *ulimits; size_t nulimits;
	const char *const *extra_hosts; size_t nextra_hosts; /* "HOST:IP" */
	const char *const *dns; size_t ndns;
	int64_t shm_size;       /* bytes */
	int64_t pids_limit;     /* -1: unlimited */
	int64_t memory_swap;    /* bytes, -1: unlimited */
	const char *cpuset_cpus;
	const char *stop_signal;
	int has_stop_timeout;
	int64_t stop_timeout;   /* seconds, when has_stop_timeout */
	const char *health_cmd; /* run by the container's shell (CMD-SHELL) */
	int no_healthcheck;     /* turn off the image's */
	int64_t health_interval_ns, health_timeout_ns, health_start_period_ns;
	int64_t health_retries;
};

/* container update: what changes; 0 or NULL leaves it as it is. */
struct container_update {
	int64_t memory;      /* bytes */
	int64_t memory_swap; /* bytes, -1: unlimited */
	int64_t nano_cpus;
	const char *restart; /* as container_spec's */
};

/* image import: where the rootfs goes and what it says. */
struct image_import_opts {
	const char *repo;    /* NULL: untagged */
	const char *tag;     /* NULL: latest when repo is set */
	const char *message;
	const char *const *changes; size_t nchanges; /* Dockerfile lines: "CMD [\"sh\"]" */
};

enum container_action {
	CONTAINER_START,
	CONTAINER_STOP,
	CONTAINER_RESTART,
	CONTAINER_PAUSE,
	CONTAINER_UNPAUSE,
};

struct list_filter {
	int all;                          /* include stopped containers */
	const char *const *filters; size_t nfilters; /* "label=K=V", "status=running", "name=x" */
};

struct logs_opts {
	int follow;
	int timestamps;
	const char *tail;   /* NULL = all, else a count or "all" */
};

/* Receives decoded log output: stream is 1 (stdout) or 2 (stderr).
 * Returns 0 to go on, -1 to stop the transfer (e.g. the pipe closed). */
typedef int (*backend_stream_fn)(void *ud, int stream, const char *buf, size_t len);
/* Receives raw bytes (image save); 0 to go on, -1 to stop. */
typedef int (*backend_sink_fn)(void *ud, const char *buf, size_t len);
/* Supplies raw bytes (image load): returns bytes put in buf, 0 at end,
 * (size_t)-1 on error. */
typedef size_t (*backend_source_fn)(void *ud, char *buf, size_t len);

/* One target of an image copy (image_copy below). */
struct image_copy_target {
	struct backend *b; /* in: a backend of the copying kind */
	int status;        /* out: 0 loaded, -1 failed (err) */
	struct berr err;
	json_t *loaded;    /* out: as image_load()'s (owned) */
	int64_t bytes;     /* out: bytes of the tarball it took */
	int by_source;     /* out: it failed because the source did (err is the
			    * source's): another source may still serve it */
};

struct backend;
struct fanout_job;  /* backends/fanout.h */
struct fanout_opts;

struct backend_ops {
	const char *kind; /* "docker", "pool", ... */

	/* Reachability, and engine facts for host listings. *info gets an
	 * object with at least "ServerVersion", "ApiVersion", "NCPU",
	 * "MemTotal", "OperatingSystem", "Containers", "Images". */
	int (*ping)(struct backend *b, struct berr *err);
	int (*info)(struct backend *b, json_t **info, struct berr *err);

	/* *id gets the new container's full ID (caller frees). Warnings the
	 * engine returned are ignored. */
	int (*container_create)(struct backend *b, const struct container_spec *spec,
				char **id, struct berr *err);
	int (*container_action)(struct backend *b, const char *ref,
				enum container_action action, struct berr *err);
	int (*container_delete)(struct backend *b, const char *ref, int force,
				struct berr *err);
	/* *list gets the engine's JSON array (GET /containers/json). */
	int (*container_list)(struct backend *b, const struct list_filter *filter,
			      json_t **list, struct berr *err);
	int (*container_inspect)(struct backend *b, const char *ref, json_t **obj,
				 struct berr *err);
	/* Decodes the multiplexed stream (or raw TTY stream) into fn. With
	 * follow it returns when the container stops, fn returns -1, or
	 * berth_interrupted is set (then 0: a Ctrl-C'd follow is success). */
	int (*container_logs)(struct backend *b, const char *ref, const struct logs_opts *opts,
			      backend_stream_fn fn, void *ud, struct berr *err);

	/* *list gets the engine's JSON array (GET /images/json). */
	int (*image_list)(struct backend *b, int all, json_t **list, struct berr *err);
	int (*image_inspect)(struct backend *b, const char *ref, json_t **obj, struct berr *err);
	/* *result gets the engine's array of {"Untagged"|"Deleted": ...}. */
	int (*image_delete)(struct backend *b, const char *ref, int force,
			    json_t **result, struct berr *err);
	/* Streams a tarball (plain or gzip, as docker save writes) into the
	 * engine. *loaded gets a JSON array of strings: the images the engine
	 * reported loading ("busybox:latest" or "sha256:..."). */
	int (*image_load)(struct backend *b, backend_source_fn src, void *ud,
			  json_t **loaded, struct berr *err);
	/* Streams the tarball of the named images out of the engine. */
	int (*image_save)(struct backend *b, const char *const *refs, size_t nrefs,
			  backend_sink_fn sink, void *ud, struct berr *err);
	int (*image_pull)(struct backend *b, const char *ref, struct berr *err);

	/* The container and image verbs after create (issue 13). */
	/* Sends signal ("SIGHUP", "9"; NULL: the engine's SIGKILL). */
	int (*container_kill)(struct backend *b, const char *ref, const char *signal,
			      struct berr *err);
	int (*container_rename)(struct backend *b, const char *ref, const char *name,
				struct berr *err);
	/* CONTAINER_STOP or CONTAINER_RESTART, waiting seconds before SIGKILL. */
	int (*container_stop_after)(struct backend *b, const char *ref,
				    enum container_action action, int64_t seconds, struct berr *err);
	/* *warnings (may be NULL) gets the engine's array of warnings. */
	int (*container_update)(struct backend *b, const char *ref, const struct container_update *u,
				json_t **warnings, struct berr *err);
	/* Deletes the stopped containers that match filters ("until=24h",
	 * "label=K=V"): *report gets the engine's {"ContainersDeleted": [...],
	 * "SpaceReclaimed": N}. */
	int (*container_prune)(struct backend *b, const char *const *filters, size_t nfilters,
			       json_t **report, struct berr *err);
	/* Names ref also target ("repo[:tag]"; no tag: latest). */
	int (*image_tag)(struct backend *b, const char *ref, const char *target, struct berr *err);
	/* *list gets the engine's array (GET /images/REF/history). */
	int (*image_history)(struct backend *b, const char *ref, json_t **list, struct berr *err);
	/* Deletes dangling images (all: every image no container uses) that
	 * match filters: *report gets {"ImagesDeleted": [...], "SpaceReclaimed": N}. */
	int (*image_prune)(struct backend *b, int all, const char *const *filters, size_t nfilters,
			   json_t **report, struct berr *err);
	/* A rootfs tarball (plain or compressed) from src as a new image: *id
	 * gets its ID (caller frees). */
	int (*image_import)(struct backend *b, backend_source_fn src, void *ud,
			    const struct image_import_opts *opts, char **id, struct berr *err);

	/*
	 * Optional: many jobs on backends of this kind at once
	 * (backends/fanout.h). fanout_run() hands a kind that has it all its
	 * jobs of one run in one call: jobs[] in the caller's array order,
	 * every job's b of this kind, its in fields set and its out fields
	 * cleared (status -1, err clear, reply and raw NULL). It sets each
	 * job's status, err, reply, raw and elapsed_ms as the matching
	 * synchronous op would, every job on its own (one host's failure is
	 * that host's jobs'), ends promptly on berth_interrupted (the
	 * unfinished jobs failing with BERR_INTERRUPTED), and returns how
	 * many failed. NULL: fanout_run() runs the jobs one by one through
	 * the synchronous ops above.
	 */
	size_t (*fanout)(struct fanout_job *const *jobs, size_t n, const struct fanout_opts *opts);

	/*
	 * Optional: an image between engines of this kind without a
	 * registry. One read, n uploads: the tarball of ref out of src, or
	 * (src NULL, ref unused) the bytes fn supplies (a `docker save | gzip`
	 * file), streamed into every target at once, never whole in memory.
	 * A target that fails drops out and the rest go on. Targets of
	 * another kind fail with BERR_USAGE. Ends promptly on
	 * berth_interrupted. Returns 0 when every target loaded, else -1 with
	 * err the source's failure (then every unfinished target carries it
	 * too, by_source set) or the first target's. Call it through
	 * backend_image_copy().
	 */
	int (*image_copy)(struct backend *src, const char *ref, backend_source_fn fn, void *ud,
			  struct image_copy_target *targets, size_t n, struct berr *err);

	void (*free)(struct backend *b);
};

struct backend {
	const struct backend_ops *ops;
	char *name; /* host name as the user knows it ("local") */
	char *url;  /* endpoint, for messages ("unix:///var/run/docker.sock") */
};

/* Release a backend of any kind (NULL is fine). */
void backend_free(struct backend *b);

/* image_copy of src's kind, or with src NULL of the first target's. A
 * kind without one fails every target with BERR_USAGE (by_source when
 * it is src's kind), and returns -1 with err that error. */
int backend_image_copy(struct backend *src, const char *ref, backend_source_fn fn, void *ud,
		       struct image_copy_target *targets, size_t n, struct berr *err);
/* Frees each target's loaded. */
void image_copy_targets_release(struct image_copy_target *targets, size_t n);

#endif
