/* host_doc.c: the hosts collection's document, built and read (see
 * host_doc.h and berth-store(5)). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "backends/pool/host_doc.h"
#include "backends/pool/settings.h"
#include "backends/store/store_docs.h"

/* --- a new document ------------------------------------------------------ */

static void append_opt_str(bson_t *b, const char *key, const char *s)
{
	if (s)
		bson_append_utf8(b, key, -1, s, -1);
	else
		bson_append_null(b, key, -1);
}

static void append_json_str(bson_t *b, const char *key, const json_t *j)
{
	if (json_is_string(j))
		bson_append_utf8(b, key, -1, json_string_value(j), (int)json_string_length(j));
	else
		bson_append_null(b, key, -1);
}

static void append_json_int(bson_t *b, const char *key, const json_t *j)
{
	if (json_is_integer(j))
		bson_append_int64(b, key, -1, json_integer_value(j));
	else if (json_is_real(j))
		bson_append_int64(b, key, -1, (int64_t)json_real_value(j));
	else
		bson_append_null(b, key, -1);
}

/* engine: { id, version, api_version, ncpu, memory, os } from GET /info. */
static void append_engine(bson_t *parent, const json_t *info)
{
	bson_t e;

	bson_append_document_begin(parent, "engine", -1, &e);
	append_json_str(&e, "id", json_object_get(info, "ID"));
	append_json_str(&e, "version", json_object_get(info, "ServerVersion"));
	append_json_str(&e, "api_version", json_object_get(info, "ApiVersion"));
	append_json_int(&e, "ncpu", json_object_get(info, "NCPU"));
	append_json_int(&e, "memory", json_object_get(info, "MemTotal"));
	append_json_str(&e, "os", json_object_get(info, "OperatingSystem"));
	bson_append_document_end(parent, &e);
}

int host_doc_build(bson_t *out, const struct host_doc_new *h, const json_t *info,
		   int64_t now_ms, struct berr *err)
{
	if (!h->name || !*h->name || ((!h->url || !*h->url) && !h->cloud))
		return berr_set(err, BERR_USAGE, "store: a host needs a name and a URL");
	BSON_APPEND_UTF8(out, "name", h->name);
	append_opt_str(out, "url", h->url && *h->url ? h->url : NULL);
	append_opt_str(out, "tls_dir", h->tls_dir);
	BSON_APPEND_BOOL(out, "insecure", h->insecure != 0);
	if (h->tls_name)
		BSON_APPEND_UTF8(out, "tls_name", h->tls_name);
	append_opt_str(out, "state", h->state ? h->state : "active");
	BSON_APPEND_DATE_TIME(out, "state_changed", now_ms);
	append_opt_str(out, "state_reason", h->state_reason);
	BSON_APPEND_INT32(out, "errors", 0);
	BSON_APPEND_NULL(out, "last_error");
	if (info) {
		BSON_APPEND_DATE_TIME(out, "last_seen", now_ms);
		append_engine(out, info);
	} else {
		BSON_APPEND_NULL(out, "last_seen");
		BSON_APPEND_NULL(out, "engine");
	}
	/* for least-loaded's ties: the oldest host first */
	if (h->added_ms)
		BSON_APPEND_DATE_TIME(out, "added", h->added_ms);
	if (h->cloud)
		host_doc_set_cloud(out, h->cloud);
	return 0;
}

/* --- queries ------------------------------------------------------------- */

void host_doc_selector(bson_t *sel, const char *name)
{
	bson_init(sel);
	BSON_APPEND_UTF8(sel, HOST_DOC_KEY_NAME, name);
}

void host_doc_sort_by_name(bson_t *sort)
{
	bson_init(sort);
	BSON_APPEND_INT32(sort, HOST_DOC_KEY_NAME, 1);
}

/* --- updates ------------------------------------------------------------- */

#define ON_INSERT_STATE  0x1 /* the first document is active ("configured") */
#define ON_INSERT_ENGINE 0x2 /* ... with engine null */

