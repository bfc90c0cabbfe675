/* pool.h: the hosts a command acts on, and what each request taught us
 * about them.
 *
 * berth treats its hosts as one pool. A command's targets are:
 *   - the hosts named by --host NAME (repeatable; every CMD_F_ENGINE
 *     command has it), whatever their state: the user asked for them;
 *   - else the pinned host (-H NAME on berth's command line, or
 *     `host use NAME` in a session);
 *   - else the pool: every known host (configuration and store) whose
 *     state is "active". A configured host without a store document
 *     counts as active. "spawned" hosts (registered, never answered) join
 *     when a probe (host add, host probe, housekeeping) or a request
 *     named with --host gets an answer; "inactive" ones when a probe
 *     does; "removed" ones never.
 * `host use --pool` (and a session started without -H and without
 * default_host in the configuration) is pool mode.
 *
 * Host states and error counting (berth-store(5), hosts collection; the
 * document is built and read in backends/pool/host_doc.c):
 *   state          spawned | active | inactive | removed
 *   state_changed  date of the last transition
 *   state_reason   why ("host add", "3 consecutive errors: <last error>",
 *                  "host deactivate", "probe answered", ...)
 *   history        the last 20 transitions, [{state, at, reason}]
 *   errors         consecutive failed requests
 *   last_error     the last one's message
 *   drained        true: no new containers are placed on it (host drain);
 *                  host activate clears it
 *   slots          the host's capacity set by hand, or null (derived:
 *                  engine memory / config pool.slot_memory)
 *   next_probe     date before which housekeeping does not probe it again
 *                  (backoff: 30 s, doubling to 1 h; reset on success)
 */
#ifndef BERTH_POOL_H
#define BERTH_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>
#include <jansson.h>
#include "lib/berr.h"
#include "backends/pool/fleet.h"

struct backend;

struct pool_host {
	char *name;        /* owned */
	struct backend *b; /* borrowed from the fleet (fleet_backend_ref); NULL when the
			    * host's client could not be set up: err says why */
	char *state;       /* owned: "active", "spawned", "inactive", "removed" */
	int drained;
	int64_t slots;     /* set by hand; 0 = derive from the engine's memory */
	int64_t created_ms;/* the host document's creation (ObjectId time or
			    * "added"), for least-loaded's ties; 0 unknown */
	bson_t *doc;       /* owned; the store's document, NULL when none */
	char *engine_id;   /* owned: the engine's ID (its document's engine.id, or
			    * learnt by pool_targets), NULL when not known */
	struct berr err;   /* why b is NULL */
	/* kind BERR_NONE, or why the engine gave no answer (no connection, a
	 * timeout, TLS, a garbled reply) when pool_targets asked it for its
	 * ID: listings report this rather than ask it again, so that such a
	 * host costs a command one timeout, not two */
	struct berr unanswered;
};

struct pool_targets {
	struct pool_host *v; /* owned */
	size_t n;
	int explicit_hosts;  /* they came from --host or the pinned host */
	char *dropped;       /* owned; in pool mode, the known hosts left out and
			      * why, for "no host can ..." messages: "lab is
			      * inactive (3 consecutive errors: ...), web1 is
			      * drained"; NULL when none was */
};

/* pool_targets flags */
#define POOL_PLACEMENT 0x1 /* candidates for new containers: drop drained and
			    * non-active hosts even when named (named ones
			    * that are dropped make an error saying why) */
#define POOL_STORE_ONLY 0x2 /* ask no engine (--cached): twins are known by
			     * the IDs the store recorded */

/* What a command's words ask for: the --host values, else the pinned
 * host, else (neither) the pool. Strings borrowed. */
struct pool_want {
	const char *const *hosts; /* --host NAME values, in the order given */
	size_t nhosts;
	const char *pinned;       /* -H NAME or `host use NAME`; NULL: pool mode */
};

