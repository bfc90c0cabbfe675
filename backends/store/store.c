/* store.c: choosing a store, the calls every command uses, and leases. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backends/store/store.h"
#include "backends/store/store_internal.h"
#include "lib/paths.h"

static const char *const coll_names[STORE_NCOLLS] = {
	[STORE_HOSTS] = "hosts",
	[STORE_IMAGES] = "images",
	[STORE_CONTAINERS] = "containers",
	[STORE_TEMPLATES] = "templates",
	[STORE_LEASES] = "leases",
	[STORE_VOLUMES] = "volumes",
	[STORE_NETWORKS] = "networks",
};

const char *store_coll_name(enum store_coll c)
{
	if ((unsigned)c >= STORE_NCOLLS)
		return "?";
	return coll_names[c];
}

int store_coll_is_cache(enum store_coll c)
{
	return c == STORE_IMAGES || c == STORE_CONTAINERS || c == STORE_VOLUMES ||
	       c == STORE_NETWORKS;
}

int store_coll_by_name(const char *name)
{
	for (int i = 0; i < STORE_NCOLLS; i++)
		if (!strcmp(coll_names[i], name))
			return i;
	return -1;
}

int store_open(const char *mongodb_uri, const char *mongodb_database, struct store **out,
	       struct berr *err)
{
	const char *dir_env = getenv("BERTH_STORE_DIR");
	char *dir = NULL;
	int ret;

	*out = NULL;
	if (mongodb_uri && *mongodb_uri)
		return store_mongo_open(mongodb_uri, mongodb_database, out, err);
	if (dir_env && *dir_env)
		return store_file_open(dir_env, out, err);
	dir = xdg_path("data", "store");
	if (!dir)
		return berr_set(err, BERR_LOCAL,
				"store: cannot find the data directory (set HOME or XDG_DATA_HOME)");
	ret = store_file_open(dir, out, err);
	free(dir);
	return ret;
}

void store_free(struct store *s)
{
	if (s && s->ops && s->ops->free)
		s->ops->free(s);
}

static int bad_coll(enum store_coll c, struct berr *err)
{
	if ((unsigned)c < STORE_NCOLLS)
		return 0;
	return berr_set(err, BERR_USAGE, "store: no collection number %d", (int)c);
}

int store_insert(struct store *s, enum store_coll c, const bson_t *doc, struct berr *err)
{
	if (bad_coll(c, err))
		return -1;
	return s->ops->insert(s, c, doc, err);
}

int store_upsert(struct store *s, enum store_coll c, const bson_t *selector,
		 const bson_t *doc, struct berr *err)
{
	if (bad_coll(c, err))
		return -1;
	return s->ops->upsert(s, c, selector, doc, err);
}

int store_remove(struct store *s, enum store_coll c, const bson_t *selector,
		 int64_t *nremoved, struct berr *err)
{
	if (bad_coll(c, err))
		return -1;
	return s->ops->remove(s, c, selector, nremoved, err);
}

int store_find(struct store *s, enum store_coll c, const bson_t *selector,
	       const struct store_find_opts *opts, store_doc_fn fn, void *ud,
	       struct berr *err)
{
	if (bad_coll(c, err))
		return -1;
	return s->ops->find(s, c, selector, opts, fn, ud, err);
}

struct first {
	bson_t *out;
	int found;
};

static int keep_first(void *ud, const bson_t *doc, struct berr *err)
{
	struct first *f = ud;

	bson_copy_to(doc, f->out);
	f->found = 1;
	return 1;
}

int store_find_one(struct store *s, enum store_coll c, const bson_t *selector,
		   bson_t *out, int *found, struct berr *err)
{
	struct store_find_opts opts = { NULL, 1 };
	struct first f = { out, 0 };
	int ret = -1;

	*found = 0;
	if (store_find(s, c, selector, &opts, keep_first, &f, err) < 0)
		goto cleanup;
	*found = f.found;
	ret = 0;
cleanup:
	if (ret < 0 && f.found)
		bson_destroy(out);
	return ret;
}

int store_count(struct store *s, enum store_coll c, const bson_t *selector,
		int64_t *n, struct berr *err)
{
	if (bad_coll(c, err))
		return -1;
	return s->ops->count(s, c, selector, n, err);
}

/* BERR_USAGE unless c is a collection of per-host sets. */
static int not_per_host(enum store_coll c, struct berr *err)
{
	if (bad_coll(c, err))
		return -1;
	if (!store_coll_is_cache(c))
		return berr_set(err, BERR_USAGE,
				"store: %s is not a per-host collection (only images and containers are)",
				store_coll_name(c));
	return 0;
}

