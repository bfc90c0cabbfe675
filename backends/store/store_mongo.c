/* store_mongo.c: the store in MongoDB (or a server speaking its wire
 * protocol, such as FerretDB), through libmongoc.
 *
 * Written for FerretDB 1.x as much as for MongoDB: no transactions, no
 * change streams, and never an update command carrying many statements
 * (FerretDB 1.24's SQLite handler keeps a connection per statement until
 * the command ends and hangs past ~100 of them). Listings are therefore
 * written as one delete plus one unordered bulk insert.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mongoc/mongoc.h>
#include "backends/store/store_internal.h"

/* Unless the URI says otherwise: "MongoDB down" must fail in seconds. */
#define SERVER_SELECTION_TIMEOUT_MS 3000
#define CONNECT_TIMEOUT_MS 3000
#define SOCKET_TIMEOUT_MS 60000

struct mongo_store {
	struct store base; /* base.where: the URI without its password */
	mongoc_client_t *client;
	char *dbname;
	int indexed[STORE_NCOLLS];
};

static int mongoc_ready;

/* libmongoc would print warnings of its own on stderr (FerretDB lacks
 * endSessions, which the driver sends at every disconnect); berth reports
 * failures through struct berr, once, and prints nothing else. */
static void quiet_log(mongoc_log_level_t level, const char *domain, const char *message,
		      void *ud)
{
}

/* --- errors ------------------------------------------------------------------ */

static int is_duplicate(const bson_error_t *e)
{
	/* FerretDB 1.24 reports a unique index violated by an update as an
	 * internal error carrying SQLite's message, not as E11000. */
	return e->code == 11000 || e->code == 11001 || e->code == 12582 ||
	       strstr(e->message, "E11000") || strstr(e->message, "UNIQUE constraint failed");
}

/* One line for err. doc, when given, names the key of a duplicate. */
static int fail(struct mongo_store *ms, enum store_coll c, const char *what,
		const bson_error_t *e, const bson_t *doc, struct berr *err)
{
	if (is_duplicate(e))
		return doc ? store_conflict(c, doc, err)
			   : berr_set(err, BERR_CONFLICT, "store: %s: %s", store_coll_name(c),
				      e->message);
	if (e->domain == MONGOC_ERROR_SERVER_SELECTION || e->domain == MONGOC_ERROR_STREAM)
		return berr_set(err, BERR_CONNECT, "store: cannot reach MongoDB at %s: %s",
				ms->base.where, e->message);
	if (e->domain == MONGOC_ERROR_CLIENT && e->code == MONGOC_ERROR_CLIENT_AUTHENTICATE)
		return berr_set(err, BERR_CONNECT, "store: MongoDB at %s refused the login: %s",
				ms->base.where, e->message);
	return berr_set(err, BERR_ENGINE, "store: MongoDB at %s: %s of %s failed: %s",
			ms->base.where, what, store_coll_name(c), e->message);
}

static mongoc_collection_t *coll_of(struct mongo_store *ms, enum store_coll c)
{
	return mongoc_client_get_collection(ms->client, ms->dbname, store_coll_name(c));
}

/* --- indexes ------------------------------------------------------------------ */

struct index_spec {
	const char *name;
	const char *field1, *field2; /* field2 may be NULL */
	int unique;
};

static const struct index_spec idx_by_name[] = {
	{ "name_1", "name", NULL, 1 },
	{ NULL, NULL, NULL, 0 },
};
static const struct index_spec idx_images[] = {
	{ "host_1_id_1", "host", "id", 1 },
	{ "tags_1", "tags", NULL, 0 },
	{ "label_kv_1", "label_kv", NULL, 0 },
	{ NULL, NULL, NULL, 0 },
};
static const struct index_spec idx_containers[] = {
	{ "host_1_id_1", "host", "id", 1 },
	{ "name_1", "name", NULL, 0 },
	{ "label_kv_1", "label_kv", NULL, 0 },
	{ NULL, NULL, NULL, 0 },
};

