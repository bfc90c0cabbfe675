/* host_doc.h: the hosts collection's document (berth-store(5)), the one
 * place that knows its field names and its BSON shape. The rest of the
 * fleet, the commands and the shell build their writes with these
 * functions and read a document through struct host_doc.
 *
 *   { name, url, tls_dir, [tls_name,] insecure, state, state_changed, state_reason,
 *     errors, last_error, last_seen, engine { id, version, api_version,
 *     ncpu, memory, os }, added,
 *     and as they are first set: history [ { state, at, reason } ],
 *     last_error_at, auto_inactive, next_probe, probe_backoff, drained,
 *     slots, configured, last_placed, last_busy }
 *
 * Dates are BSON datetimes (milliseconds since the epoch, UTC). engine.id
 * is the engine's own ID (GET /info's "ID"): two hosts whose documents
 * record the same one are one engine (hosts_register refuses the second,
 * pool_targets leaves it out).
 *
 * Writes are store_modify() updates on host_doc_selector(). The update of
 * a host that the configuration names (hc below; NULL for a registered
 * host) carries a $setOnInsert that makes its first document, marked
 * "configured" so that it never makes the host a registered one should
 * the configuration drop it. Every builder initialises the bson_t it is
 * given; the caller destroys it.
 */
#ifndef BERTH_HOST_DOC_H
#define BERTH_HOST_DOC_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>
#include <jansson.h>
#include "lib/berr.h"

struct host_settings;

/* The history keeps this many transitions, the oldest dropped first. */
#define HOST_DOC_HISTORY_MAX 20

/* The unique key, for queries built elsewhere (completion's prefix range). */
#define HOST_DOC_KEY_NAME "name"

/* --- a new document ------------------------------------------------------ */

/* A spawned host's cloud sub-document (host spawn, berth-store(5)): what
 * berth asked the cloud for and every ID the cloud returned, recorded the
 * moment it returned it. Strings borrowed; NULL fields are stored null. */
struct host_doc_cloud {
	const char *profile;     /* the clouds: profile ("lab-os") */
	const char *driver;      /* "openstack", "ec2" */
	const char *spawn_id;    /* the intent ID: tag berth-spawn, EC2 ClientToken */
	const char *vm_id;
	const char *secgroup_id;
	const char *address_id;  /* floating IP berth allocated */
	const char *address;     /* where the engine is reached */
	const char *flavor;      /* request { flavor, image, network } */
	const char *image;
	const char *network;
	const char *phase;       /* HOST_DOC_PHASE_* */
	int64_t deadline_ms;     /* when the spawn gives up */
	const char *machine;     /* the spawning berth: its machine and pid, so */
	int64_t pid;             /* that reconcile knows a dead one at once */
};
/* The phases of a spawn, in order: the document is written, nothing made
 * yet; the cloud returned the VM's ID; the VM runs with an address (the
 * engine is awaited); the engine answered. */
#define HOST_DOC_PHASE_INTENT  "intent"
#define HOST_DOC_PHASE_CREATED "created"
#define HOST_DOC_PHASE_RUNNING "running"
#define HOST_DOC_PHASE_ENGINE  "engine"

/* A host to record (host add, host import-contexts). Strings borrowed. */
struct host_doc_new {
	const char *name;
	const char *url;
	const char *tls_dir;      /* NULL: no TLS */
	const char *tls_name;     /* the name its server certificate holds, pinned to the
				   * URL's address (docker_endpoint.tls_name); NULL: none,
				   * and no field */
	int insecure;
	const char *state;        /* NULL: "active" */
	const char *state_reason; /* may be NULL */
	int64_t added_ms;         /* when it was registered; 0: no "added" field */
	const struct host_doc_cloud *cloud; /* host spawn: its cloud sub-document; then
				   * url may be NULL (stored null) until the VM
				   * has an address */
};
/* h's document, appended to out (initialised by the caller, destroyed by
 * it also on failure). info: the engine's GET /info (with "ApiVersion"
 * when the backend added it), or NULL when the engine was not asked: then
 * engine and last_seen are null. A host without a name, or without a URL
 * and a cloud, is BERR_USAGE. */
int host_doc_build(bson_t *out, const struct host_doc_new *h, const json_t *info,
		   int64_t now_ms, struct berr *err);

/* --- queries ------------------------------------------------------------- */

/* { name: name } */
void host_doc_selector(bson_t *sel, const char *name);
/* { name: 1 }: the sort of a listing by name. */
void host_doc_sort_by_name(bson_t *sort);

/* --- updates ------------------------------------------------------------- */

/* A transition: $set { state, state_changed, state_reason, history (before's
 * with { state, at: now, reason } appended, capped at HOST_DOC_HISTORY_MAX),
 * then extra's fields }. before may be NULL (no history yet); extra may be
 * NULL. */
void host_doc_update_transition(bson_t *update, const bson_t *before, const char *state,
				const char *reason, const bson_t *extra, int64_t now_ms,
				const struct host_settings *hc);
/* Fields set by hand (host drain, host slots, ...): $set { fields }. */
void host_doc_update_fields(bson_t *update, const bson_t *fields, int64_t now_ms,
			    const struct host_settings *hc);
/* The engine answered: $set { last_seen: now, errors: 0, last_error: null,
 * and with info the engine facts }. */
