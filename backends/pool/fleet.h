/* fleet.h: the context every part of the fleet (backends/pool/) works in.
 *
 * The fleet is berth's hosts seen as one pool: their settings, the store
 * that remembers them, and the engine clients opened for them. It knows
 * nothing of the shell: the front fills a struct fleet once per process
 * (settings borrowed, a function that receives its notices), and every
 * fleet call takes it explicitly, together with the hosts it is to act on.
 * Fleet calls return 0 or -1 with a struct berr; BERR_USAGE means the
 * caller asked for something impossible (an unknown host name, several
 * hosts where one is needed), which the shell reports with exit status 2.
 *
 * Notices are the lines a fleet call has to say while it still succeeds:
 * a host of a pool listing that did not answer (FLEET_NOTE_ERROR: said as
 * an error line, though the command goes on with the other hosts), "lab
 * is now inactive" (FLEET_NOTE_WARNING). Each notice is one line without
 * a label; the receiver decides where it goes.
 */
#ifndef BERTH_FLEET_H
#define BERTH_FLEET_H

#include <stddef.h>
#include "lib/berr.h"
#include "lib/strindex.h"

struct settings;
struct store;
struct backend;
struct host_ref;

enum fleet_note {
	FLEET_NOTE_ERROR,   /* something failed; the call goes on */
	FLEET_NOTE_WARNING, /* worth knowing; nothing failed */
	FLEET_NOTE_PROGRESS, /* what a long call did so far ("web2: copied busybox
			      * from web1 (1.2MB)"): for a person watching only */
};

typedef void (*fleet_note_fn)(void *ud, enum fleet_note kind, const char *msg);

struct fleet_backend_slot {
	char *host;              /* owned host name */
	struct backend *backend; /* owned */
};

struct fleet {
	const struct settings *settings; /* borrowed: the front's, for the whole run */
	fleet_note_fn note;              /* receives notices; NULL: they are dropped */
	void *note_ud;                   /* for note (borrowed) */

	struct store *store;       /* owned; opened by fleet_store() on first use */
	int store_failed;          /* the store could not be opened or reached: */
	struct berr store_err;     /* why; fleet_store() answers with it */
	int cache_warned;          /* fleet_cache_warn() already spoke */
	int hosts_warned;          /* "registered hosts are unavailable" was said */
	int insecure;              /* --insecure: plain HTTP to an engine given by its
				    * URL (-H, host use URL) is allowed, and
				    * DOCKER_HOST's is no warning */
	int plain_warned;          /* the DOCKER_HOST plain HTTP warning was said */
	struct fleet_backend_slot *backends; /* owned; opened lazily, one per host used */
	size_t nbackends, backends_alloc;
	long active_hosts;          /* between pool_records_begin and _end: how many hosts
				     * are active (counted once, then kept up to date);
				     * else -1 */
	struct strindex backend_ix; /* host -> position in backends */
	struct pool_fresh *fresh;   /* owned; between pool_records_begin and _end:
				     * the hosts as the batch began (pool.c) */
};

/* settings and note are kept (borrowed); nothing is opened yet. */
void fleet_init(struct fleet *fl, const struct settings *settings, fleet_note_fn note, void *ud);
/* Closes the engine clients and the store. */
void fleet_release(struct fleet *fl);

/* A new command at the prompt: a store that was out of reach gets a fresh
 * try (it may be back) and the once-per-run warnings may speak again. A
 * one-shot or a batch does not call it: it remembers for the whole run. */
void fleet_new_command(struct fleet *fl);

/* Notices, printf-style (see above). */
void fleet_say(struct fleet *fl, enum fleet_note kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define fleet_warn(fl, ...) fleet_say((fl), FLEET_NOTE_WARNING, __VA_ARGS__)

/* The store (hosts, cached images and containers), opened on first use:
 * commands that need none (help, version) never open it. NULL with err
 * filled when it cannot be opened, or when a call already found it out of
 * reach (see fleet_store_failed). Borrowed. */
struct store *fleet_store(struct fleet *fl, struct berr *err);
/* A store call failed with err. When the store is out of reach
 * (BERR_CONNECT, BERR_TIMEOUT) fleet_store() gives up on it until
 * fleet_new_command(): a dead MongoDB costs one timeout, not one per row.
 * Other kinds (a corrupt file is one collection's trouble) change nothing. */
void fleet_store_failed(struct fleet *fl, const struct berr *err);
/* Write-through failed (store down, corrupt cache file): one warning
 * ("the cache was not updated: ...") until fleet_new_command(); the
 * command itself still succeeds. Calls fleet_store_failed() too. */
void fleet_cache_warn(struct fleet *fl, const struct berr *err);

/* The store's ID (16 lower-case hex digits), the same for every process
 * and machine using this store: made on first use and kept in the store
 * (berth-store(5), leases: the document named "store-id"); two processes
 * making it at once agree (a unique insert decides). Clouds tag what berth
 * makes with it (berth-store), and the store's CA is kept under it
 * (backends/pool/pki.h). *id is the caller's. Implemented in store_id.c. */
int fleet_store_id(struct fleet *fl, char **id, struct berr *err);

/* The engine client of a host already looked up, opened on first use and
 * kept: NULL with err filled when it cannot be set up (never BERR_USAGE:
 * the host's settings are at fault, not the caller). Borrowed. */
struct backend *fleet_backend_ref(struct fleet *fl, const struct host_ref *h, struct berr *err);
/* The same by name: an unknown name is BERR_USAGE ("unknown host: x
 * (known: local, lab)"). Borrowed. */
struct backend *fleet_backend_for(struct fleet *fl, const char *host, struct berr *err);
/* Drops the open engine client of host, if any (its settings changed or it
 * was removed). */
void fleet_forget_backend(struct fleet *fl, const char *host);

/* Fills err for a host name nobody knows: BERR_USAGE "unknown host: NAME
 * (known: ...)", or, when the store could not be read (why), the same with
 * "registered hosts are unavailable: ..." and BERR_CONNECT's kind. -1. */
int fleet_unknown_host(struct fleet *fl, const char *name, const struct berr *why,
		       struct berr *err);

#endif
