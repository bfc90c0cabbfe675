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
#include "backends/pool/fleet.h"
#include "backends/pool/hosts.h"
#include "backends/pool/host_doc.h"
#include "backends/pool/settings.h"
#include "backends/backend.h"
#include "backends/store/store.h"
#include "lib/names.h"
#include "lib/strbuf.h"
#include "lib/strindex.h"
#include "lib/xalloc.h"
#include "lib/text.h"

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
	return host_doc_state(doc);
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

void pool_targets_push(struct fleet *fl, struct pool_targets *t, struct host_ref *ref)
{
	struct pool_host *ph;
	struct host_doc hd;

	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	ph = &t->v[t->n++];
	memset(ph, 0, sizeof(*ph));
	berr_clear(&ph->err);
	ph->b = fleet_backend_ref(fl, ref, &ph->err);
	ph->name = xstrdup(ref->name);
	ph->doc = ref->doc;
	ref->doc = NULL;
	host_doc_read(ph->doc, &hd);
	ph->engine_id = hd.engine.id && *hd.engine.id ? xstrdup(hd.engine.id) : NULL;
	ph->state = xstrdup(hd.state);
	ph->drained = hd.drained;
	ph->slots = hd.slots < 0 ? 0 : hd.slots;
	ph->created_ms = hd.created;
	host_ref_release(ref);
}

static void pool_host_release(struct pool_host *h)
{
	free(h->name);
	free(h->state);
	free(h->engine_id);
	if (h->doc)
		bson_destroy(h->doc);
}

void pool_targets_release(struct pool_targets *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		pool_host_release(&t->v[i]);
	free(t->v);
	free(t->dropped);
	memset(t, 0, sizeof(*t));
}


/* Why a host is no candidate: it is one, its state is not active, or it
 * is drained. */
enum unfit { FIT, NOT_ACTIVE, DRAINED };

static enum unfit not_candidate(const char *state, int drained, unsigned flags)
{
	if (strcmp(state, "active"))
		return NOT_ACTIVE;
	if ((flags & POOL_PLACEMENT) && drained)
		return DRAINED;
	return FIT;
}

static void describe(struct pool_targets *t, const char *name, enum unfit why,
		     const struct host_doc *hd)
{
	const char *reason = hd->state_reason;

	if (why == DRAINED)
		xstrjoinf(&t->dropped, ", ", "%s is drained", name);
	else if (!reason || !*reason)
		xstrjoinf(&t->dropped, ", ", "%s is %s", name, hd->state);
	else
		xstrjoinf(&t->dropped, ", ", "%s is %s (%s)", name, hd->state, reason);
}

static int add_named(struct fleet *fl, struct pool_targets *t, const char *name, struct berr *err)
{
	struct host_ref ref;
	struct berr why;
	size_t i;
	int rc;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return 0;
	berr_clear(&why);
	rc = hosts_find(fl, name, HOSTS_WITH_DOC, &ref, &why);
	if (rc <= 0)
		return fleet_unknown_host(fl, name, rc < 0 ? &why : NULL, err);
	pool_targets_push(fl, t, &ref);
	return 0;
}

/* The named targets that placement cannot use: an error naming the first. */
static int check_named_placement(const struct pool_targets *t, struct berr *err)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct pool_host *h = &t->v[i];
		enum unfit why = not_candidate(h->state, h->drained, POOL_PLACEMENT);
		struct host_doc hd;
		const char *reason;

		if (why == FIT)
			continue;
		if (why == DRAINED)
			return berr_set(err, BERR_CONFLICT, "host %s is drained: no new containers go there "
					"('host activate %s' takes it back into service)", h->name, h->name);
		host_doc_read(h->doc, &hd);
		reason = hd.state_reason;
		return berr_set(err, BERR_CONFLICT, "host %s is %s%s%s%s: no new containers go there "
				"('host activate %s' or 'host probe %s' brings it back)",
				h->name, h->state, reason && *reason ? " (" : "", reason ? reason : "",
				reason && *reason ? ")" : "", h->name, h->name);
	}
	return 0;
}

