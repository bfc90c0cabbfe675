/* cache.c: recording what engines showed, and reading it back. */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/pool/cache.h"
#include "backends/pool/cache_internal.h"
#include "backends/pool/fleet.h"
#include "backends/pool/hosts.h"
#include "lib/fmt.h"
#include "lib/timefmt.h"
#include "backends/backend.h"
#include "backends/store/store_docs.h"
#include "backends/fanout.h"
#include "backends/pool/pool.h"
#include "lib/text.h"
#include "lib/xalloc.h"

/* A filtered listing of up to this many rows is recorded row by row; a
 * longer one as one rewrite of the host's set, since on the file store
 * every call rewrites the whole collection file. */
#define CACHE_UPSERT_MAX 16

void cache_advise_reset(struct berr *err, enum store_coll c)
{
	size_t len;

	if (!err || err->kind != BERR_PROTOCOL || !store_coll_is_cache(c) ||
	    strstr(err->msg, "cache reset"))
		return;
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len,
		 "; run 'cache reset' to empty the cache (the file is moved aside, not deleted)");
}

/* Tells the hosts collection that host's engine answered a listing
 * (hosts_record_seen warns for itself). */
static void record_seen(struct fleet *fl, const char *host)
{
	hosts_record_seen(fl, host, NULL);
}

/* --- write-through --------------------------------------------------------- */

struct store *cache_wt_store(struct fleet *fl)
{
	struct berr err;
	struct store *s;

	berr_clear(&err);
	s = fleet_store(fl, &err);
	if (!s)
		fleet_cache_warn(fl, &err);
	return s;
}

int cache_wt_failed(struct fleet *fl, struct berr *err, enum store_coll c)
{
	cache_advise_reset(err, c);
	fleet_cache_warn(fl, err);
	return -1;
}

static int upsert_doc(struct store *s, enum store_coll c, const char *host, const bson_t *doc,
		      struct berr *err)
{
	const char *id = store_doc_str(doc, "id");
	bson_t *sel = BCON_NEW("host", BCON_UTF8(host), "id", BCON_UTF8(id ? id : ""));
	int ret = store_upsert(s, c, sel, doc, err);