/* volumes and networks: id is the volume's name, the network's ID */
static const struct index_spec idx_objects[] = {
	{ "host_1_id_1", "host", "id", 1 },
	{ "name_1", "name", NULL, 0 },
	{ NULL, NULL, NULL, 0 },
};

static const struct index_spec *indexes_of(enum store_coll c)
{
	switch (c) {
	case STORE_IMAGES:     return idx_images;
	case STORE_CONTAINERS: return idx_containers;
	case STORE_VOLUMES:
	case STORE_NETWORKS:   return idx_objects;
	default:               return idx_by_name;
	}
}

/* Before the first write to a collection in this process: the unique
 * indexes are what refuse duplicates, so they must exist first.
 * createIndexes is idempotent and cheap once the indexes exist; one index
 * per command, because FerretDB 1.24 drops the connection when one
 * command names several indexes of which some already exist. */
static int ensure_indexes(struct mongo_store *ms, enum store_coll c, struct berr *err)
{
	const struct index_spec *spec;
	mongoc_database_t *db = NULL;
	bson_t cmd, list, idx, key, reply;
	bson_error_t e;
	int ret = -1;

	if (ms->indexed[c])
		return 0;
	db = mongoc_client_get_database(ms->client, ms->dbname);
	for (spec = indexes_of(c); spec->name; spec++) {
		bson_init(&cmd);
		BSON_APPEND_UTF8(&cmd, "createIndexes", store_coll_name(c));
		BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &list);
		BSON_APPEND_DOCUMENT_BEGIN(&list, "0", &idx);
		BSON_APPEND_DOCUMENT_BEGIN(&idx, "key", &key);
		BSON_APPEND_INT32(&key, spec->field1, 1);
		if (spec->field2)
			BSON_APPEND_INT32(&key, spec->field2, 1);
		bson_append_document_end(&idx, &key);
		BSON_APPEND_UTF8(&idx, "name", spec->name);
		if (spec->unique)
			BSON_APPEND_BOOL(&idx, "unique", true);
		bson_append_document_end(&list, &idx);
		bson_append_array_end(&cmd, &list);
		if (!mongoc_database_write_command_with_opts(db, &cmd, NULL, &reply, &e)) {
			fail(ms, c, "creating the indexes", &e, NULL, err);
			bson_destroy(&reply);
			bson_destroy(&cmd);
			goto cleanup;
		}
		bson_destroy(&reply);
		bson_destroy(&cmd);
	}
	ms->indexed[c] = 1;
	ret = 0;
cleanup:
	mongoc_database_destroy(db);
	return ret;
}

/* --- operations ---------------------------------------------------------------- */

static int mongo_insert(struct store *s, enum store_coll c, const bson_t *doc, struct berr *err)
{
	struct mongo_store *ms = (struct mongo_store *)s;
	mongoc_collection_t *coll = NULL;
	bson_error_t e;
	int ret = -1;

	if (ensure_indexes(ms, c, err) < 0)
		return -1;
	coll = coll_of(ms, c);
	if (!mongoc_collection_insert_one(coll, doc, NULL, NULL, &e)) {
		fail(ms, c, "insert", &e, doc, err);
		goto cleanup;
	}
	ret = 0;
cleanup:
	mongoc_collection_destroy(coll);
	return ret;
}

