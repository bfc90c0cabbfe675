/* store_docs.c: engine JSON to store documents and documents to JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>
#include "backends/store/json_bson.h"
#include "backends/store/store_docs.h"
#include "lib/timefmt.h"

/* --- engine listings to documents -------------------------------------------
 *
 * One builder, over BSON: the refresh path turns a listing's text into
 * BSON entry by entry (json_bson.h: no tree of small allocations, which is
 * most of what a 10,000-container refresh costs through jansson), and the
 * JSON entry points convert their entry first. */

/* The fields of an engine entry the documents use: one pass over its keys. */
struct entry_fields {
	bson_iter_t id, names, image, image_id, command, state, status, ports, labels, created,
		tags, size, name, driver, scope, mountpoint, created_at;
	unsigned have;
};
enum {
	F_ID = 1u << 0, F_NAMES = 1u << 1, F_IMAGE = 1u << 2, F_IMAGE_ID = 1u << 3,
	F_COMMAND = 1u << 4, F_STATE = 1u << 5, F_STATUS = 1u << 6, F_PORTS = 1u << 7,
	F_LABELS = 1u << 8, F_CREATED = 1u << 9, F_TAGS = 1u << 10, F_SIZE = 1u << 11,
	F_NAME = 1u << 12, F_DRIVER = 1u << 13, F_SCOPE = 1u << 14, F_MOUNTPOINT = 1u << 15,
	F_CREATED_AT = 1u << 16,
};

static void entry_scan(const bson_t *entry, struct entry_fields *f)
{
	static const struct { const char *key; unsigned bit; size_t off; } keys[] = {
		{ "Id", F_ID, offsetof(struct entry_fields, id) },
		{ "Names", F_NAMES, offsetof(struct entry_fields, names) },
		{ "Image", F_IMAGE, offsetof(struct entry_fields, image) },
		{ "ImageID", F_IMAGE_ID, offsetof(struct entry_fields, image_id) },
		{ "Command", F_COMMAND, offsetof(struct entry_fields, command) },
		{ "State", F_STATE, offsetof(struct entry_fields, state) },
		{ "Status", F_STATUS, offsetof(struct entry_fields, status) },
		{ "Ports", F_PORTS, offsetof(struct entry_fields, ports) },
		{ "Labels", F_LABELS, offsetof(struct entry_fields, labels) },
		{ "Created", F_CREATED, offsetof(struct entry_fields, created) },
		{ "RepoTags", F_TAGS, offsetof(struct entry_fields, tags) },
		{ "Size", F_SIZE, offsetof(struct entry_fields, size) },
		{ "Name", F_NAME, offsetof(struct entry_fields, name) },
		{ "Driver", F_DRIVER, offsetof(struct entry_fields, driver) },
		{ "Scope", F_SCOPE, offsetof(struct entry_fields, scope) },
		{ "Mountpoint", F_MOUNTPOINT, offsetof(struct entry_fields, mountpoint) },
		{ "CreatedAt", F_CREATED_AT, offsetof(struct entry_fields, created_at) },
	};
	bson_iter_t it;

	f->have = 0;
	if (!bson_iter_init(&it, entry))
		return;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (k[0] == keys[i].key[0] && !(f->have & keys[i].bit) &&
			    !strcmp(k, keys[i].key)) {
				memcpy((char *)f + keys[i].off, &it, sizeof(it));
				f->have |= keys[i].bit;
				break;
			}
	}
}

static const char *iter_str(const bson_iter_t *it, uint32_t *len)
{
	return BSON_ITER_HOLDS_UTF8(it) ? bson_iter_utf8(it, len) : NULL;
}

/* it: the field, or NULL when the entry has none (null is stored). */
static void append_str(bson_t *b, const char *key, const bson_iter_t *it)
{
	uint32_t len;
	const char *s = it ? iter_str(it, &len) : NULL;

	if (s)
		bson_append_utf8(b, key, -1, s, (int)len);
	else
		bson_append_null(b, key, -1);
}

