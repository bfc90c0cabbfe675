/* pool.c: the hosts a command acts on, and what each request taught us
 * about them (see pool.h).
 *
 * Host states live in the store's hosts collection. Neither store has
 * $push, so a transition reads the document and writes the history back
 * whole; two berths moving one host at the same moment may lose one
 * history entry, never the state itself (the last write wins, and both
 * wrote a state that the host's answers justified).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backends/pool/pool.h"
#include "commands/context.h"
#include "commands/args.h"
#include "backends/pool/hosts.h"
#include "backends/pool/settings.h"
#include "backends/backend.h"
#include "backends/store/store.h"
#include "backends/store/store_docs.h"
#include "lib/xalloc.h"
#include "lib/text.h"

#define HISTORY_MAX 20

static const char *const states[] = { "spawned", "active", "inactive", "removed", NULL };

int pool_valid_state(const char *state)
{
	size_t i;

	for (i = 0; state && states[i]; i++)
		if (!strcmp(states[i], state))
			return 1;
	return 0;
}

const char *pool_host_state(const bson_t *doc)
{
	const char *s = doc ? store_doc_str(doc, "state") : NULL;

	/* a configured host that never got a document is in service */
	return s && *s ? s : "active";
}

/* -H tcp://... hosts live in this process only: nothing is recorded. */
static int is_adhoc(const char *name)
{
	return strstr(name, "://") != NULL;
}

/* "lab: cannot connect ..." -> "cannot connect ...": the host's name is
 * already the document's. */
static const char *without_host(const char *host, const char *msg)
{
	size_t n = strlen(host);

	if (!strncmp(msg, host, n) && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

/* --- targets --------------------------------------------------------------- */

static int64_t created_of(const bson_t *doc)
{
	bson_iter_t it;
	int64_t added;

	if (!doc)
		return 0;
	if ((added = store_doc_date(doc, "added")) > 0)
		return added;
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_OID(&it))
		return (int64_t)bson_oid_get_time_t(bson_iter_oid(&it)) * 1000;
	return 0;
}

void pool_targets_push(struct shell *sh, struct pool_targets *t, struct host_ref *ref)
{
	struct pool_host *ph;

	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	ph = &t->v[t->n++];
	memset(ph, 0, sizeof(*ph));
	berr_clear(&ph->err);
	ph->b = shell_backend_ref(sh, ref, &ph->err);
	ph->name = xstrdup(ref->name);
	ph->doc = ref->doc;
	ref->doc = NULL;
	ph->state = xstrdup(pool_host_state(ph->doc));
	ph->drained = ph->doc ? store_doc_bool(ph->doc, "drained", 0) : 0;
	ph->slots = ph->doc ? store_doc_int(ph->doc, "slots", 0) : 0;
	if (ph->slots < 0)
		ph->slots = 0;
	ph->created_ms = created_of(ph->doc);
	host_ref_release(ref);
}

void pool_targets_release(struct pool_targets *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].state);
		if (t->v[i].doc)
			bson_destroy(t->v[i].doc);
	}
	free(t->v);
	free(t->dropped);
	memset(t, 0, sizeof(*t));
}

static void add_dropped(struct pool_targets *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_dropped(struct pool_targets *t, const char *fmt, ...)
{
	char *part = NULL, *joined = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&part, fmt, ap) < 0)
		part = NULL;
	va_end(ap);
	if (!part)
		abort();
	if (t->dropped) {
		if (asprintf(&joined, "%s, %s", t->dropped, part) < 0)
			abort();
		free(t->dropped);
		free(part);
		t->dropped = joined;
	} else {
		t->dropped = part;
	}
}

/* Why a host is no candidate (NULL: it is one). */
static const char *not_candidate(const char *state, int drained, unsigned flags)
{
	if (strcmp(state, "active"))
		return state;
	if ((flags & POOL_PLACEMENT) && drained)
		return "drained";
	return NULL;
}

static void describe(struct pool_targets *t, const char *name, const char *why, const bson_t *doc)
{
	const char *reason = doc ? store_doc_str(doc, "state_reason") : NULL;

	if (!strcmp(why, "drained") || !reason || !*reason)
		add_dropped(t, "%s is %s", name, why);
	else
		add_dropped(t, "%s is %s (%s)", name, why, reason);
}