/* A configured host's first document, like host add's, with the
 * configuration's settings of today. */
static void append_on_insert(bson_t *update, const struct host_settings *hc, int64_t now,
			     unsigned what)
{
	bson_t soi;

	if (!hc)
		return;
	BSON_APPEND_DOCUMENT_BEGIN(update, "$setOnInsert", &soi);
	BSON_APPEND_UTF8(&soi, "url", hc->url);
	append_opt_str(&soi, "tls_dir", hc->tls_dir);
	BSON_APPEND_BOOL(&soi, "insecure", hc->insecure != 0);
	BSON_APPEND_DATE_TIME(&soi, "added", now);
	/* facts about a configured host, not a registration: should the
	 * configuration drop it, the document must not make it a registered
	 * host (hosts.c skips such documents) */
	BSON_APPEND_BOOL(&soi, "configured", 1);
	if (what & ON_INSERT_STATE) {
		BSON_APPEND_UTF8(&soi, "state", "active");
		BSON_APPEND_DATE_TIME(&soi, "state_changed", now);
		BSON_APPEND_UTF8(&soi, "state_reason", "configured");
	}
	if (what & ON_INSERT_ENGINE)
		BSON_APPEND_NULL(&soi, "engine");
	bson_append_document_end(update, &soi);
}

/* it: doc's history array when it has one. */
static int find_history(const bson_t *doc, bson_iter_t *arr)
{
	bson_iter_t it;

	return doc && bson_iter_init_find(&it, doc, "history") && BSON_ITER_HOLDS_ARRAY(&it) &&
	       bson_iter_recurse(&it, arr);
}

/* before's history with {state, at, reason} appended, the oldest dropped
 * beyond HOST_DOC_HISTORY_MAX, as set's "history". */
static void append_history(bson_t *set, const bson_t *before, const char *state, int64_t at,
			   const char *reason)
{
	bson_iter_t arr;
	bson_t out, entry;
	uint32_t n = 0, skip = 0, i = 0, k = 0;
	const char *key;
	char buf[16];

	if (find_history(before, &arr))
		while (bson_iter_next(&arr))
			n += BSON_ITER_HOLDS_DOCUMENT(&arr);
	if (n >= HOST_DOC_HISTORY_MAX)
		skip = n - HOST_DOC_HISTORY_MAX + 1;
	BSON_APPEND_ARRAY_BEGIN(set, "history", &out);
	if (n && find_history(before, &arr)) {
		while (bson_iter_next(&arr)) {
			const uint8_t *data;
			uint32_t len;
			bson_t sub;

			if (!BSON_ITER_HOLDS_DOCUMENT(&arr))
				continue;
			if (i++ < skip)
				continue;
			bson_iter_document(&arr, &len, &data);
			if (!bson_init_static(&sub, data, len))
				continue;
			bson_uint32_to_string(k++, &key, buf, sizeof(buf));
			bson_append_document(&out, key, -1, &sub);
		}
	}
	bson_uint32_to_string(k, &key, buf, sizeof(buf));
	bson_append_document_begin(&out, key, -1, &entry);
	BSON_APPEND_UTF8(&entry, "state", state);
	BSON_APPEND_DATE_TIME(&entry, "at", at);
	append_opt_str(&entry, "reason", reason);
	bson_append_document_end(&out, &entry);
	bson_append_array_end(set, &out);
}

/* Copies fields' fields into set. */
static void append_fields(bson_t *set, const bson_t *fields)
{
	bson_iter_t it;

	if (!fields || !bson_iter_init(&it, fields))
		return;
	while (bson_iter_next(&it))
		bson_append_iter(set, bson_iter_key(&it), -1, &it);
}