static void ask_info(struct fleet *fl, const struct host_ref *refs, size_t n, json_t **infos,
		     struct berr *errs);

/* The engine gave no answer at all: asking it again costs a timeout again. */
static int no_answer(const struct berr *e)
{
	return e->kind == BERR_CONNECT || e->kind == BERR_TIMEOUT || e->kind == BERR_TLS ||
	       e->kind == BERR_PROTOCOL;
}

/* The targets whose engine ID is not known yet ask their engines, once:
 * the answer goes to their documents. A configured host is looked up
 * without the store, a registered one reads its document again: this
 * happens once in a host's life. */
static void learn_engine_ids(struct fleet *fl, struct pool_targets *t)
{
	struct host_ref *refs = xcalloc(t->n, sizeof(*refs));
	size_t *which = xcalloc(t->n, sizeof(*which));
	json_t **infos = xcalloc(t->n, sizeof(*infos));
	struct berr *errs = xcalloc(t->n, sizeof(*errs));
	size_t i, n = 0;

	for (i = 0; i < t->n; i++) {
		struct berr ignored;

		if (t->v[i].engine_id || !t->v[i].b ||
		    hosts_find(fl, t->v[i].name, 0, &refs[n], &ignored) != 1)
			continue;
		which[n++] = i;
	}
	if (n)
		ask_info(fl, refs, n, infos, errs);
	for (i = 0; i < n; i++) {
		struct pool_host *h = &t->v[which[i]];
		const char *id = json_string_value(json_object_get(infos[i], "ID"));

		if (id && *id) {
			h->engine_id = xstrdup(id);
			pool_record_answer(fl, h->name, infos[i]);
		} else if (!infos[i] && no_answer(&errs[i])) {
			h->unanswered = errs[i];
		}
		json_decref(infos[i]);
		host_ref_release(&refs[i]);
	}
	free(errs);
	free(infos);
	free(which);
	free(refs);
}

/* Leaves out each target whose engine an earlier one is, saying so. */
static void drop_twins(struct fleet *fl, struct pool_targets *t)
{
	size_t i = 0, j;

	while (++i < t->n) {
		const char *id = t->v[i].engine_id;

		for (j = 0; id && j < i; j++)
			if (t->v[j].engine_id && !strcmp(t->v[j].engine_id, id))
				break;
		if (!id || j == i)
			continue;
		fleet_warn(fl, "%s is the same engine as %s (ID %s): skipped", t->v[i].name,
			   t->v[j].name, id);
		pool_host_release(&t->v[i]);
		memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
		t->n--;
		i--;
	}
}

/* One engine, one target (see pool.h). */
static void one_target_per_engine(struct fleet *fl, struct pool_targets *t, unsigned flags)
{
	if (t->n < 2)
		return;
	if (!(flags & POOL_STORE_ONLY) && !fl->store_failed)
		learn_engine_ids(fl, t);
	drop_twins(fl, t);
}

int pool_targets(struct fleet *fl, const struct pool_want *want, unsigned flags,
		 struct pool_targets *out, struct berr *err)
{
	struct host_list l;
	size_t i;

	memset(out, 0, sizeof(*out));
	berr_clear(err);
	if (want->nhosts || want->pinned) {
		out->explicit_hosts = 1;
		if (want->nhosts) {
			for (i = 0; i < want->nhosts; i++)
				if (add_named(fl, out, want->hosts[i], err) < 0)
					goto failed;
		} else if (add_named(fl, out, want->pinned, err) < 0) {
			/* the pinned host vanished (removed by another berth):
			 * that is no usage error of this command */
			if (err->kind == BERR_USAGE)
				err->kind = BERR_NOT_FOUND;
			goto failed;
		}
		if ((flags & POOL_PLACEMENT) && check_named_placement(out, err) < 0)
			goto failed;
		one_target_per_engine(fl, out, flags);
		return 0;
	}