/* d as an int64_t when it is a whole number in range (casting any other
 * is undefined behaviour): 1, else 0. */
static int double_int(double d, int64_t *v)
{
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != (double)(int64_t)d)
		return 0;
	*v = (int64_t)d;
	return 1;
}

#define FIELD(f, bit, member) (((f)->have & (bit)) ? &(f)->member : NULL)

static int iter_int(const bson_iter_t *it, int64_t *v)
{
	if (BSON_ITER_HOLDS_INT32(it) || BSON_ITER_HOLDS_INT64(it))
		*v = bson_iter_as_int64(it);
	else if (BSON_ITER_HOLDS_DOUBLE(it))
		return double_int(bson_iter_double(it), v);
	else
		return 0;
	return 1;
}

static void append_int(bson_t *b, const char *key, const bson_iter_t *it)
{
	int64_t v;

	if (it && iter_int(it, &v))
		bson_append_int64(b, key, -1, v);
	else
		bson_append_null(b, key, -1);
}

/* The engine gives seconds since the epoch. */
static void append_unix_time(bson_t *b, const char *key, const struct entry_fields *f)
{
	int64_t s = 0;

	if ((f->have & F_CREATED) &&
	    (BSON_ITER_HOLDS_INT32(&f->created) || BSON_ITER_HOLDS_INT64(&f->created)))
		s = bson_iter_as_int64(&f->created);
	/* a time that does not fit in milliseconds is no time */
	if (s && s <= INT64_MAX / 1000 && s >= INT64_MIN / 1000)
		bson_append_date_time(b, key, -1, s * 1000);
	else
		bson_append_null(b, key, -1);
}

/* it holds a document or array: iterate its children in child. */
static int iter_children(const bson_iter_t *it, int want_array, bson_iter_t *child)
{
	if (want_array ? !BSON_ITER_HOLDS_ARRAY(it) : !BSON_ITER_HOLDS_DOCUMENT(it))
		return 0;
	return bson_iter_recurse(it, child);
}

static void append_labels(bson_t *b, const struct entry_fields *f)
{
	bson_t doc, arr;
	bson_iter_t l;
	char num[16], *kv = NULL;
	size_t cap = 0;
	const char *idx;
	uint32_t i = 0;
	int have = (f->have & F_LABELS) != 0;

	/* FerretDB refuses field names with '.' (berth.owner, any
	 * com.docker.* label) or a leading '$': those live in label_kv only,
	 * which holds every label and is what readers rebuild Labels from. */
	bson_append_document_begin(b, "labels", -1, &doc);
	if (have && iter_children(&f->labels, 0, &l))
		while (bson_iter_next(&l)) {
			const char *k = bson_iter_key(&l);
			uint32_t len;
			const char *v = iter_str(&l, &len);

			if (v && !strchr(k, '.') && k[0] != '$')
				bson_append_utf8(&doc, k, -1, v, (int)len);
		}
	bson_append_document_end(b, &doc);
	bson_append_array_begin(b, "label_kv", -1, &arr);
	if (have && iter_children(&f->labels, 0, &l)) {
		while (bson_iter_next(&l)) {
			const char *k = bson_iter_key(&l);
			uint32_t vlen;
			const char *v = iter_str(&l, &vlen);
			size_t klen = strlen(k), need = klen + vlen + 2;

			if (!v)
				continue;
			if (need > cap) {
				char *p = realloc(kv, need);

				if (!p)
					continue;
				kv = p;
				cap = need;
			}
			memcpy(kv, k, klen);
			kv[klen] = '=';
			memcpy(kv + klen + 1, v, vlen);
			bson_uint32_to_string(i++, &idx, num, sizeof(num));
			bson_append_utf8(&arr, idx, -1, kv, (int)(klen + 1 + vlen));
		}
	}
	bson_append_array_end(b, &arr);
	free(kv);
}