static int mongo_upsert(struct store *s, enum store_coll c, const bson_t *selector,
			const bson_t *doc, struct berr *err)
{
	struct mongo_store *ms = (struct mongo_store *)s;
	mongoc_collection_t *coll = NULL;
	bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
	bson_t empty = BSON_INITIALIZER;
	bson_error_t e;
	bson_iter_t it;
	int ret = -1;

	if (bson_iter_init(&it, doc) && bson_iter_next(&it) && bson_iter_key(&it)[0] == '$') {
		berr_set(err, BERR_USAGE, "store: upsert takes a whole document, not operators");
		goto cleanup;
	}
	if (ensure_indexes(ms, c, err) < 0)
		goto cleanup;
	coll = coll_of(ms, c);
	if (!mongoc_collection_replace_one(coll, selector ? selector : &empty, doc, opts, NULL, &e)) {
		fail(ms, c, "upsert", &e, doc, err);
		goto cleanup;
	}
	ret = 0;
cleanup:
	mongoc_collection_destroy(coll);
	bson_destroy(opts);
	return ret;
}

static int delete_many(struct mongo_store *ms, enum store_coll c, const bson_t *selector,
		       int64_t *nremoved, struct berr *err)
{
	mongoc_collection_t *coll = coll_of(ms, c);
	bson_t empty = BSON_INITIALIZER, reply;
	bson_error_t e;
	bson_iter_t it;
	int ret = -1;

	if (!mongoc_collection_delete_many(coll, selector ? selector : &empty, NULL, &reply, &e)) {
		fail(ms, c, "delete", &e, NULL, err);
		goto cleanup;
	}
	if (nremoved)
		*nremoved = bson_iter_init_find(&it, &reply, "deletedCount") ?
			    bson_iter_as_int64(&it) : 0;
	ret = 0;
cleanup:
	bson_destroy(&reply);
	mongoc_collection_destroy(coll);
	return ret;
}

static int mongo_remove(struct store *s, enum store_coll c, const bson_t *selector,
			int64_t *nremoved, struct berr *err)
{
	if (nremoved)
		*nremoved = 0;
	return delete_many((struct mongo_store *)s, c, selector, nremoved, err);
}

static int mongo_find(struct store *s, enum store_coll c, const bson_t *selector,
		      const struct store_find_opts *opts, store_doc_fn fn, void *ud,
		      struct berr *err)
{
	struct mongo_store *ms = (struct mongo_store *)s;
	mongoc_collection_t *coll = coll_of(ms, c);
	mongoc_cursor_t *cur = NULL;
	bson_t empty = BSON_INITIALIZER, fopts = BSON_INITIALIZER;
	const bson_t *doc;
	bson_error_t e;
	int ret = -1;

	if (opts && opts->sort)
		BSON_APPEND_DOCUMENT(&fopts, "sort", opts->sort);
	if (opts && opts->limit > 0)
		BSON_APPEND_INT64(&fopts, "limit", opts->limit);
	cur = mongoc_collection_find_with_opts(coll, selector ? selector : &empty, &fopts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		int r;

		if (berth_interrupted) {
			berr_set(err, BERR_INTERRUPTED, "store: interrupted");
			goto cleanup;
		}
		r = fn(ud, doc, err);
		if (r < 0)
			goto cleanup;
		if (r > 0)
			break;
	}
	if (mongoc_cursor_error(cur, &e)) {
		fail(ms, c, "find", &e, NULL, err);
		goto cleanup;
	}
	ret = 0;
cleanup:
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(&fopts);
	return ret;
}

static int mongo_count(struct store *s, enum store_coll c, const bson_t *selector,
		       int64_t *n, struct berr *err)
{
	struct mongo_store *ms = (struct mongo_store *)s;
	mongoc_collection_t *coll = coll_of(ms, c);
	bson_t empty = BSON_INITIALIZER;
	bson_error_t e;
	int ret = 0;

	*n = mongoc_collection_count_documents(coll, selector ? selector : &empty, NULL, NULL,
					       NULL, &e);
	if (*n < 0) {
		*n = 0;
		ret = fail(ms, c, "count", &e, NULL, err);
	}
	mongoc_collection_destroy(coll);
	return ret;
}