static int unknown_name(struct shell *sh, const char *name, int rc, const struct berr *err)
{
	char *known = hosts_known_names(sh);
	int ret;

	if (rc < 0)
		ret = error(sh, "unknown host: %s (known: %s; registered hosts are unavailable: %s)",
			    CUT(name), known, err->msg);
	else
		ret = usage_error(sh, "unknown host: %s (known: %s)", CUT(name), known);
	free(known);
	return ret;
}

static int add_named(struct shell *sh, struct pool_targets *t, const char *name)
{
	struct host_ref ref;
	struct berr err;
	size_t i;
	int rc;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return 0;
	berr_clear(&err);
	rc = hosts_find(sh, name, HOSTS_WITH_DOC, &ref, &err);
	if (rc <= 0)
		return unknown_name(sh, name, rc, &err);
	pool_targets_push(sh, t, &ref);
	return 0;
}

/* The named targets that placement cannot use: an error naming the first. */
static int check_named_placement(struct shell *sh, const struct pool_targets *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct pool_host *h = &t->v[i];
		const char *why = not_candidate(h->state, h->drained, POOL_PLACEMENT);
		const char *reason = h->doc ? store_doc_str(h->doc, "state_reason") : NULL;

		if (!why)
			continue;
		if (!strcmp(why, "drained"))
			return error(sh, "host %s is drained: no new containers go there "
				     "('host activate %s' takes it back into service)", h->name, h->name);
		return error(sh, "host %s is %s%s%s%s: no new containers go there "
			     "('host activate %s' or 'host probe %s' brings it back)",
			     h->name, why, reason && *reason ? " (" : "", reason ? reason : "",
			     reason && *reason ? ")" : "", h->name, h->name);
	}
	return 0;
}

int pool_targets(struct shell *sh, unsigned flags, struct pool_targets *out)
{
	const char *const *names = NULL;
	struct host_list l;
	size_t n = 0, i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sh->args)
		names = args_list(sh->args, "host", &n);
	if (n || sh->current_host) {
		out->explicit_hosts = 1;
		if (n) {
			for (i = 0; i < n; i++)
				if ((rc = add_named(sh, out, names[i])) < 0)
					goto failed;
		} else if ((rc = add_named(sh, out, sh->current_host)) < 0) {
			/* the pinned host vanished (removed by another berth):
			 * that is no usage error of this command */
			rc = CMD_ERROR;
			goto failed;
		}
		if ((flags & POOL_PLACEMENT) && (rc = check_named_placement(sh, out)) < 0)
			goto failed;
		return 0;
	}

	/* a store out of reach leaves the configured hosts: the warning
	 * that the cache was not updated will say why, once */
	hosts_list(sh, HOSTS_WITH_DOC | HOSTS_QUIET, &l);
	for (i = 0; i < l.n; i++) {
		struct host_ref *ref = &l.v[i];
		const char *state = pool_host_state(ref->doc);
		int drained = ref->doc ? store_doc_bool(ref->doc, "drained", 0) : 0;
		const char *why = not_candidate(state, drained, flags);

		if (why) {
			describe(out, ref->name, why, ref->doc);
			continue;
		}
		pool_targets_push(sh, out, ref);
	}
	host_list_release(&l);
	return 0;

failed:
	pool_targets_release(out);
	return rc;
}

/* "local, lab, web1" */
static char *target_names(const struct pool_targets *t)
{
	char *s = NULL, *joined;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (asprintf(&joined, "%s%s%s", s ? s : "", s ? ", " : "", t->v[i].name) < 0)
			abort();
		free(s);
		s = joined;
	}
	return s ? s : xstrdup("");
}

struct backend *pool_single(struct shell *sh)
{
	struct pool_targets t;
	struct backend *b = NULL;
	size_t n = 0;
	char *list;