static int need_id(const struct entry_fields *f, const char *what, const char *host,
		   struct berr *err)
{
	if ((f->have & F_ID) && BSON_ITER_HOLDS_UTF8(&f->id))
		return 0;
	return berr_set(err, BERR_PROTOCOL, "%s: the engine listed %s without an \"Id\"", host, what);
}

static void append_ports(bson_t *b, const struct entry_fields *f)
{
	bson_t arr, port;
	char num[16];
	const char *idx;
	uint32_t i = 0;
	bson_iter_t ps, p;

	bson_append_array_begin(b, "ports", -1, &arr);
	if ((f->have & F_PORTS) && iter_children(&f->ports, 1, &ps)) {
		while (bson_iter_next(&ps)) {
			bson_iter_t ip, priv, pub, type;
			int has = 0;

			bson_uint32_to_string(i++, &idx, num, sizeof(num));
			bson_append_document_begin(&arr, idx, -1, &port);
			if (iter_children(&ps, 0, &p))
				while (bson_iter_next(&p)) {
					const char *k = bson_iter_key(&p);

					if (!strcmp(k, "IP") && !(has & 1))
						ip = p, has |= 1;
					else if (!strcmp(k, "PrivatePort") && !(has & 2))
						priv = p, has |= 2;
					else if (!strcmp(k, "PublicPort") && !(has & 4))
						pub = p, has |= 4;
					else if (!strcmp(k, "Type") && !(has & 8))
						type = p, has |= 8;
				}
			append_str(&port, "ip", (has & 1) ? &ip : NULL);
			append_int(&port, "private_port", (has & 2) ? &priv : NULL);
			append_int(&port, "public_port", (has & 4) ? &pub : NULL);
			append_str(&port, "type", (has & 8) ? &type : NULL);
			bson_append_document_end(&arr, &port);
		}
	}
	bson_append_array_end(b, &arr);
}

static int doc_container(bson_t *out, const char *host, const bson_t *entry, int64_t now_ms,
			 struct berr *err)
{
	struct entry_fields f;
	const char *name = NULL;
	bson_iter_t names;

	entry_scan(entry, &f);
	if (need_id(&f, "a container", host, err) < 0)
		return -1;
	/* "/web": the engine's names carry a slash; the first one is the
	 * container's own (others are links) */
	if ((f.have & F_NAMES) && iter_children(&f.names, 1, &names) && bson_iter_next(&names))
		name = iter_str(&names, NULL);
	if (name && name[0] == '/')
		name++;
	BSON_APPEND_UTF8(out, "host", host);
	append_str(out, "id", FIELD(&f, F_ID, id));
	if (name)
		BSON_APPEND_UTF8(out, "name", name);
	else
		BSON_APPEND_NULL(out, "name");
	append_str(out, "image", FIELD(&f, F_IMAGE, image));
	append_str(out, "image_id", FIELD(&f, F_IMAGE_ID, image_id));
	append_str(out, "command", FIELD(&f, F_COMMAND, command));
	append_str(out, "state", FIELD(&f, F_STATE, state));
	append_str(out, "status", FIELD(&f, F_STATUS, status));
	append_ports(out, &f);
	append_labels(out, &f);
	append_unix_time(out, "created", &f);
	BSON_APPEND_DATE_TIME(out, "last_seen", now_ms);
	return 0;
}

static int doc_image(bson_t *out, const char *host, const bson_t *entry, int64_t now_ms,
		     struct berr *err)
{
	struct entry_fields f;
	bson_t arr;
	bson_iter_t t;
	char num[16];
	const char *idx;
	uint32_t n = 0;