/* 1 when every write error of a bulk reply is a duplicate key. */
static int only_duplicates(const bson_t *reply)
{
	bson_iter_t it, errs, code;
	int n = 0;

	if (!bson_iter_init_find(&it, reply, "writeErrors") || !bson_iter_recurse(&it, &errs))
		return 0;
	while (bson_iter_next(&errs)) {
		bson_error_t e = { 0 };

		if (!bson_iter_recurse(&errs, &code) || !bson_iter_find(&code, "code"))
			return 0;
		e.code = (uint32_t)bson_iter_as_int64(&code);
		if (!is_duplicate(&e))
			return 0;
		n++;
	}
	return n > 0;
}

static int insert_set(struct mongo_store *ms, enum store_coll c, const bson_t *const *docs,
		      size_t ndocs, int *dup_only, struct berr *err)
{
	mongoc_collection_t *coll = NULL;
	mongoc_bulk_operation_t *bulk = NULL;
	bson_t *bopts = BCON_NEW("ordered", BCON_BOOL(false));
	bson_t reply = BSON_INITIALIZER;
	bson_error_t e;
	int ret = -1;

	*dup_only = 0;
	if (!ndocs) {
		ret = 0;
		goto cleanup;
	}
	coll = coll_of(ms, c);
	bulk = mongoc_collection_create_bulk_operation_with_opts(coll, bopts);
	for (size_t i = 0; i < ndocs; i++) {
		if (!mongoc_bulk_operation_insert_with_opts(bulk, docs[i], NULL, &e)) {
			fail(ms, c, "insert", &e, NULL, err);
			goto cleanup;
		}
	}
	bson_destroy(&reply);
	if (!mongoc_bulk_operation_execute(bulk, &reply, &e)) {
		*dup_only = only_duplicates(&reply);
		fail(ms, c, "bulk insert", &e, NULL, err);
		goto cleanup;
	}
	ret = 0;
cleanup:
	bson_destroy(&reply);
	mongoc_bulk_operation_destroy(bulk);
	mongoc_collection_destroy(coll);
	bson_destroy(bopts);
	return ret;
}

/* Writers of one host's set take turns, as they do on the file store:
 * without this two listings written at once could end up mixed. A lease
 * (a unique insert, atomic on FerretDB too) is the lock; one left by a
 * crashed writer expires after SET_LOCK_TTL_MS. */
#define SET_LOCK_TTL_MS 30000
#define SET_LOCK_WAIT_MS (SET_LOCK_TTL_MS + 5000)

static int lock_host_set(struct mongo_store *ms, const char *name, const char *holder,
			 struct berr *err)
{
	int64_t deadline = store_now_ms() + SET_LOCK_WAIT_MS;
	long nap_ms = 5;

	for (;;) {
		struct timespec ts;
		int r = store_lease_acquire(&ms->base, name, holder, SET_LOCK_TTL_MS, NULL, err);

		if (r != 0)
			return r < 0 ? -1 : 0;
		if (berth_interrupted)
			return berr_set(err, BERR_INTERRUPTED, "store: interrupted waiting for %s", name);
		if (store_now_ms() > deadline)
			return berr_set(err, BERR_TIMEOUT,
					"store: another process has been writing %s for %d s",
					name, SET_LOCK_WAIT_MS / 1000);
		ts.tv_sec = 0;
		ts.tv_nsec = nap_ms * 1000000L;
		nanosleep(&ts, NULL);
		if (nap_ms < 100)
			nap_ms *= 2;
	}
}

