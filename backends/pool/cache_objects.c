/* cache_objects.c: the volumes and networks of the cache (see cache.h):
 * written through, filtered, shaped back as the engine lists them, and
 * refreshed. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/pool/cache.h"
#include "backends/pool/cache_internal.h"
#include "backends/pool/fleet.h"
#include "backends/pool/pool.h"
#include "backends/backend.h"
#include "backends/docker/docker_objects.h"
#include "backends/store/store_docs.h"
#include "lib/text.h"
#include "lib/xalloc.h"

static int list_objects(struct backend *b, enum store_coll c, json_t **list, struct berr *err)
{
	*list = NULL;
	if (c == STORE_VOLUMES)
		return docker_volume_list(b, NULL, 0, list, err);
	if (c == STORE_NETWORKS)
		return docker_network_list(b, NULL, 0, list, err);
	return berr_set(err, BERR_USAGE, "%s is not a collection of volumes or networks",
			store_coll_name(c));
}

int cache_put_objects(struct fleet *fl, struct backend *b, enum store_coll c)
{
	return cache_put_relisted(fl, b, c, list_objects);
}

/* --- filters ------------------------------------------------------------------ */

static const char *const object_keys[] = { "label=", "name=", "driver=", "id=", NULL };

int cache_object_query_check(enum store_coll c, const struct cache_query *q, struct berr *err)
{
	size_t i, k;

	for (i = 0; q && i < q->nfilters; i++) {
		for (k = 0; object_keys[k]; k++)
			if (!strncmp(q->filters[i], object_keys[k], strlen(object_keys[k])))
				break;
		/* volumes have no ID */
		if (!object_keys[k] || (c == STORE_VOLUMES && k == 3))
			return berr_set(err, BERR_USAGE,
					"the cache cannot filter %s by '%s' (it takes label=, name=, "
					"driver=%s); leave out --cached", store_coll_name(c),
					CUT(q->filters[i]), c == STORE_NETWORKS ? ", id=" : "");
	}
	return 0;
}

enum match_how { MATCH_PART, MATCH_PREFIX, MATCH_EXACT };

/* The filters of key (as "name="): none given, or one that matches. */
static int key_matches(const struct cache_query *q, const char *key, const char *value,
		       enum match_how how)
{
	size_t i, kl = strlen(key);
	int given = 0;

	if (!value)
		value = "";
	for (i = 0; i < q->nfilters; i++) {
		const char *want = q->filters[i];

		if (strncmp(want, key, kl))
			continue;
		given = 1;
		want += kl;
		if (how == MATCH_EXACT ? !strcmp(value, want) :
		    how == MATCH_PREFIX ? !strncmp(value, want, strlen(want)) :
		    strstr(value, want) != NULL)
			return 1;
	}
	return !given;
}

/* As the engine filters volumes and networks: every label given, and any
 * of the names (a part of the name), drivers (exactly) and IDs (a
 * prefix). */
static int object_matches(const struct cache_query *q, const bson_t *doc)
{
	size_t i;

	if (!q)
		return 1;
	for (i = 0; i < q->nfilters; i++)
		if (!strncmp(q->filters[i], "label=", 6) && !cache_has_label(doc, q->filters[i] + 6))
			return 0;
	return key_matches(q, "name=", store_doc_str(doc, "name"), MATCH_PART) &&
	       key_matches(q, "id=", store_doc_str(doc, "id"), MATCH_PREFIX) &&
	       key_matches(q, "driver=", store_doc_str(doc, "driver"), MATCH_EXACT);
}

/* --- documents back into the engine's shape ------------------------------------- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The engine gives these times as RFC 3339 text. */
static json_t *date_or_null(const bson_t *doc, const char *field)
{
	int64_t ms = store_doc_date(doc, field);
	char buf[64];

	return ms ? json_string(store_fmt_date(buf, sizeof(buf), ms)) : json_null();
}