/*
 * The hosts a command acts on (see above), in the order hosts_list()
 * gives (configuration first, then the store's by name). Returns 0 with
 * out filled (n may be 0 only in pool mode when no host is active:
 * pool_no_host() says so), or -1 with err: BERR_USAGE for an unknown
 * --host name, the store's trouble when it cannot be read and a name is
 * not configured, BERR_NOT_FOUND for a pinned host that is gone,
 * BERR_CONFLICT for a named host placement cannot use (POOL_PLACEMENT).
 * --host names keep the order they were given in, each once.
 *
 * One engine is never a target twice: of several targets, those whose
 * documents record no engine ID are asked for GET /info first (one
 * fan-out, each within the connect timeout; answers recorded by
 * pool_record_answer(); not with POOL_STORE_ONLY), and a host whose
 * engine is an earlier target's is left out with a warning ("twin is
 * the same engine as local (ID ...): skipped"). Two hosts can be one
 * engine when the configuration names it twice, or their documents date
 * from before the ID was recorded; hosts_register() refuses the rest.
 */
int pool_targets(struct fleet *fl, const struct pool_want *want, unsigned flags,
		 struct pool_targets *out, struct berr *err);
/* "no active host in the pool (lab is inactive ...): ..." into err; -1. */
int pool_no_host(const struct pool_targets *t, struct berr *err);
void pool_targets_release(struct pool_targets *t);
/* Takes ref over (released here) into a new target at the end of t: its
 * client (fleet_backend_ref) and its document's state, drain, slots. */
struct host_ref;
void pool_targets_push(struct fleet *fl, struct pool_targets *t, struct host_ref *ref);

/*
 * The one host a single-host command (image load, image pull, ...) acts
 * on: the only target. More than one: NULL with BERR_USAGE "this command
 * acts on one host and the pool has 3 (local, lab, web1): add --host NAME
 * or run 'host use NAME'"; none: pool_no_host()'s error. Borrowed backend.
 */
struct backend *pool_single(struct fleet *fl, const struct pool_want *want, struct berr *err);

/*
 * What one request to host taught us. err NULL: it answered (errors = 0,
 * last_seen = now, spawned -> active). Otherwise errors + 1 and
 * last_error = err->msg; an active host reaching config
 * pool.error_threshold (default 3) consecutive errors turns inactive with
 * reason "N consecutive errors: MSG" (auto_inactive: housekeeping probes
 * it). Interrupted requests (BERR_INTERRUPTED), usage errors and local
 * ones (BERR_LOCAL) teach nothing; an engine's own error answer
 * (BERR_ENGINE, BERR_NOT_FOUND, BERR_CONFLICT) counts as an answer.
 * Returns 1 when the state changed (spawned -> active silently; active ->
 * inactive with a warning line "berth: warning: lab is now inactive: ..."),
 * 0 when not, -1 after fleet_cache_warn() (store trouble).
 */
int pool_record(struct fleet *fl, const char *host, const struct berr *err);

/* Many records in one write: between pool_records_begin() and
 * pool_records_end() the hosts collection is held in memory (a store
 * batch: on the file store one rewrite at the end, not one per host).
 * begin returns whether a batch was opened (a store that cannot batch, or
 * cannot be read now, records each call as it comes); end takes that. No
 * engine may be waited for in between: other processes wait for the
 * collection meanwhile. */
int pool_records_begin(struct fleet *fl);
void pool_records_end(struct fleet *fl, int opened);

/* A transition by hand or by a probe: state and reason recorded with the
 * time and appended to history. "active" also resets errors and the probe
 * backoff; "inactive" this way is by hand (auto_inactive false:
 * housekeeping leaves it alone). An unknown host is BERR_NOT_FOUND. 0, or
 * -1 with err. */
int pool_set_state(struct fleet *fl, const char *host, const char *state, const char *reason,
		   struct berr *err);

/* Sets fields ($set) of host's document: drained, slots, ... A configured
 * host without one gets it; an unknown host is BERR_NOT_FOUND, an ad-hoc
 * URL host BERR_USAGE. 0, or -1 with err. */
