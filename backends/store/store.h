/* store.h: where berth remembers the fleet between sessions.
 *
 * One document model (BSON, see berth-store(5)), seven collections, two
 * implementations behind one vtable: MongoDB through libmongoc when a URI is
 * configured (store_mongo.c), else an embedded file store under the XDG data
 * dir (store_file.c). Implementations embed struct store as their first
 * member.
 *
 * Conventions, as in backend.h: every call returns 0 on success and -1 with
 * *err filled on failure. Error kinds callers may act on:
 *   BERR_CONFLICT  a unique key (hosts.name, templates.name, leases.name,
 *                  host+id of images, containers, volumes and networks,
 *                  _id) is already taken;
 *   BERR_PROTOCOL  a file-store collection file is corrupt or truncated: it
 *                  is left exactly as it was and every write to that
 *                  collection is refused until store_drop() moves it aside;
 *   BERR_CONNECT / BERR_TIMEOUT  MongoDB could not be reached (the message
 *                  names the URI without its password);
 *   BERR_USAGE     a selector or update the store does not support;
 *   BERR_LOCAL     the data dir or a file could not be read or written.
 * Documents passed in are borrowed; documents handed to callbacks are
 * borrowed for the duration of the call only (bson_copy them to keep them).
 *
 * Selectors are MongoDB filters restricted to what berth needs, and the file
 * store refuses anything else rather than guess:
 *   { field: value }            equality; "a.b" paths descend subdocuments;
 *                               an array field matches when an element does;
 *                               { field: null } also matches a missing field
 *   { field: { $eq|$ne|$in|$nin|$lt|$lte|$gt|$gte|$exists: ... } }
 *                               comparisons only between values of one kind:
 *                               numbers with numbers, dates with dates,
 *                               strings with strings
 *   { $or: [ sel, ... ] }, { $and: [ sel, ... ] }
 * Updates (store_modify) are either a whole replacement document or
 * { $set|$unset|$inc|$setOnInsert: { top-level-field: value } }.
 *
 * Neither store has transactions (FerretDB has none). Each call is atomic
 * on its own in the file store. On MongoDB single-document calls are
 * atomic and store_replace_host_set is not (a reader at that moment may see
 * the host's set partly written), but its writers take turns per host (a
 * lease "replace-set/COLLECTION/HOST"), so a set is never a mixture. FerretDB 1.x runs every update, modify
 * included, as a read and a separate write: two processes changing one
 * document at once can lose one change. Unique inserts are atomic
 * everywhere, and store_lease_acquire rests on them alone.
 */
#ifndef BERTH_STORE_H
#define BERTH_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <bson/bson.h>
#include "lib/berr.h"
#include "lib/strindex.h"


enum store_coll {
	STORE_HOSTS,      /* authoritative: never reset automatically */
	STORE_IMAGES,     /* cache of what engines reported */
	STORE_CONTAINERS, /* cache of what engines reported */
	STORE_TEMPLATES,  /* container blueprints (issue 4) */
	STORE_LEASES,     /* housekeeping locks with an expiry (issue 4) */
	STORE_VOLUMES,    /* cache of what engines reported */
	STORE_NETWORKS,   /* cache of what engines reported */
};
#define STORE_NCOLLS 7

struct store_find_opts {
	const bson_t *sort; /* NULL, or { field: 1 | -1, ... } */
	int64_t limit;      /* 0: no limit */
};

/* Called once per matching document. Return 0 to go on, 1 to stop early
 * (the find still succeeds), -1 to fail the find (fill err first). */
typedef int (*store_doc_fn)(void *ud, const bson_t *doc, struct berr *err);

/* What store_replace_host_set did, for messages. */
struct store_set_stats {
	int64_t written; /* documents of the new set */
	int64_t removed; /* documents of the old set (vanished or rewritten) */
};

/* One host's set for store_replace_host_sets: docs as replace_host_set
 * takes them; stats is filled in. */
struct store_host_set {
	const char *host;
	const bson_t *const *docs;
	size_t ndocs;
	struct store_set_stats stats;
};

/* store_modify flags */
#define STORE_UPSERT     0x1 /* insert when nothing matches */
#define STORE_RETURN_NEW 0x2 /* *result gets the document after the change */

struct store;
struct store_sets_writer;

/* A store's writer of host sets: the base of its own struct (first).
 * store.c checks each host's set (distinct hosts, valid documents) and
 * keeps the hosts added before add is called; commit and abort release
 * the store's own part, store.c the rest. */
struct store_sets_ops {
	int (*add)(struct store_sets_writer *w, const char *host, const bson_t *const *docs,
		   size_t ndocs, struct berr *err);
	int (*commit)(struct store_sets_writer *w, struct berr *err);
	void (*abort)(struct store_sets_writer *w);
};

