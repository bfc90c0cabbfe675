/* spawn.h: hosts berth makes on a cloud (host spawn), deletes again (host
 * destroy) and squares with what the cloud holds (cloud reconcile).
 *
 * A spawn is crash-safe (issue 10; berth-store(5), hosts, cloud):
 *   1. the host's document is written first: a unique name reserved by
 *      the store's unique insert (PROFILE-N, the next free N), state
 *      "spawned", the cloud sub-document with the request, the intent ID
 *      (spawn_id), the deadline and phase "intent";
 *   2. every ID the cloud returns (security group, VM, floating address)
 *      is recorded the moment it is returned; every resource carries the
 *      tags berth-store, berth-host and berth-spawn from its create call;
 *   3. the VM is polled with backoff until it runs with an address (phase
 *      "running": url, tls_dir, tls_name set), within spawn_timeout;
 *   4. then its engine is pinged over mutual TLS, the server certificate
 *      checked against NAME.berth.internal, within engine_timeout: state
 *      "active", phase "engine";
 *   5. a failure, or Ctrl-C, deletes what was made (unless keep) and sets
 *      "removed" with the reason;
 *   6. a berth killed at any instant leaves tagged resources and a
 *      document naming them: cloud reconcile finds both.
 * Several spawns run at once, one thread each; the store, the fleet's
 * notices and the CA are used under one lock.
 *
 * Nothing here prints: results and notices (fleet_say) carry the lines.
 */
#ifndef BERTH_SPAWN_H
#define BERTH_SPAWN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "lib/berr.h"
#include "backends/pool/fleet.h"

struct cloud_profile;

/* The engine's TLS port on a spawned host (daemon.json's tcp://0.0.0.0:2376). */
#define SPAWN_ENGINE_PORT 2376
/* At most this many hosts in one host spawn. */
#define SPAWN_MAX_COUNT 100

/* The profile called name in the settings' clouds:, or with name NULL
 * default_cloud, else the only one. BERR_USAGE when there is none of that
 * name, none at all, or several and no default. Borrowed. */
const struct cloud_profile *spawn_profile(struct fleet *fl, const char *name, struct berr *err);

/* What host spawn asks for. Strings borrowed. */
struct spawn_opts {
	const struct cloud_profile *profile;
	const char *name;        /* NULL: PROFILE-N; with count > 1 NAME-N; N the next free */
	size_t count;            /* 1..SPAWN_MAX_COUNT */
	const char *flavor;      /* NULL: the profile's flavor (instance type) */
	const char *image;       /* NULL: the profile's image (AMI) */
	int64_t slots;           /* 0: the profile's, else derived from the engine's memory */
	int64_t timeout_ms;      /* the whole spawn of each host; 0: the profile's
				  * spawn_timeout + engine_timeout */
	int no_wait;             /* return once the VMs are created (phase created) */
	int keep_on_failure;     /* leave a failed spawn's resources in the cloud */
};

/* One host's spawn. */
struct spawn_result {
	char *name;          /* owned; NULL when no name could be reserved */
	char *vm_id;         /* owned; NULL */
	char *address;       /* owned; NULL */
	const char *state;   /* "active", "spawned" (no_wait), "removed" (failed, recorded),
			      * "failed" (not even the document was written) */
	int ok;              /* active, or created with no_wait */
	struct berr err;     /* why not */
	int left_behind;     /* resources may remain (kept, or their deletion failed):
			      * cloud reconcile --delete finds them */
	int64_t started_ms, running_ms, active_ms; /* when each was reached; 0 not */
};

/* Spawns o->count hosts at once, each in its own thread. *out gets one
 * result per host (spawn_results_release). -1 with err only when nothing
 * could be tried (no store, no store ID, the CA); a host that failed is a
 * result with ok 0. berth_interrupted stops every spawn and cleans up
 * (the interruption is still set on return). */
int spawn_hosts(struct fleet *fl, const struct spawn_opts *o, struct spawn_result **out,
		size_t *n, struct berr *err);
void spawn_results_release(struct spawn_result *r, size_t n);

/* host spawn --dry-run: what would be asked of the cloud, and the
 * user-data each VM would get (made with the store's CA, not kept),
 * without a write to the store or a call to the cloud:
 *   { Cloud, Driver, Region, SecurityGroup { Name, Rules, Tags },
 *     Hosts [ { Name, TlsName, VM { Name, Flavor, Image, Network, KeyName,
 *               SecurityGroup, ClientToken, Tags }, Address, UserData } ] }
 * New reference in *plan. */
int spawn_plan(struct fleet *fl, const struct spawn_opts *o, json_t **plan, struct berr *err);

/* What host destroy did to one host. */
struct destroy_result {
	char *name;      /* owned */
	char *vm_id;     /* owned; NULL when the document named none */
	int ok;
	struct berr err; /* why not: BERR_CONFLICT containers are there (no force) */
};

/* Deletes the VMs of spawned hosts names[0..n) at once: refuses a host
 * with containers unless force; deletes its floating address and VM,
 * waits until the cloud says it is gone, deletes the security group when
 * no other host of berth's uses it (in use: left), forgets its cached
 * rows and client certificates, and sets "removed" ("host destroy").
 * An unknown name is -1 with BERR_USAGE before anything is done; a host
 * berth did not spawn is a result with BERR_USAGE. */
int spawn_destroy(struct fleet *fl, const char *const *names, size_t n, int force,
		  struct destroy_result **out, size_t *nout, struct berr *err);
void destroy_results_release(struct destroy_result *r, size_t n);

/* One difference cloud reconcile found between a cloud and the store. */
enum reconcile_kind {
	RECONCILE_VM_ORPHAN,      /* a VM of berth's with no document */
	RECONCILE_VM_REMOVED,     /* a VM whose document says removed */
	RECONCILE_VM_GONE,        /* a document whose VM the cloud no longer has */
	RECONCILE_STALLED,        /* a spawn that stopped half-way (past its deadline,
				   * or its berth is gone) */
	RECONCILE_ADOPTED,        /* a stopped spawn whose engine answers: now active */
	RECONCILE_SECGROUP_UNUSED,/* a security group of berth's that nothing uses */
	RECONCILE_ADDRESS_UNUSED, /* a floating address of berth's that nothing uses */
};

struct reconcile_item {
	enum reconcile_kind kind;
	char *cloud;     /* owned: the profile */
	char *id;        /* owned: the cloud's ID, or NULL */
	char *host;      /* owned: the host name, or NULL */
	char *line;      /* owned: the difference in one line */
	int deleted;     /* with delete: it was deleted (or the document settled) */
	struct berr err; /* with delete: why it could not be */
};

/* Compares each cloud profile (only cloud when not NULL) with the hosts
 * collection; with del, deletes the orphans (VMs, groups, addresses) and
 * settles the documents (removed with the reason); either way adopts the
 * stopped spawns whose engine answers. *out (reconcile_items_release)
 * gets the differences; a cloud that cannot be asked is one item-less
 * entry in *failed (owned, "lab-os: ...", NULL when none failed). -1 with
 * err when nothing could be compared (no store, unknown cloud). */
int spawn_reconcile(struct fleet *fl, const char *cloud, int del, struct reconcile_item **out,
		    size_t *n, char **failed, struct berr *err);
void reconcile_items_release(struct reconcile_item *v, size_t n);
/* "orphan VM", "stalled spawn", ...: a kind's words for --json. */
const char *reconcile_kind_name(enum reconcile_kind k);

#endif