	entry_scan(entry, &f);
	if (need_id(&f, "an image", host, err) < 0)
		return -1;
	BSON_APPEND_UTF8(out, "host", host);
	append_str(out, "id", FIELD(&f, F_ID, id));
	bson_append_array_begin(out, "tags", -1, &arr);
	if ((f.have & F_TAGS) && iter_children(&f.tags, 1, &t)) {
		while (bson_iter_next(&t)) {
			uint32_t len;
			const char *tag = iter_str(&t, &len);

			/* untagged images are listed with this placeholder */
			if (!tag || !strcmp(tag, "<none>:<none>"))
				continue;
			bson_uint32_to_string(n++, &idx, num, sizeof(num));
			bson_append_utf8(&arr, idx, -1, tag, (int)len);
		}
	}
	bson_append_array_end(out, &arr);
	append_int(out, "size", FIELD(&f, F_SIZE, size));
	append_unix_time(out, "created", &f);
	append_labels(out, &f);
	BSON_APPEND_DATE_TIME(out, "last_seen", now_ms);
	return 0;
}

/* Volumes and networks give their creation as RFC 3339 text. */
static void append_text_time(bson_t *b, const char *key, const bson_iter_t *it)
{
	const char *s = it ? iter_str(it, NULL) : NULL;
	time_t t;

	if (s && parse_rfc3339(s, &t) == 0 && (int64_t)t <= INT64_MAX / 1000)
		bson_append_date_time(b, key, -1, (int64_t)t * 1000);
	else
		bson_append_null(b, key, -1);
}

/* A volume (volume: its name is its key on the host, it has no ID) or a
 * network. */
static int doc_named(bson_t *out, const char *host, const bson_t *entry, int64_t now_ms,
		     int volume, struct berr *err)
{
	struct entry_fields f;

	entry_scan(entry, &f);
	if (volume && (!(f.have & F_NAME) || !BSON_ITER_HOLDS_UTF8(&f.name)))
		return berr_set(err, BERR_PROTOCOL, "%s: the engine listed a volume without a \"Name\"",
				host);
	if (!volume && need_id(&f, "a network", host, err) < 0)
		return -1;
	BSON_APPEND_UTF8(out, "host", host);
	append_str(out, "id", volume ? &f.name : &f.id);
	append_str(out, "name", FIELD(&f, F_NAME, name));
	append_str(out, "driver", FIELD(&f, F_DRIVER, driver));
	append_str(out, "scope", FIELD(&f, F_SCOPE, scope));
	if (volume)
		append_str(out, "mountpoint", FIELD(&f, F_MOUNTPOINT, mountpoint));
	append_labels(out, &f);
	append_text_time(out, "created", volume ? FIELD(&f, F_CREATED_AT, created_at)
						: FIELD(&f, F_CREATED, created));
	BSON_APPEND_DATE_TIME(out, "last_seen", now_ms);
	return 0;
}

static int doc_volume(bson_t *out, const char *host, const bson_t *entry, int64_t now_ms,
		      struct berr *err)
{
	return doc_named(out, host, entry, now_ms, 1, err);
}

static int doc_network(bson_t *out, const char *host, const bson_t *entry, int64_t now_ms,
		       struct berr *err)
{
	return doc_named(out, host, entry, now_ms, 0, err);
}

typedef int (*doc_fn)(bson_t *, const char *, const bson_t *, int64_t, struct berr *);

/* The builder of collection c's documents, and what it makes, for messages. */
static doc_fn doc_fn_of(enum store_coll c, const char **what)
{
	switch (c) {
	case STORE_CONTAINERS: *what = "a container"; return doc_container;
	case STORE_IMAGES:     *what = "an image";    return doc_image;
	case STORE_VOLUMES:    *what = "a volume";    return doc_volume;
	case STORE_NETWORKS:   *what = "a network";   return doc_network;
	default:               *what = "a document";  return NULL;
	}
}