	if (sh->args)
		args_list(sh->args, "host", &n);
	/* the pinned host: no store document is needed to use it */
	if (!n && sh->current_host)
		return shell_backend_for(sh, sh->current_host);
	if (pool_targets(sh, 0, &t) < 0)
		return NULL;
	if (t.n == 1) {
		b = t.v[0].b;
		if (!b)
			error(sh, "%s", t.v[0].err.msg);
	} else if (t.n == 0) {
		if (t.dropped)
			error(sh, "no active host in the pool (%s): 'host probe' checks them again, "
			      "'host activate NAME' puts one back", t.dropped);
		else
			error(sh, "no active host in the pool");
	} else {
		list = target_names(&t);
		if (n)
			usage_error(sh, "this command acts on one host and --host names %zu (%s): give one",
				    t.n, list);
		else
			usage_error(sh, "this command acts on one host and the pool has %zu (%s): "
				    "add --host NAME or run 'host use NAME'", t.n, list);
		free(list);
	}
	pool_targets_release(&t);
	return b;
}

/* --- recording ------------------------------------------------------------- */

/* A configured host's first document, like host add's, with the
 * configuration's settings of today. */
static void append_on_insert(bson_t *update, const struct host_settings *hc, int64_t now,
			     int with_state, int with_engine)
{
	bson_t soi;

	BSON_APPEND_DOCUMENT_BEGIN(update, "$setOnInsert", &soi);
	BSON_APPEND_UTF8(&soi, "url", hc->url);
	if (hc->tls_dir)
		BSON_APPEND_UTF8(&soi, "tls_dir", hc->tls_dir);
	else
		BSON_APPEND_NULL(&soi, "tls_dir");
	BSON_APPEND_BOOL(&soi, "insecure", hc->insecure != 0);
	BSON_APPEND_DATE_TIME(&soi, "added", now);
	/* facts about a configured host, not a registration: should the
	 * configuration drop it, the document must not make it a registered
	 * host (hosts.c skips such documents) */
	BSON_APPEND_BOOL(&soi, "configured", 1);
	if (with_state) {
		BSON_APPEND_UTF8(&soi, "state", "active");
		BSON_APPEND_DATE_TIME(&soi, "state_changed", now);
		BSON_APPEND_UTF8(&soi, "state_reason", "configured");
	}
	if (with_engine)
		BSON_APPEND_NULL(&soi, "engine");
	bson_append_document_end(update, &soi);
}

/* before's history with {state, at, reason} appended, the oldest dropped
 * beyond HISTORY_MAX, as set's "history". */
static void append_history(bson_t *set, const bson_t *before, const char *state, int64_t at,
			   const char *reason)
{
	bson_iter_t it, arr;
	bson_t out, entry;
	uint32_t n = 0, skip = 0, i = 0, k = 0;
	const char *key;
	char buf[16];

	if (before && bson_iter_init_find(&it, before, "history") && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &arr)) {
		while (bson_iter_next(&arr))
			n += BSON_ITER_HOLDS_DOCUMENT(&arr);
	}
	if (n >= HISTORY_MAX)
		skip = n - HISTORY_MAX + 1;
	BSON_APPEND_ARRAY_BEGIN(set, "history", &out);
	if (n && bson_iter_init_find(&it, before, "history") && bson_iter_recurse(&it, &arr)) {
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
	if (reason)
		BSON_APPEND_UTF8(&entry, "reason", reason);
	else
		BSON_APPEND_NULL(&entry, "reason");
	bson_append_document_end(&out, &entry);
	bson_append_array_end(set, &out);
}

/* Copies extra's fields into set. */
static void append_fields(bson_t *set, const bson_t *extra)
{
	bson_iter_t it;

	if (!extra || !bson_iter_init(&it, extra))
		return;
	while (bson_iter_next(&it))
		bson_append_iter(set, bson_iter_key(&it), -1, &it);
}