void host_doc_update_answer(bson_t *update, const json_t *info, int64_t now_ms,
			    const struct host_settings *hc);
/* A request failed with msg: $inc { errors: 1 }, $set { last_error: msg,
 * last_error_at: now }. */
void host_doc_update_error(bson_t *update, const char *msg, int64_t now_ms,
			   const struct host_settings *hc);
/* A probe got no answer: $set { next_probe, probe_backoff (ms), last_error:
 * msg, last_error_at: now }, $inc { errors: 1 }. */
void host_doc_update_backoff(bson_t *update, int64_t next_probe_ms, int64_t backoff_ms,
			     const char *msg, int64_t now_ms);
/* A configured host's URL changed: $set { url, tls_dir, the errors and the
 * probe schedule cleared, engine and last_seen null }. */
void host_doc_update_moved(bson_t *update, const char *url, const char *tls_dir);
/* Placement gave it a container at when_ms: $set { last_placed }. */
void host_doc_update_placed(bson_t *update, int64_t when_ms);

/* The fields a transition sets beside the state (extra above) and the
 * fields set by hand: each appends to f (initialised by the caller), in
 * the order called. */
void host_doc_set_drained(bson_t *f, int drained);
/* last_busy: when_ms, the last time the host was seen holding a container
 * (housekeeping; autoscale's idle time counts from it) */
void host_doc_set_busy(bson_t *f, int64_t when_ms);
/* slots <= 0: null (derived from the engine's memory) */
void host_doc_set_slots(bson_t *f, int64_t slots);
/* last_seen: now_ms; 0: null */
void host_doc_set_seen(bson_t *f, int64_t now_ms);
/* errors: 0, and with with_last_error last_error: null */
void host_doc_set_no_errors(bson_t *f, int with_last_error);
/* auto_inactive: false, next_probe and probe_backoff null: housekeeping
 * leaves the host alone (in service, or taken out by hand). */
void host_doc_set_no_probes(bson_t *f);
/* auto_inactive: true with the first probe's date and wait: it went
 * inactive by itself and housekeeping probes it. */
void host_doc_set_auto_inactive(bson_t *f, int64_t next_probe_ms, int64_t backoff_ms);

/* cloud: c's sub-document (a spawn's progress: the whole of it each time,
 * since an update sets top-level fields only). */
void host_doc_set_cloud(bson_t *f, const struct host_doc_cloud *c);
/* url, tls_dir and tls_name: where a spawned host's engine is now (its
 * server certificate names tls_name, not the address). */
void host_doc_set_endpoint(bson_t *f, const char *url, const char *tls_dir, const char *tls_name);

/* --- reading --------------------------------------------------------------- */

/* One document's facts. Strings are borrowed from the document (NULL when
 * the field is missing or not a string); numbers, dates and flags are 0
 * when missing or of another type. */
struct host_doc {
	const char *name;
	const char *url;
	const char *tls_dir;
	const char *tls_name;     /* pinned TLS name; NULL: the URL's host */
	int insecure;
	int configured;           /* a configured host's document */
	const char *state;        /* never NULL: "active" when none or empty */
	const char *state_reason;
	int64_t state_changed;
	size_t nhistory;          /* transitions in history (host_doc_history) */
	int64_t errors;           /* consecutive failed requests */
	const char *last_error;
	int64_t last_error_at;
	int auto_inactive;
	int64_t next_probe;
	int64_t probe_backoff;
	int drained;
	int64_t slots;            /* set by hand; 0 (or less): derived */
	int64_t created;          /* added, else the ObjectId's time; 0 unknown */
	int64_t last_seen;
	int64_t last_placed;
	int64_t last_busy;        /* last seen holding a container (housekeeping); 0 never */
	struct {
		const char *id;   /* GET /info's "ID" */
		const char *version;
		const char *api_version;
		const char *os;
		int64_t ncpu;
		int64_t memory;   /* bytes */
	} engine;
	/* a spawned host's cloud sub-document (host_doc_cloud); present 0: none */
	struct {
		int present;
		const char *profile, *driver, *spawn_id, *vm_id, *secgroup_id, *address_id,
			*address, *flavor, *image, *network, *phase, *machine;
		int64_t deadline;
		int64_t pid;
	} cloud;
};
/* doc's view in v; doc NULL (a configured host never recorded) gives the
 * defaults (state "active"). v borrows from doc. */
void host_doc_read(const bson_t *doc, struct host_doc *v);
/* doc's state alone, as host_doc_read gives it. Borrowed. */
const char *host_doc_state(const bson_t *doc);

/* One entry of the history. Strings borrowed from the document. */
struct host_doc_change {
	const char *state;
	int64_t at;
	const char *reason; /* NULL when none was given */
};
/* The first max transitions of doc's history, oldest first, into out;
 * returns how many there are (may be more than max). */
size_t host_doc_history(const bson_t *doc, struct host_doc_change *out, size_t max);

/* A host as JSON (host list --json): the document (NULL: none) with name,
 * url, tls_dir and insecure as given (the configuration's settings for a
 * configured host), and the fields a reader expects (state, drained,
 * state_changed, state_reason, last_seen, engine, slots) present even when
 * the document has none. New reference, NULL when out of memory. */
json_t *host_doc_json(const bson_t *doc, const char *name, const char *url, const char *tls_dir,
		      int insecure);

#endif
