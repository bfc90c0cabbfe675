/* hosts.h: the hosts berth knows, wherever they come from.
 *
 * Two sources, one answer:
 *   - the configuration: "local" always, and the hosts: of the YAML files
 *     (plus an ad-hoc host that -H named by its URL);
 *   - the store's hosts collection (berth-store(5)): hosts registered with
 *     host add or host import-contexts.
 * A name in both is the configuration's: its connection settings win, and
 * only the store document's facts (state, engine, last seen) are used.
 *
 * The store is opened only when a name is not in the configuration, or for
 * a listing of every host. When it cannot be read, configured hosts work
 * as ever and only registered ones are unavailable: lookups say why in
 * their result, listings warn once.
 */
#ifndef BERTH_HOSTS_H
#define BERTH_HOSTS_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>
#include <jansson.h>
#include "lib/berr.h"

struct fleet;

/* Everything needed to reach one host, and what the store knows of it. */
struct host_ref {
	char *name;      /* owned */
	char *url;       /* owned */
	char *tls_dir;   /* owned; NULL: no TLS */
	char *tls_name;  /* owned; the name the server's certificate holds, pinned
			  * to the URL's address (docker_endpoint.tls_name); NULL */
	int tls_verify;  /* TLS with tls_dir's client certificates */
	int insecure;    /* plain tcp:// explicitly allowed */
	int from_config; /* settings from the configuration (else the store) */
	bson_t *doc;     /* owned: the store's document; NULL when it has none
			  * or was not asked (see HOSTS_WITH_DOC) */
};
void host_ref_release(struct host_ref *h);

struct docker_endpoint;
struct settings;
/* The engine client's settings for h under cfg (timeouts, API version);
 * ep borrows h's strings. */
void host_ref_endpoint(const struct host_ref *h, const struct settings *cfg,
		       struct docker_endpoint *ep);

/* hosts_find / hosts_list flags */
#define HOSTS_WITH_DOC 0x1 /* read the store's documents of configured hosts too */
#define HOSTS_QUIET    0x2 /* hosts_list: no warning when the store cannot be read
			    * (the pool's own listing: the cache warning that
			    * follows says the store is out of reach) */
#define HOSTS_SPAWNING 0x4 /* hosts_list: also the documents of hosts still
			    * spawning, which have no URL yet (url NULL) */

/* Looks name up: the configuration, then the store. Returns 1 with *out
 * filled (release it), 0 when there is no such host, -1 when it is not in
 * the configuration and the store could not be read (err says why; *out
 * untouched). With HOSTS_WITH_DOC a configured host's document is read as
 * well; a store that cannot be read then leaves doc NULL and still
 * returns 1. */
int hosts_find(struct fleet *fl, const char *name, unsigned flags, struct host_ref *out,
	       struct berr *err);

struct host_list {
	struct host_ref *v; /* owned */
	size_t n;
	int store_ok;       /* the store answered: registered hosts are in v */
	struct berr err;    /* why not, when !store_ok */
};
/* Every host: the configuration's in its order, then the store's other
 * hosts sorted by name, no name twice. Never fails: when the store cannot
 * be read, out holds the configured hosts, store_ok is 0 and a warning
 * ("registered hosts are unavailable: ...") was printed once (not with
 * HOSTS_QUIET). */
void hosts_list(struct fleet *fl, unsigned flags, struct host_list *out);
void host_list_release(struct host_list *l);

/* "local, lab, web1" for "unknown host" messages: the configured hosts,
 * and the registered ones when the store can be read. Caller frees. */
char *hosts_known_names(struct fleet *fl);

/* A host to register (host add, host import-contexts). */
struct host_new {
	const char *name;
	const char *url;     /* unix:///PATH, tcp://HOST:PORT (http://, https://) */
	const char *tls_dir; /* NULL: no TLS; relative or ~/ paths are made absolute */
	int insecure;        /* allow plain HTTP to a tcp:// URL */
	const char *reason;  /* state_reason: how it came ("host add"), may be NULL */
	const json_t *info;  /* the engine's GET /info (hosts_ask_new), or NULL when
			      * it did not answer: then it cannot be recognised */
	const char *tls_name; /* with tls_dir: the name in the server's certificate,
			       * pinned to the URL's address; NULL: the URL's host */
};
/* The checks of h that hosts_register() makes before it looks at the
 * store (name syntax, URL scheme, TLS directory, plain tcp://): 0, or -1
 * with BERR_USAGE. */
int hosts_check_new(const struct host_new *h, struct berr *err);
/* Asks the engines of hs[0..n) for GET /info, in one fan-out (each within
 * the connect timeout) with the active known hosts whose documents record
 * no engine ID yet (their answers are recorded, as any answer is): what
 * hosts_register() needs to recognise an engine berth already has. The
 * known hosts are asked only while the store can be read. infos[i] gets
 * hs[i]'s answer (json_decref() it), or NULL. */
void hosts_ask_new(struct fleet *fl, const struct host_new *hs, size_t n, json_t **infos);
/* Checks h (name syntax, URL scheme, the TLS directory's three files, tcp
 * without TLS only when insecure) and inserts it into the store with state
 * "spawned", with h->info's engine facts and ID when it has them. Fails
 * with err:
 *   BERR_USAGE     bad input, nothing stored (exit status 2);
 *   BERR_CONFLICT  the name exists, in the configuration or the store:
 *                  "host lab already exists (remove it first with 'host remove lab')";
 *                  or h->info's engine is a known host's (its document
 *                  records the same engine.id): "dup is the same engine as
 *                  local (ID ...); remove local first or use it", and
 *                  *twin (when twin is not NULL) gets "local" (free it);
 *   other kinds    the store failed, nothing changed.
 * doc (may be NULL) is initialised with the stored document (caller
 * bson_destroy()s it) on success. */
int hosts_register(struct fleet *fl, const struct host_new *h, bson_t *doc, char **twin,
		   struct berr *err);

/* Forgets registered host name: its document, then its cached containers
 * and images; the engine is never asked. A configured host is refused
 * (BERR_CONFLICT: "host local comes from the configuration (FILE); remove it
 * there"), an unknown one is BERR_USAGE (fleet_unknown_host). *removed (may be NULL) is
 * set once the host's document is gone, even when its cached rows could
 * not be removed after it (then -1 with err saying so): a session pinned
 * to it goes back where it started. */
int hosts_unregister(struct fleet *fl, const char *name, int *removed, struct berr *err);

/* The engine of host answered (info: its GET /info, or NULL when only a
 * listing was made): bumps last_seen, resets its error count, brings a
 * spawned host into service (an inactive one stays inactive: a probe
 * brings it back), and with info records the engine facts. One upsert
 * (more when the state changes); a configured host gets a document on first
 * sight, a registered one that was removed meanwhile is not brought back,
 * an ad-hoc URL host is not recorded. Returns 0, or -1 after
 * fleet_cache_warn() said why. */
int hosts_record_seen(struct fleet *fl, const char *host, const json_t *info);


#endif