int pool_set_fields(struct fleet *fl, const char *host, const bson_t *fields, struct berr *err);

/* A state's name is one of the four. */
int pool_valid_state(const char *state);
/* A host document's state; "active" for none (a configured host never
 * recorded) or one without a state. Borrowed. */
const char *pool_host_state(const bson_t *doc);

/* The engine of host answered (info: its GET /info to record as the
 * document's engine facts, or NULL): last_seen = now, errors = 0,
 * spawned -> active ("engine answered"); an inactive host stays inactive
 * (a probe brings it back). A configured host gets a document on first
 * sight; a registered one removed meanwhile is not brought back. 1 when
 * the state changed, 0 when not, -1 after fleet_cache_warn(). */
int pool_record_answer(struct fleet *fl, const char *host, const json_t *info);

/* The transition under pool_set_state and the probes: state, reason, the
 * time and a history entry, plus extra's fields ($set) in the same write.
 * before: host's document as read (NULL: read here). 0, or -1 with err. */
int pool_transition(struct fleet *fl, const char *host, const bson_t *before, const char *state,
		    const char *reason, const bson_t *extra, struct berr *err);

/* A configured host's document was recorded for the engine at was, and
 * the configuration (or DOCKER_HOST) now names url: its state and errors
 * were another engine's. Records the new URL, clears errors and engine
 * facts, and makes it active ("its URL changed (was ...)"). 0, or -1
 * after fleet_cache_warn(). */
int pool_host_moved(struct fleet *fl, const char *host, const char *url, const char *tls_dir,
		    const char *was);

/* GET /info of the engines of refs[0..n) in one fan-out, each within the
 * connect timeout (as a probe: a stopped engine costs no more). infos[i]
 * gets refs[i]'s answer (a new reference), or NULL when it gave none.
 * Nothing is recorded: the caller knows whose the answers are. */
void pool_ask_info(struct fleet *fl, const struct host_ref *refs, size_t n, json_t **infos);

/* Probe backoff of an inactive or spawned host: the first wait, doubling
 * after each unanswered probe up to the last. */
#define POOL_PROBE_FIRST_MS (30 * 1000)
#define POOL_PROBE_MAX_MS (60 * 60 * 1000)

/* What one probe found. */
struct pool_probe_result {
	char *host;          /* owned */
	char *before;        /* owned: the state before the probe */
	char *after;         /* owned: after it (== before: no change) */
	char *reason;        /* owned: the transition's reason, or NULL */
	int answered;
	struct berr err;     /* why not, when !answered */
	long elapsed_ms;
	int64_t next_probe_ms; /* unanswered spawned/inactive host: when the
				* next unnamed probe will try it; 0 otherwise */
};

#define POOL_PROBE_DRY_RUN 0x1 /* ping, record nothing: what would change */
#define POOL_PROBE_ADDED   0x2 /* host add's probe: reason "host add: engine answered" */

/*
 * GET /_ping, all at once (backends/fanout.h; each within the connect
 * timeout), on names[0..n) whatever
 * their state, or with n 0 on every host due for one: spawned hosts and
 * those that went inactive by themselves (auto_inactive), once their
 * next_probe has come. An answer makes a spawned or inactive host active
 * ("probe answered"); no answer pushes its next_probe back (30 s, doubling
 * to 1 h). A probed active host is recorded as by pool_record(). Removed
 * hosts never change. Prints nothing but pool_record()'s warnings; *out
 * (pool_probe_results_release) gets one result per host probed. Returns
 * 0, or -1 with err for an unknown name (fleet_unknown_host()).
 */
int pool_probe(struct fleet *fl, const char *const *names, size_t n, unsigned flags,
	       struct pool_probe_result **out, size_t *nout, struct berr *err);
void pool_probe_results_release(struct pool_probe_result *r, size_t n);

#endif