	bson_destroy(sel);
	return ret;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

struct merge {
	const char **seen; /* ids of the listing, sorted */
	size_t nseen;
	bson_t **keep;     /* the host's other documents, copied */
	size_t nkeep, alloc;
};

static int keep_unseen(void *ud, const bson_t *doc, struct berr *err)
{
	struct merge *m = ud;
	const char *id = store_doc_str(doc, "id");

	if (id && bsearch(&id, m->seen, m->nseen, sizeof(*m->seen), cmp_str))
		return 0;
	if (m->nkeep == m->alloc) {
		size_t na = m->alloc ? 2 * m->alloc : 64;
		bson_t **nv = realloc(m->keep, na * sizeof(*nv));
		if (!nv)
			return berr_set(err, BERR_LOCAL, "store: out of memory");
		m->keep = nv;
		m->alloc = na;
	}
	/* without its _id: the store gives a set's documents new ones */
	m->keep[m->nkeep] = bson_new();
	bson_copy_to_excluding_noinit(doc, m->keep[m->nkeep++], "_id", NULL);
	return 0;
}

/* The rows of a partial listing merged into the host's set: one read and
 * one rewrite. A write another process makes to this host's set between
 * the two is lost; the next listing of the host puts it right, and a cache
 * is allowed that much. */
static int merge_rows(struct store *s, enum store_coll c, const char *host,
		      const struct store_docset *set, struct berr *err)
{
	struct merge m;
	bson_t **all = NULL;
	bson_t *sel = BCON_NEW("host", BCON_UTF8(host));
	size_t i, n = 0;
	int ret = -1;

	memset(&m, 0, sizeof(m));
	m.seen = calloc(set->n ? set->n : 1, sizeof(*m.seen));
	if (!m.seen) {
		berr_set(err, BERR_LOCAL, "store: out of memory");
		goto cleanup;
	}
	for (i = 0; i < set->n; i++) {
		const char *id = store_doc_str(set->docs[i], "id");
		if (id)
			m.seen[m.nseen++] = id;
	}
	qsort(m.seen, m.nseen, sizeof(*m.seen), cmp_str);
	if (store_find(s, c, sel, NULL, keep_unseen, &m, err) < 0)
		goto cleanup;
	all = calloc(set->n + m.nkeep + 1, sizeof(*all));
	if (!all) {
		berr_set(err, BERR_LOCAL, "store: out of memory");
		goto cleanup;
	}
	for (i = 0; i < set->n; i++) {
		/* a listing never shows one container twice, but be sure:
		 * the store refuses a set with duplicate ids */
		const char *id = store_doc_str(set->docs[i], "id");
		size_t j;
		int dup = 0;
		for (j = i + 1; j < set->n && !dup; j++)
			dup = id && store_doc_str(set->docs[j], "id") &&
			      !strcmp(id, store_doc_str(set->docs[j], "id"));
		if (!dup)
			all[n++] = set->docs[i];
	}
	for (i = 0; i < m.nkeep; i++)
		all[n++] = m.keep[i];
	ret = store_replace_host_set(s, c, host, (const bson_t *const *)all, n, NULL, err);
cleanup:
	for (i = 0; i < m.nkeep; i++)
		bson_destroy(m.keep[i]);
	free(m.keep);
	free(m.seen);
	free(all);
	bson_destroy(sel);
	return ret;
}

int cache_put_listing(struct fleet *fl, enum store_coll c, const char *host,
		      const json_t *list, int whole)
{
	struct store_docset set = { NULL, 0 };
	struct store *s;
	struct berr err;
	size_t i;
	int ret = -1;

	if (!(s = cache_wt_store(fl)))
		return -1;
	berr_clear(&err);
	if (store_docset_from_list(&set, c, host, list, store_now_ms(), &err) < 0)
		goto cleanup;
	if (whole) {
		if (store_replace_host_set(s, c, host, (const bson_t *const *)set.docs, set.n,
					   NULL, &err) < 0)
			goto cleanup;
	} else if (set.n > CACHE_UPSERT_MAX) {
		if (merge_rows(s, c, host, &set, &err) < 0)
			goto cleanup;
	} else {
		for (i = 0; i < set.n; i++)
			if (upsert_doc(s, c, host, set.docs[i], &err) < 0)
				goto cleanup;
	}
	ret = 0;
cleanup:
	store_docset_release(&set);
	if (ret < 0)
		return cache_wt_failed(fl, &err, c);
	record_seen(fl, host);
	return 0;
}

int cache_put_listings(struct fleet *fl, enum store_coll c, const char *const *hosts,
		       const json_t *const *lists, size_t n)
{
	struct store_docset *sets = NULL;
	struct store_host_set *hs = NULL;
	int64_t now = store_now_ms();
	struct store *s;
	struct berr err;
	size_t i;
	int ret = -1, opened;

	if (!n)
		return 0;
	if (!(s = cache_wt_store(fl)))
		return -1;
	berr_clear(&err);
	sets = calloc(n, sizeof(*sets));
	hs = calloc(n, sizeof(*hs));
	if (!sets || !hs) {
		berr_set(&err, BERR_LOCAL, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (store_docset_from_list(&sets[i], c, hosts[i], lists[i], now, &err) < 0)
			goto cleanup;
		hs[i].host = hosts[i];
		hs[i].docs = (const bson_t *const *)sets[i].docs;
		hs[i].ndocs = sets[i].n;
	}
	if (store_replace_host_sets(s, c, hs, n, &err) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	for (i = 0; sets && i < n; i++)
		store_docset_release(&sets[i]);
	free(sets);
	free(hs);
	if (ret < 0)
		return cache_wt_failed(fl, &err, c);
	opened = n > 1 ? pool_records_begin(fl) : 0;
	for (i = 0; i < n; i++)
		record_seen(fl, hosts[i]);
	pool_records_end(fl, opened);
	return 0;
}

struct cache_sets {
	struct fleet *fl;              /* borrowed */
	enum store_coll c;
	struct store_sets_writer *w;   /* NULL once the store failed */
	const char **hosts;            /* the hosts added (borrowed names) */
	size_t n, cap;
};

struct cache_sets *cache_sets_begin(struct fleet *fl, enum store_coll c)
{
	struct cache_sets *cs;
	struct store *s;
	struct berr err;

	if (!(s = cache_wt_store(fl)))
		return NULL;
	cs = xcalloc(1, sizeof(*cs));
	cs->fl = fl;
	cs->c = c;
	berr_clear(&err);
	if (store_sets_begin(s, c, &cs->w, &err) < 0) {
		cache_wt_failed(fl, &err, c);
		cs->w = NULL;
	}
	return cs;
}

static void sets_failed(struct cache_sets *cs, struct berr *err)
{
	store_sets_abort(cs->w);
	cs->w = NULL;
	cache_wt_failed(cs->fl, err, cs->c);
}

void cache_sets_add(struct cache_sets *cs, const char *host, const bson_t *const *docs,
		    size_t n)
{
	struct berr err;

	if (!cs || !cs->w)
		return;
	berr_clear(&err);
	if (store_sets_add(cs->w, host, docs, n, &err) < 0) {
		sets_failed(cs, &err);
		return;
	}
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 64;
		cs->hosts = xrealloc(cs->hosts, cs->cap * sizeof(*cs->hosts));
	}
	cs->hosts[cs->n++] = host;
}

void cache_sets_end(struct cache_sets *cs)
{
	struct store_sets_writer *w;
	struct berr err;
	size_t i;
	int opened;

	if (!cs)
		return;
	berr_clear(&err);
	w = cs->w;
	cs->w = NULL;
	if (w && store_sets_commit(w, &err) < 0) {
		cache_wt_failed(cs->fl, &err, cs->c);
	} else if (w) {
		opened = cs->n > 1 ? pool_records_begin(cs->fl) : 0;
		for (i = 0; i < cs->n; i++)
			record_seen(cs->fl, cs->hosts[i]);
		pool_records_end(cs->fl, opened);
	}
	free(cs->hosts);
	free(cs);
}

int cache_drop_container(struct fleet *fl, const char *host, const char *id)
{
	struct store *s;
	struct berr err;
	bson_t *sel;
	int ret;

	if (!(s = cache_wt_store(fl)))
		return -1;
	berr_clear(&err);
	sel = BCON_NEW("host", BCON_UTF8(host), "id", BCON_UTF8(id));
	ret = store_remove(s, STORE_CONTAINERS, sel, NULL, &err);
	bson_destroy(sel);
	return ret < 0 ? cache_wt_failed(fl, &err, STORE_CONTAINERS) : 0;
}

int cache_put_container(struct fleet *fl, struct backend *b, const char *ref)
{
	struct list_filter filter;
	struct berr err;
	json_t *obj = NULL, *list = NULL, *entry, *hit = NULL;
	const char *filters[1];
	const char *id;
	char *idf = NULL;
	bson_t doc;
	size_t i;
	struct store *s;
	int ret = -1, have_doc = 0;

	if (!(s = cache_wt_store(fl)))
		return -1;
	berr_clear(&err);
	/* The ref may be a name or a prefix: the engine says which ID. */
	if (b->ops->container_inspect(b, ref, &obj, &err) < 0) {
		if (err.kind == BERR_NOT_FOUND || err.kind == BERR_INTERRUPTED)
			ret = 0; /* gone already (or the user is leaving): nothing to record */
		goto cleanup;
	}
	id = json_string_value(json_object_get(obj, "Id"));
	if (!id) {
		berr_set(&err, BERR_PROTOCOL, "%s: the engine described container %s without an \"Id\"",
			 b->name, ref);
		goto cleanup;
	}
	if (asprintf(&idf, "id=%s", id) < 0) {
		idf = NULL;
		berr_set(&err, BERR_LOCAL, "out of memory");
		goto cleanup;
	}
	/* The listing's view of it (Status "Up 2 seconds", Ports, Names),
	 * so that the document is the one a listing would have written. */
	filters[0] = idf;
	memset(&filter, 0, sizeof(filter));
	filter.all = 1;
	filter.filters = filters;
	filter.nfilters = 1;
	if (b->ops->container_list(b, &filter, &list, &err) < 0) {
		if (err.kind == BERR_INTERRUPTED)
			ret = 0;
		goto cleanup;
	}
	json_array_foreach(list, i, entry)
		if (json_is_string(json_object_get(entry, "Id")) &&
		    !strcmp(json_string_value(json_object_get(entry, "Id")), id))
			hit = entry;
	if (!hit) {
		/* removed between the two calls (--rm, another client);
		 * cache_drop_container() warns for itself */
		ret = cache_drop_container(fl, b->name, id);
		goto cleanup;
	}
	bson_init(&doc);
	have_doc = 1;
	if (store_doc_container(&doc, b->name, hit, store_now_ms(), &err) < 0 ||
	    upsert_doc(s, STORE_CONTAINERS, b->name, &doc, &err) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	if (ret < 0 && err.kind != BERR_NONE)
		cache_wt_failed(fl, &err, STORE_CONTAINERS);
	if (have_doc)
		bson_destroy(&doc);
	free(idf);
	json_decref(obj);
	json_decref(list);
	return ret;
}

int cache_put_relisted(struct fleet *fl, struct backend *b, enum store_coll c, cache_list_fn fn)
{
	struct berr err;
	json_t *list = NULL;
	int ret;

	if (!cache_wt_store(fl))
		return -1;
	berr_clear(&err);
	if (fn(b, c, &list, &err) < 0) {
		if (err.kind == BERR_INTERRUPTED)
			return 0;
		return cache_wt_failed(fl, &err, c);
	}
	ret = cache_put_listing(fl, c, b->name, list, 1);
	json_decref(list);
	return ret;
}

static int list_images(struct backend *b, enum store_coll c, json_t **list, struct berr *err)
{
	(void)c;
	return b->ops->image_list(b, 0, list, err);
}

int cache_put_images(struct fleet *fl, struct backend *b)
{
	return cache_put_relisted(fl, b, STORE_IMAGES, list_images);
}

/* --- filters over cached containers ----------------------------------------- */

struct pattern {
	const char *text;
	regex_t re;
	int compiled;
};

struct cfilter {
	int all;
	const char **status, **labels, **ancestors;
	size_t nstatus, nlabels, nancestors;
	struct pattern *names, *ids;
	size_t nnames, nids;
};

static void cfilter_release(struct cfilter *f)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		if (f->names[i].compiled)
			regfree(&f->names[i].re);
	for (i = 0; i < f->nids; i++)
		if (f->ids[i].compiled)
			regfree(&f->ids[i].re);
	free(f->status);
	free(f->labels);
	free(f->ancestors);
	free(f->names);
	free(f->ids);
	memset(f, 0, sizeof(*f));
}

static int cfilter_init(struct cfilter *f, const struct cache_query *q, struct berr *err)
{
	size_t i, n = q ? q->nfilters : 0;

	memset(f, 0, sizeof(*f));
	f->all = q ? q->all : 1;
	if (!n)
		return 0;
	f->status = calloc(n, sizeof(*f->status));
	f->labels = calloc(n, sizeof(*f->labels));
	f->ancestors = calloc(n, sizeof(*f->ancestors));
	f->names = calloc(n, sizeof(*f->names));
	f->ids = calloc(n, sizeof(*f->ids));
	if (!f->status || !f->labels || !f->ancestors || !f->names || !f->ids) {
		cfilter_release(f);
		return berr_set(err, BERR_LOCAL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		const char *s = q->filters[i];
		struct pattern *p = NULL;

		if (!strncmp(s, "status=", 7)) {
			f->status[f->nstatus++] = s + 7;
		} else if (!strncmp(s, "label=", 6)) {
			f->labels[f->nlabels++] = s + 6;
		} else if (!strncmp(s, "ancestor=", 9)) {
			f->ancestors[f->nancestors++] = s + 9;
		} else if (!strncmp(s, "name=", 5)) {
			p = &f->names[f->nnames++];
			p->text = s + 5;
		} else if (!strncmp(s, "id=", 3)) {
			p = &f->ids[f->nids++];
			p->text = s + 3;
		} else {
			cfilter_release(f);
			return berr_set(err, BERR_USAGE, "invalid filter '%s'", CUT(s));
		}
		/* The engine takes name and id as regular expressions (Go's;
		 * POSIX extended ones agree on everything people write here).
		 * One that does not compile matches only itself, exactly. */
		if (p)
			p->compiled = regcomp(&p->re, p->text, REG_EXTENDED | REG_NOSUB) == 0;
	}
	/* the engine shows stopped containers when asked for a status */
	if (f->nstatus)
		f->all = 1;
	return 0;
}

static int pattern_match(const struct pattern *p, const char *s)
{
	if (!strcmp(p->text, s))
		return 1;
	return p->compiled && regexec(&p->re, s, 0, NULL, 0) == 0;
}

/* Does the label_kv array of doc hold "K=V" (want has '=') or a "K=..."? */
int cache_has_label(const bson_t *doc, const char *want)
{
	const char *eq = strchr(want, '=');
	size_t klen = eq ? (size_t)(eq - want) : strlen(want);
	bson_iter_t it, arr;

	if (!bson_iter_init_find(&it, doc, "label_kv") || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &arr))
		return 0;
	while (bson_iter_next(&arr)) {
		const char *kv;

		if (!BSON_ITER_HOLDS_UTF8(&arr))
			continue;
		kv = bson_iter_utf8(&arr, NULL);
		if (eq ? !strcmp(kv, want) : (!strncmp(kv, want, klen) && kv[klen] == '='))
			return 1;
	}
	return 0;
}

static int has_tag(const char *ref)
{
	const char *slash = strrchr(ref, '/'), *colon = strrchr(ref, ':');

	return colon && (!slash || colon > slash);
}

/* ancestor=busybox matches busybox, busybox:latest, and the image's ID or
 * a prefix of it; descendants of the image are beyond what the cache
 * knows. */
static int ancestor_match(const char *want, const char *image, const char *image_id)
{
	size_t wl = strlen(want), il = strlen(image), hl;
	const char *hex = !strncmp(image_id, "sha256:", 7) ? image_id + 7 : image_id;
	const char *whex = !strncmp(want, "sha256:", 7) ? want + 7 : want;

	if (!strcmp(want, image))
		return 1;
	if (!has_tag(want) && il == wl + 7 && !strncmp(image, want, wl) && !strcmp(image + wl, ":latest"))
		return 1;
	if (!has_tag(image) && wl == il + 7 && !strncmp(want, image, il) && !strcmp(want + il, ":latest"))
		return 1;
	hl = strlen(whex);
	return hl && strspn(whex, "0123456789abcdef") == hl && !strncmp(hex, whex, hl);
}

static int container_matches(const struct cfilter *f, const bson_t *doc)
{
	const char *state = store_doc_str(doc, "state");
	const char *name = store_doc_str(doc, "name");
	const char *id = store_doc_str(doc, "id");
	size_t i;
	int ok;

	if (!state)
		state = "";
	if (f->nstatus) {
		for (i = 0, ok = 0; i < f->nstatus && !ok; i++)
			ok = !strcmp(state, f->status[i]);
		if (!ok)
			return 0;
	} else if (!f->all && strcmp(state, "running") && strcmp(state, "paused") &&
		   strcmp(state, "restarting")) {
		return 0;
	}
	for (i = 0; i < f->nlabels; i++)
		if (!cache_has_label(doc, f->labels[i]))
			return 0;
	if (f->nnames) {
		char slashed[512];
		snprintf(slashed, sizeof(slashed), "/%s", name ? name : "");
		for (i = 0, ok = 0; i < f->nnames && !ok; i++)
			ok = pattern_match(&f->names[i], slashed) ||
			     pattern_match(&f->names[i], slashed + 1);
		if (!ok)
			return 0;
	}
	if (f->nids) {
		for (i = 0, ok = 0; i < f->nids && !ok; i++)
			ok = pattern_match(&f->ids[i], id ? id : "");
		if (!ok)
			return 0;
	}
	if (f->nancestors) {
		const char *image = store_doc_str(doc, "image");
		const char *image_id = store_doc_str(doc, "image_id");
		for (i = 0, ok = 0; i < f->nancestors && !ok; i++)
			ok = ancestor_match(f->ancestors[i], image ? image : "", image_id ? image_id : "");
		if (!ok)
			return 0;
	}
	return 1;
}

/* --- documents back into the engine's shape ----------------------------------- */

static json_t *jstr_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

/* The engine lists times in seconds since the epoch. */
static json_t *jsecs(const bson_t *doc, const char *field)
{
	return json_integer((json_int_t)(store_doc_date(doc, field) / 1000));
}

void cache_add_common(json_t *o, const bson_t *doc, const json_t *whole, const char *host,
		      int stale)
{
	int64_t seen = store_doc_date(doc, "last_seen");
	const json_t *kvs = json_object_get(whole, "label_kv"), *kv;
	json_t *labels = json_object();
	size_t i;
	char when[64];

	/* label_kv, not labels: only it holds the labels with a '.' */
	json_array_foreach(kvs, i, kv) {
		const char *s = json_string_value(kv), *eq = s ? strchr(s, '=') : NULL;
		char *k;

		if (!eq || !labels || !(k = strndup(s, (size_t)(eq - s))))
			continue;
		json_object_set_new(labels, k, json_string(eq + 1));
		free(k);
	}
	json_object_set_new(o, "Labels", labels ? labels : json_object());
	json_object_set_new(o, "Host", json_string(host));
	json_object_set_new(o, "LastSeen", seen ? json_string(store_fmt_date(when, sizeof(when), seen))
						: json_null());
	json_object_set_new(o, "Stale", json_boolean(stale));
}

static json_t *container_row(const bson_t *doc, const char *host, int stale)
{
	json_t *whole = store_doc_to_json(doc), *o = json_object(), *names = json_array();
	json_t *ports = json_array(), *p;
	const char *name = store_doc_str(doc, "name");
	size_t i;

	if (!whole || !o || !names || !ports) {
		json_decref(whole);
		json_decref(o);
		json_decref(names);
		json_decref(ports);
		return NULL;
	}
	if (name) {
		size_t len = strlen(name) + 2;
		char *slashed = malloc(len);
		if (slashed) {
			snprintf(slashed, len, "/%s", name);
			json_array_append_new(names, json_string(slashed));
			free(slashed);
		}
	}
	json_array_foreach(json_object_get(whole, "ports"), i, p) {
		json_t *q = json_object();
		json_t *ip = json_object_get(p, "ip"), *pub = json_object_get(p, "public_port");

		if (!q)
			continue;
		/* the engine leaves IP and PublicPort out of unpublished ports */
		if (json_is_string(ip))
			json_object_set(q, "IP", ip);
		json_object_set(q, "PrivatePort", json_object_get(p, "private_port"));
		if (json_is_integer(pub))
			json_object_set(q, "PublicPort", pub);
		json_object_set(q, "Type", json_object_get(p, "type"));
		json_array_append_new(ports, q);
	}
	json_object_set_new(o, "Id", jstr_or_empty(store_doc_str(doc, "id")));
	json_object_set_new(o, "Names", names);
	json_object_set_new(o, "Image", jstr_or_empty(store_doc_str(doc, "image")));
	json_object_set_new(o, "ImageID", jstr_or_empty(store_doc_str(doc, "image_id")));
	json_object_set_new(o, "Command", jstr_or_empty(store_doc_str(doc, "command")));
	json_object_set_new(o, "Created", jsecs(doc, "created"));
	json_object_set_new(o, "Ports", ports);
	json_object_set_new(o, "State", jstr_or_empty(store_doc_str(doc, "state")));
	json_object_set_new(o, "Status", jstr_or_empty(store_doc_str(doc, "status")));
	cache_add_common(o, doc, whole, host, stale);
	json_decref(whole);
	return o;
}

static json_t *image_row(const bson_t *doc, const char *host, int stale)
{
	json_t *whole = store_doc_to_json(doc), *o = json_object();
	const json_t *tags;

	if (!whole || !o) {
		json_decref(whole);
		json_decref(o);
		return NULL;
	}
	tags = json_object_get(whole, "tags");
	json_object_set_new(o, "Id", jstr_or_empty(store_doc_str(doc, "id")));
	json_object_set_new(o, "RepoTags", json_is_array(tags) ? json_deep_copy(tags) : json_array());
	json_object_set_new(o, "Created", jsecs(doc, "created"));
	json_object_set_new(o, "Size", json_integer((json_int_t)store_doc_int(doc, "size", 0)));
	cache_add_common(o, doc, whole, host, stale);
	json_decref(whole);
	return o;
}

/* --- reading -------------------------------------------------------------------- */

struct reader {
	enum store_coll c;
	const char *host;
	const struct cfilter *f;
	const struct cache_query *q; /* volumes and networks */
	int stale;
	json_t *rows;
	int64_t seen_ms;
	size_t ndocs;
};

static int read_one(void *ud, const bson_t *doc, struct berr *err)
{
	struct reader *r = ud;
	int64_t seen = store_doc_date(doc, "last_seen");
	json_t *row;

	r->ndocs++;
	if (seen > r->seen_ms)
		r->seen_ms = seen;
	if (r->c == STORE_VOLUMES || r->c == STORE_NETWORKS) {
		int rc = cache_object_row(r->c, doc, r->q, r->host, r->stale, &row);
		if (rc <= 0)
			return rc < 0 ? berr_set(err, BERR_LOCAL, "out of memory") : 0;
	} else if (r->c == STORE_CONTAINERS && !container_matches(r->f, doc)) {
		return 0;
	} else {
		row = r->c == STORE_CONTAINERS ? container_row(doc, r->host, r->stale)
					       : image_row(doc, r->host, r->stale);
	}
	if (!row || json_array_append_new(r->rows, row) < 0)
		return berr_set(err, BERR_LOCAL, "out of memory");
	return 0;
}

static int note_seen(void *ud, const bson_t *doc, struct berr *err)
{
	struct reader *r = ud;

	(void)err;
	r->ndocs++;
	r->seen_ms = store_doc_date(doc, "last_seen");
	return 1;
}

void cache_rows_release(struct cache_rows *rows)
{
	json_decref(rows->rows);
	rows->rows = NULL;
}

int cache_read(struct fleet *fl, enum store_coll c, const char *host,
	       const struct cache_query *q, int stale, struct cache_rows *rows,
	       struct berr *err)
{
	struct store_find_opts opts = { NULL, 0 };
	struct cfilter f;
	struct reader r;
	struct store *s;
	bson_t *sel = NULL, *sort = NULL, *by_seen = NULL;
	int objects = c == STORE_VOLUMES || c == STORE_NETWORKS;
	int ret = -1;

	memset(rows, 0, sizeof(*rows));
	if (!store_coll_is_cache(c))
		return berr_set(err, BERR_USAGE, "%s is not a cache collection", store_coll_name(c));
	if (objects && cache_object_query_check(c, q, err) < 0)
		return -1;
	if (cfilter_init(&f, objects ? NULL : q, err) < 0)
		return -1;
	if (!(s = fleet_store(fl, err)))
		goto cleanup;
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.host = host;
	r.f = &f;
	r.q = q;
	r.stale = stale;
	if (!(r.rows = json_array())) {
		berr_set(err, BERR_LOCAL, "out of memory");
		goto cleanup;
	}
	sel = BCON_NEW("host", BCON_UTF8(host));
	/* as the engine lists them: the newest first; volumes and networks
	 * as docker shows them, by name */
	sort = objects ? BCON_NEW("name", BCON_INT32(1), "id", BCON_INT32(1))
		       : BCON_NEW("created", BCON_INT32(-1), "id", BCON_INT32(1));
	opts.sort = sort;
	if (store_find(s, c, sel, &opts, read_one, &r, err) < 0) {
		cache_advise_reset(err, c);
		json_decref(r.rows);
		goto cleanup;
	}
	rows->rows = r.rows;
	rows->seen_ms = r.seen_ms;
	rows->known = r.ndocs > 0;
	if (!rows->known) {
		/* An engine with nothing to list leaves no documents. Its
		 * images (or containers) say that it was listed all the same;
		 * with neither, an empty set cannot be told from a host never
		 * cached, nor from a cache reset since. (The hosts
		 * collection's last_seen survives a reset: no help here.)
		 * Not knowing only costs the fallback. */
		struct store_find_opts newest = { NULL, 1 };
		struct berr ignored;

		berr_clear(&ignored);
		newest.sort = by_seen = BCON_NEW("last_seen", BCON_INT32(-1));
		r.ndocs = 0;
		r.seen_ms = 0;
		r.c = c == STORE_CONTAINERS ? STORE_IMAGES : STORE_CONTAINERS;
		r.rows = NULL;
		if (store_find(s, r.c, sel, &newest, note_seen, &r, &ignored) == 0 && r.ndocs) {
			rows->known = 1;
			rows->seen_ms = r.seen_ms;
		}
	}
	ret = 0;
cleanup:
	cfilter_release(&f);
	bson_destroy(sel);
	bson_destroy(sort);
	bson_destroy(by_seen);
	return ret;
}

time_t cache_row_seen(const json_t *row)
{
	time_t t;

	return parse_rfc3339(json_string_value(json_object_get(row, "LastSeen")), &t) == 0 ? t : 0;
}

int cache_fallback(struct fleet *fl, enum store_coll c, const char *host,
		   const struct cache_query *q, const struct berr *engine_err,
		   json_t **out)
{
	struct cache_rows rows;
	struct berr err;
	char ago[64];

	*out = NULL;
	if (engine_err->kind != BERR_CONNECT && engine_err->kind != BERR_TIMEOUT)
		return 0;
	berr_clear(&err);
	if (cache_read(fl, c, host, q, 1, &rows, &err) < 0)
		return 0;
	if (!rows.known) {
		cache_rows_release(&rows);
		return 0;
	}
	fmt_ago(ago, sizeof(ago), (time_t)(rows.seen_ms / 1000), time(NULL));
	/* "Less than a second ago" reads better in lower case mid-sentence */
	if (ago[0] >= 'A' && ago[0] <= 'Z')
		ago[0] = (char)(ago[0] - 'A' + 'a');
	fleet_warn(fl, "%s: cannot reach the engine; showing cached rows from %s", host, ago);
	*out = rows.rows;
	return 1;
}

/* --- refresh ----------------------------------------------------------------------- */

/* One host's listings parsed: both first, so that a malformed one keeps
 * the host's old records whole rather than half new. */
static int refresh_parse(const char *host, struct fanout_job *jobs, int64_t now,
			 struct store_docset *cs, struct store_docset *is, struct berr *err)
{
	int ret = 0;

	if (store_docset_from_text(cs, STORE_CONTAINERS, host, jobs[0].raw, jobs[0].raw_len, now,
				   err) < 0 ||
	    store_docset_from_text(is, STORE_IMAGES, host, jobs[1].raw, jobs[1].raw_len, now,
				   err) < 0)
		ret = -1;
	/* the bodies are not needed any more: give their memory back before
	 * the store builds its files */
	fanout_job_release(&jobs[0]);
	fanout_job_release(&jobs[1]);
	return ret;
}

/* A refresh of many hosts: each host's listings parsed and written as
 * they come (bounded memory), each collection replaced once at the end. */
struct refresh_run {
	struct backend *const *bs;
	struct fanout_job *jobs;            /* 3 per host (fanout_refresh's) */
	struct cache_refresh_stats *st;
	struct berr *errs;
	signed char *parsed;                /* 1 written, -1 malformed (errs), 0 not yet */
	unsigned char *ended;               /* the host's listings that ended */
	struct store_sets_writer *w[2];     /* containers, images; NULL once failed */
	struct berr werr[2];                /* why */
	int64_t now;
};

static const enum store_coll refresh_colls[2] = { STORE_CONTAINERS, STORE_IMAGES };

/* Host i's two listings, both in: parsed, then written. */
static void refresh_add(struct refresh_run *r, size_t i)
{
	struct store_docset sets[2] = { { NULL, 0 }, { NULL, 0 } };
	const char *host = r->bs[i]->name;
	size_t k;

	if (refresh_parse(host, &r->jobs[3 * i], r->now, &sets[0], &sets[1], &r->errs[i]) < 0) {
		r->parsed[i] = -1;
		goto cleanup;
	}
	r->parsed[i] = 1;
	for (k = 0; k < 2; k++)
		if (r->w[k] && store_sets_add(r->w[k], host, (const bson_t *const *)sets[k].docs,
					      sets[k].n, &r->werr[k]) < 0) {
			store_sets_abort(r->w[k]);
			r->w[k] = NULL;
		}
	r->st[i].containers = (int64_t)sets[0].n;
	r->st[i].images = (int64_t)sets[1].n;
cleanup:
	store_docset_release(&sets[0]);
	store_docset_release(&sets[1]);
}

static void refresh_ended(struct fanout_job *job, void *ud)
{
	struct refresh_run *r = ud;
	size_t j = (size_t)(job - r->jobs), i = j / 3;

	/* the info waits for the end of the run; a host's first listing
	 * for its second: a malformed one keeps the old records whole */
	if (j % 3 == 2 || ++r->ended[i] < 2)
		return;
	if (r->jobs[3 * i].status == 0 && r->jobs[3 * i + 1].status == 0)
		refresh_add(r, i);
}

/* The writers committed; the hosts written (ok[i]) fail when one did. */
static void refresh_commit(struct refresh_run *r, size_t n, unsigned char *ok, size_t *failed)
{
	struct berr err;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		berr_clear(&err);
		if (r->w[k]) {
			struct store_sets_writer *w = r->w[k];

			r->w[k] = NULL;
			if (store_sets_commit(w, &err) == 0)
				continue;
		} else {
			err = r->werr[k];
		}
		/* this collection failed: the next is not written either */
		store_sets_abort(r->w[1]);
		r->w[1] = NULL;
		cache_advise_reset(&err, refresh_colls[k]);
		for (i = 0; i < n; i++)
			if (ok[i]) {
				r->st[i].store_failed = 1;
				r->errs[i] = err;
				(*failed)++;
			}
		return;
	}
}

size_t cache_refresh_hosts(struct fleet *fl, struct backend *const *bs, size_t n,
			   struct cache_refresh_stats *st, struct berr *errs)
{
	struct refresh_run r = { .bs = bs, .st = st, .errs = errs, .now = store_now_ms() };
	struct fanout_opts opts = { .done = refresh_ended, .done_ud = &r };
	unsigned char *ok = NULL;
	struct store *s;
	struct berr store_err;
	size_t i, k, failed = 0;
	int opened;