void host_doc_update_transition(bson_t *update, const bson_t *before, const char *state,
				const char *reason, const bson_t *extra, int64_t now_ms,
				const struct host_settings *hc)
{
	bson_t set;

	bson_init(update);
	BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
	BSON_APPEND_UTF8(&set, "state", state);
	BSON_APPEND_DATE_TIME(&set, "state_changed", now_ms);
	append_opt_str(&set, "state_reason", reason);
	append_history(&set, before, state, now_ms, reason);
	append_fields(&set, extra);
	bson_append_document_end(update, &set);
	append_on_insert(update, hc, now_ms, ON_INSERT_ENGINE);
}

void host_doc_update_fields(bson_t *update, const bson_t *fields, int64_t now_ms,
			    const struct host_settings *hc)
{
	bson_t set;

	bson_init(update);
	BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
	append_fields(&set, fields);
	bson_append_document_end(update, &set);
	append_on_insert(update, hc, now_ms, ON_INSERT_STATE | ON_INSERT_ENGINE);
}

void host_doc_update_answer(bson_t *update, const json_t *info, int64_t now_ms,
			    const struct host_settings *hc)
{
	bson_t set;

	bson_init(update);
	BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
	host_doc_set_seen(&set, now_ms);
	host_doc_set_no_errors(&set, 1);
	if (info)
		append_engine(&set, info);
	bson_append_document_end(update, &set);
	/* the engine facts are set either way when there are some */
	append_on_insert(update, hc, now_ms, ON_INSERT_STATE | (info ? 0 : ON_INSERT_ENGINE));
}

static void append_errors_inc(bson_t *update)
{
	bson_t inc;

	BSON_APPEND_DOCUMENT_BEGIN(update, "$inc", &inc);
	BSON_APPEND_INT32(&inc, "errors", 1);
	bson_append_document_end(update, &inc);
}

static void append_last_error(bson_t *set, const char *msg, int64_t now_ms)
{
	BSON_APPEND_UTF8(set, "last_error", msg);
	BSON_APPEND_DATE_TIME(set, "last_error_at", now_ms);
}

void host_doc_update_error(bson_t *update, const char *msg, int64_t now_ms,
			   const struct host_settings *hc)
{
	bson_t set;

	bson_init(update);
	append_errors_inc(update);
	BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
	append_last_error(&set, msg, now_ms);
	bson_append_document_end(update, &set);
	append_on_insert(update, hc, now_ms, ON_INSERT_STATE | ON_INSERT_ENGINE);
}

void host_doc_update_backoff(bson_t *update, int64_t next_probe_ms, int64_t backoff_ms,
			     const char *msg, int64_t now_ms)
{
	bson_t set;

	bson_init(update);
	BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
	BSON_APPEND_DATE_TIME(&set, "next_probe", next_probe_ms);
	BSON_APPEND_INT64(&set, "probe_backoff", backoff_ms);
	append_last_error(&set, msg, now_ms);
	bson_append_document_end(update, &set);
	append_errors_inc(update);
}

void host_doc_update_moved(bson_t *update, const char *url, const char *tls_dir)
{
	bson_t set;

	bson_init(update);
	BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
	BSON_APPEND_UTF8(&set, "url", url);
	append_opt_str(&set, "tls_dir", tls_dir);
	host_doc_set_no_errors(&set, 1);
	host_doc_set_no_probes(&set);
	BSON_APPEND_NULL(&set, "engine");
	host_doc_set_seen(&set, 0);
	bson_append_document_end(update, &set);
}

void host_doc_update_placed(bson_t *update, int64_t when_ms)
{
	bson_t set;

	bson_init(update);
	BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
	BSON_APPEND_DATE_TIME(&set, "last_placed", when_ms);
	bson_append_document_end(update, &set);
}

void host_doc_set_busy(bson_t *f, int64_t when_ms)
{
	BSON_APPEND_DATE_TIME(f, "last_busy", when_ms);
}

void host_doc_set_drained(bson_t *f, int drained)
{
	BSON_APPEND_BOOL(f, "drained", drained != 0);
}

void host_doc_set_slots(bson_t *f, int64_t slots)
{
	if (slots > 0)
		BSON_APPEND_INT64(f, "slots", slots);
	else
		BSON_APPEND_NULL(f, "slots");
}

