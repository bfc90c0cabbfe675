/* spawn_internal.h: what spawn.c, destroy.c and reconcile.c share: one
 * cloud profile's context under a lock, a spawned host's cloud state as
 * its document records it, and the deletion of what berth made for it. */
#ifndef BERTH_SPAWN_INTERNAL_H
#define BERTH_SPAWN_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <bson/bson.h>
#include <jansson.h>
#include "lib/berr.h"
#include "backends/cloud/cloud.h"
#include "backends/pool/fleet.h"

/* One profile's work. The fleet (its store, its notices) and the CA are
 * used by one thread at a time: under lock. */
struct spawn_ctx {
	struct fleet *fl;
	const struct cloud_profile *p;
	pthread_mutex_t lock;
	char *store_id;        /* owned: fleet_store_id() */
	struct cloud_net net;
	/* owned, NULL until sp_cloud(): the driver of the thread that runs
	 * the command (never used by the spawn threads); each thread's own
	 * driver (sp_open_cloud) takes its login from it */
	struct cloud *primary;
};

/* ctx for p: the store's ID (made on first use). -1 with err. */
int sp_ctx_init(struct spawn_ctx *ctx, struct fleet *fl, const struct cloud_profile *p,
		struct berr *err);
void sp_ctx_release(struct spawn_ctx *ctx);
/* The primary driver (borrowed, ctx's), opened on first use: only from
 * the thread that runs the command, outside sp_run(). */
int sp_cloud(struct spawn_ctx *ctx, struct cloud **c, struct berr *err);
void sp_lock(struct spawn_ctx *ctx);
void sp_unlock(struct spawn_ctx *ctx);

/* A spawned host's cloud state: its document's cloud sub-document, with
 * owned strings (host_doc_cloud). */
struct sp_host {
	char *name;
	char *state;           /* the document's state when read from one */
	char *url;             /* the document's url, or NULL */
	char *profile, *driver, *spawn_id, *vm_id, *secgroup_id, *address_id, *address;
	char *flavor, *image, *network;
	const char *phase;     /* static: HOST_DOC_PHASE_* */
	int64_t deadline;
	char *machine;
	int64_t pid;
};
void sp_host_release(struct sp_host *h);
/* h from a hosts document (0), or -1 when it has no cloud sub-document. */
int sp_host_from_doc(const bson_t *doc, struct sp_host *h);
/* *s = a copy of v (NULL stays NULL), the old value freed. */
void sp_set(char **s, const char *v);

/* Writes h's cloud sub-document, plus more's fields ($set), to its
 * document; under the lock. -1 with err. */
int sp_record(struct spawn_ctx *ctx, const struct sp_host *h, const bson_t *more,
	      struct berr *err);
/* A transition of h's document (state, reason, history) with its cloud
 * sub-document and extra's fields; under the lock. */
int sp_transition(struct spawn_ctx *ctx, const struct sp_host *h, const char *state,
		  const char *reason, const bson_t *extra, struct berr *err);
/* The same, and with info (may be NULL) the engine's answer recorded as
 * pool_record_answer() does, in the same write of the hosts collection. */
int sp_transition_answered(struct spawn_ctx *ctx, const struct sp_host *h, const char *state,
			   const char *reason, const bson_t *extra, const json_t *info,
			   struct berr *err);

/* The tags of what is made for h: berth-store, and with h berth-host and
 * berth-spawn. Borrowed from ctx and h. Returns how many (1 or 3). */
size_t sp_tags(const struct spawn_ctx *ctx, const struct sp_host *h, struct cloud_tag t[3]);

/* A driver for ctx's profile (each thread its own). */
int sp_open_cloud(struct spawn_ctx *ctx, struct cloud **c, struct berr *err);

/* Sleeps ms, in short steps: 1 when berth_interrupted ended it early. */
int sp_sleep(int64_t ms);
/* Runs fn(base + i * size) for i in [0, n), each in a thread of its own
 * (inline when n is 1 or a thread cannot be made), and waits for all. */