struct store_sets_writer {
	const struct store_sets_ops *ops; /* NULL: each set written by
					   * replace_host_set as it is added */
	struct store *s;                  /* borrowed */
	enum store_coll c;
	char **hosts;                     /* owned: the hosts added */
	size_t nhosts, hosts_cap;
	struct strindex by_host;          /* keys: hosts[] */
};

struct store_ops {
	const char *kind; /* "file" or "mongodb" */

	/* Adds doc (an _id is generated when it has none). */
	int (*insert)(struct store *s, enum store_coll c, const bson_t *doc,
		      struct berr *err);
	/* Replaces the first document matching selector by doc (keeping its
	 * _id), or inserts doc when none matches. */
	int (*upsert)(struct store *s, enum store_coll c, const bson_t *selector,
		      const bson_t *doc, struct berr *err);
	/* Deletes every match; *nremoved (may be NULL) gets how many. */
	int (*remove)(struct store *s, enum store_coll c, const bson_t *selector,
		      int64_t *nremoved, struct berr *err);
	/* selector NULL matches everything; opts may be NULL. */
	int (*find)(struct store *s, enum store_coll c, const bson_t *selector,
		    const struct store_find_opts *opts, store_doc_fn fn, void *ud,
		    struct berr *err);
	int (*count)(struct store *s, enum store_coll c, const bson_t *selector,
		     int64_t *n, struct berr *err);
	/* Write-through of a listing: afterwards the documents of collection c
	 * (a cache collection) whose "host" is host are exactly docs, each
	 * of which must have that host and a string "id", ids unique. */
	int (*replace_host_set)(struct store *s, enum store_coll c, const char *host,
				const bson_t *const *docs, size_t ndocs,
				struct store_set_stats *stats, struct berr *err);
	/* replace_host_set for many hosts (distinct) in one call; on the file
	 * store one rewrite of the collection. May be NULL: the hosts one by
	 * one. */
	int (*replace_host_sets)(struct store *s, enum store_coll c, struct store_host_set *sets,
				 size_t n, struct berr *err);
	/* A writer of whole host sets (see store_sets_begin). May be NULL,
	 * or return 1 for "not now": each host's set is then written by
	 * replace_host_set as it is added. */
	int (*sets_begin)(struct store *s, enum store_coll c, struct store_sets_writer **out,
			  struct berr *err);
	/* Find-one-and-modify (atomic but on FerretDB, see above): applies
	 * update to the first document matching selector. *found (may be NULL) is 1 when one matched or was
	 * upserted, 0 otherwise. When result is not NULL and found, it is
	 * initialised with the document before the change (after it with
	 * STORE_RETURN_NEW); the caller bson_destroy()s it. An upsert that
	 * collides with a unique key (someone else holds it) is BERR_CONFLICT. */
	int (*modify)(struct store *s, enum store_coll c, const bson_t *selector,
		      const bson_t *update, int flags, bson_t *result, int *found,
		      struct berr *err);
	/* Empties collection c. On the file store this works on a corrupt
	 * file too: it is renamed aside, never deleted, and *kept_aside (may
	 * be NULL) gets its new path (caller frees; NULL when nothing was
	 * kept). */
	int (*drop)(struct store *s, enum store_coll c, char **kept_aside,
		    struct berr *err);

	/* A batch on collection c (may be NULL: no batching, each call writes
	 * at once): from batch_begin to batch_end the file store holds c
	 * locked and in memory, every call on c reads and changes that copy,
	 * and batch_end writes the file once (a command's many small writes,
	 * e.g. last_seen of each of 1,000 hosts, as one rewrite). Other
	 * processes wait for the lock meanwhile: keep a batch short, and
	 * never wait for an engine inside one. batch_end also ends the batch
	 * when the write fails. */
	int (*batch_begin)(struct store *s, enum store_coll c, struct berr *err);
	int (*batch_end)(struct store *s, enum store_coll c, struct berr *err);

	void (*free)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	char *where; /* for messages: the data dir, or the URI without its password */
	const char *database; /* MongoDB: the database in use (the store's); NULL for files */
};

/* --- opening ------------------------------------------------------------ */

/* MongoDB when mongodb_uri is set (database mongodb_database when it is
 * set and not empty, else the one the URI names, else "berth": MongoDB's
 * own rule), else the file store in $BERTH_STORE_DIR or
 * xdg_path("data", "store"). Nothing is read or connected here beyond
 * creating the data dir: the first call does that, so callers open the
 * store only when a command needs it. *out is owned by the caller. */
