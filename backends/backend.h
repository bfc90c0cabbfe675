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
	int open_stdin;        /* keep stdin open for an attach (-i): OpenStdin, StdinOnce */
	int auto_remove;       /* the engine deletes it when it exits (--rm, detached) */

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

/* A command run in a running container (exec_create below). */
struct exec_spec {
	const char *const *cmd; size_t ncmd;     /* at least one word */
	const char *const *env; size_t nenv;     /* "K=V" */
	const char *user;        /* NULL: the container's */
	const char *workdir;     /* NULL: the container's */
	const char *detach_keys; /* NULL: the engine's (ctrl-p,ctrl-q) */
	int tty;                 /* a pseudo-terminal: one raw stream */
	int stdin_open;          /* stdin is attached */
	int detach;              /* nothing attached: started and left running */
	int privileged;
};

struct attach_opts {
	int tty;                 /* the container has a TTY: the stream is raw */
	int stdin_open;          /* attach stdin too */
	const char *detach_keys; /* NULL: the engine's */
};

/*
 * The connection of an attach or exec, taken over from HTTP: the
 * process's output comes out of read() (stream 1 or 2, decoded; all 1
 * with a TTY), its input goes into write(). Non-blocking: the caller
 * polls fd() (POLLIN to read, POLLOUT when write() took nothing).
 */
struct backend_stream;
#define BACKEND_STREAM_EOF 0   /* the engine ended the output */
#define BACKEND_STREAM_DATA 1  /* fn got bytes (or a part of a frame arrived) */
#define BACKEND_STREAM_AGAIN 2 /* nothing there now: poll */
struct backend_stream_ops {
	int (*fd)(struct backend_stream *s);
	/* One read: BACKEND_STREAM_*, or -1 with err (the connection broke,
	 * the stream is malformed, fn returned -1). Call again until AGAIN
	 * before polling: bytes decrypted ahead do not wake poll(). */
	int (*read)(struct backend_stream *s, backend_stream_fn fn, void *ud, struct berr *err);
	/* Bytes taken (0: none now), or -1 with err. */
	long (*write)(struct backend_stream *s, const char *buf, size_t len, struct berr *err);
	/* No more input: the process's stdin gets EOF (half-close). */
	int (*close_write)(struct backend_stream *s, struct berr *err);
	void (*free)(struct backend_stream *s);
};
struct backend_stream {
	const struct backend_stream_ops *ops;
};

/* What the engine says of a path in a container (the archive API's
 * X-Docker-Container-Path-Stat): archive_stat, archive_get. */
struct archive_stat {
	char *name;        /* owned: the base name */
	int64_t size;
	uint32_t mode;     /* st_mode as Go writes it: see backends/docker/docker_archive.c */
	int is_dir;
	int is_link;
	char *link_target; /* owned, "" when none */
};
void archive_stat_release(struct archive_stat *st);

/* Engine events (events, cache watch): what backend_events() hands fn. */
enum backend_event_kind {
	BACKEND_EVENT_MESSAGE,   /* one event of the engine: msg */
	BACKEND_EVENT_CONNECTED, /* the host's stream is open (again) */
	BACKEND_EVENT_LOST,      /* it dropped (err); retried in retry_ms */
	BACKEND_EVENT_FAILED,    /* it cannot be had (err: the engine refused the
				  * request); not retried */
	BACKEND_EVENT_ENDED,     /* --until was reached */
};

struct backend_event {
	enum backend_event_kind kind;
	size_t host;            /* index into the backends given */
	const json_t *msg;      /* MESSAGE: the engine's object (borrowed) */
	const struct berr *err; /* LOST, FAILED */
	long retry_ms;          /* LOST */
};

/* 0 to go on, -1 to end the whole watch (then backend_events returns 0). */
typedef int (*backend_event_fn)(void *ud, const struct backend_event *ev);

