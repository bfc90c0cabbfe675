/* store_docs.c: engine JSON to store documents and documents to JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backends/store_docs.h"

/* --- engine JSON to documents ---------------------------------------------- */

static void append_str(bson_t *b, const char *key, const json_t *j)
{
	if (json_is_string(j))
		bson_append_utf8(b, key, -1, json_string_value(j), (int)json_string_length(j));
	else
		bson_append_null(b, key, -1);
}

static void append_int(bson_t *b, const char *key, const json_t *j)
{
	if (json_is_integer(j))
		bson_append_int64(b, key, -1, json_integer_value(j));
	else if (json_is_real(j))
		bson_append_int64(b, key, -1, (int64_t)json_real_value(j));
	else
		bson_append_null(b, key, -1);
}

/* The engine gives seconds since the epoch. */
static void append_unix_time(bson_t *b, const char *key, const json_t *j)
{
	if (json_is_integer(j))
		bson_append_date_time(b, key, -1, json_integer_value(j) * 1000);
	else
		bson_append_null(b, key, -1);
}

static void append_labels(bson_t *b, const json_t *labels)
{
	bson_t doc, arr;
	const char *k;
	json_t *v;
	char num[16], *kv;
	const char *idx;
	uint32_t i = 0;

	/* FerretDB refuses field names with '.' (berth.owner, any
	 * com.docker.* label) or a leading '$': those live in label_kv only,
	 * which holds every label and is what readers rebuild Labels from. */
	bson_append_document_begin(b, "labels", -1, &doc);
	if (json_is_object(labels))
		json_object_foreach((json_t *)labels, k, v)
			if (json_is_string(v) && !strchr(k, '.') && k[0] != '$')
				bson_append_utf8(&doc, k, -1, json_string_value(v), -1);
	bson_append_document_end(b, &doc);
	bson_append_array_begin(b, "label_kv", -1, &arr);
	if (json_is_object(labels)) {
		json_object_foreach((json_t *)labels, k, v) {
			size_t len;

			if (!json_is_string(v))
				continue;
			len = strlen(k) + json_string_length(v) + 2;
			kv = malloc(len);
			if (!kv)
				continue;
			snprintf(kv, len, "%s=%s", k, json_string_value(v));
			bson_uint32_to_string(i++, &idx, num, sizeof(num));
			bson_append_utf8(&arr, idx, -1, kv, -1);
			free(kv);
		}
	}
	bson_append_array_end(b, &arr);
}

static int need_id(const json_t *entry, const char *what, const char *host, struct berr *err)
{
	if (json_is_object(entry) && json_is_string(json_object_get(entry, "Id")))
		return 0;
	return berr_set(err, BERR_PROTOCOL, "%s: the engine listed %s without an \"Id\"", host, what);
}

static void append_ports(bson_t *b, const json_t *ports)
{
	bson_t arr, port;
	char num[16];
	const char *idx;
	size_t i;
	json_t *p;

	bson_append_array_begin(b, "ports", -1, &arr);
	if (json_is_array(ports)) {
		json_array_foreach(ports, i, p) {
			bson_uint32_to_string((uint32_t)i, &idx, num, sizeof(num));
			bson_append_document_begin(&arr, idx, -1, &port);
			append_str(&port, "ip", json_object_get(p, "IP"));
			append_int(&port, "private_port", json_object_get(p, "PrivatePort"));
			append_int(&port, "public_port", json_object_get(p, "PublicPort"));
			append_str(&port, "type", json_object_get(p, "Type"));
			bson_append_document_end(&arr, &port);
		}
	}
	bson_append_array_end(b, &arr);
}

int store_doc_container(bson_t *out, const char *host, const json_t *entry,
			int64_t now_ms, struct berr *err)
{
	const json_t *names = json_object_get(entry, "Names");
	const char *name = NULL;

	if (need_id(entry, "a container", host, err) < 0)
		return -1;
	/* "/web": the engine's names carry a slash; the first one is the
	 * container's own (others are links) */
	if (json_is_array(names) && json_is_string(json_array_get(names, 0)))
		name = json_string_value(json_array_get(names, 0));
	if (name && name[0] == '/')
		name++;
	BSON_APPEND_UTF8(out, "host", host);
	append_str(out, "id", json_object_get(entry, "Id"));
	if (name)
		BSON_APPEND_UTF8(out, "name", name);
	else
		BSON_APPEND_NULL(out, "name");
	append_str(out, "image", json_object_get(entry, "Image"));
	append_str(out, "image_id", json_object_get(entry, "ImageID"));
	append_str(out, "command", json_object_get(entry, "Command"));
	append_str(out, "state", json_object_get(entry, "State"));
	append_str(out, "status", json_object_get(entry, "Status"));
	append_ports(out, json_object_get(entry, "Ports"));
	append_labels(out, json_object_get(entry, "Labels"));
	append_unix_time(out, "created", json_object_get(entry, "Created"));
	BSON_APPEND_DATE_TIME(out, "last_seen", now_ms);
	return 0;
}