int pool_transition(struct shell *sh, const char *host, const bson_t *before, const char *state,
		    const char *reason, const bson_t *extra, struct berr *err)
{
	const struct host_settings *hc = settings_find_host(&sh->settings, host);
	int64_t now = store_now_ms();
	bson_t sel, update, set, found_doc;
	const bson_t *prev = before;
	struct store *s;
	int found = 0, have_found = 0, rc = -1;

	berr_clear(err);
	if (is_adhoc(host))
		return berr_set(err, BERR_USAGE, "host %s was named by its URL (-H); it has no state to change",
				host);
	if (!(s = shell_store(sh, err)))
		return -1;
	bson_init(&sel);
	BSON_APPEND_UTF8(&sel, "name", host);
	if (!prev) {
		if (store_find_one(s, STORE_HOSTS, &sel, &found_doc, &found, err) < 0) {
			shell_store_failed(sh, err);
			goto cleanup;
		}
		if (found) {
			have_found = 1;
			prev = &found_doc;
		} else if (!hc) {
			char *known = hosts_known_names(sh);

			berr_set(err, BERR_NOT_FOUND, "unknown host: %s (known: %s)", CUT(host), known);
			free(known);
			goto cleanup;
		}
	}
	bson_init(&update);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
	BSON_APPEND_UTF8(&set, "state", state);
	BSON_APPEND_DATE_TIME(&set, "state_changed", now);
	if (reason)
		BSON_APPEND_UTF8(&set, "state_reason", reason);
	else
		BSON_APPEND_NULL(&set, "state_reason");
	append_history(&set, prev, state, now, reason);
	append_fields(&set, extra);
	bson_append_document_end(&update, &set);
	if (hc)
		append_on_insert(&update, hc, now, 0, 1);
	found = 0;
	rc = store_modify(s, STORE_HOSTS, &sel, &update, hc ? STORE_UPSERT : 0, NULL, &found, err);
	bson_destroy(&update);
	if (rc < 0) {
		shell_store_failed(sh, err);
		goto cleanup;
	}
	if (!found) {
		rc = berr_set(err, BERR_NOT_FOUND, "unknown host: %s (it was removed meanwhile)", CUT(host));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (have_found)
		bson_destroy(&found_doc);
	bson_destroy(&sel);
	return rc;
}

int pool_set_fields(struct shell *sh, const char *host, const bson_t *fields, struct berr *err)
{
	const struct host_settings *hc = settings_find_host(&sh->settings, host);
	bson_t sel, update, set;
	struct store *s;
	int found = 0, rc;

	berr_clear(err);
	if (is_adhoc(host))
		return berr_set(err, BERR_USAGE, "host %s was named by its URL (-H); it has no record to change",
				host);
	if (!(s = shell_store(sh, err)))
		return -1;
	bson_init(&sel);
	BSON_APPEND_UTF8(&sel, "name", host);
	bson_init(&update);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
	append_fields(&set, fields);
	bson_append_document_end(&update, &set);
	if (hc)
		append_on_insert(&update, hc, store_now_ms(), 1, 1);
	rc = store_modify(s, STORE_HOSTS, &sel, &update, hc ? STORE_UPSERT : 0, NULL, &found, err);
	bson_destroy(&update);
	bson_destroy(&sel);
	if (rc < 0) {
		shell_store_failed(sh, err);
		return -1;
	}
	if (!found) {
		char *known = hosts_known_names(sh);

		berr_set(err, BERR_NOT_FOUND, "unknown host: %s (known: %s)", CUT(host), known);
		free(known);
		return -1;
	}
	return 0;
}

int pool_set_state(struct shell *sh, const char *host, const char *state, const char *reason,
		   struct berr *err)
{
	bson_t extra;
	int rc;

	if (!pool_valid_state(state))
		return berr_set(err, BERR_USAGE, "unknown host state '%s': use spawned, active, inactive or removed",
				CUT(state));
	bson_init(&extra);
	if (!strcmp(state, "active")) {
		BSON_APPEND_INT32(&extra, "errors", 0);
		BSON_APPEND_BOOL(&extra, "auto_inactive", 0);
		BSON_APPEND_NULL(&extra, "next_probe");
		BSON_APPEND_NULL(&extra, "probe_backoff");
	} else if (!strcmp(state, "inactive")) {
		BSON_APPEND_BOOL(&extra, "auto_inactive", 0);
		BSON_APPEND_NULL(&extra, "next_probe");
		BSON_APPEND_NULL(&extra, "probe_backoff");
	}
	rc = pool_transition(sh, host, NULL, state, reason, &extra, err);
	bson_destroy(&extra);
	return rc;
}

int pool_record_answer(struct shell *sh, const char *host, const json_t *info)
{
	const struct host_settings *hc = settings_find_host(&sh->settings, host);
	int64_t now = store_now_ms();
	bson_t sel, update, set, before;
	struct store *s;
	struct berr err;
	const char *state;
	int found = 0, rc, ret = -1;

	if (is_adhoc(host) || !hosts_valid_name(host))
		return 0;
	berr_clear(&err);
	if (!(s = shell_store(sh, &err))) {
		shell_cache_warn(sh, &err);
		return -1;
	}
	bson_init(&sel);
	BSON_APPEND_UTF8(&sel, "name", host);
	bson_init(&update);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
	BSON_APPEND_DATE_TIME(&set, "last_seen", now);
	BSON_APPEND_INT32(&set, "errors", 0);
	BSON_APPEND_NULL(&set, "last_error");
	if (info)
		store_doc_append_engine(&set, "engine", info);
	bson_append_document_end(&update, &set);
	if (hc)
		append_on_insert(&update, hc, now, 1, !info);
	rc = store_modify(s, STORE_HOSTS, &sel, &update, hc ? STORE_UPSERT : 0, &before, &found,
			  &err);
	bson_destroy(&update);
	if (rc < 0)
		goto failed;
	if (!found) {
		ret = 0; /* removed meanwhile: not brought back */
		goto cleanup;
	}
	/* an answer brings a new host into service; an inactive one comes
	 * back through a probe (or host activate), never by the way: it was
	 * taken out for a reason, and one answer does not undo it */
	state = bson_empty(&before) ? NULL : store_doc_str(&before, "state");
	ret = 0;
	if (state && !strcmp(state, "spawned")) {
		rc = pool_transition(sh, host, &before, "active", "engine answered", NULL, &err);
		ret = rc < 0 ? -1 : 1;
	}
	bson_destroy(&before);
	if (ret < 0)
		goto failed;
	goto cleanup;
failed:
	shell_cache_warn(sh, &err);
	ret = -1;
cleanup:
	bson_destroy(&sel);
	return ret;
}

/* Does err say the host is in trouble (1), answered (0), or nothing (-1)? */
static int teaches(const struct berr *err)
{
	switch (err->kind) {
	case BERR_CONNECT:
	case BERR_TIMEOUT:
	case BERR_PROTOCOL:
	case BERR_TLS:
		return 1;
	case BERR_ENGINE:
	case BERR_NOT_FOUND:
	case BERR_CONFLICT:
		return 0;
	default:
		return -1;
	}
}

/* Another host than this one is active: the pool keeps working without it.
 * berth never takes the last active host out of service by itself, or a
 * one-host user whose engine was down a minute would find berth refusing
 * every command ("no active host") after the engine came back, until a
 * probe; that host's errors go on being reported as they happen. */
static int other_host_active(struct shell *sh, const char *host)
{
	struct host_list hl;
	size_t i;
	int found = 0;

	hosts_list(sh, HOSTS_WITH_DOC | HOSTS_QUIET, &hl);
	for (i = 0; i < hl.n && !found; i++)
		found = strcmp(hl.v[i].name, host) != 0 &&
			!strcmp(pool_host_state(hl.v[i].doc), "active");
	host_list_release(&hl);
	return found;
}

int pool_record(struct shell *sh, const char *host, const struct berr *err)
{
	const struct host_settings *hc;
	int64_t now, errors;
	bson_t sel, update, set, inc, after, extra;
	struct store *s;
	struct berr e;
	const char *msg;
	char reason[1200];
	int found = 0, rc, ret = -1, t;

	if (!err)
		return pool_record_answer(sh, host, NULL);
	if ((t = teaches(err)) < 0)
		return 0;
	if (t == 0)
		return pool_record_answer(sh, host, NULL);
	if (is_adhoc(host) || !hosts_valid_name(host))
		return 0;
	berr_clear(&e);
	if (!(s = shell_store(sh, &e))) {
		shell_cache_warn(sh, &e);
		return -1;
	}
	hc = settings_find_host(&sh->settings, host);
	now = store_now_ms();
	msg = without_host(host, err->msg[0] ? err->msg : "request failed");
	bson_init(&sel);
	BSON_APPEND_UTF8(&sel, "name", host);
	bson_init(&update);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$inc", &inc);
	BSON_APPEND_INT32(&inc, "errors", 1);
	bson_append_document_end(&update, &inc);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
	BSON_APPEND_UTF8(&set, "last_error", msg);
	BSON_APPEND_DATE_TIME(&set, "last_error_at", now);
	bson_append_document_end(&update, &set);
	if (hc)
		append_on_insert(&update, hc, now, 1, 1);
	rc = store_modify(s, STORE_HOSTS, &sel, &update, (hc ? STORE_UPSERT : 0) | STORE_RETURN_NEW,
			  &after, &found, &e);
	bson_destroy(&update);
	if (rc < 0)
		goto failed;
	if (!found) {
		ret = 0;
		goto cleanup;
	}
	errors = store_doc_int(&after, "errors", 0);
	ret = 0;
	if (!strcmp(pool_host_state(&after), "active") && errors >= sh->settings.pool_error_threshold &&
	    other_host_active(sh, host)) {
		snprintf(reason, sizeof(reason), "%lld consecutive error%s: %s", (long long)errors,
			 errors == 1 ? "" : "s", msg);
		bson_init(&extra);
		BSON_APPEND_BOOL(&extra, "auto_inactive", 1);
		BSON_APPEND_DATE_TIME(&extra, "next_probe", now + POOL_PROBE_FIRST_MS);
		BSON_APPEND_INT64(&extra, "probe_backoff", POOL_PROBE_FIRST_MS);
		rc = pool_transition(sh, host, &after, "inactive", reason, &extra, &e);
		bson_destroy(&extra);
		if (rc == 0) {
			warning(sh, "%s is now inactive: %s", host, reason);
			ret = 1;
		}
	}
	bson_destroy(&after);
	if (rc < 0)
		goto failed;
	goto cleanup;
failed:
	shell_cache_warn(sh, &e);
	ret = -1;
cleanup:
	bson_destroy(&sel);
	return ret;
}

int pool_host_moved(struct shell *sh, const char *host, const char *url, const char *tls_dir,
		    const char *was)
{
	bson_t sel, update, set;
	struct store *s;
	struct berr err;
	char reason[1200];
	int found = 0, rc;

	berr_clear(&err);
	if (is_adhoc(host) || !(s = shell_store(sh, &err)))
		return -1;
	bson_init(&sel);
	BSON_APPEND_UTF8(&sel, "name", host);
	bson_init(&update);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
	BSON_APPEND_UTF8(&set, "url", url);
	if (tls_dir)
		BSON_APPEND_UTF8(&set, "tls_dir", tls_dir);
	else
		BSON_APPEND_NULL(&set, "tls_dir");
	BSON_APPEND_INT32(&set, "errors", 0);
	BSON_APPEND_NULL(&set, "last_error");
	BSON_APPEND_BOOL(&set, "auto_inactive", 0);
	BSON_APPEND_NULL(&set, "next_probe");
	BSON_APPEND_NULL(&set, "probe_backoff");
	BSON_APPEND_NULL(&set, "engine");
	BSON_APPEND_NULL(&set, "last_seen");
	bson_append_document_end(&update, &set);
	rc = store_modify(s, STORE_HOSTS, &sel, &update, 0, NULL, &found, &err);
	bson_destroy(&update);
	bson_destroy(&sel);
	snprintf(reason, sizeof(reason), "its URL changed (was %s)", was);
	if (rc == 0 && found)
		rc = pool_transition(sh, host, NULL, "active", reason, NULL, &err);
	if (rc < 0)
		shell_cache_warn(sh, &err);
	return rc;
}

/* --- probes ---------------------------------------------------------------- */

#include "backends/docker/fanout.h"
#include "backends/docker/docker.h"

/* A client of its own for the ping: a probe waits no longer than a
 * connection may take (an engine that accepts and never answers, as a
 * stopped one does, must not cost the whole request timeout). */
static struct backend *probe_backend(struct shell *sh, const struct host_ref *h, struct berr *err)
{
	struct docker_endpoint ep;

	host_ref_endpoint(h, &sh->settings, &ep);
	ep.timeout_ms = sh->settings.connect_timeout_ms;
	berr_clear(err);
	return docker_backend_new(&ep, err);
}

/* A host the probe looks at. */
struct probe_host {
	struct host_ref ref;
	struct backend *b; /* owned: probe_backend() */
	struct berr err;   /* why b is NULL */
};

/* Should an unnamed probe look at this host now? Spawned hosts and those
 * that went inactive by themselves, once their next_probe is due; a host
 * deactivated by hand waits for a hand (host activate, host probe NAME). */
static int probe_due(const bson_t *doc, int64_t now)
{
	const char *state = pool_host_state(doc);
	int64_t next;

	if (!doc)
		return 0;
	if (!strcmp(state, "inactive")) {
		if (!store_doc_bool(doc, "auto_inactive", 0))
			return 0;
	} else if (strcmp(state, "spawned")) {
		return 0;
	}
	next = store_doc_date(doc, "next_probe");
	return next <= now;
}

void pool_probe_results_release(struct pool_probe_result *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].host);
		free(r[i].before);
		free(r[i].after);
		free(r[i].reason);
	}
	free(r);
}