	for (i = 0; i < n; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		berr_clear(&errs[i]);
	}
	berr_clear(&store_err);
	if (!(s = fleet_store(fl, &store_err))) {
		for (i = 0; i < n; i++) {
			st[i].store_failed = 1;
			errs[i] = store_err;
		}
		return n;
	}
	r.jobs = xcalloc(3 * n + 1, sizeof(*r.jobs));
	r.parsed = xcalloc(n + 1, 1);
	r.ended = xcalloc(n + 1, 1);
	ok = xcalloc(n + 1, 1);
	for (k = 0; k < 2; k++) {
		berr_clear(&r.werr[k]);
		if (store_sets_begin(s, refresh_colls[k], &r.w[k], &r.werr[k]) < 0)
			r.w[k] = NULL;
	}
	fanout_refresh(r.jobs, bs, n, &opts);
	/* what each engine answered, recorded in one write of the hosts */
	opened = n > 1 ? pool_records_begin(fl) : 0;
	for (i = 0; i < n; i++) {
		struct fanout_job *j = &r.jobs[3 * i];
		const struct berr *engine_err = j[0].status < 0 ? &j[0].err :
						j[1].status < 0 ? &j[1].err : NULL;

		if (engine_err) {
			errs[i] = *engine_err;
			pool_record(fl, bs[i]->name, engine_err);
			failed++;
			continue;
		}
		/* it answered; and what the engine is (version, CPUs, memory)
		 * for host list: a failed GET /info is not worth failing a
		 * refresh for */
		pool_record_answer(fl, bs[i]->name, j[2].status == 0 ? j[2].reply : NULL);
		if (r.parsed[i] < 0) {
			failed++; /* errs[i] says how the listing was malformed */
			continue;
		}
		ok[i] = 1;
	}
	pool_records_end(fl, opened);
	fanout_jobs_release(r.jobs, 3 * n);
	refresh_commit(&r, n, ok, &failed);
	for (i = 0; i < n; i++)
		if (!ok[i] || st[i].store_failed)
			st[i].containers = st[i].images = 0;
	cache_refresh_objects(fl, s, bs, n, ok, st, errs, &failed);
	free(ok);
	free(r.parsed);
	free(r.ended);
	free(r.jobs);
	return failed;
}

int cache_refresh_host(struct fleet *fl, struct backend *b, struct cache_refresh_stats *st,
		       struct berr *err)
{
	return cache_refresh_hosts(fl, &b, 1, st, err) ? -1 : 0;
}