void host_doc_set_seen(bson_t *f, int64_t now_ms)
{
	if (now_ms)
		BSON_APPEND_DATE_TIME(f, "last_seen", now_ms);
	else
		BSON_APPEND_NULL(f, "last_seen");
}

void host_doc_set_no_errors(bson_t *f, int with_last_error)
{
	BSON_APPEND_INT32(f, "errors", 0);
	if (with_last_error)
		BSON_APPEND_NULL(f, "last_error");
}

void host_doc_set_no_probes(bson_t *f)
{
	BSON_APPEND_BOOL(f, "auto_inactive", 0);
	BSON_APPEND_NULL(f, "next_probe");
	BSON_APPEND_NULL(f, "probe_backoff");
}

void host_doc_set_auto_inactive(bson_t *f, int64_t next_probe_ms, int64_t backoff_ms)
{
	BSON_APPEND_BOOL(f, "auto_inactive", 1);
	BSON_APPEND_DATE_TIME(f, "next_probe", next_probe_ms);
	BSON_APPEND_INT64(f, "probe_backoff", backoff_ms);
}

void host_doc_set_cloud(bson_t *f, const struct host_doc_cloud *c)
{
	bson_t sub, req;

	BSON_APPEND_DOCUMENT_BEGIN(f, "cloud", &sub);
	append_opt_str(&sub, "profile", c->profile);
	append_opt_str(&sub, "driver", c->driver);
	append_opt_str(&sub, "spawn_id", c->spawn_id);
	append_opt_str(&sub, "vm_id", c->vm_id);
	append_opt_str(&sub, "secgroup_id", c->secgroup_id);
	append_opt_str(&sub, "address_id", c->address_id);
	append_opt_str(&sub, "address", c->address);
	BSON_APPEND_DOCUMENT_BEGIN(&sub, "request", &req);
	append_opt_str(&req, "flavor", c->flavor);
	append_opt_str(&req, "image", c->image);
	append_opt_str(&req, "network", c->network);
	bson_append_document_end(&sub, &req);
	append_opt_str(&sub, "phase", c->phase);
	if (c->deadline_ms)
		BSON_APPEND_DATE_TIME(&sub, "deadline", c->deadline_ms);
	else
		BSON_APPEND_NULL(&sub, "deadline");
	append_opt_str(&sub, "machine", c->machine);
	BSON_APPEND_INT64(&sub, "pid", c->pid);
	bson_append_document_end(f, &sub);
}

void host_doc_set_endpoint(bson_t *f, const char *url, const char *tls_dir, const char *tls_name)
{
	append_opt_str(f, "url", url);
	append_opt_str(f, "tls_dir", tls_dir);
	append_opt_str(f, "tls_name", tls_name);
}

/* --- reading --------------------------------------------------------------- */

/* As store_doc_str, store_doc_int, store_doc_date and store_doc_bool read
 * a field: a string only, integers of any width and integral doubles, a
 * datetime only, a bool only. */
static const char *iter_str(const bson_iter_t *it)
{
	return BSON_ITER_HOLDS_UTF8(it) ? bson_iter_utf8(it, NULL) : NULL;
}

static int64_t iter_int(const bson_iter_t *it)
{
	if (BSON_ITER_HOLDS_INT32(it) || BSON_ITER_HOLDS_INT64(it))
		return bson_iter_as_int64(it);
	if (BSON_ITER_HOLDS_DOUBLE(it))
		return (int64_t)bson_iter_double(it);
	return 0;
}

static int64_t iter_date(const bson_iter_t *it)
{
	return BSON_ITER_HOLDS_DATE_TIME(it) ? bson_iter_date_time(it) : 0;
}

static int iter_bool(const bson_iter_t *it)
{
	return BSON_ITER_HOLDS_BOOL(it) ? bson_iter_bool(it) : 0;
}

enum field_type { T_STR, T_INT, T_DATE, T_BOOL };

struct field {
	const char *key;
	enum field_type type;
	size_t off;
};