struct event_opts {
	const char *since;   /* engine time ("1733390000" or "1733390000.5"), or NULL */
	const char *until;   /* the same; NULL: follow until stopped */
	const char *const *filters; size_t nfilters; /* "type=container", "event=die" */
	long retry_first_ms; /* reconnect backoff: first wait (0: 250 ms), */
	long retry_max_ms;   /* doubling up to this (0: 10 s) */
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

	/*
	 * Optional (NULL: the kind cannot): commands in containers, attach,
	 * resize, wait. exec_create's *exec_id is the caller's. exec_start
	 * with detach starts it and returns (*s NULL); else *s gets the
	 * process's connection (free it with s->ops->free). exec_inspect's
	 * *obj is the engine's ("Running", "ExitCode"). The resizes set the
	 * TTY's size. container_wait waits until the container is not
	 * running (no time limit; a quiet engine is pinged) and gives its
	 * exit code.
	 */
	int (*exec_create)(struct backend *b, const char *ref, const struct exec_spec *spec,
			   char **exec_id, struct berr *err);
	int (*exec_start)(struct backend *b, const char *exec_id, int tty, int detach,
			  struct backend_stream **s, struct berr *err);
	int (*exec_inspect)(struct backend *b, const char *exec_id, json_t **obj, struct berr *err);
	int (*exec_resize)(struct backend *b, const char *exec_id, int rows, int cols,
			   struct berr *err);
	int (*container_attach)(struct backend *b, const char *ref, const struct attach_opts *opts,
				struct backend_stream **s, struct berr *err);
	int (*container_resize)(struct backend *b, const char *ref, int rows, int cols,
				struct berr *err);
	int (*container_wait)(struct backend *b, const char *ref, int64_t *code, struct berr *err);
	/* GET /containers/{ref}/top: *out gets {"Titles": [...], "Processes": [[...]]}.
	 * ps_args NULL: the engine's default. */
	int (*container_top)(struct backend *b, const char *ref, const char *ps_args,
			     json_t **out, struct berr *err);
	/* One sample of GET /containers/{ref}/stats (stream=0, one-shot). */
	int (*container_stats)(struct backend *b, const char *ref, json_t **out,
			       struct berr *err);
	/* The archive API. stat: what path is (BERR_NOT_FOUND when nothing).
	 * get: the tar of path streamed into sink (st, may be NULL, gets its
	 * stat first). put: the tar src supplies extracted into the
	 * directory path (it must exist); no_overwrite_dir: a directory may
	 * not replace a file nor a file a directory. */
	int (*archive_stat)(struct backend *b, const char *ref, const char *path,
			    struct archive_stat *st, struct berr *err);
	int (*archive_get)(struct backend *b, const char *ref, const char *path,
			   backend_sink_fn sink, void *ud, struct berr *err);
	int (*archive_put)(struct backend *b, const char *ref, const char *path,
			   int no_overwrite_dir, backend_source_fn src, void *ud,
			   struct berr *err);
	/*
	 * Optional: the event streams of bs[0..n) (all of this kind) at once,
	 * each into fn as it comes (see struct backend_event), until every
	 * stream ended (opts->until), fn returned -1, or berth_interrupted
	 * (then 0: Ctrl-C is how a watch ends). A stream that drops is
	 * retried with backoff, from its last event on. -1 with err only
	 * when nothing could be set up. Call it through backend_events().
	 */
	int (*events)(struct backend *const *bs, size_t n, const struct event_opts *opts,
		      backend_event_fn fn, void *ud, struct berr *err);

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
/* The events op of bs' kind (they must all be of one kind; BERR_USAGE
 * otherwise, or when the kind has none). */
int backend_events(struct backend *const *bs, size_t n, const struct event_opts *opts,
		   backend_event_fn fn, void *ud, struct berr *err);

/* Frees each target's loaded. */
void image_copy_targets_release(struct image_copy_target *targets, size_t n);

#endif