int store_open(const char *mongodb_uri, const char *mongodb_database, struct store **out,
	       struct berr *err);
int store_file_open(const char *dir, struct store **out, struct berr *err);
int store_mongo_open(const char *uri, const char *database, struct store **out,
		     struct berr *err);
void store_free(struct store *s); /* NULL is fine */
/* Releases libmongoc's process-wide state; call once at exit, after the
 * last store_free (harmless when MongoDB was never used). */
void store_shutdown(void);

/* --- calls (thin wrappers over the vtable) ------------------------------ */

const char *store_coll_name(enum store_coll c); /* "hosts", ... */
int store_coll_is_cache(enum store_coll c);     /* images, containers, volumes, networks */
/* The collection named name; -1 when there is none. */
int store_coll_by_name(const char *name);

int store_insert(struct store *s, enum store_coll c, const bson_t *doc, struct berr *err);
int store_upsert(struct store *s, enum store_coll c, const bson_t *selector,
		 const bson_t *doc, struct berr *err);
int store_remove(struct store *s, enum store_coll c, const bson_t *selector,
		 int64_t *nremoved, struct berr *err);
int store_find(struct store *s, enum store_coll c, const bson_t *selector,
	       const struct store_find_opts *opts, store_doc_fn fn, void *ud,
	       struct berr *err);
/* *found is 0 or 1; when 1, out is initialised (caller bson_destroy()s). */
int store_find_one(struct store *s, enum store_coll c, const bson_t *selector,
		   bson_t *out, int *found, struct berr *err);
int store_count(struct store *s, enum store_coll c, const bson_t *selector,
		int64_t *n, struct berr *err);
int store_replace_host_set(struct store *s, enum store_coll c, const char *host,
			   const bson_t *const *docs, size_t ndocs,
			   struct store_set_stats *stats, struct berr *err);
int store_replace_host_sets(struct store *s, enum store_coll c, struct store_host_set *sets,
			    size_t n, struct berr *err);
/*
 * store_replace_host_sets for listings too big to hold: each host's set
 * goes to the store as it is added, and the collection takes them all
 * at commit. On the file store the new file is written as the sets come
 * (bounded memory) and renamed into place by commit, the other hosts'
 * documents copied over then; abort leaves the collection as it was and
 * releases its lock. Elsewhere (MongoDB, a file store in a batch on c)
 * each set is written when added. Hosts are distinct. The writer holds
 * the collection's lock from begin to commit or abort: never wait on
 * anything slow in between but the engines whose answers are added.
 */
int store_sets_begin(struct store *s, enum store_coll c, struct store_sets_writer **out,
		     struct berr *err);
int store_sets_add(struct store_sets_writer *w, const char *host, const bson_t *const *docs,
		   size_t ndocs, struct berr *err);
int store_sets_commit(struct store_sets_writer *w, struct berr *err); /* frees w */
void store_sets_abort(struct store_sets_writer *w);                   /* frees w; NULL is fine */
/* host was added to w. */
int store_sets_added(const struct store_sets_writer *w, const char *host);
int store_modify(struct store *s, enum store_coll c, const bson_t *selector,
		 const bson_t *update, int flags, bson_t *result, int *found,
		 struct berr *err);
/* See store_ops.batch_begin; both are no-ops on a store without batches. */
int store_batch_begin(struct store *s, enum store_coll c, struct berr *err);
int store_batch_end(struct store *s, enum store_coll c, struct berr *err);
int store_drop(struct store *s, enum store_coll c, char **kept_aside, struct berr *err);

/* --- leases (housekeeping: one run at a time across processes/machines) -- */

/* Takes lease name for holder until now + ttl_ms when nobody holds it, its
 * holder's time ran out, or holder already holds it (then it is renewed).
 * Returns 1 when taken, 0 when someone else holds it (*current, when not
 * NULL, gets "HOLDER until DATE", caller frees), -1 on error. Of processes
 * racing, on any store, at most one gets 1 (a unique insert decides); a
 * holder renewing after its lease expired may lose it to a taker, so take
 * a ttl longer than the work. */
int store_lease_acquire(struct store *s, const char *name, const char *holder,
			int64_t ttl_ms, char **current, struct berr *err);
/* Gives the lease back if holder holds it (no error when it does not). */
int store_lease_release(struct store *s, const char *name, const char *holder,
			struct berr *err);

/* --- small helpers -------------------------------------------------------- */

/* Milliseconds since the epoch (wall clock): BSON datetimes. */
int64_t store_now_ms(void);
/* A copy of uri with the password of its userinfo, and the value of any
 * option whose name contains "password", replaced by "***". Caller frees. */
char *store_redact_uri(const char *uri);

#endif