static int mongo_replace_host_set(struct store *s, enum store_coll c, const char *host,
				  const bson_t *const *docs, size_t ndocs,
				  struct store_set_stats *stats, struct berr *err)
{
	struct mongo_store *ms = (struct mongo_store *)s;
	bson_t *sel = BCON_NEW("host", BCON_UTF8(host));
	int64_t removed = 0, again = 0;
	char *lock = NULL, holder[128], node[64] = "?";
	int dup_only = 0, locked = 0, ret = -1;
	struct berr unlock_err;
	size_t len;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (store_check_host_set(c, host, docs, ndocs, err) < 0 ||
	    ensure_indexes(ms, c, err) < 0)
		goto cleanup;
	len = strlen(store_coll_name(c)) + strlen(host) + sizeof("replace-set//");
	lock = malloc(len);
	if (!lock) {
		berr_set(err, BERR_LOCAL, "store: out of memory");
		goto cleanup;
	}
	snprintf(lock, len, "replace-set/%s/%s", store_coll_name(c), host);
	gethostname(node, sizeof(node) - 1);
	snprintf(holder, sizeof(holder), "%s:%ld:%lld", node, (long)getpid(),
		 (long long)store_now_ms());
	if (lock_host_set(ms, lock, holder, err) < 0)
		goto cleanup;
	locked = 1;
	/* No transactions: delete the old set, insert the new one. A writer
	 * that is not berth (or outlived its lock) may collide with our
	 * inserts; one more round settles it. */
	for (int round = 0; round < 2; round++) {
		if (delete_many(ms, c, sel, round ? &again : &removed, err) < 0)
			goto cleanup;
		if (insert_set(ms, c, docs, ndocs, &dup_only, err) == 0)
			break;
		if (!dup_only)
			goto cleanup;
		if (round == 1) {
			berr_set(err, BERR_CONFLICT,
				 "store: the %s of %s were being rewritten by another process at the "
				 "same time; try again", store_coll_name(c), host);
			goto cleanup;
		}
		berr_clear(err);
	}
	if (stats) {
		stats->written = (int64_t)ndocs;
		stats->removed = removed;
	}
	ret = 0;
cleanup:
	/* an expiring lock is harmless: a failed release is not our error */
	if (locked)
		store_lease_release(&ms->base, lock, holder, &unlock_err);
	free(lock);
	bson_destroy(sel);
	return ret;
}

static int mongo_modify(struct store *s, enum store_coll c, const bson_t *selector,
			const bson_t *update, int flags, bson_t *result, int *found,
			struct berr *err)
{
	struct mongo_store *ms = (struct mongo_store *)s;
	mongoc_collection_t *coll = NULL;
	mongoc_find_and_modify_opts_t *fam = mongoc_find_and_modify_opts_new();
	bson_t empty = BSON_INITIALIZER, reply = BSON_INITIALIZER, sub;
	bson_iter_t it, n;
	bson_error_t e;
	int ret = -1, f = 0, mflags = 0;

	if (found)
		*found = 0;
	if (ensure_indexes(ms, c, err) < 0)
		goto cleanup;
	coll = coll_of(ms, c);
	if (flags & STORE_UPSERT)
		mflags |= MONGOC_FIND_AND_MODIFY_UPSERT;
	if (flags & STORE_RETURN_NEW)
		mflags |= MONGOC_FIND_AND_MODIFY_RETURN_NEW;
	mongoc_find_and_modify_opts_set_update(fam, update);
	mongoc_find_and_modify_opts_set_flags(fam, (mongoc_find_and_modify_flags_t)mflags);
	bson_destroy(&reply);
	if (!mongoc_collection_find_and_modify_with_opts(coll, selector ? selector : &empty,
							 fam, &reply, &e)) {
		fail(ms, c, "find-and-modify", &e, selector, err);
		goto cleanup;
	}
	if (bson_iter_init_find(&it, &reply, "lastErrorObject") && bson_iter_recurse(&it, &n) &&
	    bson_iter_find(&n, "n"))
		f = bson_iter_as_int64(&n) > 0;
	if (bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
		const uint8_t *data;
		uint32_t len;

		f = 1;
		bson_iter_document(&it, &len, &data);
		if (result && bson_init_static(&sub, data, len))
			bson_copy_to(&sub, result);
	} else if (result && f) {
		bson_init(result); /* upserted, and the old document was asked for */
	}
	if (found)
		*found = f;
	ret = 0;
cleanup:
	bson_destroy(&reply);
	mongoc_find_and_modify_opts_destroy(fam);
	mongoc_collection_destroy(coll);
	return ret;
}