#define F(key, type, member) { key, type, offsetof(struct host_doc, member) }

static const struct field fields[] = {
	F("name", T_STR, name),
	F("url", T_STR, url),
	F("tls_dir", T_STR, tls_dir),
	F("tls_name", T_STR, tls_name),
	F("insecure", T_BOOL, insecure),
	F("configured", T_BOOL, configured),
	F("state", T_STR, state),
	F("state_reason", T_STR, state_reason),
	F("state_changed", T_DATE, state_changed),
	F("errors", T_INT, errors),
	F("last_error", T_STR, last_error),
	F("last_error_at", T_DATE, last_error_at),
	F("auto_inactive", T_BOOL, auto_inactive),
	F("next_probe", T_DATE, next_probe),
	F("probe_backoff", T_INT, probe_backoff),
	F("drained", T_BOOL, drained),
	F("slots", T_INT, slots),
	F("last_seen", T_DATE, last_seen),
	F("last_placed", T_DATE, last_placed),
	F("last_busy", T_DATE, last_busy),
};

static const struct field engine_fields[] = {
	F("id", T_STR, engine.id),
	F("version", T_STR, engine.version),
	F("api_version", T_STR, engine.api_version),
	F("os", T_STR, engine.os),
	F("ncpu", T_INT, engine.ncpu),
	F("memory", T_INT, engine.memory),
};

#undef F

#define C(key, type, member) { key, type, offsetof(struct host_doc, cloud.member) }

static const struct field cloud_fields[] = {
	C("profile", T_STR, profile),
	C("driver", T_STR, driver),
	C("spawn_id", T_STR, spawn_id),
	C("vm_id", T_STR, vm_id),
	C("secgroup_id", T_STR, secgroup_id),
	C("address_id", T_STR, address_id),
	C("address", T_STR, address),
	C("phase", T_STR, phase),
	C("deadline", T_DATE, deadline),
	C("machine", T_STR, machine),
	C("pid", T_INT, pid),
};

static const struct field request_fields[] = {
	C("flavor", T_STR, flavor),
	C("image", T_STR, image),
	C("network", T_STR, network),
};

#undef C

/* Reads it into v's member of the field called like it, the first one of
 * each name only (as a lookup by name finds it); seen has a bit per field. */
static void read_field(const bson_iter_t *it, const struct field *tab, size_t n, uint32_t *seen,
		       struct host_doc *v)
{
	const char *key = bson_iter_key(it);
	char *at;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((*seen & (1u << i)) || strcmp(key, tab[i].key))
			continue;
		*seen |= 1u << i;
		at = (char *)v + tab[i].off;
		switch (tab[i].type) {
		case T_STR:  *(const char **)at = iter_str(it); break;
		case T_INT:  *(int64_t *)at = iter_int(it); break;
		case T_DATE: *(int64_t *)at = iter_date(it); break;
		case T_BOOL: *(int *)at = iter_bool(it); break;
		}
		return;
	}
}

/* A sub-document's fields by tab; 0 when it is not a document. */
static int read_sub(const bson_iter_t *it, const struct field *tab, size_t n, struct host_doc *v)
{
	bson_iter_t sub;
	uint32_t seen = 0;

	/* a lookup of "engine.version" descends into a document or array */
	if ((!BSON_ITER_HOLDS_DOCUMENT(it) && !BSON_ITER_HOLDS_ARRAY(it)) ||
	    !bson_iter_recurse(it, &sub))
		return 0;
	while (bson_iter_next(&sub))
		read_field(&sub, tab, n, &seen, v);
	return 1;
}

static void read_engine(const bson_iter_t *it, struct host_doc *v)
{
	read_sub(it, engine_fields, sizeof(engine_fields) / sizeof(engine_fields[0]), v);
}