	/* a store out of reach leaves the configured hosts: the warning
	 * that the cache was not updated will say why, once */
	hosts_list(fl, HOSTS_WITH_DOC | HOSTS_QUIET, &l);
	for (i = 0; i < l.n; i++) {
		struct host_ref *ref = &l.v[i];
		struct host_doc hd;
		enum unfit why;

		host_doc_read(ref->doc, &hd);
		why = not_candidate(hd.state, hd.drained, flags);
		if (why != FIT) {
			describe(out, ref->name, why, &hd);
			continue;
		}
		pool_targets_push(fl, out, ref);
	}
	host_list_release(&l);
	one_target_per_engine(fl, out, flags);
	return 0;

failed:
	pool_targets_release(out);
	return -1;
}

int pool_no_host(const struct pool_targets *t, struct berr *err)
{
	if (t->dropped)
		return berr_set(err, BERR_NOT_FOUND, "no active host in the pool (%s): 'host probe' "
				"checks them again, 'host activate NAME' puts one back", t->dropped);
	return berr_set(err, BERR_NOT_FOUND, "no active host in the pool");
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

struct backend *pool_single(struct fleet *fl, const struct pool_want *want, struct berr *err)
{
	struct pool_targets t;
	struct backend *b = NULL;
	char *list;

	/* the pinned host: no store document is needed to use it */
	if (!want->nhosts && want->pinned) {
		b = fleet_backend_for(fl, want->pinned, err);
		/* a pinned host that vanished is no usage error of this command */
		if (!b && err->kind == BERR_USAGE)
			err->kind = BERR_NOT_FOUND;
		return b;
	}
	if (pool_targets(fl, want, 0, &t, err) < 0)
		return NULL;
	if (t.n == 1) {
		b = t.v[0].b;
		if (!b)
			*err = t.v[0].err;
	} else if (t.n == 0) {
		pool_no_host(&t, err);
	} else {
		list = target_names(&t);
		if (want->nhosts)
			berr_set(err, BERR_USAGE,
				 "this command acts on one host and --host names %zu (%s): give one",
				 t.n, list);
		else
			berr_set(err, BERR_USAGE, "this command acts on one host and the pool has %zu "
				 "(%s): add --host NAME or run 'host use NAME'", t.n, list);
		free(list);
	}
	pool_targets_release(&t);
	return b;
}

/* --- recording ------------------------------------------------------------- */

int pool_transition(struct fleet *fl, const char *host, const bson_t *before, const char *state,
		    const char *reason, const bson_t *extra, struct berr *err)
{
	const struct host_settings *hc = settings_find_host(fl->settings, host);
	int64_t now = store_now_ms();
	bson_t sel, update, found_doc;
	const bson_t *prev = before;
	struct store *s;
	int found = 0, have_found = 0, rc = -1;

	berr_clear(err);
	if (host_is_adhoc(host))
		return berr_set(err, BERR_USAGE, "host %s was named by its URL (-H); it has no state to change",
				host);
	if (!(s = fleet_store(fl, err)))
		return -1;
	host_doc_selector(&sel, host);
	if (!prev) {
		if (store_find_one(s, STORE_HOSTS, &sel, &found_doc, &found, err) < 0) {
			fleet_store_failed(fl, err);
			goto cleanup;
		}
		if (found) {
			have_found = 1;
			prev = &found_doc;
		} else if (!hc) {
			fleet_unknown_host(fl, host, NULL, err);
			goto cleanup;
		}
	}
	host_doc_update_transition(&update, prev, state, reason, extra, now, hc);
	found = 0;
	rc = store_modify(s, STORE_HOSTS, &sel, &update, hc ? STORE_UPSERT : 0, NULL, &found, err);
	bson_destroy(&update);
	if (rc < 0) {
		fleet_store_failed(fl, err);
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

int pool_set_fields(struct fleet *fl, const char *host, const bson_t *fields, struct berr *err)
{
	const struct host_settings *hc = settings_find_host(fl->settings, host);
	bson_t sel, update;
	struct store *s;
	int found = 0, rc;

	berr_clear(err);
	if (host_is_adhoc(host))
		return berr_set(err, BERR_USAGE, "host %s was named by its URL (-H); it has no record to change",
				host);
	if (!(s = fleet_store(fl, err)))
		return -1;
	host_doc_selector(&sel, host);
	host_doc_update_fields(&update, fields, store_now_ms(), hc);
	rc = store_modify(s, STORE_HOSTS, &sel, &update, hc ? STORE_UPSERT : 0, NULL, &found, err);
	bson_destroy(&update);
	bson_destroy(&sel);
	if (rc < 0) {
		fleet_store_failed(fl, err);
		return -1;
	}
	if (!found) {
		fleet_unknown_host(fl, host, NULL, err);
		return -1;
	}
	return 0;
}

int pool_set_state(struct fleet *fl, const char *host, const char *state, const char *reason,
		   struct berr *err)
{
	bson_t extra;
	int rc;

	if (!pool_valid_state(state))
		return berr_set(err, BERR_USAGE, "unknown host state '%s': use spawned, active, inactive or removed",
				CUT(state));
	bson_init(&extra);
	if (!strcmp(state, "active")) {
		host_doc_set_no_errors(&extra, 0);
		host_doc_set_no_probes(&extra);
	} else if (!strcmp(state, "inactive")) {
		host_doc_set_no_probes(&extra);
	}
	rc = pool_transition(fl, host, NULL, state, reason, &extra, err);
	bson_destroy(&extra);
	return rc;
}

/* An answer that would change nothing but last_seen, on a host recorded
 * without errors and seen this recently, is not written: the hosts
 * collection keeps its fsyncs, and rewriting it (file, fsync, rename,
 * fsync of the directory) on every command was most of what a one-shot
 * listing cost beyond the request itself. last_seen is kept to this. */
#define SEEN_GRAIN_MS (10 * 1000)

/* doc says its host answered moments ago, with no error on record. */
static int fresh_doc(const bson_t *doc, int64_t now)
{
	struct host_doc hd;

	host_doc_read(doc, &hd);
	return hd.last_seen > 0 && hd.last_seen <= now && now - hd.last_seen < SEEN_GRAIN_MS &&
	       hd.errors == 0 && !hd.last_error && strcmp(hd.state, "spawned") != 0;
}

/* Between pool_records_begin and _end: the hosts as the batch began, read
 * once, and which of them were fresh (fresh_doc). A store lookup per
 * record scanned every host document, so recording 1,000 hosts was
 * quadratic. A host recorded with an error meanwhile is fresh no more. */
struct pool_fresh {
	struct host_list hl;  /* owned */
	struct strindex ix;   /* name (borrowed from hl) -> position in hl */
	unsigned char *fresh; /* owned; one per position */
};

static void fresh_forget(struct fleet *fl, const char *host)
{
	size_t pos;

	if (fl->fresh && strindex_find(&fl->fresh->ix, host, &pos))
		fl->fresh->fresh[pos] = 0;
}

static int seen_recently(struct fleet *fl, struct store *s, const char *host, const bson_t *sel,
			 int64_t now)
{
	struct berr err;
	bson_t doc;
	int found = 0, fresh;
	size_t pos;

	if (fl->fresh)
		return strindex_find(&fl->fresh->ix, host, &pos) && fl->fresh->fresh[pos];
	berr_clear(&err);
	if (store_find_one(s, STORE_HOSTS, sel, &doc, &found, &err) < 0 || !found)
		return 0;
	fresh = fresh_doc(&doc, now);
	bson_destroy(&doc);
	return fresh;
}

int pool_record_answer(struct fleet *fl, const char *host, const json_t *info)
{
	const struct host_settings *hc = settings_find_host(fl->settings, host);
	int64_t now = store_now_ms();
	bson_t sel, update, before;
	struct store *s;
	struct berr err;
	int found = 0, rc, ret = -1;

	if (host_is_adhoc(host) || !valid_host_name(host))
		return 0;
	berr_clear(&err);
	if (!(s = fleet_store(fl, &err))) {
		fleet_cache_warn(fl, &err);
		return -1;
	}
	host_doc_selector(&sel, host);
	if (!info && seen_recently(fl, s, host, &sel, now)) {
		bson_destroy(&sel);
		return 0;
	}
	host_doc_update_answer(&update, info, now, hc);
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
	ret = 0;
	if (!strcmp(host_doc_state(&before), "spawned")) {
		rc = pool_transition(fl, host, &before, "active", "engine answered", NULL, &err);
		ret = rc < 0 ? -1 : 1;
		if (rc == 0 && fl->active_hosts >= 0)
			fl->active_hosts++;
	}
	bson_destroy(&before);
	if (ret < 0)
		goto failed;
	goto cleanup;
failed:
	fleet_cache_warn(fl, &err);
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
static int other_host_active(struct fleet *fl, const char *host)
{
	struct host_list hl;
	size_t i;
	int found = 0;

	/* host is active: in a batch of records, the count kept says it
	 * without reading every host again (quadratic over 1,000 failing) */
	if (fl->active_hosts >= 0)
		return fl->active_hosts > 1;
	hosts_list(fl, HOSTS_WITH_DOC | HOSTS_QUIET, &hl);
	for (i = 0; i < hl.n && !found; i++)
		found = strcmp(hl.v[i].name, host) != 0 &&
			!strcmp(pool_host_state(hl.v[i].doc), "active");
	host_list_release(&hl);
	return found;
}

int pool_records_begin(struct fleet *fl)
{
	struct pool_fresh *f;
	struct store *s;
	struct berr err;
	int64_t now = store_now_ms();
	size_t i;

	if (fl->fresh)
		return 0; /* nested in an open batch (a listing's cache write): the outer one ends it */
	berr_clear(&err);
	if (!(s = fleet_store(fl, &err)) || store_batch_begin(s, STORE_HOSTS, &err) < 0)
		return 0; /* each record then says what is wrong, as without a batch */
	f = xcalloc(1, sizeof(*f));
	hosts_list(fl, HOSTS_WITH_DOC | HOSTS_QUIET, &f->hl);
	f->fresh = xcalloc(f->hl.n ? f->hl.n : 1, 1);
	fl->active_hosts = 0;
	for (i = 0; i < f->hl.n; i++) {
		const bson_t *doc = f->hl.v[i].doc;

		strindex_add(&f->ix, f->hl.v[i].name, i);
		f->fresh[i] = doc && fresh_doc(doc, now);
		fl->active_hosts += !strcmp(pool_host_state(doc), "active");
	}
	fl->fresh = f;
	return 1;
}

static void pool_fresh_free(struct pool_fresh *f)
{
	if (!f)
		return;
	strindex_clear(&f->ix);
	host_list_release(&f->hl);
	free(f->fresh);
	free(f);
}

void pool_records_end(struct fleet *fl, int opened)
{
	struct berr err;

	berr_clear(&err);
	if (opened) {
		fl->active_hosts = -1;
		pool_fresh_free(fl->fresh);
		fl->fresh = NULL;
	}
	if (opened && store_batch_end(fleet_store(fl, &err), STORE_HOSTS, &err) < 0)
		fleet_cache_warn(fl, &err);
}

int pool_record(struct fleet *fl, const char *host, const struct berr *err)
{
	const struct host_settings *hc;
	int64_t now, errors;
	struct host_doc hd;
	bson_t sel, update, after, extra;
	struct store *s;
	struct berr e;
	const char *msg;
	char reason[1200];
	int found = 0, rc, ret = -1, t;

	if (!err)
		return pool_record_answer(fl, host, NULL);
	if ((t = teaches(err)) < 0)
		return 0;
	if (t == 0)
		return pool_record_answer(fl, host, NULL);
	if (host_is_adhoc(host) || !valid_host_name(host))
		return 0;
	berr_clear(&e);
	if (!(s = fleet_store(fl, &e))) {
		fleet_cache_warn(fl, &e);
		return -1;
	}
	fresh_forget(fl, host);
	hc = settings_find_host(fl->settings, host);
	now = store_now_ms();
	msg = without_host(host, err->msg[0] ? err->msg : "request failed");
	host_doc_selector(&sel, host);
	host_doc_update_error(&update, msg, now, hc);
	rc = store_modify(s, STORE_HOSTS, &sel, &update, (hc ? STORE_UPSERT : 0) | STORE_RETURN_NEW,
			  &after, &found, &e);
	bson_destroy(&update);
	if (rc < 0)
		goto failed;
	if (!found) {
		ret = 0;
		goto cleanup;
	}
	host_doc_read(&after, &hd);
	errors = hd.errors;
	ret = 0;
	if (!strcmp(hd.state, "active") && errors >= fl->settings->pool_error_threshold &&
	    other_host_active(fl, host)) {
		snprintf(reason, sizeof(reason), "%lld consecutive error%s: %s", (long long)errors,
			 errors == 1 ? "" : "s", msg);
		bson_init(&extra);
		host_doc_set_auto_inactive(&extra, now + POOL_PROBE_FIRST_MS, POOL_PROBE_FIRST_MS);
		rc = pool_transition(fl, host, &after, "inactive", reason, &extra, &e);
		bson_destroy(&extra);
		if (rc == 0) {
			fleet_warn(fl, "%s is now inactive: %s", host, reason);
			if (fl->active_hosts > 0)
				fl->active_hosts--;
			ret = 1;
		}
	}
	bson_destroy(&after);
	if (rc < 0)
		goto failed;
	goto cleanup;
failed:
	fleet_cache_warn(fl, &e);
	ret = -1;
cleanup:
	bson_destroy(&sel);
	return ret;
}

int pool_host_moved(struct fleet *fl, const char *host, const char *url, const char *tls_dir,
		    const char *was)
{
	bson_t sel, update;
	struct store *s;
	struct berr err;
	char reason[1200];
	int found = 0, rc;

	berr_clear(&err);
	if (host_is_adhoc(host) || !(s = fleet_store(fl, &err)))
		return -1;
	host_doc_selector(&sel, host);
	host_doc_update_moved(&update, url, tls_dir);
	rc = store_modify(s, STORE_HOSTS, &sel, &update, 0, NULL, &found, &err);
	bson_destroy(&update);
	bson_destroy(&sel);
	snprintf(reason, sizeof(reason), "its URL changed (was %s)", was);
	if (rc == 0 && found)
		rc = pool_transition(fl, host, NULL, "active", reason, NULL, &err);
	if (rc < 0)
		fleet_cache_warn(fl, &err);
	return rc;
}

/* --- probes ---------------------------------------------------------------- */

#include "backends/fanout.h"
#include "backends/docker/docker.h"

/* A client of its own for the ping: a probe waits no longer than a
 * connection may take (an engine that accepts and never answers, as a
 * stopped one does, must not cost the whole request timeout). */
static struct backend *probe_backend(struct fleet *fl, const struct host_ref *h, struct berr *err)
{
	struct docker_endpoint ep;

	host_ref_endpoint(h, fl->settings, &ep);
	ep.timeout_ms = fl->settings->connect_timeout_ms;
	berr_clear(err);
	return docker_backend_new(&ep, err);
}

/* pool_ask_info(), and errs[i] (errs NULL: none) gets why refs[i] gave
 * no answer (kind BERR_NONE when it did). */
static void ask_info(struct fleet *fl, const struct host_ref *refs, size_t n, json_t **infos,
		     struct berr *errs)
{
	struct fanout_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	struct backend **bs = xcalloc(n ? n : 1, sizeof(*bs));
	struct berr setup;
	size_t i, nj = 0;

	for (i = 0; i < n; i++) {
		infos[i] = NULL;
		if (errs)
			berr_clear(&errs[i]);
		if ((bs[i] = probe_backend(fl, &refs[i], &setup)))
			jobs[nj++].b = bs[i];
	}
	if (nj)
		fanout_info(jobs, nj, NULL);
	for (i = 0, nj = 0; i < n; i++) {
		if (!bs[i])
			continue;
		if (jobs[nj].status == 0) {
			infos[i] = jobs[nj].reply;
			jobs[nj].reply = NULL;
		} else if (errs) {
			errs[i] = jobs[nj].err;
		}
		nj++;
	}
	fanout_jobs_release(jobs, nj);
	for (i = 0; i < n; i++)
		backend_free(bs[i]);
	free(jobs);
	free(bs);
}

void pool_ask_info(struct fleet *fl, const struct host_ref *refs, size_t n, json_t **infos)
{
	ask_info(fl, refs, n, infos, NULL);
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
	struct host_doc hd;

	if (!doc)
		return 0;
	host_doc_read(doc, &hd);
	if (!strcmp(hd.state, "inactive")) {
		if (!hd.auto_inactive)
			return 0;
	} else if (strcmp(hd.state, "spawned")) {
		return 0;
	}
	return hd.next_probe <= now;
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
static void probe_settle(struct fleet *fl, const struct host_ref *ref, int answered,
			 const struct berr *perr, unsigned flags, struct pool_probe_result *r)
{
	const char *state = pool_host_state(ref->doc);
	int64_t now = store_now_ms(), backoff;
	struct host_doc hd;
	struct berr err;
	bson_t extra;
	int rc;

	r->before = xstrdup(state);
	r->after = xstrdup(state);
	berr_clear(&err);
	if (host_is_adhoc(ref->name))
		flags |= POOL_PROBE_DRY_RUN; /* nothing recorded of -H URL hosts */
	if (!strcmp(state, "removed"))
		return; /* never comes back by itself */
	if (!strcmp(state, "active")) {
		/* a probe of a host in service is one more request */
		if (flags & POOL_PROBE_DRY_RUN)
			return;
		rc = answered ? pool_record_answer(fl, ref->name, NULL) : pool_record(fl, ref->name, perr);
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
		host_doc_set_seen(&extra, now);
		host_doc_set_no_errors(&extra, 1);
		host_doc_set_no_probes(&extra);
		rc = pool_transition(fl, ref->name, ref->doc, "active", r->reason, &extra, &err);
		bson_destroy(&extra);
		if (rc < 0) {
			fleet_cache_warn(fl, &err);
			free(r->after);
			r->after = xstrdup(state);
		}
		return;
	}
	/* unanswered: wait twice as long before the next try, up to an hour */
	host_doc_read(ref->doc, &hd);
	backoff = hd.probe_backoff;
	backoff = backoff <= 0 ? POOL_PROBE_FIRST_MS : backoff * 2;
	if (backoff > POOL_PROBE_MAX_MS)
		backoff = POOL_PROBE_MAX_MS;
	r->next_probe_ms = now + backoff;
	if (flags & POOL_PROBE_DRY_RUN)
		return;
	{
		bson_t sel, update;
		struct store *s = fleet_store(fl, &err);

		if (!s) {
			fleet_cache_warn(fl, &err);
			return;
		}
		host_doc_selector(&sel, ref->name);
		host_doc_update_backoff(&update, r->next_probe_ms, backoff,
					without_host(ref->name, perr->msg), now);
		rc = store_modify(s, STORE_HOSTS, &sel, &update, 0, NULL, NULL, &err);
		bson_destroy(&update);
		bson_destroy(&sel);
		if (rc < 0)
			fleet_cache_warn(fl, &err);
	}
}

int pool_probe(struct fleet *fl, const char *const *names, size_t n, unsigned flags,
	       struct pool_probe_result **out, size_t *nout, struct berr *perr_out)
{
	struct probe_host *ph = NULL;
	struct fanout_job *jobs = NULL;
	struct pool_probe_result *res = NULL;
	size_t nph = 0, i, j, nj = 0;
	int64_t now = store_now_ms();
	int ret = -1;

	*out = NULL;
	*nout = 0;
	berr_clear(perr_out);
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
			rc = hosts_find(fl, names[i], HOSTS_WITH_DOC, &ref, &err);
			if (rc <= 0) {
				fleet_unknown_host(fl, names[i], rc < 0 ? &err : NULL, perr_out);
				goto cleanup;
			}
			ph = xrealloc(ph, (nph + 1) * sizeof(*ph));
			memset(&ph[nph], 0, sizeof(ph[nph]));
			ph[nph++].ref = ref;
		}
	} else {
		struct host_list l;

		hosts_list(fl, HOSTS_WITH_DOC, &l);
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
		ph[i].b = probe_backend(fl, &ph[i].ref, &ph[i].err);
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
		probe_settle(fl, &ph[i].ref, r->answered, &r->err, flags, r);
	}
	*out = res;
	*nout = nph;
	res = NULL;
	ret = 0;
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