static int mongo_drop(struct store *s, enum store_coll c, char **kept_aside, struct berr *err)
{
	/* delete, not drop: the indexes stay */
	return delete_many((struct mongo_store *)s, c, NULL, NULL, err);
}

static void mongo_free(struct store *s)
{
	struct mongo_store *ms = (struct mongo_store *)s;

	if (ms->client)
		mongoc_client_destroy(ms->client);
	free(ms->dbname);
	free(ms->base.where);
	free(ms);
}

static const struct store_ops mongo_ops = {
	.kind = "mongodb",
	.insert = mongo_insert,
	.upsert = mongo_upsert,
	.remove = mongo_remove,
	.find = mongo_find,
	.count = mongo_count,
	.replace_host_set = mongo_replace_host_set,
	.modify = mongo_modify,
	.drop = mongo_drop,
	.free = mongo_free,
};

static void default_option(mongoc_uri_t *uri, const char *key, int32_t value)
{
	if (!mongoc_uri_has_option(uri, key))
		mongoc_uri_set_option_as_int32(uri, key, value);
}

int berth_store_mongo_open(const char *uri_string, const char *database, struct store **out,
		     struct berr *err)
{
	struct mongo_store *ms = NULL;
	mongoc_uri_t *uri = NULL;
	bson_error_t e;
	int ret = -1;

	*out = NULL;
	if (!mongoc_ready) {
		/* before mongoc_init: it warns on stderr when it cannot map
		 * its shared-memory counters (many processes at once) */
		mongoc_log_set_handler(quiet_log, NULL);
		mongoc_init();
		mongoc_ready = 1;
	}
	ms = calloc(1, sizeof(*ms));
	if (!ms || !(ms->base.where = store_redact_uri(uri_string))) {
		berr_set(err, BERR_LOCAL, "store: out of memory");
		goto cleanup;
	}
	ms->base.ops = &mongo_ops;
	uri = mongoc_uri_new_with_error(uri_string, &e);
	if (!uri) {
		berr_set(err, BERR_USAGE, "store: bad MongoDB URI %s: %s", ms->base.where, e.message);
		goto cleanup;
	}
	default_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, SERVER_SELECTION_TIMEOUT_MS);
	default_option(uri, MONGOC_URI_CONNECTTIMEOUTMS, CONNECT_TIMEOUT_MS);
	default_option(uri, MONGOC_URI_SOCKETTIMEOUTMS, SOCKET_TIMEOUT_MS);
	if (!mongoc_uri_get_appname(uri))
		mongoc_uri_set_appname(uri, "berth");
	ms->client = mongoc_client_new_from_uri_with_error(uri, &e);
	if (!ms->client) {
		berr_set(err, BERR_USAGE, "store: cannot use MongoDB URI %s: %s", ms->base.where,
			 e.message);
		goto cleanup;
	}
	mongoc_client_set_error_api(ms->client, MONGOC_ERROR_API_VERSION_2);
	if (database && *database)
		ms->dbname = strdup(database);
	else if (mongoc_uri_get_database(uri))
		ms->dbname = strdup(mongoc_uri_get_database(uri));
	else
		ms->dbname = strdup("berth");
	if (!ms->dbname) {
		berr_set(err, BERR_LOCAL, "store: out of memory");
		goto cleanup;
	}
	ms->base.database = ms->dbname;
	*out = &ms->base;
	ms = NULL;
	ret = 0;
cleanup:
	if (ms)
		mongo_free(&ms->base);
	mongoc_uri_destroy(uri);
	return ret;
}

void berth_store_mongo_shutdown(void)
{
	if (mongoc_ready) {
		mongoc_cleanup();
		mongoc_ready = 0;
	}
}