void sp_run(size_t n, void *(*fn)(void *), void *base, size_t size);

/* One poll of the cloud for every VM of a spawn run (spawn_poll.c): each
 * round one cloud_vm_get_many() for all the VMs waited for, made by
 * whichever waiting thread finds it due, with that thread's driver. */
struct sp_poll_slot;
struct sp_poll {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sp_poll_slot *slot; /* owned: one per host of the run */
	size_t n;
	int busy;          /* a round is under way */
	int64_t next_ms;   /* the next round, not before */
	int64_t step;      /* the pause between rounds, backing off */
};
void sp_poll_init(struct sp_poll *p, size_t n);
void sp_poll_release(struct sp_poll *p);
/* The next answer about VM vm_id (host i of the run) from a round that
 * asked for it, made with c (the caller's own driver) when it falls to
 * the caller: 0 with *vm (owned; its id NULL when the cloud did not know
 * it), -1 with err: the round failed, berth was interrupted
 * (BERR_INTERRUPTED) or deadline passed (BERR_TIMEOUT). */
int sp_poll_next(struct sp_poll *p, size_t i, const char *vm_id, struct cloud *c,
		 int64_t deadline, struct cloud_vm *vm, struct berr *err);
/* Host i waits no more: its VM is left out of the rounds. */
void sp_poll_leave(struct sp_poll *p, size_t i);

/* The engine client of host name, over the endpoint its document records
 * (url, tls_dir, tls_name), each call within the connect timeout. Owned
 * (backend_free). NULL with err. */
struct backend;
struct backend *sp_backend(struct spawn_ctx *ctx, const char *name, struct berr *err);
/* Pings the engine of host name over the endpoint its document records
 * (url, tls_dir, tls_name), within the connect timeout; with info also
 * GET /info (*info new reference, NULL on failure of that call). 0 when it
 * answered. */
int sp_ping(struct spawn_ctx *ctx, const char *name, json_t **info, struct berr *err);

/* Deletes what berth made for h in c: its floating address, its VMs (the
 * one recorded and any tagged with its spawn ID: a berth killed right
 * after the create call had no time to record it), waits up to wait_ms
 * until the cloud says they are gone, then its security group when no
 * other host's document uses it (still in use: left, no error). Each step
 * may run again. 0 when all is gone, -1 with err (an interruption
 * included). */
int sp_teardown(struct spawn_ctx *ctx, struct cloud *c, struct sp_host *h, int64_t wait_ms,
		struct berr *err);
/* Until every VM in ids[0..n) is gone (each freed and set NULL as it
 * goes), or wait_ms: BERR_TIMEOUT. */
int sp_wait_gone(struct cloud *c, char **ids, size_t n, int64_t wait_ms, struct berr *err);
/* Is the berth that wrote h's spawn gone (this machine, no such process)? */
int sp_spawner_gone(const struct sp_host *h);
/* Deletes a security group of berth's when no live document (state not
 * removed) other than except's uses it; BERR_CONFLICT from the cloud is
 * success (in use). *deleted (may be NULL) 1 when it was. */
int sp_secgroup_release(struct spawn_ctx *ctx, struct cloud *c, const char *id,
			const char *except, int *deleted, struct berr *err);

/* Every hosts document with a cloud sub-document of profile (NULL: all),
 * into *v (owned; sp_hosts_release). Under the lock. */
int sp_hosts_of(struct spawn_ctx *ctx, const char *profile, struct sp_host **v, size_t *n,
		struct berr *err);
void sp_hosts_release(struct sp_host *v, size_t n);

/* The xdg data dir's berth/hosts/NAME: the client certificates. Caller frees. */
char *sp_client_dir(const char *name);
/* rm -r of it (the client key goes with the host). */
void sp_client_dir_remove(const char *name);

#endif