int cache_object_row(enum store_coll c, const bson_t *doc, const struct cache_query *q,
		     const char *host, int stale, json_t **row)
{
	json_t *whole, *o;

	*row = NULL;
	if (!object_matches(q, doc))
		return 0;
	whole = store_doc_to_json(doc);
	o = json_object();
	if (!whole || !o) {
		json_decref(whole);
		json_decref(o);
		return -1;
	}
	if (c == STORE_NETWORKS)
		json_object_set_new(o, "Id", str_or_null(store_doc_str(doc, "id")));
	json_object_set_new(o, "Name", str_or_null(store_doc_str(doc, "name")));
	json_object_set_new(o, "Driver", str_or_null(store_doc_str(doc, "driver")));
	json_object_set_new(o, "Scope", str_or_null(store_doc_str(doc, "scope")));
	if (c == STORE_VOLUMES) {
		json_object_set_new(o, "Mountpoint", str_or_null(store_doc_str(doc, "mountpoint")));
		json_object_set_new(o, "CreatedAt", date_or_null(doc, "created"));
	} else {
		json_object_set_new(o, "Created", date_or_null(doc, "created"));
	}
	cache_add_common(o, doc, whole, host, stale);
	json_decref(whole);
	*row = o;
	return 1;
}

/* --- refresh ------------------------------------------------------------------------ */

/* Collection c of the hosts still ok: listed one after the other, then
 * written in one replace of the collection. */
static void refresh_coll(struct fleet *fl, struct store *s, enum store_coll c,
			 struct backend *const *bs, size_t n, unsigned char *ok,
			 struct cache_refresh_stats *st, struct berr *errs, size_t *failed)
{
	struct store_docset *sets = xcalloc(n + 1, sizeof(*sets));
	struct store_host_set *hs = xcalloc(n + 1, sizeof(*hs));
	size_t *idx = xcalloc(n + 1, sizeof(*idx));
	int64_t now = store_now_ms();
	struct berr err;
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		json_t *list = NULL;
		int rc;

		if (!ok[i] || st[i].store_failed)
			continue;
		berr_clear(&err);
		rc = list_objects(bs[i], c, &list, &err);
		if (rc == 0)
			rc = store_docset_from_list(&sets[i], c, bs[i]->name, list, now, &err);
		json_decref(list);
		if (rc < 0 && err.kind == BERR_USAGE)
			continue; /* a backend kind without volumes or networks */
		if (rc < 0) {
			pool_record(fl, bs[i]->name, &err);
			errs[i] = err;
			ok[i] = 0;
			(*failed)++;
			continue;
		}
		hs[m].host = bs[i]->name;
		hs[m].docs = (const bson_t *const *)sets[i].docs;
		hs[m].ndocs = sets[i].n;
		idx[m++] = i;
	}
	berr_clear(&err);
	if (m && store_replace_host_sets(s, c, hs, m, &err) < 0) {
		cache_advise_reset(&err, c);
		for (i = 0; i < m; i++) {
			st[idx[i]].store_failed = 1;
			errs[idx[i]] = err;
			(*failed)++;
		}
	} else {
		for (i = 0; i < m; i++)
			*(c == STORE_VOLUMES ? &st[idx[i]].volumes : &st[idx[i]].networks) =
				hs[i].stats.written;
	}
	for (i = 0; i < n; i++)
		store_docset_release(&sets[i]);
	free(sets);
	free(hs);
	free(idx);
}

void cache_refresh_objects(struct fleet *fl, struct store *s, struct backend *const *bs, size_t n,
			   unsigned char *ok, struct cache_refresh_stats *st, struct berr *errs,
			   size_t *failed)
{
	refresh_coll(fl, s, STORE_VOLUMES, bs, n, ok, st, errs, failed);
	refresh_coll(fl, s, STORE_NETWORKS, bs, n, ok, st, errs, failed);
}