/* What an answered or unanswered probe of h means for its document. */
static void probe_settle(struct shell *sh, const struct host_ref *ref, int answered,
			 const struct berr *perr, unsigned flags, struct pool_probe_result *r)
{
	const char *state = pool_host_state(ref->doc);
	int64_t now = store_now_ms(), backoff;
	struct berr err;
	bson_t extra;
	int rc;

	r->before = xstrdup(state);
	r->after = xstrdup(state);
	berr_clear(&err);
	if (is_adhoc(ref->name))
		flags |= POOL_PROBE_DRY_RUN; /* nothing recorded of -H URL hosts */
	if (!strcmp(state, "removed"))
		return; /* never comes back by itself */
	if (!strcmp(state, "active")) {
		/* a probe of a host in service is one more request */
		if (flags & POOL_PROBE_DRY_RUN)
			return;
		rc = answered ? pool_record_answer(sh, ref->name, NULL) : pool_record(sh, ref->name, perr);
		if (rc == 1 && !answered) {
			free(r->after);
			r->after = xstrdup("inactive");
		}
		return;
	}
	if (answered) {
		free(r->after);
		r->after = xstrdup("active");
		r->reason = xstrdup(flags & POOL_PROBE_ADDED ? "host add: engine answered" : "probe answered");
		if (flags & POOL_PROBE_DRY_RUN)
			return;
		bson_init(&extra);
		BSON_APPEND_DATE_TIME(&extra, "last_seen", now);
		BSON_APPEND_INT32(&extra, "errors", 0);
		BSON_APPEND_NULL(&extra, "last_error");
		BSON_APPEND_BOOL(&extra, "auto_inactive", 0);
		BSON_APPEND_NULL(&extra, "next_probe");
		BSON_APPEND_NULL(&extra, "probe_backoff");
		rc = pool_transition(sh, ref->name, ref->doc, "active", r->reason, &extra, &err);
		bson_destroy(&extra);
		if (rc < 0) {
			shell_cache_warn(sh, &err);
			free(r->after);
			r->after = xstrdup(state);
		}
		return;
	}
	/* unanswered: wait twice as long before the next try, up to an hour */
	backoff = ref->doc ? store_doc_int(ref->doc, "probe_backoff", 0) : 0;
	backoff = backoff <= 0 ? POOL_PROBE_FIRST_MS : backoff * 2;
	if (backoff > POOL_PROBE_MAX_MS)
		backoff = POOL_PROBE_MAX_MS;
	r->next_probe_ms = now + backoff;
	if (flags & POOL_PROBE_DRY_RUN)
		return;
	{
		bson_t sel, update, set, inc;
		struct store *s = shell_store(sh, &err);

		if (!s) {
			shell_cache_warn(sh, &err);
			return;
		}
		bson_init(&sel);
		BSON_APPEND_UTF8(&sel, "name", ref->name);
		bson_init(&update);
		BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
		BSON_APPEND_DATE_TIME(&set, "next_probe", r->next_probe_ms);
		BSON_APPEND_INT64(&set, "probe_backoff", backoff);
		BSON_APPEND_UTF8(&set, "last_error", without_host(ref->name, perr->msg));
		BSON_APPEND_DATE_TIME(&set, "last_error_at", now);
		bson_append_document_end(&update, &set);
		BSON_APPEND_DOCUMENT_BEGIN(&update, "$inc", &inc);
		BSON_APPEND_INT32(&inc, "errors", 1);
		bson_append_document_end(&update, &inc);
		rc = store_modify(s, STORE_HOSTS, &sel, &update, 0, NULL, NULL, &err);
		bson_destroy(&update);
		bson_destroy(&sel);
		if (rc < 0)
			shell_cache_warn(sh, &err);
	}
}