/* A jansson entry through the BSON builder. */
static int doc_from_json_entry(doc_fn fn, bson_t *out, const char *host, const json_t *entry,
			       const char *what, int64_t now_ms, struct berr *err)
{
	bson_t e = BSON_INITIALIZER;
	int ret;

	if (!json_is_object(entry) || store_doc_from_json(entry, &e, err) < 0) {
		bson_destroy(&e);
		return berr_set(err, BERR_PROTOCOL, "%s: the engine listed %s without an \"Id\"",
				host, what);
	}
	ret = fn(out, host, &e, now_ms, err);
	bson_destroy(&e);
	return ret;
}

int store_doc_container(bson_t *out, const char *host, const json_t *entry,
			int64_t now_ms, struct berr *err)
{
	return doc_from_json_entry(doc_container, out, host, entry, "a container", now_ms, err);
}

int store_doc_image(bson_t *out, const char *host, const json_t *entry,
		    int64_t now_ms, struct berr *err)
{
	return doc_from_json_entry(doc_image, out, host, entry, "an image", now_ms, err);
}

int store_doc_object(bson_t *out, enum store_coll c, const char *host, const json_t *entry,
		     int64_t now_ms, struct berr *err)
{
	const char *what;
	doc_fn fn = doc_fn_of(c, &what);

	if (!fn)
		return berr_set(err, BERR_USAGE, "store: no listing makes %s documents",
				store_coll_name(c));
	return doc_from_json_entry(fn, out, host, entry, what, now_ms, err);
}

static int docset_check(struct store_docset *set, enum store_coll c, struct berr *err)
{
	set->docs = NULL;
	set->n = 0;
	if (!store_coll_is_cache(c))
		return berr_set(err, BERR_USAGE, "store: no listing makes %s documents",
				store_coll_name(c));
	return 0;
}

/* Room for one more document in set (cap: its capacity), doubling. */
static int docset_grow(struct store_docset *set, size_t *cap, struct berr *err)
{
	bson_t **docs;
	size_t want;

	if (set->n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	docs = realloc(set->docs, want * sizeof(*docs));
	if (!docs)
		return berr_set(err, BERR_LOCAL, "store: out of memory");
	set->docs = docs;
	*cap = want;
	return 0;
}

int store_docset_from_list(struct store_docset *set, enum store_coll c, const char *host,
			   const json_t *list, int64_t now_ms, struct berr *err)
{
	size_t n = json_array_size(list);

	set->docs = NULL;
	set->n = 0;
	if (!json_is_array(list))
		return berr_set(err, BERR_PROTOCOL, "%s: the engine's listing is not an array", host);
	if (docset_check(set, c, err) < 0)
		return -1;
	set->docs = calloc(n ? n : 1, sizeof(*set->docs));
	if (!set->docs)
		return berr_set(err, BERR_LOCAL, "store: out of memory");
	for (size_t i = 0; i < n; i++) {
		bson_t *d = bson_new();

		set->docs[set->n++] = d;
		if (store_doc_object(d, c, host, json_array_get(list, i), now_ms, err) < 0) {
			store_docset_release(set);
			return -1;
		}
	}
	return 0;
}

/* What store_docset_from_text's elements go through. */
struct text_docs {
	struct store_docset *set;
	size_t cap;
	doc_fn fn;
	const char *host;
	int64_t now_ms;
	int failed; /* the builder refused an entry: err is its own */
};

static int text_doc(void *ud, const bson_t *entry, struct berr *err)
{
	struct text_docs *t = ud;
	bson_t *d;

	if (docset_grow(t->set, &t->cap, err) < 0)
		return -1;
	d = bson_new();
	t->set->docs[t->set->n++] = d;
	if (t->fn(d, t->host, entry, t->now_ms, err) < 0) {
		t->failed = 1;
		return -1;
	}
	return 0;
}

int store_docset_from_text(struct store_docset *set, enum store_coll c, const char *host,
			   const char *text, size_t len, int64_t now_ms, struct berr *err)
{
	const char *what;
	struct text_docs t = { .set = set, .fn = doc_fn_of(c, &what), .host = host,
			       .now_ms = now_ms };
	struct berr perr;

	if (docset_check(set, c, err) < 0)
		return -1;
	berr_clear(&perr);
	if (json_bson_array_each(text, len, text_doc, &t, &perr) >= 0)
		return 0;
	store_docset_release(set);
	if (t.failed || perr.kind != BERR_PROTOCOL)
		*err = perr; /* the builder's own, or out of memory */
	else if (!strncmp(perr.msg, "element ", 8))
		berr_set(err, BERR_PROTOCOL, "%s: the engine listed %s without an \"Id\"", host,
			 what);
	else
		berr_set(err, BERR_PROTOCOL, "%s: the engine's listing is %s", host, perr.msg);
	return -1;
}

void store_docset_release(struct store_docset *set)
{
	for (size_t i = 0; i < set->n; i++)
		bson_destroy(set->docs[i]);
	free(set->docs);
	set->docs = NULL;
	set->n = 0;
}

/* --- documents to JSON and back ------------------------------------------- */

char *store_fmt_date(char *buf, size_t len, int64_t ms)
{
	int64_t secs = ms / 1000, frac = ms % 1000;
	time_t t;
	struct tm tm;
	size_t o;

	if (frac < 0) { /* before 1970: floor, not truncate */
		frac += 1000;
		secs--;
	}
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "%lld", (long long)ms);
		return buf;
	}
	o = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac)
		snprintf(buf + o, len - o, ".%03dZ", (int)frac);
	else
		snprintf(buf + o, len - o, "Z");
	return buf;
}