int store_replace_host_set(struct store *s, enum store_coll c, const char *host,
			   const bson_t *const *docs, size_t ndocs,
			   struct store_set_stats *stats, struct berr *err)
{
	if (not_per_host(c, err))
		return -1;
	return s->ops->replace_host_set(s, c, host, docs, ndocs, stats, err);
}

int store_replace_host_sets(struct store *s, enum store_coll c, struct store_host_set *sets,
			    size_t n, struct berr *err)
{
	size_t i;

	if (not_per_host(c, err))
		return -1;
	if (s->ops->replace_host_sets)
		return s->ops->replace_host_sets(s, c, sets, n, err);
	for (i = 0; i < n; i++)
		if (s->ops->replace_host_set(s, c, sets[i].host, sets[i].docs, sets[i].ndocs,
					     &sets[i].stats, err) < 0)
			return -1;
	return 0;
}

int store_sets_begin(struct store *s, enum store_coll c, struct store_sets_writer **out,
		     struct berr *err)
{
	struct store_sets_writer *w;
	int r = 1;

	*out = NULL;
	if (not_per_host(c, err))
		return -1;
	if (s->ops->sets_begin && (r = s->ops->sets_begin(s, c, out, err)) < 0)
		return -1;
	if (r == 0)
		return 0;
	/* the generic writer: each set written as it is added */
	if (!(w = calloc(1, sizeof(*w))))
		return berr_set(err, BERR_LOCAL, "store: out of memory");
	w->s = s;
	w->c = c;
	*out = w;
	return 0;
}

int store_sets_add(struct store_sets_writer *w, const char *host, const bson_t *const *docs,
		   size_t ndocs, struct berr *err)
{
	if (store_check_host_set(w->c, host, docs, ndocs, err) < 0)
		return -1;
	if (store_sets_added(w, host))
		return berr_set(err, BERR_USAGE, "store: host %s given twice", host);
	if (w->nhosts == w->hosts_cap) {
		size_t na = w->hosts_cap ? 2 * w->hosts_cap : 64;
		char **nv = realloc(w->hosts, na * sizeof(*nv));

		if (!nv)
			return berr_set(err, BERR_LOCAL, "store: out of memory");
		w->hosts = nv;
		w->hosts_cap = na;
	}
	if (!(w->hosts[w->nhosts] = strdup(host)))
		return berr_set(err, BERR_LOCAL, "store: out of memory");
	strindex_add(&w->by_host, w->hosts[w->nhosts], w->nhosts);
	w->nhosts++;
	if (w->ops)
		return w->ops->add(w, host, docs, ndocs, err);
	return w->s->ops->replace_host_set(w->s, w->c, host, docs, ndocs, NULL, err);
}

int store_sets_added(const struct store_sets_writer *w, const char *host)
{
	size_t i;

	return strindex_find(&w->by_host, host, &i);
}

static void sets_free(struct store_sets_writer *w)
{
	size_t i;

	for (i = 0; i < w->nhosts; i++)
		free(w->hosts[i]);
	free(w->hosts);
	strindex_clear(&w->by_host);
	free(w);
}

int store_sets_commit(struct store_sets_writer *w, struct berr *err)
{
	int ret = w->ops ? w->ops->commit(w, err) : 0;

	sets_free(w);
	return ret;
}

void store_sets_abort(struct store_sets_writer *w)
{
	if (!w)
		return;
	if (w->ops)
		w->ops->abort(w);
	sets_free(w);
}

int store_batch_begin(struct store *s, enum store_coll c, struct berr *err)
{
	if (bad_coll(c, err))
		return -1;
	return s->ops->batch_begin ? s->ops->batch_begin(s, c, err) : 0;
}

int store_batch_end(struct store *s, enum store_coll c, struct berr *err)
{
	if (bad_coll(c, err))
		return -1;
	return s->ops->batch_end ? s->ops->batch_end(s, c, err) : 0;
}