int pool_probe(struct shell *sh, const char *const *names, size_t n, unsigned flags,
	       struct pool_probe_result **out, size_t *nout)
{
	struct probe_host *ph = NULL;
	struct fanout_job *jobs = NULL;
	struct pool_probe_result *res = NULL;
	size_t nph = 0, i, j, nj = 0;
	int64_t now = store_now_ms();
	int ret = CMD_ERROR;

	*out = NULL;
	*nout = 0;
	if (n) {
		for (i = 0; i < n; i++) {
			struct host_ref ref;
			struct berr err;
			int rc, dup = 0;

			for (j = 0; j < nph; j++)
				dup |= !strcmp(ph[j].ref.name, names[i]);
			if (dup)
				continue;
			berr_clear(&err);
			rc = hosts_find(sh, names[i], HOSTS_WITH_DOC, &ref, &err);
			if (rc <= 0) {
				ret = unknown_name(sh, names[i], rc, &err);
				goto cleanup;
			}
			ph = xrealloc(ph, (nph + 1) * sizeof(*ph));
			memset(&ph[nph], 0, sizeof(ph[nph]));
			ph[nph++].ref = ref;
		}
	} else {
		struct host_list l;

		hosts_list(sh, HOSTS_WITH_DOC, &l);
		for (i = 0; i < l.n; i++) {
			if (!probe_due(l.v[i].doc, now))
				continue;
			ph = xrealloc(ph, (nph + 1) * sizeof(*ph));
			memset(&ph[nph], 0, sizeof(ph[nph]));
			ph[nph++].ref = l.v[i];
			memset(&l.v[i], 0, sizeof(l.v[i]));
		}
		host_list_release(&l);
	}