static json_t *value_to_json(bson_iter_t *it);

static json_t *container_to_json(bson_iter_t *it, int array, int skip_id)
{
	json_t *out = array ? json_array() : json_object();
	bson_iter_t sub;

	if (!out || !bson_iter_recurse(it, &sub))
		return out;
	while (bson_iter_next(&sub)) {
		json_t *v;

		if (skip_id && !strcmp(bson_iter_key(&sub), "_id"))
			continue;
		v = value_to_json(&sub);
		if (array)
			json_array_append_new(out, v);
		else
			json_object_set_new(out, bson_iter_key(&sub), v);
	}
	return out;
}

static json_t *value_to_json(bson_iter_t *it)
{
	char buf[64];

	switch (bson_iter_type(it)) {
	case BSON_TYPE_UTF8: {
		uint32_t len;
		const char *s = bson_iter_utf8(it, &len);

		return json_stringn(s, len);
	}
	case BSON_TYPE_INT32:     return json_integer(bson_iter_int32(it));
	case BSON_TYPE_INT64:     return json_integer(bson_iter_int64(it));
	case BSON_TYPE_DOUBLE:    return json_real(bson_iter_double(it));
	case BSON_TYPE_BOOL:      return json_boolean(bson_iter_bool(it));
	case BSON_TYPE_DATE_TIME:
		return json_string(store_fmt_date(buf, sizeof(buf), bson_iter_date_time(it)));
	case BSON_TYPE_OID:
		bson_oid_to_string(bson_iter_oid(it), buf);
		return json_string(buf);
	case BSON_TYPE_DOCUMENT:  return container_to_json(it, 0, 0);
	case BSON_TYPE_ARRAY:     return container_to_json(it, 1, 0);
	case BSON_TYPE_DECIMAL128: {
		bson_decimal128_t d;

		bson_iter_decimal128(it, &d);
		bson_decimal128_to_string(&d, buf);
		return json_string(buf);
	}
	default:                  return json_null();
	}
}

json_t *store_doc_to_json(const bson_t *doc)
{
	json_t *out = json_object();
	bson_iter_t it;

	if (!out || !bson_iter_init(&it, doc))
		return out;
	while (bson_iter_next(&it))
		if (strcmp(bson_iter_key(&it), "_id"))
			json_object_set_new(out, bson_iter_key(&it), value_to_json(&it));
	return out;
}