static void read_cloud(const bson_iter_t *it, struct host_doc *v)
{
	bson_iter_t req;

	if (!BSON_ITER_HOLDS_DOCUMENT(it))
		return;
	v->cloud.present = read_sub(it, cloud_fields, sizeof(cloud_fields) / sizeof(cloud_fields[0]), v);
	if (bson_iter_recurse(it, &req) && bson_iter_find(&req, "request"))
		read_sub(&req, request_fields, sizeof(request_fields) / sizeof(request_fields[0]), v);
}

void host_doc_read(const bson_t *doc, struct host_doc *v)
{
	bson_iter_t it;
	uint32_t seen = 0;
	int64_t oid_ms = 0, added = 0;
	int have_id = 0, have_added = 0, have_engine = 0, have_history = 0, have_cloud = 0;

	memset(v, 0, sizeof(*v));
	if (doc && bson_iter_init(&it, doc)) {
		while (bson_iter_next(&it)) {
			const char *key = bson_iter_key(&it);

			if (!strcmp(key, "_id")) {
				if (!have_id++ && BSON_ITER_HOLDS_OID(&it))
					oid_ms = (int64_t)bson_oid_get_time_t(bson_iter_oid(&it)) * 1000;
			} else if (!strcmp(key, "added")) {
				if (!have_added++)
					added = iter_date(&it);
			} else if (!strcmp(key, "engine")) {
				if (!have_engine++)
					read_engine(&it, v);
			} else if (!strcmp(key, "cloud")) {
				if (!have_cloud++)
					read_cloud(&it, v);
			} else if (!strcmp(key, "history")) {
				if (!have_history++)
					v->nhistory = host_doc_history(doc, NULL, 0);
			} else {
				read_field(&it, fields, sizeof(fields) / sizeof(fields[0]), &seen, v);
			}
		}
	}
	/* a configured host that never got a document is in service */
	if (!v->state || !*v->state)
		v->state = "active";
	v->created = added > 0 ? added : oid_ms;
}

const char *host_doc_state(const bson_t *doc)
{
	bson_iter_t it;
	const char *s = NULL;

	if (doc && bson_iter_init_find(&it, doc, "state"))
		s = iter_str(&it);
	return s && *s ? s : "active";
}

size_t host_doc_history(const bson_t *doc, struct host_doc_change *out, size_t max)
{
	bson_iter_t arr, e;
	size_t n = 0;

	if (!find_history(doc, &arr))
		return 0;
	while (bson_iter_next(&arr)) {
		if (!BSON_ITER_HOLDS_DOCUMENT(&arr))
			continue;
		if (n < max && out) {
			memset(&out[n], 0, sizeof(out[n]));
			if (bson_iter_recurse(&arr, &e)) {
				int have = 0;

				while (bson_iter_next(&e)) {
					const char *k = bson_iter_key(&e);

					if (!strcmp(k, "state") && !(have & 1))
						out[n].state = iter_str(&e), have |= 1;
					else if (!strcmp(k, "at") && !(have & 2))
						out[n].at = iter_date(&e), have |= 2;
					else if (!strcmp(k, "reason") && !(have & 4))
						out[n].reason = iter_str(&e), have |= 4;
				}
			}
		}
		n++;
	}
	return n;
}

json_t *host_doc_json(const bson_t *doc, const char *name, const char *url, const char *tls_dir,
		      int insecure)
{
	static const char *const facts[] = { "state_changed", "state_reason", "last_seen", "engine",
					     "slots", NULL };
	json_t *o = doc ? store_doc_to_json(doc) : json_object();
	size_t i;

	if (!o)
		return NULL;
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "url", url ? json_string(url) : json_null());
	json_object_set_new(o, "tls_dir", tls_dir ? json_string(tls_dir) : json_null());
	json_object_set_new(o, "insecure", json_boolean(insecure));
	if (!json_object_get(o, "state"))
		json_object_set_new(o, "state", json_string(host_doc_state(doc)));
	if (!json_object_get(o, "drained"))
		json_object_set_new(o, "drained", json_false());
	for (i = 0; facts[i]; i++)
		if (!json_object_get(o, facts[i]))
			json_object_set_new(o, facts[i], json_null());
	return o;
}