	jobs = xrealloc(NULL, (nph ? nph : 1) * sizeof(*jobs));
	memset(jobs, 0, (nph ? nph : 1) * sizeof(*jobs));
	for (i = 0; i < nph; i++) {
		ph[i].b = probe_backend(sh, &ph[i].ref, &ph[i].err);
		if (ph[i].b)
			jobs[nj++].b = ph[i].b;
	}
	if (nj)
		fanout_ping(jobs, nj, NULL);

	res = xrealloc(NULL, (nph ? nph : 1) * sizeof(*res));
	memset(res, 0, (nph ? nph : 1) * sizeof(*res));
	for (i = 0, j = 0; i < nph; i++) {
		struct pool_probe_result *r = &res[i];
		const struct berr *perr = &ph[i].err;

		r->host = xstrdup(ph[i].ref.name);
		if (ph[i].b) {
			r->answered = jobs[j].status == 0;
			r->elapsed_ms = jobs[j].elapsed_ms;
			perr = &jobs[j].err;
			j++;
		}
		if (!r->answered)
			r->err = *perr;
		if (!r->answered && r->err.kind == BERR_INTERRUPTED) {
			r->before = xstrdup(pool_host_state(ph[i].ref.doc));
			r->after = xstrdup(r->before);
			continue; /* Ctrl-C proves nothing */
		}
		probe_settle(sh, &ph[i].ref, r->answered, &r->err, flags, r);
	}
	*out = res;
	*nout = nph;
	res = NULL;
	ret = CMD_OK;
cleanup:
	if (jobs)
		fanout_jobs_release(jobs, nj);
	free(jobs);
	for (i = 0; i < nph; i++) {
		backend_free(ph[i].b);
		host_ref_release(&ph[i].ref);
	}
	free(ph);
	free(res);
	return ret;
}