int store_modify(struct store *s, enum store_coll c, const bson_t *selector,
		 const bson_t *update, int flags, bson_t *result, int *found,
		 struct berr *err)
{
	int ret;

	if (bad_coll(c, err))
		return -1;
	ret = s->ops->modify(s, c, selector, update, flags, result, found, err);
	/* Two upserts at once both find nothing and both insert; the unique
	 * index refuses the second, which now finds the first's document. */
	if (ret < 0 && (flags & STORE_UPSERT) && err && err->kind == BERR_CONFLICT) {
		berr_clear(err);
		ret = s->ops->modify(s, c, selector, update, flags, result, found, err);
	}
	return ret;
}

int store_drop(struct store *s, enum store_coll c, char **kept_aside, struct berr *err)
{
	if (kept_aside)
		*kept_aside = NULL;
	if (bad_coll(c, err))
		return -1;
	return s->ops->drop(s, c, kept_aside, err);
}

/* --- leases ---------------------------------------------------------------- */

static char *describe_holder(const bson_t *lease)
{
	bson_iter_t it;
	const char *holder = "someone";
	char when[64] = "?";
	char *out;
	size_t len;

	if (bson_iter_init_find(&it, lease, "holder") && BSON_ITER_HOLDS_UTF8(&it))
		holder = bson_iter_utf8(&it, NULL);
	if (bson_iter_init_find(&it, lease, "expires") && BSON_ITER_HOLDS_DATE_TIME(&it)) {
		time_t t = (time_t)(bson_iter_date_time(&it) / 1000);
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	len = strlen(holder) + strlen(when) + sizeof(" until ");
	out = malloc(len);
	if (out)
		snprintf(out, len, "%s until %s", holder, when);
	return out;
}

/* What to do about the lease seen, which someone holds: renew it when it
 * is holder's (1), remove it when it expired so that the caller can race
 * to insert again (0), or leave it to its holder (2). */
static int settle_lease(struct store *s, const bson_t *seen, const char *holder,
			int64_t now, int64_t ttl_ms, struct berr *err)
{
	bson_t *sel = bson_new(), *upd = NULL;
	const char *who = "";
	int64_t expires = 0;
	int has_expiry, found = 0, ret = -1;
	bson_iter_t it;

	if (!bson_iter_init_find(&it, seen, "_id")) {
		ret = 2;
		goto cleanup;
	}
	bson_append_iter(sel, "_id", 3, &it);
	if (bson_iter_init_find(&it, seen, "holder") && BSON_ITER_HOLDS_UTF8(&it))
		who = bson_iter_utf8(&it, NULL);
	has_expiry = bson_iter_init_find(&it, seen, "expires") && BSON_ITER_HOLDS_DATE_TIME(&it);
	if (has_expiry)
		expires = bson_iter_date_time(&it);
	if (!strcmp(who, holder)) {
		BSON_APPEND_UTF8(sel, "holder", holder);
		upd = BCON_NEW("$set", "{", "expires", BCON_DATE_TIME(now + ttl_ms), "}");
		if (store_modify(s, STORE_LEASES, sel, upd, 0, NULL, &found, err) < 0)
			goto cleanup;
		ret = found ? 1 : 0;
	} else if (expires < now) {
		if (has_expiry)
			BCON_APPEND(sel, "expires", "{", "$lt", BCON_DATE_TIME(now), "}");
		if (store_remove(s, STORE_LEASES, sel, NULL, err) < 0)
			goto cleanup;
		ret = 0;
	} else {
		ret = 2;
	}
cleanup:
	bson_destroy(sel);
	bson_destroy(upd);
	return ret;
}

/* Leases are built on the one primitive every store makes atomic, FerretDB
 * included: an insert that the unique index on leases.name refuses. Taking
 * over an expired lease removes exactly the document that was seen (by its
 * _id, never reused) and inserts again, so of several processes taking over
 * at once one insert wins and the others find its lease. (FerretDB 1.x runs
 * findAndModify as a read and a separate write, which two processes can
 * interleave: no lease may rest on it.) */
int store_lease_acquire(struct store *s, const char *name, const char *holder,
			int64_t ttl_ms, char **current, struct berr *err)
{
	int64_t now = store_now_ms();
	bson_t *lease = BCON_NEW("name", BCON_UTF8(name), "holder", BCON_UTF8(holder),
				 "expires", BCON_DATE_TIME(now + ttl_ms),
				 "acquired", BCON_DATE_TIME(now));
	bson_t *by_name = BCON_NEW("name", BCON_UTF8(name));
	struct berr local;
	bson_t seen;
	int have_seen = 0, found = 0, ret = -1;

	if (current)
		*current = NULL;
	if (!err) {
		berr_clear(&local);
		err = &local;
	}
	for (int attempt = 0; attempt < 5; attempt++) {
		int r;

		if (store_insert(s, STORE_LEASES, lease, err) == 0) {
			ret = 1;
			goto cleanup;
		}
		if (err->kind != BERR_CONFLICT)
			goto cleanup;
		berr_clear(err);
		if (have_seen)
			bson_destroy(&seen);
		have_seen = 0;
		if (store_find_one(s, STORE_LEASES, by_name, &seen, &found, err) < 0)
			goto cleanup;
		if (!found)
			continue; /* released in between */
		have_seen = 1;
		r = settle_lease(s, &seen, holder, now, ttl_ms, err);
		if (r < 0)
			goto cleanup;
		if (r == 1) {
			ret = 1;
			goto cleanup;
		}
		if (r == 2)
			break;
	}
	ret = 0;
	if (current && have_seen)
		*current = describe_holder(&seen);
cleanup:
	if (have_seen)
		bson_destroy(&seen);
	bson_destroy(lease);
	bson_destroy(by_name);
	return ret;
}

int store_lease_release(struct store *s, const char *name, const char *holder,
			struct berr *err)
{
	bson_t *sel = BCON_NEW("name", BCON_UTF8(name), "holder", BCON_UTF8(holder));
	int ret = store_remove(s, STORE_LEASES, sel, NULL, err);

	bson_destroy(sel);
	return ret;
}

/* --- helpers --------------------------------------------------------------- */

int64_t store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int key_is_secret(const char *key, size_t len)
{
	static const char word[] = "password";
	size_t wl = sizeof(word) - 1;

	for (size_t i = 0; i + wl <= len; i++)
		if (!strncasecmp(key + i, word, wl))
			return 1;
	return 0;
}

/* Appends the options after '?' with secret values hidden. */
static void redact_options(char *out, size_t *o, const char *opts)
{
	const char *p = opts;

	while (*p) {
		size_t seg = strcspn(p, "&;");
		const char *eq = memchr(p, '=', seg);

		if (eq && key_is_secret(p, (size_t)(eq - p))) {
			memcpy(out + *o, p, (size_t)(eq - p) + 1);
			*o += (size_t)(eq - p) + 1;
			memcpy(out + *o, "***", 3);
			*o += 3;
		} else {
			memcpy(out + *o, p, seg);
			*o += seg;
		}
		p += seg;
		if (*p)
			out[(*o)++] = *p++;
	}
}

char *store_redact_uri(const char *uri)
{
	const char *scheme_end, *auth, *at, *colon, *rest, *q;
	size_t len = strlen(uri), o = 0;
	/* every secret becomes "***": at most 3 bytes per input byte */
	char *out = malloc(3 * len + 8);

	if (!out)
		return NULL;
	scheme_end = strstr(uri, "://");
	auth = scheme_end ? scheme_end + 3 : uri;
	/* The userinfo ends at the LAST '@': an unencoded '@', '/' or '?' in
	 * a password must not let the rest of it through. Cutting too much
	 * (an '@' in an option value) only hides more. */
	at = strrchr(auth, '@');
	memcpy(out, uri, (size_t)(auth - uri));
	o = (size_t)(auth - uri);
	rest = auth;
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon) {
			memcpy(out + o, auth, (size_t)(colon - auth));
			o += (size_t)(colon - auth);
			memcpy(out + o, ":***", 4);
			o += 4;
		} else {
			memcpy(out + o, auth, (size_t)(at - auth));
			o += (size_t)(at - auth);
		}
		out[o++] = '@';
		rest = at + 1;
	}
	q = strchr(rest, '?');
	if (!q) {
		memcpy(out + o, rest, strlen(rest));
		o += strlen(rest);
	} else {
		memcpy(out + o, rest, (size_t)(q - rest) + 1);
		o += (size_t)(q - rest) + 1;
		redact_options(out, &o, q + 1);
	}
	out[o] = '\0';
	return out;
}