int store_doc_image(bson_t *out, const char *host, const json_t *entry,
		    int64_t now_ms, struct berr *err)
{
	const json_t *tags = json_object_get(entry, "RepoTags");
	bson_t arr;
	char num[16];
	const char *idx;
	uint32_t n = 0;
	size_t i;
	json_t *t;

	if (need_id(entry, "an image", host, err) < 0)
		return -1;
	BSON_APPEND_UTF8(out, "host", host);
	append_str(out, "id", json_object_get(entry, "Id"));
	bson_append_array_begin(out, "tags", -1, &arr);
	if (json_is_array(tags)) {
		json_array_foreach(tags, i, t) {
			/* untagged images are listed with this placeholder */
			if (!json_is_string(t) || !strcmp(json_string_value(t), "<none>:<none>"))
				continue;
			bson_uint32_to_string(n++, &idx, num, sizeof(num));
			bson_append_utf8(&arr, idx, -1, json_string_value(t), -1);
		}
	}
	bson_append_array_end(out, &arr);
	append_int(out, "size", json_object_get(entry, "Size"));
	append_unix_time(out, "created", json_object_get(entry, "Created"));
	append_labels(out, json_object_get(entry, "Labels"));
	BSON_APPEND_DATE_TIME(out, "last_seen", now_ms);
	return 0;
}

void store_docset_release(struct store_docset *set)
{
	for (size_t i = 0; i < set->n; i++)
		bson_destroy(set->docs[i]);
	free(set->docs);
	set->docs = NULL;
	set->n = 0;
}

int store_docset_from_list(struct store_docset *set, enum store_coll c, const char *host,
			   const json_t *list, int64_t now_ms, struct berr *err)
{
	size_t n = json_array_size(list);
	int ret = -1;

	set->docs = NULL;
	set->n = 0;
	if (!json_is_array(list))
		return berr_set(err, BERR_PROTOCOL, "%s: the engine's listing is not an array", host);
	if (!store_coll_is_cache(c))
		return berr_set(err, BERR_USAGE, "store: no listing makes %s documents",
				store_coll_name(c));
	set->docs = calloc(n ? n : 1, sizeof(*set->docs));
	if (!set->docs)
		return berr_set(err, BERR_LOCAL, "store: out of memory");
	for (size_t i = 0; i < n; i++) {
		bson_t *d = bson_new();
		int r;

		r = c == STORE_CONTAINERS ?
		    store_doc_container(d, host, json_array_get(list, i), now_ms, err) :
		    store_doc_image(d, host, json_array_get(list, i), now_ms, err);
		set->docs[set->n++] = d;
		if (r < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret < 0)
		store_docset_release(set);
	return ret;
}

void store_doc_append_engine(bson_t *parent, const char *key, const json_t *info)
{
	bson_t e;

	bson_append_document_begin(parent, key, -1, &e);
	append_str(&e, "version", json_object_get(info, "ServerVersion"));
	append_str(&e, "api_version", json_object_get(info, "ApiVersion"));
	append_int(&e, "ncpu", json_object_get(info, "NCPU"));
	append_int(&e, "memory", json_object_get(info, "MemTotal"));
	append_str(&e, "os", json_object_get(info, "OperatingSystem"));
	bson_append_document_end(parent, &e);
}

static void append_opt_str(bson_t *b, const char *key, const char *s)
{
	if (s)
		bson_append_utf8(b, key, -1, s, -1);
	else
		bson_append_null(b, key, -1);
}

int store_doc_host(bson_t *out, const struct store_host_info *h, const json_t *info,
		   int64_t now_ms, struct berr *err)
{
	if (!h->name || !*h->name || !h->url || !*h->url)
		return berr_set(err, BERR_USAGE, "store: a host needs a name and a URL");
	BSON_APPEND_UTF8(out, "name", h->name);
	BSON_APPEND_UTF8(out, "url", h->url);
	append_opt_str(out, "tls_dir", h->tls_dir);
	BSON_APPEND_BOOL(out, "insecure", h->insecure != 0);
	append_opt_str(out, "state", h->state ? h->state : "active");
	BSON_APPEND_DATE_TIME(out, "state_changed", now_ms);
	append_opt_str(out, "state_reason", h->state_reason);
	BSON_APPEND_INT32(out, "errors", 0);
	BSON_APPEND_NULL(out, "last_error");
	if (info) {
		BSON_APPEND_DATE_TIME(out, "last_seen", now_ms);
		store_doc_append_engine(out, "engine", info);
	} else {
		BSON_APPEND_NULL(out, "last_seen");
		BSON_APPEND_NULL(out, "engine");
	}
	return 0;
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

	if (!find_path(doc, path, &it))
		return dflt;
	if (BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it))
		return bson_iter_as_int64(&it);
	if (BSON_ITER_HOLDS_DOUBLE(&it))
		return (int64_t)bson_iter_double(&it);
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