static int append_json(bson_t *b, const char *key, const json_t *v, int depth, struct berr *err);

static int append_json_children(bson_t *b, const json_t *v, int depth, struct berr *err)
{
	const char *k;
	json_t *child;
	size_t i;
	char num[16];
	const char *idx;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, child)
			if (append_json(b, k, child, depth, err) < 0)
				return -1;
		return 0;
	}
	json_array_foreach(v, i, child) {
		bson_uint32_to_string((uint32_t)i, &idx, num, sizeof(num));
		if (append_json(b, idx, child, depth, err) < 0)
			return -1;
	}
	return 0;
}

static int append_json(bson_t *b, const char *key, const json_t *v, int depth, struct berr *err)
{
	bson_t child;
	int ret;

	if (depth > 64)
		return berr_set(err, BERR_USAGE, "store: document nested more than 64 deep");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (json_is_object(v))
			bson_append_document_begin(b, key, -1, &child);
		else
			bson_append_array_begin(b, key, -1, &child);
		ret = append_json_children(&child, v, depth + 1, err);
		if (json_is_object(v))
			bson_append_document_end(b, &child);
		else
			bson_append_array_end(b, &child);
		return ret;
	case JSON_STRING:
		bson_append_utf8(b, key, -1, json_string_value(v), (int)json_string_length(v));
		return 0;
	case JSON_INTEGER:
		bson_append_int64(b, key, -1, json_integer_value(v));
		return 0;
	case JSON_REAL:
		bson_append_double(b, key, -1, json_real_value(v));
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		bson_append_bool(b, key, -1, json_is_true(v));
		return 0;
	default:
		bson_append_null(b, key, -1);
		return 0;
	}
}

int store_doc_from_json(const json_t *obj, bson_t *out, struct berr *err)
{
	if (!json_is_object(obj))
		return berr_set(err, BERR_USAGE, "store: a document must be a JSON object");
	return append_json_children(out, obj, 0, err);
}

/* --- reading fields ----------------------------------------------------------- */

static int find_path(const bson_t *doc, const char *path, bson_iter_t *out)
{
	bson_iter_t it;

	return bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, path, out);
}

const char *store_doc_str(const bson_t *doc, const char *path)
{
	bson_iter_t it;

	if (!find_path(doc, path, &it) || !BSON_ITER_HOLDS_UTF8(&it))
		return NULL;
	return bson_iter_utf8(&it, NULL);
}

int64_t store_doc_int(const bson_t *doc, const char *path, int64_t dflt)
{
	bson_iter_t it;
	int64_t v;

	if (!find_path(doc, path, &it))
		return dflt;
	if (BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it))
		return bson_iter_as_int64(&it);
	if (BSON_ITER_HOLDS_DOUBLE(&it) && double_int(bson_iter_double(&it), &v))
		return v;
	return dflt;
}

int64_t store_doc_date(const bson_t *doc, const char *path)
{
	bson_iter_t it;

	if (!find_path(doc, path, &it) || !BSON_ITER_HOLDS_DATE_TIME(&it))
		return 0;
	return bson_iter_date_time(&it);
}

int store_doc_bool(const bson_t *doc, const char *path, int dflt)
{
	bson_iter_t it;

	if (!find_path(doc, path, &it) || !BSON_ITER_HOLDS_BOOL(&it))
		return dflt;
	return bson_iter_bool(&it);
}

int store_doc_from_entry(bson_t *out, enum store_coll c, const char *host, const bson_t *entry,
			 int64_t now_ms, struct berr *err)
{
	const char *what;
	doc_fn fn = doc_fn_of(c, &what);

	if (!fn)
		return berr_set(err, BERR_USAGE, "store: %s is not a per-host collection",
				store_coll_name(c));
	return fn(out, host, entry, now_ms, err);
}
